/* hw-test-util.h: helpers shared by every test suite
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A fresh directory under the system temp dir, removed again by
 * hw_test_rmdir(); every test gets its own so tests can run in parallel. */
char     *hw_test_mkdtemp         (void);
void      hw_test_rmdir           (const char *path);

/* Path of a file shipped under tests/, for fixtures. */
char     *hw_test_source_path     (const char *first_element,
                                   ...) G_GNUC_NULL_TERMINATED;

/* How many times slower than real time this run may be: the integer in
 * HW_TEST_TIME_SCALE, at least 1 (the default). tests/meson.build sets it for
 * sanitizer builds, whose instrumentation runs code 3-10x slower. Every
 * deadline of a test and every real-time expectation is multiplied by it, so
 * at scale 1 each bound is exactly as written in the test. */
guint     hw_test_time_scale      (void);
/* ms * hw_test_time_scale(), saturating. */
guint     hw_test_scale_ms        (guint           ms);

/* Iterates the default main context until condition() holds or timeout_ms
 * (scaled by hw_test_time_scale()) passes; returns whether it held. Tests
 * wait on conditions, never on sleeps. */
typedef gboolean (*HwTestCondition) (gpointer user_data);
gboolean  hw_test_wait_until      (HwTestCondition condition,
                                   gpointer        user_data,
                                   guint           timeout_ms);

/* For a condition of hw_test_wait_until() that asks a process over HTTP:
 * TRUE at most once per @period_ms (scaled), as the condition itself runs
 * every 10 ms. *@next_poll starts at 0. */
gboolean  hw_test_poll_due        (gint64         *next_poll,
                                   guint           period_ms);

/* For a child a test kills with SIGKILL: write(2) of all of @text, so
 * that nothing sits in a stdio buffer when the signal lands; _exit(3)
 * when the pipe fails. */
void      hw_test_write_all_or_exit (int         fd,
                                     const char *text);

/* A TCP port that was free on 127.0.0.1 a moment ago. */
guint16   hw_test_free_port       (void);

G_END_DECLS
