/* hw-hub-writer.h: one named thread that runs a kind of disk write in order
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The hub's main loop serves every request and drives delivery: it hands
 * its writes (listener checkpoints, metric points) to a writer of their
 * own, so that neither an fsync nor a lock held by another writer of the
 * same database ever holds it up. A thread of its own per kind, not the
 * shared pools: a slow disk must not starve other work, nor other work
 * delay a write that shutdown waits for.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _HwHubWriter HwHubWriter;

typedef void (*HwHubWriterFunc) (gpointer data);

/* Starts the thread, named @thread_name (at most 15 characters show). */
HwHubWriter *hw_hub_writer_new   (const char     *thread_name);
/* Runs @func (@data) on the writer's thread after everything pushed
 * before, then @free_data (@data) when not NULL. Any thread. */
void         hw_hub_writer_push  (HwHubWriter    *self,
                                  HwHubWriterFunc func,
                                  gpointer        data,
                                  GDestroyNotify  free_data);
/* Returns once everything pushed before has run. Not on the writer. */
void         hw_hub_writer_flush (HwHubWriter    *self);
/* Flushes, then ends and joins the thread. */
void         hw_hub_writer_free  (HwHubWriter    *self);

G_END_DECLS
