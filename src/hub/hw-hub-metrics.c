/* hw-hub-metrics.c: 1 s ring buffers in memory, 10 s / 1 min / 1 h rollups in the store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "hw-error.h"
#include "hw-event-store.h"
#include "hw-hub-metrics-private.h"

/* See hw_hub_metrics_counter_add_batch_at(). */
#define LATE_AFTER_MS    (60 * 1000)

const guint hw_metrics_rollup_seconds[N_ROLLUPS] = { 10, 60, 3600 };
#define rollup_seconds hw_metrics_rollup_seconds
/* Retention per rollup: two days of 10 s, 35 days of 1 min, 400 days of 1 h. */
const gint64 hw_metrics_rollup_keep_ms[N_ROLLUPS] = { 2LL * 86400000, 35LL * 86400000, 400LL * 86400000 };
#define rollup_keep_ms hw_metrics_rollup_keep_ms
static const char * const percentile_names[] = { "p50", "p95", "p99" };
static const double percentile_values[] = { 0.50, 0.95, 0.99 };

/* Accumulators ------------------------------------------------------------- */

void
hw_metrics_acc_reset (Acc *acc)
{
  acc->count = 0;
  acc->sum = 0;
  acc->min = 0;
  acc->max = 0;
  acc->seen = 0;
  if (acc->samples != NULL)
    g_array_set_size (acc->samples, 0);
}

static void
acc_clear (Acc *acc)
{
  g_clear_pointer (&acc->samples, g_array_unref);
}

/* Reservoir sampling keeps an unbiased subset with bounded memory. */
static void
acc_offer_sample (Acc    *acc,
                  double  value,
                  guint   cap)
{
  if (acc->samples == NULL)
    acc->samples = g_array_new (FALSE, FALSE, sizeof (double));
  acc->seen++;
  if (acc->samples->len < cap)
    g_array_append_val (acc->samples, value);
  else
    {
      gint64 slot = g_random_int_range (0, (gint32) MIN (acc->seen, G_MAXINT32));

      if (slot < cap)
        g_array_index (acc->samples, double, slot) = value;
    }
}

/* Widens [*min, *max] to @value; the first of @count values sets both. */
static void
widen_range (double *min,
             double *max,
             gint64  count,
             double  value)
{
  if (count == 0)
    *min = *max = value;
  else
    {
      *min = MIN (*min, value);
      *max = MAX (*max, value);
    }
}

static void
acc_add (Acc          *acc,
         double        value,
         HwMetricKind  kind,
         guint         cap)
{
  widen_range (&acc->min, &acc->max, acc->count, value);
  acc->count++;
  acc->sum += value;
  if (kind == HW_METRIC_HISTOGRAM)
    acc_offer_sample (acc, value, cap);
}

void
hw_metrics_acc_merge (Acc       *into,
           const Acc *from,
           guint      cap)
{
  if (from->count == 0)
    return;
  if (into->count == 0)
    {
      into->min = from->min;
      into->max = from->max;
    }
  else
    {
      into->min = MIN (into->min, from->min);
      into->max = MAX (into->max, from->max);
    }
  into->count += from->count;
  into->sum += from->sum;
  if (from->samples != NULL)
    for (guint i = 0; i < from->samples->len; i++)
      acc_offer_sample (into, g_array_index (from->samples, double, i), cap);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

/* Nearest-rank percentile of the samples; NAN when there are none. */
double
hw_metrics_acc_percentile (Acc    *acc,
                double  p)
{
  guint n;
  guint rank;

  if (acc->samples == NULL || acc->samples->len == 0)
    return NAN;
  n = acc->samples->len;
  g_array_sort (acc->samples, compare_doubles);
  rank = (guint) ceil (p * n);
  return g_array_index (acc->samples, double, CLAMP (rank, 1, n) - 1);
}

/* Series --------------------------------------------------------------------- */

static void
series_free (Series *series)
{
  for (guint i = 0; i < RING_SECONDS; i++)
    acc_clear (&series->ring[i]);
  for (guint i = 0; i < N_ROLLUPS; i++)
    acc_clear (&series->roll[i]);
  g_free (series->name);
  g_free (series->labels);
  json_object_unref (series->label_object);
  g_free (series);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* {"k":"v",…} with sorted keys, so equal label sets are equal strings. */
static char *
canonical_labels (const char * const *labels,
                  JsonObject        **out_object)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonObject) sorted = json_object_new ();

  for (guint i = 0; labels != NULL && labels[i] != NULL && labels[i + 1] != NULL; i += 2)
    {
      if (!json_object_has_member (object, labels[i]))
        g_ptr_array_add (keys, (gpointer) labels[i]);
      json_object_set_string_member (object, labels[i], labels[i + 1]);
    }
  g_ptr_array_sort (keys, compare_strings);
  for (guint i = 0; i < keys->len; i++)
    {
      const char *key = g_ptr_array_index (keys, i);

      json_object_set_string_member (sorted, key, json_object_get_string_member (object, key));
    }
  json_node_set_object (node, sorted);
  *out_object = json_object_ref (sorted);
  return json_to_string (node, FALSE);
}

