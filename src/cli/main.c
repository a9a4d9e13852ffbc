/* main.c: hubwatch-cli entry point, kept thin so tests link everything else.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-cli.h"

int
main (int   argc,
      char *argv[])
{
  return hw_cli_main (argc, argv);
}
