/* test-cli-team.c: `hubwatch-cli team` over NDJSON files, stdin and a real hub
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "hw-test-hub.h"
#include "hw-test-util.h"

/* One week from 2024-01-01 (T0 = 1704067200000). Hand-computed:
 *  - in the window: d1 (lead 1.5 h), d2 (2 h, posted twice), d3 (10 h),
 *    d4 (failed), p1 (payments, 4 h); d0 is before it, d9 at its
 *    exclusive end: 5 deployments, 5 a week;
 *  - lead times of the successful ones 1.5 2 4 10: median 3, p90 8.2;
 *  - i1 and i2 both name d1, i3 names d3, i5 names d0 (outside): 2 / 5;
 *  - incidents opened in the window: i1 (1.5 h), i2 (1 h), i3 (open),
 *    i4 (payments, 2.25 h, no cause): median 1.5, mean 4.75 / 3; 1 open. */
static const char *ndjson =
  "{\"kind\":\"deployment\",\"id\":\"d0\",\"service\":\"orders\",\"version\":\"1.0.d0\",\"commit_sha\":\"sha-d0\",\"commit_time\":\"2023-12-31T20:00:00Z\",\"deploy_time\":\"2023-12-31T21:00:00Z\",\"result\":\"success\"}\n"
  "{\"kind\":\"deployment\",\"id\":\"d1\",\"service\":\"orders\",\"version\":\"1.0.d1\",\"commit_sha\":\"sha-d1\",\"commit_time\":\"2024-01-01T00:00:00Z\",\"deploy_time\":\"2024-01-01T01:30:00Z\",\"result\":\"success\"}\n"
  "{\"kind\":\"deployment\",\"id\":\"d2\",\"service\":\"orders\",\"version\":\"1.0.d2\",\"commit_sha\":\"sha-d2\",\"commit_time\":1704153600000,\"deploy_time\":1704160800000,\"result\":\"success\"}\n"
  "{\"kind\":\"deployment\",\"id\":\"d2\",\"service\":\"orders\",\"version\":\"1.0.d2\",\"commit_sha\":\"sha-d2\",\"commit_time\":1704153600000,\"deploy_time\":1704160800000,\"result\":\"success\"}\n"
  "{\"kind\":\"deployment\",\"id\":\"d3\",\"service\":\"orders\",\"version\":\"1.0.d3\",\"commit_sha\":\"sha-d3\",\"commit_time\":\"2024-01-03T00:00:00Z\",\"deploy_time\":\"2024-01-03T10:00:00Z\",\"result\":\"success\"}\n"
  "{\"kind\":\"deployment\",\"id\":\"d4\",\"service\":\"orders\",\"version\":\"1.0.d4\",\"commit_sha\":\"sha-d4\",\"commit_time\":\"2024-01-04T00:00:00Z\",\"deploy_time\":\"2024-01-04T01:00:00Z\",\"result\":\"failure\"}\n"
  "{\"kind\":\"deployment\",\"id\":\"p1\",\"service\":\"payments\",\"version\":\"1.0.p1\",\"commit_sha\":\"sha-p1\",\"commit_time\":\"2024-01-01T10:00:00Z\",\"deploy_time\":\"2024-01-01T14:00:00Z\",\"result\":\"success\"}\n"
  "{\"kind\":\"deployment\",\"id\":\"d9\",\"service\":\"orders\",\"version\":\"1.0.d9\",\"commit_sha\":\"sha-d9\",\"commit_time\":\"2024-01-07T23:00:00Z\",\"deploy_time\":\"2024-01-08T00:00:00Z\",\"result\":\"success\"}\n"
  "{\"kind\":\"alert\",\"rule\":\"iterator-age\",\"state\":\"firing\",\"value\":1900000}\n"
  "\n"
  "{\"kind\":\"incident\",\"id\":\"i1\",\"service\":\"orders\",\"severity\":\"sev2\",\"opened_at\":\"2024-01-01T02:00:00Z\",\"resolved_at\":\"2024-01-01T03:30:00Z\",\"cause_deployment\":\"d1\"}\n"
  "{\"kind\":\"incident\",\"id\":\"i2\",\"service\":\"orders\",\"severity\":\"sev3\",\"opened_at\":\"2024-01-02T06:00:00Z\",\"resolved_at\":\"2024-01-02T07:00:00Z\",\"cause_deployment\":\"d1\"}\n"
  "{\"kind\":\"incident\",\"id\":\"i3\",\"service\":\"orders\",\"severity\":\"sev1\",\"opened_at\":\"2024-01-03T12:00:00Z\",\"cause_deployment\":\"d3\"}\n"
  "{\"kind\":\"incident\",\"id\":\"i4\",\"service\":\"payments\",\"severity\":\"sev2\",\"opened_at\":\"2024-01-01T20:00:00Z\",\"resolved_at\":\"2024-01-01T22:15:00Z\"}\n"
  "{\"kind\":\"incident\",\"id\":\"i5\",\"service\":\"orders\",\"severity\":\"sev2\",\"opened_at\":\"2023-12-31T22:00:00Z\",\"resolved_at\":\"2024-01-01T01:00:00Z\",\"cause_deployment\":\"d0\"}\n"
  "{\"kind\":\"audit\",\"action\":\"replay\",\"actor\":\"alice\"}\n";

