/* test-event-parser.c: bare, wrapped and fault events, COMPRESSED values, limits, bad fields
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-compressed.h"
#include "hw-error.h"
#include "hw-event.h"
#include "hw-event-prepare.h"
#include "hw-test-util.h"

#define TS "1700000000000"
#define HEAD "\"id\":\"e1\",\"type\":\"order-placed\",\"timestamp\":" TS

typedef struct
{
  const char *name;
  const char *input;
  int         code;       /* -1: parses */
  const char *message;    /* substring of the error message */
} BadCase;

static const BadCase bad_cases[] = {
  { "not-json", "{\"id\":", HW_ERROR_INVALID_JSON, "invalid JSON" },
  { "bad-literal", "{\"id\":nope}", HW_ERROR_INVALID_JSON, "invalid JSON at column 10: unexpected identifier" },
  /* json-glib 1.6 decodes "\255" to byte 0xad, and quoted it so in its
   * message (found by fuzz-event-parse): the guard refuses it first. */
  { "octal-escape", "{\"id\":\"t1\",\"typeype\":\"x\",\"timestamp\":\"1795355\\2551\":\"x\","
    "\"timestamp\":\"1795355255123\"}", HW_ERROR_INVALID_JSON,
    "event: invalid escape '\\2' in a string at byte offset 45" },
  /* Every escape JSON does not define, which json-glib 1.6 accepts: as
   * invalid UTF-8, a NUL, or with the backslash dropped. */
  { "octal-escape-payload", "{" HEAD ",\"order\":{\"note\":\"caf\\255\"}}", HW_ERROR_INVALID_JSON,
    "event: invalid escape '\\2' in a string at byte offset 79" },
  { "octal-escape-nul", "{" HEAD ",\"note\":\"a\\0b\"}", HW_ERROR_INVALID_JSON,
    "invalid escape '\\0' in a string" },
  { "octal-escape-key", "{" HEAD ",\"k\\101\":1}", HW_ERROR_INVALID_JSON, "invalid escape '\\1' in a string" },
  { "hex-escape", "{" HEAD ",\"note\":\"\\x41\"}", HW_ERROR_INVALID_JSON, "invalid escape '\\x' in a string" },
  { "quote-escape", "{" HEAD ",\"note\":\"it\\'s\"}", HW_ERROR_INVALID_JSON,
    "invalid escape '\\'' in a string" },
  { "bell-escape", "{" HEAD ",\"note\":\"\\a\"}", HW_ERROR_INVALID_JSON, "invalid escape '\\a' in a string" },
  { "vtab-escape", "{" HEAD ",\"note\":\"\\v\"}", HW_ERROR_INVALID_JSON, "invalid escape '\\v' in a string" },
  { "capital-u-escape", "{" HEAD ",\"note\":\"\\U00e9\"}", HW_ERROR_INVALID_JSON,
    "invalid escape '\\U' in a string" },
  { "escaped-space", "{" HEAD ",\"note\":\"a\\ b\"}", HW_ERROR_INVALID_JSON,
    "invalid escape (backslash before byte 0x20) in a string" },
  /* The byte after a backslash is checked too, not skipped unvalidated. */
  { "escaped-invalid-utf8", "{" HEAD ",\"note\":\"\\\xff\"}", HW_ERROR_INVALID_JSON,
    "invalid escape (backslash before byte 0xff) in a string" },
  { "escaped-non-ascii", "{" HEAD ",\"note\":\"\\\xc3\xa9\"}", HW_ERROR_INVALID_JSON,
    "invalid escape (backslash before byte 0xc3) in a string" },
  { "wrapper-detail-escape", "{\"detail-type\":\"x\",\"detail\":{" HEAD ",\"thing\":{\"n\":\"\\377\"}}}",
    HW_ERROR_INVALID_JSON, "invalid escape '\\3' in a string" },
  { "short-u-escape", "{" HEAD ",\"note\":\"\\u12\"}", HW_ERROR_INVALID_JSON,
    "\\u escape without four hex digits" },
  { "empty", "", HW_ERROR_INVALID_JSON, "empty" },
  { "array", "[1,2]", HW_ERROR_INVALID_EVENT, "event: must be a JSON object, got an array" },
  { "id-missing", "{\"type\":\"t\",\"timestamp\":" TS "}", HW_ERROR_INVALID_EVENT, "id: missing" },
  { "id-number", "{\"id\":7,\"type\":\"t\",\"timestamp\":" TS "}", HW_ERROR_INVALID_EVENT,
    "id: must be a non-empty string, got a number" },
  { "id-empty", "{\"id\":\"\",\"type\":\"t\",\"timestamp\":" TS "}", HW_ERROR_INVALID_EVENT,
    "id: must not be empty" },
  { "type-missing", "{\"id\":\"e\",\"timestamp\":" TS "}", HW_ERROR_INVALID_EVENT, "type: missing" },
  { "type-null", "{\"id\":\"e\",\"type\":null,\"timestamp\":" TS "}", HW_ERROR_INVALID_EVENT,
    "type: must be a non-empty string, got null" },
  { "type-empty", "{\"id\":\"e\",\"type\":\"\",\"timestamp\":" TS "}", HW_ERROR_INVALID_EVENT,
    "type: must not be empty" },
  { "ts-missing", "{\"id\":\"e\",\"type\":\"t\"}", HW_ERROR_INVALID_EVENT, "timestamp: missing" },
  { "ts-float", "{\"id\":\"e\",\"type\":\"t\",\"timestamp\":1700000000000.5}", HW_ERROR_INVALID_EVENT,
    "timestamp: must be an integer number of epoch milliseconds, got a floating-point number" },
  { "ts-string", "{\"id\":\"e\",\"type\":\"t\",\"timestamp\":\"" TS "\"}", HW_ERROR_INVALID_EVENT,
    "timestamp: must be an integer number of epoch milliseconds, got a string" },
  { "ts-seconds", "{\"id\":\"e\",\"type\":\"t\",\"timestamp\":1700000000}", HW_ERROR_INVALID_EVENT,
    "seconds instead of milliseconds" },
  { "ts-future", "{\"id\":\"e\",\"type\":\"t\",\"timestamp\":4102444800000}", HW_ERROR_INVALID_EVENT,
    "timestamp: 4102444800000 is outside" },
  { "ts-negative", "{\"id\":\"e\",\"type\":\"t\",\"timestamp\":-5}", HW_ERROR_INVALID_EVENT,
    "timestamp: -5 is outside" },
  { "tags-array", "{" HEAD ",\"tags\":[]}", HW_ERROR_INVALID_EVENT, "tags: must be an object, got an array" },
  { "tags-source-number", "{" HEAD ",\"tags\":{\"source\":1}}", HW_ERROR_INVALID_EVENT,
    "tags.source: must be a string, got a number" },
  { "tags-functionname-object", "{" HEAD ",\"tags\":{\"functionname\":{}}}", HW_ERROR_INVALID_EVENT,
    "tags.functionname: must be a string, got an object" },
  { "partition-key-bool", "{" HEAD ",\"partitionKey\":true}", HW_ERROR_INVALID_EVENT,
    "partitionKey: must be a string, got a boolean" },
  { "fault-err-string", "{\"id\":\"f\",\"type\":\"fault\",\"timestamp\":" TS ",\"err\":\"boom\"}",
    HW_ERROR_INVALID_EVENT, "err: must be an object, got a string" },
  { "fault-err-message-number",
    "{\"id\":\"f\",\"type\":\"fault\",\"timestamp\":" TS ",\"err\":{\"message\":3}}",
    HW_ERROR_INVALID_EVENT, "err.message: must be a string" },
  { "fault-uow-array", "{\"id\":\"f\",\"type\":\"fault\",\"timestamp\":" TS ",\"uow\":[]}",
    HW_ERROR_INVALID_EVENT, "uow: must be an object" },
  { "wrapper-detail-string", "{\"detail-type\":\"x\",\"detail\":\"{}\"}", HW_ERROR_INVALID_EVENT,
    "detail: must be an object, got a string" },
  { "wrapper-detail-missing", "{\"detail-type\":\"x\",\"source\":\"s\"}", HW_ERROR_INVALID_EVENT,
    "detail: missing" },
  { "wrapper-detail-id-missing", "{\"detail-type\":\"x\",\"detail\":{\"type\":\"t\",\"timestamp\":" TS "}}",
    HW_ERROR_INVALID_EVENT, "id: missing" },
  { "utf8-invalid", "{" HEAD ",\"note\":\"caf\xc3\x28\"}", HW_ERROR_INVALID_UTF8, "invalid UTF-8 at byte offset" },
  { "utf8-overlong", "{" HEAD ",\"note\":\"\xc0\xaf\"}", HW_ERROR_INVALID_UTF8, "invalid UTF-8" },
  { "escaped-nul", "{" HEAD ",\"note\":\"a\\u0000b\"}", HW_ERROR_INVALID_UTF8, "escaped NUL character" },
  { "lone-high-surrogate", "{" HEAD ",\"note\":\"x\\ud800y\"}", HW_ERROR_INVALID_UTF8,
    "unpaired UTF-16 surrogate escape at byte offset" },
  { "lone-low-surrogate", "{" HEAD ",\"note\":\"\\udc00\"}", HW_ERROR_INVALID_UTF8,
    "unpaired UTF-16 surrogate" },
  { "high-surrogate-at-end", "{" HEAD ",\"note\":\"x\\uDBFF\"}", HW_ERROR_INVALID_UTF8,
    "unpaired UTF-16 surrogate" },
  { "high-surrogate-then-bmp", "{" HEAD ",\"note\":\"\\ud800\\u0041\"}", HW_ERROR_INVALID_UTF8,
    "unpaired UTF-16 surrogate" },
  { "two-high-surrogates", "{" HEAD ",\"note\":\"\\ud83d\\ud83d\"}", HW_ERROR_INVALID_UTF8,
    "unpaired UTF-16 surrogate" },
  { "reversed-surrogates", "{" HEAD ",\"note\":\"\\ude00\\ud83d\"}", HW_ERROR_INVALID_UTF8,
    "unpaired UTF-16 surrogate" },
  { "surrogate-in-key", "{" HEAD ",\"\\udfff\":1}", HW_ERROR_INVALID_UTF8, "unpaired UTF-16 surrogate" },
  { "compressed-bad-base64", "{" HEAD ",\"order\":{\"blob\":\"COMPRESSEDnot*base64!\"}}",
    HW_ERROR_INVALID_EVENT, "order.blob: COMPRESSED value is not valid base64" },
  { "compressed-bad-length", "{" HEAD ",\"order\":{\"blob\":\"COMPRESSEDabcde\"}}",
    HW_ERROR_INVALID_EVENT, "order.blob: COMPRESSED value is not valid base64" },
  /* "aGVsbG8gd29ybGQh" is base64 of "hello world!": not gzip. */
  { "compressed-not-gzip", "{" HEAD ",\"items\":[1,{\"blob\":\"COMPRESSEDaGVsbG8gd29ybGQh\"}]}",
    HW_ERROR_INVALID_EVENT, "items[1].blob: COMPRESSED value does not hold gzip data" },
};

