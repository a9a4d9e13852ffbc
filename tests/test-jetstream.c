/* test-jetstream.c: the lake on a real 3-node JetStream cluster keeps every acknowledged event
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-event-store.h"
#include "hw-jetstream-mirror.h"
#include "hw-jetstream.h"
#include "hw-test-jetstream.h"
#include "hw-test-nats.h"
#include "hw-test-store.h"
#include "hw-test-util.h"

#define BATCH 100

typedef struct
{
  HwTestNats  *nats;
  HwJetStream *js;
} Fixture;

static void
set_up (Fixture       *fixture,
        gconstpointer  user_data)
{
  fixture->nats = hw_test_nats_try_start (3);
  if (fixture->nats == NULL)
    return;
  fixture->js = hw_test_jetstream_connect ((const char * const *) fixture->nats->urls);
  g_assert_cmpstr (hw_jetstream_get_stream (fixture->js), ==, "HW_LAKE_test_subsystem");
}

static void
tear_down (Fixture       *fixture,
           gconstpointer  user_data)
{
  g_clear_pointer (&fixture->js, hw_jetstream_free);
  g_clear_pointer (&fixture->nats, hw_test_nats_free);
}

static GBytes *
event_json (guint n)
{
  char *json = g_strdup_printf ("{\"id\":\"js-%06u\",\"type\":\"order-created\",\"timestamp\":%" G_GINT64_FORMAT "}",
                                n, G_GINT64_CONSTANT (1714737600000) + n);

  return g_bytes_new_take (json, strlen (json));
}

/* Events first..first+n-1, their ids in @ids and JSON in @payloads. */
static void
make_batch (guint       first,
            guint       n,
            GPtrArray  *ids,
            GPtrArray  *payloads)
{
  for (guint i = first; i < first + n; i++)
    {
      g_ptr_array_add (ids, g_strdup_printf ("js-%06u", i));
      g_ptr_array_add (payloads, event_json (i));
    }
}

static void
publish_or_fail (HwJetStream       *js,
                 GPtrArray         *ids,
                 GPtrArray         *payloads,
                 HwJetStreamResult *results)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (hw_jetstream_publish (js, (const char * const *) ids->pdata, (GBytes * const *) payloads->pdata,
                                       ids->len, results, &error));
  g_assert_no_error (error);
}

static void
assert_stored_at (HwJetStream *js,
                  guint64      seq,
                  GBytes      *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) stored = hw_jetstream_get (js, seq, &error);

  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (stored, expected));
}

/* Every event is stored once, in order; the same ids again are
 * duplicates with their first sequence. */
static void
test_publish_and_read (Fixture       *fixture,
                       gconstpointer  user_data)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) payloads = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autofree HwJetStreamResult *results = g_new0 (HwJetStreamResult, 10 * BATCH);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) missing = NULL;

  if (hw_test_nats_skipped (fixture->nats))
    return;

  make_batch (0, 10 * BATCH, ids, payloads);
  publish_or_fail (fixture->js, ids, payloads, results);
  for (guint i = 0; i < ids->len; i++)
    {
      g_assert_cmpint (results[i].status, ==, HW_JETSTREAM_STORED);
      g_assert_cmpuint (results[i].seq, ==, i + 1);
    }
  g_assert_cmpint (hw_jetstream_last_seq (fixture->js, &error), ==, 10 * BATCH);
  assert_stored_at (fixture->js, 1, g_ptr_array_index (payloads, 0));
  assert_stored_at (fixture->js, 777, g_ptr_array_index (payloads, 776));

  publish_or_fail (fixture->js, ids, payloads, results);
  for (guint i = 0; i < ids->len; i++)
    {
      g_assert_cmpint (results[i].status, ==, HW_JETSTREAM_DUPLICATE);
      g_assert_cmpuint (results[i].seq, ==, i + 1);
    }
  g_assert_cmpint (hw_jetstream_last_seq (fixture->js, &error), ==, 10 * BATCH);

  missing = hw_jetstream_get (fixture->js, 5000, &error);
  g_assert_null (missing);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

/* A producer's loop: each batch until every event in it is acknowledged,
 * sending the unacknowledged ones again with the same ids. Records each
 * event's sequence in @seqs (by event number). */
static void
publish_until_acknowledged (HwJetStream *js,
                            guint        first,
                            guint        n,
                            guint64     *seqs)
{
  g_autofree HwJetStreamResult *results = g_new0 (HwJetStreamResult, n);
  g_autoptr(GArray) waiting = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint i = first; i < first + n; i++)
    g_array_append_val (waiting, i);
  for (guint attempt = 0; waiting->len > 0; attempt++)
    {
      g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GPtrArray) payloads = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
      g_autoptr(GArray) still = g_array_new (FALSE, FALSE, sizeof (guint));

      g_assert_cmpuint (attempt, <, 10);
      for (guint i = 0; i < waiting->len; i++)
        make_batch (g_array_index (waiting, guint, i), 1, ids, payloads);
      publish_or_fail (js, ids, payloads, results);
      for (guint i = 0; i < waiting->len; i++)
        {
          guint number = g_array_index (waiting, guint, i);

          if (results[i].status == HW_JETSTREAM_FAILED)
            {
              g_test_message ("event %u not acknowledged: %s", number, results[i].error);
              g_array_append_val (still, number);
            }
          else
            seqs[number] = results[i].seq;
          hw_jetstream_result_clear (&results[i]);
        }
      g_array_set_size (waiting, 0);
      g_array_append_vals (waiting, still->data, still->len);
    }
}

