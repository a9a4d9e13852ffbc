/* hw-overview-data.h: what the Overview shows, read from the cache off the UI thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "hw-event-store.h"
#include "hw-hub-sync.h"
#include "hw-series.h"

G_BEGIN_DECLS

#define HW_OVERVIEW_HOUR_MS (G_GINT64_CONSTANT (3600) * 1000)

typedef enum
{
  HW_OVERVIEW_EVENT_RATE,
  HW_OVERVIEW_FAULT_RATE,
  HW_OVERVIEW_ITERATOR_AGE,
  HW_OVERVIEW_ALERTS,
  HW_OVERVIEW_N_CARDS
} HwOverviewCard;

typedef struct
{
  gint64     to_ms;                          /* the hour shown ends here */
  HwSeries  *series[HW_OVERVIEW_N_CARDS];    /* never NULL; alerts per hour over a day */
  GPtrArray *system_events;                  /* HwSystemEvent*, newest first, the last day */
} HwOverviewData;

void            hw_overview_data_free            (HwOverviewData      *data);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwOverviewData, hw_overview_data_free)

/* Asks @sync to keep the rollups the cards chart cached. */
void            hw_overview_data_request_rollups (HwHubSync           *sync);

/* Reads the hour up to @to_ms (and the day for alerts) from @store on a
 * worker thread. */
void            hw_overview_data_load_async      (HwEventStore        *store,
                                                  gint64               to_ms,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
HwOverviewData *hw_overview_data_load_finish     (GAsyncResult        *result,
                                                  GError             **error);

G_END_DECLS
