/* hw-state-db.h: the durable state database: outbox, inbox and known jobs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One SQLite connection. The API is synchronous: callers run it in a worker
 * thread, one HwStateDb per thread (several may share a file; SQLite locks
 * serialise them). Every write is committed durably (WAL, synchronous=FULL)
 * before the call returns, so a kill -9 right after it loses nothing. */
typedef struct _HwStateDb HwStateDb;

typedef enum
{
  HW_COMMAND_KIND_REPLAY,
  HW_COMMAND_KIND_RESUBMISSION,
} HwCommandKind;

/* Lifecycle of an outbox command:
 *
 *   queued ──claim──▶ sending ──▶ sent ──▶ acknowledged (hub created the job)
 *     ▲ │               │  │        ├────▶ failed ──retry──▶ queued
 *     │ │               │  │        └────▶ conflict
 *     │ cancel          │  └─release (hub unreachable)──▶ queued
 *     │ ▼               │
 *     cancelled ◀───────┴─ (failed commands can be cancelled too)
 *
 * sending: a sender claimed it and the request may be on the wire.
 * sent: optional; the request was written, the answer is awaited. */
typedef enum
{
  HW_COMMAND_STATE_QUEUED,
  HW_COMMAND_STATE_SENDING,
  HW_COMMAND_STATE_SENT,
  HW_COMMAND_STATE_ACKNOWLEDGED,
  HW_COMMAND_STATE_FAILED,
  HW_COMMAND_STATE_CANCELLED,
  HW_COMMAND_STATE_CONFLICT,
} HwCommandState;

/* For the states_mask argument of hw_state_db_outbox_list(). */
#define HW_COMMAND_STATE_BIT(state) (1u << (state))

typedef enum
{
  HW_INBOX_OUTCOME_DONE,
  HW_INBOX_OUTCOME_FAILED,
  HW_INBOX_OUTCOME_CONFLICT,
} HwInboxOutcome;

typedef struct
{
  char           *key;           /* client-generated idempotency key (UUID) */
  HwCommandKind   kind;
  char           *hub_id;
  char           *body;          /* JSON object, compact */
  HwCommandState  state;
  gint64          created_at_ms;
  gint64          updated_at_ms;
  guint           attempts;      /* times it was claimed for sending */
  char           *last_error;    /* nullable */
  char           *job_id;        /* nullable; set once acknowledged */
  char           *requested_by;  /* nullable */
} HwOutboxCommand;

typedef struct
{
  gint64          id;
  char           *command_key;
  HwInboxOutcome  outcome;
  char           *message;       /* nullable */
  gint64          created_at_ms;
  gboolean        read;
} HwInboxItem;

typedef struct
{
  char   *hub_id;
  char   *id;
  char   *kind;                  /* "replay", "resubmission", … as the hub says */
  char   *state;                 /* the hub's job state, e.g. "running" */
  char   *progress;              /* JSON object as the hub sent it, nullable */
  char   *requested_by;          /* nullable */
  char   *command_key;           /* nullable: the outbox command behind it */
  gint64  updated_at_ms;
} HwStateJob;

const char     *hw_command_kind_to_string    (HwCommandKind   kind);
gboolean        hw_command_kind_from_string  (const char     *text,
                                              HwCommandKind  *kind);
const char     *hw_command_state_to_string   (HwCommandState  state);
gboolean        hw_command_state_from_string (const char     *text,
                                              HwCommandState *state);
const char     *hw_inbox_outcome_to_string   (HwInboxOutcome  outcome);
gboolean        hw_inbox_outcome_from_string (const char     *text,
                                              HwInboxOutcome *outcome);

void            hw_outbox_command_free       (HwOutboxCommand *command);
void            hw_inbox_item_free           (HwInboxItem     *item);
void            hw_state_job_free            (HwStateJob      *job);

/* Opens (creating if needed) and migrates the database at @path. Commands
 * a crash left in "sending" or "sent" go back to "queued". */
HwStateDb      *hw_state_db_open             (const char  *path,
                                              GError     **error);
void            hw_state_db_close            (HwStateDb   *self);
const char     *hw_state_db_get_path         (HwStateDb   *self);
int             hw_state_db_get_schema_version (HwStateDb *self);

/* Outbox. Functions taking a key fail with HW_ERROR_NOT_FOUND for an
 * unknown key and HW_ERROR_CONFLICT when the command's state does not allow
 * the change; the message names the key and the state. */

