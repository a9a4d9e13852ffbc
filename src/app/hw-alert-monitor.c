/* hw-alert-monitor.c: one hub's alerts: rules over its cache, history, desktop notifications
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "hw-alert-monitor.h"
#include "hw-application.h"
#include "hw-background.h"
#include "hw-window.h"

#define MONITOR_KEY       "hw-alert-monitor"
#define WATCHED_KEY       "hw-alert-monitor-watched"
#define MAX_HISTORY       500
#define ANOMALY_WINDOW    30
#define ANOMALY_M         3
#define ANOMALY_N         5
/* Only a transition this recent is news worth a notification: older ones
 * were found catching up on the cache (first run, back online). */
#define RECENT_MS         (G_GINT64_CONSTANT (3) * HW_ALERT_ENGINE_STEP_S * 1000)

struct _HwAlertMonitor
{
  GObject            parent_instance;

  HwConnection      *connection;       /* weak: the connection owns the monitor */
  HwEventStore      *own_store;        /* hw_alert_monitor_new_for_store() */
  HwHubSync         *requested_sync;   /* not a reference: only compared */
  GSettings         *settings;
  HwAlertEngine     *engine;
  gboolean           running;
  gboolean           dirty;
  GPtrArray         *history;
  GHashTable        *states;
  guint              run_count;
  char              *last_error;

  HwAlertNotifyFunc  notify_func;
  gpointer           notify_data;
  GDestroyNotify     notify_destroy;
};

