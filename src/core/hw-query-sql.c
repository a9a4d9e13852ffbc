/* hw-query-sql.c: compiles a parsed query to a SQL expression with bound parameters
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-error.h"
#include "hw-query-private.h"

/* Nothing the user typed is ever appended to the SQL text below: values
 * go into params and the SQL only ever gets a '?' for them. */

static void
add_string (GPtrArray  *params,
            const char *value)
{
  g_ptr_array_add (params, g_variant_ref_sink (g_variant_new_string (value)));
}

static void
add_int64 (GPtrArray *params,
           gint64     value)
{
  g_ptr_array_add (params, g_variant_ref_sink (g_variant_new_int64 (value)));
}

/* A NULL column makes `col = ?` NULL rather than false, and NOT NULL is
 * still NULL: `-source:x` would then drop events without a source. */
static gboolean
node_is_nullable (const HwQueryNode *node)
{
  switch (node->kind)
    {
    case HW_QUERY_NODE_TEXT:
    case HW_QUERY_NODE_NOT:
      return FALSE;
    case HW_QUERY_NODE_FIELD:
      return node->field != HW_QUERY_FIELD_ID && node->field != HW_QUERY_FIELD_TYPE;
    case HW_QUERY_NODE_AND:
    case HW_QUERY_NODE_OR:
    default:
      for (guint i = 0; i < node->children->len; i++)
        if (node_is_nullable (g_ptr_array_index (node->children, i)))
          return TRUE;
      return FALSE;
    }
}

/* '*' stays a wildcard; GLOB's other metacharacters become literal. */
static char *
glob_pattern (const char *value)
{
  GString *pattern = g_string_sized_new (strlen (value) + 8);

  for (const char *c = value; *c != '\0'; c++)
    {
      if (*c == '?' || *c == '[' || *c == ']')
        g_string_append_printf (pattern, "[%c]", *c);
      else
        g_string_append_c (pattern, *c);
    }
  return g_string_free (pattern, FALSE);
}

/* The FTS5 query for some words: each one quoted (they hold only letters
 * and digits, so nothing in them needs escaping), which FTS5 ANDs. The
 * index has no positions since schema step 6, so it can only say which
 * events hold all of them; compile_phrase_test() adds the test of their
 * adjacency. */
static char *
fts_words (char * const *words,
           gboolean      wildcard)
{
  GString *match = g_string_new (NULL);

  for (guint i = 0; words[i] != NULL; i++)
    g_string_append_printf (match, "%s\"%s\"", i > 0 ? " " : "", words[i]);
  if (wildcard)
    g_string_append_c (match, '*');
  return g_string_free (match, FALSE);
}

static gboolean
is_phrase (const HwQueryNode *node)
{
  return node->kind == HW_QUERY_NODE_TEXT && node->words[0] != NULL && node->words[1] != NULL;
}

/* After the set test: it reads and decompresses the row's body. */
static void
compile_phrase_test (const HwQueryNode *node,
                     GString           *sql,
                     GPtrArray         *params)
{
  g_autofree char *words = g_strjoinv (" ", node->words);

  g_string_append (sql, "hw_phrase(e.body, ?, ?)");
  add_string (params, words);
  add_int64 (params, node->wildcard ? 1 : 0);
}

static void compile_node (const HwQueryNode *node,
                          HwQuerySqlFlags    flags,
                          GString           *sql,
                          GPtrArray         *params);

/* partitionKey has had no index of its own since schema step 5: keys are
 * random, so every commit rewrote about one page of it per event. The
 * key's words are in the search text (it holds every string member), so
 * FTS5 narrows the rows down to those holding them all, and the column
 * test keeps the exact matches. Only the value up to its first
 * wildcard can be searched, its last word as a prefix. NULL when that has
 * no word in it: the column test alone then reads the table. */
