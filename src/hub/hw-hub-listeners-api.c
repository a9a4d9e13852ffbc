/* hw-hub-listeners-api.c: GET/POST /v1/listeners and GET/DELETE /v1/listeners/{name}
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * With the JetStream engine a change is written to the replicas' shared
 * bucket first, off the main context, and applied here only once the
 * cluster has it: a listener answered 201 is known to every replica.
 */
#include "config.h"

#include <string.h>

#include "hw-error.h"
#include "hw-hub-engine.h"
#include "hw-hub-http.h"
#include "hw-hub-listener-spec.h"
#include "hw-hub-listeners-private.h"

static void
audit_listener (HwHub      *hub,
                const char *actor,
                const char *action,
                const char *name)
{
  g_autoptr(JsonObject) details = json_object_new ();

  json_object_set_string_member (details, "listener", name);
  hw_hub_record_audit (hub, action, actor, details);
}

/* A change waiting for the shared bucket, with its paused request. */
typedef struct
{
  HwHub             *hub;
  SoupServerMessage *msg;
  char              *actor;
  HwListenerSpec    *spec;       /* NULL for a delete */
  char              *name;
  char              *definition;
  gint64             start_seq;
  gboolean           created;
} Change;

static void
change_free (Change *change)
{
  g_object_unref (change->hub);
  g_object_unref (change->msg);
  g_free (change->actor);
  g_clear_pointer (&change->spec, hw_listener_spec_free);
  g_free (change->name);
  g_free (change->definition);
  g_free (change);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Change, change_free)

static Change *
change_new (HwHubRequest *request,
            const char   *name)
{
  Change *change = g_new0 (Change, 1);

  change->hub = g_object_ref (request->hub);
  change->msg = g_object_ref (request->msg);
  change->actor = g_strdup (hw_hub_request_get_actor (request));
  change->name = g_strdup (name);
  return change;
}

static void
reply_defined (HwHubListeners *self,
               HwHub          *hub,
               SoupServerMessage *msg,
               const char     *actor,
               const char     *name,
               gboolean        created)
{
  g_autoptr(JsonNode) answer = NULL;

  audit_listener (hub, actor, created ? "listener.create" : "listener.update", name);
  answer = hw_hub_listeners_describe (self, name);
  hw_hub_reply_json (msg, created ? 201 : 200, answer);
}

static void
reply_deleted (HwHub             *hub,
               SoupServerMessage *msg,
               const char        *actor,
               const char        *name)
{
  g_autoptr(JsonObject) answer = json_object_new ();

  audit_listener (hub, actor, "listener.delete", name);
  json_object_set_string_member (answer, "deleted", name);
  hw_hub_reply_object (msg, 200, answer);
}

/* On the main context, once the bucket has the change (or not). The hub
 * reference keeps the registry alive; a stopped one answers 503. */
static void
on_change_shared (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(Change) change = user_data;
  HwHubListeners *self = hw_hub_engine_get_listeners (change->hub);
  g_autoptr(GError) error = NULL;
  guint64 revision = hw_hub_listeners_shared_write_finish (result, &error);
  gboolean gone = hw_hub_message_is_gone (change->msg);

  if (revision != 0 && self != NULL)
    {
      hw_hub_listeners_saw_revision (self, change->name, revision);
      if (change->spec != NULL)
        hw_hub_listeners_define (self, change->spec, change->definition, "api", change->start_seq, &error);
      else
        hw_hub_listeners_undefine (self, change->name, &error);
    }
  else if (error == NULL)
    g_set_error (&error, HW_ERROR, HW_ERROR_UNAVAILABLE, "the hub is stopping");

  if (!gone && error != NULL)
    hw_hub_reply_gerror (change->msg, error);
  else if (!gone && change->spec != NULL)
    reply_defined (self, change->hub, change->msg, change->actor, change->name, change->created);
  else if (!gone)
    reply_deleted (change->hub, change->msg, change->actor, change->name);
  hw_hub_message_resume (change->msg);
}

static void
share_change (HwHubListeners *self,
              Change         *change)
{
  hw_hub_message_pause (change->msg);
  /* A listener made (or deleted) anew must not go on from the
   * checkpoint of one that had its name. */
  hw_hub_listeners_shared_write_async (self->shared, change->name, change->definition, change->start_seq,
                                       change->spec == NULL || change->created, on_change_shared, change);
}

/* A listener from a replica's config file is that replica's alone: the
 * API cannot change it on the others. */
