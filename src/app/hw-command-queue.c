/* hw-command-queue.c: the console's side of the durable outbox of one hub
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "hw-application.h"
#include "hw-background.h"
#include "hw-command-queue-private.h"
#include "hw-error.h"
#include "hw-paths.h"

#define QUEUE_DATA_KEY "hw-command-queue"


enum {
  PROP_0,
  PROP_CAN_OPERATE,
  PROP_PERMISSION_REASON,
  N_PROPS
};

enum {
  SIGNAL_CHANGED,
  SIGNAL_INBOX_ADDED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (HwCommandQueue, hw_command_queue, G_TYPE_OBJECT)

void
hw_command_snapshot_free (HwCommandSnapshot *snapshot)
{
  if (snapshot == NULL)
    return;
  g_clear_pointer (&snapshot->outbox, g_ptr_array_unref);
  g_clear_pointer (&snapshot->inbox, g_ptr_array_unref);
  g_clear_pointer (&snapshot->jobs, g_ptr_array_unref);
  g_free (snapshot);
}

HwStateDb *
hw_command_queue_ensure_db (HwCommandQueue  *self,
                            GError         **error)
{
  if (self->db == NULL)
    self->db = hw_state_db_open (self->state_path, error);
  return self->db;
}

/* Permissions --------------------------------------------------------------- */

char *
hw_command_forbidden_reason (const char *hub_message)
{
  if (hub_message == NULL || *hub_message == '\0')
    return g_strdup (_("Your token’s role does not allow replays, resubmissions or cancelling jobs. An operator token is needed."));
  /* TRANSLATORS: %s is the hub's explanation, e.g. "POST /v1/replays needs the operator role; token 'ci' has viewer" */
  return g_strdup_printf (_("Your token’s role does not allow this: %s"), hub_message);
}

static void
set_permission (HwCommandQueue *self,
                gboolean        can_operate,
                const char     *reason)
{
  gboolean changed = FALSE;

  if (self->can_operate != can_operate)
    {
      self->can_operate = can_operate;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_OPERATE]);
      changed = TRUE;
    }
  if (g_strcmp0 (self->permission_reason, reason) != 0)
    {
      g_free (self->permission_reason);
      self->permission_reason = g_strdup (reason);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PERMISSION_REASON]);
      changed = TRUE;
    }
  if (changed)
    g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

void
hw_command_queue_set_forbidden (HwCommandQueue *self,
                                const char     *reason)
{
  g_return_if_fail (HW_IS_COMMAND_QUEUE (self));

  set_permission (self, FALSE, reason);
}

static void
on_probe_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(HwCommandQueue) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = NULL;

  answer = hw_hub_client_request_json_finish (HW_HUB_CLIENT (source), result, &error);
  if (g_error_matches (error, HW_ERROR, HW_ERROR_FORBIDDEN))
    {
      g_autofree char *reason = hw_command_forbidden_reason (error->message);

      set_permission (self, FALSE, reason);
      return;
    }
  /* Anything the role passed (a 400 for the missing listener) means the
   * token may start jobs; an unreachable hub tells nothing. */
  if (error == NULL || (!g_error_matches (error, HW_ERROR, HW_ERROR_UNAVAILABLE)
                        && !g_error_matches (error, HW_ERROR, HW_ERROR_UNAUTHORIZED)
                        && error->domain == HW_ERROR))
    set_permission (self, TRUE, NULL);
}

/* GET /v1/info does not name the token's role, so the queue asks the hub
 * with a dry run that cannot succeed: roles are checked before the body,
 * so a 403 means "not allowed" and the expected 400 means "allowed". Dry
 * runs start nothing. */
static void
probe_permission (HwCommandQueue *self)
{
  g_autoptr(JsonNode) body = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonObject) object = json_object_new ();

  if (self->client == NULL)
    return;
  json_object_set_boolean_member (object, "dry_run", TRUE);
  json_node_set_object (body, object);
  hw_hub_client_request_json_async (self->client, "POST", "/v1/replays", body, NULL, NULL,
                                    on_probe_done, g_object_ref (self));
}

/* Notifications and inbox ----------------------------------------------------- */

static const char *
outcome_title (HwInboxOutcome outcome)
{
  switch (outcome)
    {
    case HW_INBOX_OUTCOME_DONE:
      return _("Job done");
    case HW_INBOX_OUTCOME_CONFLICT:
      return _("Job conflict");
    case HW_INBOX_OUTCOME_FAILED:
    default:
      return _("Job failed");
    }
}

