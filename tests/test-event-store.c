/* test-event-store.c: the SQLite event store against hand-computed numbers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sqlite3.h>

#include "hw-error.h"
#include "hw-event-store.h"
#include "hw-event-store-private.h"
#include "hw-mask.h"
#include "hw-query.h"
#include "hw-test-store.h"
#include "hw-test-util.h"

#define BASE_MS HW_TEST_BASE_MS
#define MINUTE_MS G_GINT64_CONSTANT (60000)
#define HOUR_MS (60 * MINUTE_MS)
#define DAY_MS (24 * HOUR_MS)

typedef HwTestStoreFixture Fixture;

static HwQuery *
parse_query (const char *text)
{
  g_autoptr(GError) error = NULL;
  HwQuery *query = hw_query_parse (text, BASE_MS, NULL, &error);

  g_assert_no_error (error);
  return query;
}

static gint64
count (HwEventStore *store,
       const char   *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HwQuery) query = parse_query (text);
  gint64 n = hw_event_store_count (store, query, HW_EVENT_STORE_UNBOUNDED,
                                   HW_EVENT_STORE_UNBOUNDED, NULL, &error);

  g_assert_no_error (error);
  return n;
}

/* Fills the store with @n events one minute apart from BASE_MS; every
 * tenth mentions "banana", types cycle over three names. */
static void
fill_minutes (HwEventStore *store,
              guint         n)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_event_unref);
  static const char * const types[] = { "order-placed", "order-paid", "driver-assigned" };

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("ev-%04u", i);

      g_ptr_array_add (events, hw_test_make_event (id, types[i % 3], BASE_MS + i * MINUTE_MS,
                                           i % 2 ? "fn-odd" : "fn-even", "shop",
                                           i % 10 == 0 ? "banana split" : "plain vanilla"));
    }
  hw_test_insert_all (store, events);
}

static void
test_insert_dedupe (Fixture       *fixture,
                    gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HwEvent) a = hw_test_make_event ("a", "order-placed", BASE_MS, "fn", "shop", "x");
  g_autoptr(HwEvent) b = hw_test_make_event ("b", "order-paid", BASE_MS + 1, "fn", "shop", "y");
  g_autoptr(HwEventRow) row = NULL;
  HwEvent *batch[] = { a, b, a };
  HwInsertStatus statuses[3];
  gint64 seqs[3];
  g_autofree char *json = NULL;

  g_assert_true (hw_event_store_insert (fixture->store, batch, 3, statuses, seqs, &error));
  g_assert_no_error (error);
  g_assert_cmpint (statuses[0], ==, HW_INSERT_ACCEPTED);
  g_assert_cmpint (statuses[1], ==, HW_INSERT_ACCEPTED);
  g_assert_cmpint (statuses[2], ==, HW_INSERT_DUPLICATE);
  g_assert_cmpint (seqs[1], >, seqs[0]);
  g_assert_cmpint (seqs[2], ==, seqs[0]);

  /* Importing again adds nothing and reports the stored seqs. */
  g_assert_true (hw_event_store_insert (fixture->store, batch, 2, statuses, seqs + 1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (statuses[0], ==, HW_INSERT_DUPLICATE);
  g_assert_cmpint (statuses[1], ==, HW_INSERT_DUPLICATE);
  g_assert_cmpint (seqs[1], ==, seqs[0]);
  g_assert_cmpint (count (fixture->store, ""), ==, 2);
  g_assert_cmpint (hw_event_store_get_max_seq (fixture->store, &error), ==, seqs[2]);

  /* The body round-trips through compression byte for byte. */
  json = hw_event_store_get_event_json_by_id (fixture->store, "b", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json, ==, b->json);

  row = hw_event_store_get_event (fixture->store, seqs[0], &error);
  g_assert_no_error (error);
  g_assert_cmpstr (row->id, ==, "a");
  g_assert_cmpstr (row->partition_key, ==, "pk-a");
  g_assert_cmpstr (row->functionname, ==, "fn");
  g_assert_cmpint (row->ts_ms, ==, BASE_MS);
  g_assert_cmpuint (row->size, ==, a->size);

  g_assert_null (hw_event_store_get_event_by_id (fixture->store, "nope", &error));
  g_assert_error (error, HW_ERROR, HW_ERROR_NOT_FOUND);
}

static void
collect_pages (HwEventStore  *store,
               HwQuery       *query,
               HwEventOrder   order,
               guint          limit,
               GArray        *seqs,
               guint         *n_pages)
{
  g_autofree char *cursor = NULL;

  *n_pages = 0;
  do
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HwSearchPage) page = NULL;

      page = hw_event_store_search (store, query, HW_EVENT_STORE_UNBOUNDED,
                                    HW_EVENT_STORE_UNBOUNDED, order, limit, cursor,
                                    NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (page->rows->len, <=, limit);
      for (guint i = 0; i < page->rows->len; i++)
        {
          HwEventRow *row = g_ptr_array_index (page->rows, i);

          g_assert_nonnull (row->json);
          g_array_append_val (seqs, row->seq);
        }
      g_free (cursor);
      cursor = g_steal_pointer (&page->next_cursor);
      (*n_pages)++;
    }
  while (cursor != NULL);
}

