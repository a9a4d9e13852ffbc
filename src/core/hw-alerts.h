/* hw-alerts.h: alert rules evaluated over metric series, and rate-limited fault alerts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "hw-event.h"

G_BEGIN_DECLS

/* Normal → Pending → Firing → Resolved → Normal. Resolved lasts one
 * evaluation so that the moment of recovery is recorded and notified. */
typedef enum
{
  HW_ALERT_STATE_NORMAL,
  HW_ALERT_STATE_PENDING,
  HW_ALERT_STATE_FIRING,
  HW_ALERT_STATE_RESOLVED,
} HwAlertState;

typedef enum
{
  /* Breaches when the value reaches the threshold (>= for ABOVE, <= for
   * BELOW): iterator age, listener and API error rates. */
  HW_ALERT_RULE_THRESHOLD,
  /* Breaches while the rate of a key event type is zero, once it has been
   * non-zero: a type that never occurs is not an outage. */
  HW_ALERT_RULE_RATE_ZERO,
  /* Breaches when at least M of the last N points fall outside the band
   * mean ± k·σ of the `window` points just before those N. Keeping the N
   * points under test out of their own baseline stops a burst from widening
   * the band that should catch it; a lasting shift becomes the new normal
   * once it has filled the baseline. */
  HW_ALERT_RULE_ANOMALY,
} HwAlertRuleKind;

typedef enum
{
  HW_ALERT_ABOVE,
  HW_ALERT_BELOW,
} HwAlertDirection;

typedef struct
{
  HwAlertRuleKind  kind;
  /* Consecutive breaching evaluations before Firing. Threshold and
   * rate-zero rules use at least 2 (one bad sample must never page anyone);
   * anomaly rules at least 1, as M-of-N already needs M ≥ 2 points. */
  guint            for_evaluations;

  double           threshold;       /* HW_ALERT_RULE_THRESHOLD */
  HwAlertDirection direction;

  guint            window;          /* HW_ALERT_RULE_ANOMALY: baseline points */
  double           k;               /* band half-width in standard deviations */
  guint            m;               /* outside points needed… */
  guint            n;               /* …among the last n */
} HwAlertRule;

/* A NaN value means no data: it never breaches and never enters a baseline. */
typedef struct
{
  gint64 t_ms;
  double value;
} HwAlertPoint;

typedef struct
{
  gint64       t_ms;
  HwAlertState from;
  HwAlertState to;
  double       value;
} HwAlertTransition;

typedef enum
{
  HW_ALERT_STATISTIC_MAXIMUM,  /* empty period: no data (NaN) */
  HW_ALERT_STATISTIC_SUM,      /* empty period: 0 */
} HwAlertStatistic;

/* The design's warning level: events waiting 30 minutes in a channel. */
#define HW_ALERT_ITERATOR_AGE_DEFAULT_MS (30.0 * 60 * 1000)
#define HW_ALERT_DEFAULT_FOR 2

/* Ready-made rules. Iterator age is in milliseconds, as listeners report it,
 * and must be fed per-period maxima (hw_alert_aggregate() with
 * HW_ALERT_STATISTIC_MAXIMUM): an average hides the one stuck shard. */
HwAlertRule   hw_alert_rule_iterator_age   (double               threshold_ms);
HwAlertRule   hw_alert_rule_error_rate     (double               max_rate);
HwAlertRule   hw_alert_rule_rate_zero      (void);
HwAlertRule   hw_alert_rule_anomaly        (guint                window,
                                            double               k,
                                            guint                m,
                                            guint                n);

const char   *hw_alert_state_to_string     (HwAlertState         state);

/* Reduces raw points to one value per period [from + i·period, …) up to
 * @to_ms, each stamped with its period's start. */
GArray       *hw_alert_aggregate           (const HwAlertPoint  *points,
                                            gsize                n_points,
                                            gint64               from_ms,
                                            gint64               to_ms,
                                            gint64               period_ms,
                                            HwAlertStatistic     statistic);

/* One rule's state over successive evaluations. */
typedef struct _HwAlertEvaluator HwAlertEvaluator;

HwAlertEvaluator *hw_alert_evaluator_new   (const HwAlertRule   *rule);
void          hw_alert_evaluator_free      (HwAlertEvaluator    *self);
/* Evaluates one new point; returns the state after it and sets @changed. */
HwAlertState  hw_alert_evaluator_push      (HwAlertEvaluator    *self,
                                            gint64               t_ms,
                                            double               value,
                                            gboolean            *changed);
HwAlertState  hw_alert_evaluator_get_state (HwAlertEvaluator    *self);
/* Whether the last evaluated point breached the rule. */
gboolean      hw_alert_evaluator_get_breaching (HwAlertEvaluator *self);

/* Runs a fresh evaluator over @points (one evaluation per point) and
 * returns the state changes as an array of HwAlertTransition. */
GArray       *hw_alert_evaluate_series     (const HwAlertRule   *rule,
                                            const HwAlertPoint  *points,
                                            gsize                n_points);

/* Fault alerts: at most one per functionname + pipeline + err.message per
 * interval (an hour by default), so a poison event retried a thousand times
 * pages once. */
typedef struct
{
  gint64      t_ms;
  const char *event_id;
  const char *functionname;
  const char *pipeline;
  const char *err_name;
  const char *err_message;
  const char *err_stack;
  JsonObject *tags;           /* nullable, borrowed */
} HwFaultInfo;

typedef struct
{
  gint64      t_ms;
  char       *event_id;
  char       *functionname;
  char       *pipeline;
  char       *err_name;
  char       *err_message;
  char       *err_stack;
  JsonObject *tags;           /* nullable, owned reference */
  /* Faults with the same key held back since this key's previous alert. */
  guint       suppressed;
} HwFaultAlert;

#define HW_FAULT_ALERT_INTERVAL_MS (G_GINT64_CONSTANT (3600) * 1000)

typedef struct _HwFaultAlerter HwFaultAlerter;

/* @interval_ms 0 means HW_FAULT_ALERT_INTERVAL_MS. */
HwFaultAlerter *hw_fault_alerter_new       (gint64               interval_ms);
void          hw_fault_alerter_free        (HwFaultAlerter      *self);
/* Returns the alert to raise, or NULL when one for the same key was raised
 * less than the interval before @fault->t_ms. */
HwFaultAlert *hw_fault_alerter_offer       (HwFaultAlerter      *self,
                                            const HwFaultInfo   *fault);
/* Same, for a parsed fault event (type "fault"). */
HwFaultAlert *hw_fault_alerter_offer_event (HwFaultAlerter      *self,
                                            const HwEvent       *event);
void          hw_fault_alert_free          (HwFaultAlert        *alert);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwAlertEvaluator, hw_alert_evaluator_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwFaultAlerter, hw_fault_alerter_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwFaultAlert, hw_fault_alert_free)

G_END_DECLS
