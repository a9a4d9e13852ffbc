/* test-hub-metrics.c: series lookup of the in-memory metrics
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "hw-event-store.h"
#include "hw-hub-metrics.h"
#include "hw-test-util.h"

static guint
count_lines_with_prefix (const char *text,
                         const char *prefix)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  guint n = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    n += g_str_has_prefix (lines[i], prefix);
  return n;
}

/* A Prometheus line of counter @name with labels @one and @two (NULL: only
 * @one), in either order, and @value. */
static gboolean
has_series (const char *text,
            const char *name,
            const char *one,
            const char *two,
            const char *value)
{
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;

  if (two == NULL)
    {
      a = g_strdup_printf ("\nhubwatch_%s_total{%s} %s\n", name, one, value);
      return strstr (text, a) != NULL;
    }
  a = g_strdup_printf ("\nhubwatch_%s_total{%s,%s} %s\n", name, one, two, value);
  b = g_strdup_printf ("\nhubwatch_%s_total{%s,%s} %s\n", name, two, one, value);
  return strstr (text, a) != NULL || strstr (text, b) != NULL;
}

/* The lookup caches series by the labels exactly as passed: another order,
 * a repeated label (the last one counts) or values that would run together
 * under plain concatenation must still land on the right series. */
static void
test_series_identity (void)
{
  HwHubMetrics *metrics = hw_hub_metrics_new (NULL);
  g_autofree char *text = NULL;

  for (guint round = 0; round < 2; round++)
    {
      hw_hub_metrics_counter_add (metrics, "t.count", 1, "a", "x", "b", "y", NULL);
      hw_hub_metrics_counter_add (metrics, "t.count", 2, "b", "y", "a", "x", NULL);
      hw_hub_metrics_counter_add (metrics, "t.count", 4, "a", "q", "b", "y", "a", "x", NULL);
      hw_hub_metrics_counter_add (metrics, "t.count", 8, "a", "x", NULL);
      hw_hub_metrics_counter_add (metrics, "t.count", 16, "a", "x", "b", NULL, NULL);
      hw_hub_metrics_counter_add (metrics, "t.count", 32, "a", "1:b1:y", NULL);
      hw_hub_metrics_counter_add (metrics, "t.count", 64, "a1:x", "b", NULL);
      hw_hub_metrics_counter_add (metrics, "t.count", 512, "ab", "c", NULL);
      hw_hub_metrics_counter_add (metrics, "t.count", 1024, "a", "bc", NULL);
      hw_hub_metrics_counter_add (metrics, "t.other", 128, "a", "x", "b", "y", NULL);
    }

  text = hw_hub_metrics_to_prometheus (metrics);
  g_test_message ("%s", text);
  g_assert_true (has_series (text, "t_count", "a=\"x\"", "b=\"y\"", "14"));
  g_assert_true (has_series (text, "t_count", "a=\"x\"", NULL, "16"));
  /* A NULL value is recorded as "". */
  g_assert_true (has_series (text, "t_count", "a=\"x\"", "b=\"\"", "32"));
  g_assert_true (has_series (text, "t_count", "a=\"1:b1:y\"", NULL, "64"));
  g_assert_true (has_series (text, "t_count", "a1_x=\"b\"", NULL, "128"));
  g_assert_true (has_series (text, "t_other", "a=\"x\"", "b=\"y\"", "256"));
  g_assert_true (has_series (text, "t_count", "ab=\"c\"", NULL, "1024"));
  g_assert_true (has_series (text, "t_count", "a=\"bc\"", NULL, "2048"));
  g_assert_cmpuint (count_lines_with_prefix (text, "hubwatch_t_count_total{"), ==, 7);
  g_assert_cmpuint (count_lines_with_prefix (text, "hubwatch_t_other_total{"), ==, 1);
  hw_hub_metrics_free (metrics);
}

/* The bucket still filling holds counts of the seconds since it began, not
 * of a whole step: its rate divides by those seconds, or every rate chart
 * would dip at its right edge. The hub's clock is real here, so the
 * expectation is bracketed by readings taken around the query. */
