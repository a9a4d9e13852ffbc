/* test-hub-slab.c: recycled buffers for rendered records and batch bodies
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-hub-slab.h"

static void
test_recycled (void)
{
  g_autoptr(HwSlabPool) pool = hw_slab_pool_new (2, 1024 * 1024);
  HwSlab *slab = hw_slab_pool_take (pool);
  GString *buffer = hw_slab_get_buffer (slab);
  const char *memory;

  g_string_append (buffer, "first records");
  memory = hw_slab_get_data (slab);
  hw_slab_unref (slab);

  /* The next take gets the same buffer back, emptied, memory and all. */
  slab = hw_slab_pool_take (pool);
  g_assert_true (hw_slab_get_buffer (slab) == buffer);
  g_assert_cmpuint (buffer->len, ==, 0);
  g_assert_true (hw_slab_get_data (slab) == memory);
  hw_slab_unref (slab);
}

static void
test_shared (void)
{
  g_autoptr(HwSlabPool) pool = hw_slab_pool_new (2, 1024 * 1024);
  HwSlab *slab = hw_slab_pool_take (pool);
  g_autoptr(GBytes) bytes = NULL;
  HwSlab *other;

  g_string_append (hw_slab_get_buffer (slab), "{\"Records\":[]}");
  bytes = hw_slab_to_bytes (slab, 13);
  hw_slab_ref (slab);
  hw_slab_unref (slab);
  hw_slab_unref (slab);

  /* Held by the bytes: not in the pool, so a take gets a new buffer. */
  other = hw_slab_pool_take (pool);
  g_assert_cmpuint (hw_slab_get_buffer (other)->len, ==, 0);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), "{\"Records\":[]", 13);
  hw_slab_unref (other);
}

static void
test_limits (void)
{
  g_autoptr(HwSlabPool) pool = hw_slab_pool_new (1, 4096);
  HwSlab *big = hw_slab_pool_take (pool);
  HwSlab *small = hw_slab_pool_take (pool);
  HwSlab *extra = hw_slab_pool_take (pool);
  GString *small_buffer = hw_slab_get_buffer (small);
  HwSlab *again;

  g_string_set_size (hw_slab_get_buffer (big), 64 * 1024);
  g_string_append (small_buffer, "kept");

  /* Too big to keep; then one spare at most: the second small one goes. */
  hw_slab_unref (big);
  hw_slab_unref (small);
  hw_slab_unref (extra);

  again = hw_slab_pool_take (pool);
  g_assert_true (hw_slab_get_buffer (again) == small_buffer);
  hw_slab_unref (again);
}

/* A new slab starts with room for what its pool's slabs came to hold, so
 * that it does not grow by doubling (copying, and touching fresh memory
 * twice over) while a worker renders into it. */
static void
test_sized_like_the_last (void)
{
  g_autoptr(HwSlabPool) pool = hw_slab_pool_new (1, 1024 * 1024);
  HwSlab *first = hw_slab_pool_take (pool);
  HwSlab *spare, *fresh;

  g_assert_cmpuint (hw_slab_get_buffer (first)->allocated_len, <, 4096);
  g_string_set_size (hw_slab_get_buffer (first), 300 * 1024);
  hw_slab_unref (first);

  spare = hw_slab_pool_take (pool);
  fresh = hw_slab_pool_take (pool);
  g_assert_cmpuint (hw_slab_get_buffer (fresh)->len, ==, 0);
  g_assert_cmpuint (hw_slab_get_buffer (fresh)->allocated_len, >, 300 * 1024);
  /* Its memory is usable from end to end. */
  memset (hw_slab_get_buffer (fresh)->str, 'x', hw_slab_get_buffer (fresh)->allocated_len);
  hw_slab_unref (spare);
  hw_slab_unref (fresh);
}