/* The hub and the importer read lines through the preparer, whose one-pass
 * reader must refuse them the same way (by leaving them to the parser). */
static void
assert_preparer_refuses (const BadCase *c,
                         const GError  *expected)
{
  HwEventPreparer *preparer = hw_event_preparer_new (NULL);
  g_autoptr(GError) error = NULL;
  HwPreparedEvent prepared;

  g_assert_false (hw_event_preparer_parse (preparer, c->input, strlen (c->input), NULL, &prepared, &error));
  g_assert_error (error, HW_ERROR, expected->code);
  g_assert_cmpstr (error->message, ==, expected->message);
  hw_event_preparer_free (preparer);
}

static void
test_bad_inputs (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      const BadCase *c = &bad_cases[i];
      g_autoptr(GError) error = NULL;
      g_autoptr(HwEvent) event = NULL;

      g_test_message ("case %s", c->name);
      event = hw_event_parse (c->input, -1, NULL, &error);
      g_assert_null (event);
      g_assert_error (error, HW_ERROR, c->code);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      if (strstr (error->message, c->message) == NULL)
        g_error ("case %s: message '%s' lacks '%s'", c->name, error->message, c->message);
      assert_preparer_refuses (c, error);
    }
}

static void
test_bare_event (void)
{
  const char *line = "{" HEAD ",\"partitionKey\":\"ord-1\",\"tags\":{\"source\":\"checkout\","
                     "\"functionname\":\"order-listener\",\"pipeline\":\"p1\",\"account\":\"dev\","
                     "\"region\":\"eu-west-1\",\"stage\":\"prd\",\"team\":\"blue\"},"
                     "\"order\":{\"id\":\"ord-1\",\"note\":\"gift wrap\",\"total\":12.5}}";
  g_autoptr(GError) error = NULL;
  g_autoptr(HwEvent) event = hw_event_parse (line, -1, NULL, &error);
  g_autofree char *text = NULL;
  g_autofree char *tags = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (event->id, ==, "e1");
  g_assert_cmpstr (event->type, ==, "order-placed");
  g_assert_cmpint (event->timestamp_ms, ==, G_GINT64_CONSTANT (1700000000000));
  g_assert_cmpstr (event->partition_key, ==, "ord-1");
  g_assert_cmpstr (event->source, ==, "checkout");
  g_assert_cmpstr (event->functionname, ==, "order-listener");
  g_assert_cmpstr (event->pipeline, ==, "p1");
  g_assert_cmpstr (event->account, ==, "dev");
  g_assert_cmpstr (event->region, ==, "eu-west-1");
  g_assert_cmpstr (event->stage, ==, "prd");
  g_assert_null (event->err_name);
  g_assert_false (hw_event_is_fault (event));
  g_assert_cmpstr (event->json, ==, line);
  g_assert_cmpuint (event->size, ==, strlen (line));

  text = hw_event_dup_search_text (event);
  g_assert_true (g_str_has_prefix (text, "order-placed "));
  g_assert_nonnull (strstr (text, "blue"));
  g_assert_nonnull (strstr (text, "gift wrap"));

  tags = hw_event_dup_tags_json (event);
  g_assert_nonnull (strstr (tags, "\"team\":\"blue\""));
}

