/* hw-event-detail.c: one event: pretty JSON, a collapsible tree, the raw text, follow links
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <gtksourceview/gtksource.h>

#include "hw-event-detail.h"
#include "hw-json-tree.h"
#include "hw-mask.h"
#include "hw-time.h"

struct _HwEventDetail
{
  GtkWidget         parent_instance;

  char             *json;
  JsonNode         *node;
  GtkTreeListModel *tree;
  GtkSingleSelection *tree_selection;
  char             *follow[HW_N_FOLLOW];
  gboolean          follow_oldest[HW_N_FOLLOW];

  /* Template widgets */
  GtkStack         *outer_stack;
  GtkStack         *view_stack;
  GtkLabel         *title_label;
  GtkLabel         *subtitle_label;
  GtkSourceView    *pretty_view;
  GtkListView      *tree_view;
  GtkTextView      *raw_view;
};

enum {
  FOLLOW,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char * const follow_actions[HW_N_FOLLOW] = {
  "detail.follow-partition", "detail.follow-entity", "detail.follow-correlated", "detail.follow-faults",
};

G_DEFINE_FINAL_TYPE (HwEventDetail, hw_event_detail, GTK_TYPE_WIDGET)

/* Follow links ---------------------------------------------------------------- */

/* Envelope members that are not the entity payload. */
static const char * const envelope_members[] = {
  "id", "type", "timestamp", "partitionKey", "tags", "raw", "eem", "s3", "err", "uow",
};

static char *
quote_value (const char *value)
{
  g_autofree char *clean = g_strdup (value);

  /* Quoted values are literal and cannot hold a quote. */
  g_strdelimit (clean, "\"", ' ');
  return g_strdup_printf ("\"%s\"", clean);
}

/* json_object_get_object_member() is critical about a missing member. */
static JsonObject *
object_member (JsonObject *object,
               const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* A member's value as text when it is a string or a number. */
static char *
scalar_text (JsonObject *object,
             const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  return NULL;
}

static char *
entity_id (JsonObject *event)
{
  g_autoptr(GList) members = json_object_get_members (event);

  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *value = json_object_get_member (event, l->data);
      gboolean envelope = FALSE;

      for (guint i = 0; i < G_N_ELEMENTS (envelope_members); i++)
        envelope |= g_str_equal (l->data, envelope_members[i]);
      if (envelope || !JSON_NODE_HOLDS_OBJECT (value))
        continue;
      {
        char *id = scalar_text (json_node_get_object (value), "id");

        if (id != NULL && *id != '\0')
          return id;
        g_free (id);
      }
    }
  return NULL;
}

static char *
correlation_tag_query (JsonObject *event)
{
  JsonObject *tags = object_member (event, "tags");
  g_autoptr(GList) members = tags != NULL ? json_object_get_members (tags) : NULL;

  for (GList *l = members; l != NULL; l = l->next)
    {
      g_autofree char *lower = g_ascii_strdown (l->data, -1);
      g_autofree char *value = NULL;
      g_autofree char *quoted = NULL;

      if (strstr (lower, "correlation") == NULL)
        continue;
      value = scalar_text (tags, l->data);
      if (value == NULL || *value == '\0')
        continue;
      quoted = quote_value (value);
      return g_strdup_printf ("tags.%s:%s", (const char *) l->data, quoted);
    }
  return NULL;
}

static void
add_uow_id (GString    *query,
            JsonObject *uow)
{
  JsonObject *inner = object_member (uow, "event");
  g_autofree char *id = scalar_text (inner, "id");
  g_autofree char *quoted = NULL;

  if (id == NULL || *id == '\0')
    return;
  quoted = quote_value (id);
  g_string_append_printf (query, "%sid:%s", query->len > 0 ? " OR " : "", quoted);
}

/* The events a fault's unit of work names: uow.event and each uow.batch[]. */
static char *
uow_query (JsonObject *event)
{
  JsonObject *uow = object_member (event, "uow");
  JsonNode *batch_node = uow != NULL ? json_object_get_member (uow, "batch") : NULL;
  JsonArray *batch = batch_node != NULL && JSON_NODE_HOLDS_ARRAY (batch_node)
                     ? json_node_get_array (batch_node) : NULL;
  GString *query = g_string_new (NULL);

  add_uow_id (query, uow);
  for (guint i = 0; batch != NULL && i < json_array_get_length (batch) && i < 64; i++)
    {
      JsonNode *element = json_array_get_element (batch, i);

      if (JSON_NODE_HOLDS_OBJECT (element))
        add_uow_id (query, json_node_get_object (element));
    }
  if (query->len == 0)
    {
      g_string_free (query, TRUE);
      return NULL;
    }
  return g_string_free (query, FALSE);
}

char *
hw_event_follow_query (JsonNode     *event,
                       HwFollowKind  kind,
                       gboolean     *oldest_first)
{
  JsonObject *object;
  g_autofree char *value = NULL;
  g_autofree char *quoted = NULL;

  g_return_val_if_fail (event != NULL, NULL);

  if (oldest_first != NULL)
    *oldest_first = kind == HW_FOLLOW_ENTITY || kind == HW_FOLLOW_CORRELATED;
  if (!JSON_NODE_HOLDS_OBJECT (event))
    return NULL;
  object = json_node_get_object (event);

  switch (kind)
    {
    case HW_FOLLOW_PARTITION_KEY:
      value = scalar_text (object, "partitionKey");
      if (value == NULL || *value == '\0')
        return NULL;
      quoted = quote_value (value);
      return g_strdup_printf ("partitionKey:%s", quoted);
    case HW_FOLLOW_ENTITY:
      /* The entity id appears in every event about it, whatever the type. */
      value = entity_id (object);
      if (value == NULL)
        return NULL;
      return quote_value (value);
    case HW_FOLLOW_CORRELATED:
      value = correlation_tag_query (object);
      return value != NULL ? g_steal_pointer (&value) : uow_query (object);
    case HW_FOLLOW_FAULTS:
      value = scalar_text (object, "id");
      if (value == NULL || *value == '\0')
        return NULL;
      quoted = quote_value (value);
      return g_strdup_printf ("type:fault %s", quoted);
    case HW_N_FOLLOW:
    default:
      return NULL;
    }
}

static void
follow_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  HwEventDetail *self = HW_EVENT_DETAIL (widget);

