/* hw-hub-pipeline.c: the route table and the checks every request passes
 * (route match, authentication, role, rate limit, body limits, metering)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-hub-auth.h"
#include "hw-hub-http.h"
#include "hw-hub-lake.h"
#include "hw-hub-metrics.h"
#include "hw-hub-pipeline.h"
#include "hw-hub-private.h"

/* What a route waits for, with the JetStream engine, before it runs. */
typedef gboolean (*CatchUpFunc) (HwHubLake *lake, GError **error);

typedef struct
{
  char           *method;
  char           *pattern;
  GStrv           segments;
  guint           n_literal;
  HwRole          min_role;
  HwHubRouteFunc  func;
  gpointer        user_data;
  gboolean        accept_ndjson;
  /* With the JetStream engine: what the route waits for this replica's
   * copy of a stream to catch up with; NULL when it reads neither. */
  CatchUpFunc     catch_up;
} Route;

struct _HwHubPipeline
{
  GPtrArray     *routes;   /* Route* */
  HwRateLimiter *limiter;
};

static GQuark started_quark;
static GQuark route_quark;

/* Routes ---------------------------------------------------------------- */

static void
route_free (Route *route)
{
  g_free (route->method);
  g_free (route->pattern);
  g_strfreev (route->segments);
  g_free (route);
}

void
hw_hub_add_route (HwHub          *self,
                  const char     *method,
                  const char     *path_pattern,
                  HwRole          min_role,
                  HwHubRouteFunc  func,
                  gpointer        user_data)
{
  GPtrArray *routes;
  Route *route;

  g_return_if_fail (HW_IS_HUB (self));
  g_return_if_fail (method != NULL);
  g_return_if_fail (path_pattern != NULL && path_pattern[0] == '/');
  g_return_if_fail (func != NULL);

  routes = hw_hub_get_pipeline (self)->routes;
  for (guint i = 0; i < routes->len; i++)
    {
      Route *old = g_ptr_array_index (routes, i);

      if (g_str_equal (old->method, method) && g_str_equal (old->pattern, path_pattern))
        {
          g_ptr_array_remove_index (routes, i);
          break;
        }
    }

  route = g_new0 (Route, 1);
  route->method = g_strdup (method);
  route->pattern = g_strdup (path_pattern);
  route->segments = g_strsplit (path_pattern + 1, "/", -1);
  for (guint i = 0; route->segments[i] != NULL; i++)
    if (route->segments[i][0] != '{')
      route->n_literal++;
  route->min_role = min_role;
  route->func = func;
  route->user_data = user_data;
  g_ptr_array_add (routes, route);
}

static Route *
route_lookup (HwHub      *hub,
              const char *method,
              const char *path_pattern)
{
  GPtrArray *routes = hw_hub_get_pipeline (hub)->routes;

  for (guint i = 0; i < routes->len; i++)
    {
      Route *route = g_ptr_array_index (routes, i);

      if (g_str_equal (route->method, method) && g_str_equal (route->pattern, path_pattern))
        return route;
    }
  g_return_val_if_reached (NULL);
}

void
hw_hub_route_accept_ndjson (HwHub      *hub,
                            const char *method,
                            const char *path_pattern)
{
  Route *route = route_lookup (hub, method, path_pattern);

  if (route != NULL)
    route->accept_ndjson = TRUE;
}

static void
route_set_catch_up (HwHub       *hub,
                    const char  *method,
                    const char  *path_pattern,
                    CatchUpFunc  catch_up)
{
  Route *route = route_lookup (hub, method, path_pattern);

  if (route != NULL)
    route->catch_up = catch_up;
}

void
hw_hub_route_reads_lake (HwHub      *hub,
                         const char *method,
                         const char *path_pattern)
{
  route_set_catch_up (hub, method, path_pattern, hw_hub_lake_catch_up);
}

void
hw_hub_route_reads_system_events (HwHub      *hub,
                                  const char *method,
                                  const char *path_pattern)
{
  route_set_catch_up (hub, method, path_pattern, hw_hub_lake_catch_up_system);
}

/* Matches @segments against @route; fills @params (decoded) on success. */
static gboolean
route_match (const Route  *route,
             char        **segments,
             GHashTable   *params)
{
  guint n = g_strv_length (segments);

  if (n != g_strv_length (route->segments))
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      const char *want = route->segments[i];

      if (want[0] == '{')
        {
          g_autofree char *value = g_uri_unescape_string (segments[i], NULL);

          if (value == NULL || value[0] == '\0')
            return FALSE;
          if (params != NULL)
            g_hash_table_insert (params, g_strndup (want + 1, strlen (want) - 2), g_steal_pointer (&value));
        }
      else if (!g_str_equal (want, segments[i]))
        return FALSE;
    }
  return TRUE;
}

