/* test-app-lake-index.c: the Event Lake page while the cache's search index is built again
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-event-store-private.h"
#include "hw-lake-page.h"
#include "hw-paths.h"
#include "hw-test-app.h"
#include "hw-test-hub.h"
#include "hw-test-lake-page.h"
#include "hw-test-screenshot.h"

#define N_EVENTS  300
/* Events whose note has the word "parcel1": i % 3 == 1. */
#define N_PARCEL1 (N_EVENTS / 3)
#define WAIT_MS   30000

typedef struct
{
  HwTestHub    *hub;
  char         *hub_id;
  HwConnection *connection;
  GtkWindow    *window;
  HwLakePage   *page;
} Fixture;

static void
publish (HwTestHub *hub)
{
  g_autoptr(GString) body = g_string_new (NULL);
  gint64 now = g_get_real_time () / 1000;

  for (guint i = 0; i < N_EVENTS; i++)
    g_string_append_printf (body, "{\"id\":\"ev-%u\",\"type\":\"%s\",\"timestamp\":%" G_GINT64_FORMAT ","
                            "\"tags\":{\"source\":\"web\"},\"order\":{\"note\":\"parcel%u\"}}\n",
                            i, i % 2 == 0 ? "order-placed" : "order-paid", now - 60000 + i, i % 3);
  g_assert_cmpuint (hw_test_hub_request (hub, "POST", "/v1/events", NULL, "application/x-ndjson", body->str,
                                         -1, NULL, NULL), ==, 200);
}

static HwConnection *
connect_to_hub (Fixture *f)
{
  HwConnection *connection = hw_connection_new (f->hub_id, "Lake", f->hub->base_url, FALSE);

  hw_connection_start (connection);
  hw_hub_sync_set_backoff (hw_connection_get_sync (connection), 200, 1000);
  return connection;
}

/* Online with every event cached: searches are answered by the cache. */
static gboolean
online_and_cached (gpointer user_data)
{
  HwConnection *connection = user_data;
  HwEventStore *store = hw_connection_get_store (connection);

  return store != NULL && hw_connection_get_state (connection) == HW_HUB_SYNC_STATE_ONLINE
         && hw_event_store_count (store, NULL, HW_EVENT_STORE_UNBOUNDED, HW_EVENT_STORE_UNBOUNDED, NULL, NULL)
            == N_EVENTS;
}

static gboolean
store_closed (gpointer user_data)
{
  return *(HwEventStore **) user_data == NULL;
}

/* A cache the console filled, closed, and its index file lost: it is
 * built again when the cache next opens. */
static void
make_cache_without_index (Fixture *f)
{
  g_autoptr(HwConnection) connection = connect_to_hub (f);
  g_autofree char *path = hw_paths_cache_file_for_hub (f->hub_id);
  HwEventStore *store;

  g_assert_true (hw_test_wait_until (online_and_cached, connection, 60000));
  store = hw_connection_get_store (connection);
  g_assert_cmpstr (hw_event_store_get_path (store), ==, path);
  g_object_add_weak_pointer (G_OBJECT (store), (gpointer *) &store);
  hw_connection_stop (connection);
  g_clear_object (&connection);
  g_assert_true (hw_test_wait_until (store_closed, &store, WAIT_MS));
  hw_store_remove_text_index (path);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->hub = hw_test_hub_new (NULL, NULL, NULL);
  publish (f->hub);
  f->hub_id = hw_connection_generate_id ();
  make_cache_without_index (f);

  /* Held, or a cache this small would be indexed before the page looks. */
  hw_store_hold_catch_ups (TRUE);
  f->connection = connect_to_hub (f);
  f->window = hw_test_lake_window_new (f->connection, &f->page);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  hw_store_hold_catch_ups (FALSE);
  gtk_window_destroy (f->window);
  hw_connection_stop (f->connection);
  g_clear_object (&f->connection);
  hw_test_hub_free (f->hub);
  g_free (f->hub_id);
}

static gboolean
notice_shown (gpointer user_data)
{
  Fixture *f = user_data;

  return hw_lake_index_notice_is_shown (hw_lake_page_get_index_notice (f->page))
         && hw_connection_get_state (f->connection) == HW_HUB_SYNC_STATE_ONLINE;
}

static gboolean
notice_hidden (gpointer user_data)
{
  Fixture *f = user_data;

  return !hw_lake_index_notice_is_shown (hw_lake_page_get_index_notice (f->page));
}

static gboolean
rows_gone (gpointer user_data)
{
  return hw_event_list_model_is_settled (user_data) && g_list_model_get_n_items (user_data) == 0;
}

/* While the index is built, the page says how far it has got; searches by
 * field answer, and one for words says it waits for the index. Once the
 * index is whole, the notice goes and the search for words answers. */
static void
test_notice_while_building (Fixture       *f,
                            gconstpointer  data)
{
  HwLakeIndexNotice *notice = hw_lake_page_get_index_notice (f->page);
  HwEventListModel *rows = hw_lake_results_get_model (hw_lake_page_get_results (f->page));
  g_autofree char *expected = g_strdup_printf ("Building the search index: 0 of %u events", N_EVENTS);
  guint mark;

  g_assert_true (hw_test_wait_until (notice_shown, f, WAIT_MS));
  g_assert_cmpstr (hw_lake_index_notice_get_text (notice), ==, expected);
  g_assert_cmpfloat (hw_lake_index_notice_get_fraction (notice), ==, 0.0);

  hw_test_lake_search_and_wait (f->page, "type:order-placed");
  g_assert_cmpint (hw_lake_page_get_origin (f->page), ==, HW_LAKE_ORIGIN_CACHE);
  g_assert_cmpint (hw_lake_page_get_total (f->page), ==, N_EVENTS / 2);

  mark = hw_test_lake_search_mark (f->page);
  hw_lake_page_search (f->page, "parcel1");
  g_assert_cmpstr (hw_lake_page_get_total_text (f->page), ==, "Waiting for the search index…");
  g_assert_true (hw_lake_page_is_searching (f->page));
  /* The last search's rows go (the model tells views so in steps): they
   * would pass for matches. */
  g_assert_true (hw_test_wait_until (rows_gone, rows, WAIT_MS));
  g_assert_cmpstr (hw_lake_page_get_empty_title (f->page), ==, "Waiting for the Search Index");
  hw_test_maybe_screenshot (f->window, "event-lake-index-waiting.png");
  /* Still waiting: nothing can have let the index on meanwhile. */
  g_assert_true (hw_lake_page_is_searching (f->page));
  g_assert_true (hw_lake_index_notice_is_shown (notice));

  hw_store_hold_catch_ups (FALSE);
  hw_test_lake_wait_search_after (f->page, mark);
  g_assert_cmpint (hw_lake_page_get_origin (f->page), ==, HW_LAKE_ORIGIN_CACHE);
  g_assert_cmpint (hw_lake_page_get_total (f->page), ==, N_PARCEL1);
  g_assert_null (hw_lake_page_get_empty_title (f->page));
  g_assert_true (hw_test_wait_until (notice_hidden, f, WAIT_MS));
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *tmp_dir = NULL;
  int status;

  if (!hw_test_app_init (&argc, &argv, &tmp_dir, &status))
    return status;
  adw_init ();

  g_test_add ("/app/lake-index/notice-while-building", Fixture, NULL, fixture_set_up,
              test_notice_while_building, fixture_tear_down);

  status = g_test_run ();
  hw_test_rmdir (tmp_dir);
  return status;
}
