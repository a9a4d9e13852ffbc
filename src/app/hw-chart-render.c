/* hw-chart-render.c: HwChart's drawing: axes, layers, legend and overlays
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "hw-chart-private.h"

#define AXIS_LEFT      56.0
#define AXIS_BOTTOM    22.0
#define MARKER_TOP     16.0
#define PAD            6.0
#define LEGEND_ROW     20.0
#define LEGEND_NUMBER  84.0

/* The libadwaita palette, so charts match the rest of GNOME in both styles. */
static const char * const palette[] = {
  "#3584e4", "#2ec27e", "#e5a50a", "#c061cb", "#e66100", "#1c71d8", "#26a269", "#986a44",
};

void
hw_chart_series_color (guint    index,
                       GdkRGBA *color)
{
  gdk_rgba_parse (color, palette[index % G_N_ELEMENTS (palette)]);
}

static void
marker_color (HwChartMarkerKind kind,
              GdkRGBA          *color)
{
  switch (kind)
    {
    case HW_CHART_MARKER_DEPLOYMENT:
      gdk_rgba_parse (color, "#1c71d8");
      break;
    case HW_CHART_MARKER_INCIDENT:
      gdk_rgba_parse (color, "#e01b24");
      break;
    case HW_CHART_MARKER_ALERT:
      gdk_rgba_parse (color, "#e66100");
      break;
    case HW_CHART_MARKER_OTHER:
    default:
      gdk_rgba_parse (color, "#77767b");
      break;
    }
}

static void
foreground_color (HwChart *self,
                  double   alpha,
                  GdkRGBA *color)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), color);
  G_GNUC_END_IGNORE_DEPRECATIONS
  color->alpha *= alpha;
}

char *
hw_chart_format_value (HwChart *self,
                       double   value)
{
  const char *unit = self->unit != NULL ? self->unit : "";
  double abs_value = fabs (value);

  if (isnan (value))
    return g_strdup ("—");

  if (g_str_equal (unit, "ms") || g_str_equal (unit, "s"))
    {
      double ms = g_str_equal (unit, "s") ? value * 1000.0 : value;

      if (fabs (ms) < 1000.0)
        return g_strdup_printf ("%.0f ms", ms);
      if (fabs (ms) < 60000.0)
        return g_strdup_printf ("%.1f s", ms / 1000.0);
      if (fabs (ms) < 3600000.0)
        return g_strdup_printf ("%.1f min", ms / 60000.0);
      return g_strdup_printf ("%.1f h", ms / 3600000.0);
    }
  if (g_str_equal (unit, "B"))
    return value < 0 ? g_strdup_printf ("%.0f B", value) : g_format_size ((guint64) value);

  if (abs_value >= 1e9)
    return g_strdup_printf ("%.1fG%s", value / 1e9, unit);
  if (abs_value >= 1e6)
    return g_strdup_printf ("%.1fM%s", value / 1e6, unit);
  if (abs_value >= 1e4)
    return g_strdup_printf ("%.1fk%s", value / 1e3, unit);
  if (abs_value >= 100 || value == floor (value))
    return g_strdup_printf ("%.0f%s", value, unit);
  return g_strdup_printf ("%.3g%s", value, unit);
}

double
hw_chart_legend_height (HwChart *self)
{
  if (self->compact || self->hide_legend || self->series->len == 0)
    return 0.0;
  return (self->series->len + 1) * LEGEND_ROW + PAD;
}

static double
nice_step (double span,
           double target_ticks)
{
  double raw = span / target_ticks;
  double magnitude = pow (10.0, floor (log10 (raw)));
  double norm = raw / magnitude;

  if (norm < 1.5)
    return magnitude;
  if (norm < 3.0)
    return 2.0 * magnitude;
  if (norm < 7.0)
    return 5.0 * magnitude;
  return 10.0 * magnitude;
}

/* The smallest step the unit's format shows: bytes and milliseconds are
 * written without decimals, so a step of half of one gave "0 bytes" twice. */
static double
unit_resolution (HwChart *self)
{
  const char *unit = self->unit != NULL ? self->unit : "";

  if (self->whole_numbers || g_str_equal (unit, "B") || g_str_equal (unit, "ms"))
    return 1.0;
  if (g_str_equal (unit, "s"))
    return 0.001;
  return 0.0;
}

