/* hw-window.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "hw-application.h"
#include "hw-connection.h"

G_BEGIN_DECLS

#define HW_TYPE_WINDOW (hw_window_get_type ())

G_DECLARE_FINAL_TYPE (HwWindow, hw_window, HW, WINDOW, AdwApplicationWindow)

HwWindow     *hw_window_new             (HwApplication *application);

/* The hub the pages show, or NULL (the first-run page). */
HwConnection *hw_window_get_connection  (HwWindow      *self);
void          hw_window_set_connection  (HwWindow      *self,
                                         HwConnection  *connection);

/* Pages by name: "overview", "metrics", "event-lake", "faults", "jobs",
 * "team", "system-events". */
GtkStack     *hw_window_get_pages       (HwWindow      *self);
GtkWidget    *hw_window_get_page        (HwWindow      *self,
                                         const char    *name);
void          hw_window_show_page       (HwWindow      *self,
                                         const char    *name);

/* The Offline / authentication banner: NULL while hidden. */
const char   *hw_window_get_banner_text (HwWindow      *self);
void          hw_window_add_toast       (HwWindow      *self,
                                         const char    *message);

G_END_DECLS
