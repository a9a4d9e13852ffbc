/* hw-hub-writer.c: one named thread that runs a kind of disk write in order
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-hub-writer.h"

typedef struct
{
  HwHubWriterFunc func;     /* NULL: the end of the thread */
  gpointer        data;
  GDestroyNotify  free_data;
} Task;

struct _HwHubWriter
{
  GThread     *thread;
  GAsyncQueue *tasks;       /* Task*, in the order pushed */
};

typedef struct
{
  GMutex   mutex;
  GCond    cond;
  gboolean reached;
} Mark;

static gpointer
run_tasks (gpointer user_data)
{
  HwHubWriter *self = user_data;

  for (;;)
    {
      Task *task = g_async_queue_pop (self->tasks);
      gboolean last = task->func == NULL;

      if (!last)
        task->func (task->data);
      if (task->free_data != NULL)
        task->free_data (task->data);
      g_free (task);
      if (last)
        return NULL;
    }
}

HwHubWriter *
hw_hub_writer_new (const char *thread_name)
{
  HwHubWriter *self = g_new0 (HwHubWriter, 1);

  self->tasks = g_async_queue_new ();
  self->thread = g_thread_new (thread_name, run_tasks, self);
  return self;
}

void
hw_hub_writer_push (HwHubWriter     *self,
                    HwHubWriterFunc  func,
                    gpointer         data,
                    GDestroyNotify   free_data)
{
  Task *task;

  g_return_if_fail (self != NULL);
  g_return_if_fail (func != NULL);

  task = g_new0 (Task, 1);
  task->func = func;
  task->data = data;
  task->free_data = free_data;
  g_async_queue_push (self->tasks, task);
}

static void
reach_mark (gpointer data)
{
  Mark *mark = data;

  g_mutex_lock (&mark->mutex);
  mark->reached = TRUE;
  g_cond_signal (&mark->cond);
  g_mutex_unlock (&mark->mutex);
}

void
hw_hub_writer_flush (HwHubWriter *self)
{
  Mark mark = { 0 };

  g_return_if_fail (self != NULL);
  g_return_if_fail (g_thread_self () != self->thread);

  g_mutex_init (&mark.mutex);
  g_cond_init (&mark.cond);
  hw_hub_writer_push (self, reach_mark, &mark, NULL);
  g_mutex_lock (&mark.mutex);
  while (!mark.reached)
    g_cond_wait (&mark.cond, &mark.mutex);
  g_mutex_unlock (&mark.mutex);
  g_cond_clear (&mark.cond);
  g_mutex_clear (&mark.mutex);
}

void
hw_hub_writer_free (HwHubWriter *self)
{
  if (self == NULL)
    return;
  /* The end task comes after every task pushed: the thread runs them all. */
  g_async_queue_push (self->tasks, g_new0 (Task, 1));
  g_thread_join (self->thread);
  g_async_queue_unref (self->tasks);
  g_free (self);
}
