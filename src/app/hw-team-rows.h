/* hw-team-rows.h: the rows behind the Team page's numbers: deployments and incidents
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "hw-team-metrics.h"

G_BEGIN_DECLS

/* Hours with their fractions ("3.25 h"), days from 72 hours on; "—" for NaN. */
char      *hw_team_format_hours        (double              hours);

/* @caused: an incident naming the deployment as its cause, or NULL. */
GtkWidget *hw_team_deployment_row_new  (const HwDeployment *deployment,
                                        const HwIncident   *caused);
GtkWidget *hw_team_incident_row_new    (const HwIncident   *incident);

G_END_DECLS
