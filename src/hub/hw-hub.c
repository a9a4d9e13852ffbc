/* hw-hub.c: the hub object, its route table and the request pipeline
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-error.h"
#include "hw-event-store.h"
#include "hw-hub-auth.h"
#include "hw-hub-db.h"
#include "hw-hub-http.h"
#include "hw-hub-metrics.h"
#include "hw-hub-private.h"
#include "hw-hub-stream.h"
#include "hw-hub.h"


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
} Route;

struct _HwHub
{
  GObject         parent_instance;

  HwHubConfig    *config;
  GMainContext   *context;
  SoupServer     *server;
  char           *base_url;
  gboolean        open_mode;
  gboolean        started;

  HwEventStore   *store;
  sqlite3        *db;
  GMutex          db_mutex;
  HwHubMetrics   *metrics;
  HwHubStream    *stream;
  HwRateLimiter  *limiter;
  guint           tick_id;

  GPtrArray      *routes;   /* Route* */
};

enum { EVENTS_APPENDED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (HwHub, hw_hub, G_TYPE_OBJECT)

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
  Route *route;

  g_return_if_fail (HW_IS_HUB (self));
  g_return_if_fail (method != NULL);
  g_return_if_fail (path_pattern != NULL && path_pattern[0] == '/');
  g_return_if_fail (func != NULL);

