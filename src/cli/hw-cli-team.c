/* hw-cli-team.c: `hubwatch-cli team`: lead time, deployment rate, change failure rate and MTTR
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gunixinputstream.h>
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "hw-cli-commands.h"
#include "hw-error.h"
#include "hw-hub-client.h"
#include "hw-team-metrics.h"
#include "hw-time.h"

#define EXIT_OK       0
#define EXIT_FAILED   1   /* the file or the hub could not be read */
#define EXIT_USAGE    2   /* bad options or times */
#define EXIT_REJECTED 2   /* metrics printed, but some lines were rejected */

#define MAX_REPORTED_ERRORS 10
/* The hub's largest page of system events. */
#define HUB_LIMIT 10000
#define DEFAULT_FROM "now-30d"

#define TEAM_HELP \
  "Reads deployments and incidents from system events, either an NDJSON file\n" \
  "(one {\"kind\":\"deployment\"|\"incident\",…} object per line; other kinds are\n" \
  "skipped; '-' reads stdin) or a hub (token from $HUBWATCH_TOKEN), and prints\n" \
  "the team's delivery metrics over [--from, --to) (default: the last 30 days).\n\n" \
  "Deployments count when deployed in the window, once per id. Lead time\n" \
  "(deploy − commit) uses successful deployments; median and p90 interpolate\n" \
  "linearly between ranks. Change failure rate: deployments in the window named\n" \
  "as cause_deployment by an incident ÷ deployments in the window. Time to\n" \
  "restore: incidents opened in the window and resolved (median and mean, MTTR);\n" \
  "unresolved ones are counted as open. Hours keep their fractions.\n\n" \
  "Times: epoch milliseconds, ISO-8601 or relative (now-7d, now/d…).\n\n" \
  "With --json the last line is one JSON object: deployments,\n" \
  "deployments_per_week, lead_time_median_hours, lead_time_p90_hours,\n" \
  "change_failure_rate (0–1), time_to_restore_median_hours, mttr_hours,\n" \
  "open_incidents (null where there is nothing to measure) and\n" \
  "classifications (elite, high, medium, low or none).\n\n" \
  "Exit status: 0 on success, 1 when the file or the hub cannot be read,\n" \
  "2 for bad options, or when some lines were rejected (the metrics of the\n" \
  "others are still printed, and the rejected lines named on stderr)."

typedef struct
{
  char     *events_file;
  char     *hub_url;
  char     *from;
  char     *to;
  char     *service;
  gboolean  json;
} TeamOptions;

static void
team_options_clear (TeamOptions *options)
{
  g_clear_pointer (&options->events_file, g_free);
  g_clear_pointer (&options->hub_url, g_free);
  g_clear_pointer (&options->from, g_free);
  g_clear_pointer (&options->to, g_free);
  g_clear_pointer (&options->service, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TeamOptions, team_options_clear)

static GInputStream *
open_input (const char  *path,
            GError     **error)
{
  g_autoptr(GFile) file = NULL;

  if (g_str_equal (path, "-"))
    return g_unix_input_stream_new (STDIN_FILENO, FALSE);
  file = g_file_new_for_commandline_arg (path);
  return G_INPUT_STREAM (g_file_read (file, NULL, error));
}

/* Returns EXIT_OK, EXIT_REJECTED (some lines were bad) or EXIT_FAILED. */
static int
load_file (const char  *path,
           HwTeamInput *input)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) stream = open_input (path, &error);
  g_autoptr(GDataInputStream) lines = NULL;
  guint64 line_number = 0;
  guint rejected = 0;

  if (stream == NULL)
    {
      g_printerr ("hubwatch-cli team: %s\n", error->message);
      return EXIT_FAILED;
    }
  lines = g_data_input_stream_new (stream);
  g_data_input_stream_set_newline_type (lines, G_DATA_STREAM_NEWLINE_TYPE_ANY);

  for (;;)
    {
      g_autoptr(GError) line_error = NULL;
      gsize length = 0;
      g_autofree char *line = g_data_input_stream_read_line (lines, &length, NULL, &error);

      if (line == NULL)
        break;
      line_number++;
      if (hw_team_input_add_line (input, line, (gssize) length, &line_error))
        continue;
      if (rejected++ < MAX_REPORTED_ERRORS)
        g_printerr ("hubwatch-cli team: %s:%" G_GUINT64_FORMAT ": %s\n",
                    path, line_number, line_error->message);
    }
  if (error != NULL)
    {
      g_printerr ("hubwatch-cli team: %s:%" G_GUINT64_FORMAT ": %s\n",
                  path, line_number + 1, error->message);
      return EXIT_FAILED;
    }
  if (rejected == 0)
    return EXIT_OK;
  g_printerr ("hubwatch-cli team: %u line%s of %s rejected\n", rejected, rejected == 1 ? "" : "s", path);
  return EXIT_REJECTED;
}

