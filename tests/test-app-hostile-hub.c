/* test-app-hostile-hub.c: a hub answering junk, bottomless or never-ending bodies: the console says so and never hangs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <libsoup/soup.h>

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

/* The UI thread must never stall longer than this between two heartbeats,
 * times hw_test_time_scale(): sanitizers slow everything down several times.
 * What the test guards against stalls far longer: waiting on the silent
 * hub would take its 2 s timeout, and parsing a bottomless body on the UI
 * thread over a second. Well-behaved runs show gaps of 20–130 ms, but a
 * machine busy with other tests has shown 250–420 ms from scheduling
 * alone, so the bound sits between the two. */
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

typedef struct
{
  gint64 last_us;
  gint64 max_gap_us;
  guint  ticks;
} Heartbeat;

static gboolean
on_heartbeat (gpointer user_data)
{
  Heartbeat *beat = user_data;
  gint64 now = g_get_monotonic_time ();

  if (beat->last_us > 0)
    beat->max_gap_us = MAX (beat->max_gap_us, now - beat->last_us);
  beat->last_us = now;
  beat->ticks++;
  return G_SOURCE_CONTINUE;
}

/* ---- the test ------------------------------------------------------------------ */

static gboolean
count_frame (GtkWidget     *widget,
             GdkFrameClock *clock,
             gpointer       user_data)
{
  (*(guint *) user_data)++;
  return G_SOURCE_CONTINUE;
}

static gboolean
two_frames (gpointer user_data)
{
  return *(guint *) user_data >= 2;
}

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
  guint heartbeat, frames = 0, tick;
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
  tick = gtk_widget_add_tick_callback (GTK_WIDGET (window), count_frame, &frames, NULL);
  g_assert_true (hw_test_wait_until (two_frames, &frames, WAIT_MS));
  gtk_widget_remove_tick_callback (GTK_WIDGET (window), tick);

  /* Now the hub turns hostile, and the console asks again. */
  heartbeat = g_timeout_add (HEARTBEAT_MS, on_heartbeat, &beat);
  started = g_get_monotonic_time ();
  g_atomic_int_set (&hub->armed, TRUE);
  hw_connection_retry (connection);

  if (!hw_test_wait_until (error_shown, &w, WAIT_MS))
    g_error ("%s: no error shown; state %s, last error “%s”, banner “%s”", c->name,
             hw_hub_sync_state_to_string (hw_connection_get_state (connection)),
             hw_connection_get_last_error (connection), hw_window_get_banner_text (window));

  g_test_message ("%s after %" G_GINT64_FORMAT " ms: %s; %u heartbeats, longest gap %" G_GINT64_FORMAT " ms",
                  c->name, (g_get_monotonic_time () - started) / 1000,
                  hw_connection_get_last_error (connection), beat.ticks, beat.max_gap_us / 1000);
  g_assert_cmpint (hw_connection_get_state (connection), ==, HW_HUB_SYNC_STATE_OFFLINE);
  g_assert_true (hw_connection_is_offline (connection));
  g_assert_cmpuint (beat.ticks, >=, MIN_TICKS);
  g_assert_cmpint (beat.max_gap_us / 1000, <, hw_test_scale_ms (MAX_STALL_MS));

  g_source_remove (heartbeat);
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
