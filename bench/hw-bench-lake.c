/* hw-bench-lake.c: import, search, histogram and cache size over a synthetic lake
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <sqlite3.h>
#include <string.h>

#include "hw-bench-util.h"
#include "hw-event-store.h"
#include "hw-importer.h"
#include "hw-mask.h"
#include "hw-query.h"

#define PAGE_SIZE 100
#define HISTOGRAM_BUCKETS 60
#define HISTOGRAM_RUNS 7
#define SCAN_RUNS 3
#define CACHE_LIMIT 1.5

typedef struct
{
  char           *workdir;
  char           *lake_dir;
  char           *cache_path;
  guint64         n_events;
  guint           n_queries;
  guint           n_grep;
  HwLakeGenStats  lake;
  guint64         imported;
  GPtrArray      *terms;        /* char*: selective words picked from the index */
} Bench;

/* The store's files, WALs and full-text index included, so that a fresh
 * run starts empty. */
static const char * const store_suffixes[] = { "", "-wal", "-shm", "-journal", "-text", "-text-wal",
                                               "-text-shm" };

static void
remove_database (const char *path)
{
  for (guint i = 0; i < G_N_ELEMENTS (store_suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, store_suffixes[i], NULL);

      g_unlink (file);
    }
}

/* Every file of the store: the events, the full-text index beside them,
 * and their WALs. */
static guint64
database_size (const char *path)
{
  guint64 size = 0;

  for (guint i = 0; i < G_N_ELEMENTS (store_suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, store_suffixes[i], NULL);

      if (g_file_test (file, G_FILE_TEST_EXISTS))
        size += hw_bench_tree_size (file);
    }
  return size;
}

static sqlite3 *
open_raw (const char *path,
          int         flags)
{
  sqlite3 *db = NULL;

  if (sqlite3_open_v2 (path, &db, flags, NULL) != SQLITE_OK)
    {
      g_autoptr(GError) error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", path,
                                             db != NULL ? sqlite3_errmsg (db) : "cannot open");
      hw_bench_fail ("opening a database", error);
    }
  sqlite3_busy_timeout (db, 10000);
  return db;
}

static void
exec_or_fail (sqlite3    *db,
              const char *sql)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    {
      g_autoptr(GError) error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", sql, message);

      sqlite3_free (message);
      hw_bench_fail ("SQL", error);
    }
}

static sqlite3_stmt *
prepare_or_fail (sqlite3    *db,
                 const char *sql)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      g_autoptr(GError) error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", sql,
                                             sqlite3_errmsg (db));
      hw_bench_fail ("SQL", error);
    }
  return stmt;
}

/* Import ------------------------------------------------------------------ */

static void
on_import_progress (const HwImportReport *report,
                    gpointer              user_data)
{
  guint64 *next = user_data;

  if (report->imported < *next)
    return;
  hw_bench_note ("import: %" G_GUINT64_FORMAT " events so far", report->imported);
  *next += 100000;
}

static double
bench_import (Bench *bench)
{
  const char *paths[] = { bench->lake_dir, NULL };
  g_autoptr(HwEventStore) store = NULL;
  g_autoptr(HwImportReport) report = hw_import_report_new ();
  g_autoptr(HwMaskRules) rules = hw_mask_rules_new (HW_MASK_DEFAULT);
  g_autoptr(GError) error = NULL;
  HwImportOptions options;
  guint64 next_note = 100000;
  double started, seconds;

  remove_database (bench->cache_path);
  if ((store = hw_event_store_open (bench->cache_path, HW_EVENT_STORE_FLAGS_NONE, &error)) == NULL)
    hw_bench_fail ("opening the cache", error);
  /* What `hubwatch-cli import` does unless told --no-mask: masking is part
   * of every import users run. */
  hw_event_store_set_mask_rules (store, rules);
  hw_import_options_init (&options);

  started = hw_bench_now ();
  if (!hw_importer_import_paths (store, paths, &options, report, on_import_progress, &next_note,
                                 NULL, &error))
    hw_bench_fail ("importing the lake", error);
  seconds = hw_bench_now () - started;

  bench->imported = report->imported;
  hw_bench_note ("import: ours: %" G_GUINT64_FORMAT " imported, %" G_GUINT64_FORMAT " duplicates, "
                 "%" G_GUINT64_FORMAT " rejected in %.2f s (parse, expand, mask, compress, FTS5 "
                 "index, batches of %u)", report->imported, report->duplicates, report->rejected,
                 seconds, options.batch_size);
  if (report->imported != bench->lake.events)
    hw_bench_note ("import: WARNING: the lake holds %" G_GUINT64_FORMAT " events",
                   bench->lake.events);
  return report->imported / seconds;
}

