/* hw-overview-page.c: a hub at a glance: headline cards, listeners, system events
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "hw-event-store.h"
#include "hw-alert-monitor.h"
#include "hw-overview-data.h"
#include "hw-overview-page.h"
#include "hw-state-view.h"

#define MAX_ROWS  12

/* Short names for the page's own tables and template bindings. */
enum { CARD_EVENT_RATE = HW_OVERVIEW_EVENT_RATE, CARD_FAULT_RATE = HW_OVERVIEW_FAULT_RATE,
       CARD_ITERATOR_AGE = HW_OVERVIEW_ITERATOR_AGE, CARD_ALERTS = HW_OVERVIEW_ALERTS,
       N_CARDS = HW_OVERVIEW_N_CARDS };

static const char * const card_names[N_CARDS] = {
  "event-rate", "fault-rate", "iterator-age", "alerts",
};

struct _HwOverviewPage
{
  GtkWidget      parent_instance;

  HwConnection  *connection;
  HwHubSync     *requested_sync;
  GSettings     *settings;
  GCancellable  *cancellable;
  HwTimeWindow  *window;
  guint          load_count;
  /* What the lists show: a sync that changed nothing there rebuilds no rows. */
  char          *listeners_shown;
  char          *system_events_shown;

  gboolean       event_rate_known;  /* the last hour's event rate had points */

  /* Template widgets */
  HwStateView   *state_view;
  GtkListBox    *listener_list;
  GtkListBox    *system_event_list;
  HwChart       *charts[N_CARDS];
  GtkLabel      *values[N_CARDS];
  GtkLabel      *captions[N_CARDS];
};

enum {
  PROP_0,
  PROP_CONNECTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (HwOverviewPage, hw_overview_page, GTK_TYPE_WIDGET)

/* Showing ------------------------------------------------------------------ */

static HwChartMarkerKind
marker_kind (const char *kind)
{
  if (g_strcmp0 (kind, "deployment") == 0)
    return HW_CHART_MARKER_DEPLOYMENT;
  if (g_strcmp0 (kind, "incident") == 0)
    return HW_CHART_MARKER_INCIDENT;
  if (g_strcmp0 (kind, "alert") == 0)
    return HW_CHART_MARKER_ALERT;
  return HW_CHART_MARKER_OTHER;
}

static const char *
system_event_icon (const char *kind)
{
  switch (marker_kind (kind))
    {
    case HW_CHART_MARKER_DEPLOYMENT:
      return "software-update-available-symbolic";
    case HW_CHART_MARKER_INCIDENT:
      return "dialog-error-symbolic";
    case HW_CHART_MARKER_ALERT:
      return "dialog-warning-symbolic";
    case HW_CHART_MARKER_OTHER:
    default:
      return "document-properties-symbolic";
    }
}

/* Rows only: the placeholder is a child too and must stay. */
static void
clear_list (GtkListBox *list)
{
  GtkListBoxRow *row;

  while ((row = gtk_list_box_get_row_at_index (list, 0)) != NULL)
    gtk_list_box_remove (list, GTK_WIDGET (row));
}

static char *
system_event_title (HwSystemEvent *event)
{
  g_autoptr(JsonNode) node = json_from_string (event->json, NULL);
  JsonObject *object = node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  static const char *fields[] = { "title", "message", "summary", "description", "version" };

  for (guint i = 0; object != NULL && i < G_N_ELEMENTS (fields); i++)
    {
      const char *value = json_object_get_string_member_with_default (object, fields[i], NULL);

      if (value != NULL && *value != '\0')
        return g_strdup (value);
    }
  return g_strdup (event->kind);
}

/* TRUE when @fingerprint differs from *@shown, which then takes it. */
static gboolean
take_if_changed (char     **shown,
                 GString   *fingerprint)
{
  if (g_strcmp0 (*shown, fingerprint->str) == 0)
    return FALSE;
  g_free (*shown);
  *shown = g_strdup (fingerprint->str);
  return TRUE;
}

static gboolean
system_events_changed (HwOverviewPage *self,
                       GPtrArray      *events)
{
  g_autoptr(GString) fingerprint = g_string_new (NULL);

  for (guint i = 0; i < events->len; i++)
    {
      HwSystemEvent *event = g_ptr_array_index (events, i);

      g_string_append_printf (fingerprint, "%" G_GINT64_FORMAT "\x1f%s\x1f%s\x1f%s\x1e", event->ts_ms,
                              event->kind != NULL ? event->kind : "",
                              event->service != NULL ? event->service : "", event->json);
    }
  return take_if_changed (&self->system_events_shown, fingerprint);
}

static void
show_system_events (HwOverviewPage *self,
                    GPtrArray      *events)
{
  HwChart *rate = self->charts[CARD_EVENT_RATE];

  if (!system_events_changed (self, events))
    return;
  clear_list (self->system_event_list);
  hw_chart_clear_markers (rate);
  for (guint i = 0; i < events->len; i++)
    {
      HwSystemEvent *event = g_ptr_array_index (events, i);
      g_autofree char *title = system_event_title (event);
      g_autofree char *when = hw_format_clock_time (event->ts_ms);
      g_autofree char *subtitle = NULL;
      AdwActionRow *row;
      GtkWidget *icon;

      if (event->kind != NULL && !g_str_equal (event->kind, "audit"))
        hw_chart_add_marker (rate, event->ts_ms, marker_kind (event->kind), title);
      if (i >= MAX_ROWS)
        continue;

      subtitle = event->service != NULL
                 ? g_strdup_printf ("%s · %s · %s", event->kind, event->service, when)
                 : g_strdup_printf ("%s · %s", event->kind != NULL ? event->kind : "", when);
      row = ADW_ACTION_ROW (adw_action_row_new ());
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title != NULL ? title : "");
      adw_action_row_set_subtitle (row, subtitle);
      icon = gtk_image_new_from_icon_name (system_event_icon (event->kind));
      gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      event->kind, -1);
      adw_action_row_add_prefix (row, icon);
      gtk_list_box_append (self->system_event_list, GTK_WIDGET (row));
    }
}

