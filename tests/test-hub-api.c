/* test-hub-api.c: the hub API v1 over loopback against the real hubwatchd
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-test-hub.h"
#include "hw-test-util.h"

/* 2024-05-03T14:00:00Z: fixed times make tree and range answers exact. */
#define T0 G_GINT64_CONSTANT (1714744800000)

static HwTestHub *shared_hub;

static JsonObject *
object_of (JsonNode *node)
{
  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_node_get_object (node);
}

static char *
unique (const char *prefix)
{
  g_autofree char *uuid = g_uuid_string_random ();

  return g_strdup_printf ("%s-%.8s", prefix, uuid);
}

static guint
post_raw (const char  *content_type,
          const char  *body,
          gssize       length,
          JsonNode   **out)
{
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  guint status;

  status = hw_test_hub_request (shared_hub, "POST", "/v1/events", NULL, content_type, body, length,
                                &answer, NULL);
  json_parser_load_from_data (parser, g_bytes_get_data (answer, NULL), -1, &error);
  g_assert_no_error (error);
  if (out != NULL)
    *out = json_node_ref (json_parser_get_root (parser));
  return status;
}

/* Publishes @n events of @type spaced one second apart from @t0. */
static void
publish_series (const char *type,
                guint       n,
                gint64      t0)
{
  g_autoptr(GString) body = g_string_new ("[");
  g_autoptr(JsonNode) answer = NULL;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("%s-%u", type, i);
      g_autofree char *event = hw_test_event_json (id, type, t0 + i * 1000);

      g_string_append_printf (body, "%s%s", i ? "," : "", event);
    }
  g_string_append_c (body, ']');
  g_assert_cmpuint (post_raw ("application/json", body->str, -1, &answer), ==, 200);
  g_assert_cmpint (json_object_get_int_member (object_of (answer), "accepted"), ==, n);
}

static void
test_info (void)
{
  g_autoptr(JsonNode) node = hw_test_hub_get_json (shared_hub, "/v1/info", 200);
  JsonObject *info = object_of (node);
  JsonArray *caps = json_object_get_array_member (info, "capabilities");
  gint64 skew = json_object_get_int_member (info, "server_time") - g_get_real_time () / 1000;
  gboolean has_events = FALSE;

  g_assert_cmpstr (json_object_get_string_member (info, "version"), ==, PACKAGE_VERSION);
  g_assert_nonnull (json_object_get_string_member (info, "name"));
  g_assert_cmpstr (json_object_get_string_member (info, "subsystem"), ==, "default");
  g_assert_true (json_object_get_boolean_member (info, "open_mode"));
  g_assert_cmpint (ABS (skew), <, 60000);
  for (guint i = 0; i < json_array_get_length (caps); i++)
    has_events |= g_str_equal (json_array_get_string_element (caps, i), "events");
  g_assert_true (has_events);
}

static void
test_publish_array_object_ndjson (void)
{
  g_autofree char *type = unique ("formats");
  g_autofree char *a = hw_test_event_json ("fmt-a", type, T0);
  g_autofree char *b = hw_test_event_json ("fmt-b", type, T0 + 1);
  g_autofree char *c = hw_test_event_json ("fmt-c", type, T0 + 2);
  g_autofree char *d = hw_test_event_json ("fmt-d", type, T0 + 3);
  g_autofree char *e = hw_test_event_json ("fmt-e", type, T0 + 4);
  g_autofree char *array = g_strdup_printf ("[%s,%s]", a, b);
  g_autofree char *ndjson = g_strdup_printf ("%s\n\n%s\r\n", d, e);
  g_autoptr(JsonNode) first = NULL;
  g_autoptr(JsonNode) second = NULL;
  g_autoptr(JsonNode) third = NULL;
  g_autoptr(JsonNode) fetched = NULL;
  g_autofree char *count_path = NULL;
  g_autoptr(JsonNode) count = NULL;
  JsonArray *items;

  g_assert_cmpuint (post_raw ("application/json", array, -1, &first), ==, 200);
  g_assert_cmpint (json_object_get_int_member (object_of (first), "accepted"), ==, 2);
  items = json_object_get_array_member (object_of (first), "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0), "status"), ==, "accepted");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 1), "id"), ==, "fmt-b");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (items, 0), "seq"), <,
                   json_object_get_int_member (json_array_get_object_element (items, 1), "seq"));

  g_assert_cmpuint (post_raw ("application/json", c, -1, &second), ==, 200);
  g_assert_cmpint (json_object_get_int_member (object_of (second), "accepted"), ==, 1);

  g_assert_cmpuint (post_raw ("application/x-ndjson", ndjson, -1, &third), ==, 200);
  g_assert_cmpint (json_object_get_int_member (object_of (third), "accepted"), ==, 2);
  items = json_object_get_array_member (object_of (third), "items");
  /* The blank line is skipped but counted, so line numbers point at the text. */
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (items, 1), "line"), ==, 3);

  fetched = hw_test_hub_get_json (shared_hub, "/v1/events/fmt-c", 200);
  g_assert_cmpstr (json_object_get_string_member (object_of (fetched), "type"), ==, type);
  g_assert_cmpint (json_object_get_int_member (object_of (fetched), "timestamp"), ==, T0 + 2);

  count_path = g_strdup_printf ("/v1/events/count?q=type:%s", type);
  count = hw_test_hub_get_json (shared_hub, count_path, 200);
  g_assert_cmpint (json_object_get_int_member (object_of (count), "count"), ==, 5);
}

