/* test-query.c: the query language: parsing, errors with positions, SQL compilation and execution
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "hw-error.h"
#include "hw-event-prepare.h"
#include "hw-event-store-private.h"
#include "hw-query.h"
#include "hw-test-util.h"
#include "hw-time.h"

#define NOW_MS G_GINT64_CONSTANT (1795355255123)  /* 2026-11-22T13:47:35.123Z */
#define HOUR_MS G_GINT64_CONSTANT (3600000)

#define FTS "e.seq IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)"
#define PHRASE "hw_phrase(e.body, ?, ?)"

/* Parameters rendered with g_variant_print(), joined by " | ". */
static char *
params_to_string (GPtrArray *params)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < params->len; i++)
    {
      g_autofree char *printed = g_variant_print (g_ptr_array_index (params, i), FALSE);

      if (i > 0)
        g_string_append (out, " | ");
      g_string_append (out, printed);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
test_query_compile (void)
{
  static const struct { const char *text; const char *sql; const char *params; } table[] = {
    { "", "1", "" },
    { "   \t ", "1", "" },
    { "payment", FTS, "'\"payment\"'" },
    { "Payment*", FTS, "'\"payment\"*'" },
    /* No positions in the index: it finds a phrase's words, and hw_phrase()
     * checks they are adjacent in the event's text. */
    { "\"card declined\"", "(" FTS " AND " PHRASE ")", "'\"card\" \"declined\"' | 'card declined' | 0" },
    { "card-decl*", "(" FTS " AND " PHRASE ")", "'\"card\" \"decl\"*' | 'card decl' | 1" },
    { "\"say \\\"hi\\\"\"", "(" FTS " AND " PHRASE ")", "'\"say\" \"hi\"' | 'say hi' | 0" },
    { "a \"b c\"", FTS " AND " PHRASE, "'\"a\" \"b\" \"c\"' | 'b c' | 0" },
    { "-\"b c\"", "NOT ((" FTS " AND " PHRASE "))", "'\"b\" \"c\"' | 'b c' | 0" },
    /* Terms ANDed together are one FTS5 query: FTS5 intersects them. */
    { "a b", FTS, "'\"a\" \"b\"'" },
    { "a AND b", FTS, "'\"a\" \"b\"'" },
    { "a OR b", FTS " OR " FTS, "'\"a\"' | '\"b\"'" },
    /* NOT > AND > OR */
    { "a OR b c", FTS " OR (" FTS ")", "'\"a\"' | '\"b\" \"c\"'" },
    { "(a OR b) c", "(" FTS " OR " FTS ") AND " FTS, "'\"a\"' | '\"b\"' | '\"c\"'" },
    { "NOT a b", "NOT (" FTS ") AND " FTS, "'\"a\"' | '\"b\"'" },
    { "-a", "NOT (" FTS ")", "'\"a\"'" },
    { "NOT NOT a", "NOT (NOT (" FTS "))", "'\"a\"'" },
    { "a AND (b AND c)", FTS, "'\"a\" \"b\" \"c\"'" },
    { "type:x a -b c", FTS " AND e.type = ? AND NOT (" FTS ")", "'\"a\" \"c\"' | 'x' | '\"b\"'" },
    { "type:order-placed", "e.type = ?", "'order-placed'" },
    { "type:order-*", "e.type GLOB ?", "'order-*'" },
    { "TYPE:\"order-*\"", "e.type = ?", "'order-*'" },
    { "type:a?b[c]*", "e.type GLOB ?", "'a[?]b[[]c[]]*'" },
    { "id:e-1", "e.id = ?", "'e-1'" },
    /* partitionKey has no index: the full-text index finds its words first. */
    { "partitionKey:ord-1", "(" FTS " AND e.partition_key = ?)", "'\"ord\" \"1\"' | 'ord-1'" },
    { "partitionKey:Ord-1*", "(" FTS " AND e.partition_key GLOB ?)", "'\"ord\" \"1\"*' | 'Ord-1*'" },
    { "partitionKey:ord-*-x", "(" FTS " AND e.partition_key GLOB ?)", "'\"ord\"*' | 'ord-*-x'" },
    { "partitionKey:*-1", "e.partition_key GLOB ?", "'*-1'" },
    { "partitionKey:\"--\"", "e.partition_key = ?", "'--'" },
    /* Under NOT the index cannot narrow anything down. */
    { "-partitionKey:ord-1", "NOT coalesce(e.partition_key = ?, 0)", "'ord-1'" },
    { "NOT (partitionKey:ord-1 OR a)", "NOT coalesce(e.partition_key = ? OR " FTS ", 0)", "'ord-1' | '\"a\"'" },
    /* Beside free text, one FTS5 query holds both. */
    { "a partitionKey:Café", FTS " AND e.partition_key = ?", "'\"a\" \"cafe\"' | 'Café'" },
    { "partitionKey:a-1 OR b", "(" FTS " AND e.partition_key = ?) OR " FTS, "'\"a\" \"1\"' | 'a-1' | '\"b\"'" },
    { "source:shop functionname:pay*", "e.source = ? AND e.functionname GLOB ?", "'shop' | 'pay*'" },
    { "tags.functionname:payment-*", "e.functionname GLOB ?", "'payment-*'" },
    { "pipeline:p account:1 region:eu stage:prod",
      "e.pipeline = ? AND e.account = ? AND e.region = ? AND e.stage = ?", "'p' | '1' | 'eu' | 'prod'" },
    { "tags.team:red", "CAST(json_extract(e.tags, ?) AS TEXT) = ?", "'$.\"team\"' | 'red'" },
    { "tags.team.sub:r*", "CAST(json_extract(e.tags, ?) AS TEXT) GLOB ?", "'$.\"team.sub\"' | 'r*'" },
    /* NULL columns must not turn NOT into NULL. */
    { "-source:shop", "NOT coalesce(e.source = ?, 0)", "'shop'" },
    { "NOT (type:a OR source:b)", "NOT coalesce(e.type = ? OR e.source = ?, 0)", "'a' | 'b'" },
    { "NOT type:a", "NOT (e.type = ?)", "'a'" },
    { "type:\"x' OR 1=1 --\"", "e.type = ?", "\"x' OR 1=1 --\"" },
    { "from:now-1h", "e.ts >= ?", "1795351655123" },
    { "to:now/d", "e.ts < ?", "1795392000000" },
    { "from:now-1h to:now error", "e.ts >= ? AND e.ts < ? AND " FTS,
      "1795351655123 | 1795355255123 | '\"error\"'" },
    { "(a OR b) from:2026-11-01T00:00:00Z", "e.ts >= ? AND (" FTS " OR " FTS ")",
      "1793491200000 | '\"a\"' | '\"b\"'" },
    { "(from:now-2h a) to:\"2026-11-22\"", "e.ts >= ? AND e.ts < ? AND " FTS,
      "1795348055123 | 1795305600000 | '\"a\"'" },
    /* Two lower bounds: the later one wins. */
    { "from:now-2h from:now-1h", "e.ts >= ?", "1795351655123" },
    { "and or not", FTS, "'\"and\" \"or\" \"not\"'" },
    { "13:47", "(" FTS " AND " PHRASE ")", "'\"13\" \"47\"' | '13 47' | 0" },
    { "\"http://x\"", "(" FTS " AND " PHRASE ")", "'\"http\" \"x\"' | 'http x' | 0" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HwQuery) query = NULL;
      g_autoptr(GPtrArray) params = NULL;
      g_autofree char *sql = NULL;
      g_autofree char *printed = NULL;
      guint position = 99;

      g_test_message ("query: %s", table[i].text);
      query = hw_query_parse (table[i].text, NOW_MS, &position, &error);
      g_assert_no_error (error);
      g_assert_nonnull (query);
      g_assert_cmpuint (position, ==, 0);
      g_assert_cmpstr (hw_query_get_text (query), ==, table[i].text);
      sql = hw_query_to_sql (query, &params);
      printed = params_to_string (params);
      g_assert_cmpstr (sql, ==, table[i].sql);
      g_assert_cmpstr (printed, ==, table[i].params);
    }
}

static void
test_query_errors (void)
{
  /* position is 1-based, in characters. */
  static const struct { const char *text; guint position; const char *fragment; } table[] = {
    { "(a", 1, "'(' is never closed" },
    { "a (b OR (c)", 3, "'(' is never closed" },
    { "a)", 2, "')' has no matching '('" },
    { "()", 1, "empty parentheses" },
    { "a \"b c", 3, "'\"' is never closed" },
    { "type:\"x", 6, "'\"' is never closed" },
    { "a AND", 3, "'AND' is missing a term after it" },
    { "a OR", 3, "'OR' is missing a term after it" },
    { "a OR OR b", 3, "'OR' is missing a term after it" },
    { "AND a", 1, "'AND' is missing a term before it" },
    { "(OR a)", 2, "'OR' is missing a term before it" },
    { "a NOT", 3, "'NOT' is missing a term after it" },
    { "a (NOT)", 4, "'NOT' is missing a term after it" },
    { "a - b", 3, "'-' must be followed by a term" },
    { "a -", 3, "'-' must be followed by a term" },
    { "type:", 6, "empty value for field 'type'" },
    { "a type: b", 8, "empty value for field 'type'" },
    { "type:\"\"", 6, "empty value for field 'type'" },
    { "colour:red", 1, "unknown field 'colour' (known fields: id, type, partitionKey" },
    { "tags.:x", 1, "unknown field 'tags.'" },
    { "http://example.com", 1, "put text containing ':' in quotes" },
    { "from:yesterday", 6, "bad time in 'from:': expected epoch milliseconds" },
    { "a to:now-15x", 12, "bad time in 'to:': expected a unit" },
    { "from:\"2026-13-01\"", 12, "month must be 01–12" },
    { "from:", 6, "empty value for field 'from'" },
    { "a OR from:now-1h", 6, "'from:' bounds the whole query" },
    { "NOT to:now", 5, "'to:' bounds the whole query" },
    /* AND binds tighter: this from: is inside the OR. */
    { "a OR b from:now", 8, "'from:' bounds the whole query" },
    { "*", 1, "'*' has no letters or digits" },
    { "\"--\"", 1, "no letters or digits" },
    /* Positions count characters, not bytes. */
    { "café (", 6, "'(' is never closed" },
    { "ünïcödé AND", 9, "'AND' is missing a term after it" },
    { "a \xff", 3, "invalid UTF-8" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HwQuery) query = NULL;
      g_autofree char *escaped = g_strescape (table[i].text, NULL);
      g_autofree char *at = g_strdup_printf ("position %u:", table[i].position);
      guint position = 0;

      g_test_message ("query: %s", escaped);
      query = hw_query_parse (table[i].text, NOW_MS, &position, &error);
      g_assert_null (query);
      g_assert_error (error, HW_ERROR, HW_ERROR_INVALID_QUERY);
      g_test_message ("  → %s", error->message);
      g_assert_cmpuint (position, ==, table[i].position);
      g_assert_nonnull (strstr (error->message, at));
      g_assert_nonnull (strstr (error->message, table[i].fragment));
    }
}

static void
test_query_limits (void)
{
  g_autoptr(GString) deep = g_string_new (NULL);
  g_autoptr(GString) many = g_string_new (NULL);
  g_autoptr(GString) nots = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(HwQuery) query = NULL;
  g_autofree char *huge = g_strnfill (9000, 'a');
  guint position = 0;

  for (guint i = 0; i < 100; i++)
    g_string_append_c (deep, '(');
  g_string_append (deep, "a");
  query = hw_query_parse (deep->str, NOW_MS, &position, &error);
  g_assert_error (error, HW_ERROR, HW_ERROR_INVALID_QUERY);
  g_assert_cmpuint (position, ==, 65);
  g_clear_error (&error);

  for (guint i = 0; i < 100; i++)
    g_string_append (nots, "NOT ");
  g_string_append (nots, "a");
  query = hw_query_parse (nots->str, NOW_MS, &position, &error);
  g_assert_error (error, HW_ERROR, HW_ERROR_INVALID_QUERY);
  g_assert_nonnull (strstr (error->message, "nested too deeply"));
  g_clear_error (&error);

  for (guint i = 0; i < 300; i++)
    g_string_append_printf (many, "w%u ", i);
  query = hw_query_parse (many->str, NOW_MS, &position, &error);
  g_assert_error (error, HW_ERROR, HW_ERROR_INVALID_QUERY);
  g_assert_nonnull (strstr (error->message, "too many terms"));
  g_clear_error (&error);

  query = hw_query_parse (huge, NOW_MS, &position, &error);
  g_assert_error (error, HW_ERROR, HW_ERROR_INVALID_QUERY);
  g_assert_cmpuint (position, ==, 8193);
}

static void
test_query_time_bounds (void)
{
  static const struct { const char *text; gboolean bounded; gint64 from; gint64 to; } table[] = {
    { "", FALSE, G_MININT64, G_MAXINT64 },
    { "type:x", FALSE, G_MININT64, G_MAXINT64 },
    { "from:now-15m", TRUE, NOW_MS - 15 * 60000, G_MAXINT64 },
    { "to:now-7d/d", TRUE, G_MININT64, G_GINT64_CONSTANT (1794787200000) },
    { "x to:now from:1000 from:500", TRUE, 1000, NOW_MS },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HwQuery) query = hw_query_parse (table[i].text, NOW_MS, NULL, &error);
      gint64 from = 0, to = 0;

      g_assert_no_error (error);
      g_assert_cmpint (hw_query_get_time_bounds (query, &from, &to), ==, table[i].bounded);
      g_assert_cmpint (from, ==, table[i].from);
      g_assert_cmpint (to, ==, table[i].to);
      g_assert_cmpint (hw_query_is_empty (query), ==, table[i].text[0] == '\0');
    }
}

