/* hw-team-metrics.c: lead time, deployment rate, change failure rate and time to restore
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What belongs to a window [from, to) of one service (or of all):
 *
 *  - deployments: those of the service deployed in the window, counted once
 *    per id (a CI step that posts twice does not double the rate), whatever
 *    their result. deployments_per_week divides by the window length in
 *    fractional weeks.
 *  - lead time: deploy_time − commit_time of those deployments whose result
 *    is success: a failed deployment never put its commit in production.
 *  - change failure rate: the deployments above that at least one incident
 *    names as cause_deployment (each counted once however many incidents
 *    name it, and whenever the incident was opened: a deployment late in the
 *    window may cause an incident after it), divided by the deployments
 *    above. A subset over its set, so it never exceeds 1; 0 without
 *    deployments.
 *  - incidents: those of the service opened in the window. The resolved ones
 *    give the time to restore (resolved_at − opened_at): median and mean
 *    (MTTR). The unresolved ones are left out of both and counted as open.
 *
 * Times are kept in fractional hours; nothing is rounded.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "hw-error.h"
#include "hw-team-metrics.h"
#include "hw-time.h"

#define MS_PER_HOUR (3600.0 * 1000.0)
#define MS_PER_WEEK (7.0 * 24.0 * MS_PER_HOUR)

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

double
hw_team_quantile (double *values,
                  gsize   n,
                  double  q)
{
  double h;
  gsize lower;

  g_return_val_if_fail (n == 0 || values != NULL, NAN);
  g_return_val_if_fail (q >= 0.0 && q <= 1.0, NAN);

  if (n == 0)
    return NAN;
  qsort (values, n, sizeof (double), compare_doubles);

  h = (double) (n - 1) * q;
  lower = (gsize) floor (h);
  if (lower + 1 >= n)
    return values[n - 1];
  return values[lower] + (h - (double) lower) * (values[lower + 1] - values[lower]);
}

static double
mean (const double *values,
      gsize         n)
{
  double sum = 0.0;

  if (n == 0)
    return NAN;
  for (gsize i = 0; i < n; i++)
    sum += values[i];
  return sum / (double) n;
}

HwTeamClass
hw_team_classify_deploy_rate (double per_week)
{
  if (isnan (per_week))
    return HW_TEAM_CLASS_NONE;
  if (per_week >= HW_TEAM_DEPLOYS_PER_WEEK_ELITE)
    return HW_TEAM_CLASS_ELITE;
  if (per_week >= HW_TEAM_DEPLOYS_PER_WEEK_HIGH)
    return HW_TEAM_CLASS_HIGH;
  if (per_week >= HW_TEAM_DEPLOYS_PER_WEEK_MEDIUM)
    return HW_TEAM_CLASS_MEDIUM;
  return HW_TEAM_CLASS_LOW;
}

HwTeamClass
hw_team_classify_lead_time (double median_hours)
{
  if (isnan (median_hours))
    return HW_TEAM_CLASS_NONE;
  if (median_hours < HW_TEAM_LEAD_TIME_HOURS_ELITE)
    return HW_TEAM_CLASS_ELITE;
  if (median_hours < HW_TEAM_LEAD_TIME_HOURS_HIGH)
    return HW_TEAM_CLASS_HIGH;
  if (median_hours < HW_TEAM_LEAD_TIME_HOURS_MEDIUM)
    return HW_TEAM_CLASS_MEDIUM;
  return HW_TEAM_CLASS_LOW;
}

HwTeamClass
hw_team_classify_change_failure (double rate)
{
  if (isnan (rate))
    return HW_TEAM_CLASS_NONE;
  if (rate <= HW_TEAM_CFR_ELITE)
    return HW_TEAM_CLASS_ELITE;
  if (rate <= HW_TEAM_CFR_HIGH)
    return HW_TEAM_CLASS_HIGH;
  if (rate <= HW_TEAM_CFR_MEDIUM)
    return HW_TEAM_CLASS_MEDIUM;
  return HW_TEAM_CLASS_LOW;
}

HwTeamClass
hw_team_classify_restore_time (double median_hours)
{
  if (isnan (median_hours))
    return HW_TEAM_CLASS_NONE;
  if (median_hours < HW_TEAM_RESTORE_HOURS_ELITE)
    return HW_TEAM_CLASS_ELITE;
  if (median_hours < HW_TEAM_RESTORE_HOURS_HIGH)
    return HW_TEAM_CLASS_HIGH;
  if (median_hours < HW_TEAM_RESTORE_HOURS_MEDIUM)
    return HW_TEAM_CLASS_MEDIUM;
  return HW_TEAM_CLASS_LOW;
}

const char *
hw_team_class_to_string (HwTeamClass klass)
{
  switch (klass)
    {
    case HW_TEAM_CLASS_ELITE: return "elite";
    case HW_TEAM_CLASS_HIGH: return "high";
    case HW_TEAM_CLASS_MEDIUM: return "medium";
    case HW_TEAM_CLASS_LOW: return "low";
    case HW_TEAM_CLASS_NONE:
    default: return "none";
    }
}

static gboolean
service_matches (const char *wanted,
                 const char *service)
{
  return wanted == NULL || g_strcmp0 (wanted, service) == 0;
}

static gboolean
in_window (gint64 t,
           gint64 from_ms,
           gint64 to_ms)
{
  return t >= from_ms && t < to_ms;
}

/* Fills the deployment half of @out; returns the ids of the deployments in
 * the window, which the change failure rate needs. */
