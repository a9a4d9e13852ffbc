/* hw-resubmit-dialog.c: dry run, rate and confirmation, then progress of a resubmission
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "hw-command-queue.h"
#include "hw-dry-run-estimate.h"
#include "hw-error.h"
#include "hw-event-store.h"
#include "hw-job-tracker.h"
#include "hw-resubmit-dialog.h"

#define SAMPLE_SIZE  3
#define MAX_OUTCOMES 200

struct _HwResubmitDialog
{
  AdwWindow       parent_instance;

  HwConnection   *connection;
  HwCommandQueue *queue;
  HwJobTracker   *tracker;
  GCancellable   *cancellable;
  char           *functionname;
  char           *pipeline;
  char           *message;
  GStrv           fault_ids;     /* NULL: the group */
  GStrv           listed_ids;
  HwResubmitStep  step;
  gint64          dry_run_count;
  char           *blocked_reason;
  char           *status;
  gboolean        confirming;
  gboolean        dry_running;

  /* Template widgets */
  GtkWidget      *back_button;
  GtkWidget      *next_button;
  GtkStack       *stack;
  AdwPreferencesGroup *dry_run_group;
  GtkSpinner     *dry_run_spinner;
  AdwActionRow   *count_row;
  GtkLabel       *count_label;
  AdwPreferencesGroup *target_group;
  GtkListBox     *target_list;
  GtkTextView    *sample_view;
  GtkSpinButton  *rate_spin;
  GtkSpinButton  *parallel_spin;
  GtkLabel       *confirm_label;
  GtkLabel       *status_label;
  GtkProgressBar *progress_bar;
  GtkLabel       *counts_label;
  GtkListBox     *outcome_list;
};

G_DEFINE_FINAL_TYPE (HwResubmitDialog, hw_resubmit_dialog, ADW_TYPE_WINDOW)

static const char * const step_names[] = { "dry-run", "options", "progress" };

static void
update_buttons (HwResubmitDialog *self)
{
  g_autofree char *label = NULL;

  gtk_stack_set_visible_child_name (self->stack, step_names[self->step]);
  switch (self->step)
    {
    case HW_RESUBMIT_STEP_DRY_RUN:
      gtk_button_set_label (GTK_BUTTON (self->back_button), _("_Cancel"));
      gtk_button_set_label (GTK_BUTTON (self->next_button), _("_Next"));
      break;
    case HW_RESUBMIT_STEP_OPTIONS:
      gtk_button_set_label (GTK_BUTTON (self->back_button), _("_Back"));
      label = g_strdup_printf (ngettext ("_Resubmit %" G_GINT64_FORMAT " Fault",
                                         "_Resubmit %" G_GINT64_FORMAT " Faults",
                                         MAX (self->dry_run_count, 0)),
                               MAX (self->dry_run_count, 0));
      gtk_button_set_label (GTK_BUTTON (self->next_button), label);
      break;
    case HW_RESUBMIT_STEP_PROGRESS:
    default:
      gtk_button_set_label (GTK_BUTTON (self->back_button),
                            self->tracker != NULL && !hw_job_tracker_is_finished (self->tracker)
                            ? _("Cancel _Job") : _("_Close"));
      gtk_button_set_label (GTK_BUTTON (self->next_button), _("_Done"));
      break;
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "resubmit.next",
                                 hw_resubmit_dialog_can_continue (self));
  gtk_widget_set_tooltip_text (self->next_button, self->blocked_reason);
  gtk_widget_set_visible (self->back_button,
                          self->step != HW_RESUBMIT_STEP_PROGRESS || self->tracker != NULL);
}

static void
stop_dry_run (HwResubmitDialog *self)
{
  self->dry_running = FALSE;
  gtk_spinner_stop (self->dry_run_spinner);
}

static void
set_blocked (HwResubmitDialog *self,
             const char       *reason)
{
  g_free (self->blocked_reason);
  self->blocked_reason = g_strdup (reason);
  update_buttons (self);
}

/* The request body: ids, or the group (exact ids when a group field is
 * missing, because the hub reads a missing field as "any"). */
