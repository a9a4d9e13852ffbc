/* hw-certificate-dialog.h: shows a hub's refused TLS certificate and lets the user trust exactly it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "hw-connection.h"

G_BEGIN_DECLS

#define HW_TYPE_CERTIFICATE_DIALOG (hw_certificate_dialog_get_type ())

G_DECLARE_FINAL_TYPE (HwCertificateDialog, hw_certificate_dialog, HW, CERTIFICATE_DIALOG, AdwMessageDialog)

/* The certificate @connection's hub last presented and the client refused:
 * subject, issuer, validity, SHA-256 fingerprint and what is wrong with it,
 * in words. Nothing is trusted unless the user picks the "trust" response
 * ("Trust This Certificate"): then the fingerprint is pinned for this hub
 * (hw-certificate-trust.h) and the connection retries. Returns NULL when
 * no certificate was refused. */
HwCertificateDialog *hw_certificate_dialog_new             (GtkWindow           *parent,
                                                            HwConnection        *connection);
/* Lower-case hex SHA-256 of the certificate's DER bytes. */
const char          *hw_certificate_dialog_get_fingerprint (HwCertificateDialog *self);
/* Each GTlsCertificateFlags problem as a sentence, one per line. */
char                *hw_certificate_describe_problems      (GTlsCertificateFlags errors);

G_END_DECLS
