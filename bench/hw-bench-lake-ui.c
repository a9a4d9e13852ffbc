/* hw-bench-lake-ui.c: the Event Lake page over a large cache: first page, stalls, scrolling, memory
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hw-background.h"
#include "hw-bench-util.h"
#include "hw-event-store.h"
#include "hw-frame-memory.h"
#include "hw-importer.h"
#include "hw-lake-page.h"
#include "hw-paths.h"

/* Nothing listens there: the page works offline, from the cache. */
#define HUB_URL "http://127.0.0.1:9"
/* The limits. "16 ms" is one refresh of a 60 Hz display, which is
 * what frame-to-frame times are compared with. */
#define FIRST_PAGE_LIMIT_MS 50.0
#define FRAME_BUDGET_MS     16.0
#define REFRESH_MS          (1000.0 / 60)
#define RSS_LIMIT_MB        250.0
#define SCROLL_FRAMES       300
#define WAIT_TIMEOUT_S      120.0
#define IDLE_S              1.0

typedef struct
{
  GtkWindow        *window;
  HwLakePage       *page;
  HwConnection     *connection;
  HwEventListModel *model;
  GtkColumnView    *view;
  GtkAdjustment    *vadjustment;
  GdkFrameClock    *clock;

  /* Main-loop heartbeat */
  gint64            last_beat;
  gint64            last_beat_cpu;    /* the main thread's CPU time then */
  gboolean          watching;         /* gaps count towards the stall figure */
  double            max_gap_ms;
  double            max_busy_ms;      /* main-thread CPU time within one gap */
  double            total_busy_ms;    /* main-thread CPU time while watching */
  guint             busy_gaps;        /* gaps with half a frame budget of CPU or more */
  guint             long_gaps;        /* gaps over the frame budget */
  double            busy_log_ms;      /* log gaps with this much CPU (0: none) */
  const char       *query;            /* the search being timed */

  /* The search being timed */
  gboolean          awaiting_rows;
  gint64            search_started;
  gint64            rows_at;          /* 0 until the model holds the first rows */
  gint64            painted_at;       /* the first frame drawn after that */

  /* Scrolling */
  guint             tick_id;
  guint             frame;
  gboolean          sweep;            /* across all rows rather than a page a frame */
  gint64            last_frame_time;
  gint64            tick_at;
  GArray           *intervals;        /* double ms, frame to frame */
  GArray           *work;             /* double ms, tick to painted */
  guint             placeholder_frames;
} Bench;

/* The cache --------------------------------------------------------------- */

static void
fill_cache (const char *cache_path,
            const char *lakes,
            guint64     events)
{
  g_autofree char *stamp = g_strdup_printf ("%s.bench-%" G_GUINT64_FORMAT, cache_path, events);
  g_autofree char *dir = g_path_get_dirname (cache_path);
  g_autofree char *lake_dir = NULL;
  g_autoptr(HwEventStore) store = NULL;
  g_autoptr(HwImportReport) report = hw_import_report_new ();
  g_autoptr(GError) error = NULL;
  HwLakeGenStats stats;
  const char *paths[2] = { NULL, NULL };
  double started;

  if (g_file_test (stamp, G_FILE_TEST_EXISTS) && g_file_test (cache_path, G_FILE_TEST_EXISTS))
    {
      hw_bench_note ("lake-ui: reusing the cache %s", cache_path);
      return;
    }
  if ((lake_dir = hw_bench_ensure_lake (lakes, events, &stats, &error)) == NULL)
    hw_bench_fail ("generating the lake", error);
  g_unlink (stamp);
  g_unlink (cache_path);
  g_mkdir_with_parents (dir, 0700);
  paths[0] = lake_dir;
  started = hw_bench_now ();
  if ((store = hw_event_store_open (cache_path, HW_EVENT_STORE_FLAGS_NONE, &error)) == NULL ||
      !hw_importer_import_paths (store, paths, NULL, report, NULL, NULL, NULL, &error))
    hw_bench_fail ("filling the cache", error);
  g_clear_object (&store);
  if (!g_file_set_contents (stamp, "", 0, &error))
    hw_bench_fail ("stamping the cache", error);
  hw_bench_note ("lake-ui: imported %" G_GUINT64_FORMAT " events into %s in %.0f s (%.0f MB)",
                 report->imported, cache_path, hw_bench_now () - started,
                 hw_bench_tree_size (cache_path) / 1e6);
}

