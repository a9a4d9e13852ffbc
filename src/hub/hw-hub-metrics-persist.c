/* hw-hub-metrics-persist.c: writing finished and late buckets, retention, the per-second tick
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-event-store.h"
#include "hw-hub-metrics-private.h"

#define PRUNE_EVERY_MS   (10 * 60 * 1000)

/* Persistence, on the "hw-metrics" writer thread ----------------------------
 *
 * The store's write lock is the ingest writer's too: a tick that wrote on
 * the main loop waited out every long ingest commit. */

static void
persist_pending (HwHubMetrics *self,
                 GArray       *points)
{
  g_autoptr(GError) error = NULL;

  if (points->len == 0)
    return;
  if (!hw_event_store_insert_metric_points (self->store, (HwMetricPoint *) (gpointer) points->data,
                                            points->len, &error))
    g_warning ("cannot persist %u metric points: %s", points->len, error->message);
}

/* After persist_pending(): a late count adds to a bucket written before. */
static void
persist_late (HwHubMetrics *self,
              GHashTable   *late)
{
  g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (HwMetricPoint));
  g_autoptr(GError) error = NULL;
  GHashTableIter iter;
  gpointer value;

  if (g_hash_table_size (late) == 0)
    return;
  g_hash_table_iter_init (&iter, late);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_array_append_vals (points, value, 1);
  if (!hw_event_store_add_metric_points (self->store, (HwMetricPoint *) (gpointer) points->data,
                                         points->len, &error))
    g_warning ("cannot persist %u late metric points: %s", points->len, error->message);
}

static void
prune (HwHubMetrics *self,
       gint64        now_ms)
{
  for (guint r = 0; r < N_ROLLUPS; r++)
    {
      g_autoptr(GError) error = NULL;

      if (!hw_event_store_prune_metric_points (self->store, hw_metrics_rollup_seconds[r],
                                               now_ms - hw_metrics_rollup_keep_ms[r], &error))
        g_warning ("cannot prune metric points: %s", error->message);
    }
}

/* One writer, so the writes of one tick follow those of the tick before. */
static void
write_points (gpointer data)
{
  HwMetricsWrite *write = data;
  HwHubMetrics *self = write->metrics;

  g_assert (!g_main_context_is_owner (g_main_context_default ()));
  g_mutex_lock (&self->mutex);
  write->writing = TRUE;
  g_mutex_unlock (&self->mutex);

  persist_pending (self, write->points);
  persist_late (self, write->late);
  if (write->prune_ms > 0)
    prune (self, write->prune_ms);

  g_mutex_lock (&self->mutex);
  g_queue_remove (&self->unwritten, write);
  g_cond_broadcast (&self->written);
  g_mutex_unlock (&self->mutex);
}

static void
write_free (gpointer data)
{
  HwMetricsWrite *write = data;

  g_array_unref (write->points);
  g_hash_table_unref (write->late);
  g_free (write);
}

/* Hands the pending and late points to the writer, and a prune when
 * @prune_ms > 0. Caller holds the mutex, so that a query sees them here
 * or in the store, never in neither. */
static void
hand_to_writer (HwHubMetrics *self,
                gint64        prune_ms)
{
  HwMetricsWrite *write;

  if (self->pending->len == 0 && g_hash_table_size (self->late) == 0 && prune_ms == 0)
    return;
  write = g_new0 (HwMetricsWrite, 1);
  write->metrics = self;
  write->points = self->pending;
  write->late = self->late;
  write->prune_ms = prune_ms;
  self->pending = g_array_new (FALSE, FALSE, sizeof (HwMetricPoint));
  g_array_set_clear_func (self->pending, (GDestroyNotify) hw_metric_point_clear);
  self->late = hw_metrics_new_late_points ();
  if (self->writer == NULL)
    {
      /* Memory only: finished buckets have nowhere to go. */
      write_free (write);
      return;
    }
  g_queue_push_tail (&self->unwritten, write);
  hw_hub_writer_push (self->writer, write_points, write, write_free);
}

static gint64
prune_due (HwHubMetrics *self,
           gint64        now_ms)
{
  if (self->store == NULL || now_ms - self->last_prune_ms < PRUNE_EVERY_MS)
    return 0;
  self->last_prune_ms = now_ms;
  return now_ms;
}

static JsonNode *
build_tick (HwHubMetrics *self,
            gint64        sec)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  GHashTableIter iter;
  gpointer value;
  guint slot = (guint) (sec % RING_SECONDS);
  guint n = 0;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "ts");
  json_builder_add_int_value (builder, sec * 1000);
  json_builder_set_member_name (builder, "series");
  json_builder_begin_array (builder);
  g_hash_table_iter_init (&iter, self->series);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Series *series = value;
      Acc *acc = &series->ring[slot];

      if (series->ring_sec[slot] != sec || acc->count == 0)
        continue;
      n++;
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, series->name);
      json_builder_set_member_name (builder, "labels");
      {
        g_autoptr(JsonNode) labels = json_node_new (JSON_NODE_OBJECT);

        json_node_set_object (labels, series->label_object);
        json_builder_add_value (builder, json_node_copy (labels));
      }
      json_builder_set_member_name (builder, "sum");
      json_builder_add_double_value (builder, acc->sum);
      json_builder_set_member_name (builder, "count");
      json_builder_add_int_value (builder, acc->count);
      json_builder_set_member_name (builder, "min");
      json_builder_add_double_value (builder, acc->min);
      json_builder_set_member_name (builder, "max");
      json_builder_add_double_value (builder, acc->max);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  return n > 0 ? json_builder_get_root (builder) : NULL;
}

void
hw_hub_metrics_tick (HwHubMetrics *self,
                     gint64        now_ms)
{
  g_autoptr(JsonNode) tick = NULL;
  gint64 now_sec = now_ms / 1000;

  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->mutex);
  /* Close rollup buckets that ended even if their series went quiet. */
  {
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init (&iter, self->series);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      {
        Series *series = value;

        for (guint r = 0; r < N_ROLLUPS; r++)
          if (series->roll[r].count > 0
              && series->roll_start[r] + hw_metrics_rollup_seconds[r] <= now_sec)
            hw_metrics_close_rollup (self, series, r);
      }
  }
  hand_to_writer (self, prune_due (self, now_ms));
  if (self->tick_func != NULL && now_sec - 1 != self->last_tick_sec)
    {
      self->last_tick_sec = now_sec - 1;
      tick = build_tick (self, now_sec - 1);
    }
  g_mutex_unlock (&self->mutex);

  if (tick != NULL)
    self->tick_func (tick, self->tick_data);
}

void
hw_hub_metrics_flush (HwHubMetrics *self)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->mutex);
  g_hash_table_iter_init (&iter, self->series);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    for (guint r = 0; r < N_ROLLUPS; r++)
      hw_metrics_close_rollup (self, value, r);
  hand_to_writer (self, 0);
  g_mutex_unlock (&self->mutex);

  /* Shutdown: every point on disk before the process exits. */
  if (self->writer != NULL)
    hw_hub_writer_flush (self->writer);
}
