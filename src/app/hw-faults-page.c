/* hw-faults-page.c: fault triage: the page, its group list, filters and loading
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "hw-error.h"
#include "hw-event-store.h"
#include "hw-fault-rows.h"
#include "hw-faults-page-private.h"

#define RELOAD_DELAY_MS 500

static const gint64 range_span_ms[] = { HOUR_MS, 24 * HOUR_MS, 7 * 24 * HOUR_MS, 30 * 24 * HOUR_MS, 0 };
static const char * const range_hub_from[] = { "now-1h", "now-24h", "now-7d", "now-30d", NULL };

enum {
  PROP_0,
  PROP_CONNECTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (HwFaultsPage, hw_faults_page, GTK_TYPE_WIDGET)

static gboolean
is_reachable (HwFaultsPage *self)
{
  HwHubSyncState state;

  if (self->connection == NULL || hw_connection_get_client (self->connection) == NULL)
    return FALSE;
  state = hw_connection_get_state (self->connection);
  return state == HW_HUB_SYNC_STATE_SYNCING || state == HW_HUB_SYNC_STATE_ONLINE;
}

/* Showing groups ---------------------------------------------------------------- */

void
hw_faults_page_clear_list (GtkListBox *list)
{
  GtkListBoxRow *row;

  while ((row = gtk_list_box_get_row_at_index (list, 0)) != NULL)
    gtk_list_box_remove (list, GTK_WIDGET (row));
}

static const char *
selected_function (HwFaultsPage *self)
{
  GtkStringObject *item = gtk_drop_down_get_selected_item (self->function_dropdown);

  if (item == NULL || gtk_drop_down_get_selected (self->function_dropdown) == 0)
    return NULL;
  return gtk_string_object_get_string (item);
}

static gboolean
group_matches (HwFaultsPage     *self,
               HwFaultGroupItem *group,
               const char       *needle)
{
  return hw_fault_group_item_matches (group, selected_function (self), needle);
}

static void
show_groups (HwFaultsPage *self)
{
  g_autofree char *needle = g_utf8_casefold (gtk_editable_get_text (GTK_EDITABLE (self->search_entry)), -1);
  HwFaultGroupItem *previous = self->selected;
  GtkListBoxRow *reselect = NULL;
  g_autofree char *summary = NULL;
  gint64 total = 0;

  self->updating = TRUE;
  hw_faults_page_clear_list (self->group_list);
  g_ptr_array_set_size (self->shown, 0);
  for (guint i = 0; self->groups != NULL && i < self->groups->len; i++)
    {
      HwFaultGroupItem *group = g_ptr_array_index (self->groups, i);
      GtkWidget *row;

      if (!group_matches (self, group, needle))
        continue;
      g_ptr_array_add (self->shown, group);
      total += group->count;
      row = hw_fault_group_row_new (group, self->window);
      gtk_list_box_append (self->group_list, row);
      if (previous != NULL && hw_fault_group_item_equal (group, previous))
        reselect = GTK_LIST_BOX_ROW (row);
    }
  self->updating = FALSE;

  summary = g_strdup_printf (ngettext ("%u group · %" G_GINT64_FORMAT " faults · from the %s",
                                       "%u groups · %" G_GINT64_FORMAT " faults · from the %s",
                                       self->shown->len),
                             self->shown->len, total,
                             g_strcmp0 (self->source, "hub") == 0 ? _("hub") : _("offline cache"));
  gtk_label_set_label (self->summary_label, summary);
  if (reselect != NULL)
    gtk_list_box_select_row (self->group_list, reselect);
  else
    {
      self->selected = NULL;
      gtk_stack_set_visible_child_name (self->detail_stack, "none");
    }
  hw_faults_page_update_actions (self);
}

