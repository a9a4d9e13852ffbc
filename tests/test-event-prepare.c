/* test-event-prepare.c: the one-pass import path agrees with the JSON tree
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <zlib.h>

#include "hw-error.h"
#include "hw-event-prepare.h"
#include "hw-event-store-private.h"
#include "hw-mask.h"

/* Lines of every shape the fast path reads, and of shapes it must leave to
 * the parser. */
static const char * const lines[] = {
  /* plain, as the lake generator writes them */
  "{\"id\":\"e-1\",\"type\":\"order-placed\",\"timestamp\":1714521600185,\"partitionKey\":\"order-1\","
  "\"tags\":{\"account\":\"prod\",\"region\":\"us-east-1\",\"stage\":\"prd\",\"source\":\"order-service\","
  "\"functionname\":\"order-command\",\"pipeline\":\"p4\"},\"order\":{\"id\":\"order-1\",\"amount\":88739,"
  "\"ok\":true,\"none\":null,\"notes\":[\"poka veloum\",\"\",[\"deep\",{\"type\":\"inner\"}]]}}",
  /* a bus wrapper, with escapes json-glib writes back the same */
  "{\"version\":\"0\",\"id\":\"w-1\",\"detail-type\":\"thing-updated\",\"source\":\"custom\",\"resources\":[],"
  "\"detail\":{\"id\":\"e-2\",\"type\":\"thing-updated\",\"timestamp\":1714521603559,"
  "\"tags\":{\"source\":\"thing-service\",\"extra\":\"x\\\"y\"},\"thing\":{\"text\":\"a\\nb\\tc\\\\d\"}},"
  "\"region\":\"us-east-1\"}",
  /* tags after the payload, the type last, non-ASCII text */
  "{\"thing\":{\"name\":\"crème brûlée 日本\"},\"id\":\"e-3\",\"tags\":{\"region\":\"eu\"},"
  "\"timestamp\":1714521603559,\"type\":\"thing-created\"}",
  /* no tags; null tags and partition key */
  "{\"id\":\"e-4\",\"type\":\"t\",\"timestamp\":1714521603559}",
  "{\"id\":\"e-5\",\"type\":\"t\",\"timestamp\":1714521603559,\"tags\":null,\"partitionKey\":null}",
  /* a fault */
  "{\"id\":\"f-1\",\"type\":\"fault\",\"timestamp\":1714521626830,\"tags\":{\"functionname\":\"invoice\","
  "\"pipeline\":\"p1\"},\"err\":{\"name\":\"Error\",\"message\":\"failed\",\"stack\":\"Error: failed\\n    at x\"},"
  "\"uow\":{\"record\":{\"eventID\":\"shard:134\"},\"event\":{\"id\":\"orig\",\"type\":\"order-created\"}}}",
  "{\"id\":\"f-2\",\"type\":\"fault\",\"timestamp\":1714521626830,\"err\":null,\"uow\":null}",
  /* a non-fault may have any err */
  "{\"id\":\"e-6\",\"type\":\"x\",\"timestamp\":1714521626830,\"err\":7,\"uow\":[1]}",
  /* doubles and -0: stored as received bare, re-serialised when wrapped */
  "{\"id\":\"e-7\",\"type\":\"x\",\"timestamp\":1714521626830,\"price\":12.50,\"neg\":-0}",
  "{\"detail-type\":\"x\",\"detail\":{\"id\":\"e-8\",\"type\":\"x\",\"timestamp\":1714521626830,\"p\":1.10}}",
  "{\"id\":\"e-9\",\"type\":\"x\",\"timestamp\":1714521626830,\"tags\":{\"w\":2.5,\"source\":\"s\"}}",
  /* what masking must see */
  "{\"id\":\"e-10\",\"type\":\"customer-placed\",\"timestamp\":1714521608636,\"customer\":{\"name\":\"a b\","
  "\"email\":\"deru.19808@example.com\"},\"eem\":{\"fields\":[\"customer\"]}}",
  "{\"id\":\"e-11\",\"type\":\"x\",\"timestamp\":1714521608636,\"note\":\"mail bob@example.com now\"}",
  "{\"id\":\"e-12\",\"type\":\"x\",\"timestamp\":1714521608636,\"card\":\"4111 1111 1111 1111\"}",
  "{\"id\":\"e-13\",\"type\":\"x\",\"timestamp\":1714521608636,\"deep\":{\"a\":[{\"eem\":{\"fields\":[\"b\"]},\"b\":\"s\"}]}}",
  /* non-ASCII and DEL written back by json-glib in a wrapper */
  "{\"detail-type\":\"x\",\"detail\":{\"id\":\"e-32\",\"type\":\"x\",\"timestamp\":1714521626830,"
  "\"n\":\"crème 日本 \x7f \",\"e\":\"\",\"ls\":\"a b😀\"}}",
  /* left to the parser */
  "{\"id\":\"e-14\",\"type\":\"x\",\"timestamp\":1714521608636,\"blob\":\"COMPRESSEDnotbase64\"}",
  "{\"id\":\"e-15\",\"type\":\"x\",\"timestamp\":1714521608636,\"u\":\"\\u00e9\\/\"}",
  "{ \"id\":\"e-16\",\"type\":\"x\",\"timestamp\":1714521608636 }",
  "{\"id\":\"e-17\",\"type\":\"x\",\"timestamp\":1714521608636,\"id\":\"again\"}",
  "{\"id\":\"e-18\",\"type\":\"x\",\"timestamp\":1714521608636,\"tags\":{\"source\":\"a\",\"source\":\"b\"}}",
  "{\"id\":\"e-19\",\"type\":\"x\",\"timestamp\":1.7e12}",
  "{\"id\":\"e-20\",\"type\":\"x\",\"timestamp\":17145216086360000000}",
  "{\"id\":\"e-21\",\"type\":\"x\",\"timestamp\":1714521608}",
  "{\"id\":\"\",\"type\":\"x\",\"timestamp\":1714521608636}",
  "{\"id\":\"e-22\",\"type\":\"fault\",\"timestamp\":1714521608636,\"err\":{\"name\":3}}",
  "{\"id\":\"e-23\",\"type\":\"x\",\"timestamp\":1714521608636,\"tags\":{\"stage\":[]}}",
  "{\"detail-type\":\"x\",\"detail\":\"no\"}",
  "{\"detail-type\":\"x\"}",
  "{\"id\":\"e-24\",\"type\":\"x\",\"timestamp\":1714521608636,\"b\":\"\\b\\f\"}",
  "{\"id\":\"e-25\",\"type\":\"x\",\"timestamp\":1714521608636}{\"id\":\"e-26\"}",
  "[{\"id\":\"e-27\",\"type\":\"x\",\"timestamp\":1714521608636}]",
  "{\"id\":\"e-28\",\"type\":\"x\",\"timestamp\":1714521608636,\"a\":[[[[[[[[[[1]]]]]]]]]]}",
  "{\"id\":\"e-29\",\"type\":\"x\",\"timestamp\":1714521608636,\"bad\":\"\xff\"}",
  "{\"id\":\"e-30\",\"type\":\"x\",\"timestamp\":1714521608636,\"a\":tru}",
  "{\"id\":\"e-31\",\"type\":\"x\",\"timestamp\":1714521608636,}",
  /* escapes JSON lacks, which json-glib 1.6 would decode: the parser's to refuse */
  "{\"id\":\"e-33\",\"type\":\"x\",\"timestamp\":1714521608636,\"order\":{\"note\":\"caf\\255\"}}",
  "{\"id\":\"e-34\",\"type\":\"x\",\"timestamp\":1714521608636,\"n\":\"\\x41\\'\\a\"}",
  "{\"detail-type\":\"x\",\"detail\":{\"id\":\"e-35\",\"type\":\"x\",\"timestamp\":1714521608636,"
  "\"n\":\"\\0\"}}",
  "{\"id\":\"e-36\",\"type\":\"x\",\"timestamp\":1714521608636,\"n\":\"\\ud800\"}",
  "",
};

