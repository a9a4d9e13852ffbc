/* fuzz-lake-reader.c: libFuzzer target for the lake line reader, plain and gzip
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>

#include "hw-error.h"
#include "hw-fuzz.h"
#include "hw-json-guard.h"
#include "hw-lake-reader.h"

/* The input is the content of one lake object. The reader's lines are
 * checked against a model (split on \n, drop one trailing \r, skip blank
 * lines, over-long lines are errors) while the same content arrives plain
 * in small reads, gzipped, and gzipped as two concatenated members: the
 * buffering and member logic must never change what is read. */

/* ---- a stream that hands out at most a few bytes per read ----------- */

#define HW_TYPE_TRICKLE_STREAM (hw_trickle_stream_get_type ())
G_DECLARE_FINAL_TYPE (HwTrickleStream, hw_trickle_stream, HW, TRICKLE_STREAM, GInputStream)

struct _HwTrickleStream
{
  GInputStream  parent_instance;
  GBytes       *bytes;
  gsize         pos;
  gsize         step;
};

G_DEFINE_FINAL_TYPE (HwTrickleStream, hw_trickle_stream, G_TYPE_INPUT_STREAM)

static gssize
hw_trickle_stream_read (GInputStream  *stream,
                        void          *buffer,
                        gsize          count,
                        GCancellable  *cancellable,
                        GError       **error)
{
  HwTrickleStream *self = HW_TRICKLE_STREAM (stream);
  gsize size = 0;
  const guint8 *data = g_bytes_get_data (self->bytes, &size);
  gsize n = MIN (MIN (count, self->step), size - self->pos);

  memcpy (buffer, data + self->pos, n);
  self->pos += n;
  return n;
}

static void
hw_trickle_stream_finalize (GObject *object)
{
  HwTrickleStream *self = HW_TRICKLE_STREAM (object);

  g_bytes_unref (self->bytes);
  G_OBJECT_CLASS (hw_trickle_stream_parent_class)->finalize (object);
}

static void
hw_trickle_stream_class_init (HwTrickleStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hw_trickle_stream_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = hw_trickle_stream_read;
}

static void
hw_trickle_stream_init (HwTrickleStream *self)
{
}

static GInputStream *
trickle_stream_new (GBytes *bytes,
                    gsize   step)
{
  HwTrickleStream *self = g_object_new (HW_TYPE_TRICKLE_STREAM, NULL);

  self->bytes = g_bytes_ref (bytes);
  self->step = MAX (step, 1);
  return G_INPUT_STREAM (self);
}

/* ---- the model -------------------------------------------------------- */

typedef struct
{
  gboolean     too_long;
  guint64      number;
  const char  *data;
  gsize        length;
} Expected;

static GArray *
model_lines (const char *data,
             gsize       size,
             gsize       max_line)
{
  GArray *lines = g_array_new (FALSE, TRUE, sizeof (Expected));
  const char *end = data + size;
  guint64 number = 0;

  for (const char *p = data; p < end;)
    {
      const char *nl = memchr (p, '\n', end - p);
      const char *stop = nl != NULL ? nl : end;
      Expected line = { .data = p, .length = stop - p };

      line.number = ++number;
      if (line.length > 0 && p[line.length - 1] == '\r')
        line.length--;
      line.too_long = line.length > max_line;
      if (line.too_long || !hw_json_guard_is_blank (line.data, line.length))
        g_array_append_val (lines, line);
      p = stop + 1;
    }
  return lines;
}

/* ---- gzip --------------------------------------------------------------- */

static GBytes *
gzip (const guint8 *data,
      gsize         size)
{
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6);
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) out = g_converter_output_stream_new (memory, G_CONVERTER (compressor));

  HW_FUZZ_CHECK (g_output_stream_write_all (out, data, size, NULL, NULL, NULL));
  HW_FUZZ_CHECK (g_output_stream_close (out, NULL, NULL));
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
}

/* ---- running the reader --------------------------------------------------- */

