/* hw-alert-engine.h: alert rules run over one hub's cached metrics and faults
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "hw-alerts.h"
#include "hw-event-store.h"

G_BEGIN_DECLS

/* Rollups the engine reads: what the sync must keep cached (step 60 s). */
#define HW_ALERT_ENGINE_STEP_S 60

/* Rule names, as stored in the "rule" member of alert system events. */
#define HW_ALERT_RULE_NAME_ITERATOR_AGE   "iterator-age"
#define HW_ALERT_RULE_NAME_LISTENER_ERRORS "listener-error-rate"
#define HW_ALERT_RULE_NAME_API_ERRORS     "api-error-rate"
#define HW_ALERT_RULE_NAME_RATE_ZERO      "event-rate-zero"
#define HW_ALERT_RULE_NAME_ANOMALY        "event-rate-anomaly"
#define HW_ALERT_RULE_NAME_FAULT          "fault"

typedef struct
{
  double  iterator_age_ms;      /* warning level, Maximum statistic */
  double  error_rate;           /* 0..1, listeners and APIs */
  guint   anomaly_window;       /* baseline points */
  double  anomaly_k;            /* band half-width in σ */
  guint   anomaly_m;            /* outside points… */
  guint   anomaly_n;            /* …among the last n */
  GStrv   key_types;            /* rate-zero rule: these event types; NULL = none */
} HwAlertConfig;

/* A state change of one rule for one subject (listener, route, event
 * type), or a fault alert (state FIRING). */
typedef struct
{
  char         *id;           /* the alert system event's id */
  char         *rule;         /* HW_ALERT_RULE_NAME_* */
  char         *subject;      /* nullable */
  char         *metric;       /* the chart to open; NULL for faults */
  HwAlertState  from;
  HwAlertState  state;
  gint64        t_ms;
  double        value;
  double        threshold;    /* NAN when the rule has none */
  char         *message;      /* faults: err.message; nullable */
  char         *json;         /* the stored system event */
  gboolean      is_new;       /* stored by this run (not seen before, even by an earlier session) */
} HwAlertRecord;

void           hw_alert_record_free       (HwAlertRecord *record);

typedef struct
{
  GPtrArray  *records;   /* HwAlertRecord*, oldest first */
  GHashTable *states;    /* "rule\x1fsubject" → GINT_TO_POINTER (HwAlertState) */
} HwAlertRun;

void           hw_alert_run_free          (HwAlertRun    *run);

/* The rules' memory across runs. Not thread-safe: run it from one thread
 * at a time (the monitor serialises its runs). */
typedef struct _HwAlertEngine HwAlertEngine;

HwAlertEngine *hw_alert_engine_new        (void);
void           hw_alert_engine_free       (HwAlertEngine *self);
/* Feeds each rule the periods cached since the previous run (the last
 * hour on the first), the periods ending before the newest cached one
 * (which may still be filling), plus the faults cached since; stores every
 * transition and fault alert in @store as an "alert" system event
 * (deduplicated on a deterministic id). A changed @config restarts the
 * rules. Blocking. */
HwAlertRun    *hw_alert_engine_run        (HwAlertEngine       *self,
                                           HwEventStore        *store,
                                           const HwAlertConfig *config,
                                           gint64               now_ms,
                                           GCancellable        *cancellable,
                                           GError             **error);

/* The cache name of the rollups the rules read, and the sync requests
 * (key, metric, stat, by) that keep them filled. */
typedef struct
{
  const char *key;
  const char *metric;
  const char *stat;
  const char *by;
} HwAlertMetricRequest;

const HwAlertMetricRequest *hw_alert_engine_get_requests (guint *n);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwAlertRun, hw_alert_run_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwAlertEngine, hw_alert_engine_free)

G_END_DECLS
