/* hw-hub-api-system-events.c: /v1/system-events: deployments, incidents, alerts and audits
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-error.h"
#include "hw-event-store.h"
#include "hw-hub-http.h"
#include "hw-hub-lake.h"
#include "hw-hub-private.h"
#include "hw-time.h"

#define MAX_SYSTEM_EVENTS_PER_REQUEST 1000

/* System events ------------------------------------------------------------------ */

typedef enum { FIELD_STRING, FIELD_TIME, FIELD_NUMBER } FieldType;

typedef struct
{
  const char *name;
  FieldType   type;
  gboolean    required;
} Field;

typedef struct
{
  const char  *kind;
  const char  *ts_field;     /* which time orders the event; NULL = "time" or now */
  const Field *fields;
} Schema;

static const Field deployment_fields[] = {
  { "id", FIELD_STRING, TRUE }, { "service", FIELD_STRING, TRUE }, { "version", FIELD_STRING, TRUE },
  { "commit_sha", FIELD_STRING, TRUE }, { "commit_time", FIELD_TIME, TRUE },
  { "deploy_time", FIELD_TIME, TRUE }, { "result", FIELD_STRING, TRUE }, { NULL },
};
static const Field incident_fields[] = {
  { "id", FIELD_STRING, TRUE }, { "service", FIELD_STRING, TRUE }, { "severity", FIELD_STRING, TRUE },
  { "opened_at", FIELD_TIME, TRUE }, { "resolved_at", FIELD_TIME, FALSE },
  { "cause_deployment", FIELD_STRING, FALSE }, { NULL },
};
static const Field alert_fields[] = {
  { "id", FIELD_STRING, FALSE }, { "rule", FIELD_STRING, TRUE }, { "state", FIELD_STRING, TRUE },
  { "value", FIELD_NUMBER, TRUE }, { "time", FIELD_TIME, FALSE }, { "service", FIELD_STRING, FALSE },
  { NULL },
};
static const Field audit_fields[] = {
  { "id", FIELD_STRING, FALSE }, { "action", FIELD_STRING, TRUE }, { "actor", FIELD_STRING, TRUE },
  { "time", FIELD_TIME, FALSE }, { "service", FIELD_STRING, FALSE }, { NULL },
};

static const Schema schemas[] = {
  { "deployment", "deploy_time", deployment_fields },
  { "incident", "opened_at", incident_fields },
  { "alert", "time", alert_fields },
  { "audit", "time", audit_fields },
};

static const Schema *
find_schema (const char *kind)
{
  for (guint i = 0; i < G_N_ELEMENTS (schemas); i++)
    if (g_strcmp0 (schemas[i].kind, kind) == 0)
      return &schemas[i];
  return NULL;
}

/* Times become epoch milliseconds in the stored object, so every reader
 * (console, CLI) does arithmetic without parsing. */
static gboolean
check_field (JsonObject   *object,
             const Field  *field,
             guint         index,
             GError      **error)
{
  JsonNode *node = json_object_get_member (object, field->name);
  GType type;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (!field->required)
        return TRUE;
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_EVENT,
                   "item %u: missing required field '%s'", index, field->name);
      return FALSE;
    }
  type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;

  switch (field->type)
    {
    case FIELD_STRING:
      if (type != G_TYPE_STRING || json_node_get_string (node)[0] == '\0')
        break;
      return TRUE;
    case FIELD_NUMBER:
      if (type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
        break;
      return TRUE;
    case FIELD_TIME:
      {
        g_autoptr(GError) time_error = NULL;
        gint64 ms;

        if (type == G_TYPE_INT64)
          return TRUE;
        if (type != G_TYPE_STRING)
          break;
        if (!hw_time_parse (json_node_get_string (node), hw_hub_now_ms (), HW_TIME_ROUND_DOWN, &ms, &time_error))
          {
            g_set_error (error, HW_ERROR, HW_ERROR_INVALID_TIME, "item %u: field '%s': %s",
                         index, field->name, time_error->message);
            return FALSE;
          }
        json_object_set_int_member (object, field->name, ms);
        return TRUE;
      }
    default:
      break;
    }
  g_set_error (error, HW_ERROR, HW_ERROR_INVALID_EVENT, "item %u: field '%s' must be %s",
               index, field->name,
               field->type == FIELD_STRING ? "a non-empty string"
               : field->type == FIELD_NUMBER ? "a number" : "an ISO-8601 string or epoch milliseconds");
  return FALSE;
}

