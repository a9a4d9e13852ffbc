/* test-hub-delivery.c: routing, batches, retries, iterator age, ordering and checkpoints
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The real hubwatchd delivers to real HTTP listeners served by this process.
 */
#include "config.h"

#include "hw-test-hub.h"
#include "hw-test-listener.h"
#include "hw-test-util.h"

#define WAIT_MS 20000

/* Tags, partition key and a sequence number in the payload. */
static char *
event_json (const char *id,
            const char *type,
            const char *partition_key,
            const char *region,
            guint       n)
{
  return g_strdup_printf ("{\"id\":\"%s\",\"type\":\"%s\",\"timestamp\":%" G_GINT64_FORMAT ","
                          "\"partitionKey\":\"%s\",\"tags\":{\"region\":\"%s\",\"source\":\"test\"},"
                          "\"thing\":{\"n\":%u}}",
                          id, type, g_get_real_time () / 1000, partition_key, region, n);
}

static void
publish (HwTestHub  *hub,
         const char *body)
{
  g_autoptr(JsonNode) answer = NULL;
  guint status = hw_test_hub_json (hub, "POST", "/v1/events", NULL, body, &answer);

  if (status != 200)
    {
      g_autofree char *text = json_to_string (answer, FALSE);

      g_test_message ("publish answered %u: %s", status, text);
    }
  g_assert_cmpuint (status, ==, 200);
}

static void
publish_one (HwTestHub  *hub,
             const char *id,
             const char *type,
             const char *partition_key,
             const char *region,
             guint       n)
{
  g_autofree char *json = event_json (id, type, partition_key, region, n);

  publish (hub, json);
}

static void
add_listener (HwTestHub  *hub,
              const char *definition)
{
  g_autoptr(JsonNode) answer = NULL;
  guint status = hw_test_hub_json (hub, "POST", "/v1/listeners", NULL, definition, &answer);

  g_assert_cmpuint (status, ==, 201);
}

static JsonObject *
get_listener (HwTestHub  *hub,
              const char *name)
{
  g_autofree char *path = g_strdup_printf ("/v1/listeners/%s", name);
  JsonNode *node = hw_test_hub_get_json (hub, path, 200);
  JsonObject *object = json_object_ref (json_node_get_object (node));

  json_node_unref (node);
  return object;
}

typedef struct
{
  HwTestListener *listener;
  guint           n;
  const char     *id;
} AckedWait;

static gboolean
has_n_acked (gpointer user_data)
{
  AckedWait *wait = user_data;

  return hw_test_listener_n_acked (wait->listener) >= wait->n;
}

static gboolean
has_acked_id (gpointer user_data)
{
  AckedWait *wait = user_data;

  return hw_test_listener_has_acked (wait->listener, wait->id);
}

static void
wait_acked (HwTestListener *listener,
            guint           n)
{
  AckedWait wait = { listener, n, NULL };

  g_assert_true (hw_test_wait_until (has_n_acked, &wait, WAIT_MS));
}

static void
wait_acked_id (HwTestListener *listener,
               const char     *id)
{
  AckedWait wait = { listener, 0, id };

  g_assert_true (hw_test_wait_until (has_acked_id, &wait, WAIT_MS));
}

static char *
join_ids (HwTestListener *listener)
{
  g_autoptr(GPtrArray) ids = hw_test_listener_acked_ids (listener);

  g_ptr_array_add (ids, NULL);
  return g_strjoinv (",", (char **) ids->pdata);
}

/* Only matching types arrive; anything-but excludes; tags must be equal; a
 * fault reaches no normal channel. With one lane delivery is in seq order,
 * so once the last marker has arrived nothing else can still come. */
