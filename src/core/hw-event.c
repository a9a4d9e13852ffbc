/* hw-event.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-compressed.h"
#include "hw-error.h"
#include "hw-event.h"
#include "hw-json-guard.h"

#define DEFAULT_MAX_EVENT_BYTES (1024 * 1024)
#define DEFAULT_MAX_DEPTH 64

/* 2000-01-01T00:00:00Z and 2100-01-01T00:00:00Z: anything outside is a unit
 * mistake (seconds, microseconds) or garbage, never a real event time. */
#define MIN_TIMESTAMP_MS G_GINT64_CONSTANT (946684800000)
#define MAX_TIMESTAMP_MS G_GINT64_CONSTANT (4102444800000)

G_DEFINE_BOXED_TYPE (HwEvent, hw_event, hw_event_ref, hw_event_unref)

HwEvent *
hw_event_ref (HwEvent *event)
{
  g_return_val_if_fail (event != NULL, NULL);

  g_atomic_ref_count_inc (&event->ref_count);
  return event;
}

void
hw_event_unref (HwEvent *event)
{
  g_return_if_fail (event != NULL);

  if (!g_atomic_ref_count_dec (&event->ref_count))
    return;

  g_free (event->id);
  g_free (event->type);
  g_free (event->partition_key);
  g_free (event->source);
  g_free (event->functionname);
  g_free (event->pipeline);
  g_free (event->account);
  g_free (event->region);
  g_free (event->stage);
  g_free (event->err_name);
  g_free (event->err_message);
  g_free (event->err_stack);
  g_free (event->json);
  g_clear_pointer (&event->expanded, json_node_unref);
  g_free (event);
}

HwParseLimits
hw_parse_limits_default (void)
{
  HwParseLimits limits = {
    .max_event_bytes = DEFAULT_MAX_EVENT_BYTES,
    .max_depth = DEFAULT_MAX_DEPTH,
  };

  return limits;
}

static const char *
node_kind (JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT: return "an object";
    case JSON_NODE_ARRAY: return "an array";
    case JSON_NODE_NULL: return "null";
    case JSON_NODE_VALUE:
    default:
      break;
    }

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING: return "a string";
    case G_TYPE_BOOLEAN: return "a boolean";
    case G_TYPE_DOUBLE: return "a floating-point number";
    default: return "a number";
    }
}

static gboolean
node_is_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

/* Reads an optional string member; null counts as absent. @label is the
 * field's name in messages ("tags.source"). */
static gboolean
take_optional_string (JsonObject  *object,
                      const char  *member,
                      const char  *label,
                      char       **out,
                      GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (!node_is_string (node))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_EVENT,
                   "%s: must be a string, got %s", label, node_kind (node));
      return FALSE;
    }

  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
take_required_string (JsonObject  *object,
                      const char  *member,
                      char       **out,
                      GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_EVENT, "%s: missing", member);
      return FALSE;
    }
  if (!node_is_string (node))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_EVENT,
                   "%s: must be a non-empty string, got %s", member, node_kind (node));
      return FALSE;
    }
  if (*json_node_get_string (node) == '\0')
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_EVENT, "%s: must not be empty", member);
      return FALSE;
    }

  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
take_timestamp (JsonObject *object,
                gint64     *out,
                GError    **error)
{
  JsonNode *node = json_object_get_member (object, "timestamp");
  gint64 ts;

  if (node == NULL)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_EVENT, "timestamp: missing");
      return FALSE;
    }

  /* Strings and floats are refused rather than coerced: producers that send
   * them have a bug, and guessing a unit or a rounding would hide it. */
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_EVENT,
                   "timestamp: must be an integer number of epoch milliseconds, got %s",
                   node_kind (node));
      return FALSE;
    }

  ts = json_node_get_int (node);
  if (ts < MIN_TIMESTAMP_MS || ts >= MAX_TIMESTAMP_MS)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_EVENT,
                   "timestamp: %" G_GINT64_FORMAT " is outside 2000-01-01..2100-01-01 "
                   "in epoch milliseconds%s", ts,
                   ts > 0 && ts < MIN_TIMESTAMP_MS / 100 ? " (seconds instead of milliseconds?)" : "");
      return FALSE;
    }

  *out = ts;
  return TRUE;
}

