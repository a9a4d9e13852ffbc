/* test-importer.c: a lake tree of gzip and plain objects with bad lines into a real store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-error.h"
#include "hw-event-store.h"
#include "hw-importer.h"
#include "hw-mask.h"
#include "hw-test-util.h"

#define BASE_TS G_GINT64_CONSTANT (1714744800000)   /* 2024-05-03T14:00:00Z */

typedef struct
{
  char         *dir;
  char         *lake;
  char         *object_a;
  char         *object_b;
  HwEventStore *store;
} Fixture;

static void
write_file (const char *path,
            const void *data,
            gsize       length)
{
  g_autofree char *parent = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_file_set_contents (path, data, length, &error);
  g_assert_no_error (error);
}

static void
write_gzip (const char *path,
            const char *text)
{
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, -1);
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) out = g_converter_output_stream_new (memory, G_CONVERTER (compressor));
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (out, text, strlen (text), NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (out, NULL, &error);
  g_assert_no_error (error);
  bytes = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
  write_file (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static void
append_event (GString *text,
              guint    n)
{
  g_string_append_printf (text, "{\"id\":\"e%u\",\"type\":\"order-%s\",\"timestamp\":%" G_GINT64_FORMAT ","
                          "\"partitionKey\":\"ord-%u\",\"tags\":{\"source\":\"checkout\","
                          "\"functionname\":\"fn-%u\"},\"order\":{\"id\":\"ord-%u\",\"note\":\"word%u\"}}\n",
                          n, n % 2 ? "placed" : "paid", BASE_TS + n * 1000, n, n % 3, n, n);
}

/* Object a (gzip, no extension), hour 14, 53 lines:
 *   e1..e50, with e7 again after e8 (a duplicate within the object),
 *   line 10 broken JSON, line 21 without type.
 * Object b (plain), hour 15:
 *   e51..e80, e3 again (a duplicate across objects), a blank line, a bus
 *   wrapped event w1, a fault f1, and an over-long line at line 5. */
static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GString) a = g_string_new (NULL);
  g_autoptr(GString) b = g_string_new (NULL);
  g_autofree char *store_path = NULL;
  g_autofree char *huge = g_strnfill (HW_LAKE_READER_DEFAULT_MAX_LINE + 10, 'x');
  g_autoptr(GError) error = NULL;

  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);

  for (guint n = 1; n <= 50; n++)
    {
      g_autoptr(GString) event = g_string_new (NULL);

      append_event (event, n);
      g_ptr_array_add (lines, g_string_free (g_steal_pointer (&event), FALSE));
      if (n == 8)
        {
          event = g_string_new (NULL);
          append_event (event, 7);
          g_ptr_array_add (lines, g_string_free (g_steal_pointer (&event), FALSE));
        }
    }
  g_ptr_array_insert (lines, 9, g_strdup ("{\"id\":\"broken\",\n"));
  g_ptr_array_insert (lines, 20, g_strdup_printf ("{\"id\":\"nt\",\"timestamp\":%" G_GINT64_FORMAT "}\n",
                                                  BASE_TS));
  for (guint i = 0; i < lines->len; i++)
    g_string_append (a, g_ptr_array_index (lines, i));

  for (guint n = 51; n <= 80; n++)
    {
      append_event (b, n);
      if (n == 53)
        g_string_append_printf (b, "\n{\"big\":\"%s\"}\n", huge);
    }
  append_event (b, 3);
  g_string_append_printf (b, "{\"version\":\"0\",\"id\":\"bus-1\",\"detail-type\":\"thing-created\","
                          "\"source\":\"custom\",\"detail\":{\"id\":\"w1\",\"type\":\"thing-created\","
                          "\"timestamp\":%" G_GINT64_FORMAT "}}\n", BASE_TS + 3600000);
  g_string_append_printf (b, "{\"id\":\"f1\",\"type\":\"fault\",\"timestamp\":%" G_GINT64_FORMAT ","
                          "\"tags\":{\"functionname\":\"fn-1\",\"pipeline\":\"p\"},"
                          "\"err\":{\"name\":\"Error\",\"message\":\"boom\",\"stack\":\"s\"},"
                          "\"uow\":{\"event\":{\"id\":\"e1\"}}}\n", BASE_TS + 3600001);

  fixture->dir = hw_test_mkdtemp ();
  fixture->lake = g_build_filename (fixture->dir, "lake", NULL);
  fixture->object_a = g_build_filename (fixture->lake, "us-east-1", "2024", "05", "03", "14",
                                        "hubwatch-lake-1-2024-05-03-14-00-00-0a1b", NULL);
  fixture->object_b = g_build_filename (fixture->lake, "us-east-1", "2024", "05", "03", "15",
                                        "hubwatch-lake-1-2024-05-03-15-00-00-2c3d", NULL);
  write_gzip (fixture->object_a, a->str);
  write_file (fixture->object_b, b->str, b->len);

  store_path = g_build_filename (fixture->dir, "cache.db", NULL);
  fixture->store = hw_event_store_open (store_path, HW_EVENT_STORE_FLAGS_NONE, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->store);
  hw_test_rmdir (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->lake);
  g_free (fixture->object_a);
  g_free (fixture->object_b);
}

