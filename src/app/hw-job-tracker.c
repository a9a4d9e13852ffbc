/* hw-job-tracker.c: follows one queued command to its hub job and the job to its end
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "hw-error.h"
#include "hw-job-tracker.h"

#define POLL_INTERVAL_MS 1000

struct _HwJobTracker
{
  GObject          parent_instance;

  HwCommandQueue  *queue;
  char            *key;
  HwCommandState   command_state;
  char            *job_id;
  HwHubJob        *job;
  char            *message;
  GCancellable    *cancellable;
  guint            poll_id;
  gboolean         reading;
  gboolean         job_request;
};

enum {
  SIGNAL_UPDATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (HwJobTracker, hw_job_tracker, G_TYPE_OBJECT)

const char *
hw_job_state_describe (const char *state)
{
  if (g_strcmp0 (state, "queued") == 0)
    return _("Waiting on the hub");
  if (g_strcmp0 (state, "running") == 0)
    return _("Running");
  if (g_strcmp0 (state, "done") == 0)
    return _("Done");
  if (g_strcmp0 (state, "failed") == 0)
    return _("Failed");
  if (g_strcmp0 (state, "cancelling") == 0)
    return _("Cancelling");
  if (g_strcmp0 (state, "cancelled") == 0)
    return _("Cancelled");
  return state != NULL ? state : _("Unknown");
}

gboolean
hw_job_state_is_final (const char *state)
{
  return g_strcmp0 (state, "done") == 0 || g_strcmp0 (state, "failed") == 0
         || g_strcmp0 (state, "cancelled") == 0;
}

static gboolean
command_is_final (HwCommandState state)
{
  return state == HW_COMMAND_STATE_FAILED || state == HW_COMMAND_STATE_CONFLICT
         || state == HW_COMMAND_STATE_CANCELLED;
}

gboolean
hw_job_tracker_is_finished (HwJobTracker *self)
{
  g_return_val_if_fail (HW_IS_JOB_TRACKER (self), FALSE);

  return command_is_final (self->command_state)
         || (self->job != NULL && hw_job_state_is_final (self->job->state));
}

static gboolean
hub_reachable (HwJobTracker *self)
{
  HwConnection *connection = hw_command_queue_get_connection (self->queue);
  HwHubSyncState state;

  if (connection == NULL || hw_connection_get_client (connection) == NULL)
    return FALSE;
  state = hw_connection_get_state (connection);
  return state == HW_HUB_SYNC_STATE_SYNCING || state == HW_HUB_SYNC_STATE_ONLINE;
}

static void
set_job (HwJobTracker   *self,
         const HwHubJob *job)
{
  g_clear_pointer (&self->job, hw_hub_job_free);
  self->job = hw_hub_job_copy (job);
  if (self->job->raw != NULL && json_object_has_member (self->job->raw, "error"))
    {
      g_free (self->message);
      self->message = g_strdup (json_object_get_string_member_with_default (self->job->raw, "error", NULL));
    }
}

/* Offline the sync's last snapshot (from its cache) is all there is. */
static gboolean
job_from_sync (HwJobTracker *self)
{
  HwConnection *connection = hw_command_queue_get_connection (self->queue);
  HwHubSync *sync = connection != NULL ? hw_connection_get_sync (connection) : NULL;
  GPtrArray *jobs = sync != NULL ? hw_hub_sync_get_jobs (sync) : NULL;

  for (guint i = 0; jobs != NULL && i < jobs->len; i++)
    {
      HwHubJob *job = g_ptr_array_index (jobs, i);

      if (g_strcmp0 (job->id, self->job_id) == 0)
        {
          set_job (self, job);
          return TRUE;
        }
    }
  return FALSE;
}

static void
on_job (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(HwJobTracker) self = user_data;
  g_autoptr(HwHubJob) job = NULL;
  g_autoptr(GError) error = NULL;

  self->job_request = FALSE;
  job = hw_hub_client_get_job_finish (HW_HUB_CLIENT (source), result, &error);
  if (job == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && job_from_sync (self))
        g_signal_emit (self, signals[SIGNAL_UPDATED], 0);
      return;
    }
  set_job (self, job);
  g_signal_emit (self, signals[SIGNAL_UPDATED], 0);
}

