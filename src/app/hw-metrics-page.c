/* hw-metrics-page.c: a hub's metric charts over a picked time range
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "hw-metrics-loader.h"
#include "hw-metrics-page.h"
#include "hw-state-view.h"
#include "hw-time.h"

enum {
  CHART_EVENT_RATE,
  CHART_EVENT_SIZE,
  CHART_FAULT_RATE,
  CHART_ITERATOR_AGE,
  CHART_INVOCATIONS,
  CHART_ERRORS,
  CHART_DURATION,
  CHART_THROTTLES,
  CHART_ALERTS,
  N_CHARTS
};

/* Every chart before the alerts one is read from the hub's rollups. */
#define N_METRIC_CHARTS CHART_ALERTS
/* About two seconds of frames to give a chart the focus it was opened for. */
#define MAX_FOCUS_FRAMES 120

static const HwMetricsQuery queries[N_METRIC_CHARTS] = {
  [CHART_EVENT_RATE] = { "domain.event.count", "rate", "type", HW_METRICS_COMBINE_SUM },
  [CHART_EVENT_SIZE] = { "domain.event.size", "avg", "type", HW_METRICS_COMBINE_NONE },
  [CHART_FAULT_RATE] = { "fault.count", "rate", "functionname", HW_METRICS_COMBINE_SUM },
  [CHART_ITERATOR_AGE] = { "listener.iterator_age", "max", "listener", HW_METRICS_COMBINE_MAX },
  [CHART_INVOCATIONS] = { "listener.invocations", "rate", "listener", HW_METRICS_COMBINE_SUM },
  [CHART_ERRORS] = { "listener.errors", "rate", "listener", HW_METRICS_COMBINE_SUM },
  [CHART_DURATION] = { "listener.duration", "p95", "listener", HW_METRICS_COMBINE_NONE },
  [CHART_THROTTLES] = { "listener.throttles", "rate", "listener", HW_METRICS_COMBINE_SUM },
};

static const struct
{
  const char   *name;
  const char   *title;
  const char   *caption;
  const char   *unit;
  HwChartStyle  style;
  gboolean      listeners;      /* in the Listeners section */
  gboolean      opens_faults;   /* a click opens the Faults page, not the lake */
} specs[N_CHARTS] = {
  [CHART_EVENT_RATE] = { "event-rate", N_("Domain Event Rate by Type"),
                         N_("Events per second"), "/s", HW_CHART_LINE, FALSE, FALSE },
  [CHART_EVENT_SIZE] = { "event-size", N_("Event Size by Type"),
                         N_("Average size of one event"), "B", HW_CHART_LINE, FALSE, FALSE },
  [CHART_FAULT_RATE] = { "fault-rate", N_("Fault Rate by Function"),
                         N_("Fault events per second"), "/s", HW_CHART_LINE, FALSE, TRUE },
  [CHART_ITERATOR_AGE] = { "iterator-age", N_("Iterator Age per Listener"),
                           N_("Maximum time events wait in the channel"), "ms", HW_CHART_LINE, TRUE, FALSE },
  [CHART_INVOCATIONS] = { "invocations", N_("Listener Invocations"),
                          N_("Calls per second"), "/s", HW_CHART_LINE, TRUE, FALSE },
  [CHART_ERRORS] = { "errors", N_("Listener Errors"),
                     N_("Failed calls per second"), "/s", HW_CHART_LINE, TRUE, TRUE },
  [CHART_DURATION] = { "duration", N_("Listener Duration (p95)"),
                       N_("95th percentile of call duration"), "ms", HW_CHART_LINE, TRUE, FALSE },
  [CHART_THROTTLES] = { "throttles", N_("Listener Throttles"),
                        N_("Throttled calls per second"), "/s", HW_CHART_LINE, TRUE, FALSE },
  [CHART_ALERTS] = { "alerts", N_("Alerts"),
                     N_("Alerts raised per interval"), "", HW_CHART_COLUMNS, FALSE, FALSE },
};

static const guint refresh_options_s[] = { 0, 5, 10, 30, 60, 300 };

struct _HwMetricsPage
{
  GtkWidget          parent_instance;

  HwConnection      *connection;
  GSettings         *settings;
  GCancellable      *cancellable;
  HwTimeWindow      *window;
  HwTimeRange        loaded_home;
  guint              step_s;
  gint64             alert_bucket_ms;
  guint              load_count;
  gboolean           has_data;
  guint              refresh_interval;
  guint              refresh_source;
  guint              reload_source;
  guint              focus_tick;
  guint              focus_attempts;
  int                pending_focus;