/* ------------------------------------------------------- execution on SQLite */

typedef struct
{
  const char *id;
  const char *type;
  int         hours_ago;
  const char *partition_key;
  const char *source;
  const char *functionname;
  const char *tags;
  const char *text;   /* what hw_event_dup_search_text() would give */
} Row;

static const Row rows[] = {
  { "e01", "order-placed", 1, "ord-1", "shop", "checkout-api", "{\"source\":\"shop\",\"team\":\"red\"}",
    "order-placed shop checkout-api red ord-1 customer alice paid with card" },
  { "e02", "order-shipped", 2, "ord-1", "shop", "shipping-listener", "{\"team\":\"blue\"}",
    "order-shipped shop shipping-listener blue ord-1 parcel express" },
  { "e03", "payment-failed", 3, "ord-2", NULL, "payment-listener", NULL,
    "payment-failed payment-listener ord-2 card declined insufficient funds" },
  { "e04", "payment-succeeded", 4, "ord-3", NULL, "payment-listener", "{\"team\":3}",
    "payment-succeeded payment-listener 3 ord-3 receipt" },
  { "e05", "fault", 5, NULL, NULL, "payment-listener", NULL,
    "fault payment-listener TypeError cannot read property amount of undefined" },
  { "e06", "thing-created", 6, NULL, "things", NULL, NULL, "thing-created things gadget" },
  { "e07", "order-placed", 7, "ord-4", "shop", "checkout-api", NULL,
    "order-placed shop checkout-api ord-4 customer bob" },
  { "e08", "order-cancelled", 30, "ord-4", "shop", NULL, NULL, "order-cancelled shop ord-4 changed mind" },
  { "e09", "weird[1]?", 50, NULL, NULL, NULL, NULL, "weird 1 odd type" },
  { "e10", "note", 1, NULL, "docs", NULL, NULL, "note Café crème naïve" },
  { "e11", "note", 1, NULL, "docs", NULL, NULL, "note x' OR 1=1 -- sneaky" },
  { "e12", "pay-later", 200, NULL, NULL, NULL, NULL, "pay-later paylater plan" },
};

