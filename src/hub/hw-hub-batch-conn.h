/* hw-hub-batch-conn.h: one kept-alive HTTP/1.1 connection POSTing batches to a listener
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hw-hub-batch.h"

G_BEGIN_DECLS

/* A delivery lane's connection: at most one POST at a time, the connection
 * kept open between them. libsoup splices a request body into its socket
 * 8 KB at a time, two main-loop iterations each (some 60 per 200 KB batch,
 * on the hub's busy main loop); this writes head and body with one vectored
 * write, so a batch costs a few iterations. Plain HTTP and HTTPS
 * (GSocketClient), connecting directly: no proxy. */
typedef struct _HwBatchConn HwBatchConn;

HwBatchConn *hw_batch_conn_new   (const char      *url);
/* Closes the connection. No POST may be under way (cancel it and wait for
 * its callback first). */
void         hw_batch_conn_free  (HwBatchConn     *conn);
/* Like hw_batch_post(): @func runs once, on the caller's thread-default
 * main context, with a NULL error for a 2xx. A POST that finds its kept-alive
 * connection closed by the listener before any answer is sent again once,
 * on a new connection (delivery is at least once). */
void         hw_batch_conn_post  (HwBatchConn     *conn,
                                  GBytes          *body,
                                  guint            timeout_ms,
                                  GCancellable    *cancellable,
                                  HwBatchPostFunc  func,
                                  gpointer         user_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwBatchConn, hw_batch_conn_free)

G_END_DECLS
