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

#define DEFAULT_RATE        1000.0
#define DEFAULT_PARALLEL    4
#define MAX_FAULT_IDS       10000
#define MAX_GROUP_FAULTS    100000
#define SAMPLE_SIZE         5

static void
job_free (HwJob *job)
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
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (hw_hub_get_db_mutex (hub));
  sqlite3_stmt *stmt;

  job->updated_at = hw_hub_now_ms ();
  stmt = hw_hub_db_prepare (db,
                            "UPDATE jobs SET state = ?, total = ?, acked = ?, failed = ?, position = ?, "
                            "error = ?, updated_at = ? WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, job->state, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, job->total);
  sqlite3_bind_int64 (stmt, 3, job->acked_done);
  sqlite3_bind_int64 (stmt, 4, job->failed_done);
  bind_text_or_null (stmt, 5, job->position);
  bind_text_or_null (stmt, 6, job->error);
  sqlite3_bind_int64 (stmt, 7, job->updated_at);
  sqlite3_bind_text (stmt, 8, job->id, -1, SQLITE_TRANSIENT);
  return step_done (db, stmt, "update the job", error);
}

static gboolean
insert_job (HwHubJobs  *self,
            HwJob      *job,
            GError    **error)
{
  sqlite3 *db = hw_hub_get_db (self->hub);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (hw_hub_get_db_mutex (self->hub));
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
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (hw_hub_get_db_mutex (self->hub));
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

static void
copy_member (JsonObject *to,
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
    copy_member (object, job->spec, spec_members[i]);
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

void
hw_job_publish (HwJob *job)
{
  g_autoptr(JsonNode) node = hw_job_to_json (job);

  hw_hub_stream_publish (job->jobs->hub, "job", node);
}

static void
audit (HwJob      *job,
       const char *action)
{
  g_autoptr(JsonObject) details = json_object_new ();

  /* "kind" is the system event's own ("audit"). */
  json_object_set_string_member (details, "job", job->id);
  json_object_set_string_member (details, "job_kind", job->kind);
  json_object_set_string_member (details, "state", job->state);
  json_object_set_int_member (details, "total", job->total);
  json_object_set_int_member (details, "acked", job->acked);
  json_object_set_int_member (details, "failed", job->failed);
  copy_member (details, job->spec, "listener");
  hw_hub_record_audit (job->jobs->hub, action, job->requested_by, details);
}

void
hw_job_audit_end (HwJob *job)
{
  audit (job, "job.end");
}

/* Request parsing ----------------------------------------------------------- */

static gboolean
check_members (JsonObject          *object,
               const char * const  *known,
               GError             **error)
{
  g_autoptr(GList) members = json_object_get_members (object);

  for (GList *l = members; l != NULL; l = l->next)
    if (!g_strv_contains (known, l->data))
      {
        g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON, "unknown member “%s”", (const char *) l->data);
        return FALSE;
      }
  return TRUE;
}

static gboolean
member_type_is (JsonNode *node,
                GType     type)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

static gboolean
get_bool (JsonObject  *object,
          const char  *member,
          gboolean     default_value,
          gboolean    *out,
          GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  *out = default_value;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!member_type_is (node, G_TYPE_BOOLEAN))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON, "“%s” must be true or false", member);
      return FALSE;
    }
  *out = json_node_get_boolean (node);
  return TRUE;
}

static gboolean
get_number (JsonObject  *object,
            const char  *member,
            double       default_value,
            double       min_value,
            double       max_value,
            gboolean     integer,
            double      *out,
            GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  *out = default_value;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!member_type_is (node, G_TYPE_INT64) && (integer || !member_type_is (node, G_TYPE_DOUBLE)))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON, "“%s” must be %s", member,
                   integer ? "an integer" : "a number");
      return FALSE;
    }
  *out = member_type_is (node, G_TYPE_INT64) ? (double) json_node_get_int (node) : json_node_get_double (node);
  if (*out < min_value || *out > max_value)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON, "“%s” must be between %g and %g",
                   member, min_value, max_value);
      return FALSE;
    }
  return TRUE;
}

