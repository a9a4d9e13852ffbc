/* hw-event-store-private.h: internals shared by the hw-event-store-*.c files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <sqlite3.h>

#include "hw-event-store.h"
#include "hw-query-private.h"

G_BEGIN_DECLS

/* One SQLite connection with its prepared-statement cache. A connection is
 * used by one thread at a time: the writer under write_lock, readers by
 * whoever took them from the pool. */
typedef struct
{
  sqlite3      *db;
  GHashTable   *stmts;         /* SQL text → sqlite3_stmt* */
  GCancellable *cancellable;   /* checked by the progress handler */
  HwEventStore *store;         /* a reader's, while taken from the pool */
} HwStoreConn;

typedef struct _HwTextBatch HwTextBatch;

struct _HwEventStore
{
  GObject            parent_instance;

  char              *path;
  HwEventStoreFlags  flags;
  char              *recovery_message;

  GMutex             write_lock;
  HwStoreConn       *writer;
  HwMaskRules       *mask_rules;    /* under write_lock */

  GMutex             pool_lock;
  GPtrArray         *idle_readers;  /* HwStoreConn* */

  /* Checkpoints run on their own thread (hw-event-store.c); all under
   * ckpt_lock. */
  GMutex             ckpt_lock;
  GCond              ckpt_cond;
  GThread           *ckpt_thread;
  guint64            ckpt_commits;     /* commits the WAL hook saw */
  guint64            ckpt_requested;   /* a pass is wanted up to this commit */
  guint64            ckpt_done;        /* the last pass started after this commit */
  int                ckpt_wal_pages;   /* WAL frames after the last commit */
  int                ckpt_pages;       /* a pass starts past this many frames */
  int                ckpt_max_pages;   /* a write waits for a full pass past this many */
  gboolean           ckpt_stopping;

  /* The full-text index: a file of its own, written by its own thread
   * (hw-event-store-index.c); all under text_lock. */
  GMutex             text_lock;
  GCond              text_cond;
  GThread           *text_thread;
  HwStoreConn       *text_conn;         /* the index thread's */
  GQueue             text_queue;        /* HwTextBatch*, in seq order */
  gsize              text_queued_bytes;
  gint64             text_committed;    /* the newest seq a search must find */
  gint64             text_indexed;      /* the newest seq in the index */
  gboolean           text_catching_up;  /* from the stored bodies, not the queue */
  char              *text_error;        /* the last failure, until a write works */
  gboolean           text_stopping;
};

/* A statement from a connection's cache, reset and unbound when released. */
typedef sqlite3_stmt HwCachedStmt;
void          hw_cached_stmt_release     (HwCachedStmt  *stmt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwCachedStmt, hw_cached_stmt_release)

/* hw-event-store.c */
HwStoreConn  *hw_store_conn_new          (const char    *path,
                                          int            open_flags,
                                          GError       **error);
void          hw_store_conn_free         (HwStoreConn   *conn);
HwCachedStmt *hw_store_conn_prepare      (HwStoreConn   *conn,
                                          const char    *sql,
                                          GError       **error);
gboolean      hw_store_conn_exec         (HwStoreConn   *conn,
                                          const char    *sql,
                                          GError       **error);
/* The same, with errors saying @what rather than the SQL. */
gboolean      hw_store_conn_exec_as      (HwStoreConn   *conn,
                                          const char    *sql,
                                          const char    *what,
                                          GError       **error);
void          hw_store_set_sqlite_error  (GError       **error,
                                          sqlite3       *db,
                                          int            rc,
                                          const char    *what);
HwStoreConn  *hw_store_acquire_reader    (HwEventStore  *self,
                                          GCancellable  *cancellable,
                                          GError       **error);
void          hw_store_release_reader    (HwEventStore  *self,
                                          HwStoreConn   *conn);
char         *hw_store_decompress        (const void    *data,
                                          gsize          length,
                                          GError       **error);
/* An LZ4 body: this magic, the JSON's length as 32-bit little-endian, then
 * one LZ4 block. Neither a zstd frame nor a zlib stream (the only other
 * bodies) can start with the magic: zstd's is 28 b5 2f fd, and "hw" fails
 * the zlib header's check. */
static const guint8 hw_lz4_body_magic[4] = { 'h', 'w', 'l', '4' };
#define HW_LZ4_BODY_HEADER_BYTES 8
/* The largest body the store writes or reads back, of any codec. Events
 * are bounded by the parse limits (1 MiB by default); a stored size beyond
 * this is damage, not something to allocate. */
