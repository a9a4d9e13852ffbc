/* hw-lake-stage.c: the Event Lake page shows a search's parts one frame at a time
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-lake-page-private.h"

/* When a search's parts arrive together (rows, total, histogram, facets),
 * showing them in one frame damages most of the window, and under a
 * software renderer that one frame took 15-25 ms of main-thread CPU. So
 * each part is a step, and at most one step goes into a frame: the first
 * at once when that frame has none yet (the rows the user waits for are
 * not delayed), the others from a tick callback, one per frame.
 *
 * The frame clock can stop while the page stays mapped (a minimised
 * window): then a timeout shows what is left, so a search always ends. */

#define STAGE_FALLBACK_MS 250

typedef struct
{
  HwLakeStep     apply;
  gpointer       data;
  GDestroyNotify destroy;
} Step;

static void
step_free (Step *step)
{
  if (step->destroy != NULL)
    step->destroy (step->data);
  g_free (step);
}

static void
run_step (HwLakePage *self,
          Step       *step)
{
  step->apply (self, step->data);
  step_free (step);
}

static gboolean on_stage_timeout (gpointer user_data);

/* Restarted by every frame that shows a step: it fires only when frames stop. */
static void
arm_stage_timeout (HwLakePage *self)
{
  g_clear_handle_id (&self->stage_timeout, g_source_remove);
  self->stage_timeout = g_timeout_add (STAGE_FALLBACK_MS, on_stage_timeout, self);
  g_source_set_name_by_id (self->stage_timeout, "[hubwatch] lake stage fallback");
}

static gboolean
on_stage_tick (GtkWidget     *widget,
               GdkFrameClock *clock,
               gpointer       user_data)
{
  HwLakePage *self = HW_LAKE_PAGE (widget);
  gint64 frame = gdk_frame_clock_get_frame_counter (clock);
  Step *step;

  /* A step applied just before this frame is drawn in it: wait for the next. */
  if (self->stage_frame >= frame)
    return G_SOURCE_CONTINUE;
  step = g_queue_pop_head (&self->stages);
  if (step != NULL)
    {
      self->stage_frame = frame;
      run_step (self, step);
    }
  if (!g_queue_is_empty (&self->stages))
    {
      arm_stage_timeout (self);
      return G_SOURCE_CONTINUE;
    }
  self->stage_tick = 0;
  g_clear_handle_id (&self->stage_timeout, g_source_remove);
  return G_SOURCE_REMOVE;
}

static gboolean
on_stage_timeout (gpointer user_data)
{
  HwLakePage *self = HW_LAKE_PAGE (user_data);

  self->stage_timeout = 0;
  hw_lake_page_flush_stages (self);
  return G_SOURCE_REMOVE;
}

void
hw_lake_page_stage (HwLakePage     *self,
                    HwLakeStep      apply,
                    gpointer        data,
                    GDestroyNotify  destroy)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));
  Step *step = g_new0 (Step, 1);

  step->apply = apply;
  step->data = data;
  step->destroy = destroy;
  /* Not on screen: nothing to spread over frames. */
  if (clock == NULL || !gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      run_step (self, step);
      return;
    }
  /* Between frames the counter is the last frame's: what runs now is
   * drawn in the next one. */
  if (g_queue_is_empty (&self->stages) && self->stage_frame <= gdk_frame_clock_get_frame_counter (clock))
    {
      self->stage_frame = gdk_frame_clock_get_frame_counter (clock) + 1;
      run_step (self, step);
      return;
    }
  g_queue_push_tail (&self->stages, step);
  if (self->stage_tick != 0)
    return;
  self->stage_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self), on_stage_tick, NULL, NULL);
  arm_stage_timeout (self);
}

/* A new search makes the steps of the last one pointless. */
void
hw_lake_page_drop_stages (HwLakePage *self)
{
  Step *step;

  while ((step = g_queue_pop_head (&self->stages)) != NULL)
    step_free (step);
  if (self->stage_tick != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->stage_tick);
  self->stage_tick = 0;
  g_clear_handle_id (&self->stage_timeout, g_source_remove);
  /* The new search's rows go first even if the frame has a step already. */
  self->stage_frame = 0;
}

/* Off screen no frames come: what is left is shown at once. */
void
hw_lake_page_flush_stages (HwLakePage *self)
{
  Step *step;

  if (self->stage_tick != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->stage_tick);
  self->stage_tick = 0;
  g_clear_handle_id (&self->stage_timeout, g_source_remove);
  while ((step = g_queue_pop_head (&self->stages)) != NULL)
    run_step (self, step);
}

gboolean
hw_lake_page_has_stages (HwLakePage *self)
{
  return !g_queue_is_empty (&self->stages);
}
