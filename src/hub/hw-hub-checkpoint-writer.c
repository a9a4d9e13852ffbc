/* hw-hub-checkpoint-writer.c: listeners' checkpoints, written to hub.db off the main loop
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * hub.db commits with an fsync (synchronous=FULL), and its mutex is held
 * by worker threads for their own transactions: a checkpoint written on
 * the main loop, up to ten a second per busy listener, held up every
 * request and every delivery behind it. Here the main loop only notes the
 * latest checkpoint of each listener; the "hw-checkpoints" thread writes
 * all those noted since its last write in one transaction, so however
 * many listeners report, one fsync at a time is under way.
 *
 * A checkpoint promises that at most what came after it is delivered
 * again. Lagging keeps that promise, so a kill -9 may lose what was noted
 * and not yet committed (the delivery's own coalescing, PERSIST_DELAY_MS,
 * plus one write): those batches are delivered again, as at-least-once
 * allows. A stop flushes everything noted before the process exits.
 */
#include "config.h"

#include "hw-hub-checkpoint-writer.h"
#include "hw-hub-db.h"
#include "hw-hub-writer.h"

typedef struct
{
  gint64  incarnation;
  gint64  checkpoint;
  guint64 delivered;
} Noted;

struct _HwCheckpointWriter
{
  HwHub       *hub;
  HwHubWriter *writer;
  GMutex       mutex;
  GHashTable  *noted;          /* name → Noted*, not yet taken by the writer */
  GHashTable  *written;        /* name → Noted*, what hub.db holds */
  gboolean     write_pushed;   /* a write task will take them */
};

static GHashTable *
new_noted_table (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/* Caller holds the mutex. */
static void
note (HwCheckpointWriter *self,
      const char         *name,
      const Noted        *latest)
{
  Noted *noted = g_hash_table_lookup (self->noted, name);

  if (noted == NULL || noted->incarnation != latest->incarnation)
    {
      noted = g_new0 (Noted, 1);
      noted->incarnation = latest->incarnation;
      g_hash_table_replace (self->noted, g_strdup (name), noted);
    }
  noted->checkpoint = MAX (noted->checkpoint, latest->checkpoint);
  noted->delivered = MAX (noted->delivered, latest->delivered);
}

HwCheckpointWriter *
hw_checkpoint_writer_new (HwHub *hub)
{
  HwCheckpointWriter *self = g_new0 (HwCheckpointWriter, 1);

  self->hub = hub;
  g_mutex_init (&self->mutex);
  self->noted = new_noted_table ();
  self->written = new_noted_table ();
  self->writer = hw_hub_writer_new ("hw-checkpoints");
  return self;
}

void
hw_checkpoint_writer_free (HwCheckpointWriter *self)
{
  if (self == NULL)
    return;
  hw_hub_writer_free (self->writer);
  g_hash_table_unref (self->noted);
  g_hash_table_unref (self->written);
  g_mutex_clear (&self->mutex);
  g_free (self);
}

static gboolean
write_one (sqlite3      *db,
           sqlite3_stmt *stmt,
           const char   *name,
           const Noted  *noted)
{
  int rc;

  sqlite3_bind_int64 (stmt, 1, noted->checkpoint);
  sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) noted->delivered);
  sqlite3_bind_text (stmt, 3, name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 4, noted->incarnation);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    g_warning ("listener %s: cannot persist its checkpoint: %s", name, sqlite3_errmsg (db));
  return rc == SQLITE_DONE && sqlite3_changes (db) == 1;
}

static void
set_written (GHashTable *written,
             const char *name,
             gint64      incarnation,
             gint64      checkpoint)
{
  Noted *entry = g_new0 (Noted, 1);

  entry->incarnation = incarnation;
  entry->checkpoint = checkpoint;
  g_hash_table_replace (written, g_strdup (name), entry);
}

/* A row made again under the same name is another incarnation: its
 * created_at tells it apart (forget() already dropped what was noted for
 * the old one), and a checkpoint only moves forward. Returns the names
 * whose row changed, once committed, or NULL when the transaction
 * failed. */