static char *
body_text (const HwPreparedEvent *prepared)
{
  g_autoptr(GError) error = NULL;
  char *json = hw_store_decompress (prepared->body->data, prepared->body->len, &error);

  g_assert_no_error (error);
  return json;
}

/* Both ways must agree on everything the store writes, or on the error. */
static void
assert_same (HwMaskRules         *rules,
             const char          *line,
             gsize                length,
             const HwParseLimits *limits,
             gboolean            *took_fast)
{
  HwEventPreparer *fast = hw_event_preparer_new (rules);
  HwEventPreparer *slow = hw_event_preparer_new (rules);
  g_autoptr(GError) fast_error = NULL;
  g_autoptr(GError) slow_error = NULL;
  HwPreparedEvent a, b;
  gboolean fast_ok, slow_ok;

  if (took_fast != NULL)
    *took_fast = FALSE;
  hw_event_preparer_set_fast (slow, FALSE);
  fast_ok = hw_event_preparer_parse (fast, line, length, limits, &a, &fast_error);
  slow_ok = hw_event_preparer_parse (slow, line, length, limits, &b, &slow_error);
  if (fast_ok != slow_ok)
    g_error ("fast %d, slow %d for: %.*s", fast_ok, slow_ok, (int) length, line);

  if (!slow_ok)
    {
      g_assert_error (fast_error, HW_ERROR, slow_error->code);
      g_assert_cmpstr (fast_error->message, ==, slow_error->message);
    }
  else
    {
      g_autofree char *body_a = body_text (&a);
      g_autofree char *body_b = body_text (&b);
      HwEvent *ea = a.event, *eb = b.event;

      g_assert_cmpstr (ea->id, ==, eb->id);
      g_assert_cmpstr (ea->type, ==, eb->type);
      g_assert_cmpint (ea->timestamp_ms, ==, eb->timestamp_ms);
      g_assert_cmpstr (ea->partition_key, ==, eb->partition_key);
      g_assert_cmpstr (ea->source, ==, eb->source);
      g_assert_cmpstr (ea->functionname, ==, eb->functionname);
      g_assert_cmpstr (ea->pipeline, ==, eb->pipeline);
      g_assert_cmpstr (ea->account, ==, eb->account);
      g_assert_cmpstr (ea->region, ==, eb->region);
      g_assert_cmpstr (ea->stage, ==, eb->stage);
      g_assert_cmpstr (ea->err_name, ==, eb->err_name);
      g_assert_cmpstr (ea->err_message, ==, eb->err_message);
      g_assert_cmpstr (ea->err_stack, ==, eb->err_stack);
      g_assert_cmpuint (ea->size, ==, eb->size);
      g_assert_cmpstr (a.text, ==, b.text);
      g_assert_cmpstr (a.tags, ==, b.tags);
      g_assert_cmpstr (body_a, ==, body_b);
      /* The slow path always has the tree; the fast one never builds it. */
      g_assert_nonnull (eb->expanded);
      if (took_fast != NULL)
        *took_fast = ea->expanded == NULL;
      hw_prepared_event_clear (&a);
      hw_prepared_event_clear (&b);
    }

  hw_event_preparer_free (fast);
  hw_event_preparer_free (slow);
}

