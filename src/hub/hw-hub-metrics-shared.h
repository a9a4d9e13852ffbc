/* hw-hub-metrics-shared.h: work metrics shared by the replicas of the JetStream engine
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each replica publishes the rollup points its metrics writer persists
 * (10 s, 1 min and 1 h buckets) to the stream HW_METRICS_<subsystem>, from
 * an outbox in its store that the same transaction fills, and copies the
 * other replicas' points into its store; queries combine them
 * (hw-hub-metrics-replicas.c). docs/jetstream.md says what is shared.
 */
#pragma once

#include "hw-event-store.h"
#include "hw-hub-metrics.h"
#include "hw-jetstream.h"

G_BEGIN_DECLS

typedef struct _HwHubMetricsShared HwHubMetricsShared;

/* Takes @js (the metrics stream's connection), also on failure. Gives @store its replica id
 * for metrics (kept across restarts), starts publishing its outbox and
 * copying the others' points, and makes @metrics combine them. @store and
 * @metrics must outlive the result. */
HwHubMetricsShared *hw_hub_metrics_shared_start (HwJetStream         *js,
                                                 HwEventStore        *store,
                                                 HwHubMetrics        *metrics,
                                                 GError             **error);
/* Publishes what the outbox holds once more (bounded by the stream's
 * acknowledgement wait), then stops. What is left is published at the
 * next start. */
void                hw_hub_metrics_shared_free  (HwHubMetricsShared  *self);

G_END_DECLS
