/* hw-hub-private.h: wiring between the hub object and its API modules
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hw-hub.h"

G_BEGIN_DECLS

/* Fills unset names, addresses and limits with their defaults. */
void hw_hub_config_apply_defaults (HwHubConfig *config);

/* Each API module adds its routes to @hub. */
void hw_hub_api_events_register (HwHub *hub);
void hw_hub_api_system_register (HwHub *hub);
void hw_hub_api_system_events_register (HwHub *hub);

/* The publish pipeline (hw-hub-ingest.h); NULL while the hub is stopped. */
typedef struct _HwHubIngest HwHubIngest;
HwHubIngest *hw_hub_get_ingest (HwHub *hub);

/* The JetStream engine's lake (hw-hub-lake.h); NULL with the embedded one. */
typedef struct _HwHubLake HwHubLake;
HwHubLake *hw_hub_get_lake (HwHub *hub);

/* TRUE once hw_hub_stop() began. */
gboolean hw_hub_is_stopping (HwHub *hub);

/* Routes that answer from the lake: with the JetStream engine they first
 * wait, off the main context, for this replica's copy to hold everything
 * the stream had when they arrived. */
void hw_hub_route_reads_lake (HwHub      *hub,
                              const char *method,
                              const char *path_pattern);

/* Routes that answer from the system events: with the JetStream engine
 * they first wait, the same way, for this replica's copy of the system
 * events' stream. */
void hw_hub_route_reads_system_events (HwHub      *hub,
                                       const char *method,
                                       const char *path_pattern);

/* Routes that take application/x-ndjson besides application/json. */
void hw_hub_route_accept_ndjson (HwHub      *hub,
                                 const char *method,
                                 const char *path_pattern);

/* Stores @object (which must carry "kind" and may carry "id") as a system
 * event and pushes it to the stream; used by audits and the API. Returns
 * the stored id (generated when absent) or NULL with @error set. */
char *hw_hub_store_system_event (HwHub       *hub,
                                 JsonObject  *object,
                                 gint64       ts_ms,
                                 gboolean    *out_duplicate,
                                 GError     **error);

/* With the JetStream engine (docs/jetstream.md): publishes @events
 * (JsonObject*, each with its "id" and "kind"), ordered by @times
 * (gint64), to the system events' stream, off the main context, with
 * @request paused meanwhile. Once JetStream acknowledged them and this
 * replica's store applied them, @done answers @request on the main
 * context with each event's stream sequence and whether the stream had
 * it already; otherwise @request is answered 503. Each is a POST's: an
 * id stored already keeps its event. */
typedef void (*HwHubSystemPublished) (HwHubRequest   *request,
                                      const gint64   *seqs,
                                      const gboolean *duplicates,
                                      gpointer        data);

void hw_hub_publish_system_events (HwHubRequest         *request,
                                   GPtrArray            *events,
                                   GArray               *times,
                                   HwHubSystemPublished  done,
                                   gpointer              data,
                                   GDestroyNotify        data_free);
/* The same for a PATCH's result @event, merged from the version stored
 * under @base_seq: it replaces the stored event where that version is
 * still the stored one (hw_hub_lake_get_system_outcome() tells). */
void hw_hub_publish_system_change (HwHubRequest         *request,
                                   JsonObject           *event,
                                   gint64                ts_ms,
                                   gint64                base_seq,
                                   HwHubSystemPublished  done,
                                   gpointer              data,
                                   GDestroyNotify        data_free);

/* The same for an audit the hub writes itself, with no request waiting:
 * sent again while the cluster does not take it, a bounded number of
 * times, each failure logged. */
void hw_hub_publish_audit (HwHub      *hub,
                           JsonObject *event,
                           gint64      ts_ms);

/* For callers with a thread of their own that decide themselves how
 * often to try (a job's audits): one system event @event (with its "id"
 * and "kind") published to the JetStream engine's stream. prepare() runs
 * on the main context and returns NULL when the hub is shutting down;
 * send(), once, blocks on any thread until JetStream acknowledged the
 * message and this replica's copy applied it (TRUE), or it failed
 * (HW_ERROR_UNAVAILABLE), or sends nothing when @cancellable is cancelled
 * already (G_IO_ERROR_CANCELLED); preparing and sending it again is safe:
 * the message id is the same. free() on the main context. */
typedef struct _HwHubSystemSend HwHubSystemSend;

HwHubSystemSend *hw_hub_system_send_prepare (HwHub            *hub,
                                             JsonObject       *event,
                                             gint64            ts_ms);
gboolean         hw_hub_system_send         (HwHubSystemSend  *send,
                                             GCancellable     *cancellable,
                                             GError          **error);
void             hw_hub_system_send_free    (HwHubSystemSend  *send);

/* A new audit event {"kind":"audit","action","actor","time",…details}
 * (members of @details that would replace those are left out). */
JsonObject *hw_hub_audit_new (const char *action,
                              const char *actor,
                              gint64      time_ms,
                              JsonObject *details);

/* Gives @object an "id" when it has none; returns it. */
const char *hw_hub_system_event_ensure_id (JsonObject *object);

G_END_DECLS
