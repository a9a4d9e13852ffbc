/* hw-hub-listeners-shared-private.h: what the shared listeners' bucket and their leases share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hw-hub-listeners-shared.h"
#include "hw-hub-replica-bucket.h"
#include "hw-jetstream-lease.h"

G_BEGIN_DECLS

#define DEFINITION_PREFIX "def."
#define STATUS_PREFIX     "status."
#define LEASE_PREFIX      "listener."

typedef struct
{
  HwJetStreamLease *lease;
  char             *written_status;   /* the last status we wrote */
  gint64            written_at;       /* monotonic µs */
} Held;

struct _HwHubListenersShared
{
  HwHubReplicaBucket  base;       /* the bucket HW_LISTENERS_<subsystem>: definitions and statuses */
  HwSharedFunc        func;
  gpointer            user_data;

  GStrv               wanted;     /* under base.lock, and the two below */
  GHashTable         *reports;    /* name → JSON string of its status */
  gboolean            urgent_queued;

  /* Worker only. */
  GHashTable         *held;       /* name → Held* */
  char               *yielding;   /* the one being given up, if any */
};

/* The key of listener @name under @prefix. */
char *hw_hub_listeners_shared_key_for        (const char           *prefix,
                                              const char           *name);

/* Leases and statuses (hw-hub-listeners-shared-leases.c); worker only. */

void  hw_hub_listeners_shared_held_free      (Held                 *held);
/* Takes, renews, hands over and releases leases so that this replica
 * holds those of @wanted (NULL: none) that are its share. @reports (name
 * → status) has the last checkpoints, written before a lease goes. */
void  hw_hub_listeners_shared_refresh_leases (HwHubListenersShared *self,
                                              GStrv                 wanted,
                                              GHashTable           *reports);
/* Writes the statuses in @reports of the listeners this replica holds. */
void  hw_hub_listeners_shared_write_statuses (HwHubListenersShared *self,
                                              GHashTable           *reports);

G_END_DECLS
