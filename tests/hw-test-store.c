/* hw-test-store.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-query.h"
#include "hw-test-store.h"
#include "hw-test-util.h"

void
hw_test_store_set_up (HwTestStoreFixture *fixture,
                      gconstpointer       user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  fixture->dir = hw_test_mkdtemp ();
  path = g_build_filename (fixture->dir, "sub", "events.db", NULL);
  fixture->store = hw_event_store_open (path, HW_EVENT_STORE_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fixture->store);
  g_assert_null (hw_event_store_get_recovery_message (fixture->store));
}

void
hw_test_store_tear_down (HwTestStoreFixture *fixture,
                         gconstpointer       user_data)
{
  g_clear_object (&fixture->store);
  hw_test_rmdir (fixture->dir);
  g_free (fixture->dir);
}

HwEvent *
hw_test_make_event (const char *id,
                    const char *type,
                    gint64      ts_ms,
                    const char *functionname,
                    const char *source,
                    const char *note)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  HwEvent *event;

  json = g_strdup_printf ("{\"id\":\"%s\",\"type\":\"%s\",\"timestamp\":%" G_GINT64_FORMAT ","
                          "\"partitionKey\":\"pk-%s\","
                          "\"tags\":{\"source\":\"%s\",\"functionname\":\"%s\",\"region\":\"eu-1\"},"
                          "\"order\":{\"note\":\"%s\"}}",
                          id, type, ts_ms, id, source, functionname, note);
  event = hw_event_parse (json, -1, NULL, &error);
  g_assert_no_error (error);
  return event;
}

void
hw_test_insert_all (HwEventStore *store,
                    GPtrArray    *events)
{
  g_autoptr(GError) error = NULL;

  hw_event_store_insert (store, (HwEvent **) events->pdata, events->len, NULL, NULL, &error);
  g_assert_no_error (error);
}

gint64
hw_test_store_count (HwEventStore *store,
                     const char   *query_text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HwQuery) query = hw_query_parse (query_text, 0, NULL, &error);
  gint64 n;

  g_assert_no_error (error);
  n = hw_event_store_count (store, query, HW_EVENT_STORE_UNBOUNDED, HW_EVENT_STORE_UNBOUNDED, NULL, &error);
  g_assert_no_error (error);
  return n;
}
