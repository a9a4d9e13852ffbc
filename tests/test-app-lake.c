/* test-app-lake.c: the Event Lake page against a real hub: search, errors, calendar, export, offline
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-event-detail.h"
#include "hw-lake-hub.h"
#include "hw-lake-page.h"
#include "hw-mask.h"
#include "hw-query.h"
#include "hw-test-app.h"
#include "hw-test-lake-page.h"
#include "hw-test-screenshot.h"
#include "hw-test-hub.h"

/* 2024-05-03T12:00:00Z */
#define BASE_MS   G_GINT64_CONSTANT (1714737600000)
#define MINUTE_MS G_GINT64_CONSTANT (60000)
#define N_PLACED  30
#define N_PAID    20
#define N_MADE    5
#define N_EVENTS  (N_PLACED + N_PAID + N_MADE + 2)

typedef struct
{
  HwTestHub    *hub;
  HwConnection *connection;
  GtkWindow    *window;
  HwLakePage   *page;
  char         *dir;
} Fixture;

/* Events over two years, three days and several hours, from two sources;
 * one with a masked field and one fault naming an order in its uow. */
static void
publish_events (HwTestHub *hub)
{
  g_autoptr(GString) body = g_string_new (NULL);
  g_autoptr(GBytes) answer = NULL;

  for (guint i = 0; i < N_PLACED; i++)
    g_string_append_printf (body, "{\"id\":\"placed-%u\",\"type\":\"order-placed\",\"timestamp\":%" G_GINT64_FORMAT ","
                            "\"partitionKey\":\"o-%u\",\"tags\":{\"source\":\"web\",\"functionname\":\"place-order\","
                            "\"correlationId\":\"c-%u\"},\"order\":{\"id\":\"o-%u\",\"total\":%u}}\n",
                            i, BASE_MS + i * 10 * MINUTE_MS, i % 5, i % 3, i % 5, i);
  for (guint i = 0; i < N_PAID; i++)
    g_string_append_printf (body, "{\"id\":\"paid-%u\",\"type\":\"order-paid\",\"timestamp\":%" G_GINT64_FORMAT ","
                            "\"partitionKey\":\"o-%u\",\"tags\":{\"source\":\"api\",\"functionname\":\"pay\"},"
                            "\"order\":{\"id\":\"o-%u\"}}\n",
                            i, BASE_MS + 24 * 60 * MINUTE_MS + i * MINUTE_MS, i % 5, i % 5);
  for (guint i = 0; i < N_MADE; i++)
    g_string_append_printf (body, "{\"id\":\"made-%u\",\"type\":\"thing-made\",\"timestamp\":%" G_GINT64_FORMAT ","
                            "\"tags\":{\"source\":\"factory\"},\"thing\":{\"id\":\"t-%u\"}}\n",
                            i, BASE_MS - 130 * 24 * 60 * MINUTE_MS + i * MINUTE_MS, i);
  g_string_append_printf (body, "{\"id\":\"cust-1\",\"type\":\"customer-added\",\"timestamp\":%" G_GINT64_FORMAT ","
                          "\"tags\":{\"source\":\"web\"},\"customer\":{\"id\":\"cu-1\",\"email\":\"bob@example.com\","
                          "\"ssn\":\"123-45-6789\"},\"eem\":{\"fields\":[\"ssn\"]}}\n", BASE_MS + 5 * MINUTE_MS);
  g_string_append_printf (body, "{\"id\":\"fault-1\",\"type\":\"fault\",\"timestamp\":%" G_GINT64_FORMAT ","
                          "\"tags\":{\"functionname\":\"pay\",\"pipeline\":\"p1\"},"
                          "\"err\":{\"name\":\"Error\",\"message\":\"declined\"},"
                          "\"uow\":{\"event\":{\"id\":\"placed-3\",\"type\":\"order-placed\"}}}\n",
                          BASE_MS + 40 * MINUTE_MS);
  g_assert_cmpuint (hw_test_hub_request (hub, "POST", "/v1/events", NULL, "application/x-ndjson", body->str,
                                         -1, &answer, NULL), ==, 200);
}

