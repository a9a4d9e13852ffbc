/* hw-lake-page.h: the Event Lake page: calendar, search, histogram, facets, results, detail
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "hw-chart.h"
#include "hw-connection.h"
#include "hw-event-detail.h"
#include "hw-export.h"
#include "hw-lake-calendar.h"
#include "hw-lake-facets.h"
#include "hw-lake-index-notice.h"
#include "hw-lake-results.h"

G_BEGIN_DECLS

#define HW_TYPE_LAKE_PAGE (hw_lake_page_get_type ())

G_DECLARE_FINAL_TYPE (HwLakePage, hw_lake_page, HW, LAKE_PAGE, GtkWidget)

typedef enum
{
  HW_LAKE_ORIGIN_NONE,
  HW_LAKE_ORIGIN_CACHE,
  HW_LAKE_ORIGIN_HUB,
} HwLakeOrigin;

/* Property "connection" (HwConnection*, nullable). Searches run over the
 * hub's cache in worker threads, so they work offline; online, a search
 * reaching beyond the cached data asks the hub (see hw_lake_should_ask_hub).
 *
 * Actions (group "lake"): focus-search (Ctrl+F), export (Ctrl+Shift+E),
 * copy-query (Ctrl+Shift+C), cancel-export, reset-range. The Replay… button
 * activates "win.replay" with (query, from_ms, to_ms) "(sxx)". */
HwConnection *hw_lake_page_get_connection    (HwLakePage     *self);
void          hw_lake_page_set_connection    (HwLakePage     *self,
                                              HwConnection   *connection);

/* Sets the query and searches at once (follow links, the Faults page). */
void          hw_lake_page_search            (HwLakePage     *self,
                                              const char     *query);
/* The time window of the histogram; another page may share it. */
HwTimeWindow *hw_lake_page_get_time_window   (HwLakePage     *self);
void          hw_lake_page_set_time_window   (HwLakePage     *self,
                                              HwTimeWindow   *window);

/* For tests and benches. */
guint         hw_lake_page_get_search_count  (HwLakePage     *self);
gboolean      hw_lake_page_is_searching      (HwLakePage     *self);
gint64        hw_lake_page_get_total         (HwLakePage     *self);
HwLakeOrigin  hw_lake_page_get_origin        (HwLakePage     *self);
/* The inline syntax error, NULL when the query parses; @position (nullable)
 * receives its 1-based character position. */
const char   *hw_lake_page_get_query_error   (HwLakePage     *self,
                                              guint          *position);
GtkWidget    *hw_lake_page_get_search_entry  (HwLakePage     *self);
HwLakeResults *hw_lake_page_get_results      (HwLakePage     *self);
HwLakeCalendar *hw_lake_page_get_calendar    (HwLakePage     *self);
HwLakeFacets *hw_lake_page_get_facets        (HwLakePage     *self);
HwEventDetail *hw_lake_page_get_detail       (HwLakePage     *self);
HwChart      *hw_lake_page_get_histogram     (HwLakePage     *self);
/* The total above the results, or what the search is waiting for. */
const char   *hw_lake_page_get_total_text    (HwLakePage     *self);
/* The title of the state shown instead of rows ("No Matching Events",
 * "Waiting for the Search Index"), NULL while rows show. */
const char   *hw_lake_page_get_empty_title   (HwLakePage     *self);
/* Shown while the cache's search index is being built. */
HwLakeIndexNotice *hw_lake_page_get_index_notice (HwLakePage *self);
/* Exports the current results to @file without asking (the Export button
 * asks with a file chooser first). */
void          hw_lake_page_export_to         (HwLakePage     *self,
                                              GFile          *file,
                                              HwExportFormat  format);
/* Finished exports, and the rows the last one wrote (-1 when it failed). */
guint         hw_lake_page_get_export_count  (HwLakePage     *self);
gint64        hw_lake_page_get_last_export   (HwLakePage     *self);

G_END_DECLS
