/* test-lake-reader.c: gzip by magic, plain objects, over-long and bad lines, tree order
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-error.h"
#include "hw-lake-reader.h"
#include "hw-test-util.h"

static GBytes *
gzip_bytes (const char *text,
            gsize       length)
{
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, -1);
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) out = g_converter_output_stream_new (memory, G_CONVERTER (compressor));
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (out, text, length, NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (out, NULL, &error);
  g_assert_no_error (error);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
}

static char *
write_object (const char *dir,
              const char *relative,
              const void *data,
              gsize       length)
{
  g_autofree char *path = g_build_filename (dir, relative, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_file_set_contents (path, data, length, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&path);
}

static char *
write_gzip (const char *dir,
            const char *relative,
            const char *text)
{
  g_autoptr(GBytes) gz = gzip_bytes (text, strlen (text));

  return write_object (dir, relative, g_bytes_get_data (gz, NULL), g_bytes_get_size (gz));
}

/* Everything the reader reports, one line per result: the path relative to
 * @root, the line number, and the text, "BAD" or "SOURCE: message". */
static char *
transcript (HwLakeReader *reader,
            const char   *root)
{
  GString *out = g_string_new (NULL);
  gsize skip = root != NULL ? strlen (root) + 1 : 0;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      HwLakeLine line = { 0 };
      HwLakeReadResult result = hw_lake_reader_next (reader, &line, NULL, &error);
      const char *path;

      if (result == HW_LAKE_READ_END)
        {
          g_assert_no_error (error);
          break;
        }
      g_assert_cmpint (result, !=, HW_LAKE_READ_CANCELLED);
      path = g_str_has_prefix (line.path, root != NULL ? root : "") ? line.path + skip : line.path;
      g_string_append_printf (out, "%s:%" G_GUINT64_FORMAT ":", path, line.number);

      switch (result)
        {
        case HW_LAKE_READ_LINE:
          g_assert_no_error (error);
          g_assert_cmpuint (strlen (line.data), ==, line.length);
          g_string_append_printf (out, "%s\n", line.data);
          break;
        case HW_LAKE_READ_BAD_LINE:
          g_assert_error (error, HW_ERROR, HW_ERROR_TOO_LARGE);
          g_string_append (out, "BAD\n");
          break;
        case HW_LAKE_READ_BAD_SOURCE:
        default:
          g_assert_nonnull (error);
          g_string_append_printf (out, "SOURCE: %s\n", error->message);
          break;
        }
    }
  return g_string_free (out, FALSE);
}

static void
test_gzip_without_extension (void)
{
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *object = write_gzip (dir, "us-east-1/2024/05/03/14/lake-1-2024-05-03-14-00-00-abc",
                                        "{\"a\":1}\n{\"b\":2}\n\n{\"c\":3}\n");
  g_autoptr(HwLakeReader) reader = hw_lake_reader_new (0);
  g_autofree char *got = NULL;

  hw_lake_reader_add_path (reader, object);
  got = transcript (reader, dir);
  g_assert_cmpstr (got, ==,
                   "us-east-1/2024/05/03/14/lake-1-2024-05-03-14-00-00-abc:1:{\"a\":1}\n"
                   "us-east-1/2024/05/03/14/lake-1-2024-05-03-14-00-00-abc:2:{\"b\":2}\n"
                   "us-east-1/2024/05/03/14/lake-1-2024-05-03-14-00-00-abc:4:{\"c\":3}\n");
  g_assert_cmpuint (hw_lake_reader_get_n_sources (reader), ==, 1);
  hw_test_rmdir (dir);
}

static void
test_plain_object (void)
{
  g_autofree char *dir = hw_test_mkdtemp ();
  /* A ".gz" name on plain text: the content decides, not the name. */
  const char text[] = "one\r\n  \ntwo\n\nthree";
  g_autofree char *object = write_object (dir, "plain.gz", text, sizeof text - 1);
  g_autoptr(HwLakeReader) reader = hw_lake_reader_new (0);
  g_autofree char *got = NULL;

  hw_lake_reader_add_path (reader, object);
  got = transcript (reader, dir);
  g_assert_cmpstr (got, ==, "plain.gz:1:one\nplain.gz:3:two\nplain.gz:5:three\n");
  hw_test_rmdir (dir);
}