static void
test_publish_bus_wrapper (void)
{
  g_autofree char *type = unique ("wrapped");
  g_autofree char *inner = hw_test_event_json ("wrapped-1", type, T0);
  g_autofree char *body = g_strdup_printf ("{\"version\":\"0\",\"id\":\"bus-1\",\"detail-type\":\"%s\","
                                           "\"source\":\"custom\",\"account\":\"1\",\"time\":\"2024-05-03T14:00:00Z\","
                                           "\"region\":\"eu-west-1\",\"resources\":[],\"detail\":%s}",
                                           type, inner);
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(JsonNode) fetched = NULL;

  g_assert_cmpuint (post_raw ("application/json", body, -1, &answer), ==, 200);
  g_assert_cmpint (json_object_get_int_member (object_of (answer), "accepted"), ==, 1);
  fetched = hw_test_hub_get_json (shared_hub, "/v1/events/wrapped-1", 200);
  g_assert_cmpstr (json_object_get_string_member (object_of (fetched), "type"), ==, type);
}

static void
test_publish_duplicates (void)
{
  g_autofree char *type = unique ("dup");
  g_autofree char *event = hw_test_event_json (type, type, T0);
  g_autofree char *twice = g_strdup_printf ("[%s,%s]", event, event);
  g_autoptr(JsonNode) first = NULL;
  g_autoptr(JsonNode) second = NULL;
  g_autoptr(JsonNode) count = NULL;
  g_autofree char *count_path = g_strdup_printf ("/v1/events/count?q=type:%s", type);
  JsonObject *item;
  gint64 seq;

  g_assert_cmpuint (post_raw ("application/json", event, -1, &first), ==, 200);
  seq = json_object_get_int_member (json_array_get_object_element (
          json_object_get_array_member (object_of (first), "items"), 0), "seq");

  g_assert_cmpuint (post_raw ("application/json", twice, -1, &second), ==, 200);
  g_assert_cmpint (json_object_get_int_member (object_of (second), "accepted"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (object_of (second), "duplicates"), ==, 2);
  item = json_array_get_object_element (json_object_get_array_member (object_of (second), "items"), 0);
  g_assert_cmpstr (json_object_get_string_member (item, "status"), ==, "duplicate");
  g_assert_cmpint (json_object_get_int_member (item, "seq"), ==, seq);

  count = hw_test_hub_get_json (shared_hub, count_path, 200);
  g_assert_cmpint (json_object_get_int_member (object_of (count), "count"), ==, 1);
}

static void
test_publish_rejections (void)
{
  g_autofree char *type = unique ("mixed");
  g_autofree char *good = hw_test_event_json (type, type, T0);
  g_autofree char *padding = g_strnfill (300 * 1024, 'x');
  g_autofree char *huge = g_strdup_printf ("{\"id\":\"huge-%s\",\"type\":\"%s\",\"timestamp\":1,\"thing\":{\"blob\":\"%s\"}}",
                                           type, type, padding);
  g_autofree char *body = g_strdup_printf ("[%s,{\"type\":\"no-id\",\"timestamp\":1},%s,\"a string\","
                                           "{\"id\":\"bad-ts\",\"type\":\"t\",\"timestamp\":\"soon\"}]",
                                           good, huge);
  g_autoptr(JsonNode) answer = NULL;
  JsonArray *items;
  static const struct { guint index; const char *status; const char *reason; } expected[] = {
    { 0, "accepted", NULL },
    { 1, "rejected", "invalid_event" },
    { 2, "rejected", "too_large" },
    { 3, "rejected", "invalid_event" },
    { 4, "rejected", "invalid_event" },
  };

  g_assert_cmpuint (post_raw ("application/json", body, -1, &answer), ==, 200);
  g_assert_cmpint (json_object_get_int_member (object_of (answer), "accepted"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (object_of (answer), "rejected"), ==, 4);
  items = json_object_get_array_member (object_of (answer), "items");
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);

      g_assert_cmpint (json_object_get_int_member (item, "index"), ==, expected[i].index);
      g_assert_cmpstr (json_object_get_string_member (item, "status"), ==, expected[i].status);
      g_assert_cmpstr (json_object_get_string_member_with_default (item, "reason", NULL), ==, expected[i].reason);
      if (expected[i].reason != NULL)
        g_assert_cmpuint (strlen (json_object_get_string_member (item, "message")), >, 0);
    }
}

static JsonObject *
item_at (JsonNode *answer,
         guint     index)
{
  return json_array_get_object_element (json_object_get_array_member (object_of (answer), "items"), index);
}

/* json-glib 1.6 would decode "\255" into the byte 0xad and drop the
 * backslash of "\x41": an NDJSON line with either is one rejected item,
 * an array body holding one is malformed as a whole. */
