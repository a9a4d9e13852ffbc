/* test-event-store-plan.c: free-text searches give the same answers whichever way SQLite runs them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "hw-event-store.h"
#include "hw-query.h"
#include "hw-test-util.h"

/* Enough matches of "common" that it filters a walk of the time index
 * rather than drive the query; "rare" drives it. */
#define N_EVENTS   4000
#define BASE_MS    G_GINT64_CONSTANT (1714737600000)

/* Timestamps out of seq order, so that "newest" means ts, not rowid. */
static gint64
event_ts (guint i)
{
  return BASE_MS + (gint64) ((i * 7919u) % N_EVENTS) * 1000;
}

static gboolean
has_word (guint       i,
          const char *word)
{
  if (g_str_equal (word, "common"))
    return i % 4 != 0;
  if (g_str_equal (word, "rare"))
    return i % 97 == 0;
  if (g_str_equal (word, "other"))
    return i % 3 == 0;
  return FALSE;
}

static HwEventStore *
fill_store (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "cache.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(HwEventStore) store = hw_event_store_open (path, HW_EVENT_STORE_FLAGS_NONE, &error);
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_event_unref);

  g_assert_no_error (error);
  for (guint i = 0; i < N_EVENTS; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"id\":\"e-%u\",\"type\":\"%s\",\"timestamp\":%" G_GINT64_FORMAT ","
                                               "\"order\":{\"note\":\"%s %s %s filler\"}}",
                                               i, i % 2 ? "order-placed" : "order-paid", event_ts (i),
                                               has_word (i, "common") ? "common" : "",
                                               has_word (i, "rare") ? "rare" : "",
                                               has_word (i, "other") ? "other" : "");
      HwEvent *event = hw_event_parse (json, -1, NULL, &error);

      g_assert_no_error (error);
      g_ptr_array_add (events, event);
    }
  g_assert_true (hw_event_store_insert (store, (HwEvent **) events->pdata, events->len, NULL, NULL, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&store);
}

typedef gboolean (*Matcher) (guint i);

static gboolean match_common (guint i) { return has_word (i, "common"); }
static gboolean match_rare (guint i) { return has_word (i, "rare"); }
static gboolean match_both (guint i) { return has_word (i, "common") && has_word (i, "other"); }
static gboolean match_common_paid (guint i) { return has_word (i, "common") && i % 2 == 0; }
static gboolean match_either (guint i) { return has_word (i, "rare") || has_word (i, "other"); }
static gboolean match_not_common (guint i) { return !has_word (i, "common"); }

static gint
newest_first (gconstpointer a,
              gconstpointer b)
{
  gint64 ta = event_ts (*(const guint *) a);
  gint64 tb = event_ts (*(const guint *) b);

  return ta < tb ? 1 : ta > tb ? -1 : 0;
}

static void
test_plans (void)
{
  static const struct { const char *text; Matcher matcher; } cases[] = {
    { "common", match_common },
    { "rare", match_rare },
    { "common other", match_both },
    { "common type:order-paid", match_common_paid },
    { "rare OR other", match_either },
    { "-common", match_not_common },
    { "comm*", match_common },
  };
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autoptr(HwEventStore) store = fill_store (dir);

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HwQuery) query = hw_query_parse (cases[c].text, 0, NULL, &error);
      g_autoptr(GArray) expected = g_array_new (FALSE, FALSE, sizeof (guint));
      g_autoptr(GArray) seqs = NULL;
      g_autoptr(HwSearchPage) page = NULL;
      HwHistogram *histogram;

      g_test_message ("query: %s", cases[c].text);
      g_assert_no_error (error);
      for (guint i = 0; i < N_EVENTS; i++)
        if (cases[c].matcher (i))
          g_array_append_val (expected, i);
      g_array_sort (expected, newest_first);

      g_assert_cmpint (hw_event_store_count (store, query, HW_EVENT_STORE_UNBOUNDED, HW_EVENT_STORE_UNBOUNDED,
                                             NULL, &error), ==, expected->len);
      g_assert_no_error (error);

      page = hw_event_store_search (store, query, HW_EVENT_STORE_UNBOUNDED, HW_EVENT_STORE_UNBOUNDED,
                                    HW_EVENT_ORDER_NEWEST_FIRST, 100, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (page->rows->len, ==, MIN (100, expected->len));
      for (guint r = 0; r < page->rows->len; r++)
        {
          HwEventRow *row = g_ptr_array_index (page->rows, r);
          g_autofree char *id = g_strdup_printf ("e-%u", g_array_index (expected, guint, r));

          g_assert_cmpstr (row->id, ==, id);
        }

      seqs = hw_event_store_search_seqs (store, query, HW_EVENT_STORE_UNBOUNDED, HW_EVENT_STORE_UNBOUNDED,
                                         HW_EVENT_ORDER_OLDEST_FIRST, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (seqs->len, ==, expected->len);
      /* Seqs are insertion order + 1 here: the oldest match comes first. */
      for (guint r = 0; r < seqs->len; r++)
        g_assert_cmpint (g_array_index (seqs, gint64, r), ==,
                         (gint64) g_array_index (expected, guint, expected->len - 1 - r) + 1);

      histogram = hw_event_store_histogram (store, query, HW_EVENT_STORE_UNBOUNDED, HW_EVENT_STORE_UNBOUNDED,
                                            40, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (histogram->total, ==, expected->len);
      hw_histogram_free (histogram);
    }
  g_clear_object (&store);
  hw_test_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/event-store/plan/text", test_plans);

  return g_test_run ();
}