static void
update_function_model (HwFaultsPage *self)
{
  g_autoptr(GtkStringList) model = gtk_string_list_new (NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *current = g_strdup (selected_function (self));
  guint select = 0;

  gtk_string_list_append (model, _("All functions"));
  for (guint i = 0; self->groups != NULL && i < self->groups->len; i++)
    {
      HwFaultGroupItem *group = g_ptr_array_index (self->groups, i);

      if (group->functionname == NULL || !g_hash_table_add (seen, group->functionname))
        continue;
      gtk_string_list_append (model, group->functionname);
      if (g_strcmp0 (current, group->functionname) == 0)
        select = g_list_model_get_n_items (G_LIST_MODEL (model)) - 1;
    }
  self->updating = TRUE;
  gtk_drop_down_set_model (self->function_dropdown, G_LIST_MODEL (model));
  gtk_drop_down_set_selected (self->function_dropdown, select);
  self->updating = FALSE;
}

gint64
hw_faults_page_range_from_ms (HwFaultsPage *self)
{
  guint index = gtk_drop_down_get_selected (self->range_dropdown);
  gint64 span = index < G_N_ELEMENTS (range_span_ms) ? range_span_ms[index] : 0;

  return span > 0 ? g_get_real_time () / 1000 - span : 0;
}

const char *
hw_faults_page_range_hub (HwFaultsPage *self)
{
  guint index = gtk_drop_down_get_selected (self->range_dropdown);

  return index < G_N_ELEMENTS (range_hub_from) ? range_hub_from[index] : NULL;
}

static void
on_groups_ready (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(HwFaultsPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) old = NULL;
  const char *origin = NULL;
  HwTimeRange range = { 0, 0 };
  GPtrArray *groups;

  groups = hw_fault_groups_load_finish (result, &origin, &range, &error);
  if (groups == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->connection == NULL)
        return;
      /* Not cached yet: keep loading until the sync opens the cache, unless
       * the hub refused the token. */
      if (!g_error_matches (error, HW_ERROR, HW_ERROR_NOT_FOUND)
          || hw_connection_get_state (self->connection) == HW_HUB_SYNC_STATE_AUTH_FAILED)
        hw_state_view_set_error (self->state_view, hw_connection_get_state (self->connection)
                                                   == HW_HUB_SYNC_STATE_AUTH_FAILED
                                                   && hw_connection_get_last_error (self->connection) != NULL
                                                   ? hw_connection_get_last_error (self->connection)
                                                   : error->message);
      return;
    }
  /* The selection points into the old array: keep it alive until reselected. */
  old = g_steal_pointer (&self->groups);
  self->groups = groups;
  self->source = origin;
  hw_time_window_set_home (self->window, &range);
  update_function_model (self);
  show_groups (self);
  self->load_count++;
  hw_state_view_set_state (self->state_view, HW_VIEW_STATE_CONTENT);
}

static void
reload (HwFaultsPage *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->connection == NULL)
    {
      hw_state_view_set_state (self->state_view, HW_VIEW_STATE_EMPTY);
      return;
    }
  self->cancellable = g_cancellable_new ();
  if (hw_state_view_get_state (self->state_view) != HW_VIEW_STATE_CONTENT)
    hw_state_view_set_state (self->state_view, HW_VIEW_STATE_LOADING);
  self->was_reachable = is_reachable (self);
  hw_fault_groups_load_async (self->connection, hw_faults_page_range_hub (self),
                              hw_faults_page_range_from_ms (self), self->cancellable,
                              on_groups_ready, g_object_ref (self));
}

/* Signals ------------------------------------------------------------------------ */

static void
on_filter_changed (HwFaultsPage *self)
{
  if (!self->updating)
    show_groups (self);
}

static void
on_range_changed (HwFaultsPage *self)
{
  reload (self);
}

static void
on_retry (HwFaultsPage *self)
{
  if (self->connection != NULL)
    hw_connection_retry (self->connection);
  reload (self);
}

static gboolean
reload_later (gpointer user_data)
{
  HwFaultsPage *self = user_data;

  self->reload_id = 0;
  reload (self);
  return G_SOURCE_REMOVE;
}

static void
on_connection_changed (HwFaultsPage *self,
                       guint         changes)
{
  /* A busy hub syncs faults many times a second: one reload per burst. */
  if ((changes & HW_HUB_SYNC_CHANGED_FAULTS) && self->reload_id == 0)
    self->reload_id = g_timeout_add (RELOAD_DELAY_MS, reload_later, self);
}

static void
on_connection_state (HwFaultsPage *self)
{
  /* Back online: the hub is the better source again; offline: the cache. */
  if (is_reachable (self) != self->was_reachable)
    reload (self);
}

static void
on_queue_changed (HwFaultsPage *self)
{
  /* Resubmitted faults get their mark. */
  hw_faults_page_load_faults (self);
}

/* Actions ------------------------------------------------------------------------ */

static void
focus_search_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  gtk_widget_grab_focus (GTK_WIDGET (HW_FAULTS_PAGE (widget)->search_entry));
}

/* Public API ---------------------------------------------------------------------- */

