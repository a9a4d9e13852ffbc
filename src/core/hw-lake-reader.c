/* hw-lake-reader.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <gio/gunixinputstream.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hw-error.h"
#include "hw-json-guard.h"
#include "hw-lake-reader.h"

#define CHUNK_SIZE (64 * 1024)

typedef struct
{
  char         *path;
  GInputStream *stream;   /* NULL: open @path */
  gboolean      nested;   /* found by walking a directory */
} Pending;

struct _HwLakeReader
{
  gsize          max_line;
  GQueue         pending;        /* Pending*, next first */
  guint          n_sources;

  /* The source being read. */
  char          *path;
  GInputStream  *stream;
  GConverter    *gunzip;         /* NULL for plain text */
  gboolean       member_done;    /* a gzip member ended; another may follow */
  guint8        *in;             /* raw bytes read from @stream */
  gsize          in_pos;
  gsize          in_len;
  gboolean       in_eof;

  /* Decoded text: [start, end) is unread, [start, scan) holds no newline. */
  char          *buf;
  gsize          cap;
  gsize          start;
  gsize          scan;
  gsize          end;
  gboolean       eof;
  gboolean       skipping;       /* inside an over-long line */
  guint64        line_number;
};

static void
pending_free (Pending *pending)
{
  g_free (pending->path);
  g_clear_object (&pending->stream);
  g_free (pending);
}

HwLakeReader *
hw_lake_reader_new (gsize max_line_bytes)
{
  HwLakeReader *reader = g_new0 (HwLakeReader, 1);

  reader->max_line = max_line_bytes > 0 ? max_line_bytes : HW_LAKE_READER_DEFAULT_MAX_LINE;
  /* Room for a whole line plus one read, and a NUL after the last line. */
  reader->cap = reader->max_line + CHUNK_SIZE;
  reader->buf = g_malloc (reader->cap + 1);
  reader->in = g_malloc (CHUNK_SIZE);
  g_queue_init (&reader->pending);
  return reader;
}

static void
close_source (HwLakeReader *reader)
{
  g_clear_pointer (&reader->path, g_free);
  if (reader->stream != NULL)
    g_input_stream_close (reader->stream, NULL, NULL);
  g_clear_object (&reader->stream);
  g_clear_object (&reader->gunzip);
  reader->member_done = FALSE;
  reader->in_pos = reader->in_len = 0;
  reader->in_eof = FALSE;
  reader->start = reader->scan = reader->end = 0;
  reader->eof = FALSE;
  reader->skipping = FALSE;
  reader->line_number = 0;
}

void
hw_lake_reader_free (HwLakeReader *reader)
{
  if (reader == NULL)
    return;

  close_source (reader);
  g_queue_clear_full (&reader->pending, (GDestroyNotify) pending_free);
  g_free (reader->buf);
  g_free (reader->in);
  g_free (reader);
}

void
hw_lake_reader_add_path (HwLakeReader *reader,
                         const char   *path)
{
  Pending *pending;

  g_return_if_fail (reader != NULL);
  g_return_if_fail (path != NULL);

  pending = g_new0 (Pending, 1);
  pending->path = g_strdup (path);
  g_queue_push_tail (&reader->pending, pending);
}

void
hw_lake_reader_add_stream (HwLakeReader *reader,
                           GInputStream *stream,
                           const char   *label)
{
  Pending *pending;

  g_return_if_fail (reader != NULL);
  g_return_if_fail (G_IS_INPUT_STREAM (stream));

  pending = g_new0 (Pending, 1);
  pending->path = g_strdup (label != NULL ? label : "stream");
  pending->stream = g_object_ref (stream);
  g_queue_push_tail (&reader->pending, pending);
}

guint
hw_lake_reader_get_n_sources (HwLakeReader *reader)
{
  g_return_val_if_fail (reader != NULL, 0);

  return reader->n_sources;
}

/* Raw input ----------------------------------------------------------------- */

