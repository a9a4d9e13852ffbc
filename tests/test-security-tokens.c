/* test-security-tokens.c: a hub token never reaches a file, a log or the settings; self-signed hubs are refused
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <sqlite3.h>
#include <glib/gstdio.h>

#include "hw-test-app.h"
#include "hw-test-hub.h"
#include "hw-window.h"

/* Everything runs as the user would: the real hubwatchd with --token, and
 * the real console binary with --connect and HUBWATCH_TOKEN, logging at
 * debug level (G_MESSAGES_DEBUG=all), settings in the keyfile backend so
 * they land in a file we can read. Then every byte they left behind (files,
 * the console's stdout and stderr, the hub's stderr) is searched for the
 * secret. */

#define WAIT_MS 90000

static gboolean contains (const char *data,
                          gsize       length,
                          const char *needle);

typedef struct
{
  char       *secret;
  char       *base64;    /* of "Bearer <secret>": a header dump would show it so */
  GPtrArray  *searched;  /* paths of every file searched, for the report */
} Secret;

static void
secret_init (Secret *s)
{
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *header = NULL;

  /* Long and unlike anything else, so a match can only be the token. */
  s->secret = g_strdup_printf ("hw-secret-%s", uuid);
  header = g_strdup_printf ("Bearer %s", s->secret);
  s->base64 = g_base64_encode ((const guchar *) header, strlen (header));
  s->searched = g_ptr_array_new_with_free_func (g_free);

  /* The search itself must find a token inside binary data. */
  {
    g_autofree char *blob = g_malloc0 (4096);

    memcpy (blob + 1000, s->secret, strlen (s->secret));
    g_assert_true (contains (blob, 4096, s->secret));
    g_assert_false (contains (blob, 1000 + strlen (s->secret) - 1, s->secret));
  }
}

static void
secret_clear (Secret *s)
{
  g_free (s->secret);
  g_free (s->base64);
  g_ptr_array_unref (s->searched);
}

/* Files are binary (SQLite pages), so no strstr (). */
static gboolean
contains (const char *data,
          gsize       length,
          const char *needle)
{
  gsize n = strlen (needle);

  for (const char *p = data; p != NULL && (gsize) (p - data) + n <= length;
       p = memchr (p + 1, needle[0], length - (gsize) (p - data) - 1))
    if (memcmp (p, needle, n) == 0)
      return TRUE;
  return FALSE;
}

static void
assert_no_secret_in_file (Secret     *s,
                          const char *path)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr(GError) error = NULL;

  /* Sockets and FIFOs (a runtime dir) have no content to leak. */
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return;
  if (!g_file_get_contents (path, &contents, &length, &error))
    {
      /* Files can vanish under us (an SQLite journal): gone is clean. */
      g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
      return;
    }
  g_ptr_array_add (s->searched, g_strdup (path));
  if (contains (contents, length, s->secret) || contains (contents, length, s->base64))
    g_error ("the token is in %s", path);
}

static void
assert_no_secret_under (Secret     *s,
                        const char *dir)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;

  if (listing == NULL)
    return;
  while ((name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        assert_no_secret_under (s, path);
      else
        assert_no_secret_in_file (s, path);
    }
}

static guint
count_searched_under (Secret     *s,
                      const char *dir)
{
  guint n = 0;

  for (guint i = 0; i < s->searched->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (s->searched, i), dir))
      n++;
  return n;
}

static goffset
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (goffset) st.st_size : 0;
}

/* ---- the console's cache, read from outside ------------------------------ */

static char *
find_cache_file (const char *cache_home)
{
  g_autofree char *dir = g_build_filename (cache_home, "hubwatch", NULL);
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;

  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    if (g_str_has_suffix (name, ".db"))
      return g_build_filename (dir, name, NULL);
  return NULL;
}

/* The first column of the first row of @sql on the console's cache, -1
 * while there is none. */