static gint64
warning_ms (HwOverviewPage *self)
{
  return (gint64) g_settings_get_uint (self->settings, "iterator-age-warning-minutes") * 60 * 1000;
}

/* "Active" means firing now, which only the hub's alert monitor knows. */
static guint
count_firing_alerts (HwOverviewPage *self)
{
  HwAlertMonitor *monitor;

  if (self->connection == NULL)
    return 0;
  monitor = hw_alert_monitor_get_for_connection (self->connection);
  return monitor != NULL ? hw_alert_monitor_get_n_firing (monitor) : 0;
}

/* The hub records a fault rate only for minutes with faults. While its event
 * rate shows it reporting, an hour without fault points means no faults,
 * which an on-call engineer must read as 0/s, not as "—" (no data). */
static gboolean
reports_no_faults (HwOverviewPage *self,
                   guint           card,
                   HwSeriesStats  *stats)
{
  return card == CARD_FAULT_RATE && stats->count == 0 && self->event_rate_known;
}

static void
show_card (HwOverviewPage *self,
           guint           card,
           HwSeries       *series,
           HwChartStyle    style)
{
  HwChart *chart = self->charts[card];
  HwTimeRange range = hw_time_window_get_range (self->window);
  HwSeriesStats stats = hw_series_stats (series, &range);
  g_autofree char *value = NULL;

  hw_chart_clear_series (chart);
  hw_chart_add_series (chart, series, style, hw_series_get_name (series));
  if (card == CARD_EVENT_RATE)
    self->event_rate_known = stats.count > 0;
  if (card == CARD_ALERTS)
    value = g_strdup_printf ("%u", count_firing_alerts (self));
  else if (reports_no_faults (self, card, &stats))
    value = hw_chart_format_value (chart, 0);
  else
    value = hw_chart_format_value (chart, stats.last);
  gtk_label_set_label (self->values[card], value);
}

