/* hw-chart.h: a time-series chart drawn with GtkSnapshot
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "hw-series.h"
#include "hw-time-window.h"

G_BEGIN_DECLS

typedef enum
{
  HW_CHART_LINE,
  HW_CHART_AREA,
  HW_CHART_COLUMNS,
} HwChartStyle;

typedef enum
{
  HW_CHART_MARKER_DEPLOYMENT,
  HW_CHART_MARKER_INCIDENT,
  HW_CHART_MARKER_ALERT,
  HW_CHART_MARKER_OTHER,
} HwChartMarkerKind;

typedef enum
{
  HW_CHART_EXPORT_CSV,
  HW_CHART_EXPORT_JSON,
} HwChartExportFormat;

#define HW_TYPE_CHART (hw_chart_get_type ())

G_DECLARE_FINAL_TYPE (HwChart, hw_chart, HW, CHART, GtkWidget)

/* Layers, bottom to top: threshold regions, anomaly band, series (area,
 * columns, lines), threshold lines, markers, then the crosshair and the
 * drag selection. A legend table (last, min, max, mean over the visible
 * window) sits under the plot unless the chart is "compact" (a sparkline)
 * or told not to show it (a single count per bucket, where last, min and
 * max say little).
 *
 * Series are downsampled per pixel column (hw_series_downsample) and the
 * static layers are cached as one render node, so moving the crosshair
 * redraws nothing but the crosshair. Call hw_chart_data_changed() after
 * appending to a series that is already shown.
 *
 * Interaction: drag zooms into the selection; the scroll wheel zooms around
 * the pointer (with Shift, or a horizontal scroll, it pans); + - Left Right
 * zoom and pan; Escape, 0 or a double click reset. A click without a drag
 * emits "point-activated" (gint64 time in epoch ms).
 * Actions: chart.export-png, chart.export-csv, chart.export-json. */
GtkWidget    *hw_chart_new                 (void);

HwTimeWindow *hw_chart_get_time_window     (HwChart             *self);
void          hw_chart_set_time_window     (HwChart             *self,
                                            HwTimeWindow        *window);
const char   *hw_chart_get_title           (HwChart             *self);
void          hw_chart_set_title           (HwChart             *self,
                                            const char          *title);
/* Appended to values: "ms", "/s", "B", "%"; "s" formats as a duration. */
void          hw_chart_set_unit            (HwChart             *self,
                                            const char          *unit);
void          hw_chart_set_compact         (HwChart             *self,
                                            gboolean             compact);
void          hw_chart_set_show_legend     (HwChart             *self,
                                            gboolean             show_legend);
/* The values are counts: the y axis has ticks on whole numbers only (no
 * "0.5 events"). */
void          hw_chart_set_whole_numbers   (HwChart             *self,
                                            gboolean             whole_numbers);

guint         hw_chart_add_series          (HwChart             *self,
                                            HwSeries            *series,
                                            HwChartStyle         style,
                                            const char          *label);
guint         hw_chart_get_n_series        (HwChart             *self);
HwSeries     *hw_chart_get_series          (HwChart             *self,
                                            guint                index);
void          hw_chart_clear_series        (HwChart             *self);
void          hw_chart_data_changed        (HwChart             *self);

void          hw_chart_add_threshold       (HwChart             *self,
                                            double               value,
                                            const char          *label);
void          hw_chart_add_threshold_region (HwChart            *self,
                                            double               from_value,
                                            double               to_value,
                                            const char          *label);
void          hw_chart_clear_thresholds    (HwChart             *self);
/* Expected range of values; NULL, NULL removes it. */
void          hw_chart_set_anomaly_band    (HwChart             *self,
                                            HwSeries            *lower,
                                            HwSeries            *upper);
void          hw_chart_add_marker          (HwChart             *self,
                                            gint64               t_ms,
                                            HwChartMarkerKind    kind,
                                            const char          *label);
void          hw_chart_clear_markers       (HwChart             *self);

/* @value with the chart's unit, as the axis and legend show it; "—" for NaN. */
char         *hw_chart_format_value        (HwChart             *self,
                                            double               value);
/* "series: value" lines at @t_ms, as the crosshair tooltip shows them. */
char         *hw_chart_dup_values_text     (HwChart             *self,
                                            gint64               t_ms);
/* Pixel columns holding data in the last static render (tests, benches). */
guint         hw_chart_get_drawn_columns   (HwChart             *self);
/* How often the static layers were rebuilt rather than reused. */
guint         hw_chart_get_render_count    (HwChart             *self);

/* The chart as the user sees it, at its current size; needs a realized
 * widget. */
GdkTexture   *hw_chart_render_texture      (HwChart             *self,
                                            GError             **error);
gboolean      hw_chart_export_png          (HwChart             *self,
                                            GFile               *file,
                                            GError             **error);
gboolean      hw_chart_export_svg          (HwChart *self, GFile *file, GError **error);
/* The visible window's data: CSV "time,series,value" with ISO-8601 UTC
 * times (empty value for missing data), or JSON. */
char         *hw_chart_dup_data            (HwChart             *self,
                                            HwChartExportFormat  format);
gboolean      hw_chart_export_data         (HwChart             *self,
                                            HwChartExportFormat  format,
                                            GFile               *file,
                                            GError             **error);

G_END_DECLS
