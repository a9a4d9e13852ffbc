/* test-hub-jetstream-jobs.c: replay jobs shared by two hubwatchd replicas on JetStream
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every part is real: a 3-node nats-server cluster on loopback
 * (tests/hw-test-nats.c), two hubwatchd processes with --engine jetstream
 * talked to over HTTP, and a real HTTP listener function served by this
 * process (tests/hw-test-listener.c), which records every batch it
 * acknowledges and can hold requests back to catch a job mid-way. A job
 * runs on the replica asked for it, under a lease; its record (state,
 * progress, checkpoint) is published to a KV bucket that every replica
 * reads, and another replica resumes it once the lease lapses.
 */
#include "config.h"

#include "hw-jetstream-kv.h"
#include "hw-jetstream-lease.h"
#include "hw-test-hub.h"
#include "hw-test-listener.h"
#include "hw-test-nats.h"
#include "hw-test-util.h"

#define EVENTS_PER_POST 50
/* A job's record is published as it changes and every 2.5 s, and every
 * replica reads the bucket: a job or its progress shows on the other
 * replica within a few seconds, this leaves ample room. */
#define PROPAGATION_MS 20000
/* A dead runner's lease lapses after its 10 s TTL, then the survivor
 * claims the job at its next round (2.5 s) and finishes it. */
#define TAKEOVER_MS 90000
/* How often a wait asks a replica again. */
#define POLL_MS 100

typedef struct
{
  HwTestNats     *nats;
  HwTestHub      *replicas[2];
  HwTestListener *listener;
  guint           next_id;
  gint64          next_poll;
} Fixture;

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

/* Both replicas know the listener "fn" before a test asks for a replay to
 * it. It takes no type the tests publish, so it receives only what a
 * replay sends it: each acknowledged event is a replayed one. */
static void
set_up (Fixture       *fixture,
        gconstpointer  user_data)
{
  g_autofree char *definition = NULL;

  fixture->listener = hw_test_listener_new ();
  fixture->nats = hw_test_nats_try_start (3);
  if (fixture->nats == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (fixture->replicas); i++)
    fixture->replicas[i] = hw_test_hub_new_replica (fixture->nats->urls, NULL);

  definition = g_strdup_printf ("{\"name\":\"fn\",\"url\":\"%s\",\"types\":[\"none\"],\"batch_size\":10}",
                                fixture->listener->url);
  g_assert_cmpuint (hw_test_hub_json (fixture->replicas[0], "POST", "/v1/listeners", NULL, definition, NULL),
                    ==, 201);
  g_assert_true (hw_test_wait_until (both_know_fn, fixture, PROPAGATION_MS));
}

static void
tear_down (Fixture       *fixture,
           gconstpointer  user_data)
{
  /* hw_test_hub_free() copes with a replica the test killed. */
  for (guint i = 0; i < G_N_ELEMENTS (fixture->replicas); i++)
    g_clear_pointer (&fixture->replicas[i], hw_test_hub_free);
  g_clear_pointer (&fixture->nats, hw_test_nats_free);
  g_clear_pointer (&fixture->listener, hw_test_listener_free);
}

/* Publishes @n events of @type through replica 0; returns the number of
 * the first one's id. */
static guint
publish (Fixture    *fixture,
         const char *type,
         guint       n)
{
  guint first = fixture->next_id;

  for (guint done = 0; done < n; done += EVENTS_PER_POST)
    hw_test_hub_publish_events (fixture->replicas[0], type, &fixture->next_id, MIN (EVENTS_PER_POST, n - done));
  return first;
}

/* Asks @hub to replay every event of @type to fn, one batch of 10 at a
 * time (so that the acknowledged events are a prefix of them), with the
 * Idempotency-Key @key unless NULL; asserts the answer's status. Returns
 * the answer. */
static JsonNode *
post_replay (HwTestHub  *hub,
             const char *type,
             const char *key,
             guint       expected_status)
{
  g_autofree char *body = g_strdup_printf ("{\"listener\":\"fn\",\"from\":0,\"query\":\"type:%s\","
                                           "\"parallel\":1,\"batch_size\":10,\"dry_run\":false}", type);
  JsonNode *node = NULL;
  guint status = hw_test_hub_json_with_header (hub, "POST", "/v1/replays", "Idempotency-Key", key, body, &node);

  if (status != expected_status)
    {
      g_autofree char *text = json_to_string (node, FALSE);

      g_test_message ("POST /v1/replays (key %s) → %u: %s", key, status, text);
    }
  g_assert_cmpuint (status, ==, expected_status);
  return node;
}

