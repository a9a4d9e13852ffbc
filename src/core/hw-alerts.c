/* hw-alerts.c: alert rules evaluated over metric series, and rate-limited fault alerts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "hw-alerts.h"

/* Fault keys are only forgotten once this many are remembered, and then
 * only those whose interval has passed: bounded memory, same behaviour. */
#define FAULT_KEYS_BEFORE_PRUNE 1024

struct _HwAlertEvaluator
{
  HwAlertRule  rule;
  HwAlertState state;
  guint        consecutive;   /* breaching evaluations in a row */
  gboolean     breaching;
  gboolean     armed;         /* rate-zero: a non-zero rate was seen */
  double      *history;       /* anomaly: ring of the last window + n values */
  guint        history_size;
  guint        history_len;
  guint        history_next;
};

HwAlertRule
hw_alert_rule_iterator_age (double threshold_ms)
{
  return (HwAlertRule) {
    .kind = HW_ALERT_RULE_THRESHOLD,
    .for_evaluations = HW_ALERT_DEFAULT_FOR,
    .threshold = threshold_ms > 0 ? threshold_ms : HW_ALERT_ITERATOR_AGE_DEFAULT_MS,
    .direction = HW_ALERT_ABOVE,
  };
}

HwAlertRule
hw_alert_rule_error_rate (double max_rate)
{
  return (HwAlertRule) {
    .kind = HW_ALERT_RULE_THRESHOLD,
    .for_evaluations = HW_ALERT_DEFAULT_FOR,
    .threshold = max_rate,
    .direction = HW_ALERT_ABOVE,
  };
}

HwAlertRule
hw_alert_rule_rate_zero (void)
{
  return (HwAlertRule) {
    .kind = HW_ALERT_RULE_RATE_ZERO,
    .for_evaluations = HW_ALERT_DEFAULT_FOR,
  };
}

HwAlertRule
hw_alert_rule_anomaly (guint  window,
                       double k,
                       guint  m,
                       guint  n)
{
  return (HwAlertRule) {
    .kind = HW_ALERT_RULE_ANOMALY,
    .for_evaluations = 1,
    .window = window,
    .k = k,
    .m = m,
    .n = n,
  };
}

const char *
hw_alert_state_to_string (HwAlertState state)
{
  switch (state)
    {
    case HW_ALERT_STATE_NORMAL: return "normal";
    case HW_ALERT_STATE_PENDING: return "pending";
    case HW_ALERT_STATE_FIRING: return "firing";
    case HW_ALERT_STATE_RESOLVED: return "resolved";
    default: return "normal";
    }
}

GArray *
hw_alert_aggregate (const HwAlertPoint *points,
                    gsize               n_points,
                    gint64              from_ms,
                    gint64              to_ms,
                    gint64              period_ms,
                    HwAlertStatistic    statistic)
{
  GArray *out;
  gsize n_periods;

  g_return_val_if_fail (n_points == 0 || points != NULL, NULL);
  g_return_val_if_fail (period_ms > 0, NULL);

  out = g_array_new (FALSE, FALSE, sizeof (HwAlertPoint));
  if (to_ms <= from_ms)
    return out;

  n_periods = (gsize) ((to_ms - from_ms + period_ms - 1) / period_ms);
  g_array_set_size (out, n_periods);
  for (gsize i = 0; i < n_periods; i++)
    {
      HwAlertPoint *period = &g_array_index (out, HwAlertPoint, i);

      period->t_ms = from_ms + (gint64) i * period_ms;
      period->value = statistic == HW_ALERT_STATISTIC_SUM ? 0.0 : NAN;
    }

  for (gsize i = 0; i < n_points; i++)
    {
      HwAlertPoint *period;

      if (points[i].t_ms < from_ms || points[i].t_ms >= to_ms || isnan (points[i].value))
        continue;
      period = &g_array_index (out, HwAlertPoint, (points[i].t_ms - from_ms) / period_ms);
      if (statistic == HW_ALERT_STATISTIC_SUM)
        period->value += points[i].value;
      else if (isnan (period->value) || points[i].value > period->value)
        period->value = points[i].value;
    }
  return out;
}

HwAlertEvaluator *
hw_alert_evaluator_new (const HwAlertRule *rule)
{
  HwAlertEvaluator *self;

  g_return_val_if_fail (rule != NULL, NULL);

  self = g_new0 (HwAlertEvaluator, 1);
  self->rule = *rule;
  self->state = HW_ALERT_STATE_NORMAL;

  if (rule->kind == HW_ALERT_RULE_ANOMALY)
    {
      self->rule.for_evaluations = MAX (rule->for_evaluations, 1);
      self->rule.n = MAX (rule->n, 2);
      self->rule.m = CLAMP (rule->m, 2, self->rule.n);
      self->rule.window = MAX (rule->window, 2);
      self->history_size = self->rule.window + self->rule.n;
      self->history = g_new0 (double, self->history_size);
    }
  else
    self->rule.for_evaluations = MAX (rule->for_evaluations, HW_ALERT_DEFAULT_FOR);

  return self;
}

