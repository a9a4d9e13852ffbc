/* hw-system-events-page.c: a timeline of deployments, incidents, alerts and audits
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "hw-alert-monitor.h"
#include "hw-background.h"
#include "hw-state-view.h"
#include "hw-system-events-page.h"

/* Read from the cache per load; the list shows the newest of the matches. */
#define MAX_READ  20000
#define MAX_ROWS  500

static const char * const kinds[] = { NULL, "deployment", "incident", "alert", "audit" };

struct _HwSystemEventsPage
{
  GtkWidget       parent_instance;

  HwConnection   *connection;
  HwAlertMonitor *monitor;
  GCancellable   *cancellable;
  gboolean        updating_services;
  guint           load_count;

  /* Template widgets */
  HwStateView    *state_view;
  GtkSearchEntry *search_entry;
  GtkDropDown    *kind_dropdown;
  GtkDropDown    *service_dropdown;
  GtkStringList  *service_model;
  GtkLabel       *count_label;
  GtkListBox     *timeline;
};

enum {
  PROP_0,
  PROP_CONNECTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (HwSystemEventsPage, hw_system_events_page, GTK_TYPE_WIDGET)

/* Describing (worker thread) ---------------------------------------------------- */

typedef struct
{
  char   *title;
  char   *subtitle;
  char   *kind;
  gint64  ts_ms;
} Row;

static void
row_free (Row *row)
{
  g_free (row->title);
  g_free (row->subtitle);
  g_free (row->kind);
  g_free (row);
}

static const char *
str (JsonObject *object,
     const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static const char *
or_dash (const char *value)
{
  return value != NULL ? value : "—";
}

static double
num (JsonObject *object,
     const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return 0;
  return json_node_get_double (node);
}

/* Who did what: the hub records replays, resubmissions and listener
 * changes with the token that asked for them. */
static char *
audit_title (JsonObject *object)
{
  const char *action = or_dash (str (object, "action"));
  const char *actor = or_dash (str (object, "actor"));
  const char *job_kind = str (object, "job_kind");
  const char *listener = str (object, "listener");

  if (g_str_equal (action, "job.start") && job_kind != NULL)
    /* TRANSLATORS: "oncall started a replay to payments" */
    return g_strdup_printf (_("%s started a %s to %s"), actor, job_kind, or_dash (listener));
  if (g_str_equal (action, "job.end") && job_kind != NULL)
    return g_strdup_printf (_("%s of %s to %s ended: %s"), job_kind, actor, or_dash (listener),
                            or_dash (str (object, "state")));
  if (listener != NULL)
    /* TRANSLATORS: "listener.update of payments by admin" */
    return g_strdup_printf (_("%s of %s by %s"), action, listener, actor);
  return g_strdup_printf (_("%s by %s"), action, actor);
}

static char *
describe (const char *kind,
          JsonObject *object)
{
  if (g_strcmp0 (kind, "deployment") == 0)
    {
      if (g_strcmp0 (str (object, "result"), "failure") == 0)
        return g_strdup_printf (_("Deployment of %s %s failed"), or_dash (str (object, "service")),
                                or_dash (str (object, "version")));
      return g_strdup_printf (_("Deployed %s %s"), or_dash (str (object, "service")),
                              or_dash (str (object, "version")));
    }
  if (g_strcmp0 (kind, "incident") == 0)
    {
      const char *title = str (object, "title");

      return g_strdup_printf (_("Incident %s (%s)%s%s"), or_dash (str (object, "id")),
                              or_dash (str (object, "severity")), title != NULL ? ": " : "",
                              title != NULL ? title : "");
    }
  if (g_strcmp0 (kind, "alert") == 0)
    {
      const char *subject = str (object, "subject");

      return hw_alert_describe (str (object, "rule"), subject != NULL ? subject : str (object, "service"),
                                str (object, "state"), num (object, "value"), str (object, "message"));
    }
  if (g_strcmp0 (kind, "audit") == 0)
    return audit_title (object);
  return g_strdup (kind != NULL ? kind : "");
}

static const char *
kind_label (const char *kind)
{
  if (g_strcmp0 (kind, "deployment") == 0)
    return _("Deployment");
  if (g_strcmp0 (kind, "incident") == 0)
    return _("Incident");
  if (g_strcmp0 (kind, "alert") == 0)
    return _("Alert");
  if (g_strcmp0 (kind, "audit") == 0)
    return _("Audit");
  return kind != NULL ? kind : "";
}

static char *
subtitle_for (HwSystemEvent *event,
              JsonObject    *object)
{
  g_autofree char *when = hw_format_clock_time (event->ts_ms);
  g_autoptr(GString) text = g_string_new (kind_label (event->kind));

  if (event->service != NULL)
    g_string_append_printf (text, " · %s", event->service);
  g_string_append_printf (text, " · %s", when);
  if (g_strcmp0 (event->kind, "deployment") == 0 && str (object, "commit_sha") != NULL)
    {
      g_autofree char *sha = g_strndup (str (object, "commit_sha"), 7);

      g_string_append_printf (text, _(" · commit %s"), sha);
    }
  if (g_strcmp0 (event->kind, "incident") == 0)
    {
      JsonNode *resolved = json_object_get_member (object, "resolved_at");

      if (resolved == NULL || JSON_NODE_HOLDS_NULL (resolved))
        g_string_append (text, _(" · still open"));
      else
        {
          g_autofree char *at = hw_format_clock_time (json_node_get_int (resolved));

          g_string_append_printf (text, _(" · resolved %s"), at);
        }
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* Loading ------------------------------------------------------------------------- */

typedef struct
{
  HwEventStore *store;
  char         *kind;
  char         *service;
  char         *text;        /* casefolded, nullable */
  GPtrArray    *rows;        /* Row* */
  guint         matches;
  GStrv         services;
} LoadJob;

static void
load_job_free (LoadJob *job)
{
  g_clear_object (&job->store);
  g_free (job->kind);
  g_free (job->service);
  g_free (job->text);
  g_clear_pointer (&job->rows, g_ptr_array_unref);
  g_strfreev (job->services);
  g_free (job);
}

static gboolean
matches_text (const char *json,
              const char *title,
              const char *needle)
{
  g_autofree char *haystack = NULL;

  if (needle == NULL)
    return TRUE;
  haystack = g_utf8_casefold (json, -1);
  if (strstr (haystack, needle) != NULL)
    return TRUE;
  g_clear_pointer (&haystack, g_free);
  haystack = g_utf8_casefold (title, -1);
  return strstr (haystack, needle) != NULL;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_utf8_collate (*(const char **) a, *(const char **) b);
}

static void
load_in_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  LoadJob *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GHashTable) services = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  events = hw_event_store_list_system_events (job->store, job->kind, HW_EVENT_STORE_UNBOUNDED,
                                              HW_EVENT_STORE_UNBOUNDED, HW_EVENT_ORDER_NEWEST_FIRST,
                                              MAX_READ, cancellable, &error);
  if (events == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  job->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) row_free);
  for (guint i = 0; i < events->len; i++)
    {
      HwSystemEvent *event = g_ptr_array_index (events, i);
      g_autoptr(JsonNode) node = json_from_string (event->json, NULL);
      g_autoptr(JsonObject) empty = json_object_new ();
      JsonObject *object = node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : empty;
      g_autofree char *title = NULL;
      Row *row;

      if (event->service != NULL && g_hash_table_add (services, event->service))
        g_ptr_array_add (names, g_strdup (event->service));
      if (job->service != NULL && g_strcmp0 (job->service, event->service) != 0)
        continue;
      title = describe (event->kind, object);
      if (!matches_text (event->json, title, job->text))
        continue;
      job->matches++;
      if (job->rows->len >= MAX_ROWS)
        continue;
      row = g_new0 (Row, 1);
      row->title = g_steal_pointer (&title);
      row->subtitle = subtitle_for (event, object);
      row->kind = g_strdup (event->kind);
      row->ts_ms = event->ts_ms;
      g_ptr_array_add (job->rows, row);
    }
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  job->services = (GStrv) g_ptr_array_steal (names, NULL);
  g_task_return_boolean (task, TRUE);
}

/* Showing ------------------------------------------------------------------------- */

static const char *
kind_icon (const char *kind)
{
  if (g_strcmp0 (kind, "deployment") == 0)
    return "software-update-available-symbolic";
  if (g_strcmp0 (kind, "incident") == 0)
    return "dialog-error-symbolic";
  if (g_strcmp0 (kind, "alert") == 0)
    return "dialog-warning-symbolic";
  return "document-properties-symbolic";
}

/* Rows only: the placeholder is a child too and must stay. */
static void
clear_list (GtkListBox *list)
{
  GtkListBoxRow *row;

  while ((row = gtk_list_box_get_row_at_index (list, 0)) != NULL)
    gtk_list_box_remove (list, GTK_WIDGET (row));
}

static void
show_services (HwSystemEventsPage *self,
               GStrv               services)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->service_model));
  guint selected = gtk_drop_down_get_selected (self->service_dropdown);
  g_autofree char *current = NULL;
  gboolean same = n == g_strv_length (services) + 1;
  guint wanted = 0;

  for (guint i = 0; same && services[i] != NULL; i++)
    same = g_str_equal (gtk_string_list_get_string (self->service_model, i + 1), services[i]);
  if (same)
    return;

  if (selected != GTK_INVALID_LIST_POSITION && selected > 0 && selected < n)
    current = g_strdup (gtk_string_list_get_string (self->service_model, selected));
  self->updating_services = TRUE;
  gtk_string_list_splice (self->service_model, 0, n, NULL);
  gtk_string_list_append (self->service_model, _("All Services"));
  for (guint i = 0; services[i] != NULL; i++)
    {
      gtk_string_list_append (self->service_model, services[i]);
      if (g_strcmp0 (current, services[i]) == 0)
        wanted = i + 1;
    }
  gtk_drop_down_set_selected (self->service_dropdown, wanted);
  self->updating_services = FALSE;
}

