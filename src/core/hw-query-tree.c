/* hw-query-tree.c: the parsed query's tree: its nodes, and lifting the time bounds out of it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-query-private.h"

/* Nodes ------------------------------------------------------------------- */

void
hw_query_node_free (HwQueryNode *node)
{
  if (node == NULL)
    return;
  g_clear_pointer (&node->children, g_ptr_array_unref);
  g_free (node->tag);
  g_free (node->value);
  g_strfreev (node->words);
  g_free (node);
}

HwQueryNode *
hw_query_node_new (HwQueryNodeKind kind,
                   guint           position)
{
  HwQueryNode *node = g_new0 (HwQueryNode, 1);

  node->kind = kind;
  node->position = position;
  if (kind == HW_QUERY_NODE_AND || kind == HW_QUERY_NODE_OR || kind == HW_QUERY_NODE_NOT)
    node->children = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_query_node_free);
  return node;
}

HwQueryNode *
hw_query_node_combine (HwQueryNodeKind  kind,
                       HwQueryNode     *left,
                       HwQueryNode     *right)
{
  HwQueryNode *node = left;

  if (left->kind != kind)
    {
      node = hw_query_node_new (kind, left->position);
      g_ptr_array_add (node->children, left);
    }
  if (right->kind == kind)
    {
      g_ptr_array_extend_and_steal (node->children, g_steal_pointer (&right->children));
      hw_query_node_free (right);
    }
  else
    g_ptr_array_add (node->children, right);
  return node;
}

/* Time bounds ------------------------------------------------------------ */

static gboolean
is_time_bound (HwQueryNode *node)
{
  return node->kind == HW_QUERY_NODE_FIELD
         && (node->field == HW_QUERY_FIELD_FROM || node->field == HW_QUERY_FIELD_TO);
}

static void
apply_time_bound (HwQuery     *query,
                  HwQueryNode *node)
{
  if (node->field == HW_QUERY_FIELD_FROM)
    query->from_ms = MAX (query->from_ms, node->ms);
  else
    query->to_ms = MIN (query->to_ms, node->ms);
}

static const HwQueryNode *
find_time_bound (const HwQueryNode *node)
{
  if (is_time_bound ((HwQueryNode *) node))
    return node;
  for (guint i = 0; node->children != NULL && i < node->children->len; i++)
    {
      const HwQueryNode *found = find_time_bound (g_ptr_array_index (node->children, i));

      if (found != NULL)
        return found;
    }
  return NULL;
}

const HwQueryNode *
hw_query_hoist_time_bounds (HwQuery *query)
{
  HwQueryNode *root = query->root;

  if (root == NULL)
    return NULL;
  if (is_time_bound (root))
    {
      apply_time_bound (query, root);
      g_clear_pointer (&query->root, hw_query_node_free);
      return NULL;
    }
  if (root->kind == HW_QUERY_NODE_AND)
    {
      for (guint i = root->children->len; i > 0; i--)
        if (is_time_bound (g_ptr_array_index (root->children, i - 1)))
          {
            apply_time_bound (query, g_ptr_array_index (root->children, i - 1));
            g_ptr_array_remove_index (root->children, i - 1);
          }
      if (root->children->len == 0)
        g_clear_pointer (&query->root, hw_query_node_free);
      else if (root->children->len == 1)
        {
          query->root = g_ptr_array_steal_index (root->children, 0);
          hw_query_node_free (root);
        }
    }
  return query->root != NULL ? find_time_bound (query->root) : NULL;
}
