/* test-hub-jobs.c: faults, resubmissions, replays, durable jobs, cancel and roles
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The real hubwatchd sends to real HTTP listeners served by this process.
 */
#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "hw-test-hub.h"
#include "hw-test-listener.h"
#include "hw-test-util.h"

#define WAIT_MS 30000
#define T0      1790000000000   /* 2026-09-21, inside the parser's plausible range */

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
              HwTestListener *listener,
              const char     *types)
{
  g_autofree char *def = g_strdup_printf ("{\"name\":\"%s\",\"url\":\"%s\",\"types\":[\"%s\"],\"batch_size\":5}",
                                          name, listener->url, types);

  post_ok (hub, "/v1/listeners", def, 201);
}

/* Posts a job request; returns the answer object (the job or the dry run). */
static JsonObject *
start_job (HwTestHub  *hub,
           const char *path,
           const char *idempotency_key,
           const char *body,
           guint       expected_status)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) request_body = NULL;
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = g_strconcat (hub->base_url, path, NULL);

  msg = soup_message_new ("POST", url);
  if (idempotency_key != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Idempotency-Key", idempotency_key);
  if (hub->token != NULL)
    {
      g_autofree char *auth = g_strdup_printf ("Bearer %s", hub->token);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
    }
  request_body = g_bytes_new_static (body, strlen (body));
  soup_message_set_request_body_from_bytes (msg, "application/json", request_body);
  answer = soup_session_send_and_read (hub->session, msg, NULL, &error);
  g_assert_no_error (error);
  node = json_from_string (g_bytes_get_data (answer, NULL), &error);
  g_assert_no_error (error);
  if (soup_message_get_status (msg) != expected_status)
    g_test_message ("POST %s answered %u: %s", path, soup_message_get_status (msg),
                    (const char *) g_bytes_get_data (answer, NULL));
  g_assert_cmpuint (soup_message_get_status (msg), ==, expected_status);
  return json_object_ref (json_node_get_object (node));
}

static JsonObject *
get_job (HwTestHub  *hub,
         const char *id)
{
  g_autofree char *path = g_strdup_printf ("/v1/jobs/%s", id);
  g_autoptr(JsonNode) node = hw_test_hub_get_json (hub, path, 200);

  return json_object_ref (json_node_get_object (node));
}

typedef struct
{
  HwTestHub  *hub;
  const char *id;
  const char *state;
  gint64      min_acked;
} JobWait;

static gboolean
job_reached (gpointer user_data)
{
  JobWait *wait = user_data;
  g_autoptr(JsonObject) job = get_job (wait->hub, wait->id);

  if (wait->state != NULL)
    return g_str_equal (json_object_get_string_member (job, "state"), wait->state);
  return json_object_get_int_member (job, "acked") >= wait->min_acked;
}

static JsonObject *
wait_job_state (HwTestHub  *hub,
                const char *id,
                const char *state)
{
  JobWait wait = { hub, id, state, 0 };
  guint tick_id = g_timeout_add (50, tick, NULL);

  g_assert_true (hw_test_wait_until (job_reached, &wait, WAIT_MS));
  g_source_remove (tick_id);
  return get_job (hub, id);
}

static char *
fault_json (const char *id,
            const char *functionname,
            const char *message,
            const char *original_id)
{
  g_autofree char *original = g_strdup_printf ("{\"id\":\"%s\",\"type\":\"order-placed\",\"timestamp\":%"
                                               G_GINT64_FORMAT ",\"partitionKey\":\"o-9\"}", original_id, T0);
  g_autofree char *data = g_base64_encode ((const guchar *) original, strlen (original));

  return g_strdup_printf ("{\"id\":\"%s\",\"type\":\"fault\",\"timestamp\":%" G_GINT64_FORMAT ","
                          "\"tags\":{\"functionname\":\"%s\",\"pipeline\":\"p1\"},"
                          "\"err\":{\"name\":\"ValidationError\",\"message\":\"%s\",\"stack\":\"at x\"},"
                          "\"uow\":{\"record\":{\"eventSource\":\"aws:kinesis\",\"eventID\":\"shardId-000000000000:77\","
                          "\"kinesis\":{\"sequenceNumber\":\"77\",\"partitionKey\":\"o-9\",\"data\":\"%s\"}}}}",
                          id, T0 + 5, functionname, message, data);
}

