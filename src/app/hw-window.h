/* hw-window.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "hw-application.h"

G_BEGIN_DECLS

#define HW_TYPE_WINDOW (hw_window_get_type ())

G_DECLARE_FINAL_TYPE (HwWindow, hw_window, HW, WINDOW, AdwApplicationWindow)

HwWindow *hw_window_new (HwApplication *application);

G_END_DECLS
