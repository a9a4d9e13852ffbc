/* hw-bench-console.c: the console's cold start and memory over a large cache
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <string.h>

#include "hw-bench-util.h"
#include "hw-event-store.h"
#include "hw-importer.h"
#include "hw-paths.h"

/* Nothing listens there: the console starts offline and works from the cache. */
#define HUB_URL "http://127.0.0.1:9"
#define RSS_LIMIT_MB 250.0
#define START_TIMEOUT_S 120.0
#define SETTLE_S 3.0
/* The line the console prints on stdout when HUBWATCH_BENCH_FIRST_FRAME=1
 * and its first frame has been drawn. */
#define FIRST_FRAME_MARKER "hubwatch: first frame"

typedef struct
{
  GSubprocess *process;         /* dbus-run-session */
  GPid         pid;             /* the console itself, inside dbus-run-session */
  gboolean     first_frame;     /* the marker line arrived */
  double       first_frame_at;
  gboolean     exited;
} Console;

static void
fill_cache (const char *cache_path,
            const char *lake_dir,
            guint64     events)
{
  g_autofree char *stamp = g_strdup_printf ("%s.bench-%" G_GUINT64_FORMAT, cache_path, events);
  const char *paths[] = { lake_dir, NULL };
  g_autoptr(HwEventStore) store = NULL;
  g_autoptr(HwImportReport) report = hw_import_report_new ();
  g_autoptr(GError) error = NULL;
  double started;

  if (g_file_test (stamp, G_FILE_TEST_EXISTS) && g_file_test (cache_path, G_FILE_TEST_EXISTS))
    {
      hw_bench_note ("console: reusing the cache %s", cache_path);
      return;
    }
  g_unlink (stamp);
  g_unlink (cache_path);
  started = hw_bench_now ();
  if ((store = hw_event_store_open (cache_path, HW_EVENT_STORE_FLAGS_NONE, &error)) == NULL ||
      !hw_importer_import_paths (store, paths, NULL, report, NULL, NULL, NULL, &error))
    hw_bench_fail ("filling the cache", error);
  g_clear_object (&store);
  if (!g_file_set_contents (stamp, "", 0, &error))
    hw_bench_fail ("stamping the cache", error);
  hw_bench_note ("console: imported %" G_GUINT64_FORMAT " events into %s in %.0f s (%.0f MB)",
                 report->imported, cache_path, hw_bench_now () - started,
                 hw_bench_tree_size (cache_path) / 1e6);
}

static void
on_line (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Console *console = user_data;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source),
                                                                      result, NULL, NULL);

  if (line == NULL)
    return;
  if (g_str_has_prefix (line, "pid "))
    console->pid = (GPid) g_ascii_strtoll (line + 4, NULL, 10);
  else if (g_str_has_prefix (line, FIRST_FRAME_MARKER) && !console->first_frame)
    {
      console->first_frame = TRUE;
      console->first_frame_at = hw_bench_now ();
    }
  g_data_input_stream_read_line_async (G_DATA_INPUT_STREAM (source), G_PRIORITY_DEFAULT, NULL,
                                       on_line, console);
}

static void
on_console_exit (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  gboolean *exited = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *exited = TRUE;
}

/* Without the console's marker, the best outside sign of a first frame is
 * its toplevel becoming viewable on the X server. */
static gboolean
window_viewable (void)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  if (!g_spawn_command_line_sync ("xwininfo -name Hubwatch", &out, &err, &status, NULL))
    return FALSE;
  return status == 0 && out != NULL && strstr (out, "IsViewable") != NULL;
}

static double
read_status_mb (GPid        pid,
                const char *field)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int) pid);
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents (path, &status, NULL, NULL) || (line = strstr (status, field)) == NULL)
    return NAN;
  return g_ascii_strtod (line + strlen (field), NULL) / 1024.0;
}