/* A published fault is in /v1/faults and its group in /v1/faults/groups. */
static void
test_fault_monitor (void)
{
  HwTestHub *hub = hw_test_hub_newv (NULL, NULL);
  g_autofree char *fault1 = fault_json ("fault-1", "fn-a", "postcode is required", "orig-1");
  g_autofree char *fault2 = fault_json ("fault-2", "fn-a", "postcode is required", "orig-2");
  g_autoptr(JsonNode) faults = NULL;
  g_autoptr(JsonNode) groups = NULL;
  g_autofree char *groups_text = NULL;

  post_ok (hub, "/v1/events", fault1, 200);
  post_ok (hub, "/v1/events", fault2, 200);
  faults = hw_test_hub_get_json (hub, "/v1/faults", 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (faults), "faults")),
                    ==, 2);
  groups = hw_test_hub_get_json (hub, "/v1/faults/groups", 200);
  groups_text = json_to_string (groups, FALSE);
  g_assert_nonnull (strstr (groups_text, "\"count\":2"));
  g_assert_nonnull (strstr (groups_text, "fn-a"));
  g_assert_nonnull (strstr (groups_text, "postcode is required"));

  hw_test_hub_free (hub);
}

/* The original record reaches the function named by the fault, once per
 * idempotency key; the dry run delivers nothing. */
static void
test_resubmit_once (void)
{
  g_autoptr(HwTestListener) listener = hw_test_listener_new ();
  HwTestHub *hub = hw_test_hub_newv (NULL, NULL);
  g_autofree char *fault = fault_json ("fault-9", "fn-a", "boom", "orig-9");
  g_autoptr(JsonNode) fault_node = json_from_string (fault, NULL);
  JsonNode *original_record = json_object_get_member (json_object_get_object_member (json_node_get_object (fault_node),
                                                                                      "uow"), "record");
  g_autoptr(JsonObject) dry = NULL;
  g_autoptr(JsonObject) job = NULL;
  g_autoptr(JsonObject) again = NULL;
  g_autoptr(JsonObject) done = NULL;
  g_autoptr(JsonNode) jobs = NULL;
  HwTestBatch *batch;
  const char *body = "{\"fault_ids\":[\"fault-9\"],\"dry_run\":false}";

  /* Normal delivery never sends faults; "none" keeps it silent anyway. */
  add_listener (hub, "fn-a", listener, "none");
  post_ok (hub, "/v1/events", fault, 200);

  dry = start_job (hub, "/v1/resubmissions", NULL, "{\"fault_ids\":[\"fault-9\"]}", 200);
  g_assert_true (json_object_get_boolean_member (dry, "dry_run"));
  g_assert_cmpint (json_object_get_int_member (dry, "count"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (dry, "targets"), "fn-a"), ==, 1);

  job = start_job (hub, "/v1/resubmissions", "key-1", body, 202);
  done = wait_job_state (hub, json_object_get_string_member (job, "id"), "done");
  g_assert_cmpint (json_object_get_int_member (done, "acked"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (done, "total"), ==, 1);

  again = start_job (hub, "/v1/resubmissions", "key-1", body, 200);
  g_assert_cmpstr (json_object_get_string_member (again, "id"), ==, json_object_get_string_member (job, "id"));

  jobs = hw_test_hub_get_json (hub, "/v1/jobs", 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (jobs), "jobs")), ==, 1);

  g_assert_cmpuint (listener->batches->len, ==, 1);
  batch = g_ptr_array_index (listener->batches, 0);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (batch->records)), ==, 1);
  g_assert_true (json_node_equal (json_array_get_element (json_node_get_array (batch->records), 0), original_record));
  g_assert_cmpstr (g_ptr_array_index (batch->event_ids, 0), ==, "orig-9");

  hw_test_hub_free (hub);
}

static void
publish_range (HwTestHub *hub,
               guint      n,
               const char *prefix)
{
  g_autoptr(GString) body = g_string_new ("[");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (body, "%s{\"id\":\"%s%03u\",\"type\":\"replay-thing\",\"timestamp\":%" G_GINT64_FORMAT
                            ",\"partitionKey\":\"k%u\"}", i > 0 ? "," : "", prefix, i, T0 + i * 1000, i % 3);
  g_string_append (body, "]");
  post_ok (hub, "/v1/events", body->str, 200);
}

