/* hw-hub-sync.c: the per-hub sync state machine: catch up, follow the stream, back off
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-background.h"
#include "hw-error.h"
#include "hw-hub-subscription.h"
#include "hw-hub-sync-private.h"

#define DEFAULT_BACKOFF_MIN_MS    1000
#define DEFAULT_BACKOFF_MAX_MS    60000
#define DEFAULT_POLL_INTERVAL_MS  10000
#define DEFAULT_PAGE_SIZE         1000

G_DEFINE_FINAL_TYPE (HwHubSync, hw_hub_sync, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (HwHubSyncState, hw_hub_sync_state,
  G_DEFINE_ENUM_VALUE (HW_HUB_SYNC_STATE_OFFLINE, "offline"),
  G_DEFINE_ENUM_VALUE (HW_HUB_SYNC_STATE_SYNCING, "syncing"),
  G_DEFINE_ENUM_VALUE (HW_HUB_SYNC_STATE_ONLINE, "online"),
  G_DEFINE_ENUM_VALUE (HW_HUB_SYNC_STATE_AUTH_FAILED, "auth-failed"),
  G_DEFINE_ENUM_VALUE (HW_HUB_SYNC_STATE_UNTRUSTED, "untrusted"))

G_DEFINE_FLAGS_TYPE (HwHubSyncChanges, hw_hub_sync_changes,
  G_DEFINE_ENUM_VALUE (HW_HUB_SYNC_CHANGED_EVENTS, "events"),
  G_DEFINE_ENUM_VALUE (HW_HUB_SYNC_CHANGED_FAULTS, "faults"),
  G_DEFINE_ENUM_VALUE (HW_HUB_SYNC_CHANGED_SYSTEM_EVENTS, "system-events"),
  G_DEFINE_ENUM_VALUE (HW_HUB_SYNC_CHANGED_METRICS, "metrics"),
  G_DEFINE_ENUM_VALUE (HW_HUB_SYNC_CHANGED_LISTENERS, "listeners"),
  G_DEFINE_ENUM_VALUE (HW_HUB_SYNC_CHANGED_JOBS, "jobs"),
  G_DEFINE_ENUM_VALUE (HW_HUB_SYNC_CHANGED_INFO, "info"))

enum {
  PROP_0,
  PROP_CLIENT,
  PROP_CACHE_PATH,
  PROP_STORE,
  PROP_STATE,
  PROP_LAST_SYNC,
  PROP_AS_OF,
  PROP_OFFLINE_SINCE,
  PROP_LAST_ERROR,
  PROP_CURSOR,
  PROP_CACHE_WRITABLE,
  N_PROPS
};

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void connect_now (HwHubSync *self);

const char *
hw_hub_sync_state_to_string (HwHubSyncState state)
{
  switch (state)
    {
    case HW_HUB_SYNC_STATE_OFFLINE: return "offline";
    case HW_HUB_SYNC_STATE_SYNCING: return "syncing";
    case HW_HUB_SYNC_STATE_ONLINE: return "online";
    case HW_HUB_SYNC_STATE_AUTH_FAILED: return "auth-failed";
    case HW_HUB_SYNC_STATE_UNTRUSTED: return "untrusted";
    default: return "offline";
    }
}

/* ---- state ---------------------------------------------------------------- */

static void
set_state (HwHubSync      *self,
           HwHubSyncState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

void
hw_hub_sync_set_last_error (HwHubSync  *self,
                            const char *message)
{
  if (g_strcmp0 (self->last_error, message) == 0)
    return;
  g_free (self->last_error);
  self->last_error = g_strdup (message);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_ERROR]);
}

void
hw_hub_sync_set_cache_writable (HwHubSync *self,
                                gboolean   writable)
{
  if (self->cache_writable == writable)
    return;
  self->cache_writable = writable;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CACHE_WRITABLE]);
}

static void
set_time_prop (HwHubSync *self,
               gint64    *field,
               gint64     value,
               guint      prop)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

void
hw_hub_sync_emit_changed (HwHubSync        *self,
                          HwHubSyncChanges  what)
{
  if (what != 0)
    g_signal_emit (self, signals[SIGNAL_CHANGED], 0, what);
}

static gint64
now_ms (void)
{
  return g_get_real_time () / 1000;
}

/* ---- failures and backoff ------------------------------------------------ */