static gboolean
poll_job (gpointer user_data)
{
  HwJobTracker *self = user_data;
  HwConnection *connection = hw_command_queue_get_connection (self->queue);

  if (self->job_id == NULL || hw_job_tracker_is_finished (self))
    {
      self->poll_id = 0;
      return G_SOURCE_REMOVE;
    }
  if (self->job_request)
    return G_SOURCE_CONTINUE;
  if (!hub_reachable (self))
    {
      if (job_from_sync (self))
        g_signal_emit (self, signals[SIGNAL_UPDATED], 0);
      return G_SOURCE_CONTINUE;
    }
  self->job_request = TRUE;
  hw_hub_client_get_job_async (hw_connection_get_client (connection), self->job_id, self->cancellable,
                               on_job, g_object_ref (self));
  return G_SOURCE_CONTINUE;
}

static void
on_command (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(HwJobTracker) self = user_data;
  g_autoptr(HwOutboxCommand) command = NULL;
  g_autoptr(GError) error = NULL;

  self->reading = FALSE;
  command = hw_command_queue_get_command_finish (HW_COMMAND_QUEUE (source), result, &error);
  if (command == NULL)
    return;
  self->command_state = command->state;
  if (command_is_final (command->state) || command->state == HW_COMMAND_STATE_QUEUED)
    {
      g_free (self->message);
      self->message = g_strdup (command->last_error);
    }
  if (command->job_id != NULL && self->job_id == NULL)
    {
      self->job_id = g_strdup (command->job_id);
      poll_job (self);
      if (self->poll_id == 0 && !hw_job_tracker_is_finished (self))
        self->poll_id = g_timeout_add (POLL_INTERVAL_MS, poll_job, self);
    }
  g_signal_emit (self, signals[SIGNAL_UPDATED], 0);
}

static void
read_command (HwJobTracker *self)
{
  if (self->reading)
    return;
  self->reading = TRUE;
  hw_command_queue_get_command_async (self->queue, self->key, self->cancellable, on_command,
                                      g_object_ref (self));
}

