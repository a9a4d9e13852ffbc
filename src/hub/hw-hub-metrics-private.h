/* hw-hub-metrics-private.h: the registry's internals, shared with the query code
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hw-hub-metrics.h"
#include "hw-hub-writer.h"

G_BEGIN_DECLS

/* Ten minutes of 1 s buckets: enough for the live charts, small per series. */
#define RING_SECONDS     600
#define RING_SAMPLES     64     /* per second, histograms only */
#define ROLL_SAMPLES     512    /* per rollup bucket, histograms only */
#define N_ROLLUPS        3

typedef struct
{
  gint64  count;
  double  sum;
  double  min;
  double  max;
  gint64  seen;      /* samples offered to the reservoir */
  GArray *samples;   /* double; histograms only, lazily allocated */
} Acc;

typedef struct
{
  char        *name;
  char        *labels;        /* canonical compact JSON object */
  JsonObject  *label_object;
  HwMetricKind kind;
  double       total;         /* counters and histograms: sum since start */
  gint64       total_count;
  double       last;          /* gauges */
  gint64       ring_sec[RING_SECONDS];
  Acc          ring[RING_SECONDS];
  gint64       roll_start[N_ROLLUPS];
  Acc          roll[N_ROLLUPS];
} Series;

/* Points handed to the "hw-metrics" writer thread, which queries read
 * from memory until it has written them. */
typedef struct
{
  HwHubMetrics *metrics;
  GArray       *points;     /* HwMetricPoint, finished rollup buckets */
  GHashTable   *late;       /* key → HwMetricPoint*: counts for written buckets */
  gint64        prune_ms;   /* > 0: then apply retention, after the points */
  gboolean      writing;    /* begun: the store may hold them, or not yet */
} HwMetricsWrite;

struct _HwHubMetrics
{
  GMutex                mutex;
  HwEventStore         *store;
  GHashTable           *series;     /* "name\nlabels" → Series* */
  GHashTable           *by_call;    /* labels as passed (see call_key()) → Series*, borrowed */
  GArray               *pending;    /* HwMetricPoint, finished rollup buckets */
  GHashTable           *late;       /* key → HwMetricPoint*: counts for written buckets */
  HwHubWriter          *writer;     /* NULL without a store */
  GQueue                unwritten;  /* HwMetricsWrite*, handed to the writer, in order */
  GCond                 written;    /* signalled as each leaves unwritten */
  gint64                last_prune_ms;
  gint64                last_tick_sec;
  gint64                started_sec;  /* buckets begun by then may hold a stopped hub's part */
  HwHubMetricsTickFunc  tick_func;
  gpointer              tick_data;
  /* Replicas of the JetStream engine: rollup queries add the other
   * replicas' copies (hw-hub-metrics-replicas.c); copies_partial (atomic)
   * says the copies may lag the cluster. */
  gboolean              shared;
  gint                  copies_partial;
};

extern const guint hw_metrics_rollup_seconds[N_ROLLUPS];
extern const gint64 hw_metrics_rollup_keep_ms[N_ROLLUPS];

/* Moves the finished rollup bucket @r of @series to the pending points. */
void        hw_metrics_close_rollup    (HwHubMetrics *self,
                                        Series       *series,
                                        guint         r);
GHashTable *hw_metrics_new_late_points (void);

/* hw-hub-metrics-replicas.c: whether the replicas' points of @name
 * combine by taking the largest (gauges, stored percentiles) rather than
 * by adding up. */
gboolean hw_metrics_combines_by_max   (const char          *name);
/* This replica's points of @name at @resolution_s in [@from_ms, @to_ms)
 * (@own: const HwMetricPoint*), each bucket combined with the other
 * replicas' copies of it: a GArray of HwMetricPoint, one per labels and
 * bucket. */
GArray  *hw_metrics_combine_replicas  (HwEventStore        *store,
                                       const char          *name,
                                       guint                resolution_s,
                                       gint64               from_ms,
                                       gint64               to_ms,
                                       GPtrArray           *own,
                                       GError             **error);

void    hw_metrics_acc_reset       (Acc       *acc);
void    hw_metrics_acc_merge       (Acc       *into,
                         const Acc *from,
                         guint      cap);
double  hw_metrics_acc_percentile  (Acc       *acc,
                         double     p);

G_END_DECLS
