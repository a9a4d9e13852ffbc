/* hw-hub-replica.c: this hub as one replica among several on a JetStream cluster
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <unistd.h>

#include <string.h>

#include "hw-error.h"
#include "hw-event.h"
#include "hw-hub-replica.h"
#include "hw-json-guard.h"

#if HAVE_JETSTREAM
#include "hw-jetstream-kv.h"
#endif

#define DEFAULT_COPIES      3
#define CONNECT_TIMEOUT_MS  30000
#define REQUEST_TIMEOUT_MS  10000

struct _HwHubReplica
{
  char         *name;
  int           copies;
  HwJetStream  *js;
  struct _HwJetStreamKv *leases;
  GMainContext *main_context;
  GMainContext *worker_context;
  GMainLoop    *worker_loop;
  GThread      *worker;

  /* Worker only: this replica's presence in the leases bucket, so that
   * replicas can share listeners out evenly. */
  GSource      *presence;
  int           n_live;
};

#define PRESENCE_PREFIX "replica."

#if HAVE_JETSTREAM

static guint
count_present (HwHubReplica *self)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) keys = hw_jetstream_kv_keys (self->leases, &error);
  guint n = 0;

  if (keys == NULL)
    return 0;
  for (guint i = 0; keys[i] != NULL; i++)
    n += g_str_has_prefix (keys[i], PRESENCE_PREFIX);
  return n;
}

/* The key lapses with the bucket's TTL once a replica stops writing it. */
static gboolean
announce_presence (gpointer data)
{
  HwHubReplica *self = data;
  g_autofree char *key = g_strconcat (PRESENCE_PREFIX, self->name, NULL);
  g_autoptr(GBytes) value = g_bytes_new_static ("{}", 2);
  g_autoptr(GError) error = NULL;
  guint n;

  if (hw_jetstream_kv_put (self->leases, key, value, &error) == 0)
    g_debug ("replica: presence not written: %s", error->message);
  else if ((n = count_present (self)) > 0)
    self->n_live = n;
  return G_SOURCE_CONTINUE;
}

static gboolean
announce_presence_once (gpointer data)
{
  announce_presence (data);
  return G_SOURCE_REMOVE;
}

static gboolean
withdraw_presence (gpointer data)
{
  HwHubReplica *self = data;
  g_autofree char *key = g_strconcat (PRESENCE_PREFIX, self->name, NULL);

  g_source_destroy (self->presence);
  g_clear_pointer (&self->presence, g_source_unref);
  hw_jetstream_kv_delete (self->leases, key, NULL);
  return G_SOURCE_REMOVE;
}

#endif

static gpointer
run_worker (gpointer data)
{
  HwHubReplica *self = data;

  g_main_context_push_thread_default (self->worker_context);
  g_main_loop_run (self->worker_loop);
  /* What was queued before the stop still runs: final checkpoints,
   * releases. */
  while (g_main_context_iteration (self->worker_context, FALSE))
    ;
  g_main_context_pop_thread_default (self->worker_context);
  return NULL;
}

static char *
make_name (void)
{
  char *name = g_strdup_printf ("%s/%d", g_get_host_name (), (int) getpid ());

  /* Nothing in it needs escaping in JSON or a KV value. */
  return g_strcanon (name, G_CSET_A_2_Z G_CSET_a_2_z G_CSET_DIGITS "./-_", '_');
}

HwHubReplica *
hw_hub_replica_new (const HwHubConfig  *config,
                    GError            **error)
{
  HwJetStreamOptions options = {
    .urls = (const char * const *) config->nats_urls,
    .subsystem = config->subsystem,
    .replicas = config->nats_replicas > 0 ? config->nats_replicas : DEFAULT_COPIES,
    .timeout_ms = REQUEST_TIMEOUT_MS,
    .connect_timeout_ms = CONNECT_TIMEOUT_MS,
  };
  g_autoptr(GError) local_error = NULL;
  HwHubReplica *self;
  HwJetStream *js;

  g_return_val_if_fail (config->nats_urls != NULL && config->nats_urls[0] != NULL, NULL);

#if HAVE_JETSTREAM
  js = hw_jetstream_connect (&options, &local_error);
#else
  js = NULL;
  g_set_error (&local_error, HW_ERROR, HW_ERROR_FAILED, "this hubwatchd was built without JetStream support");
#endif
  if (js == NULL)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_UNAVAILABLE, "the JetStream cluster at %s: %s",
                   config->nats_urls[0], local_error->message);
      return NULL;
    }
  self = g_new0 (HwHubReplica, 1);
  self->name = make_name ();
  self->copies = options.replicas;
  self->js = js;
  if ((self->leases = hw_hub_replica_open_bucket (self, "LEASES", HW_REPLICA_LEASE_TTL_MS, error)) == NULL)
    {
#if HAVE_JETSTREAM
      hw_jetstream_free (js);
#endif
      g_free (self->name);
      g_free (self);
      return NULL;
    }
  self->main_context = g_main_context_ref_thread_default ();
  self->worker_context = g_main_context_new ();
  self->worker_loop = g_main_loop_new (self->worker_context, FALSE);
  self->n_live = 1;
  self->worker = g_thread_new ("hw-replica", run_worker, self);
#if HAVE_JETSTREAM
  self->presence = hw_hub_replica_add_ticker (self, announce_presence, self, NULL);
  hw_hub_replica_invoke (self, announce_presence_once, self, NULL);
#endif
  return self;
}