  /* What the sync was last asked to keep cached. */
  HwHubSync         *requested_sync;
  char              *requested_from;
  char              *requested_to;
  guint              requested_step;

  /* Template widgets */
  HwTimeRangePicker *picker;
  GtkDropDown       *refresh_dropdown;
  HwStateView       *state_view;
  GtkScrolledWindow *scroller;
  GtkFlowBox        *work_box;
  GtkFlowBox        *listener_box;

  GtkWidget         *cards[N_CHARTS];
  HwChart           *charts[N_CHARTS];
  GtkLabel          *captions[N_CHARTS];
};

enum {
  PROP_0,
  PROP_CONNECTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (HwMetricsPage, hw_metrics_page, GTK_TYPE_WIDGET)

static void reload (HwMetricsPage *self);

static int
chart_index (const char *name)
{
  for (guint i = 0; i < N_CHARTS; i++)
    if (g_strcmp0 (specs[i].name, name) == 0)
      return i;
  return -1;
}

/* Asking the hub ------------------------------------------------------------ */

static void
request_rollups (HwMetricsPage *self,
                 gboolean       force)
{
  HwHubSync *sync = self->connection != NULL ? hw_connection_get_sync (self->connection) : NULL;
  const char *from = hw_time_range_picker_get_from (self->picker);
  const char *to = hw_time_range_picker_get_to (self->picker);

  if (sync == NULL || self->step_s == 0)
    return;
  if (!force && sync == self->requested_sync && self->requested_step == self->step_s
      && g_strcmp0 (from, self->requested_from) == 0 && g_strcmp0 (to, self->requested_to) == 0)
    return;

  self->requested_sync = sync;
  self->requested_step = self->step_s;
  g_free (self->requested_from);
  self->requested_from = g_strdup (from);
  g_free (self->requested_to);
  self->requested_to = g_strdup (to);
  for (guint i = 0; i < N_METRIC_CHARTS; i++)
    {
      g_autofree char *key = g_strconcat ("metrics.", specs[i].name, NULL);

      /* The bounds go as typed, so "now-1h" keeps sliding on the hub's clock. */
      hw_hub_sync_request_metrics (sync, key, queries[i].metric, from, to, self->step_s,
                                   queries[i].stat, queries[i].by);
    }
}

/* Showing ------------------------------------------------------------------- */

static void
show_markers (HwMetricsPage *self,
              GPtrArray     *markers)
{
  for (guint c = 0; c < N_CHARTS; c++)
    hw_chart_clear_markers (self->charts[c]);
  for (guint i = 0; i < markers->len; i++)
    {
      HwMetricsMarker *marker = g_ptr_array_index (markers, i);
      HwChartMarkerKind kind = g_str_equal (marker->kind, "deployment") ? HW_CHART_MARKER_DEPLOYMENT
                                                                        : HW_CHART_MARKER_INCIDENT;

      for (guint c = 0; c < N_CHARTS; c++)
        hw_chart_add_marker (self->charts[c], marker->ts_ms, kind, marker->title);
    }
}

static void
show_iterator_age_threshold (HwMetricsPage *self)
{
  HwChart *chart = self->charts[CHART_ITERATOR_AGE];
  double warning_ms = g_settings_get_uint (self->settings, "iterator-age-warning-minutes") * 60000.0;
  g_autofree char *value = hw_chart_format_value (chart, warning_ms);
  /* TRANSLATORS: a threshold line on a chart; %s is a duration such as "30.0 min" */
  g_autofree char *label = g_strdup_printf (_("Warning at %s"), value);

  hw_chart_clear_thresholds (chart);
  hw_chart_add_threshold (chart, warning_ms, label);
}

static void
show_caption (HwMetricsPage *self,
              guint          index,
              guint          n_hidden)
{
  g_autofree char *text = NULL;

  if (n_hidden == 0)
    {
      gtk_label_set_label (self->captions[index], _(specs[index].caption));
      return;
    }
  text = g_strdup_printf (ngettext ("%s · %u more series folded or left out",
                                    "%s · %u more series folded or left out", n_hidden),
                          _(specs[index].caption), n_hidden);
  gtk_label_set_label (self->captions[index], text);
}

static void
show_result (HwMetricsPage   *self,
             HwMetricsResult *result)
{
  self->has_data = FALSE;
  for (guint c = 0; c < N_METRIC_CHARTS; c++)
    {
      GPtrArray *series = result->series[c];

      hw_chart_clear_series (self->charts[c]);
      for (guint s = 0; s < series->len; s++)
        {
          HwSeries *one = g_ptr_array_index (series, s);

          hw_chart_add_series (self->charts[c], one, specs[c].style, hw_series_get_name (one));
          self->has_data |= hw_series_get_length (one) > 0;
        }
      show_caption (self, c, result->n_hidden[c]);
    }
  hw_chart_clear_series (self->charts[CHART_ALERTS]);
  hw_chart_add_series (self->charts[CHART_ALERTS], result->alerts, HW_CHART_COLUMNS, _("Alerts"));
  show_markers (self, result->markers);
  show_iterator_age_threshold (self);
}

static void
on_loaded (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(HwMetricsPage) self = user_data;
  g_autoptr(GError) error = NULL;
  HwMetricsResult *loaded = hw_metrics_load_finish (result, &error);

  if (loaded == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        hw_state_view_set_error (self->state_view, error->message);
      return;
    }
  show_result (self, loaded);
  hw_metrics_result_free (loaded);
  self->load_count++;
  hw_state_view_set_state (self->state_view, HW_VIEW_STATE_CONTENT);
}

static void
reload (HwMetricsPage *self)
{
  HwEventStore *store;
  HwTimeRange home = hw_time_window_get_home (self->window);
  gint64 span = home.to_ms - home.from_ms;

  g_clear_handle_id (&self->reload_source, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  self->loaded_home = home;
  self->step_s = hw_metrics_pick_step (span);
  /* About 50 alert columns: the step a five times longer range would get. */
  self->alert_bucket_ms = (gint64) hw_metrics_pick_step (span * 5) * 1000;

  if (self->connection == NULL)
    {
      hw_state_view_set_state (self->state_view, HW_VIEW_STATE_EMPTY);
      return;
    }
  request_rollups (self, FALSE);

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
  if (span <= 0)
    return;

  self->cancellable = g_cancellable_new ();
  hw_metrics_load_async (store, queries, N_METRIC_CHARTS, home.from_ms, home.to_ms, self->step_s,
                         self->alert_bucket_ms, self->cancellable, on_loaded, g_object_ref (self));
}

static gboolean
on_reload_due (gpointer user_data)
{
  HwMetricsPage *self = user_data;

  self->reload_source = 0;
  reload (self);
  return G_SOURCE_REMOVE;
}

static void
on_connection_changed (HwMetricsPage *self,
                       guint          changes)
{
  gboolean everything = changes == (guint) -1;

  if (!(changes & (HW_HUB_SYNC_CHANGED_METRICS | HW_HUB_SYNC_CHANGED_SYSTEM_EVENTS)))
    return;
  /* With auto-refresh off the charts hold still once they show something. */
  if (self->refresh_interval == 0 && self->has_data && !everything)
    return;
  /* Each rollup the sync stores says so: read the cache once for a burst. */
  if (self->reload_source == 0)
    self->reload_source = g_timeout_add (200, on_reload_due, self);
}

static void
on_window_changed (HwMetricsPage *self)
{
  HwTimeRange home = hw_time_window_get_home (self->window);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "metrics.reset-zoom",
                                 hw_time_window_is_zoomed (self->window));
  /* Zoom and pan look closer at what is loaded; a new pick loads. */
  if (home.from_ms != self->loaded_home.from_ms || home.to_ms != self->loaded_home.to_ms)
    reload (self);
}

static void
on_retry (HwMetricsPage *self)
{
  if (self->connection != NULL)
    hw_connection_retry (self->connection);
  reload (self);
}

/* Auto-refresh ------------------------------------------------------------- */

static gboolean
on_refresh_tick (gpointer user_data)
{
  HwMetricsPage *self = user_data;

  /* Hidden, the charts wait; the sync keeps the cache fresh meanwhile. */
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    return G_SOURCE_CONTINUE;
  /* Slides a relative range (which reloads), then asks the hub for news. */
  hw_time_range_picker_refresh (self->picker);
  request_rollups (self, TRUE);
  return G_SOURCE_CONTINUE;
}

static void
on_refresh_selected (HwMetricsPage *self)
{
  guint selected = gtk_drop_down_get_selected (self->refresh_dropdown);

  if (selected < G_N_ELEMENTS (refresh_options_s))
    hw_metrics_page_set_refresh_interval (self, refresh_options_s[selected]);
}

/* Clicks and focus ------------------------------------------------------------ */

static void
on_point_activated (HwChart       *chart,
                    gint64         t_ms,
                    HwMetricsPage *self)
{
  int index = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (chart), "chart-index"));
  gint64 bucket_ms = index == CHART_ALERTS ? self->alert_bucket_ms : (gint64) self->step_s * 1000;
  gint64 start, end;
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  g_autofree char *query = NULL;

  if (specs[index].opens_faults)
    {
      gtk_widget_activate_action (GTK_WIDGET (self), "win.show-page", "s", "faults");
      return;
    }
  if (bucket_ms <= 0)
    bucket_ms = 60000;
  /* The events behind a point are those of its bucket. */
  start = t_ms - (t_ms % bucket_ms);
  end = start + bucket_ms;
  from = hw_time_format_iso8601 (start);
  to = hw_time_format_iso8601 (end);
  query = g_strdup_printf ("from:\"%s\" to:\"%s\"", from, to);
  if (index == CHART_EVENT_RATE || index == CHART_EVENT_SIZE)
    if (hw_chart_get_n_series (chart) == 1)
      {
        g_autofree char *with_type = g_strdup_printf ("type:\"%s\" %s",
                                                      hw_series_get_name (hw_chart_get_series (chart, 0)),
                                                      query);

        g_free (query);
        query = g_steal_pointer (&with_type);
      }
  if (!gtk_widget_activate_action (GTK_WIDGET (self), "win.show-events", "s", query))
    gtk_widget_activate_action (GTK_WIDGET (self), "win.show-page", "s", "event-lake");
}