enum {
  HISTORY_CHANGED,
  EVALUATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (HwAlertMonitor, hw_alert_monitor, G_TYPE_OBJECT)

/* Describing ---------------------------------------------------------------------- */

static char *
format_minutes (double ms)
{
  /* TRANSLATORS: a duration in minutes */
  return g_strdup_printf (_("%.0f min"), ms / 60000.0);
}

char *
hw_alert_describe (const char *rule,
                   const char *subject,
                   const char *state,
                   double      value,
                   const char *message)
{
  const char *what = subject != NULL ? subject : _("all");
  g_autofree char *text = NULL;

  if (g_strcmp0 (rule, HW_ALERT_RULE_NAME_ITERATOR_AGE) == 0)
    {
      g_autofree char *age = format_minutes (value);

      /* TRANSLATORS: %s is a listener, %s a duration */
      text = g_strdup_printf (_("Iterator age of %s at %s"), what, age);
    }
  else if (g_strcmp0 (rule, HW_ALERT_RULE_NAME_LISTENER_ERRORS) == 0)
    text = g_strdup_printf (_("Listener %s fails %.1f %% of its calls"), what, value * 100);
  else if (g_strcmp0 (rule, HW_ALERT_RULE_NAME_API_ERRORS) == 0)
    text = g_strdup_printf (_("API %s fails %.1f %% of its requests"), what, value * 100);
  else if (g_strcmp0 (rule, HW_ALERT_RULE_NAME_RATE_ZERO) == 0)
    text = g_strdup_printf (_("No more %s events"), what);
  else if (g_strcmp0 (rule, HW_ALERT_RULE_NAME_ANOMALY) == 0)
    text = g_strdup_printf (_("Unusual rate of %s events: %.0f a minute"), what, value);
  else if (g_strcmp0 (rule, HW_ALERT_RULE_NAME_FAULT) == 0)
    /* TRANSLATORS: a fault alert: function, error message */
    text = g_strdup_printf (_("Fault in %s: %s"), what, message != NULL ? message : "");
  else
    text = g_strdup_printf ("%s %s", rule != NULL ? rule : "", what);

  if (g_strcmp0 (state, "resolved") == 0)
    /* TRANSLATORS: an alert that recovered; %s describes it */
    return g_strdup_printf (_("Resolved: %s"), text);
  if (g_strcmp0 (state, "pending") == 0)
    return g_strdup_printf (_("Pending: %s"), text);
  return g_steal_pointer (&text);
}

/* Notifications ----------------------------------------------------------------- */

static void
send_default (HwAlertMonitor *self,
              const char     *id,
              GNotification  *notification,
              gpointer        user_data)
{
  hw_application_notify (id, notification);
}

static void
notify_record (HwAlertMonitor *self,
               HwAlertRecord  *record)
{
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *title = NULL;
  g_autofree char *id = NULL;
  g_autoptr(GString) body = g_string_new (NULL);
  const char *hub_id = self->connection != NULL ? hw_connection_get_id (self->connection) : "";
  gboolean fault = g_str_equal (record->rule, HW_ALERT_RULE_NAME_FAULT);

  title = hw_alert_describe (record->rule, record->subject, hw_alert_state_to_string (record->state),
                             record->value, record->message);
  if (self->connection != NULL)
    g_string_append_printf (body, _("Hub %s"), hw_connection_get_name (self->connection));
  if (fault && record->value > 1)
    g_string_append_printf (body, ngettext (" · %.0f fault with this error in the last hour",
                                            " · %.0f faults with this error in the last hour",
                                            (gulong) record->value), record->value);

  notification = g_notification_new (title);
  g_notification_set_body (notification, body->str);
  g_notification_set_priority (notification, record->state == HW_ALERT_STATE_RESOLVED
                                             ? G_NOTIFICATION_PRIORITY_LOW
                                             : fault ? G_NOTIFICATION_PRIORITY_NORMAL
                                                     : G_NOTIFICATION_PRIORITY_HIGH);
  if (record->metric != NULL)
    {
      g_notification_add_button_with_target (notification, _("Open Chart"), "app.alert-open-chart",
                                             "(ss)", hub_id, record->metric);
      g_notification_set_default_action_and_target (notification, "app.alert-open-chart", "(ss)",
                                                    hub_id, record->metric);
    }
  g_notification_add_button_with_target (notification, _("Open Faults"), "app.alert-open-faults",
                                         "s", hub_id);
  if (record->metric == NULL)
    g_notification_set_default_action_and_target (notification, "app.alert-open-faults", "s",
                                                  hub_id);

  /* One notification per rule and subject: a recovery replaces its alarm. */
  id = g_strdup_printf ("alert-%s-%s-%s", hub_id, record->rule,
                        record->subject != NULL ? record->subject : "");
  self->notify_func (self, id, notification, self->notify_data);
}

static gboolean
wants_notification (HwAlertMonitor *self,
                    HwAlertRecord  *record,
                    gint64          now_ms)
{
  gint64 recent = g_str_equal (record->rule, HW_ALERT_RULE_NAME_FAULT)
                  ? HW_FAULT_ALERT_INTERVAL_MS : RECENT_MS;

  if (!record->is_new || !g_settings_get_boolean (self->settings, "alert-notifications"))
    return FALSE;
  if (record->state != HW_ALERT_STATE_FIRING && record->state != HW_ALERT_STATE_RESOLVED)
    return FALSE;
  return record->t_ms >= now_ms - recent - HW_ALERT_ENGINE_STEP_S * 1000;
}

/* Running --------------------------------------------------------------------------- */

static HwEventStore *
get_store (HwAlertMonitor *self)
{
  if (self->own_store != NULL)
    return self->own_store;
  return self->connection != NULL ? hw_connection_get_store (self->connection) : NULL;
}

typedef struct
{
  HwEventStore  *store;
  HwAlertEngine *engine;
  HwAlertConfig  config;
  gint64         now_ms;
} RunData;

static void
run_data_free (RunData *data)
{
  g_clear_object (&data->store);
  g_strfreev (data->config.key_types);
  g_free (data);
}

static void
run_in_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  RunData *data = task_data;
  GError *error = NULL;
  HwAlertRun *run;

  run = hw_alert_engine_run (data->engine, data->store, &data->config, data->now_ms, cancellable,
                             &error);
  if (run == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, run, (GDestroyNotify) hw_alert_run_free);
}

static void start_run (HwAlertMonitor *self);