/* post_replay(), answered with a job. */
static JsonObject *
replay (HwTestHub  *hub,
        const char *type,
        const char *key,
        guint       expected_status)
{
  g_autoptr(JsonNode) node = post_replay (hub, type, key, expected_status);

  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "kind"), ==, "replay");
  return json_object_ref (json_node_get_object (node));
}

static const char *
state_of (JsonObject *job)
{
  return json_object_get_string_member (job, "state");
}

typedef struct
{
  Fixture    *fixture;
  HwTestHub  *hub;
  const char *id;
  const char *state;
  gint64      min_acked;
  JsonObject *job;         /* the last answer, NULL for a 404 */
} JobWait;

static gboolean
job_reached (gpointer user_data)
{
  JobWait *wait = user_data;
  g_autofree char *path = NULL;

  if (!hw_test_poll_due (&wait->fixture->next_poll, POLL_MS))
    return FALSE;
  path = g_strdup_printf ("/v1/jobs/%s", wait->id);
  g_clear_pointer (&wait->job, json_object_unref);
  wait->job = hw_test_hub_find (wait->hub, path);
  if (wait->job == NULL)
    return FALSE;
  g_assert_cmpstr (json_object_get_string_member (wait->job, "id"), ==, wait->id);
  /* A job that ended otherwise will not come to the state waited for. */
  if (g_strv_contains ((const char * const[]) { "done", "failed", "cancelled", NULL }, state_of (wait->job)))
    g_assert_cmpstr (state_of (wait->job), ==, wait->state);
  return g_str_equal (state_of (wait->job), wait->state)
         && json_object_get_int_member (wait->job, "acked") >= wait->min_acked;
}

/* Waits until @hub shows the job @id in @state with at least @min_acked
 * events acknowledged; returns the job as it showed it. */
static JsonObject *
wait_job (Fixture    *fixture,
          HwTestHub  *hub,
          const char *id,
          const char *state,
          gint64      min_acked,
          guint       timeout_ms)
{
  JobWait wait = { fixture, hub, id, state, min_acked, NULL };

  if (!hw_test_wait_until (job_reached, &wait, timeout_ms))
    {
      g_autoptr(JsonNode) node = wait.job != NULL ? json_node_init_object (json_node_alloc (), wait.job) : NULL;
      g_autofree char *text = node != NULL ? json_to_string (node, FALSE) : g_strdup ("404");

      g_test_message ("%s never showed job %s %s with %" G_GINT64_FORMAT " acked; last: %s",
                      hub->base_url, id, state, min_acked, text);
      g_assert_not_reached ();
    }
  return wait.job;
}

/* How many items of GET /v1/jobs through @hub have @member equal to @value. */
static guint
n_listed (HwTestHub  *hub,
          const char *member,
          const char *value)
{
  g_autoptr(JsonNode) node = hw_test_hub_get_json (hub, "/v1/jobs", 200);
  JsonArray *jobs = json_object_get_array_member (json_node_get_object (node), "jobs");
  guint n = 0;

  for (guint i = 0; i < json_array_get_length (jobs); i++)
    n += g_strcmp0 (json_object_get_string_member_with_default (json_array_get_object_element (jobs, i),
                                                                member, NULL), value) == 0;
  return n;
}

typedef struct
{
  Fixture    *fixture;
  HwTestHub  *hub;
  const char *key;
} KeyWait;

static gboolean
listed_once (gpointer user_data)
{
  KeyWait *wait = user_data;

  return hw_test_poll_due (&wait->fixture->next_poll, POLL_MS)
         && n_listed (wait->hub, "idempotency_key", wait->key) == 1;
}

/* Both replicas show the job @id done, having acknowledged all @total of
 * its events, and list it once. */
static void
assert_done_on_both (Fixture    *fixture,
                     const char *id,
                     gint64      total)
{
  for (guint i = 0; i < G_N_ELEMENTS (fixture->replicas); i++)
    {
      g_autoptr(JsonObject) job = wait_job (fixture, fixture->replicas[i], id, "done", total, PROPAGATION_MS);

      g_assert_cmpint (json_object_get_int_member (job, "total"), ==, total);
      g_assert_cmpint (json_object_get_int_member (job, "acked"), ==, total);
      g_assert_cmpint (json_object_get_int_member (job, "failed"), ==, 0);
      g_assert_cmpuint (n_listed (fixture->replicas[i], "id", id), ==, 1);
    }
}

