/* hw-hub-jobs-shared-private.h: what the shared jobs' worker and their requests share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hw-hub-jobs-shared.h"
#include "hw-hub-replica-bucket.h"
#include "hw-jetstream-lease.h"

G_BEGIN_DECLS

#define JOB_PREFIX     "job."
#define CANCEL_PREFIX  "cancel."
#define IDEM_PREFIX    "idem."

struct _HwHubJobsShared
{
  HwHubReplicaBucket  base;           /* the bucket HW_JOBS_<subsystem> */
  HwSharedJobsFunc    func;
  gpointer            user_data;

  GHashTable         *reports;        /* under base.lock: id → Report* */
  GHashTable         *released;       /* under base.lock: ids */
  gboolean            urgent_queued;  /* under base.lock */

  /* Worker only. */
  GHashTable         *held;           /* id → HwJetStreamLease* */
  GHashTable         *lost;           /* ids whose lease went to another since the last tick */
  HwJetStreamKvWatch *watch;
  GHashTable         *records;        /* id → JsonObject*: the bucket's records */
  GHashTable         *cancels;        /* ids */
  GPtrArray          *changed;        /* JsonObject*, since the last tick */
};

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
