/* test-event-store-index.c: the full-text index file, written behind the events, finds every stored event
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sqlite3.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "hw-event-prepare.h"
#include "hw-event-store-private.h"
#include "hw-test-store.h"
#include "hw-test-util.h"

/* Events e<first>..e<first+n-1>, each with the word "batch<tag>" and one
 * word of its own, "word<i>". */
static void
insert_range (HwEventStore *store,
              guint         first,
              guint         n,
              const char   *tag)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_event_unref);

  for (guint i = first; i < first + n; i++)
    {
      g_autofree char *id = g_strdup_printf ("e%u", i);
      g_autofree char *note = g_strdup_printf ("batch%s word%u", tag, i);

      g_ptr_array_add (events, hw_test_make_event (id, "order-created", HW_TEST_BASE_MS + i,
                                                   "checkout", "shop", note));
    }
  hw_test_insert_all (store, events);
}

static HwEventStore *
open_store (const char *path)
{
  g_autoptr(GError) error = NULL;
  HwEventStore *store = hw_event_store_open (path, HW_EVENT_STORE_NO_RECOVER, &error);

  g_assert_no_error (error);
  return store;
}

/* One number from the index file beside @store_path: @sql with @text,
 * if not NULL, as its parameter. */
static gint64
index_file_int (const char *store_path,
                const char *sql,
                const char *text)
{
  g_autofree char *path = g_strconcat (store_path, "-text", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (text != NULL)
    sqlite3_bind_text (stmt, 1, text, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

static gint64
indexed_upto (const char *store_path)
{
  return index_file_int (store_path, "SELECT indexed_upto FROM index_state", NULL);
}

static void
copy_file (const char *from,
           const char *to)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (from, &contents, &length, &error));
  g_assert_true (g_file_set_contents (to, contents, length, &error));
  g_assert_no_error (error);
}

/* Searches see every event committed before they started, however far
 * behind the index thread is: each waits for it. */
static void
test_search_after_insert (HwTestStoreFixture *fixture,
                          gconstpointer       user_data)
{
  g_autoptr(GError) error = NULL;

  for (guint round = 0; round < 20; round++)
    {
      g_autofree char *tag = g_strdup_printf ("r%u", round);
      g_autofree char *text = g_strdup_printf ("batch%s", tag);

      insert_range (fixture->store, round * 300, 300, tag);
      g_assert_cmpint (hw_test_store_count (fixture->store, text), ==, 300);
      g_assert_cmpint (hw_test_store_count (fixture->store, "word17"), ==, 1);
    }
  g_assert_true (hw_event_store_wait_indexed (fixture->store, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (hw_test_store_count (fixture->store, "order"), ==, 6000);
}

/* The index file lost while closed (deleted, or from before a crash that
 * took its last commits): the store indexes its bodies again on open. */
static void
test_catch_up_after_loss (void)
{
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "events.db", NULL);
  g_autofree char *text_path = g_strconcat (path, "-text", NULL);
  g_autofree char *saved = g_strconcat (path, "-text.saved", NULL);
  g_autoptr(HwEventStore) store = NULL;
  g_autoptr(GError) error = NULL;

  store = open_store (path);
  insert_range (store, 0, 500, "a");
  g_clear_object (&store);
  g_assert_cmpint (indexed_upto (path), ==, 500);
  copy_file (text_path, saved);

  /* Behind: the index as it was before the second batch. */
  store = open_store (path);
  insert_range (store, 500, 700, "b");
  g_clear_object (&store);
  g_assert_cmpint (indexed_upto (path), ==, 1200);
  g_assert_cmpint (g_rename (saved, text_path), ==, 0);
  g_assert_cmpint (indexed_upto (path), ==, 500);

  store = open_store (path);
  g_assert_cmpint (hw_test_store_count (store, "batchb"), ==, 700);
  g_assert_cmpint (hw_test_store_count (store, "word1199"), ==, 1);
  g_assert_cmpint (hw_test_store_count (store, "batcha"), ==, 500);
  g_clear_object (&store);
  g_assert_cmpint (indexed_upto (path), ==, 1200);

  /* Gone: made anew from every body. */
  g_assert_cmpint (g_unlink (text_path), ==, 0);
  store = open_store (path);
  g_assert_true (hw_event_store_wait_indexed (store, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (hw_test_store_count (store, "batcha OR batchb"), ==, 1200);
  g_clear_object (&store);

  hw_test_rmdir (dir);
}

/* Three catch-up transactions' worth. */
#define N_PROGRESS 12000

typedef struct
{
  HwEventStore *store;
  guint64       indexed;
  guint64       total;
  guint         readings;
} ProgressWatch;

/* One reading, never behind the one before; TRUE once the catch-up is
 * over. */
static gboolean
catch_up_over (gpointer user_data)
{
  ProgressWatch *watch = user_data;
  guint64 indexed = 0;
  guint64 total = 0;
  gboolean catching_up = hw_event_store_get_index_progress (watch->store, &indexed, &total);

  g_assert_cmpuint (indexed, >=, watch->indexed);
  g_assert_cmpuint (total, >=, watch->total);
  g_assert_cmpuint (indexed, <=, total);
  if (indexed != watch->indexed)
    g_test_message ("indexed %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT, indexed, total);
  watch->indexed = indexed;
  watch->total = total;
  watch->readings++;
  return !catching_up;
}

/* A store whose index file is gone says it is catching up, with figures
 * that only grow, until the index holds every event; one whose index is
 * whole says nothing. Reads without words answer meanwhile. */
static void
test_catch_up_progress (void)
{
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "events.db", NULL);
  g_autoptr(HwEventStore) store = NULL;
  ProgressWatch watch = { NULL };
  guint64 indexed = 1;
  guint64 total = 1;

  store = open_store (path);
  g_assert_false (hw_event_store_get_index_progress (store, &indexed, &total));
  g_assert_cmpuint (indexed, ==, 0);
  g_assert_cmpuint (total, ==, 0);
  insert_range (store, 0, N_PROGRESS, "p");
  g_assert_false (hw_event_store_get_index_progress (store, NULL, NULL));
  g_clear_object (&store);

  store = open_store (path);
  g_assert_false (hw_event_store_get_index_progress (store, &indexed, &total));
  g_assert_cmpuint (indexed, ==, N_PROGRESS);
  g_assert_cmpuint (total, ==, N_PROGRESS);
  g_clear_object (&store);

  /* Held, so that the catch-up cannot be over before the first look. */
  hw_store_remove_text_index (path);
  hw_store_hold_catch_ups (TRUE);
  store = open_store (path);
  g_assert_true (hw_event_store_get_index_progress (store, &indexed, &total));
  g_assert_cmpuint (indexed, ==, 0);
  g_assert_cmpuint (total, ==, N_PROGRESS);
  g_assert_cmpint (hw_test_store_count (store, "type:order-created source:shop"), ==, N_PROGRESS);
  hw_store_hold_catch_ups (FALSE);

  watch.store = store;
  g_assert_true (hw_test_wait_until (catch_up_over, &watch, 60000));
  g_test_message ("%u readings", watch.readings);
  g_assert_cmpuint (watch.indexed, ==, N_PROGRESS);
  g_assert_cmpuint (watch.total, ==, N_PROGRESS);
  g_assert_cmpint (hw_test_store_count (store, "batchp"), ==, N_PROGRESS);
  g_assert_cmpint (hw_test_store_count (store, "word11999"), ==, 1);

  /* Written behind each commit again, not caught up. */
  insert_range (store, N_PROGRESS, 10, "q");
  g_assert_false (hw_event_store_get_index_progress (store, NULL, &total));
  g_assert_cmpuint (total, ==, N_PROGRESS + 10);
  g_clear_object (&store);

  hw_test_rmdir (dir);
}

/* An index file that is not this store's (left beside a store made
 * anew), or that is not an index at all, is thrown away and made again:
 * a search never finds another store's words. */
static void
test_foreign_or_damaged_index (void)
{
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "events.db", NULL);
  g_autofree char *other = g_build_filename (dir, "other.db", NULL);
  g_autofree char *text_path = g_strconcat (path, "-text", NULL);
  g_autofree char *other_text = g_strconcat (other, "-text", NULL);
  g_autoptr(HwEventStore) store = NULL;
  g_autoptr(GError) error = NULL;
  char junk[4096];

  store = open_store (other);
  insert_range (store, 0, 50, "foreign");
  g_clear_object (&store);
  store = open_store (path);
  insert_range (store, 1000, 50, "own");
  g_clear_object (&store);

  copy_file (other_text, text_path);
  store = open_store (path);
  g_assert_cmpint (hw_test_store_count (store, "batchforeign"), ==, 0);
  g_assert_cmpint (hw_test_store_count (store, "batchown"), ==, 50);
  g_clear_object (&store);

  for (guint i = 0; i < sizeof junk; i++)
    junk[i] = (char) ((i * 7919 + 13) % 251);
  g_assert_true (g_file_set_contents (text_path, junk, sizeof junk, &error));
  store = open_store (path);
  g_assert_cmpint (hw_test_store_count (store, "batchown"), ==, 50);
  g_assert_cmpint (hw_test_store_count (store, "word1049"), ==, 1);
  g_clear_object (&store);

  hw_test_rmdir (dir);
}

/* Rows of the index file matching @match, duplicates included. */
static gint64
index_rows (const char *store_path,
            const char *match)
{
  return index_file_int (store_path, "SELECT count(*) FROM events_fts WHERE events_fts MATCH ?", match);
}

/* Two stores writing one file (as two processes would): each index
 * thread fills in what the other stored, and no event is indexed twice. */
static void
test_two_writers (void)
{
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "events.db", NULL);
  g_autoptr(HwEventStore) first = NULL;
  g_autoptr(HwEventStore) second = NULL;
  g_autoptr(GError) error = NULL;

  first = open_store (path);
  second = open_store (path);
  for (guint round = 0; round < 10; round++)
    {
      insert_range (first, round * 200, 100, "one");
      insert_range (second, round * 200 + 100, 100, "two");
    }
  g_assert_true (hw_event_store_wait_indexed (first, NULL, &error));
  g_assert_true (hw_event_store_wait_indexed (second, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (hw_test_store_count (first, "batchtwo"), ==, 1000);
  g_assert_cmpint (hw_test_store_count (second, "batchone"), ==, 1000);
  g_clear_object (&first);
  g_clear_object (&second);

  g_assert_cmpint (indexed_upto (path), ==, 2000);
  g_assert_cmpint (index_rows (path, "order"), ==, 2000);
  g_assert_cmpint (index_rows (path, "word1999"), ==, 1);

  hw_test_rmdir (dir);
}

/* Inserted at given seqs (a replica mirroring JetStream's sequence
 * numbers): the seqs are kept, gaps and all, repeats of a seq or an id
 * are duplicates, and the full-text index steps over the gaps. */
static void
test_insert_at_seqs (HwTestStoreFixture *fixture,
                     gconstpointer       user_data)
{
  static const gint64 seqs[] = { 10, 11, 15 };
  static const gint64 again_seqs[] = { 16, 21 };
  HwEventPreparer *preparer = hw_event_preparer_new (NULL);
  HwPreparedEvent prepared[3] = { { 0 } };
  HwInsertStatus statuses[3];
  g_autoptr(GError) error = NULL;
  g_autoptr(HwEventRow) row = NULL;

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *id = g_strdup_printf ("at-%u", i);
      g_autoptr(HwEvent) event = hw_test_make_event (id, "order-created", HW_TEST_BASE_MS + i, "checkout",
                                                     "shop", "mirrored");

      g_assert_true (hw_event_preparer_prepare (preparer, event, &prepared[i], &error));
      g_assert_no_error (error);
    }

  g_assert_true (hw_event_store_insert_prepared_at (fixture->store, prepared, seqs, 3, statuses, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (statuses[i], ==, HW_INSERT_ACCEPTED);
  g_assert_cmpint (hw_event_store_get_max_seq (fixture->store, &error), ==, 15);
  row = hw_event_store_get_event (fixture->store, 15, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (row->id, ==, "at-2");
  g_assert_cmpint (hw_test_store_count (fixture->store, "mirrored"), ==, 3);

  /* The same seqs again, as after a consumer's restart. */
  g_assert_true (hw_event_store_insert_prepared_at (fixture->store, prepared, seqs, 3, statuses, &error));
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (statuses[i], ==, HW_INSERT_DUPLICATE);
  /* A known id at a new seq (published again past the duplicate window),
   * then a new event past a gap. */
  hw_prepared_event_clear (&prepared[1]);
  {
    g_autoptr(HwEvent) event = hw_test_make_event ("at-9", "order-created", HW_TEST_BASE_MS + 9, "checkout",
                                                   "shop", "mirrored later");

    g_assert_true (hw_event_preparer_prepare (preparer, event, &prepared[1], &error));
  }
  g_assert_true (hw_event_store_insert_prepared_at (fixture->store, prepared, again_seqs, 2, statuses, &error));
  g_assert_no_error (error);
  g_assert_cmpint (statuses[0], ==, HW_INSERT_DUPLICATE);
  g_assert_cmpint (statuses[1], ==, HW_INSERT_ACCEPTED);
  g_assert_cmpint (hw_test_store_count (fixture->store, "mirrored"), ==, 4);
  g_assert_cmpint (hw_test_store_count (fixture->store, "later"), ==, 1);
  g_assert_cmpint (hw_event_store_get_max_seq (fixture->store, &error), ==, 21);

  for (guint i = 0; i < 3; i++)
    hw_prepared_event_clear (&prepared[i]);
  hw_event_preparer_free (preparer);
}

/* kill -9 while events are being stored: every insert that returned is
 * found by its words once the store opens again, whatever the index
 * thread had written. The child is this program again. */
#define CHILD_FLAG "--index-kill-child"
#define KILL_BATCH 200

static const char *self_path;

static int
child_main (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HwEventStore) store = hw_event_store_open (path, HW_EVENT_STORE_DURABLE, &error);

  if (store == NULL)
    {
      g_printerr ("child: %s\n", error->message);
      return 1;
    }
  /* Bounded, but far beyond the kill point, so the parent always kills. */
  for (guint batch = 0; batch < 1000; batch++)
    {
      g_autofree char *line = g_strdup_printf ("%u\n", (batch + 1) * KILL_BATCH);

      insert_range (store, batch * KILL_BATCH, KILL_BATCH, "k");
      /* Once the insert returned. */
      hw_test_write_all_or_exit (STDOUT_FILENO, line);
    }
  return 2;
}

static void
test_kill_while_indexing (void)
{
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "events.db", NULL);
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(HwEventStore) store = NULL;
  g_autoptr(GError) error = NULL;
  guint64 acked = 0;
  char *line;

  child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, self_path, CHILD_FLAG, path, NULL);
  g_assert_no_error (error);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));
  /* Ten batches in, the index thread is busy behind the writer. */
  while (acked < 10 * KILL_BATCH)
    {
      line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (line);   /* the child died on its own */
      acked = g_ascii_strtoull (line, NULL, 10);
      g_free (line);
    }
  g_subprocess_force_exit (child);   /* SIGKILL */
  g_subprocess_wait (child, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (child));
  /* What it printed before the kill is still in the pipe. */
  while ((line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, NULL)) != NULL)
    {
      acked = g_ascii_strtoull (line, NULL, 10);
      g_free (line);
    }
  g_test_message ("%" G_GUINT64_FORMAT " events acknowledged before the kill", acked);

  store = open_store (path);
  g_assert_cmpint (hw_test_store_count (store, "batchk"), >=, (gint64) acked);
  g_assert_cmpint (hw_test_store_count (store, "batchk"), ==, hw_event_store_get_max_seq (store, NULL));
  g_assert_cmpint (hw_test_store_count (store, "word0"), ==, 1);
  g_clear_object (&store);

  hw_test_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  if (argc == 3 && g_str_equal (argv[1], CHILD_FLAG))
    return child_main (argv[2]);
  self_path = argv[0];
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/event-store/index/search-after-insert", HwTestStoreFixture, NULL,
              hw_test_store_set_up, test_search_after_insert, hw_test_store_tear_down);
  g_test_add ("/event-store/index/insert-at-seqs", HwTestStoreFixture, NULL,
              hw_test_store_set_up, test_insert_at_seqs, hw_test_store_tear_down);
  g_test_add_func ("/event-store/index/catch-up-after-loss", test_catch_up_after_loss);
  g_test_add_func ("/event-store/index/catch-up-progress", test_catch_up_progress);
  g_test_add_func ("/event-store/index/foreign-or-damaged", test_foreign_or_damaged_index);
  g_test_add_func ("/event-store/index/two-writers", test_two_writers);
  g_test_add_func ("/event-store/index/kill-while-indexing", test_kill_while_indexing);

  return g_test_run ();
}
