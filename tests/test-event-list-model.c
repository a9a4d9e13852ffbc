/* test-event-list-model.c: paging of the virtual results model, and streaming export
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-event-list-model.h"
#include "hw-export.h"
#include "hw-query.h"
#include "hw-test-util.h"

#define BASE_MS G_GINT64_CONSTANT (1714737600000)

typedef struct
{
  char         *dir;
  HwEventStore *store;
} Fixture;

/* @n events one second apart, ids e-0…, every third one from source "web". */
static void
fill_store (HwEventStore *store,
            guint         n)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_event_unref);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"id\":\"e-%u\",\"type\":\"%s\",\"timestamp\":%" G_GINT64_FORMAT ","
                                               "\"partitionKey\":\"pk-%u\",\"tags\":{\"source\":\"%s\"},"
                                               "\"order\":{\"note\":\"a, \\\"quoted\\\" note\"}}",
                                               i, i % 2 ? "order-placed" : "order-paid",
                                               BASE_MS + (gint64) i * 1000, i % 10,
                                               i % 3 == 0 ? "web" : "api");
      HwEvent *event = hw_event_parse (json, -1, NULL, &error);

      g_assert_no_error (error);
      g_ptr_array_add (events, event);
    }
  g_assert_true (hw_event_store_insert (store, (HwEvent **) events->pdata, events->len, NULL, NULL, &error));
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  fixture->dir = hw_test_mkdtemp ();
  path = g_build_filename (fixture->dir, "cache.db", NULL);
  fixture->store = hw_event_store_open (path, HW_EVENT_STORE_FLAGS_NONE, &error);
  g_assert_no_error (error);
  fill_store (fixture->store, GPOINTER_TO_UINT (data));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->store);
  hw_test_rmdir (fixture->dir);
  g_free (fixture->dir);
}

static GArray *
all_seqs (HwEventStore *store,
          HwEventOrder  order)
{
  g_autoptr(GError) error = NULL;
  GArray *seqs = hw_event_store_search_seqs (store, NULL, HW_EVENT_STORE_UNBOUNDED,
                                             HW_EVENT_STORE_UNBOUNDED, order, NULL, &error);

  g_assert_no_error (error);
  return seqs;
}

typedef struct
{
  HwEventListModel *model;
  guint             position;
} LoadWait;

static gboolean
position_loaded (gpointer user_data)
{
  LoadWait *wait = user_data;

  return hw_event_list_model_is_loaded (wait->model, wait->position);
}

/* The first and the last "items-changed", and their sums: a change in
 * length reaching into the first rows is told a few rows at a time. */
typedef struct
{
  guint first_position, position, removed, added, calls;
  guint total_removed, total_added;
} Changes;

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Changes    *changes)
{
  if (changes->calls == 0)
    changes->first_position = position;
  changes->position = position;
  changes->removed = removed;
  changes->added = added;
  changes->total_removed += removed;
  changes->total_added += added;
  changes->calls++;
}

static void
reset_changes (Changes *changes)
{
  memset (changes, 0, sizeof *changes);
}

static gboolean
model_settled (gpointer user_data)
{
  return hw_event_list_model_is_settled (user_data);
}

/* Waits (bounded) until the model has told its whole length. */
static void
settle (HwEventListModel *model)
{
  g_assert_true (hw_test_wait_until (model_settled, model, 10000));
}

static void
on_row_notified (HwEventItem *item,
                 GParamSpec  *pspec,
                 guint       *count)
{
  (*count)++;
}

/* Reads the item at @position, waiting (bounded) for its page. */
static HwEventItem *
get_loaded_item (HwEventListModel *model,
                 guint             position)
{
  LoadWait wait = { model, position };
  g_autoptr(HwEventItem) first = g_list_model_get_item (G_LIST_MODEL (model), position);

  g_assert_nonnull (first);
  g_assert_true (hw_test_wait_until (position_loaded, &wait, 10000));
  return g_list_model_get_item (G_LIST_MODEL (model), position);
}

