/* hw-hub-listeners-shared.h: listeners shared by the replicas of a JetStream hub
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * With the JetStream engine (docs/jetstream.md, "Listeners across
 * replicas") every replica of a subsystem knows every listener, and one
 * of them at a time delivers each: the one holding its lease. This is the
 * part that talks to the cluster, on the replica's worker thread:
 *
 *  - the bucket HW_LISTENERS_<subsystem> keeps each listener's definition
 *    (a tombstone once deleted, so a replica that was away learns of it)
 *    and its holder's last status (checkpoint included);
 *  - the bucket HW_LEASES_<subsystem> keeps a lease per listener, with a
 *    TTL, so a holder that dies lets another take over.
 *
 * The registry (hw-hub-listeners.c) says which leases it wants and what
 * to publish, and hears every few seconds what the buckets hold. All
 * calls on the main context of the caller of new().
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "hw-hub.h"
#include "hw-hub-replica.h"

G_BEGIN_DECLS

typedef struct _HwHubListenersShared HwHubListenersShared;

/* A listener as the shared bucket has it. */
typedef struct
{
  char    *name;
  guint64  revision;      /* the bucket's, growing with every write */
  char    *definition;    /* canonical JSON; NULL once deleted */
  gint64   start_seq;     /* where delivery starts for a replica without progress */
} HwSharedDefinition;

/* A listener's lease as this replica sees it. */
typedef struct
{
  char       *name;
  /* g_get_monotonic_time() µs until which this replica may deliver it;
   * 0 while another holds it or nobody does. */
  gint64      held_until;
  char       *holder;     /* the replica last seen holding it, or NULL */
  JsonObject *status;     /* that holder's last published status, or NULL */
  /* Whether @status is what the bucket holds: FALSE when it could not be
   * read this time, and while we hold the lease and publish it. */
  gboolean    status_known;
} HwSharedLease;

/* @definitions is NULL when the bucket could not be read this time. */
typedef void (*HwSharedFunc) (GPtrArray *definitions,
                              GPtrArray *leases,
                              gpointer   user_data);

/* Opens (or makes) the buckets and starts the periodic work on
 * @replica's worker (which must outlive it); @func runs on the main
 * context every few seconds. HW_ERROR_UNAVAILABLE when the cluster cannot
 * be reached. */
HwHubListenersShared *hw_hub_listeners_shared_new         (HwHubReplica          *replica,
                                                           HwSharedFunc           func,
                                                           gpointer               user_data,
                                                           GError               **error);
/* Writes the last statuses reported and releases the leases held, so
 * another replica takes over at once, and waits for that. @func is not
 * called any more. */
void                  hw_hub_listeners_shared_free        (HwHubListenersShared  *self);
/* This replica's name in leases and statuses: "HOST/PID". */
const char           *hw_hub_listeners_shared_get_replica (HwHubListenersShared  *self);

/* The listeners whose leases this replica should take and keep; the
 * others it holds are released. */
void                  hw_hub_listeners_shared_want        (HwHubListenersShared  *self,
                                                           const char * const    *names);
/* The status to publish for @name while this replica holds its lease (the
 * last one reported wins). Written with the next lease renewal, or at once
 * when @urgent: a new checkpoint, which is where another replica would go
 * on from. */
void                  hw_hub_listeners_shared_report      (HwHubListenersShared  *self,
                                                           const char            *name,
                                                           JsonObject            *status,
                                                           gboolean               urgent);

/* Writes a definition of @name (@definition NULL: a tombstone) to the
 * bucket. @reset_progress forgets the holder's status, so a listener made
 * again does not start from the old one's checkpoint. */
void                  hw_hub_listeners_shared_write_async  (HwHubListenersShared  *self,
                                                            const char            *name,
                                                            const char            *definition,
                                                            gint64                 start_seq,
                                                            gboolean               reset_progress,
                                                            GAsyncReadyCallback    callback,
                                                            gpointer               user_data);
/* The revision written, or 0 with HW_ERROR_UNAVAILABLE. */
guint64               hw_hub_listeners_shared_write_finish (GAsyncResult          *result,
                                                            GError               **error);

void hw_shared_definition_free (HwSharedDefinition *definition);
void hw_shared_lease_free      (HwSharedLease      *lease);

G_END_DECLS
