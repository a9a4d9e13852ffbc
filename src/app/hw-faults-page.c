/* hw-faults-page.c: fault triage: groups, trends, details and resubmission
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "hw-chart.h"
#include "hw-command-queue.h"
#include "hw-error.h"
#include "hw-event-store.h"
#include "hw-fault-groups.h"
#include "hw-fault-rows.h"
#include "hw-faults-page.h"
#include "hw-replay-dialog.h"
#include "hw-resubmit-dialog.h"
#include "hw-state-view.h"

#define HOUR_MS         (G_GINT64_CONSTANT (3600) * 1000)
#define RELOAD_DELAY_MS 500

static const gint64 range_span_ms[] = { HOUR_MS, 24 * HOUR_MS, 7 * 24 * HOUR_MS, 30 * 24 * HOUR_MS, 0 };
static const char * const range_hub_from[] = { "now-1h", "now-24h", "now-7d", "now-30d", NULL };

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
  HwFaultGroupItem          *selected;
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

enum {
  PROP_0,
  PROP_CONNECTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (HwFaultsPage, hw_faults_page, GTK_TYPE_WIDGET)

static void load_faults (HwFaultsPage *self);

static gboolean
is_reachable (HwFaultsPage *self)
{
  HwHubSyncState state;

  if (self->connection == NULL || hw_connection_get_client (self->connection) == NULL)
    return FALSE;
  state = hw_connection_get_state (self->connection);
  return state == HW_HUB_SYNC_STATE_SYNCING || state == HW_HUB_SYNC_STATE_ONLINE;
}

/* Showing groups ---------------------------------------------------------------- */

static void
clear_list (GtkListBox *list)
{
  GtkListBoxRow *row;

  while ((row = gtk_list_box_get_row_at_index (list, 0)) != NULL)
    gtk_list_box_remove (list, GTK_WIDGET (row));
}

static const char *
selected_function (HwFaultsPage *self)
{
  GtkStringObject *item = gtk_drop_down_get_selected_item (self->function_dropdown);

  if (item == NULL || gtk_drop_down_get_selected (self->function_dropdown) == 0)
    return NULL;
  return gtk_string_object_get_string (item);
}

static gboolean
group_matches (HwFaultsPage     *self,
               HwFaultGroupItem *group,
               const char       *needle)
{
  return hw_fault_group_item_matches (group, selected_function (self), needle);
}

static void
update_actions (HwFaultsPage *self)
{
  gboolean can_operate = self->queue != NULL && hw_command_queue_get_can_operate (self->queue);
  const char *reason = self->queue != NULL ? hw_command_queue_get_permission_reason (self->queue) : NULL;
  guint n_checked = g_hash_table_size (self->checked);
  g_autofree char *label = NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "faults.resubmit",
                                 can_operate && self->selected != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "faults.replay",
                                 can_operate && self->connection != NULL);
  if (n_checked > 0)
    label = g_strdup_printf (ngettext ("Resubmit %u Fault", "Resubmit %u Faults", n_checked), n_checked);
  else
    label = g_strdup (_("Resubmit Group"));
  {
    /* The mnemonic and the ellipsis are for the eye only. */
    g_autofree char *shown = g_strdup_printf ("_%s…", label);

    gtk_button_set_label (GTK_BUTTON (self->resubmit_button), shown);
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->resubmit_button),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  }
  if (!can_operate)
    {
      gtk_widget_set_tooltip_text (self->resubmit_button, reason);
      gtk_widget_set_tooltip_text (self->replay_button, reason);
      return;
    }
  gtk_widget_set_tooltip_text (self->resubmit_button,
                               self->selected == NULL ? _("Select a fault group to resubmit")
                               : n_checked > 0 ? _("Send the selected faults back to their function")
                               : _("Send every fault of the group not yet resubmitted back to its function"));
  gtk_widget_set_tooltip_text (self->replay_button, _("Replay lake events to one listener"));
}

