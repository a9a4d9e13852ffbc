/* hw-test-hub.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sys/prctl.h>
#include <signal.h>

#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>

#include "hw-test-hub.h"
#include "hw-test-util.h"

#define READY_PREFIX "hubwatchd: listening on "
#define READY_TIMEOUT_MS 30000

typedef struct
{
  char     *line;
  gboolean  line_done;
  gboolean *exited;     /* shared with on_process_exit: an rc box */
} ReadyWait;

static void
on_line (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  ReadyWait *wait = user_data;

  wait->line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source),
                                                          result, NULL, NULL);
  wait->line_done = TRUE;
}

static void
on_process_exit (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  gboolean *exited = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *exited = TRUE;
  g_rc_box_release (exited);
}

static gboolean
ready_or_dead (gpointer user_data)
{
  ReadyWait *wait = user_data;

  return wait->line_done || *wait->exited;
}

char *
hw_test_hub_read_log (HwTestHub *hub)
{
  char *contents = NULL;

  if (!g_file_get_contents (hub->log_path, &contents, NULL, NULL))
    return g_strdup ("");
  return contents;
}

/* A test that aborts on a failed assertion never reaches its teardown; the
 * kernel then takes the hub down with it instead of leaving it running. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* Spawns once; returns FALSE (process reaped) when no ready line came. */
static gboolean
spawn_hub (HwTestHub *hub)
{
  const char *binary = g_getenv ("HUBWATCHD");
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GCancellable) cancel = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  gboolean *exited = g_rc_box_new0 (gboolean);
  ReadyWait wait = { .exited = exited };
  gboolean ok;

  g_assert_nonnull (binary);
  g_ptr_array_add (argv, (gpointer) binary);
  g_ptr_array_add (argv, (gpointer) "--listen");
  g_ptr_array_add (argv, (gpointer) "127.0.0.1:0");
  g_ptr_array_add (argv, (gpointer) "--data-dir");
  g_ptr_array_add (argv, hub->data_dir);
  for (guint i = 0; hub->args != NULL && hub->args[i] != NULL; i++)
    g_ptr_array_add (argv, hub->args[i]);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  /* Under the sanitizers, a test whose hub does the heavy lifting may give
   * it other ASan options than its own (see tests/meson.build). */
  if (g_getenv ("HW_TEST_HUB_ASAN_OPTIONS") != NULL)
    g_subprocess_launcher_setenv (launcher, "ASAN_OPTIONS",
                                  g_getenv ("HW_TEST_HUB_ASAN_OPTIONS"), TRUE);
  /* Appending keeps the log of every run, so a restart test can grep it all. */
  {
    int fd = g_open (hub->log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    g_assert_cmpint (fd, >=, 0);
    g_subprocess_launcher_take_stderr_fd (launcher, fd);
  }
  hub->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);

  /* The flag outlives this frame if the wait is still pending when we return. */
  g_subprocess_wait_async (hub->process, NULL, on_process_exit, g_rc_box_acquire (exited));
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (hub->process));
  g_data_input_stream_read_line_async (lines, G_PRIORITY_DEFAULT, cancel, on_line, &wait);

  ok = hw_test_wait_until (ready_or_dead, &wait, READY_TIMEOUT_MS);
  g_rc_box_release (exited);
  if (!wait.line_done)
    {
      g_cancellable_cancel (cancel);
      while (!wait.line_done)
        g_main_context_iteration (NULL, TRUE);
    }

  if (ok && wait.line != NULL && g_str_has_prefix (wait.line, READY_PREFIX))
    {
      g_free (hub->base_url);
      hub->base_url = g_strdup (wait.line + strlen (READY_PREFIX));
      g_strchomp (hub->base_url);
      g_free (wait.line);
      return TRUE;
    }

  g_free (wait.line);
  g_subprocess_force_exit (hub->process);
  g_subprocess_wait (hub->process, NULL, NULL);
  g_clear_object (&hub->process);
  return FALSE;
}

static HwTestHub *
hub_alloc (const char         *data_dir,
           const char * const *args)
{
  HwTestHub *hub = g_new0 (HwTestHub, 1);

  hub->work_dir = hw_test_mkdtemp ();
  if (data_dir != NULL)
    hub->data_dir = g_strdup (data_dir);
  else
    {
      hub->data_dir = g_build_filename (hub->work_dir, "data", NULL);
      hub->owns_data_dir = TRUE;
    }
  hub->log_path = g_build_filename (hub->work_dir, "hubwatchd.log", NULL);
  hub->args = g_strdupv ((char **) args);
  hub->session = soup_session_new_with_options ("timeout", 60 * hw_test_time_scale (), NULL);
  return hub;
}

