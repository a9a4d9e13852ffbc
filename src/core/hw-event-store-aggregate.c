/* hw-event-store-aggregate.c: counts, histograms, top values and the calendar tree
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-error.h"
#include "hw-event-store-private.h"
#include "hw-query.h"

#define SECOND_MS ((gint64) 1000)
#define MINUTE_MS (60 * SECOND_MS)
#define HOUR_MS (60 * MINUTE_MS)
#define DAY_MS (24 * HOUR_MS)
#define WEEK_MS (7 * DAY_MS)
/* 1970-01-01 was a Thursday; weeks start on Monday, 4 days later. */
#define WEEK_OFFSET_MS (4 * DAY_MS)

#define DEFAULT_BUCKETS 60
#define DEFAULT_TOP_VALUES 10

void
hw_histogram_free (HwHistogram *histogram)
{
  if (histogram == NULL)
    return;
  g_clear_pointer (&histogram->buckets, g_array_unref);
  g_free (histogram);
}

void
hw_top_value_free (HwTopValue *value)
{
  if (value == NULL)
    return;
  g_free (value->value);
  g_free (value);
}

void
hw_tree_node_free (HwTreeNode *node)
{
  if (node == NULL)
    return;
  g_free (node->key);
  g_free (node);
}

/* Every read here visits all matches: free text filters a walk of an index
 * unless a rare term makes reading its rows cheaper. */
static HwQuerySqlFlags
plan_text (HwStoreConn *conn,
           HwQuery     *query)
{
  return hw_store_plan_text (conn, query, hw_store_full_filter_min (conn));
}

/* Count -------------------------------------------------------------------- */

gint64
hw_event_store_count (HwEventStore   *self,
                      HwQuery        *query,
                      gint64          from_ms,
                      gint64          to_ms,
                      GCancellable   *cancellable,
                      GError        **error)
{
  g_autoptr(GPtrArray) params = hw_store_params_new ();
  g_autofree char *where = NULL;
  g_autofree char *sql = NULL;
  HwStoreConn *conn;
  gint64 count;

  g_return_val_if_fail (HW_IS_EVENT_STORE (self), -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  conn = hw_store_acquire_reader (self, cancellable, error);
  if (conn == NULL)
    return -1;
  where = hw_store_build_where_full (query, from_ms, to_ms, plan_text (conn, query), params);
  sql = g_strconcat ("SELECT count(*) FROM events e WHERE ", where, NULL);
  count = hw_store_select_int (conn, sql, params, error);
  hw_store_release_reader (self, conn);
  return count;
}

/* Histogram ---------------------------------------------------------------- */

static const gint64 round_sizes[] = {
  SECOND_MS, 5 * SECOND_MS, 10 * SECOND_MS, 30 * SECOND_MS,
  MINUTE_MS, 5 * MINUTE_MS, 10 * MINUTE_MS, 30 * MINUTE_MS,
  HOUR_MS, 3 * HOUR_MS, 6 * HOUR_MS, 12 * HOUR_MS,
  DAY_MS, WEEK_MS,
};

gint64
hw_event_store_pick_bucket_ms (gint64 span_ms,
                               guint  target_buckets)
{
  gint64 weeks;

  if (target_buckets == 0)
    target_buckets = DEFAULT_BUCKETS;
  if (span_ms <= 0)
    return round_sizes[0];

  for (guint i = 0; i < G_N_ELEMENTS (round_sizes); i++)
    if ((span_ms + round_sizes[i] - 1) / round_sizes[i] <= target_buckets)
      return round_sizes[i];

  weeks = (span_ms + (gint64) target_buckets * WEEK_MS - 1) / ((gint64) target_buckets * WEEK_MS);
  return weeks * WEEK_MS;
}

/* Buckets are aligned in UTC: to the minute, hour, day, and weeks to
 * Mondays, so that the same bucket means the same interval in every view. */
static gint64
align_down (gint64 ts_ms,
            gint64 bucket_ms)
{
  gint64 offset = bucket_ms % WEEK_MS == 0 ? WEEK_OFFSET_MS : 0;
  gint64 shifted = ts_ms - offset;
  gint64 q = shifted / bucket_ms;

  if (shifted % bucket_ms < 0)
    q--;
  return q * bucket_ms + offset;
}

static gboolean
is_bounded (gint64 ms)
{
  return ms != HW_EVENT_STORE_UNBOUNDED && ms != G_MAXINT64;
}

/* Narrows [from, to) by the query's own from:/to: terms, so that the bucket
 * size fits the range the user actually sees. */
static void
narrow_by_query (HwQuery *query,
                 gint64  *from_ms,
                 gint64  *to_ms)
{
  gint64 q_from, q_to;

  if (query == NULL || !hw_query_get_time_bounds (query, &q_from, &q_to))
    return;
  if (q_from != G_MININT64 && (!is_bounded (*from_ms) || q_from > *from_ms))
    *from_ms = q_from;
  if (q_to != G_MAXINT64 && (!is_bounded (*to_ms) || q_to < *to_ms))
    *to_ms = q_to;
}

/* Fills in the unbounded sides from the matches; FALSE with no error when
 * nothing matches. */
static gboolean
resolve_range (HwStoreConn   *conn,
               HwQuery       *query,
               gint64        *from_ms,
               gint64        *to_ms,
               GError       **error)
{
  g_autoptr(GPtrArray) params = hw_store_params_new ();
  g_autofree char *where = hw_store_build_where_full (query, *from_ms, *to_ms, plan_text (conn, query),
                                                      params);
  g_autofree char *sql = g_strconcat ("SELECT min(e.ts), max(e.ts) FROM events e WHERE ",
                                      where, NULL);
  g_autoptr(HwCachedStmt) stmt = hw_store_conn_prepare (conn, sql, error);
  int rc;

  if (stmt == NULL || !hw_store_bind (stmt, params, error))
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      hw_store_set_sqlite_error (error, conn->db, rc, "finding the time range");
      return FALSE;
    }
  if (sqlite3_column_type (stmt, 0) == SQLITE_NULL)
    return FALSE;
  if (!is_bounded (*from_ms))
    *from_ms = sqlite3_column_int64 (stmt, 0);
  if (!is_bounded (*to_ms))
    *to_ms = sqlite3_column_int64 (stmt, 1) + 1;
  return TRUE;
}

