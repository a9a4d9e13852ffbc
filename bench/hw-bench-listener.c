/* hw-bench-listener.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <libsoup/soup.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "hw-bench-listener.h"
#include "hw-bench-util.h"
#include "hw-http-listen.h"

typedef struct
{
  HwBenchRouteStats stats;
  gboolean          stall;
} Route;

struct _HwBenchListener
{
  guint         latency_ms;
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  SoupServer   *server;       /* owned by the thread */
  guint         port;
  GError       *start_error;

  GMutex        lock;         /* routes, started */
  GCond         cond;
  gboolean      started;
  GHashTable   *routes;       /* path without "/" → Route* */
  GHashTable   *answered;     /* client port → double*, when its connection's last batch was answered; the thread's */
  GQueue        due;          /* Pending*, by due time (all wait the same latency); the thread's */
  int           timer_fd;
  GSource      *timer;
};

typedef struct
{
  HwBenchListener   *listener;
  SoupServerMessage *msg;
  char              *route;
  guint64            records;
  double             arrived;
  gint64             due_us;   /* monotonic */
} Pending;

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

  if (data == NULL)
    return 0;
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

/* A connection's identity: its client port (loopback, one client host). */
static gpointer
client_port (SoupServerMessage *msg)
{
  GSocketAddress *address = soup_server_message_get_remote_address (msg);

  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return NULL;
  return GUINT_TO_POINTER (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));
}

static void
pending_free (Pending *pending)
{
  g_object_unref (pending->msg);
  g_free (pending->route);
  g_free (pending);
}

static void
answer (Pending *pending)
{
  HwBenchListener *self = pending->listener;
  double now = hw_bench_now ();
  Route *route;

  soup_server_message_set_status (pending->msg, 200, NULL);
  soup_server_message_set_response (pending->msg, "application/json", SOUP_MEMORY_STATIC, "{}", 2);
  soup_server_message_unpause (pending->msg);
  g_hash_table_insert (self->answered, client_port (pending->msg),
                       g_memdup2 (&now, sizeof now));

  g_mutex_lock (&self->lock);
  route = lookup_route (self, pending->route);
  route->stats.batches++;
  route->stats.records += pending->records;
  route->stats.latency_sum_s += now - pending->arrived;
  route->stats.last_ack = now;
  g_mutex_unlock (&self->lock);
}

/* A GLib timeout fires on a whole millisecond after any other wake-up of
 * the loop (poll() takes milliseconds, rounded up), and answered 10 ms
 * batches in 10.5 ms on average; a timerfd at the exact due time does not
 * round. */
static void
arm_timer (HwBenchListener *self,
           gint64           due_us)
{
  struct itimerspec spec = { { 0, 0 }, { due_us / G_USEC_PER_SEC, (due_us % G_USEC_PER_SEC) * 1000 } };

  timerfd_settime (self->timer_fd, TFD_TIMER_ABSTIME, &spec, NULL);
}

static gboolean
on_timer (int          fd,
          GIOCondition condition,
          gpointer     user_data)
{
  HwBenchListener *self = user_data;
  guint64 expirations;
  Pending *head;

  /* The count is not needed; the read only clears the fd. It fails with
   * EAGAIN when the timer was re-armed after firing, and the queue still
   * tells what is due. */
  if (read (fd, &expirations, sizeof expirations) < 0 && errno != EAGAIN)
    g_warning ("bench listener: reading its timer: %s", g_strerror (errno));
  while ((head = g_queue_peek_head (&self->due)) != NULL && head->due_us <= g_get_monotonic_time ())
    {
      g_queue_pop_head (&self->due);
      answer (head);
      pending_free (head);
    }
  if (head != NULL)
    arm_timer (self, head->due_us);
  return G_SOURCE_CONTINUE;
}