static gboolean
get_time (JsonObject  *object,
          const char  *member,
          gint64       default_ms,
          gint64      *out,
          GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  *out = default_ms;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (member_type_is (node, G_TYPE_INT64))
    {
      *out = json_node_get_int (node);
      return TRUE;
    }
  if (member_type_is (node, G_TYPE_STRING))
    return hw_hub_parse_time_param (member, json_node_get_string (node), default_ms, out, error);
  g_set_error (error, HW_ERROR, HW_ERROR_INVALID_TIME,
               "“%s” must be epoch milliseconds or a time expression", member);
  return FALSE;
}

/* The options both job kinds share, copied into @spec. */
static gboolean
parse_run_options (JsonObject  *request,
                   JsonObject  *spec,
                   gboolean    *dry_run,
                   GError     **error)
{
  double rate, parallel;

  if (!get_bool (request, "dry_run", TRUE, dry_run, error) ||
      !get_number (request, "rate", DEFAULT_RATE, 0, 1e7, FALSE, &rate, error) ||
      !get_number (request, "parallel", DEFAULT_PARALLEL, 1, 64, TRUE, &parallel, error))
    return FALSE;
  json_object_set_double_member (spec, "rate", rate);
  json_object_set_int_member (spec, "parallel", (gint64) parallel);
  return TRUE;
}

static HwJob *
job_new (HwHubJobs    *self,
         const char   *kind,
         JsonObject   *spec,
         HwHubRequest *request)
{
  HwJob *job = g_new0 (HwJob, 1);
  g_autofree char *uuid = g_uuid_string_random ();

  job->jobs = self;
  job->id = g_strdup_printf ("job-%s", uuid);
  job->kind = g_strdup (kind);
  job->state = g_strdup ("queued");
  job->spec = json_object_ref (spec);
  job->requested_by = g_strdup (request->token_name != NULL ? request->token_name : "open-mode");
  job->created_at = job->updated_at = hw_hub_now_ms ();
  return job;
}

/* Replays ------------------------------------------------------------------- */

static const char * const replay_members[] = {
  "listener", "from", "to", "query", "dry_run", "rate", "parallel", "batch_size", NULL
};

static JsonNode *
replay_dry_run (HwHubJobs  *self,
                HwQuery    *query,
                gint64      from_ms,
                gint64      to_ms,
                JsonObject *spec,
                GError    **error)
{
  HwEventStore *store = hw_hub_get_store (self->hub);
  g_autoptr(GPtrArray) types = NULL;
  g_autoptr(HwSearchPage) sample = NULL;
  g_autoptr(JsonObject) answer = json_object_new ();
  JsonObject *by_type = json_object_new ();
  JsonArray *events = json_array_new ();
  JsonNode *node;
  gint64 count;

  if ((count = hw_event_store_count (store, query, from_ms, to_ms, NULL, error)) < 0 ||
      (types = hw_event_store_top_values (store, "type", query, from_ms, to_ms, 1000, NULL, error)) == NULL ||
      (sample = hw_event_store_search (store, query, from_ms, to_ms, HW_EVENT_ORDER_OLDEST_FIRST,
                                       SAMPLE_SIZE, NULL, NULL, error)) == NULL)
    {
      json_object_unref (by_type);
      json_array_unref (events);
      return NULL;
    }
  for (guint i = 0; i < types->len; i++)
    {
      HwTopValue *value = g_ptr_array_index (types, i);

      json_object_set_int_member (by_type, value->value, value->count);
    }
  for (guint i = 0; i < sample->rows->len; i++)
    {
      HwEventRow *row = g_ptr_array_index (sample->rows, i);
      JsonNode *event = json_from_string (row->json, NULL);

      if (event != NULL)
        json_array_add_element (events, event);
    }
  json_object_set_boolean_member (answer, "dry_run", TRUE);
  json_object_set_string_member (answer, "kind", "replay");
  copy_member (answer, spec, "listener");
  json_object_set_int_member (answer, "count", count);
  json_object_set_object_member (answer, "by_type", by_type);
  json_object_set_array_member (answer, "sample", events);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, answer);
  return node;
}