typedef struct
{
  GPtrArray *events;
  GError    *error;
  gboolean   done;
} HubFetch;

static void
on_listed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  HubFetch *fetch = user_data;

  fetch->events = hw_hub_client_list_system_events_finish (HW_HUB_CLIENT (source), result, &fetch->error);
  fetch->done = TRUE;
}

static gboolean
fetch_kind (HwHubClient  *client,
            const char   *kind,
            gint64        from_ms,
            gint64        to_ms,
            HwTeamInput  *input,
            guint        *rejected)
{
  g_autofree char *from = g_strdup_printf ("%" G_GINT64_FORMAT, from_ms);
  g_autofree char *to = to_ms != G_MAXINT64 ? g_strdup_printf ("%" G_GINT64_FORMAT, to_ms) : NULL;
  HubFetch fetch = { 0 };

  hw_hub_client_list_system_events_async (client, kind, from, to, HUB_LIMIT, NULL, on_listed, &fetch);
  while (!fetch.done)
    g_main_context_iteration (NULL, TRUE);

  if (fetch.events == NULL)
    {
      g_printerr ("hubwatch-cli team: %s: %s\n", hw_hub_client_get_base_url (client), fetch.error->message);
      g_clear_error (&fetch.error);
      return FALSE;
    }
  if (fetch.events->len >= HUB_LIMIT)
    g_printerr ("hubwatch-cli team: the hub returned its maximum of %u %ss; older ones are left out\n",
                HUB_LIMIT, kind);

  for (guint i = 0; i < fetch.events->len; i++)
    {
      HwHubSystemEvent *event = g_ptr_array_index (fetch.events, i);
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), event->raw);
      g_autoptr(GError) error = NULL;

      if (!hw_team_input_add_json (input, node, &error))
        {
          if ((*rejected)++ < MAX_REPORTED_ERRORS)
            g_printerr ("hubwatch-cli team: %s %s: %s\n", kind, event->id, error->message);
        }
    }
  g_ptr_array_unref (fetch.events);
  return TRUE;
}

/* Deployments of the window, and incidents from its start on with no end:
 * an incident after the window may still name a deployment inside it. */
static int
load_hub (const char  *url,
          gint64       from_ms,
          gint64       to_ms,
          HwTeamInput *input)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HwHubClient) client = hw_hub_client_new (url, &error);
  guint rejected = 0;

  if (client == NULL)
    {
      g_printerr ("hubwatch-cli team: --hub: %s\n", error->message);
      return EXIT_USAGE;
    }
  hw_hub_client_set_token (client, g_getenv ("HUBWATCH_TOKEN"));

  if (!fetch_kind (client, "deployment", from_ms, to_ms, input, &rejected)
      || !fetch_kind (client, "incident", from_ms, G_MAXINT64, input, &rejected))
    return EXIT_FAILED;
  if (rejected > 0)
    {
      g_printerr ("hubwatch-cli team: %u system event%s from the hub rejected\n",
                  rejected, rejected == 1 ? "" : "s");
      return EXIT_REJECTED;
    }
  return EXIT_OK;
}

static char *
format_hours (double hours)
{
  if (isnan (hours))
    return g_strdup ("–");
  return g_strdup_printf ("%.2f h", hours);
}

static void
print_table (const HwTeamMetrics *m,
             const char          *service)
{
  g_autofree char *from = hw_time_format_iso8601 (m->from_ms);
  g_autofree char *to = hw_time_format_iso8601 (m->to_ms);
  g_autofree char *lead_median = format_hours (m->lead_time_median_hours);
  g_autofree char *lead_p90 = format_hours (m->lead_time_p90_hours);
  g_autofree char *restore_median = format_hours (m->time_to_restore_median_hours);
  g_autofree char *mttr = format_hours (m->mttr_hours);
  g_autofree char *deploys = g_strdup_printf ("%u (%.2f a week)", m->deployments, m->deployments_per_week);
  g_autofree char *lead = g_strdup_printf ("median %s, p90 %s", lead_median, lead_p90);
  g_autofree char *cfr = g_strdup_printf ("%.1f %% (%u of %u)", m->change_failure_rate * 100,
                                          m->deployments_causing_incidents, m->deployments);
  g_autofree char *restore = g_strdup_printf ("median %s, mean %s", restore_median, mttr);

  g_print ("Team metrics for %s, %s to %s\n", service != NULL ? service : "all services", from, to);
  g_print ("  %-22s %-32s %s\n", "Deployments", deploys,
           hw_team_class_to_string (m->deployment_frequency_class));
  g_print ("  %-22s %-32s %s\n", "Lead time", lead, hw_team_class_to_string (m->lead_time_class));
  g_print ("  %-22s %-32s %s\n", "Change failure rate", cfr,
           hw_team_class_to_string (m->change_failure_class));
  g_print ("  %-22s %-32s %s\n", "Time to restore", restore,
           hw_team_class_to_string (m->time_to_restore_class));
  g_print ("  %-22s %u of %u opened in the window\n", "Open incidents", m->open_incidents, m->incidents);
}