static gboolean
quit_worker (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
hw_hub_replica_free (HwHubReplica *self)
{
  if (self == NULL)
    return;
#if HAVE_JETSTREAM
  hw_hub_replica_run_sync (self, withdraw_presence, self);
#endif
  g_main_context_invoke (self->worker_context, quit_worker, self->worker_loop);
  g_thread_join (self->worker);
  g_main_loop_unref (self->worker_loop);
  g_main_context_unref (self->worker_context);
  g_main_context_unref (self->main_context);
#if HAVE_JETSTREAM
  hw_jetstream_kv_free (self->leases);
  hw_jetstream_free (self->js);
#endif
  g_free (self->name);
  g_free (self);
}

int
hw_hub_replica_count_live (HwHubReplica *self)
{
  return self->n_live;
}

const char *
hw_hub_replica_get_name (HwHubReplica *self)
{
  return self->name;
}

HwJetStream *
hw_hub_replica_get_jetstream (HwHubReplica *self)
{
  return self->js;
}

int
hw_hub_replica_get_copies (HwHubReplica *self)
{
  return self->copies;
}

struct _HwJetStreamKv *
hw_hub_replica_get_leases (HwHubReplica *self)
{
  return self->leases;
}

GMainContext *
hw_hub_replica_get_worker_context (HwHubReplica *self)
{
  return self->worker_context;
}

GMainContext *
hw_hub_replica_get_main_context (HwHubReplica *self)
{
  return self->main_context;
}

GSource *
hw_hub_replica_add_ticker (HwHubReplica   *self,
                           GSourceFunc     func,
                           gpointer        data,
                           GDestroyNotify  destroy)
{
  GSource *ticker = g_timeout_source_new (HW_REPLICA_TICK_MS);

  g_source_set_callback (ticker, func, data, destroy);
  g_source_attach (ticker, self->worker_context);
  return ticker;
}

void
hw_hub_replica_invoke (HwHubReplica   *self,
                       GSourceFunc     func,
                       gpointer        data,
                       GDestroyNotify  destroy)
{
  g_main_context_invoke_full (self->worker_context, G_PRIORITY_DEFAULT, func, data, destroy);
}

struct _HwJetStreamKv *
hw_hub_replica_open_bucket (HwHubReplica  *self,
                            const char    *name,
                            gint64         ttl_ms,
                            GError       **error)
{
#if HAVE_JETSTREAM
  g_autoptr(GError) local_error = NULL;
  HwJetStreamKv *kv = hw_jetstream_kv_open (self->js, name, self->copies, ttl_ms, &local_error);

  if (kv == NULL)
    g_set_error (error, HW_ERROR, HW_ERROR_UNAVAILABLE, "the bucket %s on the cluster: %s", name, local_error->message);
  return kv;
#else
  g_set_error (error, HW_ERROR, HW_ERROR_FAILED, "this hubwatchd was built without JetStream support");
  return NULL;
#endif
}

GBytes *
hw_hub_replica_record_to_bytes (JsonObject *record)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), record);
  char *text = json_to_string (node, FALSE);

  return g_bytes_new_take (text, strlen (text));
}

JsonObject *
hw_hub_replica_record_from_bytes (GBytes *value)
{
  gsize length = 0;
  const char *data = g_bytes_get_data (value, &length);
  g_autoptr(GError) error = NULL;
  /* No size limit beyond the cluster's own on a message: a resubmission's
   * record holds its faults. */
  g_autoptr(JsonNode) node = hw_json_guard_parse (data, length, G_MAXSIZE, hw_parse_limits_default ().max_depth,
                                                  "shared record", &error);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_object_ref (json_node_get_object (node));
}

typedef struct
{
  HwHubReplica  *replica;
  HwReplicaFunc  func;
  gpointer       data;
  GDestroyNotify data_free;
} Run;

static void
run_free (Run *run)
{
  if (run->data_free != NULL)
    run->data_free (run->data);
  g_free (run);
}

static gboolean
run_on_worker (gpointer user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  GError *error = NULL;
  gssize result = run->func (run->replica, run->data, &error);

  if (result < 0)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, result);
  return G_SOURCE_REMOVE;
}

void
hw_hub_replica_run_async (HwHubReplica        *self,
                          HwReplicaFunc        func,
                          gpointer             data,
                          GDestroyNotify       data_free,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  Run *run = g_new0 (Run, 1);

  g_task_set_source_tag (task, hw_hub_replica_run_async);
  run->replica = self;
  run->func = func;
  run->data = data;
  run->data_free = data_free;
  g_task_set_task_data (task, run, (GDestroyNotify) run_free);
  g_main_context_invoke_full (self->worker_context, G_PRIORITY_DEFAULT, run_on_worker, task, g_object_unref);
}

gssize
hw_hub_replica_run_finish (GAsyncResult  *result,
                           GError       **error)
{
  return g_task_propagate_int (G_TASK (result), error);
}

typedef struct
{
  GSourceFunc func;
  gpointer    data;
  GMutex      lock;
  GCond       done_cond;
  gboolean    done;
} SyncRun;

static gboolean
run_sync_on_worker (gpointer user_data)
{
  SyncRun *run = user_data;

  run->func (run->data);
  g_mutex_lock (&run->lock);
  run->done = TRUE;
  g_cond_signal (&run->done_cond);
  g_mutex_unlock (&run->lock);
  return G_SOURCE_REMOVE;
}

void
hw_hub_replica_run_sync (HwHubReplica *self,
                         GSourceFunc   func,
                         gpointer      data)
{
  SyncRun run = { func, data };

  g_mutex_init (&run.lock);
  g_cond_init (&run.done_cond);
  g_main_context_invoke (self->worker_context, run_sync_on_worker, &run);
  g_mutex_lock (&run.lock);
  while (!run.done)
    g_cond_wait (&run.done_cond, &run.lock);
  g_mutex_unlock (&run.lock);
  g_mutex_clear (&run.lock);
  g_cond_clear (&run.done_cond);
}
