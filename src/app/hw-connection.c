/* hw-connection.c: one hub the console watches: its settings, client and sync
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "hw-certificate-trust.h"
#include "hw-connection.h"
#include "hw-paths.h"

struct _HwConnection
{
  GObject      parent_instance;

  char        *id;
  char        *name;
  char        *url;
  char        *token;
  gboolean     persistent;
  gboolean     started;

  HwHubClient *client;
  HwHubSync   *sync;
  /* Why there is no client (a malformed URL), for the status line. */
  char        *setup_error;
};

enum {
  PROP_0,
  PROP_ID,
  PROP_NAME,
  PROP_URL,
  PROP_PERSISTENT,
  PROP_STATE,
  PROP_AS_OF,
  PROP_OFFLINE_SINCE,
  PROP_LAST_SYNC,
  PROP_LAST_ERROR,
  PROP_STATUS_TEXT,
  N_PROPS
};

enum {
  CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (HwConnection, hw_connection, G_TYPE_OBJECT)

/* g_set_str() is GLib 2.76, above the API floor. */
static gboolean
replace_str (char       **slot,
             const char  *value)
{
  if (g_strcmp0 (*slot, value) == 0)
    return FALSE;
  g_free (*slot);
  *slot = g_strdup (value);
  return TRUE;
}

HwConnection *
hw_connection_new (const char *id,
                   const char *name,
                   const char *url,
                   gboolean    persistent)
{
  g_return_val_if_fail (id != NULL && *id != '\0', NULL);
  g_return_val_if_fail (url != NULL, NULL);

  return g_object_new (HW_TYPE_CONNECTION,
                       "id", id,
                       "name", name != NULL && *name != '\0' ? name : url,
                       "url", url,
                       "persistent", persistent,
                       NULL);
}

char *
hw_connection_generate_id (void)
{
  return g_uuid_string_random ();
}

char *
hw_format_clock_time (gint64 epoch_ms)
{
  g_autoptr(GDateTime) when = NULL;
  g_autoptr(GDateTime) now = NULL;

  if (epoch_ms <= 0)
    return g_strdup (_("never"));
  when = g_date_time_new_from_unix_local (epoch_ms / 1000);
  now = g_date_time_new_now_local ();
  if (when == NULL)
    return g_strdup (_("never"));
  if (g_date_time_get_year (when) == g_date_time_get_year (now)
      && g_date_time_get_day_of_year (when) == g_date_time_get_day_of_year (now))
    return g_date_time_format (when, "%H:%M:%S");
  /* TRANSLATORS: a date and time, strftime format */
  return g_date_time_format (when, _("%e %b %H:%M"));
}

const char *
hw_connection_get_id (HwConnection *self)
{
  g_return_val_if_fail (HW_IS_CONNECTION (self), NULL);

  return self->id;
}

const char *
hw_connection_get_name (HwConnection *self)
{
  g_return_val_if_fail (HW_IS_CONNECTION (self), NULL);

  return self->name;
}

void
hw_connection_set_name (HwConnection *self,
                        const char   *name)
{
  g_return_if_fail (HW_IS_CONNECTION (self));

  if (name == NULL || *name == '\0')
    name = self->url;
  if (replace_str (&self->name, name))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}

const char *
hw_connection_get_url (HwConnection *self)
{
  g_return_val_if_fail (HW_IS_CONNECTION (self), NULL);

  return self->url;
}

gboolean
hw_connection_get_persistent (HwConnection *self)
{
  g_return_val_if_fail (HW_IS_CONNECTION (self), FALSE);

  return self->persistent;
}

HwHubClient *
hw_connection_get_client (HwConnection *self)
{
  g_return_val_if_fail (HW_IS_CONNECTION (self), NULL);

  return self->client;
}

HwEventStore *
hw_connection_get_store (HwConnection *self)
{
  g_return_val_if_fail (HW_IS_CONNECTION (self), NULL);

  return self->sync != NULL ? hw_hub_sync_get_store (self->sync) : NULL;
}

HwHubSync *
hw_connection_get_sync (HwConnection *self)
{
  g_return_val_if_fail (HW_IS_CONNECTION (self), NULL);

  return self->sync;
}

HwHubSyncState
hw_connection_get_state (HwConnection *self)
{
  g_return_val_if_fail (HW_IS_CONNECTION (self), HW_HUB_SYNC_STATE_OFFLINE);

  return self->sync != NULL ? hw_hub_sync_get_state (self->sync) : HW_HUB_SYNC_STATE_OFFLINE;
}

gint64
hw_connection_get_as_of (HwConnection *self)
{
  g_return_val_if_fail (HW_IS_CONNECTION (self), 0);

  return self->sync != NULL ? hw_hub_sync_get_as_of (self->sync) : 0;
}

gint64
hw_connection_get_offline_since (HwConnection *self)
{
  g_return_val_if_fail (HW_IS_CONNECTION (self), 0);

  return self->sync != NULL ? hw_hub_sync_get_offline_since (self->sync) : 0;
}

gint64
hw_connection_get_last_sync (HwConnection *self)
{
  g_return_val_if_fail (HW_IS_CONNECTION (self), 0);

  return self->sync != NULL ? hw_hub_sync_get_last_sync (self->sync) : 0;
}

const char *
hw_connection_get_last_error (HwConnection *self)
{
  g_return_val_if_fail (HW_IS_CONNECTION (self), NULL);

  if (self->setup_error != NULL)
    return self->setup_error;
  return self->sync != NULL ? hw_hub_sync_get_last_error (self->sync) : NULL;
}

gboolean
hw_connection_is_offline (HwConnection *self)
{
  g_return_val_if_fail (HW_IS_CONNECTION (self), TRUE);

  return self->started && hw_connection_get_state (self) == HW_HUB_SYNC_STATE_OFFLINE;
}

char *
hw_connection_dup_status_text (HwConnection *self)
{
  g_autofree char *since = NULL;
  gint64 offline_since;

  g_return_val_if_fail (HW_IS_CONNECTION (self), NULL);

  if (!self->started)
    return g_strdup (_("Not connected"));
  if (self->setup_error != NULL)
    return g_strdup (_("Invalid address"));

  switch (hw_connection_get_state (self))
    {
    case HW_HUB_SYNC_STATE_ONLINE:
      return g_strdup (_("Online"));
    case HW_HUB_SYNC_STATE_SYNCING:
      return g_strdup (_("Syncing…"));
    case HW_HUB_SYNC_STATE_AUTH_FAILED:
      return g_strdup (_("Authentication failed"));
    case HW_HUB_SYNC_STATE_UNTRUSTED:
      return g_strdup (_("Certificate not trusted"));
    case HW_HUB_SYNC_STATE_OFFLINE:
    default:
      offline_since = hw_connection_get_offline_since (self);
      if (offline_since <= 0)
        return g_strdup (_("Connecting…"));
      since = hw_format_clock_time (offline_since);
      /* TRANSLATORS: %s is a time such as 14:02:07 */
      return g_strdup_printf (_("Offline since %s"), since);
    }
}

static void
notify_status (HwConnection *self)
{
  static const guint mirrored[] = {
    PROP_STATE, PROP_AS_OF, PROP_OFFLINE_SINCE, PROP_LAST_SYNC, PROP_LAST_ERROR, PROP_STATUS_TEXT,
  };

  g_object_freeze_notify (G_OBJECT (self));
  for (guint i = 0; i < G_N_ELEMENTS (mirrored); i++)
    g_object_notify_by_pspec (G_OBJECT (self), properties[mirrored[i]]);
  g_object_thaw_notify (G_OBJECT (self));
}

static void
on_sync_notify (HwHubSync    *sync,
                GParamSpec   *pspec,
                HwConnection *self)
{
  if (g_str_equal (pspec->name, "cursor"))
    return;
  /* Pages read the cache: once it is open, everything in it is news. */
  if (g_str_equal (pspec->name, "store"))
    {
      g_signal_emit (self, signals[CHANGED], 0, (guint) -1);
      return;
    }
  notify_status (self);
}

static void
on_sync_changed (HwHubSync    *sync,
                 guint         changes,
                 HwConnection *self)
{
  g_signal_emit (self, signals[CHANGED], 0, changes);
}

static void
teardown (HwConnection *self)
{
  if (self->sync != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->sync, self);
      hw_hub_sync_stop (self->sync);
    }
  g_clear_object (&self->sync);
  g_clear_object (&self->client);
  g_clear_pointer (&self->setup_error, g_free);
}

