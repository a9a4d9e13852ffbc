/* hw-chart-export.c: a chart's pictures and data leave the app: PNG, CSV,
 * JSON (SVG is in hw-chart-svg.c), and the menu and dialog that offer them
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

/* Export ----------------------------------------------------------------- */

GdkTexture *
hw_chart_render_texture (HwChart  *self,
                         GError  **error)
{
  GtkWidget *widget = GTK_WIDGET (self);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  GtkNative *native = gtk_widget_get_native (widget);
  GskRenderer *renderer = native != NULL ? gtk_native_get_renderer (native) : NULL;
  g_autoptr(GskRenderNode) node = NULL;
  GtkSnapshot *snapshot;
  GdkRGBA background;

  g_return_val_if_fail (HW_IS_CHART (self), NULL);

  if (renderer == NULL || width <= 0 || height <= 0)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_FAILED, _("The chart is not on screen"));
      return NULL;
    }

  snapshot = gtk_snapshot_new ();
  /* A PNG needs an opaque background; the window's keeps the light or dark style. */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (!gtk_style_context_lookup_color (gtk_widget_get_style_context (widget), "window_bg_color",
                                       &background))
    gdk_rgba_parse (&background, "#fafafa");
  G_GNUC_END_IGNORE_DEPRECATIONS
  gtk_snapshot_append_color (snapshot, &background, &GRAPHENE_RECT_INIT (0, 0, width, height));
  hw_chart_render_static (self, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  return gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
}

gboolean
hw_chart_export_png (HwChart  *self,
                     GFile    *file,
                     GError  **error)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GBytes) png = NULL;

  g_return_val_if_fail (HW_IS_CHART (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  texture = hw_chart_render_texture (self, error);
  if (texture == NULL)
    return FALSE;
  png = gdk_texture_save_to_png_bytes (texture);
  return g_file_replace_contents (file, g_bytes_get_data (png, NULL), g_bytes_get_size (png),
                                  NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION, NULL, NULL,
                                  error);
}

static char *
dup_csv (HwChart           *self,
         const HwTimeRange *range)
{
  GString *csv = g_string_new ("time,series,value\n");

  for (guint s = 0; s < self->series->len; s++)
    {
      HwChartSeries *cs = g_ptr_array_index (self->series, s);
      guint end = hw_series_lower_bound (cs->series, range->to_ms);
      g_autofree char *quoted = NULL;
      g_auto(GStrv) parts = g_strsplit (cs->label, "\"", -1);

      /* RFC 4180: quote the label, doubling inner quotes. */
      quoted = g_strjoinv ("\"\"", parts);
      for (guint i = hw_series_lower_bound (cs->series, range->from_ms); i < end; i++)
        {
          g_autofree char *time = hw_time_format_iso8601 (hw_series_get_time (cs->series, i));
          double v = hw_series_get_value (cs->series, i);
          char number[G_ASCII_DTOSTR_BUF_SIZE] = "";

          if (!isnan (v))
            g_ascii_dtostr (number, sizeof number, v);
          g_string_append_printf (csv, "%s,\"%s\",%s\n", time, quoted, number);
        }
    }
  return g_string_free (csv, FALSE);
}

static char *
dup_json (HwChart           *self,
          const HwTimeRange *range)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *from = hw_time_format_iso8601 (range->from_ms);
  g_autofree char *to = hw_time_format_iso8601 (range->to_ms);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "title");
  json_builder_add_string_value (builder, self->title != NULL ? self->title : "");
  json_builder_set_member_name (builder, "unit");
  json_builder_add_string_value (builder, self->unit != NULL ? self->unit : "");
  json_builder_set_member_name (builder, "from");
  json_builder_add_string_value (builder, from);
  json_builder_set_member_name (builder, "to");
  json_builder_add_string_value (builder, to);
  json_builder_set_member_name (builder, "series");
  json_builder_begin_array (builder);
  for (guint s = 0; s < self->series->len; s++)
    {
      HwChartSeries *cs = g_ptr_array_index (self->series, s);
      guint end = hw_series_lower_bound (cs->series, range->to_ms);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, cs->label);
      json_builder_set_member_name (builder, "points");
      json_builder_begin_array (builder);
      for (guint i = hw_series_lower_bound (cs->series, range->from_ms); i < end; i++)
        {
          g_autofree char *time = hw_time_format_iso8601 (hw_series_get_time (cs->series, i));
          double v = hw_series_get_value (cs->series, i);

          json_builder_begin_array (builder);
          json_builder_add_string_value (builder, time);
          if (isnan (v))
            json_builder_add_null_value (builder);
          else
            json_builder_add_double_value (builder, v);
          json_builder_end_array (builder);
        }
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "markers");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->markers->len; i++)
    {
      HwChartMarker *marker = g_ptr_array_index (self->markers, i);
      g_autofree char *time = hw_time_format_iso8601 (marker->t_ms);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "time");
      json_builder_add_string_value (builder, time);
      json_builder_set_member_name (builder, "label");
      json_builder_add_string_value (builder, marker->label != NULL ? marker->label : "");
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return json_to_string (root, TRUE);
}

