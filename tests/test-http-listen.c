/* test-http-listen.c: servers take a burst of connections at once
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * With nobody accepting, a TCP connect completes only while the listening
 * socket's accept queue has room; the kernel drops the SYNs beyond it, and
 * those clients wait for TCP's retransmission a second later. So a burst
 * of connects to a server that is not accepting shows the size of its
 * queue exactly, with no timing involved: every connect either completes
 * at once or not at all before the deadline.
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>

#include "hw-http-listen.h"
#include "hw-test-hub.h"
#include "hw-test-util.h"

/* More than GLib's default backlog of 10 by far, as many as a listener's
 * delivery lanes and a few consoles may open together. */
#define BURST 64

static guint
connect_burst (GSocketAddress *address,
               guint           n)
{
  g_autoptr(GPtrArray) sockets = g_ptr_array_new_with_free_func (g_object_unref);
  gint64 deadline = g_get_monotonic_time () + (gint64) hw_test_scale_ms (5000) * 1000;
  guint connected = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      GSocket *socket = g_socket_new (g_socket_address_get_family (address), G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_DEFAULT, &error);

      g_assert_no_error (error);
      g_socket_set_blocking (socket, FALSE);
      if (!g_socket_connect (socket, address, NULL, &error))
        g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
      g_ptr_array_add (sockets, socket);
    }
  for (guint i = 0; i < sockets->len; i++)
    {
      GSocket *socket = sockets->pdata[i];
      gint64 left = MAX (deadline - g_get_monotonic_time (), 0);

      if (g_socket_condition_timed_wait (socket, G_IO_OUT, left, NULL, NULL) &&
          g_socket_check_connect_result (socket, NULL))
        connected++;
    }
  return connected;
}

static GSocketAddress *
server_address (SoupServer *server)
{
  GSList *listeners = soup_server_get_listeners (server);
  GSocket *socket = listeners != NULL ? listeners->data : NULL;
  GSocketAddress *address;

  g_assert_nonnull (socket);
  address = g_socket_get_local_address (socket, NULL);
  g_slist_free (listeners);
  return address;
}

/* The server's main context never runs here: nothing is accepted. */
static void
test_loopback_burst (void)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (hw_http_listen_loopback (server, 0, &error));
  g_assert_no_error (error);
  address = server_address (server);
  g_assert_cmpuint (connect_burst (address, BURST), ==, BURST);
  soup_server_disconnect (server);
}

static void
test_ipv6_burst (void)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6);
  g_autoptr(GSocketAddress) wanted = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) error = NULL;

  if (!hw_http_listen (server, wanted, 0, &error))
    {
      /* A machine or container without IPv6 (EADDRNOTAVAIL, EAFNOSUPPORT). */
      g_test_skip_printf ("no IPv6 loopback here: %s", error->message);
      return;
    }
  address = server_address (server);
  g_assert_cmpint (g_socket_address_get_family (address), ==, G_SOCKET_FAMILY_IPV6);
  g_assert_cmpuint (connect_burst (address, BURST), ==, BURST);
  soup_server_disconnect (server);
}

static void
test_address_in_use (void)
{
  g_autoptr(SoupServer) first = soup_server_new (NULL, NULL);
  g_autoptr(SoupServer) second = soup_server_new (NULL, NULL);
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (hw_http_listen_loopback (first, 0, &error));
  address = server_address (first);
  g_assert_false (hw_http_listen (second, address, 0, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_assert_null (soup_server_get_listeners (second));
  soup_server_disconnect (first);
}

/* The real hub, stopped by SIGSTOP: its kernel queue alone takes the burst,
 * and once continued the hub still answers. */
static void
test_hub_burst (void)
{
  HwTestHub *hub = hw_test_hub_new (NULL, NULL, NULL);
  pid_t pid = (pid_t) atoi (g_subprocess_get_identifier (hub->process));
  g_autoptr(GUri) uri = g_uri_parse (hub->base_url, G_URI_FLAGS_NONE, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, (guint16) g_uri_get_port (uri));
  guint connected;

  g_assert_cmpint (kill (pid, SIGSTOP), ==, 0);
  connected = connect_burst (address, BURST);
  g_assert_cmpint (kill (pid, SIGCONT), ==, 0);
  g_assert_cmpuint (connected, ==, BURST);
  g_assert_cmpuint (hw_test_hub_request (hub, "GET", "/v1/info", NULL, NULL, NULL, 0, NULL, NULL), ==, 200);
  hw_test_hub_stop (hub);
  hw_test_hub_free (hub);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/http-listen/loopback-burst", test_loopback_burst);
  g_test_add_func ("/http-listen/ipv6-burst", test_ipv6_burst);
  g_test_add_func ("/http-listen/address-in-use", test_address_in_use);
  g_test_add_func ("/http-listen/hub-burst", test_hub_burst);
  return g_test_run ();
}
