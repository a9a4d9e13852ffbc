/* test-simulator.c: hubwatchd --simulate --backfill 1 brings a lively subsystem
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-test-hub.h"
#include "hw-test-util.h"

/* hw_test_wait_until() scales it for slower (sanitized) runs. */
#define WAIT_MS 90000

static const char * const types[] = {
  "restaurant-registered", "menu-updated", "order-placed", "order-accepted", "order-cancelled",
  "payment-authorized", "payment-captured", "payment-failed", "driver-assigned", "driver-location-updated",
  "pickup-confirmed", "delivery-completed", "rating-submitted", "refund-issued", "promo-applied",
};

static gboolean
tick (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static guint
array_length (HwTestHub  *hub,
              const char *path,
              const char *member)
{
  g_autoptr(JsonNode) node = hw_test_hub_get_json (hub, path, 200);

  return json_array_get_length (json_object_get_array_member (json_node_get_object (node), member));
}

static gboolean
history_complete (gpointer user_data)
{
  HwTestHub *hub = user_data;

  /* The backfill posts its deployments and incidents last, then registers
   * the listener functions. */
  return array_length (hub, "/v1/listeners", "listeners") == 6 &&
         array_length (hub, "/v1/system-events?kind=incident", "system_events") > 0;
}

static gboolean
team_history_seeded (gpointer user_data)
{
  HwTestHub *hub = user_data;
  gint64 twelve_weeks_ago = g_get_real_time () / 1000 - (gint64) 12 * 7 * 24 * 3600 * 1000;
  g_autoptr(JsonNode) node = hw_test_hub_get_json (hub, "/v1/system-events?kind=deployment&order=oldest&limit=1",
                                                   200);
  JsonArray *events = json_object_get_array_member (json_node_get_object (node), "system_events");

  return json_array_get_length (events) == 1
         && json_object_get_int_member (json_array_get_object_element (events, 0), "deploy_time") < twelve_weeks_ago;
}

static gboolean
listeners_busy (gpointer user_data)
{
  HwTestHub *hub = user_data;
  g_autoptr(JsonNode) node = hw_test_hub_get_json (hub, "/v1/listeners", 200);
  JsonArray *listeners = json_object_get_array_member (json_node_get_object (node), "listeners");
  guint delivering = 0;

  for (guint i = 0; i < json_array_get_length (listeners); i++)
    if (json_object_get_int_member (json_array_get_object_element (listeners, i), "delivered") > 0)
      delivering++;
  return delivering >= 3;
}

/* Blocking POST of @length bytes to the absolute @url; returns the status
 * and the answer in *out_text. */
static guint
post_raw (const char  *url,
          const char  *body,
          gsize        length,
          char       **out_text)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) bytes = g_bytes_new (body, length);
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;

  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  answer = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  *out_text = g_strndup (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer));
  return soup_message_get_status (msg);
}

/* The functions serve on loopback, where any process can post to them: a
 * body is refused with the hub's guard before json-glib sees it, and text
 * in a record's base64 is skipped, so neither can crash hubwatchd. */
static void
assert_function_guards_bodies (HwTestHub *hub)
{
  g_autoptr(JsonNode) node = hw_test_hub_get_json (hub, "/v1/listeners", 200);
  JsonArray *listeners = json_object_get_array_member (json_node_get_object (node), "listeners");
  const char *url = json_object_get_string_member (json_array_get_object_element (listeners, 0), "url");
  g_autofree char *deep = g_strnfill (100000, '[');
  g_autofree char *deep_data = g_base64_encode ((const guchar *) deep, strlen (deep));
  g_autofree char *deep_record = g_strdup_printf ("{\"Records\":[{\"kinesis\":{\"data\":\"%s\"}}]}", deep_data);
  const struct { const char *body; guint status; const char *answer; } table[] = {
    { "{\"Records\":[\"\\255\"]}", 400, "request body: invalid escape '\\2' in a string at byte offset 13" },
    { "{\"Records\":[\"\\ud800\"]}", 400, "request body: unpaired UTF-16 surrogate escape at byte offset 13" },
    { "{\"Records\":[\"\xff\"]}", 400, "request body: invalid UTF-8 at byte offset 13" },
    { deep, 400, "request body: nesting deeper than 64 levels at byte offset 64" },
    { "", 400, "request body: empty JSON text" },
    { deep_record, 200, "{}" },
  };

  g_assert_nonnull (url);
  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      g_autofree char *text = NULL;

      g_test_message ("expecting %u %s", table[i].status, table[i].answer);
      g_assert_cmpuint (post_raw (url, table[i].body, strlen (table[i].body), &text), ==, table[i].status);
      g_assert_cmpstr (text, ==, table[i].answer);
    }
}

static void
test_simulate_backfill (void)
{
  const char *args[] = { "--simulate", "--backfill", "1", NULL };
  HwTestHub *hub = hw_test_hub_newv (NULL, args);
  guint tick_id = g_timeout_add (250, tick, NULL);
  g_autoptr(JsonNode) deployments = NULL;
  JsonObject *deployment;

  g_assert_true (hw_test_wait_until (history_complete, hub, WAIT_MS));
  assert_function_guards_bodies (hub);

  /* A day of history: thousands of events of every type, some faults. */
  g_assert_cmpint (hw_test_hub_count (hub, ""), >, 5000);
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      g_autofree char *query = g_strdup_printf ("type:%s", types[i]);

      g_test_message ("%s: %" G_GINT64_FORMAT, types[i], hw_test_hub_count (hub, query));
      g_assert_cmpint (hw_test_hub_count (hub, query), >, 0);
    }
  g_assert_cmpint (hw_test_hub_count (hub, "type:fault"), >, 0);
  g_assert_cmpuint (array_length (hub, "/v1/faults", "faults"), >, 0);

  deployments = hw_test_hub_get_json (hub, "/v1/system-events?kind=deployment", 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (deployments),
                                                                           "system_events")), >, 0);
  deployment = json_array_get_object_element (json_object_get_array_member (json_node_get_object (deployments),
                                                                             "system_events"), 0);
  g_assert_true (json_object_has_member (deployment, "commit_time"));
  g_assert_true (json_object_has_member (deployment, "deploy_time"));

  /* Deployments and incidents go back beyond the events, far enough for the
   * Team page's 90-day trends. */
  g_assert_true (hw_test_wait_until (team_history_seeded, hub, WAIT_MS));

  /* And it keeps going live: the functions receive batches. */
  g_assert_true (hw_test_wait_until (listeners_busy, hub, WAIT_MS));

  g_source_remove (tick_id);
  hw_test_hub_stop (hub);
  hw_test_hub_free (hub);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hub/simulator/backfill", test_simulate_backfill);

  return g_test_run ();
}
