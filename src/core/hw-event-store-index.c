/* hw-event-store-index.c: the full-text index, in a file of its own, written behind the events
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-error.h"
#include "hw-event-store-private.h"

/* FTS5 was over half of the writer's work, inside the transaction whose
 * commit the hub's publishers wait for: ingesting a million events into
 * the hub, the writer thread took 27.4 s of CPU with it and 11.9 s
 * without, and the rate was 21.5k events/s against 33.3k (26.4-28.0k
 * with this thread, against 20.6-23.0k: bench/README.md). The index is
 * derived data (the bodies hold every word), so it need not be durable
 * with them. It lives in "<store>-text", which its own thread writes
 * after each commit from the texts the writer hands over; a second file
 * so that the two writers never wait for each other's lock.
 *
 * What a search sees stays the same: one with words first waits until
 * the index holds every event committed before it started
 * (hw_store_await_text()), typically one index transaction.
 *
 * After a crash, or with a new, damaged or foreign index file, the thread
 * catches up from the stored bodies: the index file records the newest
 * seq it holds and that event's id, and holds every stored event up to
 * it. Its own commits need no fsync for the same reason
 * (synchronous=NORMAL: a power cut loses a tail, which the catch-up
 * writes again). */

/* Writes wait beyond this much queued text: with an index that cannot
 * keep up, ingest slows down to its pace instead of filling memory. */
#define MAX_QUEUED_BYTES (64 * 1024 * 1024)
/* Stored events per catch-up transaction: short enough that a reader of
 * the store is not held for long, and that progress shows. */
#define CATCH_UP_EVENTS 5000
#define CATCH_UP_REPORT_EVERY 100000
#define RETRY_AFTER_FAILURE_US (5 * G_TIME_SPAN_SECOND)
#define AWAIT_POLL_US (100 * G_TIME_SPAN_MILLISECOND)

/* index_state: see hw-event-store-index-file.c. */
static const char save_state_sql[] =
  "UPDATE index_state SET indexed_upto = ?, last_id = ?";

/* Batches ----------------------------------------------------------------- */

struct _HwTextBatch
{
  GArray    *seqs;      /* gint64 */
  GPtrArray *ids;       /* char*: the index records its newest event's */
  GArray    *offsets;   /* guint, into texts */
  GString   *texts;     /* NUL-separated */
};

HwTextBatch *
hw_text_batch_new (void)
{
  HwTextBatch *batch = g_new0 (HwTextBatch, 1);

  batch->seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  batch->ids = g_ptr_array_new_with_free_func (g_free);
  batch->offsets = g_array_new (FALSE, FALSE, sizeof (guint));
  batch->texts = g_string_sized_new (64 * 1024);
  return batch;
}

void
hw_text_batch_add (HwTextBatch *batch,
                   gint64       seq,
                   const char  *id,
                   const char  *text)
{
  guint offset = (guint) batch->texts->len;

  g_array_append_val (batch->seqs, seq);
  g_array_append_val (batch->offsets, offset);
  g_string_append_len (batch->texts, text != NULL ? text : "", text != NULL ? (gssize) strlen (text) + 1 : 1);
  g_ptr_array_add (batch->ids, g_strdup (id));
}

void
hw_text_batch_free (HwTextBatch *batch)
{
  if (batch == NULL)
    return;
  g_array_unref (batch->seqs);
  g_ptr_array_unref (batch->ids);
  g_array_unref (batch->offsets);
  g_string_free (batch->texts, TRUE);
  g_free (batch);
}

static gsize
text_batch_bytes (const HwTextBatch *batch)
{
  /* An id is some 40 bytes with its allocation. */
  return batch->texts->len + batch->seqs->len * (sizeof (gint64) + sizeof (guint) + 48);
}

static gint64
text_batch_last_seq (const HwTextBatch *batch)
{
  return g_array_index (batch->seqs, gint64, batch->seqs->len - 1);
}

/* The index thread -------------------------------------------------------- */

/* Process-wide, because the store a test looks at is opened by code it
 * does not call directly (the console's sync opens its cache). */
static GMutex hold_lock;
static GCond hold_cond;
static gint hold_catch_ups;

/* After changing what wait_while_held() checks: taking the lock first
 * means a waiter has either seen the change or is waiting to be woken. */
static void
wake_held (void)
{
  g_mutex_lock (&hold_lock);
  g_cond_broadcast (&hold_cond);
  g_mutex_unlock (&hold_lock);
}

void
hw_store_hold_catch_ups (gboolean hold)
{
  g_atomic_int_set (&hold_catch_ups, hold);
  wake_held ();
}

/* FALSE when the store stops meanwhile. text_stopping is read atomically:
 * this waits under hold_lock, not text_lock. */
