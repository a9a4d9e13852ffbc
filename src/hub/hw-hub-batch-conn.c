/* hw-hub-batch-conn.c: one kept-alive HTTP/1.1 connection POSTing batches to a listener
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Only what a batch POST needs: a request with a Content-Length body, and
 * any answer a server may give (Content-Length, chunked or to the end of the
 * connection, interim 1xx answers skipped). The answer's body is read and
 * dropped: a listener acknowledges with its status alone.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw-error.h"
#include "hw-hub-batch-conn.h"

#define READ_SIZE      16384
#define MAX_HEAD_BYTES 65536

typedef enum
{
  PHASE_HEAD,
  PHASE_LENGTH,        /* Content-Length bytes left */
  PHASE_CHUNK_SIZE,
  PHASE_CHUNK_DATA,
  PHASE_CHUNK_END,     /* the CRLF after a chunk */
  PHASE_TRAILER,
  PHASE_TO_EOF,
  PHASE_DONE,
} Phase;

typedef struct _Post Post;

struct _HwBatchConn
{
  GUri              *uri;          /* NULL when the URL is invalid */
  char              *url;
  char              *head;         /* the request head up to the Content-Length value */
  GSocketClient     *client;
  GSocketConnection *connection;   /* NULL until connected, and after an error */
  GByteArray        *buffer;       /* read, not yet parsed */
  guint8            *chunk;        /* READ_SIZE */
  Post              *post;         /* under way */
};

struct _Post
{
  HwBatchConn     *conn;
  GBytes          *body;
  char            *head;
  GOutputVector    vectors[2];
  HwBatchPostFunc  func;
  gpointer         user_data;
  HwPostDeadline   deadline;
  gboolean         reused;         /* sent on a kept-alive connection */
  gboolean         answered;       /* some bytes of an answer arrived */

  Phase            phase;
  guint            status;
  gboolean         close;          /* the connection ends with this answer */
  guint64          left;           /* bytes of a length or chunk */
};

static void conn_drop (HwBatchConn *conn);
static void post_send (Post *post);
static void post_read (Post *post);

HwBatchConn *
hw_batch_conn_new (const char *url)
{
  HwBatchConn *conn = g_new0 (HwBatchConn, 1);
  g_autoptr(GString) head = NULL;
  const char *path, *query, *user;

  g_return_val_if_fail (url != NULL, NULL);

  conn->url = g_strdup (url);
  conn->buffer = g_byte_array_new ();
  conn->chunk = g_malloc (READ_SIZE);
  conn->client = g_socket_client_new ();
  /* GIO speaks no HTTP proxy protocol: a system proxy would fail every
   * POST rather than carry it. Listeners are reached directly. */
  g_socket_client_set_enable_proxy (conn->client, FALSE);
  conn->uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  if (conn->uri != NULL && g_uri_get_host (conn->uri) != NULL &&
      (g_str_equal (g_uri_get_scheme (conn->uri), "http") || g_str_equal (g_uri_get_scheme (conn->uri), "https")))
    {
      const char *host = g_uri_get_host (conn->uri);

      g_socket_client_set_tls (conn->client, g_str_equal (g_uri_get_scheme (conn->uri), "https"));
      path = g_uri_get_path (conn->uri);
      query = g_uri_get_query (conn->uri);
      head = g_string_new ("POST ");
      g_string_append (head, *path != '\0' ? path : "/");
      if (query != NULL)
        g_string_append_printf (head, "?%s", query);
      g_string_append (head, " HTTP/1.1\r\nHost: ");
      g_string_append_printf (head, strchr (host, ':') != NULL ? "[%s]" : "%s", host);
      if (g_uri_get_port (conn->uri) != -1)
        g_string_append_printf (head, ":%d", g_uri_get_port (conn->uri));
      if ((user = g_uri_get_userinfo (conn->uri)) != NULL)
        {
          g_autofree char *decoded = g_uri_unescape_string (user, NULL);
          g_autofree char *basic = decoded != NULL ? g_base64_encode ((const guchar *) decoded, strlen (decoded)) : NULL;

          if (basic != NULL)
            g_string_append_printf (head, "\r\nAuthorization: Basic %s", basic);
        }
      g_string_append (head, "\r\nUser-Agent: hubwatchd/" PACKAGE_VERSION
                             "\r\nAccept: */*\r\nContent-Type: application/json\r\nContent-Length: ");
      conn->head = g_string_free (g_steal_pointer (&head), FALSE);
    }
  else
    g_clear_pointer (&conn->uri, g_uri_unref);
  return conn;
}

