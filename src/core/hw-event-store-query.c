/* hw-event-store-query.c: searching events: the WHERE clause, pages of rows, seqs (by seq, single events and sync: hw-event-store-read.c)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-error.h"
#include "hw-event-store-private.h"
#include "hw-query-private.h"

/* Below this many matches of a free-text term, reading the matching rows
 * for their time beats walking the time index to fill a first page: the
 * walk covers about (rows / matches) * page entries before it has a page. */
#define FIRST_PAGE_FILTER_MIN 1000

/* Shared helpers ----------------------------------------------------------- */

GPtrArray *
hw_store_params_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
}

char *
hw_store_build_where (HwQuery   *query,
                      gint64     from_ms,
                      gint64     to_ms,
                      GPtrArray *params)
{
  return hw_store_build_where_full (query, from_ms, to_ms, HW_QUERY_SQL_NONE, params);
}

char *
hw_store_build_where_full (HwQuery         *query,
                           gint64           from_ms,
                           gint64           to_ms,
                           HwQuerySqlFlags  flags,
                           GPtrArray       *params)
{
  GString *sql = g_string_new (NULL);

  if (query != NULL && !hw_query_is_empty (query))
    {
      g_autofree char *expr = hw_query_to_sql_full (query, flags, &params);

      g_string_append_printf (sql, "(%s)", expr);
    }
  else
    {
      g_string_append (sql, "1");
    }

  if (from_ms != HW_EVENT_STORE_UNBOUNDED)
    {
      g_string_append (sql, " AND e.ts >= ?");
      hw_store_param_int (params, from_ms);
    }
  if (to_ms != HW_EVENT_STORE_UNBOUNDED && to_ms != G_MAXINT64)
    {
      g_string_append (sql, " AND e.ts < ?");
      hw_store_param_int (params, to_ms);
    }
  return g_string_free (sql, FALSE);
}

gboolean
hw_store_bind (sqlite3_stmt  *stmt,
               GPtrArray     *params,
               GError       **error)
{
  if (params == NULL || params->len == 0)
    return TRUE;
  return hw_sql_bind_params (stmt, 1, params, error);
}

gint64
hw_store_select_int (HwStoreConn  *conn,
                     const char   *sql,
                     GPtrArray    *params,
                     GError      **error)
{
  g_autoptr(HwCachedStmt) stmt = hw_store_conn_prepare (conn, sql, error);
  gint64 value;
  int rc;

  if (stmt == NULL || !hw_store_bind (stmt, params, error))
    return -1;
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      hw_store_set_sqlite_error (error, conn->db, rc, "reading a number");
      return -1;
    }
  value = sqlite3_column_int64 (stmt, 0);
  return value;
}

/* At least @min_matches matches (capped: the count stops there)? */
static gboolean
text_matches_at_least (HwStoreConn *conn,
                       const char  *match,
                       gint64       min_matches)
{
  g_autoptr(HwCachedStmt) stmt = hw_store_conn_prepare (conn, "SELECT count(*) FROM (SELECT 1 FROM events_fts "
                                                              "WHERE events_fts MATCH ? LIMIT ?)", NULL);
  gboolean many;

  if (stmt == NULL)
    return TRUE;
  sqlite3_bind_text (stmt, 1, match, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, min_matches);
  many = sqlite3_step (stmt) != SQLITE_ROW || sqlite3_column_int64 (stmt, 0) >= min_matches;
  sqlite3_reset (stmt);
  return many;
}

HwQuerySqlFlags
hw_store_plan_text (HwStoreConn *conn,
                    HwQuery     *query,
                    gint64       min_matches)
{
  g_autoptr(GPtrArray) required = NULL;
  gboolean has_text = FALSE;

  if (query == NULL || hw_query_is_empty (query))
    return HW_QUERY_SQL_NONE;
  required = hw_query_required_text (query, &has_text);
  if (!has_text)
    return HW_QUERY_SQL_NONE;
  /* Every read whose query has words comes through here first. */
  hw_store_await_text (conn->store, conn->cancellable);
  /* One rare term every match needs is the cheapest way in: SQLite reads
   * its few rows. Text only under OR or NOT can match anything, so it
   * filters. */
  for (guint i = 0; i < required->len; i++)
    if (!text_matches_at_least (conn, g_ptr_array_index (required, i), min_matches))
      return HW_QUERY_SQL_NONE;
  return HW_QUERY_SQL_TEXT_AS_FILTER;
}

