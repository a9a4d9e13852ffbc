/* test-app-faults.c: the Faults page, resubmission and replay dialogs against a real hub
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A real hubwatchd with an operator and a viewer token, real listener
 * functions served by this process, and the console driven through its
 * widgets and actions.
 */
#include "config.h"

#include "hw-command-queue.h"
#include "hw-event-store.h"
#include "hw-faults-page.h"
#include "hw-replay-dialog.h"
#include "hw-resubmit-dialog.h"
#include "hw-test-app.h"
#include "hw-test-hub.h"
#include "hw-test-listener.h"
#include "hw-time.h"
#include "hw-window.h"

#define WAIT_MS      60000
#define OPERATOR     "op-secret-1"
#define VIEWER       "view-secret-1"
#define ADMIN        "admin-secret-1"
#define MINUTE_MS    (G_GINT64_CONSTANT (60) * 1000)

typedef struct
{
  HwTestHub      *hub;
  HwApplication  *app;
  HwWindow       *window;
  HwConnection   *connection;
  HwFaultsPage   *page;
  gint64          t0;
} Fixture;

static void
post_ok (HwTestHub  *hub,
         const char *path,
         const char *body,
         guint       expected)
{
  g_autoptr(JsonNode) answer = NULL;
  guint status = hw_test_hub_json (hub, "POST", path, ADMIN, body, &answer);

  if (status != expected)
    {
      g_autofree char *text = answer != NULL ? json_to_string (answer, FALSE) : g_strdup ("");

      g_test_message ("POST %s answered %u: %s", path, status, text);
    }
  g_assert_cmpuint (status, ==, expected);
}

static void
add_listener (HwTestHub      *hub,
              const char     *name,
              HwTestListener *listener)
{
  /* "none": normal delivery stays silent, so what arrives came from a job. */
  g_autofree char *def = g_strdup_printf ("{\"name\":\"%s\",\"url\":\"%s\",\"types\":[\"none\"],\"batch_size\":5}",
                                          name, listener->url);

  post_ok (hub, "/v1/listeners", def, 201);
}

static char *
fault_json (const char *id,
            const char *functionname,
            const char *message,
            const char *original_id,
            gint64      ts)
{
  g_autofree char *original = g_strdup_printf ("{\"id\":\"%s\",\"type\":\"order-placed\",\"timestamp\":%"
                                               G_GINT64_FORMAT ",\"partitionKey\":\"o-9\"}", original_id, ts);
  g_autofree char *data = g_base64_encode ((const guchar *) original, strlen (original));

  return g_strdup_printf ("{\"id\":\"%s\",\"type\":\"fault\",\"timestamp\":%" G_GINT64_FORMAT ","
                          "\"tags\":{\"functionname\":\"%s\",\"pipeline\":\"payments\"},"
                          "\"err\":{\"name\":\"ValidationError\",\"message\":\"%s\",\"stack\":\"Error: %s\\n    at handler (index.js:7)\"},"
                          "\"uow\":{\"record\":{\"eventSource\":\"aws:kinesis\",\"eventID\":\"shardId-0:77\","
                          "\"kinesis\":{\"sequenceNumber\":\"77\",\"partitionKey\":\"o-9\",\"data\":\"%s\"}}}}",
                          id, ts, functionname, message, message, data);
}

static void
publish_faults (Fixture *f)
{
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *id = g_strdup_printf ("fault-card-%u", i);
      g_autofree char *original = g_strdup_printf ("order-%u", i);
      g_autofree char *fault = fault_json (id, "charge-card", "card declined", original, f->t0 + i * 1000);

      post_ok (f->hub, "/v1/events", fault, 200);
    }
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *id = g_strdup_printf ("fault-ship-%u", i);
      g_autofree char *original = g_strdup_printf ("shipment-%u", i);
      g_autofree char *fault = fault_json (id, "ship-order", "no driver available", original,
                                           f->t0 + 10000 + i * 1000);

      post_ok (f->hub, "/v1/events", fault, 200);
    }
}

