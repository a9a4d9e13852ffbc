/* hw-frame-memory.h: keeps the memory of each frame's drawing mapped
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Below this size, glibc serves allocations from its heaps, not from mmap:
 * a window-sized frame of 32-bit pixels up to about 2900×2900. */
#define HW_FRAME_MEMORY_MMAP_THRESHOLD (32 * 1024 * 1024)
/* Free memory a heap keeps at its top before giving it back. */
#define HW_FRAME_MEMORY_TRIM_THRESHOLD (64 * 1024 * 1024)

/* Sets glibc's malloc to keep the memory freed after one frame for the
 * next. Call once, early in main(), in a process that draws; FALSE when the
 * allocator is not glibc's (or is a sanitizer's) and ignored the settings. */
gboolean hw_frame_memory_keep (void);

G_END_DECLS
