/* test-app-hub.c: the console against a real hubwatchd: fill, lose, and regain a hub
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-chart.h"
#include "hw-overview-page.h"
#include "hw-test-app.h"
#include "hw-test-hub.h"
#include "hw-window.h"

typedef struct
{
  HwTestHub      *hub;
  HwApplication  *app;
  HwWindow       *window;
  HwConnection   *connection;
  HwOverviewPage *overview;
  guint           renders_before;
} Fixture;

static gboolean
overview_filled (gpointer user_data)
{
  Fixture *f = user_data;
  HwChart *rate = hw_overview_page_get_card_chart (f->overview, "event-rate");

  return hw_overview_page_get_load_count (f->overview) > 0
         && hw_overview_page_get_n_listeners (f->overview) > 0
         && hw_chart_get_n_series (rate) > 0
         && hw_series_get_length (hw_chart_get_series (rate, 0)) > 0;
}

static gboolean
banner_offline (gpointer user_data)
{
  Fixture *f = user_data;
  const char *text = hw_window_get_banner_text (f->window);

  return text != NULL && strstr (text, "Offline") != NULL;
}

static gboolean
chart_redrawn (gpointer user_data)
{
  Fixture *f = user_data;
  HwChart *rate = hw_overview_page_get_card_chart (f->overview, "event-rate");

  return hw_chart_get_render_count (rate) > f->renders_before;
}

static gboolean
back_online (gpointer user_data)
{
  Fixture *f = user_data;

  return hw_connection_get_state (f->connection) == HW_HUB_SYNC_STATE_ONLINE
         && hw_window_get_banner_text (f->window) == NULL;
}

/* The first row of the overview's listener list (the first list box whose
 * rows are action rows), or NULL. */
static GtkWidget *
first_listener_row (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (ADW_IS_ACTION_ROW (child) && GTK_IS_LIST_BOX (widget)
          && g_str_has_prefix (adw_action_row_get_subtitle (ADW_ACTION_ROW (child)), "Iterator age"))
        return child;
      if ((found = first_listener_row (child)) != NULL)
        return found;
    }
  return NULL;
}

static void
test_hub_fills_goes_offline_and_resumes (void)
{
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", hw_test_free_port ());
  Fixture f = { 0 };
  HwChart *rate;
  g_autofree char *as_of = NULL;
  const char *banner;
  guint loads_before;

  /* A fixed port, so the restarted hub is found at the same URL. */
  f.hub = hw_test_hub_new (NULL, "--listen", listen, "--simulate", NULL);
  f.app = hw_test_app_new ();
  g_application_activate (G_APPLICATION (f.app));
  f.window = HW_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (f.app)));
  f.overview = HW_OVERVIEW_PAGE (hw_window_get_page (f.window, "overview"));

  /* Adding a hub fills the overview. */
  f.connection = hw_application_connect_url (f.app, f.hub->base_url, NULL);
  g_assert_true (hw_window_get_connection (f.window) == f.connection);
  hw_hub_sync_set_backoff (hw_connection_get_sync (f.connection), 200, 1000);
  hw_hub_sync_set_poll_interval (hw_connection_get_sync (f.connection), 1000);
  g_assert_true (hw_test_wait_until (overview_filled, &f, 120000));
  g_assert_cmpstr (hw_window_get_banner_text (f.window), ==, NULL);
  /* While events flow, an hour without faults reads as a rate (0/s), never
   * as "—", which says the hub reports nothing. */
  g_test_message ("fault rate: %s", hw_overview_page_get_card_value (f.overview, "fault-rate"));
  g_assert_cmpstr (hw_overview_page_get_card_value (f.overview, "fault-rate"), !=, "—");

  /* A sync that changed nothing the list shows keeps its rows. Emitted
   * without iterating the main loop, so no real sync lands in between. */
  {
    GtkWidget *row = first_listener_row (GTK_WIDGET (f.overview));

    g_assert_nonnull (row);
    g_signal_emit_by_name (f.connection, "changed", (guint) HW_HUB_SYNC_CHANGED_LISTENERS);
    g_assert_true (first_listener_row (GTK_WIDGET (f.overview)) == row);
  }

  /* kill -9: the banner says Offline with the as-of time, and the cached
   * chart is still there and still drawn. */
  hw_test_hub_kill (f.hub);
  g_assert_true (hw_test_wait_until (banner_offline, &f, 30000));
  as_of = hw_format_clock_time (hw_connection_get_as_of (f.connection));
  banner = hw_window_get_banner_text (f.window);
  g_test_message ("banner: %s", banner);
  g_assert_cmpint (hw_connection_get_as_of (f.connection), >, 0);
  g_assert_nonnull (strstr (banner, as_of));

  rate = hw_overview_page_get_card_chart (f.overview, "event-rate");
  g_assert_cmpuint (hw_chart_get_n_series (rate), >, 0);
  g_assert_cmpuint (hw_series_get_length (hw_chart_get_series (rate, 0)), >, 0);
  f.renders_before = hw_chart_get_render_count (rate);
  hw_chart_data_changed (rate);
  g_assert_true (hw_test_wait_until (chart_redrawn, &f, 10000));
  g_assert_cmpuint (hw_chart_get_drawn_columns (rate), >, 0);
  g_assert_cmpuint (hw_overview_page_get_n_listeners (f.overview), >, 0);

  /* Restart: sync resumes by itself (backoff), the banner goes. */
  loads_before = hw_overview_page_get_load_count (f.overview);
  hw_test_hub_restart (f.hub);
  g_assert_true (hw_test_wait_until (back_online, &f, 60000));
  g_assert_cmpuint (hw_overview_page_get_load_count (f.overview), >=, loads_before);

  gtk_window_destroy (GTK_WINDOW (f.window));
  hw_test_app_quit (&f.app);
  hw_test_hub_free (f.hub);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *tmp_dir = NULL;
  int status;

  if (!hw_test_app_init (&argc, &argv, &tmp_dir, &status))
    return status;

  g_test_add_func ("/app/hub/fill-offline-resume", test_hub_fills_goes_offline_and_resumes);

  status = g_test_run ();
  hw_test_rmdir (tmp_dir);
  return status;
}
