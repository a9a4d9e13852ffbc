/* hw-hub-client-ops.c: the hub client's calls for faults, listeners, jobs, replays, metrics and system events
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "hw-error.h"
#include "hw-hub-client-private.h"

/* ---- faults --------------------------------------------------------- */

void
hw_hub_client_list_faults_async (HwHubClient         *self,
                                 const char          *query,
                                 const char          *from,
                                 const char          *to,
                                 guint                limit,
                                 const char          *cursor,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (HW_IS_HUB_CLIENT (self));

  path = hw_hub_build_events_path ("/v1/faults", query, from, to, limit, cursor);
  hw_hub_client_call_event_page (self, path, "faults", hw_hub_client_list_faults_async,
                   cancellable, callback, user_data);
}

HW_HUB_CLIENT_DEFINE_FINISH (hw_hub_client_list_faults, HwHubEventPage *)

static HwHubFaultGroup *
fault_group_from_json (JsonObject *object)
{
  HwHubFaultGroup *group = g_new0 (HwHubFaultGroup, 1);
  const char *message = hw_json_get_string (object, "message");

  if (message == NULL)
    message = hw_json_get_string (object, "err_message");
  group->functionname = g_strdup (hw_json_get_string (object, "functionname"));
  group->pipeline = g_strdup (hw_json_get_string (object, "pipeline"));
  group->message = g_strdup (message);
  group->count = (guint64) MAX (hw_json_get_int (object, "count"), 0);
  group->first_seen_ms = json_object_has_member (object, "first_seen_ms")
                         ? hw_json_get_int (object, "first_seen_ms") : hw_json_get_time_ms (object, "first_seen");
  group->last_seen_ms = json_object_has_member (object, "last_seen_ms")
                        ? hw_json_get_int (object, "last_seen_ms") : hw_json_get_time_ms (object, "last_seen");
  group->sample_id = g_strdup (hw_json_get_string (object, "sample_id"));
  group->raw = json_object_ref (object);
  return group;
}

/* Lists of objects share one loop; @convert may fail with an error. */
GPtrArray *
hw_hub_json_convert_list (JsonNode        *root,
              const char      *member,
              HwHubItemFunc         convert,
              GDestroyNotify   item_free,
              GError         **error)
{
  JsonArray *array = hw_hub_json_root_array (root, member, error);
  g_autoptr(GPtrArray) items = NULL;

  if (array == NULL)
    return NULL;
  items = g_ptr_array_new_with_free_func (item_free);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      gpointer item;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_set_error (error, HW_ERROR, HW_ERROR_PROTOCOL, "Item %u of \"%s\" is not an object", i, member);
          return NULL;
        }
      if ((item = convert (json_node_get_object (node), error)) == NULL)
        return NULL;
      g_ptr_array_add (items, item);
    }
  return g_steal_pointer (&items);
}

static gpointer
convert_fault_group (JsonObject  *object,
                     GError     **error)
{
  return fault_group_from_json (object);
}

static gpointer
parse_fault_groups (JsonNode  *root,
                    gpointer   data,
                    GError   **error)
{
  return hw_hub_json_convert_list (root, "groups", convert_fault_group, (GDestroyNotify) hw_hub_fault_group_free, error);
}

static const HwHubEndpoint fault_groups_endpoint = {
  "GET", parse_fault_groups, (GDestroyNotify) g_ptr_array_unref, hw_hub_client_fault_groups_async,
};

void
hw_hub_client_fault_groups_async (HwHubClient         *self,
                                  const char          *from,
                                  const char          *to,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (HW_IS_HUB_CLIENT (self));

  path = hw_hub_build_events_path ("/v1/faults/groups", NULL, from, to, 0, NULL);
  hw_hub_client_call_endpoint (self, &fault_groups_endpoint, path, NULL, cancellable, callback, user_data);
}

HW_HUB_CLIENT_DEFINE_FINISH (hw_hub_client_fault_groups, GPtrArray *)

/* ---- listeners and jobs --------------------------------------------- */

