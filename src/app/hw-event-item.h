/* hw-event-item.h: one row of the event lake results, as a list item
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "hw-event-store.h"

G_BEGIN_DECLS

#define HW_TYPE_EVENT_ITEM (hw_event_item_get_type ())

G_DECLARE_FINAL_TYPE (HwEventItem, hw_event_item, HW, EVENT_ITEM, GObject)

/* A small object created on demand by HwEventListModel. @row is copied; it is
 * NULL while the page holding the row is still being read, and the model
 * then fills the same item in place (notify::row) once it arrives, so that
 * views redraw their cells instead of rebuilding rows. Rows that came from the hub have
 * seq 0 and carry their JSON body. */
HwEventItem      *hw_event_item_new         (gint64            seq,
                                             const HwEventRow *row);
gint64            hw_event_item_get_seq     (HwEventItem      *self);
/* NULL while loading. */
const HwEventRow *hw_event_item_get_row     (HwEventItem      *self);
gboolean          hw_event_item_is_loaded   (HwEventItem      *self);
/* Copies @row (NULL: loading again) and notifies "row". */
void              hw_event_item_set_row     (HwEventItem      *self,
                                             const HwEventRow *row);
/* Makes the item stand for another event (the model reuses items at the
 * same position for new results); notifies "row". */
void              hw_event_item_retarget    (HwEventItem      *self,
                                             gint64            seq,
                                             const HwEventRow *row);

G_END_DECLS
