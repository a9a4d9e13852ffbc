/* test-team-metrics.c: team metrics against hand-computed expectations
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "hw-error.h"
#include "hw-team-metrics.h"
#include "hw-test-util.h"

#define T0 G_GINT64_CONSTANT (1704067200000)  /* 2024-01-01T00:00:00Z */
#define MINUTE (G_GINT64_CONSTANT (60) * 1000)
#define HOUR (60 * MINUTE)
#define DAY (24 * HOUR)
#define OK HW_DEPLOYMENT_SUCCESS
#define KO HW_DEPLOYMENT_FAILURE

/* Lead times of the successful ones, in hours: d1 1.5, d2 2, d3 10, d5 4,
 * d6 1 (before the window), d7 1 (deployed exactly at the end of week 1). */
static const HwDeployment deployments[] = {
  { "d1", "orders", "1.0.1", "a1", T0, T0 + 90 * MINUTE, OK },
  { "d2", "orders", "1.0.2", "a2", T0 + 24 * HOUR, T0 + 26 * HOUR, OK },
  { "d3", "orders", "1.0.3", "a3", T0 + 48 * HOUR, T0 + 58 * HOUR, OK },
  { "d4", "orders", "1.0.4", "a4", T0 + 72 * HOUR, T0 + 73 * HOUR, KO },
  { "d5", "payments", "2.0.0", "b1", T0 + 10 * HOUR, T0 + 14 * HOUR, OK },
  { "d6", "orders", "1.0.0", "a0", T0 - 3 * HOUR, T0 - 2 * HOUR, OK },
  { "d7", "orders", "1.0.5", "a5", T0 + 7 * DAY - HOUR, T0 + 7 * DAY, OK },
  /* The CI step posted d2 twice. */
  { "d2", "orders", "1.0.2", "a2", T0 + 24 * HOUR, T0 + 26 * HOUR, OK },
};

/* Restore times in hours: i1 1.5, i2 1, i4 2.25, i6 6; i3 and i7 open;
 * i5 opened before the window. */
static const HwIncident incidents[] = {
  { "i1", "orders", "sev2", T0 + 2 * HOUR, T0 + 2 * HOUR + 90 * MINUTE, "d1" },
  { "i2", "orders", "sev3", T0 + 30 * HOUR, T0 + 31 * HOUR, "d1" },  /* d1 again */
  { "i3", "orders", "sev1", T0 + 60 * HOUR, 0, "d3" },               /* unresolved */
  { "i4", "payments", "sev2", T0 + 20 * HOUR, T0 + 22 * HOUR + 15 * MINUTE, NULL },
  { "i5", "orders", "sev2", T0 - 5 * HOUR, T0 + HOUR, "d6" },       /* opened before */
  { "i6", "orders", "sev3", T0 + 100 * HOUR, T0 + 106 * HOUR, "deploy-not-in-input" },
  { "i7", "search", "sev2", T0 + 5 * HOUR, -1, NULL },               /* unresolved */
};

#define E HW_TEAM_CLASS_ELITE
#define H HW_TEAM_CLASS_HIGH
#define M HW_TEAM_CLASS_MEDIUM
#define L HW_TEAM_CLASS_LOW
#define N HW_TEAM_CLASS_NONE

typedef struct
{
  const char *name;
  const char *service;
  gint64      from_ms;
  gint64      to_ms;
  guint       deployments;
  guint       failed;
  double      per_week;
  double      lead_median;
  double      lead_p90;
  guint       causing;
  double      cfr;
  guint       incidents;
  guint       open;
  double      restore_median;
  double      mttr;
  HwTeamClass classes[4];  /* frequency, lead time, failure rate, restore */
} Case;

