/* hw-event-detail.h: one event: pretty JSON, a collapsible tree, the raw text, follow links
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "hw-event-store.h"

G_BEGIN_DECLS

typedef enum
{
  HW_FOLLOW_PARTITION_KEY,   /* events with this partitionKey */
  HW_FOLLOW_ENTITY,          /* the entity's history, oldest first */
  HW_FOLLOW_CORRELATED,      /* a correlation id tag, or the uow links of a fault */
  HW_FOLLOW_FAULTS,          /* faults whose unit of work holds this event */
  HW_N_FOLLOW
} HwFollowKind;

#define HW_TYPE_EVENT_DETAIL (hw_event_detail_get_type ())

G_DECLARE_FINAL_TYPE (HwEventDetail, hw_event_detail, HW, EVENT_DETAIL, GtkWidget)

/* Shows the event as cached: masked fields arrive masked from the sync and
 * are shown as such. Actions (group "detail"): copy-event, copy-path,
 * copy-value (of the tree's selected row), follow-partition,
 * follow-entity, follow-correlated, follow-faults.
 * Signal "follow" (const char *query, gboolean oldest_first). */
GtkWidget  *hw_event_detail_new          (void);
/* @json NULL shows the empty state. */
void        hw_event_detail_set_event    (HwEventDetail *self,
                                          const char    *json);
const char *hw_event_detail_get_json     (HwEventDetail *self);
/* What the pretty view shows (tests). */
char       *hw_event_detail_dup_pretty   (HwEventDetail *self);
/* The tree's rows (GtkTreeListModel of GtkTreeListRow of HwJsonTreeItem),
 * NULL when empty. */
GListModel *hw_event_detail_get_tree     (HwEventDetail *self);

/* The query a follow link runs for @event, NULL when it does not apply;
 * @oldest_first (nullable) says the results read best oldest first. */
char       *hw_event_follow_query        (JsonNode      *event,
                                          HwFollowKind   kind,
                                          gboolean      *oldest_first);

G_END_DECLS
