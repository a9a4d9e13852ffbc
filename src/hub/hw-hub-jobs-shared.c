/* hw-hub-jobs-shared.c: jobs shared by the replicas of a JetStream hub
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The bucket HW_JOBS_<subsystem> holds "job.<id>" (the record),
 * "idem.<sha256 of the key>" (the job an idempotency key started) and
 * "cancel.<id>" (a cancel asked through a replica that does not run it).
 * The leases are "job.<id>" in HW_LEASES_<subsystem>, the listeners' bucket.
 */
#include "config.h"

#include <string.h>

#include "hw-error.h"
#include "hw-hub-jobs-shared-private.h"

typedef struct
{
  char     *record;
  gboolean  final;
} Report;

static void
report_free (Report *report)
{
  g_free (report->record);
  g_free (report);
}

static void
shared_clear (HwHubReplicaBucket *base)
{
  HwHubJobsShared *self = (HwHubJobsShared *) base;

  g_clear_pointer (&self->reports, g_hash_table_unref);
  g_clear_pointer (&self->released, g_hash_table_unref);
  g_clear_pointer (&self->held, g_hash_table_unref);
  g_clear_pointer (&self->lost, g_hash_table_unref);
  g_clear_pointer (&self->records, g_hash_table_unref);
  g_clear_pointer (&self->cancels, g_hash_table_unref);
  g_clear_pointer (&self->changed, g_ptr_array_unref);
}

static const char *
replica_name (HwHubJobsShared *self)
{
  return hw_hub_replica_bucket_get_replica_name (&self->base);
}

/* Leases --------------------------------------------------------------------- */

HwJetStreamLease *
hw_hub_jobs_shared_try_claim (HwHubJobsShared  *self,
                              const char       *id,
                              GError          **error)
{
  g_autofree char *key = g_strconcat (JOB_PREFIX, id, NULL);
  HwJetStreamLease *lease = hw_jetstream_lease_new (self->base.leases, key, replica_name (self));

  if (!hw_jetstream_lease_refresh (lease, error))
    {
      hw_jetstream_lease_free (lease);
      return NULL;
    }
  return lease;
}

void
hw_hub_jobs_shared_let_go (HwHubJobsShared *self,
                           const char      *id)
{
  HwJetStreamLease *lease = g_hash_table_lookup (self->held, id);

  if (lease != NULL)
    {
      hw_jetstream_lease_release (lease);
      g_hash_table_remove (self->held, id);
    }
}

static void
refresh_held (HwHubJobsShared *self)
{
  GHashTableIter iter;
  const char *id;
  HwJetStreamLease *lease;

  g_hash_table_iter_init (&iter, self->held);
  while (g_hash_table_iter_next (&iter, (gpointer *) &id, (gpointer *) &lease))
    {
      g_autoptr(GError) error = NULL;

      if (hw_jetstream_lease_refresh (lease, &error))
        continue;
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BUSY))
        {
          g_hash_table_add (self->lost, g_strdup (id));
          g_hash_table_iter_remove (&iter);
        }
      else
        g_debug ("job %s: lease not refreshed: %s", id, error->message);
    }
}

/* Records -------------------------------------------------------------------- */

gboolean
hw_hub_jobs_shared_put_record (HwHubJobsShared  *self,
                               const char       *id,
                               const char       *record,
                               GError          **error)
{
  g_autofree char *key = g_strconcat (JOB_PREFIX, id, NULL);
  g_autoptr(GBytes) value = g_bytes_new (record, strlen (record));

  return hw_jetstream_kv_put (self->base.bucket, key, value, error) != 0;
}

/* Only while held: a holder that lost its lease must not overwrite the new
 * holder's checkpoint with its older one. A final record lets the lease
 * go once written. */
static void
write_reports (HwHubJobsShared *self)
{
  g_autoptr(GHashTable) reports = NULL;
  GHashTableIter iter;
  const char *id;
  Report *report;

  g_mutex_lock (&self->base.lock);
  reports = g_steal_pointer (&self->reports);
  self->reports = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) report_free);
  self->urgent_queued = FALSE;
  g_mutex_unlock (&self->base.lock);

  g_hash_table_iter_init (&iter, reports);
  while (g_hash_table_iter_next (&iter, (gpointer *) &id, (gpointer *) &report))
    {
      HwJetStreamLease *lease = g_hash_table_lookup (self->held, id);
      g_autoptr(GError) error = NULL;

      if (lease == NULL || !hw_jetstream_lease_is_held (lease))
        continue;
      if (!hw_hub_jobs_shared_put_record (self, id, report->record, &error))
        {
          g_debug ("job %s: record not written: %s", id, error->message);
          /* Again at the next tick, unless a newer one came. */
          g_mutex_lock (&self->base.lock);
          if (!g_hash_table_contains (self->reports, id))
            {
              g_hash_table_insert (self->reports, g_strdup (id), report);
              g_hash_table_iter_steal (&iter);
            }
          g_mutex_unlock (&self->base.lock);
          continue;
        }
      if (report->final)
        hw_hub_jobs_shared_let_go (self, id);
    }
}

