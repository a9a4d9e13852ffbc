/* test-app-window.c: the main window's structure, actions and remembered size
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-hub-row.h"
#include "hw-state-view.h"
#include "hw-test-app.h"
#include "hw-window.h"

typedef struct
{
  HwApplication *app;
  HwWindow      *window;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  GSettings *settings;

  fixture->app = hw_test_app_new ();
  settings = hw_application_get_settings (fixture->app);
  g_settings_reset (settings, "hubs");
  g_settings_set_int (settings, "window-width", 1000);
  g_settings_set_int (settings, "window-height", 700);
  g_application_activate (G_APPLICATION (fixture->app));
  fixture->window = HW_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (fixture->app)));
  g_assert_nonnull (fixture->window);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  hw_test_app_quit (&fixture->app);
}

typedef gboolean (*WidgetMatch) (GtkWidget *widget, gconstpointer data);

/* Depth-first search of the widget tree, as an accessibility client walks it. */
static GtkWidget *
find_widget (GtkWidget     *root,
             WidgetMatch    match,
             gconstpointer  data)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (match (child, data))
        return child;
      found = find_widget (child, match, data);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
is_button_labelled (GtkWidget     *widget,
                    gconstpointer  label)
{
  g_autofree char *problem = NULL;

  if (!GTK_IS_BUTTON (widget))
    return FALSE;
  problem = gtk_test_accessible_check_property (GTK_ACCESSIBLE (widget),
                                                GTK_ACCESSIBLE_PROPERTY_LABEL, label);
  return problem == NULL;
}

static gboolean
is_hub_row (GtkWidget     *widget,
            gconstpointer  data)
{
  return HW_IS_HUB_ROW (widget);
}

static void
test_pages_have_accessible_titles (Fixture       *fixture,
                                   gconstpointer  data)
{
  static const struct { const char *name; const char *title; } pages[] = {
    { "overview", "Overview" },
    { "metrics", "Metrics" },
    { "event-lake", "Event Lake" },
    { "faults", "Faults" },
    { "jobs", "Jobs" },
    { "team", "Team" },
    { "system-events", "System Events" },
  };
  GtkStack *stack = hw_window_get_pages (fixture->window);
  g_autoptr(GListModel) model = G_LIST_MODEL (gtk_stack_get_pages (stack));

  g_assert_cmpuint (g_list_model_get_n_items (model), ==, G_N_ELEMENTS (pages));
  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      GtkWidget *page = hw_window_get_page (fixture->window, pages[i].name);
      g_autoptr(GObject) item = g_list_model_get_item (model, i);
      GtkStackPage *stack_page = GTK_STACK_PAGE (item);

      g_assert_nonnull (page);
      gtk_test_accessible_assert_property (GTK_ACCESSIBLE (page),
                                           GTK_ACCESSIBLE_PROPERTY_LABEL, pages[i].title);
      /* The sidebar shows the same title, in the same order. */
      g_assert_cmpstr (gtk_stack_page_get_title (stack_page), ==, pages[i].title);
      g_assert_cmpstr (gtk_stack_page_get_name (stack_page), ==, pages[i].name);
    }
}

static void
test_first_run_offers_demo (Fixture       *fixture,
                            gconstpointer  data)
{
  GtkWidget *demo;

  g_assert_null (hw_window_get_connection (fixture->window));
  g_assert_null (hw_window_get_banner_text (fixture->window));
  demo = find_widget (GTK_WIDGET (fixture->window), is_button_labelled, "Start a Local Demo Hub");
  g_assert_nonnull (demo);
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (demo)), ==, "app.start-demo");
}

static void
test_actions_exist (Fixture       *fixture,
                    gconstpointer  data)
{
  static const char *app_actions[] = { "about", "preferences", "quit", "start-demo" };
  g_auto(GStrv) accels = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (app_actions); i++)
    g_assert_true (g_action_group_has_action (G_ACTION_GROUP (fixture->app), app_actions[i]));
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (fixture->window), "show-help-overlay"));
  g_assert_nonnull (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (fixture->window)));

  accels = gtk_application_get_accels_for_action (GTK_APPLICATION (fixture->app), "app.preferences");
  g_assert_cmpstr (accels[0], ==, "<Control>comma");
  g_strfreev (g_steal_pointer (&accels));
  accels = gtk_application_get_accels_for_action (GTK_APPLICATION (fixture->app),
                                                  "win.show-help-overlay");
  g_assert_cmpstr (accels[0], ==, "<Control>question");

  /* Page switching is an action, so every page is reachable by keyboard. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.show-page", "s",
                                             "faults"));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (hw_window_get_pages (fixture->window)), ==,
                   "faults");
}

/* Every action the shortcuts window names must exist: it documents the app. */
static void
test_help_overlay_matches_actions (Fixture       *fixture,
                                   gconstpointer  data)
{
  g_autoptr(GtkBuilder) builder =
    gtk_builder_new_from_resource ("/io/github/hubwatch/Hubwatch/gtk/help-overlay.ui");
  GSList *objects = gtk_builder_get_objects (builder);
  guint checked = 0;

  for (GSList *l = objects; l != NULL; l = l->next)
    {
      g_autofree char *action = NULL;

      if (!GTK_IS_SHORTCUTS_SHORTCUT (l->data))
        continue;
      g_object_get (l->data, "action-name", &action, NULL);
      if (action == NULL)
        continue;
      if (g_str_has_prefix (action, "app."))
        g_assert_true (g_action_group_has_action (G_ACTION_GROUP (fixture->app), action + 4));
      else
        g_assert_true (g_str_has_prefix (action, "win."));
      checked++;
    }
  g_slist_free (objects);
  g_assert_cmpuint (checked, >=, 5);
}

