/* hw-fault-detail.c: one fault event: error, stack, tags and unit of work
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "hw-connection.h"
#include "hw-event.h"
#include "hw-fault-detail.h"
#include "hw-json-guard.h"

#define MAX_LINKS 24

struct _HwFaultDetail
{
  GtkWidget    parent_instance;

  char        *fault_id;
  char        *uow_text;
  GPtrArray   *linked_ids;    /* char* */

  /* Template widgets */
  GtkWidget   *box;
  GtkLabel    *name_label;
  GtkLabel    *state_label;
  GtkLabel    *message_label;
  GtkLabel    *time_label;
  GtkTextView *stack_view;
  GtkListBox  *tag_list;
  GtkFlowBox  *link_box;
  GtkLabel    *link_note;
  GtkTextView *uow_view;
};

G_DEFINE_FINAL_TYPE (HwFaultDetail, hw_fault_detail, GTK_TYPE_WIDGET)

static const char *
string_member (JsonObject *object,
               const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonObject *
object_member (JsonObject *object,
               const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static void
add_linked_id (HwFaultDetail *self,
               const char    *id)
{
  if (id == NULL || *id == '\0' || self->linked_ids->len >= MAX_LINKS)
    return;
  for (guint i = 0; i < self->linked_ids->len; i++)
    if (g_str_equal (g_ptr_array_index (self->linked_ids, i), id))
      return;
  g_ptr_array_add (self->linked_ids, g_strdup (id));
}

/* A channel record in the stream format carries the event base64-encoded.
 * The fault passed the guard, but the text inside the base64 did not: it
 * is whatever the failing function received, so it gets the same guard and
 * limits before json-glib recurses into it or decodes a "\255" into an id
 * that is not UTF-8. */
static void
collect_record (HwFaultDetail *self,
                JsonObject    *record)
{
  HwParseLimits limits = hw_parse_limits_default ();
  JsonObject *kinesis = object_member (record, "kinesis");
  const char *data = string_member (kinesis, "data");
  g_autofree guchar *decoded = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  gsize length = 0;

  add_linked_id (self, string_member (record, "id"));
  if (data == NULL)
    return;
  decoded = g_base64_decode (data, &length);
  node = hw_json_guard_parse ((const char *) decoded, length, limits.max_event_bytes, limits.max_depth,
                              "uow record kinesis.data", &error);
  if (node == NULL)
    {
      /* Not worth a dialog: the fault is still shown, without that link. */
      g_debug ("fault %s: %s", self->fault_id != NULL ? self->fault_id : "?", error->message);
      return;
    }
  if (JSON_NODE_HOLDS_OBJECT (node))
    add_linked_id (self, string_member (json_node_get_object (node), "id"));
}

static void
collect_uow (HwFaultDetail *self,
             JsonObject    *uow,
             guint          depth)
{
  JsonNode *batch;

  if (uow == NULL || depth > 4)
    return;
  add_linked_id (self, string_member (object_member (uow, "event"), "id"));
  if (object_member (uow, "record") != NULL)
    collect_record (self, object_member (uow, "record"));
  batch = json_object_get_member (uow, "batch");
  if (batch != NULL && JSON_NODE_HOLDS_ARRAY (batch))
    {
      JsonArray *array = json_node_get_array (batch);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_OBJECT (element))
            collect_uow (self, json_node_get_object (element), depth + 1);
        }
    }
}

static void
on_link_clicked (GtkButton     *button,
                 HwFaultDetail *self)
{
  const char *id = g_object_get_data (G_OBJECT (button), "event-id");
  g_autofree char *query = g_strdup_printf ("id:\"%s\"", id);
  g_autofree char *note = NULL;

  if (gtk_widget_activate_action (GTK_WIDGET (self), "win.show-events", "s", query))
    {
      gtk_widget_set_visible (GTK_WIDGET (self->link_note), FALSE);
      return;
    }
  /* No Event Lake page to open: the query still helps in any search. */
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), query);
  /* TRANSLATORS: %s is a search query such as id:"o-1" */
  note = g_strdup_printf (_("Copied the query %s: search for it in the Event Lake."), query);
  gtk_label_set_label (self->link_note, note);
  gtk_widget_set_visible (GTK_WIDGET (self->link_note), TRUE);
}