/* Appends raw bytes after the unread ones; sets in_eof at the end. */
static gboolean
read_raw (HwLakeReader *reader,
          GCancellable *cancellable,
          GError      **error)
{
  gssize n;

  if (reader->in_pos > 0)
    {
      memmove (reader->in, reader->in + reader->in_pos, reader->in_len - reader->in_pos);
      reader->in_len -= reader->in_pos;
      reader->in_pos = 0;
    }
  if (reader->in_len == CHUNK_SIZE)
    return TRUE;

  n = g_input_stream_read (reader->stream, reader->in + reader->in_len,
                           CHUNK_SIZE - reader->in_len, cancellable, error);
  if (n < 0)
    return FALSE;
  if (n == 0)
    reader->in_eof = TRUE;
  reader->in_len += n;
  return TRUE;
}

static gboolean
at_gzip_magic (HwLakeReader *reader)
{
  return reader->in_len - reader->in_pos >= 2
         && reader->in[reader->in_pos] == 0x1f
         && reader->in[reader->in_pos + 1] == 0x8b;
}

/* A following member must start with the magic too: anything else after a
 * gzip stream is damage worth reporting, not text to read. */
static gboolean
start_next_member (HwLakeReader *reader,
                   GCancellable *cancellable,
                   GError      **error)
{
  while (reader->in_len - reader->in_pos < 2 && !reader->in_eof)
    if (!read_raw (reader, cancellable, error))
      return FALSE;

  if (reader->in_len == reader->in_pos)
    return TRUE;
  if (!at_gzip_magic (reader))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_CORRUPT, "unexpected bytes after the gzip data");
      return FALSE;
    }
  g_converter_reset (reader->gunzip);
  reader->member_done = FALSE;
  return TRUE;
}

/* Decoded bytes into @dest: > 0 bytes, 0 at the end, -1 on error. */
static gssize
read_decoded (HwLakeReader *reader,
              char         *dest,
              gsize         size,
              GCancellable *cancellable,
              GError      **error)
{
  if (reader->gunzip == NULL)
    {
      if (reader->in_pos < reader->in_len)
        {
          gsize n = MIN (size, reader->in_len - reader->in_pos);

          memcpy (dest, reader->in + reader->in_pos, n);
          reader->in_pos += n;
          return n;
        }
      return g_input_stream_read (reader->stream, dest, size, cancellable, error);
    }

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      GConverterResult result;
      gsize bytes_read = 0;
      gsize bytes_written = 0;

      if (reader->member_done)
        {
          if (!start_next_member (reader, cancellable, error))
            return -1;
          if (reader->member_done)
            return 0;
        }

      if (reader->in_pos == reader->in_len && !reader->in_eof
          && !read_raw (reader, cancellable, error))
        return -1;

      result = g_converter_convert (reader->gunzip, reader->in + reader->in_pos,
                                    reader->in_len - reader->in_pos, dest, size,
                                    reader->in_eof ? G_CONVERTER_INPUT_AT_END : G_CONVERTER_NO_FLAGS,
                                    &bytes_read, &bytes_written, &local_error);
      reader->in_pos += bytes_read;

      if (result == G_CONVERTER_ERROR)
        {
          if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT))
            {
              g_set_error (error, HW_ERROR, HW_ERROR_CORRUPT, "invalid gzip data: %s",
                           local_error->message);
              return -1;
            }
          if (reader->in_eof)
            {
              g_set_error (error, HW_ERROR, HW_ERROR_CORRUPT, "truncated gzip data");
              return -1;
            }
          if (!read_raw (reader, cancellable, error))
            return -1;
          continue;
        }

      if (result == G_CONVERTER_FINISHED)
        reader->member_done = TRUE;
      if (bytes_written > 0)
        return bytes_written;
    }
}

/* Sources ---------------------------------------------------------------- */

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* Queues the children of @dir in sorted order ahead of what was pending. */
static gboolean
expand_directory (HwLakeReader *reader,
                  const char   *dir,
                  GError      **error)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, error);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (handle == NULL)
    return FALSE;

  while ((name = g_dir_read_name (handle)) != NULL)
    if (name[0] != '.')
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);

  for (guint i = names->len; i > 0; i--)
    {
      Pending *pending = g_new0 (Pending, 1);

      pending->path = g_build_filename (dir, g_ptr_array_index (names, i - 1), NULL);
      pending->nested = TRUE;
      g_queue_push_head (&reader->pending, pending);
    }
  return TRUE;
}

