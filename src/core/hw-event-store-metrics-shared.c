/* hw-event-store-metrics-shared.c: this replica's metric points to publish, and the other replicas' copies
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The tables are made by schema step 7 → 8 (hw-event-store-schema.c),
 * which says why the outbox is filled by triggers.
 */
#include "config.h"

#include "hw-event-store-private.h"

/* The schema's triggers name it too: set, the store shares its metrics. */
#define REPLICA_CURSOR "metrics-replica"

void
hw_metric_copy_clear (HwMetricCopy *copy)
{
  g_clear_pointer (&copy->replica, g_free);
  hw_metric_point_clear (&copy->point);
}

void
hw_metric_outbox_entry_clear (HwMetricOutboxEntry *entry)
{
  hw_metric_point_clear (&entry->point);
}

static void
param_double (GPtrArray *params,
              double     value)
{
  g_ptr_array_add (params, g_variant_ref_sink (g_variant_new_double (value)));
}

/* A point from the columns name, labels, resolution_s, ts, sum, min, max,
 * count, starting at @first. */
static HwMetricPoint
read_point (sqlite3_stmt *stmt,
            int           first)
{
  HwMetricPoint point = {
    .name = hw_store_column_dup_text (stmt, first),
    .labels = hw_store_column_dup_text (stmt, first + 1),
    .resolution_s = sqlite3_column_int (stmt, first + 2),
    .ts_ms = sqlite3_column_int64 (stmt, first + 3),
    .sum = sqlite3_column_double (stmt, first + 4),
    .min = sqlite3_column_double (stmt, first + 5),
    .max = sqlite3_column_double (stmt, first + 6),
    .count = sqlite3_column_int64 (stmt, first + 7),
  };

  return point;
}

typedef void (*RowToArray) (sqlite3_stmt *stmt,
                            GArray       *rows);

/* Runs @sql on a pooled reader, @append adding each row to @rows. */
static gboolean
select_into (HwEventStore  *self,
             const char    *sql,
             GPtrArray     *params,
             RowToArray     append,
             GArray        *rows,
             GError       **error)
{
  HwStoreConn *conn = hw_store_acquire_reader (self, NULL, error);
  HwCachedStmt *stmt;
  int rc = SQLITE_ERROR;

  if (conn == NULL)
    return FALSE;
  stmt = hw_store_conn_prepare (conn, sql, error);
  if (stmt != NULL && hw_store_bind (stmt, params, error))
    {
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        append (stmt, rows);
      if (rc != SQLITE_DONE)
        hw_store_set_sqlite_error (error, conn->db, rc, "reading shared metric points");
    }
  if (stmt != NULL)
    hw_cached_stmt_release (stmt);
  hw_store_release_reader (self, conn);
  return rc == SQLITE_DONE;
}

char *
hw_event_store_share_metrics (HwEventStore  *self,
                              GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) no_params = hw_store_params_new ();
  g_autofree char *replica = hw_event_store_get_cursor (self, REPLICA_CURSOR, NULL, &local_error);
  g_autofree char *uuid = NULL;

  g_return_val_if_fail (HW_IS_EVENT_STORE (self), NULL);

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (replica != NULL)
    return g_steal_pointer (&replica);
  /* A subject token and a message id part: no dashes needed, nor dots. */
  uuid = g_uuid_string_random ();
  replica = g_strdelimit (g_strdup (uuid), "-", 'x');
  /* The points written before sharing began are published like the
   * others. Should the process die before the cursor is set, the next
   * start names them again under another id, which changes nothing. */
  if (!hw_store_write_one (self,
                           "INSERT OR IGNORE INTO metric_outbox (name, labels, resolution_s, ts) "
                           "SELECT name, labels, resolution_s, ts FROM metric_points ORDER BY ts",
                           no_params, NULL, error)
      || !hw_event_store_set_cursor (self, REPLICA_CURSOR, replica, error))
    return NULL;
  return g_steal_pointer (&replica);
}

static void
append_outbox_entry (sqlite3_stmt *stmt,
                     GArray       *rows)
{
  HwMetricOutboxEntry entry = { .id = sqlite3_column_int64 (stmt, 0), .point = read_point (stmt, 1) };

  g_array_append_val (rows, entry);
}