static void
show_groups (HwFaultsPage *self)
{
  g_autofree char *needle = g_utf8_casefold (gtk_editable_get_text (GTK_EDITABLE (self->search_entry)), -1);
  HwFaultGroupItem *previous = self->selected;
  GtkListBoxRow *reselect = NULL;
  g_autofree char *summary = NULL;
  gint64 total = 0;

  self->updating = TRUE;
  clear_list (self->group_list);
  g_ptr_array_set_size (self->shown, 0);
  for (guint i = 0; self->groups != NULL && i < self->groups->len; i++)
    {
      HwFaultGroupItem *group = g_ptr_array_index (self->groups, i);
      GtkWidget *row;

      if (!group_matches (self, group, needle))
        continue;
      g_ptr_array_add (self->shown, group);
      total += group->count;
      row = hw_fault_group_row_new (group, self->window);
      gtk_list_box_append (self->group_list, row);
      if (previous != NULL && hw_fault_group_item_equal (group, previous))
        reselect = GTK_LIST_BOX_ROW (row);
    }
  self->updating = FALSE;

  summary = g_strdup_printf (ngettext ("%u group · %" G_GINT64_FORMAT " faults · from the %s",
                                       "%u groups · %" G_GINT64_FORMAT " faults · from the %s",
                                       self->shown->len),
                             self->shown->len, total,
                             g_strcmp0 (self->source, "hub") == 0 ? _("hub") : _("offline cache"));
  gtk_label_set_label (self->summary_label, summary);
  if (reselect != NULL)
    gtk_list_box_select_row (self->group_list, reselect);
  else
    {
      self->selected = NULL;
      gtk_stack_set_visible_child_name (self->detail_stack, "none");
    }
  update_actions (self);
}

static void
update_function_model (HwFaultsPage *self)
{
  g_autoptr(GtkStringList) model = gtk_string_list_new (NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *current = g_strdup (selected_function (self));
  guint select = 0;

  gtk_string_list_append (model, _("All functions"));
  for (guint i = 0; self->groups != NULL && i < self->groups->len; i++)
    {
      HwFaultGroupItem *group = g_ptr_array_index (self->groups, i);

      if (group->functionname == NULL || !g_hash_table_add (seen, group->functionname))
        continue;
      gtk_string_list_append (model, group->functionname);
      if (g_strcmp0 (current, group->functionname) == 0)
        select = g_list_model_get_n_items (G_LIST_MODEL (model)) - 1;
    }
  self->updating = TRUE;
  gtk_drop_down_set_model (self->function_dropdown, G_LIST_MODEL (model));
  gtk_drop_down_set_selected (self->function_dropdown, select);
  self->updating = FALSE;
}

static gint64
range_from_ms (HwFaultsPage *self)
{
  guint index = gtk_drop_down_get_selected (self->range_dropdown);
  gint64 span = index < G_N_ELEMENTS (range_span_ms) ? range_span_ms[index] : 0;

  return span > 0 ? g_get_real_time () / 1000 - span : 0;
}

static const char *
range_hub (HwFaultsPage *self)
{
  guint index = gtk_drop_down_get_selected (self->range_dropdown);

  return index < G_N_ELEMENTS (range_hub_from) ? range_hub_from[index] : NULL;
}

static void
on_groups_ready (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(HwFaultsPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) old = NULL;
  const char *origin = NULL;
  HwTimeRange range = { 0, 0 };
  GPtrArray *groups;

  groups = hw_fault_groups_load_finish (result, &origin, &range, &error);
  if (groups == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->connection == NULL)
        return;
      /* Not cached yet: keep loading until the sync opens the cache, unless
       * the hub refused the token. */
      if (!g_error_matches (error, HW_ERROR, HW_ERROR_NOT_FOUND)
          || hw_connection_get_state (self->connection) == HW_HUB_SYNC_STATE_AUTH_FAILED)
        hw_state_view_set_error (self->state_view, hw_connection_get_state (self->connection)
                                                   == HW_HUB_SYNC_STATE_AUTH_FAILED
                                                   && hw_connection_get_last_error (self->connection) != NULL
                                                   ? hw_connection_get_last_error (self->connection)
                                                   : error->message);
      return;
    }
  /* The selection points into the old array: keep it alive until reselected. */
  old = g_steal_pointer (&self->groups);
  self->groups = groups;
  self->source = origin;
  hw_time_window_set_home (self->window, &range);
  update_function_model (self);
  show_groups (self);
  self->load_count++;
  hw_state_view_set_state (self->state_view, HW_VIEW_STATE_CONTENT);
}