static gboolean
take_tags (HwEvent    *event,
           JsonObject *object,
           GError    **error)
{
  JsonNode *node = json_object_get_member (object, "tags");
  JsonObject *tags;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_EVENT,
                   "tags: must be an object, got %s", node_kind (node));
      return FALSE;
    }

  tags = json_node_get_object (node);
  return take_optional_string (tags, "source", "tags.source", &event->source, error)
         && take_optional_string (tags, "functionname", "tags.functionname", &event->functionname, error)
         && take_optional_string (tags, "pipeline", "tags.pipeline", &event->pipeline, error)
         && take_optional_string (tags, "account", "tags.account", &event->account, error)
         && take_optional_string (tags, "region", "tags.region", &event->region, error)
         && take_optional_string (tags, "stage", "tags.stage", &event->stage, error);
}

/* Faults are accepted without err or uow (a listener may not know them),
 * but what is there must have the documented shape. */
static gboolean
take_fault (HwEvent    *event,
            JsonObject *object,
            GError    **error)
{
  JsonNode *err = json_object_get_member (object, "err");
  JsonNode *uow = json_object_get_member (object, "uow");

  if (uow != NULL && !JSON_NODE_HOLDS_OBJECT (uow) && !JSON_NODE_HOLDS_NULL (uow))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_EVENT,
                   "uow: must be an object, got %s", node_kind (uow));
      return FALSE;
    }

  if (err == NULL || JSON_NODE_HOLDS_NULL (err))
    return TRUE;

  if (!JSON_NODE_HOLDS_OBJECT (err))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_EVENT,
                   "err: must be an object, got %s", node_kind (err));
      return FALSE;
    }

  object = json_node_get_object (err);
  return take_optional_string (object, "name", "err.name", &event->err_name, error)
         && take_optional_string (object, "message", "err.message", &event->err_message, error)
         && take_optional_string (object, "stack", "err.stack", &event->err_stack, error);
}

/* A bus wrapper carries the event in detail; anything else is the event. */
static JsonNode *
unwrap (JsonNode  *root,
        GError   **error)
{
  JsonObject *object = json_node_get_object (root);
  JsonNode *detail;

  if (!json_object_has_member (object, "detail-type"))
    return root;

  detail = json_object_get_member (object, "detail");
  if (detail == NULL)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_EVENT,
                   "detail: missing in a bus wrapper (detail-type is set)");
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (detail))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_EVENT,
                   "detail: must be an object, got %s", node_kind (detail));
      return NULL;
    }
  return detail;
}

/* @raw is the received text when it is exactly the bare event in compact
 * form, which saves serialising it again; NULL otherwise. @may_compress is
 * FALSE only when the text cannot hold a COMPRESSED value at all. */
static HwEvent *
parse_root (JsonNode            *root,
            const char          *raw,
            gsize                raw_length,
            gsize                size,
            gboolean             may_compress,
            const HwParseLimits *limits,
            GError             **error)
{
  g_autoptr(HwEvent) event = NULL;
  JsonNode *bare;
  JsonObject *object;

  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_EVENT,
                   "event: must be a JSON object, got %s", node_kind (root));
      return NULL;
    }

  bare = unwrap (root, error);
  if (bare == NULL)
    return NULL;
  if (bare != root)
    raw = NULL;

  event = g_new0 (HwEvent, 1);
  g_atomic_ref_count_init (&event->ref_count);
  event->size = size;

  object = json_node_get_object (bare);
  if (!take_required_string (object, "id", &event->id, error)
      || !take_required_string (object, "type", &event->type, error)
      || !take_timestamp (object, &event->timestamp_ms, error)
      || !take_optional_string (object, "partitionKey", "partitionKey", &event->partition_key, error)
      || !take_tags (event, object, error))
    return NULL;

  if (hw_event_is_fault (event) && !take_fault (event, object, error))
    return NULL;

  /* Walking the tree for COMPRESSED values copies nothing but still
   * visits every node; most events have none, so skip it when the text
   * says so. */
  if (!may_compress)
    event->expanded = json_node_ref (bare);
  else
    event->expanded = hw_compressed_expand (bare, limits->max_event_bytes, limits->max_depth,
                                            NULL, error);
  if (event->expanded == NULL)
    return NULL;

  event->json = raw != NULL ? g_strndup (raw, raw_length) : json_to_string (bare, FALSE);
  return g_steal_pointer (&event);
}

