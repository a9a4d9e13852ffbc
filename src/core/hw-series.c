/* hw-series.c: time series, per-pixel-column downsampling and time-window math
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "hw-series.h"

struct _HwSeries
{
  gatomicrefcount  ref_count;
  char            *name;
  GArray          *times;   /* gint64 epoch ms, non-decreasing */
  GArray          *values;  /* double, NaN = missing */
  gint64           gap_ms;

  /* The last hw_series_stats() result: a chart asks for the same window's
   * legend every frame, and a pass over a million points cost more than
   * the rest of the frame. Points are only ever appended, so the stats of
   * [stats_start, stats_end) stay true until a clear (a new generation);
   * a longer window with the same start extends them incrementally. The
   * lock keeps readers on different threads from tearing the cache. */
  GMutex           stats_lock;
  guint            generation;
  gboolean         stats_valid;
  guint            stats_generation;
  guint            stats_start;
  guint            stats_end;
  double           stats_sum;
  HwSeriesStats    stats;
};

G_DEFINE_BOXED_TYPE (HwSeries, hw_series, hw_series_ref, hw_series_unref)

/* Time-window math -------------------------------------------------------- */

static const HwTimeRange empty_range = { 0, 0 };

double
hw_time_range_to_x (const HwTimeRange *range,
                    double             width,
                    gint64             t_ms)
{
  gint64 span;

  g_return_val_if_fail (range != NULL, 0.0);

  span = range->to_ms - range->from_ms;
  if (span <= 0)
    return 0.0;
  return (double) (t_ms - range->from_ms) * width / (double) span;
}

gint64
hw_time_range_from_x (const HwTimeRange *range,
                      double             width,
                      double             x)
{
  g_return_val_if_fail (range != NULL, 0);

  if (width <= 0.0)
    return range->from_ms;
  return range->from_ms + (gint64) llround (x * (double) (range->to_ms - range->from_ms) / width);
}

HwTimeRange
hw_time_range_zoom (const HwTimeRange *range,
                    gint64             anchor_ms,
                    double             factor,
                    gint64             min_span_ms)
{
  HwTimeRange zoomed;
  double span, new_span, before;

  g_return_val_if_fail (range != NULL, empty_range);

  span = (double) (range->to_ms - range->from_ms);
  if (span <= 0 || !isfinite (factor) || factor <= 0)
    return *range;

  new_span = MAX (span * factor, (double) MAX (min_span_ms, 1));
  /* Keeping the anchor's fraction of the window constant keeps it under the pointer. */
  before = (double) (anchor_ms - range->from_ms) / span * new_span;
  zoomed.from_ms = anchor_ms - (gint64) llround (before);
  zoomed.to_ms = zoomed.from_ms + (gint64) llround (new_span);
  return zoomed;
}

HwTimeRange
hw_time_range_pan (const HwTimeRange *range,
                   double             fraction)
{
  gint64 shift;

  g_return_val_if_fail (range != NULL, empty_range);

  shift = (gint64) llround ((double) (range->to_ms - range->from_ms) * fraction);
  return (HwTimeRange) { range->from_ms + shift, range->to_ms + shift };
}

HwTimeRange
hw_time_range_select (const HwTimeRange *range,
                      double             width,
                      double             x1,
                      double             x2)
{
  gint64 a, b;

  g_return_val_if_fail (range != NULL, empty_range);

  a = hw_time_range_from_x (range, width, MIN (x1, x2));
  b = hw_time_range_from_x (range, width, MAX (x1, x2));
  if (b <= a)
    b = a + 1;
  return (HwTimeRange) { a, b };
}

/* Series ------------------------------------------------------------------ */

HwSeries *
hw_series_new (const char *name)
{
  HwSeries *self = g_new0 (HwSeries, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->name = g_strdup (name != NULL ? name : "");
  self->times = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->values = g_array_new (FALSE, FALSE, sizeof (double));
  g_mutex_init (&self->stats_lock);
  return self;
}

HwSeries *
hw_series_ref (HwSeries *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
hw_series_unref (HwSeries *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_free (self->name);
  g_array_unref (self->times);
  g_array_unref (self->values);
  g_mutex_clear (&self->stats_lock);
  g_free (self);
}

const char *
hw_series_get_name (HwSeries *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->name;
}

void
hw_series_set_gap_threshold (HwSeries *self,
                             gint64    gap_ms)
{
  g_return_if_fail (self != NULL);

  self->gap_ms = MAX (gap_ms, 0);
}

gint64
hw_series_get_gap_threshold (HwSeries *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->gap_ms;
}

gboolean
hw_series_append (HwSeries *self,
                  gint64    t_ms,
                  double    value)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->times->len > 0 && t_ms < g_array_index (self->times, gint64, self->times->len - 1))
    return FALSE;
  if (!isfinite (value))
    value = NAN;
  g_array_append_val (self->times, t_ms);
  g_array_append_val (self->values, value);
  return TRUE;
}

void
hw_series_clear (HwSeries *self)
{
  g_return_if_fail (self != NULL);

  g_array_set_size (self->times, 0);
  g_array_set_size (self->values, 0);
  g_mutex_lock (&self->stats_lock);
  self->generation++;
  g_mutex_unlock (&self->stats_lock);
}

guint
hw_series_get_length (HwSeries *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->times->len;
}

gint64
hw_series_get_time (HwSeries *self,
                    guint     index)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (index < self->times->len, 0);

  return g_array_index (self->times, gint64, index);
}

