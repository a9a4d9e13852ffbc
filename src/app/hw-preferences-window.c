/* hw-preferences-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "hw-preferences-window.h"

struct _HwPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  GSettings            *settings;

  /* Template widgets */
  GtkSpinButton        *refresh_interval;
  GtkSpinButton        *iterator_age_warning;
  GtkSpinButton        *alert_error_rate;
  GtkSpinButton        *alert_anomaly_sigma;
  AdwEntryRow          *alert_key_types;
  GtkSwitch            *alert_notifications;
};

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (HwPreferencesWindow, hw_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

HwPreferencesWindow *
hw_preferences_window_new (GSettings *settings)
{
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (HW_TYPE_PREFERENCES_WINDOW, "settings", settings, NULL);
}

/* Key event types are edited as one comma-separated line. */
static void
show_key_types (HwPreferencesWindow *self)
{
  g_auto(GStrv) types = g_settings_get_strv (self->settings, "alert-key-event-types");
  g_autofree char *text = g_strjoinv (", ", types);

  gtk_editable_set_text (GTK_EDITABLE (self->alert_key_types), text);
}

static void
on_key_types_apply (HwPreferencesWindow *self)
{
  g_auto(GStrv) parts = g_strsplit (gtk_editable_get_text (GTK_EDITABLE (self->alert_key_types)), ",", -1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) types = NULL;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_strstrip (parts[i]);
      if (*parts[i] != '\0')
        g_strv_builder_add (builder, parts[i]);
    }
  types = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "alert-key-event-types", (const char * const *) types);
  show_key_types (self);
}

static void
hw_preferences_window_constructed (GObject *object)
{
  HwPreferencesWindow *self = HW_PREFERENCES_WINDOW (object);

  G_OBJECT_CLASS (hw_preferences_window_parent_class)->constructed (object);

  g_settings_bind (self->settings, "refresh-interval", self->refresh_interval, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "iterator-age-warning-minutes", self->iterator_age_warning,
                   "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "alert-error-rate-percent", self->alert_error_rate, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "alert-anomaly-sigma", self->alert_anomaly_sigma, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "alert-notifications", self->alert_notifications, "active",
                   G_SETTINGS_BIND_DEFAULT);
  show_key_types (self);
}

static void
hw_preferences_window_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  HwPreferencesWindow *self = HW_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hw_preferences_window_dispose (GObject *object)
{
  HwPreferencesWindow *self = HW_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), HW_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (hw_preferences_window_parent_class)->dispose (object);
}

static void
hw_preferences_window_class_init (HwPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = hw_preferences_window_constructed;
  object_class->set_property = hw_preferences_window_set_property;
  object_class->dispose = hw_preferences_window_dispose;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL,
                         G_TYPE_SETTINGS,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/hw-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, HwPreferencesWindow, refresh_interval);
  gtk_widget_class_bind_template_child (widget_class, HwPreferencesWindow, iterator_age_warning);
  gtk_widget_class_bind_template_child (widget_class, HwPreferencesWindow, alert_error_rate);
  gtk_widget_class_bind_template_child (widget_class, HwPreferencesWindow, alert_anomaly_sigma);
  gtk_widget_class_bind_template_child (widget_class, HwPreferencesWindow, alert_key_types);
  gtk_widget_class_bind_template_child (widget_class, HwPreferencesWindow, alert_notifications);
  gtk_widget_class_bind_template_callback (widget_class, on_key_types_apply);
}

static void
hw_preferences_window_init (HwPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