static void
test_publish_bad_escapes (void)
{
  g_autofree char *type = unique ("escapes");
  g_autofree char *good_a = hw_test_event_json ("esc-a", type, T0);
  g_autofree char *good_b = hw_test_event_json ("esc-b", type, T0 + 1);
  g_autofree char *ndjson = g_strdup_printf ("%s\n"
                                             "{\"id\":\"esc-octal\",\"type\":\"%s\",\"timestamp\":1714744800000,"
                                             "\"order\":{\"note\":\"caf\\255\"}}\n"
                                             "{\"id\":\"esc-hex\",\"type\":\"%s\",\"timestamp\":1714744800000,"
                                             "\"order\":{\"note\":\"\\x41\"}}\n"
                                             "%s\n", good_a, type, type, good_b);
  g_autofree char *array = g_strdup_printf ("[%s,{\"id\":\"esc-array\",\"type\":\"%s\","
                                            "\"timestamp\":1714744800000,\"n\":\"\\255\"}]", good_a, type);
  g_autofree char *count_path = g_strdup_printf ("/v1/events/count?q=type:%s", type);
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(JsonNode) refused = NULL;
  g_autoptr(JsonNode) count = NULL;
  g_autoptr(JsonNode) missing = NULL;

  g_assert_cmpuint (post_raw ("application/x-ndjson", ndjson, -1, &answer), ==, 200);
  g_assert_cmpint (json_object_get_int_member (object_of (answer), "accepted"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (object_of (answer), "rejected"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (item_at (answer, 0), "status"), ==, "accepted");
  g_assert_cmpstr (json_object_get_string_member (item_at (answer, 3), "status"), ==, "accepted");
  for (guint i = 1; i <= 2; i++)
    {
      g_assert_cmpint (json_object_get_int_member (item_at (answer, i), "line"), ==, i + 1);
      g_assert_cmpstr (json_object_get_string_member (item_at (answer, i), "status"), ==, "rejected");
      g_assert_cmpstr (json_object_get_string_member (item_at (answer, i), "reason"), ==, "invalid_json");
    }
  g_assert_nonnull (strstr (json_object_get_string_member (item_at (answer, 1), "message"),
                            "invalid escape '\\2' in a string"));
  g_assert_nonnull (strstr (json_object_get_string_member (item_at (answer, 2), "message"),
                            "invalid escape '\\x' in a string"));

  g_assert_cmpuint (post_raw ("application/json", array, -1, &refused), ==, 400);
  hw_test_assert_error (refused, "invalid_json");
  g_assert_nonnull (strstr (json_object_get_string_member (json_object_get_object_member (object_of (refused), "error"),
                                                           "message"),
                            "request body: invalid escape '\\2' in a string"));

  missing = hw_test_hub_get_json (shared_hub, "/v1/events/esc-octal", 404);
  count = hw_test_hub_get_json (shared_hub, count_path, 200);
  g_assert_cmpint (json_object_get_int_member (object_of (count), "count"), ==, 2);
}

static void
test_publish_errors (void)
{
  g_autofree char *padding = g_strnfill (300 * 1024, 'y');
  g_autofree char *huge = g_strdup_printf ("{\"id\":\"h\",\"type\":\"t\",\"timestamp\":1,\"x\":\"%s\"}", padding);
  g_autofree char *deep = NULL;
  g_autofree char *event = hw_test_event_json ("ct", "ct", T0);
  static const char bad_utf8[] = "{\"id\":\"\xff\xfe\",\"type\":\"t\",\"timestamp\":1}";
  struct { const char *name; const char *type; const char *body; gssize len; guint status; const char *code; } cases[] = {
    { "malformed", "application/json", "{\"id\":", -1, 400, "invalid_json" },
    { "trailing garbage", "application/json", "[{}] x", -1, 400, "invalid_json" },
    { "not an event container", "application/json", "42", -1, 400, "invalid_json" },
    { "empty body", "application/json", "", 0, 400, "invalid_json" },
    { "empty array", "application/json", "[]", -1, 400, "invalid_json" },
    { "invalid utf-8", "application/json", bad_utf8, sizeof bad_utf8 - 1, 400, "invalid_utf8" },
    { "deep nesting", "application/json", NULL, -1, 400, "too_deep" },
    { "all too large", "application/json", huge, -1, 413, "too_large" },
    { "single invalid", "application/json", "{\"type\":\"t\"}", -1, 400, "invalid_event" },
    { "wrong content type", "text/plain", event, -1, 415, "unsupported_media_type" },
    { "form content type", "application/x-www-form-urlencoded", "a=b", -1, 415, "unsupported_media_type" },
  };

  deep = g_strnfill (100000, '[');
  cases[6].body = deep;
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) answer = NULL;
      guint status = post_raw (cases[i].type, cases[i].body, cases[i].len, &answer);

      g_test_message ("case %s", cases[i].name);
      g_assert_cmpuint (status, ==, cases[i].status);
      hw_test_assert_error (answer, cases[i].code);
    }
}