gint64
hw_store_full_filter_min (HwStoreConn *conn)
{
  /* A whole pass over a time index costs about what reading one row in
   * this many of the table for its ts does (measured at 200k and 1M
   * events: the index entry is tiny, a row with its body is not). */
  gint64 rows = hw_store_select_int (conn, "SELECT coalesce(max(seq), 0) FROM events", NULL, NULL);

  return MAX (2000, rows / 30);
}

void
hw_store_borrow_columns (sqlite3_stmt *stmt,
                         HwEventRow   *row)
{
  row->seq = sqlite3_column_int64 (stmt, 0);
  row->ts_ms = sqlite3_column_int64 (stmt, 1);
  row->received_ms = sqlite3_column_int64 (stmt, 2);
  row->id = (char *) sqlite3_column_text (stmt, 3);
  row->type = (char *) sqlite3_column_text (stmt, 4);
  row->partition_key = (char *) sqlite3_column_text (stmt, 5);
  row->source = (char *) sqlite3_column_text (stmt, 6);
  row->functionname = (char *) sqlite3_column_text (stmt, 7);
  row->pipeline = (char *) sqlite3_column_text (stmt, 8);
  row->is_fault = sqlite3_column_int (stmt, 9) != 0;
  row->size = sqlite3_column_int64 (stmt, 10);
  row->json = NULL;
}

HwEventRow *
hw_store_row_from_stmt (sqlite3_stmt  *stmt,
                        gboolean       with_body,
                        GError       **error)
{
  g_autoptr(HwEventRow) row = NULL;
  HwEventRow columns;

  hw_store_borrow_columns (stmt, &columns);
  row = hw_event_row_dup (&columns);
  if (with_body)
    {
      row->json = hw_store_decompress (sqlite3_column_blob (stmt, 11),
                                       sqlite3_column_bytes (stmt, 11), error);
      if (row->json == NULL)
        return NULL;
    }
  return g_steal_pointer (&row);
}

/* Steps @stmt (already bound) and collects up to @max_rows rows. */
static gboolean
collect_rows (HwStoreConn   *conn,
              sqlite3_stmt  *stmt,
              gboolean       with_body,
              guint          max_rows,
              GPtrArray     *rows,
              GError       **error)
{
  int rc;

  while (rows->len < max_rows && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      HwEventRow *row = hw_store_row_from_stmt (stmt, with_body, error);

      if (row == NULL)
        return FALSE;
      g_ptr_array_add (rows, row);
    }
  if (rows->len >= max_rows || rc == SQLITE_DONE)
    return TRUE;
  hw_store_set_sqlite_error (error, conn->db, rc, "reading events");
  return FALSE;
}

gboolean
hw_store_select_rows (HwStoreConn  *conn,
                      const char   *sql,
                      GPtrArray    *params,
                      gboolean      with_body,
                      guint         max_rows,
                      GPtrArray    *rows,
                      GError      **error)
{
  g_autoptr(HwCachedStmt) stmt = hw_store_conn_prepare (conn, sql, error);

  if (stmt == NULL || !hw_store_bind (stmt, params, error))
    return FALSE;
  return collect_rows (conn, stmt, with_body, max_rows, rows, error);
}

GPtrArray *
hw_store_new_row_array (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) hw_event_row_free);
}

/* Search ------------------------------------------------------------------- */

/* The cursor is the sort key of the last row: keyset pagination stays fast
 * on the millionth page, where OFFSET would scan everything before it. */
static char *
make_cursor (const HwEventRow *row)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT, row->ts_ms, row->seq);
}

static gboolean
parse_cursor (const char  *cursor,
              gint64      *ts_ms,
              gint64      *seq,
              GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (cursor, ".", -1);

  if (g_strv_length (parts) != 2 ||
      !g_ascii_string_to_signed (parts[0], 10, G_MININT64, G_MAXINT64, ts_ms, NULL) ||
      !g_ascii_string_to_signed (parts[1], 10, 0, G_MAXINT64, seq, NULL))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_QUERY,
                   "cursor: “%s” is not a cursor returned by a previous page", cursor);
      return FALSE;
    }
  return TRUE;
}