static void
test_table (void)
{
  g_autoptr(HwMaskRules) rules = hw_mask_rules_new (HW_MASK_DEFAULT);
  HwParseLimits limits = hw_parse_limits_default ();

  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    {
      assert_same (NULL, lines[i], strlen (lines[i]), &limits, NULL);
      assert_same (rules, lines[i], strlen (lines[i]), &limits, NULL);
    }

  /* Tight limits are the parser's to report. */
  limits.max_depth = 4;
  limits.max_event_bytes = 200;
  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    assert_same (rules, lines[i], strlen (lines[i]), &limits, NULL);
}

/* The common shapes do take the fast path (or it would be dead code). */
static void
test_fast_taken (void)
{
  g_autoptr(HwMaskRules) rules = hw_mask_rules_new (HW_MASK_DEFAULT);
  struct { guint line; gboolean with_rules; gboolean fast; } cases[] = {
    { 0, FALSE, TRUE }, { 0, TRUE, TRUE }, { 1, FALSE, TRUE }, { 1, TRUE, TRUE },
    { 2, TRUE, TRUE }, { 5, TRUE, TRUE }, { 8, FALSE, TRUE }, { 8, TRUE, FALSE },
    { 9, FALSE, FALSE }, { 10, FALSE, FALSE }, { 11, FALSE, TRUE }, { 11, TRUE, FALSE },
    { 12, TRUE, FALSE }, { 13, TRUE, FALSE }, { 14, TRUE, FALSE }, { 15, FALSE, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *line = lines[cases[i].line];
      gboolean fast;

      assert_same (cases[i].with_rules ? rules : NULL, line, strlen (line), NULL, &fast);
      if (fast != cases[i].fast)
        g_error ("case %u: fast path %s for: %s", i, fast ? "taken" : "not taken", line);
    }
}

/* Digits that only look like a card number leave the fast path open with
 * the default rules; a card number (Luhn-valid, 13-19 digits) does not.
 * Both ways still agree on what is stored. */
static void
test_card_like_digits (void)
{
  static const struct { const char *line; gboolean fast; } cases[] = {
    /* a bus wrapper's time: 14 digits in one string, no run of 13 */
    { "{\"version\":\"0\",\"id\":\"w-2\",\"detail-type\":\"x\",\"source\":\"custom\","
      "\"time\":\"2024-05-01T00:00:03Z\",\"detail\":{\"id\":\"e-40\",\"type\":\"x\","
      "\"timestamp\":1714521603559}}", TRUE },
    { "{\"id\":\"e-41\",\"type\":\"x\",\"timestamp\":1714521608636,\"ref\":\"4111111111111112\"}", TRUE },
    { "{\"id\":\"e-42\",\"type\":\"x\",\"timestamp\":1714521608636,\"ids\":\"17145216001851714521600186\"}",
      TRUE },
    { "{\"id\":\"e-43\",\"type\":\"x\",\"timestamp\":1714521608636,\"n\":\"paid 4111-1111-1111-1111 ok\"}",
      FALSE },
    { "{\"id\":\"e-44\",\"type\":\"x\",\"timestamp\":1714521608636,\"n\":\"a\\t4111111111111111\"}", FALSE },
  };
  g_autoptr(HwMaskRules) rules = hw_mask_rules_new (HW_MASK_DEFAULT);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gboolean fast;

      assert_same (rules, cases[i].line, strlen (cases[i].line), NULL, &fast);
      if (fast != cases[i].fast)
        g_error ("case %u: fast path %s for: %s", i, fast ? "taken" : "not taken", cases[i].line);
    }
}

