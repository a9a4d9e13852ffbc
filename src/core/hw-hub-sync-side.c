/* hw-hub-sync-side.c: cache writes in worker threads, side data (system events, listeners, jobs, metrics), tuning
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-background.h"
#include "hw-error.h"
#include "hw-hub-sync-private.h"

/* System events come from the hub's changes feed, so late ones (a
 * deployment posted after the fact) and changed ones (an incident resolved
 * after it was opened) both arrive; a full page means more are waiting. */
#define SYSTEM_EVENTS_PAGE 1000

static void fetch_system_events (HwHubSync *self);

/* ---- contexts ------------------------------------------------------------ */

HwSyncCtx *
hw_sync_ctx_new (HwHubSync      *self,
                 gpointer        data,
                 GDestroyNotify  data_free)
{
  HwSyncCtx *ctx = g_new0 (HwSyncCtx, 1);

  ctx->self = g_object_ref (self);
  ctx->generation = self->generation;
  ctx->data = data;
  ctx->data_free = data_free;
  return ctx;
}

void
hw_sync_ctx_free (HwSyncCtx *ctx)
{
  if (ctx->data_free != NULL && ctx->data != NULL)
    ctx->data_free (ctx->data);
  g_object_unref (ctx->self);
  g_free (ctx);
}

gboolean
hw_sync_ctx_current (HwSyncCtx *ctx)
{
  return ctx->self->started && ctx->generation == ctx->self->generation;
}

void
hw_metric_request_free (HwMetricRequest *request)
{
  g_free (request->name);
  g_free (request->from);
  g_free (request->to);
  g_free (request->stat);
  g_free (request->by);
  g_free (request);
}

HwMetricRequest *
hw_metric_request_copy (const HwMetricRequest *request)
{
  HwMetricRequest *copy = g_new0 (HwMetricRequest, 1);

  copy->name = g_strdup (request->name);
  copy->from = g_strdup (request->from);
  copy->to = g_strdup (request->to);
  copy->step_s = request->step_s;
  copy->stat = g_strdup (request->stat);
  copy->by = g_strdup (request->by);
  return copy;
}

/* ---- writes ---------------------------------------------------------------- */

HwSyncWrite *
hw_sync_write_new (HwHubSync *self)
{
  HwSyncWrite *job = g_new0 (HwSyncWrite, 1);

  job->store = g_object_ref (self->store);
  return job;
}

void
hw_sync_write_free (HwSyncWrite *job)
{
  g_clear_object (&job->store);
  g_clear_pointer (&job->page, hw_hub_sync_page_free);
  g_clear_pointer (&job->system_events, g_ptr_array_unref);
  g_clear_pointer (&job->series, g_ptr_array_unref);
  g_free (job->stat);
  g_free (job->by);
  g_clear_pointer (&job->puts, g_ptr_array_unref);
  g_free (job);
}

void
hw_sync_write_put (HwSyncWrite *job,
                   const char  *name,
                   char        *value)
{
  if (job->puts == NULL)
    job->puts = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (job->puts, g_strdup (name));
  g_ptr_array_add (job->puts, value);
}

static void
write_in_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  HwSyncWrite *job = task_data;
  GError *error = NULL;

  if (job->page != NULL
      && !hw_hub_sync_cache_insert_page (job->store, job->page, &job->n_new, &job->n_faults, &error))
    goto failed;
  if (job->system_events != NULL
      && !hw_hub_sync_cache_insert_system_events (job->store, job->system_events, &job->n_new, &error))
    goto failed;
  if (job->series != NULL
      && !hw_hub_sync_cache_insert_series (job->store, job->series, job->stat, job->by,
                                          job->step_s, &error))
    goto failed;
  for (guint i = 0; job->puts != NULL && i + 1 < job->puts->len; i += 2)
    if (!hw_hub_sync_cache_put (job->store, g_ptr_array_index (job->puts, i),
                                g_ptr_array_index (job->puts, i + 1), &error))
      goto failed;

  g_task_return_boolean (task, TRUE);
  return;

failed:
  g_task_return_error (task, error);
}

static void
on_write_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(HwSyncCtx) ctx = user_data;
  HwSyncWrite *job = g_task_get_task_data (G_TASK (result));
  HwHubSyncChanges what = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (result), "what"));
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      hw_hub_sync_cache_write_failed (ctx->self, hw_event_store_get_path (job->store), error);
      /* Snapshots live in memory too: pages can show them unsaved. */
      if (job->page == NULL && job->system_events == NULL && job->series == NULL)
        hw_hub_sync_emit_changed (ctx->self, what);
      return;
    }
  if (job->system_events != NULL && job->n_new == 0)
    return;
  hw_hub_sync_emit_changed (ctx->self, what);
}

