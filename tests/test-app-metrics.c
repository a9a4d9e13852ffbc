/* test-app-metrics.c: the Metrics page against a real hubwatchd: charts, time range, clicks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-metrics-page.h"
#include "hw-test-app.h"
#include "hw-test-hub.h"
#include "hw-time.h"
#include "hw-window.h"

#define HOUR_MS (G_GINT64_CONSTANT (3600) * 1000)

static const struct
{
  const char *name;
  const char *title;
} charts[] = {
  { "event-rate", "Domain Event Rate by Type" },
  { "event-size", "Event Size by Type" },
  { "fault-rate", "Fault Rate by Function" },
  { "iterator-age", "Iterator Age per Listener" },
  { "invocations", "Listener Invocations" },
  { "errors", "Listener Errors" },
  { "duration", "Listener Duration (p95)" },
  { "throttles", "Listener Throttles" },
  { "alerts", "Alerts" },
};

typedef struct
{
  HwTestHub     *hub;
  HwApplication *app;
  HwWindow      *window;
  HwConnection  *connection;
  HwMetricsPage *page;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  GSettings *settings;

  f->hub = hw_test_hub_new (NULL, "--simulate", NULL);
  f->app = hw_test_app_new ();
  settings = hw_application_get_settings (f->app);
  g_settings_reset (settings, "hubs");
  g_settings_reset (settings, "time-range");
  g_application_activate (G_APPLICATION (f->app));
  f->window = HW_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (f->app)));
  f->page = HW_METRICS_PAGE (hw_window_get_page (f->window, "metrics"));
  g_assert_true (HW_IS_METRICS_PAGE (f->page));

  f->connection = hw_application_connect_url (f->app, f->hub->base_url, NULL);
  hw_hub_sync_set_backoff (hw_connection_get_sync (f->connection), 200, 1000);
  /* Scaled like a deadline: each poll refreshes every page, and on slower
   * (instrumented) code an unscaled period keeps the main loop busy at
   * default priority, so frames (and the focus tick) would never run. */
  hw_hub_sync_set_poll_interval (hw_connection_get_sync (f->connection), hw_test_scale_ms (1000));
  hw_window_show_page (f->window, "metrics");
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  hw_test_app_quit (&f->app);
  hw_test_hub_free (f->hub);
}

static gboolean
chart_has_data (HwChart *chart)
{
  for (guint i = 0; i < hw_chart_get_n_series (chart); i++)
    if (hw_series_get_length (hw_chart_get_series (chart, i)) > 0)
      return TRUE;
  return FALSE;
}

static gboolean
event_rate_filled (gpointer user_data)
{
  Fixture *f = user_data;

  return chart_has_data (hw_metrics_page_get_chart (f->page, "event-rate"));
}

/* The accessibility tree, walked depth first as a client would. */
static GtkWidget *
find_labelled (GtkWidget  *root,
               GType       type,
               const char *label)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type))
        {
          g_autofree char *problem = gtk_test_accessible_check_property (GTK_ACCESSIBLE (child),
                                                                         GTK_ACCESSIBLE_PROPERTY_LABEL,
                                                                         label);
          if (problem == NULL)
            return child;
        }
      found = find_labelled (child, type, label);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
find_visible_error (GtkWidget *root)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_LABEL (child) && gtk_widget_has_css_class (child, "error")
          && gtk_widget_get_visible (child))
        return child;
      found = find_visible_error (child);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
assert_all_charts_span (Fixture *f,
                        gint64   span_ms)
{
  HwTimeWindow *shared = hw_metrics_page_get_time_window (f->page);

  for (guint i = 0; i < G_N_ELEMENTS (charts); i++)
    {
      HwChart *chart = hw_metrics_page_get_chart (f->page, charts[i].name);
      HwTimeRange range = hw_time_window_get_range (hw_chart_get_time_window (chart));

      g_assert_true (hw_chart_get_time_window (chart) == shared);
      g_assert_cmpint (range.to_ms - range.from_ms, ==, span_ms);
      g_assert_cmpint (ABS (range.to_ms - hw_time_now_ms ()), <, 60 * 1000);
    }
}

