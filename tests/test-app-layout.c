/* test-app-layout.c: every page of the console fits its window, at the default size and at 1000×700
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GtkPaned may give a child less than its minimum; the child is then cut
 * off at the window's edge, with no scrollbar to reach the rest. That is how
 * the Event Lake page hid its histogram, its columns and the detail pane's
 * buttons in a 1200 px window, and nothing else noticed. So this runs the
 * console against a hub with simulated traffic, shows each page (the Event
 * Lake with an event selected, its widest state), and checks two rules over
 * every widget on screen:
 *   - a child of a paned is given at least its minimum size;
 *   - nothing outside a scrolled view reaches past the window's right edge.
 */
#include "config.h"

#include "hw-lake-page.h"
#include "hw-lake-results.h"
#include "hw-test-app.h"
#include "hw-test-hub.h"
#include "hw-test-screenshot.h"
#include "hw-window.h"

#define WAIT_MS 120000

typedef struct
{
  int width;
  int height;
} Size;

static const Size sizes[] = {
  { 1200, 800 },   /* the default, from the GSettings schema */
  { 1000, 700 },   /* a small laptop screen with a panel */
};

static const char * const pages[] = {
  "overview", "metrics", "event-lake", "faults", "jobs", "team", "system-events",
};

typedef struct
{
  HwTestHub     *hub;
  HwApplication *app;
  HwWindow      *window;
  HwConnection  *connection;
  GtkWidget     *root;       /* the window's content, inside its decorations */
  GPtrArray     *problems;   /* char* */
} Fixture;

/* Sizes as gtk_widget_measure() counts them: with the margins. */
static graphene_rect_t
margin_box (GtkWidget *widget,
            GtkWidget *relative_to)
{
  graphene_rect_t bounds;

  g_assert_true (gtk_widget_compute_bounds (widget, relative_to, &bounds));
  return GRAPHENE_RECT_INIT (bounds.origin.x - gtk_widget_get_margin_start (widget),
                             bounds.origin.y - gtk_widget_get_margin_top (widget),
                             bounds.size.width + gtk_widget_get_margin_start (widget)
                                               + gtk_widget_get_margin_end (widget),
                             bounds.size.height + gtk_widget_get_margin_top (widget)
                                                + gtk_widget_get_margin_bottom (widget));
}

static char *
describe (GtkWidget *widget)
{
  const char *id = gtk_buildable_get_buildable_id (GTK_BUILDABLE (widget));
  GtkWidget *parent = gtk_widget_get_parent (widget);

  return g_strdup_printf ("%s%s%s in %s", G_OBJECT_TYPE_NAME (widget), id != NULL ? "#" : "",
                          id != NULL ? id : "", parent != NULL ? G_OBJECT_TYPE_NAME (parent) : "nothing");
}

static void
check_paned_child (Fixture   *f,
                   GtkPaned  *paned,
                   GtkWidget *child)
{
  GtkOrientation orientation = gtk_orientable_get_orientation (GTK_ORIENTABLE (paned));
  graphene_rect_t box;
  int given, minimum;

  if (child == NULL || !gtk_widget_get_mapped (child))
    return;
  box = margin_box (child, GTK_WIDGET (paned));
  given = (int) (orientation == GTK_ORIENTATION_HORIZONTAL ? box.size.width : box.size.height);
  gtk_widget_measure (child, orientation, orientation == GTK_ORIENTATION_HORIZONTAL ? -1 : (int) box.size.width,
                      &minimum, NULL, NULL, NULL);
  if (given < minimum)
    g_ptr_array_add (f->problems, g_strdup_printf ("%s is given %d px of the %d px it needs",
                                                   describe (child), given, minimum));
}

static void
check_tree (Fixture   *f,
            GtkWidget *widget,
            int        window_width)
{
  graphene_rect_t box;

  if (!gtk_widget_get_mapped (widget))
    return;
  if (GTK_IS_PANED (widget))
    {
      check_paned_child (f, GTK_PANED (widget), gtk_paned_get_start_child (GTK_PANED (widget)));
      check_paned_child (f, GTK_PANED (widget), gtk_paned_get_end_child (GTK_PANED (widget)));
    }
  /* A scrolled view's content is meant to be larger than what shows. */
  if (GTK_IS_SCROLLED_WINDOW (widget))
    return;
  box = margin_box (widget, f->root);
  /* One pixel of rounding. */
  if (box.origin.x + box.size.width > window_width + 1)
    g_ptr_array_add (f->problems, g_strdup_printf ("%s reaches %.0f px, past the window's %d px",
                                                   describe (widget), box.origin.x + box.size.width,
                                                   window_width));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (!GTK_IS_NATIVE (child))
      check_tree (f, child, window_width);
}

