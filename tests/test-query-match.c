/* test-query-match.c: in-memory matching agrees with the compiled SQL on parsed events
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "hw-error.h"
#include "hw-event.h"
#include "hw-event-prepare.h"
#include "hw-event-store-private.h"
#include "hw-query.h"
#include "hw-test-util.h"

#define NOW_MS G_GINT64_CONSTANT (1795355255123)  /* 2026-11-22T13:47:35.123Z */
#define HOUR_MS G_GINT64_CONSTANT (3600000)

/* @TS@ is the timestamp: NOW_MS minus hours_ago hours. */
static const struct { int hours_ago; const char *json; } lines[] = {
  { 1, "{\"id\":\"m1\",\"type\":\"order-placed\",\"timestamp\":@TS@,\"partitionKey\":\"ord-1\","
       "\"tags\":{\"source\":\"shop\",\"functionname\":\"checkout-api\",\"team\":\"red\",\"priority\":3,"
       "\"urgent\":true,\"weight\":2.0},"
       "\"order\":{\"id\":\"ord-1\",\"customer\":\"Alice Müller\",\"note\":\"paid by card\"}}" },
  { 2, "{\"version\":\"0\",\"id\":\"w1\",\"detail-type\":\"order-shipped\",\"source\":\"shop\",\"account\":\"123\","
       "\"time\":\"2026-11-22T11:47:35Z\",\"region\":\"eu-west-1\",\"resources\":[],"
       "\"detail\":{\"id\":\"m2\",\"type\":\"order-shipped\",\"timestamp\":@TS@,"
       "\"partitionKey\":\"ord-1\",\"tags\":{\"source\":\"shop\",\"region\":\"eu-west-1\",\"stage\":\"prod\"},"
       "\"order\":{\"id\":\"ord-1\",\"carrier\":\"express parcel\"}}}" },
  { 3, "{\"id\":\"m3\",\"type\":\"fault\",\"timestamp\":@TS@,"
       "\"tags\":{\"functionname\":\"payment-listener\",\"pipeline\":\"pay-pipe\"},"
       "\"err\":{\"name\":\"TypeError\",\"message\":\"Cannot read property 'amount' of undefined\","
       "\"stack\":\"at handler (index.js:10)\"},\"uow\":{\"record\":{\"body\":\"{}\"}}}" },
  { 30, "{\"id\":\"m4\",\"type\":\"payment-failed\",\"timestamp\":@TS@,\"partitionKey\":\"ord-2\","
        "\"tags\":{\"functionname\":\"payment-listener\",\"team\":\"blue\"},"
        "\"payment\":{\"reason\":\"card declined\",\"ratio\":0.5}}" },
  { 50, "{\"id\":\"m5\",\"type\":\"thing-created\",\"timestamp\":@TS@,"
        "\"tags\":{\"source\":\"things\"},\"thing\":{\"name\":\"Crème brûlée\"}}" },
};

static GPtrArray *
parse_events (void)
{
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_event_unref);
  HwParseLimits limits = hw_parse_limits_default ();

  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GString) json = g_string_new (lines[i].json);
      g_autofree char *ts = g_strdup_printf ("%" G_GINT64_FORMAT, NOW_MS - lines[i].hours_ago * HOUR_MS);
      HwEvent *event;

      g_string_replace (json, "@TS@", ts, 1);
      event = hw_event_parse (json->str, json->len, &limits, &error);

      g_assert_no_error (error);
      g_ptr_array_add (events, event);
    }
  return events;
}

static void
bind_nullable (sqlite3_stmt *stmt,
               int           index,
               const char   *value)
{
  if (value != NULL)
    sqlite3_bind_text (stmt, index, value, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, index);
}

