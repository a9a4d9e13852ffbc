/* hw-hub-db.c: hub.db and its per-component migration lists
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "hw-error.h"
#include "hw-hub-db.h"

/* The "hub" component's own schema. Metric rollups live in the event store
 * (lake.db metric_points) and system events there too, so hub.db starts with
 * the bookkeeping only; other components add their tables themselves. */
static const HwHubMigration hub_migrations[] = {
  { "CREATE TABLE hub_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);" },
};

static gboolean
set_sqlite_error (sqlite3     *db,
                  const char  *what,
                  GError     **error)
{
  g_set_error (error, HW_ERROR, HW_ERROR_IO, "hub.db: %s: %s", what, sqlite3_errmsg (db));
  return FALSE;
}

gboolean
hw_hub_db_exec (sqlite3     *db,
                const char  *sql,
                GError     **error)
{
  char *message = NULL;

  g_return_val_if_fail (db != NULL, FALSE);
  g_return_val_if_fail (sql != NULL, FALSE);

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_IO, "hub.db: %s", message ? message : "exec failed");
      sqlite3_free (message);
      return FALSE;
    }
  return TRUE;
}

sqlite3_stmt *
hw_hub_db_prepare (sqlite3     *db,
                   const char  *sql,
                   GError     **error)
{
  sqlite3_stmt *stmt = NULL;

  g_return_val_if_fail (db != NULL, NULL);

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      set_sqlite_error (db, "prepare", error);
      return NULL;
    }
  return stmt;
}

static gint64
applied_version (sqlite3     *db,
                 const char  *component,
                 GError     **error)
{
  sqlite3_stmt *stmt;
  gint64 version = 0;

  stmt = hw_hub_db_prepare (db, "SELECT version FROM schema_migrations WHERE component = ?", error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, component, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return version;
}

static gboolean
apply_step (sqlite3              *db,
            const char           *component,
            const HwHubMigration *step,
            guint                 version,
            GError              **error)
{
  char *record;
  gboolean ok;

  if (!hw_hub_db_exec (db, "BEGIN IMMEDIATE", error))
    return FALSE;
  record = sqlite3_mprintf ("INSERT INTO schema_migrations (component, version) VALUES (%Q, %u) "
                            "ON CONFLICT (component) DO UPDATE SET version = excluded.version",
                            component, version);
  ok = hw_hub_db_exec (db, step->sql, error) && hw_hub_db_exec (db, record, error);
  sqlite3_free (record);
  if (!ok)
    {
      hw_hub_db_exec (db, "ROLLBACK", NULL);
      g_prefix_error (error, "migration %s #%u: ", component, version);
      return FALSE;
    }
  return hw_hub_db_exec (db, "COMMIT", error);
}

gboolean
hw_hub_db_migrate (sqlite3               *db,
                   const char            *component,
                   const HwHubMigration  *steps,
                   guint                  n_steps,
                   GError               **error)
{
  gint64 version;

  g_return_val_if_fail (db != NULL, FALSE);
  g_return_val_if_fail (component != NULL, FALSE);

  if (!hw_hub_db_exec (db,
                       "CREATE TABLE IF NOT EXISTS schema_migrations ("
                       " component TEXT PRIMARY KEY, version INTEGER NOT NULL)",
                       error))
    return FALSE;

  version = applied_version (db, component, error);
  if (version < 0)
    return FALSE;
  if ((guint64) version > n_steps)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_CORRUPT,
                   "hub.db: component %s is at schema version %" G_GINT64_FORMAT
                   " but this build knows only %u: written by a newer hubwatchd?",
                   component, version, n_steps);
      return FALSE;
    }
  for (guint i = (guint) version; i < n_steps; i++)
    if (!apply_step (db, component, &steps[i], i + 1, error))
      return FALSE;
  return TRUE;
}

sqlite3 *
hw_hub_db_open (const char  *path,
                GError     **error)
{
  sqlite3 *db = NULL;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  g_autofree char *dir = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_IO, "cannot create %s: %s", dir, g_strerror (errno));
      return NULL;
    }
  if (sqlite3_open_v2 (path, &db, flags, NULL) != SQLITE_OK)
    {
      set_sqlite_error (db, "open", error);
      sqlite3_close (db);
      return NULL;
    }
  sqlite3_busy_timeout (db, 5000);
  if (!hw_hub_db_exec (db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON",
                       error)
      || !hw_hub_db_migrate (db, "hub", hub_migrations, G_N_ELEMENTS (hub_migrations), error))
    {
      sqlite3_close (db);
      return NULL;
    }
  return db;
}

void
hw_hub_db_close (sqlite3 *db)
{
  if (db != NULL)
    sqlite3_close_v2 (db);
}