/* Importing and reading the FTS vocabulary cost memory this process must
 * not carry into its RSS figure, so both run in a child, forked before GTK
 * or any GLib thread starts; the child leaves the words in @words_path. */
static GPtrArray *pick_words (const char *cache_path,
                              guint64     events);

static GPtrArray *
prepare_in_child (const char *cache_path,
                  const char *lakes,
                  const char *words_path,
                  guint64     events)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *words = g_ptr_array_new_with_free_func (g_free);
  pid_t pid = fork ();
  int status = 0;

  if (pid < 0)
    hw_bench_fail ("fork", NULL);
  if (pid == 0)
    {
      g_autoptr(GPtrArray) picked = NULL;
      g_autoptr(GString) out = g_string_new (NULL);

      fill_cache (cache_path, lakes, events);
      picked = pick_words (cache_path, events);
      for (guint i = 0; i < picked->len; i++)
        g_string_append_printf (out, "%s\n", (char *) g_ptr_array_index (picked, i));
      fflush (stdout);
      _exit (g_file_set_contents (words_path, out->str, -1, NULL) ? 0 : 1);
    }
  if (waitpid (pid, &status, 0) < 0 || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    hw_bench_fail ("preparing the cache (child)", NULL);
  if (!g_file_get_contents (words_path, &text, NULL, NULL))
    hw_bench_fail ("reading the picked words", NULL);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (*lines[i] != '\0')
      g_ptr_array_add (words, g_strdup (lines[i]));
  return words;
}

/* Words of the index whose document counts are nearest these fractions of
 * the events: from common words to the Zipf tail. */
static GPtrArray *
pick_words (const char *cache_path,
            guint64     events)
{
  static const double fractions[] = { 0.3, 0.05, 0.01, 0.002, 0.0005 };
  GPtrArray *words = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *text_path = g_strconcat (cache_path, "-text", NULL);
  sqlite3 *db = NULL;

  /* The full-text index is a file of its own beside the cache. */
  if (sqlite3_open_v2 (text_path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
      sqlite3_exec (db, "CREATE VIRTUAL TABLE temp.vocab USING fts5vocab (main, events_fts, 'row')",
                    NULL, NULL, NULL) != SQLITE_OK)
    {
      hw_bench_note ("lake-ui: no FTS vocabulary (%s); free-text queries skipped", sqlite3_errmsg (db));
      sqlite3_close (db);
      return words;
    }
  for (guint i = 0; i < G_N_ELEMENTS (fractions); i++)
    {
      sqlite3_stmt *stmt = NULL;

      if (sqlite3_prepare_v2 (db, "SELECT term FROM temp.vocab WHERE length (term) >= 4 "
                                  "AND term NOT GLOB '*[^a-z]*' AND term NOT IN ('and', 'not') "
                                  "ORDER BY abs (doc - ?) LIMIT 1", -1, &stmt, NULL) != SQLITE_OK)
        break;
      sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) MAX (200.0, events * fractions[i]));
      if (sqlite3_step (stmt) == SQLITE_ROW)
        g_ptr_array_add (words, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
      sqlite3_finalize (stmt);
    }
  sqlite3_close (db);
  return words;
}

/* Queries an on-call engineer might type: fields, wildcards, negation,
 * free text from common to rare, and everything. */
static GPtrArray *
make_queries (GPtrArray *words)
{
  static const char * const fixed[] = {
    "type:order-created",
    "type:payment-*",
    "functionname:shipment-listener",
    "source:invoice-service type:invoice-paid",
    "type:fault",
    "type:customer-* -source:customer-service",
    "type:order-placed OR type:payment-paid",
    "",
  };
  GPtrArray *queries = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < G_N_ELEMENTS (fixed); i++)
    g_ptr_array_add (queries, g_strdup (fixed[i]));
  for (guint i = 0; i < words->len; i++)
    g_ptr_array_add (queries, g_strdup (g_ptr_array_index (words, i)));
  if (words->len >= 2)
    {
      g_ptr_array_add (queries, g_strdup_printf ("%s %s", (char *) g_ptr_array_index (words, 0),
                                                 (char *) g_ptr_array_index (words, 1)));
      g_ptr_array_add (queries, g_strdup_printf ("%.3s*", (char *) g_ptr_array_index (words, 2)));
    }
  return queries;
}

