/* hw-hub-replica-bucket.c: a part of a JetStream replica that shares something through a KV bucket
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-hub-replica-bucket.h"

gpointer
hw_hub_replica_bucket_new (HwHubReplica                  *replica,
                           const char                    *name,
                           gsize                          size,
                           const HwHubReplicaBucketClass *klass,
                           GError                       **error)
{
  g_autoptr(HwJetStreamKv) bucket = NULL;
  HwHubReplicaBucket *self;

  g_return_val_if_fail (size >= sizeof (HwHubReplicaBucket), NULL);

  if ((bucket = hw_hub_replica_open_bucket (replica, name, 0, error)) == NULL)
    return NULL;
  self = g_atomic_rc_box_alloc0 (size);
  self->klass = klass;
  self->replica = replica;
  self->bucket = g_steal_pointer (&bucket);
  self->leases = hw_hub_replica_get_leases (replica);
  g_mutex_init (&self->lock);
  return self;
}

gpointer
hw_hub_replica_bucket_ref (gpointer self)
{
  return g_atomic_rc_box_acquire (self);
}

static void
bucket_clear (gpointer data)
{
  HwHubReplicaBucket *self = data;

  self->klass->clear (self);
  g_mutex_clear (&self->lock);
}

void
hw_hub_replica_bucket_unref (gpointer self)
{
  g_atomic_rc_box_release_full (self, bucket_clear);
}

const char *
hw_hub_replica_bucket_get_replica_name (HwHubReplicaBucket *self)
{
  return hw_hub_replica_get_name (self->replica);
}

/* The worker ------------------------------------------------------------------ */

static gboolean
on_tick (gpointer data)
{
  HwHubReplicaBucket *self = data;

  if (!self->stopped)
    self->klass->tick (self);
  return G_SOURCE_CONTINUE;
}

static gboolean
tick_once (gpointer data)
{
  on_tick (data);
  return G_SOURCE_REMOVE;
}

static gboolean
start_on_worker (gpointer data)
{
  HwHubReplicaBucket *self = data;

  self->ticker = hw_hub_replica_add_ticker (self->replica, on_tick, hw_hub_replica_bucket_ref (self),
                                            hw_hub_replica_bucket_unref);
  return G_SOURCE_REMOVE;
}

static gboolean
stop_on_worker (gpointer data)
{
  HwHubReplicaBucket *self = data;

  g_source_destroy (self->ticker);
  g_clear_pointer (&self->ticker, g_source_unref);
  self->klass->stop (self);
  self->stopped = TRUE;
  return G_SOURCE_REMOVE;
}

typedef struct
{
  HwHubReplicaBucket     *self;   /* a reference */
  HwHubReplicaBucketFunc  func;
} Invocation;

static void
invocation_free (gpointer data)
{
  Invocation *invocation = data;

  hw_hub_replica_bucket_unref (invocation->self);
  g_free (invocation);
}

static gboolean
run_invocation (gpointer data)
{
  Invocation *invocation = data;

  if (!invocation->self->stopped)
    invocation->func (invocation->self);
  return G_SOURCE_REMOVE;
}

void
hw_hub_replica_bucket_invoke (HwHubReplicaBucket     *self,
                              HwHubReplicaBucketFunc  func)
{
  Invocation *invocation = g_new0 (Invocation, 1);

  invocation->self = hw_hub_replica_bucket_ref (self);
  invocation->func = func;
  hw_hub_replica_invoke (self->replica, run_invocation, invocation, invocation_free);
}

void
hw_hub_replica_bucket_tick_now (HwHubReplicaBucket *self)
{
  hw_hub_replica_invoke (self->replica, tick_once, hw_hub_replica_bucket_ref (self), hw_hub_replica_bucket_unref);
}

void
hw_hub_replica_bucket_start (HwHubReplicaBucket *self)
{
  hw_hub_replica_invoke (self->replica, start_on_worker, hw_hub_replica_bucket_ref (self),
                         hw_hub_replica_bucket_unref);
}

void
hw_hub_replica_bucket_free (HwHubReplicaBucket *self)
{
  if (self == NULL)
    return;
  self->closed = TRUE;
  hw_hub_replica_run_sync (self->replica, stop_on_worker, self);
  /* Nothing on the worker uses it any more (it checks "stopped"). */
  g_clear_pointer (&self->bucket, hw_jetstream_kv_free);
  hw_hub_replica_bucket_unref (self);
}

/* The main context ------------------------------------------------------------ */

typedef struct
{
  HwHubReplicaBucket        *self;   /* a reference */
  HwHubReplicaBucketNewsFunc func;
  gpointer                   news;
  GDestroyNotify             news_free;
} Post;

static void
post_free (gpointer data)
{
  Post *post = data;

  hw_hub_replica_bucket_unref (post->self);
  if (post->news_free != NULL)
    post->news_free (post->news);
  g_free (post);
}

static gboolean
deliver_post (gpointer data)
{
  Post *post = data;

  if (!post->self->closed)
    post->func (post->self, post->news);
  return G_SOURCE_REMOVE;
}

void
hw_hub_replica_bucket_post (HwHubReplicaBucket         *self,
                            HwHubReplicaBucketNewsFunc  func,
                            gpointer                    news,
                            GDestroyNotify              news_free)
{
  Post *post = g_new0 (Post, 1);

  post->self = hw_hub_replica_bucket_ref (self);
  post->func = func;
  post->news = news;
  post->news_free = news_free;
  g_main_context_invoke_full (hw_hub_replica_get_main_context (self->replica), G_PRIORITY_DEFAULT, deliver_post, post,
                              post_free);
}
