/* hw-jobs-page.c: replays and resubmissions, the outbox and the inbox of one hub
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "hw-command-edit.h"
#include "hw-command-queue.h"
#include "hw-error.h"
#include "hw-job-tracker.h"
#include "hw-jobs-page.h"
#include "hw-replay-dialog.h"
#include "hw-state-view.h"

struct _HwJobsPage
{
  GtkWidget          parent_instance;

  HwConnection      *connection;
  HwCommandQueue    *queue;
  GCancellable      *cancellable;
  GHashTable        *job_states;   /* job id → state, as shown */
  HwCommandSnapshot *snapshot;
  guint              n_pending;
  guint              load_count;
  gboolean           loading;
  gboolean           reload_again;

  /* Template widgets */
  HwStateView       *state_view;
  GtkLabel          *permission_label;
  GtkWidget         *replay_button;
  GtkListBox        *job_list;
  GtkListBox        *outbox_list;
  GtkListBox        *inbox_list;
};

enum {
  PROP_0,
  PROP_CONNECTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (HwJobsPage, hw_jobs_page, GTK_TYPE_WIDGET)

static void reload (HwJobsPage *self);

static void
clear_list (GtkListBox *list)
{
  GtkListBoxRow *row;

  while ((row = gtk_list_box_get_row_at_index (list, 0)) != NULL)
    gtk_list_box_remove (list, GTK_WIDGET (row));
}

static gboolean
can_operate (HwJobsPage *self)
{
  return self->queue != NULL && hw_command_queue_get_can_operate (self->queue);
}

static GtkWidget *
new_row_button (HwJobsPage *self,
                const char *icon_name,
                const char *label,
                const char *action,
                const char *target)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon_name);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_tooltip_text (button, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", target);
  return button;
}

/* Jobs ---------------------------------------------------------------------------- */

static char *
describe_job (const HwHubJob *job)
{
  if (g_strcmp0 (job->kind, "replay") == 0)
    return g_strdup_printf (_("Replay to %s"), job->listener != NULL ? job->listener : "?");
  if (job->raw != NULL && json_object_has_member (job->raw, "group"))
    {
      JsonObject *group = json_object_get_object_member (job->raw, "group");
      const char *function = json_object_get_string_member_with_default (group, "functionname", "?");

      return g_strdup_printf (_("Resubmission to %s"), function != NULL ? function : "?");
    }
  return g_strdup (_("Resubmission of selected faults"));
}

static GtkWidget *
new_job_row (HwJobsPage     *self,
             const HwHubJob *job)
{
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());
  g_autofree char *title = describe_job (job);
  g_autofree char *when = hw_format_clock_time (job->created_at_ms);
  g_autofree char *subtitle = NULL;
  g_autofree char *label = NULL;
  GtkWidget *progress = gtk_progress_bar_new ();
  double fraction = job->total > 0 ? (double) (job->acked + job->failed) / job->total
                                   : g_strcmp0 (job->state, "done") == 0;

  /* TRANSLATORS: job state, who asked, when, then sent/total, acked, failed */
  subtitle = g_strdup_printf (_("%s · asked by %s · %s\n%" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
                                " sent · %" G_GINT64_FORMAT " acknowledged · %" G_GINT64_FORMAT " failed"),
                              hw_job_state_describe (job->state),
                              job->requested_by != NULL ? job->requested_by : "?", when,
                              job->sent, job->total, job->acked, job->failed);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (row, subtitle);
  adw_action_row_set_subtitle_lines (row, 3);
  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (progress), CLAMP (fraction, 0, 1));
  gtk_widget_set_valign (progress, GTK_ALIGN_CENTER);
  gtk_widget_set_size_request (progress, 96, -1);
  label = g_strdup_printf (_("Progress of %s"), title);
  gtk_accessible_update_property (GTK_ACCESSIBLE (progress), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  adw_action_row_add_suffix (row, progress);
  if (!hw_job_state_is_final (job->state))
    {
      GtkWidget *cancel = new_row_button (self, "process-stop-symbolic", _("Cancel Job"),
                                          "jobs.cancel-job", job->id);

      if (!can_operate (self))
        gtk_widget_set_tooltip_text (cancel, hw_command_queue_get_permission_reason (self->queue));
      adw_action_row_add_suffix (row, cancel);
    }
  return GTK_WIDGET (row);
}

