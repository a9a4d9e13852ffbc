/* hw-hub-client-api.c: one async call per hub API endpoint, parsed into typed results
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "hw-error.h"
#include "hw-hub-client-private.h"

#define DEFAULT_SYNC_LIMIT 1000

void
hw_hub_client_call_endpoint (HwHubClient         *self,
                             const HwHubEndpoint *endpoint,
                             const char          *path_and_query,
                             JsonNode            *body,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  HwHubCall call = {
    .method = endpoint->method,
    .path_and_query = path_and_query,
    .body = body,
    .parse_json = endpoint->parse,
    .result_free = endpoint->result_free,
    .source_tag = endpoint->source_tag,
  };

  hw_hub_client_call (self, &call, cancellable, callback, user_data);
}

JsonObject *
hw_hub_json_root_object (JsonNode    *root,
                         GError     **error)
{
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_PROTOCOL, "The hub's answer is not a JSON object");
      return NULL;
    }
  return json_node_get_object (root);
}

/* Lists come as {"<member>":[…]} (or, leniently, a bare array). */
JsonArray *
hw_hub_json_root_array (JsonNode    *root,
            const char  *member,
            GError     **error)
{
  JsonNode *node = root;

  if (JSON_NODE_HOLDS_OBJECT (root))
    node = json_object_get_member (json_node_get_object (root), member);
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_PROTOCOL,
                   "The hub's answer has no \"%s\" array", member);
      return NULL;
    }
  return json_node_get_array (node);
}

char *
hw_hub_escape_segment (const char *segment)
{
  return g_uri_escape_string (segment, NULL, FALSE);
}

/* ---- generic -------------------------------------------------------- */

gpointer
hw_hub_parse_any (JsonNode  *root,
           gpointer   data,
           GError   **error)
{
  return json_node_copy (root);
}

void
hw_hub_client_request_json_async (HwHubClient         *self,
                                  const char          *method,
                                  const char          *path_and_query,
                                  JsonNode            *body,
                                  const char          *idempotency_key,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  HwHubCall call = {
    .method = method,
    .path_and_query = path_and_query,
    .body = body,
    .idempotency_key = idempotency_key,
    .parse_json = hw_hub_parse_any,
    .result_free = (GDestroyNotify) json_node_unref,
    .source_tag = hw_hub_client_request_json_async,
  };

  g_return_if_fail (HW_IS_HUB_CLIENT (self));
  g_return_if_fail (method != NULL && path_and_query != NULL && path_and_query[0] == '/');

  hw_hub_client_call (self, &call, cancellable, callback, user_data);
}

HW_HUB_CLIENT_DEFINE_FINISH (hw_hub_client_request_json, JsonNode *)

/* ---- info ----------------------------------------------------------- */

HwHubInfo *
hw_hub_info_from_json (JsonObject *object)
{
  HwHubInfo *info;
  JsonNode *caps;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  info = g_new0 (HwHubInfo, 1);
  info->name = g_strdup (hw_json_get_string (object, "name"));
  info->subsystem = g_strdup (hw_json_get_string (object, "subsystem"));
  info->version = g_strdup (hw_json_get_string (object, "version"));
  info->server_time_ms = hw_json_get_time_ms (object, "server_time");
  caps = json_object_get_member (object, "capabilities");
  if (caps != NULL && JSON_NODE_HOLDS_ARRAY (caps))
    {
      JsonArray *array = json_node_get_array (caps);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *item = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_VALUE (item) && json_node_get_value_type (item) == G_TYPE_STRING)
            g_strv_builder_add (builder, json_node_get_string (item));
        }
    }
  info->capabilities = g_strv_builder_end (builder);
  caps = json_object_get_member (object, "open_mode");
  info->open_mode = caps != NULL && JSON_NODE_HOLDS_VALUE (caps)
                    && json_node_get_value_type (caps) == G_TYPE_BOOLEAN
                    && json_node_get_boolean (caps);
  info->raw = json_object_ref (object);
  return info;
}

static gpointer
parse_info (JsonNode  *root,
            gpointer   data,
            GError   **error)
{
  JsonObject *object = hw_hub_json_root_object (root, error);

  return object != NULL ? hw_hub_info_from_json (object) : NULL;
}

static const HwHubEndpoint info_endpoint = {
  "GET", parse_info, (GDestroyNotify) hw_hub_info_free, hw_hub_client_get_info_async,
};

void
hw_hub_client_get_info_async (HwHubClient         *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (HW_IS_HUB_CLIENT (self));

  hw_hub_client_call_endpoint (self, &info_endpoint, "/v1/info", NULL, cancellable, callback, user_data);
}