/* The most literal matching route for @method; *@path_matched says whether
 * any method matched the path (405 versus 404). */
static Route *
find_route (HwHub       *self,
            const char  *method,
            const char  *path,
            GHashTable  *params,
            gboolean    *path_matched)
{
  GPtrArray *routes = hw_hub_get_pipeline (self)->routes;
  g_auto(GStrv) segments = g_strsplit (path + 1, "/", -1);
  Route *best = NULL;

  *path_matched = FALSE;
  for (guint i = 0; i < routes->len; i++)
    {
      Route *route = g_ptr_array_index (routes, i);

      if (!route_match (route, segments, NULL))
        continue;
      *path_matched = TRUE;
      if (!g_str_equal (route->method, method)
          && !(g_str_equal (method, "HEAD") && g_str_equal (route->method, "GET")))
        continue;
      if (best == NULL || route->n_literal > best->n_literal)
        best = route;
    }
  if (best != NULL)
    route_match (best, segments, params);
  return best;
}

/* The request pipeline ---------------------------------------------------- */

static const char *
bearer_secret (SoupServerMessage *msg)
{
  const char *header = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                     "Authorization");

  if (header == NULL || g_ascii_strncasecmp (header, "Bearer ", 7) != 0)
    return NULL;
  header += 7;
  while (*header == ' ')
    header++;
  return *header != '\0' ? header : NULL;
}

static char *
dup_media_type (SoupServerMessage *msg)
{
  const char *value = soup_message_headers_get_content_type (soup_server_message_get_request_headers (msg),
                                                             NULL);

  return value != NULL ? g_ascii_strdown (value, -1) : NULL;
}

static gboolean
method_has_body (const char *method)
{
  return g_str_equal (method, "POST") || g_str_equal (method, "PUT") || g_str_equal (method, "PATCH");
}

/* Authenticates; on failure answers 401 and returns FALSE. */
static gboolean
authenticate (HwHub             *self,
              SoupServerMessage *msg,
              Route             *route,
              HwHubRequest      *request)
{
  const char *secret;
  HwHubToken *token;

  if (hw_hub_is_open_mode (self))
    {
      request->role = HW_ROLE_ADMIN;
      return TRUE;
    }
  secret = bearer_secret (msg);
  if (secret == NULL)
    {
      if (route->min_role == HW_ROLE_NONE)
        return TRUE;
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "WWW-Authenticate", "Bearer realm=\"hubwatchd\"");
      hw_hub_reply_error (msg, SOUP_STATUS_UNAUTHORIZED, "unauthorized",
                          "missing bearer token: send 'Authorization: Bearer <token>'");
      return FALSE;
    }
  token = hw_hub_tokens_lookup (hw_hub_get_config (self)->tokens, secret);
  if (token == NULL)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "WWW-Authenticate", "Bearer realm=\"hubwatchd\", error=\"invalid_token\"");
      hw_hub_reply_error (msg, SOUP_STATUS_UNAUTHORIZED, "unauthorized", "unknown or revoked token");
      return FALSE;
    }
  request->token_name = g_strdup (token->name);
  request->role = token->role;
  request->unlimited = token->unlimited;
  return TRUE;
}

static gboolean
check_rate (HwHub             *self,
            SoupServerMessage *msg,
            HwHubRequest      *request)
{
  g_autofree char *key = NULL;
  guint retry_after = 1;
  char header[16];

  /* Development mode has no callers to tell apart; internal tokens are trusted. */
  if (hw_hub_is_open_mode (self) || request->unlimited)
    return TRUE;
  if (request->token_name != NULL)
    key = g_strconcat ("token:", request->token_name, NULL);
  else
    {
      GSocketAddress *address = soup_server_message_get_remote_address (msg);
      GInetAddress *inet = G_IS_INET_SOCKET_ADDRESS (address)
                           ? g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)) : NULL;

      key = inet != NULL ? g_inet_address_to_string (inet) : g_strdup ("unknown");
    }
  if (hw_rate_limiter_take (hw_hub_get_pipeline (self)->limiter, key, g_get_monotonic_time (), &retry_after))
    return TRUE;

  g_snprintf (header, sizeof header, "%u", retry_after);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", header);
  hw_hub_reply_error (msg, 429 /* Too Many Requests: not named in libsoup 3.2 */, "rate_limited",
                      "too many requests for this token; retry after %u s", retry_after);
  return FALSE;
}