static const Case cases[] = {
  /* d1 d2 d3 d4 d5 in the window (d2 once, d6 before, d7 at the exclusive
   * end). Lead 1.5 2 4 10 (d4 failed): median (2+4)/2 = 3, p90 at h = 2.7:
   * 4 + 0.7·6 = 8.2. Caused incidents: d1 (twice), d3 → 2/5. Incidents
   * opened in the window: i1 i2 i3 i4 i6 i7; restore 1 1.5 2.25 6: median
   * 1.875, mean 10.75/4 = 2.6875; open i3 i7. */
  { "all services, one week", NULL, T0, T0 + 7 * DAY,
    5, 1, 5.0, 3.0, 8.2, 2, 0.4, 6, 2, 1.875, 2.6875, { H, E, M, H } },
  /* d1 d2 d3 d4. Lead 1.5 2 10: median 2, p90 at h = 1.8: 2 + 0.8·8 = 8.4.
   * Caused: d1 d3 → 2/4. Incidents i1 i2 i3 i6: restore 1 1.5 6, median 1.5,
   * mean 8.5/3; open i3. */
  { "one service", "orders", T0, T0 + 7 * DAY,
    4, 1, 4.0, 2.0, 8.4, 2, 0.5, 4, 1, 1.5, 8.5 / 3, { H, E, L, H } },
  /* An incident without a cause: CFR 0. */
  { "incident without cause", "payments", T0, T0 + 7 * DAY,
    1, 0, 1.0, 4.0, 4.0, 0, 0.0, 1, 0, 2.25, 2.25, { H, E, E, H } },
  /* Only an unresolved incident: counted open, no restore time. */
  { "unresolved only", "search", T0, T0 + 7 * DAY,
    0, 0, 0.0, NAN, NAN, 0, 0.0, 1, 1, NAN, NAN, { L, N, N, N } },
  { "no deployments, no incidents", NULL, T0 + 8 * DAY, T0 + 9 * DAY,
    0, 0, 0.0, NAN, NAN, 0, 0.0, 0, 0, NAN, NAN, { L, N, N, N } },
  /* Two weeks take in d7 (lead 1): lead 1 1.5 2 4 10, median 2, p90 at
   * h = 3.6: 4 + 0.6·6 = 7.6; 6 deployments over 2 weeks; CFR 2/6. */
  { "two weeks", NULL, T0, T0 + 14 * DAY,
    6, 1, 3.0, 2.0, 7.6, 2, 2.0 / 6, 6, 2, 1.875, 2.6875, { H, E, M, H } },
  /* Half a day: d1 alone, named by two incidents: CFR 1, never more.
   * 1 deployment in 12 h = 14 a week; i1 restored in 90 min = 1.5 h. */
  { "several incidents from one deployment", "orders", T0, T0 + 12 * HOUR,
    1, 0, 14.0, 1.5, 1.5, 1, 1.0, 1, 0, 1.5, 1.5, { E, E, L, H } },
  /* The day before T0 holds d6 alone (1 a day = 7 a week) and i5, which
   * names it and took 6 h even though it was resolved after the window:
   * the same records that the week above must leave out. */
  { "the day before", "orders", T0 - DAY, T0,
    1, 0, 7.0, 1.0, 1.0, 1, 1.0, 1, 0, 6.0, 6.0, { E, E, L, H } },
};

static void
assert_close (double      actual,
              double      expected,
              const char *what)
{
  if (isnan (expected))
    {
      if (!isnan (actual))
        g_error ("%s: expected NaN, got %.12g", what, actual);
      return;
    }
  if (isnan (actual) || fabs (actual - expected) > 1e-9)
    g_error ("%s: expected %.12g, got %.12g", what, expected, actual);
}

