/* test-event-store-recover.c: a broken store is moved aside and rebuilt, never a crash
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "hw-error.h"
#include "hw-event-store.h"
#include "hw-query.h"
#include "hw-test-util.h"

typedef void (*BreakFunc) (const char *path);

static void
write_garbage (const char *path)
{
  g_autoptr(GError) error = NULL;
  char junk[8192];

  /* Deterministic junk that is certainly not an SQLite header. */
  for (guint i = 0; i < sizeof junk; i++)
    junk[i] = (char) ((i * 7919 + 13) % 251);
  g_file_set_contents (path, junk, sizeof junk, &error);
  g_assert_no_error (error);
}

/* A real store with enough events to span many pages, its WAL folded into
 * the main file so that damage to the file reaches real pages. */
static void
write_many_pages (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HwEventStore) store = NULL;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_event_unref);
  sqlite3 *db = NULL;

  store = hw_event_store_open (path, HW_EVENT_STORE_FLAGS_NONE, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 2000; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"id\":\"e%u\",\"type\":\"t%u\",\"timestamp\":%"
                                               G_GINT64_FORMAT ",\"x\":{\"words\":\"alpha beta %u\"}}",
                                               i, i % 7, G_GINT64_CONSTANT (1714737600000) + i, i);

      g_ptr_array_add (events, hw_event_parse (json, -1, NULL, &error));
      g_assert_no_error (error);
    }
  g_assert_true (hw_event_store_insert (store, (HwEvent **) events->pdata, events->len,
                                        NULL, NULL, &error));
  g_assert_no_error (error);
  g_clear_object (&store);

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

/* Cut in half. */
static void
write_truncated (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  write_many_pages (path);
  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (length, >, 64 * 1024);
  g_file_set_contents (path, contents, length / 2, &error);
  g_assert_no_error (error);
}

static void
write_future (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HwEventStore) store = hw_event_store_open (path, HW_EVENT_STORE_FLAGS_NONE, &error);
  g_autofree char *sql = NULL;
  sqlite3 *db = NULL;

  g_assert_no_error (error);
  g_clear_object (&store);

  sql = g_strdup_printf ("PRAGMA user_version = %u", hw_event_store_schema_version () + 5);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

