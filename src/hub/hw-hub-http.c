/* hw-hub-http.c: JSON replies, JSON errors and strict body parsing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hw-error.h"
#include "hw-hub-http.h"
#include "hw-json-guard.h"
#include "hw-time.h"

#define DEFAULT_MAX_DEPTH 64

static void
reply_text (SoupServerMessage *msg,
            guint              status,
            char              *text)
{
  gsize len = strlen (text);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, text, len);
}

void
hw_hub_reply_json (SoupServerMessage *msg,
                   guint              status,
                   JsonNode          *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  g_return_if_fail (SOUP_IS_SERVER_MESSAGE (msg));
  g_return_if_fail (node != NULL);

  json_generator_set_root (generator, node);
  reply_text (msg, status, json_generator_to_data (generator, NULL));
}

void
hw_hub_reply_object (SoupServerMessage *msg,
                     guint              status,
                     JsonObject        *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  g_return_if_fail (object != NULL);
  json_node_set_object (node, object);
  hw_hub_reply_json (msg, status, node);
}

char *
hw_hub_error_body_new (const char *code,
                       const char *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *valid = NULL;

  g_return_val_if_fail (code != NULL, NULL);
  g_return_val_if_fail (message != NULL, NULL);

  /* Messages may quote user input: make sure the body stays valid UTF-8. */
  if (!g_utf8_validate (message, -1, NULL))
    message = valid = g_utf8_make_valid (message, -1);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

void
hw_hub_reply_error (SoupServerMessage *msg,
                    guint              status,
                    const char        *code,
                    const char        *format,
                    ...)
{
  g_autofree char *message = NULL;
  va_list args;

  g_return_if_fail (SOUP_IS_SERVER_MESSAGE (msg));
  g_return_if_fail (code != NULL);

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  reply_text (msg, status, hw_hub_error_body_new (code, message));
}

guint
hw_hub_status_for_error (const GError *error)
{
  g_return_val_if_fail (error != NULL, SOUP_STATUS_INTERNAL_SERVER_ERROR);

  if (error->domain != HW_ERROR)
    return SOUP_STATUS_INTERNAL_SERVER_ERROR;

  switch ((HwErrorCode) error->code)
    {
    case HW_ERROR_INVALID_JSON:
    case HW_ERROR_INVALID_EVENT:
    case HW_ERROR_TOO_DEEP:
    case HW_ERROR_INVALID_UTF8:
    case HW_ERROR_INVALID_QUERY:
    case HW_ERROR_INVALID_TIME:
    case HW_ERROR_PROTOCOL:
      return SOUP_STATUS_BAD_REQUEST;
    case HW_ERROR_TOO_LARGE:
      return SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE;
    case HW_ERROR_NOT_FOUND:
      return SOUP_STATUS_NOT_FOUND;
    case HW_ERROR_UNAUTHORIZED:
      return SOUP_STATUS_UNAUTHORIZED;
    case HW_ERROR_FORBIDDEN:
      return SOUP_STATUS_FORBIDDEN;
    case HW_ERROR_CONFLICT:
      return SOUP_STATUS_CONFLICT;
    case HW_ERROR_RATE_LIMITED:
      return 429 /* Too Many Requests: not named in libsoup 3.2 */;
    case HW_ERROR_UNAVAILABLE:
      return SOUP_STATUS_SERVICE_UNAVAILABLE;
    case HW_ERROR_FAILED:
    case HW_ERROR_CORRUPT:
    case HW_ERROR_IO:
    default:
      return SOUP_STATUS_INTERNAL_SERVER_ERROR;
    }
}

void
hw_hub_reply_gerror (SoupServerMessage *msg,
                     const GError      *error)
{
  guint status = hw_hub_status_for_error (error);

  /* Internal failures may carry paths or SQL: keep them in the log only. */
  if (status >= 500)
    {
      g_warning ("%s %s failed: %s",
                 soup_server_message_get_method (msg),
                 g_uri_get_path (soup_server_message_get_uri (msg)),
                 error->message);
      if (error->domain == HW_ERROR && error->code == HW_ERROR_UNAVAILABLE)
        hw_hub_reply_error (msg, status, "unavailable", "%s", error->message);
      else
        hw_hub_reply_error (msg, status, "internal", "internal error; see the hub log");
      return;
    }
  hw_hub_reply_error (msg, status, hw_error_code_name (error->code), "%s", error->message);
}

JsonNode *
hw_hub_parse_json (const char  *data,
                   gsize        length,
                   guint        max_depth,
                   GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  if (max_depth == 0)
    max_depth = DEFAULT_MAX_DEPTH;

  /* The guard runs first: json-glib recurses per nesting level. */
  if (!hw_json_guard_check (data, length, G_MAXSIZE, max_depth, "request body", NULL, error))
    return NULL;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, length, &local_error))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON, "malformed JSON: %s", local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_set_error_literal (error, HW_ERROR, HW_ERROR_INVALID_JSON, "empty body: JSON expected");
      return NULL;
    }
  return json_node_ref (root);
}

