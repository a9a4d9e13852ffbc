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

static GBytes *
message_new (JsonObject *event,
             gint64      ts_ms,
             gboolean    replace,
             gint64      base_seq)
{
  g_autoptr(JsonObject) message = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  char *text;

  json_object_set_boolean_member (message, "replace", replace);
  if (base_seq > 0)
    json_object_set_int_member (message, "base_seq", base_seq);
  json_object_set_int_member (message, "ts", ts_ms);
  json_object_set_object_member (message, "event", json_object_ref (event));
  json_node_set_object (node, message);
  text = json_to_string (node, FALSE);
  return g_bytes_new_take (text, strlen (text));
}

GBytes *
hw_hub_system_message_new (JsonObject *event,
                           gint64      ts_ms)
{
  return message_new (event, ts_ms, FALSE, 0);
}

GBytes *
hw_hub_system_change_message_new (JsonObject *event,
                                  gint64      ts_ms,
                                  gint64      base_seq)
{
  g_return_val_if_fail (base_seq > 0, NULL);

  return message_new (event, ts_ms, TRUE, base_seq);
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

  return event != NULL ? hw_hub_system_message_new (event, ts_ms) : NULL;
}

char *
hw_hub_system_message_id (const char *id,
                          GBytes     *message)
{
  g_autofree char *hash = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, message);

  return g_strdup_printf ("%s.%.16s", id, hash);
}

/* A change merged from the version stored under @base_seq applies only
 * while that version is still the stored one: two PATCHes of one event
 * through two replicas at once were both merged from the same version, and
 * the later would otherwise undo the earlier's fields. Every copy applies
 * the same messages in the same order to the same versions, so they all
 * refuse the same one; its replica merges it again (see
 * hw-hub-api-system.c). Reading here is safe: the copy is the only writer
 * of system events. */
static gboolean
is_current_version (HwEventStore *store,
                    const char   *id,
                    gint64        base_seq)
{
  g_autoptr(HwSystemEvent) stored = hw_event_store_get_system_event (store, id, NULL, NULL);

  return stored != NULL && stored->seq == base_seq;
}

static HwSystemOutcome
outcome_of (gboolean       replace,
            HwInsertStatus status)
{
  if (status != HW_INSERT_ACCEPTED)
    return HW_SYSTEM_OUTCOME_KEPT;
  return replace ? HW_SYSTEM_OUTCOME_REPLACED : HW_SYSTEM_OUTCOME_CREATED;
}

/* One message: FALSE with @error only when the store failed; a message
 * that is not one of ours is skipped. */
static gboolean
apply_message (HwHub                *hub,
               HwHubSystemOutcomes  *outcomes,
               GBytes               *payload,
               guint64               seq,
               GError              **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *json = NULL;
  gsize length = 0;
  const char *data = g_bytes_get_data (payload, &length);
  JsonObject *message, *event;
  JsonNode *event_node;
  HwInsertStatus status;
  gboolean replace;
  gint64 base_seq;

  root = hw_hub_parse_json (data, length, MESSAGE_MAX_DEPTH, NULL);
  message = root != NULL && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  event_node = message != NULL ? json_object_get_member (message, "event") : NULL;
  event = system_event_of (event_node);
  if (event == NULL)
    {
      g_warning ("system mirror: stream message %" G_GUINT64_FORMAT " is not a system event", seq);
      return TRUE;
    }
  replace = json_object_get_boolean_member_with_default (message, "replace", FALSE);
  base_seq = json_object_get_int_member_with_default (message, "base_seq", 0);
  if (replace && base_seq > 0
      && !is_current_version (hw_hub_get_store (hub), json_object_get_string_member (event, "id"), base_seq))
    {
      hw_hub_system_outcomes_note (outcomes, (gint64) seq, HW_SYSTEM_OUTCOME_CONFLICT);
      return TRUE;
    }
  json = json_to_string (event_node, FALSE);
  if (!hw_event_store_store_system_event_at (hw_hub_get_store (hub), (gint64) seq, replace,
                                             json_object_get_string_member (event, "id"),
                                             json_object_get_string_member (event, "kind"),
                                             json_object_get_int_member_with_default (message, "ts", 0),
                                             json_object_get_string_member_with_default (event, "service", NULL),
                                             json, &status, error))
    return FALSE;
  hw_hub_system_outcomes_note (outcomes, (gint64) seq, outcome_of (replace, status));
  /* Live consoles on every replica get the change at once; the others
   * through ?after=. */
  if (status == HW_INSERT_ACCEPTED)
    hw_hub_stream_publish (hub, "system-event", event_node);
  return TRUE;
}

gboolean
hw_hub_system_mirror_apply (HwHub                *hub,
                            HwHubSystemOutcomes  *outcomes,
                            GPtrArray            *payloads,
                            GArray               *seqs,
                            GError              **error)
{
  for (guint i = 0; i < payloads->len; i++)
    if (!apply_message (hub, outcomes, g_ptr_array_index (payloads, i), g_array_index (seqs, guint64, i),
                        error))
      return FALSE;
  return TRUE;
}
