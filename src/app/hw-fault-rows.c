/* hw-fault-rows.c: the rows of the Faults page: a group with its trend, a fault to select
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "hw-chart.h"
#include "hw-connection.h"
#include "hw-fault-rows.h"

char *
hw_fault_group_dup_where (const HwFaultGroupItem *group)
{
  return g_strdup_printf ("%s · %s", group->functionname != NULL ? group->functionname : _("unknown function"),
                          group->pipeline != NULL ? group->pipeline : _("no pipeline"));
}

char *
hw_fault_group_dup_seen (const HwFaultGroupItem *group)
{
  g_autofree char *first = hw_format_clock_time (group->first_seen_ms);
  g_autofree char *last = hw_format_clock_time (group->last_seen_ms);

  /* TRANSLATORS: first and last time a fault of a group was seen */
  return g_strdup_printf (_("First seen %s · last seen %s"), first, last);
}

static GtkWidget *
new_trend_chart (HwFaultGroupItem *group,
                 HwTimeWindow     *window)
{
  GtkWidget *chart = hw_chart_new ();

  hw_chart_set_compact (HW_CHART (chart), TRUE);
  hw_chart_set_title (HW_CHART (chart), _("Faults"));
  hw_chart_set_time_window (HW_CHART (chart), window);
  if (group->trend != NULL)
    hw_chart_add_series (HW_CHART (chart), group->trend, HW_CHART_COLUMNS, _("Faults"));
  gtk_widget_set_size_request (chart, 96, 30);
  gtk_widget_set_valign (chart, GTK_ALIGN_CENTER);
  /* The row is what is clicked and focused; the sparkline only shows. */
  gtk_widget_set_can_target (chart, FALSE);
  gtk_widget_set_focusable (chart, FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (chart), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Fault trend"), -1);
  return chart;
}

GtkWidget *
hw_fault_group_row_new (HwFaultGroupItem *group,
                        HwTimeWindow     *window)
{
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());
  g_autofree char *where = hw_fault_group_dup_where (group);
  g_autofree char *seen = hw_fault_group_dup_seen (group);
  g_autofree char *subtitle = g_strdup_printf ("%s\n%s", where, seen);
  g_autofree char *count = g_strdup_printf ("%" G_GINT64_FORMAT, group->count);
  g_autofree char *label = NULL;
  const char *message = group->message != NULL ? group->message : _("No error message");
  GtkWidget *count_label = gtk_label_new (count);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), message);
  adw_action_row_set_title_lines (row, 2);
  adw_action_row_set_subtitle (row, subtitle);
  adw_action_row_set_subtitle_lines (row, 2);
  gtk_widget_add_css_class (count_label, "title-4");
  gtk_widget_add_css_class (count_label, "numeric");
  gtk_widget_set_size_request (count_label, 44, -1);
  adw_action_row_add_prefix (row, count_label);
  adw_action_row_add_suffix (row, new_trend_chart (group, window));
  /* TRANSLATORS: accessible name of a fault group: message, where, how many */
  label = g_strdup_printf (ngettext ("%s, %s, %" G_GINT64_FORMAT " fault",
                                     "%s, %s, %" G_GINT64_FORMAT " faults", group->count),
                           message, where, group->count);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  g_object_set_data (G_OBJECT (row), "group", group);
  return GTK_WIDGET (row);
}

GtkWidget *
hw_fault_row_new (HwFaultItem *fault,
                  gboolean     checked,
                  GCallback    on_toggled,
                  gpointer     user_data)
{
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());
  GtkWidget *check = gtk_check_button_new ();
  g_autofree char *when = hw_format_clock_time (fault->ts_ms);
  g_autofree char *title = g_strdup_printf ("%s · %s", when, fault->id);
  g_autofree char *check_label = g_strdup_printf (_("Select fault %s"), fault->id);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (row, fault->err_name != NULL ? fault->err_name : "");
  gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), checked);
  gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL, check_label, -1);
  g_object_set_data_full (G_OBJECT (check), "fault-id", g_strdup (fault->id), g_free);
  g_signal_connect (check, "toggled", on_toggled, user_data);
  adw_action_row_add_prefix (row, check);
  if (fault->resubmitted_at_ms > 0)
    {
      GtkWidget *badge = gtk_label_new (_("Resubmitted"));

      gtk_widget_add_css_class (badge, "caption-heading");
      gtk_widget_add_css_class (badge, "success");
      adw_action_row_add_suffix (row, badge);
    }
  g_object_set_data (G_OBJECT (row), "fault", fault);
  return GTK_WIDGET (row);
}
