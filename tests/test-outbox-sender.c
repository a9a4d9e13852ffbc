/* test-outbox-sender.c: queued commands reach the real hub once, whatever happens in between
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The real hubwatchd replays to a real HTTP listener served by this process.
 * For the crash case the test binary re-runs itself as a child that claims a
 * command and POSTs it, then is killed with SIGKILL before it records the
 * answer.
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "hw-error.h"
#include "hw-outbox-sender.h"
#include "hw-state-db.h"
#include "hw-test-hub.h"
#include "hw-test-listener.h"
#include "hw-test-util.h"

#define CHILD_FLAG "--outbox-sender-child"
#define HUB_ID     "test-hub"
#define WAIT_MS    30000
#define T0         1790000000000   /* 2026-09-21 */
#define N_EVENTS   10

static const char *self_path;

/* ---- hub fixtures ------------------------------------------------------ */

static gboolean
tick (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static void
post_ok (HwTestHub  *hub,
         const char *path,
         const char *body,
         guint       expected)
{
  g_autoptr(JsonNode) answer = NULL;
  guint status = hw_test_hub_json (hub, "POST", path, NULL, body, &answer);

  if (status != expected)
    {
      g_autofree char *text = json_to_string (answer, FALSE);

      g_test_message ("POST %s answered %u: %s", path, status, text);
    }
  g_assert_cmpuint (status, ==, expected);
}

static void
add_listener (HwTestHub      *hub,
              const char     *name,
              HwTestListener *listener)
{
  /* "none": normal delivery stays silent, so all it gets is replayed. */
  g_autofree char *def = g_strdup_printf ("{\"name\":\"%s\",\"url\":\"%s\",\"types\":[\"none\"],\"batch_size\":4}",
                                          name, listener->url);

  post_ok (hub, "/v1/listeners", def, 201);
}

static void
publish_range (HwTestHub *hub)
{
  g_autoptr(GString) body = g_string_new ("[");

  for (guint i = 0; i < N_EVENTS; i++)
    g_string_append_printf (body, "%s{\"id\":\"ev%03u\",\"type\":\"replay-thing\",\"timestamp\":%" G_GINT64_FORMAT "}",
                            i > 0 ? "," : "", i, T0 + i * 1000);
  g_string_append (body, "]");
  post_ok (hub, "/v1/events", body->str, 200);
}

static char *
replay_body (void)
{
  return g_strdup_printf ("{\"listener\":\"target\",\"from\":%" G_GINT64_FORMAT ",\"to\":%" G_GINT64_FORMAT
                          ",\"parallel\":1,\"batch_size\":4}", T0, T0 + N_EVENTS * 1000);
}

typedef struct
{
  HwTestHub  *hub;
  const char *job_id;
} JobWait;

static gboolean
job_done (gpointer user_data)
{
  JobWait *wait = user_data;
  g_autofree char *path = g_strdup_printf ("/v1/jobs/%s", wait->job_id);
  g_autoptr(JsonNode) job = hw_test_hub_get_json (wait->hub, path, 200);

  return g_strcmp0 (json_object_get_string_member (json_node_get_object (job), "state"), "done") == 0;
}

static void
wait_job_done (HwTestHub  *hub,
               const char *job_id)
{
  JobWait wait = { hub, job_id };
  guint tick_id = g_timeout_add (50, tick, NULL);

  g_assert_true (hw_test_wait_until (job_done, &wait, WAIT_MS));
  g_source_remove (tick_id);
}

static guint
count_hub_jobs (HwTestHub *hub)
{
  g_autoptr(JsonNode) jobs = hw_test_hub_get_json (hub, "/v1/jobs", 200);

  return json_array_get_length (json_object_get_array_member (json_node_get_object (jobs), "jobs"));
}

static HwHubJob *
fetch_job (HwTestHub  *hub,
           const char *job_id)
{
  g_autofree char *path = g_strdup_printf ("/v1/jobs/%s", job_id);
  g_autoptr(JsonNode) node = hw_test_hub_get_json (hub, path, 200);
  g_autoptr(GError) error = NULL;
  HwHubJob *job = hw_hub_job_from_json (json_node_get_object (node), &error);

  g_assert_no_error (error);
  return job;
}

/* Every event of the range acknowledged by the listener exactly once. */
static void
assert_range_received_once (HwTestListener *listener)
{
  g_autoptr(GPtrArray) ids = hw_test_listener_acked_ids (listener);

  g_assert_cmpuint (ids->len, ==, N_EVENTS);
  for (guint i = 0; i < N_EVENTS; i++)
    {
      g_autofree char *expected = g_strdup_printf ("ev%03u", i);

      g_assert_cmpstr (g_ptr_array_index (ids, i), ==, expected);
    }
}

/* ---- state db and sender ----------------------------------------------- */

static char *
enqueue (const char    *state_path,
         HwCommandKind  kind,
         const char    *body)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HwStateDb) db = hw_state_db_open (state_path, &error);
  char *key;

  g_assert_no_error (error);
  key = hw_state_db_outbox_enqueue (db, kind, HUB_ID, body, "tester", &error);
  g_assert_no_error (error);
  return key;
}

