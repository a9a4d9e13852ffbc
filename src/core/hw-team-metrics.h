/* hw-team-metrics.h: lead time, deployment rate, change failure rate and time to restore
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum
{
  HW_DEPLOYMENT_SUCCESS,
  HW_DEPLOYMENT_FAILURE,
} HwDeploymentResult;

/* Strings are borrowed: they belong to whoever built the array (an
 * HwTeamInput, or static tables in tests). */
typedef struct
{
  const char         *id;
  const char         *service;
  const char         *version;
  const char         *commit_sha;
  gint64              commit_time_ms;
  gint64              deploy_time_ms;
  HwDeploymentResult  result;
} HwDeployment;

typedef struct
{
  const char *id;
  const char *service;
  const char *severity;
  gint64      opened_at_ms;
  gint64      resolved_at_ms;    /* <= 0: still open */
  const char *cause_deployment;  /* nullable: deployment id */
} HwIncident;

typedef enum
{
  HW_TEAM_CLASS_NONE,            /* no data to classify */
  HW_TEAM_CLASS_ELITE,
  HW_TEAM_CLASS_HIGH,
  HW_TEAM_CLASS_MEDIUM,
  HW_TEAM_CLASS_LOW,
} HwTeamClass;

/* Undefined averages (no samples) are NAN; the JSON shows them as null. */
typedef struct
{
  gint64      from_ms;
  gint64      to_ms;

  guint       deployments;
  guint       failed_deployments;       /* result "failure" */
  double      deployments_per_week;

  guint       lead_time_samples;
  double      lead_time_median_hours;
  double      lead_time_p90_hours;

  guint       deployments_causing_incidents;
  double      change_failure_rate;      /* 0..1; 0 when no deployments */

  guint       incidents;                /* opened in the window */
  guint       resolved_incidents;
  guint       open_incidents;
  double      time_to_restore_median_hours;
  double      mttr_hours;

  HwTeamClass deployment_frequency_class;
  HwTeamClass lead_time_class;
  HwTeamClass change_failure_class;
  HwTeamClass time_to_restore_class;
} HwTeamMetrics;

/* DORA-style thresholds (after the State of DevOps reports, with the gaps
 * between their bands closed so that every value has exactly one class).
 * A value belongs to the first class whose bound it meets. */
#define HW_TEAM_DEPLOYS_PER_WEEK_ELITE   7.0         /* at least daily, on demand */
#define HW_TEAM_DEPLOYS_PER_WEEK_HIGH    1.0         /* at least weekly */
#define HW_TEAM_DEPLOYS_PER_WEEK_MEDIUM  (7.0 / 30)  /* at least monthly */
#define HW_TEAM_LEAD_TIME_HOURS_ELITE    24.0        /* under a day */
#define HW_TEAM_LEAD_TIME_HOURS_HIGH     (24.0 * 7)  /* under a week */
#define HW_TEAM_LEAD_TIME_HOURS_MEDIUM   (24.0 * 30) /* under a month */
#define HW_TEAM_CFR_ELITE                0.15        /* at most 15 % */
#define HW_TEAM_CFR_HIGH                 0.30
#define HW_TEAM_CFR_MEDIUM               0.45
#define HW_TEAM_RESTORE_HOURS_ELITE      1.0         /* under an hour */
#define HW_TEAM_RESTORE_HOURS_HIGH       24.0        /* under a day */
#define HW_TEAM_RESTORE_HOURS_MEDIUM     (24.0 * 7)  /* under a week */

/* Computes the metrics of @service (NULL: every service) over the half-open
 * window [@from_ms, @to_ms). Pure: no I/O, no clock. Which record counts
 * where is spelled out in hw-team-metrics.c. Fails (HW_ERROR_INVALID_TIME)
 * only for an empty or reversed window. */
gboolean     hw_team_metrics_compute        (const HwDeployment *deployments,
                                             gsize               n_deployments,
                                             const HwIncident   *incidents,
                                             gsize               n_incidents,
                                             const char         *service,
                                             gint64              from_ms,
                                             gint64              to_ms,
                                             HwTeamMetrics      *out,
                                             GError            **error);

/* The q-quantile (0..1) of @n values, sorting them in place; linear
 * interpolation between closest ranks (NumPy's default, Hyndman–Fan type 7):
 * h = (n − 1)·q, result = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]). The median
 * is q = 0.5, the middle pair's mean for an even count. NAN when n is 0. */
double       hw_team_quantile               (double             *values,
                                             gsize               n,
                                             double              q);

HwTeamClass  hw_team_classify_deploy_rate   (double              per_week);
HwTeamClass  hw_team_classify_lead_time     (double              median_hours);
HwTeamClass  hw_team_classify_change_failure (double             rate);
HwTeamClass  hw_team_classify_restore_time  (double              median_hours);
/* "elite", "high", "medium", "low" or "none". */
const char  *hw_team_class_to_string        (HwTeamClass         klass);

/* The object `hubwatch-cli team --json` prints: deployments,
 * deployments_per_week, lead_time_median_hours, lead_time_p90_hours,
 * change_failure_rate, time_to_restore_median_hours, mttr_hours,
 * open_incidents, a few supporting counts, and classifications
 * {deployment_frequency, lead_time, change_failure_rate, time_to_restore}. */
JsonNode    *hw_team_metrics_to_json        (const HwTeamMetrics *metrics);

/* Deployments and incidents read from system events, owning their strings. */
typedef struct _HwTeamInput HwTeamInput;

HwTeamInput *hw_team_input_new              (void);
void         hw_team_input_free             (HwTeamInput        *self);

/* Adds one system event ({"kind":"deployment",…} or {"kind":"incident",…};
 * times are ISO-8601 strings or epoch milliseconds). Other kinds (alert,
 * audit…) are accepted and ignored. A malformed deployment or incident sets
 * HW_ERROR_INVALID_EVENT naming the field and the reason, and adds nothing. */
gboolean     hw_team_input_add_json         (HwTeamInput        *self,
                                             JsonNode           *node,
                                             GError            **error);
/* Same, from @length bytes of one line of NDJSON (-1: up to a NUL). Blank
 * lines are accepted and ignored. The line is read with
 * hw_json_guard_parse() and the event limits (hw_parse_limits_default()):
 * its refusals (HW_ERROR_INVALID_UTF8, _INVALID_JSON, _TOO_DEEP, _TOO_LARGE)
 * are "system event: …" and give the byte offset or column. */
gboolean     hw_team_input_add_line         (HwTeamInput        *self,
                                             const char         *line,
                                             gssize              length,
                                             GError            **error);

const HwDeployment *hw_team_input_get_deployments (HwTeamInput  *self,
                                                   gsize        *n);
const HwIncident   *hw_team_input_get_incidents   (HwTeamInput  *self,
                                                   gsize        *n);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwTeamInput, hw_team_input_free)

G_END_DECLS
