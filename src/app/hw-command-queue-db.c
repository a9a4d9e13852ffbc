/* hw-command-queue-db.c: the queue's state-database work, run in worker threads
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "hw-background.h"
#include "hw-command-queue-private.h"

/* Worker-thread operations --------------------------------------------------- */

typedef enum
{
  OP_ENQUEUE,
  OP_SNAPSHOT,
  OP_GET,
  OP_EDIT,
} OpKind;

typedef struct
{
  OpKind         op;
  HwCommandKind  kind;
  HwCommandEdit  edit;
  char          *hub_id;
  char          *key;
  char          *body;
  char          *requested_by;
} Op;

static void
op_free (Op *op)
{
  g_free (op->hub_id);
  g_free (op->key);
  g_free (op->body);
  g_free (op->requested_by);
  g_free (op);
}

static GPtrArray *
inbox_of_hub (HwStateDb  *db,
              GPtrArray  *outbox,
              GError    **error)
{
  g_autoptr(GPtrArray) all = hw_state_db_inbox_list (db, FALSE, error);
  g_autoptr(GHashTable) keys = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *mine;

  if (all == NULL)
    return NULL;
  for (guint i = 0; i < outbox->len; i++)
    g_hash_table_add (keys, ((HwOutboxCommand *) g_ptr_array_index (outbox, i))->key);
  /* The inbox is shared by every hub; keep this hub's results. */
  mine = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_inbox_item_free);
  for (guint i = 0; i < all->len; i++)
    {
      HwInboxItem *item = g_ptr_array_index (all, i);

      if (g_hash_table_contains (keys, item->command_key))
        g_ptr_array_add (mine, g_steal_pointer (&all->pdata[i]));
    }
  return mine;
}

static gpointer
run_snapshot (HwStateDb  *db,
              Op         *op,
              GError    **error)
{
  g_autoptr(HwCommandSnapshot) snapshot = g_new0 (HwCommandSnapshot, 1);

  if ((snapshot->outbox = hw_state_db_outbox_list (db, op->hub_id, 0, error)) == NULL
      || (snapshot->inbox = inbox_of_hub (db, snapshot->outbox, error)) == NULL
      || (snapshot->jobs = hw_state_db_jobs_list (db, op->hub_id, error)) == NULL)
    return NULL;
  return g_steal_pointer (&snapshot);
}

static gboolean
run_edit (HwStateDb  *db,
          Op         *op,
          GError    **error)
{
  gint64 id;

  switch (op->edit)
    {
    case HW_COMMAND_EDIT_CANCEL:
      return hw_state_db_outbox_cancel (db, op->key, error);
    case HW_COMMAND_EDIT_RETRY:
      return hw_state_db_outbox_retry (db, op->key, error);
    case HW_COMMAND_EDIT_UPDATE_BODY:
      return hw_state_db_outbox_update_body (db, op->key, op->body, error);
    case HW_COMMAND_EDIT_MARK_READ:
    default:
      id = g_ascii_strtoll (op->key, NULL, 10);
      return hw_state_db_inbox_mark_read (db, id, error);
    }
}

static void
op_in_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  HwCommandQueue *self = source;
  Op *op = task_data;
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->db_lock);
  g_autoptr(GError) error = NULL;
  gpointer result = NULL;
  HwStateDb *db;

  if ((db = hw_command_queue_ensure_db (self, &error)) == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  switch (op->op)
    {
    case OP_ENQUEUE:
      if ((result = hw_state_db_outbox_enqueue (db, op->kind, op->hub_id, op->body,
                                                op->requested_by, &error)) == NULL)
        break;
      g_task_return_pointer (task, result, g_free);
      return;
    case OP_SNAPSHOT:
      if ((result = run_snapshot (db, op, &error)) == NULL)
        break;
      g_task_return_pointer (task, result, (GDestroyNotify) hw_command_snapshot_free);
      return;
    case OP_GET:
      if ((result = hw_state_db_outbox_get (db, op->key, &error)) == NULL)
        break;
      g_task_return_pointer (task, result, (GDestroyNotify) hw_outbox_command_free);
      return;
    case OP_EDIT:
    default:
      if (!run_edit (db, op, &error))
        break;
      g_task_return_boolean (task, TRUE);
      return;
    }
  g_task_return_error (task, g_steal_pointer (&error));
}

static void
run_op (HwCommandQueue      *self,
        Op                  *op,
        gpointer             source_tag,
        GCancellable        *cancellable,
        GAsyncReadyCallback  callback,
        gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  hw_command_queue_ensure_sender (self);
  op->hub_id = g_strdup (self->hub_id);
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, op, (GDestroyNotify) op_free);
  hw_background_run_task (task, op_in_thread);
}

/* Public API ---------------------------------------------------------------- */

static void
on_enqueued (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) outer = user_data;
  HwCommandQueue *self = g_task_get_source_object (outer);
  GError *error = NULL;
  char *key = g_task_propagate_pointer (G_TASK (result), &error);

  if (key == NULL)
    {
      g_task_return_error (outer, error);
      return;
    }
  hw_command_queue_emit_changed (self);
  hw_command_queue_kick (self);
  g_task_return_pointer (outer, key, g_free);
}

