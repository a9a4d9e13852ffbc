/* hw-hub-listeners.c: the listener registry (API, hub.db, config file)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-error.h"
#include "hw-event-store.h"
#include "hw-hub-db.h"
#include "hw-hub-http.h"
#include "hw-hub-listeners.h"

#define DEFAULT_BATCH_SIZE  100
#define DEFAULT_PARALLEL    1
#define DEFAULT_TIMEOUT_MS  10000

struct _HwHubListeners
{
  HwHub      *hub;
  GHashTable *by_name;         /* name → Registered* */
  gulong      appended_id;
};

typedef struct
{
  HwDelivery *delivery;
  char       *definition;      /* canonical JSON, to spot no-op updates */
  char       *origin;          /* "api" or "config" */
} Registered;

static void
registered_free (Registered *reg)
{
  hw_delivery_stop (reg->delivery);
  hw_delivery_unref (reg->delivery);
  g_free (reg->definition);
  g_free (reg->origin);
  g_free (reg);
}

static const char * const known_members[] = {
  "name", "url", "types", "anything_but", "tags", "batch_size", "parallel", "timeout_ms", "start", NULL
};

static gboolean
check_members (JsonObject  *definition,
               GError     **error)
{
  g_autoptr(GList) members = json_object_get_members (definition);

  for (GList *l = members; l != NULL; l = l->next)
    if (!g_strv_contains (known_members, l->data))
      {
        g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON,
                     "unknown member “%s” in the listener definition", (const char *) l->data);
        return FALSE;
      }
  return TRUE;
}

static const char *
get_string (JsonObject  *object,
            const char  *member,
            gboolean     required,
            GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (required)
        g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON, "“%s” is required", member);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON, "“%s” must be a string", member);
      return NULL;
    }
  return json_node_get_string (node);
}

static gboolean
get_uint (JsonObject  *object,
          const char  *member,
          guint        default_value,
          guint        min_value,
          guint        max_value,
          guint       *out,
          GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);
  gint64 value;

  *out = default_value;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON, "“%s” must be an integer", member);
      return FALSE;
    }
  value = json_node_get_int (node);
  if (value < min_value || value > max_value)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON,
                   "“%s” must be between %u and %u", member, min_value, max_value);
      return FALSE;
    }
  *out = (guint) value;
  return TRUE;
}

static gboolean
valid_name (const char *name)
{
  gsize length = strlen (name);

  if (length == 0 || length > 128)
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("._-", *p) == NULL)
      return FALSE;
  return TRUE;
}

static gboolean
valid_url (const char  *url,
           GError     **error)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  const char *scheme;

  if (uri == NULL)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON, "“url” is not a valid URL");
      return FALSE;
    }
  scheme = g_uri_get_scheme (uri);
  if ((g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0) ||
      g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON, "“url” must be an http or https URL");
      return FALSE;
    }
  return TRUE;
}

static HwListenerSpec *
spec_from_json (JsonObject  *definition,
                GError     **error)
{
  g_autoptr(HwListenerSpec) spec = g_new0 (HwListenerSpec, 1);
  const char *name, *url;

  if (!check_members (definition, error))
    return NULL;
  if ((name = get_string (definition, "name", TRUE, error)) == NULL)
    return NULL;
  if (!valid_name (name))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON,
                   "“name” must be 1 to 128 letters, digits, “.”, “_” or “-”");
      return NULL;
    }
  if ((url = get_string (definition, "url", TRUE, error)) == NULL || !valid_url (url, error))
    return NULL;

  spec->name = g_strdup (name);
  spec->url = g_strdup (url);
  if (!get_uint (definition, "batch_size", DEFAULT_BATCH_SIZE, 1, 10000, &spec->batch_size, error) ||
      !get_uint (definition, "parallel", DEFAULT_PARALLEL, 1, 64, &spec->parallel, error) ||
      !get_uint (definition, "timeout_ms", DEFAULT_TIMEOUT_MS, 50, 300000, &spec->timeout_ms, error))
    return NULL;
  if ((spec->rule = hw_routing_rule_new_from_json (definition, error)) == NULL)
    return NULL;
  return g_steal_pointer (&spec);
}

static char *
spec_to_definition (const HwListenerSpec *spec)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, spec->name);
  json_builder_set_member_name (builder, "url");
  json_builder_add_string_value (builder, spec->url);
  hw_routing_rule_to_json (spec->rule, builder);
  json_builder_set_member_name (builder, "batch_size");
  json_builder_add_int_value (builder, spec->batch_size);
  json_builder_set_member_name (builder, "parallel");
  json_builder_add_int_value (builder, spec->parallel);
  json_builder_set_member_name (builder, "timeout_ms");
  json_builder_add_int_value (builder, spec->timeout_ms);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

