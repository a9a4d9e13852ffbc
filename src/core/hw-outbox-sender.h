/* hw-outbox-sender.h: sends one hub's queued replays and resubmissions once it is reachable
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "hw-hub-client.h"
#include "hw-hub-sync.h"
#include "hw-state-db.h"

G_BEGIN_DECLS

/* The sender drains the outbox of one hub, oldest command first, one at a
 * time: claim (queued → sending), POST with the command's idempotency key,
 * then record the hub's answer:
 *
 *   2xx job              → acknowledged, and the job goes into the jobs table
 *   409, or a resubmission job with nothing left to send (the faults were
 *   already resubmitted by someone else)
 *                        → conflict, with an inbox item
 *   any other 4xx        → failed, with an inbox item (the message is the hub's)
 *   unreachable, 5xx, 429, TLS refusal, an answer that is not the API's
 *                        → released back to queued; the sender stops until it
 *                          is told again that the hub is online
 *
 * Exactly once: a command is claimed in the state database before its
 * request goes out, and its outcome is committed after the answer comes
 * back. A crash (kill -9) in between leaves it in "sending"; the next
 * hw_state_db_open() with no other connection alive puts it back to
 * "queued", and the next attempt sends the same idempotency key. The hub
 * stores that key in the same transaction as the job it starts and answers a
 * repeated key with that job, starting nothing. So a retried command reaches
 * the hub any number of times but starts at most one job, and the client
 * learns that job's id either way.
 *
 * Every state-database call runs in a worker thread (GTask) on a connection
 * owned by the sender; signals and property notifications arrive on the main
 * context the sender was created on.
 *
 * Properties:
 *   "client"      HwHubClient*  construct-only
 *   "hub-id"      char*         construct-only: the hub id the commands were
 *                               queued with (defaults to the client's base URL)
 *   "state-path"  char*         construct-only: the state database file
 *   "busy"        gboolean      read-only: a drain is in progress
 *   "last-error"  char*         read-only: why the last drain stopped early, or NULL
 * Signals:
 *   "command-changed" (char *key, HwCommandState state): the sender moved a
 *                               command (acknowledged, failed, conflict, or
 *                               back to queued)
 *   "command-sent" (char *key, char *job_id): the hub acknowledged a command
 *   "inbox-changed" (): a new inbox item was added */

#define HW_TYPE_OUTBOX_SENDER (hw_outbox_sender_get_type ())
G_DECLARE_FINAL_TYPE (HwOutboxSender, hw_outbox_sender, HW, OUTBOX_SENDER, GObject)

/* @hub_id NULL uses the client's base URL. The database is opened lazily, in
 * a worker thread, on the first drain. */
HwOutboxSender *hw_outbox_sender_new            (HwHubClient     *client,
                                                 const char      *hub_id,
                                                 const char      *state_path);

HwHubClient    *hw_outbox_sender_get_client     (HwOutboxSender  *self);
const char     *hw_outbox_sender_get_hub_id     (HwOutboxSender  *self);
const char     *hw_outbox_sender_get_state_path (HwOutboxSender  *self);
gboolean        hw_outbox_sender_get_busy       (HwOutboxSender  *self);
const char     *hw_outbox_sender_get_last_error (HwOutboxSender  *self);

/* The hub is reachable: drain the queue now. Idempotent while a drain runs
 * (that drain also picks up commands queued meanwhile). "busy" is TRUE from
 * this call until the queue is empty or the hub stopped answering. */
void            hw_outbox_sender_hub_online     (HwOutboxSender  *self);

/* Follows @sync (NULL to stop): drains whenever it becomes reachable
 * (syncing or online) and feeds its job snapshots to
 * hw_outbox_sender_update_jobs(). Takes a reference. */
void            hw_outbox_sender_watch_sync     (HwOutboxSender  *self,
                                                 HwHubSync       *sync);

/* Records the progress of jobs this client started (or already knows) in the
 * jobs table; for one that reached a final state, adds the outcome to the
 * inbox (done, or failed for failed and cancelled jobs) once. @jobs holds
 * HwHubJob*; they are copied. */
void            hw_outbox_sender_update_jobs    (HwOutboxSender  *self,
                                                 GPtrArray       *jobs);

/* Cancels the request in flight (its command goes back to queued) and ends
 * the drain. A later hw_outbox_sender_hub_online() starts again. */
void            hw_outbox_sender_stop           (HwOutboxSender  *self);

G_END_DECLS
