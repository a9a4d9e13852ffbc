/* hw-hub-delivery.c: the per-listener delivery loop
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threading: the loop runs on the hub's main context and POSTs with
 * asynchronous I/O, each lane over its own kept-alive connection
 * (hw-hub-batch-conn.c: a body goes out in one vectored write, where
 * libsoup's 8 KB splice took some 60 main-loop iterations per batch and
 * made the main loop the bottleneck). Reading the next events from the lake is the
 * expensive part (every stored body is decompressed), and so is rendering
 * each one as a stream record (base64 of the event), so both happen on the
 * hub's worker threads (hw-hub-delivery-read.c), several reads of
 * consecutive seq ranges at once, applied here in range order. The main
 * context then only joins pre-rendered records into batch bodies; the
 * state (lanes, checkpoint, status) stays single-threaded.
 *
 * Ordering, and how events are spread over the lanes: see
 * hw-hub-delivery-lanes.c.
 *
 * Batches: with a backlog a lane sends only full batches, and the read-ahead
 * keeps several batches per lane ready, so that each POST carries batch_size
 * records; a part-full batch goes only when no more events can be read now
 * (caught up with the lake, or the window full).
 */
#include "config.h"

#include <string.h>

#include "hw-error.h"
#include "hw-event-store.h"
#include "hw-hub-batch.h"
#include "hw-hub-batch-conn.h"
#include "hw-hub-delivery-private.h"
#include "hw-hub-delivery-trace.h"
#include "hw-hub-http.h"
#include "hw-hub-metrics.h"
#include "hw-hub-workers.h"

#define PERSIST_DELAY_MS 100
/* Rows per read (a quarter of the window: about one batch per lane):
 * small enough that reads overlap each other and the POSTs, large enough
 * that lanes fill whole batches and a query is amortized. */
#define READ_CHUNK_MIN  200
#define READ_CHUNK_MAX  2000
/* Spare slabs kept per listener (see hw-hub-slab.h): a read's records
 * (about 4 MB for 1600 events of 2 KB) and a lane's batch body. As many
 * read slabs as a backlog keeps out at once where the window is not
 * clamped: it holds four reads' worth, plus the reads under way and the
 * one being applied, and a slab stays out until the slowest lane has
 * acknowledged its last record (with 8 spares, a 200k backlog still made
 * four new ones). A backlog then runs on recycled memory, without page
 * faults. An idle listener gives them back (on_tick). */
#define SPARE_READ_SLABS      12
#define SPARE_BODY_SLAB_BYTES (2 * 1024 * 1024)
/* Acknowledged entries stay queued behind an unacknowledged one (they
 * define the checkpoint); this many windows of them at most. */
#define RETAIN_WINDOWS  8

typedef HwDeliveryEntry Entry;
typedef HwDeliveryKeySlot KeySlot;
typedef HwDeliveryLane Lane;

HwListenerSpec *
hw_listener_spec_copy (const HwListenerSpec *spec)
{
  HwListenerSpec *copy = g_new0 (HwListenerSpec, 1);

  copy->name = g_strdup (spec->name);
  copy->url = g_strdup (spec->url);
  copy->rule = hw_routing_rule_ref (spec->rule);
  copy->batch_size = spec->batch_size;
  copy->parallel = spec->parallel;
  copy->timeout_ms = spec->timeout_ms;
  return copy;
}

void
hw_listener_spec_free (HwListenerSpec *spec)
{
  if (spec == NULL)
    return;
  g_free (spec->name);
  g_free (spec->url);
  g_clear_pointer (&spec->rule, hw_routing_rule_unref);
  g_free (spec);
}

void
hw_delivery_record_metric (HwDelivery   *self,
                           HwMetricKind  kind,
                           const char   *name,
                           double        value)
{
  const char *labels[] = { "listener", self->spec->name, NULL };

  hw_hub_metrics_record (hw_hub_metrics (self->hub), kind, name, labels, value);
}

/* Checkpoint ------------------------------------------------------------------ */

void
hw_delivery_update_checkpoint (HwDelivery *self)
{
  while (!g_queue_is_empty (&self->outstanding))
    {
      Entry *head = g_queue_peek_head (&self->outstanding);

      if (!head->acked)
        break;
      g_queue_pop_head_link (&self->outstanding);
      hw_delivery_entry_free (head);
    }

  if (g_queue_is_empty (&self->outstanding))
    self->checkpoint = self->scan_seq;
  else
    self->checkpoint = ((Entry *) g_queue_peek_head (&self->outstanding))->seq - 1;
}

