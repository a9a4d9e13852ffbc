/* test-app-jobs-reliability.c: the console's jobs across a hub restart and a kill -9 of the console
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Both cases run the real hubwatchd and a slow HTTP listener served by this
 * process. For the console kill the test binary re-runs itself as a child
 * that is only the console's queue (a connection and its HwCommandQueue on
 * the same XDG_DATA_HOME state database as the application); the child stops
 * at a chosen point, prints a marker line and blocks its main thread, so the
 * SIGKILL lands exactly there.
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "hw-command-queue.h"
#include "hw-hub-client-private.h"
#include "hw-job-tracker.h"
#include "hw-jobs-page.h"
#include "hw-paths.h"
#include "hw-test-app.h"
#include "hw-test-hub.h"
#include "hw-test-listener.h"
#include "hw-window.h"

#define CHILD_FLAG  "--jobs-reliability-child"
#define WAIT_MS     60000
#define OPERATOR    "op-secret-7"
#define ADMIN       "admin-secret-7"
#define MINUTE_MS   (G_GINT64_CONSTANT (60) * 1000)

static const char *self_path;

/* ---- shared fixtures ----------------------------------------------------- */

typedef struct
{
  HwTestHub      *hub;
  HwTestListener *listener;
  HwApplication  *app;
  HwWindow       *window;
  HwConnection   *connection;
  HwJobsPage     *page;
  gint64          t0;
  guint           n_events;
} Fixture;

static void
post_ok (HwTestHub  *hub,
         const char *path,
         const char *body,
         guint       expected)
{
  g_autoptr(JsonNode) answer = NULL;

  g_assert_cmpuint (hw_test_hub_json (hub, "POST", path, ADMIN, body, &answer), ==, expected);
}

/* A listener that gets only what is replayed to it, and the range in the lake. */
static void
seed_hub (Fixture *f)
{
  g_autoptr(GString) events = g_string_new ("[");
  g_autofree char *def = g_strdup_printf ("{\"name\":\"target\",\"url\":\"%s\",\"types\":[\"none\"],"
                                          "\"batch_size\":5,\"timeout_ms\":300000}", f->listener->url);

  post_ok (f->hub, "/v1/listeners", def, 201);
  for (guint i = 0; i < f->n_events; i++)
    g_string_append_printf (events, "%s{\"id\":\"r%03u\",\"type\":\"replay-thing\",\"timestamp\":%" G_GINT64_FORMAT "}",
                            i > 0 ? "," : "", i, f->t0 + i * 1000);
  g_string_append (events, "]");
  post_ok (f->hub, "/v1/events", events->str, 200);
}

/* Small batches, one in flight, optionally rate limited (@rate events/s). */
static JsonObject *
replay_body (Fixture *f,
             guint    batch_size,
             guint    rate)
{
  JsonObject *body = json_object_new ();

  json_object_set_string_member (body, "listener", "target");
  json_object_set_int_member (body, "from", f->t0);
  json_object_set_int_member (body, "to", f->t0 + f->n_events * 1000);
  json_object_set_int_member (body, "batch_size", batch_size);
  json_object_set_int_member (body, "parallel", 1);
  if (rate > 0)
    json_object_set_int_member (body, "rate", rate);
  return body;
}

static void
open_window (Fixture *f)
{
  f->app = hw_test_app_new ();
  g_application_activate (G_APPLICATION (f->app));
  f->window = HW_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (f->app)));
  f->page = HW_JOBS_PAGE (hw_window_get_page (f->window, "jobs"));
  g_assert_true (HW_IS_JOBS_PAGE (f->page));
  hw_window_show_page (f->window, "jobs");
  f->connection = hw_application_connect_url (f->app, f->hub->base_url, OPERATOR);
  hw_hub_sync_set_backoff (hw_connection_get_sync (f->connection), 200, 500);
  /* Each poll refreshes every page: on code 5x slower (HW_TEST_TIME_SCALE)
   * an unscaled period keeps the main loop saturated, and the job tracker's
   * answers queue behind the page rebuilds. */
  hw_hub_sync_set_poll_interval (hw_connection_get_sync (f->connection), hw_test_scale_ms (500));
  hw_command_queue_set_notify (hw_command_queue_get (f->connection), FALSE);
}

static gboolean
is_null (gpointer user_data)
{
  return *(gpointer *) user_data == NULL;
}

/* Waits until the hub's queue is gone: it holds the state db open, and a
 * command a crash left in "sending" is only put back to "queued" by an
 * opener that is alone. */