static void
test_read_errors (void)
{
  static const struct { const char *method; const char *path; guint status; const char *code; } cases[] = {
    { "GET", "/v1/nope", 404, "not_found" },
    { "GET", "/v1/events/no-such-event-id", 404, "not_found" },
    { "DELETE", "/v1/events", 405, "method_not_allowed" },
    { "GET", "/v1/events?q=type:(", 400, "invalid_query" },
    { "GET", "/v1/events?q=%22unterminated", 400, "invalid_query" },
    { "GET", "/v1/events?from=yesterday-ish", 400, "invalid_time" },
    { "GET", "/v1/events?from=2024-05-03&to=2024-05-01", 400, "invalid_time" },
    { "GET", "/v1/events?limit=0", 400, "protocol_error" },
    { "GET", "/v1/events?limit=abc", 400, "protocol_error" },
    { "GET", "/v1/events?limit=100000", 400, "protocol_error" },
    { "GET", "/v1/events?order=sideways", 400, "protocol_error" },
    { "GET", "/v1/events/count?to=now-", 400, "invalid_time" },
    { "GET", "/v1/events/histogram?buckets=-1", 400, "protocol_error" },
    { "GET", "/v1/events/tree?prefix=20x4", 400, "invalid_query" },
    { "GET", "/v1/events/tree?prefix=2024&level=day", 400, "invalid_query" },
    { "GET", "/v1/events/sync?after=-5", 400, "protocol_error" },
    { "GET", "/v1/faults/groups?by=colour", 400, "protocol_error" },
    { "GET", "/v1/metrics/query", 400, "protocol_error" },
    { "GET", "/v1/metrics/query?name=x&stat=median", 400, "protocol_error" },
    { "GET", "/v1/metrics/query?name=x&from=now&to=now-1h", 400, "invalid_time" },
    { "GET", "/v1/metrics/query?name=x&step=fast", 400, "protocol_error" },
    { "GET", "/v1/system-events?kind=party", 400, "protocol_error" },
    { "GET", "/v1/stream", 400, "protocol_error" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) answer = NULL;
      guint status;

      g_test_message ("%s %s", cases[i].method, cases[i].path);
      status = hw_test_hub_json (shared_hub, cases[i].method, cases[i].path, NULL, NULL, &answer);
      g_assert_cmpuint (status, ==, cases[i].status);
      hw_test_assert_error (answer, cases[i].code);
    }
}

static void
test_query_error_position (void)
{
  g_autoptr(JsonNode) answer = NULL;
  JsonObject *error;

  g_assert_cmpuint (hw_test_hub_json (shared_hub, "GET", "/v1/events?q=type:a%20AND%20(b", NULL, NULL, &answer),
                    ==, 400);
  error = json_object_get_object_member (object_of (answer), "error");
  g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, "invalid_query");
  g_assert_cmpint (json_object_get_int_member (error, "position"), >, 0);
}

static void
test_search_pages_and_ranges (void)
{
  g_autofree char *type = unique ("search");
  g_autofree char *path = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *cursor = NULL;
  guint pages = 0;

  publish_series (type, 10, T0);

  /* Newest first, four per page, until next_cursor is null. */
  do
    {
      g_autoptr(JsonNode) page = NULL;
      JsonArray *events;
      JsonNode *next;

      g_free (path);
      path = cursor == NULL
             ? g_strdup_printf ("/v1/events?q=type:%s&limit=4", type)
             : g_strdup_printf ("/v1/events?q=type:%s&limit=4&cursor=%s", type, cursor);
      page = hw_test_hub_get_json (shared_hub, path, 200);
      events = json_object_get_array_member (object_of (page), "events");
      g_assert_cmpuint (json_array_get_length (events), <=, 4);
      for (guint i = 0; i < json_array_get_length (events); i++)
        {
          JsonObject *event = json_array_get_object_element (events, i);

          g_assert_true (g_hash_table_add (seen, g_strdup (json_object_get_string_member (event, "id"))));
          if (pages == 0 && i == 0)
            g_assert_cmpint (json_object_get_int_member (event, "timestamp"), ==, T0 + 9000);
        }
      next = json_object_get_member (object_of (page), "next_cursor");
      g_clear_pointer (&cursor, g_free);
      if (next != NULL && !JSON_NODE_HOLDS_NULL (next))
        cursor = g_uri_escape_string (json_node_get_string (next), NULL, FALSE);
      pages++;
    }
  while (cursor != NULL && pages < 10);
  g_assert_cmpuint (g_hash_table_size (seen), ==, 10);
  g_assert_cmpuint (pages, ==, 3);

  {
    /* Lower bound inclusive, upper exclusive; ISO-8601 and epoch ms mix. */
    g_autofree char *ranged = g_strdup_printf ("/v1/events/count?q=type:%s&from=2024-05-03T14:00:02Z&to=%" G_GINT64_FORMAT,
                                               type, T0 + 5000);
    g_autoptr(JsonNode) count = hw_test_hub_get_json (shared_hub, ranged, 200);

    g_assert_cmpint (json_object_get_int_member (object_of (count), "count"), ==, 3);
  }
  {
    g_autofree char *oldest = g_strdup_printf ("/v1/events?q=type:%s&limit=1&order=oldest", type);
    g_autoptr(JsonNode) page = hw_test_hub_get_json (shared_hub, oldest, 200);
    JsonArray *events = json_object_get_array_member (object_of (page), "events");

    g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (events, 0), "timestamp"), ==, T0);
  }
  {
    g_autofree char *free_text = g_strdup_printf ("/v1/events/count?q=widget%%20type:%s", type);
    g_autoptr(JsonNode) count = hw_test_hub_get_json (shared_hub, free_text, 200);

    g_assert_cmpint (json_object_get_int_member (object_of (count), "count"), ==, 10);
  }
}

