/* hw-simulator-functions.c: the simulated subsystem's listener functions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Six stream processors served on a loopback SoupServer and registered with
 * the hub through POST /v1/listeners, like any team's functions would be.
 * They acknowledge every batch; an event they cannot handle becomes a fault
 * event published back to the hub (the "handled error" pattern), and one of
 * them goes through slow phases so its iterator age climbs and recovers.
 */
#include "config.h"

#include <string.h>

#include "hw-event.h"
#include "hw-http-listen.h"
#include "hw-hub-http.h"
#include "hw-json-guard.h"
#include "hw-simulator-private.h"

#define FRESH_POISON_MS  (10 * 60 * 1000)

const HwSimFunctionSpec hw_sim_functions[] = {
  { "order-service", "orders", "order-*,payment-*", NULL, 100, 2, 10000, FALSE },
  { "payment-service", "payments", "order-placed,payment-*,refund-issued", NULL, 50, 2, 10000, FALSE },
  { "driver-dispatch", "dispatch", "order-placed,order-accepted,driver-assigned", NULL, 25, 1, 10000, FALSE },
  { "notifications", "notify", NULL, "driver-location-updated,menu-updated", 100, 2, 10000, FALSE },
  { "delivery-tracker", "tracking", "driver-*,pickup-confirmed,delivery-completed", NULL, 10, 1, 30000, TRUE },
  { "loyalty-rewards", "loyalty", "rating-submitted,promo-applied,delivery-completed", NULL, 100, 1, 10000, FALSE },
  { NULL }
};

/* Through the hub's pause, which knows when the caller has gone: a hub
 * stopping mid-delay closes its delivery connection, and unpausing the
 * message of a closed connection is a critical (fatal under the tests). */
static gboolean
on_delayed_answer (gpointer user_data)
{
  hw_hub_message_resume (user_data);
  return G_SOURCE_REMOVE;
}

/* Slow phases of a minute or two every few minutes; the first comes soon so
 * a fresh demo shows an iterator age climbing. */
static guint
slowness_ms (HwSimulator   *self,
             HwSimFunction *function)
{
  gint64 now = hw_sim_now_ms ();

  if (!function->spec->sometimes_slow)
    return 0;
  if (function->next_slowdown_ms == 0)
    function->next_slowdown_ms = now + g_rand_int_range (self->rand, 20, 60) * 1000;
  if (now >= function->next_slowdown_ms)
    {
      function->slow_until_ms = now + g_rand_int_range (self->rand, 60, 150) * 1000;
      function->next_slowdown_ms = function->slow_until_ms + g_rand_int_range (self->rand, 180, 480) * 1000;
      g_debug ("simulator: %s slows down", function->spec->name);
    }
  return now < function->slow_until_ms ? 12000 : 0;
}

static void
handle_record (HwSimulator   *self,
               HwSimFunction *function,
               JsonNode      *record)
{
  HwParseLimits limits = hw_parse_limits_default ();
  g_autoptr(JsonNode) event = NULL;
  g_autofree guchar *data = NULL;
  g_autoptr(GError) error = NULL;
  const char *encoded, *err_name, *err_message;
  JsonNode *kinesis;
  JsonNode *data_node;
  gsize length = 0;

  if (!JSON_NODE_HOLDS_OBJECT (record) ||
      (kinesis = json_object_get_member (json_node_get_object (record), "kinesis")) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (kinesis) ||
      (data_node = json_object_get_member (json_node_get_object (kinesis), "data")) == NULL ||
      !JSON_NODE_HOLDS_VALUE (data_node) || json_node_get_value_type (data_node) != G_TYPE_STRING)
    return;
  encoded = json_node_get_string (data_node);
  data = g_base64_decode (encoded, &length);
  event = hw_json_guard_parse ((const char *) data, length, limits.max_event_bytes, limits.max_depth,
                               "record data", &error);
  function->records++;
  if (event == NULL)
    g_debug ("simulator: %s skips a record: %s", function->spec->name, error->message);
  if (event == NULL || !JSON_NODE_HOLDS_OBJECT (event))
    return;

  /* The bug was fixed by a later deployment: an old poison event (a
   * resubmission after the fix) goes through. */
  if (json_object_get_int_member_with_default (json_node_get_object (event), "timestamp", 0) <
      hw_sim_now_ms () - FRESH_POISON_MS)
    return;
  if (hw_sim_is_poison (function->spec->name, json_node_get_object (event), &err_name, &err_message))
    {
      function->faults++;
      hw_sim_queue_event (self, hw_sim_fault_json (function->spec, record, event, err_name, err_message,
                                                   hw_sim_now_ms ()));
    }
}

