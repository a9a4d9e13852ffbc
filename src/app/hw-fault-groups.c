/* hw-fault-groups.c: fault groups and their faults, from the hub or the offline cache
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "hw-background.h"
#include "hw-error.h"
#include "hw-event-store.h"
#include "hw-fault-groups.h"

#define HOUR_MS        (G_GINT64_CONSTANT (3600) * 1000)
#define TREND_BUCKETS  24
#define MAX_GROUPS     200
#define MAX_FAULTS     200

void
hw_fault_group_item_free (HwFaultGroupItem *group)
{
  if (group == NULL)
    return;
  g_free (group->functionname);
  g_free (group->pipeline);
  g_free (group->message);
  g_clear_pointer (&group->trend, hw_series_unref);
  g_free (group);
}

gboolean
hw_fault_group_item_equal (const HwFaultGroupItem *a,
                           const HwFaultGroupItem *b)
{
  return g_strcmp0 (a->functionname, b->functionname) == 0
         && g_strcmp0 (a->pipeline, b->pipeline) == 0
         && g_strcmp0 (a->message, b->message) == 0;
}

static gboolean
contains_folded (const char *haystack,
                 const char *needle)
{
  g_autofree char *folded = NULL;

  if (haystack == NULL)
    return FALSE;
  folded = g_utf8_casefold (haystack, -1);
  return strstr (folded, needle) != NULL;
}

gboolean
hw_fault_group_item_matches (const HwFaultGroupItem *group,
                             const char             *functionname,
                             const char             *folded_text)
{
  if (functionname != NULL && g_strcmp0 (group->functionname, functionname) != 0)
    return FALSE;
  if (folded_text == NULL || *folded_text == '\0')
    return TRUE;
  return contains_folded (group->message, folded_text) || contains_folded (group->functionname, folded_text)
         || contains_folded (group->pipeline, folded_text);
}

void
hw_fault_item_free (HwFaultItem *fault)
{
  if (fault == NULL)
    return;
  g_free (fault->id);
  g_free (fault->err_name);
  g_free (fault->err_message);
  g_free (fault->json);
  g_free (fault);
}

static gboolean
is_reachable (HwConnection *connection)
{
  HwHubSyncState state = hw_connection_get_state (connection);

  return hw_connection_get_client (connection) != NULL
         && (state == HW_HUB_SYNC_STATE_SYNCING || state == HW_HUB_SYNC_STATE_ONLINE);
}

/* Groups ------------------------------------------------------------------------- */

typedef struct
{
  HwEventStore *store;      /* nullable: no trends without a cache */
  GPtrArray    *groups;     /* NULL: read them from the cache */
  gint64        from_ms;    /* 0 = all time */
  HwTimeRange   range;
  const char   *source;
} GroupsJob;

static void
groups_job_free (GroupsJob *job)
{
  g_clear_object (&job->store);
  g_clear_pointer (&job->groups, g_ptr_array_unref);
  g_free (job);
}

static void
compute_trend (HwEventStore     *store,
               HwFaultGroupItem *group,
               HwTimeRange       range,
               GCancellable     *cancellable)
{
  HwFaultFilter filter = { 0 };
  g_autoptr(GPtrArray) rows = NULL;
  gint64 bucket_ms = MAX ((range.to_ms - range.from_ms) / TREND_BUCKETS, 1000);
  guint counts[TREND_BUCKETS] = { 0 };

  filter.functionname = group->functionname;
  filter.pipeline = group->pipeline;
  filter.err_message = group->message;
  filter.from_ms = range.from_ms;
  filter.to_ms = range.to_ms;
  rows = hw_event_store_list_faults (store, &filter, 10000, cancellable, NULL);
  group->trend = hw_series_new (group->message != NULL ? group->message : "faults");
  for (guint i = 0; rows != NULL && i < rows->len; i++)
    {
      HwFaultRow *row = g_ptr_array_index (rows, i);
      gint64 bucket = (row->ts_ms - range.from_ms) / bucket_ms;

      if (bucket >= 0 && bucket < TREND_BUCKETS)
        counts[bucket]++;
    }
  for (guint i = 0; i < TREND_BUCKETS; i++)
    hw_series_append (group->trend, range.from_ms + i * bucket_ms, counts[i]);
}

