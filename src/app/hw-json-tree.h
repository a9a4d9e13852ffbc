/* hw-json-tree.h: a JSON document as a collapsible tree of list items
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define HW_TYPE_JSON_TREE_ITEM (hw_json_tree_item_get_type ())

G_DECLARE_FINAL_TYPE (HwJsonTreeItem, hw_json_tree_item, HW, JSON_TREE_ITEM, GObject)

/* A GtkTreeListModel of GtkTreeListRow over HwJsonTreeItem: one item per
 * member or element of @root (which is referenced), children created when
 * a row is expanded. The first level is expanded when @autoexpand. */
GtkTreeListModel *hw_json_tree_new_model          (JsonNode       *root,
                                                   gboolean        autoexpand);

/* The member name, or "[i]" for an array element. */
const char       *hw_json_tree_item_get_key       (HwJsonTreeItem *self);
/* The path from the root: "order.items[0].sku" (the syntax eem.fields uses). */
const char       *hw_json_tree_item_get_path      (HwJsonTreeItem *self);
JsonNode         *hw_json_tree_item_get_node      (HwJsonTreeItem *self);
/* Scalars as JSON text ("\"abc\"", 12, true, null); containers summarised
 * as "{3}" / "[5]". */
char             *hw_json_tree_item_dup_preview   (HwJsonTreeItem *self);
/* The value to copy: a string's text unquoted, anything else as JSON. */
char             *hw_json_tree_item_dup_value     (HwJsonTreeItem *self);

G_END_DECLS