static void
close_window (Fixture *f)
{
  gpointer queue = hw_command_queue_get (f->connection);

  /* Removing the hub stops it and lets its queue go. */
  g_object_add_weak_pointer (G_OBJECT (queue), &queue);
  hw_application_remove_hub (f->app, f->connection);
  gtk_window_destroy (GTK_WINDOW (f->window));
  hw_test_app_quit (&f->app);
  f->connection = NULL;
  f->page = NULL;
  g_assert_true (hw_test_wait_until (is_null, &queue, WAIT_MS));
}

typedef struct
{
  HwConnection   *connection;
  HwHubSyncState  state;
} StateWait;

static gboolean
is_state (gpointer user_data)
{
  StateWait *wait = user_data;

  return hw_connection_get_state (wait->connection) == wait->state;
}

static void
wait_state (HwConnection   *connection,
            HwHubSyncState  state)
{
  StateWait wait = { connection, state };

  g_assert_true (hw_test_wait_until (is_state, &wait, WAIT_MS));
}

/* Distinct event ids the listener acknowledged; every one must be of the range. */
static guint
count_distinct_acked (Fixture *f)
{
  g_autoptr(GPtrArray) ids = hw_test_listener_acked_ids (f->listener);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < ids->len; i++)
    g_hash_table_add (seen, g_ptr_array_index (ids, i));
  return g_hash_table_size (seen);
}

/* The hub's jobs started with @key. */
static guint
count_hub_jobs_with_key (HwTestHub   *hub,
                         const char  *key,
                         char       **out_job_id)
{
  g_autoptr(JsonNode) jobs = NULL;
  JsonArray *list;
  guint n = 0;

  hw_test_hub_set_token (hub, OPERATOR);
  jobs = hw_test_hub_get_json (hub, "/v1/jobs", 200);
  list = json_object_get_array_member (json_node_get_object (jobs), "jobs");
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *job = json_array_get_object_element (list, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (job, "idempotency_key", NULL), key) != 0)
        continue;
      n++;
      if (out_job_id != NULL)
        {
          g_free (*out_job_id);
          *out_job_id = g_strdup (json_object_get_string_member (job, "id"));
        }
    }
  return n;
}

static void
on_enqueued (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  char **key = user_data;
  g_autoptr(GError) error = NULL;

  *key = hw_command_queue_enqueue_finish (HW_COMMAND_QUEUE (source), result, &error);
  g_assert_no_error (error);
}

static gboolean
key_set (gpointer user_data)
{
  return *(char **) user_data != NULL;
}

/* ---- a hub restart during a job ------------------------------------------- */

typedef struct
{
  Fixture      *f;
  HwJobTracker *tracker;
  gboolean      restarted;
  gint64        acked_at_kill;
  guint         running_after_restart;  /* updates showing progress past the kill */
} Resume;

static void
on_tracker_updated (HwJobTracker *tracker,
                    Resume       *resume)
{
  const HwHubJob *job = hw_job_tracker_get_job (tracker);

  if (resume->restarted && job != NULL && g_strcmp0 (job->state, "running") == 0
      && job->acked > resume->acked_at_kill)
    resume->running_after_restart++;
}

static gboolean
job_running_with_progress (gpointer user_data)
{
  Resume *resume = user_data;
  const HwHubJob *job = hw_job_tracker_get_job (resume->tracker);

  return job != NULL && g_strcmp0 (job->state, "running") == 0 && job->acked >= 9
         && g_strcmp0 (hw_jobs_page_get_job_state (resume->f->page, job->id), "running") == 0;
}

static gboolean
seen_running_after_restart (gpointer user_data)
{
  Resume *resume = user_data;

  return resume->running_after_restart > 0;
}

static gboolean
job_done_shown (gpointer user_data)
{
  Resume *resume = user_data;
  const HwHubJob *job = hw_job_tracker_get_job (resume->tracker);

  return hw_job_tracker_is_finished (resume->tracker) && job != NULL
         && g_strcmp0 (hw_jobs_page_get_job_state (resume->f->page, job->id), "done") == 0;
}

/* kill -9 of the hub in the middle of a replay: the console shows the hub
 * offline and the job still running (its last known state, not failed);
 * once the hub is back on the same data dir it resumes the job from its
 * checkpoint and the console follows the same job id to done. Every event
 * arrives; some may arrive twice (those after the last persisted
 * checkpoint), which replays allow: listeners are idempotent. */
