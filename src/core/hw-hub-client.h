/* hw-hub-client.h: an asynchronous client for the hub API v1 (docs/hub-api.md)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "hw-event.h"

G_BEGIN_DECLS

/* Errors of every _finish call:
 * - HW_ERROR with a code mapped from the HTTP status (401 UNAUTHORIZED,
 *   403 FORBIDDEN, 404 NOT_FOUND, 409 CONFLICT, 413 TOO_LARGE, 429
 *   RATE_LIMITED, 5xx UNAVAILABLE, other 4xx from the body's "code" name or
 *   FAILED) and the hub's own message;
 * - HW_ERROR_UNAVAILABLE when the hub cannot be reached or times out;
 * - HW_ERROR_PROTOCOL when the answer is not what the API promises (junk
 *   JSON, a body over the size cap, missing fields);
 * - G_TLS_ERROR_BAD_CERTIFICATE when the hub's certificate is not trusted:
 *   hw_hub_client_dup_rejected_certificate() then returns it, so the user can
 *   look at it and trust exactly that certificate;
 * - G_IO_ERROR_CANCELLED when the GCancellable fired. */

/* ---- results --------------------------------------------------------- */

typedef struct
{
  char       *name;
  char       *subsystem;
  char       *version;
  gint64      server_time_ms;   /* 0 when the hub did not say */
  char      **capabilities;     /* never NULL */
  gboolean    open_mode;
  JsonObject *raw;
} HwHubInfo;

/* A page of search results or faults, newest first as the hub sends them. */
typedef struct
{
  GPtrArray *events;        /* HwEvent* */
  char      *next_cursor;   /* NULL on the last page */
} HwHubEventPage;

/* One page of GET /v1/events/sync: events in hub arrival order. The three
 * arrays are parallel. */
typedef struct
{
  GPtrArray *events;        /* HwEvent* */
  GArray    *seqs;          /* guint64 */
  GArray    *received_ms;   /* gint64; the hub's arrival time, or the event time when not sent */
  guint64    last_seq;      /* the highest seq in the page, or the requested "after" when empty */
  guint64    hub_max_seq;   /* the hub's newest seq when it says (X-Hubwatch-Max-Seq), else 0 */
} HwHubSyncPage;

typedef struct
{
  gint64  start_ms;
  guint64 count;
} HwHubBucket;

typedef struct
{
  char       *functionname;   /* each nullable */
  char       *pipeline;
  char       *message;
  guint64     count;
  gint64      first_seen_ms;
  gint64      last_seen_ms;
  char       *sample_id;
  JsonObject *raw;
} HwHubFaultGroup;

typedef struct
{
  char       *name;
  char       *url;
  gint64      iterator_age_ms;
  gint64      pending;
  gint64      errors;
  char       *last_error;     /* nullable */
  JsonObject *raw;
} HwHubListener;

typedef struct
{
  char       *id;
  char       *kind;           /* "replay" | "resubmission" */
  char       *state;          /* "queued" | "running" | "done" | "failed" | "cancelled" */
  gint64      total;
  gint64      sent;
  gint64      acked;
  gint64      failed;
  char       *requested_by;   /* each nullable from here */
  gint64      created_at_ms;
  gint64      updated_at_ms;
  char       *listener;
  char       *idempotency_key;
  JsonObject *raw;
} HwHubJob;

typedef enum
{
  HW_HUB_SUBMIT_REPLAY,
  HW_HUB_SUBMIT_RESUBMISSION,
} HwHubSubmitKind;

/* The answer to a replay or resubmission: a dry run (count and sample in
 * raw) or a started (or, for a repeated idempotency key, the same) job. */
typedef struct
{
  gboolean    dry_run;
  gint64      count;          /* dry run: how many would be sent; otherwise the job's total */
  HwHubJob   *job;            /* NULL for a dry run */
  JsonObject *raw;
} HwHubSubmitResult;

typedef struct
{
  gint64 ts_ms;
  double value;               /* NAN where the hub has no data: draw a gap */
} HwHubPoint;