static GPtrArray *
groups_from_cache (GroupsJob     *job,
                   GCancellable  *cancellable,
                   GError       **error)
{
  HwFaultFilter filter = { 0 };
  g_autoptr(GPtrArray) rows = NULL;
  GPtrArray *groups;

  filter.from_ms = job->from_ms;
  rows = hw_event_store_fault_groups (job->store,
                                      HW_FAULT_GROUP_FUNCTIONNAME | HW_FAULT_GROUP_PIPELINE
                                      | HW_FAULT_GROUP_ERR_MESSAGE,
                                      &filter, cancellable, error);
  if (rows == NULL)
    return NULL;
  groups = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_fault_group_item_free);
  for (guint i = 0; i < rows->len && i < MAX_GROUPS; i++)
    {
      HwFaultGroup *row = g_ptr_array_index (rows, i);
      HwFaultGroupItem *group = g_new0 (HwFaultGroupItem, 1);

      group->functionname = g_strdup (row->functionname);
      group->pipeline = g_strdup (row->pipeline);
      group->message = g_strdup (row->err_message);
      group->count = row->count;
      group->first_seen_ms = row->first_seen_ms;
      group->last_seen_ms = row->last_seen_ms;
      g_ptr_array_add (groups, group);
    }
  return groups;
}

static void
groups_in_thread (GTask        *task,
                  gpointer      source,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  GroupsJob *job = task_data;
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_real_time () / 1000;

  if (job->groups == NULL && (job->groups = groups_from_cache (job, cancellable, &error)) == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* All time: the trends start at the oldest group. */
  job->range = (HwTimeRange) { job->from_ms > 0 ? job->from_ms : now - HOUR_MS, now };
  if (job->from_ms == 0)
    for (guint i = 0; i < job->groups->len; i++)
      job->range.from_ms = MIN (job->range.from_ms,
                                ((HwFaultGroupItem *) g_ptr_array_index (job->groups, i))->first_seen_ms);
  for (guint i = 0; job->store != NULL && i < job->groups->len; i++)
    compute_trend (job->store, g_ptr_array_index (job->groups, i), job->range, cancellable);
  g_task_return_pointer (task, g_steal_pointer (&job->groups), (GDestroyNotify) g_ptr_array_unref);
}

/* Runs the rest of the job in a thread; the caller keeps its reference. */
static void
finish_groups (GTask      *task,
               GPtrArray  *groups,
               const char *source)
{
  GroupsJob *job = g_task_get_task_data (task);

  job->groups = groups;
  job->source = source;
  hw_background_run_task (task, groups_in_thread);
}

static void
on_hub_groups (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GroupsJob *job = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) answer = NULL;
  GPtrArray *groups;

  answer = hw_hub_client_fault_groups_finish (HW_HUB_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (answer == NULL)
    {
      /* The cache still knows the faults seen so far. */
      if (job->store == NULL)
        g_task_return_error (task, g_steal_pointer (&error));
      else
        finish_groups (task, NULL, "cache");
      return;
    }
  groups = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_fault_group_item_free);
  for (guint i = 0; i < answer->len && i < MAX_GROUPS; i++)
    {
      HwHubFaultGroup *hub_group = g_ptr_array_index (answer, i);
      HwFaultGroupItem *group = g_new0 (HwFaultGroupItem, 1);

      group->functionname = g_strdup (hub_group->functionname);
      group->pipeline = g_strdup (hub_group->pipeline);
      group->message = g_strdup (hub_group->message);
      group->count = hub_group->count;
      group->first_seen_ms = hub_group->first_seen_ms;
      group->last_seen_ms = hub_group->last_seen_ms;
      g_ptr_array_add (groups, group);
    }
  finish_groups (task, groups, "hub");
}