GPtrArray *
hw_hub_listeners_from_json (JsonNode  *root,
                            GError   **error)
{
  return hw_hub_json_convert_list (root, "listeners", (HwHubItemFunc) hw_hub_listener_from_json,
                       (GDestroyNotify) hw_hub_listener_free, error);
}

static gpointer
parse_listeners (JsonNode  *root,
                 gpointer   data,
                 GError   **error)
{
  return hw_hub_listeners_from_json (root, error);
}

static const HwHubEndpoint listeners_endpoint = {
  "GET", parse_listeners, (GDestroyNotify) g_ptr_array_unref, hw_hub_client_list_listeners_async,
};

void
hw_hub_client_list_listeners_async (HwHubClient         *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (HW_IS_HUB_CLIENT (self));

  hw_hub_client_call_endpoint (self, &listeners_endpoint, "/v1/listeners", NULL, cancellable, callback, user_data);
}

HW_HUB_CLIENT_DEFINE_FINISH (hw_hub_client_list_listeners, GPtrArray *)

GPtrArray *
hw_hub_jobs_from_json (JsonNode  *root,
                       GError   **error)
{
  return hw_hub_json_convert_list (root, "jobs", (HwHubItemFunc) hw_hub_job_from_json,
                       (GDestroyNotify) hw_hub_job_free, error);
}

static gpointer
parse_jobs (JsonNode  *root,
            gpointer   data,
            GError   **error)
{
  return hw_hub_jobs_from_json (root, error);
}

/* A job is answered bare or as {"job":{…}}. */
static gpointer
parse_job (JsonNode  *root,
           gpointer   data,
           GError   **error)
{
  JsonObject *object = hw_hub_json_root_object (root, error);
  JsonNode *inner;

  if (object == NULL)
    return NULL;
  inner = json_object_get_member (object, "job");
  if (inner != NULL && JSON_NODE_HOLDS_OBJECT (inner))
    object = json_node_get_object (inner);
  return hw_hub_job_from_json (object, error);
}

static const HwHubEndpoint jobs_endpoint = {
  "GET", parse_jobs, (GDestroyNotify) g_ptr_array_unref, hw_hub_client_list_jobs_async,
};

void
hw_hub_client_list_jobs_async (HwHubClient         *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (HW_IS_HUB_CLIENT (self));

  hw_hub_client_call_endpoint (self, &jobs_endpoint, "/v1/jobs", NULL, cancellable, callback, user_data);
}

HW_HUB_CLIENT_DEFINE_FINISH (hw_hub_client_list_jobs, GPtrArray *)

static const HwHubEndpoint get_job_endpoint = {
  "GET", parse_job, (GDestroyNotify) hw_hub_job_free, hw_hub_client_get_job_async,
};
static const HwHubEndpoint cancel_job_endpoint = {
  "POST", parse_job, (GDestroyNotify) hw_hub_job_free, hw_hub_client_cancel_job_async,
};

static void
call_job (HwHubClient         *self,
          const HwHubEndpoint *endpoint,
          const char          *id,
          const char          *suffix,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data)
{
  g_autofree char *escaped = hw_hub_escape_segment (id);
  g_autofree char *path = g_strconcat ("/v1/jobs/", escaped, suffix, NULL);

  hw_hub_client_call_endpoint (self, endpoint, path, NULL, cancellable, callback, user_data);
}

void
hw_hub_client_get_job_async (HwHubClient         *self,
                             const char          *id,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (HW_IS_HUB_CLIENT (self));
  g_return_if_fail (id != NULL);

  call_job (self, &get_job_endpoint, id, "", cancellable, callback, user_data);
}

HW_HUB_CLIENT_DEFINE_FINISH (hw_hub_client_get_job, HwHubJob *)

void
hw_hub_client_cancel_job_async (HwHubClient         *self,
                                const char          *id,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (HW_IS_HUB_CLIENT (self));
  g_return_if_fail (id != NULL);

  call_job (self, &cancel_job_endpoint, id, "/cancel", cancellable, callback, user_data);
}

