/* test-jetstream-kv.c: KV buckets and leases on a real 3-node JetStream cluster
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-jetstream-kv.h"
#include "hw-jetstream-lease.h"
#include "hw-jetstream-private.h"
#include "hw-jetstream.h"
#include "hw-test-jetstream.h"
#include "hw-test-nats.h"
#include "hw-test-util.h"

/* Short, so that a lapse is seen within the test; the margin a holder
 * keeps is a quarter of it. */
#define LEASE_TTL_MS 2000
#define LEASE_KEY "listener.orders"
/* Between attempts of a holder waiting for a lease, as a replica would. */
#define TAKE_RETRY_US (100 * G_TIME_SPAN_MILLISECOND)

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
  if (fixture->nats != NULL)
    fixture->js = hw_test_jetstream_connect ((const char * const *) fixture->nats->urls);
}

static void
tear_down (Fixture       *fixture,
           gconstpointer  user_data)
{
  g_clear_pointer (&fixture->js, hw_jetstream_free);
  g_clear_pointer (&fixture->nats, hw_test_nats_free);
}

static HwJetStreamKv *
open_bucket (HwJetStream *js,
             const char  *name,
             gint64       ttl_ms)
{
  g_autoptr(GError) error = NULL;
  HwJetStreamKv *kv = hw_jetstream_kv_open (js, name, 3, ttl_ms, &error);

  g_assert_no_error (error);
  g_assert_cmpint (hw_jetstream_kv_get_ttl_ms (kv), ==, ttl_ms);
  return kv;
}

static GBytes *
text (const char *value)
{
  return g_bytes_new (value, strlen (value));
}

typedef guint64 (*Write) (HwJetStreamKv  *kv,
                          const char     *key,
                          GBytes         *value,
                          GError        **error);

/* @write (a put or a create) of @value, which must succeed. */
static guint64
write_or_fail (Write          write,
               HwJetStreamKv *kv,
               const char    *key,
               const char    *value)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = text (value);
  guint64 revision = write (kv, key, bytes, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (revision, >, 0);
  return revision;
}

#define put_or_fail(kv, key, value) write_or_fail (hw_jetstream_kv_put, kv, key, value)
#define create_or_fail(kv, key, value) write_or_fail (hw_jetstream_kv_create, kv, key, value)

/* @key holds @expected at @revision (0: whatever revision). */
static void
assert_value (HwJetStreamKv *kv,
              const char    *key,
              const char    *expected,
              guint64        revision)
{
  g_autoptr(GError) error = NULL;
  guint64 found = 0;
  g_autoptr(GBytes) value = hw_jetstream_kv_get (kv, key, &found, &error);
  g_autoptr(GBytes) wanted = text (expected);

  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (value, wanted));
  if (revision != 0)
    g_assert_cmpuint (found, ==, revision);
}

static void
assert_absent (HwJetStreamKv *kv,
               const char    *key)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) value = hw_jetstream_kv_get (kv, key, NULL, &error);

  g_assert_null (value);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

/* Every write has a revision greater than the last; a bucket opened again
 * (as by another replica) is the same bucket. */
static void
test_put_get (Fixture       *fixture,
              gconstpointer  user_data)
{
  g_autoptr(HwJetStreamKv) kv = NULL;
  g_autoptr(HwJetStreamKv) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) invalid = NULL;
  guint64 first, second;

  if (hw_test_nats_skipped (fixture->nats))
    return;
  kv = open_bucket (fixture->js, "kv", 0);
  g_assert_cmpstr (hw_jetstream_kv_get_bucket (kv), ==, "HW_kv_test_subsystem");

  first = put_or_fail (kv, "job.1", "one");
  assert_value (kv, "job.1", "one", first);
  second = put_or_fail (kv, "job.1", "two");
  g_assert_cmpuint (second, >, first);
  assert_value (kv, "job.1", "two", second);
  assert_absent (kv, "job.2");

  invalid = hw_jetstream_kv_get (kv, "no spaces", NULL, &error);
  g_assert_null (invalid);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);

  again = open_bucket (fixture->js, "kv", 0);
  assert_value (again, "job.1", "two", second);
}