static GHashTable *
compute_deployments (const HwDeployment *deployments,
                     gsize               n_deployments,
                     const char         *service,
                     HwTeamMetrics      *out)
{
  GHashTable *ids = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GArray) lead_hours = g_array_new (FALSE, FALSE, sizeof (double));

  for (gsize i = 0; i < n_deployments; i++)
    {
      const HwDeployment *d = &deployments[i];
      double hours;

      if (!service_matches (service, d->service)
          || !in_window (d->deploy_time_ms, out->from_ms, out->to_ms)
          || !g_hash_table_add (ids, (gpointer) d->id))
        continue;

      out->deployments++;
      if (d->result == HW_DEPLOYMENT_FAILURE)
        {
          out->failed_deployments++;
          continue;
        }
      if (d->deploy_time_ms < d->commit_time_ms)
        continue;  /* clock skew or bad data: no meaningful lead time */
      hours = (double) (d->deploy_time_ms - d->commit_time_ms) / MS_PER_HOUR;
      g_array_append_val (lead_hours, hours);
    }

  out->deployments_per_week = out->deployments / ((double) (out->to_ms - out->from_ms) / MS_PER_WEEK);
  out->lead_time_samples = lead_hours->len;
  out->lead_time_median_hours = hw_team_quantile ((double *) (gpointer) lead_hours->data, lead_hours->len, 0.5);
  out->lead_time_p90_hours = hw_team_quantile ((double *) (gpointer) lead_hours->data, lead_hours->len, 0.9);
  return ids;
}

static void
compute_change_failure (GHashTable       *window_ids,
                        const HwIncident *incidents,
                        gsize             n_incidents,
                        HwTeamMetrics    *out)
{
  g_autoptr(GHashTable) causing = g_hash_table_new (g_str_hash, g_str_equal);

  for (gsize i = 0; i < n_incidents; i++)
    {
      const char *cause = incidents[i].cause_deployment;

      if (cause != NULL && g_hash_table_contains (window_ids, cause))
        g_hash_table_add (causing, (gpointer) cause);
    }

  out->deployments_causing_incidents = g_hash_table_size (causing);
  out->change_failure_rate = out->deployments == 0
    ? 0.0
    : (double) out->deployments_causing_incidents / out->deployments;
}

static void
compute_restore (const HwIncident *incidents,
                 gsize             n_incidents,
                 const char       *service,
                 HwTeamMetrics    *out)
{
  g_autoptr(GArray) restore_hours = g_array_new (FALSE, FALSE, sizeof (double));

  for (gsize i = 0; i < n_incidents; i++)
    {
      const HwIncident *incident = &incidents[i];
      double hours;

      if (!service_matches (service, incident->service)
          || !in_window (incident->opened_at_ms, out->from_ms, out->to_ms))
        continue;

      out->incidents++;
      if (incident->resolved_at_ms <= 0)
        {
          out->open_incidents++;
          continue;
        }
      out->resolved_incidents++;
      hours = (double) MAX (incident->resolved_at_ms - incident->opened_at_ms, 0) / MS_PER_HOUR;
      g_array_append_val (restore_hours, hours);
    }

  out->mttr_hours = mean ((double *) (gpointer) restore_hours->data, restore_hours->len);
  out->time_to_restore_median_hours =
    hw_team_quantile ((double *) (gpointer) restore_hours->data, restore_hours->len, 0.5);
}