static void
exec_or_die (sqlite3    *db,
             const char *sql)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
}

static void
bind_nullable (sqlite3_stmt *stmt,
               int           index,
               const char   *value)
{
  if (value != NULL)
    sqlite3_bind_text (stmt, index, value, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, index);
}

/* A stored body holding the row's text (phrases are tested against the
 * body's search text): its id, type and the text as one member. */
static GByteArray *
row_body (const Row *row)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *json = NULL;
  HwEventPreparer *preparer = hw_event_preparer_new (NULL);
  HwPreparedEvent prepared;
  GByteArray *body;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, row->id);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, row->type);
  json_builder_set_member_name (builder, "timestamp");
  json_builder_add_int_value (builder, NOW_MS);
  json_builder_set_member_name (builder, "text");
  json_builder_add_string_value (builder, row->text);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json = json_to_string (root, FALSE);

  g_assert_true (hw_event_preparer_parse (preparer, json, strlen (json), NULL, &prepared, NULL));
  body = g_byte_array_ref (prepared.body);
  hw_prepared_event_clear (&prepared);
  hw_event_preparer_free (preparer);
  return body;
}

static sqlite3 *
create_events_db (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "events.db", NULL);
  sqlite3_stmt *insert = NULL, *insert_fts = NULL;
  sqlite3 *db = NULL;
  GByteArray *body;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  exec_or_die (db,
               "CREATE TABLE events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
               " type TEXT NOT NULL, ts INTEGER NOT NULL, received_ms INTEGER NOT NULL,"
               " partition_key TEXT, source TEXT, functionname TEXT, pipeline TEXT, account TEXT,"
               " region TEXT, stage TEXT, tags TEXT, is_fault INTEGER NOT NULL,"
               " size INTEGER NOT NULL, body BLOB NOT NULL);"
               "CREATE VIRTUAL TABLE events_fts USING fts5(text, content='',"
               " detail=none, tokenize='unicode61 remove_diacritics 2');");
  g_assert_true (hw_store_register_functions (db, NULL));

  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "INSERT INTO events (id, type, ts, received_ms, partition_key,"
                                       " source, functionname, tags, is_fault, size, body)"
                                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)",
                                       -1, &insert, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO events_fts (rowid, text) VALUES (?, ?)",
                                       -1, &insert_fts, NULL), ==, SQLITE_OK);
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      sqlite3_bind_text (insert, 1, rows[i].id, -1, SQLITE_STATIC);
      sqlite3_bind_text (insert, 2, rows[i].type, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (insert, 3, NOW_MS - rows[i].hours_ago * HOUR_MS);
      sqlite3_bind_int64 (insert, 4, NOW_MS);
      bind_nullable (insert, 5, rows[i].partition_key);
      bind_nullable (insert, 6, rows[i].source);
      bind_nullable (insert, 7, rows[i].functionname);
      bind_nullable (insert, 8, rows[i].tags);
      sqlite3_bind_int (insert, 9, g_str_equal (rows[i].type, "fault"));
      body = row_body (&rows[i]);
      sqlite3_bind_blob (insert, 10, body->data, body->len, SQLITE_TRANSIENT);
      g_assert_cmpint (sqlite3_step (insert), ==, SQLITE_DONE);
      sqlite3_reset (insert);
      g_byte_array_unref (body);

      sqlite3_bind_int64 (insert_fts, 1, sqlite3_last_insert_rowid (db));
      sqlite3_bind_text (insert_fts, 2, rows[i].text, -1, SQLITE_STATIC);
      g_assert_cmpint (sqlite3_step (insert_fts), ==, SQLITE_DONE);
      sqlite3_reset (insert_fts);
    }
  sqlite3_finalize (insert);
  sqlite3_finalize (insert_fts);
  return db;
}

