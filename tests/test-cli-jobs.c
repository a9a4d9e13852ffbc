/* test-cli-jobs.c: `hubwatch-cli replay`, `resubmit` and `jobs` against a real hub
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The CLI runs as a subprocess; the listener it replays to is served by this
 * process, so the test iterates its main context while the CLI runs.
 */
#include "config.h"

#include <string.h>

#include "hw-test-hub.h"
#include "hw-test-listener.h"
#include "hw-test-util.h"

#define WAIT_MS 60000
#define T0      1790000000000   /* 2026-09-21 */

typedef struct
{
  int       status;
  char     *out;
  char     *err;
  gboolean  done;
  GError   *error;
} Run;

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
  g_clear_error (&run->error);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

static void
on_communicated (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Run *run = user_data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &run->out, &run->err, &run->error);
  run->done = TRUE;
}

static gboolean
run_done (gpointer user_data)
{
  return ((Run *) user_data)->done;
}

/* Runs hubwatch-cli ARGS… with $HUBWATCH_TOKEN = @token (unset when NULL)
 * and $HUBWATCH_HUB = @env_hub (unset when NULL). */
static void
run_cli (Run                *run,
         const char         *token,
         const char         *env_hub,
         const char * const *args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  const char *cli = g_getenv ("HUBWATCH_CLI");

  g_assert_nonnull (cli);
  g_ptr_array_add (argv, (gpointer) cli);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  if (token != NULL)
    g_subprocess_launcher_setenv (launcher, "HUBWATCH_TOKEN", token, TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "HUBWATCH_TOKEN");
  if (env_hub != NULL)
    g_subprocess_launcher_setenv (launcher, "HUBWATCH_HUB", env_hub, TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "HUBWATCH_HUB");
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (process, NULL, NULL, on_communicated, run);
  g_assert_true (hw_test_wait_until (run_done, run, WAIT_MS));
  g_assert_no_error (run->error);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  run->status = g_subprocess_get_exit_status (process);
  g_test_message ("hubwatch-cli exited %d\nstdout:\n%s\nstderr:\n%s", run->status, run->out, run->err);
}

static void
post_ok (HwTestHub  *hub,
         const char *path,
         const char *body,
         guint       expected)
{
  g_autoptr(JsonNode) answer = NULL;

  g_assert_cmpuint (hw_test_hub_json (hub, "POST", path, NULL, body, &answer), ==, expected);
}

static void
add_listener (HwTestHub      *hub,
              const char     *name,
              HwTestListener *listener)
{
  g_autofree char *def = g_strdup_printf ("{\"name\":\"%s\",\"url\":\"%s\",\"types\":[\"none\"],\"batch_size\":4}",
                                          name, listener->url);

  post_ok (hub, "/v1/listeners", def, 201);
}

/* 10 "replay-thing" (ev000…) and 5 "other-thing" events in [T0, T0 + 10 s). */
static void
publish_range (HwTestHub *hub)
{
  g_autoptr(GString) body = g_string_new ("[");

  for (guint i = 0; i < 10; i++)
    g_string_append_printf (body, "%s{\"id\":\"ev%03u\",\"type\":\"replay-thing\",\"timestamp\":%" G_GINT64_FORMAT "}",
                            i > 0 ? "," : "", i, T0 + i * 1000);
  for (guint i = 0; i < 5; i++)
    g_string_append_printf (body, ",{\"id\":\"other%u\",\"type\":\"other-thing\",\"timestamp\":%" G_GINT64_FORMAT "}",
                            i, T0 + 500 + i * 1000);
  g_string_append (body, "]");
  post_ok (hub, "/v1/events", body->str, 200);
}

static guint
count_hub_jobs (HwTestHub *hub)
{
  g_autoptr(JsonNode) jobs = hw_test_hub_get_json (hub, "/v1/jobs", 200);

  return json_array_get_length (json_object_get_array_member (json_node_get_object (jobs), "jobs"));
}

/* The last non-empty line of @text, parsed as a JSON object. */
static JsonObject *
last_json_line (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  guint n = g_strv_length (lines);

  while (n > 0 && *lines[n - 1] == '\0')
    n--;
  g_assert_cmpuint (n, >, 0);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(JsonNode) each = json_from_string (lines[i], &error);

      g_assert_no_error (error);   /* every line is JSON */
      g_assert_true (JSON_NODE_HOLDS_OBJECT (each));
    }
  node = json_from_string (lines[n - 1], &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (node));
}

