/* hw-hub-listeners-shared.c: listeners shared by the replicas of a JetStream hub
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every HW_REPLICA_TICK_MS, on the replica's worker: the leases are
 * renewed and the statuses published (hw-hub-listeners-shared-leases.c),
 * then the bucket's definitions and the others' statuses are read and
 * passed on to the registry. Definitions are written here too.
 */
#include "config.h"

#include <string.h>

#include "hw-error.h"
#include "hw-hub-listeners-shared-private.h"

void
hw_shared_definition_free (HwSharedDefinition *definition)
{
  g_free (definition->name);
  g_free (definition->definition);
  g_free (definition);
}

void
hw_shared_lease_free (HwSharedLease *lease)
{
  g_free (lease->name);
  g_free (lease->holder);
  g_clear_pointer (&lease->status, json_object_unref);
  g_free (lease);
}

typedef struct
{
  HwHubListenersShared *shared;   /* a reference */
  char                 *name;
  char                 *definition;
  gint64                start_seq;
  gboolean              reset_progress;
} Write;

static void
shared_clear (HwHubReplicaBucket *base)
{
  HwHubListenersShared *self = (HwHubListenersShared *) base;

  g_strfreev (self->wanted);
  g_clear_pointer (&self->reports, g_hash_table_unref);
  g_clear_pointer (&self->held, g_hash_table_unref);
  g_free (self->yielding);
}

static void
write_free (Write *write)
{
  hw_hub_replica_bucket_unref (write->shared);
  g_free (write->name);
  g_free (write->definition);
  g_free (write);
}

/* Keys --------------------------------------------------------------------- */

/* Listener names may have dots where KV keys may not (first, last, two in
 * a row); "=" is in no name, so it stands for the dot. */
char *
hw_hub_listeners_shared_key_for (const char *prefix,
                                 const char *name)
{
  g_autofree char *encoded = g_strdup (name);

  g_strdelimit (encoded, ".", '=');
  return g_strconcat (prefix, encoded, NULL);
}

static char *
name_from_key (const char *key,
               const char *prefix)
{
  char *name;

  if (!g_str_has_prefix (key, prefix))
    return NULL;
  name = g_strdup (key + strlen (prefix));
  g_strdelimit (name, "=", '.');
  return name;
}

/* Reading the bucket -------------------------------------------------------- */

/* NULL without an error when the key is absent. */
static JsonObject *
get_object (HwHubListenersShared  *self,
            const char            *key,
            guint64               *out_revision,
            GError               **out_error)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) value = hw_jetstream_kv_get (self->base.bucket, key, out_revision, &error);
  JsonObject *record;

  if (value == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        {
          g_debug ("listeners: cannot read %s: %s", key, error->message);
          g_propagate_error (out_error, g_steal_pointer (&error));
        }
      return NULL;
    }
  if ((record = hw_hub_replica_record_from_bytes (value)) == NULL)
    g_warning ("listeners: %s in %s is not a JSON object; ignored", key, hw_jetstream_kv_get_bucket (self->base.bucket));
  return record;
}

static HwSharedDefinition *
read_definition (HwHubListenersShared *self,
                 const char           *key,
                 const char           *name)
{
  g_autoptr(JsonObject) record = NULL;
  HwSharedDefinition *definition;
  guint64 revision = 0;
  JsonNode *member;

  if ((record = get_object (self, key, &revision, NULL)) == NULL)
    return NULL;
  definition = g_new0 (HwSharedDefinition, 1);
  definition->name = g_strdup (name);
  definition->revision = revision;
  member = json_object_get_member (record, "definition");
  if (member != NULL && JSON_NODE_HOLDS_OBJECT (member))
    definition->definition = json_to_string (member, FALSE);
  definition->start_seq = json_object_get_int_member_with_default (record, "start_seq", 0);
  return definition;
}