static void
test_routing (void)
{
  g_autoptr(HwTestListener) orders = hw_test_listener_new ();
  g_autoptr(HwTestListener) others = hw_test_listener_new ();
  g_autoptr(HwTestListener) europe = hw_test_listener_new ();
  HwTestHub *hub = hw_test_hub_newv (NULL, NULL);
  g_autofree char *a = g_strdup_printf ("{\"name\":\"orders\",\"url\":\"%s\",\"types\":[\"order-*\"]}", orders->url);
  g_autofree char *b = g_strdup_printf ("{\"name\":\"others\",\"url\":\"%s\",\"anything_but\":[\"order-*\"]}",
                                        others->url);
  g_autofree char *c = g_strdup_printf ("{\"name\":\"europe\",\"url\":\"%s\",\"types\":[\"*\"],"
                                        "\"tags\":{\"region\":\"eu\"}}", europe->url);
  g_autofree char *got_orders = NULL, *got_others = NULL, *got_europe = NULL;

  add_listener (hub, a);
  add_listener (hub, b);
  add_listener (hub, c);

  publish_one (hub, "e1", "order-placed", "o1", "eu", 1);
  publish_one (hub, "e2", "payment-failed", "o1", "us", 2);
  publish_one (hub, "e3", "order-accepted", "o1", "us", 3);
  publish (hub, "{\"id\":\"f1\",\"type\":\"fault\",\"timestamp\":1700000000001,\"tags\":{\"functionname\":\"orders\","
                "\"region\":\"eu\"},\"err\":{\"name\":\"E\",\"message\":\"m\"}}");
  publish_one (hub, "m1", "order-marker", "o1", "eu", 4);
  publish_one (hub, "m2", "other-marker", "o1", "eu", 5);

  wait_acked_id (orders, "m1");
  wait_acked_id (others, "m2");
  wait_acked_id (europe, "m2");

  got_orders = join_ids (orders);
  got_others = join_ids (others);
  got_europe = join_ids (europe);
  g_assert_cmpstr (got_orders, ==, "e1,e3,m1");
  g_assert_cmpstr (got_others, ==, "e2,m2");
  g_assert_cmpstr (got_europe, ==, "e1,m1,m2");

  hw_test_hub_free (hub);
}

/* The record format existing stream processors read. */
static void
test_batch_format (void)
{
  g_autoptr(HwTestListener) listener = hw_test_listener_new ();
  HwTestHub *hub = hw_test_hub_newv (NULL, NULL);
  g_autofree char *def = g_strdup_printf ("{\"name\":\"fmt\",\"url\":\"%s\",\"batch_size\":10}", listener->url);
  g_autofree char *sent = event_json ("x1", "thing-created", "pk-1", "eu", 7);
  g_autoptr(JsonNode) original = json_from_string (sent, NULL);
  HwTestBatch *batch;
  JsonObject *record, *kinesis;
  JsonNode *event;
  g_autofree char *event_id_suffix = NULL;
  const char *sequence;

  add_listener (hub, def);
  publish (hub, sent);
  wait_acked (listener, 1);

  batch = g_ptr_array_index (listener->batches, 0);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (batch->records)), ==, 1);
  record = json_array_get_object_element (json_node_get_array (batch->records), 0);
  g_assert_cmpstr (json_object_get_string_member (record, "eventSource"), ==, "aws:kinesis");
  kinesis = json_object_get_object_member (record, "kinesis");
  g_assert_cmpstr (json_object_get_string_member (kinesis, "partitionKey"), ==, "pk-1");
  sequence = json_object_get_string_member (kinesis, "sequenceNumber");
  g_assert_cmpuint (g_ascii_strtoull (sequence, NULL, 10), >, 0);
  event_id_suffix = g_strdup_printf (":%s", sequence);
  g_assert_true (g_str_has_suffix (json_object_get_string_member (record, "eventID"), event_id_suffix));
  g_assert_cmpfloat (json_object_get_double_member (kinesis, "approximateArrivalTimestamp"), >, 1.6e9);
  event = g_ptr_array_index (batch->events, 0);
  g_assert_true (json_node_equal (event, original));

  hw_test_hub_free (hub);
}

typedef struct
{
  HwTestHub  *hub;
  const char *listener;
  const char *member;
  gint64      value;
} StatusWait;

static gboolean
status_reaches (gpointer user_data)
{
  StatusWait *wait = user_data;
  g_autoptr(JsonObject) status = get_listener (wait->hub, wait->listener);

  return json_object_get_int_member (status, wait->member) >= wait->value;
}

/* The listener counts a batch when it answers; the hub once it has read the
 * answer: this waits for the hub's count. */
static void
wait_status (HwTestHub  *hub,
             const char *listener,
             const char *member,
             gint64      value)
{
  StatusWait wait = { hub, listener, member, value };

  g_assert_true (hw_test_wait_until (status_reaches, &wait, WAIT_MS));
}