static HwOutboxCommand *
get_command (const char *state_path,
             const char *key)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HwStateDb) db = hw_state_db_open (state_path, &error);
  HwOutboxCommand *command;

  g_assert_no_error (error);
  command = hw_state_db_outbox_get (db, key, &error);
  g_assert_no_error (error);
  return command;
}

static GPtrArray *
list_inbox (const char *state_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HwStateDb) db = hw_state_db_open (state_path, &error);
  GPtrArray *items;

  g_assert_no_error (error);
  items = hw_state_db_inbox_list (db, FALSE, &error);
  g_assert_no_error (error);
  return items;
}

typedef struct
{
  guint sent;
  guint inbox;
  guint changed;
  char *last_job_id;
} Counts;

static void
on_command_sent (HwOutboxSender *sender,
                 const char     *key,
                 const char     *job_id,
                 Counts         *counts)
{
  counts->sent++;
  g_free (counts->last_job_id);
  counts->last_job_id = g_strdup (job_id);
}

static void
on_inbox_changed (HwOutboxSender *sender,
                  Counts         *counts)
{
  counts->inbox++;
}

static void
on_command_changed (HwOutboxSender *sender,
                    const char     *key,
                    guint           state,
                    Counts         *counts)
{
  counts->changed++;
}

static HwOutboxSender *
new_sender (const char *base_url,
            const char *token,
            const char *state_path,
            Counts     *counts)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HwHubClient) client = hw_hub_client_new (base_url, &error);
  HwOutboxSender *sender;

  g_assert_no_error (error);
  hw_hub_client_set_token (client, token);
  hw_hub_client_set_timeout (client, 10);
  sender = hw_outbox_sender_new (client, HUB_ID, state_path);
  g_signal_connect (sender, "command-sent", G_CALLBACK (on_command_sent), counts);
  g_signal_connect (sender, "inbox-changed", G_CALLBACK (on_inbox_changed), counts);
  g_signal_connect (sender, "command-changed", G_CALLBACK (on_command_changed), counts);
  return sender;
}

static gboolean
sender_idle (gpointer user_data)
{
  return !hw_outbox_sender_get_busy (user_data);
}

static void
drain (HwOutboxSender *sender)
{
  hw_outbox_sender_hub_online (sender);
  g_assert_true (hw_outbox_sender_get_busy (sender));
  g_assert_true (hw_test_wait_until (sender_idle, sender, WAIT_MS));
}

static void
counts_clear (Counts *counts)
{
  g_clear_pointer (&counts->last_job_id, g_free);
}

/* ---- offline, then online ----------------------------------------------- */

static gboolean
inbox_grew (gpointer user_data)
{
  return ((Counts *) user_data)->inbox > 0;
}

