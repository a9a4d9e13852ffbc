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

/* What both ways of POSTing a batch (libsoup here, a kept-alive connection
 * in hw-hub-batch-conn.c) share: one deadline over the whole exchange, the
 * caller's cancellable linked in, and the outcome told the same way. */
typedef struct
{
  GCancellable *cancellable;   /* for the I/O: cancelled by the deadline or the caller */
  GCancellable *outer;         /* the caller's, nullable */
  gulong        outer_handler;
  GSource      *timeout;
  guint         timeout_ms;
  gboolean      timed_out;
  gint64        start_us;
} HwPostDeadline;

/* Starts the clock; @timeout_ms 0 means no deadline. */
void      hw_post_deadline_start     (HwPostDeadline    *deadline,
                                      guint              timeout_ms,
                                      GCancellable      *outer);
void      hw_post_deadline_clear     (HwPostDeadline    *deadline);
double    hw_post_deadline_elapsed_ms (const HwPostDeadline *deadline);
/* Takes @error (the transport's, nullable) and returns what an
 * HwBatchPostFunc is told: a cancellation by the deadline is "timed out",
 * an answer other than 2xx is an error. */
GError   *hw_post_deadline_outcome   (HwPostDeadline    *deadline,
                                      guint              status,
                                      GError            *error);

/* TCP_NODELAY on a listener connection (not on a UNIX socket). */
void      hw_batch_socket_no_delay   (GSocket           *socket);

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
