/* hw-hub-dialog.c: add or edit a hub connection (name, URL, token)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "hw-hub-dialog.h"
#include "hw-token-store.h"

struct _HwHubDialog
{
  AdwWindow         parent_instance;

  HwApplication    *application;
  HwConnection     *connection;

  /* Template widgets */
  AdwEntryRow      *name_row;
  AdwEntryRow      *url_row;
  AdwPasswordEntryRow *token_row;
  GtkLabel         *token_note;
  GtkWidget        *save_button;
  GtkWidget        *remove_group;
};

G_DEFINE_FINAL_TYPE (HwHubDialog, hw_hub_dialog, ADW_TYPE_WINDOW)

static gboolean
url_is_plausible (const char *url)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    return FALSE;
  scheme = g_uri_get_scheme (uri);
  return g_ascii_strcasecmp (scheme, "http") == 0 || g_ascii_strcasecmp (scheme, "https") == 0;
}

static void
on_field_changed (HwHubDialog *self)
{
  const char *url = gtk_editable_get_text (GTK_EDITABLE (self->url_row));
  gboolean valid = url_is_plausible (url);

  if (valid || *url == '\0')
    gtk_widget_remove_css_class (GTK_WIDGET (self->url_row), "error");
  else
    gtk_widget_add_css_class (GTK_WIDGET (self->url_row), "error");
  gtk_widget_set_sensitive (self->save_button, valid);
}

static void
on_save_clicked (HwHubDialog *self)
{
  const char *name = gtk_editable_get_text (GTK_EDITABLE (self->name_row));
  const char *url = gtk_editable_get_text (GTK_EDITABLE (self->url_row));
  const char *token = gtk_editable_get_text (GTK_EDITABLE (self->token_row));

  if (!url_is_plausible (url))
    return;

  if (self->connection == NULL)
    {
      HwConnection *added = hw_application_add_hub (self->application, name, url, token, TRUE);

      hw_application_select_hub (self->application, added);
    }
  else
    {
      /* An empty field keeps the token that is stored. */
      hw_application_update_hub (self->application, self->connection, name, url,
                                 *token != '\0' ? token : NULL);
    }
  gtk_window_close (GTK_WINDOW (self));
}

static void
on_remove_response (AdwMessageDialog *dialog,
                    const char       *response,
                    HwHubDialog      *self)
{
  if (g_strcmp0 (response, "remove") != 0)
    return;
  hw_application_remove_hub (self->application, self->connection);
  gtk_window_close (GTK_WINDOW (self));
}

static void
on_remove_clicked (HwHubDialog *self)
{
  AdwMessageDialog *confirm;

  confirm = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _("Remove Hub?"), NULL));
  adw_message_dialog_format_body (confirm,
                                  _("“%s” and its token will be forgotten. Its cached data is kept until the cache is cleared."),
                                  hw_connection_get_name (self->connection));
  adw_message_dialog_add_responses (confirm,
                                    "cancel", _("_Cancel"),
                                    "remove", _("_Remove"),
                                    NULL);
  adw_message_dialog_set_response_appearance (confirm, "remove", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (confirm, "cancel");
  adw_message_dialog_set_close_response (confirm, "cancel");
  g_signal_connect_object (confirm, "response", G_CALLBACK (on_remove_response), self, 0);
  gtk_window_present (GTK_WINDOW (confirm));
}

static void
update_token_note (HwHubDialog *self)
{
  HwTokenStore *tokens = hw_application_get_token_store (self->application);
  GString *note = g_string_new (NULL);

  if (self->connection != NULL)
    g_string_append (note, _("Leave the token empty to keep the current one. "));
  if (hw_token_store_is_persistent (tokens))
    g_string_append (note, _("Tokens are kept in the system keyring."));
  else
    g_string_append (note, _("The system keyring is not available: the token is kept for this session only."));
  gtk_label_set_label (self->token_note, note->str);
  g_string_free (note, TRUE);
}

HwHubDialog *
hw_hub_dialog_new (HwApplication *application,
                   HwConnection  *connection)
{
  HwHubDialog *self;

  g_return_val_if_fail (HW_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (connection == NULL || HW_IS_CONNECTION (connection), NULL);

  self = g_object_new (HW_TYPE_HUB_DIALOG, NULL);
  self->application = g_object_ref (application);
  if (connection != NULL)
    {
      self->connection = g_object_ref (connection);
      gtk_window_set_title (GTK_WINDOW (self), _("Edit Hub"));
      gtk_editable_set_text (GTK_EDITABLE (self->name_row), hw_connection_get_name (connection));
      gtk_editable_set_text (GTK_EDITABLE (self->url_row), hw_connection_get_url (connection));
      gtk_widget_set_visible (self->remove_group, TRUE);
    }
  update_token_note (self);
  on_field_changed (self);
  return self;
}

static void
hw_hub_dialog_dispose (GObject *object)
{
  HwHubDialog *self = HW_HUB_DIALOG (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), HW_TYPE_HUB_DIALOG);
  g_clear_object (&self->application);
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (hw_hub_dialog_parent_class)->dispose (object);
}

static void
hw_hub_dialog_class_init (HwHubDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hw_hub_dialog_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/hw-hub-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, HwHubDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, HwHubDialog, url_row);
  gtk_widget_class_bind_template_child (widget_class, HwHubDialog, token_row);
  gtk_widget_class_bind_template_child (widget_class, HwHubDialog, token_note);
  gtk_widget_class_bind_template_child (widget_class, HwHubDialog, save_button);
  gtk_widget_class_bind_template_child (widget_class, HwHubDialog, remove_group);
  gtk_widget_class_bind_template_callback (widget_class, on_field_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_save_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_remove_clicked);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
hw_hub_dialog_init (HwHubDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
