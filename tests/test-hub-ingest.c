/* test-hub-ingest.c: concurrent publishes to the real hubwatchd: group commit, isolation, drain
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <sqlite3.h>
#include <string.h>

#include "hw-test-hub.h"
#include "hw-test-util.h"

#define N_CLIENTS     6
#define N_REQUESTS    12
#define N_EVENTS      40
/* Each client's request number BAD_REQUEST is malformed JSON, and number
 * BAD_LINE carries one invalid NDJSON line: their neighbours in the same
 * commit group must not notice. */
#define BAD_REQUEST   4
#define BAD_LINE      7
#define BAD_LINE_NO   3
#define T0 G_GINT64_CONSTANT (1714744800000)

typedef struct
{
  char        *base_url;
  const char  *type;
  guint        client;
  GMutex      *lock;
  GCond       *start;
  gboolean    *go;

  /* Results, read after the join. */
  guint        n_ok;            /* 200 answers */
  guint        n_refused;       /* the bad request's 400 */
  guint64      accepted;
  guint64      duplicates;
  gint64       shared_seq[N_REQUESTS];      /* seq reported for each shared id */
  gboolean     shared_stored[N_REQUESTS];   /* this client's copy was the one stored */
  gboolean     bad_line_ok;     /* the rejected line was reported with its number */
  char        *failure;         /* first unexpected answer */
} Client;

static char *
client_body (Client *client,
             guint   request)
{
  g_autoptr(GString) body = g_string_new (NULL);
  g_autofree char *shared_id = g_strdup_printf ("%s-shared-%u", client->type, request);
  g_autofree char *shared = hw_test_event_json (shared_id, client->type, T0);

  /* Every client publishes the same shared id in its request number
   * @request: exactly one of them may store it, in whatever group. */
  g_string_append_printf (body, "%s\n", shared);
  for (guint i = 1; i < N_EVENTS; i++)
    {
      g_autofree char *id = g_strdup_printf ("%s-c%u-r%u-e%u", client->type, client->client, request, i);
      g_autofree char *event = hw_test_event_json (id, client->type, T0 + i);

      if (request == BAD_LINE && i + 1 == BAD_LINE_NO)
        g_string_append (body, "{\"id\":\"x\",\"type\":\"t\",\"timestamp\":\"soon\"}\n");
      else
        g_string_append_printf (body, "%s\n", event);
    }
  return g_string_free (g_steal_pointer (&body), FALSE);
}

static void client_fail (Client     *client,
                         const char *format,
                         ...) G_GNUC_PRINTF (2, 3);

static void
client_fail (Client     *client,
             const char *format,
             ...)
{
  va_list args;

  if (client->failure != NULL)
    return;
  va_start (args, format);
  client->failure = g_strdup_vprintf (format, args);
  va_end (args);
}

static void
check_answer (Client     *client,
              guint       request,
              guint       status,
              JsonObject *answer)
{
  JsonArray *items;
  JsonObject *first;

  if (request == BAD_REQUEST)
    {
      if (status != 400 || !json_object_has_member (answer, "error"))
        client_fail (client, "client %u: the malformed request got %u", client->client, status);
      else
        client->n_refused++;
      return;
    }
  if (status != 200)
    {
      client_fail (client, "client %u request %u: status %u", client->client, request, status);
      return;
    }
  client->n_ok++;
  client->accepted += json_object_get_int_member (answer, "accepted");
  client->duplicates += json_object_get_int_member (answer, "duplicates");
  items = json_object_get_array_member (answer, "items");
  if (json_array_get_length (items) != N_EVENTS)
    {
      client_fail (client, "client %u request %u: %u items", client->client, request,
                   json_array_get_length (items));
      return;
    }
  first = json_array_get_object_element (items, 0);
  client->shared_seq[request] = json_object_get_int_member (first, "seq");
  if (g_str_equal (json_object_get_string_member (first, "status"), "accepted"))
    client->shared_stored[request] = TRUE;

  if (request == BAD_LINE)
    {
      JsonObject *bad = json_array_get_object_element (items, BAD_LINE_NO - 1);

      client->bad_line_ok = g_str_equal (json_object_get_string_member (bad, "status"), "rejected")
                            && json_object_get_int_member (bad, "line") == BAD_LINE_NO
                            && json_object_get_int_member (answer, "rejected") == 1;
    }
}