static void
test_create_exists (Fixture       *fixture,
                    gconstpointer  user_data)
{
  g_autoptr(HwJetStreamKv) kv = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) second = text ("second");
  guint64 revision;

  if (hw_test_nats_skipped (fixture->nats))
    return;
  kv = open_bucket (fixture->js, "kv", 0);

  revision = create_or_fail (kv, "job.1", "first");
  g_assert_cmpuint (hw_jetstream_kv_create (kv, "job.1", second, &error), ==, 0);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  assert_value (kv, "job.1", "first", revision);
}

/* Rounds of each race: on 2.9.10 without fences, both writers won about
 * every other round. */
#define RACES 20

typedef struct
{
  HwJetStreamKv *kv;
  const char    *name;
  const char    *key;
  guint64        last;   /* 0: a create */
  gint          *go;
  guint64        revision;
  GError        *error;
} Racer;

static gpointer
race (gpointer user_data)
{
  Racer *racer = user_data;
  g_autoptr(GBytes) value = text (racer->name);

  while (!g_atomic_int_get (racer->go))
    g_thread_yield ();
  if (racer->last == 0)
    racer->revision = hw_jetstream_kv_create (racer->kv, racer->key, value, &racer->error);
  else
    racer->revision = hw_jetstream_kv_update (racer->kv, racer->key, value, racer->last, &racer->error);
  return NULL;
}

/* Two writers, on two connections, write @key from the same revision
 * (0: both create it) at the same moment: exactly one wins, the other is
 * told someone else wrote, and the key holds the winner's value. */
static void
race_once (Racer      *racers,
           const char *key,
           guint64     last)
{
  GThread *threads[2];
  gint go = 0;
  int winner = -1;

  for (guint i = 0; i < 2; i++)
    {
      racers[i].key = key;
      racers[i].last = last;
      racers[i].go = &go;
      racers[i].revision = 0;
      threads[i] = g_thread_new ("racer", race, &racers[i]);
    }
  g_atomic_int_set (&go, 1);
  for (guint i = 0; i < 2; i++)
    g_thread_join (threads[i]);
  for (int i = 0; i < 2; i++)
    {
      if (racers[i].revision != 0)
        {
          g_assert_no_error (racers[i].error);
          g_assert_cmpint (winner, ==, -1);
          winner = i;
        }
      else
        g_assert_error (racers[i].error, G_IO_ERROR, (last == 0 ? G_IO_ERROR_EXISTS : G_IO_ERROR_WRONG_ETAG));
      g_clear_error (&racers[i].error);
    }
  g_assert_cmpint (winner, >=, 0);
  assert_value (racers[0].kv, key, racers[winner].name, racers[winner].revision);
}

/* Two writers with their own connection and handle on the bucket. */
typedef struct
{
  HwJetStream   *other;
  Racer          racers[2];
} Race;

static void
race_init (Race    *race,
           Fixture *fixture)
{
  race->other = hw_test_jetstream_connect ((const char * const *) fixture->nats->urls);
  race->racers[0].kv = open_bucket (fixture->js, "kv", 0);
  race->racers[0].name = "writer-a";
  race->racers[1].kv = open_bucket (race->other, "kv", 0);
  race->racers[1].name = "writer-b";
}

static void
race_clear (Race *race)
{
  for (guint i = 0; i < 2; i++)
    g_clear_pointer (&race->racers[i].kv, hw_jetstream_kv_free);
  g_clear_pointer (&race->other, hw_jetstream_free);
}

static void
test_update_race (Fixture       *fixture,
                  gconstpointer  user_data)
{
  Race race = { NULL };
  HwJetStreamKv *kv;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) stale = text ("stale");
  guint64 revision;

  if (hw_test_nats_skipped (fixture->nats))
    return;
  race_init (&race, fixture);
  kv = race.racers[0].kv;

  revision = put_or_fail (kv, "job.1", "start");
  put_or_fail (race.racers[1].kv, "job.1", "changed");
  g_assert_cmpuint (hw_jetstream_kv_update (kv, "job.1", stale, revision, &error), ==, 0);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WRONG_ETAG);
  g_clear_error (&error);
  assert_value (kv, "job.1", "changed", 0);

  for (guint round = 0; round < RACES; round++)
    {
      g_autoptr(GBytes) value = hw_jetstream_kv_get (kv, "job.1", &revision, &error);

      g_assert_no_error (error);
      g_assert_nonnull (value);
      race_once (race.racers, "job.1", revision);
    }
  race_clear (&race);
}