  for (guint i = 0; i < HW_N_FOLLOW; i++)
    if (g_str_equal (action_name, follow_actions[i]) && self->follow[i] != NULL)
      g_signal_emit (self, signals[FOLLOW], 0, self->follow[i], self->follow_oldest[i]);
}

/* Copying --------------------------------------------------------------------- */

static void
copy_text (HwEventDetail *self,
           const char    *text)
{
  if (text != NULL)
    gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), text);
}

static HwJsonTreeItem *
selected_field (HwEventDetail *self)
{
  GtkTreeListRow *row = self->tree_selection != NULL
                        ? gtk_single_selection_get_selected_item (self->tree_selection) : NULL;

  return row != NULL ? gtk_tree_list_row_get_item (row) : NULL;
}

static void
copy_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  HwEventDetail *self = HW_EVENT_DETAIL (widget);
  g_autoptr(HwJsonTreeItem) field = NULL;
  g_autofree char *value = NULL;

  if (g_str_equal (action_name, "detail.copy-event"))
    {
      copy_text (self, self->json);
      return;
    }
  field = selected_field (self);
  if (field == NULL)
    return;
  if (g_str_equal (action_name, "detail.copy-path"))
    copy_text (self, hw_json_tree_item_get_path (field));
  else
    {
      value = hw_json_tree_item_dup_value (field);
      copy_text (self, value);
    }
}

static void
update_field_actions (HwEventDetail *self)
{
  g_autoptr(HwJsonTreeItem) field = selected_field (self);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "detail.copy-path", field != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "detail.copy-value", field != NULL);
}

/* The tree -------------------------------------------------------------------- */

static void
setup_field (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item)
{
  GtkWidget *expander = gtk_tree_expander_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *key = gtk_label_new (NULL);
  GtkWidget *value = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (key), 0);
  gtk_label_set_xalign (GTK_LABEL (value), 0);
  gtk_label_set_ellipsize (GTK_LABEL (value), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (value, TRUE);
  gtk_widget_add_css_class (key, "monospace");
  gtk_widget_add_css_class (value, "monospace");
  gtk_widget_add_css_class (value, "json-value");
  gtk_box_append (GTK_BOX (box), key);
  gtk_box_append (GTK_BOX (box), value);
  gtk_tree_expander_set_child (GTK_TREE_EXPANDER (expander), box);
  gtk_list_item_set_child (list_item, expander);
}