static JsonObject *
build_body (HwResubmitDialog *self,
            gboolean          with_rate)
{
  JsonObject *body = json_object_new ();
  const char * const *ids = (const char * const *) self->fault_ids;

  if (ids == NULL && (self->functionname == NULL || self->pipeline == NULL || self->message == NULL))
    ids = (const char * const *) self->listed_ids;
  if (ids != NULL)
    {
      JsonArray *array = json_array_new ();

      for (guint i = 0; ids[i] != NULL; i++)
        json_array_add_string_element (array, ids[i]);
      json_object_set_array_member (body, "fault_ids", array);
    }
  else
    {
      JsonObject *group = json_object_new ();

      json_object_set_string_member (group, "functionname", self->functionname);
      json_object_set_string_member (group, "pipeline", self->pipeline);
      json_object_set_string_member (group, "message", self->message);
      json_object_set_object_member (body, "group", group);
    }
  if (with_rate)
    {
      json_object_set_double_member (body, "rate", gtk_spin_button_get_value (self->rate_spin));
      json_object_set_int_member (body, "parallel", gtk_spin_button_get_value_as_int (self->parallel_spin));
    }
  return body;
}

/* Dry run ------------------------------------------------------------------------ */

static void
show_dry_run (HwResubmitDialog *self,
              JsonObject       *answer,
              gboolean          estimate)
{
  JsonObject *targets = hw_json_member_object (answer, "targets");
  JsonArray *missing = hw_json_member_array (answer, "missing_targets");
  JsonArray *sample = hw_json_member_array (answer, "sample");
  g_autoptr(GList) names = targets != NULL ? json_object_get_members (targets) : NULL;
  g_autofree char *count = NULL;
  g_autoptr(GString) sample_text = g_string_new (NULL);
  GtkListBoxRow *row;

  self->dry_run_count = json_object_get_int_member_with_default (answer, "count", 0);
  count = g_strdup_printf ("%" G_GINT64_FORMAT, self->dry_run_count);
  gtk_label_set_label (self->count_label, count);
  adw_action_row_set_subtitle (self->count_row, estimate
                               ? _("Estimated from the offline cache: the hub runs the real dry run when the command is sent")
                               : _("As the hub counted them; faults already resubmitted are left out"));
  while ((row = gtk_list_box_get_row_at_index (self->target_list, 0)) != NULL)
    gtk_list_box_remove (self->target_list, GTK_WIDGET (row));
  for (GList *l = names; l != NULL; l = l->next)
    {
      AdwActionRow *target = ADW_ACTION_ROW (adw_action_row_new ());
      g_autofree char *n = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (targets, l->data));
      gboolean is_missing = FALSE;

      for (guint i = 0; missing != NULL && i < json_array_get_length (missing); i++)
        is_missing |= g_strcmp0 (json_array_get_string_element (missing, i), l->data) == 0;
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (target), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (target),
                                     *(const char *) l->data != '\0' ? l->data : _("No function named"));
      if (is_missing)
        adw_action_row_set_subtitle (target, _("No listener of this name: these faults cannot be delivered"));
      adw_action_row_add_suffix (target, gtk_label_new (n));
      gtk_list_box_append (self->target_list, GTK_WIDGET (target));
    }
  gtk_widget_set_visible (GTK_WIDGET (self->target_group), names != NULL);
  for (guint i = 0; sample != NULL && i < json_array_get_length (sample) && i < SAMPLE_SIZE; i++)
    {
      g_autofree char *text = json_to_string (json_array_get_element (sample, i), TRUE);

      g_string_append_printf (sample_text, "%s%s", i > 0 ? "\n\n" : "", text);
    }
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->sample_view),
                            sample_text->len > 0 ? sample_text->str : _("No sample"), -1);
  stop_dry_run (self);
  set_blocked (self, self->dry_run_count == 0 ? _("Nothing to resubmit: every fault was already resubmitted")
                                              : NULL);
}