static void
append_counted (GString    *out,
                const char *text)
{
  g_string_append_printf (out, "%" G_GSIZE_FORMAT ":", strlen (text));
  g_string_append (out, text);
}

/* The name and labels exactly as passed, each length-prefixed so that no
 * value can fake a boundary. Per-event metrics look their series up a few
 * times per event, and the canonical form needs a JSON tree (about 10 us):
 * this key, built without one, finds the series of a call already seen.
 * Another order or a repeated label only makes another key for the same
 * series. */
static char *
call_key (const char         *name,
          const char * const *labels)
{
  GString *key = g_string_sized_new (128);

  append_counted (key, name);
  for (guint i = 0; labels != NULL && labels[i] != NULL && labels[i + 1] != NULL; i += 2)
    {
      append_counted (key, labels[i]);
      append_counted (key, labels[i + 1]);
    }
  return g_string_free (key, FALSE);
}

static Series *
lookup_series_canonical (HwHubMetrics       *self,
                         HwMetricKind        kind,
                         const char         *name,
                         const char * const *labels)
{
  g_autoptr(JsonObject) object = NULL;
  g_autofree char *canonical = canonical_labels (labels, &object);
  g_autofree char *key = g_strconcat (name, "\n", canonical, NULL);
  Series *series = g_hash_table_lookup (self->series, key);

  if (series != NULL)
    return series;
  /* Replicas combine gauges by name (hw-hub-metrics-replicas.c). */
  g_warn_if_fail (kind != HW_METRIC_GAUGE || hw_metrics_combines_by_max (name));
  series = g_new0 (Series, 1);
  series->name = g_strdup (name);
  series->labels = g_steal_pointer (&canonical);
  series->label_object = g_steal_pointer (&object);
  series->kind = kind;
  g_hash_table_insert (self->series, g_steal_pointer (&key), series);
  return series;
}

/* Series are never removed, so the borrowed pointers in by_call stay valid. */
static Series *
lookup_series (HwHubMetrics       *self,
               HwMetricKind        kind,
               const char         *name,
               const char * const *labels)
{
  g_autofree char *key = call_key (name, labels);
  Series *series = g_hash_table_lookup (self->by_call, key);

  if (series != NULL)
    return series;
  series = lookup_series_canonical (self, kind, name, labels);
  g_hash_table_insert (self->by_call, g_steal_pointer (&key), series);
  return series;
}

static void
queue_point (HwHubMetrics *self,
             const char   *name,
             const char   *labels,
             gint64        ts_ms,
             guint         resolution_s,
             double        sum,
             double        min,
             double        max,
             gint64        count)
{
  HwMetricPoint point = {
    .name = g_strdup (name),
    .labels = g_strdup (labels),
    .ts_ms = ts_ms,
    .resolution_s = resolution_s,
    .sum = sum,
    .min = min,
    .max = max,
    .count = count,
  };

  g_array_append_val (self->pending, point);
}

