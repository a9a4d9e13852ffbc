/* hw-lake-search.c: the Event Lake page runs a search over the cache or the hub
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The time range, what the page shows of a search's progress, the
 * aggregates, the hub's answers and which of the two answers; searching
 * the cache is hw-lake-search-cache.c.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "hw-lake-hub.h"
#include "hw-lake-page-private.h"
#include "hw-time.h"

#define HISTOGRAM_BUCKETS 80
#define FACET_VALUES      8
#define HUB_PAGE          200

/* The time range presets of the drop-down, in minutes; 0 = all time. */
static const gint64 preset_minutes[] = { 15, 60, 6 * 60, 24 * 60, 7 * 24 * 60, 30 * 24 * 60, 0 };

/* Time range -------------------------------------------------------------- */

static void
preset_range (HwLakePage *self,
              gint64     *from_ms,
              gint64     *to_ms)
{
  guint preset = gtk_drop_down_get_selected (self->range_dropdown);

  *from_ms = *to_ms = HW_EVENT_STORE_UNBOUNDED;
  if (preset >= G_N_ELEMENTS (preset_minutes) || preset_minutes[preset] == 0)
    return;
  *from_ms = hw_time_now_ms () - preset_minutes[preset] * MINUTE_MS;
}

/* The picked range, or the part of it narrowed on the histogram or the calendar. */
static void
current_range (HwLakePage *self,
               gint64     *from_ms,
               gint64     *to_ms)
{
  HwTimeRange range;

  if (!hw_time_window_is_zoomed (self->window))
    {
      preset_range (self, from_ms, to_ms);
      return;
    }
  range = hw_time_window_get_range (self->window);
  *from_ms = range.from_ms;
  *to_ms = range.to_ms;
}

/* A label given new text is measured again, and so is everything up to the
 * window, whose resize asks the X server about the monitor (round trips):
 * set only what changed. The same holds for tooltips, whose change asks
 * where the pointer is. */
static void
set_label_text (GtkLabel   *label,
                const char *text)
{
  if (g_strcmp0 (gtk_label_get_label (label), text) != 0)
    gtk_label_set_label (label, text);
}

static void
set_tooltip (GtkWidget  *widget,
             const char *text)
{
  const char *old = gtk_widget_get_tooltip_text (widget);

  if (g_strcmp0 (old, text) != 0)
    gtk_widget_set_tooltip_text (widget, text);
}

/* The total is an inscription: new text only redraws it. Assistive
 * technologies read it from the accessible label. */
void
hw_lake_page_set_total_text (HwLakePage *self,
                             const char *text)
{
  if (g_strcmp0 (gtk_inscription_get_text (self->total_label), text) == 0)
    return;
  gtk_inscription_set_text (self->total_label, text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->total_label), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
}

static void
update_range_label (HwLakePage *self)
{
  gboolean zoomed = hw_time_window_is_zoomed (self->window);
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  g_autofree char *text = NULL;

  gtk_widget_set_visible (self->reset_range_button, zoomed);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "lake.reset-range", zoomed);
  if (!zoomed)
    {
      set_label_text (self->range_label, "");
      return;
    }
  from = hw_time_format_iso8601 (self->from_ms);
  to = hw_time_format_iso8601 (self->to_ms);
  /* TRANSLATORS: the narrowed time range, two ISO-8601 times */
  text = g_strdup_printf (_("%s to %s"), from, to);
  set_label_text (self->range_label, text);
}

static void
set_window_home (HwLakePage *self,
                 gint64      from_ms,
                 gint64      to_ms)
{
  if (from_ms >= to_ms || hw_time_window_is_zoomed (self->window))
    return;
  self->updating_window = TRUE;
  hw_time_window_set_home (self->window, &(HwTimeRange) { from_ms, to_ms });
  self->updating_window = FALSE;
}

void
hw_lake_page_window_changed (HwLakePage *self)
{
  if (!self->updating_window)
    hw_lake_page_run_search (self);
}

void
hw_lake_page_reset_range (HwLakePage *self)
{
  self->updating_window = TRUE;
  hw_time_window_reset (self->window);
  self->updating_window = FALSE;
  hw_lake_page_run_search (self);
}

/* Status ------------------------------------------------------------------- */

void
hw_lake_page_part_done (HwLakePage *self)
{
  if (self->pending > 0)
    self->pending--;
  if (self->pending > 0)
    return;
  gtk_spinner_stop (self->spinner);
  self->search_count++;
}

/* The empty state says why there are no rows: nothing matched, or a
 * search for words waits for the index being built. */