static void
on_loaded (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  HwSystemEventsPage *self = HW_SYSTEM_EVENTS_PAGE (source);
  LoadJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autofree char *count = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        hw_state_view_set_error (self->state_view, error->message);
      return;
    }

  show_services (self, job->services);
  clear_list (self->timeline);
  for (guint i = 0; i < job->rows->len; i++)
    {
      Row *row = g_ptr_array_index (job->rows, i);
      AdwActionRow *widget = ADW_ACTION_ROW (adw_action_row_new ());
      GtkWidget *icon = gtk_image_new_from_icon_name (kind_icon (row->kind));

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (widget), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (widget), row->title);
      adw_action_row_set_subtitle (widget, row->subtitle);
      adw_action_row_set_title_lines (widget, 2);
      gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      kind_label (row->kind), -1);
      adw_action_row_add_prefix (widget, icon);
      if (g_strcmp0 (row->kind, "incident") == 0)
        gtk_widget_add_css_class (icon, "error");
      else if (g_strcmp0 (row->kind, "alert") == 0)
        gtk_widget_add_css_class (icon, "warning");
      else if (g_strcmp0 (row->kind, "deployment") == 0)
        gtk_widget_add_css_class (icon, "accent");
      gtk_list_box_append (self->timeline, GTK_WIDGET (widget));
    }
  if (job->matches > job->rows->len)
    /* TRANSLATORS: "showing the newest 500 of 1234 system events" */
    count = g_strdup_printf (_("Showing the newest %u of %u system events"), job->rows->len,
                             job->matches);
  else
    count = g_strdup_printf (ngettext ("%u system event", "%u system events", job->matches),
                             job->matches);
  gtk_label_set_label (self->count_label, count);

  self->load_count++;
  hw_state_view_set_state (self->state_view, HW_VIEW_STATE_CONTENT);
}

