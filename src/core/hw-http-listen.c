/* hw-http-listen.c: SoupServer listening sockets with a real accept queue
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * soup_server_listen() leaves the listening GSocket at GLib's default
 * backlog of 10. Clients that connect together (a listener's sixteen
 * delivery lanes, a burst of producers, a console's parallel requests)
 * overflow an accept queue that small: the kernel drops their SYNs, and each
 * such client connects only when TCP retransmits, a second later. On the
 * delivery benchmark one run in two lost that second, and with it some 60 %
 * of its throughput. The socket is therefore made here, with room
 * for every client a hub expects, and handed to the server.
 */
#include "config.h"

#include <gio/gnetworking.h>

#include "hw-http-listen.h"

gboolean
hw_http_listen (SoupServer               *server,
                GSocketAddress           *address,
                SoupServerListenOptions   options,
                GError                  **error)
{
  GSocketFamily family = g_socket_address_get_family (address);
  g_autoptr(GSocket) socket = NULL;

  g_return_val_if_fail (SOUP_IS_SERVER (server), FALSE);
  g_return_val_if_fail (G_IS_SOCKET_ADDRESS (address), FALSE);

  socket = g_socket_new (family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, error);
  if (socket == NULL)
    return FALSE;
  /* soup_server_listen_all() binds IPv4 and IPv6 apart: keep v6 to v6. */
  if (family == G_SOCKET_FAMILY_IPV6 &&
      !g_socket_set_option (socket, IPPROTO_IPV6, IPV6_V6ONLY, TRUE, error))
    return FALSE;
  g_socket_set_listen_backlog (socket, HW_HTTP_LISTEN_BACKLOG);
  if (!g_socket_bind (socket, address, TRUE, error) || !g_socket_listen (socket, error))
    return FALSE;
  return soup_server_listen_socket (server, socket, options, error);
}

gboolean
hw_http_listen_loopback (SoupServer               *server,
                         SoupServerListenOptions   options,
                         GError                  **error)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);

  return hw_http_listen (server, address, options, error);
}
