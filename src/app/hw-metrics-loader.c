/* hw-metrics-loader.c: reads the Metrics page's series from a hub's cache, off the UI thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "hw-background.h"
#include "hw-hub-sync.h"
#include "hw-metrics-loader.h"

/* Enough system events for markers over any range without flooding a chart. */
#define MAX_SYSTEM_EVENTS 1000
#define TARGET_POINTS     240

/* Multiples of the hub's 10 s rollups (60 s left out, see the header). */
static const guint steps_s[] = {
  10, 30, 120, 300, 600, 900, 1800, 3600, 10800, 21600, 43200, 86400,
};

typedef struct
{
  HwEventStore         *store;
  const HwMetricsQuery *queries;
  guint                 n_queries;
  gint64                from_ms;
  gint64                to_ms;
  guint                 step_s;
  gint64                alert_bucket_ms;
} LoadJob;

typedef struct
{
  gint64 ts_ms;
  double value;
} TimedValue;

static void
load_job_free (LoadJob *job)
{
  g_clear_object (&job->store);
  g_free (job);
}

void
hw_metrics_result_free (HwMetricsResult *result)
{
  if (result == NULL)
    return;
  for (guint i = 0; i < result->n_queries; i++)
    g_clear_pointer (&result->series[i], g_ptr_array_unref);
  g_free (result->series);
  g_free (result->n_hidden);
  g_clear_pointer (&result->markers, g_ptr_array_unref);
  g_clear_pointer (&result->alerts, hw_series_unref);
  g_free (result);
}

static guint
step_index (guint step_s)
{
  for (guint i = 0; i < G_N_ELEMENTS (steps_s); i++)
    if (steps_s[i] >= step_s)
      return i;
  return G_N_ELEMENTS (steps_s) - 1;
}

guint
hw_metrics_pick_step (gint64 span_ms)
{
  for (guint i = 0; i < G_N_ELEMENTS (steps_s); i++)
    if (span_ms / ((gint64) steps_s[i] * 1000) <= TARGET_POINTS)
      return steps_s[i];
  return steps_s[G_N_ELEMENTS (steps_s) - 1];
}

/* Grouping ----------------------------------------------------------------- */

/* NULL when the point is not split by @by (the unlabelled total). */
static char *
label_value (const char *labels,
             const char *by)
{
  g_autoptr(JsonNode) node = labels != NULL ? json_from_string (labels, NULL) : NULL;
  JsonObject *object;
  JsonNode *member;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  object = json_node_get_object (node);
  member = json_object_get_member (object, by);
  if (member == NULL || !JSON_NODE_HOLDS_VALUE (member))
    return NULL;
  if (json_node_get_value_type (member) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (member));
  return NULL;
}

static HwSeries *
new_series (const char *label,
            guint       step_s)
{
  HwSeries *series = hw_series_new (label != NULL && *label != '\0' ? label : _("(none)"));

  /* One missing step is a gap worth seeing; less is jitter. */
  hw_series_set_gap_threshold (series, 2 * (gint64) step_s * 1000);
  return series;
}

static GPtrArray *
group_points (GArray               *points,
              const HwMetricsQuery *query,
              guint                 step_s)
{
  GPtrArray *all = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_series_unref);
  gboolean take_max = g_strcmp0 (query->stat, "max") == 0;
  const char *current_labels = NULL;
  HwSeries *current = NULL;

  /* Points come ordered by labels, then time. */
  for (guint i = 0; points != NULL && i < points->len; i++)
    {
      HwMetricPoint *p = &g_array_index (points, HwMetricPoint, i);

      if (current_labels == NULL || g_strcmp0 (p->labels, current_labels) != 0)
        {
          g_autofree char *value = label_value (p->labels, query->by);

          current_labels = p->labels;
          current = value != NULL ? new_series (value, step_s) : NULL;
          if (current != NULL)
            g_ptr_array_add (all, current);
        }
      if (current != NULL)
        hw_series_append (current, p->ts_ms, take_max ? p->max : p->sum);
    }
  return all;
}

static double
series_weight (HwSeries          *series,
               const HwTimeRange *range)
{
  HwSeriesStats stats = hw_series_stats (series, range);

  return stats.count > 0 && !isnan (stats.max) ? stats.max : -INFINITY;
}

static int
compare_weight (gconstpointer a,
                gconstpointer b,
                gpointer      user_data)
{
  HwSeries *sa = *(HwSeries **) a, *sb = *(HwSeries **) b;
  double wa = series_weight (sa, user_data), wb = series_weight (sb, user_data);

  if (wa != wb)
    return wa < wb ? 1 : -1;
  return g_strcmp0 (hw_series_get_name (sa), hw_series_get_name (sb));
}

