/* test-hub-jetstream-listeners.c: listeners shared by two hubwatchd replicas on JetStream
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every part is real: a 3-node nats-server cluster on loopback
 * (tests/hw-test-nats.c), two hubwatchd processes with --engine jetstream
 * talked to over HTTP, and a real HTTP listener function served by this
 * process (tests/hw-test-listener.c), which records every batch it
 * acknowledges. A listener's definition lives in a KV bucket that each
 * replica syncs, and a lease there picks the one replica that delivers it.
 */
#include "config.h"

#include "hw-test-hub.h"
#include "hw-test-listener.h"
#include "hw-test-nats.h"
#include "hw-test-util.h"

#define EVENTS_PER_POST 50
/* Replicas sync definitions and refresh leases every 2.5 s: a change or a
 * holder shows within a few seconds, this leaves ample room. */
#define PROPAGATION_MS 20000
/* A dead holder's lease lapses after its 10 s TTL, then the survivor's
 * next refresh (2.5 s) takes it and delivery catches up. */
#define TAKEOVER_MS 60000
/* How often a wait asks the replicas again. */
#define POLL_MS 100

typedef struct
{
  HwTestNats     *nats;
  HwTestHub      *replicas[2];
  HwTestListener *listener;
  char           *config_dir;   /* config-in-both only */
  guint           next_id;      /* also how many events were published */
  gint64          next_poll;
  int             delivering;   /* the replica delivering, once settled */
  char           *holder;       /* the holder every running replica names */
} Fixture;

/* @user_data non-NULL: both replicas read one config file that defines the
 * listener "fn" for the test listener. */
static void
set_up (Fixture       *fixture,
        gconstpointer  user_data)
{
  g_autofree char *config = NULL;

  fixture->listener = hw_test_listener_new ();
  fixture->nats = hw_test_nats_try_start (3);
  if (fixture->nats == NULL)
    return;
  if (user_data != NULL)
    {
      g_autofree char *contents = g_strdup_printf ("[listener fn]\nurl=%s\nbatch_size=10\n",
                                                   fixture->listener->url);

      fixture->config_dir = hw_test_mkdtemp ();
      config = g_build_filename (fixture->config_dir, "hub.conf", NULL);
      g_assert_true (g_file_set_contents (config, contents, -1, NULL));
    }
  for (guint i = 0; i < G_N_ELEMENTS (fixture->replicas); i++)
    fixture->replicas[i] = hw_test_hub_new_replica (fixture->nats->urls, config);
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
  if (fixture->config_dir != NULL)
    hw_test_rmdir (fixture->config_dir);
  g_free (fixture->config_dir);
  g_free (fixture->holder);
}

/* Defines "fn", delivering to the test listener, through @hub. */
static void
define (Fixture   *fixture,
        HwTestHub *hub,
        guint      batch_size,
        guint      expected_status)
{
  g_autofree char *definition = g_strdup_printf ("{\"name\":\"fn\",\"url\":\"%s\",\"batch_size\":%u}",
                                                 fixture->listener->url, batch_size);

  g_assert_cmpuint (hw_test_hub_json (hub, "POST", "/v1/listeners", NULL, definition, NULL), ==,
                    expected_status);
}

/* GET /v1/listeners/fn, or NULL on a 404. */
static JsonObject *
describe (HwTestHub *hub)
{
  return hw_test_hub_find (hub, "/v1/listeners/fn");
}

/* The item "fn" of GET /v1/listeners, or NULL. */
static JsonObject *
listed (HwTestHub *hub)
{
  g_autoptr(JsonNode) node = hw_test_hub_get_json (hub, "/v1/listeners", 200);
  JsonArray *items = json_object_get_array_member (json_node_get_object (node), "listeners");

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);

      if (g_str_equal (json_object_get_string_member (item, "name"), "fn"))
        return json_object_ref (item);
    }
  return NULL;
}

typedef struct
{
  Fixture   *fixture;
  HwTestHub *hub;
  gint64     batch_size;   /* 0: until the hub knows no "fn" */
} Definition;

