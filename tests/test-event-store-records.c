/* test-event-store-records.c: faults, system events, metric points and sync cursors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-error.h"
#include "hw-event-store.h"
#include "hw-test-store.h"
#include "hw-test-util.h"

#define BASE_MS HW_TEST_BASE_MS
#define MINUTE_MS G_GINT64_CONSTANT (60000)
#define HOUR_MS (60 * MINUTE_MS)

typedef HwTestStoreFixture Fixture;

static HwEvent *
make_fault (const char *id,
            gint64      ts_ms,
            const char *functionname,
            const char *pipeline,
            const char *message)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  HwEvent *event;

  json = g_strdup_printf ("{\"id\":\"%s\",\"type\":\"fault\",\"timestamp\":%" G_GINT64_FORMAT ","
                          "\"tags\":{\"functionname\":\"%s\",\"pipeline\":\"%s\"},"
                          "\"err\":{\"name\":\"Error\",\"message\":\"%s\",\"stack\":\"at x\"},"
                          "\"uow\":{\"record\":{\"n\":1}}}",
                          id, ts_ms, functionname, pipeline, message);
  event = hw_event_parse (json, -1, NULL, &error);
  g_assert_no_error (error);
  return event;
}

static void
test_faults (Fixture       *fixture,
             gconstpointer  user_data)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_event_unref);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) groups = NULL;
  g_autoptr(GPtrArray) faults = NULL;
  HwFaultFilter filter = { 0 };
  HwFaultGroup *group;
  const char *ids[] = { "f0", "f2", "unknown", NULL };
  guint n_marked = 0;

  g_ptr_array_add (events, make_fault ("f0", BASE_MS, "pay", "orders", "card declined"));
  g_ptr_array_add (events, make_fault ("f1", BASE_MS + 1000, "pay", "orders", "card declined"));
  g_ptr_array_add (events, make_fault ("f2", BASE_MS + 2000, "pay", "orders", "timeout"));
  g_ptr_array_add (events, make_fault ("f3", BASE_MS + 3000, "ship", "delivery", "card declined"));
  g_ptr_array_add (events, hw_test_make_event ("ok", "order-paid", BASE_MS, "pay", "shop", "fine"));
  hw_test_insert_all (fixture->store, events);

  groups = hw_event_store_fault_groups (fixture->store, HW_FAULT_GROUP_FUNCTIONNAME, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (groups->len, ==, 2);
  group = g_ptr_array_index (groups, 0);
  g_assert_cmpstr (group->functionname, ==, "pay");
  g_assert_null (group->err_message);
  g_assert_cmpint (group->count, ==, 3);
  g_assert_cmpint (group->first_seen_ms, ==, BASE_MS);
  g_assert_cmpint (group->last_seen_ms, ==, BASE_MS + 2000);
  g_assert_cmpstr (group->sample_id, ==, "f2");
  g_clear_pointer (&groups, g_ptr_array_unref);

  groups = hw_event_store_fault_groups (fixture->store,
                                        HW_FAULT_GROUP_FUNCTIONNAME | HW_FAULT_GROUP_ERR_MESSAGE,
                                        NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (groups->len, ==, 3);
  group = g_ptr_array_index (groups, 0);
  g_assert_cmpstr (group->functionname, ==, "pay");
  g_assert_cmpstr (group->err_message, ==, "card declined");
  g_assert_cmpint (group->count, ==, 2);
  g_clear_pointer (&groups, g_ptr_array_unref);

  groups = hw_event_store_fault_groups (fixture->store, HW_FAULT_GROUP_ERR_MESSAGE, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (groups->len, ==, 2);
  g_assert_cmpint (((HwFaultGroup *) groups->pdata[0])->count, ==, 3);
  g_clear_pointer (&groups, g_ptr_array_unref);

  g_assert_true (hw_event_store_mark_resubmitted (fixture->store, ids, BASE_MS + 5000, &n_marked, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_marked, ==, 2);

  filter.state = HW_FAULT_STATE_NEW;
  faults = hw_event_store_list_faults (fixture->store, &filter, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (faults->len, ==, 2);
  g_assert_cmpstr (((HwFaultRow *) faults->pdata[0])->id, ==, "f3");
  g_assert_cmpstr (((HwFaultRow *) faults->pdata[1])->id, ==, "f1");
  g_clear_pointer (&faults, g_ptr_array_unref);

  filter = (HwFaultFilter) { .functionname = "pay", .state = HW_FAULT_STATE_RESUBMITTED };
  faults = hw_event_store_list_faults (fixture->store, &filter, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (faults->len, ==, 2);
  g_assert_cmpstr (((HwFaultRow *) faults->pdata[0])->id, ==, "f2");
  g_assert_cmpstr (((HwFaultRow *) faults->pdata[0])->err_message, ==, "timeout");
  g_assert_cmpstr (((HwFaultRow *) faults->pdata[0])->err_stack, ==, "at x");
  g_assert_cmpint (((HwFaultRow *) faults->pdata[0])->resubmitted_at_ms, ==, BASE_MS + 5000);
  g_clear_pointer (&faults, g_ptr_array_unref);

  filter = (HwFaultFilter) { .from_ms = BASE_MS + 1000, .to_ms = BASE_MS + 3000 };
  faults = hw_event_store_list_faults (fixture->store, &filter, 1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (faults->len, ==, 1);
  g_assert_cmpstr (((HwFaultRow *) faults->pdata[0])->id, ==, "f2");
}

static void
test_system_events_metrics_cursors (Fixture       *fixture,
                                    gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GArray) points = NULL;
  g_autofree char *cursor = NULL;
  HwInsertStatus status;
  gint64 updated_at = 0;
  HwMetricPoint in[] = {
    { .name = (char *) "domain.event.count", .labels = (char *) "{\"type\":\"a\"}", .ts_ms = BASE_MS, .resolution_s = 60, .sum = 3, .min = 1, .max = 2, .count = 2 },
    { .name = (char *) "domain.event.count", .labels = (char *) "{\"type\":\"a\"}", .ts_ms = BASE_MS + MINUTE_MS, .resolution_s = 60, .sum = 5, .min = 5, .max = 5, .count = 1 },
    { .name = (char *) "domain.event.count", .labels = (char *) "{\"type\":\"b\"}", .ts_ms = BASE_MS, .resolution_s = 60, .sum = 7, .min = 7, .max = 7, .count = 1 },
    { .name = (char *) "domain.event.count", .labels = NULL, .ts_ms = BASE_MS, .resolution_s = 10, .sum = 1, .min = 1, .max = 1, .count = 1 },
  };

  g_assert_true (hw_event_store_insert_system_event (fixture->store, "d1", "deployment", BASE_MS,
                                                     "orders", "{\"id\":\"d1\"}", &status, &error));
  g_assert_cmpint (status, ==, HW_INSERT_ACCEPTED);
  g_assert_true (hw_event_store_insert_system_event (fixture->store, "d1", "deployment", BASE_MS,
                                                     "orders", "{\"id\":\"d1\"}", &status, &error));
  g_assert_cmpint (status, ==, HW_INSERT_DUPLICATE);
  g_assert_true (hw_event_store_insert_system_event (fixture->store, "i1", "incident", BASE_MS + 10,
                                                     NULL, "{\"id\":\"i1\"}", &status, &error));
  g_assert_no_error (error);

  list = hw_event_store_list_system_events (fixture->store, NULL, HW_EVENT_STORE_UNBOUNDED,
                                            HW_EVENT_STORE_UNBOUNDED, HW_EVENT_ORDER_NEWEST_FIRST,
                                            0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpstr (((HwSystemEvent *) list->pdata[0])->id, ==, "i1");
  g_assert_null (((HwSystemEvent *) list->pdata[0])->service);
  g_assert_cmpstr (((HwSystemEvent *) list->pdata[1])->service, ==, "orders");
  g_clear_pointer (&list, g_ptr_array_unref);
  list = hw_event_store_list_system_events (fixture->store, "deployment", BASE_MS, BASE_MS + 1,
                                            HW_EVENT_ORDER_OLDEST_FIRST, 10, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpstr (((HwSystemEvent *) list->pdata[0])->json, ==, "{\"id\":\"d1\"}");

  g_assert_true (hw_event_store_insert_metric_points (fixture->store, in, G_N_ELEMENTS (in), &error));
  /* Same key again replaces. */
  in[0].sum = 30;
  g_assert_true (hw_event_store_insert_metric_points (fixture->store, in, 1, &error));
  g_assert_no_error (error);
  points = hw_event_store_query_metric_points (fixture->store, "domain.event.count", NULL, 60,
                                               BASE_MS, BASE_MS + HOUR_MS, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (points->len, ==, 3);
  g_assert_cmpfloat (g_array_index (points, HwMetricPoint, 0).sum, ==, 30);
  g_assert_cmpfloat (g_array_index (points, HwMetricPoint, 1).sum, ==, 5);
  g_assert_cmpstr (g_array_index (points, HwMetricPoint, 2).labels, ==, "{\"type\":\"b\"}");
  g_clear_pointer (&points, g_array_unref);

  g_assert_true (hw_event_store_prune_metric_points (fixture->store, 60, BASE_MS + 1, &error));
  points = hw_event_store_query_metric_points (fixture->store, "domain.event.count",
                                               "{\"type\":\"a\"}", 60, HW_EVENT_STORE_UNBOUNDED,
                                               HW_EVENT_STORE_UNBOUNDED, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (points->len, ==, 1);
  g_assert_cmpint (g_array_index (points, HwMetricPoint, 0).ts_ms, ==, BASE_MS + MINUTE_MS);
  g_clear_pointer (&points, g_array_unref);
  points = hw_event_store_query_metric_points (fixture->store, "domain.event.count", "{}", 10,
                                               HW_EVENT_STORE_UNBOUNDED, HW_EVENT_STORE_UNBOUNDED,
                                               NULL, &error);
  g_assert_cmpuint (points->len, ==, 1);

  g_assert_null (hw_event_store_get_cursor (fixture->store, "lake", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (hw_event_store_set_cursor (fixture->store, "lake", "41", &error));
  g_assert_true (hw_event_store_set_cursor (fixture->store, "lake", "42", &error));
  cursor = hw_event_store_get_cursor (fixture->store, "lake", &updated_at, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cursor, ==, "42");
  g_assert_cmpint (updated_at, >, BASE_MS);
}

static void
assert_changes (HwEventStore *store,
                gint64        after,
                const char   *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = hw_event_store_list_system_events_after (store, after, 0, NULL, &error);
  g_autoptr(GString) got = g_string_new (NULL);

  g_assert_no_error (error);
  for (guint i = 0; i < list->len; i++)
    {
      HwSystemEvent *event = g_ptr_array_index (list, i);

      g_string_append_printf (got, "%s%s@%" G_GINT64_FORMAT, i > 0 ? " " : "", event->id, event->seq);
    }
  g_assert_cmpstr (got->str, ==, expected);
}

/* A copy of the JetStream engine's system stream: each event under the
 * stream sequence of the message that last changed it, whatever order the
 * store would have given. */
static void
test_system_events_at_seqs (Fixture       *fixture,
                            gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  HwEventStore *store = fixture->store;
  HwInsertStatus status;

  g_assert_cmpint (hw_event_store_get_max_system_seq (store, &error), ==, 0);
  g_assert_true (hw_event_store_store_system_event_at (store, 3, FALSE, "d1", "deployment", BASE_MS, "orders",
                                                       "{\"id\":\"d1\"}", &status, &error));
  g_assert_cmpint (status, ==, HW_INSERT_ACCEPTED);
  g_assert_true (hw_event_store_store_system_event_at (store, 7, FALSE, "i1", "incident", BASE_MS, NULL,
                                                       "{\"id\":\"i1\"}", &status, &error));
  /* A POST of a stored id changes nothing, and takes no seq. */
  g_assert_true (hw_event_store_store_system_event_at (store, 8, FALSE, "d1", "deployment", BASE_MS, "orders",
                                                       "{\"id\":\"d1\",\"x\":1}", &status, &error));
  g_assert_cmpint (status, ==, HW_INSERT_DUPLICATE);
  assert_changes (store, 0, "d1@3 i1@7");

  /* A PATCH that changes the event moves it to its message's seq; one
   * that does not leaves it where it is. */
  g_assert_true (hw_event_store_store_system_event_at (store, 9, TRUE, "d1", "deployment", BASE_MS, "orders",
                                                       "{\"id\":\"d1\",\"x\":2}", &status, &error));
  g_assert_cmpint (status, ==, HW_INSERT_ACCEPTED);
  g_assert_true (hw_event_store_store_system_event_at (store, 10, TRUE, "i1", "incident", BASE_MS, NULL,
                                                       "{\"id\":\"i1\"}", &status, &error));
  g_assert_cmpint (status, ==, HW_INSERT_DUPLICATE);
  g_assert_no_error (error);
  assert_changes (store, 0, "i1@7 d1@9");
  assert_changes (store, 7, "d1@9");
  g_assert_cmpint (hw_event_store_get_max_system_seq (store, &error), ==, 9);

  /* A copy filled again starts from nothing. */
  g_assert_true (hw_event_store_delete_system_events (store, &error));
  assert_changes (store, 0, "");
  g_assert_cmpint (hw_event_store_get_max_system_seq (store, &error), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, hw_test_store_set_up, func, hw_test_store_tear_down)

  ADD ("/event-store/faults", test_faults);
  ADD ("/event-store/system-events-metrics-cursors", test_system_events_metrics_cursors);
  ADD ("/event-store/system-events-at-seqs", test_system_events_at_seqs);

#undef ADD

  return g_test_run ();
}
