/* test-alerts.c: alert state transitions over synthetic series, and fault alert rate limiting
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "hw-alerts.h"
#include "hw-test-util.h"

#define MINUTE (G_GINT64_CONSTANT (60) * 1000)
#define HOUR (60 * MINUTE)
#define NORMAL HW_ALERT_STATE_NORMAL
#define PENDING HW_ALERT_STATE_PENDING
#define FIRING HW_ALERT_STATE_FIRING
#define RESOLVED HW_ALERT_STATE_RESOLVED

/* Pushes @values one evaluation a minute and checks the state after each. */
static void
check_states (const HwAlertRule  *rule,
              const double       *values,
              const HwAlertState *expected,
              gsize               n)
{
  g_autoptr(HwAlertEvaluator) evaluator = hw_alert_evaluator_new (rule);

  for (gsize i = 0; i < n; i++)
    {
      HwAlertState state = hw_alert_evaluator_push (evaluator, (gint64) i * MINUTE, values[i], NULL);

      if (state != expected[i])
        g_error ("evaluation %" G_GSIZE_FORMAT " (value %g): expected %s, got %s", i, values[i],
                 hw_alert_state_to_string (expected[i]), hw_alert_state_to_string (state));
    }
}

static void
test_iterator_age_pending_then_firing (void)
{
  /* Per-minute maxima of the iterator age, in minutes (× MINUTE below). */
  static const double minutes[] = { 10, 20, 31, 40, 35, 5, 6, 31, 2, 30, 30, 30, 29 };
  static const HwAlertState expected[] = {
    NORMAL, NORMAL, PENDING, FIRING, FIRING, RESOLVED, NORMAL, PENDING, NORMAL,
    PENDING, FIRING, FIRING, RESOLVED,   /* exactly 30 min breaches: ≥ */
  };
  HwAlertRule rule = hw_alert_rule_iterator_age (0);
  double values[G_N_ELEMENTS (minutes)];

  g_assert_cmpfloat (rule.threshold, ==, 30.0 * MINUTE);
  for (guint i = 0; i < G_N_ELEMENTS (minutes); i++)
    values[i] = minutes[i] * MINUTE;
  check_states (&rule, values, expected, G_N_ELEMENTS (values));
}

static void
test_for_is_respected (void)
{
  static const double values[] = { 9, 9, 9, 1, 9, 9, 1, 9, 9, 9, 9, 1, 1 };
  static const HwAlertState for_three[] = {
    PENDING, PENDING, FIRING, RESOLVED, PENDING, PENDING, NORMAL, PENDING, PENDING, FIRING, FIRING,
    RESOLVED, NORMAL,
  };
  /* A rule asking to fire on the first breach still waits for a second. */
  static const HwAlertState for_one[] = {
    PENDING, FIRING, FIRING, RESOLVED, PENDING, FIRING, RESOLVED, PENDING, FIRING, FIRING, FIRING,
    RESOLVED, NORMAL,
  };
  HwAlertRule rule = hw_alert_rule_error_rate (5);

  rule.for_evaluations = 3;
  check_states (&rule, values, for_three, G_N_ELEMENTS (values));
  rule.for_evaluations = 1;
  check_states (&rule, values, for_one, G_N_ELEMENTS (values));
}

static void
test_below_and_missing_data (void)
{
  static const double values[] = { 5, 0.5, 0.4, NAN, 0.5, 0.5, 2 };
  static const HwAlertState expected[] = {
    NORMAL, PENDING, FIRING, RESOLVED, PENDING, FIRING, RESOLVED,
  };
  HwAlertRule rule = hw_alert_rule_error_rate (1);

  rule.direction = HW_ALERT_BELOW;
  check_states (&rule, values, expected, G_N_ELEMENTS (values));
}

