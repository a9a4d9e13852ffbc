/* hw-hub-api-system.c: /v1/info, /v1/metrics/query and /metrics (system events: hw-hub-api-system-events.c)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-error.h"
#include "hw-hub-http.h"
#include "hw-hub-metrics.h"
#include "hw-hub-private.h"
#include "hw-time.h"

static const char * const capabilities[] = {
  "events", "search", "count", "histogram", "tree", "sync", "faults", "fault-groups",
  "listeners", "replays", "resubmissions", "jobs", "system-events", "metrics",
  "prometheus", "stream", NULL,
};

/* GET /v1/info --------------------------------------------------------------- */

static void
get_info (HwHubRequest *request,
          gpointer      user_data)
{
  const HwHubConfig *config = hw_hub_get_config (request->hub);
  g_autoptr(JsonObject) answer = json_object_new ();
  g_autoptr(JsonArray) caps = json_array_new ();
  gint64 now = hw_hub_now_ms ();
  g_autofree char *iso = hw_time_format_iso8601 (now);

  for (guint i = 0; capabilities[i] != NULL; i++)
    json_array_add_string_element (caps, capabilities[i]);
  json_object_set_string_member (answer, "name", config->name);
  json_object_set_string_member (answer, "subsystem", config->subsystem);
  json_object_set_string_member (answer, "version", PACKAGE_VERSION);
  json_object_set_string_member (answer, "api", "v1");
  json_object_set_int_member (answer, "server_time", now);
  json_object_set_string_member (answer, "server_time_iso", iso);
  json_object_set_array_member (answer, "capabilities", g_steal_pointer (&caps));
  json_object_set_boolean_member (answer, "open_mode", hw_hub_is_open_mode (request->hub));
  json_object_set_int_member (answer, "max_event_bytes", config->max_event_bytes);
  json_object_set_int_member (answer, "max_request_bytes", config->max_request_bytes);
  hw_hub_reply_object (request->msg, SOUP_STATUS_OK, answer);
}

/* Metrics ---------------------------------------------------------------------- */

/* "10" (seconds), "500ms", "10s", "5m", "1h", "1d". */
static gboolean
parse_step (const char  *text,
            gint64      *out_ms,
            GError     **error)
{
  static const struct { const char *unit; gint64 ms; } units[] = {
    { "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 }, { "d", 86400000 },
  };
  char *end = NULL;
  guint64 value;

  *out_ms = 0;
  if (text == NULL || text[0] == '\0')
    return TRUE;
  value = g_ascii_strtoull (text, &end, 10);
  if (end != text && value > 0 && value < G_MAXINT32)
    for (guint i = 0; i < G_N_ELEMENTS (units); i++)
      if (g_str_equal (end, units[i].unit))
        {
          *out_ms = (gint64) value * units[i].ms;
          return TRUE;
        }
  g_set_error (error, HW_ERROR, HW_ERROR_PROTOCOL,
               "parameter 'step': expected seconds or a duration like 10s, 5m, 1h; got '%s'", text);
  return FALSE;
}

static void
get_metrics_query (HwHubRequest *request,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(GHashTable) where = g_hash_table_new (g_str_hash, g_str_equal);
  const char *name = hw_hub_request_get_query (request, "name");
  gint64 now = hw_hub_now_ms ();
  gint64 from_ms, to_ms, step_ms;
  GHashTableIter iter;
  gpointer key, value;

  if (name == NULL || name[0] == '\0')
    {
      hw_hub_reply_error (request->msg, SOUP_STATUS_BAD_REQUEST, "protocol_error",
                          "parameter 'name' is required, e.g. name=domain.event.count");
      return;
    }
  if (!hw_hub_parse_time_param ("from", hw_hub_request_get_query (request, "from"), now - 3600000, &from_ms, &error)
      || !hw_hub_parse_time_param ("to", hw_hub_request_get_query (request, "to"), now, &to_ms, &error)
      || !parse_step (hw_hub_request_get_query (request, "step"), &step_ms, &error))
    {
      hw_hub_reply_gerror (request->msg, error);
      return;
    }
  /* label.KEY=VALUE narrows the series before grouping. */
  g_hash_table_iter_init (&iter, request->query);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (g_str_has_prefix (key, "label.") && ((char *) key)[6] != '\0')
      g_hash_table_insert (where, (char *) key + 6, value);

  answer = hw_hub_metrics_query (hw_hub_metrics (request->hub), name, from_ms, to_ms, step_ms,
                                 hw_hub_request_get_query (request, "stat"),
                                 hw_hub_request_get_query (request, "by"),
                                 g_hash_table_size (where) > 0 ? where : NULL, &error);
  if (answer == NULL)
    {
      hw_hub_reply_gerror (request->msg, error);
      return;
    }
  hw_hub_reply_json (request->msg, SOUP_STATUS_OK, answer);
}

static void
get_prometheus (HwHubRequest *request,
                gpointer      user_data)
{
  char *text = hw_hub_metrics_to_prometheus (hw_hub_metrics (request->hub));

  soup_server_message_set_status (request->msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (request->msg, "text/plain; version=0.0.4; charset=utf-8",
                                    SOUP_MEMORY_TAKE, text, strlen (text));
}

void
hw_hub_api_system_register (HwHub *hub)
{
  hw_hub_add_route (hub, "GET", "/v1/info", HW_ROLE_NONE, get_info, NULL);
  hw_hub_api_system_events_register (hub);
  hw_hub_add_route (hub, "GET", "/v1/metrics/query", HW_ROLE_VIEWER, get_metrics_query, NULL);
  hw_hub_add_route (hub, "GET", "/metrics", HW_ROLE_VIEWER, get_prometheus, NULL);
}
