/* test-cli-search.c: `hubwatch-cli search`, `histogram` and `tree` as a script sees them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "hw-event-store.h"
#include "hw-event.h"
#include "hw-test-util.h"
#include "hw-time.h"

typedef struct
{
  char *dir;
  char *cache;
} Fixture;

/* Newest last; the CLI prints newest first. */
static const struct { const char *id; const char *type; const char *at; const char *extra; } events[] = {
  { "c6", "thing-created", "2025-12-31T23:59:59.999Z", "\"thing\":{\"name\":\"gadget\"}" },
  { "c1", "order-placed", "2026-11-20T10:00:00Z", "\"order\":{\"note\":\"paid by card\"}" },
  { "c2", "order-placed", "2026-11-21T10:00:00Z", "\"order\":{\"note\":\"cash\"}" },
  { "c3", "order-shipped", "2026-11-21T11:30:00Z", "\"order\":{\"carrier\":\"express\"}" },
  { "c4", "payment-failed", "2026-11-21T11:45:00Z", "\"payment\":{\"reason\":\"card declined\"}" },
  { "c5", "fault", "2026-11-22T09:00:00Z",
    "\"err\":{\"name\":\"TypeError\",\"message\":\"boom\"},\"uow\":{\"record\":{}}" },
};

static gint64
at_ms (const char *iso)
{
  g_autoptr(GError) error = NULL;
  gint64 ms = 0;

  g_assert_true (hw_time_parse (iso, 0, HW_TIME_ROUND_DOWN, &ms, &error));
  g_assert_no_error (error);
  return ms;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(HwEventStore) store = NULL;
  g_autoptr(GPtrArray) parsed = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_event_unref);
  g_autoptr(GError) error = NULL;
  HwParseLimits limits = hw_parse_limits_default ();

  fixture->dir = hw_test_mkdtemp ();
  fixture->cache = g_build_filename (fixture->dir, "cache.db", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (events); i++)
    {
      g_autofree char *json = NULL;
      HwEvent *event;

      json = g_strdup_printf ("{\"id\":\"%s\",\"type\":\"%s\",\"timestamp\":%" G_GINT64_FORMAT ","
                              "\"tags\":{\"functionname\":\"%s\"},%s}",
                              events[i].id, events[i].type, at_ms (events[i].at),
                              g_str_has_prefix (events[i].type, "order") ? "checkout" : "payment-listener",
                              events[i].extra);
      event = hw_event_parse (json, -1, &limits, &error);
      g_assert_no_error (error);
      g_ptr_array_add (parsed, event);
    }

  store = hw_event_store_open (fixture->cache, HW_EVENT_STORE_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_assert_true (hw_event_store_insert (store, (HwEvent **) parsed->pdata, parsed->len, NULL, NULL, &error));
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  hw_test_rmdir (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->cache);
}

/* Runs `$HUBWATCH_CLI args…` (NULL-terminated) and returns its exit status. */
static int G_GNUC_NULL_TERMINATED
run_cli (char       **out,
         char       **err,
         const char  *first_arg,
         ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  const char *cli = g_getenv ("HUBWATCH_CLI");
  va_list args;

  g_assert_nonnull (cli);
  g_ptr_array_add (argv, (gpointer) cli);
  va_start (args, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, out, err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  return g_subprocess_get_exit_status (process);
}

/* The last non-empty line of @text. */
static char *
last_line (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = g_strv_length (lines); i > 0; i--)
    if (lines[i - 1][0] != '\0')
      return g_strdup (lines[i - 1]);
  return g_strdup ("");
}

/* The "id" of every NDJSON line, comma-separated, in output order. */
static char *
ndjson_ids (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr(GString) ids = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonNode) node = NULL;
      g_autoptr(GError) error = NULL;

      if (lines[i][0] == '\0')
        continue;
      node = json_from_string (lines[i], &error);
      g_assert_no_error (error);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
      g_string_append_printf (ids, "%s%s", ids->len > 0 ? "," : "",
                              json_object_get_string_member (json_node_get_object (node), "id"));
    }
  return g_string_free (g_steal_pointer (&ids), FALSE);
}

