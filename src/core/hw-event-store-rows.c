/* hw-event-store-rows.c: event rows read back: their result types, and bodies of every codec written
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <lz4.h>
#include <zlib.h>
#include <zstd.h>

#include "hw-error.h"
#include "hw-event-store-private.h"

/* Result types ------------------------------------------------------------- */

void
hw_event_row_free (HwEventRow *row)
{
  if (row == NULL)
    return;
  g_free (row->id);
  g_free (row->type);
  g_free (row->partition_key);
  g_free (row->source);
  g_free (row->functionname);
  g_free (row->pipeline);
  g_free (row->json);
  g_free (row);
}

HwEventRow *
hw_event_row_dup (const HwEventRow *row)
{
  HwEventRow *copy;

  g_return_val_if_fail (row != NULL, NULL);

  copy = g_new (HwEventRow, 1);
  *copy = *row;
  copy->id = g_strdup (row->id);
  copy->type = g_strdup (row->type);
  copy->partition_key = g_strdup (row->partition_key);
  copy->source = g_strdup (row->source);
  copy->functionname = g_strdup (row->functionname);
  copy->pipeline = g_strdup (row->pipeline);
  copy->json = g_strdup (row->json);
  return copy;
}

void
hw_search_page_free (HwSearchPage *page)
{
  if (page == NULL)
    return;
  g_clear_pointer (&page->rows, g_ptr_array_unref);
  g_free (page->next_cursor);
  g_free (page);
}

/* Bodies ------------------------------------------------------------------ */

/* One inflate stream per thread, reset between bodies: setting up a
 * stream allocates its 32 KB window, which cost more than inflating a
 * ~2 KB body (delivery and replay decompress every event they send). */
static void
inflate_stream_free (gpointer data)
{
  z_stream *stream = data;

  inflateEnd (stream);
  g_free (stream);
}

static GPrivate inflate_stream_key = G_PRIVATE_INIT (inflate_stream_free);

static z_stream *
thread_inflate_stream (void)
{
  z_stream *stream = g_private_get (&inflate_stream_key);

  if (stream != NULL)
    {
      inflateReset (stream);
      return stream;
    }
  stream = g_new0 (z_stream, 1);
  if (inflateInit (stream) != Z_OK)
    {
      g_free (stream);
      return NULL;
    }
  g_private_set (&inflate_stream_key, stream);
  return stream;
}

/* One zstd context per thread too: creating one costs more than reading
 * a body with it. */
static void
zstd_dctx_free (gpointer data)
{
  ZSTD_freeDCtx (data);
}

static GPrivate zstd_dctx_key = G_PRIVATE_INIT (zstd_dctx_free);

static ZSTD_DCtx *
thread_zstd_dctx (void)
{
  ZSTD_DCtx *dctx = g_private_get (&zstd_dctx_key);

  if (dctx == NULL && (dctx = ZSTD_createDCtx ()) != NULL)
    g_private_set (&zstd_dctx_key, dctx);
  return dctx;
}

/* Bodies are zstd frames that record their size (see hw-event-prepare.c),
 * or LZ4 blocks behind a header of ours (hw-event-store-private.h);
 * caches written before hold zlib streams, which never start with either
 * magic (their first two bytes fail the zlib header check), so all kinds
 * live side by side without a marker or a migration. */
static gboolean
is_zstd_frame (const void *data,
               gsize       length)
{
  static const guint8 magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };

  return length >= sizeof magic && memcmp (data, magic, sizeof magic) == 0;
}

static gboolean
is_lz4_body (const void *data,
             gsize       length)
{
  return length >= HW_LZ4_BODY_HEADER_BYTES
         && memcmp (data, hw_lz4_body_magic, sizeof hw_lz4_body_magic) == 0;
}