static HwJob *
replay_request (HwHubJobs     *self,
                HwHubRequest  *request,
                JsonObject    *body,
                JsonNode     **dry_answer,
                GError       **error)
{
  g_autoptr(JsonObject) spec = json_object_new ();
  g_autoptr(HwQuery) query = NULL;
  const HwListenerSpec *listener;
  JsonNode *node;
  const char *name, *text = "";
  gint64 from_ms, to_ms, now_ms = hw_hub_now_ms ();
  gboolean dry_run;
  double batch_size;
  HwJob *job;

  if (!check_members (body, replay_members, error))
    return NULL;
  node = json_object_get_member (body, "listener");
  if (node == NULL || !member_type_is (node, G_TYPE_STRING))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON, "“listener” is required and must be a string");
      return NULL;
    }
  name = json_node_get_string (node);
  if ((listener = hw_hub_listeners_lookup (self->listeners, name)) == NULL)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_NOT_FOUND, "no listener named “%s”", name);
      return NULL;
    }
  if (!json_object_has_member (body, "from"))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_TIME, "“from” is required");
      return NULL;
    }
  if (!get_time (body, "from", 0, &from_ms, error) || !get_time (body, "to", now_ms, &to_ms, error))
    return NULL;
  if (from_ms >= to_ms)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_TIME, "“from” must be before “to”");
      return NULL;
    }
  node = json_object_get_member (body, "query");
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      if (!member_type_is (node, G_TYPE_STRING))
        {
          g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON, "“query” must be a string");
          return NULL;
        }
      text = json_node_get_string (node);
    }
  if ((query = hw_query_parse (text, now_ms, NULL, error)) == NULL)
    return NULL;
  if (!get_number (body, "batch_size", listener->batch_size, 1, 10000, TRUE, &batch_size, error) ||
      !parse_run_options (body, spec, &dry_run, error))
    return NULL;

  json_object_set_string_member (spec, "listener", name);
  json_object_set_int_member (spec, "from", from_ms);
  json_object_set_int_member (spec, "to", to_ms);
  if (*text != '\0')
    json_object_set_string_member (spec, "query", text);
  json_object_set_int_member (spec, "batch_size", (gint64) batch_size);

  if (dry_run)
    {
      *dry_answer = replay_dry_run (self, query, from_ms, to_ms, spec, error);
      return NULL;
    }
  job = job_new (self, "replay", spec, request);
  /* Same clock as the query's relative times: a resume re-parses at created_at. */
  job->created_at = now_ms;
  job->total = hw_event_store_count (hw_hub_get_store (self->hub), query, from_ms, to_ms, NULL, error);
  if (job->total < 0)
    {
      job_free (job);
      return NULL;
    }
  return job;
}

/* Resubmissions --------------------------------------------------------------- */

static const char * const resubmission_members[] = {
  "fault_ids", "group", "dry_run", "rate", "parallel", NULL
};

static JsonArray *
faults_from_ids (HwHubJobs  *self,
                 JsonArray  *ids,
                 GError    **error)
{
  g_autoptr(JsonArray) items = json_array_new ();
  guint n = json_array_get_length (ids);

  if (n == 0 || n > MAX_FAULT_IDS)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON, "“fault_ids” must hold 1 to %u ids", MAX_FAULT_IDS);
      return NULL;
    }
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (ids, i);
      g_autoptr(HwEventRow) row = NULL;

      if (!member_type_is (node, G_TYPE_STRING))
        {
          g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON, "“fault_ids[%u]” must be a string", i);
          return NULL;
        }
      row = hw_event_store_get_event_by_id (hw_hub_get_store (self->hub), json_node_get_string (node), NULL);
      if (row == NULL)
        {
          g_set_error (error, HW_ERROR, HW_ERROR_NOT_FOUND, "no fault with id “%s”", json_node_get_string (node));
          return NULL;
        }
      if (!row->is_fault)
        {
          g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON, "event “%s” is not a fault", row->id);
          return NULL;
        }
      json_array_add_string_element (items, row->id);
    }
  return g_steal_pointer (&items);
}

static const char *
group_string (JsonObject  *group,
              const char  *member,
              GError     **error)
{
  JsonNode *node = json_object_get_member (group, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  if (!member_type_is (node, G_TYPE_STRING))
    {
      if (*error == NULL)
        g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON, "“group.%s” must be a string", member);
      return NULL;
    }
  return json_node_get_string (node);
}

