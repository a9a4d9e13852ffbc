/* hw-hub-ingest.c: the publish pipeline: parse workers, one group-committing writer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-error.h"
#include "hw-event-store.h"
#include "hw-hub-http.h"
#include "hw-hub-ingest.h"
#include "hw-hub-lake.h"

/* A group stops growing past this many events: one transaction should stay
 * short, and the requests answered by it wait for all of it. */
#define GROUP_MAX_EVENTS 10000
/* A group smaller than this waits, up to GROUP_WAIT_US, for requests the
 * workers are still parsing. Every commit pays an fsync (~7 ms on the test
 * machine), and until the full-text index got a thread of its own (see
 * hw-event-store-index.c) also flushed a new FTS5 segment; with
 * two producers each holding one request in flight, both requests reach
 * the writer a few ms apart, and without the wait every commit carried one
 * of them: 500 events, half the writer's time in COMMIT. The wait is short:
 * with more producers groups form on their own, and a 20 ms wait left the
 * writer idle (4 producers: 14-16k events/s against 17k without a wait, and
 * 15-17k with this one; 2 producers: 13-14k without, 15-16k with). */
#define GROUP_MIN_EVENTS 1000
#define GROUP_WAIT_US (5 * G_TIME_SPAN_MILLISECOND)
#define GROUP_POLL_US (1 * G_TIME_SPAN_MILLISECOND)

struct _HwHubIngest
{
  HwHub        *hub;          /* not owned: the hub owns us */
  GMainContext *context;      /* where answers are sent */
  GThreadPool  *workers;      /* parse and finish steps */
  GThread      *writer;
  GAsyncQueue  *writes;       /* HwIngestJob*, or the stop marker */
  GAsyncQueue  *done;         /* HwIngestJob* with an answer */

  GMutex        lock;
  GCond         idle;
  guint         in_flight;    /* submitted, not yet in done; under lock */
  gint          parsing;      /* submitted, not yet parsed; atomic */
  gboolean      closing;      /* main context only */
};

/* Pushed to writes to end the writer after everything queued before it. */
static int stop_marker;
#define STOP_MARKER ((gpointer) &stop_marker)

static void
job_free (HwIngestJob *job)
{
  hw_hub_publish_clear (job);
  g_clear_pointer (&job->statuses, g_free);
  g_clear_pointer (&job->seqs, g_free);
  g_clear_error (&job->insert_error);
  g_clear_pointer (&job->body, g_free);
  g_clear_pointer (&job->request, hw_hub_request_unref);
  g_free (job);
}

/* Answers ------------------------------------------------------------------ */

/* Main context. The events are committed either way: a client gone before
 * its answer was never told they were stored, and may publish them again
 * (deduplicated on id). */
static void
answer (HwIngestJob *job)
{
  SoupServerMessage *msg = job->request->msg;
  char *body = g_steal_pointer (&job->body);

  if (hw_hub_message_is_gone (msg))
    {
      g_free (body);
      job_free (job);
      return;
    }
  soup_server_message_set_status (msg, job->status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body, strlen (body));
  hw_hub_message_resume (msg);
  job_free (job);
}

static gboolean
answer_done (gpointer user_data)
{
  GAsyncQueue *done = user_data;
  HwIngestJob *job;

  while ((job = g_async_queue_try_pop (done)) != NULL)
    answer (job);
  return G_SOURCE_REMOVE;
}

/* Any thread. An idle source rather than g_main_context_invoke(): while
 * the main loop is not running (at shutdown) invoke would call us right
 * here, on a worker, and libsoup is not thread-safe. */
static void
complete (HwHubIngest *self,
          HwIngestJob *job)
{
  GSource *source = g_idle_source_new ();

  g_assert (job->body != NULL);
  g_async_queue_push (self->done, job);
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, answer_done, g_async_queue_ref (self->done),
                         (GDestroyNotify) g_async_queue_unref);
  g_source_attach (source, self->context);
  g_source_unref (source);

  g_mutex_lock (&self->lock);
  if (--self->in_flight == 0)
    g_cond_broadcast (&self->idle);
  g_mutex_unlock (&self->lock);
}

/* Workers ------------------------------------------------------------------ */

static void
work (gpointer data,
      gpointer user_data)
{
  HwIngestJob *job = data;
  HwHubIngest *self = user_data;

  if (job->items == NULL)
    {
      hw_hub_publish_parse (job);
      if (job->body == NULL && job->prepared->len > 0)
        {
          /* Queued before it stops counting as parsing, so that a writer
           * waiting for it never misses it. */
          g_async_queue_push (self->writes, job);
          g_atomic_int_add (&self->parsing, -1);
          return;
        }
      g_atomic_int_add (&self->parsing, -1);
    }
  if (job->body == NULL)
    hw_hub_publish_finish (job);
  complete (self, job);
}

/* The writer ----------------------------------------------------------------- */