static void
reload (HwSystemEventsPage *self)
{
  HwEventStore *store;
  guint kind = gtk_drop_down_get_selected (self->kind_dropdown);
  guint service = gtk_drop_down_get_selected (self->service_dropdown);
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autoptr(GTask) task = NULL;
  LoadJob *job;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  if (self->connection == NULL)
    {
      hw_state_view_set_state (self->state_view, HW_VIEW_STATE_EMPTY);
      return;
    }
  store = hw_connection_get_store (self->connection);
  if (store == NULL)
    {
      if (hw_connection_get_state (self->connection) == HW_HUB_SYNC_STATE_AUTH_FAILED
          && hw_connection_get_last_error (self->connection) != NULL)
        hw_state_view_set_error (self->state_view, hw_connection_get_last_error (self->connection));
      else if (hw_state_view_get_state (self->state_view) != HW_VIEW_STATE_CONTENT)
        hw_state_view_set_state (self->state_view, HW_VIEW_STATE_LOADING);
      return;
    }

  if (hw_state_view_get_state (self->state_view) != HW_VIEW_STATE_CONTENT)
    hw_state_view_set_state (self->state_view, HW_VIEW_STATE_LOADING);
  job = g_new0 (LoadJob, 1);
  job->store = g_object_ref (store);
  job->kind = g_strdup (kind < G_N_ELEMENTS (kinds) ? kinds[kind] : NULL);
  if (service != GTK_INVALID_LIST_POSITION && service > 0)
    job->service = g_strdup (gtk_string_list_get_string (self->service_model, service));
  job->text = text != NULL && *text != '\0' ? g_utf8_casefold (text, -1) : NULL;

  self->cancellable = g_cancellable_new ();
  task = g_task_new (self, self->cancellable, on_loaded, NULL);
  g_task_set_source_tag (task, reload);
  g_task_set_task_data (task, job, (GDestroyNotify) load_job_free);
  hw_background_run_task (task, load_in_thread);
}

