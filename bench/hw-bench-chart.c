/* hw-bench-chart.c: HwChart frame time with a million points, beside a naive full draw
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gtk/gtk.h>
#include <math.h>

#include "hw-bench-util.h"
#include "hw-chart-private.h"
#include "hw-chart.h"
#include "hw-time-window.h"

#define WIDTH 1200
#define HEIGHT 400
#define OURS_FRAMES 30
#define NAIVE_SNAPSHOTS 5
#define T0_MS G_GINT64_CONSTANT (1714521600000)
#define STEP_MS 1000
#define FRAME_TARGET_MS 8.0

/* A daily cycle with noise and a few spikes and gaps, so that the extremes
 * matter; deterministic, like everything the benchmarks feed. */
static HwSeries *
make_series (guint n_points)
{
  HwSeries *series = hw_series_new ("events/s");
  guint64 state = 88172645463325252ull;

  hw_series_set_gap_threshold (series, 10 * STEP_MS);
  for (guint i = 0; i < n_points; i++)
    {
      double noise, value;

      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
      noise = (state >> 11) * (1.0 / 9007199254740992.0);
      value = 500 + 300 * sin (i * 2 * G_PI / 86400) + 80 * noise;
      if (i % 99991 == 0)
        value *= 4;
      if (i % 250000 == 1000)
        value = NAN;
      hw_series_append (series, T0_MS + (gint64) i * STEP_MS, value);
    }
  return series;
}

static GskRenderer *
new_renderer (void)
{
  g_autoptr(GError) error = NULL;
  GskRenderer *renderer = gsk_cairo_renderer_new ();

  /* The cairo renderer needs no surface: frames are rasterized into
   * textures on the CPU, the same way for both draws, whatever GL the
   * display offers. */
  if (!gsk_renderer_realize (renderer, NULL, &error))
    hw_bench_fail ("realizing the cairo renderer", error);
  return renderer;
}

static double
render (GskRenderer   *renderer,
        GskRenderNode *node)
{
  g_autoptr(GdkTexture) texture = NULL;
  double started = hw_bench_now ();

  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, WIDTH, HEIGHT));
  return (hw_bench_now () - started) * 1000;
}

/* Our frame after a data change or a zoom: the static layers rebuilt
 * (downsampling per pixel column, grid, axes, legend) and rasterized. */
typedef struct
{
  double build_ms;   /* the snapshot: the widget's own work per frame */
  double frame_ms;   /* plus rasterizing it on the CPU */
} Timing;

static Timing
bench_ours (HwChart     *chart,
            GskRenderer *renderer)
{
  g_autoptr(GArray) frames = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) builds = g_array_new (FALSE, FALSE, sizeof (double));
  Timing p50;

  for (guint i = 0; i < OURS_FRAMES; i++)
    {
      GtkSnapshot *snapshot = gtk_snapshot_new ();
      g_autoptr(GskRenderNode) node = NULL;
      double started = hw_bench_now ();
      double build_ms, frame_ms;

      hw_chart_render_static (chart, snapshot, WIDTH, HEIGHT);
      node = gtk_snapshot_free_to_node (snapshot);
      build_ms = (hw_bench_now () - started) * 1000;
      frame_ms = build_ms + render (renderer, node);
      g_array_append_val (builds, build_ms);
      g_array_append_val (frames, frame_ms);
    }
  p50.build_ms = hw_bench_median (builds);
  p50.frame_ms = hw_bench_median (frames);
  hw_bench_note ("chart: ours: %u frames of %d×%d, %u pixel columns drawn; snapshot (downsample, "
                 "grid, axes, legend) p50 %.2f ms, max %.2f ms; with rasterizing p50 %.2f ms",
                 OURS_FRAMES, WIDTH, HEIGHT, hw_chart_get_drawn_columns (chart), p50.build_ms,
                 g_array_index (builds, double, builds->len - 1), p50.frame_ms);
  return p50;
}

/* What a chart without downsampling does: one cairo line_to per point,
 * gaps kept, into the same plot rectangle, then the same rasterizer. */
static void
naive_draw (GtkSnapshot           *snapshot,
            HwSeries              *series,
            const graphene_rect_t *plot)
{
  guint n = hw_series_get_length (series);
  HwTimeRange range;
  double y_min = INFINITY, y_max = -INFINITY;
  gboolean pen_down = FALSE;
  cairo_t *cr;

  hw_series_get_bounds (series, &range);
  range.to_ms++;
  for (guint i = 0; i < n; i++)
    {
      double v = hw_series_get_value (series, i);

      if (!isnan (v))
        {
          y_min = MIN (y_min, v);
          y_max = MAX (y_max, v);
        }
    }

  cr = gtk_snapshot_append_cairo (snapshot, plot);
  cairo_set_source_rgba (cr, 0.21, 0.52, 0.89, 1.0);
  cairo_set_line_width (cr, 1.5);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (guint i = 0; i < n; i++)
    {
      double v = hw_series_get_value (series, i);
      double x, y;

      if (isnan (v))
        {
          pen_down = FALSE;
          continue;
        }
      x = plot->origin.x + hw_time_range_to_x (&range, plot->size.width, hw_series_get_time (series, i));
      y = plot->origin.y + plot->size.height * (1 - (v - y_min) / (y_max - y_min));
      if (pen_down)
        cairo_line_to (cr, x, y);
      else
        cairo_move_to (cr, x, y);
      pen_down = TRUE;
    }
  cairo_stroke (cr);
  cairo_destroy (cr);
}

