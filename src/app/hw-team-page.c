/* hw-team-page.c: delivery metrics of the hub's teams: deployment rate, lead time, change failure rate, time to restore
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "hw-alert-monitor.h"
#include "hw-chart.h"
#include "hw-state-view.h"
#include "hw-team-page.h"
#include "hw-team-report.h"
#include "hw-team-rows.h"

/* A trend needs a few bars even for the 7-day preset. */
#define MIN_TREND_WEEKS 8
#define MAX_ROWS        200

enum { CARD_DEPLOYS, CARD_LEAD_TIME, CARD_CHANGE_FAILURE, CARD_RESTORE, N_CARDS };

static const char * const card_names[N_CARDS] = {
  "deployment-frequency", "lead-time", "change-failure-rate", "time-to-restore",
};

typedef struct
{
  GtkWidget *box;
  GtkLabel  *value;
  GtkLabel  *detail;
  GtkLabel  *klass;
  HwChart   *chart;
} Card;

struct _HwTeamPage
{
  GtkWidget      parent_instance;

  HwConnection  *connection;
  GCancellable  *cancellable;
  guint          days;
  char          *service;
  gboolean       updating_services;
  guint          load_count;
  Card           cards[N_CARDS];

  /* Template widgets */
  HwStateView   *state_view;
  GtkToggleButton *days_7;
  GtkToggleButton *days_30;
  GtkToggleButton *days_90;
  GtkLabel      *as_of_label;
  GtkDropDown   *service_dropdown;
  GtkStringList *service_model;
  GtkLabel      *rejected_label;
  GtkGrid       *cards_grid;
  GtkListBox    *deployment_list;
  GtkListBox    *incident_list;
  GtkLabel      *deployments_title;
  GtkLabel      *incidents_title;
};

enum {
  PROP_0,
  PROP_CONNECTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (HwTeamPage, hw_team_page, GTK_TYPE_WIDGET)

static void reload (HwTeamPage *self);

/* Formatting ----------------------------------------------------------------- */

static const char *
class_label (HwTeamClass klass)
{
  switch (klass)
    {
    case HW_TEAM_CLASS_ELITE:
      return _("Elite");
    case HW_TEAM_CLASS_HIGH:
      return _("High");
    case HW_TEAM_CLASS_MEDIUM:
      return _("Medium");
    case HW_TEAM_CLASS_LOW:
      return _("Low");
    case HW_TEAM_CLASS_NONE:
    default:
      return _("No data");
    }
}

/* libadwaita's colour classes, so the badge follows light and dark styles. */
static const char *
class_style (HwTeamClass klass)
{
  switch (klass)
    {
    case HW_TEAM_CLASS_ELITE:
      return "success";
    case HW_TEAM_CLASS_HIGH:
      return "accent";
    case HW_TEAM_CLASS_MEDIUM:
      return "warning";
    case HW_TEAM_CLASS_LOW:
      return "error";
    case HW_TEAM_CLASS_NONE:
    default:
      return "dim-label";
    }
}

static char *
threshold_text (guint card)
{

  switch (card)
    {
    case CARD_DEPLOYS:
      /* TRANSLATORS: the classification thresholds of the deployment rate */
      return g_strdup_printf (_("Elite ≥ %.0f a week · High ≥ %.0f a week · Medium ≥ 1 a month"),
                              HW_TEAM_DEPLOYS_PER_WEEK_ELITE, HW_TEAM_DEPLOYS_PER_WEEK_HIGH);
    case CARD_LEAD_TIME:
      return g_strdup (_("Elite < 1 day · High < 1 week · Medium < 1 month"));
    case CARD_CHANGE_FAILURE:
      return g_strdup_printf (_("Elite ≤ %.0f %% · High ≤ %.0f %% · Medium ≤ %.0f %%"),
                              HW_TEAM_CFR_ELITE * 100, HW_TEAM_CFR_HIGH * 100,
                              HW_TEAM_CFR_MEDIUM * 100);
    case CARD_RESTORE:
    default:
      return g_strdup (_("Elite < 1 hour · High < 1 day · Medium < 1 week"));
    }
}

/* Cards ----------------------------------------------------------------------- */

static GtkLabel *
add_label (GtkBox     *box,
           const char *text,
           const char *style,
           const char *style2)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  if (style != NULL)
    gtk_widget_add_css_class (label, style);
  if (style2 != NULL)
    gtk_widget_add_css_class (label, style2);
  gtk_box_append (box, label);
  return GTK_LABEL (label);
}

