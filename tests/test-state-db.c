/* test-state-db.c: the outbox rules, crash recovery, inbox, jobs and paths
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>

#include "hw-error.h"
#include "hw-paths.h"
#include "hw-state-db.h"
#include "hw-test-util.h"

#define HUB_A "http://127.0.0.1:8080"
#define HUB_B "http://127.0.0.1:9090"
#define BODY "{\"target\":\"listener-a\",\"from\":1,\"to\":2}"

typedef struct
{
  char      *dir;
  char      *path;
  HwStateDb *db;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = hw_test_mkdtemp ();
  fixture->path = g_build_filename (fixture->dir, "state.db", NULL);
  fixture->db = hw_state_db_open (fixture->path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fixture->db);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  hw_state_db_close (fixture->db);
  hw_test_rmdir (fixture->dir);
  g_free (fixture->path);
  g_free (fixture->dir);
}

static char *
enqueue (HwStateDb  *db,
         const char *hub_id)
{
  g_autoptr(GError) error = NULL;
  char *key = hw_state_db_outbox_enqueue (db, HW_COMMAND_KIND_REPLAY, hub_id, BODY, "alice", &error);

  g_assert_no_error (error);
  g_assert_nonnull (key);
  return key;
}

static HwCommandState
state_of (HwStateDb  *db,
          const char *key)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HwOutboxCommand) command = hw_state_db_outbox_get (db, key, &error);

  g_assert_no_error (error);
  return command->state;
}

static void
test_enqueue_and_get (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  g_autofree char *other = NULL;
  g_autoptr(HwOutboxCommand) command = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) hub_b = NULL;
  gint64 before = g_get_real_time () / 1000;
  GStatBuf st;

  g_assert_cmpint (g_stat (fixture->path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  key = enqueue (fixture->db, HUB_A);
  other = hw_state_db_outbox_enqueue (fixture->db, HW_COMMAND_KIND_RESUBMISSION, HUB_B,
                                      "{\"faults\":[\"f1\"]}", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_uuid_string_is_valid (key));
  g_assert_cmpstr (key, !=, other);

  command = hw_state_db_outbox_get (fixture->db, key, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (command->key, ==, key);
  g_assert_cmpint (command->kind, ==, HW_COMMAND_KIND_REPLAY);
  g_assert_cmpstr (command->hub_id, ==, HUB_A);
  g_assert_cmpstr (command->body, ==, BODY);
  g_assert_cmpint (command->state, ==, HW_COMMAND_STATE_QUEUED);
  g_assert_cmpstr (command->requested_by, ==, "alice");
  g_assert_cmpuint (command->attempts, ==, 0);
  g_assert_null (command->job_id);
  g_assert_null (command->last_error);
  g_assert_cmpint (command->created_at_ms, >=, before);
  g_assert_cmpint (command->updated_at_ms, ==, command->created_at_ms);

  all = hw_state_db_outbox_list (fixture->db, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 2);
  g_assert_cmpstr (((HwOutboxCommand *) all->pdata[0])->key, ==, key);

  hub_b = hw_state_db_outbox_list (fixture->db, HUB_B, HW_COMMAND_STATE_BIT (HW_COMMAND_STATE_QUEUED), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hub_b->len, ==, 1);
  g_assert_cmpstr (((HwOutboxCommand *) hub_b->pdata[0])->key, ==, other);
  g_assert_cmpint (((HwOutboxCommand *) hub_b->pdata[0])->kind, ==, HW_COMMAND_KIND_RESUBMISSION);
}

static void
test_bad_input (Fixture       *fixture,
                gconstpointer  data)
{
  static const char *bad_bodies[] = { "", "not json", "[1,2]", "42", "{\"a\":" };
  g_autofree char *key = enqueue (fixture->db, HUB_A);

  for (guint i = 0; i < G_N_ELEMENTS (bad_bodies); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *bad = hw_state_db_outbox_enqueue (fixture->db, HW_COMMAND_KIND_REPLAY, HUB_A,
                                                         bad_bodies[i], NULL, &error);

      g_assert_null (bad);
      g_assert_error (error, HW_ERROR, HW_ERROR_INVALID_JSON);
      g_clear_error (&error);
      g_assert_false (hw_state_db_outbox_update_body (fixture->db, key, bad_bodies[i], &error));
      g_assert_error (error, HW_ERROR, HW_ERROR_INVALID_JSON);
    }

  {
    g_autoptr(GError) error = NULL;

    g_assert_null (hw_state_db_outbox_get (fixture->db, "no-such-key", &error));
    g_assert_error (error, HW_ERROR, HW_ERROR_NOT_FOUND);
    g_clear_error (&error);
    g_assert_false (hw_state_db_outbox_cancel (fixture->db, "no-such-key", &error));
    g_assert_error (error, HW_ERROR, HW_ERROR_NOT_FOUND);
    g_clear_error (&error);
    g_assert_false (hw_state_db_outbox_update_body (fixture->db, "no-such-key", BODY, &error));
    g_assert_error (error, HW_ERROR, HW_ERROR_NOT_FOUND);
  }
}

/* Puts a fresh command into @state through the public transitions. */
static char *
command_in_state (HwStateDb      *db,
                  HwCommandState  state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HwOutboxCommand) claimed = NULL;
  char *key = enqueue (db, HUB_A);
  gboolean ok = TRUE;

  if (state == HW_COMMAND_STATE_QUEUED)
    return key;
  if (state == HW_COMMAND_STATE_CANCELLED)
    {
      ok = hw_state_db_outbox_cancel (db, key, &error);
      g_assert_no_error (error);
      g_assert_true (ok);
      return key;
    }

  claimed = hw_state_db_outbox_claim_next (db, HUB_A, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (claimed->key, ==, key);

  switch (state)
    {
    case HW_COMMAND_STATE_SENDING: break;
    case HW_COMMAND_STATE_SENT: ok = hw_state_db_outbox_mark_sent (db, key, &error); break;
    case HW_COMMAND_STATE_ACKNOWLEDGED: ok = hw_state_db_outbox_mark_acknowledged (db, key, "job-1", &error); break;
    case HW_COMMAND_STATE_FAILED: ok = hw_state_db_outbox_mark_failed (db, key, "boom", &error); break;
    case HW_COMMAND_STATE_CONFLICT: ok = hw_state_db_outbox_mark_conflict (db, key, "taken", &error); break;
    case HW_COMMAND_STATE_QUEUED:
    case HW_COMMAND_STATE_CANCELLED:
    default: g_assert_not_reached ();
    }
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_cmpint (state_of (db, key), ==, state);
  return key;
}

