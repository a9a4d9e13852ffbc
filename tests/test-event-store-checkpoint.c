/* test-event-store-checkpoint.c: the WAL is checkpointed off the writer, and stays bounded
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "hw-event-store.h"
#include "hw-event-store-private.h"
#include "hw-test-util.h"

#define EVENTS_PER_COMMIT 500

/* The store's bounds are 8000 and 16000 pages; the test sets smaller ones,
 * so that a few hundred commits reach them. */
#define CHECKPOINT_PAGES 1000
#define WAL_MAX_PAGES 8000

/* Events whose bodies do not compress away, so that a few hundred commits
 * fill the WAL past its checkpoint mark. */
static HwEvent **
make_events (GRand  *rand,
             guint   first,
             guint   n)
{
  HwEvent **events = g_new0 (HwEvent *, n);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GString) line = g_string_new (NULL);
      g_autoptr(GError) error = NULL;

      g_string_append_printf (line, "{\"id\":\"e-%u\",\"type\":\"t\",\"timestamp\":%" G_GINT64_FORMAT
                              ",\"thing\":{\"notes\":\"", first + i,
                              (gint64) 1714521600000 + first + i);
      for (guint w = 0; w < 150; w++)
        g_string_append_printf (line, "w%08x ", g_rand_int (rand));
      g_string_append (line, "\"}}");
      events[i] = hw_event_parse (line->str, line->len, NULL, &error);
      g_assert_no_error (error);
    }
  return events;
}

static guint64
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (guint64) st.st_size : 0;
}

typedef struct
{
  const char *path;
  guint64     above;
} GrowWait;

static gboolean
file_grew (gpointer user_data)
{
  GrowWait *wait = user_data;

  return file_size (wait->path) > wait->above;
}

/* The writer's commits no longer checkpoint (the WAL hook replaced
 * SQLite's own checkpoints): the database file grows only when the
 * checkpoint thread copies the WAL into it, and must, or the WAL would
 * grow for ever. Not durable: fsyncs would only make the test slow. */
static void
test_background (void)
{
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "cache.db", NULL);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autoptr(HwEventStore) store = NULL;
  g_autoptr(GError) error = NULL;
  guint64 max_wal = 0;
  guint64 per_commit;
  GrowWait wait;
  guint n = 0;

  store = hw_event_store_open (path, HW_EVENT_STORE_FLAGS_NONE, &error);
  g_assert_no_error (error);
  hw_store_set_wal_bounds (store, CHECKPOINT_PAGES, WAL_MAX_PAGES);
  wait.path = path;
  wait.above = file_size (path);

  /* Up to the mark, in pages of 8 KB: the commit that reaches it asks for
   * a checkpoint. Not past it: since the full-text index has a file of
   * its own, commits are small enough for the checkpoint thread to empty
   * the WAL before the next one, and the WAL file, whose size is the
   * most it ever held, may never grow much beyond the mark. */
  while (file_size (wal) < CHECKPOINT_PAGES * 8192)
    {
      HwEvent **events = make_events (rand, n, EVENTS_PER_COMMIT);

      g_assert_true (hw_event_store_insert (store, events, EVENTS_PER_COMMIT, NULL, NULL, &error));
      g_assert_no_error (error);
      for (guint i = 0; i < EVENTS_PER_COMMIT; i++)
        hw_event_unref (events[i]);
      g_free (events);
      n += EVENTS_PER_COMMIT;
      g_assert_cmpuint (n, <, 40000);
    }

  g_assert_true (hw_test_wait_until (file_grew, &wait, 20000));
  /* What one commit adds to the WAL, without FTS5 merging. */
  per_commit = file_size (wal) / (n / EVENTS_PER_COMMIT);

  /* Writing on keeps the WAL near its bound however long:
   * unbounded, these commits alone would add 60 × per_commit (some
   * 160 MB). The bound is checked before a commit, and a commit in which
   * FTS5 merges segments writes far more than per_commit, so the check
   * leaves room for one such commit. */
  for (guint round = 0; round < 60; round++)
    {
      HwEvent **events = make_events (rand, n, EVENTS_PER_COMMIT);

      g_assert_true (hw_event_store_insert (store, events, EVENTS_PER_COMMIT, NULL, NULL, &error));
      for (guint i = 0; i < EVENTS_PER_COMMIT; i++)
        hw_event_unref (events[i]);
      g_free (events);
      n += EVENTS_PER_COMMIT;
      max_wal = MAX (max_wal, file_size (wal));
    }
  g_assert_cmpuint (max_wal, <, (guint64) 2 * WAL_MAX_PAGES * 8192);
  g_assert_cmpuint (max_wal, <, 60 * per_commit);
  g_assert_cmpint (hw_event_store_get_max_seq (store, &error), ==, n);
  g_clear_object (&store);

  /* A clean close leaves no WAL behind. */
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
  hw_test_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/event-store/checkpoint/background", test_background);

  return g_test_run ();
}
