/* hw-hub-batch.h: Kinesis-style batch bodies and POSTing them to listeners
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* One record of a batch: the bare event JSON as received and where it sits
 * in the hub's arrival order. */
typedef struct
{
  guint64     seq;
  const char *partition_key;  /* NULL: the event id is used, as Kinesis needs one */
  const char *event_id;
  const char *json;           /* compact event JSON, sent base64-encoded */
  gint64      received_ms;
} HwBatchItem;

/* {"Records":[{"eventSource":"aws:kinesis","eventID":"shardId-…:SEQ",
 *   "kinesis":{"sequenceNumber":"SEQ","partitionKey":…,"data":base64,
 *   "approximateArrivalTimestamp":seconds}}]} */
GBytes   *hw_batch_body_new          (const HwBatchItem *items,
                                      guint              n_items,
                                      guint              shard);
/* Appends the one stream record of @item (the object inside "Records"). */
void      hw_batch_append_record     (GString           *out,
                                      const HwBatchItem *item,
                                      guint              shard);
/* An upper bound of the bytes hw_batch_append_record() appends for an event
 * of @json_length bytes, give or take a very long partition key. */
gsize     hw_batch_record_size_hint  (gsize              json_length);

/* {"Records":[…@records as given…]}: resubmissions send channel records
 * exactly as the listener first received them. */
GBytes   *hw_batch_body_new_records  (JsonArray         *records);

/* A JSON string literal (with the quotes) for @text. */
void      hw_batch_append_json_string (GString          *out,
                                       const char       *text);

/* Outcome of one POST: @status is the HTTP status (0 when there was no
 * answer), @error says why there was none or why it is not an ack. */
typedef void (*HwBatchPostFunc) (guint         status,
                                 const GError *error,
                                 double        duration_ms,
                                 gpointer      user_data);

/* POSTs @body as application/json; @timeout_ms bounds the whole exchange
 * (connect, send, answer) with HW_ERROR_UNAVAILABLE "timed out". A 2xx calls
 * @func with a NULL error. @cancellable (nullable) aborts it: @func then
 * gets G_IO_ERROR_CANCELLED. @func always runs, once, on the thread-default
 * main context of the caller. */
void      hw_batch_post              (SoupSession       *session,
                                      const char        *url,
                                      GBytes            *body,
                                      guint              timeout_ms,
                                      GCancellable      *cancellable,
                                      HwBatchPostFunc    func,
                                      gpointer           user_data);

/* A session suited to @parallel concurrent POSTs to one listener. */
SoupSession *hw_batch_session_new    (guint              parallel);

G_END_DECLS
