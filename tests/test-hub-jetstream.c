/* test-hub-jetstream.c: two real hubwatchd replicas on a real 3-node JetStream cluster
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every part is real: nats-server nodes on loopback (tests/hw-test-nats.c)
 * and hubwatchd processes with --engine jetstream, talked to over HTTP.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "hw-test-hub.h"
#include "hw-test-listener.h"
#include "hw-test-nats.h"
#include "hw-test-util.h"

#define EVENTS_PER_POST 50

typedef struct
{
  HwTestNats *nats;
  HwTestHub  *replicas[2];
  guint       next_id;
} Fixture;

static HwTestHub *
start_replica (HwTestNats *nats)
{
  g_autofree char *urls = g_strjoinv (",", nats->urls);
  const char *args[] = { "--engine", "jetstream", "--nats", urls, NULL };

  return hw_test_hub_newv (NULL, args);
}

static void
set_up (Fixture       *fixture,
        gconstpointer  user_data)
{
  fixture->nats = hw_test_nats_try_start (3);
  if (fixture->nats == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (fixture->replicas); i++)
    fixture->replicas[i] = start_replica (fixture->nats);
}

static void
tear_down (Fixture       *fixture,
           gconstpointer  user_data)
{
  for (guint i = 0; i < G_N_ELEMENTS (fixture->replicas); i++)
    g_clear_pointer (&fixture->replicas[i], hw_test_hub_free);
  g_clear_pointer (&fixture->nats, hw_test_nats_free);
}

static void
publish (Fixture    *fixture,
         HwTestHub  *hub,
         const char *type,
         guint       n)
{
  hw_test_hub_publish_events (hub, type, &fixture->next_id, n);
}

/* What one replica acknowledged, the other finds at once: a read waits
 * for its replica's copy to hold what the stream held when it came. No
 * test-side wait between the publish and the reads. */
static void
test_searchable_through_both (Fixture       *fixture,
                              gconstpointer  user_data)
{
  HwTestHub *a, *b;

  if (hw_test_nats_skipped (fixture->nats))
    return;
  a = fixture->replicas[0];
  b = fixture->replicas[1];

  for (guint round = 1; round <= 4; round++)
    {
      publish (fixture, round % 2 ? a : b, "replicated", EVENTS_PER_POST);
      g_assert_cmpint (hw_test_hub_count (a, "replicated"), ==, round * EVENTS_PER_POST);
      g_assert_cmpint (hw_test_hub_count (b, "replicated"), ==, round * EVENTS_PER_POST);
      g_assert_cmpint (hw_test_hub_count (b, "type:replicated"), ==, round * EVENTS_PER_POST);
    }

  /* An event by id through the other replica, right after its publish. */
  {
    g_autofree char *body = hw_test_events_json ("single", &fixture->next_id, 1);
    g_autoptr(JsonNode) got = NULL;

    g_assert_cmpuint (hw_test_hub_json (a, "POST", "/v1/events", NULL, body, NULL), ==, 200);
    g_assert_cmpuint (hw_test_hub_json (b, "GET", "/v1/events/single-000200", NULL, NULL, &got), ==, 200);
  }
}

/* The stream recognizes an event by id, through whichever replica it
 * comes again: the producer's retry after a lost answer. */
static void
test_duplicate_through_the_other_replica (Fixture       *fixture,
                                          gconstpointer  user_data)
{
  g_autofree char *body = NULL;
  g_autoptr(JsonNode) first = NULL;
  g_autoptr(JsonNode) again = NULL;
  JsonObject *item;

  if (hw_test_nats_skipped (fixture->nats))
    return;
  body = hw_test_events_json ("retried", &fixture->next_id, 10);

  g_assert_cmpuint (hw_test_hub_json (fixture->replicas[0], "POST", "/v1/events", NULL, body, &first), ==, 200);
  g_assert_cmpuint (hw_test_hub_json (fixture->replicas[1], "POST", "/v1/events", NULL, body, &again), ==, 200);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (again), "accepted"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (again), "duplicates"), ==, 10);
  item = json_array_get_object_element (json_object_get_array_member (json_node_get_object (again), "items"), 3);
  g_assert_cmpstr (json_object_get_string_member (item, "status"), ==, "duplicate");
  g_assert_cmpint (json_object_get_int_member (item, "seq"), ==,
                   json_object_get_int_member (json_array_get_object_element (
                     json_object_get_array_member (json_node_get_object (first), "items"), 3), "seq"));
  g_assert_cmpint (hw_test_hub_count (fixture->replicas[0], "retried"), ==, 10);
  g_assert_cmpint (hw_test_hub_count (fixture->replicas[1], "retried"), ==, 10);
}