static gboolean
persist_now (gpointer user_data)
{
  HwDelivery *self = user_data;

  self->persist_id = 0;
  if (self->checkpoint != self->reported_checkpoint && self->checkpoint_func != NULL)
    {
      self->reported_checkpoint = self->checkpoint;
      self->checkpoint_func (self, self->checkpoint, self->delivered, self->checkpoint_data);
    }
  return G_SOURCE_REMOVE;
}

/* Coalesced: hub.db is synchronous=FULL, and one fsync per acknowledged
 * batch would cap delivery. A crash loses at most PERSIST_DELAY_MS of
 * checkpoint progress, i.e. a few batches are delivered again, which
 * at-least-once listeners tolerate. */
void
hw_delivery_schedule_persist (HwDelivery *self)
{
  if (self->persist_id != 0 || self->checkpoint == self->reported_checkpoint)
    return;
  self->persist_id = g_timeout_add (PERSIST_DELAY_MS, persist_now, self);
}

/* Read-ahead ------------------------------------------------------------------ */

static gboolean
is_reading (HwDelivery *self)
{
  return !g_queue_is_empty (&self->reads);
}

/* Rows the next read may ask for, within the window of unacknowledged
 * entries (counting what reads under way may add); 0 when none. */
static guint
read_room (HwDelivery *self)
{
  if (self->unacked + self->read_rows + self->read_chunk > self->window ||
      g_queue_get_length (&self->outstanding) >= self->window * RETAIN_WINDOWS)
    return 0;
  return self->read_chunk;
}

/* The reads after one that ended short (or failed) cover ranges it did not
 * finish, maybe read before events of its range were committed: they are
 * dropped, and reading resumes after what was actually read. */
static void
discard_reads (HwDelivery *self)
{
  HwDeliveryRead *read;

  while ((read = g_queue_pop_head (&self->reads)) != NULL)
    {
      if (read->done)
        hw_delivery_read_free (read);
      else
        read->discarded = TRUE;
    }
  self->read_rows = 0;
  self->read_seq = self->scan_seq;
}

/* Queues what @read found; FALSE when it ended short of its range. */
static gboolean
apply_read (HwDelivery     *self,
            HwDeliveryRead *read)
{
  g_autofree Entry **entries = NULL;
  gsize n_entries = 0;

  self->read_rows -= read->limit;
  if (read->error != NULL)
    {
      /* The tick tries again; meanwhile part-full batches may go. */
      g_warning ("listener %s: reading the lake failed: %s", self->spec->name, read->error->message);
      return FALSE;
    }

  entries = (Entry **) g_ptr_array_steal (read->entries, &n_entries);
  for (gsize i = 0; i < n_entries; i++)
    hw_delivery_queue_entry (self, entries[i]);
  self->scan_seq = read->scan_seq;
  return !hw_delivery_read_is_short (read);
}

static void
on_read_done (HwDeliveryRead *read)
{
  HwDelivery *self = read->delivery;
  HwDeliveryRead *head;

  self->running--;
  hw_delivery_trace_read (self->trace, read->started_us - read->queued_us,
                          read->finished_us - read->started_us,
                          g_get_monotonic_time () - read->finished_us);
  if (read->discarded || self->stopped)
    {
      /* Its worker is free for the next read. Freed last: it may hold
       * the last reference to the delivery once stopped. */
      if (!self->stopped && (!self->caught_up || self->wake_pending))
        hw_delivery_fill (self);
      hw_delivery_read_free (read);
      return;
    }

  read->done = TRUE;
  while ((head = g_queue_peek_head (&self->reads)) != NULL && head->done)
    {
      gboolean complete;

      g_queue_pop_head (&self->reads);
      complete = apply_read (self, head);
      hw_delivery_read_free (head);
      self->caught_up = !complete;
      if (!complete)
        discard_reads (self);
    }

  hw_delivery_update_checkpoint (self);
  hw_delivery_schedule_persist (self);
  /* Reads first: the workers get going while this thread joins bodies. */
  if (!self->caught_up || self->wake_pending)
    hw_delivery_fill (self);
  hw_delivery_pump (self);
}

/* At the end of the lake one read at a time, as more would find nothing;
 * with a backlog up to one per worker. */
void
hw_delivery_fill (HwDelivery *self)
{
  guint limit;

  if (self->stopped)
    return;
  if (self->caught_up && is_reading (self))
    {
      self->wake_pending = TRUE;
      return;
    }
  while (self->running < self->max_reads && (limit = read_room (self)) > 0)
    {
      HwDeliveryRead *read = hw_delivery_read_new (self, hw_hub_get_store (self->hub), self->spec->rule,
                                                   self->n_lanes, self->read_seq, limit,
                                                   self->read_slabs, on_read_done);

      g_queue_push_tail (&self->reads, read);
      self->read_seq += limit;
      self->read_rows += limit;
      self->running++;
      self->wake_pending = FALSE;
      hw_delivery_read_start (read);
      if (self->caught_up)
        break;
    }
}