/* fn's batch size in @item (0 for no item), whose url must be the test
 * listener's. */
static gint64
batch_size_in (JsonObject *item,
               Fixture    *fixture)
{
  if (item == NULL)
    return 0;
  g_assert_cmpstr (json_object_get_string_member (item, "url"), ==, fixture->listener->url);
  return json_object_get_int_member (item, "batch_size");
}

static gboolean
has_definition (gpointer user_data)
{
  Definition *want = user_data;
  g_autoptr(JsonObject) item = NULL;
  g_autoptr(JsonObject) in_list = NULL;

  if (!hw_test_poll_due (&want->fixture->next_poll, POLL_MS))
    return FALSE;
  item = describe (want->hub);
  in_list = listed (want->hub);
  return batch_size_in (item, want->fixture) == want->batch_size
         && batch_size_in (in_list, want->fixture) == want->batch_size;
}

static void
wait_for_definition (Fixture   *fixture,
                     HwTestHub *hub,
                     gint64     batch_size)
{
  Definition want = { fixture, hub, batch_size };

  g_assert_true (hw_test_wait_until (has_definition, &want, PROPAGATION_MS));
}

/* Both lease members are there whatever the lease's state: "delivering"
 * a boolean, "holder" a string or null. */
static void
assert_lease_members (JsonObject *item)
{
  JsonNode *delivering = json_object_get_member (item, "delivering");
  JsonNode *holder = json_object_get_member (item, "holder");

  g_assert_nonnull (delivering);
  g_assert_true (json_node_get_value_type (delivering) == G_TYPE_BOOLEAN);
  g_assert_nonnull (holder);
  g_assert_true (JSON_NODE_HOLDS_NULL (holder) || json_node_get_value_type (holder) == G_TYPE_STRING);
}

/* A replica's view of fn's lease: whether it delivers, and *@holder (NULL
 * when unknown). FALSE and NULL while the replica does not know fn yet. */
static gboolean
lease_seen_by (HwTestHub  *hub,
               char      **holder)
{
  g_autoptr(JsonObject) item = describe (hub);
  g_autoptr(JsonObject) in_list = NULL;

  *holder = NULL;
  if (item == NULL)
    return FALSE;
  in_list = listed (hub);
  g_assert_nonnull (in_list);
  assert_lease_members (in_list);
  assert_lease_members (item);
  if (!json_object_get_null_member (item, "holder"))
    *holder = g_strdup (json_object_get_string_member (item, "holder"));
  return json_object_get_boolean_member (item, "delivering");
}

/* Exactly one running replica delivers, and every running one names the
 * same holder: fixture->delivering and fixture->holder. */
static gboolean
lease_settled (Fixture *fixture)
{
  guint n_delivering = 0, n_agree = 0, n_running = 0;

  g_clear_pointer (&fixture->holder, g_free);
  fixture->delivering = -1;
  for (guint i = 0; i < G_N_ELEMENTS (fixture->replicas); i++)
    {
      g_autofree char *holder = NULL;

      if (fixture->replicas[i]->process == NULL)
        continue;
      n_running++;
      if (lease_seen_by (fixture->replicas[i], &holder))
        {
          n_delivering++;
          fixture->delivering = i;
        }
      if (fixture->holder == NULL && holder != NULL)
        fixture->holder = g_strdup (holder);
      n_agree += holder != NULL && g_str_equal (holder, fixture->holder);
    }
  /* Never two at once, even briefly. */
  g_assert_cmpuint (n_delivering, <=, 1);
  return n_delivering == 1 && n_agree == n_running;
}

static gboolean
lease_settled_cb (gpointer user_data)
{
  Fixture *fixture = user_data;

  return hw_test_poll_due (&fixture->next_poll, POLL_MS) && lease_settled (fixture);
}

static void
wait_for_holder (Fixture *fixture)
{
  g_assert_true (hw_test_wait_until (lease_settled_cb, fixture, PROPAGATION_MS));
  g_test_message ("replica %d delivers, as holder %s", fixture->delivering, fixture->holder);
}

