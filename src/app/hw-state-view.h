/* hw-state-view.h: a page body with empty, loading and error states
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

typedef enum
{
  HW_VIEW_STATE_EMPTY,
  HW_VIEW_STATE_LOADING,
  HW_VIEW_STATE_ERROR,
  HW_VIEW_STATE_CONTENT,
} HwViewState;

#define HW_TYPE_VIEW_STATE (hw_view_state_get_type ())
GType hw_view_state_get_type (void) G_GNUC_CONST;

#define HW_TYPE_STATE_VIEW (hw_state_view_get_type ())

G_DECLARE_FINAL_TYPE (HwStateView, hw_state_view, HW, STATE_VIEW, GtkWidget)

/* Properties: "state", "child" (the content), "icon-name", "title" and
 * "description" of the empty state, "error" (the error state's text).
 * Signal "retry": the error state's Retry button was pressed. */
HwViewState  hw_state_view_get_state  (HwStateView *self);
void         hw_state_view_set_state  (HwStateView *self,
                                       HwViewState  state);
/* Shows the error state with @message. */
void         hw_state_view_set_error  (HwStateView *self,
                                       const char  *message);
GtkWidget   *hw_state_view_get_child  (HwStateView *self);
void         hw_state_view_set_child  (HwStateView *self,
                                       GtkWidget   *child);

G_END_DECLS