/* A replay queued while the hub is down stays queued; once the hub is back
 * it is sent once, acknowledged with a job, and the range arrives once. */
static void
test_offline_then_online (void)
{
  g_autoptr(HwTestListener) listener = hw_test_listener_new ();
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *state_path = g_build_filename (dir, "state.db", NULL);
  g_autofree char *body = replay_body ();
  g_autofree char *down_url = NULL;
  g_autofree char *key = NULL;
  g_autoptr(HwOutboxCommand) command = NULL;
  g_autoptr(HwHubJob) job = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(GPtrArray) inbox = NULL;
  g_autoptr(GError) error = NULL;
  HwTestHub *hub = hw_test_hub_newv (NULL, NULL);
  HwOutboxSender *sender;
  Counts counts = { 0 };

  add_listener (hub, "target", listener);
  publish_range (hub);
  down_url = g_strdup (hub->base_url);
  hw_test_hub_kill (hub);

  key = enqueue (state_path, HW_COMMAND_KIND_REPLAY, body);
  sender = new_sender (down_url, NULL, state_path, &counts);
  drain (sender);
  g_assert_nonnull (hw_outbox_sender_get_last_error (sender));
  g_assert_cmpuint (counts.sent, ==, 0);
  g_assert_cmpuint (counts.changed, ==, 1);
  g_object_unref (sender);

  command = get_command (state_path, key);
  g_assert_cmpint (command->state, ==, HW_COMMAND_STATE_QUEUED);
  g_assert_cmpuint (command->attempts, ==, 1);
  g_assert_nonnull (command->last_error);
  g_clear_pointer (&command, hw_outbox_command_free);

  /* Back up (on a new port): the next online signal sends it. */
  hw_test_hub_restart (hub);
  sender = new_sender (hub->base_url, NULL, state_path, &counts);
  drain (sender);
  g_assert_null (hw_outbox_sender_get_last_error (sender));
  g_assert_cmpuint (counts.sent, ==, 1);

  command = get_command (state_path, key);
  g_assert_cmpint (command->state, ==, HW_COMMAND_STATE_ACKNOWLEDGED);
  g_assert_cmpuint (command->attempts, ==, 2);
  g_assert_cmpstr (command->job_id, ==, counts.last_job_id);
  wait_job_done (hub, command->job_id);
  assert_range_received_once (listener);

  /* Nothing left to send: another online signal sends nothing. */
  drain (sender);
  g_assert_cmpuint (counts.sent, ==, 1);
  g_assert_cmpuint (count_hub_jobs (hub), ==, 1);

  /* The job is in the jobs table, and its end reaches the inbox once. */
  {
    g_autoptr(HwStateDb) db = hw_state_db_open (state_path, &error);

    g_assert_no_error (error);
    jobs = hw_state_db_jobs_list (db, HUB_ID, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (jobs->len, ==, 1);
    g_assert_cmpstr (((HwStateJob *) g_ptr_array_index (jobs, 0))->id, ==, command->job_id);
    g_assert_cmpstr (((HwStateJob *) g_ptr_array_index (jobs, 0))->command_key, ==, key);
  }
  job = fetch_job (hub, command->job_id);
  {
    g_autoptr(GPtrArray) update = g_ptr_array_new ();

    g_ptr_array_add (update, job);
    counts.inbox = 0;
    hw_outbox_sender_update_jobs (sender, update);
    g_assert_true (hw_test_wait_until (inbox_grew, &counts, WAIT_MS));
  }
  inbox = list_inbox (state_path);
  g_assert_cmpuint (inbox->len, ==, 1);
  g_assert_cmpstr (((HwInboxItem *) g_ptr_array_index (inbox, 0))->command_key, ==, key);
  g_assert_cmpint (((HwInboxItem *) g_ptr_array_index (inbox, 0))->outcome, ==, HW_INBOX_OUTCOME_DONE);

  g_object_unref (sender);
  counts_clear (&counts);
  hw_test_hub_free (hub);
  hw_test_rmdir (dir);
}

/* ---- following a sync ----------------------------------------------------- */

typedef struct
{
  HwHubSync  *sync;
  const char *state_path;
  const char *key;
  Counts     *counts;
} SyncWait;

static gboolean
sync_failed_once (gpointer user_data)
{
  SyncWait *wait = user_data;

  return hw_hub_sync_get_state (wait->sync) == HW_HUB_SYNC_STATE_OFFLINE
         && hw_hub_sync_get_last_error (wait->sync) != NULL;
}

static gboolean
done_in_inbox (gpointer user_data)
{
  SyncWait *wait = user_data;
  g_autoptr(GPtrArray) inbox = list_inbox (wait->state_path);

  for (guint i = 0; i < inbox->len; i++)
    {
      HwInboxItem *item = g_ptr_array_index (inbox, i);

      if (g_strcmp0 (item->command_key, wait->key) == 0 && item->outcome == HW_INBOX_OUTCOME_DONE)
        return TRUE;
    }
  return FALSE;
}

/* Both ends of the command's trip: the sender's "command-sent" comes on
 * the main loop once the acknowledgement is recorded, which can be after
 * the sync has already brought the job's end into the inbox. */
static gboolean
sent_and_done_in_inbox (gpointer user_data)
{
  SyncWait *wait = user_data;

  return wait->counts->sent > 0 && done_in_inbox (wait);
}

/* The console's wiring: the sender follows the hub's sync. Nothing is sent
 * while the hub is down; when the sync reconnects the command goes out once,
 * and the job's end, seen by the sync, lands in the inbox. */
static void
test_follows_sync (void)
{
  g_autoptr(HwTestListener) listener = hw_test_listener_new ();
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *state_path = g_build_filename (dir, "state.db", NULL);
  g_autofree char *cache_path = g_build_filename (dir, "cache.db", NULL);
  g_autofree char *body = replay_body ();
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", hw_test_free_port ());
  g_autofree char *url = g_strdup_printf ("http://%s", listen);
  g_autofree char *key = NULL;
  g_autoptr(HwOutboxCommand) command = NULL;
  g_autoptr(HwHubClient) client = NULL;
  g_autoptr(HwHubSync) sync = NULL;
  g_autoptr(HwOutboxSender) sender = NULL;
  g_autoptr(GError) error = NULL;
  const char *args[] = { "--listen", listen, NULL };   /* the last --listen wins: a fixed port */
  HwTestHub *hub = hw_test_hub_newv (NULL, args);
  Counts counts = { 0 };
  SyncWait wait = { NULL, state_path, NULL, &counts };

  g_assert_cmpstr (hub->base_url, ==, url);
  add_listener (hub, "target", listener);
  publish_range (hub);
  hw_test_hub_kill (hub);

  key = enqueue (state_path, HW_COMMAND_KIND_REPLAY, body);
  wait.key = key;
  client = hw_hub_client_new (url, &error);
  g_assert_no_error (error);
  hw_hub_client_set_timeout (client, 5);
  sync = hw_hub_sync_new (client, cache_path);
  wait.sync = sync;
  hw_hub_sync_set_backoff (sync, 50, 400);
  hw_hub_sync_set_poll_interval (sync, 300);
  sender = hw_outbox_sender_new (client, HUB_ID, state_path);
  g_signal_connect (sender, "command-sent", G_CALLBACK (on_command_sent), &counts);
  hw_outbox_sender_watch_sync (sender, sync);
  hw_hub_sync_start (sync);

  g_assert_true (hw_test_wait_until (sync_failed_once, &wait, WAIT_MS));
  command = get_command (state_path, key);
  g_assert_cmpint (command->state, ==, HW_COMMAND_STATE_QUEUED);
  g_assert_cmpuint (command->attempts, ==, 0);
  g_clear_pointer (&command, hw_outbox_command_free);

  hw_test_hub_restart (hub);
  g_assert_cmpstr (hub->base_url, ==, url);
  g_assert_true (hw_test_wait_until (sent_and_done_in_inbox, &wait, WAIT_MS));

  g_assert_cmpuint (counts.sent, ==, 1);
  command = get_command (state_path, key);
  g_assert_cmpint (command->state, ==, HW_COMMAND_STATE_ACKNOWLEDGED);
  g_assert_cmpuint (command->attempts, ==, 1);
  g_assert_cmpuint (count_hub_jobs (hub), ==, 1);
  assert_range_received_once (listener);

  hw_hub_sync_stop (sync);
  hw_outbox_sender_watch_sync (sender, NULL);
  counts_clear (&counts);
  hw_test_hub_free (hub);
  hw_test_rmdir (dir);
}

/* ---- killed between send and acknowledgement ----------------------------- */

typedef struct
{
  GError     *error;
  HwHubSubmitResult *result;
} ChildSubmit;

static void
on_child_submitted (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  ChildSubmit *submit = user_data;

  submit->result = hw_hub_client_submit_finish (HW_HUB_CLIENT (source), result, &submit->error);
}

static gboolean
child_submitted (gpointer user_data)
{
  ChildSubmit *submit = user_data;

  return submit->result != NULL || submit->error != NULL;
}

/* Claims the command and POSTs it like the sender would, prints the job id,
 * then waits to be killed: its answer is never recorded. */
static int
child_main (const char *state_path,
            const char *base_url)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HwStateDb) db = hw_state_db_open (state_path, &error);
  g_autoptr(HwOutboxCommand) command = NULL;
  g_autoptr(HwHubClient) client = NULL;
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *line = NULL;
  ChildSubmit submit = { 0 };
  char byte;

  if (db == NULL || (command = hw_state_db_outbox_claim_next (db, HUB_ID, &error)) == NULL)
    return 1;
  if ((client = hw_hub_client_new (base_url, &error)) == NULL
      || (body = json_from_string (command->body, &error)) == NULL)
    return 1;
  hw_hub_client_submit_async (client, HW_HUB_SUBMIT_REPLAY, json_node_get_object (body), FALSE,
                              command->key, NULL, on_child_submitted, &submit);
  if (!hw_test_wait_until (child_submitted, &submit, WAIT_MS) || submit.result == NULL)
    return 1;

  line = g_strdup_printf ("%s\n", submit.result->job->id);
  if (write (STDOUT_FILENO, line, strlen (line)) != (gssize) strlen (line))
    return 1;
  /* Bounded: the parent kills it long before stdin closes. */
  if (read (STDIN_FILENO, &byte, 1) < 0)
    return 1;
  return 3;
}

