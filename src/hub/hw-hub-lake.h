/* hw-hub-lake.h: where a hub keeps its lake: its own lake.db, or a JetStream stream
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * With the embedded engine (the default) the hub's lake.db is the lake and
 * the hub has no HwHubLake. With the JetStream engine (docs/jetstream.md)
 * the lake is a replicated stream: publishing goes there, and lake.db is
 * this replica's derived copy, filled from the stream for search and
 * delivery. The rest of the hub asks hw_hub_get_lake() which it is.
 */
#pragma once

#include "hw-event-prepare.h"
#include "hw-hub.h"
#include "hw-hub-system-outcomes.h"

G_BEGIN_DECLS

/* "embedded" or "jetstream". */
gboolean    hw_hub_engine_kind_from_string (const char       *text,
                                            HwHubEngineKind  *out_kind);

typedef struct _HwHubLake HwHubLake;

/* Connects to the cluster at @urls, makes sure the subsystem's lake stream
 * and system events' stream exist, and starts filling @store from both;
 * each batch of events stored is announced with hw_hub_notify_appended().
 * System events @store kept of its own are first published to the stream
 * (docs/jetstream.md): from then on its copy is their only writer. Fails with HW_ERROR_UNAVAILABLE
 * when the cluster cannot be reached in time, and HW_ERROR_FAILED when this
 * build has no JetStream support. */
HwHubLake  *hw_hub_lake_new_jetstream (HwHub              *hub,
                                       HwEventStore       *store,
                                       const char * const *urls,
                                       GError            **error);
void        hw_hub_lake_free          (HwHubLake          *self);

/* The ingest writer's step with this engine: publishes @n prepared events
 * (their JSON, so the preparer must defer compression) and waits for the
 * stream's acknowledgements, filling @statuses and @seqs (stream
 * sequences). FALSE, with HW_ERROR_UNAVAILABLE, when some event was not
 * acknowledged; those have @failed set (all of them when nothing could be
 * sent). Such an event may be stored or not, and the producer may publish
 * it again: the stream recognizes it by id. */
gboolean    hw_hub_lake_publish       (HwHubLake             *self,
                                       const HwPreparedEvent *events,
                                       guint                  n,
                                       HwInsertStatus        *statuses,
                                       gint64                *seqs,
                                       gboolean              *failed,
                                       GError               **error);

/* Blocks until this replica's store holds every event the stream held
 * when it was called, so a search through any replica sees what was
 * acknowledged before it. HW_ERROR_UNAVAILABLE when the stream cannot be
 * asked, the store does not catch up within a few seconds, or the lake is
 * being freed. Never on the main context: it waits on the network. Call it
 * inside a hold, taken on the main context: freeing the lake cancels the
 * waits and returns once every hold is released. */
gboolean    hw_hub_lake_catch_up      (HwHubLake          *self,
                                       GError            **error);
/* The same for the system events' stream (HW_SYSTEM_<subsystem>). */
gboolean    hw_hub_lake_catch_up_system (HwHubLake        *self,
                                         GError          **error);

/* Publishes @n system-event messages (hw_hub_system_message_new()) with
 * their message ids, and waits until JetStream acknowledged every one and
 * this replica's store applied them, so the replica answering sees its own
 * writes. Fills @seqs (stream sequences) and @duplicates (JetStream had
 * the message id already: a retry). HW_ERROR_UNAVAILABLE when some
 * message was not acknowledged (sending them again is safe) or not yet
 * applied here. Never on the main context; inside a hold. */
gboolean    hw_hub_lake_publish_system (HwHubLake         *self,
                                        const char * const *msg_ids,
                                        GBytes * const    *messages,
                                        guint              n,
                                        gint64            *seqs,
                                        gboolean          *duplicates,
                                        GError           **error);
/* What this replica's copy did with the system-events message at @seq
 * (once hw_hub_lake_publish_system() returned for it). Any thread. */
HwSystemOutcome hw_hub_lake_get_system_outcome (HwHubLake *self,
                                                gint64     seq);
/* Whether the lake is being freed: for a retry loop, to give up. */
gboolean    hw_hub_lake_is_closing    (HwHubLake          *self);
/* FALSE once the lake is being freed. */
gboolean    hw_hub_lake_hold          (HwHubLake          *self);
void        hw_hub_lake_release       (HwHubLake          *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwHubLake, hw_hub_lake_free)

G_END_DECLS