/* How many acknowledgements the listener gave events of @type, repeats
 * included. */
static guint
n_acked_of (HwTestListener *listener,
            const char     *type)
{
  g_autoptr(GPtrArray) ids = hw_test_listener_acked_ids (listener);
  g_autofree char *prefix = g_strconcat (type, "-", NULL);
  guint n = 0;

  for (guint i = 0; i < ids->len; i++)
    n += g_str_has_prefix (g_ptr_array_index (ids, i), prefix);
  return n;
}

/* Each of the @n events of @type from @first on was acknowledged exactly
 * once. */
static void
assert_acked_once (Fixture    *fixture,
                   const char *type,
                   guint       first,
                   guint       n)
{
  g_autoptr(GHashTable) times = hw_test_listener_acked_times (fixture->listener);

  g_assert_cmpuint (hw_test_count_repeats (times, type, first, n), ==, 0);
  g_assert_cmpuint (n_acked_of (fixture->listener, type), ==, n);
}

/* Publishes @n events of @type, asks replica 0 to replay them and waits
 * until replica 1 shows the job running with the first @held of them
 * acknowledged: the listener holds every request after those, so the job
 * stays there. Returns the job as replica 1 shows it, and in *@first the
 * number of the first event's id. */
static JsonObject *
start_held_replay (Fixture    *fixture,
                   const char *type,
                   guint       n,
                   guint       held,
                   guint      *first)
{
  g_autoptr(JsonObject) job = NULL;
  JsonObject *seen;

  *first = publish (fixture, type, n);
  fixture->listener->hold_after = held;
  job = replay (fixture->replicas[0], type, NULL, 202);
  g_assert_cmpint (json_object_get_int_member (job, "total"), ==, n);
  seen = wait_job (fixture, fixture->replicas[1], json_object_get_string_member (job, "id"), "running", held,
                   PROPAGATION_MS);
  g_assert_cmpstr (json_object_get_string_member (seen, "kind"), ==, "replay");
  g_assert_cmpint (json_object_get_int_member (seen, "total"), ==, n);
  /* Nothing past the held request. */
  g_assert_cmpint (json_object_get_int_member (seen, "acked"), ==, held);
  return seen;
}

/* A replay asked of replica 0 shows on replica 1, by id and in the list,
 * running with its progress, then done, as on replica 0. */
static void
test_visible_through_either (Fixture       *fixture,
                             gconstpointer  user_data)
{
  g_autoptr(JsonObject) running = NULL;
  const char *id;
  guint first;

  if (hw_test_nats_skipped (fixture->nats))
    return;
  /* Held at half: the job stays running long enough for its progress to
   * show on the other replica. */
  running = start_held_replay (fixture, "replayed", 200, 100, &first);
  id = json_object_get_string_member (running, "id");
  g_assert_cmpuint (n_listed (fixture->replicas[1], "id", id), ==, 1);

  /* The held batch is answered 503 and sent again. */
  hw_test_listener_release (fixture->listener);
  assert_done_on_both (fixture, id, 200);
  assert_acked_once (fixture, "replayed", first, 200);
}

/* The same Idempotency-Key through the other replica answers with the same
 * job, at once, and starts nothing new. */
static void
test_idempotent_across_replicas (Fixture       *fixture,
                                 gconstpointer  user_data)
{
  g_autoptr(JsonObject) job = NULL;
  g_autoptr(JsonObject) again = NULL;
  g_autoptr(JsonObject) later = NULL;
  const char *id;
  guint first;

  if (hw_test_nats_skipped (fixture->nats))
    return;
  first = publish (fixture, "keyed", 200);
  job = replay (fixture->replicas[0], "keyed", "k-1", 202);
  id = json_object_get_string_member (job, "id");
  g_assert_cmpstr (json_object_get_string_member (job, "idempotency_key"), ==, "k-1");

  again = replay (fixture->replicas[1], "keyed", "k-1", 200);
  g_assert_cmpstr (json_object_get_string_member (again, "id"), ==, id);
  g_assert_cmpstr (json_object_get_string_member (again, "idempotency_key"), ==, "k-1");

  assert_done_on_both (fixture, id, 200);
  /* Replica 1 found the key taken before it wrote a record of its own:
   * each replica lists one job with the key. */
  for (guint i = 0; i < G_N_ELEMENTS (fixture->replicas); i++)
    {
      KeyWait wait = { fixture, fixture->replicas[i], "k-1" };

      g_assert_true (hw_test_wait_until (listed_once, &wait, PROPAGATION_MS));
    }
  /* And once it is done, too. */
  later = replay (fixture->replicas[1], "keyed", "k-1", 200);
  g_assert_cmpstr (json_object_get_string_member (later, "id"), ==, id);
  g_assert_cmpstr (state_of (later), ==, "done");

  assert_acked_once (fixture, "keyed", first, 200);
}

