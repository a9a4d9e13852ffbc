/* hw-hub-subscription.h: a live subscription to a hub's /v1/stream WebSocket
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hw-hub-client.h"

G_BEGIN_DECLS

#define HW_TYPE_HUB_SUBSCRIPTION (hw_hub_subscription_get_type ())
G_DECLARE_FINAL_TYPE (HwHubSubscription, hw_hub_subscription, HW, HUB_SUBSCRIPTION, GObject)

/* Signals, emitted on the thread-default main context of the caller of
 * hw_hub_client_subscribe_async():
 *   "message" (const char *kind, guint64 seq, JsonNode *data): one pushed
 *      message; kind is "event", "fault", "metric", "job", "system-event"…;
 *      seq is 0 when the message carries none.
 *   "closed" (GError *error): the connection ended; error is NULL after
 *      hw_hub_subscription_close(), otherwise HW_ERROR_UNAVAILABLE or
 *      HW_ERROR_PROTOCOL. Emitted once. */

/* Connects to /v1/stream?after=@after. */
void         hw_hub_client_subscribe_async  (HwHubClient          *client,
                                               guint64               after,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
HwHubSubscription *hw_hub_client_subscribe_finish (HwHubClient          *client,
                                               GAsyncResult         *result,
                                               GError              **error);

/* Highest seq seen in a message so far (or the "after" it was opened with). */
guint64      hw_hub_subscription_get_last_seq       (HwHubSubscription          *self);
gboolean     hw_hub_subscription_is_open            (HwHubSubscription          *self);
void         hw_hub_subscription_close              (HwHubSubscription          *self);

G_END_DECLS