static GPtrArray *
write_noted (sqlite3    *db,
             GHashTable *noted)
{
  g_autoptr(GPtrArray) changed = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt = NULL;
  GHashTableIter iter;
  gpointer name, value;

  if (!hw_hub_db_exec (db, "BEGIN IMMEDIATE", &error) ||
      (stmt = hw_hub_db_prepare (db, "UPDATE listeners SET checkpoint = ?1, delivered = ?2 "
                                     "WHERE name = ?3 AND created_at = ?4 AND checkpoint <= ?1",
                                 &error)) == NULL)
    {
      g_warning ("cannot persist %u listeners' checkpoints: %s", g_hash_table_size (noted), error->message);
      hw_hub_db_exec (db, "ROLLBACK", NULL);
      return NULL;
    }
  g_hash_table_iter_init (&iter, noted);
  while (g_hash_table_iter_next (&iter, &name, &value))
    if (write_one (db, stmt, name, value))
      g_ptr_array_add (changed, name);
  sqlite3_finalize (stmt);
  if (!hw_hub_db_exec (db, "COMMIT", &error))
    {
      g_warning ("cannot persist %u listeners' checkpoints: %s", g_hash_table_size (noted), error->message);
      hw_hub_db_exec (db, "ROLLBACK", NULL);
      return NULL;
    }
  return g_steal_pointer (&changed);
}

/* Caller holds the mutex. */
static void
record_written (HwCheckpointWriter *self,
                GHashTable         *noted,
                GPtrArray          *changed)
{
  for (guint i = 0; i < changed->len; i++)
    {
      const char *name = g_ptr_array_index (changed, i);
      const Noted *entry = g_hash_table_lookup (noted, name);

      set_written (self->written, name, entry->incarnation, entry->checkpoint);
    }
}

/* A failed transaction wrote none of them: they wait for the next write,
 * which the next checkpoint reported asks for. Caller holds the mutex
 * (and the hub.db one, so forget() cannot have run since they were taken). */
static void
note_again (HwCheckpointWriter *self,
            GHashTable         *noted)
{
  GHashTableIter iter;
  gpointer name, value;

  g_hash_table_iter_init (&iter, noted);
  while (g_hash_table_iter_next (&iter, &name, &value))
    note (self, name, value);
}

/* On the writer's thread. What it takes is taken under the hub.db mutex,
 * like forget(): nothing noted for a row deleted or made again before can
 * be taken after. */
static void
write_task (gpointer data)
{
  HwCheckpointWriter *self = data;
  G_GNUC_UNUSED g_autoptr(GMutexLocker) db_locker = NULL;
  g_autoptr(GHashTable) noted = NULL;
  g_autoptr(GPtrArray) changed = NULL;

  g_assert (!g_main_context_is_owner (g_main_context_default ()));
  db_locker = g_mutex_locker_new (hw_hub_get_db_mutex (self->hub));
  g_mutex_lock (&self->mutex);
  noted = g_steal_pointer (&self->noted);
  self->noted = new_noted_table ();
  self->write_pushed = FALSE;
  g_mutex_unlock (&self->mutex);
  if (g_hash_table_size (noted) == 0)
    return;
  changed = write_noted (hw_hub_get_db (self->hub), noted);
  g_mutex_lock (&self->mutex);
  if (changed != NULL)
    record_written (self, noted, changed);
  else
    note_again (self, noted);
  g_mutex_unlock (&self->mutex);
}

void
hw_checkpoint_writer_queue (HwCheckpointWriter *self,
                            const char         *name,
                            gint64              incarnation,
                            gint64              checkpoint,
                            guint64             delivered)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = NULL;
  const Noted latest = { incarnation, checkpoint, delivered };

  g_return_if_fail (self != NULL);
  g_return_if_fail (name != NULL);

  locker = g_mutex_locker_new (&self->mutex);
  note (self, name, &latest);
  if (!self->write_pushed)
    {
      self->write_pushed = TRUE;
      hw_hub_writer_push (self->writer, write_task, self, NULL);
    }
}

void
hw_checkpoint_writer_forget (HwCheckpointWriter *self,
                             const char         *name)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (self != NULL);

  locker = g_mutex_locker_new (&self->mutex);
  g_hash_table_remove (self->noted, name);
  g_hash_table_remove (self->written, name);
}

void
hw_checkpoint_writer_note_written (HwCheckpointWriter *self,
                                   const char         *name,
                                   gint64              incarnation,
                                   gint64              checkpoint)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (self != NULL);
  g_return_if_fail (name != NULL);

  locker = g_mutex_locker_new (&self->mutex);
  set_written (self->written, name, incarnation, checkpoint);
}

gboolean
hw_checkpoint_writer_get_written (HwCheckpointWriter *self,
                                  const char         *name,
                                  gint64              incarnation,
                                  gint64             *out_checkpoint)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = NULL;
  const Noted *entry;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  locker = g_mutex_locker_new (&self->mutex);
  entry = g_hash_table_lookup (self->written, name);
  if (entry == NULL || entry->incarnation != incarnation)
    return FALSE;
  *out_checkpoint = entry->checkpoint;
  return TRUE;
}

void
hw_checkpoint_writer_flush (HwCheckpointWriter *self)
{
  g_return_if_fail (self != NULL);
  hw_hub_writer_flush (self->writer);
}