static void
test_search_count (Fixture       *fixture,
                   gconstpointer  data)
{
  static const struct { const char *from; const char *to; const char *query; const char *count; } table[] = {
    { NULL, NULL, "", "6" },
    { NULL, NULL, "type:order-*", "3" },
    { NULL, NULL, "card", "2" },
    { NULL, NULL, "card -type:payment-*", "1" },
    { "2026-11-21", NULL, "", "4" },
    { "2026-11-21", "2026-11-21T11:45:00Z", "", "2" },
    { NULL, NULL, "from:2026-11-21 to:2026-11-22", "3" },
    { "2026-11-21T11:00:00Z", NULL, "from:2026-11-21 to:2026-11-22", "2" },
    { "0", "now", "tags.functionname:payment-*", "3" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      g_autofree char *out = NULL, *err = NULL, *last = NULL;
      g_autofree char *from = table[i].from ? g_strconcat ("--from=", table[i].from, NULL) : g_strdup ("--json");
      g_autofree char *to = table[i].to ? g_strconcat ("--to=", table[i].to, NULL) : g_strdup ("--json");

      g_test_message ("--from %s --to %s %s", table[i].from, table[i].to, table[i].query);
      g_assert_cmpint (run_cli (&out, &err, "search", "--cache", fixture->cache, "--count", from, to,
                                "--", table[i].query, NULL), ==, 0);
      last = last_line (out);
      g_assert_cmpstr (last, ==, table[i].count);
    }
}

static void
test_search_ndjson (Fixture       *fixture,
                    gconstpointer  data)
{
  static const struct { const char *limit; const char *query; const char *ids; } table[] = {
    { "100", "", "c5,c4,c3,c2,c1,c6" },
    { "0", "", "c5,c4,c3,c2,c1,c6" },
    { "2", "", "c5,c4" },
    { "100", "type:order-*", "c3,c2,c1" },
    { "100", "(card OR express) -c3", "c4,c1" },  /* ids are searchable text too */
    { "100", "nothing-matches-this", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      g_autofree char *out = NULL, *err = NULL, *ids = NULL;

      g_test_message ("--limit %s %s", table[i].limit, table[i].query);
      g_assert_cmpint (run_cli (&out, &err, "search", "--cache", fixture->cache, "--limit", table[i].limit,
                                table[i].query, NULL), ==, 0);
      ids = ndjson_ids (out);
      g_assert_cmpstr (ids, ==, table[i].ids);
    }
}

/* Query words are joined, and a query may start with '-' after "--". */
static void
test_search_words (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *out = NULL, *err = NULL, *last = NULL;

  g_assert_cmpint (run_cli (&out, &err, "search", "--cache", fixture->cache, "--count", "--",
                            "-type:order-*", "-type:fault", NULL), ==, 0);
  last = last_line (out);
  g_assert_cmpstr (last, ==, "2");
}

static void
test_search_errors (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *missing = g_build_filename (fixture->dir, "missing.db", NULL);
  g_autofree char *out = NULL, *err = NULL;

  /* A bad query names the position and points at it. */
  g_assert_cmpint (run_cli (&out, &err, "search", "--cache", fixture->cache, "a", "(type:", NULL), ==, 2);
  g_assert_cmpstr (out, ==, "");
  g_assert_nonnull (strstr (err, "position 9: empty value for field 'type'"));
  g_assert_nonnull (strstr (err, "  a (type:\n          ^\n"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli (&out, &err, "histogram", "--cache", fixture->cache, "colour:red", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "unknown field 'colour'"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli (&out, &err, "search", "--cache", fixture->cache, "--from", "now-1x", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "--from"));
  g_assert_nonnull (strstr (err, "position 6"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli (&out, &err, "tree", "--cache", fixture->cache, "--from", "now", "--to", "now-1h",
                            NULL), ==, 2);
  g_assert_nonnull (strstr (err, "--from must be before --to"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli (&out, &err, "search", "x", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "--cache FILE is required"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli (&out, &err, "search", "--cache", missing, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "no such cache file"));
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli (&out, &err, "search", "--cache", fixture->cache, "--bogus", NULL), ==, 2);
}

static void
test_help (Fixture       *fixture,
           gconstpointer  data)
{
  static const char *commands[] = { "search", "histogram", "tree" };

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree char *out = NULL, *err = NULL;

      g_assert_cmpint (run_cli (&out, &err, commands[i], "--help", NULL), ==, 0);
      g_assert_nonnull (strstr (out, "--cache"));
      g_assert_nonnull (strstr (out, "--from"));
      g_assert_nonnull (strstr (out, "now-7d/d"));
      g_assert_nonnull (strstr (out, "Exit status"));
    }
}

static void
test_histogram (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *out = NULL, *err = NULL, *last = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *object;
  JsonArray *buckets;
  gint64 sum = 0;

  /* Three days in about 72 buckets: one hour each. */
  g_assert_cmpint (run_cli (&out, &err, "histogram", "--cache", fixture->cache, "--json", "--buckets", "72",
                            "--from", "2026-11-20", "--to", "2026-11-23", NULL), ==, 0);
  root = json_from_string (out, &error);
  g_assert_no_error (error);
  object = json_node_get_object (root);
  g_assert_cmpint (json_object_get_int_member (object, "bucket_ms"), ==, 3600000);
  g_assert_cmpint (json_object_get_int_member (object, "total"), ==, 5);
  g_assert_cmpstr (json_object_get_string_member (object, "from"), ==, "2026-11-20T00:00:00.000Z");
  buckets = json_object_get_array_member (object, "buckets");
  g_assert_cmpuint (json_array_get_length (buckets), ==, 72);
  for (guint i = 0; i < json_array_get_length (buckets); i++)
    {
      JsonArray *bucket = json_array_get_array_element (buckets, i);
      gint64 count = json_array_get_int_element (bucket, 1);

      g_assert_cmpint (json_array_get_int_element (bucket, 0), ==, at_ms ("2026-11-20") + i * 3600000);
      /* 2026-11-21T11:00 holds c3 and c4. */
      g_assert_cmpint (count, ==, i == 35 ? 2 : (i == 10 || i == 34 || i == 57) ? 1 : 0);
      sum += count;
    }
  g_assert_cmpint (sum, ==, 5);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Text, with the range from the query itself. */
  g_assert_cmpint (run_cli (&out, &err, "histogram", "--cache", fixture->cache, "--buckets", "24",
                            "from:2026-11-21", "to:2026-11-22", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "2026-11-21T11:00:00.000Z 2\n"));
  g_assert_nonnull (strstr (out, "2026-11-21T10:00:00.000Z 1\n"));
  last = last_line (out);
  g_assert_cmpstr (last, ==, "total 3 (buckets of 3600 s)");
}

static void
test_tree (Fixture       *fixture,
           gconstpointer  data)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *nodes;

  g_assert_cmpint (run_cli (&out, &err, "tree", "--cache", fixture->cache, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "2025 1\n2026 5\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli (&out, &err, "tree", "--cache", fixture->cache, "--parent", "2026/11",
                            "--depth", "2", "--", "-type:fault", NULL), ==, 0);
  g_assert_cmpstr (out, ==,
                   "    2026/11/20 1\n"
                   "      2026/11/20/10 1\n"
                   "    2026/11/21 3\n"
                   "      2026/11/21/10 1\n"
                   "      2026/11/21/11 2\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli (&out, &err, "tree", "--cache", fixture->cache, "--json", "--depth", "4",
                            "card", NULL), ==, 0);
  root = json_from_string (out, &error);
  g_assert_no_error (error);
  nodes = json_object_get_array_member (json_node_get_object (root), "nodes");
  /* 2026, 2026/11, then day and hour for each of c1 and c4. */
  g_assert_cmpuint (json_array_get_length (nodes), ==, 6);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (nodes, 5), "key"), ==,
                   "2026/11/21/11");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (nodes, 1), "count"), ==, 2);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli (&out, &err, "tree", "--cache", fixture->cache, "--parent", "20x6", NULL), ==, 2);
}