static void
show_iterator_age_state (HwOverviewPage *self,
                         HwSeries       *series)
{
  GtkWidget *value = GTK_WIDGET (self->values[CARD_ITERATOR_AGE]);
  HwTimeRange range = hw_time_window_get_range (self->window);
  HwSeriesStats stats = hw_series_stats (series, &range);
  g_autofree char *threshold = NULL;
  g_autofree char *caption = NULL;

  hw_chart_clear_thresholds (self->charts[CARD_ITERATOR_AGE]);
  hw_chart_add_threshold (self->charts[CARD_ITERATOR_AGE], warning_ms (self), NULL);
  threshold = hw_chart_format_value (self->charts[CARD_ITERATOR_AGE], warning_ms (self));
  /* TRANSLATORS: %s is a duration such as "30.0 min" */
  caption = g_strdup_printf (_("maximum over all listeners; warns at %s"), threshold);
  gtk_label_set_label (self->captions[CARD_ITERATOR_AGE], caption);
  if (stats.count > 0 && stats.last >= warning_ms (self))
    gtk_widget_add_css_class (value, "warning");
  else
    gtk_widget_remove_css_class (value, "warning");
}

static void
on_loaded (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(HwOverviewPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(HwOverviewData) data = hw_overview_data_load_finish (result, &error);

  if (data == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      hw_state_view_set_error (self->state_view, error->message);
      return;
    }

  hw_time_window_set_home (self->window, &(HwTimeRange) { data->to_ms - HW_OVERVIEW_HOUR_MS, data->to_ms });
  show_card (self, CARD_EVENT_RATE, data->series[CARD_EVENT_RATE], HW_CHART_AREA);
  show_card (self, CARD_FAULT_RATE, data->series[CARD_FAULT_RATE], HW_CHART_AREA);
  show_card (self, CARD_ITERATOR_AGE, data->series[CARD_ITERATOR_AGE], HW_CHART_LINE);
  show_iterator_age_state (self, data->series[CARD_ITERATOR_AGE]);
  show_system_events (self, data->system_events);
  {
    /* The alerts sparkline spans a day; its own window keeps the rest at an hour. */
    g_autoptr(HwTimeWindow) day = hw_time_window_new (data->to_ms - 24 * HW_OVERVIEW_HOUR_MS, data->to_ms);

    hw_chart_set_time_window (self->charts[CARD_ALERTS], day);
    show_card (self, CARD_ALERTS, data->series[CARD_ALERTS], HW_CHART_COLUMNS);
  }
  self->load_count++;
  hw_state_view_set_state (self->state_view, HW_VIEW_STATE_CONTENT);
}

static int
compare_listeners (gconstpointer a,
                   gconstpointer b)
{
  const HwHubListener *la = *(HwHubListener **) a, *lb = *(HwHubListener **) b;

  /* Worst first: the oldest iterator, then the most errors. */
  if (la->iterator_age_ms != lb->iterator_age_ms)
    return la->iterator_age_ms < lb->iterator_age_ms ? 1 : -1;
  return (la->errors < lb->errors) - (la->errors > lb->errors);
}

static char *
listener_subtitle (HwOverviewPage *self,
                   HwHubListener  *listener)
{
  g_autofree char *age = hw_chart_format_value (self->charts[CARD_ITERATOR_AGE],
                                                listener->iterator_age_ms);

  /* TRANSLATORS: iterator age, pending events, errors of one listener */
  return g_strdup_printf (_("Iterator age %s · %" G_GINT64_FORMAT " pending · %" G_GINT64_FORMAT " errors%s%s"),
                          age, listener->pending, listener->errors,
                          listener->last_error != NULL ? _(" · last fault: ") : "",
                          listener->last_error != NULL ? listener->last_error : "");
}

static void
show_listeners (HwOverviewPage *self)
{
  HwHubSync *sync = self->connection != NULL ? hw_connection_get_sync (self->connection) : NULL;
  /* Borrowed from the sync (from its cache while offline) until its next
   * "changed"; the rows copy what they show. */
  GPtrArray *listeners = sync != NULL ? hw_hub_sync_get_listeners (sync) : NULL;
  g_autoptr(GPtrArray) sorted = NULL;
  g_autoptr(GPtrArray) subtitles = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) fingerprint = g_string_new (NULL);

  /* Not g_ptr_array_copy(): the copy would inherit the free function. */
  sorted = g_ptr_array_sized_new (listeners != NULL ? listeners->len : 0);
  for (guint i = 0; listeners != NULL && i < listeners->len; i++)
    g_ptr_array_add (sorted, g_ptr_array_index (listeners, i));
  g_ptr_array_sort (sorted, compare_listeners);
  for (guint i = 0; i < sorted->len; i++)
    {
      HwHubListener *listener = g_ptr_array_index (sorted, i);
      char *subtitle = listener_subtitle (self, listener);

      g_ptr_array_add (subtitles, subtitle);
      g_string_append_printf (fingerprint, "%s\x1f%s\x1f%d\x1e", listener->name != NULL ? listener->name : "",
                              subtitle, listener->iterator_age_ms >= warning_ms (self));
    }
  if (!take_if_changed (&self->listeners_shown, fingerprint))
    return;

  clear_list (self->listener_list);
  for (guint i = 0; i < sorted->len; i++)
    {
      HwHubListener *listener = g_ptr_array_index (sorted, i);
      const char *subtitle = g_ptr_array_index (subtitles, i);
      AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                     listener->name != NULL ? listener->name : _("Unnamed listener"));
      adw_action_row_set_subtitle (row, subtitle);
      adw_action_row_set_subtitle_lines (row, 2);
      if (listener->iterator_age_ms >= warning_ms (self))
        {
          GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");

          gtk_widget_add_css_class (icon, "warning");
          gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                          _("Iterator age over the warning threshold"), -1);
          adw_action_row_add_suffix (row, icon);
        }
      gtk_list_box_append (self->listener_list, GTK_WIDGET (row));
    }
}