/* Main loop ---------------------------------------------------------------- */

/* On a loaded machine the main loop also waits for a core; the CPU time
 * the main thread spent within a gap tells our work from that wait. */
static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  if (clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
    return 0;
  return ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static gboolean
on_heartbeat (gpointer user_data)
{
  Bench *bench = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 cpu = thread_cpu_us ();
  double gap = (now - bench->last_beat) / 1000.0;

  if (bench->watching)
    {
      double busy = (cpu - bench->last_beat_cpu) / 1000.0;

      bench->max_gap_ms = MAX (bench->max_gap_ms, gap);
      bench->max_busy_ms = MAX (bench->max_busy_ms, busy);
      bench->total_busy_ms += busy;
      if (busy >= FRAME_BUDGET_MS / 2)
        bench->busy_gaps++;
      if (gap > FRAME_BUDGET_MS)
        bench->long_gaps++;
      /* Which search, and when (CLOCK_MONOTONIC, as `perf record -k
       * CLOCK_MONOTONIC` stamps samples), to find a busy gap in a profile. */
      if (bench->busy_log_ms > 0 && busy >= bench->busy_log_ms)
        hw_bench_note ("lake-ui: gap of %.1f ms with %.1f ms of main-thread CPU, ending at %.6f s, "
                       "%.1f ms into '%s'", gap, busy, now / 1e6,
                       (now - bench->search_started) / 1000.0, bench->query);
    }
  bench->last_beat = now;
  bench->last_beat_cpu = cpu;
  return G_SOURCE_CONTINUE;
}

static void
watch_stalls (Bench    *bench,
              gboolean  watching)
{
  bench->last_beat = g_get_monotonic_time ();
  bench->last_beat_cpu = thread_cpu_us ();
  bench->watching = watching;
}

typedef gboolean (*Condition) (Bench *bench);

static gboolean
wait_for (Bench     *bench,
          Condition  condition,
          double     timeout_s)
{
  double deadline = hw_bench_now () + timeout_s;

  while (!condition (bench))
    {
      if (hw_bench_now () > deadline)
        return FALSE;
      g_main_context_iteration (NULL, TRUE);
    }
  return TRUE;
}

static gboolean
elapsed (Bench *bench)
{
  return g_get_monotonic_time () - bench->search_started > IDLE_S * G_USEC_PER_SEC;
}

static gboolean
page_ready (Bench *bench)
{
  return hw_connection_get_store (bench->connection) != NULL
         && hw_connection_is_offline (bench->connection)
         && hw_lake_page_get_search_count (bench->page) > 0
         && !hw_lake_page_is_searching (bench->page);
}

/* The first search -------------------------------------------------------- */

static void
on_items_changed (Bench *bench)
{
  if (!bench->awaiting_rows || g_list_model_get_n_items (G_LIST_MODEL (bench->model)) == 0
      || !hw_event_list_model_is_loaded (bench->model, 0))
    return;
  bench->rows_at = g_get_monotonic_time ();
  bench->awaiting_rows = FALSE;
}

static void
on_after_paint (Bench *bench)
{
  gint64 now = g_get_monotonic_time ();

  if (bench->rows_at != 0 && bench->painted_at == 0)
    bench->painted_at = now;
  if (bench->tick_at != 0)
    {
      double ms = (now - bench->tick_at) / 1000.0;

      g_array_append_val (bench->work, ms);
      bench->tick_at = 0;
    }
}

static guint search_count_before;

static gboolean
search_finished (Bench *bench)
{
  if (hw_lake_page_get_search_count (bench->page) <= search_count_before
      || hw_lake_page_is_searching (bench->page))
    return FALSE;
  return hw_lake_page_get_total (bench->page) == 0 || (bench->rows_at != 0 && bench->painted_at != 0);
}

/* Returns FALSE when the query matched nothing (no first page to time). */
static gboolean
time_search (Bench      *bench,
             const char *query,
             double     *first_page_ms,
             double     *painted_ms,
             double     *done_ms)
{
  search_count_before = hw_lake_page_get_search_count (bench->page);
  bench->rows_at = bench->painted_at = 0;
  bench->awaiting_rows = TRUE;
  bench->query = query;
  watch_stalls (bench, TRUE);
  bench->search_started = g_get_monotonic_time ();
  hw_lake_page_search (bench->page, query);
  if (hw_lake_page_get_query_error (bench->page, NULL) != NULL)
    hw_bench_fail (query, NULL);
  if (!wait_for (bench, search_finished, WAIT_TIMEOUT_S))
    hw_bench_fail ("a search did not show its first page in time", NULL);
  bench->awaiting_rows = FALSE;
  if (bench->rows_at == 0)
    {
      watch_stalls (bench, FALSE);
      return FALSE;
    }
  *done_ms = (g_get_monotonic_time () - bench->search_started) / 1000.0;
  watch_stalls (bench, FALSE);
  *first_page_ms = (bench->rows_at - bench->search_started) / 1000.0;
  *painted_ms = (bench->painted_at - bench->search_started) / 1000.0;
  return TRUE;
}

static void
measure_searches (Bench     *bench,
                  GPtrArray *queries)
{
  g_autoptr(GArray) first = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) painted = g_array_new (FALSE, FALSE, sizeof (double));
  double idle_gap, idle_busy;

  /* The noise floor: the longest gap with nothing to do. */
  bench->max_gap_ms = bench->max_busy_ms = 0;
  bench->search_started = g_get_monotonic_time ();
  bench->query = "(idle)";
  watch_stalls (bench, TRUE);
  wait_for (bench, elapsed, IDLE_S * 2);
  watch_stalls (bench, FALSE);
  idle_gap = bench->max_gap_ms;
  idle_busy = bench->max_busy_ms;

  bench->max_gap_ms = bench->max_busy_ms = 0;
  bench->long_gaps = 0;
  for (guint i = 0; i < queries->len; i++)
    {
      const char *query = g_ptr_array_index (queries, i);
      double first_ms, painted_ms, done_ms;

      if (!time_search (bench, query, &first_ms, &painted_ms, &done_ms))
        {
          hw_bench_note ("lake-ui: '%s' matched nothing, not timed", query);
          continue;
        }
      g_array_append_val (first, first_ms);
      g_array_append_val (painted, painted_ms);
      hw_bench_note ("lake-ui: '%s': %" G_GINT64_FORMAT " events, first page %.1f ms, drawn %.1f ms, "
                     "histogram and facets done %.0f ms", query, hw_lake_page_get_total (bench->page),
                     first_ms, painted_ms, done_ms);
    }
  if (first->len == 0)
    hw_bench_fail ("no query matched anything", NULL);

  hw_bench_note ("lake-ui: first page = hw_lake_page_search() to the results model holding its first "
                 "rows; p50 of %u queries; drawn on screen: p50 %.1f ms", first->len,
                 hw_bench_median (painted));
  hw_bench_note ("lake-ui: main-loop stalls (1 ms heartbeat) during the searches: longest %.1f ms, "
                 "%u over %.0f ms; most main-thread CPU time within one gap %.1f ms; idle for %.0f s: "
                 "longest gap %.1f ms, CPU within one %.1f ms", bench->max_gap_ms, bench->long_gaps,
                 FRAME_BUDGET_MS, bench->max_busy_ms, IDLE_S * 2, idle_gap, idle_busy);
  /* Less noisy than the worst gap on a shared machine: how much the main
   * thread worked in all, and in how many gaps it worked half a frame. */
  hw_bench_note ("lake-ui: main-thread CPU during the searches: %.0f ms in all, %u gaps with %.0f ms or more",
                 bench->total_busy_ms, bench->busy_gaps, FRAME_BUDGET_MS / 2);
  {
    double p50 = hw_bench_median (first);

    hw_bench_report ("lake_first_page_ms", p50, "ms", FIRST_PAGE_LIMIT_MS, FIRST_PAGE_LIMIT_MS / p50);
  }
  hw_bench_report ("lake_search_ui_max_stall_ms", bench->max_gap_ms, "ms", FRAME_BUDGET_MS,
                   FRAME_BUDGET_MS / bench->max_gap_ms);
}