HW_HUB_CLIENT_DEFINE_FINISH (hw_hub_client_cancel_job, HwHubJob *)

/* ---- replays and resubmissions ---------------------------------------- */

static gpointer
parse_submit (JsonNode  *root,
              gpointer   data,
              GError   **error)
{
  gboolean dry_run = GPOINTER_TO_INT (data);
  JsonObject *object = hw_hub_json_root_object (root, error);
  g_autoptr(HwHubSubmitResult) result = NULL;

  if (object == NULL)
    return NULL;

  result = g_new0 (HwHubSubmitResult, 1);
  result->raw = json_object_ref (object);
  result->dry_run = dry_run;
  if (dry_run)
    {
      if (!json_object_has_member (object, "count"))
        {
          g_set_error (error, HW_ERROR, HW_ERROR_PROTOCOL, "The hub's dry run has no \"count\"");
          return NULL;
        }
      result->count = hw_json_get_int (object, "count");
      return g_steal_pointer (&result);
    }
  if ((result->job = parse_job (root, NULL, error)) == NULL)
    return NULL;
  result->count = result->job->total;
  return g_steal_pointer (&result);
}

void
hw_hub_client_submit_async (HwHubClient         *self,
                            HwHubSubmitKind      kind,
                            JsonObject          *body,
                            gboolean             dry_run,
                            const char          *idempotency_key,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(JsonNode) node = NULL;
  JsonObject *copy = json_object_new ();
  JsonObjectIter iter;
  const char *member;
  JsonNode *value;
  HwHubCall call = {
    .method = "POST",
    .path_and_query = kind == HW_HUB_SUBMIT_REPLAY ? "/v1/replays" : "/v1/resubmissions",
    .idempotency_key = idempotency_key,
    .parse_json = parse_submit,
    .parse_data = GINT_TO_POINTER (dry_run),
    .result_free = (GDestroyNotify) hw_hub_submit_result_free,
    .source_tag = hw_hub_client_submit_async,
  };

  g_return_if_fail (HW_IS_HUB_CLIENT (self));
  g_return_if_fail (body != NULL);

  /* A copy, so the caller's object (maybe an outbox row) keeps its dry_run. */
  json_object_iter_init (&iter, body);
  while (json_object_iter_next (&iter, &member, &value))
    json_object_set_member (copy, member, json_node_copy (value));
  json_object_set_boolean_member (copy, "dry_run", dry_run);
  node = json_node_init_object (json_node_alloc (), copy);
  json_object_unref (copy);
  call.body = node;
  hw_hub_client_call (self, &call, cancellable, callback, user_data);
}

HW_HUB_CLIENT_DEFINE_FINISH (hw_hub_client_submit, HwHubSubmitResult *)

/* ---- metrics -------------------------------------------------------- */

static char *
labels_to_string (JsonObject *labels)
{
  g_autoptr(GList) names = g_list_sort (json_object_get_members (labels), (GCompareFunc) strcmp);
  GString *out = g_string_new (NULL);

  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *value = hw_json_get_string (labels, l->data);

      g_string_append_printf (out, "%s%s=%s", out->len > 0 ? "," : "", (char *) l->data,
                              value != NULL ? value : "");
    }
  return g_string_free (out, FALSE);
}

static double
point_value (JsonNode *node)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NAN;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return (double) json_node_get_int (node);
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    return json_node_get_double (node);
  return NAN;
}

