/* hw-hub-listeners-shared-leases.c: which listeners' leases a replica holds, and their published statuses
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The part of HwHubListenersShared that decides which leases this replica
 * takes, keeps and hands over, and publishes the statuses (checkpoints)
 * of those it holds, for whoever takes over.
 */
#include "config.h"

#include <string.h>

#include "hw-hub-listeners-shared-private.h"

/* A status that did not change is written again this often, so the other
 * replicas see it is current. */
#define STATUS_REWRITE_US   (10 * G_TIME_SPAN_SECOND)

void
hw_hub_listeners_shared_held_free (Held *held)
{
  hw_jetstream_lease_free (held->lease);
  g_free (held->written_status);
  g_free (held);
}

static Held *
held_for (HwHubListenersShared *self,
          const char           *name)
{
  Held *held = g_hash_table_lookup (self->held, name);

  if (held == NULL)
    {
      g_autofree char *key = hw_hub_listeners_shared_key_for (LEASE_PREFIX, name);

      held = g_new0 (Held, 1);
      held->lease = hw_jetstream_lease_new (self->base.leases, key, hw_hub_replica_get_name (self->base.replica));
      g_hash_table_insert (self->held, g_strdup (name), held);
    }
  return held;
}

static guint
count_held (HwHubListenersShared *self)
{
  GHashTableIter iter;
  Held *held;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->held);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &held))
    n += hw_jetstream_lease_is_held (held->lease);
  return n;
}

/* Listeners are shared out evenly: a replica takes a free lease only
 * below its share, and gives up one a tick above it, once another replica
 * came up. */
static guint
fair_share (HwHubListenersShared *self,
            GStrv                 wanted)
{
  guint n_live = MAX (hw_hub_replica_count_live (self->base.replica), 1);
  guint n_wanted = wanted != NULL ? g_strv_length (wanted) : 0;

  return (n_wanted + n_live - 1) / n_live;
}

static void
write_status (HwHubListenersShared *self,
              const char           *name,
              Held                 *held,
              const char           *status)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  g_autofree char *record = NULL;
  g_autoptr(GBytes) value = NULL;
  gint64 now = g_get_monotonic_time ();

  if (g_strcmp0 (status, held->written_status) == 0 && now - held->written_at < STATUS_REWRITE_US)
    return;
  key = hw_hub_listeners_shared_key_for (STATUS_PREFIX, name);
  /* The replica name is canonicalized: nothing in it needs escaping. */
  record = g_strdup_printf ("{\"holder\":\"%s\",\"at\":%" G_GINT64_FORMAT ",\"status\":%s}",
                            hw_hub_replica_get_name (self->base.replica), g_get_real_time () / G_TIME_SPAN_MILLISECOND,
                            status);
  value = g_bytes_new (record, strlen (record));
  if (hw_jetstream_kv_put (self->base.bucket, key, value, &error) == 0)
    {
      g_debug ("listener %s: status not written: %s", name, error->message);
      return;
    }
  g_free (held->written_status);
  held->written_status = g_strdup (status);
  held->written_at = now;
}

static void
let_go (HwHubListenersShared *self,
        const char           *name,
        GHashTable           *reports)
{
  Held *held = g_hash_table_lookup (self->held, name);
  const char *status = g_hash_table_lookup (reports, name);

  /* Its last checkpoint first, for whoever takes it. */
  if (status != NULL && hw_jetstream_lease_is_held (held->lease))
    write_status (self, name, held, status);
  hw_jetstream_lease_release (held->lease);
  g_hash_table_remove (self->held, name);
}

/* Giving a lease up takes two ticks: at the first the registry hears it
 * is not held any more and stops delivering, which publishes the last
 * checkpoint; at the second it is released. Released at once, another
 * replica could take it while this one still delivers. */
static void
yield_one (HwHubListenersShared *self,
           GHashTable           *reports,
           guint                 share)
{
  GHashTableIter iter;
  const char *name;
  Held *held;

  if (self->yielding != NULL)
    {
      if (g_hash_table_contains (self->held, self->yielding))
        let_go (self, self->yielding, reports);
      g_clear_pointer (&self->yielding, g_free);
      return;
    }
  if (count_held (self) <= share)
    return;
  g_hash_table_iter_init (&iter, self->held);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, (gpointer *) &held))
    if (hw_jetstream_lease_is_held (held->lease))
      {
        g_message ("listener %s: handing it to another replica, to share the listeners out", name);
        self->yielding = g_strdup (name);
        return;
      }
}

void
hw_hub_listeners_shared_refresh_leases (HwHubListenersShared *self,
                                        GStrv                 wanted,
                                        GHashTable           *reports)
{
  guint share = fair_share (self, wanted);
  guint n_held = count_held (self);
  GHashTableIter iter;
  const char *name;
  Held *held;

  for (guint i = 0; wanted != NULL && wanted[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      gboolean had = FALSE;

      held = held_for (self, wanted[i]);
      had = hw_jetstream_lease_is_held (held->lease);
      if (!had && (n_held >= share || g_strcmp0 (wanted[i], self->yielding) == 0))
        continue;
      if (hw_jetstream_lease_refresh (held->lease, &error))
        n_held += !had;
      else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BUSY))
        g_debug ("listener %s: lease not refreshed: %s", wanted[i], error->message);
    }

  g_hash_table_iter_init (&iter, self->held);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, (gpointer *) &held))
    if (wanted == NULL || !g_strv_contains ((const char * const *) wanted, name))
      {
        hw_jetstream_lease_release (held->lease);
        g_hash_table_iter_remove (&iter);
      }
  if (wanted != NULL)
    yield_one (self, reports, share);
}

/* Only while held: a holder that lost its lease must not overwrite the new
 * holder's checkpoint with its older one. */
void
hw_hub_listeners_shared_write_statuses (HwHubListenersShared *self,
                                        GHashTable           *reports)
{
  GHashTableIter iter;
  const char *name, *status;

  g_hash_table_iter_init (&iter, reports);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, (gpointer *) &status))
    {
      Held *held = g_hash_table_lookup (self->held, name);

      if (held != NULL && hw_jetstream_lease_is_held (held->lease))
        write_status (self, name, held, status);
    }
}
