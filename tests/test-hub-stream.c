/* test-hub-stream.c: GET /v1/stream pushes events and resumes from a seq
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-test-hub.h"
#include "hw-test-util.h"

#define T0 G_GINT64_CONSTANT (1714744800000)

typedef struct
{
  SoupSession             *session;
  SoupWebsocketConnection *connection;
  GError                  *error;
  gboolean                 done;
  GPtrArray               *messages;   /* JsonObject* */
  SoupMessage             *msg;
} Client;

static void
on_message (SoupWebsocketConnection *connection,
            gint                     type,
            GBytes                  *message,
            gpointer                 user_data)
{
  Client *client = user_data;
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize len = 0;
  const char *data = g_bytes_get_data (message, &len);

  g_assert_cmpint (type, ==, SOUP_WEBSOCKET_DATA_TEXT);
  g_assert_true (json_parser_load_from_data (parser, data, len, NULL));
  g_ptr_array_add (client->messages, json_object_ref (json_node_get_object (json_parser_get_root (parser))));
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Client *client = user_data;

  client->connection = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &client->error);
  if (client->connection != NULL)
    g_signal_connect (client->connection, "message", G_CALLBACK (on_message), client);
  client->done = TRUE;
}

static gboolean
is_done (gpointer user_data)
{
  return ((Client *) user_data)->done;
}

static Client *
client_connect (HwTestHub  *hub,
                const char *query,
                const char *token)
{
  Client *client = g_new0 (Client, 1);
  g_autofree char *url = g_strconcat (hub->base_url, "/v1/stream", query ? query : "", NULL);

  client->session = soup_session_new ();
  client->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  client->msg = soup_message_new ("GET", url);
  if (token != NULL)
    {
      g_autofree char *value = g_strconcat ("Bearer ", token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (client->msg), "Authorization", value);
    }
  soup_session_websocket_connect_async (client->session, client->msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        NULL, on_connected, client);
  g_assert_true (hw_test_wait_until (is_done, client, 10000));
  return client;
}

static void
client_free (Client *client)
{
  if (client->connection != NULL)
    {
      g_signal_handlers_disconnect_by_data (client->connection, client);
      soup_websocket_connection_close (client->connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_object_unref (client->connection);
    }
  g_clear_error (&client->error);
  g_ptr_array_unref (client->messages);
  g_object_unref (client->msg);
  g_object_unref (client->session);
  g_free (client);
}

typedef struct
{
  Client     *client;
  const char *kind;
  guint       n;
} Want;

static guint
count_kind (Client     *client,
            const char *kind)
{
  guint n = 0;

  for (guint i = 0; i < client->messages->len; i++)
    n += g_str_equal (json_object_get_string_member (g_ptr_array_index (client->messages, i), "kind"), kind);
  return n;
}

static gboolean
has_enough (gpointer user_data)
{
  Want *want = user_data;

  return count_kind (want->client, want->kind) >= want->n;
}

static void
wait_for (Client     *client,
          const char *kind,
          guint       n)
{
  Want want = { client, kind, n };

  if (!hw_test_wait_until (has_enough, &want, 10000))
    g_error ("stream: wanted %u %s messages, got %u", n, kind, count_kind (client, kind));
}

static JsonArray *
publish (HwTestHub  *hub,
         const char *prefix,
         guint       n,
         JsonNode  **out_answer)
{
  g_autoptr(GString) body = g_string_new ("[");

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("%s-%u", prefix, i);
      g_autofree char *event = hw_test_event_json (id, "stream-test", T0 + i);

      g_string_append_printf (body, "%s%s", i ? "," : "", event);
    }
  g_string_append_c (body, ']');
  g_assert_cmpuint (hw_test_hub_json (hub, "POST", "/v1/events", NULL, body->str, out_answer), ==, 200);
  return json_object_get_array_member (json_node_get_object (*out_answer), "items");
}

/* Metric ticks interleave with everything else; tests look at one kind. */
static GPtrArray *
of_kind (Client     *client,
         const char *kind)
{
  GPtrArray *out = g_ptr_array_new ();

  for (guint i = 0; i < client->messages->len; i++)
    if (g_str_equal (json_object_get_string_member (g_ptr_array_index (client->messages, i), "kind"), kind))
      g_ptr_array_add (out, g_ptr_array_index (client->messages, i));
  return out;
}

