/* hw-hub-metrics.h: the hub's metrics registry, 1 s ring buffers and SQLite rollups
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _HwHubMetrics HwHubMetrics;
typedef struct _HwEventStore HwEventStore;

/* How a series aggregates: a counter sums increments per second, a gauge
 * keeps the last/min/max/avg of its samples, a histogram keeps samples so
 * p50/p95/p99 can be answered. */
typedef enum
{
  HW_METRIC_COUNTER,
  HW_METRIC_GAUGE,
  HW_METRIC_HISTOGRAM,
} HwMetricKind;

/* Rollups persist in @store's metric_points (nullable: memory only). */
HwHubMetrics *hw_hub_metrics_new       (HwEventStore   *store);
void          hw_hub_metrics_free      (HwHubMetrics   *self);

/* Record calls are thread-safe. Labels are NULL-terminated key, value pairs:
 *   hw_hub_metrics_counter_add (m, "listener.invocations", 1, "listener", name, NULL);
 * Series are keyed by name + sorted labels. NULL label values are stored as "". */
void          hw_hub_metrics_counter_add (HwHubMetrics *self,
                                          const char   *name,
                                          double        value,
                                          ...) G_GNUC_NULL_TERMINATED;
void          hw_hub_metrics_gauge_set   (HwHubMetrics *self,
                                          const char   *name,
                                          double        value,
                                          ...) G_GNUC_NULL_TERMINATED;
void          hw_hub_metrics_observe     (HwHubMetrics *self,
                                          const char   *name,
                                          double        value,
                                          ...) G_GNUC_NULL_TERMINATED;
/* Same with a key, value, …, NULL array. */
void          hw_hub_metrics_record      (HwHubMetrics       *self,
                                          HwMetricKind        kind,
                                          const char         *name,
                                          const char * const *labels,
                                          double              value);

/* Counter values gathered apart, to be added at once. */
typedef struct
{
  gint64 count;
  double sum;
  double min;
  double max;
} HwMetricsBatch;

void          hw_metrics_batch_add       (HwMetricsBatch     *batch,
                                          double              value);
/* What @batch->count hw_hub_metrics_counter_add() calls of its values
 * would record, under one lock: a request of 500 events records its
 * counters once per label set, not once per event. */
void          hw_hub_metrics_counter_add_batch (HwHubMetrics         *self,
                                                const char           *name,
                                                const char * const   *labels,
                                                const HwMetricsBatch *batch);
/* The same for things that happened at @at_ms. Over a minute ago, they are
 * counted in the seconds and rollup buckets of that time rather than now:
 * a backfill or a producer catching up draws its history, not one spike
 * at its arrival. Anything more recent counts now, so that seconds the
 * live charts and the stream have shown stay as shown. */
void          hw_hub_metrics_counter_add_batch_at (HwHubMetrics         *self,
                                                   const char           *name,
                                                   const char * const   *labels,
                                                   const HwMetricsBatch *batch,
                                                   gint64                at_ms);
/* The time hw_hub_metrics_counter_add_batch_at() counts @at_ms at, at the
 * finest resolution it keeps there: callers that tally many events first
 * tally them by this. */
gint64        hw_hub_metrics_count_time  (gint64        now_ms,
                                          gint64        at_ms);

/* Moves finished seconds into the rollups and persists finished 10 s / 1 min
 * / 1 h buckets, applying retention. Called from a 1 s timer by the hub;
 * @now_ms is injectable for tests. */
void          hw_hub_metrics_tick        (HwHubMetrics *self,
                                          gint64        now_ms);
/* Persists every partial bucket (shutdown). */
void          hw_hub_metrics_flush       (HwHubMetrics *self);

/* Time series for charts.
 * @stat: sum|count|avg|min|max|p50|p95|p99|rate (rate = sum per second).
 * @by: comma-separated label keys to group by; NULL/"" = one series.
 * @where: label → value filters (nullable).
 * @step_ms: 0 picks one from the range. Uses the 1 s ring when the range is
 * inside it, else the coarsest fitting rollup. Returns {"series":[…]}. */
JsonNode     *hw_hub_metrics_query       (HwHubMetrics *self,
                                          const char   *name,
                                          gint64        from_ms,
                                          gint64        to_ms,
                                          gint64        step_ms,
                                          const char   *stat,
                                          const char   *by,
                                          GHashTable   *where,
                                          GError      **error);

/* Replicas of the JetStream engine (docs/jetstream.md): with @shared, queries
 * of the rollups (10 s and coarser) combine this replica's points with the
 * other replicas' copies in the store; the 1 s ring stays this replica's.
 * hw-hub-metrics-replicas.c says how each kind combines. */
void          hw_hub_metrics_set_shared  (HwHubMetrics *self,
                                          gboolean      shared);
/* The copies may lag the cluster (it cannot be reached): rollup answers
 * then say "partial": true. Any thread. */
void          hw_hub_metrics_set_copies_partial (HwHubMetrics *self,
                                                 gboolean      partial);

/* Prometheus text exposition (counters as _total, gauges as last value,
 * histograms as summaries with quantiles over the last minute). */
char         *hw_hub_metrics_to_prometheus (HwHubMetrics *self);

/* Called on each tick with the last complete second of series that changed;
 * the stream uses it for "metric" ticks. Runs on the thread calling tick(). */
typedef void (*HwHubMetricsTickFunc) (JsonNode *tick, gpointer user_data);
void          hw_hub_metrics_set_tick_func (HwHubMetrics         *self,
                                            HwHubMetricsTickFunc  func,
                                            gpointer              user_data);

G_END_DECLS
