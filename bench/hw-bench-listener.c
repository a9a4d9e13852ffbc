/* hw-bench-listener.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Why not libsoup: the benchmark measures the hub against "a listener that
 * answers in 10 ms", so the listener's own overhead lands in the hub's
 * figure. A SoupServer on one thread, pausing each message and answering
 * from a timer, answered 200k events' batches in 10.32-10.38 ms on
 * average, and a connection's next batch arrived whole 1.7-1.8 ms after
 * its answer: libsoup reads each 300 KB body in small chunks and writes an
 * unpaused answer only on the loop's next turn, while the other 15
 * connections' bodies queue behind it on the same thread. A blocking
 * thread per connection reads a body in a few calls, sleeps until the due
 * time on the monotonic clock, and writes the answer in one send.
 *
 * Only what the hub's batch POSTs need is understood: HTTP/1.1 requests
 * with a Content-Length body on kept-alive connections. Anything else is
 * answered with an error status and the connection is closed.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hw-bench-listener.h"
#include "hw-bench-util.h"

/* A request head larger than this is refused: the hub's are a few hundred
 * bytes. */
#define MAX_HEAD_BYTES (16 * 1024)
/* Bodies past this are refused; a batch of 100 is about 300 KB. */
#define MAX_BODY_BYTES (64 * 1024 * 1024)
#define READ_CHUNK (256 * 1024)

typedef struct
{
  HwBenchRouteStats stats;
  gboolean          stall;
} Route;

typedef struct
{
  HwBenchListener *listener;
  int              fd;
  GThread         *thread;
} Connection;

struct _HwBenchListener
{
  guint       latency_ms;
  int         listen_fd;
  int         wake_fd;      /* eventfd: tells the acceptor to stop */
  guint       port;
  GThread    *acceptor;

  GMutex      lock;         /* everything below */
  GHashTable *routes;       /* path without "/" → Route* */
  GPtrArray  *connections;  /* Connection*, closed ones too, joined at the end */
  gboolean    closing;
};

/* A request read off a connection; head and body point into its buffer. */
typedef struct
{
  char        method[16];
  char        path[256];
  const char *body;
  gsize       body_length;
  gsize       total_length;  /* head and body: where the next request starts */
  gboolean    close_after;
} Request;

/* Under lock. */
static Route *
lookup_route (HwBenchListener *self,
              const char      *name)
{
  Route *route = g_hash_table_lookup (self->routes, name);

  if (route == NULL)
    {
      route = g_new0 (Route, 1);
      g_hash_table_insert (self->routes, g_strdup (name), route);
    }
  return route;
}

/* Each stream record has exactly one "eventSource" member, and the marker
 * cannot occur inside a JSON string (its quotes would be escaped) nor in
 * base64 data. Jumping from quote to quote with memchr() skips each
 * record's base64 payload in one sweep, where a substring search or a JSON
 * parse would walk it byte by byte: at the delivery target the listener
 * reads some 300 MB/s, and must not be what the benchmark measures. */
static guint64
count_records (const char *data,
               gsize       length)
{
  static const char marker[] = "\"eventSource\"";
  const gsize marker_len = sizeof marker - 1;
  const char *end = data + length;
  const char *p = data;
  guint64 n = 0;

  while (p < end && (p = memchr (p, '"', end - p)) != NULL)
    {
      if ((gsize) (end - p) >= marker_len && memcmp (p, marker, marker_len) == 0)
        {
          n++;
          p += marker_len;
        }
      else
        p++;
    }
  return n;
}

/* Sends all of @data; FALSE when the peer is gone. */
static gboolean
send_all (int         fd,
          const char *data,
          gsize       length)
{
  while (length > 0)
    {
      ssize_t sent = send (fd, data, length, MSG_NOSIGNAL);

      if (sent < 0 && errno == EINTR)
        continue;
      if (sent <= 0)
        return FALSE;
      data += sent;
      length -= sent;
    }
  return TRUE;
}

static gboolean
send_status (int         fd,
             guint       status,
             const char *reason,
             const char *body)
{
  g_autofree char *response = g_strdup_printf ("HTTP/1.1 %u %s\r\nContent-Type: application/json\r\n"
                                               "Content-Length: %zu\r\n\r\n%s",
                                               status, reason, strlen (body), body);

  return send_all (fd, response, strlen (response));
}

/* Reads at least up to @want bytes into @buffer; FALSE at end of stream. */
static gboolean
fill_to (int         fd,
         GByteArray *buffer,
         gsize       want)
{
  while (buffer->len < want)
    {
      gsize have = buffer->len;
      gsize room = MAX (want - have, READ_CHUNK);
      ssize_t got;

      g_byte_array_set_size (buffer, have + room);
      got = recv (fd, buffer->data + have, room, 0);
      g_byte_array_set_size (buffer, have + MAX (got, 0));
      if (got < 0 && errno == EINTR)
        continue;
      if (got <= 0)
        return FALSE;
    }
  return TRUE;
}