void
hw_batch_conn_free (HwBatchConn *conn)
{
  if (conn == NULL)
    return;
  g_return_if_fail (conn->post == NULL);

  conn_drop (conn);
  g_clear_object (&conn->client);
  g_clear_pointer (&conn->uri, g_uri_unref);
  g_byte_array_unref (conn->buffer);
  g_free (conn->chunk);
  g_free (conn->head);
  g_free (conn->url);
  g_free (conn);
}

static void
conn_drop (HwBatchConn *conn)
{
  if (conn->connection != NULL)
    g_io_stream_close (G_IO_STREAM (conn->connection), NULL, NULL);
  g_clear_object (&conn->connection);
  g_byte_array_set_size (conn->buffer, 0);
}

static void
post_free (Post *post)
{
  hw_post_deadline_clear (&post->deadline);
  g_bytes_unref (post->body);
  g_free (post->head);
  g_free (post);
}

/* Reports and ends the POST; the connection survives only a clean answer. */
static void
post_finish (Post   *post,
             GError *error)
{
  HwBatchConn *conn = post->conn;
  double duration_ms = hw_post_deadline_elapsed_ms (&post->deadline);
  guint status = error == NULL ? post->status : 0;
  g_autoptr(GError) reported = hw_post_deadline_outcome (&post->deadline, status, error);

  /* Bytes beyond the answer would be a pipelined answer we never asked for. */
  if (reported != NULL || post->close || conn->buffer->len > 0 || post->phase != PHASE_DONE)
    conn_drop (conn);
  conn->post = NULL;
  post->func (status, reported, duration_ms, post->user_data);
  post_free (post);
}

static GError *
protocol_error (const char *why)
{
  return g_error_new (HW_ERROR, HW_ERROR_PROTOCOL, "listener answer: %s", why);
}

/* Reads the status line and headers at the start of @head (@length bytes,
 * without the blank line). */
static GError *
parse_head (Post       *post,
            const char *head,
            gsize       length)
{
  g_autofree char *text = g_strndup (head, length);
  g_auto(GStrv) lines = g_strsplit (text, "\r\n", -1);
  gint64 content_length = -1;
  gboolean chunked = FALSE;
  guint major, minor, status;

  if (lines[0] == NULL || sscanf (lines[0], "HTTP/%u.%u %3u", &major, &minor, &status) != 3 ||
      status < 100 || status > 999)
    return protocol_error ("not an HTTP/1.x status line");
  post->status = status;
  post->close = major == 1 && minor == 0;
  for (guint i = 1; lines[i] != NULL; i++)
    {
      char *colon = strchr (lines[i], ':');
      char *value;

      if (colon == NULL)
        continue;
      *colon = '\0';
      value = g_strstrip (colon + 1);
      if (g_ascii_strcasecmp (lines[i], "Content-Length") == 0)
        {
          char *end;
          guint64 n = g_ascii_strtoull (value, &end, 10);

          if (end == value || *end != '\0' || n > G_MAXINT64)
            return protocol_error ("bad Content-Length");
          content_length = (gint64) n;
        }
      else if (g_ascii_strcasecmp (lines[i], "Transfer-Encoding") == 0)
        chunked = g_ascii_strcasecmp (value, "identity") != 0;
      else if (g_ascii_strcasecmp (lines[i], "Connection") == 0)
        {
          if (g_ascii_strcasecmp (value, "close") == 0)
            post->close = TRUE;
          else if (g_ascii_strcasecmp (value, "keep-alive") == 0)
            post->close = FALSE;
        }
    }

  if (status < 200)
    post->phase = PHASE_HEAD;        /* interim: the real answer follows */
  else if (status == 204 || status == 304)
    post->phase = PHASE_DONE;
  else if (chunked)
    post->phase = PHASE_CHUNK_SIZE;
  else if (content_length >= 0)
    {
      post->left = (guint64) content_length;
      post->phase = post->left > 0 ? PHASE_LENGTH : PHASE_DONE;
    }
  else
    {
      post->close = TRUE;
      post->phase = PHASE_TO_EOF;
    }
  return NULL;
}