static gboolean
cache_filled (gpointer user_data)
{
  Fixture *f = user_data;
  HwEventStore *store = hw_connection_get_store (f->connection);

  return store != NULL && hw_connection_get_state (f->connection) == HW_HUB_SYNC_STATE_ONLINE
         && hw_event_store_count (store, NULL, HW_EVENT_STORE_UNBOUNDED, HW_EVENT_STORE_UNBOUNDED, NULL, NULL)
            == N_EVENTS;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *id = hw_connection_generate_id ();

  f->hub = hw_test_hub_new (NULL, NULL, NULL);
  publish_events (f->hub);
  f->dir = hw_test_mkdtemp ();

  /* A fresh id is a fresh cache file. */
  f->connection = hw_connection_new (id, "Lake", f->hub->base_url, FALSE);
  hw_connection_start (f->connection);
  hw_hub_sync_set_backoff (hw_connection_get_sync (f->connection), 200, 1000);
  g_assert_true (hw_test_wait_until (cache_filled, f, 60000));

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
  hw_test_rmdir (f->dir);
  g_free (f->dir);
}

static void
search_and_wait (Fixture    *f,
                 const char *query)
{
  hw_test_lake_search_and_wait (f->page, query);
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

typedef struct
{
  HwEventListModel *model;
  guint             position;
} RowWait;

static gboolean
row_loaded (gpointer user_data)
{
  RowWait *wait = user_data;
  /* Asking for the item is what makes the model read its page. */
  G_GNUC_UNUSED g_autoptr(GObject) item = g_list_model_get_item (G_LIST_MODEL (wait->model),
                                                                 wait->position);

  return hw_event_list_model_is_loaded (wait->model, wait->position);
}

static HwEventItem *
loaded_row (HwLakePage *page,
            guint       position)
{
  RowWait wait = { hw_lake_results_get_model (hw_lake_page_get_results (page)), position };

  g_assert_true (hw_test_wait_until (row_loaded, &wait, 10000));
  return g_list_model_get_item (G_LIST_MODEL (wait.model), position);
}

static void
assert_results (Fixture    *f,
                const char *query,
                gint64      expected)
{
  GListModel *model;

  search_and_wait (f, query);
  g_assert_cmpint (hw_lake_page_get_total (f->page), ==, expected);
  g_assert_cmpint (hw_lake_page_get_total (f->page), ==, cache_count (f, query));
  g_assert_cmpint (hw_lake_page_get_origin (f->page), ==, HW_LAKE_ORIGIN_CACHE);
  model = G_LIST_MODEL (hw_lake_results_get_model (hw_lake_page_get_results (f->page)));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, expected);
}

