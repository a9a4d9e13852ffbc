/* hw-hub-jobs-requests.c: validating replay and resubmission requests, and dry runs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-error.h"
#include "hw-event-store.h"
#include "hw-hub-http.h"
#include "hw-hub-jobs-private.h"

#define DEFAULT_RATE        1000.0
#define DEFAULT_PARALLEL    4
#define MAX_FAULT_IDS       10000
#define MAX_GROUP_FAULTS    100000
#define SAMPLE_SIZE         5

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

HwJob *
hw_job_new (HwHubJobs    *self,
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
  hw_json_copy_member (answer, spec, "listener");
  json_object_set_int_member (answer, "count", count);
  json_object_set_object_member (answer, "by_type", by_type);
  json_object_set_array_member (answer, "sample", events);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, answer);
  return node;
}

HwJob *
hw_job_parse_replay (HwHubJobs     *self,
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
  job = hw_job_new (self, "replay", spec, request);
  /* Same clock as the query's relative times: a resume re-parses at created_at. */
  job->created_at = now_ms;
  job->total = hw_event_store_count (hw_hub_get_store (self->hub), query, from_ms, to_ms, NULL, error);
  if (job->total < 0)
    {
      hw_job_free (job);
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

HwJob *
hw_job_parse_resubmission (HwHubJobs     *self,
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
  job = hw_job_new (self, "resubmission", spec, request);
  job->total = json_array_get_length (items);
  return job;
}
