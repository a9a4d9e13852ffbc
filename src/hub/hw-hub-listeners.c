/* hw-hub-listeners.c: the listener registry (hub.db, config file, replicas)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * With the embedded engine every listener registered is delivered here.
 * With the JetStream engine every replica registers every listener, and
 * delivers those whose lease it holds (hw-hub-listeners-shared.c, applied
 * by hw-hub-listeners-replicas.c): the others wait, showing their
 * holder's last status, ready to go on from its checkpoint when its lease
 * lapses.
 */
#include "config.h"

#include <string.h>

#include "hw-error.h"
#include "hw-event-store.h"
#include "hw-hub-db.h"
#include "hw-hub-http.h"
#include "hw-hub-listener-spec.h"
#include "hw-hub-listeners-private.h"

typedef HwRegisteredListener Registered;

void
hw_hub_listeners_stop_delivering (Registered *reg)
{
  if (reg->delivery == NULL)
    return;
  hw_delivery_stop (reg->delivery);
  reg->checkpoint = hw_delivery_get_checkpoint (reg->delivery);
  reg->delivered = hw_delivery_get_delivered (reg->delivery);
  g_clear_pointer (&reg->delivery, hw_delivery_unref);
}

static void
registered_free (Registered *reg)
{
  hw_hub_listeners_stop_delivering (reg);
  hw_listener_spec_free (reg->spec);
  g_free (reg->definition);
  g_free (reg->origin);
  g_free (reg->holder);
  g_clear_pointer (&reg->holder_status, json_object_unref);
  g_free (reg);
}

/* The delivery's status, except that "persisted_checkpoint" is what
 * hub.db holds: the delivery only knows what it handed to the writer, and
 * a client waits on this to know what a crash cannot take back. */
static void
add_delivery_status (HwHubListeners *self,
                     HwDelivery     *delivery,
                     JsonBuilder    *builder)
{
  const char *name = hw_delivery_get_spec (delivery)->name;
  Registered *reg = g_hash_table_lookup (self->by_name, name);
  gint64 written;

  hw_delivery_add_status (delivery, builder);
  if (reg != NULL && reg->delivery == delivery &&
      hw_checkpoint_writer_get_written (self->checkpoints, name, reg->created_at, &written))
    {
      json_builder_set_member_name (builder, "persisted_checkpoint");
      json_builder_add_int_value (builder, written);
    }
}

JsonObject *
hw_hub_listeners_delivery_status (HwHubListeners *self,
                                  HwDelivery     *delivery)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  add_delivery_status (self, delivery, builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_object_ref (json_node_get_object (root));
}

/* Also where another replica goes on from, should this one stop: at most
 * what was delivered since the last one written is delivered again.
 * hub.db is written on the checkpoint writer's thread, never here. */
static void
on_checkpoint (HwDelivery *delivery,
               gint64      checkpoint,
               guint64     delivered,
               gpointer    user_data)
{
  HwHubListeners *self = user_data;
  const char *name = hw_delivery_get_spec (delivery)->name;
  Registered *reg = g_hash_table_lookup (self->by_name, name);

  /* A delivery stopped as its listener is deleted reports after leaving
   * the registry: its row goes, and a new listener of that name must not
   * inherit the checkpoint. */
  if (reg != NULL && reg->delivery == delivery)
    hw_checkpoint_writer_queue (self->checkpoints, name, reg->created_at, checkpoint, delivered);
  if (self->shared != NULL)
    {
      g_autoptr(JsonObject) status = hw_hub_listeners_delivery_status (self, delivery);

      hw_hub_listeners_shared_report (self->shared, hw_delivery_get_spec (delivery)->name, status, TRUE);
    }
}


void
hw_hub_listeners_start_delivering (HwHubListeners *self,
                                   Registered     *reg)
{
  reg->delivery = hw_delivery_new (self->hub, reg->spec, reg->checkpoint, reg->delivered, on_checkpoint, self);
}

/* The leases this replica should hold: one per listener it knows. */
static void
update_wanted (HwHubListeners *self)
{
  g_autofree const char **names = NULL;

  if (self->shared == NULL)
    return;
  names = (const char **) g_hash_table_get_keys_as_array (self->by_name, NULL);
  hw_hub_listeners_shared_want (self->shared, names);
}