static void
test_hub_restart_during_job (void)
{
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", hw_test_free_port ());
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(HwJobTracker) tracker = NULL;
  g_autoptr(GPtrArray) ids = NULL;
  g_autofree char *key = NULL;
  g_autofree char *job_id = NULL;
  g_autofree char *hub_job_id = NULL;
  g_autofree char *status = NULL;
  const HwHubJob *job;
  Resume resume = { 0 };
  Fixture f = { 0 };

  f.t0 = g_get_real_time () / 1000 - 30 * MINUTE_MS;
  f.n_events = 60;
  f.listener = hw_test_listener_new ();
  f.listener->delay_ms = 50;
  /* Three batches of three go through, then the listener holds the job
   * (no timeout: see seed_hub()) until the kill, however late the
   * console's tracker sees that progress. */
  f.listener->hold_after = 9;
  /* A fixed port: the console's hub (keyed by its URL) is the same after the restart. */
  f.hub = hw_test_hub_new (NULL, "--listen", listen, "--token", "oncall:operator:" OPERATOR,
                           "--token", "root:admin:" ADMIN, NULL);
  seed_hub (&f);

  open_window (&f);
  wait_state (f.connection, HW_HUB_SYNC_STATE_ONLINE);
  body = replay_body (&f, 3, 10);
  hw_command_queue_enqueue_async (hw_command_queue_get (f.connection), HW_COMMAND_KIND_REPLAY, body, NULL,
                                  on_enqueued, &key);
  g_assert_true (hw_test_wait_until (key_set, &key, WAIT_MS));
  tracker = hw_job_tracker_new (hw_command_queue_get (f.connection), key);
  resume.f = &f;
  resume.tracker = tracker;
  g_signal_connect (tracker, "updated", G_CALLBACK (on_tracker_updated), &resume);
  g_assert_true (hw_test_wait_until (job_running_with_progress, &resume, WAIT_MS));
  job_id = g_strdup (hw_job_tracker_get_job (tracker)->id);
  g_assert_cmpuint (count_distinct_acked (&f), <, f.n_events);

  /* The hub dies mid-job. */
  hw_test_hub_kill (f.hub);
  wait_state (f.connection, HW_HUB_SYNC_STATE_OFFLINE);
  g_assert_true (hw_connection_is_offline (f.connection));
  job = hw_job_tracker_get_job (tracker);
  resume.acked_at_kill = job->acked;
  g_assert_cmpstr (job->id, ==, job_id);
  g_assert_cmpstr (job->state, ==, "running");
  g_assert_false (hw_job_tracker_is_finished (tracker));
  g_assert_cmpstr (hw_jobs_page_get_job_state (f.page, job_id), ==, "running");
  status = hw_job_tracker_dup_status (tracker);
  g_test_message ("offline, acked %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT ": %s",
                  job->acked, job->total, status);
  g_assert_cmpuint (count_distinct_acked (&f), <, f.n_events);

  /* Back on the same data dir and port: the same job resumes and ends.
   * Held again after four more batches, so the console must see it
   * running past the kill before it can be done. */
  hw_test_listener_release (f.listener);
  f.listener->hold_after = hw_test_listener_n_acked (f.listener) + 12;
  resume.restarted = TRUE;
  hw_test_hub_restart (f.hub);
  wait_state (f.connection, HW_HUB_SYNC_STATE_ONLINE);
  g_assert_true (hw_test_wait_until (seen_running_after_restart, &resume, WAIT_MS));
  hw_test_listener_release (f.listener);
  g_assert_true (hw_test_wait_until (job_done_shown, &resume, WAIT_MS));
  job = hw_job_tracker_get_job (tracker);
  g_assert_cmpstr (job->id, ==, job_id);
  g_assert_cmpstr (job->state, ==, "done");
  g_assert_cmpint (job->acked, ==, f.n_events);
  g_assert_cmpint (job->failed, ==, 0);
  g_test_message ("progress updates seen after the restart: %u", resume.running_after_restart);
  g_assert_cmpuint (resume.running_after_restart, >, 0);

  g_assert_cmpuint (count_hub_jobs_with_key (f.hub, key, &hub_job_id), ==, 1);
  g_assert_cmpstr (hub_job_id, ==, job_id);
  g_assert_cmpuint (count_distinct_acked (&f), ==, f.n_events);
  ids = hw_test_listener_acked_ids (f.listener);
  g_test_message ("listener acknowledged %u events, %u distinct", ids->len, count_distinct_acked (&f));
  g_assert_cmpuint (ids->len, >=, f.n_events);

  g_signal_handlers_disconnect_by_data (tracker, &resume);
  g_clear_object (&tracker);
  close_window (&f);
  hw_test_listener_free (f.listener);
  hw_test_hub_free (f.hub);
}

