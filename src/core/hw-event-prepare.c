/* hw-event-prepare.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <lz4.h>
#include <string.h>
#include <zstd.h>

#include "hw-error.h"
#include "hw-event-prepare.h"
#include "hw-event-scan.h"
#include "hw-event-store-private.h"
#include "hw-index-words.h"

struct _HwEventPreparer
{
  HwMaskRules  *rules;       /* nullable */
  HwBodyCodec   codec;
  ZSTD_CCtx    *compressor;  /* nullable: out of memory */
  void         *lz4_state;   /* LZ4_sizeofState() bytes, made on first use */
  gboolean      fast;
  gboolean      deferred;
  GString      *text;        /* scratch for the one-pass reader */
  HwIndexWords *words;       /* scratch for the index text */
};

void
hw_prepared_event_clear (HwPreparedEvent *prepared)
{
  g_return_if_fail (prepared != NULL);

  g_clear_pointer (&prepared->event, hw_event_unref);
  g_clear_pointer (&prepared->body, g_byte_array_unref);
  g_clear_pointer (&prepared->json, g_free);
  g_clear_pointer (&prepared->text, g_free);
  g_clear_pointer (&prepared->tags, g_free);
}

/* Bodies are zstd frames at level 1: for events of 0.5–4 KB it compresses
 * about as well as zlib level 1 (0.47 against 0.455 of the JSON on the
 * benchmark lake) for less than half the instructions, and decompresses
 * several times faster, which delivery and replay do for every event. The
 * frame records its content size, so reading allocates once. Older caches
 * hold zlib streams; hw_store_decompress() tells the two apart by the
 * zstd magic number, which no zlib header can start with. LZ4 bodies
 * (HW_BODY_CODEC_LZ4) carry a header of their own: see
 * hw-event-store-private.h. */
#define BODY_LEVEL 1

HwEventPreparer *
hw_event_preparer_new (HwMaskRules *rules)
{
  HwEventPreparer *self = g_new0 (HwEventPreparer, 1);

  if (rules != NULL)
    self->rules = hw_mask_rules_ref (rules);
  self->compressor = ZSTD_createCCtx ();
  if (self->compressor != NULL)
    ZSTD_CCtx_setParameter (self->compressor, ZSTD_c_compressionLevel, BODY_LEVEL);
  self->fast = TRUE;
  self->text = g_string_sized_new (4096);
  self->words = hw_index_words_new ();
  return self;
}

void
hw_event_preparer_free (HwEventPreparer *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->rules, hw_mask_rules_unref);
  ZSTD_freeCCtx (self->compressor);
  g_free (self->lz4_state);
  g_string_free (self->text, TRUE);
  hw_index_words_free (self->words);
  g_free (self);
}

void
hw_event_preparer_set_fast (HwEventPreparer *self,
                            gboolean         fast)
{
  g_return_if_fail (self != NULL);

  self->fast = fast;
}

void
hw_event_preparer_set_deferred (HwEventPreparer *self,
                                gboolean         deferred)
{
  g_return_if_fail (self != NULL);

  self->deferred = deferred;
}

void
hw_event_preparer_set_codec (HwEventPreparer *self,
                             HwBodyCodec      codec)
{
  g_return_if_fail (self != NULL);

  self->codec = codec;
}

static GByteArray *
compress_lz4 (HwEventPreparer  *self,
              const char       *json,
              gsize             length,
              GError          **error)
{
  g_autoptr(GByteArray) out = NULL;
  guint32 size_le;
  int bound, size;

  if (self->lz4_state == NULL)
    self->lz4_state = g_malloc (LZ4_sizeofState ());

  bound = LZ4_compressBound ((int) length);
  out = g_byte_array_sized_new (HW_LZ4_BODY_HEADER_BYTES + bound);
  g_byte_array_set_size (out, HW_LZ4_BODY_HEADER_BYTES + bound);
  memcpy (out->data, hw_lz4_body_magic, sizeof hw_lz4_body_magic);
  size_le = GUINT32_TO_LE ((guint32) length);
  memcpy (out->data + sizeof hw_lz4_body_magic, &size_le, sizeof size_le);
  size = LZ4_compress_fast_extState (self->lz4_state, json, (char *) out->data + HW_LZ4_BODY_HEADER_BYTES,
                                     (int) length, bound, 1);
  if (size <= 0 && length > 0)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_FAILED, "compressing an event body: LZ4 failed");
      return NULL;
    }
  g_byte_array_set_size (out, HW_LZ4_BODY_HEADER_BYTES + size);
  return g_steal_pointer (&out);
}

static GByteArray *
compress_body (HwEventPreparer  *self,
               const char       *json,
               gsize             length,
               GError          **error)
{
  g_autoptr(GByteArray) out = NULL;
  gsize size;

  /* Never store what hw_store_decompress() would refuse as damage. */
  if (length > HW_STORE_MAX_BODY_BYTES)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_FAILED, "compressing an event body: larger than %u MiB",
                   HW_STORE_MAX_BODY_BYTES / (1024 * 1024));
      return NULL;
    }
  if (self->codec == HW_BODY_CODEC_LZ4)
    return compress_lz4 (self, json, length, error);
  if (self->compressor == NULL)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_FAILED, "compressing event bodies: out of memory");
      return NULL;
    }

  /* ZSTD_compressBound() is enough for one call to always end the frame. */
  out = g_byte_array_sized_new (ZSTD_compressBound (length));
  g_byte_array_set_size (out, ZSTD_compressBound (length));
  size = ZSTD_compress2 (self->compressor, out->data, out->len, json, length);
  if (ZSTD_isError (size))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_FAILED, "compressing an event body: %s",
                   ZSTD_getErrorName (size));
      return NULL;
    }

  g_byte_array_set_size (out, size);
  return g_steal_pointer (&out);
}

