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

void
hw_test_lake_maybe_screenshot (GtkWindow *window)
{
  const char *path = g_getenv ("HW_TEST_SCREENSHOT");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GtkCssProvider) provider = NULL;
  GskRenderer *renderer;
  int width, height;

  if (path == NULL)
    return;
  /* The application loads its style sheet; a bare window has none. */
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, RESOURCE_PREFIX "/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  /* Frames for the layout and the revealers' transitions to settle: the
   * first ones can come before the window has its size. */
  hw_test_app_wait_frames (GTK_WIDGET (window), 30, 10000);
  width = gtk_widget_get_width (GTK_WIDGET (window));
  height = gtk_widget_get_height (GTK_WIDGET (window));
  paintable = gtk_widget_paintable_new (GTK_WIDGET (window));
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  renderer = gtk_native_get_renderer (GTK_NATIVE (window));
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_true (gdk_texture_save_to_png (texture, path));
}
