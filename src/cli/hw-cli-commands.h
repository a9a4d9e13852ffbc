/* hw-cli-commands.h: the subcommands of hubwatch-cli, one entry point each
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Each takes the arguments after "hubwatch-cli" (argv[0] is the command
 * name) and returns the process exit status. */
int hw_cli_search    (int argc, char **argv);
int hw_cli_histogram (int argc, char **argv);
int hw_cli_tree      (int argc, char **argv);
int hw_cli_import    (int argc, char **argv);
int hw_cli_team      (int argc, char **argv);
int hw_cli_replay    (int argc, char **argv);
int hw_cli_resubmit  (int argc, char **argv);
int hw_cli_jobs      (int argc, char **argv);

/* The hub named by "hubwatch-cli --hub URL COMMAND", else $HUBWATCH_HUB, else NULL. */
const char *hw_cli_get_hub (void);

G_END_DECLS
