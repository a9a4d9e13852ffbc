/* test-hub-auth.c: tokens, roles, open mode, rate and size limits of the real hubwatchd
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-test-hub.h"
#include "hw-test-util.h"

#define VIEWER    "viewer-secret-6f1c2a"
#define PUBLISHER "publisher-secret-93be07"
#define OPERATOR  "operator-secret-d41f88"
#define ADMIN     "admin-secret-0a7e55"
#define CONFIGURED "config-secret-51d2c9"

static const char * const secrets[] = { VIEWER, PUBLISHER, OPERATOR, ADMIN, CONFIGURED };

static char *
write_config (const char *dir,
              const char *extra)
{
  g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, CONFIGURED, -1);
  g_autofree char *text = g_strdup_printf ("[hub]\nname=auth-hub\nsubsystem=payments\n\n"
                                           "[token cfg-viewer]\nrole=viewer\nsecret-sha256=%s\n\n%s",
                                           digest, extra ? extra : "");
  char *path = g_build_filename (dir, "hubwatchd.conf", NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return path;
}

static HwTestHub *
start_hub_with_tokens (const char *config_extra,
                       char      **out_dir)
{
  char *dir = hw_test_mkdtemp ();
  g_autofree char *config = write_config (dir, config_extra);
  const char *args[] = {
    "--config", config,
    "--token", "viewer1:viewer:" VIEWER,
    "--token", "pub1:publisher:" PUBLISHER,
    "--token", "op1:operator:" OPERATOR,
    "--token", "adm1:admin:" ADMIN,
    NULL,
  };
  HwTestHub *hub = hw_test_hub_newv (NULL, args);

  *out_dir = dir;
  return hub;
}

static guint
status_of (HwTestHub  *hub,
           const char *method,
           const char *path,
           const char *token,
           const char *body,
           JsonNode  **out)
{
  return hw_test_hub_json (hub, method, path, token, body, out);
}

static void
test_unauthenticated (void)
{
  g_autofree char *dir = NULL;
  HwTestHub *hub = start_hub_with_tokens (NULL, &dir);
  g_autoptr(JsonNode) missing = NULL;
  g_autoptr(JsonNode) wrong = NULL;
  g_autoptr(JsonNode) info = NULL;
  g_autoptr(SoupMessage) msg = NULL;

  g_assert_cmpuint (status_of (hub, "GET", "/v1/events", "", NULL, &missing), ==, 401);
  hw_test_assert_error (missing, "unauthorized");
  g_assert_cmpuint (status_of (hub, "GET", "/v1/events", "not-a-token", NULL, &wrong), ==, 401);
  hw_test_assert_error (wrong, "unauthorized");
  g_assert_cmpuint (hw_test_hub_request (hub, "GET", "/v1/faults", "", NULL, NULL, 0, NULL, &msg), ==, 401);
  g_assert_nonnull (soup_message_headers_get_one (soup_message_get_response_headers (msg), "WWW-Authenticate"));

  /* Discovery needs no token, and says the hub is not open. */
  g_assert_cmpuint (status_of (hub, "GET", "/v1/info", "", NULL, &info), ==, 200);
  g_assert_false (json_object_get_boolean_member (json_node_get_object (info), "open_mode"));
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (info), "subsystem"), ==, "payments");

  hw_test_hub_free (hub);
  hw_test_rmdir (dir);
}

