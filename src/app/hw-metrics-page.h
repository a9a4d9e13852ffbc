/* hw-metrics-page.h: a hub's metric charts over a picked time range
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "hw-chart.h"
#include "hw-connection.h"
#include "hw-time-range-picker.h"

G_BEGIN_DECLS

#define HW_TYPE_METRICS_PAGE (hw_metrics_page_get_type ())

G_DECLARE_FINAL_TYPE (HwMetricsPage, hw_metrics_page, HW, METRICS_PAGE, GtkWidget)

/* Property "connection" (HwConnection*, nullable). The charts are read from
 * the hub's cache in a worker thread, so they stay on screen offline; the
 * sync is asked to keep the rollups of the picked range cached.
 *
 * Charts: "event-rate", "event-size", "fault-rate", "iterator-age",
 * "invocations", "errors", "duration", "throttles", "alerts". */
HwConnection      *hw_metrics_page_get_connection  (HwMetricsPage *self);
void               hw_metrics_page_set_connection  (HwMetricsPage *self,
                                                    HwConnection  *connection);

/* Scrolls to the chart and focuses it, once the page is on screen (the
 * Overview's cards open their chart this way). */
void               hw_metrics_page_focus_chart     (HwMetricsPage *self,
                                                    const char    *chart);

HwChart           *hw_metrics_page_get_chart       (HwMetricsPage *self,
                                                    const char    *chart);
HwTimeRangePicker *hw_metrics_page_get_picker      (HwMetricsPage *self);
HwTimeWindow      *hw_metrics_page_get_time_window (HwMetricsPage *self);
/* 0 = off. */
guint              hw_metrics_page_get_refresh_interval (HwMetricsPage *self);
void               hw_metrics_page_set_refresh_interval (HwMetricsPage *self,
                                                         guint          seconds);
/* How many cache reads completed (tests wait on it). */
guint              hw_metrics_page_get_load_count  (HwMetricsPage *self);

G_END_DECLS