static gboolean
check_not_from_config (HwHubListeners *self,
                       const char     *name,
                       GError        **error)
{
  HwRegisteredListener *reg = g_hash_table_lookup (self->by_name, name);

  if (self->shared == NULL || reg == NULL || !g_str_equal (reg->origin, "config"))
    return TRUE;
  g_set_error (error, HW_ERROR, HW_ERROR_CONFLICT,
               "the listener “%s” is defined in this replica's config file: change it there, on every replica",
               name);
  return FALSE;
}

static HwListenerSpec *
parse_definition (HwHubRequest *request,
                  JsonNode    **out_body,
                  GError      **error)
{
  gsize length = 0;
  const char *data = g_bytes_get_data (request->body, &length);
  JsonNode *body = hw_hub_parse_json (data, length, 0, error);
  HwListenerSpec *spec;

  if (body == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (body))
    {
      json_node_unref (body);
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON, "the listener definition must be a JSON object");
      return NULL;
    }
  if ((spec = hw_listener_spec_new_from_json (json_node_get_object (body), error)) == NULL)
    {
      json_node_unref (body);
      return NULL;
    }
  *out_body = body;
  return spec;
}

static void
handle_post (HwHubRequest *request,
             gpointer      user_data)
{
  HwHubListeners *self = user_data;
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HwListenerSpec) spec = parse_definition (request, &body, &error);
  g_autoptr(Change) change = NULL;
  gboolean created;

  if (spec == NULL || !check_not_from_config (self, spec->name, &error))
    {
      hw_hub_reply_gerror (request->msg, error);
      return;
    }
  change = change_new (request, spec->name);
  change->definition = hw_listener_spec_to_definition (spec);
  created = change->created = !g_hash_table_contains (self->by_name, spec->name);
  if (created && !hw_hub_listeners_start_seq (self, json_node_get_object (body), &change->start_seq, &error))
    {
      hw_hub_reply_gerror (request->msg, error);
      return;
    }
  change->spec = g_steal_pointer (&spec);
  if (self->shared != NULL)
    {
      share_change (self, g_steal_pointer (&change));
      return;
    }
  if (!hw_hub_listeners_define (self, change->spec, change->definition, "api", change->start_seq, &error))
    {
      hw_hub_reply_gerror (request->msg, error);
      return;
    }
  reply_defined (self, request->hub, request->msg, change->actor, change->name, created);
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
    hw_hub_listeners_describe_into (self, g_hash_table_lookup (self->by_name, l->data), builder);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  hw_hub_reply_json (request->msg, 200, root);
}

static void
reply_not_found (HwHubRequest *request,
                 const char   *name)
{
  hw_hub_reply_error (request->msg, 404, hw_error_code_name (HW_ERROR_NOT_FOUND),
                      "no listener named “%s”", name);
}

static void
handle_get (HwHubRequest *request,
            gpointer      user_data)
{
  HwHubListeners *self = user_data;
  const char *name = hw_hub_request_get_param (request, "name");
  g_autoptr(JsonNode) answer = hw_hub_listeners_describe (self, name);

  if (answer == NULL)
    reply_not_found (request, name);
  else
    hw_hub_reply_json (request->msg, 200, answer);
}

static void
handle_delete (HwHubRequest *request,
               gpointer      user_data)
{
  HwHubListeners *self = user_data;
  const char *name = hw_hub_request_get_param (request, "name");
  g_autoptr(Change) change = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_hash_table_contains (self->by_name, name))
    {
      reply_not_found (request, name);
      return;
    }
  if (!check_not_from_config (self, name, &error))
    {
      hw_hub_reply_gerror (request->msg, error);
      return;
    }
  change = change_new (request, name);
  if (self->shared != NULL)
    {
      share_change (self, g_steal_pointer (&change));
      return;
    }
  if (!hw_hub_listeners_undefine (self, name, &error))
    {
      hw_hub_reply_gerror (request->msg, error);
      return;
    }
  reply_deleted (request->hub, request->msg, change->actor, change->name);
}

void
hw_hub_listeners_add_routes (HwHubListeners *self)
{
  hw_hub_add_route (self->hub, "GET", "/v1/listeners", HW_ROLE_VIEWER, handle_list, self);
  hw_hub_add_route (self->hub, "POST", "/v1/listeners", HW_ROLE_OPERATOR, handle_post, self);
  hw_hub_add_route (self->hub, "GET", "/v1/listeners/{name}", HW_ROLE_VIEWER, handle_get, self);
  hw_hub_add_route (self->hub, "DELETE", "/v1/listeners/{name}", HW_ROLE_OPERATOR, handle_delete, self);
}