static void add_late_point (HwHubMetrics *self,
                            Series       *series,
                            guint         r,
                            gint64        start_ms,
                            const Acc    *acc);

/* Moves a finished rollup bucket to the pending points. Percentiles of a
 * histogram become their own series ("name.p95"), as the store expects.
 *
 * A bucket begun before this registry was made may already hold a part,
 * written when the hub stopped: that one adds to the stored point, as a
 * late count does, rather than replace it (a restart lost the current
 * hour's counts until then). Its percentiles cannot be added, and take
 * the place of the stored ones. */
void
hw_metrics_close_rollup (HwHubMetrics *self,
                         Series       *series,
                         guint         r)
{
  Acc *acc = &series->roll[r];

  if (acc->count > 0)
    {
      if (series->roll_start[r] <= self->started_sec)
        add_late_point (self, series, r, series->roll_start[r] * 1000, acc);
      else
        queue_point (self, series->name, series->labels, series->roll_start[r] * 1000,
                     rollup_seconds[r], acc->sum, acc->min, acc->max, acc->count);
      if (series->kind == HW_METRIC_HISTOGRAM)
        for (guint p = 0; p < G_N_ELEMENTS (percentile_values); p++)
          {
            g_autofree char *name = g_strdup_printf ("%s.%s", series->name, percentile_names[p]);
            double value = hw_metrics_acc_percentile (acc, percentile_values[p]);

            queue_point (self, name, series->labels, series->roll_start[r] * 1000,
                         rollup_seconds[r], value, value, value, 1);
          }
    }
  hw_metrics_acc_reset (acc);
}

/* Moves @series to the second @now_sec: its ring slot starts empty, and
 * rollup buckets that ended are closed. Returns the slot. */
static guint
series_move_to (HwHubMetrics *self,
                Series       *series,
                gint64        now_sec)
{
  guint slot = (guint) (now_sec % RING_SECONDS);

  if (series->ring_sec[slot] != now_sec)
    {
      hw_metrics_acc_reset (&series->ring[slot]);
      series->ring_sec[slot] = now_sec;
    }
  for (guint r = 0; r < N_ROLLUPS; r++)
    {
      gint64 start = now_sec - now_sec % rollup_seconds[r];

      if (series->roll_start[r] != start)
        {
          hw_metrics_close_rollup (self, series, r);
          series->roll_start[r] = start;
        }
    }
  return slot;
}

static void
series_add (HwHubMetrics *self,
            Series       *series,
            gint64        now_sec,
            double        value)
{
  guint slot = series_move_to (self, series, now_sec);

  acc_add (&series->ring[slot], value, series->kind, RING_SAMPLES);
  for (guint r = 0; r < N_ROLLUPS; r++)
    acc_add (&series->roll[r], value, series->kind, ROLL_SAMPLES);

  if (series->kind == HW_METRIC_GAUGE)
    series->last = value;
  else
    {
      series->total += value;
      series->total_count++;
    }
}

/* Public record API ---------------------------------------------------------- */

void
hw_metrics_batch_add (HwMetricsBatch *batch,
                      double          value)
{
  g_return_if_fail (batch != NULL);

  if (!isfinite (value))
    return;
  widen_range (&batch->min, &batch->max, batch->count, value);
  batch->count++;
  batch->sum += value;
}

gint64
hw_hub_metrics_count_time (gint64 now_ms,
                           gint64 at_ms)
{
  gint64 at_sec = at_ms / 1000;
  gint64 age_ms = now_ms - at_ms;

  if (age_ms <= LATE_AFTER_MS)
    return now_ms;
  if (age_ms < RING_SECONDS * 1000LL)
    return at_sec * 1000;
  for (guint r = 0; r < N_ROLLUPS - 1; r++)
    if (age_ms < rollup_keep_ms[r])
      return (at_sec - at_sec % rollup_seconds[r]) * 1000;
  return (at_sec - at_sec % rollup_seconds[N_ROLLUPS - 1]) * 1000;
}

