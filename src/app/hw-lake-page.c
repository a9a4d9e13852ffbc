/* hw-lake-page.c: the Event Lake page: calendar, search, histogram, facets, results, detail
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "hw-background.h"
#include "hw-lake-page-private.h"
#include "hw-time.h"

/* New events arrive continuously while the hub is live: refresh at most
 * this often. */
#define REFRESH_DELAY_MS 1000

enum {
  PROP_0,
  PROP_CONNECTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (HwLakePage, hw_lake_page, GTK_TYPE_WIDGET)

/* Search callbacks ---------------------------------------------------------- */

static void
on_search_changed (HwLakePage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  /* GtkSearchEntry reports a change after a delay, also for text set by
   * hw_lake_page_search(), which has already searched for it: a second run
   * would throw away the results on screen and do it all again. */
  if (self->query != NULL && self->error_message == NULL
      && g_strcmp0 (hw_query_get_text (self->query), text) == 0)
    return;
  hw_lake_page_run_search (self);
}

static void
on_search_activate (HwLakePage *self)
{
  hw_lake_page_run_search (self);
}

static void
on_order_changed (HwLakePage *self)
{
  hw_lake_page_run_search (self);
}

static void
on_range_selected (HwLakePage *self)
{
  self->updating_window = TRUE;
  hw_time_window_reset (self->window);
  self->updating_window = FALSE;
  hw_lake_page_run_search (self);
}

static void
on_reset_range (HwLakePage *self)
{
  hw_lake_page_reset_range (self);
}

static void
on_calendar_range (HwLakePage *self,
                   const char *key,
                   gint64      start_ms,
                   gint64      end_ms)
{
  /* Narrowing the shared window searches through on_window_changed(). */
  hw_time_window_set_range (self->window, &(HwTimeRange) { start_ms, end_ms });
}

static void
append_term (HwLakePage *self,
             const char *term)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  g_autofree char *next = *stripped != '\0' ? g_strdup_printf ("%s %s", stripped, term) : g_strdup (term);

  hw_lake_page_search (self, next);
}

static void
on_facet_activated (HwLakePage *self,
                    const char *field,
                    const char *value)
{
  g_autofree char *term = hw_lake_facet_term (field, value);

  append_term (self, term);
}

static void
on_follow (HwLakePage *self,
           const char *query,
           gboolean    oldest_first)
{
  hw_lake_results_set_order (self->results, oldest_first ? HW_EVENT_ORDER_OLDEST_FIRST
                                                         : HW_EVENT_ORDER_NEWEST_FIRST);
  hw_lake_page_search (self, query);
}

static void
on_near_end (HwLakePage *self)
{
  hw_lake_page_fetch_more (self);
}

/* The detail pane -------------------------------------------------------------- */

static void
read_event_in_thread (GTask        *task,
                      gpointer      source,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  GError *error = NULL;
  char *json = hw_event_store_get_event_json (HW_EVENT_STORE (g_object_get_data (G_OBJECT (task), "store")),
                                        GPOINTER_TO_SIZE (g_task_get_task_data (task)), &error);
  if (json == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, json, g_free);
}

static void
on_event_read (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  HwLakePage *self = HW_LAKE_PAGE (source);
  g_autoptr(GError) error = NULL;
  g_autofree char *json = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  hw_event_detail_set_event (self->detail, json);
}

static void
on_selection_changed (HwLakePage *self)
{
  g_autoptr(HwEventItem) item = hw_lake_results_get_selected (self->results);
  const HwEventRow *row = item != NULL ? hw_event_item_get_row (item) : NULL;
  g_autoptr(GTask) task = NULL;

  g_cancellable_cancel (self->detail_cancellable);
  g_clear_object (&self->detail_cancellable);
  if (item == NULL || (hw_event_item_get_seq (item) <= 0 && (row == NULL || row->json == NULL)))
    {
      /* Clearing a pane that shows nothing would still redraw it. */
      if (hw_event_detail_get_json (self->detail) != NULL)
        hw_event_detail_set_event (self->detail, NULL);
      return;
    }
  if (row != NULL && row->json != NULL)
    {
      hw_event_detail_set_event (self->detail, row->json);
      return;
    }
  self->detail_cancellable = g_cancellable_new ();
  task = g_task_new (self, self->detail_cancellable, on_event_read, NULL);
  g_task_set_source_tag (task, on_selection_changed);
  g_object_set_data_full (G_OBJECT (task), "store", g_object_ref (self->store), g_object_unref);
  g_task_set_task_data (task, GSIZE_TO_POINTER ((gsize) hw_event_item_get_seq (item)), NULL);
  hw_background_run_task (task, read_event_in_thread);
}