static void
test_pages_on_demand (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(HwEventListModel) model = hw_event_list_model_new ();
  g_autoptr(GArray) seqs = all_seqs (fixture->store, HW_EVENT_ORDER_NEWEST_FIRST);
  g_autoptr(HwEventItem) placeholder = NULL;
  g_autoptr(HwEventItem) item = NULL;
  Changes changes = { 0 };
  guint notified = 0;
  guint position = 3 * HW_EVENT_LIST_MODEL_PAGE_SIZE + 17;

  guint calls;

  g_signal_connect (model, "items-changed", G_CALLBACK (on_items_changed), &changes);
  hw_event_list_model_set_seqs (model, fixture->store, seqs, NULL);
  /* Some rows at once, so that the first ones show without waiting. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), >, 0);
  settle (model);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 1000);
  g_assert_cmpuint (changes.first_position, ==, 0);
  g_assert_cmpuint (changes.total_added, ==, 1000);
  g_assert_cmpuint (changes.total_removed, ==, 0);
  calls = changes.calls;
  g_assert_cmpuint (hw_event_list_model_get_n_reads (model), ==, 0);
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (model), 1000));

  /* Asking for a row reads its page only, and fills the placeholder in
   * place rather than replacing the items (which rebuilds row widgets). */
  placeholder = g_list_model_get_item (G_LIST_MODEL (model), position);
  g_assert_false (hw_event_item_is_loaded (placeholder));
  g_assert_cmpint (hw_event_item_get_seq (placeholder), ==, g_array_index (seqs, gint64, position));
  g_signal_connect (placeholder, "notify::row", G_CALLBACK (on_row_notified), &notified);
  item = get_loaded_item (model, position);
  g_assert_cmpuint (hw_event_list_model_get_n_reads (model), ==, 1);
  g_assert_cmpuint (changes.calls, ==, calls);
  g_assert_cmpuint (notified, ==, 1);
  g_assert_true (item == placeholder);
  g_assert_true (hw_event_item_is_loaded (placeholder));
  g_assert_false (hw_event_list_model_is_loaded (model, 0));

  /* Newest first: position p holds event 999 - p. */
  {
    g_autofree char *expected = g_strdup_printf ("e-%u", 999 - position);

    g_assert_cmpstr (hw_event_item_get_row (item)->id, ==, expected);
    g_assert_cmpint (hw_event_item_get_row (item)->ts_ms, ==, BASE_MS + (gint64) (999 - position) * 1000);
    g_assert_null (hw_event_item_get_row (item)->json);
  }

  /* Every row of every page, in order. */
  for (guint p = 0; p < 1000; p += 37)
    {
      g_autoptr(HwEventItem) each = get_loaded_item (model, p);
      g_autofree char *expected = g_strdup_printf ("e-%u", 999 - p);

      g_assert_cmpstr (hw_event_item_get_row (each)->id, ==, expected);
      g_assert_cmpint (hw_event_item_get_seq (each), ==, g_array_index (seqs, gint64, p));
    }
  /* The last, short page. */
  {
    g_autoptr(HwEventItem) last = get_loaded_item (model, 999);

    g_assert_cmpstr (hw_event_item_get_row (last)->id, ==, "e-0");
  }
  g_assert_cmpuint (hw_event_list_model_get_n_reads (model), ==, 5);
}