static int
compare_jobs (gconstpointer a,
              gconstpointer b)
{
  const HwHubJob *ja = *(HwHubJob **) a, *jb = *(HwHubJob **) b;

  return (ja->created_at_ms < jb->created_at_ms) - (ja->created_at_ms > jb->created_at_ms);
}

/* The hub's snapshot wins; jobs only the state database knows (offline, or
 * after a restart before the first sync) come from their last progress. */
static GPtrArray *
merge_jobs (HwJobsPage *self)
{
  HwHubSync *sync = self->connection != NULL ? hw_connection_get_sync (self->connection) : NULL;
  GPtrArray *hub_jobs = sync != NULL ? hw_hub_sync_get_jobs (sync) : NULL;
  GPtrArray *jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_hub_job_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; hub_jobs != NULL && i < hub_jobs->len; i++)
    {
      HwHubJob *job = hw_hub_job_copy (g_ptr_array_index (hub_jobs, i));

      g_ptr_array_add (jobs, job);
      g_hash_table_add (seen, job->id);
    }
  for (guint i = 0; self->snapshot != NULL && i < self->snapshot->jobs->len; i++)
    {
      HwStateJob *known = g_ptr_array_index (self->snapshot->jobs, i);
      g_autoptr(JsonNode) node = NULL;
      HwHubJob *job = NULL;

      if (g_hash_table_contains (seen, known->id))
        continue;
      if (known->progress != NULL && (node = json_from_string (known->progress, NULL)) != NULL
          && JSON_NODE_HOLDS_OBJECT (node))
        job = hw_hub_job_from_json (json_node_get_object (node), NULL);
      if (job == NULL)
        {
          job = g_new0 (HwHubJob, 1);
          job->id = g_strdup (known->id);
          job->kind = g_strdup (known->kind);
          job->requested_by = g_strdup (known->requested_by);
          job->created_at_ms = known->updated_at_ms;
        }
      g_free (job->state);
      job->state = g_strdup (known->state);
      g_ptr_array_add (jobs, job);
    }
  g_ptr_array_sort (jobs, compare_jobs);
  return jobs;
}

static void
show_jobs (HwJobsPage *self)
{
  g_autoptr(GPtrArray) jobs = merge_jobs (self);

  clear_list (self->job_list);
  g_hash_table_remove_all (self->job_states);
  for (guint i = 0; i < jobs->len; i++)
    {
      HwHubJob *job = g_ptr_array_index (jobs, i);

      g_hash_table_insert (self->job_states, g_strdup (job->id), g_strdup (job->state));
      gtk_list_box_append (self->job_list, new_job_row (self, job));
    }
}

/* Outbox and inbox ------------------------------------------------------------------- */

static HwOutboxCommand *
find_command (HwJobsPage *self,
              const char *key)
{
  for (guint i = 0; self->snapshot != NULL && i < self->snapshot->outbox->len; i++)
    {
      HwOutboxCommand *command = g_ptr_array_index (self->snapshot->outbox, i);

      if (g_strcmp0 (command->key, key) == 0)
        return command;
    }
  return NULL;
}

static const char *
command_state_describe (HwCommandState state)
{
  switch (state)
    {
    case HW_COMMAND_STATE_QUEUED:
      return _("Queued");
    case HW_COMMAND_STATE_SENDING:
    case HW_COMMAND_STATE_SENT:
      return _("Sending");
    case HW_COMMAND_STATE_FAILED:
      return _("Failed");
    case HW_COMMAND_STATE_ACKNOWLEDGED:
    case HW_COMMAND_STATE_CANCELLED:
    case HW_COMMAND_STATE_CONFLICT:
    default:
      return hw_command_state_to_string (state);
    }
}

