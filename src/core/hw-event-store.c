/* hw-event-store.c: opening, recovery and the connections of the event store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <glib/gstdio.h>

#include "hw-error.h"
#include "hw-event-store-private.h"

/* Readers kept open between operations; more may exist while busy. */
#define MAX_IDLE_READERS 8
/* Cached statements per connection before the cache is flushed: query text
 * varies, so the cache must not grow without bound. */
#define MAX_CACHED_STMTS 128
#define BUSY_TIMEOUT_MS 10000
/* Mapped pages count in the resident size of every process that touched
 * them, and each connection maps the file on its own: 256 MB made the
 * console's RSS follow the cache size. 64 MB still covers the hot indexes;
 * the rest is read through the page cache. */
#define MMAP_SIZE 67108864
/* With HW_EVENT_STORE_WIDE_MAP: SQLite's default compile-time cap. */
#define WIDE_MMAP_SIZE 2147418112
/* Page cache of a lean reader, in KiB: the indexes a search walks stay
 * hot in the kernel's cache anyway. */
#define LEAN_CACHE_KB 2048
#define PAGE_SIZE 8192

G_DEFINE_FINAL_TYPE (HwEventStore, hw_event_store, G_TYPE_OBJECT)

/* Errors ---------------------------------------------------------------- */

/* A full disk, a file at its size limit (EFBIG under RLIMIT_FSIZE) or a
 * file system gone read-only pass when the user frees space or remounts,
 * unlike corruption: callers (the console's cache) degrade to read-only
 * instead of giving up, so these get their own GIO codes. SQLite reports
 * ENOSPC as SQLITE_FULL, but EFBIG and EROFS only as SQLITE_IOERR_*. */
static gboolean
set_space_error (GError     **error,
                 sqlite3     *db,
                 int          rc,
                 int          caller_errno,
                 const char  *what)
{
  int sys_errno = db != NULL ? sqlite3_system_errno (db) : 0;
  const char *detail;

  /* SQLite records errno only on some paths (not for a failed COMMIT of a
   * WAL transaction); the failed write()'s errno is then still the
   * thread's, as nothing ran between it and us. */
  if (sys_errno == 0)
    sys_errno = caller_errno;
  detail = sys_errno != 0 ? g_strerror (sys_errno) : sqlite3_errstr (rc);

  switch (rc & 0xff)
    {
    case SQLITE_FULL:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "%s: the disk is full (%s)", what, detail);
      return TRUE;
    case SQLITE_READONLY:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_READ_ONLY, "%s: the file is read-only (%s)", what,
                   db != NULL ? sqlite3_errmsg (db) : detail);
      return TRUE;
    case SQLITE_IOERR:
      if (sys_errno == ENOSPC || sys_errno == EFBIG || sys_errno == EDQUOT)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "%s: the disk is full (%s)", what, detail);
          return TRUE;
        }
      if (sys_errno == EROFS)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_READ_ONLY, "%s: the file system is read-only (%s)",
                       what, detail);
          return TRUE;
        }
      return FALSE;
    default:
      return FALSE;
    }
}

/* A store closed cleanly is not checked when it opens again (see
 * needs_integrity_check()), so damage met while it was open would be met
 * again on every start. A file beside it says so until a check has
 * passed or the store has been moved aside. */
#define DAMAGED_SUFFIX "-damaged"

static char *
damaged_marker_path (const char *path)
{
  return g_strconcat (path, DAMAGED_SUFFIX, NULL);
}

static void
mark_damaged (sqlite3    *db,
              const char *message)
{
  const char *path = db != NULL ? sqlite3_db_filename (db, "main") : NULL;
  g_autofree char *marker = NULL;
  g_autoptr(GError) error = NULL;

  if (path == NULL || *path == '\0')
    return;   /* in memory */
  marker = damaged_marker_path (path);
  /* Every later statement may fail the same way: one mark is enough. */
  if (g_file_test (marker, G_FILE_TEST_EXISTS))
    return;
  if (!g_file_set_contents (marker, message, -1, &error))
    g_warning ("cannot mark the damaged event store %s for a check: %s", path, error->message);
}

