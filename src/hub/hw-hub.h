/* hw-hub.h: the hub object that owns the server, the stores, metrics and the stream
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <sqlite3.h>

G_BEGIN_DECLS

/* The event store is owned by the STORE helper (hw-event-store.h); a matching
 * typedef keeps this header independent of its include order. */
typedef struct _HwEventStore HwEventStore;

typedef struct _HwHubMetrics HwHubMetrics;

/* Roles are NOT a strict ladder: publisher and operator are both "viewer
 * plus something", and only admin includes everything. A route asks for a
 * minimum role; hw_role_allows() decides. HW_ROLE_NONE marks a route that
 * needs no token at all (e.g. GET /v1/info in any mode). */
typedef enum
{
  HW_ROLE_NONE = 0,
  HW_ROLE_VIEWER,
  HW_ROLE_PUBLISHER,
  HW_ROLE_OPERATOR,
  HW_ROLE_ADMIN,
} HwRole;

/* TRUE when a caller with @caller may use a route that requires @required:
 * NONE→everyone, VIEWER→any valid token, PUBLISHER→publisher|admin,
 * OPERATOR→operator|admin, ADMIN→admin. */
gboolean    hw_role_allows       (HwRole      caller,
                                  HwRole      required);
const char *hw_role_to_string    (HwRole      role);
/* Returns FALSE for an unknown name. */
gboolean    hw_role_from_string  (const char *name,
                                  HwRole     *out_role);

/* One HTTP request as a route handler sees it. Reference counted so an
 * asynchronous handler can keep it: call soup_server_message_pause (msg),
 * hw_hub_request_ref (), reply later on the main context, then
 * soup_server_message_unpause (msg) and hw_hub_request_unref (). */
typedef struct
{
  /*< private >*/
  gatomicrefcount     ref_count;

  /*< public >*/
  struct _HwHub      *hub;
  SoupServerMessage  *msg;
  const char         *method;
  const char         *path;
  GHashTable         *params;      /* path {params}: char* → char*, never NULL */
  GHashTable         *query;       /* query string: char* → char*, never NULL */
  GBytes             *body;        /* request body, never NULL (maybe empty) */
  const char         *content_type;/* media type without parameters, or NULL */
  char               *token_name;  /* NULL in open development mode */
  HwRole              role;        /* HW_ROLE_ADMIN in open development mode */
  /*< private >*/
  gboolean            unlimited;
} HwHubRequest;

HwHubRequest *hw_hub_request_ref        (HwHubRequest *request);
void          hw_hub_request_unref      (HwHubRequest *request);
const char   *hw_hub_request_get_param  (HwHubRequest *request,
                                         const char   *name);
const char   *hw_hub_request_get_query  (HwHubRequest *request,
                                         const char   *name);
const char   *hw_hub_request_get_header (HwHubRequest *request,
                                         const char   *name);
/* "token NAME" or "open-mode": what audits record as the actor. */
const char   *hw_hub_request_get_actor  (HwHubRequest *request);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwHubRequest, hw_hub_request_unref)

/* A handler must answer through hw-hub-http.h (or pause the message). */
typedef void (*HwHubRouteFunc) (HwHubRequest *request,
                                gpointer      user_data);

/* Where the lake lives (docs/jetstream.md). */
typedef enum
{
  HW_HUB_ENGINE_EMBEDDED,   /* DIR/lake.db */
  HW_HUB_ENGINE_JETSTREAM,  /* a stream on a NATS JetStream cluster */
} HwHubEngineKind;

/* Listen address, data dir and tokens: filled by hw-hubd.c from the command
 * line and the config file, consumed by hw_hub_new(). */
