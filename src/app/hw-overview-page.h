/* hw-overview-page.h: a hub at a glance: headline cards, listeners, system events
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "hw-chart.h"
#include "hw-connection.h"

G_BEGIN_DECLS

#define HW_TYPE_OVERVIEW_PAGE (hw_overview_page_get_type ())

G_DECLARE_FINAL_TYPE (HwOverviewPage, hw_overview_page, HW, OVERVIEW_PAGE, GtkWidget)

/* Property "connection" (HwConnection*, nullable). Everything shown is read
 * from the hub's cache in a worker thread, so it stays on screen offline. */
HwConnection *hw_overview_page_get_connection   (HwOverviewPage *self);
void          hw_overview_page_set_connection   (HwOverviewPage *self,
                                                 HwConnection   *connection);

/* For tests and the Metrics page: "event-rate", "fault-rate",
 * "iterator-age", "alerts". */
HwChart      *hw_overview_page_get_card_chart   (HwOverviewPage *self,
                                                 const char     *card);
const char   *hw_overview_page_get_card_value   (HwOverviewPage *self,
                                                 const char     *card);
guint         hw_overview_page_get_n_listeners  (HwOverviewPage *self);
/* How many cache reads completed (tests wait on it). */
guint         hw_overview_page_get_load_count   (HwOverviewPage *self);

G_END_DECLS
