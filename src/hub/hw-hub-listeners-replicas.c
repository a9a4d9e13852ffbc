/* hw-hub-listeners-replicas.c: the listener registry's side of sharing listeners between JetStream replicas
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What hw-hub-listeners-shared.c reads from the replicas' bucket is
 * applied here, on the main context: the definitions the other replicas
 * wrote, and the leases that say which replica delivers which listener.
 * A replica takes a listener over from its holder's last checkpoint,
 * lets it go when its lease lapses, and hands its statuses on to be
 * published every second. Not used with the embedded engine.
 */
#include "config.h"

#include "hw-hub-listener-spec.h"
#include "hw-hub-listeners-private.h"

typedef HwRegisteredListener Registered;

void
hw_hub_listeners_saw_revision (HwHubListeners *self,
                               const char     *name,
                               guint64         revision)
{
  guint64 *known = g_hash_table_lookup (self->revisions, name);

  if (known == NULL)
    {
      known = g_new0 (guint64, 1);
      g_hash_table_insert (self->revisions, g_strdup (name), known);
    }
  *known = MAX (*known, revision);
}

static gboolean
is_news (HwHubListeners           *self,
         const HwSharedDefinition *shared)
{
  guint64 *known = g_hash_table_lookup (self->revisions, shared->name);

  return known == NULL || shared->revision > *known;
}

static void
apply_definition (HwHubListeners           *self,
                  const HwSharedDefinition *shared)
{
  Registered *reg = g_hash_table_lookup (self->by_name, shared->name);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(HwListenerSpec) spec = NULL;
  g_autoptr(GError) error = NULL;

  /* A replica's config file has the last word on its listeners. */
  if (reg != NULL && g_str_equal (reg->origin, "config"))
    return;
  if (shared->definition == NULL)
    {
      if (reg != NULL && !hw_hub_listeners_undefine (self, shared->name, &error))
        g_warning ("listener %s: deleted by another replica, but not here: %s", shared->name, error->message);
      return;
    }
  if (reg != NULL && g_str_equal (reg->definition, shared->definition))
    return;
  node = json_from_string (shared->definition, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node) ||
      (spec = hw_listener_spec_new_from_json (json_node_get_object (node), &error)) == NULL)
    {
      g_warning ("listener %s: the shared definition is unreadable; ignored", shared->name);
      return;
    }
  if (!hw_hub_listeners_define (self, spec, shared->definition, "api", shared->start_seq, &error))
    g_warning ("listener %s: defined by another replica, but not here: %s", shared->name, error->message);
}

/* Listeners made through the API before this hub shared them (with the
 * embedded engine, or before the bucket existed) are written once. */
static void
share_unshared (HwHubListeners *self,
                GHashTable     *in_bucket)
{
  GHashTableIter iter;
  const char *name;
  Registered *reg;

  g_hash_table_iter_init (&iter, self->by_name);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, (gpointer *) &reg))
    if (g_str_equal (reg->origin, "api") && !g_hash_table_contains (in_bucket, name) &&
        !g_hash_table_contains (self->revisions, name))
      {
        g_message ("listener %s: sharing it with the other replicas", name);
        hw_hub_listeners_shared_write_async (self->shared, name, reg->definition, reg->checkpoint, FALSE, NULL, NULL);
      }
}

static void
apply_definitions (HwHubListeners *self,
                   GPtrArray      *definitions)
{
  g_autoptr(GHashTable) in_bucket = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < definitions->len; i++)
    {
      const HwSharedDefinition *shared = g_ptr_array_index (definitions, i);

      g_hash_table_add (in_bucket, shared->name);
      if (!is_news (self, shared))
        continue;
      hw_hub_listeners_saw_revision (self, shared->name, shared->revision);
      apply_definition (self, shared);
    }
  if (!self->synced)
    share_unshared (self, in_bucket);
  self->synced = TRUE;
}

/* The holder's checkpoint, if it got further than ours: at most the
 * batches it sent since it last published it are delivered again. */
