/* hw-window.c: the main window: hubs and pages in the sidebar, the Offline banner
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "hw-certificate-dialog.h"
#include "hw-faults-page.h"
#include "hw-hub-dialog.h"
#include "hw-hub-row.h"
#include "hw-jobs-page.h"
#include "hw-lake-page.h"
#include "hw-metrics-page.h"
#include "hw-overview-page.h"
#include "hw-replay-dialog.h"
#include "hw-state-view.h"
#include "hw-system-events-page.h"
#include "hw-team-page.h"
#include "hw-window.h"

static const char * const page_names[] = {
  "overview", "metrics", "event-lake", "faults", "jobs", "team", "system-events",
};

struct _HwWindow
{
  AdwApplicationWindow  parent_instance;

  GSettings            *settings;
  HwConnection         *connection;
  gboolean              banner_shown;

  /* Template widgets */
  AdwLeaflet           *leaflet;
  GtkListBox           *hub_list;
  GtkStack             *main_stack;
  GtkStack             *pages;
  AdwWindowTitle       *content_title;
  GtkRevealer          *banner;
  GtkWidget            *banner_box;
  GtkImage             *banner_icon;
  GtkLabel             *banner_label;
  GtkButton            *banner_button;
  AdwToastOverlay      *toast_overlay;
  GtkWidget            *demo_button;
  GtkSpinner           *demo_spinner;
  GtkWidget            *hub_menu_button;
};

G_DEFINE_FINAL_TYPE (HwWindow, hw_window, ADW_TYPE_APPLICATION_WINDOW)

static HwApplication *
get_app (HwWindow *self)
{
  return HW_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
}

static void setup_for_application (HwWindow *self);

HwWindow *
hw_window_new (HwApplication *application)
{
  HwWindow *self;

  g_return_val_if_fail (HW_IS_APPLICATION (application), NULL);

  self = g_object_new (HW_TYPE_WINDOW, "application", application, NULL);
  setup_for_application (self);
  return self;
}

GtkStack *
hw_window_get_pages (HwWindow *self)
{
  g_return_val_if_fail (HW_IS_WINDOW (self), NULL);

  return self->pages;
}

GtkWidget *
hw_window_get_page (HwWindow   *self,
                    const char *name)
{
  g_return_val_if_fail (HW_IS_WINDOW (self), NULL);

  return gtk_stack_get_child_by_name (self->pages, name);
}

void
hw_window_show_page (HwWindow   *self,
                     const char *name)
{
  g_return_if_fail (HW_IS_WINDOW (self));

  if (gtk_stack_get_child_by_name (self->pages, name) == NULL)
    return;
  gtk_stack_set_visible_child_name (self->pages, name);
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

const char *
hw_window_get_banner_text (HwWindow *self)
{
  g_return_val_if_fail (HW_IS_WINDOW (self), NULL);

  return self->banner_shown ? gtk_label_get_label (self->banner_label) : NULL;
}

void
hw_window_add_toast (HwWindow   *self,
                     const char *message)
{
  g_return_if_fail (HW_IS_WINDOW (self));

  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}

HwConnection *
hw_window_get_connection (HwWindow *self)
{
  g_return_val_if_fail (HW_IS_WINDOW (self), NULL);

  return self->connection;
}

/* Window size ------------------------------------------------------------- */

static void
restore_window_state (HwWindow *self)
{
  int width = g_settings_get_int (self->settings, "window-width");
  int height = g_settings_get_int (self->settings, "window-height");

  gtk_window_set_default_size (GTK_WINDOW (self), width, height);
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

static void
save_window_state (HwWindow *self)
{
  int width, height;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
}

static gboolean
hw_window_close_request (GtkWindow *window)
{
  save_window_state (HW_WINDOW (window));

  return GTK_WINDOW_CLASS (hw_window_parent_class)->close_request (window);
}

/* Banner and titles ------------------------------------------------------- */

static void
set_banner (HwWindow   *self,
            const char *icon_name,
            const char *text,
            const char *button_label,
            const char *button_action,
            const char *style)
{
  self->banner_shown = text != NULL;
  gtk_revealer_set_reveal_child (self->banner, text != NULL);
  if (text == NULL)
    return;

  gtk_image_set_from_icon_name (self->banner_icon, icon_name);
  gtk_label_set_label (self->banner_label, text);
  gtk_button_set_label (self->banner_button, button_label);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->banner_button), button_action);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->banner_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, button_label, -1);
  gtk_widget_remove_css_class (self->banner_box, "error");
  if (style != NULL)
    gtk_widget_add_css_class (self->banner_box, style);
}