/* On a key never written, and on one deleted (whose delete marker a
 * create writes over). */
static void
test_create_race (Fixture       *fixture,
                  gconstpointer  user_data)
{
  Race race = { NULL };
  g_autoptr(GError) error = NULL;

  if (hw_test_nats_skipped (fixture->nats))
    return;
  race_init (&race, fixture);

  for (guint round = 0; round < RACES; round++)
    {
      g_autofree char *key = g_strdup_printf ("job.%u", round);

      race_once (race.racers, key, 0);
      g_assert_true (hw_jetstream_kv_delete (race.racers[0].kv, key, &error));
      g_assert_no_error (error);
      race_once (race.racers, key, 0);
    }
  race_clear (&race);
}

/* A deleted key is absent: it can be created again; a delete from a
 * stale revision is refused. */
static void
test_delete_then_create (Fixture       *fixture,
                         gconstpointer  user_data)
{
  g_autoptr(HwJetStreamKv) kv = NULL;
  g_autoptr(GError) error = NULL;
  guint64 first, second;

  if (hw_test_nats_skipped (fixture->nats))
    return;
  kv = open_bucket (fixture->js, "kv", 0);

  first = put_or_fail (kv, "job.1", "v1");
  g_assert_true (hw_jetstream_kv_delete (kv, "job.1", &error));
  g_assert_no_error (error);
  assert_absent (kv, "job.1");
  second = create_or_fail (kv, "job.1", "v2");
  g_assert_cmpuint (second, >, first);

  g_assert_false (hw_jetstream_kv_delete_if (kv, "job.1", first, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WRONG_ETAG);
  g_clear_error (&error);
  assert_value (kv, "job.1", "v2", second);
  g_assert_true (hw_jetstream_kv_delete_if (kv, "job.1", second, &error));
  g_assert_no_error (error);
  assert_absent (kv, "job.1");
  create_or_fail (kv, "job.1", "v3");

  g_assert_true (hw_jetstream_kv_delete (kv, "never-written", &error));
  g_assert_no_error (error);
}

static void
assert_keys (HwJetStreamKv      *kv,
             const char * const *expected)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) keys = hw_jetstream_kv_keys (kv, &error);

  g_assert_no_error (error);
  g_assert_true (g_strv_equal ((const char * const *) keys, expected));
}

static void
test_keys (Fixture       *fixture,
           gconstpointer  user_data)
{
  const char * const none[] = { NULL };
  const char * const present[] = { "a", "c.1", NULL };
  g_autoptr(HwJetStreamKv) kv = NULL;
  g_autoptr(GError) error = NULL;

  if (hw_test_nats_skipped (fixture->nats))
    return;
  kv = open_bucket (fixture->js, "kv", 0);

  assert_keys (kv, none);
  put_or_fail (kv, "c.1", "3");
  put_or_fail (kv, "b", "2");
  put_or_fail (kv, "a", "1");
  g_assert_true (hw_jetstream_kv_delete (kv, "b", &error));
  g_assert_no_error (error);
  assert_keys (kv, present);
}

typedef struct
{
  HwJetStreamKv *kv;
  const char    *key;
} KeyProbe;

static gboolean
key_absent (gpointer user_data)
{
  KeyProbe *probe = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) value = hw_jetstream_kv_get (probe->kv, probe->key, NULL, &error);

  return value == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

/* What a lease relies on: an entry expires TTL after it was written, not
 * before; an expired key is absent, to be created again, and a write from
 * its last revision is refused. */