static gpointer
series_from_json (JsonObject  *object,
                  GError     **error)
{
  g_autoptr(HwHubSeries) series = g_new0 (HwHubSeries, 1);
  JsonNode *labels = json_object_get_member (object, "labels");
  JsonNode *points = json_object_get_member (object, "points");
  JsonArray *array;

  if (points == NULL || !JSON_NODE_HOLDS_ARRAY (points))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_PROTOCOL, "A metric series has no \"points\" array");
      return NULL;
    }
  series->name = g_strdup (hw_json_get_string (object, "name"));
  series->labels = labels != NULL && JSON_NODE_HOLDS_OBJECT (labels)
                   ? json_object_ref (json_node_get_object (labels)) : json_object_new ();
  series->label = labels_to_string (series->labels);
  series->points = g_array_new (FALSE, FALSE, sizeof (HwHubPoint));

  array = json_node_get_array (points);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);
      JsonArray *pair;
      HwHubPoint point;

      if (!JSON_NODE_HOLDS_ARRAY (item) || json_array_get_length (pair = json_node_get_array (item)) < 2)
        {
          g_set_error (error, HW_ERROR, HW_ERROR_PROTOCOL, "Point %u of a metric series is not [ts, value]", i);
          return NULL;
        }
      point.ts_ms = (gint64) point_value (json_array_get_element (pair, 0));
      point.value = point_value (json_array_get_element (pair, 1));
      g_array_append_val (series->points, point);
    }
  return g_steal_pointer (&series);
}

static gpointer
parse_series (JsonNode  *root,
              gpointer   data,
              GError   **error)
{
  GPtrArray *list = hw_hub_json_convert_list (root, "series", series_from_json, (GDestroyNotify) hw_hub_series_free, error);
  const char *name = data;

  for (guint i = 0; list != NULL && i < list->len; i++)
    {
      HwHubSeries *series = g_ptr_array_index (list, i);

      if (series->name == NULL)
        series->name = g_strdup (name);
    }
  return list;
}

void
hw_hub_client_query_metrics_async (HwHubClient         *self,
                                   const char          *name,
                                   const char          *from,
                                   const char          *to,
                                   guint                step_s,
                                   const char          *stat,
                                   const char          *by,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GString) path = g_string_new ("/v1/metrics/query");
  g_autofree char *step = step_s > 0 ? g_strdup_printf ("%u", step_s) : NULL;
  HwHubCall call = {
    .method = "GET",
    .parse_json = parse_series,
    .parse_data = g_strdup (name),
    .parse_data_free = g_free,
    .result_free = (GDestroyNotify) g_ptr_array_unref,
    .source_tag = hw_hub_client_query_metrics_async,
  };

  g_return_if_fail (HW_IS_HUB_CLIENT (self));
  g_return_if_fail (name != NULL);

  hw_hub_query_add (path, "name", name);
  hw_hub_query_add (path, "from", from);
  hw_hub_query_add (path, "to", to);
  hw_hub_query_add (path, "step", step);
  hw_hub_query_add (path, "stat", stat);
  hw_hub_query_add (path, "by", by);
  call.path_and_query = path->str;
  hw_hub_client_call (self, &call, cancellable, callback, user_data);
}

HW_HUB_CLIENT_DEFINE_FINISH (hw_hub_client_query_metrics, GPtrArray *)

/* ---- system events ---------------------------------------------------- */

static gpointer
parse_system_events (JsonNode  *root,
                     gpointer   data,
                     GError   **error)
{
  const char *member = "system_events";

  if (JSON_NODE_HOLDS_OBJECT (root) && !json_object_has_member (json_node_get_object (root), member))
    member = "events";
  return hw_hub_json_convert_list (root, member, (HwHubItemFunc) hw_hub_system_event_from_json,
                       (GDestroyNotify) hw_hub_system_event_free, error);
}

static const HwHubEndpoint system_events_endpoint = {
  "GET", parse_system_events, (GDestroyNotify) g_ptr_array_unref, hw_hub_client_list_system_events_async,
};

void
hw_hub_client_list_system_events_async (HwHubClient         *self,
                                        const char          *kind,
                                        const char          *from,
                                        const char          *to,
                                        guint                limit,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_autofree char *path = NULL;
  GString *full;

  g_return_if_fail (HW_IS_HUB_CLIENT (self));

  path = hw_hub_build_events_path ("/v1/system-events", NULL, from, to, limit, NULL);
  full = g_string_new (path);
  hw_hub_query_add (full, "kind", kind);
  g_free (path);
  path = g_string_free (full, FALSE);
  hw_hub_client_call_endpoint (self, &system_events_endpoint, path, NULL, cancellable, callback, user_data);
}

