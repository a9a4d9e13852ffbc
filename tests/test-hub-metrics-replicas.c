/* test-hub-metrics-replicas.c: rollup queries combining this replica's points with the others' copies
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The rules of hw-hub-metrics-replicas.c, on a store holding this
 * replica's points and two other replicas' copies: counters add up,
 * gauges and stored percentiles take the largest, and a newer version of
 * a copy replaces an older one whichever comes first.
 */
#include "config.h"

#include "hw-event-store.h"
#include "hw-hub-metrics.h"
#include "hw-test-util.h"

#define MINUTE_MS 60000
#define LABELS "{\"listener\":\"pay\"}"

typedef struct
{
  char         *dir;
  HwEventStore *store;
  HwHubMetrics *metrics;
  gint64        at_ms;     /* a minute bucket three hours ago */
} Fixture;

static void
set_up (Fixture       *fixture,
        gconstpointer  user_data)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  fixture->dir = hw_test_mkdtemp ();
  path = g_build_filename (fixture->dir, "lake.db", NULL);
  fixture->store = hw_event_store_open (path, HW_EVENT_STORE_FLAGS_NONE, &error);
  g_assert_no_error (error);
  fixture->metrics = hw_hub_metrics_new (fixture->store);
  hw_hub_metrics_set_shared (fixture->metrics, TRUE);
  fixture->at_ms = g_get_real_time () / 1000 - 3 * 3600000;
  fixture->at_ms -= fixture->at_ms % MINUTE_MS;
}

static void
tear_down (Fixture       *fixture,
           gconstpointer  user_data)
{
  hw_hub_metrics_free (fixture->metrics);
  g_clear_object (&fixture->store);
  hw_test_rmdir (fixture->dir);
  g_free (fixture->dir);
}

/* This replica's point of @name: @count values summing to @sum, within
 * [@min, @max]. */
static void
put_own (Fixture    *fixture,
         const char *name,
         double      sum,
         double      min,
         double      max,
         gint64      count)
{
  HwMetricPoint point = { (char *) name, (char *) LABELS, fixture->at_ms, 60, sum, min, max, count };
  g_autoptr(GError) error = NULL;

  g_assert_true (hw_event_store_insert_metric_points (fixture->store, &point, 1, &error));
  g_assert_no_error (error);
}

static void
put_copy (Fixture    *fixture,
          const char *replica,
          gint64      version,
          const char *name,
          double      sum,
          double      min,
          double      max,
          gint64      count)
{
  HwMetricCopy copy = { (char *) replica, version,
                        { (char *) name, (char *) LABELS, fixture->at_ms, 60, sum, min, max, count } };
  g_autoptr(GError) error = NULL;

  g_assert_true (hw_event_store_put_metric_copies (fixture->store, &copy, 1, &error));
  g_assert_no_error (error);
}

/* The one value of @stat of @name in the fixture's minute. */
static double
value_of (Fixture    *fixture,
          const char *name,
          const char *stat)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = hw_hub_metrics_query (fixture->metrics, name, fixture->at_ms,
                                                     fixture->at_ms + MINUTE_MS, MINUTE_MS, stat, NULL, NULL,
                                                     &error);
  JsonArray *series, *points;

  g_assert_no_error (error);
  series = json_object_get_array_member (json_node_get_object (answer), "series");
  g_assert_cmpuint (json_array_get_length (series), ==, 1);
  points = json_object_get_array_member (json_array_get_object_element (series, 0), "points");
  g_assert_cmpuint (json_array_get_length (points), ==, 1);
  return json_array_get_double_element (json_array_get_array_element (points, 0), 1);
}

static void
test_counters_add_up (Fixture       *fixture,
                      gconstpointer  user_data)
{
  put_own (fixture, "listener.invocations", 10, 1, 4, 5);
  put_copy (fixture, "b", 1, "listener.invocations", 6, 2, 2, 3);
  put_copy (fixture, "c", 1, "listener.invocations", 9, 0.5, 8, 2);
  g_assert_cmpfloat (value_of (fixture, "listener.invocations", "sum"), ==, 25);
  g_assert_cmpfloat (value_of (fixture, "listener.invocations", "count"), ==, 10);
  g_assert_cmpfloat (value_of (fixture, "listener.invocations", "min"), ==, 0.5);
  g_assert_cmpfloat (value_of (fixture, "listener.invocations", "max"), ==, 8);
  g_assert_cmpfloat (value_of (fixture, "listener.invocations", "avg"), ==, 2.5);
  g_assert_cmpfloat (value_of (fixture, "listener.invocations", "rate"), ==, 25.0 / 60);
}

/* Two replicas reporting one listener across a hand-over: its iterator
 * age is the larger, not the sum. */
static void
test_gauges_take_the_largest (Fixture       *fixture,
                              gconstpointer  user_data)
{
  put_own (fixture, "listener.iterator_age", 300, 100, 200, 2);
  put_copy (fixture, "b", 1, "listener.iterator_age", 2400, 500, 1900, 2);
  g_assert_cmpfloat (value_of (fixture, "listener.iterator_age", "max"), ==, 1900);
  g_assert_cmpfloat (value_of (fixture, "listener.iterator_age", "min"), ==, 500);
  g_assert_cmpfloat (value_of (fixture, "listener.iterator_age", "avg"), ==, 1200);
}

/* Stored percentiles cannot be merged: the largest bounds the whole. */
static void
test_percentiles_take_the_largest (Fixture       *fixture,
                                   gconstpointer  user_data)
{
  put_own (fixture, "listener.duration.p95", 40, 40, 40, 1);
  put_copy (fixture, "b", 1, "listener.duration.p95", 90, 90, 90, 1);
  g_assert_cmpfloat (value_of (fixture, "listener.duration", "p95"), ==, 90);
}

/* A later version of a replica's bucket replaces its copy; an older one
 * stored late by the stream does not undo it. */
static void
test_newer_version_replaces (Fixture       *fixture,
                             gconstpointer  user_data)
{
  put_own (fixture, "domain.event.count", 1, 1, 1, 1);
  put_copy (fixture, "b", 5, "domain.event.count", 7, 1, 1, 7);
  put_copy (fixture, "b", 9, "domain.event.count", 10, 1, 1, 10);
  g_assert_cmpfloat (value_of (fixture, "domain.event.count", "sum"), ==, 11);
  put_copy (fixture, "b", 5, "domain.event.count", 7, 1, 1, 7);
  g_assert_cmpfloat (value_of (fixture, "domain.event.count", "sum"), ==, 11);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/hub/metrics-replicas/counters-add-up", Fixture, NULL, set_up, test_counters_add_up, tear_down);
  g_test_add ("/hub/metrics-replicas/gauges-take-the-largest", Fixture, NULL, set_up,
              test_gauges_take_the_largest, tear_down);
  g_test_add ("/hub/metrics-replicas/percentiles-take-the-largest", Fixture, NULL, set_up,
              test_percentiles_take_the_largest, tear_down);
  g_test_add ("/hub/metrics-replicas/newer-version-replaces", Fixture, NULL, set_up,
              test_newer_version_replaces, tear_down);
  return g_test_run ();
}