/* A status the bucket may hold, of a listener we want. */
typedef struct
{
  JsonObject *record;   /* {"holder","at","status"}, or NULL */
  gboolean    known;    /* read, or known to be absent */
} Status;

static void
status_free (Status *status)
{
  g_clear_pointer (&status->record, json_object_unref);
  g_free (status);
}

/* Whether we published the status ourselves, holding the lease: no need
 * to read it back. */
static gboolean
is_ours (HwHubListenersShared *self,
         const char           *name)
{
  Held *held = g_hash_table_lookup (self->held, name);

  return held != NULL && held->written_status != NULL && hw_jetstream_lease_is_held (held->lease);
}

static void
read_status (HwHubListenersShared *self,
             const char           *key,
             Status               *status)
{
  g_autoptr(GError) error = NULL;

  status->record = get_object (self, key, NULL, &error);
  status->known = error == NULL;
}

/* The definitions, and the statuses of the listeners in @statuses (name →
 * Status*, all unknown): those absent from the bucket become known. */
static GPtrArray *
read_bucket (HwHubListenersShared *self,
             GHashTable           *statuses)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) keys = hw_jetstream_kv_keys (self->base.bucket, &error);
  g_autoptr(GPtrArray) definitions = NULL;
  GHashTableIter iter;
  Status *status;

  if (keys == NULL)
    {
      g_debug ("listeners: cannot list %s: %s", hw_jetstream_kv_get_bucket (self->base.bucket), error->message);
      return NULL;
    }
  definitions = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_shared_definition_free);
  g_hash_table_iter_init (&iter, statuses);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &status))
    status->known = TRUE;
  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autofree char *name = NULL;

      if ((name = name_from_key (keys[i], DEFINITION_PREFIX)) != NULL)
        {
          HwSharedDefinition *definition = read_definition (self, keys[i], name);

          /* A definition we cannot read now is left out of this round
           * only: the registry keeps what it has. */
          if (definition != NULL)
            g_ptr_array_add (definitions, definition);
        }
      else if ((name = name_from_key (keys[i], STATUS_PREFIX)) != NULL &&
               (status = g_hash_table_lookup (statuses, name)) != NULL && !is_ours (self, name))
        read_status (self, keys[i], status);
    }
  return g_steal_pointer (&definitions);
}

/* Reports to the main context ----------------------------------------------- */

typedef struct
{
  GPtrArray *definitions;
  GPtrArray *leases;
} Sync;

static void
sync_free (gpointer data)
{
  Sync *sync = data;

  g_clear_pointer (&sync->definitions, g_ptr_array_unref);
  g_ptr_array_unref (sync->leases);
  g_free (sync);
}

static void
deliver_sync (HwHubReplicaBucket *base,
              gpointer            data)
{
  HwHubListenersShared *self = (HwHubListenersShared *) base;
  Sync *sync = data;

  self->func (sync->definitions, sync->leases, self->user_data);
}

static HwSharedLease *
describe_lease (HwHubListenersShared *self,
                const char           *name,
                Status               *status)
{
  HwSharedLease *lease = g_new0 (HwSharedLease, 1);
  Held *held = g_hash_table_lookup (self->held, name);
  JsonNode *published = status->record != NULL ? json_object_get_member (status->record, "status") : NULL;

  lease->name = g_strdup (name);
  /* One being given up is not held for the registry any more. */
  if (held != NULL && g_strcmp0 (name, self->yielding) != 0)
    lease->held_until = hw_jetstream_lease_get_held_until (held->lease);
  if (lease->held_until != 0)
    lease->holder = g_strdup (hw_hub_replica_get_name (self->base.replica));
  else if (status->record != NULL)
    lease->holder = g_strdup (json_object_get_string_member_with_default (status->record, "holder", NULL));
  if (published != NULL && JSON_NODE_HOLDS_OBJECT (published))
    lease->status = json_object_ref (json_node_get_object (published));
  lease->status_known = status->known;
  return lease;
}

