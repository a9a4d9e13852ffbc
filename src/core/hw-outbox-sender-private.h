/* hw-outbox-sender-private.h: the sender's state, shared by its drain and its job tracking
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hw-outbox-sender.h"

G_BEGIN_DECLS

struct _HwOutboxSender
{
  GObject       parent_instance;

  HwHubClient  *client;
  char         *hub_id;
  char         *state_path;
  HwHubSync    *sync;

  /* Used by one worker at a time: the drain and job updates may overlap. */
  GMutex        db_lock;
  HwStateDb    *db;

  /* Set for the length of one drain; hw_outbox_sender_stop() cancels it. */
  GCancellable *drain_cancellable;
  gboolean      busy;
  /* Told the hub is online while a drain ran: drain once more at its end,
   * since that drain may have looked at the queue before the news. */
  gboolean      drain_again;
  char         *last_error;
};

/* Worker threads only, with db_lock held. */
HwStateDb *hw_outbox_sender_ensure_db   (HwOutboxSender  *self,
                                         GError         **error);
/* Puts @job into the jobs table and, once it is final and @command_key is
 * set, its outcome into the inbox; *inbox_is_new becomes TRUE when that
 * added an item. Worker threads only, with db_lock held. */
gboolean   hw_outbox_sender_record_job  (HwOutboxSender  *self,
                                         const HwHubJob  *job,
                                         const char      *command_key,
                                         gboolean        *inbox_is_new,
                                         GError         **error);

/* Main context only. */
void       hw_outbox_sender_set_last_error     (HwOutboxSender *self,
                                                const char     *message);
void       hw_outbox_sender_emit_inbox_changed (HwOutboxSender *self);

G_END_DECLS
