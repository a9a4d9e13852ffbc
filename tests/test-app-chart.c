/* test-app-chart.c: HwChart draws, caches, shares its window, and exports
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "hw-chart.h"
#include "hw-chart-private.h"
#include "hw-test-app.h"

#define T0 G_GINT64_CONSTANT (1700000000000)

typedef struct
{
  GtkWindow    *window;
  HwChart      *chart;
  HwChart      *other;
  HwTimeWindow *time_window;
  guint         renders_before;
} Fixture;

static gboolean
rendered (gpointer user_data)
{
  Fixture *f = user_data;

  return hw_chart_get_render_count (f->chart) > f->renders_before
         && hw_chart_get_render_count (f->other) > 0;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(HwSeries) big = hw_series_new ("big");
  g_autoptr(HwSeries) gappy = hw_series_new ("gappy, \"quoted\"");
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  /* @data "light": a thousand points are enough for a test of the layout,
   * and a million cost minutes under the sanitizers. */
  guint n_big = g_strcmp0 (data, "light") == 0 ? 1000 : 1000000;

  for (guint i = 0; i < n_big; i++)
    hw_series_append (big, T0 + i * 10, sin (i / 5000.0) * 50 + 60);
  for (gint64 t = 0; t < 10000000; t += 100000)
    hw_series_append (gappy, T0 + t, (t >= 3000000 && t < 4000000) ? NAN : 10.0);

  f->time_window = hw_time_window_new (T0, T0 + 10000000);
  f->chart = HW_CHART (hw_chart_new ());
  f->other = HW_CHART (hw_chart_new ());
  hw_chart_set_title (f->chart, "Event Rate");
  hw_chart_set_unit (f->chart, "/s");
  hw_chart_set_time_window (f->chart, f->time_window);
  hw_chart_set_time_window (f->other, f->time_window);
  hw_chart_add_series (f->chart, big, HW_CHART_AREA, "big");
  hw_chart_add_series (f->chart, gappy, HW_CHART_LINE, NULL);
  hw_chart_add_threshold (f->chart, 100, "limit");
  hw_chart_add_threshold_region (f->chart, 0, 5, "low");
  hw_chart_set_anomaly_band (f->chart, gappy, gappy);
  hw_chart_add_marker (f->chart, T0 + 5000000, HW_CHART_MARKER_DEPLOYMENT, "v1.2.3");
  hw_chart_add_series (f->other, gappy, HW_CHART_COLUMNS, "cols");

  gtk_widget_set_vexpand (GTK_WIDGET (f->chart), TRUE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (f->chart));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (f->other));
  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, 900, 600);
  gtk_window_set_child (f->window, box);
  gtk_window_present (f->window);
  g_assert_true (hw_test_wait_until (rendered, f, 10000));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gtk_window_destroy (f->window);
  g_clear_object (&f->time_window);
}

static void
test_chart_caches_static_layers (Fixture       *f,
                                 gconstpointer  data)
{
  guint renders;
  gint64 start;

  g_assert_cmpuint (hw_chart_get_drawn_columns (f->chart), >, 0);
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (f->chart), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "Event Rate");

  /* Moving the shared crosshair redraws the overlay only. */
  renders = hw_chart_get_render_count (f->chart);
  hw_time_window_set_crosshair (f->time_window, T0 + 1234567);
  hw_test_app_iterate_pending (NULL);
  g_assert_cmpuint (hw_chart_get_render_count (f->chart), ==, renders);

  /* A full static redraw of a 1,000,000-point series, timed directly. */
  {
    GtkSnapshot *snapshot = gtk_snapshot_new ();
    GskRenderNode *node;

    start = g_get_monotonic_time ();
    gtk_widget_snapshot_child (gtk_widget_get_parent (GTK_WIDGET (f->chart)),
                               GTK_WIDGET (f->chart), snapshot);
    hw_chart_data_changed (f->chart);
    gtk_widget_snapshot_child (gtk_widget_get_parent (GTK_WIDGET (f->chart)),
                               GTK_WIDGET (f->chart), snapshot);
    node = gtk_snapshot_free_to_node (snapshot);
    g_test_message ("static redraw with 1,000,000 points: %.2f ms",
                    (g_get_monotonic_time () - start) / 1000.0);
    g_clear_pointer (&node, gsk_render_node_unref);
  }
  g_assert_cmpuint (hw_chart_get_render_count (f->chart), ==, renders + 1);
}

