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
#include <json-glib/json-glib.h>

#include "hw-hub.h"
#include "hw-jetstream.h"

G_BEGIN_DECLS

typedef struct _HwHubReplica HwHubReplica;

/* The leases replicas take on listeners and jobs: a holder that dies is
 * replaced within the TTL plus a tick. They are renewed every tick, a
 * quarter of the TTL, as hw_jetstream_lease_refresh() asks. */
#define HW_REPLICA_LEASE_TTL_MS 10000
#define HW_REPLICA_TICK_MS      (HW_REPLICA_LEASE_TTL_MS / 4)

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

/* Worker only: how many replicas of the subsystem are running, as last
 * seen (at least 1). */
int           hw_hub_replica_count_live         (HwHubReplica       *self);
/* This replica's name in leases and records: "HOST/PID". */
const char   *hw_hub_replica_get_name           (HwHubReplica       *self);
/* For buckets: KV requests wait at most a few seconds each. */
HwJetStream  *hw_hub_replica_get_jetstream      (HwHubReplica       *self);
int           hw_hub_replica_get_copies         (HwHubReplica       *self);
/* The worker's context: attach periodic work here. */
GMainContext *hw_hub_replica_get_worker_context (HwHubReplica       *self);
/* The context this replica was made on (the hub's), for results. */
GMainContext *hw_hub_replica_get_main_context   (HwHubReplica       *self);

/* The bucket HW_LEASES_<subsystem> (TTL HW_REPLICA_LEASE_TTL_MS) that
 * the leases on listeners and jobs are taken in. */
struct _HwJetStreamKv *hw_hub_replica_get_leases (HwHubReplica     *self);

/* Runs @func (@data) every HW_REPLICA_TICK_MS on the worker, until the
 * source is destroyed; @destroy then releases @data. */
GSource      *hw_hub_replica_add_ticker         (HwHubReplica       *self,
                                                 GSourceFunc         func,
                                                 gpointer            data,
                                                 GDestroyNotify      destroy);
/* Runs @func (@data) once on the worker, soon. */
void          hw_hub_replica_invoke             (HwHubReplica       *self,
                                                 GSourceFunc         func,
                                                 gpointer            data,
                                                 GDestroyNotify      destroy);
/* Opens the bucket HW_<name>_<subsystem>, made if missing (see
 * hw_jetstream_kv_open()), or fails with HW_ERROR_UNAVAILABLE. Blocks:
 * at start only. */
struct _HwJetStreamKv *hw_hub_replica_open_bucket (HwHubReplica     *self,
                                                   const char       *name,
                                                   gint64            ttl_ms,
                                                   GError          **error);

/* What the replicas keep in their buckets is JSON objects. A value that
 * is not one (written by something else, or damaged) is NULL: the cluster
 * is not trusted further than any other input. */
GBytes       *hw_hub_replica_record_to_bytes    (JsonObject         *record);
JsonObject   *hw_hub_replica_record_from_bytes  (GBytes             *value);

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
