/* hw-event-item.c: one row of the event lake results, as a list item
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-event-item.h"

struct _HwEventItem
{
  GObject     parent_instance;

  gint64      seq;
  HwEventRow *row;
};

G_DEFINE_FINAL_TYPE (HwEventItem, hw_event_item, G_TYPE_OBJECT)

static void
hw_event_item_finalize (GObject *object)
{
  HwEventItem *self = HW_EVENT_ITEM (object);

  g_clear_pointer (&self->row, hw_event_row_free);

  G_OBJECT_CLASS (hw_event_item_parent_class)->finalize (object);
}

static void
hw_event_item_class_init (HwEventItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hw_event_item_finalize;
}

static void
hw_event_item_init (HwEventItem *self)
{
}

HwEventRow *
hw_event_row_dup (const HwEventRow *row)
{
  HwEventRow *copy;

  g_return_val_if_fail (row != NULL, NULL);

  copy = g_new0 (HwEventRow, 1);
  *copy = *row;
  copy->id = g_strdup (row->id);
  copy->type = g_strdup (row->type);
  copy->partition_key = g_strdup (row->partition_key);
  copy->source = g_strdup (row->source);
  copy->functionname = g_strdup (row->functionname);
  copy->pipeline = g_strdup (row->pipeline);
  copy->json = g_strdup (row->json);
  return copy;
}

HwEventItem *
hw_event_item_new (gint64            seq,
                   const HwEventRow *row)
{
  HwEventItem *self = g_object_new (HW_TYPE_EVENT_ITEM, NULL);

  self->seq = seq;
  if (row != NULL)
    self->row = hw_event_row_dup (row);
  return self;
}

gint64
hw_event_item_get_seq (HwEventItem *self)
{
  g_return_val_if_fail (HW_IS_EVENT_ITEM (self), 0);

  return self->seq;
}

const HwEventRow *
hw_event_item_get_row (HwEventItem *self)
{
  g_return_val_if_fail (HW_IS_EVENT_ITEM (self), NULL);

  return self->row;
}

gboolean
hw_event_item_is_loaded (HwEventItem *self)
{
  g_return_val_if_fail (HW_IS_EVENT_ITEM (self), FALSE);

  return self->row != NULL;
}