static gboolean
wait_while_held (HwEventStore *self)
{
  gboolean stopping;

  g_mutex_lock (&hold_lock);
  while (!(stopping = g_atomic_int_get (&self->text_stopping)) && g_atomic_int_get (&hold_catch_ups))
    g_cond_wait (&hold_cond, &hold_lock);
  g_mutex_unlock (&hold_lock);
  return !stopping;
}

static gboolean
has_work (HwEventStore *self)
{
  if (self->text_catching_up)
    return !self->text_stopping && self->text_indexed < self->text_committed;
  return !g_queue_is_empty (&self->text_queue);
}

static gboolean
save_state (HwStoreConn  *conn,
            gint64        indexed,
            const char   *last_id,
            GError      **error)
{
  g_autoptr(HwCachedStmt) stmt = hw_store_conn_prepare (conn, save_state_sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, indexed);
  sqlite3_bind_text (stmt, 2, last_id, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    return TRUE;
  hw_store_set_sqlite_error (error, conn->db, rc, "recording the full-text index's state");
  return FALSE;
}

/* One index transaction: where it got to, and the id of that event. */
typedef struct
{
  HwStoreConn  *conn;
  HwCachedStmt *insert;
  gint64        upto;
  char         *last_id;
} IndexRun;

static gboolean
index_one (IndexRun    *run,
           gint64       seq,
           const char  *id,
           const char  *text,
           GError     **error)
{
  int rc;

  sqlite3_bind_int64 (run->insert, 1, seq);
  sqlite3_bind_text (run->insert, 2, text, -1, SQLITE_STATIC);
  rc = sqlite3_step (run->insert);
  sqlite3_reset (run->insert);
  if (rc != SQLITE_DONE)
    {
      hw_store_set_sqlite_error (error, run->conn->db, rc, "indexing events");
      return FALSE;
    }
  run->upto = seq;
  g_free (run->last_id);
  run->last_id = g_strdup (id);
  return TRUE;
}

static gboolean
index_batch (IndexRun           *run,
             const HwTextBatch  *batch,
             GError            **error)
{
  for (guint i = 0; i < batch->seqs->len; i++)
    if (!index_one (run, g_array_index (batch->seqs, gint64, i),
                    g_ptr_array_index (batch->ids, i),
                    batch->texts->str + g_array_index (batch->offsets, guint, i), error))
      return FALSE;
  return TRUE;
}

/* Stored events with seqs in (run->upto, @before), at most @limit, from
 * their bodies. */
static gboolean
index_stored (HwEventStore  *self,
              IndexRun      *run,
              gint64         before,
              guint          limit,
              GError       **error)
{
  g_autoptr(HwTextBatch) stored = hw_text_batch_new ();
  HwStoreConn *reader = hw_store_acquire_reader (self, NULL, error);
  gboolean ok;

  if (reader == NULL)
    return FALSE;
  ok = hw_store_read_stored_texts (reader->db, run->upto, before, limit, stored, error);
  hw_store_release_reader (self, reader);
  return ok && index_batch (run, stored, error);
}

/* This thread's batches, skipping what the index holds already and
 * filling gaps from the stored bodies: another writer of the same file
 * (a second process, say) queues its events to its own thread. */
static gboolean
index_mine (HwEventStore  *self,
            IndexRun      *run,
            GQueue        *batches,
            GError       **error)
{
  for (GList *l = batches->head; l != NULL; l = l->next)
    {
      const HwTextBatch *batch = l->data;

      for (guint i = 0; i < batch->seqs->len; i++)
        {
          gint64 seq = g_array_index (batch->seqs, gint64, i);

          if (seq <= run->upto)
            continue;
          if (seq > run->upto + 1 && !index_stored (self, run, seq, G_MAXUINT, error))
            return FALSE;
          if (!index_one (run, seq, g_ptr_array_index (batch->ids, i),
                          batch->texts->str + g_array_index (batch->offsets, guint, i), error))
            return FALSE;
        }
    }
  return TRUE;
}

/* The index always holds every stored event up to index_state's
 * indexed_upto, and nothing past it, whoever wrote it: each transaction
 * reads that mark afresh, under the file's write lock, and carries it
 * on without a gap. Either this thread's queued batches (@batches), or
 * when catching up the next stored events. */
static gboolean
write_index (HwEventStore  *self,
             GQueue        *batches,
             gint64        *indexed,
             GError       **error)
{
  IndexRun run = { self->text_conn, NULL, 0, NULL };
  gint64 start;
  gboolean ok;

  ok = hw_store_conn_exec_as (run.conn, "BEGIN IMMEDIATE", "indexing events", error) &&
       (run.insert = hw_store_conn_prepare (run.conn, HW_STORE_INSERT_FTS_SQL, error)) != NULL &&
       hw_store_text_select_int (run.conn, "SELECT indexed_upto, last_id FROM index_state", 0, &run.upto,
                                 &run.last_id, error);
  start = run.upto;
  if (ok)
    ok = batches != NULL ? index_mine (self, &run, batches, error)
                         : index_stored (self, &run, G_MAXINT64, CATCH_UP_EVENTS, error);
  ok = ok && (run.upto == start || save_state (run.conn, run.upto, run.last_id, error)) &&
       hw_store_conn_exec_as (run.conn, "COMMIT", "indexing events", error);
  if (!ok)
    sqlite3_exec (run.conn->db, "ROLLBACK", NULL, NULL, NULL);
  if (run.insert != NULL)
    hw_cached_stmt_release (run.insert);
  g_free (run.last_id);
  *indexed = run.upto;
  return ok;
}

/* Every queued batch in one transaction: the bigger the transaction, the
 * fewer segments FTS5 writes and merges later. Called and returns with
 * text_lock held. */
static gboolean
index_queued (HwEventStore  *self,
              GError       **error)
{
  GQueue batches = self->text_queue;
  gint64 indexed = 0;
  gboolean ok;

  g_queue_init (&self->text_queue);
  self->text_queued_bytes = 0;
  g_cond_broadcast (&self->text_cond);   /* a writer waiting for room */
  g_mutex_unlock (&self->text_lock);

  ok = write_index (self, &batches, &indexed, error);
  g_queue_clear_full (&batches, (GDestroyNotify) hw_text_batch_free);

  g_mutex_lock (&self->text_lock);
  if (ok)
    self->text_indexed = MAX (self->text_indexed, indexed);
  return ok;
}

/* The next stored events past the index, from their bodies. Called and
 * returns with text_lock held. */
static gboolean
catch_up (HwEventStore  *self,
          GError       **error)
{
  gint64 from = self->text_indexed;
  gint64 indexed = 0;
  gboolean ok;

  g_mutex_unlock (&self->text_lock);
  if (!wait_while_held (self))
    {
      g_mutex_lock (&self->text_lock);
      return TRUE;
    }
  ok = write_index (self, NULL, &indexed, error);
  if (ok && indexed / CATCH_UP_REPORT_EVERY != from / CATCH_UP_REPORT_EVERY)
    g_message ("full-text index: caught up to event %" G_GINT64_FORMAT, indexed);
  g_mutex_lock (&self->text_lock);

  if (!ok)
    return FALSE;
  /* Nothing left to read below what was committed: the rest went away
   * (or never was), and waiting for it would never end. */
  self->text_indexed = indexed > from ? indexed : MAX (from, self->text_committed);
  if (self->text_indexed >= self->text_committed)
    self->text_catching_up = FALSE;
  return TRUE;
}

/* Texts that could not be written are read again from the bodies later;
 * a search meanwhile finds what the index holds. */
static void
fail (HwEventStore *self,
      GError       *error)
{
  if (g_strcmp0 (self->text_error, error->message) != 0)
    g_warning ("the full-text index falls behind the stored events: %s", error->message);
  g_free (self->text_error);
  self->text_error = g_strdup (error->message);
  self->text_catching_up = TRUE;
  g_queue_clear_full (&self->text_queue, (GDestroyNotify) hw_text_batch_free);
  self->text_queued_bytes = 0;
  g_cond_broadcast (&self->text_cond);
}

static gpointer
text_index_main (gpointer data)
{
  HwEventStore *self = data;

  g_mutex_lock (&self->text_lock);
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gboolean ok;

      while (!self->text_stopping && !has_work (self))
        g_cond_wait (&self->text_cond, &self->text_lock);
      /* Stopping drains the queue but leaves a catch-up for next time. */
      if (!has_work (self))
        break;

      ok = self->text_catching_up ? catch_up (self, &error) : index_queued (self, &error);
      if (ok)
        g_clear_pointer (&self->text_error, g_free);
      else
        {
          gint64 retry_at = g_get_monotonic_time () + RETRY_AFTER_FAILURE_US;

          fail (self, error);
          while (!self->text_stopping && g_cond_wait_until (&self->text_cond, &self->text_lock, retry_at))
            ;
        }
      g_cond_broadcast (&self->text_cond);
    }
  g_mutex_unlock (&self->text_lock);
  return NULL;
}

