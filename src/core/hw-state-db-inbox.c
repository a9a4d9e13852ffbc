/* hw-state-db-inbox.c: results of commands, and the jobs known per hub
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-error.h"
#include "hw-state-db-private.h"

#define JOB_COLUMNS "hub_id, id, kind, state, progress, requested_by, command_key, updated_at"

static HwInboxItem *
item_from_row (sqlite3_stmt *stmt)
{
  HwInboxItem *item = g_new0 (HwInboxItem, 1);

  item->id = sqlite3_column_int64 (stmt, 0);
  item->command_key = hw_state_db_dup_text (stmt, 1);
  hw_inbox_outcome_from_string ((const char *) sqlite3_column_text (stmt, 2), &item->outcome);
  item->message = hw_state_db_dup_text (stmt, 3);
  item->created_at_ms = sqlite3_column_int64 (stmt, 4);
  item->read = sqlite3_column_int (stmt, 5) != 0;
  return item;
}

static gint64
find_inbox_id (HwStateDb       *self,
               const char      *command_key,
               HwInboxOutcome   outcome,
               GError         **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = hw_state_db_prepare (self,
                              "SELECT id FROM inbox WHERE command_key = ? AND outcome = ?", error);
  if (stmt == NULL)
    return 0;
  hw_state_db_bind_text (stmt, 1, command_key);
  hw_state_db_bind_text (stmt, 2, hw_inbox_outcome_to_string (outcome));
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      hw_state_db_fail (self, rc, "cannot find an inbox item", error);
      return 0;
    }
  return sqlite3_column_int64 (stmt, 0);
}

gint64
hw_state_db_inbox_add (HwStateDb       *self,
                       const char      *command_key,
                       HwInboxOutcome   outcome,
                       const char      *message,
                       gboolean        *out_is_new,
                       GError         **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gboolean is_new;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (command_key != NULL, 0);
  g_return_val_if_fail ((guint) outcome <= HW_INBOX_OUTCOME_CONFLICT, 0);

  stmt = hw_state_db_prepare (self,
                              "INSERT OR IGNORE INTO inbox (command_key, outcome, message, created_at)"
                              " VALUES (?, ?, ?, ?)", error);
  if (stmt == NULL)
    return 0;
  hw_state_db_bind_text (stmt, 1, command_key);
  hw_state_db_bind_text (stmt, 2, hw_inbox_outcome_to_string (outcome));
  hw_state_db_bind_text (stmt, 3, message);
  sqlite3_bind_int64 (stmt, 4, hw_state_db_now_ms ());
  if (!hw_state_db_step_done (self, stmt, "cannot add to the inbox", error))
    return 0;

  is_new = sqlite3_changes (self->db) == 1;
  if (out_is_new != NULL)
    *out_is_new = is_new;
  if (is_new)
    return sqlite3_last_insert_rowid (self->db);
  return find_inbox_id (self, command_key, outcome, error);
}

GPtrArray *
hw_state_db_inbox_list (HwStateDb  *self,
                        gboolean    unread_only,
                        GError    **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) items = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  stmt = hw_state_db_prepare (self,
                              "SELECT id, command_key, outcome, message, created_at, read"
                              " FROM inbox WHERE (?1 = 0 OR read = 0)"
                              " ORDER BY created_at DESC, id DESC", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int (stmt, 1, unread_only ? 1 : 0);

  items = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_inbox_item_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (items, item_from_row (stmt));
  if (rc != SQLITE_DONE)
    {
      hw_state_db_fail (self, rc, "cannot list the inbox", error);
      return NULL;
    }
  return g_steal_pointer (&items);
}

gboolean
hw_state_db_inbox_mark_read (HwStateDb  *self,
                             gint64      id,
                             GError    **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  stmt = hw_state_db_prepare (self, "UPDATE inbox SET read = 1 WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  if (!hw_state_db_step_done (self, stmt, "cannot mark an inbox item read", error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_NOT_FOUND,
                   "No inbox item with id %" G_GINT64_FORMAT, id);
      return FALSE;
    }
  return TRUE;
}

gint64
hw_state_db_inbox_count_unread (HwStateDb  *self,
                                GError    **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, -1);

  stmt = hw_state_db_prepare (self, "SELECT count(*) FROM inbox WHERE read = 0", error);
  if (stmt == NULL)
    return -1;
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      hw_state_db_fail (self, rc, "cannot count unread inbox items", error);
      return -1;
    }
  return sqlite3_column_int64 (stmt, 0);
}

/* Jobs */