void
hw_alert_evaluator_free (HwAlertEvaluator *self)
{
  if (self == NULL)
    return;
  g_free (self->history);
  g_free (self);
}

/* The i-th newest value of the ring (0 = newest). */
static double
history_at (HwAlertEvaluator *self,
            guint             age)
{
  return self->history[(self->history_next + self->history_size - 1 - age) % self->history_size];
}

static gboolean
anomaly_breaches (HwAlertEvaluator *self,
                  double            value)
{
  const HwAlertRule *rule = &self->rule;
  double sum = 0.0, sum_sq = 0.0, mean, sigma;
  guint outside = 0;

  self->history[self->history_next] = value;
  self->history_next = (self->history_next + 1) % self->history_size;
  self->history_len = MIN (self->history_len + 1, self->history_size);
  if (self->history_len < self->history_size)
    return FALSE;  /* not enough baseline yet */

  for (guint age = rule->n; age < self->history_size; age++)
    {
      double x = history_at (self, age);

      sum += x;
      sum_sq += x * x;
    }
  mean = sum / rule->window;
  sigma = sqrt (MAX (sum_sq / rule->window - mean * mean, 0.0));

  for (guint age = 0; age < rule->n; age++)
    if (fabs (history_at (self, age) - mean) > rule->k * sigma)
      outside++;
  return outside >= rule->m;
}

static gboolean
breaches (HwAlertEvaluator *self,
          double            value)
{
  const HwAlertRule *rule = &self->rule;

  if (isnan (value))
    return FALSE;

  switch (rule->kind)
    {
    case HW_ALERT_RULE_THRESHOLD:
      return rule->direction == HW_ALERT_ABOVE ? value >= rule->threshold : value <= rule->threshold;

    case HW_ALERT_RULE_RATE_ZERO:
      if (value > 0)
        {
          self->armed = TRUE;
          return FALSE;
        }
      return self->armed;

    case HW_ALERT_RULE_ANOMALY:
      return anomaly_breaches (self, value);

    default:
      return FALSE;
    }
}

static HwAlertState
next_state (HwAlertEvaluator *self,
            gboolean          breaching)
{
  if (breaching)
    {
      self->consecutive++;
      if (self->state == HW_ALERT_STATE_FIRING || self->consecutive >= self->rule.for_evaluations)
        return HW_ALERT_STATE_FIRING;
      return HW_ALERT_STATE_PENDING;
    }

  self->consecutive = 0;
  switch (self->state)
    {
    case HW_ALERT_STATE_FIRING: return HW_ALERT_STATE_RESOLVED;
    case HW_ALERT_STATE_PENDING:
    case HW_ALERT_STATE_RESOLVED:
    case HW_ALERT_STATE_NORMAL:
    default: return HW_ALERT_STATE_NORMAL;
    }
}

HwAlertState
hw_alert_evaluator_push (HwAlertEvaluator *self,
                         gint64            t_ms,
                         double            value,
                         gboolean         *changed)
{
  HwAlertState before;

  g_return_val_if_fail (self != NULL, HW_ALERT_STATE_NORMAL);

  before = self->state;
  self->breaching = breaches (self, value);
  self->state = next_state (self, self->breaching);
  if (changed != NULL)
    *changed = self->state != before;
  return self->state;
}

HwAlertState
hw_alert_evaluator_get_state (HwAlertEvaluator *self)
{
  g_return_val_if_fail (self != NULL, HW_ALERT_STATE_NORMAL);
  return self->state;
}

gboolean
hw_alert_evaluator_get_breaching (HwAlertEvaluator *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->breaching;
}

GArray *
hw_alert_evaluate_series (const HwAlertRule  *rule,
                          const HwAlertPoint *points,
                          gsize               n_points)
{
  g_autoptr(HwAlertEvaluator) evaluator = NULL;
  GArray *transitions;

  g_return_val_if_fail (rule != NULL, NULL);
  g_return_val_if_fail (n_points == 0 || points != NULL, NULL);

  evaluator = hw_alert_evaluator_new (rule);
  transitions = g_array_new (FALSE, FALSE, sizeof (HwAlertTransition));
  for (gsize i = 0; i < n_points; i++)
    {
      HwAlertTransition t = { points[i].t_ms, evaluator->state, 0, points[i].value };
      gboolean changed;

      t.to = hw_alert_evaluator_push (evaluator, points[i].t_ms, points[i].value, &changed);
      if (changed)
        g_array_append_val (transitions, t);
    }
  return transitions;
}