static void
test_first_rows_and_reset (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(HwEventListModel) model = hw_event_list_model_new ();
  g_autoptr(GArray) seqs = all_seqs (fixture->store, HW_EVENT_ORDER_OLDEST_FIRST);
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HwEventItem) item = NULL;
  Changes changes = { 0 };

  first = hw_event_store_get_summaries (fixture->store, (gint64 *) seqs->data,
                                        HW_EVENT_LIST_MODEL_PAGE_SIZE, NULL, &error);
  g_assert_no_error (error);
  hw_event_list_model_set_seqs (model, fixture->store, seqs, first);
  settle (model);
  /* The first page is there at once: no read, no wait. */
  g_assert_true (hw_event_list_model_is_loaded (model, 0));
  g_assert_true (hw_event_list_model_is_loaded (model, HW_EVENT_LIST_MODEL_PAGE_SIZE - 1));
  item = g_list_model_get_item (G_LIST_MODEL (model), 5);
  g_assert_cmpstr (hw_event_item_get_row (item)->id, ==, "e-5");
  g_assert_cmpuint (hw_event_list_model_get_n_reads (model), ==, 0);

  /* A read in flight when the content is replaced must not land in the new one. */
  g_clear_object (&item);
  item = g_list_model_get_item (G_LIST_MODEL (model), 900);
  g_signal_connect (model, "items-changed", G_CALLBACK (on_items_changed), &changes);
  hw_event_list_model_clear (model);
  settle (model);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);
  g_assert_cmpuint (changes.total_removed, ==, 1000);
  g_assert_cmpuint (changes.total_added, ==, 0);
  g_assert_cmpuint (changes.position, ==, 0);
  /* The item held past the new length went blank, not stale. */
  g_assert_false (hw_event_item_is_loaded (item));
  g_assert_cmpint (hw_event_item_get_seq (item), ==, 0);
  reset_changes (&changes);
  for (int i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (changes.calls, ==, 0);
}

/* The first page is shown before the full list of matches is known; the
 * full list then grows the model without replacing the rows on screen. */
static void
test_extend_seqs (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(HwEventListModel) model = hw_event_list_model_new ();
  g_autoptr(GArray) seqs = all_seqs (fixture->store, HW_EVENT_ORDER_NEWEST_FIRST);
  g_autoptr(GArray) first_seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) other = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HwEventItem) item = NULL;
  g_autoptr(HwEventItem) again = NULL;
  Changes changes = { 0 };

  g_array_append_vals (first_seqs, seqs->data, HW_EVENT_LIST_MODEL_PAGE_SIZE);
  first = hw_event_store_get_summaries (fixture->store, (gint64 *) first_seqs->data, first_seqs->len,
                                        NULL, &error);
  g_assert_no_error (error);
  hw_event_list_model_set_seqs (model, fixture->store, first_seqs, first);
  settle (model);
  item = g_list_model_get_item (G_LIST_MODEL (model), 5);
  g_assert_true (hw_event_item_is_loaded (item));

  g_signal_connect (model, "items-changed", G_CALLBACK (on_items_changed), &changes);
  hw_event_list_model_extend_seqs (model, seqs);
  settle (model);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 1000);
  g_assert_cmpuint (changes.first_position, ==, HW_EVENT_LIST_MODEL_PAGE_SIZE);
  g_assert_cmpuint (changes.total_removed, ==, 0);
  g_assert_cmpuint (changes.total_added, ==, 1000 - HW_EVENT_LIST_MODEL_PAGE_SIZE);
  again = g_list_model_get_item (G_LIST_MODEL (model), 5);
  g_assert_true (again == item);
  g_assert_cmpuint (hw_event_list_model_get_n_reads (model), ==, 0);

  /* Not a prefix (the cache changed meanwhile): the content is replaced,
   * in place for the items alive, and the length shrinks at the end. */
  reset_changes (&changes);
  g_array_append_vals (other, (gint64 *) seqs->data + 1, 10);
  hw_event_list_model_extend_seqs (model, other);
  g_assert_cmpint (hw_event_item_get_seq (item), ==, g_array_index (other, gint64, 5));
  settle (model);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 10);
  g_assert_cmpuint (changes.position, ==, 10);
  g_assert_cmpuint (changes.total_removed, ==, 990);
  g_assert_cmpuint (changes.total_added, ==, 0);
  g_assert_cmpint (hw_event_list_model_get_seq (model, 0), ==, g_array_index (seqs, gint64, 1));
  {
    g_autoptr(HwEventItem) loaded = get_loaded_item (model, 5);

    g_assert_true (loaded == item);
    g_assert_cmpstr (hw_event_item_get_row (item)->id, ==, "e-993");
  }
}

