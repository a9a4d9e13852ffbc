/* test-hub-durability.c: no acknowledged event is lost across kill -9 of the real hubwatchd
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "hw-test-hub.h"
#include "hw-test-util.h"

#define ROUNDS          3
#define EVENTS_PER_POST 25
#define MAX_POSTS       2000

typedef struct
{
  GSubprocess *process;
  guint        delay_ms;
} Killer;

/* A kill at a moment the publishing thread does not choose: mid-request,
 * mid-commit or between requests. The delay is the experiment's variable,
 * not a wait for a condition. */
static gpointer
kill_later (gpointer user_data)
{
  Killer *killer = user_data;

  g_usleep (killer->delay_ms * 1000);
  g_subprocess_send_signal (killer->process, SIGKILL);
  return NULL;
}

/* Like hw_test_hub_request() but a dead hub is an expected outcome: returns 0. */
static guint
try_post (SoupSession *session,
          const char  *url,
          const char  *body)
{
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;

  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  answer = soup_session_send_and_read (session, msg, NULL, &error);
  if (answer == NULL)
    return 0;
  return soup_message_get_status (msg);
}

static void
test_kill_9_loses_no_acknowledged_event (void)
{
  HwTestHub *hub = hw_test_hub_newv (NULL, NULL);
  g_autoptr(GPtrArray) acked = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 30 * hw_test_time_scale (), NULL);
  guint next_id = 0;

  for (guint round = 0; round < ROUNDS; round++)
    {
      g_autofree char *url = g_strconcat (hub->base_url, "/v1/events", NULL);
      /* Scaled so that a slower (sanitized) hub is still killed after a
       * comparable number of requests, not before its first one. */
      Killer killer = { hub->process, hw_test_scale_ms (g_test_rand_int_range (50, 400)) };
      GThread *thread = g_thread_new ("killer", kill_later, &killer);
      guint posts = 0;

      for (;;)
        {
          g_autoptr(GString) body = g_string_new ("[");
          g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func (g_free);
          guint status;

          for (guint i = 0; i < EVENTS_PER_POST; i++)
            {
              char *id = g_strdup_printf ("durable-%06u", next_id++);
              g_autofree char *event = hw_test_event_json (id, "durability", 1714744800000 + next_id);

              g_string_append_printf (body, "%s%s", i ? "," : "", event);
              g_ptr_array_add (batch, id);
            }
          g_string_append_c (body, ']');

          status = try_post (session, url, body->str);
          if (status == 0)
            break;
          g_assert_cmpuint (status, ==, 200);
          for (guint i = 0; i < batch->len; i++)
            g_ptr_array_add (acked, g_strdup (g_ptr_array_index (batch, i)));
          g_assert_cmpuint (++posts, <, MAX_POSTS);
        }
      g_thread_join (thread);
      g_test_message ("round %u: killed after %u ms, %u acknowledged so far", round, killer.delay_ms, acked->len);

      hw_test_hub_kill (hub);
      hw_test_hub_restart (hub);
      /* Idle connections from the dead hub must not be reused. */
      soup_session_abort (session);

      {
        g_autoptr(GHashTable) ids = hw_test_hub_stored_ids (hub);

        for (guint i = 0; i < acked->len; i++)
          if (!g_hash_table_contains (ids, g_ptr_array_index (acked, i)))
            g_error ("acknowledged event %s is missing after kill -9", (char *) g_ptr_array_index (acked, i));
        /* And searchable by its words: the full-text index, written behind
         * the commits, is caught up from the bodies after the kill. */
        g_assert_cmpint (hw_test_hub_count (hub, "widget"), ==, g_hash_table_size (ids));
      }
    }
  g_assert_cmpuint (acked->len, >, 0);
  hw_test_hub_stop (hub);
  hw_test_hub_free (hub);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hub/durability/kill-9", test_kill_9_loses_no_acknowledged_event);

  return g_test_run ();
}
