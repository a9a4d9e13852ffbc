/* hw-hub-routing.c: channel routing rules
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-error.h"
#include "hw-hub-routing.h"

struct _HwRoutingRule
{
  gatomicrefcount ref_count;
  GStrv           types;         /* empty = every type */
  GStrv           anything_but;
  GHashTable     *tags;          /* char* → char*, maybe empty */
};

gboolean
hw_routing_pattern_match (const char *pattern,
                          const char *text)
{
  const char *star = NULL;
  const char *resume = NULL;

  g_return_val_if_fail (pattern != NULL, FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  /* Greedy-with-backtrack over a single star: linear enough for type names. */
  while (*text != '\0')
    {
      if (*pattern == '*')
        {
          star = pattern++;
          resume = text;
        }
      else if (*pattern == *text)
        {
          pattern++;
          text++;
        }
      else if (star != NULL)
        {
          pattern = star + 1;
          text = ++resume;
        }
      else
        return FALSE;
    }
  while (*pattern == '*')
    pattern++;
  return *pattern == '\0';
}

static GStrv
strv_copy_or_empty (const char * const *strv)
{
  if (strv == NULL)
    return g_new0 (char *, 1);
  return g_strdupv ((char **) strv);
}

HwRoutingRule *
hw_routing_rule_new (const char * const *types,
                     const char * const *anything_but,
                     GHashTable         *tags)
{
  HwRoutingRule *rule = g_new0 (HwRoutingRule, 1);

  g_atomic_ref_count_init (&rule->ref_count);
  rule->types = strv_copy_or_empty (types);
  rule->anything_but = strv_copy_or_empty (anything_but);
  rule->tags = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (tags != NULL)
    {
      GHashTableIter iter;
      gpointer key, value;

      g_hash_table_iter_init (&iter, tags);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_hash_table_insert (rule->tags, g_strdup (key), g_strdup (value));
    }
  return rule;
}

static GStrv
strv_from_json (JsonObject  *object,
                const char  *member,
                GError     **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonNode *node = json_object_get_member (object, member);
  JsonArray *array;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return g_new0 (char *, 1);
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON,
                   "“%s” must be an array of strings", member);
      return NULL;
    }
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (item) || json_node_get_value_type (item) != G_TYPE_STRING ||
          *json_node_get_string (item) == '\0')
        {
          g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON,
                       "“%s[%u]” must be a non-empty string", member, i);
          return NULL;
        }
      g_strv_builder_add (builder, json_node_get_string (item));
    }
  return g_strv_builder_end (builder);
}

static GHashTable *
tags_from_json (JsonObject  *object,
                GError     **error)
{
  g_autoptr(GHashTable) tags = g_hash_table_new (g_str_hash, g_str_equal);
  JsonNode *node = json_object_get_member (object, "tags");
  JsonObject *tags_object;
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return g_steal_pointer (&tags);
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON, "“tags” must be an object of strings");
      return NULL;
    }
  tags_object = json_node_get_object (node);
  json_object_iter_init (&iter, tags_object);
  while (json_object_iter_next (&iter, &name, &value))
    {
      if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
        {
          g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON, "“tags.%s” must be a string", name);
          return NULL;
        }
      /* Borrowed from @object: hw_routing_rule_new() copies. */
      g_hash_table_insert (tags, (gpointer) name, (gpointer) json_node_get_string (value));
    }
  return g_steal_pointer (&tags);
}

HwRoutingRule *
hw_routing_rule_new_from_json (JsonObject  *object,
                               GError     **error)
{
  g_auto(GStrv) types = NULL;
  g_auto(GStrv) anything_but = NULL;
  g_autoptr(GHashTable) tags = NULL;

  g_return_val_if_fail (object != NULL, NULL);

  if ((types = strv_from_json (object, "types", error)) == NULL ||
      (anything_but = strv_from_json (object, "anything_but", error)) == NULL ||
      (tags = tags_from_json (object, error)) == NULL)
    return NULL;
  return hw_routing_rule_new ((const char * const *) types, (const char * const *) anything_but, tags);
}

