/* hw-event-store-index-file.c: the full-text index's file: its schema, opening it, and making it anew
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The file "<store>-text" that hw-event-store-index.c writes behind the
 * events (see there for why it is a file of its own). Opening it checks
 * that it is this store's index; one that is missing, damaged, of
 * another version or another store's is thrown away and made anew, for
 * the index thread to catch up from the stored bodies.
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "hw-error.h"
#include "hw-event-store-private.h"

#define TEXT_SUFFIX "-text"
#define TEXT_SCHEMA_VERSION 1

/* Contentless, without positions: see hw-event-store-schema.c and
 * hw-event-store-text.c for why. One transaction, so that a file is
 * either new or whole, and idempotent, for two processes creating it at
 * once. */
static const char text_schema_sql[] =
  "BEGIN IMMEDIATE;"
  "CREATE VIRTUAL TABLE IF NOT EXISTS events_fts USING fts5 ("
  "  text, content='', columnsize=0, detail=none, tokenize='unicode61 remove_diacritics 2'"
  ");"
  "INSERT INTO events_fts (events_fts, rank) VALUES ('automerge', 16);"
  "INSERT INTO events_fts (events_fts, rank) VALUES ('crisismerge', 64);"
  "CREATE TABLE IF NOT EXISTS index_state ("
  "  one          INTEGER PRIMARY KEY CHECK (one = 1),"
  "  indexed_upto INTEGER NOT NULL,"
  "  last_id      TEXT"
  ");"
  "INSERT OR IGNORE INTO index_state VALUES (1, 0, NULL);"
  "PRAGMA user_version = " G_STRINGIFY (TEXT_SCHEMA_VERSION) ";"
  "COMMIT;";

char *
hw_store_text_index_path (const char *store_path)
{
  return g_strconcat (store_path, TEXT_SUFFIX, NULL);
}

gboolean
hw_store_attach_text_index (HwStoreConn *conn,
                            const char  *store_path,
                            GError     **error)
{
  g_autofree char *path = hw_store_text_index_path (store_path);
  char *sql = sqlite3_mprintf ("ATTACH DATABASE %Q AS " HW_STORE_TEXT_SCHEMA, path);
  gboolean ok = hw_store_conn_exec (conn, sql, error);

  sqlite3_free (sql);
  return ok;
}

static void
remove_index_files (const char *path)
{
  /* -damaged: hw_store_set_sqlite_error() marks any file it finds
   * corrupt, this one too. */
  static const char * const suffixes[] = { "", "-wal", "-shm", "-journal", "-damaged" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      if (g_unlink (file) != 0 && errno != ENOENT)
        g_warning ("cannot remove the full-text index file %s: %s", file, g_strerror (errno));
    }
}

void
hw_store_remove_text_index (const char *store_path)
{
  g_autofree char *path = hw_store_text_index_path (store_path);

  remove_index_files (path);
}

gboolean
hw_store_text_select_int (HwStoreConn  *conn,
                          const char   *sql,
                          gint64        bind,
                          gint64       *out,
                          char        **text_out,
                          GError      **error)
{
  g_autoptr(HwCachedStmt) stmt = hw_store_conn_prepare (conn, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  if (sqlite3_bind_parameter_count (stmt) > 0)
    sqlite3_bind_int64 (stmt, 1, bind);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      *out = -1;   /* no row */
      return TRUE;
    }
  if (rc != SQLITE_ROW)
    {
      hw_store_set_sqlite_error (error, conn->db, rc, "reading the full-text index's state");
      return FALSE;
    }
  *out = sqlite3_column_int64 (stmt, 0);
  if (text_out != NULL)
    *text_out = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  return TRUE;
}

static gboolean
quick_check_ok (HwStoreConn *conn)
{
  g_autoptr(HwCachedStmt) stmt = hw_store_conn_prepare (conn, "PRAGMA quick_check", NULL);

  return stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW &&
         g_strcmp0 ((const char *) sqlite3_column_text (stmt, 0), "ok") == 0;
}

