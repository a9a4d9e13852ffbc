/* hw-test-proxy.h: a TCP proxy a test can cut, so "the network" drops mid-request
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _HwTestProxy HwTestProxy;

/* Listens on a free loopback port and forwards to @upstream_url's port. */
HwTestProxy *hw_test_proxy_new     (const char  *upstream_url);
/* "http://127.0.0.1:PORT" of the proxy itself. */
char        *hw_test_proxy_url     (HwTestProxy *proxy);
/* Closes every forwarded connection and refuses new ones. */
void         hw_test_proxy_cut     (HwTestProxy *proxy);
/* Forwards again, to @upstream_url's port (a restarted hub has a new one). */
void         hw_test_proxy_restore (HwTestProxy *proxy,
                                    const char  *upstream_url);
void         hw_test_proxy_free    (HwTestProxy *proxy);

G_END_DECLS
