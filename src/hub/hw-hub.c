/* hw-hub.c: the hub object: stores, server life cycle and cross-thread notifications
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-error.h"
#include "hw-event-store.h"
#include "hw-http-listen.h"
#include "hw-hub-db.h"
#include "hw-hub-http.h"
#include "hw-hub-ingest.h"
#include "hw-hub-lake.h"
#include "hw-hub-metrics.h"
#include "hw-hub-pipeline.h"
#include "hw-hub-private.h"
#include "hw-hub-stream.h"
#include "hw-hub.h"

struct _HwHub
{
  GObject         parent_instance;

  HwHubConfig    *config;
  GMainContext   *context;
  GThread        *thread;   /* the one that iterates context */
  SoupServer     *server;
  char           *base_url;
  gboolean        open_mode;
  gboolean        started;

  HwEventStore   *store;
  HwHubLake      *lake;     /* the JetStream engine's; NULL with the embedded one */
  sqlite3        *db;
  GMutex          db_mutex;
  HwHubMetrics   *metrics;
  HwHubStream    *stream;
  HwHubPipeline  *pipeline;
  HwHubIngest    *ingest;   /* while started */
  guint           tick_id;
  guint           requests_open;   /* started, not yet finished or aborted */
  gboolean        stopping;        /* requests started from now on are not admitted */
};

enum { EVENTS_APPENDED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (HwHub, hw_hub, G_TYPE_OBJECT)

/* At a stop, the requests already started (a publish still arriving, one
 * being committed, an answer not yet written) get this long to finish
 * before the connections close. */
#define STOP_GRACE_MS 10000

#define ADMITTED_KEY "hw-hub-admitted"
#define COUNTED_KEY "hw-hub-counted"

/* Object ------------------------------------------------------------------ */

/* The lake's mirror thread announces events with hw_hub_notify_appended(),
 * which takes a reference: it must be stopped while references can still
 * be taken, which is up to dispose, not finalize. */
static void
hw_hub_dispose (GObject *object)
{
  HwHub *self = HW_HUB (object);

  g_clear_pointer (&self->lake, hw_hub_lake_free);

  G_OBJECT_CLASS (hw_hub_parent_class)->dispose (object);
}

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
  g_clear_pointer (&self->pipeline, hw_hub_pipeline_free);
  g_clear_pointer (&self->config, hw_hub_config_free);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->base_url);

  G_OBJECT_CLASS (hw_hub_parent_class)->finalize (object);
}

static void
hw_hub_class_init (HwHubClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hw_hub_dispose;
  object_class->finalize = hw_hub_finalize;

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
  self->context = g_main_context_ref_thread_default ();
  self->thread = g_thread_self ();
}

static void
on_metrics_tick (JsonNode *tick,
                 gpointer  user_data)
{
  HwHub *self = user_data;

  if (self->stream != NULL)
    hw_hub_stream_broadcast (self->stream, "metric", -1, tick);
}

static HwEventStoreFlags
lake_store_flags (const HwHubConfig *config)
{
  /* With the JetStream engine lake.db is a copy of the stream: a damaged
   * one is moved aside and filled again, and a commit need not wait for
   * the disk. The embedded engine's is the only copy: never moved aside. */
  if (config->engine == HW_HUB_ENGINE_JETSTREAM)
    return HW_EVENT_STORE_WIDE_MAP;
  return HW_EVENT_STORE_DURABLE | HW_EVENT_STORE_NO_RECOVER | HW_EVENT_STORE_WIDE_MAP;
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
  self->store = hw_event_store_open (lake, lake_store_flags (self->config), error);
  if (self->store == NULL)
    return FALSE;
  self->db = hw_hub_db_open (hub, error);
  return self->db != NULL;
}

/* Saturation, beside the RED metrics: and the way a test knows a request
 * has reached the hub before it stops it. */
static void
set_requests_open (HwHub *self,
                   guint  n)
{
  self->requests_open = n;
  hw_hub_metrics_gauge_set (self->metrics, "http.requests_in_flight", n, NULL);
}

/* A request is open, and admitted unless a stop began, once its head has
 * arrived. libsoup starts a message on every connection as soon as one may
 * come: counted from there, an idle kept-alive connection (a console
 * between two polls) or one closed unused held every stop up for the
 * whole grace period, and was reported as a request left unanswered. */
static void
on_got_headers (SoupServerMessage *msg,
                gpointer           user_data)
{
  HwHub *self = HW_HUB (user_data);

  if (g_object_get_data (G_OBJECT (msg), COUNTED_KEY) != NULL)
    return;
  if (!self->stopping)
    g_object_set_data (G_OBJECT (msg), ADMITTED_KEY, GINT_TO_POINTER (TRUE));
  g_object_set_data (G_OBJECT (msg), COUNTED_KEY, GINT_TO_POINTER (TRUE));
  set_requests_open (self, self->requests_open + 1);
}

static void
on_request_started (SoupServer        *server,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  g_signal_connect_object (msg, "got-headers", G_CALLBACK (on_got_headers), user_data, 0);
}