/* Batches --------------------------------------------------------------------- */

/* Part-full batches only when waiting would not fill them: no read is under
 * way and none can start (caught up, or the window is full). */
static gboolean
may_send_partial (HwDelivery *self)
{
  return !is_reading (self) && (self->caught_up || read_room (self) == 0);
}

static HwLaneState
idle_reason (HwDelivery *self)
{
  if (self->caught_up)
    return HW_LANE_WAIT_LAKE;
  return is_reading (self) ? HW_LANE_WAIT_READ : HW_LANE_WAIT_WINDOW;
}

void
hw_delivery_pump (HwDelivery *self)
{
  gboolean partial;

  if (self->stopped)
    return;
  partial = may_send_partial (self);
  for (guint i = 0; i < self->n_lanes; i++)
    {
      Lane *lane = &self->lanes[i];
      guint waiting = g_queue_get_length (&lane->waiting);

      if (lane->batch == NULL && waiting > 0 && (waiting >= self->spec->batch_size || partial))
        hw_delivery_lane_start_batch (self, i);
      if (self->trace != NULL && lane->batch == NULL)
        hw_delivery_trace_lane (self->trace, i, idle_reason (self));
    }
}

static void
record_gauges (HwDelivery *self)
{
  hw_delivery_record_metric (self, HW_METRIC_GAUGE, "listener.iterator_age",
                             hw_delivery_get_iterator_age_ms (self, hw_hub_now_ms ()));
  hw_delivery_record_metric (self, HW_METRIC_GAUGE, "listener.pending", self->unacked);
}

/* Also a safety net: events that reached the lake without a notification
 * (another writer, a missed signal) are picked up within a second. */
static gboolean
on_tick (gpointer user_data)
{
  HwDelivery *self = user_data;

  /* Idle: the spare buffers a backlog needed go back to the system. */
  if (self->caught_up && self->unacked == 0 && !is_reading (self))
    {
      hw_slab_pool_trim (self->read_slabs);
      hw_slab_pool_trim (self->body_slabs);
    }
  hw_delivery_fill (self);
  hw_delivery_pump (self);
  record_gauges (self);
  hw_delivery_trace_report (self->trace);
  return G_SOURCE_CONTINUE;
}