static void
update_banner (HwWindow *self)
{
  g_autofree char *as_of = NULL;
  g_autofree char *text = NULL;
  HwHubSyncState state;

  if (self->connection == NULL)
    {
      set_banner (self, NULL, NULL, NULL, NULL, NULL);
      return;
    }

  state = hw_connection_get_state (self->connection);
  if (state == HW_HUB_SYNC_STATE_AUTH_FAILED)
    {
      set_banner (self, "dialog-password-symbolic",
                  _("Authentication failed: the hub refused the token. Showing cached data."),
                  _("_Edit Hub…"), "win.edit-hub", "error");
      return;
    }
  if (state == HW_HUB_SYNC_STATE_UNTRUSTED)
    {
      set_banner (self, "security-low-symbolic",
                  _("The hub’s certificate is not trusted. Showing cached data."),
                  _("_Review Certificate…"), "win.review-certificate", "error");
      return;
    }
  /* A full disk needs the user; an unreachable hub comes back by itself,
   * so while the hub is reachable the read-only cache is the news. */
  if (state != HW_HUB_SYNC_STATE_OFFLINE && hw_connection_get_sync (self->connection) != NULL
      && !hw_hub_sync_get_cache_writable (hw_connection_get_sync (self->connection)))
    {
      /* TRANSLATORS: %s explains why, e.g. "The cache is read-only: the disk is full." */
      text = g_strdup_printf (_("%s Showing cached data; new events wait on the hub until space is freed."),
                              hw_hub_sync_get_cache_error (hw_connection_get_sync (self->connection)));
      set_banner (self, "drive-harddisk-symbolic", text, _("_Retry Now"), "win.refresh", "error");
      return;
    }
  /* "Offline" only once the hub was actually lost (or refused), not during
   * the first moments of connecting. */
  if (!hw_connection_is_offline (self->connection)
      || (hw_connection_get_offline_since (self->connection) <= 0
          && hw_connection_get_last_error (self->connection) == NULL))
    {
      set_banner (self, NULL, NULL, NULL, NULL, NULL);
      return;
    }

  if (hw_connection_get_as_of (self->connection) > 0)
    {
      as_of = hw_format_clock_time (hw_connection_get_as_of (self->connection));
      /* TRANSLATORS: %s is a time such as 14:02:07 */
      text = g_strdup_printf (_("Offline — showing cached data as of %s. Reconnecting in the background."),
                              as_of);
    }
  else
    text = g_strdup (_("Offline — the hub cannot be reached and nothing is cached yet. Reconnecting in the background."));
  /* Why, on a second line: a hub that answers garbage is not a cable problem. */
  if (hw_connection_get_last_error (self->connection) != NULL)
    {
      char *with_reason = g_strdup_printf ("%s\n%s", text, hw_connection_get_last_error (self->connection));

      g_free (text);
      text = with_reason;
    }
  set_banner (self, "network-offline-symbolic", text, _("_Retry Now"), "win.refresh", NULL);
}