/* @posts posts of EVENTS_PER_POST events, through @only or else through
 * each replica in turn. */
static void
publish_posts (Fixture    *fixture,
               HwTestHub  *only,
               const char *type,
               guint       posts)
{
  for (guint i = 0; i < posts; i++)
    hw_test_hub_publish_events (only != NULL ? only : fixture->replicas[i % 2], type,
                                &fixture->next_id, EVENTS_PER_POST);
}

static gboolean
all_acked (gpointer user_data)
{
  Fixture *fixture = user_data;
  g_autoptr(GHashTable) times = hw_test_listener_acked_times (fixture->listener);

  return g_hash_table_size (times) >= fixture->next_id;
}

/* Waits until every id published was acknowledged at least once (the
 * listener sees no others); returns how many times each was. */
static GHashTable *
wait_all_acked (Fixture *fixture,
                guint    timeout_ms)
{
  g_assert_true (hw_test_wait_until (all_acked, fixture, timeout_ms));
  return hw_test_listener_acked_times (fixture->listener);
}

/* A definition made through either replica reaches the other: create,
 * update and delete. */
static void
test_defined_through_either (Fixture       *fixture,
                             gconstpointer  user_data)
{
  g_autoptr(JsonObject) gone = NULL;

  if (hw_test_nats_skipped (fixture->nats))
    return;
  define (fixture, fixture->replicas[0], 10, 201);
  wait_for_definition (fixture, fixture->replicas[1], 10);

  /* Replica 1 knows fn now: an update, not a creation. */
  define (fixture, fixture->replicas[1], 25, 200);
  wait_for_definition (fixture, fixture->replicas[0], 25);

  g_assert_cmpuint (hw_test_hub_json (fixture->replicas[0], "DELETE", "/v1/listeners/fn", NULL, NULL, NULL), ==, 200);
  wait_for_definition (fixture, fixture->replicas[1], 0);
  /* And replica 1's sync did not bring it back to replica 0. */
  gone = describe (fixture->replicas[0]);
  g_assert_null (gone);
}

/* In steady state one replica delivers, and every event once, whichever
 * replica it was published through. */
static void
test_delivered_once (Fixture       *fixture,
                     gconstpointer  user_data)
{
  g_autoptr(GHashTable) times = NULL;
  g_autofree char *holder = NULL;

  if (hw_test_nats_skipped (fixture->nats))
    return;
  define (fixture, fixture->replicas[0], 10, 201);
  wait_for_holder (fixture);
  holder = g_strdup (fixture->holder);

  publish_posts (fixture, NULL, "once", 10);
  times = wait_all_acked (fixture, PROPAGATION_MS);
  g_assert_cmpuint (hw_test_count_repeats (times, "once", 0, fixture->next_id), ==, 0);
  g_assert_cmpuint (hw_test_listener_n_acked (fixture->listener), ==, fixture->next_id);

  /* The same holder all along. */
  g_assert_true (lease_settled (fixture));
  g_assert_cmpstr (fixture->holder, ==, holder);
}

typedef struct
{
  Fixture   *fixture;
  HwTestHub *standby;
  gint64     delivered;
} StatusWait;

static gboolean
standby_saw_delivered (gpointer user_data)
{
  StatusWait *wait = user_data;
  g_autoptr(JsonObject) item = NULL;

  if (!hw_test_poll_due (&wait->fixture->next_poll, POLL_MS))
    return FALSE;
  item = describe (wait->standby);
  return json_object_get_int_member (item, "delivered") >= wait->delivered;
}

/* The holder dies: once its lease lapses the other replica takes it and
 * goes on from the shared checkpoint, so no event is lost. */
