/* hw-hub-lake.c: where a hub keeps its lake: its own lake.db, or a JetStream stream
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-error.h"
#include "hw-hub-lake.h"

#if HAVE_JETSTREAM
#include "hw-hub-metrics-shared.h"
#include "hw-hub-system-mirror.h"
#include "hw-jetstream-mirror.h"
#include "hw-jetstream.h"
#endif

/* How long a publish waits for the stream's acknowledgements, connecting
 * waits for the cluster to place the stream, and a search waits for this
 * replica's store to catch up. Beyond them the caller gets a 503 and
 * retries, which is safe for a publish (the stream knows the ids). */
#define PUBLISH_TIMEOUT_MS 10000
#define CONNECT_TIMEOUT_MS 30000
#define CATCH_UP_TIMEOUT_MS 10000
#define DEFAULT_REPLICAS 3
#define LAST_SEQ_RETRY_US (200 * G_TIME_SPAN_MILLISECOND)
/* The metrics stream keeps points as long as the longest rollup retention
 * (1 h buckets, 400 days): a replica whose data was deleted copies the
 * others' back from it. Its publishes wait less: nobody waits for them,
 * and stopping waits for the last one. */
#define METRICS_MAX_AGE_MS (400LL * 86400 * 1000)
#define METRICS_PUBLISH_TIMEOUT_MS 5000

gboolean
hw_hub_engine_kind_from_string (const char      *text,
                                HwHubEngineKind *out_kind)
{
  if (g_strcmp0 (text, "embedded") == 0)
    *out_kind = HW_HUB_ENGINE_EMBEDDED;
  else if (g_strcmp0 (text, "jetstream") == 0)
    *out_kind = HW_HUB_ENGINE_JETSTREAM;
  else
    return FALSE;
  return TRUE;
}

#if HAVE_JETSTREAM

struct _HwHubLake
{
  HwHub             *hub;     /* not owned: the hub owns us */
  HwJetStream       *js;
  HwJetStreamMirror *mirror;
  /* The system events' stream, and this replica's copy of it: its
   * store's only writer of system events with this engine. */
  HwJetStream       *system_js;
  HwJetStreamMirror *system_mirror;
  HwHubSystemOutcomes *system_outcomes;
  /* The replicas' work metrics (HW_METRICS_<subsystem>). */
  HwHubMetricsShared *metrics_shared;

  /* Searches waiting in hw_hub_lake_catch_up() use the mirror and the
   * connection: freeing cancels them and waits for them to leave. */
  GCancellable      *closing;
  GMutex             lock;
  GCond              left;
  guint              n_waiting;   /* under lock */
};

static gboolean
apply_system_messages (GPtrArray  *payloads,
                       GArray     *seqs,
                       gpointer    user_data,
                       GError    **error)
{
  HwHubLake *self = user_data;

  return hw_hub_system_mirror_apply (self->hub, self->system_outcomes, payloads, seqs, error);
}

static void
on_mirror_stored (guint64  first_seq,
                  guint64  last_seq,
                  gpointer user_data)
{
  HwHubLake *self = user_data;

  hw_hub_notify_appended (self->hub, first_seq, last_seq);
}

/* TRUE when the event was acknowledged. */
static gboolean
take_result (const HwJetStreamResult *result,
             HwInsertStatus          *status,
             gint64                  *seq)
{
  *seq = (gint64) result->seq;
  *status = result->status == HW_JETSTREAM_DUPLICATE ? HW_INSERT_DUPLICATE : HW_INSERT_ACCEPTED;
  return result->status != HW_JETSTREAM_FAILED;
}