gboolean
hw_hub_sync_is_connection_error (const GError *error)
{
  return error->domain == G_TLS_ERROR
         || g_error_matches (error, HW_ERROR, HW_ERROR_UNAVAILABLE)
         || g_error_matches (error, HW_ERROR, HW_ERROR_UNAUTHORIZED)
         || g_error_matches (error, HW_ERROR, HW_ERROR_FORBIDDEN);
}

static gboolean
on_retry (gpointer user_data)
{
  HwHubSync *self = user_data;

  self->retry_source = 0;
  connect_now (self);
  return G_SOURCE_REMOVE;
}

guint
hw_hub_sync_backoff_ms (HwHubSync *self,
                        guint      attempt)
{
  guint64 delay = self->backoff_min_ms;

  for (guint i = 0; i < attempt && delay < self->backoff_max_ms; i++)
    delay *= 2;
  delay = MIN (delay, self->backoff_max_ms);
  /* ±20% jitter, so many consoles do not reconnect to a restarted hub in lockstep. */
  return (guint) (delay * g_random_double_range (0.8, 1.2));
}

static void
teardown_connection (HwHubSync *self)
{
  self->generation++;
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->stream != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->stream, self);
      hw_hub_subscription_close (self->stream);
      g_clear_object (&self->stream);
    }
  g_clear_handle_id (&self->poll_source, g_source_remove);
  g_clear_handle_id (&self->retry_source, g_source_remove);
  /* A new connection probes the cache at once with its first page. */
  g_clear_handle_id (&self->cache_retry_source, g_source_remove);
  g_clear_handle_id (&self->deadline_source, g_source_remove);
  self->pulling = FALSE;
  self->pull_again = FALSE;
  self->caught_up_once = FALSE;
}

void
hw_hub_sync_handle_failure (HwHubSync    *self,
                            const GError *error)
{
  HwHubSyncState state = HW_HUB_SYNC_STATE_OFFLINE;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || !self->started)
    return;

  if (g_error_matches (error, HW_ERROR, HW_ERROR_UNAUTHORIZED)
      || g_error_matches (error, HW_ERROR, HW_ERROR_FORBIDDEN))
    state = HW_HUB_SYNC_STATE_AUTH_FAILED;
  else if (error->domain == G_TLS_ERROR)
    state = HW_HUB_SYNC_STATE_UNTRUSTED;

  g_debug ("Sync with %s failed: %s", hw_hub_client_get_base_url (self->client), error->message);
  teardown_connection (self);
  hw_hub_sync_set_last_error (self, error->message);
  if (self->offline_since_ms == 0)
    set_time_prop (self, &self->offline_since_ms, now_ms (), PROP_OFFLINE_SINCE);
  set_state (self, state);

  /* A wrong token or an untrusted certificate does not fix itself: wait
   * for hw_hub_sync_retry_now() instead of hammering the hub. */
  if (state != HW_HUB_SYNC_STATE_OFFLINE)
    return;
  self->retry_source = g_timeout_add (hw_hub_sync_backoff_ms (self, self->attempt), on_retry, self);
  self->attempt++;
}

/* ---- caught up ------------------------------------------------------------ */

void
hw_hub_sync_advance_cursor (HwHubSync *self,
                            guint64    seq)
{
  if (seq <= self->cursor)
    return;
  self->cursor = seq;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CURSOR]);
}

void
hw_hub_sync_caught_up (HwHubSync *self)
{
  gint64 now = now_ms ();
  HwSyncWrite *job;

  self->attempt = 0;
  set_time_prop (self, &self->last_sync_ms, now, PROP_LAST_SYNC);
  set_time_prop (self, &self->as_of_ms, now + self->clock_offset_ms, PROP_AS_OF);
  set_state (self, HW_HUB_SYNC_STATE_ONLINE);

  job = hw_sync_write_new (self);
  hw_sync_write_put (job, HW_SYNC_CURSOR_LAST_SYNC, g_strdup_printf ("%" G_GINT64_FORMAT, self->last_sync_ms));
  hw_sync_write_put (job, HW_SYNC_CURSOR_AS_OF, g_strdup_printf ("%" G_GINT64_FORMAT, self->as_of_ms));
  hw_sync_write_run (self, job, 0, NULL, NULL);

  if (self->caught_up_once)
    return;
  self->caught_up_once = TRUE;
  hw_hub_sync_follow (self);
}

