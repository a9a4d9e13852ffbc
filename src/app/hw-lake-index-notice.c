/* hw-lake-index-notice.c: the Event Lake page's notice while the search index is being built
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "hw-lake-index-notice.h"

/* The index commits every 5000 events, a few times a second: looking more
 * often would show nothing new. A catch-up over by the first look (a few
 * events behind after a crash) never shows the notice at all. */
#define POLL_MS 250

struct _HwLakeIndexNotice
{
  GtkWidget       parent_instance;

  HwEventStore   *store;
  guint           poll_source;

  /* Template widgets */
  GtkRevealer    *revealer;
  GtkLabel       *label;
  GtkProgressBar *progress;
};

G_DEFINE_FINAL_TYPE (HwLakeIndexNotice, hw_lake_index_notice, GTK_TYPE_WIDGET)

static void
show_progress (HwLakeIndexNotice *self,
               guint64            indexed,
               guint64            total)
{
  g_autofree char *done = g_strdup_printf ("%'" G_GUINT64_FORMAT, indexed);
  g_autofree char *all = g_strdup_printf ("%'" G_GUINT64_FORMAT, total);
  double fraction = total > 0 ? (double) indexed / (double) total : 0.0;
  /* TRANSLATORS: events indexed so far and events stored, both numbers */
  g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                        "Building the search index: %s of %s event",
                                                        "Building the search index: %s of %s events",
                                                        (gulong) MIN (total, G_MAXULONG)),
                                           done, all);

  /* New text measures the label again: only when it changed. */
  if (g_strcmp0 (gtk_label_get_label (self->label), text) != 0)
    gtk_label_set_label (self->label, text);
  if (gtk_progress_bar_get_fraction (self->progress) != fraction)
    gtk_progress_bar_set_fraction (self->progress, fraction);
}

/* TRUE while the catch-up goes on. */
static gboolean
update (HwLakeIndexNotice *self)
{
  guint64 indexed = 0;
  guint64 total = 0;
  gboolean building = self->store != NULL &&
                      hw_event_store_get_index_progress (self->store, &indexed, &total);

  if (building)
    show_progress (self, indexed, total);
  gtk_revealer_set_reveal_child (self->revealer, building);
  return building;
}

static gboolean
poll_progress (gpointer user_data)
{
  HwLakeIndexNotice *self = user_data;

  if (update (self))
    return G_SOURCE_CONTINUE;
  self->poll_source = 0;
  return G_SOURCE_REMOVE;
}

void
hw_lake_index_notice_check (HwLakeIndexNotice *self)
{
  g_return_if_fail (HW_IS_LAKE_INDEX_NOTICE (self));

  if (self->poll_source != 0 || self->store == NULL || !gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;
  if (hw_event_store_get_index_progress (self->store, NULL, NULL))
    self->poll_source = g_timeout_add (POLL_MS, poll_progress, self);
}

void
hw_lake_index_notice_set_store (HwLakeIndexNotice *self,
                                HwEventStore      *store)
{
  g_return_if_fail (HW_IS_LAKE_INDEX_NOTICE (self));
  g_return_if_fail (store == NULL || HW_IS_EVENT_STORE (store));

  if (!g_set_object (&self->store, store))
    return;
  g_clear_handle_id (&self->poll_source, g_source_remove);
  gtk_revealer_set_reveal_child (self->revealer, FALSE);
  hw_lake_index_notice_check (self);
}

gboolean
hw_lake_index_notice_is_shown (HwLakeIndexNotice *self)
{
  g_return_val_if_fail (HW_IS_LAKE_INDEX_NOTICE (self), FALSE);

  return gtk_revealer_get_reveal_child (self->revealer);
}

const char *
hw_lake_index_notice_get_text (HwLakeIndexNotice *self)
{
  g_return_val_if_fail (HW_IS_LAKE_INDEX_NOTICE (self), NULL);

  return gtk_label_get_label (self->label);
}

double
hw_lake_index_notice_get_fraction (HwLakeIndexNotice *self)
{
  g_return_val_if_fail (HW_IS_LAKE_INDEX_NOTICE (self), 0.0);

  return gtk_progress_bar_get_fraction (self->progress);
}

static void
hw_lake_index_notice_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (hw_lake_index_notice_parent_class)->map (widget);
  hw_lake_index_notice_check (HW_LAKE_INDEX_NOTICE (widget));
}

/* Nobody sees it: no timer while the page is away. */
static void
hw_lake_index_notice_unmap (GtkWidget *widget)
{
  g_clear_handle_id (&HW_LAKE_INDEX_NOTICE (widget)->poll_source, g_source_remove);
  GTK_WIDGET_CLASS (hw_lake_index_notice_parent_class)->unmap (widget);
}

static void
hw_lake_index_notice_dispose (GObject *object)
{
  HwLakeIndexNotice *self = HW_LAKE_INDEX_NOTICE (object);

  g_clear_handle_id (&self->poll_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), HW_TYPE_LAKE_INDEX_NOTICE);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (hw_lake_index_notice_parent_class)->dispose (object);
}

static void
hw_lake_index_notice_class_init (HwLakeIndexNoticeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hw_lake_index_notice_dispose;
  widget_class->map = hw_lake_index_notice_map;
  widget_class->unmap = hw_lake_index_notice_unmap;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/hw-lake-index-notice.ui");
  gtk_widget_class_bind_template_child (widget_class, HwLakeIndexNotice, revealer);
  gtk_widget_class_bind_template_child (widget_class, HwLakeIndexNotice, label);
  gtk_widget_class_bind_template_child (widget_class, HwLakeIndexNotice, progress);
}

static void
hw_lake_index_notice_init (HwLakeIndexNotice *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
