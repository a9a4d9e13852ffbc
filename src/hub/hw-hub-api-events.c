/* hw-hub-api-events.c: POST /v1/events (the bus) and the event read endpoints
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-error.h"
#include "hw-event-prepare.h"
#include "hw-event-store.h"
#include "hw-hub-api-read.h"
#include "hw-hub-http.h"
#include "hw-hub-ingest.h"
#include "hw-hub-metrics.h"
#include "hw-hub-private.h"
#include "hw-json-guard.h"

/* More items than this in one request is refused as a whole (413): the
 * answer lists every item, and one transaction should stay short. */
#define MAX_ITEMS_PER_REQUEST 10000

/* One request's parse step: the events are prepared (compressed, indexed)
 * here on the worker, with the store's mask rules, so that the single
 * writer thread only writes. A preparer per request: it is not
 * thread-safe, and the rules may change between requests. */
typedef struct
{
  HwHub           *hub;
  HwEventPreparer *preparer;
  HwParseLimits    limits;
  GArray          *items;
  GArray          *prepared;  /* HwPreparedEvent, in item order */
  GError          *error;     /* a failure that is not the input's (compressing) */
} ParseState;

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

/* Keeps @prepared as the item's event, or rejects the item for @error;
 * FALSE when the failure is not the item's (then state->error is set). */
static gboolean
item_take_prepared (ParseState      *state,
                    Item            *item,
                    gboolean         ok,
                    HwPreparedEvent *prepared,
                    GError          *error)
{
  if (ok)
    {
      item->event = hw_event_ref (prepared->event);
      g_array_append_vals (state->prepared, prepared, 1);
      return TRUE;
    }
  hw_prepared_event_clear (prepared);
  if (g_error_matches (error, HW_ERROR, HW_ERROR_FAILED))
    {
      state->error = g_error_copy (error);
      return FALSE;
    }
  item_reject (item, error);
  return TRUE;
}

static gboolean
parse_ndjson (ParseState *state,
              GBytes     *body)
{
  const HwHubConfig *config = hw_hub_get_config (state->hub);
  GArray *items = state->items;
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
      HwPreparedEvent prepared = { NULL };
      Item item = { 0 };
      gboolean ok;

      line_no++;
      if (len > 0 && line[len - 1] == '\r')
        len--;
      if (hw_json_guard_is_blank (line, len))
        goto next;

      item.index = items->len;
      item.line = line_no;
      if (len > config->max_event_bytes)
        item_reject_too_large (&item, len, config->max_event_bytes);
      else
        {
          ok = hw_event_preparer_parse (state->preparer, line, len, &state->limits, &prepared, &error);
          if (!item_take_prepared (state, &item, ok, &prepared, error))
            return FALSE;
        }
      g_array_append_val (items, item);
    next:
      line = stop + 1;
    }
  return TRUE;
}

static gboolean
parse_json_item (ParseState *state,
                 JsonNode   *node)
{
  const HwHubConfig *config = hw_hub_get_config (state->hub);
  g_autoptr(GError) error = NULL;
  g_autoptr(HwEvent) event = NULL;
  g_autofree char *text = json_to_string (node, FALSE);
  gsize size = strlen (text);
  HwPreparedEvent prepared = { NULL };
  Item item = { .index = state->items->len };
  gboolean ok;

  if (size > config->max_event_bytes)
    item_reject_too_large (&item, size, config->max_event_bytes);
  else
    {
      event = hw_event_parse_node (node, size, &state->limits, &error);
      ok = event != NULL && hw_event_preparer_prepare (state->preparer, event, &prepared, &error);
      if (!item_take_prepared (state, &item, ok, &prepared, error))
        return FALSE;
    }
  g_array_append_val (state->items, item);
  return TRUE;
}

/* The answer of a request refused as a whole, like hw_hub_reply_error(). */
G_GNUC_PRINTF (4, 5)
static void
job_refuse (HwIngestJob *job,
            guint        status,
            const char  *code,
            const char  *format,
            ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  job->status = status;
  job->body = hw_hub_error_body_new (code, message);
}

/* Like hw_hub_reply_gerror(): internal details stay in the log. */
static void
job_refuse_gerror (HwIngestJob  *job,
                   const GError *error)
{
  guint status = hw_hub_status_for_error (error);

  if (status < 500)
    job_refuse (job, status, hw_error_code_name (error->code), "%s", error->message);
  else
    {
      g_warning ("POST /v1/events failed: %s", error->message);
      job_refuse (job, status, "internal", "internal error; see the hub log");
    }
}

/* Returns FALSE (with the answer set, or state->error) when the body is
 * not JSON at all. */
