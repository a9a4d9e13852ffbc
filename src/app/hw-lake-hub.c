/* hw-lake-hub.c: when the lake page asks the hub instead of the cache, and what it makes of the answer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-lake-hub.h"

gboolean
hw_lake_should_ask_hub (HwHubSyncState state,
                        gint64         as_of_ms,
                        gint64         to_ms)
{
  if (state != HW_HUB_SYNC_STATE_SYNCING)
    return FALSE;
  /* An unbounded upper end always reaches past the cached data. */
  return as_of_ms <= 0 || to_ms == HW_EVENT_STORE_UNBOUNDED || to_ms > as_of_ms;
}

char *
hw_lake_format_bound (gint64 ms)
{
  if (ms == HW_EVENT_STORE_UNBOUNDED || ms == G_MAXINT64)
    return NULL;
  return g_strdup_printf ("%" G_GINT64_FORMAT, ms);
}

GPtrArray *
hw_lake_rows_from_events (GPtrArray   *events,
                          HwMaskRules *rules)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_event_row_free);

  g_return_val_if_fail (events != NULL, rows);

  for (guint i = 0; i < events->len; i++)
    {
      HwEvent *event = g_ptr_array_index (events, i);
      HwEventRow *row = g_new0 (HwEventRow, 1);
      g_autoptr(JsonNode) masked = NULL;

      row->ts_ms = event->timestamp_ms;
      row->id = g_strdup (event->id);
      row->type = g_strdup (event->type);
      row->partition_key = g_strdup (event->partition_key);
      row->source = g_strdup (event->source);
      row->functionname = g_strdup (event->functionname);
      row->pipeline = g_strdup (event->pipeline);
      row->is_fault = hw_event_is_fault (event);
      row->size = event->size;
      if (rules != NULL && event->expanded != NULL)
        {
          masked = hw_mask_rules_apply_copy (rules, event->expanded, NULL);
          row->json = json_to_string (masked, FALSE);
        }
      else
        row->json = hw_event_dup_expanded_json (event);
      g_ptr_array_add (rows, row);
    }
  return rows;
}

HwSeries *
hw_lake_histogram_series (const HwHistogram *histogram)
{
  HwSeries *series = hw_series_new ("hits");

  if (histogram == NULL || histogram->buckets == NULL)
    return series;
  hw_series_set_gap_threshold (series, histogram->bucket_ms * 2);
  for (guint i = 0; i < histogram->buckets->len; i++)
    {
      HwHistogramBucket *bucket = &g_array_index (histogram->buckets, HwHistogramBucket, i);

      hw_series_append (series, bucket->start_ms, bucket->count);
    }
  return series;
}

HwSeries *
hw_lake_hub_buckets_series (GArray *buckets,
                            gint64 *from_ms,
                            gint64 *to_ms)
{
  HwSeries *series = hw_series_new ("hits");
  gint64 step = 0;

  *from_ms = *to_ms = 0;
  if (buckets == NULL || buckets->len == 0)
    return series;
  if (buckets->len > 1)
    step = g_array_index (buckets, HwHubBucket, 1).start_ms - g_array_index (buckets, HwHubBucket, 0).start_ms;
  for (guint i = 0; i < buckets->len; i++)
    {
      HwHubBucket *bucket = &g_array_index (buckets, HwHubBucket, i);

      hw_series_append (series, bucket->start_ms, bucket->count);
    }
  *from_ms = g_array_index (buckets, HwHubBucket, 0).start_ms;
  *to_ms = g_array_index (buckets, HwHubBucket, buckets->len - 1).start_ms + MAX (step, 1000);
  if (step > 0)
    hw_series_set_gap_threshold (series, step * 2);
  return series;
}
