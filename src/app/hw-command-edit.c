/* hw-command-edit.c: changing the rate and parallelism of a command still in the outbox
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "hw-command-edit.h"
#include "hw-window.h"

typedef struct
{
  HwCommandQueue *queue;
  GtkWindow      *window;     /* weak */
  char           *key;
  JsonObject     *body;
  GtkSpinButton  *rate;
  GtkSpinButton  *parallel;
} EditRequest;

static void
edit_request_free (gpointer  data,
                   GClosure *closure)
{
  EditRequest *request = data;

  g_object_unref (request->queue);
  g_clear_weak_pointer (&request->window);
  g_free (request->key);
  json_object_unref (request->body);
  g_free (request);
}

static void
on_saved (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GtkWindow) window = user_data;
  g_autoptr(GError) error = NULL;

  if (!hw_command_queue_edit_finish (HW_COMMAND_QUEUE (source), result, &error) && HW_IS_WINDOW (window))
    hw_window_add_toast (HW_WINDOW (window), error->message);
}

static void
on_response (AdwMessageDialog *dialog,
             const char       *response,
             EditRequest      *request)
{
  if (g_strcmp0 (response, "save") != 0)
    return;
  json_object_set_double_member (request->body, "rate", gtk_spin_button_get_value (request->rate));
  json_object_set_int_member (request->body, "parallel", gtk_spin_button_get_value_as_int (request->parallel));
  hw_command_queue_edit_async (request->queue, HW_COMMAND_EDIT_UPDATE_BODY, request->key, request->body, NULL,
                               on_saved, request->window != NULL ? g_object_ref (request->window) : NULL);
}

static GtkWidget *
new_spin_row (const char *title,
              double      lower,
              double      upper,
              double      value,
              GtkWidget **spin)
{
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());

  *spin = gtk_spin_button_new_with_range (lower, upper, 1);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (*spin), value);
  gtk_widget_set_valign (*spin, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (*spin), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_add_suffix (row, *spin);
  return GTK_WIDGET (row);
}

void
hw_command_edit_present (GtkWidget             *parent,
                         HwCommandQueue        *queue,
                         const HwOutboxCommand *command)
{
  GtkRoot *root = gtk_widget_get_root (parent);
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *heading = NULL;
  GtkWidget *list, *rate, *parallel, *dialog;
  JsonObject *body;
  EditRequest *request;

  g_return_if_fail (HW_IS_COMMAND_QUEUE (queue));
  g_return_if_fail (command != NULL);

  if ((node = json_from_string (command->body, NULL)) == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return;
  body = json_node_get_object (node);
  heading = hw_command_describe (command->kind, command->body);
  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, heading,
                                   _("The command has not been sent yet: its rate and parallelism can still change."));
  list = gtk_list_box_new ();
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_list_box_append (GTK_LIST_BOX (list),
                       new_spin_row (_("Rate"), 0, 1000000,
                                     json_object_get_double_member_with_default (body, "rate", 100), &rate));
  gtk_list_box_append (GTK_LIST_BOX (list),
                       new_spin_row (_("Parallelism"), 1, 64,
                                     json_object_get_int_member_with_default (body, "parallel", 2), &parallel));
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), list);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "save", _("_Save"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "save", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "save");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");

  request = g_new0 (EditRequest, 1);
  request->queue = g_object_ref (queue);
  g_set_weak_pointer (&request->window, GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL);
  request->key = g_strdup (command->key);
  request->body = json_object_ref (body);
  request->rate = GTK_SPIN_BUTTON (rate);
  request->parallel = GTK_SPIN_BUTTON (parallel);
  g_signal_connect_data (dialog, "response", G_CALLBACK (on_response), request, edit_request_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}
