/* test-app-hostile-hub.c: a hub answering junk, bottomless or never-ending bodies: the console says so and never hangs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <fcntl.h>
#include <gio/gunixsocketaddress.h>
#include <libsoup/soup.h>
#include <stdio.h>
#include <unistd.h>

#include "hw-test-app.h"
#include "hw-window.h"

/* The server below is a MOCK OF A BROKEN HUB, not of hubwatchd: it answers
 * /v1/info and /v1/events/sync with junk, with bodies that never end, with
 * silence, and with a trickle of bytes, and everything else with 404 (until
 * it is armed, it answers 503 "warming up", so the console's own setup is
 * not what the test measures, and no error of that phase can pass for the
 * one under test). It
 * runs in its own thread and main context, so that the console's main loop
 * (the UI thread) does none of its work and the heartbeat measures the
 * console alone. */

/* The UI thread must never stall: no gap between two heartbeats may hold
 * MAX_OWN_STALL_MS of its own time, times hw_test_time_scale() (sanitizers
 * slow everything down several times). Its own time is the wall-clock gap
 * less what the machine took: the UI thread's waiting on a run queue, and
 * the X server's (the UI thread sleeps through GTK's round trips to it),
 * both from the kernel's schedstat; never less than the thread's own CPU
 * time. What the test guards against is the console's own time: waiting
 * on the silent hub (its 2 s timeout) or parsing a bottomless body on the UI
 * thread (over a second of CPU). Its own gaps have been 10–150 ms, idle or
 * with 16 busy loops on 2 cores (wall-clock gaps then reached 530 ms, some
 * 480 of them the X server waiting for a CPU), so 300 ms sits well clear of
 * both. Without schedstat (a kernel without CONFIG_SCHED_INFO) the
 * wall-clock gap is bounded by MAX_STALL_MS instead, which a busy machine
 * can break. */
#define MAX_OWN_STALL_MS 300
#define MAX_STALL_MS 600
#define HEARTBEAT_MS 10
#define WAIT_MS 60000
#define CHUNK_BYTES 65536

typedef enum
{
  ANSWER_OK,
  ANSWER_JUNK,        /* 200 with text that is not what the API promises */
  ANSWER_BOTTOMLESS,  /* 200, chunked, an endless body without a newline */
  ANSWER_SILENT,      /* the request is read, no answer ever starts */
  ANSWER_STALLED,     /* the headers and a few bytes, then nothing */
  ANSWER_TRICKLE,     /* a byte every 100 ms, forever */
} Answer;

typedef struct
{
  const char *name;
  Answer      info;
  Answer      sync;
  const char *expected;   /* in the connection's last error */
} Case;

static const Case cases[] = {
  { "junk-info",       ANSWER_JUNK,       ANSWER_OK,         "not valid JSON" },
  { "junk-sync",       ANSWER_OK,         ANSWER_JUNK,       "Sync line 1" },
  { "bottomless-info", ANSWER_BOTTOMLESS, ANSWER_OK,         "exceeds" },
  { "bottomless-sync", ANSWER_OK,         ANSWER_BOTTOMLESS, "exceeds" },
  { "silent-info",     ANSWER_SILENT,     ANSWER_OK,         "did not answer" },
  { "stalled-sync",    ANSWER_OK,         ANSWER_STALLED,    "did not answer" },
  { "trickle-info",    ANSWER_TRICKLE,    ANSWER_OK,         "did not finish answering" },
};

/* ---- the broken hub ------------------------------------------------------ */

typedef struct
{
  const Case   *c;
  int           armed;     /* atomic: silence until the console is drawn */
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  SoupServer   *server;
  char         *url;
  GMutex        lock;
  GCond         ready;
  gboolean      started;
} BrokenHub;

static void
reply (SoupServerMessage *msg,
       guint              status,
       const char        *content_type,
       const char        *body)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, content_type, SOUP_MEMORY_COPY, body, strlen (body));
}

static void
start_chunked (SoupServerMessage *msg,
               const char        *content_type)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_server_message_set_status (msg, 200, NULL);
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_message_headers_set_content_type (headers, content_type, NULL);
  soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);
}