/* Pages whose cursors fall inside runs of equal timestamps: the cursor's
 * seq breaks the tie, so each event comes exactly once, in order. */
static void
test_search_pages_ties (Fixture       *fixture,
                        gconstpointer  user_data)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_event_unref);
  g_autoptr(GArray) newest = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) oldest = g_array_new (FALSE, FALSE, sizeof (gint64));
  guint n_pages;

  for (guint i = 0; i < 42; i++)
    {
      g_autofree char *id = g_strdup_printf ("tie-%02u", i);

      /* Seven events share each minute. */
      g_ptr_array_add (events, hw_test_make_event (id, "order-placed", BASE_MS + (i / 7) * MINUTE_MS,
                                                   "fn", "shop", "tied"));
    }
  hw_test_insert_all (fixture->store, events);

  collect_pages (fixture->store, NULL, HW_EVENT_ORDER_NEWEST_FIRST, 5, newest, &n_pages);
  g_assert_cmpuint (newest->len, ==, 42);
  g_assert_cmpuint (n_pages, ==, 9);
  collect_pages (fixture->store, NULL, HW_EVENT_ORDER_OLDEST_FIRST, 5, oldest, &n_pages);
  g_assert_cmpuint (oldest->len, ==, 42);
  for (guint i = 0; i < 42; i++)
    {
      g_assert_cmpint (g_array_index (newest, gint64, i), ==, g_array_index (oldest, gint64, 41 - i));
      if (i > 0)
        g_assert_cmpint (g_array_index (oldest, gint64, i), >, g_array_index (oldest, gint64, i - 1));
    }
}

static void
test_search_pages (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_autoptr(GArray) newest = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) oldest = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) all = NULL;
  g_autoptr(GArray) bananas = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(HwQuery) banana = parse_query ("banana");
  g_autoptr(HwQuery) phrase = parse_query ("\"banana split\"");
  g_autoptr(HwQuery) reversed = parse_query ("\"split banana\"");
  g_autoptr(GError) error = NULL;
  g_autoptr(HwSearchPage) page = NULL;
  guint n_pages;

  fill_minutes (fixture->store, 250);

  collect_pages (fixture->store, NULL, HW_EVENT_ORDER_NEWEST_FIRST, 100, newest, &n_pages);
  g_assert_cmpuint (n_pages, ==, 3);
  g_assert_cmpuint (newest->len, ==, 250);
  collect_pages (fixture->store, NULL, HW_EVENT_ORDER_OLDEST_FIRST, 100, oldest, &n_pages);
  g_assert_cmpuint (oldest->len, ==, 250);
  for (guint i = 0; i < 250; i++)
    {
      /* Inserted in time order, so seqs mirror timestamps. */
      g_assert_cmpint (g_array_index (newest, gint64, i), ==, g_array_index (oldest, gint64, 249 - i));
      if (i > 0)
        g_assert_cmpint (g_array_index (newest, gint64, i), <, g_array_index (newest, gint64, i - 1));
    }

  all = hw_event_store_search_seqs (fixture->store, NULL, HW_EVENT_STORE_UNBOUNDED,
                                    HW_EVENT_STORE_UNBOUNDED, HW_EVENT_ORDER_NEWEST_FIRST,
                                    NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (all->data, all->len * sizeof (gint64), newest->data, newest->len * sizeof (gint64));

  /* Full text: every tenth event, also when paging by 7. */
  collect_pages (fixture->store, banana, HW_EVENT_ORDER_NEWEST_FIRST, 7, bananas, &n_pages);
  g_assert_cmpuint (bananas->len, ==, 25);
  g_assert_cmpuint (n_pages, ==, 4);
  g_assert_cmpint (count (fixture->store, "\"banana split\""), ==, 25);
  g_assert_cmpint (count (fixture->store, "\"split banana\""), ==, 0);
  g_assert_cmpint (count (fixture->store, "type:order-* AND banana"), ==, 17);

  /* A time range: the first hour holds events 0..59, six of them bananas. */
  page = hw_event_store_search (fixture->store, phrase, BASE_MS, BASE_MS + HOUR_MS,
                                HW_EVENT_ORDER_OLDEST_FIRST, 100, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->rows->len, ==, 6);
  g_assert_null (page->next_cursor);
  g_assert_cmpint (((HwEventRow *) g_ptr_array_index (page->rows, 5))->ts_ms, ==, BASE_MS + 50 * MINUTE_MS);
  g_clear_pointer (&page, hw_search_page_free);

  page = hw_event_store_search (fixture->store, reversed, HW_EVENT_STORE_UNBOUNDED,
                                HW_EVENT_STORE_UNBOUNDED, HW_EVENT_ORDER_NEWEST_FIRST,
                                10, "garbage", NULL, &error);
  g_assert_null (page);
  g_assert_error (error, HW_ERROR, HW_ERROR_INVALID_QUERY);
}

