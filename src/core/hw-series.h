/* hw-series.h: time series, per-pixel-column downsampling and time-window math
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* A half-open window of time [from_ms, to_ms) in epoch milliseconds. */
typedef struct
{
  gint64 from_ms;
  gint64 to_ms;
} HwTimeRange;

/* Mapping between a time range and `width` pixels. Every function is pure
 * so that the chart's zoom and pan behaviour is unit-tested without a display. */
double      hw_time_range_to_x     (const HwTimeRange *range,
                                    double             width,
                                    gint64             t_ms);
gint64      hw_time_range_from_x   (const HwTimeRange *range,
                                    double             width,
                                    double             x);
/* Scales the span by `factor` (< 1 zooms in) keeping `anchor_ms` at the same
 * pixel; the span never shrinks below `min_span_ms`. */
HwTimeRange hw_time_range_zoom     (const HwTimeRange *range,
                                    gint64             anchor_ms,
                                    double             factor,
                                    gint64             min_span_ms);
/* Moves the window by `fraction` of its span (negative = back in time). */
HwTimeRange hw_time_range_pan      (const HwTimeRange *range,
                                    double             fraction);
/* The window between two pixel positions, in either order: a drag-to-zoom. */
HwTimeRange hw_time_range_select   (const HwTimeRange *range,
                                    double             width,
                                    double             x1,
                                    double             x2);

#define HW_TYPE_SERIES (hw_series_get_type ())

/* An append-only series of (time, value) points sorted by time. A NaN value
 * marks missing data: it is drawn as a gap, never interpolated over. */
typedef struct _HwSeries HwSeries;

typedef struct
{
  double min;
  double max;
  double mean;
  double last;
  gint64 last_ms;
  guint  count;     /* points with a value; 0 means every other field is NaN */
} HwSeriesStats;

/* One pixel column of a downsampled series. */
typedef enum
{
  HW_COLUMN_EMPTY       = 0,
  HW_COLUMN_HAS_DATA    = 1 << 0,
  /* The line must not be joined from the previous column with data: a NaN
   * point or a hole longer than the series' gap threshold lies between. */
  HW_COLUMN_BREAK_BEFORE = 1 << 1,
} HwColumnFlags;

typedef struct
{
  double        min;
  double        max;
  double        first;
  double        last;
  gint64        last_ms;
  HwColumnFlags flags;
} HwSeriesColumn;

GType        hw_series_get_type          (void) G_GNUC_CONST;
HwSeries    *hw_series_new               (const char        *name);
HwSeries    *hw_series_ref               (HwSeries          *self);
void         hw_series_unref             (HwSeries          *self);

const char  *hw_series_get_name          (HwSeries          *self);
/* Two points further apart than this are not joined (0 = never split). */
void         hw_series_set_gap_threshold (HwSeries          *self,
                                          gint64             gap_ms);
gint64       hw_series_get_gap_threshold (HwSeries          *self);

/* Points must arrive in time order; an out-of-order point returns FALSE and
 * is dropped, so a misbehaving source cannot corrupt the binary searches. */
gboolean     hw_series_append            (HwSeries          *self,
                                          gint64             t_ms,
                                          double             value);
void         hw_series_clear             (HwSeries          *self);
guint        hw_series_get_length        (HwSeries          *self);
gint64       hw_series_get_time          (HwSeries          *self,
                                          guint              index);
double       hw_series_get_value         (HwSeries          *self,
                                          guint              index);
/* Index of the first point with time >= t_ms (length when none). */
guint        hw_series_lower_bound       (HwSeries          *self,
                                          gint64             t_ms);
/* The value at t_ms: the last point at or before it, unless that point is
 * further than the gap threshold away. NaN when there is none. */
double       hw_series_value_at          (HwSeries          *self,
                                          gint64             t_ms,
                                          gint64            *found_ms);
gboolean     hw_series_get_bounds        (HwSeries          *self,
                                          HwTimeRange       *bounds);

HwSeriesStats hw_series_stats            (HwSeries          *self,
                                          const HwTimeRange *range);

/* Reduces the points of `range` to `n_columns` pixel columns, each keeping
 * min, max, first and last, so the extremes survive any zoom level. The
 * cost is one binary search plus one pass over the visible points. */
void         hw_series_downsample        (HwSeries          *self,
                                          const HwTimeRange *range,
                                          HwSeriesColumn    *columns,
                                          guint              n_columns);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwSeries, hw_series_unref)

G_END_DECLS