void
hw_store_set_sqlite_error (GError     **error,
                           sqlite3     *db,
                           int          rc,
                           const char  *what)
{
  int caller_errno = errno;   /* first: anything below may change it */
  const char *message = db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc);

  if (set_space_error (error, db, rc, caller_errno, what))
    return;

  switch (rc & 0xff)
    {
    case SQLITE_INTERRUPT:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s: cancelled", what);
      break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_FORMAT:
      g_set_error (error, HW_ERROR, HW_ERROR_CORRUPT, "%s: %s", what, message);
      mark_damaged (db, message);
      break;
    default:
      g_set_error (error, HW_ERROR, HW_ERROR_IO, "%s: %s", what, message);
      break;
    }
}

/* Connections ------------------------------------------------------------- */

void
hw_cached_stmt_release (HwCachedStmt *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

static void
finalize_stmt (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

void
hw_store_conn_free (HwStoreConn *conn)
{
  if (conn == NULL)
    return;
  g_clear_pointer (&conn->stmts, g_hash_table_unref);
  g_clear_object (&conn->cancellable);
  sqlite3_close_v2 (conn->db);
  g_free (conn);
}

static int
progress_handler (void *user_data)
{
  HwStoreConn *conn = user_data;

  /* Non-zero makes SQLite stop the running statement with SQLITE_INTERRUPT. */
  return conn->cancellable != NULL && g_cancellable_is_cancelled (conn->cancellable);
}

HwStoreConn *
hw_store_conn_new (const char  *path,
                   int          open_flags,
                   GError     **error)
{
  g_autofree HwStoreConn *conn = g_new0 (HwStoreConn, 1);
  int rc;

  rc = sqlite3_open_v2 (path, &conn->db, open_flags | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_IO, "cannot open %s: %s", path,
                   conn->db != NULL ? sqlite3_errmsg (conn->db) : sqlite3_errstr (rc));
      sqlite3_close_v2 (conn->db);
      return NULL;
    }
  sqlite3_extended_result_codes (conn->db, 1);
  sqlite3_busy_timeout (conn->db, BUSY_TIMEOUT_MS);
  if (!hw_store_register_functions (conn->db, error))
    {
      sqlite3_close_v2 (conn->db);
      return NULL;
    }
  conn->stmts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, finalize_stmt);
  return g_steal_pointer (&conn);
}

HwCachedStmt *
hw_store_conn_prepare (HwStoreConn  *conn,
                       const char   *sql,
                       GError      **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (conn->stmts, sql);
  int rc;

  if (stmt != NULL)
    return stmt;

  rc = sqlite3_prepare_v3 (conn->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      hw_store_set_sqlite_error (error, conn->db, rc, "preparing a statement");
      return NULL;
    }
  g_hash_table_insert (conn->stmts, g_strdup (sql), stmt);
  return stmt;
}

gboolean
hw_store_conn_exec_as (HwStoreConn  *conn,
                       const char   *sql,
                       const char   *what,
                       GError      **error)
{
  int rc = sqlite3_exec (conn->db, sql, NULL, NULL, NULL);

  if (rc == SQLITE_OK)
    return TRUE;
  hw_store_set_sqlite_error (error, conn->db, rc, what);
  return FALSE;
}

gboolean
hw_store_conn_exec (HwStoreConn  *conn,
                    const char   *sql,
                    GError      **error)
{
  return hw_store_conn_exec_as (conn, sql, sql, error);
}

/* Called between operations only, when no cached statement is in use. */
static void
trim_stmt_cache (HwStoreConn *conn)
{
  if (g_hash_table_size (conn->stmts) > MAX_CACHED_STMTS)
    g_hash_table_remove_all (conn->stmts);
}

static void
set_cancellable (HwStoreConn  *conn,
                 GCancellable *cancellable)
{
  g_set_object (&conn->cancellable, cancellable);
  if (cancellable != NULL)
    sqlite3_progress_handler (conn->db, 1000, progress_handler, conn);
  else
    sqlite3_progress_handler (conn->db, 0, NULL, NULL);
}

#define READER_PRAGMAS(cache_kb, temp_store, mmap_size)                          \
  "PRAGMA query_only = 1;"                                                       \
  "PRAGMA cache_size = -" G_STRINGIFY (cache_kb) ";"                             \
  "PRAGMA temp_store = " temp_store ";"                                          \
  "PRAGMA mmap_size = " G_STRINGIFY (mmap_size) ";"                              \
  "PRAGMA " HW_STORE_TEXT_SCHEMA ".cache_size = -" G_STRINGIFY (cache_kb) ";"    \
  "PRAGMA " HW_STORE_TEXT_SCHEMA ".mmap_size = " G_STRINGIFY (mmap_size) ";"