/* Fault alerts */

typedef struct
{
  gint64 last_alert_ms;
  guint  suppressed;
} FaultKeyState;

struct _HwFaultAlerter
{
  gint64      interval_ms;
  GHashTable *keys;  /* "functionname\x1fpipeline\x1fmessage" → FaultKeyState */
};

HwFaultAlerter *
hw_fault_alerter_new (gint64 interval_ms)
{
  HwFaultAlerter *self = g_new0 (HwFaultAlerter, 1);

  self->interval_ms = interval_ms > 0 ? interval_ms : HW_FAULT_ALERT_INTERVAL_MS;
  self->keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return self;
}

void
hw_fault_alerter_free (HwFaultAlerter *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->keys);
  g_free (self);
}

void
hw_fault_alert_free (HwFaultAlert *alert)
{
  if (alert == NULL)
    return;
  g_free (alert->event_id);
  g_free (alert->functionname);
  g_free (alert->pipeline);
  g_free (alert->err_name);
  g_free (alert->err_message);
  g_free (alert->err_stack);
  g_clear_pointer (&alert->tags, json_object_unref);
  g_free (alert);
}

static void
prune_keys (HwFaultAlerter *self,
            gint64          now_ms)
{
  GHashTableIter iter;
  FaultKeyState *state;

  g_hash_table_iter_init (&iter, self->keys);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &state))
    if (now_ms - state->last_alert_ms >= self->interval_ms)
      g_hash_table_iter_remove (&iter);
}

HwFaultAlert *
hw_fault_alerter_offer (HwFaultAlerter    *self,
                        const HwFaultInfo *fault)
{
  g_autofree char *key = NULL;
  FaultKeyState *state;
  HwFaultAlert *alert;
  guint suppressed = 0;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (fault != NULL, NULL);

  /* \x1f (unit separator) cannot appear in names, so keys cannot collide. */
  key = g_strdup_printf ("%s\x1f%s\x1f%s",
                         fault->functionname != NULL ? fault->functionname : "",
                         fault->pipeline != NULL ? fault->pipeline : "",
                         fault->err_message != NULL ? fault->err_message : "");
  state = g_hash_table_lookup (self->keys, key);

  /* A fault older than the last alert (replayed, or arriving out of order)
   * is within the interval too: only a later one can open a new interval. */
  if (state != NULL && fault->t_ms - state->last_alert_ms < self->interval_ms)
    {
      state->suppressed++;
      return NULL;
    }

  if (state != NULL)
    suppressed = state->suppressed;
  else
    {
      if (g_hash_table_size (self->keys) >= FAULT_KEYS_BEFORE_PRUNE)
        prune_keys (self, fault->t_ms);
      state = g_new0 (FaultKeyState, 1);
      g_hash_table_insert (self->keys, g_steal_pointer (&key), state);
    }
  state->last_alert_ms = fault->t_ms;
  state->suppressed = 0;

  alert = g_new0 (HwFaultAlert, 1);
  alert->t_ms = fault->t_ms;
  alert->event_id = g_strdup (fault->event_id);
  alert->functionname = g_strdup (fault->functionname);
  alert->pipeline = g_strdup (fault->pipeline);
  alert->err_name = g_strdup (fault->err_name);
  alert->err_message = g_strdup (fault->err_message);
  alert->err_stack = g_strdup (fault->err_stack);
  alert->tags = fault->tags != NULL ? json_object_ref (fault->tags) : NULL;
  alert->suppressed = suppressed;
  return alert;
}

HwFaultAlert *
hw_fault_alerter_offer_event (HwFaultAlerter *self,
                              const HwEvent  *event)
{
  HwFaultInfo info;
  JsonObject *tags = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (event != NULL, NULL);

  if (event->expanded != NULL && JSON_NODE_HOLDS_OBJECT (event->expanded))
    {
      JsonObject *root = json_node_get_object (event->expanded);
      JsonNode *node = json_object_get_member (root, "tags");

      if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
        tags = json_node_get_object (node);
    }

  info = (HwFaultInfo) {
    .t_ms = event->timestamp_ms,
    .event_id = event->id,
    .functionname = event->functionname,
    .pipeline = event->pipeline,
    .err_name = event->err_name,
    .err_message = event->err_message,
    .err_stack = event->err_stack,
    .tags = tags,
  };
  return hw_fault_alerter_offer (self, &info);
}