static void
test_reserve (void)
{
  g_autoptr(HwSlabPool) pool = hw_slab_pool_new (1, 1024 * 1024);
  HwSlab *slab = hw_slab_pool_take (pool);
  GString *buffer = hw_slab_get_buffer (slab);
  const char *data;

  g_string_append (buffer, "kept");
  hw_slab_reserve (slab, 512 * 1024);
  g_assert_cmpuint (buffer->allocated_len, >=, 512 * 1024);
  g_assert_cmpstr (buffer->str, ==, "kept");

  /* Appending within the reservation does not move the data. */
  data = hw_slab_get_data (slab);
  for (guint i = 0; i < 1000; i++)
    g_string_append_len (buffer, "0123456789", 10);
  g_assert_true (hw_slab_get_data (slab) == data);
  g_assert_cmpuint (buffer->len, ==, 4 + 10000);

  /* A smaller reservation changes nothing. */
  hw_slab_reserve (slab, 16);
  g_assert_true (hw_slab_get_data (slab) == data);
  hw_slab_unref (slab);
}

/* An idle owner trims: the spares go, and so does the size they taught. */
static void
test_trim (void)
{
  g_autoptr(HwSlabPool) pool = hw_slab_pool_new (2, 1024 * 1024);
  HwSlab *slab = hw_slab_pool_take (pool);
  GString *big = hw_slab_get_buffer (slab);
  HwSlab *out = hw_slab_pool_take (pool);

  g_string_set_size (big, 200 * 1024);
  hw_slab_unref (slab);
  hw_slab_pool_trim (pool);

  slab = hw_slab_pool_take (pool);
  g_assert_true (hw_slab_get_buffer (slab) != big);
  g_assert_cmpuint (hw_slab_get_buffer (slab)->allocated_len, <, 4096);
  hw_slab_unref (slab);

  /* Slabs out at the trim come back as spares as usual. */
  g_string_append (hw_slab_get_buffer (out), "still out");
  big = hw_slab_get_buffer (out);
  hw_slab_unref (out);
  slab = hw_slab_pool_take (pool);
  g_assert_true (hw_slab_get_buffer (slab) == big);
  hw_slab_unref (slab);
}

/* Slabs may outlive their pool's owner: the delivery that made them stops
 * while a batch body is still being written. */
static void
test_outlives_pool (void)
{
  HwSlabPool *pool = hw_slab_pool_new (4, 4096);
  HwSlab *slab = hw_slab_pool_take (pool);

  hw_slab_pool_unref (pool);
  g_string_append (hw_slab_get_buffer (slab), "still valid");
  g_assert_cmpstr (hw_slab_get_data (slab), ==, "still valid");
  hw_slab_unref (slab);
}

typedef struct
{
  HwSlabPool *pool;
  guint       rounds;
} Churn;

static gpointer
churn (gpointer data)
{
  Churn *churn = data;

  for (guint i = 0; i < churn->rounds; i++)
    {
      HwSlab *slab = hw_slab_pool_take (churn->pool);
      GBytes *bytes;

      g_string_append_printf (hw_slab_get_buffer (slab), "round %u", i);
      bytes = hw_slab_to_bytes (slab, hw_slab_get_buffer (slab)->len);
      hw_slab_unref (slab);
      g_assert_cmpuint (g_bytes_get_size (bytes), >, 0);
      g_bytes_unref (bytes);
    }
  return NULL;
}

/* Taken on workers, released on the main thread: the pool is shared. Run
 * under the sanitizers in CI, where a race or a leak fails the test. */
static void
test_threads (void)
{
  g_autoptr(HwSlabPool) pool = hw_slab_pool_new (2, 4096);
  Churn work = { pool, 2000 };
  GThread *threads[4];

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("churn", churn, &work);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/slab/recycled", test_recycled);
  g_test_add_func ("/slab/shared", test_shared);
  g_test_add_func ("/slab/limits", test_limits);
  g_test_add_func ("/slab/sized-like-the-last", test_sized_like_the_last);
  g_test_add_func ("/slab/reserve", test_reserve);
  g_test_add_func ("/slab/trim", test_trim);
  g_test_add_func ("/slab/outlives-pool", test_outlives_pool);
  g_test_add_func ("/slab/threads", test_threads);
  return g_test_run ();
}