static void
test_rate_drops_to_zero (void)
{
  /* Zeros before the type was ever seen are not an outage. */
  static const double values[] = { 0, 0, 0, 5, 7, 0, 0, 0, 4, 3, 0, 6 };
  static const HwAlertState expected[] = {
    NORMAL, NORMAL, NORMAL, NORMAL, NORMAL, PENDING, FIRING, FIRING, RESOLVED, NORMAL, PENDING, NORMAL,
  };
  HwAlertRule rule = hw_alert_rule_rate_zero ();

  check_states (&rule, values, expected, G_N_ELEMENTS (values));
}

static void
test_evaluate_series_transitions (void)
{
  static const HwAlertPoint points[] = {
    { 0, 10 * MINUTE }, { MINUTE, 45 * MINUTE }, { 2 * MINUTE, 50 * MINUTE },
    { 3 * MINUTE, 50 * MINUTE }, { 4 * MINUTE, MINUTE }, { 5 * MINUTE, MINUTE },
  };
  static const HwAlertTransition expected[] = {
    { MINUTE, NORMAL, PENDING, 45 * MINUTE },
    { 2 * MINUTE, PENDING, FIRING, 50 * MINUTE },
    { 4 * MINUTE, FIRING, RESOLVED, MINUTE },
    { 5 * MINUTE, RESOLVED, NORMAL, MINUTE },
  };
  HwAlertRule rule = hw_alert_rule_iterator_age (HW_ALERT_ITERATOR_AGE_DEFAULT_MS);
  g_autoptr(GArray) transitions = hw_alert_evaluate_series (&rule, points, G_N_ELEMENTS (points));

  g_assert_cmpuint (transitions->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < transitions->len; i++)
    {
      HwAlertTransition *t = &g_array_index (transitions, HwAlertTransition, i);

      g_assert_cmpint (t->t_ms, ==, expected[i].t_ms);
      g_assert_cmpint (t->from, ==, expected[i].from);
      g_assert_cmpint (t->to, ==, expected[i].to);
      g_assert_cmpfloat (t->value, ==, expected[i].value);
    }
}

static void
test_aggregate (void)
{
  /* Raw iterator-age samples from two shards, minute periods. */
  static const HwAlertPoint raw[] = {
    { 0, 100 }, { 10000, 40000 }, { 59999, 300 },   /* period 0: max 40000 */
    { 60000, 7 },                                    /* period 1: 7 */
                                                     /* period 2: empty */
    { 180000, 5 }, { 180001, NAN }, { 200000, 9 },  /* period 3: 9 */
    { 240000, 1000 },                                /* outside [0, 4 min) */
  };
  g_autoptr(GArray) max = hw_alert_aggregate (raw, G_N_ELEMENTS (raw), 0, 4 * MINUTE, MINUTE,
                                              HW_ALERT_STATISTIC_MAXIMUM);
  g_autoptr(GArray) sum = hw_alert_aggregate (raw, G_N_ELEMENTS (raw), 0, 4 * MINUTE, MINUTE,
                                              HW_ALERT_STATISTIC_SUM);
  static const double expected_max[] = { 40000, 7, NAN, 9 };
  static const double expected_sum[] = { 40400, 7, 0, 14 };

  g_assert_cmpuint (max->len, ==, 4);
  g_assert_cmpuint (sum->len, ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      HwAlertPoint *m = &g_array_index (max, HwAlertPoint, i);
      HwAlertPoint *s = &g_array_index (sum, HwAlertPoint, i);

      g_assert_cmpint (m->t_ms, ==, (gint64) i * MINUTE);
      if (isnan (expected_max[i]))
        g_assert_true (isnan (m->value));
      else
        g_assert_cmpfloat (m->value, ==, expected_max[i]);
      g_assert_cmpfloat (s->value, ==, expected_sum[i]);
    }
}