static void
request_rollups (HwOverviewPage *self,
                 HwHubSync      *sync)
{
  if (sync == NULL || sync == self->requested_sync)
    return;
  self->requested_sync = sync;
  hw_overview_data_request_rollups (sync);
}

static void
reload (HwOverviewPage *self)
{
  HwEventStore *store;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  if (self->connection == NULL)
    {
      hw_state_view_set_state (self->state_view, HW_VIEW_STATE_EMPTY);
      return;
    }
  request_rollups (self, hw_connection_get_sync (self->connection));
  show_listeners (self);

  store = hw_connection_get_store (self->connection);
  if (store == NULL)
    {
      if (hw_connection_get_last_error (self->connection) != NULL
          && hw_connection_get_state (self->connection) == HW_HUB_SYNC_STATE_AUTH_FAILED)
        hw_state_view_set_error (self->state_view, hw_connection_get_last_error (self->connection));
      else if (hw_state_view_get_state (self->state_view) != HW_VIEW_STATE_CONTENT)
        hw_state_view_set_state (self->state_view, HW_VIEW_STATE_LOADING);
      return;
    }

  self->cancellable = g_cancellable_new ();
  hw_overview_data_load_async (store, g_get_real_time () / 1000, self->cancellable, on_loaded,
                               g_object_ref (self));
}

static void
on_connection_changed (HwOverviewPage *self,
                       guint           changes)
{
  if (changes & (HW_HUB_SYNC_CHANGED_METRICS | HW_HUB_SYNC_CHANGED_SYSTEM_EVENTS))
    {
      reload (self);
      return;
    }
  if (changes & HW_HUB_SYNC_CHANGED_LISTENERS)
    show_listeners (self);
}

static void
on_retry (HwOverviewPage *self)
{
  if (self->connection != NULL)
    hw_connection_retry (self->connection);
  reload (self);
}

/* Public API ---------------------------------------------------------------- */