static GtkWidget *
new_command_row (HwJobsPage      *self,
                 HwOutboxCommand *command)
{
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());
  g_autofree char *title = hw_command_describe (command->kind, command->body);
  g_autofree char *when = hw_format_clock_time (command->created_at_ms);
  g_autofree char *subtitle = NULL;
  const char *reason = can_operate (self) ? NULL : hw_command_queue_get_permission_reason (self->queue);

  /* TRANSLATORS: command state, who queued it, when, then how often it was tried */
  subtitle = g_strdup_printf (ngettext ("%s · queued by %s · %s · %u attempt%s%s",
                                        "%s · queued by %s · %s · %u attempts%s%s", command->attempts),
                              command_state_describe (command->state),
                              command->requested_by != NULL ? command->requested_by : "?", when,
                              command->attempts, command->last_error != NULL ? "\n" : "",
                              command->last_error != NULL ? command->last_error : "");
  if (reason != NULL)
    {
      g_autofree char *with_reason = g_strdup_printf ("%s\n%s", subtitle, reason);

      g_free (subtitle);
      subtitle = g_steal_pointer (&with_reason);
    }
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (row, subtitle);
  adw_action_row_set_subtitle_lines (row, 4);
  if (command->state == HW_COMMAND_STATE_QUEUED)
    adw_action_row_add_suffix (row, new_row_button (self, "document-edit-symbolic", _("Edit Rate and Parallelism"),
                                                    "jobs.edit-command", command->key));
  if (command->state == HW_COMMAND_STATE_FAILED)
    adw_action_row_add_suffix (row, new_row_button (self, "view-refresh-symbolic", _("Retry"),
                                                    "jobs.retry-command", command->key));
  if (command->state == HW_COMMAND_STATE_QUEUED || command->state == HW_COMMAND_STATE_FAILED)
    adw_action_row_add_suffix (row, new_row_button (self, "edit-delete-symbolic", _("Cancel Command"),
                                                    "jobs.cancel-command", command->key));
  return GTK_WIDGET (row);
}

static const char *
outcome_icon (HwInboxOutcome outcome)
{
  switch (outcome)
    {
    case HW_INBOX_OUTCOME_DONE:
      return "emblem-ok-symbolic";
    case HW_INBOX_OUTCOME_CONFLICT:
      return "dialog-warning-symbolic";
    case HW_INBOX_OUTCOME_FAILED:
    default:
      return "dialog-error-symbolic";
    }
}

static const char *
outcome_name (HwInboxOutcome outcome)
{
  switch (outcome)
    {
    case HW_INBOX_OUTCOME_DONE:
      return _("Done");
    case HW_INBOX_OUTCOME_CONFLICT:
      return _("Conflict");
    case HW_INBOX_OUTCOME_FAILED:
    default:
      return _("Failed");
    }
}

static GtkWidget *
new_inbox_row (HwJobsPage  *self,
               HwInboxItem *item)
{
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());
  HwOutboxCommand *command = find_command (self, item->command_key);
  g_autofree char *what = command != NULL ? hw_command_describe (command->kind, command->body) : g_strdup ("");
  g_autofree char *title = g_strdup_printf ("%s: %s", outcome_name (item->outcome), what);
  g_autofree char *when = hw_format_clock_time (item->created_at_ms);
  g_autofree char *subtitle = g_strdup_printf ("%s%s%s", when, item->message != NULL ? " · " : "",
                                               item->message != NULL ? item->message : "");
  GtkWidget *icon = gtk_image_new_from_icon_name (outcome_icon (item->outcome));

  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  outcome_name (item->outcome), -1);
  gtk_widget_add_css_class (icon, item->outcome == HW_INBOX_OUTCOME_DONE ? "success"
                                  : item->outcome == HW_INBOX_OUTCOME_CONFLICT ? "warning" : "error");
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (row, subtitle);
  adw_action_row_set_subtitle_lines (row, 3);
  adw_action_row_add_prefix (row, icon);
  if (!item->read)
    {
      g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, item->id);

      gtk_widget_add_css_class (GTK_WIDGET (row), "unread");
      adw_action_row_add_suffix (row, new_row_button (self, "mail-read-symbolic", _("Mark as Read"),
                                                      "jobs.mark-read", id));
    }
  return GTK_WIDGET (row);
}