static char *
long_lines_text (void)
{
  g_autofree char *medium = g_strnfill (500, 'a');
  g_autofree char *huge = g_strnfill (300 * 1024, 'b');

  /* The huge lines span several reads; the last one has no newline. */
  return g_strconcat ("short1\n", medium, "\nshort2\n", huge, "\nshort3\n", huge, NULL);
}

static void
test_over_long_lines (void)
{
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *text = long_lines_text ();
  g_autofree char *plain = write_object (dir, "plain", text, strlen (text));
  g_autofree char *gz = write_gzip (dir, "gz", text);
  static const char * const expected_lines[] = { "short1", "BAD", "short2", "BAD", "short3", "BAD" };

  for (guint i = 0; i < 2; i++)
    {
      const char *name = i == 0 ? "plain" : "gz";
      g_autoptr(HwLakeReader) reader = hw_lake_reader_new (100);
      g_autofree char *got = NULL;
      g_autoptr(GString) expected = g_string_new (NULL);

      for (guint k = 0; k < G_N_ELEMENTS (expected_lines); k++)
        g_string_append_printf (expected, "%s:%u:%s\n", name, k + 1, expected_lines[k]);

      hw_lake_reader_add_path (reader, i == 0 ? plain : gz);
      got = transcript (reader, dir);
      g_assert_cmpstr (got, ==, expected->str);
    }
  hw_test_rmdir (dir);
}

static void
test_line_at_limit (void)
{
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *exact = g_strnfill (100, 'x');
  g_autofree char *over = g_strnfill (101, 'y');
  g_autofree char *text = g_strconcat (exact, "\n", over, "\n", exact, "\r\n", NULL);
  g_autofree char *object = write_object (dir, "o", text, strlen (text));
  g_autoptr(HwLakeReader) reader = hw_lake_reader_new (100);
  g_autofree char *got = NULL;
  g_autofree char *expected = g_strdup_printf ("o:1:%s\no:2:BAD\no:3:%s\n", exact, exact);

  hw_lake_reader_add_path (reader, object);
  got = transcript (reader, dir);
  g_assert_cmpstr (got, ==, expected);
  hw_test_rmdir (dir);
}

static void
test_tree_order (void)
{
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *root = g_build_filename (dir, "lake", NULL);
  g_autoptr(HwLakeReader) reader = hw_lake_reader_new (0);
  g_autofree char *got = NULL;

  /* Written out of order: the reader sorts. */
  g_free (write_gzip (dir, "lake/us-east-1/2024/05/03/14/b-obj", "h14b\n"));
  g_free (write_gzip (dir, "lake/us-east-1/2024/05/03/09/z-obj", "h09\n"));
  g_free (write_object (dir, "lake/us-east-1/2024/05/03/14/a-obj", "h14a\n", 5));
  g_free (write_object (dir, "lake/us-east-1/2024/05/03/14/.hidden", "no\n", 3));
  g_free (write_gzip (dir, "lake/eu-west-1/2024/12/31/23/obj", "eu\n"));

  hw_lake_reader_add_path (reader, root);
  got = transcript (reader, dir);
  g_assert_cmpstr (got, ==,
                   "lake/eu-west-1/2024/12/31/23/obj:1:eu\n"
                   "lake/us-east-1/2024/05/03/09/z-obj:1:h09\n"
                   "lake/us-east-1/2024/05/03/14/a-obj:1:h14a\n"
                   "lake/us-east-1/2024/05/03/14/b-obj:1:h14b\n");
  hw_test_rmdir (dir);
}

static void
test_concatenated_members (void)
{
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autoptr(GBytes) first = gzip_bytes ("m1-a\nm1-b\n", 10);
  g_autoptr(GBytes) second = gzip_bytes ("m2-a\n", 5);
  g_autoptr(GByteArray) both = g_byte_array_new ();
  g_autofree char *object = NULL;
  g_autoptr(HwLakeReader) reader = hw_lake_reader_new (0);
  g_autofree char *got = NULL;

  g_byte_array_append (both, g_bytes_get_data (first, NULL), g_bytes_get_size (first));
  g_byte_array_append (both, g_bytes_get_data (second, NULL), g_bytes_get_size (second));
  object = write_object (dir, "cat", both->data, both->len);

  hw_lake_reader_add_path (reader, object);
  got = transcript (reader, dir);
  g_assert_cmpstr (got, ==, "cat:1:m1-a\ncat:2:m1-b\ncat:3:m2-a\n");
  hw_test_rmdir (dir);
}

