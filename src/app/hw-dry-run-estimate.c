/* hw-dry-run-estimate.c: dry runs computed from the offline cache while the hub is unreachable
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-background.h"
#include "hw-command-queue.h"
#include "hw-dry-run-estimate.h"
#include "hw-query.h"

#define SAMPLE_SIZE 3

typedef struct
{
  HwEventStore  *store;
  HwCommandKind  kind;
  JsonObject    *body;
} EstimateJob;

static void
estimate_job_free (EstimateJob *job)
{
  g_clear_object (&job->store);
  g_clear_pointer (&job->body, json_object_unref);
  g_free (job);
}

static JsonObject *
estimate_replay (EstimateJob   *job,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autoptr(HwQuery) query = NULL;
  g_autoptr(GPtrArray) types = NULL;
  g_autoptr(JsonObject) answer = json_object_new ();
  JsonObject *by_type;
  gint64 from_ms = json_object_get_int_member_with_default (job->body, "from", 0);
  gint64 to_ms = json_object_get_int_member_with_default (job->body, "to", G_MAXINT64);
  gint64 count;

  query = hw_query_parse (json_object_get_string_member_with_default (job->body, "query", ""),
                          g_get_real_time () / 1000, NULL, error);
  if (query == NULL
      || (count = hw_event_store_count (job->store, query, from_ms, to_ms, cancellable, error)) < 0
      || (types = hw_event_store_top_values (job->store, "type", query, from_ms, to_ms, 1000,
                                             cancellable, error)) == NULL)
    return NULL;
  by_type = json_object_new ();
  for (guint i = 0; i < types->len; i++)
    {
      HwTopValue *value = g_ptr_array_index (types, i);

      json_object_set_int_member (by_type, value->value, value->count);
    }
  json_object_set_int_member (answer, "count", count);
  json_object_set_object_member (answer, "by_type", by_type);
  return g_steal_pointer (&answer);
}

static void
count_fault (HwEventStore *store,
             const char   *id,
             JsonObject   *targets,
             JsonArray    *sample)
{
  g_autoptr(HwEventRow) row = hw_event_store_get_event_by_id (store, id, NULL);
  const char *target;
  JsonNode *node;

  if (row == NULL)
    return;
  target = row->functionname != NULL ? row->functionname : "";
  json_object_set_int_member (targets, target, json_object_get_int_member_with_default (targets, target, 0) + 1);
  if (json_array_get_length (sample) < SAMPLE_SIZE && row->json != NULL
      && (node = json_from_string (row->json, NULL)) != NULL)
    json_array_add_element (sample, node);
}

/* Like the hub: ids as given, or the group's faults not yet resubmitted. */
static JsonObject *
estimate_resubmission (EstimateJob  *job,
                       GCancellable *cancellable)
{
  JsonArray *ids = hw_json_member_array (job->body, "fault_ids");
  JsonObject *group = hw_json_member_object (job->body, "group");
  JsonObject *answer = json_object_new ();
  JsonObject *targets = json_object_new ();
  JsonArray *sample = json_array_new ();
  gint64 count = 0;

  for (guint i = 0; ids != NULL && i < json_array_get_length (ids); i++, count++)
    count_fault (job->store, json_array_get_string_element (ids, i), targets, sample);
  if (ids == NULL && group != NULL)
    {
      HwFaultFilter filter = { 0 };
      g_autoptr(GPtrArray) rows = NULL;

      filter.functionname = json_object_get_string_member_with_default (group, "functionname", NULL);
      filter.pipeline = json_object_get_string_member_with_default (group, "pipeline", NULL);
      filter.err_message = json_object_get_string_member_with_default (group, "message", NULL);
      filter.state = HW_FAULT_STATE_NEW;
      rows = hw_event_store_list_faults (job->store, &filter, 100000, cancellable, NULL);
      for (guint i = 0; rows != NULL && i < rows->len; i++, count++)
        count_fault (job->store, ((HwFaultRow *) g_ptr_array_index (rows, i))->id, targets, sample);
    }
  json_object_set_int_member (answer, "count", count);
  json_object_set_object_member (answer, "targets", targets);
  json_object_set_array_member (answer, "sample", sample);
  return answer;
}

static void
estimate_in_thread (GTask        *task,
                    gpointer      source,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  EstimateJob *job = task_data;
  GError *error = NULL;
  JsonObject *answer;

  answer = job->kind == HW_COMMAND_KIND_REPLAY ? estimate_replay (job, cancellable, &error)
                                               : estimate_resubmission (job, cancellable);
  if (answer == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, answer, (GDestroyNotify) json_object_unref);
}

void
hw_dry_run_estimate_async (HwEventStore        *store,
                           HwCommandKind        kind,
                           JsonObject          *body,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  EstimateJob *job;

  g_return_if_fail (HW_IS_EVENT_STORE (store));
  g_return_if_fail (body != NULL);

  job = g_new0 (EstimateJob, 1);
  job->store = g_object_ref (store);
  job->kind = kind;
  job->body = json_object_ref (body);
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, hw_dry_run_estimate_async);
  g_task_set_task_data (task, job, (GDestroyNotify) estimate_job_free);
  hw_background_run_task (task, estimate_in_thread);
}

JsonObject *
hw_dry_run_estimate_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
