/* hw-hub-jobs-replicas.c: the jobs registry's side of sharing jobs between JetStream replicas
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A replica runs the jobs it was asked for and those it claimed from a
 * replica that stopped renewing their leases (hw-hub-jobs-shared.c), and
 * shows the others' from their records in the shared bucket: GET and
 * cancel work through any replica, and an Idempotency-Key is one job
 * across all of them.
 */
#include "config.h"

#include "hw-error.h"
#include "hw-hub-http.h"
#include "hw-hub-jobs-private.h"

/* How long a cancel through a replica that does not run the job waits for
 * the one that does to confirm it (it learns of it within a tick). */
#define CANCEL_WAIT_MS  10000
#define CANCEL_POLL_MS  200
/* A new job's lease was just taken: trusted this long, less than its
 * TTL, until the worker's next tick says how long exactly. */
#define NEW_LEASE_TRUST_US (5 * G_TIME_SPAN_SECOND)

/* Foreign records ------------------------------------------------------------ */

static void
set_foreign (HwHubJobs  *self,
             JsonObject *record)
{
  const char *id = json_object_get_string_member_with_default (record, "id", NULL);

  if (id == NULL || g_hash_table_contains (self->by_id, id))
    return;
  if (json_object_get_boolean_member_with_default (record, "deleted", FALSE))
    g_hash_table_remove (self->foreign, id);
  else
    g_hash_table_replace (self->foreign, g_strdup (id), json_object_ref (record));
}

void
hw_hub_jobs_add_foreign (HwHubJobs  *self,
                         GPtrArray  *descriptions,
                         const char *state,
                         const char *kind)
{
  GHashTableIter iter;
  const char *id;
  JsonObject *record;

  g_hash_table_iter_init (&iter, self->foreign);
  while (g_hash_table_iter_next (&iter, (gpointer *) &id, (gpointer *) &record))
    if (!g_hash_table_contains (self->by_id, id) &&
        (state == NULL || g_strcmp0 (state, json_object_get_string_member_with_default (record, "state", "")) == 0) &&
        (kind == NULL || g_strcmp0 (kind, json_object_get_string_member_with_default (record, "kind", "")) == 0))
      g_ptr_array_add (descriptions, hw_job_record_describe (record));
}

/* Running what this replica holds ------------------------------------------- */

void
hw_hub_jobs_report (HwHubJobs *self,
                    HwJob     *job)
{
  g_autoptr(JsonObject) record = hw_job_to_record (job);

  hw_hub_jobs_shared_report (self->shared, job->id, record, hw_shared_job_is_finished (record));
}

static void
run_claimed (HwHubJobs  *self,
             JsonObject *record,
             GHashTable *held_until)
{
  HwJob *job = hw_job_new_from_record (self, record);
  gint64 *until = g_hash_table_lookup (held_until, job->id);

  g_hash_table_remove (self->foreign, job->id);
  g_hash_table_replace (self->by_id, g_strdup (job->id), job);
  job->held_until = until != NULL ? *until : 0;
  if (self->stopped)
    return;
  g_message ("resuming job %s (%s) at %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT ", claimed from another replica",
             job->id, job->kind, job->acked_done + job->failed_done, job->total);
  hw_job_run_start (job);
}

/* Stops running a job whose lease this replica lost; the replica that
 * claims it goes on from its last published checkpoint. */
static void
hand_over (HwHubJobs *self,
           HwJob     *job)
{
  g_autofree char *id = g_strdup (job->id);

  g_message ("job %s: its lease lapsed or went to another replica: not running it here any more", id);
  hw_job_run_pause (job);
  g_hash_table_replace (self->foreign, g_strdup (id), hw_job_to_record (job));
  g_hash_table_remove (self->by_id, id);
  hw_hub_jobs_shared_release (self->shared, id);
}

static void
cancel_asked (HwHubJobs  *self,
              const char *id)
{
  HwJob *job = g_hash_table_lookup (self->by_id, id);
  g_autoptr(GError) error = NULL;

  if (job == NULL || hw_job_is_finished (job))
    return;
  g_message ("job %s: cancelled through another replica", id);
  hw_job_run_cancel (job);
  if (!hw_job_persist (job, &error))
    g_warning ("job %s: %s", job->id, error->message);
}

