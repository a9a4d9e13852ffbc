/* hw-application.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "hw-application.h"
#include "hw-background.h"
#include "hw-alert-monitor.h"
#include "hw-command-queue.h"
#include "hw-certificate-trust.h"
#include "hw-preferences-window.h"
#include "hw-window.h"

/* Long enough for a cold start with a two-day backfill on a slow disk. */
#define DEMO_START_TIMEOUT_S 60

struct _HwApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;
  GListStore     *hubs;
  HwTokenStore   *tokens;
  HwDemoHub      *demo_hub;
  gboolean        demo_starting;
  gboolean        hubs_loaded;
};

enum {
  PROP_0,
  PROP_DEMO_STARTING,
  N_PROPS
};

enum {
  HUB_SELECTED,
  NOTICE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (HwApplication, hw_application, ADW_TYPE_APPLICATION)

void
hw_application_notify (const char    *id,
                       GNotification *notification)
{
  GApplication *app = g_application_get_default ();

  g_return_if_fail (G_IS_NOTIFICATION (notification));

  if (app == NULL || !g_application_get_is_registered (app) || g_application_get_dbus_connection (app) == NULL)
    {
      g_debug ("notification %s not sent: no registered application on a session bus", id);
      return;
    }
  g_application_send_notification (app, id, notification);
}

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

HwTokenStore *
hw_application_get_token_store (HwApplication *self)
{
  g_return_val_if_fail (HW_IS_APPLICATION (self), NULL);

  return self->tokens;
}

HwDemoHub *
hw_application_get_demo_hub (HwApplication *self)
{
  g_return_val_if_fail (HW_IS_APPLICATION (self), NULL);

  return self->demo_hub;
}

GListModel *
hw_application_get_hubs (HwApplication *self)
{
  g_return_val_if_fail (HW_IS_APPLICATION (self), NULL);

  return G_LIST_MODEL (self->hubs);
}

gboolean
hw_application_get_demo_starting (HwApplication *self)
{
  g_return_val_if_fail (HW_IS_APPLICATION (self), FALSE);

  return self->demo_starting;
}

static void
notice (HwApplication *self,
        const char    *message)
{
  g_signal_emit (self, signals[NOTICE], 0, message);
}

/* Only (id, name, URL): tokens never reach GSettings. */
static void
save_hubs (HwApplication *self)
{
  GVariantBuilder builder;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->hubs));

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(sss)"));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HwConnection) connection = g_list_model_get_item (G_LIST_MODEL (self->hubs), i);

      if (!hw_connection_get_persistent (connection))
        continue;
      g_variant_builder_add (&builder, "(sss)",
                             hw_connection_get_id (connection),
                             hw_connection_get_name (connection),
                             hw_connection_get_url (connection));
    }
  g_settings_set_value (self->settings, "hubs", g_variant_builder_end (&builder));
}

static gboolean
find_hub (HwApplication *self,
          HwConnection  *connection,
          guint         *position)
{
  return g_list_store_find (self->hubs, connection, position);
}

HwConnection *
hw_application_find_hub_by_url (HwApplication *self,
                                const char    *url)
{
  guint n;

  g_return_val_if_fail (HW_IS_APPLICATION (self), NULL);
  g_return_val_if_fail (url != NULL, NULL);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->hubs));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HwConnection) connection = g_list_model_get_item (G_LIST_MODEL (self->hubs), i);

      if (g_strcmp0 (hw_connection_get_url (connection), url) == 0)
        return connection;
    }
  return NULL;
}

static void
on_token_saved (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!hw_token_store_save_finish (HW_TOKEN_STORE (source), result, &error))
    g_warning ("Could not store a hub token: %s", error->message);
}

static void
store_token (HwApplication *self,
             HwConnection  *connection,
             const char    *token)
{
  g_autofree char *label = NULL;

  /* TRANSLATORS: the keyring item's label; %s is the hub's name */
  label = g_strdup_printf (_("Hubwatch token for %s"), hw_connection_get_name (connection));
  hw_token_store_save_async (self->tokens, hw_connection_get_id (connection), label, token,
                             NULL, on_token_saved, NULL);
}

/* Every hub works in the background, not only the one on screen: its
 * queued replays and resubmissions go out as soon as it is reachable, and
 * its alerts are evaluated and notified. */