static void
release_given_up (HwHubJobsShared *self)
{
  g_autoptr(GHashTable) released = NULL;
  GHashTableIter iter;
  const char *id;

  g_mutex_lock (&self->base.lock);
  released = g_steal_pointer (&self->released);
  self->released = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_mutex_unlock (&self->base.lock);
  g_hash_table_iter_init (&iter, released);
  while (g_hash_table_iter_next (&iter, (gpointer *) &id, NULL))
    hw_hub_jobs_shared_let_go (self, id);
}

/* The bucket, as the watch tells it --------------------------------------------- */

static void
apply_change (HwHubJobsShared     *self,
              HwJetStreamKvChange *change)
{
  const char *key = change->key;

  if (g_str_has_prefix (key, JOB_PREFIX))
    {
      const char *id = key + strlen (JOB_PREFIX);
      JsonObject *record = change->value != NULL ? hw_hub_replica_record_from_bytes (change->value) : NULL;

      if (record == NULL)
        {
          /* Withdrawn: its creator could not finish creating it. */
          g_hash_table_remove (self->records, id);
          record = json_object_new ();
          json_object_set_string_member (record, "id", id);
          json_object_set_boolean_member (record, "deleted", TRUE);
        }
      else
        g_hash_table_replace (self->records, g_strdup (id), json_object_ref (record));
      g_ptr_array_add (self->changed, record);
    }
  else if (g_str_has_prefix (key, CANCEL_PREFIX))
    {
      const char *id = key + strlen (CANCEL_PREFIX);

      if (change->value != NULL)
        g_hash_table_add (self->cancels, g_strdup (id));
      else
        g_hash_table_remove (self->cancels, id);
    }
}

static void
drain_watch (HwHubJobsShared *self)
{
  g_autoptr(GError) error = NULL;
  HwJetStreamKvChange change = { 0 };

  if (self->watch == NULL)
    {
      if ((self->watch = hw_jetstream_kv_watch (self->base.bucket, NULL, &error)) == NULL)
        {
          g_debug ("jobs: cannot watch %s: %s", hw_jetstream_kv_get_bucket (self->base.bucket), error->message);
          return;
        }
      /* A new watch replays the current values only: what went meanwhile
       * must not linger. */
      g_hash_table_remove_all (self->records);
      g_hash_table_remove_all (self->cancels);
    }
  while (hw_jetstream_kv_watch_next (self->watch, 0, &change, &error))
    {
      apply_change (self, &change);
      hw_jetstream_kv_change_clear (&change);
    }
  if (error != NULL)
    {
      /* A new watch starts again from every current value. */
      g_debug ("jobs: the watch of %s failed: %s", hw_jetstream_kv_get_bucket (self->base.bucket), error->message);
      g_clear_pointer (&self->watch, hw_jetstream_kv_watch_free);
    }
}

/* Unfinished jobs nobody renews the lease of. Not on a partial view of the
 * bucket, nor while stopping. */
static GPtrArray *
claim_orphans (HwHubJobsShared *self)
{
  GPtrArray *claimed = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  GHashTableIter iter;
  const char *id;
  JsonObject *record;

  if (self->watch == NULL || !hw_jetstream_kv_watch_is_current (self->watch))
    return claimed;
  g_hash_table_iter_init (&iter, self->records);
  while (g_hash_table_iter_next (&iter, (gpointer *) &id, (gpointer *) &record))
    {
      HwJetStreamLease *lease;

      if (hw_shared_job_is_finished (record) || g_hash_table_contains (self->held, id) ||
          (lease = hw_hub_jobs_shared_try_claim (self, id, NULL)) == NULL)
        continue;
      g_message ("job %s: claimed, its holder %s stopped renewing it", id,
                 json_object_get_string_member_with_default (record, "holder", "?"));
      g_hash_table_insert (self->held, g_strdup (id), lease);
      g_ptr_array_add (claimed, json_object_ref (record));
    }
  return claimed;
}

/* Reports to the main context -------------------------------------------------- */

static void
news_free (gpointer data)
{
  HwSharedJobsNews *news = data;

  g_ptr_array_unref (news->changed);
  g_ptr_array_unref (news->claimed);
  g_hash_table_unref (news->held_until);
  g_ptr_array_unref (news->cancels);
  g_free (news);
}

static void
deliver_news (HwHubReplicaBucket *base,
              gpointer            news)
{
  HwHubJobsShared *self = (HwHubJobsShared *) base;

  self->func (news, self->user_data);
}