gboolean
hw_hub_lake_publish (HwHubLake             *self,
                     const HwPreparedEvent *events,
                     guint                  n,
                     HwInsertStatus        *statuses,
                     gint64                *seqs,
                     gboolean              *failed,
                     GError               **error)
{
  g_autofree const char **ids = g_new0 (const char *, n);
  g_autoptr(GPtrArray) payloads = g_ptr_array_new_full (n, (GDestroyNotify) g_bytes_unref);
  g_autofree HwJetStreamResult *results = g_new0 (HwJetStreamResult, n);
  g_autoptr(GError) local_error = NULL;
  const char *first_error = NULL;
  guint n_failed = 0;

  for (guint i = 0; i < n; i++)
    {
      g_return_val_if_fail (events[i].json != NULL, FALSE);
      ids[i] = events[i].event->id;
      g_ptr_array_add (payloads, g_bytes_new_static (events[i].json, strlen (events[i].json)));
    }
  if (!hw_jetstream_publish (self->js, ids, (GBytes * const *) payloads->pdata, n, results, &local_error))
    {
      for (guint i = 0; i < n; i++)
        failed[i] = TRUE;
      g_set_error (error, HW_ERROR, HW_ERROR_UNAVAILABLE,
                   "the lake stream cannot be reached (%s); nothing was stored, retry",
                   local_error->message);
      return FALSE;
    }
  for (guint i = 0; i < n; i++)
    {
      failed[i] = !take_result (&results[i], &statuses[i], &seqs[i]);
      if (failed[i] && n_failed++ == 0)
        first_error = results[i].error;
    }
  if (n_failed > 0)
    g_set_error (error, HW_ERROR, HW_ERROR_UNAVAILABLE,
                 "the lake stream did not acknowledge %u of %u events (%s); some may be stored, "
                 "and publishing them again is safe: the stream recognizes them by id",
                 n_failed, n, first_error != NULL ? first_error : "no answer");
  for (guint i = 0; i < n; i++)
    hw_jetstream_result_clear (&results[i]);
  return n_failed == 0;
}

gboolean
hw_hub_lake_hold (HwHubLake *self)
{
  gboolean held = FALSE;

  g_mutex_lock (&self->lock);
  if (!g_cancellable_is_cancelled (self->closing))
    {
      self->n_waiting++;
      held = TRUE;
    }
  g_mutex_unlock (&self->lock);
  return held;
}

void
hw_hub_lake_release (HwHubLake *self)
{
  g_mutex_lock (&self->lock);
  g_assert (self->n_waiting > 0);
  if (--self->n_waiting == 0)
    g_cond_broadcast (&self->left);
  g_mutex_unlock (&self->lock);
}

gboolean
hw_hub_lake_is_closing (HwHubLake *self)
{
  return g_cancellable_is_cancelled (self->closing);
}

/* While the cluster replaces a killed server's leaders, asking for the
 * stream's state goes unanswered for a few seconds: asked again until
 * @deadline. */
static gint64
last_seq_before (HwHubLake    *self,
                 HwJetStream  *js,
                 gint64        deadline,
                 GError      **error)
{
  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      gint64 last = hw_jetstream_last_seq (js, &local_error);

      if (last >= 0)
        return last;
      if (g_get_monotonic_time () >= deadline || g_cancellable_is_cancelled (self->closing))
        {
          g_set_error (error, HW_ERROR, HW_ERROR_UNAVAILABLE,
                       "the stream %s cannot be reached (%s); retry", hw_jetstream_get_stream (js),
                       local_error->message);
          return -1;
        }
      g_usleep (LAST_SEQ_RETRY_US);
    }
}

/* Until @mirror holds @seq, or @deadline passes. */
static gboolean
wait_for_mirror (HwHubLake          *self,
                 HwJetStreamMirror  *mirror,
                 guint64             seq,
                 gint64              deadline,
                 const char         *what,
                 GError            **error)
{
  gint64 left_ms = MAX (0, (deadline - g_get_monotonic_time ()) / G_TIME_SPAN_MILLISECOND);

  if (hw_jetstream_mirror_wait (mirror, seq, left_ms, self->closing))
    return TRUE;
  if (g_cancellable_is_cancelled (self->closing))
    g_set_error_literal (error, HW_ERROR, HW_ERROR_UNAVAILABLE, "the hub is shutting down; retry");
  else
    g_set_error (error, HW_ERROR, HW_ERROR_UNAVAILABLE,
                 "this hub replica's %s is %" G_GUINT64_FORMAT " messages behind the stream; retry",
                 what, seq - hw_jetstream_mirror_get_seq (mirror));
  return FALSE;
}