/* ---- kill -9 of the console between queueing and acknowledgement ---------- */

typedef enum
{
  KILL_QUEUED,    /* the command is in the state db, nothing went out */
  KILL_REQUEST,   /* claimed, its POST queued in the HTTP session but not written */
  KILL_POSTED,    /* its POST was written; the answer is never recorded */
} KillPoint;

static const char * const kill_point_names[] = { "queued", "request", "posted" };

/* ---- the child: only the console's queue ---- */

typedef struct
{
  KillPoint  point;
  char      *key;
} Child;

static void
child_stop_here (const char *marker,
                 const char *key)
{
  g_autofree char *line = g_strdup_printf ("%s %s\n", marker, key);
  char byte;

  if (write (STDOUT_FILENO, line, strlen (line)) != (gssize) strlen (line))
    _exit (1);
  /* The main thread stops here, so nothing more is sent or recorded; the
   * parent's SIGKILL ends it long before stdin closes. */
  if (read (STDIN_FILENO, &byte, 1) < 0)
    _exit (1);
  _exit (3);
}

static const char *
command_key_of (SoupMessage *msg)
{
  /* The permission probe POSTs a dry run without a key: only commands have one. */
  if (g_strcmp0 (soup_message_get_method (msg), "POST") != 0)
    return NULL;
  return soup_message_headers_get_one (soup_message_get_request_headers (msg), "Idempotency-Key");
}

static void
on_child_wrote_body (SoupMessage *msg,
                     Child       *child)
{
  child_stop_here ("posted", command_key_of (msg));
}

static void
on_child_request_queued (SoupSession *session,
                         SoupMessage *msg,
                         Child       *child)
{
  const char *key = command_key_of (msg);

  if (key == NULL)
    return;
  if (child->point == KILL_REQUEST)
    child_stop_here ("request", key);
  g_signal_connect (msg, "wrote-body", G_CALLBACK (on_child_wrote_body), child);
}

static void
on_child_enqueued (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Child *child = user_data;
  g_autoptr(GError) error = NULL;

  child->key = hw_command_queue_enqueue_finish (HW_COMMAND_QUEUE (source), result, &error);
  if (child->key == NULL)
    _exit (1);
  if (child->point == KILL_QUEUED)
    child_stop_here ("queued", child->key);
}

static gboolean
never (gpointer user_data)
{
  return FALSE;
}

static gboolean
child_online (gpointer user_data)
{
  return hw_connection_get_state (user_data) == HW_HUB_SYNC_STATE_ONLINE;
}

/* Connects like the console does (a hub for this run is keyed by its URL),
 * waits until the hub is reachable, queues the replay and stops at @point. */
static int
child_main (const char *point_name,
            const char *url,
            const char *body_json)
{
  g_autoptr(HwConnection) connection = NULL;
  g_autoptr(JsonNode) body = NULL;
  HwCommandQueue *queue;
  Child child = { 0 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (kill_point_names); i++)
    if (g_str_equal (point_name, kill_point_names[i]))
      break;
  if (i == G_N_ELEMENTS (kill_point_names) || (body = json_from_string (body_json, NULL)) == NULL)
    return 1;
  child.point = i;

  connection = hw_connection_new (url, NULL, url, FALSE);
  hw_connection_set_token (connection, OPERATOR);
  hw_connection_start (connection);
  queue = hw_command_queue_get (connection);
  hw_command_queue_set_notify (queue, FALSE);
  if (!hw_test_wait_until (child_online, connection, WAIT_MS))
    return 1;
  g_signal_connect (hw_hub_client_get_session (hw_connection_get_client (connection)), "request-queued",
                    G_CALLBACK (on_child_request_queued), &child);
  hw_command_queue_enqueue_async (queue, HW_COMMAND_KIND_REPLAY, json_node_get_object (body), NULL,
                                  on_child_enqueued, &child);
  /* Bounded: it is killed at the chosen point long before this ends. */
  hw_test_wait_until (never, NULL, WAIT_MS);
  return 2;
}

/* ---- the parent ---- */