/* Runs the compiled query with the store's shape (a fragment of ours
 * before it, one after) and returns the matching ids, sorted, joined by ','. */
static char *
run_query (sqlite3    *db,
           const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HwQuery) query = hw_query_parse (text, NOW_MS, NULL, &error);
  g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  g_autoptr(GString) ids = g_string_new (NULL);
  g_autofree char *where = NULL;
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_assert_no_error (error);
  g_ptr_array_add (params, g_variant_ref_sink (g_variant_new_int64 (G_MININT64)));
  where = hw_query_to_sql (query, &params);
  g_ptr_array_add (params, g_variant_ref_sink (g_variant_new_int64 (1000)));
  sql = g_strdup_printf ("SELECT e.id FROM events e WHERE e.ts > ? AND (%s) ORDER BY e.id LIMIT ?", where);
  rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    g_error ("%s: %s", sql, sqlite3_errmsg (db));
  g_assert_cmpint (sqlite3_bind_parameter_count (stmt), ==, params->len);
  g_assert_true (hw_sql_bind_params (stmt, 1, params, &error));
  g_assert_no_error (error);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_string_append_printf (ids, "%s%s", ids->len > 0 ? "," : "", sqlite3_column_text (stmt, 0));
  g_assert_cmpint (rc, ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  return g_string_free (g_steal_pointer (&ids), FALSE);
}

