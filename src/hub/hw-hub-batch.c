/* hw-hub-batch.c: Kinesis-style batch bodies and POSTing them to listeners
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "hw-error.h"
#include "hw-hub-batch.h"

void
hw_batch_append_json_string (GString    *out,
                             const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      switch (c)
        {
        case '"': g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        default:
          if (c < 0x20)
            g_string_append_printf (out, "\\u%04x", c);
          else
            g_string_append_c (out, (char) c);
        }
    }
  g_string_append_c (out, '"');
}

/* Decimal digits of @value, appended without printf: records are rendered
 * hundreds of thousands of times per second. */
static void
append_uint (GString *out,
             guint64  value)
{
  char digits[20];
  guint n = 0;

  do
    {
      digits[n++] = (char) ('0' + value % 10);
      value /= 10;
    }
  while (value > 0);
  while (n > 0)
    g_string_append_c (out, digits[--n]);
}

/* Epoch seconds with milliseconds, as Kinesis writes them ("%.3f"). */
static void
append_seconds (GString *out,
                gint64   ms)
{
  char fraction[5];

  if (ms < 0)
    {
      char seconds[G_ASCII_DTOSTR_BUF_SIZE];

      g_string_append (out, g_ascii_formatd (seconds, sizeof seconds, "%.3f", ms / 1000.0));
      return;
    }
  append_uint (out, (guint64) ms / 1000);
  fraction[0] = '.';
  fraction[1] = (char) ('0' + ms % 1000 / 100);
  fraction[2] = (char) ('0' + ms % 100 / 10);
  fraction[3] = (char) ('0' + ms % 10);
  fraction[4] = '\0';
  g_string_append_len (out, fraction, 4);
}

/* Base64 through a table of the two characters for each 12-bit value:
 * two lookups per 3 input bytes. Encoding every delivered event is the
 * largest cost after reading it, and g_base64_encode_step() (a byte at a
 * time, with line-break state) costs about three times as much. */