static void
announce (HwCommandQueue *self,
          HwInboxItem    *item)
{
  GApplication *app = g_application_get_default ();
  g_autofree char *notification_id = g_strdup_printf ("inbox-%" G_GINT64_FORMAT, item->id);

  g_signal_emit (self, signals[SIGNAL_INBOX_ADDED], 0, item->id, item->outcome, item->message);
  if (!self->notify || app == NULL)
    return;
  {
    g_autoptr(GNotification) notification = g_notification_new (outcome_title (item->outcome));

    if (item->message != NULL)
      g_notification_set_body (notification, item->message);
    if (item->outcome != HW_INBOX_OUTCOME_DONE)
      g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_HIGH);
    hw_application_notify (notification_id, notification);
  }
}

static void
on_inbox_snapshot (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  HwCommandQueue *self = HW_COMMAND_QUEUE (source);
  g_autoptr(HwCommandSnapshot) snapshot = NULL;

  snapshot = hw_command_queue_snapshot_finish (self, result, NULL);
  if (snapshot == NULL)
    return;
  /* Oldest first, so notifications arrive in the order things happened. */
  for (guint i = snapshot->inbox->len; i > 0; i--)
    {
      HwInboxItem *item = g_ptr_array_index (snapshot->inbox, i - 1);
      gint64 *id;

      /* Results from before this run were shown then; read ones need no news. */
      if (item->read || item->created_at_ms < self->started_ms
          || g_hash_table_contains (self->notified, &item->id))
        continue;
      id = g_new (gint64, 1);
      *id = item->id;
      g_hash_table_add (self->notified, id);
      announce (self, item);
    }
}

static void
on_inbox_changed (HwCommandQueue *self)
{
  hw_command_queue_snapshot_async (self, NULL, on_inbox_snapshot, NULL);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
on_sender_changed (HwCommandQueue *self)
{
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

/* The sender --------------------------------------------------------------- */

static gboolean
state_is_reachable (HwHubSyncState state)
{
  return state == HW_HUB_SYNC_STATE_SYNCING || state == HW_HUB_SYNC_STATE_ONLINE;
}

static void
drop_sender (HwCommandQueue *self)
{
  if (self->sender == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->sender, self);
  hw_outbox_sender_watch_sync (self->sender, NULL);
  hw_outbox_sender_stop (self->sender);
  g_clear_object (&self->sender);
}

/* The connection replaces its client and sync when its URL changes. */
void
hw_command_queue_ensure_sender (HwCommandQueue *self)
{
  HwHubClient *client = self->connection != NULL ? hw_connection_get_client (self->connection) : NULL;

  if (client == self->client && (self->sender != NULL || client == NULL))
    return;
  drop_sender (self);
  g_set_object (&self->client, client);
  self->last_state = HW_HUB_SYNC_STATE_OFFLINE;
  set_permission (self, TRUE, NULL);
  if (client == NULL)
    return;

  self->sender = hw_outbox_sender_new (client, self->hub_id, self->state_path);
  g_signal_connect_swapped (self->sender, "command-changed", G_CALLBACK (on_sender_changed), self);
  g_signal_connect_swapped (self->sender, "command-sent", G_CALLBACK (on_sender_changed), self);
  g_signal_connect_swapped (self->sender, "inbox-changed", G_CALLBACK (on_inbox_changed), self);
  hw_outbox_sender_watch_sync (self->sender, hw_connection_get_sync (self->connection));
}

void
hw_command_queue_emit_changed (HwCommandQueue *self)
{
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

void
hw_command_queue_kick (HwCommandQueue *self)
{
  g_return_if_fail (HW_IS_COMMAND_QUEUE (self));

  hw_command_queue_ensure_sender (self);
  if (self->sender != NULL && self->connection != NULL
      && state_is_reachable (hw_connection_get_state (self->connection)))
    hw_outbox_sender_hub_online (self->sender);
}

static void
on_connection_state (HwCommandQueue *self)
{
  HwHubSyncState state;

  hw_command_queue_ensure_sender (self);
  if (self->connection == NULL)
    return;
  state = hw_connection_get_state (self->connection);
  /* A token change goes through auth-failed or a retry: ask again each time
   * the hub comes back. */
  if (state_is_reachable (state) && !state_is_reachable (self->last_state))
    probe_permission (self);
  self->last_state = state;
}

/* Marking resubmitted faults in the cache ------------------------------------ */

typedef struct
{
  HwEventStore *store;
  char         *key;
  gint64        created_at_ms;
} MarkJob;

static void
mark_job_free (MarkJob *job)
{
  g_clear_object (&job->store);
  g_free (job->key);
  g_free (job);
}

static GPtrArray *
faults_of_body (HwEventStore *store,
                JsonObject   *body,
                gint64        before_ms)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  JsonArray *fault_ids = hw_json_member_array (body, "fault_ids");
  JsonObject *group = hw_json_member_object (body, "group");

  if (fault_ids != NULL)
    {
      for (guint i = 0; i < json_array_get_length (fault_ids); i++)
        g_ptr_array_add (ids, g_strdup (json_array_get_string_element (fault_ids, i)));
    }
  else if (group != NULL)
    {
      HwFaultFilter filter = { 0 };
      g_autoptr(GPtrArray) rows = NULL;

      filter.functionname = json_object_get_string_member_with_default (group, "functionname", NULL);
      filter.pipeline = json_object_get_string_member_with_default (group, "pipeline", NULL);
      filter.err_message = json_object_get_string_member_with_default (group, "message", NULL);
      filter.state = HW_FAULT_STATE_NEW;
      /* Faults raised after the job started were not part of it. */
      filter.to_ms = before_ms + 1;
      rows = hw_event_store_list_faults (store, &filter, 100000, NULL, NULL);
      for (guint i = 0; rows != NULL && i < rows->len; i++)
        g_ptr_array_add (ids, g_strdup (((HwFaultRow *) g_ptr_array_index (rows, i))->id));
    }
  g_ptr_array_add (ids, NULL);
  return ids;
}

static void
mark_in_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  HwCommandQueue *self = source;
  MarkJob *job = task_data;
  g_autoptr(HwOutboxCommand) command = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GError) error = NULL;
  guint n_marked = 0;

  {
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->db_lock);

    if (hw_command_queue_ensure_db (self, &error) != NULL)
      command = hw_state_db_outbox_get (self->db, job->key, NULL);
  }
  if (command == NULL || (node = json_from_string (command->body, NULL)) == NULL
      || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_task_return_boolean (task, FALSE);
      return;
    }
  ids = faults_of_body (job->store, json_node_get_object (node), job->created_at_ms);
  if (ids->len > 1)
    hw_event_store_mark_resubmitted (job->store, (const char * const *) ids->pdata,
                                     g_get_real_time () / 1000, &n_marked, NULL);
  g_task_return_boolean (task, n_marked > 0);
}

