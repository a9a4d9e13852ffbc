/* hw-json-tree.c: a JSON document as a collapsible tree of list items
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-json-tree.h"

struct _HwJsonTreeItem
{
  GObject   parent_instance;

  char     *key;
  char     *path;
  JsonNode *node;
};

G_DEFINE_FINAL_TYPE (HwJsonTreeItem, hw_json_tree_item, G_TYPE_OBJECT)

static void
hw_json_tree_item_finalize (GObject *object)
{
  HwJsonTreeItem *self = HW_JSON_TREE_ITEM (object);

  g_free (self->key);
  g_free (self->path);
  g_clear_pointer (&self->node, json_node_unref);

  G_OBJECT_CLASS (hw_json_tree_item_parent_class)->finalize (object);
}

static void
hw_json_tree_item_class_init (HwJsonTreeItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hw_json_tree_item_finalize;
}

static void
hw_json_tree_item_init (HwJsonTreeItem *self)
{
}

static HwJsonTreeItem *
item_new (const char *key,
          const char *parent_path,
          gboolean    is_index,
          JsonNode   *node)
{
  HwJsonTreeItem *self = g_object_new (HW_TYPE_JSON_TREE_ITEM, NULL);

  self->key = g_strdup (key);
  if (parent_path == NULL || *parent_path == '\0')
    self->path = g_strdup (key);
  else if (is_index)
    self->path = g_strconcat (parent_path, key, NULL);
  else
    self->path = g_strconcat (parent_path, ".", key, NULL);
  self->node = json_node_ref (node);
  return self;
}

/* The members of @node (an object or array) as a list of items. */
static GListStore *
list_children (JsonNode   *node,
               const char *path)
{
  GListStore *store = g_list_store_new (HW_TYPE_JSON_TREE_ITEM);

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      g_autoptr(GList) members = json_object_get_members (object);

      for (GList *l = members; l != NULL; l = l->next)
        {
          g_autoptr(HwJsonTreeItem) item = item_new (l->data, path, FALSE,
                                                     json_object_get_member (object, l->data));

          g_list_store_append (store, item);
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          g_autofree char *key = g_strdup_printf ("[%u]", i);
          g_autoptr(HwJsonTreeItem) item = item_new (key, path, TRUE, json_array_get_element (array, i));

          g_list_store_append (store, item);
        }
    }
  return store;
}

static GListModel *
create_children (gpointer item,
                 gpointer user_data)
{
  HwJsonTreeItem *self = item;

  if (!JSON_NODE_HOLDS_OBJECT (self->node) && !JSON_NODE_HOLDS_ARRAY (self->node))
    return NULL;
  return G_LIST_MODEL (list_children (self->node, self->path));
}

GtkTreeListModel *
hw_json_tree_new_model (JsonNode *root,
                        gboolean  autoexpand)
{
  g_return_val_if_fail (root != NULL, NULL);

  return gtk_tree_list_model_new (G_LIST_MODEL (list_children (root, NULL)), FALSE, autoexpand,
                                  create_children, NULL, NULL);
}

const char *
hw_json_tree_item_get_key (HwJsonTreeItem *self)
{
  g_return_val_if_fail (HW_IS_JSON_TREE_ITEM (self), NULL);

  return self->key;
}

const char *
hw_json_tree_item_get_path (HwJsonTreeItem *self)
{
  g_return_val_if_fail (HW_IS_JSON_TREE_ITEM (self), NULL);

  return self->path;
}

JsonNode *
hw_json_tree_item_get_node (HwJsonTreeItem *self)
{
  g_return_val_if_fail (HW_IS_JSON_TREE_ITEM (self), NULL);

  return self->node;
}

char *
hw_json_tree_item_dup_preview (HwJsonTreeItem *self)
{
  g_return_val_if_fail (HW_IS_JSON_TREE_ITEM (self), NULL);

  if (JSON_NODE_HOLDS_OBJECT (self->node))
    return g_strdup_printf ("{%u}", json_object_get_size (json_node_get_object (self->node)));
  if (JSON_NODE_HOLDS_ARRAY (self->node))
    return g_strdup_printf ("[%u]", json_array_get_length (json_node_get_array (self->node)));
  return json_to_string (self->node, FALSE);
}

char *
hw_json_tree_item_dup_value (HwJsonTreeItem *self)
{
  g_return_val_if_fail (HW_IS_JSON_TREE_ITEM (self), NULL);

  if (JSON_NODE_HOLDS_VALUE (self->node) && json_node_get_value_type (self->node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (self->node));
  return json_to_string (self->node, TRUE);
}