void
hw_sync_write_run (HwHubSync           *self,
                   HwSyncWrite         *job,
                   HwHubSyncChanges     what,
                   GAsyncReadyCallback  callback,
                   HwSyncCtx           *ctx)
{
  g_autoptr(GTask) task = NULL;

  if (ctx == NULL)
    ctx = hw_sync_ctx_new (self, NULL, NULL);
  task = g_task_new (self, NULL, callback != NULL ? callback : on_write_done, ctx);
  g_task_set_source_tag (task, hw_sync_write_run);
  g_task_set_task_data (task, job, (GDestroyNotify) hw_sync_write_free);
  g_object_set_data (G_OBJECT (task), "what", GUINT_TO_POINTER (what));
  hw_background_run_task (task, write_in_thread);
}

/* Takes @json. TRUE, with *@last updated, when it differs from *@last. */
static gboolean
snapshot_changed (char **last,
                  char  *json)
{
  if (g_strcmp0 (*last, json) == 0)
    {
      g_free (json);
      return FALSE;
    }
  g_free (*last);
  *last = json;
  return TRUE;
}

void
hw_hub_sync_write_snapshots (HwHubSync        *self,
                             HwHubSyncChanges  what)
{
  HwSyncWrite *job;

  if ((what & HW_HUB_SYNC_CHANGED_LISTENERS)
      && !snapshot_changed (&self->listeners_json, hw_hub_sync_listeners_to_json (self->listeners)))
    what &= ~HW_HUB_SYNC_CHANGED_LISTENERS;
  if ((what & HW_HUB_SYNC_CHANGED_JOBS)
      && !snapshot_changed (&self->jobs_json, hw_hub_sync_jobs_to_json (self->jobs)))
    what &= ~HW_HUB_SYNC_CHANGED_JOBS;
  if (what == 0)
    return;

  job = hw_sync_write_new (self);
  if (what & HW_HUB_SYNC_CHANGED_LISTENERS)
    hw_sync_write_put (job, HW_SYNC_SNAPSHOT_LISTENERS, g_strdup (self->listeners_json));
  if (what & HW_HUB_SYNC_CHANGED_JOBS)
    hw_sync_write_put (job, HW_SYNC_SNAPSHOT_JOBS, g_strdup (self->jobs_json));
  if ((what & HW_HUB_SYNC_CHANGED_INFO) && self->info != NULL)
    {
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), self->info->raw);

      hw_sync_write_put (job, HW_SYNC_SNAPSHOT_INFO, json_to_string (node, FALSE));
    }
  hw_sync_write_run (self, job, what, NULL, NULL);
}

/* ---- a full disk under the cache ------------------------------------------ */

const char *
hw_hub_sync_get_cache_error (HwHubSync *self)
{
  g_return_val_if_fail (HW_IS_HUB_SYNC (self), NULL);

  if (self->cache_writable)
    return NULL;
  return self->cache_full ? "The cache is read-only: the disk is full."
                          : "The cache is read-only: the cache file cannot be written.";
}

static gboolean
on_cache_retry (gpointer user_data)
{
  HwHubSync *self = user_data;

  self->cache_retry_source = 0;
  /* Probing is the real thing: the next write either lands or fails again. */
  if (self->store == NULL)
    hw_hub_sync_open_cache (self);
  else
    hw_hub_sync_pull (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_cache_retry (HwHubSync *self)
{
  if (!self->started || self->cache_retry_source != 0)
    return;
  self->cache_retry_source = g_timeout_add (hw_hub_sync_backoff_ms (self, self->cache_attempt),
                                            on_cache_retry, self);
  self->cache_attempt++;
}

void
hw_hub_sync_cache_write_failed (HwHubSync    *self,
                                const char   *path,
                                const GError *error)
{
  gboolean full = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);

  if (!full && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_READ_ONLY))
    {
      /* The cache is disposable, but a failing one must not be silent. */
      g_warning ("Cannot write the cache %s: %s", path, error->message);
      hw_hub_sync_set_last_error (self, error->message);
      return;
    }

  /* Expected on a full disk, so logged once per episode, not per retry. */
  if (self->cache_writable)
    g_message ("The cache %s is read-only until writes succeed again: %s", path, error->message);
  self->cache_full = full;
  hw_hub_sync_set_cache_writable (self, FALSE);
  hw_hub_sync_set_last_error (self, hw_hub_sync_get_cache_error (self));
  schedule_cache_retry (self);
}