static void
refuse (SoupServerMessage *msg,
        const char        *message)
{
  soup_server_message_set_status (msg, SOUP_STATUS_BAD_REQUEST, NULL);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY,
                                    message, strlen (message));
}

static void
on_function_request (SoupServer        *server,
                     SoupServerMessage *msg,
                     const char        *path,
                     GHashTable        *query,
                     gpointer           user_data)
{
  HwSimulator *self = user_data;
  const char *name = path + strlen ("/fn/");
  HwSimFunction *function = g_hash_table_lookup (self->functions, name);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *records;
  guint delay_ms;
  gsize size = 0;
  const char *data;

  if (function == NULL || soup_server_message_get_method (msg) != SOUP_METHOD_POST)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  /* Any local process can post here, not only the hub: the body gets the
   * hub's own guard, so a deep nesting cannot take hubwatchd's stack. */
  bytes = soup_message_body_flatten (body);
  data = g_bytes_get_data (bytes, &size);
  root = hw_json_guard_parse (data, size, G_MAXSIZE, hw_parse_limits_default ().max_depth,
                              "request body", &error);
  if (root == NULL)
    {
      refuse (msg, error->message);
      return;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root) ||
      (records = json_object_get_member (json_node_get_object (root), "Records")) == NULL ||
      !JSON_NODE_HOLDS_ARRAY (records))
    {
      refuse (msg, "request body: an object with a Records array expected");
      return;
    }
  for (guint i = 0; i < json_array_get_length (json_node_get_array (records)); i++)
    handle_record (self, function, json_array_get_element (json_node_get_array (records), i));

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, "{}", 2);
  if ((delay_ms = slowness_ms (self, function)) > 0)
    {
      hw_hub_message_pause (msg);
      g_timeout_add_full (G_PRIORITY_DEFAULT, delay_ms, on_delayed_answer, g_object_ref (msg), g_object_unref);
    }
}

gboolean
hw_sim_functions_start (HwSimulator  *self,
                        GError      **error)
{
  g_autoptr(GSList) uris = NULL;
  g_autofree char *base = NULL;

  self->functions = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  for (guint i = 0; hw_sim_functions[i].name != NULL; i++)
    {
      HwSimFunction *function = g_new0 (HwSimFunction, 1);

      function->spec = &hw_sim_functions[i];
      g_hash_table_insert (self->functions, (gpointer) function->spec->name, function);
    }

  self->server = soup_server_new ("server-header", "hubwatch-simulator ", NULL);
  soup_server_add_handler (self->server, "/fn/", on_function_request, self, NULL);
  if (!hw_http_listen_loopback (self->server, 0, error))
    return FALSE;
  uris = soup_server_get_uris (self->server);
  base = g_uri_to_string (uris->data);
  self->functions_url = g_strdup_printf ("%sfn/", base);
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);
  return TRUE;
}

static void
add_list (JsonObject *object,
          const char *member,
          const char *comma_separated)
{
  g_auto(GStrv) items = NULL;
  JsonArray *array;

  if (comma_separated == NULL)
    return;
  items = g_strsplit (comma_separated, ",", -1);
  array = json_array_new ();
  for (guint i = 0; items[i] != NULL; i++)
    json_array_add_string_element (array, items[i]);
  json_object_set_array_member (object, member, array);
}

static void
on_registered (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;

  answer = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (answer == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("simulator: registering a listener failed: %s", error->message);
}

void
hw_sim_functions_register (HwSimulator *self)
{
  for (guint i = 0; hw_sim_functions[i].name != NULL; i++)
    {
      const HwSimFunctionSpec *spec = &hw_sim_functions[i];
      g_autoptr(JsonObject) object = json_object_new ();
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      g_autofree char *url = g_strconcat (self->functions_url, spec->name, NULL);
      char *text;

      json_object_set_string_member (object, "name", spec->name);
      json_object_set_string_member (object, "url", url);
      add_list (object, "types", spec->types);
      add_list (object, "anything_but", spec->anything_but);
      json_object_set_int_member (object, "batch_size", spec->batch_size);
      json_object_set_int_member (object, "parallel", spec->parallel);
      json_object_set_int_member (object, "timeout_ms", spec->timeout_ms);
      json_node_set_object (node, object);
      text = json_to_string (node, FALSE);
      hw_sim_post (self, "/v1/listeners", "application/json", g_bytes_new_take (text, strlen (text)),
                   on_registered, NULL);
    }
  self->registered = TRUE;
}
