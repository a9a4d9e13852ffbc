/* test-app-tls.c: a hub with a self-signed certificate is refused until the user trusts it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-certificate-dialog.h"
#include "hw-hub-client.h"
#include "hw-test-app.h"
#include "hw-test-hub.h"
#include "hw-window.h"

typedef struct
{
  HwTestHub     *hub;
  HwApplication *app;
  HwWindow      *window;
  HwConnection  *connection;
} Fixture;

static gboolean
is_untrusted (gpointer user_data)
{
  Fixture *f = user_data;

  return hw_connection_get_state (f->connection) == HW_HUB_SYNC_STATE_UNTRUSTED;
}

static gboolean
is_online_with_data (gpointer user_data)
{
  Fixture *f = user_data;

  return hw_connection_get_state (f->connection) == HW_HUB_SYNC_STATE_ONLINE
         && hw_connection_get_as_of (f->connection) > 0;
}

static HwCertificateDialog *
find_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (HW_IS_CERTIFICATE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return HW_CERTIFICATE_DIALOG (window);
    }
  return NULL;
}

static gboolean
dialog_gone (gpointer user_data)
{
  return find_dialog () == NULL;
}

/* A label showing @hex, however it is grouped ("AB:CD…", line breaks). */
static gboolean
shows_fingerprint (GtkWidget  *root,
                   const char *hex)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_LABEL (child))
        {
          GString *digits = g_string_new (NULL);

          for (const char *p = gtk_label_get_label (GTK_LABEL (child)); *p != '\0'; p++)
            if (g_ascii_isxdigit (*p))
              g_string_append_c (digits, g_ascii_tolower (*p));
          if (g_str_equal (digits->str, hex))
            {
              g_string_free (digits, TRUE);
              return TRUE;
            }
          g_string_free (digits, TRUE);
        }
      if (shows_fingerprint (child, hex))
        return TRUE;
    }
  return FALSE;
}

static GtkWidget *
find_button (GtkWidget  *root,
             const char *label)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_BUTTON (child) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (child)), label) == 0)
        return child;
      found = find_button (child, label);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* As the user does it: a click on the response's button. */
static void
click_response (HwCertificateDialog *dialog,
                const char          *label)
{
  GtkWidget *button = find_button (GTK_WIDGET (dialog), label);

  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
  g_assert_true (hw_test_wait_until (dialog_gone, NULL, 10000));
}

static char *
saved_fingerprint (Fixture *f)
{
  g_autoptr(GVariant) map = g_settings_get_value (hw_application_get_settings (f->app),
                                                  "trusted-certificates");
  const char *value = NULL;

  if (!g_variant_lookup (map, hw_connection_get_id (f->connection), "&s", &value))
    return NULL;
  return g_strdup (value);
}

static HwCertificateDialog *
open_dialog (Fixture *f)
{
  HwCertificateDialog *dialog;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.review-certificate", NULL));
  dialog = find_dialog ();
  g_assert_nonnull (dialog);
  return dialog;
}

static void
test_trust_flow (void)
{
  g_autofree char *pem = hw_test_source_path ("data", "tls-self-signed.pem", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) certificate = g_tls_certificate_new_from_file (pem, &error);
  g_autofree char *expected = NULL;
  g_autofree char *saved = NULL;
  g_autofree char *problems = NULL;
  HwCertificateDialog *dialog;
  GSettings *settings;
  const char *banner;
  Fixture f = { 0 };

  g_assert_no_error (error);
  expected = hw_tls_certificate_dup_fingerprint (certificate);

  f.hub = hw_test_hub_new (NULL, "--tls-cert", pem, "--tls-key", pem, "--simulate", NULL);
  g_assert_true (g_str_has_prefix (f.hub->base_url, "https://"));
  f.app = hw_test_app_new ();
  settings = hw_application_get_settings (f.app);
  g_settings_reset (settings, "hubs");
  g_settings_reset (settings, "trusted-certificates");
  g_application_activate (G_APPLICATION (f.app));
  f.window = HW_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (f.app)));

  /* A saved hub, so the trust is saved too. */
  f.connection = hw_application_add_hub (f.app, "TLS hub", f.hub->base_url, NULL, TRUE);
  hw_application_select_hub (f.app, f.connection);
  hw_hub_sync_set_backoff (hw_connection_get_sync (f.connection), 200, 1000);
  hw_hub_sync_set_poll_interval (hw_connection_get_sync (f.connection), 1000);

  /* Refused: untrusted, nothing synced, the banner says why. */
  g_assert_true (hw_test_wait_until (is_untrusted, &f, 30000));
  g_assert_cmpint (hw_connection_get_as_of (f.connection), ==, 0);
  banner = hw_window_get_banner_text (f.window);
  g_assert_nonnull (banner);
  g_assert_nonnull (strstr (banner, "certificate"));

  /* The dialog shows the certificate; cancelling trusts nothing. */
  dialog = open_dialog (&f);
  g_assert_cmpstr (hw_certificate_dialog_get_fingerprint (dialog), ==, expected);
  g_assert_true (shows_fingerprint (GTK_WIDGET (dialog), expected));
  g_assert_cmpint (adw_message_dialog_get_response_appearance (ADW_MESSAGE_DIALOG (dialog), "trust"),
                   ==, ADW_RESPONSE_DESTRUCTIVE);
  g_assert_cmpstr (adw_message_dialog_get_default_response (ADW_MESSAGE_DIALOG (dialog)), ==, "cancel");
  click_response (dialog, "_Cancel");
  g_assert_null (saved_fingerprint (&f));
  g_assert_cmpint (hw_connection_get_state (f.connection), ==, HW_HUB_SYNC_STATE_UNTRUSTED);

  /* Trusting exactly that certificate brings the hub online. */
  dialog = open_dialog (&f);
  click_response (dialog, "_Trust This Certificate");
  g_assert_true (hw_test_wait_until (is_online_with_data, &f, 60000));
  g_assert_null (hw_window_get_banner_text (f.window));
  saved = saved_fingerprint (&f);
  g_assert_cmpstr (saved, ==, expected);

  /* The pin is re-applied when the connection starts again. */
  hw_connection_stop (f.connection);
  hw_connection_start (f.connection);
  hw_hub_sync_set_backoff (hw_connection_get_sync (f.connection), 200, 1000);
  g_assert_true (hw_test_wait_until (is_online_with_data, &f, 60000));

  problems = hw_certificate_describe_problems (G_TLS_CERTIFICATE_UNKNOWN_CA | G_TLS_CERTIFICATE_EXPIRED);
  g_assert_nonnull (strstr (problems, "authority"));
  g_assert_nonnull (strstr (problems, "expired"));

  gtk_window_destroy (GTK_WINDOW (f.window));
  hw_test_app_quit (&f.app);
  hw_test_hub_free (f.hub);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *tmp_dir = NULL;
  int status;

  if (!hw_test_app_init (&argc, &argv, &tmp_dir, &status))
    return status;

  g_test_add_func ("/app/tls/trust-flow", test_trust_flow);

  status = g_test_run ();
  hw_test_rmdir (tmp_dir);
  return status;
}