HwTestHub *
hw_test_hub_try_newv (const char         *data_dir,
                      const char * const *args,
                      char              **out_log)
{
  HwTestHub *hub = hub_alloc (data_dir, args);

  if (spawn_hub (hub))
    return hub;

  if (out_log != NULL)
    *out_log = hw_test_hub_read_log (hub);
  hw_test_hub_free (hub);
  return NULL;
}

HwTestHub *
hw_test_hub_newv (const char         *data_dir,
                  const char * const *args)
{
  HwTestHub *hub = hub_alloc (data_dir, args);

  if (!spawn_hub (hub))
    {
      g_autofree char *log = hw_test_hub_read_log (hub);

      g_printerr ("hubwatchd did not become ready; its log:\n%s\n", log);
      g_assert_not_reached ();
    }
  return hub;
}

HwTestHub *
hw_test_hub_new (const char *data_dir,
                 const char *first_arg,
                 ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  va_list ap;

  va_start (ap, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  return hw_test_hub_newv (data_dir, (const char * const *) args->pdata);
}

HwTestHub *
hw_test_hub_new_replica (char       **nats_urls,
                         const char  *config)
{
  g_autofree char *urls = g_strjoinv (",", nats_urls);
  /* Without a config file, the NULL after "--nats URLS" ends the list. */
  const char *args[] = { "--engine", "jetstream", "--nats", urls,
                         config != NULL ? "--config" : NULL, config, NULL };

  return hw_test_hub_newv (NULL, args);
}

void
hw_test_hub_kill (HwTestHub *hub)
{
  if (hub->process == NULL)
    return;
  g_subprocess_send_signal (hub->process, SIGKILL);
  g_subprocess_wait (hub->process, NULL, NULL);
  g_clear_object (&hub->process);
}

void
hw_test_hub_stop (HwTestHub *hub)
{
  g_autoptr(GError) error = NULL;

  if (hub->process == NULL)
    return;
  g_subprocess_send_signal (hub->process, SIGTERM);
  g_subprocess_wait (hub->process, NULL, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_if_exited (hub->process) || g_subprocess_get_exit_status (hub->process) != 0)
    {
      g_autofree char *log = hw_test_hub_read_log (hub);

      g_printerr ("hubwatchd did not exit cleanly; its log:\n%s\n", log);
      g_assert_not_reached ();
    }
  g_clear_object (&hub->process);
}

void
hw_test_hub_restart (HwTestHub *hub)
{
  g_assert_null (hub->process);
  if (!spawn_hub (hub))
    {
      g_autofree char *log = hw_test_hub_read_log (hub);

      g_printerr ("hubwatchd did not restart; its log:\n%s\n", log);
      g_assert_not_reached ();
    }
}

void
hw_test_hub_free (HwTestHub *hub)
{
  if (hub == NULL)
    return;
  hw_test_hub_kill (hub);
  g_clear_object (&hub->session);
  if (hub->owns_data_dir)
    hw_test_rmdir (hub->data_dir);
  hw_test_rmdir (hub->work_dir);
  g_free (hub->data_dir);
  g_free (hub->log_path);
  g_free (hub->base_url);
  g_free (hub->token);
  g_free (hub->work_dir);
  g_strfreev (hub->args);
  g_free (hub);
}

void
hw_test_hub_set_token (HwTestHub  *hub,
                       const char *token)
{
  g_free (hub->token);
  hub->token = g_strdup (token);
}

/* hw_test_hub_request(), plus the request header @header: @value when
 * both are non-NULL. */
static guint
request_with_header (HwTestHub    *hub,
                     const char   *method,
                     const char   *path,
                     const char   *token,
                     const char   *header,
                     const char   *value,
                     const char   *content_type,
                     const char   *body,
                     gssize        body_length,
                     GBytes      **out_body,
                     SoupMessage **out_msg)
{
  g_autofree char *url = g_strconcat (hub->base_url, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;
  const char *use_token = token != NULL ? token : hub->token;

  g_assert_nonnull (msg);
  if (header != NULL && value != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), header, value);
  if (use_token != NULL && use_token[0] != '\0')
    {
      g_autofree char *authorization = g_strconcat ("Bearer ", use_token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", authorization);
    }
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = NULL;

      if (body_length < 0)
        body_length = strlen (body);
      bytes = g_bytes_new (body, body_length);
      soup_message_set_request_body_from_bytes (msg,
                                                content_type ? content_type : "application/json",
                                                bytes);
    }

  answer = soup_session_send_and_read (hub->session, msg, NULL, &error);
  g_assert_no_error (error);

  if (out_body != NULL)
    {
      /* NUL-terminate so callers can treat the body as a string. */
      gsize len = 0;
      const char *data = g_bytes_get_data (answer, &len);
      char *copy = g_malloc (len + 1);

      if (len > 0)
        memcpy (copy, data, len);
      copy[len] = '\0';
      *out_body = g_bytes_new_with_free_func (copy, len, g_free, copy);
    }
  if (out_msg != NULL)
    *out_msg = g_object_ref (msg);
  return soup_message_get_status (msg);
}

guint
hw_test_hub_request (HwTestHub    *hub,
                     const char   *method,
                     const char   *path,
                     const char   *token,
                     const char   *content_type,
                     const char   *body,
                     gssize        body_length,
                     GBytes      **out_body,
                     SoupMessage **out_msg)
{
  return request_with_header (hub, method, path, token, NULL, NULL, content_type, body, body_length,
                              out_body, out_msg);
}

static guint
json_request (HwTestHub   *hub,
              const char  *method,
              const char  *path,
              const char  *token,
              const char  *header,
              const char  *value,
              const char  *body_json,
              JsonNode   **out_json)
{
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  gsize len = 0;
  const char *data;
  guint status;

  status = request_with_header (hub, method, path, token, header, value, NULL, body_json, -1, &body, NULL);
  data = g_bytes_get_data (body, &len);
  if (!json_parser_load_from_data (parser, data, len, &error))
    {
      g_printerr ("%s %s → %u, body is not JSON: %.*s\n", method, path, status, (int) len, data);
      g_assert_no_error (error);
    }
  if (json_parser_get_root (parser) == NULL)
    {
      g_printerr ("%s %s → %u, with an empty body\n", method, path, status);
      g_assert_not_reached ();
    }
  if (out_json != NULL)
    *out_json = json_node_ref (json_parser_get_root (parser));
  return status;
}

guint
hw_test_hub_json (HwTestHub   *hub,
                  const char  *method,
                  const char  *path,
                  const char  *token,
                  const char  *body_json,
                  JsonNode   **out_json)
{
  return json_request (hub, method, path, token, NULL, NULL, body_json, out_json);
}

guint
hw_test_hub_json_with_header (HwTestHub   *hub,
                              const char  *method,
                              const char  *path,
                              const char  *header,
                              const char  *value,
                              const char  *body_json,
                              JsonNode   **out_json)
{
  return json_request (hub, method, path, NULL, header, value, body_json, out_json);
}

JsonNode *
hw_test_hub_get_json (HwTestHub  *hub,
                      const char *path,
                      guint       expected_status)
{
  JsonNode *node = NULL;
  guint status = hw_test_hub_json (hub, "GET", path, NULL, NULL, &node);

  if (status != expected_status)
    {
      g_autofree char *text = json_to_string (node, FALSE);

      g_printerr ("GET %s → %u (wanted %u): %s\n", path, status, expected_status, text);
      g_assert_cmpuint (status, ==, expected_status);
    }
  return node;
}

JsonObject *
hw_test_hub_find (HwTestHub  *hub,
                  const char *path)
{
  g_autoptr(JsonNode) node = NULL;
  guint status = hw_test_hub_json (hub, "GET", path, NULL, NULL, &node);

  if (status == 404)
    return NULL;
  if (status != 200)
    {
      g_autofree char *text = json_to_string (node, FALSE);

      g_printerr ("GET %s → %u (wanted 200 or 404): %s\n", path, status, text);
      g_assert_cmpuint (status, ==, 200);
    }
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

void
hw_test_assert_error (JsonNode   *node,
                      const char *code)
{
  JsonObject *error;

  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  error = json_object_get_object_member (json_node_get_object (node), "error");
  g_assert_nonnull (error);
  g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, code);
  g_assert_cmpuint (strlen (json_object_get_string_member (error, "message")), >, 0);
}

char *
hw_test_event_json (const char *id,
                    const char *type,
                    gint64      timestamp_ms)
{
  return g_strdup_printf ("{\"id\":\"%s\",\"type\":\"%s\",\"timestamp\":%" G_GINT64_FORMAT ","
                          "\"partitionKey\":\"pk-%s\",\"tags\":{\"source\":\"test\","
                          "\"functionname\":\"fn-test\",\"region\":\"eu-west-1\"},"
                          "\"thing\":{\"id\":\"%s\",\"name\":\"widget\"}}",
                          id, type, timestamp_ms, id, id);
}

/* @at_ms 0: each event a millisecond after the one before. */
static char *
events_json (const char *type,
             guint      *next_id,
             guint       n,
             gint64      at_ms)
{
  GString *body = g_string_new ("[");

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("%s-%06u", type, (*next_id)++);
      g_autofree char *event = hw_test_event_json (id, type, at_ms != 0 ? at_ms : 1714744800000 + *next_id);

      g_string_append_printf (body, "%s%s", i ? "," : "", event);
    }
  g_string_append_c (body, ']');
  return g_string_free (body, FALSE);
}