static HwHistogram *
empty_histogram (gint64 from_ms,
                 gint64 to_ms)
{
  HwHistogram *histogram = g_new0 (HwHistogram, 1);

  histogram->bucket_ms = round_sizes[0];
  histogram->from_ms = is_bounded (from_ms) ? from_ms : 0;
  histogram->to_ms = is_bounded (to_ms) ? to_ms : histogram->from_ms;
  histogram->buckets = g_array_new (FALSE, TRUE, sizeof (HwHistogramBucket));
  return histogram;
}

/* Counts matches in [@from_ms, @to_ms) into the aligned buckets. */
static gboolean
fill_buckets (HwStoreConn   *conn,
              HwQuery       *query,
              HwHistogram   *histogram,
              gint64         from_ms,
              gint64         to_ms,
              GError       **error)
{
  g_autoptr(GPtrArray) params = hw_store_params_new ();
  g_autofree char *where = NULL;
  g_autofree char *sql = NULL;
  g_autoptr(HwCachedStmt) stmt = NULL;
  guint n = histogram->buckets->len;
  int rc;

  /* The SELECT list's placeholders come before the WHERE clause's. */
  g_ptr_array_add (params, g_variant_ref_sink (g_variant_new_int64 (histogram->from_ms)));
  g_ptr_array_add (params, g_variant_ref_sink (g_variant_new_int64 (histogram->bucket_ms)));
  where = hw_store_build_where_full (query, from_ms, to_ms, plan_text (conn, query), params);
  sql = g_strconcat ("SELECT (e.ts - ?) / ? AS b, count(*) FROM events e WHERE ", where,
                     " GROUP BY b", NULL);

  stmt = hw_store_conn_prepare (conn, sql, error);
  if (stmt == NULL || !hw_store_bind (stmt, params, error))
    return FALSE;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 b = sqlite3_column_int64 (stmt, 0);
      gint64 count = sqlite3_column_int64 (stmt, 1);

      if (b < 0 || b >= n)
        continue;
      g_array_index (histogram->buckets, HwHistogramBucket, b).count += count;
      histogram->total += count;
    }
  if (rc == SQLITE_DONE)
    return TRUE;
  hw_store_set_sqlite_error (error, conn->db, rc, "computing the histogram");
  return FALSE;
}

