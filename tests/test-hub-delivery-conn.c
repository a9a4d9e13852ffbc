/* test-hub-delivery-conn.c: a delivery lane's kept-alive HTTP/1.1 connection against scripted listeners
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A raw TCP server on 127.0.0.1 answers each POST with bytes from a
 * script, so that the framings a real listener may use (Content-Length,
 * chunked, interim 1xx, to the end of the connection) and its failures (an
 * error status, garbage, a kept-alive connection closed under the next
 * POST, no answer at all) are all exercised byte for byte.
 */
#include "config.h"

#include <string.h>

#include "hw-error.h"
#include "hw-hub-batch-conn.h"
#include "hw-test-util.h"

#define MAX_STEPS 3

typedef struct
{
  const char *answer;      /* NULL: never answer, wait for the client to hang up */
  gboolean    close_after; /* close the connection once answered */
} Step;

typedef struct
{
  const char *name;
  Step        steps[MAX_STEPS];
  guint       n_steps;
  guint       expect_status[MAX_STEPS];
  gboolean    expect_ok[MAX_STEPS];
  guint       expect_connections;
} Case;

typedef struct
{
  const Case      *test;
  GSocketListener *listener;
  guint            connections;
  guint            requests;
  gboolean         request_ok;   /* every request was a well-formed POST of the body */
} Server;

#define BODY "{\"Records\":[]}"

/* Reads one request: FALSE at the end of the connection. */
static gboolean
read_request (GDataInputStream *in,
              Server           *server)
{
  g_autofree char *line = g_data_input_stream_read_line (in, NULL, NULL, NULL);
  gsize length = 0;
  char body[64];

  if (line == NULL)
    return FALSE;
  if (!g_str_equal (line, "POST /fn?x=1 HTTP/1.1\r"))
    server->request_ok = FALSE;
  for (;;)
    {
      g_autofree char *header = g_data_input_stream_read_line (in, NULL, NULL, NULL);

      if (header == NULL)
        return FALSE;
      if (g_str_equal (header, "\r"))
        break;
      if (g_ascii_strncasecmp (header, "Content-Length:", 15) == 0)
        length = g_ascii_strtoull (header + 15, NULL, 10);
    }
  if (length != strlen (BODY) ||
      !g_input_stream_read_all (G_INPUT_STREAM (in), body, length, &length, NULL, NULL) ||
      memcmp (body, BODY, length) != 0)
    server->request_ok = FALSE;
  return TRUE;
}

static gpointer
serve (gpointer user_data)
{
  Server *server = user_data;
  const Case *test = server->test;

  while (server->requests < test->n_steps)
    {
      g_autoptr(GSocketConnection) connection = g_socket_listener_accept (server->listener, NULL, NULL, NULL);
      g_autoptr(GDataInputStream) in = NULL;
      GOutputStream *out;

      if (connection == NULL)
        break;
      server->connections++;
      in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
      out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
      while (server->requests < test->n_steps && read_request (in, server))
        {
          const Step *step = &test->steps[server->requests++];

          if (step->answer == NULL)
            {
              char buffer[256];

              /* Until the client gives up and hangs up. */
              while (g_input_stream_read (G_INPUT_STREAM (in), buffer, sizeof buffer, NULL, NULL) > 0)
                ;
              return NULL;
            }
          g_output_stream_write_all (out, step->answer, strlen (step->answer), NULL, NULL, NULL);
          if (step->close_after)
            break;
        }
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
    }
  return NULL;
}

typedef struct
{
  gboolean done;
  guint    status;
  GError  *error;
} Outcome;

static void
on_posted (guint         status,
           const GError *error,
           double        duration_ms,
           gpointer      user_data)
{
  Outcome *outcome = user_data;

  outcome->done = TRUE;
  outcome->status = status;
  outcome->error = error != NULL ? g_error_copy (error) : NULL;
}

static gboolean
is_done (gpointer user_data)
{
  return ((Outcome *) user_data)->done;
}

static const Case cases[] = {
  { "content-length", { { "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", FALSE },
                        { "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", FALSE } }, 2,
    { 200, 200 }, { TRUE, TRUE }, 1 },
  { "chunked", { { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n3;x=1\r\nabc\r\n0\r\n"
                   "X-Trailer: 1\r\n\r\n", FALSE },
                 { "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n", FALSE } }, 2,
    { 200, 202 }, { TRUE, TRUE }, 1 },
  { "interim", { { "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n", FALSE },
                 { "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", FALSE } }, 2,
    { 204, 200 }, { TRUE, TRUE }, 1 },
  { "to-eof", { { "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nok, all of it", TRUE },
                { "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", FALSE } }, 2,
    { 200, 200 }, { TRUE, TRUE }, 2 },
  { "closed-under-keep-alive", { { "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", TRUE },
                                 { "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", FALSE } }, 2,
    { 200, 200 }, { TRUE, TRUE }, 2 },
  { "error-status", { { "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy", FALSE },
                      { "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", FALSE } }, 2,
    { 503, 200 }, { FALSE, TRUE }, 2 },
  { "garbage", { { "NOPE\r\n\r\n", FALSE },
                 { "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", FALSE } }, 2,
    { 0, 200 }, { FALSE, TRUE }, 2 },
  { "no-answer", { { NULL, FALSE } }, 1, { 0 }, { FALSE }, 1 },
};

