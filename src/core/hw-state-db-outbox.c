/* hw-state-db-outbox.c: commands waiting for, or on their way to, a hub
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>

#include "hw-error.h"
#include "hw-state-db-private.h"

#define COMMAND_COLUMNS \
  "key, kind, hub_id, body, state, created_at, updated_at, attempts, last_error, job_id, requested_by"

/* What one transition writes besides the new state. */
typedef struct
{
  guint           allowed_from;   /* HW_COMMAND_STATE_BIT mask */
  HwCommandState  to;
  gboolean        set_last_error;
  const char     *last_error;
  const char     *job_id;         /* NULL keeps the current one */
  gboolean        count_attempt;
  gboolean        add_to_inbox;
  HwInboxOutcome  outcome;
} Transition;

static HwOutboxCommand *
command_from_row (sqlite3_stmt *stmt)
{
  HwOutboxCommand *command = g_new0 (HwOutboxCommand, 1);

  command->key = hw_state_db_dup_text (stmt, 0);
  /* The CHECK constraints keep both names valid. */
  hw_command_kind_from_string ((const char *) sqlite3_column_text (stmt, 1), &command->kind);
  command->hub_id = hw_state_db_dup_text (stmt, 2);
  command->body = hw_state_db_dup_text (stmt, 3);
  hw_command_state_from_string ((const char *) sqlite3_column_text (stmt, 4), &command->state);
  command->created_at_ms = sqlite3_column_int64 (stmt, 5);
  command->updated_at_ms = sqlite3_column_int64 (stmt, 6);
  command->attempts = (guint) sqlite3_column_int (stmt, 7);
  command->last_error = hw_state_db_dup_text (stmt, 8);
  command->job_id = hw_state_db_dup_text (stmt, 9);
  command->requested_by = hw_state_db_dup_text (stmt, 10);
  return command;
}

static gboolean
validate_body (const char  *body,
               GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) parse_error = NULL;
  JsonNode *root;

  if (!json_parser_load_from_data (parser, body, -1, &parse_error))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON,
                   "Command body is not valid JSON: %s", parse_error->message);
      return FALSE;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON,
                   "Command body must be a JSON object");
      return FALSE;
    }
  return TRUE;
}

char *
hw_state_db_outbox_enqueue (HwStateDb      *self,
                            HwCommandKind   kind,
                            const char     *hub_id,
                            const char     *body,
                            const char     *requested_by,
                            GError        **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *key = NULL;
  gint64 now = hw_state_db_now_ms ();

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (hub_id != NULL, NULL);
  g_return_val_if_fail (body != NULL, NULL);
  g_return_val_if_fail ((guint) kind <= HW_COMMAND_KIND_RESUBMISSION, NULL);

  if (!validate_body (body, error))
    return NULL;

  stmt = hw_state_db_prepare (self,
                              "INSERT INTO outbox (key, kind, hub_id, body, requested_by,"
                              " state, created_at, updated_at)"
                              " VALUES (?, ?, ?, ?, ?, 'queued', ?, ?)",
                              error);
  if (stmt == NULL)
    return NULL;

  key = g_uuid_string_random ();
  hw_state_db_bind_text (stmt, 1, key);
  hw_state_db_bind_text (stmt, 2, hw_command_kind_to_string (kind));
  hw_state_db_bind_text (stmt, 3, hub_id);
  hw_state_db_bind_text (stmt, 4, body);
  hw_state_db_bind_text (stmt, 5, requested_by);
  sqlite3_bind_int64 (stmt, 6, now);
  sqlite3_bind_int64 (stmt, 7, now);
  if (!hw_state_db_step_done (self, stmt, "cannot queue the command", error))
    return NULL;

  return g_steal_pointer (&key);
}

static HwOutboxCommand *
get_command (HwStateDb   *self,
             const char  *key,
             GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = hw_state_db_prepare (self, "SELECT " COMMAND_COLUMNS " FROM outbox WHERE key = ?", error);
  if (stmt == NULL)
    return NULL;
  hw_state_db_bind_text (stmt, 1, key);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_NOT_FOUND, "No command with key %s in the outbox", key);
      return NULL;
    }
  if (rc != SQLITE_ROW)
    {
      hw_state_db_fail (self, rc, "cannot read a command", error);
      return NULL;
    }
  return command_from_row (stmt);
}

HwOutboxCommand *
hw_state_db_outbox_get (HwStateDb   *self,
                        const char  *key,
                        GError     **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  return get_command (self, key, error);
}

GPtrArray *
hw_state_db_outbox_list (HwStateDb   *self,
                         const char  *hub_id,
                         guint        states_mask,
                         GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) commands = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  stmt = hw_state_db_prepare (self,
                              "SELECT " COMMAND_COLUMNS " FROM outbox"
                              " WHERE (?1 IS NULL OR hub_id = ?1) ORDER BY seq",
                              error);
  if (stmt == NULL)
    return NULL;
  hw_state_db_bind_text (stmt, 1, hub_id);

  commands = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_outbox_command_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      HwOutboxCommand *command = command_from_row (stmt);

      /* The outbox holds a few commands at most; filtering here keeps the
       * SQL free of a state list built at run time. */
      if (states_mask == 0 || (states_mask & HW_COMMAND_STATE_BIT (command->state)) != 0)
        g_ptr_array_add (commands, command);
      else
        hw_outbox_command_free (command);
    }
  if (rc != SQLITE_DONE)
    {
      hw_state_db_fail (self, rc, "cannot list the outbox", error);
      return NULL;
    }
  return g_steal_pointer (&commands);
}