static void
on_estimated (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(HwResubmitDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = hw_dry_run_estimate_finish (result, &error);

  if (answer != NULL)
    {
      show_dry_run (self, answer, TRUE);
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  stop_dry_run (self);
  set_blocked (self, error->message);
}

static void
estimate_from_cache (HwResubmitDialog *self)
{
  HwEventStore *store = hw_connection_get_store (self->connection);
  g_autoptr(JsonObject) body = NULL;

  if (store == NULL)
    {
      stop_dry_run (self);
      set_blocked (self, _("The hub is unreachable and nothing is cached yet: no dry run is possible"));
      return;
    }
  body = build_body (self, FALSE);
  hw_dry_run_estimate_async (store, HW_COMMAND_KIND_RESUBMISSION, body, self->cancellable, on_estimated,
                             g_object_ref (self));
}

static void
on_dry_run (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(HwResubmitDialog) self = user_data;
  g_autoptr(HwHubSubmitResult) answer = NULL;
  g_autoptr(GError) error = NULL;

  answer = hw_hub_client_submit_finish (HW_HUB_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (g_error_matches (error, HW_ERROR, HW_ERROR_FORBIDDEN))
    {
      g_autofree char *reason = hw_command_forbidden_reason (error->message);

      hw_command_queue_set_forbidden (self->queue, reason);
      stop_dry_run (self);
      adw_action_row_set_subtitle (self->count_row, reason);
      set_blocked (self, reason);
      return;
    }
  if (g_error_matches (error, HW_ERROR, HW_ERROR_UNAVAILABLE))
    {
      estimate_from_cache (self);
      return;
    }
  if (answer == NULL)
    {
      stop_dry_run (self);
      adw_action_row_set_subtitle (self->count_row, error->message);
      set_blocked (self, error->message);
      return;
    }
  show_dry_run (self, answer->raw, FALSE);
}

static void
start_dry_run (HwResubmitDialog *self)
{
  HwHubClient *client = hw_connection_get_client (self->connection);
  HwHubSyncState state = hw_connection_get_state (self->connection);
  g_autoptr(JsonObject) body = NULL;

  self->dry_running = TRUE;
  gtk_spinner_start (self->dry_run_spinner);
  set_blocked (self, _("The dry run has not finished yet"));
  if (!hw_command_queue_get_can_operate (self->queue))
    {
      stop_dry_run (self);
      adw_action_row_set_subtitle (self->count_row, hw_command_queue_get_permission_reason (self->queue));
      set_blocked (self, hw_command_queue_get_permission_reason (self->queue));
      return;
    }
  if (client == NULL || (state != HW_HUB_SYNC_STATE_ONLINE && state != HW_HUB_SYNC_STATE_SYNCING))
    {
      estimate_from_cache (self);
      return;
    }
  body = build_body (self, FALSE);
  hw_hub_client_submit_async (client, HW_HUB_SUBMIT_RESUBMISSION, body, TRUE, NULL, self->cancellable,
                              on_dry_run, g_object_ref (self));
}

/* Progress ----------------------------------------------------------------------- */

static const char *
fault_outcome (HwResubmitDialog *self)
{
  const HwHubJob *job = hw_job_tracker_get_job (self->tracker);

  switch (hw_job_tracker_get_command_state (self->tracker))
    {
    case HW_COMMAND_STATE_FAILED:
      return _("Not resubmitted: the hub refused the command");
    case HW_COMMAND_STATE_CONFLICT:
      return _("Conflict: already resubmitted by someone else");
    case HW_COMMAND_STATE_CANCELLED:
      return _("Not resubmitted: cancelled");
    default:
      break;
    }
  if (job == NULL)
    return _("Waiting to be sent");
  if (!hw_job_state_is_final (job->state))
    return _("Being resubmitted");
  if (g_strcmp0 (job->state, "done") == 0 && job->failed == 0)
    return _("Resubmitted");
  if (g_strcmp0 (job->state, "cancelled") == 0)
    return _("Cancelled: may not have been resubmitted");
  /* The hub reports failures per job, not per fault. */
  return _("Not confirmed: some deliveries failed");
}

static void
show_outcomes (HwResubmitDialog *self)
{
  const char *outcome = fault_outcome (self);

  for (int i = 0;; i++)
    {
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (self->outcome_list, i);

      if (row == NULL)
        break;
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), outcome);
    }
}

static void
on_tracker_updated (HwResubmitDialog *self)
{
  const HwHubJob *job = hw_job_tracker_get_job (self->tracker);
  const char *message = hw_job_tracker_get_message (self->tracker);
  g_autofree char *status = hw_job_tracker_dup_status (self->tracker);

  g_free (self->status);
  self->status = message != NULL && hw_job_tracker_is_finished (self->tracker)
                 ? g_strdup_printf ("%s: %s", status, message) : g_strdup (status);
  gtk_label_set_label (self->status_label, self->status);
  gtk_progress_bar_set_fraction (self->progress_bar, hw_job_tracker_get_fraction (self->tracker));
  if (job != NULL)
    {
      g_autofree char *counts = NULL;

      /* TRANSLATORS: progress of a resubmission job */
      counts = g_strdup_printf (_("%" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " sent · %" G_GINT64_FORMAT
                                  " acknowledged · %" G_GINT64_FORMAT " failed · job %s"),
                                job->sent, job->total, job->acked, job->failed, job->id);
      gtk_label_set_label (self->counts_label, counts);
    }
  show_outcomes (self);
  update_buttons (self);
}

static void
fill_outcome_list (HwResubmitDialog *self)
{
  for (guint i = 0; self->listed_ids != NULL && self->listed_ids[i] != NULL && i < MAX_OUTCOMES; i++)
    {
      AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), self->listed_ids[i]);
      adw_action_row_set_subtitle (row, _("Waiting to be sent"));
      gtk_list_box_append (self->outcome_list, GTK_WIDGET (row));
    }
}

