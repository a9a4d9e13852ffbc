/* hw-connection.h: one hub the console watches: its settings, client and sync
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "hw-hub-client.h"
#include "hw-hub-sync.h"

G_BEGIN_DECLS

#define HW_TYPE_CONNECTION (hw_connection_get_type ())

G_DECLARE_FINAL_TYPE (HwConnection, hw_connection, HW, CONNECTION, GObject)

/* Properties: "id", "name", "url", "persistent" (kept in GSettings, or for
 * this run only), and, mirrored from the sync, "state", "as-of",
 * "offline-since", "last-sync", "last-error"; "status-text" is the state
 * as the sidebar shows it. Signal "changed" (HwHubSyncChanges) re-emits the
 * sync's, so pages need not follow a sync replaced by a URL change. */
HwConnection   *hw_connection_new               (const char   *id,
                                                 const char   *name,
                                                 const char   *url,
                                                 gboolean      persistent);
/* A fresh id for a new hub. */
char           *hw_connection_generate_id       (void);

const char     *hw_connection_get_id            (HwConnection *self);
const char     *hw_connection_get_name          (HwConnection *self);
void            hw_connection_set_name          (HwConnection *self,
                                                 const char   *name);
const char     *hw_connection_get_url           (HwConnection *self);
/* Restarts the sync against the new URL. */
void            hw_connection_set_url           (HwConnection *self,
                                                 const char   *url);
gboolean        hw_connection_get_persistent    (HwConnection *self);
/* Memory only; retries at once. NULL or "" clears it. */
void            hw_connection_set_token         (HwConnection *self,
                                                 const char   *token);
gboolean        hw_connection_has_token         (HwConnection *self);

/* Creates the client and sync (cache under hw_paths_cache_file_for_hub)
 * and starts syncing; idempotent. */
void            hw_connection_start             (HwConnection *self);
void            hw_connection_stop              (HwConnection *self);
void            hw_connection_retry             (HwConnection *self);

/* NULL before start, or when the URL is not a hub URL (see last-error). */
HwHubClient    *hw_connection_get_client        (HwConnection *self);
HwHubSync      *hw_connection_get_sync          (HwConnection *self);
/* The hub's offline cache, NULL until the sync has opened it. */
HwEventStore   *hw_connection_get_store         (HwConnection *self);

HwHubSyncState  hw_connection_get_state         (HwConnection *self);
gint64          hw_connection_get_as_of         (HwConnection *self);
gint64          hw_connection_get_offline_since (HwConnection *self);
gint64          hw_connection_get_last_sync     (HwConnection *self);
const char     *hw_connection_get_last_error    (HwConnection *self);
/* "Online", "Syncing…", "Offline since 14:02", "Authentication failed"… */
char           *hw_connection_dup_status_text   (HwConnection *self);
/* Whether pages show cached data under the Offline banner. */
gboolean        hw_connection_is_offline        (HwConnection *self);

/* Local time for the UI: "14:02:07" today, "3 May 14:02" otherwise. */
char           *hw_format_clock_time            (gint64        epoch_ms);

G_END_DECLS