static void
show_snapshot (HwJobsPage *self)
{
  clear_list (self->outbox_list);
  clear_list (self->inbox_list);
  self->n_pending = 0;
  for (guint i = 0; self->snapshot != NULL && i < self->snapshot->outbox->len; i++)
    {
      HwOutboxCommand *command = g_ptr_array_index (self->snapshot->outbox, i);

      /* Finished commands live on as jobs and inbox results. */
      if (command->state == HW_COMMAND_STATE_ACKNOWLEDGED || command->state == HW_COMMAND_STATE_CANCELLED
          || command->state == HW_COMMAND_STATE_CONFLICT)
        continue;
      self->n_pending++;
      gtk_list_box_append (self->outbox_list, new_command_row (self, command));
    }
  for (guint i = 0; self->snapshot != NULL && i < self->snapshot->inbox->len; i++)
    gtk_list_box_append (self->inbox_list, new_inbox_row (self, g_ptr_array_index (self->snapshot->inbox, i)));
  show_jobs (self);
}

static void
update_permission (HwJobsPage *self)
{
  const char *reason = self->queue == NULL || can_operate (self)
                       ? NULL : hw_command_queue_get_permission_reason (self->queue);

  gtk_label_set_label (self->permission_label, reason != NULL ? reason : "");
  gtk_widget_set_visible (GTK_WIDGET (self->permission_label), reason != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "jobs.replay", self->connection != NULL && reason == NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "jobs.cancel-job", reason == NULL);
  gtk_widget_set_tooltip_text (self->replay_button, reason != NULL ? reason : _("Replay lake events to one listener"));
}

static void
on_snapshot (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(HwJobsPage) self = user_data;
  g_autoptr(GError) error = NULL;
  HwCommandSnapshot *snapshot;

  self->loading = FALSE;
  snapshot = hw_command_queue_snapshot_finish (HW_COMMAND_QUEUE (source), result, &error);
  if (snapshot == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        hw_state_view_set_error (self->state_view, error->message);
      return;
    }
  if (HW_COMMAND_QUEUE (source) != self->queue)
    {
      hw_command_snapshot_free (snapshot);
      return;
    }
  g_clear_pointer (&self->snapshot, hw_command_snapshot_free);
  self->snapshot = snapshot;
  show_snapshot (self);
  update_permission (self);
  self->load_count++;
  hw_state_view_set_state (self->state_view, HW_VIEW_STATE_CONTENT);
  if (self->reload_again)
    {
      self->reload_again = FALSE;
      reload (self);
    }
}

/* Bursts of changes (a drain, a job snapshot) read the database once more, not
 * once per change. */
static void
reload (HwJobsPage *self)
{
  if (self->queue == NULL)
    {
      hw_state_view_set_state (self->state_view, HW_VIEW_STATE_EMPTY);
      return;
    }
  if (self->loading)
    {
      self->reload_again = TRUE;
      return;
    }
  self->loading = TRUE;
  if (hw_state_view_get_state (self->state_view) != HW_VIEW_STATE_CONTENT)
    hw_state_view_set_state (self->state_view, HW_VIEW_STATE_LOADING);
  hw_command_queue_snapshot_async (self->queue, self->cancellable, on_snapshot, g_object_ref (self));
}

static void
on_connection_changed (HwJobsPage *self,
                       guint       changes)
{
  if (changes & HW_HUB_SYNC_CHANGED_JOBS)
    reload (self);
}

static void
on_retry (HwJobsPage *self)
{
  if (self->connection != NULL)
    hw_connection_retry (self->connection);
  reload (self);
}

/* Actions ------------------------------------------------------------------------- */

static void
on_edited (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(HwJobsPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!hw_command_queue_edit_finish (HW_COMMAND_QUEUE (source), result, &error))
    hw_state_view_set_error (self->state_view, error->message);
}

static void
edit (HwJobsPage    *self,
      HwCommandEdit  kind,
      const char    *key,
      JsonObject    *body)
{
  if (self->queue == NULL)
    return;
  hw_command_queue_edit_async (self->queue, kind, key, body, self->cancellable, on_edited,
                               g_object_ref (self));
}

