/* hw-hub-api-events.c: POST /v1/events (the bus) and the event read endpoints
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-error.h"
#include "hw-event-store.h"
#include "hw-hub-api-read.h"
#include "hw-hub-http.h"
#include "hw-hub-metrics.h"
#include "hw-hub-private.h"
#include "hw-json-guard.h"

/* More items than this in one request is refused as a whole (413): the
 * answer lists every item, and one transaction should stay short. */
#define MAX_ITEMS_PER_REQUEST 10000

typedef struct
{
  guint       index;
  guint       line;        /* NDJSON only, 1-based; 0 otherwise */
  HwEvent    *event;       /* NULL when rejected */
  const char *reason;      /* rejected: a hw_error_code_name() */
  char       *message;
  HwInsertStatus status;
  gint64      seq;
} Item;

static void
item_clear (Item *item)
{
  g_clear_pointer (&item->event, hw_event_unref);
  g_clear_pointer (&item->message, g_free);
}

static void
item_reject (Item         *item,
             const GError *error)
{
  item->reason = error->domain == HW_ERROR ? hw_error_code_name (error->code) : "invalid_event";
  item->message = g_strdup (error->message);
}

static void
item_reject_too_large (Item  *item,
                       gsize  size,
                       gsize  limit)
{
  item->reason = "too_large";
  item->message = g_strdup_printf ("event of %" G_GSIZE_FORMAT " bytes exceeds the limit of %"
                                   G_GSIZE_FORMAT " bytes", size, limit);
}

static HwParseLimits
limits_for (HwHub *hub)
{
  const HwHubConfig *config = hw_hub_get_config (hub);
  HwParseLimits limits = hw_parse_limits_default ();

  /* The parser enforces the limit too, but we check first so the reason is
   * "too_large" whatever the parser calls it. */
  limits.max_event_bytes = MAX (limits.max_event_bytes, config->max_event_bytes);
  limits.max_depth = config->max_depth;
  return limits;
}

static gboolean
is_blank (const char *line,
          gsize       len)
{
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isspace (line[i]))
      return FALSE;
  return TRUE;
}

static void
parse_ndjson (HwHub      *hub,
              GBytes     *body,
              GArray     *items)
{
  const HwHubConfig *config = hw_hub_get_config (hub);
  HwParseLimits limits = limits_for (hub);
  gsize length = 0;
  const char *data = g_bytes_get_data (body, &length);
  const char *end = data + length;
  guint line_no = 0;

  for (const char *line = data; line < end; )
    {
      const char *nl = memchr (line, '\n', end - line);
      const char *stop = nl != NULL ? nl : end;
      gsize len = stop - line;
      g_autoptr(GError) error = NULL;
      Item item = { 0 };

      line_no++;
      if (len > 0 && line[len - 1] == '\r')
        len--;
      if (is_blank (line, len))
        goto next;

      item.index = items->len;
      item.line = line_no;
      if (len > config->max_event_bytes)
        item_reject_too_large (&item, len, config->max_event_bytes);
      else if ((item.event = hw_event_parse (line, len, &limits, &error)) == NULL)
        item_reject (&item, error);
      g_array_append_val (items, item);
    next:
      line = stop + 1;
    }
}

static void
parse_json_item (HwHub         *hub,
                 JsonNode      *node,
                 HwParseLimits *limits,
                 GArray        *items)
{
  const HwHubConfig *config = hw_hub_get_config (hub);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = json_to_string (node, FALSE);
  gsize size = strlen (text);
  Item item = { .index = items->len };

  if (size > config->max_event_bytes)
    item_reject_too_large (&item, size, config->max_event_bytes);
  else if ((item.event = hw_event_parse_node (node, size, limits, &error)) == NULL)
    item_reject (&item, error);
  g_array_append_val (items, item);
}