static void
test_escapes_accepted (void)
{
  const char *line = "{" HEAD ",\"note\":\"smile \\ud83d\\ude00 tab\\t quote\\\" \\u00e9 "
                     "\\\\ \\/ \\b\\f\\n\\r \\uDBFF\\uDFFF \\u0001\"}";
  g_autoptr(GError) error = NULL;
  g_autoptr(HwEvent) event = hw_event_parse (line, -1, NULL, &error);
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  text = hw_event_dup_search_text (event);
  g_assert_true (g_utf8_validate (text, -1, NULL));
  g_assert_nonnull (strstr (text, "smile \xf0\x9f\x98\x80 tab\t quote\" \xc3\xa9 "
                                  "\\ / \b\f\n\r \xf4\x8f\xbf\xbf \x01"));
}

static void
test_whitespace_is_compacted (void)
{
  const char *line = "{ \"id\" : \"e1\",\n \"type\": \"t\", \"timestamp\": " TS ", \"note\": \"a b\" }\r\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(HwEvent) event = hw_event_parse (line, -1, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (event->json, ==, "{\"id\":\"e1\",\"type\":\"t\",\"timestamp\":" TS ",\"note\":\"a b\"}");
  g_assert_cmpuint (event->size, ==, strlen (line));
}

static void
test_wrapped_event (void)
{
  const char *detail = "{\"id\":\"e2\",\"type\":\"thing-created\",\"timestamp\":" TS ","
                       "\"tags\":{\"source\":\"things\"},\"thing\":{\"name\":\"x\"}}";
  g_autofree char *line = g_strdup_printf ("{\"version\":\"0\",\"id\":\"bus-123\",\"detail-type\":"
                                           "\"thing-created\",\"source\":\"custom\",\"account\":\"1\","
                                           "\"time\":\"2023-11-14T22:13:20Z\",\"region\":\"us-east-1\","
                                           "\"resources\":[],\"detail\":%s}", detail);
  g_autoptr(GError) error = NULL;
  g_autoptr(HwEvent) event = hw_event_parse (line, -1, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (event->id, ==, "e2");
  g_assert_cmpstr (event->type, ==, "thing-created");
  g_assert_cmpstr (event->source, ==, "things");
  g_assert_cmpstr (event->json, ==, detail);
  g_assert_cmpuint (event->size, ==, strlen (line));
}

static void
test_fault_event (void)
{
  const char *line = "{\"id\":\"f1\",\"type\":\"fault\",\"timestamp\":" TS ","
                     "\"tags\":{\"functionname\":\"payment-listener\",\"pipeline\":\"pay\"},"
                     "\"err\":{\"name\":\"TypeError\",\"message\":\"x is undefined\",\"stack\":\"at f (a.js:1)\"},"
                     "\"uow\":{\"record\":{\"kinesis\":{\"data\":\"e30=\"}},\"event\":{\"id\":\"e9\"},"
                     "\"batch\":[{\"record\":{}}]}}";
  g_autoptr(GError) error = NULL;
  g_autoptr(HwEvent) event = hw_event_parse (line, -1, NULL, &error);

  g_assert_no_error (error);
  g_assert_true (hw_event_is_fault (event));
  g_assert_cmpstr (event->err_name, ==, "TypeError");
  g_assert_cmpstr (event->err_message, ==, "x is undefined");
  g_assert_cmpstr (event->err_stack, ==, "at f (a.js:1)");
  g_assert_cmpstr (event->functionname, ==, "payment-listener");
  g_assert_cmpstr (event->pipeline, ==, "pay");
}

static char *
compressed_line (const char *payload_json)
{
  g_autofree char *value = hw_compressed_encode (payload_json, -1);

  return g_strdup_printf ("{" HEAD ",\"order\":{\"id\":\"o1\",\"blob\":\"%s\"}}", value);
}

static void
test_nested_compressed (void)
{
  g_autofree char *inner = hw_compressed_encode ("{\"secret\":\"zebracorn\"}", -1);
  g_autofree char *middle = g_strdup_printf ("{\"items\":[1,\"%s\"],\"word\":\"quokka\"}", inner);
  g_autofree char *line = compressed_line (middle);
  g_autoptr(GError) error = NULL;
  g_autoptr(HwEvent) event = hw_event_parse (line, -1, NULL, &error);
  g_autofree char *expanded = NULL;
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  /* The line as received keeps its compressed value; the expanded tree not. */
  g_assert_cmpstr (event->json, ==, line);
  expanded = hw_event_dup_expanded_json (event);
  g_assert_nonnull (strstr (expanded, "\"blob\":{\"items\":[1,{\"secret\":\"zebracorn\"}],\"word\":\"quokka\"}"));
  g_assert_null (strstr (expanded, "COMPRESSED"));

  text = hw_event_dup_search_text (event);
  g_assert_nonnull (strstr (text, "zebracorn"));
  g_assert_nonnull (strstr (text, "quokka"));
}

static void
test_compressed_errors (void)
{
  g_autofree char *gz_of_text = hw_compressed_encode ("{not json", -1);
  g_autofree char *inner_bad = NULL;
  g_autofree char *truncated = NULL;
  g_autofree char *bomb_json = NULL;
  g_autofree char *bomb = NULL;
  g_autofree char *gz_of_octal = hw_compressed_encode ("{\"note\":\"caf\\255\"}", -1);
  struct { const char *name; char *line; int code; const char *message; } cases[5];
  gsize bomb_len = 2 * 1024 * 1024;

  /* A valid outer value whose JSON holds a broken one: the path goes down. */
  inner_bad = g_strdup_printf ("{\"a\":[{\"b\":\"COMPRESSEDH4sI\"}]}");
  {
    g_autofree char *outer = hw_compressed_encode (inner_bad, -1);

    cases[0].line = g_strdup_printf ("{" HEAD ",\"order\":{\"blob\":\"%s\"}}", outer);
  }
  cases[0].name = "nested-truncated-gzip";
  cases[0].code = HW_ERROR_INVALID_EVENT;
  cases[0].message = "order.blob.a[0].b: COMPRESSED value holds truncated gzip data";

  cases[1].name = "json-inside";
  cases[1].line = g_strdup_printf ("{" HEAD ",\"order\":{\"blob\":\"%s\"}}", gz_of_text);
  cases[1].code = HW_ERROR_INVALID_JSON;
  cases[1].message = "order.blob: COMPRESSED value: invalid JSON";

  /* Chop a valid value: still base64 (length kept a multiple of 4). */
  {
    g_autofree char *value = hw_compressed_encode ("{\"k\":\"a fairly long value to compress\"}", -1);
    gsize len = strlen (value);

    truncated = g_strndup (value, 10 + ((len - 10) / 2) / 4 * 4);
    cases[2].line = g_strdup_printf ("{" HEAD ",\"order\":{\"blob\":\"%s\"}}", truncated);
  }
  cases[2].name = "truncated-gzip";
  cases[2].code = HW_ERROR_INVALID_EVENT;
  cases[2].message = "order.blob: COMPRESSED value holds truncated gzip data";

  /* 2 MiB of one letter compresses to a few KB: a small bomb. */
  bomb_json = g_malloc (bomb_len + 3);
  bomb_json[0] = '"';
  memset (bomb_json + 1, 'a', bomb_len);
  bomb_json[bomb_len + 1] = '"';
  bomb_json[bomb_len + 2] = '\0';
  bomb = hw_compressed_encode (bomb_json, -1);
  cases[3].name = "gzip-bomb";
  cases[3].line = g_strdup_printf ("{" HEAD ",\"order\":{\"blob\":\"%s\"}}", bomb);
  cases[3].code = HW_ERROR_TOO_LARGE;
  cases[3].message = "order.blob: COMPRESSED value expands beyond 1048576 bytes";

  /* Expanded text is guarded like a line: no escape json-glib would
   * decode into invalid UTF-8 reaches the expanded tree. */
  cases[4].name = "octal-escape-inside";
  cases[4].line = g_strdup_printf ("{" HEAD ",\"order\":{\"blob\":\"%s\"}}", gz_of_octal);
  cases[4].code = HW_ERROR_INVALID_JSON;
  cases[4].message = "order.blob: COMPRESSED value: invalid escape '\\2' in a string at byte offset 12";

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HwEvent) event = NULL;

      g_test_message ("case %s", cases[i].name);
      event = hw_event_parse (cases[i].line, -1, NULL, &error);
      g_assert_null (event);
      g_assert_error (error, HW_ERROR, cases[i].code);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("case %s: message '%s' lacks '%s'", cases[i].name, error->message, cases[i].message);
      g_free (cases[i].line);
    }
}

