/* hw-bench-listener.h: a listener function for the hub benchmark, in its own thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* An HTTP server on 127.0.0.1 that answers every POST of stream records
 * a fixed latency after the request arrived whole. Each connection has its
 * own thread, which sleeps until the answer is due, so any number of
 * batches wait in parallel and the benchmark's blocking HTTP calls never
 * hold an answer back. Each path is a route with its own counters: /live,
 * /replay, /stall… */
typedef struct _HwBenchListener HwBenchListener;

typedef struct
{
  guint64 batches;         /* acknowledged */
  guint64 records;         /* in acknowledged batches */
  guint64 refused;         /* answered 503 while stalled */
  double  latency_sum_s;   /* arrival to answer, over acknowledged batches */
  double  last_ack;        /* hw_bench_now() of the last acknowledgement; 0 = none */
  /* From answering a connection's batch to the next batch on that
   * connection having arrived whole: the sender's turnaround, the bubble
   * Little's law does not count (a new connection starts none). */
  double  turnaround_sum_s;
  guint64 turnarounds;
} HwBenchRouteStats;

HwBenchListener *hw_bench_listener_new        (guint             latency_ms,
                                               GError          **error);
void             hw_bench_listener_free       (HwBenchListener  *listener);

/* "http://127.0.0.1:PORT/<route>" */
char            *hw_bench_listener_dup_url    (HwBenchListener  *listener,
                                               const char       *route);
/* While stalled, @route answers 503 at once: the hub must retry, so its
 * oldest event waits and the listener's iterator age grows. */
void             hw_bench_listener_set_stall  (HwBenchListener  *listener,
                                               const char       *route,
                                               gboolean          stall);
void             hw_bench_listener_get_stats  (HwBenchListener  *listener,
                                               const char       *route,
                                               HwBenchRouteStats *stats);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwBenchListener, hw_bench_listener_free)

G_END_DECLS
