/* hw-outbox-sender.c: drains one hub's outbox: claim, POST with the key, record the answer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-background.h"
#include "hw-error.h"
#include "hw-outbox-sender-private.h"

G_DEFINE_FINAL_TYPE (HwOutboxSender, hw_outbox_sender, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CLIENT,
  PROP_HUB_ID,
  PROP_STATE_PATH,
  PROP_BUSY,
  PROP_LAST_ERROR,
  N_PROPS
};

enum {
  SIGNAL_COMMAND_CHANGED,
  SIGNAL_COMMAND_SENT,
  SIGNAL_INBOX_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

typedef enum
{
  OUTCOME_ACKNOWLEDGED,
  OUTCOME_CONFLICT,
  OUTCOME_FAILED,
  OUTCOME_RELEASE,
} Outcome;

/* One command on its way: what was claimed and what the hub said. */
typedef struct
{
  HwOutboxSender  *sender;       /* strong: the request in flight keeps it */
  HwOutboxCommand *command;
  Outcome          outcome;
  char            *message;
  HwHubJob        *job;
  gboolean         inbox_is_new;
} Delivery;

static void
delivery_free (Delivery *delivery)
{
  g_clear_object (&delivery->sender);
  g_clear_pointer (&delivery->command, hw_outbox_command_free);
  g_clear_pointer (&delivery->job, hw_hub_job_free);
  g_free (delivery->message);
  g_free (delivery);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Delivery, delivery_free)

static void drain_next (HwOutboxSender *self);

/* ---- state ------------------------------------------------------------- */

static void
set_busy (HwOutboxSender *self,
          gboolean        busy)
{
  if (self->busy == busy)
    return;
  self->busy = busy;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

void
hw_outbox_sender_set_last_error (HwOutboxSender *self,
                                 const char     *message)
{
  if (g_strcmp0 (self->last_error, message) == 0)
    return;
  g_free (self->last_error);
  self->last_error = g_strdup (message);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_ERROR]);
}

void
hw_outbox_sender_emit_inbox_changed (HwOutboxSender *self)
{
  g_signal_emit (self, signals[SIGNAL_INBOX_CHANGED], 0);
}

static void
finish_drain (HwOutboxSender *self,
              const char     *error_message)
{
  hw_outbox_sender_set_last_error (self, error_message);
  if (self->drain_again && !g_cancellable_is_cancelled (self->drain_cancellable))
    {
      self->drain_again = FALSE;
      drain_next (self);
      return;
    }
  self->drain_again = FALSE;
  g_clear_object (&self->drain_cancellable);
  set_busy (self, FALSE);
}

HwStateDb *
hw_outbox_sender_ensure_db (HwOutboxSender  *self,
                            GError         **error)
{
  if (self->db == NULL)
    self->db = hw_state_db_open (self->state_path, error);
  return self->db;
}

/* ---- recording an answer ----------------------------------------------- */

static gboolean
record_outcome (HwOutboxSender  *self,
                Delivery        *delivery,
                GError         **error)
{
  const char *key = delivery->command->key;

  switch (delivery->outcome)
    {
    case OUTCOME_ACKNOWLEDGED:
      if (!hw_state_db_outbox_mark_acknowledged (self->db, key, delivery->job->id, error))
        return FALSE;
      return hw_outbox_sender_record_job (self, delivery->job, key, &delivery->inbox_is_new, error);

    case OUTCOME_CONFLICT:
      delivery->inbox_is_new = TRUE;
      return hw_state_db_outbox_mark_conflict (self->db, key, delivery->message, error);

    case OUTCOME_FAILED:
      delivery->inbox_is_new = TRUE;
      return hw_state_db_outbox_mark_failed (self->db, key, delivery->message, error);

    case OUTCOME_RELEASE:
      return hw_state_db_outbox_release (self->db, key, delivery->message, error);

    default:
      g_assert_not_reached ();
    }
}