static gint64
cache_query (const char *cache_home,
             const char *sql)
{
  g_autofree char *path = find_cache_file (cache_home);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 value = -1;

  if (path == NULL)
    return -1;
  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK)
    {
      sqlite3_busy_timeout (db, 1000);
      if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK && sqlite3_step (stmt) == SQLITE_ROW)
        value = sqlite3_column_int64 (stmt, 0);
      sqlite3_finalize (stmt);
    }
  sqlite3_close (db);
  return value;
}

static gint64
cached_events (const char *cache_home)
{
  return cache_query (cache_home, "SELECT count(*) FROM events");
}

typedef struct
{
  const char  *cache_home;
  GSubprocess *console;
  gboolean     exited;
} ConsoleWait;

static gboolean
console_synced (gpointer user_data)
{
  ConsoleWait *w = user_data;

  /* Events, a committed cursor, and the side data (listeners) fetched with
   * the token too: every kind of authenticated request has been made. */
  return w->exited
         || (cached_events (w->cache_home) > 0
             && cache_query (w->cache_home,
                             "SELECT count(*) FROM sync_cursors WHERE name IN "
                             "('lake', 'last_sync', 'snapshot.listeners')") == 3);
}

static void
on_console_exit (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *(gboolean *) user_data = TRUE;
}

/* The console is another process: nothing in ours wakes the main loop
 * when its cache fills, so the wait polls. */