static void
register_listener (HwHubListeners       *self,
                   const HwListenerSpec *spec,
                   const char           *definition,
                   const char           *origin,
                   gint64                checkpoint,
                   guint64               delivered,
                   gint64                created_at)
{
  Registered *reg = g_new0 (Registered, 1);

  reg->created_at = created_at;
  reg->spec = hw_listener_spec_copy (spec);
  reg->definition = g_strdup (definition);
  reg->origin = g_strdup (origin);
  reg->checkpoint = checkpoint;
  reg->delivered = delivered;
  g_hash_table_replace (self->by_name, g_strdup (spec->name), reg);
  if (self->shared == NULL && !self->stopped)
    hw_hub_listeners_start_delivering (self, reg);
  update_wanted (self);
}

/* Returns the row's created_at, which tells this incarnation of the name
 * from any other, or -1 with @error set. */
static gint64
persist_definition (HwHubListeners       *self,
                    const HwListenerSpec *spec,
                    const char           *definition,
                    const char           *origin,
                    gint64                checkpoint,
                    gboolean              is_new,
                    GError              **error)
{
  sqlite3 *db = hw_hub_get_db (self->hub);
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (hw_hub_get_db_mutex (self->hub));
  gint64 now = hw_hub_now_ms ();
  gint64 created_at = -1;
  sqlite3_stmt *stmt;
  int rc;

  /* An update keeps the row's checkpoint: redefining a listener must not
   * replay or skip its channel. */
  stmt = hw_hub_db_prepare (db,
                            "INSERT INTO listeners (name, definition, origin, checkpoint, delivered, "
                            "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, 0, ?5, ?5) "
                            "ON CONFLICT (name) DO UPDATE SET definition = ?2, origin = ?3, updated_at = ?5 "
                            "RETURNING created_at",
                            error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, spec->name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, definition, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, origin, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 4, checkpoint);
  sqlite3_bind_int64 (stmt, 5, now);
  if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      created_at = sqlite3_column_int64 (stmt, 0);
      rc = sqlite3_step (stmt);
    }
  if (rc != SQLITE_DONE)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_IO, "cannot store listener “%s”: %s",
                   spec->name, sqlite3_errmsg (db));
      sqlite3_finalize (stmt);
      return -1;
    }
  sqlite3_finalize (stmt);
  /* In the same hold of the mutex as the INSERT, which the checkpoint
   * writer takes too: nothing it takes later is an older row's. */
  if (is_new)
    {
      hw_checkpoint_writer_forget (self->checkpoints, spec->name);
      hw_checkpoint_writer_note_written (self->checkpoints, spec->name, created_at, checkpoint);
    }
  return created_at;
}


gboolean
hw_hub_listeners_start_seq (HwHubListeners  *self,
                            JsonObject      *definition,
                            gint64          *out_seq,
                            GError         **error)
{
  gboolean horizon = FALSE;

  if (!hw_listener_definition_starts_at_horizon (definition, &horizon, error))
    return FALSE;
  *out_seq = horizon ? 0 : hw_event_store_get_max_seq (hw_hub_get_store (self->hub), error);
  return *out_seq >= 0;
}

gboolean
hw_hub_listeners_define (HwHubListeners        *self,
                         const HwListenerSpec  *spec,
                         const char            *definition,
                         const char            *origin,
                         gint64                 start_seq,
                         GError               **error)
{
  Registered *existing = g_hash_table_lookup (self->by_name, spec->name);
  gint64 checkpoint = start_seq;
  guint64 delivered = 0;
  gboolean was_delivering;
  gint64 held_until = 0;
  gint64 created_at;

  if (existing != NULL && g_str_equal (existing->definition, definition))
    return TRUE;
  /* An update keeps the row's checkpoint: redefining a listener must not
   * replay or skip its channel. */
  created_at = persist_definition (self, spec, definition, origin, start_seq, existing == NULL, error);
  if (created_at < 0)
    return FALSE;
  was_delivering = existing != NULL && existing->delivery != NULL;
  if (existing != NULL)
    {
      hw_hub_listeners_stop_delivering (existing);
      checkpoint = existing->checkpoint;
      delivered = existing->delivered;
      held_until = existing->held_until;
    }
  register_listener (self, spec, definition, origin, checkpoint, delivered, created_at);
  /* A replica holding the lease goes on delivering the new definition. */
  if (was_delivering && self->shared != NULL && !self->stopped)
    {
      Registered *reg = g_hash_table_lookup (self->by_name, spec->name);

      reg->held_until = held_until;
      reg->holder = g_strdup (hw_hub_listeners_shared_get_replica (self->shared));
      hw_hub_listeners_start_delivering (self, reg);
    }
  return TRUE;
}

