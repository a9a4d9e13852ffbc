/* hw-hub-system-outcomes.c: what a replica's copy did with each system-events message
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-hub-system-outcomes.h"

struct _HwHubSystemOutcomes
{
  GMutex      lock;
  GHashTable *by_seq;   /* gint64* → HwSystemOutcome */
  GQueue      order;    /* gint64*, the keys of by_seq, oldest first */
};

HwHubSystemOutcomes *
hw_hub_system_outcomes_new (void)
{
  HwHubSystemOutcomes *self = g_new0 (HwHubSystemOutcomes, 1);

  g_mutex_init (&self->lock);
  self->by_seq = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_queue_init (&self->order);
  return self;
}

void
hw_hub_system_outcomes_free (HwHubSystemOutcomes *self)
{
  if (self == NULL)
    return;
  g_queue_clear (&self->order);
  g_hash_table_unref (self->by_seq);
  g_mutex_clear (&self->lock);
  g_free (self);
}

void
hw_hub_system_outcomes_note (HwHubSystemOutcomes *self,
                             gint64               seq,
                             HwSystemOutcome      outcome)
{
  gint64 *key;

  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->lock);
  /* Noted again when the copy is filled again from the start: the queued
   * key stays, and the copy passed here is freed by the table. */
  if (g_hash_table_contains (self->by_seq, &seq))
    g_hash_table_insert (self->by_seq, g_memdup2 (&seq, sizeof seq), GINT_TO_POINTER (outcome));
  else
    {
      key = g_memdup2 (&seq, sizeof seq);
      g_hash_table_insert (self->by_seq, key, GINT_TO_POINTER (outcome));
      g_queue_push_tail (&self->order, key);
      if (self->order.length > HW_SYSTEM_OUTCOMES_KEPT)
        g_hash_table_remove (self->by_seq, g_queue_pop_head (&self->order));
    }
  g_mutex_unlock (&self->lock);
}

HwSystemOutcome
hw_hub_system_outcomes_lookup (HwHubSystemOutcomes *self,
                               gint64               seq)
{
  HwSystemOutcome outcome;

  g_return_val_if_fail (self != NULL, HW_SYSTEM_OUTCOME_UNKNOWN);

  g_mutex_lock (&self->lock);
  outcome = GPOINTER_TO_INT (g_hash_table_lookup (self->by_seq, &seq));
  g_mutex_unlock (&self->lock);
  return outcome;
}
