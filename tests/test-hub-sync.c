/* test-hub-sync.c: HwHubSync against the real hubwatchd: fill, lose, resume
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-error.h"
#include "hw-event-store.h"
#include "hw-hub-sync.h"
#include "hw-test-hub.h"
#include "hw-test-proxy.h"
#include "hw-test-util.h"

#define WAIT_MS 30000

/* ---- helpers ------------------------------------------------------------------- */

static void
publish_range (HwTestHub  *hub,
               const char *prefix,
               guint       first,
               guint       n)
{
  g_autoptr(GString) body = g_string_new (NULL);
  g_autoptr(GBytes) answer = NULL;
  gint64 now = g_get_real_time () / 1000;
  guint status;

  for (guint i = first; i < first + n; i++)
    {
      g_autofree char *id = g_strdup_printf ("%s-%u", prefix, i);
      g_autofree char *json = NULL;

      if (i % 50 == 7)
        json = g_strdup_printf ("{\"id\":\"%s\",\"type\":\"fault\",\"timestamp\":%" G_GINT64_FORMAT ","
                                "\"tags\":{\"functionname\":\"pay\",\"pipeline\":\"p1\"},"
                                "\"err\":{\"name\":\"Error\",\"message\":\"declined\"}}", id, now - 1000);
      else
        json = hw_test_event_json (id, "order-placed", now - 1000);
      g_string_append_printf (body, "%s\n", json);
    }
  status = hw_test_hub_request (hub, "POST", "/v1/events", NULL, "application/x-ndjson",
                                body->str, -1, &answer, NULL);
  g_assert_cmpuint (status, ==, 200);
}

static gint64
hub_max_seq (HwTestHub *hub)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = NULL;
  const char *header;

  g_assert_cmpuint (hw_test_hub_request (hub, "GET", "/v1/events/sync?after=0&limit=1", NULL, NULL,
                                         NULL, 0, &body, &msg), ==, 200);
  header = soup_message_headers_get_one (soup_message_get_response_headers (msg), "X-Hubwatch-Max-Seq");
  g_assert_nonnull (header);
  return g_ascii_strtoll (header, NULL, 10);
}

static gint64
cache_count (HwHubSync *sync)
{
  g_autoptr(GError) error = NULL;
  gint64 count = hw_event_store_count (hw_hub_sync_get_store (sync), NULL, HW_EVENT_STORE_UNBOUNDED,
                                       HW_EVENT_STORE_UNBOUNDED, NULL, &error);

  g_assert_no_error (error);
  return count;
}

typedef struct
{
  HwHubSync      *sync;
  HwHubSyncState  state;
  guint64         cursor;
  gint64          count;
} Expect;

static gboolean
reached_state (gpointer user_data)
{
  Expect *expect = user_data;

  return hw_hub_sync_get_state (expect->sync) == expect->state;
}

static gboolean
reached_cursor (gpointer user_data)
{
  Expect *expect = user_data;

  return hw_hub_sync_get_cursor (expect->sync) >= expect->cursor
         && hw_hub_sync_get_state (expect->sync) == HW_HUB_SYNC_STATE_ONLINE;
}

static gboolean
reached_count (gpointer user_data)
{
  Expect *expect = user_data;

  return hw_hub_sync_get_store (expect->sync) != NULL && cache_count (expect->sync) >= expect->count;
}

static void
wait_state (HwHubSync      *sync,
            HwHubSyncState  state)
{
  Expect expect = { .sync = sync, .state = state };

  if (!hw_test_wait_until (reached_state, &expect, WAIT_MS))
    g_error ("state stayed %s, wanted %s (last error: %s)",
             hw_hub_sync_state_to_string (hw_hub_sync_get_state (sync)),
             hw_hub_sync_state_to_string (state), hw_hub_sync_get_last_error (sync));
}

