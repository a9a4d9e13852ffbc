/* hw-lake-reader.h: streams the lines of lake objects, gzip or plain
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Reads sources in the order they were added. A directory is walked
 * recursively in byte-wise sorted order, which for the Firehose layout
 * <region>/YYYY/MM/DD/HH/<object> is arrival order; names starting with a
 * dot and symbolic links to directories are skipped. Each object is gzip if
 * it starts with the gzip magic bytes 0x1f 0x8b, whatever its name (lake
 * objects have no extension); concatenated gzip members are read as one
 * stream. Nothing is held in memory beyond one line and a read buffer. */
typedef struct _HwLakeReader HwLakeReader;

typedef enum
{
  /* @line holds a line (blank lines are skipped). */
  HW_LAKE_READ_LINE,
  /* A line longer than the maximum: @line has its path and number, @error
   * the reason; reading goes on at the next newline. */
  HW_LAKE_READ_BAD_LINE,
  /* The current source cannot be read (missing, unreadable, corrupt or
   * truncated gzip): @line has its path and the number of the line that
   * could not be read. Lines before it were returned; reading goes on with
   * the next source. */
  HW_LAKE_READ_BAD_SOURCE,
  /* Cancelled: @error is G_IO_ERROR_CANCELLED. Stop reading. */
  HW_LAKE_READ_CANCELLED,
  /* No more sources. */
  HW_LAKE_READ_END,
} HwLakeReadResult;

typedef struct
{
  const char *path;      /* as added, joined with the names walked; "-" for stdin */
  guint64     number;    /* 1-based line number within the source */
  const char *data;      /* NUL-terminated, without the newline (or \r\n) */
  gsize       length;
} HwLakeLine;

#define HW_LAKE_READER_DEFAULT_MAX_LINE (1024 * 1024)

/* @max_line_bytes 0 means HW_LAKE_READER_DEFAULT_MAX_LINE. */
HwLakeReader     *hw_lake_reader_new         (gsize          max_line_bytes);
void              hw_lake_reader_free        (HwLakeReader  *reader);

/* A file, a directory, or "-" for standard input. */
void              hw_lake_reader_add_path    (HwLakeReader  *reader,
                                              const char    *path);
/* Any stream, named @label in lines. */
void              hw_lake_reader_add_stream  (HwLakeReader  *reader,
                                              GInputStream  *stream,
                                              const char    *label);

/* Reads the next line. @line stays valid until the next call. */
HwLakeReadResult  hw_lake_reader_next        (HwLakeReader  *reader,
                                              HwLakeLine    *line,
                                              GCancellable  *cancellable,
                                              GError       **error);

/* Number of sources (files, streams) opened so far. */
guint             hw_lake_reader_get_n_sources (HwLakeReader *reader);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwLakeReader, hw_lake_reader_free)

G_END_DECLS
