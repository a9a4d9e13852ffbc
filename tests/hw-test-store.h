/* hw-test-store.h: an event store in a fresh directory, and events to fill it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hw-event-store.h"

G_BEGIN_DECLS

/* 2024-05-03T12:00:00Z: a fixed "now" so counts can be computed by hand. */
#define HW_TEST_BASE_MS G_GINT64_CONSTANT (1714737600000)

typedef struct
{
  char         *dir;
  HwEventStore *store;
} HwTestStoreFixture;

/* For g_test_add(): opens DIR/sub/events.db, so creating missing parent
 * directories is exercised too, and checks nothing was recovered. */
void     hw_test_store_set_up    (HwTestStoreFixture *fixture,
                                  gconstpointer       user_data);
void     hw_test_store_tear_down (HwTestStoreFixture *fixture,
                                  gconstpointer       user_data);

/* A parsed event with a partitionKey "pk-ID", tags source, functionname
 * and region "eu-1", and an order.note payload for full-text search. */
HwEvent *hw_test_make_event      (const char         *id,
                                  const char         *type,
                                  gint64              ts_ms,
                                  const char         *functionname,
                                  const char         *source,
                                  const char         *note);

void     hw_test_insert_all      (HwEventStore       *store,
                                  GPtrArray          *events);

/* How many stored events match @query_text over all time; asserts it
 * parses and runs. */
gint64   hw_test_store_count     (HwEventStore       *store,
                                  const char         *query_text);

G_END_DECLS
