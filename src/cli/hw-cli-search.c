/* hw-cli-search.c: `hubwatch-cli search`, `histogram` and `tree` over a cache file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <stdio.h>

#include "hw-cli-commands.h"
#include "hw-error.h"
#include "hw-event-store.h"
#include "hw-query.h"
#include "hw-time.h"

/* Exit statuses, shared by the three commands and documented in --help. */
#define EXIT_OK     0
#define EXIT_FAILED 1   /* the cache could not be read */
#define EXIT_USAGE  2   /* bad options, bad time or bad query */

#define PAGE_SIZE 1000

#define SELECTION_HELP \
  "QUERY is the search language of the console, e.g.\n" \
  "  type:order-* \"card declined\" -tags.functionname:payment-*\n" \
  "  (a OR b) NOT c, field:value with * wildcards, from:now-1h to:now.\n" \
  "Fields: id type partitionKey source functionname pipeline account region\n" \
  "stage tags.<name> from to. Put -- before a query that starts with '-'.\n\n" \
  "Times (--from inclusive, --to exclusive, and from:/to: in the query):\n" \
  "epoch milliseconds, ISO-8601 (2026-11-01, 2026-11-01T10:00:00Z, +02:00)\n" \
  "or relative: now, now-15m, now-1h, now/d, now-7d/d (units s m h d w M y).\n\n" \
  "Exit status: 0 on success, 1 when the cache cannot be read, 2 for bad\n" \
  "options, a bad time or a bad query (the error names the position)."

/* The flags every selection command shares. */
typedef struct
{
  char     *cache;
  char     *from;
  char     *to;
  gboolean  json;
  char    **words;
} SelectionOptions;

typedef struct
{
  HwEventStore *store;
  HwQuery      *query;
  gint64        from_ms;   /* HW_EVENT_STORE_UNBOUNDED when open */
  gint64        to_ms;     /* HW_EVENT_STORE_UNBOUNDED when open */
} Selection;

static void
selection_options_clear (SelectionOptions *options)
{
  g_clear_pointer (&options->cache, g_free);
  g_clear_pointer (&options->from, g_free);
  g_clear_pointer (&options->to, g_free);
  g_clear_pointer (&options->words, g_strfreev);
}