static void
on_checkpoint (HwDelivery *delivery,
               gint64      checkpoint,
               guint64     delivered,
               gpointer    user_data)
{
  HwHubListeners *self = user_data;
  sqlite3 *db = hw_hub_get_db (self->hub);
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (hw_hub_get_db_mutex (self->hub));
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt;

  stmt = hw_hub_db_prepare (db, "UPDATE listeners SET checkpoint = ?, delivered = ? WHERE name = ?", &error);
  if (stmt == NULL)
    {
      g_warning ("listener %s: cannot persist its checkpoint: %s",
                 hw_delivery_get_spec (delivery)->name, error->message);
      return;
    }
  sqlite3_bind_int64 (stmt, 1, checkpoint);
  sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) delivered);
  sqlite3_bind_text (stmt, 3, hw_delivery_get_spec (delivery)->name, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    g_warning ("listener %s: cannot persist its checkpoint: %s",
               hw_delivery_get_spec (delivery)->name, sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
}

static void
start_delivery (HwHubListeners       *self,
                const HwListenerSpec *spec,
                const char           *definition,
                const char           *origin,
                gint64                checkpoint,
                guint64               delivered)
{
  Registered *reg = g_new0 (Registered, 1);

  reg->delivery = hw_delivery_new (self->hub, spec, checkpoint, delivered, on_checkpoint, self);
  reg->definition = g_strdup (definition);
  reg->origin = g_strdup (origin);
  g_hash_table_replace (self->by_name, g_strdup (spec->name), reg);
}

static gboolean
persist_definition (HwHubListeners       *self,
                    const HwListenerSpec *spec,
                    const char           *definition,
                    const char           *origin,
                    gint64                checkpoint,
                    GError              **error)
{
  sqlite3 *db = hw_hub_get_db (self->hub);
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (hw_hub_get_db_mutex (self->hub));
  gint64 now = hw_hub_now_ms ();
  sqlite3_stmt *stmt;
  int rc;

  /* An update keeps the row's checkpoint: redefining a listener must not
   * replay or skip its channel. */
  stmt = hw_hub_db_prepare (db,
                            "INSERT INTO listeners (name, definition, origin, checkpoint, delivered, "
                            "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, 0, ?5, ?5) "
                            "ON CONFLICT (name) DO UPDATE SET definition = ?2, origin = ?3, updated_at = ?5",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, spec->name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, definition, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, origin, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 4, checkpoint);
  sqlite3_bind_int64 (stmt, 5, now);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_IO, "cannot store listener “%s”: %s",
                   spec->name, sqlite3_errmsg (db));
      return FALSE;
    }
  return TRUE;
}

static gboolean
start_position (HwHubListeners  *self,
                JsonObject      *definition,
                gint64          *out_seq,
                GError         **error)
{
  JsonNode *node = json_object_get_member (definition, "start");
  const char *start = "latest";

  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      if ((start = get_string (definition, "start", FALSE, error)) == NULL)
        return FALSE;
    }
  if (g_str_equal (start, "trim_horizon"))
    {
      *out_seq = 0;
      return TRUE;
    }
  if (!g_str_equal (start, "latest"))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON, "“start” must be “latest” or “trim_horizon”");
      return FALSE;
    }
  *out_seq = hw_event_store_get_max_seq (hw_hub_get_store (self->hub), error);
  return *out_seq >= 0;
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
  Registered *existing;
  gint64 checkpoint;
  guint64 delivered = 0;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (definition != NULL, FALSE);

  if ((spec = spec_from_json (definition, error)) == NULL)
    return FALSE;
  canonical = spec_to_definition (spec);
  existing = g_hash_table_lookup (self->by_name, spec->name);
  if (created != NULL)
    *created = existing == NULL;

  if (existing != NULL && g_str_equal (existing->definition, canonical))
    return TRUE;

  if (existing != NULL)
    {
      hw_delivery_stop (existing->delivery);
      checkpoint = hw_delivery_get_checkpoint (existing->delivery);
      delivered = hw_delivery_get_delivered (existing->delivery);
    }
  else if (!start_position (self, definition, &checkpoint, error))
    return FALSE;

  if (!persist_definition (self, spec, canonical, origin, checkpoint, error))
    return FALSE;
  start_delivery (self, spec, canonical, origin, checkpoint, delivered);
  return TRUE;
}

