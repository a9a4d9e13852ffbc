/* hw-time-window.h: the time window and crosshair shared by the charts of a page
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "hw-series.h"

G_BEGIN_DECLS

#define HW_NO_CROSSHAIR G_MININT64

#define HW_TYPE_TIME_WINDOW (hw_time_window_get_type ())

G_DECLARE_FINAL_TYPE (HwTimeWindow, hw_time_window, HW, TIME_WINDOW, GObject)

/* Signals: "changed" when the visible range moves (zoom, pan, reset),
 * "crosshair-changed" when the shared crosshair moves. The "home" range is
 * what a reset returns to: the page's picked time range. */
HwTimeWindow *hw_time_window_new           (gint64              from_ms,
                                            gint64              to_ms);
HwTimeRange   hw_time_window_get_range     (HwTimeWindow       *self);
void          hw_time_window_set_range     (HwTimeWindow       *self,
                                            const HwTimeRange  *range);
HwTimeRange   hw_time_window_get_home      (HwTimeWindow       *self);
/* Sets the home range and shows it. */
void          hw_time_window_set_home      (HwTimeWindow       *self,
                                            const HwTimeRange  *range);
gboolean      hw_time_window_is_zoomed     (HwTimeWindow       *self);
void          hw_time_window_reset         (HwTimeWindow       *self);
/* Zoom by @factor (< 1 zooms in) around @anchor_ms; pan by a fraction of
 * the span. Never narrower than one second. */
void          hw_time_window_zoom          (HwTimeWindow       *self,
                                            gint64              anchor_ms,
                                            double              factor);
void          hw_time_window_pan           (HwTimeWindow       *self,
                                            double              fraction);

gint64        hw_time_window_get_crosshair (HwTimeWindow       *self);
void          hw_time_window_set_crosshair (HwTimeWindow       *self,
                                            gint64              t_ms);

G_END_DECLS
