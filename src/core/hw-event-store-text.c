/* hw-event-store-text.c: phrase tests against stored bodies, and indexing them again
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-error.h"
#include "hw-event-scan.h"
#include "hw-event-store-private.h"
#include "hw-index-words.h"

/* Since schema step 6 the full-text index keeps no positions
 * (detail=none): it finds the events holding every word of a phrase, and
 * hw_phrase() keeps those holding the words next to each other, reading
 * the stored body's search text again. Positions were most of the index
 * and of the writer's work: ingesting a million events into the hub, the
 * writer's CPU time fell from 38.9 to 30.1 s and the rate rose from 17.5k
 * to 21.3k events/s. A phrase is narrowed down by its rarest word first,
 * so a test runs only on events that hold all of its words. */

/* Stored events passed the parse limits of the hub or importer that wrote
 * them, which may have been raised: reading them back applies none. */
#define STORED_MAX_DEPTH 4096

typedef struct
{
  GByteArray *json;     /* a decompressed body */
  GString    *scratch;  /* hw_event_scan()'s */
} PhraseScratch;

typedef struct
{
  const char *start;
  gsize       length;
} WordSpan;

static void
phrase_scratch_free (gpointer data)
{
  PhraseScratch *scratch = data;

  g_byte_array_unref (scratch->json);
  g_string_free (scratch->scratch, TRUE);
  g_free (scratch);
}

static PhraseScratch *
phrase_scratch_new (void)
{
  PhraseScratch *scratch = g_new0 (PhraseScratch, 1);

  scratch->json = g_byte_array_new ();
  scratch->scratch = g_string_sized_new (4096);
  return scratch;
}

/* The text the index was given for this body: the same function of the
 * event (hw_event_dup_search_text()), by the one-pass reader where it can. */
static char *
search_text_of_json (const char *json,
                     gsize       length,
                     GString    *scratch)
{
  HwParseLimits limits = { G_MAXSIZE, STORED_MAX_DEPTH };
  g_autoptr(HwEvent) event = NULL;
  HwEventScan scan;

  g_string_truncate (scratch, 0);
  if (hw_event_scan (json, length, STORED_MAX_DEPTH, scratch, &scan))
    {
      char *text = g_steal_pointer (&scan.text);

      hw_event_scan_clear (&scan);
      return text;
    }
  event = hw_event_parse (json, length, &limits, NULL);
  return event != NULL ? hw_event_dup_search_text (event) : NULL;
}

static char *
search_text_of_body (const void    *body,
                     gsize          length,
                     PhraseScratch *scratch,
                     GError       **error)
{
  const char *json = hw_store_decompress_into (body, length, scratch->json, error);
  char *text;

  if (json == NULL)
    return NULL;
  text = search_text_of_json (json, scratch->json->len - 1, scratch->scratch);
  if (text == NULL)
    g_set_error_literal (error, HW_ERROR, HW_ERROR_CORRUPT, "a stored event body is not a valid event");
  return text;
}