typedef struct
{
  int   status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

/* Runs `hubwatch-cli [global_args…] team [args…]` with $HUBWATCH_HUB set to
 * @env_hub (NULL: unset). */
static void
run_cli_full (Run                *run,
              const char         *env_hub,
              const char * const *global_args,
              const char         *stdin_text,
              const char * const *args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  const char *cli = g_getenv ("HUBWATCH_CLI");

  g_assert_nonnull (cli);
  g_ptr_array_add (argv, (gpointer) cli);
  for (guint i = 0; global_args != NULL && global_args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) global_args[i]);
  g_ptr_array_add (argv, (gpointer) "team");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                        | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  if (env_hub != NULL)
    g_subprocess_launcher_setenv (launcher, "HUBWATCH_HUB", env_hub, TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "HUBWATCH_HUB");
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, stdin_text, NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  run->status = g_subprocess_get_exit_status (process);
  g_test_message ("exit %d\nstdout: %s\nstderr: %s", run->status, run->out, run->err);
}

static void
run_cli (Run                *run,
         const char         *stdin_text,
         const char * const *args)
{
  run_cli_full (run, NULL, NULL, stdin_text, args);
}

/* The last non-empty line of stdout, parsed as a JSON object. */
static JsonObject *
last_line_object (const char *out)
{
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  int last = (int) g_strv_length (lines) - 1;

  while (last >= 0 && lines[last][0] == '\0')
    last--;
  g_assert_cmpint (last, >=, 0);
  json_parser_load_from_data (parser, lines[last], -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
assert_number (JsonObject *object,
               const char *member,
               double      expected)
{
  JsonNode *node = json_object_get_member (object, member);

  g_assert_nonnull (node);
  if (isnan (expected))
    {
      if (!JSON_NODE_HOLDS_NULL (node))
        g_error ("%s: expected null", member);
      return;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || fabs (json_node_get_double (node) - expected) > 1e-9)
    g_error ("%s: expected %.12g, got %.12g", member, expected, json_node_get_double (node));
}

typedef struct
{
  const char *service;  /* NULL: all */
  double      values[8];
  const char *classes[4];
} Expectation;

static const char *keys[] = {
  "deployments", "deployments_per_week", "lead_time_median_hours", "lead_time_p90_hours",
  "change_failure_rate", "time_to_restore_median_hours", "mttr_hours", "open_incidents",
};

static const Expectation expectations[] = {
  { NULL, { 5, 5, 3, 8.2, 0.4, 1.5, 4.75 / 3, 1 }, { "high", "elite", "medium", "high" } },
  /* orders: d1 d2 d3 d4; lead 1.5 2 10 → median 2, p90 2 + 0.8·8 = 8.4;
   * d1 d3 caused incidents: 2 / 4; restore 1 1.5 → 1.25; i3 open. */
  { "orders", { 4, 4, 2, 8.4, 0.5, 1.25, 1.25, 1 }, { "high", "elite", "low", "high" } },
  { "payments", { 1, 1, 4, 4, 0, 2.25, 2.25, 0 }, { "high", "elite", "elite", "high" } },
  { "search", { 0, 0, NAN, NAN, 0, NAN, NAN, 0 }, { "low", "none", "none", "none" } },
};

static void
check_expectation (JsonObject        *object,
                   const Expectation *e)
{
  static const char *class_keys[] = { "deployment_frequency", "lead_time", "change_failure_rate", "time_to_restore" };
  JsonObject *classes = json_object_get_object_member (object, "classifications");

  for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
    assert_number (object, keys[k], e->values[k]);
  g_assert_cmpint (json_object_get_int_member (object, "deployments"), ==, (gint64) e->values[0]);
  g_assert_nonnull (classes);
  for (guint k = 0; k < G_N_ELEMENTS (class_keys); k++)
    g_assert_cmpstr (json_object_get_string_member (classes, class_keys[k]), ==, e->classes[k]);
}

static void
test_file_json (void)
{
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "system-events.ndjson", NULL);

  g_assert_true (g_file_set_contents (path, ndjson, -1, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (expectations); i++)
    {
      const Expectation *e = &expectations[i];
      const char *args[] = {
        "--system-events", path, "--from", "2024-01-01T00:00:00Z", "--to", "1704672000000", "--json",
        e->service != NULL ? "--service" : NULL, e->service, NULL,
      };
      g_auto(Run) run = { 0 };
      g_autoptr(JsonObject) object = NULL;

      g_test_message ("service %s", e->service);
      run_cli (&run, NULL, args);
      g_assert_cmpint (run.status, ==, 0);
      object = last_line_object (run.out);
      check_expectation (object, e);
      if (e->service != NULL)
        g_assert_cmpstr (json_object_get_string_member (object, "service"), ==, e->service);
    }
  hw_test_rmdir (dir);
}

static void
test_stdin_and_table (void)
{
  const char *json_args[] = { "--system-events", "-", "--from", "2024-01-01", "--to", "2024-01-08", "--json", NULL };
  const char *table_args[] = { "--system-events", "-", "--from", "2024-01-01", "--to", "2024-01-08", NULL };
  g_auto(Run) json_run = { 0 };
  g_auto(Run) table_run = { 0 };
  g_autoptr(JsonObject) object = NULL;

  run_cli (&json_run, ndjson, json_args);
  g_assert_cmpint (json_run.status, ==, 0);
  object = last_line_object (json_run.out);
  check_expectation (object, &expectations[0]);

  run_cli (&table_run, ndjson, table_args);
  g_assert_cmpint (table_run.status, ==, 0);
  g_assert_nonnull (strstr (table_run.out, "Deployments"));
  g_assert_nonnull (strstr (table_run.out, "5 (5.00 a week)"));
  g_assert_nonnull (strstr (table_run.out, "40.0 %"));
}

static void
test_bad_lines (void)
{
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "events.ndjson", NULL);
  g_autofree char *bad_ref = g_strdup_printf ("%s:2:", path);
  g_autofree char *worse_ref = g_strdup_printf ("%s:4:", path);
  g_autofree char *octal_ref = g_strdup_printf ("%s:5: system event: invalid escape '\\2' in a string at byte offset 28",
                                                path);
  g_autofree char *bytes_ref = g_strdup_printf ("%s:6: system event: invalid UTF-8 at byte offset 28", path);
  const char *args[] = { "--system-events", path, "--from", "2024-01-01", "--to", "2024-01-08", "--json", NULL };
  g_auto(Run) run = { 0 };
  g_autoptr(JsonObject) object = NULL;

  g_assert_true (g_file_set_contents (path,
    "{\"kind\":\"deployment\",\"id\":\"d1\",\"service\":\"orders\",\"commit_time\":\"2024-01-01T00:00:00Z\",\"deploy_time\":\"2024-01-01T01:30:00Z\"}\n"
    "{\"kind\":\"deployment\",\"id\":\"d2\",\"service\":\"orders\",\"commit_time\":\"2024-01-01T00:00:00Z\"}\n"
    "{\"kind\":\"incident\",\"id\":\"i1\",\"service\":\"orders\",\"opened_at\":\"2024-01-02T00:00:00Z\",\"resolved_at\":\"2024-01-02T00:30:00Z\",\"cause_deployment\":\"d1\"}\n"
    "{not json\n"
    "{\"kind\":\"deployment\",\"id\":\"d\\255\",\"service\":\"orders\",\"commit_time\":1,\"deploy_time\":2}\n"
    "{\"kind\":\"deployment\",\"id\":\"d\xad\",\"service\":\"orders\",\"commit_time\":1,\"deploy_time\":2}\n",
    -1, NULL));
  run_cli (&run, NULL, args);

  /* The good lines still give their numbers; the bad ones are named, and
   * stderr stays UTF-8 (run_cli() reads it as such). */
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, bad_ref));
  g_assert_nonnull (strstr (run.err, "deploy_time is missing"));
  g_assert_nonnull (strstr (run.err, worse_ref));
  g_assert_nonnull (strstr (run.err, octal_ref));
  g_assert_nonnull (strstr (run.err, bytes_ref));
  g_assert_nonnull (strstr (run.err, "4 lines"));
  object = last_line_object (run.out);
  assert_number (object, "deployments", 1);
  assert_number (object, "lead_time_median_hours", 1.5);
  assert_number (object, "change_failure_rate", 1.0);
  assert_number (object, "time_to_restore_median_hours", 0.5);
  hw_test_rmdir (dir);
}