typedef struct
{
  guint   calls;
  guint64 last_total;
  gboolean monotonic;
} Progress;

static void
on_progress (const HwImportReport *report,
             gpointer              user_data)
{
  Progress *progress = user_data;
  guint64 total = report->imported + report->duplicates;

  progress->calls++;
  if (total < progress->last_total)
    progress->monotonic = FALSE;
  progress->last_total = total;
}

static HwImportReport *
import_tree (Fixture  *fixture,
             guint     batch_size,
             Progress *progress)
{
  const char *paths[] = { fixture->lake, NULL };
  HwImportReport *report = hw_import_report_new ();
  g_autoptr(GError) error = NULL;
  HwImportOptions options;

  hw_import_options_init (&options);
  options.batch_size = batch_size;
  g_assert_true (hw_importer_import_paths (fixture->store, paths, &options, report,
                                           progress != NULL ? on_progress : NULL, progress,
                                           NULL, &error));
  g_assert_no_error (error);
  return report;
}

static void
assert_error_line (const HwImportReport *report,
                   guint                 index,
                   const char           *path,
                   guint                 line,
                   const char           *reason)
{
  g_autofree char *prefix = g_strdup_printf ("%s:%u: %s", path, line, reason);
  const char *got = g_ptr_array_index (report->errors, index);

  if (!g_str_has_prefix (got, prefix))
    g_error ("error %u is '%s', expected it to start with '%s'", index, got, prefix);
}