static void
on_request (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  HwBenchListener *self = user_data;
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  Pending *pending;
  double *answered = g_hash_table_lookup (self->answered, client_port (msg));
  double now = hw_bench_now ();
  gboolean stall;

  if (g_strcmp0 (soup_server_message_get_method (msg), "POST") != 0)
    {
      soup_server_message_set_status (msg, 405, NULL);
      return;
    }

  g_mutex_lock (&self->lock);
  stall = lookup_route (self, path + 1)->stall;
  if (stall)
    lookup_route (self, path + 1)->stats.refused++;
  if (answered != NULL)
    {
      lookup_route (self, path + 1)->stats.turnaround_sum_s += now - *answered;
      lookup_route (self, path + 1)->stats.turnarounds++;
    }
  g_mutex_unlock (&self->lock);
  if (stall)
    {
      soup_server_message_set_status (msg, 503, NULL);
      return;
    }

  /* A new connection: answers go out whole at once (headers and body are
   * two writes, and Nagle would hold the second for the hub's delayed ACK). */
  if (answered == NULL && soup_server_message_get_socket (msg) != NULL)
    g_socket_set_option (soup_server_message_get_socket (msg), IPPROTO_TCP, TCP_NODELAY, 1, NULL);

  pending = g_new0 (Pending, 1);
  pending->listener = self;
  pending->msg = g_object_ref (msg);
  pending->route = g_strdup (path + 1);
  pending->records = count_records (body->data, body->length);
  pending->arrived = now;
  pending->due_us = g_get_monotonic_time () + self->latency_ms * (gint64) 1000;

  soup_server_message_pause (msg);
  g_queue_push_tail (&self->due, pending);
  if (self->due.length == 1)
    arm_timer (self, pending->due_us);
}

static void
signal_started (HwBenchListener *self)
{
  g_mutex_lock (&self->lock);
  self->started = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
}

static gpointer
serve (gpointer user_data)
{
  HwBenchListener *self = user_data;
  GSList *uris;

  g_main_context_push_thread_default (self->context);
  self->timer = g_unix_fd_source_new (self->timer_fd, G_IO_IN);
  g_source_set_callback (self->timer, G_SOURCE_FUNC (on_timer), self, NULL);
  g_source_attach (self->timer, self->context);
  self->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (self->server, NULL, on_request, self, NULL);
  if (!hw_http_listen_loopback (self->server, 0, &self->start_error))
    {
      g_clear_object (&self->server);
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
      g_main_context_pop_thread_default (self->context);
      signal_started (self);
      return NULL;
    }
  uris = soup_server_get_uris (self->server);
  self->port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  signal_started (self);

  g_main_loop_run (self->loop);

  soup_server_disconnect (self->server);
  g_hash_table_remove_all (self->answered);
  g_queue_clear_full (&self->due, (GDestroyNotify) pending_free);
  g_clear_object (&self->server);
  g_source_destroy (self->timer);
  g_clear_pointer (&self->timer, g_source_unref);
  while (g_main_context_iteration (self->context, FALSE))
    ;
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

HwBenchListener *
hw_bench_listener_new (guint    latency_ms,
                       GError **error)
{
  HwBenchListener *self = g_new0 (HwBenchListener, 1);

  self->latency_ms = latency_ms;
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->routes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->answered = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_queue_init (&self->due);
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->timer_fd = timerfd_create (CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (self->timer_fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno), "timerfd_create: %s",
                   g_strerror (saved_errno));
      hw_bench_listener_free (self);
      return NULL;
    }
  self->thread = g_thread_new ("bench-listener", serve, self);

  g_mutex_lock (&self->lock);
  while (!self->started)
    g_cond_wait (&self->cond, &self->lock);
  g_mutex_unlock (&self->lock);

  if (self->start_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&self->start_error));
      hw_bench_listener_free (self);
      return NULL;
    }
  return self;
}

static gboolean
quit_loop (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

void
hw_bench_listener_free (HwBenchListener *self)
{
  if (self == NULL)
    return;
  if (self->thread != NULL)
    {
      g_main_context_invoke (self->context, quit_loop, self->loop);
      g_thread_join (self->thread);
    }
  if (self->timer_fd >= 0)
    close (self->timer_fd);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_hash_table_unref (self->routes);
  g_hash_table_unref (self->answered);
  g_clear_error (&self->start_error);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
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
