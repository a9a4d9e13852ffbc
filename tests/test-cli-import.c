/* test-cli-import.c: `hubwatch-cli import --json` as scripts run it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "hw-test-util.h"

typedef struct
{
  int   status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

/* Runs hubwatch-cli with @args, feeding @input (nullable) on stdin. */
static void
run_cli (Run                *run,
         const char         *input,
         const char * const *args)
{
  const char *cli = g_getenv ("HUBWATCH_CLI");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (cli);
  g_ptr_array_add (argv, (gpointer) cli);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                               | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, input != NULL ? input : "", NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  run->status = g_subprocess_get_exit_status (process);
}

/* The last line of stdout, parsed: the contract scripts rely on. */
static JsonObject *
last_line_object (const char *out)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);
  guint n = g_strv_length (lines);
  const char *last;

  g_assert_cmpuint (n, >=, 2);
  g_assert_cmpstr (lines[n - 1], ==, "");
  last = lines[n - 2];
  json_parser_load_from_data (parser, last, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
write_gzip (const char *path,
            const char *text)
{
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, -1);
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) out = g_converter_output_stream_new (memory, G_CONVERTER (compressor));
  g_autofree char *parent = g_path_get_dirname (path);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (out, text, strlen (text), NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (out, NULL, &error);
  g_assert_no_error (error);
  bytes = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_file_set_contents (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);
}

static char *
events (guint first,
        guint last)
{
  GString *text = g_string_new (NULL);

  for (guint n = first; n <= last; n++)
    g_string_append_printf (text, "{\"id\":\"c%u\",\"type\":\"thing-%s\",\"timestamp\":%" G_GINT64_FORMAT "}\n",
                            n, n % 2 ? "created" : "updated", G_GINT64_CONSTANT (1714744800000) + n);
  return g_string_free (text, FALSE);
}

static void
test_clean_tree_exits_zero (void)
{
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *cache = g_build_filename (dir, "cache.db", NULL);
  g_autofree char *lake = g_build_filename (dir, "lake", NULL);
  g_autofree char *object = g_build_filename (lake, "eu-west-1", "2024", "05", "03", "14", "obj-1", NULL);
  g_autofree char *text = events (1, 25);
  const char *args[] = { "import", "--cache", cache, "--json", lake, NULL };
  g_auto(Run) first = { 0 };
  g_auto(Run) again = { 0 };
  g_autoptr(JsonObject) report = NULL;
  g_autoptr(JsonObject) report_again = NULL;

  write_gzip (object, text);

  run_cli (&first, NULL, args);
  g_assert_cmpint (first.status, ==, 0);
  report = last_line_object (first.out);
  g_assert_cmpint (json_object_get_int_member (report, "imported"), ==, 25);
  g_assert_cmpint (json_object_get_int_member (report, "duplicates"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (report, "rejected"), ==, 0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (report, "errors")), ==, 0);

  run_cli (&again, NULL, args);
  g_assert_cmpint (again.status, ==, 0);
  report_again = last_line_object (again.out);
  g_assert_cmpint (json_object_get_int_member (report_again, "imported"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (report_again, "duplicates"), ==, 25);

  hw_test_rmdir (dir);
}

static void
test_bad_lines_exit_two (void)
{
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *cache = g_build_filename (dir, "cache.db", NULL);
  g_autofree char *object = g_build_filename (dir, "plain-object", NULL);
  g_autofree char *good = events (1, 3);
  g_autofree char *text = g_strconcat (good, "{\"id\":\"x\",\"type\":\"t\",\"timestamp\":\"soon\"}\n",
                                       "{\"id\":\"c1\",\"type\":\"dup\",\"timestamp\":1714744800001}\n", NULL);
  g_autofree char *expected_error = NULL;
  const char *args[] = { "import", "--cache", cache, "--json", object, NULL };
  g_auto(Run) run = { 0 };
  g_autoptr(JsonObject) report = NULL;
  JsonArray *errors;

  g_assert_true (g_file_set_contents (object, text, -1, NULL));
  run_cli (&run, NULL, args);
  g_assert_cmpint (run.status, ==, 2);
  report = last_line_object (run.out);
  g_assert_cmpint (json_object_get_int_member (report, "imported"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (report, "duplicates"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (report, "rejected"), ==, 1);
  errors = json_object_get_array_member (report, "errors");
  g_assert_cmpuint (json_array_get_length (errors), ==, 1);
  expected_error = g_strdup_printf ("%s:4: timestamp: must be an integer number of epoch milliseconds, "
                                    "got a string", object);
  g_assert_cmpstr (json_array_get_string_element (errors, 0), ==, expected_error);

  hw_test_rmdir (dir);
}

static void
test_stdin (void)
{
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *cache = g_build_filename (dir, "cache.db", NULL);
  g_autofree char *text = events (1, 4);
  const char *args[] = { "import", "--json", "--cache", cache, "-", NULL };
  g_auto(Run) run = { 0 };
  g_autoptr(JsonObject) report = NULL;

  run_cli (&run, text, args);
  g_assert_cmpint (run.status, ==, 0);
  report = last_line_object (run.out);
  g_assert_cmpint (json_object_get_int_member (report, "imported"), ==, 4);
  hw_test_rmdir (dir);
}

static void
test_fatal_and_usage (void)
{
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *blocker = g_build_filename (dir, "file", NULL);
  g_autofree char *bad_cache = g_build_filename (blocker, "cache.db", NULL);
  g_autofree char *cache = g_build_filename (dir, "cache.db", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing", NULL);
  const char *unopenable[] = { "import", "--cache", bad_cache, "--json", dir, NULL };
  const char *missing_path[] = { "import", "--cache", cache, missing, NULL };
  const char *no_cache[] = { "import", dir, NULL };
  const char *help[] = { "import", "--help", NULL };
  g_auto(Run) run1 = { 0 };
  g_auto(Run) run2 = { 0 };
  g_auto(Run) run3 = { 0 };
  g_auto(Run) run4 = { 0 };

  /* The cache's directory cannot be created under a regular file. */
  g_assert_true (g_file_set_contents (blocker, "x", -1, NULL));
  run_cli (&run1, NULL, unopenable);
  g_assert_cmpint (run1.status, ==, 1);
  g_assert_nonnull (strstr (run1.err, bad_cache));

  run_cli (&run2, NULL, missing_path);
  g_assert_cmpint (run2.status, ==, 1);
  g_assert_nonnull (strstr (run2.err, "no such file or directory"));

  run_cli (&run3, NULL, no_cache);
  g_assert_cmpint (run3.status, ==, 2);
  g_assert_nonnull (strstr (run3.err, "--cache"));

  run_cli (&run4, NULL, help);
  g_assert_cmpint (run4.status, ==, 0);
  g_assert_nonnull (strstr (run4.out, "--cache"));
  g_assert_nonnull (strstr (run4.out, "--json"));
  g_assert_nonnull (strstr (run4.out, "Exit status"));

  hw_test_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli-import/clean-tree-exits-zero", test_clean_tree_exits_zero);
  g_test_add_func ("/cli-import/bad-lines-exit-two", test_bad_lines_exit_two);
  g_test_add_func ("/cli-import/stdin", test_stdin);
  g_test_add_func ("/cli-import/fatal-and-usage", test_fatal_and_usage);
  return g_test_run ();
}