static int
compare_time (gconstpointer a,
              gconstpointer b)
{
  const TimedValue *ta = a, *tb = b;

  return (ta->ts_ms > tb->ts_ms) - (ta->ts_ms < tb->ts_ms);
}

static HwSeries *
combine_rest (GPtrArray        *all,
              guint             first,
              HwMetricsCombine  combine,
              guint             step_s)
{
  g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (TimedValue));
  HwSeries *other = new_series (_("Other"), step_s);

  for (guint s = first; s < all->len; s++)
    {
      HwSeries *series = g_ptr_array_index (all, s);

      for (guint i = 0; i < hw_series_get_length (series); i++)
        {
          TimedValue tv = { hw_series_get_time (series, i), hw_series_get_value (series, i) };

          g_array_append_val (values, tv);
        }
    }
  g_array_sort (values, compare_time);
  for (guint i = 0; i < values->len;)
    {
      TimedValue *tv = &g_array_index (values, TimedValue, i);
      gint64 ts = tv->ts_ms;
      double value = tv->value;

      for (i++; i < values->len && g_array_index (values, TimedValue, i).ts_ms == ts; i++)
        {
          double next = g_array_index (values, TimedValue, i).value;

          value = combine == HW_METRICS_COMBINE_MAX ? MAX (value, next) : value + next;
        }
      hw_series_append (other, ts, value);
    }
  return other;
}

/* Worst first; past the limit the rest fold into "Other" when they can. */
static GPtrArray *
rank_series (GPtrArray            *all,
             const HwMetricsQuery *query,
             const HwTimeRange    *range,
             guint                 step_s,
             guint                *n_hidden)
{
  guint keep;

  g_ptr_array_sort_with_data (all, compare_weight, (gpointer) range);
  *n_hidden = 0;
  if (all->len <= HW_METRICS_MAX_SERIES)
    return all;

  keep = query->combine == HW_METRICS_COMBINE_NONE ? HW_METRICS_MAX_SERIES
                                                    : HW_METRICS_MAX_SERIES - 1;
  *n_hidden = all->len - keep;
  if (query->combine != HW_METRICS_COMBINE_NONE)
    {
      HwSeries *other = combine_rest (all, keep, query->combine, step_s);

      g_ptr_array_set_size (all, keep);
      g_ptr_array_add (all, other);
      return all;
    }
  g_ptr_array_set_size (all, keep);
  return all;
}

static void
marker_free (HwMetricsMarker *marker)
{
  g_free (marker->kind);
  g_free (marker->title);
  g_free (marker);
}

static char *
system_event_title (HwSystemEvent *event)
{
  static const char *fields[] = { "title", "message", "summary", "description", "version" };
  g_autoptr(JsonNode) node = event->json != NULL ? json_from_string (event->json, NULL) : NULL;
  JsonObject *object = node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;

  for (guint i = 0; object != NULL && i < G_N_ELEMENTS (fields); i++)
    {
      const char *value = json_object_get_string_member_with_default (object, fields[i], NULL);

      if (value != NULL && *value != '\0')
        return g_strdup (value);
    }
  return g_strdup (event->kind);
}

/* Parsed here, off the UI thread: a busy day has many system events. */
static GPtrArray *
collect_markers (GPtrArray *events)
{
  GPtrArray *markers = g_ptr_array_new_with_free_func ((GDestroyNotify) marker_free);

  for (guint i = 0; i < events->len; i++)
    {
      HwSystemEvent *event = g_ptr_array_index (events, i);
      HwMetricsMarker *marker;

      if (g_strcmp0 (event->kind, "deployment") != 0 && g_strcmp0 (event->kind, "incident") != 0)
        continue;
      marker = g_new0 (HwMetricsMarker, 1);
      marker->ts_ms = event->ts_ms;
      marker->kind = g_strdup (event->kind);
      marker->title = system_event_title (event);
      g_ptr_array_add (markers, marker);
    }
  return markers;
}