static void
on_bottomless_chunk (SoupServerMessage *msg,
                     gpointer           user_data)
{
  static char chunk[CHUNK_BYTES];
  guint sent = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (msg), "sent")) + 1;
  SoupMessageBody *body = soup_server_message_get_response_body (msg);

  g_object_set_data (G_OBJECT (msg), "sent", GUINT_TO_POINTER (sent));
  /* 256 MiB, far past the console's cap, and still an end in case it
   * never stops reading. */
  if (sent > 4096)
    {
      soup_message_body_complete (body);
      return;
    }
  memset (chunk, '{', sizeof chunk);
  soup_message_body_append (body, SOUP_MEMORY_STATIC, chunk, sizeof chunk);
  soup_server_message_unpause (msg);
}

static gboolean
trickle_next (gpointer user_data)
{
  SoupServerMessage *msg = user_data;

  soup_message_body_append (soup_server_message_get_response_body (msg), SOUP_MEMORY_STATIC, " ", 1);
  soup_server_message_unpause (msg);
  return G_SOURCE_CONTINUE;
}

static void
stop_trickle (SoupServerMessage *msg,
              gpointer           user_data)
{
  GSource *source = g_object_get_data (G_OBJECT (msg), "trickle");

  if (source != NULL)
    g_source_destroy (source);
}