static gboolean
validate_system_event (JsonNode  *node,
                       guint      index,
                       gint64    *out_ts,
                       GError   **error)
{
  JsonObject *object;
  const Schema *schema;
  const char *kind;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_EVENT, "item %u: expected an object", index);
      return FALSE;
    }
  object = json_node_get_object (node);
  kind = json_object_get_string_member_with_default (object, "kind", NULL);
  schema = find_schema (kind);
  if (schema == NULL)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_EVENT,
                   "item %u: field 'kind' must be deployment, incident, alert or audit", index);
      return FALSE;
    }
  for (const Field *field = schema->fields; field->name != NULL; field++)
    if (!check_field (object, field, index, error))
      return FALSE;

  if (g_str_equal (kind, "deployment"))
    {
      const char *result = json_object_get_string_member (object, "result");

      if (!g_str_equal (result, "success") && !g_str_equal (result, "failure"))
        {
          g_set_error (error, HW_ERROR, HW_ERROR_INVALID_EVENT,
                       "item %u: field 'result' must be success or failure", index);
          return FALSE;
        }
    }
  if (g_str_equal (kind, "incident") && json_object_has_member (object, "resolved_at")
      && !json_object_get_null_member (object, "resolved_at")
      && json_object_get_int_member (object, "resolved_at") < json_object_get_int_member (object, "opened_at"))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_TIME,
                   "item %u: resolved_at is before opened_at", index);
      return FALSE;
    }

  if (json_object_has_member (object, schema->ts_field))
    *out_ts = json_object_get_int_member (object, schema->ts_field);
  else
    {
      *out_ts = hw_hub_now_ms ();
      json_object_set_int_member (object, "time", *out_ts);
    }
  return TRUE;
}

/* One item of a POST's answer. */
static void
add_item (JsonArray  *items,
          guint       index,
          const char *id,
          gboolean    duplicate)
{
  JsonObject *item = json_object_new ();

  json_object_set_int_member (item, "index", index);
  json_object_set_string_member (item, "id", id);
  json_object_set_string_member (item, "status", duplicate ? "duplicate" : "accepted");
  json_array_add_object_element (items, item);
}

static void
reply_items (HwHubRequest *request,
             JsonArray    *items,
             gboolean      any_accepted)
{
  g_autoptr(JsonObject) answer = json_object_new ();

  json_object_set_array_member (answer, "items", json_array_ref (items));
  hw_hub_reply_object (request->msg, any_accepted ? SOUP_STATUS_CREATED : SOUP_STATUS_OK, answer);
}

/* With the JetStream engine an event is new when this message made its
 * row in the store, as the copy noted when it applied it. A row's seq
 * cannot tell once a PATCH has changed it, so it is consulted only for an
 * outcome no longer kept. */
static gboolean
published_as_new (HwHub       *hub,
                  const char  *id,
                  gint64       seq,
                  gboolean     duplicate)
{
  g_autoptr(HwSystemEvent) stored = NULL;

  if (duplicate)
    return FALSE;
  switch (hw_hub_lake_get_system_outcome (hw_hub_get_lake (hub), seq))
    {
    case HW_SYSTEM_OUTCOME_CREATED:
      return TRUE;
    case HW_SYSTEM_OUTCOME_UNKNOWN:
      stored = hw_event_store_get_system_event (hw_hub_get_store (hub), id, NULL, NULL);
      return stored != NULL && stored->seq == seq;
    case HW_SYSTEM_OUTCOME_KEPT:
    case HW_SYSTEM_OUTCOME_REPLACED:
    case HW_SYSTEM_OUTCOME_CONFLICT:
    default:
      return FALSE;
    }
}

