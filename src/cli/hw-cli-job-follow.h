/* hw-cli-job-follow.h: hub calls from a synchronous CLI, and following one job to its end
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hw-hub-client.h"

G_BEGIN_DECLS

/* An async call made synchronous: pass hw_cli_on_ready with a pointer to a
 * NULL GAsyncResult* as user data, then hw_cli_wait_result() on it, which
 * iterates the default main context until the result arrives. */
void          hw_cli_on_ready          (GObject       *source,
                                        GAsyncResult  *result,
                                        gpointer       user_data);
GAsyncResult *hw_cli_wait_result       (GAsyncResult **slot);

/* A client for @hub_url, else the global --hub / $HUBWATCH_HUB, with the
 * token from $HUBWATCH_TOKEN; NULL (after telling why, as "hubwatch-cli
 * @prog: …") when there is no usable URL. */
HwHubClient  *hw_cli_open_client       (const char    *prog,
                                        const char    *hub_url);
/* Prints the hub's error and returns exit status 1. */
int           hw_cli_hub_failed        (const char    *prog,
                                        HwHubClient   *client,
                                        const GError  *error);
HwHubJob     *hw_cli_get_job           (HwHubClient   *client,
                                        const char    *id,
                                        GError       **error);

/* One line of compact JSON. */
void          hw_cli_print_json_object (JsonObject    *object);
/* ISO-8601 UTC, or "–" for 0. */
char         *hw_cli_format_time       (gint64         ms);
void          hw_cli_print_job_details (const HwHubJob *job);

typedef enum
{
  HW_CLI_OUTPUT_BAR,     /* a progress bar redrawn in place: stdout is a terminal */
  HW_CLI_OUTPUT_LINES,   /* one line per change */
  HW_CLI_OUTPUT_JSON,    /* one job object per change; the last is the final job */
} HwCliOutput;

HwCliOutput   hw_cli_choose_output     (gboolean       json);

/* Shows @started, then polls the job until it is done, failed or cancelled,
 * showing each change. An unreachable hub (say, restarting) is retried for
 * two minutes. Returns exit status 0 when the job ended done, else 1. */
int           hw_cli_follow_job        (const char    *prog,
                                        HwHubClient   *client,
                                        HwHubJob      *started,
                                        HwCliOutput    output);

G_END_DECLS