static void
print_json (const HwTeamMetrics *m,
            const char          *service)
{
  g_autoptr(JsonNode) node = hw_team_metrics_to_json (m);
  g_autofree char *text = NULL;

  if (service != NULL)
    json_object_set_string_member (json_node_get_object (node), "service", service);
  else
    json_object_set_null_member (json_node_get_object (node), "service");
  text = json_to_string (node, FALSE);
  g_print ("%s\n", text);
}

static gboolean
parse_window (const TeamOptions *options,
              gint64            *from_ms,
              gint64            *to_ms)
{
  g_autoptr(GError) error = NULL;
  gint64 now = hw_time_now_ms ();

  if (!hw_time_parse (options->from != NULL ? options->from : DEFAULT_FROM, now,
                      HW_TIME_ROUND_DOWN, from_ms, &error))
    {
      g_printerr ("hubwatch-cli team: --from: %s\n", error->message);
      return FALSE;
    }
  if (options->to == NULL)
    *to_ms = now;
  else if (!hw_time_parse (options->to, now, HW_TIME_ROUND_UP, to_ms, &error))
    {
      g_printerr ("hubwatch-cli team: --to: %s\n", error->message);
      return FALSE;
    }
  if (*from_ms >= *to_ms)
    {
      g_printerr ("hubwatch-cli team: --from must be before --to\n");
      return FALSE;
    }
  return TRUE;
}

int
hw_cli_team (int    argc,
             char **argv)
{
  g_auto(TeamOptions) options = { 0 };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(HwTeamInput) input = hw_team_input_new ();
  g_autoptr(GError) error = NULL;
  const GOptionEntry entries[] = {
    { "system-events", 'f', 0, G_OPTION_ARG_FILENAME, &options.events_file,
      "Read system events from FILE (NDJSON, '-' for stdin)", "FILE" },
    { "hub", 0, 0, G_OPTION_ARG_STRING, &options.hub_url,
      "Read system events from the hub at URL", "URL" },
    { "from", 0, 0, G_OPTION_ARG_STRING, &options.from, "Start of the window, inclusive (default now-30d)", "T" },
    { "to", 0, 0, G_OPTION_ARG_STRING, &options.to, "End of the window, exclusive (default now)", "T" },
    { "service", 's', 0, G_OPTION_ARG_STRING, &options.service, "Only this service", "S" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &options.json, "Print one JSON object", NULL },
    { NULL }
  };
  const HwDeployment *deployments;
  const HwIncident *incidents;
  gsize n_deployments, n_incidents;
  gint64 from_ms, to_ms;
  HwTeamMetrics metrics;
  int status;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context, "Delivery metrics of a team: lead time, deployment rate,\n"
                                         "change failure rate and time to restore.");
  g_option_context_set_description (context, TEAM_HELP);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("hubwatch-cli team: %s\n", error->message);
      return EXIT_USAGE;
    }
  if (options.events_file != NULL && options.hub_url != NULL)
    {
      g_printerr ("hubwatch-cli team: give either --system-events FILE or --hub URL\n");
      return EXIT_USAGE;
    }
  /* Like every other command: the global --hub (or $HUBWATCH_HUB) when no
   * source is named here. */
  if (options.events_file == NULL && options.hub_url == NULL)
    options.hub_url = g_strdup (hw_cli_get_hub ());
  if (options.events_file == NULL && (options.hub_url == NULL || options.hub_url[0] == '\0'))
    {
      g_printerr ("hubwatch-cli team: give either --system-events FILE or --hub URL "
                  "(before or after the command) or set HUBWATCH_HUB\n");
      return EXIT_USAGE;
    }
  if (argc > 1)
    {
      g_printerr ("hubwatch-cli team: unexpected argument '%s'\n", argv[1]);
      return EXIT_USAGE;
    }
  if (!parse_window (&options, &from_ms, &to_ms))
    return EXIT_USAGE;

  if (options.events_file != NULL)
    status = load_file (options.events_file, input);
  else
    status = load_hub (options.hub_url, from_ms, to_ms, input);
  if (status != EXIT_OK && status != EXIT_REJECTED)
    return status;

  deployments = hw_team_input_get_deployments (input, &n_deployments);
  incidents = hw_team_input_get_incidents (input, &n_incidents);
  if (!hw_team_metrics_compute (deployments, n_deployments, incidents, n_incidents,
                                options.service, from_ms, to_ms, &metrics, &error))
    {
      g_printerr ("hubwatch-cli team: %s\n", error->message);
      return EXIT_USAGE;
    }

  if (options.json)
    print_json (&metrics, options.service);
  else
    print_table (&metrics, options.service);
  if (fflush (stdout) != 0)
    return EXIT_FAILED;
  return status;
}
