/* hw-state-db.c: opening, migrating and recovering the state database
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/file.h>
#include <unistd.h>

#include "hw-error.h"
#include "hw-state-db-private.h"

/* Forward migrations: entry N upgrades schema version N to N + 1. Never edit
 * a step that has shipped; append a new one. */
static const char * const migrations[] = {
  /* 0 → 1: the outbox and the inbox. */
  "CREATE TABLE outbox ("
  "  seq          INTEGER PRIMARY KEY,"
  "  key          TEXT NOT NULL UNIQUE,"
  "  kind         TEXT NOT NULL CHECK (kind IN ('replay', 'resubmission')),"
  "  hub_id       TEXT NOT NULL,"
  "  body         TEXT NOT NULL,"
  "  state        TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent',"
  "                 'acknowledged', 'failed', 'cancelled', 'conflict')),"
  "  created_at   INTEGER NOT NULL,"
  "  updated_at   INTEGER NOT NULL,"
  "  attempts     INTEGER NOT NULL DEFAULT 0,"
  "  last_error   TEXT,"
  "  job_id       TEXT,"
  "  requested_by TEXT"
  ");"
  "CREATE INDEX outbox_by_state ON outbox (state, hub_id, seq);"
  "CREATE TABLE inbox ("
  "  id           INTEGER PRIMARY KEY,"
  "  command_key  TEXT NOT NULL,"
  "  outcome      TEXT NOT NULL CHECK (outcome IN ('done', 'failed', 'conflict')),"
  "  message      TEXT,"
  "  created_at   INTEGER NOT NULL,"
  "  read         INTEGER NOT NULL DEFAULT 0,"
  "  UNIQUE (command_key, outcome)"
  ");",

  /* 1 → 2: jobs known per hub. */
  "CREATE TABLE jobs ("
  "  hub_id       TEXT NOT NULL,"
  "  id           TEXT NOT NULL,"
  "  kind         TEXT NOT NULL,"
  "  state        TEXT NOT NULL,"
  "  progress     TEXT,"
  "  requested_by TEXT,"
  "  command_key  TEXT,"
  "  updated_at   INTEGER NOT NULL,"
  "  PRIMARY KEY (hub_id, id)"
  ");"
  "CREATE INDEX jobs_by_update ON jobs (hub_id, updated_at);",
};

static const char * const kind_names[] = { "replay", "resubmission" };
static const char * const state_names[] = {
  "queued", "sending", "sent", "acknowledged", "failed", "cancelled", "conflict",
};
static const char * const outcome_names[] = { "done", "failed", "conflict" };

static gboolean
lookup_name (const char * const *names,
             guint               n_names,
             const char         *text,
             int                *out)
{
  if (text == NULL)
    return FALSE;
  for (guint i = 0; i < n_names; i++)
    if (g_str_equal (names[i], text))
      {
        *out = (int) i;
        return TRUE;
      }
  return FALSE;
}

const char *
hw_command_kind_to_string (HwCommandKind kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (kind_names), NULL);
  return kind_names[kind];
}

gboolean
hw_command_kind_from_string (const char    *text,
                             HwCommandKind *kind)
{
  int value;

  g_return_val_if_fail (kind != NULL, FALSE);
  if (!lookup_name (kind_names, G_N_ELEMENTS (kind_names), text, &value))
    return FALSE;
  *kind = (HwCommandKind) value;
  return TRUE;
}

const char *
hw_command_state_to_string (HwCommandState state)
{
  g_return_val_if_fail ((guint) state < G_N_ELEMENTS (state_names), NULL);
  return state_names[state];
}

gboolean
hw_command_state_from_string (const char     *text,
                              HwCommandState *state)
{
  int value;

  g_return_val_if_fail (state != NULL, FALSE);
  if (!lookup_name (state_names, G_N_ELEMENTS (state_names), text, &value))
    return FALSE;
  *state = (HwCommandState) value;
  return TRUE;
}

const char *
hw_inbox_outcome_to_string (HwInboxOutcome outcome)
{
  g_return_val_if_fail ((guint) outcome < G_N_ELEMENTS (outcome_names), NULL);
  return outcome_names[outcome];
}

gboolean
hw_inbox_outcome_from_string (const char     *text,
                              HwInboxOutcome *outcome)
{
  int value;

  g_return_val_if_fail (outcome != NULL, FALSE);
  if (!lookup_name (outcome_names, G_N_ELEMENTS (outcome_names), text, &value))
    return FALSE;
  *outcome = (HwInboxOutcome) value;
  return TRUE;
}

