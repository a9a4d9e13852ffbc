/* hw-hub-jobs-faults.c: what a fault event asks a resubmission to send again, and to whom
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-hub-batch.h"
#include "hw-hub-jobs-private.h"

/* The channel record a listener would have received for @row: used when a
 * fault carries the event but not the record. */
static JsonNode *
record_for_event (HwEventRow *row,
                  const char *event_json)
{
  HwBatchItem item = { row->seq, NULL, row->id, event_json, row->received_ms };
  g_autoptr(GBytes) body = hw_batch_body_new (&item, 1, 0);
  g_autoptr(JsonNode) root = json_from_string (g_bytes_get_data (body, NULL), NULL);
  JsonArray *records = json_object_get_array_member (json_node_get_object (root), "Records");

  return json_array_dup_element (records, 0);
}

/* uow.record, or every uow.batch[].record, or the record of uow.event. */
JsonArray *
hw_fault_records (HwEventRow *row,
                  JsonObject *fault)
{
  g_autoptr(JsonArray) records = json_array_new ();
  JsonNode *uow_node = json_object_get_member (fault, "uow");
  JsonObject *uow;
  JsonNode *node;

  if (uow_node == NULL || !JSON_NODE_HOLDS_OBJECT (uow_node))
    return NULL;
  uow = json_node_get_object (uow_node);

  if ((node = json_object_get_member (uow, "record")) != NULL && JSON_NODE_HOLDS_OBJECT (node))
    json_array_add_element (records, json_node_copy (node));
  else if ((node = json_object_get_member (uow, "batch")) != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *batch = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (batch); i++)
        {
          JsonNode *item = json_array_get_element (batch, i);
          JsonNode *record;

          if (!JSON_NODE_HOLDS_OBJECT (item))
            continue;
          record = json_object_get_member (json_node_get_object (item), "record");
          if (record != NULL && JSON_NODE_HOLDS_OBJECT (record))
            json_array_add_element (records, json_node_copy (record));
        }
    }
  else if ((node = json_object_get_member (uow, "event")) != NULL && JSON_NODE_HOLDS_OBJECT (node))
    {
      g_autofree char *event_json = json_to_string (node, FALSE);

      json_array_add_element (records, record_for_event (row, event_json));
    }

  if (json_array_get_length (records) == 0)
    return NULL;
  return g_steal_pointer (&records);
}

const char *
hw_fault_functionname (JsonObject *fault)
{
  JsonNode *tags = json_object_get_member (fault, "tags");
  JsonNode *name;

  if (tags == NULL || !JSON_NODE_HOLDS_OBJECT (tags))
    return NULL;
  name = json_object_get_member (json_node_get_object (tags), "functionname");
  if (name == NULL || !JSON_NODE_HOLDS_VALUE (name) || json_node_get_value_type (name) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (name);
}