static void
show_links (HwFaultDetail *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->link_box))) != NULL)
    gtk_flow_box_remove (self->link_box, child);
  gtk_widget_set_visible (GTK_WIDGET (self->link_note), FALSE);
  for (guint i = 0; i < self->linked_ids->len; i++)
    {
      const char *id = g_ptr_array_index (self->linked_ids, i);
      g_autofree char *label = NULL;
      GtkWidget *button;

      /* TRANSLATORS: a link to an event of the lake; %s is its id */
      label = g_strdup_printf (_("Show event %s"), id);
      button = gtk_button_new_with_label (id);
      gtk_widget_add_css_class (button, "pill");
      gtk_widget_add_css_class (button, "small");
      gtk_widget_set_tooltip_text (button, label);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      label, -1);
      g_object_set_data_full (G_OBJECT (button), "event-id", g_strdup (id), g_free);
      g_signal_connect (button, "clicked", G_CALLBACK (on_link_clicked), self);
      gtk_flow_box_append (self->link_box, button);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->link_box), self->linked_ids->len > 0);
}

static void
show_tags (HwFaultDetail *self,
           JsonObject    *tags)
{
  GtkListBoxRow *row;
  g_autoptr(GList) members = NULL;

  while ((row = gtk_list_box_get_row_at_index (self->tag_list, 0)) != NULL)
    gtk_list_box_remove (self->tag_list, GTK_WIDGET (row));
  if (tags != NULL)
    members = json_object_get_members (tags);
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *value = json_object_get_member (tags, l->data);
      g_autofree char *text = NULL;
      GtkWidget *value_label;
      AdwActionRow *tag_row = ADW_ACTION_ROW (adw_action_row_new ());

      text = JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING
             ? g_strdup (json_node_get_string (value)) : json_to_string (value, FALSE);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (tag_row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (tag_row), l->data);
      value_label = gtk_label_new (text);
      gtk_label_set_selectable (GTK_LABEL (value_label), TRUE);
      gtk_label_set_ellipsize (GTK_LABEL (value_label), PANGO_ELLIPSIZE_MIDDLE);
      gtk_widget_add_css_class (value_label, "dim-label");
      adw_action_row_add_suffix (tag_row, value_label);
      gtk_list_box_append (self->tag_list, GTK_WIDGET (tag_row));
    }
  gtk_widget_set_visible (GTK_WIDGET (self->tag_list), members != NULL);
}

void
hw_fault_detail_set_fault (HwFaultDetail *self,
                           const char    *json,
                           gint64         resubmitted_at_ms)
{
  g_autoptr(JsonNode) node = NULL;
  JsonObject *event = NULL, *err, *uow;
  g_autofree char *when = NULL;
  g_autofree char *time_text = NULL;
  const char *stack;

  g_return_if_fail (HW_IS_FAULT_DETAIL (self));

  if (json != NULL && (node = json_from_string (json, NULL)) != NULL && JSON_NODE_HOLDS_OBJECT (node))
    event = json_node_get_object (node);
  err = object_member (event, "err");
  uow = object_member (event, "uow");

  g_clear_pointer (&self->fault_id, g_free);
  self->fault_id = g_strdup (string_member (event, "id"));
  gtk_label_set_label (self->name_label, string_member (err, "name") != NULL
                                         ? string_member (err, "name") : _("Unnamed error"));
  gtk_label_set_label (self->message_label, string_member (err, "message") != NULL
                                            ? string_member (err, "message") : _("No error message"));
  if (event != NULL && json_object_has_member (event, "timestamp"))
    when = hw_format_clock_time (json_object_get_int_member (event, "timestamp"));
  /* TRANSLATORS: when a fault was raised, then the fault's id */
  time_text = g_strdup_printf (_("Raised %s · id %s"), when != NULL ? when : "?",
                               self->fault_id != NULL ? self->fault_id : "?");
  gtk_label_set_label (self->time_label, time_text);

  gtk_widget_set_visible (GTK_WIDGET (self->state_label), resubmitted_at_ms > 0);
  if (resubmitted_at_ms > 0)
    {
      g_autofree char *at = hw_format_clock_time (resubmitted_at_ms);
      g_autofree char *state = g_strdup_printf (_("Resubmitted %s"), at);

      gtk_label_set_label (self->state_label, state);
    }

  stack = string_member (err, "stack");
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->stack_view),
                            stack != NULL ? stack : _("No stack trace"), -1);
  show_tags (self, object_member (event, "tags"));

  g_clear_pointer (&self->uow_text, g_free);
  if (uow != NULL)
    {
      g_autoptr(JsonNode) uow_node = json_node_new (JSON_NODE_OBJECT);

      json_node_set_object (uow_node, uow);
      self->uow_text = json_to_string (uow_node, TRUE);
    }
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->uow_view),
                            self->uow_text != NULL ? self->uow_text : _("No unit of work"), -1);
  g_ptr_array_set_size (self->linked_ids, 0);
  collect_uow (self, uow, 0);
  show_links (self);
}