static const char *
order_by (HwEventOrder order)
{
  return order == HW_EVENT_ORDER_OLDEST_FIRST
    ? " ORDER BY e.ts ASC, e.seq ASC"
    : " ORDER BY e.ts DESC, e.seq DESC";
}

/* The SQL of one page of matches, with its parameters appended to @params;
 * shared by the search and hw_event_store_explain_search(), so the plan a
 * test checks is the plan the search runs. */
static char *
search_sql (HwStoreConn   *conn,
            HwQuery       *query,
            gint64         from_ms,
            gint64         to_ms,
            HwEventOrder   order,
            guint          limit,
            const char    *cursor,
            GPtrArray     *params,
            GError       **error)
{
  /* Two phases: the inner query sorts only (ts, seq) of the matches, and
   * bodies are read for the page alone. Sorting whole rows would carry
   * every matching body through the sorter. */
  g_autoptr(GString) sql = g_string_new ("SELECT " HW_STORE_ROW_COLUMNS " FROM events e JOIN "
                                         "(SELECT e.seq AS page_seq FROM events e WHERE ");
  HwQuerySqlFlags flags = hw_store_plan_text (conn, query, FIRST_PAGE_FILTER_MIN);
  g_autofree char *where = hw_store_build_where_full (query, from_ms, to_ms, flags, params);

  g_string_append (sql, where);
  if (cursor != NULL)
    {
      gint64 ts_ms, seq;

      if (!parse_cursor (cursor, &ts_ms, &seq, error))
        return NULL;
      /* A row value, not "ts < ? OR (ts = ? AND seq < ?)": SQLite seeks
       * the time index by it, so page N costs what page 1 does
       * (test-search-plan pins the seek). */
      g_string_append (sql, order == HW_EVENT_ORDER_OLDEST_FIRST
                            ? " AND (e.ts, e.seq) > (?, ?)"
                            : " AND (e.ts, e.seq) < (?, ?)");
      hw_store_param_int (params, ts_ms);
      hw_store_param_int (params, seq);
    }
  g_string_append (sql, order_by (order));
  /* One row more than asked tells whether there is a next page. */
  g_string_append (sql, " LIMIT ?) AS page ON e.seq = page.page_seq");
  g_string_append (sql, order_by (order));
  hw_store_param_int (params, (gint64) limit + 1);
  return g_string_free (g_steal_pointer (&sql), FALSE);
}

static HwSearchPage *
search_on (HwStoreConn   *conn,
           HwQuery       *query,
           gint64         from_ms,
           gint64         to_ms,
           HwEventOrder   order,
           guint          limit,
           const char    *cursor,
           GError       **error)
{
  g_autoptr(GPtrArray) params = hw_store_params_new ();
  g_autofree char *sql = search_sql (conn, query, from_ms, to_ms, order, limit, cursor, params, error);
  g_autoptr(GPtrArray) rows = hw_store_new_row_array ();
  HwSearchPage *page;

  if (sql == NULL || !hw_store_select_rows (conn, sql, params, TRUE, limit + 1, rows, error))
    return NULL;

  page = g_new0 (HwSearchPage, 1);
  if (rows->len > limit)
    {
      g_ptr_array_set_size (rows, limit);
      page->next_cursor = make_cursor (g_ptr_array_index (rows, limit - 1));
    }
  page->rows = g_steal_pointer (&rows);
  return page;
}

/* SQLite's EXPLAIN QUERY PLAN of @sql: one "detail" per line, indented two
 * spaces per level of the plan tree. */
