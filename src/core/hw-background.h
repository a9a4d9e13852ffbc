/* hw-background.h: worker threads that give way to the thread drawing the UI
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* How much lower a background thread's priority is: its nice value goes up
 * by this much (capped at 19). */
#define HW_BACKGROUND_NICE 10

/* Process-wide, off by default. The console turns it on: on two cores, two
 * workers aggregating a million events leave the main loop waiting for a
 * core, and a frame late, though it has little to do. The hub and the CLI
 * leave it off: their workers are the work. */
void     hw_background_set_enabled  (gboolean enabled);
gboolean hw_background_get_enabled  (void);

/* Called by a worker thread before long work: when enabled, lowers the
 * calling thread's priority, once (a pool thread stays lowered for what it
 * runs later, which is background work too). Never lowers the thread that
 * owns the default main context. A no-op where threads have no nice value
 * of their own. */
void     hw_background_thread_enter (void);

/* g_task_run_in_thread() for the console's work off the UI thread: @func
 * runs after hw_background_thread_enter(). */
void     hw_background_run_task     (GTask           *task,
                                     GTaskThreadFunc  func);

G_END_DECLS