/* Exactly the events of [from, to) reach the named listener, in timestamp
 * order; another listener gets nothing; the dry run delivers nothing. */
static void
test_replay_range (void)
{
  g_autoptr(HwTestListener) target = hw_test_listener_new ();
  g_autoptr(HwTestListener) bystander = hw_test_listener_new ();
  HwTestHub *hub = hw_test_hub_newv (NULL, NULL);
  g_autofree char *body = g_strdup_printf ("{\"listener\":\"target\",\"from\":%" G_GINT64_FORMAT ",\"to\":%"
                                           G_GINT64_FORMAT ",\"parallel\":1,\"batch_size\":3,\"dry_run\":false}",
                                           T0 + 5000, T0 + 15000);
  g_autofree char *dry_body = g_strdup_printf ("{\"listener\":\"target\",\"from\":%" G_GINT64_FORMAT ",\"to\":%"
                                               G_GINT64_FORMAT "}", T0 + 5000, T0 + 15000);
  g_autoptr(JsonObject) dry = NULL;
  g_autoptr(JsonObject) job = NULL;
  g_autoptr(JsonObject) done = NULL;
  g_autoptr(GPtrArray) ids = NULL;

  add_listener (hub, "target", target, "none");
  publish_range (hub, 20, "r");
  /* Registered after publishing: it starts at the live edge, so anything it
   * got would have come from the replay. */
  add_listener (hub, "bystander", bystander, "*");

  dry = start_job (hub, "/v1/replays", NULL, dry_body, 200);
  g_assert_cmpint (json_object_get_int_member (dry, "count"), ==, 10);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (dry, "by_type"), "replay-thing"), ==, 10);

  job = start_job (hub, "/v1/replays", NULL, body, 202);
  g_assert_cmpint (json_object_get_int_member (job, "total"), ==, 10);
  done = wait_job_state (hub, json_object_get_string_member (job, "id"), "done");
  g_assert_cmpint (json_object_get_int_member (done, "acked"), ==, 10);

  ids = hw_test_listener_acked_ids (target);
  g_assert_cmpuint (ids->len, ==, 10);
  for (guint i = 0; i < ids->len; i++)
    {
      g_autofree char *expected = g_strdup_printf ("r%03u", i + 5);

      g_assert_cmpstr (g_ptr_array_index (ids, i), ==, expected);
    }
  g_assert_cmpuint (bystander->batches->len, ==, 0);

  {
    g_autoptr(JsonNode) answer = NULL;

    /* Bad requests: unknown listener, reversed range, bad query. */
    g_assert_cmpuint (hw_test_hub_json (hub, "POST", "/v1/replays", NULL,
                                        "{\"listener\":\"nope\",\"from\":1790000000000}", &answer), ==, 404);
    hw_test_assert_error (answer, "not_found");
    g_clear_pointer (&answer, json_node_unref);
    g_assert_cmpuint (hw_test_hub_json (hub, "POST", "/v1/replays", NULL,
                                        "{\"listener\":\"target\",\"from\":1790000009000,\"to\":1790000000000}",
                                        &answer), ==, 400);
    g_clear_pointer (&answer, json_node_unref);
    g_assert_cmpuint (hw_test_hub_json (hub, "POST", "/v1/replays", NULL,
                                        "{\"listener\":\"target\",\"from\":1790000000000,\"query\":\"(type:x\"}",
                                        &answer), ==, 400);
    hw_test_assert_error (answer, "invalid_query");
  }
  g_assert_cmpuint (bystander->batches->len, ==, 0);

  hw_test_hub_free (hub);
}

/* Pages end inside runs of events sharing one timestamp: each event still
 * arrives exactly once, in (timestamp, arrival) order. */
