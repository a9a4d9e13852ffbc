/* hw-hub-delivery-private.h: what the delivery loop, its lanes and its reads share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hw-event-store.h"
#include "hw-hub-batch-conn.h"
#include "hw-hub-delivery.h"
#include "hw-hub-delivery-trace.h"
#include "hw-hub-metrics.h"
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

/* Unacknowledged events of the partition keys hashed to one slot, and their
 * lane. Keys that share a slot share a lane while either has events out:
 * harmless for order, and rare with twice as many slots as the window. */
typedef struct
{
  guint32 unacked;
  guint32 lane;
} HwDeliveryKeySlot;

typedef struct
{
  GQueue     waiting;     /* Entry*, not yet sent */
  GPtrArray *batch;       /* Entry*, outstanding (in flight or waiting to retry) */
  GBytes    *body;        /* kept so a retry resends exactly the same batch */
  guint      attempts;
  guint      retry_id;
  gboolean   in_flight;
  HwBatchConn *conn;      /* kept alive between its batches */
} HwDeliveryLane;

struct _HwDelivery
{
  gatomicrefcount           ref_count;
  HwHub                    *hub;          /* not owned: the hub outlives its listeners */
  HwListenerSpec           *spec;
  GCancellable             *cancellable;
  HwDeliveryLane           *lanes;
  guint                     n_lanes;
  guint                     window;       /* max unacknowledged entries held */

  GQueue                    outstanding;  /* Entry*, from the oldest unacked one, seq order */
  guint                     unacked;      /* entries waiting or in a lane's batch */
  HwDeliveryKeySlot        *key_slots;
  guint32                   key_slot_mask;
  gint64                    scan_seq;     /* every event up to this seq was read and queued */
  gint64                    checkpoint;
  gint64                    reported_checkpoint;
  GQueue                    reads;        /* HwDeliveryRead*, consecutive ranges after scan_seq */
  gint64                    read_seq;     /* end of the last range asked for */
  guint                     read_rows;    /* sum of the limits of @reads */
  guint                     read_chunk;
  guint                     max_reads;    /* in flight at once */
  guint                     running;      /* reads on a worker, discarded ones too */
  gboolean                  caught_up;    /* the last read reached the end of the lake */
  gboolean                  wake_pending; /* events arrived during a read */

  guint64                   delivered;
  guint64                   invocations;
  guint64                   errors;
  guint64                   throttles;
  guint64                   retries;
  char                     *last_error;
  gint64                    last_error_ms;
  gint64                    last_ack_ms;

  guint                     tick_id;
  guint                     persist_id;
  gboolean                  stopped;
  HwDeliveryCheckpointFunc  checkpoint_func;
  gpointer                  checkpoint_data;
  HwDeliveryTrace          *trace;        /* NULL unless HW_DELIVERY_TRACE is set */
  HwSlabPool               *read_slabs;
  HwSlabPool               *body_slabs;
};

/* hw-hub-delivery.c */
void hw_delivery_record_metric     (HwDelivery      *self,
                                    HwMetricKind     kind,
                                    const char      *name,
                                    double           value);
void hw_delivery_update_checkpoint (HwDelivery      *self);
void hw_delivery_schedule_persist  (HwDelivery      *self);
void hw_delivery_fill              (HwDelivery      *self);
void hw_delivery_pump              (HwDelivery      *self);

/* hw-hub-delivery-lanes.c */
void hw_delivery_queue_entry       (HwDelivery      *self,
                                    HwDeliveryEntry *entry);
void hw_delivery_lane_start_batch  (HwDelivery      *self,
                                    guint            index);

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
