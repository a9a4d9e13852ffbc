/* hw-hub-delivery-lanes.c: which lane an event goes to, and each lane's POSTs and retries
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Ordering: each lane has at most one batch outstanding, and a failed
 * batch is retried as is (same records, same body) until it is
 * acknowledged. An event goes to the lane of its partitionKey (the event
 * id when there is none) while an earlier event of that key is
 * unacknowledged, so records of one key are never reordered; a key with
 * nothing unacknowledged goes to the lane with the least work that is not
 * retrying. Lanes chosen by a hash of the key alone were as busy as their
 * share of the keys: the benchmark's busiest of 16 had 5.6% more than the
 * mean, and every other lane ran dry before it. A poison record stalls its
 * lane and the keys waiting behind it there: the read-ahead window
 * (unacknowledged events) then fills and the whole listener stalls, as on
 * a real shard.
 */
#include "config.h"

#include "hw-hub-batch-conn.h"
#include "hw-hub-delivery-private.h"
#include "hw-hub-delivery-trace.h"
#include "hw-hub-http.h"
#include "hw-hub-metrics.h"

#define RETRY_BASE_MS   200
#define RETRY_CAP_MS    10000

typedef HwDeliveryEntry Entry;
typedef HwDeliveryKeySlot KeySlot;
typedef HwDeliveryLane Lane;

/* Choosing a lane ------------------------------------------------------------- */

static guint
lane_load (Lane *lane)
{
  return g_queue_get_length (&lane->waiting) + (lane->batch != NULL ? lane->batch->len : 0);
}

/* A lane that is retrying may be stuck on a poison record: new keys go
 * elsewhere unless every lane is. */
static guint
least_loaded_lane (HwDelivery *self)
{
  guint best = 0, best_load = G_MAXUINT;

  for (guint i = 0; i < self->n_lanes; i++)
    {
      Lane *lane = &self->lanes[i];
      guint load = lane->attempts > 0 ? G_MAXUINT - 1 : lane_load (lane);

      if (load < best_load)
        {
          best = i;
          best_load = load;
        }
    }
  return best;
}

void
hw_delivery_queue_entry (HwDelivery *self,
                         Entry      *entry)
{
  KeySlot *slot = &self->key_slots[entry->key_hash & self->key_slot_mask];

  if (slot->unacked == 0)
    slot->lane = least_loaded_lane (self);
  slot->unacked++;
  entry->lane = slot->lane;
  g_queue_push_tail_link (&self->outstanding, &entry->outstanding_link);
  g_queue_push_tail_link (&self->lanes[entry->lane].waiting, &entry->lane_link);
  self->unacked++;
}

/* Lanes ----------------------------------------------------------------------- */

typedef struct
{
  HwDelivery *self;
  guint       lane;
} PostContext;

static void lane_post (HwDelivery *self, guint index);

static gboolean
on_retry_timeout (gpointer user_data)
{
  PostContext *ctx = user_data;
  HwDelivery *self = ctx->self;

  self->lanes[ctx->lane].retry_id = 0;
  if (!self->stopped)
    lane_post (self, ctx->lane);
  return G_SOURCE_REMOVE;
}

static void
post_context_free (gpointer data)
{
  PostContext *ctx = data;

  hw_delivery_unref (ctx->self);
  g_free (ctx);
}

static void
lane_acked (HwDelivery *self,
            Lane       *lane)
{
  for (guint i = 0; i < lane->batch->len; i++)
    {
      Entry *entry = g_ptr_array_index (lane->batch, i);

      entry->acked = TRUE;
      self->key_slots[entry->key_hash & self->key_slot_mask].unacked--;
      hw_delivery_entry_release (entry);
    }
  self->unacked -= lane->batch->len;
  self->delivered += lane->batch->len;
  self->last_ack_ms = hw_hub_now_ms ();
  g_clear_pointer (&lane->batch, g_ptr_array_unref);
  g_clear_pointer (&lane->body, g_bytes_unref);
  lane->attempts = 0;

  hw_delivery_update_checkpoint (self);
  hw_delivery_schedule_persist (self);
}

