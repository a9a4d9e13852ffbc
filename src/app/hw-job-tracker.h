/* hw-job-tracker.h: follows one queued command to its hub job and the job to its end
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "hw-command-queue.h"

G_BEGIN_DECLS

#define HW_TYPE_JOB_TRACKER (hw_job_tracker_get_type ())

G_DECLARE_FINAL_TYPE (HwJobTracker, hw_job_tracker, HW, JOB_TRACKER, GObject)

/* Reads the command from the state database whenever the queue changes;
 * once the hub acknowledged it, polls the job every second while the hub is
 * reachable (the sync's job snapshot otherwise), until the job ends.
 * Signal "updated" after every change. */
HwJobTracker   *hw_job_tracker_new               (HwCommandQueue *queue,
                                                  const char     *key);
const char     *hw_job_tracker_get_key           (HwJobTracker   *self);
HwCommandState  hw_job_tracker_get_command_state (HwJobTracker   *self);
/* NULL until the hub acknowledged the command. */
const HwHubJob *hw_job_tracker_get_job           (HwJobTracker   *self);
/* Why the command failed or conflicted, or the job's error; else NULL. */
const char     *hw_job_tracker_get_message       (HwJobTracker   *self);
gboolean        hw_job_tracker_is_finished       (HwJobTracker   *self);
/* "Queued: waits until the hub is reachable", "Running", "Done"… */
char           *hw_job_tracker_dup_status        (HwJobTracker   *self);
/* Acknowledged plus failed over total, 0 … 1. */
double          hw_job_tracker_get_fraction      (HwJobTracker   *self);

/* Cancels the command while it waits in the outbox, or the hub's job once
 * it runs (HW_ERROR_FORBIDDEN when the role does not allow it). */
void            hw_job_tracker_cancel_async      (HwJobTracker   *self,
                                                  GCancellable   *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer        user_data);
gboolean        hw_job_tracker_cancel_finish     (HwJobTracker   *self,
                                                  GAsyncResult   *result,
                                                  GError        **error);

/* A job's state as people read it: "Running", "Done"… */
const char     *hw_job_state_describe            (const char     *state);
gboolean        hw_job_state_is_final            (const char     *state);

G_END_DECLS
