/* hw-hub-db.h: hub.db, the hub's own state, and its migration lists
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

/* One schema step. Steps of a component run in array order, once each, in
 * one transaction per step; the applied count per component is kept in the
 * table schema_migrations(component TEXT PRIMARY KEY, version INTEGER).
 * Append new steps at the end; never edit or reorder applied ones. */
typedef struct
{
  const char *sql;   /* one or more statements */
} HwHubMigration;

/* Opens (creating) hub.db in WAL mode, synchronous=FULL, FULLMUTEX, with a
 * busy timeout, and applies the "hub" component's migrations (metric
 * rollups, system events). */
sqlite3  *hw_hub_db_open     (const char            *path,
                              GError               **error);
void      hw_hub_db_close    (sqlite3               *db);

/* Applies the not-yet-applied steps of @component. Other components (the
 * HUB-ENGINE's "engine": listeners, checkpoints, jobs, idempotency keys)
 * call this once at start-up with their own array. Caller holds the db
 * mutex if other threads may use @db. */
gboolean  hw_hub_db_migrate  (sqlite3               *db,
                              const char            *component,
                              const HwHubMigration  *steps,
                              guint                  n_steps,
                              GError               **error);

/* Runs statements without results; error is HW_ERROR_IO with SQLite's message. */
gboolean  hw_hub_db_exec     (sqlite3               *db,
                              const char            *sql,
                              GError               **error);

/* Prepares a statement; error is HW_ERROR_IO. */
sqlite3_stmt *hw_hub_db_prepare (sqlite3            *db,
                                 const char         *sql,
                                 GError            **error);

G_END_DECLS