GArray *
hw_chart_y_ticks (HwChart *self,
                  double   y_min,
                  double   y_max,
                  double   target_ticks)
{
  GArray *ticks = g_array_new (FALSE, FALSE, sizeof (double));
  double step = MAX (nice_step (y_max - y_min, target_ticks), unit_resolution (self));

  for (double v = ceil (y_min / step) * step; v <= y_max; v += step)
    g_array_append_val (ticks, v);
  return ticks;
}

static HwSeriesColumn *
series_columns (HwChart *self,
                guint    series_index,
                guint    n_columns)
{
  return self->columns + (gsize) series_index * n_columns;
}

/* Downsamples every series once per static render; the y range comes from
 * the same columns so it always fits what is drawn. */
static void
downsample_all (HwChart             *self,
                const HwTimeRange   *range,
                guint                n_columns,
                double              *y_min,
                double              *y_max)
{
  guint needed = (self->series->len + 2) * n_columns;
  double lo = INFINITY, hi = -INFINITY;
  gboolean from_zero = FALSE;

  if (needed > self->n_columns_alloc)
    {
      self->columns = g_renew (HwSeriesColumn, self->columns, needed);
      self->n_columns_alloc = needed;
    }

  self->drawn_columns = 0;
  for (guint s = 0; s < self->series->len; s++)
    {
      HwChartSeries *cs = g_ptr_array_index (self->series, s);
      HwSeriesColumn *cols = series_columns (self, s, n_columns);

      hw_series_downsample (cs->series, range, cols, n_columns);
      if (cs->style != HW_CHART_LINE)
        from_zero = TRUE;
      for (guint c = 0; c < n_columns; c++)
        {
          if (!(cols[c].flags & HW_COLUMN_HAS_DATA))
            continue;
          self->drawn_columns++;
          lo = MIN (lo, cols[c].min);
          hi = MAX (hi, cols[c].max);
        }
    }
  if (self->band_lower != NULL && self->band_upper != NULL)
    {
      HwSeriesColumn *lower = series_columns (self, self->series->len, n_columns);
      HwSeriesColumn *upper = series_columns (self, self->series->len + 1, n_columns);

      hw_series_downsample (self->band_lower, range, lower, n_columns);
      hw_series_downsample (self->band_upper, range, upper, n_columns);
      for (guint c = 0; c < n_columns; c++)
        {
          if (lower[c].flags & HW_COLUMN_HAS_DATA)
            lo = MIN (lo, lower[c].min);
          if (upper[c].flags & HW_COLUMN_HAS_DATA)
            hi = MAX (hi, upper[c].max);
        }
    }
  for (guint i = 0; i < self->thresholds->len; i++)
    {
      HwChartThreshold *threshold = g_ptr_array_index (self->thresholds, i);

      lo = MIN (lo, threshold->from);
      hi = MAX (hi, threshold->to);
    }

  if (!isfinite (lo) || !isfinite (hi))
    {
      lo = 0.0;
      hi = 1.0;
    }
  if (from_zero || lo > 0.0)
    lo = MIN (lo, 0.0);
  if (hi - lo < 1e-9)
    hi = lo + 1.0;
  *y_min = lo;
  /* Headroom so a peak does not touch the frame. */
  *y_max = hi + (hi - lo) * 0.08;
}

void
hw_chart_compute_layout (HwChart       *self,
                         int            width,
                         int            height,
                         HwChartLayout *layout)
{
  double legend = hw_chart_legend_height (self);

  if (self->compact)
    {
      graphene_rect_init (&layout->plot, 1, 2, MAX (width - 2, 1), MAX (height - 4, 1));
      graphene_rect_init (&layout->legend, 0, height, width, 0);
      return;
    }
  graphene_rect_init (&layout->plot, AXIS_LEFT, MARKER_TOP,
                      MAX (width - AXIS_LEFT - PAD, 1),
                      MAX (height - MARKER_TOP - AXIS_BOTTOM - legend, 1));
  graphene_rect_init (&layout->legend, PAD, height - legend, MAX (width - 2 * PAD, 1), legend);
}

static double
value_to_y (const HwChartLayout *layout,
            double               value)
{
  double t = (value - layout->y_min) / (layout->y_max - layout->y_min);

  return layout->plot.origin.y + layout->plot.size.height * (1.0 - t);
}

static void
draw_text (HwChart        *self,
           GtkSnapshot    *snapshot,
           const char     *text,
           double          x,
           double          y,
           double          x_align,
           const GdkRGBA  *color,
           gboolean        small)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  PangoAttrList *attrs = pango_attr_list_new ();
  int w, h;

  pango_attr_list_insert (attrs, pango_attr_scale_new (small ? 0.8 : 0.9));
  pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum=1"));
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);
  pango_layout_get_pixel_size (layout, &w, &h);

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (round (x - w * x_align), round (y)));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

