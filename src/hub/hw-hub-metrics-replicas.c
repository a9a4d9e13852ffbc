/* hw-hub-metrics-replicas.c: a replica's rollup points combined with the other replicas' copies
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * With the JetStream engine each replica counts what it accepted and
 * delivered; the others' points arrive as copies (hw-hub-metrics-shared.c).
 * A query of the rollups combines, per series and bucket, this replica's
 * point with the copies, and then goes on as with one hub.
 */
#include "config.h"

#include <string.h>

#include "hw-event-store.h"
#include "hw-hub-metrics-private.h"

/* Gauges: the holder of a listener reports its iterator age and pending
 * count, and a replica that no longer holds it stops reporting, so within
 * one bucket the replicas' figures are the same listener seen at
 * different moments, not parts of a whole: adding them up would double
 * them across a hand-over. The largest is the figure to warn on (the
 * iterator age alarm uses the Maximum). http.requests_in_flight follows
 * the rule and so reads the busiest replica. A gauge missing here counts
 * as a counter across replicas: hw_hub_metrics_record() warns of one. */
static const char * const gauge_names[] = {
  "listener.iterator_age",
  "listener.pending",
  "http.requests_in_flight",
};

/* Stored percentiles ("listener.duration.p95") of the replicas cannot be
 * merged without their samples, which the points do not carry. The
 * percentile of the whole lies between the smallest and the largest of
 * the parts', so the largest is an upper bound: approximate, on the side
 * that does not hide a slow replica. */
static const char * const percentile_suffixes[] = { ".p50", ".p95", ".p99" };

gboolean
hw_metrics_combines_by_max (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (gauge_names); i++)
    if (g_str_equal (name, gauge_names[i]))
      return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (percentile_suffixes); i++)
    if (g_str_has_suffix (name, percentile_suffixes[i]))
      return TRUE;
  return FALSE;
}

/* Counters and histograms: sums and counts add up, min and max widen, as
 * two accumulators of one hub merge. */
static void
add_point (HwMetricPoint       *into,
           const HwMetricPoint *from)
{
  Acc sum = { .count = into->count, .sum = into->sum, .min = into->min, .max = into->max };
  Acc part = { .count = from->count, .sum = from->sum, .min = from->min, .max = from->max };

  hw_metrics_acc_merge (&sum, &part, 0);
  into->count = sum.count;
  into->sum = sum.sum;
  into->min = sum.min;
  into->max = sum.max;
}

/* Gauges and percentiles: each statistic is the largest of the replicas'
 * (the average too: the sum is made so that sum / count gives it). */
static void
keep_largest (HwMetricPoint       *into,
              const HwMetricPoint *from)
{
  double average;

  if (from->count == 0)
    return;
  if (into->count == 0)
    {
      add_point (into, from);
      return;
    }
  average = MAX (into->sum / into->count, from->sum / from->count);
  into->min = MAX (into->min, from->min);
  into->max = MAX (into->max, from->max);
  into->count = MAX (into->count, from->count);
  into->sum = average * into->count;
}

static void
combined_free (HwMetricPoint *point)
{
  hw_metric_point_clear (point);
  g_free (point);
}

/* The combined point of @point's labels and bucket, made empty if new. */
static HwMetricPoint *
combined_for (GHashTable          *combined,
              const HwMetricPoint *point)
{
  g_autofree char *key = g_strdup_printf ("%s\n%" G_GINT64_FORMAT, point->labels ? point->labels : "{}",
                                          point->ts_ms);
  HwMetricPoint *entry = g_hash_table_lookup (combined, key);

  if (entry != NULL)
    return entry;
  entry = g_new0 (HwMetricPoint, 1);
  entry->name = g_strdup (point->name);
  entry->labels = g_strdup (point->labels ? point->labels : "{}");
  entry->resolution_s = point->resolution_s;
  entry->ts_ms = point->ts_ms;
  g_hash_table_insert (combined, g_steal_pointer (&key), entry);
  return entry;
}

/* This replica's points of one bucket add up whatever the kind: a late
 * count is a part of the stored point, not another replica's figure. */
static GHashTable *
combine_own (GPtrArray *own)
{
  GHashTable *combined = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) combined_free);

  for (guint i = 0; i < own->len; i++)
    {
      const HwMetricPoint *point = g_ptr_array_index (own, i);

      add_point (combined_for (combined, point), point);
    }
  return combined;
}

GArray *
hw_metrics_combine_replicas (HwEventStore  *store,
                             const char    *name,
                             guint          resolution_s,
                             gint64         from_ms,
                             gint64         to_ms,
                             GPtrArray     *own,
                             GError       **error)
{
  g_autoptr(GHashTable) combined = combine_own (own);
  g_autoptr(GArray) copies = hw_event_store_query_metric_copies (store, name, resolution_s, from_ms, to_ms, error);
  void (*combine) (HwMetricPoint *, const HwMetricPoint *) = hw_metrics_combines_by_max (name) ? keep_largest
                                                                                              : add_point;
  GArray *points;
  GHashTableIter iter;
  gpointer value;

  if (copies == NULL)
    return NULL;
  for (guint i = 0; i < copies->len; i++)
    {
      const HwMetricPoint *copy = &g_array_index (copies, HwMetricCopy, i).point;

      combine (combined_for (combined, copy), copy);
    }
  points = g_array_sized_new (FALSE, FALSE, sizeof (HwMetricPoint), g_hash_table_size (combined));
  g_array_set_clear_func (points, (GDestroyNotify) hw_metric_point_clear);
  g_hash_table_iter_init (&iter, combined);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      HwMetricPoint *point = value;

      g_array_append_val (points, *point);
      /* The array owns the strings now. */
      memset (point, 0, sizeof *point);
    }
  return points;
}

void
hw_hub_metrics_set_shared (HwHubMetrics *self,
                           gboolean      shared)
{
  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->mutex);
  self->shared = shared;
  g_mutex_unlock (&self->mutex);
}

void
hw_hub_metrics_set_copies_partial (HwHubMetrics *self,
                                   gboolean      partial)
{
  g_return_if_fail (self != NULL);

  g_atomic_int_set (&self->copies_partial, partial);
}
