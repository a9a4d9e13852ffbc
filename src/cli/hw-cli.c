/* hw-cli.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "hw-cli.h"
#include "hw-cli-commands.h"

typedef int (*HwCliCommandFunc) (int argc, char **argv);

typedef struct
{
  const char       *name;
  const char       *summary;
  HwCliCommandFunc  run;
} HwCliCommand;

static int cli_version (int argc, char **argv);

/* Subcommands register here; each one parses its own options. */
static const HwCliCommand commands[] = {
  { "version", "Print the version", cli_version },
  { "search", "Search the events of a cache (NDJSON, or --count)", hw_cli_search },
  { "histogram", "Count matching events over time", hw_cli_histogram },
  { "tree", "Count matching events by year, month, day and hour", hw_cli_tree },
  { "import", "Import lake objects (files, trees, stdin) into a cache", hw_cli_import },
  { "team", "Lead time, deployment rate, change failure rate and MTTR", hw_cli_team },
};

static int
cli_version (int    argc,
             char **argv)
{
  g_print ("hubwatch-cli %s\n", PACKAGE_VERSION);
  return 0;
}

static void
print_usage (void)
{
  g_print ("Usage: hubwatch-cli COMMAND [OPTION…]\n\n"
           "Hubwatch from a terminal.\n\nCommands:\n");
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    g_print ("  %-12s %s\n", commands[i].name, commands[i].summary);
  g_print ("\nRun 'hubwatch-cli COMMAND --help' for the options of a command.\n");
}

int
hw_cli_main (int    argc,
             char **argv)
{
  setlocale (LC_ALL, "");

  if (argc < 2 || g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h")
      || g_str_equal (argv[1], "help"))
    {
      print_usage ();
      return argc < 2 ? 2 : 0;
    }

  if (g_str_equal (argv[1], "--version"))
    return cli_version (argc, argv);

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      return commands[i].run (argc - 1, argv + 1);

  g_printerr ("hubwatch-cli: unknown command '%s'. See 'hubwatch-cli --help'.\n", argv[1]);
  return 2;
}