HwEvent *
hw_event_parse (const char          *data,
                gssize               length,
                const HwParseLimits *limits,
                GError             **error)
{
  HwParseLimits default_limits = hw_parse_limits_default ();
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) parse_error = NULL;
  g_autoptr(JsonNode) root = NULL;
  HwJsonScan scan = { 0 };

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  if (limits == NULL)
    limits = &default_limits;
  if (length < 0)
    length = strlen (data);

  if (!hw_json_guard_check (data, length, limits->max_event_bytes, limits->max_depth,
                            "event", &scan, error))
    return NULL;

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, data, length, &parse_error))
    {
      hw_json_guard_set_parse_error (error, NULL, parse_error);
      return NULL;
    }

  root = json_parser_steal_root (parser);
  if (root == NULL)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON, "invalid JSON: empty text");
      return NULL;
    }

  return parse_root (root, scan.compact ? data : NULL, length, length,
                     scan.may_compress, limits, error);
}

/* Iterative on purpose: a node built elsewhere may be arbitrarily deep. */
static gboolean
check_node_depth (JsonNode *root,
                  guint     max_depth,
                  GError  **error)
{
  g_autoptr(GArray) stack = g_array_new (FALSE, FALSE, sizeof (JsonNode *));
  g_autoptr(GArray) depths = g_array_new (FALSE, FALSE, sizeof (guint));
  guint zero = 0;

  g_array_append_val (stack, root);
  g_array_append_val (depths, zero);

  while (stack->len > 0)
    {
      JsonNode *node = g_array_index (stack, JsonNode *, stack->len - 1);
      guint depth = g_array_index (depths, guint, depths->len - 1) + 1;

      g_array_set_size (stack, stack->len - 1);
      g_array_set_size (depths, depths->len - 1);

      if (!JSON_NODE_HOLDS_OBJECT (node) && !JSON_NODE_HOLDS_ARRAY (node))
        continue;

      if (depth > max_depth)
        {
          g_set_error (error, HW_ERROR, HW_ERROR_TOO_DEEP,
                       "event: nesting deeper than %u levels", max_depth);
          return FALSE;
        }

      if (JSON_NODE_HOLDS_OBJECT (node))
        {
          g_autoptr(GList) values = json_object_get_values (json_node_get_object (node));

          for (GList *l = values; l != NULL; l = l->next)
            {
              g_array_append_val (stack, l->data);
              g_array_append_val (depths, depth);
            }
        }
      else
        {
          JsonArray *array = json_node_get_array (node);

          for (guint i = 0; i < json_array_get_length (array); i++)
            {
              JsonNode *child = json_array_get_element (array, i);

              g_array_append_val (stack, child);
              g_array_append_val (depths, depth);
            }
        }
    }
  return TRUE;
}

HwEvent *
hw_event_parse_node (JsonNode            *node,
                     gsize                size,
                     const HwParseLimits *limits,
                     GError             **error)
{
  HwParseLimits default_limits = hw_parse_limits_default ();

  g_return_val_if_fail (node != NULL, NULL);

  if (limits == NULL)
    limits = &default_limits;

  if (size > limits->max_event_bytes)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_TOO_LARGE,
                   "event: %" G_GSIZE_FORMAT " bytes exceeds the limit of %" G_GSIZE_FORMAT " bytes",
                   size, limits->max_event_bytes);
      return NULL;
    }

  if (!check_node_depth (node, limits->max_depth, error))
    return NULL;

  return parse_root (node, NULL, 0, size, TRUE, limits, error);
}

/* The string at @member of @object's member @holder (NULL for the root),
 * or NULL: after masking, anything that is not a string any more (an
 * object replaced whole) was masked, so there is no value to keep. */
static char *
dup_masked_string (JsonObject *object,
                   const char *holder,
                   const char *member)
{
  JsonNode *node;

  if (holder != NULL)
    {
      node = json_object_get_member (object, holder);
      if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
        return NULL;
      object = json_node_get_object (node);
    }
  node = json_object_get_member (object, member);
  return node != NULL && node_is_string (node) ? g_strdup (json_node_get_string (node)) : NULL;
}