GArray *
hw_event_store_list_metric_outbox (HwEventStore  *self,
                                   guint          limit,
                                   GError       **error)
{
  g_autoptr(GPtrArray) params = hw_store_params_new ();
  g_autoptr(GArray) entries = g_array_new (FALSE, TRUE, sizeof (HwMetricOutboxEntry));

  g_return_val_if_fail (HW_IS_EVENT_STORE (self), NULL);

  g_array_set_clear_func (entries, (GDestroyNotify) hw_metric_outbox_entry_clear);
  hw_store_param_int (params, limit > 0 ? limit : 500);
  if (!select_into (self,
                    "SELECT o.id, p.name, p.labels, p.resolution_s, p.ts, p.sum, p.min, p.max, p.count "
                    "FROM metric_outbox o JOIN metric_points p ON p.name = o.name "
                    "AND p.resolution_s = o.resolution_s AND p.labels = o.labels AND p.ts = o.ts "
                    "ORDER BY o.id LIMIT ?",
                    params, append_outbox_entry, entries, error))
    return NULL;
  return g_steal_pointer (&entries);
}

gboolean
hw_event_store_remove_metric_outbox (HwEventStore  *self,
                                     const gint64  *ids,
                                     guint          n,
                                     GError       **error)
{
  g_autoptr(GPtrArray) sets = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);

  g_return_val_if_fail (HW_IS_EVENT_STORE (self), FALSE);

  for (guint i = 0; i < n; i++)
    {
      GPtrArray *params = hw_store_params_new ();

      hw_store_param_int (params, ids[i]);
      g_ptr_array_add (sets, params);
    }
  return n == 0 || hw_store_write_batch (self, "DELETE FROM metric_outbox WHERE id = ?",
                                         (GPtrArray **) sets->pdata, sets->len, NULL, error);
}

gboolean
hw_event_store_put_metric_copies (HwEventStore        *self,
                                  const HwMetricCopy  *copies,
                                  guint                n,
                                  GError             **error)
{
  g_autoptr(GPtrArray) sets = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);

  g_return_val_if_fail (HW_IS_EVENT_STORE (self), FALSE);

  for (guint i = 0; i < n; i++)
    {
      const HwMetricPoint *point = &copies[i].point;
      GPtrArray *params = hw_store_params_new ();

      hw_store_param_string (params, point->name);
      hw_store_param_string (params, point->labels != NULL ? point->labels : "{}");
      hw_store_param_int (params, point->resolution_s);
      hw_store_param_int (params, point->ts_ms);
      hw_store_param_string (params, copies[i].replica);
      hw_store_param_int (params, copies[i].version);
      param_double (params, point->sum);
      param_double (params, point->min);
      param_double (params, point->max);
      hw_store_param_int (params, point->count);
      g_ptr_array_add (sets, params);
    }
  return n == 0 || hw_store_write_batch (self,
                                         "INSERT INTO metric_copies (name, labels, resolution_s, ts, replica, "
                                         "version, sum, min, max, count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                                         "ON CONFLICT DO UPDATE SET version = excluded.version, "
                                         "sum = excluded.sum, min = excluded.min, max = excluded.max, "
                                         "count = excluded.count WHERE excluded.version > metric_copies.version",
                                         (GPtrArray **) sets->pdata, sets->len, NULL, error);
}

static void
append_copy (sqlite3_stmt *stmt,
             GArray       *rows)
{
  HwMetricCopy copy = {
    .replica = hw_store_column_dup_text (stmt, 0),
    .version = sqlite3_column_int64 (stmt, 1),
    .point = read_point (stmt, 2),
  };

  g_array_append_val (rows, copy);
}

GArray *
hw_event_store_query_metric_copies (HwEventStore  *self,
                                    const char    *name,
                                    guint          resolution_s,
                                    gint64         from_ms,
                                    gint64         to_ms,
                                    GError       **error)
{
  g_autoptr(GPtrArray) params = hw_store_params_new ();
  g_autoptr(GArray) copies = g_array_new (FALSE, TRUE, sizeof (HwMetricCopy));

  g_return_val_if_fail (HW_IS_EVENT_STORE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  g_array_set_clear_func (copies, (GDestroyNotify) hw_metric_copy_clear);
  hw_store_param_string (params, name);
  hw_store_param_int (params, resolution_s);
  hw_store_param_int (params, from_ms);
  hw_store_param_int (params, to_ms);
  if (!select_into (self,
                    "SELECT replica, version, name, labels, resolution_s, ts, sum, min, max, count FROM metric_copies "
                    "WHERE name = ? AND resolution_s = ? AND ts >= ? AND ts < ? ORDER BY labels, ts",
                    params, append_copy, copies, error))
    return NULL;
  return g_steal_pointer (&copies);
}
