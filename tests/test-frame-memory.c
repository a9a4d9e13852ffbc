/* test-frame-memory.c: a frame's freed memory serves the next frame
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Counts the minor page faults of a frame-sized buffer drawn after other
 * work freed a lot of memory (as a search's results do when the next
 * search replaces them): memory the kernel maps afresh faults once per
 * page, memory malloc kept faults not at all. Page faults are counted by the kernel, so the result
 * does not depend on timing (the test runs no other thread).
 */
#include "config.h"

#include <string.h>
#include <sys/resource.h>

#include "hw-frame-memory.h"

/* 1280×1024 pixels of 4 bytes, as GTK's cairo renderer allocates them. */
#define FRAME_BYTES (1280 * 1024 * 4)
#define FRAME_PAGES (FRAME_BYTES / 4096)

static long
minor_faults (void)
{
  struct rusage usage;

  g_assert_cmpint (getrusage (RUSAGE_SELF, &usage), ==, 0);
  return usage.ru_minflt;
}

/* Draws a frame: touches every page of a fresh buffer, then frees it. */
static long
frame_faults (void)
{
  long before = minor_faults ();
  char *frame = g_malloc (FRAME_BYTES);

  memset (frame, 0x5a, FRAME_BYTES);
  g_free (frame);
  return minor_faults () - before;
}

/* Other work: many blocks below the mmap threshold, freed together, so the
 * heap's free top grows past glibc's adaptive trim threshold. */
static void
burst_of_work (void)
{
  g_autoptr(GPtrArray) blocks = g_ptr_array_new ();

  for (guint i = 0; i < 40; i++)
    {
      char *block = g_malloc (1024 * 1024);

      memset (block, 0xa5, 1024 * 1024);
      g_ptr_array_add (blocks, block);
    }
  for (guint i = blocks->len; i > 0; i--)
    g_free (blocks->pdata[i - 1]);
}

static void
test_frames_reuse_memory (void)
{
  if (!hw_frame_memory_keep ())
    {
      g_test_skip ("the allocator is not glibc's, or a sanitizer's: nothing to keep");
      return;
    }
  frame_faults ();
  burst_of_work ();
  frame_faults ();
  /* A few pages may still be new (malloc's own bookkeeping); a frame
   * faulted in again costs all FRAME_PAGES of them. */
  for (guint i = 0; i < 8; i++)
    {
      burst_of_work ();
      g_assert_cmpint (frame_faults (), <, FRAME_PAGES / 100);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/frame-memory/frames-reuse-memory", test_frames_reuse_memory);
  return g_test_run ();
}