/* @data: the events' ids (a GStrv), in the request's order. */
static void
answer_published (HwHubRequest   *request,
                  const gint64   *seqs,
                  const gboolean *duplicates,
                  gpointer        data)
{
  char **ids = data;
  g_autoptr(JsonArray) items = json_array_new ();
  gboolean any_accepted = FALSE;

  for (guint i = 0; ids[i] != NULL; i++)
    {
      gboolean accepted = published_as_new (request->hub, ids[i], seqs[i], duplicates[i]);

      any_accepted |= accepted;
      add_item (items, i, ids[i], !accepted);
    }
  reply_items (request, items, any_accepted);
}

/* The JetStream engine's POST: every replica's copy stores the events. */
static void
post_shared (HwHubRequest *request,
             GPtrArray    *nodes,
             GArray       *times)
{
  g_autoptr(GPtrArray) objects = g_ptr_array_new ();
  GStrvBuilder *ids = g_strv_builder_new ();

  for (guint i = 0; i < nodes->len; i++)
    {
      JsonObject *object = json_node_get_object (g_ptr_array_index (nodes, i));

      g_strv_builder_add (ids, hw_hub_system_event_ensure_id (object));
      g_ptr_array_add (objects, object);
    }
  hw_hub_publish_system_events (request, objects, times, answer_published,
                                g_strv_builder_end (ids), (GDestroyNotify) g_strfreev);
  g_strv_builder_unref (ids);
}

static void
post_system_events (HwHubRequest *request,
                    gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GPtrArray) nodes = g_ptr_array_new ();
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(JsonArray) items = NULL;
  gsize length = 0;
  const char *data = g_bytes_get_data (request->body, &length);
  gboolean any_accepted = FALSE;

  root = hw_hub_parse_json (data, length, hw_hub_get_config (request->hub)->max_depth, &error);
  if (root == NULL)
    {
      hw_hub_reply_gerror (request->msg, error);
      return;
    }
  if (JSON_NODE_HOLDS_ARRAY (root))
    {
      JsonArray *array = json_node_get_array (root);

      for (guint i = 0; i < json_array_get_length (array); i++)
        g_ptr_array_add (nodes, json_array_get_element (array, i));
    }
  else
    g_ptr_array_add (nodes, root);
  if (nodes->len == 0 || nodes->len > MAX_SYSTEM_EVENTS_PER_REQUEST)
    {
      hw_hub_reply_error (request->msg, nodes->len ? SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE : SOUP_STATUS_BAD_REQUEST,
                          nodes->len ? "too_large" : "invalid_event",
                          "expected 1 to %d system events, got %u", MAX_SYSTEM_EVENTS_PER_REQUEST, nodes->len);
      return;
    }

  /* All or nothing: validate every item before storing any. */
  for (guint i = 0; i < nodes->len; i++)
    {
      gint64 ts;

      if (!validate_system_event (g_ptr_array_index (nodes, i), i, &ts, &error))
        {
          hw_hub_reply_gerror (request->msg, error);
          return;
        }
      g_array_append_val (times, ts);
    }

  if (hw_hub_get_lake (request->hub) != NULL)
    {
      post_shared (request, nodes, times);
      return;
    }

  items = json_array_new ();
  for (guint i = 0; i < nodes->len; i++)
    {
      JsonObject *object = json_node_get_object (g_ptr_array_index (nodes, i));
      g_autofree char *id = NULL;
      gboolean duplicate = FALSE;

      id = hw_hub_store_system_event (request->hub, object, g_array_index (times, gint64, i), &duplicate, &error);
      if (id == NULL)
        {
          hw_hub_reply_gerror (request->msg, error);
          return;
        }
      any_accepted |= !duplicate;
      add_item (items, i, id, duplicate);
    }
  reply_items (request, items, any_accepted);
}