char *
hw_test_events_json (const char *type,
                     guint      *next_id,
                     guint       n)
{
  return events_json (type, next_id, n, 0);
}

void
hw_test_hub_publish_events (HwTestHub  *hub,
                            const char *type,
                            guint      *next_id,
                            guint       n)
{
  hw_test_hub_publish_events_at (hub, type, next_id, n, 0);
}

void
hw_test_hub_publish_events_at (HwTestHub  *hub,
                               const char *type,
                               guint      *next_id,
                               guint       n,
                               gint64      at_ms)
{
  g_autofree char *body = events_json (type, next_id, n, at_ms);
  g_autoptr(JsonNode) answer = NULL;

  g_assert_cmpuint (hw_test_hub_json (hub, "POST", "/v1/events", NULL, body, &answer), ==, 200);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (answer), "accepted"), ==, n);
}

gint64
hw_test_hub_count (HwTestHub  *hub,
                   const char *query)
{
  g_autofree char *escaped = g_uri_escape_string (query, NULL, FALSE);
  g_autofree char *path = g_strdup_printf ("/v1/events/count?q=%s", escaped);
  g_autoptr(JsonNode) node = hw_test_hub_get_json (hub, path, 200);

  return json_object_get_int_member (json_node_get_object (node), "count");
}