HW_HUB_CLIENT_DEFINE_FINISH (hw_hub_client_get_info, HwHubInfo *)

/* ---- events --------------------------------------------------------- */

/* An item is either the event itself or {"seq":…,"event":{…}}. */
static HwEvent *
event_from_item (JsonNode  *item,
                 gsize      size,
                 guint64   *seq,
                 gint64    *received_ms,
                 GError   **error)
{
  HwParseLimits limits = hw_parse_limits_default ();
  JsonObject *object;
  JsonNode *inner;

  if (!JSON_NODE_HOLDS_OBJECT (item))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_PROTOCOL, "An event in the hub's answer is not an object");
      return NULL;
    }
  object = json_node_get_object (item);
  if (seq != NULL)
    *seq = (guint64) MAX (hw_json_get_int (object, "seq"), 0);
  if (received_ms != NULL)
    *received_ms = hw_json_get_time_ms (object, "received_ms");
  inner = json_object_get_member (object, "event");
  if (inner != NULL && JSON_NODE_HOLDS_OBJECT (inner))
    {
      gint64 hub_size = hw_json_get_int (object, "size");

      return hw_event_parse_node (inner, hub_size > 0 ? (gsize) hub_size : size, &limits, error);
    }
  return hw_event_parse_node (item, size, &limits, error);
}

static GPtrArray *
events_from_array (JsonArray  *array,
                   GError    **error)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_event_unref);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autoptr(GError) local_error = NULL;
      HwEvent *event = event_from_item (json_array_get_element (array, i), 0, NULL, NULL, &local_error);

      if (event == NULL)
        {
          g_set_error (error, HW_ERROR, HW_ERROR_PROTOCOL,
                       "Event %u of the hub's answer is invalid: %s", i, local_error->message);
          return NULL;
        }
      g_ptr_array_add (events, event);
    }
  return g_steal_pointer (&events);
}

static gpointer
parse_event_page (JsonNode  *root,
                  gpointer   data,
                  GError   **error)
{
  const char *member = data;
  JsonArray *array = hw_hub_json_root_array (root, member, error);
  HwHubEventPage *page;
  GPtrArray *events;

  if (array == NULL || (events = events_from_array (array, error)) == NULL)
    return NULL;

  page = g_new0 (HwHubEventPage, 1);
  page->events = events;
  if (JSON_NODE_HOLDS_OBJECT (root))
    page->next_cursor = g_strdup (hw_json_get_string (json_node_get_object (root), "next_cursor"));
  return page;
}

char *
hw_hub_build_events_path (const char *base,
                   const char *query,
                   const char *from,
                   const char *to,
                   guint       limit,
                   const char *cursor)
{
  GString *path = g_string_new (base);
  g_autofree char *limit_text = limit > 0 ? g_strdup_printf ("%u", limit) : NULL;

  hw_hub_query_add (path, "q", query != NULL && *query != '\0' ? query : NULL);
  hw_hub_query_add (path, "from", from);
  hw_hub_query_add (path, "to", to);
  hw_hub_query_add (path, "limit", limit_text);
  hw_hub_query_add (path, "cursor", cursor);
  return g_string_free (path, FALSE);
}

void
hw_hub_client_call_event_page (HwHubClient         *self,
                 const char          *path,
                 const char          *member,
                 gpointer             source_tag,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  HwHubCall call = {
    .method = "GET",
    .path_and_query = path,
    .parse_json = parse_event_page,
    .parse_data = (gpointer) member,
    .result_free = (GDestroyNotify) hw_hub_event_page_free,
    .source_tag = source_tag,
  };

  hw_hub_client_call (self, &call, cancellable, callback, user_data);
}

void
hw_hub_client_search_events_async (HwHubClient         *self,
                                   const char          *query,
                                   const char          *from,
                                   const char          *to,
                                   guint                limit,
                                   const char          *cursor,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (HW_IS_HUB_CLIENT (self));

  path = hw_hub_build_events_path ("/v1/events", query, from, to, limit, cursor);
  hw_hub_client_call_event_page (self, path, "events", hw_hub_client_search_events_async,
                   cancellable, callback, user_data);
}

HW_HUB_CLIENT_DEFINE_FINISH (hw_hub_client_search_events, HwHubEventPage *)

static gpointer
parse_count (JsonNode  *root,
             gpointer   data,
             GError   **error)
{
  JsonObject *object = hw_hub_json_root_object (root, error);
  JsonNode *count;

  if (object == NULL)
    return NULL;
  count = json_object_get_member (object, "count");
  if (count == NULL || !JSON_NODE_HOLDS_VALUE (count) || json_node_get_value_type (count) != G_TYPE_INT64
      || json_node_get_int (count) < 0)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_PROTOCOL,
                   "The hub's answer has no non-negative integer \"count\"");
      return NULL;
    }
  return g_memdup2 (&(gint64) { json_node_get_int (count) }, sizeof (gint64));
}