/* Baseline: 20 points alternating 100 and 102 (mean 101, σ 1, so the band
 * at k = 3 is [98, 104]). Then two outliers within five points (2 of 5: no
 * alert), a quiet stretch, and three in a row: with the two earlier 150s in
 * the baseline the band is about 110.8 ± 3·19.6, and 300 is outside it, so
 * the third 300 (index 28) makes 3 of the last 5. */
static void
test_anomaly_m_of_n (void)
{
  HwAlertRule rule = hw_alert_rule_anomaly (10, 3.0, 3, 5);
  g_autoptr(HwAlertEvaluator) evaluator = hw_alert_evaluator_new (&rule);
  g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (double));
  int first_firing = -1;
  HwAlertState state = NORMAL;

  for (guint i = 0; i < 20; i++)
    {
      double v = i % 2 == 0 ? 100 : 102;
      g_array_append_val (values, v);
    }
  {
    static const double tail[] = { 150, 101, 101, 150, 101, 101, 300, 300, 300 };
    g_array_append_vals (values, tail, G_N_ELEMENTS (tail));
  }
  for (guint i = 0; i < 40; i++)
    {
      double v = i % 2 == 0 ? 100 : 102;
      g_array_append_val (values, v);
    }

  for (guint i = 0; i < values->len; i++)
    {
      state = hw_alert_evaluator_push (evaluator, (gint64) i * MINUTE,
                                       g_array_index (values, double, i), NULL);
      if (i < 28)
        g_assert_cmpint (state, ==, NORMAL);
      if (state == FIRING && first_firing < 0)
        first_firing = (int) i;
    }
  g_assert_cmpint (first_firing, ==, 28);
  /* Once the burst has passed through the baseline, all is quiet again. */
  g_assert_cmpint (state, ==, NORMAL);
}

static void
test_anomaly_needs_a_baseline (void)
{
  static const double values[] = { 1, 1000, 1, 1000, 1, 1000, 1, 1000 };
  HwAlertRule rule = hw_alert_rule_anomaly (10, 2.0, 2, 3);
  HwAlertState expected[G_N_ELEMENTS (values)];

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    expected[i] = NORMAL;
  check_states (&rule, values, expected, G_N_ELEMENTS (values));
}

static HwFaultInfo
fault (gint64      t_ms,
       const char *functionname,
       const char *pipeline,
       const char *message)
{
  return (HwFaultInfo) {
    .t_ms = t_ms, .event_id = "evt-1", .functionname = functionname, .pipeline = pipeline,
    .err_name = "Error", .err_message = message, .err_stack = "Error: at handler (index.js:10)",
  };
}