typedef struct
{
  char   *line;
  GError *error;
  gboolean done;
} LineRead;

static void
on_line (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  LineRead *read = user_data;

  read->line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL, &read->error);
  read->done = TRUE;
}

static gboolean
line_read (gpointer user_data)
{
  return ((LineRead *) user_data)->done;
}

/* kill -9 after the POST and before the answer was recorded: reopening the
 * state db puts the command back to queued, the sender sends it again with
 * the same key, the hub answers with the job the child started, and the
 * listener receives every event once. */
static void
test_killed_before_ack (void)
{
  g_autoptr(HwTestListener) listener = hw_test_listener_new ();
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *state_path = g_build_filename (dir, "state.db", NULL);
  g_autofree char *body = replay_body ();
  g_autofree char *key = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(HwOutboxCommand) command = NULL;
  g_autoptr(GError) error = NULL;
  HwTestHub *hub = hw_test_hub_newv (NULL, NULL);
  LineRead read = { 0 };
  HwOutboxSender *sender;
  Counts counts = { 0 };

  add_listener (hub, "target", listener);
  publish_range (hub);
  key = enqueue (state_path, HW_COMMAND_KIND_REPLAY, body);

  child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDIN_PIPE, &error,
                            self_path, CHILD_FLAG, state_path, hub->base_url, NULL);
  g_assert_no_error (error);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));
  g_data_input_stream_read_line_async (lines, G_PRIORITY_DEFAULT, NULL, on_line, &read);
  g_assert_true (hw_test_wait_until (line_read, &read, WAIT_MS));
  g_assert_no_error (read.error);
  g_assert_nonnull (read.line);
  g_assert_true (g_str_has_prefix (read.line, "job-"));

  g_subprocess_force_exit (child);
  g_subprocess_wait (child, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (child));

  command = get_command (state_path, key);
  g_assert_cmpint (command->state, ==, HW_COMMAND_STATE_QUEUED);
  g_assert_cmpuint (command->attempts, ==, 1);
  g_clear_pointer (&command, hw_outbox_command_free);

  sender = new_sender (hub->base_url, NULL, state_path, &counts);
  drain (sender);
  g_assert_cmpuint (counts.sent, ==, 1);
  g_assert_cmpstr (counts.last_job_id, ==, read.line);

  command = get_command (state_path, key);
  g_assert_cmpint (command->state, ==, HW_COMMAND_STATE_ACKNOWLEDGED);
  g_assert_cmpstr (command->job_id, ==, read.line);
  g_assert_cmpuint (count_hub_jobs (hub), ==, 1);
  wait_job_done (hub, read.line);
  assert_range_received_once (listener);

  g_object_unref (sender);
  counts_clear (&counts);
  g_free (read.line);
  hw_test_hub_free (hub);
  hw_test_rmdir (dir);
}

