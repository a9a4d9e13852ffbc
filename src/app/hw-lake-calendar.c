/* hw-lake-calendar.c: the lake by year, month, day and hour, with counts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "hw-lake-calendar.h"

/* One node of the tree: a private item type for the list. */

#define HW_TYPE_CALENDAR_NODE (hw_calendar_node_get_type ())
G_DECLARE_FINAL_TYPE (HwCalendarNode, hw_calendar_node, HW, CALENDAR_NODE, GObject)

struct _HwCalendarNode
{
  GObject     parent_instance;

  char       *key;
  gint64      start_ms;
  gint64      end_ms;
  gint64      count;
  guint       depth;      /* 0 year, 1 month, 2 day, 3 hour */
  GListStore *children;   /* NULL until first expanded */
};

enum { NODE_PROP_0, NODE_PROP_COUNT, NODE_N_PROPS };
static GParamSpec *node_properties[NODE_N_PROPS];

G_DEFINE_FINAL_TYPE (HwCalendarNode, hw_calendar_node, G_TYPE_OBJECT)

static void
hw_calendar_node_finalize (GObject *object)
{
  HwCalendarNode *self = HW_CALENDAR_NODE (object);

  g_free (self->key);
  g_clear_object (&self->children);
  G_OBJECT_CLASS (hw_calendar_node_parent_class)->finalize (object);
}

static void
hw_calendar_node_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  if (prop_id == NODE_PROP_COUNT)
    g_value_set_int64 (value, HW_CALENDAR_NODE (object)->count);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
hw_calendar_node_class_init (HwCalendarNodeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = hw_calendar_node_finalize;
  object_class->get_property = hw_calendar_node_get_property;
  node_properties[NODE_PROP_COUNT] =
    g_param_spec_int64 ("count", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, NODE_N_PROPS, node_properties);
}

static void
hw_calendar_node_init (HwCalendarNode *self)
{
}

static HwCalendarNode *
node_new (const HwTreeNode *tree_node,
          guint             depth)
{
  HwCalendarNode *self = g_object_new (HW_TYPE_CALENDAR_NODE, NULL);

  self->key = g_strdup (tree_node->key);
  self->start_ms = tree_node->start_ms;
  self->end_ms = tree_node->end_ms;
  self->count = tree_node->count;
  self->depth = depth;
  return self;
}

static void
node_set_count (HwCalendarNode *self,
                gint64          count)
{
  if (self->count == count)
    return;
  self->count = count;
  g_object_notify_by_pspec (G_OBJECT (self), node_properties[NODE_PROP_COUNT]);
}

const char *
hw_lake_calendar_node_get_key (gpointer node)
{
  g_return_val_if_fail (HW_IS_CALENDAR_NODE (node), NULL);

  return HW_CALENDAR_NODE (node)->key;
}

gint64
hw_lake_calendar_node_get_count (gpointer node)
{
  g_return_val_if_fail (HW_IS_CALENDAR_NODE (node), -1);

  return HW_CALENDAR_NODE (node)->count;
}

/* The calendar widget ------------------------------------------------------ */

struct _HwLakeCalendar
{
  GtkWidget        parent_instance;

  HwEventStore    *store;
  GCancellable    *cancellable;
  GListStore      *roots;
  GtkTreeListModel *tree;
  GtkWidget       *scroller;
  GtkListView     *view;
  guint            pending;
};

enum {
  RANGE_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (HwLakeCalendar, hw_lake_calendar, GTK_TYPE_WIDGET)

typedef struct
{
  HwLakeCalendar *self;
  GListStore     *list;
  guint           depth;
} LoadData;

/* Updates @list to @nodes (oldest first) without replacing nodes that
 * stay, so rows keep their expanded state. */
static void
merge_nodes (GListStore *list,
             GPtrArray  *nodes,
             guint       depth)
{
  guint i = 0;

  for (guint n = 0; n < nodes->len; n++)
    {
      HwTreeNode *tree_node = g_ptr_array_index (nodes, n);

      for (;;)
        {
          g_autoptr(HwCalendarNode) existing = g_list_model_get_item (G_LIST_MODEL (list), i);
          int cmp = existing != NULL ? strcmp (existing->key, tree_node->key) : 1;

          if (cmp == 0)
            {
              node_set_count (existing, tree_node->count);
              i++;
              break;
            }
          if (cmp > 0)
            {
              g_autoptr(HwCalendarNode) node = node_new (tree_node, depth);

              g_list_store_insert (list, i++, node);
              break;
            }
          /* Gone from the cache (pruned). */
          g_list_store_remove (list, i);
        }
    }
  while (g_list_model_get_n_items (G_LIST_MODEL (list)) > i)
    g_list_store_remove (list, i);
}

static void
on_tree_read (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  LoadData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) nodes = hw_event_store_tree_finish (HW_EVENT_STORE (source), result, &error);

  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      data->self->pending--;
      if (nodes != NULL)
        merge_nodes (data->list, nodes, data->depth);
      else
        g_warning ("Reading the lake calendar: %s", error->message);
    }
  g_object_unref (data->self);
  g_object_unref (data->list);
  g_free (data);
}

