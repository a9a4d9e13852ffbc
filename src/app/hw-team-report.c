/* hw-team-report.c: what the Team page shows, computed from the cache off the UI thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-background.h"
#include "hw-team-report.h"

#define DAY_MS (G_GINT64_CONSTANT (24) * 3600 * 1000)

void
hw_team_report_free (HwTeamReport *report)
{
  if (report == NULL)
    return;
  g_clear_pointer (&report->weeks, g_array_unref);
  g_clear_pointer (&report->services, g_strfreev);
  g_clear_pointer (&report->deployments, g_ptr_array_unref);
  g_clear_pointer (&report->incidents, g_ptr_array_unref);
  g_clear_pointer (&report->causes, g_hash_table_unref);
  g_clear_pointer (&report->input, hw_team_input_free);
  g_free (report);
}

static gboolean
add_kind (HwTeamReport  *report,
          HwEventStore  *store,
          const char    *kind,
          gint64         from_ms,
          gint64         to_ms,
          GCancellable  *cancellable,
          GError       **error)
{
  g_autoptr(GPtrArray) events = NULL;

  events = hw_event_store_list_system_events (store, kind, from_ms, to_ms,
                                              HW_EVENT_ORDER_OLDEST_FIRST, 0, cancellable, error);
  if (events == NULL)
    return FALSE;
  for (guint i = 0; i < events->len; i++)
    {
      HwSystemEvent *event = g_ptr_array_index (events, i);

      /* One bad record must not hide the team's numbers: it is counted
       * and the page says so. */
      if (!hw_team_input_add_line (report->input, event->json, -1, NULL))
        report->rejected++;
    }
  return TRUE;
}

static int
compare_deployments_newest_first (gconstpointer a,
                                  gconstpointer b)
{
  const HwDeployment *da = *(const HwDeployment **) a, *db = *(const HwDeployment **) b;

  return (da->deploy_time_ms < db->deploy_time_ms) - (da->deploy_time_ms > db->deploy_time_ms);
}

static int
compare_incidents_newest_first (gconstpointer a,
                                gconstpointer b)
{
  const HwIncident *ia = *(const HwIncident **) a, *ib = *(const HwIncident **) b;

  return (ia->opened_at_ms < ib->opened_at_ms) - (ia->opened_at_ms > ib->opened_at_ms);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_utf8_collate (*(const char **) a, *(const char **) b);
}

static void
collect_services (HwTeamReport *report)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  const HwDeployment *deployments;
  const HwIncident *incidents;
  gsize n_deployments, n_incidents;

  deployments = hw_team_input_get_deployments (report->input, &n_deployments);
  incidents = hw_team_input_get_incidents (report->input, &n_incidents);
  for (gsize i = 0; i < n_deployments; i++)
    if (deployments[i].service != NULL && g_hash_table_add (seen, (gpointer) deployments[i].service))
      g_ptr_array_add (names, g_strdup (deployments[i].service));
  for (gsize i = 0; i < n_incidents; i++)
    if (incidents[i].service != NULL && g_hash_table_add (seen, (gpointer) incidents[i].service))
      g_ptr_array_add (names, g_strdup (incidents[i].service));
  g_ptr_array_sort (names, compare_strings);
  g_ptr_array_add (names, NULL);
  report->services = (GStrv) g_ptr_array_steal (names, NULL);
}

/* The rows behind the numbers: the same selection as hw_team_metrics_compute(). */
static void
collect_rows (HwTeamReport *report,
              const char   *service)
{
  const HwTeamMetrics *m = &report->metrics;
  g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
  const HwDeployment *deployments;
  const HwIncident *incidents;
  gsize n_deployments, n_incidents;

  deployments = hw_team_input_get_deployments (report->input, &n_deployments);
  incidents = hw_team_input_get_incidents (report->input, &n_incidents);
  report->deployments = g_ptr_array_new ();
  report->incidents = g_ptr_array_new ();
  report->causes = g_hash_table_new (g_str_hash, g_str_equal);

  for (gsize i = 0; i < n_deployments; i++)
    {
      const HwDeployment *d = &deployments[i];

      if ((service != NULL && g_strcmp0 (service, d->service) != 0)
          || d->deploy_time_ms < m->from_ms || d->deploy_time_ms >= m->to_ms
          || !g_hash_table_add (ids, (gpointer) d->id))
        continue;
      g_ptr_array_add (report->deployments, (gpointer) d);
    }
  for (gsize i = 0; i < n_incidents; i++)
    {
      const HwIncident *incident = &incidents[i];

      if (incident->cause_deployment != NULL && g_hash_table_contains (ids, incident->cause_deployment)
          && !g_hash_table_contains (report->causes, incident->cause_deployment))
        g_hash_table_insert (report->causes, (gpointer) incident->cause_deployment, (gpointer) incident);
      if ((service != NULL && g_strcmp0 (service, incident->service) != 0)
          || incident->opened_at_ms < m->from_ms || incident->opened_at_ms >= m->to_ms)
        continue;
      g_ptr_array_add (report->incidents, (gpointer) incident);
    }
  g_ptr_array_sort (report->deployments, compare_deployments_newest_first);
  g_ptr_array_sort (report->incidents, compare_incidents_newest_first);
}