static void
test_window_size_restores (Fixture       *fixture,
                           gconstpointer  data)
{
  GSettings *settings = hw_application_get_settings (fixture->app);
  HwWindow *second;
  int width, height;

  gtk_window_get_default_size (GTK_WINDOW (fixture->window), &width, &height);
  g_assert_cmpint (width, ==, 1000);
  g_assert_cmpint (height, ==, 700);

  /* Closing saves; the next window opens at the saved size. */
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 880, 610);
  gtk_window_close (GTK_WINDOW (fixture->window));
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 880);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 610);

  second = hw_window_new (fixture->app);
  gtk_window_get_default_size (GTK_WINDOW (second), &width, &height);
  g_assert_cmpint (width, ==, 880);
  g_assert_cmpint (height, ==, 610);
  fixture->window = second;
}

static void
test_hub_list_and_settings (Fixture       *fixture,
                            gconstpointer  data)
{
  GSettings *settings = hw_application_get_settings (fixture->app);
  GListModel *hubs = hw_application_get_hubs (fixture->app);
  HwConnection *saved, *transient;
  g_autoptr(GVariant) stored = NULL;
  g_autofree char *printed = NULL;

  /* Port 9 on loopback: nothing listens, so the hubs go offline. */
  saved = hw_application_add_hub (fixture->app, "Orders", "http://127.0.0.1:9", "s3cret-token", TRUE);
  transient = hw_application_connect_url (fixture->app, "http://127.0.0.1:9/other", NULL);
  g_assert_cmpuint (g_list_model_get_n_items (hubs), ==, 2);
  g_assert_true (hw_window_get_connection (fixture->window) == transient);

  /* Only the saved hub, and never its token, reaches GSettings. */
  stored = g_settings_get_value (settings, "hubs");
  g_assert_cmpuint (g_variant_n_children (stored), ==, 1);
  printed = g_variant_print (stored, FALSE);
  g_assert_nonnull (strstr (printed, "Orders"));
  g_assert_nonnull (strstr (printed, "http://127.0.0.1:9"));
  g_assert_null (strstr (printed, "s3cret"));

  /* --connect with a known URL reuses the hub instead of adding one. */
  g_assert_true (hw_application_connect_url (fixture->app, "http://127.0.0.1:9", NULL) == saved);
  g_assert_cmpuint (g_list_model_get_n_items (hubs), ==, 2);
  g_assert_true (hw_window_get_connection (fixture->window) == saved);

  hw_application_update_hub (fixture->app, saved, "Orders (prod)", NULL, NULL);
  g_clear_pointer (&printed, g_free);
  g_clear_pointer (&stored, g_variant_unref);
  stored = g_settings_get_value (settings, "hubs");
  printed = g_variant_print (stored, FALSE);
  g_assert_nonnull (strstr (printed, "Orders (prod)"));

  hw_application_remove_hub (fixture->app, saved);
  hw_application_remove_hub (fixture->app, transient);
  g_assert_cmpuint (g_list_model_get_n_items (hubs), ==, 0);
  g_assert_null (hw_window_get_connection (fixture->window));
  g_clear_pointer (&stored, g_variant_unref);
  stored = g_settings_get_value (settings, "hubs");
  g_assert_cmpuint (g_variant_n_children (stored), ==, 0);
}

typedef struct
{
  HwWindow *window;
} BannerWait;

static gboolean
banner_says_offline (gpointer user_data)
{
  const char *text = hw_window_get_banner_text (((BannerWait *) user_data)->window);

  return text != NULL && strstr (text, "Offline") != NULL;
}

static void
test_unreachable_hub_shows_offline (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", hw_test_free_port ());
  HwConnection *connection = hw_application_connect_url (fixture->app, url, NULL);
  BannerWait wait = { fixture->window };
  GtkListBoxRow *row;
  g_autofree char *status = NULL;

  g_assert_true (hw_test_wait_until (banner_says_offline, &wait, 20000));
  status = hw_connection_dup_status_text (connection);
  g_assert_true (g_str_has_prefix (status, "Offline since ") || g_str_equal (status, "Connecting…"));

  /* The sidebar row carries the state in its accessible name. */
  row = GTK_LIST_BOX_ROW (find_widget (GTK_WIDGET (fixture->window), is_hub_row, NULL));
  g_assert_nonnull (row);
  g_assert_true (hw_hub_row_get_connection (HW_HUB_ROW (row)) == connection);
  g_assert_cmpstr (hw_hub_row_get_status (HW_HUB_ROW (row)), ==, status);
  {
    g_autofree char *expected = g_strdup_printf ("%s, %s", url, status);

    gtk_test_accessible_assert_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                         expected);
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

  g_test_add ("/app/window/pages", Fixture, NULL, fixture_set_up,
              test_pages_have_accessible_titles, fixture_tear_down);
  g_test_add ("/app/window/first-run", Fixture, NULL, fixture_set_up,
              test_first_run_offers_demo, fixture_tear_down);
  g_test_add ("/app/window/actions", Fixture, NULL, fixture_set_up,
              test_actions_exist, fixture_tear_down);
  g_test_add ("/app/window/help-overlay", Fixture, NULL, fixture_set_up,
              test_help_overlay_matches_actions, fixture_tear_down);
  g_test_add ("/app/window/size-restores", Fixture, NULL, fixture_set_up,
              test_window_size_restores, fixture_tear_down);
  g_test_add ("/app/window/hub-list", Fixture, NULL, fixture_set_up,
              test_hub_list_and_settings, fixture_tear_down);
  g_test_add ("/app/window/offline-banner", Fixture, NULL, fixture_set_up,
              test_unreachable_hub_shows_offline, fixture_tear_down);

  status = g_test_run ();
  hw_test_rmdir (tmp_dir);
  return status;
}
