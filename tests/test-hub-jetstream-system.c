/* test-hub-jetstream-system.c: system events shared by two hubwatchd replicas on a 3-node JetStream cluster
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Deployments, incidents and audits written through one replica are
 * listed through the other, and the changes feed (?after=SEQ) is the same
 * through both: the console cannot tell which replica it reaches.
 */
#include "config.h"

#include <string.h>

#include "hw-test-hub.h"
#include "hw-test-nats.h"
#include "hw-test-util.h"

typedef struct
{
  HwTestNats *nats;
  HwTestHub  *replicas[2];
  HwTestHub  *embedded;   /* whose data dir a replica may take over */
} Fixture;

static void
set_up (Fixture       *fixture,
        gconstpointer  user_data)
{
  fixture->nats = hw_test_nats_try_start (3);
  if (fixture->nats == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (fixture->replicas); i++)
    fixture->replicas[i] = hw_test_hub_new_replica (fixture->nats->urls, NULL);
}

static void
tear_down (Fixture       *fixture,
           gconstpointer  user_data)
{
  for (guint i = 0; i < G_N_ELEMENTS (fixture->replicas); i++)
    g_clear_pointer (&fixture->replicas[i], hw_test_hub_free);
  g_clear_pointer (&fixture->embedded, hw_test_hub_free);
  g_clear_pointer (&fixture->nats, hw_test_nats_free);
}

/* The system event @id as listed through @hub, or NULL. */
static JsonObject *
find_listed (HwTestHub  *hub,
             const char *query,
             const char *id)
{
  g_autofree char *path = g_strconcat ("/v1/system-events?", query, NULL);
  g_autoptr(JsonNode) answer = hw_test_hub_get_json (hub, path, 200);
  JsonArray *events = json_object_get_array_member (json_node_get_object (answer), "system_events");

  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *event = json_array_get_object_element (events, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (event, "id", NULL), id) == 0)
        return json_object_ref (event);
    }
  return NULL;
}

static void
post (HwTestHub  *hub,
      const char *body,
      guint       expected_status)
{
  g_autoptr(JsonNode) answer = NULL;

  g_assert_cmpuint (hw_test_hub_json (hub, "POST", "/v1/system-events", NULL, body, &answer), ==, expected_status);
}

#define DEPLOYMENT \
  "{\"kind\":\"deployment\",\"id\":\"dep-1\",\"service\":\"orders\",\"version\":\"1.2.0\"," \
  "\"commit_sha\":\"abc123\",\"commit_time\":1700000000000,\"deploy_time\":1700000100000,\"result\":\"success\"}"
#define INCIDENT \
  "{\"kind\":\"incident\",\"id\":\"inc-1\",\"service\":\"orders\",\"severity\":\"high\"," \
  "\"opened_at\":1700000200000}"

/* Every write answers once its replica's copy has it, so the other
 * replica's list, which waits for its copy to reach the stream's end,
 * has it at once: no test-side wait. */
static void
test_written_through_one_listed_through_the_other (Fixture       *fixture,
                                                   gconstpointer  user_data)
{
  HwTestHub *a, *b;
  g_autoptr(JsonObject) deployment = NULL;
  g_autoptr(JsonObject) resolved_a = NULL;
  g_autoptr(JsonObject) resolved_b = NULL;
  g_autoptr(JsonNode) patched = NULL;

  if (hw_test_nats_skipped (fixture->nats))
    return;
  a = fixture->replicas[0];
  b = fixture->replicas[1];

  post (a, DEPLOYMENT, 201);
  deployment = find_listed (b, "kind=deployment", "dep-1");
  g_assert_nonnull (deployment);
  g_assert_cmpstr (json_object_get_string_member (deployment, "version"), ==, "1.2.0");
  /* The same id again, through the other replica: a duplicate. */
  post (b, DEPLOYMENT, 200);

  post (b, INCIDENT, 201);
  g_assert_cmpuint (hw_test_hub_json (a, "PATCH", "/v1/system-events/inc-1", NULL,
                                      "{\"resolved_at\":1700000300000}", &patched), ==, 200);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (patched), "resolved_at"), ==, 1700000300000);
  resolved_a = find_listed (a, "kind=incident", "inc-1");
  resolved_b = find_listed (b, "kind=incident", "inc-1");
  g_assert_nonnull (resolved_a);
  g_assert_nonnull (resolved_b);
  g_assert_cmpint (json_object_get_int_member (resolved_a, "resolved_at"), ==, 1700000300000);
  g_assert_cmpint (json_object_get_int_member (resolved_b, "resolved_at"), ==, 1700000300000);
}

