/* test-cache-full.c: a full disk under the cache: reads go on, the sync says so, backs off and recovers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <glib/gstdio.h>

#include "hw-error.h"
#include "hw-event-store.h"
#include "hw-hub-sync.h"
#include "hw-test-hub.h"
#include "hw-test-util.h"

/* How the disk fills up, honestly: RLIMIT_FSIZE. With SIGXFSZ ignored, a
 * write past the limit fails with EFBIG (or is cut short, which SQLite
 * reports as SQLITE_FULL), exactly where a full file system fails with
 * ENOSPC: inside SQLite's own write path, on the real files. Raising the
 * soft limit again is "space returns". Unlike a loop or tmpfs mount it
 * needs no CAP_SYS_ADMIN (CI may lack it), and unlike PRAGMA max_page_count
 * it does not go through a knob of the store itself. The limit is per
 * process, so every test runs in a subprocess; the hub is spawned before
 * the limit is set and is not affected by it. */

#define WAIT_MS 30000
/* Room left above the files' sizes when the disk "fills up": enough for a
 * cursor, far too little for a page of events. */
#define HEADROOM_BYTES (64 * 1024)

static gboolean
can_limit_file_size (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_FSIZE, &limit) != 0)
    return FALSE;
  /* Only the soft limit moves: the hard one must allow lifting it again. */
  return limit.rlim_max == RLIM_INFINITY;
}

static void
set_file_size_limit (rlim_t bytes)
{
  struct rlimit limit;

  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &limit), ==, 0);
  limit.rlim_cur = bytes;
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);
}

static goffset
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (goffset) st.st_size : 0;
}

/* Fills the disk to just above what the store's files hold now. */
static void
fill_disk_under (const char *db_path)
{
  g_autofree char *wal = g_strconcat (db_path, "-wal", NULL);
  goffset biggest = MAX (file_size (db_path), file_size (wal));

  g_test_message ("disk full: files may not grow past %" G_GOFFSET_FORMAT " bytes",
                  biggest + HEADROOM_BYTES);
  set_file_size_limit ((rlim_t) (biggest + HEADROOM_BYTES));
}

static void
free_disk (void)
{
  set_file_size_limit (RLIM_INFINITY);
}

/* Returns TRUE in the subprocess, which runs the test body; the parent
 * only checks that it passed (its output is shown when it did not). */
static gboolean
in_subprocess (void)
{
  if (g_test_subprocess ())
    {
      /* A write past RLIMIT_FSIZE must fail, not kill the process. */
      signal (SIGXFSZ, SIG_IGN);
      return TRUE;
    }
  if (!can_limit_file_size ())
    {
      g_test_skip ("the hard RLIMIT_FSIZE is finite: the disk could not be freed again");
      return FALSE;
    }
  g_test_trap_subprocess (NULL, 240 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  return FALSE;
}

/* Event JSON whose payload compresses badly, so pages take real room. */
static char *
bulky_event_json (const char *prefix,
                  guint       i,
                  gint64      ts_ms)
{
  g_autoptr(GString) noise = g_string_new (NULL);

  for (guint j = 0; j < 48; j++)
    g_string_append_printf (noise, "%08x", g_random_int ());
  return g_strdup_printf ("{\"id\":\"%s-%u\",\"type\":\"order-placed\",\"timestamp\":%" G_GINT64_FORMAT ","
                          "\"tags\":{\"source\":\"web\"},\"order\":{\"id\":\"%s-%u\",\"noise\":\"%s\"}}",
                          prefix, i, ts_ms, prefix, i, noise->str);
}

/* ---- the store itself --------------------------------------------------- */

static GPtrArray *
make_events (const char *prefix,
             guint       n)
{
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_event_unref);
  gint64 ts = G_GINT64_CONSTANT (1714737600000);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *json = bulky_event_json (prefix, i, ts + i);

      g_ptr_array_add (events, hw_event_parse (json, -1, NULL, &error));
      g_assert_no_error (error);
    }
  return events;
}

static gint64
store_count (HwEventStore *store)
{
  g_autoptr(GError) error = NULL;
  gint64 count = hw_event_store_count (store, NULL, HW_EVENT_STORE_UNBOUNDED, HW_EVENT_STORE_UNBOUNDED,
                                       NULL, &error);

  g_assert_no_error (error);
  return count;
}