static void
test_replay_ties (void)
{
  g_autoptr(HwTestListener) target = hw_test_listener_new ();
  HwTestHub *hub = hw_test_hub_newv (NULL, NULL);
  g_autofree char *body = g_strdup_printf ("{\"listener\":\"target\",\"from\":%" G_GINT64_FORMAT ",\"to\":%"
                                           G_GINT64_FORMAT ",\"parallel\":1,\"batch_size\":3,\"dry_run\":false}",
                                           T0, T0 + 100000);
  g_autoptr(GString) events = g_string_new ("[");
  g_autoptr(JsonObject) job = NULL;
  g_autoptr(JsonObject) done = NULL;
  g_autoptr(GPtrArray) ids = NULL;
  const guint n = 40;

  add_listener (hub, "target", target, "none");
  /* Published newest group first, so arrival order differs from time order. */
  for (guint i = 0; i < n; i++)
    {
      guint group = 5 - i / 7;

      g_string_append_printf (events, "%s{\"id\":\"t%02u-%02u\",\"type\":\"replay-thing\",\"timestamp\":%"
                              G_GINT64_FORMAT "}", i > 0 ? "," : "", group, i, T0 + group * 1000);
    }
  g_string_append (events, "]");
  post_ok (hub, "/v1/events", events->str, 200);

  job = start_job (hub, "/v1/replays", NULL, body, 202);
  done = wait_job_state (hub, json_object_get_string_member (job, "id"), "done");
  g_assert_cmpint (json_object_get_int_member (done, "acked"), ==, n);

  ids = hw_test_listener_acked_ids (target);
  g_assert_cmpuint (ids->len, ==, n);
  for (guint i = 1; i < ids->len; i++)
    g_assert_cmpstr (g_ptr_array_index (ids, i - 1), <, g_ptr_array_index (ids, i));

  hw_test_hub_free (hub);
}

/* Publishes @n events, replays them one lane at a time, @batch_size per
 * POST, to a listener "slow" answering after @delay_ms, and waits until
 * the job has acknowledged @wait->min_acked events; @wait->id is then the
 * job's, which the returned job owns. */
static JsonObject *
start_slow_replay (HwTestHub      *hub,
                   HwTestListener *listener,
                   const char     *prefix,
                   guint           n,
                   guint           batch_size,
                   guint           delay_ms,
                   const char     *idempotency_key,
                   JobWait        *wait)
{
  g_autofree char *body = g_strdup_printf ("{\"listener\":\"slow\",\"from\":%" G_GINT64_FORMAT ",\"to\":%"
                                           G_GINT64_FORMAT ",\"parallel\":1,\"batch_size\":%u,\"rate\":0,"
                                           "\"dry_run\":false}", T0, T0 + n * 1000, batch_size);
  JsonObject *job;

  add_listener (hub, "slow", listener, "none");
  publish_range (hub, n, prefix);
  listener->delay_ms = delay_ms;
  job = start_job (hub, "/v1/replays", idempotency_key, body, 202);
  wait->id = json_object_get_string_member (job, "id");
  g_assert_true (hw_test_wait_until (job_reached, wait, WAIT_MS));
  return job;
}

/* kill -9 in the middle of a replay to a slow listener: after the restart
 * the job goes on from its checkpoint (not from zero) and finishes with
 * every event of the range delivered. */
static void
test_resume_after_kill (void)
{
  g_autoptr(HwTestListener) listener = hw_test_listener_new ();
  HwTestHub *hub = hw_test_hub_newv (NULL, NULL);
  g_autoptr(JsonObject) job = NULL;
  g_autoptr(JsonObject) done = NULL;
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GHashTable) distinct = g_hash_table_new (g_str_hash, g_str_equal);
  JobWait wait = { hub, NULL, NULL, 20 };
  guint tick_id = g_timeout_add (50, tick, NULL);
  guint before_kill, after_restart;
  const char *id;

  job = start_slow_replay (hub, listener, "s", 60, 5, 150, "resume-key", &wait);
  id = wait.id;
  /* Let the coalesced checkpoint reach hub.db. */
  wait.min_acked = 25;
  g_assert_true (hw_test_wait_until (job_reached, &wait, WAIT_MS));

  hw_test_hub_kill (hub);
  before_kill = hw_test_listener_n_acked (listener);
  hw_test_hub_restart (hub);

  done = wait_job_state (hub, id, "done");
  g_assert_cmpint (json_object_get_int_member (done, "total"), ==, 60);
  g_assert_cmpint (json_object_get_int_member (done, "acked"), ==, 60);
  g_assert_cmpint (json_object_get_int_member (done, "failed"), ==, 0);

  ids = hw_test_listener_acked_ids (listener);
  for (guint i = 0; i < ids->len; i++)
    g_hash_table_add (distinct, g_ptr_array_index (ids, i));
  g_assert_cmpuint (g_hash_table_size (distinct), ==, 60);
  after_restart = ids->len - before_kill;
  g_test_message ("%u events before the kill, %u after the restart", before_kill, after_restart);
  g_assert_cmpuint (after_restart, <, 60);   /* resumed, not restarted */

  /* Finished jobs are not run again by a further restart. */
  hw_test_hub_stop (hub);
  hw_test_hub_restart (hub);
  g_clear_pointer (&done, json_object_unref);
  done = get_job (hub, id);
  g_assert_cmpstr (json_object_get_string_member (done, "state"), ==, "done");

  g_source_remove (tick_id);
  hw_test_hub_free (hub);
}