/* Into @out, NUL-terminated; FALSE with @out's contents undefined. */
static gboolean
lz4_decompress (const void  *data,
                gsize        length,
                GByteArray  *out,
                GError     **error)
{
  const guint8 *bytes = data;
  guint32 size_le;
  gsize size;
  int got;

  memcpy (&size_le, bytes + sizeof hw_lz4_body_magic, sizeof size_le);
  size = GUINT32_FROM_LE (size_le);
  if (size > HW_STORE_MAX_BODY_BYTES || length - HW_LZ4_BODY_HEADER_BYTES > G_MAXINT)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_CORRUPT,
                   "stored event body cannot be decompressed: invalid LZ4 body header");
      return FALSE;
    }

  g_byte_array_set_size (out, (guint) size + 1);
  got = LZ4_decompress_safe ((const char *) bytes + HW_LZ4_BODY_HEADER_BYTES, (char *) out->data,
                             (int) (length - HW_LZ4_BODY_HEADER_BYTES), (int) size);
  if (got < 0 || (gsize) got != size)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_CORRUPT,
                   "stored event body cannot be decompressed: %s",
                   got < 0 ? "invalid LZ4 data" : "truncated LZ4 data");
      return FALSE;
    }
  out->data[size] = '\0';
  return TRUE;
}

/* Into @out, NUL-terminated; FALSE with @out's contents undefined. */
static gboolean
zstd_decompress (const void  *data,
                 gsize        length,
                 GByteArray  *out,
                 GError     **error)
{
  ZSTD_DCtx *dctx = thread_zstd_dctx ();
  unsigned long long size = ZSTD_getFrameContentSize (data, length);
  gsize got;

  if (dctx == NULL)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_CORRUPT,
                   "stored event body cannot be decompressed: out of memory");
      return FALSE;
    }
  if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR || size > HW_STORE_MAX_BODY_BYTES)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_CORRUPT,
                   "stored event body cannot be decompressed: invalid zstd frame header");
      return FALSE;
    }

  g_byte_array_set_size (out, (guint) size + 1);
  got = ZSTD_decompressDCtx (dctx, out->data, size, data, length);
  if (ZSTD_isError (got) || got != size)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_CORRUPT,
                   "stored event body cannot be decompressed: %s",
                   ZSTD_isError (got) ? ZSTD_getErrorName (got) : "truncated zstd data");
      return FALSE;
    }
  out->data[size] = '\0';
  return TRUE;
}

static char *
zlib_decompress (const void  *data,
                 gsize        length,
                 GError     **error)
{
  z_stream *stream = thread_inflate_stream ();
  gsize capacity = MAX (length * 4, 256);
  char *out;
  int status;

  if (stream == NULL || length > G_MAXUINT)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_CORRUPT,
                   "stored event body cannot be decompressed: %s",
                   stream == NULL ? "out of memory" : "too large");
      return NULL;
    }

  out = g_malloc (capacity);
  stream->next_in = (Bytef *) data;
  stream->avail_in = (uInt) length;
  stream->next_out = (Bytef *) out;
  stream->avail_out = (uInt) (capacity - 1);
  for (;;)
    {
      status = inflate (stream, Z_FINISH);
      if (status == Z_STREAM_END)
        break;
      if ((status == Z_BUF_ERROR || status == Z_OK) && stream->avail_out == 0)
        {
          gsize used = capacity - 1;

          capacity *= 2;
          out = g_realloc (out, capacity);
          stream->next_out = (Bytef *) out + used;
          stream->avail_out = (uInt) (capacity - 1 - used);
          continue;
        }
      g_set_error (error, HW_ERROR, HW_ERROR_CORRUPT,
                   "stored event body cannot be decompressed: %s",
                   stream->msg != NULL ? stream->msg : "truncated or invalid zlib data");
      g_free (out);
      return NULL;
    }

  out[stream->total_out] = '\0';
  return out;
}

char *
hw_store_decompress (const void  *data,
                     gsize        length,
                     GError     **error)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();

  if (hw_store_decompress_into (data, length, out, error) == NULL)
    return NULL;
  return (char *) g_byte_array_free (g_steal_pointer (&out), FALSE);
}

const char *
hw_store_decompress_into (const void  *data,
                          gsize        length,
                          GByteArray  *out,
                          GError     **error)
{
  g_autofree char *legacy = NULL;

  if (is_lz4_body (data, length))
    return lz4_decompress (data, length, out, error) ? (const char *) out->data : NULL;
  if (is_zstd_frame (data, length))
    return zstd_decompress (data, length, out, error) ? (const char *) out->data : NULL;

  /* zlib bodies are only in caches from before zstd: not worth a path of
   * their own. */
  legacy = zlib_decompress (data, length, error);
  if (legacy == NULL)
    return NULL;
  g_byte_array_set_size (out, 0);
  g_byte_array_append (out, (const guint8 *) legacy, (guint) strlen (legacy) + 1);
  return (const char *) out->data;
}
