/* test-app-jobs.c: the Jobs page, the offline outbox and the inbox against a real hub
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-command-queue.h"
#include "hw-jobs-page.h"
#include "hw-replay-dialog.h"
#include "hw-test-app.h"
#include "hw-test-hub.h"
#include "hw-test-listener.h"
#include "hw-time.h"
#include "hw-window.h"

#define WAIT_MS    60000
#define OPERATOR   "op-secret-2"
#define ADMIN      "admin-secret-2"
#define MINUTE_MS  (G_GINT64_CONSTANT (60) * 1000)

typedef struct
{
  HwTestHub      *hub;
  HwTestListener *listener;
  HwApplication  *app;
  HwWindow       *window;
  HwConnection   *connection;
  HwJobsPage     *page;
  gint64          t0;
  guint           inbox_done;
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

static void
open_window (Fixture *f)
{
  f->app = hw_test_app_new ();
  g_application_activate (G_APPLICATION (f->app));
  f->window = HW_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (f->app)));
  f->page = HW_JOBS_PAGE (hw_window_get_page (f->window, "jobs"));
  g_assert_true (HW_IS_JOBS_PAGE (f->page));
  hw_window_show_page (f->window, "jobs");
}

static void
close_window (Fixture *f)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  hw_test_app_quit (&f->app);
  f->connection = NULL;
}

static gboolean
is_state (gpointer user_data)
{
  Fixture *f = user_data;

  return hw_connection_get_state (f->connection) == GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (f->connection),
                                                                                         "wanted"));
}

static void
wait_state (Fixture        *f,
            HwHubSyncState  state)
{
  g_object_set_data (G_OBJECT (f->connection), "wanted", GUINT_TO_POINTER (state));
  g_assert_true (hw_test_wait_until (is_state, f, WAIT_MS));
}

static void
on_inbox_added (HwCommandQueue *queue,
                gint64          id,
                int             outcome,
                const char     *message,
                Fixture        *f)
{
  if (outcome == HW_INBOX_OUTCOME_DONE)
    f->inbox_done++;
}

static gboolean
events_cached (gpointer user_data)
{
  Fixture *f = user_data;
  HwEventStore *store = hw_connection_get_store (f->connection);

  GPtrArray *listeners = hw_hub_sync_get_listeners (hw_connection_get_sync (f->connection));

  /* The listeners too: offline, the dialog offers what the sync knew. */
  return store != NULL && listeners != NULL && listeners->len > 0
         && hw_event_store_count (store, NULL, HW_EVENT_STORE_UNBOUNDED,
                                                HW_EVENT_STORE_UNBOUNDED, NULL, NULL) >= 20;
}

static gboolean
replay_ready (gpointer user_data)
{
  HwReplayDialog *dialog = user_data;

  return hw_replay_dialog_get_n_listeners (dialog) >= 1 && hw_replay_dialog_get_dry_run_count (dialog) >= 0;
}

static gboolean
replay_queued (gpointer user_data)
{
  HwReplayDialog *dialog = user_data;

  return hw_replay_dialog_get_status (dialog) != NULL
         && g_str_has_prefix (hw_replay_dialog_get_status (dialog), "Queued");
}

static gboolean
replay_finished (gpointer user_data)
{
  return hw_replay_dialog_is_finished (user_data);
}

typedef struct
{
  Fixture *f;
  guint    n;
} PendingWait;

static gboolean
pending_is (gpointer user_data)
{
  PendingWait *wait = user_data;

  return hw_jobs_page_get_load_count (wait->f->page) > 0 && hw_jobs_page_get_n_pending (wait->f->page) == wait->n;
}

static gboolean
job_done_shown (gpointer user_data)
{
  Fixture *f = user_data;

  return f->inbox_done > 0 && hw_jobs_page_get_n_pending (f->page) == 0 && hw_jobs_page_get_n_jobs (f->page) == 1
         && hw_jobs_page_get_n_inbox (f->page) >= 1;
}

typedef struct
{
  HwJobsPage *page;
  const char *job_id;
} JobStateWait;