static gboolean
fail (GError     **error,
      const char  *why)
{
  *error = protocol_error (why);
  return FALSE;
}

/* No CRLF yet: more must be read, unless the line is already longer than
 * any a listener has reason to send (the timeout bounds time, this bounds
 * memory). */
static gboolean
wait_for_line (GByteArray  *buffer,
               const char  *what,
               GError     **error)
{
  if (buffer->len > MAX_HEAD_BYTES)
    return fail (error, what);
  return TRUE;
}

static gssize
find_crlf (GByteArray *buffer,
           gsize       from)
{
  for (gsize i = from; i + 1 < buffer->len; i++)
    if (buffer->data[i] == '\r' && buffer->data[i + 1] == '\n')
      return (gssize) i;
  return -1;
}

/* Parses what the buffer holds; returns FALSE with @error set, or TRUE
 * with the phase telling whether more must be read. */
static gboolean
parse_answer (Post    *post,
              GError **error)
{
  GByteArray *buffer = post->conn->buffer;

  while (post->phase != PHASE_DONE && buffer->len > 0)
    {
      gssize at;

      switch (post->phase)
        {
        case PHASE_HEAD:
          at = find_crlf (buffer, 0);
          while (at >= 0 && (gsize) at + 3 < buffer->len &&
                 (buffer->data[at + 2] != '\r' || buffer->data[at + 3] != '\n'))
            at = find_crlf (buffer, at + 2);
          if (at < 0 || (gsize) at + 3 >= buffer->len)
            return wait_for_line (buffer, "headers too long", error);
          if ((*error = parse_head (post, (const char *) buffer->data, at)) != NULL)
            return FALSE;
          g_byte_array_remove_range (buffer, 0, at + 4);
          break;
        case PHASE_LENGTH:
        case PHASE_CHUNK_DATA:
          {
            guint n = (guint) MIN ((guint64) buffer->len, post->left);

            g_byte_array_remove_range (buffer, 0, n);
            post->left -= n;
            if (post->left == 0)
              post->phase = post->phase == PHASE_LENGTH ? PHASE_DONE : PHASE_CHUNK_END;
          }
          break;
        case PHASE_CHUNK_SIZE:
          {
            char *end;

            if ((at = find_crlf (buffer, 0)) < 0)
              return wait_for_line (buffer, "chunk size line too long", error);
            buffer->data[at] = '\0';
            post->left = g_ascii_strtoull ((const char *) buffer->data, &end, 16);
            if (end == (char *) buffer->data)
              return fail (error, "bad chunk size");
            g_byte_array_remove_range (buffer, 0, at + 2);
            post->phase = post->left > 0 ? PHASE_CHUNK_DATA : PHASE_TRAILER;
          }
          break;
        case PHASE_CHUNK_END:
          if (buffer->len < 2)
            return TRUE;
          if (buffer->data[0] != '\r' || buffer->data[1] != '\n')
            return fail (error, "bad chunk end");
          g_byte_array_remove_range (buffer, 0, 2);
          post->phase = PHASE_CHUNK_SIZE;
          break;
        case PHASE_TRAILER:
          if ((at = find_crlf (buffer, 0)) < 0)
            return wait_for_line (buffer, "trailer too long", error);
          g_byte_array_remove_range (buffer, 0, at + 2);
          if (at == 0)
            post->phase = PHASE_DONE;
          break;
        case PHASE_TO_EOF:
          g_byte_array_set_size (buffer, 0);
          break;
        case PHASE_DONE:
        default:
          break;
        }
    }
  return TRUE;
}

/* A kept-alive connection the listener closed before answering: the batch
 * goes again, once, on a new connection. */
static gboolean
post_retry_fresh (Post *post)
{
  if (!post->reused || post->answered || g_cancellable_is_cancelled (post->deadline.cancellable))
    return FALSE;
  conn_drop (post->conn);
  post->reused = FALSE;
  post_send (post);
  return TRUE;
}