  for (guint i = 0; i < self->routes->len; i++)
    {
      Route *old = g_ptr_array_index (self->routes, i);

      if (g_str_equal (old->method, method) && g_str_equal (old->pattern, path_pattern))
        {
          g_ptr_array_remove_index (self->routes, i);
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
  g_ptr_array_add (self->routes, route);
}

void
hw_hub_route_accept_ndjson (HwHub      *hub,
                            const char *method,
                            const char *path_pattern)
{
  for (guint i = 0; i < hub->routes->len; i++)
    {
      Route *route = g_ptr_array_index (hub->routes, i);

      if (g_str_equal (route->method, method) && g_str_equal (route->pattern, path_pattern))
        route->accept_ndjson = TRUE;
    }
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
  g_auto(GStrv) segments = g_strsplit (path + 1, "/", -1);
  Route *best = NULL;

  *path_matched = FALSE;
  for (guint i = 0; i < self->routes->len; i++)
    {
      Route *route = g_ptr_array_index (self->routes, i);

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

  if (self->open_mode)
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
  token = hw_hub_tokens_lookup (self->config->tokens, secret);
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
  if (self->open_mode || request->unlimited)
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
  if (hw_rate_limiter_take (self->limiter, key, g_get_monotonic_time (), &retry_after))
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
  gsize size = g_bytes_get_size (request->body);
  const char *type = request->content_type;

  if (size > self->config->max_request_bytes)
    {
      hw_hub_reply_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "too_large",
                          "request body of %" G_GSIZE_FORMAT " bytes exceeds the limit of %"
                          G_GSIZE_FORMAT " bytes", size, self->config->max_request_bytes);
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

  route->func (request, route->user_data);
  request->content_type = NULL;
}

/* Refuses an announced oversize body before reading it. */
static void
on_got_headers (SoupServerMessage *msg,
                gpointer           user_data)
{
  HwHub *self = user_data;
  goffset length;

  length = soup_message_headers_get_content_length (soup_server_message_get_request_headers (msg));
  if (length > 0 && (guint64) length > self->config->max_request_bytes)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
      hw_hub_reply_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "too_large",
                          "request body of %" G_GOFFSET_FORMAT " bytes exceeds the limit of %"
                          G_GSIZE_FORMAT " bytes", length, self->config->max_request_bytes);
    }
}

static void
on_finished (SoupServerMessage *msg,
             gpointer           user_data)
{
  HwHub *self = user_data;
  gint64 *started = g_object_get_qdata (G_OBJECT (msg), started_quark);
  const char *route = g_object_get_qdata (G_OBJECT (msg), route_quark);
  guint status = soup_server_message_get_status (msg);
  char status_class[4] = { '0' + (char) (status / 100 % 10), 'x', 'x', '\0' };
  const char *method = soup_server_message_get_method (msg);
  double ms = started ? (g_get_monotonic_time () - *started) / 1000.0 : 0;

  if (route == NULL)
    route = "unmatched";
  hw_hub_metrics_counter_add (self->metrics, "api.request.count", 1,
                              "route", route, "method", method, "status", status_class, NULL);
  if (status >= 500)
    hw_hub_metrics_counter_add (self->metrics, "api.request.errors", 1,
                                "route", route, "method", method, NULL);
  hw_hub_metrics_observe (self->metrics, "api.request.duration", ms,
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

/* Object ------------------------------------------------------------------ */

static void
hw_hub_finalize (GObject *object)
{
  HwHub *self = HW_HUB (object);

  hw_hub_stop (self);
  g_clear_pointer (&self->stream, hw_hub_stream_free);
  g_clear_pointer (&self->metrics, hw_hub_metrics_free);
  g_clear_object (&self->server);
  g_clear_object (&self->store);
  g_clear_pointer (&self->db, hw_hub_db_close);
  g_mutex_clear (&self->db_mutex);
  g_clear_pointer (&self->limiter, hw_rate_limiter_free);
  g_clear_pointer (&self->routes, g_ptr_array_unref);
  g_clear_pointer (&self->config, hw_hub_config_free);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->base_url);

  G_OBJECT_CLASS (hw_hub_parent_class)->finalize (object);
}

static void
hw_hub_class_init (HwHubClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = hw_hub_finalize;

  started_quark = g_quark_from_static_string ("hw-hub-started");
  route_quark = g_quark_from_static_string ("hw-hub-route");

  /* Emitted on the hub's main context after events were committed, so the
   * delivery engine and the stream wake up without polling. */
  signals[EVENTS_APPENDED] =
    g_signal_new ("events-appended", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT64, G_TYPE_UINT64);
}

static void
hw_hub_init (HwHub *self)
{
  g_mutex_init (&self->db_mutex);
  self->routes = g_ptr_array_new_with_free_func ((GDestroyNotify) route_free);
  self->context = g_main_context_ref_thread_default ();
}

static void
on_metrics_tick (JsonNode *tick,
                 gpointer  user_data)
{
  HwHub *self = user_data;

  if (self->stream != NULL)
    hw_hub_stream_broadcast (self->stream, "metric", -1, tick);
}

static gboolean
open_stores (HwHub   *self,
             GError **error)
{
  g_autofree char *lake = g_build_filename (self->config->data_dir, "lake.db", NULL);
  g_autofree char *hub = g_build_filename (self->config->data_dir, "hub.db", NULL);

  if (g_mkdir_with_parents (self->config->data_dir, 0700) != 0)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_IO, "cannot create data dir %s", self->config->data_dir);
      return FALSE;
    }
  self->store = hw_event_store_open (lake, HW_EVENT_STORE_DURABLE | HW_EVENT_STORE_NO_RECOVER, error);
  if (self->store == NULL)
    return FALSE;
  self->db = hw_hub_db_open (hub, error);
  return self->db != NULL;
}

