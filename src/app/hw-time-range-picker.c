/* hw-time-range-picker.c: picks the time range of a page: presets, absolute dates, expressions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "hw-error.h"
#include "hw-time.h"
#include "hw-time-range-picker.h"

/* The settings value is "FROM" (up to now) or "FROM to TO": no time
 * expression contains the word, and an ISO date may contain a space. */
#define RANGE_SEPARATOR " to "
#define DEFAULT_FROM    "now-1h"

static const struct
{
  const char *from;
  const char *label;
} presets[] = {
  { "now-15m", N_("Last 15 minutes") },
  { "now-1h", N_("Last hour") },
  { "now-3h", N_("Last 3 hours") },
  { "now-6h", N_("Last 6 hours") },
  { "now-12h", N_("Last 12 hours") },
  { "now-24h", N_("Last 24 hours") },
  { "now-2d", N_("Last 2 days") },
  { "now-7d", N_("Last 7 days") },
  { "now-30d", N_("Last 30 days") },
};

struct _HwTimeRangePicker
{
  GtkWidget      parent_instance;

  HwTimeWindow  *window;
  GSettings     *settings;
  char          *from;
  char          *to;

  /* Template widgets */
  GtkMenuButton *button;
  GtkLabel      *button_label;
  GtkPopover    *popover;
  GtkListBox    *preset_list;
  GtkEntry      *from_entry;
  GtkLabel      *from_error;
  GtkEntry      *to_entry;
  GtkLabel      *to_error;
};

enum {
  PROP_0,
  PROP_TIME_WINDOW,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (HwTimeRangePicker, hw_time_range_picker, GTK_TYPE_WIDGET)

GtkWidget *
hw_time_range_picker_new (void)
{
  return g_object_new (HW_TYPE_TIME_RANGE_PICKER, NULL);
}

/* Parsing ------------------------------------------------------------------ */

typedef enum { BAD_NONE, BAD_FROM, BAD_TO } BadBound;

static gboolean
evaluate (const char   *from,
          const char   *to,
          gint64        now_ms,
          HwTimeRange  *range,
          BadBound     *bad,
          GError      **error)
{
  *bad = BAD_FROM;
  if (!hw_time_parse (from, now_ms, HW_TIME_ROUND_DOWN, &range->from_ms, error))
    return FALSE;
  *bad = BAD_TO;
  if (!hw_time_parse (to, now_ms, HW_TIME_ROUND_UP, &range->to_ms, error))
    return FALSE;
  if (range->from_ms >= range->to_ms)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_TIME,
                   _("The end must be later than the start"));
      return FALSE;
    }
  *bad = BAD_NONE;
  return TRUE;
}

static void
split_setting (const char  *value,
               char       **from,
               char       **to)
{
  const char *separator = value != NULL ? strstr (value, RANGE_SEPARATOR) : NULL;

  if (value == NULL || *value == '\0')
    {
      *from = g_strdup (DEFAULT_FROM);
      *to = g_strdup ("now");
      return;
    }
  if (separator == NULL)
    {
      *from = g_strstrip (g_strdup (value));
      *to = g_strdup ("now");
      return;
    }
  *from = g_strstrip (g_strndup (value, separator - value));
  *to = g_strstrip (g_strdup (separator + strlen (RANGE_SEPARATOR)));
}

static char *
join_setting (const char *from,
              const char *to)
{
  if (g_str_equal (to, "now"))
    return g_strdup (from);
  return g_strconcat (from, RANGE_SEPARATOR, to, NULL);
}

/* Showing ------------------------------------------------------------------ */

static void
show_error (GtkEntry   *entry,
            GtkLabel   *label,
            const char *message)
{
  gtk_label_set_label (label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (label), message != NULL);
  if (message != NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (entry), "error");
      gtk_accessible_update_state (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_STATE_INVALID,
                                   GTK_ACCESSIBLE_INVALID_TRUE, -1);
      gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                      message, -1);
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (entry), "error");
      gtk_accessible_reset_state (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_STATE_INVALID);
      gtk_accessible_reset_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
    }
}

static void
clear_errors (HwTimeRangePicker *self)
{
  show_error (self->from_entry, self->from_error, NULL);
  show_error (self->to_entry, self->to_error, NULL);
}

static void
update_label (HwTimeRangePicker *self)
{
  g_autofree char *text = NULL;

  if (g_str_equal (self->to, "now"))
    for (guint i = 0; i < G_N_ELEMENTS (presets); i++)
      if (g_str_equal (self->from, presets[i].from))
        {
          gtk_label_set_label (self->button_label, _(presets[i].label));
          return;
        }
  /* TRANSLATORS: a time range, e.g. "2024-05-03 14:00 → now" */
  text = g_strdup_printf (_("%s → %s"), self->from, self->to);
  gtk_label_set_label (self->button_label, text);
}