/* ---- connecting ------------------------------------------------------------ */

static void
on_info (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(HwSyncCtx) ctx = user_data;
  HwHubSync *self = ctx->self;
  g_autoptr(GError) error = NULL;
  HwHubInfo *info;

  info = hw_hub_client_get_info_finish (HW_HUB_CLIENT (source), result, &error);
  if (!hw_sync_ctx_current (ctx))
    {
      g_clear_pointer (&info, hw_hub_info_free);
      return;
    }
  hw_hub_sync_disarm_deadline (self);
  if (info == NULL)
    {
      hw_hub_sync_handle_failure (self, error);
      return;
    }

  g_clear_pointer (&self->info, hw_hub_info_free);
  self->info = info;
  self->clock_offset_ms = info->server_time_ms > 0 ? info->server_time_ms - now_ms () : 0;
  set_time_prop (self, &self->offline_since_ms, 0, PROP_OFFLINE_SINCE);
  /* Reachable again, but a full disk is still news until a write lands. */
  hw_hub_sync_set_last_error (self, hw_hub_sync_get_cache_error (self));
  set_state (self, HW_HUB_SYNC_STATE_SYNCING);
  hw_hub_sync_write_snapshots (self, HW_HUB_SYNC_CHANGED_INFO);
  hw_hub_sync_pull (self);
}

static void
connect_now (HwHubSync *self)
{
  if (!self->started || self->store == NULL)
    return;
  teardown_connection (self);
  self->cancellable = g_cancellable_new ();
  hw_hub_sync_arm_deadline (self);
  hw_hub_client_get_info_async (self->client, self->cancellable, on_info,
                                hw_sync_ctx_new (self, NULL, NULL));
}

static void
on_network_changed (GNetworkMonitor *monitor,
                    gboolean         available,
                    gpointer         user_data)
{
  HwHubSync *self = user_data;

  if (available && self->state == HW_HUB_SYNC_STATE_OFFLINE)
    hw_hub_sync_retry_now (self);
}

/* ---- opening the cache ---------------------------------------------------- */

static void
open_in_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  HwHubSync *self = source_object;
  g_autoptr(HwEventStore) store = NULL;
  HwHubSyncSaved *saved;
  GError *error = NULL;

  /* Only this thread touches self->store until the task returns. */
  store = self->store != NULL ? g_object_ref (self->store) : hw_hub_sync_cache_open (self->cache_path, &error);
  if (store == NULL || (saved = hw_hub_sync_cache_load (store, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_object_set_data_full (G_OBJECT (task), "store", g_steal_pointer (&store), g_object_unref);
  g_task_return_pointer (task, saved, (GDestroyNotify) hw_hub_sync_saved_free);
}

static void
on_opened (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  HwHubSync *self = HW_HUB_SYNC (source);
  g_autoptr(GError) error = NULL;
  HwHubSyncSaved *saved;

  self->opening = FALSE;
  saved = g_task_propagate_pointer (G_TASK (result), &error);
  if (saved == NULL)
    {
      /* A cache that cannot even be created on a full disk is retried too. */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE)
          || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_READ_ONLY))
        hw_hub_sync_cache_write_failed (self, self->cache_path, error);
      else
        hw_hub_sync_set_last_error (self, error->message);
      return;
    }
  if (self->store == NULL)
    {
      self->store = g_object_ref (g_object_get_data (G_OBJECT (result), "store"));
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORE]);
    }

  self->cursor = saved->cursor;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CURSOR]);
  set_time_prop (self, &self->last_sync_ms, saved->last_sync_ms, PROP_LAST_SYNC);
  set_time_prop (self, &self->as_of_ms, saved->as_of_ms, PROP_AS_OF);
  self->system_events_after = saved->system_events_after;
  if (self->info == NULL)
    self->info = g_steal_pointer (&saved->info);
  g_clear_pointer (&self->listeners, g_ptr_array_unref);
  self->listeners = g_steal_pointer (&saved->listeners);
  g_clear_pointer (&self->jobs, g_ptr_array_unref);
  self->jobs = g_steal_pointer (&saved->jobs);
  hw_hub_sync_saved_free (saved);
  g_free (self->listeners_json);
  self->listeners_json = hw_hub_sync_listeners_to_json (self->listeners);
  g_free (self->jobs_json);
  self->jobs_json = hw_hub_sync_jobs_to_json (self->jobs);

  /* Pages can draw the cache before the hub answers (or if it never does). */
  hw_hub_sync_emit_changed (self, HW_HUB_SYNC_CHANGED_LISTENERS | HW_HUB_SYNC_CHANGED_JOBS
                                  | HW_HUB_SYNC_CHANGED_INFO);
  connect_now (self);
}