static const HwHubEndpoint count_endpoint = {
  "GET", parse_count, g_free, hw_hub_client_count_events_async,
};

void
hw_hub_client_count_events_async (HwHubClient         *self,
                                  const char          *query,
                                  const char          *from,
                                  const char          *to,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (HW_IS_HUB_CLIENT (self));

  path = hw_hub_build_events_path ("/v1/events/count", query, from, to, 0, NULL);
  hw_hub_client_call_endpoint (self, &count_endpoint, path, NULL, cancellable, callback, user_data);
}

gint64
hw_hub_client_count_events_finish (HwHubClient   *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_autofree gint64 *count = hw_hub_client_call_finish (self, result, hw_hub_client_count_events_async, error);

  return count != NULL ? *count : -1;
}

static gpointer
parse_histogram (JsonNode  *root,
                 gpointer   data,
                 GError   **error)
{
  JsonArray *array = hw_hub_json_root_array (root, "buckets", error);
  g_autoptr(GArray) buckets = g_array_new (FALSE, FALSE, sizeof (HwHubBucket));

  if (array == NULL)
    return NULL;
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);
      HwHubBucket bucket = { 0, };

      if (JSON_NODE_HOLDS_OBJECT (item))
        {
          JsonObject *object = json_node_get_object (item);

          bucket.start_ms = json_object_has_member (object, "start_ms")
                            ? hw_json_get_int (object, "start_ms")
                            : hw_json_get_time_ms (object, "start");
          bucket.count = (guint64) MAX (hw_json_get_int (object, "count"), 0);
        }
      else if (JSON_NODE_HOLDS_ARRAY (item) && json_array_get_length (json_node_get_array (item)) == 2)
        {
          JsonArray *pair = json_node_get_array (item);

          bucket.start_ms = json_array_get_int_element (pair, 0);
          bucket.count = (guint64) MAX (json_array_get_int_element (pair, 1), 0);
        }
      else
        {
          g_set_error (error, HW_ERROR, HW_ERROR_PROTOCOL, "Histogram bucket %u is malformed", i);
          return NULL;
        }
      g_array_append_val (buckets, bucket);
    }
  return g_steal_pointer (&buckets);
}

static const HwHubEndpoint histogram_endpoint = {
  "GET", parse_histogram, (GDestroyNotify) g_array_unref, hw_hub_client_histogram_async,
};

void
hw_hub_client_histogram_async (HwHubClient         *self,
                               const char          *query,
                               const char          *from,
                               const char          *to,
                               guint                buckets,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autofree char *path = NULL;
  g_autofree char *buckets_text = buckets > 0 ? g_strdup_printf ("%u", buckets) : NULL;
  GString *full;

  g_return_if_fail (HW_IS_HUB_CLIENT (self));

  full = g_string_new (NULL);
  path = hw_hub_build_events_path ("/v1/events/histogram", query, from, to, 0, NULL);
  g_string_append (full, path);
  hw_hub_query_add (full, "buckets", buckets_text);
  g_free (path);
  path = g_string_free (full, FALSE);
  hw_hub_client_call_endpoint (self, &histogram_endpoint, path, NULL, cancellable, callback, user_data);
}

HW_HUB_CLIENT_DEFINE_FINISH (hw_hub_client_histogram, GArray *)

static const HwHubEndpoint tree_endpoint = {
  "GET", hw_hub_parse_any, (GDestroyNotify) json_node_unref, hw_hub_client_tree_async,
};

void
hw_hub_client_tree_async (HwHubClient         *self,
                          const char          *level,
                          const char          *prefix,
                          const char          *query,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GString) path = g_string_new ("/v1/events/tree");

  g_return_if_fail (HW_IS_HUB_CLIENT (self));

  hw_hub_query_add (path, "level", level);
  hw_hub_query_add (path, "prefix", prefix);
  hw_hub_query_add (path, "q", query);
  hw_hub_client_call_endpoint (self, &tree_endpoint, path->str, NULL, cancellable, callback, user_data);
}

HW_HUB_CLIENT_DEFINE_FINISH (hw_hub_client_tree, JsonNode *)

static gpointer
parse_single_event (JsonNode  *root,
                    gpointer   data,
                    GError   **error)
{
  g_autoptr(GError) local_error = NULL;
  HwEvent *event = event_from_item (root, 0, NULL, NULL, &local_error);

  if (event == NULL)
    g_set_error (error, HW_ERROR, HW_ERROR_PROTOCOL,
                 "The hub's event is invalid: %s", local_error->message);
  return event;
}