static const char *
find_head_end (GByteArray *buffer)
{
  /* An empty GByteArray may have no data pointer at all. */
  if (buffer->len == 0)
    return NULL;
  return g_strstr_len ((const char *) buffer->data, buffer->len, "\r\n\r\n");
}

/* The value of header @name in @head (NUL-terminated), or NULL. */
static const char *
header_value (const char *head,
              const char *name)
{
  gsize name_len = strlen (name);

  for (const char *line = strstr (head, "\r\n"); line != NULL; line = strstr (line + 2, "\r\n"))
    {
      const char *p = line + 2;

      if (g_ascii_strncasecmp (p, name, name_len) == 0 && p[name_len] == ':')
        {
          p += name_len + 1;
          while (*p == ' ' || *p == '\t')
            p++;
          return p;
        }
    }
  return NULL;
}

typedef enum
{
  READ_OK,
  READ_EOF,
  READ_BAD,
} ReadResult;

/* Reads one request from the front of @buffer, receiving more as needed. */
static ReadResult
read_request (int         fd,
              GByteArray *buffer,
              Request    *request)
{
  const char *head_end;
  g_autofree char *head = NULL;
  const char *length_text;
  const char *connection;
  gsize head_length;
  guint64 body_length = 0;
  char *end = NULL;

  while ((head_end = find_head_end (buffer)) == NULL)
    {
      if (buffer->len > MAX_HEAD_BYTES)
        return READ_BAD;
      if (!fill_to (fd, buffer, buffer->len + 1))
        return buffer->len == 0 ? READ_EOF : READ_BAD;
    }
  head_length = head_end + 4 - (const char *) buffer->data;
  head = g_strndup ((const char *) buffer->data, head_length);

  if (sscanf (head, "%15s %255s HTTP/1.1\r\n", request->method, request->path) != 2 ||
      request->path[0] != '/')
    return READ_BAD;
  if (header_value (head, "Transfer-Encoding") != NULL)
    return READ_BAD;
  length_text = header_value (head, "Content-Length");
  if (length_text != NULL)
    {
      body_length = g_ascii_strtoull (length_text, &end, 10);
      if (end == length_text || body_length > MAX_BODY_BYTES)
        return READ_BAD;
    }
  connection = header_value (head, "Connection");
  request->close_after = connection != NULL && g_ascii_strncasecmp (connection, "close", 5) == 0;

  if (!fill_to (fd, buffer, head_length + body_length))
    return READ_BAD;
  request->body = (const char *) buffer->data + head_length;
  request->body_length = body_length;
  request->total_length = head_length + body_length;
  return READ_OK;
}

static void
sleep_until (gint64 due_us)
{
  struct timespec due = { due_us / G_USEC_PER_SEC, (due_us % G_USEC_PER_SEC) * 1000 };

  /* CLOCK_MONOTONIC is g_get_monotonic_time()'s clock on Linux. */
  while (clock_nanosleep (CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL) == EINTR)
    ;
}

/* Answers one request; FALSE when the connection must close. */
static gboolean
handle (HwBenchListener *self,
        int              fd,
        const Request   *request,
        double          *answered)
{
  double arrived = hw_bench_now ();
  gint64 due_us = g_get_monotonic_time () + self->latency_ms * (gint64) 1000;
  guint64 records;
  Route *route;
  gboolean stall;

  if (strcmp (request->method, "POST") != 0)
    return send_status (fd, 405, "Method Not Allowed", "{}") && !request->close_after;

  g_mutex_lock (&self->lock);
  route = lookup_route (self, request->path + 1);
  stall = route->stall;
  if (stall)
    route->stats.refused++;
  if (*answered > 0)
    {
      route->stats.turnaround_sum_s += arrived - *answered;
      route->stats.turnarounds++;
    }
  g_mutex_unlock (&self->lock);
  if (stall)
    {
      *answered = 0;
      return send_status (fd, 503, "Service Unavailable", "{}") && !request->close_after;
    }

  records = count_records (request->body, request->body_length);
  sleep_until (due_us);
  if (!send_status (fd, 200, "OK", "{}"))
    return FALSE;
  *answered = hw_bench_now ();

  g_mutex_lock (&self->lock);
  route = lookup_route (self, request->path + 1);
  route->stats.batches++;
  route->stats.records += records;
  route->stats.latency_sum_s += *answered - arrived;
  route->stats.last_ack = *answered;
  g_mutex_unlock (&self->lock);
  return !request->close_after;
}

static gpointer
serve_connection (gpointer data)
{
  Connection *connection = data;
  g_autoptr(GByteArray) buffer = g_byte_array_new ();
  double answered = 0;   /* when this connection's last batch was answered; 0 = none */

  for (;;)
    {
      Request request = { { 0 } };
      ReadResult result = read_request (connection->fd, buffer, &request);

      if (result == READ_BAD)
        send_status (connection->fd, 400, "Bad Request", "{}");
      if (result != READ_OK || !handle (connection->listener, connection->fd, &request, &answered))
        break;
      g_byte_array_remove_range (buffer, 0, request.total_length);
    }
  shutdown (connection->fd, SHUT_RDWR);
  return NULL;
}