typedef struct
{
  char       *name;
  JsonObject *labels;         /* never NULL */
  char       *label;          /* "k=v,k=v", sorted by key; "" without labels */
  GArray     *points;         /* HwHubPoint, ascending ts */
} HwHubSeries;

typedef struct
{
  char       *id;
  char       *kind;           /* "deployment" | "incident" | "alert" | "audit" | … */
  gint64      ts_ms;
  char       *service;        /* nullable */
  char       *title;          /* a one-line description built from the kind's fields */
  JsonObject *raw;
} HwHubSystemEvent;

/* One page of the system events changes feed (GET /v1/system-events?after=). */
typedef struct
{
  GPtrArray *events;          /* HwHubSystemEvent*, in change order */
  guint64    last_seq;        /* ask after this next; the requested "after" when the hub does not say */
} HwHubSystemEventPage;

void hw_hub_info_free           (HwHubInfo         *info);
void hw_hub_system_event_page_free (HwHubSystemEventPage *page);
void hw_hub_event_page_free     (HwHubEventPage    *page);
void hw_hub_sync_page_free      (HwHubSyncPage     *page);
void hw_hub_fault_group_free    (HwHubFaultGroup   *group);
void hw_hub_listener_free       (HwHubListener     *listener);
HwHubJob *hw_hub_job_copy       (const HwHubJob    *job);
void hw_hub_job_free            (HwHubJob          *job);
void hw_hub_submit_result_free  (HwHubSubmitResult *result);
void hw_hub_series_free         (HwHubSeries       *series);
void hw_hub_system_event_free   (HwHubSystemEvent  *event);

/* Parsers shared with the cache and the stream; each returns NULL and sets
 * HW_ERROR_PROTOCOL when a required field is missing or has the wrong type. */
HwHubJob         *hw_hub_job_from_json          (JsonObject *object,
                                                 GError    **error);
HwHubListener    *hw_hub_listener_from_json     (JsonObject *object,
                                                 GError    **error);
HwHubSystemEvent *hw_hub_system_event_from_json (JsonObject *object,
                                                 GError    **error);

/* ---- the client ------------------------------------------------------ */

#define HW_TYPE_HUB_CLIENT (hw_hub_client_get_type ())
G_DECLARE_FINAL_TYPE (HwHubClient, hw_hub_client, HW, HUB_CLIENT, GObject)

/* @base_url is "http[s]://host[:port]" (a trailing slash or path prefix is
 * allowed). Fails with HW_ERROR_FAILED for anything else. */
HwHubClient     *hw_hub_client_new                     (const char           *base_url,
                                                        GError              **error);
const char      *hw_hub_client_get_base_url            (HwHubClient          *self);
/* The token lives in memory only and is sent as "Authorization: Bearer";
 * it is never logged. NULL clears it. */
void             hw_hub_client_set_token               (HwHubClient          *self,
                                                        const char           *token);
gboolean         hw_hub_client_has_token               (HwHubClient          *self);
/* I/O timeout in seconds for each request (default 30). */
void             hw_hub_client_set_timeout             (HwHubClient          *self,
                                                        guint                 seconds);
guint            hw_hub_client_get_timeout             (HwHubClient          *self);
/* Largest JSON body accepted (default 64 MiB); bigger is HW_ERROR_PROTOCOL. */
void             hw_hub_client_set_max_response_bytes  (HwHubClient          *self,
                                                        gsize                 max_bytes);

/* TLS is verified against the system trust store. A certificate the user has
 * looked at and accepted is pinned by the SHA-256 of its DER bytes (hex,
 * lower case, as hw_tls_certificate_dup_fingerprint() gives) and accepted
 * from then on, whatever its errors. */
char            *hw_tls_certificate_dup_fingerprint    (GTlsCertificate      *certificate);
/* "unknown-ca, expired" style list; "none" for 0. */
char            *hw_tls_certificate_flags_describe     (GTlsCertificateFlags  flags);
void             hw_hub_client_trust_certificate       (HwHubClient          *self,
                                                        const char           *sha256_fingerprint);