static void
test_rate_of_unfinished_bucket (void)
{
  HwHubMetrics *metrics = hw_hub_metrics_new (NULL);
  const double n = 30;
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *points;
  gint64 before, after, bucket_ms = -1;
  double value = 0;

  for (guint i = 0; i < n; i++)
    hw_hub_metrics_counter_add (metrics, "t.events", 1, NULL);
  before = g_get_real_time () / 1000;
  answer = hw_hub_metrics_query (metrics, "t.events", before - 5 * 60000, before, 60000, "rate", NULL,
                                 NULL, &error);
  after = g_get_real_time () / 1000;
  g_assert_no_error (error);

  points = json_object_get_array_member (json_array_get_object_element (
    json_object_get_array_member (json_node_get_object (answer), "series"), 0), "points");
  for (guint i = 0; i < json_array_get_length (points); i++)
    {
      JsonArray *point = json_array_get_array_element (points, i);

      if (json_array_get_double_element (point, 1) > 0)
        {
          g_assert_cmpint (bucket_ms, ==, -1);
          bucket_ms = json_array_get_int_element (point, 0);
          value = json_array_get_double_element (point, 1);
        }
    }
  g_assert_cmpint (bucket_ms, >=, 0);
  g_test_message ("%g counts in the bucket of %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                  "-%" G_GINT64_FORMAT " ms into it: rate %g", n, bucket_ms, before - bucket_ms,
                  after - bucket_ms, value);
  g_assert_cmpfloat (value, >=, n / (CLAMP (after - bucket_ms, 1000, 60000) / 1000.0) - 1e-9);
  g_assert_cmpfloat (value, <=, n / (CLAMP (before - bucket_ms, 1000, 60000) / 1000.0) + 1e-9);
  hw_hub_metrics_free (metrics);
}

/* @stat of series @name over the last ten minutes, folded over its points
 * (sum and count add up; min and max take the extreme). Buckets without
 * observations read null or 0, so 0 is no value here: the tests' values
 * never are. */
static double
query_folded (HwHubMetrics *metrics,
              const char   *name,
              const char   *stat)
{
  gint64 now = g_get_real_time () / 1000;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = hw_hub_metrics_query (metrics, name, now - 600000, now + 1000, 60000,
                                                     stat, NULL, NULL, &error);
  JsonArray *series, *points;
  double folded = NAN;

  g_assert_no_error (error);
  series = json_object_get_array_member (json_node_get_object (answer), "series");
  g_assert_cmpuint (json_array_get_length (series), ==, 1);
  points = json_object_get_array_member (json_array_get_object_element (series, 0), "points");
  for (guint i = 0; i < json_array_get_length (points); i++)
    {
      JsonArray *point = json_array_get_array_element (points, i);
      double value;

      if (json_array_get_element (point, 1) == NULL || JSON_NODE_HOLDS_NULL (json_array_get_element (point, 1)))
        continue;
      value = json_array_get_double_element (point, 1);
      if (g_str_equal (stat, "sum") || g_str_equal (stat, "count"))
        folded = isnan (folded) ? value : folded + value;
      else if (value != 0 || isnan (folded))
        folded = isnan (folded) ? value : g_str_equal (stat, "min") ? MIN (folded, value) : MAX (folded, value);
    }
  return folded;
}

/* A batch records what its values would one call each: the same total,
 * count, minimum and maximum on the same series. */
static void
test_counter_batch (void)
{
  HwHubMetrics *metrics = hw_hub_metrics_new (NULL);
  const double values[] = { 3, 7, 1.5, 9, 5, NAN };
  const char *labels[] = { "a", "x", "b", "", NULL };
  const char *stats[] = { "sum", "count", "min", "max" };
  HwMetricsBatch batch = { 0 };
  g_autofree char *text = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      hw_hub_metrics_counter_add (metrics, "t.single", values[i], "a", "x", "b", NULL, NULL);
      hw_metrics_batch_add (&batch, values[i]);
    }
  g_assert_cmpint (batch.count, ==, 5);
  hw_hub_metrics_counter_add_batch (metrics, "t.batch", labels, &batch);

  for (guint i = 0; i < G_N_ELEMENTS (stats); i++)
    {
      double single = query_folded (metrics, "t.single", stats[i]);
      double batched = query_folded (metrics, "t.batch", stats[i]);

      g_test_message ("%s: %g one by one, %g in a batch", stats[i], single, batched);
      g_assert_false (isnan (single));
      g_assert_cmpfloat (single, ==, batched);
    }
  g_assert_cmpfloat (query_folded (metrics, "t.batch", "sum"), ==, 25.5);
  g_assert_cmpfloat (query_folded (metrics, "t.batch", "min"), ==, 1.5);

  text = hw_hub_metrics_to_prometheus (metrics);
  g_assert_true (has_series (text, "t_single", "a=\"x\"", "b=\"\"", "25.5"));
  g_assert_true (has_series (text, "t_batch", "a=\"x\"", "b=\"\"", "25.5"));
  /* An empty batch records nothing, not even its series. */
  memset (&batch, 0, sizeof batch);
  hw_hub_metrics_counter_add_batch (metrics, "t.empty", labels, &batch);
  g_clear_pointer (&text, g_free);
  text = hw_hub_metrics_to_prometheus (metrics);
  g_assert_cmpuint (count_lines_with_prefix (text, "hubwatch_t_empty"), ==, 0);
  hw_hub_metrics_free (metrics);
}