/* Under base.lock. */
static GHashTable *
copy_reports (HwHubListenersShared *self)
{
  GHashTable *copy = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GHashTableIter iter;
  gpointer name, status;

  g_hash_table_iter_init (&iter, self->reports);
  while (g_hash_table_iter_next (&iter, &name, &status))
    g_hash_table_insert (copy, g_strdup (name), g_strdup (status));
  return copy;
}

static void
tick (HwHubReplicaBucket *base)
{
  HwHubListenersShared *self = (HwHubListenersShared *) base;
  g_autoptr(GHashTable) statuses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                          (GDestroyNotify) status_free);
  g_autoptr(GHashTable) reports = NULL;
  g_auto(GStrv) wanted = NULL;
  Sync *sync = g_new0 (Sync, 1);

  g_mutex_lock (&self->base.lock);
  wanted = g_strdupv (self->wanted);
  reports = copy_reports (self);
  g_mutex_unlock (&self->base.lock);

  /* Leases first: they are the part with a deadline. */
  hw_hub_listeners_shared_refresh_leases (self, wanted, reports);
  hw_hub_listeners_shared_write_statuses (self, reports);

  for (guint i = 0; wanted != NULL && wanted[i] != NULL; i++)
    g_hash_table_insert (statuses, g_strdup (wanted[i]), g_new0 (Status, 1));
  sync->definitions = read_bucket (self, statuses);
  sync->leases = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_shared_lease_free);
  for (guint i = 0; wanted != NULL && wanted[i] != NULL; i++)
    g_ptr_array_add (sync->leases, describe_lease (self, wanted[i], g_hash_table_lookup (statuses, wanted[i])));
  hw_hub_replica_bucket_post (base, deliver_sync, sync, sync_free);
}

/* Writes --------------------------------------------------------------------- */

static gssize
perform_write (HwHubReplica  *replica,
               gpointer       data,
               GError       **error)
{
  Write *write = data;
  HwHubListenersShared *self = write->shared;
  g_autofree char *key = hw_hub_listeners_shared_key_for (DEFINITION_PREFIX, write->name);
  g_autofree char *status_key = hw_hub_listeners_shared_key_for (STATUS_PREFIX, write->name);
  g_autofree char *record = NULL;
  g_autoptr(GBytes) value = NULL;
  g_autoptr(GError) local_error = NULL;
  guint64 revision;

  if (write->definition != NULL)
    record = g_strdup_printf ("{\"definition\":%s,\"start_seq\":%" G_GINT64_FORMAT "}",
                              write->definition, write->start_seq);
  else
    record = g_strdup ("{\"deleted\":true}");
  /* The status first: a replica must not pick up the new definition with
   * the old listener's checkpoint. */
  if (write->reset_progress && !hw_jetstream_kv_delete (self->base.bucket, status_key, &local_error))
    revision = 0;
  else
    {
      value = g_bytes_new (record, strlen (record));
      revision = hw_jetstream_kv_put (self->base.bucket, key, value, &local_error);
    }
  if (revision == 0)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_UNAVAILABLE,
                   "the listener “%s” could not be shared with the other replicas (%s); "
                   "nothing was changed, try again", write->name, local_error->message);
      return -1;
    }
  return (gssize) revision;
}

/* The worker ----------------------------------------------------------------- */

/* Between ticks: the statuses reported since, once a checkpoint moved. */
static void
write_reported (HwHubReplicaBucket *base)
{
  HwHubListenersShared *self = (HwHubListenersShared *) base;
  g_autoptr(GHashTable) reports = NULL;

  g_mutex_lock (&self->base.lock);
  reports = copy_reports (self);
  self->urgent_queued = FALSE;
  g_mutex_unlock (&self->base.lock);
  hw_hub_listeners_shared_write_statuses (self, reports);
}

/* The final checkpoints, so whoever takes over goes on from them; then
 * the leases, so that it can at once. */