static gboolean
poll_tick (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static gboolean
is_true (gpointer user_data)
{
  return *(gboolean *) user_data;
}

/* ---- the console as a process ---------------------------------------------------- */

static void
test_console_process_keeps_token_secret (void)
{
  Secret s = { 0 };
  g_autofree char *work = hw_test_mkdtemp ();
  g_autofree char *home = g_build_filename (work, "home", NULL);
  g_autofree char *cache = g_build_filename (work, "cache", NULL);
  g_autofree char *data = g_build_filename (work, "data", NULL);
  g_autofree char *config = g_build_filename (work, "config", NULL);
  g_autofree char *state = g_build_filename (work, "state", NULL);
  g_autofree char *runtime = g_build_filename (work, "runtime", NULL);
  g_autofree char *out_log = g_build_filename (work, "console.stdout", NULL);
  g_autofree char *err_log = g_build_filename (work, "console.stderr", NULL);
  g_autofree char *binary = g_build_filename (g_getenv ("HW_TEST_BUILDDIR"), "..", "src", "app", "hubwatch", NULL);
  g_autofree char *token_spec = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) console = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *hub_log = NULL;
  HwTestHub *hub;
  ConsoleWait w = { .cache_home = cache };
  guint poll;
  const char * const dirs[] = { home, cache, data, config, state, runtime };

  secret_init (&s);
  token_spec = g_strdup_printf ("console:viewer:%s", s.secret);
  hub = hw_test_hub_new (NULL, "--simulate", "--token", token_spec, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    g_assert_cmpint (g_mkdir_with_parents (dirs[i], 0700), ==, 0);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_set_stdout_file_path (launcher, out_log);
  g_subprocess_launcher_set_stderr_file_path (launcher, err_log);
  g_subprocess_launcher_setenv (launcher, "HOME", home, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", cache, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", data, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", config, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_STATE_HOME", state, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", runtime, TRUE);
  g_subprocess_launcher_setenv (launcher, "GSETTINGS_BACKEND", "keyfile", TRUE);
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "all", TRUE);
  g_subprocess_launcher_setenv (launcher, "HUBWATCH_TOKEN", s.secret, TRUE);
  g_subprocess_launcher_setenv (launcher, "HUBWATCH_NO_KEYRING", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "GSK_RENDERER", "cairo", FALSE);
  /* No session bus: the console runs as its own, non-unique instance
   * instead of handing --connect to another test's console. */
  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent", TRUE);
  console = g_subprocess_launcher_spawn (launcher, &error, binary, "--connect", hub->base_url, NULL);
  g_assert_no_error (error);
  w.console = console;
  g_subprocess_wait_async (console, NULL, on_console_exit, &w.exited);

  /* Sync, with the token: events reach the console's cache. */
  poll = g_timeout_add (100, poll_tick, NULL);
  g_assert_true (hw_test_wait_until (console_synced, &w, WAIT_MS));
  g_source_remove (poll);
  g_assert_false (w.exited);
  g_test_message ("the console cached %" G_GINT64_FORMAT " events", cached_events (cache));

  g_subprocess_send_signal (console, SIGTERM);
  g_assert_true (hw_test_wait_until (is_true, &w.exited, 30000));

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    assert_no_secret_under (&s, dirs[i]);
  assert_no_secret_in_file (&s, out_log);
  assert_no_secret_in_file (&s, err_log);
  assert_no_secret_under (&s, hub->data_dir);
  hub_log = hw_test_hub_read_log (hub);
  g_assert_null (strstr (hub_log, s.secret));
  g_assert_null (strstr (hub_log, s.base64));

  /* The search had something to search: a cache, the logs, the hub's files. */
  g_assert_cmpuint (count_searched_under (&s, cache), >, 0);
  g_assert_cmpuint (count_searched_under (&s, hub->data_dir), >, 0);
  g_assert_cmpuint (count_searched_under (&s, err_log), ==, 1);
  /* Its debug log was really written, and really searched. */
  g_test_message ("console wrote %" G_GOFFSET_FORMAT " bytes of log", file_size (out_log) + file_size (err_log));
  g_assert_cmpint (file_size (out_log) + file_size (err_log), >, 0);
  g_test_message ("searched %u files", s.searched->len);

  hw_test_hub_free (hub);
  hw_test_rmdir (work);
  secret_clear (&s);
}

/* ---- the console in this process: a saved hub, its settings ------------------------ */

typedef struct
{
  HwConnection *connection;
} StoreWait;

static gboolean
store_has_events (gpointer user_data)
{
  StoreWait *w = user_data;
  HwEventStore *store = hw_connection_get_store (w->connection);

  return store != NULL
         && hw_event_store_count (store, NULL, HW_EVENT_STORE_UNBOUNDED, HW_EVENT_STORE_UNBOUNDED,
                                  NULL, NULL) > 0;
}

static void
test_saved_hub_keeps_token_out_of_settings (void)
{
  Secret s = { 0 };
  g_autofree char *token_spec = NULL;
  g_autoptr(HwApplication) app = NULL;
  g_autofree char *keyfile = g_build_filename (g_get_user_config_dir (), "glib-2.0", "settings", "keyfile", NULL);
  g_autofree char *settings_text = NULL;
  HwTestHub *hub;
  HwWindow *window;
  StoreWait w = { 0 };

  secret_init (&s);
  token_spec = g_strdup_printf ("console:viewer:%s", s.secret);
  hub = hw_test_hub_new (NULL, "--simulate", "--token", token_spec, NULL);

  app = hw_test_app_new ();
  g_application_activate (G_APPLICATION (app));
  window = HW_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  /* As the Add Hub dialog does: a hub kept across runs, with its token. */
  w.connection = hw_application_add_hub (app, "Secure hub", hub->base_url, s.secret, TRUE);
  g_assert_true (hw_test_wait_until (store_has_events, &w, WAIT_MS));
  g_assert_cmpint (hw_connection_get_state (w.connection), !=, HW_HUB_SYNC_STATE_AUTH_FAILED);

  /* Closing saves the window state too: the settings file is really written. */
  gtk_window_close (GTK_WINDOW (window));
  g_settings_sync ();
  g_assert_true (g_file_get_contents (keyfile, &settings_text, NULL, NULL));
  g_assert_nonnull (strstr (settings_text, "Secure hub"));
  g_assert_null (strstr (settings_text, s.secret));

  assert_no_secret_under (&s, g_get_user_config_dir ());
  assert_no_secret_under (&s, g_get_user_cache_dir ());
  assert_no_secret_under (&s, g_get_user_data_dir ());
  assert_no_secret_under (&s, hub->data_dir);
  g_assert_cmpuint (count_searched_under (&s, g_get_user_cache_dir ()), >, 0);

  hw_application_remove_hub (app, w.connection);
  hw_test_app_iterate_pending (NULL);
  hw_test_app_quit (&app);
  hw_test_hub_free (hub);
  secret_clear (&s);
}

/* ---- TLS: a self-signed hub is refused by default ------------------------------------ */

typedef struct
{
  HwConnection *connection;
  HwWindow     *window;
} TlsWait;

static gboolean
untrusted (gpointer user_data)
{
  TlsWait *w = user_data;

  return hw_connection_get_state (w->connection) == HW_HUB_SYNC_STATE_UNTRUSTED
         && hw_window_get_banner_text (w->window) != NULL;
}

static void
test_self_signed_hub_is_refused (void)
{
  g_autofree char *pem = hw_test_source_path ("data", "tls-self-signed.pem", NULL);
  HwApplication *app = hw_test_app_new ();
  HwTestHub *hub = hw_test_hub_new (NULL, "--simulate", "--tls-cert", pem, "--tls-key", pem, NULL);
  g_autofree char *url = NULL;
  TlsWait w = { 0 };
  HwEventStore *store;

  url = g_str_has_prefix (hub->base_url, "http://")
        ? g_strconcat ("https://", hub->base_url + strlen ("http://"), NULL)
        : g_strdup (hub->base_url);
  g_assert_true (g_str_has_prefix (url, "https://"));

  g_application_activate (G_APPLICATION (app));
  w.window = HW_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  w.connection = hw_application_connect_url (app, url, NULL);
  if (!hw_test_wait_until (untrusted, &w, WAIT_MS))
    g_error ("state %s, last error %s", hw_hub_sync_state_to_string (hw_connection_get_state (w.connection)),
             hw_connection_get_last_error (w.connection));
  g_test_message ("banner: %s", hw_window_get_banner_text (w.window));
  g_assert_nonnull (strstr (hw_window_get_banner_text (w.window), "certificate"));
  /* Refused means refused: nothing was synced from it. */
  store = hw_connection_get_store (w.connection);
  if (store != NULL)
    g_assert_cmpint (hw_event_store_count (store, NULL, HW_EVENT_STORE_UNBOUNDED, HW_EVENT_STORE_UNBOUNDED,
                                           NULL, NULL), ==, 0);

  hw_application_remove_hub (app, w.connection);
  gtk_window_destroy (GTK_WINDOW (w.window));
  hw_test_app_iterate_pending (NULL);
  hw_test_app_quit (&app);
  hw_test_hub_free (hub);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *tmp_dir = NULL;
  g_autofree char *config = NULL;
  int status;

  /* Before anything reads them (single-threaded still): settings go to a
   * keyfile in a private config dir. (Debug logging is for the console
   * process only: GLib writes debug lines to stdout, where hubwatchd's ready
   * line is expected.) */
  config = g_build_filename (g_get_tmp_dir (), "hw-security-XXXXXX", NULL);
  g_assert_nonnull (g_mkdtemp (config));
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  g_setenv ("GSETTINGS_BACKEND", "keyfile", TRUE);
  /* Xvfb has no GPU; llvmpipe's shader JIT only slows the test down. */
  g_setenv ("GSK_RENDERER", "cairo", FALSE);

  if (!hw_test_app_init (&argc, &argv, &tmp_dir, &status))
    {
      hw_test_rmdir (config);
      return status;
    }

  g_test_add_func ("/security/tokens/console-process", test_console_process_keeps_token_secret);
  g_test_add_func ("/security/tokens/saved-hub-settings", test_saved_hub_keeps_token_out_of_settings);
  g_test_add_func ("/security/tls/self-signed-refused", test_self_signed_hub_is_refused);

  status = g_test_run ();
  hw_test_rmdir (tmp_dir);
  hw_test_rmdir (config);
  return status;
}
