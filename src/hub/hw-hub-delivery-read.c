/* hw-hub-delivery-read.c: reading and rendering a listener's next records
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A read covers a range of seqs, not "the next N events", so that several
 * reads of one listener can run at once on the hub's worker threads (one
 * reader was the ceiling of delivery: it decompressed and base64-encoded
 * every event on one core) and still add up to the exact sequence: the
 * delivery loop applies them in range order. The ranges rely on seqs being
 * committed in order by the hub's single writer: once a seq is visible,
 * every lower seq that will ever exist is visible too.
 */
#include "config.h"

#include "hw-hub-batch.h"
#include "hw-hub-delivery-private.h"
#include "hw-hub-workers.h"

void
hw_delivery_entry_free (HwDeliveryEntry *entry)
{
  hw_delivery_entry_release (entry);
  g_free (entry);
}

const char *
hw_delivery_entry_get_record (HwDeliveryEntry *entry)
{
  g_return_val_if_fail (entry->slab != NULL, NULL);

  return hw_slab_get_data (entry->slab) + entry->record_offset;
}

void
hw_delivery_entry_release (HwDeliveryEntry *entry)
{
  g_clear_pointer (&entry->slab, hw_slab_unref);
}

HwDeliveryRead *
hw_delivery_read_new (HwDelivery         *delivery,
                      HwEventStore       *store,
                      HwRoutingRule      *rule,
                      guint               n_shards,
                      gint64              after_seq,
                      guint               limit,
                      HwSlabPool         *slabs,
                      HwDeliveryReadFunc  done_func)
{
  HwDeliveryRead *read = g_new0 (HwDeliveryRead, 1);

  read->delivery = hw_delivery_ref (delivery);
  read->store = g_object_ref (store);
  read->rule = hw_routing_rule_ref (rule);
  read->context = g_main_context_ref_thread_default ();
  read->done_func = done_func;
  read->n_shards = n_shards;
  read->after_seq = after_seq;
  read->limit = MAX (limit, 1);
  read->scan_seq = after_seq;
  read->slabs = hw_slab_pool_ref (slabs);
  return read;
}

void
hw_delivery_read_free (HwDeliveryRead *read)
{
  g_clear_object (&read->store);
  g_clear_pointer (&read->rule, hw_routing_rule_unref);
  g_clear_pointer (&read->entries, g_ptr_array_unref);
  g_clear_pointer (&read->slab, hw_slab_unref);
  g_clear_pointer (&read->slabs, hw_slab_pool_unref);
  g_clear_error (&read->error);
  g_main_context_unref (read->context);
  hw_delivery_unref (read->delivery);
  g_free (read);
}

gboolean
hw_delivery_read_is_short (HwDeliveryRead *read)
{
  return read->error != NULL || read->scan_seq < read->after_seq + read->limit;
}

static gboolean
row_matches (HwRoutingRule    *rule,
             const HwEventRow *row)
{
  g_autoptr(HwEvent) event = NULL;
  HwParseLimits limits = hw_parse_limits_default ();

  if (row->is_fault || !hw_routing_rule_matches_type (rule, row->type))
    return FALSE;
  if (!hw_routing_rule_has_tags (rule))
    return TRUE;

  /* Stored events were validated on publish; a parse failure here means the
   * limits changed since, and such an event cannot be routed by tags. */
  limits.max_event_bytes = G_MAXSIZE;
  event = hw_event_parse (row->json, -1, &limits, NULL);
  return event != NULL && hw_routing_rule_matches (rule, event);
}

/* g_str_hash() with a finalizer (MurmurHash3's) that spreads every input
 * bit over the low ones, which pick the key's shard and its slot in the
 * delivery. Alone, its low bits follow the last characters: of the
 * benchmark's 990,058 events (keys like "order-13856"), g_str_hash() % 16
 * put 58,539 to 65,371 in a shard, this 60,796 to 63,251. */