static void
test_expired_key (Fixture       *fixture,
                  gconstpointer  user_data)
{
  const gint64 ttl_ms = 1000;
  g_autoptr(HwJetStreamKv) kv = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) late = text ("late");
  KeyProbe probe = { NULL, "job.1" };
  gint64 written, gone;
  guint64 revision;

  if (hw_test_nats_skipped (fixture->nats))
    return;
  kv = open_bucket (fixture->js, "ttl", ttl_ms);
  probe.kv = kv;

  written = g_get_monotonic_time ();
  revision = create_or_fail (kv, "job.1", "short-lived");
  g_assert_true (hw_test_wait_until (key_absent, &probe, ttl_ms + 10000));
  gone = g_get_monotonic_time ();
  g_test_message ("expired %" G_GINT64_FORMAT " ms after it was written (TTL %" G_GINT64_FORMAT " ms)",
                  (gone - written) / G_TIME_SPAN_MILLISECOND, ttl_ms);
  g_assert_cmpint (gone - written, >=, ttl_ms * G_TIME_SPAN_MILLISECOND);

  g_assert_cmpuint (hw_jetstream_kv_update (kv, "job.1", late, revision, &error), ==, 0);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WRONG_ETAG);
  g_assert_cmpuint (create_or_fail (kv, "job.1", "again"), >, revision);
}

/* Watches ----------------------------------------------------------------- */

/* The watch tests share one cluster, each in a bucket of its own: starting
 * one takes seconds. The first of them starts it, main() stops it. */
static HwTestNats *shared_nats;

static void
set_up_shared (Fixture       *fixture,
               gconstpointer  user_data)
{
  if (shared_nats == NULL)
    shared_nats = hw_test_nats_try_start (3);
  fixture->nats = shared_nats;
  if (fixture->nats != NULL)
    fixture->js = hw_test_jetstream_connect ((const char * const *) fixture->nats->urls);
}

static void
tear_down_shared (Fixture       *fixture,
                  gconstpointer  user_data)
{
  g_clear_pointer (&fixture->js, hw_jetstream_free);
  fixture->nats = NULL;
}

/* Long enough for a change on a loaded machine; a test waits this long
 * only when it fails. */
#define WATCH_WAIT_MS 5000

/* The next change is to @key, with @value (NULL: deleted), at a revision
 * after *@last, which it becomes. */
