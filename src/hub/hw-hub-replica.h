/* hw-hub-replica.h: this hub as one replica among several on a JetStream cluster
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * With the JetStream engine (docs/jetstream.md) the replicas of a
 * subsystem share listeners and jobs through KV buckets on the cluster.
 * Every request to the cluster may wait seconds, so none is made on the
 * hub's main context: they run on this replica's worker thread, which
 * runs a GMainContext of its own. The parts that share something attach
 * their periodic work to it, and post what they learn back to the main
 * context. Made and freed on the main context.
 */
#pragma once

#include <gio/gio.h>

#include "hw-hub.h"
#include "hw-jetstream.h"

G_BEGIN_DECLS

typedef struct _HwHubReplica HwHubReplica;

/* What runs on the worker thread: a non-negative result, or -1 with
 * @error set. */
typedef gssize (*HwReplicaFunc) (HwHubReplica  *replica,
                                 gpointer       data,
                                 GError       **error);

/* Connects to the cluster (its own connection, not the lake's: the hub
 * frees its lake before stopping what shares) and starts the worker.
 * HW_ERROR_UNAVAILABLE when the cluster cannot be reached. */
HwHubReplica *hw_hub_replica_new                (const HwHubConfig  *config,
                                                 GError            **error);
/* Stops the worker once the work already queued on it has run. */
void          hw_hub_replica_free               (HwHubReplica       *self);

/* This replica's name in leases and records: "HOST/PID". */
const char   *hw_hub_replica_get_name           (HwHubReplica       *self);
/* For buckets: KV requests wait at most a few seconds each. */
HwJetStream  *hw_hub_replica_get_jetstream      (HwHubReplica       *self);
int           hw_hub_replica_get_copies         (HwHubReplica       *self);
/* The worker's context: attach periodic work here. */
GMainContext *hw_hub_replica_get_worker_context (HwHubReplica       *self);
/* The context this replica was made on (the hub's), for results. */
GMainContext *hw_hub_replica_get_main_context   (HwHubReplica       *self);

/* Runs @func on the worker, then @callback on the main context with a
 * GTask result: hw_hub_replica_run_finish(). */
void          hw_hub_replica_run_async          (HwHubReplica       *self,
                                                 HwReplicaFunc       func,
                                                 gpointer            data,
                                                 GDestroyNotify      data_free,
                                                 GAsyncReadyCallback callback,
                                                 gpointer            user_data);
gssize        hw_hub_replica_run_finish         (GAsyncResult       *result,
                                                 GError            **error);
/* Runs @func on the worker and waits for it: for stopping, when the work
 * must be done before the caller frees what it uses. */
void          hw_hub_replica_run_sync           (HwHubReplica       *self,
                                                 GSourceFunc         func,
                                                 gpointer            data);

G_END_DECLS