static void
draw_grid_and_axes (HwChart             *self,
                    GtkSnapshot         *snapshot,
                    const HwTimeRange   *range,
                    const HwChartLayout *layout)
{
  static const gint64 steps[] = {
    1000, 2000, 5000, 10000, 15000, 30000, 60000, 120000, 300000, 600000, 900000, 1800000,
    3600000, 7200000, 10800000, 21600000, 43200000, 86400000, 172800000, 604800000,
  };
  const graphene_rect_t *plot = &layout->plot;
  GdkRGBA grid, text;
  g_autoptr(GArray) ticks = hw_chart_y_ticks (self, layout->y_min, layout->y_max,
                                              MAX (plot->size.height / 48.0, 2.0));
  gint64 span = range->to_ms - range->from_ms;
  gint64 t_step = steps[G_N_ELEMENTS (steps) - 1];
  g_autoptr(GDateTime) local = NULL;
  gint64 offset_ms;

  foreground_color (self, 0.1, &grid);
  foreground_color (self, 0.65, &text);

  for (guint i = 0; i < ticks->len; i++)
    {
      double v = g_array_index (ticks, double, i);
      double y = round (value_to_y (layout, v));
      g_autofree char *label = hw_chart_format_value (self, v);

      gtk_snapshot_append_color (snapshot, &grid,
                                 &GRAPHENE_RECT_INIT (plot->origin.x, y, plot->size.width, 1));
      draw_text (self, snapshot, label, plot->origin.x - 6, y - 8, 1.0, &text, TRUE);
    }

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    if ((double) steps[i] * plot->size.width / (double) span >= 90.0)
      {
        t_step = steps[i];
        break;
      }

  /* Ticks fall on round local times (whole hours, midnights). */
  local = g_date_time_new_from_unix_local (range->from_ms / 1000);
  offset_ms = local != NULL ? g_date_time_get_utc_offset (local) / 1000 : 0;
  for (gint64 t = ((range->from_ms + offset_ms) / t_step + 1) * t_step - offset_ms;
       t < range->to_ms; t += t_step)
    {
      double x = round (plot->origin.x + hw_time_range_to_x (range, plot->size.width, t));
      g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (t / 1000);
      g_autofree char *label = NULL;

      if (when == NULL)
        continue;
      if (t_step < 60000)
        label = g_date_time_format (when, "%H:%M:%S");
      else if (t_step < 86400000)
        label = g_date_time_format (when, "%H:%M");
      else
        label = g_date_time_format (when, "%e %b");
      gtk_snapshot_append_color (snapshot, &grid,
                                 &GRAPHENE_RECT_INIT (x, plot->origin.y, 1, plot->size.height));
      draw_text (self, snapshot, label, x, plot->origin.y + plot->size.height + 3, 0.5, &text, TRUE);
    }
}

static void
draw_threshold_regions (HwChart             *self,
                        GtkSnapshot         *snapshot,
                        const HwChartLayout *layout)
{
  GdkRGBA fill;

  gdk_rgba_parse (&fill, "rgba(230,97,0,0.10)");
  for (guint i = 0; i < self->thresholds->len; i++)
    {
      HwChartThreshold *threshold = g_ptr_array_index (self->thresholds, i);
      double y1, y2;

      if (threshold->to <= threshold->from)
        continue;
      y1 = value_to_y (layout, MIN (threshold->to, layout->y_max));
      y2 = value_to_y (layout, MAX (threshold->from, layout->y_min));
      gtk_snapshot_append_color (snapshot, &fill,
                                 &GRAPHENE_RECT_INIT (layout->plot.origin.x, y1,
                                                      layout->plot.size.width, y2 - y1));
    }
}

static void
draw_threshold_lines (HwChart             *self,
                      GtkSnapshot         *snapshot,
                      const HwChartLayout *layout)
{
  GdkRGBA color;

  gdk_rgba_parse (&color, "#e66100");
  for (guint i = 0; i < self->thresholds->len; i++)
    {
      HwChartThreshold *threshold = g_ptr_array_index (self->thresholds, i);
      double y;

      if (threshold->to > threshold->from)
        continue;
      y = round (value_to_y (layout, threshold->from));
      /* Dashes as colour rects: no cairo surface for a straight line. */
      for (double x = layout->plot.origin.x; x < layout->plot.origin.x + layout->plot.size.width; x += 8)
        gtk_snapshot_append_color (snapshot, &color, &GRAPHENE_RECT_INIT (x, y, 5, 1));
      if (!self->compact && threshold->label != NULL)
        draw_text (self, snapshot, threshold->label,
                   layout->plot.origin.x + layout->plot.size.width - 4, y - 15, 1.0, &color, TRUE);
    }
}

