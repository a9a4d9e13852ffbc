/* hw-faults-page.c: fault triage: groups, trends, details and resubmission
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "hw-chart.h"
#include "hw-command-queue.h"
#include "hw-error.h"
#include "hw-event-store.h"
#include "hw-faults-page.h"
#include "hw-replay-dialog.h"
#include "hw-resubmit-dialog.h"
#include "hw-state-view.h"

#define HOUR_MS        (G_GINT64_CONSTANT (3600) * 1000)
#define TREND_BUCKETS  24
#define MAX_GROUPS     200
#define MAX_FAULTS     200

static const gint64 range_span_ms[] = { HOUR_MS, 24 * HOUR_MS, 7 * 24 * HOUR_MS, 30 * 24 * HOUR_MS, 0 };
static const char * const range_hub_from[] = { "now-1h", "now-24h", "now-7d", "now-30d", NULL };

/* One group, from the hub or the cache, with its trend from the cache. */
typedef struct
{
  char     *functionname;
  char     *pipeline;
  char     *message;
  gint64    count;
  gint64    first_seen_ms;
  gint64    last_seen_ms;
  HwSeries *trend;
} Group;

typedef struct
{
  char   *id;
  gint64  ts_ms;
  char   *err_name;
  char   *err_message;
  gint64  resubmitted_at_ms;
  char   *json;
} Fault;

struct _HwFaultsPage
{
  GtkWidget       parent_instance;

  HwConnection   *connection;
  HwCommandQueue *queue;
  GCancellable   *cancellable;
  GCancellable   *fault_cancellable;
  GPtrArray      *groups;         /* Group* */
  GPtrArray      *shown;          /* Group*, borrowed from groups */
  GPtrArray      *faults;         /* Fault* of the selected group */
  GHashTable     *checked;        /* fault ids */
  Group          *selected;
  HwTimeWindow   *window;
  const char     *source;
  gboolean        updating;
  gboolean        was_reachable;
  guint           load_count;
  guint           fault_load_count;

  /* Template widgets */
  HwStateView    *state_view;
  GtkSearchEntry *search_entry;
  GtkDropDown    *function_dropdown;
  GtkDropDown    *range_dropdown;
  GtkWidget      *replay_button;
  GtkWidget      *resubmit_button;
  GtkLabel       *summary_label;
  GtkListBox     *group_list;
  GtkStack       *detail_stack;
  GtkLabel       *group_title;
  GtkLabel       *group_subtitle;
  HwChart        *trend_chart;
  GtkListBox     *fault_list;
  GtkLabel       *fault_placeholder;
  HwFaultDetail  *fault_detail;
};