static void
publish_range (Fixture *f,
               guint    n)
{
  g_autoptr(GString) body = g_string_new ("[");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (body, "%s{\"id\":\"r%03u\",\"type\":\"replay-thing\",\"timestamp\":%" G_GINT64_FORMAT
                            ",\"partitionKey\":\"k%u\"}", i > 0 ? "," : "", i, f->t0 + i * 1000, i % 3);
  g_string_append (body, "]");
  post_ok (f->hub, "/v1/events", body->str, 200);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  const char *token = data != NULL ? data : OPERATOR;

  f->t0 = g_get_real_time () / 1000 - 30 * MINUTE_MS;
  f->hub = hw_test_hub_new (NULL, "--token", "oncall:operator:" OPERATOR, "--token", "watcher:viewer:" VIEWER,
                            "--token", "root:admin:" ADMIN, NULL);
  f->app = hw_test_app_new ();
  g_settings_reset (hw_application_get_settings (f->app), "hubs");
  g_application_activate (G_APPLICATION (f->app));
  f->window = HW_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (f->app)));
  f->page = HW_FAULTS_PAGE (hw_window_get_page (f->window, "faults"));
  g_assert_true (HW_IS_FAULTS_PAGE (f->page));
  f->connection = hw_application_connect_url (f->app, f->hub->base_url, token);
  hw_hub_sync_set_backoff (hw_connection_get_sync (f->connection), 200, 1000);
  /* Scaled like a deadline: each poll refreshes every page, and on slower
   * (instrumented) code an unscaled period saturates the main loop. */
  hw_hub_sync_set_poll_interval (hw_connection_get_sync (f->connection), hw_test_scale_ms (500));
  hw_command_queue_set_notify (hw_command_queue_get (f->connection), FALSE);
  hw_window_show_page (f->window, "faults");
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  hw_test_app_quit (&f->app);
  hw_test_hub_free (f->hub);
}

static gboolean
online (gpointer user_data)
{
  Fixture *f = user_data;

  return hw_connection_get_state (f->connection) == HW_HUB_SYNC_STATE_ONLINE;
}

typedef struct
{
  Fixture *f;
  guint    n_groups;
  guint    loads;
} GroupsWait;

static gboolean
groups_shown (gpointer user_data)
{
  GroupsWait *wait = user_data;

  return hw_faults_page_get_load_count (wait->f->page) > wait->loads
         && g_strcmp0 (hw_faults_page_get_source (wait->f->page), "hub") == 0
         && hw_faults_page_get_n_groups (wait->f->page) == wait->n_groups;
}

static void
wait_for_groups (Fixture *f,
                 guint    n_groups)
{
  GroupsWait wait = { f, n_groups, 0 };

  hw_faults_page_set_range (f->page, HW_FAULTS_RANGE_ALL);
  g_assert_true (hw_test_wait_until (groups_shown, &wait, WAIT_MS));
}

static gboolean
faults_listed (gpointer user_data)
{
  Fixture *f = user_data;

  return hw_faults_page_get_fault_load_count (f->page) > 0 && hw_faults_page_get_n_faults (f->page) == 3;
}

/* The groups on screen are exactly the hub's, in its order; a group's faults
 * and the detail of one come from the cache, with the stack and the links to
 * the events of the unit of work. */
