/* hw-certificate-trust.c: the hub certificates the user chose to trust, by hub
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>

#include "hw-certificate-trust.h"

#define SCHEMA_ID "io.github.hubwatch.Hubwatch"
#define KEY       "trusted-certificates"

/* Hubs of this run only: their ids are fresh each run, so saving them would
 * only pile up. Main thread only, like every caller. */
static GHashTable *session_trust;

static GHashTable *
get_session_trust (void)
{
  if (session_trust == NULL)
    session_trust = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return session_trust;
}

static char *
lookup_saved (GSettings  *settings,
              const char *hub_id)
{
  g_autoptr(GVariant) map = g_settings_get_value (settings, KEY);
  const char *fingerprint = NULL;

  if (!g_variant_lookup (map, hub_id, "&s", &fingerprint))
    return NULL;
  return g_strdup (fingerprint);
}

/* Rewrites the map with @hub_id set to @fingerprint, or left out when NULL. */
static void
store_saved (GSettings  *settings,
             const char *hub_id,
             const char *fingerprint)
{
  g_autoptr(GVariant) map = g_settings_get_value (settings, KEY);
  GVariantBuilder builder;
  GVariantIter iter;
  const char *id, *value;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{ss}"));
  g_variant_iter_init (&iter, map);
  while (g_variant_iter_next (&iter, "{&s&s}", &id, &value))
    if (!g_str_equal (id, hub_id))
      g_variant_builder_add (&builder, "{ss}", id, value);
  if (fingerprint != NULL)
    g_variant_builder_add (&builder, "{ss}", hub_id, fingerprint);
  g_settings_set_value (settings, KEY, g_variant_builder_end (&builder));
}

char *
hw_certificate_trust_lookup (const char *hub_id)
{
  g_autoptr(GSettings) settings = NULL;
  const char *pinned;

  g_return_val_if_fail (hub_id != NULL, NULL);

  pinned = g_hash_table_lookup (get_session_trust (), hub_id);
  if (pinned != NULL)
    return g_strdup (pinned);
  settings = g_settings_new (SCHEMA_ID);
  return lookup_saved (settings, hub_id);
}

void
hw_certificate_trust_remember (const char *hub_id,
                               const char *fingerprint,
                               gboolean    persistent)
{
  g_return_if_fail (hub_id != NULL);
  g_return_if_fail (fingerprint != NULL && *fingerprint != '\0');

  if (!persistent)
    {
      g_hash_table_replace (get_session_trust (), g_strdup (hub_id), g_ascii_strdown (fingerprint, -1));
      return;
    }
  {
    g_autoptr(GSettings) settings = g_settings_new (SCHEMA_ID);
    g_autofree char *lower = g_ascii_strdown (fingerprint, -1);

    g_hash_table_remove (get_session_trust (), hub_id);
    store_saved (settings, hub_id, lower);
  }
}

void
hw_certificate_trust_forget (const char *hub_id)
{
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *saved = NULL;

  g_return_if_fail (hub_id != NULL);

  g_hash_table_remove (get_session_trust (), hub_id);
  settings = g_settings_new (SCHEMA_ID);
  saved = lookup_saved (settings, hub_id);
  if (saved != NULL)
    store_saved (settings, hub_id, NULL);
}
