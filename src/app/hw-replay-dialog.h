/* hw-replay-dialog.h: replay a time range of lake events to one listener
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "hw-connection.h"

G_BEGIN_DECLS

#define HW_TYPE_REPLAY_DIALOG (hw_replay_dialog_get_type ())

G_DECLARE_FINAL_TYPE (HwReplayDialog, hw_replay_dialog, HW, REPLAY_DIALOG, AdwWindow)

/* Prefilled with @listener (NULL: the first one), @query (NULL or "") and
 * the range [@from_ms, @to_ms) (0: the last hour). Starting queues the
 * command in the outbox; the dialog then follows the job (sent, acknowledged,
 * failed) and can cancel it. */
HwReplayDialog *hw_replay_dialog_new            (GtkWindow          *parent,
                                                 HwConnection       *connection,
                                                 const char         *listener,
                                                 const char         *query,
                                                 gint64              from_ms,
                                                 gint64              to_ms);

/* Installs `win.replay` with a "(sxx)" parameter (query, from_ms, to_ms) on
 * @window, an HwWindow: it opens this dialog prefilled for the window's hub.
 * The Event Lake page's "Replay…" activates it. */
void            hw_replay_dialog_install_action (GtkApplicationWindow *window);

/* For tests and keyboard users. */
void            hw_replay_dialog_set_listener   (HwReplayDialog     *self,
                                                 const char         *listener);
void            hw_replay_dialog_set_range      (HwReplayDialog     *self,
                                                 const char         *from,
                                                 const char         *to);
void            hw_replay_dialog_set_query      (HwReplayDialog     *self,
                                                 const char         *query);
void            hw_replay_dialog_set_rate       (HwReplayDialog     *self,
                                                 double              rate,
                                                 guint               parallel);
char           *hw_replay_dialog_dup_listener   (HwReplayDialog     *self);
guint           hw_replay_dialog_get_n_listeners (HwReplayDialog    *self);
const char     *hw_replay_dialog_get_from_text  (HwReplayDialog     *self);
const char     *hw_replay_dialog_get_query_text (HwReplayDialog     *self);
void            hw_replay_dialog_dry_run        (HwReplayDialog     *self);
/* -1 until a dry run finished; the count by type as the dry run gave it. */
gint64          hw_replay_dialog_get_dry_run_count (HwReplayDialog  *self);
gint64          hw_replay_dialog_get_dry_run_type_count (HwReplayDialog *self,
                                                 const char         *type);
/* Why the replay cannot start (NULL when it can). */
const char     *hw_replay_dialog_get_blocked_reason (HwReplayDialog *self);
void            hw_replay_dialog_start          (HwReplayDialog     *self);
void            hw_replay_dialog_cancel         (HwReplayDialog     *self);
const char     *hw_replay_dialog_get_command_key (HwReplayDialog    *self);
gboolean        hw_replay_dialog_is_finished    (HwReplayDialog     *self);
const char     *hw_replay_dialog_get_status     (HwReplayDialog     *self);

G_END_DECLS