static void
on_marked (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  if (g_task_propagate_boolean (G_TASK (result), NULL))
    g_signal_emit (source, signals[SIGNAL_CHANGED], 0);
}

/* A resubmission this console queued is done without failures: every fault
 * it covered reached its function, so the cache shows them resubmitted. */
static void
mark_finished_resubmissions (HwCommandQueue *self)
{
  HwHubSync *sync = hw_connection_get_sync (self->connection);
  HwEventStore *store = hw_connection_get_store (self->connection);
  GPtrArray *jobs = sync != NULL ? hw_hub_sync_get_jobs (sync) : NULL;

  for (guint i = 0; store != NULL && jobs != NULL && i < jobs->len; i++)
    {
      HwHubJob *job = g_ptr_array_index (jobs, i);
      g_autoptr(GTask) task = NULL;
      MarkJob *mark;

      if (g_strcmp0 (job->kind, "resubmission") != 0 || g_strcmp0 (job->state, "done") != 0
          || job->failed > 0 || job->idempotency_key == NULL
          || g_hash_table_contains (self->marked_jobs, job->id))
        continue;
      g_hash_table_add (self->marked_jobs, g_strdup (job->id));
      mark = g_new0 (MarkJob, 1);
      mark->store = g_object_ref (store);
      mark->key = g_strdup (job->idempotency_key);
      mark->created_at_ms = job->created_at_ms;
      task = g_task_new (self, NULL, on_marked, NULL);
      g_task_set_source_tag (task, mark_finished_resubmissions);
      g_task_set_task_data (task, mark, (GDestroyNotify) mark_job_free);
      hw_background_run_task (task, mark_in_thread);
    }
}

static void
on_connection_changed (HwCommandQueue *self,
                       guint           changes)
{
  hw_command_queue_ensure_sender (self);
  if (changes & HW_HUB_SYNC_CHANGED_JOBS)
    {
      mark_finished_resubmissions (self);
      g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
    }
}

HwConnection *
hw_command_queue_get_connection (HwCommandQueue *self)
{
  g_return_val_if_fail (HW_IS_COMMAND_QUEUE (self), NULL);

  return self->connection;
}