/* The schema contract's tables, filled the way the store fills them. */
static sqlite3 *
create_db (const char *dir,
           GPtrArray  *events)
{
  g_autofree char *path = g_build_filename (dir, "match.db", NULL);
  sqlite3_stmt *insert = NULL, *insert_fts = NULL;
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db,
                                 "CREATE TABLE events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
                                 " type TEXT NOT NULL, ts INTEGER NOT NULL, received_ms INTEGER NOT NULL,"
                                 " partition_key TEXT, source TEXT, functionname TEXT, pipeline TEXT,"
                                 " account TEXT, region TEXT, stage TEXT, tags TEXT,"
                                 " is_fault INTEGER NOT NULL, size INTEGER NOT NULL, body BLOB NOT NULL);"
                                 "CREATE VIRTUAL TABLE events_fts USING fts5(text, content='',"
                                 " detail=none, tokenize='unicode61 remove_diacritics 2');",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_true (hw_store_register_functions (db, NULL));
  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "INSERT INTO events (id, type, ts, received_ms, partition_key, source,"
                                       " functionname, pipeline, account, region, stage, tags, is_fault,"
                                       " size, body) VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?)",
                                       -1, &insert, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO events_fts (rowid, text) VALUES (?, ?)",
                                       -1, &insert_fts, NULL), ==, SQLITE_OK);

  for (guint i = 0; i < events->len; i++)
    {
      HwEvent *event = g_ptr_array_index (events, i);
      g_autofree char *tags = hw_event_dup_tags_json (event);
      HwEventPreparer *preparer = hw_event_preparer_new (NULL);
      HwPreparedEvent prepared;

      g_assert_true (hw_event_preparer_prepare (preparer, event, &prepared, NULL));
      hw_event_preparer_free (preparer);

      sqlite3_bind_text (insert, 1, event->id, -1, SQLITE_STATIC);
      sqlite3_bind_text (insert, 2, event->type, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (insert, 3, event->timestamp_ms);
      bind_nullable (insert, 4, event->partition_key);
      bind_nullable (insert, 5, event->source);
      bind_nullable (insert, 6, event->functionname);
      bind_nullable (insert, 7, event->pipeline);
      bind_nullable (insert, 8, event->account);
      bind_nullable (insert, 9, event->region);
      bind_nullable (insert, 10, event->stage);
      bind_nullable (insert, 11, tags);
      sqlite3_bind_blob (insert, 12, prepared.body->data, prepared.body->len, SQLITE_TRANSIENT);
      g_assert_cmpint (sqlite3_step (insert), ==, SQLITE_DONE);
      sqlite3_reset (insert);

      sqlite3_bind_int64 (insert_fts, 1, sqlite3_last_insert_rowid (db));
      sqlite3_bind_text (insert_fts, 2, prepared.text, -1, SQLITE_TRANSIENT);
      g_assert_cmpint (sqlite3_step (insert_fts), ==, SQLITE_DONE);
      sqlite3_reset (insert_fts);
      hw_prepared_event_clear (&prepared);
    }
  sqlite3_finalize (insert);
  sqlite3_finalize (insert_fts);
  return db;
}