static char *
partition_key_match (const HwQueryNode *node)
{
  g_autofree char *prefix = NULL;
  g_auto(GStrv) words = NULL;

  if (node->kind != HW_QUERY_NODE_FIELD || node->field != HW_QUERY_FIELD_PARTITION_KEY)
    return NULL;
  prefix = g_strndup (node->value, node->wildcard ? strcspn (node->value, "*") : strlen (node->value));
  words = hw_query_split_words (prefix);
  if (words[0] == NULL)
    return NULL;
  return fts_words (words, node->wildcard);
}

/* The FTS5 query a free-text or partitionKey node compiles to, or NULL. */
static char *
node_match (const HwQueryNode *node)
{
  if (node->kind == HW_QUERY_NODE_TEXT)
    return fts_words (node->words, node->wildcard);
  return partition_key_match (node);
}

static void compile_text (const char      *match,
                          HwQuerySqlFlags  flags,
                          GString         *sql,
                          GPtrArray       *params);

static void
compile_column_test (const HwQueryNode *node,
                     GString           *sql,
                     GPtrArray         *params)
{
  const char *column = hw_query_field_column (node->field);

  if (column != NULL)
    g_string_append (sql, column);
  else
    {
      g_autofree char *path = g_strdup_printf ("$.\"%s\"", node->tag);

      /* Tags compare as text whatever their JSON type, like the matcher. */
      g_string_append (sql, "CAST(json_extract(e.tags, ?) AS TEXT)");
      add_string (params, path);
    }

  if (node->wildcard)
    {
      g_autofree char *pattern = glob_pattern (node->value);

      g_string_append (sql, " GLOB ?");
      add_string (params, pattern);
    }
  else
    {
      g_string_append (sql, " = ?");
      add_string (params, node->value);
    }
}

/* Set while compiling under NOT, where narrowing by the full-text index
 * cannot help: it would only build the set of every key that matches. */
#define COMPILE_NEGATED ((HwQuerySqlFlags) (1 << 16))

static void
compile_field (const HwQueryNode *node,
               HwQuerySqlFlags    flags,
               GString           *sql,
               GPtrArray         *params)
{
  g_autofree char *match = (flags & COMPILE_NEGATED) ? NULL : partition_key_match (node);

  if (match == NULL)
    {
      compile_column_test (node, sql, params);
      return;
    }
  /* The set test first: it needs only the seq, which a time index holds,
   * while the column needs the row; under OR, where SQLite walks every
   * row, that order kept it from reading each one. */
  g_string_append_c (sql, '(');
  compile_text (match, flags, sql, params);
  g_string_append (sql, " AND ");
  compile_column_test (node, sql, params);
  g_string_append_c (sql, ')');
}

/* The free-text and partitionKey children of an AND as one FTS5 query
 * ("a" "b" is a AND b there), or NULL with fewer than two: FTS5
 * intersects its doclists far faster than SQLite intersects one IN list
 * per term. */
static char *
joined_text (const HwQueryNode *node)
{
  GString *match = NULL;
  guint n = 0;

  if (node->kind != HW_QUERY_NODE_AND)
    return NULL;
  for (guint i = 0; i < node->children->len; i++)
    {
      const HwQueryNode *child = g_ptr_array_index (node->children, i);
      g_autofree char *term = node_match (child);

      if (term == NULL)
        continue;
      if (match == NULL)
        match = g_string_new (term);
      else
        g_string_append_printf (match, " %s", term);
      n++;
    }
  if (n < 2)
    {
      if (match != NULL)
        g_string_free (match, TRUE);
      return NULL;
    }
  return g_string_free (match, FALSE);
}

static void
compile_text (const char      *match,
              HwQuerySqlFlags  flags,
              GString         *sql,
              GPtrArray       *params)
{
  /* The unary plus keeps SQLite from driving the query by the matches'
   * rowids: it then walks an index in time order (small, and sorted
   * already) and tests each row against the set of matches, instead of
   * reading every matching row of the wide events table for its ts. */
  g_string_append (sql, (flags & HW_QUERY_SQL_TEXT_AS_FILTER) != 0
                        ? "+e.seq IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)"
                        : "e.seq IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)");
  add_string (params, match);
}