static void
test_groups_match_hub (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(JsonNode) answer = NULL;
  JsonArray *groups;
  g_autofree char *stack = NULL;
  g_auto(GStrv) linked = NULL;

  publish_faults (f);
  g_assert_true (hw_test_wait_until (online, f, WAIT_MS));
  wait_for_groups (f, 2);

  hw_test_hub_set_token (f->hub, VIEWER);
  answer = hw_test_hub_get_json (f->hub, "/v1/faults/groups", 200);
  groups = json_object_get_array_member (json_node_get_object (answer), "groups");
  g_assert_cmpuint (json_array_get_length (groups), ==, hw_faults_page_get_n_groups (f->page));
  for (guint i = 0; i < json_array_get_length (groups); i++)
    {
      JsonObject *expected = json_array_get_object_element (groups, i);
      const char *function, *pipeline, *message;
      gint64 count;

      g_assert_true (hw_faults_page_get_group (f->page, i, &function, &pipeline, &message, &count));
      g_assert_cmpstr (function, ==, json_object_get_string_member (expected, "functionname"));
      g_assert_cmpstr (pipeline, ==, json_object_get_string_member (expected, "pipeline"));
      g_assert_cmpstr (message, ==, json_object_get_string_member (expected, "message"));
      g_assert_cmpint (count, ==, json_object_get_int_member (expected, "count"));
    }
  {
    const char *function;

    hw_faults_page_get_group (f->page, 0, &function, NULL, NULL, NULL);
    g_assert_cmpstr (function, ==, "charge-card");
  }

  /* The largest group's faults and the newest one's detail. */
  hw_faults_page_select_group (f->page, 0);
  g_assert_true (hw_test_wait_until (faults_listed, f, WAIT_MS));
  g_assert_cmpstr (hw_fault_detail_get_fault_id (hw_faults_page_get_detail (f->page)), ==, "fault-card-2");
  stack = hw_fault_detail_dup_stack (hw_faults_page_get_detail (f->page));
  g_assert_true (g_str_has_prefix (stack, "Error: card declined\n    at handler"));
  linked = hw_fault_detail_dup_linked_ids (hw_faults_page_get_detail (f->page));
  g_assert_cmpuint (g_strv_length (linked), ==, 1);
  g_assert_cmpstr (linked[0], ==, "order-2");

  /* Text filtering narrows the list without asking the hub again. */
  hw_faults_page_set_filter (f->page, "DRIVER");
  g_assert_cmpuint (hw_faults_page_get_n_groups (f->page), ==, 1);
  hw_faults_page_set_filter (f->page, NULL);
  g_assert_cmpuint (hw_faults_page_get_n_groups (f->page), ==, 2);
}

static gboolean
resubmit_dry_run_done (gpointer user_data)
{
  return !hw_resubmit_dialog_get_dry_run_pending (user_data);
}

static gboolean
resubmit_finished (gpointer user_data)
{
  return hw_resubmit_dialog_is_finished (user_data);
}

typedef struct
{
  HwTestListener *listener;
  guint           n;
} ListenerWait;

static gboolean
listener_acked (gpointer user_data)
{
  ListenerWait *wait = user_data;

  return hw_test_listener_n_acked (wait->listener) >= wait->n;
}

typedef struct
{
  Fixture *f;
  guint    resubmitted;
} MarkWait;

static gboolean
faults_marked (gpointer user_data)
{
  MarkWait *wait = user_data;
  HwEventStore *store = hw_connection_get_store (wait->f->connection);
  HwFaultFilter filter = { 0 };
  g_autoptr(GPtrArray) rows = NULL;

  filter.functionname = "charge-card";
  filter.state = HW_FAULT_STATE_RESUBMITTED;
  rows = hw_event_store_list_faults (store, &filter, 0, NULL, NULL);
  wait->resubmitted = rows != NULL ? rows->len : 0;
  return wait->resubmitted == 3;
}

/* Dry run (count and target), then rate and confirm: the original records
 * reach the function named by the faults, once, and the cache marks the
 * faults resubmitted. */