/* The first cell under @widget showing an ISO-8601 time, or NULL. */
static GtkInscription *
find_time_cell (GtkWidget *widget)
{
  if (GTK_IS_INSCRIPTION (widget) && gtk_widget_get_mapped (widget))
    {
      const char *text = gtk_inscription_get_text (GTK_INSCRIPTION (widget));

      if (text != NULL && strlen (text) == 24 && text[10] == 'T' && text[23] == 'Z')
        return GTK_INSCRIPTION (widget);
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkInscription *found = find_time_cell (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* A time cut off loses its seconds: the column fits a whole one, in the
 * cell's own font with tabular digits, as the "numeric" class draws it. */
static void
assert_time_cell_fits (HwLakeResults *results)
{
  GtkInscription *cell;
  PangoLayout *layout;
  PangoAttrList *attributes = pango_attr_list_new ();
  int text_width;

  hw_test_app_wait_frames (GTK_WIDGET (results), 2, 10000);
  cell = find_time_cell (GTK_WIDGET (results));
  g_assert_nonnull (cell);
  layout = gtk_widget_create_pango_layout (GTK_WIDGET (cell), gtk_inscription_get_text (cell));
  pango_attr_list_insert (attributes, pango_attr_font_features_new ("tnum 1"));
  pango_layout_set_attributes (layout, attributes);
  pango_layout_get_pixel_size (layout, &text_width, NULL);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (cell)), >=, text_width);
  pango_attr_list_unref (attributes);
  g_object_unref (layout);
}

/* A search shows the right count and rows, newest first, and reorders on
 * the time column; facets list the values and add filters. */
static void
test_search (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(HwEventItem) first = NULL;
  g_autoptr(HwEventItem) last = NULL;
  g_auto(GStrv) types = NULL;
  HwLakeResults *results = hw_lake_page_get_results (f->page);

  assert_results (f, "", N_EVENTS);
  assert_results (f, "source:api", N_PAID);
  assert_results (f, "type:order-placed", N_PLACED);

  first = loaded_row (f->page, 0);
  g_assert_cmpstr (hw_event_item_get_row (first)->id, ==, "placed-29");
  last = loaded_row (f->page, N_PLACED - 1);
  g_assert_cmpstr (hw_event_item_get_row (last)->id, ==, "placed-0");
  {
    g_autofree char *cell = hw_lake_results_format_cell ("time", hw_event_item_get_row (last));

    g_assert_cmpstr (cell, ==, "2024-05-03T12:00:00.000Z");
  }
  assert_time_cell_fits (results);

  /* Oldest first, as the time column's header does it. */
  hw_lake_results_set_order (results, HW_EVENT_ORDER_OLDEST_FIRST);
  search_and_wait (f, "type:order-placed");
  g_clear_object (&first);
  first = loaded_row (f->page, 0);
  g_assert_cmpstr (hw_event_item_get_row (first)->id, ==, "placed-0");
  hw_lake_results_set_order (results, HW_EVENT_ORDER_NEWEST_FIRST);

  /* Facets of everything, and clicking one narrows the query. */
  search_and_wait (f, "");
  types = hw_lake_facets_dup_values (hw_lake_page_get_facets (f->page), "type");
  g_assert_cmpuint (g_strv_length (types), ==, 5);
  g_assert_cmpstr (types[0], ==, "order-placed");
  {
    guint mark = hw_test_lake_search_mark (f->page);

    hw_lake_facets_activate (hw_lake_page_get_facets (f->page), "source", 0);
    hw_test_lake_wait_search_after (f->page, mark);
  }
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (hw_lake_page_get_search_entry (f->page))), ==,
                   "source:web");
  g_assert_cmpint (hw_lake_page_get_total (f->page), ==, N_PLACED + 1);

  /* Columns can be hidden. */
  g_assert_true (hw_lake_results_get_column_visible (results, "partitionKey"));
  g_action_group_change_action_state (hw_lake_results_get_column_actions (results), "partitionKey",
                                      g_variant_new_boolean (FALSE));
  g_assert_false (hw_lake_results_get_column_visible (results, "partitionKey"));
}

/* Syntax errors show inline with their position, and keep the results. */
static void
test_syntax_error (Fixture       *f,
                   gconstpointer  data)
{
  static const char *bad[] = { "type:order-placed AND (source:web", "foo)", "from:yesterday-ish" };
  GtkWidget *entry = hw_lake_page_get_search_entry (f->page);

  assert_results (f, "type:order-paid", N_PAID);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HwQuery) query = NULL;
      guint expected = 0, position = 0;
      const char *message;

      query = hw_query_parse (bad[i], 0, &expected, &error);
      g_assert_null (query);
      g_assert_cmpuint (expected, >, 0);
      hw_lake_page_search (f->page, bad[i]);
      message = hw_lake_page_get_query_error (f->page, &position);
      g_assert_nonnull (message);
      g_assert_cmpstr (message, ==, error->message);
      g_assert_cmpuint (position, ==, expected);
      g_assert_true (gtk_widget_has_css_class (entry, "error"));
    }
  /* "foo)": the stray parenthesis is the 4th character. */
  {
    guint position = 0;

    hw_lake_page_search (f->page, "foo)");
    hw_lake_page_get_query_error (f->page, &position);
    g_assert_cmpuint (position, ==, 4);
  }
  g_assert_cmpint (hw_lake_page_get_total (f->page), ==, N_PAID);

  search_and_wait (f, "type:order-paid pay*");
  g_assert_false (gtk_widget_has_css_class (entry, "error"));
  g_assert_null (hw_lake_page_get_query_error (f->page, NULL));
}

static gboolean
calendar_idle (gpointer user_data)
{
  return hw_lake_calendar_get_pending (user_data) == 0;
}