static void
on_run_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  HwAlertMonitor *self = HW_ALERT_MONITOR (source);
  RunData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr(HwAlertRun) run = NULL;
  g_autoptr(GError) error = NULL;
  gboolean recorded = FALSE;

  self->running = FALSE;
  self->run_count++;
  run = g_task_propagate_pointer (G_TASK (result), &error);
  g_clear_pointer (&self->last_error, g_free);
  if (run == NULL)
    {
      self->last_error = g_strdup (error->message);
      g_debug ("Alert rules could not run: %s", error->message);
    }
  else
    {
      g_clear_pointer (&self->states, g_hash_table_unref);
      self->states = g_steal_pointer (&run->states);
      for (guint i = 0; i < run->records->len; i++)
        {
          HwAlertRecord *record = g_ptr_array_index (run->records, i);

          if (!record->is_new)
            continue;
          if (wants_notification (self, record, data->now_ms))
            notify_record (self, record);
          g_ptr_array_add (self->history, g_ptr_array_steal_index (run->records, i--));
          recorded = TRUE;
        }
      if (self->history->len > MAX_HISTORY)
        g_ptr_array_remove_range (self->history, 0, self->history->len - MAX_HISTORY);
    }

  if (recorded)
    g_signal_emit (self, signals[HISTORY_CHANGED], 0);
  g_signal_emit (self, signals[EVALUATED], 0);
  if (self->dirty)
    start_run (self);
}

static GStrv
read_key_types (GSettings *settings)
{
  g_auto(GStrv) types = g_settings_get_strv (settings, "alert-key-event-types");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; types[i] != NULL; i++)
    {
      g_strstrip (types[i]);
      if (*types[i] != '\0')
        g_strv_builder_add (builder, types[i]);
    }
  return g_strv_builder_end (builder);
}

static void
start_run (HwAlertMonitor *self)
{
  HwEventStore *store = get_store (self);
  g_autoptr(GTask) task = NULL;
  RunData *data;

  self->dirty = FALSE;
  if (store == NULL)
    return;

  data = g_new0 (RunData, 1);
  data->store = g_object_ref (store);
  data->engine = self->engine;
  data->now_ms = g_get_real_time () / 1000;
  data->config.iterator_age_ms =
    (double) g_settings_get_uint (self->settings, "iterator-age-warning-minutes") * 60000.0;
  data->config.error_rate = g_settings_get_uint (self->settings, "alert-error-rate-percent") / 100.0;
  data->config.anomaly_window = ANOMALY_WINDOW;
  data->config.anomaly_k = g_settings_get_double (self->settings, "alert-anomaly-sigma");
  data->config.anomaly_m = ANOMALY_M;
  data->config.anomaly_n = ANOMALY_N;
  data->config.key_types = read_key_types (self->settings);

  self->running = TRUE;
  /* The task holds the monitor, and with it the engine, until the run ends. */
  task = g_task_new (self, NULL, on_run_done, NULL);
  g_task_set_source_tag (task, start_run);
  g_task_set_task_data (task, data, (GDestroyNotify) run_data_free);
  hw_background_run_task (task, run_in_thread);
}

static void
request_rollups (HwAlertMonitor *self)
{
  HwHubSync *sync = self->connection != NULL ? hw_connection_get_sync (self->connection) : NULL;
  const HwAlertMetricRequest *requests;
  guint n;

  if (sync == NULL || sync == self->requested_sync)
    return;
  self->requested_sync = sync;
  requests = hw_alert_engine_get_requests (&n);
  for (guint i = 0; i < n; i++)
    hw_hub_sync_request_metrics (sync, requests[i].key, requests[i].metric, "now-1h", "now",
                                 HW_ALERT_ENGINE_STEP_S, requests[i].stat, requests[i].by);
}

void
hw_alert_monitor_evaluate (HwAlertMonitor *self)
{
  g_return_if_fail (HW_IS_ALERT_MONITOR (self));

  request_rollups (self);
  if (self->running)
    {
      self->dirty = TRUE;
      return;
    }
  start_run (self);
}

static void
on_connection_changed (HwAlertMonitor *self,
                       guint           changes)
{
  if (changes & (HW_HUB_SYNC_CHANGED_METRICS | HW_HUB_SYNC_CHANGED_FAULTS))
    hw_alert_monitor_evaluate (self);
}

static void
on_settings_changed (HwAlertMonitor *self,
                     const char     *key)
{
  if (g_str_has_prefix (key, "alert-") || g_str_equal (key, "iterator-age-warning-minutes"))
    hw_alert_monitor_evaluate (self);
}

/* Public API --------------------------------------------------------------------- */

static HwAlertMonitor *
monitor_new (void)
{
  return g_object_new (HW_TYPE_ALERT_MONITOR, NULL);
}