static void
test_metrics_table (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const Case *c = &cases[i];
      g_autoptr(GError) error = NULL;
      HwTeamMetrics m;

      g_test_message ("case: %s", c->name);
      g_assert_true (hw_team_metrics_compute (deployments, G_N_ELEMENTS (deployments),
                                              incidents, G_N_ELEMENTS (incidents),
                                              c->service, c->from_ms, c->to_ms, &m, &error));
      g_assert_no_error (error);

      g_assert_cmpuint (m.deployments, ==, c->deployments);
      g_assert_cmpuint (m.failed_deployments, ==, c->failed);
      assert_close (m.deployments_per_week, c->per_week, "deployments_per_week");
      assert_close (m.lead_time_median_hours, c->lead_median, "lead_time_median_hours");
      assert_close (m.lead_time_p90_hours, c->lead_p90, "lead_time_p90_hours");
      g_assert_cmpuint (m.deployments_causing_incidents, ==, c->causing);
      assert_close (m.change_failure_rate, c->cfr, "change_failure_rate");
      g_assert_cmpfloat (m.change_failure_rate, <=, 1.0);
      g_assert_cmpuint (m.incidents, ==, c->incidents);
      g_assert_cmpuint (m.open_incidents, ==, c->open);
      assert_close (m.time_to_restore_median_hours, c->restore_median, "time_to_restore_median_hours");
      assert_close (m.mttr_hours, c->mttr, "mttr_hours");
      g_assert_cmpint (m.deployment_frequency_class, ==, c->classes[0]);
      g_assert_cmpint (m.lead_time_class, ==, c->classes[1]);
      g_assert_cmpint (m.change_failure_class, ==, c->classes[2]);
      g_assert_cmpint (m.time_to_restore_class, ==, c->classes[3]);
    }
}

static void
test_empty_window_is_an_error (void)
{
  g_autoptr(GError) error = NULL;
  HwTeamMetrics m;

  g_assert_false (hw_team_metrics_compute (NULL, 0, NULL, 0, NULL, T0, T0, &m, &error));
  g_assert_error (error, HW_ERROR, HW_ERROR_INVALID_TIME);
  g_clear_error (&error);
  g_assert_false (hw_team_metrics_compute (NULL, 0, NULL, 0, NULL, T0, T0 - 1, &m, &error));
  g_assert_error (error, HW_ERROR, HW_ERROR_INVALID_TIME);
}