static void
setup (HwConnection *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *cache_path = NULL;
  g_autofree char *trusted = NULL;

  teardown (self);
  self->client = hw_hub_client_new (self->url, &error);
  if (self->client == NULL)
    {
      self->setup_error = g_strdup (error->message);
      return;
    }
  if (self->token != NULL)
    hw_hub_client_set_token (self->client, self->token);
  /* A certificate the user trusted for this hub stays trusted. */
  trusted = hw_certificate_trust_lookup (self->id);
  if (trusted != NULL)
    hw_hub_client_trust_certificate (self->client, trusted);

  cache_path = hw_paths_cache_file_for_hub (self->id);
  self->sync = hw_hub_sync_new (self->client, cache_path);
  g_signal_connect (self->sync, "notify", G_CALLBACK (on_sync_notify), self);
  g_signal_connect (self->sync, "changed", G_CALLBACK (on_sync_changed), self);
  hw_hub_sync_start (self->sync);
}

void
hw_connection_start (HwConnection *self)
{
  g_return_if_fail (HW_IS_CONNECTION (self));

  if (self->started)
    return;
  self->started = TRUE;
  setup (self);
  notify_status (self);
  g_signal_emit (self, signals[CHANGED], 0, (guint) -1);
}

void
hw_connection_stop (HwConnection *self)
{
  g_return_if_fail (HW_IS_CONNECTION (self));

  if (!self->started)
    return;
  self->started = FALSE;
  teardown (self);
  notify_status (self);
}

