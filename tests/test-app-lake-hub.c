/* test-app-lake-hub.c: the Event Lake page asks the hub while the cache is still catching up
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-lake-page.h"
#include "hw-query.h"
#include "hw-test-app.h"
#include "hw-test-lake-page.h"
#include "hw-test-hub.h"

/* 2024-05-03T12:00:00Z */
#define BASE_MS   G_GINT64_CONSTANT (1714737600000)
#define N_PLACED  300
#define N_OTHER   100
#define N_EVENTS  (N_PLACED + N_OTHER)

typedef struct
{
  HwTestHub    *hub;
  HwConnection *connection;
  GtkWindow    *window;
  HwLakePage   *page;
} Fixture;

static void
publish_events (HwTestHub *hub)
{
  g_autoptr(GString) body = g_string_new (NULL);
  g_autoptr(GBytes) answer = NULL;

  for (guint i = 0; i < N_EVENTS; i++)
    g_string_append_printf (body, "{\"id\":\"ev-%u\",\"type\":\"%s\",\"timestamp\":%" G_GINT64_FORMAT ","
                            "\"tags\":{\"source\":\"web\"},\"order\":{\"id\":\"o-%u\"}}\n",
                            i, i < N_PLACED ? "order-placed" : "order-paid", BASE_MS + i * 1000, i);
  g_assert_cmpuint (hw_test_hub_request (hub, "POST", "/v1/events", NULL, "application/x-ndjson", body->str,
                                         -1, &answer, NULL), ==, 200);
}

static gboolean
syncing (gpointer user_data)
{
  Fixture *f = user_data;

  return hw_connection_get_store (f->connection) != NULL
         && hw_connection_get_state (f->connection) == HW_HUB_SYNC_STATE_SYNCING;
}

static gint64
cache_count (Fixture    *f,
             const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HwQuery) query = hw_query_parse (text, 0, NULL, &error);
  gint64 count;

  g_assert_no_error (error);
  count = hw_event_store_count (hw_connection_get_store (f->connection), query, HW_EVENT_STORE_UNBOUNDED,
                                HW_EVENT_STORE_UNBOUNDED, NULL, &error);
  g_assert_no_error (error);
  return count;
}

static gboolean
cache_filled (gpointer user_data)
{
  Fixture *f = user_data;

  return hw_connection_get_state (f->connection) == HW_HUB_SYNC_STATE_ONLINE
         && cache_count (f, "") == N_EVENTS;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *id = hw_connection_generate_id ();

  f->hub = hw_test_hub_new (NULL, NULL, NULL);
  publish_events (f->hub);

  f->connection = hw_connection_new (id, "Lake hub", f->hub->base_url, FALSE);
  hw_connection_start (f->connection);
  /* One event per sync page (set before the first pull, which waits for the
   * cache to open): the cache catches up over hundreds of round trips, and
   * meanwhile searches reach beyond it. */
  hw_hub_sync_set_page_size (hw_connection_get_sync (f->connection), 1);

  f->window = hw_test_lake_window_new (f->connection, &f->page);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gtk_window_destroy (f->window);
  hw_connection_stop (f->connection);
  g_clear_object (&f->connection);
  hw_test_hub_free (f->hub);
}

static void
search_and_wait (Fixture    *f,
                 const char *query)
{
  hw_test_lake_search_and_wait (f->page, query);
}

/* The label a user reads beside the total, found by its text. */
static GtkWidget *
find_label (GtkWidget  *widget,
            const char *text)
{
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), text) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_label (child, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
assert_origin_shown (Fixture    *f,
                     const char *text)
{
  GtkWidget *label = find_label (GTK_WIDGET (f->page), text);

  g_assert_nonnull (label);
  g_assert_true (gtk_widget_get_mapped (label));
}

/* Online, while the cache is still catching up, a search goes to the hub:
 * the total is the hub's, the rows come with their bodies, and the page
 * says "From hub". Once the cache has everything, it answers the same
 * search itself. */
static void
test_from_hub (Fixture       *f,
               gconstpointer  data)
{
  HwEventListModel *model = hw_lake_results_get_model (hw_lake_page_get_results (f->page));
  gint64 cached;

  g_assert_true (hw_test_wait_until (syncing, f, 30000));
  /* Checked and searched in the same main-loop turn: the state cannot change in between. */
  cached = cache_count (f, "type:order-placed");
  search_and_wait (f, "type:order-placed");
  g_test_message ("%" G_GINT64_FORMAT " of %d matches were cached when the search ran", cached, N_PLACED);

  g_assert_cmpint (hw_lake_page_get_origin (f->page), ==, HW_LAKE_ORIGIN_HUB);
  g_assert_cmpint (hw_lake_page_get_total (f->page), ==, N_PLACED);
  assert_origin_shown (f, "From hub");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), >, 0);
  for (guint i = 0; i < MIN (10, g_list_model_get_n_items (G_LIST_MODEL (model))); i++)
    {
      g_autoptr(HwEventItem) item = g_list_model_get_item (G_LIST_MODEL (model), i);
      const HwEventRow *row = hw_event_item_get_row (item);
      g_autofree char *expected = g_strdup_printf ("ev-%u", N_PLACED - 1 - i);

      /* Hub rows are not in the cache: no seq, and the body travels with them. */
      g_assert_true (hw_event_list_model_is_loaded (model, i));
      g_assert_cmpint (hw_event_item_get_seq (item), <=, 0);
      g_assert_nonnull (row);
      g_assert_cmpstr (row->id, ==, expected);
      g_assert_cmpstr (row->type, ==, "order-placed");
      g_assert_nonnull (row->json);
    }

  /* Caught up: the cache answers, and says so. */
  g_assert_true (hw_test_wait_until (cache_filled, f, 60000));
  search_and_wait (f, "type:order-placed");
  g_assert_cmpint (hw_lake_page_get_origin (f->page), ==, HW_LAKE_ORIGIN_CACHE);
  g_assert_cmpint (hw_lake_page_get_total (f->page), ==, N_PLACED);
  assert_origin_shown (f, "From cache");
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

  g_test_add ("/app/lake-hub/from-hub", Fixture, NULL, fixture_set_up, test_from_hub, fixture_tear_down);

  status = g_test_run ();
  hw_test_rmdir (tmp_dir);
  return status;
}