/* A full first page stands for more matches: the length told stays where
 * the last results left it (the row widgets past the page live on) until
 * the full list comes, and then only grows. */
static void
test_prefix_holds_length (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(HwEventListModel) model = hw_event_list_model_new ();
  g_autoptr(GArray) seqs = all_seqs (fixture->store, HW_EVENT_ORDER_NEWEST_FIRST);
  g_autoptr(GArray) oldest = all_seqs (fixture->store, HW_EVENT_ORDER_OLDEST_FIRST);
  g_autoptr(GArray) first_seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HwEventItem) past = NULL;
  Changes changes = { 0 };

  hw_event_list_model_set_seqs (model, fixture->store, seqs, NULL);
  settle (model);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 1000);

  g_array_append_vals (first_seqs, oldest->data, HW_EVENT_LIST_MODEL_PAGE_SIZE);
  first = hw_event_store_get_summaries (fixture->store, (gint64 *) first_seqs->data, first_seqs->len,
                                        NULL, &error);
  g_assert_no_error (error);
  past = g_list_model_get_item (G_LIST_MODEL (model), HW_EVENT_LIST_MODEL_PAGE_SIZE + 3);
  g_signal_connect (model, "items-changed", G_CALLBACK (on_items_changed), &changes);
  hw_event_list_model_set_prefix_seqs (model, fixture->store, first_seqs, first);
  settle (model);
  g_assert_true (hw_event_list_model_is_settled (model));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), >, HW_EVENT_LIST_MODEL_PAGE_SIZE);
  g_assert_cmpuint (changes.total_added, ==, 0);
  /* Past the prefix: blank until the rest is known. */
  g_assert_cmpint (hw_event_item_get_seq (past), ==, 0);
  g_assert_false (hw_event_list_model_is_loaded (model, HW_EVENT_LIST_MODEL_PAGE_SIZE + 3));
  {
    g_autoptr(HwEventItem) item = get_loaded_item (model, 0);

    g_assert_cmpstr (hw_event_item_get_row (item)->id, ==, "e-0");
  }

  reset_changes (&changes);
  hw_event_list_model_extend_seqs (model, oldest);
  settle (model);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 1000);
  g_assert_cmpuint (changes.total_removed, ==, 0);
  g_assert_cmpint (hw_event_item_get_seq (past), ==,
                   g_array_index (oldest, gint64, HW_EVENT_LIST_MODEL_PAGE_SIZE + 3));

  /* A prefix that turns out to be everything: the length shrinks to it. */
  hw_event_list_model_set_prefix_seqs (model, fixture->store, first_seqs, first);
  hw_event_list_model_extend_seqs (model, first_seqs);
  settle (model);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, HW_EVENT_LIST_MODEL_PAGE_SIZE);
}

static void
test_memory_is_bounded (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(HwEventListModel) model = hw_event_list_model_new ();
  g_autoptr(GArray) seqs = all_seqs (fixture->store, HW_EVENT_ORDER_NEWEST_FIRST);
  guint n_pages = seqs->len / HW_EVENT_LIST_MODEL_PAGE_SIZE;

  g_assert_cmpuint (n_pages, >, hw_event_list_model_get_max_pages (model));
  hw_event_list_model_set_seqs (model, fixture->store, seqs, NULL);
  settle (model);
  /* Scroll through everything, as a user dragging the scrollbar would. */
  for (guint page = 0; page < n_pages; page++)
    {
      g_autoptr(HwEventItem) item = get_loaded_item (model, page * HW_EVENT_LIST_MODEL_PAGE_SIZE + 1);

      g_assert_true (hw_event_item_is_loaded (item));
      g_assert_cmpuint (hw_event_list_model_get_n_pages (model), <=,
                        hw_event_list_model_get_max_pages (model));
    }
  /* An evicted page is read again when it comes back into view. */
  g_assert_false (hw_event_list_model_is_loaded (model, 1));
  {
    g_autoptr(HwEventItem) again = get_loaded_item (model, 1);
    g_autofree char *expected = g_strdup_printf ("e-%u", seqs->len - 2);

    g_assert_cmpstr (hw_event_item_get_row (again)->id, ==, expected);
  }
  g_assert_cmpuint (hw_event_list_model_get_n_reads (model), ==, n_pages + 1);
}

