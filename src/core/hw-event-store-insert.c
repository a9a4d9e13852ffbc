/* hw-event-store-insert.c: importing events into the store, fast and all-or-nothing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-error.h"
#include "hw-event-prepare.h"
#include "hw-event-store-private.h"
#include "hw-mask.h"

static const char insert_event_sql[] =
  "INSERT OR IGNORE INTO events (id, type, ts, received_ms, partition_key, source, "
  "functionname, pipeline, account, region, stage, tags, is_fault, size, body) "
  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
/* The same columns and parameters, and the seq as ?16. */
static const char insert_event_at_sql[] =
  "INSERT OR IGNORE INTO events (id, type, ts, received_ms, partition_key, source, "
  "functionname, pipeline, account, region, stage, tags, is_fault, size, body, seq) "
  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char insert_fault_sql[] =
  "INSERT OR REPLACE INTO faults (seq, ts, functionname, pipeline, err_name, "
  "err_message, err_stack) VALUES (?, ?, ?, ?, ?, ?, ?)";
static const char seq_by_id_sql[] =
  "SELECT seq FROM events WHERE id = ?";

/* The statements of one insert batch, prepared once per connection. */
typedef struct
{
  HwCachedStmt *event;
  HwCachedStmt *event_at;
  HwCachedStmt *fault;
  HwCachedStmt *seq_by_id;
} InsertStmts;

HwStoreConn *
hw_store_lock_writer (HwEventStore *self)
{
  g_mutex_lock (&self->write_lock);
  return self->writer;
}

void
hw_store_unlock_writer (HwEventStore *self)
{
  g_mutex_unlock (&self->write_lock);
}

void
hw_event_store_set_mask_rules (HwEventStore *self,
                               HwMaskRules  *rules)
{
  g_return_if_fail (HW_IS_EVENT_STORE (self));

  g_mutex_lock (&self->write_lock);
  if (rules != NULL)
    hw_mask_rules_ref (rules);
  g_clear_pointer (&self->mask_rules, hw_mask_rules_unref);
  self->mask_rules = rules;
  g_mutex_unlock (&self->write_lock);
}

static void
bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, index);
}

static gboolean
step_done (sqlite3_stmt  *stmt,
           sqlite3       *db,
           const char    *what,
           GError       **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc == SQLITE_DONE)
    return TRUE;
  hw_store_set_sqlite_error (error, db, rc, what);
  return FALSE;
}

static gint64
lookup_seq (InsertStmts  *stmts,
            sqlite3      *db,
            const char   *id,
            GError      **error)
{
  gint64 seq = 0;
  int rc;

  bind_text (stmts->seq_by_id, 1, id);
  rc = sqlite3_step (stmts->seq_by_id);
  if (rc == SQLITE_ROW)
    seq = sqlite3_column_int64 (stmts->seq_by_id, 0);
  sqlite3_reset (stmts->seq_by_id);
  if (rc != SQLITE_ROW)
    {
      hw_store_set_sqlite_error (error, db, rc, "looking up a duplicate");
      return -1;
    }
  return seq;
}

static gboolean
insert_fault (InsertStmts    *stmts,
              sqlite3        *db,
              const HwEvent  *event,
              gint64          seq,
              GError        **error)
{
  sqlite3_stmt *stmt = stmts->fault;

  sqlite3_bind_int64 (stmt, 1, seq);
  sqlite3_bind_int64 (stmt, 2, event->timestamp_ms);
  bind_text (stmt, 3, event->functionname);
  bind_text (stmt, 4, event->pipeline);
  bind_text (stmt, 5, event->err_name);
  bind_text (stmt, 6, event->err_message);
  bind_text (stmt, 7, event->err_stack);
  return step_done (stmt, db, "storing a fault", error);
}

typedef struct
{
  HwMaskRules      *rules;
  HwEvent         **events;
  HwPreparedEvent  *prepared;
  guint             start;
  guint             end;
  GError           *error;
} PrepareJob;

static gpointer
prepare_range (gpointer data)
{
  PrepareJob *job = data;
  HwEventPreparer *preparer = hw_event_preparer_new (job->rules);

  for (guint i = job->start; i < job->end && job->error == NULL; i++)
    hw_event_preparer_prepare (preparer, job->events[i], &job->prepared[i], &job->error);
  hw_event_preparer_free (preparer);
  return NULL;
}

/* Big batches are prepared on two threads: compression and text
 * extraction are a good part of the cost of an import, and none of it
 * needs the database. 256 rather than 512 so that the hub's ingest
 * requests (batches of 500, handled on its main thread) use both cores
 * too; a thread start costs less than preparing a dozen events. */
#define PARALLEL_PREPARE_MIN 256

