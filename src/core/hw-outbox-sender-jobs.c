/* hw-outbox-sender-jobs.c: the jobs a sender started: jobs table rows and their outcomes in the inbox
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-background.h"
#include "hw-outbox-sender-private.h"

static gboolean
job_is_final (const char *state)
{
  return g_strcmp0 (state, "done") == 0 || g_strcmp0 (state, "failed") == 0
         || g_strcmp0 (state, "cancelled") == 0;
}

static char *
job_progress_json (const HwHubJob *job)
{
  g_autoptr(JsonObject) progress = json_object_new ();
  g_autoptr(JsonNode) node = json_node_alloc ();

  json_object_set_int_member (progress, "total", job->total);
  json_object_set_int_member (progress, "sent", job->sent);
  json_object_set_int_member (progress, "acked", job->acked);
  json_object_set_int_member (progress, "failed", job->failed);
  json_node_init_object (node, progress);
  return json_to_string (node, FALSE);
}

/* A repeat of the same outcome is kept out of the inbox by the state db. */
gboolean
hw_outbox_sender_record_job (HwOutboxSender  *self,
                             const HwHubJob  *job,
                             const char      *command_key,
                             gboolean        *inbox_is_new,
                             GError         **error)
{
  g_autofree char *progress = job_progress_json (job);
  g_autofree char *message = NULL;
  gboolean is_new = FALSE;
  HwStateJob row = {
    .hub_id = self->hub_id,
    .id = job->id,
    .kind = job->kind != NULL ? job->kind : (char *) "unknown",
    .state = job->state != NULL ? job->state : (char *) "unknown",
    .progress = progress,
    .requested_by = job->requested_by,
    .command_key = (char *) command_key,
    .updated_at_ms = job->updated_at_ms,
  };

  if (!hw_state_db_jobs_put (self->db, &row, error))
    return FALSE;
  if (command_key == NULL || !job_is_final (job->state))
    return TRUE;

  message = g_strdup_printf ("%s %s %s: %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " acknowledged, %"
                             G_GINT64_FORMAT " failed", row.kind, job->id, job->state,
                             job->acked, job->total, job->failed);
  if (hw_state_db_inbox_add (self->db, command_key,
                             g_str_equal (job->state, "done") ? HW_INBOX_OUTCOME_DONE : HW_INBOX_OUTCOME_FAILED,
                             message, &is_new, error) == 0)
    return FALSE;
  if (is_new && inbox_is_new != NULL)
    *inbox_is_new = TRUE;
  return TRUE;
}

static void
update_jobs_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  HwOutboxSender *self = source_object;
  GPtrArray *jobs = task_data;
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->db_lock);
  g_autoptr(GError) error = NULL;
  gboolean inbox_is_new = FALSE;

  if (hw_outbox_sender_ensure_db (self, &error) == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  for (guint i = 0; i < jobs->len; i++)
    {
      HwHubJob *job = g_ptr_array_index (jobs, i);
      g_autoptr(HwOutboxCommand) command = NULL;
      g_autoptr(HwStateJob) known = NULL;
      const char *command_key = NULL;

      /* Only jobs this client asked for (by their key) or already lists:
       * other people's jobs are the hub's business. */
      if (job->idempotency_key != NULL)
        command = hw_state_db_outbox_get (self->db, job->idempotency_key, NULL);
      if (command != NULL && g_strcmp0 (command->hub_id, self->hub_id) == 0)
        command_key = command->key;
      else
        known = hw_state_db_jobs_get (self->db, self->hub_id, job->id, NULL);
      if (command_key == NULL && known == NULL)
        continue;
      if (command_key == NULL)
        command_key = known->command_key;
      if (!hw_outbox_sender_record_job (self, job, command_key, &inbox_is_new, &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }
  g_task_return_boolean (task, inbox_is_new);
}

static void
on_jobs_updated (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  HwOutboxSender *self = HW_OUTBOX_SENDER (source);
  g_autoptr(GError) error = NULL;
  gboolean inbox_is_new = g_task_propagate_boolean (G_TASK (result), &error);

  if (error != NULL)
    {
      hw_outbox_sender_set_last_error (self, error->message);
      return;
    }
  if (inbox_is_new)
    hw_outbox_sender_emit_inbox_changed (self);
}

void
hw_outbox_sender_update_jobs (HwOutboxSender *self,
                              GPtrArray      *jobs)
{
  g_autoptr(GTask) task = NULL;
  GPtrArray *copy;

  g_return_if_fail (HW_IS_OUTBOX_SENDER (self));
  g_return_if_fail (jobs != NULL);

  if (jobs->len == 0)
    return;
  copy = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_hub_job_free);
  for (guint i = 0; i < jobs->len; i++)
    g_ptr_array_add (copy, hw_hub_job_copy (g_ptr_array_index (jobs, i)));

  task = g_task_new (self, NULL, on_jobs_updated, NULL);
  g_task_set_source_tag (task, hw_outbox_sender_update_jobs);
  g_task_set_task_data (task, copy, (GDestroyNotify) g_ptr_array_unref);
  hw_background_run_task (task, update_jobs_thread);
}
