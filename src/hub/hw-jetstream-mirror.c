/* hw-jetstream-mirror.c: a replica's own lake.db, filled from the lake stream
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

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
  const char      *label;      /* in messages and the thread name: "lake-mirror" */
  GThread         *thread;
  HwJetStreamMirrorApply apply;
  gpointer         apply_data;

  /* The lake's: applied by apply_events() */
  HwEventStore    *store;
  HwEventPreparer *preparer;   /* the thread's */
  HwJetStreamMirrorFunc stored_func;
  gpointer         stored_data;

  GMutex           lock;
  GCond            progressed;
  guint64          seq;        /* under lock */
  gboolean         stopping;   /* under lock */
  char            *last_error; /* the thread's: said once until it works */
  guint            idle_behind; /* the thread's: empty reads while the stream was ahead */
  gint64           checked_at;  /* the thread's: when it last asked the stream */
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
  g_message ("%s: %s; retrying", self->label, error->message);
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

/* Only added events: a duplicate (an id stored again past JetStream's
 * window) is no news for delivery. */
static void
report_stored (HwJetStreamMirror    *self,
               const gint64         *at_seqs,
               const HwInsertStatus *statuses,
               guint                 n)
{
  gint64 first = 0, last = 0;

  if (self->stored_func == NULL)
    return;
  for (guint i = 0; i < n; i++)
    if (statuses[i] == HW_INSERT_ACCEPTED)
      {
        first = first == 0 ? at_seqs[i] : first;
        last = at_seqs[i];
      }
  if (first > 0)
    self->stored_func ((guint64) first, (guint64) last, self->stored_data);
}

/* A reader can go quiet without an error: its consumer lived on a server
 * that died (an ephemeral consumer has one replica), and fetches through
 * it just time out. When reads come back empty while the stream holds
 * more than the store, the reader is made again. */
#define STALLED_READS 2
#define STALL_CHECK_US G_TIME_SPAN_SECOND

static gboolean
reader_stalled (HwJetStreamMirror *self)
{
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_monotonic_time ();
  gint64 last;

  /* An idle replica reads nothing most of the time: the stream is asked
   * about it at most once a second. */
  if (now - self->checked_at < STALL_CHECK_US)
    return FALSE;
  self->checked_at = now;
  last = hw_jetstream_last_seq (self->js, &error);

  if (last < 0 || (guint64) last <= hw_jetstream_mirror_get_seq (self))
    {
      self->idle_behind = 0;
      return FALSE;
    }
  if (++self->idle_behind < STALLED_READS)
    return FALSE;
  self->idle_behind = 0;
  g_message ("%s: nothing read at %" G_GUINT64_FORMAT " while the stream has %" G_GINT64_FORMAT
             "; reading again", self->label, hw_jetstream_mirror_get_seq (self), last);
  return TRUE;
}

/* TRUE when the stream holds an event in [@from, @to], or cannot say. */
static gboolean
stream_has_any (HwJetStreamMirror *self,
                guint64            from,
                guint64            to)
{
  for (guint64 seq = from; seq <= to; seq++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) stored = hw_jetstream_get (self->js, seq, &error);

      if (stored != NULL || !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        return TRUE;
    }
  return FALSE;
}

/* A read can skip events: the client library drops the messages that
 * arrive after their fetch timed out (a server slow during a failover),
 * and a consumer without acks counts them delivered. Seen in
 * /hub-jetstream/kill-node-during-ingest: five events missing from one
 * replica, in the middle of its store. So every gap in the sequence is
 * checked against the stream. Returns how many of @seqs to keep: all, or
 * those before the first gap the stream has events in, when @out_skipped
 * is set and the reader must be made again from there. A gap the stream
 * has too (a sequence it passed over while replacing a leader) is fine. */
static guint
contiguous_prefix (HwJetStreamMirror *self,
                   GArray            *seqs,
                   gboolean          *out_skipped)
{
  guint64 expected = hw_jetstream_mirror_get_seq (self) + 1;

  *out_skipped = FALSE;
  for (guint i = 0; i < seqs->len; i++)
    {
      guint64 seq = g_array_index (seqs, guint64, i);

      if (seq > expected && stream_has_any (self, expected, seq - 1))
        {
          g_message ("%s: a read skipped from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT
                     "; reading again", self->label, expected, seq - 1);
          *out_skipped = TRUE;
          return i;
        }
      expected = MAX (expected, seq + 1);
    }
  return seqs->len;
}