static void
record_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  HwOutboxSender *self = source_object;
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->db_lock);
  GError *error = NULL;

  if (hw_outbox_sender_ensure_db (self, &error) == NULL || !record_outcome (self, task_data, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static HwCommandState
outcome_state (Outcome outcome)
{
  switch (outcome)
    {
    case OUTCOME_ACKNOWLEDGED: return HW_COMMAND_STATE_ACKNOWLEDGED;
    case OUTCOME_CONFLICT: return HW_COMMAND_STATE_CONFLICT;
    case OUTCOME_FAILED: return HW_COMMAND_STATE_FAILED;
    case OUTCOME_RELEASE: return HW_COMMAND_STATE_QUEUED;
    default: g_assert_not_reached ();
    }
}

static void
on_recorded (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  HwOutboxSender *self = HW_OUTBOX_SENDER (source);
  Delivery *delivery = g_task_get_task_data (G_TASK (result));
  const char *key = delivery->command->key;
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      /* The row stays in sending; reopening the database requeues it. */
      g_autofree char *message = g_strdup_printf ("Outbox command %s: %s", key, error->message);

      finish_drain (self, message);
      return;
    }

  g_signal_emit (self, signals[SIGNAL_COMMAND_CHANGED], 0, key, (guint) outcome_state (delivery->outcome));
  if (delivery->outcome == OUTCOME_ACKNOWLEDGED)
    g_signal_emit (self, signals[SIGNAL_COMMAND_SENT], 0, key, delivery->job->id);
  if (delivery->inbox_is_new)
    hw_outbox_sender_emit_inbox_changed (self);

  if (delivery->outcome == OUTCOME_RELEASE)
    {
      finish_drain (self, delivery->message);
      return;
    }
  drain_next (self);
}

static void
record (HwOutboxSender *self,
        Delivery       *delivery)
{
  /* No cancellable: once the hub answered, its answer must be kept. */
  g_autoptr(GTask) task = g_task_new (self, NULL, on_recorded, NULL);

  g_task_set_source_tag (task, record);
  g_task_set_task_data (task, delivery, (GDestroyNotify) delivery_free);
  hw_background_run_task (task, record_thread);
}

/* ---- sending ----------------------------------------------------------- */

/* A transient failure keeps the command for the next attempt: the same key
 * makes the retry safe even if this request did reach the hub. */
static Outcome
classify_error (const GError *error)
{
  if (error->domain != HW_ERROR)
    return OUTCOME_RELEASE;   /* cancelled, TLS refusal, I/O */
  switch ((HwErrorCode) error->code)
    {
    case HW_ERROR_CONFLICT:
      return OUTCOME_CONFLICT;
    case HW_ERROR_UNAVAILABLE:
    case HW_ERROR_RATE_LIMITED:
    case HW_ERROR_PROTOCOL:
      return OUTCOME_RELEASE;
    default:
      return OUTCOME_FAILED;
    }
}

static void
classify_answer (Delivery          *delivery,
                 HwHubSubmitResult *answer)
{
  HwHubJob *job = answer->job;

  delivery->job = g_steal_pointer (&answer->job);
  /* The hub only resubmits faults not resubmitted yet: a group that comes
   * back empty was handled by someone else in the meantime. */
  if (delivery->command->kind == HW_COMMAND_KIND_RESUBMISSION && job->total == 0)
    {
      delivery->outcome = OUTCOME_CONFLICT;
      delivery->message = g_strdup_printf ("Nothing was resubmitted (job %s): the faults were already "
                                           "resubmitted", job->id);
      return;
    }
  delivery->outcome = OUTCOME_ACKNOWLEDGED;
}

static void
on_submitted (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(Delivery) delivery = user_data;
  HwOutboxSender *self = delivery->sender;
  g_autoptr(HwHubSubmitResult) answer = NULL;
  g_autoptr(GError) error = NULL;

  answer = hw_hub_client_submit_finish (HW_HUB_CLIENT (source), result, &error);
  if (answer != NULL && answer->job != NULL)
    classify_answer (delivery, answer);
  else if (answer != NULL)
    {
      delivery->outcome = OUTCOME_RELEASE;
      delivery->message = g_strdup ("The hub answered with a dry run instead of a job");
    }
  else
    {
      delivery->outcome = classify_error (error);
      delivery->message = g_strdup (error->message);
    }
  record (self, g_steal_pointer (&delivery));
}

static JsonObject *
parse_body (const char  *body,
            GError     **error)
{
  g_autoptr(JsonNode) node = json_from_string (body, error);

  if (node == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON, "the stored request is not a JSON object");
      return NULL;
    }
  return json_object_ref (json_node_get_object (node));
}

static void
send_command (HwOutboxSender  *self,
              HwOutboxCommand *command)
{
  g_autoptr(Delivery) delivery = g_new0 (Delivery, 1);
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GError) error = NULL;
  HwHubSubmitKind kind;

  delivery->sender = g_object_ref (self);
  delivery->command = command;
  if ((body = parse_body (command->body, &error)) == NULL)
    {
      delivery->outcome = OUTCOME_FAILED;
      delivery->message = g_strdup_printf ("Cannot send command %s: %s", command->key, error->message);
      record (self, g_steal_pointer (&delivery));
      return;
    }
  kind = command->kind == HW_COMMAND_KIND_REPLAY ? HW_HUB_SUBMIT_REPLAY : HW_HUB_SUBMIT_RESUBMISSION;
  hw_hub_client_submit_async (self->client, kind, body, FALSE, command->key, self->drain_cancellable,
                              on_submitted, g_steal_pointer (&delivery));
}