static const char *
reader_pragmas (HwEventStoreFlags flags)
{
  if ((flags & HW_EVENT_STORE_LEAN_READERS) != 0)
    return READER_PRAGMAS (LEAN_CACHE_KB, "FILE", 0);
  if ((flags & HW_EVENT_STORE_WIDE_MAP) != 0)
    return READER_PRAGMAS (16384, "MEMORY", WIDE_MMAP_SIZE);
  return READER_PRAGMAS (16384, "MEMORY", MMAP_SIZE);
}

HwStoreConn *
hw_store_acquire_reader (HwEventStore  *self,
                         GCancellable  *cancellable,
                         GError       **error)
{
  HwStoreConn *conn = NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  g_mutex_lock (&self->pool_lock);
  if (self->idle_readers->len > 0)
    conn = g_ptr_array_steal_index_fast (self->idle_readers, self->idle_readers->len - 1);
  g_mutex_unlock (&self->pool_lock);

  if (conn == NULL)
    {
      conn = hw_store_conn_new (self->path, SQLITE_OPEN_READWRITE, error);
      if (conn == NULL)
        return NULL;
      if (!hw_store_attach_text_index (conn, self->path, error))
        {
          hw_store_conn_free (conn);
          return NULL;
        }
      /* Readers must never take the write lock by accident: WAL lets them
       * run beside the writer only as long as they stay readers. */
      sqlite3_exec (conn->db, reader_pragmas (self->flags), NULL, NULL, NULL);
    }

  set_cancellable (conn, cancellable);
  conn->store = self;
  return conn;
}

void
hw_store_release_reader (HwEventStore *self,
                         HwStoreConn  *conn)
{
  if (conn == NULL)
    return;

  set_cancellable (conn, NULL);
  conn->store = NULL;
  trim_stmt_cache (conn);

  g_mutex_lock (&self->pool_lock);
  if (self->idle_readers->len < MAX_IDLE_READERS)
    {
      g_ptr_array_add (self->idle_readers, conn);
      conn = NULL;
    }
  g_mutex_unlock (&self->pool_lock);

  hw_store_conn_free (conn);
}

/* Opening and recovery ---------------------------------------------------- */

static gboolean
check_integrity (sqlite3  *db,
                 GError  **error)
{
  sqlite3_stmt *stmt = NULL;
  g_autofree char *verdict = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (db, "PRAGMA quick_check", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    verdict = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);

  if (rc != SQLITE_ROW)
    {
      hw_store_set_sqlite_error (error, db, rc, "integrity check");
      return FALSE;
    }
  if (g_strcmp0 (verdict, "ok") != 0)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_CORRUPT, "integrity check failed: %s",
                   verdict != NULL ? verdict : "no verdict");
      return FALSE;
    }
  return TRUE;
}

static guint32
read_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

/* PRAGMA quick_check reads every page: seconds and hundreds of MB of
 * mapped pages for a cache of a million events, on every start. A store
 * that was closed cleanly has no WAL left and a header whose page count
 * matches the file (SQLite keeps it valid when the version-valid-for field
 * equals the change counter); only when either is off is the full check
 * worth its cost. Damage the check would miss later surfaces as
 * SQLITE_CORRUPT, reported like any other store error. */
static gboolean
needs_integrity_check (const char *path)
{
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *marker = damaged_marker_path (path);
  GStatBuf st;
  guint8 header[100];
  guint32 page_size, n_pages;
  FILE *file;
  gsize got;

  if (g_stat (wal, &st) == 0 && st.st_size > 0)
    return TRUE;
  if (g_file_test (marker, G_FILE_TEST_EXISTS))
    return TRUE;
  if (g_stat (path, &st) != 0 || st.st_size == 0)
    return FALSE;   /* a new store: nothing to check */

  file = g_fopen (path, "rb");
  if (file == NULL)
    return TRUE;
  got = fread (header, 1, sizeof header, file);
  fclose (file);
  if (got < sizeof header)
    return TRUE;

  page_size = ((guint32) header[16] << 8) | header[17];
  if (page_size == 1)
    page_size = 65536;
  n_pages = read_be32 (header + 28);
  if (page_size < 512 || (st.st_size % page_size) != 0)
    return TRUE;
  if (read_be32 (header + 92) != read_be32 (header + 24))
    return TRUE;   /* the page count is stale: written by an old SQLite */
  return (guint64) st.st_size != (guint64) n_pages * page_size;
}