static void
remove_dir_contents (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      g_assert_cmpint (g_remove (child), ==, 0);
    }
}

/* A replica's lake.db is a derived view: deleted, it is filled again from
 * the stream, and searches through it wait for that. */
static void
test_rebuild_after_data_deleted (Fixture       *fixture,
                                 gconstpointer  user_data)
{
  HwTestHub *b;

  if (hw_test_nats_skipped (fixture->nats))
    return;
  b = fixture->replicas[1];
  for (guint i = 0; i < 6; i++)
    publish (fixture, fixture->replicas[i % 2], "rebuilt", EVENTS_PER_POST);

  hw_test_hub_stop (b);
  remove_dir_contents (b->data_dir);
  hw_test_hub_restart (b);
  g_assert_cmpint (hw_test_hub_count (b, "rebuilt"), ==, 6 * EVENTS_PER_POST);
  g_assert_cmpint (hw_test_hub_count (b, "type:rebuilt"), ==, 6 * EVENTS_PER_POST);

  /* And it goes on following the stream. */
  publish (fixture, fixture->replicas[0], "rebuilt", EVENTS_PER_POST);
  g_assert_cmpint (hw_test_hub_count (b, "rebuilt"), ==, 7 * EVENTS_PER_POST);
}

typedef struct
{
  HwTestListener *listener;
  guint           n;
} AckedWait;

static gboolean
listener_acked (gpointer user_data)
{
  AckedWait *wait = user_data;

  g_main_context_iteration (NULL, FALSE);
  return hw_test_listener_n_acked (wait->listener) >= wait->n;
}

/* The test listener answers on this thread's main context. */
static void
wait_for_acked (HwTestListener *listener,
                guint           n)
{
  AckedWait wait = { listener, n };

  g_assert_true (hw_test_wait_until (listener_acked, &wait, hw_test_scale_ms (20000)));
}

/* A replica delivers a listener from its own copy of the stream, which
 * wakes its delivery as it fills; a replay through it, sent right after a
 * publish through the other replica, covers that publish. */
static void
test_deliver_and_replay_through_the_other_replica (Fixture       *fixture,
                                                   gconstpointer  user_data)
{
  g_autoptr(HwTestListener) listener = NULL;
  g_autofree char *definition = NULL;
  g_autoptr(JsonNode) job = NULL;
  g_autoptr(GHashTable) times = NULL;
  GHashTableIter iter;
  gpointer id, n;

  if (hw_test_nats_skipped (fixture->nats))
    return;
  listener = hw_test_listener_new ();
  definition = g_strdup_printf ("{\"name\":\"fn\",\"url\":\"%s\",\"batch_size\":10}", listener->url);
  g_assert_cmpuint (hw_test_hub_json (fixture->replicas[1], "POST", "/v1/listeners", NULL, definition, NULL), ==, 201);

  publish (fixture, fixture->replicas[0], "live", EVENTS_PER_POST);
  wait_for_acked (listener, EVENTS_PER_POST);

  publish (fixture, fixture->replicas[0], "late", EVENTS_PER_POST);
  g_assert_cmpuint (hw_test_hub_json (fixture->replicas[1], "POST", "/v1/replays", NULL,
                                      "{\"listener\":\"fn\",\"from\":0,\"query\":\"type:late\","
                                      "\"dry_run\":false}", &job), ==, 202);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (job), "total"), ==, EVENTS_PER_POST);
  wait_for_acked (listener, 3 * EVENTS_PER_POST);

  /* Live events once; late ones once live and once replayed. */
  times = hw_test_listener_acked_times (listener);
  g_assert_cmpuint (g_hash_table_size (times), ==, 2 * EVENTS_PER_POST);
  g_hash_table_iter_init (&iter, times);
  while (g_hash_table_iter_next (&iter, &id, &n))
    g_assert_cmpuint (GPOINTER_TO_UINT (n), ==, g_str_has_prefix (id, "late-") ? 2 : 1);
}

