/* hw-command-queue.h: the console's side of the durable outbox of one hub
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "hw-connection.h"
#include "hw-outbox-sender.h"
#include "hw-state-db.h"

G_BEGIN_DECLS

/* Every replay and resubmission the console asks for goes through here:
 * the command is written to the state database with a client-generated
 * idempotency key first, and an HwOutboxSender sends it whenever the hub is
 * reachable. Online and offline therefore behave the same, and a kill -9
 * between queueing and acknowledgement is safe (see hw-outbox-sender.h).
 *
 * One queue per connection, created on demand and kept on the connection,
 * so the faults page, the jobs page and the dialogs share it. State-database
 * work runs in worker threads on a connection owned by the queue.
 *
 * Properties:
 *   "can-operate"        gboolean  FALSE once the hub said the token's role
 *                                  cannot start or cancel jobs (403)
 *   "permission-reason"  char*     why not, for tooltips and row subtitles
 * Signals:
 *   "changed" ()                   outbox, inbox or jobs changed
 *   "inbox-added" (gint64 id, HwInboxOutcome outcome, char *message):
 *                                  a result arrived during this run; the queue
 *                                  also sends a GNotification for it */

#define HW_TYPE_COMMAND_QUEUE (hw_command_queue_get_type ())

G_DECLARE_FINAL_TYPE (HwCommandQueue, hw_command_queue, HW, COMMAND_QUEUE, GObject)

/* What the jobs page shows. */
typedef struct
{
  GPtrArray *outbox;   /* HwOutboxCommand*, oldest first, every state */
  GPtrArray *inbox;    /* HwInboxItem*, newest first */
  GPtrArray *jobs;     /* HwStateJob*, most recently updated first */
} HwCommandSnapshot;

void             hw_command_snapshot_free          (HwCommandSnapshot *snapshot);

/* The queue of @connection (created and started on first use). */
HwCommandQueue  *hw_command_queue_get              (HwConnection      *connection);

HwConnection    *hw_command_queue_get_connection   (HwCommandQueue    *self);
/* The hub id the commands are queued under: the connection's id, which
 * survives a change of the hub's URL and, for saved hubs, a restart. */
const char      *hw_command_queue_get_hub_id       (HwCommandQueue    *self);
gboolean         hw_command_queue_get_can_operate  (HwCommandQueue    *self);
const char      *hw_command_queue_get_permission_reason (HwCommandQueue *self);
/* Records a 403 seen by a dialog, so every action says so from now on. */
void             hw_command_queue_set_forbidden    (HwCommandQueue    *self,
                                                    const char        *reason);
/* Whether GNotifications are sent (default TRUE). */
void             hw_command_queue_set_notify       (HwCommandQueue    *self,
                                                    gboolean           notify);

/* Queues a command (the body of POST /v1/replays or /v1/resubmissions
 * without "dry_run") and kicks the sender when the hub is reachable.
 * Resolves to the command's idempotency key. */
void             hw_command_queue_enqueue_async    (HwCommandQueue    *self,
                                                    HwCommandKind      kind,
                                                    JsonObject        *body,
                                                    GCancellable      *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer           user_data);
char            *hw_command_queue_enqueue_finish   (HwCommandQueue    *self,
                                                    GAsyncResult      *result,
                                                    GError           **error);

void             hw_command_queue_snapshot_async   (HwCommandQueue    *self,
                                                    GCancellable      *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer           user_data);
HwCommandSnapshot *hw_command_queue_snapshot_finish (HwCommandQueue   *self,
                                                    GAsyncResult      *result,
                                                    GError           **error);

/* One command by key. */
void             hw_command_queue_get_command_async  (HwCommandQueue  *self,
                                                      const char      *key,
                                                      GCancellable    *cancellable,
                                                      GAsyncReadyCallback callback,
                                                      gpointer         user_data);
HwOutboxCommand *hw_command_queue_get_command_finish (HwCommandQueue  *self,
                                                      GAsyncResult    *result,
                                                      GError         **error);

typedef enum
{
  HW_COMMAND_EDIT_CANCEL,       /* queued or failed → cancelled */
  HW_COMMAND_EDIT_RETRY,        /* failed → queued */
  HW_COMMAND_EDIT_UPDATE_BODY,  /* queued only: replace the body */
  HW_COMMAND_EDIT_MARK_READ,    /* an inbox item (by id) */
} HwCommandEdit;

/* @key names the command (or, for MARK_READ, the inbox item id in
 * decimal); @body is used by UPDATE_BODY only. HW_ERROR_CONFLICT when the
 * command's state does not allow the change (it was sent meanwhile). */
void             hw_command_queue_edit_async       (HwCommandQueue    *self,
                                                    HwCommandEdit      edit,
                                                    const char        *key,
                                                    JsonObject        *body,
                                                    GCancellable      *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer           user_data);
gboolean         hw_command_queue_edit_finish      (HwCommandQueue    *self,
                                                    GAsyncResult      *result,
                                                    GError           **error);

/* Asks the sender to drain now (the hub is reachable). */
void             hw_command_queue_kick             (HwCommandQueue    *self);

/* Describes a command body for a row: "Replay to payments, 14:00–15:00". */
char            *hw_command_describe               (HwCommandKind      kind,
                                                    const char        *body_json);

/* "Your token cannot start jobs: …" from a 403 error's message. */
char            *hw_command_forbidden_reason       (const char        *hub_message);

/* json-glib 1.6 has no _with_default getters for these: NULL when @object
 * is NULL or the member is absent or of another type. */
JsonObject      *hw_json_member_object             (JsonObject        *object,
                                                    const char        *member);
JsonArray       *hw_json_member_array              (JsonObject        *object,
                                                    const char        *member);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwCommandSnapshot, hw_command_snapshot_free)

G_END_DECLS