static void
on_filter_changed (HwSystemEventsPage *self)
{
  if (!self->updating_services)
    reload (self);
}

static void
on_connection_changed (HwSystemEventsPage *self,
                       guint               changes)
{
  if (changes & HW_HUB_SYNC_CHANGED_SYSTEM_EVENTS)
    reload (self);
}

static void
on_retry (HwSystemEventsPage *self)
{
  if (self->connection != NULL)
    hw_connection_retry (self->connection);
  reload (self);
}

static void
focus_search_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  HwSystemEventsPage *self = HW_SYSTEM_EVENTS_PAGE (widget);

  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

/* Public API ---------------------------------------------------------------------- */

HwConnection *
hw_system_events_page_get_connection (HwSystemEventsPage *self)
{
  g_return_val_if_fail (HW_IS_SYSTEM_EVENTS_PAGE (self), NULL);

  return self->connection;
}

void
hw_system_events_page_set_connection (HwSystemEventsPage *self,
                                      HwConnection       *connection)
{
  g_return_if_fail (HW_IS_SYSTEM_EVENTS_PAGE (self));
  g_return_if_fail (connection == NULL || HW_IS_CONNECTION (connection));

  if (self->connection == connection)
    return;
  if (self->connection != NULL)
    g_signal_handlers_disconnect_by_data (self->connection, self);
  if (self->monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
  g_clear_object (&self->monitor);
  g_set_object (&self->connection, connection);
  if (connection != NULL)
    {
      g_signal_connect_swapped (connection, "changed", G_CALLBACK (on_connection_changed), self);
      /* Alerts are recorded by the monitor straight into the cache. */
      self->monitor = g_object_ref (hw_alert_monitor_ensure (connection));
      g_signal_connect_swapped (self->monitor, "history-changed", G_CALLBACK (reload), self);
      hw_alert_monitor_watch_application (GTK_WIDGET (self));
    }
  clear_list (self->timeline);
  hw_state_view_set_state (self->state_view, HW_VIEW_STATE_EMPTY);
  reload (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTION]);
}

