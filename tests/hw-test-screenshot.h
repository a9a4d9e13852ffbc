/* hw-test-screenshot.h: saving a window as the user sees it, to look at
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* With HW_TEST_SCREENSHOT_DIR set, saves @window as DIR/@name (a PNG) once
 * its layout has settled; nothing otherwise. For looking at a page while
 * changing it, never for asserting on pixels. */
void hw_test_maybe_screenshot (GtkWindow  *window,
                               const char *name);

G_END_DECLS