HwTeamReport *
hw_team_report_load (HwEventStore  *store,
                     const char    *service,
                     guint          days,
                     gint64         to_ms,
                     guint          n_weeks,
                     GCancellable  *cancellable,
                     GError       **error)
{
  g_autoptr(HwTeamReport) report = NULL;
  const HwDeployment *deployments;
  const HwIncident *incidents;
  gsize n_deployments, n_incidents;
  gint64 from_ms, trend_from_ms;

  g_return_val_if_fail (HW_IS_EVENT_STORE (store), NULL);
  g_return_val_if_fail (days > 0, NULL);

  from_ms = to_ms - (gint64) days * DAY_MS;
  trend_from_ms = MIN (from_ms, to_ms - (gint64) n_weeks * HW_TEAM_WEEK_MS);

  report = g_new0 (HwTeamReport, 1);
  report->input = hw_team_input_new ();
  if (!add_kind (report, store, "deployment", trend_from_ms, to_ms, cancellable, error)
      || !add_kind (report, store, "incident", trend_from_ms, HW_EVENT_STORE_UNBOUNDED,
                    cancellable, error))
    return NULL;

  deployments = hw_team_input_get_deployments (report->input, &n_deployments);
  incidents = hw_team_input_get_incidents (report->input, &n_incidents);
  if (!hw_team_metrics_compute (deployments, n_deployments, incidents, n_incidents, service,
                                from_ms, to_ms, &report->metrics, error))
    return NULL;

  report->weeks = g_array_new (FALSE, TRUE, sizeof (HwTeamWeek));
  for (guint i = 0; i < n_weeks; i++)
    {
      HwTeamWeek week = { .start_ms = to_ms - (gint64) (n_weeks - i) * HW_TEAM_WEEK_MS };

      if (!hw_team_metrics_compute (deployments, n_deployments, incidents, n_incidents, service,
                                    week.start_ms, week.start_ms + HW_TEAM_WEEK_MS,
                                    &week.metrics, error))
        return NULL;
      g_array_append_val (report->weeks, week);
    }

  collect_services (report);
  collect_rows (report, service);
  return g_steal_pointer (&report);
}

typedef struct
{
  HwEventStore *store;
  char         *service;
  guint         days;
  gint64        to_ms;
  guint         n_weeks;
} LoadData;

static void
load_data_free (LoadData *data)
{
  g_clear_object (&data->store);
  g_free (data->service);
  g_free (data);
}

static void
load_in_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  LoadData *data = task_data;
  GError *error = NULL;
  HwTeamReport *report;

  report = hw_team_report_load (data->store, data->service, data->days, data->to_ms,
                                data->n_weeks, cancellable, &error);
  if (report == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, report, (GDestroyNotify) hw_team_report_free);
}

void
hw_team_report_load_async (HwEventStore        *store,
                           const char          *service,
                           guint                days,
                           gint64               to_ms,
                           guint                n_weeks,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  LoadData *data;

  g_return_if_fail (HW_IS_EVENT_STORE (store));

  data = g_new0 (LoadData, 1);
  data->store = g_object_ref (store);
  data->service = g_strdup (service);
  data->days = days;
  data->to_ms = to_ms;
  data->n_weeks = n_weeks;
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, hw_team_report_load_async);
  g_task_set_task_data (task, data, (GDestroyNotify) load_data_free);
  hw_background_run_task (task, load_in_thread);
}

HwTeamReport *
hw_team_report_load_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