static void
reload (HwFaultsPage *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->connection == NULL)
    {
      hw_state_view_set_state (self->state_view, HW_VIEW_STATE_EMPTY);
      return;
    }
  self->cancellable = g_cancellable_new ();
  if (hw_state_view_get_state (self->state_view) != HW_VIEW_STATE_CONTENT)
    hw_state_view_set_state (self->state_view, HW_VIEW_STATE_LOADING);
  self->was_reachable = is_reachable (self);
  hw_fault_groups_load_async (self->connection, range_hub (self), range_from_ms (self), self->cancellable,
                              on_groups_ready, g_object_ref (self));
}

/* The faults of the selected group ---------------------------------------------- */

static void
on_fault_checked (GtkCheckButton *check,
                  HwFaultsPage   *self)
{
  const char *id = g_object_get_data (G_OBJECT (check), "fault-id");

  if (gtk_check_button_get_active (check))
    g_hash_table_add (self->checked, g_strdup (id));
  else
    g_hash_table_remove (self->checked, id);
  update_actions (self);
}

static void
rebuild_fault_rows (HwFaultsPage *self)
{
  clear_list (self->fault_list);
  gtk_label_set_label (self->fault_placeholder,
                       _("The faults of this group are not cached yet. They appear once synced."));
  for (guint i = 0; self->faults != NULL && i < self->faults->len; i++)
    gtk_list_box_append (self->fault_list, hw_fault_row_new (g_ptr_array_index (self->faults, i), g_hash_table_contains (self->checked, ((HwFaultItem *) g_ptr_array_index (self->faults, i))->id), G_CALLBACK (on_fault_checked), self));
  gtk_widget_set_visible (GTK_WIDGET (self->fault_detail), FALSE);
  if (gtk_list_box_get_row_at_index (self->fault_list, 0) != NULL)
    gtk_list_box_select_row (self->fault_list, gtk_list_box_get_row_at_index (self->fault_list, 0));
}

static void
show_faults (HwFaultsPage *self,
             GPtrArray    *faults)
{
  g_clear_pointer (&self->faults, g_ptr_array_unref);
  self->faults = faults;
  rebuild_fault_rows (self);
  self->fault_load_count++;
}

static void
on_faults_ready (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(HwFaultsPage) self = user_data;
  g_autoptr(GError) error = NULL;
  GPtrArray *faults = hw_fault_items_load_finish (result, &error);

  if (faults == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && self->fault_placeholder != NULL)
        gtk_label_set_label (self->fault_placeholder, error->message);
      return;
    }
  show_faults (self, faults);
}

static void
load_faults (HwFaultsPage *self)
{
  g_cancellable_cancel (self->fault_cancellable);
  g_clear_object (&self->fault_cancellable);
  if (self->selected == NULL || self->connection == NULL)
    return;
  self->fault_cancellable = g_cancellable_new ();
  hw_fault_items_load_async (self->connection, self->selected, range_hub (self), range_from_ms (self),
                             self->fault_cancellable, on_faults_ready, g_object_ref (self));
}