HwConnection *
hw_overview_page_get_connection (HwOverviewPage *self)
{
  g_return_val_if_fail (HW_IS_OVERVIEW_PAGE (self), NULL);

  return self->connection;
}

void
hw_overview_page_set_connection (HwOverviewPage *self,
                                 HwConnection   *connection)
{
  g_return_if_fail (HW_IS_OVERVIEW_PAGE (self));
  g_return_if_fail (connection == NULL || HW_IS_CONNECTION (connection));

  if (self->connection == connection)
    return;
  if (self->connection != NULL)
    g_signal_handlers_disconnect_by_data (self->connection, self);
  g_set_object (&self->connection, connection);
  self->requested_sync = NULL;
  if (connection != NULL)
    g_signal_connect_swapped (connection, "changed", G_CALLBACK (on_connection_changed), self);
  for (guint i = 0; i < N_CARDS; i++)
    {
      hw_chart_clear_series (self->charts[i]);
      gtk_label_set_label (self->values[i], "—");
    }
  clear_list (self->listener_list);
  clear_list (self->system_event_list);
  g_clear_pointer (&self->listeners_shown, g_free);
  g_clear_pointer (&self->system_events_shown, g_free);
  hw_state_view_set_state (self->state_view, HW_VIEW_STATE_EMPTY);
  reload (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTION]);
}

static int
card_index (const char *card)
{
  for (guint i = 0; i < N_CARDS; i++)
    if (g_strcmp0 (card_names[i], card) == 0)
      return i;
  return -1;
}

HwChart *
hw_overview_page_get_card_chart (HwOverviewPage *self,
                                 const char     *card)
{
  int i;

  g_return_val_if_fail (HW_IS_OVERVIEW_PAGE (self), NULL);

  i = card_index (card);
  return i >= 0 ? self->charts[i] : NULL;
}

const char *
hw_overview_page_get_card_value (HwOverviewPage *self,
                                 const char     *card)
{
  int i;

  g_return_val_if_fail (HW_IS_OVERVIEW_PAGE (self), NULL);

  i = card_index (card);
  return i >= 0 ? gtk_label_get_label (self->values[i]) : NULL;
}

guint
hw_overview_page_get_n_listeners (HwOverviewPage *self)
{
  guint n = 0;

  g_return_val_if_fail (HW_IS_OVERVIEW_PAGE (self), 0);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->listener_list));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    if (ADW_IS_ACTION_ROW (child))
      n++;
  return n;
}

guint
hw_overview_page_get_load_count (HwOverviewPage *self)
{
  g_return_val_if_fail (HW_IS_OVERVIEW_PAGE (self), 0);

  return self->load_count;
}

/* Life cycle ---------------------------------------------------------------- */

static void
hw_overview_page_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_CONNECTION:
      g_value_set_object (value, HW_OVERVIEW_PAGE (object)->connection);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hw_overview_page_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_CONNECTION:
      hw_overview_page_set_connection (HW_OVERVIEW_PAGE (object), g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hw_overview_page_dispose (GObject *object)
{
  HwOverviewPage *self = HW_OVERVIEW_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->connection != NULL)
    g_signal_handlers_disconnect_by_data (self->connection, self);
  g_clear_object (&self->connection);
  gtk_widget_dispose_template (GTK_WIDGET (self), HW_TYPE_OVERVIEW_PAGE);
  g_clear_object (&self->settings);
  g_clear_object (&self->window);
  g_clear_pointer (&self->listeners_shown, g_free);
  g_clear_pointer (&self->system_events_shown, g_free);

  G_OBJECT_CLASS (hw_overview_page_parent_class)->dispose (object);
}

