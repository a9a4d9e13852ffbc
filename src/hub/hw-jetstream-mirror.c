/* hw-jetstream-mirror.c: a replica's own lake.db, filled from the lake stream
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-event-prepare.h"
#include "hw-jetstream-mirror.h"

/* Events per store transaction, and how long a read waits for them: the
 * thread also looks at its stop flag that often. */
#define BATCH_EVENTS 1000
#define READ_WAIT_MS 250
#define RETRY_AFTER_US (500 * G_TIME_SPAN_MILLISECOND)
#define WAIT_POLL_US (100 * G_TIME_SPAN_MILLISECOND)
/* The hub checked every event against its limits before publishing it,
 * which may be set higher than the parser's defaults. */
#define STORED_MAX_DEPTH 4096

struct _HwJetStreamMirror
{
  HwJetStream     *js;
  HwEventStore    *store;
  GThread         *thread;
  HwEventPreparer *preparer;   /* the thread's */

  GMutex           lock;
  GCond            progressed;
  guint64          seq;        /* under lock */
  gboolean         stopping;   /* under lock */
  char            *last_error; /* the thread's: said once until it works */
};

/* Waits out a failure, unless stopping. */
static void
back_off (HwJetStreamMirror *self)
{
  gint64 until = g_get_monotonic_time () + RETRY_AFTER_US;

  g_mutex_lock (&self->lock);
  while (!self->stopping && g_cond_wait_until (&self->progressed, &self->lock, until))
    ;
  g_mutex_unlock (&self->lock);
}

/* A cluster losing a server is routine: said once, not per retry. */
static void
report (HwJetStreamMirror *self,
        const GError      *error)
{
  if (g_strcmp0 (self->last_error, error->message) == 0)
    return;
  g_message ("lake mirror: %s; retrying", error->message);
  g_free (self->last_error);
  self->last_error = g_strdup (error->message);
}

/* Prepares what parses; a payload that does not is skipped (the hub
 * validated every event before publishing it, so only another producer
 * writing to the subject could put one there). */
static guint
prepare_batch (HwJetStreamMirror *self,
               GPtrArray         *payloads,
               GArray            *seqs,
               HwPreparedEvent   *prepared,
               gint64            *at_seqs)
{
  HwParseLimits limits = { G_MAXSIZE, STORED_MAX_DEPTH };
  guint n = 0;

  for (guint i = 0; i < payloads->len; i++)
    {
      g_autoptr(GError) error = NULL;
      gsize length = 0;
      const char *data = g_bytes_get_data (g_ptr_array_index (payloads, i), &length);
      guint64 seq = g_array_index (seqs, guint64, i);

      if (!hw_event_preparer_parse (self->preparer, data, length, &limits, &prepared[n], &error))
        {
          g_warning ("lake mirror: stream message %" G_GUINT64_FORMAT " is not an event: %s", seq,
                     error->message);
          continue;
        }
      at_seqs[n++] = (gint64) seq;
    }
  return n;
}

/* One read and one store transaction. FALSE when the reader must be made
 * again. */
static gboolean
mirror_batch (HwJetStreamMirror *self,
              HwJetStreamReader *reader)
{
  g_autoptr(GPtrArray) payloads = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GArray) seqs = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autofree HwPreparedEvent *prepared = NULL;
  g_autofree gint64 *at_seqs = NULL;
  g_autofree HwInsertStatus *statuses = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;
  guint n;

  if (!hw_jetstream_reader_next (reader, BATCH_EVENTS, READ_WAIT_MS, payloads, seqs, &error))
    {
      report (self, error);
      return FALSE;
    }
  if (seqs->len == 0)
    return TRUE;

  prepared = g_new0 (HwPreparedEvent, seqs->len);
  at_seqs = g_new0 (gint64, seqs->len);
  statuses = g_new0 (HwInsertStatus, seqs->len);
  n = prepare_batch (self, payloads, seqs, prepared, at_seqs);
  ok = hw_event_store_insert_prepared_at (self->store, prepared, at_seqs, n, statuses, &error);
  for (guint i = 0; i < n; i++)
    hw_prepared_event_clear (&prepared[i]);
  if (!ok)
    {
      report (self, error);
      return FALSE;
    }

  g_clear_pointer (&self->last_error, g_free);
  g_mutex_lock (&self->lock);
  self->seq = MAX (self->seq, g_array_index (seqs, guint64, seqs->len - 1));
  g_cond_broadcast (&self->progressed);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static gboolean
is_stopping (HwJetStreamMirror *self)
{
  gboolean stopping;

  g_mutex_lock (&self->lock);
  stopping = self->stopping;
  g_mutex_unlock (&self->lock);
  return stopping;
}

static gpointer
mirror_main (gpointer data)
{
  HwJetStreamMirror *self = data;
  g_autoptr(HwJetStreamReader) reader = NULL;

  while (!is_stopping (self))
    {
      g_autoptr(GError) error = NULL;

      if (reader == NULL)
        reader = hw_jetstream_read_from (self->js, hw_jetstream_mirror_get_seq (self) + 1, &error);
      if (reader == NULL)
        {
          report (self, error);
          back_off (self);
          continue;
        }
      if (!mirror_batch (self, reader))
        {
          g_clear_pointer (&reader, hw_jetstream_reader_free);
          back_off (self);
        }
    }
  return NULL;
}

HwJetStreamMirror *
hw_jetstream_mirror_start (HwJetStream  *js,
                           HwEventStore *store)
{
  HwJetStreamMirror *self = g_new0 (HwJetStreamMirror, 1);
  gint64 newest = hw_event_store_get_max_seq (store, NULL);

  self->js = js;
  self->store = store;
  self->seq = newest > 0 ? (guint64) newest : 0;
  self->preparer = hw_event_preparer_new (NULL);
  /* The hub's codec: its bodies are read again for every delivery. */
  hw_event_preparer_set_codec (self->preparer, HW_BODY_CODEC_LZ4);
  g_mutex_init (&self->lock);
  g_cond_init (&self->progressed);
  /* Linux keeps 15 characters of a thread name. */
  self->thread = g_thread_new ("hw-lake-mirror", mirror_main, self);
  return self;
}

guint64
hw_jetstream_mirror_get_seq (HwJetStreamMirror *self)
{
  guint64 seq;

  g_mutex_lock (&self->lock);
  seq = self->seq;
  g_mutex_unlock (&self->lock);
  return seq;
}

gboolean
hw_jetstream_mirror_wait (HwJetStreamMirror *self,
                          guint64            seq,
                          gint64             timeout_ms,
                          GCancellable      *cancellable)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * G_TIME_SPAN_MILLISECOND;
  gboolean reached;

  g_mutex_lock (&self->lock);
  while (self->seq < seq && g_get_monotonic_time () < deadline && !g_cancellable_is_cancelled (cancellable))
    g_cond_wait_until (&self->progressed, &self->lock,
                       MIN (deadline, g_get_monotonic_time () + WAIT_POLL_US));
  reached = self->seq >= seq;
  g_mutex_unlock (&self->lock);
  return reached;
}

void
hw_jetstream_mirror_free (HwJetStreamMirror *self)
{
  if (self == NULL)
    return;
  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  g_cond_broadcast (&self->progressed);
  g_mutex_unlock (&self->lock);
  g_thread_join (self->thread);
  hw_event_preparer_free (self->preparer);
  g_free (self->last_error);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->progressed);
  g_free (self);
}