static void
distribute (GPtrArray      *group,
            HwInsertStatus *statuses,
            gint64         *seqs)
{
  guint k = 0;

  for (guint i = 0; i < group->len; i++)
    {
      HwIngestJob *job = g_ptr_array_index (group, i);
      guint n = job->prepared->len;

      job->statuses = g_memdup2 (statuses + k, n * sizeof *statuses);
      job->seqs = g_memdup2 (seqs + k, n * sizeof *seqs);
      k += n;
    }
}

static void
insert_alone (HwEventStore *store,
              HwIngestJob  *job)
{
  guint n = job->prepared->len;

  job->statuses = g_new0 (HwInsertStatus, n);
  job->seqs = g_new0 (gint64, n);
  if (!hw_event_store_insert_prepared (store, (HwPreparedEvent *) job->prepared->data, n,
                                       job->statuses, job->seqs, &job->insert_error))
    {
      g_clear_pointer (&job->statuses, g_free);
      g_clear_pointer (&job->seqs, g_free);
    }
}

/* Shallow copies: the jobs keep owning their prepared events. */
static GArray *
gather_events (GPtrArray *group)
{
  GArray *events = g_array_new (FALSE, FALSE, sizeof (HwPreparedEvent));

  for (guint i = 0; i < group->len; i++)
    {
      HwIngestJob *job = g_ptr_array_index (group, i);

      g_array_append_vals (events, job->prepared->data, job->prepared->len);
    }
  return events;
}

/* One transaction, so one fsync, for every request in @group. The store
 * deduplicates on id inside the transaction too, so a duplicate across two
 * requests of a group is reported exactly as if they came one by one.
 * The workers already compressed and indexed the events: this thread is
 * the pipeline's bottleneck, so it only writes. */
static void
commit_group (HwHubIngest *self,
              GPtrArray   *group)
{
  HwEventStore *store = hw_hub_get_store (self->hub);
  g_autoptr(GArray) events = gather_events (group);
  g_autofree HwInsertStatus *statuses = NULL;
  g_autofree gint64 *seqs = NULL;
  g_autoptr(GError) error = NULL;
  gint64 first = 0, last = 0;

  statuses = g_new0 (HwInsertStatus, events->len);
  seqs = g_new0 (gint64, events->len);

  g_debug ("ingest: committing %u requests, %u events", group->len, events->len);
  if (hw_event_store_insert_prepared (store, (HwPreparedEvent *) events->data, events->len,
                                      statuses, seqs, &error))
    distribute (group, statuses, seqs);
  else if (group->len == 1)
    {
      HwIngestJob *job = g_ptr_array_index (group, 0);

      job->insert_error = g_steal_pointer (&error);
    }
  else
    {
      /* Nothing was stored; alone, each request fails or succeeds on its
       * own, so one request's failure never fails its neighbours. */
      for (guint i = 0; i < group->len; i++)
        insert_alone (store, g_ptr_array_index (group, i));
    }

  for (guint i = 0; i < group->len; i++)
    {
      HwIngestJob *job = g_ptr_array_index (group, i);

      for (guint j = 0; job->statuses != NULL && j < job->prepared->len; j++)
        if (job->statuses[j] == HW_INSERT_ACCEPTED)
          {
            first = first == 0 ? job->seqs[j] : MIN (first, job->seqs[j]);
            last = MAX (last, job->seqs[j]);
          }
    }
  /* Before the answers: delivery starts while the workers format them. */
  if (first > 0)
    hw_hub_notify_appended (self->hub, first, last);

  for (guint i = 0; i < group->len; i++)
    g_thread_pool_push (self->workers, g_ptr_array_index (group, i), NULL);
}

/* A request with an event the stream did not acknowledge gets a 503 as a
 * whole, naming how many: its producer publishes it again, and the stream
 * recognizes what it already has by id. */
static void
distribute_failures (GPtrArray      *group,
                     const gboolean *failed,
                     const GError   *error)
{
  guint k = 0;

  for (guint i = 0; i < group->len; i++)
    {
      HwIngestJob *job = g_ptr_array_index (group, i);
      guint n = job->prepared->len, n_failed = 0;

      for (guint j = 0; j < n; j++)
        n_failed += failed[k + j] ? 1 : 0;
      k += n;
      if (n_failed == 0)
        continue;
      g_clear_pointer (&job->statuses, g_free);
      g_clear_pointer (&job->seqs, g_free);
      job->insert_error = g_error_copy (error);
    }
}

/* With the JetStream engine: one asynchronous publish for the group, whose
 * acknowledgements come back together. The replica's store is filled by
 * its mirror, which also wakes delivery, so nothing is announced here. */
static void
publish_group (HwHubIngest *self,
               GPtrArray   *group)
{
  g_autoptr(GArray) events = gather_events (group);
  g_autofree HwInsertStatus *statuses = g_new0 (HwInsertStatus, events->len);
  g_autofree gint64 *seqs = g_new0 (gint64, events->len);
  g_autofree gboolean *failed = g_new0 (gboolean, events->len);
  g_autoptr(GError) error = NULL;

  g_debug ("ingest: publishing %u requests, %u events", group->len, events->len);
  hw_hub_lake_publish (hw_hub_get_lake (self->hub), (HwPreparedEvent *) events->data, events->len,
                       statuses, seqs, failed, &error);
  distribute (group, statuses, seqs);
  if (error != NULL)
    distribute_failures (group, failed, error);
  for (guint i = 0; i < group->len; i++)
    g_thread_pool_push (self->workers, g_ptr_array_index (group, i), NULL);
}

