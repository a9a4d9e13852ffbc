/* hw-system-events-page.h: a timeline of deployments, incidents, alerts and audits
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "hw-connection.h"

G_BEGIN_DECLS

#define HW_TYPE_SYSTEM_EVENTS_PAGE (hw_system_events_page_get_type ())

G_DECLARE_FINAL_TYPE (HwSystemEventsPage, hw_system_events_page, HW, SYSTEM_EVENTS_PAGE, GtkWidget)

/* Property "connection" (HwConnection*, nullable). The timeline is read
 * from the hub's cache in a worker thread, newest first, so it works
 * offline; the alerts of the hub's HwAlertMonitor appear as they are
 * recorded. Ctrl+F focuses the search. */
HwConnection *hw_system_events_page_get_connection (HwSystemEventsPage *self);
void          hw_system_events_page_set_connection (HwSystemEventsPage *self,
                                                    HwConnection       *connection);

/* Filters: @kind "deployment", "incident", "alert", "audit" or NULL;
 * @service NULL for all; @text matched case-insensitively against the
 * whole system event. */
void          hw_system_events_page_set_filter     (HwSystemEventsPage *self,
                                                    const char         *kind,
                                                    const char         *service,
                                                    const char         *text);
/* For tests: rows shown, the title of row @index, and completed loads. */
guint         hw_system_events_page_get_n_rows     (HwSystemEventsPage *self);
const char   *hw_system_events_page_get_row_title  (HwSystemEventsPage *self,
                                                    guint               index);
guint         hw_system_events_page_get_load_count (HwSystemEventsPage *self);

G_END_DECLS
