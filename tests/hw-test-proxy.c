/* hw-test-proxy.c: a TCP proxy a test can cut, so "the network" drops mid-request
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * It also keeps the hub's address stable across restarts (hubwatchd picks a
 * new port each time), which is what a console sees of a restarted hub.
 */
#include "config.h"

#include "hw-test-proxy.h"

struct _HwTestProxy
{
  GSocketService *service;
  guint16         port;
  guint16         upstream_port;
  gboolean        cut;
  GPtrArray      *connections;   /* GSocketConnection* on both sides */
};

typedef struct
{
  HwTestProxy       *proxy;
  GSocketConnection *downstream;
} Pending;

static void
splice (GIOStream *from,
        GIOStream *to)
{
  g_output_stream_splice_async (g_io_stream_get_output_stream (to), g_io_stream_get_input_stream (from),
                                G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE | G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                                G_PRIORITY_DEFAULT, NULL, NULL, NULL);
}

static void
on_upstream (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Pending *pending = user_data;
  g_autoptr(GSocketConnection) upstream = NULL;

  upstream = g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (source), result, NULL);
  if (upstream == NULL || pending->proxy->cut)
    {
      g_socket_close (g_socket_connection_get_socket (pending->downstream), NULL);
    }
  else
    {
      g_ptr_array_add (pending->proxy->connections, g_object_ref (upstream));
      g_ptr_array_add (pending->proxy->connections, g_object_ref (pending->downstream));
      splice (G_IO_STREAM (pending->downstream), G_IO_STREAM (upstream));
      splice (G_IO_STREAM (upstream), G_IO_STREAM (pending->downstream));
    }
  g_object_unref (pending->downstream);
  g_free (pending);
}

static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  HwTestProxy *proxy = user_data;
  g_autoptr(GSocketClient) client = NULL;
  Pending *pending;

  if (proxy->cut)
    {
      g_socket_close (g_socket_connection_get_socket (connection), NULL);
      return TRUE;
    }
  pending = g_new0 (Pending, 1);
  pending->proxy = proxy;
  pending->downstream = g_object_ref (connection);
  client = g_socket_client_new ();
  g_socket_client_connect_to_host_async (client, "127.0.0.1", proxy->upstream_port, NULL, on_upstream, pending);
  return TRUE;
}

static guint16
port_of (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);

  g_assert_nonnull (uri);
  return (guint16) g_uri_get_port (uri);
}

HwTestProxy *
hw_test_proxy_new (const char *upstream_url)
{
  g_autoptr(GError) error = NULL;
  HwTestProxy *proxy = g_new0 (HwTestProxy, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  proxy->connections = g_ptr_array_new_with_free_func (g_object_unref);
  proxy->upstream_port = port_of (upstream_url);
  proxy->service = g_socket_service_new ();
  g_socket_listener_add_address (G_SOCKET_LISTENER (proxy->service), any_port, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
  g_assert_no_error (error);
  proxy->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_signal_connect (proxy->service, "incoming", G_CALLBACK (on_incoming), proxy);
  g_socket_service_start (proxy->service);
  return proxy;
}

char *
hw_test_proxy_url (HwTestProxy *proxy)
{
  return g_strdup_printf ("http://127.0.0.1:%u", proxy->port);
}

/* Drops every open connection and refuses new ones. */
void
hw_test_proxy_cut (HwTestProxy *proxy)
{
  proxy->cut = TRUE;
  for (guint i = 0; i < proxy->connections->len; i++)
    g_socket_close (g_socket_connection_get_socket (g_ptr_array_index (proxy->connections, i)), NULL);
  g_ptr_array_set_size (proxy->connections, 0);
}

void
hw_test_proxy_restore (HwTestProxy *proxy,
                       const char  *upstream_url)
{
  proxy->upstream_port = port_of (upstream_url);
  proxy->cut = FALSE;
}

void
hw_test_proxy_free (HwTestProxy *proxy)
{
  hw_test_proxy_cut (proxy);
  g_socket_service_stop (proxy->service);
  g_socket_listener_close (G_SOCKET_LISTENER (proxy->service));
  g_object_unref (proxy->service);
  g_ptr_array_unref (proxy->connections);
  g_free (proxy);
}