static gboolean
focus_when_allocated (GtkWidget     *widget,
                      GdkFrameClock *clock,
                      gpointer       user_data)
{
  HwMetricsPage *self = HW_METRICS_PAGE (widget);
  GtkWidget *card;
  GtkWidget *content = gtk_scrolled_window_get_child (self->scroller);
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->scroller);
  graphene_rect_t bounds;

  if (self->pending_focus < 0)
    {
      self->focus_tick = 0;
      return G_SOURCE_REMOVE;
    }
  card = self->cards[self->pending_focus];
  if (!gtk_widget_get_mapped (card) || gtk_widget_get_height (card) <= 0
      || !gtk_widget_compute_bounds (card, content, &bounds))
    return G_SOURCE_CONTINUE;

  gtk_adjustment_set_value (adjustment, MAX (bounds.origin.y - 12, 0));
  /* Refused while the page is still being switched to (its stack or the
   * window's leaflet mid-transition): try again on a later frame, for a
   * bounded number of frames. */
  if (!gtk_widget_grab_focus (GTK_WIDGET (self->charts[self->pending_focus]))
      && ++self->focus_attempts < MAX_FOCUS_FRAMES)
    return G_SOURCE_CONTINUE;
  self->pending_focus = -1;
  self->focus_tick = 0;
  return G_SOURCE_REMOVE;
}

