/* hw-hub-listener-spec.h: listener definitions, checked, from JSON or a config file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A definition is {"name","url","types","anything_but"?,"tags"?,
 * "batch_size"?,"parallel"?,"timeout_ms"?,"start"?}; its canonical form
 * (what hub.db and the replicas' shared bucket keep) has every member but
 * "start", defaults filled in, in one order, so two definitions are the
 * same listener exactly when their canonical strings are equal.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "hw-hub-delivery.h"

G_BEGIN_DECLS

/* Errors (HW_ERROR_INVALID_JSON) name the member and what it must be. */
HwListenerSpec *hw_listener_spec_new_from_json (JsonObject            *definition,
                                                GError               **error);
/* The canonical definition. */
char           *hw_listener_spec_to_definition (const HwListenerSpec  *spec);
/* Adds the canonical members to @builder's open object. */
void            hw_listener_spec_add_members   (const HwListenerSpec  *spec,
                                                JsonBuilder           *builder);

/* Whether a new listener starts from the oldest event ("trim_horizon")
 * rather than after the newest ("latest", the default). */
gboolean        hw_listener_definition_starts_at_horizon (JsonObject  *definition,
                                                          gboolean    *out_horizon,
                                                          GError     **error);

/* The JSON definition of the config group @group, [listener @name]: url,
 * types, anything_but (string lists), tags (a list of key=value),
 * batch_size, parallel, timeout_ms, start. */
gboolean        hw_listener_definition_from_keyfile (GKeyFile    *keyfile,
                                                     const char  *group,
                                                     const char  *name,
                                                     JsonObject  *out,
                                                     GError     **error);

G_END_DECLS
