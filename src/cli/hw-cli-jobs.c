/* hw-cli-jobs.c: `hubwatch-cli replay`, `resubmit` and `jobs`: hub jobs from a terminal
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-cli-commands.h"
#include "hw-cli-job-follow.h"
#include "hw-hub-client.h"
#include "hw-time.h"

#define EXIT_OK      0   /* 1: the hub refused or failed (hw_cli_hub_failed ()) */
#define EXIT_USAGE   2   /* bad options */

#define SAMPLE_LINES 5

typedef struct
{
  char     *hub_url;
  gboolean  yes;
  gboolean  json;
  double    rate;        /* < 0: the hub's default */
  int       parallel;    /* 0: the hub's default */
} CommonOptions;

static void
common_options_clear (CommonOptions *options)
{
  g_clear_pointer (&options->hub_url, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CommonOptions, common_options_clear)

/* ---- replay and resubmit ------------------------------------------------ */

static void
print_counts (const char *title,
              JsonObject *counts)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  if (counts == NULL || json_object_get_size (counts) == 0)
    return;
  g_print ("%s:\n", title);
  json_object_iter_init (&iter, counts);
  while (json_object_iter_next (&iter, &name, &value))
    g_print ("  %-32s %" G_GINT64_FORMAT "\n", *name != '\0' ? name : "(none)", json_node_get_int (value));
}

static void
print_sample (JsonArray *sample,
              gboolean   faults)
{
  guint n = sample != NULL ? MIN (json_array_get_length (sample), SAMPLE_LINES) : 0;

  if (n == 0)
    return;
  g_print ("Sample:\n");
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (sample, i);
      JsonObject *event = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      g_autofree char *when = NULL;
      JsonObject *err;

      if (event == NULL)
        continue;
      when = hw_cli_format_time (json_object_get_int_member_with_default (event, "timestamp", 0));
      err = json_object_has_member (event, "err") ? json_object_get_object_member (event, "err") : NULL;
      if (faults && err != NULL)
        g_print ("  %-24s %s  %s\n", json_object_get_string_member_with_default (event, "id", "?"), when,
                 json_object_get_string_member_with_default (err, "message", ""));
      else
        g_print ("  %-24s %s  %s\n", json_object_get_string_member_with_default (event, "id", "?"), when,
                 json_object_get_string_member_with_default (event, "type", ""));
    }
}

static void
print_dry_run (HwHubSubmitKind  kind,
               JsonObject      *answer,
               const char      *what)
{
  gint64 count = json_object_get_int_member_with_default (answer, "count", 0);
  JsonArray *sample = json_object_has_member (answer, "sample") ?
                      json_object_get_array_member (answer, "sample") : NULL;

  if (kind == HW_HUB_SUBMIT_REPLAY)
    {
      g_print ("Dry run: %" G_GINT64_FORMAT " event%s would be replayed %s\n", count, count == 1 ? "" : "s", what);
      print_counts ("By type", json_object_has_member (answer, "by_type") ?
                               json_object_get_object_member (answer, "by_type") : NULL);
    }
  else
    {
      JsonArray *missing = json_object_has_member (answer, "missing_targets") ?
                           json_object_get_array_member (answer, "missing_targets") : NULL;

      g_print ("Dry run: %" G_GINT64_FORMAT " fault%s would be resubmitted\n", count, count == 1 ? "" : "s");
      print_counts ("Targets", json_object_has_member (answer, "targets") ?
                               json_object_get_object_member (answer, "targets") : NULL);
      for (guint i = 0; missing != NULL && i < json_array_get_length (missing); i++)
        g_print ("Warning: no listener named '%s': its faults cannot be delivered\n",
                 json_array_get_string_element (missing, i));
    }
  print_sample (sample, kind == HW_HUB_SUBMIT_RESUBMISSION);
  g_print ("Nothing was sent. Run again with --yes to %s.\n",
           kind == HW_HUB_SUBMIT_REPLAY ? "start the replay" : "resubmit");
  if (kind == HW_HUB_SUBMIT_REPLAY)
    g_print ("A replay delivers duplicates and out-of-order events: the listener must be idempotent.\n");
}