static HwStateJob *
job_from_row (sqlite3_stmt *stmt)
{
  HwStateJob *job = g_new0 (HwStateJob, 1);

  job->hub_id = hw_state_db_dup_text (stmt, 0);
  job->id = hw_state_db_dup_text (stmt, 1);
  job->kind = hw_state_db_dup_text (stmt, 2);
  job->state = hw_state_db_dup_text (stmt, 3);
  job->progress = hw_state_db_dup_text (stmt, 4);
  job->requested_by = hw_state_db_dup_text (stmt, 5);
  job->command_key = hw_state_db_dup_text (stmt, 6);
  job->updated_at_ms = sqlite3_column_int64 (stmt, 7);
  return job;
}

gboolean
hw_state_db_jobs_put (HwStateDb         *self,
                      const HwStateJob  *job,
                      GError           **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (job != NULL, FALSE);
  g_return_val_if_fail (job->hub_id != NULL && job->id != NULL, FALSE);
  g_return_val_if_fail (job->kind != NULL && job->state != NULL, FALSE);

  stmt = hw_state_db_prepare (self,
                              "INSERT INTO jobs (" JOB_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                              " ON CONFLICT (hub_id, id) DO UPDATE SET"
                              "  kind = excluded.kind, state = excluded.state,"
                              "  progress = excluded.progress,"
                              "  requested_by = COALESCE (excluded.requested_by, requested_by),"
                              "  command_key = COALESCE (excluded.command_key, command_key),"
                              "  updated_at = excluded.updated_at", error);
  if (stmt == NULL)
    return FALSE;
  hw_state_db_bind_text (stmt, 1, job->hub_id);
  hw_state_db_bind_text (stmt, 2, job->id);
  hw_state_db_bind_text (stmt, 3, job->kind);
  hw_state_db_bind_text (stmt, 4, job->state);
  hw_state_db_bind_text (stmt, 5, job->progress);
  hw_state_db_bind_text (stmt, 6, job->requested_by);
  hw_state_db_bind_text (stmt, 7, job->command_key);
  sqlite3_bind_int64 (stmt, 8, job->updated_at_ms != 0 ? job->updated_at_ms : hw_state_db_now_ms ());
  return hw_state_db_step_done (self, stmt, "cannot save a job", error);
}

HwStateJob *
hw_state_db_jobs_get (HwStateDb   *self,
                      const char  *hub_id,
                      const char  *id,
                      GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (hub_id != NULL && id != NULL, NULL);

  stmt = hw_state_db_prepare (self,
                              "SELECT " JOB_COLUMNS " FROM jobs WHERE hub_id = ? AND id = ?", error);
  if (stmt == NULL)
    return NULL;
  hw_state_db_bind_text (stmt, 1, hub_id);
  hw_state_db_bind_text (stmt, 2, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_NOT_FOUND, "No job %s known for hub %s", id, hub_id);
      return NULL;
    }
  if (rc != SQLITE_ROW)
    {
      hw_state_db_fail (self, rc, "cannot read a job", error);
      return NULL;
    }
  return job_from_row (stmt);
}

GPtrArray *
hw_state_db_jobs_list (HwStateDb   *self,
                       const char  *hub_id,
                       GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  stmt = hw_state_db_prepare (self,
                              "SELECT " JOB_COLUMNS " FROM jobs WHERE (?1 IS NULL OR hub_id = ?1)"
                              " ORDER BY updated_at DESC, id", error);
  if (stmt == NULL)
    return NULL;
  hw_state_db_bind_text (stmt, 1, hub_id);

  jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_state_job_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (jobs, job_from_row (stmt));
  if (rc != SQLITE_DONE)
    {
      hw_state_db_fail (self, rc, "cannot list jobs", error);
      return NULL;
    }
  return g_steal_pointer (&jobs);
}

gboolean
hw_state_db_jobs_remove (HwStateDb   *self,
                         const char  *hub_id,
                         const char  *id,
                         GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (hub_id != NULL && id != NULL, FALSE);

  stmt = hw_state_db_prepare (self, "DELETE FROM jobs WHERE hub_id = ? AND id = ?", error);
  if (stmt == NULL)
    return FALSE;
  hw_state_db_bind_text (stmt, 1, hub_id);
  hw_state_db_bind_text (stmt, 2, id);
  if (!hw_state_db_step_done (self, stmt, "cannot remove a job", error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_NOT_FOUND, "No job %s known for hub %s", id, hub_id);
      return FALSE;
    }
  return TRUE;
}