static gboolean
catch_up_with (HwHubLake          *self,
               HwJetStream        *js,
               HwJetStreamMirror  *mirror,
               const char         *what,
               GError            **error)
{
  gint64 deadline = g_get_monotonic_time () + CATCH_UP_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;
  gint64 last = last_seq_before (self, js, deadline, error);

  return last >= 0 && wait_for_mirror (self, mirror, (guint64) last, deadline, what, error);
}

gboolean
hw_hub_lake_catch_up (HwHubLake  *self,
                      GError    **error)
{
  return catch_up_with (self, self->js, self->mirror, "index", error);
}

gboolean
hw_hub_lake_catch_up_system (HwHubLake  *self,
                             GError    **error)
{
  return catch_up_with (self, self->system_js, self->system_mirror, "copy of the system events", error);
}

/* Publishes to the system events' stream; fills @seqs and @duplicates,
 * and returns the highest seq, or -1 unless JetStream acknowledged every
 * message. */
static gint64
send_system_messages (HwHubLake          *self,
                      const char * const *msg_ids,
                      GBytes * const     *messages,
                      guint               n,
                      gint64             *seqs,
                      gboolean           *duplicates,
                      GError            **error)
{
  g_autofree HwJetStreamResult *results = g_new0 (HwJetStreamResult, n);
  g_autoptr(GError) local_error = NULL;
  g_autofree char *first_error = NULL;
  guint64 last = 0;
  guint n_failed = 0;

  if (!hw_jetstream_publish (self->system_js, msg_ids, messages, n, results, &local_error))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_UNAVAILABLE,
                   "the system events' stream cannot be reached (%s); nothing was stored, retry",
                   local_error->message);
      return -1;
    }
  for (guint i = 0; i < n; i++)
    {
      if (results[i].status == HW_JETSTREAM_FAILED && n_failed++ == 0)
        first_error = g_steal_pointer (&results[i].error);
      seqs[i] = (gint64) results[i].seq;
      duplicates[i] = results[i].status == HW_JETSTREAM_DUPLICATE;
      last = MAX (last, results[i].seq);
      hw_jetstream_result_clear (&results[i]);
    }
  if (n_failed == 0)
    return (gint64) last;
  g_set_error (error, HW_ERROR, HW_ERROR_UNAVAILABLE,
               "the system events' stream did not acknowledge %u of %u events (%s); sending them "
               "again is safe", n_failed, n, first_error != NULL ? first_error : "no answer");
  return -1;
}

gboolean
hw_hub_lake_publish_system (HwHubLake          *self,
                            const char * const *msg_ids,
                            GBytes * const     *messages,
                            guint               n,
                            gint64             *seqs,
                            gboolean           *duplicates,
                            GError            **error)
{
  gint64 last = send_system_messages (self, msg_ids, messages, n, seqs, duplicates, error);

  return last >= 0
         && wait_for_mirror (self, self->system_mirror, (guint64) last,
                             g_get_monotonic_time () + CATCH_UP_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND,
                             "copy of the system events", error);
}

HwSystemOutcome
hw_hub_lake_get_system_outcome (HwHubLake *self,
                                gint64     seq)
{
  return hw_hub_system_outcomes_lookup (self->system_outcomes, seq);
}

/* A store that kept its own system events (the embedded engine, or this
 * engine before it shared them) has them under seqs of its own, which the
 * stream's would collide with: they are published to the stream once (a
 * stored id wins there too, so replicas adopting the same event store it
 * once), then the store is emptied to be filled again as a copy. The
 * cursor says the store is a copy. Blocks: at start only. */
#define SYSTEM_COPY_CURSOR "system-events-copy"