static Timing
bench_naive (HwChart     *chart,
             HwSeries    *series,
             GskRenderer *renderer,
             guint        n_frames)
{
  g_autoptr(GArray) frames = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) builds = g_array_new (FALSE, FALSE, sizeof (double));
  HwChartLayout layout;
  Timing p50;

  /* Rasterizing a million segments takes seconds to a minute on this
   * kind of machine, so only the first few snapshots are rasterized. */
  hw_chart_compute_layout (chart, WIDTH, HEIGHT, &layout);
  for (guint i = 0; i < MAX (n_frames, NAIVE_SNAPSHOTS); i++)
    {
      GtkSnapshot *snapshot = gtk_snapshot_new ();
      g_autoptr(GskRenderNode) node = NULL;
      double started = hw_bench_now ();
      double build_ms, frame_ms;

      naive_draw (snapshot, series, &layout.plot);
      node = gtk_snapshot_free_to_node (snapshot);
      build_ms = (hw_bench_now () - started) * 1000;
      g_array_append_val (builds, build_ms);
      if (i >= n_frames)
        continue;
      frame_ms = build_ms + render (renderer, node);
      g_array_append_val (frames, frame_ms);
    }
  p50.build_ms = hw_bench_median (builds);
  p50.frame_ms = hw_bench_median (frames);
  hw_bench_note ("chart: baseline: naive full draw, one cairo line_to per point into the same plot: "
                 "snapshot p50 %.1f ms (%u frames)", p50.build_ms, builds->len);
  if (frames->len > 0)
    hw_bench_note ("chart: baseline: with rasterizing p50 %.1f ms (%u frames)", p50.frame_ms, frames->len);
  return p50;
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *workdir = NULL;
  int points = 1000000;
  int naive_frames = 1;
  const GOptionEntry entries[] = {
    { "workdir", 0, 0, G_OPTION_ARG_FILENAME, &workdir, "Unused; accepted like every benchmark", "DIR" },
    { "points", 'n', 0, G_OPTION_ARG_INT, &points, "Points in the series (default 1000000)", "N" },
    { "naive-frames", 0, 0, G_OPTION_ARG_INT, &naive_frames,
      "Naive frames to rasterize, up to minutes each (default 1; 0 leaves out the rasterized figure)", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— benchmark the chart widget");
  g_autoptr(GError) error = NULL;
  g_autoptr(HwSeries) series = NULL;
  g_autoptr(HwTimeWindow) window = NULL;
  g_autoptr(GskRenderer) renderer = NULL;
  HwTimeRange bounds;
  GtkWidget *chart;
  Timing ours, naive;
  gboolean million = points == 1000000;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    "Needs a display (bench/run uses xvfb-run). Prints chart_frame_ms_1m_points,\n"
    "the p50 snapshot time of HwChart's static layers (what the widget does per\n"
    "frame), beside a naive draw with one cairo line_to per point, and\n"
    "chart_frame_cpu_raster_ms_1m_points, the same with both frames rasterized\n"
    "by the cairo renderer.");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s: %s\n", g_get_prgname (), error->message);
      return 2;
    }
  if (points < 2 || naive_frames < 0)
    {
      g_printerr ("%s: --points must be at least 2, --naive-frames at least 0\n", g_get_prgname ());
      return 2;
    }
  if (!gtk_init_check ())
    {
      g_printerr ("%s: cannot open a display; run under xvfb-run\n", g_get_prgname ());
      return 1;
    }

  series = make_series (points);
  hw_series_get_bounds (series, &bounds);
  window = hw_time_window_new (bounds.from_ms, bounds.to_ms + 1);
  chart = g_object_ref_sink (hw_chart_new ());
  hw_chart_set_time_window (HW_CHART (chart), window);
  hw_chart_set_title (HW_CHART (chart), "Event rate");
  hw_chart_set_unit (HW_CHART (chart), "/s");
  hw_chart_add_series (HW_CHART (chart), series, HW_CHART_LINE, "order-placed");
  hw_chart_add_threshold (HW_CHART (chart), 1500, "limit");
  renderer = new_renderer ();

  hw_bench_note ("chart: %d points over %.1f days", points, (bounds.to_ms - bounds.from_ms) / 86400000.0);
  ours = bench_ours (HW_CHART (chart), renderer);
  hw_bench_note ("chart: the issue's limit for a redraw is %.0f ms; rasterizing here is cairo on the CPU "
                 "(no GPU under Xvfb), the same renderer for both draws", FRAME_TARGET_MS);
  naive = bench_naive (HW_CHART (chart), series, renderer, naive_frames);
  hw_bench_report (million ? "chart_frame_ms_1m_points" : "chart_frame_ms", ours.build_ms, "ms",
                   naive.build_ms, naive.build_ms / ours.build_ms);
  if (naive_frames > 0)
    hw_bench_report (million ? "chart_frame_cpu_raster_ms_1m_points" : "chart_frame_cpu_raster_ms",
                     ours.frame_ms, "ms", naive.frame_ms, naive.frame_ms / ours.frame_ms);

  gsk_renderer_unrealize (renderer);
  g_object_unref (chart);
  return 0;
}