gboolean
hw_hub_listeners_undefine (HwHubListeners  *self,
                           const char      *name,
                           GError         **error)
{
  g_autofree char *owned_name = g_strdup (name);
  sqlite3_stmt *stmt;

  g_hash_table_remove (self->by_name, owned_name);
  update_wanted (self);
  {
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (hw_hub_get_db_mutex (self->hub));

    stmt = hw_hub_db_prepare (hw_hub_get_db (self->hub), "DELETE FROM listeners WHERE name = ?", error);
    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_text (stmt, 1, owned_name, -1, SQLITE_TRANSIENT);
    sqlite3_step (stmt);
    sqlite3_finalize (stmt);
    /* In the same hold of the mutex as the DELETE: see persist_definition(). */
    hw_checkpoint_writer_forget (self->checkpoints, owned_name);
  }
  return TRUE;
}

gboolean
hw_hub_listeners_add_from_json (HwHubListeners *self,
                                JsonObject     *definition,
                                const char     *origin,
                                gboolean       *created,
                                GError        **error)
{
  g_autoptr(HwListenerSpec) spec = NULL;
  g_autofree char *canonical = NULL;
  gint64 start_seq = 0;
  gboolean is_new;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (definition != NULL, FALSE);

  if ((spec = hw_listener_spec_new_from_json (definition, error)) == NULL)
    return FALSE;
  canonical = hw_listener_spec_to_definition (spec);
  is_new = !g_hash_table_contains (self->by_name, spec->name);
  if (created != NULL)
    *created = is_new;
  if (is_new && !hw_hub_listeners_start_seq (self, definition, &start_seq, error))
    return FALSE;
  return hw_hub_listeners_define (self, spec, canonical, origin, start_seq, error);
}

gboolean
hw_hub_listeners_add_from_keyfile (HwHubListeners *self,
                                   GKeyFile       *keyfile,
                                   GError        **error)
{
  g_auto(GStrv) groups = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (keyfile != NULL, FALSE);

  groups = g_key_file_get_groups (keyfile, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_autoptr(JsonObject) definition = json_object_new ();
      g_autoptr(GError) local_error = NULL;
      const char *name;

      if (!g_str_has_prefix (groups[i], "listener "))
        continue;
      name = groups[i] + strlen ("listener ");
      if (!hw_listener_definition_from_keyfile (keyfile, groups[i], name, definition, &local_error) ||
          !hw_hub_listeners_add_from_json (self, definition, "config", NULL, &local_error))
        {
          g_set_error (error, HW_ERROR, local_error->code, "config group [%s]: %s",
                       groups[i], local_error->message);
          return FALSE;
        }
    }
  return TRUE;
}


const HwListenerSpec *
hw_hub_listeners_lookup (HwHubListeners *self,
                         const char     *name)
{
  Registered *reg;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  reg = g_hash_table_lookup (self->by_name, name);
  return reg != NULL ? reg->spec : NULL;
}

static void
add_members (JsonBuilder *builder,
             JsonObject  *object)
{
  GList *members = json_object_get_members (object);

  for (GList *l = members; l != NULL; l = l->next)
    {
      json_builder_set_member_name (builder, l->data);
      json_builder_add_value (builder, json_node_copy (json_object_get_member (object, l->data)));
    }
  g_list_free (members);
}

/* What a replica that does not deliver the listener, and has not heard
 * from its holder, can say: where it would go on from. */
static void
add_waiting_status (Registered  *reg,
                    JsonBuilder *builder)
{
  static const char * const zeros[] = { "iterator_age_ms", "pending", "in_flight", "invocations",
                                        "errors", "throttles", "retries", NULL };
  static const char * const nulls[] = { "last_error", "last_error_at", "last_ack_at", NULL };

  for (guint i = 0; zeros[i] != NULL; i++)
    {
      json_builder_set_member_name (builder, zeros[i]);
      json_builder_add_int_value (builder, 0);
    }
  for (guint i = 0; nulls[i] != NULL; i++)
    {
      json_builder_set_member_name (builder, nulls[i]);
      json_builder_add_null_value (builder);
    }
  json_builder_set_member_name (builder, "checkpoint");
  json_builder_add_int_value (builder, reg->checkpoint);
  json_builder_set_member_name (builder, "persisted_checkpoint");
  json_builder_add_int_value (builder, reg->checkpoint);
  json_builder_set_member_name (builder, "delivered");
  json_builder_add_int_value (builder, reg->delivered);
}

void
hw_hub_listeners_describe_into (HwHubListeners *self,
                                Registered     *reg,
                                JsonBuilder    *builder)
{
  json_builder_begin_object (builder);
  hw_listener_spec_add_members (reg->spec, builder);
  json_builder_set_member_name (builder, "origin");
  json_builder_add_string_value (builder, reg->origin);
  if (reg->delivery != NULL)
    add_delivery_status (self, reg->delivery, builder);
  else if (reg->holder_status != NULL)
    add_members (builder, reg->holder_status);
  else
    add_waiting_status (reg, builder);
  json_builder_set_member_name (builder, "delivering");
  json_builder_add_boolean_value (builder, reg->delivery != NULL);
  json_builder_set_member_name (builder, "holder");
  if (reg->holder != NULL)
    json_builder_add_string_value (builder, reg->holder);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);
}