#define HW_STORE_MAX_BODY_BYTES  (64 * 1024 * 1024)

/* Into @out, NUL-terminated (its len is the JSON's length plus one),
 * which a caller reusing it for every row keeps the allocator out of a
 * scan; @out's data, or NULL on error. */
const char   *hw_store_decompress_into   (const void    *data,
                                          gsize          length,
                                          GByteArray    *out,
                                          GError       **error);

/* An event's full-text row: its seq, and its search text with each word
 * once (hw_index_words_dedup()). */
#define HW_STORE_INSERT_FTS_SQL "INSERT INTO events_fts (rowid, text) VALUES (?, ?)"
/* What the index file is attached as on readers. */
#define HW_STORE_TEXT_SCHEMA "text_index"

/* hw-event-store-text.c: hw_phrase() on every connection, and stored
 * events indexed again from their bodies. */
gboolean      hw_store_register_functions (sqlite3      *db,
                                           GError      **error);
gboolean      hw_store_read_stored_texts  (sqlite3      *db,
                                           gint64        after,
                                           gint64        before,
                                           guint         limit,
                                           HwTextBatch  *batch,
                                           GError      **error);

/* hw-event-store-index.c: the full-text index beside the store. Started
 * once the writer is open (@check: the store was not closed cleanly, so
 * check the index file too), stopped before it closes. */
gboolean      hw_store_start_text_index  (HwEventStore  *self,
                                          gboolean       check,
                                          GError       **error);
void          hw_store_stop_text_index   (HwEventStore  *self);
/* Until the index holds every event committed so far, or it fails, or
 * @cancellable is cancelled. */
void          hw_store_await_text        (HwEventStore  *self,
                                          GCancellable  *cancellable);
/* The same, when @query has words. */
void          hw_store_await_text_for    (HwEventStore  *self,
                                          HwQuery       *query,
                                          GCancellable  *cancellable);
/* The texts of one write transaction's accepted events, handed to the
 * index thread once they are committed (under write_lock, in commit
 * order, which is seq order). */
HwTextBatch  *hw_text_batch_new          (void);
void          hw_text_batch_add          (HwTextBatch   *batch,
                                          gint64         seq,
                                          const char    *id,
                                          const char    *text);
void          hw_text_batch_free         (HwTextBatch   *batch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwTextBatch, hw_text_batch_free)
void          hw_store_queue_text        (HwEventStore  *self,
                                          HwTextBatch   *batch);
/* For tests: while held, no index thread of this process starts a
 * catch-up transaction, so a store stays behind its index for as long as
 * the test looks at it (a small one catches up within milliseconds).
 * Stopping a store ends the hold for it. */
void          hw_store_hold_catch_ups    (gboolean       hold);

/* hw-event-store-index-file.c: the index's file beside the store. */
char         *hw_store_text_index_path   (const char    *store_path);
void          hw_store_remove_text_index (const char    *store_path);
gboolean      hw_store_attach_text_index (HwStoreConn   *conn,
                                          const char    *store_path,
                                          GError       **error);
/* The index thread's connection to the file, made anew when it is
 * missing, damaged or not this store's (@check: quick_check it too);
 * @indexed is the newest seq it holds. */
HwStoreConn  *hw_store_open_text_index   (HwEventStore  *self,
                                          gboolean       check,
                                          gint64        *indexed,
                                          GError       **error);
/* The first row's first column of @sql (@bind its one parameter, if it
 * has one), and the second's text if @text_out; *@out is -1 without a
 * row, which unlike hw_store_select_int() is no error. Errors read as
 * the index's state failing to read. */
gboolean      hw_store_text_select_int   (HwStoreConn   *conn,
                                          const char    *sql,
                                          gint64         bind,
                                          gint64        *out,
                                          char         **text_out,
                                          GError       **error);

/* hw-event-store-checkpoint.c: once the writer is open, and before it
 * closes. */
void          hw_store_start_checkpoints (HwEventStore  *self);
void          hw_store_stop_checkpoints  (HwEventStore  *self);
/* Under write_lock, before a write transaction: when the WAL has grown
 * past its bound, waits for a checkpoint of everything committed, so that
 * the transaction starts the WAL over. */
void          hw_store_bound_wal         (HwEventStore  *self);
/* For tests, which reach the bounds with less data; any time. */
void          hw_store_set_wal_bounds    (HwEventStore  *self,
                                          int            checkpoint_pages,
                                          int            max_pages);

