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

#define PRUNE_EVERY_MS   (10 * 60 * 1000)

const guint hw_metrics_rollup_seconds[N_ROLLUPS] = { 10, 60, 3600 };
#define rollup_seconds hw_metrics_rollup_seconds
/* Retention per rollup: two days of 10 s, 35 days of 1 min, 400 days of 1 h. */
static const gint64  rollup_keep_ms[N_ROLLUPS] = { 2LL * 86400000, 35LL * 86400000, 400LL * 86400000 };
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

/* Moves a finished rollup bucket to the pending points. Percentiles of a
 * histogram become their own series ("name.p95"), as the store expects. */
static void
close_rollup (HwHubMetrics *self,
              Series       *series,
              guint         r)
{
  Acc *acc = &series->roll[r];

  if (acc->count > 0)
    {
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
          close_rollup (self, series, r);
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

void
hw_hub_metrics_counter_add_batch (HwHubMetrics         *self,
                                  const char           *name,
                                  const char * const   *labels,
                                  const HwMetricsBatch *batch)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = NULL;
  Acc acc = { 0 };
  Series *series;
  guint slot;

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
  slot = series_move_to (self, series, g_get_real_time () / G_USEC_PER_SEC);
  hw_metrics_acc_merge (&series->ring[slot], &acc, RING_SAMPLES);
  for (guint r = 0; r < N_ROLLUPS; r++)
    hw_metrics_acc_merge (&series->roll[r], &acc, ROLL_SAMPLES);
  series->total += acc.sum;
  series->total_count += acc.count;
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
  return self;
}

void
hw_hub_metrics_free (HwHubMetrics *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->by_call);
  g_hash_table_unref (self->series);
  g_array_unref (self->pending);
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

/* Persistence ------------------------------------------------------------------ */

static void
persist_pending (HwHubMetrics *self,
                 GArray       *points)
{
  g_autoptr(GError) error = NULL;

  if (self->store == NULL || points->len == 0)
    return;
  if (!hw_event_store_insert_metric_points (self->store, (HwMetricPoint *) (gpointer) points->data,
                                            points->len, &error))
    g_warning ("cannot persist %u metric points: %s", points->len, error->message);
}

static void
prune (HwHubMetrics *self,
       gint64        now_ms)
{
  if (self->store == NULL || now_ms - self->last_prune_ms < PRUNE_EVERY_MS)
    return;
  self->last_prune_ms = now_ms;
  for (guint r = 0; r < N_ROLLUPS; r++)
    {
      g_autoptr(GError) error = NULL;

      if (!hw_event_store_prune_metric_points (self->store, rollup_seconds[r],
                                               now_ms - rollup_keep_ms[r], &error))
        g_warning ("cannot prune metric points: %s", error->message);
    }
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
  g_autoptr(GArray) points = NULL;
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
              && series->roll_start[r] + rollup_seconds[r] <= now_sec)
            close_rollup (self, series, r);
      }
  }
  points = self->pending;
  self->pending = g_array_new (FALSE, FALSE, sizeof (HwMetricPoint));
  g_array_set_clear_func (self->pending, (GDestroyNotify) hw_metric_point_clear);
  if (self->tick_func != NULL && now_sec - 1 != self->last_tick_sec)
    {
      self->last_tick_sec = now_sec - 1;
      tick = build_tick (self, now_sec - 1);
    }
  g_mutex_unlock (&self->mutex);

  /* Disk work happens outside the lock so recorders never wait on fsync. */
  persist_pending (self, points);
  prune (self, now_ms);
  if (tick != NULL)
    self->tick_func (tick, self->tick_data);
}

void
hw_hub_metrics_flush (HwHubMetrics *self)
{
  g_autoptr(GArray) points = NULL;
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->mutex);
  g_hash_table_iter_init (&iter, self->series);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    for (guint r = 0; r < N_ROLLUPS; r++)
      close_rollup (self, value, r);
  points = self->pending;
  self->pending = g_array_new (FALSE, FALSE, sizeof (HwMetricPoint));
  g_array_set_clear_func (self->pending, (GDestroyNotify) hw_metric_point_clear);
  g_mutex_unlock (&self->mutex);

  persist_pending (self, points);
}
