/* hw-event-store-system.c: system events (deployments, incidents, alerts, audits)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-error.h"
#include "hw-event-store-private.h"

void
hw_system_event_free (HwSystemEvent *event)
{
  if (event == NULL)
    return;
  g_free (event->id);
  g_free (event->kind);
  g_free (event->service);
  g_free (event->json);
  g_free (event);
}

/* System events -------------------------------------------------------------- */

/* Without @replace a stored id wins (POST dedupes); with it a changed event
 * replaces the stored one and moves to the end of the seq order, so the
 * changes feed (list_system_events_after) hands it out again. @at_seq > 0
 * is the seq to take instead of the next one. */
static gboolean
store_system_event (HwEventStore    *self,
                    gboolean         replace,
                    gint64           at_seq,
                    const char      *id,
                    const char      *kind,
                    gint64           ts_ms,
                    const char      *service,
                    const char      *json,
                    HwInsertStatus  *status,
                    GError         **error)
{
  static const char replace_sql[] =
    "ON CONFLICT (id) DO UPDATE SET seq = %s, "
    "kind = excluded.kind, ts = excluded.ts, service = excluded.service, json = excluded.json "
    "WHERE system_events.json <> excluded.json";
  g_autoptr(GPtrArray) params = hw_store_params_new ();
  g_autofree char *sql = NULL;
  g_autofree char *conflict = NULL;
  gint64 changes = 0;

  g_return_val_if_fail (HW_IS_EVENT_STORE (self), FALSE);
  g_return_val_if_fail (id != NULL && kind != NULL && json != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (at_seq > 0)
    hw_store_param_int (params, at_seq);
  hw_store_param_string (params, id);
  hw_store_param_string (params, kind);
  hw_store_param_int (params, ts_ms);
  if (service != NULL)
    hw_store_param_string (params, service);
  hw_store_param_string (params, json);
  conflict = replace ? g_strdup_printf (replace_sql, at_seq > 0 ? "excluded.seq" : "(SELECT MAX(seq) + 1 FROM system_events)")
                     : g_strdup ("ON CONFLICT (id) DO NOTHING");
  sql = g_strdup_printf ("INSERT INTO system_events (%sid, kind, ts, service, json) VALUES (%s?, ?, ?, %s, ?) %s",
                         at_seq > 0 ? "seq, " : "", at_seq > 0 ? "?, " : "",
                         service != NULL ? "?" : "NULL", conflict);
  if (!hw_store_write_one (self, sql, params, &changes, error))
    return FALSE;
  if (status != NULL)
    *status = changes > 0 ? HW_INSERT_ACCEPTED : HW_INSERT_DUPLICATE;
  return TRUE;
}

gboolean
hw_event_store_insert_system_event (HwEventStore    *self,
                                    const char      *id,
                                    const char      *kind,
                                    gint64           ts_ms,
                                    const char      *service,
                                    const char      *json,
                                    HwInsertStatus  *status,
                                    GError         **error)
{
  return store_system_event (self, FALSE, 0, id, kind, ts_ms, service, json, status, error);
}

gboolean
hw_event_store_upsert_system_event (HwEventStore    *self,
                                    const char      *id,
                                    const char      *kind,
                                    gint64           ts_ms,
                                    const char      *service,
                                    const char      *json,
                                    HwInsertStatus  *status,
                                    GError         **error)
{
  return store_system_event (self, TRUE, 0, id, kind, ts_ms, service, json, status, error);
}

gboolean
hw_event_store_store_system_event_at (HwEventStore    *self,
                                      gint64           seq,
                                      gboolean         replace,
                                      const char      *id,
                                      const char      *kind,
                                      gint64           ts_ms,
                                      const char      *service,
                                      const char      *json,
                                      HwInsertStatus  *status,
                                      GError         **error)
{
  g_return_val_if_fail (seq > 0, FALSE);

  return store_system_event (self, replace, seq, id, kind, ts_ms, service, json, status, error);
}

gboolean
hw_event_store_delete_system_events (HwEventStore  *self,
                                     GError       **error)
{
  g_autoptr(GPtrArray) params = hw_store_params_new ();

  g_return_val_if_fail (HW_IS_EVENT_STORE (self), FALSE);

  return hw_store_write_one (self, "DELETE FROM system_events", params, NULL, error);
}

gint64
hw_event_store_get_max_system_seq (HwEventStore  *self,
                                   GError       **error)
{
  HwStoreConn *conn;
  gint64 max_seq;

  g_return_val_if_fail (HW_IS_EVENT_STORE (self), -1);

  conn = hw_store_acquire_reader (self, NULL, error);
  if (conn == NULL)
    return -1;
  max_seq = hw_store_select_int (conn, "SELECT coalesce(max(seq), 0) FROM system_events", NULL, error);
  hw_store_release_reader (self, conn);
  return max_seq;
}

static gpointer
read_system_event (sqlite3_stmt *stmt)
{
  HwSystemEvent *event = g_new0 (HwSystemEvent, 1);

  event->seq = sqlite3_column_int64 (stmt, 0);
  event->id = hw_store_column_dup_text (stmt, 1);
  event->kind = hw_store_column_dup_text (stmt, 2);
  event->ts_ms = sqlite3_column_int64 (stmt, 3);
  event->service = hw_store_column_dup_text (stmt, 4);
  event->json = hw_store_column_dup_text (stmt, 5);
  return event;
}

GPtrArray *
hw_event_store_list_system_events (HwEventStore   *self,
                                   const char     *kind,
                                   gint64          from_ms,
                                   gint64          to_ms,
                                   HwEventOrder    order,
                                   guint           limit,
                                   GCancellable   *cancellable,
                                   GError        **error)
{
  g_autoptr(GPtrArray) params = hw_store_params_new ();
  g_autoptr(GString) sql = g_string_new ("SELECT seq, id, kind, ts, service, json "
                                         "FROM system_events WHERE 1");

  g_return_val_if_fail (HW_IS_EVENT_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (kind != NULL)
    {
      g_string_append (sql, " AND kind = ?");
      hw_store_param_string (params, kind);
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
  g_string_append (sql, order == HW_EVENT_ORDER_OLDEST_FIRST
                        ? " ORDER BY ts ASC, seq ASC LIMIT ?"
                        : " ORDER BY ts DESC, seq DESC LIMIT ?");
  hw_store_param_int (params, limit > 0 ? (gint64) limit : -1);

  return hw_store_select_items (self, sql->str, params, read_system_event,
                                (GDestroyNotify) hw_system_event_free, cancellable, error);
}

HwSystemEvent *
hw_event_store_get_system_event (HwEventStore   *self,
                                 const char     *id,
                                 GCancellable   *cancellable,
                                 GError        **error)
{
  g_autoptr(GPtrArray) params = hw_store_params_new ();
  g_autoptr(GPtrArray) events = NULL;

  g_return_val_if_fail (HW_IS_EVENT_STORE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  hw_store_param_string (params, id);
  events = hw_store_select_items (self, "SELECT seq, id, kind, ts, service, json FROM system_events WHERE id = ?",
                                  params, read_system_event, (GDestroyNotify) hw_system_event_free,
                                  cancellable, error);
  if (events == NULL)
    return NULL;
  if (events->len == 0)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_NOT_FOUND, "no system event with id '%s'", id);
      return NULL;
    }
  return g_ptr_array_steal_index (events, 0);
}

GPtrArray *
hw_event_store_list_system_events_after (HwEventStore   *self,
                                         gint64          after_seq,
                                         guint           limit,
                                         GCancellable   *cancellable,
                                         GError        **error)
{
  g_autoptr(GPtrArray) params = hw_store_params_new ();

  g_return_val_if_fail (HW_IS_EVENT_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  hw_store_param_int (params, after_seq);
  hw_store_param_int (params, limit > 0 ? (gint64) limit : -1);
  return hw_store_select_items (self,
                                "SELECT seq, id, kind, ts, service, json FROM system_events "
                                "WHERE seq > ? ORDER BY seq ASC LIMIT ?",
                                params, read_system_event, (GDestroyNotify) hw_system_event_free,
                                cancellable, error);
}