double
hw_series_get_value (HwSeries *self,
                     guint     index)
{
  g_return_val_if_fail (self != NULL, NAN);
  g_return_val_if_fail (index < self->values->len, NAN);

  return g_array_index (self->values, double, index);
}

guint
hw_series_lower_bound (HwSeries *self,
                       gint64    t_ms)
{
  const gint64 *times;
  guint lo = 0, hi;

  g_return_val_if_fail (self != NULL, 0);

  times = (const gint64 *) (gpointer) self->times->data;
  hi = self->times->len;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (times[mid] < t_ms)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

double
hw_series_value_at (HwSeries *self,
                    gint64    t_ms,
                    gint64   *found_ms)
{
  guint i;
  gint64 t;
  double v;

  g_return_val_if_fail (self != NULL, NAN);

  if (found_ms != NULL)
    *found_ms = 0;
  i = hw_series_lower_bound (self, t_ms + 1);
  if (i == 0)
    return NAN;
  t = g_array_index (self->times, gint64, i - 1);
  v = g_array_index (self->values, double, i - 1);
  if (self->gap_ms > 0 && t_ms - t > self->gap_ms)
    return NAN;
  if (found_ms != NULL)
    *found_ms = t;
  return v;
}

gboolean
hw_series_get_bounds (HwSeries    *self,
                      HwTimeRange *bounds)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (bounds != NULL, FALSE);

  if (self->times->len == 0)
    return FALSE;
  bounds->from_ms = g_array_index (self->times, gint64, 0);
  bounds->to_ms = g_array_index (self->times, gint64, self->times->len - 1) + 1;
  return TRUE;
}

HwSeriesStats
hw_series_stats (HwSeries          *self,
                 const HwTimeRange *range)
{
  HwSeriesStats stats = { NAN, NAN, NAN, NAN, 0, 0 };
  const gint64 *times;
  const double *values;
  double sum = 0.0;
  guint start, i, end;

  g_return_val_if_fail (self != NULL, stats);

  times = (const gint64 *) (gpointer) self->times->data;
  values = (const double *) (gpointer) self->values->data;
  start = range != NULL ? hw_series_lower_bound (self, range->from_ms) : 0;
  end = range != NULL ? hw_series_lower_bound (self, range->to_ms) : self->times->len;
  i = start;

  g_mutex_lock (&self->stats_lock);
  /* Same order of additions as a fresh pass, so the mean is identical. */
  if (self->stats_valid && self->stats_generation == self->generation &&
      self->stats_start == start && self->stats_end <= end)
    {
      stats = self->stats;
      sum = self->stats_sum;
      i = self->stats_end;
    }

  for (; i < end; i++)
    {
      double v = values[i];

      if (isnan (v))
        continue;
      if (stats.count == 0 || v < stats.min)
        stats.min = v;
      if (stats.count == 0 || v > stats.max)
        stats.max = v;
      stats.last = v;
      stats.last_ms = times[i];
      sum += v;
      stats.count++;
    }
  if (stats.count > 0)
    stats.mean = sum / stats.count;

  self->stats_valid = TRUE;
  self->stats_generation = self->generation;
  self->stats_start = start;
  self->stats_end = end;
  self->stats_sum = sum;
  self->stats = stats;
  g_mutex_unlock (&self->stats_lock);
  return stats;
}

void
hw_series_downsample (HwSeries          *self,
                      const HwTimeRange *range,
                      HwSeriesColumn    *columns,
                      guint              n_columns)
{
  const gint64 *times;
  const double *values;
  gboolean pending_break = TRUE;
  gint64 prev_ms = 0;
  double scale;
  guint i, end;

  g_return_if_fail (self != NULL);
  g_return_if_fail (range != NULL);
  g_return_if_fail (columns != NULL || n_columns == 0);

  for (guint c = 0; c < n_columns; c++)
    columns[c] = (HwSeriesColumn) { NAN, NAN, NAN, NAN, 0, HW_COLUMN_EMPTY };
  if (n_columns == 0 || range->to_ms <= range->from_ms)
    return;

  times = (const gint64 *) (gpointer) self->times->data;
  values = (const double *) (gpointer) self->values->data;
  i = hw_series_lower_bound (self, range->from_ms);
  end = hw_series_lower_bound (self, range->to_ms);
  scale = (double) n_columns / (double) (range->to_ms - range->from_ms);

  /* The point just left of the window decides whether the line enters from
   * the edge or starts with a gap. */
  if (i > 0 && !isnan (values[i - 1]))
    {
      pending_break = FALSE;
      prev_ms = times[i - 1];
    }

  for (; i < end; i++)
    {
      HwSeriesColumn *col;
      double v = values[i];
      gint64 t = times[i];
      guint c;

      if (isnan (v))
        {
          pending_break = TRUE;
          continue;
        }
      if (!pending_break && self->gap_ms > 0 && t - prev_ms > self->gap_ms)
        pending_break = TRUE;

      c = MIN ((guint) ((double) (t - range->from_ms) * scale), n_columns - 1);
      col = &columns[c];
      if (!(col->flags & HW_COLUMN_HAS_DATA))
        {
          col->flags = HW_COLUMN_HAS_DATA | (pending_break ? HW_COLUMN_BREAK_BEFORE : 0);
          col->min = col->max = col->first = v;
        }
      else
        {
          if (v < col->min)
            col->min = v;
          if (v > col->max)
            col->max = v;
        }
      col->last = v;
      col->last_ms = t;
      pending_break = FALSE;
      prev_ms = t;
    }
}