HwConnection *
hw_faults_page_get_connection (HwFaultsPage *self)
{
  g_return_val_if_fail (HW_IS_FAULTS_PAGE (self), NULL);

  return self->connection;
}

void
hw_faults_page_set_connection (HwFaultsPage *self,
                               HwConnection *connection)
{
  g_return_if_fail (HW_IS_FAULTS_PAGE (self));
  g_return_if_fail (connection == NULL || HW_IS_CONNECTION (connection));

  if (self->connection == connection)
    return;
  if (self->connection != NULL)
    g_signal_handlers_disconnect_by_data (self->connection, self);
  if (self->queue != NULL)
    g_signal_handlers_disconnect_by_data (self->queue, self);
  g_set_object (&self->connection, connection);
  g_clear_object (&self->queue);
  if (connection != NULL)
    {
      self->queue = g_object_ref (hw_command_queue_get (connection));
      g_signal_connect_swapped (connection, "changed", G_CALLBACK (on_connection_changed), self);
      g_signal_connect_swapped (connection, "notify::state", G_CALLBACK (on_connection_state), self);
      g_signal_connect_swapped (self->queue, "notify::can-operate", G_CALLBACK (hw_faults_page_update_actions), self);
      g_signal_connect_swapped (self->queue, "changed", G_CALLBACK (on_queue_changed), self);
    }
  g_clear_handle_id (&self->reload_id, g_source_remove);
  self->selected = NULL;
  /* The rows point into the arrays: they go first. */
  self->updating = TRUE;
  hw_faults_page_clear_list (self->fault_list);
  self->updating = FALSE;
  g_clear_pointer (&self->groups, g_ptr_array_unref);
  g_clear_pointer (&self->faults, g_ptr_array_unref);
  g_hash_table_remove_all (self->checked);
  show_groups (self);
  hw_state_view_set_state (self->state_view, HW_VIEW_STATE_EMPTY);
  reload (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTION]);
}

void
hw_faults_page_set_range (HwFaultsPage  *self,
                          HwFaultsRange  range)
{
  g_return_if_fail (HW_IS_FAULTS_PAGE (self));

  gtk_drop_down_set_selected (self->range_dropdown, range);
}

void
hw_faults_page_set_filter (HwFaultsPage *self,
                           const char   *text)
{
  g_return_if_fail (HW_IS_FAULTS_PAGE (self));

  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text != NULL ? text : "");
  show_groups (self);
}

guint
hw_faults_page_get_n_groups (HwFaultsPage *self)
{
  g_return_val_if_fail (HW_IS_FAULTS_PAGE (self), 0);

  return self->shown->len;
}

gboolean
hw_faults_page_get_group (HwFaultsPage  *self,
                          guint          index,
                          const char   **functionname,
                          const char   **pipeline,
                          const char   **message,
                          gint64        *count)
{
  HwFaultGroupItem *group;

  g_return_val_if_fail (HW_IS_FAULTS_PAGE (self), FALSE);

  if (index >= self->shown->len)
    return FALSE;
  group = g_ptr_array_index (self->shown, index);
  if (functionname != NULL)
    *functionname = group->functionname;
  if (pipeline != NULL)
    *pipeline = group->pipeline;
  if (message != NULL)
    *message = group->message;
  if (count != NULL)
    *count = group->count;
  return TRUE;
}

void
hw_faults_page_select_group (HwFaultsPage *self,
                             guint         index)
{
  g_return_if_fail (HW_IS_FAULTS_PAGE (self));

  gtk_list_box_select_row (self->group_list, gtk_list_box_get_row_at_index (self->group_list, index));
}

guint
hw_faults_page_get_n_faults (HwFaultsPage *self)
{
  g_return_val_if_fail (HW_IS_FAULTS_PAGE (self), 0);

  return self->faults != NULL ? self->faults->len : 0;
}

HwFaultDetail *
hw_faults_page_get_detail (HwFaultsPage *self)
{
  g_return_val_if_fail (HW_IS_FAULTS_PAGE (self), NULL);

  return self->fault_detail;
}

const char *
hw_faults_page_get_source (HwFaultsPage *self)
{
  g_return_val_if_fail (HW_IS_FAULTS_PAGE (self), NULL);

  return self->source;
}

guint
hw_faults_page_get_load_count (HwFaultsPage *self)
{
  g_return_val_if_fail (HW_IS_FAULTS_PAGE (self), 0);

  return self->load_count;
}

guint
hw_faults_page_get_fault_load_count (HwFaultsPage *self)
{
  g_return_val_if_fail (HW_IS_FAULTS_PAGE (self), 0);

  return self->fault_load_count;
}