static void
test_store_write_fails_cleanly (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(HwEventStore) store = NULL;
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GPtrArray) batch = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HwSearchPage) page = NULL;
  g_autofree char *json = NULL;

  if (!in_subprocess ())
    return;

  dir = hw_test_mkdtemp ();
  path = g_build_filename (dir, "cache.db", NULL);
  store = hw_event_store_open (path, HW_EVENT_STORE_FLAGS_NONE, &error);
  g_assert_no_error (error);
  first = make_events ("a", 100);
  g_assert_true (hw_event_store_insert (store, (HwEvent **) first->pdata, first->len, NULL, NULL, &error));
  g_assert_no_error (error);

  fill_disk_under (path);
  batch = make_events ("b", 1000);
  g_assert_false (hw_event_store_insert (store, (HwEvent **) batch->pdata, batch->len, NULL, NULL, &error));
  g_test_message ("insert on a full disk: %s", error->message);
  /* Its own code, so that callers can degrade instead of giving up, and a
   * message that says what happened. */
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
  g_assert_nonnull (strstr (error->message, "the disk is full"));
  g_clear_error (&error);

  /* Nothing half-written, and reads go on from the same store. */
  g_assert_cmpint (store_count (store), ==, 100);
  page = hw_event_store_search (store, NULL, HW_EVENT_STORE_UNBOUNDED, HW_EVENT_STORE_UNBOUNDED,
                                HW_EVENT_ORDER_NEWEST_FIRST, 10, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->rows->len, ==, 10);
  json = hw_event_store_get_event_json_by_id (store, "a-7", &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (json, "a-7"));

  /* Space returns: the very same write now succeeds. */
  free_disk ();
  g_assert_true (hw_event_store_insert (store, (HwEvent **) batch->pdata, batch->len, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (store_count (store), ==, 1100);

  g_clear_object (&store);
  hw_test_rmdir (dir);
}

/* ---- the sync on top of it ------------------------------------------------ */

static void
publish (HwTestHub  *hub,
         const char *prefix,
         guint       n)
{
  g_autoptr(GString) body = g_string_new (NULL);
  gint64 now = g_get_real_time () / 1000;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *json = bulky_event_json (prefix, i, now - 1000);

      g_string_append_printf (body, "%s\n", json);
    }
  g_assert_cmpuint (hw_test_hub_request (hub, "POST", "/v1/events", NULL, "application/x-ndjson",
                                         body->str, -1, NULL, NULL), ==, 200);
}

static guint64
hub_max_seq (HwTestHub *hub)
{
  g_autoptr(SoupMessage) msg = NULL;
  const char *header;

  g_assert_cmpuint (hw_test_hub_request (hub, "GET", "/v1/events/sync?after=0&limit=1", NULL, NULL,
                                         NULL, 0, NULL, &msg), ==, 200);
  header = soup_message_headers_get_one (soup_message_get_response_headers (msg), "X-Hubwatch-Max-Seq");
  g_assert_nonnull (header);
  return g_ascii_strtoull (header, NULL, 10);
}