typedef struct
{
  SoupMessage *msg;
  guint        status;   /* 0 until answered */
  GBytes      *body;
} Sent;

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Sent *sent = user_data;
  g_autoptr(GError) error = NULL;

  sent->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
  sent->status = soup_message_get_status (sent->msg);
}

static void
send_patch (HwTestHub  *hub,
            const char *id,
            const char *body,
            Sent       *sent)
{
  g_autofree char *url = g_strconcat (hub->base_url, "/v1/system-events/", id, NULL);
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

  sent->msg = soup_message_new ("PATCH", url);
  if (hub->token != NULL)
    {
      g_autofree char *authorization = g_strconcat ("Bearer ", hub->token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (sent->msg), "Authorization", authorization);
    }
  soup_message_set_request_body_from_bytes (sent->msg, "application/json", bytes);
  soup_session_send_and_read_async (hub->session, sent->msg, G_PRIORITY_DEFAULT, NULL, on_sent, sent);
}

static gboolean
both_answered (gpointer user_data)
{
  Sent *sent = user_data;

  return sent[0].status != 0 && sent[1].status != 0;
}

static void
sent_clear (Sent *sent)
{
  g_clear_object (&sent->msg);
  g_clear_pointer (&sent->body, g_bytes_unref);
  sent->status = 0;
}

/* Two PATCHes of one incident through the two replicas at once, each
 * changing a field of its own: both changes stay, through either replica.
 * Each was merged from the same stored version; without the version check
 * the later merged whole undid the earlier's field. Several rounds, as the
 * two requests race: most rounds make them meet. */
static void
test_concurrent_patches_both_stay (Fixture       *fixture,
                                   gconstpointer  user_data)
{
  HwTestHub *a, *b;

  if (hw_test_nats_skipped (fixture->nats))
    return;
  a = fixture->replicas[0];
  b = fixture->replicas[1];
  post (a, INCIDENT, 201);

  for (guint round = 1; round <= 12; round++)
    {
      gint64 resolved_at = 1700000300000 + round * 1000;
      g_autofree char *resolve = g_strdup_printf ("{\"resolved_at\":%" G_GINT64_FORMAT "}", resolved_at);
      g_autofree char *severity = g_strdup_printf ("sev%u", round);
      g_autofree char *reclassify = g_strdup_printf ("{\"severity\":\"%s\"}", severity);
      Sent sent[2] = { { 0 } };

      send_patch (a, "inc-1", resolve, &sent[0]);
      send_patch (b, "inc-1", reclassify, &sent[1]);
      g_assert_true (hw_test_wait_until (both_answered, sent, 30000));
      g_assert_cmpuint (sent[0].status, ==, 200);
      g_assert_cmpuint (sent[1].status, ==, 200);
      for (guint i = 0; i < G_N_ELEMENTS (fixture->replicas); i++)
        {
          g_autoptr(JsonObject) stored = find_listed (fixture->replicas[i], "kind=incident", "inc-1");

          g_assert_nonnull (stored);
          if (json_object_get_int_member (stored, "resolved_at") != resolved_at
              || g_strcmp0 (json_object_get_string_member (stored, "severity"), severity) != 0)
            g_error ("round %u, through replica %u: resolved_at %" G_GINT64_FORMAT ", severity %s; "
                     "expected %" G_GINT64_FORMAT " and %s", round, i,
                     json_object_get_int_member (stored, "resolved_at"),
                     json_object_get_string_member (stored, "severity"), resolved_at, severity);
        }
      sent_clear (&sent[0]);
      sent_clear (&sent[1]);
    }
}