static void
test_roles (void)
{
  g_autofree char *dir = NULL;
  HwTestHub *hub = start_hub_with_tokens (NULL, &dir);
  g_autofree char *event = hw_test_event_json ("role-1", "role-test", 1714744800000);
  static const char deployment[] =
    "{\"kind\":\"deployment\",\"id\":\"role-dep\",\"service\":\"s\",\"version\":\"1\",\"commit_sha\":\"c\","
    "\"commit_time\":1,\"deploy_time\":2,\"result\":\"success\"}";
  /* Every mutating endpoint of the API. */
  static const struct { const char *method; const char *path; const char *body; } mutating[] = {
    { "POST", "/v1/events", "{}" },
    { "POST", "/v1/system-events", "{}" },
    { "PATCH", "/v1/system-events/some-event", "{}" },
    { "POST", "/v1/listeners", "{}" },
    { "DELETE", "/v1/listeners/some-listener", NULL },
    { "POST", "/v1/replays", "{}" },
    { "POST", "/v1/resubmissions", "{}" },
    { "POST", "/v1/jobs/some-job/cancel", NULL },
  };
  static const struct { const char *token; const char *method; const char *path; gboolean allowed; } matrix[] = {
    { PUBLISHER, "POST", "/v1/replays", FALSE },
    { PUBLISHER, "POST", "/v1/resubmissions", FALSE },
    { PUBLISHER, "POST", "/v1/listeners", FALSE },
    { PUBLISHER, "POST", "/v1/jobs/some-job/cancel", FALSE },
    { OPERATOR, "POST", "/v1/events", FALSE },
    { OPERATOR, "POST", "/v1/system-events", FALSE },
    { OPERATOR, "PATCH", "/v1/system-events/some-event", FALSE },
    { PUBLISHER, "PATCH", "/v1/system-events/some-event", TRUE },
    { OPERATOR, "POST", "/v1/replays", TRUE },
    { OPERATOR, "POST", "/v1/listeners", TRUE },
    { ADMIN, "POST", "/v1/replays", TRUE },
    { ADMIN, "POST", "/v1/events", TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (mutating); i++)
    {
      g_autoptr(JsonNode) answer = NULL;

      g_test_message ("viewer %s %s", mutating[i].method, mutating[i].path);
      g_assert_cmpuint (status_of (hub, mutating[i].method, mutating[i].path, VIEWER, mutating[i].body, &answer),
                        ==, 403);
      hw_test_assert_error (answer, "forbidden");
    }

  for (guint i = 0; i < G_N_ELEMENTS (matrix); i++)
    {
      g_autoptr(JsonNode) answer = NULL;
      guint status = status_of (hub, matrix[i].method, matrix[i].path, matrix[i].token, "{}", &answer);

      g_test_message ("matrix %u: %s %s → %u", i, matrix[i].method, matrix[i].path, status);
      if (matrix[i].allowed)
        g_assert_true (status != 403 && status != 401);
      else
        g_assert_cmpuint (status, ==, 403);
    }

  {
    g_autoptr(JsonNode) published = NULL;
    g_autoptr(JsonNode) system = NULL;
    g_autoptr(JsonNode) read = NULL;
    g_autoptr(JsonNode) configured = NULL;

    g_assert_cmpuint (status_of (hub, "POST", "/v1/events", PUBLISHER, event, &published), ==, 200);
    g_assert_cmpuint (status_of (hub, "POST", "/v1/system-events", PUBLISHER, deployment, &system), ==, 201);
    g_assert_cmpuint (status_of (hub, "GET", "/v1/events/role-1", VIEWER, NULL, &read), ==, 200);
    /* A token configured only by its SHA-256 works too. */
    g_assert_cmpuint (status_of (hub, "GET", "/v1/events/count", CONFIGURED, NULL, &configured), ==, 200);
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (configured), "count"), ==, 1);
  }
  {
    g_autoptr(GBytes) text = NULL;

    g_assert_cmpuint (hw_test_hub_request (hub, "GET", "/metrics", VIEWER, NULL, NULL, 0, &text, NULL), ==, 200);
  }

  hw_test_hub_free (hub);
  hw_test_rmdir (dir);
}

static gboolean
file_contains (const char *path,
               const char *needle)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return FALSE;
  /* SQLite files hold NUL bytes, so no str* search here. */
  for (gsize i = 0; i + strlen (needle) <= length; i++)
    if (memcmp (contents + i, needle, strlen (needle)) == 0)
      return TRUE;
  return FALSE;
}

static void
assert_tree_free_of (const char *dir,
                     const char *needle)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  g_assert_nonnull (handle);
  while ((name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        assert_tree_free_of (path, needle);
      else if (file_contains (path, needle))
        g_error ("%s contains a token secret", path);
    }
}

static void
test_tokens_never_stored_or_logged (void)
{
  g_autofree char *dir = NULL;
  HwTestHub *hub = start_hub_with_tokens (NULL, &dir);
  g_autofree char *event = hw_test_event_json ("secret-check", "secret-check", 1714744800000);
  g_autofree char *log = NULL;

  /* Exercise every token, failing and succeeding, so there is something to log. */
  for (guint i = 0; i < G_N_ELEMENTS (secrets); i++)
    {
      g_autoptr(JsonNode) a = NULL;
      g_autoptr(JsonNode) b = NULL;

      status_of (hub, "POST", "/v1/events", secrets[i], event, &a);
      status_of (hub, "POST", "/v1/replays", secrets[i], "{}", &b);
    }
  hw_test_hub_stop (hub);

  log = hw_test_hub_read_log (hub);
  for (guint i = 0; i < G_N_ELEMENTS (secrets); i++)
    {
      g_assert_null (strstr (log, secrets[i]));
      assert_tree_free_of (hub->data_dir, secrets[i]);
    }
  hw_test_hub_free (hub);
  hw_test_rmdir (dir);
}

