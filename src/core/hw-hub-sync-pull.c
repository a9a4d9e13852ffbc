/* hw-hub-sync-pull.c: pages of the lake after the cursor, and the stream and poll that say when to pull
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-hub-subscription.h"
#include "hw-hub-sync-private.h"

/* ---- following the hub: stream and poll ----------------------------------- */

static gboolean
on_poll (gpointer user_data)
{
  HwHubSync *self = user_data;

  hw_hub_sync_pull (self);
  hw_hub_sync_refresh_side_data (self);
  return G_SOURCE_CONTINUE;
}

static void
on_stream_message (HwHubSubscription *stream,
                   const char  *kind,
                   guint64      seq,
                   JsonNode    *data,
                   gpointer     user_data)
{
  HwHubSync *self = user_data;

  /* The stream only says "there is more": the sync page is the one path
   * that writes events, so order, gaps and the cursor stay simple. */
  if (g_str_equal (kind, "event") || g_str_equal (kind, "fault"))
    {
      if (seq == 0 || seq > self->cursor)
        hw_hub_sync_pull (self);
      return;
    }
  if (g_str_equal (kind, "system-event") && data != NULL && JSON_NODE_HOLDS_OBJECT (data))
    {
      HwHubSystemEvent *event = hw_hub_system_event_from_json (json_node_get_object (data), NULL);
      HwSyncWrite *job;

      if (event == NULL)
        return;
      job = hw_sync_write_new (self);
      job->system_events = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_hub_system_event_free);
      g_ptr_array_add (job->system_events, event);
      hw_sync_write_run (self, job, HW_HUB_SYNC_CHANGED_SYSTEM_EVENTS, NULL, NULL);
      return;
    }
  if (g_str_equal (kind, "job") && data != NULL && JSON_NODE_HOLDS_OBJECT (data))
    {
      HwHubJob *job = hw_hub_job_from_json (json_node_get_object (data), NULL);
      guint i;

      if (job == NULL)
        return;
      for (i = 0; i < self->jobs->len; i++)
        if (g_str_equal (((HwHubJob *) g_ptr_array_index (self->jobs, i))->id, job->id))
          break;
      if (i < self->jobs->len)
        g_ptr_array_remove_index (self->jobs, i);
      g_ptr_array_insert (self->jobs, 0, job);
      hw_hub_sync_write_snapshots (self, HW_HUB_SYNC_CHANGED_JOBS);
    }
}

static void
on_stream_closed (HwHubSubscription  *stream,
                  const GError *error,
                  gpointer      user_data)
{
  HwHubSync *self = user_data;

  if (error == NULL)
    return;
  /* A dropped stream means a dropped hub, as far as freshness goes. */
  hw_hub_sync_handle_failure (self, error);
}

static void
on_stream_open (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(HwSyncCtx) ctx = user_data;
  HwHubSync *self = ctx->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(HwHubSubscription) stream = NULL;

  stream = hw_hub_client_subscribe_finish (HW_HUB_CLIENT (source), result, &error);
  if (!hw_sync_ctx_current (ctx))
    {
      if (stream != NULL)
        hw_hub_subscription_close (stream);
      return;
    }
  if (stream == NULL)
    {
      /* Without a stream the poll still keeps the cache fresh. */
      if (hw_hub_sync_is_connection_error (error))
        hw_hub_sync_handle_failure (self, error);
      return;
    }
  self->stream = g_steal_pointer (&stream);
  g_signal_connect (self->stream, "message", G_CALLBACK (on_stream_message), self);
  g_signal_connect (self->stream, "closed", G_CALLBACK (on_stream_closed), self);
  /* Events between the end of the last page and the subscription. */
  hw_hub_sync_pull (self);
}

void
hw_hub_sync_follow (HwHubSync *self)
{
  hw_hub_client_subscribe_async (self->client, self->cursor, self->cancellable, on_stream_open,
                                 hw_sync_ctx_new (self, NULL, NULL));
  hw_hub_sync_refresh_side_data (self);
  self->poll_source = g_timeout_add (self->poll_interval_ms, on_poll, self);
}

/* ---- the lake: pages after the cursor ------------------------------------ */

static void
on_page_written (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(HwSyncCtx) ctx = user_data;
  HwHubSync *self = ctx->self;
  HwSyncWrite *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  /* The hub says how far it is; an older hub leaves "a full page" as the hint. */
  gboolean full = job->page->events->len > 0
                  && (job->page->hub_max_seq > 0 ? job->page->hub_max_seq > job->page->last_seq
                                                 : job->page->events->len >= self->page_size);
  HwHubSyncChanges what = 0;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (hw_sync_ctx_current (ctx))
        self->pulling = FALSE;
      hw_hub_sync_cache_write_failed (self, hw_event_store_get_path (job->store), error);
      return;
    }
  hw_hub_sync_cache_write_ok (self);

  /* Committed, whatever happened to the connection meanwhile. */
  hw_hub_sync_advance_cursor (self, job->page->last_seq);
  if (job->n_new > 0)
    what |= HW_HUB_SYNC_CHANGED_EVENTS;
  if (job->n_faults > 0)
    what |= HW_HUB_SYNC_CHANGED_FAULTS;
  hw_hub_sync_emit_changed (self, what);

  if (!hw_sync_ctx_current (ctx))
    return;
  self->pulling = FALSE;
  if (full || self->pull_again)
    {
      self->pull_again = FALSE;
      hw_hub_sync_pull (self);
      return;
    }
  hw_hub_sync_caught_up (self);
}

static void
on_page (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(HwSyncCtx) ctx = user_data;
  HwHubSync *self = ctx->self;
  g_autoptr(GError) error = NULL;
  HwHubSyncPage *page;
  HwSyncWrite *job;

  page = hw_hub_client_sync_page_finish (HW_HUB_CLIENT (source), result, &error);
  if (!hw_sync_ctx_current (ctx))
    {
      g_clear_pointer (&page, hw_hub_sync_page_free);
      return;
    }
  hw_hub_sync_disarm_deadline (self);
  if (page == NULL)
    {
      self->pulling = FALSE;
      hw_hub_sync_handle_failure (self, error);
      return;
    }
  job = hw_sync_write_new (self);
  job->page = page;
  hw_sync_write_run (self, job, 0, on_page_written, hw_sync_ctx_new (self, NULL, NULL));
}

void
hw_hub_sync_pull (HwHubSync *self)
{
  if (self->cancellable == NULL)
    return;
  /* While the disk is full the page could not be stored anyway: the cache
   * retry pulls when its backoff is over, not every stream message. */
  if (!self->cache_writable && self->cache_retry_source != 0)
    return;
  if (self->pulling)
    {
      self->pull_again = TRUE;
      return;
    }
  self->pulling = TRUE;
  hw_hub_sync_arm_deadline (self);
  hw_hub_client_sync_page_async (self->client, self->cursor, self->page_size, self->cancellable,
                                 on_page, hw_sync_ctx_new (self, NULL, NULL));
}