static gpointer
client_run (gpointer user_data)
{
  Client *client = user_data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(SoupSession) session = NULL;
  g_autofree char *url = g_strconcat (client->base_url, "/v1/events", NULL);

  g_main_context_push_thread_default (context);
  session = soup_session_new_with_options ("timeout", 60, NULL);

  /* All clients start together so their requests meet in the writer. */
  g_mutex_lock (client->lock);
  while (!*client->go)
    g_cond_wait (client->start, client->lock);
  g_mutex_unlock (client->lock);

  for (guint r = 0; r < N_REQUESTS; r++)
    {
      g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
      g_autofree char *text = r == BAD_REQUEST ? g_strdup ("[{\"id\":") : client_body (client, r);
      gsize length = strlen (text);
      g_autoptr(GBytes) body = g_bytes_new_take (g_steal_pointer (&text), length);
      g_autoptr(GBytes) reply = NULL;
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;

      soup_message_set_request_body_from_bytes (msg, r == BAD_REQUEST ? "application/json"
                                                : "application/x-ndjson", body);
      reply = soup_session_send_and_read (session, msg, NULL, &error);
      if (reply == NULL)
        {
          client_fail (client, "client %u request %u: %s", client->client, r, error->message);
          break;
        }
      if (!json_parser_load_from_data (parser, g_bytes_get_data (reply, NULL), g_bytes_get_size (reply), NULL)
          || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        {
          client_fail (client, "client %u request %u: the answer is not a JSON object", client->client, r);
          continue;
        }
      check_answer (client, r, soup_message_get_status (msg),
                    json_node_get_object (json_parser_get_root (parser)));
    }

  g_clear_object (&session);
  g_main_context_pop_thread_default (context);
  return NULL;
}

static gint64
count_type (HwTestHub  *hub,
            const char *type)
{
  g_autofree char *path = g_strdup_printf ("/v1/events/count?q=type:%s", type);
  g_autoptr(JsonNode) answer = hw_test_hub_get_json (hub, path, 200);

  return json_object_get_int_member (json_node_get_object (answer), "count");
}

static void
test_concurrent_publishes (void)
{
  HwTestHub *hub = hw_test_hub_newv (NULL, NULL);
  const char *type = "concurrent";
  Client clients[N_CLIENTS] = { { 0 } };
  GThread *threads[N_CLIENTS];
  GMutex lock;
  GCond start;
  gboolean go = FALSE;
  guint64 accepted = 0, duplicates = 0;
  /* Per good request: N_EVENTS - 1 own ids (one fewer in the bad-line one)
   * plus the shared id, stored once across the clients. */
  const guint64 own = (guint64) N_CLIENTS * ((N_REQUESTS - 1) * (N_EVENTS - 1) - 1);
  const guint64 shared = N_REQUESTS - 1;

  g_mutex_init (&lock);
  g_cond_init (&start);
  for (guint i = 0; i < N_CLIENTS; i++)
    {
      clients[i] = (Client) { .base_url = hub->base_url, .type = type, .client = i,
                              .lock = &lock, .start = &start, .go = &go };
      threads[i] = g_thread_new ("publisher", client_run, &clients[i]);
    }
  g_mutex_lock (&lock);
  go = TRUE;
  g_cond_broadcast (&start);
  g_mutex_unlock (&lock);

  for (guint i = 0; i < N_CLIENTS; i++)
    {
      g_thread_join (threads[i]);
      if (clients[i].failure != NULL)
        g_error ("%s", clients[i].failure);
      g_assert_cmpuint (clients[i].n_ok, ==, N_REQUESTS - 1);
      g_assert_cmpuint (clients[i].n_refused, ==, 1);
      g_assert_true (clients[i].bad_line_ok);
      accepted += clients[i].accepted;
      duplicates += clients[i].duplicates;
    }

  /* Every shared id: stored once, and every client was told the same seq. */
  for (guint r = 0; r < N_REQUESTS; r++)
    {
      guint stored = 0;

      if (r == BAD_REQUEST)
        continue;
      for (guint i = 0; i < N_CLIENTS; i++)
        {
          g_assert_cmpint (clients[i].shared_seq[r], >, 0);
          g_assert_cmpint (clients[i].shared_seq[r], ==, clients[0].shared_seq[r]);
        }
      for (guint i = 0; i < N_CLIENTS; i++)
        stored += clients[i].shared_stored[r];
      g_assert_cmpuint (stored, ==, 1);
    }
  g_assert_cmpuint (accepted, ==, own + shared);
  g_assert_cmpuint (duplicates, ==, shared * (N_CLIENTS - 1));
  g_assert_cmpint (count_type (hub, type), ==, (gint64) (own + shared));

  /* Acknowledged means committed: all of it survives a kill -9. */
  hw_test_hub_kill (hub);
  hw_test_hub_restart (hub);
  g_assert_cmpint (count_type (hub, type), ==, (gint64) (own + shared));

  for (guint i = 0; i < N_CLIENTS; i++)
    g_free (clients[i].failure);
  g_mutex_clear (&lock);
  g_cond_clear (&start);
  hw_test_hub_stop (hub);
  hw_test_hub_free (hub);
}

/* SIGTERM while publishers are busy ------------------------------------------ */

typedef struct
{
  char    *base_url;
  guint    client;
  gint     acked;        /* atomic: events acknowledged with a 200 */
  GPtrArray *acked_ids;  /* char*, written by the thread, read after the join */
} Publisher;

static gpointer
publisher_run (gpointer user_data)
{
  Publisher *publisher = user_data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(SoupSession) session = NULL;
  g_autofree char *url = g_strconcat (publisher->base_url, "/v1/events", NULL);

  g_main_context_push_thread_default (context);
  session = soup_session_new_with_options ("timeout", 60, NULL);
  /* Until the hub goes away: a refused or dropped request ends the run. */
  for (guint r = 0; r < 10000; r++)
    {
      g_autoptr(GString) text = g_string_new (NULL);
      g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
      g_autoptr(GBytes) body = NULL;
      g_autoptr(GBytes) reply = NULL;

      for (guint i = 0; i < 20; i++)
        {
          char *id = g_strdup_printf ("drain-c%u-r%u-e%u", publisher->client, r, i);
          g_autofree char *event = hw_test_event_json (id, "drain", T0 + i);

          g_string_append_printf (text, "%s\n", event);
          g_ptr_array_add (ids, id);
        }
      body = g_bytes_new (text->str, text->len);
      soup_message_set_request_body_from_bytes (msg, "application/x-ndjson", body);
      reply = soup_session_send_and_read (session, msg, NULL, NULL);
      if (reply == NULL || soup_message_get_status (msg) != 200)
        break;
      for (guint i = 0; i < ids->len; i++)
        g_ptr_array_add (publisher->acked_ids, g_strdup (g_ptr_array_index (ids, i)));
      g_atomic_int_add (&publisher->acked, ids->len);
      /* hw_test_wait_until() sleeps in the main context until woken. */
      g_main_context_wakeup (NULL);
    }
  g_clear_object (&session);
  g_main_context_pop_thread_default (context);
  return NULL;
}

static gboolean
some_acked (gpointer user_data)
{
  Publisher *publishers = user_data;

  for (guint i = 0; i < N_CLIENTS; i++)
    if (g_atomic_int_get (&publishers[i].acked) < 40)
      return FALSE;
  return TRUE;
}

/* The hub keeps bodies as LZ4 (hw-event-prepare.h), which listeners and
 * replays read again and again: every stored event, not only some. */
static void
assert_bodies_lz4 (const char *data_dir,
                   gint64      at_least)
{
  g_autofree char *path = g_build_filename (data_dir, "lake.db", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*), total(substr(body, 1, 4) = CAST('hwl4' AS BLOB)) "
                                           "FROM events", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int64 (stmt, 0), >=, at_least);
  g_assert_cmpint (sqlite3_column_int64 (stmt, 1), ==, sqlite3_column_int64 (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

static void
test_stop_drains (void)
{
  HwTestHub *hub = hw_test_hub_newv (NULL, NULL);
  Publisher publishers[N_CLIENTS] = { { 0 } };
  GThread *threads[N_CLIENTS];
  guint total = 0;

  for (guint i = 0; i < N_CLIENTS; i++)
    {
      publishers[i] = (Publisher) { .base_url = hub->base_url, .client = i,
                                    .acked_ids = g_ptr_array_new_with_free_func (g_free) };
      threads[i] = g_thread_new ("publisher", publisher_run, &publishers[i]);
    }
  g_assert_true (hw_test_wait_until (some_acked, publishers, 30000));

  /* A clean stop mid-stream: exit status 0 (asserted by the helper), and
   * every acknowledged event is stored. */
  hw_test_hub_stop (hub);
  for (guint i = 0; i < N_CLIENTS; i++)
    g_thread_join (threads[i]);

  hw_test_hub_restart (hub);
  for (guint i = 0; i < N_CLIENTS; i++)
    {
      for (guint j = 0; j < publishers[i].acked_ids->len; j += 7)
        {
          g_autofree char *path = g_strdup_printf ("/v1/events/%s",
                                                   (char *) g_ptr_array_index (publishers[i].acked_ids, j));
          g_autoptr(JsonNode) event = hw_test_hub_get_json (hub, path, 200);

          g_assert_nonnull (event);
        }
      total += publishers[i].acked_ids->len;
      g_ptr_array_unref (publishers[i].acked_ids);
    }
  g_assert_cmpint (count_type (hub, "drain"), >=, (gint64) total);
  hw_test_hub_stop (hub);
  assert_bodies_lz4 (hub->data_dir, total);
  hw_test_hub_free (hub);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hub/ingest/concurrent", test_concurrent_publishes);
  g_test_add_func ("/hub/ingest/stop-drains", test_stop_drains);

  return g_test_run ();
}
