/* hw-hub-system-outcomes.h: what a replica's copy did with each system-events message
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * With the JetStream engine a POST or PATCH of a system event is answered
 * after this replica's copy applied its message. The answer depends on
 * what the copy did with it (made the event, found it stored already,
 * replaced it, or refused a change made from an outdated version), which
 * the store's row cannot tell afterwards: a later change gives the row a
 * new seq. The copy notes each message's outcome here, under its stream
 * sequence, and the answer looks it up. The newest notes are kept
 * (HW_SYSTEM_OUTCOMES_KEPT); answers come within seconds.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HW_SYSTEM_OUTCOMES_KEPT 16384

typedef enum
{
  HW_SYSTEM_OUTCOME_UNKNOWN,   /* not noted, or no longer kept */
  HW_SYSTEM_OUTCOME_CREATED,   /* a POST that stored a new event */
  HW_SYSTEM_OUTCOME_KEPT,      /* a POST of a stored id, or a change that changed nothing */
  HW_SYSTEM_OUTCOME_REPLACED,  /* a PATCH's result, stored */
  HW_SYSTEM_OUTCOME_CONFLICT,  /* a PATCH merged from a version since replaced: not applied */
} HwSystemOutcome;

typedef struct _HwHubSystemOutcomes HwHubSystemOutcomes;

HwHubSystemOutcomes *hw_hub_system_outcomes_new    (void);
void                 hw_hub_system_outcomes_free   (HwHubSystemOutcomes *self);

/* Thread-safe: the copy notes on its thread, answers look up on the main one. */
void                 hw_hub_system_outcomes_note   (HwHubSystemOutcomes *self,
                                                    gint64               seq,
                                                    HwSystemOutcome      outcome);
HwSystemOutcome      hw_hub_system_outcomes_lookup (HwHubSystemOutcomes *self,
                                                    gint64               seq);

G_END_DECLS