JsonNode *
hw_hub_listeners_describe (HwHubListeners *self,
                           const char     *name)
{
  g_autoptr(JsonBuilder) builder = NULL;
  Registered *reg;

  g_return_val_if_fail (self != NULL, NULL);

  if ((reg = g_hash_table_lookup (self->by_name, name)) == NULL)
    return NULL;
  builder = json_builder_new ();
  hw_hub_listeners_describe_into (self, reg, builder);
  return json_builder_get_root (builder);
}

static void
on_events_appended (HwHub   *hub,
                    guint64  first_seq,
                    guint64  last_seq,
                    gpointer user_data)
{
  HwHubListeners *self = user_data;
  GHashTableIter iter;
  Registered *reg;

  g_hash_table_iter_init (&iter, self->by_name);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &reg))
    if (reg->delivery != NULL)
      hw_delivery_wake (reg->delivery);
}

static gboolean
load_persisted (HwHubListeners  *self,
                GError         **error)
{
  sqlite3 *db = hw_hub_get_db (self->hub);
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (hw_hub_get_db_mutex (self->hub));
  sqlite3_stmt *stmt;
  int rc;

  stmt = hw_hub_db_prepare (db, "SELECT definition, origin, checkpoint, delivered, created_at FROM listeners", error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *definition = (const char *) sqlite3_column_text (stmt, 0);
      g_autoptr(JsonNode) node = json_from_string (definition, NULL);
      g_autoptr(HwListenerSpec) spec = NULL;
      g_autoptr(GError) local_error = NULL;

      if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node) ||
          (spec = hw_listener_spec_new_from_json (json_node_get_object (node), &local_error)) == NULL)
        {
          g_warning ("skipping an unreadable listener row in hub.db");
          continue;
        }
      hw_checkpoint_writer_note_written (self->checkpoints, spec->name, sqlite3_column_int64 (stmt, 4),
                                         sqlite3_column_int64 (stmt, 2));
      register_listener (self, spec, definition, (const char *) sqlite3_column_text (stmt, 1),
                         sqlite3_column_int64 (stmt, 2), (guint64) sqlite3_column_int64 (stmt, 3),
                         sqlite3_column_int64 (stmt, 4));
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_IO, "cannot read listeners: %s", sqlite3_errmsg (db));
      return FALSE;
    }
  return TRUE;
}


/* The registry ------------------------------------------------------------- */

HwHubListeners *
hw_hub_listeners_new (HwHub         *hub,
                      HwHubReplica  *replica,
                      GError       **error)
{
  HwHubListeners *self;

  g_return_val_if_fail (HW_IS_HUB (hub), NULL);

  self = g_new0 (HwHubListeners, 1);
  self->hub = hub;
  self->by_name = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) registered_free);
  self->revisions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->checkpoints = hw_checkpoint_writer_new (hub);
  if (!hw_hub_listeners_share (self, replica, error) || !load_persisted (self, error))
    {
      hw_hub_listeners_free (self);
      return NULL;
    }
  self->appended_id = g_signal_connect (hub, "events-appended", G_CALLBACK (on_events_appended), self);
  hw_hub_listeners_add_routes (self);
  return self;
}

void
hw_hub_listeners_stop (HwHubListeners *self)
{
  GHashTableIter iter;
  Registered *reg;

  g_return_if_fail (self != NULL);

  self->stopped = TRUE;
  g_clear_signal_handler (&self->appended_id, self->hub);
  hw_hub_listeners_stop_sharing (self);
  g_hash_table_iter_init (&iter, self->by_name);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &reg))
    if (reg->delivery != NULL)
      hw_delivery_stop (reg->delivery);
  /* The final checkpoints, reported as the deliveries stopped, are on
   * disk before the hub goes on stopping (and the process exits). */
  hw_checkpoint_writer_flush (self->checkpoints);
}

void
hw_hub_listeners_free (HwHubListeners *self)
{
  if (self == NULL)
    return;
  /* Their last checkpoints are reported while the registry can still be
   * looked up: not from inside its destruction. */
  if (!self->stopped)
    hw_hub_listeners_stop (self);
  g_hash_table_unref (self->by_name);
  g_hash_table_unref (self->revisions);
  hw_checkpoint_writer_free (self->checkpoints);
  g_free (self);
}