static void
test_histogram_and_tree (void)
{
  g_autofree char *type = unique ("hist");
  g_autofree char *path = NULL;
  g_autoptr(JsonNode) histogram = NULL;
  g_autoptr(JsonNode) years = NULL;
  g_autoptr(JsonNode) days = NULL;
  g_autoptr(JsonNode) hours = NULL;
  JsonArray *buckets;
  JsonArray *nodes;
  gint64 sum = 0;

  publish_series (type, 10, T0);

  path = g_strdup_printf ("/v1/events/histogram?q=type:%s&from=%" G_GINT64_FORMAT "&to=%" G_GINT64_FORMAT "&buckets=10",
                          type, T0, T0 + 10000);
  histogram = hw_test_hub_get_json (shared_hub, path, 200);
  g_assert_cmpint (json_object_get_int_member (object_of (histogram), "total"), ==, 10);
  buckets = json_object_get_array_member (object_of (histogram), "buckets");
  g_assert_cmpuint (json_array_get_length (buckets), >=, 1);
  for (guint i = 0; i < json_array_get_length (buckets); i++)
    sum += json_object_get_int_member (json_array_get_object_element (buckets, i), "count");
  g_assert_cmpint (sum, ==, 10);

  g_free (path);
  path = g_strdup_printf ("/v1/events/tree?q=type:%s", type);
  years = hw_test_hub_get_json (shared_hub, path, 200);
  g_assert_cmpstr (json_object_get_string_member (object_of (years), "level"), ==, "year");
  nodes = json_object_get_array_member (object_of (years), "nodes");
  g_assert_cmpuint (json_array_get_length (nodes), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (nodes, 0), "key"), ==, "2024");

  g_free (path);
  path = g_strdup_printf ("/v1/events/tree?q=type:%s&prefix=2024-05&level=day", type);
  days = hw_test_hub_get_json (shared_hub, path, 200);
  nodes = json_object_get_array_member (object_of (days), "nodes");
  g_assert_cmpuint (json_array_get_length (nodes), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (nodes, 0), "key"), ==, "2024/05/03");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (nodes, 0), "count"), ==, 10);

  g_free (path);
  path = g_strdup_printf ("/v1/events/tree?q=type:%s&prefix=2024/05/03", type);
  hours = hw_test_hub_get_json (shared_hub, path, 200);
  nodes = json_object_get_array_member (object_of (hours), "nodes");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (nodes, 0), "key"), ==, "2024/05/03/14");
}

static void
test_sync (void)
{
  g_autofree char *type = unique ("sync");
  g_autoptr(GBytes) body = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_auto(GStrv) lines = NULL;
  gint64 previous = 0;
  guint n = 0;
  const char *max_seq;

  publish_series (type, 5, T0);
  g_assert_cmpuint (hw_test_hub_request (shared_hub, "GET", "/v1/events/sync?after=0&limit=100000",
                                         NULL, NULL, NULL, 0, &body, &msg), ==, 400);
  g_clear_pointer (&body, g_bytes_unref);
  g_clear_object (&msg);

  g_assert_cmpuint (hw_test_hub_request (shared_hub, "GET", "/v1/events/sync?after=0&limit=10000",
                                         NULL, NULL, NULL, 0, &body, &msg), ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL),
                   ==, "application/x-ndjson");
  max_seq = soup_message_headers_get_one (soup_message_get_response_headers (msg), "X-Hubwatch-Max-Seq");
  g_assert_nonnull (max_seq);

  lines = g_strsplit (g_bytes_get_data (body, NULL), "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;
      JsonObject *line;
      gint64 seq;

      if (lines[i][0] == '\0')
        continue;
      json_parser_load_from_data (parser, lines[i], -1, &error);
      g_assert_no_error (error);
      line = json_node_get_object (json_parser_get_root (parser));
      seq = json_object_get_int_member (line, "seq");
      g_assert_cmpint (seq, >, previous);
      previous = seq;
      g_assert_cmpint (json_object_get_int_member (line, "received_ms"), >, 0);
      g_assert_nonnull (json_object_get_string_member (json_object_get_object_member (line, "event"), "id"));
      n++;
    }
  g_assert_cmpuint (n, >=, 5);
  g_assert_cmpint (previous, ==, g_ascii_strtoll (max_seq, NULL, 10));

  {
    /* Resuming from the last seq gives nothing new. */
    g_autofree char *path = g_strdup_printf ("/v1/events/sync?after=%" G_GINT64_FORMAT, previous);
    g_autoptr(GBytes) rest = NULL;

    g_assert_cmpuint (hw_test_hub_request (shared_hub, "GET", path, NULL, NULL, NULL, 0, &rest, NULL), ==, 200);
    g_assert_cmpuint (g_bytes_get_size (rest), ==, 0);
  }
}

