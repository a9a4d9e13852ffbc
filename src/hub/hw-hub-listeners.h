/* hw-hub-listeners.h: the listener registry (API, hub.db, config file)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hw-hub.h"
#include "hw-hub-delivery.h"
#include "hw-hub-engine.h"
#include "hw-hub-replica.h"

G_BEGIN_DECLS

/* Loads the listeners persisted in hub.db (the "engine" migrations must have
 * run), starts their delivery loops, follows the hub's "events-appended"
 * signal and registers GET/POST /v1/listeners and GET/DELETE
 * /v1/listeners/{name}. With @replica (the JetStream engine; it must
 * outlive stop()) the listeners are shared with the other replicas. */
HwHubListeners       *hw_hub_listeners_new               (HwHub          *hub,
                                                          HwHubReplica   *replica,
                                                          GError        **error);
/* Stops every delivery loop, persisting checkpoints; the routes keep
 * answering from the last state. Idempotent. */
void                  hw_hub_listeners_stop              (HwHubListeners *self);
/* Stops (if needed) and frees. */
void                  hw_hub_listeners_free              (HwHubListeners *self);

/* Adds or updates a listener for each [listener NAME] group of @keyfile:
 * url (required), types, anything_but (string lists), tags (a list of
 * key=value), batch_size, parallel, timeout_ms, start (latest|trim_horizon).
 * An updated definition keeps its checkpoint. Fails on the first invalid
 * group, naming it and the key. */
gboolean              hw_hub_listeners_add_from_keyfile  (HwHubListeners *self,
                                                          GKeyFile       *keyfile,
                                                          GError        **error);

/* Adds or updates a listener from a JSON definition {"name","url","types",
 * "anything_but"?,"tags"?,"batch_size"?,"parallel"?,"timeout_ms"?,"start"?}.
 * @created (nullable) tells whether it is new. Errors name the member. */
gboolean              hw_hub_listeners_add_from_json     (HwHubListeners *self,
                                                          JsonObject     *definition,
                                                          const char     *origin,
                                                          gboolean       *created,
                                                          GError        **error);

/* The running listener called @name, or NULL. */
const HwListenerSpec *hw_hub_listeners_lookup            (HwHubListeners *self,
                                                          const char     *name);

/* {"name","url","types",…,"iterator_age_ms","pending","last_error",
 *  "checkpoint","delivered",…}: what GET /v1/listeners/{name} answers. */
JsonNode             *hw_hub_listeners_describe          (HwHubListeners *self,
                                                          const char     *name);

G_END_DECLS
