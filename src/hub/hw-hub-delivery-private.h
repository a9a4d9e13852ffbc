/* hw-hub-delivery-private.h: what the delivery loop and its reads share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hw-event-store.h"
#include "hw-hub-delivery.h"
#include "hw-hub-slab.h"

G_BEGIN_DECLS

/* The most a listener keeps of a spare read slab, and so the most a read
 * reserves at once: reads of bigger events grow theirs as they go. */
#define HW_DELIVERY_READ_SLAB_BYTES (16 * 1024 * 1024)

/* The queue links are part of the entry: the delivery loop queues some
 * 130,000 entries a second twice each, and allocating a GList node for
 * each was 7% of its thread's time. Popped with g_queue_pop_head_link(),
 * never with a call that frees links. */
typedef struct
{
  gint64   seq;
  gint64   received_ms;
  guint32  key_hash;      /* of its partition key (its id when it has none) */
  guint    lane;          /* chosen when the read is applied */
  gboolean acked;
  HwSlab  *slab;          /* holds the rendered stream record; released once acked */
  gsize    record_offset;
  gsize    record_len;
  GList    outstanding_link;  /* in the delivery's outstanding queue */
  GList    lane_link;         /* in its lane's waiting queue */
} HwDeliveryEntry;

void        hw_delivery_entry_free       (HwDeliveryEntry *entry);
const char *hw_delivery_entry_get_record (HwDeliveryEntry *entry);
void        hw_delivery_entry_release    (HwDeliveryEntry *entry);

typedef struct _HwDeliveryRead HwDeliveryRead;
typedef void (*HwDeliveryReadFunc) (HwDeliveryRead *read);

/* One read of the seq range (after_seq, after_seq + limit] of the lake,
 * matched against the listener's rule and rendered, on a worker thread. It
 * owns what it uses, so that the worker shares nothing mutable with the
 * main context; its results are read there once @done_func ran. */
struct _HwDeliveryRead
{
  HwDelivery         *delivery;   /* a reference, released with the read */
  HwEventStore       *store;
  HwRoutingRule      *rule;
  GMainContext       *context;    /* where @done_func runs */
  HwDeliveryReadFunc  done_func;
  guint               n_shards;   /* for the records' shardId */
  gint64              after_seq;
  guint               limit;
  HwSlabPool         *slabs;      /* where @slab comes from, on the worker */
  HwSlab             *slab;       /* the entries' records, rendered back to back */

  /* Main context only. */
  gboolean            done;       /* @done_func ran */
  gboolean            discarded;  /* its results are no longer wanted */

  /* Results, written by the worker. */
  GPtrArray          *entries;    /* HwDeliveryEntry*, seq order */
  gint64              scan_seq;   /* every event up to this seq was read */
  GError             *error;

  /* g_get_monotonic_time() when queued, taken by a worker, and finished,
   * for HW_DELIVERY_TRACE. */
  gint64              queued_us;
  gint64              started_us;
  gint64              finished_us;
};

HwDeliveryRead *hw_delivery_read_new   (HwDelivery         *delivery,
                                        HwEventStore       *store,
                                        HwRoutingRule      *rule,
                                        guint               n_shards,
                                        gint64              after_seq,
                                        guint               limit,
                                        HwSlabPool         *slabs,
                                        HwDeliveryReadFunc  done_func);
void            hw_delivery_read_free  (HwDeliveryRead     *read);
/* Runs it on a worker thread; @done_func then runs on the caller's
 * thread-default main context. */
void            hw_delivery_read_start (HwDeliveryRead     *read);
/* Whether it stopped short of its range: the end of the lake. */
gboolean        hw_delivery_read_is_short (HwDeliveryRead  *read);

G_END_DECLS