/* Other actions ------------------------------------------------------------------ */

static void
copy_query_activated (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  HwLakePage *self = HW_LAKE_PAGE (widget);

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget),
                          gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
  hw_lake_page_toast (self, _("Query copied"));
}

static void
focus_search_activated (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  gtk_widget_grab_focus (GTK_WIDGET (HW_LAKE_PAGE (widget)->search_entry));
}

static void
reset_range_activated (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  hw_lake_page_reset_range (HW_LAKE_PAGE (widget));
}

/* The connection ------------------------------------------------------------------ */

static void
update_state (HwLakePage *self)
{
  if (self->connection == NULL)
    {
      g_object_set (self->state_view, "title", _("No Hub Selected"),
                    "description", _("Choose a hub in the sidebar, or add one."), NULL);
      hw_state_view_set_state (self->state_view, HW_VIEW_STATE_EMPTY);
      return;
    }
  if (self->store != NULL)
    {
      hw_state_view_set_state (self->state_view, HW_VIEW_STATE_CONTENT);
      return;
    }
  if (hw_connection_get_state (self->connection) == HW_HUB_SYNC_STATE_AUTH_FAILED
      && hw_connection_get_last_error (self->connection) != NULL)
    {
      hw_state_view_set_error (self->state_view, hw_connection_get_last_error (self->connection));
      return;
    }
  hw_state_view_set_state (self->state_view, HW_VIEW_STATE_LOADING);
}

static void
take_store (HwLakePage *self)
{
  HwEventStore *store = self->connection != NULL ? hw_connection_get_store (self->connection) : NULL;

  if (store != self->store)
    {
      g_set_object (&self->store, store);
      /* Parts of a search of the old store are not to be shown over the new one. */
      hw_lake_page_drop_stages (self);
      hw_lake_calendar_set_store (self->calendar, store);
      hw_lake_index_notice_set_store (self->index_notice, store);
      hw_event_list_model_clear (hw_lake_results_get_model (self->results));
      hw_lake_facets_clear (self->facets);
      hw_chart_clear_series (self->histogram);
      if (store != NULL)
        hw_lake_page_run_search (self);
    }
  update_state (self);
}

static gboolean
refresh_now (gpointer user_data)
{
  HwLakePage *self = user_data;
  g_autoptr(HwEventItem) selected = hw_lake_results_get_selected (self->results);

  self->refresh_source = 0;
  hw_lake_calendar_refresh (self->calendar);
  /* Re-running the search would move the rows under the user's selection. */
  if (selected == NULL && self->origin != HW_LAKE_ORIGIN_HUB)
    hw_lake_page_run_search (self);
  return G_SOURCE_REMOVE;
}

static void
on_connection_changed (HwLakePage *self,
                       guint       changes)
{
  if (self->store != hw_connection_get_store (self->connection))
    {
      take_store (self);
      return;
    }
  /* An index that failed to write is caught up again from the bodies. */
  hw_lake_index_notice_check (self->index_notice);
  if ((changes & HW_HUB_SYNC_CHANGED_EVENTS) && self->refresh_source == 0 && self->store != NULL)
    self->refresh_source = g_timeout_add (REFRESH_DELAY_MS, refresh_now, self);
}

static void
on_retry (HwLakePage *self)
{
  if (self->connection != NULL)
    hw_connection_retry (self->connection);
  take_store (self);
}

/* Public API ------------------------------------------------------------------------ */

HwConnection *
hw_lake_page_get_connection (HwLakePage *self)
{
  g_return_val_if_fail (HW_IS_LAKE_PAGE (self), NULL);

  return self->connection;
}