static void
test_resubmit_group (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(HwTestListener) charge = hw_test_listener_new ();
  g_autoptr(HwTestListener) ship = hw_test_listener_new ();
  g_autoptr(GPtrArray) ids = NULL;
  ListenerWait lwait = { charge, 3 };
  MarkWait mwait = { f, 0 };
  HwResubmitDialog *dialog;
  g_autoptr(JsonNode) jobs = NULL;

  add_listener (f->hub, "charge-card", charge);
  add_listener (f->hub, "ship-order", ship);
  publish_faults (f);
  g_assert_true (hw_test_wait_until (online, f, WAIT_MS));
  wait_for_groups (f, 2);

  dialog = hw_resubmit_dialog_new (GTK_WINDOW (f->window), f->connection, "charge-card", "payments",
                                   "card declined", NULL, NULL);
  gtk_window_present (GTK_WINDOW (dialog));
  g_assert_true (hw_test_wait_until (resubmit_dry_run_done, dialog, WAIT_MS));
  g_assert_null (hw_resubmit_dialog_get_blocked_reason (dialog));
  g_assert_cmpint (hw_resubmit_dialog_get_dry_run_count (dialog), ==, 3);
  /* A dry run sends nothing. */
  g_assert_cmpuint (charge->batches->len, ==, 0);

  hw_resubmit_dialog_next (dialog);
  g_assert_cmpint (hw_resubmit_dialog_get_step (dialog), ==, HW_RESUBMIT_STEP_OPTIONS);
  hw_resubmit_dialog_set_rate (dialog, 0, 2);
  hw_resubmit_dialog_next (dialog);
  g_assert_cmpint (hw_resubmit_dialog_get_step (dialog), ==, HW_RESUBMIT_STEP_PROGRESS);
  g_assert_true (hw_test_wait_until (resubmit_finished, dialog, WAIT_MS));
  g_test_message ("status: %s", hw_resubmit_dialog_get_status (dialog));
  g_assert_cmpstr (hw_resubmit_dialog_get_status (dialog), ==, "Done");

  g_assert_true (hw_test_wait_until (listener_acked, &lwait, WAIT_MS));
  ids = hw_test_listener_acked_ids (charge);
  g_assert_cmpuint (ids->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *expected = g_strdup_printf ("order-%u", i);
      gboolean found = FALSE;

      for (guint j = 0; j < ids->len; j++)
        found |= g_str_equal (g_ptr_array_index (ids, j), expected);
      g_assert_true (found);
    }
  g_assert_cmpuint (ship->batches->len, ==, 0);

  hw_test_hub_set_token (f->hub, OPERATOR);
  jobs = hw_test_hub_get_json (f->hub, "/v1/jobs", 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (jobs), "jobs")), ==, 1);

  g_assert_true (hw_test_wait_until (faults_marked, &mwait, WAIT_MS));
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static gboolean
replay_dry_run_done (gpointer user_data)
{
  return hw_replay_dialog_get_dry_run_count (user_data) >= 0;
}

static gboolean
replay_has_listeners (gpointer user_data)
{
  return hw_replay_dialog_get_n_listeners (user_data) >= 2;
}

static gboolean
replay_finished (gpointer user_data)
{
  return hw_replay_dialog_is_finished (user_data);
}

static HwReplayDialog *
find_replay_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (HW_IS_REPLAY_DIALOG (window))
        return HW_REPLAY_DIALOG (window);
    }
  return NULL;
}

/* win.replay opens the dialog prefilled; the dry run counts by type; the
 * replay sends exactly the range to the chosen listener and nobody else. */
static void
test_replay_range (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(HwTestListener) target = hw_test_listener_new ();
  g_autoptr(HwTestListener) other = hw_test_listener_new ();
  g_autoptr(GPtrArray) ids = NULL;
  ListenerWait lwait = { target, 10 };
  HwReplayDialog *dialog;
  g_autofree char *from = hw_time_format_iso8601 (f->t0 + 5000);
  g_autofree char *to = hw_time_format_iso8601 (f->t0 + 15000);

  add_listener (f->hub, "other", other);
  add_listener (f->hub, "target", target);
  publish_range (f, 20);
  g_assert_true (hw_test_wait_until (online, f, WAIT_MS));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.replay", "(sxx)",
                                             "type:replay-thing", f->t0 + 5000, f->t0 + 15000));
  dialog = find_replay_dialog ();
  g_assert_nonnull (dialog);
  g_assert_cmpstr (hw_replay_dialog_get_query_text (dialog), ==, "type:replay-thing");
  g_assert_cmpstr (hw_replay_dialog_get_from_text (dialog), ==, from);
  g_assert_true (hw_test_wait_until (replay_has_listeners, dialog, WAIT_MS));
  hw_replay_dialog_set_listener (dialog, "target");
  hw_replay_dialog_set_range (dialog, from, to);
  hw_replay_dialog_set_rate (dialog, 0, 1);

  /* No dry run yet: the replay cannot start. */
  g_assert_nonnull (hw_replay_dialog_get_blocked_reason (dialog));
  hw_replay_dialog_dry_run (dialog);
  g_assert_true (hw_test_wait_until (replay_dry_run_done, dialog, WAIT_MS));
  g_assert_cmpint (hw_replay_dialog_get_dry_run_count (dialog), ==, 10);
  g_assert_cmpint (hw_replay_dialog_get_dry_run_type_count (dialog, "replay-thing"), ==, 10);
  g_assert_null (hw_replay_dialog_get_blocked_reason (dialog));
  g_assert_cmpuint (target->batches->len, ==, 0);

  hw_replay_dialog_start (dialog);
  g_assert_true (hw_test_wait_until (replay_finished, dialog, WAIT_MS));
  g_assert_cmpstr (hw_replay_dialog_get_status (dialog), ==, "Done");
  g_assert_true (hw_test_wait_until (listener_acked, &lwait, WAIT_MS));
  ids = hw_test_listener_acked_ids (target);
  g_assert_cmpuint (ids->len, ==, 10);
  for (guint i = 0; i < ids->len; i++)
    {
      g_autofree char *expected = g_strdup_printf ("r%03u", i + 5);

      g_assert_cmpstr (g_ptr_array_index (ids, i), ==, expected);
    }
  g_assert_cmpuint (other->batches->len, ==, 0);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static gboolean