typedef struct
{
  char     *line;
  GError   *error;
  gboolean  done;
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

typedef struct
{
  HwTestHub  *hub;
  const char *key;
} KeyWait;

static gboolean
hub_has_job_for_key (gpointer user_data)
{
  KeyWait *wait = user_data;

  return count_hub_jobs_with_key (wait->hub, wait->key, NULL) > 0;
}

/* Runs the child to @point, kills it with SIGKILL there, and returns the
 * command's idempotency key. */
static char *
run_child_to (Fixture   *f,
              KillPoint  point)
{
  g_autoptr(JsonObject) body = replay_body (f, 5, 0);
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *body_json = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) fields = NULL;
  LineRead read = { 0 };

  json_node_set_object (node, body);
  body_json = json_to_string (node, FALSE);
  child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDIN_PIPE, &error,
                            self_path, CHILD_FLAG, kill_point_names[point], f->hub->base_url, body_json, NULL);
  g_assert_no_error (error);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));
  g_data_input_stream_read_line_async (lines, G_PRIORITY_DEFAULT, NULL, on_line, &read);
  g_assert_true (hw_test_wait_until (line_read, &read, WAIT_MS));
  g_assert_no_error (read.error);
  g_assert_nonnull (read.line);
  g_test_message ("child: %s", read.line);
  fields = g_strsplit (read.line, " ", 2);
  g_free (read.line);
  g_assert_cmpstr (fields[0], ==, kill_point_names[point]);
  g_assert_nonnull (fields[1]);

  if (point == KILL_POSTED)
    {
      /* Written is not yet received: wait until the hub has it. */
      KeyWait wait = { f->hub, fields[1] };

      g_assert_true (hw_test_wait_until (hub_has_job_for_key, &wait, WAIT_MS));
    }
  g_subprocess_send_signal (child, SIGKILL);
  g_subprocess_wait (child, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (child));
  g_assert_cmpint (g_subprocess_get_term_sig (child), ==, SIGKILL);
  return g_strdup (fields[1]);
}

/* The console died with the command unacknowledged: whoever opens the state
 * db next, alone, finds it queued again (a crash cannot leave it "sending"). */
static void
assert_command_requeued (const char *key)
{
  g_autofree char *state_path = hw_paths_state_file ();
  g_autoptr(GError) error = NULL;
  g_autoptr(HwStateDb) db = hw_state_db_open (state_path, &error);
  g_autoptr(HwOutboxCommand) command = NULL;

  g_assert_no_error (error);
  command = hw_state_db_outbox_get (db, key, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hw_command_state_to_string (command->state), ==, "queued");
  g_assert_null (command->job_id);
}

typedef struct
{
  Fixture           *f;
  const char        *key;
  HwCommandSnapshot *snapshot;
  gboolean           reading;
} Outcome;

static void
on_snapshot (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Outcome *outcome = user_data;
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&outcome->snapshot, hw_command_snapshot_free);
  outcome->snapshot = hw_command_queue_snapshot_finish (HW_COMMAND_QUEUE (source), result, &error);
  g_assert_no_error (error);
  outcome->reading = FALSE;
}

static HwInboxItem *
inbox_item_of (HwCommandSnapshot *snapshot,
               const char        *key)
{
  for (guint i = 0; snapshot != NULL && i < snapshot->inbox->len; i++)
    {
      HwInboxItem *item = g_ptr_array_index (snapshot->inbox, i);

      if (g_strcmp0 (item->command_key, key) == 0)
        return item;
    }
  return NULL;
}

/* The Jobs page lists nothing pending and the job as done, and the inbox
 * holds the command's result. */
static gboolean
outcome_shown (gpointer user_data)
{
  Outcome *outcome = user_data;
  HwInboxItem *item = inbox_item_of (outcome->snapshot, outcome->key);

  if (!outcome->reading && item == NULL)
    {
      outcome->reading = TRUE;
      hw_command_queue_snapshot_async (hw_command_queue_get (outcome->f->connection), NULL, on_snapshot, outcome);
    }
  return item != NULL && hw_jobs_page_get_load_count (outcome->f->page) > 0
         && hw_jobs_page_get_n_pending (outcome->f->page) == 0 && hw_jobs_page_get_n_inbox (outcome->f->page) >= 1;
}

static gboolean
not_reading (gpointer user_data)
{
  return !((Outcome *) user_data)->reading;
}

static HwOutboxCommand *
outbox_command_of (HwCommandSnapshot *snapshot,
                   const char        *key)
{
  for (guint i = 0; i < snapshot->outbox->len; i++)
    {
      HwOutboxCommand *command = g_ptr_array_index (snapshot->outbox, i);

      if (g_strcmp0 (command->key, key) == 0)
        return command;
    }
  return NULL;
}

