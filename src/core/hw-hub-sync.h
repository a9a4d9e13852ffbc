/* hw-hub-sync.h: keeps one hub's offline cache filled, and says how fresh it is
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "hw-event-store.h"
#include "hw-hub-client.h"

G_BEGIN_DECLS

typedef enum
{
  HW_HUB_SYNC_STATE_OFFLINE,      /* not reached yet, or unreachable: retrying with backoff */
  HW_HUB_SYNC_STATE_SYNCING,      /* reachable, catching up */
  HW_HUB_SYNC_STATE_ONLINE,       /* caught up, following the live stream */
  HW_HUB_SYNC_STATE_AUTH_FAILED,  /* 401/403: waits for a new token (hw_hub_sync_retry_now) */
  HW_HUB_SYNC_STATE_UNTRUSTED,    /* TLS certificate refused: waits for the user to trust it */
} HwHubSyncState;

#define HW_TYPE_HUB_SYNC_STATE (hw_hub_sync_state_get_type ())
GType       hw_hub_sync_state_get_type  (void) G_GNUC_CONST;
/* "offline", "syncing", "online", "auth-failed", "untrusted" */
const char *hw_hub_sync_state_to_string (HwHubSyncState state);

/* What a "changed" signal is about, so pages refresh only what moved. */
typedef enum /*< flags >*/
{
  HW_HUB_SYNC_CHANGED_EVENTS        = 1 << 0,
  HW_HUB_SYNC_CHANGED_FAULTS        = 1 << 1,
  HW_HUB_SYNC_CHANGED_SYSTEM_EVENTS = 1 << 2,
  HW_HUB_SYNC_CHANGED_METRICS       = 1 << 3,
  HW_HUB_SYNC_CHANGED_LISTENERS     = 1 << 4,
  HW_HUB_SYNC_CHANGED_JOBS          = 1 << 5,
  HW_HUB_SYNC_CHANGED_INFO          = 1 << 6,
} HwHubSyncChanges;

#define HW_TYPE_HUB_SYNC_CHANGES (hw_hub_sync_changes_get_type ())
GType       hw_hub_sync_changes_get_type (void) G_GNUC_CONST;

#define HW_TYPE_HUB_SYNC (hw_hub_sync_get_type ())
G_DECLARE_FINAL_TYPE (HwHubSync, hw_hub_sync, HW, HUB_SYNC, GObject)

/* Properties (all read-only but "client" and "cache-path", construct-only;
 * notifications arrive on the main context the sync was created on):
 *   "state"          HwHubSyncState
 *   "last-sync"      gint64  local wall clock (epoch ms) of the last completed sync; 0 = never
 *   "as-of"          gint64  the hub's clock (epoch ms) of the data in the cache; 0 = never
 *   "offline-since"  gint64  when the hub was last lost (epoch ms); 0 while reachable
 *   "last-error"     char*   the last failure, for the user (never contains the token)
 *   "cursor"         guint64 the last lake seq committed to the cache
 *   "store"          HwEventStore* the open cache, NULL until opened (notify::store)
 *   "cache-writable" gboolean FALSE while the disk under the cache is full or
 *                    read-only: the cache still answers reads, new data stays
 *                    on the hub, and writes are retried with backoff until
 *                    one succeeds (see hw_hub_sync_get_cache_error ())
 * Signal:
 *   "changed" (HwHubSyncChanges what): the cache has new data of these kinds. */

/* @cache_path is the SQLite cache file (hw_paths_cache_file_for_hub ()). The
 * store is opened, with the default mask rules, in a worker thread after
 * hw_hub_sync_start(), so construction never touches the disk. */
HwHubSync      *hw_hub_sync_new               (HwHubClient      *client,
                                               const char       *cache_path);
/* An already open store instead (tests, or the app sharing one store);
 * takes a reference. */
HwHubSync      *hw_hub_sync_new_for_store     (HwHubClient      *client,
                                               HwEventStore     *store);