typedef struct
{
  HwTestNats *nats;
  guint       delay_ms;
} Killer;

/* A kill at a moment the publishing thread does not choose: mid-publish or
 * between requests. The delay is the experiment's variable, not a wait
 * for a condition. */
static gpointer
kill_node_later (gpointer user_data)
{
  Killer *killer = user_data;

  g_usleep (killer->delay_ms * 1000);
  hw_test_nats_kill (killer->nats, 0);
  return NULL;
}

/* A node of the cluster dies while a replica publishes: a 2xx still means
 * the stream has the events, a 503 asks the producer to send them again,
 * and in the end both replicas hold every event once. */
static void
test_kill_node_during_ingest (Fixture       *fixture,
                              gconstpointer  user_data)
{
  g_autoptr(GPtrArray) bodies = g_ptr_array_new_with_free_func (g_free);
  guint posts = 30, retries = 0;
  Killer killer;
  GThread *thread;

  if (hw_test_nats_skipped (fixture->nats))
    return;
  for (guint i = 0; i < posts; i++)
    g_ptr_array_add (bodies, hw_test_events_json ("survivor", &fixture->next_id, EVENTS_PER_POST));

  killer = (Killer) { fixture->nats, hw_test_scale_ms (g_test_rand_int_range (50, 500)) };
  thread = g_thread_new ("killer", kill_node_later, &killer);
  for (guint i = 0; i < posts; i++)
    {
      HwTestHub *hub = fixture->replicas[i % 2];
      g_autoptr(JsonNode) answer = NULL;
      guint status = hw_test_hub_json (hub, "POST", "/v1/events", NULL, g_ptr_array_index (bodies, i), &answer);

      if (status == 503)
        {
          hw_test_assert_error (answer, "unavailable");
          g_assert_cmpuint (++retries, <, 20);
          i--;
          continue;
        }
      g_assert_cmpuint (status, ==, 200);
    }
  g_thread_join (thread);
  g_test_message ("node killed after %u ms; %u requests answered 503 and sent again", killer.delay_ms, retries);

  for (guint r = 0; r < G_N_ELEMENTS (fixture->replicas); r++)
    {
      g_autoptr(GHashTable) ids = hw_test_hub_stored_ids (fixture->replicas[r]);

      g_assert_cmpuint (g_hash_table_size (ids), ==, posts * EVENTS_PER_POST);
      g_assert_cmpint (hw_test_hub_count (fixture->replicas[r], "survivor"), ==, posts * EVENTS_PER_POST);
    }
}

/* The hub refuses a configuration it cannot run, with a clear message. */
static void
test_bad_configuration (void)
{
  static const struct
  {
    const char *args[5];
    const char *message;
  } cases[] = {
    { { "--engine", "jetstream", NULL }, "needs the cluster's addresses" },
    { { "--engine", "kafka", NULL }, "expected embedded or jetstream" },
    { { "--nats", "nats://127.0.0.1:4222", NULL }, "only for --engine jetstream" },
    /* Nothing listens on port 1: refused at once, not after a timeout. */
    { { "--engine", "jetstream", "--nats", "nats://127.0.0.1:1", NULL }, "JetStream cluster at nats://127.0.0.1:1" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *log = NULL;
      HwTestHub *hub = hw_test_hub_try_newv (NULL, cases[i].args, &log);

      g_assert_null (hub);
      g_assert_nonnull (strstr (log, cases[i].message));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/hub-jetstream/searchable-through-both", Fixture, NULL, set_up,
              test_searchable_through_both, tear_down);
  g_test_add ("/hub-jetstream/duplicate-through-the-other-replica", Fixture, NULL, set_up,
              test_duplicate_through_the_other_replica, tear_down);
  g_test_add ("/hub-jetstream/rebuild-after-data-deleted", Fixture, NULL, set_up,
              test_rebuild_after_data_deleted, tear_down);
  g_test_add ("/hub-jetstream/deliver-and-replay-through-the-other-replica", Fixture, NULL, set_up,
              test_deliver_and_replay_through_the_other_replica, tear_down);
  g_test_add ("/hub-jetstream/kill-node-during-ingest", Fixture, NULL, set_up,
              test_kill_node_during_ingest, tear_down);
  g_test_add_func ("/hub-jetstream/bad-configuration", test_bad_configuration);
  return g_test_run ();
}
