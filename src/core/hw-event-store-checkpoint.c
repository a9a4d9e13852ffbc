/* hw-event-store-checkpoint.c: WAL checkpoints on their own thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-event-store-private.h"

/* SQLite checkpoints on the committing thread by default: every ~1000
 * pages, one commit also copies the WAL into the file and, for a durable
 * store, waits for two more fsyncs (about 7 ms each on the test machine's
 * disk). Here the WAL hook only asks a thread with its own connection to
 * do it, so the writer (an import, the hub's ingest) carries on. Commits
 * are exactly as durable as before: the WAL is still synced at each
 * commit of a durable store, and the checkpointer syncs like the writer.
 *
 * A pass copies the newest frame of each page once, however many commits
 * wrote it. The pages every commit writes (the ends of the table and of
 * the time-ordered indexes, FTS5's structure) and the leaves that random
 * keys (ids, partition keys) hit again are copied once per pass: at 1000
 * pages (8 MB), with hub commits of ~800 frames, nearly every commit
 * started a pass. Ingesting a million events into the hub at 8000 pages
 * took 9.0-10.2 s of checkpoint CPU time against 12.6-17.6 s at 1000, and
 * 74.7 µs of the hub's CPU per event against 78.6-93.2 (two runs against
 * four); the rate was 13.6-13.8k events/s against 11.2-13.1k. */
#define CHECKPOINT_PAGES 8000
/* A pass beside a busy writer seldom finds the WAL with nothing left to
 * copy, which is when SQLite starts it over; past this many pages the
 * next write transaction first waits for a pass over every commit, so the
 * WAL stays under some 130 MB (pages of 8 KB). */
#define WAL_MAX_PAGES 16000
#define WAL_WAIT_US (30 * G_TIME_SPAN_SECOND)

static int
on_wal_commit (void        *user_data,
               sqlite3     *db,
               const char  *name,
               int          n_pages)
{
  HwEventStore *self = user_data;

  g_mutex_lock (&self->ckpt_lock);
  self->ckpt_commits++;
  self->ckpt_wal_pages = n_pages;
  if (n_pages >= self->ckpt_pages)
    {
      self->ckpt_requested = self->ckpt_commits;
      g_cond_broadcast (&self->ckpt_cond);
    }
  g_mutex_unlock (&self->ckpt_lock);
  return SQLITE_OK;
}

static HwStoreConn *
open_checkpointer (HwEventStore *self)
{
  g_autoptr(GError) error = NULL;
  HwStoreConn *conn = hw_store_conn_new (self->path, SQLITE_OPEN_READWRITE, &error);

  if (conn == NULL)
    {
      g_debug ("checkpoints: %s", error->message);
      return NULL;
    }
  /* A checkpoint syncs the WAL before and the file after copying as the
   * connection's own level says: it must be the writer's. */
  sqlite3_exec (conn->db, (self->flags & HW_EVENT_STORE_DURABLE) ? "PRAGMA synchronous = FULL"
                                                                 : "PRAGMA synchronous = NORMAL",
                NULL, NULL, NULL);
  return conn;
}

static gpointer
checkpoint_main (gpointer user_data)
{
  HwEventStore *self = user_data;
  HwStoreConn *conn = NULL;

  g_mutex_lock (&self->ckpt_lock);
  for (;;)
    {
      guint64 covers;
      int rc = SQLITE_OK;

      while (!self->ckpt_stopping && self->ckpt_requested <= self->ckpt_done)
        g_cond_wait (&self->ckpt_cond, &self->ckpt_lock);
      if (self->ckpt_stopping)
        break;
      /* The hook counts a commit once it is in the WAL: a pass that starts
       * now copies it. */
      covers = self->ckpt_commits;
      g_mutex_unlock (&self->ckpt_lock);

      if (conn == NULL)
        conn = open_checkpointer (self);
      if (conn != NULL)
        rc = sqlite3_wal_checkpoint_v2 (conn->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
      if (rc != SQLITE_OK && rc != SQLITE_BUSY)
        g_debug ("checkpoints: %s", sqlite3_errmsg (conn->db));

      g_mutex_lock (&self->ckpt_lock);
      /* Done even when it failed: a writer waiting for it must not hang,
       * and the next commit asks again. */
      self->ckpt_done = MAX (self->ckpt_done, covers);
      g_cond_broadcast (&self->ckpt_cond);
    }
  g_mutex_unlock (&self->ckpt_lock);

  hw_store_conn_free (conn);
  return NULL;
}

void
hw_store_start_checkpoints (HwEventStore *self)
{
  hw_store_set_wal_bounds (self, CHECKPOINT_PAGES, WAL_MAX_PAGES);
  /* Linux keeps 15 characters of a thread name. */
  self->ckpt_thread = g_thread_try_new ("hw-store-ckpt", checkpoint_main, self, NULL);
  /* Without the thread SQLite's own checkpoints stay on. */
  if (self->ckpt_thread != NULL)
    sqlite3_wal_hook (self->writer->db, on_wal_commit, self);
}

void
hw_store_stop_checkpoints (HwEventStore *self)
{
  if (self->ckpt_thread == NULL)
    return;

  g_mutex_lock (&self->ckpt_lock);
  self->ckpt_stopping = TRUE;
  g_cond_broadcast (&self->ckpt_cond);
  g_mutex_unlock (&self->ckpt_lock);
  g_thread_join (g_steal_pointer (&self->ckpt_thread));
}

void
hw_store_bound_wal (HwEventStore *self)
{
  gint64 deadline;

  g_mutex_lock (&self->ckpt_lock);
  if (self->ckpt_thread == NULL || self->ckpt_wal_pages < self->ckpt_max_pages)
    {
      g_mutex_unlock (&self->ckpt_lock);
      return;
    }

  self->ckpt_requested = self->ckpt_commits;
  g_cond_broadcast (&self->ckpt_cond);
  deadline = g_get_monotonic_time () + WAL_WAIT_US;
  while (!self->ckpt_stopping && self->ckpt_done < self->ckpt_commits)
    if (!g_cond_wait_until (&self->ckpt_cond, &self->ckpt_lock, deadline))
      break;
  /* A reader may still pin the WAL; the next commit tells. */
  self->ckpt_wal_pages = 0;
  g_mutex_unlock (&self->ckpt_lock);
}

void
hw_store_set_wal_bounds (HwEventStore *self,
                         int           checkpoint_pages,
                         int           max_pages)
{
  g_mutex_lock (&self->ckpt_lock);
  self->ckpt_pages = checkpoint_pages;
  self->ckpt_max_pages = max_pages;
  g_mutex_unlock (&self->ckpt_lock);
}
