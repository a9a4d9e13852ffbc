/* hw-lake-hub.h: when the lake page asks the hub instead of the cache, and what it makes of the answer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hw-event-store.h"
#include "hw-hub-client.h"
#include "hw-hub-sync.h"
#include "hw-mask.h"
#include "hw-series.h"

G_BEGIN_DECLS

/* The cache holds the whole lake once the sync has caught up, and follows
 * the live stream from then on. Only while it is still catching up (hub
 * reachable, state SYNCING) is there lake beyond it: the events after
 * @as_of_ms (the hub clock of the cached data). A search whose range
 * reaches past that goes to the hub; offline, everything is the cache's. */
gboolean    hw_lake_should_ask_hub     (HwHubSyncState  state,
                                        gint64          as_of_ms,
                                        gint64          to_ms);

/* A bound as the hub API takes it (epoch ms), NULL for unbounded. */
char       *hw_lake_format_bound       (gint64          ms);

/* Display rows (HwEventRow* with json, seq 0) for events from the hub:
 * expanded and masked with @rules, as the cache would hold them. */
GPtrArray  *hw_lake_rows_from_events   (GPtrArray      *events,
                                        HwMaskRules    *rules);

/* A column series of histogram buckets, and of hub buckets. */
HwSeries   *hw_lake_histogram_series   (const HwHistogram *histogram);
HwSeries   *hw_lake_hub_buckets_series (GArray            *buckets,
                                        gint64            *from_ms,
                                        gint64            *to_ms);

G_END_DECLS