/* Every prefix and many one-byte changes of the table's valid lines: the
 * fast path never accepts what the parser refuses, nor reads it otherwise. */
static void
test_mutations (void)
{
  static const char replacements[] = "\"{}[],:1-.x\\ e\xc3";
  g_autoptr(HwMaskRules) rules = hw_mask_rules_new (HW_MASK_DEFAULT);
  HwParseLimits limits = hw_parse_limits_default ();

  for (guint i = 0; i < 12; i++)
    {
      const char *line = lines[i];
      gsize length = strlen (line);
      g_autofree char *copy = g_strdup (line);

      for (gsize cut = 0; cut < length; cut++)
        assert_same (NULL, line, cut, &limits, NULL);

      for (gsize at = 0; at < length; at++)
        for (guint r = 0; r < sizeof replacements - 1; r++)
          {
            copy[at] = replacements[r];
            assert_same (r % 2 ? rules : NULL, copy, length, &limits, NULL);
            copy[at] = line[at];
          }
    }
}

/* Every way of cutting or flipping a stored body fails cleanly. */
static void
assert_damage_fails (const GByteArray *body)
{
  g_autoptr(GError) error = NULL;
  guint8 *damaged = g_memdup2 (body->data, body->len);
  char *text;

  for (guint cut = 0; cut < body->len; cut++)
    {
      text = hw_store_decompress (damaged, cut, &error);
      g_assert_null (text);
      g_assert_error (error, HW_ERROR, HW_ERROR_CORRUPT);
      g_clear_error (&error);
    }
  for (guint at = 0; at < body->len; at++)
    {
      damaged[at] ^= 0x5a;
      text = hw_store_decompress (damaged, body->len, &error);
      g_assert_true ((text == NULL) == (error != NULL));
      g_clear_pointer (&text, g_free);
      g_clear_error (&error);
      damaged[at] ^= 0x5a;
    }
  g_free (damaged);
}

static void
prepare_line (HwEventPreparer *preparer,
              const char      *json,
              HwPreparedEvent *prepared)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (hw_event_preparer_parse (preparer, json, strlen (json), NULL, prepared, &error));
  g_assert_no_error (error);
}

/* New bodies are zstd frames, or LZ4 in the hub; old caches hold zlib
 * streams: all read back, and a damaged body of any kind is an error,
 * never a crash. */
static void
test_body_codecs (void)
{
  static const struct { HwBodyCodec codec; const char *magic; } codecs[] = {
    { HW_BODY_CODEC_ZSTD, "\x28\xb5\x2f\xfd" },
    { HW_BODY_CODEC_LZ4, "hwl4" },
  };
  const char *json = lines[0];
  gsize length = strlen (json);
  HwEventPreparer *preparer = hw_event_preparer_new (NULL);
  g_autoptr(GError) error = NULL;
  HwPreparedEvent prepared;
  uLongf zlib_length = compressBound (length);
  g_autofree guint8 *zlib_body = g_malloc (zlib_length);
  g_autofree char *text = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (codecs); i++)
    {
      hw_event_preparer_set_codec (preparer, codecs[i].codec);
      prepare_line (preparer, json, &prepared);
      g_assert_cmpuint (prepared.body->len, >=, 4);
      g_assert_cmpmem (prepared.body->data, 4, codecs[i].magic, 4);
      g_assert_cmpuint (prepared.body->len, <, length);
      text = body_text (&prepared);
      g_assert_cmpstr (text, ==, json);
      g_clear_pointer (&text, g_free);
      assert_damage_fails (prepared.body);
      hw_prepared_event_clear (&prepared);
    }

  g_assert_cmpint (compress2 (zlib_body, &zlib_length, (const Bytef *) json, length, 6), ==, Z_OK);
  text = hw_store_decompress (zlib_body, zlib_length, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text, ==, json);
  g_clear_pointer (&text, g_free);
  text = hw_store_decompress (zlib_body, zlib_length / 2, &error);
  g_assert_null (text);
  g_assert_error (error, HW_ERROR, HW_ERROR_CORRUPT);

  hw_event_preparer_free (preparer);
}