static char *
explain_on (HwStoreConn  *conn,
            const char   *sql,
            GPtrArray    *params,
            GError      **error)
{
  g_autofree char *explain = g_strconcat ("EXPLAIN QUERY PLAN ", sql, NULL);
  g_autoptr(HwCachedStmt) stmt = hw_store_conn_prepare (conn, explain, error);
  g_autoptr(GString) plan = g_string_new (NULL);
  g_autoptr(GHashTable) depths = g_hash_table_new (NULL, NULL);
  int rc;

  if (stmt == NULL || !hw_store_bind (stmt, params, error))
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      int id = sqlite3_column_int (stmt, 0);
      int parent = sqlite3_column_int (stmt, 1);
      guint depth = GPOINTER_TO_UINT (g_hash_table_lookup (depths, GINT_TO_POINTER (parent)));

      /* Depths are stored plus one, so that 0 means "a root". */
      g_hash_table_insert (depths, GINT_TO_POINTER (id), GUINT_TO_POINTER (depth + 1));
      for (guint i = 0; i < depth; i++)
        g_string_append (plan, "  ");
      g_string_append_printf (plan, "%s\n", (const char *) sqlite3_column_text (stmt, 3));
    }
  if (rc != SQLITE_DONE)
    {
      hw_store_set_sqlite_error (error, conn->db, rc, "explaining a search");
      return NULL;
    }
  return g_string_free (g_steal_pointer (&plan), FALSE);
}

HwSearchPage *
hw_event_store_search (HwEventStore   *self,
                       HwQuery        *query,
                       gint64          from_ms,
                       gint64          to_ms,
                       HwEventOrder    order,
                       guint           limit,
                       const char     *cursor,
                       GCancellable   *cancellable,
                       GError        **error)
{
  HwStoreConn *conn;
  HwSearchPage *page;

  g_return_val_if_fail (HW_IS_EVENT_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  conn = hw_store_acquire_reader (self, cancellable, error);
  if (conn == NULL)
    return NULL;
  page = search_on (conn, query, from_ms, to_ms, order,
                    limit > 0 ? limit : HW_STORE_DEFAULT_PAGE_SIZE, cursor, error);
  hw_store_release_reader (self, conn);
  return page;
}

char *
hw_event_store_explain_search (HwEventStore   *self,
                               HwQuery        *query,
                               gint64          from_ms,
                               gint64          to_ms,
                               HwEventOrder    order,
                               guint           limit,
                               const char     *cursor,
                               GError        **error)
{
  g_autoptr(GPtrArray) params = hw_store_params_new ();
  g_autofree char *sql = NULL;
  HwStoreConn *conn;
  char *plan = NULL;

  g_return_val_if_fail (HW_IS_EVENT_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  conn = hw_store_acquire_reader (self, NULL, error);
  if (conn == NULL)
    return NULL;
  sql = search_sql (conn, query, from_ms, to_ms, order, limit > 0 ? limit : HW_STORE_DEFAULT_PAGE_SIZE, cursor,
                    params, error);
  if (sql != NULL)
    plan = explain_on (conn, sql, params, error);
  hw_store_release_reader (self, conn);
  return plan;
}

static GArray *
search_seqs_on (HwStoreConn   *conn,
                HwQuery       *query,
                gint64         from_ms,
                gint64         to_ms,
                HwEventOrder   order,
                GError       **error)
{
  g_autoptr(GPtrArray) params = hw_store_params_new ();
  HwQuerySqlFlags flags = hw_store_plan_text (conn, query, hw_store_full_filter_min (conn));
  g_autofree char *where = hw_store_build_where_full (query, from_ms, to_ms, flags, params);
  g_autofree char *sql = g_strconcat ("SELECT e.seq FROM events e WHERE ", where,
                                      order_by (order), NULL);
  g_autoptr(HwCachedStmt) stmt = hw_store_conn_prepare (conn, sql, error);
  g_autoptr(GArray) seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  int rc;

  if (stmt == NULL || !hw_store_bind (stmt, params, error))
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 seq = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (seqs, seq);
    }
  if (rc != SQLITE_DONE)
    {
      hw_store_set_sqlite_error (error, conn->db, rc, "listing matches");
      return NULL;
    }
  return g_steal_pointer (&seqs);
}

GArray *
hw_event_store_search_seqs (HwEventStore   *self,
                            HwQuery        *query,
                            gint64          from_ms,
                            gint64          to_ms,
                            HwEventOrder    order,
                            GCancellable   *cancellable,
                            GError        **error)
{
  HwStoreConn *conn;
  GArray *seqs;

  g_return_val_if_fail (HW_IS_EVENT_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  conn = hw_store_acquire_reader (self, cancellable, error);
  if (conn == NULL)
    return NULL;
  seqs = search_seqs_on (conn, query, from_ms, to_ms, order, error);
  hw_store_release_reader (self, conn);
  return seqs;
}