static void
test_hub_rows (void)
{
  g_autoptr(HwEventListModel) model = hw_event_list_model_new ();
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_event_row_free);
  g_autoptr(HwEventItem) item = NULL;
  Changes changes = { 0 };

  for (guint i = 0; i < 3; i++)
    {
      HwEventRow *row = g_new0 (HwEventRow, 1);

      row->id = g_strdup_printf ("h-%u", i);
      row->type = g_strdup ("thing-made");
      row->json = g_strdup_printf ("{\"id\":\"h-%u\"}", i);
      g_ptr_array_add (rows, row);
    }
  g_signal_connect (model, "items-changed", G_CALLBACK (on_items_changed), &changes);
  hw_event_list_model_set_rows (model, rows);
  hw_event_list_model_append_rows (model, rows);
  settle (model);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 6);
  g_assert_cmpuint (changes.position, ==, 3);
  g_assert_cmpuint (changes.added, ==, 3);
  g_assert_cmpuint (changes.removed, ==, 0);
  item = g_list_model_get_item (G_LIST_MODEL (model), 4);
  g_assert_true (hw_event_item_is_loaded (item));
  g_assert_cmpstr (hw_event_item_get_row (item)->id, ==, "h-1");
  g_assert_cmpstr (hw_event_item_get_row (item)->json, ==, "{\"id\":\"h-1\"}");
  g_assert_cmpint (hw_event_list_model_get_seq (model, 4), ==, 0);
}

static void
on_replaced (HwEventListModel *model,
             guint            *count)
{
  (*count)++;
}

/* New results re-point the items alive instead of replacing them (GTK 4.8
 * rebuilds every row widget of an "items-changed" range): same objects,
 * new events, "notify::row", "replaced", and no "items-changed" when the
 * length stays. */
static void
test_replace_in_place (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(HwEventListModel) model = hw_event_list_model_new ();
  g_autoptr(GArray) newest = all_seqs (fixture->store, HW_EVENT_ORDER_NEWEST_FIRST);
  g_autoptr(GArray) oldest = all_seqs (fixture->store, HW_EVENT_ORDER_OLDEST_FIRST);
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HwEventItem) item = NULL;
  g_autoptr(HwEventItem) again = NULL;
  Changes changes = { 0 };
  guint notified = 0, replaced = 0;

  hw_event_list_model_set_seqs (model, fixture->store, newest, NULL);
  settle (model);
  item = get_loaded_item (model, 3);
  g_assert_cmpstr (hw_event_item_get_row (item)->id, ==, "e-996");
  g_signal_connect (item, "notify::row", G_CALLBACK (on_row_notified), &notified);
  g_signal_connect (model, "items-changed", G_CALLBACK (on_items_changed), &changes);
  g_signal_connect (model, "replaced", G_CALLBACK (on_replaced), &replaced);

  first = hw_event_store_get_summaries (fixture->store, (gint64 *) oldest->data,
                                        HW_EVENT_LIST_MODEL_PAGE_SIZE, NULL, &error);
  g_assert_no_error (error);
  hw_event_list_model_set_seqs (model, fixture->store, oldest, first);
  g_assert_cmpuint (replaced, ==, 1);
  g_assert_cmpuint (notified, ==, 1);
  g_assert_cmpuint (changes.calls, ==, 0);
  g_assert_true (hw_event_list_model_is_settled (model));
  g_assert_cmpstr (hw_event_item_get_row (item)->id, ==, "e-3");
  g_assert_cmpint (hw_event_item_get_seq (item), ==, g_array_index (oldest, gint64, 3));
  again = g_list_model_get_item (G_LIST_MODEL (model), 3);
  g_assert_true (again == item);

  /* Hub rows take the place of cache rows the same way. */
  {
    g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_event_row_free);

    for (guint i = 0; i < 5; i++)
      {
        HwEventRow *row = g_new0 (HwEventRow, 1);

        row->id = g_strdup_printf ("h-%u", i);
        row->json = g_strdup ("{}");
        g_ptr_array_add (rows, row);
      }
    hw_event_list_model_set_rows (model, rows);
    g_assert_cmpstr (hw_event_item_get_row (item)->id, ==, "h-3");
    g_assert_cmpint (hw_event_item_get_seq (item), ==, 0);
    settle (model);
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 5);
    g_assert_cmpuint (changes.total_removed, ==, 995);
    g_assert_cmpuint (replaced, ==, 2);
  }
}