/* ---- claiming ---------------------------------------------------------- */

static void
claim_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  HwOutboxSender *self = source_object;
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->db_lock);
  HwOutboxCommand *command;
  GError *error = NULL;

  if (hw_outbox_sender_ensure_db (self, &error) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  command = hw_state_db_outbox_claim_next (self->db, self->hub_id, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, command, (GDestroyNotify) hw_outbox_command_free);
}

static void
on_claimed (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  HwOutboxSender *self = HW_OUTBOX_SENDER (source);
  g_autoptr(GError) error = NULL;
  HwOutboxCommand *command = g_task_propagate_pointer (G_TASK (result), &error);

  if (error != NULL)
    {
      finish_drain (self, error->message);
      return;
    }
  if (command == NULL)
    {
      finish_drain (self, NULL);
      return;
    }
  if (g_cancellable_is_cancelled (self->drain_cancellable))
    {
      Delivery *delivery = g_new0 (Delivery, 1);

      delivery->sender = g_object_ref (self);
      delivery->command = command;
      delivery->outcome = OUTCOME_RELEASE;
      delivery->message = g_strdup ("Sending was stopped");
      record (self, delivery);
      return;
    }
  send_command (self, command);
}

static void
drain_next (HwOutboxSender *self)
{
  g_autoptr(GTask) task = NULL;

  if (g_cancellable_is_cancelled (self->drain_cancellable))
    {
      finish_drain (self, "Sending was stopped");
      return;
    }
  task = g_task_new (self, NULL, on_claimed, NULL);
  g_task_set_source_tag (task, drain_next);
  hw_background_run_task (task, claim_thread);
}

void
hw_outbox_sender_hub_online (HwOutboxSender *self)
{
  g_return_if_fail (HW_IS_OUTBOX_SENDER (self));

  if (self->busy)
    {
      self->drain_again = TRUE;
      return;
    }
  self->drain_cancellable = g_cancellable_new ();
  set_busy (self, TRUE);
  drain_next (self);
}

void
hw_outbox_sender_stop (HwOutboxSender *self)
{
  g_return_if_fail (HW_IS_OUTBOX_SENDER (self));

  /* The drain ends at its next step; the request in flight is cancelled
   * and its command released. */
  if (self->drain_cancellable != NULL)
    g_cancellable_cancel (self->drain_cancellable);
}

/* ---- following a sync -------------------------------------------------- */

static void
on_sync_state (HwHubSync      *sync,
               GParamSpec     *pspec,
               HwOutboxSender *self)
{
  HwHubSyncState state = hw_hub_sync_get_state (sync);

  if (state == HW_HUB_SYNC_STATE_SYNCING || state == HW_HUB_SYNC_STATE_ONLINE)
    hw_outbox_sender_hub_online (self);
}

static void
on_sync_changed (HwHubSync        *sync,
                 HwHubSyncChanges  what,
                 HwOutboxSender   *self)
{
  GPtrArray *jobs;

  if ((what & HW_HUB_SYNC_CHANGED_JOBS) == 0)
    return;
  jobs = hw_hub_sync_get_jobs (sync);
  if (jobs != NULL)
    hw_outbox_sender_update_jobs (self, jobs);
}

void
hw_outbox_sender_watch_sync (HwOutboxSender *self,
                             HwHubSync      *sync)
{
  g_return_if_fail (HW_IS_OUTBOX_SENDER (self));
  g_return_if_fail (sync == NULL || HW_IS_HUB_SYNC (sync));

  if (self->sync == sync)
    return;
  if (self->sync != NULL)
    g_signal_handlers_disconnect_by_data (self->sync, self);
  g_set_object (&self->sync, sync);
  if (sync == NULL)
    return;
  g_signal_connect_object (sync, "notify::state", G_CALLBACK (on_sync_state), self, 0);
  g_signal_connect_object (sync, "changed", G_CALLBACK (on_sync_changed), self, 0);
  on_sync_state (sync, NULL, self);
}

/* ---- GObject ----------------------------------------------------------- */