static void
read_level (HwLakeCalendar *self,
            const char     *parent,
            GListStore     *list,
            guint           depth)
{
  LoadData *data;

  if (self->store == NULL)
    return;
  data = g_new0 (LoadData, 1);
  data->self = g_object_ref (self);
  data->list = g_object_ref (list);
  data->depth = depth;
  self->pending++;
  hw_event_store_tree_async (self->store, parent, NULL, HW_EVENT_STORE_UNBOUNDED,
                             HW_EVENT_STORE_UNBOUNDED, self->cancellable, on_tree_read, data);
}

static GListModel *
create_children (gpointer item,
                 gpointer user_data)
{
  HwLakeCalendar *self = user_data;
  HwCalendarNode *node = item;

  if (node->depth >= 3)
    return NULL;
  if (node->children == NULL)
    {
      node->children = g_list_store_new (HW_TYPE_CALENDAR_NODE);
      read_level (self, node->key, node->children, node->depth + 1);
    }
  return g_object_ref (G_LIST_MODEL (node->children));
}

static void
refresh_children (HwLakeCalendar *self,
                  GListStore     *list)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (list));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HwCalendarNode) node = g_list_model_get_item (G_LIST_MODEL (list), i);

      if (node->children == NULL)
        continue;
      read_level (self, node->key, node->children, node->depth + 1);
      refresh_children (self, node->children);
    }
}

/* Rows ------------------------------------------------------------------------ */

static char *
node_title (HwCalendarNode *node)
{
  g_autoptr(GDateTime) start = g_date_time_new_from_unix_utc (node->start_ms / 1000);

  switch (node->depth)
    {
    case 0:
      return g_date_time_format (start, "%Y");
    case 1:
      return g_date_time_format (start, "%B");
    case 2:
      /* TRANSLATORS: a day of the lake calendar, strftime format: "3 Fri" */
      return g_date_time_format (start, _("%-d %a"));
    default:
      {
        g_autoptr(GDateTime) end = g_date_time_new_from_unix_utc (node->end_ms / 1000);
        g_autofree char *from = g_date_time_format (start, "%H:00");
        g_autofree char *to = g_date_time_format (end, "%H:00");

        return g_strdup_printf ("%s – %s", from, to);
      }
    }
}

static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item)
{
  GtkWidget *expander = gtk_tree_expander_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *count = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_widget_set_hexpand (title, TRUE);
  gtk_widget_add_css_class (count, "dim-label");
  gtk_widget_add_css_class (count, "numeric");
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), count);
  gtk_tree_expander_set_child (GTK_TREE_EXPANDER (expander), box);
  gtk_list_item_set_child (list_item, expander);
}

static void
update_row (GtkListItem *list_item)
{
  GtkTreeListRow *row = gtk_list_item_get_item (list_item);
  GtkWidget *expander = gtk_list_item_get_child (list_item);
  GtkWidget *box = gtk_tree_expander_get_child (GTK_TREE_EXPANDER (expander));
  HwCalendarNode *node = gtk_tree_list_row_get_item (row);
  g_autofree char *title = node_title (node);
  g_autofree char *count = g_strdup_printf ("%'" G_GINT64_FORMAT, node->count);
  g_autofree char *accessible = NULL;

  gtk_label_set_label (GTK_LABEL (gtk_widget_get_first_child (box)), title);
  gtk_label_set_label (GTK_LABEL (gtk_widget_get_last_child (box)), count);
  /* TRANSLATORS: a calendar row: "2024/05/03, 1,287 events" */
  accessible = g_strdup_printf (_("%s, %s events"), node->key, count);
  gtk_accessible_update_property (GTK_ACCESSIBLE (expander), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
  g_object_unref (node);
}

static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *list_item)
{
  GtkTreeListRow *row = gtk_list_item_get_item (list_item);
  HwCalendarNode *node = gtk_tree_list_row_get_item (row);

  gtk_tree_expander_set_list_row (GTK_TREE_EXPANDER (gtk_list_item_get_child (list_item)), row);
  update_row (list_item);
  g_signal_connect_object (node, "notify::count", G_CALLBACK (update_row), list_item,
                           G_CONNECT_SWAPPED);
  g_object_unref (node);
}

static void
unbind_row (GtkSignalListItemFactory *factory,
            GtkListItem              *list_item)
{
  GtkTreeListRow *row = gtk_list_item_get_item (list_item);
  /* NULL when the tree is being torn down (hub removed, window closed):
   * the row has lost its item, and the connection went with the node. */
  g_autoptr(HwCalendarNode) node = row != NULL ? gtk_tree_list_row_get_item (row) : NULL;

  if (node != NULL)
    g_signal_handlers_disconnect_by_func (node, update_row, list_item);
  gtk_tree_expander_set_list_row (GTK_TREE_EXPANDER (gtk_list_item_get_child (list_item)), NULL);
}