static void
set_empty_texts (HwLakePage *self,
                 gboolean    waiting)
{
  AdwStatusPage *status = ADW_STATUS_PAGE (self->empty_status);

  adw_status_page_set_title (status, waiting ? _("Waiting for the Search Index")
                                             : _("No Matching Events"));
  adw_status_page_set_description (status,
                                   waiting ? _("Searches for words run once the index is built. "
                                               "Field filters and time ranges work now.")
                                           : _("Try another query or a wider time range."));
}

/* "results", "empty", "waiting" (for the index) or "error". The empty
 * state lies over the results page, so going back to rows from it does not
 * map and lay out the list again. */
void
hw_lake_page_show_stack_page (HwLakePage *self,
                              const char *name)
{
  const char *page = g_str_equal (name, "error") ? "error" : "results";
  gboolean waiting = g_str_equal (name, "waiting");
  gboolean empty = waiting || g_str_equal (name, "empty");

  if (empty)
    set_empty_texts (self, waiting);
  if (gtk_widget_get_visible (self->empty_status) != empty)
    gtk_widget_set_visible (self->empty_status, empty);
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->results_stack), page) != 0)
    gtk_stack_set_visible_child_name (self->results_stack, page);
}

void
hw_lake_page_show_total (HwLakePage   *self,
                         gint64        total,
                         HwLakeOrigin  origin)
{
  g_autofree char *number = g_strdup_printf ("%'" G_GINT64_FORMAT, total);
  g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s event", "%s events", total),
                                           number);

  self->total = total;
  self->origin = origin;
  hw_lake_page_set_total_text (self, text);
  set_label_text (self->origin_label, origin == HW_LAKE_ORIGIN_HUB ? _("From hub") : _("From cache"));
  set_tooltip (GTK_WIDGET (self->origin_label),
               origin == HW_LAKE_ORIGIN_HUB
               ? _("The search reaches beyond the cached events, so the hub answered it")
               : _("Answered from this computer’s copy of the lake; works offline"));
  hw_lake_page_show_stack_page (self, total > 0 ? "results" : "empty");
}

void
hw_lake_page_show_search_error (HwLakePage *self,
                                GError     *error)
{
  adw_status_page_set_description (self->error_status, error->message);
  hw_lake_page_show_stack_page (self, "error");
}

/* The query, with the character at the error position underlined, then the
 * message: the user sees where without a dialog. */
static void
show_query_error (HwLakePage *self,
                  const char *text,
                  guint       position,
                  const char *message)
{
  glong length = g_utf8_strlen (text, -1);
  glong at = CLAMP ((glong) position - 1, 0, length);
  const char *mark = g_utf8_offset_to_pointer (text, at);
  const char *after = *mark != '\0' ? g_utf8_next_char (mark) : mark;
  g_autofree char *before = g_markup_escape_text (text, mark - text);
  g_autofree char *bad = *mark != '\0' ? g_markup_escape_text (mark, after - mark) : g_strdup (" ");
  g_autofree char *rest = g_markup_escape_text (after, -1);
  g_autofree char *escaped = g_markup_escape_text (message, -1);
  g_autofree char *markup = NULL;

  g_free (self->error_message);
  self->error_message = g_strdup (message);
  self->error_position = position;
  markup = g_strdup_printf ("<tt>%s<span underline=\"error\" background=\"#e01b2444\">%s</span>%s</tt>\n"
                            "<span weight=\"bold\">%s</span>", before, bad, rest, escaped);
  gtk_label_set_markup (self->error_label, markup);
  gtk_revealer_set_reveal_child (self->error_revealer, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->search_entry), "error");
  gtk_accessible_update_state (GTK_ACCESSIBLE (self->search_entry), GTK_ACCESSIBLE_STATE_INVALID,
                               GTK_ACCESSIBLE_INVALID_TRUE, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->search_entry),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, message, -1);
}

static void
clear_query_error (HwLakePage *self)
{
  g_clear_pointer (&self->error_message, g_free);
  self->error_position = 0;
  gtk_revealer_set_reveal_child (self->error_revealer, FALSE);
  gtk_widget_remove_css_class (GTK_WIDGET (self->search_entry), "error");
  gtk_accessible_reset_state (GTK_ACCESSIBLE (self->search_entry), GTK_ACCESSIBLE_STATE_INVALID);
  gtk_accessible_reset_property (GTK_ACCESSIBLE (self->search_entry),
                                 GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
}

void
hw_lake_page_update_replay (HwLakePage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  gboolean available = G_IS_ACTION_GROUP (root)
                       && g_action_group_has_action (G_ACTION_GROUP (root), "replay");
  gint64 now = hw_time_now_ms ();
  gint64 from = self->from_ms == HW_EVENT_STORE_UNBOUNDED ? 0 : self->from_ms;
  gint64 to = self->to_ms == HW_EVENT_STORE_UNBOUNDED ? now : self->to_ms;
  const char *text = self->query != NULL ? hw_query_get_text (self->query) : "";

  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (self->replay_button),
                                          g_variant_new ("(sxx)", text, from, to));
  /* Without the action GTK keeps the button insensitive; say why. */
  set_tooltip (GTK_WIDGET (self->replay_button),
               available ? _("Replay these events to one listener")
                         : _("Replay is not available in this version"));
}

