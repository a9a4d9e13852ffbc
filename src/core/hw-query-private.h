/* hw-query-private.h: the parsed query tree, shared by the parser, the SQL compiler and the matcher
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hw-query.h"

G_BEGIN_DECLS

typedef enum
{
  HW_QUERY_FIELD_ID,
  HW_QUERY_FIELD_TYPE,
  HW_QUERY_FIELD_PARTITION_KEY,
  HW_QUERY_FIELD_SOURCE,
  HW_QUERY_FIELD_FUNCTIONNAME,
  HW_QUERY_FIELD_PIPELINE,
  HW_QUERY_FIELD_ACCOUNT,
  HW_QUERY_FIELD_REGION,
  HW_QUERY_FIELD_STAGE,
  HW_QUERY_FIELD_TAG,     /* any other tags.<name>, looked up in the tags JSON */
  HW_QUERY_FIELD_FROM,
  HW_QUERY_FIELD_TO,
} HwQueryField;

typedef enum
{
  HW_QUERY_NODE_AND,
  HW_QUERY_NODE_OR,
  HW_QUERY_NODE_NOT,
  HW_QUERY_NODE_TEXT,     /* a free term or a "phrase" */
  HW_QUERY_NODE_FIELD,    /* field:value, including from:/to: until hoisted */
} HwQueryNodeKind;

typedef struct _HwQueryNode HwQueryNode;

struct _HwQueryNode
{
  HwQueryNodeKind  kind;
  guint            position;   /* 0-based character offset in the query text */

  GPtrArray       *children;   /* AND, OR: two or more; NOT: exactly one */

  HwQueryField     field;
  char            *tag;        /* HW_QUERY_FIELD_TAG: the tag name */
  char            *value;      /* FIELD: the value; TEXT: the text, without a prefix '*' */
  gboolean         wildcard;   /* FIELD: value holds '*' wildcards; TEXT: prefix search */
  char           **words;      /* TEXT: the folded words, as the full-text index sees them */
  gint64           ms;         /* FROM, TO: the resolved bound */
};

HwQueryNode *hw_query_node_new     (HwQueryNodeKind  kind,
                                   guint            position);
void         hw_query_node_free    (HwQueryNode     *node);
/* a AND (b AND c) is one AND of three: flat lists keep the SQL shallow. */
HwQueryNode *hw_query_node_combine (HwQueryNodeKind  kind,
                                   HwQueryNode     *left,
                                   HwQueryNode     *right);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwQueryNode, hw_query_node_free)

struct _HwQuery
{
  gatomicrefcount  ref_count;
  char            *text;
  HwQueryNode     *root;       /* NULL: no condition besides the time bounds */
  gint64           from_ms;    /* G_MININT64 when unbounded */
  gint64           to_ms;      /* G_MAXINT64 when unbounded */
};

#define HW_QUERY_KNOWN_FIELDS "id, type, partitionKey, source, functionname, pipeline, account, " \
                              "region, stage, tags.<name>, from, to"

/* Resolves a field name (case-insensitive; tags.<name> keeps the tag's
 * case) to a field, and for other tags to HW_QUERY_FIELD_TAG plus a newly
 * allocated @tag. FALSE for an unknown name. */
gboolean     hw_query_field_lookup     (const char    *name,
                                        HwQueryField  *field,
                                        char         **tag);

/* The column of `events e` holding a field, or NULL for HW_QUERY_FIELD_TAG. */
const char  *hw_query_field_column     (HwQueryField  field);

/* Splits text into lower-cased words of letters and digits, dropping
 * combining marks, the way FTS5's unicode61 tokenizer with
 * remove_diacritics does. */
char       **hw_query_split_words      (const char   *text);
/* Whether @terms occur in @words adjacent and in order, the last one as a
 * prefix when @prefix: a phrase, as FTS5 with positions matched one. */
gboolean     hw_query_words_have_phrase (char * const *words,
                                         guint         n_words,
                                         char * const *terms,
                                         gboolean      prefix);

typedef enum
{
  HW_QUERY_SQL_NONE           = 0,
  /* Free-text terms filter rows found otherwise (by time or by a field
   * index) rather than drive the query: best when they match many rows. */
  HW_QUERY_SQL_TEXT_AS_FILTER = 1 << 0,
} HwQuerySqlFlags;

/* hw_query_to_sql() with a choice of plan. */
char        *hw_query_to_sql_full      (HwQuery         *query,
                                        HwQuerySqlFlags  flags,
                                        GPtrArray      **params);

/* The FTS5 MATCH strings of the free-text terms every match must have
 * (the root term, or terms ANDed at the root), to estimate how many rows
 * a query can match. @has_text says whether any text term appears at all. */
GPtrArray   *hw_query_required_text    (HwQuery         *query,
                                        gboolean        *has_text);

/* from:/to: bound the whole query, so they are lifted out of the
 * top-level AND into @query's from_ms and to_ms. Returns the first one
 * left anywhere else (inside OR or NOT, where it has no clear meaning),
 * for the parser to report, or NULL. */
const HwQueryNode *hw_query_hoist_time_bounds (HwQuery *query);

G_END_DECLS