static void
build_card (HwTeamPage *self,
            guint       index,
            const char *title,
            const char *unit)
{
  Card *card = &self->cards[index];
  GtkBox *box = GTK_BOX (gtk_box_new (GTK_ORIENTATION_VERTICAL, 4));
  GtkBox *header = GTK_BOX (gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6));
  g_autofree char *thresholds = threshold_text (index);
  GtkLabel *heading;

  card->box = GTK_WIDGET (box);
  gtk_widget_add_css_class (card->box, "card");
  gtk_widget_add_css_class (card->box, "metric-card");
  gtk_accessible_update_property (GTK_ACCESSIBLE (box), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);

  heading = add_label (header, title, "heading", NULL);
  gtk_widget_set_hexpand (GTK_WIDGET (heading), TRUE);
  card->klass = add_label (header, class_label (HW_TEAM_CLASS_NONE), "heading", "dim-label");
  gtk_box_append (box, GTK_WIDGET (header));
  card->value = add_label (box, "—", "value", NULL);
  card->detail = add_label (box, "", "caption", NULL);

  card->chart = HW_CHART (hw_chart_new ());
  hw_chart_set_compact (card->chart, TRUE);
  hw_chart_set_title (card->chart, title);
  hw_chart_set_unit (card->chart, unit);
  gtk_widget_set_size_request (GTK_WIDGET (card->chart), -1, 48);
  gtk_widget_set_margin_top (GTK_WIDGET (card->chart), 4);
  gtk_box_append (box, GTK_WIDGET (card->chart));
  add_label (box, thresholds, "caption", "dim-label");

  gtk_grid_attach (self->cards_grid, card->box, index % 2, index / 2, 1, 1);
}

static void
set_card (HwTeamPage  *self,
          guint        index,
          const char  *value,
          const char  *detail,
          HwTeamClass  klass)
{
  Card *card = &self->cards[index];
  static const char * const styles[] = { "success", "accent", "warning", "error", "dim-label" };
  g_autofree char *description = NULL;

  gtk_label_set_label (card->value, value);
  gtk_label_set_label (card->detail, detail);
  gtk_label_set_label (card->klass, class_label (klass));
  for (guint i = 0; i < G_N_ELEMENTS (styles); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (card->klass), styles[i]);
  gtk_widget_add_css_class (GTK_WIDGET (card->klass), class_style (klass));

  /* TRANSLATORS: accessible description of a team metric card: value, class, detail */
  description = g_strdup_printf (_("%s, %s. %s"), value, class_label (klass), detail);
  gtk_accessible_update_property (GTK_ACCESSIBLE (card->box),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description, -1);
}

static void
show_cards (HwTeamPage         *self,
            const HwTeamReport *report)
{
  const HwTeamMetrics *m = &report->metrics;
  g_autofree char *rate = NULL, *deploys = NULL;
  g_autofree char *lead = NULL, *p90 = NULL, *lead_detail = NULL;
  g_autofree char *cfr = NULL, *cfr_detail = NULL;
  g_autofree char *restore = NULL, *mttr = NULL, *restore_detail = NULL;

  /* TRANSLATORS: deployments per week, e.g. "1.75 a week" */
  rate = g_strdup_printf (_("%.2f a week"), m->deployments_per_week);
  deploys = g_strdup_printf (ngettext ("%u deployment in %u days, %u failed",
                                       "%u deployments in %u days, %u failed", m->deployments),
                             m->deployments, self->days, m->failed_deployments);
  set_card (self, CARD_DEPLOYS, rate, deploys, m->deployment_frequency_class);

  lead = hw_team_format_hours (m->lead_time_median_hours);
  p90 = hw_team_format_hours (m->lead_time_p90_hours);
  /* TRANSLATORS: "p90 12.50 h, median of 4 successful deployments" */
  lead_detail = g_strdup_printf (ngettext ("p90 %s, over %u successful deployment",
                                           "p90 %s, over %u successful deployments",
                                           m->lead_time_samples),
                                 p90, m->lead_time_samples);
  set_card (self, CARD_LEAD_TIME, lead, lead_detail, m->lead_time_class);

  cfr = m->deployments > 0 ? g_strdup_printf ("%.1f %%", m->change_failure_rate * 100)
                           : g_strdup ("—");
  cfr_detail = g_strdup_printf (ngettext ("%u of %u deployment caused an incident",
                                          "%u of %u deployments caused an incident",
                                          m->deployments),
                                m->deployments_causing_incidents, m->deployments);
  set_card (self, CARD_CHANGE_FAILURE, cfr, cfr_detail, m->change_failure_class);

  restore = hw_team_format_hours (m->time_to_restore_median_hours);
  mttr = hw_team_format_hours (m->mttr_hours);
  /* TRANSLATORS: "MTTR 2.00 h · 3 resolved, 1 open" */
  restore_detail = g_strdup_printf (_("MTTR %s · %u resolved, %u open"),
                                    mttr, m->resolved_incidents, m->open_incidents);
  set_card (self, CARD_RESTORE, restore, restore_detail, m->time_to_restore_class);
}