static gboolean
hub_synced (gpointer user_data)
{
  Fixture *f = user_data;

  return hw_connection_get_state (f->connection) == HW_HUB_SYNC_STATE_ONLINE;
}

static gboolean
has_results (gpointer user_data)
{
  return g_list_model_get_n_items (G_LIST_MODEL (hw_lake_results_get_model (user_data))) > 0;
}

static gboolean
detail_shown (gpointer user_data)
{
  return hw_lake_results_get_selected (user_data) != NULL;
}

/* The widest state of the Event Lake page: results and a selected event. */
static void
select_an_event (Fixture *f)
{
  HwLakePage *page = HW_LAKE_PAGE (hw_window_get_page (f->window, "event-lake"));
  HwLakeResults *results = hw_lake_page_get_results (page);

  g_assert_true (hw_test_wait_until (has_results, results, WAIT_MS));
  hw_lake_results_select (results, 0);
  g_assert_true (hw_test_wait_until (detail_shown, results, WAIT_MS));
}

static void
check_pages (Fixture    *f,
             const Size *size)
{
  int width;

  gtk_window_set_default_size (GTK_WINDOW (f->window), size->width, size->height);
  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      hw_window_show_page (f->window, pages[i]);
      if (g_str_equal (pages[i], "event-lake"))
        select_an_event (f);
      /* Laid out and drawn since the page changed. */
      hw_test_app_wait_frames (GTK_WIDGET (f->window), 3, WAIT_MS);
      /* The default size counts the client-side decorations' edges too. */
      f->root = gtk_window_get_child (GTK_WINDOW (f->window));
      width = gtk_widget_get_width (f->root);
      g_assert_cmpint (width, >, size->width - 40);
      g_assert_cmpint (width, <=, size->width);
      check_tree (f, f->root, width);
      for (guint p = 0; p < f->problems->len; p++)
        g_test_message ("%d×%d, %s: %s", size->width, size->height, pages[i],
                        (const char *) g_ptr_array_index (f->problems, p));
      g_assert_cmpuint (f->problems->len, ==, 0);
      {
        g_autofree char *name = g_strdup_printf ("%s-%dx%d.png", pages[i], size->width, size->height);

        hw_test_maybe_screenshot (GTK_WINDOW (f->window), name);
      }
    }
}

/* One console for every size: starting one costs most of the test under
 * the sanitizers. Live traffic only (no backfill): enough for every page
 * to show its content, and the cache syncs in moments. */
static void
test_pages_fit (void)
{
  const char *args[] = { "--simulate", NULL };
  Fixture f = { 0 };

  f.hub = hw_test_hub_newv (NULL, args);
  f.app = hw_test_app_new ();
  f.problems = g_ptr_array_new_with_free_func (g_free);
  g_application_activate (G_APPLICATION (f.app));
  f.window = HW_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (f.app)));
  f.connection = hw_application_connect_url (f.app, f.hub->base_url, NULL);
  g_assert_true (hw_test_wait_until (hub_synced, &f, WAIT_MS));

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    check_pages (&f, &sizes[i]);

  g_ptr_array_unref (f.problems);
  gtk_window_destroy (GTK_WINDOW (f.window));
  hw_test_app_quit (&f.app);
  hw_test_hub_stop (f.hub);
  hw_test_hub_free (f.hub);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *tmp_dir = NULL;
  int status;

  /* Xvfb has no GPU: llvmpipe's shader JIT would stall the first frames. */
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  if (!hw_test_app_init (&argc, &argv, &tmp_dir, &status))
    return status;

  g_test_add_func ("/app/layout/pages-fit", test_pages_fit);

  status = g_test_run ();
  hw_test_rmdir (tmp_dir);
  return status;
}