HwDelivery *
hw_delivery_new (HwHub                    *hub,
                 const HwListenerSpec     *spec,
                 gint64                    checkpoint,
                 guint64                   delivered,
                 HwDeliveryCheckpointFunc  func,
                 gpointer                  user_data)
{
  HwDelivery *self;

  g_return_val_if_fail (HW_IS_HUB (hub), NULL);
  g_return_val_if_fail (spec != NULL, NULL);
  g_return_val_if_fail (spec->batch_size > 0 && spec->parallel > 0, NULL);

  self = g_new0 (HwDelivery, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->hub = hub;
  self->spec = hw_listener_spec_copy (spec);
  self->cancellable = g_cancellable_new ();
  self->n_lanes = spec->parallel;
  self->lanes = g_new0 (Lane, self->n_lanes);
  for (guint i = 0; i < self->n_lanes; i++)
    {
      g_queue_init (&self->lanes[i].waiting);
      self->lanes[i].conn = hw_batch_conn_new (spec->url);
    }
  self->window = CLAMP (spec->batch_size * spec->parallel * 4, 1000, 50000);
  self->key_slot_mask = (1u << g_bit_storage (self->window * 2 - 1)) - 1;
  self->key_slots = g_new0 (KeySlot, self->key_slot_mask + 1);
  self->read_slabs = hw_slab_pool_new (SPARE_READ_SLABS, HW_DELIVERY_READ_SLAB_BYTES);
  self->body_slabs = hw_slab_pool_new (self->n_lanes, SPARE_BODY_SLAB_BYTES);
  self->read_chunk = CLAMP (self->window / 4, READ_CHUNK_MIN, READ_CHUNK_MAX);
  self->max_reads = hw_hub_workers_get_count ();
  g_queue_init (&self->outstanding);
  g_queue_init (&self->reads);
  self->scan_seq = checkpoint;
  self->read_seq = checkpoint;
  self->checkpoint = checkpoint;
  self->reported_checkpoint = checkpoint;
  self->delivered = delivered;
  self->checkpoint_func = func;
  self->checkpoint_data = user_data;

  self->trace = hw_delivery_trace_new (spec->name, self->n_lanes);
  self->tick_id = g_timeout_add_seconds (1, on_tick, self);
  hw_delivery_fill (self);
  hw_delivery_pump (self);
  return self;
}

HwDelivery *
hw_delivery_ref (HwDelivery *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
hw_delivery_unref (HwDelivery *self)
{
  GList *link;

  g_return_if_fail (self != NULL);
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  /* Timers hold no reference except retries; make sure none outlives us. */
  g_assert (self->tick_id == 0 && self->persist_id == 0);
  for (guint i = 0; i < self->n_lanes; i++)
    {
      /* Their entries, links included, are freed with the outstanding ones. */
      g_queue_init (&self->lanes[i].waiting);
      g_clear_pointer (&self->lanes[i].batch, g_ptr_array_unref);
      g_clear_pointer (&self->lanes[i].body, g_bytes_unref);
      g_clear_pointer (&self->lanes[i].conn, hw_batch_conn_free);
    }
  while ((link = g_queue_pop_head_link (&self->outstanding)) != NULL)
    hw_delivery_entry_free (link->data);
  g_free (self->lanes);
  g_free (self->key_slots);
  hw_slab_pool_unref (self->read_slabs);
  hw_slab_pool_unref (self->body_slabs);
  g_clear_object (&self->cancellable);
  /* Reads hold a reference each, and free themselves when they return. */
  g_assert (g_queue_is_empty (&self->reads));
  g_free (self->last_error);
  hw_listener_spec_free (self->spec);
  g_free (self);
}

void
hw_delivery_wake (HwDelivery *self)
{
  g_return_if_fail (self != NULL);
  hw_delivery_fill (self);
  hw_delivery_pump (self);
}

void
hw_delivery_stop (HwDelivery *self)
{
  g_return_if_fail (self != NULL);

  if (self->stopped)
    return;
  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_clear_handle_id (&self->persist_id, g_source_remove);
  persist_now (self);
  self->stopped = TRUE;
  g_clear_pointer (&self->trace, hw_delivery_trace_free);
  discard_reads (self);
  /* Retry timers own a reference each; removing them releases it. */
  for (guint i = 0; i < self->n_lanes; i++)
    g_clear_handle_id (&self->lanes[i].retry_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
}

const HwListenerSpec *
hw_delivery_get_spec (HwDelivery *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->spec;
}

gint64
hw_delivery_get_checkpoint (HwDelivery *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->checkpoint;
}

guint64
hw_delivery_get_delivered (HwDelivery *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->delivered;
}

gint64
hw_delivery_get_iterator_age_ms (HwDelivery *self,
                                 gint64      now_ms)
{
  Entry *head;

  g_return_val_if_fail (self != NULL, 0);

  head = g_queue_peek_head (&self->outstanding);
  if (head == NULL)
    return 0;
  return MAX (now_ms - head->received_ms, 0);
}

static guint
count_in_flight (HwDelivery *self)
{
  guint n = 0;

  for (guint i = 0; i < self->n_lanes; i++)
    if (self->lanes[i].batch != NULL)
      n += self->lanes[i].batch->len;
  return n;
}

static void
add_time (JsonBuilder *builder,
          const char  *member,
          gint64       ms)
{
  json_builder_set_member_name (builder, member);
  if (ms > 0)
    json_builder_add_int_value (builder, ms);
  else
    json_builder_add_null_value (builder);
}

void
hw_delivery_add_status (HwDelivery  *self,
                        JsonBuilder *builder)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (JSON_IS_BUILDER (builder));

  json_builder_set_member_name (builder, "iterator_age_ms");
  json_builder_add_int_value (builder, hw_delivery_get_iterator_age_ms (self, hw_hub_now_ms ()));
  json_builder_set_member_name (builder, "pending");
  json_builder_add_int_value (builder, self->unacked);
  json_builder_set_member_name (builder, "in_flight");
  json_builder_add_int_value (builder, count_in_flight (self));
  json_builder_set_member_name (builder, "checkpoint");
  json_builder_add_int_value (builder, self->checkpoint);
  json_builder_set_member_name (builder, "persisted_checkpoint");
  json_builder_add_int_value (builder, self->reported_checkpoint);
  json_builder_set_member_name (builder, "delivered");
  json_builder_add_int_value (builder, self->delivered);
  json_builder_set_member_name (builder, "invocations");
  json_builder_add_int_value (builder, self->invocations);
  json_builder_set_member_name (builder, "errors");
  json_builder_add_int_value (builder, self->errors);
  json_builder_set_member_name (builder, "throttles");
  json_builder_add_int_value (builder, self->throttles);
  json_builder_set_member_name (builder, "retries");
  json_builder_add_int_value (builder, self->retries);
  json_builder_set_member_name (builder, "last_error");
  if (self->last_error != NULL)
    json_builder_add_string_value (builder, self->last_error);
  else
    json_builder_add_null_value (builder);
  add_time (builder, "last_error_at", self->last_error_ms);
  add_time (builder, "last_ack_at", self->last_ack_ms);
}
