/* test-hub-system-outcomes.c: the outcomes a replica's copy notes for system-events messages
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-hub-system-outcomes.h"

/* The newest HW_SYSTEM_OUTCOMES_KEPT are kept, whatever their order of
 * arrival; an older one reads as unknown, so the answer falls back. */
static void
test_keeps_the_newest (void)
{
  HwHubSystemOutcomes *outcomes = hw_hub_system_outcomes_new ();
  gint64 last = HW_SYSTEM_OUTCOMES_KEPT + 10;

  g_assert_cmpint (hw_hub_system_outcomes_lookup (outcomes, 1), ==, HW_SYSTEM_OUTCOME_UNKNOWN);
  for (gint64 seq = 1; seq <= last; seq++)
    hw_hub_system_outcomes_note (outcomes, seq, seq % 2 ? HW_SYSTEM_OUTCOME_CREATED : HW_SYSTEM_OUTCOME_CONFLICT);

  for (gint64 seq = 1; seq <= 10; seq++)
    g_assert_cmpint (hw_hub_system_outcomes_lookup (outcomes, seq), ==, HW_SYSTEM_OUTCOME_UNKNOWN);
  g_assert_cmpint (hw_hub_system_outcomes_lookup (outcomes, 11), ==, HW_SYSTEM_OUTCOME_CREATED);
  g_assert_cmpint (hw_hub_system_outcomes_lookup (outcomes, last), ==, HW_SYSTEM_OUTCOME_CONFLICT);
  hw_hub_system_outcomes_free (outcomes);
}

/* A copy filled again from the start notes the same seqs again: the last
 * note counts, and a re-noted seq takes no second place in the queue. */
static void
test_noted_again (void)
{
  HwHubSystemOutcomes *outcomes = hw_hub_system_outcomes_new ();

  hw_hub_system_outcomes_note (outcomes, 7, HW_SYSTEM_OUTCOME_CREATED);
  hw_hub_system_outcomes_note (outcomes, 7, HW_SYSTEM_OUTCOME_KEPT);
  g_assert_cmpint (hw_hub_system_outcomes_lookup (outcomes, 7), ==, HW_SYSTEM_OUTCOME_KEPT);
  for (gint64 seq = 100; seq < 100 + HW_SYSTEM_OUTCOMES_KEPT - 1; seq++)
    hw_hub_system_outcomes_note (outcomes, seq, HW_SYSTEM_OUTCOME_REPLACED);
  /* 7 plus KEPT - 1 others: all still kept. */
  g_assert_cmpint (hw_hub_system_outcomes_lookup (outcomes, 7), ==, HW_SYSTEM_OUTCOME_KEPT);
  hw_hub_system_outcomes_note (outcomes, 1, HW_SYSTEM_OUTCOME_REPLACED);
  g_assert_cmpint (hw_hub_system_outcomes_lookup (outcomes, 7), ==, HW_SYSTEM_OUTCOME_UNKNOWN);
  hw_hub_system_outcomes_free (outcomes);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hub-system-outcomes/keeps-the-newest", test_keeps_the_newest);
  g_test_add_func ("/hub-system-outcomes/noted-again", test_noted_again);
  return g_test_run ();
}
