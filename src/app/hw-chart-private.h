/* hw-chart-private.h: HwChart's state, shared by the widget and its renderer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hw-chart.h"

G_BEGIN_DECLS

typedef struct
{
  HwSeries     *series;
  HwChartStyle  style;
  char         *label;
  GdkRGBA       color;
} HwChartSeries;

typedef struct
{
  double  from;
  double  to;        /* == from for a line */
  char   *label;
} HwChartThreshold;

typedef struct
{
  gint64             t_ms;
  HwChartMarkerKind  kind;
  char              *label;
} HwChartMarker;

/* Where things go, in widget coordinates, for one size. */
typedef struct
{
  graphene_rect_t plot;
  graphene_rect_t legend;
  double          y_min;
  double          y_max;
} HwChartLayout;

struct _HwChart
{
  GtkWidget      parent_instance;

  HwTimeWindow  *window;
  char          *title;
  char          *unit;
  gboolean       compact;
  gboolean       hide_legend;
  gboolean       whole_numbers;

  GPtrArray     *series;       /* HwChartSeries* */
  GPtrArray     *thresholds;   /* HwChartThreshold* */
  GPtrArray     *markers;      /* HwChartMarker* */
  HwSeries      *band_lower;
  HwSeries      *band_upper;

  /* The static layers for the last size and window; NULL when stale. */
  GskRenderNode *static_node;
  HwChartLayout  layout;
  int            cached_width;
  int            cached_height;
  guint          render_count;
  guint          drawn_columns;

  /* Drag-to-zoom selection in widget x, or < 0 when none. */
  double         drag_start_x;
  double         drag_current_x;
  /* Reused between renders so a redraw allocates nothing per frame. */
  HwSeriesColumn *columns;
  guint           n_columns_alloc;
};

/* hw-chart-render.c */
void    hw_chart_compute_layout   (HwChart       *self,
                                   int            width,
                                   int            height,
                                   HwChartLayout *layout);
void    hw_chart_render_static    (HwChart       *self,
                                   GtkSnapshot   *snapshot,
                                   int            width,
                                   int            height);
void    hw_chart_render_overlay   (HwChart       *self,
                                   GtkSnapshot   *snapshot,
                                   int            width,
                                   int            height);
double  hw_chart_legend_height    (HwChart       *self);
/* The y axis's tick values between @y_min and @y_max, about @target_ticks
 * of them, never closer than the chart's unit can tell apart. */
GArray *hw_chart_y_ticks          (HwChart       *self,
                                   double         y_min,
                                   double         y_max,
                                   double         target_ticks);
void    hw_chart_series_color     (guint          index,
                                   GdkRGBA       *color);

/* hw-chart-export.c */
void    hw_chart_export_action    (GtkWidget     *widget,
                                   const char    *action_name,
                                   GVariant      *parameter);
void    hw_chart_on_context_menu  (GtkGestureClick *gesture,
                                   int              n_press,
                                   double           x,
                                   double           y,
                                   HwChart         *self);

G_END_DECLS