const char *
hw_command_queue_get_hub_id (HwCommandQueue *self)
{
  g_return_val_if_fail (HW_IS_COMMAND_QUEUE (self), NULL);

  hw_command_queue_ensure_sender (self);
  return self->hub_id;
}

gboolean
hw_command_queue_get_can_operate (HwCommandQueue *self)
{
  g_return_val_if_fail (HW_IS_COMMAND_QUEUE (self), FALSE);

  return self->can_operate;
}

const char *
hw_command_queue_get_permission_reason (HwCommandQueue *self)
{
  g_return_val_if_fail (HW_IS_COMMAND_QUEUE (self), NULL);

  return self->permission_reason;
}

void
hw_command_queue_set_notify (HwCommandQueue *self,
                             gboolean        notify)
{
  g_return_if_fail (HW_IS_COMMAND_QUEUE (self));

  self->notify = notify;
}

HwCommandQueue *
hw_command_queue_get (HwConnection *connection)
{
  HwCommandQueue *self;

  g_return_val_if_fail (HW_IS_CONNECTION (connection), NULL);

  self = g_object_get_data (G_OBJECT (connection), QUEUE_DATA_KEY);
  if (self != NULL)
    return self;

  self = g_object_new (HW_TYPE_COMMAND_QUEUE, NULL);
  self->connection = connection;
  /* The connection's id, not its URL: a hub that moves to another address
   * keeps its queued commands. */
  self->hub_id = g_strdup (hw_connection_get_id (connection));
  g_object_add_weak_pointer (G_OBJECT (connection), (gpointer *) &self->connection);
  g_object_set_data_full (G_OBJECT (connection), QUEUE_DATA_KEY, self, g_object_unref);
  g_signal_connect_object (connection, "changed", G_CALLBACK (on_connection_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (connection, "notify::state", G_CALLBACK (on_connection_state), self,
                           G_CONNECT_SWAPPED);
  hw_command_queue_ensure_sender (self);
  on_connection_state (self);
  return self;
}

/* Life cycle ----------------------------------------------------------------- */

static void
hw_command_queue_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  HwCommandQueue *self = HW_COMMAND_QUEUE (object);

  switch (prop_id)
    {
    case PROP_CAN_OPERATE:
      g_value_set_boolean (value, self->can_operate);
      break;
    case PROP_PERMISSION_REASON:
      g_value_set_string (value, self->permission_reason);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hw_command_queue_dispose (GObject *object)
{
  HwCommandQueue *self = HW_COMMAND_QUEUE (object);

  drop_sender (self);
  g_clear_object (&self->client);
  if (self->connection != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->connection), (gpointer *) &self->connection);
  self->connection = NULL;

  G_OBJECT_CLASS (hw_command_queue_parent_class)->dispose (object);
}

static void
hw_command_queue_finalize (GObject *object)
{
  HwCommandQueue *self = HW_COMMAND_QUEUE (object);

  g_clear_pointer (&self->db, hw_state_db_close);
  g_mutex_clear (&self->db_lock);
  g_free (self->hub_id);
  g_free (self->state_path);
  g_free (self->permission_reason);
  g_hash_table_unref (self->notified);
  g_hash_table_unref (self->marked_jobs);

  G_OBJECT_CLASS (hw_command_queue_parent_class)->finalize (object);
}

static void
hw_command_queue_class_init (HwCommandQueueClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = hw_command_queue_get_property;
  object_class->dispose = hw_command_queue_dispose;
  object_class->finalize = hw_command_queue_finalize;

  properties[PROP_CAN_OPERATE] =
    g_param_spec_boolean ("can-operate", NULL, NULL, TRUE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PERMISSION_REASON] =
    g_param_spec_string ("permission-reason", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_INBOX_ADDED] = g_signal_new ("inbox-added", G_TYPE_FROM_CLASS (klass),
                                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                              G_TYPE_NONE, 3, G_TYPE_INT64, G_TYPE_INT,
                                              G_TYPE_STRING);
}

static void
hw_command_queue_init (HwCommandQueue *self)
{
  g_mutex_init (&self->db_lock);
  self->state_path = hw_paths_state_file ();
  self->can_operate = TRUE;
  self->notify = TRUE;
  self->last_state = HW_HUB_SYNC_STATE_OFFLINE;
  /* Inbox items of this run only are news; a little slack for clock steps. */
  self->started_ms = g_get_real_time () / 1000 - 1000;
  self->notified = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->marked_jobs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}