static void
update_title (HwWindow *self)
{
  GtkWidget *child = gtk_stack_get_visible_child (self->pages);
  GtkStackPage *page = child != NULL ? gtk_stack_get_page (self->pages, child) : NULL;

  if (self->connection == NULL)
    {
      adw_window_title_set_title (self->content_title, _("Hubwatch"));
      adw_window_title_set_subtitle (self->content_title, NULL);
      return;
    }
  adw_window_title_set_title (self->content_title,
                              page != NULL ? gtk_stack_page_get_title (page) : _("Hubwatch"));
  adw_window_title_set_subtitle (self->content_title, hw_connection_get_name (self->connection));
}

static void
update_placeholders (HwWindow *self)
{
  /* Pages that arrive with later updates still show an honest state. */
  for (guint i = 0; i < G_N_ELEMENTS (page_names); i++)
    {
      GtkWidget *page = gtk_stack_get_child_by_name (self->pages, page_names[i]);

      if (HW_IS_STATE_VIEW (page) && hw_state_view_get_child (HW_STATE_VIEW (page)) == NULL)
        hw_state_view_set_state (HW_STATE_VIEW (page), HW_VIEW_STATE_EMPTY);
    }
}

static void
update_actions (HwWindow *self)
{
  gboolean has_hub = self->connection != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.edit-hub", has_hub);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.refresh", has_hub);
  gtk_widget_set_visible (self->hub_menu_button, has_hub);
}

static void
on_connection_status (HwWindow *self)
{
  update_banner (self);
  update_title (self);
}

static void
set_page_connections (HwWindow *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (page_names); i++)
    {
      GtkWidget *page = gtk_stack_get_child_by_name (self->pages, page_names[i]);
      GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (page), "connection");

      /* Pages that show a hub's data take it through a "connection" property. */
      if (pspec != NULL && pspec->value_type == HW_TYPE_CONNECTION)
        g_object_set (page, "connection", self->connection, NULL);
    }
}

void
hw_window_set_connection (HwWindow     *self,
                          HwConnection *connection)
{
  g_return_if_fail (HW_IS_WINDOW (self));
  g_return_if_fail (connection == NULL || HW_IS_CONNECTION (connection));

  if (self->connection == connection)
    return;
  if (self->connection != NULL)
    g_signal_handlers_disconnect_by_data (self->connection, self);
  g_set_object (&self->connection, connection);
  if (connection != NULL)
    {
      g_signal_connect_swapped (connection, "notify::status-text",
                                G_CALLBACK (on_connection_status), self);
      g_signal_connect_swapped (connection, "notify::as-of",
                                G_CALLBACK (on_connection_status), self);
      g_signal_connect_swapped (connection, "notify::name",
                                G_CALLBACK (on_connection_status), self);
    }

  gtk_stack_set_visible_child_name (self->main_stack, connection != NULL ? "hub" : "first-run");
  set_page_connections (self);
  update_placeholders (self);
  update_banner (self);
  update_title (self);
  update_actions (self);
}

/* Hub list ---------------------------------------------------------------- */

static GtkWidget *
create_hub_row (gpointer item,
                gpointer user_data)
{
  return hw_hub_row_new (HW_CONNECTION (item));
}

static void
on_hub_row_selected (HwWindow      *self,
                     GtkListBoxRow *row)
{
  if (row == NULL)
    return;
  hw_window_set_connection (self, hw_hub_row_get_connection (HW_HUB_ROW (row)));
}

static void
on_hub_row_activated (HwWindow      *self,
                      GtkListBoxRow *row)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

static void
select_row_for (HwWindow     *self,
                HwConnection *connection)
{
  for (int i = 0;; i++)
    {
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (self->hub_list, i);

      if (row == NULL)
        return;
      if (hw_hub_row_get_connection (HW_HUB_ROW (row)) == connection)
        {
          gtk_list_box_select_row (self->hub_list, row);
          return;
        }
    }
}

static void
on_hub_selected (HwWindow     *self,
                 HwConnection *connection)
{
  select_row_for (self, connection);
  hw_window_set_connection (self, connection);
}