typedef enum { OP_EDIT, OP_CANCEL, OP_SENT, OP_RELEASE, OP_ACK, OP_FAIL, OP_CONFLICT, OP_RETRY, N_OPS } Op;

static gboolean
run_op (HwStateDb   *db,
        Op           op,
        const char  *key,
        GError     **error)
{
  switch (op)
    {
    case OP_EDIT: return hw_state_db_outbox_update_body (db, key, "{\"edited\":true}", error);
    case OP_CANCEL: return hw_state_db_outbox_cancel (db, key, error);
    case OP_SENT: return hw_state_db_outbox_mark_sent (db, key, error);
    case OP_RELEASE: return hw_state_db_outbox_release (db, key, "hub unreachable", error);
    case OP_ACK: return hw_state_db_outbox_mark_acknowledged (db, key, "job-9", error);
    case OP_FAIL: return hw_state_db_outbox_mark_failed (db, key, "failed", error);
    case OP_CONFLICT: return hw_state_db_outbox_mark_conflict (db, key, "conflict", error);
    case OP_RETRY: return hw_state_db_outbox_retry (db, key, error);
    case N_OPS:
    default: g_assert_not_reached ();
    }
}

/* Every operation from every state: the state after it, or -1 when the
 * operation must be refused with HW_ERROR_CONFLICT and change nothing. */
