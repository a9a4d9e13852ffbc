/* hw-jetstream-lease.c: one holder at a time for a key in a KV bucket
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A lease is taken only by creating the key, and renewed only by its
 * holder, with a compare-and-set from the revision of its own last write.
 * A holder never takes over a key that holds its name without having
 * written it (a write of its own that timed out but landed): the key
 * might then hold it after another holder's create, which that one
 * believes in until its next renewal fails. Such a key lapses instead.
 */
#include "config.h"

#include <string.h>

#include "hw-jetstream-lease.h"

/* A holder counts on its lease for TTL minus this fraction of it after a
 * write. The key expires TTL after the cluster stored the write, judged
 * by the stream leader's wall clock; the margin covers that clock being
 * ahead of ours or stepped, and a new leader's clock differing from the
 * one that stamped the write. */
#define SAFETY_FRACTION 4

struct _HwJetStreamLease
{
  HwJetStreamKv *kv;
  char          *key;
  GBytes        *holder;
  /* Of our last write JetStream acknowledged; 0 when we hold nothing. */
  guint64        revision;
  /* Monotonic µs, read before that write was sent: it landed later, so
   * the key expires no earlier than TTL after this. */
  gint64         written;
};

HwJetStreamLease *
hw_jetstream_lease_new (HwJetStreamKv *kv,
                        const char    *key,
                        const char    *holder)
{
  HwJetStreamLease *lease;

  g_return_val_if_fail (kv != NULL && key != NULL && holder != NULL, NULL);

  lease = g_new0 (HwJetStreamLease, 1);
  lease->kv = kv;
  lease->key = g_strdup (key);
  lease->holder = g_bytes_new (holder, strlen (holder));
  return lease;
}

void
hw_jetstream_lease_free (HwJetStreamLease *lease)
{
  if (lease == NULL)
    return;
  g_free (lease->key);
  g_bytes_unref (lease->holder);
  g_free (lease);
}

static gint64
ttl_us (HwJetStreamLease *lease)
{
  return hw_jetstream_kv_get_ttl_ms (lease->kv) * G_TIME_SPAN_MILLISECOND;
}

static void
forget (HwJetStreamLease *lease)
{
  lease->revision = 0;
  lease->written = 0;
}

static guint64
take (HwJetStreamLease  *lease,
      GError           **error)
{
  g_autoptr(GError) local = NULL;
  guint64 revision = hw_jetstream_kv_create (lease->kv, lease->key, lease->holder, &local);

  if (revision == 0 && g_error_matches (local, G_IO_ERROR, G_IO_ERROR_EXISTS))
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY, "the lease %s is held by another holder", lease->key);
  else if (local != NULL)
    g_propagate_error (error, g_steal_pointer (&local));
  return revision;
}

/* Only while held: a renewal sent later could land just as the key
 * expires, and a create by another holder land too (nats-server 2.9
 * checks an update's expected revision only before replicating it). */
static guint64
renew (HwJetStreamLease  *lease,
       GError           **error)
{
  g_autoptr(GError) local = NULL;
  guint64 revision = hw_jetstream_kv_update (lease->kv, lease->key, lease->holder, lease->revision, &local);

  if (revision != 0 || !g_error_matches (local, G_IO_ERROR, G_IO_ERROR_WRONG_ETAG))
    {
      if (local != NULL)
        g_propagate_error (error, g_steal_pointer (&local));
      return revision;
    }
  /* It expired, or was written since: not ours any more, perhaps free. */
  forget (lease);
  return take (lease, error);
}

/* After a successful write begun at @started: FALSE, forgetting the
 * lease, when its answer came too late to rely on. */
static gboolean
accept_write (HwJetStreamLease  *lease,
              guint64            revision,
              gint64             started,
              gint64             previous,
              GError           **error)
{
  lease->revision = revision;
  lease->written = started;
  /* A renewal answered after the previous write could have expired may
   * have landed after another holder's create. */
  if (hw_jetstream_lease_is_held (lease) && (previous == 0 || g_get_monotonic_time () < previous + ttl_us (lease)))
    return TRUE;
  forget (lease);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "the lease %s was written too late to rely on", lease->key);
  return FALSE;
}

gboolean
hw_jetstream_lease_refresh (HwJetStreamLease  *lease,
                            GError           **error)
{
  gint64 started = g_get_monotonic_time ();
  gint64 previous;
  guint64 revision;

  if (ttl_us (lease) <= 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "the bucket %s has no TTL: a lease would never lapse",
                   hw_jetstream_kv_get_bucket (lease->kv));
      return FALSE;
    }
  if (!hw_jetstream_lease_is_held (lease))
    forget (lease);
  previous = lease->written;
  /* After a failure the last write still stands: nobody can take the key
   * before it expires, and the next refresh may still renew it. */
  revision = lease->revision != 0 ? renew (lease, error) : take (lease, error);
  if (revision == 0)
    return FALSE;
  return accept_write (lease, revision, started, lease->revision != 0 ? previous : 0, error);
}

gint64
hw_jetstream_lease_get_held_until (HwJetStreamLease *lease)
{
  gint64 held_us = ttl_us (lease) - ttl_us (lease) / SAFETY_FRACTION;

  if (lease->revision == 0 || g_get_monotonic_time () >= lease->written + held_us)
    return 0;
  return lease->written + held_us;
}

gboolean
hw_jetstream_lease_is_held (HwJetStreamLease *lease)
{
  return hw_jetstream_lease_get_held_until (lease) != 0;
}

void
hw_jetstream_lease_release (HwJetStreamLease *lease)
{
  g_autoptr(GError) error = NULL;

  if (lease->revision != 0 && !hw_jetstream_lease_is_held (lease))
    g_debug ("the lease %s is not released: it may have lapsed, and been taken", lease->key);
  else if (lease->revision != 0 && !hw_jetstream_kv_delete_if (lease->kv, lease->key, lease->revision, &error))
    g_debug ("the lease %s was not released (it lapses after the TTL): %s", lease->key, error->message);
  forget (lease);
}
