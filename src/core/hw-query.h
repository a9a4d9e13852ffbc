/* hw-query.h: the search query language shared by the console, the hub and the CLI
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <sqlite3.h>

#include "hw-event.h"

G_BEGIN_DECLS

/* Syntax, in short (see hw-query.c for the details):
 *
 *   payment failed          free text, implicit AND; case-insensitive words
 *   "card declined"         a phrase: the words adjacent and in order
 *   pay*                    a word prefix
 *   type:order-*            a field, `*` is a wildcard; quoted values are literal
 *   tags.functionname:pay*  the common tags are columns; any other tags.<name>
 *                           is looked up in the tags object
 *   from:now-1h to:now      time bounds (hw-time.h), lower inclusive, upper
 *                           exclusive; only as top-level AND terms
 *   a OR b, a AND b, NOT a, -a, ( … )   precedence NOT > AND > OR
 *
 * Known fields: id, type, partitionKey, source, functionname, pipeline,
 * account, region, stage, tags.<name>, from, to. Field names are
 * case-insensitive, values are case-sensitive and compare as text (a tag
 * holding the number 3 matches tags.x:3). A missing field never matches,
 * so -source:x keeps events without a source. The empty query matches
 * everything. Limits: 8 KiB of text, 256 terms, 64 levels of nesting,
 * and 20 levels of AND, OR and NOT (SQLite's parser stack). */

typedef struct _HwQuery HwQuery;

#define HW_TYPE_QUERY (hw_query_get_type ())

GType      hw_query_get_type        (void) G_GNUC_CONST;

/* Parses @text; relative times (`now-1h`) resolve against @now_ms once, here.
 * On a syntax error (including a bad time in from:/to:) returns NULL, sets
 * HW_ERROR_INVALID_QUERY with a message naming the 1-based character
 * position, and stores that position in @error_position when not NULL
 * (0 when there is no error). */
HwQuery   *hw_query_parse           (const char  *text,
                                     gint64       now_ms,
                                     guint       *error_position,
                                     GError     **error);

HwQuery   *hw_query_ref             (HwQuery     *query);
void       hw_query_unref           (HwQuery     *query);

/* The text the query was parsed from. */
const char *hw_query_get_text       (HwQuery     *query);

/* TRUE when the query selects every event (empty text). */
gboolean   hw_query_is_empty        (HwQuery     *query);

/* TRUE when the query has free text (words, phrases, or a field value
 * matched through the full-text index, like partitionKey:): what the
 * event store's full-text index answers, so such a search waits for it. */
gboolean   hw_query_has_text        (HwQuery     *query);

/* Compiles to a SQL boolean expression over the columns of `events e`
 * (see the schema contract) with `?` placeholders; returns "1" for the
 * empty query. The parameters are appended, in placeholder order, to
 * *@params as GVariants of type "s" or "x"; when *@params is NULL a new
 * array (owning its elements) is created. User text never appears in the
 * SQL: every value is a parameter. Time bounds are included as
 * `e.ts >= ?` / `e.ts < ?`. A term of several words calls hw_phrase(),
 * which the event store gives each of its connections. */
char      *hw_query_to_sql          (HwQuery     *query,
                                     GPtrArray  **params);

/* The from:/to: bounds of the query. Returns TRUE when at least one is set;
 * a missing lower bound is G_MININT64 and a missing upper bound G_MAXINT64. */
gboolean   hw_query_get_time_bounds (HwQuery     *query,
                                     gint64      *from_ms,
                                     gint64      *to_ms);

/* Evaluates the query on one event in memory, with the same meaning as the
 * SQL (live streams, hub subscriptions). Free text compares whole words of
 * hw_event_dup_search_text(), case-insensitively. */
gboolean   hw_query_matches_event   (HwQuery       *query,
                                     const HwEvent *event);

/* Binds @params (GVariants "s", "x", "i", "d" or "b") to @stmt starting at
 * 1-based placeholder @first_index. */
gboolean   hw_sql_bind_params       (sqlite3_stmt  *stmt,
                                     int            first_index,
                                     GPtrArray     *params,
                                     GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwQuery, hw_query_unref)

G_END_DECLS
