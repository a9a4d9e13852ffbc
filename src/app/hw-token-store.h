/* hw-token-store.h: hub tokens in the keyring (libsecret), or in memory when there is none
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define HW_TYPE_TOKEN_STORE (hw_token_store_get_type ())

G_DECLARE_FINAL_TYPE (HwTokenStore, hw_token_store, HW, TOKEN_STORE, GObject)

/* Tokens are stored under the schema "io.github.hubwatch.Hubwatch.Token"
 * with the attribute "hub-id". When the keyring cannot be used (no Secret
 * Service, or HUBWATCH_NO_KEYRING=1 as in tests) tokens are kept in memory
 * for this session only and "persistent" turns FALSE so the UI can say so.
 * Tokens never go to GSettings, files or logs. */
HwTokenStore *hw_token_store_new             (void);
gboolean      hw_token_store_is_persistent   (HwTokenStore        *self);

void          hw_token_store_save_async      (HwTokenStore        *self,
                                              const char          *hub_id,
                                              const char          *label,
                                              const char          *token,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
/* TRUE when the token is stored (in the keyring, or for the session). */
gboolean      hw_token_store_save_finish     (HwTokenStore        *self,
                                              GAsyncResult        *result,
                                              GError             **error);

void          hw_token_store_lookup_async    (HwTokenStore        *self,
                                              const char          *hub_id,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
/* The token, or NULL (without error) when none is stored. */
char         *hw_token_store_lookup_finish   (HwTokenStore        *self,
                                              GAsyncResult        *result,
                                              GError             **error);

/* Forgets the token; fire and forget. */
void          hw_token_store_remove          (HwTokenStore        *self,
                                              const char          *hub_id);

G_END_DECLS
