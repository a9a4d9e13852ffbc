/* hw-hub-auth.h: bearer tokens (stored salted and hashed) and per-token rate limits
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hw-hub.h"

G_BEGIN_DECLS

/* A configured token. The secret itself is never kept: only
 * HMAC-SHA256(salt, SHA-256-hex(secret)) with a random per-process salt, so
 * a "secret-sha256" from the config file and a plain --token secret end up
 * in the same form, and comparisons are constant time. */
typedef struct
{
  char     *name;
  HwRole    role;
  gboolean  unlimited;   /* exempt from the rate limit (the built-in simulator) */
  guint8    salt[16];
  guint8    mac[32];
} HwHubToken;

/* Parses "NAME:ROLE:SECRET" (--token); the secret is wiped from @spec. */
HwHubToken *hw_hub_token_new_from_spec   (char        *spec,
                                          GError     **error);
HwHubToken *hw_hub_token_new_from_secret (const char  *name,
                                          HwRole       role,
                                          const char  *secret);
/* @sha256_hex: the lowercase hex SHA-256 of the secret (64 characters). */
HwHubToken *hw_hub_token_new_from_sha256 (const char  *name,
                                          HwRole       role,
                                          const char  *sha256_hex,
                                          GError     **error);
void        hw_hub_token_free            (HwHubToken  *token);
gboolean    hw_hub_token_check           (const HwHubToken *token,
                                          const char       *secret);

/* Finds the token whose secret is @secret; every token is checked so the
 * time taken does not say which one matched. */
HwHubToken *hw_hub_tokens_lookup         (GHashTable  *tokens,
                                          const char  *secret);

/* Token buckets keyed by caller (token name or remote address). */
typedef struct _HwRateLimiter HwRateLimiter;

HwRateLimiter *hw_rate_limiter_new   (double         rate_per_second,
                                      double         burst);
void           hw_rate_limiter_free  (HwRateLimiter *self);
/* TRUE when a request may proceed; otherwise *@retry_after_s gets the
 * whole seconds until one token is available (at least 1). */
gboolean       hw_rate_limiter_take  (HwRateLimiter *self,
                                      const char    *key,
                                      gint64         now_us,
                                      guint         *retry_after_s);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwHubToken, hw_hub_token_free)

G_END_DECLS