/* The buckets the replicas share, through a connection of the test's own,
 * to leave in them what a replica killed mid-way would. */
typedef struct
{
  HwJetStream   *js;
  HwJetStreamKv *jobs;
  HwJetStreamKv *leases;
} Buckets;

static void
buckets_open (Buckets *buckets,
              Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  /* The replicas' subsystem: they run without a config file. */
  HwJetStreamOptions options = { (const char * const *) fixture->nats->urls, "default", 3, hw_test_scale_ms (20000) };

  buckets->js = hw_jetstream_connect (&options, &error);
  g_assert_no_error (error);
  buckets->jobs = hw_jetstream_kv_open (buckets->js, "JOBS", 3, 0, &error);
  g_assert_no_error (error);
  buckets->leases = hw_jetstream_kv_open (buckets->js, "LEASES", 3, 10000, &error);
  g_assert_no_error (error);
}

static void
buckets_close (Buckets *buckets)
{
  g_clear_pointer (&buckets->jobs, hw_jetstream_kv_free);
  g_clear_pointer (&buckets->leases, hw_jetstream_kv_free);
  g_clear_pointer (&buckets->js, hw_jetstream_free);
}

static char *
idem_key_for (const char *key)
{
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, key, -1);

  return g_strconcat ("idem.", hash, NULL);
}

/* What a creator killed between claiming @key and writing its job's
 * record leaves: the key, naming a job with no record. Returns that id. */
static char *
leave_claimed_key (Buckets    *buckets,
                   const char *key)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *id = g_strdup_printf ("job-%s", uuid);
  g_autofree char *claim = g_strdup_printf ("{\"job\":\"%s\"}", id);
  g_autofree char *idem_key = idem_key_for (key);
  g_autoptr(GBytes) value = g_bytes_new (claim, strlen (claim));

  g_assert_cmpuint (hw_jetstream_kv_create (buckets->jobs, idem_key, value, &error), >, 0);
  g_assert_no_error (error);
  return g_steal_pointer (&id);
}

/* The job @key names in the bucket. */
static char *
job_of_key (Buckets    *buckets,
            const char *key)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *idem_key = idem_key_for (key);
  g_autoptr(GBytes) value = hw_jetstream_kv_get (buckets->jobs, idem_key, NULL, &error);
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  /* A KV value is bytes, not a string: no terminating NUL. */
  text = g_strndup (g_bytes_get_data (value, NULL), g_bytes_get_size (value));
  node = json_from_string (text, &error);
  g_assert_no_error (error);
  return g_strdup (json_object_get_string_member (json_node_get_object (node), "job"));
}

/* A replica killed between claiming an Idempotency-Key and writing its
 * job's record left the key naming a job that does not exist, whose lease
 * nobody holds. A retry with that key through a replica starts the job,
 * taking the key over; through the other, it answers with that job. */
static void
test_key_left_by_a_dead_creator (Fixture       *fixture,
                                 gconstpointer  user_data)
{
  Buckets buckets = { 0 };
  g_autoptr(JsonObject) job = NULL;
  g_autoptr(JsonObject) again = NULL;
  g_autofree char *dead = NULL;
  g_autofree char *named = NULL;
  const char *id;
  guint first;

  if (hw_test_nats_skipped (fixture->nats))
    return;
  buckets_open (&buckets, fixture);
  first = publish (fixture, "orphaned", 20);
  dead = leave_claimed_key (&buckets, "k-dead");

  job = replay (fixture->replicas[0], "orphaned", "k-dead", 202);
  id = json_object_get_string_member (job, "id");
  g_assert_cmpstr (id, !=, dead);
  g_assert_cmpstr (json_object_get_string_member (job, "idempotency_key"), ==, "k-dead");
  named = job_of_key (&buckets, "k-dead");
  g_assert_cmpstr (named, ==, id);

  again = replay (fixture->replicas[1], "orphaned", "k-dead", 200);
  g_assert_cmpstr (json_object_get_string_member (again, "id"), ==, id);

  assert_done_on_both (fixture, id, 20);
  assert_acked_once (fixture, "orphaned", first, 20);
  buckets_close (&buckets);
}

