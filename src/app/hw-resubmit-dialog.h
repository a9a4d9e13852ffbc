/* hw-resubmit-dialog.h: dry run, rate and confirmation, then progress of a resubmission
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "hw-connection.h"

G_BEGIN_DECLS

#define HW_TYPE_RESUBMIT_DIALOG (hw_resubmit_dialog_get_type ())

G_DECLARE_FINAL_TYPE (HwResubmitDialog, hw_resubmit_dialog, HW, RESUBMIT_DIALOG, AdwWindow)

typedef enum
{
  HW_RESUBMIT_STEP_DRY_RUN,
  HW_RESUBMIT_STEP_OPTIONS,
  HW_RESUBMIT_STEP_PROGRESS,
} HwResubmitStep;

/* Resubmits @fault_ids, or (NULL) the group named by @functionname,
 * @pipeline and @message: every fault of it the hub has not resubmitted yet.
 * @listed_ids are the faults whose outcome the progress step lists. The
 * dry run starts at once (from the cache, marked as an estimate, while the
 * hub is unreachable); confirming queues the command in the outbox. */
HwResubmitDialog *hw_resubmit_dialog_new          (GtkWindow          *parent,
                                                   HwConnection       *connection,
                                                   const char         *functionname,
                                                   const char         *pipeline,
                                                   const char         *message,
                                                   const char * const *fault_ids,
                                                   const char * const *listed_ids);

HwResubmitStep    hw_resubmit_dialog_get_step     (HwResubmitDialog   *self);
/* Whether the dry run (or its offline estimate) is still running. */
gboolean          hw_resubmit_dialog_get_dry_run_pending (HwResubmitDialog *self);
/* The dry run's count; -1 until known. */
gint64            hw_resubmit_dialog_get_dry_run_count (HwResubmitDialog *self);
/* Whether the next step can be taken; when not, why (or NULL). */
gboolean          hw_resubmit_dialog_can_continue (HwResubmitDialog   *self);
const char       *hw_resubmit_dialog_get_blocked_reason (HwResubmitDialog *self);
/* Takes the next step: options, then confirm (queues the command). */
void              hw_resubmit_dialog_next         (HwResubmitDialog   *self);
void              hw_resubmit_dialog_set_rate     (HwResubmitDialog   *self,
                                                   double              rate,
                                                   guint               parallel);
/* The queued command's idempotency key, NULL before confirming. */
const char       *hw_resubmit_dialog_get_command_key (HwResubmitDialog *self);
/* TRUE once the job (or the command) reached a final state. */
gboolean          hw_resubmit_dialog_is_finished  (HwResubmitDialog   *self);
const char       *hw_resubmit_dialog_get_status   (HwResubmitDialog   *self);

G_END_DECLS