enum {
  PROP_0,
  PROP_CONNECTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (HwFaultsPage, hw_faults_page, GTK_TYPE_WIDGET)

static void load_faults (HwFaultsPage *self);

static void
group_free (Group *group)
{
  g_free (group->functionname);
  g_free (group->pipeline);
  g_free (group->message);
  g_clear_pointer (&group->trend, hw_series_unref);
  g_free (group);
}

static void
fault_free (Fault *fault)
{
  g_free (fault->id);
  g_free (fault->err_name);
  g_free (fault->err_message);
  g_free (fault->json);
  g_free (fault);
}

static gboolean
group_equal (const Group *a,
             const Group *b)
{
  return g_strcmp0 (a->functionname, b->functionname) == 0
         && g_strcmp0 (a->pipeline, b->pipeline) == 0
         && g_strcmp0 (a->message, b->message) == 0;
}

static gboolean
is_reachable (HwFaultsPage *self)
{
  HwHubSyncState state;

  if (self->connection == NULL || hw_connection_get_client (self->connection) == NULL)
    return FALSE;
  state = hw_connection_get_state (self->connection);
  return state == HW_HUB_SYNC_STATE_SYNCING || state == HW_HUB_SYNC_STATE_ONLINE;
}

static HwTimeRange
current_range (HwFaultsPage *self,
               GPtrArray    *groups)
{
  gint64 now = g_get_real_time () / 1000;
  guint index = gtk_drop_down_get_selected (self->range_dropdown);
  gint64 span = index < G_N_ELEMENTS (range_span_ms) ? range_span_ms[index] : 0;
  gint64 first = now - HOUR_MS;

  if (span > 0)
    return (HwTimeRange) { now - span, now };
  /* All time: from the oldest group seen. */
  for (guint i = 0; groups != NULL && i < groups->len; i++)
    first = MIN (first, ((Group *) g_ptr_array_index (groups, i))->first_seen_ms);
  return (HwTimeRange) { first, now };
}

/* Loading groups (worker thread) ---------------------------------------------- */

typedef struct
{
  HwEventStore *store;      /* nullable: no trends without a cache */
  GPtrArray    *groups;     /* NULL: read them from the cache */
  gint64        from_ms;    /* 0 = unbounded */
  gint64        to_ms;
  gboolean      all_time;
} GroupsJob;

static void
groups_job_free (GroupsJob *job)
{
  g_clear_object (&job->store);
  g_clear_pointer (&job->groups, g_ptr_array_unref);
  g_free (job);
}

static void
compute_trend (HwEventStore *store,
               Group        *group,
               gint64        from_ms,
               gint64        to_ms,
               GCancellable *cancellable)
{
  HwFaultFilter filter = { 0 };
  g_autoptr(GPtrArray) rows = NULL;
  gint64 bucket_ms = MAX ((to_ms - from_ms) / TREND_BUCKETS, 1000);
  guint counts[TREND_BUCKETS] = { 0 };

  filter.functionname = group->functionname;
  filter.pipeline = group->pipeline;
  filter.err_message = group->message;
  filter.from_ms = from_ms;
  filter.to_ms = to_ms;
  rows = hw_event_store_list_faults (store, &filter, 10000, cancellable, NULL);
  group->trend = hw_series_new (group->message != NULL ? group->message : "faults");
  for (guint i = 0; rows != NULL && i < rows->len; i++)
    {
      HwFaultRow *row = g_ptr_array_index (rows, i);
      gint64 bucket = (row->ts_ms - from_ms) / bucket_ms;

      if (bucket >= 0 && bucket < TREND_BUCKETS)
        counts[bucket]++;
    }
  for (guint i = 0; i < TREND_BUCKETS; i++)
    hw_series_append (group->trend, from_ms + i * bucket_ms, counts[i]);
}

static GPtrArray *
groups_from_cache (GroupsJob     *job,
                   GCancellable  *cancellable,
                   GError       **error)
{
  HwFaultFilter filter = { 0 };
  g_autoptr(GPtrArray) rows = NULL;
  GPtrArray *groups;

  filter.from_ms = job->all_time ? 0 : job->from_ms;
  rows = hw_event_store_fault_groups (job->store,
                                      HW_FAULT_GROUP_FUNCTIONNAME | HW_FAULT_GROUP_PIPELINE
                                      | HW_FAULT_GROUP_ERR_MESSAGE,
                                      &filter, cancellable, error);
  if (rows == NULL)
    return NULL;
  groups = g_ptr_array_new_with_free_func ((GDestroyNotify) group_free);
  for (guint i = 0; i < rows->len && i < MAX_GROUPS; i++)
    {
      HwFaultGroup *row = g_ptr_array_index (rows, i);
      Group *group = g_new0 (Group, 1);

      group->functionname = g_strdup (row->functionname);
      group->pipeline = g_strdup (row->pipeline);
      group->message = g_strdup (row->err_message);
      group->count = row->count;
      group->first_seen_ms = row->first_seen_ms;
      group->last_seen_ms = row->last_seen_ms;
      g_ptr_array_add (groups, group);
    }
  return groups;
}

static void
groups_in_thread (GTask        *task,
                  gpointer      source,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  GroupsJob *job = task_data;
  g_autoptr(GError) error = NULL;

  if (job->groups == NULL && (job->groups = groups_from_cache (job, cancellable, &error)) == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (job->all_time)
    for (guint i = 0; i < job->groups->len; i++)
      job->from_ms = MIN (job->from_ms, ((Group *) g_ptr_array_index (job->groups, i))->first_seen_ms);
  for (guint i = 0; job->store != NULL && i < job->groups->len; i++)
    compute_trend (job->store, g_ptr_array_index (job->groups, i), job->from_ms, job->to_ms,
                   cancellable);
  g_task_return_boolean (task, TRUE);
}

/* Showing groups ---------------------------------------------------------------- */

static void
clear_list (GtkListBox *list)
{
  GtkListBoxRow *row;

  while ((row = gtk_list_box_get_row_at_index (list, 0)) != NULL)
    gtk_list_box_remove (list, GTK_WIDGET (row));
}

static char *
group_where (const Group *group)
{
  return g_strdup_printf ("%s · %s", group->functionname != NULL ? group->functionname : _("unknown function"),
                          group->pipeline != NULL ? group->pipeline : _("no pipeline"));
}

static char *
group_seen (const Group *group)
{
  g_autofree char *first = hw_format_clock_time (group->first_seen_ms);
  g_autofree char *last = hw_format_clock_time (group->last_seen_ms);

  /* TRANSLATORS: first and last time a fault of a group was seen */
  return g_strdup_printf (_("First seen %s · last seen %s"), first, last);
}

static GtkWidget *
new_trend_chart (HwFaultsPage *self,
                 Group        *group)
{
  GtkWidget *chart = hw_chart_new ();

  hw_chart_set_compact (HW_CHART (chart), TRUE);
  hw_chart_set_title (HW_CHART (chart), _("Faults"));
  hw_chart_set_time_window (HW_CHART (chart), self->window);
  if (group->trend != NULL)
    hw_chart_add_series (HW_CHART (chart), group->trend, HW_CHART_COLUMNS, _("Faults"));
  gtk_widget_set_size_request (chart, 96, 30);
  gtk_widget_set_valign (chart, GTK_ALIGN_CENTER);
  gtk_widget_set_can_target (chart, FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (chart), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Fault trend"), -1);
  return chart;
}

static GtkWidget *
new_group_row (HwFaultsPage *self,
               Group        *group)
{
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());
  g_autofree char *where = group_where (group);
  g_autofree char *seen = group_seen (group);
  g_autofree char *subtitle = g_strdup_printf ("%s\n%s", where, seen);
  g_autofree char *count = g_strdup_printf ("%" G_GINT64_FORMAT, group->count);
  g_autofree char *label = NULL;
  const char *message = group->message != NULL ? group->message : _("No error message");
  GtkWidget *count_label = gtk_label_new (count);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), message);
  adw_action_row_set_title_lines (row, 2);
  adw_action_row_set_subtitle (row, subtitle);
  adw_action_row_set_subtitle_lines (row, 2);
  gtk_widget_add_css_class (count_label, "title-4");
  gtk_widget_add_css_class (count_label, "numeric");
  gtk_widget_set_size_request (count_label, 44, -1);
  adw_action_row_add_prefix (row, count_label);
  adw_action_row_add_suffix (row, new_trend_chart (self, group));
  /* TRANSLATORS: accessible name of a fault group: message, where, how many */
  label = g_strdup_printf (ngettext ("%s, %s, %" G_GINT64_FORMAT " fault",
                                     "%s, %s, %" G_GINT64_FORMAT " faults", group->count),
                           message, where, group->count);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  g_object_set_data (G_OBJECT (row), "group", group);
  return GTK_WIDGET (row);
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
contains_folded (const char *haystack,
                 const char *needle)
{
  g_autofree char *folded = NULL;

  if (haystack == NULL)
    return FALSE;
  folded = g_utf8_casefold (haystack, -1);
  return strstr (folded, needle) != NULL;
}

static gboolean
group_matches (HwFaultsPage *self,
               Group        *group,
               const char   *needle)
{
  const char *function = selected_function (self);

  if (function != NULL && g_strcmp0 (group->functionname, function) != 0)
    return FALSE;
  if (needle == NULL || *needle == '\0')
    return TRUE;
  return contains_folded (group->message, needle) || contains_folded (group->functionname, needle)
         || contains_folded (group->pipeline, needle);
}

static void
update_actions (HwFaultsPage *self)
{
  gboolean can_operate = self->queue != NULL && hw_command_queue_get_can_operate (self->queue);
  const char *reason = self->queue != NULL ? hw_command_queue_get_permission_reason (self->queue) : NULL;
  guint n_checked = g_hash_table_size (self->checked);
  g_autofree char *label = NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "faults.resubmit",
                                 can_operate && self->selected != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "faults.replay",
                                 can_operate && self->connection != NULL);
  if (n_checked > 0)
    label = g_strdup_printf (ngettext ("_Resubmit %u Fault…", "_Resubmit %u Faults…", n_checked), n_checked);
  gtk_button_set_label (GTK_BUTTON (self->resubmit_button), label != NULL ? label : _("_Resubmit Group…"));
  if (!can_operate)
    {
      gtk_widget_set_tooltip_text (self->resubmit_button, reason);
      gtk_widget_set_tooltip_text (self->replay_button, reason);
      return;
    }
  gtk_widget_set_tooltip_text (self->resubmit_button,
                               self->selected == NULL ? _("Select a fault group to resubmit")
                               : n_checked > 0 ? _("Send the selected faults back to their function")
                               : _("Send every fault of the group not yet resubmitted back to its function"));
  gtk_widget_set_tooltip_text (self->replay_button, _("Replay lake events to one listener"));
}