static void
write_object (const char *path,
              const char *text,
              gboolean    gzip)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) parent = g_file_get_parent (file);
  g_autoptr(GOutputStream) out = NULL;
  g_autoptr(GError) error = NULL;

  g_file_make_directory_with_parents (parent, NULL, NULL);
  out = G_OUTPUT_STREAM (g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &error));
  g_assert_no_error (error);
  if (gzip)
    {
      g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, -1);
      GOutputStream *plain = out;

      out = g_converter_output_stream_new (plain, G_CONVERTER (compressor));
      g_object_unref (plain);
    }
  g_assert_true (g_output_stream_write_all (out, text, strlen (text), NULL, NULL, &error));
  g_assert_true (g_output_stream_close (out, NULL, &error));
  g_assert_no_error (error);
}

/* End to end, the way scripts use it: import a lake, then select from it. */
static void
test_imported_lake (void)
{
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *lake = g_build_filename (dir, "lake", NULL);
  g_autofree char *cache = g_build_filename (dir, "imported.db", NULL);
  g_autofree char *hour10 = g_build_filename (lake, "eu-west-1", "2026", "11", "21", "10", "hub-1-2026-11-21-10-00", NULL);
  g_autofree char *hour11 = g_build_filename (lake, "eu-west-1", "2026", "11", "21", "11", "hub-1-2026-11-21-11-00", NULL);
  g_autofree char *out = NULL, *err = NULL, *last = NULL, *ids = NULL;
  g_autoptr(GString) first = g_string_new (NULL);
  g_autoptr(GString) second = g_string_new (NULL);

  for (guint i = 0; i < 3; i++)
    g_string_append_printf (first, "{\"id\":\"l%u\",\"type\":\"order-placed\",\"timestamp\":%" G_GINT64_FORMAT ","
                            "\"tags\":{\"functionname\":\"checkout\"},\"order\":{\"note\":\"gift wrap\"}}\n",
                            i, at_ms ("2026-11-21T10:00:00Z") + i * 60000);
  for (guint i = 3; i < 5; i++)
    g_string_append_printf (second, "{\"detail-type\":\"order-shipped\",\"detail\":{\"id\":\"l%u\","
                            "\"type\":\"order-shipped\",\"timestamp\":%" G_GINT64_FORMAT ",\"order\":{}}}\n",
                            i, at_ms ("2026-11-21T11:00:00Z") + i * 60000);
  write_object (hour10, first->str, TRUE);
  write_object (hour11, second->str, FALSE);

  g_assert_cmpint (run_cli (&out, &err, "import", "--cache", cache, "--json", "--quiet", lake, NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli (&out, &err, "search", "--cache", cache, "--count", "gift", "wrap", NULL), ==, 0);
  last = last_line (out);
  g_assert_cmpstr (last, ==, "3");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli (&out, &err, "search", "--cache", cache, "--limit", "3", NULL), ==, 0);
  ids = ndjson_ids (out);
  g_assert_cmpstr (ids, ==, "l4,l3,l2");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli (&out, &err, "tree", "--cache", cache, "--parent", "2026/11/21", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "      2026/11/21/10 3\n      2026/11/21/11 2\n");

  hw_test_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) \
  g_test_add ("/cli-search/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("count", test_search_count);
  ADD ("ndjson", test_search_ndjson);
  ADD ("words", test_search_words);
  ADD ("errors", test_search_errors);
  ADD ("help", test_help);
  ADD ("histogram", test_histogram);
  ADD ("tree", test_tree);
#undef ADD
  g_test_add_func ("/cli-search/imported-lake", test_imported_lake);
  return g_test_run ();
}