static void
on_enqueued (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(HwResubmitDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = hw_command_queue_enqueue_finish (HW_COMMAND_QUEUE (source), result, &error);

  self->confirming = FALSE;
  if (key == NULL)
    {
      gtk_label_set_label (self->status_label, error->message);
      update_buttons (self);
      return;
    }
  self->tracker = hw_job_tracker_new (self->queue, key);
  g_signal_connect_object (self->tracker, "updated", G_CALLBACK (on_tracker_updated), self,
                           G_CONNECT_SWAPPED);
  on_tracker_updated (self);
}

static void
confirm (HwResubmitDialog *self)
{
  g_autoptr(JsonObject) body = build_body (self, TRUE);

  self->confirming = TRUE;
  self->step = HW_RESUBMIT_STEP_PROGRESS;
  gtk_label_set_label (self->status_label, _("Queueing…"));
  fill_outcome_list (self);
  update_buttons (self);
  hw_command_queue_enqueue_async (self->queue, HW_COMMAND_KIND_RESUBMISSION, body, NULL, on_enqueued,
                                  g_object_ref (self));
}

/* Steps -------------------------------------------------------------------------- */

void
hw_resubmit_dialog_next (HwResubmitDialog *self)
{
  g_autofree char *text = NULL;

  g_return_if_fail (HW_IS_RESUBMIT_DIALOG (self));

  if (!hw_resubmit_dialog_can_continue (self))
    return;
  switch (self->step)
    {
    case HW_RESUBMIT_STEP_DRY_RUN:
      self->step = HW_RESUBMIT_STEP_OPTIONS;
      text = g_strdup_printf (ngettext ("%" G_GINT64_FORMAT " fault will be sent back to its function. "
                                        "The command waits in the outbox while the hub is unreachable and is "
                                        "sent exactly once.",
                                        "%" G_GINT64_FORMAT " faults will be sent back to their functions. "
                                        "The command waits in the outbox while the hub is unreachable and is "
                                        "sent exactly once.", self->dry_run_count),
                              self->dry_run_count);
      gtk_label_set_label (self->confirm_label, text);
      update_buttons (self);
      break;
    case HW_RESUBMIT_STEP_OPTIONS:
      confirm (self);
      break;
    case HW_RESUBMIT_STEP_PROGRESS:
    default:
      gtk_window_close (GTK_WINDOW (self));
      break;
    }
}

static void
next_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  hw_resubmit_dialog_next (HW_RESUBMIT_DIALOG (widget));
}