static void
wait_synced (HwHubSync *sync,
             guint64    cursor)
{
  Expect expect = { .sync = sync, .cursor = cursor };

  if (!hw_test_wait_until (reached_cursor, &expect, WAIT_MS))
    g_error ("cursor stayed %" G_GUINT64_FORMAT " (%s), wanted %" G_GUINT64_FORMAT " (last error: %s)",
             hw_hub_sync_get_cursor (sync), hw_hub_sync_state_to_string (hw_hub_sync_get_state (sync)),
             cursor, hw_hub_sync_get_last_error (sync));
}

static HwHubSync *
sync_new (const char *url,
          const char *token,
          const char *cache_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HwHubClient) client = hw_hub_client_new (url, &error);
  HwHubSync *sync;

  g_assert_no_error (error);
  hw_hub_client_set_token (client, token);
  hw_hub_client_set_timeout (client, 5);
  sync = hw_hub_sync_new (client, cache_path);
  hw_hub_sync_set_backoff (sync, 50, 400);
  hw_hub_sync_set_poll_interval (sync, 500);
  return sync;
}

static void
on_changed (HwHubSync        *sync,
            HwHubSyncChanges  what,
            gpointer          user_data)
{
  *(guint *) user_data |= what;
}

static gboolean
saw_events_change (gpointer user_data)
{
  return (*(guint *) user_data & HW_HUB_SYNC_CHANGED_EVENTS) != 0;
}

/* ---- tests ---------------------------------------------------------------------- */

/* A hub, and a sync into a cache of its own that is not started yet. */
typedef struct
{
  HwTestHub *hub;
  char      *dir;
  char      *cache;
  HwHubSync *sync;
} SyncFixture;

static void
sync_fixture_set_up (SyncFixture   *f,
                     gconstpointer  data)
{
  f->hub = hw_test_hub_new (NULL, NULL, NULL);
  f->dir = hw_test_mkdtemp ();
  f->cache = g_build_filename (f->dir, "hub.db", NULL);
  f->sync = sync_new (f->hub->base_url, NULL, f->cache);
}

static void
sync_fixture_tear_down (SyncFixture   *f,
                        gconstpointer  data)
{
  hw_hub_sync_stop (f->sync);
  hw_test_hub_free (f->hub);
  g_clear_object (&f->sync);
  hw_test_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->cache);
}