static void
on_group_selected (HwFaultsPage  *self,
                   GtkListBoxRow *row)
{
  HwFaultGroupItem *group = row != NULL ? g_object_get_data (G_OBJECT (row), "group") : NULL;
  gboolean same = group != NULL && self->selected != NULL && hw_fault_group_item_equal (group, self->selected);
  g_autofree char *where = NULL;
  g_autofree char *seen = NULL;
  g_autofree char *subtitle = NULL;

  if (self->updating)
    return;
  self->selected = group;
  if (!same)
    g_hash_table_remove_all (self->checked);
  update_actions (self);
  if (group == NULL)
    {
      gtk_stack_set_visible_child_name (self->detail_stack, "none");
      return;
    }
  where = hw_fault_group_dup_where (group);
  seen = hw_fault_group_dup_seen (group);
  subtitle = g_strdup_printf (ngettext ("%s · %" G_GINT64_FORMAT " fault\n%s",
                                        "%s · %" G_GINT64_FORMAT " faults\n%s", group->count),
                              where, group->count, seen);
  gtk_label_set_label (self->group_title, group->message != NULL ? group->message : _("No error message"));
  gtk_label_set_label (self->group_subtitle, subtitle);
  hw_chart_clear_series (self->trend_chart);
  if (group->trend != NULL)
    hw_chart_add_series (self->trend_chart, group->trend, HW_CHART_COLUMNS, _("Faults"));
  gtk_stack_set_visible_child_name (self->detail_stack, "group");
  if (!same || self->faults == NULL)
    {
      clear_list (self->fault_list);
      gtk_label_set_label (self->fault_placeholder, _("Loading faults…"));
      gtk_widget_set_visible (GTK_WIDGET (self->fault_detail), FALSE);
    }
  load_faults (self);
}

static void
on_fault_selected (HwFaultsPage  *self,
                   GtkListBoxRow *row)
{
  HwFaultItem *fault = row != NULL ? g_object_get_data (G_OBJECT (row), "fault") : NULL;

  if (self->updating)
    return;
  gtk_widget_set_visible (GTK_WIDGET (self->fault_detail), fault != NULL);
  if (fault != NULL)
    hw_fault_detail_set_fault (self->fault_detail, fault->json, fault->resubmitted_at_ms);
}

/* Signals ------------------------------------------------------------------------ */

static void
on_filter_changed (HwFaultsPage *self)
{
  if (!self->updating)
    show_groups (self);
}

static void
on_range_changed (HwFaultsPage *self)
{
  reload (self);
}

static void
on_retry (HwFaultsPage *self)
{
  if (self->connection != NULL)
    hw_connection_retry (self->connection);
  reload (self);
}

static gboolean
reload_later (gpointer user_data)
{
  HwFaultsPage *self = user_data;

  self->reload_id = 0;
  reload (self);
  return G_SOURCE_REMOVE;
}

static void
on_connection_changed (HwFaultsPage *self,
                       guint         changes)
{
  /* A busy hub syncs faults many times a second: one reload per burst. */
  if ((changes & HW_HUB_SYNC_CHANGED_FAULTS) && self->reload_id == 0)
    self->reload_id = g_timeout_add (RELOAD_DELAY_MS, reload_later, self);
}

static void
on_connection_state (HwFaultsPage *self)
{
  /* Back online: the hub is the better source again; offline: the cache. */
  if (is_reachable (self) != self->was_reachable)
    reload (self);
}

static void
on_queue_changed (HwFaultsPage *self)
{
  /* Resubmitted faults get their mark. */
  load_faults (self);
}

/* Actions ------------------------------------------------------------------------ */

static GStrv
dup_ids (HwFaultsPage *self,
         gboolean      checked_only)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; self->faults != NULL && i < self->faults->len; i++)
    {
      HwFaultItem *fault = g_ptr_array_index (self->faults, i);

      if (!checked_only || g_hash_table_contains (self->checked, fault->id))
        g_strv_builder_add (builder, fault->id);
    }
  return g_strv_builder_end (builder);
}

