/* hw-chart.c: a time-series chart drawn with GtkSnapshot
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "hw-chart-private.h"
#include "hw-error.h"
#include "hw-time.h"

/* Movement below this is a click, not a drag-to-zoom. */
#define DRAG_THRESHOLD_PX 4.0

enum {
  POINT_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (HwChart, hw_chart, GTK_TYPE_WIDGET)

static void
chart_series_free (gpointer data)
{
  HwChartSeries *cs = data;

  hw_series_unref (cs->series);
  g_free (cs->label);
  g_free (cs);
}

static void
threshold_free (gpointer data)
{
  HwChartThreshold *threshold = data;

  g_free (threshold->label);
  g_free (threshold);
}

static void
marker_free (gpointer data)
{
  HwChartMarker *marker = data;

  g_free (marker->label);
  g_free (marker);
}

GtkWidget *
hw_chart_new (void)
{
  return g_object_new (HW_TYPE_CHART, NULL);
}

static void
invalidate (HwChart *self)
{
  g_clear_pointer (&self->static_node, gsk_render_node_unref);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
update_accessible (HwChart *self)
{
  HwTimeRange range = hw_time_window_get_range (self->window);
  GString *description = g_string_new (NULL);

  /* Screen readers get the legend's numbers, the one part of a chart that
   * can be read aloud. */
  for (guint s = 0; s < self->series->len; s++)
    {
      HwChartSeries *cs = g_ptr_array_index (self->series, s);
      HwSeriesStats stats = hw_series_stats (cs->series, &range);
      g_autofree char *last = hw_chart_format_value (self, stats.last);
      g_autofree char *max = hw_chart_format_value (self, stats.max);

      /* TRANSLATORS: accessible description of one chart series */
      g_string_append_printf (description, _("%s: last %s, maximum %s. "), cs->label, last, max);
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  self->title != NULL ? self->title : _("Chart"),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description->str,
                                  -1);
  g_string_free (description, TRUE);
}

/* Public API ------------------------------------------------------------- */

HwTimeWindow *
hw_chart_get_time_window (HwChart *self)
{
  g_return_val_if_fail (HW_IS_CHART (self), NULL);

  return self->window;
}

static void
on_window_changed (HwChart *self)
{
  invalidate (self);
  update_accessible (self);
}

void
hw_chart_set_time_window (HwChart      *self,
                          HwTimeWindow *window)
{
  g_return_if_fail (HW_IS_CHART (self));
  g_return_if_fail (HW_IS_TIME_WINDOW (window));

  if (self->window == window)
    return;
  if (self->window != NULL)
    g_signal_handlers_disconnect_by_data (self->window, self);
  g_set_object (&self->window, window);
  g_signal_connect_swapped (window, "changed", G_CALLBACK (on_window_changed), self);
  g_signal_connect_swapped (window, "crosshair-changed", G_CALLBACK (gtk_widget_queue_draw), self);
  on_window_changed (self);
}

const char *
hw_chart_get_title (HwChart *self)
{
  g_return_val_if_fail (HW_IS_CHART (self), NULL);

  return self->title;
}

void
hw_chart_set_title (HwChart    *self,
                    const char *title)
{
  g_return_if_fail (HW_IS_CHART (self));

  g_free (self->title);
  self->title = g_strdup (title);
  update_accessible (self);
}

void
hw_chart_set_unit (HwChart    *self,
                   const char *unit)
{
  g_return_if_fail (HW_IS_CHART (self));

  g_free (self->unit);
  self->unit = g_strdup (unit);
  invalidate (self);
}

void
hw_chart_set_compact (HwChart  *self,
                      gboolean  compact)
{
  g_return_if_fail (HW_IS_CHART (self));

  self->compact = !!compact;
  gtk_widget_set_focusable (GTK_WIDGET (self), !compact);
  gtk_widget_queue_resize (GTK_WIDGET (self));
  invalidate (self);
}

void
hw_chart_set_whole_numbers (HwChart  *self,
                            gboolean  whole_numbers)
{
  g_return_if_fail (HW_IS_CHART (self));

  self->whole_numbers = !!whole_numbers;
  invalidate (self);
}

void
hw_chart_set_show_legend (HwChart  *self,
                          gboolean  show_legend)
{
  g_return_if_fail (HW_IS_CHART (self));

  self->hide_legend = !show_legend;
  gtk_widget_queue_resize (GTK_WIDGET (self));
  invalidate (self);
}

guint
hw_chart_add_series (HwChart      *self,
                     HwSeries     *series,
                     HwChartStyle  style,
                     const char   *label)
{
  HwChartSeries *cs;

  g_return_val_if_fail (HW_IS_CHART (self), 0);
  g_return_val_if_fail (series != NULL, 0);

  cs = g_new0 (HwChartSeries, 1);
  cs->series = hw_series_ref (series);
  cs->style = style;
  cs->label = g_strdup (label != NULL ? label : hw_series_get_name (series));
  hw_chart_series_color (self->series->len, &cs->color);
  g_ptr_array_add (self->series, cs);
  gtk_widget_queue_resize (GTK_WIDGET (self));
  hw_chart_data_changed (self);
  return self->series->len - 1;
}

guint
hw_chart_get_n_series (HwChart *self)
{
  g_return_val_if_fail (HW_IS_CHART (self), 0);

  return self->series->len;
}

HwSeries *
hw_chart_get_series (HwChart *self,
                     guint    index)
{
  g_return_val_if_fail (HW_IS_CHART (self), NULL);
  g_return_val_if_fail (index < self->series->len, NULL);

  return ((HwChartSeries *) g_ptr_array_index (self->series, index))->series;
}

void
hw_chart_clear_series (HwChart *self)
{
  g_return_if_fail (HW_IS_CHART (self));

  g_ptr_array_set_size (self->series, 0);
  gtk_widget_queue_resize (GTK_WIDGET (self));
  hw_chart_data_changed (self);
}

void
hw_chart_data_changed (HwChart *self)
{
  g_return_if_fail (HW_IS_CHART (self));

  invalidate (self);
  update_accessible (self);
}

static void
add_threshold (HwChart    *self,
               double      from,
               double      to,
               const char *label)
{
  HwChartThreshold *threshold = g_new0 (HwChartThreshold, 1);

  threshold->from = from;
  threshold->to = to;
  threshold->label = g_strdup (label);
  g_ptr_array_add (self->thresholds, threshold);
  invalidate (self);
}

void
hw_chart_add_threshold (HwChart    *self,
                        double      value,
                        const char *label)
{
  g_return_if_fail (HW_IS_CHART (self));

  add_threshold (self, value, value, label);
}

void
hw_chart_add_threshold_region (HwChart    *self,
                               double      from_value,
                               double      to_value,
                               const char *label)
{
  g_return_if_fail (HW_IS_CHART (self));

  add_threshold (self, MIN (from_value, to_value), MAX (from_value, to_value), label);
}

void
hw_chart_clear_thresholds (HwChart *self)
{
  g_return_if_fail (HW_IS_CHART (self));

  g_ptr_array_set_size (self->thresholds, 0);
  invalidate (self);
}

void
hw_chart_set_anomaly_band (HwChart  *self,
                           HwSeries *lower,
                           HwSeries *upper)
{
  g_return_if_fail (HW_IS_CHART (self));
  g_return_if_fail ((lower == NULL) == (upper == NULL));

  g_clear_pointer (&self->band_lower, hw_series_unref);
  g_clear_pointer (&self->band_upper, hw_series_unref);
  if (lower != NULL)
    {
      self->band_lower = hw_series_ref (lower);
      self->band_upper = hw_series_ref (upper);
    }
  invalidate (self);
}

void
hw_chart_add_marker (HwChart           *self,
                     gint64             t_ms,
                     HwChartMarkerKind  kind,
                     const char        *label)
{
  HwChartMarker *marker;

  g_return_if_fail (HW_IS_CHART (self));

  marker = g_new0 (HwChartMarker, 1);
  marker->t_ms = t_ms;
  marker->kind = kind;
  marker->label = g_strdup (label);
  g_ptr_array_add (self->markers, marker);
  invalidate (self);
}

void
hw_chart_clear_markers (HwChart *self)
{
  g_return_if_fail (HW_IS_CHART (self));

  g_ptr_array_set_size (self->markers, 0);
  invalidate (self);
}

guint
hw_chart_get_drawn_columns (HwChart *self)
{
  g_return_val_if_fail (HW_IS_CHART (self), 0);

  return self->drawn_columns;
}

guint
hw_chart_get_render_count (HwChart *self)
{
  g_return_val_if_fail (HW_IS_CHART (self), 0);

  return self->render_count;
}

char *
hw_chart_dup_values_text (HwChart *self,
                          gint64   t_ms)
{
  g_autoptr(GDateTime) when = NULL;
  GString *text;

  g_return_val_if_fail (HW_IS_CHART (self), NULL);

  when = g_date_time_new_from_unix_local (t_ms / 1000);
  text = g_string_new (NULL);
  if (when != NULL)
    {
      g_autofree char *formatted = g_date_time_format (when, "%e %b %H:%M:%S");

      g_string_append (text, g_strstrip (formatted));
    }
  for (guint s = 0; s < self->series->len; s++)
    {
      HwChartSeries *cs = g_ptr_array_index (self->series, s);
      g_autofree char *value = hw_chart_format_value (self, hw_series_value_at (cs->series, t_ms,
                                                                                 NULL));

      g_string_append_printf (text, "\n%s: %s", cs->label, value);
    }
  return g_string_free (text, FALSE);
}

/* Rendering -------------------------------------------------------------- */

static void
hw_chart_snapshot (GtkWidget   *widget,
                   GtkSnapshot *snapshot)
{
  HwChart *self = HW_CHART (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  if (width <= 0 || height <= 0)
    return;
  if (self->static_node == NULL || width != self->cached_width || height != self->cached_height)
    {
      GtkSnapshot *layers = gtk_snapshot_new ();

      g_clear_pointer (&self->static_node, gsk_render_node_unref);
      hw_chart_render_static (self, layers, width, height);
      self->static_node = gtk_snapshot_free_to_node (layers);
      self->cached_width = width;
      self->cached_height = height;
    }
  if (self->static_node != NULL)
    gtk_snapshot_append_node (snapshot, self->static_node);
  hw_chart_render_overlay (self, snapshot, width, height);
}

static void
hw_chart_measure (GtkWidget      *widget,
                  GtkOrientation  orientation,
                  int             for_size,
                  int            *minimum,
                  int            *natural,
                  int            *minimum_baseline,
                  int            *natural_baseline)
{
  HwChart *self = HW_CHART (widget);
  int legend = (int) ceil (hw_chart_legend_height (self));

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = self->compact ? 40 : 160;
      *natural = self->compact ? 120 : 480;
    }
  else
    {
      *minimum = self->compact ? 24 : 120 + legend;
      *natural = self->compact ? 40 : 220 + legend;
    }
}

static gboolean
hw_chart_query_tooltip (GtkWidget  *widget,
                        int         x,
                        int         y,
                        gboolean    keyboard_mode,
                        GtkTooltip *tooltip)
{
  HwChart *self = HW_CHART (widget);
  const graphene_rect_t *plot = &self->layout.plot;
  HwTimeRange range = hw_time_window_get_range (self->window);
  g_autofree char *text = NULL;

  if (self->series->len == 0 || !graphene_rect_contains_point (plot, &GRAPHENE_POINT_INIT (x, y)))
    return FALSE;
  text = hw_chart_dup_values_text (self, hw_time_range_from_x (&range, plot->size.width,
                                                               x - plot->origin.x));
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

/* Pointer and keyboard --------------------------------------------------- */

static gint64
time_at_x (HwChart *self,
           double   x)
{
  HwTimeRange range = hw_time_window_get_range (self->window);
  const graphene_rect_t *plot = &self->layout.plot;

  return hw_time_range_from_x (&range, plot->size.width, x - plot->origin.x);
}

static void
on_motion (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           HwChart                  *self)
{
  if (!graphene_rect_contains_point (&self->layout.plot, &GRAPHENE_POINT_INIT (x, y)))
    {
      hw_time_window_set_crosshair (self->window, HW_NO_CROSSHAIR);
      return;
    }
  hw_time_window_set_crosshair (self->window, time_at_x (self, x));
}

static void
on_leave (GtkEventControllerMotion *controller,
          HwChart                  *self)
{
  hw_time_window_set_crosshair (self->window, HW_NO_CROSSHAIR);
}

static void
on_drag_begin (GtkGestureDrag *gesture,
               double          x,
               double          y,
               HwChart        *self)
{
  if (self->compact || !graphene_rect_contains_point (&self->layout.plot, &GRAPHENE_POINT_INIT (x, y)))
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  self->drag_start_x = self->drag_current_x = x;
  gtk_widget_grab_focus (GTK_WIDGET (self));
}

static void
on_drag_update (GtkGestureDrag *gesture,
                double          offset_x,
                double          offset_y,
                HwChart        *self)
{
  if (self->drag_start_x < 0)
    return;
  self->drag_current_x = self->drag_start_x + offset_x;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_drag_end (GtkGestureDrag *gesture,
             double          offset_x,
             double          offset_y,
             HwChart        *self)
{
  const graphene_rect_t *plot = &self->layout.plot;
  double start = self->drag_start_x;

  if (start < 0)
    return;
  self->drag_start_x = -1;
  gtk_widget_queue_draw (GTK_WIDGET (self));

  if (fabs (offset_x) < DRAG_THRESHOLD_PX)
    {
      g_signal_emit (self, signals[POINT_ACTIVATED], 0, time_at_x (self, start));
      return;
    }
  {
    HwTimeRange range = hw_time_window_get_range (self->window);
    HwTimeRange selected = hw_time_range_select (&range, plot->size.width,
                                                 start - plot->origin.x,
                                                 CLAMP (start + offset_x, plot->origin.x,
                                                        plot->origin.x + plot->size.width)
                                                 - plot->origin.x);

    hw_time_window_set_range (self->window, &selected);
  }
}

static void
on_click_pressed (GtkGestureClick *gesture,
                  int              n_press,
                  double           x,
                  double           y,
                  HwChart         *self)
{
  if (n_press == 2 && !self->compact)
    hw_time_window_reset (self->window);
}

static gboolean
on_scroll (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           HwChart                  *self)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));
  HwTimeRange range = hw_time_window_get_range (self->window);
  gint64 anchor = hw_time_window_get_crosshair (self->window);

  if (self->compact)
    return FALSE;
  if ((state & GDK_SHIFT_MASK) || fabs (dx) > fabs (dy))
    {
      hw_time_window_pan (self->window, 0.1 * (fabs (dx) > fabs (dy) ? dx : dy));
      return TRUE;
    }
  if (anchor == HW_NO_CROSSHAIR)
    anchor = range.from_ms + (range.to_ms - range.from_ms) / 2;
  hw_time_window_zoom (self->window, anchor, pow (1.25, dy));
  return TRUE;
}

static gboolean
zoom_shortcut (GtkWidget *widget,
               GVariant  *args,
               gpointer   user_data)
{
  HwChart *self = HW_CHART (widget);
  HwTimeRange range = hw_time_window_get_range (self->window);

  hw_time_window_zoom (self->window, range.from_ms + (range.to_ms - range.from_ms) / 2,
                       g_variant_get_double (args));
  return TRUE;
}

static gboolean
pan_shortcut (GtkWidget *widget,
              GVariant  *args,
              gpointer   user_data)
{
  hw_time_window_pan (HW_CHART (widget)->window, g_variant_get_double (args));
  return TRUE;
}

static gboolean
reset_shortcut (GtkWidget *widget,
                GVariant  *args,
                gpointer   user_data)
{
  HwChart *self = HW_CHART (widget);

  if (!hw_time_window_is_zoomed (self->window))
    return FALSE;
  hw_time_window_reset (self->window);
  return TRUE;
}

/* Life cycle ------------------------------------------------------------- */

static void
hw_chart_dispose (GObject *object)
{
  HwChart *self = HW_CHART (object);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  if (self->window != NULL)
    g_signal_handlers_disconnect_by_data (self->window, self);
  g_clear_object (&self->window);
  g_clear_pointer (&self->static_node, gsk_render_node_unref);

  G_OBJECT_CLASS (hw_chart_parent_class)->dispose (object);
}

static void
hw_chart_finalize (GObject *object)
{
  HwChart *self = HW_CHART (object);

  g_ptr_array_unref (self->series);
  g_ptr_array_unref (self->thresholds);
  g_ptr_array_unref (self->markers);
  g_clear_pointer (&self->band_lower, hw_series_unref);
  g_clear_pointer (&self->band_upper, hw_series_unref);
  g_free (self->columns);
  g_free (self->title);
  g_free (self->unit);

  G_OBJECT_CLASS (hw_chart_parent_class)->finalize (object);
}

static void
hw_chart_css_changed (GtkWidget         *widget,
                      GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (hw_chart_parent_class)->css_changed (widget, change);
  /* Text colours follow the light or dark style. */
  invalidate (HW_CHART (widget));
}

static void
hw_chart_class_init (HwChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hw_chart_dispose;
  object_class->finalize = hw_chart_finalize;
  widget_class->snapshot = hw_chart_snapshot;
  widget_class->measure = hw_chart_measure;
  widget_class->query_tooltip = hw_chart_query_tooltip;
  widget_class->css_changed = hw_chart_css_changed;

  signals[POINT_ACTIVATED] = g_signal_new ("point-activated", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 1, G_TYPE_INT64);

  gtk_widget_class_set_css_name (widget_class, "chart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);

  gtk_widget_class_install_action (widget_class, "chart.export-png", NULL, hw_chart_export_action);
  gtk_widget_class_install_action (widget_class, "chart.export-svg", NULL, hw_chart_export_action);
  gtk_widget_class_install_action (widget_class, "chart.export-csv", NULL, hw_chart_export_action);
  gtk_widget_class_install_action (widget_class, "chart.export-json", NULL, hw_chart_export_action);

  gtk_widget_class_add_binding (widget_class, GDK_KEY_plus, 0, zoom_shortcut, "d", 0.8);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_equal, 0, zoom_shortcut, "d", 0.8);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_KP_Add, 0, zoom_shortcut, "d", 0.8);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_minus, 0, zoom_shortcut, "d", 1.25);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_KP_Subtract, 0, zoom_shortcut, "d", 1.25);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Left, 0, pan_shortcut, "d", -0.1);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Right, 0, pan_shortcut, "d", 0.1);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Escape, 0, reset_shortcut, NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_0, 0, reset_shortcut, NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK,
                                       "chart.export-png", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "chart.export-csv", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK | GDK_ALT_MASK,
                                       "chart.export-svg", NULL);
}

static void
hw_chart_init (HwChart *self)
{
  GtkEventController *motion, *scroll;
  GtkGesture *drag, *click, *context;
  g_autoptr(HwTimeWindow) window = hw_time_window_new (g_get_real_time () / 1000 - 3600 * 1000,
                                                       g_get_real_time () / 1000);

  self->series = g_ptr_array_new_with_free_func (chart_series_free);
  self->thresholds = g_ptr_array_new_with_free_func (threshold_free);
  self->markers = g_ptr_array_new_with_free_func (marker_free);
  self->drag_start_x = -1;
  hw_chart_set_time_window (self, window);

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);

  motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);

  scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect (scroll, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (GTK_WIDGET (self), scroll);

  drag = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), GDK_BUTTON_PRIMARY);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect (click, "pressed", G_CALLBACK (on_click_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  context = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (context), GDK_BUTTON_SECONDARY);
  g_signal_connect (context, "pressed", G_CALLBACK (hw_chart_on_context_menu), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (context));
}