static void
show_home (HwTimeRangePicker *self,
           const HwTimeRange *range)
{
  if (self->window != NULL)
    hw_time_window_set_home (self->window, range);
}

/* Applies a pick that already parsed. */
static void
take_range (HwTimeRangePicker *self,
            const char        *from,
            const char        *to,
            const HwTimeRange *range,
            gboolean           remember)
{
  g_autofree char *value = NULL;
  g_autofree char *stored = NULL;

  g_free (self->from);
  self->from = g_strdup (from);
  g_free (self->to);
  self->to = g_strdup (to);
  clear_errors (self);
  update_label (self);
  show_home (self, range);

  if (!remember)
    return;
  value = join_setting (self->from, self->to);
  stored = g_settings_get_string (self->settings, "time-range");
  if (!g_str_equal (value, stored))
    g_settings_set_string (self->settings, "time-range", value);
}

static gboolean
pick (HwTimeRangePicker  *self,
      const char         *from,
      const char         *to,
      GError            **error)
{
  g_autofree char *from_text = g_strstrip (g_strdup (from != NULL ? from : ""));
  g_autofree char *to_text = g_strstrip (g_strdup (to != NULL && *to != '\0' ? to : "now"));
  g_autoptr(GError) local_error = NULL;
  HwTimeRange range;
  BadBound bad;

  if (!evaluate (from_text, to_text, hw_time_now_ms (), &range, &bad, &local_error))
    {
      clear_errors (self);
      if (bad == BAD_FROM)
        show_error (self->from_entry, self->from_error, local_error->message);
      else
        show_error (self->to_entry, self->to_error, local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  take_range (self, from_text, to_text, &range, TRUE);
  return TRUE;
}

/* Callbacks ---------------------------------------------------------------- */

static void
on_preset_activated (HwTimeRangePicker *self,
                     GtkListBoxRow     *row)
{
  int index = gtk_list_box_row_get_index (row);

  if (index < 0 || index >= (int) G_N_ELEMENTS (presets))
    return;
  gtk_editable_set_text (GTK_EDITABLE (self->from_entry), presets[index].from);
  gtk_editable_set_text (GTK_EDITABLE (self->to_entry), "now");
  if (pick (self, presets[index].from, "now", NULL))
    gtk_popover_popdown (self->popover);
}

static void
on_apply (HwTimeRangePicker *self)
{
  if (pick (self, gtk_editable_get_text (GTK_EDITABLE (self->from_entry)),
            gtk_editable_get_text (GTK_EDITABLE (self->to_entry)), NULL))
    gtk_popover_popdown (self->popover);
}

static void
on_popover_show (HwTimeRangePicker *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->from_entry), self->from);
  gtk_editable_set_text (GTK_EDITABLE (self->to_entry), self->to);
  clear_errors (self);
}

/* Another picker (or the settings) changed the shared range. */
static void
on_setting_changed (HwTimeRangePicker *self)
{
  g_autofree char *value = g_settings_get_string (self->settings, "time-range");
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  HwTimeRange range;
  BadBound bad;

  split_setting (value, &from, &to);
  if (self->from != NULL && g_str_equal (from, self->from) && g_str_equal (to, self->to))
    return;
  if (!evaluate (from, to, hw_time_now_ms (), &range, &bad, NULL))
    {
      g_clear_pointer (&from, g_free);
      g_clear_pointer (&to, g_free);
      split_setting (NULL, &from, &to);
      evaluate (from, to, hw_time_now_ms (), &range, &bad, NULL);
    }
  take_range (self, from, to, &range, FALSE);
}

/* Public API ---------------------------------------------------------------- */

HwTimeWindow *
hw_time_range_picker_get_time_window (HwTimeRangePicker *self)
{
  g_return_val_if_fail (HW_IS_TIME_RANGE_PICKER (self), NULL);

  return self->window;
}

void
hw_time_range_picker_set_time_window (HwTimeRangePicker *self,
                                      HwTimeWindow      *window)
{
  HwTimeRange range;
  BadBound bad;

  g_return_if_fail (HW_IS_TIME_RANGE_PICKER (self));
  g_return_if_fail (window == NULL || HW_IS_TIME_WINDOW (window));

  if (!g_set_object (&self->window, window))
    return;
  if (evaluate (self->from, self->to, hw_time_now_ms (), &range, &bad, NULL))
    show_home (self, &range);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIME_WINDOW]);
}

const char *
hw_time_range_picker_get_from (HwTimeRangePicker *self)
{
  g_return_val_if_fail (HW_IS_TIME_RANGE_PICKER (self), NULL);

  return self->from;
}