static void
show_groups (HwFaultsPage *self)
{
  g_autofree char *needle = g_utf8_casefold (gtk_editable_get_text (GTK_EDITABLE (self->search_entry)), -1);
  Group *previous = self->selected;
  GtkListBoxRow *reselect = NULL;
  g_autofree char *summary = NULL;
  gint64 total = 0;

  self->updating = TRUE;
  clear_list (self->group_list);
  g_ptr_array_set_size (self->shown, 0);
  for (guint i = 0; self->groups != NULL && i < self->groups->len; i++)
    {
      Group *group = g_ptr_array_index (self->groups, i);
      GtkWidget *row;

      if (!group_matches (self, group, needle))
        continue;
      g_ptr_array_add (self->shown, group);
      total += group->count;
      row = new_group_row (self, group);
      gtk_list_box_append (self->group_list, row);
      if (previous != NULL && group_equal (group, previous))
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
  update_actions (self);
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
      Group *group = g_ptr_array_index (self->groups, i);

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

static void
on_groups_ready (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  HwFaultsPage *self = HW_FAULTS_PAGE (source);
  GroupsJob *job = g_task_get_task_data (G_TASK (result));
  const char *origin = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      hw_state_view_set_error (self->state_view, error->message);
      return;
    }
  /* The selection points into the old array: keep it alive until reselected. */
  {
    g_autoptr(GPtrArray) old = g_steal_pointer (&self->groups);

    self->groups = g_steal_pointer (&job->groups);
    self->source = origin;
    hw_time_window_set_home (self->window, &(HwTimeRange) { job->from_ms, job->to_ms });
    update_function_model (self);
    show_groups (self);
  }
  self->load_count++;
  hw_state_view_set_state (self->state_view, HW_VIEW_STATE_CONTENT);
}

static void
finish_groups (HwFaultsPage *self,
               GPtrArray    *groups,
               const char   *origin)
{
  HwEventStore *store = hw_connection_get_store (self->connection);
  HwTimeRange range = current_range (self, NULL);
  g_autoptr(GTask) task = NULL;
  GroupsJob *job;

  job = g_new0 (GroupsJob, 1);
  job->store = store != NULL ? g_object_ref (store) : NULL;
  job->groups = groups;
  job->from_ms = range.from_ms;
  job->to_ms = range.to_ms;
  job->all_time = gtk_drop_down_get_selected (self->range_dropdown) == HW_FAULTS_RANGE_ALL;
  task = g_task_new (self, self->cancellable, on_groups_ready, (gpointer) origin);
  g_task_set_source_tag (task, finish_groups);
  g_task_set_task_data (task, job, (GDestroyNotify) groups_job_free);
  g_task_run_in_thread (task, groups_in_thread);
}

static void
load_from_cache (HwFaultsPage *self)
{
  if (hw_connection_get_store (self->connection) == NULL)
    {
      if (hw_connection_get_state (self->connection) == HW_HUB_SYNC_STATE_AUTH_FAILED
          && hw_connection_get_last_error (self->connection) != NULL)
        hw_state_view_set_error (self->state_view, hw_connection_get_last_error (self->connection));
      return;
    }
  finish_groups (self, NULL, "cache");
}

static void
on_hub_groups (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(HwFaultsPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) answer = NULL;
  GPtrArray *groups;

  answer = hw_hub_client_fault_groups_finish (HW_HUB_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->connection == NULL)
    return;
  if (answer == NULL)
    {
      /* The cache still knows the faults seen so far. */
      load_from_cache (self);
      return;
    }
  groups = g_ptr_array_new_with_free_func ((GDestroyNotify) group_free);
  for (guint i = 0; i < answer->len && i < MAX_GROUPS; i++)
    {
      HwHubFaultGroup *hub_group = g_ptr_array_index (answer, i);
      Group *group = g_new0 (Group, 1);

      group->functionname = g_strdup (hub_group->functionname);
      group->pipeline = g_strdup (hub_group->pipeline);
      group->message = g_strdup (hub_group->message);
      group->count = hub_group->count;
      group->first_seen_ms = hub_group->first_seen_ms;
      group->last_seen_ms = hub_group->last_seen_ms;
      g_ptr_array_add (groups, group);
    }
  finish_groups (self, groups, "hub");
}

static void
reload (HwFaultsPage *self)
{
  guint index;

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
  if (!self->was_reachable)
    {
      load_from_cache (self);
      return;
    }
  index = gtk_drop_down_get_selected (self->range_dropdown);
  hw_hub_client_fault_groups_async (hw_connection_get_client (self->connection),
                                    index < G_N_ELEMENTS (range_hub_from) ? range_hub_from[index] : NULL,
                                    NULL, self->cancellable, on_hub_groups, g_object_ref (self));
}

/* The faults of the selected group ---------------------------------------------- */

typedef struct
{
  HwEventStore *store;
  Group        *group;       /* a copy of the key fields */
  gint64        from_ms;
  GPtrArray    *faults;
} FaultsJob;

static void
faults_job_free (FaultsJob *job)
{
  g_clear_object (&job->store);
  g_clear_pointer (&job->group, group_free);
  g_clear_pointer (&job->faults, g_ptr_array_unref);
  g_free (job);
}

static void
faults_in_thread (GTask        *task,
                  gpointer      source,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  FaultsJob *job = task_data;
  HwFaultFilter filter = { 0 };
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;

  filter.functionname = job->group->functionname;
  filter.pipeline = job->group->pipeline;
  filter.err_message = job->group->message;
  filter.from_ms = job->from_ms;
  rows = hw_event_store_list_faults (job->store, &filter, MAX_FAULTS, cancellable, &error);
  if (rows == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  job->faults = g_ptr_array_new_with_free_func ((GDestroyNotify) fault_free);
  for (guint i = 0; i < rows->len; i++)
    {
      HwFaultRow *row = g_ptr_array_index (rows, i);
      Fault *fault = g_new0 (Fault, 1);

      fault->id = g_strdup (row->id);
      fault->ts_ms = row->ts_ms;
      fault->err_name = g_strdup (row->err_name);
      fault->err_message = g_strdup (row->err_message);
      fault->resubmitted_at_ms = row->state == HW_FAULT_STATE_RESUBMITTED
                                 ? MAX (row->resubmitted_at_ms, 1) : 0;
      fault->json = hw_event_store_get_event_json_by_id (job->store, row->id, NULL);
      g_ptr_array_add (job->faults, fault);
    }
  g_task_return_boolean (task, TRUE);
}

static void
on_fault_checked (GtkCheckButton *check,
                  HwFaultsPage   *self)
{
  const char *id = g_object_get_data (G_OBJECT (check), "fault-id");

  if (gtk_check_button_get_active (check))
    g_hash_table_add (self->checked, g_strdup (id));
  else
    g_hash_table_remove (self->checked, id);
  update_actions (self);
}

static GtkWidget *
new_fault_row (HwFaultsPage *self,
               Fault        *fault)
{
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());
  GtkWidget *check = gtk_check_button_new ();
  g_autofree char *when = hw_format_clock_time (fault->ts_ms);
  g_autofree char *title = g_strdup_printf ("%s · %s", when, fault->id);
  g_autofree char *check_label = g_strdup_printf (_("Select fault %s"), fault->id);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (row, fault->err_name != NULL ? fault->err_name : "");
  gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), g_hash_table_contains (self->checked, fault->id));
  gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL, check_label, -1);
  g_object_set_data_full (G_OBJECT (check), "fault-id", g_strdup (fault->id), g_free);
  g_signal_connect (check, "toggled", G_CALLBACK (on_fault_checked), self);
  adw_action_row_add_prefix (row, check);
  if (fault->resubmitted_at_ms > 0)
    {
      GtkWidget *badge = gtk_label_new (_("Resubmitted"));

      gtk_widget_add_css_class (badge, "caption-heading");
      gtk_widget_add_css_class (badge, "success");
      adw_action_row_add_suffix (row, badge);
    }
  g_object_set_data (G_OBJECT (row), "fault", fault);
  return GTK_WIDGET (row);
}