static void
on_news (HwSharedJobsNews *news,
         gpointer          user_data)
{
  HwHubJobs *self = user_data;
  GHashTableIter iter;
  const char *id;
  gint64 *until;

  for (guint i = 0; i < news->changed->len; i++)
    set_foreign (self, g_ptr_array_index (news->changed, i));
  for (guint i = 0; i < news->claimed->len; i++)
    run_claimed (self, g_ptr_array_index (news->claimed, i), news->held_until);
  g_hash_table_iter_init (&iter, news->held_until);
  while (g_hash_table_iter_next (&iter, (gpointer *) &id, (gpointer *) &until))
    {
      HwJob *job = g_hash_table_lookup (self->by_id, id);

      if (job != NULL)
        job->held_until = *until;
    }
  for (guint i = 0; i < news->cancels->len; i++)
    cancel_asked (self, g_ptr_array_index (news->cancels, i));
}

static gboolean
is_running_here (HwJob *job)
{
  return job->run != NULL && (!hw_job_is_finished (job) || job->ending);
}

/* Every second: stops on time the jobs whose lease was not renewed (the
 * worker may be stuck on a slow cluster). */
static gboolean
on_lease_tick (gpointer user_data)
{
  HwHubJobs *self = user_data;
  g_autoptr(GPtrArray) lapsed = g_ptr_array_new ();
  GHashTableIter iter;
  HwJob *job;

  g_hash_table_iter_init (&iter, self->by_id);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &job))
    if (is_running_here (job) && g_get_monotonic_time () >= job->held_until)
      g_ptr_array_add (lapsed, job);
  for (guint i = 0; i < lapsed->len; i++)
    hand_over (self, g_ptr_array_index (lapsed, i));
  return G_SOURCE_CONTINUE;
}

gboolean
hw_hub_jobs_share (HwHubJobs     *self,
                   HwHubReplica  *replica,
                   GError       **error)
{
  GHashTableIter iter;
  HwJob *job;

  if (replica == NULL)
    return TRUE;
  self->shared = hw_hub_jobs_shared_new (replica, on_news, self, error);
  if (self->shared == NULL)
    return FALSE;
  self->foreign = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) json_object_unref);
  /* This replica's unfinished jobs from hub.db are claimed like any
   * other's: the bucket may know better where they got to, and is told of
   * those it does not know (made before the hub shared its jobs). */
  g_hash_table_iter_init (&iter, self->by_id);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &job))
    if (!hw_job_is_finished (job))
      {
        JsonObject *record = hw_job_to_record (job);

        hw_hub_jobs_shared_offer (self->shared, record);
        g_hash_table_replace (self->foreign, g_strdup (job->id), record);
        g_hash_table_iter_remove (&iter);
      }
  self->lease_tick_id = g_timeout_add_seconds (1, on_lease_tick, self);
  return TRUE;
}

void
hw_hub_jobs_unshare (HwHubJobs *self)
{
  g_clear_handle_id (&self->lease_tick_id, g_source_remove);
  g_clear_pointer (&self->shared, hw_hub_jobs_shared_free);
}

/* Creating ----------------------------------------------------------------------- */

typedef struct
{
  HwHub             *hub;
  SoupServerMessage *msg;
  HwJob             *job;
} Creation;

static void
creation_free (Creation *creation)
{
  g_object_unref (creation->hub);
  g_object_unref (creation->msg);
  g_clear_pointer (&creation->job, hw_job_free);
  g_free (creation);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Creation, creation_free)

static void
reply_node (SoupServerMessage *msg,
            guint              status,
            JsonNode          *node)
{
  if (!hw_hub_message_is_gone (msg))
    {
      hw_hub_reply_json (msg, status, node);
      hw_hub_message_resume (msg);
    }
}

/* Starts the job the bucket now has: this replica holds its lease. */
static void
start_created (HwHubJobs *self,
               Creation  *creation)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = NULL;
  HwJob *job = g_steal_pointer (&creation->job);

  /* hub.db keeps it too, with its key, as with the embedded engine. */
  if (!hw_job_store (self, job, &error))
    g_warning ("job %s: not kept in hub.db (the shared record stands): %s", job->id, error->message);
  job->held_until = g_get_monotonic_time () + NEW_LEASE_TRUST_US;
  g_hash_table_insert (self->by_id, g_strdup (job->id), job);
  /* Its run audits it first, as any runner of it does. */
  hw_job_run_start (job);
  answer = hw_job_to_json (job);
  reply_node (creation->msg, 202, answer);
}

