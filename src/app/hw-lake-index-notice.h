/* hw-lake-index-notice.h: the Event Lake page's notice while the search index is being built
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "hw-event-store.h"

G_BEGIN_DECLS

#define HW_TYPE_LAKE_INDEX_NOTICE (hw_lake_index_notice_get_type ())

G_DECLARE_FINAL_TYPE (HwLakeIndexNotice, hw_lake_index_notice, HW, LAKE_INDEX_NOTICE, GtkWidget)

/* While @store's full-text index catches up (hw_event_store_get_index_progress())
 * and the notice is mapped, it shows how far the index has got and that
 * searches with words wait for it, and hides once it is done. It looks
 * only while a catch-up is under way: hw_lake_index_notice_check() after
 * anything that may have started one (the store set or changed). */
void        hw_lake_index_notice_set_store  (HwLakeIndexNotice *self,
                                             HwEventStore      *store);
void        hw_lake_index_notice_check      (HwLakeIndexNotice *self);

/* For tests. */
gboolean    hw_lake_index_notice_is_shown   (HwLakeIndexNotice *self);
const char *hw_lake_index_notice_get_text   (HwLakeIndexNotice *self);
double      hw_lake_index_notice_get_fraction (HwLakeIndexNotice *self);

G_END_DECLS