static void
show_trends (HwTeamPage         *self,
             const HwTeamReport *report)
{
  g_autoptr(HwTimeWindow) window = NULL;
  static const char *names[N_CARDS] = { "deployments", "lead-time-median", "change-failure-rate",
                                        "time-to-restore-median" };
  HwSeries *series[N_CARDS];
  gint64 from_ms, to_ms;

  if (report->weeks->len == 0)
    return;
  from_ms = g_array_index (report->weeks, HwTeamWeek, 0).start_ms;
  to_ms = from_ms + (gint64) report->weeks->len * HW_TEAM_WEEK_MS;
  window = hw_time_window_new (from_ms, to_ms);

  for (guint i = 0; i < N_CARDS; i++)
    {
      series[i] = hw_series_new (names[i]);
      hw_series_set_gap_threshold (series[i], 2 * HW_TEAM_WEEK_MS);
    }
  for (guint w = 0; w < report->weeks->len; w++)
    {
      const HwTeamWeek *week = &g_array_index (report->weeks, HwTeamWeek, w);
      const HwTeamMetrics *m = &week->metrics;

      hw_series_append (series[CARD_DEPLOYS], week->start_ms, m->deployments);
      hw_series_append (series[CARD_LEAD_TIME], week->start_ms, m->lead_time_median_hours);
      hw_series_append (series[CARD_CHANGE_FAILURE], week->start_ms,
                        m->deployments > 0 ? m->change_failure_rate * 100 : NAN);
      hw_series_append (series[CARD_RESTORE], week->start_ms, m->time_to_restore_median_hours);
    }
  for (guint i = 0; i < N_CARDS; i++)
    {
      HwChart *chart = self->cards[i].chart;

      hw_chart_set_time_window (chart, window);
      hw_chart_clear_series (chart);
      hw_chart_add_series (chart, series[i], HW_CHART_COLUMNS, hw_chart_get_title (chart));
      hw_series_unref (series[i]);
    }
}

/* Lists -------------------------------------------------------------------------- */

/* Rows only: the placeholder is a child too and must stay. */
static void
clear_list (GtkListBox *list)
{
  GtkListBoxRow *row;

  while ((row = gtk_list_box_get_row_at_index (list, 0)) != NULL)
    gtk_list_box_remove (list, GTK_WIDGET (row));
}

static void
show_deployments (HwTeamPage         *self,
                  const HwTeamReport *report)
{
  g_autofree char *title = NULL;

  clear_list (self->deployment_list);
  for (guint i = 0; i < report->deployments->len && i < MAX_ROWS; i++)
    {
      const HwDeployment *d = g_ptr_array_index (report->deployments, i);

      gtk_list_box_append (self->deployment_list,
                           hw_team_deployment_row_new (d, g_hash_table_lookup (report->causes, d->id)));
    }
  title = g_strdup_printf (_("Deployments (%u)"), report->deployments->len);
  gtk_label_set_label (self->deployments_title, title);
}

static void
show_incidents (HwTeamPage         *self,
                const HwTeamReport *report)
{
  g_autofree char *title = NULL;

  clear_list (self->incident_list);
  for (guint i = 0; i < report->incidents->len && i < MAX_ROWS; i++)
    gtk_list_box_append (self->incident_list,
                         hw_team_incident_row_new (g_ptr_array_index (report->incidents, i)));
  title = g_strdup_printf (_("Incidents (%u)"), report->incidents->len);
  gtk_label_set_label (self->incidents_title, title);
}