/* Actions ------------------------------------------------------------------- */

static void
choose_range_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  hw_time_range_picker_popup (HW_METRICS_PAGE (widget)->picker);
}

static void
reset_zoom_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  hw_time_window_reset (HW_METRICS_PAGE (widget)->window);
}

/* Public API ------------------------------------------------------------------ */

HwConnection *
hw_metrics_page_get_connection (HwMetricsPage *self)
{
  g_return_val_if_fail (HW_IS_METRICS_PAGE (self), NULL);

  return self->connection;
}

void
hw_metrics_page_set_connection (HwMetricsPage *self,
                                HwConnection  *connection)
{
  g_return_if_fail (HW_IS_METRICS_PAGE (self));
  g_return_if_fail (connection == NULL || HW_IS_CONNECTION (connection));

  if (self->connection == connection)
    return;
  if (self->connection != NULL)
    g_signal_handlers_disconnect_by_data (self->connection, self);
  g_set_object (&self->connection, connection);
  self->requested_sync = NULL;
  self->has_data = FALSE;
  if (connection != NULL)
    g_signal_connect_swapped (connection, "changed", G_CALLBACK (on_connection_changed), self);
  for (guint i = 0; i < N_CHARTS; i++)
    {
      hw_chart_clear_series (self->charts[i]);
      hw_chart_clear_markers (self->charts[i]);
    }
  hw_state_view_set_state (self->state_view, HW_VIEW_STATE_EMPTY);
  reload (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTION]);
}