/* @error must not be NULL: group_string() reports through it. */
static JsonArray *
faults_from_group (HwHubJobs   *self,
                   JsonObject  *group,
                   GError     **error)
{
  static const char * const group_members[] = { "functionname", "pipeline", "message", NULL };
  HwFaultFilter filter = { 0 };
  g_autoptr(GPtrArray) faults = NULL;
  JsonArray *items;

  if (!check_members (group, group_members, error))
    return NULL;
  filter.functionname = group_string (group, "functionname", error);
  filter.pipeline = group_string (group, "pipeline", error);
  filter.err_message = group_string (group, "message", error);
  if (*error != NULL)
    return NULL;
  /* Only faults not yet resubmitted: resubmitting a group after a fix must
   * not send again what an earlier resubmission already delivered. */
  filter.state = HW_FAULT_STATE_NEW;
  faults = hw_event_store_list_faults (hw_hub_get_store (self->hub), &filter, MAX_GROUP_FAULTS, NULL, error);
  if (faults == NULL)
    return NULL;
  items = json_array_new ();
  for (guint i = faults->len; i > 0; i--)   /* oldest first */
    json_array_add_string_element (items, ((HwFaultRow *) g_ptr_array_index (faults, i - 1))->id);
  return items;
}

static JsonNode *
resubmission_dry_run (HwHubJobs *self,
                      JsonArray *items)
{
  g_autoptr(JsonObject) answer = json_object_new ();
  JsonObject *targets = json_object_new ();
  JsonArray *sample = json_array_new ();
  JsonArray *missing = json_array_new ();
  JsonNode *node;

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      g_autoptr(HwEventRow) row = hw_event_store_get_event_by_id (hw_hub_get_store (self->hub),
                                                                  json_array_get_string_element (items, i),
                                                                  NULL);
      const char *target = row != NULL && row->functionname != NULL ? row->functionname : "";

      json_object_set_int_member (targets, target,
                                  (json_object_has_member (targets, target) ?
                                   json_object_get_int_member (targets, target) : 0) + 1);
      if (hw_hub_listeners_lookup (self->listeners, target) == NULL && json_object_get_int_member (targets, target) == 1)
        json_array_add_string_element (missing, target);
      if (i < SAMPLE_SIZE && row != NULL)
        {
          JsonNode *fault = json_from_string (row->json, NULL);

          if (fault != NULL)
            json_array_add_element (sample, fault);
        }
    }
  json_object_set_boolean_member (answer, "dry_run", TRUE);
  json_object_set_string_member (answer, "kind", "resubmission");
  json_object_set_int_member (answer, "count", json_array_get_length (items));
  json_object_set_object_member (answer, "targets", targets);
  json_object_set_array_member (answer, "missing_targets", missing);
  json_object_set_array_member (answer, "sample", sample);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, answer);
  return node;
}

static HwJob *
resubmission_request (HwHubJobs     *self,
                      HwHubRequest  *request,
                      JsonObject    *body,
                      JsonNode     **dry_answer,
                      GError       **error)
{
  g_autoptr(JsonObject) spec = json_object_new ();
  g_autoptr(JsonArray) items = NULL;
  JsonNode *ids = json_object_get_member (body, "fault_ids");
  JsonNode *group = json_object_get_member (body, "group");
  gboolean dry_run;
  HwJob *job;

  if (!check_members (body, resubmission_members, error))
    return NULL;
  if ((ids == NULL) == (group == NULL))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON, "give exactly one of “fault_ids” and “group”");
      return NULL;
    }
  if (ids != NULL && !JSON_NODE_HOLDS_ARRAY (ids))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON, "“fault_ids” must be an array of strings");
      return NULL;
    }
  if (group != NULL && !JSON_NODE_HOLDS_OBJECT (group))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON,
                   "“group” must be an object {functionname, pipeline, message}");
      return NULL;
    }
  if (!parse_run_options (body, spec, &dry_run, error))
    return NULL;
  items = ids != NULL ? faults_from_ids (self, json_node_get_array (ids), error)
                      : faults_from_group (self, json_node_get_object (group), error);
  if (items == NULL)
    return NULL;

  if (dry_run)
    {
      *dry_answer = resubmission_dry_run (self, items);
      return NULL;
    }
  if (group != NULL)
    json_object_set_member (spec, "group", json_node_copy (group));
  json_object_set_array_member (spec, "items", json_array_ref (items));
  job = job_new (self, "resubmission", spec, request);
  job->total = json_array_get_length (items);
  return job;
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
  if (!insert_job (self, job, &error))
    {
      job_free (job);
      hw_hub_reply_gerror (request->msg, error);
      return;
    }
  g_hash_table_insert (self->by_id, g_strdup (job->id), job);
  audit (job, "job.start");
  hw_job_run_start (job);
  reply_job (request, 202, job);
}