typedef struct
{
  HwJobsPage *page;
  const char *job_id;
} PageJob;

static gboolean
page_shows_job_done (gpointer user_data)
{
  PageJob *shown = user_data;

  return g_strcmp0 (hw_jobs_page_get_job_state (shown->page, shown->job_id), "done") == 0;
}

/* kill -9 of the console at @point between queueing a replay and recording
 * the hub's acknowledgement. A fresh console on the same state db sends
 * the command again with the same key: the hub holds one job for it, the
 * listener gets the range once, and the Jobs page shows the job done with
 * its result in the inbox. */
static void
test_console_killed (gconstpointer data)
{
  KillPoint point = GPOINTER_TO_UINT (data);
  g_autofree char *key = NULL;
  g_autofree char *job_id = NULL;
  g_autoptr(GPtrArray) ids = NULL;
  HwOutboxCommand *command;
  HwInboxItem *item;
  Outcome outcome = { 0 };
  Fixture f = { 0 };

  f.t0 = g_get_real_time () / 1000 - 30 * MINUTE_MS;
  f.n_events = 20;
  f.listener = hw_test_listener_new ();
  /* Slow: the job is still running when the console dies after the POST. */
  f.listener->delay_ms = 300;
  f.hub = hw_test_hub_new (NULL, "--token", "oncall:operator:" OPERATOR, "--token", "root:admin:" ADMIN, NULL);
  seed_hub (&f);

  key = run_child_to (&f, point);
  /* Before the POST nothing reached the hub; after it, the one job. */
  g_assert_cmpuint (count_hub_jobs_with_key (f.hub, key, NULL), ==, point == KILL_POSTED ? 1 : 0);
  assert_command_requeued (key);

  open_window (&f);
  outcome.f = &f;
  outcome.key = key;
  g_assert_true (hw_test_wait_until (outcome_shown, &outcome, WAIT_MS));
  g_assert_true (hw_test_wait_until (not_reading, &outcome, WAIT_MS));

  g_assert_cmpuint (count_hub_jobs_with_key (f.hub, key, &job_id), ==, 1);
  /* The inbox learns the outcome from the job tracker; the page's job list
   * catches up on its next refresh. */
  {
    PageJob shown = { f.page, job_id };

    g_assert_true (hw_test_wait_until (page_shows_job_done, &shown, WAIT_MS));
  }
  command = outbox_command_of (outcome.snapshot, key);
  g_assert_nonnull (command);
  g_assert_cmpstr (hw_command_state_to_string (command->state), ==, "acknowledged");
  g_assert_cmpstr (command->job_id, ==, job_id);
  item = inbox_item_of (outcome.snapshot, key);
  g_assert_cmpstr (hw_inbox_outcome_to_string (item->outcome), ==, "done");

  /* One job, so each event of the range exactly once. */
  ids = hw_test_listener_acked_ids (f.listener);
  g_assert_cmpuint (ids->len, ==, f.n_events);
  g_assert_cmpuint (count_distinct_acked (&f), ==, f.n_events);

  g_clear_pointer (&outcome.snapshot, hw_command_snapshot_free);
  close_window (&f);
  hw_test_listener_free (f.listener);
  hw_test_hub_free (f.hub);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *tmp_dir = NULL;
  int status;

  self_path = argv[0];
  /* The child inherits XDG_DATA_HOME and the rest from the parent's setup. */
  if (argc == 5 && g_str_equal (argv[1], CHILD_FLAG))
    return child_main (argv[2], argv[3], argv[4]);

  if (!hw_test_app_init (&argc, &argv, &tmp_dir, &status))
    return status;
  /* As in test-app-jobs: GIO's notification warnings on the test bus must not abort. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);

  g_test_add_func ("/app/jobs-reliability/hub-restart-during-job", test_hub_restart_during_job);
  g_test_add_data_func ("/app/jobs-reliability/console-killed/queued", GUINT_TO_POINTER (KILL_QUEUED),
                        test_console_killed);
  g_test_add_data_func ("/app/jobs-reliability/console-killed/request", GUINT_TO_POINTER (KILL_REQUEST),
                        test_console_killed);
  g_test_add_data_func ("/app/jobs-reliability/console-killed/posted", GUINT_TO_POINTER (KILL_POSTED),
                        test_console_killed);

  status = g_test_run ();
  hw_test_rmdir (tmp_dir);
  return status;
}
