/* hw-hub-jobs.c: the jobs API (replays, resubmissions), idempotency and hub.db rows
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-error.h"
#include "hw-event-store.h"
#include "hw-hub-db.h"
#include "hw-hub-http.h"
#include "hw-hub-jobs-private.h"
#include "hw-hub-private.h"


void
hw_job_free (HwJob *job)
{
  hw_job_run_free (job);
  g_free (job->id);
  g_free (job->kind);
  g_free (job->state);
  g_clear_pointer (&job->spec, json_object_unref);
  g_free (job->position);
  g_free (job->requested_by);
  g_free (job->idempotency_key);
  g_free (job->error);
  g_free (job);
}

gboolean
hw_job_is_finished (HwJob *job)
{
  return g_str_equal (job->state, "done") || g_str_equal (job->state, "failed") ||
         g_str_equal (job->state, "cancelled");
}

const char *
hw_job_recorded_state (HwJob *job)
{
  if (!job->ending)
    return job->state;
  /* A cancel was answered: a runner after a crash must end the job, not
   * send the rest of it. */
  return g_str_equal (job->state, "cancelled") ? "cancelling" : "running";
}

gboolean
hw_shared_job_is_finished (JsonObject *record)
{
  const char *state = json_object_get_string_member_with_default (record, "state", "");

  return g_str_equal (state, "done") || g_str_equal (state, "failed") || g_str_equal (state, "cancelled");
}

static void
bind_text_or_null (sqlite3_stmt *stmt,
                   int           index,
                   const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, index);
}

static gboolean
step_done (sqlite3       *db,
           sqlite3_stmt  *stmt,
           const char    *what,
           GError       **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_finalize (stmt);
  if (rc == SQLITE_DONE)
    return TRUE;
  g_set_error (error, HW_ERROR, HW_ERROR_IO, "cannot %s: %s", what, sqlite3_errmsg (db));
  return FALSE;
}