HwRoutingRule *
hw_routing_rule_ref (HwRoutingRule *rule)
{
  g_return_val_if_fail (rule != NULL, NULL);
  g_atomic_ref_count_inc (&rule->ref_count);
  return rule;
}

void
hw_routing_rule_unref (HwRoutingRule *rule)
{
  g_return_if_fail (rule != NULL);
  if (!g_atomic_ref_count_dec (&rule->ref_count))
    return;
  g_strfreev (rule->types);
  g_strfreev (rule->anything_but);
  g_hash_table_unref (rule->tags);
  g_free (rule);
}

static gboolean
any_pattern_matches (const GStrv patterns,
                     const char *type)
{
  for (guint i = 0; patterns[i] != NULL; i++)
    if (hw_routing_pattern_match (patterns[i], type))
      return TRUE;
  return FALSE;
}

static const char *
event_tag (const HwEvent *event,
           const char    *name)
{
  JsonNode *tags, *value;

  if (event->expanded == NULL || !JSON_NODE_HOLDS_OBJECT (event->expanded))
    return NULL;
  tags = json_object_get_member (json_node_get_object (event->expanded), "tags");
  if (tags == NULL || !JSON_NODE_HOLDS_OBJECT (tags))
    return NULL;
  value = json_object_get_member (json_node_get_object (tags), name);
  if (value == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (value);
}

gboolean
hw_routing_rule_matches_type (const HwRoutingRule *rule,
                              const char          *type)
{
  g_return_val_if_fail (rule != NULL, FALSE);
  g_return_val_if_fail (type != NULL, FALSE);

  if (strcmp (type, "fault") == 0)
    return FALSE;
  if (rule->types[0] != NULL && !any_pattern_matches (rule->types, type))
    return FALSE;
  return !any_pattern_matches (rule->anything_but, type);
}

gboolean
hw_routing_rule_has_tags (const HwRoutingRule *rule)
{
  g_return_val_if_fail (rule != NULL, FALSE);
  return g_hash_table_size (rule->tags) > 0;
}

gboolean
hw_routing_rule_matches (const HwRoutingRule *rule,
                         const HwEvent       *event)
{
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (rule != NULL, FALSE);
  g_return_val_if_fail (event != NULL, FALSE);

  if (!hw_routing_rule_matches_type (rule, event->type))
    return FALSE;

  g_hash_table_iter_init (&iter, rule->tags);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (g_strcmp0 (event_tag (event, key), value) != 0)
      return FALSE;
  return TRUE;
}

static void
add_strv (JsonBuilder *builder,
          const char  *member,
          const GStrv  strv)
{
  json_builder_set_member_name (builder, member);
  json_builder_begin_array (builder);
  for (guint i = 0; strv[i] != NULL; i++)
    json_builder_add_string_value (builder, strv[i]);
  json_builder_end_array (builder);
}

void
hw_routing_rule_to_json (const HwRoutingRule *rule,
                         JsonBuilder         *builder)
{
  g_autoptr(GList) names = NULL;

  g_return_if_fail (rule != NULL);
  g_return_if_fail (JSON_IS_BUILDER (builder));

  add_strv (builder, "types", rule->types);
  add_strv (builder, "anything_but", rule->anything_but);
  json_builder_set_member_name (builder, "tags");
  json_builder_begin_object (builder);
  /* Sorted so that the JSON is stable across restarts (config comparisons). */
  names = g_list_sort (g_hash_table_get_keys (rule->tags), (GCompareFunc) g_strcmp0);
  for (GList *l = names; l != NULL; l = l->next)
    {
      json_builder_set_member_name (builder, l->data);
      json_builder_add_string_value (builder, g_hash_table_lookup (rule->tags, l->data));
    }
  json_builder_end_object (builder);
}
