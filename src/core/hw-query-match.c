/* hw-query-match.c: evaluates a parsed query on one event in memory
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-query-private.h"

/* Must agree with the SQL the same query compiles to (hw-query-sql.c):
 * the hub filters its live stream with this and its lake with that. */

typedef struct
{
  const HwEvent  *event;
  char          **words;    /* the event's search words, split on first use */
  guint           n_words;
} MatchContext;

/* The text SQLite gives for CAST(json_extract(tags, '$."tag"') AS TEXT):
 * strings as they are, true/false as 1/0, reals always with a point,
 * objects and arrays as compact JSON; null and missing are NULL. */
static char *
event_tag (const HwEvent *event,
           const char    *tag)
{
  JsonNode *tags;
  JsonNode *value;
  GType type;

  if (event->expanded == NULL || !JSON_NODE_HOLDS_OBJECT (event->expanded))
    return NULL;
  tags = json_object_get_member (json_node_get_object (event->expanded), "tags");
  if (tags == NULL || !JSON_NODE_HOLDS_OBJECT (tags))
    return NULL;
  value = json_object_get_member (json_node_get_object (tags), tag);
  if (value == NULL || JSON_NODE_HOLDS_NULL (value))
    return NULL;
  if (!JSON_NODE_HOLDS_VALUE (value))
    return json_to_string (value, FALSE);

  type = json_node_get_value_type (value);
  if (type == G_TYPE_STRING)
    return g_strdup (json_node_get_string (value));
  if (type == G_TYPE_BOOLEAN)
    return g_strdup (json_node_get_boolean (value) ? "1" : "0");
  if (type == G_TYPE_DOUBLE)
    {
      char *text = g_strdup_printf ("%.15g", json_node_get_double (value));

      if (strpbrk (text, ".eEni") != NULL)
        return text;
      g_free (text);
      return g_strdup_printf ("%.15g.0", json_node_get_double (value));
    }
  return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (value));
}

static const char *
event_column (const HwEvent     *event,
              const HwQueryNode *node)
{
  switch (node->field)
    {
    case HW_QUERY_FIELD_ID: return event->id;
    case HW_QUERY_FIELD_TYPE: return event->type;
    case HW_QUERY_FIELD_PARTITION_KEY: return event->partition_key;
    case HW_QUERY_FIELD_SOURCE: return event->source;
    case HW_QUERY_FIELD_FUNCTIONNAME: return event->functionname;
    case HW_QUERY_FIELD_PIPELINE: return event->pipeline;
    case HW_QUERY_FIELD_ACCOUNT: return event->account;
    case HW_QUERY_FIELD_REGION: return event->region;
    case HW_QUERY_FIELD_STAGE: return event->stage;
    case HW_QUERY_FIELD_TAG:
    case HW_QUERY_FIELD_FROM:
    case HW_QUERY_FIELD_TO:
    default:
      g_assert_not_reached ();
    }
}

/* SQLite GLOB restricted to '*', which is all the compiler leaves
 * unescaped. Greedy with one backtrack point, so linear in practice. */
static gboolean
glob_match (const char *pattern,
            const char *text)
{
  const char *star = NULL;
  const char *retry = NULL;

  while (*text != '\0')
    {
      if (*pattern == '*')
        {
          star = pattern++;
          retry = text;
        }
      else if (*pattern == *text)
        {
          pattern++;
          text++;
        }
      else if (star != NULL)
        {
          pattern = star + 1;
          text = ++retry;
        }
      else
        return FALSE;
    }
  while (*pattern == '*')
    pattern++;
  return *pattern == '\0';
}

/* Like hw_phrase() in the store (hw-event-store-text.c): the words
 * adjacent and in order; a prefix search relaxes only the last word. */
static gboolean
match_text (MatchContext      *ctx,
            const HwQueryNode *node)
{
  if (ctx->words == NULL)
    {
      g_autofree char *text = hw_event_dup_search_text (ctx->event);

      ctx->words = hw_query_split_words (text != NULL ? text : "");
      ctx->n_words = g_strv_length (ctx->words);
    }
  return hw_query_words_have_phrase (ctx->words, ctx->n_words, node->words, node->wildcard);
}

static gboolean
match_field (const HwEvent     *event,
             const HwQueryNode *node)
{
  g_autofree char *tag_value = NULL;
  const char *value;

  if (node->field == HW_QUERY_FIELD_TAG)
    value = tag_value = event_tag (event, node->tag);
  else
    value = event_column (event, node);
  if (value == NULL)
    return FALSE;
  return node->wildcard ? glob_match (node->value, value) : g_str_equal (node->value, value);
}

static gboolean
match_node (MatchContext      *ctx,
            const HwQueryNode *node)
{

  switch (node->kind)
    {
    case HW_QUERY_NODE_AND:
      for (guint i = 0; i < node->children->len; i++)
        if (!match_node (ctx, g_ptr_array_index (node->children, i)))
          return FALSE;
      return TRUE;
    case HW_QUERY_NODE_OR:
      for (guint i = 0; i < node->children->len; i++)
        if (match_node (ctx, g_ptr_array_index (node->children, i)))
          return TRUE;
      return FALSE;
    case HW_QUERY_NODE_NOT:
      return !match_node (ctx, g_ptr_array_index (node->children, 0));
    case HW_QUERY_NODE_TEXT:
      return match_text (ctx, node);
    case HW_QUERY_NODE_FIELD:
    default:
      return match_field (ctx->event, node);
    }
}

gboolean
hw_query_matches_event (HwQuery       *query,
                        const HwEvent *event)
{
  MatchContext ctx = { event, NULL, 0 };
  gboolean matches;

  g_return_val_if_fail (query != NULL, FALSE);
  g_return_val_if_fail (event != NULL, FALSE);

  if (event->timestamp_ms < query->from_ms || event->timestamp_ms >= query->to_ms)
    return FALSE;
  if (query->root == NULL)
    return TRUE;

  matches = match_node (&ctx, query->root);
  g_strfreev (ctx.words);
  return matches;
}