static void
cancel_command_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  edit (HW_JOBS_PAGE (widget), HW_COMMAND_EDIT_CANCEL, g_variant_get_string (parameter, NULL), NULL);
}

static void
retry_command_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  edit (HW_JOBS_PAGE (widget), HW_COMMAND_EDIT_RETRY, g_variant_get_string (parameter, NULL), NULL);
}

static void
mark_read_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  edit (HW_JOBS_PAGE (widget), HW_COMMAND_EDIT_MARK_READ, g_variant_get_string (parameter, NULL), NULL);
}

static void
mark_all_read_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  HwJobsPage *self = HW_JOBS_PAGE (widget);

  for (guint i = 0; self->snapshot != NULL && i < self->snapshot->inbox->len; i++)
    {
      HwInboxItem *item = g_ptr_array_index (self->snapshot->inbox, i);
      g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, item->id);

      if (!item->read)
        edit (self, HW_COMMAND_EDIT_MARK_READ, id, NULL);
    }
}

static void
edit_command_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  HwJobsPage *self = HW_JOBS_PAGE (widget);
  HwOutboxCommand *command = find_command (self, g_variant_get_string (parameter, NULL));

  if (command != NULL && self->queue != NULL)
    hw_command_edit_present (widget, self->queue, command);
}

static void
on_job_cancelled (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(HwJobsPage) self = user_data;
  g_autoptr(HwHubJob) job = NULL;
  g_autoptr(GError) error = NULL;

  job = hw_hub_client_cancel_job_finish (HW_HUB_CLIENT (source), result, &error);
  if (g_error_matches (error, HW_ERROR, HW_ERROR_FORBIDDEN) && self->queue != NULL)
    {
      g_autofree char *reason = hw_command_forbidden_reason (error->message);

      hw_command_queue_set_forbidden (self->queue, reason);
      return;
    }
  if (job == NULL && error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    gtk_label_set_label (self->permission_label, error->message);
  if (self->connection != NULL)
    hw_connection_retry (self->connection);
}

static void
cancel_job_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  HwJobsPage *self = HW_JOBS_PAGE (widget);
  HwHubClient *client = self->connection != NULL ? hw_connection_get_client (self->connection) : NULL;

  if (client == NULL)
    return;
  hw_hub_client_cancel_job_async (client, g_variant_get_string (parameter, NULL), self->cancellable,
                                  on_job_cancelled, g_object_ref (self));
}

static void
replay_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  HwJobsPage *self = HW_JOBS_PAGE (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  HwReplayDialog *dialog;

  if (self->connection == NULL)
    return;
  dialog = hw_replay_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, self->connection,
                                 NULL, NULL, 0, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Public API ----------------------------------------------------------------------- */

HwConnection *
hw_jobs_page_get_connection (HwJobsPage *self)
{
  g_return_val_if_fail (HW_IS_JOBS_PAGE (self), NULL);

  return self->connection;
}

void
hw_jobs_page_set_connection (HwJobsPage   *self,
                             HwConnection *connection)
{
  g_return_if_fail (HW_IS_JOBS_PAGE (self));
  g_return_if_fail (connection == NULL || HW_IS_CONNECTION (connection));

  if (self->connection == connection)
    return;
  if (self->connection != NULL)
    g_signal_handlers_disconnect_by_data (self->connection, self);
  if (self->queue != NULL)
    g_signal_handlers_disconnect_by_data (self->queue, self);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->loading = FALSE;
  self->reload_again = FALSE;
  g_set_object (&self->connection, connection);
  g_clear_object (&self->queue);
  g_clear_pointer (&self->snapshot, hw_command_snapshot_free);
  if (connection != NULL)
    {
      self->queue = g_object_ref (hw_command_queue_get (connection));
      g_signal_connect_swapped (connection, "changed", G_CALLBACK (on_connection_changed), self);
      g_signal_connect_swapped (self->queue, "changed", G_CALLBACK (reload), self);
      g_signal_connect_swapped (self->queue, "notify::can-operate", G_CALLBACK (reload), self);
    }
  show_snapshot (self);
  update_permission (self);
  hw_state_view_set_state (self->state_view, HW_VIEW_STATE_EMPTY);
  reload (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTION]);
}

