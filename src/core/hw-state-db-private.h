/* hw-state-db-private.h: what the state database's source files share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <sqlite3.h>

#include "hw-state-db.h"

G_BEGIN_DECLS

struct _HwStateDb
{
  sqlite3 *db;
  char    *path;
  int      schema_version;
  int      lock_fd;          /* holds a shared flock while open */
};

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* Sets @error from the connection's last failure, prefixed with @what;
 * always returns FALSE so callers can `return hw_state_db_fail (…)`. */
gboolean      hw_state_db_fail      (HwStateDb    *self,
                                     int           rc,
                                     const char   *what,
                                     GError      **error);
sqlite3_stmt *hw_state_db_prepare   (HwStateDb    *self,
                                     const char   *sql,
                                     GError      **error);
gboolean      hw_state_db_exec      (HwStateDb    *self,
                                     const char   *sql,
                                     GError      **error);
/* Steps a statement that returns no rows. */
gboolean      hw_state_db_step_done (HwStateDb    *self,
                                     sqlite3_stmt *stmt,
                                     const char   *what,
                                     GError      **error);

/* BEGIN IMMEDIATE: takes the write lock up front, so a read-then-write
 * (check a state, then change it) cannot interleave with another writer. */
gboolean      hw_state_db_begin     (HwStateDb    *self,
                                     GError      **error);
gboolean      hw_state_db_commit    (HwStateDb    *self,
                                     GError      **error);
void          hw_state_db_rollback  (HwStateDb    *self);

gint64        hw_state_db_now_ms    (void);
/* NULL binds SQL NULL. */
void          hw_state_db_bind_text (sqlite3_stmt *stmt,
                                     int           index,
                                     const char   *text);
char         *hw_state_db_dup_text  (sqlite3_stmt *stmt,
                                     int           column);

G_END_DECLS