static void
test_charts (Fixture       *f,
             gconstpointer  data)
{
  for (guint i = 0; i < G_N_ELEMENTS (charts); i++)
    {
      HwChart *chart = hw_metrics_page_get_chart (f->page, charts[i].name);
      g_autofree char *problem = NULL;

      g_assert_nonnull (chart);
      problem = gtk_test_accessible_check_property (GTK_ACCESSIBLE (chart),
                                                    GTK_ACCESSIBLE_PROPERTY_LABEL, charts[i].title);
      g_assert_null (problem);
      /* Reachable through the accessibility tree from the window. */
      g_assert_true (find_labelled (GTK_WIDGET (f->window), HW_TYPE_CHART, charts[i].title)
                     == GTK_WIDGET (chart));
    }
  g_assert_null (hw_metrics_page_get_chart (f->page, "no-such-chart"));

  /* The simulated hub's domain events arrive, one series per type. */
  g_assert_true (hw_test_wait_until (event_rate_filled, f, 120000));
  g_assert_cmpuint (hw_metrics_page_get_load_count (f->page), >, 0);
  {
    HwChart *rate = hw_metrics_page_get_chart (f->page, "event-rate");
    HwChart *age = hw_metrics_page_get_chart (f->page, "iterator-age");
    g_autofree char *csv = hw_chart_dup_data (rate, HW_CHART_EXPORT_CSV);

    g_assert_cmpuint (hw_chart_get_n_series (rate), >=, 1);
    g_assert_cmpuint (hw_chart_get_n_series (rate), <=, 8);
    g_assert_true (g_str_has_prefix (csv, "time,series,value\n"));
    g_assert_cmpuint (strlen (csv), >, strlen ("time,series,value\n"));
    /* The threshold line is the 30 minute default; its label says so. */
    g_assert_nonnull (age);
  }
  assert_all_charts_span (f, HOUR_MS);
}

static gboolean
widget_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (widget);
}

static gboolean
widget_unmapped (gpointer widget)
{
  return !gtk_widget_get_mapped (widget);
}

static void
open_picker (HwTimeRangePicker *picker,
             GtkWidget         *apply)
{
  hw_time_range_picker_popup (picker);
  g_assert_true (hw_test_wait_until (widget_mapped, apply, 10000));
}

static void
test_time_range (Fixture       *f,
                 gconstpointer  data)
{
  HwTimeRangePicker *picker = hw_metrics_page_get_picker (f->page);
  GSettings *settings = hw_application_get_settings (f->app);
  GtkWidget *from_entry = find_labelled (GTK_WIDGET (picker), GTK_TYPE_ENTRY, "From");
  GtkWidget *to_entry = find_labelled (GTK_WIDGET (picker), GTK_TYPE_ENTRY, "To");
  GtkWidget *apply = find_labelled (GTK_WIDGET (picker), GTK_TYPE_BUTTON, "Apply Time Range");
  GtkWidget *error_label;
  g_autoptr(GError) error = NULL;
  g_autofree char *stored = NULL;

  g_assert_nonnull (from_entry);
  g_assert_nonnull (to_entry);
  g_assert_nonnull (apply);
  assert_all_charts_span (f, HOUR_MS);

  /* Through the API, a preset's expression. */
  g_assert_true (hw_time_range_picker_set_range (picker, "now-6h", "now", &error));
  g_assert_no_error (error);
  assert_all_charts_span (f, 6 * HOUR_MS);
  stored = g_settings_get_string (settings, "time-range");
  g_assert_cmpstr (stored, ==, "now-6h");

  /* Through the widgets, as a user types it. */
  open_picker (picker, apply);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (from_entry)), ==, "now-6h");
  gtk_editable_set_text (GTK_EDITABLE (from_entry), "now-3h");
  gtk_editable_set_text (GTK_EDITABLE (to_entry), "now");
  g_signal_emit_by_name (apply, "clicked");
  g_assert_true (hw_test_wait_until (widget_unmapped, apply, 10000));
  assert_all_charts_span (f, 3 * HOUR_MS);
  g_assert_cmpstr (hw_time_range_picker_get_from (picker), ==, "now-3h");

  /* A bad expression: an inline error, the entry marked, the range kept. */
  open_picker (picker, apply);
  g_assert_null (find_visible_error (GTK_WIDGET (picker)));
  gtk_editable_set_text (GTK_EDITABLE (from_entry), "now-3x");
  g_signal_emit_by_name (apply, "clicked");
  g_assert_true (gtk_widget_get_mapped (apply));
  error_label = find_visible_error (GTK_WIDGET (picker));
  g_assert_nonnull (error_label);
  g_test_message ("inline error: %s", gtk_label_get_label (GTK_LABEL (error_label)));
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (error_label)), "6"));
  g_assert_true (gtk_widget_has_css_class (from_entry, "error"));
  assert_all_charts_span (f, 3 * HOUR_MS);

  /* An end before the start is refused on the To entry. */
  g_assert_false (hw_time_range_picker_set_range (picker, "now-1h", "now-2h", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_true (gtk_widget_has_css_class (to_entry, "error"));

  /* An absolute range: no zone means UTC. */
  g_assert_true (hw_time_range_picker_set_range (picker, "2024-05-03 10:00", "2024-05-03T12:00Z",
                                                 &error));
  g_assert_no_error (error);
  g_assert_null (find_visible_error (GTK_WIDGET (picker)));
  {
    HwTimeRange range = hw_time_window_get_range (hw_metrics_page_get_time_window (f->page));

    g_assert_cmpint (range.from_ms, ==, G_GINT64_CONSTANT (1714730400000));
    g_assert_cmpint (range.to_ms, ==, G_GINT64_CONSTANT (1714737600000));
  }

  /* Another page's picker changing the shared setting moves this one too. */
  g_settings_set_string (settings, "time-range", "now-15m");
  assert_all_charts_span (f, 15 * 60 * 1000);
}

static gboolean
chart_focused (gpointer user_data)
{
  Fixture *f = user_data;

  return gtk_widget_has_focus (GTK_WIDGET (hw_metrics_page_get_chart (f->page, "iterator-age")));
}

static void
test_navigation (Fixture       *f,
                 gconstpointer  data)
{
  GtkStack *pages = hw_window_get_pages (f->window);
  HwChart *rate = hw_metrics_page_get_chart (f->page, "event-rate");
  HwChart *faults = hw_metrics_page_get_chart (f->page, "fault-rate");

  /* An Overview card opens its chart. */
  hw_window_show_page (f->window, "overview");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.show-chart", "s",
                                             "iterator-age"));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (pages), ==, "metrics");
  g_assert_true (hw_test_wait_until (chart_focused, f, 10000));

  /* A click on a point opens the events behind it, or the faults. */
  g_signal_emit_by_name (rate, "point-activated", hw_time_now_ms () - 60 * 1000);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (pages), ==, "event-lake");
  g_signal_emit_by_name (faults, "point-activated", hw_time_now_ms () - 60 * 1000);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (pages), ==, "faults");

  /* Auto-refresh snaps to an offered interval. */
  hw_metrics_page_set_refresh_interval (f->page, 7);
  g_assert_cmpuint (hw_metrics_page_get_refresh_interval (f->page), ==, 5);
  hw_metrics_page_set_refresh_interval (f->page, 0);
  g_assert_cmpuint (hw_metrics_page_get_refresh_interval (f->page), ==, 0);
}

