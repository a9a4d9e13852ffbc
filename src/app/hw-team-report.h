/* hw-team-report.h: what the Team page shows, computed from the cache off the UI thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "hw-event-store.h"
#include "hw-team-metrics.h"

G_BEGIN_DECLS

#define HW_TEAM_WEEK_MS (G_GINT64_CONSTANT (7) * 24 * 3600 * 1000)

typedef struct
{
  gint64        start_ms;
  HwTeamMetrics metrics;
} HwTeamWeek;

/* Everything is of one service (or all) over [from_ms, to_ms). The rows
 * point into @input, which the report owns. */
typedef struct
{
  HwTeamInput   *input;
  HwTeamMetrics  metrics;
  GArray        *weeks;           /* HwTeamWeek, oldest first, the last ending at to_ms */
  GStrv          services;        /* every service seen in the cache, sorted */
  GPtrArray     *deployments;     /* const HwDeployment*, deployed in the window, newest first */
  GPtrArray     *incidents;       /* const HwIncident*, opened in the window, newest first */
  GHashTable    *causes;          /* deployment id → const HwIncident* naming it (borrowed) */
  guint          rejected;        /* malformed system events left out */
} HwTeamReport;

void          hw_team_report_free   (HwTeamReport  *report);

/* Reads deployments and incidents from @store (incidents also after the
 * window, as they may name a deployment inside it) and computes the
 * metrics of @service (NULL: all) over [@to_ms − @days, @to_ms), with
 * @n_weeks weekly trend buckets ending at @to_ms. Blocking: call it from a
 * worker thread. */
HwTeamReport *hw_team_report_load   (HwEventStore  *store,
                                     const char    *service,
                                     guint          days,
                                     gint64         to_ms,
                                     guint          n_weeks,
                                     GCancellable  *cancellable,
                                     GError       **error);

void          hw_team_report_load_async  (HwEventStore        *store,
                                          const char          *service,
                                          guint                days,
                                          gint64               to_ms,
                                          guint                n_weeks,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
HwTeamReport *hw_team_report_load_finish (GAsyncResult        *result,
                                          GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwTeamReport, hw_team_report_free)

G_END_DECLS
