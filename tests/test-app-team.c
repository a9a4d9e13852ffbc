/* test-app-team.c: the Team and System Events pages against a seeded hubwatchd
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-system-events-page.h"
#include "hw-team-page.h"
#include "hw-test-app.h"
#include "hw-test-hub.h"
#include "hw-test-screenshot.h"
#include "hw-window.h"

#define HOUR_MS (G_GINT64_CONSTANT (3600) * 1000)
#define DAY_MS  (24 * HOUR_MS)

typedef struct
{
  HwApplication *app;
  HwWindow      *window;
  HwTestHub     *hub;
  gint64         now_ms;
} Fixture;

/* Seeded relative to now, so the 7-, 30- and 90-day presets (which end
 * now) see them. Hand-computed numbers are in the tests below. */
static void
seed (Fixture *fixture)
{
  gint64 now = fixture->now_ms;
  g_autoptr(GString) body = g_string_new ("[");
  g_autoptr(JsonNode) answer = NULL;
  static const struct
  {
    const char *id;
    const char *service;
    double      deploy_days_ago;
    double      lead_hours;
    const char *result;
  } deployments[] = {
    { "d1", "payments", 10, 2, "success" },
    { "d2", "payments", 5, 4, "success" },
    { "d3", "payments", 3, 0.5, "failure" },
    { "d4", "search", 1, 8, "success" },
    { "d5", "payments", 40, 1, "success" },   /* outside 7 and 30 days */
  };
  static const struct
  {
    const char *id;
    const char *service;
    double      opened_hours_ago;
    double      restore_hours;               /* < 0: still open */
    const char *cause;
  } incidents[] = {
    { "INC-1", "payments", 5 * 24 - 1, 1.5, "d2" },
    { "INC-2", "payments", 5 * 24 - 2, 0.5, "d2" },  /* a second incident of d2 */
    { "INC-3", "search", 12, -1, "d4" },
    { "INC-4", "payments", 2 * 24, 3, NULL },         /* no cause */
    { "INC-5", "payments", 45 * 24, 2, NULL },        /* outside 30 days */
  };
  guint status;

  for (guint i = 0; i < G_N_ELEMENTS (deployments); i++)
    {
      gint64 deploy = now - (gint64) (deployments[i].deploy_days_ago * DAY_MS);
      gint64 commit = deploy - (gint64) (deployments[i].lead_hours * HOUR_MS);

      g_string_append_printf (body,
                              "%s{\"kind\":\"deployment\",\"id\":\"%s\",\"service\":\"%s\","
                              "\"version\":\"1.%u.0\",\"commit_sha\":\"abcdef%u\",\"commit_time\":%"
                              G_GINT64_FORMAT ",\"deploy_time\":%" G_GINT64_FORMAT ",\"result\":\"%s\"}",
                              body->len > 1 ? "," : "", deployments[i].id, deployments[i].service, i, i,
                              commit, deploy, deployments[i].result);
    }
  for (guint i = 0; i < G_N_ELEMENTS (incidents); i++)
    {
      gint64 opened = now - (gint64) (incidents[i].opened_hours_ago * HOUR_MS);

      g_string_append_printf (body, ",{\"kind\":\"incident\",\"id\":\"%s\",\"service\":\"%s\","
                              "\"severity\":\"sev2\",\"opened_at\":%" G_GINT64_FORMAT,
                              incidents[i].id, incidents[i].service, opened);
      if (incidents[i].restore_hours >= 0)
        g_string_append_printf (body, ",\"resolved_at\":%" G_GINT64_FORMAT,
                                opened + (gint64) (incidents[i].restore_hours * HOUR_MS));
      if (incidents[i].cause != NULL)
        g_string_append_printf (body, ",\"cause_deployment\":\"%s\"", incidents[i].cause);
      g_string_append_c (body, '}');
    }
  g_string_append (body, ",{\"kind\":\"audit\",\"action\":\"job.start\",\"actor\":\"oncall\","
                         "\"job_kind\":\"replay\",\"listener\":\"payments\"}]");

  status = hw_test_hub_json (fixture->hub, "POST", "/v1/system-events", NULL, body->str, &answer);
  g_assert_cmpuint (status, ==, 201);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  const char * const no_args[] = { NULL };
  GSettings *settings;

  fixture->now_ms = g_get_real_time () / 1000;
  fixture->hub = hw_test_hub_newv (NULL, no_args);
  seed (fixture);

  fixture->app = hw_test_app_new ();
  settings = hw_application_get_settings (fixture->app);
  g_settings_reset (settings, "hubs");
  g_settings_set_int (settings, "window-width", 1100);
  g_settings_set_int (settings, "window-height", 900);
  g_application_activate (G_APPLICATION (fixture->app));
  fixture->window = HW_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (fixture->app)));
  g_assert_nonnull (fixture->window);
  hw_application_connect_url (fixture->app, fixture->hub->base_url, NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  GListModel *hubs = hw_application_get_hubs (fixture->app);

  while (g_list_model_get_n_items (hubs) > 0)
    {
      g_autoptr(HwConnection) connection = g_list_model_get_item (hubs, 0);

      hw_application_remove_hub (fixture->app, connection);
    }
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  hw_test_app_quit (&fixture->app);
  hw_test_hub_free (fixture->hub);
}