static void
start_connection (HwConnection *connection)
{
  hw_connection_start (connection);
  hw_command_queue_get (connection);
  hw_alert_monitor_ensure (connection);
}


HwConnection *
hw_application_add_hub (HwApplication *self,
                        const char    *name,
                        const char    *url,
                        const char    *token,
                        gboolean       persistent)
{
  g_autoptr(HwConnection) connection = NULL;
  g_autofree char *id = NULL;

  g_return_val_if_fail (HW_IS_APPLICATION (self), NULL);
  g_return_val_if_fail (url != NULL, NULL);

  /* A hub for this run is keyed by its URL so its cache is found again
   * the next time the same URL is given. */
  id = persistent ? hw_connection_generate_id () : g_strdup (url);
  connection = hw_connection_new (id, name, url, persistent);
  hw_connection_set_token (connection, token);
  g_list_store_append (self->hubs, connection);
  if (persistent)
    {
      save_hubs (self);
      if (token != NULL && *token != '\0')
        store_token (self, connection, token);
    }
  start_connection (connection);
  return connection;
}

void
hw_application_update_hub (HwApplication *self,
                           HwConnection  *connection,
                           const char    *name,
                           const char    *url,
                           const char    *token)
{
  g_return_if_fail (HW_IS_APPLICATION (self));
  g_return_if_fail (HW_IS_CONNECTION (connection));

  if (name != NULL)
    hw_connection_set_name (connection, name);
  if (url != NULL)
    hw_connection_set_url (connection, url);
  if (token != NULL)
    {
      hw_connection_set_token (connection, token);
      if (hw_connection_get_persistent (connection))
        store_token (self, connection, token);
    }
  if (hw_connection_get_persistent (connection))
    save_hubs (self);
}

void
hw_application_remove_hub (HwApplication *self,
                           HwConnection  *connection)
{
  guint position;

  g_return_if_fail (HW_IS_APPLICATION (self));
  g_return_if_fail (HW_IS_CONNECTION (connection));

  if (!find_hub (self, connection, &position))
    return;
  g_object_ref (connection);
  hw_connection_stop (connection);
  g_list_store_remove (self->hubs, position);
  /* A hub added again later must earn the user's trust again. */
  hw_certificate_trust_forget (hw_connection_get_id (connection));
  if (hw_connection_get_persistent (connection))
    {
      hw_token_store_remove (self->tokens, hw_connection_get_id (connection));
      save_hubs (self);
    }
  g_object_unref (connection);
}

void
hw_application_select_hub (HwApplication *self,
                           HwConnection  *connection)
{
  g_return_if_fail (HW_IS_APPLICATION (self));
  g_return_if_fail (HW_IS_CONNECTION (connection));

  g_signal_emit (self, signals[HUB_SELECTED], 0, connection);
}

HwConnection *
hw_application_connect_url (HwApplication *self,
                            const char    *url,
                            const char    *token)
{
  HwConnection *connection;

  g_return_val_if_fail (HW_IS_APPLICATION (self), NULL);
  g_return_val_if_fail (url != NULL, NULL);

  connection = hw_application_find_hub_by_url (self, url);
  if (connection != NULL)
    {
      /* This run's token wins, but is not stored. */
      if (token != NULL && *token != '\0')
        hw_connection_set_token (connection, token);
      start_connection (connection);
    }
  else
    connection = hw_application_add_hub (self, NULL, url, token, FALSE);
  hw_application_select_hub (self, connection);
  return connection;
}

static void
set_demo_starting (HwApplication *self,
                   gboolean       starting)
{
  if (self->demo_starting == starting)
    return;
  self->demo_starting = starting;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEMO_STARTING]);
}

static void
on_demo_started (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(HwApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  HwConnection *connection;

  set_demo_starting (self, FALSE);
  g_application_release (G_APPLICATION (self));

  url = hw_demo_hub_start_finish (HW_DEMO_HUB (source), result, &error);
  if (url == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Could not start the demo hub: %s"),
                                                  error->message);
      g_warning ("%s", message);
      notice (self, message);
      return;
    }

  connection = hw_application_find_hub_by_url (self, url);
  if (connection == NULL)
    connection = hw_application_add_hub (self, _("Demo Hub"), url, NULL, FALSE);
  hw_application_select_hub (self, connection);
}