static void
rebuild_fault_rows (HwFaultsPage *self)
{
  clear_list (self->fault_list);
  gtk_label_set_label (self->fault_placeholder,
                       _("The faults of this group are not cached yet. They appear once synced."));
  for (guint i = 0; self->faults != NULL && i < self->faults->len; i++)
    gtk_list_box_append (self->fault_list, new_fault_row (self, g_ptr_array_index (self->faults, i)));
  gtk_widget_set_visible (GTK_WIDGET (self->fault_detail), FALSE);
  if (gtk_list_box_get_row_at_index (self->fault_list, 0) != NULL)
    gtk_list_box_select_row (self->fault_list, gtk_list_box_get_row_at_index (self->fault_list, 0));
}

static void
show_faults (HwFaultsPage *self,
             GPtrArray    *faults)
{
  g_clear_pointer (&self->faults, g_ptr_array_unref);
  self->faults = faults;
  rebuild_fault_rows (self);
  self->fault_load_count++;
}

static void
on_hub_faults (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(HwFaultsPage) self = user_data;
  g_autoptr(HwHubEventPage) page = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *faults;

  page = hw_hub_client_list_faults_finish (HW_HUB_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->selected == NULL)
    return;
  faults = g_ptr_array_new_with_free_func ((GDestroyNotify) fault_free);
  for (guint i = 0; page != NULL && i < page->events->len; i++)
    {
      HwEvent *event = g_ptr_array_index (page->events, i);
      Fault *fault;

      if (g_strcmp0 (event->err_message, self->selected->message) != 0)
        continue;
      fault = g_new0 (Fault, 1);
      fault->id = g_strdup (event->id);
      fault->ts_ms = event->timestamp_ms;
      fault->err_name = g_strdup (event->err_name);
      fault->err_message = g_strdup (event->err_message);
      fault->json = g_strdup (event->json);
      g_ptr_array_add (faults, fault);
    }
  show_faults (self, faults);
}