static gboolean
keyfile_group_to_json (GKeyFile    *keyfile,
                       const char  *group,
                       const char  *name,
                       JsonObject  *out,
                       GError     **error)
{
  g_auto(GStrv) keys = g_key_file_get_keys (keyfile, group, NULL, error);
  static const char * const lists[] = { "types", "anything_but", NULL };
  static const char * const numbers[] = { "batch_size", "parallel", "timeout_ms", NULL };

  if (keys == NULL)
    return FALSE;
  json_object_set_string_member (out, "name", name);
  for (guint i = 0; keys[i] != NULL; i++)
    {
      const char *key = keys[i];
      g_autoptr(GError) local_error = NULL;

      if (g_strv_contains (lists, key))
        {
          g_auto(GStrv) values = g_key_file_get_string_list (keyfile, group, key, NULL, NULL);
          JsonArray *array = json_array_new ();

          for (guint j = 0; values != NULL && values[j] != NULL; j++)
            json_array_add_string_element (array, g_strstrip (values[j]));
          json_object_set_array_member (out, key, array);
        }
      else if (g_strv_contains (numbers, key))
        {
          gint64 value = g_key_file_get_int64 (keyfile, group, key, &local_error);

          if (local_error != NULL)
            {
              g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON,
                           "[%s] %s must be an integer", group, key);
              return FALSE;
            }
          json_object_set_int_member (out, key, value);
        }
      else if (g_str_equal (key, "tags"))
        {
          g_auto(GStrv) pairs = g_key_file_get_string_list (keyfile, group, key, NULL, NULL);
          JsonObject *tags = json_object_new ();

          for (guint j = 0; pairs != NULL && pairs[j] != NULL; j++)
            {
              char *eq = strchr (pairs[j], '=');

              if (eq == NULL)
                {
                  json_object_unref (tags);
                  g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON,
                               "[%s] tags must be a list of key=value", group);
                  return FALSE;
                }
              *eq = '\0';
              json_object_set_string_member (tags, g_strstrip (pairs[j]), g_strstrip (eq + 1));
            }
          json_object_set_object_member (out, "tags", tags);
        }
      else
        {
          g_autofree char *value = g_key_file_get_string (keyfile, group, key, NULL);

          json_object_set_string_member (out, key, value != NULL ? value : "");
        }
    }
  return TRUE;
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
      if (!keyfile_group_to_json (keyfile, groups[i], name, definition, &local_error) ||
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
  return reg != NULL ? hw_delivery_get_spec (reg->delivery) : NULL;
}

static void
describe_into (Registered  *reg,
               JsonBuilder *builder)
{
  const HwListenerSpec *spec = hw_delivery_get_spec (reg->delivery);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, spec->name);
  json_builder_set_member_name (builder, "url");
  json_builder_add_string_value (builder, spec->url);
  hw_routing_rule_to_json (spec->rule, builder);
  json_builder_set_member_name (builder, "batch_size");
  json_builder_add_int_value (builder, spec->batch_size);
  json_builder_set_member_name (builder, "parallel");
  json_builder_add_int_value (builder, spec->parallel);
  json_builder_set_member_name (builder, "timeout_ms");
  json_builder_add_int_value (builder, spec->timeout_ms);
  json_builder_set_member_name (builder, "origin");
  json_builder_add_string_value (builder, reg->origin);
  hw_delivery_add_status (reg->delivery, builder);
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
  describe_into (reg, builder);
  return json_builder_get_root (builder);
}

/* Routes ------------------------------------------------------------------ */

static void
audit_listener (HwHubRequest *request,
                const char   *action,
                const char   *name)
{
  g_autoptr(JsonObject) details = json_object_new ();

  json_object_set_string_member (details, "listener", name);
  hw_hub_record_audit (request->hub, action, hw_hub_request_get_actor (request), details);
}

static void
handle_post (HwHubRequest *request,
             gpointer      user_data)
{
  HwHubListeners *self = user_data;
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *definition;
  gboolean created = FALSE;
  gsize length = 0;
  const char *data = g_bytes_get_data (request->body, &length);

  body = hw_hub_parse_json (data, length, 0, &error);
  if (body == NULL)
    {
      hw_hub_reply_gerror (request->msg, error);
      return;
    }
  if (!JSON_NODE_HOLDS_OBJECT (body))
    {
      hw_hub_reply_error (request->msg, 400, hw_error_code_name (HW_ERROR_INVALID_JSON),
                          "the listener definition must be a JSON object");
      return;
    }
  definition = json_node_get_object (body);
  if (!hw_hub_listeners_add_from_json (self, definition, "api", &created, &error))
    {
      hw_hub_reply_gerror (request->msg, error);
      return;
    }
  audit_listener (request, created ? "listener.create" : "listener.update",
                  json_object_get_string_member (definition, "name"));
  answer = hw_hub_listeners_describe (self, json_object_get_string_member (definition, "name"));
  hw_hub_reply_json (request->msg, created ? 201 : 200, answer);
}