const char *
hw_time_range_picker_get_to (HwTimeRangePicker *self)
{
  g_return_val_if_fail (HW_IS_TIME_RANGE_PICKER (self), NULL);

  return self->to;
}

gboolean
hw_time_range_picker_set_range (HwTimeRangePicker  *self,
                                const char         *from,
                                const char         *to,
                                GError            **error)
{
  g_return_val_if_fail (HW_IS_TIME_RANGE_PICKER (self), FALSE);
  g_return_val_if_fail (from != NULL, FALSE);

  gtk_editable_set_text (GTK_EDITABLE (self->from_entry), from);
  gtk_editable_set_text (GTK_EDITABLE (self->to_entry), to != NULL ? to : "now");
  return pick (self, from, to, error);
}

void
hw_time_range_picker_refresh (HwTimeRangePicker *self)
{
  HwTimeRange range;
  BadBound bad;

  g_return_if_fail (HW_IS_TIME_RANGE_PICKER (self));

  if (self->window == NULL)
    return;
  /* Sliding the range under a zoom would throw away what the user is
   * looking at; a reset brings the fresh range back. */
  if (hw_time_window_is_zoomed (self->window))
    return;
  if (evaluate (self->from, self->to, hw_time_now_ms (), &range, &bad, NULL))
    show_home (self, &range);
}

void
hw_time_range_picker_popup (HwTimeRangePicker *self)
{
  g_return_if_fail (HW_IS_TIME_RANGE_PICKER (self));

  gtk_menu_button_popup (self->button);
}

/* Life cycle ---------------------------------------------------------------- */

static void
hw_time_range_picker_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_TIME_WINDOW:
      g_value_set_object (value, HW_TIME_RANGE_PICKER (object)->window);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hw_time_range_picker_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_TIME_WINDOW:
      hw_time_range_picker_set_time_window (HW_TIME_RANGE_PICKER (object),
                                            g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hw_time_range_picker_dispose (GObject *object)
{
  HwTimeRangePicker *self = HW_TIME_RANGE_PICKER (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), HW_TYPE_TIME_RANGE_PICKER);
  g_clear_object (&self->window);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (hw_time_range_picker_parent_class)->dispose (object);
}

static void
hw_time_range_picker_finalize (GObject *object)
{
  HwTimeRangePicker *self = HW_TIME_RANGE_PICKER (object);

  g_free (self->from);
  g_free (self->to);

  G_OBJECT_CLASS (hw_time_range_picker_parent_class)->finalize (object);
}

static void
hw_time_range_picker_class_init (HwTimeRangePickerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = hw_time_range_picker_get_property;
  object_class->set_property = hw_time_range_picker_set_property;
  object_class->dispose = hw_time_range_picker_dispose;
  object_class->finalize = hw_time_range_picker_finalize;

  properties[PROP_TIME_WINDOW] =
    g_param_spec_object ("time-window", NULL, NULL, HW_TYPE_TIME_WINDOW,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/hw-time-range-picker.ui");
  gtk_widget_class_bind_template_child (widget_class, HwTimeRangePicker, button);
  gtk_widget_class_bind_template_child (widget_class, HwTimeRangePicker, button_label);
  gtk_widget_class_bind_template_child (widget_class, HwTimeRangePicker, popover);
  gtk_widget_class_bind_template_child (widget_class, HwTimeRangePicker, preset_list);
  gtk_widget_class_bind_template_child (widget_class, HwTimeRangePicker, from_entry);
  gtk_widget_class_bind_template_child (widget_class, HwTimeRangePicker, from_error);
  gtk_widget_class_bind_template_child (widget_class, HwTimeRangePicker, to_entry);
  gtk_widget_class_bind_template_child (widget_class, HwTimeRangePicker, to_error);
  gtk_widget_class_bind_template_callback (widget_class, on_preset_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_apply);
  gtk_widget_class_bind_template_callback (widget_class, on_popover_show);
}

static void
hw_time_range_picker_init (HwTimeRangePicker *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  for (guint i = 0; i < G_N_ELEMENTS (presets); i++)
    {
      GtkWidget *row = gtk_list_box_row_new ();
      GtkWidget *label = gtk_label_new (_(presets[i].label));

      gtk_label_set_xalign (GTK_LABEL (label), 0.0);
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), label);
      gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _(presets[i].label), -1);
      gtk_list_box_append (self->preset_list, row);
    }

  self->settings = g_settings_new ("io.github.hubwatch.Hubwatch");
  g_signal_connect_object (self->settings, "changed::time-range",
                           G_CALLBACK (on_setting_changed), self, G_CONNECT_SWAPPED);
  on_setting_changed (self);
}
