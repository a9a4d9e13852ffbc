/* hw-hub-jobs-shared-private.h: what the shared jobs' worker and their requests share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hw-hub-jobs-shared.h"
#include "hw-jetstream-kv.h"
#include "hw-jetstream-lease.h"

G_BEGIN_DECLS

#define JOB_PREFIX     "job."
#define CANCEL_PREFIX  "cancel."
#define IDEM_PREFIX    "idem."

/* Reference-counted: what is queued on the worker or on the main context
 * holds a reference, so it may outlive free(), which stops its use. */
struct _HwHubJobsShared
{
  HwHubReplica       *replica;
  HwSharedJobsFunc    func;
  gpointer            user_data;
  gboolean            closed;         /* main context only */
  HwJetStreamKv      *bucket;
  HwJetStreamKv      *leases;         /* the replica's */

  GMutex              lock;
  GHashTable         *reports;        /* under lock: id → Report* */
  GHashTable         *released;       /* under lock: ids */
  gboolean            urgent_queued;  /* under lock */

  /* Worker only. */
  GSource            *ticker;
  gboolean            stopped;
  GHashTable         *held;           /* id → HwJetStreamLease* */
  GHashTable         *lost;           /* ids whose lease went to another since the last tick */
  HwJetStreamKvWatch *watch;
  GHashTable         *records;        /* id → JsonObject*: the bucket's records */
  GHashTable         *cancels;        /* ids */
  GPtrArray          *changed;        /* JsonObject*, since the last tick */
};

HwHubJobsShared  *hw_hub_jobs_shared_ref        (HwHubJobsShared  *self);
void              hw_hub_jobs_shared_unref      (HwHubJobsShared  *self);

/* Worker only. A lease on @id, taken; NULL when another holds it. */
HwJetStreamLease *hw_hub_jobs_shared_try_claim  (HwHubJobsShared  *self,
                                                 const char       *id,
                                                 GError          **error);
/* Lets the lease on @id go, if held. */
void              hw_hub_jobs_shared_let_go     (HwHubJobsShared  *self,
                                                 const char       *id);
gboolean          hw_hub_jobs_shared_put_record (HwHubJobsShared  *self,
                                                 const char       *id,
                                                 const char       *record,
                                                 GError          **error);

G_END_DECLS
