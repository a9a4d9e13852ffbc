/* hw-command-queue-private.h: what the queue's files share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hw-command-queue.h"

G_BEGIN_DECLS

struct _HwCommandQueue
{
  GObject          parent_instance;

  HwConnection    *connection;     /* weak: the connection owns the queue */
  HwHubClient     *client;         /* the one the sender was made for */
  HwOutboxSender  *sender;
  HwHubSyncState   last_state;
  char            *hub_id;
  char            *state_path;

  /* One worker at a time uses the connection. */
  GMutex           db_lock;
  HwStateDb       *db;

  gboolean         can_operate;
  char            *permission_reason;
  gboolean         notify;
  gint64           started_ms;
  GHashTable      *notified;       /* inbox ids (gint64*) already announced */
  GHashTable      *marked_jobs;    /* job ids whose faults were marked resubmitted */
};

/* Worker threads only, with db_lock held: the queue's own connection. */
HwStateDb *hw_command_queue_ensure_db     (HwCommandQueue  *self,
                                           GError         **error);
/* (Re)creates the sender when the connection's client changed. */
void       hw_command_queue_ensure_sender (HwCommandQueue  *self);
void       hw_command_queue_emit_changed  (HwCommandQueue  *self);

G_END_DECLS
