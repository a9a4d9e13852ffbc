/* test-hub-client.c: HwHubClient against the real hubwatchd
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "hw-error.h"
#include "hw-hub-client.h"
#include "hw-hub-subscription.h"
#include "hw-test-client.h"
#include "hw-test-hub.h"
#include "hw-test-util.h"

#define WAIT_MS 20000

/* ---- hub helpers ------------------------------------------------------------ */

static HwHubClient *
client_for (HwTestHub  *hub,
            const char *token)
{
  g_autoptr(GError) error = NULL;
  HwHubClient *client = hw_hub_client_new (hub->base_url, &error);

  g_assert_no_error (error);
  hw_hub_client_set_token (client, token);
  return client;
}

static void
publish (HwTestHub  *hub,
         const char *body)
{
  g_autoptr(GBytes) answer = NULL;
  guint status = hw_test_hub_request (hub, "POST", "/v1/events", NULL, "application/x-ndjson",
                                      body, -1, &answer, NULL);

  if (status != 200)
    g_error ("publish failed with %u: %s", status, (const char *) g_bytes_get_data (answer, NULL));
}

/* @n events "e-0"… alternating two types, one second apart, ending now. */
static void
publish_events (HwTestHub *hub,
                guint      n,
                gint64     now_ms)
{
  g_autoptr(GString) body = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("e-%u", i);
      g_autofree char *json = hw_test_event_json (id, i % 2 ? "order-placed" : "payment-captured",
                                                  now_ms - (gint64) (n - i) * 1000);

      g_string_append_printf (body, "%s\n", json);
    }
  publish (hub, body->str);
}

static char *
fault_json (const char *id,
            const char *functionname,
            const char *message,
            gint64      ts)
{
  return g_strdup_printf ("{\"id\":\"%s\",\"type\":\"fault\",\"timestamp\":%" G_GINT64_FORMAT ","
                          "\"tags\":{\"functionname\":\"%s\",\"pipeline\":\"p1\"},"
                          "\"err\":{\"name\":\"Error\",\"message\":\"%s\",\"stack\":\"at x\"},"
                          "\"uow\":{\"record\":{\"n\":1}}}",
                          id, ts, functionname, message);
}

/* ---- against the real hub --------------------------------------------------- */