static void
draw_band (HwChart             *self,
           cairo_t             *cr,
           const HwChartLayout *layout,
           guint                n_columns)
{
  HwSeriesColumn *lower = series_columns (self, self->series->len, n_columns);
  HwSeriesColumn *upper = series_columns (self, self->series->len + 1, n_columns);
  GdkRGBA fill;
  guint c = 0;

  hw_chart_series_color (0, &fill);
  fill.alpha = 0.14;
  gdk_cairo_set_source_rgba (cr, &fill);

  /* One polygon per run of columns where both bounds exist. */
  while (c < n_columns)
    {
      guint start, end;

      while (c < n_columns && !((lower[c].flags & upper[c].flags) & HW_COLUMN_HAS_DATA))
        c++;
      start = c;
      while (c < n_columns && ((lower[c].flags & upper[c].flags) & HW_COLUMN_HAS_DATA))
        c++;
      end = c;
      if (end <= start)
        continue;
      cairo_move_to (cr, layout->plot.origin.x + start + 0.5, value_to_y (layout, upper[start].max));
      for (guint i = start + 1; i < end; i++)
        cairo_line_to (cr, layout->plot.origin.x + i + 0.5, value_to_y (layout, upper[i].max));
      for (guint i = end; i > start; i--)
        cairo_line_to (cr, layout->plot.origin.x + i - 0.5, value_to_y (layout, lower[i - 1].min));
      cairo_close_path (cr);
      cairo_fill (cr);
    }
}

static void
draw_area_fill (cairo_t              *cr,
                const HwChartLayout  *layout,
                const HwSeriesColumn *cols,
                guint                 n_columns,
                const GdkRGBA        *color)
{
  double base = value_to_y (layout, MAX (0.0, layout->y_min));
  GdkRGBA fill = *color;
  gboolean open = FALSE;
  double last_x = 0;

  fill.alpha = 0.22;
  gdk_cairo_set_source_rgba (cr, &fill);
  for (guint c = 0; c < n_columns; c++)
    {
      double x = layout->plot.origin.x + c + 0.5;

      if (!(cols[c].flags & HW_COLUMN_HAS_DATA))
        continue;
      if (open && (cols[c].flags & HW_COLUMN_BREAK_BEFORE))
        {
          cairo_line_to (cr, last_x, base);
          cairo_close_path (cr);
          open = FALSE;
        }
      if (!open)
        {
          cairo_move_to (cr, x, base);
          open = TRUE;
        }
      cairo_line_to (cr, x, value_to_y (layout, cols[c].max));
      last_x = x;
    }
  if (open)
    {
      cairo_line_to (cr, last_x, base);
      cairo_close_path (cr);
    }
  cairo_fill (cr);
}

static void
draw_line (cairo_t              *cr,
           const HwChartLayout  *layout,
           const HwSeriesColumn *cols,
           guint                 n_columns,
           const GdkRGBA        *color,
           double                width)
{
  gboolean started = FALSE;

  gdk_cairo_set_source_rgba (cr, color);
  cairo_set_line_width (cr, width);
  /* Round caps turn an isolated point between two gaps into a dot. */
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (guint c = 0; c < n_columns; c++)
    {
      const HwSeriesColumn *col = &cols[c];
      double x = layout->plot.origin.x + c + 0.5;

      if (!(col->flags & HW_COLUMN_HAS_DATA))
        continue;
      if (!started || (col->flags & HW_COLUMN_BREAK_BEFORE))
        cairo_move_to (cr, x, value_to_y (layout, col->first));
      else
        cairo_line_to (cr, x, value_to_y (layout, col->first));
      if (col->min != col->max)
        {
          cairo_line_to (cr, x, value_to_y (layout, col->min));
          cairo_line_to (cr, x, value_to_y (layout, col->max));
        }
      cairo_line_to (cr, x, value_to_y (layout, col->last));
      started = TRUE;
    }
  cairo_stroke (cr);
}

