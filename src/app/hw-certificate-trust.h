/* hw-certificate-trust.h: the hub certificates the user chose to trust, by hub
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A trusted certificate is pinned by its SHA-256 fingerprint (lower-case
 * hex, as hw_tls_certificate_dup_fingerprint() gives). Saved hubs keep it in
 * the GSettings key `trusted-certificates` (hub id → fingerprint: not a
 * secret); hubs added for one run keep it in memory for that run. */
char     *hw_certificate_trust_lookup   (const char *hub_id);
void      hw_certificate_trust_remember (const char *hub_id,
                                         const char *fingerprint,
                                         gboolean    persistent);
void      hw_certificate_trust_forget   (const char *hub_id);

G_END_DECLS