static const HwHubEndpoint event_endpoint = {
  "GET", parse_single_event, (GDestroyNotify) hw_event_unref, hw_hub_client_get_event_async,
};

void
hw_hub_client_get_event_async (HwHubClient         *self,
                               const char          *id,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (HW_IS_HUB_CLIENT (self));
  g_return_if_fail (id != NULL);

  escaped = hw_hub_escape_segment (id);
  path = g_strconcat ("/v1/events/", escaped, NULL);
  hw_hub_client_call_endpoint (self, &event_endpoint, path, NULL, cancellable, callback, user_data);
}

HW_HUB_CLIENT_DEFINE_FINISH (hw_hub_client_get_event, HwEvent *)

/* ---- sync (NDJSON) ---------------------------------------------------- */

static gboolean
sync_line (HwHubSyncPage  *page,
           const char     *line,
           gsize           len,
           guint           line_no,
           GError        **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;
  HwEvent *event;
  guint64 seq = 0;
  gint64 received_ms = 0;

  root = hw_hub_json_parse (parser, line, len, "A sync line", &local_error);
  if (root == NULL)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_PROTOCOL, "Sync line %u: %s", line_no,
                   local_error->message);
      return FALSE;
    }
  event = event_from_item (root, len, &seq, &received_ms, &local_error);
  if (event == NULL)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_PROTOCOL, "Sync line %u holds an invalid event: %s",
                   line_no, local_error->message);
      return FALSE;
    }
  if (seq <= page->last_seq)
    {
      hw_event_unref (event);
      g_set_error (error, HW_ERROR, HW_ERROR_PROTOCOL,
                   "Sync line %u has seq %" G_GUINT64_FORMAT ", not above %" G_GUINT64_FORMAT,
                   line_no, seq, page->last_seq);
      return FALSE;
    }
  if (received_ms <= 0)
    received_ms = event->timestamp_ms;
  g_ptr_array_add (page->events, event);
  g_array_append_val (page->seqs, seq);
  g_array_append_val (page->received_ms, received_ms);
  page->last_seq = seq;
  return TRUE;
}

static gpointer
parse_sync_page (GBytes             *body,
                 gboolean            truncated,
                 SoupMessageHeaders *headers,
                 gpointer            data,
                 GError            **error)
{
  const char *max_seq = soup_message_headers_get_one (headers, "X-Hubwatch-Max-Seq");
  g_autoptr(HwHubSyncPage) page = g_new0 (HwHubSyncPage, 1);
  gsize len;
  const char *text = g_bytes_get_data (body, &len);
  const char *end;
  guint line_no = 0;

  /* An empty body has no data pointer, and NULL + 0 is undefined in C. */
  if (text == NULL)
    text = "";
  end = text + len;
  page->events = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_event_unref);
  page->seqs = g_array_new (FALSE, FALSE, sizeof (guint64));
  page->received_ms = g_array_new (FALSE, FALSE, sizeof (gint64));
  page->last_seq = *(guint64 *) data;
  if (max_seq != NULL)
    page->hub_max_seq = g_ascii_strtoull (max_seq, NULL, 10);

  for (const char *line = text; line < end;)
    {
      const char *nl = memchr (line, '\n', end - line);
      const char *line_end = nl != NULL ? nl : end;
      gsize line_len = line_end - line;

      line_no++;
      if (line_len > 0 && line[line_len - 1] == '\r')
        line_len--;
      if (line_len > 0 && !sync_line (page, line, line_len, line_no, error))
        return NULL;
      line = line_end + 1;
    }
  return g_steal_pointer (&page);
}

void
hw_hub_client_sync_page_async (HwHubClient         *self,
                               guint64              after,
                               guint                limit,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autofree char *path = NULL;
  HwHubCall call = {
    .method = "GET",
    .parse_bytes = parse_sync_page,
    .parse_data = g_memdup2 (&after, sizeof after),
    .parse_data_free = g_free,
    .result_free = (GDestroyNotify) hw_hub_sync_page_free,
    .source_tag = hw_hub_client_sync_page_async,
  };

  g_return_if_fail (HW_IS_HUB_CLIENT (self));

  path = g_strdup_printf ("/v1/events/sync?after=%" G_GUINT64_FORMAT "&limit=%u",
                          after, limit > 0 ? limit : DEFAULT_SYNC_LIMIT);
  call.path_and_query = path;
  hw_hub_client_call (self, &call, cancellable, callback, user_data);
}

HW_HUB_CLIENT_DEFINE_FINISH (hw_hub_client_sync_page, HwHubSyncPage *)

