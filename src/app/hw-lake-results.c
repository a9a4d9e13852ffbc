/* hw-lake-results.c: the event lake results table: columns, order, selection
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "hw-lake-results.h"
#include "hw-time.h"

/* Rows this close to the end of what is loaded ask for more. */
#define NEAR_END_ROWS 50
#define PLACEHOLDER_OPACITY 0.55

typedef struct
{
  const char *name;
  const char *title;
  int         width_chars;
  gboolean    expand;
} ColumnSpec;

static const ColumnSpec columns[] = {
  { "time", N_("Time"), 24, FALSE },
  { "type", N_("Type"), 18, FALSE },
  { "partitionKey", N_("Partition Key"), 14, FALSE },
  { "source", N_("Source"), 12, FALSE },
  { "functionname", N_("Function"), 14, FALSE },
  { "id", N_("ID"), 16, TRUE },
};

struct _HwLakeResults
{
  GtkWidget           parent_instance;

  HwEventListModel   *model;
  GtkSingleSelection *selection;
  GtkScrolledWindow  *scroller;
  GtkColumnView      *view;
  GtkColumnViewColumn *time_column;
  GSimpleActionGroup *actions;
  GMenu              *menu;
  HwEventOrder        order;
  gboolean            setting_order;
};

enum {
  ORDER_CHANGED,
  SELECTION_CHANGED,
  NEAR_END,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (HwLakeResults, hw_lake_results, GTK_TYPE_WIDGET)

char *
hw_lake_results_format_cell (const char       *name,
                             const HwEventRow *row)
{
  g_return_val_if_fail (name != NULL, NULL);

  if (row == NULL)
    return g_strdup ("…");
  if (g_str_equal (name, "time"))
    return hw_time_format_iso8601 (row->ts_ms);
  if (g_str_equal (name, "type"))
    return g_strdup (row->type);
  if (g_str_equal (name, "partitionKey"))
    return g_strdup (row->partition_key);
  if (g_str_equal (name, "source"))
    return g_strdup (row->source);
  if (g_str_equal (name, "functionname"))
    return g_strdup (row->functionname);
  if (g_str_equal (name, "id"))
    return g_strdup (row->id);
  return NULL;
}

/* Cells ----------------------------------------------------------------------- */

static void
setup_cell (GtkSignalListItemFactory *factory,
            GtkListItem              *list_item,
            const ColumnSpec         *spec)
{
  /* GtkInscription: no layout work for text that is never seen, which is
   * what keeps scrolling a million rows smooth. No min/nat chars: those make
   * every cell look up font metrics when measured; the columns have fixed
   * widths instead (see add_column()). */
  GtkWidget *cell = gtk_inscription_new (NULL);

  gtk_inscription_set_min_chars (GTK_INSCRIPTION (cell), 0);
  gtk_inscription_set_text_overflow (GTK_INSCRIPTION (cell), GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_END);
  if (g_str_equal (spec->name, "time") || g_str_equal (spec->name, "id"))
    gtk_widget_add_css_class (cell, "numeric");
  gtk_list_item_set_child (list_item, cell);
}

static void
show_row (GtkWidget        *cell,
          const ColumnSpec *spec,
          const HwEventRow *row)
{
  g_autofree char *text = hw_lake_results_format_cell (spec->name, row);

  if (g_strcmp0 (gtk_inscription_get_text (GTK_INSCRIPTION (cell)), text) != 0)
    gtk_inscription_set_text (GTK_INSCRIPTION (cell), text);
  /* Placeholders look dim. Opacity rather than the dim-label class: a
   * class change restyles the cell, and new results turn a few hundred
   * cells into placeholders and back within frames (restyling them all
   * took 10-15 ms of one frame); opacity only redraws. The value is
   * Adwaita's for dim-label. */
  gtk_widget_set_opacity (cell, row == NULL ? PLACEHOLDER_OPACITY : 1.0);
}

/* The model changes items in place (a placeholder filled, or new results
 * at the same position): redraw this cell only. */
static void
on_item_row_changed (HwEventItem *item,
                     GParamSpec  *pspec,
                     GtkWidget   *cell)
{
  show_row (cell, g_object_get_data (G_OBJECT (cell), "hw-column-spec"),
            hw_event_item_get_row (item));
}

static void
bind_cell (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           const ColumnSpec         *spec)
{
  HwEventItem *item = gtk_list_item_get_item (list_item);
  GtkWidget *cell = gtk_list_item_get_child (list_item);

  show_row (cell, spec, item != NULL ? hw_event_item_get_row (item) : NULL);
  if (item == NULL)
    return;
  g_object_set_data (G_OBJECT (cell), "hw-column-spec", (gpointer) spec);
  g_signal_connect_object (item, "notify::row", G_CALLBACK (on_item_row_changed), cell, 0);
}

static void
unbind_cell (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             const ColumnSpec         *spec)
{
  HwEventItem *item = gtk_list_item_get_item (list_item);

  if (item != NULL)
    g_signal_handlers_disconnect_by_func (item, on_item_row_changed, gtk_list_item_get_child (list_item));
}

static int
compare_time (gconstpointer a,
              gconstpointer b,
              gpointer      user_data)
{
  const HwEventRow *ra = hw_event_item_get_row ((HwEventItem *) a);
  const HwEventRow *rb = hw_event_item_get_row ((HwEventItem *) b);
  gint64 ta = ra != NULL ? ra->ts_ms : 0, tb = rb != NULL ? rb->ts_ms : 0;

  return (ta > tb) - (ta < tb);
}

/* GTK 4.8 has no public way to read a column view's sort direction; the
 * view's sorter applied to two rows in a known order tells it. */
static HwEventOrder
read_order (HwLakeResults *self)
{
  GtkSorter *sorter = gtk_column_view_get_sorter (self->view);
  HwEventRow older_row = { .ts_ms = 0 }, newer_row = { .ts_ms = 1 };
  g_autoptr(HwEventItem) older = hw_event_item_new (1, &older_row);
  g_autoptr(HwEventItem) newer = hw_event_item_new (2, &newer_row);

  if (sorter == NULL)
    return HW_EVENT_ORDER_NEWEST_FIRST;
  return gtk_sorter_compare (sorter, older, newer) == GTK_ORDERING_SMALLER
         ? HW_EVENT_ORDER_OLDEST_FIRST : HW_EVENT_ORDER_NEWEST_FIRST;
}

static void
on_sorter_changed (HwLakeResults *self)
{
  HwEventOrder order = read_order (self);

  if (self->setting_order || order == self->order)
    return;
  self->order = order;
  g_signal_emit (self, signals[ORDER_CHANGED], 0);
}

static void
on_selection_changed (HwLakeResults *self)
{
  g_signal_emit (self, signals[SELECTION_CHANGED], 0);
}

/* What the old behaviour of replacing every item gave for free: new
 * results start at their first row, with nothing selected. */
static void
on_model_replaced (HwLakeResults *self)
{
  if (self->scroller == NULL)
    return;
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->scroller), 0);
}