static char *
quote_value (const char *value)
{
  GString *quoted = g_string_new ("\"");

  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (quoted, '\\');
      g_string_append_c (quoted, *p);
    }
  g_string_append_c (quoted, '"');
  return g_string_free (quoted, FALSE);
}

/* The cache had none (not synced yet): ask the hub by function and pipeline
 * and keep the group's message, which the query language cannot select. */
static void
load_faults_from_hub (HwFaultsPage *self)
{
  g_autoptr(GString) query = g_string_new ("");
  guint index = gtk_drop_down_get_selected (self->range_dropdown);

  if (self->selected->functionname != NULL)
    {
      g_autofree char *value = quote_value (self->selected->functionname);

      g_string_append_printf (query, "functionname:%s ", value);
    }
  if (self->selected->pipeline != NULL)
    {
      g_autofree char *value = quote_value (self->selected->pipeline);

      g_string_append_printf (query, "pipeline:%s", value);
    }
  hw_hub_client_list_faults_async (hw_connection_get_client (self->connection), query->str,
                                   index < G_N_ELEMENTS (range_hub_from) ? range_hub_from[index] : NULL,
                                   NULL, MAX_FAULTS, NULL, self->fault_cancellable, on_hub_faults,
                                   g_object_ref (self));
}

static void
on_cached_faults (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  HwFaultsPage *self = HW_FAULTS_PAGE (source);
  FaultsJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        gtk_label_set_label (self->fault_placeholder, error->message);
      return;
    }
  if (job->faults->len == 0 && is_reachable (self) && self->selected != NULL)
    {
      load_faults_from_hub (self);
      return;
    }
  show_faults (self, g_steal_pointer (&job->faults));
}