static void
assert_level (Fixture        *f,
              HwLakeCalendar *calendar,
              const char     *parent,
              guint          *n_checked)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) nodes = hw_event_store_tree (hw_connection_get_store (f->connection), parent, NULL,
                                                    HW_EVENT_STORE_UNBOUNDED, HW_EVENT_STORE_UNBOUNDED,
                                                    NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (nodes->len, >, 0);
  for (guint i = 0; i < nodes->len; i++)
    {
      HwTreeNode *node = g_ptr_array_index (nodes, i);

      g_assert_cmpint (hw_lake_calendar_lookup_count (calendar, node->key), ==, node->count);
      (*n_checked)++;
      if (strlen (node->key) < strlen ("2024/05/03/14"))
        assert_level (f, calendar, node->key, n_checked);
    }
}

typedef struct
{
  HwLakeCalendar *calendar;
  gint64          expected;       /* the hour's count */
  gint64          day_expected;
} HourWait;

/* Each expanded level reloads on its own, so the hour may be counted
 * before its day: wait for both. */
static gboolean
hour_counted (gpointer user_data)
{
  HourWait *wait = user_data;

  return hw_lake_calendar_lookup_count (wait->calendar, "2024/05/03/12") == wait->expected
         && hw_lake_calendar_lookup_count (wait->calendar, "2024/05/03") == wait->day_expected;
}

/* The calendar's counts match the cache, at every level once expanded. */
static void
test_calendar (Fixture       *f,
               gconstpointer  data)
{
  HwLakeCalendar *calendar = hw_lake_page_get_calendar (f->page);
  GListModel *rows = hw_lake_calendar_get_model (calendar);
  guint n_checked = 0;
  gint64 sum = 0;

  g_assert_true (hw_test_wait_until (calendar_idle, calendar, 10000));
  /* Expand everything, as a user would, level by level. */
  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr(GtkTreeListRow) row = g_list_model_get_item (rows, i);

      gtk_tree_list_row_set_expanded (row, TRUE);
      g_assert_true (hw_test_wait_until (calendar_idle, calendar, 10000));
    }
  assert_level (f, calendar, NULL, &n_checked);
  g_assert_cmpuint (n_checked, >=, 2 + 2 + 3 + 7);
  g_assert_cmpint (hw_lake_calendar_lookup_count (calendar, "2024"), ==, N_EVENTS - N_MADE);
  g_assert_cmpint (hw_lake_calendar_lookup_count (calendar, "2023/12"), ==, N_MADE);
  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr(GtkTreeListRow) row = g_list_model_get_item (rows, i);
      g_autoptr(GObject) node = gtk_tree_list_row_get_item (row);

      if (gtk_tree_list_row_get_depth (row) == 0)
        sum += hw_lake_calendar_node_get_count (node);
    }
  g_assert_cmpint (sum, ==, N_EVENTS);

  /* New events: counts update in place after the sync. */
  {
    g_autofree char *json = hw_test_event_json ("late-1", "order-placed", BASE_MS + 3 * MINUTE_MS);
    g_autoptr(JsonNode) answer = NULL;
    HourWait wait = { calendar, hw_lake_calendar_lookup_count (calendar, "2024/05/03/12") + 1,
                      N_PLACED + 2 + 1 };

    g_assert_cmpint (wait.expected, ==, 6 + 1 + 1 + 1);
    g_assert_cmpuint (hw_test_hub_json (f->hub, "POST", "/v1/events", NULL, json, &answer), ==, 200);
    g_assert_true (hw_test_wait_until (hour_counted, &wait, 20000));
    g_assert_cmpint (hw_lake_calendar_lookup_count (calendar, "2024/05/03"), ==, N_PLACED + 2 + 1);
  }
}

typedef struct
{
  HwLakePage *page;
  guint       count;
} ExportWait;

static gboolean
export_done (gpointer user_data)
{
  ExportWait *wait = user_data;

  return hw_lake_page_get_export_count (wait->page) > wait->count;
}

static guint
count_lines (const char *path)
{
  g_autofree char *contents = NULL;
  guint n = 0;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  for (const char *p = contents; *p != '\0'; p++)
    n += *p == '\n';
  return n;
}