void
hw_metrics_page_focus_chart (HwMetricsPage *self,
                             const char    *chart)
{
  int index;

  g_return_if_fail (HW_IS_METRICS_PAGE (self));

  index = chart_index (chart);
  if (index < 0)
    return;
  self->pending_focus = index;
  self->focus_attempts = 0;
  /* The page may be switched to only now: wait for a frame that lays it out. */
  if (self->focus_tick == 0)
    self->focus_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self), focus_when_allocated,
                                                     NULL, NULL);
}

HwChart *
hw_metrics_page_get_chart (HwMetricsPage *self,
                           const char    *chart)
{
  int index;

  g_return_val_if_fail (HW_IS_METRICS_PAGE (self), NULL);

  index = chart_index (chart);
  return index >= 0 ? self->charts[index] : NULL;
}

HwTimeRangePicker *
hw_metrics_page_get_picker (HwMetricsPage *self)
{
  g_return_val_if_fail (HW_IS_METRICS_PAGE (self), NULL);

  return self->picker;
}

HwTimeWindow *
hw_metrics_page_get_time_window (HwMetricsPage *self)
{
  g_return_val_if_fail (HW_IS_METRICS_PAGE (self), NULL);

  return self->window;
}

guint
hw_metrics_page_get_refresh_interval (HwMetricsPage *self)
{
  g_return_val_if_fail (HW_IS_METRICS_PAGE (self), 0);

  return self->refresh_interval;
}

void
hw_metrics_page_set_refresh_interval (HwMetricsPage *self,
                                      guint          seconds)
{
  guint best = 0;

  g_return_if_fail (HW_IS_METRICS_PAGE (self));

  /* The nearest offered interval, so the drop-down can show it. */
  for (guint i = 1; i < G_N_ELEMENTS (refresh_options_s); i++)
    if (seconds > 0 && (best == 0 || ABS ((int) refresh_options_s[i] - (int) seconds)
                                     < ABS ((int) refresh_options_s[best] - (int) seconds)))
      best = i;
  self->refresh_interval = refresh_options_s[best];
  /* Re-enters through the drop-down's notify::selected; the timer is set after. */
  if (gtk_drop_down_get_selected (self->refresh_dropdown) != best)
    gtk_drop_down_set_selected (self->refresh_dropdown, best);
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  if (self->refresh_interval > 0)
    self->refresh_source = g_timeout_add_seconds (self->refresh_interval, on_refresh_tick, self);
}

guint
hw_metrics_page_get_load_count (HwMetricsPage *self)
{
  g_return_val_if_fail (HW_IS_METRICS_PAGE (self), 0);

  return self->load_count;
}

/* Life cycle ------------------------------------------------------------------ */