static void
answer (SoupServerMessage *msg,
        Answer             how,
        const char        *content_type,
        const char        *good)
{
  switch (how)
    {
    case ANSWER_OK:
      reply (msg, 200, content_type, good);
      break;
    case ANSWER_JUNK:
      reply (msg, 200, content_type, "{\"name\": \"broken\", \"capabilities\": [tru");
      break;
    case ANSWER_BOTTOMLESS:
      start_chunked (msg, content_type);
      g_signal_connect (msg, "wrote-chunk", G_CALLBACK (on_bottomless_chunk), NULL);
      on_bottomless_chunk (msg, NULL);
      break;
    case ANSWER_SILENT:
      soup_server_message_pause (msg);
      break;
    case ANSWER_STALLED:
      start_chunked (msg, content_type);
      soup_message_body_append (soup_server_message_get_response_body (msg), SOUP_MEMORY_STATIC,
                                "{\"seq\":", 7);
      break;
    case ANSWER_TRICKLE:
      {
        GSource *source = g_timeout_source_new (100);

        start_chunked (msg, content_type);
        soup_message_body_append (soup_server_message_get_response_body (msg), SOUP_MEMORY_STATIC, "{", 1);
        g_source_set_callback (source, trickle_next, g_object_ref (msg), g_object_unref);
        g_source_attach (source, g_main_context_get_thread_default ());
        g_object_set_data_full (G_OBJECT (msg), "trickle", source, (GDestroyNotify) g_source_unref);
        g_signal_connect (msg, "disconnected", G_CALLBACK (stop_trickle), NULL);
        g_signal_connect (msg, "finished", G_CALLBACK (stop_trickle), NULL);
      }
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
broken_hub_handler (SoupServer        *server,
                    SoupServerMessage *msg,
                    const char        *path,
                    GHashTable        *query,
                    gpointer           user_data)
{
  BrokenHub *hub = user_data;

  if (!g_atomic_int_get (&hub->armed))
    {
      reply (msg, 503, "application/json", "{\"error\":{\"code\":\"unavailable\",\"message\":\"warming up\"}}");
      return;
    }
  if (g_str_equal (path, "/v1/info"))
    {
      g_autofree char *info =
        g_strdup_printf ("{\"name\":\"broken\",\"subsystem\":\"test\",\"version\":\"0.1.0\",\"api\":\"v1\","
                         "\"server_time\":%" G_GINT64_FORMAT ",\"capabilities\":[\"sync\"]}",
                         g_get_real_time () / 1000);

      answer (msg, hub->c->info, "application/json", info);
    }
  else if (g_str_equal (path, "/v1/events/sync"))
    answer (msg, hub->c->sync, "application/x-ndjson", "");
  else
    reply (msg, 404, "application/json", "{\"error\":{\"code\":\"not_found\",\"message\":\"no such path\"}}");
}

static gpointer
broken_hub_thread (gpointer user_data)
{
  BrokenHub *hub = user_data;
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (hub->context);
  hub->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (hub->server, NULL, broken_hub_handler, hub, NULL);
  soup_server_listen_local (hub->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (hub->server);
  g_mutex_lock (&hub->lock);
  hub->url = g_uri_to_string (uris->data);
  /* No trailing slash, like a hub URL. */
  if (g_str_has_suffix (hub->url, "/"))
    hub->url[strlen (hub->url) - 1] = '\0';
  hub->started = TRUE;
  g_cond_signal (&hub->ready);
  g_mutex_unlock (&hub->lock);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_main_loop_run (hub->loop);

  soup_server_disconnect (hub->server);
  g_clear_object (&hub->server);
  /* Let the disconnections run their handlers before the context goes. */
  while (g_main_context_iteration (hub->context, FALSE))
    ;
  g_main_context_pop_thread_default (hub->context);
  return NULL;
}

static BrokenHub *
broken_hub_new (const Case *c)
{
  BrokenHub *hub = g_new0 (BrokenHub, 1);

  hub->c = c;
  hub->context = g_main_context_new ();
  hub->loop = g_main_loop_new (hub->context, FALSE);
  g_mutex_init (&hub->lock);
  g_cond_init (&hub->ready);
  hub->thread = g_thread_new ("broken-hub", broken_hub_thread, hub);
  g_mutex_lock (&hub->lock);
  while (!hub->started)
    g_cond_wait (&hub->ready, &hub->lock);
  g_mutex_unlock (&hub->lock);
  return hub;
}

static gboolean
quit_loop (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static void
broken_hub_free (BrokenHub *hub)
{
  g_main_context_invoke (hub->context, quit_loop, hub->loop);
  g_thread_join (hub->thread);
  g_main_loop_unref (hub->loop);
  g_main_context_unref (hub->context);
  g_mutex_clear (&hub->lock);
  g_cond_clear (&hub->ready);
  g_free (hub->url);
  g_free (hub);
}

/* ---- the heartbeat ---------------------------------------------------------- */

/* One gap between two heartbeats: its wall-clock length, the main thread's
 * time on a CPU and waiting for one, and the display server's waiting. */
typedef struct
{
  gint64 wall_us;
  gint64 cpu_us;
  gint64 waiting_us;
  gint64 display_waiting_us;
} Gap;

/* One thread's line of /proc/.../schedstat, in ns. */
typedef struct
{
  gint64 cpu_ns;
  gint64 waiting_ns;
} SchedTimes;

typedef struct
{
  int        schedstat_fd;  /* the main thread's, or -1 */
  int        display_fd;    /* the display server's, or -1 */
  gint64     last_us;
  SchedTimes last;
  SchedTimes last_display;
  Gap        longest_wall;
  Gap        longest_own;
  guint      ticks;
} Heartbeat;

/* What the console itself took of a gap: the scheduler's share left out,
 * but never less than its own CPU time, which is the console's whatever
 * the display server waited for meanwhile. */
static gint64
gap_own_us (const Gap *gap)
{
  return MAX (gap->wall_us - gap->waiting_us - gap->display_waiting_us, gap->cpu_us);
}

static char *
gap_describe (const Gap *gap)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT " ms wall, %" G_GINT64_FORMAT " ms on a CPU, %" G_GINT64_FORMAT
                          " ms waiting for one, %" G_GINT64_FORMAT " ms of the display server's waiting",
                          gap->wall_us / 1000, gap->cpu_us / 1000, gap->waiting_us / 1000,
                          gap->display_waiting_us / 1000);
}

/* schedstat: ns on a CPU, ns waiting on a run queue, timeslices. pread()
 * on an fd kept open, as the heartbeat reads it every 10 ms. */
static gboolean
read_schedstat (int         fd,
                SchedTimes *times)
{
  char text[128];
  ssize_t n = pread (fd, text, sizeof text - 1, 0);

  if (n <= 0)
    return FALSE;
  text[n] = '\0';
  return sscanf (text, "%" G_GINT64_FORMAT " %" G_GINT64_FORMAT, &times->cpu_ns, &times->waiting_ns) == 2;
}

/* -1 when there are no times: a kernel that keeps none still has the file,
 * full of zeros, and a thread that has run cannot have zero time on a CPU. */
static int
open_schedstat (const char *path)
{
  SchedTimes times = { 0 };
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd >= 0 && read_schedstat (fd, &times) && times.cpu_ns > 0)
    return fd;
  if (fd >= 0)
    close (fd);
  return -1;
}

/* The peer of a connection to the X server's socket; 0 when DISPLAY names
 * no local one (Wayland, TCP). */
static GPid
display_server_pid (void)
{
  const char *display = g_getenv ("DISPLAY");
  g_autoptr(GSocket) sock = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GCredentials) peer = NULL;
  g_autofree char *path = NULL;
  char *end;
  guint64 number;
  pid_t pid;

  if (display == NULL || display[0] != ':')
    return 0;
  number = g_ascii_strtoull (display + 1, &end, 10);
  if (end == display + 1)
    return 0;
  path = g_strdup_printf ("/tmp/.X11-unix/X%" G_GUINT64_FORMAT, number);
  address = g_unix_socket_address_new (path);
  sock = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, NULL);
  if (sock == NULL || !g_socket_connect (sock, address, NULL, NULL))
    return 0;
  peer = g_socket_get_credentials (sock, NULL);
  if (peer == NULL)
    return 0;
  pid = g_credentials_get_unix_pid (peer, NULL);
  return MAX (pid, 0);
}

