/* hw-state-view.c: a page body with empty, loading and error states
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "hw-state-view.h"

struct _HwStateView
{
  GtkWidget       parent_instance;

  HwViewState     state;

  /* Template widgets */
  GtkStack       *stack;
  AdwStatusPage  *empty_page;
  AdwStatusPage  *error_page;
  GtkSpinner     *spinner;
  AdwBin         *content_bin;
};

enum {
  PROP_0,
  PROP_STATE,
  PROP_CHILD,
  PROP_ICON_NAME,
  PROP_TITLE,
  PROP_DESCRIPTION,
  PROP_ERROR,
  N_PROPS
};

enum {
  RETRY,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_ENUM_TYPE (HwViewState, hw_view_state,
                    G_DEFINE_ENUM_VALUE (HW_VIEW_STATE_EMPTY, "empty"),
                    G_DEFINE_ENUM_VALUE (HW_VIEW_STATE_LOADING, "loading"),
                    G_DEFINE_ENUM_VALUE (HW_VIEW_STATE_ERROR, "error"),
                    G_DEFINE_ENUM_VALUE (HW_VIEW_STATE_CONTENT, "content"))

G_DEFINE_FINAL_TYPE (HwStateView, hw_state_view, GTK_TYPE_WIDGET)

static const char *
state_page_name (HwViewState state)
{
  switch (state)
    {
    case HW_VIEW_STATE_LOADING:
      return "loading";
    case HW_VIEW_STATE_ERROR:
      return "error";
    case HW_VIEW_STATE_CONTENT:
      return "content";
    case HW_VIEW_STATE_EMPTY:
    default:
      return "empty";
    }
}

HwViewState
hw_state_view_get_state (HwStateView *self)
{
  g_return_val_if_fail (HW_IS_STATE_VIEW (self), HW_VIEW_STATE_EMPTY);

  return self->state;
}

void
hw_state_view_set_state (HwStateView *self,
                         HwViewState  state)
{
  g_return_if_fail (HW_IS_STATE_VIEW (self));

  if (self->state == state)
    return;
  self->state = state;
  gtk_stack_set_visible_child_name (self->stack, state_page_name (state));
  /* A spinner spinning off-screen still costs frames. */
  gtk_spinner_set_spinning (self->spinner, state == HW_VIEW_STATE_LOADING);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

void
hw_state_view_set_error (HwStateView *self,
                         const char  *message)
{
  g_return_if_fail (HW_IS_STATE_VIEW (self));

  adw_status_page_set_description (self->error_page, message);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
  hw_state_view_set_state (self, HW_VIEW_STATE_ERROR);
}

GtkWidget *
hw_state_view_get_child (HwStateView *self)
{
  g_return_val_if_fail (HW_IS_STATE_VIEW (self), NULL);

  return adw_bin_get_child (self->content_bin);
}

void
hw_state_view_set_child (HwStateView *self,
                         GtkWidget   *child)
{
  g_return_if_fail (HW_IS_STATE_VIEW (self));
  g_return_if_fail (child == NULL || GTK_IS_WIDGET (child));

  adw_bin_set_child (self->content_bin, child);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHILD]);
}

static void
on_retry_clicked (HwStateView *self)
{
  g_signal_emit (self, signals[RETRY], 0);
}

static void
hw_state_view_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  HwStateView *self = HW_STATE_VIEW (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_CHILD:
      g_value_set_object (value, hw_state_view_get_child (self));
      break;
    case PROP_ICON_NAME:
      g_value_set_string (value, adw_status_page_get_icon_name (self->empty_page));
      break;
    case PROP_TITLE:
      g_value_set_string (value, adw_status_page_get_title (self->empty_page));
      break;
    case PROP_DESCRIPTION:
      g_value_set_string (value, adw_status_page_get_description (self->empty_page));
      break;
    case PROP_ERROR:
      g_value_set_string (value, adw_status_page_get_description (self->error_page));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hw_state_view_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  HwStateView *self = HW_STATE_VIEW (object);

  switch (prop_id)
    {
    case PROP_STATE:
      hw_state_view_set_state (self, g_value_get_enum (value));
      break;
    case PROP_CHILD:
      hw_state_view_set_child (self, g_value_get_object (value));
      break;
    case PROP_ICON_NAME:
      adw_status_page_set_icon_name (self->empty_page, g_value_get_string (value));
      break;
    case PROP_TITLE:
      adw_status_page_set_title (self->empty_page, g_value_get_string (value));
      break;
    case PROP_DESCRIPTION:
      adw_status_page_set_description (self->empty_page, g_value_get_string (value));
      break;
    case PROP_ERROR:
      hw_state_view_set_error (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hw_state_view_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), HW_TYPE_STATE_VIEW);

  G_OBJECT_CLASS (hw_state_view_parent_class)->dispose (object);
}

static void
hw_state_view_class_init (HwStateViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = hw_state_view_get_property;
  object_class->set_property = hw_state_view_set_property;
  object_class->dispose = hw_state_view_dispose;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, HW_TYPE_VIEW_STATE, HW_VIEW_STATE_EMPTY,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CHILD] =
    g_param_spec_object ("child", NULL, NULL, GTK_TYPE_WIDGET,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ICON_NAME] =
    g_param_spec_string ("icon-name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_DESCRIPTION] =
    g_param_spec_string ("description", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_ERROR] =
    g_param_spec_string ("error", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[RETRY] = g_signal_new ("retry", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                 0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/hw-state-view.ui");
  gtk_widget_class_bind_template_child (widget_class, HwStateView, stack);
  gtk_widget_class_bind_template_child (widget_class, HwStateView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, HwStateView, error_page);
  gtk_widget_class_bind_template_child (widget_class, HwStateView, spinner);
  gtk_widget_class_bind_template_child (widget_class, HwStateView, content_bin);
  gtk_widget_class_bind_template_callback (widget_class, on_retry_clicked);
}

static void
hw_state_view_init (HwStateView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