/* PATCH /v1/system-events/{id}: a JSON merge patch (RFC 7396) over the stored
 * event, so an incident opened earlier can be resolved later. The merged
 * event is validated like a POSTed one; id and kind never change. */
static JsonObject *
merge_system_event (const char  *stored_json,
                    JsonObject  *patch,
                    GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(JsonObject) merged = json_object_new ();
  g_autoptr(GList) stored_names = NULL;
  g_autoptr(GList) patch_names = NULL;
  JsonObject *stored;

  if (!json_parser_load_from_data (parser, stored_json, -1, error))
    return NULL;
  /* Member order (not hash order), so the same patch twice gives the same
   * text and changes nothing the second time. */
  stored = json_node_get_object (json_parser_get_root (parser));
  stored_names = json_object_get_members (stored);
  for (GList *l = stored_names; l != NULL; l = l->next)
    json_object_set_member (merged, l->data, json_object_dup_member (stored, l->data));

  patch_names = json_object_get_members (patch);
  for (GList *l = patch_names; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *value = json_object_get_member (patch, name);

      if (g_str_equal (name, "id") || g_str_equal (name, "kind"))
        {
          JsonNode *old = json_object_get_member (merged, name);

          if (old == NULL || !json_node_equal (old, value))
            {
              g_set_error (error, HW_ERROR, HW_ERROR_INVALID_EVENT, "field '%s' cannot change", name);
              return NULL;
            }
          continue;
        }
      if (JSON_NODE_HOLDS_NULL (value))
        json_object_remove_member (merged, name);
      else
        json_object_set_member (merged, name, json_node_copy (value));
    }
  return g_steal_pointer (&merged);
}

/* Two PATCHes of one event through two replicas at once are merged from
 * the same version; the copies apply the first and refuse the other
 * (HW_SYSTEM_OUTCOME_CONFLICT), which is merged again from the version
 * that now holds the first. A few attempts: each one only fails when
 * another change of the same event landed meanwhile. */
#define PATCH_ATTEMPTS 5

typedef struct
{
  JsonNode *merged;
  guint     attempt;
} PatchAttempt;

static void
patch_attempt_free (PatchAttempt *attempt)
{
  json_node_unref (attempt->merged);
  g_free (attempt);
}

static void apply_patch (HwHubRequest *request,
                         guint         attempt);

static void
answer_patched (HwHubRequest   *request,
                const gint64   *seqs,
                const gboolean *duplicates,
                gpointer        data)
{
  PatchAttempt *attempt = data;

  if (hw_hub_lake_get_system_outcome (hw_hub_get_lake (request->hub), seqs[0]) != HW_SYSTEM_OUTCOME_CONFLICT)
    {
      hw_hub_reply_json (request->msg, SOUP_STATUS_OK, attempt->merged);
      return;
    }
  if (attempt->attempt + 1 < PATCH_ATTEMPTS)
    {
      apply_patch (request, attempt->attempt + 1);
      return;
    }
  hw_hub_reply_error (request->msg, SOUP_STATUS_CONFLICT, "conflict",
                      "the event changed %u times while this change was merged into it; send it again",
                      PATCH_ATTEMPTS);
}

/* The JetStream engine's PATCH: the route waited for this replica's copy
 * to catch up before the merge, and every copy applies the result while
 * the version it was merged from (@base_seq) is still the stored one. */
static void
patch_shared (HwHubRequest *request,
              JsonObject   *merged,
              gint64        ts,
              JsonNode     *node,
              gint64        base_seq,
              guint         attempt)
{
  PatchAttempt *data = g_new0 (PatchAttempt, 1);

  data->merged = json_node_ref (node);
  data->attempt = attempt;
  hw_hub_publish_system_change (request, merged, ts, base_seq, answer_patched, data,
                                (GDestroyNotify) patch_attempt_free);
}