static void
test_oversize (void)
{
  HwParseLimits limits = hw_parse_limits_default ();
  g_autoptr(GString) line = g_string_new ("{" HEAD ",\"pad\":\"");
  g_autoptr(GError) error = NULL;
  g_autoptr(HwEvent) event = NULL;

  limits.max_event_bytes = 1024;
  for (guint i = 0; i < 2000; i++)
    g_string_append_c (line, 'x');
  g_string_append (line, "\"}");

  event = hw_event_parse (line->str, line->len, &limits, &error);
  g_assert_null (event);
  g_assert_error (error, HW_ERROR, HW_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "exceeds the limit of 1024 bytes"));
}

static char *
nested_line (guint levels)
{
  GString *line = g_string_new ("{" HEAD ",\"deep\":");

  /* The root object is the first level. */
  for (guint i = 1; i < levels; i++)
    g_string_append (line, "[");
  g_string_append (line, "0");
  for (guint i = 1; i < levels; i++)
    g_string_append (line, "]");
  g_string_append (line, "}");
  return g_string_free (line, FALSE);
}

static void
test_deep_nesting (void)
{
  g_autofree char *ok = nested_line (64);
  g_autofree char *too_deep = nested_line (65);
  g_autofree char *brackets = g_strnfill (100000, '[');
  g_autofree char *in_string = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HwEvent) event = NULL;
  gint64 start;

  event = hw_event_parse (ok, -1, NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&event, hw_event_unref);

  event = hw_event_parse (too_deep, -1, NULL, &error);
  g_assert_null (event);
  g_assert_error (error, HW_ERROR, HW_ERROR_TOO_DEEP);
  g_assert_nonnull (strstr (error->message, "deeper than 64 levels"));
  g_clear_error (&error);

  /* Must fail in the pre-scan: fast, and without the parser's recursion. */
  start = g_get_monotonic_time ();
  event = hw_event_parse (brackets, -1, NULL, &error);
  g_assert_null (event);
  g_assert_error (error, HW_ERROR, HW_ERROR_TOO_DEEP);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
  g_clear_error (&error);

  /* Brackets inside strings are text, not nesting. */
  in_string = g_strdup_printf ("{" HEAD ",\"text\":\"%s\"}", brackets);
  event = hw_event_parse (in_string, -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (event);
}

