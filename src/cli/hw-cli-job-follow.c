/* hw-cli-job-follow.c: hub calls from a synchronous CLI, and following one job to its end
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hw-cli-commands.h"
#include "hw-cli-job-follow.h"
#include "hw-error.h"
#include "hw-time.h"

#define EXIT_OK          0
#define EXIT_HUB         1

#define POLL_MS          500
/* A hub restart while following a job is normal; a hub gone this long is not. */
#define UNREACHABLE_MS   120000
#define BAR_WIDTH        30

/* ---- talking to the hub ------------------------------------------------- */

void
hw_cli_on_ready (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* The CLI is synchronous: it runs the default context until the call ends. */
GAsyncResult *
hw_cli_wait_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static gboolean
on_poll_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
pause_ms (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, on_poll_timeout, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

HwHubClient *
hw_cli_open_client (const char *prog,
                    const char *hub_url)
{
  g_autoptr(GError) error = NULL;
  HwHubClient *client;
  const char *url = hub_url != NULL ? hub_url : hw_cli_get_hub ();

  if (url == NULL || *url == '\0')
    {
      g_printerr ("hubwatch-cli %s: no hub: give --hub URL (before or after the command) or set HUBWATCH_HUB\n",
                  prog);
      return NULL;
    }
  if ((client = hw_hub_client_new (url, &error)) == NULL)
    {
      g_printerr ("hubwatch-cli %s: --hub: %s\n", prog, error->message);
      return NULL;
    }
  /* The token comes from the environment only, so it never shows in ps. */
  hw_hub_client_set_token (client, g_getenv ("HUBWATCH_TOKEN"));
  return client;
}

int
hw_cli_hub_failed (const char   *prog,
                   HwHubClient  *client,
                   const GError *error)
{
  g_printerr ("hubwatch-cli %s: %s: %s\n", prog, hw_hub_client_get_base_url (client), error->message);
  return EXIT_HUB;
}

HwHubJob *
hw_cli_get_job (HwHubClient  *client,
                const char   *id,
                GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  hw_hub_client_get_job_async (client, id, NULL, hw_cli_on_ready, &result);
  return hw_hub_client_get_job_finish (client, hw_cli_wait_result (&result), error);
}

/* ---- printing ----------------------------------------------------------- */

void
hw_cli_print_json_object (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);
  g_autofree char *text = json_to_string (node, FALSE);

  g_print ("%s\n", text);
}

char *
hw_cli_format_time (gint64 ms)
{
  return ms > 0 ? hw_time_format_iso8601 (ms) : g_strdup ("–");
}

static gboolean
job_is_final (const HwHubJob *job)
{
  return g_strcmp0 (job->state, "done") == 0 || g_strcmp0 (job->state, "failed") == 0
         || g_strcmp0 (job->state, "cancelled") == 0;
}

static int
job_percent (const HwHubJob *job)
{
  if (job->total <= 0)
    return job_is_final (job) ? 100 : 0;
  return (int) (MIN (job->acked + job->failed, job->total) * 100 / job->total);
}

void
hw_cli_print_job_details (const HwHubJob *job)
{
  g_autofree char *created = hw_cli_format_time (job->created_at_ms);
  g_autofree char *updated = hw_cli_format_time (job->updated_at_ms);
  const char *error = json_object_get_string_member_with_default (job->raw, "error", NULL);

  g_print ("%-12s %s\n", "Job", job->id);
  g_print ("%-12s %s\n", "Kind", job->kind != NULL ? job->kind : "–");
  g_print ("%-12s %s\n", "State", job->state != NULL ? job->state : "–");
  g_print ("%-12s %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " acknowledged, %" G_GINT64_FORMAT
           " failed, %" G_GINT64_FORMAT " sent (%d %%)\n", "Progress",
           job->acked, job->total, job->failed, job->sent, job_percent (job));
  g_print ("%-12s %s\n", "Requested by", job->requested_by != NULL ? job->requested_by : "–");
  g_print ("%-12s %s\n", "Created", created);
  g_print ("%-12s %s\n", "Updated", updated);
  if (job->listener != NULL)
    g_print ("%-12s %s\n", "Listener", job->listener);
  if (job->idempotency_key != NULL)
    g_print ("%-12s %s\n", "Key", job->idempotency_key);
  if (error != NULL)
    g_print ("%-12s %s\n", "Error", error);
}

static void
print_job_line (const HwHubJob *job)
{
  g_print ("%s %s: %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " acknowledged, %" G_GINT64_FORMAT
           " failed, %" G_GINT64_FORMAT " sent\n", job->id, job->state != NULL ? job->state : "?",
           job->acked, job->total, job->failed, job->sent);
}

static void
print_job_bar (const HwHubJob *job)
{
  int percent = job_percent (job);
  int filled = percent * BAR_WIDTH / 100;
  char bar[BAR_WIDTH + 1];

  memset (bar, '#', filled);
  memset (bar + filled, '.', BAR_WIDTH - filled);
  bar[BAR_WIDTH] = '\0';
  /* \r and a cleared line end: the bar redraws in place. */
  g_print ("\r[%s] %3d %%  %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT " acked, %" G_GINT64_FORMAT " failed  %-10s\033[K",
           bar, percent, job->acked, job->total, job->failed, job->state != NULL ? job->state : "");
  fflush (stdout);
}

HwCliOutput
hw_cli_choose_output (gboolean json)
{
  if (json)
    return HW_CLI_OUTPUT_JSON;
  return isatty (STDOUT_FILENO) ? HW_CLI_OUTPUT_BAR : HW_CLI_OUTPUT_LINES;
}

static void
show_progress (const HwHubJob *job,
               HwCliOutput     output)
{
  switch (output)
    {
    case HW_CLI_OUTPUT_BAR: print_job_bar (job); break;
    case HW_CLI_OUTPUT_LINES: print_job_line (job); break;
    case HW_CLI_OUTPUT_JSON: hw_cli_print_json_object (job->raw); break;
    default: g_assert_not_reached ();
    }
}

static gboolean
same_progress (const HwHubJob *a,
               const HwHubJob *b)
{
  return a != NULL && b != NULL && g_strcmp0 (a->state, b->state) == 0 && a->sent == b->sent
         && a->acked == b->acked && a->failed == b->failed && a->total == b->total;
}

/* ---- following a job ---------------------------------------------------- */

static int
finish_follow (const char     *prog,
               const HwHubJob *job,
               HwCliOutput     output)
{
  const char *error = json_object_get_string_member_with_default (job->raw, "error", NULL);

  if (output == HW_CLI_OUTPUT_BAR)
    g_print ("\n");
  if (output != HW_CLI_OUTPUT_JSON)
    {
      g_print ("Job %s %s: %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " acknowledged, %" G_GINT64_FORMAT
               " failed\n", job->id, job->state, job->acked, job->total, job->failed);
      if (error != NULL)
        g_print ("Error: %s\n", error);
    }
  if (g_str_equal (job->state, "done"))
    return EXIT_OK;
  g_printerr ("hubwatch-cli %s: job %s ended %s%s%s\n", prog, job->id, job->state,
              error != NULL ? ": " : "", error != NULL ? error : "");
  return EXIT_HUB;
}

/* Polls the job until it ends, showing each change. The hub may restart
 * meanwhile (its jobs resume): an unreachable hub is retried for a while. */
int
hw_cli_follow_job (const char  *prog,
                   HwHubClient *client,
                   HwHubJob    *started,
                   HwCliOutput  output)
{
  g_autoptr(HwHubJob) last = hw_hub_job_copy (started);
  gint64 unreachable_since = 0;

  show_progress (last, output);
  while (!job_is_final (last))
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HwHubJob) job = NULL;

      pause_ms (POLL_MS);
      job = hw_cli_get_job (client, last->id, &error);
      if (job == NULL && g_error_matches (error, HW_ERROR, HW_ERROR_UNAVAILABLE))
        {
          gint64 now = g_get_monotonic_time () / 1000;

          if (unreachable_since == 0)
            {
              unreachable_since = now;
              if (output == HW_CLI_OUTPUT_BAR)
                g_print ("\n");
              g_printerr ("hubwatch-cli %s: %s; retrying\n", prog, error->message);
            }
          if (now - unreachable_since < UNREACHABLE_MS)
            continue;
        }
      if (job == NULL)
        {
          if (output == HW_CLI_OUTPUT_BAR)
            g_print ("\n");
          return hw_cli_hub_failed (prog, client, error);
        }
      if (unreachable_since != 0)
        g_printerr ("hubwatch-cli %s: the hub is back; job %s is %s\n", prog, job->id, job->state);
      unreachable_since = 0;
      if (!same_progress (job, last))
        show_progress (job, output);
      g_clear_pointer (&last, hw_hub_job_free);
      last = g_steal_pointer (&job);
    }
  return finish_follow (prog, last, output);
}
