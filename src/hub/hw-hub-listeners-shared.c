/* hw-hub-listeners-shared.c: listeners shared by the replicas of a JetStream hub
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-error.h"
#include "hw-hub-listeners-shared.h"

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

#include "hw-jetstream-kv.h"
#include "hw-jetstream-lease.h"

/* Leases are renewed, and definitions and statuses read, every
 * HW_REPLICA_TICK_MS. */
/* A status that did not change is written again this often, so the other
 * replicas see it is current. */
#define STATUS_REWRITE_US   (10 * G_TIME_SPAN_SECOND)

typedef struct
{
  HwJetStreamLease *lease;
  char             *written_status;   /* the last status we wrote */
  gint64            written_at;       /* monotonic µs */
} Held;

/* Reference-counted: what is queued on the worker or on the main context
 * holds a reference, so it may outlive free(), which stops its use. */
struct _HwHubListenersShared
{
  HwHubReplica  *replica;
  HwSharedFunc   func;
  gpointer       user_data;
  gboolean       closed;    /* main context only: @func is not called any more */
  HwJetStreamKv *bucket;    /* definitions and statuses */
  HwJetStreamKv *leases;    /* the replica's */

  GMutex         lock;
  GStrv          wanted;    /* under lock, and the two below */
  GHashTable    *reports;   /* name → JSON string of its status */
  gboolean       urgent_queued;

  /* Worker only. */
  GSource       *ticker;
  gboolean       stopped;
  GHashTable    *held;      /* name → Held* */
  char          *yielding;  /* the one being given up, if any */
};

typedef struct
{
  HwHubListenersShared *shared;   /* a reference */
  char                 *name;
  char                 *definition;
  gint64                start_seq;
  gboolean              reset_progress;
} Write;

static void
held_free (Held *held)
{
  hw_jetstream_lease_free (held->lease);
  g_free (held->written_status);
  g_free (held);
}

static HwHubListenersShared *
shared_ref (HwHubListenersShared *self)
{
  return g_atomic_rc_box_acquire (self);
}

static void
shared_clear (HwHubListenersShared *self)
{
  g_mutex_clear (&self->lock);
  g_strfreev (self->wanted);
  g_clear_pointer (&self->reports, g_hash_table_unref);
  g_clear_pointer (&self->held, g_hash_table_unref);
  g_free (self->yielding);
}

static void
shared_unref (HwHubListenersShared *self)
{
  g_atomic_rc_box_release_full (self, (GDestroyNotify) shared_clear);
}

static void
write_free (Write *write)
{
  shared_unref (write->shared);
  g_free (write->name);
  g_free (write->definition);
  g_free (write);
}

/* Keys --------------------------------------------------------------------- */

/* Listener names may have dots where KV keys may not (first, last, two in
 * a row); "=" is in no name, so it stands for the dot. */