static void
test_fills_cache (SyncFixture   *f,
                 gconstpointer  data)
{
  HwTestHub *hub = f->hub;
  HwHubSync *sync = f->sync;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) faults = NULL;
  g_autoptr(GPtrArray) system_events = NULL;
  g_autoptr(JsonNode) posted = NULL;
  guint changed = 0;
  Expect expect = { .sync = sync };
  gint64 before = g_get_real_time () / 1000;
  g_autofree char *deployment =
    g_strdup_printf ("{\"kind\":\"deployment\",\"id\":\"dep-1\",\"service\":\"pay\",\"version\":\"2\","
                     "\"commit_sha\":\"abc\",\"commit_time\":%" G_GINT64_FORMAT ",\"deploy_time\":%"
                     G_GINT64_FORMAT ",\"result\":\"success\"}", before - 7200000, before - 3600000);

  publish_range (hub, "a", 0, 250);
  g_assert_cmpuint (hw_test_hub_json (hub, "POST", "/v1/system-events", NULL, deployment, &posted), <, 300);
  hw_hub_sync_set_page_size (sync, 100);
  g_signal_connect (sync, "changed", G_CALLBACK (on_changed), &changed);
  hw_hub_sync_start (sync);

  wait_synced (sync, hub_max_seq (hub));
  g_assert_cmpint (cache_count (sync), ==, 250);
  g_assert_true (changed & HW_HUB_SYNC_CHANGED_EVENTS);
  g_assert_true (changed & HW_HUB_SYNC_CHANGED_FAULTS);
  g_assert_cmpint (hw_hub_sync_get_last_sync (sync), >=, before);
  g_assert_cmpint (hw_hub_sync_get_as_of (sync), >=, before - 60000);
  g_assert_cmpint (hw_hub_sync_get_offline_since (sync), ==, 0);
  g_assert_nonnull (hw_hub_sync_get_info (sync));

  /* Faults arrive with the lake; i % 50 == 7 gives five of them. */
  faults = hw_event_store_list_faults (hw_hub_sync_get_store (sync), NULL, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (faults->len, ==, 5);

  expect.count = 1;
  while (!(changed & HW_HUB_SYNC_CHANGED_SYSTEM_EVENTS))
    g_main_context_iteration (NULL, TRUE);
  system_events = hw_event_store_list_system_events (hw_hub_sync_get_store (sync), "deployment",
                                                     HW_EVENT_STORE_UNBOUNDED, HW_EVENT_STORE_UNBOUNDED,
                                                     HW_EVENT_ORDER_NEWEST_FIRST, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (system_events->len, ==, 1);

  /* Live: new events reach the cache through the stream, without a restart. */
  changed = 0;
  publish_range (hub, "b", 0, 5);
  expect.count = 255;
  g_assert_true (hw_test_wait_until (reached_count, &expect, WAIT_MS));
  g_assert_cmpint (cache_count (sync), ==, 255);
  /* The signal follows the commit on the main context. */
  g_assert_true (hw_test_wait_until (saw_events_change, &changed, WAIT_MS));

}

typedef struct
{
  HwHubSync  *sync;
  const char *id;
  const char *needle;   /* text the cached JSON must hold */
} CachedSystemEvent;

static gboolean
system_event_cached (gpointer user_data)
{
  CachedSystemEvent *want = user_data;
  g_autoptr(HwSystemEvent) event = NULL;
  HwEventStore *store = hw_hub_sync_get_store (want->sync);

  if (store == NULL)
    return FALSE;
  event = hw_event_store_get_system_event (store, want->id, NULL, NULL);
  return event != NULL && strstr (event->json, want->needle) != NULL;
}

static gboolean
system_events_cursor_moved (gpointer user_data)
{
  g_autofree char *cursor = hw_event_store_get_cursor (user_data, "system_events.after", NULL, NULL);

  return cursor != NULL && g_ascii_strtoll (cursor, NULL, 10) > 1;
}

/* An incident cached while open is replaced by its resolved version: live
 * (stream or poll), and for a console that was away when it changed (the
 * changes feed, from the cursor it saved). */
static void
test_system_event_updates (SyncFixture   *f,
                          gconstpointer  data)
{
  HwTestHub *hub = f->hub;
  HwHubSync *sync = f->sync;
  g_autoptr(HwHubSync) again = NULL;
  gint64 now = g_get_real_time () / 1000;
  g_autofree char *incident =
    g_strdup_printf ("{\"kind\":\"incident\",\"id\":\"inc-1\",\"service\":\"pay\",\"severity\":\"sev2\","
                     "\"opened_at\":%" G_GINT64_FORMAT "}", now - (gint64) 3 * 86400000);
  g_autofree char *resolve = g_strdup_printf ("{\"resolved_at\":%" G_GINT64_FORMAT "}", now);
  CachedSystemEvent want = { .id = "inc-1" };
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(JsonNode) resolved = NULL;
  g_autoptr(JsonNode) escalated = NULL;

  g_assert_cmpuint (hw_test_hub_json (hub, "POST", "/v1/system-events", NULL, incident, &answer), ==, 201);
  hw_hub_sync_start (sync);
  want.sync = sync;
  want.needle = "\"severity\":\"sev2\"";
  g_assert_true (hw_test_wait_until (system_event_cached, &want, WAIT_MS));

  g_assert_cmpuint (hw_test_hub_json (hub, "PATCH", "/v1/system-events/inc-1", NULL, resolve, &resolved), ==, 200);
  want.needle = "\"resolved_at\"";
  g_assert_true (hw_test_wait_until (system_event_cached, &want, WAIT_MS));
  hw_hub_sync_stop (sync);

  /* Away while it changed: the next start asks the feed after its cursor. */
  g_assert_cmpuint (hw_test_hub_json (hub, "PATCH", "/v1/system-events/inc-1", NULL, "{\"severity\":\"sev1\"}",
                                      &escalated), ==, 200);
  again = sync_new (hub->base_url, NULL, f->cache);
  hw_hub_sync_start (again);
  want.sync = again;
  want.needle = "\"severity\":\"sev1\"";
  g_assert_true (hw_test_wait_until (system_event_cached, &want, WAIT_MS));
  /* Three versions went by: the saved cursor is past the first. */
  g_assert_true (hw_test_wait_until (system_events_cursor_moved, hw_hub_sync_get_store (again), WAIT_MS));
  hw_hub_sync_stop (again);

  g_clear_object (&again);
}

typedef struct
{
  guint listeners;   /* "changed" emissions that named the listeners */
  guint metrics;
  guint n_announced; /* the length of the list the last of them announced */
} ChangeCounts;

static void
count_changes (HwHubSync        *sync,
               HwHubSyncChanges  what,
               gpointer          user_data)
{
  ChangeCounts *counts = user_data;

  if (what & HW_HUB_SYNC_CHANGED_LISTENERS)
    {
      counts->listeners++;
      counts->n_announced = hw_hub_sync_get_listeners (sync)->len;
    }
  counts->metrics += (what & HW_HUB_SYNC_CHANGED_METRICS) != 0;
}

typedef struct
{
  ChangeCounts *counts;
  guint         n;
} ListenerWait;

static gboolean
has_listeners (gpointer user_data)
{
  ListenerWait *wait = user_data;
  /* Not merely the list in memory: its announcement follows the cache
   * write, and must not land in the quiet stretch. */
  return wait->counts->listeners > 0 && wait->counts->n_announced == wait->n;
}

static gboolean
three_more_polls (gpointer user_data)
{
  return ((ChangeCounts *) user_data)->metrics >= 3;
}

static void
register_listener (HwTestHub  *hub,
                   const char *name)
{
  g_autofree char *body =
    g_strdup_printf ("{\"name\":\"%s\",\"url\":\"http://127.0.0.1:9/\",\"types\":[\"never-*\"]}", name);
  g_autoptr(JsonNode) answer = NULL;

  g_assert_cmpuint (hw_test_hub_json (hub, "POST", "/v1/listeners", NULL, body, &answer), <, 300);
}

/* Every poll fetches the listener list again; pages rebuild their rows on
 * "changed", so a list that came back the same must not be announced. Each
 * poll also fetches the requested metric after the lists, which is how the
 * test counts polls. */
static void
test_unchanged_lists_are_quiet (SyncFixture   *f,
                               gconstpointer  data)
{
  HwTestHub *hub = f->hub;
  HwHubSync *sync = f->sync;
  ChangeCounts counts = { 0 };
  ListenerWait wait = { &counts, 1 };

  register_listener (hub, "quiet-1");
  hw_hub_sync_set_poll_interval (sync, 100);
  hw_hub_sync_request_metrics (sync, "poll-counter", "domain.event.count", "now-10m", "now", 60, "sum", NULL);
  g_signal_connect (sync, "changed", G_CALLBACK (count_changes), &counts);
  hw_hub_sync_start (sync);
  g_assert_true (hw_test_wait_until (has_listeners, &wait, WAIT_MS));

  counts = (ChangeCounts) { 0 };
  g_assert_true (hw_test_wait_until (three_more_polls, &counts, WAIT_MS));
  g_assert_cmpuint (counts.listeners, ==, 0);

  /* A real change is still announced. */
  register_listener (hub, "quiet-2");
  wait.n = 2;
  g_assert_true (hw_test_wait_until (has_listeners, &wait, WAIT_MS));

}

static void
test_offline_and_resume (void)
{
  HwTestHub *hub = hw_test_hub_new (NULL, NULL, NULL);
  HwTestProxy *proxy = hw_test_proxy_new (hub->base_url);
  g_autofree char *url = hw_test_proxy_url (proxy);
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *cache = g_build_filename (dir, "hub.db", NULL);
  g_autoptr(HwHubSync) sync = sync_new (url, NULL, cache);
  g_autoptr(HwHubSync) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *stored_cursor = NULL;
  guint64 cursor;
  gint64 as_of;

  publish_range (hub, "a", 0, 120);
  hw_hub_sync_start (sync);
  wait_synced (sync, hub_max_seq (hub));
  g_assert_cmpint (cache_count (sync), ==, 120);
  as_of = hw_hub_sync_get_as_of (sync);

  /* kill -9: the stream drops, the sync says so, the cache still answers. */
  hw_test_hub_kill (hub);
  wait_state (sync, HW_HUB_SYNC_STATE_OFFLINE);
  g_assert_cmpint (hw_hub_sync_get_offline_since (sync), >, 0);
  g_assert_nonnull (hw_hub_sync_get_last_error (sync));
  g_assert_cmpint (cache_count (sync), ==, 120);
  g_assert_cmpint (hw_hub_sync_get_as_of (sync), ==, as_of);
  cursor = hw_hub_sync_get_cursor (sync);

  /* The hub comes back on the same data dir; new events follow the old. */
  hw_test_hub_restart (hub);
  hw_test_proxy_restore (proxy, hub->base_url);
  publish_range (hub, "b", 0, 30);
  wait_synced (sync, hub_max_seq (hub));
  g_assert_cmpint (cache_count (sync), ==, 150);
  g_assert_cmpuint (hw_hub_sync_get_cursor (sync), ==, cursor + 30);
  g_assert_cmpint (hw_hub_sync_get_offline_since (sync), ==, 0);

  /* The cursor is in the cache: a new sync on it (an app restart) resumes
   * from there instead of fetching the lake again. */
  hw_hub_sync_stop (sync);
  g_clear_object (&sync);
  stored_cursor = g_strdup_printf ("%" G_GUINT64_FORMAT, cursor + 30);
  again = sync_new (url, NULL, cache);
  hw_hub_sync_start (again);
  wait_synced (again, cursor + 30);
  g_assert_cmpint (cache_count (again), ==, 150);
  {
    g_autofree char *value = hw_event_store_get_cursor (hw_hub_sync_get_store (again), "lake", NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (value, ==, stored_cursor);
  }

  hw_hub_sync_stop (again);
  hw_test_proxy_free (proxy);
  hw_test_hub_free (hub);
  hw_test_rmdir (dir);
}

typedef struct
{
  HwTestProxy *proxy;
  guint64  cut_at;
} CutPlan;

static void
cut_on_first_page (HwHubSync  *sync,
                   GParamSpec *pspec,
                   gpointer    user_data)
{
  CutPlan *plan = user_data;

  if (plan->cut_at == 0 && hw_hub_sync_get_cursor (sync) > 0)
    {
      plan->cut_at = hw_hub_sync_get_cursor (sync);
      hw_test_proxy_cut (plan->proxy);
    }
}

static gboolean
was_cut (gpointer user_data)
{
  return ((CutPlan *) user_data)->cut_at > 0;
}

static void
test_network_drop_mid_sync (void)
{
  HwTestHub *hub = hw_test_hub_new (NULL, NULL, NULL);
  HwTestProxy *proxy = hw_test_proxy_new (hub->base_url);
  g_autofree char *url = hw_test_proxy_url (proxy);
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *cache = g_build_filename (dir, "hub.db", NULL);
  g_autoptr(HwHubSync) sync = sync_new (url, NULL, cache);
  g_autoptr(GError) error = NULL;
  g_autofree char *stored = NULL;
  CutPlan plan = { .proxy = proxy };
  gulong handler;
  guint64 max_seq;

  for (guint i = 0; i < 4; i++)
    publish_range (hub, "a", i * 500, 500);
  max_seq = hub_max_seq (hub);
  hw_hub_sync_set_page_size (sync, 100);
  handler = g_signal_connect (sync, "notify::cursor", G_CALLBACK (cut_on_first_page), &plan);
  hw_hub_sync_start (sync);

  g_assert_true (hw_test_wait_until (was_cut, &plan, WAIT_MS));
  wait_state (sync, HW_HUB_SYNC_STATE_OFFLINE);
  g_assert_cmpuint (plan.cut_at, <, max_seq);
  g_assert_cmpuint (hw_hub_sync_get_cursor (sync), ==, plan.cut_at);
  /* What was committed is in the cache, with its cursor. */
  g_assert_cmpint (cache_count (sync), ==, 100);
  stored = hw_event_store_get_cursor (hw_hub_sync_get_store (sync), "lake", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_ascii_strtoull (stored, NULL, 10), ==, plan.cut_at);
  g_signal_handler_disconnect (sync, handler);

  hw_test_proxy_restore (proxy, hub->base_url);
  wait_synced (sync, max_seq);
  g_assert_cmpint (cache_count (sync), ==, 2000);

  hw_hub_sync_stop (sync);
  hw_test_proxy_free (proxy);
  hw_test_hub_free (hub);
  hw_test_rmdir (dir);
}

static void
test_auth_failed (void)
{
  HwTestHub *hub = hw_test_hub_new (NULL, "--token", "eve:viewer:v1ewer-s3cret", NULL);
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *cache = g_build_filename (dir, "hub.db", NULL);
  g_autoptr(HwHubSync) sync = sync_new (hub->base_url, "wrong", cache);

  hw_test_hub_set_token (hub, NULL);
  hw_hub_sync_start (sync);
  /* /v1/info needs no token, so the failure comes from the lake itself. */
  wait_state (sync, HW_HUB_SYNC_STATE_AUTH_FAILED);
  g_assert_nonnull (hw_hub_sync_get_last_error (sync));
  g_assert_null (strstr (hw_hub_sync_get_last_error (sync), "wrong"));

  hw_hub_client_set_token (hw_hub_sync_get_client (sync), "v1ewer-s3cret");
  hw_hub_sync_retry_now (sync);
  wait_state (sync, HW_HUB_SYNC_STATE_ONLINE);

  hw_hub_sync_stop (sync);
  hw_test_hub_free (hub);
  hw_test_rmdir (dir);
}

static void
test_metrics_into_cache (SyncFixture   *f,
                        gconstpointer  data)
{
  HwTestHub *hub = f->hub;
  HwHubSync *sync = f->sync;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) points = NULL;
  g_autofree char *name = hw_hub_sync_metric_cache_name ("domain.event.count", "sum");
  gint64 now = g_get_real_time () / 1000;
  guint changed = 0;
  double total = 0;

  publish_range (hub, "a", 0, 40);
  g_signal_connect (sync, "changed", G_CALLBACK (on_changed), &changed);
  hw_hub_sync_request_metrics (sync, "chart-1", "domain.event.count", "now-10m", "now+1m", 60, "sum", NULL);
  hw_hub_sync_start (sync);
  while (!(changed & HW_HUB_SYNC_CHANGED_METRICS))
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpstr (name, ==, "domain.event.count:sum");
  points = hw_event_store_query_metric_points (hw_hub_sync_get_store (sync), name, NULL, 60,
                                               now - 3600000, now + 3600000, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (points->len, >, 0);
  for (guint i = 0; i < points->len; i++)
    total += g_array_index (points, HwMetricPoint, i).sum;
  /* Five of the forty are faults, which are not domain events. */
  g_assert_cmpfloat (total, >=, 35);

}

typedef struct
{
  HwHubSync  *sync;
  const char *name;
} CachedMetric;

static GArray *
cached_points (HwHubSync  *sync,
               const char *name)
{
  gint64 now = g_get_real_time () / 1000;

  /* The store opens asynchronously after start. */
  if (hw_hub_sync_get_store (sync) == NULL)
    return NULL;
  return hw_event_store_query_metric_points (hw_hub_sync_get_store (sync), name, NULL, 60,
                                             now - 3600000, now + 3600000, NULL, NULL);
}

static gboolean
metric_cached (gpointer user_data)
{
  CachedMetric *want = user_data;
  g_autoptr(GArray) points = cached_points (want->sync, want->name);

  return points != NULL && points->len > 0;
}

/* The same metric grouped by a label and not grouped are two sets of series
 * under two cache keys: the total never holds per-type points. */
static void
test_metrics_by_key (SyncFixture   *f,
                    gconstpointer  data)
{
  HwTestHub *hub = f->hub;
  HwHubSync *sync = f->sync;
  g_autofree char *total_key = hw_hub_sync_metric_cache_key ("domain.event.count", "sum", NULL);
  g_autofree char *by_key = hw_hub_sync_metric_cache_key ("domain.event.count", "sum", "type");
  CachedMetric total_want = { sync, total_key };
  CachedMetric by_want = { sync, by_key };
  g_autoptr(GArray) total = NULL;
  g_autoptr(GArray) by_type = NULL;

  g_assert_cmpstr (by_key, ==, "domain.event.count:sum/by=type");
  g_assert_cmpstr (total_key, ==, "domain.event.count:sum");
  publish_range (hub, "a", 0, 40);
  hw_hub_sync_request_metrics (sync, "chart-total", "domain.event.count", "now-10m", "now+1m", 60, "sum", NULL);
  hw_hub_sync_request_metrics (sync, "chart-by", "domain.event.count", "now-10m", "now+1m", 60, "sum", "type");
  hw_hub_sync_start (sync);
  g_assert_true (hw_test_wait_until (metric_cached, &total_want, WAIT_MS));
  g_assert_true (hw_test_wait_until (metric_cached, &by_want, WAIT_MS));

  total = cached_points (sync, total_key);
  for (guint i = 0; i < total->len; i++)
    g_assert_null (strstr (g_array_index (total, HwMetricPoint, i).labels, "\"type\""));
  by_type = cached_points (sync, by_key);
  for (guint i = 0; i < by_type->len; i++)
    g_assert_nonnull (strstr (g_array_index (by_type, HwMetricPoint, i).labels, "\"type\""));

}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/hub-sync/fills-cache", SyncFixture, NULL,
              sync_fixture_set_up, test_fills_cache, sync_fixture_tear_down);
  g_test_add_func ("/hub-sync/offline-and-resume", test_offline_and_resume);
  g_test_add ("/hub-sync/system-event-updates", SyncFixture, NULL,
              sync_fixture_set_up, test_system_event_updates, sync_fixture_tear_down);
  g_test_add ("/hub-sync/unchanged-lists-are-quiet", SyncFixture, NULL,
              sync_fixture_set_up, test_unchanged_lists_are_quiet, sync_fixture_tear_down);
  g_test_add_func ("/hub-sync/network-drop-mid-sync", test_network_drop_mid_sync);
  g_test_add_func ("/hub-sync/auth-failed", test_auth_failed);
  g_test_add ("/hub-sync/metrics-into-cache", SyncFixture, NULL,
              sync_fixture_set_up, test_metrics_into_cache, sync_fixture_tear_down);
  g_test_add ("/hub-sync/metrics-by-key", SyncFixture, NULL,
              sync_fixture_set_up, test_metrics_by_key, sync_fixture_tear_down);

  return g_test_run ();
}