static void
test_takeover_after_kill (Fixture       *fixture,
                          gconstpointer  user_data)
{
  g_autoptr(GHashTable) times = NULL;
  g_autofree char *dead_holder = NULL;
  HwTestHub *survivor;
  guint half = 4 * EVENTS_PER_POST, repeats;

  if (hw_test_nats_skipped (fixture->nats))
    return;
  define (fixture, fixture->replicas[0], 10, 201);
  wait_for_holder (fixture);
  publish_posts (fixture, NULL, "takeover", half / EVENTS_PER_POST);
  times = wait_all_acked (fixture, PROPAGATION_MS);
  g_assert_cmpuint (hw_test_count_repeats (times, "takeover", 0, half), ==, 0);
  g_clear_pointer (&times, g_hash_table_unref);
  /* The other replica shows the holder's published status: once it says
   * all of them were delivered, it has the checkpoint to go on from. */
  survivor = fixture->replicas[1 - fixture->delivering];
  {
    StatusWait wait = { fixture, survivor, half };

    g_assert_true (hw_test_wait_until (standby_saw_delivered, &wait, PROPAGATION_MS));
  }

  hw_test_hub_kill (fixture->replicas[fixture->delivering]);
  dead_holder = g_strdup (fixture->holder);
  publish_posts (fixture, survivor, "takeover", half / EVENTS_PER_POST);
  times = wait_all_acked (fixture, TAKEOVER_MS);

  /* Nothing twice: the survivor went on from the checkpoint it saw. (A
   * holder killed between an acknowledgement and publishing its
   * checkpoint, 100 ms later at most, would have those batches sent
   * again: at least once across a hand-over.) */
  repeats = hw_test_count_repeats (times, "takeover", 0, half);
  g_assert_cmpuint (repeats, ==, 0);
  g_assert_cmpuint (hw_test_count_repeats (times, "takeover", half, half), ==, 0);

  wait_for_holder (fixture);
  g_assert_true (fixture->replicas[fixture->delivering] == survivor);
  g_assert_cmpstr (fixture->holder, !=, dead_holder);
}

/* A holder that stops cleanly publishes its last checkpoint and releases
 * its lease (a rolling restart): the other replica goes on from there,
 * with nothing delivered twice, and no wait for the lease to expire. */
static void
test_handover_on_stop (Fixture       *fixture,
                       gconstpointer  user_data)
{
  g_autoptr(GHashTable) times = NULL;
  HwTestHub *survivor;
  guint half = 4 * EVENTS_PER_POST;

  if (hw_test_nats_skipped (fixture->nats))
    return;
  define (fixture, fixture->replicas[1], 10, 201);
  wait_for_holder (fixture);
  publish_posts (fixture, NULL, "handover", half / EVENTS_PER_POST);
  times = wait_all_acked (fixture, PROPAGATION_MS);
  g_clear_pointer (&times, g_hash_table_unref);

  survivor = fixture->replicas[1 - fixture->delivering];
  /* SIGTERM; asserts a clean exit (under the sanitizers: no leak either). */
  hw_test_hub_stop (fixture->replicas[fixture->delivering]);
  publish_posts (fixture, survivor, "handover", half / EVENTS_PER_POST);
  times = wait_all_acked (fixture, PROPAGATION_MS);

  g_assert_cmpuint (hw_test_count_repeats (times, "handover", 0, 2 * half), ==, 0);
  wait_for_holder (fixture);
  g_assert_true (fixture->replicas[fixture->delivering] == survivor);
}

typedef struct
{
  Fixture *fixture;
  guint    expected[2];   /* listeners each replica should deliver */
} Spread;

static guint
count_delivering (HwTestHub *hub)
{
  g_autoptr(JsonNode) node = hw_test_hub_get_json (hub, "/v1/listeners", 200);
  JsonArray *items = json_object_get_array_member (json_node_get_object (node), "listeners");
  guint n = 0;

  for (guint i = 0; i < json_array_get_length (items); i++)
    n += json_object_get_boolean_member (json_array_get_object_element (items, i), "delivering");
  return n;
}

static gboolean
spread_as_expected (gpointer user_data)
{
  Spread *spread = user_data;

  if (!hw_test_poll_due (&spread->fixture->next_poll, POLL_MS))
    return FALSE;
  for (guint r = 0; r < G_N_ELEMENTS (spread->expected); r++)
    if (spread->fixture->replicas[r]->process != NULL &&
        count_delivering (spread->fixture->replicas[r]) != spread->expected[r])
      return FALSE;
  return TRUE;
}