/* The check passed, or the store was moved aside. */
static void
forget_damage (const char *path)
{
  g_autofree char *marker = damaged_marker_path (path);

  if (g_unlink (marker) != 0 && errno != ENOENT)
    g_warning ("cannot remove %s: %s", marker, g_strerror (errno));
}

static gboolean
set_journal_mode (sqlite3  *db,
                  GError  **error)
{
  sqlite3_stmt *stmt = NULL;
  gboolean is_wal = FALSE;
  int rc;

  rc = sqlite3_prepare_v2 (db, "PRAGMA journal_mode = WAL", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    is_wal = g_ascii_strcasecmp ((const char *) sqlite3_column_text (stmt, 0), "wal") == 0;
  sqlite3_finalize (stmt);

  if (rc != SQLITE_ROW)
    {
      hw_store_set_sqlite_error (error, db, rc, "switching to WAL");
      return FALSE;
    }
  if (!is_wal)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_IO, "the file system does not support WAL mode");
      return FALSE;
    }
  return TRUE;
}

static gboolean
open_writer (HwEventStore  *self,
             GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  HwStoreConn *conn;
  const char *sync = (self->flags & HW_EVENT_STORE_DURABLE) ? "FULL" : "NORMAL";
  g_autofree char *pragmas = NULL;
  /* Before opening: the WAL of an unclean shutdown is still there now. */
  gboolean check = needs_integrity_check (self->path);

  conn = hw_store_conn_new (self->path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &local_error);
  if (conn == NULL)
    {
      /* An existing file SQLite cannot open is "unreadable"; a missing
       * directory or a read-only location is not the file's fault. */
      gboolean exists = g_file_test (self->path, G_FILE_TEST_EXISTS);

      g_set_error (error, HW_ERROR, exists ? HW_ERROR_CORRUPT : HW_ERROR_IO,
                   "%s", local_error->message);
      return FALSE;
    }

  pragmas = g_strdup_printf ("PRAGMA synchronous = %s;"
                             "PRAGMA cache_size = -65536;"
                             "PRAGMA temp_store = MEMORY;"
                             "PRAGMA mmap_size = " G_STRINGIFY (MMAP_SIZE) ";"
                             "PRAGMA foreign_keys = OFF;", sync);

  /* Only a new file takes it (an existing one keeps its page size): 8 KB
   * pages halve the pages, WAL frames and write calls an import makes,
   * which measured a sixth less writer time with FTS5 than 4 KB, while a
   * page read for one event's body stays small. Before the journal mode,
   * which writes the file's first page. */
  sqlite3_exec (conn->db, "PRAGMA page_size = " G_STRINGIFY (PAGE_SIZE), NULL, NULL, NULL);
  if (!set_journal_mode (conn->db, error) ||
      (check && !check_integrity (conn->db, error)) ||
      !hw_store_conn_exec (conn, pragmas, error) ||
      !hw_store_schema_migrate (conn->db, error))
    {
      hw_store_conn_free (conn);
      return FALSE;
    }

  self->writer = conn;
  if (!hw_store_start_text_index (self, check, error))
    {
      g_clear_pointer (&self->writer, hw_store_conn_free);
      return FALSE;
    }
  if (check)
    forget_damage (self->path);
  hw_store_start_checkpoints (self);
  return TRUE;
}

static gboolean
is_recoverable (const GError *error)
{
  return g_error_matches (error, HW_ERROR, HW_ERROR_CORRUPT);
}

static gboolean
rename_if_exists (const char  *from,
                  const char  *to,
                  GError     **error)
{
  if (!g_file_test (from, G_FILE_TEST_EXISTS))
    return TRUE;
  if (g_rename (from, to) == 0)
    return TRUE;

  g_set_error (error, HW_ERROR, HW_ERROR_IO, "cannot move %s to %s: %s",
               from, to, g_strerror (errno));
  return FALSE;
}