/* Scrolling ---------------------------------------------------------------- */

static guint
top_row (Bench *bench)
{
  double upper = gtk_adjustment_get_upper (bench->vadjustment);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (bench->model));

  if (upper <= 0 || n == 0)
    return 0;
  /* Rows are of equal height. */
  return MIN (n - 1, (guint) (gtk_adjustment_get_value (bench->vadjustment) / upper * n));
}

static gboolean
on_tick (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  Bench *bench = user_data;
  gint64 frame_time = gdk_frame_clock_get_frame_time (clock);
  double value = gtk_adjustment_get_value (bench->vadjustment);
  double page = gtk_adjustment_get_page_size (bench->vadjustment);
  double upper = gtk_adjustment_get_upper (bench->vadjustment);

  /* What the previous frame showed: a placeholder row means its page had
   * not arrived from the worker thread in time. */
  if (bench->frame > 0 && !hw_event_list_model_is_loaded (bench->model, top_row (bench)))
    bench->placeholder_frames++;
  if (bench->last_frame_time != 0)
    {
      double ms = (frame_time - bench->last_frame_time) / 1000.0;

      g_array_append_val (bench->intervals, ms);
    }
  bench->last_frame_time = frame_time;
  if (bench->frame++ >= SCROLL_FRAMES)
    {
      bench->tick_id = 0;
      return G_SOURCE_REMOVE;
    }
  bench->tick_at = g_get_monotonic_time ();
  if (bench->sweep)
    gtk_adjustment_set_value (bench->vadjustment, (upper - page) * bench->frame / SCROLL_FRAMES);
  else
    gtk_adjustment_set_value (bench->vadjustment, value + page);
  return G_SOURCE_CONTINUE;
}

