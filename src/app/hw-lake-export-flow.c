/* hw-lake-export-flow.c: the Event Lake page's Export action: file chooser, progress, cancel
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "hw-lake-page-private.h"
#include "hw-window.h"

void
hw_lake_page_toast (HwLakePage *self,
       const char *message)
{
  GtkWidget *window = gtk_widget_get_ancestor (GTK_WIDGET (self), HW_TYPE_WINDOW);

  if (window != NULL)
    hw_window_add_toast (HW_WINDOW (window), message);
}

static void
on_export_progress (gint64   written,
                    gint64   total,
                    gpointer user_data)
{
  HwLakePage *self = user_data;
  g_autofree char *text = NULL;

  /* TRANSLATORS: export progress: rows written, rows in all */
  text = g_strdup_printf (_("Exported %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " events"), written, total);
  gtk_label_set_label (self->export_label, text);
  gtk_progress_bar_set_fraction (self->export_progress, total > 0 ? (double) written / total : 0);
}

static void
on_exported (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(HwLakePage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  gint64 written = hw_export_finish (result, &error);

  self->export_count++;
  self->last_export = written;
  g_clear_object (&self->export_cancellable);
  gtk_revealer_set_reveal_child (self->export_revealer, FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "lake.export", TRUE);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    message = g_strdup (_("Export cancelled"));
  else if (error != NULL)
    /* TRANSLATORS: %s is the reason the export failed */
    message = g_strdup_printf (_("Export failed: %s"), error->message);
  else
    message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Exported %" G_GINT64_FORMAT " event",
                                            "Exported %" G_GINT64_FORMAT " events", written), written);
  hw_lake_page_toast (self, message);
}

void
hw_lake_page_export_to (HwLakePage     *self,
                        GFile          *file,
                        HwExportFormat  format)
{
  g_autoptr(GPtrArray) rows = NULL;

  g_return_if_fail (HW_IS_LAKE_PAGE (self));
  g_return_if_fail (G_IS_FILE (file));

  if (self->store == NULL || self->query == NULL || self->export_cancellable != NULL)
    return;
  self->export_cancellable = g_cancellable_new ();
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "lake.export", FALSE);
  gtk_label_set_label (self->export_label, _("Exporting…"));
  gtk_progress_bar_set_fraction (self->export_progress, 0);
  gtk_revealer_set_reveal_child (self->export_revealer, TRUE);

  rows = hw_event_list_model_ref_rows (hw_lake_results_get_model (self->results));
  if (self->origin == HW_LAKE_ORIGIN_HUB && rows != NULL)
    hw_export_rows_async (rows, format, file, self->export_cancellable, on_exported, g_object_ref (self));
  else
    hw_export_async (self->store, self->query, self->from_ms, self->to_ms,
                     hw_lake_results_get_order (self->results), format, file,
                     self->export_cancellable, on_export_progress, g_object_ref (self),
                     g_object_unref, on_exported, g_object_ref (self));
}

static void
on_export_chosen (GtkNativeDialog *dialog,
                  int              response,
                  gpointer         user_data)
{
  g_autoptr(HwLakePage) self = user_data;
  g_autoptr(GFile) file = NULL;
  g_autofree char *name = NULL;
  GtkFileFilter *filter;
  HwExportFormat format;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  filter = gtk_file_chooser_get_filter (GTK_FILE_CHOOSER (dialog));
  g_object_unref (dialog);
  if (file == NULL)
    return;
  name = g_file_get_basename (file);
  format = hw_export_format_for_name (name);
  if (filter != NULL && g_strcmp0 (g_object_get_data (G_OBJECT (filter), "format"), "csv") == 0)
    format = HW_EXPORT_CSV;
  hw_lake_page_export_to (self, file, format);
}

static void
add_filter (GtkFileChooser *chooser,
            const char     *title,
            const char     *format,
            const char     *pattern)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, title);
  gtk_file_filter_add_pattern (filter, pattern);
  g_object_set_data (G_OBJECT (filter), "format", (gpointer) format);
  gtk_file_chooser_add_filter (chooser, filter);
}

void
hw_lake_page_export_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  HwLakePage *self = HW_LAKE_PAGE (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkFileChooserNative *chooser;

  if (self->store == NULL || self->query == NULL)
    return;
  chooser = gtk_file_chooser_native_new (_("Export Results"), GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), "events.ndjson");
  add_filter (GTK_FILE_CHOOSER (chooser), _("Newline-delimited JSON"), "ndjson", "*.ndjson");
  add_filter (GTK_FILE_CHOOSER (chooser), _("CSV"), "csv", "*.csv");
  g_signal_connect (chooser, "response", G_CALLBACK (on_export_chosen), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

void
hw_lake_page_cancel_export_activated (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  g_cancellable_cancel (HW_LAKE_PAGE (widget)->export_cancellable);
}