static void
test_import_tree (Fixture       *fixture,
                  gconstpointer  data)
{
  Progress progress = { 0, 0, TRUE };
  g_autoptr(HwImportReport) report = import_tree (fixture, 10, &progress);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) faults = NULL;
  g_autoptr(HwEventRow) wrapped = NULL;
  g_autofree char *json = NULL;

  /* 50 + 30 + w1 + f1 new; e7 and e3 again; three bad lines. */
  g_assert_cmpuint (report->imported, ==, 82);
  g_assert_cmpuint (report->duplicates, ==, 2);
  g_assert_cmpuint (report->rejected, ==, 3);
  g_assert_cmpuint (report->errors->len, ==, 3);
  assert_error_line (report, 0, fixture->object_a, 10, "invalid JSON");
  assert_error_line (report, 1, fixture->object_a, 21, "type: missing");
  assert_error_line (report, 2, fixture->object_b, 5, "line longer than 1048576 bytes");

  g_assert_cmpint (hw_event_store_count (fixture->store, NULL, HW_EVENT_STORE_UNBOUNDED,
                                         HW_EVENT_STORE_UNBOUNDED, NULL, &error), ==, 82);
  g_assert_no_error (error);

  /* Batches of 10 over 84 accepted lines: one call per batch. */
  g_assert_cmpuint (progress.calls, ==, 9);
  g_assert_true (progress.monotonic);
  g_assert_cmpuint (progress.last_total, ==, 84);

  wrapped = hw_event_store_get_event_by_id (fixture->store, "w1", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (wrapped->type, ==, "thing-created");

  faults = hw_event_store_list_faults (fixture->store, NULL, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (faults->len, ==, 1);

  json = hw_import_report_to_json (report);
  g_assert_true (g_str_has_prefix (json, "{\"imported\":82,\"duplicates\":2,\"rejected\":3,\"errors\":[\""));
}

static void
test_reimport_adds_nothing (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(HwImportReport) first = import_tree (fixture, 0, NULL);
  g_autoptr(HwImportReport) second = import_tree (fixture, 7, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (first->imported, ==, 82);
  g_assert_cmpuint (second->imported, ==, 0);
  g_assert_cmpuint (second->duplicates, ==, 84);
  g_assert_cmpuint (second->rejected, ==, 3);
  g_assert_cmpint (hw_event_store_count (fixture->store, NULL, HW_EVENT_STORE_UNBOUNDED,
                                         HW_EVENT_STORE_UNBOUNDED, NULL, &error), ==, 82);
}

static void
test_single_files_and_max_errors (Fixture       *fixture,
                                  gconstpointer  data)
{
  const char *paths[] = { fixture->object_b, fixture->object_a, NULL };
  g_autoptr(HwImportReport) report = hw_import_report_new ();
  g_autoptr(GError) error = NULL;
  HwImportOptions options;

  hw_import_options_init (&options);
  options.max_errors = 2;
  g_assert_true (hw_importer_import_paths (fixture->store, paths, &options, report, NULL, NULL,
                                           NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (report->imported, ==, 82);
  g_assert_cmpuint (report->rejected, ==, 3);
  g_assert_cmpuint (report->errors->len, ==, 2);
  /* The order given is the order read: b's error comes first. */
  assert_error_line (report, 0, fixture->object_b, 5, "line longer");
  assert_error_line (report, 1, fixture->object_a, 10, "invalid JSON");
}

static void
test_missing_path_is_fatal (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *missing = g_build_filename (fixture->dir, "nope", NULL);
  const char *paths[] = { fixture->lake, missing, NULL };
  g_autoptr(HwImportReport) report = hw_import_report_new ();
  g_autoptr(GError) error = NULL;

  g_assert_false (hw_importer_import_paths (fixture->store, paths, NULL, report, NULL, NULL,
                                            NULL, &error));
  g_assert_error (error, HW_ERROR, HW_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "nope"));
  g_assert_cmpuint (report->imported, ==, 0);
}

static void
test_cancelled (Fixture       *fixture,
                gconstpointer  data)
{
  const char *paths[] = { fixture->lake, NULL };
  g_autoptr(HwImportReport) report = hw_import_report_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  g_cancellable_cancel (cancellable);
  g_assert_false (hw_importer_import_paths (fixture->store, paths, NULL, report, NULL, NULL,
                                            cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_masked_store (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *object = g_build_filename (fixture->dir, "pii", NULL);
  const char *paths[] = { object, NULL };
  const char *line = "{\"id\":\"p1\",\"type\":\"customer-updated\",\"timestamp\":1714744800000,"
                     "\"customer\":{\"email\":\"ann@example.com\",\"card\":\"4111 1111 1111 1111\","
                     "\"ssn\":\"123\"},\"eem\":{\"fields\":[\"ssn\"]}}\n";
  g_autoptr(HwMaskRules) rules = hw_mask_rules_new (HW_MASK_DEFAULT);
  g_autoptr(HwImportReport) report = hw_import_report_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;

  write_file (object, line, strlen (line));
  hw_event_store_set_mask_rules (fixture->store, rules);
  g_assert_true (hw_importer_import_paths (fixture->store, paths, NULL, report, NULL, NULL,
                                           NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (report->imported, ==, 1);

  json = hw_event_store_get_event_json_by_id (fixture->store, "p1", &error);
  g_assert_no_error (error);
  g_assert_null (strstr (json, "ann@example.com"));
  g_assert_null (strstr (json, "4111"));
  g_assert_null (strstr (json, "\"123\""));
  g_assert_nonnull (strstr (json, HW_MASK_REPLACEMENT));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/importer/tree", test_import_tree);
  ADD ("/importer/reimport-adds-nothing", test_reimport_adds_nothing);
  ADD ("/importer/single-files-and-max-errors", test_single_files_and_max_errors);
  ADD ("/importer/missing-path-is-fatal", test_missing_path_is_fatal);
  ADD ("/importer/cancelled", test_cancelled);
  ADD ("/importer/masked-store", test_masked_store);
#undef ADD
  return g_test_run ();
}