static void
bind_field (GtkSignalListItemFactory *factory,
            GtkListItem              *list_item)
{
  GtkTreeListRow *row = gtk_list_item_get_item (list_item);
  GtkWidget *expander = gtk_list_item_get_child (list_item);
  GtkWidget *box = gtk_tree_expander_get_child (GTK_TREE_EXPANDER (expander));
  GtkWidget *key = gtk_widget_get_first_child (box);
  GtkWidget *value = gtk_widget_get_last_child (box);
  g_autoptr(HwJsonTreeItem) field = gtk_tree_list_row_get_item (row);
  g_autofree char *preview = hw_json_tree_item_dup_preview (field);
  g_autofree char *accessible = NULL;
  gboolean masked = strstr (preview, HW_MASK_REPLACEMENT) != NULL;

  gtk_tree_expander_set_list_row (GTK_TREE_EXPANDER (expander), row);
  gtk_label_set_label (GTK_LABEL (key), hw_json_tree_item_get_key (field));
  gtk_label_set_label (GTK_LABEL (value), preview);
  gtk_widget_set_tooltip_text (value, masked ? _("Masked: this value is sensitive and never leaves the hub unmasked")
                                             : NULL);
  if (masked)
    gtk_widget_add_css_class (value, "warning");
  else
    gtk_widget_remove_css_class (value, "warning");
  accessible = g_strdup_printf ("%s: %s", hw_json_tree_item_get_path (field), preview);
  gtk_accessible_update_property (GTK_ACCESSIBLE (expander), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
}

static void
unbind_field (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item)
{
  gtk_tree_expander_set_list_row (GTK_TREE_EXPANDER (gtk_list_item_get_child (list_item)), NULL);
}

/* Showing --------------------------------------------------------------------- */

static void
show_header (HwEventDetail *self,
             JsonObject    *object)
{
  g_autofree char *id = scalar_text (object, "id");
  g_autofree char *type = scalar_text (object, "type");
  g_autofree char *when = NULL;
  g_autofree char *subtitle = NULL;

  if (json_object_has_member (object, "timestamp"))
    when = hw_time_format_iso8601 (json_object_get_int_member_with_default (object, "timestamp", 0));
  gtk_label_set_label (self->title_label, type != NULL ? type : _("Event"));
  subtitle = g_strdup_printf ("%s · %s", id != NULL ? id : "—", when != NULL ? when : "—");
  gtk_label_set_label (self->subtitle_label, subtitle);
}

static void
show_tree (HwEventDetail *self)
{
  g_clear_object (&self->tree_selection);
  g_clear_object (&self->tree);
  if (self->node != NULL)
    {
      self->tree = hw_json_tree_new_model (self->node, FALSE);
      self->tree_selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->tree)));
      gtk_single_selection_set_autoselect (self->tree_selection, FALSE);
      gtk_single_selection_set_can_unselect (self->tree_selection, TRUE);
      gtk_single_selection_set_selected (self->tree_selection, GTK_INVALID_LIST_POSITION);
      g_signal_connect_swapped (self->tree_selection, "notify::selected",
                                G_CALLBACK (update_field_actions), self);
    }
  gtk_list_view_set_model (self->tree_view, GTK_SELECTION_MODEL (self->tree_selection));
  update_field_actions (self);
}

void
hw_event_detail_set_event (HwEventDetail *self,
                           const char    *json)
{
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *pretty = NULL;

  g_return_if_fail (HW_IS_EVENT_DETAIL (self));

  g_free (self->json);
  self->json = g_strdup (json);
  g_clear_pointer (&self->node, json_node_unref);
  if (json != NULL)
    node = json_from_string (json, NULL);
  self->node = node != NULL ? json_node_ref (node) : NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "detail.copy-event", json != NULL);
  for (guint i = 0; i < HW_N_FOLLOW; i++)
    {
      g_clear_pointer (&self->follow[i], g_free);
      if (self->node != NULL)
        self->follow[i] = hw_event_follow_query (self->node, i, &self->follow_oldest[i]);
      gtk_widget_action_set_enabled (GTK_WIDGET (self), follow_actions[i], self->follow[i] != NULL);
    }

  if (json == NULL)
    {
      gtk_stack_set_visible_child_name (self->outer_stack, "empty");
      show_tree (self);
      return;
    }

  pretty = self->node != NULL ? json_to_string (self->node, TRUE) : g_strdup (json);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->pretty_view)), pretty, -1);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->raw_view), json, -1);
  if (self->node != NULL && JSON_NODE_HOLDS_OBJECT (self->node))
    show_header (self, json_node_get_object (self->node));
  show_tree (self);
  gtk_stack_set_visible_child_name (self->outer_stack, "event");
}

