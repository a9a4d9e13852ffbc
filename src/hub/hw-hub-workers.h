/* hw-hub-workers.h: the hub's shared threads for reading and rendering records
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef void (*HwHubWorkFunc) (gpointer data);

/* Runs @func (@data) on one of the hub's worker threads, in no particular
 * order with other work. @func owns @data and reports back by attaching a
 * source to its owner's main context. */
void   hw_hub_workers_push      (HwHubWorkFunc  func,
                                 gpointer       data);

/* How many run at once: the useful number of reads in flight per reader. */
guint  hw_hub_workers_get_count (void);

G_END_DECLS