/* Dry run unless --yes; with --yes, starts the job under a fresh
 * idempotency key and follows it to its end. */
static int
submit (const char          *prog,
        HwHubSubmitKind      kind,
        JsonObject          *body,
        const CommonOptions *options,
        const char          *what)
{
  g_autoptr(HwHubClient) client = hw_cli_open_client (prog, options->hub_url);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(HwHubSubmitResult) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  HwCliOutput output = hw_cli_choose_output (options->json);

  if (client == NULL)
    return EXIT_USAGE;
  if (options->rate >= 0)
    json_object_set_double_member (body, "rate", options->rate);
  if (options->parallel > 0)
    json_object_set_int_member (body, "parallel", options->parallel);

  if (options->yes)
    key = g_uuid_string_random ();
  hw_hub_client_submit_async (client, kind, body, !options->yes, key, NULL, hw_cli_on_ready, &result);
  answer = hw_hub_client_submit_finish (client, hw_cli_wait_result (&result), &error);
  if (answer == NULL)
    return hw_cli_hub_failed (prog, client, error);

  if (!options->yes)
    {
      if (options->json)
        hw_cli_print_json_object (answer->raw);
      else
        print_dry_run (kind, answer->raw, what);
      return EXIT_OK;
    }

  /* Keep stdout JSON lines only; the job objects carry the key as well. */
  if (output == HW_CLI_OUTPUT_JSON)
    g_printerr ("Idempotency key: %s\n", key);
  else
    g_print ("Idempotency key: %s\nStarted %s %s: %" G_GINT64_FORMAT " to send\n", key,
             answer->job->kind != NULL ? answer->job->kind : "job", answer->job->id, answer->job->total);
  return hw_cli_follow_job (prog, client, answer->job, output);
}

static gboolean
parse_common (const char     *prog,
              GOptionContext *context,
              int            *argc,
              char         ***argv)
{
  g_autoptr(GError) error = NULL;

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_printerr ("hubwatch-cli %s: %s\n", prog, error->message);
      return FALSE;
    }
  if (*argc > 1)
    {
      g_printerr ("hubwatch-cli %s: unexpected argument '%s'\n", prog, (*argv)[1]);
      return FALSE;
    }
  return TRUE;
}

static void
add_common_entries (GOptionContext *context,
                    CommonOptions  *options,
                    gboolean        submitting)
{
  const GOptionEntry common[] = {
    { "hub", 0, 0, G_OPTION_ARG_STRING, &options->hub_url, "The hub (default: the global --hub or $HUBWATCH_HUB)", "URL" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &options->json, "Print JSON lines (the last one is the final job)", NULL },
    { NULL }
  };
  const GOptionEntry submission[] = {
    { "rate", 0, 0, G_OPTION_ARG_DOUBLE, &options->rate, "Events per second (0: unlimited; default: the hub's)", "N" },
    { "parallel", 0, 0, G_OPTION_ARG_INT, &options->parallel, "Requests in flight at once (1–64)", "N" },
    { "yes", 'y', 0, G_OPTION_ARG_NONE, &options->yes, "Really send (without it: a dry run)", NULL },
    { NULL }
  };

  g_option_context_add_main_entries (context, common, NULL);
  if (submitting)
    g_option_context_add_main_entries (context, submission, NULL);
}

