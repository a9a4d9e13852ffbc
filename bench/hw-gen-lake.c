/* hw-gen-lake.c: writes a deterministic synthetic event lake for benchmarks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <stdlib.h>

#include "hw-lake-gen.h"

int
main (int   argc,
      char *argv[])
{
  g_autofree char *out = NULL;
  gint64 events = 0;
  gint64 seed = 1;
  int bad_lines = 0;
  int per_object = 0;
  const GOptionEntry entries[] = {
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Directory to write the lake into", "DIR" },
    { "events", 'n', 0, G_OPTION_ARG_INT64, &events, "Number of valid events", "N" },
    { "seed", 's', 0, G_OPTION_ARG_INT64, &seed, "Seed; the same seed gives the same bytes (default 1)", "S" },
    { "bad-lines", 0, 0, G_OPTION_ARG_INT, &bad_lines, "Invalid lines spread among the events (default 0)", "K" },
    { "events-per-object", 0, 0, G_OPTION_ARG_INT, &per_object, "Events per object (default 5000)", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— write a synthetic event lake");
  g_autoptr(GError) error = NULL;
  HwLakeGenOptions options = { 0 };
  HwLakeGenStats stats;
  gint64 start;
  double seconds;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    "Writes gzip objects without extension under DIR/us-east-1/YYYY/MM/DD/HH/,\n"
    "grouped by UTC arrival hour, from 2024-05-01T00:00:00Z on: events of\n"
    "0.5-4 KB, 30 types, 20 function names, Zipf-distributed words, ~1% faults,\n"
    "~10% bus-wrapped lines, ~0.5% COMPRESSED values and ~5% eem.fields.\n"
    "Prints what it wrote, one \"name value\" pair per line.");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("hw-gen-lake: %s\n", error->message);
      return 2;
    }
  if (out == NULL || events <= 0 || seed < 0 || bad_lines < 0 || per_object < 0)
    {
      g_printerr ("hw-gen-lake: --out DIR and --events N (N > 0) are required; see --help\n");
      return 2;
    }

  options.events = events;
  options.seed = seed;
  options.bad_lines = bad_lines;
  options.events_per_object = per_object;

  start = g_get_monotonic_time ();
  if (!hw_lake_gen_write (out, &options, &stats, &error))
    {
      g_printerr ("hw-gen-lake: %s\n", error->message);
      return 1;
    }
  seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;

  g_print ("events %" G_GUINT64_FORMAT "\n", stats.events);
  g_print ("bad_lines %" G_GUINT64_FORMAT "\n", stats.bad_lines);
  g_print ("objects %" G_GUINT64_FORMAT "\n", stats.objects);
  g_print ("faults %" G_GUINT64_FORMAT "\n", stats.faults);
  g_print ("wrapped %" G_GUINT64_FORMAT "\n", stats.wrapped);
  g_print ("compressed %" G_GUINT64_FORMAT "\n", stats.compressed);
  g_print ("eem %" G_GUINT64_FORMAT "\n", stats.eem);
  g_print ("raw_bytes %" G_GUINT64_FORMAT "\n", stats.raw_bytes);
  g_print ("gzip_bytes %" G_GUINT64_FORMAT "\n", stats.gzip_bytes);
  g_print ("first_ms %" G_GINT64_FORMAT "\n", stats.first_ms);
  g_print ("last_ms %" G_GINT64_FORMAT "\n", stats.last_ms);
  g_print ("seconds %.2f\n", seconds);
  return 0;
}
