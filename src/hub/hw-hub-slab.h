/* hw-hub-slab.h: recycled buffers for rendered records and batch bodies
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A buffer that many holders share (the records of one read, say, each
 * referencing its slice) and that goes back to its pool, emptied but with
 * its memory, when the last of them lets go. Delivery renders hundreds of
 * megabytes a second; with an allocation per record and per batch body,
 * glibc's heaps grew and shrank under it, and page faults on fresh memory
 * and lock contention between the allocating workers and the freeing main
 * thread were about a third of the hub's CPU time in delivery. */
typedef struct _HwSlab HwSlab;
typedef struct _HwSlabPool HwSlabPool;

/* Keeps up to @max_spare free slabs of at most @max_kept_bytes each. */
HwSlabPool *hw_slab_pool_new    (guint        max_spare,
                                 gsize        max_kept_bytes);
HwSlabPool *hw_slab_pool_ref    (HwSlabPool  *pool);
/* Slabs still out stay valid, and are freed when released. */
void        hw_slab_pool_unref  (HwSlabPool  *pool);

/* An empty slab, spare or new, holding one reference. Thread-safe. A new
 * slab comes with room for as much as the fullest slab given back so far
 * held (within the pool's limit), its memory already mapped. */
HwSlab     *hw_slab_pool_take   (HwSlabPool  *pool);
/* Frees the spare slabs and forgets their size, for an owner gone idle
 * (what it does next may be smaller); slabs out are not touched. */
void        hw_slab_pool_trim   (HwSlabPool  *pool);

HwSlab     *hw_slab_ref         (HwSlab      *slab);
/* Any thread. The last release returns the slab to its pool. */
void        hw_slab_unref       (HwSlab      *slab);

/* Room for @size bytes in all, grown in one step with its memory mapped;
 * same rules as appending. */
void        hw_slab_reserve     (HwSlab      *slab,
                                 gsize        size);
/* To append to: only one thread may, while no slice of it is handed out
 * (appending may move the data). */
GString    *hw_slab_get_buffer  (HwSlab      *slab);
const char *hw_slab_get_data    (HwSlab      *slab);

/* The first @length bytes of @slab, as bytes that hold a reference to it. */
GBytes     *hw_slab_to_bytes    (HwSlab      *slab,
                                 gsize        length);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwSlab, hw_slab_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwSlabPool, hw_slab_pool_unref)

G_END_DECLS