static void
test_transition_rules (Fixture       *fixture,
                       gconstpointer  data)
{
  enum { Q = HW_COMMAND_STATE_QUEUED, SE = HW_COMMAND_STATE_SENDING, ST = HW_COMMAND_STATE_SENT,
         A = HW_COMMAND_STATE_ACKNOWLEDGED, F = HW_COMMAND_STATE_FAILED,
         CA = HW_COMMAND_STATE_CANCELLED, CO = HW_COMMAND_STATE_CONFLICT, NO = -1 };
  static const int table[][N_OPS] = {
    /*           EDIT CANCEL SENT RELEASE ACK FAIL CONFLICT RETRY */
    [Q]  = {     Q,   CA,    NO,  NO,     NO, NO,  NO,      NO },
    [SE] = {     NO,  NO,    ST,  Q,      A,  F,   CO,      NO },
    [ST] = {     NO,  NO,    NO,  Q,      A,  F,   CO,      NO },
    [A]  = {     NO,  NO,    NO,  NO,     NO, NO,  NO,      NO },
    [F]  = {     NO,  CA,    NO,  NO,     NO, NO,  NO,      Q  },
    [CA] = {     NO,  NO,    NO,  NO,     NO, NO,  NO,      NO },
    [CO] = {     NO,  NO,    NO,  NO,     NO, NO,  NO,      NO },
  };

  for (int from = 0; from < (int) G_N_ELEMENTS (table); from++)
    for (Op op = 0; op < N_OPS; op++)
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(HwOutboxCommand) before = NULL;
        g_autoptr(HwOutboxCommand) after = NULL;
        g_autofree char *key = command_in_state (fixture->db, from);
        gboolean ok;

        g_test_message ("from %s, op %d", hw_command_state_to_string (from), op);
        before = hw_state_db_outbox_get (fixture->db, key, NULL);
        ok = run_op (fixture->db, op, key, &error);
        after = hw_state_db_outbox_get (fixture->db, key, NULL);

        if (table[from][op] == NO)
          {
            g_assert_false (ok);
            g_assert_error (error, HW_ERROR, HW_ERROR_CONFLICT);
            g_assert_nonnull (strstr (error->message, key));
            g_assert_nonnull (strstr (error->message, hw_command_state_to_string (from)));
            g_assert_cmpint (after->state, ==, before->state);
            g_assert_cmpstr (after->body, ==, before->body);
          }
        else
          {
            g_assert_no_error (error);
            g_assert_true (ok);
            g_assert_cmpint (after->state, ==, table[from][op]);
          }

        /* Leave the queue empty so the next claim takes the next command. */
        if (after->state == HW_COMMAND_STATE_QUEUED)
          g_assert_true (hw_state_db_outbox_cancel (fixture->db, key, NULL));
      }
}

