/* hw-hub-sync-private.h: the cache side of HwHubSync, run in worker threads only
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hw-hub-sync.h"

G_BEGIN_DECLS

typedef struct _HwHubSubscription HwHubSubscription;

typedef struct
{
  char  *name;
  char  *from;
  char  *to;
  guint  step_s;
  char  *stat;
  char  *by;
} HwMetricRequest;

void             hw_metric_request_free (HwMetricRequest       *request);
HwMetricRequest *hw_metric_request_copy (const HwMetricRequest *request);

struct _HwHubSync
{
  GObject          parent_instance;

  HwHubClient     *client;
  char            *cache_path;
  HwEventStore    *store;

  HwHubSyncState   state;
  gint64           last_sync_ms;
  gint64           as_of_ms;
  gint64           offline_since_ms;
  char            *last_error;
  guint64          cursor;
  gint64           clock_offset_ms;   /* hub clock − local clock */
  guint64          system_events_after;  /* the hub's system events changes-feed seq */
  HwHubInfo       *info;
  GPtrArray       *listeners;
  GPtrArray       *jobs;
  /* As last cached: a poll that brings the same lists back is no change,
   * and pages do not rebuild their rows for it. */
  char            *listeners_json;
  char            *jobs_json;

  gboolean         started;
  gboolean         opening;           /* the store is being opened */
  gboolean         caught_up_once;    /* in this connection */
  guint            generation;        /* bumped on every (re)connect and stop */
  GCancellable    *cancellable;       /* of the current connection */
  HwHubSubscription     *stream;
  gboolean         pulling;
  gboolean         pull_again;

  guint            attempt;
  guint            retry_source;
  guint            deadline_source;   /* of the info or page request in flight */
  guint            poll_source;
  guint            backoff_min_ms;
  guint            backoff_max_ms;
  guint            poll_interval_ms;
  guint            page_size;

  /* A full disk (or a read-only one) under the cache: reads go on, writes
   * are retried with their own backoff until one succeeds. */
  gboolean         cache_writable;
  gboolean         cache_full;        /* why not writable: full, else read-only */
  guint            cache_attempt;
  guint            cache_retry_source;

  GHashTable      *metric_requests;   /* key → HwMetricRequest* */
  GNetworkMonitor *monitor;
};

/* Every async call carries the generation it was started in, so an answer
 * arriving after a failure or a stop is dropped instead of acting on a
 * connection that no longer exists. */
typedef struct
{
  HwHubSync      *self;
  guint           generation;
  gpointer        data;
  GDestroyNotify  data_free;
} HwSyncCtx;

HwSyncCtx *hw_sync_ctx_new     (HwHubSync      *self,
                                gpointer        data,
                                GDestroyNotify  data_free);
void       hw_sync_ctx_free    (HwSyncCtx      *ctx);
gboolean   hw_sync_ctx_current (HwSyncCtx      *ctx);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwSyncCtx, hw_sync_ctx_free)

/* hw-hub-sync.c */
void       hw_hub_sync_set_last_error   (HwHubSync        *self,
                                         const char       *message);
void       hw_hub_sync_emit_changed     (HwHubSync        *self,
                                         HwHubSyncChanges  what);
void       hw_hub_sync_handle_failure   (HwHubSync        *self,
                                         const GError     *error);
void       hw_hub_sync_set_cache_writable (HwHubSync     *self,
                                           gboolean       writable);
/* Backoff before retry number @attempt (0-based), with jitter. */
guint      hw_hub_sync_backoff_ms       (HwHubSync        *self,
                                         guint             attempt);
/* Fetches the next page after the cursor, unless one is on its way. */
void       hw_hub_sync_pull             (HwHubSync        *self);
/* Moves the cursor forward (never back) and notifies "cursor". */
void       hw_hub_sync_advance_cursor   (HwHubSync        *self,
                                         guint64           seq);
/* The last page was not full: online, and from now on follow the hub. */
void       hw_hub_sync_caught_up        (HwHubSync        *self);
/* hw-hub-sync-pull.c: subscribes to the stream, refreshes side data and
 * starts the poll that backs the stream up. */
void       hw_hub_sync_follow           (HwHubSync        *self);
/* Opens the cache in a worker thread, then connects. */
void       hw_hub_sync_open_cache       (HwHubSync        *self);
/* hw-hub-sync-side.c: a cache write failed: a full or read-only disk makes the cache read-only
 * (retried with backoff); anything else is reported as it is. */
void       hw_hub_sync_cache_write_failed (HwHubSync     *self,
                                           const char    *path,
                                           const GError  *error);
/* A sync page was committed: the cache takes writes again. */
void       hw_hub_sync_cache_write_ok     (HwHubSync     *self);
/* Errors that say the hub (or the path to it) is broken, as opposed to an
 * endpoint this hub version lacks. */
gboolean   hw_hub_sync_is_connection_error (const GError  *error);

