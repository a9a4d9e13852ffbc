/* test-alert-monitor.c: alert transitions over cached rollups end in notifications; faults are rate limited
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-alert-monitor.h"
#include "hw-event-store.h"
#include "hw-hub-sync.h"
#include "hw-preferences-window.h"
#include "hw-test-app.h"

#define MINUTE_MS (G_GINT64_CONSTANT (60) * 1000)
#define AGE_OK    (5.0 * MINUTE_MS)
#define AGE_BAD   (40.0 * MINUTE_MS)   /* over the default 30 minutes */

typedef struct
{
  char           *dir;
  HwEventStore   *store;
  HwAlertMonitor *monitor;
  GPtrArray      *notified;   /* ids, in order */
  gint64          base_ms;    /* a whole minute, 13 minutes ago */
} Fixture;

static void
on_notify (HwAlertMonitor *monitor,
           const char     *id,
           GNotification  *notification,
           gpointer        user_data)
{
  Fixture *fixture = user_data;

  g_assert_true (G_IS_NOTIFICATION (notification));
  g_ptr_array_add (fixture->notified, g_strdup (id));
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_real_time () / 1000;

  fixture->dir = hw_test_mkdtemp ();
  path = g_build_filename (fixture->dir, "cache.db", NULL);
  fixture->store = hw_event_store_open (path, HW_EVENT_STORE_FLAGS_NONE, &error);
  g_assert_no_error (error);
  fixture->notified = g_ptr_array_new_with_free_func (g_free);
  fixture->base_ms = now / MINUTE_MS * MINUTE_MS - 13 * MINUTE_MS;
  fixture->monitor = hw_alert_monitor_new_for_store (fixture->store);
  hw_alert_monitor_set_notify_func (fixture->monitor, on_notify, fixture, NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->monitor);
  g_clear_object (&fixture->store);
  g_ptr_array_unref (fixture->notified);
  hw_test_rmdir (fixture->dir);
  g_free (fixture->dir);
}

typedef struct
{
  HwAlertMonitor *monitor;
  guint           runs;
} RunWait;

static gboolean
run_done (gpointer user_data)
{
  RunWait *wait = user_data;

  return hw_alert_monitor_get_run_count (wait->monitor) >= wait->runs;
}

static void
evaluate (HwAlertMonitor *monitor)
{
  RunWait wait = { monitor, hw_alert_monitor_get_run_count (monitor) + 1 };

  hw_alert_monitor_evaluate (monitor);
  g_assert_true (hw_test_wait_until (run_done, &wait, 20000));
  g_assert_null (hw_alert_monitor_get_last_error (monitor));
}

/* Iterator ages of listener "payments" for minutes @from .. @to of the
 * fixture, as the sync caches them. */
static void
cache_ages (Fixture *fixture,
            guint    from,
            guint    to,
            double   age_ms)
{
  g_autofree char *name = hw_hub_sync_metric_cache_name ("listener.iterator_age", "max");
  g_autoptr(GError) error = NULL;

  for (guint i = from; i <= to; i++)
    {
      HwMetricPoint point = {
        .name = name, .labels = (char *) "{\"listener\":\"payments\"}",
        .ts_ms = fixture->base_ms + i * MINUTE_MS, .resolution_s = 60,
        .sum = age_ms, .min = age_ms, .max = age_ms, .count = 1,
      };

      hw_event_store_insert_metric_points (fixture->store, &point, 1, &error);
      g_assert_no_error (error);
    }
}

static HwAlertRecord *
last_record (HwAlertMonitor *monitor)
{
  GPtrArray *history = hw_alert_monitor_get_history (monitor);

  g_assert_cmpuint (history->len, >, 0);
  return g_ptr_array_index (history, history->len - 1);
}

static guint
count_alert_events (Fixture    *fixture,
                    const char *rule)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = hw_event_store_list_system_events (fixture->store, "alert",
                                                                   HW_EVENT_STORE_UNBOUNDED,
                                                                   HW_EVENT_STORE_UNBOUNDED,
                                                                   HW_EVENT_ORDER_OLDEST_FIRST, 0,
                                                                   NULL, &error);
  g_autofree char *needle = g_strdup_printf ("\"rule\":\"%s\"", rule);
  guint n = 0;

  g_assert_no_error (error);
  for (guint i = 0; i < events->len; i++)
    if (strstr (((HwSystemEvent *) g_ptr_array_index (events, i))->json, needle) != NULL)
      n++;
  return n;
}