/* Export writes every row of the results. */
static void
test_export (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *ndjson = g_build_filename (f->dir, "lake.ndjson", NULL);
  g_autofree char *csv = g_build_filename (f->dir, "lake.csv", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (ndjson);
  ExportWait wait = { f->page, 0 };

  assert_results (f, "-type:thing-made", N_EVENTS - N_MADE);
  hw_lake_page_export_to (f->page, file, HW_EXPORT_NDJSON);
  g_assert_true (hw_test_wait_until (export_done, &wait, 20000));
  g_assert_cmpint (hw_lake_page_get_last_export (f->page), ==, N_EVENTS - N_MADE);
  g_assert_cmpuint (count_lines (ndjson), ==, N_EVENTS - N_MADE);

  g_clear_object (&file);
  file = g_file_new_for_path (csv);
  wait.count = hw_lake_page_get_export_count (f->page);
  hw_lake_page_export_to (f->page, file, HW_EXPORT_CSV);
  g_assert_true (hw_test_wait_until (export_done, &wait, 20000));
  g_assert_cmpuint (count_lines (csv), ==, N_EVENTS - N_MADE + 1);
}

typedef struct
{
  HwEventDetail *detail;
} DetailWait;

static gboolean
detail_shown (gpointer user_data)
{
  return hw_event_detail_get_json (((DetailWait *) user_data)->detail) != NULL;
}

/* The detail pane shows the cached (masked) body; follow links rewrite the query. */
static void
test_detail_and_follow (Fixture       *f,
                        gconstpointer  data)
{
  HwEventDetail *detail = hw_lake_page_get_detail (f->page);
  DetailWait wait = { detail };
  g_autofree char *pretty = NULL;

  assert_results (f, "type:customer-added", 1);
  hw_lake_results_select (hw_lake_page_get_results (f->page), 0);
  g_assert_true (hw_test_wait_until (detail_shown, &wait, 10000));
  pretty = hw_event_detail_dup_pretty (detail);
  g_assert_nonnull (strstr (pretty, "\"cust-1\""));
  g_assert_null (strstr (pretty, "bob@example.com"));
  g_assert_null (strstr (pretty, "123-45-6789"));
  g_assert_nonnull (strstr (pretty, HW_MASK_REPLACEMENT));
  g_assert_cmpuint (g_list_model_get_n_items (hw_event_detail_get_tree (detail)), >=, 5);
  if (g_getenv ("HW_TEST_SCREENSHOT_DIR") != NULL)
    {
      search_and_wait (f, "");
      hw_lake_results_select (hw_lake_page_get_results (f->page), 2);
      g_assert_true (hw_test_wait_until (detail_shown, &wait, 10000));
      hw_test_maybe_screenshot (f->window, "event-lake-detail.png");
    }

  /* Entity history of placed-3: every event about order o-3, oldest first. */
  assert_results (f, "id:placed-3", 1);
  hw_lake_results_select (hw_lake_page_get_results (f->page), 0);
  g_assert_true (hw_test_wait_until (detail_shown, &wait, 10000));
  {
    guint mark = hw_test_lake_search_mark (f->page);

    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (detail), "detail.follow-entity", NULL));
    hw_test_lake_wait_search_after (f->page, mark);
  }
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (hw_lake_page_get_search_entry (f->page))), ==,
                   "\"o-3\"");
  g_assert_cmpint (hw_lake_page_get_total (f->page), ==, cache_count (f, "\"o-3\""));
  g_assert_cmpint (hw_lake_page_get_total (f->page), >=, N_PLACED / 5 + N_PAID / 5);
  g_assert_cmpint (hw_lake_results_get_order (hw_lake_page_get_results (f->page)), ==,
                   HW_EVENT_ORDER_OLDEST_FIRST);
}

/* With the hub killed, the same search gives the same answer from the cache. */
static gboolean
offline (gpointer user_data)
{
  return hw_connection_is_offline (((Fixture *) user_data)->connection);
}

static void
test_offline (Fixture       *f,
              gconstpointer  data)
{
  assert_results (f, "type:order-placed OR source:api", N_PLACED + N_PAID);
  hw_test_hub_kill (f->hub);
  g_assert_true (hw_test_wait_until (offline, f, 30000));
  assert_results (f, "type:order-placed OR source:api", N_PLACED + N_PAID);
  assert_results (f, "\"o-1\"", cache_count (f, "\"o-1\""));
}