HwAlertMonitor *
hw_alert_monitor_new_for_store (HwEventStore *store)
{
  HwAlertMonitor *self;

  g_return_val_if_fail (HW_IS_EVENT_STORE (store), NULL);

  self = monitor_new ();
  self->own_store = g_object_ref (store);
  return self;
}

HwAlertMonitor *
hw_alert_monitor_get_for_connection (HwConnection *connection)
{
  g_return_val_if_fail (HW_IS_CONNECTION (connection), NULL);

  return g_object_get_data (G_OBJECT (connection), MONITOR_KEY);
}

HwAlertMonitor *
hw_alert_monitor_ensure (HwConnection *connection)
{
  HwAlertMonitor *self;

  g_return_val_if_fail (HW_IS_CONNECTION (connection), NULL);

  self = hw_alert_monitor_get_for_connection (connection);
  if (self != NULL)
    return self;
  self = monitor_new ();
  self->connection = connection;
  g_object_add_weak_pointer (G_OBJECT (connection), (gpointer *) &self->connection);
  g_signal_connect_object (connection, "changed", G_CALLBACK (on_connection_changed), self,
                           G_CONNECT_SWAPPED);
  g_object_set_data_full (G_OBJECT (connection), MONITOR_KEY, self, g_object_unref);
  hw_alert_monitor_evaluate (self);
  return self;
}

void
hw_alert_monitor_set_notify_func (HwAlertMonitor    *self,
                                  HwAlertNotifyFunc  func,
                                  gpointer           user_data,
                                  GDestroyNotify     destroy)
{
  g_return_if_fail (HW_IS_ALERT_MONITOR (self));

  if (self->notify_destroy != NULL)
    self->notify_destroy (self->notify_data);
  self->notify_func = func != NULL ? func : send_default;
  self->notify_data = func != NULL ? user_data : NULL;
  self->notify_destroy = func != NULL ? destroy : NULL;
}

GPtrArray *
hw_alert_monitor_get_history (HwAlertMonitor *self)
{
  g_return_val_if_fail (HW_IS_ALERT_MONITOR (self), NULL);

  return self->history;
}

HwAlertState
hw_alert_monitor_get_state (HwAlertMonitor *self,
                            const char     *rule,
                            const char     *subject)
{
  g_autofree char *key = NULL;

  g_return_val_if_fail (HW_IS_ALERT_MONITOR (self), HW_ALERT_STATE_NORMAL);
  g_return_val_if_fail (rule != NULL, HW_ALERT_STATE_NORMAL);

  if (self->states == NULL)
    return HW_ALERT_STATE_NORMAL;
  key = g_strdup_printf ("%s\x1f%s", rule, subject != NULL ? subject : "");
  return GPOINTER_TO_INT (g_hash_table_lookup (self->states, key));
}

guint
hw_alert_monitor_get_n_firing (HwAlertMonitor *self)
{
  GHashTableIter iter;
  gpointer state;
  guint n = 0;

  g_return_val_if_fail (HW_IS_ALERT_MONITOR (self), 0);

  if (self->states == NULL)
    return 0;
  g_hash_table_iter_init (&iter, self->states);
  while (g_hash_table_iter_next (&iter, NULL, &state))
    if (GPOINTER_TO_INT (state) == HW_ALERT_STATE_FIRING)
      n++;
  return n;
}

guint
hw_alert_monitor_get_run_count (HwAlertMonitor *self)
{
  g_return_val_if_fail (HW_IS_ALERT_MONITOR (self), 0);

  return self->run_count;
}

const char *
hw_alert_monitor_get_last_error (HwAlertMonitor *self)
{
  g_return_val_if_fail (HW_IS_ALERT_MONITOR (self), NULL);

  return self->last_error;
}

/* Application wiring --------------------------------------------------------------- */

static HwConnection *
find_hub (HwApplication *app,
          const char    *id)
{
  GListModel *hubs = hw_application_get_hubs (app);

  for (guint i = 0; i < g_list_model_get_n_items (hubs); i++)
    {
      g_autoptr(HwConnection) connection = g_list_model_get_item (hubs, i);

      if (g_strcmp0 (hw_connection_get_id (connection), id) == 0)
        return connection;
    }
  return NULL;
}