/* The state check before a transition already rules out recording one
 * attempt's outcome twice; a repeat here is a new attempt after a retry, so
 * it replaces the old result and shows up unread again. */
static gboolean
add_inbox_row (HwStateDb       *self,
               const char      *command_key,
               HwInboxOutcome   outcome,
               const char      *message,
               GError         **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = hw_state_db_prepare (self,
                              "INSERT OR REPLACE INTO inbox (command_key, outcome, message, created_at)"
                              " VALUES (?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  hw_state_db_bind_text (stmt, 1, command_key);
  hw_state_db_bind_text (stmt, 2, hw_inbox_outcome_to_string (outcome));
  hw_state_db_bind_text (stmt, 3, message);
  sqlite3_bind_int64 (stmt, 4, hw_state_db_now_ms ());
  return hw_state_db_step_done (self, stmt, "cannot add to the inbox", error);
}

static gboolean
write_transition (HwStateDb         *self,
                  const char        *key,
                  const Transition  *change,
                  GError           **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = hw_state_db_prepare (self,
                              "UPDATE outbox SET state = ?1, updated_at = ?2,"
                              " last_error = CASE WHEN ?3 THEN ?4 ELSE last_error END,"
                              " job_id = COALESCE (?5, job_id),"
                              " attempts = attempts + ?6"
                              " WHERE key = ?7", error);
  if (stmt == NULL)
    return FALSE;
  hw_state_db_bind_text (stmt, 1, hw_command_state_to_string (change->to));
  sqlite3_bind_int64 (stmt, 2, hw_state_db_now_ms ());
  sqlite3_bind_int (stmt, 3, change->set_last_error);
  hw_state_db_bind_text (stmt, 4, change->last_error);
  hw_state_db_bind_text (stmt, 5, change->job_id);
  sqlite3_bind_int (stmt, 6, change->count_attempt ? 1 : 0);
  hw_state_db_bind_text (stmt, 7, key);
  if (!hw_state_db_step_done (self, stmt, "cannot update a command", error))
    return FALSE;

  if (change->add_to_inbox)
    return add_inbox_row (self, key, change->outcome, change->last_error, error);
  return TRUE;
}

static char *
describe_states (guint mask)
{
  GString *text = g_string_new (NULL);

  for (guint state = 0; state <= HW_COMMAND_STATE_CONFLICT; state++)
    if ((mask & HW_COMMAND_STATE_BIT (state)) != 0)
      g_string_append_printf (text, "%s%s", text->len > 0 ? " or " : "",
                              hw_command_state_to_string (state));
  return g_string_free (text, FALSE);
}

/* Reads the state and changes it in one write transaction, so two
 * connections racing on the same command cannot both succeed. */
static gboolean
apply_transition (HwStateDb         *self,
                  const char        *key,
                  const Transition  *change,
                  const char        *action,
                  GError           **error)
{
  g_autoptr(HwOutboxCommand) command = NULL;

  if (!hw_state_db_begin (self, error))
    return FALSE;

  command = get_command (self, key, error);
  if (command == NULL)
    goto fail;

  if ((change->allowed_from & HW_COMMAND_STATE_BIT (command->state)) == 0)
    {
      g_autofree char *allowed = describe_states (change->allowed_from);

      g_set_error (error, HW_ERROR, HW_ERROR_CONFLICT,
                   "Cannot %s command %s: it is %s, and only a command that is %s can be changed so",
                   action, key, hw_command_state_to_string (command->state), allowed);
      goto fail;
    }

  if (!write_transition (self, key, change, error))
    goto fail;
  return hw_state_db_commit (self, error);

fail:
  hw_state_db_rollback (self);
  return FALSE;
}

gboolean
hw_state_db_outbox_update_body (HwStateDb   *self,
                                const char  *key,
                                const char  *body,
                                GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(HwOutboxCommand) command = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (body != NULL, FALSE);

  if (!validate_body (body, error))
    return FALSE;

  /* The condition on state in the UPDATE itself makes the edit atomic with
   * the check; the lookup after a miss only explains why. */
  stmt = hw_state_db_prepare (self,
                              "UPDATE outbox SET body = ?, updated_at = ?"
                              " WHERE key = ? AND state = 'queued'", error);
  if (stmt == NULL)
    return FALSE;
  hw_state_db_bind_text (stmt, 1, body);
  sqlite3_bind_int64 (stmt, 2, hw_state_db_now_ms ());
  hw_state_db_bind_text (stmt, 3, key);
  if (!hw_state_db_step_done (self, stmt, "cannot edit the command", error))
    return FALSE;
  if (sqlite3_changes (self->db) == 1)
    return TRUE;

  command = get_command (self, key, error);
  if (command == NULL)
    return FALSE;
  g_set_error (error, HW_ERROR, HW_ERROR_CONFLICT,
               "Cannot edit command %s: it is %s, and only a queued command can be edited",
               key, hw_command_state_to_string (command->state));
  return FALSE;
}

gboolean
hw_state_db_outbox_cancel (HwStateDb   *self,
                           const char  *key,
                           GError     **error)
{
  const Transition change = {
    .allowed_from = HW_COMMAND_STATE_BIT (HW_COMMAND_STATE_QUEUED)
                    | HW_COMMAND_STATE_BIT (HW_COMMAND_STATE_FAILED),
    .to = HW_COMMAND_STATE_CANCELLED,
  };

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  return apply_transition (self, key, &change, "cancel", error);
}

HwOutboxCommand *
hw_state_db_outbox_claim_next (HwStateDb   *self,
                               const char  *hub_id,
                               GError     **error)
{
  const Transition change = {
    .to = HW_COMMAND_STATE_SENDING,
    .count_attempt = TRUE,
  };
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *key = NULL;
  HwOutboxCommand *command;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  if (!hw_state_db_begin (self, error))
    return NULL;

  stmt = hw_state_db_prepare (self,
                              "SELECT key FROM outbox WHERE state = 'queued'"
                              " AND (?1 IS NULL OR hub_id = ?1) ORDER BY seq LIMIT 1", error);
  if (stmt == NULL)
    goto fail;
  hw_state_db_bind_text (stmt, 1, hub_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      hw_state_db_rollback (self);
      return NULL;
    }
  if (rc != SQLITE_ROW)
    {
      hw_state_db_fail (self, rc, "cannot find a queued command", error);
      goto fail;
    }
  key = hw_state_db_dup_text (stmt, 0);

  if (!write_transition (self, key, &change, error))
    goto fail;
  command = get_command (self, key, error);
  if (command == NULL)
    goto fail;
  if (!hw_state_db_commit (self, error))
    {
      hw_outbox_command_free (command);
      return NULL;
    }
  return command;

fail:
  hw_state_db_rollback (self);
  return NULL;
}

#define IN_FLIGHT (HW_COMMAND_STATE_BIT (HW_COMMAND_STATE_SENDING) \
                   | HW_COMMAND_STATE_BIT (HW_COMMAND_STATE_SENT))