static void
on_job_cancelled (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(HwResubmitDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!hw_job_tracker_cancel_finish (HW_JOB_TRACKER (source), result, &error))
    gtk_label_set_label (self->status_label, error->message);
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  HwResubmitDialog *self = HW_RESUBMIT_DIALOG (widget);

  switch (self->step)
    {
    case HW_RESUBMIT_STEP_OPTIONS:
      self->step = HW_RESUBMIT_STEP_DRY_RUN;
      update_buttons (self);
      break;
    case HW_RESUBMIT_STEP_PROGRESS:
      if (self->tracker != NULL && !hw_job_tracker_is_finished (self->tracker))
        {
          hw_job_tracker_cancel_async (self->tracker, NULL, on_job_cancelled, g_object_ref (self));
          break;
        }
      gtk_window_close (GTK_WINDOW (self));
      break;
    case HW_RESUBMIT_STEP_DRY_RUN:
    default:
      gtk_window_close (GTK_WINDOW (self));
      break;
    }
}

/* Public API ---------------------------------------------------------------------- */

HwResubmitDialog *
hw_resubmit_dialog_new (GtkWindow          *parent,
                        HwConnection       *connection,
                        const char         *functionname,
                        const char         *pipeline,
                        const char         *message,
                        const char * const *fault_ids,
                        const char * const *listed_ids)
{
  HwResubmitDialog *self;
  g_autofree char *title = NULL;

  g_return_val_if_fail (HW_IS_CONNECTION (connection), NULL);

  self = g_object_new (HW_TYPE_RESUBMIT_DIALOG, "transient-for", parent, NULL);
  self->connection = g_object_ref (connection);
  self->queue = g_object_ref (hw_command_queue_get (connection));
  self->functionname = g_strdup (functionname);
  self->pipeline = g_strdup (pipeline);
  self->message = g_strdup (message);
  self->fault_ids = fault_ids != NULL ? g_strdupv ((char **) fault_ids) : NULL;
  self->listed_ids = g_strdupv ((char **) (listed_ids != NULL ? listed_ids : fault_ids));
  if (fault_ids != NULL)
    title = g_strdup_printf (ngettext ("Resubmit %u fault of %s", "Resubmit %u faults of %s",
                                       g_strv_length (self->fault_ids)),
                             g_strv_length (self->fault_ids), functionname != NULL ? functionname : "?");
  else
    title = g_strdup_printf (_("Resubmit the group “%s” of %s"), message != NULL ? message : "?",
                             functionname != NULL ? functionname : "?");
  adw_preferences_group_set_description (self->dry_run_group, title);
  start_dry_run (self);
  return self;
}

HwResubmitStep
hw_resubmit_dialog_get_step (HwResubmitDialog *self)
{
  g_return_val_if_fail (HW_IS_RESUBMIT_DIALOG (self), HW_RESUBMIT_STEP_DRY_RUN);

  return self->step;
}

gboolean
hw_resubmit_dialog_get_dry_run_pending (HwResubmitDialog *self)
{
  g_return_val_if_fail (HW_IS_RESUBMIT_DIALOG (self), FALSE);

  return self->dry_running;
}

gint64
hw_resubmit_dialog_get_dry_run_count (HwResubmitDialog *self)
{
  g_return_val_if_fail (HW_IS_RESUBMIT_DIALOG (self), -1);

  return self->dry_run_count;
}

gboolean
hw_resubmit_dialog_can_continue (HwResubmitDialog *self)
{
  g_return_val_if_fail (HW_IS_RESUBMIT_DIALOG (self), FALSE);

  if (self->step == HW_RESUBMIT_STEP_PROGRESS)
    return !self->confirming;
  return self->blocked_reason == NULL && self->dry_run_count > 0
         && (self->step == HW_RESUBMIT_STEP_DRY_RUN || hw_command_queue_get_can_operate (self->queue));
}

const char *
hw_resubmit_dialog_get_blocked_reason (HwResubmitDialog *self)
{
  g_return_val_if_fail (HW_IS_RESUBMIT_DIALOG (self), NULL);

  return self->blocked_reason;
}