gboolean
hw_job_persist (HwJob   *job,
                GError **error)
{
  HwHub *hub = job->jobs->hub;
  sqlite3 *db = hw_hub_get_db (hub);
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (hw_hub_get_db_mutex (hub));
  sqlite3_stmt *stmt;

  job->updated_at = hw_hub_now_ms ();
  stmt = hw_hub_db_prepare (db,
                            "UPDATE jobs SET state = ?, total = ?, acked = ?, failed = ?, position = ?, "
                            "error = ?, updated_at = ? WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, hw_job_recorded_state (job), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, job->total);
  sqlite3_bind_int64 (stmt, 3, job->acked_done);
  sqlite3_bind_int64 (stmt, 4, job->failed_done);
  bind_text_or_null (stmt, 5, job->position);
  bind_text_or_null (stmt, 6, job->error);
  sqlite3_bind_int64 (stmt, 7, job->updated_at);
  sqlite3_bind_text (stmt, 8, job->id, -1, SQLITE_TRANSIENT);
  /* A job claimed from another replica has no row here: its record is
   * the shared one. */
  if (!step_done (db, stmt, "update the job", error))
    return FALSE;
  if (job->jobs->shared != NULL)
    hw_hub_jobs_report (job->jobs, job);
  return TRUE;
}

gboolean
hw_job_store (HwHubJobs  *self,
              HwJob      *job,
              GError    **error)
{
  sqlite3 *db = hw_hub_get_db (self->hub);
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (hw_hub_get_db_mutex (self->hub));
  g_autofree char *spec = NULL;
  g_autoptr(JsonNode) spec_node = json_node_new (JSON_NODE_OBJECT);
  sqlite3_stmt *stmt;

  json_node_set_object (spec_node, job->spec);
  spec = json_to_string (spec_node, FALSE);

  /* The job and its idempotency key commit together: a crash in between
   * must not leave a key without a job or a job a retry would duplicate. */
  if (!hw_hub_db_exec (db, "BEGIN IMMEDIATE", error))
    return FALSE;
  stmt = hw_hub_db_prepare (db,
                            "INSERT INTO jobs (id, kind, state, spec, total, acked, failed, position, "
                            "requested_by, idempotency_key, error, created_at, updated_at) "
                            "VALUES (?, ?, ?, ?, ?, 0, 0, NULL, ?, ?, NULL, ?, ?)", error);
  if (stmt == NULL)
    goto rollback;
  sqlite3_bind_text (stmt, 1, job->id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, job->kind, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, job->state, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, spec, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 5, job->total);
  bind_text_or_null (stmt, 6, job->requested_by);
  bind_text_or_null (stmt, 7, job->idempotency_key);
  sqlite3_bind_int64 (stmt, 8, job->created_at);
  sqlite3_bind_int64 (stmt, 9, job->updated_at);
  if (!step_done (db, stmt, "store the job", error))
    goto rollback;

  if (job->idempotency_key != NULL)
    {
      stmt = hw_hub_db_prepare (db, "INSERT INTO idempotency_keys (key, job_id, created_at) VALUES (?, ?, ?)",
                                error);
      if (stmt == NULL)
        goto rollback;
      sqlite3_bind_text (stmt, 1, job->idempotency_key, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, job->id, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 3, job->created_at);
      if (!step_done (db, stmt, "store the idempotency key", error))
        goto rollback;
    }
  return hw_hub_db_exec (db, "COMMIT", error);

rollback:
  hw_hub_db_exec (db, "ROLLBACK", NULL);
  return FALSE;
}

static char *
lookup_idempotency_key (HwHubJobs  *self,
                        const char *key)
{
  sqlite3 *db = hw_hub_get_db (self->hub);
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (hw_hub_get_db_mutex (self->hub));
  sqlite3_stmt *stmt = hw_hub_db_prepare (db, "SELECT job_id FROM idempotency_keys WHERE key = ?", NULL);
  char *job_id = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    job_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return job_id;
}

/* JSON ---------------------------------------------------------------------- */

void
hw_json_copy_member (JsonObject *to,
             JsonObject *from,
             const char *member)
{
  JsonNode *node = json_object_get_member (from, member);

  if (node != NULL)
    json_object_set_member (to, member, json_node_copy (node));
}

/* Spec members a job description shows; "items" is summarised instead. */
static const char * const spec_members[] = {
  "listener", "from", "to", "query", "rate", "parallel", "batch_size", "group", NULL
};

JsonNode *
hw_job_to_json (HwJob *job)
{
  g_autoptr(JsonObject) object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (object, "id", job->id);
  json_object_set_string_member (object, "kind", job->kind);
  json_object_set_string_member (object, "state", job->state);
  json_object_set_int_member (object, "total", job->total);
  json_object_set_int_member (object, "sent", job->sent);
  json_object_set_int_member (object, "acked", job->acked);
  json_object_set_int_member (object, "failed", job->failed);
  json_object_set_string_member (object, "requested_by", job->requested_by);
  json_object_set_int_member (object, "created_at", job->created_at);
  json_object_set_int_member (object, "updated_at", job->updated_at);
  for (guint i = 0; spec_members[i] != NULL; i++)
    hw_json_copy_member (object, job->spec, spec_members[i]);
  if (json_object_has_member (job->spec, "items"))
    json_object_set_int_member (object, "fault_count",
                                json_array_get_length (json_object_get_array_member (job->spec, "items")));
  if (job->idempotency_key != NULL)
    json_object_set_string_member (object, "idempotency_key", job->idempotency_key);
  if (job->error != NULL)
    json_object_set_string_member (object, "error", job->error);
  json_node_set_object (node, object);
  return node;
}

/* What only a replica going on with the job needs. */
static const char * const record_members[] = {
  "spec", "position", "acked_done", "failed_done", "holder", NULL
};

JsonObject *
hw_job_to_record (HwJob *job)
{
  g_autoptr(JsonNode) description = hw_job_to_json (job);
  JsonObject *record = json_object_ref (json_node_get_object (description));

  json_object_set_string_member (record, "state", hw_job_recorded_state (job));
  json_object_set_object_member (record, "spec", json_object_ref (job->spec));
  if (job->position != NULL)
    json_object_set_string_member (record, "position", job->position);
  json_object_set_int_member (record, "acked_done", job->acked_done);
  json_object_set_int_member (record, "failed_done", job->failed_done);
  return record;
}

JsonNode *
hw_job_record_describe (JsonObject *record)
{
  g_autoptr(JsonObject) description = json_object_new ();
  g_autoptr(GList) members = json_object_get_members (record);

  for (GList *l = members; l != NULL; l = l->next)
    if (!g_strv_contains (record_members, l->data))
      hw_json_copy_member (description, record, l->data);
  return json_node_init_object (json_node_alloc (), description);
}

static char *
dup_member (JsonObject *object,
            const char *member)
{
  return g_strdup (json_object_get_string_member_with_default (object, member, NULL));
}

HwJob *
hw_job_new_from_record (HwHubJobs  *jobs,
                        JsonObject *record)
{
  HwJob *job = g_new0 (HwJob, 1);
  JsonNode *spec = json_object_get_member (record, "spec");

  job->jobs = jobs;
  job->id = dup_member (record, "id");
  job->kind = dup_member (record, "kind");
  job->state = dup_member (record, "state");
  job->spec = spec != NULL && JSON_NODE_HOLDS_OBJECT (spec) ? json_object_ref (json_node_get_object (spec))
                                                            : json_object_new ();
  job->total = json_object_get_int_member_with_default (record, "total", 0);
  job->acked_done = job->acked = job->sent = json_object_get_int_member_with_default (record, "acked_done", 0);
  job->failed_done = job->failed = json_object_get_int_member_with_default (record, "failed_done", 0);
  job->position = dup_member (record, "position");
  job->requested_by = dup_member (record, "requested_by");
  job->idempotency_key = dup_member (record, "idempotency_key");
  job->error = dup_member (record, "error");
  job->created_at = json_object_get_int_member_with_default (record, "created_at", 0);
  job->updated_at = json_object_get_int_member_with_default (record, "updated_at", 0);
  return job;
}

void
hw_job_publish (HwJob *job)
{
  g_autoptr(JsonNode) node = hw_job_to_json (job);

  hw_hub_stream_publish (job->jobs->hub, "job", node);
}

/* Routes ---------------------------------------------------------------------- */

typedef HwJob *(*RequestParser) (HwHubJobs *, HwHubRequest *, JsonObject *, JsonNode **, GError **);

static void
reply_job (HwHubRequest *request,
           guint         status,
           HwJob        *job)
{
  g_autoptr(JsonNode) node = hw_job_to_json (job);

  hw_hub_reply_json (request->msg, status, node);
}

static void
handle_job_request (HwHubJobs     *self,
                    HwHubRequest  *request,
                    RequestParser  parse)
{
  const char *key = hw_hub_request_get_header (request, "Idempotency-Key");
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(JsonNode) dry_answer = NULL;
  g_autoptr(GError) error = NULL;
  gsize length = 0;
  const char *data = g_bytes_get_data (request->body, &length);
  HwJob *job;

  if (key != NULL && (*key == '\0' || strlen (key) > 255 || !g_utf8_validate (key, -1, NULL)))
    {
      hw_hub_reply_error (request->msg, 400, hw_error_code_name (HW_ERROR_INVALID_JSON),
                          "the Idempotency-Key header must be 1 to 255 bytes of UTF-8");
      return;
    }
  if ((body = hw_hub_parse_json (data, length, 0, &error)) == NULL)
    {
      hw_hub_reply_gerror (request->msg, error);
      return;
    }
  if (!JSON_NODE_HOLDS_OBJECT (body))
    {
      hw_hub_reply_error (request->msg, 400, hw_error_code_name (HW_ERROR_INVALID_JSON),
                          "the request must be a JSON object");
      return;
    }

  /* A repeated key answers with the job it created, whatever the body: the
   * client is retrying a command whose answer it did not get. */
  if (key != NULL)
    {
      g_autofree char *job_id = lookup_idempotency_key (self, key);
      HwJob *existing = job_id != NULL ? g_hash_table_lookup (self->by_id, job_id) : NULL;

      if (existing != NULL)
        {
          reply_job (request, 200, existing);
          return;
        }
    }

  job = parse (self, request, json_node_get_object (body), &dry_answer, &error);
  if (job == NULL)
    {
      if (dry_answer != NULL)
        hw_hub_reply_json (request->msg, 200, dry_answer);
      else
        hw_hub_reply_gerror (request->msg, error);
      return;
    }
  job->idempotency_key = g_strdup (key);
  if (self->shared != NULL)
    {
      hw_hub_jobs_create_shared (self, job, request);
      return;
    }
  if (!hw_job_store (self, job, &error))
    {
      hw_job_free (job);
      hw_hub_reply_gerror (request->msg, error);
      return;
    }
  g_hash_table_insert (self->by_id, g_strdup (job->id), job);
  /* Durable now, so accepted; its run delivers nothing before its start
   * audit is stored. */
  hw_job_run_start (job);
  reply_job (request, 202, job);
}

static void
handle_replay (HwHubRequest *request,
               gpointer      user_data)
{
  handle_job_request (user_data, request, hw_job_parse_replay);
}

static void
handle_resubmission (HwHubRequest *request,
                     gpointer      user_data)
{
  handle_job_request (user_data, request, hw_job_parse_resubmission);
}

/* g_hash_table_get_values_as_ptr_array() is newer than GLib 2.74. */
static GPtrArray *
jobs_as_array (HwHubJobs *self)
{
  GPtrArray *array = g_ptr_array_sized_new (g_hash_table_size (self->by_id));
  GHashTableIter iter;
  gpointer job;

  g_hash_table_iter_init (&iter, self->by_id);
  while (g_hash_table_iter_next (&iter, NULL, &job))
    g_ptr_array_add (array, job);
  return array;
}

static gint
compare_newest_first (gconstpointer a,
                      gconstpointer b)
{
  JsonObject *ja = json_node_get_object (*(JsonNode * const *) a);
  JsonObject *jb = json_node_get_object (*(JsonNode * const *) b);
  gint64 ca = json_object_get_int_member_with_default (ja, "created_at", 0);
  gint64 cb = json_object_get_int_member_with_default (jb, "created_at", 0);

  if (ca != cb)
    return ca < cb ? 1 : -1;
  return g_strcmp0 (json_object_get_string_member (jb, "id"), json_object_get_string_member (ja, "id"));
}

static void
handle_list (HwHubRequest *request,
             gpointer      user_data)
{
  HwHubJobs *self = user_data;
  const char *state = hw_hub_request_get_query (request, "state");
  const char *kind = hw_hub_request_get_query (request, "kind");
  g_autoptr(GPtrArray) jobs = jobs_as_array (self);
  g_autoptr(GPtrArray) descriptions = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  g_autoptr(JsonObject) answer = json_object_new ();
  JsonArray *array = json_array_new ();

  for (guint i = 0; i < jobs->len; i++)
    {
      HwJob *job = g_ptr_array_index (jobs, i);

      if ((state == NULL || g_strcmp0 (state, job->state) == 0) &&
          (kind == NULL || g_strcmp0 (kind, job->kind) == 0))
        g_ptr_array_add (descriptions, hw_job_to_json (job));
    }
  if (self->shared != NULL)
    hw_hub_jobs_add_foreign (self, descriptions, state, kind);
  g_ptr_array_sort (descriptions, compare_newest_first);
  for (guint i = 0; i < descriptions->len; i++)
    json_array_add_element (array, json_node_ref (g_ptr_array_index (descriptions, i)));
  json_object_set_array_member (answer, "jobs", array);
  hw_hub_reply_object (request->msg, 200, answer);
}

static HwJob *
lookup_or_404 (HwHubJobs    *self,
               HwHubRequest *request)
{
  const char *id = hw_hub_request_get_param (request, "id");
  HwJob *job = g_hash_table_lookup (self->by_id, id);

  if (job == NULL)
    hw_hub_reply_error (request->msg, 404, hw_error_code_name (HW_ERROR_NOT_FOUND), "no job with id “%s”", id);
  return job;
}

/* With the JetStream engine, a job another replica runs or ran. */
static gboolean
answered_foreign (HwHubJobs    *self,
                  HwHubRequest *request,
                  gboolean      cancel)
{
  const char *id = hw_hub_request_get_param (request, "id");

  return self->shared != NULL && !g_hash_table_contains (self->by_id, id) &&
         hw_hub_jobs_answer_foreign (self, request, id, cancel);
}

static void
handle_get (HwHubRequest *request,
            gpointer      user_data)
{
  HwJob *job;

  if (answered_foreign (user_data, request, FALSE))
    return;
  if ((job = lookup_or_404 (user_data, request)) != NULL)
    reply_job (request, 200, job);
}

static void
handle_cancel (HwHubRequest *request,
               gpointer      user_data)
{
  HwJob *job;
  g_autoptr(GError) error = NULL;

  if (answered_foreign (user_data, request, TRUE))
    return;
  if ((job = lookup_or_404 (user_data, request)) == NULL)
    return;
  if (hw_job_is_finished (job))
    {
      hw_hub_reply_error (request->msg, 409, hw_error_code_name (HW_ERROR_CONFLICT),
                          "job %s is already %s", job->id, job->state);
      return;
    }
  hw_job_run_cancel (job);
  if (!hw_job_persist (job, &error))
    g_warning ("job %s: %s", job->id, error->message);
  reply_job (request, 200, job);
}

/* Loading ----------------------------------------------------------------------- */

static char *
dup_column (sqlite3_stmt *stmt,
            int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

static gboolean
load_jobs (HwHubJobs  *self,
           GError    **error)
{
  sqlite3 *db = hw_hub_get_db (self->hub);
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (hw_hub_get_db_mutex (self->hub));
  sqlite3_stmt *stmt;
  int rc;

  stmt = hw_hub_db_prepare (db,
                            "SELECT id, kind, state, spec, total, acked, failed, position, requested_by, "
                            "idempotency_key, error, created_at, updated_at FROM jobs", error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(JsonNode) spec = json_from_string ((const char *) sqlite3_column_text (stmt, 3), NULL);
      HwJob *job;

      if (spec == NULL || !JSON_NODE_HOLDS_OBJECT (spec))
        {
          g_warning ("skipping job %s: its stored definition is unreadable", sqlite3_column_text (stmt, 0));
          continue;
        }
      job = g_new0 (HwJob, 1);
      job->jobs = self;
      job->id = dup_column (stmt, 0);
      job->kind = dup_column (stmt, 1);
      job->state = dup_column (stmt, 2);
      job->spec = json_object_ref (json_node_get_object (spec));
      job->total = sqlite3_column_int64 (stmt, 4);
      job->acked_done = job->acked = job->sent = sqlite3_column_int64 (stmt, 5);
      job->failed_done = job->failed = sqlite3_column_int64 (stmt, 6);
      job->position = dup_column (stmt, 7);
      job->requested_by = dup_column (stmt, 8);
      job->idempotency_key = dup_column (stmt, 9);
      job->error = dup_column (stmt, 10);
      job->created_at = sqlite3_column_int64 (stmt, 11);
      job->updated_at = sqlite3_column_int64 (stmt, 12);
      g_hash_table_insert (self->by_id, g_strdup (job->id), job);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_IO, "cannot read jobs: %s", sqlite3_errmsg (db));
      return FALSE;
    }
  return TRUE;
}

static void
resume_jobs (HwHubJobs *self)
{
  g_autoptr(GPtrArray) jobs = jobs_as_array (self);

  for (guint i = 0; i < jobs->len; i++)
    {
      HwJob *job = g_ptr_array_index (jobs, i);

      if (hw_job_is_finished (job))
        continue;
      g_message ("resuming job %s (%s) at %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT,
                 job->id, job->kind, job->acked_done + job->failed_done, job->total);
      hw_job_run_start (job);
    }
}

HwHubJobs *
hw_hub_jobs_new (HwHub          *hub,
                 HwHubListeners *listeners,
                 HwHubReplica   *replica,
                 GError        **error)
{
  HwHubJobs *self;

  g_return_val_if_fail (HW_IS_HUB (hub), NULL);
  g_return_val_if_fail (listeners != NULL, NULL);

  self = g_new0 (HwHubJobs, 1);
  self->hub = hub;
  self->listeners = listeners;
  self->by_id = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) hw_job_free);
  self->audits = hw_job_audits_new (hub);
  if (!load_jobs (self, error))
    {
      hw_hub_jobs_free (self);
      return NULL;
    }

  if (!hw_hub_jobs_share (self, replica, error))
    {
      hw_hub_jobs_free (self);
      return NULL;
    }
  hw_hub_add_route (hub, "POST", "/v1/replays", HW_ROLE_OPERATOR, handle_replay, self);
  hw_hub_add_route (hub, "POST", "/v1/resubmissions", HW_ROLE_OPERATOR, handle_resubmission, self);
  hw_hub_add_route (hub, "GET", "/v1/jobs", HW_ROLE_VIEWER, handle_list, self);
  hw_hub_add_route (hub, "GET", "/v1/jobs/{id}", HW_ROLE_VIEWER, handle_get, self);
  hw_hub_add_route (hub, "POST", "/v1/jobs/{id}/cancel", HW_ROLE_OPERATOR, handle_cancel, self);
  /* With the JetStream engine a replay or resubmission started through
   * one replica covers what was published through another just before. */
  hw_hub_route_reads_lake (hub, "POST", "/v1/replays");
  hw_hub_route_reads_lake (hub, "POST", "/v1/resubmissions");

  /* Shared, the unfinished jobs are claimed from the bucket instead, by
   * whichever replica gets there first. */
  if (self->shared == NULL)
    resume_jobs (self);
  return self;
}