static void
test_query_execute (void)
{
  static const struct { const char *text; const char *ids; } table[] = {
    { "", "e01,e02,e03,e04,e05,e06,e07,e08,e09,e10,e11,e12" },
    { "type:order-*", "e01,e02,e07,e08" },
    { "type:order-placed", "e01,e07" },
    { "type:\"order-*\"", "" },
    { "card", "e01,e03" },
    { "CARD", "e01,e03" },
    { "\"card declined\"", "e03" },
    { "\"declined card\"", "" },
    { "\"customer paid\"", "" },
    { "\"alice paid\"", "e01" },
    { "\"creme naive\"", "e10" },
    { "pay*", "e03,e04,e05,e12" },
    { "paylater", "e12" },
    { "cafe", "e10" },
    { "CAFÉ crème", "e10" },
    { "naive OR gadget", "e06,e10" },
    { "shop -type:order-placed", "e02,e08" },
    { "NOT source:shop", "e03,e04,e05,e06,e09,e10,e11,e12" },
    { "-partitionKey:ord-1", "e03,e04,e05,e06,e07,e08,e09,e10,e11,e12" },
    { "partitionKey:ord-1", "e01,e02" },
    { "partitionKey:ORD-1", "" },
    { "partitionKey:ord", "" },
    { "partitionKey:ord-*", "e01,e02,e03,e04,e07,e08" },
    { "partitionKey:ord-4*", "e07,e08" },
    { "partitionKey:*-2", "e03" },
    { "partitionKey:o*-3", "e04" },
    { "partitionKey:ord-1 OR partitionKey:ord-2", "e01,e02,e03" },
    { "card partitionKey:ord-2", "e03" },
    { "-partitionKey:ord-*", "e05,e06,e09,e10,e11,e12" },
    { "tags.team:red", "e01" },
    { "tags.team:*", "e01,e02,e04" },
    /* Tags compare as text, whatever their JSON type. */
    { "tags.team:3", "e04" },
    { "-tags.team:red", "e02,e03,e04,e05,e06,e07,e08,e09,e10,e11,e12" },
    { "tags.source:shop", "e01,e02,e07,e08" },
    { "tags.functionname:payment-*", "e03,e04,e05" },
    { "functionname:payment-listener type:fault", "e05" },
    { "(type:payment-* OR type:fault) -fault", "e03,e04" },
    { "type:payment-* OR type:fault -fault", "e03,e04" },
    { "type:weird[1]?", "e09" },
    { "type:weird[*", "e09" },
    { "type:weird?1*", "" },
    { "id:e1*", "e10,e11,e12" },
    { "id:e0? OR id:e1?", "" },
    { "from:now-3h", "e01,e02,e03,e10,e11" },
    { "from:now-3h to:now-1h", "e02,e03" },
    { "to:now-1d/d", "e08,e09,e12" },
    { "from:now-2d/d to:now/d type:order-*", "e01,e02,e07,e08" },
    { "from:2026-11-22T12:00:00Z shop", "e01" },
    /* Injection attempts: values are parameters, so these are just odd text. */
    { "type:\"x' OR 1=1 --\"", "" },
    { "id:\"e01' OR '1'='1\"", "" },
    { "tags.team:\"red') OR 1=1 --\"", "" },
    { "\"x' OR 1=1 --\"", "e11" },
    { "\"NEAR(a b)\" OR \"a\" OR \"order-placed\" -bob", "e01" },
  };
  g_autofree char *dir = hw_test_mkdtemp ();
  sqlite3 *db = create_events_db (dir);

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      g_autofree char *ids = NULL;

      g_test_message ("query: %s", table[i].text);
      ids = run_query (db, table[i].text);
      g_assert_cmpstr (ids, ==, table[i].ids);
    }

  sqlite3_close (db);
  hw_test_rmdir (dir);
}

