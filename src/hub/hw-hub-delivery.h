/* hw-hub-delivery.h: the per-listener delivery loop (batches, lanes, retries, checkpoint)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "hw-hub.h"
#include "hw-hub-routing.h"

G_BEGIN_DECLS

/* What the delivery loop needs to know about a listener. */
typedef struct
{
  char          *name;
  char          *url;
  HwRoutingRule *rule;
  guint          batch_size;   /* records per POST, 1…10000 */
  guint          parallel;     /* batches in flight, 1…64 (one lane each) */
  guint          timeout_ms;   /* per POST */
} HwListenerSpec;

HwListenerSpec *hw_listener_spec_copy (const HwListenerSpec *spec);
void            hw_listener_spec_free (HwListenerSpec       *spec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwListenerSpec, hw_listener_spec_free)

typedef struct _HwDelivery HwDelivery;

/* Called (coalesced, on the main context) when the checkpoint advanced, so
 * the owner persists it. */
typedef void (*HwDeliveryCheckpointFunc) (HwDelivery *delivery,
                                          gint64      checkpoint,
                                          guint64     delivered,
                                          gpointer    user_data);

/* Starts delivering events with seq > @checkpoint that match @spec. Runs on
 * the thread-default main context of the caller (the hub's main context). */
HwDelivery *hw_delivery_new            (HwHub                    *hub,
                                        const HwListenerSpec     *spec,
                                        gint64                    checkpoint,
                                        guint64                   delivered,
                                        HwDeliveryCheckpointFunc  func,
                                        gpointer                  user_data);
HwDelivery *hw_delivery_ref            (HwDelivery               *self);
void        hw_delivery_unref          (HwDelivery               *self);

/* New events were committed: read and send what matches. */
void        hw_delivery_wake           (HwDelivery               *self);
/* Cancels in-flight POSTs and timers and reports the final checkpoint
 * through the callback. Idempotent; unref afterwards. */
void        hw_delivery_stop           (HwDelivery               *self);

const HwListenerSpec *hw_delivery_get_spec (HwDelivery           *self);
/* The highest seq below which every matching event is acknowledged. */
gint64      hw_delivery_get_checkpoint (HwDelivery               *self);
/* Events acknowledged by the listener, over its whole life. */
guint64     hw_delivery_get_delivered  (HwDelivery               *self);
/* now − received time of the oldest unacknowledged matching event; 0 when
 * caught up. */
gint64      hw_delivery_get_iterator_age_ms (HwDelivery          *self,
                                             gint64               now_ms);

/* Adds iterator_age_ms, pending, in_flight, delivered, invocations, errors,
 * throttles, retries, last_error, last_error_at, last_ack_at and checkpoint
 * to @builder's open object. */
void        hw_delivery_add_status     (HwDelivery               *self,
                                        JsonBuilder              *builder);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwDelivery, hw_delivery_unref)

G_END_DECLS