/* Reads every line of @stream; with @model, checks them against it. */
static void
read_all (GInputStream *stream,
          gsize         max_line,
          GArray       *model)
{
  g_autoptr(HwLakeReader) reader = hw_lake_reader_new (max_line);
  guint index = 0;

  hw_lake_reader_add_stream (reader, stream, "fuzz");
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      HwLakeLine line = { 0 };
      HwLakeReadResult result = hw_lake_reader_next (reader, &line, NULL, &error);
      const Expected *want;

      if (result == HW_LAKE_READ_END)
        break;
      HW_FUZZ_CHECK (line.path != NULL && strcmp (line.path, "fuzz") == 0);
      if (result == HW_LAKE_READ_BAD_SOURCE)
        {
          HW_FUZZ_CHECK (model == NULL);
          HW_FUZZ_CHECK_ERROR (error);
          continue;
        }
      HW_FUZZ_CHECK (result == HW_LAKE_READ_LINE || result == HW_LAKE_READ_BAD_LINE);
      if (result == HW_LAKE_READ_LINE)
        {
          HW_FUZZ_CHECK (error == NULL);
          HW_FUZZ_CHECK (line.data != NULL && line.data[line.length] == '\0');
          HW_FUZZ_CHECK (line.length <= (max_line ? max_line : HW_LAKE_READER_DEFAULT_MAX_LINE));
        }
      else
        HW_FUZZ_CHECK_ERROR (error);
      if (model == NULL)
        continue;

      HW_FUZZ_CHECK (index < model->len);
      want = &g_array_index (model, Expected, index++);
      HW_FUZZ_CHECK (line.number == want->number);
      HW_FUZZ_CHECK ((result == HW_LAKE_READ_BAD_LINE) == want->too_long);
      if (!want->too_long)
        HW_FUZZ_CHECK (line.length == want->length && memcmp (line.data, want->data, want->length) == 0);
    }
  if (model != NULL)
    HW_FUZZ_CHECK (index == model->len);
  HW_FUZZ_CHECK (hw_lake_reader_get_n_sources (reader) == 1);
}

static gboolean
starts_with_gzip_magic (const uint8_t *data,
                        size_t         size)
{
  return size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static (data, size);
  g_autoptr(GInputStream) as_is = g_memory_input_stream_new_from_bytes (bytes);
  const char *text = (const char *) data;
  /* A line limit of a few bytes makes over-long lines common. */
  gsize small_max = 1 + size % 23;

  if (starts_with_gzip_magic (data, size))
    {
      /* Arbitrary gzip-looking bytes: only sanity, no model. */
      read_all (as_is, 1 + size % 97, NULL);
      return 0;
    }

  {
    g_autoptr(GArray) model = model_lines (text, size, small_max);
    g_autoptr(GInputStream) trickle = trickle_stream_new (bytes, 1 + size % 7);

    read_all (trickle, small_max, model);
  }
  {
    /* Longer than any input libFuzzer makes; the default (1 MiB) costs a
     * large allocation per run, which ASan makes slow. */
    g_autoptr(GArray) model = model_lines (text, size, 64 * 1024);
    g_autoptr(GBytes) gz = gzip (data, size);
    g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes (gz);

    read_all (stream, 64 * 1024, model);
  }
  {
    g_autoptr(GArray) model = model_lines (text, size, small_max);
    gsize half = size / 2;
    g_autoptr(GBytes) first = gzip (data, half);
    g_autoptr(GBytes) second = gzip (data + half, size - half);
    g_autoptr(GInputStream) trickle = NULL;
    g_autoptr(GByteArray) joined = g_byte_array_new ();
    g_autoptr(GBytes) joined_bytes = NULL;

    g_byte_array_append (joined, g_bytes_get_data (first, NULL), g_bytes_get_size (first));
    g_byte_array_append (joined, g_bytes_get_data (second, NULL), g_bytes_get_size (second));
    joined_bytes = g_byte_array_free_to_bytes (g_steal_pointer (&joined));
    trickle = trickle_stream_new (joined_bytes, 1 + size % 11);
    read_all (trickle, small_max, model);
  }
  return 0;
}
