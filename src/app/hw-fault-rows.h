/* hw-fault-rows.h: the rows of the Faults page: a group with its trend, a fault to select
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "hw-fault-groups.h"
#include "hw-time-window.h"

G_BEGIN_DECLS

/* "charge-card · payments" */
char      *hw_fault_group_dup_where (const HwFaultGroupItem *group);
/* "First seen 14:02:07 · last seen 14:09:31" */
char      *hw_fault_group_dup_seen  (const HwFaultGroupItem *group);

/* A row with the count, the message, where and when, and a sparkline in
 * @window. The row's data "group" points at @group (borrowed). */
GtkWidget *hw_fault_group_row_new   (HwFaultGroupItem       *group,
                                     HwTimeWindow           *window);

/* A row with a check box (its data "fault-id"; @on_toggled is connected to
 * its "toggled" with @user_data) and a "Resubmitted" mark. The row's data
 * "fault" points at @fault (borrowed). */
GtkWidget *hw_fault_row_new         (HwFaultItem            *fault,
                                     gboolean                checked,
                                     GCallback               on_toggled,
                                     gpointer                user_data);

G_END_DECLS