static void
test_chart_window_is_shared (Fixture       *f,
                             gconstpointer  data)
{
  HwTimeRange before = hw_time_window_get_range (f->time_window);
  HwTimeRange zoomed, panned;

  /* What the keys (+, Right, Escape) and the wheel do, through the window. */
  hw_time_window_zoom (f->time_window, T0 + 5000000, 0.5);
  zoomed = hw_time_window_get_range (f->time_window);
  g_assert_cmpint (zoomed.to_ms - zoomed.from_ms, ==, 5000000);
  g_assert_true (hw_time_window_is_zoomed (f->time_window));
  hw_time_window_pan (f->time_window, 0.1);
  panned = hw_time_window_get_range (f->time_window);
  g_assert_cmpint (panned.from_ms, ==, zoomed.from_ms + 500000);

  /* Both charts follow the one window, so both rebuild their layers. */
  f->renders_before = hw_chart_get_render_count (f->chart);
  g_assert_true (hw_test_wait_until (rendered, f, 10000));

  hw_time_window_reset (f->time_window);
  g_assert_cmpint (hw_time_window_get_range (f->time_window).from_ms, ==, before.from_ms);
  g_assert_false (hw_time_window_is_zoomed (f->time_window));
}

static void
test_chart_tooltip_lists_series (Fixture       *f,
                                 gconstpointer  data)
{
  g_autofree char *inside = hw_chart_dup_values_text (f->chart, T0 + 2000000);
  g_autofree char *gap = hw_chart_dup_values_text (f->chart, T0 + 3500000);

  g_assert_nonnull (strstr (inside, "big: "));
  g_assert_nonnull (strstr (inside, "gappy, \"quoted\": 10/s"));
  /* Missing data is reported as missing, never interpolated. */
  g_assert_nonnull (strstr (gap, "gappy, \"quoted\": —"));
}

static gsize
count_lines (const char *text)
{
  gsize n = 0;

  for (const char *p = text; *p != '\0'; p++)
    n += *p == '\n';
  return n;
}

static void
test_chart_exports (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *png_path = g_build_filename (dir, "chart.png", NULL);
  g_autoptr(GFile) png = g_file_new_for_path (png_path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *csv = NULL;
  g_autofree char *json = NULL;
  g_auto(GStrv) lines = NULL;
  JsonObject *root;

  g_assert_true (hw_chart_export_png (f->chart, png, &error));
  g_assert_no_error (error);
  texture = gdk_texture_new_from_file (png, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, gtk_widget_get_width (GTK_WIDGET (f->chart)));

  csv = hw_chart_dup_data (f->chart, HW_CHART_EXPORT_CSV);
  lines = g_strsplit (csv, "\n", 3);
  g_assert_cmpstr (lines[0], ==, "time,series,value");
  g_assert_cmpstr (lines[1], ==, "2023-11-14T22:13:20.000Z,\"big\",60");
  /* 1,000,000 + 100 rows and a header, each ending in a newline. Counted by
   * hand: g_strsplit() calls strstr() once per line, and ASan's strstr()
   * measures the whole rest of the 50 MB text each time. */
  g_assert_cmpuint (count_lines (csv), ==, 1000000 + 100 + 1);
  g_assert_true (g_str_has_suffix (csv, "\n"));
  g_assert_nonnull (strstr (csv, "2023-11-14T23:03:20.000Z,\"gappy, \"\"quoted\"\"\",\n"));

  json = hw_chart_dup_data (f->chart, HW_CHART_EXPORT_JSON);
  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (root, "title"), ==, "Event Rate");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "series")), ==, 2);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "markers")), ==, 1);

  hw_test_rmdir (dir);
}

static gboolean
other_rendered (gpointer user_data)
{
  Fixture *f = user_data;

  return hw_chart_get_render_count (f->other) > f->renders_before;
}

/* A chart told not to show its legend asks for the legend's rows less, and
 * its plot keeps its height. */