static void
spawn_console (Console    *console,
               const char *xdg_root,
               const char *cache_home)
{
  const char *app = g_getenv ("HUBWATCH_APP");
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autofree char *data = g_build_filename (xdg_root, "data", NULL);
  g_autofree char *config = g_build_filename (xdg_root, "config", NULL);
  g_autofree char *log = g_build_filename (xdg_root, "..", "console.log", NULL);
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GError) error = NULL;

  if (app == NULL)
    hw_bench_fail ("HUBWATCH_APP is not set to the console binary", NULL);
  /* Fresh settings and state every run; only the cache is meant to be warm. */
  hw_bench_remove_tree (data);
  hw_bench_remove_tree (config);
  g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", cache_home, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", data, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", config, TRUE);
  g_subprocess_launcher_setenv (launcher, "HUBWATCH_NO_KEYRING", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "HUBWATCH_BENCH_FIRST_FRAME", "1", TRUE);
  /* In a desktop session the accessibility bus is already up; activating
   * it on the private bus below would be a cost no user pays. */
  g_subprocess_launcher_setenv (launcher, "GTK_A11Y", "none", TRUE);
  /* Xvfb has no GPU: GL there is llvmpipe, whose shader compiler costs
   * seconds and ~100 MB that a desktop GPU does not. The cairo renderer
   * measures the console's own work; GSK_RENDERER in the environment wins. */
  g_subprocess_launcher_setenv (launcher, "GSK_RENDERER", "cairo", FALSE);
  g_subprocess_launcher_set_stderr_file_path (launcher, log);

  /* A private session bus: a console already running elsewhere must not
   * take the command line over. The shell prints its pid, then becomes
   * the console. */
  console->process = g_subprocess_launcher_spawn (launcher, &error, "dbus-run-session", "--",
                                                  "sh", "-c", "echo \"pid $$\"; exec \"$0\" \"$@\"",
                                                  app, "--connect", HUB_URL, NULL);
  if (console->process == NULL)
    hw_bench_fail ("starting the console", error);
  g_subprocess_wait_async (console->process, NULL, on_console_exit, &console->exited);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (console->process));
  g_data_input_stream_read_line_async (lines, G_PRIORITY_DEFAULT, NULL, on_line, console);
}

static void
iterate_for (double seconds)
{
  double until = hw_bench_now () + seconds;

  while (hw_bench_now () < until)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5 * 1000);
    }
}

static void
stop_console (Console *console)
{
  double deadline = hw_bench_now () + 10;

  kill (console->pid, SIGTERM);
  while (!console->exited && hw_bench_now () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10 * 1000);
    }
  if (!console->exited)
    {
      kill (console->pid, SIGKILL);
      g_subprocess_force_exit (console->process);
      while (!console->exited)
        g_main_context_iteration (NULL, TRUE);
    }
  g_clear_object (&console->process);
}

/* Starts the console on @cache_home and waits for its first frame; then
 * lets it settle and reads its memory. */
static void
measure_start (const char *xdg_root,
               const char *cache_home,
               double     *first_frame_ms,
               double     *rss_mb,
               double     *peak_mb)
{
  Console console = { 0 };
  const char *how = NULL;
  double started = hw_bench_now ();
  double anon_mb, file_mb;

  spawn_console (&console, xdg_root, cache_home);
  while (!console.exited && hw_bench_now () - started < START_TIMEOUT_S)
    {
      g_main_context_iteration (NULL, FALSE);
      if (console.first_frame)
        {
          *first_frame_ms = (console.first_frame_at - started) * 1000;
          how = "its first-frame marker";
          break;
        }
      if (console.pid != 0 && window_viewable ())
        {
          *first_frame_ms = (hw_bench_now () - started) * 1000;
          how = "its window becoming viewable (the console prints no first-frame marker yet)";
          break;
        }
      g_usleep (10 * 1000);
    }
  if (how == NULL || console.pid == 0)
    hw_bench_fail (console.exited ? "the console exited before its first frame" :
                   "no first frame from the console", NULL);

  /* Whatever the console loads once shown (pages, models) counts too. */
  iterate_for (SETTLE_S);
  *rss_mb = read_status_mb (console.pid, "VmRSS:");
  *peak_mb = read_status_mb (console.pid, "VmHWM:");
  /* File-backed pages include the cache SQLite maps into memory: they
   * count in RSS, but the kernel can drop them at any time. */
  anon_mb = read_status_mb (console.pid, "RssAnon:");
  file_mb = read_status_mb (console.pid, "RssFile:");
  stop_console (&console);
  hw_bench_note ("console: first frame (by %s) after %.0f ms", how, *first_frame_ms);
  hw_bench_note ("console: %.0f s later: RSS %.0f MB (anonymous %.0f MB, file-backed %.0f MB), peak %.0f MB",
                 SETTLE_S, *rss_mb, anon_mb, file_mb, *peak_mb);
}

