/* test-index-words.c: the index text, each word once, indexes as the whole text does
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "hw-index-words.h"

static void
test_table (void)
{
  static const struct
  {
    const char *text;
    const char *expected;
  } table[] = {
    { "", "" },
    { " ,.-", "" },
    { "poka", "poka" },
    { "poka poka", "poka" },
    { "Poka POKA poka", "poka" },
    { "poka veloum poka dezu veloum", "poka veloum dezu" },
    /* separators are not kept; a space stands for each */
    { "order-placed order_placed", "order placed" },
    { "us-east-1 us east 1", "us east 1" },
    { "  lead, trail.  ", "lead trail" },
    /* a last word that repeats does not leave its space */
    { "a b a", "a b" },
    { "a b b b", "a b" },
    /* non-ASCII bytes belong to the piece; only ASCII is folded */
    { "Crème crème CRÈME brûlée", "crème crÈme brûlée" },
    { "日本 日本語 日本", "日本 日本語" },
    { "a—b a—b", "a—b" },
    /* digits are word characters */
    { "ord-1 ord-12 ORD-1", "ord 1 12" },
  };

  g_autoptr(HwIndexWords) words = hw_index_words_new ();

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      g_autofree char *text = g_strdup (table[i].text);
      gsize length = hw_index_words_dedup (words, text);

      g_test_message ("%s", table[i].text);
      g_assert_cmpstr (text, ==, table[i].expected);
      g_assert_cmpuint (length, ==, strlen (table[i].expected));
    }
}

/* More distinct words than the set starts with, then a short text: the set
 * grows, and forgets the last text's words. */
static void
test_many_words (void)
{
  g_autoptr(HwIndexWords) words = hw_index_words_new ();
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *small = g_strdup ("w1 w2 w1");
  char **pieces;

  for (guint round = 0; round < 2; round++)
    for (guint i = 0; i < 5000; i++)
      g_string_append_printf (text, "w%u ", i);
  g_assert_cmpuint (hw_index_words_dedup (words, text->str), ==, strlen (text->str));

  pieces = g_strsplit (text->str, " ", -1);
  g_assert_cmpuint (g_strv_length (pieces), ==, 5000);
  for (guint i = 0; i < 5000; i++)
    {
      g_autofree char *expected = g_strdup_printf ("w%u", i);

      g_assert_cmpstr (pieces[i], ==, expected);
    }
  g_strfreev (pieces);

  hw_index_words_dedup (words, small);
  g_assert_cmpstr (small, ==, "w1 w2");
}

static sqlite3 *
open_index (void)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (":memory:", &db), ==, SQLITE_OK);
  /* The store's full-text table and tokenizer (hw-event-store-schema.c). */
  g_assert_cmpint (sqlite3_exec (db,
                                 "CREATE VIRTUAL TABLE whole USING fts5 (text, content='', columnsize=0, "
                                 "  detail=none, tokenize='unicode61 remove_diacritics 2');"
                                 "CREATE VIRTUAL TABLE once USING fts5 (text, content='', columnsize=0, "
                                 "  detail=none, tokenize='unicode61 remove_diacritics 2');"
                                 "CREATE VIRTUAL TABLE whole_terms USING fts5vocab (whole, instance);"
                                 "CREATE VIRTUAL TABLE once_terms USING fts5vocab (once, instance);",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  return db;
}

static void
index_text (sqlite3    *db,
            const char *table,
            gint64      rowid,
            const char *text)
{
  g_autofree char *sql = g_strdup_printf ("INSERT INTO %s (rowid, text) VALUES (?, ?)", table);
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_int64 (stmt, 1, rowid);
  sqlite3_bind_text (stmt, 2, text, -1, SQLITE_TRANSIENT);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
}

static gint64
count (sqlite3    *db,
       const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 n;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}

/* Texts of words drawn from a small vocabulary with every kind of
 * separator, ASCII case and non-ASCII letters and marks: the tokenizer
 * must find the same terms in each row of both tables. */
static void
test_same_terms (void)
{
  static const char * const vocabulary[] = {
    "poka", "Poka", "VELOUM", "dezu", "order", "ORD", "1", "12", "crème", "CRÈME", "Über", "uber",
    "日本", "naïve", "naive", "x9", "İstanbul", "straße", "ǅemal", "Ωmega", "ωmega", "a\xcc\x81",
  };
  static const char * const separators[] = {
    " ", "  ", "-", "_", ".", ",", ":", "\"", "/", "\t", "\n", "—", " · ", "\xc2\xa0", "'", "@",
  };
  g_autoptr(HwIndexWords) words = hw_index_words_new ();
  sqlite3 *db = open_index ();
  GRand *rand = g_rand_new_with_seed (7);

  sqlite3_exec (db, "BEGIN", NULL, NULL, NULL);
  for (gint64 row = 1; row <= 2000; row++)
    {
      g_autoptr(GString) text = g_string_new (NULL);
      guint n = g_rand_int_range (rand, 0, 60);

      for (guint i = 0; i < n; i++)
        {
          /* Sometimes two vocabulary words with no separator between. */
          g_string_append (text, vocabulary[g_rand_int_range (rand, 0, G_N_ELEMENTS (vocabulary))]);
          if (g_rand_int_range (rand, 0, 8) != 0)
            g_string_append (text, separators[g_rand_int_range (rand, 0, G_N_ELEMENTS (separators))]);
        }
      index_text (db, "whole", row, text->str);
      hw_index_words_dedup (words, text->str);
      index_text (db, "once", row, text->str);
    }
  sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);

  g_assert_cmpint (count (db, "SELECT count(*) FROM (SELECT DISTINCT term, doc FROM whole_terms)"), >, 20000);
  g_assert_cmpint (count (db, "SELECT count(*) FROM (SELECT DISTINCT term, doc FROM whole_terms "
                              "EXCEPT SELECT DISTINCT term, doc FROM once_terms)"), ==, 0);
  g_assert_cmpint (count (db, "SELECT count(*) FROM (SELECT DISTINCT term, doc FROM once_terms "
                              "EXCEPT SELECT DISTINCT term, doc FROM whole_terms)"), ==, 0);

  g_rand_free (rand);
  sqlite3_close (db);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/index-words/table", test_table);
  g_test_add_func ("/index-words/many-words", test_many_words);
  g_test_add_func ("/index-words/same-terms", test_same_terms);

  return g_test_run ();
}
