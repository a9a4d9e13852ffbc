/* hw-token-store.c: hub tokens in the keyring (libsecret), or in memory when there is none
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <libsecret/secret.h>
#include <string.h>

#include "hw-token-store.h"

/* A keyring that never answers (a prompt nobody sees, a stuck daemon) must
 * not leave a hub without its token forever. */
#define KEYRING_TIMEOUT_S 10

struct _HwTokenStore
{
  GObject     parent_instance;

  /* hub id → token: the session fallback, and a cache of what was saved. */
  GHashTable *session_tokens;
  gboolean    persistent;
};

enum {
  PROP_0,
  PROP_PERSISTENT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (HwTokenStore, hw_token_store, G_TYPE_OBJECT)

static const SecretSchema *
token_schema (void)
{
  static const SecretSchema schema = {
    "io.github.hubwatch.Hubwatch.Token", SECRET_SCHEMA_NONE,
    {
      { "hub-id", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    }
  };

  return &schema;
}

static void
wipe_token (gpointer data)
{
  char *token = data;

  if (token != NULL)
    memset (token, 0, strlen (token));
  g_free (token);
}

HwTokenStore *
hw_token_store_new (void)
{
  return g_object_new (HW_TYPE_TOKEN_STORE, NULL);
}

gboolean
hw_token_store_is_persistent (HwTokenStore *self)
{
  g_return_val_if_fail (HW_IS_TOKEN_STORE (self), FALSE);

  return self->persistent;
}

static void
fall_back_to_session (HwTokenStore *self,
                      const GError *error)
{
  if (!self->persistent)
    return;
  /* The reason, never the secret. */
  g_message ("Keyring unavailable, hub tokens are kept for this session only: %s",
             error != NULL ? error->message : "disabled");
  self->persistent = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PERSISTENT]);
}

static gboolean
cancel_on_timeout (gpointer user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
  return G_SOURCE_REMOVE;
}

/* Cancels the keyring call when it hangs; the task's own cancellable is
 * chained so a caller's cancel still works. */
static GCancellable *
keyring_cancellable (GTask *task)
{
  GCancellable *cancellable = g_cancellable_new ();
  GCancellable *outer = g_task_get_cancellable (task);
  GSource *timeout = g_timeout_source_new_seconds (KEYRING_TIMEOUT_S);

  g_source_set_callback (timeout, cancel_on_timeout, g_object_ref (cancellable), g_object_unref);
  g_source_attach (timeout, g_main_context_get_thread_default ());
  g_task_set_task_data (task, timeout, (GDestroyNotify) g_source_destroy);
  g_source_unref (timeout);
  if (outer != NULL)
    g_cancellable_connect (outer, G_CALLBACK (g_cancellable_cancel),
                           g_object_ref (cancellable), g_object_unref);
  return cancellable;
}

static void
on_password_stored (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HwTokenStore *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  if (!secret_password_store_finish (result, &error))
    fall_back_to_session (self, error);
  /* Either way the token is usable for this session. */
  g_task_return_boolean (task, TRUE);
}

void
hw_token_store_save_async (HwTokenStore        *self,
                           const char          *hub_id,
                           const char          *label,
                           const char          *token,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GCancellable) keyring = NULL;

  g_return_if_fail (HW_IS_TOKEN_STORE (self));
  g_return_if_fail (hub_id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hw_token_store_save_async);

  if (token == NULL || *token == '\0')
    {
      hw_token_store_remove (self, hub_id);
      g_task_return_boolean (task, TRUE);
      return;
    }

  g_hash_table_replace (self->session_tokens, g_strdup (hub_id), g_strdup (token));
  if (!self->persistent)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  keyring = keyring_cancellable (task);
  secret_password_store (token_schema (), SECRET_COLLECTION_DEFAULT,
                         label != NULL ? label : hub_id, token, keyring,
                         on_password_stored, g_steal_pointer (&task),
                         "hub-id", hub_id, NULL);
}

gboolean
hw_token_store_save_finish (HwTokenStore  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_password_looked_up (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HwTokenStore *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  char *token = secret_password_lookup_finish (result, &error);

  if (error != NULL)
    fall_back_to_session (self, error);
  if (token != NULL)
    {
      g_task_return_pointer (task, g_strdup (token), wipe_token);
      secret_password_free (token);
      return;
    }
  g_task_return_pointer (task, NULL, NULL);
}

void
hw_token_store_lookup_async (HwTokenStore        *self,
                             const char          *hub_id,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GCancellable) keyring = NULL;
  const char *known;

  g_return_if_fail (HW_IS_TOKEN_STORE (self));
  g_return_if_fail (hub_id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hw_token_store_lookup_async);

  known = g_hash_table_lookup (self->session_tokens, hub_id);
  if (known != NULL || !self->persistent)
    {
      g_task_return_pointer (task, g_strdup (known), wipe_token);
      return;
    }

  keyring = keyring_cancellable (task);
  secret_password_lookup (token_schema (), keyring, on_password_looked_up,
                          g_steal_pointer (&task), "hub-id", hub_id, NULL);
}

char *
hw_token_store_lookup_finish (HwTokenStore  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_password_cleared (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(HwTokenStore) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!secret_password_clear_finish (result, &error))
    fall_back_to_session (self, error);
}

void
hw_token_store_remove (HwTokenStore *self,
                       const char   *hub_id)
{
  g_return_if_fail (HW_IS_TOKEN_STORE (self));
  g_return_if_fail (hub_id != NULL);

  g_hash_table_remove (self->session_tokens, hub_id);
  if (!self->persistent)
    return;
  secret_password_clear (token_schema (), NULL, on_password_cleared, g_object_ref (self),
                         "hub-id", hub_id, NULL);
}

static void
hw_token_store_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  HwTokenStore *self = HW_TOKEN_STORE (object);

  switch (prop_id)
    {
    case PROP_PERSISTENT:
      g_value_set_boolean (value, self->persistent);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hw_token_store_finalize (GObject *object)
{
  HwTokenStore *self = HW_TOKEN_STORE (object);

  g_hash_table_unref (self->session_tokens);

  G_OBJECT_CLASS (hw_token_store_parent_class)->finalize (object);
}

static void
hw_token_store_class_init (HwTokenStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = hw_token_store_get_property;
  object_class->finalize = hw_token_store_finalize;

  properties[PROP_PERSISTENT] =
    g_param_spec_boolean ("persistent", NULL, NULL, TRUE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hw_token_store_init (HwTokenStore *self)
{
  self->session_tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, wipe_token);
  self->persistent = g_strcmp0 (g_getenv ("HUBWATCH_NO_KEYRING"), "1") != 0;
}