static void
test_usage_errors (void)
{
  static const struct { const char *args[8]; int status; const char *mentions; } table[] = {
    { { "--from", "2024-01-01", NULL }, 2, "--system-events" },
    { { "--system-events", "x", "--hub", "http://127.0.0.1:1", NULL }, 2, "either" },
    { { "--system-events", "-", "--from", "2024-01-08", "--to", "2024-01-01", NULL }, 2, "before" },
    { { "--system-events", "-", "--from", "yesterday", NULL }, 2, "--from" },
    { { "--system-events", "/nonexistent/events.ndjson", NULL }, 1, "events.ndjson" },
    { { "--system-events", "-", "--bogus", NULL }, 2, "bogus" },
    { { "--hub", "ftp://example", NULL }, 2, "--hub" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      g_auto(Run) run = { 0 };

      run_cli (&run, "", table[i].args);
      g_assert_cmpint (run.status, ==, table[i].status);
      if (strstr (run.err, table[i].mentions) == NULL)
        g_error ("stderr '%s' does not mention '%s'", run.err, table[i].mentions);
    }
}

/* The same numbers from a real hub, fed through POST /v1/system-events. */
static void
test_hub (void)
{
  const char * const no_args[] = { NULL };
  HwTestHub *hub = hw_test_hub_newv (NULL, no_args);
  g_auto(GStrv) lines = g_strsplit (ndjson, "\n", -1);
  GString *body = g_string_new ("[");
  g_autoptr(JsonNode) answer = NULL;
  const char *args[] = {
    "--hub", hub->base_url, "--from", "2024-01-01", "--to", "2024-01-08", "--json", NULL,
  };
  g_auto(Run) run = { 0 };
  g_autoptr(JsonObject) object = NULL;
  guint status;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      /* The hub dedupes system events by id: the repeated d2 is posted too. */
      if (lines[i][0] == '\0')
        continue;
      g_string_append_printf (body, "%s%s", body->len > 1 ? "," : "", lines[i]);
    }
  g_string_append_c (body, ']');
  status = hw_test_hub_json (hub, "POST", "/v1/system-events", NULL, body->str, &answer);
  g_string_free (body, TRUE);
  g_assert_cmpuint (status, >=, 200);
  g_assert_cmpuint (status, <, 300);

  run_cli (&run, NULL, args);
  g_assert_cmpint (run.status, ==, 0);
  object = last_line_object (run.out);
  check_expectation (object, &expectations[0]);

  /* The hub named before the command, and from the environment, as every
   * other command takes it. */
  {
    const char * const global[] = { "--hub", hub->base_url, NULL };
    const char * const window[] = { "--from", "2024-01-01", "--to", "2024-01-08", "--json", NULL };
    g_auto(Run) global_run = { 0 };
    g_auto(Run) env_run = { 0 };
    g_autoptr(JsonObject) global_object = NULL;
    g_autoptr(JsonObject) env_object = NULL;

    run_cli_full (&global_run, "http://127.0.0.1:1", global, NULL, window);
    g_assert_cmpint (global_run.status, ==, 0);
    global_object = last_line_object (global_run.out);
    check_expectation (global_object, &expectations[0]);

    run_cli_full (&env_run, hub->base_url, NULL, NULL, window);
    g_assert_cmpint (env_run.status, ==, 0);
    env_object = last_line_object (env_run.out);
    check_expectation (env_object, &expectations[0]);
  }

  hw_test_hub_free (hub);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/team/file-json", test_file_json);
  g_test_add_func ("/cli/team/stdin-and-table", test_stdin_and_table);
  g_test_add_func ("/cli/team/bad-lines", test_bad_lines);
  g_test_add_func ("/cli/team/usage-errors", test_usage_errors);
  g_test_add_func ("/cli/team/hub", test_hub);
  return g_test_run ();
}
