/* hw-hub-dialog.h: add or edit a hub connection (name, URL, token)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "hw-application.h"
#include "hw-connection.h"

G_BEGIN_DECLS

#define HW_TYPE_HUB_DIALOG (hw_hub_dialog_get_type ())

G_DECLARE_FINAL_TYPE (HwHubDialog, hw_hub_dialog, HW, HUB_DIALOG, AdwWindow)

/* @connection NULL adds a hub; otherwise edits it (an empty token field
 * keeps the stored token). */
HwHubDialog *hw_hub_dialog_new (HwApplication *application,
                                HwConnection  *connection);

G_END_DECLS