/* Adds to the bucket of @start_ms in the store at the next tick. */
static void
add_late_point (HwHubMetrics *self,
                Series       *series,
                guint         r,
                gint64        start_ms,
                const Acc    *acc)
{
  g_autofree char *key = g_strdup_printf ("%s\n%s\n%u\n%" G_GINT64_FORMAT, series->name, series->labels,
                                          rollup_seconds[r], start_ms);
  HwMetricPoint *point = g_hash_table_lookup (self->late, key);

  if (point == NULL)
    {
      point = g_new0 (HwMetricPoint, 1);
      point->name = g_strdup (series->name);
      point->labels = g_strdup (series->labels);
      point->resolution_s = rollup_seconds[r];
      point->ts_ms = start_ms;
      g_hash_table_insert (self->late, g_steal_pointer (&key), point);
    }
  /* acc's own min and max bound its values: widening by both is the merge. */
  widen_range (&point->min, &point->max, point->count, acc->min);
  point->count += acc->count;
  widen_range (&point->min, &point->max, point->count, acc->max);
  point->sum += acc->sum;
}

/* Counts at @at_sec, over a minute before @now_sec: its ring second while
 * the ring holds it, the open rollup buckets it falls in, and for buckets
 * already closed an addition to their stored point. */
static void
series_merge_late (HwHubMetrics *self,
                   Series       *series,
                   gint64        now_sec,
                   gint64        at_sec,
                   const Acc    *acc)
{
  series_move_to (self, series, now_sec);
  if (now_sec - at_sec < RING_SECONDS)
    {
      guint slot = (guint) (at_sec % RING_SECONDS);

      if (series->ring_sec[slot] != at_sec)
        {
          hw_metrics_acc_reset (&series->ring[slot]);
          series->ring_sec[slot] = at_sec;
        }
      hw_metrics_acc_merge (&series->ring[slot], acc, RING_SAMPLES);
    }
  for (guint r = 0; r < N_ROLLUPS; r++)
    {
      gint64 start = at_sec - at_sec % rollup_seconds[r];

      if (start == series->roll_start[r])
        hw_metrics_acc_merge (&series->roll[r], acc, ROLL_SAMPLES);
      else if (start * 1000 >= now_sec * 1000 - rollup_keep_ms[r])
        add_late_point (self, series, r, start * 1000, acc);
    }
}

void
hw_hub_metrics_counter_add_batch_at (HwHubMetrics         *self,
                                     const char           *name,
                                     const char * const   *labels,
                                     const HwMetricsBatch *batch,
                                     gint64                at_ms)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = NULL;
  gint64 now_ms = g_get_real_time () / 1000;
  Acc acc = { 0 };
  Series *series;

  g_return_if_fail (self != NULL);
  g_return_if_fail (name != NULL);
  g_return_if_fail (batch != NULL);

  if (batch->count == 0)
    return;
  acc.count = batch->count;
  acc.sum = batch->sum;
  acc.min = batch->min;
  acc.max = batch->max;
  locker = g_mutex_locker_new (&self->mutex);
  series = lookup_series (self, HW_METRIC_COUNTER, name, labels);
  g_return_if_fail (series->kind == HW_METRIC_COUNTER);
  if (now_ms - at_ms > LATE_AFTER_MS)
    series_merge_late (self, series, now_ms / 1000, at_ms / 1000, &acc);
  else
    {
      guint slot = series_move_to (self, series, now_ms / 1000);

      hw_metrics_acc_merge (&series->ring[slot], &acc, RING_SAMPLES);
      for (guint r = 0; r < N_ROLLUPS; r++)
        hw_metrics_acc_merge (&series->roll[r], &acc, ROLL_SAMPLES);
    }
  series->total += acc.sum;
  series->total_count += acc.count;
}

