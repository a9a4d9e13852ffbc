/* hw-jetstream-private.h: what the JetStream engine's other parts share with HwJetStream
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Kept out of hw-jetstream.h so that the hub's code does not see libnats'
 * types.
 */
#pragma once

#include <gio/gio.h>
#include <nats/nats.h>

#include "hw-jetstream.h"

G_BEGIN_DECLS

/* A request to JetStream's API (stream state, a consumer, a KV entry)
 * waits at most this long. While a killed server's leaders are being
 * replaced, such a request goes unanswered until its wait ends: callers
 * retry shorter waits rather than sit out one long one. */
#define HW_JETSTREAM_API_WAIT_MS 2000

/* The connection, shared: a part that needs JetStream options of its own
 * (a shorter wait) makes its own jsCtx on it. Lives as long as @self. */
natsConnection *hw_jetstream_get_connection (HwJetStream *self);
/* The subsystem as it appears in stream and bucket names. */
const char     *hw_jetstream_get_name       (HwJetStream *self);
/* How long a publish waits, and setting up waits for the cluster. */
gint64          hw_jetstream_get_timeout_ms (HwJetStream *self);

/* @name with every character a stream name or subject token cannot hold
 * replaced by '_'. */
char           *hw_jetstream_sanitize_name  (const char  *name);

/* G_IO_ERROR_FAILED saying @what failed, with the library's last error or
 * JetStream's code. */
void            hw_jetstream_set_error      (GError     **error,
                                             natsStatus   status,
                                             jsErrCode    js_code,
                                             const char  *what);

G_END_DECLS