HwOutboxSender *
hw_outbox_sender_new (HwHubClient *client,
                      const char  *hub_id,
                      const char  *state_path)
{
  g_return_val_if_fail (HW_IS_HUB_CLIENT (client), NULL);
  g_return_val_if_fail (state_path != NULL, NULL);

  return g_object_new (HW_TYPE_OUTBOX_SENDER,
                       "client", client,
                       "hub-id", hub_id,
                       "state-path", state_path,
                       NULL);
}

HwHubClient *
hw_outbox_sender_get_client (HwOutboxSender *self)
{
  g_return_val_if_fail (HW_IS_OUTBOX_SENDER (self), NULL);
  return self->client;
}

const char *
hw_outbox_sender_get_hub_id (HwOutboxSender *self)
{
  g_return_val_if_fail (HW_IS_OUTBOX_SENDER (self), NULL);
  return self->hub_id;
}

const char *
hw_outbox_sender_get_state_path (HwOutboxSender *self)
{
  g_return_val_if_fail (HW_IS_OUTBOX_SENDER (self), NULL);
  return self->state_path;
}

gboolean
hw_outbox_sender_get_busy (HwOutboxSender *self)
{
  g_return_val_if_fail (HW_IS_OUTBOX_SENDER (self), FALSE);
  return self->busy;
}

const char *
hw_outbox_sender_get_last_error (HwOutboxSender *self)
{
  g_return_val_if_fail (HW_IS_OUTBOX_SENDER (self), NULL);
  return self->last_error;
}

static void
hw_outbox_sender_constructed (GObject *object)
{
  HwOutboxSender *self = HW_OUTBOX_SENDER (object);

  G_OBJECT_CLASS (hw_outbox_sender_parent_class)->constructed (object);

  g_assert (self->client != NULL);
  g_assert (self->state_path != NULL);
  if (self->hub_id == NULL)
    self->hub_id = g_strdup (hw_hub_client_get_base_url (self->client));
}

static void
hw_outbox_sender_dispose (GObject *object)
{
  HwOutboxSender *self = HW_OUTBOX_SENDER (object);

  if (self->sync != NULL)
    g_signal_handlers_disconnect_by_data (self->sync, self);
  g_clear_object (&self->sync);

  G_OBJECT_CLASS (hw_outbox_sender_parent_class)->dispose (object);
}

static void
hw_outbox_sender_finalize (GObject *object)
{
  HwOutboxSender *self = HW_OUTBOX_SENDER (object);

  /* Every task holds a reference, so no worker uses the connection now. */
  g_clear_pointer (&self->db, hw_state_db_close);
  g_mutex_clear (&self->db_lock);
  g_clear_object (&self->drain_cancellable);
  g_clear_object (&self->client);
  g_free (self->hub_id);
  g_free (self->state_path);
  g_free (self->last_error);

  G_OBJECT_CLASS (hw_outbox_sender_parent_class)->finalize (object);
}

static void
hw_outbox_sender_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  HwOutboxSender *self = HW_OUTBOX_SENDER (object);

  switch (prop_id)
    {
    case PROP_CLIENT: g_value_set_object (value, self->client); break;
    case PROP_HUB_ID: g_value_set_string (value, self->hub_id); break;
    case PROP_STATE_PATH: g_value_set_string (value, self->state_path); break;
    case PROP_BUSY: g_value_set_boolean (value, self->busy); break;
    case PROP_LAST_ERROR: g_value_set_string (value, self->last_error); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hw_outbox_sender_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  HwOutboxSender *self = HW_OUTBOX_SENDER (object);

  switch (prop_id)
    {
    case PROP_CLIENT: self->client = g_value_dup_object (value); break;
    case PROP_HUB_ID: self->hub_id = g_value_dup_string (value); break;
    case PROP_STATE_PATH: self->state_path = g_value_dup_string (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hw_outbox_sender_class_init (HwOutboxSenderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = hw_outbox_sender_constructed;
  object_class->dispose = hw_outbox_sender_dispose;
  object_class->finalize = hw_outbox_sender_finalize;
  object_class->get_property = hw_outbox_sender_get_property;
  object_class->set_property = hw_outbox_sender_set_property;

  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL, HW_TYPE_HUB_CLIENT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HUB_ID] =
    g_param_spec_string ("hub-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE_PATH] =
    g_param_spec_string ("state-path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LAST_ERROR] =
    g_param_spec_string ("last-error", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_COMMAND_CHANGED] =
    g_signal_new ("command-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_UINT);
  signals[SIGNAL_COMMAND_SENT] =
    g_signal_new ("command-sent", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  signals[SIGNAL_INBOX_CHANGED] =
    g_signal_new ("inbox-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
hw_outbox_sender_init (HwOutboxSender *self)
{
  g_mutex_init (&self->db_lock);
}