static void
selection_clear (Selection *selection)
{
  g_clear_object (&selection->store);
  g_clear_pointer (&selection->query, hw_query_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SelectionOptions, selection_options_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Selection, selection_clear)

static void
add_selection_entries (GOptionContext   *context,
                       SelectionOptions *options)
{
  const GOptionEntry entries[] = {
    { "cache", 'c', 0, G_OPTION_ARG_FILENAME, &options->cache, "The cache (SQLite file) to read", "FILE" },
    { "from", 0, 0, G_OPTION_ARG_STRING, &options->from, "Only events at or after T", "T" },
    { "to", 0, 0, G_OPTION_ARG_STRING, &options->to, "Only events before T", "T" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &options->json, "Print JSON instead of text", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &options->words, NULL, "QUERY…" },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context, SELECTION_HELP);
}

/* Shows the query with a caret under the character the error is about. */
static void
print_query_error (const char   *command,
                   const char   *text,
                   guint         position,
                   const GError *error)
{
  g_printerr ("hubwatch-cli %s: %s\n", command, error->message);
  if (position == 0 || *text == '\0')
    return;
  g_printerr ("  %s\n  %*s^\n", text, (int) position - 1, "");
}

static gboolean
parse_time_option (const char  *command,
                   const char  *option,
                   const char  *text,
                   HwTimeRound  round,
                   gint64      *out_ms)
{
  g_autoptr(GError) error = NULL;

  *out_ms = HW_EVENT_STORE_UNBOUNDED;
  if (text == NULL)
    return TRUE;
  if (hw_time_parse (text, hw_time_now_ms (), round, out_ms, &error))
    return TRUE;
  g_printerr ("hubwatch-cli %s: --%s: %s\n", command, option, error->message);
  return FALSE;
}

/* The narrower of the --from/--to flags and the query's own from:/to:, so
 * that histograms and trees cover exactly what can match. */
static void
narrow_range (Selection *selection)
{
  gint64 query_from, query_to;

  if (!hw_query_get_time_bounds (selection->query, &query_from, &query_to))
    return;
  if (query_from != G_MININT64)
    selection->from_ms = selection->from_ms == HW_EVENT_STORE_UNBOUNDED
                         ? query_from : MAX (selection->from_ms, query_from);
  if (query_to != G_MAXINT64)
    selection->to_ms = selection->to_ms == HW_EVENT_STORE_UNBOUNDED
                       ? query_to : MIN (selection->to_ms, query_to);
}

/* Parses the options and opens the cache; returns the exit status to use
 * on failure, or EXIT_OK with @selection filled in. */
static int
open_selection (const char        *command,
                GOptionContext    *context,
                SelectionOptions  *options,
                int               *argc,
                char            ***argv,
                Selection         *selection)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  guint position = 0;

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_printerr ("hubwatch-cli %s: %s\n", command, error->message);
      return EXIT_USAGE;
    }
  if (options->cache == NULL)
    {
      g_printerr ("hubwatch-cli %s: --cache FILE is required\n", command);
      return EXIT_USAGE;
    }
  if (!parse_time_option (command, "from", options->from, HW_TIME_ROUND_DOWN, &selection->from_ms)
      || !parse_time_option (command, "to", options->to, HW_TIME_ROUND_UP, &selection->to_ms))
    return EXIT_USAGE;
  if (options->from != NULL && options->to != NULL && selection->from_ms >= selection->to_ms)
    {
      g_printerr ("hubwatch-cli %s: --from must be before --to\n", command);
      return EXIT_USAGE;
    }

  text = options->words != NULL ? g_strjoinv (" ", options->words) : g_strdup ("");
  selection->query = hw_query_parse (text, hw_time_now_ms (), &position, &error);
  if (selection->query == NULL)
    {
      print_query_error (command, text, position, error);
      return EXIT_USAGE;
    }
  narrow_range (selection);

  /* Opening creates missing files; a search must not invent an empty cache. */
  if (!g_file_test (options->cache, G_FILE_TEST_IS_REGULAR))
    {
      g_printerr ("hubwatch-cli %s: %s: no such cache file\n", command, options->cache);
      return EXIT_FAILED;
    }
  selection->store = hw_event_store_open (options->cache, HW_EVENT_STORE_FLAGS_NONE, &error);
  if (selection->store == NULL)
    {
      g_printerr ("hubwatch-cli %s: %s: %s\n", command, options->cache, error->message);
      return EXIT_FAILED;
    }
  if (hw_event_store_get_recovery_message (selection->store) != NULL)
    g_printerr ("hubwatch-cli %s: %s\n", command, hw_event_store_get_recovery_message (selection->store));
  return EXIT_OK;
}

static int
store_failed (const char   *command,
              const GError *error)
{
  g_printerr ("hubwatch-cli %s: %s\n", command, error->message);
  return EXIT_FAILED;
}

/* ---------------------------------------------------------------- search */

static int
print_matches (Selection *selection,
               guint      limit)
{
  g_autofree char *cursor = NULL;
  guint printed = 0;

  do
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HwSearchPage) page = NULL;
      guint want = limit == 0 ? PAGE_SIZE : MIN (PAGE_SIZE, limit - printed);

      page = hw_event_store_search (selection->store, selection->query,
                                    selection->from_ms, selection->to_ms,
                                    HW_EVENT_ORDER_NEWEST_FIRST, want, cursor, NULL, &error);
      if (page == NULL)
        return store_failed ("search", error);

      for (guint i = 0; i < page->rows->len; i++)
        {
          HwEventRow *row = g_ptr_array_index (page->rows, i);

          fputs (row->json != NULL ? row->json : "{}", stdout);
          fputc ('\n', stdout);
        }
      printed += page->rows->len;
      g_free (cursor);
      cursor = g_steal_pointer (&page->next_cursor);
    }
  while (cursor != NULL && (limit == 0 || printed < limit));

  return fflush (stdout) == 0 ? EXIT_OK : EXIT_FAILED;
}