static gboolean
acked_four_times (gpointer user_data)
{
  Fixture *fixture = user_data;

  return hw_test_listener_n_acked (fixture->listener) >= 4 * fixture->next_id;
}

/* Four listeners, taken all by the one replica running: once the other
 * comes back, they are shared out two each (the first hands two over),
 * and each is delivered once. */
static void
test_shared_out (Fixture       *fixture,
                 gconstpointer  user_data)
{
  g_autoptr(GHashTable) times = NULL;
  Spread alone = { fixture, { 4, 0 } }, even = { fixture, { 2, 2 } };
  GHashTableIter iter;
  gpointer id, n;

  if (hw_test_nats_skipped (fixture->nats))
    return;
  hw_test_hub_stop (fixture->replicas[1]);
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *definition = g_strdup_printf ("{\"name\":\"fn-%u\",\"url\":\"%s\",\"batch_size\":10}",
                                                     i, fixture->listener->url);

      g_assert_cmpuint (hw_test_hub_json (fixture->replicas[0], "POST", "/v1/listeners", NULL, definition, NULL),
                        ==, 201);
    }
  g_assert_true (hw_test_wait_until (spread_as_expected, &alone, TAKEOVER_MS));
  hw_test_hub_restart (fixture->replicas[1]);
  g_assert_true (hw_test_wait_until (spread_as_expected, &even, TAKEOVER_MS));

  publish_posts (fixture, NULL, "spread", 4);
  g_assert_true (hw_test_wait_until (acked_four_times, fixture, PROPAGATION_MS));
  times = hw_test_listener_acked_times (fixture->listener);
  g_assert_cmpuint (g_hash_table_size (times), ==, fixture->next_id);
  g_hash_table_iter_init (&iter, times);
  while (g_hash_table_iter_next (&iter, &id, &n))
    g_assert_cmpuint (GPOINTER_TO_UINT (n), ==, 4);
}

/* The same [listener fn] in both replicas' config files is one listener,
 * leased like one defined through the API. */
static void
test_config_in_both (Fixture       *fixture,
                     gconstpointer  user_data)
{
  g_autoptr(JsonObject) item = NULL;
  g_autoptr(GHashTable) times = NULL;

  if (hw_test_nats_skipped (fixture->nats))
    return;
  item = describe (fixture->replicas[1]);
  g_assert_nonnull (item);
  g_assert_cmpstr (json_object_get_string_member (item, "origin"), ==, "config");

  /* The first events may come before either replica holds the lease: they
   * wait in the stream for the holder. */
  publish_posts (fixture, NULL, "config", 3);
  wait_for_holder (fixture);
  publish_posts (fixture, NULL, "config", 3);

  times = wait_all_acked (fixture, PROPAGATION_MS);
  g_assert_cmpuint (hw_test_count_repeats (times, "config", 0, fixture->next_id), ==, 0);
  g_assert_cmpuint (hw_test_listener_n_acked (fixture->listener), ==, fixture->next_id);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/hub-jetstream-listeners/defined-through-either", Fixture, NULL, set_up,
              test_defined_through_either, tear_down);
  g_test_add ("/hub-jetstream-listeners/delivered-once", Fixture, NULL, set_up,
              test_delivered_once, tear_down);
  g_test_add ("/hub-jetstream-listeners/takeover-after-kill", Fixture, NULL, set_up,
              test_takeover_after_kill, tear_down);
  g_test_add ("/hub-jetstream-listeners/handover-on-stop", Fixture, NULL, set_up,
              test_handover_on_stop, tear_down);
  g_test_add ("/hub-jetstream-listeners/shared-out", Fixture, NULL, set_up,
              test_shared_out, tear_down);
  g_test_add ("/hub-jetstream-listeners/config-in-both", Fixture, "config", set_up,
              test_config_in_both, tear_down);
  return g_test_run ();
}