static void
on_scrolled (HwLakeResults *self,
             GtkAdjustment *adjustment)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  double value = gtk_adjustment_get_value (adjustment);
  double upper = gtk_adjustment_get_upper (adjustment);
  double page = gtk_adjustment_get_page_size (adjustment);

  if (n == 0 || upper <= 0)
    return;
  /* Rows are of equal height, so a fraction of the height is a row count. */
  if ((upper - value - page) / upper * n < NEAR_END_ROWS)
    g_signal_emit (self, signals[NEAR_END], 0);
}

/* Column choice ------------------------------------------------------------ */

/* Font metrics once per view rather than once per cell. */
static int
measure_char_width (GtkWidget *widget)
{
  PangoContext *context = gtk_widget_get_pango_context (widget);
  PangoFontMetrics *metrics = pango_context_get_metrics (context, NULL, NULL);
  int width = pango_font_metrics_get_approximate_char_width (metrics);

  pango_font_metrics_unref (metrics);
  return MAX (PANGO_PIXELS_CEIL (width), 4);
}

/* Times have one fixed shape, and cut off they lose the part an on-call
 * engineer reads (seconds, milliseconds): the column fits a whole one in
 * the cells' tabular digits, plus the cell's padding. */
#define CELL_PADDING 16

static int
measure_time_width (GtkWidget *widget)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, "8888-88-88T88:88:88.888Z");
  PangoAttrList *attributes = pango_attr_list_new ();
  int width;

  pango_attr_list_insert (attributes, pango_attr_font_features_new ("tnum 1"));
  pango_layout_set_attributes (layout, attributes);
  pango_layout_get_pixel_size (layout, &width, NULL);
  pango_attr_list_unref (attributes);
  g_object_unref (layout);
  return width + CELL_PADDING;
}