HW_HUB_CLIENT_DEFINE_FINISH (hw_hub_client_list_system_events, GPtrArray *)

static gpointer
parse_system_event_page (JsonNode  *root,
                         gpointer   data,
                         GError   **error)
{
  g_autoptr(HwHubSystemEventPage) page = g_new0 (HwHubSystemEventPage, 1);
  JsonObject *object;

  page->events = parse_system_events (root, NULL, error);
  if (page->events == NULL)
    return NULL;
  page->last_seq = *(guint64 *) data;
  object = JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  if (object != NULL && json_object_has_member (object, "last_seq"))
    page->last_seq = (guint64) MAX (hw_json_get_int (object, "last_seq"), 0);
  return g_steal_pointer (&page);
}

void
hw_hub_client_list_system_event_changes_async (HwHubClient         *self,
                                               guint64              after,
                                               guint                limit,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data)
{
  g_autofree char *path = NULL;
  HwHubCall call = {
    .method = "GET",
    .parse_json = parse_system_event_page,
    .parse_data = g_memdup2 (&after, sizeof after),
    .parse_data_free = g_free,
    .result_free = (GDestroyNotify) hw_hub_system_event_page_free,
    .source_tag = hw_hub_client_list_system_event_changes_async,
  };

  g_return_if_fail (HW_IS_HUB_CLIENT (self));

  path = limit > 0
         ? g_strdup_printf ("/v1/system-events?after=%" G_GUINT64_FORMAT "&limit=%u", after, limit)
         : g_strdup_printf ("/v1/system-events?after=%" G_GUINT64_FORMAT, after);
  call.path_and_query = path;
  hw_hub_client_call (self, &call, cancellable, callback, user_data);
}

HW_HUB_CLIENT_DEFINE_FINISH (hw_hub_client_list_system_event_changes, HwHubSystemEventPage *)

static gpointer
parse_system_event (JsonNode  *root,
                    gpointer   data,
                    GError   **error)
{
  JsonObject *object = hw_hub_json_root_object (root, error);

  return object != NULL ? hw_hub_system_event_from_json (object, error) : NULL;
}

static const HwHubEndpoint patch_system_event_endpoint = {
  "PATCH", parse_system_event, (GDestroyNotify) hw_hub_system_event_free, hw_hub_client_patch_system_event_async,
};

void
hw_hub_client_patch_system_event_async (HwHubClient         *self,
                                        const char          *id,
                                        JsonObject          *patch,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (HW_IS_HUB_CLIENT (self));
  g_return_if_fail (id != NULL && patch != NULL);

  node = json_node_init_object (json_node_alloc (), patch);
  escaped = hw_hub_escape_segment (id);
  path = g_strconcat ("/v1/system-events/", escaped, NULL);
  hw_hub_client_call_endpoint (self, &patch_system_event_endpoint, path, node, cancellable, callback, user_data);
}

HW_HUB_CLIENT_DEFINE_FINISH (hw_hub_client_patch_system_event, HwHubSystemEvent *)

static const HwHubEndpoint post_system_event_endpoint = {
  "POST", hw_hub_parse_any, (GDestroyNotify) json_node_unref, hw_hub_client_post_system_event_async,
};

void
hw_hub_client_post_system_event_async (HwHubClient         *self,
                                       JsonObject          *system_event,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(JsonNode) node = NULL;

  g_return_if_fail (HW_IS_HUB_CLIENT (self));
  g_return_if_fail (system_event != NULL);

  node = json_node_init_object (json_node_alloc (), system_event);
  hw_hub_client_call_endpoint (self, &post_system_event_endpoint, "/v1/system-events", node,
                               cancellable, callback, user_data);
}

HW_HUB_CLIENT_DEFINE_FINISH (hw_hub_client_post_system_event, JsonNode *)