/* Aggregates: histogram and facets ---------------------------------------- */

static void next_facet (HwLakePage *self,
                        guint       index);

static void
show_histogram (HwLakePage *self,
                gpointer    data)
{
  HwHistogram *histogram = data;
  g_autoptr(HwSeries) series = NULL;

  hw_lake_page_part_done (self);
  hw_chart_clear_series (self->histogram);
  if (histogram == NULL)
    return;
  set_window_home (self, histogram->from_ms, histogram->to_ms);
  series = hw_lake_histogram_series (histogram);
  hw_chart_add_series (self->histogram, series, HW_CHART_COLUMNS, _("Hits"));
}

static void
on_histogram (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(HwLakePage) self = user_data;
  g_autoptr(GError) error = NULL;
  HwHistogram *histogram = hw_event_store_histogram_finish (HW_EVENT_STORE (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  next_facet (self, 0);
  hw_lake_page_stage (self, show_histogram, histogram, (GDestroyNotify) hw_histogram_free);
}

static void
on_hub_histogram (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(HwLakePage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) buckets = hw_hub_client_histogram_finish (HW_HUB_CLIENT (source), result, &error);
  g_autoptr(HwSeries) series = NULL;
  gint64 from, to;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  hw_lake_page_part_done (self);
  hw_chart_clear_series (self->histogram);
  if (buckets == NULL)
    return;
  series = hw_lake_hub_buckets_series (buckets, &from, &to);
  set_window_home (self, from, to);
  hw_chart_add_series (self->histogram, series, HW_CHART_COLUMNS, _("Hits"));
}

typedef struct
{
  HwLakePage *self;
  guint       index;
  GPtrArray  *values;
} FacetData;

static void
facet_data_free (FacetData *data)
{
  g_clear_object (&data->self);
  g_clear_pointer (&data->values, g_ptr_array_unref);
  g_free (data);
}

static void
show_facet (HwLakePage *self,
            gpointer    user_data)
{
  FacetData *data = user_data;

  hw_lake_page_part_done (self);
  hw_lake_facets_set_values (self->facets, hw_lake_facet_fields[data->index], data->values);
}

static void
on_top_values (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  FacetData *data = user_data;
  HwLakePage *self = data->self;
  g_autoptr(GError) error = NULL;

  data->values = hw_event_store_top_values_finish (HW_EVENT_STORE (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      facet_data_free (data);
      return;
    }
  next_facet (self, data->index + 1);
  hw_lake_page_stage (self, show_facet, data, (GDestroyNotify) facet_data_free);
}

/* One aggregate at a time: each holds a reader with its page cache and
 * sorter memory, and running them side by side only made them compete with
 * the search the user is waiting for. */
static void
next_facet (HwLakePage *self,
            guint       index)
{
  FacetData *data;

  if (index >= HW_LAKE_N_FACETS)
    return;
  data = g_new0 (FacetData, 1);
  data->self = g_object_ref (self);
  data->index = index;
  hw_event_store_top_values_async (self->store, hw_lake_facet_fields[index], self->query,
                                   self->from_ms, self->to_ms, FACET_VALUES, self->cancellable,
                                   on_top_values, data);
}

void
hw_lake_page_start_aggregates (HwLakePage *self,
                               gboolean    from_hub)
{
  HwHubClient *client = hw_connection_get_client (self->connection);

  /* Counted now so that the spinner runs until the last one is in. */
  self->pending += HW_LAKE_N_FACETS;
  if (from_hub && client != NULL)
    {
      g_autofree char *from = hw_lake_format_bound (self->from_ms);
      g_autofree char *to = hw_lake_format_bound (self->to_ms);

      self->pending++;
      hw_hub_client_histogram_async (client, hw_query_get_text (self->query), from, to,
                                     HISTOGRAM_BUCKETS, self->cancellable, on_hub_histogram,
                                     g_object_ref (self));
      /* The hub's histogram holds no reader here: facets start at once. */
      next_facet (self, 0);
    }
  else
    {
      self->pending++;
      hw_event_store_histogram_async (self->store, self->query, self->from_ms, self->to_ms,
                                      HISTOGRAM_BUCKETS, self->cancellable, on_histogram,
                                      g_object_ref (self));
    }
  /* Facets come from the cache either way (after the cache's histogram,
   * see next_facet()): the hub has no top-values call, and the cache's are
   * what the user can drill into offline. */
}

/* Searching the hub ----------------------------------------------------------- */

static void
on_hub_counted (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(HwLakePage) self = user_data;
  g_autoptr(GError) error = NULL;
  gint64 count = hw_hub_client_count_events_finish (HW_HUB_CLIENT (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  hw_lake_page_part_done (self);
  if (count >= 0)
    hw_lake_page_show_total (self, count, HW_LAKE_ORIGIN_HUB);
}

static void
on_hub_page (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(HwLakePage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(HwHubEventPage) page = hw_hub_client_search_events_finish (HW_HUB_CLIENT (source), result, &error);
  g_autoptr(GPtrArray) rows = NULL;
  HwEventListModel *model = hw_lake_results_get_model (self->results);
  gboolean first;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  first = self->hub_cursor == NULL;
  self->hub_loading = FALSE;
  g_clear_pointer (&self->hub_cursor, g_free);
  if (page == NULL)
    {
      /* The hub went away mid-search: the cache still answers. */
      if (first)
        {
          g_debug ("Hub search failed, using the cache: %s", error->message);
          hw_lake_page_part_done (self);
          g_cancellable_cancel (self->cancellable);
          g_clear_object (&self->cancellable);
          self->cancellable = g_cancellable_new ();
          self->pending = 0;
          hw_lake_page_search_cache (self);
        }
      return;
    }
  rows = hw_lake_rows_from_events (page->events, self->mask_rules);
  if (first)
    {
      hw_event_list_model_set_rows (model, rows);
      hw_lake_page_part_done (self);
    }
  else
    hw_event_list_model_append_rows (model, rows);
  /* A non-NULL cursor from here on means "more pages", not "first page". */
  self->hub_cursor = g_steal_pointer (&page->next_cursor);
}

static void
fetch_hub_page (HwLakePage *self)
{
  HwHubClient *client = hw_connection_get_client (self->connection);
  g_autofree char *from = hw_lake_format_bound (self->from_ms);
  g_autofree char *to = hw_lake_format_bound (self->to_ms);

  self->hub_loading = TRUE;
  hw_hub_client_search_events_async (client, hw_query_get_text (self->query), from, to, HUB_PAGE,
                                     self->hub_cursor, self->cancellable, on_hub_page,
                                     g_object_ref (self));
}

static void
search_hub (HwLakePage *self)
{
  HwHubClient *client = hw_connection_get_client (self->connection);
  g_autofree char *from = hw_lake_format_bound (self->from_ms);
  g_autofree char *to = hw_lake_format_bound (self->to_ms);

  /* The hub sends newest first only. */
  hw_lake_results_set_order (self->results, HW_EVENT_ORDER_NEWEST_FIRST);
  g_clear_pointer (&self->hub_cursor, g_free);
  self->pending += 2;
  hw_hub_client_count_events_async (client, hw_query_get_text (self->query), from, to,
                                    self->cancellable, on_hub_counted, g_object_ref (self));
  fetch_hub_page (self);
  hw_lake_page_start_aggregates (self, TRUE);
}

void
hw_lake_page_fetch_more (HwLakePage *self)
{
  if (self->origin != HW_LAKE_ORIGIN_HUB || self->hub_cursor == NULL || self->hub_loading)
    return;
  fetch_hub_page (self);
}

/* Running a search ------------------------------------------------------------ */

void
hw_lake_page_run_search (HwLakePage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autoptr(GError) error = NULL;
  g_autoptr(HwQuery) query = NULL;
  guint position = 0;

  if (self->store == NULL)
    return;
  query = hw_query_parse (text, hw_time_now_ms (), &position, &error);
  if (query == NULL)
    {
      /* Keep the last results: the user is mid-typing. */
      show_query_error (self, text, position, error->message);
      return;
    }
  clear_query_error (self);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  hw_lake_page_drop_stages (self);
  self->pending = 0;
  self->hub_loading = FALSE;
  g_clear_pointer (&self->query, hw_query_unref);
  self->query = g_steal_pointer (&query);
  current_range (self, &self->from_ms, &self->to_ms);
  update_range_label (self);
  hw_lake_page_update_replay (self);
  gtk_spinner_start (self->spinner);
  /* Clearing a pane that shows nothing would still redraw it. */
  if (hw_event_detail_get_json (self->detail) != NULL)
    hw_event_detail_set_event (self->detail, NULL);

  if (hw_lake_should_ask_hub (hw_connection_get_state (self->connection),
                              hw_connection_get_as_of (self->connection), self->to_ms)
      && hw_connection_get_client (self->connection) != NULL)
    search_hub (self);
  else
    hw_lake_page_search_cache (self);
}