void
hw_hub_metrics_counter_add_batch (HwHubMetrics         *self,
                                  const char           *name,
                                  const char * const   *labels,
                                  const HwMetricsBatch *batch)
{
  hw_hub_metrics_counter_add_batch_at (self, name, labels, batch, g_get_real_time () / 1000);
}

static void
late_point_free (HwMetricPoint *point)
{
  hw_metric_point_clear (point);
  g_free (point);
}

GHashTable *
hw_metrics_new_late_points (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) late_point_free);
}

HwHubMetrics *
hw_hub_metrics_new (HwEventStore *store)
{
  HwHubMetrics *self = g_new0 (HwHubMetrics, 1);

  g_mutex_init (&self->mutex);
  self->store = store != NULL ? g_object_ref (store) : NULL;
  self->series = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) series_free);
  self->by_call = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->pending = g_array_new (FALSE, FALSE, sizeof (HwMetricPoint));
  g_array_set_clear_func (self->pending, (GDestroyNotify) hw_metric_point_clear);
  self->late = hw_metrics_new_late_points ();
  g_queue_init (&self->unwritten);
  g_cond_init (&self->written);
  self->started_sec = g_get_real_time () / G_USEC_PER_SEC;
  if (store != NULL)
    self->writer = hw_hub_writer_new ("hw-metrics");
  return self;
}

void
hw_hub_metrics_free (HwHubMetrics *self)
{
  if (self == NULL)
    return;
  /* Writes what it was handed before its thread ends. */
  g_clear_pointer (&self->writer, hw_hub_writer_free);
  g_cond_clear (&self->written);
  g_hash_table_unref (self->by_call);
  g_hash_table_unref (self->series);
  g_array_unref (self->pending);
  g_hash_table_unref (self->late);
  g_clear_object (&self->store);
  g_mutex_clear (&self->mutex);
  g_free (self);
}

void
hw_hub_metrics_set_tick_func (HwHubMetrics         *self,
                              HwHubMetricsTickFunc  func,
                              gpointer              user_data)
{
  g_return_if_fail (self != NULL);
  self->tick_func = func;
  self->tick_data = user_data;
}

void
hw_hub_metrics_record (HwHubMetrics       *self,
                       HwMetricKind        kind,
                       const char         *name,
                       const char * const *labels,
                       double              value)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (self != NULL);
  g_return_if_fail (name != NULL);

  if (!isfinite (value))
    return;
  locker = g_mutex_locker_new (&self->mutex);
  series_add (self, lookup_series (self, kind, name, labels), g_get_real_time () / G_USEC_PER_SEC, value);
}

static void
record_valist (HwHubMetrics *self,
               HwMetricKind  kind,
               const char   *name,
               double        value,
               va_list       args)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  const char *key;

  while ((key = va_arg (args, const char *)) != NULL)
    {
      const char *label_value = va_arg (args, const char *);

      g_ptr_array_add (labels, (gpointer) key);
      g_ptr_array_add (labels, (gpointer) (label_value ? label_value : ""));
    }
  g_ptr_array_add (labels, NULL);
  hw_hub_metrics_record (self, kind, name, (const char * const *) labels->pdata, value);
}

void
hw_hub_metrics_counter_add (HwHubMetrics *self,
                            const char   *name,
                            double        value,
                            ...)
{
  va_list args;

  va_start (args, value);
  record_valist (self, HW_METRIC_COUNTER, name, value, args);
  va_end (args);
}

void
hw_hub_metrics_gauge_set (HwHubMetrics *self,
                          const char   *name,
                          double        value,
                          ...)
{
  va_list args;

  va_start (args, value);
  record_valist (self, HW_METRIC_GAUGE, name, value, args);
  va_end (args);
}

void
hw_hub_metrics_observe (HwHubMetrics *self,
                        const char   *name,
                        double        value,
                        ...)
{
  va_list args;

  va_start (args, value);
  record_valist (self, HW_METRIC_HISTOGRAM, name, value, args);
  va_end (args);
}