/* Pure parts: when the hub is asked, and the follow-link queries. */
static void
test_rules (void)
{
  g_autoptr(JsonNode) fault = json_from_string ("{\"id\":\"f-1\",\"type\":\"fault\",\"timestamp\":1,"
                                                "\"uow\":{\"event\":{\"id\":\"e-1\"},"
                                                "\"batch\":[{\"event\":{\"id\":\"e-2\"}}]}}", NULL);
  g_autoptr(JsonNode) order = json_from_string ("{\"id\":\"p-1\",\"type\":\"order-placed\",\"timestamp\":1,"
                                                "\"partitionKey\":\"o 1\",\"tags\":{\"correlationId\":\"c-9\"},"
                                                "\"order\":{\"id\":\"o-1\"}}", NULL);
  gboolean oldest = FALSE;
  char *query;

  g_assert_false (hw_lake_should_ask_hub (HW_HUB_SYNC_STATE_ONLINE, 1000, G_MININT64));
  g_assert_false (hw_lake_should_ask_hub (HW_HUB_SYNC_STATE_OFFLINE, 0, G_MININT64));
  g_assert_true (hw_lake_should_ask_hub (HW_HUB_SYNC_STATE_SYNCING, 1000, G_MININT64));
  g_assert_true (hw_lake_should_ask_hub (HW_HUB_SYNC_STATE_SYNCING, 1000, 2000));
  g_assert_false (hw_lake_should_ask_hub (HW_HUB_SYNC_STATE_SYNCING, 1000, 900));

  query = hw_event_follow_query (order, HW_FOLLOW_PARTITION_KEY, &oldest);
  g_assert_cmpstr (query, ==, "partitionKey:\"o 1\"");
  g_assert_false (oldest);
  g_free (query);
  query = hw_event_follow_query (order, HW_FOLLOW_ENTITY, &oldest);
  g_assert_cmpstr (query, ==, "\"o-1\"");
  g_assert_true (oldest);
  g_free (query);
  query = hw_event_follow_query (order, HW_FOLLOW_CORRELATED, NULL);
  g_assert_cmpstr (query, ==, "tags.correlationId:\"c-9\"");
  g_free (query);
  query = hw_event_follow_query (fault, HW_FOLLOW_CORRELATED, NULL);
  g_assert_cmpstr (query, ==, "id:\"e-1\" OR id:\"e-2\"");
  g_free (query);
  query = hw_event_follow_query (order, HW_FOLLOW_FAULTS, NULL);
  g_assert_cmpstr (query, ==, "type:fault \"p-1\"");
  g_free (query);
  g_assert_null (hw_event_follow_query (fault, HW_FOLLOW_PARTITION_KEY, NULL));

  /* Every rewritten query parses. */
  for (HwFollowKind kind = 0; kind < HW_N_FOLLOW; kind++)
    {
      g_autofree char *text = hw_event_follow_query (order, kind, NULL);
      g_autoptr(HwQuery) parsed = text != NULL ? hw_query_parse (text, 0, NULL, NULL) : NULL;

      g_assert_true (text == NULL || parsed != NULL);
    }
  {
    g_autofree char *term = hw_lake_facet_term ("source", "web shop \"x\"");

    g_assert_cmpstr (term, ==, "source:\"web shop  x \"");
  }
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

  g_test_add_func ("/app/lake/rules", test_rules);
  g_test_add ("/app/lake/search", Fixture, NULL, fixture_set_up, test_search, fixture_tear_down);
  g_test_add ("/app/lake/syntax-error", Fixture, NULL, fixture_set_up, test_syntax_error, fixture_tear_down);
  g_test_add ("/app/lake/calendar", Fixture, NULL, fixture_set_up, test_calendar, fixture_tear_down);
  g_test_add ("/app/lake/export", Fixture, NULL, fixture_set_up, test_export, fixture_tear_down);
  g_test_add ("/app/lake/detail-follow", Fixture, NULL, fixture_set_up, test_detail_and_follow,
              fixture_tear_down);
  g_test_add ("/app/lake/offline", Fixture, NULL, fixture_set_up, test_offline, fixture_tear_down);

  status = g_test_run ();
  hw_test_rmdir (tmp_dir);
  return status;
}
