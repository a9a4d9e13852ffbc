/* hw-hub-slab.c: recycled buffers for rendered records and batch bodies
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sys/mman.h>
#include <unistd.h>

#include "hw-hub-slab.h"

struct _HwSlab
{
  gatomicrefcount  ref_count;
  HwSlabPool      *pool;      /* a reference */
  GString         *buffer;
};

struct _HwSlabPool
{
  gatomicrefcount  ref_count;
  GMutex           lock;
  GPtrArray       *spare;     /* GString*, emptied */
  guint            max_spare;
  gsize            max_kept_bytes;
  gsize            typical_bytes;  /* the most a kept slab held */
};

static void
free_buffer (gpointer buffer)
{
  g_string_free (buffer, TRUE);
}

HwSlabPool *
hw_slab_pool_new (guint max_spare,
                  gsize max_kept_bytes)
{
  HwSlabPool *pool = g_new0 (HwSlabPool, 1);

  g_atomic_ref_count_init (&pool->ref_count);
  g_mutex_init (&pool->lock);
  pool->spare = g_ptr_array_new_with_free_func (free_buffer);
  pool->max_spare = max_spare;
  pool->max_kept_bytes = max_kept_bytes;
  return pool;
}

HwSlabPool *
hw_slab_pool_ref (HwSlabPool *pool)
{
  g_return_val_if_fail (pool != NULL, NULL);

  g_atomic_ref_count_inc (&pool->ref_count);
  return pool;
}

void
hw_slab_pool_unref (HwSlabPool *pool)
{
  if (pool == NULL || !g_atomic_ref_count_dec (&pool->ref_count))
    return;
  g_ptr_array_unref (pool->spare);
  g_mutex_clear (&pool->lock);
  g_free (pool);
}

/* Fresh memory costs a page fault per page on first touch, and where
 * faults are slow (on some virtual machines, 15 µs each: 4 MB of records
 * took 15 ms of faults, three times the rendering) one call that maps
 * every page is several times cheaper. Kernels before 5.14 refuse it, and
 * the pages then fault in one by one as before. */
static void
prefault (char  *data,
          gsize  size)
{
#ifdef MADV_POPULATE_WRITE
  static gsize page_size;
  guintptr start, end;

  if (g_once_init_enter (&page_size))
    g_once_init_leave (&page_size, (gsize) sysconf (_SC_PAGESIZE));
  start = ((guintptr) data + page_size - 1) & ~(guintptr) (page_size - 1);
  end = ((guintptr) data + size) & ~(guintptr) (page_size - 1);
  if (end > start)
    (void) madvise ((void *) start, end - start, MADV_POPULATE_WRITE);
#endif
}

/* Room for @size bytes in all, in one step rather than by doubling (which
 * would copy the data and touch twice the fresh memory), mapped at once. */
static void
grow_mapped (GString *buffer,
             gsize    size)
{
  gsize used = buffer->len;

  if (size < buffer->allocated_len)
    return;
  g_string_set_size (buffer, size);
  g_string_truncate (buffer, used);
  prefault (buffer->str + used, buffer->allocated_len - used);
}

/* Sized at once to what this pool's slabs came to hold. */
static GString *
new_buffer (gsize size)
{
  GString *buffer = g_string_new (NULL);

  grow_mapped (buffer, size);
  return buffer;
}

HwSlab *
hw_slab_pool_take (HwSlabPool *pool)
{
  HwSlab *slab;
  GString *spare = NULL;
  gsize typical;

  g_return_val_if_fail (pool != NULL, NULL);

  slab = g_new (HwSlab, 1);
  g_atomic_ref_count_init (&slab->ref_count);
  slab->pool = hw_slab_pool_ref (pool);
  g_mutex_lock (&pool->lock);
  if (pool->spare->len > 0)
    spare = g_ptr_array_steal_index_fast (pool->spare, pool->spare->len - 1);
  typical = pool->typical_bytes;
  g_mutex_unlock (&pool->lock);
  slab->buffer = spare != NULL ? spare : new_buffer (typical);
  return slab;
}

void
hw_slab_pool_trim (HwSlabPool *pool)
{
  g_autoptr(GPtrArray) spare = NULL;

  g_return_if_fail (pool != NULL);

  /* Freed after the lock: giving 8 × 4 MB back to the system takes a while,
   * and a worker may be taking a slab meanwhile. Idle owners trim every
   * tick: nothing is allocated when nothing is spare. */
  g_mutex_lock (&pool->lock);
  if (pool->spare->len > 0)
    {
      spare = g_steal_pointer (&pool->spare);
      pool->spare = g_ptr_array_new_with_free_func (free_buffer);
    }
  pool->typical_bytes = 0;
  g_mutex_unlock (&pool->lock);
}

HwSlab *
hw_slab_ref (HwSlab *slab)
{
  g_return_val_if_fail (slab != NULL, NULL);

  g_atomic_ref_count_inc (&slab->ref_count);
  return slab;
}

/* A buffer grown past what a pool keeps (a read of huge events) is freed
 * rather than held for reads that will not need it. */
static void
give_back (HwSlabPool *pool,
           GString    *buffer)
{
  gboolean kept = FALSE;
  gsize used = buffer->len;

  g_string_truncate (buffer, 0);
  g_mutex_lock (&pool->lock);
  /* As a size for g_string_sized_new(), which adds the NUL and rounds up
   * to a power of two itself. */
  if (buffer->allocated_len <= pool->max_kept_bytes)
    pool->typical_bytes = MAX (pool->typical_bytes, used);
  if (pool->spare->len < pool->max_spare && buffer->allocated_len <= pool->max_kept_bytes)
    {
      g_ptr_array_add (pool->spare, buffer);
      kept = TRUE;
    }
  g_mutex_unlock (&pool->lock);
  if (!kept)
    free_buffer (buffer);
}

void
hw_slab_unref (HwSlab *slab)
{
  if (slab == NULL || !g_atomic_ref_count_dec (&slab->ref_count))
    return;
  give_back (slab->pool, slab->buffer);
  hw_slab_pool_unref (slab->pool);
  g_free (slab);
}

void
hw_slab_reserve (HwSlab *slab,
                 gsize   size)
{
  g_return_if_fail (slab != NULL);

  grow_mapped (slab->buffer, size);
}

GString *
hw_slab_get_buffer (HwSlab *slab)
{
  g_return_val_if_fail (slab != NULL, NULL);

  return slab->buffer;
}

const char *
hw_slab_get_data (HwSlab *slab)
{
  g_return_val_if_fail (slab != NULL, NULL);

  return slab->buffer->str;
}

GBytes *
hw_slab_to_bytes (HwSlab *slab,
                  gsize   length)
{
  g_return_val_if_fail (slab != NULL && length <= slab->buffer->len, NULL);

  return g_bytes_new_with_free_func (slab->buffer->str, length,
                                     (GDestroyNotify) hw_slab_unref, hw_slab_ref (slab));
}
