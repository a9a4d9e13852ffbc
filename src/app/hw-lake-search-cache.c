/* hw-lake-search-cache.c: the Event Lake page searches the console's cache
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A search the cache answers (hw-lake-search.c decides, and falls back
 * here when the hub goes away): the first page on a worker thread, then
 * every match's seq for the scrollbar and the total, each shown as a
 * step of its own (hw-lake-stage.c), with the aggregates in between.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "hw-background.h"
#include "hw-lake-page-private.h"

typedef struct
{
  HwEventStore *store;
  HwQuery      *query;
  gint64        from_ms;
  gint64        to_ms;
  HwEventOrder  order;
  GArray       *seqs;
  GPtrArray    *first_rows;
} CacheJob;

static void
cache_job_free (CacheJob *job)
{
  g_clear_object (&job->store);
  g_clear_pointer (&job->query, hw_query_unref);
  g_clear_pointer (&job->seqs, g_array_unref);
  g_clear_pointer (&job->first_rows, g_ptr_array_unref);
  g_free (job);
}

/* The first page alone: LIMIT lets SQLite stop (or keep a top-N sort)
 * instead of ordering every match before the user sees anything. */
static void
first_page_in_thread (GTask        *task,
                      gpointer      source,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  CacheJob *job = task_data;
  GError *error = NULL;
  HwSearchPage *page;

  page = hw_event_store_search (job->store, job->query, job->from_ms, job->to_ms, job->order,
                                HW_EVENT_LIST_MODEL_PAGE_SIZE, NULL, cancellable, &error);
  if (page == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  job->first_rows = g_steal_pointer (&page->rows);
  job->seqs = g_array_sized_new (FALSE, FALSE, sizeof (gint64), job->first_rows->len);
  for (guint i = 0; i < job->first_rows->len; i++)
    g_array_append_val (job->seqs, ((HwEventRow *) g_ptr_array_index (job->first_rows, i))->seq);
  hw_search_page_free (page);
  g_task_return_boolean (task, TRUE);
}

static void
all_seqs_in_thread (GTask        *task,
                    gpointer      source,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  CacheJob *job = task_data;
  GError *error = NULL;

  job->seqs = hw_event_store_search_seqs (job->store, job->query, job->from_ms, job->to_ms,
                                          job->order, cancellable, &error);
  if (job->seqs == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static CacheJob *
cache_job_new (HwLakePage *self)
{
  CacheJob *job = g_new0 (CacheJob, 1);

  job->store = g_object_ref (self->store);
  job->query = hw_query_ref (self->query);
  job->from_ms = self->from_ms;
  job->to_ms = self->to_ms;
  job->order = hw_lake_results_get_order (self->results);
  return job;
}

static gboolean
cache_job_failed (HwLakePage   *self,
                  GAsyncResult *result)
{
  g_autoptr(GError) error = NULL;

  if (g_task_propagate_boolean (G_TASK (result), &error))
    return FALSE;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return TRUE;
  hw_lake_page_part_done (self);
  hw_lake_page_show_search_error (self, error);
  return TRUE;
}

/* The job is the task's: a step that outlives the task holds the task. */
static void
show_all_seqs (HwLakePage *self,
               gpointer    data)
{
  CacheJob *job = g_task_get_task_data (G_TASK (data));

  hw_event_list_model_extend_seqs (hw_lake_results_get_model (self->results), job->seqs);
  hw_lake_page_show_total (self, job->seqs->len, HW_LAKE_ORIGIN_CACHE);
  hw_lake_page_part_done (self);
}

static void
on_all_seqs (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  HwLakePage *self = HW_LAKE_PAGE (source);

  if (cache_job_failed (self, result))
    return;
  hw_lake_page_stage (self, show_all_seqs, g_object_ref (result), g_object_unref);
}

static void
show_first_page (HwLakePage *self,
                 gpointer    data)
{
  CacheJob *job = g_task_get_task_data (G_TASK (data));

  if (job->seqs->len < HW_EVENT_LIST_MODEL_PAGE_SIZE)
    {
      hw_event_list_model_set_seqs (hw_lake_results_get_model (self->results), job->store, job->seqs,
                                    job->first_rows);
      hw_lake_page_show_stack_page (self, job->seqs->len > 0 ? "results" : "empty");
      return;
    }
  /* A full first page: all the matches follow (on_all_seqs()). */
  hw_event_list_model_set_prefix_seqs (hw_lake_results_get_model (self->results), job->store, job->seqs,
                                       job->first_rows);
  hw_lake_page_show_stack_page (self, "results");
}

/* A short first page is every match. */
static void
show_short_total (HwLakePage *self,
                  gpointer    data)
{
  CacheJob *job = g_task_get_task_data (G_TASK (data));

  hw_lake_page_show_total (self, job->seqs->len, HW_LAKE_ORIGIN_CACHE);
  hw_lake_page_part_done (self);
}

static void
show_counting (HwLakePage *self,
               gpointer    data)
{
  hw_lake_page_set_total_text (self, _("Counting events…"));
}

static void
on_first_page (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  HwLakePage *self = HW_LAKE_PAGE (source);
  CacheJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GTask) task = NULL;

  if (cache_job_failed (self, result))
    return;
  /* The rows first, in a frame of their own; the total after them. */
  hw_lake_page_stage (self, show_first_page, g_object_ref (result), g_object_unref);
  /* Aggregates wait for the first page: they would only slow it down. */
  hw_lake_page_start_aggregates (self, FALSE);
  if (job->seqs->len < HW_EVENT_LIST_MODEL_PAGE_SIZE)
    {
      hw_lake_page_stage (self, show_short_total, g_object_ref (result), g_object_unref);
      return;
    }
  hw_lake_page_stage (self, show_counting, NULL, NULL);
  task = g_task_new (self, self->cancellable, on_all_seqs, NULL);
  g_task_set_source_tag (task, on_first_page);
  g_task_set_task_data (task, cache_job_new (self), (GDestroyNotify) cache_job_free);
  hw_background_run_task (task, all_seqs_in_thread);
}

/* The first page is shown first, then the full list of matches (for the
 * scrollbar and the total) and the aggregates follow. */
void
hw_lake_page_search_cache (HwLakePage *self)
{
  g_autoptr(GTask) task = NULL;

  /* Words wait for an index being built: say so, not just spin, and let
   * the last search's rows go, or they would pass for matches meanwhile. */
  if (hw_query_has_text (self->query) && hw_event_store_get_index_progress (self->store, NULL, NULL))
    {
      hw_lake_page_set_total_text (self, _("Waiting for the search index…"));
      hw_event_list_model_clear (hw_lake_results_get_model (self->results));
      hw_lake_page_show_stack_page (self, "waiting");
      hw_lake_index_notice_check (self->index_notice);
    }
  task = g_task_new (self, self->cancellable, on_first_page, NULL);
  g_task_set_source_tag (task, hw_lake_page_search_cache);
  g_task_set_task_data (task, cache_job_new (self), (GDestroyNotify) cache_job_free);
  self->pending++;
  hw_background_run_task (task, first_page_in_thread);
}