static gboolean
scroll_done (Bench *bench)
{
  return bench->tick_id == 0;
}

static void
scroll (Bench      *bench,
        gboolean    sweep,
        double     *interval_p95,
        double     *work_p95)
{
  guint placeholders;
  double longest;

  gtk_adjustment_set_value (bench->vadjustment, 0);
  g_array_set_size (bench->intervals, 0);
  g_array_set_size (bench->work, 0);
  bench->frame = 0;
  bench->sweep = sweep;
  bench->last_frame_time = 0;
  bench->tick_at = 0;
  bench->placeholder_frames = 0;
  bench->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (bench->view), on_tick, bench, NULL);
  if (!wait_for (bench, scroll_done, WAIT_TIMEOUT_S))
    hw_bench_fail ("scrolling did not finish", NULL);
  placeholders = bench->placeholder_frames;
  *interval_p95 = hw_bench_percentile (bench->intervals, 0.95);
  *work_p95 = hw_bench_percentile (bench->work, 0.95);
  longest = bench->intervals->len > 0 ? g_array_index (bench->intervals, double, bench->intervals->len - 1) : NAN;
  hw_bench_note ("lake-ui: %s, %u frames: frame to frame p50 %.1f ms, p95 %.1f ms, longest %.1f ms; "
                 "work per frame (tick to painted) p50 %.1f ms, p95 %.1f ms; %u frames showed placeholder rows",
                 sweep ? "sweep over every row" : "a page per frame", bench->intervals->len,
                 hw_bench_median (bench->intervals), *interval_p95, longest,
                 hw_bench_median (bench->work), *work_p95, placeholders);
}