static void
assert_change (HwJetStreamKvWatch *watch,
               const char         *key,
               const char         *value,
               guint64            *last)
{
  g_auto(HwJetStreamKvChange) change = { NULL };
  g_autoptr(GError) error = NULL;

  g_assert_true (hw_jetstream_kv_watch_next (watch, WATCH_WAIT_MS, &change, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (change.key, ==, key);
  if (value == NULL)
    g_assert_null (change.value);
  else
    {
      g_autoptr(GBytes) wanted = text (value);

      g_assert_nonnull (change.value);
      g_assert_true (g_bytes_equal (change.value, wanted));
    }
  g_assert_cmpuint (change.revision, >, *last);
  *last = change.revision;
}

/* Nothing more has come. */
static void
assert_no_change (HwJetStreamKvWatch *watch)
{
  g_auto(HwJetStreamKvChange) change = { NULL };
  g_autoptr(GError) error = NULL;

  g_assert_false (hw_jetstream_kv_watch_next (watch, 0, &change, &error));
  g_assert_no_error (error);
  g_assert_null (change.key);
}

static HwJetStreamKvWatch *
watch_or_fail (HwJetStreamKv *kv,
               const char    *pattern)
{
  g_autoptr(GError) error = NULL;
  HwJetStreamKvWatch *watch = hw_jetstream_kv_watch (kv, pattern, &error);

  g_assert_no_error (error);
  g_assert_nonnull (watch);
  return watch;
}

/* A purge of @key, as libnats writes it for a client that is not ours:
 * the wrapper itself writes none. */
static void
purge (HwJetStream   *js,
       HwJetStreamKv *kv,
       const char    *key)
{
  jsCtx *context = NULL;
  kvStore *store = NULL;

  g_assert_cmpint (natsConnection_JetStream (&context, hw_jetstream_get_connection (js), NULL), ==, NATS_OK);
  g_assert_cmpint (js_KeyValue (&store, context, hw_jetstream_kv_get_bucket (kv)), ==, NATS_OK);
  g_assert_cmpint (kvStore_Purge (store, key, NULL), ==, NATS_OK);
  kvStore_Destroy (store);
  jsCtx_Destroy (context);
}

/* Each key's value once, then each write as it happens: a put, an update
 * (whose fence, in another bucket, does not show), then without a
 * value a delete, a compare-and-set delete and a purge. */
static void
test_watch_initial_then_changes (Fixture       *fixture,
                                 gconstpointer  user_data)
{
  g_autoptr(HwJetStreamKv) kv = NULL;
  g_autoptr(HwJetStreamKvWatch) watch = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) updated = text ("a2");
  guint64 last = 0, a, d;

  if (hw_test_nats_skipped (fixture->nats))
    return;
  kv = open_bucket (fixture->js, "watch", 0);
  a = put_or_fail (kv, "a", "a1");
  put_or_fail (kv, "b", "b1");
  put_or_fail (kv, "c", "c1");

  watch = watch_or_fail (kv, NULL);
  assert_change (watch, "a", "a1", &last);
  assert_change (watch, "b", "b1", &last);
  g_assert_false (hw_jetstream_kv_watch_is_current (watch));
  assert_change (watch, "c", "c1", &last);
  g_assert_true (hw_jetstream_kv_watch_is_current (watch));
  assert_no_change (watch);

  d = put_or_fail (kv, "d", "d1");
  assert_change (watch, "d", "d1", &last);
  g_assert_cmpuint (last, ==, d);
  a = hw_jetstream_kv_update (kv, "a", updated, a, &error);
  g_assert_no_error (error);
  assert_change (watch, "a", "a2", &last);
  g_assert_cmpuint (last, ==, a);
  g_assert_true (hw_jetstream_kv_delete (kv, "b", &error));
  g_assert_no_error (error);
  assert_change (watch, "b", NULL, &last);
  g_assert_true (hw_jetstream_kv_delete_if (kv, "d", d, &error));
  g_assert_no_error (error);
  assert_change (watch, "d", NULL, &last);
  purge (fixture->js, kv, "c");
  assert_change (watch, "c", NULL, &last);
  assert_no_change (watch);
}

/* Only the keys the pattern matches, at first and later; a pattern that
 * is not one is refused. */
static void
test_watch_pattern (Fixture       *fixture,
                    gconstpointer  user_data)
{
  g_autoptr(HwJetStreamKv) kv = NULL;
  g_autoptr(HwJetStreamKvWatch) watch = NULL;
  g_autoptr(HwJetStreamKvWatch) invalid = NULL;
  g_autoptr(GError) error = NULL;
  guint64 last = 0;

  if (hw_test_nats_skipped (fixture->nats))
    return;
  kv = open_bucket (fixture->js, "watch-pattern", 0);
  put_or_fail (kv, "job.a", "1");
  put_or_fail (kv, "idem.x", "2");
  put_or_fail (kv, "job.b", "3");

  watch = watch_or_fail (kv, "job.>");
  assert_change (watch, "job.a", "1", &last);
  assert_change (watch, "job.b", "3", &last);
  g_assert_true (hw_jetstream_kv_watch_is_current (watch));
  /* Written in this order: had the first shown, it would come first. */
  put_or_fail (kv, "idem.x", "4");
  put_or_fail (kv, "job.a", "5");
  assert_change (watch, "job.a", "5", &last);
  assert_no_change (watch);

  invalid = hw_jetstream_kv_watch (kv, "job.>.x", &error);
  g_assert_null (invalid);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

/* Leases ------------------------------------------------------------------ */

/* Two replicas, each with its own connection and handle on the bucket. */
typedef struct
{
  HwJetStream      *js;
  HwJetStreamKv    *kv;
  HwJetStreamLease *lease;
} Replica;

static void
replica_init (Replica            *replica,
              const char * const *urls,
              const char         *holder)
{
  replica->js = hw_test_jetstream_connect (urls);
  replica->kv = open_bucket (replica->js, "leases", LEASE_TTL_MS);
  replica->lease = hw_jetstream_lease_new (replica->kv, LEASE_KEY, holder);
}

static void
replica_clear (Replica *replica)
{
  g_clear_pointer (&replica->lease, hw_jetstream_lease_free);
  g_clear_pointer (&replica->kv, hw_jetstream_kv_free);
  g_clear_pointer (&replica->js, hw_jetstream_free);
}

/* Replicas a and b, both on every server. */
static void
replicas_init (Fixture *fixture,
               Replica *a,
               Replica *b)
{
  const char * const *urls = (const char * const *) fixture->nats->urls;

  replica_init (a, urls, "replica-a");
  replica_init (b, urls, "replica-b");
}

static void
assert_takes (Replica *replica)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (hw_jetstream_lease_refresh (replica->lease, &error));
  g_assert_no_error (error);
  g_assert_true (hw_jetstream_lease_is_held (replica->lease));
}

static void
assert_busy (Replica *replica)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (hw_jetstream_lease_refresh (replica->lease, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_assert_false (hw_jetstream_lease_is_held (replica->lease));
}

/* A replica trying for the lease every TAKE_RETRY_US. */
typedef struct
{
  HwJetStreamLease *lease;
  gint64            next_try;
  char             *last_error;   /* told once, not at every try */
} Taker;

static gboolean
takes (gpointer user_data)
{
  Taker *taker = user_data;
  g_autoptr(GError) error = NULL;

  if (g_get_monotonic_time () < taker->next_try)
    return FALSE;
  taker->next_try = g_get_monotonic_time () + TAKE_RETRY_US;
  if (hw_jetstream_lease_refresh (taker->lease, &error))
    return TRUE;
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BUSY) && g_strcmp0 (error->message, taker->last_error) != 0)
    g_test_message ("taking the lease: %s", error->message);
  g_free (taker->last_error);
  taker->last_error = g_strdup (error->message);
  return FALSE;
}