static HwHistogram *
histogram_on (HwStoreConn   *conn,
              HwQuery       *query,
              gint64         from_ms,
              gint64         to_ms,
              guint          target_buckets,
              GError       **error)
{
  g_autoptr(HwHistogram) histogram = NULL;
  g_autoptr(GError) local_error = NULL;
  gint64 n;

  narrow_by_query (query, &from_ms, &to_ms);
  if ((!is_bounded (from_ms) || !is_bounded (to_ms)) &&
      !resolve_range (conn, query, &from_ms, &to_ms, &local_error))
    {
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      return empty_histogram (from_ms, to_ms);
    }
  if (to_ms <= from_ms)
    return empty_histogram (from_ms, from_ms);

  histogram = g_new0 (HwHistogram, 1);
  histogram->bucket_ms = hw_event_store_pick_bucket_ms (to_ms - from_ms, target_buckets);
  histogram->from_ms = align_down (from_ms, histogram->bucket_ms);
  histogram->to_ms = align_down (to_ms - 1, histogram->bucket_ms) + histogram->bucket_ms;
  n = (histogram->to_ms - histogram->from_ms) / histogram->bucket_ms;

  histogram->buckets = g_array_sized_new (FALSE, TRUE, sizeof (HwHistogramBucket), n);
  g_array_set_size (histogram->buckets, n);
  for (gint64 i = 0; i < n; i++)
    g_array_index (histogram->buckets, HwHistogramBucket, i).start_ms =
      histogram->from_ms + i * histogram->bucket_ms;

  /* The aligned buckets may stick out of the asked range; count only inside it. */
  if (!fill_buckets (conn, query, histogram, from_ms, to_ms, error))
    return NULL;
  return g_steal_pointer (&histogram);
}

HwHistogram *
hw_event_store_histogram (HwEventStore   *self,
                          HwQuery        *query,
                          gint64          from_ms,
                          gint64          to_ms,
                          guint          target_buckets,
                          GCancellable   *cancellable,
                          GError        **error)
{
  HwStoreConn *conn;
  HwHistogram *histogram;

  g_return_val_if_fail (HW_IS_EVENT_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  conn = hw_store_acquire_reader (self, cancellable, error);
  if (conn == NULL)
    return NULL;
  histogram = histogram_on (conn, query, from_ms, to_ms, target_buckets, error);
  hw_store_release_reader (self, conn);
  return histogram;
}

/* Top values --------------------------------------------------------------- */

static const struct
{
  const char *name;
  const char *column;
} field_columns[] = {
  { "type", "e.type" },
  { "source", "e.source" },
  { "functionname", "e.functionname" },
  { "pipeline", "e.pipeline" },
  { "partition_key", "e.partition_key" },
  { "partitionKey", "e.partition_key" },
  { "account", "e.account" },
  { "region", "e.region" },
  { "stage", "e.stage" },
};

/* The SQL expression for @field; tags other than the common ones are read
 * from the tags JSON through a bound path, never spliced into the SQL. */
static char *
field_expression (const char  *field,
                  GPtrArray   *params,
                  GError     **error)
{
  const char *name = g_str_has_prefix (field, "tags.") ? field + strlen ("tags.") : field;

  for (guint i = 0; i < G_N_ELEMENTS (field_columns); i++)
    if (g_ascii_strcasecmp (name, field_columns[i].name) == 0 &&
        (name == field || g_strcmp0 (field_columns[i].name, "type") != 0))
      return g_strdup (field_columns[i].column);

  if (name != field && *name != '\0' && strchr (name, '"') == NULL)
    {
      g_ptr_array_add (params, g_variant_ref_sink (
        g_variant_new_take_string (g_strdup_printf ("$.\"%s\"", name))));
      return g_strdup ("json_extract(e.tags, ?)");
    }

  g_set_error (error, HW_ERROR, HW_ERROR_INVALID_QUERY,
               "top values: unknown field “%s” (expected type, source, functionname, "
               "pipeline, partitionKey, account, region, stage or tags.<name>)", field);
  return NULL;
}

static GPtrArray *
top_values_on (HwStoreConn   *conn,
               const char    *field,
               HwQuery       *query,
               gint64         from_ms,
               gint64         to_ms,
               guint          limit,
               GError       **error)
{
  g_autoptr(GPtrArray) params = hw_store_params_new ();
  g_autofree char *expr = field_expression (field, params, error);
  g_autofree char *where = NULL;
  g_autofree char *sql = NULL;
  g_autoptr(HwCachedStmt) stmt = NULL;
  g_autoptr(GPtrArray) values = NULL;
  int rc;

  if (expr == NULL)
    return NULL;
  where = hw_store_build_where_full (query, from_ms, to_ms, plan_text (conn, query), params);
  sql = g_strconcat ("SELECT v, count(*) AS n FROM (SELECT ", expr, " AS v FROM events e WHERE ",
                     where, ") WHERE v IS NOT NULL GROUP BY v ORDER BY n DESC, v LIMIT ?", NULL);
  g_ptr_array_add (params, g_variant_ref_sink (g_variant_new_int64 (limit)));

  stmt = hw_store_conn_prepare (conn, sql, error);
  if (stmt == NULL || !hw_store_bind (stmt, params, error))
    return NULL;

  values = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_top_value_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      HwTopValue *value = g_new0 (HwTopValue, 1);

      value->value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      value->count = sqlite3_column_int64 (stmt, 1);
      g_ptr_array_add (values, value);
    }
  if (rc == SQLITE_DONE)
    return g_steal_pointer (&values);
  hw_store_set_sqlite_error (error, conn->db, rc, "computing top values");
  return NULL;
}

