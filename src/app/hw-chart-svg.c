/* hw-chart-svg.c: HwChart as a scalable vector image
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <cairo-svg.h>
#include <glib/gi18n.h>

#include "hw-chart-private.h"
#include "hw-error.h"

/* A chart that is not on screen is drawn at this size (plus its legend). */
#define DEFAULT_WIDTH   800
#define DEFAULT_HEIGHT  280

static cairo_status_t
append_to_bytes (void                *closure,
                 const unsigned char *data,
                 unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

/* The same layers the widget draws (its render node replayed through
 * cairo), so the image matches the screen: series, thresholds, markers,
 * axes and legend, but not the crosshair or a drag selection. */
static GBytes *
render_svg (HwChart  *self,
            GError  **error)
{
  GtkWidget *widget = GTK_WIDGET (self);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  HwChartLayout saved_layout = self->layout;
  guint saved_columns = self->drawn_columns;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  GtkSnapshot *snapshot;
  cairo_surface_t *surface;
  cairo_status_t status;
  GdkRGBA background;
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    {
      width = DEFAULT_WIDTH;
      height = DEFAULT_HEIGHT + (int) hw_chart_legend_height (self);
    }

  snapshot = gtk_snapshot_new ();
  /* The text colours follow the style, so the background must too. */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (!gtk_style_context_lookup_color (gtk_widget_get_style_context (widget), "window_bg_color",
                                       &background))
    gdk_rgba_parse (&background, "#fafafa");
  G_GNUC_END_IGNORE_DEPRECATIONS
  gtk_snapshot_append_color (snapshot, &background, &GRAPHENE_RECT_INIT (0, 0, width, height));
  hw_chart_render_static (self, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);

  /* Hit testing uses the on-screen layout, which the render replaced. */
  self->layout = saved_layout;
  self->drawn_columns = saved_columns;

  surface = cairo_svg_surface_create_for_stream (append_to_bytes, bytes, width, height);
  cairo_svg_surface_restrict_to_version (surface, CAIRO_SVG_VERSION_1_1);
  cr = cairo_create (surface);
  if (node != NULL)
    gsk_render_node_draw (node, cr);
  cairo_destroy (cr);
  cairo_surface_finish (surface);
  status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);

  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_FAILED, _("Could not draw the chart as SVG: %s"),
                   cairo_status_to_string (status));
      return NULL;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&bytes));
}

gboolean
hw_chart_export_svg (HwChart  *self,
                     GFile    *file,
                     GError  **error)
{
  g_autoptr(GBytes) svg = NULL;

  g_return_val_if_fail (HW_IS_CHART (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  svg = render_svg (self, error);
  if (svg == NULL)
    return FALSE;
  return g_file_replace_contents (file, g_bytes_get_data (svg, NULL), g_bytes_get_size (svg),
                                  NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION, NULL, NULL,
                                  error);
}
