/* hw-hub-row.h: a hub in the sidebar, with its connection state
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "hw-connection.h"

G_BEGIN_DECLS

#define HW_TYPE_HUB_ROW (hw_hub_row_get_type ())

G_DECLARE_FINAL_TYPE (HwHubRow, hw_hub_row, HW, HUB_ROW, GtkListBoxRow)

GtkWidget    *hw_hub_row_new            (HwConnection *connection);
HwConnection *hw_hub_row_get_connection (HwHubRow     *self);
/* The state line as shown, e.g. "Offline since 14:02:07". */
const char   *hw_hub_row_get_status     (HwHubRow     *self);

G_END_DECLS