/* A read or write failed: unless cancelled, on a kept-alive connection the
 * listener may have closed, the batch goes once more on a fresh one. */
static void
post_fail (Post   *post,
           GError *error)
{
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && post_retry_fresh (post))
    {
      g_error_free (error);
      return;
    }
  post_finish (post, error);
}

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Post *post = user_data;
  HwBatchConn *conn = post->conn;
  GError *error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  if (n < 0)
    {
      post_fail (post, error);
      return;
    }
  if (n == 0)
    {
      if (post->phase == PHASE_TO_EOF)
        {
          post->phase = PHASE_DONE;
          post_finish (post, NULL);
        }
      else if (!post_retry_fresh (post))
        post_finish (post, protocol_error ("the connection closed before the answer ended"));
      return;
    }

  post->answered = TRUE;
  g_byte_array_append (conn->buffer, conn->chunk, (guint) n);
  if (!parse_answer (post, &error))
    post_finish (post, error);
  else if (post->phase == PHASE_DONE)
    post_finish (post, NULL);
  else
    post_read (post);
}

static void
post_read (Post *post)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (post->conn->connection));

  g_input_stream_read_async (in, post->conn->chunk, READ_SIZE, G_PRIORITY_DEFAULT,
                             post->deadline.cancellable, on_read, post);
}

static void
on_written (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Post *post = user_data;
  GError *error = NULL;

  if (!g_output_stream_writev_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      post_fail (post, error);
      return;
    }
  post->phase = PHASE_HEAD;
  post->status = 0;
  post->close = FALSE;
  post_read (post);
}

static void
post_write (Post *post)
{
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (post->conn->connection));

  g_output_stream_writev_all_async (out, post->vectors, G_N_ELEMENTS (post->vectors), G_PRIORITY_DEFAULT,
                                    post->deadline.cancellable, on_written, post);
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Post *post = user_data;
  GError *error = NULL;
  GSocketConnection *connection = g_socket_client_connect_to_uri_finish (G_SOCKET_CLIENT (source), result, &error);

  if (connection == NULL)
    {
      post_finish (post, error);
      return;
    }
  hw_batch_socket_no_delay (g_socket_connection_get_socket (connection));
  post->conn->connection = connection;
  post_write (post);
}

static void
post_send (Post *post)
{
  HwBatchConn *conn = post->conn;

  if (conn->connection != NULL)
    {
      post->reused = TRUE;
      post_write (post);
      return;
    }
  g_byte_array_set_size (conn->buffer, 0);
  g_socket_client_connect_to_uri_async (conn->client, conn->url,
                                        g_str_equal (g_uri_get_scheme (conn->uri), "https") ? 443 : 80,
                                        post->deadline.cancellable, on_connected, post);
}

void
hw_batch_conn_post (HwBatchConn     *conn,
                    GBytes          *body,
                    guint            timeout_ms,
                    GCancellable    *cancellable,
                    HwBatchPostFunc  func,
                    gpointer         user_data)
{
  Post *post;

  g_return_if_fail (conn != NULL && conn->post == NULL);
  g_return_if_fail (body != NULL);
  g_return_if_fail (func != NULL);

  if (conn->uri == NULL)
    {
      g_autoptr(GError) error = g_error_new (HW_ERROR, HW_ERROR_PROTOCOL,
                                             "listener url “%s” is not a valid http(s) URL", conn->url);

      func (0, error, 0, user_data);
      return;
    }

  post = g_new0 (Post, 1);
  post->conn = conn;
  post->body = g_bytes_ref (body);
  post->head = g_strdup_printf ("%s%" G_GSIZE_FORMAT "\r\n\r\n", conn->head, g_bytes_get_size (body));
  post->vectors[0].buffer = post->head;
  post->vectors[0].size = strlen (post->head);
  post->vectors[1].buffer = g_bytes_get_data (body, &post->vectors[1].size);
  post->func = func;
  post->user_data = user_data;
  conn->post = post;
  hw_post_deadline_start (&post->deadline, timeout_ms, cancellable);
  post_send (post);
}
