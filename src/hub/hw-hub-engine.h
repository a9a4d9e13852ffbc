/* hw-hub-engine.h: listeners, delivery and jobs attached to a hub in one call
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hw-hub.h"

G_BEGIN_DECLS

typedef struct _HwHubListeners HwHubListeners;
typedef struct _HwHubJobs HwHubJobs;

/* Call once after hw_hub_new() (before or after hw_hub_start()), on the main
 * thread. It adds the engine's tables to hub.db ("engine" migrations),
 * loads the persisted listeners and the [listener NAME] groups of the config
 * keyfile (hw_hub_get_config()->keyfile), registers the /v1/listeners,
 * /v1/replays, /v1/resubmissions and /v1/jobs routes, starts delivery and
 * resumes unfinished jobs. The engine lives as long as the hub (it is kept
 * as object data on it) and stops with hw_hub_engine_detach() or when the
 * hub is finalized. */
gboolean        hw_hub_engine_attach        (HwHub   *hub,
                                             GError **error);
/* Stops delivery and jobs (persisting checkpoints) before hw_hub_stop().
 * Idempotent. */
void            hw_hub_engine_detach        (HwHub   *hub);

/* NULL before hw_hub_engine_attach(). */
HwHubListeners *hw_hub_engine_get_listeners (HwHub   *hub);
HwHubJobs      *hw_hub_engine_get_jobs      (HwHub   *hub);

G_END_DECLS
