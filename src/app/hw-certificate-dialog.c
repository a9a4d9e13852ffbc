/* hw-certificate-dialog.c: shows a hub's refused TLS certificate and lets the user trust exactly it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "hw-certificate-dialog.h"
#include "hw-certificate-trust.h"
#include "hw-hub-client.h"

struct _HwCertificateDialog
{
  AdwMessageDialog  parent_instance;

  HwConnection     *connection;
  GTlsCertificate  *certificate;
  char             *fingerprint;

  /* Template widgets */
  GtkLabel         *problems_label;
  GtkLabel         *subject_label;
  GtkLabel         *issuer_label;
  GtkLabel         *valid_from_label;
  GtkLabel         *valid_until_label;
  GtkLabel         *fingerprint_label;
};

G_DEFINE_FINAL_TYPE (HwCertificateDialog, hw_certificate_dialog, ADW_TYPE_MESSAGE_DIALOG)

static const struct
{
  GTlsCertificateFlags  flag;
  const char           *text;
} problems[] = {
  { G_TLS_CERTIFICATE_UNKNOWN_CA,
    N_("It is not signed by an authority this computer trusts: it may be self-signed or from a private authority.") },
  { G_TLS_CERTIFICATE_BAD_IDENTITY, N_("It was issued for a different host name than the hub’s address.") },
  { G_TLS_CERTIFICATE_NOT_ACTIVATED, N_("It is not valid yet.") },
  { G_TLS_CERTIFICATE_EXPIRED, N_("It has expired.") },
  { G_TLS_CERTIFICATE_REVOKED, N_("It has been revoked.") },
  { G_TLS_CERTIFICATE_INSECURE, N_("It uses an algorithm that is considered insecure.") },
  { G_TLS_CERTIFICATE_GENERIC_ERROR, N_("It could not be verified.") },
};

char *
hw_certificate_describe_problems (GTlsCertificateFlags errors)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (problems); i++)
    if (errors & problems[i].flag)
      g_string_append_printf (text, "%s• %s", text->len > 0 ? "\n" : "", _(problems[i].text));
  if (text->len == 0)
    g_string_append (text, _("The connection was refused for a reason the system did not name."));
  return g_string_free (text, FALSE);
}

/* "AB:CD:…" in four lines of 8 bytes, the way certificate viewers show it. */
static char *
format_fingerprint (const char *hex)
{
  GString *text = g_string_new (NULL);
  gsize len = strlen (hex);

  for (gsize i = 0; i + 1 < len; i += 2)
    {
      if (i > 0)
        g_string_append_c (text, i % 16 == 0 ? '\n' : ':');
      g_string_append_c (text, g_ascii_toupper (hex[i]));
      g_string_append_c (text, g_ascii_toupper (hex[i + 1]));
    }
  return g_string_free (text, FALSE);
}

static char *
format_time (GDateTime *when)
{
  g_autoptr(GDateTime) local = NULL;

  if (when == NULL)
    return g_strdup (_("Unknown"));
  local = g_date_time_to_local (when);
  /* TRANSLATORS: a date and time, strftime format */
  return g_date_time_format (local, _("%e %B %Y, %H:%M:%S"));
}

static void
set_text (GtkLabel   *label,
          const char *text)
{
  gtk_label_set_label (label, text != NULL && *text != '\0' ? text : _("Unknown"));
}

static void
show_certificate (HwCertificateDialog  *self,
                  GTlsCertificateFlags  errors)
{
  g_autofree char *problems_text = hw_certificate_describe_problems (errors);
  g_autofree char *subject = g_tls_certificate_get_subject_name (self->certificate);
  g_autofree char *issuer = g_tls_certificate_get_issuer_name (self->certificate);
  g_autoptr(GDateTime) not_before = g_tls_certificate_get_not_valid_before (self->certificate);
  g_autoptr(GDateTime) not_after = g_tls_certificate_get_not_valid_after (self->certificate);
  g_autofree char *valid_from = format_time (not_before);
  g_autofree char *valid_until = format_time (not_after);
  g_autofree char *fingerprint = format_fingerprint (self->fingerprint);
  g_autofree char *body = NULL;

  /* TRANSLATORS: %s is the hub's address */
  body = g_strdup_printf (_("The hub at %s presented a certificate this computer does not trust, "
                            "so nothing was sent or received. Someone may be intercepting the "
                            "connection. Trust the certificate only if you know it is the hub’s "
                            "own, for example because its fingerprint matches the one the hub’s "
                            "administrator gave you."),
                          hw_connection_get_url (self->connection));
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (self), body);
  set_text (self->problems_label, problems_text);
  set_text (self->subject_label, subject);
  set_text (self->issuer_label, issuer);
  set_text (self->valid_from_label, valid_from);
  set_text (self->valid_until_label, valid_until);
  set_text (self->fingerprint_label, fingerprint);
}