static HwSeries *
count_alerts (GPtrArray *events,
              gint64     from_ms,
              gint64     to_ms,
              gint64     bucket_ms)
{
  HwSeries *alerts = hw_series_new ("alerts");
  gint64 start = from_ms - (from_ms % bucket_ms);
  guint next = 0;

  hw_series_set_gap_threshold (alerts, 2 * bucket_ms);
  for (gint64 bucket = start; bucket < to_ms; bucket += bucket_ms)
    {
      guint count = 0;

      for (; next < events->len; next++)
        {
          HwSystemEvent *event = g_ptr_array_index (events, next);

          if (event->ts_ms >= bucket + bucket_ms)
            break;
          if (event->ts_ms >= bucket && g_strcmp0 (event->kind, "alert") == 0)
            count++;
        }
      hw_series_append (alerts, bucket, count);
    }
  return alerts;
}

/* The worker ----------------------------------------------------------------- */

/* The points at @step_s or, when there are none (offline, before the hub
 * answered for a new range), at the nearest resolution that is cached:
 * a coarser or finer curve beats an empty chart. */
static GArray *
query_points (LoadJob       *job,
              const char    *name,
              guint         *resolution_s,
              GCancellable  *cancellable,
              GError       **error)
{
  g_autoptr(GArray) points = NULL;
  guint order[G_N_ELEMENTS (steps_s) + 1];
  guint n = 0;

  order[n++] = job->step_s;
  for (guint distance = 1; distance < G_N_ELEMENTS (steps_s); distance++)
    for (guint i = 0; i < G_N_ELEMENTS (steps_s); i++)
      if (steps_s[i] != job->step_s
          && ABS ((int) i - (int) step_index (job->step_s)) == (int) distance)
        order[n++] = steps_s[i];

  for (guint i = 0; i < n; i++)
    {
      g_clear_pointer (&points, g_array_unref);
      points = hw_event_store_query_metric_points (job->store, name, NULL, order[i], job->from_ms,
                                                   job->to_ms, cancellable, error);
      if (points == NULL)
        return NULL;
      *resolution_s = order[i];
      if (points->len > 0)
        break;
    }
  return g_steal_pointer (&points);
}

static void
load_in_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  LoadJob *job = task_data;
  HwMetricsResult *result = g_new0 (HwMetricsResult, 1);
  HwTimeRange range = { job->from_ms, job->to_ms };
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;

  result->n_queries = job->n_queries;
  result->series = g_new0 (GPtrArray *, job->n_queries);
  result->n_hidden = g_new0 (guint, job->n_queries);
  for (guint q = 0; q < job->n_queries; q++)
    {
      const HwMetricsQuery *query = &job->queries[q];
      g_autofree char *name = hw_hub_sync_metric_cache_key (query->metric, query->stat, query->by);
      g_autoptr(GArray) points = NULL;
      guint resolution_s = job->step_s;

      points = query_points (job, name, &resolution_s, cancellable, &error);
      if (points == NULL)
        {
          hw_metrics_result_free (result);
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      result->series[q] = rank_series (group_points (points, query, resolution_s), query, &range,
                                       resolution_s, &result->n_hidden[q]);
    }

  events = hw_event_store_list_system_events (job->store, NULL, job->from_ms, job->to_ms,
                                              HW_EVENT_ORDER_OLDEST_FIRST, MAX_SYSTEM_EVENTS,
                                              cancellable, &error);
  if (events == NULL)
    {
      hw_metrics_result_free (result);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  result->markers = collect_markers (events);
  result->alerts = count_alerts (events, job->from_ms, job->to_ms, job->alert_bucket_ms);
  g_task_return_pointer (task, result, (GDestroyNotify) hw_metrics_result_free);
}

void
hw_metrics_load_async (HwEventStore         *store,
                       const HwMetricsQuery *queries,
                       guint                 n_queries,
                       gint64                from_ms,
                       gint64                to_ms,
                       guint                 step_s,
                       gint64                alert_bucket_ms,
                       GCancellable         *cancellable,
                       GAsyncReadyCallback   callback,
                       gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  LoadJob *job;

  g_return_if_fail (HW_IS_EVENT_STORE (store));
  g_return_if_fail (queries != NULL || n_queries == 0);
  g_return_if_fail (from_ms < to_ms && step_s > 0 && alert_bucket_ms > 0);

  job = g_new0 (LoadJob, 1);
  job->store = g_object_ref (store);
  job->queries = queries;
  job->n_queries = n_queries;
  job->from_ms = from_ms;
  job->to_ms = to_ms;
  job->step_s = step_s;
  job->alert_bucket_ms = alert_bucket_ms;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, hw_metrics_load_async);
  g_task_set_task_data (task, job, (GDestroyNotify) load_job_free);
  hw_background_run_task (task, load_in_thread);
}

HwMetricsResult *
hw_metrics_load_finish (GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
