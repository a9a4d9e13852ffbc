/* hw-faults-page.h: fault triage: groups, trends, details and resubmission
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "hw-connection.h"
#include "hw-fault-detail.h"

G_BEGIN_DECLS

#define HW_TYPE_FAULTS_PAGE (hw_faults_page_get_type ())

G_DECLARE_FINAL_TYPE (HwFaultsPage, hw_faults_page, HW, FAULTS_PAGE, GtkWidget)

typedef enum
{
  HW_FAULTS_RANGE_HOUR,
  HW_FAULTS_RANGE_DAY,
  HW_FAULTS_RANGE_WEEK,
  HW_FAULTS_RANGE_MONTH,
  HW_FAULTS_RANGE_ALL,
} HwFaultsRange;

/* Property "connection" (HwConnection*, nullable). Fault groups come from
 * the hub while it is reachable (exactly what GET /v1/faults/groups says)
 * and from the offline cache otherwise; trends, the faults of a group and
 * their details are read from the cache (the hub when the cache has none). */
HwConnection  *hw_faults_page_get_connection (HwFaultsPage  *self);
void           hw_faults_page_set_connection (HwFaultsPage  *self,
                                              HwConnection  *connection);

void           hw_faults_page_set_range      (HwFaultsPage  *self,
                                              HwFaultsRange  range);
void           hw_faults_page_set_filter     (HwFaultsPage  *self,
                                              const char    *text);

/* For tests: the groups shown (after filtering), in order. */
guint          hw_faults_page_get_n_groups   (HwFaultsPage  *self);
gboolean       hw_faults_page_get_group      (HwFaultsPage  *self,
                                              guint          index,
                                              const char   **functionname,
                                              const char   **pipeline,
                                              const char   **message,
                                              gint64        *count);
void           hw_faults_page_select_group   (HwFaultsPage  *self,
                                              guint          index);
/* The faults listed for the selected group. */
guint          hw_faults_page_get_n_faults   (HwFaultsPage  *self);
HwFaultDetail *hw_faults_page_get_detail     (HwFaultsPage  *self);
/* "hub" or "cache": where the shown groups came from. */
const char    *hw_faults_page_get_source     (HwFaultsPage  *self);
/* Completed loads of the group list / of a group's faults (tests wait). */
guint          hw_faults_page_get_load_count (HwFaultsPage  *self);
guint          hw_faults_page_get_fault_load_count (HwFaultsPage *self);

G_END_DECLS
