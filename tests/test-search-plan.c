/* test-search-plan.c: the query plans of search pages, pinned down
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A page after a cursor returns the same rows whether SQLite seeks the time
 * index to the cursor or walks it from its start, so no result can show a
 * lost seek: only the page time can, at a million events. The plan shows
 * it at a few hundred, which is what these tests read.
 */
#include "config.h"

#include <string.h>

#include "hw-event-store.h"
#include "hw-query.h"
#include "hw-test-store.h"
#include "hw-test-util.h"

#define MINUTE_MS G_GINT64_CONSTANT (60000)

typedef HwTestStoreFixture Fixture;

typedef struct
{
  const char   *query;   /* NULL: every event */
  HwEventOrder  order;
  const char   *seek;    /* what the plan must bound the time index by */
} PlanCase;

static const PlanCase cases[] = {
  { NULL, HW_EVENT_ORDER_NEWEST_FIRST, "ts<?" },
  { NULL, HW_EVENT_ORDER_OLDEST_FIRST, "ts>?" },
  { "type:order-placed", HW_EVENT_ORDER_NEWEST_FIRST, "ts<?" },
  { "type:order-placed", HW_EVENT_ORDER_OLDEST_FIRST, "ts>?" },
  { "functionname:fn-odd", HW_EVENT_ORDER_NEWEST_FIRST, "ts<?" },
};

static void
fill (HwEventStore *store)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_event_unref);
  static const char * const types[] = { "order-placed", "order-paid", "driver-assigned" };

  for (guint i = 0; i < 600; i++)
    {
      g_autofree char *id = g_strdup_printf ("plan-%04u", i);

      g_ptr_array_add (events, hw_test_make_event (id, types[i % 3], HW_TEST_BASE_MS + i * MINUTE_MS,
                                                   i % 2 ? "fn-odd" : "fn-even", "shop", "plain"));
    }
  hw_test_insert_all (store, events);
}

static HwQuery *
parse_or_null (const char *text)
{
  g_autoptr(GError) error = NULL;
  HwQuery *query;

  if (text == NULL)
    return NULL;
  query = hw_query_parse (text, HW_TEST_BASE_MS, NULL, &error);
  g_assert_no_error (error);
  return query;
}

/* The inner query (indented under MATERIALIZE) reads matches in index
 * order: a sort there would read every match before the first row. The
 * outer one sorts only the page. */
static void
assert_inner_unsorted (const char *plan)
{
  g_auto(GStrv) lines = g_strsplit (plan, "\n", -1);

  g_assert_nonnull (strstr (plan, "MATERIALIZE"));
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "  "))
      g_assert_null (strstr (lines[i], "TEMP B-TREE"));
}

static void
test_cursor_pages_seek (Fixture       *fixture,
                        gconstpointer  user_data)
{
  fill (fixture->store);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const PlanCase *c = &cases[i];
      g_autoptr(HwQuery) query = parse_or_null (c->query);
      g_autoptr(GError) error = NULL;
      g_autoptr(HwSearchPage) first = NULL;
      g_autofree char *plan = NULL;

      first = hw_event_store_search (fixture->store, query, HW_EVENT_STORE_UNBOUNDED,
                                     HW_EVENT_STORE_UNBOUNDED, c->order, 50, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (first->next_cursor);

      plan = hw_event_store_explain_search (fixture->store, query, HW_EVENT_STORE_UNBOUNDED,
                                            HW_EVENT_STORE_UNBOUNDED, c->order, 50,
                                            first->next_cursor, &error);
      g_assert_no_error (error);
      g_test_message ("%s, %s:\n%s", c->query != NULL ? c->query : "(all)",
                      c->order == HW_EVENT_ORDER_NEWEST_FIRST ? "newest first" : "oldest first", plan);
      g_assert_nonnull (strstr (plan, c->seek));
      assert_inner_unsorted (plan);
    }
}

static void
test_bad_cursor (Fixture       *fixture,
                 gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *plan = NULL;

  plan = hw_event_store_explain_search (fixture->store, NULL, HW_EVENT_STORE_UNBOUNDED,
                                        HW_EVENT_STORE_UNBOUNDED, HW_EVENT_ORDER_NEWEST_FIRST, 50,
                                        "not-a-cursor", &error);
  g_assert_null (plan);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "not-a-cursor"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/search-plan/cursor-pages-seek", Fixture, NULL,
              hw_test_store_set_up, test_cursor_pages_seek, hw_test_store_tear_down);
  g_test_add ("/search-plan/bad-cursor", Fixture, NULL,
              hw_test_store_set_up, test_bad_cursor, hw_test_store_tear_down);

  return g_test_run ();
}