static void
measure_scroll (Bench *bench)
{
  double first, painted, done;
  double page_p95, page_work, sweep_p95, sweep_work;

  if (!time_search (bench, "", &first, &painted, &done))
    hw_bench_fail ("the cache is empty", NULL);
  hw_bench_note ("lake-ui: scrolling %" G_GINT64_FORMAT " rows: %.0f px of %.0f px tall rows, %.0f px a page",
                 hw_lake_page_get_total (bench->page), gtk_adjustment_get_upper (bench->vadjustment),
                 gtk_adjustment_get_upper (bench->vadjustment) / MAX (1, hw_lake_page_get_total (bench->page)),
                 gtk_adjustment_get_page_size (bench->vadjustment));
  scroll (bench, FALSE, &page_p95, &page_work);
  scroll (bench, TRUE, &sweep_p95, &sweep_work);
  /* Xvfb has no vblank: GDK's frame clock paces itself on a timer. */
  hw_bench_note ("lake-ui: frame to frame = GdkFrameClock frame-time deltas on %s with the %s renderer; "
                 "without a compositor the clock paces itself at 60 Hz, so an on-time frame is %.1f ms "
                 "and a late one about a multiple of it; work per frame = our tick to the end of its paint",
                 g_getenv ("DISPLAY") != NULL ? g_getenv ("DISPLAY") : "Wayland",
                 g_getenv ("GSK_RENDERER") != NULL ? g_getenv ("GSK_RENDERER") : "default", REFRESH_MS);
  hw_bench_report ("lake_scroll_frame_p95_ms", page_p95, "ms", REFRESH_MS, REFRESH_MS / page_p95);
  hw_bench_report ("lake_scroll_frame_work_p95_ms", page_work, "ms", FRAME_BUDGET_MS, FRAME_BUDGET_MS / page_work);
  hw_bench_report ("lake_sweep_frame_p95_ms", sweep_p95, "ms", REFRESH_MS, REFRESH_MS / sweep_p95);
}

static double
status_mb (const char *status,
           const char *field)
{
  const char *line = strstr (status, field);

  return line != NULL ? g_ascii_strtod (line + strlen (field), NULL) / 1024.0 : NAN;
}

static void
measure_rss (void)
{
  g_autofree char *status = NULL;
  double rss;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    hw_bench_fail ("reading /proc/self/status", NULL);
  rss = status_mb (status, "VmRSS:");
  hw_bench_note ("lake-ui: after scrolling: RSS %.0f MB (anonymous %.0f MB, file-backed %.0f MB, "
                 "shared memory %.0f MB), peak %.0f MB", rss, status_mb (status, "RssAnon:"),
                 status_mb (status, "RssFile:"), status_mb (status, "RssShmem:"),
                 status_mb (status, "VmHWM:"));
  hw_bench_report ("lake_rss_mb", rss, "MB", RSS_LIMIT_MB, RSS_LIMIT_MB / rss);
}

/* Setup --------------------------------------------------------------------- */

static void
show_page (Bench *bench)
{
  HwLakeResults *results;

  /* As `hubwatch --connect URL` does: a hub for this run only is known by
   * its URL, and so is its cache. */
  bench->connection = hw_connection_new (HUB_URL, "Bench", HUB_URL, FALSE);
  hw_connection_start (bench->connection);
  bench->page = g_object_new (HW_TYPE_LAKE_PAGE, "connection", bench->connection, NULL);
  bench->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (bench->window, 1200, 800);
  gtk_window_set_child (bench->window, GTK_WIDGET (bench->page));
  gtk_window_present (bench->window);

  results = hw_lake_page_get_results (bench->page);
  bench->model = hw_lake_results_get_model (results);
  bench->view = hw_lake_results_get_view (results);
  bench->vadjustment = gtk_scrolled_window_get_vadjustment (
    GTK_SCROLLED_WINDOW (gtk_widget_get_parent (GTK_WIDGET (bench->view))));
  /* New results take the place of the old ones in place ("replaced");
   * "items-changed" tells only a change in length. */
  g_signal_connect_swapped (bench->model, "items-changed", G_CALLBACK (on_items_changed), bench);
  g_signal_connect_swapped (bench->model, "replaced", G_CALLBACK (on_items_changed), bench);

  if (!wait_for (bench, page_ready, WAIT_TIMEOUT_S))
    hw_bench_fail ("the page did not open the cache offline", NULL);
  bench->clock = gtk_widget_get_frame_clock (GTK_WIDGET (bench->window));
  g_signal_connect_swapped (bench->clock, "after-paint", G_CALLBACK (on_after_paint), bench);
  hw_bench_note ("lake-ui: the page shows %" G_GINT64_FORMAT " cached events, offline",
                 hw_lake_page_get_total (bench->page));
}