void
hw_command_queue_enqueue_async (HwCommandQueue      *self,
                                HwCommandKind        kind,
                                JsonObject          *body,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  GTask *outer;
  Op *op;

  g_return_if_fail (HW_IS_COMMAND_QUEUE (self));
  g_return_if_fail (body != NULL);

  outer = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (outer, hw_command_queue_enqueue_async);
  /* The sender decides dry_run; a stale one in the body must not win. */
  json_object_remove_member (body, "dry_run");
  json_node_set_object (node, body);
  op = g_new0 (Op, 1);
  op->op = OP_ENQUEUE;
  op->kind = kind;
  op->body = json_to_string (node, FALSE);
  op->requested_by = g_strdup (g_get_user_name ());
  run_op (self, op, hw_command_queue_enqueue_async, cancellable, on_enqueued, outer);
}

char *
hw_command_queue_enqueue_finish (HwCommandQueue  *self,
                                 GAsyncResult    *result,
                                 GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
hw_command_queue_snapshot_async (HwCommandQueue      *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  Op *op;

  g_return_if_fail (HW_IS_COMMAND_QUEUE (self));

  op = g_new0 (Op, 1);
  op->op = OP_SNAPSHOT;
  run_op (self, op, hw_command_queue_snapshot_async, cancellable, callback, user_data);
}

HwCommandSnapshot *
hw_command_queue_snapshot_finish (HwCommandQueue  *self,
                                  GAsyncResult    *result,
                                  GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
hw_command_queue_get_command_async (HwCommandQueue      *self,
                                    const char          *key,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  Op *op;

  g_return_if_fail (HW_IS_COMMAND_QUEUE (self));
  g_return_if_fail (key != NULL);

  op = g_new0 (Op, 1);
  op->op = OP_GET;
  op->key = g_strdup (key);
  run_op (self, op, hw_command_queue_get_command_async, cancellable, callback, user_data);
}

HwOutboxCommand *
hw_command_queue_get_command_finish (HwCommandQueue  *self,
                                     GAsyncResult    *result,
                                     GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_edited (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) outer = user_data;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (outer, error);
      return;
    }
  hw_command_queue_emit_changed (HW_COMMAND_QUEUE (source));
  /* A retried command waits in the queue again. */
  hw_command_queue_kick (HW_COMMAND_QUEUE (source));
  g_task_return_boolean (outer, TRUE);
}

void
hw_command_queue_edit_async (HwCommandQueue      *self,
                             HwCommandEdit        edit,
                             const char          *key,
                             JsonObject          *body,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *outer;
  Op *op;

  g_return_if_fail (HW_IS_COMMAND_QUEUE (self));
  g_return_if_fail (key != NULL);
  g_return_if_fail (edit != HW_COMMAND_EDIT_UPDATE_BODY || body != NULL);

  outer = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (outer, hw_command_queue_edit_async);
  op = g_new0 (Op, 1);
  op->op = OP_EDIT;
  op->edit = edit;
  op->key = g_strdup (key);
  if (body != NULL)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

      json_object_remove_member (body, "dry_run");
      json_node_set_object (node, body);
      op->body = json_to_string (node, FALSE);
    }
  run_op (self, op, hw_command_queue_edit_async, cancellable, on_edited, outer);
}

gboolean
hw_command_queue_edit_finish (HwCommandQueue  *self,
                              GAsyncResult    *result,
                              GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* JSON helpers ----------------------------------------------------------------- */

JsonObject *
hw_json_member_object (JsonObject *object,
                       const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

JsonArray *
hw_json_member_array (JsonObject *object,
                      const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

/* Descriptions --------------------------------------------------------------- */

static char *
describe_time (JsonObject *body,
               const char *member)
{
  JsonNode *node = json_object_get_member (body, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return g_strdup (g_str_equal (member, "to") ? _("now") : "…");
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return hw_format_clock_time (json_node_get_int (node));
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  return g_strdup ("?");
}

char *
hw_command_describe (HwCommandKind  kind,
                     const char    *body_json)
{
  g_autoptr(JsonNode) node = body_json != NULL ? json_from_string (body_json, NULL) : NULL;
  JsonObject *body = node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;

  if (body == NULL)
    return g_strdup (kind == HW_COMMAND_KIND_REPLAY ? _("Replay") : _("Resubmission"));

  if (kind == HW_COMMAND_KIND_REPLAY)
    {
      g_autofree char *from = describe_time (body, "from");
      g_autofree char *to = describe_time (body, "to");
      const char *listener = json_object_get_string_member_with_default (body, "listener", "?");

      /* TRANSLATORS: a replay: listener name, then a time range */
      return g_strdup_printf (_("Replay to %s, %s – %s"), listener, from, to);
    }
  if (json_object_has_member (body, "fault_ids"))
    {
      guint n = json_array_get_length (json_object_get_array_member (body, "fault_ids"));

      return g_strdup_printf (ngettext ("Resubmit %u fault", "Resubmit %u faults", n), n);
    }
  {
    JsonObject *group = hw_json_member_object (body, "group");
    const char *function = group != NULL ? json_object_get_string_member_with_default (group, "functionname", NULL) : NULL;
    const char *message = group != NULL ? json_object_get_string_member_with_default (group, "message", NULL) : NULL;

    /* TRANSLATORS: resubmitting a fault group: function name, error message */
    return g_strdup_printf (_("Resubmit %s faults “%s”"), function != NULL ? function : "?",
                            message != NULL ? message : "?");
  }
}