static void
test_faults (void)
{
  g_autofree char *fn = unique ("fn");
  g_autofree char *fault = g_strdup_printf (
    "{\"id\":\"fault-%s\",\"type\":\"fault\",\"timestamp\":%" G_GINT64_FORMAT ","
    "\"tags\":{\"functionname\":\"%s\",\"pipeline\":\"p1\",\"source\":\"test\"},"
    "\"err\":{\"name\":\"Error\",\"message\":\"card declined\",\"stack\":\"at x\"},"
    "\"uow\":{\"record\":{\"kinesis\":{\"data\":\"e30=\"}}}}", fn, T0, fn);
  g_autofree char *path = g_strdup_printf ("/v1/faults?q=tags.functionname:%s", fn);
  g_autofree char *groups_path = g_strdup_printf ("/v1/faults/groups?q=tags.functionname:%s", fn);
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(JsonNode) faults = NULL;
  g_autoptr(JsonNode) groups = NULL;
  JsonArray *list;
  JsonObject *group;

  g_assert_cmpuint (post_raw ("application/json", fault, -1, &answer), ==, 200);
  g_assert_cmpint (json_object_get_int_member (object_of (answer), "accepted"), ==, 1);

  faults = hw_test_hub_get_json (shared_hub, path, 200);
  list = json_object_get_array_member (object_of (faults), "faults");
  g_assert_cmpuint (json_array_get_length (list), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (list, 0), "type"), ==, "fault");

  groups = hw_test_hub_get_json (shared_hub, groups_path, 200);
  list = json_object_get_array_member (object_of (groups), "groups");
  g_assert_cmpuint (json_array_get_length (list), ==, 1);
  group = json_array_get_object_element (list, 0);
  g_assert_cmpstr (json_object_get_string_member (group, "functionname"), ==, fn);
  g_assert_cmpstr (json_object_get_string_member (group, "pipeline"), ==, "p1");
  g_assert_cmpstr (json_object_get_string_member (group, "message"), ==, "card declined");
  g_assert_cmpint (json_object_get_int_member (group, "count"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (group, "first_seen_ms"), ==, T0);
  g_assert_cmpstr (json_object_get_string_member (group, "sample_id"), !=, NULL);
}

static void
test_system_events (void)
{
  g_autofree char *service = unique ("svc");
  g_autofree char *deployment = g_strdup_printf (
    "{\"kind\":\"deployment\",\"id\":\"dep-%s\",\"service\":\"%s\",\"version\":\"1.2.3\","
    "\"commit_sha\":\"abc123\",\"commit_time\":\"2024-05-03T10:00:00Z\",\"deploy_time\":%" G_GINT64_FORMAT ","
    "\"result\":\"success\",\"pipeline_url\":\"https://ci.example/1\"}", service, service, T0);
  g_autofree char *incident = g_strdup_printf (
    "[{\"kind\":\"incident\",\"id\":\"inc-%s\",\"service\":\"%s\",\"severity\":\"sev2\","
    "\"opened_at\":\"2024-05-03T15:00:00+02:00\",\"cause_deployment\":\"dep-%s\"}]", service, service, service);
  static const struct { const char *body; guint status; const char *code; } bad[] = {
    { "{\"kind\":\"deployment\",\"id\":\"d\",\"service\":\"s\",\"version\":\"1\",\"commit_sha\":\"x\","
      "\"commit_time\":1,\"deploy_time\":2}", 400, "invalid_event" },
    { "{\"kind\":\"deployment\",\"id\":\"d\",\"service\":\"s\",\"version\":\"1\",\"commit_sha\":\"x\","
      "\"commit_time\":1,\"deploy_time\":2,\"result\":\"meh\"}", 400, "invalid_event" },
    { "{\"kind\":\"deployment\",\"id\":\"d\",\"service\":\"s\",\"version\":\"1\",\"commit_sha\":\"x\","
      "\"commit_time\":\"last tuesday\",\"deploy_time\":2,\"result\":\"success\"}", 400, "invalid_time" },
    { "{\"kind\":\"incident\",\"id\":\"i\",\"service\":\"s\",\"severity\":\"1\",\"opened_at\":5000,"
      "\"resolved_at\":1000}", 400, "invalid_time" },
    { "{\"kind\":\"alert\",\"rule\":\"r\",\"state\":\"firing\",\"value\":\"high\"}", 400, "invalid_event" },
    { "{\"kind\":\"party\"}", 400, "invalid_event" },
    { "[1,2]", 400, "invalid_event" },
    { "{", 400, "invalid_json" },
  };
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(JsonNode) again = NULL;
  g_autoptr(JsonNode) second = NULL;
  g_autoptr(JsonNode) list = NULL;
  JsonArray *events;
  gboolean found = FALSE;

  g_assert_cmpuint (hw_test_hub_json (shared_hub, "POST", "/v1/system-events", NULL, deployment, &answer), ==, 201);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                     json_object_get_array_member (object_of (answer), "items"), 0), "status"), ==, "accepted");
  g_assert_cmpuint (hw_test_hub_json (shared_hub, "POST", "/v1/system-events", NULL, deployment, &again), ==, 200);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                     json_object_get_array_member (object_of (again), "items"), 0), "status"), ==, "duplicate");
  g_assert_cmpuint (hw_test_hub_json (shared_hub, "POST", "/v1/system-events", NULL, incident, &second), ==, 201);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JsonNode) error = NULL;

      g_test_message ("bad system event %u", i);
      g_assert_cmpuint (hw_test_hub_json (shared_hub, "POST", "/v1/system-events", NULL, bad[i].body, &error),
                        ==, bad[i].status);
      hw_test_assert_error (error, bad[i].code);
    }

  list = hw_test_hub_get_json (shared_hub, "/v1/system-events?kind=deployment&limit=1000", 200);
  events = json_object_get_array_member (object_of (list), "system_events");
  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *event = json_array_get_object_element (events, i);

      if (g_strcmp0 (json_object_get_string_member (event, "service"), service) != 0)
        continue;
      found = TRUE;
      g_assert_cmpstr (json_object_get_string_member (event, "kind"), ==, "deployment");
      /* Times are normalised to epoch milliseconds; unknown fields are kept. */
      g_assert_cmpint (json_object_get_int_member (event, "commit_time"), ==, T0 - 4 * 3600000);
      g_assert_cmpstr (json_object_get_string_member (event, "pipeline_url"), ==, "https://ci.example/1");
    }
  g_assert_true (found);

  g_clear_pointer (&list, json_node_unref);
  list = hw_test_hub_get_json (shared_hub, "/v1/system-events?kind=incident", 200);
  events = json_object_get_array_member (object_of (list), "system_events");
  found = FALSE;
  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *event = json_array_get_object_element (events, i);

      if (g_strcmp0 (json_object_get_string_member (event, "service"), service) == 0)
        {
          found = TRUE;
          g_assert_cmpint (json_object_get_int_member (event, "opened_at"), ==, T0 - 3600000);
        }
    }
  g_assert_true (found);
}

