/* hw-faults-page-detail.c: the selected fault group: its trend, its faults,
 * their check marks, and resubmitting or replaying them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "hw-fault-rows.h"
#include "hw-faults-page-private.h"
#include "hw-replay-dialog.h"
#include "hw-resubmit-dialog.h"

/* Action state ------------------------------------------------------------------- */

void
hw_faults_page_update_actions (HwFaultsPage *self)
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
  hw_faults_page_update_actions (self);
}

static void
rebuild_fault_rows (HwFaultsPage *self)
{
  hw_faults_page_clear_list (self->fault_list);
  gtk_label_set_label (self->fault_placeholder,
                       _("The faults of this group are not cached yet. They appear once synced."));
  for (guint i = 0; self->faults != NULL && i < self->faults->len; i++)
    {
      HwFaultItem *fault = g_ptr_array_index (self->faults, i);
      gboolean checked = g_hash_table_contains (self->checked, fault->id);

      gtk_list_box_append (self->fault_list,
                           hw_fault_row_new (fault, checked, G_CALLBACK (on_fault_checked), self));
    }
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

void
hw_faults_page_load_faults (HwFaultsPage *self)
{
  g_cancellable_cancel (self->fault_cancellable);
  g_clear_object (&self->fault_cancellable);
  if (self->selected == NULL || self->connection == NULL)
    return;
  self->fault_cancellable = g_cancellable_new ();
  hw_fault_items_load_async (self->connection, self->selected, hw_faults_page_range_hub (self),
                             hw_faults_page_range_from_ms (self), self->fault_cancellable,
                             on_faults_ready, g_object_ref (self));
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
  hw_faults_page_update_actions (self);
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
      hw_faults_page_clear_list (self->fault_list);
      gtk_label_set_label (self->fault_placeholder, _("Loading faults…"));
      gtk_widget_set_visible (GTK_WIDGET (self->fault_detail), FALSE);
    }
  hw_faults_page_load_faults (self);
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
  hw_faults_page_update_actions (self);
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

/* Class set-up -------------------------------------------------------------------- */

void
hw_faults_page_class_init_detail (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_callback (widget_class, on_group_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_fault_selected);

  gtk_widget_class_install_action (widget_class, "faults.resubmit", NULL, resubmit_action);
  gtk_widget_class_install_action (widget_class, "faults.replay", NULL, replay_action);
  gtk_widget_class_install_action (widget_class, "faults.select-all", NULL, select_all_action);
  gtk_widget_class_install_action (widget_class, "faults.select-none", NULL, select_none_action);
}