static void
resubmit_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  HwFaultsPage *self = HW_FAULTS_PAGE (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  g_auto(GStrv) checked = NULL;
  g_auto(GStrv) shown = NULL;
  HwResubmitDialog *dialog;

  if (self->selected == NULL || self->connection == NULL)
    return;
  checked = dup_ids (self, TRUE);
  shown = dup_ids (self, FALSE);
  dialog = hw_resubmit_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, self->connection,
                                   self->selected->functionname, self->selected->pipeline,
                                   self->selected->message,
                                   g_strv_length (checked) > 0 ? (const char * const *) checked : NULL,
                                   g_strv_length (checked) > 0 ? (const char * const *) checked
                                                               : (const char * const *) shown);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
replay_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  HwFaultsPage *self = HW_FAULTS_PAGE (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  gint64 now = g_get_real_time () / 1000;
  gint64 from = self->selected != NULL ? self->selected->first_seen_ms : now - HOUR_MS;
  gint64 to = self->selected != NULL ? self->selected->last_seen_ms + 1 : now;
  HwReplayDialog *dialog;

  if (self->connection == NULL)
    return;
  dialog = hw_replay_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, self->connection,
                                 self->selected != NULL ? self->selected->functionname : NULL,
                                 NULL, from, to);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
set_all_checked (HwFaultsPage *self,
                 gboolean      active)
{
  for (int i = 0;; i++)
    {
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (self->fault_list, i);
      HwFaultItem *fault;

      if (row == NULL)
        break;
      fault = g_object_get_data (G_OBJECT (row), "fault");
      if (active)
        g_hash_table_add (self->checked, g_strdup (fault->id));
      else
        g_hash_table_remove (self->checked, fault->id);
    }
  /* The rows are rebuilt so that their check buttons follow. */
  rebuild_fault_rows (self);
  update_actions (self);
}

static void
select_all_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  set_all_checked (HW_FAULTS_PAGE (widget), TRUE);
}

static void
select_none_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  set_all_checked (HW_FAULTS_PAGE (widget), FALSE);
}

static void
focus_search_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  gtk_widget_grab_focus (GTK_WIDGET (HW_FAULTS_PAGE (widget)->search_entry));
}

/* Public API ---------------------------------------------------------------------- */

HwConnection *
hw_faults_page_get_connection (HwFaultsPage *self)
{
  g_return_val_if_fail (HW_IS_FAULTS_PAGE (self), NULL);

  return self->connection;
}

void
hw_faults_page_set_connection (HwFaultsPage *self,
                               HwConnection *connection)
{
  g_return_if_fail (HW_IS_FAULTS_PAGE (self));
  g_return_if_fail (connection == NULL || HW_IS_CONNECTION (connection));

  if (self->connection == connection)
    return;
  if (self->connection != NULL)
    g_signal_handlers_disconnect_by_data (self->connection, self);
  if (self->queue != NULL)
    g_signal_handlers_disconnect_by_data (self->queue, self);
  g_set_object (&self->connection, connection);
  g_clear_object (&self->queue);
  if (connection != NULL)
    {
      self->queue = g_object_ref (hw_command_queue_get (connection));
      g_signal_connect_swapped (connection, "changed", G_CALLBACK (on_connection_changed), self);
      g_signal_connect_swapped (connection, "notify::state", G_CALLBACK (on_connection_state), self);
      g_signal_connect_swapped (self->queue, "notify::can-operate", G_CALLBACK (update_actions), self);
      g_signal_connect_swapped (self->queue, "changed", G_CALLBACK (on_queue_changed), self);
    }
  g_clear_handle_id (&self->reload_id, g_source_remove);
  self->selected = NULL;
  /* The rows point into the arrays: they go first. */
  self->updating = TRUE;
  clear_list (self->fault_list);
  self->updating = FALSE;
  g_clear_pointer (&self->groups, g_ptr_array_unref);
  g_clear_pointer (&self->faults, g_ptr_array_unref);
  g_hash_table_remove_all (self->checked);
  show_groups (self);
  hw_state_view_set_state (self->state_view, HW_VIEW_STATE_EMPTY);
  reload (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTION]);
}