static void
test_cancel (void)
{
  g_autoptr(HwTestListener) listener = hw_test_listener_new ();
  HwTestHub *hub = hw_test_hub_newv (NULL, NULL);
  g_autoptr(JsonObject) job = NULL;
  g_autoptr(JsonObject) cancelled = NULL;
  g_autoptr(JsonObject) later = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autofree char *cancel_path = NULL;
  JobWait wait = { hub, NULL, NULL, 2 };
  guint tick_id = g_timeout_add (50, tick, NULL);

  job = start_slow_replay (hub, listener, "c", 40, 1, 200, NULL, &wait);

  cancel_path = g_strdup_printf ("/v1/jobs/%s/cancel", wait.id);
  cancelled = start_job (hub, cancel_path, NULL, "{}", 200);
  g_assert_cmpstr (json_object_get_string_member (cancelled, "state"), ==, "cancelled");
  g_assert_cmpuint (hw_test_hub_json (hub, "POST", cancel_path, NULL, "{}", &answer), ==, 409);

  later = get_job (hub, wait.id);
  g_assert_cmpstr (json_object_get_string_member (later, "state"), ==, "cancelled");
  g_assert_cmpint (json_object_get_int_member (later, "acked"), <, 40);

  g_clear_pointer (&answer, json_node_unref);
  g_assert_cmpuint (hw_test_hub_json (hub, "POST", "/v1/jobs/job-nope/cancel", NULL, "{}", &answer), ==, 404);

  g_source_remove (tick_id);
  hw_test_hub_free (hub);
}

/* Viewers and publishers cannot start or cancel jobs or change listeners;
 * an operator can, and the audit names the operator's token. */