static gboolean
check_body (HwHub             *self,
            SoupServerMessage *msg,
            Route             *route,
            HwHubRequest      *request)
{
  gsize max = hw_hub_get_config (self)->max_request_bytes;
  gsize size = g_bytes_get_size (request->body);
  const char *type = request->content_type;

  if (size > max)
    {
      hw_hub_reply_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "too_large",
                          "request body of %" G_GSIZE_FORMAT " bytes exceeds the limit of %"
                          G_GSIZE_FORMAT " bytes", size, max);
      return FALSE;
    }
  if (!method_has_body (request->method) || size == 0)
    return TRUE;
  if (type != NULL
      && (g_str_equal (type, "application/json")
          || (route->accept_ndjson && g_str_equal (type, "application/x-ndjson"))))
    return TRUE;

  hw_hub_reply_error (msg, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                      "Content-Type '%s' is not accepted here; use application/json%s",
                      type ? type : "(none)",
                      route->accept_ndjson ? " or application/x-ndjson" : "");
  return FALSE;
}

static HwHubRequest *
request_new (HwHub             *self,
             SoupServerMessage *msg,
             const char        *path,
             GHashTable        *query)
{
  HwHubRequest *request = g_new0 (HwHubRequest, 1);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);

  g_atomic_ref_count_init (&request->ref_count);
  request->hub = g_object_ref (self);
  request->msg = g_object_ref (msg);
  request->method = soup_server_message_get_method (msg);
  request->path = path;
  request->params = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  request->query = query != NULL
                   ? g_hash_table_ref (query)
                   : g_hash_table_new (g_str_hash, g_str_equal);
  request->body = body != NULL ? soup_message_body_flatten (body) : g_bytes_new (NULL, 0);
  request->role = HW_ROLE_NONE;
  return request;
}

/* A lake read with the JetStream engine ------------------------------------ */

/* What the route runs once the replica has caught up. A copy of the
 * route's function, not the route: a route added again replaces (frees)
 * the old one. */
typedef struct
{
  HwHubRequest   *request;
  HwHubLake      *lake;     /* held until the catch-up returns */
  CatchUpFunc     catch_up;
  HwHubRouteFunc  func;
  gpointer        user_data;
} LakeRead;

static void
lake_read_free (LakeRead *read)
{
  hw_hub_request_unref (read->request);
  g_free (read);
}

static void
catch_up_in_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  LakeRead *read = task_data;
  GError *error = NULL;
  gboolean caught_up = read->catch_up (read->lake, &error);

  hw_hub_lake_release (read->lake);
  if (caught_up)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
on_caught_up (GObject      *source_object,
              GAsyncResult *result,
              gpointer      user_data)
{
  LakeRead *read = g_task_get_task_data (G_TASK (result));
  SoupServerMessage *msg = read->request->msg;
  g_autoptr(GError) error = NULL;

  if (hw_hub_message_is_gone (msg))
    return;
  /* A stop first detaches the engine, whose routes' data (the jobs, the
   * listeners) is then gone: nothing runs a route after the stop began. */
  if (hw_hub_is_stopping (read->request->hub))
    hw_hub_reply_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "unavailable", "the hub is shutting down; retry");
  else if (g_task_propagate_boolean (G_TASK (result), &error))
    read->func (read->request, read->user_data);
  else
    hw_hub_reply_gerror (msg, error);
  hw_hub_message_resume (msg);
}

/* The wait asks the stream for its last sequence and may take seconds
 * while this replica catches up: never on the main context. */
static void
read_lake_after_catch_up (Route        *route,
                          HwHubRequest *request)
{
  HwHubLake *lake = hw_hub_get_lake (request->hub);
  g_autoptr(GTask) task = NULL;
  LakeRead *read;

  if (!hw_hub_lake_hold (lake))
    {
      hw_hub_reply_error (request->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "unavailable",
                          "the hub is shutting down; retry");
      return;
    }
  task = g_task_new (NULL, NULL, on_caught_up, NULL);
  read = g_new0 (LakeRead, 1);
  read->lake = lake;
  read->catch_up = route->catch_up;
  read->request = hw_hub_request_ref (request);
  read->func = route->func;
  read->user_data = route->user_data;
  g_task_set_task_data (task, read, (GDestroyNotify) lake_read_free);
  g_task_set_source_tag (task, read_lake_after_catch_up);
  hw_hub_message_pause (request->msg);
  g_task_run_in_thread (task, catch_up_in_thread);
}