static void
test_info_and_events (void)
{
  HwTestHub *hub = hw_test_hub_new (NULL, NULL, NULL);
  g_autoptr(HwHubClient) client = client_for (hub, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(HwHubInfo) info = NULL;
  g_autoptr(HwHubEventPage) page = NULL;
  g_autoptr(HwHubSyncPage) sync = NULL;
  g_autoptr(GArray) histogram = NULL;
  g_autoptr(HwEvent) event = NULL;
  g_autoptr(JsonNode) tree = NULL;
  gint64 now = g_get_real_time () / 1000;
  HwTestWaiter w = { 0 };
  guint64 total = 0;

  publish_events (hub, 30, now);

  hw_hub_client_get_info_async (client, NULL, hw_test_waiter_done, &w);
  info = hw_hub_client_get_info_finish (client, hw_test_waiter_wait (&w), &error);
  g_assert_no_error (error);
  g_assert_nonnull (info->name);
  g_assert_cmpint (info->server_time_ms, >, now - 60000);
  g_assert_true (g_strv_contains ((const char * const *) info->capabilities, "sync"));
  hw_test_waiter_clear (&w);

  hw_hub_client_search_events_async (client, "type:order-placed", NULL, NULL, 10, NULL, NULL,
                                     hw_test_waiter_done, &w);
  page = hw_hub_client_search_events_finish (client, hw_test_waiter_wait (&w), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->events->len, ==, 10);
  for (guint i = 0; i < page->events->len; i++)
    g_assert_cmpstr (((HwEvent *) g_ptr_array_index (page->events, i))->type, ==, "order-placed");
  g_assert_nonnull (page->next_cursor);
  hw_test_waiter_clear (&w);
  g_clear_pointer (&page, hw_hub_event_page_free);

  /* The next page follows the cursor: 15 matches in all. */
  hw_hub_client_search_events_async (client, "type:order-placed", NULL, NULL, 10, NULL, NULL,
                                     hw_test_waiter_done, &w);
  page = hw_hub_client_search_events_finish (client, hw_test_waiter_wait (&w), &error);
  hw_test_waiter_clear (&w);
  {
    g_autofree char *cursor = g_strdup (page->next_cursor);
    g_autoptr(HwHubEventPage) second = NULL;

    hw_hub_client_search_events_async (client, "type:order-placed", NULL, NULL, 10, cursor, NULL,
                                       hw_test_waiter_done, &w);
    second = hw_hub_client_search_events_finish (client, hw_test_waiter_wait (&w), &error);
    g_assert_no_error (error);
    g_assert_cmpuint (second->events->len, ==, 5);
    g_assert_null (second->next_cursor);
    hw_test_waiter_clear (&w);
  }

  hw_hub_client_count_events_async (client, NULL, NULL, NULL, NULL, hw_test_waiter_done, &w);
  g_assert_cmpint (hw_hub_client_count_events_finish (client, hw_test_waiter_wait (&w), &error), ==, 30);
  g_assert_no_error (error);
  hw_test_waiter_clear (&w);

  hw_hub_client_count_events_async (client, "type:payment-captured", "now-1h", "now", NULL,
                                    hw_test_waiter_done, &w);
  g_assert_cmpint (hw_hub_client_count_events_finish (client, hw_test_waiter_wait (&w), &error), ==, 15);
  g_assert_no_error (error);
  hw_test_waiter_clear (&w);

  hw_hub_client_histogram_async (client, NULL, "now-1h", "now", 12, NULL, hw_test_waiter_done, &w);
  histogram = hw_hub_client_histogram_finish (client, hw_test_waiter_wait (&w), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (histogram->len, >, 0);
  for (guint i = 0; i < histogram->len; i++)
    total += g_array_index (histogram, HwHubBucket, i).count;
  g_assert_cmpuint (total, ==, 30);
  hw_test_waiter_clear (&w);

  hw_hub_client_tree_async (client, "year", NULL, NULL, NULL, hw_test_waiter_done, &w);
  tree = hw_hub_client_tree_finish (client, hw_test_waiter_wait (&w), &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (tree));
  hw_test_waiter_clear (&w);

  hw_hub_client_get_event_async (client, "e-7", NULL, hw_test_waiter_done, &w);
  event = hw_hub_client_get_event_finish (client, hw_test_waiter_wait (&w), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (event->id, ==, "e-7");
  g_assert_cmpstr (event->type, ==, "order-placed");
  hw_test_waiter_clear (&w);

  /* Sync pages: arrival order, increasing seqs, resumable from last_seq. */
  hw_hub_client_sync_page_async (client, 0, 20, NULL, hw_test_waiter_done, &w);
  sync = hw_hub_client_sync_page_finish (client, hw_test_waiter_wait (&w), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sync->events->len, ==, 20);
  g_assert_cmpstr (((HwEvent *) g_ptr_array_index (sync->events, 0))->id, ==, "e-0");
  for (guint i = 1; i < sync->seqs->len; i++)
    g_assert_cmpuint (g_array_index (sync->seqs, guint64, i), >, g_array_index (sync->seqs, guint64, i - 1));
  g_assert_cmpuint (sync->last_seq, ==, g_array_index (sync->seqs, guint64, 19));
  g_assert_cmpint (g_array_index (sync->received_ms, gint64, 0), >, 0);
  hw_test_waiter_clear (&w);
  {
    g_autoptr(HwHubSyncPage) rest = NULL;

    hw_hub_client_sync_page_async (client, sync->last_seq, 20, NULL, hw_test_waiter_done, &w);
    rest = hw_hub_client_sync_page_finish (client, hw_test_waiter_wait (&w), &error);
    g_assert_no_error (error);
    g_assert_cmpuint (rest->events->len, ==, 10);
    g_assert_cmpstr (((HwEvent *) g_ptr_array_index (rest->events, 9))->id, ==, "e-29");
    g_assert_cmpuint (rest->hub_max_seq, ==, rest->last_seq);
    hw_test_waiter_clear (&w);
  }

  hw_test_hub_free (hub);
}

static void
test_faults_and_system_events (void)
{
  HwTestHub *hub = hw_test_hub_new (NULL, NULL, NULL);
  g_autoptr(HwHubClient) client = client_for (hub, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(HwHubEventPage) faults = NULL;
  g_autoptr(GPtrArray) groups = NULL;
  g_autoptr(GPtrArray) system_events = NULL;
  g_autoptr(JsonNode) posted = NULL;
  g_autoptr(JsonObject) deployment = json_object_new ();
  gint64 now = g_get_real_time () / 1000;
  g_autofree char *f1 = fault_json ("f-1", "pay", "card declined", now - 3000);
  g_autofree char *f2 = fault_json ("f-2", "pay", "card declined", now - 2000);
  g_autofree char *f3 = fault_json ("f-3", "ship", "no driver", now - 1000);
  g_autofree char *body = g_strdup_printf ("%s\n%s\n%s\n", f1, f2, f3);
  HwTestWaiter w = { 0 };
  HwHubFaultGroup *top;
  HwHubSystemEvent *found = NULL;

  publish (hub, body);

  hw_hub_client_list_faults_async (client, NULL, NULL, NULL, 0, NULL, NULL, hw_test_waiter_done, &w);
  faults = hw_hub_client_list_faults_finish (client, hw_test_waiter_wait (&w), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (faults->events->len, ==, 3);
  g_assert_cmpstr (((HwEvent *) g_ptr_array_index (faults->events, 0))->err_message, !=, NULL);
  hw_test_waiter_clear (&w);

  hw_hub_client_fault_groups_async (client, NULL, NULL, NULL, hw_test_waiter_done, &w);
  groups = hw_hub_client_fault_groups_finish (client, hw_test_waiter_wait (&w), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (groups->len, ==, 2);
  top = g_ptr_array_index (groups, 0);
  g_assert_cmpstr (top->functionname, ==, "pay");
  g_assert_cmpstr (top->message, ==, "card declined");
  g_assert_cmpuint (top->count, ==, 2);
  g_assert_cmpint (top->first_seen_ms, ==, now - 3000);
  g_assert_cmpint (top->last_seen_ms, ==, now - 2000);
  hw_test_waiter_clear (&w);

  json_object_set_string_member (deployment, "kind", "deployment");
  json_object_set_string_member (deployment, "id", "dep-1");
  json_object_set_string_member (deployment, "service", "payments");
  json_object_set_string_member (deployment, "version", "1.2.3");
  json_object_set_string_member (deployment, "commit_sha", "abc123");
  json_object_set_int_member (deployment, "commit_time", now - 3600000);
  json_object_set_int_member (deployment, "deploy_time", now - 60000);
  json_object_set_string_member (deployment, "result", "success");
  hw_hub_client_post_system_event_async (client, deployment, NULL, hw_test_waiter_done, &w);
  posted = hw_hub_client_post_system_event_finish (client, hw_test_waiter_wait (&w), &error);
  g_assert_no_error (error);
  hw_test_waiter_clear (&w);

  hw_hub_client_list_system_events_async (client, "deployment", NULL, NULL, 0, NULL, hw_test_waiter_done, &w);
  system_events = hw_hub_client_list_system_events_finish (client, hw_test_waiter_wait (&w), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < system_events->len; i++)
    if (g_str_equal (((HwHubSystemEvent *) g_ptr_array_index (system_events, i))->id, "dep-1"))
      found = g_ptr_array_index (system_events, i);
  g_assert_nonnull (found);
  g_assert_cmpstr (found->kind, ==, "deployment");
  g_assert_cmpstr (found->service, ==, "payments");
  g_assert_cmpint (found->ts_ms, ==, now - 60000);
  g_assert_cmpstr (found->title, ==, "Deployed payments 1.2.3");
  hw_test_waiter_clear (&w);

  hw_test_hub_free (hub);
}

/* A listener that acknowledges everything, for replays to have a target. */
static void
ack_handler (SoupServer        *server,
             SoupServerMessage *msg,
             const char        *path,
             GHashTable        *query,
             gpointer           user_data)
{
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, "{}", 2);
}

static void
test_listeners_jobs_replays (void)
{
  HwTestHub *hub = hw_test_hub_new (NULL, NULL, NULL);
  g_autoptr(HwHubClient) client = client_for (hub, NULL);
  g_autofree char *listener_url = NULL;
  g_autoptr(SoupServer) listener = hw_test_soup_server_start (ack_handler, NULL, &listener_url);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) created = NULL;
  g_autoptr(JsonNode) listener_node = NULL;
  g_autoptr(GPtrArray) listeners = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(HwHubSubmitResult) dry = NULL;
  g_autoptr(HwHubSubmitResult) first = NULL;
  g_autoptr(HwHubSubmitResult) again = NULL;
  g_autoptr(HwHubJob) job = NULL;
  g_autoptr(JsonObject) replay = json_object_new ();
  g_autofree char *listener_json =
    g_strdup_printf ("{\"name\":\"l1\",\"url\":\"%s/l1\",\"types\":[\"*\"],\"batch_size\":10,\"parallel\":1}",
                     listener_url);
  gint64 now = g_get_real_time () / 1000;
  HwTestWaiter w = { 0 };
  gboolean seen = FALSE;

  publish_events (hub, 30, now);

  listener_node = json_from_string (listener_json, NULL);
  hw_hub_client_request_json_async (client, "POST", "/v1/listeners", listener_node, NULL, NULL,
                                    hw_test_waiter_done, &w);
  created = hw_hub_client_request_json_finish (client, hw_test_waiter_wait (&w), &error);
  g_assert_no_error (error);
  hw_test_waiter_clear (&w);

  hw_hub_client_list_listeners_async (client, NULL, hw_test_waiter_done, &w);
  listeners = hw_hub_client_list_listeners_finish (client, hw_test_waiter_wait (&w), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (listeners->len, ==, 1);
  g_assert_cmpstr (((HwHubListener *) g_ptr_array_index (listeners, 0))->name, ==, "l1");
  g_assert_cmpint (((HwHubListener *) g_ptr_array_index (listeners, 0))->iterator_age_ms, >=, 0);
  hw_test_waiter_clear (&w);

  json_object_set_string_member (replay, "listener", "l1");
  json_object_set_string_member (replay, "from", "now-1h");
  json_object_set_string_member (replay, "to", "now+1m");
  hw_hub_client_submit_async (client, HW_HUB_SUBMIT_REPLAY, replay, TRUE, NULL, NULL, hw_test_waiter_done, &w);
  dry = hw_hub_client_submit_finish (client, hw_test_waiter_wait (&w), &error);
  g_assert_no_error (error);
  g_assert_true (dry->dry_run);
  g_assert_cmpint (dry->count, ==, 30);
  g_assert_null (dry->job);
  /* The caller's body keeps its own dry_run (the outbox stores it). */
  g_assert_false (json_object_has_member (replay, "dry_run"));
  hw_test_waiter_clear (&w);

  hw_hub_client_submit_async (client, HW_HUB_SUBMIT_REPLAY, replay, FALSE, "key-1", NULL, hw_test_waiter_done, &w);
  first = hw_hub_client_submit_finish (client, hw_test_waiter_wait (&w), &error);
  g_assert_no_error (error);
  g_assert_false (first->dry_run);
  g_assert_nonnull (first->job);
  g_assert_cmpstr (first->job->kind, ==, "replay");
  hw_test_waiter_clear (&w);

  hw_hub_client_submit_async (client, HW_HUB_SUBMIT_REPLAY, replay, FALSE, "key-1", NULL, hw_test_waiter_done, &w);
  again = hw_hub_client_submit_finish (client, hw_test_waiter_wait (&w), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again->job->id, ==, first->job->id);
  hw_test_waiter_clear (&w);

  hw_hub_client_get_job_async (client, first->job->id, NULL, hw_test_waiter_done, &w);
  job = hw_hub_client_get_job_finish (client, hw_test_waiter_wait (&w), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (job->id, ==, first->job->id);
  g_assert_nonnull (job->state);
  hw_test_waiter_clear (&w);

  hw_hub_client_list_jobs_async (client, NULL, hw_test_waiter_done, &w);
  jobs = hw_hub_client_list_jobs_finish (client, hw_test_waiter_wait (&w), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < jobs->len; i++)
    seen |= g_str_equal (((HwHubJob *) g_ptr_array_index (jobs, i))->id, first->job->id);
  g_assert_true (seen);
  hw_test_waiter_clear (&w);

  /* Cancelling a job that may have finished already: either answer is fine,
   * as long as it is a typed one. */
  hw_hub_client_cancel_job_async (client, first->job->id, NULL, hw_test_waiter_done, &w);
  {
    g_autoptr(HwHubJob) cancelled = hw_hub_client_cancel_job_finish (client, hw_test_waiter_wait (&w), &error);

    if (cancelled == NULL)
      g_assert_error (error, HW_ERROR, HW_ERROR_CONFLICT);
    else
      g_assert_cmpstr (cancelled->id, ==, first->job->id);
    g_clear_error (&error);
  }
  hw_test_waiter_clear (&w);

  hw_hub_client_get_job_async (client, "no-such-job", NULL, hw_test_waiter_done, &w);
  g_assert_null (hw_hub_client_get_job_finish (client, hw_test_waiter_wait (&w), &error));
  g_assert_error (error, HW_ERROR, HW_ERROR_NOT_FOUND);
  g_clear_error (&error);
  hw_test_waiter_clear (&w);

  soup_server_disconnect (listener);
  hw_test_hub_free (hub);
}

static void
test_metrics (void)
{
  HwTestHub *hub = hw_test_hub_new (NULL, NULL, NULL);
  g_autoptr(HwHubClient) client = client_for (hub, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) series = NULL;
  gint64 now = g_get_real_time () / 1000;
  HwTestWaiter w = { 0 };
  double total = 0;

  publish_events (hub, 10, now);

  hw_hub_client_query_metrics_async (client, "domain.event.count", "now-5m", "now+1m", 10, "sum", "type",
                                     NULL, hw_test_waiter_done, &w);
  series = hw_hub_client_query_metrics_finish (client, hw_test_waiter_wait (&w), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (series->len, ==, 2);
  for (guint i = 0; i < series->len; i++)
    {
      HwHubSeries *s = g_ptr_array_index (series, i);

      g_assert_cmpstr (s->name, ==, "domain.event.count");
      g_assert_true (g_str_has_prefix (s->label, "type="));
      for (guint j = 0; j < s->points->len; j++)
        {
          HwHubPoint *p = &g_array_index (s->points, HwHubPoint, j);

          if (j > 0)
            g_assert_cmpint (p->ts_ms, >, g_array_index (s->points, HwHubPoint, j - 1).ts_ms);
          if (isfinite (p->value))
            total += p->value;
        }
    }
  g_assert_cmpfloat (total, ==, 10);
  hw_test_waiter_clear (&w);

  hw_test_hub_free (hub);
}

/* ---- the live stream -------------------------------------------------------- */

typedef struct
{
  guint    n_events;
  guint64  last_seq;
  gboolean saw_new;
  gboolean closed;
} StreamLog;

static void
on_stream_message (HwHubSubscription *subscription,
                   const char        *kind,
                   guint64            seq,
                   JsonNode          *data,
                   gpointer           user_data)
{
  StreamLog *log = user_data;

  if (!g_str_equal (kind, "event"))
    return;
  g_assert_cmpuint (seq, >, log->last_seq);
  log->last_seq = seq;
  log->n_events++;
  if (data != NULL && JSON_NODE_HOLDS_OBJECT (data)
      && g_strcmp0 (json_object_get_string_member_with_default (json_node_get_object (data), "id", NULL),
                    "live-1") == 0)
    log->saw_new = TRUE;
}

static gboolean
stream_saw (gpointer user_data)
{
  StreamLog *log = user_data;

  return log->saw_new;
}

static gboolean
stream_has_backlog (gpointer user_data)
{
  return ((StreamLog *) user_data)->n_events >= 5;
}

static void
on_stream_closed (HwHubSubscription *subscription,
                  const GError      *error,
                  gpointer           user_data)
{
  StreamLog *log = user_data;

  g_assert_nonnull (error);
  g_assert_error ((GError *) error, HW_ERROR, HW_ERROR_UNAVAILABLE);
  log->closed = TRUE;
}

static gboolean
stream_closed (gpointer user_data)
{
  return ((StreamLog *) user_data)->closed;
}

static void
test_subscription (void)
{
  HwTestHub *hub = hw_test_hub_new (NULL, NULL, NULL);
  g_autoptr(HwHubClient) client = client_for (hub, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(HwHubSubscription) subscription = NULL;
  g_autofree char *live = NULL;
  gint64 now = g_get_real_time () / 1000;
  StreamLog log = { 0 };
  HwTestWaiter w = { 0 };

  publish_events (hub, 10, now);

  /* Resuming after seq 5 replays the other five, then follows live. */
  hw_hub_client_subscribe_async (client, 5, NULL, hw_test_waiter_done, &w);
  subscription = hw_hub_client_subscribe_finish (client, hw_test_waiter_wait (&w), &error);
  g_assert_no_error (error);
  log.last_seq = 5;
  g_signal_connect (subscription, "message", G_CALLBACK (on_stream_message), &log);
  g_signal_connect (subscription, "closed", G_CALLBACK (on_stream_closed), &log);
  hw_test_waiter_clear (&w);
  g_assert_true (hw_test_wait_until (stream_has_backlog, &log, WAIT_MS));
  g_assert_cmpuint (log.n_events, ==, 5);

  live = hw_test_event_json ("live-1", "order-placed", now);
  publish (hub, live);
  g_assert_true (hw_test_wait_until (stream_saw, &log, WAIT_MS));
  g_assert_cmpuint (hw_hub_subscription_get_last_seq (subscription), ==, 11);

  /* A hub that dies closes the subscription with an error. */
  hw_test_hub_kill (hub);
  g_assert_true (hw_test_wait_until (stream_closed, &log, WAIT_MS));
  g_assert_false (hw_hub_subscription_is_open (subscription));

  hw_test_hub_free (hub);
}

/* ---- error mapping against the real hub --------------------------------------- */

static void
test_error_mapping (void)
{
  HwTestHub *hub = hw_test_hub_new (NULL, "--token", "boss:admin:adm1n-s3cret",
                                    "--token", "eve:viewer:v1ewer-s3cret", NULL);
  g_autoptr(HwHubClient) anonymous = client_for (hub, NULL);
  g_autoptr(HwHubClient) wrong = client_for (hub, "not-the-token");
  g_autoptr(HwHubClient) viewer = client_for (hub, "v1ewer-s3cret");
  g_autoptr(HwHubClient) admin = client_for (hub, "adm1n-s3cret");
  g_autoptr(JsonObject) replay = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) big = g_string_new ("{\"id\":\"big\",\"type\":\"t\",\"timestamp\":1,\"thing\":{\"blob\":\"");
  g_autoptr(JsonNode) big_node = NULL;
  g_autoptr(HwHubClient) nowhere = NULL;
  g_autofree char *nowhere_url = g_strdup_printf ("http://127.0.0.1:%u", hw_test_free_port ());
  HwTestWaiter w = { 0 };

  error = hw_test_client_count_error (anonymous, NULL);
  g_assert_error (error, HW_ERROR, HW_ERROR_UNAUTHORIZED);
  g_clear_error (&error);
  error = hw_test_client_count_error (wrong, NULL);
  g_assert_error (error, HW_ERROR, HW_ERROR_UNAUTHORIZED);
  g_assert_null (strstr (error->message, "not-the-token"));
  g_clear_error (&error);

  /* 400 with the hub's code name: the query syntax error keeps its position. */
  error = hw_test_client_count_error (admin, "type:(");
  g_assert_error (error, HW_ERROR, HW_ERROR_INVALID_QUERY);
  g_assert_nonnull (strstr (error->message, "HTTP 400"));
  g_clear_error (&error);

  json_object_set_string_member (replay, "listener", "nobody");
  json_object_set_string_member (replay, "from", "now-1h");
  json_object_set_string_member (replay, "to", "now");
  hw_hub_client_submit_async (viewer, HW_HUB_SUBMIT_REPLAY, replay, TRUE, NULL, NULL, hw_test_waiter_done, &w);
  g_assert_null (hw_hub_client_submit_finish (viewer, hw_test_waiter_wait (&w), &error));
  g_assert_error (error, HW_ERROR, HW_ERROR_FORBIDDEN);
  g_assert_cmpuint (strlen (error->message), >, 0);
  g_assert_null (strstr (error->message, "v1ewer-s3cret"));
  g_clear_error (&error);
  hw_test_waiter_clear (&w);

  hw_hub_client_get_event_async (admin, "no-such-event", NULL, hw_test_waiter_done, &w);
  g_assert_null (hw_hub_client_get_event_finish (admin, hw_test_waiter_wait (&w), &error));
  g_assert_error (error, HW_ERROR, HW_ERROR_NOT_FOUND);
  g_clear_error (&error);
  hw_test_waiter_clear (&w);

  /* One event over the hub's 256 KiB per-event limit: 413. */
  for (guint i = 0; i < 300 * 1024 / 16; i++)
    g_string_append (big, "0123456789abcdef");
  g_string_append (big, "\"}}");
  big_node = json_from_string (big->str, NULL);
  hw_hub_client_request_json_async (admin, "POST", "/v1/events", big_node, NULL, NULL, hw_test_waiter_done, &w);
  g_assert_null (hw_hub_client_request_json_finish (admin, hw_test_waiter_wait (&w), &error));
  g_assert_error (error, HW_ERROR, HW_ERROR_TOO_LARGE);
  g_clear_error (&error);
  hw_test_waiter_clear (&w);

  /* Nothing listening: unavailable, not a crash or a hang. */
  nowhere = hw_hub_client_new (nowhere_url, &error);
  g_assert_no_error (error);
  error = hw_test_client_count_error (nowhere, NULL);
  g_assert_error (error, HW_ERROR, HW_ERROR_UNAVAILABLE);
  g_clear_error (&error);

  hw_test_hub_free (hub);
}

static void
test_bad_urls (void)
{
  static const char * const bad[] = {
    "", "127.0.0.1:8080", "ftp://hub", "http://", "http://hub/?q=1", "http://hub/#x", "not a url",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HwHubClient) client = hw_hub_client_new (bad[i], &error);

      g_assert_null (client);
      g_assert_error (error, HW_ERROR, HW_ERROR_FAILED);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hub-client/bad-urls", test_bad_urls);
  g_test_add_func ("/hub-client/info-and-events", test_info_and_events);
  g_test_add_func ("/hub-client/faults-and-system-events", test_faults_and_system_events);
  g_test_add_func ("/hub-client/listeners-jobs-replays", test_listeners_jobs_replays);
  g_test_add_func ("/hub-client/metrics", test_metrics);
  g_test_add_func ("/hub-client/subscription", test_subscription);
  g_test_add_func ("/hub-client/error-mapping", test_error_mapping);

  return g_test_run ();
}