static void
handle_list (HwHubRequest *request,
             gpointer      user_data)
{
  HwHubListeners *self = user_data;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GList) names = g_list_sort (g_hash_table_get_keys (self->by_name), (GCompareFunc) strcmp);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "listeners");
  json_builder_begin_array (builder);
  for (GList *l = names; l != NULL; l = l->next)
    describe_into (g_hash_table_lookup (self->by_name, l->data), builder);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  hw_hub_reply_json (request->msg, 200, root);
}

static void
handle_get (HwHubRequest *request,
            gpointer      user_data)
{
  HwHubListeners *self = user_data;
  const char *name = hw_hub_request_get_param (request, "name");
  g_autoptr(JsonNode) answer = hw_hub_listeners_describe (self, name);

  if (answer == NULL)
    {
      hw_hub_reply_error (request->msg, 404, hw_error_code_name (HW_ERROR_NOT_FOUND),
                          "no listener named “%s”", name);
      return;
    }
  hw_hub_reply_json (request->msg, 200, answer);
}

static void
handle_delete (HwHubRequest *request,
               gpointer      user_data)
{
  HwHubListeners *self = user_data;
  const char *name = hw_hub_request_get_param (request, "name");
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *owned_name = g_strdup (name);
  sqlite3_stmt *stmt;

  if (!g_hash_table_contains (self->by_name, name))
    {
      hw_hub_reply_error (request->msg, 404, hw_error_code_name (HW_ERROR_NOT_FOUND),
                          "no listener named “%s”", name);
      return;
    }
  g_hash_table_remove (self->by_name, owned_name);

  {
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (hw_hub_get_db_mutex (self->hub));

    stmt = hw_hub_db_prepare (hw_hub_get_db (self->hub), "DELETE FROM listeners WHERE name = ?", &error);
    if (stmt != NULL)
      {
        sqlite3_bind_text (stmt, 1, owned_name, -1, SQLITE_TRANSIENT);
        sqlite3_step (stmt);
        sqlite3_finalize (stmt);
      }
  }
  if (error != NULL)
    {
      hw_hub_reply_gerror (request->msg, error);
      return;
    }
  audit_listener (request, "listener.delete", owned_name);
  answer = json_object_new ();
  json_object_set_string_member (answer, "deleted", owned_name);
  hw_hub_reply_object (request->msg, 200, answer);
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

  stmt = hw_hub_db_prepare (db, "SELECT definition, origin, checkpoint, delivered FROM listeners", error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *definition = (const char *) sqlite3_column_text (stmt, 0);
      g_autoptr(JsonNode) node = json_from_string (definition, NULL);
      g_autoptr(HwListenerSpec) spec = NULL;
      g_autoptr(GError) local_error = NULL;

      if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node) ||
          (spec = spec_from_json (json_node_get_object (node), &local_error)) == NULL)
        {
          g_warning ("skipping an unreadable listener row in hub.db");
          continue;
        }
      start_delivery (self, spec, definition, (const char *) sqlite3_column_text (stmt, 1),
                      sqlite3_column_int64 (stmt, 2), (guint64) sqlite3_column_int64 (stmt, 3));
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_IO, "cannot read listeners: %s", sqlite3_errmsg (db));
      return FALSE;
    }
  return TRUE;
}

HwHubListeners *
hw_hub_listeners_new (HwHub   *hub,
                      GError **error)
{
  HwHubListeners *self;

  g_return_val_if_fail (HW_IS_HUB (hub), NULL);

  self = g_new0 (HwHubListeners, 1);
  self->hub = hub;
  self->by_name = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) registered_free);
  if (!load_persisted (self, error))
    {
      hw_hub_listeners_free (self);
      return NULL;
    }
  self->appended_id = g_signal_connect (hub, "events-appended", G_CALLBACK (on_events_appended), self);

  hw_hub_add_route (hub, "GET", "/v1/listeners", HW_ROLE_VIEWER, handle_list, self);
  hw_hub_add_route (hub, "POST", "/v1/listeners", HW_ROLE_OPERATOR, handle_post, self);
  hw_hub_add_route (hub, "GET", "/v1/listeners/{name}", HW_ROLE_VIEWER, handle_get, self);
  hw_hub_add_route (hub, "DELETE", "/v1/listeners/{name}", HW_ROLE_OPERATOR, handle_delete, self);
  return self;
}

void
hw_hub_listeners_stop (HwHubListeners *self)
{
  GHashTableIter iter;
  Registered *reg;

  g_return_if_fail (self != NULL);

  g_clear_signal_handler (&self->appended_id, self->hub);
  g_hash_table_iter_init (&iter, self->by_name);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &reg))
    hw_delivery_stop (reg->delivery);
}

void
hw_hub_listeners_free (HwHubListeners *self)
{
  if (self == NULL)
    return;
  g_clear_signal_handler (&self->appended_id, self->hub);
  g_hash_table_unref (self->by_name);
  g_free (self);
}