static void
test_roles (void)
{
  g_autoptr(HwTestListener) listener = hw_test_listener_new ();
  const char *args[] = {
    "--token", "watcher:viewer:viewer-secret-1", "--token", "pub:publisher:publisher-secret-1",
    "--token", "ops:operator:operator-secret-1", NULL
  };
  HwTestHub *hub = hw_test_hub_newv (NULL, args);
  g_autofree char *def = g_strdup_printf ("{\"name\":\"fn\",\"url\":\"%s\",\"types\":[\"none\"]}", listener->url);
  g_autofree char *replay = g_strdup_printf ("{\"listener\":\"fn\",\"from\":%" G_GINT64_FORMAT ",\"to\":%"
                                             G_GINT64_FORMAT ",\"dry_run\":false}", T0, T0 + 10000);
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(JsonNode) audits = NULL;
  g_autoptr(JsonObject) job = NULL;
  g_autoptr(JsonObject) done = NULL;
  g_autofree char *audit_text = NULL;
  static const char * const forbidden[] = { "viewer-secret-1", "publisher-secret-1" };

  for (guint i = 0; i < G_N_ELEMENTS (forbidden); i++)
    {
      g_assert_cmpuint (hw_test_hub_json (hub, "POST", "/v1/listeners", forbidden[i], def, &answer), ==, 403);
      g_clear_pointer (&answer, json_node_unref);
      g_assert_cmpuint (hw_test_hub_json (hub, "POST", "/v1/replays", forbidden[i], replay, &answer), ==, 403);
      g_clear_pointer (&answer, json_node_unref);
      g_assert_cmpuint (hw_test_hub_json (hub, "POST", "/v1/resubmissions", forbidden[i],
                                          "{\"fault_ids\":[\"x\"]}", &answer), ==, 403);
      g_clear_pointer (&answer, json_node_unref);
      g_assert_cmpuint (hw_test_hub_json (hub, "POST", "/v1/jobs/any/cancel", forbidden[i], "{}", &answer), ==, 403);
      g_clear_pointer (&answer, json_node_unref);
      g_assert_cmpuint (hw_test_hub_json (hub, "DELETE", "/v1/listeners/fn", forbidden[i], NULL, &answer), ==, 403);
      g_clear_pointer (&answer, json_node_unref);
    }
  g_assert_cmpuint (hw_test_hub_json (hub, "GET", "/v1/jobs", "viewer-secret-1", NULL, &answer), ==, 200);
  g_clear_pointer (&answer, json_node_unref);

  hw_test_hub_set_token (hub, "operator-secret-1");
  post_ok (hub, "/v1/listeners", def, 201);
  job = start_job (hub, "/v1/replays", NULL, replay, 202);
  g_assert_cmpstr (json_object_get_string_member (job, "requested_by"), ==, "ops");
  done = wait_job_state (hub, json_object_get_string_member (job, "id"), "done");

  audits = hw_test_hub_get_json (hub, "/v1/system-events?kind=audit", 200);
  audit_text = json_to_string (audits, FALSE);
  g_assert_nonnull (strstr (audit_text, "\"action\":\"job.start\""));
  g_assert_nonnull (strstr (audit_text, "\"action\":\"job.end\""));
  g_assert_nonnull (strstr (audit_text, "\"actor\":\"ops\""));
  g_assert_null (strstr (audit_text, "operator-secret-1"));

  hw_test_hub_free (hub);
}

typedef struct
{
  HwTestHub  *hub;
  const char *job_id;
  guint       n_requests;
  gboolean    audited_at_first;   /* the start audit was listed when the first batch came */
} FirstDelivery;

/* The listener's hook: asks the hub while it waits for the answer. */
static void
check_audited_first (HwTestBatch *batch,
                     gpointer     data)
{
  FirstDelivery *first = data;
  g_autoptr(JsonObject) audit = NULL;

  if (first->n_requests++ > 0)
    return;
  audit = hw_test_hub_find_job_audit (first->hub, "job.start", first->job_id);
  first->audited_at_first = audit != NULL;
}

typedef struct
{
  HwTestHub  *hub;
  const char *job_id;
} AuditWait;

static gboolean
end_audit_listed (gpointer user_data)
{
  AuditWait *wait = user_data;
  g_autoptr(JsonObject) audit = hw_test_hub_find_job_audit (wait->hub, "job.end", wait->job_id);

  return audit != NULL;
}

/* What a kill -9 right after POST /v1/replays committed its job and before
 * anything else leaves in hub.db: the job, "queued", and nothing more. */
static void
store_job_row (HwTestHub  *hub,
               const char *id,
               const char *state,
               const char *requested_by,
               gint64      total)
{
  g_autofree char *path = g_build_filename (hub->data_dir, "hub.db", NULL);
  gint64 now = g_get_real_time () / 1000;
  g_autofree char *sql = NULL;
  sqlite3 *db = NULL;
  char *message = NULL;

  sql = g_strdup_printf ("INSERT INTO jobs (id, kind, state, spec, total, requested_by, created_at, updated_at) "
                         "VALUES ('%s', 'replay', '%s', '{\"rate\":0,\"parallel\":1,\"listener\":\"fn\","
                         "\"from\":0,\"to\":%" G_GINT64_FORMAT ",\"query\":\"type:crash\",\"batch_size\":5}', "
                         "%" G_GINT64_FORMAT ", '%s', %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ")",
                         id, state, now + 3600000, total, requested_by, now, now);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("cannot store the job row: %s", message);
  sqlite3_close (db);
}

/* A stopped hub with 12 "crash" events, the listener "fn" and a job row
 * @id in @state, as a kill -9 left it; the caller restarts it. */