typedef struct
{
  HwTeamPage *page;
  const char *card;
  const char *value;
} CardWait;

static gboolean
card_shows (gpointer user_data)
{
  CardWait *wait = user_data;

  return g_strcmp0 (hw_team_page_get_card_value (wait->page, wait->card), wait->value) == 0;
}

static void
wait_for_card (HwTeamPage *page,
               const char *card,
               const char *value)
{
  CardWait wait = { page, card, value };

  if (!hw_test_wait_until (card_shows, &wait, 30000))
    g_error ("card %s shows '%s', expected '%s'", card, hw_team_page_get_card_value (page, card),
             value);
}

typedef struct
{
  const char *card;
  const char *value;
  const char *detail;
  const char *klass;
} CardExpectation;

static void
check_cards (HwTeamPage            *page,
             const CardExpectation *expected,
             guint                  n)
{
  /* The cards follow the sync as it goes: deployments and incidents may
   * arrive in different pages, so one card showing its number does not
   * mean another has all its data yet. */
  for (guint i = 0; i < n; i++)
    wait_for_card (page, expected[i].card, expected[i].value);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpstr (hw_team_page_get_card_value (page, expected[i].card), ==, expected[i].value);
      g_assert_cmpstr (hw_team_page_get_card_detail (page, expected[i].card), ==, expected[i].detail);
      g_assert_cmpstr (hw_team_page_get_card_class (page, expected[i].card), ==, expected[i].klass);
    }
}

static void
test_team_numbers (Fixture       *fixture,
                   gconstpointer  data)
{
  HwTeamPage *page = HW_TEAM_PAGE (hw_window_get_page (fixture->window, "team"));
  /* All services, 30 days: d1 d2 d3 d4 (d5 is 40 days old). 4 ÷ (30/7)
   * = 0.933 a week: Medium. Lead times of the successful ones 2, 4 and 8 h:
   * median 4, p90 4 + 0.8·4 = 7.2: Elite. d2 and d4 caused incidents (d2
   * twice, counted once): 2 of 4 = 50 %: Low. Restores 1.5, 0.5, 3 h
   * (INC-3 open, INC-5 too old): median 1.5, mean 5/3: High. */
  static const CardExpectation all_30[] = {
    { "deployment-frequency", "0.93 a week", "4 deployments in 30 days, 1 failed", "Medium" },
    { "lead-time", "4.00 h", "p90 7.20 h, over 3 successful deployments", "Elite" },
    { "change-failure-rate", "50.0 %", "2 of 4 deployments caused an incident", "Low" },
    { "time-to-restore", "1.50 h", "MTTR 1.67 h · 3 resolved, 1 open", "High" },
  };
  /* payments, 30 days: d1 d2 d3, 0.7 a week; lead 2 and 4 h (d3 failed):
   * median 3, p90 3.8; d2 of 3 = 33.3 %: Medium; INC-1, 2, 4. */
  static const CardExpectation payments_30[] = {
    { "deployment-frequency", "0.70 a week", "3 deployments in 30 days, 1 failed", "Medium" },
    { "lead-time", "3.00 h", "p90 3.80 h, over 2 successful deployments", "Elite" },
    { "change-failure-rate", "33.3 %", "1 of 3 deployments caused an incident", "Medium" },
    { "time-to-restore", "1.50 h", "MTTR 1.67 h · 3 resolved, 0 open", "High" },
  };
  /* All, 7 days: d2 d3 d4 = 3 a week: High; lead 4 and 8: median 6,
   * p90 4 + 0.9·4 = 7.6; 2 of 3 = 66.7 %. */
  static const CardExpectation all_7[] = {
    { "deployment-frequency", "3.00 a week", "3 deployments in 7 days, 1 failed", "High" },
    { "lead-time", "6.00 h", "p90 7.60 h, over 2 successful deployments", "Elite" },
    { "change-failure-rate", "66.7 %", "2 of 3 deployments caused an incident", "Low" },
  };

  g_assert_nonnull (page);
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (page), GTK_ACCESSIBLE_PROPERTY_LABEL, "Team");
  g_assert_cmpuint (hw_team_page_get_window_days (page), ==, 30);
  hw_window_show_page (fixture->window, "team");

  wait_for_card (page, "deployment-frequency", "0.93 a week");
  check_cards (page, all_30, G_N_ELEMENTS (all_30));
  g_assert_cmpuint (hw_team_page_get_n_deployment_rows (page), ==, 4);
  g_assert_cmpuint (hw_team_page_get_n_incident_rows (page), ==, 4);
  hw_test_maybe_screenshot (GTK_WINDOW (fixture->window), "team-page.png");

  hw_team_page_set_service (page, "payments");
  g_assert_cmpstr (hw_team_page_get_service (page), ==, "payments");
  wait_for_card (page, "deployment-frequency", "0.70 a week");
  check_cards (page, payments_30, G_N_ELEMENTS (payments_30));
  g_assert_cmpuint (hw_team_page_get_n_deployment_rows (page), ==, 3);
  g_assert_cmpuint (hw_team_page_get_n_incident_rows (page), ==, 3);

  hw_team_page_set_service (page, NULL);
  hw_team_page_set_window_days (page, 7);
  wait_for_card (page, "deployment-frequency", "3.00 a week");
  check_cards (page, all_7, G_N_ELEMENTS (all_7));

  /* 90 days takes in d5 and INC-5: 5 ÷ (90/7) = 0.389 a week. */
  hw_team_page_set_window_days (page, 90);
  wait_for_card (page, "deployment-frequency", "0.39 a week");
  g_assert_cmpuint (hw_team_page_get_n_deployment_rows (page), ==, 5);
  g_assert_cmpuint (hw_team_page_get_n_incident_rows (page), ==, 5);
}

