/* hw-event-store-query.c: reading events back: pages, seqs, single events, sync
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-error.h"
#include "hw-event-store-private.h"
#include "hw-query-private.h"

#define DEFAULT_PAGE_SIZE 100
/* Below this many matches of a free-text term, reading the matching rows
 * for their time beats walking the time index to fill a first page: the
 * walk covers about (rows / matches) * page entries before it has a page. */
#define FIRST_PAGE_FILTER_MIN 1000
#define SUMMARY_COLUMNS \
  "e.seq, e.ts, e.received_ms, e.id, e.type, e.partition_key, e.source, " \
  "e.functionname, e.pipeline, e.is_fault, e.size"

/* Shared helpers ----------------------------------------------------------- */

GPtrArray *
hw_store_params_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
}

static void
add_int_param (GPtrArray *params,
               gint64     value)
{
  g_ptr_array_add (params, g_variant_ref_sink (g_variant_new_int64 (value)));
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
      add_int_param (params, from_ms);
    }
  if (to_ms != HW_EVENT_STORE_UNBOUNDED && to_ms != G_MAXINT64)
    {
      g_string_append (sql, " AND e.ts < ?");
      add_int_param (params, to_ms);
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

/* Everything but the body, pointing into @stmt's current row. */
static void
borrow_columns (sqlite3_stmt *stmt,
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

  borrow_columns (stmt, &columns);
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

/* Prepares @sql on @conn, binds @params and collects rows. */
static gboolean
select_rows (HwStoreConn  *conn,
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

static GPtrArray *
new_row_array (void)
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
      add_int_param (params, ts_ms);
      add_int_param (params, seq);
    }
  g_string_append (sql, order_by (order));
  /* One row more than asked tells whether there is a next page. */
  g_string_append (sql, " LIMIT ?) AS page ON e.seq = page.page_seq");
  g_string_append (sql, order_by (order));
  add_int_param (params, (gint64) limit + 1);
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
  g_autoptr(GPtrArray) rows = new_row_array ();
  HwSearchPage *page;

  if (sql == NULL || !select_rows (conn, sql, params, TRUE, limit + 1, rows, error))
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
                    limit > 0 ? limit : DEFAULT_PAGE_SIZE, cursor, error);
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
  sql = search_sql (conn, query, from_ms, to_ms, order, limit > 0 ? limit : DEFAULT_PAGE_SIZE, cursor,
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

/* Rows by seq ------------------------------------------------------------------ */

static GPtrArray *
summaries_on (HwStoreConn   *conn,
              const gint64  *seqs,
              guint          n,
              GError       **error)
{
  g_autoptr(HwCachedStmt) stmt = NULL;
  g_autoptr(GPtrArray) rows = new_row_array ();

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
  g_autoptr(GPtrArray) rows = new_row_array ();
  g_autofree char *sql = g_strconcat ("SELECT " HW_STORE_ROW_COLUMNS " FROM events e WHERE ",
                                      key_sql, NULL);
  HwStoreConn *conn;
  gboolean ok;

  g_ptr_array_add (params, g_variant_ref_sink (param));
  conn = hw_store_acquire_reader (self, NULL, error);
  if (conn == NULL)
    return NULL;
  ok = select_rows (conn, sql, params, TRUE, 1, rows, error);
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
  borrow_columns (stmt, row);
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
    limit = DEFAULT_PAGE_SIZE;
  add_int_param (params, after_seq);
  add_int_param (params, limit);

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
  g_autoptr(GPtrArray) rows = new_row_array ();

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
