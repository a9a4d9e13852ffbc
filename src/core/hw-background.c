/* hw-background.c: worker threads that give way to the thread drawing the UI
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-background.h"

#ifdef __linux__
#include <errno.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

static gint enabled;
/* Set in a thread once its priority has been lowered. */
static GPrivate lowered = G_PRIVATE_INIT (NULL);

void
hw_background_set_enabled (gboolean enabled_)
{
  g_atomic_int_set (&enabled, enabled_ ? 1 : 0);
}

gboolean
hw_background_get_enabled (void)
{
  return g_atomic_int_get (&enabled) != 0;
}

void
hw_background_thread_enter (void)
{
  if (!hw_background_get_enabled () || g_private_get (&lowered) != NULL
      || g_main_context_is_owner (g_main_context_default ()))
    return;
  g_private_set (&lowered, GINT_TO_POINTER (TRUE));

#ifdef __linux__
  {
    /* Linux keeps a nice value per thread: PRIO_PROCESS with a thread id
     * sets that thread's alone (setpriority(2), "BUGS"). Raising it needs
     * no privilege; nothing lowers it again. */
    id_t tid = (id_t) syscall (SYS_gettid);
    int nice;

    errno = 0;
    nice = getpriority (PRIO_PROCESS, tid);
    if (errno == 0 && setpriority (PRIO_PROCESS, tid, MIN (nice + HW_BACKGROUND_NICE, 19)) != 0)
      g_debug ("background: could not lower thread %d: %s", (int) tid, g_strerror (errno));
  }
#endif
}

typedef struct
{
  GTaskThreadFunc func;
} BackgroundTask;

#define BACKGROUND_TASK_KEY "hw-background-task"

static void
run_lowered (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  BackgroundTask *background = g_object_get_data (G_OBJECT (task), BACKGROUND_TASK_KEY);

  hw_background_thread_enter ();
  background->func (task, source_object, task_data, cancellable);
}

void
hw_background_run_task (GTask           *task,
                        GTaskThreadFunc  func)
{
  BackgroundTask *background;

  g_return_if_fail (G_IS_TASK (task));
  g_return_if_fail (func != NULL);

  background = g_new0 (BackgroundTask, 1);
  background->func = func;
  g_object_set_data_full (G_OBJECT (task), BACKGROUND_TASK_KEY, background, g_free);
  g_task_run_in_thread (task, run_lowered);
}
