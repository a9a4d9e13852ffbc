/* hw-hub-workers.c: the hub's shared threads for reading and rendering records
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Delivery and replay spend most of their CPU time reading the lake
 * (every stored body is decompressed) and rendering stream records (base64
 * of every event). One thread per listener made that serial: a listener
 * could never use more than one core. These threads are shared by every
 * listener and job, one per core (at least 2, so that a read overlaps the
 * rendering of the previous one even on one core), and live as long as the
 * process: GLib's shared pool would start and stop threads, and each new
 * thread faults in a fresh malloc arena (it doubled the readers' CPU time).
 */
#include "config.h"

#include "hw-hub-workers.h"

#define MAX_WORKERS 4

typedef struct
{
  HwHubWorkFunc func;
  gpointer      data;
} Work;

static GThreadPool *pool;
static guint n_workers;

static void
run_work (gpointer data,
          gpointer pool_data)
{
  Work *work = data;

  work->func (work->data);
  g_free (work);
}

static void
ensure_pool (void)
{
  static gsize initialized = 0;

  if (!g_once_init_enter (&initialized))
    return;
  n_workers = CLAMP (g_get_num_processors (), 2, MAX_WORKERS);
  /* Exclusive: the threads start now and are never stopped. Creating them
   * cannot fail for an exclusive pool short of thread exhaustion, which
   * g_thread_new() treats as fatal anyway. */
  pool = g_thread_pool_new (run_work, NULL, (int) n_workers, TRUE, NULL);
  g_once_init_leave (&initialized, 1);
}

void
hw_hub_workers_push (HwHubWorkFunc func,
                     gpointer      data)
{
  Work *work;

  g_return_if_fail (func != NULL);

  ensure_pool ();
  work = g_new (Work, 1);
  work->func = func;
  work->data = data;
  g_thread_pool_push (pool, work, NULL);
}

guint
hw_hub_workers_get_count (void)
{
  ensure_pool ();
  return n_workers;
}
