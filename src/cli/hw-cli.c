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

static const char *global_hub;

/* Subcommands register here; each one parses its own options. */
static const HwCliCommand commands[] = {
  { "version", "Print the version", cli_version },
  { "search", "Search the events of a cache (NDJSON, or --count)", hw_cli_search },
  { "histogram", "Count matching events over time", hw_cli_histogram },
  { "tree", "Count matching events by year, month, day and hour", hw_cli_tree },
  { "import", "Import lake objects (files, trees, stdin) into a cache", hw_cli_import },
  { "team", "Lead time, deployment rate, change failure rate and MTTR", hw_cli_team },
  { "replay", "Replay lake events of a time range to one listener (dry run unless --yes)", hw_cli_replay },
  { "resubmit", "Resubmit faults to the functions that raised them (dry run unless --yes)", hw_cli_resubmit },
  { "jobs", "List, show, cancel or follow the hub's replay and resubmission jobs", hw_cli_jobs },
};

static int
cli_version (int    argc,
             char **argv)
{
  g_print ("hubwatch-cli %s\n", PACKAGE_VERSION);
  return 0;
}

const char *
hw_cli_get_hub (void)
{
  return global_hub != NULL ? global_hub : g_getenv ("HUBWATCH_HUB");
}

/* "--hub URL" (or "--hub=URL") before the command; the command then sees
 * argv as if it had not been there. Returns FALSE when the URL is missing. */
static gboolean
take_global_hub (int    *argc,
                 char ***argv)
{
  while (*argc >= 2 && (g_str_equal ((*argv)[1], "--hub") || g_str_has_prefix ((*argv)[1], "--hub=")))
    {
      int used = g_str_equal ((*argv)[1], "--hub") ? 2 : 1;

      if (*argc < used + 1)
        return FALSE;
      global_hub = used == 2 ? (*argv)[2] : (*argv)[1] + strlen ("--hub=");
      (*argv)[used] = (*argv)[0];
      *argv += used;
      *argc -= used;
    }
  return TRUE;
}

static void
print_usage (void)
{
  g_print ("Usage: hubwatch-cli [--hub URL] COMMAND [OPTION…]\n\n"
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

  if (!take_global_hub (&argc, &argv))
    {
      g_printerr ("hubwatch-cli: --hub needs a URL\n");
      return 2;
    }
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