void
hw_lake_page_set_connection (HwLakePage   *self,
                             HwConnection *connection)
{
  g_return_if_fail (HW_IS_LAKE_PAGE (self));
  g_return_if_fail (connection == NULL || HW_IS_CONNECTION (connection));

  if (self->connection == connection)
    return;
  if (self->connection != NULL)
    g_signal_handlers_disconnect_by_data (self->connection, self);
  g_set_object (&self->connection, connection);
  if (connection != NULL)
    {
      g_signal_connect_swapped (connection, "changed", G_CALLBACK (on_connection_changed), self);
      g_signal_connect_swapped (connection, "notify::state", G_CALLBACK (update_state), self);
    }
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  take_store (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTION]);
}

void
hw_lake_page_search (HwLakePage *self,
                     const char *query)
{
  g_return_if_fail (HW_IS_LAKE_PAGE (self));

  /* Setting the text schedules a debounced search; run it now instead. */
  g_signal_handlers_block_by_func (self->search_entry, on_search_changed, self);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), query != NULL ? query : "");
  g_signal_handlers_unblock_by_func (self->search_entry, on_search_changed, self);
  hw_lake_page_run_search (self);
}

HwTimeWindow *
hw_lake_page_get_time_window (HwLakePage *self)
{
  g_return_val_if_fail (HW_IS_LAKE_PAGE (self), NULL);

  return self->window;
}

void
hw_lake_page_set_time_window (HwLakePage   *self,
                              HwTimeWindow *window)
{
  g_return_if_fail (HW_IS_LAKE_PAGE (self));
  g_return_if_fail (HW_IS_TIME_WINDOW (window));

  if (self->window == window)
    return;
  if (self->window != NULL)
    g_signal_handlers_disconnect_by_data (self->window, self);
  g_set_object (&self->window, window);
  g_signal_connect_swapped (window, "changed", G_CALLBACK (hw_lake_page_window_changed), self);
  hw_chart_set_time_window (self->histogram, window);
  hw_lake_page_run_search (self);
}

guint
hw_lake_page_get_search_count (HwLakePage *self)
{
  g_return_val_if_fail (HW_IS_LAKE_PAGE (self), 0);

  return self->search_count;
}

gboolean
hw_lake_page_is_searching (HwLakePage *self)
{
  g_return_val_if_fail (HW_IS_LAKE_PAGE (self), FALSE);

  /* Until the results model has told its whole length, the rows are not
   * all there yet either. */
  return self->pending > 0
         || hw_lake_page_has_stages (self)
         || !hw_event_list_model_is_settled (hw_lake_results_get_model (self->results));
}

gint64
hw_lake_page_get_total (HwLakePage *self)
{
  g_return_val_if_fail (HW_IS_LAKE_PAGE (self), -1);

  return self->total;
}

HwLakeOrigin
hw_lake_page_get_origin (HwLakePage *self)
{
  g_return_val_if_fail (HW_IS_LAKE_PAGE (self), HW_LAKE_ORIGIN_NONE);

  return self->origin;
}

const char *
hw_lake_page_get_query_error (HwLakePage *self,
                              guint      *position)
{
  g_return_val_if_fail (HW_IS_LAKE_PAGE (self), NULL);

  if (position != NULL)
    *position = self->error_position;
  return self->error_message;
}

GtkWidget *
hw_lake_page_get_search_entry (HwLakePage *self)
{
  g_return_val_if_fail (HW_IS_LAKE_PAGE (self), NULL);

  return GTK_WIDGET (self->search_entry);
}

HwLakeResults *
hw_lake_page_get_results (HwLakePage *self)
{
  g_return_val_if_fail (HW_IS_LAKE_PAGE (self), NULL);

  return self->results;
}

HwLakeCalendar *
hw_lake_page_get_calendar (HwLakePage *self)
{
  g_return_val_if_fail (HW_IS_LAKE_PAGE (self), NULL);

  return self->calendar;
}

HwLakeFacets *
hw_lake_page_get_facets (HwLakePage *self)
{
  g_return_val_if_fail (HW_IS_LAKE_PAGE (self), NULL);

  return self->facets;
}

HwEventDetail *
hw_lake_page_get_detail (HwLakePage *self)
{
  g_return_val_if_fail (HW_IS_LAKE_PAGE (self), NULL);

  return self->detail;
}

HwChart *
hw_lake_page_get_histogram (HwLakePage *self)
{
  g_return_val_if_fail (HW_IS_LAKE_PAGE (self), NULL);

  return self->histogram;
}