/* On the main thread, as /proc/thread-self is the opener's. The X server
 * may be shared with another test (tools/test's first stage): its waiting
 * for their sake is no more the console's, and hides a stall of the
 * console's only if the server waits through nearly all of it. */
static void
heartbeat_open (Heartbeat *beat)
{
  GPid server = display_server_pid ();

  beat->schedstat_fd = open_schedstat ("/proc/thread-self/schedstat");
  beat->display_fd = -1;
  if (beat->schedstat_fd < 0)
    {
      g_test_message ("no run-queue times in /proc/thread-self/schedstat: "
                      "bounding the wall-clock gap (%u ms) instead of the UI thread's own time",
                      hw_test_scale_ms (MAX_STALL_MS));
      return;
    }
  if (server > 0)
    {
      g_autofree char *path = g_strdup_printf ("/proc/%d/schedstat", (int) server);

      beat->display_fd = open_schedstat (path);
    }
  if (beat->display_fd < 0)
    g_test_message ("no run-queue times of the display server (DISPLAY %s): its waiting counts as the console's",
                    g_getenv ("DISPLAY"));
}

static void
heartbeat_close (Heartbeat *beat)
{
  if (beat->schedstat_fd >= 0)
    close (beat->schedstat_fd);
  if (beat->display_fd >= 0)
    close (beat->display_fd);
}

static void
heartbeat_record (Heartbeat        *beat,
                  gint64            now_us,
                  const SchedTimes *times,
                  const SchedTimes *display)
{
  Gap gap = {
    .wall_us = now_us - beat->last_us,
    .cpu_us = (times->cpu_ns - beat->last.cpu_ns) / 1000,
    .waiting_us = (times->waiting_ns - beat->last.waiting_ns) / 1000,
    .display_waiting_us = (display->waiting_ns - beat->last_display.waiting_ns) / 1000,
  };

  if (gap.wall_us > beat->longest_wall.wall_us)
    beat->longest_wall = gap;
  if (gap_own_us (&gap) > gap_own_us (&beat->longest_own))
    beat->longest_own = gap;
}

static gboolean
on_heartbeat (gpointer user_data)
{
  Heartbeat *beat = user_data;
  gint64 now = g_get_monotonic_time ();
  SchedTimes times = { 0 }, display = { 0 };

  if (beat->schedstat_fd >= 0)
    g_assert_true (read_schedstat (beat->schedstat_fd, &times));
  /* The server may be gone: its waiting then stays what it was. */
  if (beat->display_fd < 0 || !read_schedstat (beat->display_fd, &display))
    display = beat->last_display;
  if (beat->last_us > 0)
    heartbeat_record (beat, now, &times, &display);
  beat->last_us = now;
  beat->last = times;
  beat->last_display = display;
  beat->ticks++;
  return G_SOURCE_CONTINUE;
}

static void
heartbeat_check (const Heartbeat *beat,
                 const char      *name)
{
  g_autofree char *wall = gap_describe (&beat->longest_wall);
  g_autofree char *own = gap_describe (&beat->longest_own);

  if (beat->schedstat_fd < 0)
    {
      g_test_message ("%s: longest gap %" G_GINT64_FORMAT " ms", name, beat->longest_wall.wall_us / 1000);
      g_assert_cmpint (beat->longest_wall.wall_us / 1000, <, hw_test_scale_ms (MAX_STALL_MS));
      return;
    }
  g_test_message ("%s: longest gap %" G_GINT64_FORMAT " ms own (%s); longest own gap %" G_GINT64_FORMAT " ms own (%s)",
                  name, gap_own_us (&beat->longest_wall) / 1000, wall, gap_own_us (&beat->longest_own) / 1000, own);
  g_assert_cmpint (gap_own_us (&beat->longest_own) / 1000, <, hw_test_scale_ms (MAX_OWN_STALL_MS));
}