void
hw_hub_sync_cache_write_ok (HwHubSync *self)
{
  self->cache_attempt = 0;
  g_clear_handle_id (&self->cache_retry_source, g_source_remove);
  if (self->cache_writable)
    return;
  g_message ("The cache %s takes writes again", self->cache_path);
  if (g_strcmp0 (self->last_error, hw_hub_sync_get_cache_error (self)) == 0)
    hw_hub_sync_set_last_error (self, NULL);
  hw_hub_sync_set_cache_writable (self, TRUE);
}

/* ---- deadlines ------------------------------------------------------------ */

/* Whole answers may take this many I/O timeouts: room for a big page on a
 * slow link, none for a hub that never finishes. */
#define DEADLINE_TIMEOUTS 4

static gboolean
on_deadline (gpointer user_data)
{
  HwHubSync *self = user_data;
  g_autoptr(GError) error = NULL;
  guint seconds = hw_hub_client_get_timeout (self->client) * DEADLINE_TIMEOUTS;

  self->deadline_source = 0;
  error = g_error_new (HW_ERROR, HW_ERROR_UNAVAILABLE, "%s did not finish answering within %u s",
                       hw_hub_client_get_base_url (self->client), seconds);
  self->pulling = FALSE;
  hw_hub_sync_handle_failure (self, error);
  return G_SOURCE_REMOVE;
}

void
hw_hub_sync_arm_deadline (HwHubSync *self)
{
  guint seconds = hw_hub_client_get_timeout (self->client) * DEADLINE_TIMEOUTS;

  g_clear_handle_id (&self->deadline_source, g_source_remove);
  /* No I/O timeout asked for, no deadline either. */
  if (seconds == 0)
    return;
  self->deadline_source = g_timeout_add_seconds (seconds, on_deadline, self);
}

void
hw_hub_sync_disarm_deadline (HwHubSync *self)
{
  g_clear_handle_id (&self->deadline_source, g_source_remove);
}

/* ---- side data ------------------------------------------------------------ */

/* Shared by every side call: drop stale answers, turn connection errors
 * into a reconnect, and ignore what this hub simply does not offer. */
static gboolean
side_result_usable (HwSyncCtx    *ctx,
                    gpointer      result,
                    const GError *error)
{
  if (!hw_sync_ctx_current (ctx))
    return FALSE;
  if (result != NULL)
    return TRUE;
  if (hw_hub_sync_is_connection_error (error))
    hw_hub_sync_handle_failure (ctx->self, error);
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("Ignoring a side request's failure: %s", error->message);
  return FALSE;
}

static void
on_system_events (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(HwSyncCtx) ctx = user_data;
  HwHubSync *self = ctx->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(HwHubSystemEventPage) page = NULL;
  HwSyncWrite *job;
  gboolean more;

  page = hw_hub_client_list_system_event_changes_finish (HW_HUB_CLIENT (source), result, &error);
  if (!side_result_usable (ctx, page, error))
    return;
  /* A hub that does not send last_seq has no feed: do not loop on it. */
  more = page->events->len >= SYSTEM_EVENTS_PAGE && page->last_seq > self->system_events_after;
  self->system_events_after = MAX (self->system_events_after, page->last_seq);

  job = hw_sync_write_new (self);
  job->system_events = g_steal_pointer (&page->events);
  hw_sync_write_put (job, HW_SYNC_CURSOR_SYSTEM_EVENTS,
                     g_strdup_printf ("%" G_GUINT64_FORMAT, self->system_events_after));
  hw_sync_write_run (self, job, HW_HUB_SYNC_CHANGED_SYSTEM_EVENTS, NULL, NULL);
  if (more)
    fetch_system_events (self);
}

static void
fetch_system_events (HwHubSync *self)
{
  hw_hub_client_list_system_event_changes_async (self->client, self->system_events_after,
                                                 SYSTEM_EVENTS_PAGE, self->cancellable,
                                                 on_system_events, hw_sync_ctx_new (self, NULL, NULL));
}

static void
on_listeners (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(HwSyncCtx) ctx = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) listeners = NULL;

  listeners = hw_hub_client_list_listeners_finish (HW_HUB_CLIENT (source), result, &error);
  if (!side_result_usable (ctx, listeners, error))
    return;
  g_clear_pointer (&ctx->self->listeners, g_ptr_array_unref);
  ctx->self->listeners = g_steal_pointer (&listeners);
  hw_hub_sync_write_snapshots (ctx->self, HW_HUB_SYNC_CHANGED_LISTENERS);
}

