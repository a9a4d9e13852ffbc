/* hw-hub-system-mirror.c: the system events shared by JetStream replicas, as stream messages
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-error.h"
#include "hw-event-store.h"
#include "hw-hub-system-mirror.h"
#include "hw-hub-http.h"

/* The hub validated every event before publishing it; this only bounds
 * what another writer to the subject could make the parser do. */
#define MESSAGE_MAX_DEPTH 64

GBytes *
hw_hub_system_message_new (JsonObject *event,
                           gint64      ts_ms,
                           gboolean    replace)
{
  g_autoptr(JsonObject) message = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  char *text;

  json_object_set_boolean_member (message, "replace", replace);
  json_object_set_int_member (message, "ts", ts_ms);
  json_object_set_object_member (message, "event", json_object_ref (event));
  json_node_set_object (node, message);
  text = json_to_string (node, FALSE);
  return g_bytes_new_take (text, strlen (text));
}

/* The event a message or a store holds, or NULL when @node is not one. */
static JsonObject *
system_event_of (JsonNode *node)
{
  JsonObject *event = node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;

  if (event == NULL || json_object_get_string_member_with_default (event, "id", NULL) == NULL
      || json_object_get_string_member_with_default (event, "kind", NULL) == NULL)
    return NULL;
  return event;
}

GBytes *
hw_hub_system_message_from_stored (const char *json,
                                   gint64      ts_ms)
{
  g_autoptr(JsonNode) root = hw_hub_parse_json (json, strlen (json), MESSAGE_MAX_DEPTH, NULL);
  JsonObject *event = system_event_of (root);

  return event != NULL ? hw_hub_system_message_new (event, ts_ms, FALSE) : NULL;
}

char *
hw_hub_system_message_id (const char *id,
                          GBytes     *message)
{
  g_autofree char *hash = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, message);

  return g_strdup_printf ("%s.%.16s", id, hash);
}

/* One message: FALSE with @error only when the store failed; a message
 * that is not one of ours is skipped. */
static gboolean
apply_message (HwHub    *hub,
               GBytes   *payload,
               guint64   seq,
               GError  **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *json = NULL;
  gsize length = 0;
  const char *data = g_bytes_get_data (payload, &length);
  JsonObject *message, *event;
  JsonNode *event_node;
  HwInsertStatus status;

  root = hw_hub_parse_json (data, length, MESSAGE_MAX_DEPTH, NULL);
  message = root != NULL && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  event_node = message != NULL ? json_object_get_member (message, "event") : NULL;
  event = system_event_of (event_node);
  if (event == NULL)
    {
      g_warning ("system mirror: stream message %" G_GUINT64_FORMAT " is not a system event", seq);
      return TRUE;
    }
  json = json_to_string (event_node, FALSE);
  if (!hw_event_store_store_system_event_at (hw_hub_get_store (hub), (gint64) seq,
                                             json_object_get_boolean_member_with_default (message, "replace", FALSE),
                                             json_object_get_string_member (event, "id"),
                                             json_object_get_string_member (event, "kind"),
                                             json_object_get_int_member_with_default (message, "ts", 0),
                                             json_object_get_string_member_with_default (event, "service", NULL),
                                             json, &status, error))
    return FALSE;
  /* Live consoles on every replica get the change at once; the others
   * through ?after=. */
  if (status == HW_INSERT_ACCEPTED)
    hw_hub_stream_publish (hub, "system-event", event_node);
  return TRUE;
}

gboolean
hw_hub_system_mirror_apply (GPtrArray  *payloads,
                            GArray     *seqs,
                            gpointer    hub,
                            GError    **error)
{
  for (guint i = 0; i < payloads->len; i++)
    if (!apply_message (hub, g_ptr_array_index (payloads, i), g_array_index (seqs, guint64, i), error))
      return FALSE;
  return TRUE;
}