static const char base64_alphabet[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static char base64_pairs[4096][2];

static void
base64_init (void)
{
  static gsize initialized = 0;

  if (!g_once_init_enter (&initialized))
    return;
  for (guint i = 0; i < 4096; i++)
    {
      base64_pairs[i][0] = base64_alphabet[i >> 6];
      base64_pairs[i][1] = base64_alphabet[i & 0x3f];
    }
  g_once_init_leave (&initialized, 1);
}

/* Writes the padded encoding of @length bytes, 4 × ⌈@length / 3⌉ chars. */
static void
base64_encode (const guchar *in,
               gsize         length,
               char         *out)
{
  gsize i = 0;

  base64_init ();
  /* Six bytes per step from one unaligned big-endian load (8 bytes must be
   * readable): a third of the loads and shifts of byte-wise steps. */
  for (; i + 8 <= length; i += 6, out += 8)
    {
      guint64 v;
      guint32 a, b;

      memcpy (&v, in + i, sizeof v);
      v = GUINT64_FROM_BE (v);
      a = (guint32) (v >> 40);
      b = (guint32) (v >> 16) & 0xffffff;
      memcpy (out, base64_pairs[a >> 12], 2);
      memcpy (out + 2, base64_pairs[a & 0xfff], 2);
      memcpy (out + 4, base64_pairs[b >> 12], 2);
      memcpy (out + 6, base64_pairs[b & 0xfff], 2);
    }
  for (; i + 3 <= length; i += 3, out += 4)
    {
      guint32 v = (guint32) in[i] << 16 | (guint32) in[i + 1] << 8 | in[i + 2];

      memcpy (out, base64_pairs[v >> 12], 2);
      memcpy (out + 2, base64_pairs[v & 0xfff], 2);
    }
  if (length - i == 1)
    {
      guint32 v = (guint32) in[i] << 16;

      memcpy (out, base64_pairs[v >> 12], 2);
      out[2] = out[3] = '=';
    }
  else if (length - i == 2)
    {
      guint32 v = (guint32) in[i] << 16 | (guint32) in[i + 1] << 8;

      memcpy (out, base64_pairs[v >> 12], 2);
      out[2] = base64_alphabet[(v >> 6) & 0x3f];
      out[3] = '=';
    }
}

/* Encodes straight into @out: no intermediate string per event. */
static void
append_base64 (GString    *out,
               const char *data,
               gsize       length)
{
  gsize start = out->len;

  g_string_set_size (out, start + (length + 2) / 3 * 4);
  base64_encode ((const guchar *) data, length, out->str + start);
}

void
hw_batch_append_record (GString           *out,
                        const HwBatchItem *item,
                        guint              shard)
{
  char shard_id[32];

  g_return_if_fail (out != NULL && item != NULL && item->json != NULL);

  g_snprintf (shard_id, sizeof shard_id, "shardId-%012u:", shard);
  g_string_append (out, "{\"eventSource\":\"aws:kinesis\",\"eventID\":\"");
  g_string_append (out, shard_id);
  append_uint (out, item->seq);
  g_string_append (out, "\",\"kinesis\":{\"sequenceNumber\":\"");
  append_uint (out, item->seq);
  g_string_append (out, "\",\"partitionKey\":");
  hw_batch_append_json_string (out, item->partition_key != NULL ? item->partition_key : item->event_id);
  g_string_append (out, ",\"data\":\"");
  append_base64 (out, item->json, strlen (item->json));
  g_string_append (out, "\",\"approximateArrivalTimestamp\":");
  append_seconds (out, item->received_ms);
  g_string_append (out, "}}");
}

gsize
hw_batch_record_size_hint (gsize json_length)
{
  return 256 + json_length / 3 * 4 + 4;
}

GBytes *
hw_batch_body_new (const HwBatchItem *items,
                   guint              n_items,
                   guint              shard)
{
  GString *out;
  gsize size = 16;

  g_return_val_if_fail (items != NULL || n_items == 0, NULL);

  /* Sized once: a body is ~200 KB at batch 100, and growing it by doubling
   * costs copies and churns the allocator's large chunks. */
  for (guint i = 0; i < n_items; i++)
    size += hw_batch_record_size_hint (strlen (items[i].json)) + 1;
  out = g_string_sized_new (size);
  g_string_append (out, "{\"Records\":[");
  for (guint i = 0; i < n_items; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      hw_batch_append_record (out, &items[i], shard);
    }
  g_string_append (out, "]}");
  return g_string_free_to_bytes (out);
}

GBytes *
hw_batch_body_new_records (JsonArray *records)
{
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  gsize length = 0;
  char *text;

  g_return_val_if_fail (records != NULL, NULL);

  json_object_set_array_member (object, "Records", json_array_ref (records));
  json_node_set_object (root, object);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &length);
  return g_bytes_new_take (text, length);
}

SoupSession *
hw_batch_session_new (guint parallel)
{
  guint conns = MAX (parallel, 1) + 2;

  /* libsoup's defaults (2 connections per host) would silently cap the
   * parallelism a listener asked for. */
  return soup_session_new_with_options ("max-conns", MAX (conns, 10),
                                        "max-conns-per-host", conns,
                                        "user-agent", "hubwatchd/" PACKAGE_VERSION,
                                        NULL);
}

typedef struct
{
  HwBatchPostFunc  func;
  gpointer         user_data;
  SoupMessage     *msg;
  HwPostDeadline   deadline;
} PostState;

static gboolean
on_deadline (gpointer user_data)
{
  HwPostDeadline *deadline = user_data;

  deadline->timed_out = TRUE;
  g_cancellable_cancel (deadline->cancellable);
  return G_SOURCE_CONTINUE;   /* destroyed by hw_post_deadline_clear() */
}