static gboolean
parse_json_body (HwIngestJob *job,
                 ParseState  *state)
{
  HwHub *hub = job->request->hub;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  gsize length = 0;
  const char *data = g_bytes_get_data (job->request->body, &length);

  /* Array bodies nest one level deeper than the events they carry. */
  root = hw_hub_parse_json (data, length, hw_hub_get_config (hub)->max_depth + 1, &error);
  if (root == NULL)
    {
      job_refuse_gerror (job, error);
      return FALSE;
    }
  if (JSON_NODE_HOLDS_OBJECT (root))
    return parse_json_item (state, root);
  else if (JSON_NODE_HOLDS_ARRAY (root))
    {
      JsonArray *array = json_node_get_array (root);
      guint n = json_array_get_length (array);

      if (n > MAX_ITEMS_PER_REQUEST)
        {
          job_refuse (job, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "too_large",
                      "%u events in one request; the limit is %d", n, MAX_ITEMS_PER_REQUEST);
          return FALSE;
        }
      for (guint i = 0; i < n; i++)
        if (!parse_json_item (state, json_array_get_element (array, i)))
          return FALSE;
    }
  else
    {
      job_refuse (job, SOUP_STATUS_BAD_REQUEST, "invalid_json",
                  "expected an event object or an array of events, got a JSON %s",
                  json_node_type_name (root));
      return FALSE;
    }
  return TRUE;
}

/* What the events of one request with the same labels add to the domain
 * counters. Recorded once per label set: per event, the two counters were
 * a fifth of the parse workers' time (a key printed, the registry locked
 * and every rollup updated, twice per event). */
typedef struct
{
  HwEvent        *event;   /* the first with these labels, for their values */
  gint64          at_ms;   /* when they count (hw_hub_metrics_count_time()) */
  HwMetricsBatch  count;
  HwMetricsBatch  size;
} DomainTally;

/* Lengths first, so that no label value can run into the next. */
static char *
domain_key (HwEvent *event,
            gint64   at_ms)
{
  const char *source = event->source != NULL ? event->source : "";
  const char *functionname = event->functionname != NULL ? event->functionname : "";

  return g_strdup_printf ("%" G_GINT64_FORMAT " %zu:%s%zu:%s%s", at_ms, strlen (event->type), event->type,
                          strlen (source), source, functionname);
}

/* Events count at their own time when they arrive late (a backfill), so
 * the tallies are per label set and counting time. */
static void
tally_domain_event (GHashTable *tallies,
                    HwEvent    *event,
                    gint64      now_ms)
{
  gint64 at_ms = hw_hub_metrics_count_time (now_ms, event->timestamp_ms);
  g_autofree char *key = domain_key (event, at_ms);
  DomainTally *tally = g_hash_table_lookup (tallies, key);

  if (tally == NULL)
    {
      tally = g_new0 (DomainTally, 1);
      tally->event = event;
      tally->at_ms = at_ms;
      g_hash_table_insert (tallies, g_steal_pointer (&key), tally);
    }
  hw_metrics_batch_add (&tally->count, 1);
  hw_metrics_batch_add (&tally->size, (double) event->size);
}

static void
record_domain_tallies (HwHubMetrics *metrics,
                       GHashTable   *tallies)
{
  GHashTableIter iter;
  DomainTally *tally;

  g_hash_table_iter_init (&iter, tallies);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &tally))
    {
      HwEvent *event = tally->event;
      const char *labels[] = {
        "type", event->type,
        "source", event->source != NULL ? event->source : "",
        "functionname", event->functionname != NULL ? event->functionname : "",
        NULL,
      };

      hw_hub_metrics_counter_add_batch_at (metrics, "domain.event.count", labels, &tally->count, tally->at_ms);
      hw_hub_metrics_counter_add_batch_at (metrics, "domain.event.size", labels, &tally->size, tally->at_ms);
    }
}

static void
record_fault (HwHubMetrics *metrics,
              HwEvent      *event)
{
  const char *labels[] = {
    "functionname", event->functionname != NULL ? event->functionname : "",
    "pipeline", event->pipeline != NULL ? event->pipeline : "",
    "err.name", event->err_name != NULL ? event->err_name : "",
    NULL,
  };
  HwMetricsBatch one = { 0 };

  hw_metrics_batch_add (&one, 1);
  hw_hub_metrics_counter_add_batch_at (metrics, "fault.count", labels, &one, event->timestamp_ms);
}

static void
record_metrics (HwHub  *hub,
                GArray *items)
{
  HwHubMetrics *metrics = hw_hub_metrics (hub);
  g_autoptr(GHashTable) tallies = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  gint64 now_ms = g_get_real_time () / 1000;

  for (guint i = 0; i < items->len; i++)
    {
      Item *item = &g_array_index (items, Item, i);
      HwEvent *event = item->event;

      if (event == NULL || item->status != HW_INSERT_ACCEPTED)
        continue;
      tally_domain_event (tallies, event, now_ms);
      if (g_str_equal (event->type, "fault"))
        record_fault (metrics, event);
    }
  record_domain_tallies (metrics, tallies);
}