const char *
hw_lake_page_get_total_text (HwLakePage *self)
{
  g_return_val_if_fail (HW_IS_LAKE_PAGE (self), NULL);

  return gtk_inscription_get_text (self->total_label);
}

const char *
hw_lake_page_get_empty_title (HwLakePage *self)
{
  g_return_val_if_fail (HW_IS_LAKE_PAGE (self), NULL);

  if (!gtk_widget_get_visible (self->empty_status))
    return NULL;
  return adw_status_page_get_title (ADW_STATUS_PAGE (self->empty_status));
}

HwLakeIndexNotice *
hw_lake_page_get_index_notice (HwLakePage *self)
{
  g_return_val_if_fail (HW_IS_LAKE_PAGE (self), NULL);

  return self->index_notice;
}

guint
hw_lake_page_get_export_count (HwLakePage *self)
{
  g_return_val_if_fail (HW_IS_LAKE_PAGE (self), 0);

  return self->export_count;
}

gint64
hw_lake_page_get_last_export (HwLakePage *self)
{
  g_return_val_if_fail (HW_IS_LAKE_PAGE (self), -1);

  return self->last_export;
}

/* GObject ------------------------------------------------------------------------ */

static void
hw_lake_page_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  HwLakePage *self = HW_LAKE_PAGE (object);

  switch (prop_id)
    {
    case PROP_CONNECTION:
      g_value_set_object (value, self->connection);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hw_lake_page_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  HwLakePage *self = HW_LAKE_PAGE (object);

  switch (prop_id)
    {
    case PROP_CONNECTION:
      hw_lake_page_set_connection (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hw_lake_page_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (hw_lake_page_parent_class)->map (widget);
  /* The window's actions are known once the page is in it. */
  hw_lake_page_update_replay (HW_LAKE_PAGE (widget));
}

static void
hw_lake_page_unmap (GtkWidget *widget)
{
  hw_lake_page_flush_stages (HW_LAKE_PAGE (widget));
  GTK_WIDGET_CLASS (hw_lake_page_parent_class)->unmap (widget);
}

static void
hw_lake_page_dispose (GObject *object)
{
  HwLakePage *self = HW_LAKE_PAGE (object);

  hw_lake_page_drop_stages (self);
  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->detail_cancellable);
  g_cancellable_cancel (self->export_cancellable);
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  if (self->connection != NULL)
    g_signal_handlers_disconnect_by_data (self->connection, self);
  g_clear_object (&self->connection);
  if (self->window != NULL)
    g_signal_handlers_disconnect_by_data (self->window, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), HW_TYPE_LAKE_PAGE);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->detail_cancellable);
  g_clear_object (&self->export_cancellable);
  g_clear_object (&self->store);
  g_clear_object (&self->window);
  g_clear_pointer (&self->mask_rules, hw_mask_rules_unref);
  g_clear_pointer (&self->query, hw_query_unref);
  g_clear_pointer (&self->error_message, g_free);
  g_clear_pointer (&self->hub_cursor, g_free);

  G_OBJECT_CLASS (hw_lake_page_parent_class)->dispose (object);
}

