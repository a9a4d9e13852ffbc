/* test-event-store-migrate.c: opening a version-1 event store migrates it forward
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sqlite3.h>

#include "hw-error.h"
#include "hw-event-store.h"
#include "hw-query.h"
#include "hw-test-util.h"

/* The schema as version 1 shipped it, written out by hand rather than taken
 * from the store, so that a change to the shipped step is caught here. */
static const char v1_schema[] =
  "CREATE TABLE events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,"
  "  ts INTEGER NOT NULL, received_ms INTEGER NOT NULL, partition_key TEXT, source TEXT,"
  "  functionname TEXT, pipeline TEXT, account TEXT, region TEXT, stage TEXT, tags TEXT,"
  "  is_fault INTEGER NOT NULL, size INTEGER NOT NULL, body BLOB NOT NULL);"
  "CREATE INDEX events_ts ON events (ts);"
  "CREATE INDEX events_type_ts ON events (type, ts);"
  "CREATE INDEX events_functionname_ts ON events (functionname, ts);"
  "CREATE INDEX events_partition_key ON events (partition_key);"
  "CREATE INDEX events_source_ts ON events (source, ts);"
  "CREATE VIRTUAL TABLE events_fts USING fts5 (text, content='', columnsize=0,"
  "  tokenize='unicode61 remove_diacritics 2');"
  "CREATE TABLE faults (seq INTEGER PRIMARY KEY REFERENCES events (seq), ts INTEGER NOT NULL,"
  "  functionname TEXT, pipeline TEXT, err_name TEXT, err_message TEXT, err_stack TEXT,"
  "  resubmitted_at INTEGER);"
  "CREATE INDEX faults_ts ON faults (ts);"
  "CREATE TABLE system_events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
  "  kind TEXT NOT NULL, ts INTEGER NOT NULL, service TEXT, json TEXT NOT NULL);"
  "CREATE INDEX system_events_ts ON system_events (ts);"
  "CREATE INDEX system_events_kind_ts ON system_events (kind, ts);"
  "CREATE TABLE metric_points (name TEXT NOT NULL, labels TEXT NOT NULL,"
  "  resolution_s INTEGER NOT NULL, ts INTEGER NOT NULL, sum REAL NOT NULL, min REAL NOT NULL,"
  "  max REAL NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (name, resolution_s, labels, ts))"
  "  WITHOUT ROWID;"
  "CREATE INDEX metric_points_range ON metric_points (name, resolution_s, ts);"
  "CREATE TABLE sync_cursors (name TEXT PRIMARY KEY, value TEXT NOT NULL,"
  "  updated_at INTEGER NOT NULL);"
  "PRAGMA user_version = 1;";

static const char fault_json[] =
  "{\"id\":\"f1\",\"type\":\"fault\",\"timestamp\":1714737600000,\"partitionKey\":\"ord-7\","
  "\"tags\":{\"functionname\":\"pay\"},\"err\":{\"name\":\"E\",\"message\":\"declined\"}}";

static GBytes *
zlib_compress (const char *text)
{
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB, -1);
  g_autoptr(GInputStream) plain = g_memory_input_stream_new_from_data (text, strlen (text), NULL);
  g_autoptr(GInputStream) stream = g_converter_input_stream_new (plain, G_CONVERTER (compressor));
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;

  g_output_stream_splice (out, stream, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error);
  g_assert_no_error (error);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

static void
exec_or_die (sqlite3    *db,
             const char *sql)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
}

