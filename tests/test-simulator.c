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

static void
test_simulate_backfill (void)
{
  const char *args[] = { "--simulate", "--backfill", "1", NULL };
  HwTestHub *hub = hw_test_hub_newv (NULL, args);
  guint tick_id = g_timeout_add (250, tick, NULL);
  g_autoptr(JsonNode) deployments = NULL;
  JsonObject *deployment;

  g_assert_true (hw_test_wait_until (history_complete, hub, WAIT_MS));

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