static void
test_quantile (void)
{
  static const struct { double values[6]; gsize n; double q; double expected; } table[] = {
    { { 0 }, 0, 0.5, NAN },
    { { 5 }, 1, 0.5, 5 },
    { { 5 }, 1, 0.9, 5 },
    { { 1, 2 }, 2, 0.5, 1.5 },
    { { 1, 2 }, 2, 0.9, 1.9 },
    { { 3, 1, 2 }, 3, 0.5, 2 },            /* unsorted input */
    { { 3, 1, 2 }, 3, 0.0, 1 },
    { { 3, 1, 2 }, 3, 1.0, 3 },
    { { 10, 20, 30, 40, 50, 60 }, 6, 0.9, 55 },  /* h = 4.5 */
    { { 7, 7, 7, 7 }, 4, 0.9, 7 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      double copy[6];

      memcpy (copy, table[i].values, sizeof copy);
      assert_close (hw_team_quantile (copy, table[i].n, table[i].q), table[i].expected, "quantile");
    }
}

static void
test_classification_bounds (void)
{
  static const struct { HwTeamClass (*classify) (double); double value; HwTeamClass expected; } table[] = {
    { hw_team_classify_deploy_rate, 7.0, E },
    { hw_team_classify_deploy_rate, 6.99, H },
    { hw_team_classify_deploy_rate, 1.0, H },
    { hw_team_classify_deploy_rate, 0.99, M },
    { hw_team_classify_deploy_rate, 7.0 / 30, M },
    { hw_team_classify_deploy_rate, 0.2, L },
    { hw_team_classify_deploy_rate, 0.0, L },
    { hw_team_classify_lead_time, 23.99, E },
    { hw_team_classify_lead_time, 24.0, H },
    { hw_team_classify_lead_time, 167.9, H },
    { hw_team_classify_lead_time, 168.0, M },
    { hw_team_classify_lead_time, 720.0, L },
    { hw_team_classify_lead_time, NAN, N },
    { hw_team_classify_change_failure, 0.0, E },
    { hw_team_classify_change_failure, 0.15, E },
    { hw_team_classify_change_failure, 0.1501, H },
    { hw_team_classify_change_failure, 0.30, H },
    { hw_team_classify_change_failure, 0.45, M },
    { hw_team_classify_change_failure, 0.46, L },
    { hw_team_classify_restore_time, 0.99, E },
    { hw_team_classify_restore_time, 1.0, H },
    { hw_team_classify_restore_time, 24.0, M },
    { hw_team_classify_restore_time, 168.0, L },
    { hw_team_classify_restore_time, NAN, N },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      g_test_message ("row %u: %g", i, table[i].value);
      g_assert_cmpint (table[i].classify (table[i].value), ==, table[i].expected);
    }
  g_assert_cmpstr (hw_team_class_to_string (E), ==, "elite");
  g_assert_cmpstr (hw_team_class_to_string (N), ==, "none");
}

/* The same data as system events: ISO-8601 strings, epoch milliseconds,
 * other kinds mixed in. */
static const char *good_lines[] = {
  "{\"kind\":\"deployment\",\"id\":\"d1\",\"service\":\"orders\",\"version\":\"1.0.1\",\"commit_sha\":\"a1\","
  "\"commit_time\":\"2024-01-01T00:00:00Z\",\"deploy_time\":\"2024-01-01T01:30:00Z\",\"result\":\"success\"}",
  "{\"kind\":\"deployment\",\"id\":\"d2\",\"service\":\"orders\","
  "\"commit_time\":1704153600000,\"deploy_time\":1704160800000,\"result\":\"success\"}",
  "{\"kind\":\"deployment\",\"id\":\"d4\",\"service\":\"orders\","
  "\"commit_time\":\"2024-01-04T00:00:00+00:00\",\"deploy_time\":\"2024-01-04T02:00:00+01:00\",\"result\":\"failure\"}",
  "",
  "{\"kind\":\"alert\",\"rule\":\"iterator-age\",\"state\":\"firing\",\"value\":2400000}",
  "{\"kind\":\"audit\",\"action\":\"replay\",\"actor\":\"alice\"}",
  "{\"kind\":\"incident\",\"id\":\"i1\",\"service\":\"orders\",\"severity\":\"sev2\","
  "\"opened_at\":\"2024-01-01T02:00:00Z\",\"resolved_at\":\"2024-01-01T03:30:00Z\",\"cause_deployment\":\"d1\"}",
  "{\"kind\":\"incident\",\"id\":\"i2\",\"service\":\"orders\",\"opened_at\":1704175200000,"
  "\"resolved_at\":null,\"cause_deployment\":\"d1\"}",
  "{\"kind\":\"incident\",\"id\":\"i3\",\"service\":\"orders\",\"opened_at\":\"2024-01-02T00:00:00Z\","
  "\"resolved_at\":\"2024-01-02T00:45:00Z\",\"cause_deployment\":\"\"}",
};

static void
test_parse_system_events (void)
{
  g_autoptr(HwTeamInput) input = hw_team_input_new ();
  g_autoptr(GError) error = NULL;
  const HwDeployment *d;
  const HwIncident *inc;
  gsize n_d, n_i;
  HwTeamMetrics m;

  for (guint i = 0; i < G_N_ELEMENTS (good_lines); i++)
    {
      g_test_message ("line %u", i);
      g_assert_true (hw_team_input_add_line (input, good_lines[i], -1, &error));
      g_assert_no_error (error);
    }

  d = hw_team_input_get_deployments (input, &n_d);
  inc = hw_team_input_get_incidents (input, &n_i);
  g_assert_cmpuint (n_d, ==, 3);
  g_assert_cmpuint (n_i, ==, 3);
  g_assert_cmpstr (d[0].id, ==, "d1");
  g_assert_cmpstr (d[0].version, ==, "1.0.1");
  g_assert_cmpstr (d[0].commit_sha, ==, "a1");
  g_assert_cmpint (d[0].commit_time_ms, ==, T0);
  g_assert_cmpint (d[0].deploy_time_ms, ==, T0 + 90 * MINUTE);
  g_assert_cmpint (d[1].deploy_time_ms, ==, T0 + 26 * HOUR);
  g_assert_null (d[1].version);
  g_assert_cmpint (d[2].result, ==, HW_DEPLOYMENT_FAILURE);
  g_assert_cmpint (d[2].deploy_time_ms, ==, T0 + 73 * HOUR);  /* 02:00+01:00 */
  g_assert_cmpstr (inc[0].severity, ==, "sev2");
  g_assert_cmpint (inc[0].resolved_at_ms, ==, T0 + 2 * HOUR + 90 * MINUTE);
  g_assert_cmpint (inc[1].resolved_at_ms, <=, 0);
  g_assert_null (inc[2].cause_deployment);

  g_assert_true (hw_team_metrics_compute (d, n_d, inc, n_i, NULL, T0, T0 + 7 * DAY, &m, &error));
  g_assert_cmpuint (m.deployments, ==, 3);
  assert_close (m.lead_time_median_hours, 1.75, "lead median");  /* 1.5 and 2 */
  assert_close (m.change_failure_rate, 1.0 / 3, "cfr");
  assert_close (m.time_to_restore_median_hours, (1.5 + 0.75) / 2, "restore median");
  g_assert_cmpuint (m.open_incidents, ==, 1);
}

/* Sixty-four: inside an object, one level more than an event may have. */
#define BRACKETS_8 "[[[[[[[["
#define BRACKETS_64 BRACKETS_8 BRACKETS_8 BRACKETS_8 BRACKETS_8 BRACKETS_8 BRACKETS_8 BRACKETS_8 BRACKETS_8

static void
test_parse_errors (void)
{
  static const struct { const char *line; int code; const char *mentions; } table[] = {
    { "{\"kind\":\"deployment\"", HW_ERROR_INVALID_JSON, "JSON" },
    { "[1,2]", HW_ERROR_INVALID_EVENT, "object" },
    { "{\"id\":\"x\"}", HW_ERROR_INVALID_EVENT, "kind" },
    { "{\"kind\":7}", HW_ERROR_INVALID_EVENT, "kind" },
    { "{\"kind\":\"deployment\",\"service\":\"s\",\"commit_time\":1,\"deploy_time\":2}",
      HW_ERROR_INVALID_EVENT, "id" },
    { "{\"kind\":\"deployment\",\"id\":\"\",\"service\":\"s\",\"commit_time\":1,\"deploy_time\":2}",
      HW_ERROR_INVALID_EVENT, "id" },
    { "{\"kind\":\"deployment\",\"id\":\"d\",\"commit_time\":1,\"deploy_time\":2}",
      HW_ERROR_INVALID_EVENT, "service" },
    { "{\"kind\":\"deployment\",\"id\":\"d\",\"service\":\"s\",\"deploy_time\":2}",
      HW_ERROR_INVALID_EVENT, "commit_time" },
    { "{\"kind\":\"deployment\",\"id\":\"d\",\"service\":\"s\",\"commit_time\":1,\"deploy_time\":\"yesterday\"}",
      HW_ERROR_INVALID_EVENT, "deploy_time" },
    { "{\"kind\":\"deployment\",\"id\":\"d\",\"service\":\"s\",\"commit_time\":1,\"deploy_time\":\"now-1h\"}",
      HW_ERROR_INVALID_EVENT, "deploy_time" },
    { "{\"kind\":\"deployment\",\"id\":\"d\",\"service\":\"s\",\"commit_time\":1,\"deploy_time\":2.5}",
      HW_ERROR_INVALID_EVENT, "deploy_time" },
    { "{\"kind\":\"deployment\",\"id\":\"d\",\"service\":\"s\",\"commit_time\":true,\"deploy_time\":2}",
      HW_ERROR_INVALID_EVENT, "commit_time" },
    { "{\"kind\":\"deployment\",\"id\":\"d\",\"service\":\"s\",\"commit_time\":5,\"deploy_time\":2}",
      HW_ERROR_INVALID_EVENT, "commit_time is after deploy_time" },
    { "{\"kind\":\"deployment\",\"id\":\"d\",\"service\":\"s\",\"commit_time\":1,\"deploy_time\":2,\"result\":\"ok\"}",
      HW_ERROR_INVALID_EVENT, "result" },
    { "{\"kind\":\"incident\",\"id\":\"i\",\"service\":\"s\"}", HW_ERROR_INVALID_EVENT, "opened_at" },
    { "{\"kind\":\"incident\",\"id\":\"i\",\"service\":\"s\",\"opened_at\":5,\"resolved_at\":2}",
      HW_ERROR_INVALID_EVENT, "resolved_at is before opened_at" },
    { "{\"kind\":\"incident\",\"id\":\"i\",\"service\":\"s\",\"opened_at\":5,\"cause_deployment\":3}",
      HW_ERROR_INVALID_EVENT, "cause_deployment" },
    /* The event parser's guard: json-glib 1.6 would store "d\255" as the
     * byte 0xad and recurse once per level of nesting. */
    { "{\"kind\":\"deployment\",\"id\":\"d\\255\",\"service\":\"s\",\"commit_time\":1,\"deploy_time\":2}",
      HW_ERROR_INVALID_JSON, "system event: invalid escape '\\2' in a string at byte offset 28" },
    { "{\"kind\":\"incident\",\"id\":\"i\\ud800\",\"service\":\"s\",\"opened_at\":5}",
      HW_ERROR_INVALID_UTF8, "system event: unpaired UTF-16 surrogate escape at byte offset 26" },
    { "{\"kind\":\"deployment\",\"id\":\"d\xff\",\"service\":\"s\",\"commit_time\":1,\"deploy_time\":2}",
      HW_ERROR_INVALID_UTF8, "system event: invalid UTF-8 at byte offset 28" },
    { "{\"kind\":\"deployment\",\"id\":\"caf\xc3\",\"service\":\"s\",\"commit_time\":1,\"deploy_time\":2}",
      HW_ERROR_INVALID_UTF8, "system event: invalid UTF-8 at byte offset 30" },
    { "{\"kind\":\"audit\",\"x\":" BRACKETS_64 "]}",
      HW_ERROR_TOO_DEEP, "system event: nesting deeper than 64 levels at byte offset 83" },
  };
  g_autoptr(HwTeamInput) input = hw_team_input_new ();
  gsize n;

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      g_autoptr(GError) error = NULL;
      /* TAP output must stay UTF-8, and some lines are not. */
      g_autofree char *shown = g_strescape (table[i].line, NULL);

      g_test_message ("%s", shown);
      g_assert_false (hw_team_input_add_line (input, table[i].line, -1, &error));
      g_assert_error (error, HW_ERROR, table[i].code);
      if (strstr (error->message, table[i].mentions) == NULL)
        g_error ("'%s' does not mention '%s'", error->message, table[i].mentions);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
    }
  /* Nothing half-added. */
  hw_team_input_get_deployments (input, &n);
  g_assert_cmpuint (n, ==, 0);
  hw_team_input_get_incidents (input, &n);
  g_assert_cmpuint (n, ==, 0);
}