guint
hw_hub_json_depth (JsonNode *node)
{
  guint deepest = 0;

  if (node == NULL)
    return 0;
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      /* Not MAX (deepest, hw_hub_json_depth (…)): the macro would evaluate
       * the recursion twice per level, 2^depth calls in all. */
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          guint depth = hw_hub_json_depth (json_array_get_element (array, i));

          deepest = MAX (deepest, depth);
        }
      return deepest + 1;
    }
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObjectIter iter;
      JsonNode *member;

      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, NULL, &member))
        {
          guint depth = hw_hub_json_depth (member);

          deepest = MAX (deepest, depth);
        }
      return deepest + 1;
    }
  return 0;
}

gboolean
hw_hub_parse_uint_param (const char  *name,
                         const char  *value,
                         guint64      default_value,
                         guint64      min_value,
                         guint64      max_value,
                         guint64     *out_value,
                         GError     **error)
{
  guint64 parsed;
  g_autoptr(GError) local_error = NULL;

  if (value == NULL || value[0] == '\0')
    {
      *out_value = default_value;
      return TRUE;
    }
  if (!g_ascii_string_to_unsigned (value, 10, min_value, max_value, &parsed, &local_error))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_PROTOCOL,
                   "parameter '%s': expected an integer from %" G_GUINT64_FORMAT
                   " to %" G_GUINT64_FORMAT ", got '%s'",
                   name, min_value, max_value, value);
      return FALSE;
    }
  *out_value = parsed;
  return TRUE;
}

gboolean
hw_hub_parse_bool_param (const char  *name,
                         const char  *value,
                         gboolean     default_value,
                         gboolean    *out_value,
                         GError     **error)
{
  if (value == NULL || value[0] == '\0')
    *out_value = default_value;
  else if (g_str_equal (value, "true") || g_str_equal (value, "1"))
    *out_value = TRUE;
  else if (g_str_equal (value, "false") || g_str_equal (value, "0"))
    *out_value = FALSE;
  else
    {
      g_set_error (error, HW_ERROR, HW_ERROR_PROTOCOL,
                   "parameter '%s': expected true or false, got '%s'", name, value);
      return FALSE;
    }
  return TRUE;
}

gboolean
hw_hub_parse_time_param (const char  *name,
                         const char  *value,
                         gint64       default_ms,
                         gint64      *out_ms,
                         GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  /* Upper bounds are exclusive everywhere, so "to=now/d" covers today. */
  HwTimeRound round = g_str_equal (name, "to") ? HW_TIME_ROUND_UP : HW_TIME_ROUND_DOWN;

  if (value == NULL || value[0] == '\0')
    {
      *out_ms = default_ms;
      return TRUE;
    }
  if (!hw_time_parse (value, hw_hub_now_ms (), round, out_ms, &local_error))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_TIME,
                   "parameter '%s': %s", name, local_error->message);
      return FALSE;
    }
  return TRUE;
}

#define GONE_KEY "hw-hub-client-gone"

/* The mark lives on the message, so no handler outlives the answer that
 * connected it. */
static void
on_client_gone (SoupServerMessage *msg,
                gpointer           user_data)
{
  g_object_set_data (G_OBJECT (msg), GONE_KEY, GINT_TO_POINTER (TRUE));
}

#define PAUSES_KEY "hw-hub-pauses"

/* Pauses nest: a route that waits for the lake's catch-up may itself
 * wait for the cluster, and only the last resume may unpause. */
static guint
add_pauses (SoupServerMessage *msg,
            int                delta)
{
  guint pauses = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (msg), PAUSES_KEY)) + delta;

  g_object_set_data (G_OBJECT (msg), PAUSES_KEY, GUINT_TO_POINTER (pauses));
  return pauses;
}

void
hw_hub_message_pause (SoupServerMessage *msg)
{
  if (add_pauses (msg, 1) > 1)
    return;
  g_signal_connect (msg, "disconnected", G_CALLBACK (on_client_gone), NULL);
  g_signal_connect (msg, "finished", G_CALLBACK (on_client_gone), NULL);
  soup_server_message_pause (msg);
}

gboolean
hw_hub_message_is_gone (SoupServerMessage *msg)
{
  return g_object_get_data (G_OBJECT (msg), GONE_KEY) != NULL;
}

void
hw_hub_message_resume (SoupServerMessage *msg)
{
  if (add_pauses (msg, -1) == 0 && !hw_hub_message_is_gone (msg))
    soup_server_message_unpause (msg);
}

gint64
hw_hub_now_ms (void)
{
  return g_get_real_time () / 1000;
}