static void
load_faults (HwFaultsPage *self)
{
  HwEventStore *store;
  g_autoptr(GTask) task = NULL;
  FaultsJob *job;

  g_cancellable_cancel (self->fault_cancellable);
  g_clear_object (&self->fault_cancellable);
  if (self->selected == NULL || self->connection == NULL)
    return;
  self->fault_cancellable = g_cancellable_new ();
  store = hw_connection_get_store (self->connection);
  if (store == NULL)
    {
      if (is_reachable (self))
        load_faults_from_hub (self);
      return;
    }
  job = g_new0 (FaultsJob, 1);
  job->store = g_object_ref (store);
  job->group = g_new0 (Group, 1);
  job->group->functionname = g_strdup (self->selected->functionname);
  job->group->pipeline = g_strdup (self->selected->pipeline);
  job->group->message = g_strdup (self->selected->message);
  job->from_ms = gtk_drop_down_get_selected (self->range_dropdown) == HW_FAULTS_RANGE_ALL
                 ? 0 : current_range (self, NULL).from_ms;
  task = g_task_new (self, self->fault_cancellable, on_cached_faults, NULL);
  g_task_set_source_tag (task, load_faults);
  g_task_set_task_data (task, job, (GDestroyNotify) faults_job_free);
  g_task_run_in_thread (task, faults_in_thread);
}

