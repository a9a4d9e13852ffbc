/* hw-event-store-records.c: faults, metric points, sync cursors, and helpers for records
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-error.h"
#include "hw-event-store-private.h"

#define DEFAULT_FAULT_LIMIT 100

void
hw_fault_row_free (HwFaultRow *row)
{
  if (row == NULL)
    return;
  g_free (row->id);
  g_free (row->functionname);
  g_free (row->pipeline);
  g_free (row->err_name);
  g_free (row->err_message);
  g_free (row->err_stack);
  g_free (row);
}

void
hw_fault_group_free (HwFaultGroup *group)
{
  if (group == NULL)
    return;
  g_free (group->functionname);
  g_free (group->pipeline);
  g_free (group->err_message);
  g_free (group->sample_id);
  g_free (group);
}

void
hw_metric_point_clear (HwMetricPoint *point)
{
  g_clear_pointer (&point->name, g_free);
  g_clear_pointer (&point->labels, g_free);
}

/* Small helpers -------------------------------------------------------------- */

void
hw_store_param_string (GPtrArray  *params,
                       const char *value)
{
  g_ptr_array_add (params, g_variant_ref_sink (g_variant_new_string (value)));
}

void
hw_store_param_int (GPtrArray *params,
                    gint64     value)
{
  g_ptr_array_add (params, g_variant_ref_sink (g_variant_new_int64 (value)));
}