/* Returns FALSE (after answering) when the body is not JSON at all. */
static gboolean
parse_json_body (HwHubRequest *request,
                 GArray       *items)
{
  HwHub *hub = request->hub;
  HwParseLimits limits = limits_for (hub);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  gsize length = 0;
  const char *data = g_bytes_get_data (request->body, &length);

  /* Array bodies nest one level deeper than the events they carry. */
  root = hw_hub_parse_json (data, length, hw_hub_get_config (hub)->max_depth + 1, &error);
  if (root == NULL)
    {
      hw_hub_reply_gerror (request->msg, error);
      return FALSE;
    }
  if (JSON_NODE_HOLDS_OBJECT (root))
    parse_json_item (hub, root, &limits, items);
  else if (JSON_NODE_HOLDS_ARRAY (root))
    {
      JsonArray *array = json_node_get_array (root);
      guint n = json_array_get_length (array);

      if (n > MAX_ITEMS_PER_REQUEST)
        {
          hw_hub_reply_error (request->msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "too_large",
                              "%u events in one request; the limit is %d", n, MAX_ITEMS_PER_REQUEST);
          return FALSE;
        }
      for (guint i = 0; i < n; i++)
        parse_json_item (hub, json_array_get_element (array, i), &limits, items);
    }
  else
    {
      hw_hub_reply_error (request->msg, SOUP_STATUS_BAD_REQUEST, "invalid_json",
                          "expected an event object or an array of events, got a JSON %s",
                          json_node_type_name (root));
      return FALSE;
    }
  return TRUE;
}

static void
record_metrics (HwHub  *hub,
                GArray *items)
{
  HwHubMetrics *metrics = hw_hub_metrics (hub);

  for (guint i = 0; i < items->len; i++)
    {
      Item *item = &g_array_index (items, Item, i);
      HwEvent *event = item->event;

      if (event == NULL || item->status != HW_INSERT_ACCEPTED)
        continue;
      hw_hub_metrics_counter_add (metrics, "domain.event.count", 1,
                                  "type", event->type, "source", event->source,
                                  "functionname", event->functionname, NULL);
      hw_hub_metrics_counter_add (metrics, "domain.event.size", (double) event->size,
                                  "type", event->type, "source", event->source,
                                  "functionname", event->functionname, NULL);
      if (g_str_equal (event->type, "fault"))
        hw_hub_metrics_counter_add (metrics, "fault.count", 1,
                                    "functionname", event->functionname, "pipeline", event->pipeline,
                                    "err.name", event->err_name, NULL);
    }
}

static void
build_item (JsonBuilder *builder,
            Item        *item)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "index");
  json_builder_add_int_value (builder, item->index);
  if (item->line > 0)
    {
      json_builder_set_member_name (builder, "line");
      json_builder_add_int_value (builder, item->line);
    }
  if (item->event != NULL)
    {
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, item->event->id);
      json_builder_set_member_name (builder, "status");
      json_builder_add_string_value (builder, item->status == HW_INSERT_ACCEPTED ? "accepted" : "duplicate");
      json_builder_set_member_name (builder, "seq");
      json_builder_add_int_value (builder, item->seq);
    }
  else
    {
      json_builder_set_member_name (builder, "status");
      json_builder_add_string_value (builder, "rejected");
      json_builder_set_member_name (builder, "reason");
      json_builder_add_string_value (builder, item->reason);
      json_builder_set_member_name (builder, "message");
      json_builder_add_string_value (builder, item->message);
    }
  json_builder_end_object (builder);
}

static void
reply_items (HwHubRequest *request,
             GArray       *items,
             guint         n_accepted,
             guint         n_duplicates,
             guint         n_rejected,
             gint64        first_seq,
             gint64        last_seq)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  guint status = SOUP_STATUS_OK;

  json_builder_begin_object (builder);
  if (n_accepted + n_duplicates == 0)
    {
      /* Nothing usable: the request as a whole is bad, but the items still
       * say exactly why. */
      Item *first = &g_array_index (items, Item, 0);
      gboolean all_too_large = TRUE;

      for (guint i = 0; i < items->len; i++)
        all_too_large &= g_strcmp0 (g_array_index (items, Item, i).reason, "too_large") == 0;
      status = all_too_large ? SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE : SOUP_STATUS_BAD_REQUEST;
      json_builder_set_member_name (builder, "error");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "code");
      json_builder_add_string_value (builder, all_too_large ? "too_large" : first->reason);
      json_builder_set_member_name (builder, "message");
      json_builder_add_string_value (builder, items->len == 1 ? first->message
                                     : "every event was rejected; see items for the reasons");
      json_builder_end_object (builder);
    }
  json_builder_set_member_name (builder, "accepted");
  json_builder_add_int_value (builder, n_accepted);
  json_builder_set_member_name (builder, "duplicates");
  json_builder_add_int_value (builder, n_duplicates);
  json_builder_set_member_name (builder, "rejected");
  json_builder_add_int_value (builder, n_rejected);
  if (first_seq > 0)
    {
      json_builder_set_member_name (builder, "first_seq");
      json_builder_add_int_value (builder, first_seq);
      json_builder_set_member_name (builder, "last_seq");
      json_builder_add_int_value (builder, last_seq);
    }
  json_builder_set_member_name (builder, "items");
  json_builder_begin_array (builder);
  for (guint i = 0; i < items->len; i++)
    build_item (builder, &g_array_index (items, Item, i));
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  hw_hub_reply_json (request->msg, status, root);
}

