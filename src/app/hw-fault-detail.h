/* hw-fault-detail.h: one fault event: error, stack, tags and unit of work
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define HW_TYPE_FAULT_DETAIL (hw_fault_detail_get_type ())

G_DECLARE_FINAL_TYPE (HwFaultDetail, hw_fault_detail, HW, FAULT_DETAIL, GtkWidget)

/* Shows the fault event @json (the event as stored; NULL clears).
 * @resubmitted_at_ms is 0 for a fault never resubmitted. Links to the
 * events of the unit of work activate `win.show-events` with a query
 * ("id:…"); where no window offers that action, the query is copied to the
 * clipboard instead and the detail says so. */
void        hw_fault_detail_set_fault           (HwFaultDetail *self,
                                                 const char    *json,
                                                 gint64         resubmitted_at_ms);
const char *hw_fault_detail_get_fault_id        (HwFaultDetail *self);
/* What the stack view holds (and the copy button copies). */
char       *hw_fault_detail_dup_stack           (HwFaultDetail *self);
/* Ids of the events of the unit of work, as linked. */
GStrv       hw_fault_detail_dup_linked_ids      (HwFaultDetail *self);

G_END_DECLS