static void
on_hubs_changed (HwWindow   *self,
                 guint       position,
                 guint       removed,
                 guint       added,
                 GListModel *hubs)
{
  guint n = g_list_model_get_n_items (hubs);
  guint current;

  if (self->connection != NULL
      && g_list_store_find (G_LIST_STORE (hubs), self->connection, &current))
    return;

  /* The shown hub went away: fall back to the first, or the first-run page. */
  if (n == 0)
    {
      hw_window_set_connection (self, NULL);
      return;
    }
  {
    g_autoptr(HwConnection) first = g_list_model_get_item (hubs, 0);

    select_row_for (self, first);
    hw_window_set_connection (self, first);
  }
}

static void
on_notice (HwWindow   *self,
           const char *message)
{
  hw_window_add_toast (self, message);
}

static void
on_demo_starting (HwWindow *self)
{
  gboolean starting = hw_application_get_demo_starting (get_app (self));

  gtk_widget_set_visible (GTK_WIDGET (self->demo_spinner), starting);
  gtk_spinner_set_spinning (self->demo_spinner, starting);
  gtk_button_set_label (GTK_BUTTON (self->demo_button),
                        starting ? _("Starting the Demo Hub…") : _("Start a Local Demo Hub"));
}

static void
on_visible_page_changed (HwWindow *self)
{
  update_title (self);
}

/* Actions ----------------------------------------------------------------- */

static void
add_hub_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  HwWindow *self = HW_WINDOW (widget);
  HwHubDialog *dialog = hw_hub_dialog_new (get_app (self), NULL);

  gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (self));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
edit_hub_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  HwWindow *self = HW_WINDOW (widget);
  HwHubDialog *dialog;

  if (self->connection == NULL)
    return;
  dialog = hw_hub_dialog_new (get_app (self), self->connection);
  gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (self));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  HwWindow *self = HW_WINDOW (widget);

  if (self->connection != NULL)
    hw_connection_retry (self->connection);
}

static void
show_page_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  hw_window_show_page (HW_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

/* Other pages link to the events behind what they show with a query; time
 * bounds travel inside it as from:/to: terms. */
static void
show_events_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  HwWindow *self = HW_WINDOW (widget);
  GtkWidget *page = hw_window_get_page (self, "event-lake");

  hw_window_show_page (self, "event-lake");
  if (HW_IS_LAKE_PAGE (page))
    hw_lake_page_search (HW_LAKE_PAGE (page), g_variant_get_string (parameter, NULL));
}

/* The Overview's cards open their chart on the Metrics page. */
static void
show_chart_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  HwWindow *self = HW_WINDOW (widget);
  GtkWidget *page = hw_window_get_page (self, "metrics");

  hw_window_show_page (self, "metrics");
  if (HW_IS_METRICS_PAGE (page))
    hw_metrics_page_focus_chart (HW_METRICS_PAGE (page), g_variant_get_string (parameter, NULL));
}