int
hw_cli_search (int    argc,
               char **argv)
{
  g_auto(SelectionOptions) options = { 0 };
  g_auto(Selection) selection = { 0 };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  gboolean count = FALSE;
  int limit = 100;
  const GOptionEntry entries[] = {
    { "limit", 'n', 0, G_OPTION_ARG_INT, &limit, "Print at most N events (default 100, 0 = all)", "N" },
    { "count", 0, 0, G_OPTION_ARG_NONE, &count, "Print only the number of matches", NULL },
    { NULL }
  };
  int status;

  add_selection_entries (context, &options);
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
                                "Prints the matching events as NDJSON (one JSON event per line),\n"
                                "newest first; with --count, the number of matches alone on the\n"
                                "last line. The output is JSON either way; --json is accepted.");
  g_set_prgname ("hubwatch-cli search");
  status = open_selection ("search", context, &options, &argc, &argv, &selection);
  if (status != EXIT_OK)
    return status;
  if (limit < 0)
    {
      g_printerr ("hubwatch-cli search: --limit must be 0 or more\n");
      return EXIT_USAGE;
    }

  if (count)
    {
      g_autoptr(GError) error = NULL;
      gint64 n = hw_event_store_count (selection.store, selection.query,
                                       selection.from_ms, selection.to_ms, NULL, &error);

      if (n < 0)
        return store_failed ("search", error);
      g_print ("%" G_GINT64_FORMAT "\n", n);
      return EXIT_OK;
    }
  return print_matches (&selection, (guint) limit);
}

/* ------------------------------------------------------------- histogram */

static void
print_json (JsonBuilder *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = json_to_string (root, FALSE);

  g_print ("%s\n", text);
}

static void
print_histogram_json (const HwHistogram *histogram)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *from = hw_time_format_iso8601 (histogram->from_ms);
  g_autofree char *to = hw_time_format_iso8601 (histogram->to_ms);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "bucket_ms");
  json_builder_add_int_value (builder, histogram->bucket_ms);
  json_builder_set_member_name (builder, "from");
  json_builder_add_string_value (builder, from);
  json_builder_set_member_name (builder, "to");
  json_builder_add_string_value (builder, to);
  json_builder_set_member_name (builder, "total");
  json_builder_add_int_value (builder, histogram->total);
  json_builder_set_member_name (builder, "buckets");
  json_builder_begin_array (builder);
  for (guint i = 0; i < histogram->buckets->len; i++)
    {
      const HwHistogramBucket *bucket = &g_array_index (histogram->buckets, HwHistogramBucket, i);

      json_builder_begin_array (builder);
      json_builder_add_int_value (builder, bucket->start_ms);
      json_builder_add_int_value (builder, bucket->count);
      json_builder_end_array (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  print_json (builder);
}

static void
print_histogram_text (const HwHistogram *histogram)
{
  for (guint i = 0; i < histogram->buckets->len; i++)
    {
      const HwHistogramBucket *bucket = &g_array_index (histogram->buckets, HwHistogramBucket, i);
      g_autofree char *start = hw_time_format_iso8601 (bucket->start_ms);

      g_print ("%s %" G_GINT64_FORMAT "\n", start, bucket->count);
    }
  g_print ("total %" G_GINT64_FORMAT " (buckets of %" G_GINT64_FORMAT " s)\n",
           histogram->total, histogram->bucket_ms / 1000);
}

int
hw_cli_histogram (int    argc,
                  char **argv)
{
  g_auto(SelectionOptions) options = { 0 };
  g_auto(Selection) selection = { 0 };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(HwHistogram) histogram = NULL;
  g_autoptr(GError) error = NULL;
  int buckets = 60;
  const GOptionEntry entries[] = {
    { "buckets", 'b', 0, G_OPTION_ARG_INT, &buckets, "About N buckets (default 60)", "N" },
    { NULL }
  };
  int status;

  add_selection_entries (context, &options);
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
                                "Prints one line per time bucket, \"START COUNT\" (START in ISO-8601\n"
                                "UTC), then the total; the bucket size is a round one chosen for about\n"
                                "N buckets. With --json, one object: {\"bucket_ms\",\"from\",\"to\",\n"
                                "\"total\",\"buckets\":[[start_ms,count],…]}.");
  g_set_prgname ("hubwatch-cli histogram");
  status = open_selection ("histogram", context, &options, &argc, &argv, &selection);
  if (status != EXIT_OK)
    return status;
  if (buckets < 1 || buckets > 10000)
    {
      g_printerr ("hubwatch-cli histogram: --buckets must be 1–10000\n");
      return EXIT_USAGE;
    }

  histogram = hw_event_store_histogram (selection.store, selection.query, selection.from_ms,
                                        selection.to_ms, (guint) buckets, NULL, &error);
  if (histogram == NULL)
    return store_failed ("histogram", error);
  if (options.json)
    print_histogram_json (histogram);
  else
    print_histogram_text (histogram);
  return EXIT_OK;
}