void
hw_connection_retry (HwConnection *self)
{
  g_return_if_fail (HW_IS_CONNECTION (self));

  if (self->sync != NULL)
    hw_hub_sync_retry_now (self->sync);
}

void
hw_connection_set_url (HwConnection *self,
                       const char   *url)
{
  g_return_if_fail (HW_IS_CONNECTION (self));
  g_return_if_fail (url != NULL);

  if (!replace_str (&self->url, url))
    return;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_URL]);
  if (self->started)
    {
      setup (self);
      notify_status (self);
      g_signal_emit (self, signals[CHANGED], 0, (guint) -1);
    }
}

void
hw_connection_set_token (HwConnection *self,
                         const char   *token)
{
  g_return_if_fail (HW_IS_CONNECTION (self));

  if (token != NULL && *token == '\0')
    token = NULL;
  if (self->token != NULL)
    memset (self->token, 0, strlen (self->token));
  g_free (self->token);
  self->token = g_strdup (token);
  if (self->client != NULL)
    hw_hub_client_set_token (self->client, self->token);
  hw_connection_retry (self);
}

gboolean
hw_connection_has_token (HwConnection *self)
{
  g_return_val_if_fail (HW_IS_CONNECTION (self), FALSE);

  return self->token != NULL;
}

static void
hw_connection_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  HwConnection *self = HW_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_URL:
      g_value_set_string (value, self->url);
      break;
    case PROP_PERSISTENT:
      g_value_set_boolean (value, self->persistent);
      break;
    case PROP_STATE:
      g_value_set_enum (value, hw_connection_get_state (self));
      break;
    case PROP_AS_OF:
      g_value_set_int64 (value, hw_connection_get_as_of (self));
      break;
    case PROP_OFFLINE_SINCE:
      g_value_set_int64 (value, hw_connection_get_offline_since (self));
      break;
    case PROP_LAST_SYNC:
      g_value_set_int64 (value, hw_connection_get_last_sync (self));
      break;
    case PROP_LAST_ERROR:
      g_value_set_string (value, hw_connection_get_last_error (self));
      break;
    case PROP_STATUS_TEXT:
      g_value_take_string (value, hw_connection_dup_status_text (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hw_connection_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  HwConnection *self = HW_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_ID:
      self->id = g_value_dup_string (value);
      break;
    case PROP_NAME:
      hw_connection_set_name (self, g_value_get_string (value));
      break;
    case PROP_URL:
      hw_connection_set_url (self, g_value_get_string (value));
      break;
    case PROP_PERSISTENT:
      self->persistent = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hw_connection_dispose (GObject *object)
{
  teardown (HW_CONNECTION (object));

  G_OBJECT_CLASS (hw_connection_parent_class)->dispose (object);
}

static void
hw_connection_finalize (GObject *object)
{
  HwConnection *self = HW_CONNECTION (object);

  hw_connection_set_token (self, NULL);
  g_free (self->id);
  g_free (self->name);
  g_free (self->url);

  G_OBJECT_CLASS (hw_connection_parent_class)->finalize (object);
}

static void
hw_connection_class_init (HwConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = hw_connection_get_property;
  object_class->set_property = hw_connection_set_property;
  object_class->dispose = hw_connection_dispose;
  object_class->finalize = hw_connection_finalize;

  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_URL] =
    g_param_spec_string ("url", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PERSISTENT] =
    g_param_spec_boolean ("persistent", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, HW_TYPE_HUB_SYNC_STATE, HW_HUB_SYNC_STATE_OFFLINE,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_AS_OF] =
    g_param_spec_int64 ("as-of", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_OFFLINE_SINCE] =
    g_param_spec_int64 ("offline-since", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LAST_SYNC] =
    g_param_spec_int64 ("last-sync", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LAST_ERROR] =
    g_param_spec_string ("last-error", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATUS_TEXT] =
    g_param_spec_string ("status-text", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
hw_connection_init (HwConnection *self)
{
}
