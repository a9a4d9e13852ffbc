/* fuzz-query.c: libFuzzer target for the query language and time expressions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "hw-error.h"
#include "hw-event-store.h"
#include "hw-fuzz.h"
#include "hw-query.h"
#include "hw-time.h"

/* The input is the text typed into the search box (or sent to the hub as
 * ?q=). A query that parses must compile to SQL that SQLite accepts, and
 * the in-memory matcher must select exactly the events the SQL selects, on
 * a small real store. The same text also goes through the time parser. */

#define NOW_MS G_GINT64_CONSTANT (1795355255123)  /* 2026-11-22T13:47:35.123Z */

static const char * const event_lines[] = {
  "{\"id\":\"q1\",\"type\":\"order-placed\",\"timestamp\":1795351655123,\"partitionKey\":\"o-7\","
  "\"tags\":{\"source\":\"shop\",\"functionname\":\"checkout\",\"account\":\"42\",\"tier\":\"gold\",\"n\":3},"
  "\"order\":{\"id\":\"o-7\",\"buyer\":\"Zoë Ä\",\"note\":\"gift wrap, express\"}}",
  "{\"id\":\"q2\",\"type\":\"fault\",\"timestamp\":1795348055123,"
  "\"tags\":{\"functionname\":\"billing-listener\",\"pipeline\":\"bill\",\"stage\":\"prod\"},"
  "\"err\":{\"name\":\"Error\",\"message\":\"card declined: insufficient funds\",\"stack\":\"at pay (a.js:1)\"},"
  "\"uow\":{\"record\":{\"body\":\"x\"}}}",
  "{\"version\":\"0\",\"id\":\"b1\",\"detail-type\":\"thing-updated\",\"source\":\"iot\",\"account\":\"7\","
  "\"time\":\"2026-11-20T10:00:00Z\",\"region\":\"eu-west-1\",\"resources\":[],"
  "\"detail\":{\"id\":\"q3\",\"type\":\"thing-updated\",\"timestamp\":1795168800000,"
  "\"tags\":{\"region\":\"eu-west-1\",\"source\":\"iot\"},\"thing\":{\"name\":\"pump*2\",\"temp\":71.5}}}",
  "{\"id\":\"q4\",\"type\":\"x\",\"timestamp\":946684800000,\"thing\":\"OR AND NOT \\\"quoted\\\"\"}",
};

static HwEventStore *store;
static GPtrArray *events;  /* HwEvent*, in seq order */
static char *store_dir;

static void
remove_store (void)
{
  g_autofree char *path = g_build_filename (store_dir, "events.db", NULL);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);

  g_clear_object (&store);
  g_clear_pointer (&events, g_ptr_array_unref);
  g_unlink (wal);
  g_unlink (shm);
  g_unlink (path);
  g_rmdir (store_dir);
  g_clear_pointer (&store_dir, g_free);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  HwParseLimits limits = hw_parse_limits_default ();

  store_dir = g_dir_make_tmp ("hw-fuzz-query-XXXXXX", &error);
  HW_FUZZ_CHECK (store_dir != NULL);
  path = g_build_filename (store_dir, "events.db", NULL);
  store = hw_event_store_open (path, HW_EVENT_STORE_FLAGS_NONE, &error);
  HW_FUZZ_CHECK (store != NULL);

  events = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_event_unref);
  for (guint i = 0; i < G_N_ELEMENTS (event_lines); i++)
    {
      HwEvent *event = hw_event_parse (event_lines[i], -1, &limits, &error);

      HW_FUZZ_CHECK (event != NULL);
      g_ptr_array_add (events, event);
    }
  HW_FUZZ_CHECK (hw_event_store_insert (store, (HwEvent **) events->pdata, events->len,
                                        NULL, NULL, &error));
  atexit (remove_store);
  return 0;
}

static gboolean
seqs_contain (GArray *seqs,
              gint64  seq)
{
  for (guint i = 0; i < seqs->len; i++)
    if (g_array_index (seqs, gint64, i) == seq)
      return TRUE;
  return FALSE;
}

static void
check_query (HwQuery    *query,
             const char *text)
{
  g_autoptr(GPtrArray) params = NULL;
  g_autofree char *sql = hw_query_to_sql (query, &params);
  g_autoptr(GArray) seqs = NULL;
  g_autoptr(GError) error = NULL;
  gint64 from_ms = 0, to_ms = 0;
  guint placeholders = 0;

  HW_FUZZ_CHECK (strcmp (hw_query_get_text (query), text) == 0);
  HW_FUZZ_CHECK (sql != NULL && params != NULL);
  for (const char *c = sql; *c != '\0'; c++)
    placeholders += *c == '?';
  HW_FUZZ_CHECK (placeholders == params->len);
  if (hw_query_get_time_bounds (query, &from_ms, &to_ms))
    HW_FUZZ_CHECK (from_ms != G_MININT64 || to_ms != G_MAXINT64);

  seqs = hw_event_store_search_seqs (store, query, HW_EVENT_STORE_UNBOUNDED, G_MAXINT64,
                                     HW_EVENT_ORDER_OLDEST_FIRST, NULL, &error);
  if (seqs == NULL)
    {
      g_printerr ("query %s compiled to SQL that failed: %s\n%s\n", text, error->message, sql);
      abort ();
    }

  /* Seqs are assigned in insert order from 1. */
  for (guint i = 0; i < events->len; i++)
    {
      gboolean in_memory = hw_query_matches_event (query, g_ptr_array_index (events, i));
      gboolean in_sql = seqs_contain (seqs, i + 1);

      if (in_memory != in_sql)
        {
          g_printerr ("query %s: event %u matches in memory: %d, in SQL: %d\n%s\n",
                      text, i, in_memory, in_sql, sql);
          abort ();
        }
    }
}

static void
check_time (const char *text)
{
  size_t length = strlen (text);

  for (HwTimeRound round = HW_TIME_ROUND_DOWN; round <= HW_TIME_ROUND_UP; round++)
    {
      g_autoptr(GError) error = NULL;
      gint64 ms = 0;
      guint offset = 0;

      if (hw_time_parse_with_offset (text, NOW_MS, round, &ms, &offset, &error))
        {
          g_autofree char *iso = hw_time_format_iso8601 (ms);

          HW_FUZZ_CHECK (error == NULL && iso != NULL);
          continue;
        }
      HW_FUZZ_CHECK_ERROR (error);
      HW_FUZZ_CHECK (g_error_matches (error, HW_ERROR, HW_ERROR_INVALID_TIME));
      HW_FUZZ_CHECK (offset <= length);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  /* Both parsers take C strings: a NUL ends the text, as it would in a URL
   * parameter decoded by libsoup. */
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(HwQuery) query = NULL;
  g_autoptr(GError) error = NULL;
  guint position = 0;

  check_time (text);

  query = hw_query_parse (text, NOW_MS, &position, &error);
  if (query == NULL)
    {
      HW_FUZZ_CHECK_ERROR (error);
      HW_FUZZ_CHECK (g_error_matches (error, HW_ERROR, HW_ERROR_INVALID_QUERY));
      HW_FUZZ_CHECK (position >= 1 && position <= strlen (text) + 1);
      return 0;
    }
  HW_FUZZ_CHECK (error == NULL && position == 0);
  check_query (query, text);
  return 0;
}