/* How many sync pages the hub has served: its own Prometheus counter. */
static gint64
hub_sync_requests (HwTestHub *hub)
{
  g_autoptr(GBytes) body = NULL;
  g_auto(GStrv) lines = NULL;
  gint64 total = 0;

  g_assert_cmpuint (hw_test_hub_request (hub, "GET", "/metrics", NULL, NULL, NULL, 0, &body, NULL), ==, 200);
  lines = g_strsplit (g_bytes_get_data (body, NULL), "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "hubwatch_api_request_duration_count{")
        && strstr (lines[i], "route=\"/v1/events/sync\"") != NULL)
      total += g_ascii_strtoll (strrchr (lines[i], ' ') + 1, NULL, 10);
  return total;
}

typedef struct
{
  HwTestHub *hub;
  HwHubSync *sync;
  guint64    cursor;
  gint64     requests;
} Watch;

static gboolean
synced (gpointer user_data)
{
  Watch *w = user_data;

  return hw_hub_sync_get_state (w->sync) == HW_HUB_SYNC_STATE_ONLINE
         && hw_hub_sync_get_cursor (w->sync) >= w->cursor
         && hw_hub_sync_get_cache_writable (w->sync);
}

static gboolean
read_only (gpointer user_data)
{
  Watch *w = user_data;

  return !hw_hub_sync_get_cache_writable (w->sync);
}

static gboolean
requests_reached (gpointer user_data)
{
  Watch *w = user_data;

  return hub_sync_requests (w->hub) >= w->requests;
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static void
test_sync_goes_read_only_and_recovers (void)
{
  HwTestHub *hub;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(HwHubClient) client = NULL;
  g_autoptr(HwHubSync) sync = NULL;
  g_autoptr(GError) error = NULL;
  Watch w = { 0 };
  gint64 cached, started;
  guint writable_changes = 0;

  if (!in_subprocess ())
    return;

  /* Spawned before the limit: the hub's own disk is not the one that fills. */
  hub = hw_test_hub_new (NULL, NULL, NULL);
  dir = hw_test_mkdtemp ();
  path = g_build_filename (dir, "hub.db", NULL);
  client = hw_hub_client_new (hub->base_url, &error);
  g_assert_no_error (error);
  hw_hub_client_set_timeout (client, 10);
  sync = hw_hub_sync_new (client, path);
  /* Slow enough a backoff that a retry loop without one would show. */
  hw_hub_sync_set_backoff (sync, 300, 1200);
  hw_hub_sync_set_poll_interval (sync, 500);
  g_signal_connect (sync, "notify::cache-writable", G_CALLBACK (count_notify), &writable_changes);
  w.hub = hub;
  w.sync = sync;

  publish (hub, "a", 300);
  w.cursor = hub_max_seq (hub);
  hw_hub_sync_start (sync);
  g_assert_true (hw_test_wait_until (synced, &w, WAIT_MS));
  cached = store_count (hw_hub_sync_get_store (sync));
  g_assert_cmpint (cached, ==, 300);
  g_assert_true (hw_hub_sync_get_cache_writable (sync));
  g_assert_null (hw_hub_sync_get_cache_error (sync));

  /* The disk fills up; the hub goes on receiving events. */
  fill_disk_under (path);
  publish (hub, "b", 2000);
  w.cursor = hub_max_seq (hub);
  if (!hw_test_wait_until (read_only, &w, WAIT_MS))
    g_error ("the cache never became read-only (last error: %s)", hw_hub_sync_get_last_error (sync));
  g_test_message ("last error: %s", hw_hub_sync_get_last_error (sync));
  g_assert_cmpstr (hw_hub_sync_get_cache_error (sync), ==, "The cache is read-only: the disk is full.");
  g_assert_cmpstr (hw_hub_sync_get_last_error (sync), ==, hw_hub_sync_get_cache_error (sync));
  /* The hub is fine: this is not "offline". */
  g_assert_cmpint (hw_hub_sync_get_state (sync), !=, HW_HUB_SYNC_STATE_OFFLINE);
  g_assert_cmpint (hw_hub_sync_get_offline_since (sync), ==, 0);

  /* Reads go on from the cache, unchanged. */
  g_assert_cmpint (store_count (hw_hub_sync_get_store (sync)), ==, cached);
  g_assert_cmpuint (hw_hub_sync_get_cursor (sync), <, w.cursor);

  /* Backing off: three more attempts take at least three minimum delays
   * (300 ms, -20% jitter), where an eager loop would take a few ms each. */
  w.requests = hub_sync_requests (hub) + 3;
  started = g_get_monotonic_time ();
  g_assert_true (hw_test_wait_until (requests_reached, &w, WAIT_MS));
  g_test_message ("three retries took %" G_GINT64_FORMAT " ms", (g_get_monotonic_time () - started) / 1000);
  g_assert_cmpint (g_get_monotonic_time () - started, >=, 3 * 240 * 1000);
  g_assert_false (hw_hub_sync_get_cache_writable (sync));
  g_assert_cmpint (store_count (hw_hub_sync_get_store (sync)), ==, cached);

  /* Space returns: the next retry lands, the message goes, nothing is lost. */
  free_disk ();
  if (!hw_test_wait_until (synced, &w, WAIT_MS))
    g_error ("no recovery: cursor %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT ", last error %s",
             hw_hub_sync_get_cursor (sync), w.cursor, hw_hub_sync_get_last_error (sync));
  g_assert_cmpint (store_count (hw_hub_sync_get_store (sync)), ==, 2300);
  g_assert_null (hw_hub_sync_get_cache_error (sync));
  g_assert_null (hw_hub_sync_get_last_error (sync));
  /* Once read-only, once writable again: no flapping in between. */
  g_assert_cmpuint (writable_changes, ==, 2);

  hw_hub_sync_stop (sync);
  g_clear_object (&sync);
  hw_test_hub_free (hub);
  hw_test_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cache-full/store-write-fails-cleanly", test_store_write_fails_cleanly);
  g_test_add_func ("/cache-full/sync-read-only-and-recovers", test_sync_goes_read_only_and_recovers);

  return g_test_run ();
}