static void
on_request_done (SoupServer        *server,
                 SoupServerMessage *msg,
                 gpointer           user_data)
{
  HwHub *self = HW_HUB (user_data);

  if (g_object_steal_data (G_OBJECT (msg), COUNTED_KEY) == NULL)
    return;
  set_requests_open (self, self->requests_open > 0 ? self->requests_open - 1 : 0);
}

static void
watch_open_requests (HwHub *self)
{
  g_signal_connect_object (self->server, "request-started", G_CALLBACK (on_request_started), self, 0);
  g_signal_connect_object (self->server, "request-finished", G_CALLBACK (on_request_done), self, 0);
  g_signal_connect_object (self->server, "request-aborted", G_CALLBACK (on_request_done), self, 0);
}

static gboolean
on_grace_over (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the hub's context until every open request has been answered and
 * written, or the grace period is over (a client that stopped reading
 * must not hold a stop up). */
static void
write_out_answers (HwHub *self)
{
  gboolean over = FALSE;
  g_autoptr(GSource) grace = NULL;

  /* Only a thread that may run the context can wait on it here. */
  if (self->requests_open == 0 || !g_main_context_acquire (self->context))
    return;
  grace = g_timeout_source_new (STOP_GRACE_MS);
  g_source_set_callback (grace, on_grace_over, &over, NULL);
  g_source_attach (grace, self->context);
  while (self->requests_open > 0 && !over)
    g_main_context_iteration (self->context, TRUE);
  if (!over)
    g_source_destroy (grace);
  g_main_context_release (self->context);
  if (self->requests_open > 0)
    g_warning ("stopping with %u requests unanswered after %d ms", self->requests_open, STOP_GRACE_MS);
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
  self->pipeline = hw_hub_pipeline_new (config->rate_per_second, config->rate_burst);

  if (!open_stores (self, error))
    return NULL;
  /* Before the lake: with the JetStream engine it shares the metrics. */
  self->metrics = hw_hub_metrics_new (self->store);
  if (config->engine == HW_HUB_ENGINE_JETSTREAM)
    {
      self->lake = hw_hub_lake_new_jetstream (self, self->store, (const char * const *) config->nats_urls,
                                              error);
      if (self->lake == NULL)
        return NULL;
    }

  self->server = soup_server_new ("server-header", "hubwatchd/" PACKAGE_VERSION " ", NULL);
  hw_hub_pipeline_watch_server (self, self->server);
  watch_open_requests (self);
  hw_hub_pipeline_add_handler (self, self->server, NULL);

  self->stream = hw_hub_stream_new (self);
  /* The WebSocket handler owns /v1/stream; this puts the pipeline (auth,
   * rate limit) in front of its handshake. */
  hw_hub_pipeline_add_handler (self, self->server, "/v1/stream");
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
  if (!hw_http_listen (self->server, address, tls ? SOUP_SERVER_LISTEN_HTTPS : 0, error))
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
  self->ingest = hw_hub_ingest_new (self);
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
  self->stopping = TRUE;
  g_clear_handle_id (&self->tick_id, g_source_remove);
  if (self->stream != NULL)
    hw_hub_stream_close_all (self->stream);
  /* First: the requests already started finish (a publish still arriving
   * is read, committed and answered) while their connections are open;
   * then the ingest drains whatever the grace period left. */
  write_out_answers (self);
  g_clear_pointer (&self->ingest, hw_hub_ingest_free);
  /* Before the lake: with the JetStream engine, freeing it publishes the
   * last buckets to the other replicas once more. */
  if (self->metrics != NULL)
    hw_hub_metrics_flush (self->metrics);
  g_clear_pointer (&self->lake, hw_hub_lake_free);
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
hw_hub_admits (HwHub             *self,
               SoupServerMessage *msg)
{
  g_return_val_if_fail (HW_IS_HUB (self), FALSE);
  g_return_val_if_fail (SOUP_IS_SERVER_MESSAGE (msg), FALSE);

  return !self->stopping || g_object_get_data (G_OBJECT (msg), ADMITTED_KEY) != NULL;
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

gboolean
hw_hub_is_stopping (HwHub *self)
{
  g_return_val_if_fail (HW_IS_HUB (self), TRUE);

  return self->stopping;
}

HwHubLake *
hw_hub_get_lake (HwHub *self)
{
  g_return_val_if_fail (HW_IS_HUB (self), NULL);

  return self->lake;
}

HwHubIngest *
hw_hub_get_ingest (HwHub *self)
{
  g_return_val_if_fail (HW_IS_HUB (self), NULL);
  return self->ingest;
}

HwHubPipeline *
hw_hub_get_pipeline (HwHub *hub)
{
  g_return_val_if_fail (HW_IS_HUB (hub), NULL);
  return hub->pipeline;
}

/* Cross-thread notifications ------------------------------------------------ */

/* Like g_main_context_invoke(), except that another thread never runs
 * @func itself: invoke does when the context has no owner, as at shutdown
 * after the main loop returned, while the ingest writer still commits. */
static void
run_on_main (HwHub       *self,
             GSourceFunc  func,
             gpointer     data)
{
  GSource *source;

  if (g_thread_self () == self->thread)
    {
      func (data);
      return;
    }
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, self->context);
  g_source_unref (source);
}

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
  run_on_main (self, emit_appended, appended);
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
  run_on_main (self, publish_on_main, publish);
}