static char *
changes_after (HwTestHub *hub,
               gint64     after)
{
  g_autofree char *path = g_strdup_printf ("/v1/system-events?after=%" G_GINT64_FORMAT, after);
  g_autoptr(GBytes) body = NULL;

  g_assert_cmpuint (hw_test_hub_request (hub, "GET", path, NULL, NULL, NULL, 0, &body, NULL), ==, 200);
  return g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}

/* The changes feed after @after, asserting it is the same through both
 * replicas. */
static char *
same_changes_through_both (Fixture *fixture,
                           gint64   after)
{
  char *through_a = changes_after (fixture->replicas[0], after);
  g_autofree char *through_b = changes_after (fixture->replicas[1], after);

  g_assert_cmpstr (through_a, ==, through_b);
  return through_a;
}

/* The changes feed's seq is the stream's: a console may sync through one
 * replica, then the other, from the same cursor. */
static void
test_same_changes_through_both (Fixture       *fixture,
                                gconstpointer  user_data)
{
  HwTestHub *a, *b;
  g_autofree char *all = NULL;
  g_autoptr(JsonNode) parsed = NULL;
  gint64 last_seq;

  if (hw_test_nats_skipped (fixture->nats))
    return;
  a = fixture->replicas[0];
  b = fixture->replicas[1];
  post (a, DEPLOYMENT, 201);
  post (b, INCIDENT, 201);
  g_assert_cmpuint (hw_test_hub_json (a, "PATCH", "/v1/system-events/inc-1", NULL,
                                      "{\"resolved_at\":1700000300000}", NULL), ==, 200);

  all = same_changes_through_both (fixture, 0);
  parsed = json_from_string (all, NULL);
  last_seq = json_object_get_int_member (json_node_get_object (parsed), "last_seq");
  /* The resolved incident moved to the end: the PATCH is the third message. */
  g_assert_cmpint (last_seq, ==, 3);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (parsed),
                                                                         "system_events")), ==, 2);
  for (gint64 after = 1; after <= last_seq; after++)
    g_free (same_changes_through_both (fixture, after));
}

typedef struct
{
  HwTestHub *hub;
  gint64     next_poll;
} AuditWait;

static gboolean
audit_listed (gpointer user_data)
{
  AuditWait *wait = user_data;
  g_autoptr(JsonNode) answer = NULL;
  JsonArray *events;

  if (!hw_test_poll_due (&wait->next_poll, 100))
    return FALSE;
  answer = hw_test_hub_get_json (wait->hub, "/v1/system-events?kind=audit", 200);
  events = json_object_get_array_member (json_node_get_object (answer), "system_events");
  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *event = json_array_get_object_element (events, i);

      if (strstr (json_object_get_string_member_with_default (event, "action", ""), "listener") != NULL)
        return TRUE;
    }
  return FALSE;
}

/* The audit of a listener made through one replica is in the other's
 * audit trail. The request does not wait for its audit, as with the
 * embedded engine: the test does, bounded. */
static void
test_audit_through_the_other (Fixture       *fixture,
                              gconstpointer  user_data)
{
  AuditWait wait = { 0 };

  if (hw_test_nats_skipped (fixture->nats))
    return;
  g_assert_cmpuint (hw_test_hub_json (fixture->replicas[0], "POST", "/v1/listeners", NULL,
                                      "{\"name\":\"audited\",\"url\":\"http://127.0.0.1:9/\"}", NULL), ==, 201);
  wait.hub = fixture->replicas[1];
  if (!hw_test_wait_until (audit_listed, &wait, hw_test_scale_ms (10000)))
    {
      g_autofree char *log = hw_test_hub_read_log (fixture->replicas[0]);

      g_test_message ("the audit was not listed; the replica that made the listener logged:\n%s", log);
      g_test_fail ();
    }
}

/* Without a quorum a write is answered 503 with a JSON error. Whether
 * the cluster stores it once whole again is not known when the answer
 * goes: a stream leader that outlived its peers may hold it, and commit it
 * when they come back (Raft), as with a 503 on events. So, as a producer
 * does, the test sends it again: then it is there once, the same through
 * both replicas, never through one only. */
