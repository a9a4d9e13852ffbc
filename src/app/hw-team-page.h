/* hw-team-page.h: delivery metrics of the hub's teams: deployment rate, lead time, change failure rate, time to restore
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "hw-connection.h"

G_BEGIN_DECLS

#define HW_TYPE_TEAM_PAGE (hw_team_page_get_type ())

G_DECLARE_FINAL_TYPE (HwTeamPage, hw_team_page, HW, TEAM_PAGE, GtkWidget)

/* Property "connection" (HwConnection*, nullable). The numbers are computed
 * in a worker thread from the system events in the hub's cache, so they
 * stay on screen offline. */
HwConnection *hw_team_page_get_connection      (HwTeamPage   *self);
void          hw_team_page_set_connection      (HwTeamPage   *self,
                                                HwConnection *connection);

/* The window preset: 7, 30 (the default) or 90 days ending now. */
guint         hw_team_page_get_window_days     (HwTeamPage   *self);
void          hw_team_page_set_window_days     (HwTeamPage   *self,
                                                guint         days);
/* NULL (or a service not seen) shows every service. */
const char   *hw_team_page_get_service         (HwTeamPage   *self);
void          hw_team_page_set_service         (HwTeamPage   *self,
                                                const char   *service);

/* For tests. @card is "deployment-frequency", "lead-time",
 * "change-failure-rate" or "time-to-restore". */
const char   *hw_team_page_get_card_value      (HwTeamPage   *self,
                                                const char   *card);
const char   *hw_team_page_get_card_detail     (HwTeamPage   *self,
                                                const char   *card);
/* "Elite", "High", "Medium", "Low" or "No data" (translated). */
const char   *hw_team_page_get_card_class      (HwTeamPage   *self,
                                                const char   *card);
guint         hw_team_page_get_n_deployment_rows (HwTeamPage *self);
guint         hw_team_page_get_n_incident_rows   (HwTeamPage *self);
/* How many cache reads completed (tests wait on it). */
guint         hw_team_page_get_load_count      (HwTeamPage   *self);

G_END_DECLS