void
hw_fault_groups_load_async (HwConnection        *connection,
                            const char          *hub_from,
                            gint64               from_ms,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  HwEventStore *store;
  GroupsJob *job;
  GTask *task;

  g_return_if_fail (HW_IS_CONNECTION (connection));

  store = hw_connection_get_store (connection);
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, hw_fault_groups_load_async);
  job = g_new0 (GroupsJob, 1);
  job->store = store != NULL ? g_object_ref (store) : NULL;
  job->from_ms = from_ms;
  g_task_set_task_data (task, job, (GDestroyNotify) groups_job_free);

  if (is_reachable (connection))
    {
      hw_hub_client_fault_groups_async (hw_connection_get_client (connection), hub_from, NULL, cancellable,
                                        on_hub_groups, task);
      return;
    }
  if (store == NULL)
    {
      g_task_return_new_error (task, HW_ERROR, HW_ERROR_NOT_FOUND,
                               "The hub is unreachable and its faults are not cached yet");
      g_object_unref (task);
      return;
    }
  finish_groups (task, NULL, "cache");
  g_object_unref (task);
}

GPtrArray *
hw_fault_groups_load_finish (GAsyncResult  *result,
                             const char   **source,
                             HwTimeRange   *range,
                             GError       **error)
{
  GroupsJob *job;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  job = g_task_get_task_data (G_TASK (result));
  if (source != NULL)
    *source = job->source;
  if (range != NULL)
    *range = job->range;
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Faults of a group ------------------------------------------------------------------ */

typedef struct
{
  HwConnection     *connection;
  HwEventStore     *store;
  HwFaultGroupItem *group;       /* a copy of the key fields */
  char             *hub_from;
  gint64            from_ms;
} FaultsJob;

static void
faults_job_free (FaultsJob *job)
{
  g_clear_object (&job->connection);
  g_clear_object (&job->store);
  g_clear_pointer (&job->group, hw_fault_group_item_free);
  g_free (job->hub_from);
  g_free (job);
}

static void
faults_in_thread (GTask        *task,
                  gpointer      source,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  FaultsJob *job = task_data;
  HwFaultFilter filter = { 0 };
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *faults;

  filter.functionname = job->group->functionname;
  filter.pipeline = job->group->pipeline;
  filter.err_message = job->group->message;
  filter.from_ms = job->from_ms;
  rows = hw_event_store_list_faults (job->store, &filter, MAX_FAULTS, cancellable, &error);
  if (rows == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  faults = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_fault_item_free);
  for (guint i = 0; i < rows->len; i++)
    {
      HwFaultRow *row = g_ptr_array_index (rows, i);
      HwFaultItem *fault = g_new0 (HwFaultItem, 1);

      fault->id = g_strdup (row->id);
      fault->ts_ms = row->ts_ms;
      fault->err_name = g_strdup (row->err_name);
      fault->err_message = g_strdup (row->err_message);
      fault->resubmitted_at_ms = row->state == HW_FAULT_STATE_RESUBMITTED ? MAX (row->resubmitted_at_ms, 1) : 0;
      fault->json = hw_event_store_get_event_json_by_id (job->store, row->id, NULL);
      g_ptr_array_add (faults, fault);
    }
  g_task_return_pointer (task, faults, (GDestroyNotify) g_ptr_array_unref);
}

static void
on_hub_faults (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  FaultsJob *job = g_task_get_task_data (task);
  g_autoptr(HwHubEventPage) page = NULL;
  GError *error = NULL;
  GPtrArray *faults;

  page = hw_hub_client_list_faults_finish (HW_HUB_CLIENT (source), result, &error);
  if (page == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  faults = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_fault_item_free);
  for (guint i = 0; i < page->events->len; i++)
    {
      HwEvent *event = g_ptr_array_index (page->events, i);
      HwFaultItem *fault;

      if (g_strcmp0 (event->err_message, job->group->message) != 0)
        continue;
      fault = g_new0 (HwFaultItem, 1);
      fault->id = g_strdup (event->id);
      fault->ts_ms = event->timestamp_ms;
      fault->err_name = g_strdup (event->err_name);
      fault->err_message = g_strdup (event->err_message);
      fault->json = g_strdup (event->json);
      g_ptr_array_add (faults, fault);
    }
  g_task_return_pointer (task, faults, (GDestroyNotify) g_ptr_array_unref);
}

static void
append_term (GString    *query,
             const char *field,
             const char *value)
{
  if (value == NULL)
    return;
  g_string_append_printf (query, "%s%s:\"", query->len > 0 ? " " : "", field);
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (query, '\\');
      g_string_append_c (query, *p);
    }
  g_string_append_c (query, '"');
}