static void
draw_columns (GtkSnapshot          *snapshot,
              const HwChartLayout  *layout,
              HwChartSeries        *cs,
              const HwTimeRange    *range,
              const HwSeriesColumn *cols,
              guint                 n_columns)
{
  double base = value_to_y (layout, MAX (0.0, layout->y_min));
  gint64 step_ms = hw_series_get_gap_threshold (cs->series);
  double bar;

  if (step_ms <= 0 && hw_series_get_length (cs->series) >= 2)
    step_ms = hw_series_get_time (cs->series, 1) - hw_series_get_time (cs->series, 0);
  bar = step_ms > 0 ? (double) step_ms * n_columns / (double) (range->to_ms - range->from_ms) : 1.0;
  bar = MAX (1.0, bar > 3.0 ? bar - 1.0 : bar);
  for (guint c = 0; c < n_columns; c++)
    {
      double top;

      if (!(cols[c].flags & HW_COLUMN_HAS_DATA))
        continue;
      top = value_to_y (layout, cols[c].max);
      gtk_snapshot_append_color (snapshot, &cs->color,
                                 &GRAPHENE_RECT_INIT (layout->plot.origin.x + c, MIN (top, base),
                                                      MIN (bar, n_columns - c), fabs (base - top)));
    }
}

static void
draw_markers (HwChart             *self,
              GtkSnapshot         *snapshot,
              const HwTimeRange   *range,
              const HwChartLayout *layout)
{
  for (guint i = 0; i < self->markers->len; i++)
    {
      HwChartMarker *marker = g_ptr_array_index (self->markers, i);
      GdkRGBA color;
      double x;

      if (marker->t_ms < range->from_ms || marker->t_ms >= range->to_ms)
        continue;
      marker_color (marker->kind, &color);
      x = round (layout->plot.origin.x + hw_time_range_to_x (range, layout->plot.size.width,
                                                             marker->t_ms));
      color.alpha = 0.8;
      gtk_snapshot_append_color (snapshot, &color,
                                 &GRAPHENE_RECT_INIT (x, layout->plot.origin.y - 4, 1,
                                                      layout->plot.size.height + 4));
      gtk_snapshot_append_color (snapshot, &color,
                                 &GRAPHENE_RECT_INIT (x - 3, layout->plot.origin.y - 6, 7, 4));
      if (!self->compact && marker->label != NULL)
        draw_text (self, snapshot, marker->label, x + 5, 0, 0.0, &color, TRUE);
    }
}

static void
draw_legend (HwChart             *self,
             GtkSnapshot         *snapshot,
             const HwTimeRange   *range,
             const HwChartLayout *layout)
{
  static const char *headers[] = { N_("Last"), N_("Min"), N_("Max"), N_("Mean") };
  const graphene_rect_t *box = &layout->legend;
  double right = box->origin.x + box->size.width;
  double y = box->origin.y + PAD;
  GdkRGBA dim, text;

  if (self->compact || self->hide_legend || self->series->len == 0)
    return;
  foreground_color (self, 0.55, &dim);
  foreground_color (self, 0.9, &text);

  for (guint h = 0; h < G_N_ELEMENTS (headers); h++)
    draw_text (self, snapshot, _(headers[h]),
               right - (G_N_ELEMENTS (headers) - 1 - h) * LEGEND_NUMBER, y, 1.0, &dim, TRUE);
  y += LEGEND_ROW;

  for (guint s = 0; s < self->series->len; s++, y += LEGEND_ROW)
    {
      HwChartSeries *cs = g_ptr_array_index (self->series, s);
      HwSeriesStats stats = hw_series_stats (cs->series, range);
      double values[] = { stats.last, stats.min, stats.max, stats.mean };

      gtk_snapshot_append_color (snapshot, &cs->color,
                                 &GRAPHENE_RECT_INIT (box->origin.x + 2, y + 5, 10, 10));
      gtk_snapshot_push_clip (snapshot,
                              &GRAPHENE_RECT_INIT (box->origin.x, y,
                                                   MAX (box->size.width - 4 * LEGEND_NUMBER, 0),
                                                   LEGEND_ROW));
      draw_text (self, snapshot, cs->label, box->origin.x + 18, y + 1, 0.0, &text, FALSE);
      gtk_snapshot_pop (snapshot);
      for (guint v = 0; v < G_N_ELEMENTS (values); v++)
        {
          g_autofree char *formatted = hw_chart_format_value (self, values[v]);

          draw_text (self, snapshot, formatted,
                     right - (G_N_ELEMENTS (values) - 1 - v) * LEGEND_NUMBER, y + 1, 1.0, &text,
                     FALSE);
        }
    }
}