#define ROW_COLUMNS "id, type, ts, received_ms, partition_key, source, functionname, pipeline, " \
                    "account, region, stage, tags, is_fault, size, body"
#define N_ROW_COLUMNS 15

/* The baseline table: the same columns and B-tree indexes as the store's
 * events table, but no full-text index, no faults table, no parsing. */
static const char plain_schema[] =
  "PRAGMA journal_mode = WAL;"
  "PRAGMA synchronous = NORMAL;"
  "PRAGMA cache_size = -65536;"
  "CREATE TABLE events ("
  "  seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,"
  "  ts INTEGER NOT NULL, received_ms INTEGER NOT NULL, partition_key TEXT, source TEXT,"
  "  functionname TEXT, pipeline TEXT, account TEXT, region TEXT, stage TEXT, tags TEXT,"
  "  is_fault INTEGER NOT NULL, size INTEGER NOT NULL, body BLOB NOT NULL);"
  "CREATE INDEX events_ts ON events (ts);"
  "CREATE INDEX events_type_ts ON events (type, ts);"
  "CREATE INDEX events_functionname_ts ON events (functionname, ts);"
  "CREATE INDEX events_source_ts ON events (source, ts);";

/* Reads the next @batch rows from the cache into memory (not timed). */
static guint
load_rows (sqlite3_stmt   *select,
           gint64         *after_seq,
           sqlite3_value **rows,
           guint           batch)
{
  guint n = 0;

  sqlite3_bind_int64 (select, 1, *after_seq);
  sqlite3_bind_int (select, 2, batch);
  while (sqlite3_step (select) == SQLITE_ROW)
    {
      for (guint c = 0; c < N_ROW_COLUMNS; c++)
        rows[n * N_ROW_COLUMNS + c] = sqlite3_value_dup (sqlite3_column_value (select, c + 1));
      *after_seq = sqlite3_column_int64 (select, 0);
      n++;
    }
  sqlite3_reset (select);
  return n;
}

/* One transaction of @n rows with one prepared statement: the timed part. */
static double
insert_rows (sqlite3        *db,
             sqlite3_stmt   *insert,
             sqlite3_value **rows,
             guint           n)
{
  double started = hw_bench_now ();

  exec_or_fail (db, "BEGIN IMMEDIATE");
  for (guint r = 0; r < n; r++)
    {
      for (guint c = 0; c < N_ROW_COLUMNS; c++)
        sqlite3_bind_value (insert, c + 1, rows[r * N_ROW_COLUMNS + c]);
      if (sqlite3_step (insert) != SQLITE_DONE)
        {
          g_autoptr(GError) error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "%s", sqlite3_errmsg (db));
          hw_bench_fail ("plain insert", error);
        }
      sqlite3_reset (insert);
    }
  exec_or_fail (db, "COMMIT");
  return hw_bench_now () - started;
}

