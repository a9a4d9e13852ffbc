/* hw-http-listen.h: SoupServer listening sockets with a real accept queue
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* The accept queue asked for; the kernel caps it at net.core.somaxconn. */
#define HW_HTTP_LISTEN_BACKLOG 1024

/* soup_server_listen() with a backlog of HW_HTTP_LISTEN_BACKLOG. An IPv6
 * address listens on IPv6 only, as soup_server_listen() does. */
gboolean hw_http_listen          (SoupServer               *server,
                                  GSocketAddress           *address,
                                  SoupServerListenOptions   options,
                                  GError                  **error);

/* The same on 127.0.0.1 and a free port: soup_server_listen_local()'s use. */
gboolean hw_http_listen_loopback (SoupServer               *server,
                                  SoupServerListenOptions   options,
                                  GError                  **error);

G_END_DECLS