/* ---- refusals ------------------------------------------------------------ */

/* A viewer token cannot start a job: the command fails with the hub's
 * reason, the inbox says so, and nothing is delivered. */
static void
test_forbidden (void)
{
  g_autoptr(HwTestListener) listener = hw_test_listener_new ();
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *state_path = g_build_filename (dir, "state.db", NULL);
  g_autofree char *body = replay_body ();
  g_autofree char *key = NULL;
  g_autoptr(HwOutboxCommand) command = NULL;
  g_autoptr(GPtrArray) inbox = NULL;
  const char *args[] = {
    "--token", "watcher:viewer:viewer-secret-1", "--token", "root:admin:admin-secret-1", NULL
  };
  HwTestHub *hub = hw_test_hub_newv (NULL, args);
  HwInboxItem *item;
  HwOutboxSender *sender;
  Counts counts = { 0 };

  hw_test_hub_set_token (hub, "admin-secret-1");
  add_listener (hub, "target", listener);
  publish_range (hub);
  key = enqueue (state_path, HW_COMMAND_KIND_REPLAY, body);

  sender = new_sender (hub->base_url, "viewer-secret-1", state_path, &counts);
  drain (sender);
  g_assert_cmpuint (counts.sent, ==, 0);
  g_assert_cmpuint (counts.inbox, ==, 1);

  command = get_command (state_path, key);
  g_assert_cmpint (command->state, ==, HW_COMMAND_STATE_FAILED);
  g_assert_nonnull (strstr (command->last_error, "operator"));
  g_assert_null (strstr (command->last_error, "viewer-secret-1"));
  inbox = list_inbox (state_path);
  g_assert_cmpuint (inbox->len, ==, 1);
  item = g_ptr_array_index (inbox, 0);
  g_assert_cmpstr (item->command_key, ==, key);
  g_assert_cmpint (item->outcome, ==, HW_INBOX_OUTCOME_FAILED);
  g_assert_nonnull (strstr (item->message, "operator"));

  g_assert_cmpuint (count_hub_jobs (hub), ==, 0);
  g_assert_cmpuint (listener->batches->len, ==, 0);

  g_object_unref (sender);
  counts_clear (&counts);
  hw_test_hub_free (hub);
  hw_test_rmdir (dir);
}