/* What a table of NUL-terminated lines cannot say: a NUL inside the bytes
 * the caller counts (as the CLI's line reader gives them) is refused, not
 * taken as the end of the line, and nesting far beyond the limit fails
 * before json-glib recurses. */
static void
test_parse_hostile (void)
{
  static const char with_nul[] = "{\"kind\":\"deployment\",\"id\":\"d\0\"}";
  g_autoptr(HwTeamInput) input = hw_team_input_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *deep = g_strnfill (100000, '[');

  g_assert_false (hw_team_input_add_line (input, with_nul, sizeof with_nul - 1, &error));
  g_assert_error (error, HW_ERROR, HW_ERROR_INVALID_UTF8);
  g_assert_cmpstr (error->message, ==, "system event: NUL byte at byte offset 28");
  g_clear_error (&error);

  g_assert_false (hw_team_input_add_line (input, deep, -1, &error));
  g_assert_error (error, HW_ERROR, HW_ERROR_TOO_DEEP);
  g_assert_cmpstr (error->message, ==, "system event: nesting deeper than 64 levels at byte offset 64");
  g_clear_error (&error);

  /* Blank lines stay accepted, whatever their length says. */
  g_assert_true (hw_team_input_add_line (input, " \t\r\n", 4, &error));
  g_assert_no_error (error);
}

