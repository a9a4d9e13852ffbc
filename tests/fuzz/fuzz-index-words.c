/* fuzz-index-words.c: libFuzzer target for the index text's word dedup
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "hw-fuzz.h"
#include "hw-index-words.h"

/* The input is an event's search text, any bytes up to the first NUL. The
 * store indexes hw_index_words_dedup()'s rewrite of it instead of the
 * text: FTS5 with the store's tokenizer must find exactly the same terms
 * in both, and the rewrite must hold no piece twice. */

static sqlite3 *db;
static sqlite3_stmt *insert_whole, *insert_once, *differ, *clear;
static HwIndexWords *words;

static void
prepare (const char    *sql,
         sqlite3_stmt **stmt)
{
  HW_FUZZ_CHECK (sqlite3_prepare_v2 (db, sql, -1, stmt, NULL) == SQLITE_OK);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  HW_FUZZ_CHECK (sqlite3_open (":memory:", &db) == SQLITE_OK);
  /* The store's full-text table (hw-event-store-schema.c). */
  HW_FUZZ_CHECK (sqlite3_exec (db,
                               "CREATE VIRTUAL TABLE whole USING fts5 (text, content='', columnsize=0, "
                               "  detail=none, tokenize='unicode61 remove_diacritics 2');"
                               "CREATE VIRTUAL TABLE once USING fts5 (text, content='', columnsize=0, "
                               "  detail=none, tokenize='unicode61 remove_diacritics 2');"
                               "CREATE VIRTUAL TABLE whole_terms USING fts5vocab (whole, row);"
                               "CREATE VIRTUAL TABLE once_terms USING fts5vocab (once, row);",
                               NULL, NULL, NULL) == SQLITE_OK);
  prepare ("INSERT INTO whole (rowid, text) VALUES (1, ?)", &insert_whole);
  prepare ("INSERT INTO once (rowid, text) VALUES (1, ?)", &insert_once);
  prepare ("SELECT (SELECT count(*) FROM (SELECT term FROM whole_terms EXCEPT SELECT term FROM once_terms))"
           "     + (SELECT count(*) FROM (SELECT term FROM once_terms EXCEPT SELECT term FROM whole_terms))",
           &differ);
  prepare ("INSERT INTO whole (whole) VALUES ('delete-all')", &clear);
  words = hw_index_words_new ();
  return 0;
}

static void
step_done (sqlite3_stmt *stmt)
{
  HW_FUZZ_CHECK (sqlite3_step (stmt) == SQLITE_DONE);
  sqlite3_reset (stmt);
}

static void
assert_no_repeats (const char *text)
{
  g_auto(GStrv) pieces = g_strsplit (text, " ", -1);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; pieces[i] != NULL; i++)
    {
      HW_FUZZ_CHECK (pieces[i][0] != '\0');
      HW_FUZZ_CHECK (g_hash_table_add (seen, pieces[i]));
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *whole = g_strndup ((const char *) data, size);
  g_autofree char *once = g_strdup (whole);
  gsize length = hw_index_words_dedup (words, once);

  HW_FUZZ_CHECK (length == strlen (once));
  HW_FUZZ_CHECK (length <= strlen (whole));
  if (length > 0)
    assert_no_repeats (once);

  sqlite3_bind_text (insert_whole, 1, whole, -1, SQLITE_STATIC);
  step_done (insert_whole);
  sqlite3_bind_text (insert_once, 1, once, -1, SQLITE_STATIC);
  step_done (insert_once);

  HW_FUZZ_CHECK (sqlite3_step (differ) == SQLITE_ROW);
  if (sqlite3_column_int64 (differ, 0) != 0)
    {
      g_printerr ("the index text %s\nhas other terms than %s\n", once, whole);
      abort ();
    }
  sqlite3_reset (differ);

  step_done (clear);
  HW_FUZZ_CHECK (sqlite3_exec (db, "INSERT INTO once (once) VALUES ('delete-all')", NULL, NULL, NULL)
                 == SQLITE_OK);
  return 0;
}