void
hw_hub_jobs_stop (HwHubJobs *self)
{
  GHashTableIter iter;
  HwJob *job;

  g_return_if_fail (self != NULL);

  if (self->stopped)
    return;
  self->stopped = TRUE;
  g_hash_table_iter_init (&iter, self->by_id);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &job))
    hw_job_run_pause (job);
  /* After the pauses: their records are the last ones written. */
  hw_hub_jobs_unshare (self);
  /* After the pauses too: they released their audits' writes. */
  g_clear_pointer (&self->audits, hw_job_audits_free);
}

void
hw_hub_jobs_free (HwHubJobs *self)
{
  if (self == NULL)
    return;
  hw_hub_jobs_stop (self);
  g_hash_table_unref (self->by_id);
  g_clear_pointer (&self->foreign, g_hash_table_unref);
  g_free (self);
}

JsonNode *
hw_hub_jobs_describe (HwHubJobs  *self,
                      const char *id)
{
  HwJob *job;

  g_return_val_if_fail (self != NULL, NULL);

  job = g_hash_table_lookup (self->by_id, id);
  if (job == NULL && self->foreign != NULL && g_hash_table_contains (self->foreign, id))
    return hw_job_record_describe (g_hash_table_lookup (self->foreign, id));
  return job != NULL ? hw_job_to_json (job) : NULL;
}