/* Page size before the journal mode, which writes a new file's first page.
 * The page cache is smaller in a process that also draws (the console's
 * cache, HW_EVENT_STORE_LEAN_READERS), which syncs far fewer events than
 * an import or a hub takes. */
#define OPEN_INDEX_SQL(cache_kb)                     \
  "PRAGMA page_size = 8192;"                         \
  "PRAGMA journal_mode = WAL;"                       \
  "PRAGMA synchronous = NORMAL;"                     \
  "PRAGMA cache_size = -" G_STRINGIFY (cache_kb) ";" \
  "PRAGMA temp_store = MEMORY"

static HwStoreConn *
open_index_file (const char         *path,
                 HwEventStoreFlags   flags,
                 GError            **error)
{
  HwStoreConn *conn = hw_store_conn_new (path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, error);
  const char *open_sql = (flags & HW_EVENT_STORE_LEAN_READERS) != 0 ? OPEN_INDEX_SQL (8192)
                                                                    : OPEN_INDEX_SQL (32768);
  gint64 version = 0;
  gboolean ok;

  if (conn == NULL)
    return NULL;
  ok = hw_store_conn_exec_as (conn, open_sql, "opening the full-text index", error) &&
       hw_store_text_select_int (conn, "PRAGMA user_version", 0, &version, NULL, error);
  if (ok && version == 0)
    ok = hw_store_conn_exec_as (conn, text_schema_sql, "creating the full-text index", error);
  else if (ok && version != TEXT_SCHEMA_VERSION)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_CORRUPT, "full-text index version %" G_GINT64_FORMAT
                   " is not %d", version, TEXT_SCHEMA_VERSION);
      ok = FALSE;
    }
  if (ok)
    return conn;
  hw_store_conn_free (conn);
  return NULL;
}

/* Whether the index holds what the store does up to its indexed_upto:
 * the event stored under that seq has the id the index recorded. A store
 * made anew beside an old index file fails this. */
static gboolean
index_matches_store (HwEventStore  *self,
                     HwStoreConn   *conn,
                     gint64        *indexed,
                     GError       **error)
{
  g_autofree char *last_id = NULL;
  g_autofree char *stored_id = NULL;
  gint64 seq = 0;

  if (!hw_store_text_select_int (conn, "SELECT indexed_upto, last_id FROM index_state", 0, indexed, &last_id,
                                 error))
    return FALSE;
  if (*indexed <= 0)
    return *indexed == 0;
  if (!hw_store_text_select_int (self->writer, "SELECT seq, id FROM events WHERE seq = ?", *indexed, &seq,
                                 &stored_id, error))
    return FALSE;
  return seq == *indexed && g_strcmp0 (stored_id, last_id) == 0;
}

/* The index file, made anew when it is missing, damaged or not this
 * store's: it is derived, so throwing it away loses nothing. */
HwStoreConn *
hw_store_open_text_index (HwEventStore  *self,
                          gboolean       check,
                          gint64        *indexed,
                          GError       **error)
{
  g_autofree char *path = hw_store_text_index_path (self->path);

  for (guint attempt = 0; attempt < 2; attempt++)
    {
      g_autoptr(GError) local_error = NULL;
      HwStoreConn *conn = open_index_file (path, self->flags, &local_error);

      if (conn != NULL && (!check || quick_check_ok (conn)) &&
          index_matches_store (self, conn, indexed, &local_error))
        return conn;
      if (conn == NULL && !g_error_matches (local_error, HW_ERROR, HW_ERROR_CORRUPT))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      g_message ("the full-text index %s is built again from the stored events (%s)", path,
                 local_error != NULL ? local_error->message : "it does not match the store");
      hw_store_conn_free (conn);
      remove_index_files (path);
    }
  g_set_error (error, HW_ERROR, HW_ERROR_IO, "cannot create the full-text index %s", path);
  return NULL;
}