/* The drop-down lists "All services" then every service seen; the
 * selection survives a refresh that brings new services. */
static void
show_services (HwTeamPage         *self,
               const HwTeamReport *report)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->service_model));
  guint wanted = 0;
  gboolean same = n == g_strv_length (report->services) + 1;

  for (guint i = 0; same && report->services[i] != NULL; i++)
    same = g_str_equal (gtk_string_list_get_string (self->service_model, i + 1), report->services[i]);
  if (same)
    return;

  self->updating_services = TRUE;
  gtk_string_list_splice (self->service_model, 0, n, NULL);
  gtk_string_list_append (self->service_model, _("All Services"));
  for (guint i = 0; report->services[i] != NULL; i++)
    {
      gtk_string_list_append (self->service_model, report->services[i]);
      if (g_strcmp0 (self->service, report->services[i]) == 0)
        wanted = i + 1;
    }
  gtk_drop_down_set_selected (self->service_dropdown, wanted);
  self->updating_services = FALSE;
}

/* Loading ------------------------------------------------------------------------- */

static void
on_loaded (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(HwTeamPage) self = user_data;
  g_autoptr(HwTeamReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *as_of = NULL;
  g_autofree char *window = NULL;

  report = hw_team_report_load_finish (result, &error);
  if (report == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        hw_state_view_set_error (self->state_view, error->message);
      return;
    }

  show_services (self, report);
  show_cards (self, report);
  show_trends (self, report);
  show_deployments (self, report);
  show_incidents (self, report);

  gtk_widget_set_visible (GTK_WIDGET (self->rejected_label), report->rejected > 0);
  if (report->rejected > 0)
    {
      g_autofree char *text =
        g_strdup_printf (ngettext ("%u malformed system event was left out of these numbers.",
                                   "%u malformed system events were left out of these numbers.",
                                   report->rejected), report->rejected);

      gtk_label_set_label (self->rejected_label, text);
    }
  as_of = hw_format_clock_time (report->metrics.to_ms);
  /* TRANSLATORS: %u is a number of weeks, %s a time */
  window = g_strdup_printf (_("Weekly trends over %u weeks · as of %s"), report->weeks->len, as_of);
  gtk_label_set_label (self->as_of_label, window);

  self->load_count++;
  hw_state_view_set_state (self->state_view, HW_VIEW_STATE_CONTENT);
}

static void
reload (HwTeamPage *self)
{
  HwEventStore *store;
  guint weeks;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  if (self->connection == NULL)
    {
      hw_state_view_set_state (self->state_view, HW_VIEW_STATE_EMPTY);
      return;
    }
  store = hw_connection_get_store (self->connection);
  if (store == NULL)
    {
      if (hw_connection_get_state (self->connection) == HW_HUB_SYNC_STATE_AUTH_FAILED
          && hw_connection_get_last_error (self->connection) != NULL)
        hw_state_view_set_error (self->state_view, hw_connection_get_last_error (self->connection));
      else if (hw_state_view_get_state (self->state_view) != HW_VIEW_STATE_CONTENT)
        hw_state_view_set_state (self->state_view, HW_VIEW_STATE_LOADING);
      return;
    }

  if (hw_state_view_get_state (self->state_view) != HW_VIEW_STATE_CONTENT)
    hw_state_view_set_state (self->state_view, HW_VIEW_STATE_LOADING);
  self->cancellable = g_cancellable_new ();
  weeks = MAX ((self->days + 6) / 7, MIN_TREND_WEEKS);
  hw_team_report_load_async (store, self->service, self->days, g_get_real_time () / 1000, weeks,
                             self->cancellable, on_loaded, g_object_ref (self));
}

static void
on_connection_changed (HwTeamPage *self,
                       guint       changes)
{
  if (changes & HW_HUB_SYNC_CHANGED_SYSTEM_EVENTS)
    reload (self);
}

static void
on_retry (HwTeamPage *self)
{
  if (self->connection != NULL)
    hw_connection_retry (self->connection);
  reload (self);
}

static void
on_window_toggled (HwTeamPage      *self,
                   GtkToggleButton *button)
{
  guint days;

  if (!gtk_toggle_button_get_active (button))
    return;
  days = button == self->days_7 ? 7 : button == self->days_90 ? 90 : 30;
  if (days == self->days)
    return;
  self->days = days;
  reload (self);
}

static void
on_service_selected (HwTeamPage *self)
{
  guint selected = gtk_drop_down_get_selected (self->service_dropdown);
  const char *service = NULL;

  if (self->updating_services)
    return;
  if (selected != GTK_INVALID_LIST_POSITION && selected > 0)
    service = gtk_string_list_get_string (self->service_model, selected);
  if (g_strcmp0 (service, self->service) == 0)
    return;
  g_free (self->service);
  self->service = g_strdup (service);
  reload (self);
}

/* Public API ---------------------------------------------------------------------- */

HwConnection *
hw_team_page_get_connection (HwTeamPage *self)
{
  g_return_val_if_fail (HW_IS_TEAM_PAGE (self), NULL);

  return self->connection;
}

void
hw_team_page_set_connection (HwTeamPage   *self,
                             HwConnection *connection)
{
  g_return_if_fail (HW_IS_TEAM_PAGE (self));
  g_return_if_fail (connection == NULL || HW_IS_CONNECTION (connection));

  if (self->connection == connection)
    return;
  if (self->connection != NULL)
    g_signal_handlers_disconnect_by_data (self->connection, self);
  g_set_object (&self->connection, connection);
  if (connection != NULL)
    {
      g_signal_connect_swapped (connection, "changed", G_CALLBACK (on_connection_changed), self);
      /* Alerts watch every hub, whichever page is shown. */
      hw_alert_monitor_ensure (connection);
      hw_alert_monitor_watch_application (GTK_WIDGET (self));
    }
  g_clear_pointer (&self->service, g_free);
  clear_list (self->deployment_list);
  clear_list (self->incident_list);
  hw_state_view_set_state (self->state_view, HW_VIEW_STATE_EMPTY);
  reload (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTION]);
}

