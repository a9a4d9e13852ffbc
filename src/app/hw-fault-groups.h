/* hw-fault-groups.h: fault groups and their faults, from the hub or the offline cache
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "hw-connection.h"
#include "hw-series.h"

G_BEGIN_DECLS

/* One group (functionname | pipeline | err.message) with its trend. */
typedef struct
{
  char     *functionname;   /* each nullable */
  char     *pipeline;
  char     *message;
  gint64    count;
  gint64    first_seen_ms;
  gint64    last_seen_ms;
  HwSeries *trend;          /* faults per bucket over the range; NULL without a cache */
} HwFaultGroupItem;

/* One fault of a group. */
typedef struct
{
  char   *id;
  gint64  ts_ms;
  char   *err_name;
  char   *err_message;
  gint64  resubmitted_at_ms; /* 0 unless the cache marks it resubmitted */
  char   *json;              /* the fault event, nullable */
} HwFaultItem;

void      hw_fault_group_item_free   (HwFaultGroupItem       *group);
gboolean  hw_fault_group_item_equal  (const HwFaultGroupItem *a,
                                      const HwFaultGroupItem *b);
/* @functionname NULL matches any; @folded_text (g_utf8_casefold()ed, NULL
 * or "" for any) is looked for in the message, function and pipeline. */
gboolean  hw_fault_group_item_matches (const HwFaultGroupItem *group,
                                       const char             *functionname,
                                       const char             *folded_text);
void      hw_fault_item_free         (HwFaultItem            *fault);

/* The groups since @hub_from (a hub time such as "now-7d"; NULL: all time)
 * = @from_ms locally (0: all time). While the hub is reachable they are
 * exactly what GET /v1/faults/groups answers; otherwise (or when it fails)
 * the cache's. Trends come from the cache. Fails with HW_ERROR_NOT_FOUND
 * when the hub is unreachable and the cache is not open yet. */
void       hw_fault_groups_load_async  (HwConnection         *connection,
                                        const char           *hub_from,
                                        gint64                from_ms,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
/* GPtrArray of HwFaultGroupItem*, largest first. @source gets "hub" or
 * "cache", @range the trends' time range. */
GPtrArray *hw_fault_groups_load_finish (GAsyncResult         *result,
                                        const char          **source,
                                        HwTimeRange          *range,
                                        GError              **error);

/* The faults of @group since @from_ms (0: all), newest first, at most 200:
 * from the cache, or from the hub when the cache has none yet. */
void       hw_fault_items_load_async   (HwConnection            *connection,
                                        const HwFaultGroupItem  *group,
                                        const char              *hub_from,
                                        gint64                   from_ms,
                                        GCancellable            *cancellable,
                                        GAsyncReadyCallback      callback,
                                        gpointer                 user_data);
/* GPtrArray of HwFaultItem*. */
GPtrArray *hw_fault_items_load_finish  (GAsyncResult            *result,
                                        GError                 **error);

G_END_DECLS