/* The lake's batches: one store transaction. */
static gboolean
apply_events (GPtrArray  *payloads,
              GArray     *seqs,
              gpointer    user_data,
              GError    **error)
{
  HwJetStreamMirror *self = user_data;
  g_autofree HwPreparedEvent *prepared = g_new0 (HwPreparedEvent, seqs->len);
  g_autofree gint64 *at_seqs = g_new0 (gint64, seqs->len);
  g_autofree HwInsertStatus *statuses = g_new0 (HwInsertStatus, seqs->len);
  guint n = prepare_batch (self, payloads, seqs, prepared, at_seqs);
  gboolean ok = hw_event_store_insert_prepared_at (self->store, prepared, at_seqs, n, statuses, error);

  for (guint i = 0; i < n; i++)
    hw_prepared_event_clear (&prepared[i]);
  if (ok)
    report_stored (self, at_seqs, statuses, n);
  return ok;
}

/* One read, applied. FALSE when the reader must be made again. */
static gboolean
mirror_batch (HwJetStreamMirror *self,
              HwJetStreamReader *reader)
{
  g_autoptr(GPtrArray) payloads = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GArray) seqs = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(GError) error = NULL;
  gboolean skipped;
  guint n;

  if (!hw_jetstream_reader_next (reader, BATCH_EVENTS, READ_WAIT_MS, payloads, seqs, &error))
    {
      report (self, error);
      return FALSE;
    }
  if (seqs->len == 0)
    return !reader_stalled (self);
  self->idle_behind = 0;
  n = contiguous_prefix (self, seqs, &skipped);
  g_array_set_size (seqs, n);
  g_ptr_array_set_size (payloads, n);
  if (n == 0)
    return FALSE;

  if (!self->apply (payloads, seqs, self->apply_data, &error))
    {
      report (self, error);
      return FALSE;
    }

  g_clear_pointer (&self->last_error, g_free);
  g_mutex_lock (&self->lock);
  self->seq = MAX (self->seq, g_array_index (seqs, guint64, seqs->len - 1));
  g_cond_broadcast (&self->progressed);
  g_mutex_unlock (&self->lock);
  return !skipped;
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
          g_clear_pointer (&reader, hw_jetstream_reader_abandon);
          back_off (self);
        }
    }
  return NULL;
}

static HwJetStreamMirror *
start_thread (HwJetStreamMirror     *self,
              HwJetStream           *js,
              guint64                held_seq,
              const char            *label,
              HwJetStreamMirrorApply apply,
              gpointer               user_data)
{
  g_autofree char *thread_name = g_strconcat ("hw-", label, NULL);

  self->js = js;
  self->label = label;
  self->apply = apply;
  self->apply_data = user_data;
  self->seq = held_seq;
  g_mutex_init (&self->lock);
  g_cond_init (&self->progressed);
  /* Linux keeps 15 characters of a thread name. */
  if (strlen (thread_name) > 15)
    thread_name[15] = '\0';
  self->thread = g_thread_new (thread_name, mirror_main, self);
  return self;
}

HwJetStreamMirror *
hw_jetstream_mirror_start_applying (HwJetStream           *js,
                                    guint64                held_seq,
                                    const char            *label,
                                    HwJetStreamMirrorApply apply,
                                    gpointer               user_data)
{
  return start_thread (g_new0 (HwJetStreamMirror, 1), js, held_seq, label, apply, user_data);
}

HwJetStreamMirror *
hw_jetstream_mirror_start (HwJetStream          *js,
                           HwEventStore         *store,
                           HwJetStreamMirrorFunc func,
                           gpointer              user_data)
{
  gint64 newest = hw_event_store_get_max_seq (store, NULL);
  HwEventPreparer *preparer = hw_event_preparer_new (NULL);
  HwJetStreamMirror *self = g_new0 (HwJetStreamMirror, 1);

  /* The hub's codec: its bodies are read again for every delivery. */
  hw_event_preparer_set_codec (preparer, HW_BODY_CODEC_LZ4);
  self->store = store;
  self->stored_func = func;
  self->stored_data = user_data;
  self->preparer = preparer;
  return start_thread (self, js, newest > 0 ? (guint64) newest : 0, "lake-mirror", apply_events, self);
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
  g_clear_pointer (&self->preparer, hw_event_preparer_free);
  g_free (self->last_error);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->progressed);
  g_free (self);
}