static void
run (GPtrArray *words)
{
  Bench bench = { 0 };
  g_autoptr(GPtrArray) queries = make_queries (words);
  guint heartbeat;

  bench.intervals = g_array_new (FALSE, FALSE, sizeof (double));
  bench.work = g_array_new (FALSE, FALSE, sizeof (double));
  bench.query = "";
  if (g_getenv ("HW_BENCH_LOG_BUSY_MS") != NULL)
    bench.busy_log_ms = g_ascii_strtod (g_getenv ("HW_BENCH_LOG_BUSY_MS"), NULL);
  bench.last_beat = g_get_monotonic_time ();
  heartbeat = g_timeout_add (1, on_heartbeat, &bench);

  show_page (&bench);
  measure_searches (&bench, queries);
  measure_scroll (&bench);
  measure_rss ();

  g_source_remove (heartbeat);
  gtk_window_destroy (bench.window);
  hw_connection_stop (bench.connection);
  g_clear_object (&bench.connection);
  g_array_unref (bench.intervals);
  g_array_unref (bench.work);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *workdir = NULL;
  g_autofree char *lakes = NULL;
  g_autofree char *xdg = NULL;
  g_autofree char *cache_path = NULL;
  g_autofree char *words_path = NULL;
  g_autoptr(GPtrArray) words = NULL;
  gint64 events = 200000;
  const GOptionEntry entries[] = {
    { "workdir", 0, 0, G_OPTION_ARG_FILENAME, &workdir, "Directory for the cache and XDG dirs", "DIR" },
    { "events", 'n', 0, G_OPTION_ARG_INT64, &events, "Cached events (default 200000)", "N" },
    { "lakes", 0, 0, G_OPTION_ARG_FILENAME, &lakes, "Where generated lakes are kept for reuse (default: DIR)", "DIR" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— benchmark the Event Lake page");
  g_autoptr(GError) error = NULL;
  const char *subdirs[] = { "cache", "data", "config" };
  const char *variables[] = { "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME" };

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    "Needs a display (bench/run uses xvfb-run). Hosts the Event Lake page offline on a\n"
    "cache of N events (kept in DIR and reused) and prints lake_first_page_ms,\n"
    "lake_search_ui_max_stall_ms, lake_scroll_frame_p95_ms and lake_rss_mb.");
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

  /* Before anything asks GLib for these dirs, which it remembers. Settings
   * and state are fresh every run; only the cache is meant to be warm. */
  xdg = g_build_filename (workdir, "xdg", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (subdirs); i++)
    {
      g_autofree char *dir = g_build_filename (xdg, subdirs[i], NULL);

      if (i > 0)
        hw_bench_remove_tree (dir);
      g_mkdir_with_parents (dir, 0700);
      g_setenv (variables[i], dir, TRUE);
    }
  g_setenv ("HUBWATCH_NO_KEYRING", "1", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);
  /* Xvfb has no GPU (see hw-bench-console.c); GSK_RENDERER in the environment wins. */
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  cache_path = hw_paths_cache_file_for_hub (HUB_URL);
  words_path = g_build_filename (workdir, "words", NULL);
  words = prepare_in_child (cache_path, lakes != NULL ? lakes : workdir, words_path, (guint64) events);

  if (!gtk_init_check ())
    {
      g_printerr ("%s: cannot open the display\n", g_get_prgname ());
      return 1;
    }
  adw_init ();
  /* As HwApplication does at startup: the page's workers give way to it. */
  hw_background_set_enabled (g_getenv ("HW_BENCH_NO_BACKGROUND") == NULL);
  /* As the console's main() does. */
  if (g_getenv ("HW_BENCH_NO_FRAME_MEMORY") == NULL)
    hw_frame_memory_keep ();
  run (words);
  return 0;
}
