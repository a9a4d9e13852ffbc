/* hw-hub-listener-spec.c: listener definitions, checked, from JSON or a config file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-error.h"
#include "hw-hub-listener-spec.h"

#define DEFAULT_BATCH_SIZE  100
#define DEFAULT_PARALLEL    1
#define DEFAULT_TIMEOUT_MS  10000

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

HwListenerSpec *
hw_listener_spec_new_from_json (JsonObject  *definition,
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

void
hw_listener_spec_add_members (const HwListenerSpec *spec,
                              JsonBuilder          *builder)
{
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
}

char *
hw_listener_spec_to_definition (const HwListenerSpec *spec)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  hw_listener_spec_add_members (spec, builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

gboolean
hw_listener_definition_starts_at_horizon (JsonObject  *definition,
                                          gboolean    *out_horizon,
                                          GError     **error)
{
  JsonNode *node = json_object_get_member (definition, "start");
  const char *start = "latest";

  if (node != NULL && !JSON_NODE_HOLDS_NULL (node) &&
      (start = get_string (definition, "start", FALSE, error)) == NULL)
    return FALSE;
  if (!g_str_equal (start, "trim_horizon") && !g_str_equal (start, "latest"))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON, "“start” must be “latest” or “trim_horizon”");
      return FALSE;
    }
  *out_horizon = g_str_equal (start, "trim_horizon");
  return TRUE;
}

gboolean
hw_listener_definition_from_keyfile (GKeyFile    *keyfile,
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