static void
compile_list (const HwQueryNode *node,
              const char        *separator,
              HwQuerySqlFlags    flags,
              GString           *sql,
              GPtrArray         *params)
{
  g_autofree char *joined = joined_text (node);
  gboolean first = TRUE;

  if (joined != NULL)
    {
      compile_text (joined, flags, sql, params);
      first = FALSE;
    }
  for (guint i = 0; i < node->children->len; i++)
    {
      const HwQueryNode *child = g_ptr_array_index (node->children, i);
      gboolean group = child->kind == HW_QUERY_NODE_AND || child->kind == HW_QUERY_NODE_OR;

      if (joined != NULL && child->kind == HW_QUERY_NODE_TEXT)
        {
          /* Its words are in the joined query; only adjacency is left. */
          if (is_phrase (child))
            {
              g_string_append (sql, separator);
              compile_phrase_test (child, sql, params);
            }
          continue;
        }
      if (!first)
        g_string_append (sql, separator);
      first = FALSE;
      if (group)
        g_string_append_c (sql, '(');
      /* A partitionKey in the joined query needs only its exact test. */
      if (joined != NULL && child->kind == HW_QUERY_NODE_FIELD)
        compile_column_test (child, sql, params);
      else
        compile_node (child, flags, sql, params);
      if (group)
        g_string_append_c (sql, ')');
    }
}

static void
compile_node (const HwQueryNode *node,
              HwQuerySqlFlags    flags,
              GString           *sql,
              GPtrArray         *params)
{
  g_autofree char *match = NULL;
  const HwQueryNode *child;

  switch (node->kind)
    {
    case HW_QUERY_NODE_AND:
      compile_list (node, " AND ", flags, sql, params);
      break;
    case HW_QUERY_NODE_OR:
      compile_list (node, " OR ", flags, sql, params);
      break;
    case HW_QUERY_NODE_NOT:
      child = g_ptr_array_index (node->children, 0);
      g_string_append (sql, node_is_nullable (child) ? "NOT coalesce(" : "NOT (");
      compile_node (child, flags | COMPILE_NEGATED, sql, params);
      g_string_append (sql, node_is_nullable (child) ? ", 0)" : ")");
      break;
    case HW_QUERY_NODE_TEXT:
      match = fts_words (node->words, node->wildcard);
      if (!is_phrase (node))
        {
          compile_text (match, flags, sql, params);
          break;
        }
      g_string_append_c (sql, '(');
      compile_text (match, flags, sql, params);
      g_string_append (sql, " AND ");
      compile_phrase_test (node, sql, params);
      g_string_append_c (sql, ')');
      break;
    case HW_QUERY_NODE_FIELD:
    default:
      compile_field (node, flags, sql, params);
      break;
    }
}

static void
add_required_text (const HwQueryNode *node,
                   GPtrArray         *matches)
{
  char *joined = joined_text (node);
  char *match = node_match (node);

  /* As compiled: several terms are one FTS query. */
  if (joined != NULL)
    g_ptr_array_add (matches, joined);
  if (match != NULL)
    g_ptr_array_add (matches, match);
  else if (node->kind == HW_QUERY_NODE_AND)
    for (guint i = 0; i < node->children->len; i++)
      {
        const HwQueryNode *child = g_ptr_array_index (node->children, i);

        /* In the joined query already, if there is one. */
        if (joined == NULL && (match = node_match (child)) != NULL)
          g_ptr_array_add (matches, match);
      }
}