static gboolean
adopt_local_system_events (HwHubLake     *self,
                           HwEventStore  *store,
                           GError       **error)
{
  g_autoptr(GError) cursor_error = NULL;
  g_autofree char *copy = hw_event_store_get_cursor (store, SYSTEM_COPY_CURSOR, NULL, &cursor_error);
  g_autoptr(GPtrArray) local = NULL;
  g_autoptr(GPtrArray) msg_ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autofree gint64 *seqs = NULL;
  g_autofree gboolean *duplicates = NULL;

  if (cursor_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&cursor_error));
      return FALSE;
    }
  if (copy != NULL)
    return TRUE;
  local = hw_event_store_list_system_events_after (store, 0, 0, NULL, error);
  if (local == NULL)
    return FALSE;
  for (guint i = 0; i < local->len; i++)
    {
      HwSystemEvent *event = g_ptr_array_index (local, i);
      GBytes *message = hw_hub_system_message_from_stored (event->json, event->ts_ms);

      if (message == NULL)
        continue;
      g_ptr_array_add (msg_ids, hw_hub_system_message_id (event->id, message));
      g_ptr_array_add (messages, message);
    }
  seqs = g_new0 (gint64, messages->len);
  duplicates = g_new0 (gboolean, messages->len);
  if (messages->len > 0
      && send_system_messages (self, (const char * const *) msg_ids->pdata, (GBytes * const *) messages->pdata,
                               messages->len, seqs, duplicates, error) < 0)
    return FALSE;
  if (local->len > 0)
    g_message ("lake: %u system events of this replica's own published to %s", messages->len,
               hw_jetstream_get_stream (self->system_js));
  return hw_event_store_delete_system_events (store, error)
         && hw_event_store_set_cursor (store, SYSTEM_COPY_CURSOR, "1", error);
}

HwHubLake *
hw_hub_lake_new_jetstream (HwHub              *hub,
                           HwEventStore       *store,
                           const char * const *urls,
                           GError            **error)
{
  const HwHubConfig *config = hw_hub_get_config (hub);
  HwJetStreamOptions options = {
    .urls = urls,
    .subsystem = config->subsystem,
    .replicas = config->nats_replicas > 0 ? config->nats_replicas : DEFAULT_REPLICAS,
    .timeout_ms = PUBLISH_TIMEOUT_MS,
    .connect_timeout_ms = CONNECT_TIMEOUT_MS,
  };
  HwJetStreamOptions system_options = options;
  HwJetStreamOptions metrics_options = options;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(HwJetStream) js = NULL;
  g_autoptr(HwJetStream) system_js = NULL;
  g_autoptr(HwJetStream) metrics_js = NULL;
  gint64 system_seq;
  HwHubLake *self;

  g_return_val_if_fail (urls != NULL && urls[0] != NULL, NULL);

  system_options.kind = "system";
  metrics_options.kind = "metrics";
  metrics_options.max_age_ms = METRICS_MAX_AGE_MS;
  metrics_options.timeout_ms = METRICS_PUBLISH_TIMEOUT_MS;
  js = hw_jetstream_connect (&options, &local_error);
  if (js != NULL)
    system_js = hw_jetstream_connect (&system_options, &local_error);
  if (system_js != NULL)
    metrics_js = hw_jetstream_connect (&metrics_options, &local_error);
  if (metrics_js == NULL)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_UNAVAILABLE, "the JetStream cluster at %s: %s",
                   urls[0], local_error->message);
      return NULL;
    }
  self = g_new0 (HwHubLake, 1);
  self->hub = hub;
  self->js = g_steal_pointer (&js);
  self->system_js = g_steal_pointer (&system_js);
  self->closing = g_cancellable_new ();
  self->system_outcomes = hw_hub_system_outcomes_new ();
  g_mutex_init (&self->lock);
  g_cond_init (&self->left);
  /* The store's system events are the stream's up to their newest seq:
   * the copy resumes after it. */
  if (!adopt_local_system_events (self, store, error)
      || (system_seq = hw_event_store_get_max_system_seq (store, error)) < 0)
    {
      hw_hub_lake_free (self);
      return NULL;
    }
  self->mirror = hw_jetstream_mirror_start (self->js, store, on_mirror_stored, self);
  self->system_mirror = hw_jetstream_mirror_start_applying (self->system_js, (guint64) system_seq, "sys-mirror",
                                                            apply_system_messages, self);
  self->metrics_shared = hw_hub_metrics_shared_start (g_steal_pointer (&metrics_js), store, hw_hub_metrics (hub),
                                                      error);
  if (self->metrics_shared == NULL)
    {
      hw_hub_lake_free (self);
      return NULL;
    }
  g_message ("lake: streams %s and %s on %s, %d replicas", hw_jetstream_get_stream (self->js),
             hw_jetstream_get_stream (self->system_js), urls[0], options.replicas);
  return self;
}

