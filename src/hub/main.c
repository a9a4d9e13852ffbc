/* main.c: hubwatchd entry point, kept thin so tests link everything else.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-hubd.h"

int
main (int   argc,
      char *argv[])
{
  return hw_hubd_main (argc, argv);
}