HwJobTracker *
hw_job_tracker_new (HwCommandQueue *queue,
                    const char     *key)
{
  HwJobTracker *self;

  g_return_val_if_fail (HW_IS_COMMAND_QUEUE (queue), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  self = g_object_new (HW_TYPE_JOB_TRACKER, NULL);
  self->queue = g_object_ref (queue);
  self->key = g_strdup (key);
  g_signal_connect_object (queue, "changed", G_CALLBACK (read_command), self, G_CONNECT_SWAPPED);
  read_command (self);
  return self;
}

const char *
hw_job_tracker_get_key (HwJobTracker *self)
{
  g_return_val_if_fail (HW_IS_JOB_TRACKER (self), NULL);

  return self->key;
}

HwCommandState
hw_job_tracker_get_command_state (HwJobTracker *self)
{
  g_return_val_if_fail (HW_IS_JOB_TRACKER (self), HW_COMMAND_STATE_QUEUED);

  return self->command_state;
}

const HwHubJob *
hw_job_tracker_get_job (HwJobTracker *self)
{
  g_return_val_if_fail (HW_IS_JOB_TRACKER (self), NULL);

  return self->job;
}

const char *
hw_job_tracker_get_message (HwJobTracker *self)
{
  g_return_val_if_fail (HW_IS_JOB_TRACKER (self), NULL);

  return self->message;
}

char *
hw_job_tracker_dup_status (HwJobTracker *self)
{
  g_return_val_if_fail (HW_IS_JOB_TRACKER (self), NULL);

  if (self->job != NULL)
    return g_strdup (hw_job_state_describe (self->job->state));
  switch (self->command_state)
    {
    case HW_COMMAND_STATE_QUEUED:
      return g_strdup (_("Queued in the outbox: it is sent as soon as the hub is reachable"));
    case HW_COMMAND_STATE_SENDING:
    case HW_COMMAND_STATE_SENT:
      return g_strdup (_("Sending to the hub…"));
    case HW_COMMAND_STATE_ACKNOWLEDGED:
      return g_strdup (_("Accepted by the hub"));
    case HW_COMMAND_STATE_FAILED:
      return g_strdup (_("Failed"));
    case HW_COMMAND_STATE_CANCELLED:
      return g_strdup (_("Cancelled before it was sent"));
    case HW_COMMAND_STATE_CONFLICT:
    default:
      return g_strdup (_("Conflict"));
    }
}

double
hw_job_tracker_get_fraction (HwJobTracker *self)
{
  g_return_val_if_fail (HW_IS_JOB_TRACKER (self), 0);

  if (self->job == NULL || self->job->total <= 0)
    return self->job != NULL && g_strcmp0 (self->job->state, "done") == 0 ? 1.0 : 0.0;
  return CLAMP ((double) (self->job->acked + self->job->failed) / self->job->total, 0.0, 1.0);
}

static void
on_job_cancelled (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HwJobTracker *self = g_task_get_source_object (task);
  g_autoptr(HwHubJob) job = NULL;
  GError *error = NULL;

  job = hw_hub_client_cancel_job_finish (HW_HUB_CLIENT (source), result, &error);
  if (job == NULL)
    {
      if (g_error_matches (error, HW_ERROR, HW_ERROR_FORBIDDEN))
        {
          g_autofree char *reason = hw_command_forbidden_reason (error->message);

          hw_command_queue_set_forbidden (self->queue, reason);
        }
      g_task_return_error (task, error);
      return;
    }
  set_job (self, job);
  g_signal_emit (self, signals[SIGNAL_UPDATED], 0);
  g_task_return_boolean (task, TRUE);
}

static void
on_command_cancelled (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!hw_command_queue_edit_finish (HW_COMMAND_QUEUE (source), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
hw_job_tracker_cancel_async (HwJobTracker        *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  HwConnection *connection;
  GTask *task;

  g_return_if_fail (HW_IS_JOB_TRACKER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hw_job_tracker_cancel_async);
  connection = hw_command_queue_get_connection (self->queue);
  if (self->job_id == NULL)
    {
      hw_command_queue_edit_async (self->queue, HW_COMMAND_EDIT_CANCEL, self->key, NULL, cancellable,
                                   on_command_cancelled, task);
      return;
    }
  if (connection == NULL || hw_connection_get_client (connection) == NULL)
    {
      g_task_return_new_error (task, HW_ERROR, HW_ERROR_UNAVAILABLE,
                               "The hub is not connected: the job cannot be cancelled now");
      g_object_unref (task);
      return;
    }
  hw_hub_client_cancel_job_async (hw_connection_get_client (connection), self->job_id, cancellable,
                                  on_job_cancelled, task);
}

gboolean
hw_job_tracker_cancel_finish (HwJobTracker  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
hw_job_tracker_dispose (GObject *object)
{
  HwJobTracker *self = HW_JOB_TRACKER (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->poll_id, g_source_remove);
  g_clear_object (&self->queue);

  G_OBJECT_CLASS (hw_job_tracker_parent_class)->dispose (object);
}

static void
hw_job_tracker_finalize (GObject *object)
{
  HwJobTracker *self = HW_JOB_TRACKER (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->job, hw_hub_job_free);
  g_free (self->key);
  g_free (self->job_id);
  g_free (self->message);

  G_OBJECT_CLASS (hw_job_tracker_parent_class)->finalize (object);
}

static void
hw_job_tracker_class_init (HwJobTrackerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hw_job_tracker_dispose;
  object_class->finalize = hw_job_tracker_finalize;

  signals[SIGNAL_UPDATED] = g_signal_new ("updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
hw_job_tracker_init (HwJobTracker *self)
{
  self->cancellable = g_cancellable_new ();
}