static void
write_v1_file (const char *path)
{
  g_autoptr(GBytes) body = zlib_compress (fault_json);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  exec_or_die (db, v1_schema);
  g_assert_cmpint (sqlite3_prepare_v2 (db,
    "INSERT INTO events (seq, id, type, ts, received_ms, partition_key, functionname, is_fault, size, body) "
    "VALUES (7, 'f1', 'fault', 1714737600000, 1714737600500, 'ord-7', 'pay', 1, 140, ?)",
    -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_blob (stmt, 1, g_bytes_get_data (body, NULL), g_bytes_get_size (body), SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  exec_or_die (db,
    "INSERT INTO events_fts (rowid, text) VALUES (7, 'fault pay ord-7 E declined');"
    "INSERT INTO faults (seq, ts, functionname, err_name, err_message, resubmitted_at) "
    "  VALUES (7, 1714737600000, 'pay', 'E', 'declined', 1714737700000);"
    "INSERT INTO sync_cursors VALUES ('lake', '7', 1714737600000);");
  sqlite3_close (db);
}

static gint64
query_int (const char *path,
           const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

typedef struct { const char *text; gint64 count; } Count;

static void
assert_counts (HwEventStore *store,
               const Count  *counts,
               guint         n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HwQuery) query = hw_query_parse (counts[i].text, 0, NULL, &error);

      g_assert_no_error (error);
      g_test_message ("query: %s", counts[i].text);
      g_assert_cmpint (hw_event_store_count (store, query, HW_EVENT_STORE_UNBOUNDED,
                                             HW_EVENT_STORE_UNBOUNDED, NULL, &error), ==, counts[i].count);
      g_assert_no_error (error);
    }
}

/* The full-text index file beside a store, at its current layout and
 * holding events up to @indexed_upto. */
static void
assert_text_index_current (const char *text_path,
                           gint64      indexed_upto)
{
  g_assert_cmpint (query_int (text_path, "PRAGMA user_version"), ==, 1);
  g_assert_cmpint (query_int (text_path, "SELECT instr(sql, 'detail=none') > 0 FROM sqlite_schema "
                                         "WHERE name = 'events_fts'"), ==, 1);
  g_assert_cmpint (query_int (text_path, "SELECT v FROM events_fts_config WHERE k = 'automerge'"), ==, 16);
  g_assert_cmpint (query_int (text_path, "SELECT v FROM events_fts_config WHERE k = 'crisismerge'"), ==, 64);
  g_assert_cmpint (query_int (text_path, "PRAGMA page_size"), ==, 8192);
  g_assert_cmpint (query_int (text_path, "SELECT indexed_upto FROM index_state"), ==, indexed_upto);
}

static void
test_migrate_v1 (void)
{
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "old.db", NULL);
  g_autofree char *text_path = g_strconcat (path, "-text", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(HwEventStore) store = NULL;
  g_autoptr(HwQuery) query = NULL;
  g_autoptr(GPtrArray) faults = NULL;
  g_autofree char *json = NULL;
  g_autofree char *cursor = NULL;
  HwFaultFilter filter = { 0 };
  HwFaultRow *fault;
  static const Count by_key[] = {
    { "partitionKey:ord-7", 1 },
    { "partitionKey:ord-*", 1 },
    { "partitionKey:Ord-7", 0 },
    { "partitionKey:ord", 0 },
    { "-partitionKey:ord-7", 0 },
  };
  static const Count by_text[] = {
    { "f1", 1 },
    { "\"e declined\"", 1 },
    { "\"declined e\"", 0 },
    { "\"pay f1 ord-7\"", 1 },
    { "\"pay e\"", 0 },
  };

  write_v1_file (path);
  g_assert_cmpint (hw_event_store_schema_version (), >=, 2);

  store = hw_event_store_open (path, HW_EVENT_STORE_NO_RECOVER, &error);
  g_assert_no_error (error);
  g_assert_null (hw_event_store_get_recovery_message (store));

  /* The data survived: the event, its body, its index entry, the cursor. */
  json = hw_event_store_get_event_json (store, 7, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json, ==, fault_json);
  cursor = hw_event_store_get_cursor (store, "lake", NULL, &error);
  g_assert_cmpstr (cursor, ==, "7");
  query = hw_query_parse ("declined", 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (hw_event_store_count (store, query, HW_EVENT_STORE_UNBOUNDED,
                                         HW_EVENT_STORE_UNBOUNDED, NULL, &error), ==, 1);
  /* v5 → v6 filled the index again from the body: its text now has the
   * id, which the text written above had not, and phrases are tested
   * against the body. */
  assert_counts (store, by_text, G_N_ELEMENTS (by_text));

  /* v1 → v2 added faults.state, derived from resubmitted_at. */
  filter.state = HW_FAULT_STATE_RESUBMITTED;
  faults = hw_event_store_list_faults (store, &filter, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (faults->len, ==, 1);
  fault = g_ptr_array_index (faults, 0);
  g_assert_cmpstr (fault->id, ==, "f1");
  g_assert_cmpint (fault->state, ==, HW_FAULT_STATE_RESUBMITTED);
  g_assert_cmpint (fault->resubmitted_at_ms, ==, 1714737700000);
  g_clear_object (&store);

  g_assert_cmpint (query_int (path, "PRAGMA user_version"), ==, hw_event_store_schema_version ());
  g_assert_cmpint (query_int (path, "SELECT count(*) FROM pragma_table_info('faults') "
                                    "WHERE name = 'state'"), ==, 1);
  g_assert_cmpint (query_int (path, "SELECT count(*) FROM sqlite_schema "
                                    "WHERE name = 'faults_functionname_ts'"), ==, 1);
  /* v4 → v5 dropped the partition_key index; the key is found through the
   * full-text index instead. */
  g_assert_cmpint (query_int (path, "SELECT count(*) FROM sqlite_schema "
                                    "WHERE name = 'events_partition_key'"), ==, 0);
  /* v6 → v7 moved the full-text index to a file of its own, which the
   * index thread filled from the bodies (the searches above found the
   * events through it): without positions since v6, merging as v3 and v4
   * set. */
  g_assert_cmpint (query_int (path, "SELECT count(*) FROM sqlite_schema WHERE name = 'events_fts'"), ==, 0);
  assert_text_index_current (text_path, 7);

  /* Opening again is a no-op. */
  store = hw_event_store_open (path, HW_EVENT_STORE_NO_RECOVER, &error);
  g_assert_no_error (error);
  g_assert_cmpint (hw_event_store_get_max_seq (store, &error), ==, 7);
  assert_counts (store, by_key, G_N_ELEMENTS (by_key));
  g_clear_object (&store);

  hw_test_rmdir (dir);
}

static void
test_fresh_is_current (void)
{
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "new.db", NULL);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *text_path = g_strconcat (path, "-text", NULL);
  g_autofree char *text_wal = g_strconcat (path, "-text-wal", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(HwEventStore) store = NULL;

  store = hw_event_store_open (path, HW_EVENT_STORE_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_clear_object (&store);
  /* The checkpointer's connection closed first, so the writer, closing
   * last, checkpointed and removed the WAL. */
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));

  g_assert_cmpint (query_int (path, "PRAGMA user_version"), ==, hw_event_store_schema_version ());
  g_assert_cmpint (query_int (path, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND "
                                    "name IN ('events', 'faults', 'system_events', "
                                    "'metric_points', 'sync_cursors')"), ==, 5);
  g_assert_cmpint (query_int (path, "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND "
                                    "name LIKE 'events_%'"), ==, 4);
  g_assert_cmpint (query_int (path, "PRAGMA page_size"), ==, 8192);
  assert_text_index_current (text_path, 0);
  /* The index thread's connection closed last in its file too. */
  g_assert_false (g_file_test (text_wal, G_FILE_TEST_EXISTS));

  hw_test_rmdir (dir);
}

/* Stored bodies that cannot be read any more (damaged on disk, or from a
 * codec this build lacks) do not stop the upgrade: their rows stay, not
 * searchable, and one warning counts them, however many there are. */
static void
test_unreadable_bodies (void)
{
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "old.db", NULL);
  g_autofree char *damaged = g_strconcat (path, "-damaged", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(HwEventStore) store = NULL;
  static const Count counts[] = {
    { "", 31 },
    { "f1", 1 },
    { "broken", 0 },
  };
  sqlite3 *db = NULL;

  write_v1_file (path);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  for (guint i = 0; i < 30; i++)
    {
      g_autofree char *sql = g_strdup_printf (
        "INSERT INTO events (seq, id, type, ts, received_ms, is_fault, size, body) "
        "VALUES (%u, 'broken-%u', 'broken', 1714737600000, 1714737600500, 0, 10, x'00ff00ff00ff')",
        100 + i, i);

      exec_or_die (db, sql);
    }
  sqlite3_close (db);

  g_test_expect_message ("hubwatch-core", G_LOG_LEVEL_WARNING,
                         "re-indexing: 30 stored events could not be read and are not searchable "
                         "(seq 100, 101, 102, 103, 104, …; the first: *");
  store = hw_event_store_open (path, HW_EVENT_STORE_NO_RECOVER, &error);
  g_assert_no_error (error);
  /* The index thread reads the bodies after the open; a search with words
   * waits for it. */
  assert_counts (store, counts, G_N_ELEMENTS (counts));
  g_test_assert_expected_messages ();
  g_clear_object (&store);
  /* A body is not the file: nothing marks the store as damaged. */
  g_assert_false (g_file_test (damaged, G_FILE_TEST_EXISTS));

  hw_test_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/event-store/migrate/v1-to-current", test_migrate_v1);
  g_test_add_func ("/event-store/migrate/fresh-is-current", test_fresh_is_current);
  g_test_add_func ("/event-store/migrate/unreadable-bodies", test_unreadable_bodies);

  return g_test_run ();
}