static gboolean
banner_offline (gpointer user_data)
{
  Fixture *f = user_data;
  const char *text = hw_window_get_banner_text (f->window);

  return text != NULL && strstr (text, "Offline") != NULL;
}

static gboolean
reloaded (gpointer user_data)
{
  Fixture *f = user_data;

  return hw_metrics_page_get_load_count (f->page) > GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (f->page), "loads"));
}

static void
test_offline (Fixture       *f,
              gconstpointer  data)
{
  HwTimeRangePicker *picker = hw_metrics_page_get_picker (f->page);

  g_assert_true (hw_test_wait_until (event_rate_filled, f, 120000));
  hw_test_hub_kill (f->hub);
  g_assert_true (hw_test_wait_until (banner_offline, f, 30000));

  /* A range never fetched at its own resolution still draws what the
   * cache holds. */
  g_object_set_data (G_OBJECT (f->page), "loads",
                     GUINT_TO_POINTER (hw_metrics_page_get_load_count (f->page)));
  g_assert_true (hw_time_range_picker_set_range (picker, "now-30m", "now", NULL));
  g_assert_true (hw_test_wait_until (reloaded, f, 10000));
  g_assert_true (event_rate_filled (f));
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *tmp_dir = NULL;
  int status;

  if (!hw_test_app_init (&argc, &argv, &tmp_dir, &status))
    return status;

  g_test_add ("/app/metrics/charts", Fixture, NULL, fixture_set_up, test_charts, fixture_tear_down);
  g_test_add ("/app/metrics/time-range", Fixture, NULL, fixture_set_up, test_time_range,
              fixture_tear_down);
  g_test_add ("/app/metrics/navigation", Fixture, NULL, fixture_set_up, test_navigation,
              fixture_tear_down);
  g_test_add ("/app/metrics/offline", Fixture, NULL, fixture_set_up, test_offline,
              fixture_tear_down);

  status = g_test_run ();
  hw_test_rmdir (tmp_dir);
  return status;
}