guint
hw_team_page_get_window_days (HwTeamPage *self)
{
  g_return_val_if_fail (HW_IS_TEAM_PAGE (self), 0);

  return self->days;
}

void
hw_team_page_set_window_days (HwTeamPage *self,
                              guint       days)
{
  g_return_if_fail (HW_IS_TEAM_PAGE (self));
  g_return_if_fail (days == 7 || days == 30 || days == 90);

  gtk_toggle_button_set_active (days == 7 ? self->days_7 : days == 90 ? self->days_90 : self->days_30,
                                TRUE);
}

const char *
hw_team_page_get_service (HwTeamPage *self)
{
  g_return_val_if_fail (HW_IS_TEAM_PAGE (self), NULL);

  return self->service;
}

void
hw_team_page_set_service (HwTeamPage *self,
                          const char *service)
{
  guint n;

  g_return_if_fail (HW_IS_TEAM_PAGE (self));

  n = g_list_model_get_n_items (G_LIST_MODEL (self->service_model));
  for (guint i = 1; service != NULL && i < n; i++)
    if (g_str_equal (gtk_string_list_get_string (self->service_model, i), service))
      {
        gtk_drop_down_set_selected (self->service_dropdown, i);
        return;
      }
  gtk_drop_down_set_selected (self->service_dropdown, 0);
}

static Card *
find_card (HwTeamPage *self,
           const char *name)
{
  for (guint i = 0; i < N_CARDS; i++)
    if (g_strcmp0 (card_names[i], name) == 0)
      return &self->cards[i];
  return NULL;
}

const char *
hw_team_page_get_card_value (HwTeamPage *self,
                             const char *card)
{
  Card *c;

  g_return_val_if_fail (HW_IS_TEAM_PAGE (self), NULL);

  c = find_card (self, card);
  return c != NULL ? gtk_label_get_label (c->value) : NULL;
}

const char *
hw_team_page_get_card_detail (HwTeamPage *self,
                              const char *card)
{
  Card *c;

  g_return_val_if_fail (HW_IS_TEAM_PAGE (self), NULL);

  c = find_card (self, card);
  return c != NULL ? gtk_label_get_label (c->detail) : NULL;
}