/* Export ----------------------------------------------------------------------- */

typedef struct
{
  gboolean done;
  gint64   written;
  GError  *error;
  gint64   last_progress;
  gint64   last_total;
  guint    n_progress;
} ExportWait;

static void
on_progress (gint64   written,
             gint64   total,
             gpointer user_data)
{
  ExportWait *wait = user_data;

  g_assert_cmpint (written, >=, wait->last_progress);
  wait->last_progress = written;
  wait->last_total = total;
  wait->n_progress++;
}

static void
on_exported (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  ExportWait *wait = user_data;

  wait->written = hw_export_finish (result, &wait->error);
  wait->done = TRUE;
}

static gboolean
export_done (gpointer user_data)
{
  return ((ExportWait *) user_data)->done;
}

static char **
read_lines (const char *path,
            guint      *n_lines)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  char **lines;

  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (contents, "\n"));
  contents[strlen (contents) - 1] = '\0';
  lines = g_strsplit (contents, "\n", -1);
  *n_lines = g_strv_length (lines);
  return lines;
}

static void
test_export_every_row (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *ndjson = g_build_filename (fixture->dir, "out.ndjson", NULL);
  g_autofree char *csv = g_build_filename (fixture->dir, "out.CSV", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(HwQuery) query = hw_query_parse ("source:web", 0, NULL, &error);
  g_autoptr(GFile) file = NULL;
  g_auto(GStrv) lines = NULL;
  ExportWait wait = { 0 };
  guint n_lines;
  gint64 expected = (2500 + 2) / 3;

  g_assert_no_error (error);
  g_assert_cmpint (hw_export_format_for_name ("out.CSV"), ==, HW_EXPORT_CSV);
  g_assert_cmpint (hw_export_format_for_name ("out.ndjson"), ==, HW_EXPORT_NDJSON);

  /* NDJSON: one body per line, every match (more than one store page). */
  file = g_file_new_for_path (ndjson);
  hw_export_async (fixture->store, query, HW_EVENT_STORE_UNBOUNDED, HW_EVENT_STORE_UNBOUNDED,
                   HW_EVENT_ORDER_OLDEST_FIRST, HW_EXPORT_NDJSON, file, NULL, on_progress, &wait,
                   NULL, on_exported, &wait);
  g_assert_true (hw_test_wait_until (export_done, &wait, 30000));
  g_assert_no_error (wait.error);
  g_assert_cmpint (wait.written, ==, expected);
  g_assert_cmpint (wait.last_progress, ==, expected);
  g_assert_cmpint (wait.last_total, ==, expected);
  lines = read_lines (ndjson, &n_lines);
  g_assert_cmpuint (n_lines, ==, expected);
  for (guint i = 0; i < n_lines; i++)
    {
      g_autoptr(JsonNode) node = json_from_string (lines[i], &error);

      JsonObject *tags;
      g_autofree char *id = g_strdup_printf ("e-%u", i * 3);

      g_assert_no_error (error);
      /* Oldest first: every third event is from "web". */
      g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "id"), ==, id);
      tags = json_object_get_object_member (json_node_get_object (node), "tags");
      g_assert_cmpstr (json_object_get_string_member (tags, "source"), ==, "web");
    }
  g_clear_pointer (&lines, g_strfreev);

  /* CSV: a header, then one line per match, quoting where needed. */
  g_clear_object (&file);
  memset (&wait, 0, sizeof wait);
  file = g_file_new_for_path (csv);
  hw_export_async (fixture->store, query, HW_EVENT_STORE_UNBOUNDED, HW_EVENT_STORE_UNBOUNDED,
                   HW_EVENT_ORDER_OLDEST_FIRST, HW_EXPORT_CSV, file, NULL, NULL, NULL, NULL,
                   on_exported, &wait);
  g_assert_true (hw_test_wait_until (export_done, &wait, 30000));
  g_assert_no_error (wait.error);
  g_assert_cmpint (wait.written, ==, expected);
  lines = read_lines (csv, &n_lines);
  g_assert_cmpuint (n_lines, ==, expected + 1);
  g_assert_cmpstr (lines[0], ==, "time,id,type,partitionKey,source,functionname,pipeline\r");
  g_assert_cmpstr (lines[1], ==, "2024-05-03T12:00:00.000Z,e-0,order-paid,pk-0,web,,\r");
}

