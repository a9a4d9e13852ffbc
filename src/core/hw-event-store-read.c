/* hw-event-store-read.c: reading events back by seq: summaries, single events, and sync after a seq
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-error.h"
#include "hw-event-store-private.h"

#define SUMMARY_COLUMNS \
  "e.seq, e.ts, e.received_ms, e.id, e.type, e.partition_key, e.source, " \
  "e.functionname, e.pipeline, e.is_fault, e.size"

/* Rows by seq ------------------------------------------------------------------ */

static GPtrArray *
summaries_on (HwStoreConn   *conn,
              const gint64  *seqs,
              guint          n,
              GError       **error)
{
  g_autoptr(HwCachedStmt) stmt = NULL;
  g_autoptr(GPtrArray) rows = hw_store_new_row_array ();

  stmt = hw_store_conn_prepare (conn, "SELECT " SUMMARY_COLUMNS " FROM events e WHERE e.seq = ?",
                                error);
  if (stmt == NULL)
    return NULL;

  for (guint i = 0; i < n; i++)
    {
      int rc;

      sqlite3_bind_int64 (stmt, 1, seqs[i]);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        g_ptr_array_add (rows, hw_store_row_from_stmt (stmt, FALSE, NULL));
      else if (rc != SQLITE_DONE)
        {
          hw_store_set_sqlite_error (error, conn->db, rc, "reading event summaries");
          return NULL;
        }
      sqlite3_reset (stmt);
    }
  return g_steal_pointer (&rows);
}

GPtrArray *
hw_event_store_get_summaries (HwEventStore   *self,
                              const gint64   *seqs,
                              guint           n,
                              GCancellable   *cancellable,
                              GError        **error)
{
  HwStoreConn *conn;
  GPtrArray *rows;

  g_return_val_if_fail (HW_IS_EVENT_STORE (self), NULL);
  g_return_val_if_fail (seqs != NULL || n == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  conn = hw_store_acquire_reader (self, cancellable, error);
  if (conn == NULL)
    return NULL;
  rows = summaries_on (conn, seqs, n, error);
  hw_store_release_reader (self, conn);
  return rows;
}

/* @key_sql selects by one parameter, @param. */
static HwEventRow *
get_one (HwEventStore  *self,
         const char    *key_sql,
         GVariant      *param,
         const char    *what,
         GError       **error)
{
  g_autoptr(GPtrArray) params = hw_store_params_new ();
  g_autoptr(GPtrArray) rows = hw_store_new_row_array ();
  g_autofree char *sql = g_strconcat ("SELECT " HW_STORE_ROW_COLUMNS " FROM events e WHERE ",
                                      key_sql, NULL);
  HwStoreConn *conn;
  gboolean ok;

  g_ptr_array_add (params, g_variant_ref_sink (param));
  conn = hw_store_acquire_reader (self, NULL, error);
  if (conn == NULL)
    return NULL;
  ok = hw_store_select_rows (conn, sql, params, TRUE, 1, rows, error);
  hw_store_release_reader (self, conn);

  if (!ok)
    return NULL;
  if (rows->len == 0)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_NOT_FOUND, "no event %s", what);
      return NULL;
    }
  return g_ptr_array_steal_index (rows, 0);
}

HwEventRow *
hw_event_store_get_event (HwEventStore  *self,
                          gint64         seq,
                          GError       **error)
{
  g_autofree char *what = g_strdup_printf ("with seq %" G_GINT64_FORMAT, seq);

  g_return_val_if_fail (HW_IS_EVENT_STORE (self), NULL);
  return get_one (self, "e.seq = ?", g_variant_new_int64 (seq), what, error);
}