static void
hw_lake_page_class_init (HwLakePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = hw_lake_page_get_property;
  object_class->set_property = hw_lake_page_set_property;
  object_class->dispose = hw_lake_page_dispose;
  widget_class->map = hw_lake_page_map;
  widget_class->unmap = hw_lake_page_unmap;

  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL, HW_TYPE_CONNECTION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (HW_TYPE_CHART);
  g_type_ensure (HW_TYPE_STATE_VIEW);
  g_type_ensure (HW_TYPE_LAKE_CALENDAR);
  g_type_ensure (HW_TYPE_LAKE_FACETS);
  g_type_ensure (HW_TYPE_LAKE_RESULTS);
  g_type_ensure (HW_TYPE_EVENT_DETAIL);
  g_type_ensure (HW_TYPE_LAKE_INDEX_NOTICE);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/hw-lake-page.ui");
  gtk_widget_class_bind_template_child (widget_class, HwLakePage, state_view);
  gtk_widget_class_bind_template_child (widget_class, HwLakePage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, HwLakePage, range_dropdown);
  gtk_widget_class_bind_template_child (widget_class, HwLakePage, columns_button);
  gtk_widget_class_bind_template_child (widget_class, HwLakePage, replay_button);
  gtk_widget_class_bind_template_child (widget_class, HwLakePage, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, HwLakePage, error_label);
  gtk_widget_class_bind_template_child (widget_class, HwLakePage, export_revealer);
  gtk_widget_class_bind_template_child (widget_class, HwLakePage, export_label);
  gtk_widget_class_bind_template_child (widget_class, HwLakePage, export_progress);
  gtk_widget_class_bind_template_child (widget_class, HwLakePage, index_notice);
  gtk_widget_class_bind_template_child (widget_class, HwLakePage, calendar);
  gtk_widget_class_bind_template_child (widget_class, HwLakePage, facets);
  gtk_widget_class_bind_template_child (widget_class, HwLakePage, total_label);
  gtk_widget_class_bind_template_child (widget_class, HwLakePage, origin_label);
  gtk_widget_class_bind_template_child (widget_class, HwLakePage, spinner);
  gtk_widget_class_bind_template_child (widget_class, HwLakePage, range_label);
  gtk_widget_class_bind_template_child (widget_class, HwLakePage, reset_range_button);
  gtk_widget_class_bind_template_child (widget_class, HwLakePage, histogram);
  gtk_widget_class_bind_template_child (widget_class, HwLakePage, results_stack);
  gtk_widget_class_bind_template_child (widget_class, HwLakePage, results);
  gtk_widget_class_bind_template_child (widget_class, HwLakePage, empty_status);
  gtk_widget_class_bind_template_child (widget_class, HwLakePage, error_status);
  gtk_widget_class_bind_template_child (widget_class, HwLakePage, detail);
  gtk_widget_class_bind_template_callback (widget_class, on_retry);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_search_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_calendar_range);
  gtk_widget_class_bind_template_callback (widget_class, on_facet_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_reset_range);
  gtk_widget_class_bind_template_callback (widget_class, on_order_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_selection_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_near_end);
  gtk_widget_class_bind_template_callback (widget_class, on_follow);

  gtk_widget_class_install_action (widget_class, "lake.focus-search", NULL, focus_search_activated);
  gtk_widget_class_install_action (widget_class, "lake.export", NULL, hw_lake_page_export_activated);
  gtk_widget_class_install_action (widget_class, "lake.cancel-export", NULL, hw_lake_page_cancel_export_activated);
  gtk_widget_class_install_action (widget_class, "lake.copy-query", NULL, copy_query_activated);
  gtk_widget_class_install_action (widget_class, "lake.reset-range", NULL, reset_range_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "lake.focus-search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_E, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "lake.export", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_C, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "lake.copy-query", NULL);
}

static void
hw_lake_page_init (HwLakePage *self)
{
  gint64 now = hw_time_now_ms ();

  gtk_widget_init_template (GTK_WIDGET (self));

  self->mask_rules = hw_mask_rules_new (HW_MASK_DEFAULT);
  self->total = 0;
  self->last_export = -1;
  self->from_ms = self->to_ms = HW_EVENT_STORE_UNBOUNDED;
  gtk_drop_down_set_selected (self->range_dropdown, PRESET_ALL_TIME);
  g_signal_connect_swapped (self->range_dropdown, "notify::selected", G_CALLBACK (on_range_selected), self);

  self->window = hw_time_window_new (now - 24 * 60 * MINUTE_MS, now);
  g_signal_connect_swapped (self->window, "changed", G_CALLBACK (hw_lake_page_window_changed), self);
  hw_chart_set_time_window (self->histogram, self->window);
  hw_chart_set_title (self->histogram, _("Hits over time"));
  /* One series of hits per bucket: the header already shows the total, and
   * the tooltip a bucket's count; the plot gets the legend's rows. */
  hw_chart_set_show_legend (self->histogram, FALSE);
  hw_chart_set_whole_numbers (self->histogram, TRUE);

  gtk_widget_insert_action_group (GTK_WIDGET (self), "columns",
                                  hw_lake_results_get_column_actions (self->results));
  gtk_menu_button_set_menu_model (self->columns_button, hw_lake_results_get_column_menu (self->results));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "lake.reset-range", FALSE);
  update_state (self);
}
