/* hw-bench-cpu.c: CPU seconds of a process and of each of its threads, from /proc
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Wall-clock rates follow the CPU a program gets on a shared machine; CPU
 * seconds per event, by thread, are the repeatable measure of its cost.
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "hw-bench-cpu.h"
#include "hw-bench-util.h"

typedef struct
{
  char   *name;
  double  seconds;
} ThreadCpu;

static void
thread_cpu_free (ThreadCpu *thread)
{
  g_free (thread->name);
  g_free (thread);
}


/* utime + stime of one /proc/…/stat file, and the thread's name. */
static double
read_stat_cpu (const char  *path,
               char       **out_name)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  const char *open, *close;

  if (!g_file_get_contents (path, &text, NULL, NULL) ||
      (open = strchr (text, '(')) == NULL || (close = strrchr (text, ')')) == NULL || close[1] == '\0')
    return -1;
  fields = g_strsplit (close + 2, " ", 14);   /* [0] is field 3, state */
  if (g_strv_length (fields) < 14)
    return -1;
  if (out_name != NULL)
    *out_name = g_strndup (open + 1, close - open - 1);
  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) / sysconf (_SC_CLK_TCK);
}

void
hw_bench_cpu_sample_take (HwBenchCpuSample *sample,
                          const char       *pid)
{
  g_autofree char *stat = g_strdup_printf ("/proc/%s/stat", pid);
  g_autofree char *tasks = g_strdup_printf ("/proc/%s/task", pid);
  g_autoptr(GDir) dir = g_dir_open (tasks, 0, NULL);
  const char *tid;

  sample->process_s = read_stat_cpu (stat, NULL);
  sample->threads = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) thread_cpu_free);
  while (dir != NULL && (tid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (tasks, tid, "stat", NULL);
      ThreadCpu *thread = g_new0 (ThreadCpu, 1);

      thread->seconds = read_stat_cpu (path, &thread->name);
      if (thread->seconds < 0)
        thread_cpu_free (thread);
      else
        g_hash_table_insert (sample->threads, g_strdup (tid), thread);
    }
}

/* Walks the threads alive at the second sample: the CPU seconds each used
 * between the two (all of them when it started in between). Returns the
 * sum over the threads named @name (every thread when NULL); @busiest, when
 * given, gets the most any one of them used. */
double
hw_bench_cpu_walk (HwBenchCpuSample  sample[2],
                   const char       *name,
                   double           *busiest)
{
  GHashTableIter iter;
  gpointer tid, value;
  double sum = 0;

  if (busiest != NULL)
    *busiest = 0;
  g_hash_table_iter_init (&iter, sample[1].threads);
  while (g_hash_table_iter_next (&iter, &tid, &value))
    {
      ThreadCpu *after = value, *before = g_hash_table_lookup (sample[0].threads, tid);
      double delta = after->seconds - (before != NULL ? before->seconds : 0);

      if (name != NULL && !g_str_equal (after->name, name))
        continue;
      sum += delta;
      if (busiest != NULL)
        *busiest = MAX (*busiest, delta);
    }
  return sum;
}

/* Hub and benchmark CPU between two samples of each, per event. The
 * benchmark's own threads (its ingest clients, its listener) share the
 * cores with the hub, so the bound counts them too. */
void
hw_bench_cpu_report (const char       *what,
                     HwBenchCpuSample  hub[2],
                     HwBenchCpuSample  self[2],
                     guint64           events)
{
  g_autoptr(GString) threads = g_string_new (NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  gpointer value;
  double hub_s = hub[1].process_s - hub[0].process_s;
  double listener_s = hw_bench_cpu_walk (self, "bench-listener", NULL);
  double self_s = self[1].process_s - self[0].process_s;

  events = MAX (events, 1);
  g_hash_table_iter_init (&iter, hub[1].threads);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      ThreadCpu *thread = value;
      double delta;

      if (!g_hash_table_add (seen, thread->name))
        continue;
      if ((delta = hw_bench_cpu_walk (hub, thread->name, NULL)) >= 0.005)
        g_string_append_printf (threads, ", %s %.2f s", thread->name, delta);
    }
  hw_bench_note ("%s: CPU: hub %.2f s = %.1f us/event (live threads%s); benchmark %.2f s = %.1f us/event, "
                 "its listener %.2f s", what, hub_s, hub_s * 1e6 / events,
                 threads->len > 0 ? threads->str : ": none", self_s, self_s * 1e6 / events, listener_s);
  /* Not a figure: what this CPU cost would allow with every core free. */
  {
    double busiest, bench_busiest;

    /* One thread each: the listener's sum over its connections is no
     * thread's time. */
    hw_bench_cpu_walk (hub, NULL, &busiest);
    hw_bench_cpu_walk (self, NULL, &bench_busiest);
    busiest = MAX (busiest, bench_busiest);
    double spread = (hub_s + self_s) / MAX (g_get_num_processors (), 1);

    hw_bench_note ("%s: CPU bound: the busiest thread (%.2f s) and all the work over %u cores (%.2f s) "
                   "allow at most %.0f events/s on an idle machine", what, busiest,
                   g_get_num_processors (), spread, events / MAX (MAX (busiest, spread), 1e-6));
  }
  for (guint i = 0; i < 2; i++)
    {
      g_clear_pointer (&hub[i].threads, g_hash_table_unref);
      g_clear_pointer (&self[i].threads, g_hash_table_unref);
    }
}