HwHub *
hw_hub_new (HwHubConfig  *config,
            GError      **error)
{
  g_autoptr(HwHub) self = NULL;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (config->data_dir != NULL, NULL);

  self = g_object_new (HW_TYPE_HUB, NULL);
  self->config = config;
  hw_hub_config_apply_defaults (config);
  self->open_mode = g_hash_table_size (config->tokens) == 0;
  self->limiter = hw_rate_limiter_new (config->rate_per_second, config->rate_burst);

  if (!open_stores (self, error))
    return NULL;
  self->metrics = hw_hub_metrics_new (self->store);

  self->server = soup_server_new ("server-header", "hubwatchd/" PACKAGE_VERSION " ", NULL);
  g_signal_connect_object (self->server, "request-started", G_CALLBACK (on_request_started), self, 0);
  soup_server_add_handler (self->server, NULL, dispatch, self, NULL);

  self->stream = hw_hub_stream_new (self);
  /* The WebSocket handler owns /v1/stream; this puts the pipeline (auth,
   * rate limit) in front of its handshake. */
  soup_server_add_handler (self->server, "/v1/stream", dispatch, self, NULL);
  hw_hub_metrics_set_tick_func (self->metrics, on_metrics_tick, self);
  hw_hub_api_events_register (self);
  hw_hub_api_system_register (self);

  return g_steal_pointer (&self);
}

static gboolean
on_tick (gpointer user_data)
{
  HwHub *self = user_data;

  hw_hub_metrics_tick (self->metrics, hw_hub_now_ms ());
  return G_SOURCE_CONTINUE;
}

static gboolean
is_loopback (const char *host)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (host);

  if (address != NULL)
    return g_inet_address_get_is_loopback (address);
  return g_ascii_strcasecmp (host, "localhost") == 0;
}

static gboolean
setup_tls (HwHub   *self,
           GError **error)
{
  g_autoptr(GTlsCertificate) certificate = NULL;

  if (self->config->tls_cert_file == NULL)
    return TRUE;
  certificate = g_tls_certificate_new_from_files (self->config->tls_cert_file,
                                                  self->config->tls_key_file, error);
  if (certificate == NULL)
    {
      g_prefix_error (error, "TLS certificate: ");
      return FALSE;
    }
  g_object_set (self->server, "tls-certificate", certificate, NULL);
  return TRUE;
}

gboolean
hw_hub_start (HwHub   *self,
              GError **error)
{
  const HwHubConfig *config;
  gboolean loopback;
  gboolean tls;
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  GSList *uris;

  g_return_val_if_fail (HW_IS_HUB (self), FALSE);
  config = self->config;
  loopback = is_loopback (config->listen_host);
  tls = config->tls_cert_file != NULL;

  if (self->open_mode && !loopback)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_FORBIDDEN,
                   "refusing to listen on %s without tokens: open development mode is only "
                   "allowed on a loopback address; configure a token", config->listen_host);
      return FALSE;
    }
  if (!tls && !loopback && !config->allow_plain_http)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_FORBIDDEN,
                   "refusing plain HTTP on %s: give --tls-cert/--tls-key or --allow-plain-http",
                   config->listen_host);
      return FALSE;
    }
  if (!setup_tls (self, error))
    return FALSE;

  if (g_ascii_strcasecmp (config->listen_host, "localhost") == 0)
    inet = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  else
    inet = g_inet_address_new_from_string (config->listen_host);
  if (inet == NULL)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_FAILED, "--listen: '%s' is not an IP address", config->listen_host);
      return FALSE;
    }
  address = g_inet_socket_address_new (inet, config->listen_port);
  if (!soup_server_listen (self->server, address, tls ? SOUP_SERVER_LISTEN_HTTPS : 0, error))
    return FALSE;

  uris = soup_server_get_uris (self->server);
  if (uris != NULL)
    {
      GUri *uri = uris->data;
      g_autofree char *host = g_inet_address_to_string (inet);
      gboolean v6 = g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6;

      self->base_url = g_strdup_printf ("%s://%s%s%s:%d", tls ? "https" : "http",
                                        v6 ? "[" : "", host, v6 ? "]" : "", g_uri_get_port (uri));
    }
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  if (self->open_mode)
    g_warning ("no tokens configured: open development mode, every request is allowed (loopback only)");
  self->tick_id = g_timeout_add_seconds (1, on_tick, self);
  self->started = TRUE;
  return TRUE;
}

