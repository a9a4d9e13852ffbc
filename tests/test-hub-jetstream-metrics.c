/* test-hub-jetstream-metrics.c: work metrics summed across two hubwatchd replicas on a 3-node JetStream cluster
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each replica counts the events it accepted; /v1/metrics/query through
 * either answers with both replicas' counts for the rollups. The events
 * carry a timestamp two hours old, so they count in their own 1 min
 * bucket, written at the next tick as a late count (docs/hub-api.md, "When
 * events count"): no test waits for a bucket to end in real time.
 */
#include "config.h"

#include <string.h>

#include "hw-test-hub.h"
#include "hw-test-nats.h"
#include "hw-test-util.h"

#define MINUTE_MS 60000

typedef struct
{
  HwTestNats *nats;
  HwTestHub  *replicas[2];
  gint64      at_ms;      /* the events' time: 30 s into a minute, two hours ago */
  guint       next_id;
} Fixture;

static void
set_up (Fixture       *fixture,
        gconstpointer  user_data)
{
  gint64 now_ms = g_get_real_time () / 1000;

  fixture->at_ms = now_ms - 2 * 3600 * 1000;
  fixture->at_ms -= fixture->at_ms % MINUTE_MS;
  fixture->at_ms += 30000;
  fixture->nats = hw_test_nats_try_start (3);
  if (fixture->nats == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (fixture->replicas); i++)
    fixture->replicas[i] = hw_test_hub_new_replica (fixture->nats->urls, NULL);
}

static void
tear_down (Fixture       *fixture,
           gconstpointer  user_data)
{
  for (guint i = 0; i < G_N_ELEMENTS (fixture->replicas); i++)
    g_clear_pointer (&fixture->replicas[i], hw_test_hub_free);
  g_clear_pointer (&fixture->nats, hw_test_nats_free);
}

/* Publishes @n events of @type at the fixture's time through @hub. */
static void
publish_old (Fixture    *fixture,
             HwTestHub  *hub,
             const char *type,
             guint       n)
{
  hw_test_hub_publish_events_at (hub, type, &fixture->next_id, n, fixture->at_ms);
}

/* domain.event.count's sum in the fixture's minute through @hub, of the
 * series whose "type" is @type (NULL: the query without `by`, one series).
 * 0 when there is none. */
static gint64
count_through (Fixture    *fixture,
               HwTestHub  *hub,
               const char *type)
{
  gint64 from_ms = fixture->at_ms - fixture->at_ms % MINUTE_MS;
  g_autofree char *path = g_strdup_printf ("/v1/metrics/query?name=domain.event.count&stat=sum&step=60"
                                           "&from=%" G_GINT64_FORMAT "&to=%" G_GINT64_FORMAT "%s",
                                           from_ms, from_ms + MINUTE_MS, type != NULL ? "&by=type" : "");
  g_autoptr(JsonNode) answer = hw_test_hub_get_json (hub, path, 200);
  JsonArray *series = json_object_get_array_member (json_node_get_object (answer), "series");
  gint64 total = 0;

  for (guint i = 0; i < json_array_get_length (series); i++)
    {
      JsonObject *one = json_array_get_object_element (series, i);
      JsonObject *labels = json_object_get_object_member (one, "labels");
      JsonArray *points = json_object_get_array_member (one, "points");

      if (type != NULL && g_strcmp0 (json_object_get_string_member_with_default (labels, "type", NULL), type) != 0)
        continue;
      for (guint p = 0; p < json_array_get_length (points); p++)
        total += (gint64) json_array_get_double_element (json_array_get_array_element (points, p), 1);
    }
  return total;
}

typedef struct
{
  Fixture    *fixture;
  HwTestHub  *hub;
  const char *type;
  gint64      unlike;     /* waits for a count other than this */
  gint64      last;
  gint64      next_poll;
} CountWait;

static gboolean
count_changed (gpointer user_data)
{
  CountWait *wait = user_data;

  if (!hw_test_poll_due (&wait->next_poll, 200))
    return FALSE;
  wait->last = count_through (wait->fixture, wait->hub, wait->type);
  return wait->last != wait->unlike;
}

