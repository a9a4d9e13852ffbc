/* test-hub-jetstream-audits.c: a job's start audit comes before its effect, with two replicas on JetStream
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A 3-node nats-server cluster on loopback, two hubwatchd processes with
 * --engine jetstream, and a real HTTP listener served by this process that
 * asks the replica running a job, as each batch arrives, whether the job's
 * start audit is stored. To keep the audits out while everything else
 * works, the test caps the system events' stream where it is (no new
 * messages, JetStream's "discard new"): a replay is then created (the jobs'
 * bucket takes writes) but its start audit is refused.
 */
#include "config.h"

#include <nats/nats.h>
#include <string.h>

#include "hw-test-hub.h"
#include "hw-test-listener.h"
#include "hw-test-nats.h"
#include "hw-test-util.h"

/* The default subsystem's ("default"). */
#define SYSTEM_STREAM "HW_SYSTEM_default"
/* A job's record reaches the other replica within a few seconds; a
 * stopped replica lets its leases go and the other claims the job at its
 * next round (2.5 s); a refused audit is tried again within 8 s. */
#define WAIT_MS 30000
#define POLL_MS 100

typedef struct
{
  HwTestNats     *nats;
  HwTestHub      *replicas[2];
  HwTestListener *listener;
  gint64          next_poll;
  const char     *job_id;
  HwTestHub      *runner;          /* asked by the listener's hook */
  guint           n_requests;
  gboolean        audited_at_first;
} Fixture;

static void
check_audited_first (HwTestBatch *batch,
                     gpointer     data)
{
  Fixture *fixture = data;
  g_autoptr(JsonObject) audit = NULL;

  if (fixture->n_requests++ > 0)
    return;
  audit = hw_test_hub_find_job_audit (fixture->runner, "job.start", fixture->job_id);
  fixture->audited_at_first = audit != NULL;
}

static gboolean
both_know_fn (gpointer user_data)
{
  Fixture *fixture = user_data;

  if (!hw_test_poll_due (&fixture->next_poll, POLL_MS))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (fixture->replicas); i++)
    {
      g_autoptr(JsonObject) item = hw_test_hub_find (fixture->replicas[i], "/v1/listeners/fn");

      if (item == NULL)
        return FALSE;
    }
  return TRUE;
}

static void
set_up (Fixture       *fixture,
        gconstpointer  user_data)
{
  g_autofree char *definition = NULL;

  fixture->listener = hw_test_listener_new ();
  fixture->listener->on_request = check_audited_first;
  fixture->listener->on_request_data = fixture;
  fixture->nats = hw_test_nats_try_start (3);
  if (fixture->nats == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (fixture->replicas); i++)
    fixture->replicas[i] = hw_test_hub_new_replica (fixture->nats->urls, NULL);
  /* It takes no type the test publishes: it receives only the replay. */
  definition = g_strdup_printf ("{\"name\":\"fn\",\"url\":\"%s\",\"types\":[\"none\"],\"batch_size\":10}",
                                fixture->listener->url);
  g_assert_cmpuint (hw_test_hub_json (fixture->replicas[0], "POST", "/v1/listeners", NULL, definition, NULL),
                    ==, 201);
  g_assert_true (hw_test_wait_until (both_know_fn, fixture, WAIT_MS));
}

static void
tear_down (Fixture       *fixture,
           gconstpointer  user_data)
{
  for (guint i = 0; i < G_N_ELEMENTS (fixture->replicas); i++)
    g_clear_pointer (&fixture->replicas[i], hw_test_hub_free);
  g_clear_pointer (&fixture->nats, hw_test_nats_free);
  fixture->listener->on_request = NULL;
  g_clear_pointer (&fixture->listener, hw_test_listener_free);
}

/* Caps the system events' stream at the messages it has (@capped), or
 * lifts the cap. */
static void
cap_system_stream (Fixture  *fixture,
                   gboolean  capped)
{
  g_autofree char *urls = g_strjoinv (",", fixture->nats->urls);
  natsConnection *connection = NULL;
  jsCtx *js = NULL;
  jsStreamInfo *info = NULL;
  jsStreamInfo *updated = NULL;
  jsErrCode code = 0;

  g_assert_cmpint (natsConnection_ConnectTo (&connection, urls), ==, NATS_OK);
  g_assert_cmpint (natsConnection_JetStream (&js, connection, NULL), ==, NATS_OK);
  g_assert_cmpint (js_GetStreamInfo (&info, js, SYSTEM_STREAM, NULL, &code), ==, NATS_OK);
  info->Config->MaxMsgs = capped ? (int64_t) info->State.Msgs : -1;
  info->Config->Discard = js_DiscardNew;
  if (js_UpdateStream (&updated, js, info->Config, NULL, &code) != NATS_OK)
    g_error ("cannot update %s: %s (%d)", SYSTEM_STREAM, nats_GetLastError (NULL), code);
  jsStreamInfo_Destroy (updated);
  jsStreamInfo_Destroy (info);
  jsCtx_Destroy (js);
  natsConnection_Destroy (connection);
}