static void
review_certificate_action (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  HwWindow *self = HW_WINDOW (widget);
  HwCertificateDialog *dialog;

  if (self->connection == NULL)
    return;
  dialog = hw_certificate_dialog_new (GTK_WINDOW (self), self->connection);
  if (dialog == NULL)
    {
      hw_window_add_toast (self, _("The hub has not presented a certificate to review yet."));
      return;
    }
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
show_sidebar_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  adw_leaflet_navigate (HW_WINDOW (widget)->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

/* Life cycle -------------------------------------------------------------- */

/* GtkWindow:application is not a construct property, so it is still unset
 * in constructed(): everything that needs the application happens here. */
static void
setup_for_application (HwWindow *self)
{
  HwApplication *app = get_app (self);
  GListModel *hubs;

  self->settings = g_object_ref (hw_application_get_settings (app));
  restore_window_state (self);

  if (DEVELOPMENT_BUILD)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");

  hubs = hw_application_get_hubs (app);
  gtk_list_box_bind_model (self->hub_list, hubs, create_hub_row, NULL, NULL);
  g_signal_connect_object (hubs, "items-changed", G_CALLBACK (on_hubs_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (app, "hub-selected", G_CALLBACK (on_hub_selected), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (app, "notice", G_CALLBACK (on_notice), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (app, "notify::demo-starting", G_CALLBACK (on_demo_starting), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->pages, "notify::visible-child",
                           G_CALLBACK (on_visible_page_changed), self, G_CONNECT_SWAPPED);

  on_hubs_changed (self, 0, 0, 0, hubs);
  on_demo_starting (self);
  update_actions (self);
  update_placeholders (self);
}

static void
hw_window_dispose (GObject *object)
{
  HwWindow *self = HW_WINDOW (object);

  if (self->connection != NULL)
    g_signal_handlers_disconnect_by_data (self->connection, self);
  g_clear_object (&self->connection);
  gtk_widget_dispose_template (GTK_WIDGET (self), HW_TYPE_WINDOW);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (hw_window_parent_class)->dispose (object);
}

static void
hw_window_class_init (HwWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = hw_window_dispose;
  window_class->close_request = hw_window_close_request;

  g_type_ensure (HW_TYPE_STATE_VIEW);
  g_type_ensure (HW_TYPE_OVERVIEW_PAGE);
  g_type_ensure (HW_TYPE_METRICS_PAGE);
  g_type_ensure (HW_TYPE_LAKE_PAGE);
  g_type_ensure (HW_TYPE_FAULTS_PAGE);
  g_type_ensure (HW_TYPE_JOBS_PAGE);
  g_type_ensure (HW_TYPE_TEAM_PAGE);
  g_type_ensure (HW_TYPE_SYSTEM_EVENTS_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/hw-window.ui");
  gtk_widget_class_bind_template_child (widget_class, HwWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, HwWindow, hub_list);
  gtk_widget_class_bind_template_child (widget_class, HwWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, HwWindow, pages);
  gtk_widget_class_bind_template_child (widget_class, HwWindow, content_title);
  gtk_widget_class_bind_template_child (widget_class, HwWindow, banner);
  gtk_widget_class_bind_template_child (widget_class, HwWindow, banner_box);
  gtk_widget_class_bind_template_child (widget_class, HwWindow, banner_icon);
  gtk_widget_class_bind_template_child (widget_class, HwWindow, banner_label);
  gtk_widget_class_bind_template_child (widget_class, HwWindow, banner_button);
  gtk_widget_class_bind_template_child (widget_class, HwWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, HwWindow, demo_button);
  gtk_widget_class_bind_template_child (widget_class, HwWindow, demo_spinner);
  gtk_widget_class_bind_template_child (widget_class, HwWindow, hub_menu_button);
  gtk_widget_class_bind_template_callback (widget_class, on_hub_row_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_hub_row_activated);

  gtk_widget_class_install_action (widget_class, "win.add-hub", NULL, add_hub_action);
  gtk_widget_class_install_action (widget_class, "win.edit-hub", NULL, edit_hub_action);
  gtk_widget_class_install_action (widget_class, "win.refresh", NULL, refresh_action);
  gtk_widget_class_install_action (widget_class, "win.show-page", "s", show_page_action);
  gtk_widget_class_install_action (widget_class, "win.show-chart", "s", show_chart_action);
  gtk_widget_class_install_action (widget_class, "win.show-events", "s", show_events_action);
  gtk_widget_class_install_action (widget_class, "win.review-certificate", NULL,
                                   review_certificate_action);
  gtk_widget_class_install_action (widget_class, "win.show-sidebar", NULL, show_sidebar_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK,
                                       "win.add-hub", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK,
                                       "win.edit-hub", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK,
                                       "win.refresh", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "win.refresh", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (page_names); i++)
    gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1 + i, GDK_ALT_MASK,
                                         "win.show-page", "s", page_names[i]);
}

static void
hw_window_init (HwWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  hw_replay_dialog_install_action (GTK_APPLICATION_WINDOW (self));
}