static HwPreparedEvent *
prepare_all (HwMaskRules  *rules,
             HwEvent     **events,
             guint         n,
             GError      **error)
{
  HwPreparedEvent *prepared = g_new0 (HwPreparedEvent, n);
  PrepareJob jobs[2] = {
    { rules, events, prepared, 0, n, NULL },
    { rules, events, prepared, n, n, NULL },
  };
  GThread *helper = NULL;

  if (n >= PARALLEL_PREPARE_MIN)
    {
      jobs[0].end = jobs[1].start = n / 2;
      helper = g_thread_try_new ("hw-store-prepare", prepare_range, &jobs[1], NULL);
      if (helper == NULL)
        jobs[0].end = n;
    }
  prepare_range (&jobs[0]);
  if (helper != NULL)
    g_thread_join (helper);
  else if (jobs[1].start < n)
    prepare_range (&jobs[1]);

  if (jobs[0].error == NULL && jobs[1].error == NULL)
    return prepared;

  g_propagate_error (error, jobs[0].error != NULL ? jobs[0].error : jobs[1].error);
  g_clear_error (jobs[0].error != NULL ? &jobs[1].error : &jobs[0].error);
  for (guint i = 0; i < n; i++)
    hw_prepared_event_clear (&prepared[i]);
  g_free (prepared);
  return NULL;
}

static gboolean
insert_one (HwEventStore           *self,
            InsertStmts            *stmts,
            const HwPreparedEvent  *prepared,
            gint64           received_ms,
            gint64           at_seq,
            HwInsertStatus  *status,
            gboolean         want_seq,
            gint64          *seq,
            GError         **error)
{
  sqlite3 *db = self->writer->db;
  sqlite3_stmt *stmt = at_seq > 0 ? stmts->event_at : stmts->event;
  const HwEvent *event = prepared->event;
  gboolean is_fault = hw_event_is_fault (event);

  bind_text (stmt, 1, event->id);
  bind_text (stmt, 2, event->type);
  sqlite3_bind_int64 (stmt, 3, event->timestamp_ms);
  sqlite3_bind_int64 (stmt, 4, received_ms);
  bind_text (stmt, 5, event->partition_key);
  bind_text (stmt, 6, event->source);
  bind_text (stmt, 7, event->functionname);
  bind_text (stmt, 8, event->pipeline);
  bind_text (stmt, 9, event->account);
  bind_text (stmt, 10, event->region);
  bind_text (stmt, 11, event->stage);
  bind_text (stmt, 12, prepared->tags);
  sqlite3_bind_int (stmt, 13, is_fault);
  sqlite3_bind_int64 (stmt, 14, event->size);
  sqlite3_bind_blob (stmt, 15, prepared->body->data, prepared->body->len, SQLITE_STATIC);
  if (at_seq > 0)
    sqlite3_bind_int64 (stmt, 16, at_seq);
  if (!step_done (stmt, db, "storing an event", error))
    return FALSE;

  if (sqlite3_changes (db) == 0)
    {
      *status = HW_INSERT_DUPLICATE;
      *seq = want_seq && at_seq == 0 ? lookup_seq (stmts, db, event->id, error) : 0;
      return *seq >= 0;
    }

  *status = HW_INSERT_ACCEPTED;
  *seq = sqlite3_last_insert_rowid (db);
  return !is_fault || insert_fault (stmts, db, event, *seq, error);
}

static gboolean
prepare_insert_stmts (HwStoreConn  *conn,
                      InsertStmts  *stmts,
                      GError      **error)
{
  return (stmts->event = hw_store_conn_prepare (conn, insert_event_sql, error)) != NULL &&
         (stmts->event_at = hw_store_conn_prepare (conn, insert_event_at_sql, error)) != NULL &&
         (stmts->fault = hw_store_conn_prepare (conn, insert_fault_sql, error)) != NULL &&
         (stmts->seq_by_id = hw_store_conn_prepare (conn, seq_by_id_sql, error)) != NULL;
}

/* Accepted events' texts go to the index thread (hw-event-store-index.c)
 * once committed; still under write_lock, so in seq order. */
static void
queue_texts (HwEventStore           *self,
             const HwPreparedEvent  *prepared,
             guint                   n,
             const HwInsertStatus   *status_of,
             const gint64           *seq_of)
{
  HwTextBatch *batch = hw_text_batch_new ();

  for (guint i = 0; i < n; i++)
    if (status_of[i] == HW_INSERT_ACCEPTED)
      hw_text_batch_add (batch, seq_of[i], prepared[i].event->id, prepared[i].text);
  hw_store_queue_text (self, batch);
}