static void
on_column_toggled (GSimpleAction *action,
                   GVariant      *state,
                   gpointer       user_data)
{
  GtkColumnViewColumn *column = user_data;

  g_simple_action_set_state (action, state);
  gtk_column_view_column_set_visible (column, g_variant_get_boolean (state));
}

static void
add_column (HwLakeResults    *self,
            const ColumnSpec *spec,
            int               char_width)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *column;
  g_autoptr(GSimpleAction) action = NULL;
  g_autofree char *detailed = g_strdup_printf ("columns.%s", spec->name);

  g_signal_connect (factory, "setup", G_CALLBACK (setup_cell), (gpointer) spec);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cell), (gpointer) spec);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cell), (gpointer) spec);
  column = gtk_column_view_column_new (_(spec->title), factory);
  gtk_column_view_column_set_resizable (column, TRUE);
  gtk_column_view_column_set_fixed_width (column, g_str_equal (spec->name, "time")
                                                  ? measure_time_width (GTK_WIDGET (self->view))
                                                  : spec->width_chars * char_width);
  gtk_column_view_column_set_expand (column, spec->expand);
  if (g_str_equal (spec->name, "time"))
    {
      gtk_column_view_column_set_sorter (column, GTK_SORTER (gtk_custom_sorter_new (compare_time, NULL, NULL)));
      self->time_column = column;
    }
  gtk_column_view_append_column (self->view, column);

  action = g_simple_action_new_stateful (spec->name, NULL, g_variant_new_boolean (TRUE));
  g_signal_connect_object (action, "change-state", G_CALLBACK (on_column_toggled), column, 0);
  g_action_map_add_action (G_ACTION_MAP (self->actions), G_ACTION (action));
  g_menu_append (self->menu, _(spec->title), detailed);
  g_object_unref (column);
}

/* GObject --------------------------------------------------------------------- */

static void
hw_lake_results_dispose (GObject *object)
{
  HwLakeResults *self = HW_LAKE_RESULTS (object);

  if (self->view != NULL)
    g_signal_handlers_disconnect_by_data (gtk_column_view_get_sorter (self->view), self);
  g_clear_pointer ((GtkWidget **) &self->scroller, gtk_widget_unparent);
  self->view = NULL;
  g_clear_object (&self->selection);
  g_clear_object (&self->model);
  g_clear_object (&self->actions);
  g_clear_object (&self->menu);

  G_OBJECT_CLASS (hw_lake_results_parent_class)->dispose (object);
}