static int
compare_ids (gconstpointer a,
             gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* ---- tests --------------------------------------------------------------- */

/* The dry run counts (by type, honouring --query), names the listener and
 * sends nothing. */
static void
test_replay_dry_run (void)
{
  g_autoptr(HwTestListener) listener = hw_test_listener_new ();
  HwTestHub *hub = hw_test_hub_newv (NULL, NULL);
  g_autofree char *from = g_strdup_printf ("%" G_GINT64_FORMAT, T0);
  g_autofree char *to = g_strdup_printf ("%" G_GINT64_FORMAT, T0 + 10000);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *answer;

  add_listener (hub, "target", listener);
  publish_range (hub);

  {
    g_auto(Run) run = { 0 };
    const char *args[] = { "--hub", hub->base_url, "replay", "--listener", "target", "--from", from, "--to", to, NULL };

    run_cli (&run, NULL, NULL, args);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "Dry run: 15 events would be replayed to listener 'target'"));
    g_assert_nonnull (strstr (run.out, "replay-thing"));
    g_assert_nonnull (strstr (run.out, "other-thing"));
    g_assert_nonnull (strstr (run.out, "ev000"));
    g_assert_nonnull (strstr (run.out, "--yes"));
  }
  {
    g_auto(Run) run = { 0 };
    const char *args[] = { "replay", "--hub", hub->base_url, "--listener", "target", "--from", from, "--to", to,
                           "--query", "type:replay-thing", "--json", NULL };

    run_cli (&run, NULL, NULL, args);
    g_assert_cmpint (run.status, ==, 0);
    node = json_from_string (run.out, &error);
    g_assert_no_error (error);
    answer = json_node_get_object (node);
    g_assert_true (json_object_get_boolean_member (answer, "dry_run"));
    g_assert_cmpint (json_object_get_int_member (answer, "count"), ==, 10);
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (answer, "by_type"), "replay-thing"),
                     ==, 10);
  }

  g_assert_cmpuint (count_hub_jobs (hub), ==, 0);
  g_assert_cmpuint (listener->batches->len, ==, 0);
  hw_test_hub_free (hub);
}

/* --yes starts the replay, follows it to the end (JSON lines, the last one
 * the final job), and the range arrives at the listener; jobs list, show
 * and watch see the same job. */
static void
test_replay_yes_and_jobs (void)
{
  g_autoptr(HwTestListener) listener = hw_test_listener_new ();
  HwTestHub *hub = hw_test_hub_newv (NULL, NULL);
  g_autofree char *from = g_strdup_printf ("%" G_GINT64_FORMAT, T0);
  g_autofree char *to = g_strdup_printf ("%" G_GINT64_FORMAT, T0 + 10000);
  g_autoptr(JsonObject) final = NULL;
  g_autoptr(GPtrArray) ids = NULL;
  g_autofree char *job_id = NULL;

  add_listener (hub, "target", listener);
  publish_range (hub);

  {
    g_auto(Run) run = { 0 };
    const char *args[] = { "--hub", hub->base_url, "replay", "--listener", "target", "--from", from, "--to", to,
                           "--query", "type:replay-thing", "--rate", "0", "--parallel", "2", "--yes", "--json", NULL };

    run_cli (&run, NULL, NULL, args);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.err, "Idempotency key: "));
    final = last_json_line (run.out);
    g_assert_cmpstr (json_object_get_string_member (final, "state"), ==, "done");
    g_assert_cmpint (json_object_get_int_member (final, "total"), ==, 10);
    g_assert_cmpint (json_object_get_int_member (final, "acked"), ==, 10);
    g_assert_cmpint (json_object_get_int_member (final, "parallel"), ==, 2);
    g_assert_nonnull (strstr (run.err, json_object_get_string_member (final, "idempotency_key")));
    job_id = g_strdup (json_object_get_string_member (final, "id"));
  }

  /* Two batches in flight: they may be acknowledged in either order. */
  ids = hw_test_listener_acked_ids (listener);
  g_ptr_array_sort (ids, compare_ids);
  g_assert_cmpuint (ids->len, ==, 10);
  for (guint i = 0; i < ids->len; i++)
    {
      g_autofree char *expected = g_strdup_printf ("ev%03u", i);

      g_assert_cmpstr (g_ptr_array_index (ids, i), ==, expected);
    }
  g_assert_cmpuint (count_hub_jobs (hub), ==, 1);

  /* The hub from $HUBWATCH_HUB. */
  {
    g_auto(Run) run = { 0 };
    const char *args[] = { "jobs", "list", NULL };

    run_cli (&run, NULL, hub->base_url, args);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, job_id));
    g_assert_nonnull (strstr (run.out, "replay"));
    g_assert_nonnull (strstr (run.out, "10/10 (0)"));
  }
  {
    g_auto(Run) run = { 0 };
    const char *args[] = { "--hub", hub->base_url, "jobs", "show", job_id, NULL };

    run_cli (&run, NULL, NULL, args);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "done"));
    g_assert_nonnull (strstr (run.out, "10 of 10 acknowledged, 0 failed"));
    g_assert_nonnull (strstr (run.out, "target"));
  }
  {
    g_auto(Run) run = { 0 };
    g_autoptr(JsonObject) shown = NULL;
    const char *args[] = { "--hub", hub->base_url, "jobs", "show", job_id, "--json", NULL };

    run_cli (&run, NULL, NULL, args);
    g_assert_cmpint (run.status, ==, 0);
    shown = last_json_line (run.out);
    g_assert_cmpstr (json_object_get_string_member (shown, "id"), ==, job_id);
  }
  {
    g_auto(Run) run = { 0 };
    g_autofree char *expected = g_strdup_printf ("Job %s done: 10 of 10 acknowledged, 0 failed", job_id);
    const char *args[] = { "--hub", hub->base_url, "jobs", "watch", job_id, NULL };

    run_cli (&run, NULL, NULL, args);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, expected));
  }
  {
    /* A finished job cannot be cancelled: the hub's 409 is a hub error. */
    g_auto(Run) run = { 0 };
    const char *args[] = { "--hub", hub->base_url, "jobs", "cancel", job_id, NULL };

    run_cli (&run, NULL, NULL, args);
    g_assert_cmpint (run.status, ==, 1);
    g_assert_nonnull (strstr (run.err, "already done"));
  }
  {
    g_auto(Run) run = { 0 };
    const char *args[] = { "--hub", hub->base_url, "jobs", "show", "job-nope", NULL };

    run_cli (&run, NULL, NULL, args);
    g_assert_cmpint (run.status, ==, 1);
    g_assert_nonnull (strstr (run.err, "job-nope"));
  }

  g_assert_cmpuint (hw_test_listener_n_acked (listener), ==, 10);
  hw_test_hub_free (hub);
}

