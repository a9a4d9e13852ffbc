/* hw-application.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "hw-application.h"
#include "hw-preferences-window.h"
#include "hw-window.h"

struct _HwApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;
};

G_DEFINE_FINAL_TYPE (HwApplication, hw_application, ADW_TYPE_APPLICATION)

HwApplication *
hw_application_new (void)
{
  return g_object_new (HW_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_COMMAND_LINE,
                       "resource-base-path", RESOURCE_PREFIX,
                       NULL);
}

GSettings *
hw_application_get_settings (HwApplication *self)
{
  g_return_val_if_fail (HW_IS_APPLICATION (self), NULL);

  return self->settings;
}

static HwWindow *
ensure_window (HwApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    window = GTK_WINDOW (hw_window_new (self));
  return HW_WINDOW (window);
}

static void
hw_application_activate (GApplication *app)
{
  gtk_window_present (GTK_WINDOW (ensure_window (HW_APPLICATION (app))));
}

static int
hw_application_command_line (GApplication            *app,
                             GApplicationCommandLine *command_line)
{
  g_application_activate (app);
  return EXIT_SUCCESS;
}

static void
show_about (GSimpleAction *action,
            GVariant      *parameter,
            gpointer       user_data)
{
  HwApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  const char *developers[] = { _("The Hubwatch developers"), NULL };

  adw_show_about_window (parent,
                         "application-name", _("Hubwatch"),
                         "application-icon", APP_ID,
                         "developer-name", _("The Hubwatch developers"),
                         "version", PACKAGE_VERSION,
                         "comments", _("Watch the event hubs of autonomous subsystems"),
                         "website", "https://github.com/hubwatch/hubwatch",
                         "issue-url", "https://github.com/hubwatch/hubwatch/issues",
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "developers", developers,
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static void
show_preferences (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  HwApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  HwPreferencesWindow *preferences = hw_preferences_window_new (self->settings);

  gtk_window_set_transient_for (GTK_WINDOW (preferences), parent);
  gtk_window_present (GTK_WINDOW (preferences));
}

static void
quit_app (GSimpleAction *action,
          GVariant      *parameter,
          gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static const GActionEntry app_actions[] = {
  { "about", show_about },
  { "preferences", show_preferences },
  { "quit", quit_app },
};

static void
hw_application_startup (GApplication *app)
{
  HwApplication *self = HW_APPLICATION (app);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };

  G_APPLICATION_CLASS (hw_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences",
                                         preferences_accels);
}

static void
hw_application_dispose (GObject *object)
{
  HwApplication *self = HW_APPLICATION (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (hw_application_parent_class)->dispose (object);
}

static void
hw_application_class_init (HwApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = hw_application_dispose;
  app_class->activate = hw_application_activate;
  app_class->startup = hw_application_startup;
  app_class->command_line = hw_application_command_line;
}

static void
hw_application_init (HwApplication *self)
{
  /* The schema id is the base id for both profiles, so a .Devel build
   * shares preferences with the release build's schema definition. */
  self->settings = g_settings_new ("io.github.hubwatch.Hubwatch");
}