static void
test_open_mode_only_on_loopback (void)
{
  g_autofree char *log = NULL;
  g_autofree char *plain_log = NULL;
  const char *open_args[] = { "--listen", "0.0.0.0:0", NULL };
  const char *plain_args[] = { "--listen", "0.0.0.0:0", "--token", "a:admin:" ADMIN, NULL };
  HwTestHub *refused = hw_test_hub_try_newv (NULL, open_args, &log);
  HwTestHub *plain = hw_test_hub_try_newv (NULL, plain_args, &plain_log);
  HwTestHub *open = hw_test_hub_newv (NULL, NULL);
  g_autoptr(JsonNode) info = NULL;
  g_autofree char *open_log = NULL;

  g_assert_null (refused);
  g_assert_nonnull (strstr (log, "open development mode"));
  g_assert_null (plain);
  g_assert_nonnull (strstr (plain_log, "plain HTTP"));

  g_assert_cmpuint (status_of (open, "GET", "/v1/events", "", NULL, &info), ==, 200);
  open_log = hw_test_hub_read_log (open);
  g_assert_nonnull (strstr (open_log, "open development mode"));
  hw_test_hub_free (open);
}

static void
test_rate_limit (void)
{
  g_autofree char *dir = NULL;
  HwTestHub *hub = start_hub_with_tokens ("[limits]\nrate=1\nburst=3\n", &dir);
  g_autoptr(SoupMessage) limited = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  guint ok = 0;

  for (guint i = 0; i < 10 && limited == NULL; i++)
    {
      g_autoptr(SoupMessage) msg = NULL;
      g_autoptr(GBytes) answer = NULL;
      guint status = hw_test_hub_request (hub, "GET", "/v1/events/count", VIEWER, NULL, NULL, 0, &answer, &msg);

      if (status == 429)
        {
          limited = g_steal_pointer (&msg);
          body = g_steal_pointer (&answer);
        }
      else
        {
          g_assert_cmpuint (status, ==, 200);
          ok++;
        }
    }
  g_assert_nonnull (limited);
  g_assert_cmpuint (ok, >=, 3);
  g_assert_cmpuint (ok, <, 10);
  g_assert_cmpint (g_ascii_strtoll (soup_message_headers_get_one (soup_message_get_response_headers (limited),
                                                                  "Retry-After"), NULL, 10), >=, 1);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), -1, NULL));
  hw_test_assert_error (json_parser_get_root (parser), "rate_limited");

  {
    /* Buckets are per token: another caller is unaffected. */
    g_autoptr(JsonNode) other = NULL;

    g_assert_cmpuint (status_of (hub, "GET", "/v1/events/count", ADMIN, NULL, &other), ==, 200);
  }
  hw_test_hub_free (hub);
  hw_test_rmdir (dir);
}

static void
test_request_size_limit (void)
{
  g_autofree char *dir = NULL;
  HwTestHub *hub = start_hub_with_tokens ("[limits]\nmax-request-bytes=4096\nmax-event-bytes=1024\n", &dir);
  g_autofree char *padding = g_strnfill (8000, 'z');
  g_autofree char *big_request = g_strdup_printf ("[{\"id\":\"big\",\"type\":\"t\",\"timestamp\":1,\"x\":\"%s\"}]", padding);
  g_autofree char *medium = g_strnfill (1500, 'm');
  g_autofree char *big_event = g_strdup_printf ("{\"id\":\"medium\",\"type\":\"t\",\"timestamp\":1,\"x\":\"%s\"}", medium);
  g_autofree char *small = hw_test_event_json ("small", "t", 1714744800000);
  g_autofree char *mixed = g_strdup_printf ("[%s,%s]", small, big_event);
  g_autoptr(JsonNode) too_big = NULL;
  g_autoptr(JsonNode) one_too_big = NULL;
  g_autoptr(JsonNode) partly = NULL;
  JsonObject *rejected;

  g_assert_cmpuint (status_of (hub, "POST", "/v1/events", PUBLISHER, big_request, &too_big), ==, 413);
  hw_test_assert_error (too_big, "too_large");
  g_assert_cmpuint (status_of (hub, "POST", "/v1/events", PUBLISHER, big_event, &one_too_big), ==, 413);
  hw_test_assert_error (one_too_big, "too_large");

  g_assert_cmpuint (status_of (hub, "POST", "/v1/events", PUBLISHER, mixed, &partly), ==, 200);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (partly), "accepted"), ==, 1);
  rejected = json_array_get_object_element (json_object_get_array_member (json_node_get_object (partly), "items"), 1);
  g_assert_cmpstr (json_object_get_string_member (rejected, "reason"), ==, "too_large");

  hw_test_hub_free (hub);
  hw_test_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hub/auth/unauthenticated", test_unauthenticated);
  g_test_add_func ("/hub/auth/roles", test_roles);
  g_test_add_func ("/hub/auth/tokens-hashed", test_tokens_never_stored_or_logged);
  g_test_add_func ("/hub/auth/open-mode-loopback-only", test_open_mode_only_on_loopback);
  g_test_add_func ("/hub/auth/rate-limit", test_rate_limit);
  g_test_add_func ("/hub/auth/request-size", test_request_size_limit);

  return g_test_run ();
}