/* A viewer token cannot start a job: exit 1 with the hub's 403 reason, the
 * token never printed, nothing delivered. */
static void
test_viewer_forbidden (void)
{
  g_autoptr(HwTestListener) listener = hw_test_listener_new ();
  const char *hub_args[] = {
    "--token", "watcher:viewer:viewer-secret-1", "--token", "root:admin:admin-secret-1", NULL
  };
  HwTestHub *hub = hw_test_hub_newv (NULL, hub_args);
  g_autofree char *from = g_strdup_printf ("%" G_GINT64_FORMAT, T0);

  hw_test_hub_set_token (hub, "admin-secret-1");
  add_listener (hub, "target", listener);
  publish_range (hub);

  {
    g_auto(Run) run = { 0 };
    const char *args[] = { "--hub", hub->base_url, "replay", "--listener", "target", "--from", from, "--yes", NULL };

    run_cli (&run, "viewer-secret-1", NULL, args);
    g_assert_cmpint (run.status, ==, 1);
    g_assert_nonnull (strstr (run.err, "needs the operator role"));
    g_assert_null (strstr (run.err, "viewer-secret-1"));
    g_assert_null (strstr (run.out, "viewer-secret-1"));
  }
  {
    /* Reading is allowed. */
    g_auto(Run) run = { 0 };
    const char *args[] = { "--hub", hub->base_url, "jobs", NULL };

    run_cli (&run, "viewer-secret-1", NULL, args);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "No jobs."));
  }

  g_assert_cmpuint (count_hub_jobs (hub), ==, 0);
  g_assert_cmpuint (listener->batches->len, ==, 0);
  hw_test_hub_free (hub);
}

static char *
fault_json (const char *id,
            const char *original_id)
{
  g_autofree char *original = g_strdup_printf ("{\"id\":\"%s\",\"type\":\"order-placed\",\"timestamp\":%"
                                               G_GINT64_FORMAT "}", original_id, T0);
  g_autofree char *data = g_base64_encode ((const guchar *) original, strlen (original));

  return g_strdup_printf ("{\"id\":\"%s\",\"type\":\"fault\",\"timestamp\":%" G_GINT64_FORMAT ","
                          "\"tags\":{\"functionname\":\"fn-a\",\"pipeline\":\"p1\"},"
                          "\"err\":{\"name\":\"Error\",\"message\":\"postcode | missing\",\"stack\":\"at x\"},"
                          "\"uow\":{\"record\":{\"eventSource\":\"aws:kinesis\",\"eventID\":\"shardId-0:7\","
                          "\"kinesis\":{\"sequenceNumber\":\"7\",\"partitionKey\":\"o-9\",\"data\":\"%s\"}}}}",
                          id, T0 + 5, data);
}

/* Resubmitting a fault group delivers the original record to the function
 * the fault names, after a dry run that counts and names it. */