/* One transaction for every parsed event: the answer is sent only after
 * COMMIT returned, so a 2xx means every accepted event is durable. */
static gboolean
commit_items (HwHubRequest  *request,
              GArray        *items,
              GError       **error)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new ();
  g_autofree HwInsertStatus *statuses = NULL;
  g_autofree gint64 *seqs = NULL;
  guint k = 0;

  for (guint i = 0; i < items->len; i++)
    if (g_array_index (items, Item, i).event != NULL)
      g_ptr_array_add (events, g_array_index (items, Item, i).event);
  if (events->len == 0)
    return TRUE;

  statuses = g_new0 (HwInsertStatus, events->len);
  seqs = g_new0 (gint64, events->len);
  if (!hw_event_store_insert (hw_hub_get_store (request->hub), (HwEvent **) events->pdata,
                              events->len, statuses, seqs, error))
    return FALSE;

  for (guint i = 0; i < items->len; i++)
    {
      Item *item = &g_array_index (items, Item, i);

      if (item->event == NULL)
        continue;
      item->status = statuses[k];
      item->seq = seqs[k];
      k++;
    }
  return TRUE;
}

static void
post_events (HwHubRequest *request,
             gpointer      user_data)
{
  g_autoptr(GArray) items = g_array_new (FALSE, TRUE, sizeof (Item));
  g_autoptr(GError) error = NULL;
  guint n_accepted = 0, n_duplicates = 0, n_rejected = 0;
  gint64 first_seq = 0, last_seq = 0;

  g_array_set_clear_func (items, (GDestroyNotify) item_clear);

  if (g_bytes_get_size (request->body) == 0)
    {
      hw_hub_reply_error (request->msg, SOUP_STATUS_BAD_REQUEST, "invalid_json",
                          "empty body: send an event, an array of events or NDJSON");
      return;
    }
  if (g_strcmp0 (request->content_type, "application/x-ndjson") == 0)
    parse_ndjson (request->hub, request->body, items);
  else if (!parse_json_body (request, items))
    return;

  if (items->len == 0)
    {
      hw_hub_reply_error (request->msg, SOUP_STATUS_BAD_REQUEST, "invalid_json",
                          "no events in the request");
      return;
    }
  if (items->len > MAX_ITEMS_PER_REQUEST)
    {
      hw_hub_reply_error (request->msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "too_large",
                          "%u events in one request; the limit is %d", items->len, MAX_ITEMS_PER_REQUEST);
      return;
    }

  if (!commit_items (request, items, &error))
    {
      g_prefix_error (&error, "cannot store the events: ");
      if (error->domain == HW_ERROR && error->code != HW_ERROR_IO && error->code != HW_ERROR_CORRUPT)
        hw_hub_reply_gerror (request->msg, error);
      else
        {
          g_warning ("%s", error->message);
          hw_hub_reply_error (request->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "unavailable",
                              "the event store cannot take writes right now; nothing was stored, retry");
        }
      return;
    }

  for (guint i = 0; i < items->len; i++)
    {
      Item *item = &g_array_index (items, Item, i);

      if (item->event == NULL)
        n_rejected++;
      else if (item->status == HW_INSERT_DUPLICATE)
        n_duplicates++;
      else
        {
          n_accepted++;
          first_seq = first_seq == 0 ? item->seq : MIN (first_seq, item->seq);
          last_seq = MAX (last_seq, item->seq);
        }
    }

  record_metrics (request->hub, items);
  if (n_accepted > 0)
    hw_hub_notify_appended (request->hub, first_seq, last_seq);
  reply_items (request, items, n_accepted, n_duplicates, n_rejected, first_seq, last_seq);
}

void
hw_hub_api_events_register (HwHub *hub)
{
  hw_hub_add_route (hub, "POST", "/v1/events", HW_ROLE_PUBLISHER, post_events, NULL);
  hw_hub_route_accept_ndjson (hub, "POST", "/v1/events");
  hw_hub_api_read_register (hub);
}
