/* hw-team-rows.c: the rows behind the Team page's numbers: deployments and incidents
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "hw-connection.h"
#include "hw-team-rows.h"

#define MS_PER_HOUR 3.6e6

/* Fractions of an hour are kept: a 45-minute restore is not "0 h". */
char *
hw_team_format_hours (double hours)
{
  if (isnan (hours))
    return g_strdup ("—");
  if (hours >= 72)
    /* TRANSLATORS: a duration in days, e.g. "4.5 days" */
    return g_strdup_printf (_("%.1f days"), hours / 24);
  /* TRANSLATORS: a duration in hours, e.g. "3.25 h" */
  return g_strdup_printf (_("%.2f h"), hours);
}

static void
add_badge (AdwActionRow *row,
           const char   *text,
           const char   *style)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_add_css_class (label, "caption-heading");
  gtk_widget_add_css_class (label, style);
  gtk_widget_set_valign (label, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (row, label);
}

static AdwActionRow *
new_row (const char *title,
         const char *subtitle,
         const char *icon_name)
{
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (row, subtitle);
  adw_action_row_add_prefix (row, gtk_image_new_from_icon_name (icon_name));
  return row;
}

GtkWidget *
hw_team_deployment_row_new (const HwDeployment *d,
                            const HwIncident   *caused)
{
  g_autofree char *when = NULL;
  g_autofree char *lead = NULL;
  g_autofree char *sha = NULL;
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  AdwActionRow *row;

  g_return_val_if_fail (d != NULL, NULL);

  when = hw_format_clock_time (d->deploy_time_ms);
  lead = hw_team_format_hours ((double) (d->deploy_time_ms - d->commit_time_ms) / MS_PER_HOUR);
  sha = g_strndup (d->commit_sha != NULL ? d->commit_sha : "", 7);
  title = g_strdup_printf ("%s %s", d->service, d->version);
  /* TRANSLATORS: deployment row: time, commit, lead time */
  subtitle = g_strdup_printf (_("%s · commit %s · lead time %s"), when, sha, lead);
  row = new_row (title, subtitle, "software-update-available-symbolic");
  if (d->result == HW_DEPLOYMENT_FAILURE)
    add_badge (row, _("Failed"), "error");
  if (caused != NULL)
    {
      /* TRANSLATORS: %s is an incident id */
      g_autofree char *text = g_strdup_printf (_("Caused %s"), caused->id);

      add_badge (row, text, "warning");
    }
  return GTK_WIDGET (row);
}

GtkWidget *
hw_team_incident_row_new (const HwIncident *incident)
{
  g_autofree char *when = NULL;
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  AdwActionRow *row;

  g_return_val_if_fail (incident != NULL, NULL);

  when = hw_format_clock_time (incident->opened_at_ms);
  title = g_strdup_printf ("%s · %s", incident->id, incident->severity != NULL ? incident->severity : "");
  if (incident->resolved_at_ms > 0)
    {
      g_autofree char *restore =
        hw_team_format_hours ((double) (incident->resolved_at_ms - incident->opened_at_ms) / MS_PER_HOUR);

      /* TRANSLATORS: incident row: service, time opened, time to restore */
      subtitle = g_strdup_printf (_("%s · opened %s · restored in %s"), incident->service, when, restore);
    }
  else
    subtitle = g_strdup_printf (_("%s · opened %s · still open"), incident->service, when);
  row = new_row (title, subtitle, "dialog-error-symbolic");
  if (incident->resolved_at_ms <= 0)
    add_badge (row, _("Open"), "error");
  if (incident->cause_deployment != NULL)
    {
      /* TRANSLATORS: %s is a deployment id */
      g_autofree char *text = g_strdup_printf (_("From %s"), incident->cause_deployment);

      add_badge (row, text, "dim-label");
    }
  return GTK_WIDGET (row);
}
