/* test-background.c: console workers give way to the UI thread
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

static int
own_nice (void)
{
  int nice;

  errno = 0;
  nice = getpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid));
  g_assert_cmpint (errno, ==, 0);
  return nice;
}

typedef struct
{
  int before;
  int after_first;
  int after_second;
} Observed;

static gpointer
worker (gpointer user_data)
{
  Observed *seen = user_data;

  seen->before = own_nice ();
  hw_background_thread_enter ();
  seen->after_first = own_nice ();
  hw_background_thread_enter ();
  seen->after_second = own_nice ();
  return NULL;
}

static Observed
run_worker (void)
{
  Observed seen = { 0 };

  g_thread_join (g_thread_new ("worker", worker, &seen));
  return seen;
}

static void
test_lowers_workers_once (void)
{
  Observed seen;
  int main_before = own_nice ();

  hw_background_set_enabled (FALSE);
  seen = run_worker ();
  g_assert_cmpint (seen.after_second, ==, seen.before);

  hw_background_set_enabled (TRUE);
  seen = run_worker ();
  g_assert_cmpint (seen.after_first, ==, MIN (seen.before + HW_BACKGROUND_NICE, 19));
  /* Once per thread: a pool thread is not pushed down a step per task. */
  g_assert_cmpint (seen.after_second, ==, seen.after_first);

  /* The thread running the main loop is never lowered. */
  g_assert_true (g_main_context_acquire (NULL));
  hw_background_thread_enter ();
  g_assert_cmpint (own_nice (), ==, main_before);
  g_main_context_release (NULL);
  hw_background_set_enabled (FALSE);
}

static void
observe_task (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  g_task_return_int (task, own_nice ());
}

static void
on_task_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(int *) user_data = (int) g_task_propagate_int (G_TASK (result), NULL);
}

/* A task run with hw_background_run_task() runs on a lowered thread. */
static void
test_run_task_lowers (void)
{
  g_autoptr(GTask) task = NULL;
  int main_nice = own_nice ();
  int seen = G_MININT;

  hw_background_set_enabled (TRUE);
  task = g_task_new (NULL, NULL, on_task_done, &seen);
  hw_background_run_task (task, observe_task);
  while (seen == G_MININT)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (seen, ==, MIN (main_nice + HW_BACKGROUND_NICE, 19));
  g_assert_cmpint (own_nice (), ==, main_nice);
  hw_background_set_enabled (FALSE);
}
#endif

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
#ifdef __linux__
  g_test_add_func ("/background/lowers-workers-once", test_lowers_workers_once);
  g_test_add_func ("/background/run-task-lowers", test_run_task_lowers);
#endif
  return g_test_run ();
}