static void
on_created (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(Creation) creation = user_data;
  HwHubJobs *self = hw_hub_engine_get_jobs (creation->hub);
  g_autoptr(JsonObject) existing = NULL;
  g_autoptr(GError) error = NULL;

  if (!hw_hub_jobs_shared_create_finish (result, &existing, &error))
    {
      if (!hw_hub_message_is_gone (creation->msg))
        {
          hw_hub_reply_gerror (creation->msg, error);
          hw_hub_message_resume (creation->msg);
        }
      return;
    }
  if (existing != NULL)
    {
      g_autoptr(JsonNode) answer = hw_job_record_describe (existing);

      /* A retry through another replica of a command whose answer the
       * client did not get. */
      reply_node (creation->msg, 200, answer);
      return;
    }
  if (self == NULL || self->stopped)
    {
      g_autoptr(JsonNode) answer = hw_job_to_json (creation->job);

      /* The bucket has it, and the stop let its lease go: another replica
       * claims and runs it. */
      reply_node (creation->msg, 202, answer);
      return;
    }
  start_created (self, creation);
}

void
hw_hub_jobs_create_shared (HwHubJobs    *self,
                           HwJob        *job,
                           HwHubRequest *request)
{
  Creation *creation = g_new0 (Creation, 1);
  g_autoptr(JsonObject) record = hw_job_to_record (job);

  creation->hub = g_object_ref (request->hub);
  creation->msg = g_object_ref (request->msg);
  creation->job = job;
  hw_hub_message_pause (request->msg);
  hw_hub_jobs_shared_create_async (self->shared, record, job->idempotency_key, on_created, creation);
}

/* Another replica's job ---------------------------------------------------------- */

typedef struct
{
  HwHub             *hub;
  SoupServerMessage *msg;
  char              *id;
  gint64             deadline;   /* monotonic µs */
} CancelWait;

static void
cancel_wait_free (CancelWait *wait)
{
  g_object_unref (wait->hub);
  g_object_unref (wait->msg);
  g_free (wait->id);
  g_free (wait);
}

static gboolean
check_cancelled (gpointer user_data)
{
  CancelWait *wait = user_data;
  HwHubJobs *self = hw_hub_engine_get_jobs (wait->hub);
  JsonObject *record = self != NULL && self->foreign != NULL ? g_hash_table_lookup (self->foreign, wait->id) : NULL;
  g_autoptr(GError) error = NULL;

  if (hw_hub_message_is_gone (wait->msg))
    return G_SOURCE_REMOVE;
  if (record != NULL && hw_shared_job_is_finished (record))
    {
      g_autoptr(JsonNode) answer = hw_job_record_describe (record);

      reply_node (wait->msg, 200, answer);
      return G_SOURCE_REMOVE;
    }
  if (g_get_monotonic_time () < wait->deadline && self != NULL && !self->stopped)
    return G_SOURCE_CONTINUE;
  g_set_error (&error, HW_ERROR, HW_ERROR_UNAVAILABLE,
               "the replica running job %s did not confirm the cancel in time; it will stop the job when it sees the request",
               wait->id);
  hw_hub_reply_gerror (wait->msg, error);
  hw_hub_message_resume (wait->msg);
  return G_SOURCE_REMOVE;
}

static void
on_cancel_passed (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  CancelWait *wait = user_data;
  g_autoptr(GError) error = NULL;

  if (!hw_hub_jobs_shared_cancel_finish (result, &error))
    {
      if (!hw_hub_message_is_gone (wait->msg))
        {
          hw_hub_reply_gerror (wait->msg, error);
          hw_hub_message_resume (wait->msg);
        }
      cancel_wait_free (wait);
      return;
    }
  wait->deadline = g_get_monotonic_time () + CANCEL_WAIT_MS * G_TIME_SPAN_MILLISECOND;
  g_timeout_add_full (G_PRIORITY_DEFAULT, CANCEL_POLL_MS, check_cancelled, wait, (GDestroyNotify) cancel_wait_free);
}

gboolean
hw_hub_jobs_answer_foreign (HwHubJobs    *self,
                            HwHubRequest *request,
                            const char   *id,
                            gboolean      cancel)
{
  JsonObject *record = g_hash_table_lookup (self->foreign, id);
  CancelWait *wait;

  if (record == NULL)
    return FALSE;
  if (!cancel)
    {
      g_autoptr(JsonNode) answer = hw_job_record_describe (record);

      hw_hub_reply_json (request->msg, 200, answer);
      return TRUE;
    }
  if (hw_shared_job_is_finished (record))
    {
      hw_hub_reply_error (request->msg, 409, hw_error_code_name (HW_ERROR_CONFLICT), "job %s is already %s", id,
                          json_object_get_string_member_with_default (record, "state", "finished"));
      return TRUE;
    }
  wait = g_new0 (CancelWait, 1);
  wait->hub = g_object_ref (request->hub);
  wait->msg = g_object_ref (request->msg);
  wait->id = g_strdup (id);
  hw_hub_message_pause (request->msg);
  hw_hub_jobs_shared_cancel_async (self->shared, id, hw_hub_request_get_actor (request), on_cancel_passed, wait);
  return TRUE;
}