static void
test_no_quorum (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(JsonObject) listed = NULL;
  g_autofree char *healed = NULL;
  g_autofree char *retried = NULL;
  g_autoptr(JsonNode) parsed = NULL;
  guint status;

  if (hw_test_nats_skipped (fixture->nats))
    return;
  hw_test_nats_kill (fixture->nats, 1);
  hw_test_nats_kill (fixture->nats, 2);
  g_assert_cmpuint (hw_test_hub_json (fixture->replicas[0], "POST", "/v1/system-events", NULL, DEPLOYMENT,
                                      &answer), ==, 503);
  hw_test_assert_error (answer, "unavailable");

  hw_test_nats_restart (fixture->nats, 1);
  hw_test_nats_restart (fixture->nats, 2);
  healed = same_changes_through_both (fixture, 0);
  g_test_message ("after the 503 and the cluster's return: %s", healed);

  status = hw_test_hub_json (fixture->replicas[1], "POST", "/v1/system-events", NULL, DEPLOYMENT, NULL);
  g_assert_true (status == 201 || status == 200);
  listed = find_listed (fixture->replicas[0], "kind=deployment", "dep-1");
  g_assert_nonnull (listed);
  retried = same_changes_through_both (fixture, 0);
  parsed = json_from_string (retried, NULL);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (parsed),
                                                                         "system_events")), ==, 1);
}

/* A replica that kept system events of its own (here: its data dir was
 * an embedded hub's) publishes them to the shared history once, and then
 * holds the stream's copy: the other replica lists them, with the same
 * changes feed. */
static void
test_adopts_its_own_events (Fixture       *fixture,
                            gconstpointer  user_data)
{
  g_autofree char *urls = NULL;
  HwTestHub *embedded;
  g_autofree char *adopted_feed = NULL;
  g_autofree char *restarted_feed = NULL;
  g_autoptr(JsonObject) adopted = NULL;

  if (hw_test_nats_skipped (fixture->nats))
    return;
  embedded = fixture->embedded = hw_test_hub_new (NULL, NULL, NULL);
  post (embedded, DEPLOYMENT, 201);
  post (embedded, INCIDENT, 201);
  hw_test_hub_stop (embedded);

  urls = g_strjoinv (",", fixture->nats->urls);
  {
    const char *args[] = { "--engine", "jetstream", "--nats", urls, NULL };

    g_clear_pointer (&fixture->replicas[0], hw_test_hub_free);
    fixture->replicas[0] = hw_test_hub_newv (embedded->data_dir, args);
  }
  adopted = find_listed (fixture->replicas[1], "kind=incident", "inc-1");
  g_assert_nonnull (adopted);
  adopted_feed = same_changes_through_both (fixture, 0);
  g_assert_nonnull (strstr (adopted_feed, "\"last_seq\":2"));

  /* Once: a restart does not publish them again. */
  hw_test_hub_stop (fixture->replicas[0]);
  hw_test_hub_restart (fixture->replicas[0]);
  restarted_feed = same_changes_through_both (fixture, 0);
  g_assert_cmpstr (restarted_feed, ==, adopted_feed);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/hub-jetstream-system/written-through-one-listed-through-the-other", Fixture, NULL, set_up,
              test_written_through_one_listed_through_the_other, tear_down);
  g_test_add ("/hub-jetstream-system/same-changes-through-both", Fixture, NULL, set_up,
              test_same_changes_through_both, tear_down);
  g_test_add ("/hub-jetstream-system/audit-through-the-other", Fixture, NULL, set_up,
              test_audit_through_the_other, tear_down);
  g_test_add ("/hub-jetstream-system/adopts-its-own-events", Fixture, NULL, set_up,
              test_adopts_its_own_events, tear_down);
  g_test_add ("/hub-jetstream-system/concurrent-patches-both-stay", Fixture, NULL, set_up,
              test_concurrent_patches_both_stay, tear_down);
  g_test_add ("/hub-jetstream-system/no-quorum", Fixture, NULL, set_up, test_no_quorum, tear_down);
  return g_test_run ();
}
