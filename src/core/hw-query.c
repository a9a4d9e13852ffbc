/* hw-query.c: lexing and parsing of the search query language (the tree it builds: hw-query-tree.c)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-error.h"
#include "hw-query-private.h"
#include "hw-time.h"

/* Bounds that keep a hostile query (the hub accepts them from the network)
 * far below SQLite's own limits on expression depth and parameter count. */
#define MAX_QUERY_BYTES 8192
#define MAX_DEPTH       64
#define MAX_TERMS       256
/* SQLite's parser has a fixed stack (YYSTACKDEPTH, 100 entries) and each
 * level of AND / OR / NOT in the compiled SQL takes up to four of them,
 * whatever parentheses the text used: deeper trees would parse here and
 * then fail in SQLite with "parser stack overflow". */
#define MAX_SQL_DEPTH   20

G_DEFINE_BOXED_TYPE (HwQuery, hw_query, hw_query_ref, hw_query_unref)

/* ------------------------------------------------------------------ lexer */

typedef enum
{
  TOK_END,
  TOK_ERROR,
  TOK_LPAREN,
  TOK_RPAREN,
  TOK_AND,
  TOK_OR,
  TOK_NOT,
  TOK_MINUS,
  TOK_TEXT,
  TOK_FIELD,
} TokenKind;

typedef struct
{
  TokenKind   kind;
  const char *start;        /* first byte of the token */
  const char *value_start;  /* TOK_FIELD: first byte after the ':' */
  char       *name;         /* TOK_FIELD */
  char       *value;        /* TOK_TEXT, TOK_FIELD: unquoted, unescaped */
  gboolean    quoted;
} Token;

typedef struct
{
  const char *text;
  const char *p;
  Token       tok;
  gint64      now_ms;
  guint       depth;
  guint       n_terms;
  guint       error_offset;
  GError     *error;
} Parser;

static void G_GNUC_PRINTF (3, 4)
parser_fail (Parser     *parser,
             const char *at,
             const char *format,
             ...)
{
  g_autofree char *reason = NULL;
  va_list args;

  /* The first error is the one the user needs to fix. */
  if (parser->error != NULL)
    return;
  parser->error_offset = (guint) g_utf8_pointer_to_offset (parser->text, at);
  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);
  parser->error = g_error_new (HW_ERROR, HW_ERROR_INVALID_QUERY, "Invalid query at position %u: %s",
                               parser->error_offset + 1, reason);
}

static gboolean
is_delimiter (char c)
{
  return c == '\0' || c == '(' || c == ')' || c == '"' || g_ascii_isspace (c);
}

static gboolean
looks_like_field_name (const char *start,
                       const char *end)
{
  if (start == end || !(g_ascii_isalpha (*start) || *start == '_'))
    return FALSE;
  for (const char *c = start; c < end; c++)
    if (!(g_ascii_isalnum (*c) || *c == '_' || *c == '.' || *c == '-'))
      return FALSE;
  return TRUE;
}

/* A double-quoted string; backslash escapes '"' and '\'. */
static char *
lex_quoted (Parser *parser)
{
  g_autoptr(GString) value = g_string_new (NULL);
  const char *open = parser->p++;

  while (*parser->p != '"')
    {
      if (*parser->p == '\0')
        {
          parser_fail (parser, open, "unbalanced quote: this '\"' is never closed");
          return NULL;
        }
      if (*parser->p == '\\' && (parser->p[1] == '"' || parser->p[1] == '\\'))
        parser->p++;
      g_string_append_c (value, *parser->p++);
    }
  parser->p++;
  return g_string_free (g_steal_pointer (&value), FALSE);
}