/* An incident posted open is resolved later by PATCH; the changes feed
 * (?after=) hands the resolved version out again. */
static void
test_system_events_patch (void)
{
  g_autofree char *id = unique ("inc-patch");
  g_autofree char *incident = g_strdup_printf (
    "{\"kind\":\"incident\",\"id\":\"%s\",\"service\":\"orders\",\"severity\":\"sev2\","
    "\"opened_at\":%" G_GINT64_FORMAT "}", id, T0);
  g_autofree char *path = g_strconcat ("/v1/system-events/", id, NULL);
  g_autofree char *resolve = g_strdup_printf ("{\"resolved_at\":%" G_GINT64_FORMAT ",\"note\":\"rolled back\"}",
                                              T0 + 1800000);
  g_autofree char *feed_path = NULL;
  static const struct { const char *body; guint status; const char *code; } bad[] = {
    { "{\"resolved_at\":1000}", 400, "invalid_time" },       /* before opened_at */
    { "{\"kind\":\"deployment\"}", 400, "invalid_event" },
    { "{\"id\":\"other\"}", 400, "invalid_event" },
    { "{\"severity\":null}", 400, "invalid_event" },          /* a required field removed */
    { "[1]", 400, "invalid_event" },
    { "{", 400, "invalid_json" },
  };
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(JsonNode) patched = NULL;
  g_autoptr(JsonNode) unknown = NULL;
  g_autoptr(JsonNode) feed = NULL;
  g_autoptr(JsonNode) after = NULL;
  JsonObject *object;
  JsonArray *events;
  gint64 last_seq;

  g_assert_cmpuint (hw_test_hub_json (shared_hub, "POST", "/v1/system-events", NULL, incident, &answer), ==, 201);
  feed = hw_test_hub_get_json (shared_hub, "/v1/system-events?after=0&limit=10000", 200);
  last_seq = json_object_get_int_member (object_of (feed), "last_seq");
  g_assert_cmpint (last_seq, >, 0);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JsonNode) error = NULL;

      g_test_message ("bad patch %u", i);
      g_assert_cmpuint (hw_test_hub_json (shared_hub, "PATCH", path, NULL, bad[i].body, &error), ==, bad[i].status);
      hw_test_assert_error (error, bad[i].code);
    }
  g_assert_cmpuint (hw_test_hub_json (shared_hub, "PATCH", "/v1/system-events/no-such-incident", NULL, resolve,
                                      &unknown), ==, 404);
  hw_test_assert_error (unknown, "not_found");

  g_assert_cmpuint (hw_test_hub_json (shared_hub, "PATCH", path, NULL, resolve, &patched), ==, 200);
  object = object_of (patched);
  g_assert_cmpstr (json_object_get_string_member (object, "id"), ==, id);
  g_assert_cmpint (json_object_get_int_member (object, "opened_at"), ==, T0);
  g_assert_cmpint (json_object_get_int_member (object, "resolved_at"), ==, T0 + 1800000);
  g_assert_cmpstr (json_object_get_string_member (object, "note"), ==, "rolled back");

  /* Only the changed incident comes after the old last_seq. */
  feed_path = g_strdup_printf ("/v1/system-events?after=%" G_GINT64_FORMAT, last_seq);
  after = hw_test_hub_get_json (shared_hub, feed_path, 200);
  events = json_object_get_array_member (object_of (after), "system_events");
  g_assert_cmpuint (json_array_get_length (events), ==, 1);
  object = json_array_get_object_element (events, 0);
  g_assert_cmpstr (json_object_get_string_member (object, "id"), ==, id);
  g_assert_cmpint (json_object_get_int_member (object, "resolved_at"), ==, T0 + 1800000);
  g_assert_cmpint (json_object_get_int_member (object_of (after), "last_seq"), >, last_seq);

  /* The same patch again changes nothing and moves nothing. */
  g_clear_pointer (&patched, json_node_unref);
  g_clear_pointer (&after, json_node_unref);
  after = hw_test_hub_get_json (shared_hub, feed_path, 200);
  last_seq = json_object_get_int_member (object_of (after), "last_seq");
  g_clear_pointer (&after, json_node_unref);
  g_assert_cmpuint (hw_test_hub_json (shared_hub, "PATCH", path, NULL, resolve, &patched), ==, 200);
  g_free (feed_path);
  feed_path = g_strdup_printf ("/v1/system-events?after=%" G_GINT64_FORMAT, last_seq);
  after = hw_test_hub_get_json (shared_hub, feed_path, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object_of (after), "system_events")), ==, 0);
  g_assert_cmpint (json_object_get_int_member (object_of (after), "last_seq"), ==, last_seq);
}

