/* hw-hub-row.c: a hub in the sidebar, with its connection state
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "hw-hub-row.h"

struct _HwHubRow
{
  GtkListBoxRow  parent_instance;

  HwConnection  *connection;

  /* Template widgets */
  GtkImage      *state_icon;
  GtkLabel      *name_label;
  GtkLabel      *status_label;
};

G_DEFINE_FINAL_TYPE (HwHubRow, hw_hub_row, GTK_TYPE_LIST_BOX_ROW)

static const char *
state_icon_name (HwHubSyncState state)
{
  switch (state)
    {
    case HW_HUB_SYNC_STATE_ONLINE:
      return "network-transmit-receive-symbolic";
    case HW_HUB_SYNC_STATE_SYNCING:
      return "emblem-synchronizing-symbolic";
    case HW_HUB_SYNC_STATE_AUTH_FAILED:
      return "dialog-password-symbolic";
    case HW_HUB_SYNC_STATE_UNTRUSTED:
      return "security-low-symbolic";
    case HW_HUB_SYNC_STATE_OFFLINE:
    default:
      return "network-offline-symbolic";
    }
}

static void
update (HwHubRow *self)
{
  HwHubSyncState state = hw_connection_get_state (self->connection);
  g_autofree char *status = hw_connection_dup_status_text (self->connection);
  const char *name = hw_connection_get_name (self->connection);
  g_autofree char *description = NULL;

  gtk_label_set_label (self->name_label, name);
  gtk_label_set_label (self->status_label, status);
  gtk_image_set_from_icon_name (self->state_icon, state_icon_name (state));
  gtk_widget_remove_css_class (GTK_WIDGET (self->state_icon), "success");
  gtk_widget_remove_css_class (GTK_WIDGET (self->state_icon), "warning");
  gtk_widget_remove_css_class (GTK_WIDGET (self->state_icon), "error");
  if (state == HW_HUB_SYNC_STATE_ONLINE)
    gtk_widget_add_css_class (GTK_WIDGET (self->state_icon), "success");
  else if (state == HW_HUB_SYNC_STATE_AUTH_FAILED || state == HW_HUB_SYNC_STATE_UNTRUSTED)
    gtk_widget_add_css_class (GTK_WIDGET (self->state_icon), "error");
  else if (hw_connection_is_offline (self->connection))
    gtk_widget_add_css_class (GTK_WIDGET (self->state_icon), "warning");

  /* TRANSLATORS: the accessible name of a hub in the sidebar: "name, state" */
  description = g_strdup_printf (_("%s, %s"), name, status);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, description,
                                  -1);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), hw_connection_get_url (self->connection));
}

GtkWidget *
hw_hub_row_new (HwConnection *connection)
{
  HwHubRow *self;

  g_return_val_if_fail (HW_IS_CONNECTION (connection), NULL);

  self = g_object_new (HW_TYPE_HUB_ROW, NULL);
  self->connection = g_object_ref (connection);
  g_signal_connect_object (connection, "notify::status-text", G_CALLBACK (update), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (connection, "notify::name", G_CALLBACK (update), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (connection, "notify::url", G_CALLBACK (update), self,
                           G_CONNECT_SWAPPED);
  update (self);
  return GTK_WIDGET (self);
}

HwConnection *
hw_hub_row_get_connection (HwHubRow *self)
{
  g_return_val_if_fail (HW_IS_HUB_ROW (self), NULL);

  return self->connection;
}

const char *
hw_hub_row_get_status (HwHubRow *self)
{
  g_return_val_if_fail (HW_IS_HUB_ROW (self), NULL);

  return gtk_label_get_label (self->status_label);
}

static void
hw_hub_row_dispose (GObject *object)
{
  HwHubRow *self = HW_HUB_ROW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), HW_TYPE_HUB_ROW);
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (hw_hub_row_parent_class)->dispose (object);
}

static void
hw_hub_row_class_init (HwHubRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hw_hub_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/hw-hub-row.ui");
  gtk_widget_class_bind_template_child (widget_class, HwHubRow, state_icon);
  gtk_widget_class_bind_template_child (widget_class, HwHubRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, HwHubRow, status_label);
}

static void
hw_hub_row_init (HwHubRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