static gboolean
check_run_options (const char          *prog,
                   const CommonOptions *options)
{
  if (options->parallel < 0 || options->parallel > 64)
    {
      g_printerr ("hubwatch-cli %s: --parallel must be between 1 and 64\n", prog);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_time_option (const char *name,
                   const char *text,
                   HwTimeRound round,
                   gint64      now,
                   gint64     *out)
{
  g_autoptr(GError) error = NULL;

  if (hw_time_parse (text, now, round, out, &error))
    return TRUE;
  g_printerr ("hubwatch-cli replay: --%s: %s\n", name, error->message);
  return FALSE;
}

#define REPLAY_HELP \
  "Sends the lake events of [--from, --to), optionally filtered by --query,\n" \
  "to ONE listener, in timestamp order (they are never republished to the bus).\n" \
  "Without --yes this is a dry run: it prints how many events would be sent,\n" \
  "by type, and a sample. With --yes it starts the replay under a new\n" \
  "idempotency key (printed) and follows the job to its end.\n\n" \
  "Times: epoch milliseconds, ISO-8601 or relative (now-1h, now/d…).\n" \
  "The token comes from $HUBWATCH_TOKEN (the operator role is needed).\n\n" \
  "Exit status: 0 on success, 1 when the hub refuses or the job fails, 2 for bad options."

int
hw_cli_replay (int    argc,
               char **argv)
{
  g_auto(CommonOptions) options = { .rate = -1 };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(JsonObject) body = json_object_new ();
  g_autofree char *listener = NULL;
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  g_autofree char *query = NULL;
  g_autofree char *from_iso = NULL;
  g_autofree char *to_iso = NULL;
  g_autofree char *what = NULL;
  const GOptionEntry entries[] = {
    { "listener", 'l', 0, G_OPTION_ARG_STRING, &listener, "The listener to send to", "NAME" },
    { "from", 0, 0, G_OPTION_ARG_STRING, &from, "Start of the range, inclusive", "T" },
    { "to", 0, 0, G_OPTION_ARG_STRING, &to, "End of the range, exclusive (default now)", "T" },
    { "query", 'q', 0, G_OPTION_ARG_STRING, &query, "Only events matching this query", "Q" },
    { NULL }
  };
  gint64 now = hw_time_now_ms (), from_ms, to_ms = now;

  g_option_context_add_main_entries (context, entries, NULL);
  add_common_entries (context, &options, TRUE);
  g_option_context_set_summary (context, "Replay lake events of a time range to one listener.");
  g_option_context_set_description (context, REPLAY_HELP);
  if (!parse_common ("replay", context, &argc, &argv) || !check_run_options ("replay", &options))
    return EXIT_USAGE;
  if (listener == NULL || from == NULL)
    {
      g_printerr ("hubwatch-cli replay: --listener and --from are required\n");
      return EXIT_USAGE;
    }
  if (!parse_time_option ("from", from, HW_TIME_ROUND_DOWN, now, &from_ms)
      || (to != NULL && !parse_time_option ("to", to, HW_TIME_ROUND_UP, now, &to_ms)))
    return EXIT_USAGE;
  if (from_ms >= to_ms)
    {
      g_printerr ("hubwatch-cli replay: --from must be before --to\n");
      return EXIT_USAGE;
    }

  /* Absolute times, so the dry run and the real run cover the same range. */
  json_object_set_string_member (body, "listener", listener);
  json_object_set_int_member (body, "from", from_ms);
  json_object_set_int_member (body, "to", to_ms);
  if (query != NULL && *query != '\0')
    json_object_set_string_member (body, "query", query);
  from_iso = hw_time_format_iso8601 (from_ms);
  to_iso = hw_time_format_iso8601 (to_ms);
  what = g_strdup_printf ("to listener '%s' (%s to %s)", listener, from_iso, to_iso);
  return submit ("replay", HW_HUB_SUBMIT_REPLAY, body, &options, what);
}

/* "FUNCTION|PIPELINE|MESSAGE"; empty parts match any, and the message may
 * itself hold '|'. */
static JsonObject *
parse_group (const char *text)
{
  g_auto(GStrv) parts = g_strsplit (text, "|", 3);
  static const char * const members[] = { "functionname", "pipeline", "message" };
  JsonObject *group = json_object_new ();

  for (guint i = 0; parts[i] != NULL && i < G_N_ELEMENTS (members); i++)
    if (*parts[i] != '\0')
      json_object_set_string_member (group, members[i], parts[i]);
  if (json_object_get_size (group) == 0)
    g_clear_pointer (&group, json_object_unref);
  return group;
}

#define RESUBMIT_HELP \
  "Sends each selected fault's original record(s) back to the function named by\n" \
  "its tags.functionname. Select faults by id (--fault, repeatable) or a whole\n" \
  "group (--group 'FUNCTION|PIPELINE|MESSAGE', as `hubwatch-cli` and the console\n" \
  "show fault groups; an empty part matches any). A group only takes faults not\n" \
  "resubmitted yet. Without --yes this is a dry run: count, target functions\n" \
  "and a sample. With --yes the resubmission starts under a new idempotency key\n" \
  "(printed) and the job is followed to its end.\n\n" \
  "The token comes from $HUBWATCH_TOKEN (the operator role is needed).\n\n" \
  "Exit status: 0 on success, 1 when the hub refuses or the job fails, 2 for bad options."

int
hw_cli_resubmit (int    argc,
                 char **argv)
{
  g_auto(CommonOptions) options = { .rate = -1 };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(JsonObject) body = json_object_new ();
  g_auto(GStrv) fault_ids = NULL;
  g_autofree char *group_text = NULL;
  const GOptionEntry entries[] = {
    { "fault", 'f', 0, G_OPTION_ARG_STRING_ARRAY, &fault_ids, "A fault to resubmit (repeatable)", "ID" },
    { "group", 'g', 0, G_OPTION_ARG_STRING, &group_text, "Every new fault of a group", "FUNCTION|PIPELINE|MESSAGE" },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  add_common_entries (context, &options, TRUE);
  g_option_context_set_summary (context, "Resubmit faults to the functions that raised them.");
  g_option_context_set_description (context, RESUBMIT_HELP);
  if (!parse_common ("resubmit", context, &argc, &argv) || !check_run_options ("resubmit", &options))
    return EXIT_USAGE;
  if ((fault_ids == NULL) == (group_text == NULL))
    {
      g_printerr ("hubwatch-cli resubmit: give either --fault ID (repeatable) or --group 'FUNCTION|PIPELINE|MESSAGE'\n");
      return EXIT_USAGE;
    }

  if (fault_ids != NULL)
    {
      JsonArray *ids = json_array_new ();

      for (guint i = 0; fault_ids[i] != NULL; i++)
        json_array_add_string_element (ids, fault_ids[i]);
      json_object_set_array_member (body, "fault_ids", ids);
    }
  else
    {
      JsonObject *group = parse_group (group_text);

      if (group == NULL)
        {
          g_printerr ("hubwatch-cli resubmit: --group needs at least one of FUNCTION, PIPELINE and MESSAGE\n");
          return EXIT_USAGE;
        }
      json_object_set_object_member (body, "group", group);
    }
  return submit ("resubmit", HW_HUB_SUBMIT_RESUBMISSION, body, &options, NULL);
}

/* ---- jobs --------------------------------------------------------------- */

static int
jobs_list (HwHubClient *client,
           gboolean     json)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(GError) error = NULL;

  hw_hub_client_list_jobs_async (client, NULL, hw_cli_on_ready, &result);
  jobs = hw_hub_client_list_jobs_finish (client, hw_cli_wait_result (&result), &error);
  if (jobs == NULL)
    return hw_cli_hub_failed ("jobs", client, error);

  if (json)
    {
      for (guint i = 0; i < jobs->len; i++)
        hw_cli_print_json_object (((HwHubJob *) g_ptr_array_index (jobs, i))->raw);
      return EXIT_OK;
    }
  if (jobs->len == 0)
    {
      g_print ("No jobs.\n");
      return EXIT_OK;
    }
  g_print ("%-42s %-13s %-10s %-22s %-14s %s\n", "ID", "KIND", "STATE", "ACKED/TOTAL (FAILED)", "REQUESTED BY",
           "CREATED");
  for (guint i = 0; i < jobs->len; i++)
    {
      HwHubJob *job = g_ptr_array_index (jobs, i);
      g_autofree char *progress = g_strdup_printf ("%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT " (%" G_GINT64_FORMAT ")",
                                                   job->acked, job->total, job->failed);
      g_autofree char *created = hw_cli_format_time (job->created_at_ms);

      g_print ("%-42s %-13s %-10s %-22s %-14s %s\n", job->id, job->kind != NULL ? job->kind : "–",
               job->state != NULL ? job->state : "–", progress,
               job->requested_by != NULL ? job->requested_by : "–", created);
    }
  return EXIT_OK;
}

static int
jobs_show (HwHubClient *client,
           const char  *id,
           gboolean     json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HwHubJob) job = hw_cli_get_job (client, id, &error);

  if (job == NULL)
    return hw_cli_hub_failed ("jobs", client, error);
  if (json)
    hw_cli_print_json_object (job->raw);
  else
    hw_cli_print_job_details (job);
  return EXIT_OK;
}

static int
jobs_cancel (HwHubClient *client,
             const char  *id,
             gboolean     json)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(HwHubJob) job = NULL;
  g_autoptr(GError) error = NULL;

  hw_hub_client_cancel_job_async (client, id, NULL, hw_cli_on_ready, &result);
  job = hw_hub_client_cancel_job_finish (client, hw_cli_wait_result (&result), &error);
  if (job == NULL)
    return hw_cli_hub_failed ("jobs", client, error);
  if (json)
    hw_cli_print_json_object (job->raw);
  else
    g_print ("Job %s is %s: %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " acknowledged before that\n",
             job->id, job->state, job->acked, job->total);
  return EXIT_OK;
}