static HwTestHub *
crashed_hub_with_job (HwTestListener *listener,
                      const char     *id,
                      const char     *state)
{
  HwTestHub *hub = hw_test_hub_newv (NULL, NULL);
  guint next_id = 0;

  add_listener (hub, "fn", listener, "none");
  hw_test_hub_publish_events (hub, "crash", &next_id, 12);
  hw_test_hub_stop (hub);
  store_job_row (hub, id, state, "ops", 12);
  return hub;
}

/* Waits (bounded) until @job_id's end audit is listed. */
static void
wait_end_audit (HwTestHub  *hub,
                const char *job_id)
{
  AuditWait wait = { hub, job_id };
  guint tick_id = g_timeout_add (50, tick, NULL);

  g_assert_true (hw_test_wait_until (end_audit_listed, &wait, WAIT_MS));
  g_source_remove (tick_id);
}

/* Audit before effect, embedded: a job the hub stored but did not audit
 * (it was killed in between) is resumed at the next start, and its start
 * audit, naming who asked, is stored before its first batch reaches the
 * listener; its end audit follows. */
static void
test_resumed_job_audited_first (void)
{
  g_autoptr(HwTestListener) listener = hw_test_listener_new ();
  HwTestHub *hub = crashed_hub_with_job (listener, "job-crashed-1", "queued");
  FirstDelivery first = { hub, "job-crashed-1", 0, FALSE };
  g_autoptr(JsonObject) done = NULL;
  g_autoptr(JsonObject) start = NULL;

  listener->on_request = check_audited_first;
  listener->on_request_data = &first;
  hw_test_hub_restart (hub);
  done = wait_job_state (hub, first.job_id, "done");
  g_assert_cmpint (json_object_get_int_member (done, "acked"), ==, 12);
  g_assert_cmpuint (first.n_requests, >, 0);
  g_assert_true (first.audited_at_first);

  start = hw_test_hub_find_job_audit (hub, "job.start", first.job_id);
  g_assert_nonnull (start);
  g_assert_cmpstr (json_object_get_string_member (start, "actor"), ==, "ops");
  g_assert_cmpstr (json_object_get_string_member (start, "listener"), ==, "fn");
  wait_end_audit (hub, first.job_id);
  listener->on_request = NULL;
  hw_test_hub_free (hub);
}

/* A cancel is answered before the job's end audit is stored, and hub.db
 * then says "cancelling": what a kill -9 in between leaves (the row below).
 * The next start ends the job, sending nothing more, and audits the end;
 * resuming it as "running" would lose the answered cancel. */
static void
test_cancel_survives_crash (void)
{
  const char *job_id = "job-cancelled-1";
  g_autoptr(HwTestListener) listener = hw_test_listener_new ();
  HwTestHub *hub = crashed_hub_with_job (listener, job_id, "cancelling");
  g_autoptr(JsonObject) cancelled = NULL;
  g_autoptr(JsonObject) end = NULL;

  hw_test_hub_restart (hub);
  cancelled = wait_job_state (hub, job_id, "cancelled");
  wait_end_audit (hub, job_id);
  end = hw_test_hub_find_job_audit (hub, "job.end", job_id);
  g_assert_cmpstr (json_object_get_string_member (end, "state"), ==, "cancelled");
  g_assert_cmpstr (json_object_get_string_member (end, "actor"), ==, "ops");
  /* Ended before anything was read for it: nothing reached the listener. */
  g_assert_cmpint (json_object_get_int_member (cancelled, "acked"), ==, 0);
  g_assert_cmpuint (listener->batches->len, ==, 0);
  hw_test_hub_free (hub);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hub/jobs/fault-monitor", test_fault_monitor);
  g_test_add_func ("/hub/jobs/resubmit-once", test_resubmit_once);
  g_test_add_func ("/hub/jobs/replay-range", test_replay_range);
  g_test_add_func ("/hub/jobs/replay-ties", test_replay_ties);
  g_test_add_func ("/hub/jobs/resume-after-kill", test_resume_after_kill);
  g_test_add_func ("/hub/jobs/cancel", test_cancel);
  g_test_add_func ("/hub/jobs/roles", test_roles);
  g_test_add_func ("/hub/jobs/resumed-job-audited-first", test_resumed_job_audited_first);
  g_test_add_func ("/hub/jobs/cancel-survives-crash", test_cancel_survives_crash);

  return g_test_run ();
}
