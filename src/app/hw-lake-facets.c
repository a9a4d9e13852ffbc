/* hw-lake-facets.c: top values of type, source and functionname, as filters
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "hw-event-store.h"
#include "hw-lake-facets.h"

const char * const hw_lake_facet_fields[HW_LAKE_N_FACETS] = { "type", "source", "functionname" };

static const char * const facet_titles[HW_LAKE_N_FACETS] = { N_("Type"), N_("Source"), N_("Function") };

struct _HwLakeFacets
{
  GtkWidget   parent_instance;

  GtkWidget  *box;
  GtkListBox *lists[HW_LAKE_N_FACETS];
};

enum {
  ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (HwLakeFacets, hw_lake_facets, GTK_TYPE_WIDGET)

static int
facet_index (const char *field)
{
  for (guint i = 0; i < HW_LAKE_N_FACETS; i++)
    if (g_strcmp0 (hw_lake_facet_fields[i], field) == 0)
      return i;
  return -1;
}

char *
hw_lake_facet_term (const char *field,
                    const char *value)
{
  g_autofree char *clean = NULL;
  gboolean plain = TRUE;

  g_return_val_if_fail (field != NULL && value != NULL, NULL);

  for (const char *p = value; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.')
      plain = FALSE;
  if (plain && *value != '\0')
    return g_strdup_printf ("%s:%s", field, value);
  /* Quoted values are literal; a quote inside cannot be written, so it goes. */
  clean = g_strdup (value);
  g_strdelimit (clean, "\"", ' ');
  return g_strdup_printf ("%s:\"%s\"", field, clean);
}

static void
remove_rows_from (GtkListBox *list,
                  guint       index)
{
  GtkListBoxRow *row;

  while ((row = gtk_list_box_get_row_at_index (list, index)) != NULL)
    gtk_list_box_remove (list, GTK_WIDGET (row));
}

static void
on_row_activated (HwLakeFacets  *self,
                  GtkListBoxRow *row,
                  GtkListBox    *list)
{
  const char *field = g_object_get_data (G_OBJECT (list), "field");
  const char *value = g_object_get_data (G_OBJECT (row), "value");

  if (value != NULL)
    g_signal_emit (self, signals[ACTIVATED], 0, field, value);
}

/* Tooltips are given on demand: gtk_widget_set_tooltip_text() on a new
 * widget asks the display server where the pointer is (a round trip per
 * call), which with two tooltips a row stalled the UI for 5-20 ms each
 * time the facets of a search arrived. */
static gboolean
on_query_tooltip (GtkWidget  *widget,
                  int         x,
                  int         y,
                  gboolean    keyboard,
                  GtkTooltip *tooltip,
                  const char *text)
{
  gtk_tooltip_set_text (tooltip, GTK_IS_INSCRIPTION (widget) ? gtk_inscription_get_text (GTK_INSCRIPTION (widget)) : text);
  return TRUE;
}

static void
give_tooltip (GtkWidget  *widget,
              const char *text)
{
  gtk_widget_set_has_tooltip (widget, TRUE);
  g_signal_connect (widget, "query-tooltip", G_CALLBACK (on_query_tooltip), (gpointer) text);
}

/* The name and count are inscriptions, whose size does not follow their
 * text: new values only redraw them. New text in a label re-measured it
 * and everything up to the window, in every frame that showed a facet. */
static void
set_label_text (GtkWidget  *label,
                const char *text)
{
  if (g_strcmp0 (gtk_inscription_get_text (GTK_INSCRIPTION (label)), text) != 0)
    gtk_inscription_set_text (GTK_INSCRIPTION (label), text);
}

/* Rows are kept and given the new values: new rows would each be styled,
 * measured and drawn from scratch. */
static void
show_value (GtkWidget  *row,
            const char *field_title,
            HwTopValue *value)
{
  g_autofree char *count_text = g_strdup_printf ("%'" G_GINT64_FORMAT, value->count);
  g_autofree char *accessible = NULL;

  if (g_strcmp0 (g_object_get_data (G_OBJECT (row), "value"), value->value) == 0
      && GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (row), "count")) == (gsize) value->count)
    return;
  set_label_text (g_object_get_data (G_OBJECT (row), "name-label"), value->value);
  set_label_text (g_object_get_data (G_OBJECT (row), "count-label"), count_text);
  g_object_set_data_full (G_OBJECT (row), "value", g_strdup (value->value), g_free);
  g_object_set_data (G_OBJECT (row), "count", GSIZE_TO_POINTER ((gsize) value->count));
  /* TRANSLATORS: a facet row: "Filter by Type: order-placed, 12 events" */
  accessible = g_strdup_printf (ngettext ("Filter by %s: %s, %s event", "Filter by %s: %s, %s events",
                                          (unsigned long) MAX (value->count, 0)),
                                field_title, value->value, count_text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
}