static void
apply_patch (HwHubRequest *request,
             guint         attempt)
{
  const char *id = hw_hub_request_get_param (request, "id");
  HwEventStore *store = hw_hub_get_store (request->hub);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) patch = NULL;
  g_autoptr(HwSystemEvent) stored = NULL;
  g_autoptr(JsonObject) merged = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *json = NULL;
  HwInsertStatus status;
  gsize length = 0;
  const char *data = g_bytes_get_data (request->body, &length);
  gint64 ts;

  patch = hw_hub_parse_json (data, length, hw_hub_get_config (request->hub)->max_depth, &error);
  if (patch == NULL)
    {
      hw_hub_reply_gerror (request->msg, error);
      return;
    }
  if (!JSON_NODE_HOLDS_OBJECT (patch))
    {
      hw_hub_reply_error (request->msg, SOUP_STATUS_BAD_REQUEST, "invalid_event",
                          "expected a JSON object holding the fields to change");
      return;
    }
  stored = hw_event_store_get_system_event (store, id, NULL, &error);
  if (stored == NULL)
    {
      if (g_error_matches (error, HW_ERROR, HW_ERROR_NOT_FOUND))
        hw_hub_reply_error (request->msg, SOUP_STATUS_NOT_FOUND, "not_found", "no system event with id '%s'", id);
      else
        hw_hub_reply_gerror (request->msg, error);
      return;
    }
  merged = merge_system_event (stored->json, json_node_get_object (patch), &error);
  node = merged != NULL ? json_node_init_object (json_node_alloc (), merged) : NULL;
  if (node == NULL || !validate_system_event (node, 0, &ts, &error))
    {
      hw_hub_reply_gerror (request->msg, error);
      return;
    }
  if (hw_hub_get_lake (request->hub) != NULL)
    {
      patch_shared (request, merged, ts, node, stored->seq, attempt);
      return;
    }
  json = json_to_string (node, FALSE);
  if (!hw_event_store_upsert_system_event (store, id, stored->kind, ts,
                                           json_object_get_string_member_with_default (merged, "service", NULL),
                                           json, &status, &error))
    {
      hw_hub_reply_gerror (request->msg, error);
      return;
    }
  /* Live consoles get the new state at once; the others through ?after=. */
  if (status == HW_INSERT_ACCEPTED)
    hw_hub_stream_publish (request->hub, "system-event", node);
  hw_hub_reply_json (request->msg, SOUP_STATUS_OK, node);
}

static void
patch_system_event (HwHubRequest *request,
                    gpointer      user_data)
{
  apply_patch (request, 0);
}

/* The stored JSON goes out as it is, without a parse and print per event;
 * @last_seq < 0 leaves "last_seq" out. */
static void
reply_system_events (HwHubRequest *request,
                     GPtrArray    *events,
                     gint64        last_seq)
{
  GString *out = g_string_new ("{\"system_events\":[");
  gsize len;

  for (guint i = 0; i < events->len; i++)
    {
      HwSystemEvent *event = g_ptr_array_index (events, i);

      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append (out, event->json);
    }
  g_string_append_c (out, ']');
  if (last_seq >= 0)
    g_string_append_printf (out, ",\"last_seq\":%" G_GINT64_FORMAT, last_seq);
  g_string_append_c (out, '}');
  len = out->len;
  soup_server_message_set_status (request->msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (request->msg, "application/json", SOUP_MEMORY_TAKE,
                                    g_string_free (out, FALSE), len);
}

/* GET /v1/system-events?after=SEQ: every event stored or changed after SEQ,
 * in change order, with the seq to ask after next. */
static void
get_system_event_changes (HwHubRequest *request,
                          guint64       after,
                          guint64       limit)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = NULL;

  events = hw_event_store_list_system_events_after (hw_hub_get_store (request->hub), (gint64) after,
                                                    (guint) limit, NULL, &error);
  if (events == NULL)
    {
      hw_hub_reply_gerror (request->msg, error);
      return;
    }
  reply_system_events (request, events,
                       events->len > 0 ? ((HwSystemEvent *) g_ptr_array_index (events, events->len - 1))->seq
                                       : (gint64) after);
}

