/* hw-hub-replica-bucket.h: a part of a JetStream replica that shares something through a KV bucket
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the shared listeners (hw-hub-listeners-shared.c) and the shared
 * jobs (hw-hub-jobs-shared.c) have in common: their bucket, the replica's
 * leases, periodic work on the replica's worker, and a life that outlasts
 * free() for as long as work queued on the worker or on the main context
 * holds a reference. Each embeds an HwHubReplicaBucket as its first member
 * and says what it does at each tick and when it stops; news posted to
 * the main context is dropped once free() began.
 */
#pragma once

#include "hw-hub-replica.h"
#include "hw-jetstream-kv.h"

G_BEGIN_DECLS

typedef struct _HwHubReplicaBucket HwHubReplicaBucket;

typedef void (*HwHubReplicaBucketFunc) (HwHubReplicaBucket *self);

typedef struct
{
  /* Worker: every HW_REPLICA_TICK_MS, and at tick_now(). */
  HwHubReplicaBucketFunc tick;
  /* Worker, once, from free(): the last writes, then the leases let go. */
  HwHubReplicaBucketFunc stop;
  /* Whichever thread drops the last reference: frees what the embedding
   * struct holds (the base's own members are freed after). */
  HwHubReplicaBucketFunc clear;
} HwHubReplicaBucketClass;

struct _HwHubReplicaBucket
{
  const HwHubReplicaBucketClass *klass;
  HwHubReplica  *replica;
  HwJetStreamKv *bucket;
  HwJetStreamKv *leases;    /* the replica's */
  GMutex         lock;      /* for the embedding struct's members that say so */
  gboolean       closed;    /* main context only: nothing is posted there any more */

  /* Worker only. */
  GSource       *ticker;
  gboolean       stopped;
};

/* Opens the bucket HW_@name_<subsystem> (HW_ERROR_UNAVAILABLE when the
 * cluster cannot be reached) and allocates @size bytes, zeroed, the
 * embedding struct, with one reference. Call start() once it is set up. */
gpointer  hw_hub_replica_bucket_new      (HwHubReplica                  *replica,
                                          const char                    *name,
                                          gsize                          size,
                                          const HwHubReplicaBucketClass *klass,
                                          GError                       **error);
/* Starts the ticks on the worker. */
void      hw_hub_replica_bucket_start    (HwHubReplicaBucket            *self);
/* Stops on the worker (klass->stop) and waits for it, closes the bucket,
 * and drops the reference new() gave. */
void      hw_hub_replica_bucket_free     (HwHubReplicaBucket            *self);

gpointer  hw_hub_replica_bucket_ref      (gpointer                       self);
void      hw_hub_replica_bucket_unref    (gpointer                       self);

const char *hw_hub_replica_bucket_get_replica_name (HwHubReplicaBucket  *self);

/* Runs @func (self) on the worker, soon, unless stopped by then. */
void      hw_hub_replica_bucket_invoke   (HwHubReplicaBucket            *self,
                                          HwHubReplicaBucketFunc         func);
/* A tick now, as well as the periodic ones. */
void      hw_hub_replica_bucket_tick_now (HwHubReplicaBucket            *self);

typedef void (*HwHubReplicaBucketNewsFunc) (HwHubReplicaBucket *self,
                                            gpointer            news);

/* From the worker: runs @func (self, @news) on the main context unless
 * free() began by then; @news_free frees @news either way. */
void      hw_hub_replica_bucket_post     (HwHubReplicaBucket            *self,
                                          HwHubReplicaBucketNewsFunc     func,
                                          gpointer                       news,
                                          GDestroyNotify                 news_free);

G_END_DECLS