/* Adds the ids of one page of sync lines; returns how many, and the last
 * seq in @after. */
static guint
add_sync_page (GHashTable *ids,
               const char *page,
               gint64     *after)
{
  g_auto(GStrv) lines = g_strsplit (page, "\n", -1);
  guint n = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *line;
      const char *id;

      if (lines[i][0] == '\0')
        continue;
      g_assert_true (json_parser_load_from_data (parser, lines[i], -1, NULL));
      line = json_node_get_object (json_parser_get_root (parser));
      *after = json_object_get_int_member (line, "seq");
      id = json_object_get_string_member (json_object_get_object_member (line, "event"), "id");
      g_assert_false (g_hash_table_contains (ids, id));
      g_hash_table_add (ids, g_strdup (id));
      n++;
    }
  return n;
}

GHashTable *
hw_test_hub_stored_ids (HwTestHub *hub)
{
  GHashTable *ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gint64 after = 0;
  guint n;

  do
    {
      g_autofree char *path = g_strdup_printf ("/v1/events/sync?after=%" G_GINT64_FORMAT "&limit=1000", after);
      g_autoptr(GBytes) body = NULL;

      g_assert_cmpuint (hw_test_hub_request (hub, "GET", path, NULL, NULL, NULL, 0, &body, NULL), ==, 200);
      n = add_sync_page (ids, g_bytes_get_data (body, NULL), &after);
    }
  while (n > 0);
  return ids;
}

/* The audit @action ("job.start", "job.end") of the job @job_id as @hub
 * lists it, or NULL. */
JsonObject *
hw_test_hub_find_job_audit (HwTestHub  *hub,
                            const char *action,
                            const char *job_id)
{
  g_autoptr(JsonNode) answer = hw_test_hub_get_json (hub, "/v1/system-events?kind=audit", 200);
  JsonArray *events = json_object_get_array_member (json_node_get_object (answer), "system_events");

  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *event = json_array_get_object_element (events, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (event, "action", NULL), action) == 0 &&
          g_strcmp0 (json_object_get_string_member_with_default (event, "job", NULL), job_id) == 0)
        return json_object_ref (event);
    }
  return NULL;
}