static double
bench_plain_insert (Bench *bench)
{
  g_autofree char *plain_path = g_build_filename (bench->workdir, "plain.db", NULL);
  guint batch = HW_IMPORT_DEFAULT_BATCH_SIZE;
  g_autofree sqlite3_value **rows = g_new0 (sqlite3_value *, (gsize) batch * N_ROW_COLUMNS);
  sqlite3 *source, *db;
  sqlite3_stmt *select, *insert;
  gint64 after_seq = 0;
  guint64 total = 0;
  double seconds = 0;
  guint n;

  remove_database (plain_path);
  source = open_raw (bench->cache_path, SQLITE_OPEN_READWRITE);
  db = open_raw (plain_path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  exec_or_fail (db, plain_schema);
  select = prepare_or_fail (source, "SELECT seq, " ROW_COLUMNS " FROM events WHERE seq > ? "
                                    "ORDER BY seq LIMIT ?");
  insert = prepare_or_fail (db, "INSERT INTO events (" ROW_COLUMNS ") "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");

  while ((n = load_rows (select, &after_seq, rows, batch)) > 0)
    {
      seconds += insert_rows (db, insert, rows, n);
      total += n;
      for (guint i = 0; i < n * N_ROW_COLUMNS; i++)
        g_clear_pointer (&rows[i], sqlite3_value_free);
    }

  sqlite3_finalize (select);
  sqlite3_finalize (insert);
  sqlite3_close (source);
  sqlite3_close (db);
  remove_database (plain_path);

  hw_bench_note ("import: baseline: plain SQLite insert of the same %" G_GUINT64_FORMAT " rows "
                 "(same columns, body and B-tree indexes; no FTS; rows already in memory; one "
                 "prepared statement, one transaction per %u rows) in %.2f s",
                 total, batch, seconds);
  return total / seconds;
}

/* Search ------------------------------------------------------------------ */

/* Selective words from the index itself: plain words of the Zipf tail
 * matching a few hundred events (200 to 800, or up to four times the
 * rarest when the lake is so large that every word is more common), spread
 * evenly over that range. */
static void
pick_terms (Bench *bench)
{
  g_autofree char *text_path = g_strconcat (bench->cache_path, "-text", NULL);
  sqlite3 *db = open_raw (text_path, SQLITE_OPEN_READWRITE);
  sqlite3_stmt *stmt;
  g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func (g_free);
  gint64 max_doc = 800;
  double step;

  exec_or_fail (db, "CREATE VIRTUAL TABLE temp.vocab USING fts5vocab (main, events_fts, 'row')");
  stmt = prepare_or_fail (db, "SELECT term, doc FROM temp.vocab WHERE doc >= 200 AND length (term) >= 4 "
                              "AND term NOT GLOB '*[^a-z]*' AND term NOT IN ('and', 'not') "
                              "ORDER BY doc, term LIMIT 5000");
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 doc = sqlite3_column_int64 (stmt, 1);

      if (candidates->len == 0)
        max_doc = MAX (max_doc, doc * 4);
      if (doc > max_doc)
        break;
      g_ptr_array_add (candidates, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  step = MAX ((double) candidates->len / bench->n_queries, 1.0);
  for (double i = 0; (guint) i < candidates->len && bench->terms->len < bench->n_queries; i += step)
    g_ptr_array_add (bench->terms, g_strdup (g_ptr_array_index (candidates, (guint) i)));
}

static HwQuery *
parse_or_fail (const char *text)
{
  g_autoptr(GError) error = NULL;
  HwQuery *query = hw_query_parse (text, g_get_real_time () / 1000, NULL, &error);

  if (query == NULL)
    hw_bench_fail (text, error);
  return query;
}

static double
bench_search (Bench        *bench,
              HwEventStore *store)
{
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  gint64 min_matches = G_MAXINT64, max_matches = 0;
  double p50;

  for (guint i = 0; i < bench->terms->len; i++)
    {
      const char *term = g_ptr_array_index (bench->terms, i);
      g_autoptr(GError) error = NULL;
      g_autoptr(HwSearchPage) page = NULL;
      g_autoptr(HwQuery) query = NULL;
      double started = hw_bench_now ();
      double ms;
      gint64 matches;

      /* Parsing is part of what the user waits for, so it is timed too. */
      query = parse_or_fail (term);
      page = hw_event_store_search (store, query, HW_EVENT_STORE_UNBOUNDED, HW_EVENT_STORE_UNBOUNDED,
                                    HW_EVENT_ORDER_NEWEST_FIRST, PAGE_SIZE, NULL, NULL, &error);
      ms = (hw_bench_now () - started) * 1000;
      if (page == NULL)
        hw_bench_fail ("searching", error);
      g_array_append_val (times, ms);

      matches = hw_event_store_count (store, query, HW_EVENT_STORE_UNBOUNDED, HW_EVENT_STORE_UNBOUNDED,
                                      NULL, NULL);
      min_matches = MIN (min_matches, matches);
      max_matches = MAX (max_matches, matches);
      if (page->rows->len == 0)
        hw_bench_note ("search: WARNING: %s matched nothing", term);
    }

  p50 = hw_bench_median (times);
  hw_bench_note ("search: ours: %u selective words (%" G_GINT64_FORMAT "–%" G_GINT64_FORMAT " matches "
                 "each), first page of %d newest with bodies: p50 %.2f ms, max %.2f ms",
                 times->len, min_matches, max_matches, PAGE_SIZE, p50,
                 g_array_index (times, double, times->len - 1));
  return p50;
}

static double
bench_grep (Bench *bench)
{
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  guint n = MIN (bench->n_grep, bench->terms->len);
  double p50;

  for (guint i = 0; i < n; i++)
    {
      const char *term = g_ptr_array_index (bench->terms, i);
      g_autoptr(GSubprocess) process = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *out = NULL;
      double started = hw_bench_now ();
      double ms;

      /* -w -i: whole words and any case, like the index; grep exits 1 on no match. */
      process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                                  "sh", "-c", "find \"$1\" -type f -exec zcat -f {} + | grep -c -i -F -w -- \"$2\"",
                                  "sh", bench->lake_dir, term, NULL);
      if (process == NULL || !g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error))
        hw_bench_fail ("zcat | grep", error);
      ms = (hw_bench_now () - started) * 1000;
      g_array_append_val (times, ms);
      hw_bench_note ("search: baseline: zcat | grep -c -i -F -w %s → %s lines in %.0f ms",
                     term, g_strstrip (out), ms);
    }

  p50 = hw_bench_median (times);
  hw_bench_note ("search: baseline: find | zcat | grep over all %" G_GUINT64_FORMAT " objects, "
                 "p50 of %u words: %.0f ms", bench->lake.objects, times->len, p50);
  return p50;
}

/* Histogram --------------------------------------------------------------- */

/* The type whose share of the events is nearest 10 %. */
static char *
pick_ten_percent_type (HwEventStore *store,
                       gint64       *out_count)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) values = NULL;
  gint64 total = hw_event_store_count (store, NULL, HW_EVENT_STORE_UNBOUNDED, HW_EVENT_STORE_UNBOUNDED,
                                       NULL, &error);
  HwTopValue *best = NULL;

  values = hw_event_store_top_values (store, "type", NULL, HW_EVENT_STORE_UNBOUNDED,
                                      HW_EVENT_STORE_UNBOUNDED, 100, NULL, &error);
  if (total < 0 || values == NULL)
    hw_bench_fail ("counting types", error);
  for (guint i = 0; i < values->len; i++)
    {
      HwTopValue *value = g_ptr_array_index (values, i);

      if (best == NULL || fabs (value->count - total * 0.1) < fabs (best->count - total * 0.1))
        best = value;
    }
  if (best == NULL)
    hw_bench_fail ("picking a type", NULL);
  *out_count = best->count;
  hw_bench_note ("histogram: type %s holds %.1f %% of %" G_GINT64_FORMAT " events",
                 best->value, 100.0 * best->count / MAX (total, 1), total);
  return g_strdup (best->value);
}

