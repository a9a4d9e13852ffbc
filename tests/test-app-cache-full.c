/* test-app-cache-full.c: the console on a full disk: the banner says the cache is read-only, and goes when space returns
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <sys/resource.h>
#include <glib/gstdio.h>

#include "hw-test-app.h"
#include "hw-test-hub.h"
#include "hw-window.h"

/* The disk fills up as in test-cache-full.c: RLIMIT_FSIZE in a subprocess,
 * SIGXFSZ ignored, so the cache's writes fail with EFBIG inside SQLite;
 * raising the soft limit again is space returning. No mount, no root. */

#define WAIT_MS 60000
#define HEADROOM_BYTES (64 * 1024)

static goffset
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (goffset) st.st_size : 0;
}

static void
set_file_size_limit (rlim_t bytes)
{
  struct rlimit limit;

  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &limit), ==, 0);
  limit.rlim_cur = bytes;
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);
}

static void
publish (HwTestHub  *hub,
         const char *prefix,
         guint       n)
{
  g_autoptr(GString) body = g_string_new (NULL);
  gint64 now = g_get_real_time () / 1000;

  for (guint i = 0; i < n; i++)
    {
      /* Noise compresses badly, so pages take real room. */
      g_string_append_printf (body, "{\"id\":\"%s-%u\",\"type\":\"order-placed\",\"timestamp\":%" G_GINT64_FORMAT
                              ",\"order\":{\"noise\":\"", prefix, i, now - 1000);
      for (guint j = 0; j < 48; j++)
        g_string_append_printf (body, "%08x", g_random_int ());
      g_string_append (body, "\"}}\n");
    }
  g_assert_cmpuint (hw_test_hub_request (hub, "POST", "/v1/events", NULL, "application/x-ndjson",
                                         body->str, -1, NULL, NULL), ==, 200);
}

typedef struct
{
  HwWindow     *window;
  HwConnection *connection;
  gint64        count;
} Wait;

static gint64
cached (HwConnection *connection)
{
  HwEventStore *store = hw_connection_get_store (connection);

  if (store == NULL)
    return -1;
  return hw_event_store_count (store, NULL, HW_EVENT_STORE_UNBOUNDED, HW_EVENT_STORE_UNBOUNDED, NULL, NULL);
}

static gboolean
online_with (gpointer user_data)
{
  Wait *w = user_data;

  return hw_connection_get_state (w->connection) == HW_HUB_SYNC_STATE_ONLINE
         && cached (w->connection) == w->count
         && hw_window_get_banner_text (w->window) == NULL;
}

static gboolean
banner_read_only (gpointer user_data)
{
  Wait *w = user_data;
  const char *text = hw_window_get_banner_text (w->window);

  return text != NULL && strstr (text, "read-only") != NULL;
}

static void
test_banner_says_read_only (void)
{
  HwApplication *app = NULL;
  g_autofree char *wal = NULL;
  HwTestHub *hub;
  HwEventStore *store;
  Wait w = { 0 };
  const char *banner;
  struct rlimit limit;

  if (!g_test_subprocess ())
    {
      g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &limit), ==, 0);
      if (limit.rlim_max != RLIM_INFINITY)
        {
          g_test_skip ("the hard RLIMIT_FSIZE is finite: the disk could not be freed again");
          return;
        }
      g_test_trap_subprocess (NULL, 240 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_passed ();
      return;
    }
  signal (SIGXFSZ, SIG_IGN);

  /* Spawned before the limit: the hub's disk is not the one that fills. */
  hub = hw_test_hub_new (NULL, NULL, NULL);
  publish (hub, "a", 200);
  app = hw_test_app_new ();
  g_application_activate (G_APPLICATION (app));
  w.window = HW_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  w.connection = hw_application_connect_url (app, hub->base_url, NULL);
  hw_hub_sync_set_backoff (hw_connection_get_sync (w.connection), 200, 800);
  w.count = 200;
  g_assert_true (hw_test_wait_until (online_with, &w, WAIT_MS));

  store = hw_connection_get_store (w.connection);
  wal = g_strconcat (hw_event_store_get_path (store), "-wal", NULL);
  set_file_size_limit ((rlim_t) (MAX (file_size (hw_event_store_get_path (store)), file_size (wal))
                                 + HEADROOM_BYTES));
  publish (hub, "b", 2000);

  /* The banner says what happened, and the pages keep their data. */
  g_assert_true (hw_test_wait_until (banner_read_only, &w, WAIT_MS));
  banner = hw_window_get_banner_text (w.window);
  g_test_message ("banner: %s", banner);
  g_assert_nonnull (strstr (banner, "the disk is full"));
  g_assert_null (strstr (banner, "Offline"));
  g_assert_cmpint (cached (w.connection), ==, 200);

  /* Space returns: the banner goes, the new events arrive. */
  set_file_size_limit (RLIM_INFINITY);
  w.count = 2200;
  g_assert_true (hw_test_wait_until (online_with, &w, WAIT_MS));

  hw_application_remove_hub (app, w.connection);
  gtk_window_destroy (GTK_WINDOW (w.window));
  hw_test_app_quit (&app);
  hw_test_hub_free (hub);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *tmp_dir = NULL;
  int status;

  /* Xvfb has no GPU: the cairo renderer keeps llvmpipe's shader cache off
   * the disk this test fills. */
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  if (!hw_test_app_init (&argc, &argv, &tmp_dir, &status))
    return status;

  g_test_add_func ("/app/cache-full/banner", test_banner_says_read_only);

  status = g_test_run ();
  hw_test_rmdir (tmp_dir);
  return status;
}
