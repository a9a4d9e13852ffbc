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

enum {
  PROP_0,
  PROP_ROW,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
hw_event_item_finalize (GObject *object)
{
  HwEventItem *self = HW_EVENT_ITEM (object);

  g_clear_pointer (&self->row, hw_event_row_free);

  G_OBJECT_CLASS (hw_event_item_parent_class)->finalize (object);
}

static void
hw_event_item_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  HwEventItem *self = HW_EVENT_ITEM (object);

  switch (prop_id)
    {
    case PROP_ROW:
      g_value_set_pointer (value, self->row);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hw_event_item_class_init (HwEventItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = hw_event_item_finalize;
  object_class->get_property = hw_event_item_get_property;

  /* Read-only: the model fills a placeholder with hw_event_item_set_row(),
   * and cells redraw on its notification. */
  properties[PROP_ROW] = g_param_spec_pointer ("row", NULL, NULL,
                                               G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY
                                               | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hw_event_item_init (HwEventItem *self)
{
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

void
hw_event_item_set_row (HwEventItem      *self,
                       const HwEventRow *row)
{
  g_return_if_fail (HW_IS_EVENT_ITEM (self));

  if (row == NULL && self->row == NULL)
    return;
  g_clear_pointer (&self->row, hw_event_row_free);
  if (row != NULL)
    self->row = hw_event_row_dup (row);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ROW]);
}

void
hw_event_item_retarget (HwEventItem      *self,
                        gint64            seq,
                        const HwEventRow *row)
{
  g_return_if_fail (HW_IS_EVENT_ITEM (self));

  if (seq == self->seq && row == NULL && self->row == NULL)
    return;
  self->seq = seq;
  g_clear_pointer (&self->row, hw_event_row_free);
  if (row != NULL)
    self->row = hw_event_row_dup (row);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ROW]);
}

gboolean
hw_event_item_is_loaded (HwEventItem *self)
{
  g_return_val_if_fail (HW_IS_EVENT_ITEM (self), FALSE);

  return self->row != NULL;
}