static gboolean
node_has_text (const HwQueryNode *node)
{
  if (node->kind == HW_QUERY_NODE_TEXT)
    return TRUE;
  if (node->kind == HW_QUERY_NODE_FIELD)
    {
      g_autofree char *match = partition_key_match (node);

      return match != NULL;
    }
  for (guint i = 0; i < node->children->len; i++)
    if (node_has_text (g_ptr_array_index (node->children, i)))
      return TRUE;
  return FALSE;
}

gboolean
hw_query_has_text (HwQuery *query)
{
  g_return_val_if_fail (query != NULL, FALSE);

  return query->root != NULL && node_has_text (query->root);
}

GPtrArray *
hw_query_required_text (HwQuery  *query,
                        gboolean *has_text)
{
  GPtrArray *matches = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (query != NULL, matches);

  if (has_text != NULL)
    *has_text = hw_query_has_text (query);
  if (query->root != NULL)
    add_required_text (query->root, matches);
  return matches;
}

char *
hw_query_to_sql (HwQuery    *query,
                 GPtrArray **params)
{
  return hw_query_to_sql_full (query, HW_QUERY_SQL_NONE, params);
}

char *
hw_query_to_sql_full (HwQuery          *query,
                      HwQuerySqlFlags   flags,
                      GPtrArray       **params)
{
  GString *sql;

  g_return_val_if_fail (query != NULL, NULL);
  g_return_val_if_fail (params != NULL, NULL);

  if (*params == NULL)
    *params = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);

  if (hw_query_is_empty (query))
    return g_strdup ("1");

  sql = g_string_new (NULL);
  if (query->from_ms != G_MININT64)
    {
      g_string_append (sql, "e.ts >= ?");
      add_int64 (*params, query->from_ms);
    }
  if (query->to_ms != G_MAXINT64)
    {
      g_string_append (sql, sql->len > 0 ? " AND e.ts < ?" : "e.ts < ?");
      add_int64 (*params, query->to_ms);
    }
  if (query->root != NULL)
    {
      gboolean group = sql->len > 0 && query->root->kind == HW_QUERY_NODE_OR;

      g_string_append (sql, sql->len > 0 ? " AND " : "");
      g_string_append (sql, group ? "(" : "");
      compile_node (query->root, flags, sql, *params);
      g_string_append (sql, group ? ")" : "");
    }
  return g_string_free (sql, FALSE);
}

gboolean
hw_sql_bind_params (sqlite3_stmt  *stmt,
                    int            first_index,
                    GPtrArray     *params,
                    GError       **error)
{
  g_return_val_if_fail (stmt != NULL, FALSE);
  g_return_val_if_fail (first_index >= 1, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (guint i = 0; params != NULL && i < params->len; i++)
    {
      GVariant *value = g_ptr_array_index (params, i);
      int index = first_index + (int) i;
      int rc;

      if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
        rc = sqlite3_bind_text (stmt, index, g_variant_get_string (value, NULL), -1, SQLITE_TRANSIENT);
      else if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT64))
        rc = sqlite3_bind_int64 (stmt, index, g_variant_get_int64 (value));
      else if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT32))
        rc = sqlite3_bind_int (stmt, index, g_variant_get_int32 (value));
      else if (g_variant_is_of_type (value, G_VARIANT_TYPE_DOUBLE))
        rc = sqlite3_bind_double (stmt, index, g_variant_get_double (value));
      else if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
        rc = sqlite3_bind_int (stmt, index, g_variant_get_boolean (value) ? 1 : 0);
      else
        {
          g_set_error (error, HW_ERROR, HW_ERROR_FAILED,
                       "SQL parameter %d has unsupported type '%s'",
                       index, g_variant_get_type_string (value));
          return FALSE;
        }

      if (rc != SQLITE_OK)
        {
          g_set_error (error, HW_ERROR, HW_ERROR_FAILED, "Cannot bind SQL parameter %d: %s",
                       index, sqlite3_errstr (rc));
          return FALSE;
        }
    }
  return TRUE;
}