static void
lane_failed (HwDelivery   *self,
             guint         index,
             guint         status,
             const GError *error)
{
  Lane *lane = &self->lanes[index];
  PostContext *ctx;
  guint delay_ms;

  if (status == 429   /* Too Many Requests: libsoup 3.2 has no constant */)
    {
      self->throttles++;
      hw_delivery_record_metric (self, HW_METRIC_COUNTER, "listener.throttles", 1);
    }
  else
    {
      self->errors++;
      hw_delivery_record_metric (self, HW_METRIC_COUNTER, "listener.errors", 1);
    }
  g_free (self->last_error);
  self->last_error = g_strdup (error->message);
  self->last_error_ms = hw_hub_now_ms ();
  hw_delivery_trace_lane (self->trace, index, HW_LANE_RETRY_WAIT);

  lane->attempts++;
  delay_ms = RETRY_BASE_MS << MIN (lane->attempts - 1, 16);
  delay_ms = MIN (delay_ms, RETRY_CAP_MS);
  g_debug ("listener %s: batch of %u failed (%s), retry %u in %u ms", self->spec->name,
           lane->batch->len, error->message, lane->attempts, delay_ms);

  ctx = g_new0 (PostContext, 1);
  ctx->self = hw_delivery_ref (self);
  ctx->lane = index;
  lane->retry_id = g_timeout_add_full (G_PRIORITY_DEFAULT, delay_ms, on_retry_timeout,
                                       ctx, post_context_free);
}

static void
on_posted (guint         status,
           const GError *error,
           double        duration_ms,
           gpointer      user_data)
{
  PostContext *ctx = user_data;
  HwDelivery *self = ctx->self;
  Lane *lane = &self->lanes[ctx->lane];

  lane->in_flight = FALSE;
  if (self->stopped)
    goto out;

  self->invocations++;
  hw_delivery_trace_posted (self->trace, duration_ms);
  hw_delivery_record_metric (self, HW_METRIC_COUNTER, "listener.invocations", 1);
  hw_delivery_record_metric (self, HW_METRIC_HISTOGRAM, "listener.duration", duration_ms);

  if (error == NULL)
    {
      lane_acked (self, lane);
      hw_delivery_fill (self);
      hw_delivery_pump (self);
    }
  else
    lane_failed (self, ctx->lane, status, error);

out:
  post_context_free (ctx);
}

static void
lane_post (HwDelivery *self,
           guint       index)
{
  Lane *lane = &self->lanes[index];
  PostContext *ctx = g_new0 (PostContext, 1);

  if (lane->attempts > 0)
    self->retries++;
  ctx->self = hw_delivery_ref (self);
  ctx->lane = index;
  lane->in_flight = TRUE;
  hw_delivery_trace_lane (self->trace, index, HW_LANE_POSTING);
  hw_batch_conn_post (lane->conn, lane->body, self->spec->timeout_ms, self->cancellable, on_posted, ctx);
}

/* The records were rendered by the reader: a body is their concatenation. */
void
hw_delivery_lane_start_batch (HwDelivery *self,
                              guint       index)
{
  static const char head[] = "{\"Records\":[";
  static const char tail[] = "]}";
  Lane *lane = &self->lanes[index];
  guint n = MIN (self->spec->batch_size, g_queue_get_length (&lane->waiting));
  g_autoptr(HwSlab) slab = hw_slab_pool_take (self->body_slabs);
  GString *body = hw_slab_get_buffer (slab);
  gsize size = sizeof head + sizeof tail + n;

  lane->batch = g_ptr_array_sized_new (n);
  for (GList *l = lane->waiting.head; l != NULL && lane->batch->len < n; l = l->next)
    {
      Entry *entry = l->data;

      g_ptr_array_add (lane->batch, entry);
      size += entry->record_len;
    }

  /* Grown once to the size and mapped in one call: a lane's first bodies
   * are new memory, and faulting it in page by page (some 15 µs a fault on
   * the test machine, 75 for a 300 KB body) on this thread held every
   * lane's start back. A spare keeps its memory. */
  hw_slab_reserve (slab, size);
  g_string_append_len (body, head, sizeof head - 1);
  for (guint i = 0; i < n; i++)
    {
      Entry *entry = g_queue_pop_head_link (&lane->waiting)->data;

      if (i > 0)
        g_string_append_c (body, ',');
      g_string_append_len (body, hw_delivery_entry_get_record (entry), entry->record_len);
    }
  g_string_append_len (body, tail, sizeof tail - 1);
  lane->body = hw_slab_to_bytes (slab, body->len);
  lane->attempts = 0;
  lane_post (self, index);
}