gboolean
hw_team_metrics_compute (const HwDeployment *deployments,
                         gsize               n_deployments,
                         const HwIncident   *incidents,
                         gsize               n_incidents,
                         const char         *service,
                         gint64              from_ms,
                         gint64              to_ms,
                         HwTeamMetrics      *out,
                         GError            **error)
{
  g_autoptr(GHashTable) window_ids = NULL;

  g_return_val_if_fail (n_deployments == 0 || deployments != NULL, FALSE);
  g_return_val_if_fail (n_incidents == 0 || incidents != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  if (to_ms <= from_ms)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_TIME,
                   "The window must end after it starts (from %" G_GINT64_FORMAT
                   " ms, to %" G_GINT64_FORMAT " ms)", from_ms, to_ms);
      return FALSE;
    }

  *out = (HwTeamMetrics) { .from_ms = from_ms, .to_ms = to_ms };
  window_ids = compute_deployments (deployments, n_deployments, service, out);
  compute_change_failure (window_ids, incidents, n_incidents, out);
  compute_restore (incidents, n_incidents, service, out);

  out->deployment_frequency_class = hw_team_classify_deploy_rate (out->deployments_per_week);
  out->lead_time_class = hw_team_classify_lead_time (out->lead_time_median_hours);
  out->change_failure_class = out->deployments == 0
    ? HW_TEAM_CLASS_NONE
    : hw_team_classify_change_failure (out->change_failure_rate);
  out->time_to_restore_class = hw_team_classify_restore_time (out->time_to_restore_median_hours);
  return TRUE;
}

static void
add_number (JsonBuilder *builder,
            const char  *name,
            double       value)
{
  json_builder_set_member_name (builder, name);
  if (isnan (value))
    json_builder_add_null_value (builder);
  else
    json_builder_add_double_value (builder, value);
}

static void
add_count (JsonBuilder *builder,
           const char  *name,
           guint        value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

static void
add_string (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

JsonNode *
hw_team_metrics_to_json (const HwTeamMetrics *m)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;

  g_return_val_if_fail (m != NULL, NULL);

  from = hw_time_format_iso8601 (m->from_ms);
  to = hw_time_format_iso8601 (m->to_ms);

  json_builder_begin_object (builder);
  add_string (builder, "from", from);
  add_string (builder, "to", to);
  add_count (builder, "deployments", m->deployments);
  add_number (builder, "deployments_per_week", m->deployments_per_week);
  add_number (builder, "lead_time_median_hours", m->lead_time_median_hours);
  add_number (builder, "lead_time_p90_hours", m->lead_time_p90_hours);
  add_number (builder, "change_failure_rate", m->change_failure_rate);
  add_number (builder, "time_to_restore_median_hours", m->time_to_restore_median_hours);
  add_number (builder, "mttr_hours", m->mttr_hours);
  add_count (builder, "open_incidents", m->open_incidents);
  add_count (builder, "failed_deployments", m->failed_deployments);
  add_count (builder, "lead_time_samples", m->lead_time_samples);
  add_count (builder, "deployments_causing_incidents", m->deployments_causing_incidents);
  add_count (builder, "incidents", m->incidents);
  add_count (builder, "resolved_incidents", m->resolved_incidents);

  json_builder_set_member_name (builder, "classifications");
  json_builder_begin_object (builder);
  add_string (builder, "deployment_frequency", hw_team_class_to_string (m->deployment_frequency_class));
  add_string (builder, "lead_time", hw_team_class_to_string (m->lead_time_class));
  add_string (builder, "change_failure_rate", hw_team_class_to_string (m->change_failure_class));
  add_string (builder, "time_to_restore", hw_team_class_to_string (m->time_to_restore_class));
  json_builder_end_object (builder);

  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}
