/* hw-demo-hub.h: runs a local hubwatchd --simulate as a child process
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define HW_TYPE_DEMO_HUB (hw_demo_hub_get_type ())

G_DECLARE_FINAL_TYPE (HwDemoHub, hw_demo_hub, HW, DEMO_HUB, GObject)

HwDemoHub  *hw_demo_hub_new            (void);

/* hubwatchd: $HUBWATCHD, else next to the running binary (then
 * ../hub/hubwatchd, the build tree), else BINDIR. NULL when none exists. */
char       *hw_demo_hub_find_hubwatchd (void);

/* Spawns `hubwatchd --listen 127.0.0.1:0 --data-dir DIR --simulate
 * --backfill 2`, DIR under $XDG_RUNTIME_DIR (else the cache dir), and waits,
 * bounded by @timeout_s, for its ready line. Resolves to the hub's URL. */
void        hw_demo_hub_start_async    (HwDemoHub           *self,
                                        guint                timeout_s,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
char       *hw_demo_hub_start_finish   (HwDemoHub           *self,
                                        GAsyncResult        *result,
                                        GError             **error);

/* The URL once started, else NULL. */
const char *hw_demo_hub_get_url        (HwDemoHub           *self);
gboolean    hw_demo_hub_is_running     (HwDemoHub           *self);
/* Asks the hub to terminate (SIGTERM); idempotent. */
void        hw_demo_hub_stop           (HwDemoHub           *self);

G_END_DECLS