void
hw_application_start_demo (HwApplication *self)
{
  const char *url;

  g_return_if_fail (HW_IS_APPLICATION (self));

  if (self->demo_starting)
    return;
  url = hw_demo_hub_get_url (self->demo_hub);
  if (hw_demo_hub_is_running (self->demo_hub) && url != NULL)
    {
      HwConnection *connection = hw_application_find_hub_by_url (self, url);

      if (connection != NULL)
        hw_application_select_hub (self, connection);
      return;
    }
  set_demo_starting (self, TRUE);
  /* Keep running while the hub starts, even with no window yet. */
  g_application_hold (G_APPLICATION (self));
  hw_demo_hub_start_async (self->demo_hub, DEMO_START_TIMEOUT_S, NULL, on_demo_started,
                           g_object_ref (self));
}

typedef struct
{
  HwApplication *self;
  HwConnection  *connection;
} LookupData;

static void
on_saved_token (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  LookupData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;

  token = hw_token_store_lookup_finish (HW_TOKEN_STORE (source), result, &error);
  if (error != NULL)
    g_warning ("Could not read the token of hub %s: %s",
               hw_connection_get_name (data->connection), error->message);
  /* A token given on the command line in the meantime wins. */
  if (token != NULL && !hw_connection_has_token (data->connection))
    hw_connection_set_token (data->connection, token);
  start_connection (data->connection);

  g_object_unref (data->connection);
  g_object_unref (data->self);
  g_free (data);
}

static void
load_hubs (HwApplication *self)
{
  g_autoptr(GVariant) hubs = NULL;
  GVariantIter iter;
  const char *id, *name, *url;

  if (self->hubs_loaded)
    return;
  self->hubs_loaded = TRUE;

  hubs = g_settings_get_value (self->settings, "hubs");
  g_variant_iter_init (&iter, hubs);
  while (g_variant_iter_next (&iter, "(&s&s&s)", &id, &name, &url))
    {
      g_autoptr(HwConnection) connection = NULL;
      LookupData *data;

      if (*id == '\0' || *url == '\0')
        continue;
      connection = hw_connection_new (id, name, url, TRUE);
      g_list_store_append (self->hubs, connection);

      /* Started once its token is known, so a hub that needs one does not
       * flash "authentication failed" on every launch. */
      data = g_new0 (LookupData, 1);
      data->self = g_object_ref (self);
      data->connection = g_object_ref (connection);
      hw_token_store_lookup_async (self->tokens, id, NULL, on_saved_token, data);
    }
}

/* Benchmarks (bench/hw-bench-console) time a cold start to the first
 * painted frame; from outside that can only be guessed, so with
 * HUBWATCH_BENCH_FIRST_FRAME=1 the console says when it happened. */
static gint64 process_started_us;

static void
on_first_after_paint (GdkFrameClock *clock,
                      gpointer       user_data)
{
  g_print ("hubwatch: first frame %" G_GINT64_FORMAT "\n",
           (g_get_monotonic_time () - process_started_us) / 1000);
  fflush (stdout);
  g_signal_handlers_disconnect_by_func (clock, on_first_after_paint, user_data);
}

static void
on_window_realize (GtkWidget *window,
                   gpointer   user_data)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (window);

  g_signal_handlers_disconnect_by_func (window, on_window_realize, user_data);
  if (clock != NULL)
    g_signal_connect (clock, "after-paint", G_CALLBACK (on_first_after_paint), NULL);
}

static HwWindow *
ensure_window (HwApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    {
      window = GTK_WINDOW (hw_window_new (self));
      if (g_strcmp0 (g_getenv ("HUBWATCH_BENCH_FIRST_FRAME"), "1") == 0)
        g_signal_connect (window, "realize", G_CALLBACK (on_window_realize), NULL);
    }
  return HW_WINDOW (window);
}

static void
hw_application_activate (GApplication *app)
{
  HwApplication *self = HW_APPLICATION (app);

  load_hubs (self);
  gtk_window_present (GTK_WINDOW (ensure_window (self)));
}

