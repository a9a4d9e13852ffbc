/* hw-overview-data.c: what the Overview shows, read from the cache off the UI thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>

#include "hw-background.h"
#include "hw-overview-data.h"

#define HOUR_MS HW_OVERVIEW_HOUR_MS
#define STEP_S  60

/* The rollups the cards show, in HwOverviewCard order: what the sync is
 * asked to keep cached. */
static const struct
{
  const char *key;
  const char *metric;
  const char *stat;
} card_metrics[] = {
  { "overview.event-rate", "domain.event.count", "rate" },
  { "overview.fault-rate", "fault.count", "rate" },
  { "overview.iterator-age", "listener.iterator_age", "max" },
};

void
hw_overview_data_free (HwOverviewData *data)
{
  for (guint i = 0; i < HW_OVERVIEW_N_CARDS; i++)
    g_clear_pointer (&data->series[i], hw_series_unref);
  g_clear_pointer (&data->system_events, g_ptr_array_unref);
  g_free (data);
}

void
hw_overview_data_request_rollups (HwHubSync *sync)
{
  g_return_if_fail (HW_IS_HUB_SYNC (sync));

  for (guint i = 0; i < G_N_ELEMENTS (card_metrics); i++)
    hw_hub_sync_request_metrics (sync, card_metrics[i].key, card_metrics[i].metric, "now-1h",
                                 "now", STEP_S, card_metrics[i].stat, NULL);
}

static int
compare_ts (gconstpointer a,
            gconstpointer b)
{
  const HwMetricPoint *pa = a, *pb = b;

  return (pa->ts_ms > pb->ts_ms) - (pa->ts_ms < pb->ts_ms);
}

/* Label sets are merged per timestamp: rates add up, ages take the worst. */
static HwSeries *
series_from_points (const char *name,
                    GArray     *points,
                    gboolean    take_max)
{
  HwSeries *series = hw_series_new (name);

  hw_series_set_gap_threshold (series, 2 * STEP_S * 1000);
  if (points == NULL)
    return series;
  g_array_sort (points, compare_ts);
  for (guint i = 0; i < points->len;)
    {
      HwMetricPoint *p = &g_array_index (points, HwMetricPoint, i);
      gint64 ts = p->ts_ms;
      double value = take_max ? p->max : p->sum;

      for (i++; i < points->len && g_array_index (points, HwMetricPoint, i).ts_ms == ts; i++)
        {
          HwMetricPoint *q = &g_array_index (points, HwMetricPoint, i);

          value = take_max ? MAX (value, q->max) : value + q->sum;
        }
      hw_series_append (series, ts, value);
    }
  return series;
}

/* The alert monitor records every transition (pending, firing, resolved);
 * only the moments an alert started firing are worth a bar on the card. */
static gboolean
system_event_is_firing_alert (HwSystemEvent *event)
{
  g_autoptr(JsonParser) parser = NULL;
  JsonNode *root;

  if (g_strcmp0 (event->kind, "alert") != 0 || event->json == NULL)
    return FALSE;
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, event->json, -1, NULL))
    return FALSE;
  root = json_parser_get_root (parser);
  return JSON_NODE_HOLDS_OBJECT (root)
         && g_strcmp0 (json_object_get_string_member_with_default (json_node_get_object (root),
                                                                   "state", ""),
                       "firing") == 0;
}

static void
load_in_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  HwEventStore *store = task_data;
  g_autoptr(HwOverviewData) data = g_new0 (HwOverviewData, 1);
  g_autoptr(GError) error = NULL;
  gint64 to_ms = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (task), "to-ms"));
  HwSeries *alerts;

  data->to_ms = to_ms;

  for (guint i = 0; i < G_N_ELEMENTS (card_metrics); i++)
    {
      g_autofree char *name = hw_hub_sync_metric_cache_name (card_metrics[i].metric,
                                                             card_metrics[i].stat);
      g_autoptr(GArray) points = NULL;

      /* Only the ungrouped series: other pages cache the same metric split by
       * label at this step too, and adding those would count events twice. */
      points = hw_event_store_query_metric_points (store, name, "{}", STEP_S, to_ms - HOUR_MS, to_ms,
                                                   cancellable, &error);
      if (error != NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      if (points != NULL)
        g_array_set_clear_func (points, (GDestroyNotify) hw_metric_point_clear);
      data->series[i] = series_from_points (name, points, i == HW_OVERVIEW_ITERATOR_AGE);
    }

  data->system_events = hw_event_store_list_system_events (store, NULL, to_ms - 24 * HOUR_MS, to_ms,
                                                           HW_EVENT_ORDER_NEWEST_FIRST, 200,
                                                           cancellable, &error);
  if (data->system_events == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Alerts per hour over the last day, for the card's sparkline. */
  alerts = hw_series_new ("alerts");
  hw_series_set_gap_threshold (alerts, HOUR_MS);
  for (gint64 hour = 0; hour < 24; hour++)
    {
      gint64 start = to_ms - (24 - hour) * HOUR_MS;
      guint count = 0;

      for (guint i = 0; i < data->system_events->len; i++)
        {
          HwSystemEvent *event = g_ptr_array_index (data->system_events, i);

          if (event->ts_ms >= start && event->ts_ms < start + HOUR_MS
              && system_event_is_firing_alert (event))
            count++;
        }
      hw_series_append (alerts, start, count);
    }
  data->series[HW_OVERVIEW_ALERTS] = alerts;
  g_task_return_pointer (task, g_steal_pointer (&data), (GDestroyNotify) hw_overview_data_free);
}

void
hw_overview_data_load_async (HwEventStore        *store,
                             gint64               to_ms,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (HW_IS_EVENT_STORE (store));
  g_return_if_fail (to_ms >= 0);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, hw_overview_data_load_async);
  g_task_set_task_data (task, g_object_ref (store), g_object_unref);
  g_object_set_data (G_OBJECT (task), "to-ms", GSIZE_TO_POINTER ((gsize) to_ms));
  hw_background_run_task (task, load_in_thread);
}

HwOverviewData *
hw_overview_data_load_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

