/* hw-bench-cpu.h: CPU seconds of a process and of each of its threads, from /proc
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  double      process_s;   /* every thread, also those that ended */
  GHashTable *threads;     /* thread id → CPU seconds and name, live threads */
} HwBenchCpuSample;

/* @pid: a process id, or "self". */
void    hw_bench_cpu_sample_take (HwBenchCpuSample *sample,
                                  const char       *pid);
/* The CPU seconds the threads alive at the second sample used between the
 * two (all of theirs when they started in between), summed over the
 * threads named @name (every thread when NULL); @busiest, when given, gets
 * the most any one of them used. */
double  hw_bench_cpu_walk        (HwBenchCpuSample  sample[2],
                                  const char       *name,
                                  double           *busiest);
/* Notes the hub's CPU (by thread) and the bench listener's between two
 * samples of each, per event, and the rate that CPU would allow with every
 * core free; frees the samples' thread tables. */
void    hw_bench_cpu_report      (const char       *what,
                                  HwBenchCpuSample  hub[2],
                                  HwBenchCpuSample  self[2],
                                  guint64           events);

G_END_DECLS
