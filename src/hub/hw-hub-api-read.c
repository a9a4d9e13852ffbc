/* hw-hub-api-read.c: GET /v1/events…, /v1/events/sync and /v1/faults…
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-error.h"
#include "hw-event-store.h"
#include "hw-hub-api-read.h"
#include "hw-hub-http.h"
#include "hw-hub-private.h"
#include "hw-query.h"

#define DEFAULT_PAGE   100
#define MAX_PAGE       1000
#define DEFAULT_SYNC   1000
#define MAX_SYNC       10000

typedef struct
{
  HwQuery *query;
  gint64   from_ms;
  gint64   to_ms;
} Selection;

static void
selection_clear (Selection *selection)
{
  g_clear_pointer (&selection->query, hw_query_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Selection, selection_clear)

static void
reply_query_error (HwHubRequest *request,
                   const GError *error,
                   guint         position)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, hw_error_code_name (error->code));
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, error->message);
  if (position > 0)
    {
      json_builder_set_member_name (builder, "position");
      json_builder_add_int_value (builder, position);
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  hw_hub_reply_json (request->msg, SOUP_STATUS_BAD_REQUEST, root);
}

/* q, from and to, shared by every read. @must is query text ANDed with q
 * (e.g. "type:fault"). Answers and returns FALSE on bad input. */