static int
jobs_watch (HwHubClient *client,
            const char  *id,
            gboolean     json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HwHubJob) job = hw_cli_get_job (client, id, &error);

  if (job == NULL)
    return hw_cli_hub_failed ("jobs", client, error);
  return hw_cli_follow_job ("jobs", client, job, hw_cli_choose_output (json));
}

#define JOBS_HELP \
  "Actions:\n" \
  "  list         every replay and resubmission the hub knows, newest first (default)\n" \
  "  show ID      one job\n" \
  "  cancel ID    stop a queued or running job\n" \
  "  watch ID     follow a job until it ends (progress bar on a terminal)\n\n" \
  "The token comes from $HUBWATCH_TOKEN. With --json, one JSON object per line.\n\n" \
  "Exit status: 0 on success, 1 when the hub refuses (or a watched job does not\n" \
  "end done), 2 for bad options."

int
hw_cli_jobs (int    argc,
             char **argv)
{
  g_auto(CommonOptions) options = { .rate = -1 };
  g_autoptr(GOptionContext) context = g_option_context_new ("[list | show ID | cancel ID | watch ID]");
  g_autoptr(HwHubClient) client = NULL;
  g_autoptr(GError) error = NULL;
  const char *action, *id;

  add_common_entries (context, &options, FALSE);
  g_option_context_set_summary (context, "The hub's replay and resubmission jobs.");
  g_option_context_set_description (context, JOBS_HELP);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("hubwatch-cli jobs: %s\n", error->message);
      return EXIT_USAGE;
    }
  action = argc > 1 ? argv[1] : "list";
  id = argc > 2 ? argv[2] : NULL;
  if (g_str_equal (action, "list") ? argc > 2 : (id == NULL || argc > 3))
    {
      g_printerr ("hubwatch-cli jobs: usage: jobs [list | show ID | cancel ID | watch ID]\n");
      return EXIT_USAGE;
    }
  if (!g_str_equal (action, "list") && !g_str_equal (action, "show") && !g_str_equal (action, "cancel")
      && !g_str_equal (action, "watch"))
    {
      g_printerr ("hubwatch-cli jobs: unknown action '%s' (list, show, cancel or watch)\n", action);
      return EXIT_USAGE;
    }
  if ((client = hw_cli_open_client ("jobs", options.hub_url)) == NULL)
    return EXIT_USAGE;

  if (g_str_equal (action, "list"))
    return jobs_list (client, options.json);
  if (g_str_equal (action, "show"))
    return jobs_show (client, id, options.json);
  if (g_str_equal (action, "cancel"))
    return jobs_cancel (client, id, options.json);
  return jobs_watch (client, id, options.json);
}