/* The sum of @name's points from @from_ms to @to_ms at @step_ms, and where
 * the first non-zero point is. */
static double
query_sum (HwHubMetrics *metrics,
           const char   *name,
           gint64        from_ms,
           gint64        to_ms,
           gint64        step_ms,
           gint64       *first_ms)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = hw_hub_metrics_query (metrics, name, from_ms, to_ms, step_ms, "sum", NULL,
                                                     NULL, &error);
  JsonArray *series;
  double total = 0;

  g_assert_no_error (error);
  if (first_ms != NULL)
    *first_ms = -1;
  series = json_object_get_array_member (json_node_get_object (answer), "series");
  for (guint s = 0; s < json_array_get_length (series); s++)
    {
      JsonArray *points = json_object_get_array_member (json_array_get_object_element (series, s), "points");

      for (guint i = 0; i < json_array_get_length (points); i++)
        {
          JsonArray *point = json_array_get_array_element (points, i);
          double value = json_array_get_double_element (point, 1);

          if (value != 0 && first_ms != NULL && *first_ms < 0)
            *first_ms = json_array_get_int_element (point, 0);
          total += value;
        }
    }
  return total;
}

static void
add_at (HwHubMetrics *metrics,
        const char   *name,
        double        value,
        gint64        at_ms)
{
  const char *labels[] = { "type", "t", NULL };
  HwMetricsBatch batch = { 0 };

  hw_metrics_batch_add (&batch, value);
  hw_hub_metrics_counter_add_batch_at (metrics, name, labels, &batch, at_ms);
}

/* Where a count lands by its age: now within a minute; its own second
 * inside the ten-minute ring; then the start of the finest rollup bucket
 * still kept at that age (10 s for two days, 1 min for 35, then 1 h). */