static void
test_case (gconstpointer data)
{
  const Case *test = data;
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HwBatchConn) conn = NULL;
  g_autoptr(GBytes) body = g_bytes_new_static (BODY, strlen (BODY));
  g_autofree char *url = NULL;
  Server server = { test, listener, 0, 0, TRUE };
  GThread *thread;

  g_assert_true (g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                                NULL, &bound, &error));
  g_assert_no_error (error);
  url = g_strdup_printf ("http://127.0.0.1:%u/fn?x=1",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  conn = hw_batch_conn_new (url);
  thread = g_thread_new ("scripted-listener", serve, &server);

  for (guint i = 0; i < test->n_steps; i++)
    {
      Outcome outcome = { 0 };
      guint timeout_ms = test->steps[i].answer == NULL ? 300 : 20000;

      hw_batch_conn_post (conn, body, timeout_ms, NULL, on_posted, &outcome);
      g_assert_true (hw_test_wait_until (is_done, &outcome, 30000));
      g_assert_cmpuint (outcome.status, ==, test->expect_status[i]);
      if (test->expect_ok[i])
        g_assert_no_error (outcome.error);
      else
        g_assert_nonnull (outcome.error);
      if (test->steps[i].answer == NULL)
        g_assert_true (g_error_matches (outcome.error, HW_ERROR, HW_ERROR_UNAVAILABLE) &&
                       strstr (outcome.error->message, "timed out") != NULL);
      g_clear_error (&outcome.error);
    }
  /* The lane closes its connection: a server waiting for it returns. */
  g_clear_pointer (&conn, hw_batch_conn_free);
  g_thread_join (thread);
  g_assert_true (server.request_ok);
  g_assert_cmpuint (server.requests, ==, test->n_steps);
  g_assert_cmpuint (server.connections, ==, test->expect_connections);
}

/* A listener that sends a line without end: the POST fails on the length
 * of the line, long before its timeout, holding a bounded buffer. */
static void
test_endless_line (gconstpointer data)
{
  const char *start = data;
  g_autofree char *endless = g_strnfill (200000, 'f');
  g_autofree char *answer = g_strconcat (start, endless, NULL);
  Case test = { "endless", { { answer, FALSE } }, 1, { 0 }, { FALSE }, 1 };
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HwBatchConn) conn = NULL;
  g_autoptr(GBytes) body = g_bytes_new_static (BODY, strlen (BODY));
  g_autofree char *url = NULL;
  Server server = { &test, listener, 0, 0, TRUE };
  Outcome outcome = { 0 };
  GThread *thread;

  g_assert_true (g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                                NULL, &bound, &error));
  url = g_strdup_printf ("http://127.0.0.1:%u/fn?x=1",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  conn = hw_batch_conn_new (url);
  thread = g_thread_new ("endless-listener", serve, &server);

  hw_batch_conn_post (conn, body, 60000, NULL, on_posted, &outcome);
  g_assert_true (hw_test_wait_until (is_done, &outcome, 30000));
  g_assert_cmpuint (outcome.status, ==, 0);
  g_assert_error (outcome.error, HW_ERROR, HW_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (outcome.error->message, "too long"));
  g_clear_error (&outcome.error);

  g_clear_pointer (&conn, hw_batch_conn_free);
  g_thread_join (thread);
}

/* A POST that cannot connect, and a URL that is not http(s), fail cleanly. */
static void
test_unreachable (void)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/fn", hw_test_free_port ());
  g_autoptr(HwBatchConn) conn = hw_batch_conn_new (url);
  g_autoptr(HwBatchConn) bad = hw_batch_conn_new ("ftp://127.0.0.1/fn");
  g_autoptr(GBytes) body = g_bytes_new_static (BODY, strlen (BODY));
  Outcome outcome = { 0 };

  hw_batch_conn_post (conn, body, 5000, NULL, on_posted, &outcome);
  g_assert_true (hw_test_wait_until (is_done, &outcome, 30000));
  g_assert_cmpuint (outcome.status, ==, 0);
  g_assert_nonnull (outcome.error);
  g_clear_error (&outcome.error);

  outcome.done = FALSE;
  hw_batch_conn_post (bad, body, 5000, NULL, on_posted, &outcome);
  g_assert_true (outcome.done);
  g_assert_error (outcome.error, HW_ERROR, HW_ERROR_PROTOCOL);
  g_clear_error (&outcome.error);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/hub/delivery-conn/%s", cases[i].name);

      g_test_add_data_func (path, &cases[i], test_case);
    }
  g_test_add_data_func ("/hub/delivery-conn/endless-header", "HTTP/1.1 200 OK\r\nX-Pad: ", test_endless_line);
  g_test_add_data_func ("/hub/delivery-conn/endless-chunk-size",
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", test_endless_line);
  g_test_add_data_func ("/hub/delivery-conn/endless-trailer",
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Pad: ", test_endless_line);
  g_test_add_func ("/hub/delivery-conn/unreachable", test_unreachable);
  return g_test_run ();
}