static void
test_summaries_and_sync (Fixture       *fixture,
                         gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) after = NULL;
  gint64 seqs[] = { 3, 1, 999, 2 };

  fill_minutes (fixture->store, 30);

  rows = hw_event_store_get_summaries (fixture->store, seqs, G_N_ELEMENTS (seqs), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 3);
  g_assert_cmpint (((HwEventRow *) rows->pdata[0])->seq, ==, 3);
  g_assert_cmpstr (((HwEventRow *) rows->pdata[0])->id, ==, "ev-0002");
  g_assert_cmpstr (((HwEventRow *) rows->pdata[0])->type, ==, "driver-assigned");
  g_assert_null (((HwEventRow *) rows->pdata[0])->json);
  g_assert_cmpint (((HwEventRow *) rows->pdata[2])->seq, ==, 2);

  after = hw_event_store_events_after (fixture->store, 25, 100, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (after->len, ==, 5);
  for (guint i = 0; i < after->len; i++)
    g_assert_cmpint (((HwEventRow *) after->pdata[i])->seq, ==, 26 + i);
  g_clear_pointer (&after, g_ptr_array_unref);

  after = hw_event_store_events_after (fixture->store, 0, 4, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (after->len, ==, 4);
  g_assert_cmpint (hw_event_store_get_max_seq (fixture->store, &error), ==, 30);
}

typedef struct
{
  GPtrArray *rows;       /* HwEventRow*, copies of what was visited */
  gint64     stop_at;    /* the seq at which to stop, or 0 */
} Visit;

static gboolean
copy_visited_row (const HwEventRow *row,
                  gpointer          user_data)
{
  Visit *visit = user_data;

  g_ptr_array_add (visit->rows, hw_event_row_dup (row));
  return row->seq != visit->stop_at;
}

static void
assert_rows_equal (const HwEventRow *a,
                   const HwEventRow *b)
{
  g_assert_cmpint (a->seq, ==, b->seq);
  g_assert_cmpint (a->ts_ms, ==, b->ts_ms);
  g_assert_cmpint (a->received_ms, ==, b->received_ms);
  g_assert_cmpstr (a->id, ==, b->id);
  g_assert_cmpstr (a->type, ==, b->type);
  g_assert_cmpstr (a->partition_key, ==, b->partition_key);
  g_assert_cmpstr (a->source, ==, b->source);
  g_assert_cmpstr (a->functionname, ==, b->functionname);
  g_assert_cmpstr (a->pipeline, ==, b->pipeline);
  g_assert_cmpint (a->is_fault, ==, b->is_fault);
  g_assert_cmpuint (a->size, ==, b->size);
  g_assert_cmpstr (a->json, ==, b->json);
}

/* The borrowed rows of visit_after are the rows a lookup by seq returns,
 * and events_after copies them. */
static void
test_visit_after (Fixture       *fixture,
                  gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) after = NULL;
  Visit visit = { g_ptr_array_new_with_free_func ((GDestroyNotify) hw_event_row_free), 0 };
  HwStoreConn *writer;

  fill_minutes (fixture->store, 30);

  after = hw_event_store_events_after (fixture->store, 20, 100, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (hw_event_store_visit_after (fixture->store, 20, 100, copy_visited_row, &visit,
                                               NULL, &error), ==, 10);
  g_assert_no_error (error);
  g_assert_cmpuint (visit.rows->len, ==, after->len);
  for (guint i = 0; i < after->len; i++)
    {
      g_autoptr(HwEventRow) looked_up = hw_event_store_get_event (fixture->store, 21 + i, &error);

      g_assert_no_error (error);
      assert_rows_equal (visit.rows->pdata[i], looked_up);
      assert_rows_equal (visit.rows->pdata[i], after->pdata[i]);
    }
  g_assert_nonnull (strstr (((HwEventRow *) visit.rows->pdata[0])->json, "\"ev-0020\""));

  /* The limit holds, and a visitor can stop early. */
  g_ptr_array_set_size (visit.rows, 0);
  g_assert_cmpint (hw_event_store_visit_after (fixture->store, 0, 4, copy_visited_row, &visit,
                                               NULL, &error), ==, 4);
  g_ptr_array_set_size (visit.rows, 0);
  visit.stop_at = 7;
  g_assert_cmpint (hw_event_store_visit_after (fixture->store, 4, 100, copy_visited_row, &visit,
                                               NULL, &error), ==, 3);
  g_assert_cmpint (((HwEventRow *) visit.rows->pdata[2])->seq, ==, 7);

  /* A damaged body is an error, not a row. */
  writer = hw_store_lock_writer (fixture->store);
  g_assert_true (hw_store_conn_exec (writer, "UPDATE events SET body = x'28b52ffd0000ff' WHERE seq = 9",
                                     &error));
  hw_store_unlock_writer (fixture->store);
  g_ptr_array_set_size (visit.rows, 0);
  visit.stop_at = 0;
  g_assert_cmpint (hw_event_store_visit_after (fixture->store, 4, 100, copy_visited_row, &visit,
                                               NULL, &error), ==, -1);
  g_assert_error (error, HW_ERROR, HW_ERROR_CORRUPT);
  g_assert_cmpuint (visit.rows->len, ==, 4);
  g_ptr_array_unref (visit.rows);
}

static gint64
reader_mmap_size (HwEventStore *store)
{
  g_autoptr(GError) error = NULL;
  HwStoreConn *reader = hw_store_acquire_reader (store, NULL, &error);
  gint64 size;

  g_assert_no_error (error);
  size = hw_store_select_int (reader, "PRAGMA mmap_size", NULL, &error);
  g_assert_no_error (error);
  hw_store_release_reader (store, reader);
  return size;
}

/* The hub's readers map its whole lake; a lean reader maps nothing. */
static void
test_reader_maps (Fixture       *fixture,
                  gconstpointer  user_data)
{
  const char *path = hw_event_store_get_path (fixture->store);
  g_autoptr(GError) error = NULL;
  g_autoptr(HwEventStore) wide = NULL;
  g_autoptr(HwEventStore) lean = NULL;

  g_assert_cmpint (reader_mmap_size (fixture->store), ==, 64 * 1024 * 1024);
  wide = hw_event_store_open (path, HW_EVENT_STORE_WIDE_MAP, &error);
  g_assert_no_error (error);
  g_assert_cmpint (reader_mmap_size (wide), >, 1024 * 1024 * 1024);
  lean = hw_event_store_open (path, HW_EVENT_STORE_LEAN_READERS, &error);
  g_assert_no_error (error);
  g_assert_cmpint (reader_mmap_size (lean), ==, 0);
}

static void
test_pick_bucket (void)
{
  static const struct { gint64 span; guint target; gint64 expected; } table[] = {
    { 0, 60, 1000 },
    { 60 * 1000, 60, 1000 },
    { 61 * 1000, 60, 5000 },
    { HOUR_MS, 60, MINUTE_MS },
    { 2 * HOUR_MS, 60, 5 * MINUTE_MS },
    { DAY_MS, 60, 30 * MINUTE_MS },
    { DAY_MS, 24, HOUR_MS },
    { 7 * DAY_MS, 60, 3 * HOUR_MS },
    { 30 * DAY_MS, 60, 12 * HOUR_MS },
    { 365 * DAY_MS, 60, 7 * DAY_MS },
    { 3650 * DAY_MS, 60, 63 * DAY_MS },
    { HOUR_MS, 0, MINUTE_MS },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    g_assert_cmpint (hw_event_store_pick_bucket_ms (table[i].span, table[i].target), ==,
                     table[i].expected);
}

static void
test_histogram (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HwHistogram) histogram = NULL;
  g_autoptr(HwQuery) banana = parse_query ("banana");

  fill_minutes (fixture->store, 120);

  /* Two hours at most 60 buckets: 5 minutes each, 5 events per bucket. */
  histogram = hw_event_store_histogram (fixture->store, NULL, BASE_MS, BASE_MS + 2 * HOUR_MS,
                                        60, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (histogram->bucket_ms, ==, 5 * MINUTE_MS);
  g_assert_cmpuint (histogram->buckets->len, ==, 24);
  g_assert_cmpint (histogram->total, ==, 120);
  g_assert_cmpint (histogram->from_ms, ==, BASE_MS);
  for (guint i = 0; i < 24; i++)
    {
      HwHistogramBucket *bucket = &g_array_index (histogram->buckets, HwHistogramBucket, i);

      g_assert_cmpint (bucket->start_ms, ==, BASE_MS + i * 5 * MINUTE_MS);
      g_assert_cmpint (bucket->count, ==, 5);
    }
  g_clear_pointer (&histogram, hw_histogram_free);

  /* Unbounded: the range comes from the matches (bananas at minutes 0..110). */
  histogram = hw_event_store_histogram (fixture->store, banana, HW_EVENT_STORE_UNBOUNDED,
                                        HW_EVENT_STORE_UNBOUNDED, 12, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (histogram->bucket_ms, ==, 10 * MINUTE_MS);
  g_assert_cmpint (histogram->total, ==, 12);
  g_assert_cmpuint (histogram->buckets->len, ==, 12);
  for (guint i = 0; i < 12; i++)
    g_assert_cmpint (g_array_index (histogram->buckets, HwHistogramBucket, i).count, ==, 1);
  g_clear_pointer (&histogram, hw_histogram_free);

  /* A range not aligned to the bucket counts only inside the range. */
  histogram = hw_event_store_histogram (fixture->store, NULL, BASE_MS + 3 * MINUTE_MS,
                                        BASE_MS + 3 * MINUTE_MS + HOUR_MS, 60, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (histogram->bucket_ms, ==, MINUTE_MS);
  g_assert_cmpint (histogram->total, ==, 60);
  g_clear_pointer (&histogram, hw_histogram_free);

  /* One side bounded: the other comes from the matches. */
  histogram = hw_event_store_histogram (fixture->store, banana, BASE_MS - DAY_MS,
                                        HW_EVENT_STORE_UNBOUNDED, 60, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (histogram->bucket_ms, ==, 30 * MINUTE_MS);
  g_assert_cmpint (histogram->from_ms, ==, BASE_MS - DAY_MS);
  g_assert_cmpint (histogram->total, ==, 12);
  g_clear_pointer (&histogram, hw_histogram_free);

  /* Nothing matches: empty, no error. */
  g_clear_pointer (&banana, hw_query_unref);
  banana = parse_query ("durian");
  histogram = hw_event_store_histogram (fixture->store, banana, HW_EVENT_STORE_UNBOUNDED,
                                        HW_EVENT_STORE_UNBOUNDED, 60, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (histogram->total, ==, 0);
  g_assert_cmpuint (histogram->buckets->len, ==, 0);
}

static void
test_top_values (Fixture       *fixture,
                 gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) top = NULL;
  g_autoptr(HwQuery) banana = parse_query ("banana");

  fill_minutes (fixture->store, 100);

  /* 100 events cycling over 3 types: 34, 33, 33; ties sort by value. */
  top = hw_event_store_top_values (fixture->store, "type", NULL, HW_EVENT_STORE_UNBOUNDED,
                                   HW_EVENT_STORE_UNBOUNDED, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (top->len, ==, 3);
  g_assert_cmpstr (((HwTopValue *) top->pdata[0])->value, ==, "order-placed");
  g_assert_cmpint (((HwTopValue *) top->pdata[0])->count, ==, 34);
  g_assert_cmpstr (((HwTopValue *) top->pdata[1])->value, ==, "driver-assigned");
  g_assert_cmpint (((HwTopValue *) top->pdata[1])->count, ==, 33);
  g_assert_cmpstr (((HwTopValue *) top->pdata[2])->value, ==, "order-paid");
  g_clear_pointer (&top, g_ptr_array_unref);

  /* Bananas are i % 10 == 0: always even, so one function. */
  top = hw_event_store_top_values (fixture->store, "tags.functionname", banana,
                                   HW_EVENT_STORE_UNBOUNDED, HW_EVENT_STORE_UNBOUNDED, 5,
                                   NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (top->len, ==, 1);
  g_assert_cmpstr (((HwTopValue *) top->pdata[0])->value, ==, "fn-even");
  g_assert_cmpint (((HwTopValue *) top->pdata[0])->count, ==, 10);
  g_clear_pointer (&top, g_ptr_array_unref);

  top = hw_event_store_top_values (fixture->store, "partitionKey", NULL, BASE_MS,
                                   BASE_MS + 2 * MINUTE_MS, 10, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (top->len, ==, 2);
  g_clear_pointer (&top, g_ptr_array_unref);

  top = hw_event_store_top_values (fixture->store, "body", NULL, HW_EVENT_STORE_UNBOUNDED,
                                   HW_EVENT_STORE_UNBOUNDED, 10, NULL, &error);
  g_assert_null (top);
  g_assert_error (error, HW_ERROR, HW_ERROR_INVALID_QUERY);
}

static gint64
utc_ms (int y, int mo, int d, int h, int mi)
{
  g_autoptr(GDateTime) t = g_date_time_new_utc (y, mo, d, h, mi, 0);

  return g_date_time_to_unix (t) * 1000;
}

static void
assert_tree (HwEventStore       *store,
             const char         *parent,
             const char * const *expected_keys,
             const gint64       *expected_counts)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) nodes = hw_event_store_tree (store, parent, NULL, HW_EVENT_STORE_UNBOUNDED,
                                                    HW_EVENT_STORE_UNBOUNDED, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (nodes->len, ==, g_strv_length ((char **) expected_keys));
  for (guint i = 0; i < nodes->len; i++)
    {
      HwTreeNode *node = g_ptr_array_index (nodes, i);

      g_assert_cmpstr (node->key, ==, expected_keys[i]);
      g_assert_cmpint (node->count, ==, expected_counts[i]);
      g_assert_cmpint (node->end_ms, >, node->start_ms);
    }
}

static void
test_tree (Fixture       *fixture,
           gconstpointer  user_data)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_event_unref);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) nodes = NULL;
  static const struct { int y, mo, d, h, mi; } times[] = {
    { 2023, 12, 31, 23, 59 },
    { 2024, 1, 1, 0, 0 },
    { 2024, 1, 1, 0, 30 },
    { 2024, 1, 1, 5, 0 },
    { 2024, 1, 31, 23, 0 },
    { 2024, 2, 29, 12, 0 },
    { 2024, 12, 31, 23, 59 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (times); i++)
    {
      g_autofree char *id = g_strdup_printf ("t%u", i);

      g_ptr_array_add (events, hw_test_make_event (id, "tick", utc_ms (times[i].y, times[i].mo, times[i].d,
                                                               times[i].h, times[i].mi),
                                           "fn", "src", "x"));
    }
  hw_test_insert_all (fixture->store, events);

  assert_tree (fixture->store, NULL, (const char *[]) { "2023", "2024", NULL },
               (gint64[]) { 1, 6 });
  assert_tree (fixture->store, "2024", (const char *[]) { "2024/01", "2024/02", "2024/12", NULL },
               (gint64[]) { 4, 1, 1 });
  assert_tree (fixture->store, "2024/01", (const char *[]) { "2024/01/01", "2024/01/31", NULL },
               (gint64[]) { 3, 1 });
  assert_tree (fixture->store, "2024/01/01", (const char *[]) { "2024/01/01/00", "2024/01/01/05", NULL },
               (gint64[]) { 2, 1 });
  assert_tree (fixture->store, "2024/02/29", (const char *[]) { "2024/02/29/12", NULL },
               (gint64[]) { 1 });

  nodes = hw_event_store_tree (fixture->store, "2023/02/29", NULL, HW_EVENT_STORE_UNBOUNDED,
                               HW_EVENT_STORE_UNBOUNDED, NULL, &error);
  g_assert_null (nodes);
  g_assert_error (error, HW_ERROR, HW_ERROR_INVALID_QUERY);
  g_clear_error (&error);
  nodes = hw_event_store_tree (fixture->store, "2024/1", NULL, HW_EVENT_STORE_UNBOUNDED,
                               HW_EVENT_STORE_UNBOUNDED, NULL, &error);
  g_assert_error (error, HW_ERROR, HW_ERROR_INVALID_QUERY);
}

static void
test_masking (Fixture       *fixture,
              gconstpointer  user_data)
{
  g_autoptr(HwMaskRules) rules = hw_mask_rules_new (HW_MASK_DEFAULT);
  g_autoptr(GError) error = NULL;
  g_autoptr(HwEvent) event = NULL;
  g_autofree char *json = NULL;

  event = hw_event_parse ("{\"id\":\"m1\",\"type\":\"customer-added\",\"timestamp\":1714737600000,"
                          "\"customer\":{\"email\":\"bob@example.com\",\"secret\":\"hush\","
                          "\"note\":\"call alice@example.org today\"},"
                          "\"eem\":{\"fields\":[\"secret\"]}}", -1, NULL, &error);
  g_assert_no_error (error);

  hw_event_store_set_mask_rules (fixture->store, rules);
  g_assert_true (hw_event_store_insert (fixture->store, &event, 1, NULL, NULL, &error));
  g_assert_no_error (error);

  json = hw_event_store_get_event_json_by_id (fixture->store, "m1", &error);
  g_assert_no_error (error);
  g_assert_null (strstr (json, "bob@example.com"));
  g_assert_null (strstr (json, "alice@example.org"));
  g_assert_null (strstr (json, "hush"));
  g_assert_nonnull (strstr (json, HW_MASK_REPLACEMENT));
  g_assert_nonnull (strstr (json, "today"));

  /* Masked values are not in the index either; the rest is. */
  g_assert_cmpint (count (fixture->store, "hush"), ==, 0);
  g_assert_cmpint (count (fixture->store, "bob"), ==, 0);
  g_assert_cmpint (count (fixture->store, "alice"), ==, 0);
  g_assert_cmpint (count (fixture->store, "today"), ==, 1);
}

/* The text of the first column of @sql's first row on a reader, or NULL. */
static char *
select_text (HwEventStore *store,
             const char   *sql)
{
  g_autoptr(GError) error = NULL;
  HwStoreConn *reader = hw_store_acquire_reader (store, NULL, &error);
  sqlite3_stmt *stmt = NULL;
  char *text = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_prepare_v2 (reader->db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  text = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  hw_store_release_reader (store, reader);
  return text;
}

static void
assert_column (HwEventStore *store,
               const char   *sql,
               const char   *expected)
{
  g_autofree char *value = select_text (store, sql);

  g_test_message ("%s", sql);
  g_assert_cmpstr (value, ==, expected);
}

/* The envelope's columns are cached too, so they must come from the
 * masked event: an address as partition key, tag or fault message was
 * once stored in clear there while the body and index had it masked. */
static void
test_masking_columns (Fixture       *fixture,
                      gconstpointer  user_data)
{
  static const char * const lines[] = {
    "{\"id\":\"c1\",\"type\":\"customer-added\",\"timestamp\":1714737600000,"
    "\"partitionKey\":\"bob@example.com\",\"tags\":{\"source\":\"carol@example.net\","
    "\"functionname\":\"signup\"}}",
    "{\"id\":\"c2\",\"type\":\"fault\",\"timestamp\":1714737600001,"
    "\"tags\":{\"functionname\":\"signup-listener\"},"
    "\"err\":{\"name\":\"Error\",\"message\":\"no account for dave@example.com\"}}",
    /* Identity is never masked, even when eem names it; tags replaced
     * whole leave no tag columns. */
    "{\"id\":\"c3\",\"type\":\"customer-added\",\"timestamp\":1714737600002,"
    "\"partitionKey\":\"p-3\",\"tags\":{\"source\":\"shop\"},"
    "\"eem\":{\"fields\":[\"id\",\"type\",\"timestamp\",\"tags\",\"partitionKey\"]}}",
  };
  g_autoptr(HwMaskRules) rules = hw_mask_rules_new (HW_MASK_DEFAULT);
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_event_unref);
  g_autoptr(GError) error = NULL;
  HwInsertStatus statuses[G_N_ELEMENTS (lines)];

  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    {
      g_ptr_array_add (events, hw_event_parse (lines[i], -1, NULL, &error));
      g_assert_no_error (error);
    }
  hw_event_store_set_mask_rules (fixture->store, rules);
  g_assert_true (hw_event_store_insert (fixture->store, (HwEvent **) events->pdata, events->len,
                                       statuses, NULL, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    g_assert_cmpint (statuses[i], ==, HW_INSERT_ACCEPTED);

  assert_column (fixture->store, "SELECT partition_key FROM events WHERE id = 'c1'", HW_MASK_REPLACEMENT);
  assert_column (fixture->store, "SELECT source FROM events WHERE id = 'c1'", HW_MASK_REPLACEMENT);
  assert_column (fixture->store, "SELECT functionname FROM events WHERE id = 'c1'", "signup");
  assert_column (fixture->store, "SELECT tags FROM events WHERE id = 'c1'",
                 "{\"source\":\"" HW_MASK_REPLACEMENT "\",\"functionname\":\"signup\"}");
  assert_column (fixture->store, "SELECT err_message FROM faults", "no account for " HW_MASK_REPLACEMENT);
  assert_column (fixture->store, "SELECT err_name FROM faults", "Error");
  assert_column (fixture->store, "SELECT functionname FROM faults", "signup-listener");
  assert_column (fixture->store, "SELECT type || ' ' || ts FROM events WHERE id = 'c3'",
                 "customer-added 1714737600002");
  assert_column (fixture->store, "SELECT partition_key FROM events WHERE id = 'c3'", HW_MASK_REPLACEMENT);
  assert_column (fixture->store, "SELECT coalesce(source, 'none') FROM events WHERE id = 'c3'", "none");
  /* And nothing of them in any column of either table. */
  assert_column (fixture->store,
                 "SELECT count(*) FROM events WHERE instr(coalesce(partition_key, '') || "
                 "coalesce(source, '') || coalesce(tags, ''), '@') > 0", "0");
  assert_column (fixture->store, "SELECT count(*) FROM faults WHERE instr(err_message, '@') > 0", "0");
  g_assert_cmpint (count (fixture->store, "partitionKey:bob@example.com"), ==, 0);
  g_assert_cmpint (count (fixture->store, "tags.source:carol@example.net"), ==, 0);
}

/* partitionKey has no index of its own: its queries go through the
 * full-text index and the query planner (hw_store_plan_text()), which
 * must give what a plain test of every event gives, alone, beside text,
 * under OR and NOT, and with enough matches to switch the plan to
 * walking a time index (over 2000). */
static void
test_partition_key_queries (Fixture       *fixture,
                            gconstpointer  user_data)
{
  static const char * const queries[] = {
    "partitionKey:ord-7", "partitionKey:ORD-7", "partitionKey:ord-1*", "partitionKey:ord-*",
    "partitionKey:*-7", "type:order-paid partitionKey:ord-7", "banana partitionKey:ord-7",
    "banana split partitionKey:ord-1*", "partitionKey:ord-7 OR partitionKey:ord-8",
    "-partitionKey:ord-7", "NOT partitionKey:ord-* OR type:order-paid", "partitionKey:ord",
    "(partitionKey:ord-7 OR banana) type:order-placed",
  };
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_event_unref);
  const guint n = 3000;

  for (guint i = 0; i < n; i++)
    {
      static const char * const types[] = { "order-placed", "order-paid", "driver-assigned" };
      g_autofree char *key = i % 10 == 9 ? NULL : g_strdup_printf ("\"partitionKey\":\"ord-%u\",", i % 40);
      g_autofree char *json = g_strdup_printf ("{\"id\":\"k%u\",\"type\":\"%s\",\"timestamp\":%" G_GINT64_FORMAT ","
                                               "%s\"note\":\"%s\"}", i, types[i % 3],
                                               BASE_MS + i * MINUTE_MS, key != NULL ? key : "",
                                               i % 4 == 0 ? "banana split" : "plain vanilla");
      g_autoptr(GError) error = NULL;

      g_ptr_array_add (events, hw_event_parse (json, -1, NULL, &error));
      g_assert_no_error (error);
    }
  hw_test_insert_all (fixture->store, events);

  for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
    {
      g_autoptr(HwQuery) query = parse_query (queries[q]);
      g_autoptr(GError) error = NULL;
      g_autoptr(HwSearchPage) page = NULL;
      gint64 expected = 0;

      for (guint i = 0; i < n; i++)
        expected += hw_query_matches_event (query, g_ptr_array_index (events, i));
      g_test_message ("query: %s (%" G_GINT64_FORMAT " matches)", queries[q], expected);
      g_assert_cmpint (count (fixture->store, queries[q]), ==, expected);
      page = hw_event_store_search (fixture->store, query, HW_EVENT_STORE_UNBOUNDED,
                                    HW_EVENT_STORE_UNBOUNDED, HW_EVENT_ORDER_NEWEST_FIRST, 10,
                                    NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (page->rows->len, ==, MIN (expected, 10));
    }
  g_assert_cmpint (count (fixture->store, "partitionKey:ord-7"), ==, 75);
  g_assert_cmpint (count (fixture->store, "partitionKey:ord-*"), ==, 2700);
}

typedef struct
{
  GError *error;
  gpointer result;
  gboolean done;
} AsyncResult;

static gboolean
is_done (gpointer user_data)
{
  return ((AsyncResult *) user_data)->done;
}

static void
on_search_seqs (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  AsyncResult *out = user_data;

  out->result = hw_event_store_search_seqs_finish (HW_EVENT_STORE (source), result, &out->error);
  out->done = TRUE;
}

static void
on_search (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  AsyncResult *out = user_data;

  out->result = hw_event_store_search_finish (HW_EVENT_STORE (source), result, &out->error);
  out->done = TRUE;
}

static void
on_histogram (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  AsyncResult *out = user_data;

  out->result = hw_event_store_histogram_finish (HW_EVENT_STORE (source), result, &out->error);
  out->done = TRUE;
}

static void
test_async (Fixture       *fixture,
            gconstpointer  user_data)
{
  g_autoptr(HwQuery) banana = parse_query ("banana");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  AsyncResult search = { NULL }, seqs = { NULL }, histogram = { NULL }, cancelled = { NULL };
  HwStoreConn *conn;

  fill_minutes (fixture->store, 2000);

  hw_event_store_search_async (fixture->store, banana, HW_EVENT_STORE_UNBOUNDED,
                               HW_EVENT_STORE_UNBOUNDED, HW_EVENT_ORDER_NEWEST_FIRST, 50, NULL,
                               NULL, on_search, &search);
  hw_event_store_search_seqs_async (fixture->store, NULL, HW_EVENT_STORE_UNBOUNDED,
                                    HW_EVENT_STORE_UNBOUNDED, HW_EVENT_ORDER_OLDEST_FIRST,
                                    NULL, on_search_seqs, &seqs);
  hw_event_store_histogram_async (fixture->store, NULL, HW_EVENT_STORE_UNBOUNDED,
                                  HW_EVENT_STORE_UNBOUNDED, 60, NULL, on_histogram, &histogram);
  g_cancellable_cancel (cancellable);
  hw_event_store_histogram_async (fixture->store, NULL, HW_EVENT_STORE_UNBOUNDED,
                                  HW_EVENT_STORE_UNBOUNDED, 60, cancellable, on_histogram,
                                  &cancelled);

  g_assert_true (hw_test_wait_until (is_done, &search, 20000));
  g_assert_true (hw_test_wait_until (is_done, &seqs, 20000));
  g_assert_true (hw_test_wait_until (is_done, &histogram, 20000));
  g_assert_true (hw_test_wait_until (is_done, &cancelled, 20000));

  g_assert_no_error (search.error);
  g_assert_cmpuint (((HwSearchPage *) search.result)->rows->len, ==, 50);
  g_assert_nonnull (((HwSearchPage *) search.result)->next_cursor);
  g_assert_no_error (seqs.error);
  g_assert_cmpuint (((GArray *) seqs.result)->len, ==, 2000);
  g_assert_no_error (histogram.error);
  g_assert_cmpint (((HwHistogram *) histogram.result)->total, ==, 2000);
  g_assert_error (cancelled.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (cancelled.result);

  hw_search_page_free (search.result);
  g_array_unref (seqs.result);
  hw_histogram_free (histogram.result);
  g_clear_error (&cancelled.error);

  /* Cancelling interrupts a statement that is already running: the
   * progress handler stops SQLite mid-scan. */
  g_cancellable_reset (cancellable);
  conn = hw_store_acquire_reader (fixture->store, cancellable, &error);
  g_assert_no_error (error);
  g_cancellable_cancel (cancellable);
  g_assert_cmpint (hw_store_select_int (conn, "SELECT count(*) FROM events WHERE body LIKE '%z%'",
                                        NULL, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  hw_store_release_reader (fixture->store, conn);

  /* The pooled connection works again without a cancellable. */
  g_assert_cmpint (count (fixture->store, "banana"), ==, 200);
}

static void
test_concurrent_reader (Fixture       *fixture,
                        gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HwEventStore) second = NULL;
  HwStoreConn *writer;

  fill_minutes (fixture->store, 10);

  /* While the writer holds an open write transaction, reads still answer
   * from the last commit instead of waiting (WAL). */
  writer = hw_store_lock_writer (fixture->store);
  g_assert_true (hw_store_conn_exec (writer, "BEGIN IMMEDIATE; DELETE FROM events;", &error));
  g_assert_no_error (error);
  g_assert_cmpint (count (fixture->store, ""), ==, 10);
  g_assert_true (hw_store_conn_exec (writer, "ROLLBACK", &error));
  hw_store_unlock_writer (fixture->store);

  /* Reopening an existing store keeps its data and needs no recovery. */
  second = hw_event_store_open (hw_event_store_get_path (fixture->store),
                                HW_EVENT_STORE_DURABLE, &error);
  g_assert_no_error (error);
  g_assert_null (hw_event_store_get_recovery_message (second));
  g_assert_cmpint (count (second, ""), ==, 10);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, hw_test_store_set_up, func, hw_test_store_tear_down)

  ADD ("/event-store/insert-dedupe", test_insert_dedupe);
  ADD ("/event-store/search-pages", test_search_pages);
  ADD ("/event-store/search-pages-ties", test_search_pages_ties);
  ADD ("/event-store/summaries-and-sync", test_summaries_and_sync);
  ADD ("/event-store/visit-after", test_visit_after);
  ADD ("/event-store/reader-maps", test_reader_maps);
  g_test_add_func ("/event-store/pick-bucket", test_pick_bucket);
  ADD ("/event-store/histogram", test_histogram);
  ADD ("/event-store/top-values", test_top_values);
  ADD ("/event-store/tree", test_tree);
  ADD ("/event-store/masking", test_masking);
  ADD ("/event-store/masking-columns", test_masking_columns);
  ADD ("/event-store/partition-key-queries", test_partition_key_queries);
  ADD ("/event-store/async", test_async);
  ADD ("/event-store/concurrent-reader", test_concurrent_reader);

#undef ADD

  return g_test_run ();
}