void
hw_hub_lake_free (HwHubLake *self)
{
  if (self == NULL)
    return;
  g_cancellable_cancel (self->closing);
  g_mutex_lock (&self->lock);
  while (self->n_waiting > 0)
    g_cond_wait (&self->left, &self->lock);
  g_mutex_unlock (&self->lock);
  /* The mirror before the connection: it reads through it, and calls
   * back into us. */
  g_clear_pointer (&self->metrics_shared, hw_hub_metrics_shared_free);
  g_clear_pointer (&self->mirror, hw_jetstream_mirror_free);
  g_clear_pointer (&self->system_mirror, hw_jetstream_mirror_free);
  g_clear_pointer (&self->js, hw_jetstream_free);
  g_clear_pointer (&self->system_js, hw_jetstream_free);
  hw_hub_system_outcomes_free (self->system_outcomes);
  g_object_unref (self->closing);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->left);
  g_free (self);
}

#else /* !HAVE_JETSTREAM */

struct _HwHubLake
{
  int unused;
};

HwHubLake *
hw_hub_lake_new_jetstream (HwHub              *hub,
                           HwEventStore       *store,
                           const char * const *urls,
                           GError            **error)
{
  g_set_error_literal (error, HW_ERROR, HW_ERROR_FAILED,
                       "this hubwatchd was built without the JetStream engine (libnats was missing)");
  return NULL;
}

void
hw_hub_lake_free (HwHubLake *self)
{
  g_free (self);
}

gboolean
hw_hub_lake_publish (HwHubLake             *self,
                     const HwPreparedEvent *events,
                     guint                  n,
                     HwInsertStatus        *statuses,
                     gint64                *seqs,
                     gboolean              *failed,
                     GError               **error)
{
  g_return_val_if_reached (FALSE);
}

gboolean
hw_hub_lake_hold (HwHubLake *self)
{
  g_return_val_if_reached (FALSE);
}

void
hw_hub_lake_release (HwHubLake *self)
{
  g_return_if_reached ();
}

gboolean
hw_hub_lake_catch_up (HwHubLake  *self,
                      GError    **error)
{
  g_return_val_if_reached (FALSE);
}

gboolean
hw_hub_lake_catch_up_system (HwHubLake  *self,
                             GError    **error)
{
  g_return_val_if_reached (FALSE);
}

gboolean
hw_hub_lake_publish_system (HwHubLake          *self,
                            const char * const *msg_ids,
                            GBytes * const     *messages,
                            guint               n,
                            gint64             *seqs,
                            gboolean           *duplicates,
                            GError            **error)
{
  g_return_val_if_reached (FALSE);
}

HwSystemOutcome
hw_hub_lake_get_system_outcome (HwHubLake *self,
                                gint64     seq)
{
  g_return_val_if_reached (HW_SYSTEM_OUTCOME_UNKNOWN);
}

gboolean
hw_hub_lake_is_closing (HwHubLake *self)
{
  g_return_val_if_reached (TRUE);
}

#endif /* HAVE_JETSTREAM */
