/* hw-lake-calendar.h: the lake by year, month, day and hour, with counts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "hw-event-store.h"

G_BEGIN_DECLS

#define HW_TYPE_LAKE_CALENDAR (hw_lake_calendar_get_type ())

G_DECLARE_FINAL_TYPE (HwLakeCalendar, hw_lake_calendar, HW, LAKE_CALENDAR, GtkWidget)

/* A tree (GtkTreeListModel in a GtkListView) of the UTC calendar of the
 * cache, children read when a node is first expanded
 * (hw_event_store_tree_async). hw_lake_calendar_refresh() re-reads every
 * level read so far and updates counts in place, so the expanded state
 * survives new events arriving.
 *
 * Signal "range-activated" (const char *key, gint64 start_ms, gint64 end_ms):
 * a node was activated (Enter or double click). */
GtkWidget *hw_lake_calendar_new           (void);
void       hw_lake_calendar_set_store     (HwLakeCalendar *self,
                                           HwEventStore   *store);
void       hw_lake_calendar_refresh       (HwLakeCalendar *self);
/* Reads in flight (tests wait for 0). */
guint      hw_lake_calendar_get_pending   (HwLakeCalendar *self);
/* The tree's rows as shown: a GtkTreeListModel of GtkTreeListRow. */
GListModel *hw_lake_calendar_get_model    (HwLakeCalendar *self);
/* The key and count of the node in a GtkTreeListRow's item. */
const char *hw_lake_calendar_node_get_key   (gpointer        node);
gint64      hw_lake_calendar_node_get_count (gpointer        node);
/* The count shown for @key ("2024", "2024/05", …), -1 if not read. */
gint64     hw_lake_calendar_lookup_count  (HwLakeCalendar *self,
                                           const char     *key);

G_END_DECLS