static void
dispatch (SoupServer        *server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  HwHub *self = user_data;
  g_autoptr(HwHubRequest) request = NULL;
  g_autofree char *media_type = NULL;
  gboolean path_matched = FALSE;
  Route *route;

  /* got-headers may already have refused the body (413). */
  if (soup_server_message_get_status (msg) != 0)
    return;

  request = request_new (self, msg, path, query);
  route = find_route (self, request->method, path, request->params, &path_matched);
  if (route == NULL)
    {
      if (path_matched)
        hw_hub_reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed",
                            "%s is not allowed on %s", request->method, path);
      else
        hw_hub_reply_error (msg, SOUP_STATUS_NOT_FOUND, "not_found", "no such endpoint: %s", path);
      return;
    }
  g_object_set_qdata (G_OBJECT (msg), route_quark, route->pattern);

  if (!authenticate (self, msg, route, request))
    return;
  if (!hw_role_allows (request->role, route->min_role))
    {
      hw_hub_reply_error (msg, SOUP_STATUS_FORBIDDEN, "forbidden",
                          "%s %s needs the %s role; token '%s' has %s",
                          request->method, route->pattern, hw_role_to_string (route->min_role),
                          request->token_name ? request->token_name : "(none)",
                          hw_role_to_string (request->role));
      return;
    }
  if (!check_rate (self, msg, request))
    return;

  media_type = dup_media_type (msg);
  request->content_type = media_type;
  if (!check_body (self, msg, route, request))
    return;

  /* The request outlives this call on the lake's path, the media type
   * does not; the routes that catch up first do not look at it. */
  if (route->catch_up != NULL && hw_hub_get_lake (self) != NULL)
    {
      request->content_type = NULL;
      read_lake_after_catch_up (route, request);
      return;
    }
  route->func (request, route->user_data);
  request->content_type = NULL;
}

/* Refuses an announced oversize body before reading it. */
static void
on_got_headers (SoupServerMessage *msg,
                gpointer           user_data)
{
  HwHub *self = user_data;
  gsize max = hw_hub_get_config (self)->max_request_bytes;
  goffset length;

  length = soup_message_headers_get_content_length (soup_server_message_get_request_headers (msg));
  if (length > 0 && (guint64) length > max)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
      hw_hub_reply_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "too_large",
                          "request body of %" G_GOFFSET_FORMAT " bytes exceeds the limit of %"
                          G_GSIZE_FORMAT " bytes", length, max);
    }
}

static void
on_finished (SoupServerMessage *msg,
             gpointer           user_data)
{
  HwHubMetrics *metrics = hw_hub_metrics (user_data);
  gint64 *started = g_object_get_qdata (G_OBJECT (msg), started_quark);
  const char *route = g_object_get_qdata (G_OBJECT (msg), route_quark);
  guint status = soup_server_message_get_status (msg);
  char status_class[4] = { '0' + (char) (status / 100 % 10), 'x', 'x', '\0' };
  const char *method = soup_server_message_get_method (msg);
  double ms = started ? (g_get_monotonic_time () - *started) / 1000.0 : 0;

  if (route == NULL)
    route = "unmatched";
  hw_hub_metrics_counter_add (metrics, "api.request.count", 1,
                              "route", route, "method", method, "status", status_class, NULL);
  if (status >= 500)
    hw_hub_metrics_counter_add (metrics, "api.request.errors", 1,
                                "route", route, "method", method, NULL);
  hw_hub_metrics_observe (metrics, "api.request.duration", ms,
                          "route", route, "method", method, NULL);
}

static void
on_request_started (SoupServer        *server,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  gint64 *started = g_new (gint64, 1);

  *started = g_get_monotonic_time ();
  g_object_set_qdata_full (G_OBJECT (msg), started_quark, started, g_free);
  g_signal_connect_object (msg, "got-headers", G_CALLBACK (on_got_headers), user_data, 0);
  g_signal_connect_object (msg, "finished", G_CALLBACK (on_finished), user_data, 0);
}

/* Set-up ------------------------------------------------------------------ */

HwHubPipeline *
hw_hub_pipeline_new (double rate_per_second,
                     double rate_burst)
{
  HwHubPipeline *pipeline = g_new0 (HwHubPipeline, 1);

  if (started_quark == 0)
    {
      started_quark = g_quark_from_static_string ("hw-hub-started");
      route_quark = g_quark_from_static_string ("hw-hub-route");
    }
  pipeline->routes = g_ptr_array_new_with_free_func ((GDestroyNotify) route_free);
  pipeline->limiter = hw_rate_limiter_new (rate_per_second, rate_burst);
  return pipeline;
}

void
hw_hub_pipeline_free (HwHubPipeline *pipeline)
{
  if (pipeline == NULL)
    return;
  g_ptr_array_unref (pipeline->routes);
  hw_rate_limiter_free (pipeline->limiter);
  g_free (pipeline);
}

void
hw_hub_pipeline_watch_server (HwHub      *hub,
                              SoupServer *server)
{
  g_signal_connect_object (server, "request-started", G_CALLBACK (on_request_started), hub, 0);
}

void
hw_hub_pipeline_add_handler (HwHub      *hub,
                             SoupServer *server,
                             const char *path)
{
  soup_server_add_handler (server, path, dispatch, hub, NULL);
}
