/* hw-event-prepare.h: events made ready to store (parsed, masked, indexed, compressed)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hw-event-store.h"
#include "hw-event.h"
#include "hw-mask.h"

G_BEGIN_DECLS

/* What the store writes for one event, computed outside its write lock.
 * @event carries the indexed fields (id, type, timestamp, tags, err…);
 * when it comes from hw_event_preparer_parse() its json and expanded may be
 * NULL: only the store reads it. */
typedef struct
{
  HwEvent    *event;
  GByteArray *body;   /* the stored JSON (masked when rules mask), compressed */
  char       *json;   /* that JSON while compression is deferred, else NULL */
  char       *text;   /* full-text index text, masked like the body */
  char       *tags;   /* the tags object as compact JSON, nullable */
} HwPreparedEvent;

void hw_prepared_event_clear (HwPreparedEvent *prepared);

/* One per thread: holds a compressor and the mask rules. */
typedef struct _HwEventPreparer HwEventPreparer;

HwEventPreparer *hw_event_preparer_new     (HwMaskRules         *rules);
void             hw_event_preparer_free    (HwEventPreparer     *self);

/* Prepares a parsed event (what hw_event_store_insert() does per event). */
gboolean         hw_event_preparer_prepare (HwEventPreparer     *self,
                                            HwEvent             *event,
                                            HwPreparedEvent     *out,
                                            GError             **error);

/* Parses a line and prepares it in one step. The result, and the error for
 * a bad line, are exactly those of hw_event_parse() followed by
 * hw_event_preparer_prepare(); but a line that is compact JSON without
 * COMPRESSED values, \u escapes or anything to mask is read in one pass
 * without building a JSON tree. The caller tells a bad line (FALSE with
 * HW_ERROR_INVALID_* / TOO_* codes) from a failure to compress
 * (HW_ERROR_FAILED) by @error's code. */
gboolean         hw_event_preparer_parse   (HwEventPreparer     *self,
                                            const char          *data,
                                            gsize                length,
                                            const HwParseLimits *limits,
                                            HwPreparedEvent     *out,
                                            GError             **error);

/* With @deferred, parse and prepare leave body NULL and json set, for
 * hw_event_preparer_compress() to finish, possibly on another thread with
 * another preparer: compressing is a good part of the cost. */
void             hw_event_preparer_set_deferred (HwEventPreparer *self,
                                                 gboolean         deferred);
gboolean         hw_event_preparer_compress (HwEventPreparer    *self,
                                             HwPreparedEvent    *prepared,
                                             GError            **error);

/* How bodies are compressed. The store reads either, so one file may hold
 * both. */
typedef enum
{
  /* zstd level 1: about 0.47 of the JSON on the benchmark lake. For caches,
   * whose size the console's users see. */
  HW_BODY_CODEC_ZSTD,
  /* LZ4: about 0.70, but compressed twice and read six times as fast. For
   * the hub, which reads every body again for each listener and replay. */
  HW_BODY_CODEC_LZ4,
} HwBodyCodec;

void             hw_event_preparer_set_codec (HwEventPreparer   *self,
                                              HwBodyCodec        codec);

/* For tests: FALSE sends every line through the JSON tree. */
void             hw_event_preparer_set_fast (HwEventPreparer    *self,
                                             gboolean            fast);

/* The store's mask rules (a new reference), or NULL when it masks nothing. */
HwMaskRules     *hw_event_store_dup_mask_rules  (HwEventStore    *self);

/* hw_event_store_insert() for events already prepared: one transaction,
 * all or nothing, the same statuses and seqs. */
gboolean         hw_event_store_insert_prepared (HwEventStore    *self,
                                                 HwPreparedEvent *events,
                                                 guint            n,
                                                 HwInsertStatus  *statuses,
                                                 gint64          *seqs,
                                                 GError         **error);

/* The same, with the seqs given rather than assigned: for a replica that
 * mirrors a log and keeps its sequence numbers (the JetStream engine,
 * docs/jetstream.md), so that cursors mean the same on every replica.
 * @at_seqs ascend, past the store's newest; an event whose id or seq is
 * stored already is a duplicate. */
gboolean         hw_event_store_insert_prepared_at (HwEventStore    *self,
                                                    HwPreparedEvent *events,
                                                    const gint64    *at_seqs,
                                                    guint            n,
                                                    HwInsertStatus  *statuses,
                                                    GError         **error);

G_END_DECLS