void
hw_system_events_page_set_filter (HwSystemEventsPage *self,
                                  const char         *kind,
                                  const char         *service,
                                  const char         *text)
{
  guint n;

  g_return_if_fail (HW_IS_SYSTEM_EVENTS_PAGE (self));

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (g_strcmp0 (kinds[i], kind) == 0)
      gtk_drop_down_set_selected (self->kind_dropdown, i);
  n = g_list_model_get_n_items (G_LIST_MODEL (self->service_model));
  gtk_drop_down_set_selected (self->service_dropdown, 0);
  for (guint i = 1; service != NULL && i < n; i++)
    if (g_str_equal (gtk_string_list_get_string (self->service_model, i), service))
      gtk_drop_down_set_selected (self->service_dropdown, i);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text != NULL ? text : "");
  reload (self);
}

guint
hw_system_events_page_get_n_rows (HwSystemEventsPage *self)
{
  guint n = 0;

  g_return_val_if_fail (HW_IS_SYSTEM_EVENTS_PAGE (self), 0);

  while (gtk_list_box_get_row_at_index (self->timeline, n) != NULL)
    n++;
  return n;
}

const char *
hw_system_events_page_get_row_title (HwSystemEventsPage *self,
                                     guint               index)
{
  GtkListBoxRow *row;

  g_return_val_if_fail (HW_IS_SYSTEM_EVENTS_PAGE (self), NULL);

  row = gtk_list_box_get_row_at_index (self->timeline, index);
  return row != NULL ? adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)) : NULL;
}

guint
hw_system_events_page_get_load_count (HwSystemEventsPage *self)
{
  g_return_val_if_fail (HW_IS_SYSTEM_EVENTS_PAGE (self), 0);

  return self->load_count;
}

/* Life cycle ---------------------------------------------------------------------- */

static void
hw_system_events_page_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_CONNECTION:
      g_value_set_object (value, HW_SYSTEM_EVENTS_PAGE (object)->connection);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hw_system_events_page_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_CONNECTION:
      hw_system_events_page_set_connection (HW_SYSTEM_EVENTS_PAGE (object), g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hw_system_events_page_dispose (GObject *object)
{
  HwSystemEventsPage *self = HW_SYSTEM_EVENTS_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->connection != NULL)
    g_signal_handlers_disconnect_by_data (self->connection, self);
  if (self->monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
  g_clear_object (&self->monitor);
  g_clear_object (&self->connection);
  gtk_widget_dispose_template (GTK_WIDGET (self), HW_TYPE_SYSTEM_EVENTS_PAGE);

  G_OBJECT_CLASS (hw_system_events_page_parent_class)->dispose (object);
}

static void
hw_system_events_page_class_init (HwSystemEventsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = hw_system_events_page_get_property;
  object_class->set_property = hw_system_events_page_set_property;
  object_class->dispose = hw_system_events_page_dispose;

  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL, HW_TYPE_CONNECTION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (HW_TYPE_STATE_VIEW);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/hw-system-events-page.ui");
  gtk_widget_class_bind_template_child (widget_class, HwSystemEventsPage, state_view);
  gtk_widget_class_bind_template_child (widget_class, HwSystemEventsPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, HwSystemEventsPage, kind_dropdown);
  gtk_widget_class_bind_template_child (widget_class, HwSystemEventsPage, service_dropdown);
  gtk_widget_class_bind_template_child (widget_class, HwSystemEventsPage, service_model);
  gtk_widget_class_bind_template_child (widget_class, HwSystemEventsPage, count_label);
  gtk_widget_class_bind_template_child (widget_class, HwSystemEventsPage, timeline);
  gtk_widget_class_bind_template_callback (widget_class, on_retry);
  gtk_widget_class_bind_template_callback (widget_class, on_filter_changed);

  gtk_widget_class_install_action (widget_class, "system-events.search", NULL, focus_search_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK,
                                       "system-events.search", NULL);
}

static void
hw_system_events_page_init (HwSystemEventsPage *self)
{
  self->updating_services = TRUE;
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_string_list_append (self->service_model, _("All Services"));
  gtk_drop_down_set_selected (self->service_dropdown, 0);
  self->updating_services = FALSE;
}