static void
test_fault_rate_limit (void)
{
  g_autoptr(HwFaultAlerter) alerter = hw_fault_alerter_new (0);
  static const struct {
    gint64 t_ms; const char *fn; const char *pipeline; const char *message;
    gboolean alerts; guint suppressed;
  } table[] = {
    { 0, "payment-listener", "p1", "card declined", TRUE, 0 },
    { 10 * MINUTE, "payment-listener", "p1", "card declined", FALSE, 0 },
    { HOUR - 1, "payment-listener", "p1", "card declined", FALSE, 0 },
    /* Another message, pipeline or function is another alert. */
    { 20 * MINUTE, "payment-listener", "p1", "timeout", TRUE, 0 },
    { 20 * MINUTE, "payment-listener", "p2", "card declined", TRUE, 0 },
    { 20 * MINUTE, "order-listener", "p1", "card declined", TRUE, 0 },
    /* An hour after the first: a new alert, saying how many were held back. */
    { HOUR, "payment-listener", "p1", "card declined", TRUE, 2 },
    /* Out of order (a replay): older than the last alert, held back. */
    { 30 * MINUTE, "payment-listener", "p1", "card declined", FALSE, 0 },
    { HOUR + 59 * MINUTE, "payment-listener", "p1", "card declined", FALSE, 0 },
    { 2 * HOUR, "payment-listener", "p1", "card declined", TRUE, 2 },
    /* Absent names form a key of their own; nothing crashes. */
    { 0, NULL, NULL, NULL, TRUE, 0 },
    { 1, NULL, NULL, NULL, FALSE, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      HwFaultInfo info = fault (table[i].t_ms, table[i].fn, table[i].pipeline, table[i].message);
      g_autoptr(HwFaultAlert) alert = hw_fault_alerter_offer (alerter, &info);

      g_test_message ("row %u", i);
      if (!table[i].alerts)
        {
          g_assert_null (alert);
          continue;
        }
      g_assert_nonnull (alert);
      g_assert_cmpint (alert->t_ms, ==, table[i].t_ms);
      g_assert_cmpstr (alert->functionname, ==, table[i].fn);
      g_assert_cmpstr (alert->pipeline, ==, table[i].pipeline);
      g_assert_cmpstr (alert->err_message, ==, table[i].message);
      g_assert_cmpstr (alert->err_stack, ==, "Error: at handler (index.js:10)");
      g_assert_cmpuint (alert->suppressed, ==, table[i].suppressed);
    }
}

static void
test_fault_alert_from_event (void)
{
  static const char *json =
    "{\"id\":\"f-1\",\"type\":\"fault\",\"timestamp\":1704067200000,"
    "\"tags\":{\"functionname\":\"payment-listener\",\"pipeline\":\"p1\",\"region\":\"eu-west-1\"},"
    "\"err\":{\"name\":\"TypeError\",\"message\":\"x is undefined\",\"stack\":\"TypeError: x is undefined\\n  at f\"},"
    "\"uow\":{\"record\":{}}}";
  g_autoptr(HwFaultAlerter) alerter = hw_fault_alerter_new (HOUR);
  g_autoptr(GError) error = NULL;
  HwParseLimits limits = hw_parse_limits_default ();
  g_autoptr(HwEvent) event = hw_event_parse (json, -1, &limits, &error);
  g_autoptr(HwFaultAlert) alert = NULL;
  g_autoptr(HwFaultAlert) again = NULL;

  g_assert_no_error (error);
  alert = hw_fault_alerter_offer_event (alerter, event);
  g_assert_nonnull (alert);
  g_assert_cmpstr (alert->event_id, ==, "f-1");
  g_assert_cmpint (alert->t_ms, ==, G_GINT64_CONSTANT (1704067200000));
  g_assert_cmpstr (alert->functionname, ==, "payment-listener");
  g_assert_cmpstr (alert->pipeline, ==, "p1");
  g_assert_cmpstr (alert->err_name, ==, "TypeError");
  g_assert_cmpstr (alert->err_message, ==, "x is undefined");
  g_assert_cmpstr (alert->err_stack, ==, "TypeError: x is undefined\n  at f");
  g_assert_nonnull (alert->tags);
  g_assert_cmpstr (json_object_get_string_member (alert->tags, "region"), ==, "eu-west-1");

  again = hw_fault_alerter_offer_event (alerter, event);
  g_assert_null (again);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/alerts/iterator-age/pending-then-firing", test_iterator_age_pending_then_firing);
  g_test_add_func ("/alerts/threshold/for", test_for_is_respected);
  g_test_add_func ("/alerts/threshold/below-and-missing-data", test_below_and_missing_data);
  g_test_add_func ("/alerts/rate-zero", test_rate_drops_to_zero);
  g_test_add_func ("/alerts/evaluate-series", test_evaluate_series_transitions);
  g_test_add_func ("/alerts/aggregate", test_aggregate);
  g_test_add_func ("/alerts/anomaly/m-of-n", test_anomaly_m_of_n);
  g_test_add_func ("/alerts/anomaly/needs-baseline", test_anomaly_needs_a_baseline);
  g_test_add_func ("/alerts/faults/rate-limit", test_fault_rate_limit);
  g_test_add_func ("/alerts/faults/from-event", test_fault_alert_from_event);
  return g_test_run ();
}