/* Life cycle ---------------------------------------------------------------------- */

static void
hw_faults_page_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_CONNECTION:
      g_value_set_object (value, HW_FAULTS_PAGE (object)->connection);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hw_faults_page_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_CONNECTION:
      hw_faults_page_set_connection (HW_FAULTS_PAGE (object), g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hw_faults_page_dispose (GObject *object)
{
  HwFaultsPage *self = HW_FAULTS_PAGE (object);

  self->updating = TRUE;
  g_clear_handle_id (&self->reload_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_cancellable_cancel (self->fault_cancellable);
  g_clear_object (&self->fault_cancellable);
  if (self->connection != NULL)
    g_signal_handlers_disconnect_by_data (self->connection, self);
  if (self->queue != NULL)
    g_signal_handlers_disconnect_by_data (self->queue, self);
  g_clear_object (&self->connection);
  g_clear_object (&self->queue);
  self->selected = NULL;
  gtk_widget_dispose_template (GTK_WIDGET (self), HW_TYPE_FAULTS_PAGE);
  g_clear_pointer (&self->groups, g_ptr_array_unref);
  g_clear_pointer (&self->shown, g_ptr_array_unref);
  g_clear_pointer (&self->faults, g_ptr_array_unref);
  g_clear_pointer (&self->checked, g_hash_table_unref);
  g_clear_object (&self->window);

  G_OBJECT_CLASS (hw_faults_page_parent_class)->dispose (object);
}

static void
hw_faults_page_class_init (HwFaultsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = hw_faults_page_get_property;
  object_class->set_property = hw_faults_page_set_property;
  object_class->dispose = hw_faults_page_dispose;

  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL, HW_TYPE_CONNECTION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (HW_TYPE_CHART);
  g_type_ensure (HW_TYPE_STATE_VIEW);
  g_type_ensure (HW_TYPE_FAULT_DETAIL);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/hw-faults-page.ui");
  gtk_widget_class_bind_template_child (widget_class, HwFaultsPage, state_view);
  gtk_widget_class_bind_template_child (widget_class, HwFaultsPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, HwFaultsPage, function_dropdown);
  gtk_widget_class_bind_template_child (widget_class, HwFaultsPage, range_dropdown);
  gtk_widget_class_bind_template_child (widget_class, HwFaultsPage, replay_button);
  gtk_widget_class_bind_template_child (widget_class, HwFaultsPage, resubmit_button);
  gtk_widget_class_bind_template_child (widget_class, HwFaultsPage, summary_label);
  gtk_widget_class_bind_template_child (widget_class, HwFaultsPage, group_list);
  gtk_widget_class_bind_template_child (widget_class, HwFaultsPage, detail_stack);
  gtk_widget_class_bind_template_child (widget_class, HwFaultsPage, group_title);
  gtk_widget_class_bind_template_child (widget_class, HwFaultsPage, group_subtitle);
  gtk_widget_class_bind_template_child (widget_class, HwFaultsPage, trend_chart);
  gtk_widget_class_bind_template_child (widget_class, HwFaultsPage, fault_list);
  gtk_widget_class_bind_template_child (widget_class, HwFaultsPage, fault_placeholder);
  gtk_widget_class_bind_template_child (widget_class, HwFaultsPage, fault_detail);
  gtk_widget_class_bind_template_callback (widget_class, on_retry);
  gtk_widget_class_bind_template_callback (widget_class, on_filter_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_range_changed);
  hw_faults_page_class_init_detail (widget_class);
  gtk_widget_class_install_action (widget_class, "faults.focus-search", NULL, focus_search_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK,
                                       "faults.focus-search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "faults.resubmit", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "faults.replay", NULL);
}

static void
hw_faults_page_init (HwFaultsPage *self)
{
  gint64 now = g_get_real_time () / 1000;

  self->shown = g_ptr_array_new ();
  self->checked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* Every sparkline shares one window, so their columns line up in time. */
  self->window = hw_time_window_new (now - 7 * 24 * HOUR_MS, now);
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_drop_down_set_selected (self->range_dropdown, HW_FAULTS_RANGE_WEEK);
  hw_chart_set_compact (self->trend_chart, TRUE);
  hw_chart_set_title (self->trend_chart, _("Fault Trend"));
  hw_chart_set_time_window (self->trend_chart, self->window);
  update_function_model (self);
  hw_faults_page_update_actions (self);
}