const char *
hw_team_page_get_card_class (HwTeamPage *self,
                             const char *card)
{
  Card *c;

  g_return_val_if_fail (HW_IS_TEAM_PAGE (self), NULL);

  c = find_card (self, card);
  return c != NULL ? gtk_label_get_label (c->klass) : NULL;
}

static guint
count_rows (GtkListBox *list)
{
  guint n = 0;

  while (gtk_list_box_get_row_at_index (list, n) != NULL)
    n++;
  return n;
}

guint
hw_team_page_get_n_deployment_rows (HwTeamPage *self)
{
  g_return_val_if_fail (HW_IS_TEAM_PAGE (self), 0);

  return count_rows (self->deployment_list);
}

guint
hw_team_page_get_n_incident_rows (HwTeamPage *self)
{
  g_return_val_if_fail (HW_IS_TEAM_PAGE (self), 0);

  return count_rows (self->incident_list);
}

guint
hw_team_page_get_load_count (HwTeamPage *self)
{
  g_return_val_if_fail (HW_IS_TEAM_PAGE (self), 0);

  return self->load_count;
}

/* Life cycle ---------------------------------------------------------------------- */

static void
hw_team_page_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_CONNECTION:
      g_value_set_object (value, HW_TEAM_PAGE (object)->connection);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hw_team_page_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_CONNECTION:
      hw_team_page_set_connection (HW_TEAM_PAGE (object), g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hw_team_page_dispose (GObject *object)
{
  HwTeamPage *self = HW_TEAM_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->connection != NULL)
    g_signal_handlers_disconnect_by_data (self->connection, self);
  g_clear_object (&self->connection);
  gtk_widget_dispose_template (GTK_WIDGET (self), HW_TYPE_TEAM_PAGE);
  g_clear_pointer (&self->service, g_free);

  G_OBJECT_CLASS (hw_team_page_parent_class)->dispose (object);
}

static void
hw_team_page_class_init (HwTeamPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = hw_team_page_get_property;
  object_class->set_property = hw_team_page_set_property;
  object_class->dispose = hw_team_page_dispose;

  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL, HW_TYPE_CONNECTION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (HW_TYPE_CHART);
  g_type_ensure (HW_TYPE_STATE_VIEW);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/hw-team-page.ui");
  gtk_widget_class_bind_template_child (widget_class, HwTeamPage, state_view);
  gtk_widget_class_bind_template_child (widget_class, HwTeamPage, days_7);
  gtk_widget_class_bind_template_child (widget_class, HwTeamPage, days_30);
  gtk_widget_class_bind_template_child (widget_class, HwTeamPage, days_90);
  gtk_widget_class_bind_template_child (widget_class, HwTeamPage, as_of_label);
  gtk_widget_class_bind_template_child (widget_class, HwTeamPage, service_dropdown);
  gtk_widget_class_bind_template_child (widget_class, HwTeamPage, service_model);
  gtk_widget_class_bind_template_child (widget_class, HwTeamPage, rejected_label);
  gtk_widget_class_bind_template_child_full (widget_class, "cards", FALSE,
                                             G_STRUCT_OFFSET (HwTeamPage, cards_grid));
  gtk_widget_class_bind_template_child (widget_class, HwTeamPage, deployment_list);
  gtk_widget_class_bind_template_child (widget_class, HwTeamPage, incident_list);
  gtk_widget_class_bind_template_child (widget_class, HwTeamPage, deployments_title);
  gtk_widget_class_bind_template_child (widget_class, HwTeamPage, incidents_title);
  gtk_widget_class_bind_template_callback (widget_class, on_retry);
  gtk_widget_class_bind_template_callback (widget_class, on_window_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_service_selected);
}

static void
hw_team_page_init (HwTeamPage *self)
{
  self->days = 30;
  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_string_list_append (self->service_model, _("All Services"));
  gtk_drop_down_set_selected (self->service_dropdown, 0);
  build_card (self, CARD_DEPLOYS, _("Deployment Frequency"), "");
  build_card (self, CARD_LEAD_TIME, _("Lead Time for Changes"), " h");
  build_card (self, CARD_CHANGE_FAILURE, _("Change Failure Rate"), "%");
  build_card (self, CARD_RESTORE, _("Time to Restore"), " h");
}
