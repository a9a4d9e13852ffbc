/* hw-hub-auth.c: bearer tokens and per-token rate limits
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "hw-error.h"
#include "hw-hub-auth.h"

static void
sha256_hex (const char *secret,
            char        out[65])
{
  g_autofree char *hex = g_compute_checksum_for_string (G_CHECKSUM_SHA256, secret, -1);

  memcpy (out, hex, 65);
}

static void
compute_mac (const guint8 salt[16],
             const char  *digest_hex,
             guint8       out[32])
{
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, salt, 16);
  gsize len = 32;

  g_hmac_update (hmac, (const guchar *) digest_hex, 64);
  g_hmac_get_digest (hmac, out, &len);
}

static HwHubToken *
token_new_from_digest (const char *name,
                       HwRole      role,
                       const char *digest_hex)
{
  HwHubToken *token = g_new0 (HwHubToken, 1);

  token->name = g_strdup (name);
  token->role = role;
  for (guint i = 0; i < G_N_ELEMENTS (token->salt); i += 4)
    {
      guint32 r = g_random_int ();
      memcpy (token->salt + i, &r, 4);
    }
  compute_mac (token->salt, digest_hex, token->mac);
  return token;
}

HwHubToken *
hw_hub_token_new_from_secret (const char *name,
                              HwRole      role,
                              const char *secret)
{
  char digest[65];
  HwHubToken *token;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (secret != NULL, NULL);

  sha256_hex (secret, digest);
  token = token_new_from_digest (name, role, digest);
  memset (digest, 0, sizeof digest);
  return token;
}

HwHubToken *
hw_hub_token_new_from_sha256 (const char  *name,
                              HwRole       role,
                              const char  *sha256_hex,
                              GError     **error)
{
  char digest[65];

  g_return_val_if_fail (name != NULL, NULL);

  if (sha256_hex == NULL || strlen (sha256_hex) != 64)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_FAILED,
                   "token %s: secret-sha256 must be 64 hexadecimal characters", name);
      return NULL;
    }
  for (guint i = 0; i < 64; i++)
    {
      if (!g_ascii_isxdigit (sha256_hex[i]))
        {
          g_set_error (error, HW_ERROR, HW_ERROR_FAILED,
                       "token %s: secret-sha256 has a non-hexadecimal character at %u", name, i + 1);
          return NULL;
        }
      digest[i] = g_ascii_tolower (sha256_hex[i]);
    }
  digest[64] = '\0';
  return token_new_from_digest (name, role, digest);
}

HwHubToken *
hw_hub_token_new_from_spec (char    *spec,
                            GError **error)
{
  g_auto(GStrv) parts = NULL;
  HwHubToken *token = NULL;
  HwRole role;

  g_return_val_if_fail (spec != NULL, NULL);

  parts = g_strsplit (spec, ":", 3);
  /* The command line is visible in ps; at least do not keep a second copy. */
  memset (spec, '*', strlen (spec));
  if (g_strv_length (parts) != 3 || parts[0][0] == '\0' || parts[2][0] == '\0')
    g_set_error_literal (error, HW_ERROR, HW_ERROR_FAILED,
                         "--token: expected NAME:ROLE:SECRET");
  else if (!hw_role_from_string (parts[1], &role))
    g_set_error (error, HW_ERROR, HW_ERROR_FAILED,
                 "--token %s: unknown role '%s' (viewer, publisher, operator or admin)",
                 parts[0], parts[1]);
  else
    token = hw_hub_token_new_from_secret (parts[0], role, parts[2]);

  if (parts != NULL && g_strv_length (parts) == 3)
    memset (parts[2], 0, strlen (parts[2]));
  return token;
}

void
hw_hub_token_free (HwHubToken *token)
{
  if (token == NULL)
    return;
  g_free (token->name);
  memset (token, 0, sizeof *token);
  g_free (token);
}

gboolean
hw_hub_token_check (const HwHubToken *token,
                    const char       *secret)
{
  char digest[65];
  guint8 mac[32];
  guint8 diff = 0;

  g_return_val_if_fail (token != NULL, FALSE);
  g_return_val_if_fail (secret != NULL, FALSE);

  sha256_hex (secret, digest);
  compute_mac (token->salt, digest, mac);
  for (guint i = 0; i < sizeof mac; i++)
    diff |= mac[i] ^ token->mac[i];
  memset (digest, 0, sizeof digest);
  return diff == 0;
}

HwHubToken *
hw_hub_tokens_lookup (GHashTable *tokens,
                      const char *secret)
{
  GHashTableIter iter;
  gpointer value;
  HwHubToken *found = NULL;

  if (tokens == NULL || secret == NULL)
    return NULL;
  g_hash_table_iter_init (&iter, tokens);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (hw_hub_token_check (value, secret) && found == NULL)
      found = value;
  return found;
}

/* Rate limiting -------------------------------------------------------- */

typedef struct
{
  double tokens;
  gint64 updated_us;
} Bucket;

struct _HwRateLimiter
{
  GMutex      mutex;
  double      rate;
  double      burst;
  GHashTable *buckets;   /* key → Bucket* */
};

HwRateLimiter *
hw_rate_limiter_new (double rate_per_second,
                     double burst)
{
  HwRateLimiter *self = g_new0 (HwRateLimiter, 1);

  g_mutex_init (&self->mutex);
  self->rate = rate_per_second > 0 ? rate_per_second : 1;
  self->burst = MAX (burst, 1);
  self->buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return self;
}

void
hw_rate_limiter_free (HwRateLimiter *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->buckets);
  g_mutex_clear (&self->mutex);
  g_free (self);
}

gboolean
hw_rate_limiter_take (HwRateLimiter *self,
                      const char    *key,
                      gint64         now_us,
                      guint         *retry_after_s)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  Bucket *bucket = g_hash_table_lookup (self->buckets, key);

  if (bucket == NULL)
    {
      bucket = g_new0 (Bucket, 1);
      bucket->tokens = self->burst;
      bucket->updated_us = now_us;
      g_hash_table_insert (self->buckets, g_strdup (key), bucket);
    }

  bucket->tokens = MIN (self->burst,
                        bucket->tokens + self->rate * (now_us - bucket->updated_us) / G_USEC_PER_SEC);
  bucket->updated_us = now_us;
  if (bucket->tokens >= 1.0)
    {
      bucket->tokens -= 1.0;
      return TRUE;
    }
  if (retry_after_s != NULL)
    *retry_after_s = MAX (1, (guint) ceil ((1.0 - bucket->tokens) / self->rate));
  return FALSE;
}