/* hw-event-store-insert.c: the writer connection, under write_lock */
HwStoreConn  *hw_store_lock_writer       (HwEventStore  *self);
void          hw_store_unlock_writer     (HwEventStore  *self);

/* hw-event-store-schema.c */
/* Brings a file to the current schema, one transaction per step.
 * HW_ERROR_CORRUPT for a schema from the future or a database that is not
 * ours; the caller decides whether to recover. */
gboolean      hw_store_schema_migrate    (sqlite3       *db,
                                          GError       **error);

/* hw-event-store-query.c: the WHERE clause shared by every read. Builds
 * "<query> AND e.ts >= ? AND e.ts < ?" and appends its parameters to
 * @params (GVariant*, owned). */
char         *hw_store_build_where       (HwQuery       *query,
                                          gint64         from_ms,
                                          gint64         to_ms,
                                          GPtrArray     *params);
/* The same, with free-text terms compiled per @flags (hw-query-private.h). */
char         *hw_store_build_where_full  (HwQuery         *query,
                                          gint64           from_ms,
                                          gint64           to_ms,
                                          HwQuerySqlFlags  flags,
                                          GPtrArray       *params);
/* HW_QUERY_SQL_TEXT_AS_FILTER when every free-text term that all matches
 * need matches at least @min_matches rows (probed, capped), else NONE. */
HwQuerySqlFlags hw_store_plan_text       (HwStoreConn     *conn,
                                          HwQuery         *query,
                                          gint64           min_matches);
/* @min_matches for reads that visit every match (counts, lists, aggregates). */
gint64        hw_store_full_filter_min   (HwStoreConn     *conn);
GPtrArray    *hw_store_params_new        (void);

/* hw-event-store-records.c: helpers for the stores of records (faults,
 * system events, metric points, cursors). Parameters are GVariant*. */
typedef gpointer (*HwStoreRowReader) (sqlite3_stmt *stmt);

void          hw_store_param_string      (GPtrArray      *params,
                                          const char     *value);
void          hw_store_param_int         (GPtrArray      *params,
                                          gint64          value);
char         *hw_store_column_dup_text   (sqlite3_stmt   *stmt,
                                          int             column);
/* Runs a read-only @sql on a pooled reader, each row made an item. */
GPtrArray    *hw_store_select_items      (HwEventStore      *self,
                                          const char        *sql,
                                          GPtrArray         *params,
                                          HwStoreRowReader   read_row,
                                          GDestroyNotify     free_item,
                                          GCancellable      *cancellable,
                                          GError           **error);
/* One write statement per parameter set, all in one transaction. */
gboolean      hw_store_write_batch       (HwEventStore   *self,
                                          const char     *sql,
                                          GPtrArray     **param_sets,
                                          guint           n,
                                          gint64         *total_changes,
                                          GError        **error);
gboolean      hw_store_write_one         (HwEventStore   *self,
                                          const char     *sql,
                                          GPtrArray      *params,
                                          gint64         *changes,
                                          GError        **error);
gboolean      hw_store_bind              (sqlite3_stmt  *stmt,
                                          GPtrArray     *params,
                                          GError       **error);
/* The first column of the first row; -1 on error. */
gint64        hw_store_select_int        (HwStoreConn   *conn,
                                          const char    *sql,
                                          GPtrArray     *params,
                                          GError       **error);
HwEventRow   *hw_store_row_from_stmt     (sqlite3_stmt  *stmt,
                                          gboolean       with_body,
                                          GError       **error);
/* Everything but the body, pointing into @stmt's current row. */
void          hw_store_borrow_columns    (sqlite3_stmt  *stmt,
                                          HwEventRow    *row);
/* Prepares @sql on @conn, binds @params and collects up to @max_rows
 * rows into @rows (hw_store_new_row_array()). */
gboolean      hw_store_select_rows       (HwStoreConn   *conn,
                                          const char    *sql,
                                          GPtrArray     *params,
                                          gboolean       with_body,
                                          guint          max_rows,
                                          GPtrArray     *rows,
                                          GError       **error);
GPtrArray    *hw_store_new_row_array     (void);
/* Rows in a page or sync batch when the caller names no limit. */
#define HW_STORE_DEFAULT_PAGE_SIZE 100
/* Column list matching hw_store_row_from_stmt(). */
#define HW_STORE_ROW_COLUMNS \
  "e.seq, e.ts, e.received_ms, e.id, e.type, e.partition_key, e.source, " \
  "e.functionname, e.pipeline, e.is_fault, e.size, e.body"

G_END_DECLS
