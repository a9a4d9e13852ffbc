/* hw-hub-jobs-shared.h: jobs shared by the replicas of a JetStream hub
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * With the JetStream engine (docs/jetstream.md, "Jobs across replicas")
 * a replay or resubmission is run by one replica at a time, the holder of
 * its lease, and its record (state, progress, checkpoint) is kept in the
 * bucket HW_JOBS_<subsystem>, so that every replica can show it and
 * another can claim it, and go on from its checkpoint, when its holder
 * dies. This is the part that talks to the cluster, on the replica's
 * worker; the jobs registry (hw-hub-jobs-replicas.c) hears what it learns
 * every few seconds. Calls on the main context.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "hw-hub-replica.h"

G_BEGIN_DECLS

typedef struct _HwHubJobsShared HwHubJobsShared;

/* What a replica learns at each tick. */
typedef struct
{
  /* JsonObject*: job records that changed in the bucket since the last
   * tick (every one the first time). */
  GPtrArray  *changed;
  /* JsonObject*: unfinished jobs this replica just claimed, whose holder
   * stopped renewing its lease: run them from their record. */
  GPtrArray  *claimed;
  /* id → gint64*: until when (monotonic µs) this replica may run each
   * job it holds; 0 once it lost it. */
  GHashTable *held_until;
  /* ids of jobs this replica runs that someone asked to cancel. */
  GPtrArray  *cancels;
} HwSharedJobsNews;

typedef void (*HwSharedJobsFunc) (HwSharedJobsNews *news,
                                  gpointer          user_data);

HwHubJobsShared *hw_hub_jobs_shared_new          (HwHubReplica      *replica,
                                                  HwSharedJobsFunc   func,
                                                  gpointer           user_data,
                                                  GError           **error);
/* Writes the last records reported and lets the jobs' leases go, so
 * another replica claims them at once, and waits for that. */
void             hw_hub_jobs_shared_free         (HwHubJobsShared   *self);

/* The record to publish for @id while this replica holds it: at once,
 * since it holds the checkpoint another replica would go on from. A
 * @final record (the job finished) is written, then the lease let go. */
void             hw_hub_jobs_shared_report       (HwHubJobsShared   *self,
                                                  const char        *id,
                                                  JsonObject        *record,
                                                  gboolean           final);
/* This replica stopped running @id without finishing it (its lease
 * lapsed): the lease is not renewed any more. */
void             hw_hub_jobs_shared_release      (HwHubJobsShared   *self,
                                                  const char        *id);

/* Takes a new job's lease (its record holds "id"), claims
 * @idempotency_key (nullable) for it, then publishes its record. When
 * another job has the key already, nothing is written and create_finish()
 * answers the other one's record in @out_existing. HW_ERROR_UNAVAILABLE
 * when the cluster could not take it, or while another replica is still
 * creating the job with that key: nothing was started. */
void             hw_hub_jobs_shared_create_async (HwHubJobsShared   *self,
                                                  JsonObject        *record,
                                                  const char        *idempotency_key,
                                                  GAsyncReadyCallback callback,
                                                  gpointer           user_data);
gboolean         hw_hub_jobs_shared_create_finish (GAsyncResult     *result,
                                                   JsonObject      **out_existing,
                                                   GError          **error);
/* Asks the replica running @id to cancel it. */
void             hw_hub_jobs_shared_cancel_async  (HwHubJobsShared  *self,
                                                   const char       *id,
                                                   const char       *actor,
                                                   GAsyncReadyCallback callback,
                                                   gpointer           user_data);
gboolean         hw_hub_jobs_shared_cancel_finish (GAsyncResult     *result,
                                                   GError          **error);

/* Writes the record of an unfinished job this replica kept in hub.db
 * (from before the hub shared its jobs) unless the bucket has the job
 * already; replicas then claim it like any other. */
void             hw_hub_jobs_shared_offer         (HwHubJobsShared  *self,
                                                   JsonObject       *record);

/* Whether a record's "state" is final. */
gboolean         hw_shared_job_is_finished       (JsonObject        *record);

G_END_DECLS