void
hw_chart_render_static (HwChart     *self,
                        GtkSnapshot *snapshot,
                        int          width,
                        int          height)
{
  HwTimeRange range = hw_time_window_get_range (self->window);
  HwChartLayout *layout = &self->layout;
  const graphene_rect_t *plot;
  guint n_columns;
  cairo_t *cr;

  hw_chart_compute_layout (self, width, height, layout);
  plot = &layout->plot;
  n_columns = MAX ((guint) plot->size.width, 1);
  downsample_all (self, &range, n_columns, &layout->y_min, &layout->y_max);
  self->render_count++;

  if (!self->compact)
    draw_grid_and_axes (self, snapshot, &range, layout);
  draw_threshold_regions (self, snapshot, layout);

  gtk_snapshot_push_clip (snapshot, plot);
  for (guint s = 0; s < self->series->len; s++)
    {
      HwChartSeries *cs = g_ptr_array_index (self->series, s);

      if (cs->style == HW_CHART_COLUMNS)
        draw_columns (snapshot, layout, cs, &range, series_columns (self, s, n_columns), n_columns);
    }
  cr = gtk_snapshot_append_cairo (snapshot, plot);
  if (self->band_lower != NULL && self->band_upper != NULL)
    draw_band (self, cr, layout, n_columns);
  for (guint s = 0; s < self->series->len; s++)
    {
      HwChartSeries *cs = g_ptr_array_index (self->series, s);
      HwSeriesColumn *cols = series_columns (self, s, n_columns);

      if (cs->style == HW_CHART_AREA)
        draw_area_fill (cr, layout, cols, n_columns, &cs->color);
      if (cs->style != HW_CHART_COLUMNS)
        draw_line (cr, layout, cols, n_columns, &cs->color, self->compact ? 1.25 : 1.5);
    }
  cairo_destroy (cr);
  gtk_snapshot_pop (snapshot);

  draw_threshold_lines (self, snapshot, layout);
  draw_markers (self, snapshot, &range, layout);

  if (self->drawn_columns == 0 && !self->compact)
    {
      GdkRGBA dim;

      foreground_color (self, 0.5, &dim);
      draw_text (self, snapshot, _("No data in this time range"),
                 plot->origin.x + plot->size.width / 2, plot->origin.y + plot->size.height / 2 - 9,
                 0.5, &dim, FALSE);
    }
  draw_legend (self, snapshot, &range, layout);
}

void
hw_chart_render_overlay (HwChart     *self,
                         GtkSnapshot *snapshot,
                         int          width,
                         int          height)
{
  HwTimeRange range = hw_time_window_get_range (self->window);
  const HwChartLayout *layout = &self->layout;
  const graphene_rect_t *plot = &layout->plot;
  gint64 crosshair = hw_time_window_get_crosshair (self->window);

  if (self->drag_start_x >= 0)
    {
      GdkRGBA fill;
      double x1 = CLAMP (MIN (self->drag_start_x, self->drag_current_x), plot->origin.x,
                         plot->origin.x + plot->size.width);
      double x2 = CLAMP (MAX (self->drag_start_x, self->drag_current_x), plot->origin.x,
                         plot->origin.x + plot->size.width);

      hw_chart_series_color (0, &fill);
      fill.alpha = 0.2;
      gtk_snapshot_append_color (snapshot, &fill,
                                 &GRAPHENE_RECT_INIT (x1, plot->origin.y, x2 - x1, plot->size.height));
    }

  if (crosshair != HW_NO_CROSSHAIR && crosshair >= range.from_ms && crosshair < range.to_ms)
    {
      double x = round (plot->origin.x + hw_time_range_to_x (&range, plot->size.width, crosshair));
      GdkRGBA line;

      foreground_color (self, 0.45, &line);
      gtk_snapshot_append_color (snapshot, &line,
                                 &GRAPHENE_RECT_INIT (x, plot->origin.y, 1, plot->size.height));
      for (guint s = 0; s < self->series->len; s++)
        {
          HwChartSeries *cs = g_ptr_array_index (self->series, s);
          double v = hw_series_value_at (cs->series, crosshair, NULL);
          double y;

          if (isnan (v) || v < layout->y_min || v > layout->y_max)
            continue;
          y = value_to_y (layout, v);
          gtk_snapshot_append_color (snapshot, &cs->color,
                                     &GRAPHENE_RECT_INIT (x - 3, y - 3, 7, 7));
        }
    }
}