static double
bench_histogram (HwEventStore *store,
                 HwQuery      *query,
                 HwHistogram **out_histogram)
{
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  double p50;

  for (guint run = 0; run < HISTOGRAM_RUNS; run++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HwHistogram) histogram = NULL;
      double started = hw_bench_now ();
      gint64 count;
      double ms;

      count = hw_event_store_count (store, query, HW_EVENT_STORE_UNBOUNDED, HW_EVENT_STORE_UNBOUNDED,
                                    NULL, &error);
      if (count >= 0)
        histogram = hw_event_store_histogram (store, query, HW_EVENT_STORE_UNBOUNDED,
                                              HW_EVENT_STORE_UNBOUNDED, HISTOGRAM_BUCKETS, NULL, &error);
      ms = (hw_bench_now () - started) * 1000;
      if (histogram == NULL)
        hw_bench_fail ("histogram", error);
      if (histogram->total != count)
        hw_bench_note ("histogram: WARNING: count %" G_GINT64_FORMAT " but histogram total %" G_GINT64_FORMAT,
                       count, histogram->total);
      g_array_append_val (times, ms);
      if (run == HISTOGRAM_RUNS - 1)
        *out_histogram = g_steal_pointer (&histogram);
    }
  p50 = hw_bench_median (times);
  hw_bench_note ("histogram: ours: count + %u buckets of %" G_GINT64_FORMAT " s: p50 of %u runs %.1f ms",
                 (*out_histogram)->buckets->len, (*out_histogram)->bucket_ms / 1000, HISTOGRAM_RUNS, p50);
  return p50;
}