/* The count of @type through @hub once it is no longer @unlike, within
 * 30 s: a replica publishes its points within a second or two of writing
 * them, and the other copies them as they arrive. */
static gint64
count_once_changed (Fixture    *fixture,
                    HwTestHub  *hub,
                    const char *type,
                    gint64      unlike)
{
  CountWait wait = { .fixture = fixture, .hub = hub, .type = type, .unlike = unlike };

  if (!hw_test_wait_until (count_changed, &wait, hw_test_scale_ms (30000)))
    {
      g_autofree char *log = hw_test_hub_read_log (hub);

      g_test_message ("%s still counted %" G_GINT64_FORMAT "; its log:\n%s", type ? type : "all", wait.last, log);
    }
  return wait.last;
}

/* Through each replica: @alpha events of type alpha, @beta of beta, and
 * their sum without `by`. */
static void
assert_counts_through_both (Fixture *fixture,
                            gint64   alpha,
                            gint64   beta)
{
  for (guint i = 0; i < G_N_ELEMENTS (fixture->replicas); i++)
    {
      HwTestHub *hub = fixture->replicas[i];

      g_assert_cmpint (count_through (fixture, hub, "alpha"), ==, alpha);
      g_assert_cmpint (count_through (fixture, hub, "beta"), ==, beta);
      g_assert_cmpint (count_through (fixture, hub, NULL), ==, alpha + beta);
    }
}

/* N events through A and M through B: each replica answers N and M per
 * type, and N + M in all. */
static void
shared_through_both (Fixture *fixture)
{
  HwTestHub *a = fixture->replicas[0];
  HwTestHub *b = fixture->replicas[1];

  publish_old (fixture, a, "alpha", 7);
  publish_old (fixture, b, "beta", 5);
  g_assert_cmpint (count_once_changed (fixture, b, "alpha", 0), ==, 7);
  g_assert_cmpint (count_once_changed (fixture, a, "beta", 0), ==, 5);
  assert_counts_through_both (fixture, 7, 5);
}

static void
test_summed_through_each_replica (Fixture       *fixture,
                                  gconstpointer  user_data)
{
  if (hw_test_nats_skipped (fixture->nats))
    return;
  shared_through_both (fixture);
}

/* Counts added to a bucket already written and shared: the other replica's
 * copy is replaced by the new total (7 + 3), not added to it (7 + 10). */
static void
test_late_addition_replaces (Fixture       *fixture,
                             gconstpointer  user_data)
{
  if (hw_test_nats_skipped (fixture->nats))
    return;
  shared_through_both (fixture);
  publish_old (fixture, fixture->replicas[0], "alpha", 3);
  g_assert_cmpint (count_once_changed (fixture, fixture->replicas[1], "alpha", 7), ==, 10);
  assert_counts_through_both (fixture, 10, 5);
}

/* A replica stopped and started again keeps its replica id: its own
 * points and the copies of the other's are counted once, and what it adds
 * after the restart replaces its earlier copy at the other. */
static void
test_restart_counts_once (Fixture       *fixture,
                          gconstpointer  user_data)
{
  HwTestHub *b;

  if (hw_test_nats_skipped (fixture->nats))
    return;
  shared_through_both (fixture);
  b = fixture->replicas[1];
  hw_test_hub_stop (b);
  hw_test_hub_restart (b);
  assert_counts_through_both (fixture, 7, 5);

  publish_old (fixture, b, "beta", 2);
  g_assert_cmpint (count_once_changed (fixture, fixture->replicas[0], "beta", 5), ==, 7);
  assert_counts_through_both (fixture, 7, 7);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/hub-jetstream-metrics/summed-through-each-replica", Fixture, NULL, set_up,
              test_summed_through_each_replica, tear_down);
  g_test_add ("/hub-jetstream-metrics/late-addition-replaces", Fixture, NULL, set_up,
              test_late_addition_replaces, tear_down);
  g_test_add ("/hub-jetstream-metrics/restart-counts-once", Fixture, NULL, set_up,
              test_restart_counts_once, tear_down);
  return g_test_run ();
}