static void
on_activate (HwLakeCalendar *self,
             guint           position)
{
  g_autoptr(GtkTreeListRow) row = g_list_model_get_item (G_LIST_MODEL (self->tree), position);
  g_autoptr(HwCalendarNode) node = row != NULL ? gtk_tree_list_row_get_item (row) : NULL;

  if (node != NULL)
    g_signal_emit (self, signals[RANGE_ACTIVATED], 0, node->key, node->start_ms, node->end_ms);
}

/* GObject --------------------------------------------------------------------- */

static void
hw_lake_calendar_dispose (GObject *object)
{
  HwLakeCalendar *self = HW_LAKE_CALENDAR (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->scroller, gtk_widget_unparent);
  g_clear_object (&self->tree);
  g_clear_object (&self->roots);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (hw_lake_calendar_parent_class)->dispose (object);
}

static void
hw_lake_calendar_class_init (HwLakeCalendarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hw_lake_calendar_dispose;

  signals[RANGE_ACTIVATED] = g_signal_new ("range-activated", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                                           G_TYPE_STRING, G_TYPE_INT64, G_TYPE_INT64);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
hw_lake_calendar_init (HwLakeCalendar *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkSelectionModel *selection;

  self->cancellable = g_cancellable_new ();
  self->roots = g_list_store_new (HW_TYPE_CALENDAR_NODE);
  self->tree = gtk_tree_list_model_new (g_object_ref (G_LIST_MODEL (self->roots)), FALSE, FALSE,
                                        create_children, self, NULL);
  selection = GTK_SELECTION_MODEL (gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->tree))));
  gtk_single_selection_set_autoselect (GTK_SINGLE_SELECTION (selection), FALSE);
  gtk_single_selection_set_can_unselect (GTK_SINGLE_SELECTION (selection), TRUE);

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row), NULL);
  self->view = GTK_LIST_VIEW (gtk_list_view_new (selection, factory));
  gtk_list_view_set_single_click_activate (self->view, FALSE);
  gtk_widget_add_css_class (GTK_WIDGET (self->view), "navigation-sidebar");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->view), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Lake calendar"), -1);
  g_signal_connect_swapped (self->view, "activate", G_CALLBACK (on_activate), self);

  self->scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self->scroller), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->scroller), GTK_WIDGET (self->view));
  gtk_widget_set_parent (self->scroller, GTK_WIDGET (self));
}

GtkWidget *
hw_lake_calendar_new (void)
{
  return g_object_new (HW_TYPE_LAKE_CALENDAR, NULL);
}

void
hw_lake_calendar_set_store (HwLakeCalendar *self,
                            HwEventStore   *store)
{
  g_return_if_fail (HW_IS_LAKE_CALENDAR (self));
  g_return_if_fail (store == NULL || HW_IS_EVENT_STORE (store));

  if (self->store == store)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->pending = 0;
  g_set_object (&self->store, store);
  g_list_store_remove_all (self->roots);
  read_level (self, NULL, self->roots, 0);
}

void
hw_lake_calendar_refresh (HwLakeCalendar *self)
{
  g_return_if_fail (HW_IS_LAKE_CALENDAR (self));

  if (self->store == NULL)
    return;
  read_level (self, NULL, self->roots, 0);
  refresh_children (self, self->roots);
}

guint
hw_lake_calendar_get_pending (HwLakeCalendar *self)
{
  g_return_val_if_fail (HW_IS_LAKE_CALENDAR (self), 0);

  return self->pending;
}

GListModel *
hw_lake_calendar_get_model (HwLakeCalendar *self)
{
  g_return_val_if_fail (HW_IS_LAKE_CALENDAR (self), NULL);

  return G_LIST_MODEL (self->tree);
}

static HwCalendarNode *
find_node (GListStore *list,
           const char *key)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (list));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HwCalendarNode) node = g_list_model_get_item (G_LIST_MODEL (list), i);

      if (g_str_equal (node->key, key))
        return g_steal_pointer (&node);
      /* Keys nest by prefix: "2024/05" lies under "2024". */
      if (node->children != NULL && g_str_has_prefix (key, node->key) && key[strlen (node->key)] == '/')
        return find_node (node->children, key);
    }
  return NULL;
}

gint64
hw_lake_calendar_lookup_count (HwLakeCalendar *self,
                               const char     *key)
{
  g_autoptr(HwCalendarNode) node = NULL;

  g_return_val_if_fail (HW_IS_LAKE_CALENDAR (self), -1);
  g_return_val_if_fail (key != NULL, -1);

  node = find_node (self->roots, key);
  return node != NULL ? node->count : -1;
}