/* @at_seqs: NULL, or the seq of each event. */
static gboolean
insert_locked (HwEventStore           *self,
               const HwPreparedEvent  *prepared,
               const gint64           *at_seqs,
               guint                   n,
               HwInsertStatus  *statuses,
               gint64          *seqs,
               GError         **error)
{
  HwStoreConn *conn = self->writer;
  InsertStmts stmts = { NULL };
  gint64 received_ms = g_get_real_time () / 1000;
  g_autofree HwInsertStatus *status_of = g_new (HwInsertStatus, n);
  g_autofree gint64 *seq_of = g_new0 (gint64, n);

  hw_store_bound_wal (self);
  if (!prepare_insert_stmts (conn, &stmts, error) ||
      !hw_store_conn_exec (conn, "BEGIN IMMEDIATE", error))
    return FALSE;

  for (guint i = 0; i < n; i++)
    {
      if (!insert_one (self, &stmts, &prepared[i], received_ms, at_seqs != NULL ? at_seqs[i] : 0,
                       &status_of[i], seqs != NULL, &seq_of[i], error))
        goto fail;
    }
  if (statuses != NULL)
    memcpy (statuses, status_of, n * sizeof *statuses);
  if (seqs != NULL)
    memcpy (seqs, seq_of, n * sizeof *seqs);

  if (hw_store_conn_exec (conn, "COMMIT", error))
    {
      queue_texts (self, prepared, n, status_of, seq_of);
      return TRUE;
    }

fail:
  sqlite3_exec (conn->db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

HwMaskRules *
hw_event_store_dup_mask_rules (HwEventStore *self)
{
  HwMaskRules *rules;

  g_return_val_if_fail (HW_IS_EVENT_STORE (self), NULL);

  g_mutex_lock (&self->write_lock);
  rules = self->mask_rules != NULL ? hw_mask_rules_ref (self->mask_rules) : NULL;
  g_mutex_unlock (&self->write_lock);
  return rules;
}

gboolean
hw_event_store_insert_prepared (HwEventStore     *self,
                                HwPreparedEvent  *events,
                                guint             n,
                                HwInsertStatus   *statuses,
                                gint64           *seqs,
                                GError          **error)
{
  gboolean ok;

  g_return_val_if_fail (HW_IS_EVENT_STORE (self), FALSE);
  g_return_val_if_fail (events != NULL || n == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (guint i = 0; i < n; i++)
    g_return_val_if_fail (events[i].event != NULL && events[i].body != NULL, FALSE);

  if (n == 0)
    return TRUE;

  hw_store_lock_writer (self);
  ok = insert_locked (self, events, NULL, n, statuses, seqs, error);
  hw_store_unlock_writer (self);
  return ok;
}

gboolean
hw_event_store_insert_prepared_at (HwEventStore     *self,
                                   HwPreparedEvent  *events,
                                   const gint64     *at_seqs,
                                   guint             n,
                                   HwInsertStatus   *statuses,
                                   GError          **error)
{
  gboolean ok;

  g_return_val_if_fail (HW_IS_EVENT_STORE (self), FALSE);
  g_return_val_if_fail (n == 0 || (events != NULL && at_seqs != NULL), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (guint i = 0; i < n; i++)
    {
      g_return_val_if_fail (events[i].event != NULL && events[i].body != NULL, FALSE);
      g_return_val_if_fail (at_seqs[i] > 0 && (i == 0 || at_seqs[i] > at_seqs[i - 1]), FALSE);
    }

  if (n == 0)
    return TRUE;

  hw_store_lock_writer (self);
  ok = insert_locked (self, events, at_seqs, n, statuses, NULL, error);
  hw_store_unlock_writer (self);
  return ok;
}

gboolean
hw_event_store_insert (HwEventStore    *self,
                       HwEvent        **events,
                       guint            n,
                       HwInsertStatus  *statuses,
                       gint64          *seqs,
                       GError         **error)
{
  g_autoptr(HwMaskRules) rules = NULL;
  g_autofree HwPreparedEvent *prepared = NULL;
  gboolean ok;

  g_return_val_if_fail (HW_IS_EVENT_STORE (self), FALSE);
  g_return_val_if_fail (events != NULL || n == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (guint i = 0; i < n; i++)
    g_return_val_if_fail (events[i] != NULL && events[i]->json != NULL, FALSE);

  if (n == 0)
    return TRUE;

  rules = hw_event_store_dup_mask_rules (self);

  /* Outside the lock, so that concurrent writers (the hub's request
   * threads) compress in parallel and only queue for the database. */
  prepared = prepare_all (rules, events, n, error);
  if (prepared == NULL)
    return FALSE;

  hw_store_lock_writer (self);
  ok = insert_locked (self, prepared, NULL, n, statuses, seqs, error);
  hw_store_unlock_writer (self);

  for (guint i = 0; i < n; i++)
    hw_prepared_event_clear (&prepared[i]);
  return ok;
}