cannot_operate (gpointer user_data)
{
  Fixture *f = user_data;

  return !hw_command_queue_get_can_operate (hw_command_queue_get (f->connection));
}

typedef gboolean (*WidgetMatch) (GtkWidget *widget, gconstpointer data);

static GtkWidget *
find_widget (GtkWidget     *root,
             WidgetMatch    match,
             gconstpointer  data)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (match (child, data))
        return child;
      if ((found = find_widget (child, match, data)) != NULL)
        return found;
    }
  return NULL;
}

static gboolean
is_button_labelled (GtkWidget     *widget,
                    gconstpointer  label)
{
  g_autofree char *problem = NULL;

  if (!GTK_IS_BUTTON (widget))
    return FALSE;
  problem = gtk_test_accessible_check_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, label);
  return problem == NULL;
}

/* A viewer token: the actions are disabled and say why; a dialog opened
 * anyway cannot start anything; the hub started no job. */
static void
test_viewer_cannot_start (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(HwTestListener) charge = hw_test_listener_new ();
  GtkWidget *resubmit, *replay;
  const char *reason;
  HwResubmitDialog *dialog;
  HwReplayDialog *replay_dialog;
  g_autoptr(JsonNode) jobs = NULL;

  add_listener (f->hub, "charge-card", charge);
  publish_faults (f);
  g_assert_true (hw_test_wait_until (online, f, WAIT_MS));
  g_assert_true (hw_test_wait_until (cannot_operate, f, WAIT_MS));
  wait_for_groups (f, 2);
  hw_faults_page_select_group (f->page, 0);

  reason = hw_command_queue_get_permission_reason (hw_command_queue_get (f->connection));
  g_test_message ("reason: %s", reason);
  g_assert_nonnull (strstr (reason, "operator"));
  resubmit = find_widget (GTK_WIDGET (f->page), is_button_labelled, "Resubmit Group");
  replay = find_widget (GTK_WIDGET (f->page), is_button_labelled, "Replay");
  g_assert_nonnull (resubmit);
  g_assert_nonnull (replay);
  g_assert_false (gtk_widget_is_sensitive (resubmit));
  g_assert_false (gtk_widget_is_sensitive (replay));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (resubmit), ==, reason);

  dialog = hw_resubmit_dialog_new (GTK_WINDOW (f->window), f->connection, "charge-card", "payments",
                                   "card declined", NULL, NULL);
  g_assert_true (hw_test_wait_until (resubmit_dry_run_done, dialog, WAIT_MS));
  g_assert_false (hw_resubmit_dialog_can_continue (dialog));
  g_assert_nonnull (strstr (hw_resubmit_dialog_get_blocked_reason (dialog), "operator"));
  hw_resubmit_dialog_next (dialog);
  g_assert_cmpint (hw_resubmit_dialog_get_step (dialog), ==, HW_RESUBMIT_STEP_DRY_RUN);
  gtk_window_destroy (GTK_WINDOW (dialog));

  replay_dialog = hw_replay_dialog_new (GTK_WINDOW (f->window), f->connection, "charge-card", NULL, 0, 0);
  g_assert_nonnull (hw_replay_dialog_get_blocked_reason (replay_dialog));
  hw_replay_dialog_start (replay_dialog);
  g_assert_null (hw_replay_dialog_get_command_key (replay_dialog));
  gtk_window_destroy (GTK_WINDOW (replay_dialog));

  hw_test_hub_set_token (f->hub, OPERATOR);
  jobs = hw_test_hub_get_json (f->hub, "/v1/jobs", 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (jobs), "jobs")), ==, 0);
  g_assert_cmpuint (charge->batches->len, ==, 0);
}