static void
start_connection (HwBenchListener *self,
                  int              fd)
{
  Connection *connection = g_new0 (Connection, 1);
  int one = 1;

  /* Answers are one send; no Nagle delay for the hub's delayed ACK. */
  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  connection->listener = self;
  connection->fd = fd;

  g_mutex_lock (&self->lock);
  if (self->closing)
    {
      g_mutex_unlock (&self->lock);
      close (fd);
      g_free (connection);
      return;
    }
  /* Every thread has the same name: the benchmark sums its CPU by name. */
  connection->thread = g_thread_new ("bench-listener", serve_connection, connection);
  g_ptr_array_add (self->connections, connection);
  g_mutex_unlock (&self->lock);
}

static gpointer
accept_connections (gpointer data)
{
  HwBenchListener *self = data;
  struct pollfd fds[2] = { { self->listen_fd, POLLIN, 0 }, { self->wake_fd, POLLIN, 0 } };

  for (;;)
    {
      int fd;

      if (poll (fds, G_N_ELEMENTS (fds), -1) < 0 && errno != EINTR)
        break;
      if (fds[1].revents != 0)
        break;
      if (fds[0].revents == 0)
        continue;
      fd = accept (self->listen_fd, NULL, NULL);
      if (fd >= 0)
        start_connection (self, fd);
      else if (errno != EINTR && errno != ECONNABORTED && errno != EAGAIN)
        {
          g_warning ("bench listener: accept: %s", g_strerror (errno));
          break;
        }
    }
  return NULL;
}

static gboolean
listen_loopback (HwBenchListener  *self,
                 GError          **error)
{
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t length = sizeof address;
  const char *step = "socket";

  self->listen_fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (self->listen_fd >= 0 &&
      (step = "bind", bind (self->listen_fd, (struct sockaddr *) &address, sizeof address)) == 0 &&
      (step = "listen", listen (self->listen_fd, 64)) == 0 &&
      (step = "getsockname", getsockname (self->listen_fd, (struct sockaddr *) &address, &length)) == 0)
    {
      self->port = ntohs (address.sin_port);
      return TRUE;
    }

  {
    int saved_errno = errno;

    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno), "bench listener: %s: %s",
                 step, g_strerror (saved_errno));
  }
  return FALSE;
}

HwBenchListener *
hw_bench_listener_new (guint    latency_ms,
                       GError **error)
{
  HwBenchListener *self = g_new0 (HwBenchListener, 1);

  self->latency_ms = latency_ms;
  self->listen_fd = -1;
  self->routes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->connections = g_ptr_array_new ();
  g_mutex_init (&self->lock);
  self->wake_fd = eventfd (0, EFD_CLOEXEC);
  if (self->wake_fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno), "bench listener: eventfd: %s",
                   g_strerror (saved_errno));
      hw_bench_listener_free (self);
      return NULL;
    }
  if (!listen_loopback (self, error))
    {
      hw_bench_listener_free (self);
      return NULL;
    }
  self->acceptor = g_thread_new ("bench-listener", accept_connections, self);
  return self;
}

void
hw_bench_listener_free (HwBenchListener *self)
{
  guint64 one = 1;

  if (self == NULL)
    return;
  if (self->acceptor != NULL)
    {
      if (write (self->wake_fd, &one, sizeof one) != sizeof one)
        g_warning ("bench listener: waking the acceptor: %s", g_strerror (errno));
      g_thread_join (self->acceptor);
    }

  /* No new connection starts now; a shut-down socket ends a blocked read,
   * and an answer being slept on goes out (or fails) within the latency. */
  g_mutex_lock (&self->lock);
  self->closing = TRUE;
  for (guint i = 0; i < self->connections->len; i++)
    shutdown (((Connection *) g_ptr_array_index (self->connections, i))->fd, SHUT_RDWR);
  g_mutex_unlock (&self->lock);
  for (guint i = 0; i < self->connections->len; i++)
    {
      Connection *connection = g_ptr_array_index (self->connections, i);

      g_thread_join (connection->thread);
      close (connection->fd);
      g_free (connection);
    }

  if (self->listen_fd >= 0)
    close (self->listen_fd);
  if (self->wake_fd >= 0)
    close (self->wake_fd);
  g_ptr_array_unref (self->connections);
  g_hash_table_unref (self->routes);
  g_mutex_clear (&self->lock);
  g_free (self);
}

char *
hw_bench_listener_dup_url (HwBenchListener *self,
                           const char      *route)
{
  return g_strdup_printf ("http://127.0.0.1:%u/%s", self->port, route);
}

void
hw_bench_listener_set_stall (HwBenchListener *self,
                             const char      *route,
                             gboolean         stall)
{
  g_mutex_lock (&self->lock);
  lookup_route (self, route)->stall = stall;
  g_mutex_unlock (&self->lock);
}

void
hw_bench_listener_get_stats (HwBenchListener   *self,
                             const char        *route,
                             HwBenchRouteStats *stats)
{
  g_mutex_lock (&self->lock);
  *stats = lookup_route (self, route)->stats;
  g_mutex_unlock (&self->lock);
}
