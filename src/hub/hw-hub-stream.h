/* hw-hub-stream.h: GET /v1/stream, the WebSocket push of events, faults, metrics, jobs and system events
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hw-hub.h"

G_BEGIN_DECLS

typedef struct _HwHubStream HwHubStream;

/* Registers the WebSocket handler and the GET /v1/stream route on @hub. */
HwHubStream *hw_hub_stream_new             (HwHub       *hub);
void         hw_hub_stream_free            (HwHubStream *self);

/* Main context only. @seq < 0 leaves "seq" out of the message. */
void         hw_hub_stream_broadcast       (HwHubStream *self,
                                            const char  *kind,
                                            gint64       seq,
                                            JsonNode    *payload);
/* New events were committed: every client catches up from its own cursor. */
void         hw_hub_stream_events_appended (HwHubStream *self);
/* Closes every connection (shutdown). */
void         hw_hub_stream_close_all       (HwHubStream *self);
guint        hw_hub_stream_get_n_clients   (HwHubStream *self);

G_END_DECLS