static int
hw_application_command_line (GApplication            *app,
                             GApplicationCommandLine *command_line)
{
  HwApplication *self = HW_APPLICATION (app);
  GVariantDict *options = g_application_command_line_get_options_dict (command_line);
  const char *connect_url = NULL;
  gboolean demo = FALSE;

  g_variant_dict_lookup (options, "connect", "&s", &connect_url);
  g_variant_dict_lookup (options, "demo", "b", &demo);

  g_application_activate (app);

  if (connect_url != NULL)
    {
      const char *token = g_application_command_line_getenv (command_line, "HUBWATCH_TOKEN");

      hw_application_connect_url (self, connect_url, token);
    }
  if (demo)
    hw_application_start_demo (self);
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
start_demo (GSimpleAction *action,
            GVariant      *parameter,
            gpointer       user_data)
{
  hw_application_start_demo (HW_APPLICATION (user_data));
}

static void
quit_app (GSimpleAction *action,
          GVariant      *parameter,
          gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  GList *windows = g_list_copy (gtk_application_get_windows (app));

  /* Closing (not destroying) lets each window save its size. */
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (GTK_WINDOW (l->data));
  g_list_free (windows);
  g_application_quit (G_APPLICATION (app));
}

static const GActionEntry app_actions[] = {
  { "about", show_about },
  { "preferences", show_preferences },
  { "start-demo", start_demo },
  { "quit", quit_app },
};

static void
hw_application_startup (GApplication *app)
{
  HwApplication *self = HW_APPLICATION (app);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };
  GAction *demo_action;

  G_APPLICATION_CLASS (hw_application_parent_class)->startup (app);
  /* Searches and syncs run on workers; the frames must not wait for them. */
  hw_background_set_enabled (TRUE);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
  demo_action = g_action_map_lookup_action (G_ACTION_MAP (self), "start-demo");
  g_object_bind_property (self, "demo-starting", demo_action, "enabled",
                          G_BINDING_SYNC_CREATE | G_BINDING_INVERT_BOOLEAN);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences",
                                         preferences_accels);
}

static void
hw_application_shutdown (GApplication *app)
{
  HwApplication *self = HW_APPLICATION (app);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->hubs));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HwConnection) connection = g_list_model_get_item (G_LIST_MODEL (self->hubs), i);

      hw_connection_stop (connection);
    }
  /* The demo hub belongs to this run of the console. */
  hw_demo_hub_stop (self->demo_hub);

  G_APPLICATION_CLASS (hw_application_parent_class)->shutdown (app);
}

static void
hw_application_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  HwApplication *self = HW_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_DEMO_STARTING:
      g_value_set_boolean (value, self->demo_starting);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hw_application_dispose (GObject *object)
{
  HwApplication *self = HW_APPLICATION (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->hubs);
  g_clear_object (&self->tokens);
  g_clear_object (&self->demo_hub);

  G_OBJECT_CLASS (hw_application_parent_class)->dispose (object);
}

static void
hw_application_class_init (HwApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  process_started_us = g_get_monotonic_time ();

  object_class->get_property = hw_application_get_property;
  object_class->dispose = hw_application_dispose;
  app_class->activate = hw_application_activate;
  app_class->startup = hw_application_startup;
  app_class->shutdown = hw_application_shutdown;
  app_class->command_line = hw_application_command_line;

  properties[PROP_DEMO_STARTING] =
    g_param_spec_boolean ("demo-starting", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[HUB_SELECTED] = g_signal_new ("hub-selected", G_TYPE_FROM_CLASS (klass),
                                        G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 1, HW_TYPE_CONNECTION);
  signals[NOTICE] = g_signal_new ("notice", G_TYPE_FROM_CLASS (klass),
                                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                  G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
hw_application_init (HwApplication *self)
{
  static const GOptionEntry options[] = {
    { "connect", 'c', 0, G_OPTION_ARG_STRING, NULL,
      N_("Connect to the hub at URL for this run (token from HUBWATCH_TOKEN)"), N_("URL") },
    { "demo", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Start a local demo hub and connect to it"), NULL },
    { NULL }
  };

  /* The schema id is the base id for both profiles, so a .Devel build
   * shares preferences with the release build's schema definition. */
  self->settings = g_settings_new ("io.github.hubwatch.Hubwatch");
  self->hubs = g_list_store_new (HW_TYPE_CONNECTION);
  self->tokens = hw_token_store_new ();
  self->demo_hub = hw_demo_hub_new ();

  g_application_add_main_option_entries (G_APPLICATION (self), options);
}