/* The answer to a batch is written directly rather than through a
 * JsonBuilder, which makes a node per value: for 500 items that was a third
 * of the work after the commit. */
static void
append_string (GString    *out,
               const char *value)
{
  g_autofree char *valid = NULL;

  if (value == NULL)
    {
      g_string_append (out, "null");
      return;
    }
  if (!g_utf8_validate (value, -1, NULL))
    value = valid = g_utf8_make_valid (value, -1);
  g_string_append_c (out, '"');
  for (const guchar *p = (const guchar *) value; *p != '\0'; p++)
    {
      switch (*p)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        default:
          if (*p < 0x20)
            g_string_append_printf (out, "\\u%04x", *p);
          else
            g_string_append_c (out, (char) *p);
          break;
        }
    }
  g_string_append_c (out, '"');
}

static void
append_item (GString *out,
             Item    *item)
{
  g_string_append_printf (out, "{\"index\":%u,", item->index);
  if (item->line > 0)
    g_string_append_printf (out, "\"line\":%u,", item->line);
  if (item->event != NULL)
    {
      g_string_append (out, "\"id\":");
      append_string (out, item->event->id);
      g_string_append_printf (out, ",\"status\":\"%s\",\"seq\":%" G_GINT64_FORMAT "}",
                              item->status == HW_INSERT_ACCEPTED ? "accepted" : "duplicate", item->seq);
    }
  else
    {
      g_string_append (out, "\"status\":\"rejected\",\"reason\":");
      append_string (out, item->reason);
      g_string_append (out, ",\"message\":");
      append_string (out, item->message);
      g_string_append_c (out, '}');
    }
}

static void
reply_items (HwIngestJob  *job,
             GArray       *items,
             guint         n_accepted,
             guint         n_duplicates,
             guint         n_rejected,
             gint64        first_seq,
             gint64        last_seq)
{
  GString *out = g_string_sized_new (128 + items->len * 96);
  guint status = SOUP_STATUS_OK;

  g_string_append_c (out, '{');
  if (n_accepted + n_duplicates == 0)
    {
      /* Nothing usable: the request as a whole is bad, but the items still
       * say exactly why. */
      Item *first = &g_array_index (items, Item, 0);
      gboolean all_too_large = TRUE;

      for (guint i = 0; i < items->len; i++)
        all_too_large &= g_strcmp0 (g_array_index (items, Item, i).reason, "too_large") == 0;
      status = all_too_large ? SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE : SOUP_STATUS_BAD_REQUEST;
      g_string_append (out, "\"error\":{\"code\":");
      append_string (out, all_too_large ? "too_large" : first->reason);
      g_string_append (out, ",\"message\":");
      append_string (out, items->len == 1 ? first->message
                          : "every event was rejected; see items for the reasons");
      g_string_append (out, "},");
    }
  g_string_append_printf (out, "\"accepted\":%u,\"duplicates\":%u,\"rejected\":%u,",
                          n_accepted, n_duplicates, n_rejected);
  if (first_seq > 0)
    g_string_append_printf (out, "\"first_seq\":%" G_GINT64_FORMAT ",\"last_seq\":%" G_GINT64_FORMAT ",",
                            first_seq, last_seq);
  g_string_append (out, "\"items\":[");
  for (guint i = 0; i < items->len; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      append_item (out, &g_array_index (items, Item, i));
    }
  g_string_append (out, "]}");
  job->status = status;
  job->body = g_string_free (out, FALSE);
}

/* The pipeline's steps (hw-hub-ingest.c) ------------------------------------ */

/* The writer's failure: a 2xx is never sent without the commit. */
static void
refuse_insert_error (HwIngestJob *job)
{
  GError *error = job->insert_error;

  if (g_error_matches (error, HW_ERROR, HW_ERROR_UNAVAILABLE))
    {
      /* The lake stream's own words: how many, and that retrying is safe. */
      g_warning ("POST /v1/events: %s", error->message);
      job_refuse (job, SOUP_STATUS_SERVICE_UNAVAILABLE, "unavailable", "%s", error->message);
      return;
    }
  g_prefix_error (&error, "cannot store the events: ");
  if (error->domain == HW_ERROR && error->code != HW_ERROR_IO && error->code != HW_ERROR_CORRUPT)
    job_refuse_gerror (job, error);
  else
    {
      g_warning ("%s", error->message);
      job_refuse (job, SOUP_STATUS_SERVICE_UNAVAILABLE, "unavailable",
                  "the event store cannot take writes right now; nothing was stored, retry");
    }
}