static void
lex_word (Parser *parser,
          Token  *tok)
{
  const char *end = tok->start;
  const char *colon;

  while (!is_delimiter (*end))
    end++;

  colon = memchr (tok->start, ':', end - tok->start);
  if (colon != NULL && looks_like_field_name (tok->start, colon))
    {
      tok->kind = TOK_FIELD;
      tok->name = g_strndup (tok->start, colon - tok->start);
      tok->value_start = colon + 1;
      parser->p = colon + 1;
      if (*parser->p == '"')
        {
          tok->quoted = TRUE;
          tok->value = lex_quoted (parser);
          if (tok->value == NULL)
            tok->kind = TOK_ERROR;
          return;
        }
      while (!is_delimiter (*parser->p))
        parser->p++;
      tok->value = g_strndup (tok->value_start, parser->p - tok->value_start);
      return;
    }

  parser->p = end;
  if (end - tok->start == 3 && strncmp (tok->start, "AND", 3) == 0)
    tok->kind = TOK_AND;
  else if (end - tok->start == 2 && strncmp (tok->start, "OR", 2) == 0)
    tok->kind = TOK_OR;
  else if (end - tok->start == 3 && strncmp (tok->start, "NOT", 3) == 0)
    tok->kind = TOK_NOT;
  else
    {
      tok->kind = TOK_TEXT;
      tok->value = g_strndup (tok->start, end - tok->start);
    }
}

static void
advance (Parser *parser)
{
  Token *tok = &parser->tok;

  g_clear_pointer (&tok->name, g_free);
  g_clear_pointer (&tok->value, g_free);
  tok->quoted = FALSE;
  tok->value_start = NULL;

  if (parser->error != NULL)
    {
      tok->kind = TOK_ERROR;
      return;
    }

  while (g_ascii_isspace (*parser->p))
    parser->p++;
  tok->start = parser->p;

  switch (*parser->p)
    {
    case '\0':
      tok->kind = TOK_END;
      break;
    case '(':
      tok->kind = TOK_LPAREN;
      parser->p++;
      break;
    case ')':
      tok->kind = TOK_RPAREN;
      parser->p++;
      break;
    case '"':
      tok->kind = TOK_TEXT;
      tok->quoted = TRUE;
      tok->value = lex_quoted (parser);
      if (tok->value == NULL)
        tok->kind = TOK_ERROR;
      break;
    case '-':
      tok->kind = TOK_MINUS;
      parser->p++;
      if (g_ascii_isspace (*parser->p) || *parser->p == '\0' || *parser->p == ')')
        {
          parser_fail (parser, tok->start, "'-' must be followed by a term");
          tok->kind = TOK_ERROR;
        }
      break;
    default:
      lex_word (parser, tok);
      break;
    }
}

static gboolean
starts_term (TokenKind kind)
{
  return kind == TOK_TEXT || kind == TOK_FIELD || kind == TOK_LPAREN
         || kind == TOK_NOT || kind == TOK_MINUS;
}

/* ------------------------------------------------------------------ terms */

static gboolean
count_term (Parser *parser)
{
  if (++parser->n_terms <= MAX_TERMS)
    return TRUE;
  parser_fail (parser, parser->tok.start, "too many terms (at most %d)", MAX_TERMS);
  return FALSE;
}

static HwQueryNode *
make_text (Parser *parser)
{
  Token *tok = &parser->tok;
  g_autoptr(HwQueryNode) node = hw_query_node_new (HW_QUERY_NODE_TEXT, 0);
  gsize len = strlen (tok->value);

  node->position = (guint) g_utf8_pointer_to_offset (parser->text, tok->start);
  if (!tok->quoted && len > 0 && tok->value[len - 1] == '*')
    {
      node->wildcard = TRUE;
      while (len > 0 && tok->value[len - 1] == '*')
        len--;
    }
  node->value = g_strndup (tok->value, len);
  node->words = hw_query_split_words (node->value);
  if (node->words[0] == NULL)
    {
      parser_fail (parser, tok->start, "'%s' has no letters or digits to search for", tok->value);
      return NULL;
    }
  return count_term (parser) ? g_steal_pointer (&node) : NULL;
}

static gboolean
lookup_field (Parser      *parser,
              HwQueryNode *node)
{
  if (hw_query_field_lookup (parser->tok.name, &node->field, &node->tag))
    return TRUE;

  parser_fail (parser, parser->tok.start,
               "unknown field '%s' (known fields: " HW_QUERY_KNOWN_FIELDS "; "
               "put text containing ':' in quotes to search for it)", parser->tok.name);
  return FALSE;
}

