/* hw-faults-page-private.h: the Faults page's state, shared by its parts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hw-chart.h"
#include "hw-command-queue.h"
#include "hw-fault-groups.h"
#include "hw-faults-page.h"
#include "hw-state-view.h"

G_BEGIN_DECLS

#define HOUR_MS (G_GINT64_CONSTANT (3600) * 1000)

struct _HwFaultsPage
{
  GtkWidget       parent_instance;

  HwConnection   *connection;
  HwCommandQueue *queue;
  GCancellable   *cancellable;
  GCancellable   *fault_cancellable;
  GPtrArray      *groups;         /* Group* */
  GPtrArray      *shown;          /* Group*, borrowed from groups */
  GPtrArray      *faults;         /* Fault* of the selected group */
  GHashTable     *checked;        /* fault ids */
  HwFaultGroupItem *selected;
  HwTimeWindow   *window;
  const char     *source;
  gboolean        updating;      /* also while disposing: rows go, no reactions */
  gboolean        was_reachable;
  guint           reload_id;
  guint           load_count;
  guint           fault_load_count;

  /* Template widgets */
  HwStateView    *state_view;
  GtkSearchEntry *search_entry;
  GtkDropDown    *function_dropdown;
  GtkDropDown    *range_dropdown;
  GtkWidget      *replay_button;
  GtkWidget      *resubmit_button;
  GtkLabel       *summary_label;
  GtkListBox     *group_list;
  GtkStack       *detail_stack;
  GtkLabel       *group_title;
  GtkLabel       *group_subtitle;
  HwChart        *trend_chart;
  GtkListBox     *fault_list;
  GtkLabel       *fault_placeholder;
  HwFaultDetail  *fault_detail;
};

/* hw-faults-page.c: the group list and the range picked for it. */
void        hw_faults_page_clear_list        (GtkListBox     *list);
const char *hw_faults_page_range_hub         (HwFaultsPage   *self);
gint64      hw_faults_page_range_from_ms     (HwFaultsPage   *self);

/* hw-faults-page-detail.c: the selected group, its faults and the actions
 * on them. */
void        hw_faults_page_update_actions    (HwFaultsPage   *self);
void        hw_faults_page_load_faults       (HwFaultsPage   *self);
/* Binds the detail's template callbacks and installs its actions. */
void        hw_faults_page_class_init_detail (GtkWidgetClass *widget_class);

G_END_DECLS