static void
test_count_time (void)
{
  const gint64 now = G_GINT64_CONSTANT (1795000000000) + 123;
  const struct { gint64 age_ms; gint64 expected_ms; } cases[] = {
    { -5000, now },
    { 0, now },
    { 60000, now },
    { 60001, (now - 60001) / 1000 * 1000 },
    { 599000, (now - 599000) / 1000 * 1000 },
    { 3600000, (now - 3600000) / 10000 * 10000 },
    { 3LL * 86400000, (now - 3LL * 86400000) / 60000 * 60000 },
    { 40LL * 86400000, (now - 40LL * 86400000) / 3600000 * 3600000 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("age %" G_GINT64_FORMAT " ms", cases[i].age_ms);
      g_assert_cmpint (hw_hub_metrics_count_time (now, now - cases[i].age_ms), ==, cases[i].expected_ms);
    }
}

/* A count of something that happened minutes ago lands in its own second
 * of the ring, not in the current one; one from seconds ago counts now. */
static void
test_late_count_in_ring (void)
{
  HwHubMetrics *metrics = hw_hub_metrics_new (NULL);
  gint64 now = g_get_real_time () / 1000;
  gint64 at = now - 5 * 60000;
  gint64 first = -1;

  add_at (metrics, "t.late", 3, at);
  add_at (metrics, "t.recent", 2, now - 10000);
  g_assert_cmpfloat (query_sum (metrics, "t.late", now - 590000, now + 1000, 1000, &first), ==, 3);
  g_assert_cmpint (first, ==, at / 1000 * 1000);
  g_assert_cmpfloat (query_sum (metrics, "t.late", now - 60000, now + 1000, 1000, NULL), ==, 0);
  g_assert_cmpfloat (query_sum (metrics, "t.recent", now - 5000, now + 2000, 1000, &first), ==, 2);
  g_assert_cmpint (first, >=, (now - 1000) / 1000 * 1000);
  hw_hub_metrics_free (metrics);
}

/* Counts hours late go to the rollup buckets of their time, which were
 * written (or never were) long ago: they are added to the stored point,
 * not written over it, and a registry that starts afresh on the same
 * store reads their sum. */
static void
test_late_count_in_store (void)
{
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "hub.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(HwEventStore) store = hw_event_store_open (path, HW_EVENT_STORE_FLAGS_NONE, &error);
  HwHubMetrics *metrics;
  gint64 now = g_get_real_time () / 1000;
  gint64 at = now - 3 * 3600000;
  gint64 first = -1;

  g_assert_no_error (error);
  metrics = hw_hub_metrics_new (store);
  add_at (metrics, "t.backfill", 4, at);
  /* Before any write, the query sees it waiting in memory. */
  g_assert_cmpfloat (query_sum (metrics, "t.backfill", at - 3600000, at + 3600000, 60000, NULL), ==, 4);
  hw_hub_metrics_tick (metrics, now);
  add_at (metrics, "t.backfill", 5, at + 1);
  hw_hub_metrics_tick (metrics, now + 1000);
  g_assert_cmpfloat (query_sum (metrics, "t.backfill", now - 60000, now + 1000, 10000, NULL), ==, 0);
  /* Whether or not the writer has added them yet: counted once. */
  g_assert_cmpfloat (query_sum (metrics, "t.backfill", at - 3600000, at + 3600000, 60000, NULL), ==, 9);
  hw_hub_metrics_free (metrics);

  metrics = hw_hub_metrics_new (store);
  g_assert_cmpfloat (query_sum (metrics, "t.backfill", at - 3600000, at + 3600000, 60000, &first), ==, 9);
  g_assert_cmpint (first, ==, at / 60000 * 60000);
  g_assert_cmpfloat (query_sum (metrics, "t.backfill", at - 3600000, at + 3600000, 10000, &first), ==, 9);
  g_assert_cmpint (first, ==, at / 10000 * 10000);
  hw_hub_metrics_free (metrics);

  g_clear_object (&store);
  hw_test_rmdir (dir);
}

/* A tick hands finished buckets to the writer thread: a query right after
 * reads each once, whether the writer has committed it yet or not, and a
 * registry started afresh reads it from the store. */
static void
test_finished_bucket_read_once (void)
{
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "hub.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(HwEventStore) store = hw_event_store_open (path, HW_EVENT_STORE_FLAGS_NONE, &error);
  gint64 now = g_get_real_time () / 1000;
  HwHubMetrics *metrics;

  g_assert_no_error (error);
  metrics = hw_hub_metrics_new (store);
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *name = g_strdup_printf ("t.done%u", i);

      hw_hub_metrics_counter_add (metrics, name, 7, "a", "x", NULL);
      hw_hub_metrics_tick (metrics, now + 70000 + i * 1000);
      g_assert_cmpfloat (query_sum (metrics, name, now - 1200000, now + 1200000, 10000, NULL), ==, 7);
    }
  hw_hub_metrics_free (metrics);

  metrics = hw_hub_metrics_new (store);
  g_assert_cmpfloat (query_sum (metrics, "t.done19", now - 1200000, now + 1200000, 10000, NULL), ==, 7);
  hw_hub_metrics_free (metrics);

  g_clear_object (&store);
  hw_test_rmdir (dir);
}

/* A hub stopped and started again within a bucket: what it counted before
 * the stop stays, and what it counts after adds to it. The range spans
 * both sides, so a bucket boundary between the two changes nothing. */
static void
test_restart_adds_to_bucket (void)
{
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "hub.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(HwEventStore) store = hw_event_store_open (path, HW_EVENT_STORE_FLAGS_NONE, &error);
  gint64 now = g_get_real_time () / 1000;
  static const gint64 steps[] = { 10000, 60000, 3600000 };
  HwHubMetrics *metrics;

  g_assert_no_error (error);
  for (guint run = 0; run < 2; run++)
    {
      metrics = hw_hub_metrics_new (store);
      hw_hub_metrics_counter_add (metrics, "t.restart", run == 0 ? 3 : 4, "a", "x", NULL);
      hw_hub_metrics_flush (metrics);
      hw_hub_metrics_free (metrics);
    }

  metrics = hw_hub_metrics_new (store);
  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    g_assert_cmpfloat (query_sum (metrics, "t.restart", now - 2 * 3600000, now + 2 * 3600000, steps[i], NULL),
                       ==, 7);
  hw_hub_metrics_free (metrics);
  g_clear_object (&store);
  hw_test_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hub/metrics/series-identity", test_series_identity);
  g_test_add_func ("/hub/metrics/rate-of-unfinished-bucket", test_rate_of_unfinished_bucket);
  g_test_add_func ("/hub/metrics/counter-batch", test_counter_batch);
  g_test_add_func ("/hub/metrics/count-time", test_count_time);
  g_test_add_func ("/hub/metrics/late-count-in-ring", test_late_count_in_ring);
  g_test_add_func ("/hub/metrics/late-count-in-store", test_late_count_in_store);
  g_test_add_func ("/hub/metrics/finished-bucket-read-once", test_finished_bucket_read_once);
  g_test_add_func ("/hub/metrics/restart-adds-to-bucket", test_restart_adds_to_bucket);
  return g_test_run ();
}
