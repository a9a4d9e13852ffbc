/* hw-hub-audit.c: storing system events (audits included) and pushing them to the stream
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-event-store.h"
#include "hw-hub-http.h"
#include "hw-hub-private.h"

char *
hw_hub_store_system_event (HwHub       *self,
                           JsonObject  *object,
                           gint64       ts_ms,
                           gboolean    *out_duplicate,
                           GError     **error)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *json = NULL;
  const char *id = hw_hub_system_event_ensure_id (object);
  const char *kind = json_object_get_string_member_with_default (object, "kind", NULL);
  const char *service = json_object_get_string_member_with_default (object, "service", NULL);
  HwInsertStatus status = HW_INSERT_ACCEPTED;

  g_return_val_if_fail (kind != NULL, NULL);

  json_node_set_object (node, object);
  json = json_to_string (node, FALSE);
  if (!hw_event_store_insert_system_event (hw_hub_get_store (self), id, kind, ts_ms, service, json, &status, error))
    return NULL;
  if (out_duplicate != NULL)
    *out_duplicate = status == HW_INSERT_DUPLICATE;
  if (status == HW_INSERT_ACCEPTED)
    hw_hub_stream_publish (self, "system-event", node);
  return g_strdup (id);
}

JsonObject *
hw_hub_audit_new (const char *action,
                  const char *actor,
                  gint64      time_ms,
                  JsonObject *details)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "kind", "audit");
  json_object_set_string_member (object, "action", action);
  json_object_set_string_member (object, "actor", actor ? actor : "unknown");
  json_object_set_int_member (object, "time", time_ms);
  if (details != NULL)
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      json_object_iter_init (&iter, details);
      while (json_object_iter_next (&iter, &name, &member))
        if (!json_object_has_member (object, name))
          json_object_set_member (object, name, json_node_copy (member));
    }
  return object;
}

void
hw_hub_record_audit (HwHub      *self,
                     const char *action,
                     const char *actor,
                     JsonObject *details)
{
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  gint64 now = hw_hub_now_ms ();

  g_return_if_fail (HW_IS_HUB (self));
  g_return_if_fail (action != NULL);

  object = hw_hub_audit_new (action, actor, now, details);
  /* With the JetStream engine the audit goes to the replicas' shared
   * history; nobody waits for it, and it is sent again until stored. The
   * store is not written here: its copy of the history is. */
  if (hw_hub_get_config (self)->engine == HW_HUB_ENGINE_JETSTREAM)
    {
      hw_hub_publish_audit (self, object, now);
      return;
    }
  id = hw_hub_store_system_event (self, object, now, NULL, &error);
  if (id == NULL)
    g_warning ("cannot record audit event %s: %s", action, error->message);
}
