/* hw-cli-import.c: `hubwatch-cli import`, lake objects into a cache file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "hw-cli-commands.h"
#include "hw-error.h"
#include "hw-event-store.h"
#include "hw-importer.h"
#include "hw-mask.h"

#define EXIT_OK       0
#define EXIT_FAILED   1   /* nothing or not everything could be imported */
#define EXIT_REJECTED 2   /* imported, but some lines were bad; also bad usage */

#define PROGRESS_INTERVAL_US (G_USEC_PER_SEC / 5)

#define IMPORT_HELP \
  "Imports lake objects into a cache. Each PATH is a file, a directory tree\n" \
  "(the lake layout <region>/YYYY/MM/DD/HH/<object>, walked in sorted order)\n" \
  "or - for standard input. Objects are gzip when they start with the gzip\n" \
  "magic bytes, whatever their name; otherwise plain text. Each line is one\n" \
  "event: bare, wrapped by the bus ({\"detail-type\",…,\"detail\":{…}}) or a\n" \
  "fault. Blank lines are ignored.\n\n" \
  "Events are keyed by id: importing the same objects again adds nothing, and\n" \
  "an id seen twice is counted once as imported and then as a duplicate.\n" \
  "Lines that are not valid events (bad JSON, missing or mistyped id, type or\n" \
  "timestamp, invalid UTF-8, over 1 MiB, nested deeper than 64, broken\n" \
  "COMPRESSED values) are skipped, counted as rejected, and the first ones\n" \
  "reported as FILE:LINE: FIELD: REASON.\n\n" \
  "Unless --no-mask is given, fields listed in eem.fields, email addresses and\n" \
  "card numbers are masked before they are stored or indexed.\n\n" \
  "With --json the last line of output is one JSON object:\n" \
  "  {\"imported\":N,\"duplicates\":N,\"rejected\":N,\"errors\":[\"FILE:LINE: …\"]}\n\n" \
  "Exit status: 0 when every line was imported (or was a duplicate), 2 when\n" \
  "some lines were rejected or the options are wrong, 1 when the cache cannot\n" \
  "be opened or written, or a PATH does not exist."

typedef struct
{
  gboolean json;
  gboolean show_progress;
  gint64   last_progress_us;
} ImportUi;

static void
print_progress (const HwImportReport *report,
                gpointer              user_data)
{
  ImportUi *ui = user_data;
  gint64 now = g_get_monotonic_time ();

  if (!ui->show_progress || now - ui->last_progress_us < PROGRESS_INTERVAL_US)
    return;
  ui->last_progress_us = now;
  g_printerr ("\r%" G_GUINT64_FORMAT " imported, %" G_GUINT64_FORMAT " duplicates, %"
              G_GUINT64_FORMAT " rejected…", report->imported, report->duplicates, report->rejected);
}

static void
print_summary (const HwImportReport *report)
{
  guint64 shown = report->errors->len;

  g_print ("%" G_GUINT64_FORMAT " imported, %" G_GUINT64_FORMAT " duplicates, %"
           G_GUINT64_FORMAT " rejected\n", report->imported, report->duplicates, report->rejected);
  for (guint i = 0; i < report->errors->len; i++)
    g_print ("  %s\n", (const char *) g_ptr_array_index (report->errors, i));
  if (report->rejected > shown)
    g_print ("  … and %" G_GUINT64_FORMAT " more rejected\n", report->rejected - shown);
}

static void
print_report (const HwImportReport *report,
              gboolean              json)
{
  g_autofree char *text = NULL;

  if (!json)
    {
      print_summary (report);
      return;
    }
  text = hw_import_report_to_json (report);
  g_print ("%s\n", text);
}

static gboolean
check_paths (char **paths)
{
  guint stdin_count = 0;

  if (paths == NULL || paths[0] == NULL)
    {
      g_printerr ("hubwatch-cli import: no PATH given. See 'hubwatch-cli import --help'.\n");
      return FALSE;
    }
  for (guint i = 0; paths[i] != NULL; i++)
    if (g_str_equal (paths[i], "-"))
      stdin_count++;
  if (stdin_count > 1)
    {
      g_printerr ("hubwatch-cli import: standard input (-) can be read only once\n");
      return FALSE;
    }
  return TRUE;
}

int
hw_cli_import (int    argc,
               char **argv)
{
  g_autofree char *cache = NULL;
  g_auto(GStrv) paths = NULL;
  gboolean json = FALSE;
  gboolean no_mask = FALSE;
  gboolean quiet = FALSE;
  int max_errors = HW_IMPORT_DEFAULT_MAX_ERRORS;
  const GOptionEntry entries[] = {
    { "cache", 'c', 0, G_OPTION_ARG_FILENAME, &cache, "The cache (SQLite file) to import into; created if missing", "FILE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print the result as one JSON object on the last line", NULL },
    { "no-mask", 0, 0, G_OPTION_ARG_NONE, &no_mask, "Store eem fields and PII unmasked", NULL },
    { "max-errors", 0, 0, G_OPTION_ARG_INT, &max_errors, "Report at most N rejected lines (default 20)", "N" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "No progress on the terminal", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &paths, NULL, "PATH…" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("PATH… — import lake objects into a cache");
  g_autoptr(GError) error = NULL;
  g_autoptr(HwEventStore) store = NULL;
  g_autoptr(HwImportReport) report = NULL;
  HwImportOptions options;
  ImportUi ui = { 0 };
  gboolean ok;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context, IMPORT_HELP);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("hubwatch-cli import: %s\n", error->message);
      return EXIT_REJECTED;
    }
  if (cache == NULL)
    {
      g_printerr ("hubwatch-cli import: --cache FILE is required\n");
      return EXIT_REJECTED;
    }
  if (max_errors < 1)
    {
      g_printerr ("hubwatch-cli import: --max-errors must be at least 1\n");
      return EXIT_REJECTED;
    }
  if (!check_paths (paths))
    return EXIT_REJECTED;

  store = hw_event_store_open (cache, HW_EVENT_STORE_FLAGS_NONE, &error);
  if (store == NULL)
    {
      g_printerr ("hubwatch-cli import: %s: %s\n", cache, error->message);
      return EXIT_FAILED;
    }
  if (hw_event_store_get_recovery_message (store) != NULL)
    g_printerr ("hubwatch-cli import: %s\n", hw_event_store_get_recovery_message (store));

  if (!no_mask)
    {
      g_autoptr(HwMaskRules) rules = hw_mask_rules_new (HW_MASK_DEFAULT);

      hw_event_store_set_mask_rules (store, rules);
    }

  hw_import_options_init (&options);
  options.max_errors = max_errors;
  ui.json = json;
  ui.show_progress = !quiet && isatty (STDERR_FILENO);

  report = hw_import_report_new ();
  ok = hw_importer_import_paths (store, (const char * const *) paths, &options, report,
                                 print_progress, &ui, NULL, &error);
  if (ui.last_progress_us != 0)
    g_printerr ("\n");

  if (!ok)
    {
      g_printerr ("hubwatch-cli import: %s\n", error->message);
      if (json)
        print_report (report, TRUE);
      return EXIT_FAILED;
    }

  print_report (report, json);
  return report->rejected > 0 ? EXIT_REJECTED : EXIT_OK;
}