/* A fault whose unit of work holds two records: one carrying @good, one
 * carrying @bad_length bytes of @bad, each base64-encoded as on the wire. */
static char *
two_record_fault (const char *good,
                  const char *bad,
                  gsize       bad_length)
{
  g_autofree char *good_data = g_base64_encode ((const guchar *) good, strlen (good));
  g_autofree char *bad_data = g_base64_encode ((const guchar *) bad, bad_length);

  return g_strdup_printf ("{\"id\":\"fault-x\",\"type\":\"fault\",\"timestamp\":1714734000000,"
                          "\"uow\":{\"batch\":[{\"record\":{\"kinesis\":{\"data\":\"%s\"}}},"
                          "{\"record\":{\"kinesis\":{\"data\":\"%s\"}}}]}}",
                          good_data, bad_data);
}

/* The event inside a record's base64 never went through the hub's guard:
 * it is refused like a published line would be, and its id is not linked
 * (json-glib would have turned "\255" into an id that is not UTF-8, and
 * recursed once per '['). */
static void
test_detail_refuses_bad_records (void)
{
  static const char nul[] = "{\"id\":\"order-\0\"}";
  g_autofree char *brackets = g_strnfill (100000, '[');
  g_autofree char *deep = g_strconcat ("{\"id\":\"order-deep\",\"x\":", brackets, NULL);
  const struct { const char *text; gsize length; const char *problem; } table[] = {
    { "{\"id\":\"order-\\255\"}", 0, "invalid escape '\\2' in a string at byte offset 13" },
    { "{\"id\":\"order-\\ud800\"}", 0, "unpaired UTF-16 surrogate escape at byte offset 13" },
    { "{\"id\":\"order-\xff\"}", 0, "invalid UTF-8 at byte offset 13" },
    { nul, sizeof nul - 1, "NUL byte at byte offset 13" },
    { deep, 0, "nesting deeper than 64 levels at byte offset 86" },
  };
  HwFaultDetail *detail = g_object_ref_sink (g_object_new (HW_TYPE_FAULT_DETAIL, NULL));

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      gsize length = table[i].length != 0 ? table[i].length : strlen (table[i].text);
      g_autofree char *fault = two_record_fault ("{\"id\":\"order-ok\"}", table[i].text, length);
      g_autofree char *expected = g_strconcat ("fault fault-x: uow record kinesis.data: ", table[i].problem, NULL);
      g_auto(GStrv) linked = NULL;

      g_test_message ("%s", expected);
      g_test_expect_message ("hubwatch", G_LOG_LEVEL_DEBUG, expected);
      hw_fault_detail_set_fault (detail, fault, 0);
      g_test_assert_expected_messages ();
      linked = hw_fault_detail_dup_linked_ids (detail);
      g_assert_cmpuint (g_strv_length (linked), ==, 1);
      g_assert_cmpstr (linked[0], ==, "order-ok");
    }
  g_object_unref (detail);
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

  g_test_add_func ("/app/faults/detail-refuses-bad-records", test_detail_refuses_bad_records);
  g_test_add ("/app/faults/groups-match-hub", Fixture, NULL, fixture_set_up, test_groups_match_hub,
              fixture_tear_down);
  g_test_add ("/app/faults/resubmit-group", Fixture, NULL, fixture_set_up, test_resubmit_group,
              fixture_tear_down);
  g_test_add ("/app/faults/replay-range", Fixture, NULL, fixture_set_up, test_replay_range,
              fixture_tear_down);
  g_test_add ("/app/faults/viewer-cannot-start", Fixture, VIEWER, fixture_set_up, test_viewer_cannot_start,
              fixture_tear_down);

  status = g_test_run ();
  hw_test_rmdir (tmp_dir);
  return status;
}