const char *
hw_fault_detail_get_fault_id (HwFaultDetail *self)
{
  g_return_val_if_fail (HW_IS_FAULT_DETAIL (self), NULL);

  return self->fault_id;
}

char *
hw_fault_detail_dup_stack (HwFaultDetail *self)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  g_return_val_if_fail (HW_IS_FAULT_DETAIL (self), NULL);

  buffer = gtk_text_view_get_buffer (self->stack_view);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

GStrv
hw_fault_detail_dup_linked_ids (HwFaultDetail *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (HW_IS_FAULT_DETAIL (self), NULL);

  for (guint i = 0; i < self->linked_ids->len; i++)
    g_strv_builder_add (builder, g_ptr_array_index (self->linked_ids, i));
  return g_strv_builder_end (builder);
}

static void
copy_stack_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  g_autofree char *stack = hw_fault_detail_dup_stack (HW_FAULT_DETAIL (widget));

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), stack);
}

static void
copy_uow_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  HwFaultDetail *self = HW_FAULT_DETAIL (widget);

  if (self->uow_text != NULL)
    gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), self->uow_text);
}

static void
hw_fault_detail_dispose (GObject *object)
{
  HwFaultDetail *self = HW_FAULT_DETAIL (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), HW_TYPE_FAULT_DETAIL);
  g_clear_pointer (&self->fault_id, g_free);
  g_clear_pointer (&self->uow_text, g_free);
  g_clear_pointer (&self->linked_ids, g_ptr_array_unref);

  G_OBJECT_CLASS (hw_fault_detail_parent_class)->dispose (object);
}

static void
hw_fault_detail_class_init (HwFaultDetailClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hw_fault_detail_dispose;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/hw-fault-detail.ui");
  gtk_widget_class_bind_template_child (widget_class, HwFaultDetail, box);
  gtk_widget_class_bind_template_child (widget_class, HwFaultDetail, name_label);
  gtk_widget_class_bind_template_child (widget_class, HwFaultDetail, state_label);
  gtk_widget_class_bind_template_child (widget_class, HwFaultDetail, message_label);
  gtk_widget_class_bind_template_child (widget_class, HwFaultDetail, time_label);
  gtk_widget_class_bind_template_child (widget_class, HwFaultDetail, stack_view);
  gtk_widget_class_bind_template_child (widget_class, HwFaultDetail, tag_list);
  gtk_widget_class_bind_template_child (widget_class, HwFaultDetail, link_box);
  gtk_widget_class_bind_template_child (widget_class, HwFaultDetail, link_note);
  gtk_widget_class_bind_template_child (widget_class, HwFaultDetail, uow_view);

  gtk_widget_class_install_action (widget_class, "fault.copy-stack", NULL, copy_stack_action);
  gtk_widget_class_install_action (widget_class, "fault.copy-uow", NULL, copy_uow_action);
}

static void
hw_fault_detail_init (HwFaultDetail *self)
{
  self->linked_ids = g_ptr_array_new_with_free_func (g_free);
  gtk_widget_init_template (GTK_WIDGET (self));
}