static void
hw_lake_results_class_init (HwLakeResultsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hw_lake_results_dispose;

  signals[ORDER_CHANGED] = g_signal_new ("order-changed", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SELECTION_CHANGED] = g_signal_new ("selection-changed", G_TYPE_FROM_CLASS (klass),
                                             G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[NEAR_END] = g_signal_new ("near-end", G_TYPE_FROM_CLASS (klass),
                                    G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
hw_lake_results_init (HwLakeResults *self)
{
  int char_width;

  self->model = hw_event_list_model_new ();
  g_signal_connect_object (self->model, "replaced", G_CALLBACK (on_model_replaced), self,
                           G_CONNECT_SWAPPED);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->model)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  g_signal_connect_swapped (self->selection, "notify::selected-item",
                            G_CALLBACK (on_selection_changed), self);

  self->view = GTK_COLUMN_VIEW (gtk_column_view_new (g_object_ref (GTK_SELECTION_MODEL (self->selection))));
  gtk_column_view_set_show_column_separators (self->view, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->view), "data-table");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->view), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Search results"), -1);

  self->actions = g_simple_action_group_new ();
  self->menu = g_menu_new ();
  char_width = measure_char_width (GTK_WIDGET (self->view));
  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    add_column (self, &columns[i], char_width);

  self->order = HW_EVENT_ORDER_NEWEST_FIRST;
  gtk_column_view_sort_by_column (self->view, self->time_column, GTK_SORT_DESCENDING);
  g_signal_connect_swapped (gtk_column_view_get_sorter (self->view), "changed",
                            G_CALLBACK (on_sorter_changed), self);

  self->scroller = GTK_SCROLLED_WINDOW (gtk_scrolled_window_new ());
  gtk_scrolled_window_set_child (self->scroller, GTK_WIDGET (self->view));
  gtk_widget_set_vexpand (GTK_WIDGET (self->scroller), TRUE);
  g_signal_connect_swapped (gtk_scrolled_window_get_vadjustment (self->scroller), "value-changed",
                            G_CALLBACK (on_scrolled), self);
  gtk_widget_set_parent (GTK_WIDGET (self->scroller), GTK_WIDGET (self));
}

/* Public API ---------------------------------------------------------------- */

GtkWidget *
hw_lake_results_new (void)
{
  return g_object_new (HW_TYPE_LAKE_RESULTS, NULL);
}

HwEventListModel *
hw_lake_results_get_model (HwLakeResults *self)
{
  g_return_val_if_fail (HW_IS_LAKE_RESULTS (self), NULL);

  return self->model;
}

GtkColumnView *
hw_lake_results_get_view (HwLakeResults *self)
{
  g_return_val_if_fail (HW_IS_LAKE_RESULTS (self), NULL);

  return self->view;
}

HwEventOrder
hw_lake_results_get_order (HwLakeResults *self)
{
  g_return_val_if_fail (HW_IS_LAKE_RESULTS (self), HW_EVENT_ORDER_NEWEST_FIRST);

  return self->order;
}

void
hw_lake_results_set_order (HwLakeResults *self,
                           HwEventOrder   order)
{
  g_return_if_fail (HW_IS_LAKE_RESULTS (self));

  self->order = order;
  self->setting_order = TRUE;
  gtk_column_view_sort_by_column (self->view, self->time_column,
                                  order == HW_EVENT_ORDER_OLDEST_FIRST ? GTK_SORT_ASCENDING
                                                                       : GTK_SORT_DESCENDING);
  self->setting_order = FALSE;
}

HwEventItem *
hw_lake_results_get_selected (HwLakeResults *self)
{
  gpointer item;

  g_return_val_if_fail (HW_IS_LAKE_RESULTS (self), NULL);

  item = gtk_single_selection_get_selected_item (self->selection);
  return item != NULL ? g_object_ref (item) : NULL;
}

void
hw_lake_results_select (HwLakeResults *self,
                        guint          position)
{
  g_return_if_fail (HW_IS_LAKE_RESULTS (self));

  gtk_single_selection_set_selected (self->selection, position);
}

GActionGroup *
hw_lake_results_get_column_actions (HwLakeResults *self)
{
  g_return_val_if_fail (HW_IS_LAKE_RESULTS (self), NULL);

  return G_ACTION_GROUP (self->actions);
}

GMenuModel *
hw_lake_results_get_column_menu (HwLakeResults *self)
{
  g_return_val_if_fail (HW_IS_LAKE_RESULTS (self), NULL);

  return G_MENU_MODEL (self->menu);
}

gboolean
hw_lake_results_get_column_visible (HwLakeResults *self,
                                    const char    *name)
{
  g_autoptr(GVariant) state = NULL;

  g_return_val_if_fail (HW_IS_LAKE_RESULTS (self), FALSE);

  state = g_action_group_get_action_state (G_ACTION_GROUP (self->actions), name);
  return state != NULL && g_variant_get_boolean (state);
}
