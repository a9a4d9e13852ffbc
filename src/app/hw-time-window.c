/* hw-time-window.c: the time window and crosshair shared by the charts of a page
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-time-window.h"

#define MIN_SPAN_MS 1000

struct _HwTimeWindow
{
  GObject     parent_instance;

  HwTimeRange range;
  HwTimeRange home;
  gint64      crosshair_ms;
};

enum {
  CHANGED,
  CROSSHAIR_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (HwTimeWindow, hw_time_window, G_TYPE_OBJECT)

HwTimeWindow *
hw_time_window_new (gint64 from_ms,
                    gint64 to_ms)
{
  HwTimeWindow *self = g_object_new (HW_TYPE_TIME_WINDOW, NULL);
  HwTimeRange range = { from_ms, MAX (to_ms, from_ms + MIN_SPAN_MS) };

  self->range = self->home = range;
  return self;
}

HwTimeRange
hw_time_window_get_range (HwTimeWindow *self)
{
  static const HwTimeRange none = { 0, 0 };

  g_return_val_if_fail (HW_IS_TIME_WINDOW (self), none);

  return self->range;
}

void
hw_time_window_set_range (HwTimeWindow      *self,
                          const HwTimeRange *range)
{
  HwTimeRange fixed;

  g_return_if_fail (HW_IS_TIME_WINDOW (self));
  g_return_if_fail (range != NULL);

  fixed = *range;
  if (fixed.to_ms - fixed.from_ms < MIN_SPAN_MS)
    {
      gint64 mid = fixed.from_ms + (fixed.to_ms - fixed.from_ms) / 2;

      fixed.from_ms = mid - MIN_SPAN_MS / 2;
      fixed.to_ms = fixed.from_ms + MIN_SPAN_MS;
    }
  if (fixed.from_ms == self->range.from_ms && fixed.to_ms == self->range.to_ms)
    return;
  self->range = fixed;
  g_signal_emit (self, signals[CHANGED], 0);
}

HwTimeRange
hw_time_window_get_home (HwTimeWindow *self)
{
  static const HwTimeRange none = { 0, 0 };

  g_return_val_if_fail (HW_IS_TIME_WINDOW (self), none);

  return self->home;
}

void
hw_time_window_set_home (HwTimeWindow      *self,
                         const HwTimeRange *range)
{
  g_return_if_fail (HW_IS_TIME_WINDOW (self));
  g_return_if_fail (range != NULL);

  self->home = *range;
  hw_time_window_set_range (self, range);
}

gboolean
hw_time_window_is_zoomed (HwTimeWindow *self)
{
  g_return_val_if_fail (HW_IS_TIME_WINDOW (self), FALSE);

  return self->range.from_ms != self->home.from_ms || self->range.to_ms != self->home.to_ms;
}

void
hw_time_window_reset (HwTimeWindow *self)
{
  g_return_if_fail (HW_IS_TIME_WINDOW (self));

  hw_time_window_set_range (self, &self->home);
}

void
hw_time_window_zoom (HwTimeWindow *self,
                     gint64        anchor_ms,
                     double        factor)
{
  HwTimeRange zoomed;

  g_return_if_fail (HW_IS_TIME_WINDOW (self));

  zoomed = hw_time_range_zoom (&self->range, anchor_ms, factor, MIN_SPAN_MS);
  hw_time_window_set_range (self, &zoomed);
}

void
hw_time_window_pan (HwTimeWindow *self,
                    double        fraction)
{
  HwTimeRange panned;

  g_return_if_fail (HW_IS_TIME_WINDOW (self));

  panned = hw_time_range_pan (&self->range, fraction);
  hw_time_window_set_range (self, &panned);
}

gint64
hw_time_window_get_crosshair (HwTimeWindow *self)
{
  g_return_val_if_fail (HW_IS_TIME_WINDOW (self), HW_NO_CROSSHAIR);

  return self->crosshair_ms;
}

void
hw_time_window_set_crosshair (HwTimeWindow *self,
                              gint64        t_ms)
{
  g_return_if_fail (HW_IS_TIME_WINDOW (self));

  if (self->crosshair_ms == t_ms)
    return;
  self->crosshair_ms = t_ms;
  g_signal_emit (self, signals[CROSSHAIR_CHANGED], 0);
}

static void
hw_time_window_class_init (HwTimeWindowClass *klass)
{
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[CROSSHAIR_CHANGED] = g_signal_new ("crosshair-changed", G_TYPE_FROM_CLASS (klass),
                                             G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                             G_TYPE_NONE, 0);
}

static void
hw_time_window_init (HwTimeWindow *self)
{
  gint64 now = g_get_real_time () / 1000;

  self->range.from_ms = now - 3600 * 1000;
  self->range.to_ms = now;
  self->home = self->range;
  self->crosshair_ms = HW_NO_CROSSHAIR;
}