char *
hw_chart_dup_data (HwChart             *self,
                   HwChartExportFormat  format)
{
  HwTimeRange range;

  g_return_val_if_fail (HW_IS_CHART (self), NULL);

  range = hw_time_window_get_range (self->window);
  return format == HW_CHART_EXPORT_JSON ? dup_json (self, &range) : dup_csv (self, &range);
}

gboolean
hw_chart_export_data (HwChart             *self,
                      HwChartExportFormat  format,
                      GFile               *file,
                      GError             **error)
{
  g_autofree char *data = NULL;

  g_return_val_if_fail (HW_IS_CHART (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  data = hw_chart_dup_data (self, format);
  return g_file_replace_contents (file, data, strlen (data), NULL, FALSE,
                                  G_FILE_CREATE_REPLACE_DESTINATION, NULL, NULL, error);
}

typedef enum { EXPORT_PNG, EXPORT_CSV, EXPORT_JSON, EXPORT_SVG } ExportKind;

static void
on_export_response (GtkNativeDialog *dialog,
                    int              response,
                    HwChart         *self)
{
  ExportKind kind = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "export-kind"));
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (response != GTK_RESPONSE_ACCEPT)
    goto out;
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  G_GNUC_END_IGNORE_DEPRECATIONS
  if (kind == EXPORT_PNG)
    ok = hw_chart_export_png (self, file, &error);
  else if (kind == EXPORT_SVG)
    ok = hw_chart_export_svg (self, file, &error);
  else
    ok = hw_chart_export_data (self, kind == EXPORT_JSON ? HW_CHART_EXPORT_JSON : HW_CHART_EXPORT_CSV,
                               file, &error);
  if (!ok)
    g_warning ("Could not export the chart: %s", error->message);

out:
  g_object_unref (dialog);
  g_object_unref (self);
}

void
hw_chart_export_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  HwChart *self = HW_CHART (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  ExportKind kind = g_str_has_suffix (action_name, "png") ? EXPORT_PNG
                    : g_str_has_suffix (action_name, "svg") ? EXPORT_SVG
                    : g_str_has_suffix (action_name, "json") ? EXPORT_JSON : EXPORT_CSV;
  static const char *extensions[] = { "png", "csv", "json", "svg" };
  g_autofree char *name = NULL;
  GtkFileChooserNative *dialog;

  /* GtkFileDialog is GTK 4.10; the native chooser is the 4.8 way. */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  dialog = gtk_file_chooser_native_new (kind == EXPORT_PNG || kind == EXPORT_SVG
                                        ? _("Export Chart") : _("Export Chart Data"),
                                        GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  name = g_strdup_printf ("%s.%s", self->title != NULL ? self->title : "chart", extensions[kind]);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  G_GNUC_END_IGNORE_DEPRECATIONS
  g_object_set_data (G_OBJECT (dialog), "export-kind", GINT_TO_POINTER (kind));
  g_signal_connect (dialog, "response", G_CALLBACK (on_export_response), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

void
hw_chart_on_context_menu (GtkGestureClick *gesture,
                          int              n_press,
                          double           x,
                          double           y,
                          HwChart         *self)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  GtkWidget *popover;

  if (self->compact)
    return;
  g_menu_append (menu, _("Export as _PNG…"), "chart.export-png");
  g_menu_append (menu, _("Export as _SVG…"), "chart.export-svg");
  g_menu_append (menu, _("Export Data as _CSV…"), "chart.export-csv");
  g_menu_append (menu, _("Export Data as _JSON…"), "chart.export-json");
  popover = gtk_popover_menu_new_from_model (G_MENU_MODEL (menu));
  gtk_widget_set_parent (popover, GTK_WIDGET (self));
  gtk_popover_set_pointing_to (GTK_POPOVER (popover), &(GdkRectangle) { x, y, 1, 1 });
  g_signal_connect (popover, "closed", G_CALLBACK (gtk_widget_unparent), NULL);
  gtk_popover_popup (GTK_POPOVER (popover));
}