typedef struct
{
  HwSystemEventsPage *page;
  guint               rows;
  const char         *first_title;
} TimelineWait;

static gboolean
timeline_shows (gpointer user_data)
{
  TimelineWait *wait = user_data;

  return hw_system_events_page_get_n_rows (wait->page) == wait->rows
         && (wait->first_title == NULL
             || g_strcmp0 (hw_system_events_page_get_row_title (wait->page, 0), wait->first_title) == 0);
}

static void
wait_for_timeline (HwSystemEventsPage *page,
                   guint               rows,
                   const char         *first_title)
{
  TimelineWait wait = { page, rows, first_title };

  if (!hw_test_wait_until (timeline_shows, &wait, 30000))
    g_error ("timeline shows %u rows, first '%s'; expected %u, '%s'",
             hw_system_events_page_get_n_rows (page), hw_system_events_page_get_row_title (page, 0),
             rows, first_title);
}

static void
test_system_events_timeline (Fixture       *fixture,
                             gconstpointer  data)
{
  HwSystemEventsPage *page =
    HW_SYSTEM_EVENTS_PAGE (hw_window_get_page (fixture->window, "system-events"));

  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (page), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "System Events");
  hw_window_show_page (fixture->window, "system-events");

  /* 5 deployments, 5 incidents and the audit, newest (the audit) first. */
  wait_for_timeline (page, 11, "oncall started a replay to payments");
  hw_test_maybe_screenshot (GTK_WINDOW (fixture->window), "system-events-page.png");

  hw_system_events_page_set_filter (page, "incident", NULL, NULL);
  wait_for_timeline (page, 5, "Incident INC-3 (sev2)");

  hw_system_events_page_set_filter (page, "deployment", "search", NULL);
  wait_for_timeline (page, 1, "Deployed search 1.3.0");

  hw_system_events_page_set_filter (page, NULL, NULL, "inc-4");
  wait_for_timeline (page, 1, "Incident INC-4 (sev2)");

  hw_system_events_page_set_filter (page, "deployment", NULL, "1.2.0");
  wait_for_timeline (page, 1, "Deployment of payments 1.2.0 failed");

  /* Alert notifications carry app actions that open the Faults page or the
   * chart of the hub they are about. */
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (fixture->app), "alert-open-faults"));
  g_action_group_activate_action (G_ACTION_GROUP (fixture->app), "alert-open-faults",
                                  g_variant_new_string (fixture->hub->base_url));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (hw_window_get_pages (fixture->window)), ==,
                   "faults");
  g_action_group_activate_action (G_ACTION_GROUP (fixture->app), "alert-open-chart",
                                  g_variant_new ("(ss)", fixture->hub->base_url,
                                                 "listener.iterator_age"));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (hw_window_get_pages (fixture->window)), ==,
                   "metrics");
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *tmp_dir = NULL;
  int status;

  if (!hw_test_app_init (&argc, &argv, &tmp_dir, &status))
    return status;

  g_test_add ("/app/team/numbers", Fixture, NULL, fixture_set_up, test_team_numbers,
              fixture_tear_down);
  g_test_add ("/app/team/system-events", Fixture, NULL, fixture_set_up,
              test_system_events_timeline, fixture_tear_down);

  status = g_test_run ();
  hw_test_rmdir (tmp_dir);
  return status;
}
