/* hw-bench-util.h: what every benchmark program shares: figures, timing, work dirs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "hw-lake-gen.h"

G_BEGIN_DECLS

/* Prints one `BENCH {"name","value","unit","baseline","ratio"}` line for
 * bench/run; the ratio is better when higher. */
void     hw_bench_report        (const char  *name,
                                 double       value,
                                 const char  *unit,
                                 double       baseline,
                                 double       ratio);

/* A progress line (any stdout line that is not a figure), flushed at once
 * so bench/run shows it while the benchmark runs. */
void     hw_bench_note          (const char  *format,
                                 ...) G_GNUC_PRINTF (1, 2);

/* Monotonic seconds. */
double   hw_bench_now           (void);

/* The median of @values (doubles, reordered in place); NaN when empty. */
double   hw_bench_median        (GArray      *values);
double   hw_bench_mean          (GArray      *values);
/* The value at quantile @p (0 < p ≤ 1) of @values (reordered); NaN when empty. */
double   hw_bench_percentile    (GArray      *values,
                                 double       p);

/* Removes @path recursively if it exists, then creates it empty. */
gboolean hw_bench_reset_dir     (const char  *path,
                                 GError     **error);
void     hw_bench_remove_tree   (const char  *path);
/* Bytes of every regular file under @path (or of @path itself). */
guint64  hw_bench_tree_size     (const char  *path);

/* Prints "<program>: <message>" to stderr and exits 1: a benchmark that
 * cannot measure must not print a figure. */
void     hw_bench_fail          (const char  *what,
                                 const GError *error) G_GNUC_NORETURN;

/* The synthetic lake of @events events (seed 1) in @dir/lake-<events>,
 * generated on the first run and reused while its stats file says it is
 * complete: generating a million events takes longer than measuring them.
 * Returns the lake directory, or NULL with @error. */
char    *hw_bench_ensure_lake   (const char      *dir,
                                 guint64          events,
                                 HwLakeGenStats  *stats,
                                 GError         **error);

/* Peak RSS of this process in MiB, from /proc/self/status (VmHWM). */
double   hw_bench_peak_rss_mb   (void);

G_END_DECLS