/* The same count and buckets without the index: one pass over every row. */
static double
bench_scan (Bench             *bench,
            const char        *type,
            const HwHistogram *expected)
{
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  sqlite3 *db = open_raw (bench->cache_path, SQLITE_OPEN_READWRITE);
  sqlite3_stmt *stmt;
  gint64 total = 0;
  guint buckets = 0;
  double p50;

  exec_or_fail (db, "PRAGMA cache_size = -65536; PRAGMA mmap_size = 268435456");
  stmt = prepare_or_fail (db, "SELECT (ts - ?1) / ?2, count(*) FROM events NOT INDEXED "
                              "WHERE type = ?3 GROUP BY 1");
  for (guint run = 0; run < SCAN_RUNS; run++)
    {
      double started = hw_bench_now ();
      double ms;

      total = 0;
      buckets = 0;
      sqlite3_bind_int64 (stmt, 1, expected->from_ms);
      sqlite3_bind_int64 (stmt, 2, expected->bucket_ms);
      sqlite3_bind_text (stmt, 3, type, -1, SQLITE_STATIC);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          total += sqlite3_column_int64 (stmt, 1);
          buckets++;
        }
      sqlite3_reset (stmt);
      ms = (hw_bench_now () - started) * 1000;
      g_array_append_val (times, ms);
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  p50 = hw_bench_median (times);
  hw_bench_note ("histogram: baseline: the same count and buckets by a full scan of the events "
                 "table (SQLite NOT INDEXED, GROUP BY bucket): %" G_GINT64_FORMAT " events in %u "
                 "buckets, p50 of %u runs %.1f ms", total, buckets, SCAN_RUNS, p50);
  if (total != expected->total)
    hw_bench_note ("histogram: WARNING: the scan counted %" G_GINT64_FORMAT ", ours %" G_GINT64_FORMAT,
                   total, expected->total);
  return p50;
}

/* ------------------------------------------------------------------------ */