void
hw_faults_page_set_range (HwFaultsPage  *self,
                          HwFaultsRange  range)
{
  g_return_if_fail (HW_IS_FAULTS_PAGE (self));

  gtk_drop_down_set_selected (self->range_dropdown, range);
}

void
hw_faults_page_set_filter (HwFaultsPage *self,
                           const char   *text)
{
  g_return_if_fail (HW_IS_FAULTS_PAGE (self));

  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text != NULL ? text : "");
  show_groups (self);
}

guint
hw_faults_page_get_n_groups (HwFaultsPage *self)
{
  g_return_val_if_fail (HW_IS_FAULTS_PAGE (self), 0);

  return self->shown->len;
}

gboolean
hw_faults_page_get_group (HwFaultsPage  *self,
                          guint          index,
                          const char   **functionname,
                          const char   **pipeline,
                          const char   **message,
                          gint64        *count)
{
  HwFaultGroupItem *group;

  g_return_val_if_fail (HW_IS_FAULTS_PAGE (self), FALSE);

  if (index >= self->shown->len)
    return FALSE;
  group = g_ptr_array_index (self->shown, index);
  if (functionname != NULL)
    *functionname = group->functionname;
  if (pipeline != NULL)
    *pipeline = group->pipeline;
  if (message != NULL)
    *message = group->message;
  if (count != NULL)
    *count = group->count;
  return TRUE;
}

void
hw_faults_page_select_group (HwFaultsPage *self,
                             guint         index)
{
  g_return_if_fail (HW_IS_FAULTS_PAGE (self));

  gtk_list_box_select_row (self->group_list, gtk_list_box_get_row_at_index (self->group_list, index));
}

guint
hw_faults_page_get_n_faults (HwFaultsPage *self)
{
  g_return_val_if_fail (HW_IS_FAULTS_PAGE (self), 0);

  return self->faults != NULL ? self->faults->len : 0;
}

HwFaultDetail *
hw_faults_page_get_detail (HwFaultsPage *self)
{
  g_return_val_if_fail (HW_IS_FAULTS_PAGE (self), NULL);

  return self->fault_detail;
}

const char *
hw_faults_page_get_source (HwFaultsPage *self)
{
  g_return_val_if_fail (HW_IS_FAULTS_PAGE (self), NULL);

  return self->source;
}

guint
hw_faults_page_get_load_count (HwFaultsPage *self)
{
  g_return_val_if_fail (HW_IS_FAULTS_PAGE (self), 0);

  return self->load_count;
}

guint
hw_faults_page_get_fault_load_count (HwFaultsPage *self)
{
  g_return_val_if_fail (HW_IS_FAULTS_PAGE (self), 0);

  return self->fault_load_count;
}

/* Life cycle ---------------------------------------------------------------------- */