/* Queues a command; returns its new idempotency key. @body must be a JSON
 * object (HW_ERROR_INVALID_JSON otherwise). */
char           *hw_state_db_outbox_enqueue   (HwStateDb     *self,
                                              HwCommandKind  kind,
                                              const char    *hub_id,
                                              const char    *body,
                                              const char    *requested_by,
                                              GError       **error);
HwOutboxCommand *hw_state_db_outbox_get      (HwStateDb     *self,
                                              const char    *key,
                                              GError       **error);
/* Oldest first. @hub_id NULL means every hub, @states_mask 0 every state. */
GPtrArray      *hw_state_db_outbox_list      (HwStateDb     *self,
                                              const char    *hub_id,
                                              guint          states_mask,
                                              GError       **error);
/* Only while queued. */
gboolean        hw_state_db_outbox_update_body (HwStateDb   *self,
                                              const char    *key,
                                              const char    *body,
                                              GError       **error);
/* Only while queued or failed. */
gboolean        hw_state_db_outbox_cancel    (HwStateDb     *self,
                                              const char    *key,
                                              GError       **error);
/* Atomically moves the oldest queued command of @hub_id (NULL: any hub) to
 * sending, counts the attempt and returns it; NULL without error when the
 * queue is empty. Two connections never claim the same command. */
HwOutboxCommand *hw_state_db_outbox_claim_next (HwStateDb   *self,
                                              const char    *hub_id,
                                              GError       **error);
/* sending → sent. */
gboolean        hw_state_db_outbox_mark_sent (HwStateDb     *self,
                                              const char    *key,
                                              GError       **error);
/* sending or sent → queued, keeping @reason as last_error: the hub could
 * not be reached, so the command waits for the next attempt. */
gboolean        hw_state_db_outbox_release   (HwStateDb     *self,
                                              const char    *key,
                                              const char    *reason,
                                              GError       **error);
/* sending or sent → acknowledged; @job_id is the hub's job. */
gboolean        hw_state_db_outbox_mark_acknowledged (HwStateDb *self,
                                              const char    *key,
                                              const char    *job_id,
                                              GError       **error);
/* sending or sent → failed / conflict. Both are final outcomes, so the same
 * transaction also puts a result in the inbox: a crash can lose neither. */
gboolean        hw_state_db_outbox_mark_failed (HwStateDb   *self,
                                              const char    *key,
                                              const char    *message,
                                              GError       **error);
gboolean        hw_state_db_outbox_mark_conflict (HwStateDb *self,
                                              const char    *key,
                                              const char    *message,
                                              GError       **error);
/* failed → queued, for a user who fixed the cause. */
gboolean        hw_state_db_outbox_retry     (HwStateDb     *self,
                                              const char    *key,
                                              GError       **error);

/* Inbox. Adding the same (command, outcome) twice keeps the first one, so
 * a result seen again after a restart does not notify twice. Returns the
 * item id (of the existing item for a repeat), or 0 with @error set. */
gint64          hw_state_db_inbox_add        (HwStateDb      *self,
                                              const char     *command_key,
                                              HwInboxOutcome  outcome,
                                              const char     *message,
                                              gboolean       *out_is_new,
                                              GError        **error);
/* Newest first. */
GPtrArray      *hw_state_db_inbox_list       (HwStateDb      *self,
                                              gboolean        unread_only,
                                              GError        **error);
gboolean        hw_state_db_inbox_mark_read  (HwStateDb      *self,
                                              gint64          id,
                                              GError        **error);
gint64          hw_state_db_inbox_count_unread (HwStateDb    *self,
                                              GError        **error);

/* Jobs known per hub, so the Jobs page survives a restart. Upsert on
 * (hub_id, id); updated_at_ms 0 means now. */
gboolean        hw_state_db_jobs_put         (HwStateDb        *self,
                                              const HwStateJob *job,
                                              GError          **error);
HwStateJob     *hw_state_db_jobs_get         (HwStateDb        *self,
                                              const char       *hub_id,
                                              const char       *id,
                                              GError          **error);
/* Most recently updated first. */
GPtrArray      *hw_state_db_jobs_list        (HwStateDb        *self,
                                              const char       *hub_id,
                                              GError          **error);
gboolean        hw_state_db_jobs_remove      (HwStateDb        *self,
                                              const char       *hub_id,
                                              const char       *id,
                                              GError          **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwStateDb, hw_state_db_close)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwOutboxCommand, hw_outbox_command_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwInboxItem, hw_inbox_item_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwStateJob, hw_state_job_free)

G_END_DECLS