/* Some other application's database: not ours to migrate. */
static void
write_foreign (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('hi')",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

static guint
count_moved_aside (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  while ((name = g_dir_read_name (handle)) != NULL)
    if (g_str_has_prefix (name, "cache.db.corrupt-") && !g_str_has_suffix (name, "-wal") &&
        !g_str_has_suffix (name, "-shm"))
      n++;
  return n;
}

static void
test_recover (gconstpointer data)
{
  BreakFunc break_file = (BreakFunc) data;
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "cache.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(HwEventStore) store = NULL;
  g_autoptr(HwEvent) event = NULL;
  const char *message;

  break_file (path);

  /* The hub's record of truth is never discarded silently. */
  store = hw_event_store_open (path, HW_EVENT_STORE_NO_RECOVER, &error);
  g_assert_null (store);
  g_assert_error (error, HW_ERROR, HW_ERROR_CORRUPT);
  g_test_message ("no-recover: %s", error->message);
  g_clear_error (&error);
  g_assert_cmpuint (count_moved_aside (dir), ==, 0);

  /* A cache is moved aside and rebuilt, with a message saying so. */
  store = hw_event_store_open (path, HW_EVENT_STORE_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (store);
  message = hw_event_store_get_recovery_message (store);
  g_assert_nonnull (message);
  g_test_message ("recovery: %s", message);
  g_assert_nonnull (strstr (message, path));
  g_assert_nonnull (strstr (message, ".corrupt-"));
  g_assert_cmpuint (count_moved_aside (dir), ==, 1);

  /* The fresh store is empty and works. */
  g_assert_cmpint (hw_event_store_count (store, NULL, HW_EVENT_STORE_UNBOUNDED,
                                         HW_EVENT_STORE_UNBOUNDED, NULL, &error), ==, 0);
  event = hw_event_parse ("{\"id\":\"n1\",\"type\":\"t\",\"timestamp\":1714737600000}", -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (hw_event_store_insert (store, &event, 1, NULL, NULL, &error));
  g_assert_no_error (error);
  g_clear_object (&store);

  /* And it is healthy on the next open. */
  store = hw_event_store_open (path, HW_EVENT_STORE_NO_RECOVER, &error);
  g_assert_no_error (error);
  g_assert_null (hw_event_store_get_recovery_message (store));
  g_assert_cmpint (hw_event_store_get_max_seq (store, &error), ==, 1);
  g_clear_object (&store);

  hw_test_rmdir (dir);
}

/* Overwrites every page but the first (the header and the schema) with junk,
 * as a failing disk would, behind the back of a store that has it open. */
static void
damage_pages (const char *path)
{
  char junk[8192];
  GStatBuf st;
  int fd;

  for (guint i = 0; i < sizeof junk; i++)
    junk[i] = (char) ((i * 7919 + 17) % 251);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  fd = g_open (path, O_WRONLY, 0);
  g_assert_cmpint (fd, >=, 0);
  for (goffset at = sizeof junk; at < st.st_size; at += sizeof junk)
    g_assert_cmpint (pwrite (fd, junk, sizeof junk, at), ==, sizeof junk);
  g_assert_cmpint (close (fd), ==, 0);
}

static void
assert_corrupt (GError *error)
{
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_error (error, HW_ERROR, HW_ERROR_CORRUPT);
}

/* Damage found while the store is open (opening checks a store only after
 * an unclean stop) fails each call with HW_ERROR_CORRUPT, through SQLite's
 * page cache and through the wide map alike; nothing crashes. Run under
 * ASan and UBSan in CI. */
static void
test_damaged_while_open (gconstpointer data)
{
  HwEventStoreFlags flags = GPOINTER_TO_UINT (data);
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "lake.db", NULL);
  g_autofree char *marker = g_strconcat (path, "-damaged", NULL);
  g_autoptr(HwEventStore) store = NULL;
  g_autoptr(HwQuery) query = NULL;
  g_autoptr(HwEvent) event = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  HwSearchPage *page;

  write_many_pages (path);
  store = hw_event_store_open (path, flags | HW_EVENT_STORE_NO_RECOVER, &error);
  g_assert_no_error (error);
  damage_pages (path);

  query = hw_query_parse ("alpha", 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (hw_event_store_count (store, query, HW_EVENT_STORE_UNBOUNDED, HW_EVENT_STORE_UNBOUNDED,
                                         NULL, &error), ==, -1);
  assert_corrupt (error);
  g_clear_error (&error);

  page = hw_event_store_search (store, NULL, HW_EVENT_STORE_UNBOUNDED, HW_EVENT_STORE_UNBOUNDED,
                                HW_EVENT_ORDER_NEWEST_FIRST, 50, NULL, NULL, &error);
  g_assert_null (page);
  assert_corrupt (error);
  g_clear_error (&error);

  json = hw_event_store_get_event_json (store, 1000, &error);
  g_assert_null (json);
  assert_corrupt (error);
  g_clear_error (&error);

  event = hw_event_parse ("{\"id\":\"late\",\"type\":\"t\",\"timestamp\":1714737600000}", -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (hw_event_store_insert (store, &event, 1, NULL, NULL, &error));
  assert_corrupt (error);
  g_clear_error (&error);
  g_clear_object (&store);

  /* Closed cleanly, so only the mark left beside it gets it checked when
   * it opens again: without recovery that fails, with it the store is
   * moved aside and the mark goes with it. */
  g_assert_true (g_file_test (marker, G_FILE_TEST_EXISTS));
  store = hw_event_store_open (path, flags | HW_EVENT_STORE_NO_RECOVER, &error);
  g_assert_null (store);
  assert_corrupt (error);
  g_clear_error (&error);
  g_assert_true (g_file_test (marker, G_FILE_TEST_EXISTS));

  store = hw_event_store_open (path, flags, &error);
  g_assert_no_error (error);
  g_assert_nonnull (hw_event_store_get_recovery_message (store));
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));
  g_assert_cmpint (hw_event_store_count (store, NULL, HW_EVENT_STORE_UNBOUNDED, HW_EVENT_STORE_UNBOUNDED,
                                         NULL, &error), ==, 0);
  g_assert_no_error (error);
  g_clear_object (&store);

  hw_test_rmdir (dir);
}

/* A check that passes takes the mark away (the damage may have been in a
 * copy of the file since replaced, or SQLite may have misreported). */
static void
test_damage_mark_cleared (void)
{
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "lake.db", NULL);
  g_autofree char *marker = g_strconcat (path, "-damaged", NULL);
  g_autoptr(HwEventStore) store = NULL;
  g_autoptr(GError) error = NULL;

  write_many_pages (path);
  g_file_set_contents (marker, "database disk image is malformed", -1, &error);
  g_assert_no_error (error);

  store = hw_event_store_open (path, HW_EVENT_STORE_NO_RECOVER, &error);
  g_assert_no_error (error);
  g_assert_null (hw_event_store_get_recovery_message (store));
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));
  g_assert_cmpint (hw_event_store_count (store, NULL, HW_EVENT_STORE_UNBOUNDED, HW_EVENT_STORE_UNBOUNDED,
                                         NULL, &error), ==, 2000);
  g_assert_no_error (error);
  g_clear_object (&store);

  hw_test_rmdir (dir);
}

static void
test_unwritable_location (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HwEventStore) store = NULL;
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *file = g_build_filename (dir, "plain-file", NULL);
  g_autofree char *path = g_build_filename (file, "cache.db", NULL);

  /* The parent "directory" is a file: an I/O error, not a corrupt store. */
  g_file_set_contents (file, "x", 1, &error);
  g_assert_no_error (error);
  store = hw_event_store_open (path, HW_EVENT_STORE_FLAGS_NONE, &error);
  g_assert_null (store);
  g_assert_error (error, HW_ERROR, HW_ERROR_IO);

  hw_test_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_data_func ("/event-store/recover/garbage", write_garbage, test_recover);
  g_test_add_data_func ("/event-store/recover/truncated", write_truncated, test_recover);
  g_test_add_data_func ("/event-store/recover/future-schema", write_future, test_recover);
  g_test_add_data_func ("/event-store/recover/foreign-database", write_foreign, test_recover);
  g_test_add_func ("/event-store/recover/unwritable-location", test_unwritable_location);
  g_test_add_func ("/event-store/recover/damage-mark-cleared", test_damage_mark_cleared);
  g_test_add_data_func ("/event-store/recover/damaged-while-open", GUINT_TO_POINTER (HW_EVENT_STORE_FLAGS_NONE),
                        test_damaged_while_open);
  g_test_add_data_func ("/event-store/recover/damaged-while-open-wide-map",
                        GUINT_TO_POINTER (HW_EVENT_STORE_WIDE_MAP), test_damaged_while_open);

  return g_test_run ();
}