/* hw-hub-sync-side.c: SQLite work goes to a worker thread, never the
 * caller's main context; "changed" @what is emitted when it is committed. */
typedef struct
{
  HwEventStore  *store;
  HwHubSyncPage *page;
  GPtrArray     *system_events;
  GPtrArray     *series;
  char          *stat;
  char          *by;
  guint          step_s;
  GPtrArray     *puts;          /* name, value, name, value… */
  guint          n_new;
  guint          n_faults;
} HwSyncWrite;

HwSyncWrite *hw_sync_write_new    (HwHubSync           *self);
void         hw_sync_write_free   (HwSyncWrite         *job);
void         hw_sync_write_put    (HwSyncWrite         *job,
                                   const char          *name,
                                   char                *value);
/* @callback NULL: emit "changed" @what when done. */
void         hw_sync_write_run    (HwHubSync           *self,
                                   HwSyncWrite         *job,
                                   HwHubSyncChanges     what,
                                   GAsyncReadyCallback  callback,
                                   HwSyncCtx           *ctx);
void         hw_hub_sync_write_snapshots  (HwHubSync        *self,
                                           HwHubSyncChanges  what);
/* System events, listeners, jobs and every requested metric range. */
void         hw_hub_sync_refresh_side_data (HwHubSync       *self);
void         hw_hub_sync_fetch_metrics     (HwHubSync             *self,
                                            const HwMetricRequest *request);

/* The client's timeout bounds each read, not a whole answer: a hub that
 * trickles a byte now and then would hold the sync forever. The info and
 * page requests get a deadline; missing it counts as losing the hub. */
void         hw_hub_sync_arm_deadline      (HwHubSync       *self);
void         hw_hub_sync_disarm_deadline   (HwHubSync       *self);

/* Names in the store's sync_cursors table. */
#define HW_SYNC_CURSOR_LAKE            "lake"
#define HW_SYNC_CURSOR_LAST_SYNC       "last_sync"
#define HW_SYNC_CURSOR_AS_OF           "as_of"
#define HW_SYNC_CURSOR_SYSTEM_EVENTS   "system_events.after"
#define HW_SYNC_SNAPSHOT_INFO          "snapshot.info"
#define HW_SYNC_SNAPSHOT_LISTENERS     "snapshot.listeners"
#define HW_SYNC_SNAPSHOT_JOBS          "snapshot.jobs"

/* What an earlier run left in the cache, read once on open. */
typedef struct
{
  guint64     cursor;
  gint64      last_sync_ms;
  gint64      as_of_ms;
  guint64     system_events_after;
  HwHubInfo  *info;        /* nullable */
  GPtrArray  *listeners;   /* HwHubListener*, never NULL */
  GPtrArray  *jobs;        /* HwHubJob*, never NULL */
} HwHubSyncSaved;

void            hw_hub_sync_saved_free        (HwHubSyncSaved     *saved);

HwEventStore   *hw_hub_sync_cache_open        (const char         *path,
                                               GError            **error);
HwHubSyncSaved *hw_hub_sync_cache_load        (HwEventStore       *store,
                                               GError            **error);

/* Inserts a sync page and then records its last seq as the cursor, so a
 * crash in between only means the page is fetched again (ids dedupe it).
 * @n_new and @n_faults receive how many events were new and how many of
 * those were faults. */
gboolean        hw_hub_sync_cache_insert_page (HwEventStore       *store,
                                               HwHubSyncPage      *page,
                                               guint              *n_new,
                                               guint              *n_faults,
                                               GError            **error);

/* Inserts HwHubSystemEvent*s, replacing a cached one with the same id when
 * it changed (an incident resolved); @n_new receives how many were new or
 * changed. */
gboolean        hw_hub_sync_cache_insert_system_events (HwEventStore *store,
                                                        GPtrArray    *events,
                                                        guint        *n_new,
                                                        GError      **error);

/* Stores HwHubSeries* as metric points (see hw_hub_sync_request_metrics()). */
gboolean        hw_hub_sync_cache_insert_series (HwEventStore     *store,
                                                 GPtrArray        *series,
                                                 const char       *stat,
                                                 const char       *by,
                                                 guint             step_s,
                                                 GError          **error);

gboolean        hw_hub_sync_cache_put         (HwEventStore       *store,
                                               const char         *name,
                                               const char         *value,
                                               GError            **error);
gboolean        hw_hub_sync_cache_put_int     (HwEventStore       *store,
                                               const char         *name,
                                               gint64              value,
                                               GError            **error);

/* Snapshots are kept as the hub's own JSON ({"listeners":[…]}, {"jobs":[…]}
 * and the info object), so they parse back like an answer. */
char           *hw_hub_sync_listeners_to_json (GPtrArray          *listeners);
char           *hw_hub_sync_jobs_to_json      (GPtrArray          *jobs);

G_END_DECLS