static void
hw_certificate_dialog_response (AdwMessageDialog *dialog,
                                const char       *response)
{
  HwCertificateDialog *self = HW_CERTIFICATE_DIALOG (dialog);
  HwHubClient *client;

  if (g_strcmp0 (response, "trust") == 0)
    {
      hw_certificate_trust_remember (hw_connection_get_id (self->connection), self->fingerprint,
                                     hw_connection_get_persistent (self->connection));
      /* The client may have been replaced since: pin on the current one. */
      client = hw_connection_get_client (self->connection);
      if (client != NULL)
        hw_hub_client_trust_certificate (client, self->fingerprint);
      hw_connection_retry (self->connection);
    }
  if (ADW_MESSAGE_DIALOG_CLASS (hw_certificate_dialog_parent_class)->response != NULL)
    ADW_MESSAGE_DIALOG_CLASS (hw_certificate_dialog_parent_class)->response (dialog, response);
}

HwCertificateDialog *
hw_certificate_dialog_new (GtkWindow    *parent,
                           HwConnection *connection)
{
  HwCertificateDialog *self;
  HwHubClient *client;
  g_autoptr(GTlsCertificate) certificate = NULL;
  GTlsCertificateFlags errors = 0;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (HW_IS_CONNECTION (connection), NULL);

  client = hw_connection_get_client (connection);
  if (client == NULL)
    return NULL;
  certificate = hw_hub_client_dup_rejected_certificate (client, &errors);
  if (certificate == NULL)
    return NULL;

  self = g_object_new (HW_TYPE_CERTIFICATE_DIALOG,
                       "transient-for", parent,
                       "modal", TRUE,
                       NULL);
  self->connection = g_object_ref (connection);
  self->certificate = g_steal_pointer (&certificate);
  self->fingerprint = hw_tls_certificate_dup_fingerprint (self->certificate);
  show_certificate (self, errors);
  return self;
}

const char *
hw_certificate_dialog_get_fingerprint (HwCertificateDialog *self)
{
  g_return_val_if_fail (HW_IS_CERTIFICATE_DIALOG (self), NULL);

  return self->fingerprint;
}

static void
hw_certificate_dialog_dispose (GObject *object)
{
  HwCertificateDialog *self = HW_CERTIFICATE_DIALOG (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), HW_TYPE_CERTIFICATE_DIALOG);
  g_clear_object (&self->connection);
  g_clear_object (&self->certificate);

  G_OBJECT_CLASS (hw_certificate_dialog_parent_class)->dispose (object);
}

static void
hw_certificate_dialog_finalize (GObject *object)
{
  g_free (HW_CERTIFICATE_DIALOG (object)->fingerprint);

  G_OBJECT_CLASS (hw_certificate_dialog_parent_class)->finalize (object);
}

static void
hw_certificate_dialog_class_init (HwCertificateDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  AdwMessageDialogClass *dialog_class = ADW_MESSAGE_DIALOG_CLASS (klass);

  object_class->dispose = hw_certificate_dialog_dispose;
  object_class->finalize = hw_certificate_dialog_finalize;
  dialog_class->response = hw_certificate_dialog_response;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/hw-certificate-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, HwCertificateDialog, problems_label);
  gtk_widget_class_bind_template_child (widget_class, HwCertificateDialog, subject_label);
  gtk_widget_class_bind_template_child (widget_class, HwCertificateDialog, issuer_label);
  gtk_widget_class_bind_template_child (widget_class, HwCertificateDialog, valid_from_label);
  gtk_widget_class_bind_template_child (widget_class, HwCertificateDialog, valid_until_label);
  gtk_widget_class_bind_template_child (widget_class, HwCertificateDialog, fingerprint_label);
}

static void
hw_certificate_dialog_init (HwCertificateDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