static void
hw_metrics_page_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_CONNECTION:
      g_value_set_object (value, HW_METRICS_PAGE (object)->connection);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hw_metrics_page_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_CONNECTION:
      hw_metrics_page_set_connection (HW_METRICS_PAGE (object), g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hw_metrics_page_dispose (GObject *object)
{
  HwMetricsPage *self = HW_METRICS_PAGE (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  /* Disposing the drop-down notifies its selection, which would restart the timer. */
  if (self->refresh_dropdown != NULL)
    g_signal_handlers_disconnect_by_data (self->refresh_dropdown, self);
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  g_clear_handle_id (&self->reload_source, g_source_remove);
  if (self->focus_tick != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->focus_tick);
  self->focus_tick = 0;
  if (self->connection != NULL)
    g_signal_handlers_disconnect_by_data (self->connection, self);
  g_clear_object (&self->connection);
  if (self->window != NULL)
    g_signal_handlers_disconnect_by_data (self->window, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), HW_TYPE_METRICS_PAGE);
  /* The template's unnamed top box is not one of the disposed children. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->window);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (hw_metrics_page_parent_class)->dispose (object);
}

static void
hw_metrics_page_finalize (GObject *object)
{
  HwMetricsPage *self = HW_METRICS_PAGE (object);

  g_free (self->requested_from);
  g_free (self->requested_to);

  G_OBJECT_CLASS (hw_metrics_page_parent_class)->finalize (object);
}

static void
hw_metrics_page_class_init (HwMetricsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = hw_metrics_page_get_property;
  object_class->set_property = hw_metrics_page_set_property;
  object_class->dispose = hw_metrics_page_dispose;
  object_class->finalize = hw_metrics_page_finalize;

  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL, HW_TYPE_CONNECTION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (HW_TYPE_CHART);
  g_type_ensure (HW_TYPE_STATE_VIEW);
  g_type_ensure (HW_TYPE_TIME_RANGE_PICKER);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/hw-metrics-page.ui");
  gtk_widget_class_bind_template_child (widget_class, HwMetricsPage, picker);
  gtk_widget_class_bind_template_child (widget_class, HwMetricsPage, refresh_dropdown);
  gtk_widget_class_bind_template_child (widget_class, HwMetricsPage, state_view);
  gtk_widget_class_bind_template_child (widget_class, HwMetricsPage, scroller);
  gtk_widget_class_bind_template_child (widget_class, HwMetricsPage, work_box);
  gtk_widget_class_bind_template_child (widget_class, HwMetricsPage, listener_box);
  gtk_widget_class_bind_template_callback (widget_class, on_retry);
  gtk_widget_class_bind_template_callback (widget_class, on_refresh_selected);

  gtk_widget_class_install_action (widget_class, "metrics.choose-range", NULL, choose_range_action);
  gtk_widget_class_install_action (widget_class, "metrics.reset-zoom", NULL, reset_zoom_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_t, GDK_CONTROL_MASK,
                                       "metrics.choose-range", NULL);
}

static GtkWidget *
build_card (HwMetricsPage *self,
            guint          index)
{
  GtkWidget *card = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (_(specs[index].title));
  GtkWidget *caption = gtk_label_new (_(specs[index].caption));
  HwChart *chart = HW_CHART (hw_chart_new ());
  GtkWidget *child = gtk_flow_box_child_new ();
  GtkWidget *parts[] = { title, caption, GTK_WIDGET (chart) };

  gtk_widget_add_css_class (card, "card");
  /* Padding without a stylesheet rule of our own. */
  gtk_widget_set_margin_top (title, 12);
  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      gtk_widget_set_margin_start (parts[i], 14);
      gtk_widget_set_margin_end (parts[i], 14);
    }
  gtk_widget_set_margin_bottom (GTK_WIDGET (chart), 8);
  gtk_label_set_xalign (GTK_LABEL (title), 0.0);
  gtk_widget_add_css_class (title, "heading");
  gtk_label_set_xalign (GTK_LABEL (caption), 0.0);
  gtk_label_set_ellipsize (GTK_LABEL (caption), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (caption, "caption");
  gtk_widget_add_css_class (caption, "dim-label");

  hw_chart_set_title (chart, _(specs[index].title));
  hw_chart_set_unit (chart, specs[index].unit);
  hw_chart_set_whole_numbers (chart, index == CHART_ALERTS);
  hw_chart_set_time_window (chart, self->window);
  gtk_widget_set_margin_top (GTK_WIDGET (chart), 6);
  gtk_widget_set_vexpand (GTK_WIDGET (chart), TRUE);
  g_object_set_data (G_OBJECT (chart), "chart-index", GINT_TO_POINTER (index));
  g_signal_connect_object (chart, "point-activated", G_CALLBACK (on_point_activated), self, 0);

  gtk_box_append (GTK_BOX (card), title);
  gtk_box_append (GTK_BOX (card), caption);
  gtk_box_append (GTK_BOX (card), GTK_WIDGET (chart));

  /* The chart takes the focus; the flow box child need not be a tab stop. */
  gtk_flow_box_child_set_child (GTK_FLOW_BOX_CHILD (child), card);
  gtk_widget_set_focusable (child, FALSE);
  gtk_flow_box_append (specs[index].listeners ? self->listener_box : self->work_box, child);

  self->charts[index] = chart;
  self->captions[index] = GTK_LABEL (caption);
  return card;
}

static void
hw_metrics_page_init (HwMetricsPage *self)
{
  gint64 now = hw_time_now_ms ();

  self->pending_focus = -1;
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new ("io.github.hubwatch.Hubwatch");
  /* One window for every chart: zoom, pan and the crosshair move them all. */
  self->window = hw_time_window_new (now - 3600 * 1000, now);
  for (guint i = 0; i < N_CHARTS; i++)
    self->cards[i] = build_card (self, i);
  show_iterator_age_threshold (self);

  g_signal_connect_swapped (self->window, "changed", G_CALLBACK (on_window_changed), self);
  hw_time_range_picker_set_time_window (self->picker, self->window);
  self->loaded_home = hw_time_window_get_home (self->window);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "metrics.reset-zoom", FALSE);

  g_signal_connect_object (self->settings, "changed::iterator-age-warning-minutes",
                           G_CALLBACK (show_iterator_age_threshold), self, G_CONNECT_SWAPPED);
  hw_metrics_page_set_refresh_interval (self, g_settings_get_uint (self->settings,
                                                                   "refresh-interval"));
}