static GHashTable *
held_until (HwHubJobsShared *self)
{
  GHashTable *until = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GHashTableIter iter;
  const char *id;
  HwJetStreamLease *lease;

  g_hash_table_iter_init (&iter, self->held);
  while (g_hash_table_iter_next (&iter, (gpointer *) &id, (gpointer *) &lease))
    g_hash_table_insert (until, g_strdup (id), g_memdup2 (&(gint64) { hw_jetstream_lease_get_held_until (lease) },
                                                          sizeof (gint64)));
  g_hash_table_iter_init (&iter, self->lost);
  while (g_hash_table_iter_next (&iter, (gpointer *) &id, NULL))
    g_hash_table_insert (until, g_strdup (id), g_new0 (gint64, 1));
  g_hash_table_remove_all (self->lost);
  return until;
}

static GPtrArray *
cancels_for_held (HwHubJobsShared *self)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  const char *id;

  g_hash_table_iter_init (&iter, self->cancels);
  while (g_hash_table_iter_next (&iter, (gpointer *) &id, NULL))
    if (g_hash_table_contains (self->held, id))
      g_ptr_array_add (ids, g_strdup (id));
  return ids;
}

static void
tick (HwHubReplicaBucket *base)
{
  HwHubJobsShared *self = (HwHubJobsShared *) base;
  HwSharedJobsNews *news = g_new0 (HwSharedJobsNews, 1);

  /* Leases first: they are the part with a deadline. */
  release_given_up (self);
  refresh_held (self);
  write_reports (self);
  drain_watch (self);
  news->claimed = claim_orphans (self);
  news->changed = g_steal_pointer (&self->changed);
  self->changed = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  news->held_until = held_until (self);
  news->cancels = cancels_for_held (self);
  hw_hub_replica_bucket_post (base, deliver_news, news, news_free);
}

/* The worker's side ---------------------------------------------------------- */

static void
write_reported (HwHubReplicaBucket *base)
{
  write_reports ((HwHubJobsShared *) base);
}

/* The last records, so whoever claims the jobs goes on from them; then the
 * leases, so that it can at once. */
static void
stop (HwHubReplicaBucket *base)
{
  HwHubJobsShared *self = (HwHubJobsShared *) base;
  GHashTableIter iter;
  HwJetStreamLease *lease;

  write_reports (self);
  g_hash_table_iter_init (&iter, self->held);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &lease))
    hw_jetstream_lease_release (lease);
  g_hash_table_remove_all (self->held);
  g_clear_pointer (&self->watch, hw_jetstream_kv_watch_free);
}

static const HwHubReplicaBucketClass shared_class = { tick, stop, shared_clear };

HwHubJobsShared *
hw_hub_jobs_shared_new (HwHubReplica      *replica,
                        HwSharedJobsFunc   func,
                        gpointer           user_data,
                        GError           **error)
{
  HwHubJobsShared *self = hw_hub_replica_bucket_new (replica, "JOBS", sizeof (HwHubJobsShared), &shared_class, error);

  if (self == NULL)
    return NULL;
  self->func = func;
  self->user_data = user_data;
  self->reports = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) report_free);
  self->released = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->held = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) hw_jetstream_lease_free);
  self->lost = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->records = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) json_object_unref);
  self->cancels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->changed = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  hw_hub_replica_bucket_start (&self->base);
  /* At once, not a tick later: until then this replica shows none of the
   * others' jobs. */
  hw_hub_replica_bucket_tick_now (&self->base);
  return self;
}

void
hw_hub_jobs_shared_free (HwHubJobsShared *self)
{
  if (self != NULL)
    hw_hub_replica_bucket_free (&self->base);
}

void
hw_hub_jobs_shared_report (HwHubJobsShared *self,
                           const char      *id,
                           JsonObject      *record,
                           gboolean         final)
{
  g_autoptr(JsonNode) node = NULL;
  Report *report = g_new0 (Report, 1);
  gboolean queue;

  json_object_set_string_member (record, "holder", replica_name (self));
  node = json_node_init_object (json_node_alloc (), record);
  report->record = json_to_string (node, FALSE);
  report->final = final;
  g_mutex_lock (&self->base.lock);
  g_hash_table_replace (self->reports, g_strdup (id), report);
  queue = !self->urgent_queued;
  self->urgent_queued = TRUE;
  g_mutex_unlock (&self->base.lock);
  if (queue)
    hw_hub_replica_bucket_invoke (&self->base, write_reported);
}

void
hw_hub_jobs_shared_release (HwHubJobsShared *self,
                            const char      *id)
{
  g_mutex_lock (&self->base.lock);
  g_hash_table_add (self->released, g_strdup (id));
  g_mutex_unlock (&self->base.lock);
}
