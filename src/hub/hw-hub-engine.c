/* hw-hub-engine.c: listeners, delivery and jobs attached to a hub in one call
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-hub-db.h"
#include "hw-hub-engine.h"
#include "hw-hub-jobs.h"
#include "hw-hub-listeners.h"

#define ENGINE_KEY "hw-hub-engine"

/* The "engine" component of hub.db. Append only: never edit a step. */
static const HwHubMigration engine_migrations[] = {
  { "CREATE TABLE listeners ("
    "  name TEXT PRIMARY KEY,"
    "  definition TEXT NOT NULL,"          /* canonical JSON of the listener */
    "  origin TEXT NOT NULL DEFAULT 'api',"  /* 'api' or 'config' */
    "  checkpoint INTEGER NOT NULL DEFAULT 0,"
    "  delivered INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL"
    ");"
    "CREATE TABLE jobs ("
    "  id TEXT PRIMARY KEY,"
    "  kind TEXT NOT NULL,"
    "  state TEXT NOT NULL,"
    "  spec TEXT NOT NULL,"
    "  total INTEGER NOT NULL DEFAULT 0,"
    "  acked INTEGER NOT NULL DEFAULT 0,"   /* up to the checkpoint */
    "  failed INTEGER NOT NULL DEFAULT 0,"
    "  position TEXT,"                     /* the checkpoint */
    "  requested_by TEXT,"
    "  idempotency_key TEXT,"
    "  error TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX jobs_by_state ON jobs (state);"
    "CREATE TABLE idempotency_keys ("
    "  key TEXT PRIMARY KEY,"
    "  job_id TEXT NOT NULL REFERENCES jobs (id),"
    "  created_at INTEGER NOT NULL"
    ");" },
};

typedef struct
{
  HwHub          *hub;
  HwHubReplica   *replica;     /* the JetStream engine's, else NULL */
  HwHubListeners *listeners;
  HwHubJobs      *jobs;
  gboolean        detached;
} Engine;

static void
engine_free (Engine *engine)
{
  g_clear_pointer (&engine->jobs, hw_hub_jobs_free);
  g_clear_pointer (&engine->listeners, hw_hub_listeners_free);
  g_clear_pointer (&engine->replica, hw_hub_replica_free);
  g_free (engine);
}

/* What the replica's worker does for listeners and jobs stops with them:
 * the worker goes last. */
static void
engine_stop (Engine *engine)
{
  if (engine->detached)
    return;
  engine->detached = TRUE;
  if (engine->jobs != NULL)
    hw_hub_jobs_stop (engine->jobs);
  if (engine->listeners != NULL)
    hw_hub_listeners_stop (engine->listeners);
  g_clear_pointer (&engine->replica, hw_hub_replica_free);
}

/* Weak notify runs in the hub's dispose, while hub.db is still open, so
 * checkpoints get persisted even when nobody called detach. The engine
 * itself stays allocated until then because the routes point at it. */
static void
on_hub_disposed (gpointer  data,
                 GObject  *where_the_hub_was)
{
  Engine *engine = data;

  engine_stop (engine);
  engine_free (engine);
}

gboolean
hw_hub_engine_attach (HwHub   *hub,
                      GError **error)
{
  const HwHubConfig *config;
  Engine *engine;

  g_return_val_if_fail (HW_IS_HUB (hub), FALSE);
  g_return_val_if_fail (g_object_get_data (G_OBJECT (hub), ENGINE_KEY) == NULL, FALSE);

  {
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (hw_hub_get_db_mutex (hub));

    if (!hw_hub_db_migrate (hw_hub_get_db (hub), "engine", engine_migrations,
                            G_N_ELEMENTS (engine_migrations), error))
      return FALSE;
  }

  engine = g_new0 (Engine, 1);
  engine->hub = hub;
  config = hw_hub_get_config (hub);
  if (config != NULL && config->engine == HW_HUB_ENGINE_JETSTREAM &&
      (engine->replica = hw_hub_replica_new (config, error)) == NULL)
    {
      engine_free (engine);
      return FALSE;
    }
  engine->listeners = hw_hub_listeners_new (hub, engine->replica, error);
  if (engine->listeners == NULL)
    {
      engine_stop (engine);
      engine_free (engine);
      return FALSE;
    }
  if (config != NULL && config->keyfile != NULL &&
      !hw_hub_listeners_add_from_keyfile (engine->listeners, config->keyfile, error))
    {
      engine_stop (engine);
      engine_free (engine);
      return FALSE;
    }
  engine->jobs = hw_hub_jobs_new (hub, engine->listeners, engine->replica, error);
  if (engine->jobs == NULL)
    {
      engine_stop (engine);
      engine_free (engine);
      return FALSE;
    }

  g_object_set_data (G_OBJECT (hub), ENGINE_KEY, engine);
  g_object_weak_ref (G_OBJECT (hub), on_hub_disposed, engine);
  return TRUE;
}

void
hw_hub_engine_detach (HwHub *hub)
{
  Engine *engine;

  g_return_if_fail (HW_IS_HUB (hub));

  engine = g_object_get_data (G_OBJECT (hub), ENGINE_KEY);
  if (engine != NULL)
    engine_stop (engine);
}

HwHubListeners *
hw_hub_engine_get_listeners (HwHub *hub)
{
  Engine *engine;

  g_return_val_if_fail (HW_IS_HUB (hub), NULL);
  engine = g_object_get_data (G_OBJECT (hub), ENGINE_KEY);
  return engine != NULL ? engine->listeners : NULL;
}

HwHubJobs *
hw_hub_engine_get_jobs (HwHub *hub)
{
  Engine *engine;

  g_return_val_if_fail (HW_IS_HUB (hub), NULL);
  engine = g_object_get_data (G_OBJECT (hub), ENGINE_KEY);
  return engine != NULL ? engine->jobs : NULL;
}