const char *
hw_event_detail_get_json (HwEventDetail *self)
{
  g_return_val_if_fail (HW_IS_EVENT_DETAIL (self), NULL);

  return self->json;
}

char *
hw_event_detail_dup_pretty (HwEventDetail *self)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  g_return_val_if_fail (HW_IS_EVENT_DETAIL (self), NULL);

  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->pretty_view));
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

GListModel *
hw_event_detail_get_tree (HwEventDetail *self)
{
  g_return_val_if_fail (HW_IS_EVENT_DETAIL (self), NULL);

  return self->tree != NULL ? G_LIST_MODEL (self->tree) : NULL;
}

/* GObject --------------------------------------------------------------------- */

static void
update_scheme (HwEventDetail *self)
{
  GtkSourceBuffer *buffer = GTK_SOURCE_BUFFER (gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->pretty_view)));
  gboolean dark = adw_style_manager_get_dark (adw_style_manager_get_default ());
  GtkSourceStyleScheme *scheme =
    gtk_source_style_scheme_manager_get_scheme (gtk_source_style_scheme_manager_get_default (),
                                                dark ? "Adwaita-dark" : "Adwaita");

  if (scheme != NULL)
    gtk_source_buffer_set_style_scheme (buffer, scheme);
}

static void
hw_event_detail_dispose (GObject *object)
{
  HwEventDetail *self = HW_EVENT_DETAIL (object);

  g_signal_handlers_disconnect_by_data (adw_style_manager_get_default (), self);
  gtk_widget_dispose_template (GTK_WIDGET (self), HW_TYPE_EVENT_DETAIL);
  g_clear_object (&self->tree_selection);
  g_clear_object (&self->tree);
  g_clear_pointer (&self->node, json_node_unref);
  g_clear_pointer (&self->json, g_free);
  for (guint i = 0; i < HW_N_FOLLOW; i++)
    g_clear_pointer (&self->follow[i], g_free);

  G_OBJECT_CLASS (hw_event_detail_parent_class)->dispose (object);
}

static void
hw_event_detail_class_init (HwEventDetailClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hw_event_detail_dispose;

  signals[FOLLOW] = g_signal_new ("follow", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);

  gtk_source_init ();
  g_type_ensure (GTK_SOURCE_TYPE_VIEW);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/hw-event-detail.ui");
  gtk_widget_class_bind_template_child (widget_class, HwEventDetail, outer_stack);
  gtk_widget_class_bind_template_child (widget_class, HwEventDetail, view_stack);
  gtk_widget_class_bind_template_child (widget_class, HwEventDetail, title_label);
  gtk_widget_class_bind_template_child (widget_class, HwEventDetail, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, HwEventDetail, pretty_view);
  gtk_widget_class_bind_template_child (widget_class, HwEventDetail, tree_view);
  gtk_widget_class_bind_template_child (widget_class, HwEventDetail, raw_view);

  gtk_widget_class_install_action (widget_class, "detail.copy-event", NULL, copy_activated);
  gtk_widget_class_install_action (widget_class, "detail.copy-path", NULL, copy_activated);
  gtk_widget_class_install_action (widget_class, "detail.copy-value", NULL, copy_activated);
  for (guint i = 0; i < HW_N_FOLLOW; i++)
    gtk_widget_class_install_action (widget_class, follow_actions[i], NULL, follow_activated);
}

static void
hw_event_detail_init (HwEventDetail *self)
{
  GtkListItemFactory *factory;
  GtkSourceBuffer *buffer;
  GtkSourceLanguage *json;

  gtk_widget_init_template (GTK_WIDGET (self));

  buffer = GTK_SOURCE_BUFFER (gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->pretty_view)));
  json = gtk_source_language_manager_get_language (gtk_source_language_manager_get_default (), "json");
  if (json != NULL)
    gtk_source_buffer_set_language (buffer, json);
  gtk_source_buffer_set_highlight_syntax (buffer, TRUE);
  update_scheme (self);
  g_signal_connect_swapped (adw_style_manager_get_default (), "notify::dark",
                            G_CALLBACK (update_scheme), self);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_field), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_field), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_field), NULL);
  gtk_list_view_set_factory (self->tree_view, factory);
  g_object_unref (factory);

  hw_event_detail_set_event (self, NULL);
}

GtkWidget *
hw_event_detail_new (void)
{
  return g_object_new (HW_TYPE_EVENT_DETAIL, NULL);
}
