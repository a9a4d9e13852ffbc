/* hw-metrics-loader.h: reads the Metrics page's series from a hub's cache, off the UI thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "hw-event-store.h"
#include "hw-series.h"

G_BEGIN_DECLS

/* How several label sets combine into one "Other" series when a chart has
 * more than HW_METRICS_MAX_SERIES of them. */
typedef enum
{
  HW_METRICS_COMBINE_NONE,   /* averages, percentiles: the rest is left out */
  HW_METRICS_COMBINE_SUM,    /* rates and counts add up */
  HW_METRICS_COMBINE_MAX,    /* maxima take the worst */
} HwMetricsCombine;

#define HW_METRICS_MAX_SERIES 8

typedef struct
{
  const char       *metric;   /* hub name, e.g. "domain.event.count" */
  const char       *stat;     /* "rate", "max", "avg", "p95" */
  const char       *by;       /* the label each series is for, e.g. "type" */
  HwMetricsCombine  combine;
} HwMetricsQuery;

/* A deployment or incident, to be read a curve against. */
typedef struct
{
  gint64  ts_ms;
  char   *kind;    /* "deployment" or "incident" */
  char   *title;   /* its title, message, summary… or the kind */
} HwMetricsMarker;

typedef struct
{
  guint       n_queries;
  GPtrArray **series;          /* per query: HwSeries*, named by label value, worst first */
  guint      *n_hidden;        /* per query: label sets left out or folded into "Other" */
  GPtrArray  *markers;         /* HwMetricsMarker* in the range, oldest first */
  HwSeries   *alerts;          /* alert system events per @alert_bucket_ms */
} HwMetricsResult;

void             hw_metrics_result_free (HwMetricsResult       *result);

/* The step of the rollups for a window of @span_ms: a few hundred points.
 * Never 60 s: the Overview caches its unlabelled rollups of the same metric
 * names at 60 s, and labelled ones at the same resolution would add up with
 * them in its sums. */
guint            hw_metrics_pick_step   (gint64                 span_ms);

/* @queries must stay valid until the callback (static tables). */
void             hw_metrics_load_async  (HwEventStore          *store,
                                         const HwMetricsQuery  *queries,
                                         guint                  n_queries,
                                         gint64                 from_ms,
                                         gint64                 to_ms,
                                         guint                  step_s,
                                         gint64                 alert_bucket_ms,
                                         GCancellable          *cancellable,
                                         GAsyncReadyCallback    callback,
                                         gpointer               user_data);
HwMetricsResult *hw_metrics_load_finish (GAsyncResult          *result,
                                         GError               **error);

G_END_DECLS