HwEventRow *
hw_event_store_get_event_by_id (HwEventStore  *self,
                                const char    *id,
                                GError       **error)
{
  g_autofree char *what = NULL;

  g_return_val_if_fail (HW_IS_EVENT_STORE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  what = g_strdup_printf ("with id “%s”", id);
  return get_one (self, "e.id = ?", g_variant_new_string (id), what, error);
}

static char *
steal_json (HwEventRow *row)
{
  char *json;

  if (row == NULL)
    return NULL;
  json = g_steal_pointer (&row->json);
  hw_event_row_free (row);
  return json;
}

char *
hw_event_store_get_event_json (HwEventStore  *self,
                               gint64         seq,
                               GError       **error)
{
  return steal_json (hw_event_store_get_event (self, seq, error));
}

char *
hw_event_store_get_event_json_by_id (HwEventStore  *self,
                                     const char    *id,
                                     GError       **error)
{
  return steal_json (hw_event_store_get_event_by_id (self, id, error));
}

/* Sync --------------------------------------------------------------------- */

/* Points into @stmt's current row and @scratch. */
static gboolean
borrow_row (sqlite3_stmt  *stmt,
            GByteArray    *scratch,
            HwEventRow    *row,
            GError       **error)
{
  hw_store_borrow_columns (stmt, row);
  row->json = (char *) hw_store_decompress_into (sqlite3_column_blob (stmt, 11),
                                                 sqlite3_column_bytes (stmt, 11), scratch, error);
  return row->json != NULL;
}

static gint64
visit_rows (HwStoreConn        *conn,
            sqlite3_stmt       *stmt,
            HwEventRowVisitor   visitor,
            gpointer            user_data,
            GError            **error)
{
  g_autoptr(GByteArray) scratch = g_byte_array_new ();
  gint64 visited = 0;
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      HwEventRow row = { 0 };

      if (!borrow_row (stmt, scratch, &row, error))
        return -1;
      visited++;
      if (!visitor (&row, user_data))
        return visited;
    }
  if (rc == SQLITE_DONE)
    return visited;
  hw_store_set_sqlite_error (error, conn->db, rc, "reading events");
  return -1;
}

gint64
hw_event_store_visit_after (HwEventStore       *self,
                            gint64              after_seq,
                            guint               limit,
                            HwEventRowVisitor   visitor,
                            gpointer            user_data,
                            GCancellable       *cancellable,
                            GError            **error)
{
  g_autoptr(GPtrArray) params = hw_store_params_new ();
  g_autoptr(HwCachedStmt) stmt = NULL;
  HwStoreConn *conn;
  gint64 visited = -1;

  g_return_val_if_fail (HW_IS_EVENT_STORE (self), -1);
  g_return_val_if_fail (visitor != NULL, -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  if (limit == 0)
    limit = HW_STORE_DEFAULT_PAGE_SIZE;
  hw_store_param_int (params, after_seq);
  hw_store_param_int (params, limit);

  conn = hw_store_acquire_reader (self, cancellable, error);
  if (conn == NULL)
    return -1;
  stmt = hw_store_conn_prepare (conn, "SELECT " HW_STORE_ROW_COLUMNS " FROM events e "
                                      "WHERE e.seq > ? ORDER BY e.seq LIMIT ?", error);
  if (stmt != NULL && hw_store_bind (stmt, params, error))
    visited = visit_rows (conn, stmt, visitor, user_data, error);
  g_clear_pointer (&stmt, hw_cached_stmt_release);
  hw_store_release_reader (self, conn);
  return visited;
}

static gboolean
collect_row (const HwEventRow *row,
             gpointer          user_data)
{
  g_ptr_array_add (user_data, hw_event_row_dup (row));
  return TRUE;
}

GPtrArray *
hw_event_store_events_after (HwEventStore   *self,
                             gint64          after_seq,
                             guint           limit,
                             GCancellable   *cancellable,
                             GError        **error)
{
  g_autoptr(GPtrArray) rows = hw_store_new_row_array ();

  if (hw_event_store_visit_after (self, after_seq, limit, collect_row, rows, cancellable, error) < 0)
    return NULL;
  return g_steal_pointer (&rows);
}

gint64
hw_event_store_get_max_seq (HwEventStore  *self,
                            GError       **error)
{
  HwStoreConn *conn;
  gint64 max_seq = -1;

  g_return_val_if_fail (HW_IS_EVENT_STORE (self), -1);

  conn = hw_store_acquire_reader (self, NULL, error);
  if (conn == NULL)
    return -1;
  max_seq = hw_store_select_int (conn, "SELECT coalesce(max(seq), 0) FROM events", NULL, error);
  hw_store_release_reader (self, conn);
  return max_seq;
}