typedef struct
{
  Fixture    *fixture;
  HwTestHub  *hub;
  const char *needle;
} LogWait;

/* The hub logged @needle, or the listener got a request (which it must
 * not, and the test then says so at once). */
static gboolean
logged_or_delivered (gpointer user_data)
{
  LogWait *wait = user_data;
  g_autofree char *log = NULL;

  if (wait->fixture->n_requests > 0)
    return TRUE;
  if (!hw_test_poll_due (&wait->fixture->next_poll, POLL_MS))
    return FALSE;
  log = hw_test_hub_read_log (wait->hub);
  return strstr (log, wait->needle) != NULL;
}

/* Waits until @hub says it tried the start audit of the job and the stream
 * refused it; asserts that the listener got nothing by then. */
static void
assert_refused_and_nothing_sent (Fixture   *fixture,
                                 HwTestHub *hub)
{
  g_autofree char *needle = g_strdup_printf ("audit audit-%s-start not stored yet", fixture->job_id);
  LogWait wait = { fixture, hub, needle };

  g_assert_true (hw_test_wait_until (logged_or_delivered, &wait, WAIT_MS));
  g_assert_cmpuint (fixture->n_requests, ==, 0);
}

typedef struct
{
  Fixture    *fixture;
  HwTestHub  *hub;
  const char *id;
  const char *state;
} JobWait;

static gboolean
job_in_state (gpointer user_data)
{
  JobWait *wait = user_data;
  g_autofree char *path = NULL;
  g_autoptr(JsonObject) job = NULL;

  if (!hw_test_poll_due (&wait->fixture->next_poll, POLL_MS))
    return FALSE;
  path = g_strdup_printf ("/v1/jobs/%s", wait->id);
  job = hw_test_hub_find (wait->hub, path);
  return job != NULL && g_strcmp0 (json_object_get_string_member (job, "state"), wait->state) == 0;
}

static void
wait_job_state (Fixture    *fixture,
                HwTestHub  *hub,
                const char *id,
                const char *state)
{
  JobWait wait = { fixture, hub, id, state };

  g_assert_true (hw_test_wait_until (job_in_state, &wait, WAIT_MS));
}

/* While the stream refuses the audit, the replay is accepted but sends
 * nothing; its replica stops meanwhile, and the audit being tried is not
 * lost: the other replica, which claims the job, writes it again, and
 * once the stream takes it, the job's events go out, the audit naming who
 * asked listed before the first. */
static void
test_audit_before_effect_across_a_stop (Fixture       *fixture,
                                        gconstpointer  user_data)
{
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(JsonObject) start = NULL;
  g_autofree char *job_id = NULL;
  guint next_id = 0;

  if (hw_test_nats_skipped (fixture->nats))
    return;
  hw_test_hub_publish_events (fixture->replicas[0], "audited", &next_id, 30);
  cap_system_stream (fixture, TRUE);

  g_assert_cmpuint (hw_test_hub_json (fixture->replicas[0], "POST", "/v1/replays", NULL,
                                      "{\"listener\":\"fn\",\"from\":0,\"query\":\"type:audited\","
                                      "\"parallel\":1,\"dry_run\":false}", &answer), ==, 202);
  job_id = g_strdup (json_object_get_string_member (json_node_get_object (answer), "id"));
  fixture->job_id = job_id;
  fixture->runner = fixture->replicas[1];
  assert_refused_and_nothing_sent (fixture, fixture->replicas[0]);
  wait_job_state (fixture, fixture->replicas[1], job_id, "running");

  /* Stopped mid-retry: the other replica claims the job and tries its
   * audit in turn, sending nothing either. */
  hw_test_hub_stop (fixture->replicas[0]);
  assert_refused_and_nothing_sent (fixture, fixture->replicas[1]);

  cap_system_stream (fixture, FALSE);
  wait_job_state (fixture, fixture->replicas[1], job_id, "done");
  g_assert_cmpuint (hw_test_listener_n_acked (fixture->listener), >=, 30);
  g_assert_true (fixture->audited_at_first);
  start = hw_test_hub_find_job_audit (fixture->replicas[1], "job.start", job_id);
  g_assert_nonnull (start);
  g_assert_cmpstr (json_object_get_string_member (start, "actor"), ==, "open-mode");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/hub-jetstream-audits/audit-before-effect-across-a-stop", Fixture, NULL, set_up,
              test_audit_before_effect_across_a_stop, tear_down);
  return g_test_run ();
}