/* The page learns a job's end from its next refresh, which may come after
 * the inbox already shows the result. */
static gboolean
job_state_done (gpointer user_data)
{
  JobStateWait *wait = user_data;

  return g_strcmp0 (hw_jobs_page_get_job_state (wait->page, wait->job_id), "done") == 0;
}

static gboolean
listener_has_range (gpointer user_data)
{
  Fixture *f = user_data;

  return hw_test_listener_n_acked (f->listener) >= 10;
}

/* A replay asked for while the hub is down waits in the outbox, reaches the
 * hub once it is back, exactly once, and its result lands in the inbox. */
static void
test_offline_command_sent_once (void)
{
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", hw_test_free_port ());
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  g_autoptr(GString) events = g_string_new ("[");
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(JsonNode) jobs = NULL;
  g_autofree char *listener_def = NULL;
  HwReplayDialog *dialog;
  PendingWait one = { NULL, 1 };
  const char *job_id;
  JsonArray *job_list;
  Fixture f = { 0 };

  f.t0 = g_get_real_time () / 1000 - 30 * MINUTE_MS;
  f.listener = hw_test_listener_new ();
  f.hub = hw_test_hub_new (NULL, "--listen", listen, "--token", "oncall:operator:" OPERATOR,
                           "--token", "root:admin:" ADMIN, NULL);
  listener_def = g_strdup_printf ("{\"name\":\"target\",\"url\":\"%s\",\"types\":[\"none\"],\"batch_size\":5}",
                                  f.listener->url);
  post_ok (f.hub, "/v1/listeners", listener_def, 201);
  for (guint i = 0; i < 20; i++)
    g_string_append_printf (events, "%s{\"id\":\"r%03u\",\"type\":\"replay-thing\",\"timestamp\":%" G_GINT64_FORMAT "}",
                            i > 0 ? "," : "", i, f.t0 + i * 1000);
  g_string_append (events, "]");
  post_ok (f.hub, "/v1/events", events->str, 200);

  open_window (&f);
  f.connection = hw_application_connect_url (f.app, f.hub->base_url, OPERATOR);
  hw_hub_sync_set_backoff (hw_connection_get_sync (f.connection), 200, 500);
  hw_hub_sync_set_poll_interval (hw_connection_get_sync (f.connection), 500);
  hw_command_queue_set_notify (hw_command_queue_get (f.connection), FALSE);
  g_signal_connect (hw_command_queue_get (f.connection), "inbox-added", G_CALLBACK (on_inbox_added), &f);
  wait_state (&f, HW_HUB_SYNC_STATE_ONLINE);
  g_assert_true (hw_test_wait_until (events_cached, &f, WAIT_MS));

  /* The hub goes away: the dry run is estimated from the cache and the
   * replay is queued. */
  hw_test_hub_kill (f.hub);
  wait_state (&f, HW_HUB_SYNC_STATE_OFFLINE);
  from = hw_time_format_iso8601 (f.t0 + 5000);
  to = hw_time_format_iso8601 (f.t0 + 15000);
  dialog = hw_replay_dialog_new (GTK_WINDOW (f.window), f.connection, "target", NULL, 0, 0);
  hw_replay_dialog_set_range (dialog, from, to);
  hw_replay_dialog_set_rate (dialog, 0, 1);
  hw_replay_dialog_dry_run (dialog);
  g_assert_true (hw_test_wait_until (replay_ready, dialog, WAIT_MS));
  g_assert_cmpint (hw_replay_dialog_get_dry_run_count (dialog), ==, 10);
  hw_replay_dialog_start (dialog);
  g_assert_true (hw_test_wait_until (replay_queued, dialog, WAIT_MS));
  one.f = &f;
  g_assert_true (hw_test_wait_until (pending_is, &one, WAIT_MS));
  g_assert_cmpuint (f.listener->batches->len, ==, 0);

  /* Back: sent once, done, in the inbox. */
  hw_test_hub_restart (f.hub);
  g_assert_true (hw_test_wait_until (replay_finished, dialog, WAIT_MS));
  g_test_message ("status: %s", hw_replay_dialog_get_status (dialog));
  g_assert_cmpstr (hw_replay_dialog_get_status (dialog), ==, "Done");
  g_assert_true (hw_test_wait_until (listener_has_range, &f, WAIT_MS));
  g_assert_true (hw_test_wait_until (job_done_shown, &f, WAIT_MS));

  ids = hw_test_listener_acked_ids (f.listener);
  g_assert_cmpuint (ids->len, ==, 10);
  for (guint i = 0; i < ids->len; i++)
    {
      g_autofree char *expected = g_strdup_printf ("r%03u", i + 5);

      g_assert_cmpstr (g_ptr_array_index (ids, i), ==, expected);
    }
  hw_test_hub_set_token (f.hub, OPERATOR);
  jobs = hw_test_hub_get_json (f.hub, "/v1/jobs", 200);
  job_list = json_object_get_array_member (json_node_get_object (jobs), "jobs");
  g_assert_cmpuint (json_array_get_length (job_list), ==, 1);
  job_id = json_object_get_string_member (json_array_get_object_element (job_list, 0), "id");
  {
    JobStateWait wait = { f.page, job_id };

    hw_test_wait_until (job_state_done, &wait, WAIT_MS);
  }
  g_assert_cmpstr (hw_jobs_page_get_job_state (f.page, job_id), ==, "done");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (job_list, 0), "idempotency_key"),
                   ==, hw_replay_dialog_get_command_key (dialog));

  gtk_window_destroy (GTK_WINDOW (dialog));
  close_window (&f);
  hw_test_listener_free (f.listener);
  hw_test_hub_free (f.hub);
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