static guint32
key_hash (const char *key)
{
  guint32 h = g_str_hash (key);

  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

/* Rendered straight into the read's slab: no allocation per event. The
 * shard in its eventID follows from its key alone, as on a stream; the lane
 * that carries it is the delivery's choice (hw-hub-delivery.c). */
static HwDeliveryEntry *
entry_render (const HwEventRow *row,
              HwSlab           *slab,
              guint             n_shards)
{
  const char *key = row->partition_key != NULL ? row->partition_key : row->id;
  HwDeliveryEntry *entry = g_new0 (HwDeliveryEntry, 1);
  HwBatchItem item = { row->seq, row->partition_key, row->id, row->json, row->received_ms };
  GString *records = hw_slab_get_buffer (slab);

  entry->outstanding_link.data = entry;
  entry->lane_link.data = entry;
  entry->seq = row->seq;
  entry->received_ms = row->received_ms;
  entry->key_hash = key_hash (key);
  entry->slab = hw_slab_ref (slab);
  entry->record_offset = records->len;
  hw_batch_append_record (records, &item, entry->key_hash % n_shards);
  entry->record_len = records->len - entry->record_offset;
  return entry;
}

static gboolean
on_done (gpointer user_data)
{
  HwDeliveryRead *read = user_data;

  read->done_func (read);
  return G_SOURCE_REMOVE;
}

/* A new slab would grow by doubling while a read renders into it, copying
 * its records and touching twice the fresh memory: after a few records,
 * the rest of the read is estimated from them and reserved at once. */
#define SIZING_SAMPLE 16

static void
reserve_for_read (HwDeliveryRead *read)
{
  gsize rendered = hw_slab_get_buffer (read->slab)->len;
  gsize estimate = rendered / SIZING_SAMPLE * read->limit / 8 * 9;

  hw_slab_reserve (read->slab, MIN (estimate, HW_DELIVERY_READ_SLAB_BYTES));
}

static gboolean
visit_row (const HwEventRow *row,
           gpointer          user_data)
{
  HwDeliveryRead *read = user_data;
  gint64 last_seq = read->after_seq + read->limit;

  if (row->seq > last_seq)
    {
      read->scan_seq = last_seq;
      return FALSE;
    }
  if (row_matches (read->rule, row))
    {
      g_ptr_array_add (read->entries, entry_render (row, read->slab, read->n_shards));
      if (read->entries->len == SIZING_SAMPLE)
        reserve_for_read (read);
    }
  read->scan_seq = row->seq;
  return TRUE;
}

/* The first @limit events after after_seq hold every event of the range
 * (at most @limit seqs fit in it) and maybe some beyond it, left to the
 * next range. Fewer than @limit rows mean the end of the lake: the range
 * is read up to the last row only, as later seqs may still come. */
static void
read_in_thread (gpointer data)
{
  HwDeliveryRead *read = data;
  g_autoptr(GSource) done = NULL;
  gint64 visited;

  read->started_us = g_get_monotonic_time ();
  /* Here rather than on the delivery's thread: a backlog that outgrows the
   * spare slabs gets a new one, and mapping its 4 MB took some 10 ms, for
   * which every lane's next batch waited. */
  read->slab = hw_slab_pool_take (read->slabs);
  read->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_delivery_entry_free);
  visited = hw_event_store_visit_after (read->store, read->after_seq, read->limit,
                                        visit_row, read, NULL, &read->error);
  if (visited == read->limit)
    read->scan_seq = read->after_seq + read->limit;

  read->finished_us = g_get_monotonic_time ();
  done = g_idle_source_new ();
  g_source_set_priority (done, G_PRIORITY_DEFAULT);
  g_source_set_callback (done, on_done, read, NULL);
  g_source_attach (done, read->context);
}

void
hw_delivery_read_start (HwDeliveryRead *read)
{
  read->queued_us = g_get_monotonic_time ();
  hw_hub_workers_push (read_in_thread, read);
}
