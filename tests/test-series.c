/* test-series.c: downsampling keeps what a chart must show, and the zoom math round-trips
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "hw-series.h"
#include "hw-test-util.h"

#define T0 G_GINT64_CONSTANT (1700000000000)

static HwSeries *
make_noisy_series (guint n_points)
{
  HwSeries *series = hw_series_new ("noise");
  GRand *rand = g_rand_new_with_seed (42);

  for (guint i = 0; i < n_points; i++)
    {
      double v = sin (i / 1000.0) * 100.0 + g_rand_double_range (rand, -5.0, 5.0);

      /* Rare single-point spikes are exactly what naive decimation loses. */
      if (i % 99991 == 7)
        v = (i % 2 == 0) ? 1e6 : -1e6;
      g_assert_true (hw_series_append (series, T0 + i * 10, v));
    }
  g_rand_free (rand);
  return series;
}

static void
test_downsample_keeps_extremes (void)
{
  g_autoptr(HwSeries) series = make_noisy_series (200000);
  HwTimeRange range = { T0 + 12345, T0 + 1999999 };
  const guint n_columns = 731;
  g_autofree HwSeriesColumn *columns = g_new (HwSeriesColumn, n_columns);
  g_autofree double *want_min = g_new (double, n_columns);
  g_autofree double *want_max = g_new (double, n_columns);
  g_autofree double *want_last = g_new (double, n_columns);
  double global_max = -INFINITY, global_min = INFINITY;
  double seen_max = -INFINITY, seen_min = INFINITY;

  for (guint c = 0; c < n_columns; c++)
    want_min[c] = want_max[c] = want_last[c] = NAN;

  /* Brute force: assign every visible point to its column by the public
   * pixel mapping, independently of the implementation's scaling. */
  for (guint i = 0; i < hw_series_get_length (series); i++)
    {
      gint64 t = hw_series_get_time (series, i);
      double v = hw_series_get_value (series, i);
      guint c;

      if (t < range.from_ms || t >= range.to_ms)
        continue;
      c = MIN ((guint) floor (hw_time_range_to_x (&range, n_columns, t)), n_columns - 1);
      if (isnan (want_min[c]) || v < want_min[c])
        want_min[c] = v;
      if (isnan (want_max[c]) || v > want_max[c])
        want_max[c] = v;
      want_last[c] = v;
      global_max = MAX (global_max, v);
      global_min = MIN (global_min, v);
    }

  hw_series_downsample (series, &range, columns, n_columns);
  for (guint c = 0; c < n_columns; c++)
    {
      g_assert_true (columns[c].flags & HW_COLUMN_HAS_DATA);
      g_assert_cmpfloat (columns[c].min, ==, want_min[c]);
      g_assert_cmpfloat (columns[c].max, ==, want_max[c]);
      g_assert_cmpfloat (columns[c].last, ==, want_last[c]);
      seen_max = MAX (seen_max, columns[c].max);
      seen_min = MIN (seen_min, columns[c].min);
    }
  /* The spikes inside the window survive the reduction. */
  g_assert_cmpfloat (seen_max, ==, global_max);
  g_assert_cmpfloat (seen_min, ==, global_min);
  g_assert_cmpfloat (global_max, ==, 1e6);
}

static void
test_downsample_last_value_and_sparse (void)
{
  g_autoptr(HwSeries) series = hw_series_new ("sparse");
  HwTimeRange range = { 0, 100 };
  HwSeriesColumn columns[10];

  /* Three points in column 2, one in column 7, none elsewhere. */
  hw_series_append (series, 21, 5.0);
  hw_series_append (series, 22, -3.0);
  hw_series_append (series, 29, 1.5);
  hw_series_append (series, 75, 9.0);
  hw_series_downsample (series, &range, columns, G_N_ELEMENTS (columns));

  for (guint c = 0; c < G_N_ELEMENTS (columns); c++)
    {
      if (c == 2 || c == 7)
        continue;
      g_assert_cmpint (columns[c].flags, ==, HW_COLUMN_EMPTY);
      g_assert_true (isnan (columns[c].min));
    }
  g_assert_cmpfloat (columns[2].first, ==, 5.0);
  g_assert_cmpfloat (columns[2].min, ==, -3.0);
  g_assert_cmpfloat (columns[2].max, ==, 5.0);
  g_assert_cmpfloat (columns[2].last, ==, 1.5);
  g_assert_cmpint (columns[2].last_ms, ==, 29);
  g_assert_true (columns[2].flags & HW_COLUMN_BREAK_BEFORE);
  /* No gap threshold: sparse points are still joined. */
  g_assert_false (columns[7].flags & HW_COLUMN_BREAK_BEFORE);
  g_assert_cmpfloat (columns[7].last, ==, 9.0);
}

