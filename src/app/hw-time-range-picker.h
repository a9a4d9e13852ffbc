/* hw-time-range-picker.h: picks the time range of a page: presets, absolute dates, expressions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "hw-time-window.h"

G_BEGIN_DECLS

#define HW_TYPE_TIME_RANGE_PICKER (hw_time_range_picker_get_type ())

G_DECLARE_FINAL_TYPE (HwTimeRangePicker, hw_time_range_picker, HW, TIME_RANGE_PICKER, GtkWidget)

/* A button showing the picked range; its popover offers presets (last 15
 * minutes to last 30 days) and From / To entries taking anything
 * hw_time_parse() does (epoch ms, ISO-8601, `now-6h`, `now/d`), with the
 * parse error shown inline under the entry. The pick becomes the home range
 * of the "time-window" property and is remembered in the GSettings key
 * `time-range`, which every picker follows. */
GtkWidget    *hw_time_range_picker_new             (void);

HwTimeWindow *hw_time_range_picker_get_time_window (HwTimeRangePicker  *self);
void          hw_time_range_picker_set_time_window (HwTimeRangePicker  *self,
                                                    HwTimeWindow       *window);

/* The bounds as the user gave them ("now-1h", "now"): a hub takes them as
 * they are, so a relative range keeps sliding on the hub's clock. */
const char   *hw_time_range_picker_get_from        (HwTimeRangePicker  *self);
const char   *hw_time_range_picker_get_to          (HwTimeRangePicker  *self);

/* Picks a range as if typed in the entries. On a bad bound the range stays,
 * the error shows inline and is returned. */
gboolean      hw_time_range_picker_set_range       (HwTimeRangePicker  *self,
                                                    const char         *from,
                                                    const char         *to,
                                                    GError            **error);
/* Re-evaluates relative bounds against the clock (auto-refresh), leaving a
 * zoomed window where the user put it. */
void          hw_time_range_picker_refresh         (HwTimeRangePicker  *self);
void          hw_time_range_picker_popup           (HwTimeRangePicker  *self);

G_END_DECLS