/* The time message is ours (hw-time.c) and its reason follows the last
 * ": "; only the reason is repeated, with the position in the query. */
static const char *
time_error_reason (const GError *error)
{
  const char *reason = g_strrstr (error->message, ": ");

  return reason != NULL ? reason + 2 : error->message;
}

static gboolean
resolve_time (Parser      *parser,
              HwQueryNode *node)
{
  Token *tok = &parser->tok;
  g_autoptr(GError) error = NULL;
  HwTimeRound round = node->field == HW_QUERY_FIELD_FROM ? HW_TIME_ROUND_DOWN : HW_TIME_ROUND_UP;
  guint offset = 0;

  if (hw_time_parse_with_offset (tok->value, parser->now_ms, round, &node->ms, &offset, &error))
    return TRUE;

  /* Escapes inside quotes would shift this slightly; times have none. */
  parser_fail (parser, g_utf8_offset_to_pointer (tok->value_start, offset + (tok->quoted ? 1 : 0)),
               "bad time in '%s:': %s", tok->name, time_error_reason (error));
  return FALSE;
}

static HwQueryNode *
make_field (Parser *parser)
{
  Token *tok = &parser->tok;
  g_autoptr(HwQueryNode) node = hw_query_node_new (HW_QUERY_NODE_FIELD, 0);

  node->position = (guint) g_utf8_pointer_to_offset (parser->text, tok->start);
  if (!lookup_field (parser, node))
    return NULL;
  if (tok->value[0] == '\0')
    {
      parser_fail (parser, tok->value_start, "empty value for field '%s'", tok->name);
      return NULL;
    }
  if (node->field == HW_QUERY_FIELD_FROM || node->field == HW_QUERY_FIELD_TO)
    return resolve_time (parser, node) ? g_steal_pointer (&node) : NULL;

  node->value = g_strdup (tok->value);
  node->wildcard = !tok->quoted && strchr (tok->value, '*') != NULL;
  return count_term (parser) ? g_steal_pointer (&node) : NULL;
}

/* ------------------------------------------------------------------ parser */

static HwQueryNode *parse_or (Parser *parser);

static HwQueryNode *
parse_group (Parser *parser)
{
  const char *open = parser->tok.start;
  g_autoptr(HwQueryNode) node = NULL;

  if (++parser->depth > MAX_DEPTH)
    {
      parser_fail (parser, open, "nested too deeply (at most %d levels)", MAX_DEPTH);
      return NULL;
    }
  advance (parser);
  if (parser->tok.kind == TOK_RPAREN)
    {
      parser_fail (parser, open, "empty parentheses");
      return NULL;
    }
  if (parser->tok.kind == TOK_END)
    {
      parser_fail (parser, open, "unbalanced parenthesis: this '(' is never closed");
      return NULL;
    }
  node = parse_or (parser);
  if (node == NULL)
    return NULL;
  if (parser->tok.kind != TOK_RPAREN)
    {
      parser_fail (parser, open, "unbalanced parenthesis: this '(' is never closed");
      return NULL;
    }
  parser->depth--;
  advance (parser);
  return g_steal_pointer (&node);
}

static HwQueryNode *
parse_primary (Parser *parser)
{
  Token *tok = &parser->tok;
  HwQueryNode *node = NULL;

  switch (tok->kind)
    {
    case TOK_LPAREN:
      return parse_group (parser);
    case TOK_TEXT:
      node = make_text (parser);
      break;
    case TOK_FIELD:
      node = make_field (parser);
      break;
    case TOK_AND:
    case TOK_OR:
      parser_fail (parser, tok->start, "'%s' is missing a term before it",
                   tok->kind == TOK_AND ? "AND" : "OR");
      return NULL;
    case TOK_RPAREN:
      parser_fail (parser, tok->start, "unbalanced parenthesis: this ')' has no matching '('");
      return NULL;
    case TOK_END:
      parser_fail (parser, tok->start, "expected a term");
      return NULL;
    case TOK_ERROR:
    case TOK_NOT:
    case TOK_MINUS:
    default:
      return NULL;
    }
  if (node != NULL)
    advance (parser);
  return node;
}