/* A key naming a job with no record whose lease is held: its creator is
 * between the two writes. A retry is answered 503 (try again) and starts
 * nothing; once the lease is gone (the creator died), it starts the job. */
static void
test_key_of_a_job_being_created (Fixture       *fixture,
                                 gconstpointer  user_data)
{
  Buckets buckets = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(HwJetStreamLease) lease = NULL;
  g_autoptr(JsonNode) refused = NULL;
  g_autoptr(JsonObject) job = NULL;
  g_autofree char *creating = NULL;
  g_autofree char *lease_key = NULL;
  g_autofree char *named = NULL;
  guint first;

  if (hw_test_nats_skipped (fixture->nats))
    return;
  buckets_open (&buckets, fixture);
  first = publish (fixture, "awaited", 20);
  creating = leave_claimed_key (&buckets, "k-busy");
  lease_key = g_strconcat ("job.", creating, NULL);
  lease = hw_jetstream_lease_new (buckets.leases, lease_key, "test/creator");
  g_assert_true (hw_jetstream_lease_refresh (lease, &error));
  g_assert_no_error (error);

  refused = post_replay (fixture->replicas[1], "awaited", "k-busy", 503);
  hw_test_assert_error (refused, "unavailable");
  named = job_of_key (&buckets, "k-busy");
  g_assert_cmpstr (named, ==, creating);
  g_assert_cmpuint (n_listed (fixture->replicas[1], "idempotency_key", "k-busy"), ==, 0);

  hw_jetstream_lease_release (lease);
  job = replay (fixture->replicas[1], "awaited", "k-busy", 202);
  g_assert_cmpstr (json_object_get_string_member (job, "id"), !=, creating);
  assert_done_on_both (fixture, json_object_get_string_member (job, "id"), 20);
  assert_acked_once (fixture, "awaited", first, 20);
  buckets_close (&buckets);
}

/* A job running on replica 0, cancelled through replica 1: cancelled on
 * both, and it sends nothing more. */
static void
test_cancel_through_the_other (Fixture       *fixture,
                               gconstpointer  user_data)
{
  g_autoptr(JsonObject) running = NULL;
  g_autoptr(JsonObject) holder_view = NULL;
  g_autoptr(JsonObject) next = NULL;
  g_autoptr(JsonObject) next_done = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autofree char *cancel_path = NULL;
  JsonObject *cancelled;
  const char *id;
  guint first;

  if (hw_test_nats_skipped (fixture->nats))
    return;
  /* Held after 50: the job cannot finish before the cancel. */
  running = start_held_replay (fixture, "cancelled", 200, 50, &first);
  id = json_object_get_string_member (running, "id");

  cancel_path = g_strdup_printf ("/v1/jobs/%s/cancel", id);
  g_assert_cmpuint (hw_test_hub_json (fixture->replicas[1], "POST", cancel_path, NULL, "{}", &answer), ==, 200);
  cancelled = json_node_get_object (answer);
  g_assert_cmpstr (json_object_get_string_member (cancelled, "id"), ==, id);
  g_assert_cmpstr (state_of (cancelled), ==, "cancelled");
  g_assert_cmpint (json_object_get_int_member (cancelled, "acked"), <, 200);

  /* The runner stopped it before replica 1 answered. */
  holder_view = wait_job (fixture, fixture->replicas[0], id, "cancelled", 0, PROPAGATION_MS);
  g_assert_cmpint (json_object_get_int_member (holder_view, "acked"), ==, 50);
  for (guint i = 0; i < G_N_ELEMENTS (fixture->replicas); i++)
    {
      g_clear_pointer (&answer, json_node_unref);
      g_assert_cmpuint (hw_test_hub_json (fixture->replicas[i], "POST", cancel_path, NULL, "{}", &answer), ==, 409);
    }

  /* The held batch is answered 503, which a running job would send again
   * 200 ms later: by the time a replay asked after it is done, it would
   * have been acknowledged. */
  hw_test_listener_release (fixture->listener);
  publish (fixture, "next", 10);
  next = replay (fixture->replicas[0], "next", NULL, 202);
  next_done = wait_job (fixture, fixture->replicas[0], json_object_get_string_member (next, "id"), "done", 10,
                        PROPAGATION_MS);
  assert_acked_once (fixture, "cancelled", first, 50);
}