HwEvent *
hw_event_new_masked (const HwEvent *event,
                     JsonNode      *masked)
{
  HwEvent *copy;
  JsonObject *object;

  g_return_val_if_fail (event != NULL, NULL);
  g_return_val_if_fail (masked != NULL && JSON_NODE_HOLDS_OBJECT (masked), NULL);

  object = json_node_get_object (masked);
  copy = g_new0 (HwEvent, 1);
  g_atomic_ref_count_init (&copy->ref_count);
  copy->id = g_strdup (event->id);
  copy->type = g_strdup (event->type);
  copy->timestamp_ms = event->timestamp_ms;
  copy->size = event->size;
  copy->partition_key = dup_masked_string (object, NULL, "partitionKey");
  copy->source = dup_masked_string (object, "tags", "source");
  copy->functionname = dup_masked_string (object, "tags", "functionname");
  copy->pipeline = dup_masked_string (object, "tags", "pipeline");
  copy->account = dup_masked_string (object, "tags", "account");
  copy->region = dup_masked_string (object, "tags", "region");
  copy->stage = dup_masked_string (object, "tags", "stage");
  if (hw_event_is_fault (copy))
    {
      copy->err_name = dup_masked_string (object, "err", "name");
      copy->err_message = dup_masked_string (object, "err", "message");
      copy->err_stack = dup_masked_string (object, "err", "stack");
    }
  copy->expanded = json_node_ref (masked);
  copy->json = json_to_string (masked, FALSE);
  return copy;
}

gboolean
hw_event_is_fault (const HwEvent *event)
{
  g_return_val_if_fail (event != NULL, FALSE);

  return g_strcmp0 (event->type, "fault") == 0;
}

static void
append_word (GString    *text,
             const char *word)
{
  if (word == NULL || *word == '\0')
    return;
  if (text->len > 0)
    g_string_append_c (text, ' ');
  g_string_append (text, word);
}

/* Depth is bounded by the parse limits, so recursion is safe here. */
static void
append_strings (GString  *text,
                JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        g_autoptr(GList) values = json_object_get_values (json_node_get_object (node));

        for (GList *l = values; l != NULL; l = l->next)
          append_strings (text, l->data);
      }
      break;
    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);

        for (guint i = 0; i < json_array_get_length (array); i++)
          append_strings (text, json_array_get_element (array, i));
      }
      break;
    case JSON_NODE_VALUE:
      if (json_node_get_value_type (node) == G_TYPE_STRING)
        append_word (text, json_node_get_string (node));
      break;
    case JSON_NODE_NULL:
    default:
      break;
    }
}

char *
hw_event_dup_search_text (const HwEvent *event)
{
  g_autoptr(GString) text = NULL;
  JsonObject *object;
  JsonNode *tags;

  g_return_val_if_fail (event != NULL, NULL);

  text = g_string_sized_new (event->size);
  append_word (text, event->type);

  object = json_node_get_object (event->expanded);
  tags = json_object_get_member (object, "tags");
  if (tags != NULL)
    append_strings (text, tags);

  /* type and tags come first so that a snippet of the text is useful. */
  {
    g_autoptr(GList) members = json_object_get_members (object);

    for (GList *l = members; l != NULL; l = l->next)
      {
        if (g_str_equal (l->data, "type") || g_str_equal (l->data, "tags"))
          continue;
        append_strings (text, json_object_get_member (object, l->data));
      }
  }

  return g_string_free (g_steal_pointer (&text), FALSE);
}

char *
hw_event_dup_expanded_json (const HwEvent *event)
{
  g_return_val_if_fail (event != NULL, NULL);

  if (event->expanded == NULL)
    return g_strdup (event->json);
  return json_to_string (event->expanded, FALSE);
}

char *
hw_event_dup_tags_json (const HwEvent *event)
{
  JsonNode *tags;

  g_return_val_if_fail (event != NULL, NULL);

  tags = json_object_get_member (json_node_get_object (event->expanded), "tags");
  if (tags == NULL || !JSON_NODE_HOLDS_OBJECT (tags))
    return NULL;
  return json_to_string (tags, FALSE);
}