static void
hw_faults_page_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_CONNECTION:
      g_value_set_object (value, HW_FAULTS_PAGE (object)->connection);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hw_faults_page_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_CONNECTION:
      hw_faults_page_set_connection (HW_FAULTS_PAGE (object), g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hw_faults_page_dispose (GObject *object)
{
  HwFaultsPage *self = HW_FAULTS_PAGE (object);

  self->updating = TRUE;
  g_clear_handle_id (&self->reload_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_cancellable_cancel (self->fault_cancellable);
  g_clear_object (&self->fault_cancellable);
  if (self->connection != NULL)
    g_signal_handlers_disconnect_by_data (self->connection, self);
  if (self->queue != NULL)
    g_signal_handlers_disconnect_by_data (self->queue, self);
  g_clear_object (&self->connection);
  g_clear_object (&self->queue);
  self->selected = NULL;
  gtk_widget_dispose_template (GTK_WIDGET (self), HW_TYPE_FAULTS_PAGE);
  g_clear_pointer (&self->groups, g_ptr_array_unref);
  g_clear_pointer (&self->shown, g_ptr_array_unref);
  g_clear_pointer (&self->faults, g_ptr_array_unref);
  g_clear_pointer (&self->checked, g_hash_table_unref);
  g_clear_object (&self->window);

  G_OBJECT_CLASS (hw_faults_page_parent_class)->dispose (object);
}

static void
hw_faults_page_class_init (HwFaultsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = hw_faults_page_get_property;
  object_class->set_property = hw_faults_page_set_property;
  object_class->dispose = hw_faults_page_dispose;

  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL, HW_TYPE_CONNECTION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (HW_TYPE_CHART);
  g_type_ensure (HW_TYPE_STATE_VIEW);
  g_type_ensure (HW_TYPE_FAULT_DETAIL);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/hw-faults-page.ui");
  gtk_widget_class_bind_template_child (widget_class, HwFaultsPage, state_view);
  gtk_widget_class_bind_template_child (widget_class, HwFaultsPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, HwFaultsPage, function_dropdown);
  gtk_widget_class_bind_template_child (widget_class, HwFaultsPage, range_dropdown);
  gtk_widget_class_bind_template_child (widget_class, HwFaultsPage, replay_button);
  gtk_widget_class_bind_template_child (widget_class, HwFaultsPage, resubmit_button);
  gtk_widget_class_bind_template_child (widget_class, HwFaultsPage, summary_label);
  gtk_widget_class_bind_template_child (widget_class, HwFaultsPage, group_list);
  gtk_widget_class_bind_template_child (widget_class, HwFaultsPage, detail_stack);
  gtk_widget_class_bind_template_child (widget_class, HwFaultsPage, group_title);
  gtk_widget_class_bind_template_child (widget_class, HwFaultsPage, group_subtitle);
  gtk_widget_class_bind_template_child (widget_class, HwFaultsPage, trend_chart);
  gtk_widget_class_bind_template_child (widget_class, HwFaultsPage, fault_list);
  gtk_widget_class_bind_template_child (widget_class, HwFaultsPage, fault_placeholder);
  gtk_widget_class_bind_template_child (widget_class, HwFaultsPage, fault_detail);
  gtk_widget_class_bind_template_callback (widget_class, on_retry);
  gtk_widget_class_bind_template_callback (widget_class, on_filter_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_range_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_group_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_fault_selected);

  gtk_widget_class_install_action (widget_class, "faults.resubmit", NULL, resubmit_action);
  gtk_widget_class_install_action (widget_class, "faults.replay", NULL, replay_action);
  gtk_widget_class_install_action (widget_class, "faults.select-all", NULL, select_all_action);
  gtk_widget_class_install_action (widget_class, "faults.select-none", NULL, select_none_action);
  gtk_widget_class_install_action (widget_class, "faults.focus-search", NULL, focus_search_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK,
                                       "faults.focus-search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "faults.resubmit", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "faults.replay", NULL);
}

static void
hw_faults_page_init (HwFaultsPage *self)
{
  gint64 now = g_get_real_time () / 1000;

  self->shown = g_ptr_array_new ();
  self->checked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* Every sparkline shares one window, so their columns line up in time. */
  self->window = hw_time_window_new (now - 7 * 24 * HOUR_MS, now);
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_drop_down_set_selected (self->range_dropdown, HW_FAULTS_RANGE_WEEK);
  hw_chart_set_compact (self->trend_chart, TRUE);
  hw_chart_set_title (self->trend_chart, _("Fault Trend"));
  hw_chart_set_time_window (self->trend_chart, self->window);
  update_function_model (self);
  update_actions (self);
}