static HwQueryNode *
parse_unary (Parser *parser)
{
  const char *op_at = parser->tok.start;
  const char *op_name = parser->tok.kind == TOK_NOT ? "NOT" : "-";
  HwQueryNode *child;
  HwQueryNode *node;

  if (parser->tok.kind != TOK_NOT && parser->tok.kind != TOK_MINUS)
    return parse_primary (parser);

  advance (parser);
  if (!starts_term (parser->tok.kind))
    {
      parser_fail (parser, op_at, "'%s' is missing a term after it", op_name);
      return NULL;
    }
  if (++parser->depth > MAX_DEPTH)
    {
      parser_fail (parser, op_at, "nested too deeply (at most %d levels)", MAX_DEPTH);
      return NULL;
    }
  child = parse_unary (parser);
  parser->depth--;
  if (child == NULL)
    return NULL;

  node = hw_query_node_new (HW_QUERY_NODE_NOT, (guint) g_utf8_pointer_to_offset (parser->text, op_at));
  g_ptr_array_add (node->children, child);
  return node;
}

static HwQueryNode *
parse_and (Parser *parser)
{
  g_autoptr(HwQueryNode) left = parse_unary (parser);

  while (left != NULL)
    {
      const char *op_at = parser->tok.start;
      HwQueryNode *right;

      if (parser->tok.kind == TOK_AND)
        {
          advance (parser);
          if (!starts_term (parser->tok.kind))
            {
              parser_fail (parser, op_at, "'AND' is missing a term after it");
              return NULL;
            }
        }
      else if (!starts_term (parser->tok.kind))
        break;

      right = parse_unary (parser);
      if (right == NULL)
        return NULL;
      left = hw_query_node_combine (HW_QUERY_NODE_AND, g_steal_pointer (&left), right);
    }
  return g_steal_pointer (&left);
}

static HwQueryNode *
parse_or (Parser *parser)
{
  g_autoptr(HwQueryNode) left = parse_and (parser);

  while (left != NULL && parser->tok.kind == TOK_OR)
    {
      const char *op_at = parser->tok.start;
      HwQueryNode *right;

      advance (parser);
      if (!starts_term (parser->tok.kind))
        {
          parser_fail (parser, op_at, "'OR' is missing a term after it");
          return NULL;
        }
      right = parse_and (parser);
      if (right == NULL)
        return NULL;
      left = hw_query_node_combine (HW_QUERY_NODE_OR, g_steal_pointer (&left), right);
    }
  return g_steal_pointer (&left);
}

/* from:/to: narrow the whole query, so they are lifted out of the
 * top-level AND; anywhere else they would have no clear meaning. */
static gboolean
hoist_time_bounds (HwQuery *query,
                   Parser  *parser)
{
  const HwQueryNode *misplaced = hw_query_hoist_time_bounds (query);

  if (misplaced == NULL)
    return TRUE;
  parser_fail (parser, g_utf8_offset_to_pointer (parser->text, misplaced->position),
               "'%s:' bounds the whole query and cannot be used inside OR or NOT",
               misplaced->field == HW_QUERY_FIELD_FROM ? "from" : "to");
  return FALSE;
}

/* ------------------------------------------------------------------ API */

static void
query_free (HwQuery *query)
{
  g_free (query->text);
  hw_query_node_free (query->root);
  g_free (query);
}

static HwQuery *
fail_parse (Parser   *parser,
            HwQuery  *query,
            guint    *error_position,
            GError  **error)
{
  if (error_position != NULL)
    *error_position = parser->error_offset + 1;
  g_propagate_error (error, g_steal_pointer (&parser->error));
  g_clear_pointer (&parser->tok.name, g_free);
  g_clear_pointer (&parser->tok.value, g_free);
  query_free (query);
  return NULL;
}