gboolean
hw_state_db_outbox_mark_sent (HwStateDb   *self,
                              const char  *key,
                              GError     **error)
{
  const Transition change = {
    .allowed_from = HW_COMMAND_STATE_BIT (HW_COMMAND_STATE_SENDING),
    .to = HW_COMMAND_STATE_SENT,
  };

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  return apply_transition (self, key, &change, "mark as sent", error);
}

gboolean
hw_state_db_outbox_release (HwStateDb   *self,
                            const char  *key,
                            const char  *reason,
                            GError     **error)
{
  const Transition change = {
    .allowed_from = IN_FLIGHT,
    .to = HW_COMMAND_STATE_QUEUED,
    .set_last_error = TRUE,
    .last_error = reason,
  };

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  return apply_transition (self, key, &change, "requeue", error);
}

gboolean
hw_state_db_outbox_mark_acknowledged (HwStateDb   *self,
                                      const char  *key,
                                      const char  *job_id,
                                      GError     **error)
{
  const Transition change = {
    .allowed_from = IN_FLIGHT,
    .to = HW_COMMAND_STATE_ACKNOWLEDGED,
    .set_last_error = TRUE,
    .last_error = NULL,
    .job_id = job_id,
  };

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (job_id != NULL, FALSE);

  return apply_transition (self, key, &change, "acknowledge", error);
}

gboolean
hw_state_db_outbox_mark_failed (HwStateDb   *self,
                                const char  *key,
                                const char  *message,
                                GError     **error)
{
  const Transition change = {
    .allowed_from = IN_FLIGHT,
    .to = HW_COMMAND_STATE_FAILED,
    .set_last_error = TRUE,
    .last_error = message,
    .add_to_inbox = TRUE,
    .outcome = HW_INBOX_OUTCOME_FAILED,
  };

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  return apply_transition (self, key, &change, "mark as failed", error);
}

gboolean
hw_state_db_outbox_mark_conflict (HwStateDb   *self,
                                  const char  *key,
                                  const char  *message,
                                  GError     **error)
{
  const Transition change = {
    .allowed_from = IN_FLIGHT,
    .to = HW_COMMAND_STATE_CONFLICT,
    .set_last_error = TRUE,
    .last_error = message,
    .add_to_inbox = TRUE,
    .outcome = HW_INBOX_OUTCOME_CONFLICT,
  };

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  return apply_transition (self, key, &change, "mark as conflicting", error);
}

gboolean
hw_state_db_outbox_retry (HwStateDb   *self,
                          const char  *key,
                          GError     **error)
{
  const Transition change = {
    .allowed_from = HW_COMMAND_STATE_BIT (HW_COMMAND_STATE_FAILED),
    .to = HW_COMMAND_STATE_QUEUED,
  };

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  return apply_transition (self, key, &change, "retry", error);
}