static void
test_to_json (void)
{
  static const char *keys[] = {
    "deployments", "deployments_per_week", "lead_time_median_hours", "lead_time_p90_hours",
    "change_failure_rate", "time_to_restore_median_hours", "mttr_hours", "open_incidents",
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) full = NULL;
  g_autoptr(JsonNode) empty = NULL;
  JsonObject *object;
  JsonObject *classes;
  HwTeamMetrics m;

  g_assert_true (hw_team_metrics_compute (deployments, G_N_ELEMENTS (deployments),
                                          incidents, G_N_ELEMENTS (incidents),
                                          NULL, T0, T0 + 7 * DAY, &m, &error));
  full = hw_team_metrics_to_json (&m);
  object = json_node_get_object (full);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_assert_true (json_object_has_member (object, keys[i]));
  g_assert_cmpint (json_object_get_int_member (object, "deployments"), ==, 5);
  g_assert_cmpfloat (json_object_get_double_member (object, "lead_time_p90_hours"), ==, m.lead_time_p90_hours);
  g_assert_cmpfloat (json_object_get_double_member (object, "mttr_hours"), ==, 2.6875);
  g_assert_cmpint (json_object_get_int_member (object, "open_incidents"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (object, "from"), ==, "2024-01-01T00:00:00.000Z");
  classes = json_object_get_object_member (object, "classifications");
  g_assert_cmpstr (json_object_get_string_member (classes, "deployment_frequency"), ==, "high");
  g_assert_cmpstr (json_object_get_string_member (classes, "change_failure_rate"), ==, "medium");

  g_assert_true (hw_team_metrics_compute (NULL, 0, NULL, 0, NULL, T0, T0 + DAY, &m, &error));
  empty = hw_team_metrics_to_json (&m);
  object = json_node_get_object (empty);
  g_assert_cmpint (json_object_get_int_member (object, "deployments"), ==, 0);
  g_assert_cmpfloat (json_object_get_double_member (object, "change_failure_rate"), ==, 0.0);
  g_assert_true (json_object_get_null_member (object, "lead_time_median_hours"));
  g_assert_true (json_object_get_null_member (object, "mttr_hours"));
  classes = json_object_get_object_member (object, "classifications");
  g_assert_cmpstr (json_object_get_string_member (classes, "lead_time"), ==, "none");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/team-metrics/table", test_metrics_table);
  g_test_add_func ("/team-metrics/empty-window", test_empty_window_is_an_error);
  g_test_add_func ("/team-metrics/quantile", test_quantile);
  g_test_add_func ("/team-metrics/classification-bounds", test_classification_bounds);
  g_test_add_func ("/team-metrics/parse-system-events", test_parse_system_events);
  g_test_add_func ("/team-metrics/parse-errors", test_parse_errors);
  g_test_add_func ("/team-metrics/parse-hostile", test_parse_hostile);
  g_test_add_func ("/team-metrics/to-json", test_to_json);
  return g_test_run ();
}