void
hw_resubmit_dialog_set_rate (HwResubmitDialog *self,
                             double            rate,
                             guint             parallel)
{
  g_return_if_fail (HW_IS_RESUBMIT_DIALOG (self));

  gtk_spin_button_set_value (self->rate_spin, rate);
  gtk_spin_button_set_value (self->parallel_spin, parallel);
}

const char *
hw_resubmit_dialog_get_command_key (HwResubmitDialog *self)
{
  g_return_val_if_fail (HW_IS_RESUBMIT_DIALOG (self), NULL);

  return self->tracker != NULL ? hw_job_tracker_get_key (self->tracker) : NULL;
}

gboolean
hw_resubmit_dialog_is_finished (HwResubmitDialog *self)
{
  g_return_val_if_fail (HW_IS_RESUBMIT_DIALOG (self), FALSE);

  return self->tracker != NULL && hw_job_tracker_is_finished (self->tracker);
}

const char *
hw_resubmit_dialog_get_status (HwResubmitDialog *self)
{
  g_return_val_if_fail (HW_IS_RESUBMIT_DIALOG (self), NULL);

  return self->status;
}

/* Life cycle ---------------------------------------------------------------------- */

static void
hw_resubmit_dialog_dispose (GObject *object)
{
  HwResubmitDialog *self = HW_RESUBMIT_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->tracker);
  g_clear_object (&self->queue);
  g_clear_object (&self->connection);
  gtk_widget_dispose_template (GTK_WIDGET (self), HW_TYPE_RESUBMIT_DIALOG);

  G_OBJECT_CLASS (hw_resubmit_dialog_parent_class)->dispose (object);
}

static void
hw_resubmit_dialog_finalize (GObject *object)
{
  HwResubmitDialog *self = HW_RESUBMIT_DIALOG (object);

  g_free (self->functionname);
  g_free (self->pipeline);
  g_free (self->message);
  g_strfreev (self->fault_ids);
  g_strfreev (self->listed_ids);
  g_free (self->blocked_reason);
  g_free (self->status);

  G_OBJECT_CLASS (hw_resubmit_dialog_parent_class)->finalize (object);
}

static void
hw_resubmit_dialog_class_init (HwResubmitDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hw_resubmit_dialog_dispose;
  object_class->finalize = hw_resubmit_dialog_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/hw-resubmit-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, HwResubmitDialog, back_button);
  gtk_widget_class_bind_template_child (widget_class, HwResubmitDialog, next_button);
  gtk_widget_class_bind_template_child (widget_class, HwResubmitDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, HwResubmitDialog, dry_run_group);
  gtk_widget_class_bind_template_child (widget_class, HwResubmitDialog, dry_run_spinner);
  gtk_widget_class_bind_template_child (widget_class, HwResubmitDialog, count_row);
  gtk_widget_class_bind_template_child (widget_class, HwResubmitDialog, count_label);
  gtk_widget_class_bind_template_child (widget_class, HwResubmitDialog, target_group);
  gtk_widget_class_bind_template_child (widget_class, HwResubmitDialog, target_list);
  gtk_widget_class_bind_template_child (widget_class, HwResubmitDialog, sample_view);
  gtk_widget_class_bind_template_child (widget_class, HwResubmitDialog, rate_spin);
  gtk_widget_class_bind_template_child (widget_class, HwResubmitDialog, parallel_spin);
  gtk_widget_class_bind_template_child (widget_class, HwResubmitDialog, confirm_label);
  gtk_widget_class_bind_template_child (widget_class, HwResubmitDialog, status_label);
  gtk_widget_class_bind_template_child (widget_class, HwResubmitDialog, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, HwResubmitDialog, counts_label);
  gtk_widget_class_bind_template_child (widget_class, HwResubmitDialog, outcome_list);

  gtk_widget_class_install_action (widget_class, "resubmit.next", NULL, next_action);
  gtk_widget_class_install_action (widget_class, "resubmit.back", NULL, back_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
hw_resubmit_dialog_init (HwResubmitDialog *self)
{
  self->cancellable = g_cancellable_new ();
  self->dry_run_count = -1;
  gtk_widget_init_template (GTK_WIDGET (self));
  update_buttons (self);
}