static GtkWidget *
create_row (const char *field_title,
            HwTopValue *value)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *name = gtk_inscription_new (NULL);
  GtkWidget *count = gtk_inscription_new (NULL);

  gtk_inscription_set_min_chars (GTK_INSCRIPTION (name), 4);
  gtk_inscription_set_nat_chars (GTK_INSCRIPTION (name), 16);
  gtk_inscription_set_text_overflow (GTK_INSCRIPTION (name), GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_MIDDLE);
  gtk_widget_set_hexpand (name, TRUE);
  /* Room for "1,000,000"; a larger count is cut at its start. */
  gtk_inscription_set_min_chars (GTK_INSCRIPTION (count), 9);
  gtk_inscription_set_nat_chars (GTK_INSCRIPTION (count), 9);
  gtk_inscription_set_xalign (GTK_INSCRIPTION (count), 1);
  gtk_inscription_set_text_overflow (GTK_INSCRIPTION (count), GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_START);
  /* The value in full: the label may be ellipsized. */
  give_tooltip (name, NULL);
  gtk_widget_add_css_class (count, "dim-label");
  gtk_widget_add_css_class (count, "numeric");
  gtk_box_append (GTK_BOX (box), name);
  gtk_box_append (GTK_BOX (box), count);
  gtk_widget_set_margin_start (box, 8);
  gtk_widget_set_margin_end (box, 8);
  gtk_widget_set_margin_top (box, 4);
  gtk_widget_set_margin_bottom (box, 4);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  g_object_set_data (G_OBJECT (row), "name-label", name);
  g_object_set_data (G_OBJECT (row), "count-label", count);
  show_value (row, field_title, value);
  give_tooltip (row, _("Add as a filter"));
  return row;
}

static void
hw_lake_facets_dispose (GObject *object)
{
  HwLakeFacets *self = HW_LAKE_FACETS (object);

  g_clear_pointer (&self->box, gtk_widget_unparent);

  G_OBJECT_CLASS (hw_lake_facets_parent_class)->dispose (object);
}

static void
hw_lake_facets_class_init (HwLakeFacetsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hw_lake_facets_dispose;

  signals[ACTIVATED] = g_signal_new ("activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                     0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                     G_TYPE_STRING, G_TYPE_STRING);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
hw_lake_facets_init (HwLakeFacets *self)
{
  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  for (guint i = 0; i < HW_LAKE_N_FACETS; i++)
    {
      GtkWidget *heading = gtk_label_new (_(facet_titles[i]));
      GtkWidget *list = gtk_list_box_new ();
      GtkWidget *placeholder = gtk_label_new (_("No values"));

      gtk_label_set_xalign (GTK_LABEL (heading), 0);
      gtk_widget_add_css_class (heading, "heading");
      gtk_widget_set_margin_top (heading, i == 0 ? 0 : 6);
      gtk_box_append (GTK_BOX (self->box), heading);

      gtk_widget_add_css_class (placeholder, "dim-label");
      gtk_widget_set_margin_top (placeholder, 6);
      gtk_widget_set_margin_bottom (placeholder, 6);
      gtk_list_box_set_placeholder (GTK_LIST_BOX (list), placeholder);
      gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
      gtk_widget_add_css_class (list, "boxed-list");
      gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _(facet_titles[i]), -1);
      g_object_set_data (G_OBJECT (list), "field", (gpointer) hw_lake_facet_fields[i]);
      g_signal_connect_object (list, "row-activated", G_CALLBACK (on_row_activated), self,
                               G_CONNECT_SWAPPED);
      gtk_box_append (GTK_BOX (self->box), list);
      self->lists[i] = GTK_LIST_BOX (list);
    }
}

GtkWidget *
hw_lake_facets_new (void)
{
  return g_object_new (HW_TYPE_LAKE_FACETS, NULL);
}

void
hw_lake_facets_set_values (HwLakeFacets *self,
                           const char   *field,
                           GPtrArray    *values)
{
  int i;

  g_return_if_fail (HW_IS_LAKE_FACETS (self));

  i = facet_index (field);
  g_return_if_fail (i >= 0);
  for (guint v = 0; values != NULL && v < values->len; v++)
    {
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (self->lists[i], v);

      if (row != NULL)
        show_value (GTK_WIDGET (row), _(facet_titles[i]), g_ptr_array_index (values, v));
      else
        gtk_list_box_append (self->lists[i], create_row (_(facet_titles[i]), g_ptr_array_index (values, v)));
    }
  remove_rows_from (self->lists[i], values != NULL ? values->len : 0);
}

void
hw_lake_facets_clear (HwLakeFacets *self)
{
  g_return_if_fail (HW_IS_LAKE_FACETS (self));

  for (guint i = 0; i < HW_LAKE_N_FACETS; i++)
    remove_rows_from (self->lists[i], 0);
}

GStrv
hw_lake_facets_dup_values (HwLakeFacets *self,
                           const char   *field)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  GtkListBoxRow *row;
  int i;

  g_return_val_if_fail (HW_IS_LAKE_FACETS (self), NULL);

  i = facet_index (field);
  for (int r = 0; i >= 0 && (row = gtk_list_box_get_row_at_index (self->lists[i], r)) != NULL; r++)
    g_strv_builder_add (builder, g_object_get_data (G_OBJECT (row), "value"));
  return g_strv_builder_end (builder);
}

void
hw_lake_facets_activate (HwLakeFacets *self,
                         const char   *field,
                         guint         index)
{
  GtkListBoxRow *row;
  int i;

  g_return_if_fail (HW_IS_LAKE_FACETS (self));

  i = facet_index (field);
  g_return_if_fail (i >= 0);
  row = gtk_list_box_get_row_at_index (self->lists[i], index);
  if (row != NULL)
    on_row_activated (self, row, self->lists[i]);
}
