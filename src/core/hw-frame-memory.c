/* hw-frame-memory.c: keeps the memory of each frame's drawing mapped
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GTK's cairo renderer draws each frame into a window-sized image, 4-5 MB
 * at 1280×1024, and frees it at the end of the frame. glibc's malloc
 * adapts its mmap threshold to such blocks and then serves them from its
 * heap, but it trims the heap back to the kernel whenever twice that much
 * lies free at its top. The next frame then faults every page in again, and
 * the kernel zeroes each one: in the Event Lake benchmark, the frames that
 * repaint most of the window (a search's first rows, histogram and facets
 * together) spent more than half of 15-30 ms in those page faults. Fixed
 * thresholds keep the freed frame for the next one, at the price of up to
 * HW_FRAME_MEMORY_TRIM_THRESHOLD of free memory held (13 MB more RSS on
 * that benchmark, 175 MB in all).
 */
#include "config.h"

#include <stdlib.h>   /* defines __GLIBC__ on glibc */
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "hw-frame-memory.h"

gboolean
hw_frame_memory_keep (void)
{
#ifdef __GLIBC__
  /* Setting either also turns glibc's adaptive thresholds off; a
   * sanitizer's allocator answers 0 to both. */
  return mallopt (M_MMAP_THRESHOLD, HW_FRAME_MEMORY_MMAP_THRESHOLD) == 1
         && mallopt (M_TRIM_THRESHOLD, HW_FRAME_MEMORY_TRIM_THRESHOLD) == 1;
#else
  return FALSE;
#endif
}