static char *
nested_array (guint levels)
{
  g_autofree char *open = g_strnfill (levels, '[');
  g_autofree char *close = g_strnfill (levels, ']');

  return g_strconcat (open, "1", close, NULL);
}

static void
test_compressed_depth_counts (void)
{
  /* The value sits inside two objects: 62 levels inside it make 64 in all,
   * accepted; 63 make 65, refused although the text alone is shallow. */
  g_autofree char *ok_inner = nested_array (62);
  g_autofree char *bad_inner = nested_array (63);
  g_autofree char *ok = compressed_line (ok_inner);
  g_autofree char *bad = compressed_line (bad_inner);
  g_autoptr(GError) error = NULL;
  g_autoptr(HwEvent) event = NULL;

  event = hw_event_parse (ok, -1, NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&event, hw_event_unref);

  event = hw_event_parse (bad, -1, NULL, &error);
  g_assert_null (event);
  g_assert_error (error, HW_ERROR, HW_ERROR_TOO_DEEP);
  g_assert_nonnull (strstr (error->message, "order.blob"));
}

static void
test_nul_byte (void)
{
  const char line[] = "{\"id\":\"e\0x\",\"type\":\"t\",\"timestamp\":" TS "}";
  g_autoptr(GError) error = NULL;
  g_autoptr(HwEvent) event = hw_event_parse (line, sizeof line - 1, NULL, &error);

  g_assert_null (event);
  g_assert_error (error, HW_ERROR, HW_ERROR_INVALID_UTF8);
  g_assert_nonnull (strstr (error->message, "NUL byte at byte offset 8"));
}

