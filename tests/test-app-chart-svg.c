/* test-app-chart-svg.c: a chart exported as SVG is a real SVG image of its data
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-chart.h"
#include "hw-test-app.h"

static HwChart *
new_chart_with_data (gint64 from_ms)
{
  HwChart *chart = HW_CHART (g_object_ref_sink (hw_chart_new ()));
  g_autoptr(HwSeries) series = hw_series_new ("orders");
  g_autoptr(HwTimeWindow) window = hw_time_window_new (from_ms, from_ms + 3600 * 1000);

  for (int i = 0; i < 60; i++)
    hw_series_append (series, from_ms + i * 60 * 1000, 10 + (i % 7));
  hw_chart_set_title (chart, "Orders");
  hw_chart_set_unit (chart, "/s");
  hw_chart_set_time_window (chart, window);
  hw_chart_add_series (chart, series, HW_CHART_LINE, "orders");
  hw_chart_add_threshold (chart, 15, "limit");
  hw_chart_add_marker (chart, from_ms + 1800 * 1000, HW_CHART_MARKER_DEPLOYMENT, "v2");
  return chart;
}

static char *
export_to_string (HwChart    *chart,
                  const char *dir,
                  const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_assert_true (hw_chart_export_svg (chart, file, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_no_error (error);
  return contents;
}

static void
assert_svg (const char *svg)
{
  g_assert_true (g_str_has_prefix (svg, "<?xml"));
  g_assert_nonnull (strstr (svg, "<svg"));
  g_assert_nonnull (strstr (svg, "</svg>"));
  /* The series, threshold and axes are drawn, not just an empty canvas. */
  g_assert_nonnull (strstr (svg, "<path"));
}

static void
test_svg_off_screen (void)
{
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autoptr(HwChart) chart = new_chart_with_data (1714730400000);
  g_autofree char *svg = export_to_string (chart, dir, "chart.svg");

  assert_svg (svg);
  /* Not on screen: drawn at the default size. */
  g_assert_nonnull (strstr (svg, "width=\"800"));
  hw_test_rmdir (dir);
}

static gboolean
chart_drawn (gpointer user_data)
{
  return hw_chart_get_render_count (user_data) > 0 && gtk_widget_get_width (user_data) > 0;
}

static void
test_svg_on_screen (void)
{
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autoptr(HwChart) chart = new_chart_with_data (1714730400000);
  GtkWidget *window = gtk_window_new ();
  g_autofree char *svg = NULL;
  g_autofree char *size = NULL;
  guint columns;

  gtk_window_set_default_size (GTK_WINDOW (window), 640, 400);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (chart));
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (hw_test_wait_until (chart_drawn, chart, 10000));
  columns = hw_chart_get_drawn_columns (chart);
  g_assert_cmpuint (columns, >, 0);

  svg = export_to_string (chart, dir, "chart.svg");
  assert_svg (svg);
  /* The size the user sees, and the on-screen layout is left as it was. */
  size = g_strdup_printf ("width=\"%d", gtk_widget_get_width (GTK_WIDGET (chart)));
  g_assert_nonnull (strstr (svg, size));
  g_assert_cmpuint (hw_chart_get_drawn_columns (chart), ==, columns);

  gtk_window_destroy (GTK_WINDOW (window));
  hw_test_rmdir (dir);
}

static void
test_svg_unwritable (void)
{
  g_autoptr(HwChart) chart = new_chart_with_data (1714730400000);
  g_autoptr(GFile) file = g_file_new_for_path ("/nonexistent-dir/chart.svg");
  g_autoptr(GError) error = NULL;

  g_assert_false (hw_chart_export_svg (chart, file, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *tmp_dir = NULL;
  int status;

  if (!hw_test_app_init (&argc, &argv, &tmp_dir, &status))
    return status;

  g_test_add_func ("/app/chart/svg/off-screen", test_svg_off_screen);
  g_test_add_func ("/app/chart/svg/on-screen", test_svg_on_screen);
  g_test_add_func ("/app/chart/svg/unwritable", test_svg_unwritable);

  status = g_test_run ();
  hw_test_rmdir (tmp_dir);
  return status;
}
