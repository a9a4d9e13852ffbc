/* main.c: the console's entry point, kept thin so tests link everything else.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "hw-application.h"
#include "hw-frame-memory.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(HwApplication) app = NULL;

  /* Frames on the cairo renderer faulted their memory in anew: see there. */
  hw_frame_memory_keep ();
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = hw_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