static char *
sql_ids (sqlite3 *db,
         HwQuery *query)
{
  g_autoptr(GPtrArray) params = NULL;
  g_autoptr(GString) ids = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *where = hw_query_to_sql (query, &params);
  g_autofree char *sql = g_strdup_printf ("SELECT e.id FROM events e WHERE %s ORDER BY e.id", where);
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_true (hw_sql_bind_params (stmt, 1, params, &error));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_string_append_printf (ids, "%s%s", ids->len > 0 ? "," : "", sqlite3_column_text (stmt, 0));
  g_assert_cmpint (rc, ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  return g_string_free (g_steal_pointer (&ids), FALSE);
}

/* The events are in id order already. */
static char *
memory_ids (GPtrArray *events,
            HwQuery   *query)
{
  g_autoptr(GString) ids = g_string_new (NULL);

  for (guint i = 0; i < events->len; i++)
    {
      HwEvent *event = g_ptr_array_index (events, i);

      if (hw_query_matches_event (query, event))
        g_string_append_printf (ids, "%s%s", ids->len > 0 ? "," : "", event->id);
    }
  return g_string_free (g_steal_pointer (&ids), FALSE);
}

static void
test_match_agrees_with_sql (void)
{
  static const struct { const char *text; const char *ids; } table[] = {
    { "", "m1,m2,m3,m4,m5" },
    { "card", "m1,m4" },
    { "\"card declined\"", "m4" },
    { "\"declined card\"", "" },
    /* The index has no positions: its words in the wrong place or apart
     * are found by it, and the phrase test on the body drops them. */
    { "\"paid card\"", "" },
    { "\"paid by card\"", "m1" },
    { "\"alice müller\"", "m1" },
    { "\"muller alice\"", "" },
    { "\"crème brûlée\"", "m5" },
    { "\"cannot read\" \"of undefined\"", "m3" },
    { "\"read cannot\"", "" },
    { "express-parcel", "m2" },
    { "card-decl*", "m4" },
    { "card-dec", "" },
    { "ord-2", "m4" },
    { "-\"card declined\"", "m1,m2,m3,m5" },
    { "card -\"card declined\"", "m1" },
    { "\"card declined\" OR \"express parcel\"", "m2,m4" },
    { "muller", "m1" },
    { "MÜLLER alice", "m1" },
    { "brulee", "m5" },
    { "ord", "m1,m2,m4" },
    { "undef*", "m3" },
    { "TypeError", "m3" },
    { "type:fault amount", "m3" },
    { "type:order-*", "m1,m2" },
    { "type:Order-*", "" },
    { "source:shop", "m1,m2" },
    { "-source:shop", "m3,m4,m5" },
    { "region:eu-west-1", "m2" },
    { "stage:prod OR pipeline:pay-pipe", "m2,m3" },
    { "tags.team:red", "m1" },
    { "tags.team:*", "m1,m4" },
    { "-tags.team:*", "m2,m3,m5" },
    { "tags.priority:3", "m1" },
    { "tags.urgent:1", "m1" },
    { "tags.weight:2.0", "m1" },
    { "tags.nosuch:*", "" },
    { "tags.functionname:payment-*", "m3,m4" },
    { "functionname:*-listener", "m3,m4" },
    { "partitionKey:ord-?", "" },
    { "partitionKey:\"ord-1\"", "m1,m2" },
    /* The store finds keys through the full-text index (no index of
     * their own): the real search text must hold them. */
    { "partitionKey:ord-1", "m1,m2" },
    { "partitionKey:ORD-1", "" },
    { "partitionKey:ord-*", "m1,m2,m4" },
    { "partitionKey:*-2", "m4" },
    { "-partitionKey:ord-1", "m3,m4,m5" },
    { "card partitionKey:ord-2", "m4" },
    { "id:m*", "m1,m2,m3,m4,m5" },
    { "id:w1", "" },
    { "from:now-2h", "m1,m2" },
    { "from:now-1d/d to:now/d", "m1,m2,m3,m4" },
    { "to:now-2h", "m3,m4,m5" },  /* m2 is exactly at the exclusive bound */
    { "(card OR thing*) -tags.team:blue", "m1,m5" },
    { "NOT (source:shop OR type:fault)", "m4,m5" },
    { "card OR parcel type:order-shipped", "m1,m2,m4" },
  };
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autoptr(GPtrArray) events = parse_events ();
  sqlite3 *db = create_db (dir, events);

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HwQuery) query = hw_query_parse (table[i].text, NOW_MS, NULL, &error);
      g_autofree char *from_sql = NULL;
      g_autofree char *in_memory = NULL;

      g_test_message ("query: %s", table[i].text);
      g_assert_no_error (error);
      from_sql = sql_ids (db, query);
      in_memory = memory_ids (events, query);
      g_assert_cmpstr (from_sql, ==, table[i].ids);
      g_assert_cmpstr (in_memory, ==, table[i].ids);
    }

  sqlite3_close (db);
  hw_test_rmdir (dir);
}

static void
test_match_query_is_shareable (void)
{
  g_autoptr(GPtrArray) events = parse_events ();
  g_autoptr(HwQuery) query = hw_query_parse ("type:fault", NOW_MS, NULL, NULL);
  HwQuery *other = hw_query_ref (query);

  /* A boxed type, so it can travel in GValues and GTasks. */
  g_assert_true (G_TYPE_IS_BOXED (HW_TYPE_QUERY));
  g_assert_true (other == query);
  hw_query_unref (other);
  g_assert_false (hw_query_matches_event (query, g_ptr_array_index (events, 0)));
  g_assert_true (hw_query_matches_event (query, g_ptr_array_index (events, 2)));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/query-match/agrees-with-sql", test_match_agrees_with_sql);
  g_test_add_func ("/query-match/shareable", test_match_query_is_shareable);
  return g_test_run ();
}
