/* hw-event-store-async.c: the _async/_finish reads, run in worker threads
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-background.h"
#include "hw-event-store-private.h"
#include "hw-query.h"

typedef enum
{
  OP_SEARCH,
  OP_SEARCH_SEQS,
  OP_SUMMARIES,
  OP_COUNT,
  OP_HISTOGRAM,
  OP_TOP_VALUES,
  OP_TREE,
} OpKind;

/* Everything a read needs, copied so the caller may free its own copies
 * as soon as the _async call returns. */
typedef struct
{
  OpKind        kind;
  HwQuery      *query;
  gint64        from_ms;
  gint64        to_ms;
  HwEventOrder  order;
  guint         limit;    /* page size, bucket target or top-values limit */
  char         *text;     /* cursor, field or tree parent */
  gint64       *seqs;
  guint         n_seqs;
} ReadOp;

static void
read_op_free (ReadOp *op)
{
  g_clear_pointer (&op->query, hw_query_unref);
  g_free (op->text);
  g_free (op->seqs);
  g_free (op);
}

static ReadOp *
read_op_new (OpKind   kind,
             HwQuery *query,
             gint64   from_ms,
             gint64   to_ms)
{
  ReadOp *op = g_new0 (ReadOp, 1);

  op->kind = kind;
  op->query = query != NULL ? hw_query_ref (query) : NULL;
  op->from_ms = from_ms;
  op->to_ms = to_ms;
  return op;
}

static void
run_read_op (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  HwEventStore *self = source_object;
  ReadOp *op = task_data;
  GError *error = NULL;
  gpointer result = NULL;
  GDestroyNotify free_result = NULL;

  switch (op->kind)
    {
    case OP_SEARCH:
      result = hw_event_store_search (self, op->query, op->from_ms, op->to_ms, op->order,
                                      op->limit, op->text, cancellable, &error);
      free_result = (GDestroyNotify) hw_search_page_free;
      break;
    case OP_SEARCH_SEQS:
      result = hw_event_store_search_seqs (self, op->query, op->from_ms, op->to_ms, op->order,
                                           cancellable, &error);
      free_result = (GDestroyNotify) g_array_unref;
      break;
    case OP_SUMMARIES:
      result = hw_event_store_get_summaries (self, op->seqs, op->n_seqs, cancellable, &error);
      free_result = (GDestroyNotify) g_ptr_array_unref;
      break;
    case OP_COUNT:
      {
        gint64 count = hw_event_store_count (self, op->query, op->from_ms, op->to_ms,
                                             cancellable, &error);

        if (count >= 0)
          result = g_memdup2 (&count, sizeof count);
        free_result = g_free;
      }
      break;
    case OP_HISTOGRAM:
      result = hw_event_store_histogram (self, op->query, op->from_ms, op->to_ms, op->limit,
                                         cancellable, &error);
      free_result = (GDestroyNotify) hw_histogram_free;
      break;
    case OP_TOP_VALUES:
      result = hw_event_store_top_values (self, op->text, op->query, op->from_ms, op->to_ms,
                                          op->limit, cancellable, &error);
      free_result = (GDestroyNotify) g_ptr_array_unref;
      break;
    case OP_TREE:
      result = hw_event_store_tree (self, op->text, op->query, op->from_ms, op->to_ms,
                                    cancellable, &error);
      free_result = (GDestroyNotify) g_ptr_array_unref;
      break;
    default:
      g_assert_not_reached ();
    }

  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, free_result);
}

static void
start (HwEventStore        *self,
       ReadOp              *op,
       gpointer             source_tag,
       GCancellable        *cancellable,
       GAsyncReadyCallback  callback,
       gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, op, (GDestroyNotify) read_op_free);
  /* A cancelled read is reported as cancelled even if it finished. */
  g_task_set_return_on_cancel (task, FALSE);
  g_task_set_check_cancellable (task, TRUE);
  hw_background_run_task (task, run_read_op);
}