static void
test_transition_details (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *key = enqueue (fixture->db, HUB_A);
  g_autoptr(HwOutboxCommand) claimed = NULL;
  g_autoptr(HwOutboxCommand) again = NULL;
  g_autoptr(HwOutboxCommand) done = NULL;
  g_autoptr(HwOutboxCommand) edited = NULL;

  g_assert_true (hw_state_db_outbox_update_body (fixture->db, key, "{\"target\":\"b\"}", &error));
  g_assert_no_error (error);
  edited = hw_state_db_outbox_get (fixture->db, key, &error);
  g_assert_cmpstr (edited->body, ==, "{\"target\":\"b\"}");

  claimed = hw_state_db_outbox_claim_next (fixture->db, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (claimed->state, ==, HW_COMMAND_STATE_SENDING);
  g_assert_cmpuint (claimed->attempts, ==, 1);

  g_assert_true (hw_state_db_outbox_release (fixture->db, key, "connection refused", &error));
  g_assert_no_error (error);
  again = hw_state_db_outbox_claim_next (fixture->db, HUB_A, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again->attempts, ==, 2);
  g_assert_cmpstr (again->last_error, ==, "connection refused");

  g_assert_true (hw_state_db_outbox_mark_acknowledged (fixture->db, key, "job-42", &error));
  g_assert_no_error (error);
  done = hw_state_db_outbox_get (fixture->db, key, &error);
  g_assert_cmpint (done->state, ==, HW_COMMAND_STATE_ACKNOWLEDGED);
  g_assert_cmpstr (done->job_id, ==, "job-42");
  g_assert_null (done->last_error);
  g_assert_cmpuint (done->attempts, ==, 2);
}

static void
test_claim_order (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *a1 = enqueue (fixture->db, HUB_A);
  g_autofree char *b1 = enqueue (fixture->db, HUB_B);
  g_autofree char *a2 = enqueue (fixture->db, HUB_A);
  const char *expected_a[] = { a1, a2 };
  HwOutboxCommand *none;

  for (guint i = 0; i < G_N_ELEMENTS (expected_a); i++)
    {
      g_autoptr(HwOutboxCommand) claimed = hw_state_db_outbox_claim_next (fixture->db, HUB_A, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (claimed->key, ==, expected_a[i]);
    }
  none = hw_state_db_outbox_claim_next (fixture->db, HUB_A, &error);
  g_assert_no_error (error);
  g_assert_null (none);

  {
    g_autoptr(HwOutboxCommand) claimed = hw_state_db_outbox_claim_next (fixture->db, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (claimed->key, ==, b1);
  }
  none = hw_state_db_outbox_claim_next (fixture->db, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (none);
}

/* Two connections (two threads in the app) never get the same command. */
static void
test_claim_is_exclusive (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HwStateDb) second = hw_state_db_open (fixture->path, &error);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint claimed = 0;

  g_assert_no_error (error);
  for (guint i = 0; i < 10; i++)
    g_free (enqueue (fixture->db, HUB_A));

  for (guint i = 0; ; i++)
    {
      HwStateDb *db = i % 2 == 0 ? fixture->db : second;
      HwOutboxCommand *command = hw_state_db_outbox_claim_next (db, NULL, &error);

      g_assert_no_error (error);
      if (command == NULL)
        break;
      g_assert_true (g_hash_table_add (seen, g_strdup (command->key)));
      claimed++;
      hw_outbox_command_free (command);
    }
  g_assert_cmpuint (claimed, ==, 10);
}

static void
test_reopen_requeues_interrupted (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *acked = command_in_state (fixture->db, HW_COMMAND_STATE_ACKNOWLEDGED);
  g_autofree char *sending = enqueue (fixture->db, HUB_A);
  g_autofree char *sent = enqueue (fixture->db, HUB_A);
  g_autofree char *queued = enqueue (fixture->db, HUB_A);
  g_autoptr(HwOutboxCommand) c1 = hw_state_db_outbox_claim_next (fixture->db, HUB_A, &error);
  g_autoptr(HwOutboxCommand) c2 = hw_state_db_outbox_claim_next (fixture->db, HUB_A, &error);
  g_autoptr(HwOutboxCommand) after = NULL;
  HwStateDb *live_peer;

  g_assert_no_error (error);
  g_assert_cmpstr (c1->key, ==, sending);
  g_assert_cmpstr (c2->key, ==, sent);
  g_assert_true (hw_state_db_outbox_mark_sent (fixture->db, sent, &error));

  /* While another connection is alive its claims are its own: a second
   * opener must not take them back. */
  live_peer = hw_state_db_open (fixture->path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (state_of (live_peer, sending), ==, HW_COMMAND_STATE_SENDING);
  g_assert_cmpint (state_of (live_peer, sent), ==, HW_COMMAND_STATE_SENT);
  hw_state_db_close (live_peer);

  /* The "crash": the connection goes away with claims outstanding. */
  g_clear_pointer (&fixture->db, hw_state_db_close);
  fixture->db = hw_state_db_open (fixture->path, &error);
  g_assert_no_error (error);

  g_assert_cmpint (state_of (fixture->db, sending), ==, HW_COMMAND_STATE_QUEUED);
  g_assert_cmpint (state_of (fixture->db, sent), ==, HW_COMMAND_STATE_QUEUED);
  g_assert_cmpint (state_of (fixture->db, queued), ==, HW_COMMAND_STATE_QUEUED);
  g_assert_cmpint (state_of (fixture->db, acked), ==, HW_COMMAND_STATE_ACKNOWLEDGED);

  after = hw_state_db_outbox_get (fixture->db, sending, &error);
  g_assert_cmpuint (after->attempts, ==, 1);
  g_assert_nonnull (after->last_error);
  /* Same key, so the hub can recognise the retry. */
  g_assert_cmpstr (after->key, ==, c1->key);
}

static void
test_inbox (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *failed = command_in_state (fixture->db, HW_COMMAND_STATE_FAILED);
  g_autofree char *conflict = command_in_state (fixture->db, HW_COMMAND_STATE_CONFLICT);
  g_autofree char *acked = command_in_state (fixture->db, HW_COMMAND_STATE_ACKNOWLEDGED);
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GPtrArray) unread = NULL;
  gboolean is_new = FALSE;
  gint64 done_id, again_id;

  /* Final outcomes of the command itself land in the inbox on their own. */
  items = hw_state_db_inbox_list (fixture->db, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (items->len, ==, 2);
  g_assert_cmpint (hw_state_db_inbox_count_unread (fixture->db, &error), ==, 2);

  /* The job's completion is seen twice (say, before and after a restart):
   * one item. */
  done_id = hw_state_db_inbox_add (fixture->db, acked, HW_INBOX_OUTCOME_DONE, "1200 events", &is_new, &error);
  g_assert_no_error (error);
  g_assert_cmpint (done_id, >, 0);
  g_assert_true (is_new);
  again_id = hw_state_db_inbox_add (fixture->db, acked, HW_INBOX_OUTCOME_DONE, "1200 events", &is_new, &error);
  g_assert_no_error (error);
  g_assert_false (is_new);
  g_assert_cmpint (again_id, ==, done_id);

  g_clear_pointer (&items, g_ptr_array_unref);
  items = hw_state_db_inbox_list (fixture->db, FALSE, &error);
  g_assert_cmpuint (items->len, ==, 3);
  /* Newest first. */
  g_assert_cmpstr (((HwInboxItem *) items->pdata[0])->command_key, ==, acked);
  g_assert_cmpint (((HwInboxItem *) items->pdata[0])->outcome, ==, HW_INBOX_OUTCOME_DONE);
  g_assert_cmpstr (((HwInboxItem *) items->pdata[1])->command_key, ==, conflict);
  g_assert_cmpint (((HwInboxItem *) items->pdata[1])->outcome, ==, HW_INBOX_OUTCOME_CONFLICT);
  g_assert_cmpstr (((HwInboxItem *) items->pdata[1])->message, ==, "taken");
  g_assert_cmpstr (((HwInboxItem *) items->pdata[2])->command_key, ==, failed);
  g_assert_cmpint (((HwInboxItem *) items->pdata[2])->outcome, ==, HW_INBOX_OUTCOME_FAILED);
  g_assert_cmpstr (((HwInboxItem *) items->pdata[2])->message, ==, "boom");

  g_assert_true (hw_state_db_inbox_mark_read (fixture->db, done_id, &error));
  g_assert_no_error (error);
  g_assert_false (hw_state_db_inbox_mark_read (fixture->db, 999999, &error));
  g_assert_error (error, HW_ERROR, HW_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpint (hw_state_db_inbox_count_unread (fixture->db, &error), ==, 2);
  unread = hw_state_db_inbox_list (fixture->db, TRUE, &error);
  g_assert_cmpuint (unread->len, ==, 2);

  /* A retried command that fails again notifies again. */
  g_assert_true (hw_state_db_outbox_retry (fixture->db, failed, &error));
  g_autoptr(HwOutboxCommand) claimed = hw_state_db_outbox_claim_next (fixture->db, NULL, &error);
  g_assert_cmpstr (claimed->key, ==, failed);
  g_assert_true (hw_state_db_inbox_mark_read (fixture->db, ((HwInboxItem *) items->pdata[2])->id, &error));
  g_assert_true (hw_state_db_outbox_mark_failed (fixture->db, failed, "boom again", &error));
  g_assert_no_error (error);
  g_clear_pointer (&unread, g_ptr_array_unref);
  unread = hw_state_db_inbox_list (fixture->db, TRUE, &error);
  g_assert_cmpuint (unread->len, ==, 2);
  g_assert_cmpstr (((HwInboxItem *) unread->pdata[0])->message, ==, "boom again");
}

static void
test_jobs (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(GPtrArray) other_hub = NULL;
  g_autoptr(HwStateJob) got = NULL;
  HwStateJob job1 = { (char *) HUB_A, (char *) "j1", (char *) "replay", (char *) "running",
                      (char *) "{\"sent\":10}", (char *) "alice", (char *) "key-1", 1000 };
  HwStateJob job2 = { (char *) HUB_A, (char *) "j2", (char *) "resubmission", (char *) "queued",
                      NULL, NULL, NULL, 2000 };
  HwStateJob job3 = { (char *) HUB_B, (char *) "j1", (char *) "replay", (char *) "done",
                      NULL, NULL, NULL, 3000 };
  HwStateJob job1_later = { (char *) HUB_A, (char *) "j1", (char *) "replay", (char *) "done",
                            (char *) "{\"sent\":50}", NULL, NULL, 4000 };

  g_assert_true (hw_state_db_jobs_put (fixture->db, &job1, &error));
  g_assert_true (hw_state_db_jobs_put (fixture->db, &job2, &error));
  g_assert_true (hw_state_db_jobs_put (fixture->db, &job3, &error));
  g_assert_true (hw_state_db_jobs_put (fixture->db, &job1_later, &error));
  g_assert_no_error (error);

  /* Survives a restart. */
  g_clear_pointer (&fixture->db, hw_state_db_close);
  fixture->db = hw_state_db_open (fixture->path, &error);
  g_assert_no_error (error);

  jobs = hw_state_db_jobs_list (fixture->db, HUB_A, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (jobs->len, ==, 2);
  got = hw_state_db_jobs_get (fixture->db, HUB_A, "j1", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (((HwStateJob *) jobs->pdata[0])->id, ==, "j1");  /* newest update first */
  g_assert_cmpstr (got->state, ==, "done");
  g_assert_cmpstr (got->progress, ==, "{\"sent\":50}");
  /* An update without requester or command keeps what was known. */
  g_assert_cmpstr (got->requested_by, ==, "alice");
  g_assert_cmpstr (got->command_key, ==, "key-1");
  g_assert_cmpint (got->updated_at_ms, ==, 4000);

  other_hub = hw_state_db_jobs_list (fixture->db, HUB_B, &error);
  g_assert_cmpuint (other_hub->len, ==, 1);
  g_assert_cmpstr (((HwStateJob *) other_hub->pdata[0])->state, ==, "done");

  g_assert_true (hw_state_db_jobs_remove (fixture->db, HUB_A, "j2", &error));
  g_assert_no_error (error);
  g_assert_null (hw_state_db_jobs_get (fixture->db, HUB_A, "j2", &error));
  g_assert_error (error, HW_ERROR, HW_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (hw_state_db_jobs_remove (fixture->db, HUB_A, "j2", &error));
  g_assert_error (error, HW_ERROR, HW_ERROR_NOT_FOUND);
}

static void
run_sql (const char *path,
         const char *sql)
{
  sqlite3 *db = NULL;
  char *message = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  sqlite3_close (db);
}

/* A file written by the first release (schema 1: no jobs table) opens,
 * gains the jobs table and keeps its commands. */
static void
test_migration_from_v1 (void)
{
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "state.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(HwStateDb) db = NULL;
  g_autoptr(GPtrArray) commands = NULL;
  HwStateJob job = { (char *) HUB_A, (char *) "j1", (char *) "replay", (char *) "running", NULL, NULL, NULL, 0 };

  run_sql (path,
           "CREATE TABLE outbox (seq INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE,"
           " kind TEXT NOT NULL CHECK (kind IN ('replay', 'resubmission')), hub_id TEXT NOT NULL,"
           " body TEXT NOT NULL, state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent',"
           " 'acknowledged', 'failed', 'cancelled', 'conflict')), created_at INTEGER NOT NULL,"
           " updated_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT,"
           " job_id TEXT, requested_by TEXT);"
           "CREATE INDEX outbox_by_state ON outbox (state, hub_id, seq);"
           "CREATE TABLE inbox (id INTEGER PRIMARY KEY, command_key TEXT NOT NULL,"
           " outcome TEXT NOT NULL CHECK (outcome IN ('done', 'failed', 'conflict')), message TEXT,"
           " created_at INTEGER NOT NULL, read INTEGER NOT NULL DEFAULT 0, UNIQUE (command_key, outcome));"
           "INSERT INTO outbox (key, kind, hub_id, body, state, created_at, updated_at)"
           " VALUES ('old-key', 'replay', '" HUB_A "', '{}', 'sending', 1, 1);"
           "PRAGMA user_version = 1;");

  db = hw_state_db_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (hw_state_db_get_schema_version (db), ==, 2);
  commands = hw_state_db_outbox_list (db, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (commands->len, ==, 1);
  g_assert_cmpstr (((HwOutboxCommand *) commands->pdata[0])->key, ==, "old-key");
  g_assert_cmpint (((HwOutboxCommand *) commands->pdata[0])->state, ==, HW_COMMAND_STATE_QUEUED);
  g_assert_true (hw_state_db_jobs_put (db, &job, &error));
  g_assert_no_error (error);

  g_clear_pointer (&db, hw_state_db_close);
  hw_test_rmdir (dir);
}

static void
test_refuses_newer_and_garbage (void)
{
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *newer = g_build_filename (dir, "newer.db", NULL);
  g_autofree char *garbage = g_build_filename (dir, "garbage.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  HwStateDb *db;

  run_sql (newer, "CREATE TABLE future (x); PRAGMA user_version = 99;");
  db = hw_state_db_open (newer, &error);
  g_assert_null (db);
  g_assert_error (error, HW_ERROR, HW_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "99"));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (garbage, "this is not a database, just text padding it out "
                                      "well past the header size of an SQLite file....", -1, NULL));
  db = hw_state_db_open (garbage, &error);
  g_assert_null (db);
  g_assert_error (error, HW_ERROR, HW_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, garbage));
  /* Queued commands may be in there: never deleted or moved. */
  g_assert_true (g_file_get_contents (garbage, &contents, NULL, NULL));
  g_assert_true (g_str_has_prefix (contents, "this is not a database"));

  hw_test_rmdir (dir);
}

static void
test_enum_names (void)
{
  for (HwCommandState state = HW_COMMAND_STATE_QUEUED; state <= HW_COMMAND_STATE_CONFLICT; state++)
    {
      HwCommandState back;

      g_assert_true (hw_command_state_from_string (hw_command_state_to_string (state), &back));
      g_assert_cmpint (back, ==, state);
    }
  {
    HwCommandKind kind;
    HwInboxOutcome outcome;

    g_assert_true (hw_command_kind_from_string ("resubmission", &kind));
    g_assert_cmpint (kind, ==, HW_COMMAND_KIND_RESUBMISSION);
    g_assert_false (hw_command_kind_from_string ("publish", &kind));
    g_assert_false (hw_command_kind_from_string (NULL, &kind));
    g_assert_true (hw_inbox_outcome_from_string ("conflict", &outcome));
    g_assert_cmpint (outcome, ==, HW_INBOX_OUTCOME_CONFLICT);
  }
}

static void
test_paths (void)
{
  g_autofree char *cache_dir = hw_paths_cache_dir ();
  g_autofree char *state = hw_paths_state_file ();
  g_autofree char *state_dir = g_path_get_dirname (state);
  static const char *ids[] = {
    "http://127.0.0.1:8080/a/b", "http://127.0.0.1:8080/a_b", "..", "", "../../etc/passwd",
    "prod", "PROD", "hub with spaces and ünïcode",
  };
  g_autoptr(GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GStatBuf st;

  g_assert_true (g_str_has_prefix (cache_dir, g_get_user_cache_dir ()));
  g_assert_true (g_str_has_suffix (cache_dir, "/hubwatch"));
  g_assert_cmpint (g_stat (cache_dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);

  g_assert_true (g_str_has_prefix (state, g_get_user_data_dir ()));
  g_assert_true (g_str_has_suffix (state, "/hubwatch/state.db"));
  g_assert_cmpint (g_stat (state_dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autofree char *file = hw_paths_cache_file_for_hub (ids[i]);
      g_autofree char *dir = g_path_get_dirname (file);
      g_autofree char *base = g_path_get_basename (file);

      g_test_message ("%s → %s", ids[i], base);
      g_assert_cmpstr (dir, ==, cache_dir);
      g_assert_true (g_str_has_suffix (base, ".db"));
      g_assert_false (base[0] == '.');
      g_assert_null (strchr (base, '/'));
      g_assert_true (g_str_is_ascii (base));
      g_assert_cmpuint (strlen (base), <, 100);
      /* The same id always maps to the same file… */
      {
        g_autofree char *again = hw_paths_cache_file_for_hub (ids[i]);
        g_assert_cmpstr (again, ==, file);
      }
      /* …and no two ids share one. */
      g_assert_true (g_hash_table_add (names, g_steal_pointer (&base)));
    }
}

int
main (int   argc,
      char *argv[])
{
  /* Isolated XDG dirs: the paths test must not touch the real home. */
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/state-db/outbox/enqueue-and-get", test_enqueue_and_get);
  ADD ("/state-db/outbox/bad-input", test_bad_input);
  ADD ("/state-db/outbox/transition-rules", test_transition_rules);
  ADD ("/state-db/outbox/transition-details", test_transition_details);
  ADD ("/state-db/outbox/claim-order", test_claim_order);
  ADD ("/state-db/outbox/claim-is-exclusive", test_claim_is_exclusive);
  ADD ("/state-db/outbox/reopen-requeues-interrupted", test_reopen_requeues_interrupted);
  ADD ("/state-db/inbox", test_inbox);
  ADD ("/state-db/jobs", test_jobs);
#undef ADD
  g_test_add_func ("/state-db/migration-from-v1", test_migration_from_v1);
  g_test_add_func ("/state-db/refuses-newer-and-garbage", test_refuses_newer_and_garbage);
  g_test_add_func ("/state-db/enum-names", test_enum_names);
  g_test_add_func ("/paths/locations-and-names", test_paths);

  return g_test_run ();
}
