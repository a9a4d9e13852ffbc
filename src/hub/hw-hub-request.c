/* hw-hub-request.c: roles, hub configuration and the request object handlers see
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-hub-auth.h"
#include "hw-hub-private.h"

#define DEFAULT_MAX_REQUEST_BYTES (32 * 1024 * 1024)
#define DEFAULT_MAX_EVENT_BYTES   (256 * 1024)
#define DEFAULT_MAX_DEPTH         64
#define DEFAULT_RATE              200.0
#define DEFAULT_BURST             400.0

/* Roles ----------------------------------------------------------------- */

gboolean
hw_role_allows (HwRole caller,
                HwRole required)
{
  switch (required)
    {
    case HW_ROLE_NONE:
      return TRUE;
    case HW_ROLE_VIEWER:
      return caller != HW_ROLE_NONE;
    case HW_ROLE_PUBLISHER:
    case HW_ROLE_OPERATOR:
      return caller == required || caller == HW_ROLE_ADMIN;
    case HW_ROLE_ADMIN:
    default:
      return caller == HW_ROLE_ADMIN;
    }
}

static const char * const role_names[] = { "none", "viewer", "publisher", "operator", "admin" };

const char *
hw_role_to_string (HwRole role)
{
  if ((guint) role >= G_N_ELEMENTS (role_names))
    return "none";
  return role_names[role];
}

gboolean
hw_role_from_string (const char *name,
                     HwRole     *out_role)
{
  if (name == NULL)
    return FALSE;
  for (guint i = HW_ROLE_VIEWER; i < G_N_ELEMENTS (role_names); i++)
    if (g_ascii_strcasecmp (name, role_names[i]) == 0)
      {
        *out_role = i;
        return TRUE;
      }
  return FALSE;
}

/* Config ---------------------------------------------------------------- */

HwHubConfig *
hw_hub_config_new (void)
{
  HwHubConfig *config = g_new0 (HwHubConfig, 1);

  config->tokens = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                          (GDestroyNotify) hw_hub_token_free);
  return config;
}

void
hw_hub_config_free (HwHubConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->name);
  g_free (config->subsystem);
  g_free (config->listen_host);
  g_free (config->data_dir);
  g_free (config->tls_cert_file);
  g_free (config->tls_key_file);
  g_clear_pointer (&config->keyfile, g_key_file_unref);
  g_strfreev (config->nats_urls);
  g_clear_pointer (&config->tokens, g_hash_table_unref);
  g_free (config);
}

void
hw_hub_config_apply_defaults (HwHubConfig *config)
{
  if (config->name == NULL)
    config->name = g_strdup (g_get_host_name ());
  if (config->subsystem == NULL)
    config->subsystem = g_strdup ("default");
  if (config->listen_host == NULL)
    config->listen_host = g_strdup ("127.0.0.1");
  if (config->max_request_bytes == 0)
    config->max_request_bytes = DEFAULT_MAX_REQUEST_BYTES;
  if (config->max_event_bytes == 0)
    config->max_event_bytes = DEFAULT_MAX_EVENT_BYTES;
  if (config->max_depth == 0)
    config->max_depth = DEFAULT_MAX_DEPTH;
  if (config->rate_per_second <= 0)
    config->rate_per_second = DEFAULT_RATE;
  if (config->rate_burst <= 0)
    config->rate_burst = MAX (DEFAULT_BURST, config->rate_per_second);
}

/* Requests -------------------------------------------------------------- */

HwHubRequest *
hw_hub_request_ref (HwHubRequest *request)
{
  g_return_val_if_fail (request != NULL, NULL);
  g_atomic_ref_count_inc (&request->ref_count);
  return request;
}

void
hw_hub_request_unref (HwHubRequest *request)
{
  if (request == NULL || !g_atomic_ref_count_dec (&request->ref_count))
    return;
  g_clear_pointer (&request->params, g_hash_table_unref);
  g_clear_pointer (&request->query, g_hash_table_unref);
  g_clear_pointer (&request->body, g_bytes_unref);
  g_free (request->token_name);
  g_clear_object (&request->msg);
  g_clear_object (&request->hub);
  g_free (request);
}

const char *
hw_hub_request_get_param (HwHubRequest *request,
                          const char   *name)
{
  g_return_val_if_fail (request != NULL, NULL);
  return g_hash_table_lookup (request->params, name);
}

const char *
hw_hub_request_get_query (HwHubRequest *request,
                          const char   *name)
{
  g_return_val_if_fail (request != NULL, NULL);
  return g_hash_table_lookup (request->query, name);
}

const char *
hw_hub_request_get_header (HwHubRequest *request,
                           const char   *name)
{
  g_return_val_if_fail (request != NULL, NULL);
  return soup_message_headers_get_one (soup_server_message_get_request_headers (request->msg), name);
}

const char *
hw_hub_request_get_actor (HwHubRequest *request)
{
  g_return_val_if_fail (request != NULL, NULL);
  return request->token_name != NULL ? request->token_name : "open-mode";
}