static void
on_group_selected (HwFaultsPage  *self,
                   GtkListBoxRow *row)
{
  Group *group = row != NULL ? g_object_get_data (G_OBJECT (row), "group") : NULL;
  gboolean same = group != NULL && self->selected != NULL && group_equal (group, self->selected);
  g_autofree char *where = NULL;
  g_autofree char *seen = NULL;
  g_autofree char *subtitle = NULL;

  if (self->updating)
    return;
  self->selected = group;
  if (!same)
    g_hash_table_remove_all (self->checked);
  update_actions (self);
  if (group == NULL)
    {
      gtk_stack_set_visible_child_name (self->detail_stack, "none");
      return;
    }
  where = group_where (group);
  seen = group_seen (group);
  subtitle = g_strdup_printf (ngettext ("%s · %" G_GINT64_FORMAT " fault\n%s",
                                        "%s · %" G_GINT64_FORMAT " faults\n%s", group->count),
                              where, group->count, seen);
  gtk_label_set_label (self->group_title, group->message != NULL ? group->message : _("No error message"));
  gtk_label_set_label (self->group_subtitle, subtitle);
  hw_chart_clear_series (self->trend_chart);
  if (group->trend != NULL)
    hw_chart_add_series (self->trend_chart, group->trend, HW_CHART_COLUMNS, _("Faults"));
  gtk_stack_set_visible_child_name (self->detail_stack, "group");
  if (!same || self->faults == NULL)
    {
      clear_list (self->fault_list);
      gtk_label_set_label (self->fault_placeholder, _("Loading faults…"));
      gtk_widget_set_visible (GTK_WIDGET (self->fault_detail), FALSE);
    }
  load_faults (self);
}

