/* hw-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "hw-window.h"

struct _HwWindow
{
  AdwApplicationWindow  parent_instance;

  GSettings            *settings;

  /* Template widgets */
  AdwLeaflet           *leaflet;
  GtkStack             *pages;
};

G_DEFINE_FINAL_TYPE (HwWindow, hw_window, ADW_TYPE_APPLICATION_WINDOW)

HwWindow *
hw_window_new (HwApplication *application)
{
  g_return_val_if_fail (HW_IS_APPLICATION (application), NULL);

  return g_object_new (HW_TYPE_WINDOW, "application", application, NULL);
}

static void
restore_window_state (HwWindow *self)
{
  int width = g_settings_get_int (self->settings, "window-width");
  int height = g_settings_get_int (self->settings, "window-height");

  gtk_window_set_default_size (GTK_WINDOW (self), width, height);
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

static void
save_window_state (HwWindow *self)
{
  int width, height;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
}

static gboolean
hw_window_close_request (GtkWindow *window)
{
  save_window_state (HW_WINDOW (window));

  return GTK_WINDOW_CLASS (hw_window_parent_class)->close_request (window);
}

static void
hw_window_constructed (GObject *object)
{
  HwWindow *self = HW_WINDOW (object);
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  G_OBJECT_CLASS (hw_window_parent_class)->constructed (object);

  self->settings = g_object_ref (hw_application_get_settings (HW_APPLICATION (app)));
  restore_window_state (self);

  if (DEVELOPMENT_BUILD)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
}

static void
hw_window_dispose (GObject *object)
{
  HwWindow *self = HW_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), HW_TYPE_WINDOW);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (hw_window_parent_class)->dispose (object);
}

static void
hw_window_class_init (HwWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = hw_window_constructed;
  object_class->dispose = hw_window_dispose;
  window_class->close_request = hw_window_close_request;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/hw-window.ui");
  gtk_widget_class_bind_template_child (widget_class, HwWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, HwWindow, pages);
}

static void
hw_window_init (HwWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
