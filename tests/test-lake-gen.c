/* test-lake-gen.c: the synthetic lake is deterministic, Firehose-shaped and importable
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-event-store.h"
#include "hw-importer.h"
#include "hw-lake-gen.h"
#include "hw-test-util.h"

/* Relative path → contents of every file under @root. */
static GHashTable *
read_tree (const char *root)
{
  GHashTable *files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_bytes_unref);
  g_autoptr(GPtrArray) stack = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (stack, g_strdup (root));
  while (stack->len > 0)
    {
      g_autofree char *path = g_ptr_array_steal_index (stack, stack->len - 1);
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      if (dir == NULL)
        {
          g_autoptr(GError) error = NULL;
          char *data = NULL;
          gsize length = 0;

          g_file_get_contents (path, &data, &length, &error);
          g_assert_no_error (error);
          g_hash_table_insert (files, g_strdup (path + strlen (root)), g_bytes_new_take (data, length));
          continue;
        }
      while ((name = g_dir_read_name (dir)) != NULL)
        g_ptr_array_add (stack, g_build_filename (path, name, NULL));
    }
  return files;
}

static gboolean
same_trees (GHashTable *a,
            GHashTable *b)
{
  GHashTableIter iter;
  gpointer key, value;

  if (g_hash_table_size (a) != g_hash_table_size (b))
    return FALSE;
  g_hash_table_iter_init (&iter, a);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      GBytes *other = g_hash_table_lookup (b, key);

      if (other == NULL || !g_bytes_equal (value, other))
        return FALSE;
    }
  return TRUE;
}

static void
generate (const char     *dir,
          guint64         seed,
          HwLakeGenStats *stats)
{
  HwLakeGenOptions options = { .events = 600, .seed = seed, .bad_lines = 5, .events_per_object = 250 };
  g_autoptr(GError) error = NULL;

  g_assert_true (hw_lake_gen_write (dir, &options, stats, &error));
  g_assert_no_error (error);
}

static void
test_deterministic_and_shaped (void)
{
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *a = g_build_filename (dir, "a", NULL);
  g_autofree char *b = g_build_filename (dir, "b", NULL);
  g_autofree char *c = g_build_filename (dir, "c", NULL);
  g_autoptr(GHashTable) tree_a = NULL;
  g_autoptr(GHashTable) tree_b = NULL;
  g_autoptr(GHashTable) tree_c = NULL;
  g_autoptr(GRegex) layout = g_regex_new ("^/us-east-1/2024/05/01/(0\\d|1\\d|2[0-3])/hubwatch-lake-1-[-0-9]+-[0-9a-f]{8}$",
                                          0, 0, NULL);
  HwLakeGenStats stats, stats_b, stats_c;
  GHashTableIter iter;
  gpointer key, value;

  generate (a, 42, &stats);
  generate (b, 42, &stats_b);
  generate (c, 43, &stats_c);
  tree_a = read_tree (a);
  tree_b = read_tree (b);
  tree_c = read_tree (c);

  g_assert_true (same_trees (tree_a, tree_b));
  g_assert_false (same_trees (tree_a, tree_c));

  g_assert_cmpuint (stats.events, ==, 600);
  g_assert_cmpuint (stats.bad_lines, ==, 5);
  g_assert_cmpuint (stats.objects, ==, g_hash_table_size (tree_a));
  /* 600 events at ~0.2 s apart span two hours: at least 3 objects of 250. */
  g_assert_cmpuint (stats.objects, >=, 3);
  g_assert_cmpuint (stats.raw_bytes / stats.events, >=, 500);
  g_assert_cmpuint (stats.raw_bytes / stats.events, <=, 4096);

  g_hash_table_iter_init (&iter, tree_a);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const guint8 *data = g_bytes_get_data (value, NULL);

      if (!g_regex_match (layout, key, 0, NULL))
        g_error ("object %s is not in the lake layout", (const char *) key);
      g_assert_cmpuint (g_bytes_get_size (value), >, 2);
      g_assert_cmpuint (data[0], ==, 0x1f);
      g_assert_cmpuint (data[1], ==, 0x8b);
    }

  hw_test_rmdir (dir);
}

static void
test_imports_as_counted (void)
{
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *lake = g_build_filename (dir, "lake", NULL);
  g_autofree char *cache = g_build_filename (dir, "cache.db", NULL);
  const char *paths[] = { lake, NULL };
  g_autoptr(HwEventStore) store = NULL;
  g_autoptr(HwImportReport) report = hw_import_report_new ();
  g_autoptr(GPtrArray) faults = NULL;
  g_autoptr(GError) error = NULL;
  HwLakeGenStats stats;

  generate (lake, 7, &stats);
  store = hw_event_store_open (cache, HW_EVENT_STORE_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_assert_true (hw_importer_import_paths (store, paths, NULL, report, NULL, NULL, NULL, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (report->imported, ==, stats.events);
  g_assert_cmpuint (report->duplicates, ==, 0);
  g_assert_cmpuint (report->rejected, ==, stats.bad_lines);

  faults = hw_event_store_list_faults (store, NULL, 1000, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (faults->len, ==, stats.faults);
  g_assert_cmpuint (stats.faults, >, 0);
  g_assert_cmpuint (stats.wrapped, >, 0);
  g_assert_cmpuint (stats.eem, >, 0);

  hw_test_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lake-gen/deterministic-and-shaped", test_deterministic_and_shaped);
  g_test_add_func ("/lake-gen/imports-as-counted", test_imports_as_counted);
  return g_test_run ();
}