/* Fails twice, then the very same batch arrives again and is acknowledged. */
static void
test_retry (void)
{
  g_autoptr(HwTestListener) listener = hw_test_listener_new ();
  HwTestHub *hub = hw_test_hub_newv (NULL, NULL);
  g_autofree char *def = g_strdup_printf ("{\"name\":\"flaky\",\"url\":\"%s\",\"batch_size\":10}", listener->url);
  g_autoptr(JsonObject) status = NULL;

  add_listener (hub, def);
  listener->fail_next = 2;
  publish (hub, "[{\"id\":\"r1\",\"type\":\"t\",\"timestamp\":1700000000001},{\"id\":\"r2\",\"type\":\"t\",\"timestamp\":1700000000002},"
                "{\"id\":\"r3\",\"type\":\"t\",\"timestamp\":1700000000003}]");
  wait_acked (listener, 3);

  g_assert_cmpuint (listener->batches->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      HwTestBatch *batch = g_ptr_array_index (listener->batches, i);

      g_assert_cmpint (batch->acked, ==, i == 2);
      g_assert_cmpstr (batch->body, ==, ((HwTestBatch *) g_ptr_array_index (listener->batches, 0))->body);
    }

  /* The listener counts a batch acknowledged when it answers; the hub when
   * the answer arrives. */
  wait_status (hub, "flaky", "delivered", 3);
  status = get_listener (hub, "flaky");
  g_assert_cmpint (json_object_get_int_member (status, "delivered"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (status, "errors"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (status, "retries"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (status, "last_error"), ==, "listener answered HTTP 500");

  hw_test_hub_free (hub);
}

typedef struct
{
  HwTestHub *hub;
  gint64     above;
  gint64     age;
} AgeWait;

static gboolean
age_above (gpointer user_data)
{
  AgeWait *wait = user_data;
  g_autoptr(JsonObject) status = get_listener (wait->hub, "stuck");

  wait->age = json_object_get_int_member (status, "iterator_age_ms");
  return wait->age > wait->above;
}

static gboolean
tick (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static gboolean
caught_up (gpointer user_data)
{
  g_autoptr(JsonObject) status = get_listener (user_data, "stuck");

  return json_object_get_int_member (status, "pending") == 0;
}

/* A poison event stalls the listener: the same batch keeps failing, the
 * events behind it wait, and the iterator age climbs across polls. Once the
 * listener is fixed everything drains and the age returns to 0. */
static void
test_poison_iterator_age (void)
{
  g_autoptr(HwTestListener) listener = hw_test_listener_new ();
  HwTestHub *hub = hw_test_hub_newv (NULL, NULL);
  g_autofree char *def = g_strdup_printf ("{\"name\":\"stuck\",\"url\":\"%s\",\"batch_size\":1}", listener->url);
  g_autoptr(JsonObject) status = NULL;
  AgeWait wait = { hub, 0, 0 };
  guint tick_id = g_timeout_add (100, tick, NULL);   /* polls even when nothing else happens */
  gint64 first_age;

  add_listener (hub, def);
  listener->poison_id = g_strdup ("poison");
  publish_one (hub, "poison", "t", "k", "eu", 1);
  publish_one (hub, "behind", "t", "k", "eu", 2);

  g_assert_true (hw_test_wait_until (age_above, &wait, WAIT_MS));
  first_age = wait.age;
  wait.above = first_age + 1000;
  g_assert_true (hw_test_wait_until (age_above, &wait, WAIT_MS));
  g_assert_cmpint (wait.age, >, first_age);

  status = get_listener (hub, "stuck");
  g_assert_cmpint (json_object_get_int_member (status, "delivered"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (status, "pending"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (status, "errors"), >=, 2);
  g_assert_false (hw_test_listener_has_acked (listener, "behind"));

  g_clear_pointer (&listener->poison_id, g_free);
  wait_acked (listener, 2);
  g_assert_true (hw_test_wait_until (caught_up, hub, WAIT_MS));
  g_clear_pointer (&status, json_object_unref);
  status = get_listener (hub, "stuck");
  g_assert_cmpint (json_object_get_int_member (status, "iterator_age_ms"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (status, "delivered"), ==, 2);

  g_source_remove (tick_id);
  hw_test_hub_free (hub);
}

/* Parallel lanes with failures sprinkled in: every partition key's events
 * are acknowledged in publish order. */
static void
test_partition_order (void)
{
  g_autoptr(HwTestListener) listener = hw_test_listener_new ();
  HwTestHub *hub = hw_test_hub_newv (NULL, NULL);
  g_autofree char *def = g_strdup_printf ("{\"name\":\"lanes\",\"url\":\"%s\",\"batch_size\":5,\"parallel\":4}",
                                          listener->url);
  g_autoptr(GString) body = g_string_new ("[");
  g_autoptr(GHashTable) last = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const guint n_keys = 10, n_events = 200;
  guint n_acked = 0;

  add_listener (hub, def);
  listener->fail_every = 3;
  for (guint i = 0; i < n_events; i++)
    {
      g_autofree char *id = g_strdup_printf ("p%03u", i);
      g_autofree char *key = g_strdup_printf ("key-%u", i % n_keys);
      g_autofree char *json = event_json (id, "t", key, "eu", i);

      g_string_append_printf (body, "%s%s", i > 0 ? "," : "", json);
    }
  g_string_append (body, "]");
  publish (hub, body->str);
  wait_acked (listener, n_events);

  for (guint i = 0; i < listener->batches->len; i++)
    {
      HwTestBatch *batch = g_ptr_array_index (listener->batches, i);

      if (!batch->acked)
        continue;
      for (guint j = 0; j < batch->events->len; j++)
        {
          JsonObject *event = json_node_get_object (g_ptr_array_index (batch->events, j));
          const char *key = g_ptr_array_index (batch->partition_keys, j);
          gint64 n = json_object_get_int_member (json_object_get_object_member (event, "thing"), "n");
          gpointer previous;

          if (g_hash_table_lookup_extended (last, key, NULL, &previous))
            g_assert_cmpint (n, >, GPOINTER_TO_INT (previous));
          g_hash_table_replace (last, g_strdup (key), GINT_TO_POINTER ((int) n));
          n_acked++;
        }
    }
  g_assert_cmpuint (n_acked, ==, n_events);
  g_assert_cmpuint (g_hash_table_size (last), ==, n_keys);

  hw_test_hub_free (hub);
}

/* A lane stuck on a poison record holds back its own key only: events of
 * other keys, published while it retries, go to the other lanes. Lanes
 * chosen by a hash of the key left about a quarter of them behind it. */
static void
test_keys_flow_around_stalled_lane (void)
{
  g_autoptr(HwTestListener) listener = hw_test_listener_new ();
  HwTestHub *hub = hw_test_hub_newv (NULL, NULL);
  g_autofree char *def = g_strdup_printf ("{\"name\":\"around\",\"url\":\"%s\",\"batch_size\":5,"
                                          "\"parallel\":4}", listener->url);
  g_autoptr(GString) body = g_string_new ("[");
  g_autoptr(JsonObject) status = NULL;
  const guint n_events = 200;

  add_listener (hub, def);
  listener->poison_id = g_strdup ("poison");
  publish_one (hub, "poison", "t", "stuck-key", "eu", 0);
  wait_status (hub, "around", "errors", 1);

  for (guint i = 0; i < n_events; i++)
    {
      g_autofree char *id = g_strdup_printf ("f%03u", i);
      g_autofree char *key = g_strdup_printf ("flow-%u", i);
      g_autofree char *json = event_json (id, "t", key, "eu", i + 1);

      g_string_append_printf (body, "%s%s", i > 0 ? "," : "", json);
    }
  g_string_append (body, "]");
  publish (hub, body->str);
  wait_acked (listener, n_events);
  wait_status (hub, "around", "delivered", n_events);

  g_assert_false (hw_test_listener_has_acked (listener, "poison"));
  status = get_listener (hub, "around");
  g_assert_cmpint (json_object_get_int_member (status, "pending"), ==, 1);

  g_clear_pointer (&listener->poison_id, g_free);
  wait_acked_id (listener, "poison");
  hw_test_hub_free (hub);
}

static void
publish_range (HwTestHub *hub,
               guint      first,
               guint      n)
{
  g_autoptr(GString) body = g_string_new ("[");

  for (guint i = first; i < first + n; i++)
    {
      g_autofree char *id = g_strdup_printf ("r%05u", i);
      g_autofree char *key = g_strdup_printf ("key-%u", i % 25);
      g_autofree char *json = event_json (id, i % 7 == 0 ? "skipped" : "t", key, "eu", i);

      g_string_append_printf (body, "%s%s", i > first ? "," : "", json);
    }
  g_string_append (body, "]");
  publish (hub, body->str);
}

/* A listener starting at the trim horizon of a backlog reads it in many
 * seq ranges, several at once, then catches up with events published
 * meanwhile: every matching event arrives exactly once (nothing fails, so
 * nothing is retried), in order per partition key. */
static void
test_backlog_ranges (void)
{
  g_autoptr(HwTestListener) listener = hw_test_listener_new ();
  HwTestHub *hub = hw_test_hub_newv (NULL, NULL);
  g_autofree char *def = g_strdup_printf ("{\"name\":\"backlog\",\"url\":\"%s\",\"types\":[\"t\"],"
                                          "\"batch_size\":10,\"parallel\":8,\"start\":\"trim_horizon\"}",
                                          listener->url);
  g_autoptr(GHashTable) last = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) ids = NULL;
  const guint backlog = 1500, later = 300;
  guint expected = 0;

  for (guint i = 0; i < backlog; i += 500)
    publish_range (hub, i, 500);
  add_listener (hub, def);
  for (guint i = backlog; i < backlog + later; i += 100)
    publish_range (hub, i, 100);
  for (guint i = 0; i < backlog + later; i++)
    expected += i % 7 != 0;
  wait_acked (listener, expected);

  for (guint i = 0; i < listener->batches->len; i++)
    {
      HwTestBatch *batch = g_ptr_array_index (listener->batches, i);

      g_assert_true (batch->acked);
      for (guint j = 0; j < batch->events->len; j++)
        {
          JsonObject *event = json_node_get_object (g_ptr_array_index (batch->events, j));
          const char *key = g_ptr_array_index (batch->partition_keys, j);
          gint64 n = json_object_get_int_member (json_object_get_object_member (event, "thing"), "n");
          gpointer previous;

          g_assert_cmpint (n % 7, !=, 0);
          if (g_hash_table_lookup_extended (last, key, NULL, &previous))
            g_assert_cmpint (n, >, GPOINTER_TO_INT (previous));
          g_hash_table_replace (last, g_strdup (key), GINT_TO_POINTER ((int) n));
        }
    }
  ids = hw_test_listener_acked_ids (listener);
  g_assert_cmpuint (ids->len, ==, expected);
  for (guint i = 0; i < ids->len; i++)
    g_assert_true (g_hash_table_add (seen, g_ptr_array_index (ids, i)));

  hw_test_hub_free (hub);
}

typedef struct
{
  HwTestHub *hub;
} PersistWait;

static gboolean
checkpoint_persisted (gpointer user_data)
{
  PersistWait *wait = user_data;
  g_autoptr(JsonObject) status = get_listener (wait->hub, "durable");

  return json_object_get_int_member (status, "pending") == 0 &&
         json_object_get_int_member (status, "persisted_checkpoint") ==
         json_object_get_int_member (status, "checkpoint");
}

/* Acknowledged batches are not delivered again after a kill -9 and restart;
 * events published afterwards are. */
static void
test_checkpoint_restart (void)
{
  g_autoptr(HwTestListener) listener = hw_test_listener_new ();
  HwTestHub *hub = hw_test_hub_newv (NULL, NULL);
  g_autofree char *def = g_strdup_printf ("{\"name\":\"durable\",\"url\":\"%s\",\"batch_size\":1}", listener->url);
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  PersistWait wait = { hub };
  guint tick_id = g_timeout_add (100, tick, NULL);

  add_listener (hub, def);
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *id = g_strdup_printf ("before-%u", i);

      publish_one (hub, id, "t", id, "eu", i);
    }
  wait_acked (listener, 5);
  g_assert_true (hw_test_wait_until (checkpoint_persisted, &wait, WAIT_MS));

  hw_test_hub_kill (hub);
  hw_test_hub_restart (hub);
  publish_one (hub, "after-0", "t", "a", "eu", 0);
  publish_one (hub, "after-1", "t", "b", "eu", 1);
  wait_acked_id (listener, "after-0");
  wait_acked_id (listener, "after-1");

  ids = hw_test_listener_acked_ids (listener);
  g_assert_cmpuint (ids->len, ==, 7);
  for (guint i = 0; i < ids->len; i++)
    g_assert_true (g_hash_table_add (seen, g_ptr_array_index (ids, i)));

  g_source_remove (tick_id);
  hw_test_hub_free (hub);
}

/* Definitions are validated with messages naming the member; unknown
 * listeners are 404; deleting stops delivery. */
static void
test_listener_api (void)
{
  g_autoptr(HwTestListener) listener = hw_test_listener_new ();
  HwTestHub *hub = hw_test_hub_newv (NULL, NULL);
  g_autofree char *def = g_strdup_printf ("{\"name\":\"api\",\"url\":\"%s\"}", listener->url);
  static const struct { const char *body; const char *code; } bad[] = {
    { "[]", "invalid_json" },
    { "{\"url\":\"http://127.0.0.1:1/\"}", "invalid_json" },
    { "{\"name\":\"x\",\"url\":\"ftp://h/\"}", "invalid_json" },
    { "{\"name\":\"x y\",\"url\":\"http://127.0.0.1:1/\"}", "invalid_json" },
    { "{\"name\":\"x\",\"url\":\"http://127.0.0.1:1/\",\"batch_size\":0}", "invalid_json" },
    { "{\"name\":\"x\",\"url\":\"http://127.0.0.1:1/\",\"types\":\"a\"}", "invalid_json" },
    { "{\"name\":\"x\",\"url\":\"http://127.0.0.1:1/\",\"colour\":\"red\"}", "invalid_json" },
    { "{\"name\":\"x\",\"url\":\"http://127.0.0.1:1/\",\"tags\":{\"a\":1}}", "invalid_json" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JsonNode) answer = NULL;

      g_test_message ("bad definition %s", bad[i].body);
      g_assert_cmpuint (hw_test_hub_json (hub, "POST", "/v1/listeners", NULL, bad[i].body, &answer), ==, 400);
      hw_test_assert_error (answer, bad[i].code);
    }

  add_listener (hub, def);
  {
    g_autoptr(JsonNode) answer = NULL;

    /* Registering the same definition again is an idempotent update. */
    g_assert_cmpuint (hw_test_hub_json (hub, "POST", "/v1/listeners", NULL, def, &answer), ==, 200);
    g_clear_pointer (&answer, json_node_unref);
    answer = hw_test_hub_get_json (hub, "/v1/listeners", 200);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (answer),
                                                                             "listeners")), ==, 1);
    g_clear_pointer (&answer, json_node_unref);
    answer = hw_test_hub_get_json (hub, "/v1/listeners/nope", 404);
    hw_test_assert_error (answer, "not_found");
    g_clear_pointer (&answer, json_node_unref);
    g_assert_cmpuint (hw_test_hub_json (hub, "DELETE", "/v1/listeners/api", NULL, NULL, &answer), ==, 200);
    g_clear_pointer (&answer, json_node_unref);
    g_assert_cmpuint (hw_test_hub_json (hub, "DELETE", "/v1/listeners/api", NULL, NULL, &answer), ==, 404);
    g_clear_pointer (&answer, json_node_unref);
    answer = hw_test_hub_get_json (hub, "/v1/listeners/api", 404);
  }

  hw_test_hub_free (hub);
}

/* [listener NAME] groups of the config file are loaded at start-up. */
static void
test_config_listener (void)
{
  g_autoptr(HwTestListener) listener = hw_test_listener_new ();
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *config = g_build_filename (dir, "hub.conf", NULL);
  g_autofree char *contents = g_strdup_printf ("[listener from-config]\nurl=%s\ntypes=cfg-*;\n"
                                               "batch_size=5\n", listener->url);
  HwTestHub *hub;
  g_autoptr(JsonObject) status = NULL;

  g_assert_true (g_file_set_contents (config, contents, -1, NULL));
  hub = hw_test_hub_new (NULL, "--config", config, NULL);
  status = get_listener (hub, "from-config");
  g_assert_cmpstr (json_object_get_string_member (status, "origin"), ==, "config");
  g_assert_cmpint (json_object_get_int_member (status, "batch_size"), ==, 5);
  publish_one (hub, "c1", "other", "k", "eu", 1);
  publish_one (hub, "c2", "cfg-thing", "k", "eu", 2);
  wait_acked_id (listener, "c2");
  g_assert_false (hw_test_listener_has_acked (listener, "c1"));

  hw_test_hub_free (hub);
  hw_test_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hub/delivery/routing", test_routing);
  g_test_add_func ("/hub/delivery/batch-format", test_batch_format);
  g_test_add_func ("/hub/delivery/retry", test_retry);
  g_test_add_func ("/hub/delivery/poison-iterator-age", test_poison_iterator_age);
  g_test_add_func ("/hub/delivery/partition-order", test_partition_order);
  g_test_add_func ("/hub/delivery/keys-flow-around-stalled-lane", test_keys_flow_around_stalled_lane);
  g_test_add_func ("/hub/delivery/backlog-ranges", test_backlog_ranges);
  g_test_add_func ("/hub/delivery/checkpoint-restart", test_checkpoint_restart);
  g_test_add_func ("/hub/delivery/listener-api", test_listener_api);
  g_test_add_func ("/hub/delivery/config-listener", test_config_listener);

  return g_test_run ();
}
