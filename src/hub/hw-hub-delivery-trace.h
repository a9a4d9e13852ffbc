/* hw-hub-delivery-trace.h: where a listener's lanes spend their time (HW_DELIVERY_TRACE=1)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What a lane is doing, or why it is idle. */
typedef enum
{
  HW_LANE_POSTING,      /* a POST is under way (send, listener, answer, dispatch) */
  HW_LANE_RETRY_WAIT,   /* backing off before resending a failed batch */
  HW_LANE_WAIT_READ,    /* no full batch, reads of the lake are under way */
  HW_LANE_WAIT_WINDOW,  /* no full batch, the unacknowledged window is full */
  HW_LANE_WAIT_LAKE,    /* nothing to send: caught up with the lake */
  HW_LANE_N_STATES
} HwLaneState;

typedef struct _HwDeliveryTrace HwDeliveryTrace;

/* NULL (and every call below a no-op) unless HW_DELIVERY_TRACE is set in
 * the environment: the accounting is for measuring, not for production. */
HwDeliveryTrace *hw_delivery_trace_new       (const char      *name,
                                              guint            n_lanes);
void             hw_delivery_trace_free      (HwDeliveryTrace *trace);
void             hw_delivery_trace_lane      (HwDeliveryTrace *trace,
                                              guint            lane,
                                              HwLaneState      state);
void             hw_delivery_trace_posted    (HwDeliveryTrace *trace,
                                              double           duration_ms);
/* A read's microseconds queued for a worker, working, and waiting for the
 * main context to take its result. */
void             hw_delivery_trace_read      (HwDeliveryTrace *trace,
                                              gint64           queued_us,
                                              gint64           work_us,
                                              gint64           return_us);
/* Logs what happened since the last report (one line), and restarts. */
void             hw_delivery_trace_report    (HwDeliveryTrace *trace);

G_END_DECLS