static gpointer
finish (HwEventStore  *self,
        GAsyncResult  *result,
        gpointer       source_tag,
        GError       **error)
{
  g_return_val_if_fail (HW_IS_EVENT_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Each public _finish checks the tag of its own _async and hands over the
 * typed result. */
#define DEFINE_FINISH(prefix, ResultType)                      \
  ResultType                                                   \
  prefix##_finish (HwEventStore  *self,                        \
                   GAsyncResult  *result,                      \
                   GError       **error)                       \
  {                                                            \
    return finish (self, result, prefix##_async, error);       \
  }

void
hw_event_store_search_async (HwEventStore        *self,
                             HwQuery             *query,
                             gint64               from_ms,
                             gint64               to_ms,
                             HwEventOrder         order,
                             guint                limit,
                             const char          *cursor,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  ReadOp *op;

  g_return_if_fail (HW_IS_EVENT_STORE (self));

  op = read_op_new (OP_SEARCH, query, from_ms, to_ms);
  op->order = order;
  op->limit = limit;
  op->text = g_strdup (cursor);
  start (self, op, hw_event_store_search_async, cancellable, callback, user_data);
}

DEFINE_FINISH (hw_event_store_search, HwSearchPage *)

void
hw_event_store_search_seqs_async (HwEventStore        *self,
                                  HwQuery             *query,
                                  gint64               from_ms,
                                  gint64               to_ms,
                                  HwEventOrder         order,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  ReadOp *op;

  g_return_if_fail (HW_IS_EVENT_STORE (self));

  op = read_op_new (OP_SEARCH_SEQS, query, from_ms, to_ms);
  op->order = order;
  start (self, op, hw_event_store_search_seqs_async, cancellable, callback, user_data);
}

DEFINE_FINISH (hw_event_store_search_seqs, GArray *)

void
hw_event_store_get_summaries_async (HwEventStore        *self,
                                    const gint64        *seqs,
                                    guint                n,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  ReadOp *op;

  g_return_if_fail (HW_IS_EVENT_STORE (self));
  g_return_if_fail (seqs != NULL || n == 0);

  op = read_op_new (OP_SUMMARIES, NULL, 0, 0);
  op->seqs = g_memdup2 (seqs, sizeof (gint64) * n);
  op->n_seqs = n;
  start (self, op, hw_event_store_get_summaries_async, cancellable, callback, user_data);
}

DEFINE_FINISH (hw_event_store_get_summaries, GPtrArray *)

void
hw_event_store_count_async (HwEventStore        *self,
                            HwQuery             *query,
                            gint64               from_ms,
                            gint64               to_ms,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (HW_IS_EVENT_STORE (self));

  start (self, read_op_new (OP_COUNT, query, from_ms, to_ms), hw_event_store_count_async,
         cancellable, callback, user_data);
}

gint64
hw_event_store_count_finish (HwEventStore  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_autofree gint64 *count = finish (self, result, hw_event_store_count_async, error);

  return count != NULL ? *count : -1;
}

void
hw_event_store_histogram_async (HwEventStore        *self,
                                HwQuery             *query,
                                gint64               from_ms,
                                gint64               to_ms,
                                guint                target_buckets,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  ReadOp *op;

  g_return_if_fail (HW_IS_EVENT_STORE (self));

  op = read_op_new (OP_HISTOGRAM, query, from_ms, to_ms);
  op->limit = target_buckets;
  start (self, op, hw_event_store_histogram_async, cancellable, callback, user_data);
}

DEFINE_FINISH (hw_event_store_histogram, HwHistogram *)

void
hw_event_store_top_values_async (HwEventStore        *self,
                                 const char          *field,
                                 HwQuery             *query,
                                 gint64               from_ms,
                                 gint64               to_ms,
                                 guint                limit,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  ReadOp *op;

  g_return_if_fail (HW_IS_EVENT_STORE (self));
  g_return_if_fail (field != NULL);

  op = read_op_new (OP_TOP_VALUES, query, from_ms, to_ms);
  op->text = g_strdup (field);
  op->limit = limit;
  start (self, op, hw_event_store_top_values_async, cancellable, callback, user_data);
}

DEFINE_FINISH (hw_event_store_top_values, GPtrArray *)

void
hw_event_store_tree_async (HwEventStore        *self,
                           const char          *parent,
                           HwQuery             *query,
                           gint64               from_ms,
                           gint64               to_ms,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  ReadOp *op;

  g_return_if_fail (HW_IS_EVENT_STORE (self));

  op = read_op_new (OP_TREE, query, from_ms, to_ms);
  op->text = g_strdup (parent);
  start (self, op, hw_event_store_tree_async, cancellable, callback, user_data);
}

DEFINE_FINISH (hw_event_store_tree, GPtrArray *)
