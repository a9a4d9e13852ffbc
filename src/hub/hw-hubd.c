/* hw-hubd.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <locale.h>

#include "hw-hubd.h"

int
hw_hubd_main (int    argc,
              char **argv)
{
  gboolean show_version = FALSE;
  GOptionEntry entries[] = {
    { "version", 0, 0, G_OPTION_ARG_NONE, &show_version, "Print the version and exit", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- Hubwatch reference subsystem hub");
  g_autoptr(GError) error = NULL;

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("hubwatchd: %s\n", error->message);
      return 2;
    }

  if (show_version)
    {
      g_print ("hubwatchd %s\n", PACKAGE_VERSION);
      return 0;
    }

  g_printerr ("hubwatchd: --listen and --data-dir are required\n");
  return 2;
}