/* The last certificate refused by a request of this client (and its errors),
 * or NULL. Thread-safe. */
GTlsCertificate *hw_hub_client_dup_rejected_certificate (HwHubClient         *self,
                                                        GTlsCertificateFlags *errors);

/* Any API call: @path_and_query is e.g. "/v1/listeners"; @body may be NULL.
 * Resolves to the parsed JSON answer (a JSON null node for an empty 2xx). */
void       hw_hub_client_request_json_async   (HwHubClient          *self,
                                               const char           *method,
                                               const char           *path_and_query,
                                               JsonNode             *body,
                                               const char           *idempotency_key,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
JsonNode  *hw_hub_client_request_json_finish  (HwHubClient          *self,
                                               GAsyncResult         *result,
                                               GError              **error);

void       hw_hub_client_get_info_async       (HwHubClient          *self,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
HwHubInfo *hw_hub_client_get_info_finish      (HwHubClient          *self,
                                               GAsyncResult         *result,
                                               GError              **error);

/* @query is the core query language or NULL; @from/@to are what the hub
 * accepts (epoch ms, ISO-8601, "now-1h") or NULL for unbounded; @limit 0
 * lets the hub choose; @cursor is a previous page's next_cursor or NULL. */
void            hw_hub_client_search_events_async  (HwHubClient         *self,
                                                    const char          *query,
                                                    const char          *from,
                                                    const char          *to,
                                                    guint                limit,
                                                    const char          *cursor,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
HwHubEventPage *hw_hub_client_search_events_finish (HwHubClient         *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);

void            hw_hub_client_count_events_async   (HwHubClient         *self,
                                                    const char          *query,
                                                    const char          *from,
                                                    const char          *to,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
/* Returns -1 on error. */
gint64          hw_hub_client_count_events_finish  (HwHubClient         *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);

/* @buckets is the wanted number of buckets (0: the hub's default). */
void            hw_hub_client_histogram_async      (HwHubClient         *self,
                                                    const char          *query,
                                                    const char          *from,
                                                    const char          *to,
                                                    guint                buckets,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
/* GArray of HwHubBucket, ascending start_ms. */
GArray         *hw_hub_client_histogram_finish     (HwHubClient         *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);

/* Calendar tree counts: @level "year" | "month" | "day" | "hour", @prefix
 * the parent ("2024-05") or NULL. Resolves to the hub's JSON answer. */
void            hw_hub_client_tree_async           (HwHubClient         *self,
                                                    const char          *level,
                                                    const char          *prefix,
                                                    const char          *query,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
JsonNode       *hw_hub_client_tree_finish          (HwHubClient         *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);

void            hw_hub_client_get_event_async      (HwHubClient         *self,
                                                    const char          *id,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
HwEvent        *hw_hub_client_get_event_finish     (HwHubClient         *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);

/* NDJSON page of events with seq > @after, at most @limit (0: 1000). The
 * body is read line by line; no line may exceed the per-event cap. */
void            hw_hub_client_sync_page_async      (HwHubClient         *self,
                                                    guint64              after,
                                                    guint                limit,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
HwHubSyncPage  *hw_hub_client_sync_page_finish     (HwHubClient         *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);

void            hw_hub_client_list_faults_async    (HwHubClient         *self,
                                                    const char          *query,
                                                    const char          *from,
                                                    const char          *to,
                                                    guint                limit,
                                                    const char          *cursor,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
HwHubEventPage *hw_hub_client_list_faults_finish   (HwHubClient         *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);

void            hw_hub_client_fault_groups_async   (HwHubClient         *self,
                                                    const char          *from,
                                                    const char          *to,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
/* GPtrArray of HwHubFaultGroup*, as the hub orders them. */
GPtrArray      *hw_hub_client_fault_groups_finish  (HwHubClient         *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);

void            hw_hub_client_list_listeners_async (HwHubClient         *self,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
/* GPtrArray of HwHubListener*. */
GPtrArray      *hw_hub_client_list_listeners_finish (HwHubClient        *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);

void            hw_hub_client_list_jobs_async      (HwHubClient         *self,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
/* GPtrArray of HwHubJob*. */
GPtrArray      *hw_hub_client_list_jobs_finish     (HwHubClient         *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);

void            hw_hub_client_get_job_async        (HwHubClient         *self,
                                                    const char          *id,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
HwHubJob       *hw_hub_client_get_job_finish       (HwHubClient         *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);

void            hw_hub_client_cancel_job_async     (HwHubClient         *self,
                                                    const char          *id,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
HwHubJob       *hw_hub_client_cancel_job_finish    (HwHubClient         *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);

/* POST /v1/replays or /v1/resubmissions. @body is the request object
 * ({"listener","from","to","query"?,"rate","parallel"} for a replay,
 * {"fault_ids":[…]|"group":{…},"rate","parallel"} for a resubmission);
 * @dry_run overrides its "dry_run". @idempotency_key (e.g. from the outbox)
 * makes a retried request return the same job instead of starting another;
 * NULL sends none. */
void               hw_hub_client_submit_async      (HwHubClient         *self,
                                                    HwHubSubmitKind      kind,
                                                    JsonObject          *body,
                                                    gboolean             dry_run,
                                                    const char          *idempotency_key,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
HwHubSubmitResult *hw_hub_client_submit_finish     (HwHubClient         *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);

/* GET /v1/metrics/query. @stat ("sum", "avg", "max", "p95"…), @by (a label
 * name) and @step_s (0: the hub's choice) are optional. */
void            hw_hub_client_query_metrics_async  (HwHubClient         *self,
                                                    const char          *name,
                                                    const char          *from,
                                                    const char          *to,
                                                    guint                step_s,
                                                    const char          *stat,
                                                    const char          *by,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
/* GPtrArray of HwHubSeries*. */
GPtrArray      *hw_hub_client_query_metrics_finish (HwHubClient         *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);

/* @kind filters ("deployment"…) or NULL for all. */
void            hw_hub_client_list_system_events_async  (HwHubClient         *self,
                                                         const char          *kind,
                                                         const char          *from,
                                                         const char          *to,
                                                         guint                limit,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
/* GPtrArray of HwHubSystemEvent*. */
GPtrArray      *hw_hub_client_list_system_events_finish (HwHubClient         *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);

/* The changes feed: system events stored or changed (an incident resolved)
 * on the hub after @after, at most @limit (0: the hub's default). */
void                  hw_hub_client_list_system_event_changes_async  (HwHubClient         *self,
                                                                      guint64              after,
                                                                      guint                limit,
                                                                      GCancellable        *cancellable,
                                                                      GAsyncReadyCallback  callback,
                                                                      gpointer             user_data);
HwHubSystemEventPage *hw_hub_client_list_system_event_changes_finish (HwHubClient         *self,
                                                                      GAsyncResult        *result,
                                                                      GError             **error);

/* PATCH /v1/system-events/{id}: @patch is a JSON merge patch (a null member
 * removes it), e.g. {"resolved_at": …} to resolve an incident. Resolves to
 * the event as the hub stored it. */
void              hw_hub_client_patch_system_event_async  (HwHubClient         *self,
                                                           const char          *id,
                                                           JsonObject          *patch,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
HwHubSystemEvent *hw_hub_client_patch_system_event_finish (HwHubClient         *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);

/* POST /v1/system-events with one system event object. */
void            hw_hub_client_post_system_event_async   (HwHubClient         *self,
                                                         JsonObject          *system_event,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
JsonNode       *hw_hub_client_post_system_event_finish  (HwHubClient         *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwHubInfo, hw_hub_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwHubEventPage, hw_hub_event_page_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwHubSyncPage, hw_hub_sync_page_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwHubFaultGroup, hw_hub_fault_group_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwHubListener, hw_hub_listener_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwHubJob, hw_hub_job_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwHubSubmitResult, hw_hub_submit_result_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwHubSeries, hw_hub_series_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwHubSystemEvent, hw_hub_system_event_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwHubSystemEventPage, hw_hub_system_event_page_free)

G_END_DECLS