static void
open_page (HwApplication *app,
           const char    *hub_id,
           const char    *page)
{
  HwConnection *connection = find_hub (app, hub_id);
  GtkWindow *window;

  g_application_activate (G_APPLICATION (app));
  if (connection != NULL)
    hw_application_select_hub (app, connection);
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  if (window == NULL || !HW_IS_WINDOW (window))
    return;
  hw_window_show_page (HW_WINDOW (window), page);
  gtk_window_present (window);
}

static void
open_chart_action (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  const char *hub_id, *metric;

  g_variant_get (parameter, "(&s&s)", &hub_id, &metric);
  /* The Metrics page shows the hub's rollups; alerts overlay them. */
  open_page (HW_APPLICATION (user_data), hub_id, "metrics");
}

static void
open_faults_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  open_page (HW_APPLICATION (user_data), g_variant_get_string (parameter, NULL), "faults");
}

static void
on_hubs_changed (GListModel *hubs,
                 guint       position,
                 guint       removed,
                 guint       added,
                 gpointer    user_data)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(HwConnection) connection = g_list_model_get_item (hubs, i);

      hw_alert_monitor_ensure (connection);
    }
}

void
hw_alert_monitor_watch_application (GtkWidget *widget)
{
  static const GActionEntry actions[] = {
    { "alert-open-chart", open_chart_action, "(ss)" },
    { "alert-open-faults", open_faults_action, "s" },
  };
  GtkRoot *root;
  GtkApplication *app = NULL;
  GListModel *hubs;

  g_return_if_fail (GTK_IS_WIDGET (widget));

  root = gtk_widget_get_root (widget);
  if (root != NULL && GTK_IS_WINDOW (root))
    app = gtk_window_get_application (GTK_WINDOW (root));
  if (app == NULL && HW_IS_APPLICATION (g_application_get_default ()))
    app = GTK_APPLICATION (g_application_get_default ());
  if (app == NULL || !HW_IS_APPLICATION (app) || g_object_get_data (G_OBJECT (app), WATCHED_KEY))
    return;
  g_object_set_data (G_OBJECT (app), WATCHED_KEY, GINT_TO_POINTER (TRUE));

  g_action_map_add_action_entries (G_ACTION_MAP (app), actions, G_N_ELEMENTS (actions), app);
  hubs = hw_application_get_hubs (HW_APPLICATION (app));
  g_signal_connect_object (hubs, "items-changed", G_CALLBACK (on_hubs_changed), app, 0);
  on_hubs_changed (hubs, 0, 0, g_list_model_get_n_items (hubs), NULL);
}

/* Life cycle -------------------------------------------------------------------------- */

static void
hw_alert_monitor_dispose (GObject *object)
{
  HwAlertMonitor *self = HW_ALERT_MONITOR (object);

  if (self->connection != NULL)
    {
      g_object_remove_weak_pointer (G_OBJECT (self->connection), (gpointer *) &self->connection);
      self->connection = NULL;
    }
  g_clear_object (&self->own_store);
  g_clear_object (&self->settings);
  if (self->notify_destroy != NULL)
    self->notify_destroy (self->notify_data);
  self->notify_destroy = NULL;
  self->notify_func = send_default;

  G_OBJECT_CLASS (hw_alert_monitor_parent_class)->dispose (object);
}

static void
hw_alert_monitor_finalize (GObject *object)
{
  HwAlertMonitor *self = HW_ALERT_MONITOR (object);

  hw_alert_engine_free (self->engine);
  g_ptr_array_unref (self->history);
  g_clear_pointer (&self->states, g_hash_table_unref);
  g_free (self->last_error);

  G_OBJECT_CLASS (hw_alert_monitor_parent_class)->finalize (object);
}

static void
hw_alert_monitor_class_init (HwAlertMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hw_alert_monitor_dispose;
  object_class->finalize = hw_alert_monitor_finalize;

  signals[HISTORY_CHANGED] = g_signal_new ("history-changed", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[EVALUATED] = g_signal_new ("evaluated", G_TYPE_FROM_CLASS (klass),
                                     G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
hw_alert_monitor_init (HwAlertMonitor *self)
{
  self->settings = g_settings_new ("io.github.hubwatch.Hubwatch");
  self->engine = hw_alert_engine_new ();
  self->history = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_alert_record_free);
  self->notify_func = send_default;
  g_signal_connect_object (self->settings, "changed", G_CALLBACK (on_settings_changed), self,
                           G_CONNECT_SWAPPED);
}