static void
test_downsample_gaps_stay_gaps (void)
{
  g_autoptr(HwSeries) series = hw_series_new ("gappy");
  HwTimeRange range = { 0, 1000 };
  HwSeriesColumn columns[100];
  HwSeriesStats stats;
  gint64 found = -1;

  /* One point every 10 ms; NaN at 300..390 is missing data; a hole with no
   * points at all from 600 to 800 is longer than the 25 ms gap threshold. */
  hw_series_set_gap_threshold (series, 25);
  for (gint64 t = 0; t < 1000; t += 10)
    {
      if (t >= 600 && t < 800)
        continue;
      hw_series_append (series, t, (t >= 300 && t < 400) ? NAN : (double) t);
    }
  hw_series_downsample (series, &range, columns, G_N_ELEMENTS (columns));

  for (guint c = 30; c < 40; c++)
    g_assert_cmpint (columns[c].flags, ==, HW_COLUMN_EMPTY);
  for (guint c = 60; c < 80; c++)
    g_assert_cmpint (columns[c].flags, ==, HW_COLUMN_EMPTY);
  g_assert_true (columns[0].flags & HW_COLUMN_BREAK_BEFORE);
  g_assert_false (columns[29].flags & HW_COLUMN_BREAK_BEFORE);
  g_assert_true (columns[40].flags & HW_COLUMN_BREAK_BEFORE);
  g_assert_false (columns[41].flags & HW_COLUMN_BREAK_BEFORE);
  g_assert_true (columns[80].flags & HW_COLUMN_BREAK_BEFORE);
  g_assert_false (columns[81].flags & HW_COLUMN_BREAK_BEFORE);
  /* Never interpolated: values are the points' own. */
  g_assert_cmpfloat (columns[40].first, ==, 400.0);
  g_assert_cmpfloat (columns[29].last, ==, 290.0);

  /* The crosshair reports nothing inside a gap, the point itself elsewhere. */
  g_assert_true (isnan (hw_series_value_at (series, 700, NULL)));
  g_assert_true (isnan (hw_series_value_at (series, 345, NULL)));
  g_assert_cmpfloat (hw_series_value_at (series, 415, &found), ==, 410.0);
  g_assert_cmpint (found, ==, 410);

  /* Statistics skip missing points. */
  stats = hw_series_stats (series, &range);
  g_assert_cmpuint (stats.count, ==, 100 - 10 - 20);
  g_assert_cmpfloat (stats.min, ==, 0.0);
  g_assert_cmpfloat (stats.max, ==, 990.0);
  g_assert_cmpfloat (stats.last, ==, 990.0);
}

static void
test_series_rejects_out_of_order (void)
{
  g_autoptr(HwSeries) series = hw_series_new ("order");
  HwSeriesStats stats;
  HwTimeRange bounds;

  g_assert_true (hw_series_append (series, 10, 1.0));
  g_assert_false (hw_series_append (series, 5, 2.0));
  g_assert_true (hw_series_append (series, 10, 3.0));
  g_assert_cmpuint (hw_series_get_length (series), ==, 2);
  g_assert_true (hw_series_get_bounds (series, &bounds));
  g_assert_cmpint (bounds.from_ms, ==, 10);
  g_assert_cmpint (bounds.to_ms, ==, 11);

  stats = hw_series_stats (series, NULL);
  g_assert_cmpfloat (stats.mean, ==, 2.0);

  hw_series_clear (series);
  stats = hw_series_stats (series, NULL);
  g_assert_cmpuint (stats.count, ==, 0);
  g_assert_true (isnan (stats.mean));
  g_assert_false (hw_series_get_bounds (series, &bounds));
}