void
hw_outbox_command_free (HwOutboxCommand *command)
{
  if (command == NULL)
    return;
  g_free (command->key);
  g_free (command->hub_id);
  g_free (command->body);
  g_free (command->last_error);
  g_free (command->job_id);
  g_free (command->requested_by);
  g_free (command);
}

void
hw_inbox_item_free (HwInboxItem *item)
{
  if (item == NULL)
    return;
  g_free (item->command_key);
  g_free (item->message);
  g_free (item);
}

void
hw_state_job_free (HwStateJob *job)
{
  if (job == NULL)
    return;
  g_free (job->hub_id);
  g_free (job->id);
  g_free (job->kind);
  g_free (job->state);
  g_free (job->progress);
  g_free (job->requested_by);
  g_free (job->command_key);
  g_free (job);
}

/* Shared helpers (hw-state-db-private.h) */

gboolean
hw_state_db_fail (HwStateDb   *self,
                  int          rc,
                  const char  *what,
                  GError     **error)
{
  int code = HW_ERROR_IO;

  if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB)
    code = HW_ERROR_CORRUPT;
  else if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
    code = HW_ERROR_UNAVAILABLE;
  g_set_error (error, HW_ERROR, code, "State database %s: %s: %s",
               self->path, what,
               self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
  return FALSE;
}

sqlite3_stmt *
hw_state_db_prepare (HwStateDb   *self,
                     const char  *sql,
                     GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL);

  if (rc != SQLITE_OK)
    {
      hw_state_db_fail (self, rc, "cannot prepare a statement", error);
      return NULL;
    }
  return stmt;
}

gboolean
hw_state_db_exec (HwStateDb   *self,
                  const char  *sql,
                  GError     **error)
{
  int rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    return hw_state_db_fail (self, rc, "cannot run a statement", error);
  return TRUE;
}

gboolean
hw_state_db_step_done (HwStateDb     *self,
                       sqlite3_stmt  *stmt,
                       const char    *what,
                       GError       **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return hw_state_db_fail (self, rc, what, error);
  return TRUE;
}

gboolean
hw_state_db_begin (HwStateDb  *self,
                   GError    **error)
{
  return hw_state_db_exec (self, "BEGIN IMMEDIATE", error);
}

gboolean
hw_state_db_commit (HwStateDb  *self,
                    GError    **error)
{
  if (hw_state_db_exec (self, "COMMIT", error))
    return TRUE;
  hw_state_db_rollback (self);
  return FALSE;
}