static void
test_parse_node (void)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(HwEvent) event = NULL;
  g_autoptr(JsonNode) deep = json_node_new (JSON_NODE_NULL);
  JsonNode *root;

  g_assert_true (json_parser_load_from_data (parser, "[{" HEAD ",\"x\":1},{\"id\":\"e2\"}]", -1, &error));
  root = json_parser_get_root (parser);

  event = hw_event_parse_node (json_array_get_element (json_node_get_array (root), 0), 40, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (event->id, ==, "e1");
  g_assert_cmpstr (event->json, ==, "{" HEAD ",\"x\":1}");
  g_assert_cmpuint (event->size, ==, 40);
  g_clear_pointer (&event, hw_event_unref);

  event = hw_event_parse_node (json_array_get_element (json_node_get_array (root), 1), 10, NULL, &error);
  g_assert_null (event);
  g_assert_error (error, HW_ERROR, HW_ERROR_INVALID_EVENT);
  g_clear_error (&error);

  /* A node built in memory can be deeper than any parser would allow. */
  for (guint i = 0; i < 1000; i++)
    {
      JsonArray *array = json_array_new ();
      JsonNode *holder = json_node_new (JSON_NODE_ARRAY);

      json_array_add_element (array, g_steal_pointer (&deep));
      json_node_take_array (holder, array);
      deep = holder;
    }
  event = hw_event_parse_node (deep, 10, NULL, &error);
  g_assert_null (event);
  g_assert_error (error, HW_ERROR, HW_ERROR_TOO_DEEP);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/event-parser/bad-inputs", test_bad_inputs);
  g_test_add_func ("/event-parser/bare", test_bare_event);
  g_test_add_func ("/event-parser/whitespace-compacted", test_whitespace_is_compacted);
  g_test_add_func ("/event-parser/escapes-accepted", test_escapes_accepted);
  g_test_add_func ("/event-parser/wrapped", test_wrapped_event);
  g_test_add_func ("/event-parser/fault", test_fault_event);
  g_test_add_func ("/event-parser/compressed-nested", test_nested_compressed);
  g_test_add_func ("/event-parser/compressed-errors", test_compressed_errors);
  g_test_add_func ("/event-parser/compressed-depth", test_compressed_depth_counts);
  g_test_add_func ("/event-parser/oversize", test_oversize);
  g_test_add_func ("/event-parser/deep-nesting", test_deep_nesting);
  g_test_add_func ("/event-parser/nul-byte", test_nul_byte);
  g_test_add_func ("/event-parser/parse-node", test_parse_node);
  return g_test_run ();
}