static gpointer
writer_main (gpointer user_data)
{
  HwHubIngest *self = user_data;
  gboolean stop = FALSE;
  /* How busy the pipeline's serial part is (G_MESSAGES_DEBUG shows it at
   * the end, on stdout): gathering and committing groups against waiting
   * for a first request. */
  gint64 busy_us = 0, idle_us = 0, groups = 0, events = 0;

  while (!stop)
    {
      g_autoptr(GPtrArray) group = g_ptr_array_new ();
      gint64 waited = g_get_monotonic_time ();
      gpointer item = g_async_queue_pop (self->writes);
      gint64 started = g_get_monotonic_time ();
      gint64 deadline = started + GROUP_WAIT_US;
      guint n_events = 0;

      /* Everything that queued up during the previous commit goes into
       * this one, and a small group waits a little for requests still
       * being parsed (polling: a request the parser rejects whole never
       * reaches this queue). */
      while (item != NULL)
        {
          HwIngestJob *job = item;

          if (item == STOP_MARKER)
            {
              stop = TRUE;
              break;
            }
          g_ptr_array_add (group, job);
          n_events += job->prepared->len;
          if (n_events >= GROUP_MAX_EVENTS)
            break;
          item = g_async_queue_try_pop (self->writes);
          while (item == NULL && n_events < GROUP_MIN_EVENTS &&
                 g_atomic_int_get (&self->parsing) > 0)
            {
              gint64 left = deadline - g_get_monotonic_time ();

              if (left <= 0)
                break;
              item = g_async_queue_timeout_pop (self->writes, MIN (left, GROUP_POLL_US));
            }
        }
      idle_us += started - waited;
      if (group->len > 0)
        {
          if (hw_hub_get_lake (self->hub) != NULL)
            publish_group (self, group);
          else
            commit_group (self, group);
          busy_us += g_get_monotonic_time () - started;
          groups++;
          events += n_events;
        }
    }
  g_debug ("ingest: writer committed %" G_GINT64_FORMAT " events in %" G_GINT64_FORMAT " groups, "
           "busy %.2f s, waiting %.2f s", events, groups, busy_us / 1e6, idle_us / 1e6);
  return NULL;
}

/* Life cycle ------------------------------------------------------------------ */

HwHubIngest *
hw_hub_ingest_new (HwHub *hub)
{
  HwHubIngest *self = g_new0 (HwHubIngest, 1);

  g_return_val_if_fail (HW_IS_HUB (hub), NULL);

  self->hub = hub;
  self->context = g_main_context_ref_thread_default ();
  g_mutex_init (&self->lock);
  g_cond_init (&self->idle);
  self->writes = g_async_queue_new ();
  self->done = g_async_queue_new ();
  self->workers = g_thread_pool_new (work, self, MAX (2, (int) g_get_num_processors ()), FALSE, NULL);
  /* Linux keeps 15 characters of a thread name and drops a longer one. */
  self->writer = g_thread_new ("hw-ingest-write", writer_main, self);
  return self;
}

void
hw_hub_ingest_submit (HwHubIngest  *self,
                      HwHubRequest *request,
                      gboolean      ndjson)
{
  HwIngestJob *job;

  g_return_if_fail (self != NULL);
  g_return_if_fail (request != NULL);

  if (self->closing)
    {
      hw_hub_reply_error (request->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "unavailable",
                          "the hub is shutting down; nothing was stored, retry");
      return;
    }

  job = g_new0 (HwIngestJob, 1);
  job->request = hw_hub_request_ref (request);
  job->ndjson = ndjson;
  hw_hub_message_pause (request->msg);

  g_mutex_lock (&self->lock);
  self->in_flight++;
  g_mutex_unlock (&self->lock);
  g_atomic_int_inc (&self->parsing);
  g_thread_pool_push (self->workers, job, NULL);
}

void
hw_hub_ingest_free (HwHubIngest *self)
{
  if (self == NULL)
    return;

  /* Drain: every submitted request is committed (or fails) and answered
   * before the server stops, so a clean stop loses no acknowledgement. */
  self->closing = TRUE;
  g_mutex_lock (&self->lock);
  while (self->in_flight > 0)
    g_cond_wait (&self->idle, &self->lock);
  g_mutex_unlock (&self->lock);

  g_async_queue_push (self->writes, STOP_MARKER);
  g_thread_join (self->writer);
  g_thread_pool_free (self->workers, FALSE, TRUE);
  answer_done (self->done);

  g_async_queue_unref (self->writes);
  g_async_queue_unref (self->done);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->idle);
  g_main_context_unref (self->context);
  g_free (self);
}