static void
run (const char *workdir,
     const char *lakes,
     guint64     events)
{
  g_autofree char *xdg_root = g_build_filename (workdir, "xdg", NULL);
  g_autofree char *cache_home = g_build_filename (xdg_root, "cache", NULL);
  g_autofree char *empty_home = g_build_filename (xdg_root, "cache-empty", NULL);
  g_autofree char *cache_path = NULL;
  g_autofree char *lake_dir = NULL;
  g_autoptr(GError) error = NULL;
  HwLakeGenStats lake;
  double empty_ms, empty_rss, empty_peak;
  double full_ms, full_rss, full_peak;

  /* Before anything asks GLib for the cache dir, which it remembers. */
  g_setenv ("XDG_CACHE_HOME", cache_home, TRUE);
  cache_path = hw_paths_cache_file_for_hub (HUB_URL);
  if ((lake_dir = hw_bench_ensure_lake (lakes != NULL ? lakes : workdir, events, &lake, &error)) == NULL)
    hw_bench_fail ("generating the lake", error);
  fill_cache (cache_path, lake_dir, events);

  hw_bench_note ("console: baseline: the same cold start, offline, on an empty cache");
  if (!hw_bench_reset_dir (empty_home, &error))
    hw_bench_fail ("empty cache dir", error);
  measure_start (xdg_root, empty_home, &empty_ms, &empty_rss, &empty_peak);
  hw_bench_note ("console: ours: cold start, offline, on the cache of %" G_GUINT64_FORMAT " events", events);
  measure_start (xdg_root, cache_home, &full_ms, &full_rss, &full_peak);

  hw_bench_note ("console: renderer %s, accessibility bus off; RSS limit %.0f MB (peak RSS is reported)",
                 g_getenv ("GSK_RENDERER") != NULL ? g_getenv ("GSK_RENDERER") : "cairo", RSS_LIMIT_MB);
  hw_bench_report ("console_first_frame_ms", full_ms, "ms", empty_ms, empty_ms / full_ms);
  hw_bench_report ("console_rss_mb", full_peak, "MB", RSS_LIMIT_MB, RSS_LIMIT_MB / full_peak);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *workdir = NULL;
  g_autofree char *lakes = NULL;
  gint64 events = 200000;
  const GOptionEntry entries[] = {
    { "workdir", 0, 0, G_OPTION_ARG_FILENAME, &workdir, "Directory for the lake, the cache and XDG dirs", "DIR" },
    { "events", 'n', 0, G_OPTION_ARG_INT64, &events, "Cached events (default 200000)", "N" },
    { "lakes", 0, 0, G_OPTION_ARG_FILENAME, &lakes, "Where generated lakes are kept for reuse (default: DIR)", "DIR" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— benchmark the console's start");
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    "Needs a display (bench/run uses xvfb-run) and $HUBWATCH_APP. Prints\n"
    "console_first_frame_ms and console_rss_mb for the console started offline\n"
    "on a cache of N events; the cache is kept in DIR and reused.");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s: %s\n", g_get_prgname (), error->message);
      return 2;
    }
  if (workdir == NULL || events <= 0)
    {
      g_printerr ("%s: --workdir DIR and --events N (N > 0) are required; see --help\n", g_get_prgname ());
      return 2;
    }
  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_printerr ("%s: no display; run under xvfb-run\n", g_get_prgname ());
      return 1;
    }
  if (g_mkdir_with_parents (workdir, 0755) != 0)
    {
      g_printerr ("%s: cannot create %s\n", g_get_prgname (), workdir);
      return 1;
    }
  run (workdir, lakes, events);
  return 0;
}