static void
on_outer_cancelled (GCancellable *outer,
                    gpointer      user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

void
hw_post_deadline_start (HwPostDeadline *deadline,
                        guint           timeout_ms,
                        GCancellable   *outer)
{
  memset (deadline, 0, sizeof *deadline);
  deadline->timeout_ms = timeout_ms;
  deadline->start_us = g_get_monotonic_time ();
  deadline->cancellable = g_cancellable_new ();
  if (outer != NULL)
    {
      deadline->outer = g_object_ref (outer);
      deadline->outer_handler = g_cancellable_connect (outer, G_CALLBACK (on_outer_cancelled),
                                                       deadline->cancellable, NULL);
    }
  if (timeout_ms > 0)
    {
      deadline->timeout = g_timeout_source_new (timeout_ms);
      g_source_set_callback (deadline->timeout, on_deadline, deadline, NULL);
      g_source_attach (deadline->timeout, g_main_context_get_thread_default ());
    }
}

void
hw_post_deadline_clear (HwPostDeadline *deadline)
{
  if (deadline->timeout != NULL)
    {
      g_source_destroy (deadline->timeout);
      g_clear_pointer (&deadline->timeout, g_source_unref);
    }
  if (deadline->outer != NULL)
    {
      g_cancellable_disconnect (deadline->outer, deadline->outer_handler);
      g_clear_object (&deadline->outer);
    }
  g_clear_object (&deadline->cancellable);
}

double
hw_post_deadline_elapsed_ms (const HwPostDeadline *deadline)
{
  return (g_get_monotonic_time () - deadline->start_us) / 1000.0;
}

GError *
hw_post_deadline_outcome (HwPostDeadline *deadline,
                          guint           status,
                          GError         *error)
{
  if (error != NULL && deadline->timed_out)
    {
      g_error_free (error);
      return g_error_new (HW_ERROR, HW_ERROR_UNAVAILABLE, "listener timed out after %u ms",
                          deadline->timeout_ms);
    }
  if (error == NULL && !SOUP_STATUS_IS_SUCCESSFUL (status))
    return g_error_new (HW_ERROR, HW_ERROR_UNAVAILABLE, "listener answered HTTP %u", status);
  return error;
}

/* Without TCP_NODELAY a body written after its head (a second small
 * segment) waits for the listener's delayed ACK, up to 40 ms on Linux:
 * several times the latency of a fast listener, per batch. */
void
hw_batch_socket_no_delay (GSocket *socket)
{
  if (socket != NULL && g_socket_get_family (socket) != G_SOCKET_FAMILY_UNIX)
    g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
}

static void
post_state_free (PostState *state)
{
  hw_post_deadline_clear (&state->deadline);
  g_clear_object (&state->msg);
  g_free (state);
}

static void
on_network_event (SoupMessage        *msg,
                  GSocketClientEvent  event,
                  GIOStream          *connection,
                  gpointer            user_data)
{
  if (event == G_SOCKET_CLIENT_CONNECTED && G_IS_SOCKET_CONNECTION (connection))
    hw_batch_socket_no_delay (g_socket_connection_get_socket (G_SOCKET_CONNECTION (connection)));
}

static void
on_post_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  PostState *state = user_data;
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;
  double duration_ms = hw_post_deadline_elapsed_ms (&state->deadline);
  guint status = 0;

  answer = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (error == NULL)
    status = soup_message_get_status (state->msg);
  error = hw_post_deadline_outcome (&state->deadline, status, g_steal_pointer (&error));

  state->func (status, error, duration_ms, state->user_data);
  post_state_free (state);
}

void
hw_batch_post (SoupSession     *session,
               const char      *url,
               GBytes          *body,
               guint            timeout_ms,
               GCancellable    *cancellable,
               HwBatchPostFunc  func,
               gpointer         user_data)
{
  PostState *state;

  g_return_if_fail (SOUP_IS_SESSION (session));
  g_return_if_fail (url != NULL);
  g_return_if_fail (body != NULL);
  g_return_if_fail (func != NULL);

  state = g_new0 (PostState, 1);
  state->func = func;
  state->user_data = user_data;
  state->msg = soup_message_new (SOUP_METHOD_POST, url);
  if (state->msg == NULL)
    {
      g_autoptr(GError) error = g_error_new (HW_ERROR, HW_ERROR_PROTOCOL,
                                             "listener url “%s” is not a valid URL", url);

      func (0, error, 0, user_data);
      post_state_free (state);
      return;
    }
  soup_message_set_request_body_from_bytes (state->msg, "application/json", body);
  /* libsoup sends a POST over a new connection unless told it is
   * idempotent: it will not risk resending one on a kept-alive connection
   * the server may be closing. Every POST then paid a connect (and the
   * proxy lookup before it), several times the listener's own latency at
   * 10 ms. A batch is delivered at least once and retried as is anyway,
   * so a resend is exactly what a listener must already tolerate. */
  soup_message_add_flags (state->msg, SOUP_MESSAGE_IDEMPOTENT);
  g_signal_connect (state->msg, "network-event", G_CALLBACK (on_network_event), NULL);

  hw_post_deadline_start (&state->deadline, timeout_ms, cancellable);
  soup_session_send_and_read_async (session, state->msg, G_PRIORITY_DEFAULT,
                                    state->deadline.cancellable, on_post_done, state);
}