static void
test_iterator_age_transitions (Fixture       *fixture,
                               gconstpointer  data)
{
  HwAlertMonitor *monitor = fixture->monitor;
  static const HwAlertState expected[] = {
    HW_ALERT_STATE_PENDING, HW_ALERT_STATE_FIRING, HW_ALERT_STATE_RESOLVED, HW_ALERT_STATE_NORMAL,
  };
  GPtrArray *history = hw_alert_monitor_get_history (monitor);
  g_autoptr(HwAlertMonitor) again = NULL;

  /* Nothing cached: nothing to say. */
  evaluate (monitor);
  g_assert_cmpuint (history->len, ==, 0);

  /* Minutes 0–9 fine, 10 too old. Minute 11 is the newest cached one,
   * maybe still filling, so it waits for the next run: one breaching
   * evaluation is Pending, never Firing. */
  cache_ages (fixture, 0, 9, AGE_OK);
  cache_ages (fixture, 10, 11, AGE_BAD);
  evaluate (monitor);
  g_assert_cmpint (hw_alert_monitor_get_state (monitor, "iterator-age", "payments"), ==,
                   HW_ALERT_STATE_PENDING);
  g_assert_cmpuint (history->len, ==, 1);
  g_assert_cmpuint (fixture->notified->len, ==, 0);

  /* The second breaching minute fires, and notifies once. */
  cache_ages (fixture, 12, 12, AGE_BAD);
  evaluate (monitor);
  g_assert_cmpint (hw_alert_monitor_get_state (monitor, "iterator-age", "payments"), ==,
                   HW_ALERT_STATE_FIRING);
  g_assert_cmpuint (hw_alert_monitor_get_n_firing (monitor), ==, 1);
  g_assert_cmpint (last_record (monitor)->t_ms, ==, fixture->base_ms + 11 * MINUTE_MS);
  g_assert_cmpfloat (last_record (monitor)->value, ==, AGE_BAD);
  g_assert_cmpstr (last_record (monitor)->metric, ==, "listener.iterator_age");
  g_assert_cmpuint (fixture->notified->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture->notified, 0), ==, "alert--iterator-age-payments");

  /* Evaluating the same cache again changes nothing. */
  evaluate (monitor);
  g_assert_cmpuint (history->len, ==, 2);
  g_assert_cmpuint (fixture->notified->len, ==, 1);

  /* Recovery: Resolved (notified, replacing the alarm), then Normal. */
  cache_ages (fixture, 13, 14, AGE_OK);
  evaluate (monitor);
  g_assert_cmpint (hw_alert_monitor_get_state (monitor, "iterator-age", "payments"), ==,
                   HW_ALERT_STATE_RESOLVED);
  g_assert_cmpuint (fixture->notified->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (fixture->notified, 1), ==, "alert--iterator-age-payments");
  cache_ages (fixture, 15, 15, AGE_OK);
  evaluate (monitor);
  g_assert_cmpint (hw_alert_monitor_get_state (monitor, "iterator-age", "payments"), ==,
                   HW_ALERT_STATE_NORMAL);

  g_assert_cmpuint (history->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      HwAlertRecord *record = g_ptr_array_index (history, i);

      g_assert_cmpstr (record->rule, ==, "iterator-age");
      g_assert_cmpstr (record->subject, ==, "payments");
      g_assert_cmpint (record->state, ==, expected[i]);
      g_assert_true (record->is_new);
    }
  /* The history is in the cache as alert system events: charts overlay them. */
  g_assert_cmpuint (count_alert_events (fixture, "iterator-age"), ==, G_N_ELEMENTS (expected));

  /* A restarted console re-reads the same cache: same alerts, no new
   * records, no second notification. */
  again = hw_alert_monitor_new_for_store (fixture->store);
  hw_alert_monitor_set_notify_func (again, on_notify, fixture, NULL);
  evaluate (again);
  g_assert_cmpuint (hw_alert_monitor_get_history (again)->len, ==, 0);
  g_assert_cmpuint (fixture->notified->len, ==, 2);
  g_assert_cmpuint (count_alert_events (fixture, "iterator-age"), ==, G_N_ELEMENTS (expected));
}

static void
cache_fault (Fixture    *fixture,
             const char *id,
             gint64      t_ms,
             const char *message)
{
  g_autofree char *json = g_strdup_printf (
    "{\"id\":\"%s\",\"type\":\"fault\",\"timestamp\":%" G_GINT64_FORMAT ","
    "\"tags\":{\"functionname\":\"charge\",\"pipeline\":\"p1\",\"region\":\"eu-west-1\"},"
    "\"err\":{\"name\":\"Error\",\"message\":\"%s\",\"stack\":\"Error: %s\\n  at charge\"},"
    "\"uow\":{\"record\":{}}}", id, t_ms, message, message);
  g_autoptr(GError) error = NULL;
  g_autoptr(HwEvent) event = hw_event_parse (json, -1, NULL, &error);

  g_assert_no_error (error);
  hw_event_store_insert (fixture->store, &event, 1, NULL, NULL, &error);
  g_assert_no_error (error);
}