HwHubClient    *hw_hub_sync_get_client        (HwHubSync        *self);
HwEventStore   *hw_hub_sync_get_store         (HwHubSync        *self);
HwHubSyncState  hw_hub_sync_get_state         (HwHubSync        *self);
gint64          hw_hub_sync_get_last_sync     (HwHubSync        *self);
gint64          hw_hub_sync_get_as_of         (HwHubSync        *self);
gint64          hw_hub_sync_get_offline_since (HwHubSync        *self);
const char     *hw_hub_sync_get_last_error    (HwHubSync        *self);
guint64         hw_hub_sync_get_cursor        (HwHubSync        *self);
gboolean        hw_hub_sync_get_cache_writable (HwHubSync       *self);
/* Why the cache is read-only, one sentence for the user ("The cache is
 * read-only: the disk is full."); NULL while it is writable. */
const char     *hw_hub_sync_get_cache_error   (HwHubSync        *self);

/* The last info, listener and job snapshots (from the hub, or from the cache
 * when offline); NULL / empty until known. Arrays of HwHubListener* /
 * HwHubJob* owned by the sync; valid until the next "changed". */
const HwHubInfo *hw_hub_sync_get_info         (HwHubSync        *self);
GPtrArray      *hw_hub_sync_get_listeners     (HwHubSync        *self);
GPtrArray      *hw_hub_sync_get_jobs          (HwHubSync        *self);

/* Starts syncing and following the stream; idempotent. */
void            hw_hub_sync_start             (HwHubSync        *self);
/* Stops every request and timer; the cache stays. Call it before dropping
 * the last reference: in-flight requests hold one until they return. */
void            hw_hub_sync_stop              (HwHubSync        *self);
/* Retries at once, resetting the backoff (after a token change, a trusted
 * certificate, or the user pressing "Retry"). */
void            hw_hub_sync_retry_now         (HwHubSync        *self);

/* Backoff between reconnection attempts: doubles from @min_ms up to @max_ms,
 * with ±20% jitter. Defaults 1 s and 60 s. */
void            hw_hub_sync_set_backoff       (HwHubSync        *self,
                                               guint             min_ms,
                                               guint             max_ms);
/* How often listeners, jobs and metrics are polled while online (default 10 s). */
void            hw_hub_sync_set_poll_interval (HwHubSync        *self,
                                               guint             interval_ms);

/* How many events one sync page asks for (default 1000). */
void            hw_hub_sync_set_page_size     (HwHubSync        *self,
                                               guint             page_size);

/* Asks for the metric rollups of a visible range to be fetched into the
 * cache, now and on each poll while the range stays requested; emits
 * "changed" METRICS when they are stored. @key names the request (e.g. the
 * chart) so a new range for the same chart replaces the old one. @from/@to
 * are what the hub accepts ("now-1h", ISO-8601, epoch ms), @step_s, @stat
 * and @by are optional as in hw_hub_client_query_metrics_async().
 *
 * Cached points are HwMetricPoints named hw_hub_sync_metric_cache_key
 * (@name, @stat, @by), labels canonical compact JSON (sorted keys), resolution
 * @step_s (or the spacing of the points when 0), and the value in sum, min
 * and max with count 1. Gaps (NAN) are not stored. */
void            hw_hub_sync_request_metrics   (HwHubSync        *self,
                                               const char       *key,
                                               const char       *name,
                                               const char       *from,
                                               const char       *to,
                                               guint             step_s,
                                               const char       *stat,
                                               const char       *by);
void            hw_hub_sync_forget_metrics    (HwHubSync        *self,
                                               const char       *key);
/* "@name" without a stat, else "@name:@stat" (e.g. "listener.iterator_age:max"):
 * the key of a request without @by. */
char           *hw_hub_sync_metric_cache_name (const char       *name,
                                               const char       *stat);
/* The cache key of a request: hw_hub_sync_metric_cache_name() plus
 * "/by=@by" when grouped (e.g. "domain.event.count:sum/by=type"). */
char           *hw_hub_sync_metric_cache_key  (const char       *name,
                                               const char       *stat,
                                               const char       *by);

G_END_DECLS