static gboolean
parse_selection (HwHubRequest *request,
                 const char   *must,
                 Selection    *selection)
{
  const char *q = hw_hub_request_get_query (request, "q");
  g_autoptr(GError) error = NULL;
  guint position = 0;
  gint64 now = hw_hub_now_ms ();

  if (!hw_hub_parse_time_param ("from", hw_hub_request_get_query (request, "from"),
                                HW_EVENT_STORE_UNBOUNDED, &selection->from_ms, &error)
      || !hw_hub_parse_time_param ("to", hw_hub_request_get_query (request, "to"),
                                   HW_EVENT_STORE_UNBOUNDED, &selection->to_ms, &error))
    {
      hw_hub_reply_gerror (request->msg, error);
      return FALSE;
    }
  if (selection->from_ms != HW_EVENT_STORE_UNBOUNDED && selection->to_ms != HW_EVENT_STORE_UNBOUNDED
      && selection->from_ms > selection->to_ms)
    {
      hw_hub_reply_error (request->msg, SOUP_STATUS_BAD_REQUEST, "invalid_time",
                          "bad time range: from (%" G_GINT64_FORMAT ") is after to (%" G_GINT64_FORMAT ")",
                          selection->from_ms, selection->to_ms);
      return FALSE;
    }

  /* Parse the caller's text alone first so error positions are theirs. */
  selection->query = hw_query_parse (q ? q : "", now, &position, &error);
  if (selection->query == NULL)
    {
      reply_query_error (request, error, position);
      return FALSE;
    }
  if (must != NULL)
    {
      g_autofree char *combined = q != NULL && q[0] != '\0'
                                  ? g_strdup_printf ("%s (%s)", must, q) : g_strdup (must);

      hw_query_unref (selection->query);
      selection->query = hw_query_parse (combined, now, NULL, &error);
      if (selection->query == NULL)
        {
          reply_query_error (request, error, 0);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
parse_limit (HwHubRequest *request,
             const char   *name,
             guint64       default_value,
             guint64       max_value,
             guint        *out_limit)
{
  g_autoptr(GError) error = NULL;
  guint64 value;

  if (!hw_hub_parse_uint_param (name, hw_hub_request_get_query (request, name),
                                default_value, 1, max_value, &value, &error))
    {
      hw_hub_reply_gerror (request->msg, error);
      return FALSE;
    }
  *out_limit = (guint) value;
  return TRUE;
}

static void
reply_text (HwHubRequest *request,
            const char   *content_type,
            GString      *text)
{
  gsize len = text->len;

  soup_server_message_set_status (request->msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (request->msg, content_type, SOUP_MEMORY_TAKE,
                                    g_string_free (text, FALSE), len);
}

static void
append_json_string (GString    *out,
                    const char *text)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_VALUE);
  g_autofree char *quoted = NULL;

  json_node_set_string (node, text);
  quoted = json_to_string (node, FALSE);
  g_string_append (out, quoted);
}

/* {"MEMBER":[stored json,…],"next_cursor":…}: bodies are spliced in as
 * stored, which keeps large pages cheap. */
static void
reply_page (HwHubRequest *request,
            const char   *member,
            HwSearchPage *page)
{
  GString *out = g_string_sized_new (4096);

  g_string_append_printf (out, "{\"%s\":[", member);
  for (guint i = 0; i < page->rows->len; i++)
    {
      HwEventRow *row = g_ptr_array_index (page->rows, i);

      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append (out, row->json != NULL ? row->json : "null");
    }
  g_string_append (out, "],\"next_cursor\":");
  if (page->next_cursor != NULL)
    append_json_string (out, page->next_cursor);
  else
    g_string_append (out, "null");
  g_string_append_c (out, '}');
  reply_text (request, "application/json", out);
}

static void
search (HwHubRequest *request,
        const char   *must,
        const char   *member)
{
  g_auto(Selection) selection = { 0 };
  g_autoptr(HwSearchPage) page = NULL;
  g_autoptr(GError) error = NULL;
  const char *order_text = hw_hub_request_get_query (request, "order");
  HwEventOrder order = HW_EVENT_ORDER_NEWEST_FIRST;
  guint limit;

  if (!parse_selection (request, must, &selection)
      || !parse_limit (request, "limit", DEFAULT_PAGE, MAX_PAGE, &limit))
    return;
  if (order_text != NULL && g_str_equal (order_text, "oldest"))
    order = HW_EVENT_ORDER_OLDEST_FIRST;
  else if (order_text != NULL && !g_str_equal (order_text, "newest"))
    {
      hw_hub_reply_error (request->msg, SOUP_STATUS_BAD_REQUEST, "protocol_error",
                          "parameter 'order': expected newest or oldest, got '%s'", order_text);
      return;
    }

  page = hw_event_store_search (hw_hub_get_store (request->hub), selection.query, selection.from_ms,
                                selection.to_ms, order, limit,
                                hw_hub_request_get_query (request, "cursor"), NULL, &error);
  if (page == NULL)
    {
      hw_hub_reply_gerror (request->msg, error);
      return;
    }
  reply_page (request, member, page);
}

static void
get_events (HwHubRequest *request,
            gpointer      user_data)
{
  search (request, NULL, "events");
}

static void
get_faults (HwHubRequest *request,
            gpointer      user_data)
{
  search (request, "type:fault", "faults");
}

static void
get_count (HwHubRequest *request,
           gpointer      user_data)
{
  g_auto(Selection) selection = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = json_object_new ();
  gint64 count;

  if (!parse_selection (request, NULL, &selection))
    return;
  count = hw_event_store_count (hw_hub_get_store (request->hub), selection.query,
                                selection.from_ms, selection.to_ms, NULL, &error);
  if (count < 0)
    {
      hw_hub_reply_gerror (request->msg, error);
      return;
    }
  json_object_set_int_member (answer, "count", count);
  hw_hub_reply_object (request->msg, SOUP_STATUS_OK, answer);
}

static void
get_histogram (HwHubRequest *request,
               gpointer      user_data)
{
  g_auto(Selection) selection = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(HwHistogram) histogram = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  guint buckets;

  if (!parse_selection (request, NULL, &selection)
      || !parse_limit (request, "buckets", 60, 1000, &buckets))
    return;
  histogram = hw_event_store_histogram (hw_hub_get_store (request->hub), selection.query,
                                        selection.from_ms, selection.to_ms, buckets, NULL, &error);
  if (histogram == NULL)
    {
      hw_hub_reply_gerror (request->msg, error);
      return;
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "bucket_ms");
  json_builder_add_int_value (builder, histogram->bucket_ms);
  json_builder_set_member_name (builder, "from");
  json_builder_add_int_value (builder, histogram->from_ms);
  json_builder_set_member_name (builder, "to");
  json_builder_add_int_value (builder, histogram->to_ms);
  json_builder_set_member_name (builder, "total");
  json_builder_add_int_value (builder, histogram->total);
  json_builder_set_member_name (builder, "buckets");
  json_builder_begin_array (builder);
  for (guint i = 0; histogram->buckets != NULL && i < histogram->buckets->len; i++)
    {
      HwHistogramBucket *bucket = &g_array_index (histogram->buckets, HwHistogramBucket, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "start_ms");
      json_builder_add_int_value (builder, bucket->start_ms);
      json_builder_set_member_name (builder, "count");
      json_builder_add_int_value (builder, bucket->count);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  hw_hub_reply_json (request->msg, SOUP_STATUS_OK, root);
}

static const char * const tree_levels[] = { "year", "month", "day", "hour" };

/* Accepts "2024-05-03T14", "2024/05/03/14" and mixtures; the store wants
 * slashes. Returns the depth (0 for no prefix) or -1 when malformed. */
static int
normalize_prefix (const char  *prefix,
                  char       **out_parent)
{
  g_auto(GStrv) parts = NULL;
  g_autofree char *copy = NULL;
  guint n;

  *out_parent = NULL;
  if (prefix == NULL || prefix[0] == '\0')
    return 0;
  copy = g_strdup (prefix);
  g_strdelimit (copy, "-T /", '/');
  parts = g_strsplit (copy, "/", -1);
  n = g_strv_length (parts);
  if (n > 3)
    return -1;
  for (guint i = 0; i < n; i++)
    for (const char *p = parts[i]; *p; p++)
      if (!g_ascii_isdigit (*p))
        return -1;
  *out_parent = g_strjoinv ("/", parts);
  return (int) n;
}

static void
get_tree (HwHubRequest *request,
          gpointer      user_data)
{
  g_auto(Selection) selection = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) nodes = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *parent = NULL;
  const char *prefix = hw_hub_request_get_query (request, "prefix");
  const char *level = hw_hub_request_get_query (request, "level");
  int depth;

  depth = normalize_prefix (prefix, &parent);
  if (depth < 0)
    {
      hw_hub_reply_error (request->msg, SOUP_STATUS_BAD_REQUEST, "invalid_query",
                          "parameter 'prefix': expected YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH, got '%s'",
                          prefix);
      return;
    }
  if (level != NULL && level[0] != '\0' && !g_str_equal (level, tree_levels[depth]))
    {
      hw_hub_reply_error (request->msg, SOUP_STATUS_BAD_REQUEST, "invalid_query",
                          "parameter 'level': the children of prefix '%s' are %ss, not '%s'",
                          prefix ? prefix : "", tree_levels[depth], level);
      return;
    }
  if (!parse_selection (request, NULL, &selection))
    return;

  nodes = hw_event_store_tree (hw_hub_get_store (request->hub), parent, selection.query,
                               selection.from_ms, selection.to_ms, NULL, &error);
  if (nodes == NULL)
    {
      hw_hub_reply_gerror (request->msg, error);
      return;
    }
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "level");
  json_builder_add_string_value (builder, tree_levels[depth]);
  json_builder_set_member_name (builder, "prefix");
  json_builder_add_string_value (builder, parent ? parent : "");
  json_builder_set_member_name (builder, "nodes");
  json_builder_begin_array (builder);
  for (guint i = 0; i < nodes->len; i++)
    {
      HwTreeNode *node = g_ptr_array_index (nodes, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "key");
      json_builder_add_string_value (builder, node->key);
      json_builder_set_member_name (builder, "start_ms");
      json_builder_add_int_value (builder, node->start_ms);
      json_builder_set_member_name (builder, "end_ms");
      json_builder_add_int_value (builder, node->end_ms);
      json_builder_set_member_name (builder, "count");
      json_builder_add_int_value (builder, node->count);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  hw_hub_reply_json (request->msg, SOUP_STATUS_OK, root);
}

static void
get_event (HwHubRequest *request,
           gpointer      user_data)
{
  const char *id = hw_hub_request_get_param (request, "id");
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  gsize len;

  json = hw_event_store_get_event_json_by_id (hw_hub_get_store (request->hub), id, &error);
  if (json == NULL)
    {
      if (g_error_matches (error, HW_ERROR, HW_ERROR_NOT_FOUND))
        hw_hub_reply_error (request->msg, SOUP_STATUS_NOT_FOUND, "not_found", "no event with id '%s'", id);
      else
        hw_hub_reply_gerror (request->msg, error);
      return;
    }
  len = strlen (json);
  soup_server_message_set_status (request->msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (request->msg, "application/json", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&json), len);
}

static void
get_sync (HwHubRequest *request,
          gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  GString *out;
  guint64 after;
  guint limit;
  gint64 max_seq;
  char header[32];

  if (!hw_hub_parse_uint_param ("after", hw_hub_request_get_query (request, "after"),
                                0, 0, G_MAXINT64, &after, &error))
    {
      hw_hub_reply_gerror (request->msg, error);
      return;
    }
  if (!parse_limit (request, "limit", DEFAULT_SYNC, MAX_SYNC, &limit))
    return;

  max_seq = hw_event_store_get_max_seq (hw_hub_get_store (request->hub), &error);
  rows = max_seq < 0 ? NULL
         : hw_event_store_events_after (hw_hub_get_store (request->hub), (gint64) after, limit, NULL, &error);
  if (rows == NULL)
    {
      hw_hub_reply_gerror (request->msg, error);
      return;
    }

  out = g_string_sized_new (4096);
  for (guint i = 0; i < rows->len; i++)
    {
      HwEventRow *row = g_ptr_array_index (rows, i);

      g_string_append_printf (out, "{\"seq\":%" G_GINT64_FORMAT ",\"received_ms\":%" G_GINT64_FORMAT
                              ",\"event\":%s}\n", row->seq, row->received_ms,
                              row->json != NULL ? row->json : "null");
    }
  /* Lets a syncing client tell "caught up" from "page full". */
  g_snprintf (header, sizeof header, "%" G_GINT64_FORMAT, max_seq);
  soup_message_headers_replace (soup_server_message_get_response_headers (request->msg),
                                "X-Hubwatch-Max-Seq", header);
  reply_text (request, "application/x-ndjson", out);
}

static gboolean
parse_group_by (const char      *text,
                HwFaultGroupBy  *out_by,
                GError         **error)
{
  g_auto(GStrv) parts = NULL;

  if (text == NULL || text[0] == '\0')
    {
      *out_by = HW_FAULT_GROUP_FUNCTIONNAME | HW_FAULT_GROUP_PIPELINE | HW_FAULT_GROUP_ERR_MESSAGE;
      return TRUE;
    }
  *out_by = 0;
  parts = g_strsplit (text, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *part = g_strstrip (parts[i]);

      if (g_str_equal (part, "functionname"))
        *out_by |= HW_FAULT_GROUP_FUNCTIONNAME;
      else if (g_str_equal (part, "pipeline"))
        *out_by |= HW_FAULT_GROUP_PIPELINE;
      else if (g_str_equal (part, "err.message") || g_str_equal (part, "message"))
        *out_by |= HW_FAULT_GROUP_ERR_MESSAGE;
      else
        {
          g_set_error (error, HW_ERROR, HW_ERROR_PROTOCOL,
                       "parameter 'by': unknown field '%s' (functionname, pipeline, err.message)", part);
          return FALSE;
        }
    }
  return TRUE;
}

static void
add_nullable_string (JsonBuilder *builder,
                     const char  *name,
                     const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
get_fault_groups (HwHubRequest *request,
                  gpointer      user_data)
{
  g_auto(Selection) selection = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) groups = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  HwFaultFilter filter = { 0 };
  HwFaultGroupBy by;

  if (!parse_group_by (hw_hub_request_get_query (request, "by"), &by, &error))
    {
      hw_hub_reply_gerror (request->msg, error);
      return;
    }
  if (!parse_selection (request, NULL, &selection))
    return;
  if (!hw_query_is_empty (selection.query))
    filter.query = selection.query;
  /* The fault filter uses 0 for "unbounded". */
  filter.from_ms = selection.from_ms != HW_EVENT_STORE_UNBOUNDED ? selection.from_ms : 0;
  filter.to_ms = selection.to_ms != HW_EVENT_STORE_UNBOUNDED ? selection.to_ms : 0;
  groups = hw_event_store_fault_groups (hw_hub_get_store (request->hub), by, &filter, NULL, &error);
  if (groups == NULL)
    {
      hw_hub_reply_gerror (request->msg, error);
      return;
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "groups");
  json_builder_begin_array (builder);
  for (guint i = 0; i < groups->len; i++)
    {
      HwFaultGroup *group = g_ptr_array_index (groups, i);

      json_builder_begin_object (builder);
      add_nullable_string (builder, "functionname", group->functionname);
      add_nullable_string (builder, "pipeline", group->pipeline);
      add_nullable_string (builder, "message", group->err_message);
      json_builder_set_member_name (builder, "count");
      json_builder_add_int_value (builder, group->count);
      json_builder_set_member_name (builder, "first_seen_ms");
      json_builder_add_int_value (builder, group->first_seen_ms);
      json_builder_set_member_name (builder, "last_seen_ms");
      json_builder_add_int_value (builder, group->last_seen_ms);
      add_nullable_string (builder, "sample_id", group->sample_id);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  hw_hub_reply_json (request->msg, SOUP_STATUS_OK, root);
}

/* Every route above: with the JetStream engine each answers once this
 * replica holds what the stream held when the request came. */
static const char * const lake_paths[] = {
  "/v1/events", "/v1/events/count", "/v1/events/histogram", "/v1/events/tree", "/v1/events/sync",
  "/v1/events/{id}", "/v1/faults", "/v1/faults/groups", NULL,
};

void
hw_hub_api_read_register (HwHub *hub)
{
  hw_hub_add_route (hub, "GET", "/v1/events", HW_ROLE_VIEWER, get_events, NULL);
  hw_hub_add_route (hub, "GET", "/v1/events/count", HW_ROLE_VIEWER, get_count, NULL);
  hw_hub_add_route (hub, "GET", "/v1/events/histogram", HW_ROLE_VIEWER, get_histogram, NULL);
  hw_hub_add_route (hub, "GET", "/v1/events/tree", HW_ROLE_VIEWER, get_tree, NULL);
  hw_hub_add_route (hub, "GET", "/v1/events/sync", HW_ROLE_VIEWER, get_sync, NULL);
  hw_hub_add_route (hub, "GET", "/v1/events/{id}", HW_ROLE_VIEWER, get_event, NULL);
  hw_hub_add_route (hub, "GET", "/v1/faults", HW_ROLE_VIEWER, get_faults, NULL);
  hw_hub_add_route (hub, "GET", "/v1/faults/groups", HW_ROLE_VIEWER, get_fault_groups, NULL);

  for (const char * const *path = lake_paths; *path != NULL; path++)
    hw_hub_route_reads_lake (hub, "GET", *path);
}
