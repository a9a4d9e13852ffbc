/* hw-lake-results.h: the event lake results table: columns, order, selection
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "hw-event-list-model.h"

G_BEGIN_DECLS

#define HW_TYPE_LAKE_RESULTS (hw_lake_results_get_type ())

G_DECLARE_FINAL_TYPE (HwLakeResults, hw_lake_results, HW, LAKE_RESULTS, GtkWidget)

/* A GtkColumnView over an HwEventListModel with the columns time, type,
 * partitionKey, source, functionname and id. Only the time column sorts,
 * and it does not sort the model (which may hold a million rows): the
 * owner re-runs the search in the new order on "order-changed".
 *
 * Columns are shown or hidden with the stateful boolean actions
 * "columns.<name>" of hw_lake_results_get_column_actions(), listed as
 * check items by hw_lake_results_get_column_menu().
 *
 * Signals: "order-changed" (the user clicked the time header),
 * "selection-changed" (hw_lake_results_get_selected()),
 * "near-end" (the view scrolled close to the last row: time to fetch more
 * rows when results come in pages from the hub). */
GtkWidget        *hw_lake_results_new                 (void);
HwEventListModel *hw_lake_results_get_model           (HwLakeResults *self);
GtkColumnView    *hw_lake_results_get_view            (HwLakeResults *self);
HwEventOrder      hw_lake_results_get_order           (HwLakeResults *self);
void              hw_lake_results_set_order           (HwLakeResults *self,
                                                       HwEventOrder   order);
/* The selected item (loaded or not), or NULL; owned by the caller. */
HwEventItem      *hw_lake_results_get_selected        (HwLakeResults *self);
void              hw_lake_results_select              (HwLakeResults *self,
                                                       guint          position);
GActionGroup     *hw_lake_results_get_column_actions  (HwLakeResults *self);
GMenuModel       *hw_lake_results_get_column_menu     (HwLakeResults *self);
gboolean          hw_lake_results_get_column_visible  (HwLakeResults *self,
                                                       const char    *name);

/* The text a cell of column @name shows for @row (tests, accessibility). */
char             *hw_lake_results_format_cell         (const char       *name,
                                                       const HwEventRow *row);

G_END_DECLS