/* Compresses @json into @out now, or keeps it for later. */
static gboolean
set_body (HwEventPreparer  *self,
          HwPreparedEvent  *out,
          const char       *json,
          gsize             length,
          GError          **error)
{
  if (self->deferred)
    {
      out->json = g_strndup (json, length);
      return TRUE;
    }
  out->body = compress_body (self, json, length, error);
  return out->body != NULL;
}

gboolean
hw_event_preparer_compress (HwEventPreparer  *self,
                            HwPreparedEvent  *prepared,
                            GError          **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (prepared != NULL, FALSE);

  if (prepared->body != NULL)
    return TRUE;
  g_return_val_if_fail (prepared->json != NULL, FALSE);

  prepared->body = compress_body (self, prepared->json, strlen (prepared->json), error);
  if (prepared->body == NULL)
    return FALSE;
  g_clear_pointer (&prepared->json, g_free);
  return TRUE;
}

/* With mask rules the body, the index and the columns all come from the
 * masked event, so a masked value is neither stored nor searchable. */
gboolean
hw_event_preparer_prepare (HwEventPreparer  *self,
                           HwEvent          *event,
                           HwPreparedEvent  *out,
                           GError          **error)
{
  g_autoptr(JsonNode) masked = NULL;
  g_autofree char *masked_json = NULL;
  g_autoptr(HwEvent) stored = NULL;
  guint n_masked = 0;
  const char *json;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (event != NULL && event->json != NULL && event->expanded != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  if (self->rules != NULL)
    masked = hw_mask_rules_apply_copy (self->rules, event->expanded, &n_masked);
  if (n_masked > 0)
    {
      /* The columns too (partition key, common tags, a fault's err
       * fields), or a masked address would still be cached in one; the
       * copy's JSON is the masked tree's. */
      stored = hw_event_new_masked (event, masked);
      json = stored->json;
    }
  else
    {
      stored = hw_event_ref (event);
      /* Rules that masked nothing still store the tree as json-glib
       * writes it, like rules that did. */
      json = masked != NULL ? (masked_json = json_to_string (masked, FALSE)) : event->json;
    }

  memset (out, 0, sizeof *out);
  if (!set_body (self, out, json, strlen (json), error))
    return FALSE;
  out->text = hw_event_dup_search_text (stored);
  hw_index_words_dedup (self->words, out->text);
  out->tags = hw_event_dup_tags_json (stored);
  out->event = g_steal_pointer (&stored);
  return TRUE;
}

static gboolean
must_mask (const HwMaskRules  *rules,
           const HwEventScan  *scan)
{
  HwMaskFlags flags;

  if (rules == NULL)
    return FALSE;
  /* User patterns and fields could match anything: only the tree can tell. */
  if (!hw_mask_rules_is_builtin_only (rules))
    return TRUE;

  flags = hw_mask_rules_get_flags (rules);
  return ((flags & HW_MASK_EEM_FIELDS) && scan->has_eem)
         || ((flags & HW_MASK_EMAILS) && scan->has_at)
         || ((flags & HW_MASK_CARD_NUMBERS) && scan->has_card_number);
}

/* The one-pass path: TRUE with @out filled, or FALSE when the line needs
 * the tree (the caller then parses it the ordinary way). */
static gboolean
prepare_fast (HwEventPreparer     *self,
              const char          *data,
              gsize                length,
              const HwParseLimits *limits,
              HwPreparedEvent     *out)
{
  HwEventScan scan;

  if (length > limits->max_event_bytes)
    return FALSE;

  g_string_truncate (self->text, 0);
  if (!hw_event_scan (data, length, limits->max_depth, self->text, &scan))
    return FALSE;

  /* Stored bodies and tags are what json-glib would write back: the line
   * itself only where that is byte for byte the same. A bare line is
   * stored as received without rules (as the parser keeps it). */
  if (must_mask (self->rules, &scan)
      || ((scan.body != data || self->rules != NULL) && !scan.body_canonical)
      || (scan.tags != NULL && !scan.tags_canonical)
      || !set_body (self, out, scan.body, scan.body_length, NULL))
    {
      hw_event_scan_clear (&scan);
      return FALSE;
    }

  out->event = g_steal_pointer (&scan.event);
  out->text = g_steal_pointer (&scan.text);
  hw_index_words_dedup (self->words, out->text);
  out->tags = scan.tags != NULL ? g_strndup (scan.tags, scan.tags_length) : NULL;
  return TRUE;
}

gboolean
hw_event_preparer_parse (HwEventPreparer     *self,
                         const char          *data,
                         gsize                length,
                         const HwParseLimits *limits,
                         HwPreparedEvent     *out,
                         GError             **error)
{
  HwParseLimits default_limits = hw_parse_limits_default ();
  g_autoptr(HwEvent) event = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  if (limits == NULL)
    limits = &default_limits;
  memset (out, 0, sizeof *out);

  if (self->fast && prepare_fast (self, data, length, limits, out))
    return TRUE;

  event = hw_event_parse (data, length, limits, error);
  if (event == NULL)
    return FALSE;
  return hw_event_preparer_prepare (self, event, out, error);
}