/* A body that cannot be read is not a phrase match, and the search goes
 * on past it rather than failing. */
static void
test_query_damaged_body (void)
{
  g_autofree char *dir = hw_test_mkdtemp ();
  sqlite3 *db = create_events_db (dir);
  g_autofree char *ids = NULL;

  g_assert_cmpstr ((ids = run_query (db, "\"changed mind\" OR \"card declined\"")), ==, "e03,e08");
  g_clear_pointer (&ids, g_free);
  exec_or_die (db, "UPDATE events SET body = x'68776c34ffffff7f00' WHERE id = 'e03'");
  g_assert_cmpstr ((ids = run_query (db, "\"changed mind\" OR \"card declined\"")), ==, "e08");
  g_clear_pointer (&ids, g_free);
  /* Single words need no body. */
  g_assert_cmpstr ((ids = run_query (db, "declined")), ==, "e03");

  sqlite3_close (db);
  hw_test_rmdir (dir);
}

static void
test_query_bind_params (void)
{
  g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt = NULL;
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (":memory:", &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT ?, ?, ?, ?, ?", -1, &stmt, NULL), ==, SQLITE_OK);
  g_ptr_array_add (params, g_variant_ref_sink (g_variant_new_string ("s")));
  g_ptr_array_add (params, g_variant_ref_sink (g_variant_new_int64 (G_MAXINT64)));
  g_ptr_array_add (params, g_variant_ref_sink (g_variant_new_int32 (-7)));
  g_ptr_array_add (params, g_variant_ref_sink (g_variant_new_double (0.5)));
  g_ptr_array_add (params, g_variant_ref_sink (g_variant_new_boolean (TRUE)));
  g_assert_true (hw_sql_bind_params (stmt, 1, params, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "s");
  g_assert_cmpint (sqlite3_column_int64 (stmt, 1), ==, G_MAXINT64);
  g_assert_cmpint (sqlite3_column_int (stmt, 2), ==, -7);
  g_assert_cmpfloat (sqlite3_column_double (stmt, 3), ==, 0.5);
  g_assert_cmpint (sqlite3_column_int (stmt, 4), ==, 1);
  sqlite3_reset (stmt);

  /* One past the last placeholder, and an unsupported type. */
  g_assert_false (hw_sql_bind_params (stmt, 2, params, &error));
  g_assert_error (error, HW_ERROR, HW_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "parameter 6"));
  g_clear_error (&error);
  g_ptr_array_set_size (params, 0);
  g_ptr_array_add (params, g_variant_ref_sink (g_variant_new_strv (NULL, 0)));
  g_assert_false (hw_sql_bind_params (stmt, 1, params, &error));
  g_assert_error (error, HW_ERROR, HW_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "unsupported type 'as'"));

  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/query/compile", test_query_compile);
  g_test_add_func ("/query/errors", test_query_errors);
  g_test_add_func ("/query/limits", test_query_limits);
  g_test_add_func ("/query/time-bounds", test_query_time_bounds);
  g_test_add_func ("/query/execute", test_query_execute);
  g_test_add_func ("/query/damaged-body", test_query_damaged_body);
  g_test_add_func ("/query/bind-params", test_query_bind_params);
  return g_test_run ();
}