static void
stop (HwHubReplicaBucket *base)
{
  HwHubListenersShared *self = (HwHubListenersShared *) base;
  g_autoptr(GHashTable) reports = NULL;

  g_mutex_lock (&self->base.lock);
  reports = copy_reports (self);
  g_mutex_unlock (&self->base.lock);
  hw_hub_listeners_shared_write_statuses (self, reports);
  hw_hub_listeners_shared_refresh_leases (self, NULL, reports);
}

static const HwHubReplicaBucketClass shared_class = { tick, stop, shared_clear };

HwHubListenersShared *
hw_hub_listeners_shared_new (HwHubReplica  *replica,
                             HwSharedFunc   func,
                             gpointer       user_data,
                             GError       **error)
{
  HwHubListenersShared *self = hw_hub_replica_bucket_new (replica, "LISTENERS", sizeof (HwHubListenersShared),
                                                          &shared_class, error);

  if (self == NULL)
    return NULL;
  self->func = func;
  self->user_data = user_data;
  self->reports = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->held = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) hw_hub_listeners_shared_held_free);
  hw_hub_replica_bucket_start (&self->base);
  g_message ("listeners: shared through %s as replica %s", hw_jetstream_kv_get_bucket (self->base.bucket),
             hw_hub_replica_get_name (replica));
  return self;
}

void
hw_hub_listeners_shared_free (HwHubListenersShared *self)
{
  if (self != NULL)
    hw_hub_replica_bucket_free (&self->base);
}

const char *
hw_hub_listeners_shared_get_replica (HwHubListenersShared *self)
{
  return hw_hub_replica_get_name (self->base.replica);
}

void
hw_hub_listeners_shared_want (HwHubListenersShared *self,
                              const char * const   *names)
{
  GHashTableIter iter;
  const char *name;

  g_mutex_lock (&self->base.lock);
  g_strfreev (self->wanted);
  self->wanted = g_strdupv ((GStrv) names);
  /* A status is reported for as long as its lease is wanted. */
  g_hash_table_iter_init (&iter, self->reports);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, NULL))
    if (names == NULL || !g_strv_contains (names, name))
      g_hash_table_iter_remove (&iter);
  g_mutex_unlock (&self->base.lock);
  /* A new listener is taken up at once, not at the next tick. */
  hw_hub_replica_bucket_tick_now (&self->base);
}

void
hw_hub_listeners_shared_report (HwHubListenersShared *self,
                                const char           *name,
                                JsonObject           *status,
                                gboolean              urgent)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), status);
  char *text = json_to_string (node, FALSE);
  gboolean queue;

  g_mutex_lock (&self->base.lock);
  g_hash_table_replace (self->reports, g_strdup (name), text);
  queue = urgent && !self->urgent_queued;
  self->urgent_queued |= queue;
  g_mutex_unlock (&self->base.lock);
  if (queue)
    hw_hub_replica_bucket_invoke (&self->base, write_reported);
}

void
hw_hub_listeners_shared_write_async (HwHubListenersShared *self,
                                     const char           *name,
                                     const char           *definition,
                                     gint64                start_seq,
                                     gboolean              reset_progress,
                                     GAsyncReadyCallback   callback,
                                     gpointer              user_data)
{
  Write *write = g_new0 (Write, 1);

  write->shared = hw_hub_replica_bucket_ref (self);
  write->name = g_strdup (name);
  write->definition = g_strdup (definition);
  write->start_seq = start_seq;
  write->reset_progress = reset_progress;
  hw_hub_replica_run_async (self->base.replica, perform_write, write, (GDestroyNotify) write_free, callback, user_data);
}

guint64
hw_hub_listeners_shared_write_finish (GAsyncResult  *result,
                                      GError       **error)
{
  gssize revision = hw_hub_replica_run_finish (result, error);

  return revision > 0 ? (guint64) revision : 0;
}
