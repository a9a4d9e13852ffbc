/* test-hub-batch.c: stream-record rendering (base64, numbers, escaping) against json-glib and GLib
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Delivery and replays render records with a hand-written base64 encoder
 * and number formatting; every body must parse as JSON and decode back to
 * the exact event bytes, whatever their length modulo 3 or their content.
 */
#include "config.h"

#include <string.h>

#include "hw-hub-batch.h"

static JsonObject *
parse_record (GBytes *body,
              guint   index)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  gsize length;
  const char *data = g_bytes_get_data (body, &length);
  JsonArray *records;

  g_assert_true (json_parser_load_from_data (parser, data, length, &error));
  g_assert_no_error (error);
  records = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "Records");
  g_assert_cmpuint (index, <, json_array_get_length (records));
  return json_object_ref (json_array_get_object_element (records, index));
}

/* Every length from 0 to 300 covers each remainder of the 3-byte groups,
 * and bytes up to 0xff cover the whole table. */
static void
test_base64_round_trip (void)
{
  g_autoptr(GString) json = g_string_new (NULL);

  for (guint length = 0; length <= 300; length++)
    {
      HwBatchItem item = { 7, "key", "id", NULL, 1714521600185 };
      g_autoptr(GBytes) body = NULL;
      g_autoptr(JsonObject) record = NULL;
      g_autofree guchar *decoded = NULL;
      g_autofree char *expected = NULL;
      gsize decoded_len = 0;
      JsonObject *kinesis;

      g_string_truncate (json, 0);
      for (guint i = 0; i < length; i++)
        g_string_append_c (json, (char) (1 + (i * 37 + length) % 255));
      item.json = json->str;
      body = hw_batch_body_new (&item, 1, 3);
      record = parse_record (body, 0);
      kinesis = json_object_get_object_member (record, "kinesis");

      expected = g_base64_encode ((const guchar *) json->str, json->len);
      g_assert_cmpstr (json_object_get_string_member (kinesis, "data"), ==, expected);
      decoded = g_base64_decode (json_object_get_string_member (kinesis, "data"), &decoded_len);
      g_assert_cmpmem (decoded, decoded_len, json->str, json->len);
    }
}

static void
test_record_fields (void)
{
  const struct
  {
    guint64     seq;
    const char *partition_key;
    const char *event_id;
    gint64      received_ms;
    guint       shard;
    const char *event_id_out;
    const char *key_out;
    double      seconds;
  } cases[] = {
    { 1, "order-1", "e1", 1714521600185, 0, "shardId-000000000000:1", "order-1", 1714521600.185 },
    { 1234567890123, NULL, "only-id", 1000, 15, "shardId-000000000015:1234567890123", "only-id", 1.0 },
    { 42, "quote\"back\\slash\nline\x01", "e2", 7, 2, "shardId-000000000002:42",
      "quote\"back\\slash\nline\x01", 0.007 },
    { 0, "k", "e3", 0, 0, "shardId-000000000000:0", "k", 0.0 },
  };
  g_autoptr(GArray) items = g_array_new (FALSE, TRUE, sizeof (HwBatchItem));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      HwBatchItem item = { cases[i].seq, cases[i].partition_key, cases[i].event_id,
                           "{\"id\":\"x\"}", cases[i].received_ms };
      g_autoptr(GBytes) body = hw_batch_body_new (&item, 1, cases[i].shard);
      g_autoptr(JsonObject) record = parse_record (body, 0);
      JsonObject *kinesis = json_object_get_object_member (record, "kinesis");
      g_autofree char *seq = g_strdup_printf ("%" G_GUINT64_FORMAT, cases[i].seq);

      g_assert_cmpstr (json_object_get_string_member (record, "eventSource"), ==, "aws:kinesis");
      g_assert_cmpstr (json_object_get_string_member (record, "eventID"), ==, cases[i].event_id_out);
      g_assert_cmpstr (json_object_get_string_member (kinesis, "sequenceNumber"), ==, seq);
      g_assert_cmpstr (json_object_get_string_member (kinesis, "partitionKey"), ==, cases[i].key_out);
      g_assert_cmpfloat_with_epsilon (json_object_get_double_member (kinesis, "approximateArrivalTimestamp"),
                                      cases[i].seconds, 1e-6);
      g_array_append_val (items, item);
    }

  /* Several records in one body, in order. */
  {
    g_autoptr(GBytes) body = hw_batch_body_new ((HwBatchItem *) (gpointer) items->data, items->len, 0);

    for (guint i = 0; i < items->len; i++)
      {
        g_autoptr(JsonObject) record = parse_record (body, i);
        JsonObject *kinesis = json_object_get_object_member (record, "kinesis");
        g_autofree char *seq = g_strdup_printf ("%" G_GUINT64_FORMAT, cases[i].seq);

        g_assert_cmpstr (json_object_get_string_member (kinesis, "sequenceNumber"), ==, seq);
      }
  }
}

/* The record appended alone is exactly what a one-record body holds. */
static void
test_append_matches_body (void)
{
  HwBatchItem item = { 9, "pk", "id", "{\"id\":\"id\",\"type\":\"t\"}", 1714521600999 };
  g_autoptr(GBytes) body = hw_batch_body_new (&item, 1, 4);
  g_autoptr(GString) out = g_string_new ("{\"Records\":[");
  gsize length;
  const char *data = g_bytes_get_data (body, &length);

  hw_batch_append_record (out, &item, 4);
  g_string_append (out, "]}");
  g_assert_cmpmem (out->str, out->len, data, length);
  g_assert_cmpuint (out->len - strlen ("{\"Records\":[]}"), <=, hw_batch_record_size_hint (strlen (item.json)));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hub/batch/base64-round-trip", test_base64_round_trip);
  g_test_add_func ("/hub/batch/record-fields", test_record_fields);
  g_test_add_func ("/hub/batch/append-matches-body", test_append_matches_body);

  return g_test_run ();
}