static GInputStream *
open_path (HwLakeReader *reader,
           const char   *path,
           gboolean      nested,
           gboolean     *is_dir,
           GError      **error)
{
  GStatBuf st;
  g_autoptr(GFile) file = NULL;

  *is_dir = FALSE;

  if (g_str_equal (path, "-"))
    return g_unix_input_stream_new (STDIN_FILENO, FALSE);

  if (g_stat (path, &st) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, HW_ERROR, HW_ERROR_IO, "cannot open: %s", g_strerror (saved_errno));
      return NULL;
    }

  if (S_ISDIR (st.st_mode))
    {
      GStatBuf lst;

      /* Following links to directories inside a tree could loop forever. */
      *is_dir = TRUE;
      if (nested && g_lstat (path, &lst) == 0 && S_ISLNK (lst.st_mode))
        return NULL;
      expand_directory (reader, path, error);
      return NULL;
    }

  file = g_file_new_for_path (path);
  return G_INPUT_STREAM (g_file_read (file, NULL, error));
}

/* Opens the next readable source. FALSE with @error set when one could
 * not be opened (reported, then the caller moves on); FALSE without error
 * at the end. */
static gboolean
open_next_source (HwLakeReader *reader,
                  GCancellable *cancellable,
                  GError      **error)
{
  for (;;)
    {
      Pending *pending = g_queue_pop_head (&reader->pending);
      gboolean is_dir = FALSE;

      if (pending == NULL)
        return FALSE;

      close_source (reader);
      reader->path = g_steal_pointer (&pending->path);
      if (pending->stream != NULL)
        reader->stream = g_steal_pointer (&pending->stream);
      else
        reader->stream = open_path (reader, reader->path, pending->nested, &is_dir, error);
      pending_free (pending);

      if (is_dir)
        {
          if (error != NULL && *error != NULL)
            return FALSE;
          continue;
        }
      if (reader->stream == NULL)
        return FALSE;

      reader->n_sources++;
      while (reader->in_len < 2 && !reader->in_eof)
        if (!read_raw (reader, cancellable, error))
          return FALSE;
      if (at_gzip_magic (reader))
        reader->gunzip = G_CONVERTER (g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP));
      return TRUE;
    }
}

/* Lines ---------------------------------------------------------------- */

static HwLakeReadResult
too_long (HwLakeReader *reader,
          HwLakeLine   *line,
          GError      **error)
{
  line->path = reader->path;
  line->number = reader->line_number;
  line->data = NULL;
  line->length = 0;
  g_set_error (error, HW_ERROR, HW_ERROR_TOO_LARGE,
               "line longer than %" G_GSIZE_FORMAT " bytes", reader->max_line);
  return HW_LAKE_READ_BAD_LINE;
}

/* Cuts [start, stop) out as a line; FALSE when it is blank. */
static gboolean
take_line (HwLakeReader *reader,
           gsize         stop,
           HwLakeLine   *line)
{
  char *data = reader->buf + reader->start;
  gsize length = stop - reader->start;

  if (length > 0 && data[length - 1] == '\r')
    length--;
  data[length] = '\0';
  reader->line_number++;

  line->path = reader->path;
  line->number = reader->line_number;
  line->data = data;
  line->length = length;
  return !hw_json_guard_is_blank (data, length);
}

