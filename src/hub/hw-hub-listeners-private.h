/* hw-hub-listeners-private.h: what the listener registry and its routes share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hw-hub-checkpoint-writer.h"
#include "hw-hub-listeners.h"
#include "hw-hub-listeners-shared.h"

G_BEGIN_DECLS

struct _HwHubListeners
{
  HwHub                *hub;
  GHashTable           *by_name;      /* name → HwRegisteredListener* */
  gulong                appended_id;
  gboolean              stopped;
  HwCheckpointWriter   *checkpoints;  /* writes them to hub.db, off the main loop */

  /* The JetStream engine's (NULL with the embedded one): which replica
   * delivers what. */
  HwHubListenersShared *shared;
  GHashTable           *revisions;    /* name → guint64*: the newest bucket revision applied */
  gboolean              synced;       /* the bucket was read once */
  guint                 lease_tick_id;
};

typedef struct
{
  HwListenerSpec *spec;
  char           *definition;     /* canonical JSON, to spot no-op updates */
  char           *origin;         /* "api" or "config" */
  /* NULL while another replica delivers it (JetStream engine). */
  HwDelivery     *delivery;
  /* While not delivering: where this replica would go on from. */
  gint64          checkpoint;
  guint64         delivered;
  gint64          created_at;     /* hub.db row's: tells incarnations of a name apart */

  /* JetStream engine only. */
  gint64          held_until;     /* monotonic µs: this replica's lease */
  char           *holder;
  JsonObject     *holder_status;  /* the holder's last published status */
} HwRegisteredListener;

/* Adds or replaces @spec's listener (canonical @definition) and persists
 * it; a new one starts after @start_seq, a replaced one where it was. */
gboolean hw_hub_listeners_define      (HwHubListeners        *self,
                                       const HwListenerSpec  *spec,
                                       const char            *definition,
                                       const char            *origin,
                                       gint64                 start_seq,
                                       GError               **error);
gboolean hw_hub_listeners_undefine    (HwHubListeners        *self,
                                       const char            *name,
                                       GError               **error);
/* Where a new listener defined by @definition starts ("start"). */
gboolean hw_hub_listeners_start_seq   (HwHubListeners        *self,
                                       JsonObject            *definition,
                                       gint64                *out_seq,
                                       GError               **error);
void     hw_hub_listeners_describe_into (HwHubListeners      *self,
                                         HwRegisteredListener *reg,
                                         JsonBuilder          *builder);
/* Starts delivering @reg from its checkpoint, or stops, keeping where
 * the delivery got to. */
void     hw_hub_listeners_start_delivering (HwHubListeners       *self,
                                            HwRegisteredListener *reg);
void     hw_hub_listeners_stop_delivering  (HwRegisteredListener *reg);
/* @delivery's status as GET shows it, which is also what the other
 * replicas are told. */
JsonObject *hw_hub_listeners_delivery_status (HwHubListeners *self,
                                              HwDelivery     *delivery);

/* hw-hub-listeners-replicas.c: the JetStream engine's sharing; with no
 * @replica (the embedded engine) there is nothing to share. */
gboolean hw_hub_listeners_share         (HwHubListeners       *self,
                                         HwHubReplica         *replica,
                                         GError              **error);
void     hw_hub_listeners_stop_sharing  (HwHubListeners       *self);
/* A bucket revision this replica wrote or applied: older ones are stale. */
void     hw_hub_listeners_saw_revision (HwHubListeners       *self,
                                        const char           *name,
                                        guint64               revision);

/* GET/POST /v1/listeners, GET/DELETE /v1/listeners/{name}. */
void     hw_hub_listeners_add_routes  (HwHubListeners        *self);

G_END_DECLS