static void
handle_replay (HwHubRequest *request,
               gpointer      user_data)
{
  handle_job_request (user_data, request, replay_request);
}

static void
handle_resubmission (HwHubRequest *request,
                     gpointer      user_data)
{
  handle_job_request (user_data, request, resubmission_request);
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
  const HwJob *ja = *(HwJob * const *) a;
  const HwJob *jb = *(HwJob * const *) b;

  if (ja->created_at != jb->created_at)
    return ja->created_at < jb->created_at ? 1 : -1;
  return g_strcmp0 (jb->id, ja->id);
}

static void
handle_list (HwHubRequest *request,
             gpointer      user_data)
{
  HwHubJobs *self = user_data;
  const char *state = hw_hub_request_get_query (request, "state");
  const char *kind = hw_hub_request_get_query (request, "kind");
  g_autoptr(GPtrArray) jobs = jobs_as_array (self);
  g_autoptr(JsonObject) answer = json_object_new ();
  JsonArray *array = json_array_new ();

  g_ptr_array_sort (jobs, compare_newest_first);
  for (guint i = 0; i < jobs->len; i++)
    {
      HwJob *job = g_ptr_array_index (jobs, i);

      if ((state != NULL && g_strcmp0 (state, job->state) != 0) ||
          (kind != NULL && g_strcmp0 (kind, job->kind) != 0))
        continue;
      json_array_add_element (array, hw_job_to_json (job));
    }
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

static void
handle_get (HwHubRequest *request,
            gpointer      user_data)
{
  HwJob *job = lookup_or_404 (user_data, request);

  if (job != NULL)
    reply_job (request, 200, job);
}

static void
handle_cancel (HwHubRequest *request,
               gpointer      user_data)
{
  HwJob *job = lookup_or_404 (user_data, request);
  g_autoptr(GError) error = NULL;

  if (job == NULL)
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
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (hw_hub_get_db_mutex (self->hub));
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
                 GError        **error)
{
  HwHubJobs *self;

  g_return_val_if_fail (HW_IS_HUB (hub), NULL);
  g_return_val_if_fail (listeners != NULL, NULL);

  self = g_new0 (HwHubJobs, 1);
  self->hub = hub;
  self->listeners = listeners;
  self->by_id = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) job_free);
  if (!load_jobs (self, error))
    {
      hw_hub_jobs_free (self);
      return NULL;
    }

  hw_hub_add_route (hub, "POST", "/v1/replays", HW_ROLE_OPERATOR, handle_replay, self);
  hw_hub_add_route (hub, "POST", "/v1/resubmissions", HW_ROLE_OPERATOR, handle_resubmission, self);
  hw_hub_add_route (hub, "GET", "/v1/jobs", HW_ROLE_VIEWER, handle_list, self);
  hw_hub_add_route (hub, "GET", "/v1/jobs/{id}", HW_ROLE_VIEWER, handle_get, self);
  hw_hub_add_route (hub, "POST", "/v1/jobs/{id}/cancel", HW_ROLE_OPERATOR, handle_cancel, self);

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
}

void
hw_hub_jobs_free (HwHubJobs *self)
{
  if (self == NULL)
    return;
  hw_hub_jobs_stop (self);
  g_hash_table_unref (self->by_id);
  g_free (self);
}

JsonNode *
hw_hub_jobs_describe (HwHubJobs  *self,
                      const char *id)
{
  HwJob *job;

  g_return_val_if_fail (self != NULL, NULL);

  job = g_hash_table_lookup (self->by_id, id);
  return job != NULL ? hw_job_to_json (job) : NULL;
}