static void
on_fault_selected (HwFaultsPage  *self,
                   GtkListBoxRow *row)
{
  Fault *fault = row != NULL ? g_object_get_data (G_OBJECT (row), "fault") : NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->fault_detail), fault != NULL);
  if (fault != NULL)
    hw_fault_detail_set_fault (self->fault_detail, fault->json, fault->resubmitted_at_ms);
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

static void
on_connection_changed (HwFaultsPage *self,
                       guint         changes)
{
  if (changes & HW_HUB_SYNC_CHANGED_FAULTS)
    reload (self);
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
  load_faults (self);
}

/* Actions ------------------------------------------------------------------------ */

static GStrv
dup_ids (HwFaultsPage *self,
         gboolean      checked_only)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; self->faults != NULL && i < self->faults->len; i++)
    {
      Fault *fault = g_ptr_array_index (self->faults, i);

      if (!checked_only || g_hash_table_contains (self->checked, fault->id))
        g_strv_builder_add (builder, fault->id);
    }
  return g_strv_builder_end (builder);
}

static void
resubmit_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  HwFaultsPage *self = HW_FAULTS_PAGE (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  g_auto(GStrv) checked = NULL;
  g_auto(GStrv) shown = NULL;
  HwResubmitDialog *dialog;

  if (self->selected == NULL || self->connection == NULL)
    return;
  checked = dup_ids (self, TRUE);
  shown = dup_ids (self, FALSE);
  dialog = hw_resubmit_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, self->connection,
                                   self->selected->functionname, self->selected->pipeline,
                                   self->selected->message,
                                   g_strv_length (checked) > 0 ? (const char * const *) checked : NULL,
                                   g_strv_length (checked) > 0 ? (const char * const *) checked
                                                               : (const char * const *) shown);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
replay_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  HwFaultsPage *self = HW_FAULTS_PAGE (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  gint64 now = g_get_real_time () / 1000;
  gint64 from = self->selected != NULL ? self->selected->first_seen_ms : now - HOUR_MS;
  gint64 to = self->selected != NULL ? self->selected->last_seen_ms + 1 : now;
  HwReplayDialog *dialog;

  if (self->connection == NULL)
    return;
  dialog = hw_replay_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, self->connection,
                                 self->selected != NULL ? self->selected->functionname : NULL,
                                 NULL, from, to);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
set_all_checked (HwFaultsPage *self,
                 gboolean      active)
{
  for (int i = 0;; i++)
    {
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (self->fault_list, i);
      Fault *fault;

      if (row == NULL)
        break;
      fault = g_object_get_data (G_OBJECT (row), "fault");
      if (active)
        g_hash_table_add (self->checked, g_strdup (fault->id));
      else
        g_hash_table_remove (self->checked, fault->id);
    }
  /* The rows are rebuilt so that their check buttons follow. */
  rebuild_fault_rows (self);
  update_actions (self);
}

static void
select_all_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  set_all_checked (HW_FAULTS_PAGE (widget), TRUE);
}

static void
select_none_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  set_all_checked (HW_FAULTS_PAGE (widget), FALSE);
}

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
      g_signal_connect_swapped (self->queue, "notify::can-operate", G_CALLBACK (update_actions), self);
      g_signal_connect_swapped (self->queue, "changed", G_CALLBACK (on_queue_changed), self);
    }
  self->selected = NULL;
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
  Group *group;

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
  gtk_widget_class_bind_template_callback (widget_class, on_group_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_fault_selected);

  gtk_widget_class_install_action (widget_class, "faults.resubmit", NULL, resubmit_action);
  gtk_widget_class_install_action (widget_class, "faults.replay", NULL, replay_action);
  gtk_widget_class_install_action (widget_class, "faults.select-all", NULL, select_all_action);
  gtk_widget_class_install_action (widget_class, "faults.select-none", NULL, select_none_action);
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
  update_actions (self);
}