GPtrArray *
hw_event_store_top_values (HwEventStore   *self,
                           const char     *field,
                           HwQuery        *query,
                           gint64          from_ms,
                           gint64          to_ms,
                           guint           limit,
                           GCancellable   *cancellable,
                           GError        **error)
{
  HwStoreConn *conn;
  GPtrArray *values;

  g_return_val_if_fail (HW_IS_EVENT_STORE (self), NULL);
  g_return_val_if_fail (field != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  conn = hw_store_acquire_reader (self, cancellable, error);
  if (conn == NULL)
    return NULL;
  values = top_values_on (conn, field, query, from_ms, to_ms,
                          limit > 0 ? limit : DEFAULT_TOP_VALUES, error);
  hw_store_release_reader (self, conn);
  return values;
}

/* Calendar tree -------------------------------------------------------------- */

typedef struct
{
  guint   level;      /* depth of the children: 0 years, 1 months, 2 days, 3 hours */
  gint64  start_ms;
  gint64  end_ms;
} TreeParent;

static gboolean
parse_number (const char *text,
              guint       digits,
              guint       min,
              guint       max,
              guint      *out)
{
  guint64 value;

  if (strlen (text) != digits ||
      !g_ascii_string_to_unsigned (text, 10, min, max, &value, NULL))
    return FALSE;
  *out = value;
  return TRUE;
}

static gboolean
parse_tree_parent (const char  *parent,
                   TreeParent  *out,
                   GError     **error)
{
  g_auto(GStrv) parts = NULL;
  guint ymd[3] = { 1970, 1, 1 };
  static const guint digits[] = { 4, 2, 2 };
  static const guint max[] = { 9999, 12, 31 };
  g_autoptr(GDateTime) start = NULL;
  g_autoptr(GDateTime) end = NULL;
  guint n;

  *out = (TreeParent) { 0, HW_EVENT_STORE_UNBOUNDED, HW_EVENT_STORE_UNBOUNDED };
  if (parent == NULL || *parent == '\0')
    return TRUE;

  parts = g_strsplit (parent, "/", -1);
  n = g_strv_length (parts);
  for (guint i = 0; i < n && n <= 3; i++)
    if (!parse_number (parts[i], digits[i], i == 0 ? 1970 : 1, max[i], &ymd[i]))
      n = 4;
  if (n > 3 || !g_date_valid_dmy (ymd[2], ymd[1], ymd[0]))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_QUERY,
                   "tree parent “%s”: expected YYYY, YYYY/MM or YYYY/MM/DD", parent);
      return FALSE;
    }

  start = g_date_time_new_utc (ymd[0], ymd[1], ymd[2], 0, 0, 0);
  end = n == 1 ? g_date_time_add_years (start, 1)
      : n == 2 ? g_date_time_add_months (start, 1)
      : g_date_time_add_days (start, 1);
  out->level = n;
  out->start_ms = g_date_time_to_unix (start) * SECOND_MS;
  out->end_ms = g_date_time_to_unix (end) * SECOND_MS;
  return TRUE;
}