/* Moves the file and its WAL companions aside under one name, so that the
 * pair can still be examined together later. */
static gboolean
move_aside (HwEventStore  *self,
            const char    *reason,
            GError       **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%SZ");
  g_autofree char *target = g_strdup_printf ("%s.corrupt-%s", self->path, stamp);
  static const char * const companions[] = { "-wal", "-shm", "-journal" };

  for (guint i = 2; g_file_test (target, G_FILE_TEST_EXISTS); i++)
    {
      g_free (target);
      target = g_strdup_printf ("%s.corrupt-%s-%u", self->path, stamp, i);
    }

  if (!rename_if_exists (self->path, target, error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (companions); i++)
    {
      g_autofree char *from = g_strconcat (self->path, companions[i], NULL);
      g_autofree char *to = g_strconcat (target, companions[i], NULL);

      if (!rename_if_exists (from, to, error))
        return FALSE;
    }

  /* Derived from the store moved aside, which can make it again. */
  hw_store_remove_text_index (self->path);
  forget_damage (self->path);
  self->recovery_message =
    g_strdup_printf ("The event store %s could not be used (%s). It was moved to %s "
                     "and a new, empty store was created.", self->path, reason, target);
  g_message ("%s", self->recovery_message);
  return TRUE;
}

static gboolean
ensure_parent_dir (const char  *path,
                   GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);

  if (g_mkdir_with_parents (dir, 0700) == 0)
    return TRUE;
  g_set_error (error, HW_ERROR, HW_ERROR_IO, "cannot create directory %s: %s",
               dir, g_strerror (errno));
  return FALSE;
}

HwEventStore *
hw_event_store_open (const char         *path,
                     HwEventStoreFlags   flags,
                     GError            **error)
{
  g_autoptr(HwEventStore) self = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (path != NULL && *path != '\0', NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!ensure_parent_dir (path, error))
    return NULL;

  self = g_object_new (HW_TYPE_EVENT_STORE, NULL);
  self->path = g_strdup (path);
  self->flags = flags;

  if (open_writer (self, &local_error))
    return g_steal_pointer (&self);

  if (!is_recoverable (local_error) || (flags & HW_EVENT_STORE_NO_RECOVER))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  "Cannot open event store %s: ", path);
      return NULL;
    }

  if (!move_aside (self, local_error->message, error) ||
      !open_writer (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

const char *
hw_event_store_get_path (HwEventStore *self)
{
  g_return_val_if_fail (HW_IS_EVENT_STORE (self), NULL);
  return self->path;
}

const char *
hw_event_store_get_recovery_message (HwEventStore *self)
{
  g_return_val_if_fail (HW_IS_EVENT_STORE (self), NULL);
  return self->recovery_message;
}

/* GObject ----------------------------------------------------------------- */

static void
hw_event_store_finalize (GObject *object)
{
  HwEventStore *self = HW_EVENT_STORE (object);

  /* First: the writer must close last, so that it checkpoints and
   * removes the WAL (a clean close skips the integrity check next time). */
  hw_store_stop_text_index (self);
  hw_store_stop_checkpoints (self);
  g_clear_pointer (&self->idle_readers, g_ptr_array_unref);
  g_clear_pointer (&self->writer, hw_store_conn_free);
  hw_event_store_set_mask_rules (self, NULL);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->recovery_message, g_free);
  g_mutex_clear (&self->write_lock);
  g_mutex_clear (&self->pool_lock);
  g_mutex_clear (&self->ckpt_lock);
  g_cond_clear (&self->ckpt_cond);
  g_mutex_clear (&self->text_lock);
  g_cond_clear (&self->text_cond);

  G_OBJECT_CLASS (hw_event_store_parent_class)->finalize (object);
}

static void
hw_event_store_class_init (HwEventStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hw_event_store_finalize;
}

static void
hw_event_store_init (HwEventStore *self)
{
  g_mutex_init (&self->write_lock);
  g_mutex_init (&self->pool_lock);
  g_mutex_init (&self->ckpt_lock);
  g_cond_init (&self->ckpt_cond);
  g_mutex_init (&self->text_lock);
  g_cond_init (&self->text_cond);
  g_queue_init (&self->text_queue);
  self->idle_readers = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_store_conn_free);
}