static void
test_pixel_mapping_round_trips (void)
{
  static const struct { gint64 from, to; double width; } cases[] = {
    { 0, 1000, 1000.0 },
    { T0, T0 + 15 * 60 * 1000, 813.0 },
    { T0, T0 + G_GINT64_CONSTANT (30) * 24 * 3600 * 1000, 1920.0 },
    { -5000, 5000, 3.0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      HwTimeRange range = { cases[i].from, cases[i].to };
      double ms_per_px = (double) (range.to_ms - range.from_ms) / cases[i].width;

      g_assert_cmpfloat (hw_time_range_to_x (&range, cases[i].width, range.from_ms), ==, 0.0);
      g_assert_cmpfloat_with_epsilon (hw_time_range_to_x (&range, cases[i].width, range.to_ms),
                                      cases[i].width, 1e-9);
      for (double x = 0; x <= cases[i].width; x += cases[i].width / 7)
        {
          gint64 t = hw_time_range_from_x (&range, cases[i].width, x);

          g_assert_cmpfloat_with_epsilon (hw_time_range_to_x (&range, cases[i].width, t), x,
                                          1.0 / ms_per_px + 1e-9);
        }
    }
}

static void
test_zoom_keeps_anchor (void)
{
  HwTimeRange range = { 1000, 2000 };
  HwTimeRange in, out, tiny;
  double before, after;

  before = hw_time_range_to_x (&range, 500, 1250);
  in = hw_time_range_zoom (&range, 1250, 0.5, 1);
  g_assert_cmpint (in.to_ms - in.from_ms, ==, 500);
  after = hw_time_range_to_x (&in, 500, 1250);
  g_assert_cmpfloat_with_epsilon (before, after, 1e-9);
  g_assert_cmpint (in.from_ms, ==, 1125);

  /* Zooming back out by the inverse factor restores the window. */
  out = hw_time_range_zoom (&in, 1250, 2.0, 1);
  g_assert_cmpint (out.from_ms, ==, range.from_ms);
  g_assert_cmpint (out.to_ms, ==, range.to_ms);

  /* The span never collapses below the minimum. */
  tiny = hw_time_range_zoom (&range, 1500, 1e-9, 100);
  g_assert_cmpint (tiny.to_ms - tiny.from_ms, ==, 100);
  g_assert_cmpint (tiny.from_ms, ==, 1450);

  /* Nonsense factors leave the window alone. */
  tiny = hw_time_range_zoom (&range, 1500, NAN, 1);
  g_assert_cmpint (tiny.from_ms, ==, 1000);
  g_assert_cmpint (tiny.to_ms, ==, 2000);
}

static void
test_pan_and_select (void)
{
  HwTimeRange range = { 1000, 2000 };
  HwTimeRange back = hw_time_range_pan (&range, -0.25);
  HwTimeRange sel;

  g_assert_cmpint (back.from_ms, ==, 750);
  g_assert_cmpint (back.to_ms, ==, 1750);
  back = hw_time_range_pan (&back, 0.25);
  g_assert_cmpint (back.from_ms, ==, 1000);

  /* A right-to-left drag selects the same window as a left-to-right one. */
  sel = hw_time_range_select (&range, 100, 80, 20);
  g_assert_cmpint (sel.from_ms, ==, 1200);
  g_assert_cmpint (sel.to_ms, ==, 1800);
  sel = hw_time_range_select (&range, 100, 20, 80);
  g_assert_cmpint (sel.from_ms, ==, 1200);
  g_assert_cmpint (sel.to_ms, ==, 1800);
  /* A click without movement still yields a non-empty window. */
  sel = hw_time_range_select (&range, 100, 50, 50);
  g_assert_cmpint (sel.to_ms, >, sel.from_ms);
}

/* A million points down to 1600 columns (625 per column) keeps every one
 * of the rare single-point spikes. How fast it does so is a figure of
 * bench/hw-bench-chart (chart_frame_ms_1m_points), not of a test. */
static void
test_downsample_million_points (void)
{
  const guint n_points = 1000000;
  g_autoptr(HwSeries) series = make_noisy_series (n_points);
  HwTimeRange range;
  HwSeriesColumn columns[1600];
  guint spikes_up = 0, spikes_down = 0;
  guint columns_up = 0, columns_down = 0;

  for (guint i = 7; i < n_points; i += 99991)
    {
      if (i % 2 == 0)
        spikes_up++;
      else
        spikes_down++;
    }

  g_assert_true (hw_series_get_bounds (series, &range));
  hw_series_downsample (series, &range, columns, G_N_ELEMENTS (columns));
  for (guint c = 0; c < G_N_ELEMENTS (columns); c++)
    {
      g_assert_true (columns[c].flags & HW_COLUMN_HAS_DATA);
      columns_up += columns[c].max == 1e6;
      columns_down += columns[c].min == -1e6;
    }
  g_assert_cmpuint (spikes_up + spikes_down, ==, 11);
  g_assert_cmpuint (columns_up, ==, spikes_up);
  g_assert_cmpuint (columns_down, ==, spikes_down);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/series/downsample/keeps-extremes", test_downsample_keeps_extremes);
  g_test_add_func ("/series/downsample/last-value-sparse", test_downsample_last_value_and_sparse);
  g_test_add_func ("/series/downsample/gaps-stay-gaps", test_downsample_gaps_stay_gaps);
  g_test_add_func ("/series/downsample/million-points", test_downsample_million_points);
  g_test_add_func ("/series/append/out-of-order", test_series_rejects_out_of_order);
  g_test_add_func ("/series/window/round-trip", test_pixel_mapping_round_trips);
  g_test_add_func ("/series/window/zoom", test_zoom_keeps_anchor);
  g_test_add_func ("/series/window/pan-select", test_pan_and_select);

  return g_test_run ();
}