static void
on_jobs (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(HwSyncCtx) ctx = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) jobs = NULL;

  jobs = hw_hub_client_list_jobs_finish (HW_HUB_CLIENT (source), result, &error);
  if (!side_result_usable (ctx, jobs, error))
    return;
  g_clear_pointer (&ctx->self->jobs, g_ptr_array_unref);
  ctx->self->jobs = g_steal_pointer (&jobs);
  hw_hub_sync_write_snapshots (ctx->self, HW_HUB_SYNC_CHANGED_JOBS);
}

static void
on_metrics (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(HwSyncCtx) ctx = user_data;
  HwMetricRequest *request = ctx->data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) series = NULL;
  HwSyncWrite *job;

  series = hw_hub_client_query_metrics_finish (HW_HUB_CLIENT (source), result, &error);
  if (!side_result_usable (ctx, series, error))
    return;
  job = hw_sync_write_new (ctx->self);
  job->series = g_steal_pointer (&series);
  job->stat = g_strdup (request->stat);
  job->by = g_strdup (request->by);
  job->step_s = request->step_s;
  hw_sync_write_run (ctx->self, job, HW_HUB_SYNC_CHANGED_METRICS, NULL, NULL);
}

void
hw_hub_sync_fetch_metrics (HwHubSync             *self,
                           const HwMetricRequest *request)
{
  hw_hub_client_query_metrics_async (self->client, request->name, request->from, request->to,
                                     request->step_s, request->stat, request->by, self->cancellable,
                                     on_metrics,
                                     hw_sync_ctx_new (self, hw_metric_request_copy (request),
                                                      (GDestroyNotify) hw_metric_request_free));
}

void
hw_hub_sync_refresh_side_data (HwHubSync *self)
{
  GHashTableIter iter;
  gpointer value;

  fetch_system_events (self);
  hw_hub_client_list_listeners_async (self->client, self->cancellable, on_listeners,
                                      hw_sync_ctx_new (self, NULL, NULL));
  hw_hub_client_list_jobs_async (self->client, self->cancellable, on_jobs,
                                 hw_sync_ctx_new (self, NULL, NULL));

  g_hash_table_iter_init (&iter, self->metric_requests);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    hw_hub_sync_fetch_metrics (self, value);
}

/* ---- tuning and metric requests (public API) ------------------------------ */

void
hw_hub_sync_set_backoff (HwHubSync *self,
                         guint      min_ms,
                         guint      max_ms)
{
  g_return_if_fail (HW_IS_HUB_SYNC (self));
  g_return_if_fail (min_ms > 0 && min_ms <= max_ms);

  self->backoff_min_ms = min_ms;
  self->backoff_max_ms = max_ms;
}

void
hw_hub_sync_set_poll_interval (HwHubSync *self,
                               guint      interval_ms)
{
  g_return_if_fail (HW_IS_HUB_SYNC (self));
  g_return_if_fail (interval_ms > 0);

  self->poll_interval_ms = interval_ms;
}

void
hw_hub_sync_set_page_size (HwHubSync *self,
                           guint      page_size)
{
  g_return_if_fail (HW_IS_HUB_SYNC (self));
  g_return_if_fail (page_size > 0);

  self->page_size = page_size;
}

void
hw_hub_sync_request_metrics (HwHubSync  *self,
                             const char *key,
                             const char *name,
                             const char *from,
                             const char *to,
                             guint       step_s,
                             const char *stat,
                             const char *by)
{
  HwMetricRequest *request;

  g_return_if_fail (HW_IS_HUB_SYNC (self));
  g_return_if_fail (key != NULL && name != NULL);

  request = g_new0 (HwMetricRequest, 1);
  request->name = g_strdup (name);
  request->from = g_strdup (from);
  request->to = g_strdup (to);
  request->step_s = step_s;
  request->stat = g_strdup (stat);
  request->by = g_strdup (by);
  g_hash_table_replace (self->metric_requests, g_strdup (key), request);

  if (self->state == HW_HUB_SYNC_STATE_ONLINE && self->cancellable != NULL)
    hw_hub_sync_fetch_metrics (self, request);
}

void
hw_hub_sync_forget_metrics (HwHubSync  *self,
                            const char *key)
{
  g_return_if_fail (HW_IS_HUB_SYNC (self));
  g_return_if_fail (key != NULL);

  g_hash_table_remove (self->metric_requests, key);
}