typedef struct
{
  char    *name;          /* hub name; defaults to the host name */
  char    *subsystem;     /* defaults to "default" */
  char    *listen_host;   /* "127.0.0.1" */
  guint16  listen_port;   /* 0 = any free port */
  char    *data_dir;
  char    *tls_cert_file; /* both set or both NULL */
  char    *tls_key_file;
  gboolean allow_plain_http;
  GKeyFile *keyfile;      /* the config file, or NULL; other parts read their groups */

  HwHubEngineKind engine;
  char   **nats_urls;     /* the cluster's servers, with the JetStream engine */
  int      nats_replicas; /* copies of each event; 0 = 3 */

  /* Limits. Zero means "use the default". */
  gsize    max_request_bytes;  /* default 32 MiB */
  gsize    max_event_bytes;    /* default 256 KiB */
  guint    max_depth;          /* default 64 */
  double   rate_per_second;    /* per token; default 200 requests/s */
  double   rate_burst;         /* default 400 */

  /* name → HwHubToken* (see hw-hub-auth.h). */
  GHashTable *tokens;
} HwHubConfig;

HwHubConfig *hw_hub_config_new  (void);
void         hw_hub_config_free (HwHubConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwHubConfig, hw_hub_config_free)

#define HW_TYPE_HUB (hw_hub_get_type ())
G_DECLARE_FINAL_TYPE (HwHub, hw_hub, HW, HUB, GObject)

/* Takes ownership of @config. Opens DIR/lake.db and DIR/hub.db (running the
 * migrations) and registers the built-in API routes; does not listen yet. */
HwHub              *hw_hub_new               (HwHubConfig    *config,
                                              GError        **error);
/* Binds and starts accepting connections. */
gboolean            hw_hub_start             (HwHub          *self,
                                              GError        **error);
/* Flushes metrics, closes WebSockets and stops listening. Idempotent. */
void                hw_hub_stop              (HwHub          *self);

const HwHubConfig  *hw_hub_get_config        (HwHub          *self);
/* "http://127.0.0.1:PORT" (https with TLS); valid after hw_hub_start(). */
const char         *hw_hub_get_base_url      (HwHub          *self);
SoupServer         *hw_hub_get_server        (HwHub          *self);
/* FALSE for a request that started after the hub began to stop: the
 * requests started before it finish within the stop's grace period. */
gboolean            hw_hub_admits            (HwHub             *self,
                                              SoupServerMessage *msg);
/* TRUE when no token is configured (loopback only). */
gboolean            hw_hub_is_open_mode      (HwHub          *self);

HwEventStore       *hw_hub_get_store         (HwHub          *self);

/* hub.db. The connection is opened with SQLITE_OPEN_FULLMUTEX so single
 * statements are safe from any thread; hold hw_hub_get_db_mutex() around
 * multi-statement transactions:
 *   g_autoptr(GMutexLocker) locker = g_mutex_locker_new (hw_hub_get_db_mutex (hub)); */
sqlite3            *hw_hub_get_db            (HwHub          *self);
GMutex             *hw_hub_get_db_mutex      (HwHub          *self);

HwHubMetrics       *hw_hub_metrics           (HwHub          *self);

/* Path patterns are literal segments and {name} segments; a route added
 * later with the same method and pattern replaces the earlier one. More
 * literal segments win over {params} (so /v1/events/count beats
 * /v1/events/{id}). Must be called on the main thread. */
void                hw_hub_add_route         (HwHub          *self,
                                              const char     *method,
                                              const char     *path_pattern,
                                              HwRole          min_role,
                                              HwHubRouteFunc  func,
                                              gpointer        user_data);

/* Pushes {"kind":KIND,"seq":…,"data":PAYLOAD} to every WebSocket client.
 * KIND is one of "event", "fault", "metric", "job", "system-event". Safe
 * from any thread (the send happens on the main context). Does not take
 * ownership of @payload. */
void                hw_hub_stream_publish    (HwHub          *self,
                                              const char     *kind,
                                              JsonNode       *payload);

/* Stores a system event {"kind":"audit","action":…,"actor":…,…details}
 * and pushes it to the stream. Safe from any thread. */
void                hw_hub_record_audit      (HwHub          *self,
                                              const char     *action,
                                              const char     *actor,
                                              JsonObject     *details);

/* Called by the events API after each committed publish; emits
 * "events-appended" (guint64 first_seq, guint64 last_seq) on the main
 * context. Also usable by the simulator or tests after a direct store insert. */
void                hw_hub_notify_appended   (HwHub          *self,
                                              guint64         first_seq,
                                              guint64         last_seq);

G_END_DECLS