/* A child node for the bucket starting at @ms at depth @level. */
static HwTreeNode *
tree_node_new (gint64 ms,
               guint  level)
{
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc (ms / SECOND_MS);
  g_autoptr(GDateTime) start = NULL;
  g_autoptr(GDateTime) end = NULL;
  HwTreeNode *node = g_new0 (HwTreeNode, 1);
  int y = g_date_time_get_year (t);
  int m = g_date_time_get_month (t);
  int d = g_date_time_get_day_of_month (t);
  int h = g_date_time_get_hour (t);

  switch (level)
    {
    case 0:
      node->key = g_strdup_printf ("%04d", y);
      start = g_date_time_new_utc (y, 1, 1, 0, 0, 0);
      end = g_date_time_add_years (start, 1);
      break;
    case 1:
      node->key = g_strdup_printf ("%04d/%02d", y, m);
      start = g_date_time_new_utc (y, m, 1, 0, 0, 0);
      end = g_date_time_add_months (start, 1);
      break;
    case 2:
      node->key = g_strdup_printf ("%04d/%02d/%02d", y, m, d);
      start = g_date_time_new_utc (y, m, d, 0, 0, 0);
      end = g_date_time_add_days (start, 1);
      break;
    default:
      node->key = g_strdup_printf ("%04d/%02d/%02d/%02d", y, m, d, h);
      start = g_date_time_new_utc (y, m, d, h, 0, 0);
      end = g_date_time_add_hours (start, 1);
      break;
    }
  node->start_ms = g_date_time_to_unix (start) * SECOND_MS;
  node->end_ms = g_date_time_to_unix (end) * SECOND_MS;
  return node;
}

static GPtrArray *
tree_on (HwStoreConn   *conn,
         const char    *parent_key,
         HwQuery       *query,
         gint64         from_ms,
         gint64         to_ms,
         GError       **error)
{
  g_autoptr(GPtrArray) params = hw_store_params_new ();
  g_autoptr(GPtrArray) nodes = NULL;
  g_autoptr(HwCachedStmt) stmt = NULL;
  g_autofree char *where = NULL;
  g_autofree char *sql = NULL;
  TreeParent parent;
  gint64 unit;
  int rc;

  if (!parse_tree_parent (parent_key, &parent, error))
    return NULL;
  if (parent.start_ms != HW_EVENT_STORE_UNBOUNDED &&
      (!is_bounded (from_ms) || from_ms < parent.start_ms))
    from_ms = parent.start_ms;
  if (parent.end_ms != HW_EVENT_STORE_UNBOUNDED &&
      (!is_bounded (to_ms) || to_ms > parent.end_ms))
    to_ms = parent.end_ms;

  /* Group by hour or day in SQL, which is integer arithmetic on the ts
   * index; months and years are calendar math, folded here from days. */
  unit = parent.level == 3 ? HOUR_MS : DAY_MS;
  g_ptr_array_add (params, g_variant_ref_sink (g_variant_new_int64 (unit)));
  where = hw_store_build_where_full (query, from_ms, to_ms, plan_text (conn, query), params);
  sql = g_strconcat ("SELECT e.ts / ? AS b, count(*) FROM events e WHERE ", where,
                     " AND e.ts >= 0 GROUP BY b ORDER BY b", NULL);

  stmt = hw_store_conn_prepare (conn, sql, error);
  if (stmt == NULL || !hw_store_bind (stmt, params, error))
    return NULL;

  nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_tree_node_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 ms = sqlite3_column_int64 (stmt, 0) * unit;
      gint64 count = sqlite3_column_int64 (stmt, 1);
      HwTreeNode *last = nodes->len > 0 ? g_ptr_array_index (nodes, nodes->len - 1) : NULL;

      if (last == NULL || ms >= last->end_ms)
        {
          last = tree_node_new (ms, parent.level);
          g_ptr_array_add (nodes, last);
        }
      last->count += count;
    }
  if (rc == SQLITE_DONE)
    return g_steal_pointer (&nodes);
  hw_store_set_sqlite_error (error, conn->db, rc, "counting the calendar tree");
  return NULL;
}

GPtrArray *
hw_event_store_tree (HwEventStore   *self,
                     const char     *parent,
                     HwQuery        *query,
                     gint64          from_ms,
                     gint64          to_ms,
                     GCancellable   *cancellable,
                     GError        **error)
{
  HwStoreConn *conn;
  GPtrArray *nodes;

  g_return_val_if_fail (HW_IS_EVENT_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  conn = hw_store_acquire_reader (self, cancellable, error);
  if (conn == NULL)
    return NULL;
  nodes = tree_on (conn, parent, query, from_ms, to_ms, error);
  hw_store_release_reader (self, conn);
  return nodes;
}