gboolean
hw_store_start_text_index (HwEventStore  *self,
                           gboolean       check,
                           GError       **error)
{
  gint64 indexed = 0;
  gint64 newest = 0;

  self->text_conn = hw_store_open_text_index (self, check, &indexed, error);
  if (self->text_conn == NULL ||
      !hw_store_text_select_int (self->writer, "SELECT coalesce(max(seq), 0) FROM events", 0, &newest, NULL,
                                 error))
    {
      g_clear_pointer (&self->text_conn, hw_store_conn_free);
      return FALSE;
    }

  self->text_indexed = indexed;
  self->text_committed = MAX (newest, indexed);
  self->text_catching_up = self->text_indexed < self->text_committed;
  /* Linux keeps 15 characters of a thread name. */
  self->text_thread = g_thread_try_new ("hw-store-index", text_index_main, self, error);
  if (self->text_thread == NULL)
    {
      g_clear_pointer (&self->text_conn, hw_store_conn_free);
      return FALSE;
    }
  return TRUE;
}

void
hw_store_stop_text_index (HwEventStore *self)
{
  if (self->text_thread != NULL)
    {
      g_mutex_lock (&self->text_lock);
      g_atomic_int_set (&self->text_stopping, TRUE);
      g_cond_broadcast (&self->text_cond);
      g_mutex_unlock (&self->text_lock);
      wake_held ();
      g_thread_join (g_steal_pointer (&self->text_thread));
    }
  g_queue_clear_full (&self->text_queue, (GDestroyNotify) hw_text_batch_free);
  g_clear_pointer (&self->text_conn, hw_store_conn_free);
  g_clear_pointer (&self->text_error, g_free);
}