/* ---- GObject ---------------------------------------------------------------- */

static void
hw_hub_sync_dispose (GObject *object)
{
  HwHubSync *self = HW_HUB_SYNC (object);

  hw_hub_sync_stop (self);
  if (self->monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
  g_clear_object (&self->monitor);

  G_OBJECT_CLASS (hw_hub_sync_parent_class)->dispose (object);
}

static void
hw_hub_sync_finalize (GObject *object)
{
  HwHubSync *self = HW_HUB_SYNC (object);

  g_clear_object (&self->client);
  g_clear_object (&self->store);
  g_free (self->cache_path);
  g_free (self->last_error);
  g_clear_pointer (&self->info, hw_hub_info_free);
  g_clear_pointer (&self->listeners, g_ptr_array_unref);
  g_clear_pointer (&self->jobs, g_ptr_array_unref);
  g_free (self->listeners_json);
  g_free (self->jobs_json);
  g_hash_table_unref (self->metric_requests);

  G_OBJECT_CLASS (hw_hub_sync_parent_class)->finalize (object);
}

static void
hw_hub_sync_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  HwHubSync *self = HW_HUB_SYNC (object);

  switch (prop_id)
    {
    case PROP_CLIENT: g_value_set_object (value, self->client); break;
    case PROP_CACHE_PATH: g_value_set_string (value, self->cache_path); break;
    case PROP_STORE: g_value_set_object (value, self->store); break;
    case PROP_STATE: g_value_set_enum (value, self->state); break;
    case PROP_LAST_SYNC: g_value_set_int64 (value, self->last_sync_ms); break;
    case PROP_AS_OF: g_value_set_int64 (value, self->as_of_ms); break;
    case PROP_OFFLINE_SINCE: g_value_set_int64 (value, self->offline_since_ms); break;
    case PROP_LAST_ERROR: g_value_set_string (value, self->last_error); break;
    case PROP_CURSOR: g_value_set_uint64 (value, self->cursor); break;
    case PROP_CACHE_WRITABLE: g_value_set_boolean (value, self->cache_writable); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hw_hub_sync_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  HwHubSync *self = HW_HUB_SYNC (object);

  switch (prop_id)
    {
    case PROP_CLIENT: self->client = g_value_dup_object (value); break;
    case PROP_CACHE_PATH: self->cache_path = g_value_dup_string (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hw_hub_sync_class_init (HwHubSyncClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = hw_hub_sync_dispose;
  object_class->finalize = hw_hub_sync_finalize;
  object_class->get_property = hw_hub_sync_get_property;
  object_class->set_property = hw_hub_sync_set_property;

  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL, HW_TYPE_HUB_CLIENT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CACHE_PATH] =
    g_param_spec_string ("cache-path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STORE] = g_param_spec_object ("store", NULL, NULL, HW_TYPE_EVENT_STORE, ro);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, HW_TYPE_HUB_SYNC_STATE, HW_HUB_SYNC_STATE_OFFLINE, ro);
  properties[PROP_LAST_SYNC] = g_param_spec_int64 ("last-sync", NULL, NULL, 0, G_MAXINT64, 0, ro);
  properties[PROP_AS_OF] = g_param_spec_int64 ("as-of", NULL, NULL, G_MININT64, G_MAXINT64, 0, ro);
  properties[PROP_OFFLINE_SINCE] = g_param_spec_int64 ("offline-since", NULL, NULL, 0, G_MAXINT64, 0, ro);
  properties[PROP_LAST_ERROR] = g_param_spec_string ("last-error", NULL, NULL, NULL, ro);
  properties[PROP_CURSOR] = g_param_spec_uint64 ("cursor", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  properties[PROP_CACHE_WRITABLE] = g_param_spec_boolean ("cache-writable", NULL, NULL, TRUE, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, HW_TYPE_HUB_SYNC_CHANGES);
}

static void
hw_hub_sync_init (HwHubSync *self)
{
  self->state = HW_HUB_SYNC_STATE_OFFLINE;
  self->cache_writable = TRUE;
  self->backoff_min_ms = DEFAULT_BACKOFF_MIN_MS;
  self->backoff_max_ms = DEFAULT_BACKOFF_MAX_MS;
  self->poll_interval_ms = DEFAULT_POLL_INTERVAL_MS;
  self->page_size = DEFAULT_PAGE_SIZE;
  self->listeners = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_hub_listener_free);
  self->jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_hub_job_free);
  self->metric_requests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                 (GDestroyNotify) hw_metric_request_free);
}

/* ---- public API ----------------------------------------------------------- */

HwHubSync *
hw_hub_sync_new (HwHubClient *client,
                 const char  *cache_path)
{
  g_return_val_if_fail (HW_IS_HUB_CLIENT (client), NULL);
  g_return_val_if_fail (cache_path != NULL, NULL);

  return g_object_new (HW_TYPE_HUB_SYNC, "client", client, "cache-path", cache_path, NULL);
}

HwHubSync *
hw_hub_sync_new_for_store (HwHubClient  *client,
                           HwEventStore *store)
{
  HwHubSync *self;

  g_return_val_if_fail (HW_IS_HUB_CLIENT (client), NULL);
  g_return_val_if_fail (HW_IS_EVENT_STORE (store), NULL);

  self = g_object_new (HW_TYPE_HUB_SYNC, "client", client,
                       "cache-path", hw_event_store_get_path (store), NULL);
  self->store = g_object_ref (store);
  return self;
}

#define GETTER(type, name, field, fallback)                 \
  type                                                      \
  hw_hub_sync_get_##name (HwHubSync *self)                  \
  {                                                         \
    g_return_val_if_fail (HW_IS_HUB_SYNC (self), fallback); \
    return self->field;                                     \
  }

GETTER (HwHubClient *, client, client, NULL)
GETTER (HwHubSyncState, state, state, HW_HUB_SYNC_STATE_OFFLINE)
GETTER (gint64, last_sync, last_sync_ms, 0)
GETTER (gint64, as_of, as_of_ms, 0)
GETTER (gint64, offline_since, offline_since_ms, 0)
GETTER (const char *, last_error, last_error, NULL)
GETTER (guint64, cursor, cursor, 0)
GETTER (gboolean, cache_writable, cache_writable, TRUE)
GETTER (const HwHubInfo *, info, info, NULL)
GETTER (GPtrArray *, listeners, listeners, NULL)
GETTER (GPtrArray *, jobs, jobs, NULL)

#undef GETTER

/* Only once opened: the store is handed to the worker before that. */
HwEventStore *
hw_hub_sync_get_store (HwHubSync *self)
{
  g_return_val_if_fail (HW_IS_HUB_SYNC (self), NULL);

  return self->opening ? NULL : self->store;
}

void
hw_hub_sync_open_cache (HwHubSync *self)
{
  g_autoptr(GTask) task = NULL;

  if (self->opening)
    return;
  self->opening = TRUE;
  task = g_task_new (self, NULL, on_opened, NULL);
  g_task_set_source_tag (task, hw_hub_sync_start);
  hw_background_run_task (task, open_in_thread);
}

void
hw_hub_sync_start (HwHubSync *self)
{
  g_return_if_fail (HW_IS_HUB_SYNC (self));

  if (self->started)
    return;
  self->started = TRUE;

  if (self->monitor == NULL)
    {
      self->monitor = g_object_ref (g_network_monitor_get_default ());
      g_signal_connect (self->monitor, "network-changed", G_CALLBACK (on_network_changed), self);
    }

  hw_hub_sync_open_cache (self);
}

void
hw_hub_sync_stop (HwHubSync *self)
{
  g_return_if_fail (HW_IS_HUB_SYNC (self));

  if (!self->started)
    return;
  teardown_connection (self);
  self->started = FALSE;
}

void
hw_hub_sync_retry_now (HwHubSync *self)
{
  g_return_if_fail (HW_IS_HUB_SYNC (self));

  self->attempt = 0;
  self->cache_attempt = 0;
  if (self->opening)
    return;
  /* A cache the disk had no room for is opened again first. */
  if (self->store == NULL)
    {
      g_clear_handle_id (&self->cache_retry_source, g_source_remove);
      if (self->started)
        hw_hub_sync_open_cache (self);
      return;
    }
  connect_now (self);
}