/* Next line of the current source; HW_LAKE_READ_END at its end. */
static HwLakeReadResult
next_in_source (HwLakeReader *reader,
                HwLakeLine   *line,
                GCancellable *cancellable,
                GError      **error)
{
  for (;;)
    {
      char *newline = memchr (reader->buf + reader->scan, '\n', reader->end - reader->scan);
      gssize n;

      if (newline != NULL)
        {
          gsize stop = newline - reader->buf;
          gsize next = stop + 1;

          if (reader->skipping)
            {
              reader->skipping = FALSE;
              reader->start = reader->scan = next;
              reader->line_number++;
              return too_long (reader, line, error);
            }
          if (stop - reader->start - (stop > reader->start && reader->buf[stop - 1] == '\r')
              > reader->max_line)
            {
              reader->start = reader->scan = next;
              reader->line_number++;
              return too_long (reader, line, error);
            }
          if (take_line (reader, stop, line))
            {
              reader->start = reader->scan = next;
              return HW_LAKE_READ_LINE;
            }
          reader->start = reader->scan = next;
          continue;
        }

      reader->scan = reader->end;
      /* One byte of slack: a \r before the newline is not content. */
      if (reader->skipping || reader->end - reader->start > reader->max_line + 1)
        {
          /* Drop what we have of an over-long line: memory stays bounded. */
          reader->skipping = TRUE;
          reader->start = reader->scan = reader->end = 0;
        }

      if (reader->eof)
        {
          if (reader->skipping)
            {
              reader->skipping = FALSE;
              reader->line_number++;
              return too_long (reader, line, error);
            }
          if (reader->end - reader->start
              - (reader->end > reader->start && reader->buf[reader->end - 1] == '\r')
              > reader->max_line)
            {
              reader->start = reader->scan = reader->end;
              reader->line_number++;
              return too_long (reader, line, error);
            }
          if (reader->end > reader->start)
            {
              gboolean taken = take_line (reader, reader->end, line);

              reader->start = reader->scan = reader->end;
              if (taken)
                return HW_LAKE_READ_LINE;
            }
          return HW_LAKE_READ_END;
        }

      if (reader->start > 0)
        {
          memmove (reader->buf, reader->buf + reader->start, reader->end - reader->start);
          reader->end -= reader->start;
          reader->scan -= reader->start;
          reader->start = 0;
        }

      n = read_decoded (reader, reader->buf + reader->end, reader->cap - reader->end,
                        cancellable, error);
      if (n < 0)
        {
          line->path = reader->path;
          line->number = reader->line_number + 1;
          line->data = NULL;
          line->length = 0;
          return HW_LAKE_READ_BAD_SOURCE;
        }
      if (n == 0)
        reader->eof = TRUE;
      reader->end += n;
    }
}

static gboolean
is_cancelled (GCancellable *cancellable,
              GError      **error)
{
  return g_cancellable_set_error_if_cancelled (cancellable, error);
}

HwLakeReadResult
hw_lake_reader_next (HwLakeReader *reader,
                     HwLakeLine   *line,
                     GCancellable *cancellable,
                     GError      **error)
{
  g_return_val_if_fail (reader != NULL, HW_LAKE_READ_END);
  g_return_val_if_fail (line != NULL, HW_LAKE_READ_END);

  if (is_cancelled (cancellable, error))
    return HW_LAKE_READ_CANCELLED;

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      HwLakeReadResult result;

      if (reader->stream != NULL)
        {
          result = next_in_source (reader, line, cancellable, &local_error);
          if (result == HW_LAKE_READ_BAD_SOURCE)
            {
              /* Keep the line pointing at the path until the next call. */
              g_clear_object (&reader->stream);
              if (is_cancelled (cancellable, NULL))
                {
                  g_propagate_error (error, g_steal_pointer (&local_error));
                  return HW_LAKE_READ_CANCELLED;
                }
            }
          if (result != HW_LAKE_READ_END)
            {
              if (local_error != NULL)
                g_propagate_error (error, g_steal_pointer (&local_error));
              return result;
            }
          close_source (reader);
        }

      if (!open_next_source (reader, cancellable, &local_error))
        {
          if (local_error == NULL)
            return HW_LAKE_READ_END;
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return HW_LAKE_READ_CANCELLED;
            }
          g_clear_object (&reader->stream);
          line->path = reader->path;
          line->number = 0;
          line->data = NULL;
          line->length = 0;
          g_propagate_error (error, g_steal_pointer (&local_error));
          return HW_LAKE_READ_BAD_SOURCE;
        }
    }
}