/* The first node below @node that is nested deeper than MAX_SQL_DEPTH.
 * Recursion is bounded: the parser already limited nesting to MAX_DEPTH. */
static const HwQueryNode *
find_too_deep (const HwQueryNode *node,
               guint              depth)
{
  if (node == NULL || node->children == NULL)
    return NULL;
  if (depth > MAX_SQL_DEPTH)
    return node;
  for (guint i = 0; i < node->children->len; i++)
    {
      const HwQueryNode *deep = find_too_deep (g_ptr_array_index (node->children, i), depth + 1);

      if (deep != NULL)
        return deep;
    }
  return NULL;
}

HwQuery *
hw_query_parse (const char  *text,
                gint64       now_ms,
                guint       *error_position,
                GError     **error)
{
  Parser parser = { 0 };
  HwQuery *query;
  const char *invalid = NULL;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (error_position != NULL)
    *error_position = 0;

  query = g_new0 (HwQuery, 1);
  g_atomic_ref_count_init (&query->ref_count);
  query->from_ms = G_MININT64;
  query->to_ms = G_MAXINT64;
  parser.text = parser.p = text;
  parser.now_ms = now_ms;

  if (!g_utf8_validate (text, -1, &invalid))
    {
      parser.error_offset = (guint) g_utf8_pointer_to_offset (text, invalid);
      parser.error = g_error_new (HW_ERROR, HW_ERROR_INVALID_QUERY,
                                  "Invalid query at position %u: invalid UTF-8",
                                  parser.error_offset + 1);
      return fail_parse (&parser, query, error_position, error);
    }
  if (strlen (text) > MAX_QUERY_BYTES)
    {
      parser_fail (&parser, g_utf8_find_prev_char (text, text + MAX_QUERY_BYTES + 1),
                   "the query is longer than %d bytes", MAX_QUERY_BYTES);
      return fail_parse (&parser, query, error_position, error);
    }
  query->text = g_strdup (text);

  advance (&parser);
  if (parser.tok.kind != TOK_END)
    query->root = parse_or (&parser);
  if (parser.error == NULL && parser.tok.kind == TOK_RPAREN)
    parser_fail (&parser, parser.tok.start, "unbalanced parenthesis: this ')' has no matching '('");
  if (parser.error == NULL)
    hoist_time_bounds (query, &parser);
  if (parser.error == NULL)
    {
      const HwQueryNode *deep = find_too_deep (query->root, 1);

      if (deep != NULL)
        parser_fail (&parser, g_utf8_offset_to_pointer (text, deep->position),
                     "nested too deeply (at most %d levels of AND, OR and NOT)", MAX_SQL_DEPTH);
    }
  if (parser.error != NULL)
    return fail_parse (&parser, query, error_position, error);

  g_assert (parser.tok.kind == TOK_END);
  return query;
}

HwQuery *
hw_query_ref (HwQuery *query)
{
  g_return_val_if_fail (query != NULL, NULL);

  g_atomic_ref_count_inc (&query->ref_count);
  return query;
}

void
hw_query_unref (HwQuery *query)
{
  g_return_if_fail (query != NULL);

  if (g_atomic_ref_count_dec (&query->ref_count))
    query_free (query);
}

const char *
hw_query_get_text (HwQuery *query)
{
  g_return_val_if_fail (query != NULL, NULL);

  return query->text;
}

gboolean
hw_query_is_empty (HwQuery *query)
{
  g_return_val_if_fail (query != NULL, TRUE);

  return query->root == NULL && query->from_ms == G_MININT64 && query->to_ms == G_MAXINT64;
}

gboolean
hw_query_get_time_bounds (HwQuery *query,
                          gint64  *from_ms,
                          gint64  *to_ms)
{
  g_return_val_if_fail (query != NULL, FALSE);

  if (from_ms != NULL)
    *from_ms = query->from_ms;
  if (to_ms != NULL)
    *to_ms = query->to_ms;
  return query->from_ms != G_MININT64 || query->to_ms != G_MAXINT64;
}
