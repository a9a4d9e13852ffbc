/* test-hub-shutdown.c: a SIGTERM lets the requests already started finish, and writes the last checkpoints
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "hw-test-hub.h"
#include "hw-test-listener.h"
#include "hw-test-util.h"

#define N_EVENTS 500
#define WAIT_MS  30000

static guint
requests_in_flight (HwTestHub *hub)
{
  g_autoptr(GBytes) body = NULL;
  const char *text, *line;

  g_assert_cmpuint (hw_test_hub_request (hub, "GET", "/metrics", NULL, NULL, NULL, 0, &body, NULL), ==, 200);
  text = g_bytes_get_data (body, NULL);
  line = strstr (text, "\nhubwatch_http_requests_in_flight ");
  return line != NULL ? (guint) g_ascii_strtoull (line + strlen ("\nhubwatch_http_requests_in_flight "), NULL, 10)
                      : 0;
}

/* The raw request, and this probe itself. */
static gboolean
publish_started (gpointer user_data)
{
  return requests_in_flight (user_data) >= 2;
}

static void
write_all (GOutputStream *out,
           const char    *data,
           gsize          length)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (out, data, length, NULL, NULL, &error);
  g_assert_no_error (error);
}

/* Everything the hub sends until it closes the connection, as it does
 * once it has stopped. */
static char *
read_to_end (GInputStream *in)
{
  g_autoptr(GString) answer = g_string_new (NULL);
  char buffer[8192];
  gssize n;

  while ((n = g_input_stream_read (in, buffer, sizeof buffer, NULL, NULL)) > 0)
    g_string_append_len (answer, buffer, n);
  return g_string_free (g_steal_pointer (&answer), FALSE);
}

/* A publish whose head reached the hub before the SIGTERM, and whose body
 * arrives after it, is still read, committed and answered. Before, the
 * connection closed under it: the producer saw a reset, and a publish the
 * drain had committed went unanswered. */
static void
test_sigterm_finishes_started_publish (void)
{
  HwTestHub *hub = hw_test_hub_new (NULL, NULL, NULL);
  g_autoptr(GString) body = g_string_new (NULL);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GUri) uri = g_uri_parse (hub->base_url, G_URI_FLAGS_NONE, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) count = NULL;
  g_autofree char *head = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *accepted = NULL;
  GOutputStream *out;
  gsize half;

  for (guint i = 0; i < N_EVENTS; i++)
    {
      g_autofree char *id = g_strdup_printf ("term-%05u", i);
      g_autofree char *event = hw_test_event_json (id, "order-placed", 1714737600000 + i);

      g_string_append_printf (body, "%s\n", event);
    }
  half = body->len / 2;
  head = g_strdup_printf ("POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-ndjson\r\n"
                          "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n", body->len);

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", (guint16) g_uri_get_port (uri), NULL, &error);
  g_assert_no_error (error);
  g_socket_set_timeout (g_socket_connection_get_socket (connection), WAIT_MS / 1000);
  out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  write_all (out, head, strlen (head));
  write_all (out, body->str, half);
  g_assert_true (hw_test_wait_until (publish_started, hub, WAIT_MS));

  g_subprocess_send_signal (hub->process, SIGTERM);
  write_all (out, body->str + half, body->len - half);
  answer = read_to_end (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  /* Not hw_test_hub_stop(): a second SIGTERM ends a stop at once. */
  g_subprocess_wait (hub->process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (hub->process));
  g_assert_cmpint (g_subprocess_get_exit_status (hub->process), ==, 0);
  g_clear_object (&hub->process);

  g_test_message ("%.200s", answer);
  g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 200"));
  accepted = g_strdup_printf ("\"accepted\":%u,", N_EVENTS);
  g_assert_nonnull (strstr (answer, accepted));

  hw_test_hub_restart (hub);
  count = hw_test_hub_get_json (hub, "/v1/events/count", 200);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (count), "count"), ==, N_EVENTS);
  hw_test_hub_free (hub);
}

/* Only the probe's own request is open. */
static gboolean
only_probe_open (gpointer user_data)
{
  return requests_in_flight (user_data) == 1;
}

static GSocketConnection *
connect_to_hub (HwTestHub *hub)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GUri) uri = g_uri_parse (hub->base_url, G_URI_FLAGS_NONE, NULL);
  g_autoptr(GError) error = NULL;
  GSocketConnection *connection;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", (guint16) g_uri_get_port (uri), NULL, &error);
  g_assert_no_error (error);
  g_socket_set_timeout (g_socket_connection_get_socket (connection), WAIT_MS / 1000);
  return connection;
}

/* Connections with no request under way, one kept alive after its answer
 * and one never used, are not open requests: the gauge leaves them out, and
 * a SIGTERM stops the hub at once, not after the grace period with a
 * warning of requests left unanswered. */