static void
take_over (HwHubListeners *self,
           Registered     *reg)
{
  JsonObject *status = reg->holder_status;

  if (status != NULL && json_object_get_int_member_with_default (status, "checkpoint", 0) > reg->checkpoint)
    {
      reg->checkpoint = json_object_get_int_member (status, "checkpoint");
      reg->delivered = MAX (reg->delivered, (guint64) json_object_get_int_member_with_default (status, "delivered", 0));
    }
  g_message ("listener %s: delivering it from seq %" G_GINT64_FORMAT " on", reg->spec->name, reg->checkpoint);
  hw_hub_listeners_start_delivering (self, reg);
}

static void
let_go (Registered *reg)
{
  g_message ("listener %s: its lease lapsed or is another replica's: not delivering it", reg->spec->name);
  hw_hub_listeners_stop_delivering (reg);
}

static void
apply_lease (HwHubListeners      *self,
             const HwSharedLease *lease)
{
  Registered *reg = g_hash_table_lookup (self->by_name, lease->name);
  gboolean held = lease->held_until > g_get_monotonic_time ();

  if (reg == NULL)
    return;
  reg->held_until = lease->held_until;
  g_free (reg->holder);
  reg->holder = g_strdup (lease->holder);
  if (lease->status_known || !held)
    {
      g_clear_pointer (&reg->holder_status, json_object_unref);
      reg->holder_status = lease->status != NULL ? json_object_ref (lease->status) : NULL;
    }
  /* Not before the holder's last checkpoint could be read. */
  if (held && reg->delivery == NULL && lease->status_known && !self->stopped)
    take_over (self, reg);
  else if (!held && reg->delivery != NULL)
    let_go (reg);
}

static void
on_shared_sync (GPtrArray *definitions,
                GPtrArray *leases,
                gpointer   user_data)
{
  HwHubListeners *self = user_data;

  if (definitions != NULL)
    apply_definitions (self, definitions);
  for (guint i = 0; i < leases->len; i++)
    apply_lease (self, g_ptr_array_index (leases, i));
}

/* Every second: stops on time when a lease was not renewed (the worker
 * may be stuck on a slow cluster), and hands the statuses to publish. */
static gboolean
on_lease_tick (gpointer user_data)
{
  HwHubListeners *self = user_data;
  GHashTableIter iter;
  const char *name;
  Registered *reg;

  g_hash_table_iter_init (&iter, self->by_name);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, (gpointer *) &reg))
    {
      if (reg->delivery == NULL)
        continue;
      if (g_get_monotonic_time () >= reg->held_until)
        let_go (reg);
      else
        {
          g_autoptr(JsonObject) status = hw_hub_listeners_delivery_status (self, reg->delivery);

          hw_hub_listeners_shared_report (self->shared, name, status, FALSE);
        }
    }
  return G_SOURCE_CONTINUE;
}

gboolean
hw_hub_listeners_share (HwHubListeners  *self,
                        HwHubReplica    *replica,
                        GError         **error)
{
  if (replica == NULL)
    return TRUE;
  self->shared = hw_hub_listeners_shared_new (replica, on_shared_sync, self, error);
  if (self->shared == NULL)
    return FALSE;
  self->lease_tick_id = g_timeout_add_seconds (1, on_lease_tick, self);
  return TRUE;
}

/* The final statuses, so whoever takes over goes on from our last
 * checkpoint; then the leases are released. */
void
hw_hub_listeners_stop_sharing (HwHubListeners *self)
{
  GHashTableIter iter;
  const char *name;
  Registered *reg;

  if (self->shared == NULL)
    return;
  g_clear_handle_id (&self->lease_tick_id, g_source_remove);
  g_hash_table_iter_init (&iter, self->by_name);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, (gpointer *) &reg))
    if (reg->delivery != NULL)
      {
        g_autoptr(JsonObject) status = NULL;

        hw_delivery_stop (reg->delivery);
        status = hw_hub_listeners_delivery_status (self, reg->delivery);
        hw_hub_listeners_shared_report (self->shared, name, status, TRUE);
      }
  g_clear_pointer (&self->shared, hw_hub_listeners_shared_free);
}