static void
test_chart_hides_legend (Fixture       *f,
                         gconstpointer  data)
{
  GtkWidget *other = GTK_WIDGET (f->other);
  double legend = hw_chart_legend_height (f->other);
  double plot_before = f->other->layout.plot.size.height;
  int height_before = gtk_widget_get_height (GTK_WIDGET (f->other));
  int with_legend, without_legend;

  g_assert_cmpfloat (legend, >, 0.0);
  g_assert_cmpfloat (f->other->layout.legend.size.height, ==, legend);
  gtk_widget_measure (other, GTK_ORIENTATION_VERTICAL, -1, &with_legend, NULL, NULL, NULL);

  f->renders_before = hw_chart_get_render_count (f->other);
  hw_chart_set_show_legend (f->other, FALSE);
  g_assert_cmpfloat (hw_chart_legend_height (f->other), ==, 0.0);
  gtk_widget_measure (other, GTK_ORIENTATION_VERTICAL, -1, &without_legend, NULL, NULL, NULL);
  g_assert_cmpint (with_legend - without_legend, ==, (int) ceil (legend));

  g_assert_true (hw_test_wait_until (other_rendered, f, 10000));
  g_assert_cmpfloat (f->other->layout.legend.size.height, ==, 0.0);
  g_assert_cmpfloat (f->other->layout.plot.size.height, >=, plot_before);
  g_assert_cmpint (gtk_widget_get_height (other), ==, height_before - (int) ceil (legend));
}

/* Every y-axis label reads differently from its neighbour, whatever the
 * unit and span: an empty byte chart once read "1 byte, 0 bytes, 0 bytes". */
static void
test_chart_y_ticks_distinct (void)
{
  static const char * const units[] = { "B", "ms", "s", "/s", "", "%" };
  static const double spans[] = { 0.3, 1.0, 2.5, 7.0, 1000.0, 123456.0 };
  g_autoptr(HwChart) chart = HW_CHART (g_object_ref_sink (hw_chart_new ()));

  for (guint u = 0; u < G_N_ELEMENTS (units); u++)
    for (guint s = 0; s < G_N_ELEMENTS (spans); s++)
      {
        g_autoptr(GArray) ticks = NULL;
        g_autofree char *previous = NULL;

        hw_chart_set_unit (chart, units[u]);
        ticks = hw_chart_y_ticks (chart, 0.0, spans[s], 4.0);
        g_assert_cmpuint (ticks->len, >=, 1);
        for (guint i = 0; i < ticks->len; i++)
          {
            char *label = hw_chart_format_value (chart, g_array_index (ticks, double, i));

            if (previous != NULL && g_str_equal (previous, label))
              g_error ("unit “%s”, span %g: two ticks read “%s”", units[u], spans[s], label);
            g_free (previous);
            previous = label;
          }
      }

  /* Counts: two events make ticks 0, 1 and 2, not 0, 0.5, … 2. */
  hw_chart_set_unit (chart, NULL);
  hw_chart_set_whole_numbers (chart, TRUE);
  {
    g_autoptr(GArray) ticks = hw_chart_y_ticks (chart, 0.0, 2.0, 4.0);

    g_assert_cmpuint (ticks->len, ==, 3);
    for (guint i = 0; i < ticks->len; i++)
      g_assert_cmpfloat (g_array_index (ticks, double, i), ==, (double) i);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *tmp_dir = NULL;
  int status;

  if (!hw_test_app_init (&argc, &argv, &tmp_dir, &status))
    return status;

  g_test_add ("/app/chart/caches", Fixture, NULL, fixture_set_up,
              test_chart_caches_static_layers, fixture_tear_down);
  g_test_add ("/app/chart/shared-window", Fixture, NULL, fixture_set_up,
              test_chart_window_is_shared, fixture_tear_down);
  g_test_add ("/app/chart/tooltip", Fixture, NULL, fixture_set_up,
              test_chart_tooltip_lists_series, fixture_tear_down);
  g_test_add ("/app/chart/export", Fixture, NULL, fixture_set_up,
              test_chart_exports, fixture_tear_down);
  g_test_add ("/app/chart/hides-legend", Fixture, "light", fixture_set_up,
              test_chart_hides_legend, fixture_tear_down);
  g_test_add_func ("/app/chart/y-ticks-distinct", test_chart_y_ticks_distinct);

  status = g_test_run ();
  hw_test_rmdir (tmp_dir);
  return status;
}