/* The writer's side and the readers' -------------------------------------- */

void
hw_store_queue_text (HwEventStore *self,
                     HwTextBatch  *batch)
{
  if (batch->seqs->len == 0)
    {
      hw_text_batch_free (batch);
      return;
    }

  g_mutex_lock (&self->text_lock);
  self->text_committed = MAX (self->text_committed, text_batch_last_seq (batch));
  while (!self->text_catching_up && !self->text_stopping &&
         self->text_queued_bytes > MAX_QUEUED_BYTES)
    g_cond_wait (&self->text_cond, &self->text_lock);
  /* While catching up, the index thread reads these from the store. */
  if (self->text_catching_up || self->text_thread == NULL)
    hw_text_batch_free (batch);
  else
    {
      self->text_queued_bytes += text_batch_bytes (batch);
      g_queue_push_tail (&self->text_queue, batch);
    }
  g_cond_broadcast (&self->text_cond);
  g_mutex_unlock (&self->text_lock);
}

/* TRUE when the index holds @target; FALSE when it cannot get there
 * now. */
static gboolean
await_seq (HwEventStore *self,
           gint64        target,
           GCancellable *cancellable)
{
  gboolean reached;

  g_mutex_lock (&self->text_lock);
  while (self->text_indexed < target && self->text_error == NULL && self->text_thread != NULL &&
         !g_cancellable_is_cancelled (cancellable))
    g_cond_wait_until (&self->text_cond, &self->text_lock, g_get_monotonic_time () + AWAIT_POLL_US);
  reached = self->text_indexed >= target;
  g_mutex_unlock (&self->text_lock);
  return reached;
}

static gint64
committed_seq (HwEventStore *self)
{
  gint64 target;

  g_mutex_lock (&self->text_lock);
  target = self->text_committed;
  g_mutex_unlock (&self->text_lock);
  return target;
}

void
hw_store_await_text (HwEventStore *self,
                     GCancellable *cancellable)
{
  if (self != NULL)
    await_seq (self, committed_seq (self), cancellable);
}

void
hw_store_await_text_for (HwEventStore *self,
                         HwQuery      *query,
                         GCancellable *cancellable)
{
  if (query != NULL && hw_query_has_text (query))
    hw_store_await_text (self, cancellable);
}

gboolean
hw_event_store_wait_indexed (HwEventStore  *self,
                             GCancellable  *cancellable,
                             GError       **error)
{
  g_return_val_if_fail (HW_IS_EVENT_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (await_seq (self, committed_seq (self), cancellable))
    return TRUE;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  g_mutex_lock (&self->text_lock);
  g_set_error (error, HW_ERROR, HW_ERROR_IO, "the full-text index cannot be written: %s",
               self->text_error != NULL ? self->text_error : "its thread has stopped");
  g_mutex_unlock (&self->text_lock);
  return FALSE;
}

gboolean
hw_event_store_get_index_progress (HwEventStore *self,
                                   guint64      *indexed,
                                   guint64      *total)
{
  gboolean catching_up;
  gint64 done, upto;

  g_return_val_if_fail (HW_IS_EVENT_STORE (self), FALSE);

  /* Only what the index thread keeps up to date anyway, under a lock it
   * never holds across a write: cheap enough for the UI thread. */
  g_mutex_lock (&self->text_lock);
  catching_up = self->text_catching_up && self->text_thread != NULL && !self->text_stopping;
  done = self->text_indexed;
  upto = MAX (self->text_committed, self->text_indexed);
  g_mutex_unlock (&self->text_lock);

  if (indexed != NULL)
    *indexed = (guint64) MAX (done, 0);
  if (total != NULL)
    *total = (guint64) MAX (upto, 0);
  return catching_up;
}