/* Letters and digits, as hw_query_split_words() has them in ASCII. */
static inline gboolean
is_word_byte (guchar c)
{
  return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* @term is lower case already; '|' 0x20 lowers an ASCII letter and leaves
 * a digit as it is. */
static inline gboolean
word_matches (const WordSpan *word,
              const char     *term,
              gsize           term_length,
              gboolean        prefix)
{
  if (prefix ? word->length < term_length : word->length != term_length)
    return FALSE;
  for (gsize i = 0; i < term_length; i++)
    if ((word->start[i] | 0x20) != term[i])
      return FALSE;
  return TRUE;
}

/* Non-ASCII text: the query's own word splitter, so that "café" in the
 * text is "cafe", as the index and the query have it. */
static gboolean
words_have_phrase (const char  *text,
                   const char **terms,
                   gboolean     wildcard)
{
  g_auto(GStrv) words = hw_query_split_words (text);

  return hw_query_words_have_phrase (words, g_strv_length (words), (char * const *) terms, wildcard);
}

/* The last @n_terms words read, newest at @count - 1 (modulo), against
 * the terms in order. */
static gboolean
window_matches (const WordSpan *ring,
                guint           count,
                const char    **terms,
                const gsize    *lengths,
                guint           n_terms,
                gboolean        wildcard)
{
  for (guint j = 0; j < n_terms; j++)
    {
      const WordSpan *word = &ring[(count - n_terms + j) % n_terms];

      if (!word_matches (word, terms[j], lengths[j], wildcard && j + 1 == n_terms))
        return FALSE;
    }
  return TRUE;
}

/* This runs once per event holding all of a phrase's words, so it reads
 * the text once, keeps only the last words in a ring, and allocates
 * nothing; a byte past ASCII hands the text to the full word splitter. */
#define MAX_RING_TERMS 32

static gboolean
text_has_phrase (const char  *text,
                 const char **terms,
                 gboolean     wildcard)
{
  guint n_terms = g_strv_length ((char **) terms);
  WordSpan ring[MAX_RING_TERMS];
  gsize lengths[MAX_RING_TERMS];
  const guchar *c = (const guchar *) text;
  guint count = 0;

  if (n_terms == 0)
    return TRUE;
  if (n_terms > MAX_RING_TERMS)
    return words_have_phrase (text, terms, wildcard);
  for (guint j = 0; j < n_terms; j++)
    lengths[j] = strlen (terms[j]);

  for (;;)
    {
      const guchar *start;

      while (*c != '\0' && *c < 0x80 && !is_word_byte (*c))
        c++;
      if (*c == '\0')
        return FALSE;
      if (*c >= 0x80)
        return words_have_phrase (text, terms, wildcard);
      start = c;
      while (is_word_byte (*c))
        c++;
      if (*c >= 0x80)
        return words_have_phrase (text, terms, wildcard);
      ring[count % n_terms] = (WordSpan) { (const char *) start, (gsize) (c - start) };
      count++;
      if (count >= n_terms && window_matches (ring, count, terms, lengths, n_terms, wildcard))
        return TRUE;
    }
}

/* hw_phrase(body, words, prefix): whether the body's search text holds
 * @words (lower case, separated by spaces, as hw_query_split_words() gave
 * them) next to each other and in order, the last one as a prefix when
 * @prefix. The words are split once per statement (auxiliary data). */
static void
phrase_function (sqlite3_context *context,
                 int              argc,
                 sqlite3_value  **argv)
{
  PhraseScratch *scratch = sqlite3_user_data (context);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  char **terms = sqlite3_get_auxdata (context, 1);

  g_assert (argc == 3);
  if (terms == NULL)
    {
      const char *joined = (const char *) sqlite3_value_text (argv[1]);

      terms = g_strsplit (joined != NULL ? joined : "", " ", -1);
      sqlite3_set_auxdata (context, 1, terms, (void (*) (void *)) g_strfreev);
      /* SQLite may have freed it at once: then it is ours for this row. */
      terms = sqlite3_get_auxdata (context, 1);
      if (terms == NULL)
        {
          sqlite3_result_error_nomem (context);
          return;
        }
    }

  text = search_text_of_body (sqlite3_value_blob (argv[0]), sqlite3_value_bytes (argv[0]), scratch, &error);
  /* A damaged body fails where it is read for display; here it only
   * cannot be shown to hold the phrase, and the search goes on. */
  if (text == NULL)
    {
      g_debug ("hw_phrase: %s", error->message);
      sqlite3_result_int (context, 0);
      return;
    }
  sqlite3_result_int (context, text_has_phrase (text, (const char **) terms,
                                                sqlite3_value_int (argv[2]) != 0));
}

gboolean
hw_store_register_functions (sqlite3  *db,
                             GError  **error)
{
  int rc = sqlite3_create_function_v2 (db, "hw_phrase", 3, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                       phrase_scratch_new (), phrase_function, NULL, NULL,
                                       phrase_scratch_free);

  if (rc == SQLITE_OK)
    return TRUE;
  hw_store_set_sqlite_error (error, db, rc, "registering hw_phrase()");
  return FALSE;
}

/* Re-indexing ----------------------------------------------------------------- */

/* Bodies that could not be read while re-indexing: counted, and named in
 * one warning at the end, however many there are. */
#define UNREADABLE_NAMED 5

typedef struct
{
  guint64  count;
  GString *seqs;
  char    *first_reason;
} Unreadable;

static void
unreadable_add (Unreadable   *unreadable,
                gint64        seq,
                const GError *error)
{
  if (unreadable->count++ < UNREADABLE_NAMED)
    g_string_append_printf (unreadable->seqs, "%s%" G_GINT64_FORMAT,
                            unreadable->seqs->len > 0 ? ", " : "", seq);
  else if (unreadable->count == UNREADABLE_NAMED + 1)
    g_string_append (unreadable->seqs, ", …");
  if (unreadable->first_reason == NULL)
    unreadable->first_reason = g_strdup (error->message);
}

static void
unreadable_report (Unreadable *unreadable)
{
  if (unreadable->count > 0)
    g_warning ("re-indexing: %" G_GUINT64_FORMAT " stored events could not be read and are not "
               "searchable (seq %s; the first: %s)", unreadable->count, unreadable->seqs->str,
               unreadable->first_reason);
  g_string_free (unreadable->seqs, TRUE);
  g_free (unreadable->first_reason);
}

/* The search texts of up to @limit stored events with seqs in
 * (@after, @before), read from their bodies, appended to @batch: for the
 * text index thread's catch-up after a crash, a new index file or an
 * upgrade, and for events other writers of the file stored. @db is a
 * reader of the store. */
gboolean
hw_store_read_stored_texts (sqlite3      *db,
                            gint64        after,
                            gint64        before,
                            guint         limit,
                            HwTextBatch  *batch,
                            GError      **error)
{
  PhraseScratch *scratch = phrase_scratch_new ();
  g_autoptr(HwIndexWords) words = hw_index_words_new ();
  Unreadable unreadable = { 0, g_string_new (NULL), NULL };
  sqlite3_stmt *read = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (db, "SELECT seq, id, body FROM events WHERE seq > ? AND seq < ? "
                               "ORDER BY seq LIMIT ?", -1, &read, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (read, 1, after);
      sqlite3_bind_int64 (read, 2, before);
      sqlite3_bind_int64 (read, 3, limit);
    }
  while (rc == SQLITE_OK && (rc = sqlite3_step (read)) == SQLITE_ROW)
    {
      g_autoptr(GError) local_error = NULL;
      gint64 seq = sqlite3_column_int64 (read, 0);
      g_autofree char *text = search_text_of_body (sqlite3_column_blob (read, 2),
                                                   sqlite3_column_bytes (read, 2), scratch,
                                                   &local_error);

      rc = SQLITE_OK;
      /* A body that cannot be read is not searchable either way; the
       * row stays, and the index moves past it. */
      if (text == NULL)
        unreadable_add (&unreadable, seq, local_error);
      else
        hw_index_words_dedup (words, text);
      hw_text_batch_add (batch, seq, (const char *) sqlite3_column_text (read, 1), text);
    }
  /* Before finalizing, which resets the connection's error. */
  if (rc != SQLITE_DONE)
    hw_store_set_sqlite_error (error, db, rc, "reading stored events to index them");
  sqlite3_finalize (read);
  phrase_scratch_free (scratch);
  unreadable_report (&unreadable);
  return rc == SQLITE_DONE;
}