/* The outbox is durable: a command queued for a hub that never answered is
 * still listed by a new console (same saved hub), and can be cancelled. */
static void
test_outbox_survives_restart (void)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", hw_test_free_port ());
  g_autoptr(JsonObject) body = json_object_new ();
  g_autofree char *key = NULL;
  g_autofree char *id = NULL;
  PendingWait wait = { NULL, 1 };
  Fixture f = { 0 };

  open_window (&f);
  g_settings_reset (hw_application_get_settings (f.app), "hubs");
  f.connection = hw_application_add_hub (f.app, "Orders", url, NULL, TRUE);
  hw_window_set_connection (f.window, f.connection);
  id = g_strdup (hw_connection_get_id (f.connection));
  json_object_set_string_member (body, "listener", "target");
  json_object_set_int_member (body, "from", 1);
  json_object_set_int_member (body, "to", 2);
  hw_command_queue_enqueue_async (hw_command_queue_get (f.connection), HW_COMMAND_KIND_REPLAY, body, NULL,
                                  on_enqueued, &key);
  g_assert_true (hw_test_wait_until (key_set, &key, WAIT_MS));
  wait.f = &f;
  g_assert_true (hw_test_wait_until (pending_is, &wait, WAIT_MS));
  close_window (&f);

  /* A new console: the saved hub comes back under the same id. */
  open_window (&f);
  f.connection = hw_window_get_connection (f.window);
  g_assert_nonnull (f.connection);
  g_assert_cmpstr (hw_connection_get_id (f.connection), ==, id);
  g_assert_true (hw_test_wait_until (pending_is, &wait, WAIT_MS));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f.page), "jobs.cancel-command", "s", key));
  wait.n = 0;
  g_assert_true (hw_test_wait_until (pending_is, &wait, WAIT_MS));
  g_settings_reset (hw_application_get_settings (f.app), "hubs");
  close_window (&f);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *tmp_dir = NULL;
  int status;

  if (!hw_test_app_init (&argc, &argv, &tmp_dir, &status))
    return status;
  /* Criticals abort, as everywhere (G_DEBUG=fatal-criticals); warnings from
   * the environment (GIO's notification backend without a notification
   * daemon on the test bus) must not. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);

  g_test_add_func ("/app/jobs/offline-command-sent-once", test_offline_command_sent_once);
  g_test_add_func ("/app/jobs/outbox-survives-restart", test_outbox_survives_restart);

  status = g_test_run ();
  hw_test_rmdir (tmp_dir);
  return status;
}
