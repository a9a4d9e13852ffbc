/* hw-application.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "hw-connection.h"
#include "hw-demo-hub.h"
#include "hw-token-store.h"

G_BEGIN_DECLS

#define HW_TYPE_APPLICATION (hw_application_get_type ())

G_DECLARE_FINAL_TYPE (HwApplication, hw_application, HW, APPLICATION, AdwApplication)

/* Command line: `--connect URL` (token from $HUBWATCH_TOKEN, for this run
 * only) and `--demo` (starts the embedded demo hub and connects to it).
 * Signals: "hub-selected" (HwConnection*): a window should show that hub;
 * "notice" (const char*): a message for a toast. */
HwApplication *hw_application_new             (void);

/* g_application_send_notification() on the default application, where a
 * notification can go: registered, and with a session bus (GIO's
 * notification backends talk D-Bus, and without a bus its freedesktop one
 * fails a critical). Otherwise it is dropped: the window's banners and the
 * inbox show the same news. */
void           hw_application_notify          (const char    *id,
                                               GNotification *notification);
GSettings     *hw_application_get_settings    (HwApplication *self);
HwTokenStore  *hw_application_get_token_store (HwApplication *self);
HwDemoHub     *hw_application_get_demo_hub    (HwApplication *self);

/* A GListModel of HwConnection: the saved hubs, then this run's. */
GListModel    *hw_application_get_hubs        (HwApplication *self);
/* Adds and starts a hub. @persistent hubs are saved in GSettings (their
 * token in the keyring); others live for this run. */
HwConnection  *hw_application_add_hub         (HwApplication *self,
                                               const char    *name,
                                               const char    *url,
                                               const char    *token,
                                               gboolean       persistent);
/* @token NULL keeps the current one. */
void           hw_application_update_hub      (HwApplication *self,
                                               HwConnection  *connection,
                                               const char    *name,
                                               const char    *url,
                                               const char    *token);
void           hw_application_remove_hub      (HwApplication *self,
                                               HwConnection  *connection);
HwConnection  *hw_application_find_hub_by_url (HwApplication *self,
                                               const char    *url);
void           hw_application_select_hub      (HwApplication *self,
                                               HwConnection  *connection);
/* `--connect`: the hub with this URL, added for this run when unknown. */
HwConnection  *hw_application_connect_url     (HwApplication *self,
                                               const char    *url,
                                               const char    *token);
/* `--demo` and the first-run page; failures are reported as a "notice". */
void           hw_application_start_demo      (HwApplication *self);
gboolean       hw_application_get_demo_starting (HwApplication *self);

G_END_DECLS