static void
run (Bench *bench)
{
  g_autoptr(HwEventStore) store = NULL;
  g_autoptr(HwHistogram) histogram = NULL;
  g_autoptr(HwQuery) type_query = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *type = NULL;
  g_autofree char *type_text = NULL;
  double ours, baseline, cache_ratio;
  guint64 cache_bytes;
  gint64 type_count = 0;

  ours = bench_import (bench);
  /* Closed, so the WAL is checkpointed into the file before it is measured. */
  cache_bytes = database_size (bench->cache_path);
  baseline = bench_plain_insert (bench);
  hw_bench_report ("import_events_per_s", ours, "events/s", baseline, ours / baseline);

  cache_ratio = (double) cache_bytes / bench->lake.raw_bytes;
  hw_bench_note ("cache: %.1f MB for %.1f MB of NDJSON (limit %.1f×)",
                 cache_bytes / 1e6, bench->lake.raw_bytes / 1e6, CACHE_LIMIT);
  hw_bench_report ("cache_size_ratio", cache_ratio, "x", CACHE_LIMIT, CACHE_LIMIT / cache_ratio);

  pick_terms (bench);
  if (bench->terms->len == 0)
    hw_bench_fail ("no selective words in the index", NULL);
  if ((store = hw_event_store_open (bench->cache_path, HW_EVENT_STORE_FLAGS_NONE, &error)) == NULL)
    hw_bench_fail ("reopening the cache", error);
  ours = bench_search (bench, store);
  baseline = bench_grep (bench);
  hw_bench_report ("search_first_page_ms", ours, "ms", baseline, baseline / ours);

  type = pick_ten_percent_type (store, &type_count);
  type_text = g_strdup_printf ("type:\"%s\"", type);
  type_query = parse_or_fail (type_text);
  ours = bench_histogram (store, type_query, &histogram);
  baseline = bench_scan (bench, type, histogram);
  hw_bench_report ("histogram_ms", ours, "ms", baseline, baseline / ours);

  hw_bench_note ("peak RSS of the benchmark process: %.0f MB", hw_bench_peak_rss_mb ());
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *workdir = NULL;
  g_autofree char *lakes = NULL;
  gint64 events = 100000;
  int queries = 20;
  int grep_queries = 5;
  const GOptionEntry entries[] = {
    { "workdir", 0, 0, G_OPTION_ARG_FILENAME, &workdir, "Directory for the lake and the caches", "DIR" },
    { "events", 'n', 0, G_OPTION_ARG_INT64, &events, "Events in the synthetic lake (default 100000)", "N" },
    { "lakes", 0, 0, G_OPTION_ARG_FILENAME, &lakes, "Where generated lakes are kept for reuse (default: DIR)", "DIR" },
    { "queries", 0, 0, G_OPTION_ARG_INT, &queries, "Selective words to search for (default 20)", "N" },
    { "grep-queries", 0, 0, G_OPTION_ARG_INT, &grep_queries,
      "How many of them the zcat | grep baseline runs (default 5)", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— benchmark lake import and search");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) terms = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *cache_path = NULL;
  g_autofree char *lake_dir = NULL;
  Bench bench = { 0 };

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    "Prints BENCH lines for import_events_per_s, cache_size_ratio,\n"
    "search_first_page_ms and histogram_ms, each beside a baseline measured\n"
    "in the same run. The lake is kept in DIR and reused by later runs.");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s: %s\n", g_get_prgname (), error->message);
      return 2;
    }
  if (workdir == NULL || events <= 0 || queries <= 0 || grep_queries <= 0)
    {
      g_printerr ("%s: --workdir DIR is required, and the counts must be positive; see --help\n",
                  g_get_prgname ());
      return 2;
    }
  if (g_mkdir_with_parents (workdir, 0755) != 0)
    {
      g_printerr ("%s: cannot create %s\n", g_get_prgname (), workdir);
      return 1;
    }

  if ((lake_dir = hw_bench_ensure_lake (lakes != NULL ? lakes : workdir, events, &bench.lake, &error)) == NULL)
    hw_bench_fail ("generating the lake", error);
  cache_path = g_build_filename (workdir, "cache.db", NULL);

  bench.workdir = workdir;
  bench.lake_dir = lake_dir;
  bench.cache_path = cache_path;
  bench.n_events = events;
  bench.n_queries = queries;
  bench.n_grep = grep_queries;
  bench.terms = terms;
  run (&bench);
  return 0;
}