/* The replica running a job dies: once its lease lapses the other claims
 * the job and goes on from its last published checkpoint until done, with
 * every event acknowledged at least once. The dead one, restarted, takes
 * the bucket's word over its hub.db. */
static void
test_resumed_after_kill (Fixture       *fixture,
                         gconstpointer  user_data)
{
  g_autoptr(JsonObject) running = NULL;
  g_autoptr(JsonObject) done = NULL;
  g_autoptr(GHashTable) times = NULL;
  const char *id;
  guint first, before_kill, after_kill, repeats;
  gint64 killed_at;

  if (hw_test_nats_skipped (fixture->nats))
    return;
  /* Held after 100, a third of the way: replica 1 saw that checkpoint, and
   * resumes from there. */
  running = start_held_replay (fixture, "resumed", 300, 100, &first);
  id = json_object_get_string_member (running, "id");

  hw_test_hub_kill (fixture->replicas[0]);
  killed_at = g_get_monotonic_time ();
  before_kill = hw_test_listener_n_acked (fixture->listener);
  g_assert_cmpuint (before_kill, ==, 100);
  /* The request held for the dead replica stays unanswered: its
   * connection is gone. The survivor's are answered. */
  fixture->listener->hold_after = 0;

  done = wait_job (fixture, fixture->replicas[1], id, "done", 300, TAKEOVER_MS);
  g_test_message ("replica 1 finished the job %.1f s after the kill",
                  (g_get_monotonic_time () - killed_at) / (double) G_USEC_PER_SEC);
  g_assert_cmpint (json_object_get_int_member (done, "total"), ==, 300);
  g_assert_cmpint (json_object_get_int_member (done, "acked"), ==, 300);
  g_assert_cmpint (json_object_get_int_member (done, "failed"), ==, 0);
  g_assert_cmpuint (n_listed (fixture->replicas[1], "id", id), ==, 1);

  times = hw_test_listener_acked_times (fixture->listener);
  repeats = hw_test_count_repeats (times, "resumed", first, 300);
  after_kill = hw_test_listener_n_acked (fixture->listener) - before_kill;
  g_test_message ("%u events acknowledged before the kill, %u after; %u twice", before_kill, after_kill, repeats);
  /* Resumed, not started again. */
  g_assert_cmpuint (after_kill, <, 300);

  /* Back, the killed replica shows the job as the survivor finished it,
   * though its own hub.db still says running, and leaves it done. */
  hw_test_hub_restart (fixture->replicas[0]);
  g_clear_pointer (&done, json_object_unref);
  done = wait_job (fixture, fixture->replicas[0], id, "done", 300, PROPAGATION_MS);
  g_assert_cmpint (json_object_get_int_member (done, "acked"), ==, 300);
  g_assert_cmpuint (hw_test_listener_n_acked (fixture->listener), ==, before_kill + after_kill);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/hub-jetstream-jobs/visible-through-either", Fixture, NULL, set_up,
              test_visible_through_either, tear_down);
  g_test_add ("/hub-jetstream-jobs/idempotent-across-replicas", Fixture, NULL, set_up,
              test_idempotent_across_replicas, tear_down);
  g_test_add ("/hub-jetstream-jobs/key-left-by-a-dead-creator", Fixture, NULL, set_up,
              test_key_left_by_a_dead_creator, tear_down);
  g_test_add ("/hub-jetstream-jobs/key-of-a-job-being-created", Fixture, NULL, set_up,
              test_key_of_a_job_being_created, tear_down);
  g_test_add ("/hub-jetstream-jobs/cancel-through-the-other", Fixture, NULL, set_up,
              test_cancel_through_the_other, tear_down);
  g_test_add ("/hub-jetstream-jobs/resumed-after-kill", Fixture, NULL, set_up,
              test_resumed_after_kill, tear_down);
  return g_test_run ();
}