static void
test_resubmit_group (void)
{
  g_autoptr(HwTestListener) listener = hw_test_listener_new ();
  g_autoptr(HwTestListener) bystander = hw_test_listener_new ();
  HwTestHub *hub = hw_test_hub_newv (NULL, NULL);
  g_autofree char *fault = fault_json ("fault-1", "orig-1");
  g_autoptr(JsonNode) fault_node = json_from_string (fault, NULL);
  JsonNode *record = json_object_get_member (json_object_get_object_member (json_node_get_object (fault_node), "uow"),
                                             "record");
  g_autoptr(JsonObject) final = NULL;
  HwTestBatch *batch;

  add_listener (hub, "fn-a", listener);
  add_listener (hub, "fn-b", bystander);
  post_ok (hub, "/v1/events", fault, 200);

  {
    g_auto(Run) run = { 0 };
    const char *args[] = { "--hub", hub->base_url, "resubmit", "--group", "fn-a|p1|postcode | missing", NULL };

    run_cli (&run, NULL, NULL, args);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "Dry run: 1 fault would be resubmitted"));
    g_assert_nonnull (strstr (run.out, "fn-a"));
    g_assert_nonnull (strstr (run.out, "fault-1"));
    g_assert_cmpuint (count_hub_jobs (hub), ==, 0);
  }
  {
    g_auto(Run) run = { 0 };
    const char *args[] = { "--hub", hub->base_url, "resubmit", "--group", "fn-a|p1|postcode | missing",
                           "--yes", "--json", NULL };

    run_cli (&run, NULL, NULL, args);
    g_assert_cmpint (run.status, ==, 0);
    final = last_json_line (run.out);
    g_assert_cmpstr (json_object_get_string_member (final, "kind"), ==, "resubmission");
    g_assert_cmpstr (json_object_get_string_member (final, "state"), ==, "done");
    g_assert_cmpint (json_object_get_int_member (final, "acked"), ==, 1);
  }

  g_assert_cmpuint (listener->batches->len, ==, 1);
  batch = g_ptr_array_index (listener->batches, 0);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (batch->records)), ==, 1);
  g_assert_true (json_node_equal (json_array_get_element (json_node_get_array (batch->records), 0), record));
  g_assert_cmpstr (g_ptr_array_index (batch->event_ids, 0), ==, "orig-1");
  g_assert_cmpuint (bystander->batches->len, ==, 0);

  {
    /* By id, a plain (not a TTY) run prints lines and the key. */
    g_auto(Run) run = { 0 };
    const char *args[] = { "--hub", hub->base_url, "resubmit", "--fault", "fault-1", "--yes", NULL };

    run_cli (&run, NULL, NULL, args);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "Idempotency key: "));
    g_assert_nonnull (strstr (run.out, "done: 1 of 1 acknowledged"));
    g_assert_null (strstr (run.out, "\r"));
  }
  g_assert_cmpuint (listener->batches->len, ==, 2);

  hw_test_hub_free (hub);
}

/* Bad options are usage errors (2) and reach no hub. */
static void
test_usage (void)
{
  static const char * const cases[][8] = {
    { "replay", "--hub", "http://127.0.0.1:1", "--from", "now-1h", NULL },                 /* no listener */
    { "replay", "--hub", "http://127.0.0.1:1", "--listener", "x", "--from", "yesterday-ish", NULL },
    { "replay", "--listener", "x", "--from", "now-1h", NULL },                              /* no hub */
    { "resubmit", "--hub", "http://127.0.0.1:1", NULL },                                    /* nothing selected */
    { "resubmit", "--hub", "http://127.0.0.1:1", "--group", "||", NULL },
    { "resubmit", "--hub", "http://127.0.0.1:1", "--fault", "f", "--parallel", "99", NULL },
    { "jobs", "--hub", "http://127.0.0.1:1", "show", NULL },                                /* no id */
    { "jobs", "--hub", "http://127.0.0.1:1", "frobnicate", "x", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Run) run = { 0 };

      run_cli (&run, NULL, NULL, cases[i]);
      g_assert_cmpint (run.status, ==, 2);
      g_assert_cmpstr (run.err, !=, "");
    }
  {
    g_auto(Run) run = { 0 };
    const char *args[] = { "--hub", NULL };

    run_cli (&run, NULL, NULL, args);
    g_assert_cmpint (run.status, ==, 2);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cli/jobs/replay-dry-run", test_replay_dry_run);
  g_test_add_func ("/cli/jobs/replay-yes-and-jobs", test_replay_yes_and_jobs);
  g_test_add_func ("/cli/jobs/viewer-forbidden", test_viewer_forbidden);
  g_test_add_func ("/cli/jobs/resubmit-group", test_resubmit_group);
  g_test_add_func ("/cli/jobs/usage", test_usage);

  return g_test_run ();
}