/* ---- the test ------------------------------------------------------------------ */

/* Heartbeats measured at least, so that the console's reaction to the
 * error (banner, pages) is measured too, however fast the error came. */
#define MIN_TICKS 30

typedef struct
{
  HwWindow     *window;
  HwConnection *connection;
  const Case   *c;
  Heartbeat    *beat;
} Wait;

static gboolean
error_shown (gpointer user_data)
{
  Wait *w = user_data;
  const char *error = hw_connection_get_last_error (w->connection);
  const char *banner = hw_window_get_banner_text (w->window);

  return error != NULL && strstr (error, w->c->expected) != NULL
         && banner != NULL && strstr (banner, w->c->expected) != NULL
         && w->beat->ticks >= MIN_TICKS;
}

static void
test_hostile_hub (gconstpointer data)
{
  const Case *c = data;
  BrokenHub *hub = broken_hub_new (c);
  HwApplication *app = hw_test_app_new ();
  HwWindow *window;
  HwConnection *connection;
  Heartbeat beat = { 0 };
  Wait w = { .c = c, .beat = &beat };
  guint heartbeat;
  gint64 started;

  g_application_activate (G_APPLICATION (app));
  window = HW_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_nonnull (window);

  /* The console shows the hub (still warming up) before anything is measured:
   * building and drawing its pages is the console's, not the hub's doing. */
  connection = hw_application_connect_url (app, hub->url, NULL);
  /* Silence would otherwise take the default 30 s I/O timeout to notice. */
  hw_hub_client_set_timeout (hw_connection_get_client (connection), 2 * hw_test_time_scale ());
  w.window = window;
  w.connection = connection;
  hw_test_app_wait_frames (GTK_WIDGET (window), 2, WAIT_MS);

  /* Now the hub turns hostile, and the console asks again. */
  heartbeat_open (&beat);
  heartbeat = g_timeout_add (HEARTBEAT_MS, on_heartbeat, &beat);
  started = g_get_monotonic_time ();
  g_atomic_int_set (&hub->armed, TRUE);
  hw_connection_retry (connection);

  if (!hw_test_wait_until (error_shown, &w, WAIT_MS))
    g_error ("%s: no error shown; state %s, last error “%s”, banner “%s”", c->name,
             hw_hub_sync_state_to_string (hw_connection_get_state (connection)),
             hw_connection_get_last_error (connection), hw_window_get_banner_text (window));

  g_test_message ("%s after %" G_GINT64_FORMAT " ms: %s; %u heartbeats",
                  c->name, (g_get_monotonic_time () - started) / 1000,
                  hw_connection_get_last_error (connection), beat.ticks);
  g_assert_cmpint (hw_connection_get_state (connection), ==, HW_HUB_SYNC_STATE_OFFLINE);
  g_assert_true (hw_connection_is_offline (connection));
  g_assert_cmpuint (beat.ticks, >=, MIN_TICKS);
  heartbeat_check (&beat, c->name);

  g_source_remove (heartbeat);
  heartbeat_close (&beat);
  hw_application_remove_hub (app, connection);
  gtk_window_destroy (GTK_WINDOW (window));
  hw_test_app_iterate_pending (NULL);
  hw_test_app_quit (&app);
  broken_hub_free (hub);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *tmp_dir = NULL;
  int status;

  /* Xvfb has no GPU: the GL renderer would run on llvmpipe, whose shader
   * JIT stalls the first frames of new widgets for seconds, a cost of the
   * test machine that says nothing about the console. As bench/ does. */
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  if (!hw_test_app_init (&argc, &argv, &tmp_dir, &status))
    return status;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/app/hostile-hub/%s", cases[i].name);

      g_test_add_data_func (path, &cases[i], test_hostile_hub);
    }

  status = g_test_run ();
  hw_test_rmdir (tmp_dir);
  return status;
}