guint
hw_jobs_page_get_n_jobs (HwJobsPage *self)
{
  g_return_val_if_fail (HW_IS_JOBS_PAGE (self), 0);

  return g_hash_table_size (self->job_states);
}

const char *
hw_jobs_page_get_job_state (HwJobsPage *self,
                            const char *job_id)
{
  g_return_val_if_fail (HW_IS_JOBS_PAGE (self), NULL);

  return g_hash_table_lookup (self->job_states, job_id);
}

guint
hw_jobs_page_get_n_pending (HwJobsPage *self)
{
  g_return_val_if_fail (HW_IS_JOBS_PAGE (self), 0);

  return self->n_pending;
}

guint
hw_jobs_page_get_n_inbox (HwJobsPage *self)
{
  g_return_val_if_fail (HW_IS_JOBS_PAGE (self), 0);

  return self->snapshot != NULL ? self->snapshot->inbox->len : 0;
}

guint
hw_jobs_page_get_load_count (HwJobsPage *self)
{
  g_return_val_if_fail (HW_IS_JOBS_PAGE (self), 0);

  return self->load_count;
}

/* Life cycle ----------------------------------------------------------------------- */

static void
hw_jobs_page_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_CONNECTION:
      g_value_set_object (value, HW_JOBS_PAGE (object)->connection);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hw_jobs_page_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_CONNECTION:
      hw_jobs_page_set_connection (HW_JOBS_PAGE (object), g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hw_jobs_page_dispose (GObject *object)
{
  HwJobsPage *self = HW_JOBS_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->connection != NULL)
    g_signal_handlers_disconnect_by_data (self->connection, self);
  if (self->queue != NULL)
    g_signal_handlers_disconnect_by_data (self->queue, self);
  g_clear_object (&self->connection);
  g_clear_object (&self->queue);
  gtk_widget_dispose_template (GTK_WIDGET (self), HW_TYPE_JOBS_PAGE);
  g_clear_pointer (&self->snapshot, hw_command_snapshot_free);
  g_clear_pointer (&self->job_states, g_hash_table_unref);

  G_OBJECT_CLASS (hw_jobs_page_parent_class)->dispose (object);
}

static void
hw_jobs_page_class_init (HwJobsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = hw_jobs_page_get_property;
  object_class->set_property = hw_jobs_page_set_property;
  object_class->dispose = hw_jobs_page_dispose;

  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL, HW_TYPE_CONNECTION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (HW_TYPE_STATE_VIEW);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/hw-jobs-page.ui");
  gtk_widget_class_bind_template_child (widget_class, HwJobsPage, state_view);
  gtk_widget_class_bind_template_child (widget_class, HwJobsPage, permission_label);
  gtk_widget_class_bind_template_child (widget_class, HwJobsPage, replay_button);
  gtk_widget_class_bind_template_child (widget_class, HwJobsPage, job_list);
  gtk_widget_class_bind_template_child (widget_class, HwJobsPage, outbox_list);
  gtk_widget_class_bind_template_child (widget_class, HwJobsPage, inbox_list);
  gtk_widget_class_bind_template_callback (widget_class, on_retry);

  gtk_widget_class_install_action (widget_class, "jobs.replay", NULL, replay_action);
  gtk_widget_class_install_action (widget_class, "jobs.cancel-job", "s", cancel_job_action);
  gtk_widget_class_install_action (widget_class, "jobs.cancel-command", "s", cancel_command_action);
  gtk_widget_class_install_action (widget_class, "jobs.retry-command", "s", retry_command_action);
  gtk_widget_class_install_action (widget_class, "jobs.edit-command", "s", edit_command_action);
  gtk_widget_class_install_action (widget_class, "jobs.mark-read", "s", mark_read_action);
  gtk_widget_class_install_action (widget_class, "jobs.mark-all-read", NULL, mark_all_read_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "jobs.replay", NULL);
}

static void
hw_jobs_page_init (HwJobsPage *self)
{
  self->job_states = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  update_permission (self);
}