/* The cache had none (not synced yet): ask the hub by function and pipeline
 * and keep the group's message, which the query language cannot select. */
static void
load_from_hub (GTask *task)
{
  FaultsJob *job = g_task_get_task_data (task);
  g_autoptr(GString) query = g_string_new ("");

  append_term (query, "functionname", job->group->functionname);
  append_term (query, "pipeline", job->group->pipeline);
  hw_hub_client_list_faults_async (hw_connection_get_client (job->connection), query->str, job->hub_from, NULL,
                                   MAX_FAULTS, NULL, g_task_get_cancellable (task), on_hub_faults, task);
}

static void
on_cached_faults (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  FaultsJob *job = g_task_get_task_data (task);
  GError *error = NULL;
  GPtrArray *faults = g_task_propagate_pointer (G_TASK (result), &error);

  if (faults == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (faults->len == 0 && is_reachable (job->connection))
    {
      g_ptr_array_unref (faults);
      load_from_hub (g_steal_pointer (&task));
      return;
    }
  g_task_return_pointer (task, faults, (GDestroyNotify) g_ptr_array_unref);
}

void
hw_fault_items_load_async (HwConnection           *connection,
                           const HwFaultGroupItem *group,
                           const char             *hub_from,
                           gint64                  from_ms,
                           GCancellable           *cancellable,
                           GAsyncReadyCallback     callback,
                           gpointer                user_data)
{
  HwEventStore *store;
  FaultsJob *job;
  GTask *task;

  g_return_if_fail (HW_IS_CONNECTION (connection));
  g_return_if_fail (group != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, hw_fault_items_load_async);
  store = hw_connection_get_store (connection);
  job = g_new0 (FaultsJob, 1);
  job->connection = g_object_ref (connection);
  job->store = store != NULL ? g_object_ref (store) : NULL;
  job->group = g_new0 (HwFaultGroupItem, 1);
  job->group->functionname = g_strdup (group->functionname);
  job->group->pipeline = g_strdup (group->pipeline);
  job->group->message = g_strdup (group->message);
  job->hub_from = g_strdup (hub_from);
  job->from_ms = from_ms;
  g_task_set_task_data (task, job, (GDestroyNotify) faults_job_free);

  if (store == NULL)
    {
      if (is_reachable (connection))
        {
          load_from_hub (task);
          return;
        }
      g_task_return_new_error (task, HW_ERROR, HW_ERROR_NOT_FOUND,
                               "The hub is unreachable and its faults are not cached yet");
      g_object_unref (task);
      return;
    }
  {
    /* The cache read runs in its own task so that its result can decide
     * whether to ask the hub. */
    g_autoptr(GTask) read = g_task_new (NULL, cancellable, on_cached_faults, task);
    FaultsJob *copy = g_new0 (FaultsJob, 1);

    copy->store = g_object_ref (store);
    copy->group = g_new0 (HwFaultGroupItem, 1);
    copy->group->functionname = g_strdup (group->functionname);
    copy->group->pipeline = g_strdup (group->pipeline);
    copy->group->message = g_strdup (group->message);
    copy->from_ms = from_ms;
    g_task_set_task_data (read, copy, (GDestroyNotify) faults_job_free);
    hw_background_run_task (read, faults_in_thread);
  }
}

GPtrArray *
hw_fault_items_load_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