static char *
fault_json (const char *id,
            const char *original_id)
{
  g_autofree char *original = g_strdup_printf ("{\"id\":\"%s\",\"type\":\"order-placed\",\"timestamp\":%"
                                               G_GINT64_FORMAT "}", original_id, T0);
  g_autofree char *data = g_base64_encode ((const guchar *) original, strlen (original));

  return g_strdup_printf ("{\"id\":\"%s\",\"type\":\"fault\",\"timestamp\":%" G_GINT64_FORMAT ","
                          "\"tags\":{\"functionname\":\"fn-a\",\"pipeline\":\"p1\"},"
                          "\"err\":{\"name\":\"Error\",\"message\":\"boom\",\"stack\":\"at x\"},"
                          "\"uow\":{\"record\":{\"eventSource\":\"aws:kinesis\",\"eventID\":\"shardId-0:7\","
                          "\"kinesis\":{\"sequenceNumber\":\"7\",\"partitionKey\":\"o-9\",\"data\":\"%s\"}}}}",
                          id, T0 + 5, data);
}

/* Someone else resubmitted the group while the command waited: the hub
 * has nothing left to send, and the inbox says "conflict". */
static void
test_conflict (void)
{
  g_autoptr(HwTestListener) listener = hw_test_listener_new ();
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *state_path = g_build_filename (dir, "state.db", NULL);
  g_autofree char *fault = fault_json ("fault-1", "orig-1");
  const char *group = "{\"group\":{\"functionname\":\"fn-a\",\"pipeline\":\"p1\",\"message\":\"boom\"}}";
  g_autofree char *key = NULL;
  g_autoptr(HwOutboxCommand) command = NULL;
  g_autoptr(GPtrArray) inbox = NULL;
  g_autoptr(JsonNode) answer = NULL;
  HwTestHub *hub = hw_test_hub_newv (NULL, NULL);
  HwInboxItem *item;
  HwOutboxSender *sender;
  Counts counts = { 0 };

  add_listener (hub, "fn-a", listener);
  post_ok (hub, "/v1/events", fault, 200);
  key = enqueue (state_path, HW_COMMAND_KIND_RESUBMISSION, group);

  /* The other operator. */
  g_assert_cmpuint (hw_test_hub_json (hub, "POST", "/v1/resubmissions", NULL,
                                      "{\"group\":{\"functionname\":\"fn-a\",\"pipeline\":\"p1\","
                                      "\"message\":\"boom\"},\"dry_run\":false}", &answer), ==, 202);
  wait_job_done (hub, json_object_get_string_member (json_node_get_object (answer), "id"));
  g_assert_cmpuint (hw_test_listener_n_acked (listener), ==, 1);

  sender = new_sender (hub->base_url, NULL, state_path, &counts);
  drain (sender);
  g_assert_cmpuint (counts.sent, ==, 0);
  g_assert_cmpuint (counts.inbox, ==, 1);

  command = get_command (state_path, key);
  g_assert_cmpint (command->state, ==, HW_COMMAND_STATE_CONFLICT);
  inbox = list_inbox (state_path);
  g_assert_cmpuint (inbox->len, ==, 1);
  item = g_ptr_array_index (inbox, 0);
  g_assert_cmpstr (item->command_key, ==, key);
  g_assert_cmpint (item->outcome, ==, HW_INBOX_OUTCOME_CONFLICT);
  g_assert_nonnull (strstr (item->message, "already resubmitted"));
  g_assert_cmpuint (hw_test_listener_n_acked (listener), ==, 1);

  g_object_unref (sender);
  counts_clear (&counts);
  hw_test_hub_free (hub);
  hw_test_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  self_path = argv[0];
  if (argc == 4 && g_str_equal (argv[1], CHILD_FLAG))
    return child_main (argv[2], argv[3]);

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/outbox-sender/offline-then-online", test_offline_then_online);
  g_test_add_func ("/outbox-sender/follows-sync", test_follows_sync);
  g_test_add_func ("/outbox-sender/killed-before-ack", test_killed_before_ack);
  g_test_add_func ("/outbox-sender/forbidden", test_forbidden);
  g_test_add_func ("/outbox-sender/conflict", test_conflict);

  return g_test_run ();
}