static void
test_export_cancel_keeps_file (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->dir, "keep.ndjson", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *contents = NULL;
  ExportWait wait = { 0 };

  g_assert_true (g_file_set_contents (path, "before\n", -1, NULL));
  g_cancellable_cancel (cancellable);
  hw_export_async (fixture->store, NULL, HW_EVENT_STORE_UNBOUNDED, HW_EVENT_STORE_UNBOUNDED,
                   HW_EVENT_ORDER_NEWEST_FIRST, HW_EXPORT_NDJSON, file, cancellable, NULL, NULL,
                   NULL, on_exported, &wait);
  g_assert_true (hw_test_wait_until (export_done, &wait, 30000));
  g_assert_error (wait.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (wait.written, ==, -1);
  g_clear_error (&wait.error);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "before\n");
}

static void
test_csv_quoting (void)
{
  HwEventRow row = { .ts_ms = 0, .id = (char *) "a,b", .type = (char *) "say \"hi\"",
                     .source = (char *) "line\nbreak" };
  g_autofree char *line = hw_export_csv_row (&row);

  g_assert_cmpstr (line, ==, "1970-01-01T00:00:00.000Z,\"a,b\",\"say \"\"hi\"\"\",,\"line\nbreak\",,\r\n");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/event-list-model/pages-on-demand", Fixture, GUINT_TO_POINTER (1000), fixture_set_up,
              test_pages_on_demand, fixture_tear_down);
  g_test_add ("/event-list-model/first-rows-and-reset", Fixture, GUINT_TO_POINTER (1000),
              fixture_set_up, test_first_rows_and_reset, fixture_tear_down);
  g_test_add ("/event-list-model/extend-seqs", Fixture, GUINT_TO_POINTER (1000), fixture_set_up,
              test_extend_seqs, fixture_tear_down);
  g_test_add ("/event-list-model/prefix-holds-length", Fixture, GUINT_TO_POINTER (1000), fixture_set_up,
              test_prefix_holds_length, fixture_tear_down);
  g_test_add ("/event-list-model/memory-bounded", Fixture, GUINT_TO_POINTER (14000), fixture_set_up,
              test_memory_is_bounded, fixture_tear_down);
  g_test_add_func ("/event-list-model/hub-rows", test_hub_rows);
  g_test_add ("/event-list-model/replace-in-place", Fixture, GUINT_TO_POINTER (1000), fixture_set_up,
              test_replace_in_place, fixture_tear_down);
  g_test_add ("/export/every-row", Fixture, GUINT_TO_POINTER (2500), fixture_set_up,
              test_export_every_row, fixture_tear_down);
  g_test_add ("/export/cancel-keeps-file", Fixture, GUINT_TO_POINTER (100), fixture_set_up,
              test_export_cancel_keeps_file, fixture_tear_down);
  g_test_add_func ("/export/csv-quoting", test_csv_quoting);

  return g_test_run ();
}