static void
test_live_events (void)
{
  HwTestHub *hub = hw_test_hub_newv (NULL, NULL);
  g_autoptr(JsonNode) before = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(GPtrArray) events = NULL;
  Client *client;
  gint64 previous = 0;

  /* Events from before the connection are not replayed without ?after. */
  publish (hub, "old", 2, &before);
  client = client_connect (hub, NULL, NULL);
  g_assert_no_error (client->error);

  publish (hub, "live", 3, &answer);
  wait_for (client, "event", 3);
  events = of_kind (client, "event");
  g_assert_cmpuint (events->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      JsonObject *message = g_ptr_array_index (events, i);
      g_autofree char *id = g_strdup_printf ("live-%u", i);
      gint64 seq = json_object_get_int_member (message, "seq");

      g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (message, "data"), "id"), ==, id);
      g_assert_cmpint (seq, >, previous);
      previous = seq;
    }
  client_free (client);
  hw_test_hub_free (hub);
}

static void
test_resume_from_seq (void)
{
  HwTestHub *hub = hw_test_hub_newv (NULL, NULL);
  g_autoptr(JsonNode) answer = NULL;
  JsonArray *items = publish (hub, "resume", 5, &answer);
  gint64 second = json_object_get_int_member (json_array_get_object_element (items, 1), "seq");
  g_autofree char *query = g_strdup_printf ("?after=%" G_GINT64_FORMAT, second);
  Client *client = client_connect (hub, query, NULL);

  g_autoptr(GPtrArray) events = NULL;

  g_assert_no_error (client->error);
  wait_for (client, "event", 3);
  events = of_kind (client, "event");
  for (guint i = 0; i < 3; i++)
    {
      JsonObject *message = g_ptr_array_index (events, i);
      g_autofree char *id = g_strdup_printf ("resume-%u", i + 2);

      g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (message, "data"), "id"), ==, id);
      g_assert_cmpint (json_object_get_int_member (message, "seq"), ==, second + 1 + i);
    }
  g_assert_cmpuint (count_kind (client, "event"), ==, 3);
  client_free (client);
  hw_test_hub_free (hub);
}

static void
test_faults_and_system_events (void)
{
  HwTestHub *hub = hw_test_hub_newv (NULL, NULL);
  Client *client = client_connect (hub, NULL, NULL);
  g_autoptr(JsonNode) fault_answer = NULL;
  g_autoptr(JsonNode) system_answer = NULL;
  static const char fault[] =
    "{\"id\":\"stream-fault\",\"type\":\"fault\",\"timestamp\":1714744800000,"
    "\"tags\":{\"functionname\":\"f\",\"pipeline\":\"p\"},\"err\":{\"name\":\"E\",\"message\":\"m\"}}";
  static const char deployment[] =
    "{\"kind\":\"deployment\",\"id\":\"stream-dep\",\"service\":\"s\",\"version\":\"1\",\"commit_sha\":\"c\","
    "\"commit_time\":1714744800000,\"deploy_time\":1714744900000,\"result\":\"success\"}";

  g_assert_no_error (client->error);
  g_assert_cmpuint (hw_test_hub_json (hub, "POST", "/v1/events", NULL, fault, &fault_answer), ==, 200);
  g_assert_cmpuint (hw_test_hub_json (hub, "POST", "/v1/system-events", NULL, deployment, &system_answer), ==, 201);
  wait_for (client, "fault", 1);
  wait_for (client, "system-event", 1);
  for (guint i = 0; i < client->messages->len; i++)
    {
      JsonObject *message = g_ptr_array_index (client->messages, i);
      JsonObject *data = json_object_get_object_member (message, "data");

      if (g_str_equal (json_object_get_string_member (message, "kind"), "system-event"))
        g_assert_cmpstr (json_object_get_string_member (data, "id"), ==, "stream-dep");
      else if (g_str_equal (json_object_get_string_member (message, "kind"), "fault"))
        g_assert_cmpstr (json_object_get_string_member (data, "id"), ==, "stream-fault");
    }
  client_free (client);
  hw_test_hub_free (hub);
}

static void
test_stream_needs_a_token (void)
{
  const char *args[] = { "--token", "v:viewer:stream-viewer-secret", NULL };
  HwTestHub *hub = hw_test_hub_newv (NULL, args);
  Client *anonymous = client_connect (hub, NULL, NULL);
  Client *viewer = client_connect (hub, NULL, "stream-viewer-secret");

  g_assert_nonnull (anonymous->error);
  g_assert_null (anonymous->connection);
  g_assert_cmpuint (soup_message_get_status (anonymous->msg), ==, 401);
  g_assert_no_error (viewer->error);
  g_assert_nonnull (viewer->connection);

  client_free (anonymous);
  client_free (viewer);
  hw_test_hub_free (hub);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hub/stream/live-events", test_live_events);
  g_test_add_func ("/hub/stream/resume", test_resume_from_seq);
  g_test_add_func ("/hub/stream/faults-system-events", test_faults_and_system_events);
  g_test_add_func ("/hub/stream/auth", test_stream_needs_a_token);

  return g_test_run ();
}