static void
get_system_events (HwHubRequest *request,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = NULL;
  const char *kind = hw_hub_request_get_query (request, "kind");
  const char *order_text = hw_hub_request_get_query (request, "order");
  HwEventOrder order = HW_EVENT_ORDER_NEWEST_FIRST;
  gint64 from_ms, to_ms;
  guint64 limit;

  if (hw_hub_request_get_query (request, "after") != NULL)
    {
      guint64 after;

      if (!hw_hub_parse_uint_param ("after", hw_hub_request_get_query (request, "after"),
                                    0, 0, G_MAXINT64, &after, &error)
          || !hw_hub_parse_uint_param ("limit", hw_hub_request_get_query (request, "limit"),
                                       1000, 1, 10000, &limit, &error))
        {
          hw_hub_reply_gerror (request->msg, error);
          return;
        }
      if (kind != NULL || order_text != NULL || hw_hub_request_get_query (request, "from") != NULL
          || hw_hub_request_get_query (request, "to") != NULL)
        {
          hw_hub_reply_error (request->msg, SOUP_STATUS_BAD_REQUEST, "protocol_error",
                              "parameter 'after' cannot be combined with kind, from, to or order");
          return;
        }
      get_system_event_changes (request, after, limit);
      return;
    }
  if (kind != NULL && kind[0] != '\0' && find_schema (kind) == NULL)
    {
      hw_hub_reply_error (request->msg, SOUP_STATUS_BAD_REQUEST, "protocol_error",
                          "parameter 'kind': expected deployment, incident, alert or audit, got '%s'", kind);
      return;
    }
  if (order_text != NULL && g_str_equal (order_text, "oldest"))
    order = HW_EVENT_ORDER_OLDEST_FIRST;
  if (!hw_hub_parse_time_param ("from", hw_hub_request_get_query (request, "from"),
                                HW_EVENT_STORE_UNBOUNDED, &from_ms, &error)
      || !hw_hub_parse_time_param ("to", hw_hub_request_get_query (request, "to"),
                                   HW_EVENT_STORE_UNBOUNDED, &to_ms, &error)
      || !hw_hub_parse_uint_param ("limit", hw_hub_request_get_query (request, "limit"),
                                   1000, 1, 10000, &limit, &error))
    {
      hw_hub_reply_gerror (request->msg, error);
      return;
    }
  if (from_ms != HW_EVENT_STORE_UNBOUNDED && to_ms != HW_EVENT_STORE_UNBOUNDED && from_ms > to_ms)
    {
      hw_hub_reply_error (request->msg, SOUP_STATUS_BAD_REQUEST, "invalid_time",
                          "bad time range: from is after to");
      return;
    }

  events = hw_event_store_list_system_events (hw_hub_get_store (request->hub),
                                              kind && kind[0] ? kind : NULL, from_ms, to_ms,
                                              order, (guint) limit, NULL, &error);
  if (events == NULL)
    {
      hw_hub_reply_gerror (request->msg, error);
      return;
    }
  reply_system_events (request, events, -1);
}

void
hw_hub_api_system_events_register (HwHub *hub)
{
  hw_hub_add_route (hub, "GET", "/v1/system-events", HW_ROLE_VIEWER, get_system_events, NULL);
  hw_hub_add_route (hub, "POST", "/v1/system-events", HW_ROLE_PUBLISHER, post_system_events, NULL);
  hw_hub_add_route (hub, "PATCH", "/v1/system-events/{id}", HW_ROLE_PUBLISHER, patch_system_event, NULL);
  hw_hub_route_reads_system_events (hub, "GET", "/v1/system-events");
  hw_hub_route_reads_system_events (hub, "PATCH", "/v1/system-events/{id}");
}