char *
hw_store_column_dup_text (sqlite3_stmt *stmt,
                          int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

/* Runs a read-only @sql on a pooled reader and turns each row into an item. */
GPtrArray *
hw_store_select_items (HwEventStore      *self,
                       const char        *sql,
                       GPtrArray         *params,
                       HwStoreRowReader   read_row,
                       GDestroyNotify     free_item,
                       GCancellable      *cancellable,
                       GError           **error)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (free_item);
  HwStoreConn *conn;
  HwCachedStmt *stmt;
  int rc = SQLITE_DONE;

  conn = hw_store_acquire_reader (self, cancellable, error);
  if (conn == NULL)
    return NULL;

  stmt = hw_store_conn_prepare (conn, sql, error);
  if (stmt == NULL || !hw_store_bind (stmt, params, error))
    {
      if (stmt != NULL)
        hw_cached_stmt_release (stmt);
      hw_store_release_reader (self, conn);
      return NULL;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (items, read_row (stmt));
  if (rc != SQLITE_DONE)
    hw_store_set_sqlite_error (error, conn->db, rc, "reading records");
  hw_cached_stmt_release (stmt);
  hw_store_release_reader (self, conn);

  return rc == SQLITE_DONE ? g_steal_pointer (&items) : NULL;
}

/* Runs one write statement per parameter set, all in one transaction. */
gboolean
hw_store_write_batch (HwEventStore  *self,
                      const char    *sql,
                      GPtrArray    **param_sets,
                      guint          n,
                      gint64        *total_changes,
                      GError       **error)
{
  HwStoreConn *conn = hw_store_lock_writer (self);
  HwCachedStmt *stmt = hw_store_conn_prepare (conn, sql, error);
  gboolean ok = stmt != NULL && hw_store_conn_exec (conn, "BEGIN IMMEDIATE", error);
  gint64 changes = 0;

  for (guint i = 0; ok && i < n; i++)
    {
      int rc;

      ok = hw_store_bind (stmt, param_sets[i], error);
      if (!ok)
        break;
      rc = sqlite3_step (stmt);
      hw_cached_stmt_release (stmt);
      if (rc != SQLITE_DONE)
        {
          hw_store_set_sqlite_error (error, conn->db, rc, "writing records");
          ok = FALSE;
        }
      changes += sqlite3_changes (conn->db);
    }

  if (stmt != NULL && ok)
    ok = hw_store_conn_exec (conn, "COMMIT", error);
  if (stmt != NULL && !ok)
    sqlite3_exec (conn->db, "ROLLBACK", NULL, NULL, NULL);
  hw_store_unlock_writer (self);

  if (ok && total_changes != NULL)
    *total_changes = changes;
  return ok;
}

gboolean
hw_store_write_one (HwEventStore  *self,
                    const char    *sql,
                    GPtrArray     *params,
                    gint64        *changes,
                    GError       **error)
{
  return hw_store_write_batch (self, sql, &params, 1, changes, error);
}

/* Faults --------------------------------------------------------------------- */

static HwFaultState
fault_state_from_text (const char *text)
{
  return g_strcmp0 (text, "resubmitted") == 0 ? HW_FAULT_STATE_RESUBMITTED : HW_FAULT_STATE_NEW;
}

/* WHERE clause over `faults f JOIN events e`. */
static char *
fault_where (const HwFaultFilter *filter,
             GPtrArray           *params)
{
  GString *sql;

  if (filter == NULL)
    return g_strdup ("1");

  sql = g_string_new (NULL);
  {
    g_autofree char *query_sql = hw_store_build_where (filter->query, HW_EVENT_STORE_UNBOUNDED,
                                                       HW_EVENT_STORE_UNBOUNDED, params);

    g_string_append (sql, query_sql);
  }
  if (filter->functionname != NULL)
    {
      g_string_append (sql, " AND f.functionname = ?");
      hw_store_param_string (params, filter->functionname);
    }
  if (filter->pipeline != NULL)
    {
      g_string_append (sql, " AND f.pipeline = ?");
      hw_store_param_string (params, filter->pipeline);
    }
  if (filter->err_name != NULL)
    {
      g_string_append (sql, " AND f.err_name = ?");
      hw_store_param_string (params, filter->err_name);
    }
  if (filter->err_message != NULL)
    {
      g_string_append (sql, " AND f.err_message = ?");
      hw_store_param_string (params, filter->err_message);
    }
  if (filter->state != HW_FAULT_STATE_ANY)
    {
      g_string_append (sql, " AND f.state = ?");
      hw_store_param_string (params, filter->state == HW_FAULT_STATE_RESUBMITTED ? "resubmitted" : "new");
    }
  if (filter->from_ms != 0)
    {
      g_string_append (sql, " AND f.ts >= ?");
      hw_store_param_int (params, filter->from_ms);
    }
  if (filter->to_ms != 0)
    {
      g_string_append (sql, " AND f.ts < ?");
      hw_store_param_int (params, filter->to_ms);
    }
  return g_string_free (sql, FALSE);
}

static gpointer
read_fault_row (sqlite3_stmt *stmt)
{
  HwFaultRow *row = g_new0 (HwFaultRow, 1);

  row->seq = sqlite3_column_int64 (stmt, 0);
  row->id = hw_store_column_dup_text (stmt, 1);
  row->ts_ms = sqlite3_column_int64 (stmt, 2);
  row->functionname = hw_store_column_dup_text (stmt, 3);
  row->pipeline = hw_store_column_dup_text (stmt, 4);
  row->err_name = hw_store_column_dup_text (stmt, 5);
  row->err_message = hw_store_column_dup_text (stmt, 6);
  row->err_stack = hw_store_column_dup_text (stmt, 7);
  row->state = fault_state_from_text ((const char *) sqlite3_column_text (stmt, 8));
  row->resubmitted_at_ms = sqlite3_column_int64 (stmt, 9);
  return row;
}

GPtrArray *
hw_event_store_list_faults (HwEventStore         *self,
                            const HwFaultFilter  *filter,
                            guint                 limit,
                            GCancellable         *cancellable,
                            GError              **error)
{
  g_autoptr(GPtrArray) params = hw_store_params_new ();
  g_autofree char *where = NULL;
  g_autofree char *sql = NULL;

  g_return_val_if_fail (HW_IS_EVENT_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  where = fault_where (filter, params);
  sql = g_strconcat ("SELECT f.seq, e.id, f.ts, f.functionname, f.pipeline, f.err_name, "
                     "f.err_message, f.err_stack, f.state, coalesce(f.resubmitted_at, 0) "
                     "FROM faults f JOIN events e ON e.seq = f.seq WHERE ", where,
                     " ORDER BY f.ts DESC, f.seq DESC LIMIT ?", NULL);
  hw_store_param_int (params, limit > 0 ? limit : DEFAULT_FAULT_LIMIT);
  hw_store_await_text_for (self, filter != NULL ? filter->query : NULL, cancellable);
  return hw_store_select_items (self, sql, params, read_fault_row, (GDestroyNotify) hw_fault_row_free,
                                cancellable, error);
}

static gpointer
read_fault_group (sqlite3_stmt *stmt)
{
  HwFaultGroup *group = g_new0 (HwFaultGroup, 1);

  group->functionname = hw_store_column_dup_text (stmt, 0);
  group->pipeline = hw_store_column_dup_text (stmt, 1);
  group->err_message = hw_store_column_dup_text (stmt, 2);
  group->count = sqlite3_column_int64 (stmt, 3);
  group->first_seen_ms = sqlite3_column_int64 (stmt, 4);
  group->last_seen_ms = sqlite3_column_int64 (stmt, 5);
  group->sample_id = hw_store_column_dup_text (stmt, 6);
  return group;
}

GPtrArray *
hw_event_store_fault_groups (HwEventStore         *self,
                             HwFaultGroupBy        by,
                             const HwFaultFilter  *filter,
                             GCancellable         *cancellable,
                             GError              **error)
{
  g_autoptr(GPtrArray) params = hw_store_params_new ();
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();
  g_autofree char *where = NULL;
  g_autofree char *group_by = NULL;
  g_autofree char *sql = NULL;

  g_return_val_if_fail (HW_IS_EVENT_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (by & HW_FAULT_GROUP_FUNCTIONNAME)
    g_ptr_array_add (keys, (gpointer) "f.functionname");
  if (by & HW_FAULT_GROUP_PIPELINE)
    g_ptr_array_add (keys, (gpointer) "f.pipeline");
  if (by & HW_FAULT_GROUP_ERR_MESSAGE)
    g_ptr_array_add (keys, (gpointer) "f.err_message");
  g_ptr_array_add (keys, NULL);
  if (keys->len > 1)
    {
      g_autofree char *list = g_strjoinv (", ", (char **) keys->pdata);

      group_by = g_strconcat (" GROUP BY ", list, NULL);
    }
  else
    {
      group_by = g_strdup ("");
    }

  where = fault_where (filter, params);
  /* The sample is the newest arrival of the group: max(seq) in an inner
   * query, joined back for its id. */
  sql = g_strdup_printf ("SELECT g.fn, g.pl, g.msg, g.n, g.first, g.last, s.id FROM ("
                         "SELECT %s AS fn, %s AS pl, %s AS msg, count(*) AS n, "
                         "min(f.ts) AS first, max(f.ts) AS last, max(f.seq) AS sample "
                         "FROM faults f JOIN events e ON e.seq = f.seq WHERE %s%s) g "
                         "JOIN events s ON s.seq = g.sample "
                         "ORDER BY g.n DESC, g.last DESC",
                         (by & HW_FAULT_GROUP_FUNCTIONNAME) ? "f.functionname" : "NULL",
                         (by & HW_FAULT_GROUP_PIPELINE) ? "f.pipeline" : "NULL",
                         (by & HW_FAULT_GROUP_ERR_MESSAGE) ? "f.err_message" : "NULL",
                         where, group_by);
  hw_store_await_text_for (self, filter != NULL ? filter->query : NULL, cancellable);
  return hw_store_select_items (self, sql, params, read_fault_group,
                                (GDestroyNotify) hw_fault_group_free, cancellable, error);
}

gboolean
hw_event_store_mark_resubmitted (HwEventStore        *self,
                                 const char * const  *ids,
                                 gint64               at_ms,
                                 guint               *n_marked,
                                 GError             **error)
{
  g_autoptr(GPtrArray) sets = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  gint64 changes = 0;

  g_return_val_if_fail (HW_IS_EVENT_STORE (self), FALSE);
  g_return_val_if_fail (ids != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (guint i = 0; ids[i] != NULL; i++)
    {
      GPtrArray *params = hw_store_params_new ();

      hw_store_param_int (params, at_ms);
      hw_store_param_string (params, ids[i]);
      g_ptr_array_add (sets, params);
    }

  if (!hw_store_write_batch (self,
                             "UPDATE faults SET state = 'resubmitted', resubmitted_at = ? "
                             "WHERE seq = (SELECT seq FROM events WHERE id = ?)",
                             (GPtrArray **) sets->pdata, sets->len, &changes, error))
    return FALSE;
  if (n_marked != NULL)
    *n_marked = changes;
  return TRUE;
}

/* Metric points -------------------------------------------------------------- */

static gboolean
write_metric_points (HwEventStore         *self,
                     const char           *sql,
                     const HwMetricPoint  *points,
                     guint                 n,
                     GError              **error)
{
  g_autoptr(GPtrArray) sets = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);

  g_return_val_if_fail (HW_IS_EVENT_STORE (self), FALSE);
  g_return_val_if_fail (points != NULL || n == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (guint i = 0; i < n; i++)
    {
      GPtrArray *params = hw_store_params_new ();

      g_return_val_if_fail (points[i].name != NULL, FALSE);
      hw_store_param_string (params, points[i].name);
      hw_store_param_string (params, points[i].labels != NULL ? points[i].labels : "{}");
      hw_store_param_int (params, points[i].resolution_s);
      hw_store_param_int (params, points[i].ts_ms);
      g_ptr_array_add (params, g_variant_ref_sink (g_variant_new_double (points[i].sum)));
      g_ptr_array_add (params, g_variant_ref_sink (g_variant_new_double (points[i].min)));
      g_ptr_array_add (params, g_variant_ref_sink (g_variant_new_double (points[i].max)));
      hw_store_param_int (params, points[i].count);
      g_ptr_array_add (sets, params);
    }

  return n == 0 || hw_store_write_batch (self, sql, (GPtrArray **) sets->pdata, sets->len, NULL, error);
}

gboolean
hw_event_store_insert_metric_points (HwEventStore         *self,
                                     const HwMetricPoint  *points,
                                     guint                 n,
                                     GError              **error)
{
  return write_metric_points (self,
                              "INSERT OR REPLACE INTO metric_points (name, labels, resolution_s, ts, "
                              "sum, min, max, count) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                              points, n, error);
}

gboolean
hw_event_store_add_metric_points (HwEventStore         *self,
                                  const HwMetricPoint  *points,
                                  guint                 n,
                                  GError              **error)
{
  return write_metric_points (self,
                              "INSERT INTO metric_points (name, labels, resolution_s, ts, "
                              "sum, min, max, count) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                              "ON CONFLICT (name, resolution_s, labels, ts) DO UPDATE SET "
                              "sum = sum + excluded.sum, min = MIN (min, excluded.min), "
                              "max = MAX (max, excluded.max), count = count + excluded.count",
                              points, n, error);
}

static gboolean
collect_points (HwStoreConn   *conn,
                const char    *sql,
                GPtrArray     *params,
                GArray        *points,
                GError       **error)
{
  g_autoptr(HwCachedStmt) stmt = hw_store_conn_prepare (conn, sql, error);
  int rc;

  if (stmt == NULL || !hw_store_bind (stmt, params, error))
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      HwMetricPoint point = {
        .name = hw_store_column_dup_text (stmt, 0),
        .labels = hw_store_column_dup_text (stmt, 1),
        .resolution_s = sqlite3_column_int (stmt, 2),
        .ts_ms = sqlite3_column_int64 (stmt, 3),
        .sum = sqlite3_column_double (stmt, 4),
        .min = sqlite3_column_double (stmt, 5),
        .max = sqlite3_column_double (stmt, 6),
        .count = sqlite3_column_int64 (stmt, 7),
      };

      g_array_append_val (points, point);
    }
  if (rc == SQLITE_DONE)
    return TRUE;
  hw_store_set_sqlite_error (error, conn->db, rc, "reading metric points");
  return FALSE;
}

GArray *
hw_event_store_query_metric_points (HwEventStore   *self,
                                    const char     *name,
                                    const char     *labels,
                                    guint           resolution_s,
                                    gint64          from_ms,
                                    gint64          to_ms,
                                    GCancellable   *cancellable,
                                    GError        **error)
{
  g_autoptr(GPtrArray) params = hw_store_params_new ();
  g_autoptr(GString) sql = g_string_new ("SELECT name, labels, resolution_s, ts, sum, min, max, "
                                         "count FROM metric_points "
                                         "WHERE name = ? AND resolution_s = ?");
  g_autoptr(GArray) points = g_array_new (FALSE, TRUE, sizeof (HwMetricPoint));
  HwStoreConn *conn;
  gboolean ok;

  g_return_val_if_fail (HW_IS_EVENT_STORE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_array_set_clear_func (points, (GDestroyNotify) hw_metric_point_clear);
  hw_store_param_string (params, name);
  hw_store_param_int (params, resolution_s);
  if (labels != NULL)
    {
      g_string_append (sql, " AND labels = ?");
      hw_store_param_string (params, labels);
    }
  if (from_ms != HW_EVENT_STORE_UNBOUNDED)
    {
      g_string_append (sql, " AND ts >= ?");
      hw_store_param_int (params, from_ms);
    }
  if (to_ms != HW_EVENT_STORE_UNBOUNDED && to_ms != G_MAXINT64)
    {
      g_string_append (sql, " AND ts < ?");
      hw_store_param_int (params, to_ms);
    }
  g_string_append (sql, " ORDER BY labels, ts");

  conn = hw_store_acquire_reader (self, cancellable, error);
  if (conn == NULL)
    return NULL;
  ok = collect_points (conn, sql->str, params, points, error);
  hw_store_release_reader (self, conn);
  return ok ? g_steal_pointer (&points) : NULL;
}

gboolean
hw_event_store_prune_metric_points (HwEventStore  *self,
                                    guint          resolution_s,
                                    gint64         before_ms,
                                    GError       **error)
{
  g_autoptr(GPtrArray) params = hw_store_params_new ();

  g_return_val_if_fail (HW_IS_EVENT_STORE (self), FALSE);

  hw_store_param_int (params, resolution_s);
  hw_store_param_int (params, before_ms);
  return hw_store_write_one (self, "DELETE FROM metric_points WHERE resolution_s = ? AND ts < ?",
                             params, NULL, error)
         && hw_store_write_one (self, "DELETE FROM metric_copies WHERE resolution_s = ? AND ts < ?",
                                params, NULL, error);
}

/* Sync cursors --------------------------------------------------------------- */

typedef struct
{
  char   *value;
  gint64  updated_at;
} CursorRow;

static void
cursor_row_free (CursorRow *row)
{
  g_free (row->value);
  g_free (row);
}

static gpointer
read_cursor (sqlite3_stmt *stmt)
{
  CursorRow *row = g_new0 (CursorRow, 1);

  row->value = hw_store_column_dup_text (stmt, 0);
  row->updated_at = sqlite3_column_int64 (stmt, 1);
  return row;
}

char *
hw_event_store_get_cursor (HwEventStore  *self,
                           const char    *name,
                           gint64        *updated_at_ms,
                           GError       **error)
{
  g_autoptr(GPtrArray) params = hw_store_params_new ();
  g_autoptr(GPtrArray) rows = NULL;
  CursorRow *row;

  g_return_val_if_fail (HW_IS_EVENT_STORE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  hw_store_param_string (params, name);
  rows = hw_store_select_items (self, "SELECT value, updated_at FROM sync_cursors WHERE name = ?",
                                params, read_cursor, (GDestroyNotify) cursor_row_free, NULL, error);
  if (rows == NULL || rows->len == 0)
    return NULL;
  row = g_ptr_array_index (rows, 0);
  if (updated_at_ms != NULL)
    *updated_at_ms = row->updated_at;
  return g_steal_pointer (&row->value);
}

gboolean
hw_event_store_set_cursor (HwEventStore  *self,
                           const char    *name,
                           const char    *value,
                           GError       **error)
{
  g_autoptr(GPtrArray) params = hw_store_params_new ();

  g_return_val_if_fail (HW_IS_EVENT_STORE (self), FALSE);
  g_return_val_if_fail (name != NULL && value != NULL, FALSE);

  hw_store_param_string (params, name);
  hw_store_param_string (params, value);
  hw_store_param_int (params, g_get_real_time () / 1000);
  return hw_store_write_one (self,
                             "INSERT OR REPLACE INTO sync_cursors (name, value, updated_at) VALUES (?, ?, ?)",
                             params, NULL, error);
}