static void
test_sigterm_ignores_idle_connections (void)
{
  HwTestHub *hub = hw_test_hub_new (NULL, NULL, NULL);
  g_autoptr(GSocketConnection) unused = connect_to_hub (hub);
  g_autoptr(GSocketConnection) kept = connect_to_hub (hub);
  const char *request = "GET /v1/info HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  g_autoptr(GError) error = NULL;
  g_autofree char *log = NULL;
  char buffer[64];
  gsize n = 0;

  g_assert_true (g_socket_connection_is_connected (unused));
  write_all (g_io_stream_get_output_stream (G_IO_STREAM (kept)), request, strlen (request));
  g_input_stream_read_all (g_io_stream_get_input_stream (G_IO_STREAM (kept)), buffer, 12, &n, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (buffer, n, "HTTP/1.1 200", 12);
  g_assert_true (hw_test_wait_until (only_probe_open, hub, WAIT_MS));

  g_subprocess_send_signal (hub->process, SIGTERM);
  g_subprocess_wait (hub->process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (hub->process));
  g_assert_cmpint (g_subprocess_get_exit_status (hub->process), ==, 0);
  g_clear_object (&hub->process);
  log = hw_test_hub_read_log (hub);
  g_assert_null (strstr (log, "unanswered"));
  hw_test_hub_free (hub);
}

static void
add_listener (HwTestHub  *hub,
              const char *definition)
{
  g_autoptr(JsonNode) answer = NULL;

  g_assert_cmpuint (hw_test_hub_json (hub, "POST", "/v1/listeners", NULL, definition, &answer), ==, 201);
}

typedef struct
{
  HwTestHub      *hub;
  HwTestListener *listener;
  guint           n;
} Settled;

/* @n events acknowledged, and the hub has taken in every acknowledgement:
 * its checkpoint is final, though perhaps not written yet. */
static gboolean
listener_settled (gpointer user_data)
{
  Settled *settled = user_data;
  g_autoptr(JsonObject) status = NULL;

  if (hw_test_listener_n_acked (settled->listener) < settled->n)
    return FALSE;
  status = hw_test_hub_find (settled->hub, "/v1/listeners/x");
  g_assert_nonnull (status);
  return json_object_get_int_member (status, "pending") == 0 &&
         json_object_get_int_member (status, "in_flight") == 0;
}

static gint64
listener_checkpoint (HwTestHub *hub)
{
  g_autoptr(JsonObject) status = hw_test_hub_find (hub, "/v1/listeners/x");

  g_assert_nonnull (status);
  return json_object_get_int_member (status, "checkpoint");
}

static void
deliver_and_settle (HwTestHub      *hub,
                    HwTestListener *listener,
                    guint          *next_id,
                    guint           n)
{
  Settled settled = { hub, listener, *next_id + n };

  hw_test_hub_publish_events (hub, "t", next_id, n);
  g_assert_true (hw_test_wait_until (listener_settled, &settled, WAIT_MS));
}

/* Checkpoints are written off the main loop: a SIGTERM right after the
 * last acknowledgement, before its checkpoint was reported or written,
 * still has it on disk before the hub exits. The restarted hub goes on
 * from there, so nothing is delivered twice. */
static void
test_sigterm_writes_last_checkpoint (void)
{
  g_autoptr(HwTestListener) listener = hw_test_listener_new ();
  HwTestHub *hub = hw_test_hub_new (NULL, NULL, NULL);
  g_autofree char *def = g_strdup_printf ("{\"name\":\"x\",\"url\":\"%s\",\"batch_size\":5}", listener->url);
  g_autoptr(GHashTable) times = NULL;
  guint next_id = 0;
  gint64 reported;

  add_listener (hub, def);
  deliver_and_settle (hub, listener, &next_id, 40);
  reported = listener_checkpoint (hub);
  g_assert_cmpint (reported, >, 0);
  hw_test_hub_stop (hub);

  hw_test_hub_restart (hub);
  g_assert_cmpint (listener_checkpoint (hub), ==, reported);
  deliver_and_settle (hub, listener, &next_id, 5);
  times = hw_test_listener_acked_times (listener);
  g_assert_cmpuint (hw_test_count_repeats (times, "t", 0, next_id), ==, 0);
  hw_test_hub_free (hub);
}

/* A listener deleted and made again under its name is a new one: the old
 * one's checkpoint, however recent, is not written over the new one's
 * (which starts at the horizon, 0, and cannot move: its url refuses). */
static void
test_recreated_listener_keeps_its_own_checkpoint (void)
{
  g_autoptr(HwTestListener) listener = hw_test_listener_new ();
  HwTestHub *hub = hw_test_hub_new (NULL, NULL, NULL);
  g_autofree char *def = g_strdup_printf ("{\"name\":\"x\",\"url\":\"%s\",\"batch_size\":1}", listener->url);
  const char *again = "{\"name\":\"x\",\"url\":\"http://127.0.0.1:1/\",\"start\":\"trim_horizon\"}";
  g_autoptr(JsonNode) answer = NULL;
  guint next_id = 0;

  add_listener (hub, def);
  deliver_and_settle (hub, listener, &next_id, 30);
  g_assert_cmpint (listener_checkpoint (hub), >, 0);
  g_assert_cmpuint (hw_test_hub_json (hub, "DELETE", "/v1/listeners/x", NULL, NULL, &answer), ==, 200);
  add_listener (hub, again);
  g_assert_cmpint (listener_checkpoint (hub), ==, 0);
  hw_test_hub_stop (hub);

  hw_test_hub_restart (hub);
  g_assert_cmpint (listener_checkpoint (hub), ==, 0);
  hw_test_hub_free (hub);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hub/shutdown/sigterm-finishes-started-publish", test_sigterm_finishes_started_publish);
  g_test_add_func ("/hub/shutdown/sigterm-ignores-idle-connections", test_sigterm_ignores_idle_connections);
  g_test_add_func ("/hub/shutdown/sigterm-writes-last-checkpoint", test_sigterm_writes_last_checkpoint);
  g_test_add_func ("/hub/shutdown/recreated-listener-keeps-its-own-checkpoint",
                   test_recreated_listener_keeps_its_own_checkpoint);
  return g_test_run ();
}