/* SIGKILL of the server the hub talks to, mid-ingest: the client moves
 * to another, the stream keeps its quorum, and every event JetStream
 * acknowledged is there, once, at the sequence it was given. */
static void
test_kill_node_during_ingest (Fixture       *fixture,
                              gconstpointer  user_data)
{
  const guint batches = 30;
  g_autofree guint64 *seqs = g_new0 (guint64, batches * BATCH);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GError) error = NULL;
  int victim = -1;

  if (hw_test_nats_skipped (fixture->nats))
    return;

  for (guint b = 0; b < batches; b++)
    {
      if (b == 10)
        {
          g_autofree char *server = hw_jetstream_dup_server (fixture->js);

          victim = hw_test_nats_index_of (fixture->nats, server);
          g_assert_cmpint (victim, >=, 0);
          g_test_message ("killing n%d (%s) after %u events", victim, server, b * BATCH);
          hw_test_nats_kill (fixture->nats, (guint) victim);
        }
      publish_until_acknowledged (fixture->js, b * BATCH, BATCH, seqs);
    }

  for (guint i = 0; i < batches * BATCH; i++)
    {
      g_autoptr(GBytes) expected = event_json (i);

      g_assert_cmpuint (seqs[i], >, 0);
      g_assert_false (g_hash_table_contains (seen, &seqs[i]));
      g_hash_table_add (seen, &seqs[i]);
      assert_stored_at (fixture->js, seqs[i], expected);
    }
  g_assert_cmpint (hw_jetstream_last_seq (fixture->js, &error), ==, batches * BATCH);
  g_assert_no_error (error);

  /* Back in the cluster, the node catches up; the stream still answers. */
  hw_test_nats_restart (fixture->nats, (guint) victim);
  g_assert_cmpint (hw_jetstream_last_seq (fixture->js, &error), ==, batches * BATCH);
  g_assert_no_error (error);
}

static void
publish_range (HwJetStream *js,
               guint        first,
               guint        n)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) payloads = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autofree HwJetStreamResult *results = g_new0 (HwJetStreamResult, n);

  make_batch (first, n, ids, payloads);
  publish_or_fail (js, ids, payloads, results);
  for (guint i = 0; i < n; i++)
    g_assert_cmpint (results[i].status, ==, HW_JETSTREAM_STORED);
}

/* Mirrors the stream into a fresh store until it holds @expected events,
 * under the stream's sequence numbers. */
static void
mirror_and_check (HwJetStream *js,
                  const char  *path,
                  guint        expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HwEventStore) store = hw_event_store_open (path, HW_EVENT_STORE_NO_RECOVER, &error);
  g_autoptr(HwJetStreamMirror) mirror = NULL;

  g_assert_no_error (error);
  mirror = hw_jetstream_mirror_start (js, store, NULL, NULL);
  g_assert_true (hw_jetstream_mirror_wait (mirror, expected, hw_test_scale_ms (20000), NULL));
  g_assert_cmpint (hw_event_store_get_max_seq (store, &error), ==, expected);
  g_assert_cmpint (hw_test_store_count (store, ""), ==, expected);
  g_assert_cmpint (hw_test_store_count (store, "order"), ==, expected);
  g_assert_cmpint (hw_test_store_count (store, "id:js-000042"), ==, 1);
  g_clear_pointer (&mirror, hw_jetstream_mirror_free);
}

/* A replica's store follows the stream, and one whose data was deleted
 * is filled again from the start. */
static void
test_mirror (Fixture       *fixture,
             gconstpointer  user_data)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;

  if (hw_test_nats_skipped (fixture->nats))
    return;
  dir = hw_test_mkdtemp ();
  path = g_build_filename (dir, "lake.db", NULL);

  publish_range (fixture->js, 0, 5 * BATCH);
  mirror_and_check (fixture->js, path, 5 * BATCH);
  /* Reopened, it goes on from where it was. */
  publish_range (fixture->js, 5 * BATCH, 2 * BATCH);
  mirror_and_check (fixture->js, path, 7 * BATCH);

  hw_test_rmdir (dir);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  mirror_and_check (fixture->js, path, 7 * BATCH);
  hw_test_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/jetstream/publish-and-read", Fixture, NULL, set_up, test_publish_and_read, tear_down);
  g_test_add ("/jetstream/mirror", Fixture, NULL, set_up, test_mirror, tear_down);
  g_test_add ("/jetstream/kill-node-during-ingest", Fixture, NULL, set_up, test_kill_node_during_ingest,
              tear_down);

  return g_test_run ();
}