static char *
key_for (const char *prefix,
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

#define DEFINITION_PREFIX "def."
#define STATUS_PREFIX     "status."
#define LEASE_PREFIX      "listener."

/* Reading the bucket -------------------------------------------------------- */

/* NULL without an error when the key is absent. */
static JsonObject *
get_object (HwHubListenersShared  *self,
            const char            *key,
            guint64               *out_revision,
            GError               **out_error)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) value = hw_jetstream_kv_get (self->bucket, key, out_revision, &error);
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
    g_warning ("listeners: %s in %s is not a JSON object; ignored", key, hw_jetstream_kv_get_bucket (self->bucket));
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
  g_auto(GStrv) keys = hw_jetstream_kv_keys (self->bucket, &error);
  g_autoptr(GPtrArray) definitions = NULL;
  GHashTableIter iter;
  Status *status;

  if (keys == NULL)
    {
      g_debug ("listeners: cannot list %s: %s", hw_jetstream_kv_get_bucket (self->bucket), error->message);
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

/* Leases and statuses ------------------------------------------------------- */

static Held *
held_for (HwHubListenersShared *self,
          const char           *name)
{
  Held *held = g_hash_table_lookup (self->held, name);

  if (held == NULL)
    {
      g_autofree char *key = key_for (LEASE_PREFIX, name);

      held = g_new0 (Held, 1);
      held->lease = hw_jetstream_lease_new (self->leases, key, hw_hub_replica_get_name (self->replica));
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
  guint n_live = MAX (hw_hub_replica_count_live (self->replica), 1);
  guint n_wanted = wanted != NULL ? g_strv_length (wanted) : 0;

  return (n_wanted + n_live - 1) / n_live;
}

static void write_status (HwHubListenersShared *self,
                          const char           *name,
                          Held                 *held,
                          const char           *status);

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

static void
refresh_leases (HwHubListenersShared *self,
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
  key = key_for (STATUS_PREFIX, name);
  /* The replica name is canonicalized: nothing in it needs escaping. */
  record = g_strdup_printf ("{\"holder\":\"%s\",\"at\":%" G_GINT64_FORMAT ",\"status\":%s}",
                            hw_hub_replica_get_name (self->replica), g_get_real_time () / G_TIME_SPAN_MILLISECOND,
                            status);
  value = g_bytes_new (record, strlen (record));
  if (hw_jetstream_kv_put (self->bucket, key, value, &error) == 0)
    {
      g_debug ("listener %s: status not written: %s", name, error->message);
      return;
    }
  g_free (held->written_status);
  held->written_status = g_strdup (status);
  held->written_at = now;
}

/* Only while held: a holder that lost its lease must not overwrite the new
 * holder's checkpoint with its older one. */
static void
write_statuses (HwHubListenersShared *self,
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

/* Reports to the main context ----------------------------------------------- */

typedef struct
{
  HwHubListenersShared *shared;   /* a reference */
  GPtrArray            *definitions;
  GPtrArray            *leases;
} Sync;

static void
sync_free (gpointer data)
{
  Sync *sync = data;

  shared_unref (sync->shared);
  g_clear_pointer (&sync->definitions, g_ptr_array_unref);
  g_ptr_array_unref (sync->leases);
  g_free (sync);
}

static gboolean
deliver_sync (gpointer data)
{
  Sync *sync = data;

  if (!sync->shared->closed)
    sync->shared->func (sync->definitions, sync->leases, sync->shared->user_data);
  return G_SOURCE_REMOVE;
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
    lease->holder = g_strdup (hw_hub_replica_get_name (self->replica));
  else if (status->record != NULL)
    lease->holder = g_strdup (json_object_get_string_member_with_default (status->record, "holder", NULL));
  if (published != NULL && JSON_NODE_HOLDS_OBJECT (published))
    lease->status = json_object_ref (json_node_get_object (published));
  lease->status_known = status->known;
  return lease;
}

static GHashTable *
copy_reports (GHashTable *reports)
{
  GHashTable *copy = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GHashTableIter iter;
  gpointer name, status;

  g_hash_table_iter_init (&iter, reports);
  while (g_hash_table_iter_next (&iter, &name, &status))
    g_hash_table_insert (copy, g_strdup (name), g_strdup (status));
  return copy;
}

static void
tick (HwHubListenersShared *self)
{
  g_autoptr(GHashTable) reports = NULL;
  g_autoptr(GHashTable) statuses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                          (GDestroyNotify) status_free);
  g_auto(GStrv) wanted = NULL;
  Sync *sync = g_new0 (Sync, 1);

  g_mutex_lock (&self->lock);
  wanted = g_strdupv (self->wanted);
  reports = copy_reports (self->reports);
  g_mutex_unlock (&self->lock);

  /* Leases first: they are the part with a deadline. */
  refresh_leases (self, wanted, reports);
  write_statuses (self, reports);

  for (guint i = 0; wanted != NULL && wanted[i] != NULL; i++)
    g_hash_table_insert (statuses, g_strdup (wanted[i]), g_new0 (Status, 1));
  sync->definitions = read_bucket (self, statuses);
  sync->shared = shared_ref (self);
  sync->leases = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_shared_lease_free);
  for (guint i = 0; wanted != NULL && wanted[i] != NULL; i++)
    g_ptr_array_add (sync->leases, describe_lease (self, wanted[i], g_hash_table_lookup (statuses, wanted[i])));
  g_main_context_invoke_full (hw_hub_replica_get_main_context (self->replica), G_PRIORITY_DEFAULT,
                              deliver_sync, sync, sync_free);
}

/* Writes --------------------------------------------------------------------- */

static gssize
perform_write (HwHubReplica  *replica,
               gpointer       data,
               GError       **error)
{
  Write *write = data;
  HwHubListenersShared *self = write->shared;
  g_autofree char *key = key_for (DEFINITION_PREFIX, write->name);
  g_autofree char *status_key = key_for (STATUS_PREFIX, write->name);
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
  if (write->reset_progress && !hw_jetstream_kv_delete (self->bucket, status_key, &local_error))
    revision = 0;
  else
    {
      value = g_bytes_new (record, strlen (record));
      revision = hw_jetstream_kv_put (self->bucket, key, value, &local_error);
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

static gboolean
on_tick (gpointer data)
{
  HwHubListenersShared *self = data;

  if (!self->stopped)
    tick (self);
  return G_SOURCE_CONTINUE;
}

static gboolean
tick_now (gpointer data)
{
  on_tick (data);
  return G_SOURCE_REMOVE;
}

/* Between ticks: the statuses reported since, once a checkpoint moved. */
static gboolean
write_reported (gpointer data)
{
  HwHubListenersShared *self = data;
  g_autoptr(GHashTable) reports = NULL;

  g_mutex_lock (&self->lock);
  reports = copy_reports (self->reports);
  self->urgent_queued = FALSE;
  g_mutex_unlock (&self->lock);
  if (!self->stopped)
    write_statuses (self, reports);
  return G_SOURCE_REMOVE;
}

static void
invoke_on_worker (HwHubListenersShared *self,
                  GSourceFunc           func)
{
  hw_hub_replica_invoke (self->replica, func, shared_ref (self), (GDestroyNotify) shared_unref);
}

static gboolean
start_on_worker (gpointer data)
{
  HwHubListenersShared *self = data;

  self->ticker = hw_hub_replica_add_ticker (self->replica, on_tick, shared_ref (self), (GDestroyNotify) shared_unref);
  return G_SOURCE_REMOVE;
}

/* The final checkpoints, so whoever takes over goes on from them; then
 * the leases, so that it can at once. */
static gboolean
stop_on_worker (gpointer data)
{
  HwHubListenersShared *self = data;
  g_autoptr(GHashTable) reports = NULL;

  g_source_destroy (self->ticker);
  g_clear_pointer (&self->ticker, g_source_unref);
  g_mutex_lock (&self->lock);
  reports = copy_reports (self->reports);
  g_mutex_unlock (&self->lock);
  write_statuses (self, reports);
  refresh_leases (self, NULL, reports);
  self->stopped = TRUE;
  return G_SOURCE_REMOVE;
}

HwHubListenersShared *
hw_hub_listeners_shared_new (HwHubReplica  *replica,
                             HwSharedFunc   func,
                             gpointer       user_data,
                             GError       **error)
{
  g_autoptr(HwJetStreamKv) bucket = NULL;
  HwHubListenersShared *self;

  if ((bucket = hw_hub_replica_open_bucket (replica, "LISTENERS", 0, error)) == NULL)
    return NULL;
  self = g_atomic_rc_box_new0 (HwHubListenersShared);
  self->replica = replica;
  self->func = func;
  self->user_data = user_data;
  self->bucket = g_steal_pointer (&bucket);
  self->leases = hw_hub_replica_get_leases (replica);
  g_mutex_init (&self->lock);
  self->reports = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->held = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) held_free);
  invoke_on_worker (self, start_on_worker);
  g_message ("listeners: shared through %s as replica %s", hw_jetstream_kv_get_bucket (self->bucket),
             hw_hub_replica_get_name (replica));
  return self;
}

void
hw_hub_listeners_shared_free (HwHubListenersShared *self)
{
  if (self == NULL)
    return;
  self->closed = TRUE;
  hw_hub_replica_run_sync (self->replica, stop_on_worker, self);
  /* Nothing on the worker uses them any more (it checks "stopped"). */
  g_clear_pointer (&self->bucket, hw_jetstream_kv_free);
  shared_unref (self);
}

const char *
hw_hub_listeners_shared_get_replica (HwHubListenersShared *self)
{
  return hw_hub_replica_get_name (self->replica);
}

void
hw_hub_listeners_shared_want (HwHubListenersShared *self,
                              const char * const   *names)
{
  GHashTableIter iter;
  const char *name;

  g_mutex_lock (&self->lock);
  g_strfreev (self->wanted);
  self->wanted = g_strdupv ((GStrv) names);
  /* A status is reported for as long as its lease is wanted. */
  g_hash_table_iter_init (&iter, self->reports);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, NULL))
    if (names == NULL || !g_strv_contains (names, name))
      g_hash_table_iter_remove (&iter);
  g_mutex_unlock (&self->lock);
  /* A new listener is taken up at once, not at the next tick. */
  invoke_on_worker (self, tick_now);
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

  g_mutex_lock (&self->lock);
  g_hash_table_replace (self->reports, g_strdup (name), text);
  queue = urgent && !self->urgent_queued;
  self->urgent_queued |= queue;
  g_mutex_unlock (&self->lock);
  if (queue)
    invoke_on_worker (self, write_reported);
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

  write->shared = shared_ref (self);
  write->name = g_strdup (name);
  write->definition = g_strdup (definition);
  write->start_seq = start_seq;
  write->reset_progress = reset_progress;
  hw_hub_replica_run_async (self->replica, perform_write, write, (GDestroyNotify) write_free, callback, user_data);
}

guint64
hw_hub_listeners_shared_write_finish (GAsyncResult  *result,
                                      GError       **error)
{
  gssize revision = hw_hub_replica_run_finish (result, error);

  return revision > 0 ? (guint64) revision : 0;
}