void
hw_state_db_rollback (HwStateDb *self)
{
  if (!sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
}

gint64
hw_state_db_now_ms (void)
{
  return g_get_real_time () / 1000;
}

void
hw_state_db_bind_text (sqlite3_stmt *stmt,
                       int           index,
                       const char   *text)
{
  if (text == NULL)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
}

char *
hw_state_db_dup_text (sqlite3_stmt *stmt,
                      int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

/* Opening */

static gboolean
read_schema_version (HwStateDb  *self,
                     int        *version,
                     GError    **error)
{
  g_autoptr(sqlite3_stmt) stmt = hw_state_db_prepare (self, "PRAGMA user_version", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    return hw_state_db_fail (self, rc, "cannot read the schema version", error);
  *version = sqlite3_column_int (stmt, 0);
  return TRUE;
}

static gboolean
migrate (HwStateDb  *self,
         GError    **error)
{
  int version = 0;
  int latest = G_N_ELEMENTS (migrations);

  if (!hw_state_db_begin (self, error))
    return FALSE;
  if (!read_schema_version (self, &version, error))
    goto fail;
  if (version > latest)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_FAILED,
                   "State database %s has schema version %d, newer than this "
                   "Hubwatch knows (%d); it was left untouched",
                   self->path, version, latest);
      goto fail;
    }

  for (int step = version; step < latest; step++)
    {
      g_autofree char *set_version = NULL;

      if (!hw_state_db_exec (self, migrations[step], error))
        goto fail;
      set_version = g_strdup_printf ("PRAGMA user_version = %d", step + 1);
      if (!hw_state_db_exec (self, set_version, error))
        goto fail;
    }
  self->schema_version = latest;
  return hw_state_db_commit (self, error);

fail:
  hw_state_db_rollback (self);
  return FALSE;
}

static gboolean
check_integrity (HwStateDb  *self,
                 GError    **error)
{
  g_autoptr(sqlite3_stmt) stmt = hw_state_db_prepare (self, "PRAGMA quick_check", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    return hw_state_db_fail (self, rc, "integrity check failed", error);
  if (!g_str_equal ((const char *) sqlite3_column_text (stmt, 0), "ok"))
    {
      /* Unlike the cache, this file holds commands nobody else has: report
       * it and leave it for the user rather than moving it aside. */
      g_set_error (error, HW_ERROR, HW_ERROR_CORRUPT,
                   "State database %s is damaged: %s", self->path,
                   (const char *) sqlite3_column_text (stmt, 0));
      return FALSE;
    }
  return TRUE;
}

/* Every live connection holds a shared lock on "<path>.lock". Whoever gets
 * it exclusively while opening knows that no other connection, in any
 * process, is alive, so no claim in the file can be in flight: only then are
 * interrupted commands requeued. */
static gboolean
take_liveness_lock (HwStateDb  *self,
                    gboolean   *alone,
                    GError    **error)
{
  g_autofree char *lock_path = g_strconcat (self->path, ".lock", NULL);

  self->lock_fd = g_open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (self->lock_fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, HW_ERROR, HW_ERROR_IO, "State database %s: cannot open %s: %s",
                   self->path, lock_path, g_strerror (saved_errno));
      return FALSE;
    }

  *alone = flock (self->lock_fd, LOCK_EX | LOCK_NB) == 0;
  return TRUE;
}

static void
share_liveness_lock (HwStateDb *self)
{
  /* Blocks only while another opener is between its exclusive check and
   * its own downgrade: a few statements. */
  while (flock (self->lock_fd, LOCK_SH) != 0 && errno == EINTR)
    ;
}

/* A crash (or kill -9) between claiming a command and recording the hub's
 * answer leaves it in sending or sent. Sending it again is safe: the hub
 * dedupes on the idempotency key, so a command that did arrive is answered
 * with its existing job instead of running twice. Only called when no other
 * connection is alive (see take_liveness_lock()), so that a claim another
 * thread or process is working on is never taken from it. */
static gboolean
requeue_interrupted (HwStateDb  *self,
                     GError    **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = hw_state_db_prepare (self,
                              "UPDATE outbox SET state = 'queued', updated_at = ?,"
                              " last_error = 'interrupted; will be sent again'"
                              " WHERE state IN ('sending', 'sent')", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, hw_state_db_now_ms ());
  return hw_state_db_step_done (self, stmt, "cannot requeue interrupted commands", error);
}

static gboolean
configure (HwStateDb  *self,
           GError    **error)
{
  sqlite3_busy_timeout (self->db, 5000);
  sqlite3_extended_result_codes (self->db, 0);
  /* WAL keeps readers off the writer's back; synchronous=FULL syncs the
   * WAL on every commit, which is what makes a returned enqueue durable. */
  return hw_state_db_exec (self,
                           "PRAGMA journal_mode = WAL;"
                           "PRAGMA synchronous = FULL;"
                           "PRAGMA foreign_keys = ON;", error);
}

HwStateDb *
hw_state_db_open (const char  *path,
                  GError     **error)
{
  g_autoptr(HwStateDb) self = NULL;
  gboolean alone = FALSE;
  int rc;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_new0 (HwStateDb, 1);
  self->path = g_strdup (path);
  self->lock_fd = -1;

  /* Queued commands name what to replay where: owner-only, like the
   * directory. SQLite gives its -wal and -shm files the same mode. */
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      int fd = g_open (path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

      if (fd >= 0)
        close (fd);
    }

  rc = sqlite3_open_v2 (path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL);
  if (rc != SQLITE_OK)
    {
      hw_state_db_fail (self, rc, "cannot open", error);
      return NULL;
    }

  if (!configure (self, error)
      || !check_integrity (self, error)
      || !migrate (self, error))
    return NULL;

  if (!take_liveness_lock (self, &alone, error))
    return NULL;
  if (alone && !requeue_interrupted (self, error))
    return NULL;
  share_liveness_lock (self);

  return g_steal_pointer (&self);
}

void
hw_state_db_close (HwStateDb *self)
{
  if (self == NULL)
    return;
  sqlite3_close_v2 (self->db);
  if (self->lock_fd >= 0)
    close (self->lock_fd);  /* releases the liveness lock */
  g_free (self->path);
  g_free (self);
}

const char *
hw_state_db_get_path (HwStateDb *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->path;
}

int
hw_state_db_get_schema_version (HwStateDb *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->schema_version;
}
