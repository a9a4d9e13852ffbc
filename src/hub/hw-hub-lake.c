/* hw-hub-lake.c: where a hub keeps its lake: its own lake.db, or a JetStream stream
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-error.h"
#include "hw-hub-lake.h"

#if HAVE_JETSTREAM
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

  /* Searches waiting in hw_hub_lake_catch_up() use the mirror and the
   * connection: freeing cancels them and waits for them to leave. */
  GCancellable      *closing;
  GMutex             lock;
  GCond              left;
  guint              n_waiting;   /* under lock */
};

static void
on_mirror_stored (guint64  first_seq,
                  guint64  last_seq,
                  gpointer user_data)
{
  HwHubLake *self = user_data;

  hw_hub_notify_appended (self->hub, first_seq, last_seq);
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
  g_autoptr(GError) local_error = NULL;
  HwHubLake *self;
  HwJetStream *js;

  g_return_val_if_fail (urls != NULL && urls[0] != NULL, NULL);

  js = hw_jetstream_connect (&options, &local_error);
  if (js == NULL)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_UNAVAILABLE, "the JetStream cluster at %s: %s",
                   urls[0], local_error->message);
      return NULL;
    }
  self = g_new0 (HwHubLake, 1);
  self->hub = hub;
  self->js = js;
  self->closing = g_cancellable_new ();
  g_mutex_init (&self->lock);
  g_cond_init (&self->left);
  self->mirror = hw_jetstream_mirror_start (js, store, on_mirror_stored, self);
  g_message ("lake: stream %s on %s, %d replicas", hw_jetstream_get_stream (js), urls[0], options.replicas);
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
  g_clear_pointer (&self->mirror, hw_jetstream_mirror_free);
  g_clear_pointer (&self->js, hw_jetstream_free);
  g_object_unref (self->closing);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->left);
  g_free (self);
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

/* While the cluster replaces a killed server's leaders, asking for the
 * stream's state goes unanswered for a few seconds: asked again until
 * @deadline. */
static gint64
last_seq_before (HwHubLake  *self,
                 gint64      deadline,
                 GError    **error)
{
  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      gint64 last = hw_jetstream_last_seq (self->js, &local_error);

      if (last >= 0)
        return last;
      if (g_get_monotonic_time () >= deadline || g_cancellable_is_cancelled (self->closing))
        {
          g_set_error (error, HW_ERROR, HW_ERROR_UNAVAILABLE,
                       "the lake stream cannot be reached (%s); retry", local_error->message);
          return -1;
        }
      g_usleep (LAST_SEQ_RETRY_US);
    }
}

gboolean
hw_hub_lake_catch_up (HwHubLake  *self,
                      GError    **error)
{
  gint64 deadline = g_get_monotonic_time () + CATCH_UP_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;
  gint64 last = last_seq_before (self, deadline, error);
  gint64 left_ms;

  if (last < 0)
    return FALSE;
  left_ms = MAX (0, (deadline - g_get_monotonic_time ()) / G_TIME_SPAN_MILLISECOND);
  if (hw_jetstream_mirror_wait (self->mirror, (guint64) last, left_ms, self->closing))
    return TRUE;
  if (g_cancellable_is_cancelled (self->closing))
    g_set_error_literal (error, HW_ERROR, HW_ERROR_UNAVAILABLE, "the hub is shutting down; retry");
  else
    g_set_error (error, HW_ERROR, HW_ERROR_UNAVAILABLE,
                 "this hub replica's index is %" G_GUINT64_FORMAT " events behind the lake; retry",
                 (guint64) last - hw_jetstream_mirror_get_seq (self->mirror));
  return FALSE;
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

#endif /* HAVE_JETSTREAM */