/* ------------------------------------------------------------------ tree */

/* Levels of the lake's calendar tree: year, month, day, hour. */
#define TREE_LEVELS 4

static guint
tree_level (const char *key)
{
  guint level = 1;

  for (const char *c = key; *c != '\0'; c++)
    level += *c == '/';
  return level;
}

static gboolean
collect_tree (Selection   *selection,
              const char  *parent,
              guint        depth,
              JsonBuilder *builder,
              GError     **error)
{
  g_autoptr(GPtrArray) nodes = NULL;

  nodes = hw_event_store_tree (selection->store, parent, selection->query,
                               selection->from_ms, selection->to_ms, NULL, error);
  if (nodes == NULL)
    return FALSE;

  for (guint i = 0; i < nodes->len; i++)
    {
      const HwTreeNode *node = g_ptr_array_index (nodes, i);
      guint level = tree_level (node->key);

      if (builder != NULL)
        {
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "key");
          json_builder_add_string_value (builder, node->key);
          json_builder_set_member_name (builder, "start_ms");
          json_builder_add_int_value (builder, node->start_ms);
          json_builder_set_member_name (builder, "end_ms");
          json_builder_add_int_value (builder, node->end_ms);
          json_builder_set_member_name (builder, "count");
          json_builder_add_int_value (builder, node->count);
          json_builder_end_object (builder);
        }
      else
        g_print ("%*s%s %" G_GINT64_FORMAT "\n", (int) (level - 1) * 2, "", node->key, node->count);

      if (depth > 1 && level < TREE_LEVELS
          && !collect_tree (selection, node->key, depth - 1, builder, error))
        return FALSE;
    }
  return TRUE;
}

int
hw_cli_tree (int    argc,
             char **argv)
{
  g_auto(SelectionOptions) options = { 0 };
  g_auto(Selection) selection = { 0 };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *parent = NULL;
  int depth = 1;
  const GOptionEntry entries[] = {
    { "parent", 'p', 0, G_OPTION_ARG_STRING, &parent, "List the children of KEY (2026, 2026/11, 2026/11/22)", "KEY" },
    { "depth", 'd', 0, G_OPTION_ARG_INT, &depth, "Descend N levels (1–4, default 1)", "N" },
    { NULL }
  };
  int status;

  add_selection_entries (context, &options);
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
                                "Prints \"KEY COUNT\" per node of the UTC calendar tree the lake is\n"
                                "laid out in (years, then 2026/11, 2026/11/22, 2026/11/22/13),\n"
                                "indented by level, leaving out empty nodes. With --json, one object:\n"
                                "{\"nodes\":[{\"key\",\"start_ms\",\"end_ms\",\"count\"},…]} in the same order.");
  g_set_prgname ("hubwatch-cli tree");
  status = open_selection ("tree", context, &options, &argc, &argv, &selection);
  if (status != EXIT_OK)
    return status;
  if (depth < 1 || depth > TREE_LEVELS)
    {
      g_printerr ("hubwatch-cli tree: --depth must be 1–%d\n", TREE_LEVELS);
      return EXIT_USAGE;
    }

  if (options.json)
    {
      builder = json_builder_new ();
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "nodes");
      json_builder_begin_array (builder);
    }
  if (!collect_tree (&selection, parent, (guint) depth, builder, &error))
    {
      gboolean bad_parent = g_error_matches (error, HW_ERROR, HW_ERROR_INVALID_QUERY);

      g_printerr ("hubwatch-cli tree: %s\n", error->message);
      return bad_parent ? EXIT_USAGE : EXIT_FAILED;
    }
  if (builder != NULL)
    {
      json_builder_end_array (builder);
      json_builder_end_object (builder);
      print_json (builder);
    }
  return EXIT_OK;
}
