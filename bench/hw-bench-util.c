/* hw-bench-util.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw-bench-util.h"

#define STATS_GROUP "lake"

static void
append_number (GString *out,
               double   value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  /* JSON has no NaN or infinity: a figure that could not be computed is null. */
  if (!isfinite (value))
    {
      g_string_append (out, "null");
      return;
    }
  g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.6g", value));
}

void
hw_bench_report (const char *name,
                 double      value,
                 const char *unit,
                 double      baseline,
                 double      ratio)
{
  g_autoptr(GString) line = g_string_new ("BENCH {\"name\": \"");

  g_string_append (line, name);
  g_string_append (line, "\", \"value\": ");
  append_number (line, value);
  g_string_append (line, ", \"unit\": \"");
  g_string_append (line, unit);
  g_string_append (line, "\", \"baseline\": ");
  append_number (line, baseline);
  g_string_append (line, ", \"ratio\": ");
  append_number (line, ratio);
  g_string_append (line, "}\n");
  fputs (line->str, stdout);
  fflush (stdout);
}

void
hw_bench_note (const char *format,
               ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  fputs (text, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
}

double
hw_bench_now (void)
{
  return g_get_monotonic_time () / (double) G_USEC_PER_SEC;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

double
hw_bench_median (GArray *values)
{
  guint n = values->len;

  if (n == 0)
    return NAN;
  g_array_sort (values, compare_doubles);
  if (n % 2 == 1)
    return g_array_index (values, double, n / 2);
  return (g_array_index (values, double, n / 2 - 1) + g_array_index (values, double, n / 2)) / 2;
}

double
hw_bench_percentile (GArray *values,
                     double  p)
{
  guint i;

  if (values->len == 0)
    return NAN;
  hw_bench_median (values);   /* sorts */
  i = MIN (values->len - 1, (guint) ceil (p * values->len) - 1);
  return g_array_index (values, double, i);
}

double
hw_bench_mean (GArray *values)
{
  double sum = 0;

  if (values->len == 0)
    return NAN;
  for (guint i = 0; i < values->len; i++)
    sum += g_array_index (values, double, i);
  return sum / values->len;
}

void
hw_bench_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
          hw_bench_remove_tree (child);
        else
          g_unlink (child);
      }
  g_remove (path);
}

gboolean
hw_bench_reset_dir (const char  *path,
                    GError     **error)
{
  hw_bench_remove_tree (path);
  if (g_mkdir_with_parents (path, 0755) == 0)
    return TRUE;
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "%s: %s", path, g_strerror (errno));
  return FALSE;
}

guint64
hw_bench_tree_size (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;
  guint64 total = 0;

  if (dir == NULL)
    {
      GStatBuf st;

      return g_stat (path, &st) == 0 ? (guint64) st.st_size : 0;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      total += hw_bench_tree_size (child);
    }
  return total;
}

void
hw_bench_fail (const char   *what,
               const GError *error)
{
  g_printerr ("%s: %s: %s\n", g_get_prgname (), what, error != NULL ? error->message : "failed");
  exit (1);
}

double
hw_bench_peak_rss_mb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      (line = strstr (status, "VmHWM:")) == NULL)
    return NAN;
  return g_ascii_strtod (line + strlen ("VmHWM:"), NULL) / 1024.0;
}

static const char * const stat_keys[] = {
  "events", "bad_lines", "objects", "faults", "wrapped", "compressed", "eem",
  "raw_bytes", "gzip_bytes", "first_ms", "last_ms",
};

static guint64 *
stat_field (HwLakeGenStats *stats,
            guint           i)
{
  guint64 *fields[] = {
    &stats->events, &stats->bad_lines, &stats->objects, &stats->faults, &stats->wrapped,
    &stats->compressed, &stats->eem, &stats->raw_bytes, &stats->gzip_bytes,
    (guint64 *) &stats->first_ms, (guint64 *) &stats->last_ms,
  };

  G_STATIC_ASSERT (G_N_ELEMENTS (fields) == G_N_ELEMENTS (stat_keys));
  return fields[i];
}

static gboolean
load_stats (const char     *path,
            guint64         events,
            HwLakeGenStats *stats)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();

  if (!g_key_file_load_from_file (keyfile, path, G_KEY_FILE_NONE, NULL))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (stat_keys); i++)
    {
      g_autoptr(GError) error = NULL;

      *stat_field (stats, i) = g_key_file_get_uint64 (keyfile, STATS_GROUP, stat_keys[i], &error);
      if (error != NULL)
        return FALSE;
    }
  return stats->events == events;
}

static gboolean
save_stats (const char      *path,
            HwLakeGenStats  *stats,
            GError         **error)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();

  for (guint i = 0; i < G_N_ELEMENTS (stat_keys); i++)
    g_key_file_set_uint64 (keyfile, STATS_GROUP, stat_keys[i], *stat_field (stats, i));
  return g_key_file_save_to_file (keyfile, path, error);
}

char *
hw_bench_ensure_lake (const char      *lakes_dir,
                      guint64          events,
                      HwLakeGenStats  *stats,
                      GError         **error)
{
  g_autofree char *name = g_strdup_printf ("lake-%" G_GUINT64_FORMAT, events);
  g_autofree char *dir = g_build_filename (lakes_dir, name, NULL);
  g_autofree char *stats_path = g_strconcat (dir, ".stats", NULL);
  HwLakeGenOptions options = { .events = events, .seed = 1 };
  double started;

  if (load_stats (stats_path, events, stats))
    {
      hw_bench_note ("lake: reusing %s (%" G_GUINT64_FORMAT " events, %" G_GUINT64_FORMAT " objects)",
                     dir, stats->events, stats->objects);
      return g_steal_pointer (&dir);
    }

  /* The stats file is written last, so a lake interrupted halfway is
   * never mistaken for a complete one. */
  g_unlink (stats_path);
  if (!hw_bench_reset_dir (dir, error))
    return NULL;
  hw_bench_note ("lake: generating %" G_GUINT64_FORMAT " events in %s", events, dir);
  started = hw_bench_now ();
  if (!hw_lake_gen_write (dir, &options, stats, error) ||
      !save_stats (stats_path, stats, error))
    return NULL;
  hw_bench_note ("lake: %" G_GUINT64_FORMAT " objects, %.1f MB NDJSON, %.1f MB gzip, in %.1f s",
                 stats->objects, stats->raw_bytes / 1e6, stats->gzip_bytes / 1e6,
                 hw_bench_now () - started);
  return g_steal_pointer (&dir);
}
