/* hw-hub-jobs.h: replays and resubmissions as durable, rate-limited jobs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hw-hub.h"
#include "hw-hub-engine.h"
#include "hw-hub-replica.h"

G_BEGIN_DECLS

/* Registers POST /v1/replays, POST /v1/resubmissions, GET /v1/jobs,
 * GET /v1/jobs/{id} and POST /v1/jobs/{id}/cancel, and resumes the jobs
 * hub.db records as queued or running from their checkpoints. Replays and
 * resubmissions go to listeners of @listeners only, never to the bus.
 * With @replica (the JetStream engine; it must outlive stop()) jobs are
 * shared with the other replicas: each runs on one of them at a time. */
HwHubJobs *hw_hub_jobs_new   (HwHub          *hub,
                              HwHubListeners *listeners,
                              HwHubReplica   *replica,
                              GError        **error);
/* Pauses running jobs (their checkpoints persisted, state left "running" so
 * the next start resumes them). Idempotent. */
void       hw_hub_jobs_stop  (HwHubJobs      *self);
void       hw_hub_jobs_free  (HwHubJobs      *self);

/* The job as served by GET /v1/jobs/{id}, or NULL. */
JsonNode  *hw_hub_jobs_describe (HwHubJobs   *self,
                                 const char  *id);

G_END_DECLS