static void
hw_overview_page_class_init (HwOverviewPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = hw_overview_page_get_property;
  object_class->set_property = hw_overview_page_set_property;
  object_class->dispose = hw_overview_page_dispose;

  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL, HW_TYPE_CONNECTION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (HW_TYPE_CHART);
  g_type_ensure (HW_TYPE_STATE_VIEW);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/hw-overview-page.ui");
  gtk_widget_class_bind_template_child (widget_class, HwOverviewPage, state_view);
  gtk_widget_class_bind_template_child (widget_class, HwOverviewPage, listener_list);
  gtk_widget_class_bind_template_child (widget_class, HwOverviewPage, system_event_list);
  gtk_widget_class_bind_template_child_full (widget_class, "event_rate_chart", FALSE,
                                             G_STRUCT_OFFSET (HwOverviewPage, charts[CARD_EVENT_RATE]));
  gtk_widget_class_bind_template_child_full (widget_class, "fault_rate_chart", FALSE,
                                             G_STRUCT_OFFSET (HwOverviewPage, charts[CARD_FAULT_RATE]));
  gtk_widget_class_bind_template_child_full (widget_class, "iterator_age_chart", FALSE,
                                             G_STRUCT_OFFSET (HwOverviewPage, charts[CARD_ITERATOR_AGE]));
  gtk_widget_class_bind_template_child_full (widget_class, "alerts_chart", FALSE,
                                             G_STRUCT_OFFSET (HwOverviewPage, charts[CARD_ALERTS]));
  gtk_widget_class_bind_template_child_full (widget_class, "event_rate_value", FALSE,
                                             G_STRUCT_OFFSET (HwOverviewPage, values[CARD_EVENT_RATE]));
  gtk_widget_class_bind_template_child_full (widget_class, "fault_rate_value", FALSE,
                                             G_STRUCT_OFFSET (HwOverviewPage, values[CARD_FAULT_RATE]));
  gtk_widget_class_bind_template_child_full (widget_class, "iterator_age_value", FALSE,
                                             G_STRUCT_OFFSET (HwOverviewPage, values[CARD_ITERATOR_AGE]));
  gtk_widget_class_bind_template_child_full (widget_class, "alerts_value", FALSE,
                                             G_STRUCT_OFFSET (HwOverviewPage, values[CARD_ALERTS]));
  gtk_widget_class_bind_template_child_full (widget_class, "event_rate_caption", FALSE,
                                             G_STRUCT_OFFSET (HwOverviewPage, captions[CARD_EVENT_RATE]));
  gtk_widget_class_bind_template_child_full (widget_class, "fault_rate_caption", FALSE,
                                             G_STRUCT_OFFSET (HwOverviewPage, captions[CARD_FAULT_RATE]));
  gtk_widget_class_bind_template_child_full (widget_class, "iterator_age_caption", FALSE,
                                             G_STRUCT_OFFSET (HwOverviewPage, captions[CARD_ITERATOR_AGE]));
  gtk_widget_class_bind_template_child_full (widget_class, "alerts_caption", FALSE,
                                             G_STRUCT_OFFSET (HwOverviewPage, captions[CARD_ALERTS]));
  gtk_widget_class_bind_template_callback (widget_class, on_retry);
}

static void
hw_overview_page_init (HwOverviewPage *self)
{
  static const char *units[N_CARDS] = { "/s", "/s", "ms", "" };
  const char *titles[N_CARDS] = { _("Event Rate"), _("Fault Rate"), _("Worst Iterator Age"),
                                  _("Active Alerts") };
  gint64 now = g_get_real_time () / 1000;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new ("io.github.hubwatch.Hubwatch");
  /* The cards share one window, so their sparklines line up in time. */
  self->window = hw_time_window_new (now - HW_OVERVIEW_HOUR_MS, now);
  for (guint i = 0; i < N_CARDS; i++)
    {
      hw_chart_set_compact (self->charts[i], TRUE);
      hw_chart_set_unit (self->charts[i], units[i]);
      hw_chart_set_title (self->charts[i], titles[i]);
      if (i != CARD_ALERTS)
        hw_chart_set_time_window (self->charts[i], self->window);
    }
  g_signal_connect_object (self->settings, "changed::iterator-age-warning-minutes",
                           G_CALLBACK (reload), self, G_CONNECT_SWAPPED);
}