static void
test_fault_rate_limit (Fixture       *fixture,
                       gconstpointer  data)
{
  HwAlertMonitor *monitor = fixture->monitor;
  GPtrArray *history = hw_alert_monitor_get_history (monitor);
  gint64 now = g_get_real_time () / 1000;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *alert;

  /* Three faults of one function, pipeline and message within the hour
   * page once; a different message is its own alert. */
  cache_fault (fixture, "f-1", now - 10 * MINUTE_MS, "card declined");
  cache_fault (fixture, "f-2", now - 5 * MINUTE_MS, "card declined");
  cache_fault (fixture, "f-3", now - 4 * MINUTE_MS, "timeout");
  cache_fault (fixture, "f-4", now - 1 * MINUTE_MS, "card declined");
  evaluate (monitor);
  g_assert_cmpuint (history->len, ==, 2);
  g_assert_cmpuint (fixture->notified->len, ==, 2);
  g_assert_cmpstr (((HwAlertRecord *) g_ptr_array_index (history, 0))->id, ==, "alert:fault:f-1");
  g_assert_cmpstr (((HwAlertRecord *) g_ptr_array_index (history, 0))->message, ==, "card declined");
  g_assert_cmpstr (((HwAlertRecord *) g_ptr_array_index (history, 1))->id, ==, "alert:fault:f-3");
  g_assert_cmpstr (((HwAlertRecord *) g_ptr_array_index (history, 1))->message, ==, "timeout");
  g_assert_cmpint (((HwAlertRecord *) g_ptr_array_index (history, 1))->state, ==,
                   HW_ALERT_STATE_FIRING);

  /* The alert carries the error message, stack and tags. */
  node = json_from_string (((HwAlertRecord *) g_ptr_array_index (history, 0))->json, NULL);
  alert = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (alert, "kind"), ==, "alert");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (alert, "err"), "stack"),
                   ==, "Error: card declined\n  at charge");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (alert, "tags"), "region"),
                   ==, "eu-west-1");
  g_assert_cmpstr (json_object_get_string_member (alert, "functionname"), ==, "charge");

  /* Another one of the same key within the hour: still held back. */
  cache_fault (fixture, "f-5", now, "card declined");
  evaluate (monitor);
  g_assert_cmpuint (history->len, ==, 2);
  g_assert_cmpuint (fixture->notified->len, ==, 2);
  g_assert_cmpuint (count_alert_events (fixture, "fault"), ==, 2);
}

static void
test_describe (void)
{
  static const struct
  {
    const char *rule, *subject, *state;
    double      value;
    const char *message, *expected;
  } table[] = {
    { "iterator-age", "payments", "firing", 40 * 60000.0, NULL, "Iterator age of payments at 40 min" },
    { "iterator-age", "payments", "resolved", 60000.0, NULL, "Resolved: Iterator age of payments at 1 min" },
    { "listener-error-rate", "billing", "firing", 0.125, NULL, "Listener billing fails 12.5 % of its calls" },
    { "event-rate-zero", "order-placed", "pending", 0, NULL, "Pending: No more order-placed events" },
    { "fault", "charge", "firing", 3, "card declined", "Fault in charge: card declined" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      g_autofree char *text = hw_alert_describe (table[i].rule, table[i].subject, table[i].state,
                                                 table[i].value, table[i].message);

      g_assert_cmpstr (text, ==, table[i].expected);
    }
}

/* The thresholds are in Preferences: the rows load and write the keys the
 * monitor reads. */
static void
test_preferences (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("io.github.hubwatch.Hubwatch");
  HwPreferencesWindow *window = hw_preferences_window_new (settings);
  g_assert_nonnull (window);
  g_assert_cmpuint (g_settings_get_uint (settings, "alert-error-rate-percent"), ==, 5);
  g_assert_cmpfloat (g_settings_get_double (settings, "alert-anomaly-sigma"), ==, 3.0);
  g_assert_true (g_settings_get_boolean (settings, "alert-notifications"));
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *tmp_dir = NULL;
  int status;

  if (!hw_test_app_init (&argc, &argv, &tmp_dir, &status))
    return status;
  /* This test intercepts notifications through the notify func, so the
   * monitor may raise them: back to the shipped default. */
  {
    g_autoptr(GSettings) settings = g_settings_new ("io.github.hubwatch.Hubwatch");

    g_settings_reset (settings, "alert-notifications");
  }

  g_test_add ("/app/alert-monitor/iterator-age", Fixture, NULL, fixture_set_up,
              test_iterator_age_transitions, fixture_tear_down);
  g_test_add ("/app/alert-monitor/fault-rate-limit", Fixture, NULL, fixture_set_up,
              test_fault_rate_limit, fixture_tear_down);
  g_test_add_func ("/app/alert-monitor/describe", test_describe);
  g_test_add_func ("/app/alert-monitor/preferences", test_preferences);

  status = g_test_run ();
  hw_test_rmdir (tmp_dir);
  return status;
}