void
hw_hub_stop (HwHub *self)
{
  g_return_if_fail (HW_IS_HUB (self));

  if (!self->started)
    return;
  self->started = FALSE;
  g_clear_handle_id (&self->tick_id, g_source_remove);
  if (self->stream != NULL)
    hw_hub_stream_close_all (self->stream);
  if (self->metrics != NULL)
    hw_hub_metrics_flush (self->metrics);
  soup_server_disconnect (self->server);
}

const HwHubConfig *
hw_hub_get_config (HwHub *self)
{
  g_return_val_if_fail (HW_IS_HUB (self), NULL);
  return self->config;
}

const char *
hw_hub_get_base_url (HwHub *self)
{
  g_return_val_if_fail (HW_IS_HUB (self), NULL);
  return self->base_url;
}

SoupServer *
hw_hub_get_server (HwHub *self)
{
  g_return_val_if_fail (HW_IS_HUB (self), NULL);
  return self->server;
}

gboolean
hw_hub_is_open_mode (HwHub *self)
{
  g_return_val_if_fail (HW_IS_HUB (self), FALSE);
  return self->open_mode;
}

HwEventStore *
hw_hub_get_store (HwHub *self)
{
  g_return_val_if_fail (HW_IS_HUB (self), NULL);
  return self->store;
}

sqlite3 *
hw_hub_get_db (HwHub *self)
{
  g_return_val_if_fail (HW_IS_HUB (self), NULL);
  return self->db;
}

GMutex *
hw_hub_get_db_mutex (HwHub *self)
{
  g_return_val_if_fail (HW_IS_HUB (self), NULL);
  return &self->db_mutex;
}

HwHubMetrics *
hw_hub_metrics (HwHub *self)
{
  g_return_val_if_fail (HW_IS_HUB (self), NULL);
  return self->metrics;
}

/* Cross-thread notifications ------------------------------------------------ */

typedef struct
{
  HwHub   *hub;
  guint64  first;
  guint64  last;
} Appended;

static gboolean
emit_appended (gpointer user_data)
{
  Appended *appended = user_data;

  g_signal_emit (appended->hub, signals[EVENTS_APPENDED], 0, appended->first, appended->last);
  if (appended->hub->stream != NULL)
    hw_hub_stream_events_appended (appended->hub->stream);
  g_object_unref (appended->hub);
  g_free (appended);
  return G_SOURCE_REMOVE;
}

void
hw_hub_notify_appended (HwHub   *self,
                        guint64  first_seq,
                        guint64  last_seq)
{
  Appended *appended;

  g_return_if_fail (HW_IS_HUB (self));

  appended = g_new0 (Appended, 1);
  appended->hub = g_object_ref (self);
  appended->first = first_seq;
  appended->last = last_seq;
  g_main_context_invoke (self->context, emit_appended, appended);
}

typedef struct
{
  HwHub    *hub;
  char     *kind;
  JsonNode *payload;
} Publish;

static gboolean
publish_on_main (gpointer user_data)
{
  Publish *publish = user_data;

  if (publish->hub->stream != NULL)
    hw_hub_stream_broadcast (publish->hub->stream, publish->kind, -1, publish->payload);
  g_object_unref (publish->hub);
  g_free (publish->kind);
  json_node_unref (publish->payload);
  g_free (publish);
  return G_SOURCE_REMOVE;
}

void
hw_hub_stream_publish (HwHub      *self,
                       const char *kind,
                       JsonNode   *payload)
{
  Publish *publish;

  g_return_if_fail (HW_IS_HUB (self));
  g_return_if_fail (kind != NULL);
  g_return_if_fail (payload != NULL);

  publish = g_new0 (Publish, 1);
  publish->hub = g_object_ref (self);
  publish->kind = g_strdup (kind);
  /* A deep copy: the caller may keep changing its node on another thread. */
  publish->payload = json_node_copy (payload);
  g_main_context_invoke (self->context, publish_on_main, publish);
}
