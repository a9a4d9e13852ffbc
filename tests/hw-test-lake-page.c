/* hw-test-lake-page.c: driving the Event Lake page from app tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-test-app.h"
#include "hw-test-lake-page.h"
#include "hw-test-util.h"

typedef struct
{
  HwLakePage *page;
  guint       mark;
} SearchWait;

/* Waiting on the searching flag alone could see the state from before the
 * new search began: the page's search count tells the searches apart. */
static gboolean
search_done (gpointer user_data)
{
  SearchWait *wait = user_data;

  return hw_lake_page_get_search_count (wait->page) > wait->mark
         && !hw_lake_page_is_searching (wait->page);
}

GtkWindow *
hw_test_lake_window_new (HwConnection  *connection,
                         HwLakePage   **page)
{
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());

  *page = g_object_new (HW_TYPE_LAKE_PAGE, "connection", connection, NULL);
  gtk_window_set_default_size (window, 1200, 800);
  gtk_window_set_child (window, GTK_WIDGET (*page));
  gtk_window_present (window);
  return window;
}

guint
hw_test_lake_search_mark (HwLakePage *page)
{
  return hw_lake_page_get_search_count (page);
}

void
hw_test_lake_wait_search_after (HwLakePage *page,
                                guint       mark)
{
  SearchWait wait = { page, mark };

  g_assert_true (hw_test_wait_until (search_done, &wait, 20000));
}

void
hw_test_lake_search_and_wait (HwLakePage *page,
                              const char *query)
{
  guint mark = hw_test_lake_search_mark (page);

  hw_lake_page_search (page, query);
  g_assert_null (hw_lake_page_get_query_error (page, NULL));
  hw_test_lake_wait_search_after (page, mark);
}
