/* hw-hub-delivery-trace.c: where a listener's lanes spend their time
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Delivery is bounded by Little's law: parallel × batch ÷ the time a lane
 * takes per batch. Whatever a lane spends outside a POST is the bubble;
 * this splits it by cause (reads behind, window full, caught up) and times
 * the main loop's dispatch delay with a probe timer, which is what a POST
 * answer waits for before its lane can go again.
 */
#include "config.h"

#include <string.h>

#include "hw-hub-delivery-trace.h"

#define PROBE_MS 5

static const char *const state_names[HW_LANE_N_STATES] = {
  "posting", "retry", "wait-read", "wait-window", "wait-lake",
};

/* Post durations by upper bound: 40 ms apart from the listener's own
 * latency is TCP's delayed ACK, the rest is queueing. */
static const double post_bucket_ms[] = { 15, 30, 45, 90, G_MAXDOUBLE };

struct _HwDeliveryTrace
{
  char        *name;
  guint        n_lanes;
  HwLaneState *state;
  gint64      *since_us;
  gint64       total_us[HW_LANE_N_STATES];
  gint64       report_us;

  guint64      posts;
  double       post_ms_sum;
  guint64      post_ms_buckets[G_N_ELEMENTS (post_bucket_ms)];

  guint64      reads;
  gint64       read_queued_us;
  gint64       read_work_us;
  gint64       read_return_us;

  guint        probe_id;
  gint64       probe_last_us;
  gint64       lag_sum_us;
  gint64       lag_max_us;
  guint64      lag_n;
};

static gboolean
on_probe (gpointer user_data)
{
  HwDeliveryTrace *trace = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 lag = MAX (now - trace->probe_last_us - PROBE_MS * 1000, 0);

  trace->lag_sum_us += lag;
  trace->lag_max_us = MAX (trace->lag_max_us, lag);
  trace->lag_n++;
  trace->probe_last_us = now;
  return G_SOURCE_CONTINUE;
}

HwDeliveryTrace *
hw_delivery_trace_new (const char *name,
                       guint       n_lanes)
{
  HwDeliveryTrace *trace;
  gint64 now = g_get_monotonic_time ();

  if (g_getenv ("HW_DELIVERY_TRACE") == NULL)
    return NULL;
  trace = g_new0 (HwDeliveryTrace, 1);
  trace->name = g_strdup (name);
  trace->n_lanes = n_lanes;
  trace->state = g_new (HwLaneState, n_lanes);
  trace->since_us = g_new (gint64, n_lanes);
  for (guint i = 0; i < n_lanes; i++)
    {
      trace->state[i] = HW_LANE_WAIT_LAKE;
      trace->since_us[i] = now;
    }
  trace->report_us = now;
  trace->probe_last_us = now;
  trace->probe_id = g_timeout_add (PROBE_MS, on_probe, trace);
  return trace;
}

void
hw_delivery_trace_free (HwDeliveryTrace *trace)
{
  if (trace == NULL)
    return;
  hw_delivery_trace_report (trace);
  g_clear_handle_id (&trace->probe_id, g_source_remove);
  g_free (trace->state);
  g_free (trace->since_us);
  g_free (trace->name);
  g_free (trace);
}

void
hw_delivery_trace_lane (HwDeliveryTrace *trace,
                        guint            lane,
                        HwLaneState      state)
{
  gint64 now;

  if (trace == NULL || trace->state[lane] == state)
    return;
  now = g_get_monotonic_time ();
  trace->total_us[trace->state[lane]] += now - trace->since_us[lane];
  trace->state[lane] = state;
  trace->since_us[lane] = now;
}

void
hw_delivery_trace_posted (HwDeliveryTrace *trace,
                          double           duration_ms)
{
  if (trace == NULL)
    return;
  trace->posts++;
  trace->post_ms_sum += duration_ms;
  for (guint i = 0; i < G_N_ELEMENTS (post_bucket_ms); i++)
    if (duration_ms < post_bucket_ms[i])
      {
        trace->post_ms_buckets[i]++;
        break;
      }
}

void
hw_delivery_trace_read (HwDeliveryTrace *trace,
                        gint64           queued_us,
                        gint64           work_us,
                        gint64           return_us)
{
  if (trace == NULL)
    return;
  trace->reads++;
  trace->read_queued_us += queued_us;
  trace->read_work_us += work_us;
  trace->read_return_us += return_us;
}

void
hw_delivery_trace_report (HwDeliveryTrace *trace)
{
  g_autoptr(GString) line = NULL;
  gint64 now, lane_us;

  if (trace == NULL)
    return;
  now = g_get_monotonic_time ();
  /* Close every lane's current interval so each report covers its span. */
  for (guint i = 0; i < trace->n_lanes; i++)
    {
      trace->total_us[trace->state[i]] += now - trace->since_us[i];
      trace->since_us[i] = now;
    }
  lane_us = MAX ((now - trace->report_us) * (gint64) trace->n_lanes, 1);
  if (trace->total_us[HW_LANE_WAIT_LAKE] == lane_us)
    goto restart;   /* idle all along: nothing to say */

  line = g_string_new (NULL);
  g_string_append_printf (line, "trace %s: %.3f s, lanes:", trace->name, (now - trace->report_us) / 1e6);
  for (guint s = 0; s < HW_LANE_N_STATES; s++)
    g_string_append_printf (line, " %s %.1f%%", state_names[s], 100.0 * trace->total_us[s] / lane_us);
  g_string_append_printf (line, "; %" G_GUINT64_FORMAT " posts, mean %.2f ms", trace->posts,
                          trace->post_ms_sum / MAX (trace->posts, 1));
  g_string_append (line, " (");
  for (guint i = 0; i < G_N_ELEMENTS (post_bucket_ms); i++)
    {
      if (post_bucket_ms[i] < G_MAXDOUBLE)
        g_string_append_printf (line, "<%.0f: %" G_GUINT64_FORMAT ", ", post_bucket_ms[i], trace->post_ms_buckets[i]);
      else
        g_string_append_printf (line, "more: %" G_GUINT64_FORMAT ")", trace->post_ms_buckets[i]);
    }
  g_string_append_printf (line, "; %" G_GUINT64_FORMAT " reads, mean queued %.2f ms, work %.2f ms, "
                          "return %.2f ms", trace->reads,
                          trace->read_queued_us / 1e3 / MAX (trace->reads, 1),
                          trace->read_work_us / 1e3 / MAX (trace->reads, 1),
                          trace->read_return_us / 1e3 / MAX (trace->reads, 1));
  g_string_append_printf (line, "; main-loop lag mean %.2f ms, max %.2f ms",
                          trace->lag_sum_us / 1e3 / MAX (trace->lag_n, 1), trace->lag_max_us / 1e3);
  g_message ("%s", line->str);

restart:
  memset (trace->total_us, 0, sizeof trace->total_us);
  trace->report_us = now;
  trace->posts = 0;
  trace->post_ms_sum = 0;
  memset (trace->post_ms_buckets, 0, sizeof trace->post_ms_buckets);
  trace->reads = trace->read_queued_us = trace->read_work_us = trace->read_return_us = 0;
  trace->lag_sum_us = trace->lag_max_us = 0;
  trace->lag_n = 0;
}