/* A holder that can no longer renew, watched until it lets go. */
typedef struct
{
  HwJetStreamLease *lease;
  gint64            written;   /* before its last successful refresh */
} CutOff;

static gboolean
lets_go (gpointer user_data)
{
  CutOff *cut_off = user_data;

  if (!hw_jetstream_lease_is_held (cut_off->lease))
    return TRUE;
  /* Never held once another could take it: TTL after its last write. */
  g_assert_cmpint (g_get_monotonic_time () - cut_off->written, <, LEASE_TTL_MS * G_TIME_SPAN_MILLISECOND);
  return FALSE;
}

/* One holder at a time, however often each refreshes; the same holder
 * name on another lease object is another holder. */
static void
test_lease_one_holder (Fixture       *fixture,
                       gconstpointer  user_data)
{
  Replica a = { NULL }, b = { NULL };
  g_autoptr(HwJetStreamLease) impostor = NULL;
  g_autoptr(GError) error = NULL;

  if (hw_test_nats_skipped (fixture->nats))
    return;
  replicas_init (fixture, &a, &b);

  assert_takes (&a);
  for (guint i = 0; i < 5; i++)
    {
      assert_busy (&b);
      assert_takes (&a);
    }
  impostor = hw_jetstream_lease_new (b.kv, LEASE_KEY, "replica-a");
  g_assert_false (hw_jetstream_lease_refresh (impostor, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);

  replica_clear (&a);
  replica_clear (&b);
}

/* A holder that stops refreshing stops believing it holds the lease
 * before the other can take it, which it can once the TTL has passed; a
 * late release by the old holder leaves the new holder's lease alone. */
static void
test_lease_lapses (Fixture       *fixture,
                   gconstpointer  user_data)
{
  Replica a = { NULL }, b = { NULL };
  Taker taker = { NULL, 0, NULL };
  gint64 started, taken;

  if (hw_test_nats_skipped (fixture->nats))
    return;
  replicas_init (fixture, &a, &b);
  taker.lease = b.lease;

  started = g_get_monotonic_time ();
  assert_takes (&a);
  g_assert_true (hw_test_wait_until (takes, &taker, LEASE_TTL_MS + 10000));
  taken = g_get_monotonic_time ();
  g_test_message ("taken over %" G_GINT64_FORMAT " ms after the first holder's last write",
                  (taken - started) / G_TIME_SPAN_MILLISECOND);
  g_assert_cmpint (taken - started, >=, LEASE_TTL_MS * G_TIME_SPAN_MILLISECOND);
  g_assert_false (hw_jetstream_lease_is_held (a.lease));

  hw_jetstream_lease_release (a.lease);
  assert_takes (&b);
  assert_busy (&a);

  g_free (taker.last_error);
  replica_clear (&a);
  replica_clear (&b);
}

static void
test_lease_release (Fixture       *fixture,
                    gconstpointer  user_data)
{
  Replica a = { NULL }, b = { NULL };

  if (hw_test_nats_skipped (fixture->nats))
    return;
  replicas_init (fixture, &a, &b);

  assert_takes (&a);
  assert_busy (&b);
  hw_jetstream_lease_release (a.lease);
  g_assert_false (hw_jetstream_lease_is_held (a.lease));
  /* At once: no waiting for the TTL. */
  assert_takes (&b);
  assert_busy (&a);

  replica_clear (&a);
  replica_clear (&b);
}

/* The holder's server is killed, and another with it: the client would
 * reconnect to a survivor (it learns of every server from the cluster),
 * but two servers of three are down, so nothing can be written. Its
 * renewals fail, and it stops believing it holds the lease by its local
 * deadline. Once a second server is back, the other replica, on the
 * servers that came through, takes the lease, after the TTL. */
static void
test_lease_holder_cut_off (Fixture       *fixture,
                           gconstpointer  user_data)
{
  Replica a = { NULL }, b = { NULL };
  Taker taker = { NULL, 0, NULL };
  CutOff cut_off = { NULL, 0 };
  g_autoptr(GError) error = NULL;

  if (hw_test_nats_skipped (fixture->nats))
    return;
  {
    const char * const n0[] = { fixture->nats->urls[0], NULL };
    const char * const others[] = { fixture->nats->urls[1], fixture->nats->urls[2], NULL };

    replica_init (&a, n0, "replica-a");
    replica_init (&b, others, "replica-b");
  }
  taker.lease = b.lease;
  cut_off.lease = a.lease;

  cut_off.written = g_get_monotonic_time ();
  assert_takes (&a);
  hw_test_nats_kill (fixture->nats, 0);
  hw_test_nats_kill (fixture->nats, 1);

  g_assert_false (hw_jetstream_lease_refresh (a.lease, &error));
  g_test_message ("renewing without a quorum: %s", error->message);
  g_assert_true (hw_test_wait_until (lets_go, &cut_off, LEASE_TTL_MS));

  hw_test_nats_restart (fixture->nats, 1);
  /* Meanwhile the cluster elects leaders again. */
  g_assert_true (hw_test_wait_until (takes, &taker, LEASE_TTL_MS + 30000));
  g_assert_false (hw_jetstream_lease_is_held (a.lease));

  g_free (taker.last_error);
  replica_clear (&a);
  replica_clear (&b);
}

int
main (int   argc,
      char *argv[])
{
  int result;

  g_test_init (&argc, &argv, NULL);

  g_test_add ("/jetstream-kv/put-get", Fixture, NULL, set_up, test_put_get, tear_down);
  g_test_add ("/jetstream-kv/create-exists", Fixture, NULL, set_up, test_create_exists, tear_down);
  g_test_add ("/jetstream-kv/update-race", Fixture, NULL, set_up, test_update_race, tear_down);
  g_test_add ("/jetstream-kv/create-race", Fixture, NULL, set_up, test_create_race, tear_down);
  g_test_add ("/jetstream-kv/delete-then-create", Fixture, NULL, set_up, test_delete_then_create, tear_down);
  g_test_add ("/jetstream-kv/keys", Fixture, NULL, set_up, test_keys, tear_down);
  g_test_add ("/jetstream-kv/expired-key", Fixture, NULL, set_up, test_expired_key, tear_down);
  g_test_add ("/jetstream-kv/watch-initial-then-changes", Fixture, NULL, set_up_shared,
              test_watch_initial_then_changes, tear_down_shared);
  g_test_add ("/jetstream-kv/watch-pattern", Fixture, NULL, set_up_shared, test_watch_pattern, tear_down_shared);
  g_test_add ("/jetstream-lease/one-holder", Fixture, NULL, set_up, test_lease_one_holder, tear_down);
  g_test_add ("/jetstream-lease/lapses", Fixture, NULL, set_up, test_lease_lapses, tear_down);
  g_test_add ("/jetstream-lease/release", Fixture, NULL, set_up, test_lease_release, tear_down);
  g_test_add ("/jetstream-lease/holder-cut-off", Fixture, NULL, set_up, test_lease_holder_cut_off, tear_down);

  result = g_test_run ();
  g_clear_pointer (&shared_nats, hw_test_nats_free);
  return result;
}