/* LZ4 bodies of every size, read into one reused buffer between bodies of
 * the other codecs, as a scan reads a store that holds both. */
static void
test_lz4_sizes (void)
{
  HwEventPreparer *lz4 = hw_event_preparer_new (NULL);
  HwEventPreparer *zstd = hw_event_preparer_new (NULL);
  g_autoptr(GByteArray) scratch = g_byte_array_new ();
  static const gsize note_sizes[] = { 0, 1, 15, 300, 4096, 65536, 200000 };

  hw_event_preparer_set_codec (lz4, HW_BODY_CODEC_LZ4);
  for (guint i = 0; i < G_N_ELEMENTS (note_sizes); i++)
    {
      g_autofree char *note = g_strnfill (note_sizes[i], "abcdefgh"[i % 8]);
      g_autofree char *json = g_strdup_printf ("{\"id\":\"e%u\",\"type\":\"t\",\"timestamp\":1714737600000,"
                                               "\"note\":\"%s\"}", i, note);
      HwPreparedEvent a, b;
      g_autoptr(GError) error = NULL;
      const char *text;

      prepare_line (lz4, json, &a);
      prepare_line (zstd, json, &b);
      text = hw_store_decompress_into (a.body->data, a.body->len, scratch, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (text, ==, json);
      text = hw_store_decompress_into (b.body->data, b.body->len, scratch, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (text, ==, json);
      hw_prepared_event_clear (&a);
      hw_prepared_event_clear (&b);
    }
  hw_event_preparer_free (lz4);
  hw_event_preparer_free (zstd);
}

/* No parser path reaches 64 MiB (events are limited far below), so the
 * store's own limit is tested on the compression step directly: a body at
 * the limit is written and read back, one byte more is refused before
 * anything is stored, with either codec. */
static void
test_body_size_limit (void)
{
  static const HwBodyCodec codecs[] = { HW_BODY_CODEC_ZSTD, HW_BODY_CODEC_LZ4 };
  g_autoptr(GByteArray) scratch = g_byte_array_new ();

  for (guint i = 0; i < G_N_ELEMENTS (codecs); i++)
    {
      HwEventPreparer *preparer = hw_event_preparer_new (NULL);
      HwPreparedEvent at_limit = { 0 }, over = { 0 };
      g_autoptr(GError) error = NULL;
      const char *text;

      hw_event_preparer_set_codec (preparer, codecs[i]);
      at_limit.json = g_strnfill (HW_STORE_MAX_BODY_BYTES, 'a');
      g_assert_true (hw_event_preparer_compress (preparer, &at_limit, &error));
      g_assert_no_error (error);
      text = hw_store_decompress_into (at_limit.body->data, at_limit.body->len, scratch, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (strlen (text), ==, HW_STORE_MAX_BODY_BYTES);

      over.json = g_strnfill (HW_STORE_MAX_BODY_BYTES + 1, 'a');
      g_assert_false (hw_event_preparer_compress (preparer, &over, &error));
      g_assert_error (error, HW_ERROR, HW_ERROR_FAILED);
      g_assert_nonnull (strstr (error->message, "larger than 64 MiB"));
      g_assert_null (over.body);

      hw_prepared_event_clear (&at_limit);
      hw_prepared_event_clear (&over);
      hw_event_preparer_free (preparer);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/event-prepare/table", test_table);
  g_test_add_func ("/event-prepare/fast-taken", test_fast_taken);
  g_test_add_func ("/event-prepare/card-like-digits", test_card_like_digits);
  g_test_add_func ("/event-prepare/mutations", test_mutations);
  g_test_add_func ("/event-prepare/body-codecs", test_body_codecs);
  g_test_add_func ("/event-prepare/lz4-sizes", test_lz4_sizes);
  g_test_add_func ("/event-prepare/body-size-limit", test_body_size_limit);

  return g_test_run ();
}