static void
test_bad_sources (void)
{
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autoptr(GString) many = g_string_new (NULL);
  g_autoptr(GBytes) gz = NULL;
  g_autoptr(GByteArray) garbage = g_byte_array_new ();
  g_autofree char *truncated = NULL;
  g_autofree char *trailing = NULL;
  g_autofree char *good = write_object (dir, "good", "ok\n", 3);
  g_autofree char *missing = g_build_filename (dir, "missing", NULL);
  g_autoptr(HwLakeReader) reader = hw_lake_reader_new (0);
  g_autofree char *got = NULL;
  g_auto(GStrv) lines = NULL;
  guint n;
  guint i;

  /* Incompressible-ish lines so that half the bytes hold some of them. */
  for (guint k = 1, x = 1; k <= 5000; k++)
    {
      x = x * 1664525u + 1013904223u;
      g_string_append_printf (many, "line %u %08x\n", k, x);
    }
  gz = gzip_bytes (many->str, many->len);
  truncated = write_object (dir, "truncated", g_bytes_get_data (gz, NULL), g_bytes_get_size (gz) / 2);

  g_byte_array_append (garbage, g_bytes_get_data (gz, NULL), g_bytes_get_size (gz));
  g_byte_array_append (garbage, (const guint8 *) "junk", 4);
  trailing = write_object (dir, "trailing", garbage->data, garbage->len);

  hw_lake_reader_add_path (reader, truncated);
  hw_lake_reader_add_path (reader, missing);
  hw_lake_reader_add_path (reader, trailing);
  hw_lake_reader_add_path (reader, good);
  got = transcript (reader, dir);
  lines = g_strsplit (got, "\n", -1);
  n = g_strv_length (lines);

  /* truncated: some good lines in order, then the damage with its line. */
  for (i = 0; !strstr (lines[i], "SOURCE"); i++)
    {
      g_autofree char *prefix = g_strdup_printf ("truncated:%u:line %u ", i + 1, i + 1);

      g_assert_true (g_str_has_prefix (lines[i], prefix));
    }
  g_assert_cmpuint (i, >, 10);
  g_assert_cmpuint (i, <, 5000);
  {
    g_autofree char *damage = g_strdup_printf ("truncated:%u:SOURCE: truncated gzip data", i + 1);

    g_assert_cmpstr (lines[i], ==, damage);
  }
  g_assert_cmpstr (lines[i + 1], ==, "missing:0:SOURCE: cannot open: No such file or directory");
  g_assert_true (g_str_has_prefix (lines[i + 2], "trailing:1:line 1 "));
  g_assert_true (g_str_has_prefix (lines[i + 5001], "trailing:5000:line 5000 "));
  g_assert_cmpstr (lines[i + 5002], ==, "trailing:5001:SOURCE: unexpected bytes after the gzip data");
  g_assert_cmpstr (lines[i + 5003], ==, "good:1:ok");
  g_assert_cmpstr (lines[i + 5004], ==, "");
  g_assert_cmpuint (n, ==, i + 5005);
  hw_test_rmdir (dir);
}

static void
test_stream_and_cancel (void)
{
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_data ("x\ny\n", 4, NULL);
  g_autoptr(HwLakeReader) reader = hw_lake_reader_new (0);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  HwLakeLine line = { 0 };

  hw_lake_reader_add_stream (reader, stream, "<post>");
  g_assert_cmpint (hw_lake_reader_next (reader, &line, cancellable, &error), ==, HW_LAKE_READ_LINE);
  g_assert_cmpstr (line.path, ==, "<post>");
  g_assert_cmpstr (line.data, ==, "x");

  g_cancellable_cancel (cancellable);
  g_assert_cmpint (hw_lake_reader_next (reader, &line, cancellable, &error), ==, HW_LAKE_READ_CANCELLED);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lake-reader/gzip-without-extension", test_gzip_without_extension);
  g_test_add_func ("/lake-reader/plain-object", test_plain_object);
  g_test_add_func ("/lake-reader/over-long-lines", test_over_long_lines);
  g_test_add_func ("/lake-reader/line-at-limit", test_line_at_limit);
  g_test_add_func ("/lake-reader/tree-order", test_tree_order);
  g_test_add_func ("/lake-reader/concatenated-members", test_concatenated_members);
  g_test_add_func ("/lake-reader/bad-sources", test_bad_sources);
  g_test_add_func ("/lake-reader/stream-and-cancel", test_stream_and_cancel);
  return g_test_run ();
}