void
hw_hub_publish_parse (HwIngestJob *job)
{
  HwHub *hub = job->request->hub;
  g_autoptr(HwMaskRules) rules = hw_event_store_dup_mask_rules (hw_hub_get_store (hub));
  GArray *items = g_array_new (FALSE, TRUE, sizeof (Item));
  ParseState state = { .hub = hub, .limits = limits_for (hub), .items = items };
  gboolean ok;

  g_array_set_clear_func (items, (GDestroyNotify) item_clear);
  job->items = items;
  job->prepared = g_array_new (FALSE, TRUE, sizeof (HwPreparedEvent));
  g_array_set_clear_func (job->prepared, (GDestroyNotify) hw_prepared_event_clear);
  state.prepared = job->prepared;
  state.preparer = hw_event_preparer_new (rules);
  hw_event_preparer_set_codec (state.preparer, HW_BODY_CODEC_LZ4);
  /* The JetStream engine publishes the JSON; each replica compresses what
   * it stores as its mirror reads it back. */
  hw_event_preparer_set_deferred (state.preparer, hw_hub_get_lake (hub) != NULL);

  if (job->ndjson)
    ok = parse_ndjson (&state, job->request->body);
  else
    ok = parse_json_body (job, &state);
  hw_event_preparer_free (state.preparer);

  if (state.error != NULL)
    {
      /* Answered like the commit failing would have been: nothing stored. */
      g_array_set_size (job->prepared, 0);
      job->insert_error = state.error;
      refuse_insert_error (job);
      return;
    }
  if (!ok)
    return;

  if (items->len == 0)
    {
      job_refuse (job, SOUP_STATUS_BAD_REQUEST, "invalid_json", "no events in the request");
      return;
    }
  if (items->len > MAX_ITEMS_PER_REQUEST)
    {
      job_refuse (job, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "too_large",
                  "%u events in one request; the limit is %d", items->len, MAX_ITEMS_PER_REQUEST);
      return;
    }
}

void
hw_hub_publish_finish (HwIngestJob *job)
{
  GArray *items = job->items;
  guint n_accepted = 0, n_duplicates = 0, n_rejected = 0;
  gint64 first_seq = 0, last_seq = 0;
  guint k = 0;

  /* Stored or not, the bodies and texts are no longer needed. */
  g_array_set_size (job->prepared, 0);
  if (job->insert_error != NULL)
    {
      refuse_insert_error (job);
      return;
    }

  for (guint i = 0; i < items->len; i++)
    {
      Item *item = &g_array_index (items, Item, i);

      if (item->event == NULL)
        {
          n_rejected++;
          continue;
        }
      item->status = job->statuses[k];
      item->seq = job->seqs[k];
      k++;
      if (item->status == HW_INSERT_DUPLICATE)
        n_duplicates++;
      else
        {
          n_accepted++;
          first_seq = first_seq == 0 ? item->seq : MIN (first_seq, item->seq);
          last_seq = MAX (last_seq, item->seq);
        }
    }

  record_metrics (job->request->hub, items);
  reply_items (job, items, n_accepted, n_duplicates, n_rejected, first_seq, last_seq);
}

void
hw_hub_publish_clear (HwIngestJob *job)
{
  g_clear_pointer (&job->items, g_array_unref);
  g_clear_pointer (&job->prepared, g_array_unref);
}

/* Parsing, validation and the commit run off the main context (see
 * hw-hub-ingest.c); the message stays paused until its events are
 * committed, so a 2xx still means they are durable. */
static void
post_events (HwHubRequest *request,
             gpointer      user_data)
{
  HwHubIngest *ingest = hw_hub_get_ingest (request->hub);

  if (g_bytes_get_size (request->body) == 0)
    {
      hw_hub_reply_error (request->msg, SOUP_STATUS_BAD_REQUEST, "invalid_json",
                          "empty body: send an event, an array of events or NDJSON");
      return;
    }
  if (ingest == NULL || !hw_hub_admits (request->hub, request->msg))
    {
      hw_hub_reply_error (request->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "unavailable",
                          "the hub is shutting down; nothing was stored, retry");
      return;
    }
  hw_hub_ingest_submit (ingest, request, g_strcmp0 (request->content_type, "application/x-ndjson") == 0);
}

void
hw_hub_api_events_register (HwHub *hub)
{
  hw_hub_add_route (hub, "POST", "/v1/events", HW_ROLE_PUBLISHER, post_events, NULL);
  hw_hub_route_accept_ndjson (hub, "POST", "/v1/events");
  hw_hub_api_read_register (hub);
}