/* The domain.event.count of @type from @from to @to (query expressions)
 * at @step seconds, summed over its points. */
static double
domain_count (const char *type,
              const char *from,
              const char *to,
              guint       step)
{
  g_autofree char *path = g_strdup_printf ("/v1/metrics/query?name=domain.event.count&from=%s&to=%s&step=%u"
                                           "&stat=sum&by=type&label.type=%s", from, to, step, type);
  g_autoptr(JsonNode) answer = hw_test_hub_get_json (shared_hub, path, 200);
  JsonArray *series = json_object_get_array_member (object_of (answer), "series");
  double total = 0;

  g_assert_cmpint (json_object_get_int_member (object_of (answer), "step_ms"), ==, step * 1000);
  g_assert_cmpuint (json_array_get_length (series), <=, 1);
  for (guint s = 0; s < json_array_get_length (series); s++)
    {
      JsonObject *one = json_array_get_object_element (series, s);
      JsonArray *points = json_object_get_array_member (one, "points");

      g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (one, "labels"), "type"), ==, type);
      for (guint i = 0; i < json_array_get_length (points); i++)
        total += json_array_get_double_element (json_array_get_array_element (points, i), 1);
    }
  return total;
}

/* Events count when they arrive, unless they happened over a minute before:
 * a backfill then draws its history in the charts, not a spike today. */
static void
test_metrics_query_and_prometheus (void)
{
  g_autofree char *type = unique ("metric");
  g_autofree char *late_type = unique ("backfill");
  g_autoptr(GBytes) text = NULL;
  gint64 now = g_get_real_time () / 1000;
  gboolean found = FALSE;

  publish_series (type, 7, now - 7000);
  publish_series (late_type, 5, now - 30 * 3600000LL);

  g_assert_cmpfloat (domain_count (type, "now-5m", "now%2B1m", 10), ==, 7);
  g_assert_cmpfloat (domain_count (late_type, "now-5m", "now%2B1m", 10), ==, 0);
  g_assert_cmpfloat (domain_count (late_type, "now-31h", "now-29h", 3600), ==, 5);
  g_assert_cmpfloat (domain_count (late_type, "now-31h", "now-29h", 60), ==, 5);
  g_assert_cmpfloat (domain_count (type, "now-31h", "now-29h", 60), ==, 0);

  g_assert_cmpuint (hw_test_hub_request (shared_hub, "GET", "/metrics", NULL, NULL, NULL, 0, &text, NULL), ==, 200);
  g_assert_nonnull (strstr (g_bytes_get_data (text, NULL), "# TYPE hubwatch_domain_event_count_total counter"));
  g_assert_nonnull (strstr (g_bytes_get_data (text, NULL), "# TYPE hubwatch_api_request_duration summary"));
  {
    g_autofree char *line = g_strdup_printf ("type=\"%s\"", type);

    found = strstr (g_bytes_get_data (text, NULL), line) != NULL;
  }
  g_assert_true (found);
}

int
main (int   argc,
      char *argv[])
{
  int result;

  g_test_init (&argc, &argv, NULL);

  shared_hub = hw_test_hub_newv (NULL, NULL);

  g_test_add_func ("/hub/api/info", test_info);
  g_test_add_func ("/hub/api/publish/formats", test_publish_array_object_ndjson);
  g_test_add_func ("/hub/api/publish/bus-wrapper", test_publish_bus_wrapper);
  g_test_add_func ("/hub/api/publish/duplicates", test_publish_duplicates);
  g_test_add_func ("/hub/api/publish/rejections", test_publish_rejections);
  g_test_add_func ("/hub/api/publish/errors", test_publish_errors);
  g_test_add_func ("/hub/api/publish/bad-escapes", test_publish_bad_escapes);
  g_test_add_func ("/hub/api/read/errors", test_read_errors);
  g_test_add_func ("/hub/api/read/query-error-position", test_query_error_position);
  g_test_add_func ("/hub/api/read/search", test_search_pages_and_ranges);
  g_test_add_func ("/hub/api/read/histogram-tree", test_histogram_and_tree);
  g_test_add_func ("/hub/api/read/sync", test_sync);
  g_test_add_func ("/hub/api/faults", test_faults);
  g_test_add_func ("/hub/api/system-events", test_system_events);
  g_test_add_func ("/hub/api/system-events/patch", test_system_events_patch);
  g_test_add_func ("/hub/api/metrics", test_metrics_query_and_prometheus);

  result = g_test_run ();
  hw_test_hub_stop (shared_hub);
  hw_test_hub_free (shared_hub);
  return result;
}
