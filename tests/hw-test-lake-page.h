/* hw-test-lake-page.h: driving the Event Lake page from app tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hw-lake-page.h"

G_BEGIN_DECLS

/* A page showing @connection in a presented 1200×800 window (owned by
 * GTK: gtk_window_destroy() it); @page receives the page. */
GtkWindow *hw_test_lake_window_new    (HwConnection  *connection,
                                       HwLakePage   **page);

/* Take a mark before doing what starts a search (typing, a facet click, a
 * follow link), then wait (bounded) for a search begun after that mark to
 * finish. */
guint hw_test_lake_search_mark        (HwLakePage *page);
void  hw_test_lake_wait_search_after  (HwLakePage *page,
                                       guint       mark);

/* Runs QUERY, asserts that it parsed, and waits for its search to finish. */
void  hw_test_lake_search_and_wait    (HwLakePage *page,
                                       const char *query);

G_END_DECLS
