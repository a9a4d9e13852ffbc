/* hw-replay-dialog.c: replay a time range of lake events to one listener
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
#include "hw-query.h"
#include "hw-replay-dialog.h"
#include "hw-time.h"
#include "hw-window.h"

#define HOUR_MS (G_GINT64_CONSTANT (3600) * 1000)

struct _HwReplayDialog
{
  AdwWindow       parent_instance;

  HwConnection   *connection;
  HwCommandQueue *queue;
  HwJobTracker   *tracker;
  GCancellable   *cancellable;
  GtkStringList  *listeners;
  char           *wanted_listener;
  JsonObject     *by_type;
  gint64          dry_run_count;
  gboolean        dry_run_valid;
  gboolean        running_dry_run;
  gboolean        starting;
  char           *blocked_reason;
  char           *status;

  /* Template widgets */
  GtkWidget      *back_button;
  GtkWidget      *start_button;
  GtkStack       *stack;
  AdwComboRow    *listener_row;
  AdwEntryRow    *from_row;
  AdwEntryRow    *to_row;
  AdwEntryRow    *query_row;
  AdwActionRow   *count_row;
  GtkLabel       *count_label;
  GtkListBox     *type_list;
  GtkSpinButton  *rate_spin;
  GtkSpinButton  *parallel_spin;
  GtkLabel       *status_label;
  GtkProgressBar *progress_bar;
  GtkLabel       *counts_label;
  GtkLabel       *job_label;
};

G_DEFINE_FINAL_TYPE (HwReplayDialog, hw_replay_dialog, ADW_TYPE_WINDOW)

/* The form ---------------------------------------------------------------------- */

static gboolean
parse_form (HwReplayDialog  *self,
            gint64          *from_ms,
            gint64          *to_ms,
            GError         **error)
{
  gint64 now = g_get_real_time () / 1000;
  const char *to_text = gtk_editable_get_text (GTK_EDITABLE (self->to_row));
  g_autoptr(GError) local = NULL;

  if (!hw_time_parse (gtk_editable_get_text (GTK_EDITABLE (self->from_row)), now, HW_TIME_ROUND_DOWN,
                      from_ms, &local))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_TIME, _("From: %s"), local->message);
      return FALSE;
    }
  if (*to_text == '\0')
    *to_ms = now;
  else if (!hw_time_parse (to_text, now, HW_TIME_ROUND_UP, to_ms, &local))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_TIME, _("To: %s"), local->message);
      return FALSE;
    }
  if (*from_ms >= *to_ms)
    {
      g_set_error_literal (error, HW_ERROR, HW_ERROR_INVALID_TIME, _("“From” must be before “To”"));
      return FALSE;
    }
  return TRUE;
}

static const char *
selected_listener (HwReplayDialog *self)
{
  guint index = adw_combo_row_get_selected (self->listener_row);

  if (index == GTK_INVALID_LIST_POSITION || index >= g_list_model_get_n_items (G_LIST_MODEL (self->listeners)))
    return NULL;
  return gtk_string_list_get_string (self->listeners, index);
}

static JsonObject *
build_body (HwReplayDialog *self,
            GError        **error)
{
  const char *query = gtk_editable_get_text (GTK_EDITABLE (self->query_row));
  g_autoptr(JsonObject) body = json_object_new ();
  gint64 from_ms, to_ms;

  if (selected_listener (self) == NULL)
    {
      g_set_error_literal (error, HW_ERROR, HW_ERROR_NOT_FOUND, _("Choose the listener to replay to"));
      return NULL;
    }
  if (!parse_form (self, &from_ms, &to_ms, error))
    return NULL;
  if (*query != '\0')
    {
      g_autoptr(HwQuery) parsed = hw_query_parse (query, g_get_real_time () / 1000, NULL, error);

      if (parsed == NULL)
        return NULL;
      json_object_set_string_member (body, "query", query);
    }
  json_object_set_string_member (body, "listener", selected_listener (self));
  json_object_set_int_member (body, "from", from_ms);
  json_object_set_int_member (body, "to", to_ms);
  json_object_set_double_member (body, "rate", gtk_spin_button_get_value (self->rate_spin));
  json_object_set_int_member (body, "parallel", gtk_spin_button_get_value_as_int (self->parallel_spin));
  return g_steal_pointer (&body);
}

static void
update_buttons (HwReplayDialog *self)
{
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GError) error = NULL;
  const char *reason = NULL;
  gboolean progress = g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "progress") == 0;

  if (progress)
    {
      gboolean running = self->tracker != NULL && !hw_job_tracker_is_finished (self->tracker);

      gtk_button_set_label (GTK_BUTTON (self->back_button), running ? _("Cancel _Replay") : _("_Close"));
      gtk_widget_set_visible (self->start_button, FALSE);
      return;
    }
  body = build_body (self, &error);
  if (self->queue != NULL && !hw_command_queue_get_can_operate (self->queue))
    reason = hw_command_queue_get_permission_reason (self->queue);
  else if (body == NULL)
    reason = error->message;
  else if (self->running_dry_run)
    reason = _("The dry run has not finished yet");
  else if (!self->dry_run_valid)
    reason = _("Run a dry run first: it shows what would be sent");
  else if (self->dry_run_count == 0)
    reason = _("Nothing to replay: no event matches");
  g_free (self->blocked_reason);
  self->blocked_reason = g_strdup (reason);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "replay.start", reason == NULL && !self->starting);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "replay.dry-run", body != NULL && !self->running_dry_run
                                 && (self->queue == NULL || hw_command_queue_get_can_operate (self->queue)));
  gtk_widget_set_tooltip_text (self->start_button, reason);
}

static void
on_form_changed (HwReplayDialog *self)
{
  if (self->dry_run_valid)
    {
      self->dry_run_valid = FALSE;
      gtk_label_set_label (self->count_label, "—");
      adw_action_row_set_subtitle (self->count_row, _("The form changed: run the dry run again"));
    }
  update_buttons (self);
}

/* Listeners ---------------------------------------------------------------------- */

static void
set_listeners (HwReplayDialog *self,
               GPtrArray      *listeners)
{
  g_autofree char *current = g_strdup (self->wanted_listener != NULL ? self->wanted_listener
                                                                      : selected_listener (self));
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  guint select = 0;

  for (guint i = 0; listeners != NULL && i < listeners->len; i++)
    {
      HwHubListener *listener = g_ptr_array_index (listeners, i);

      if (listener->name == NULL)
        continue;
      if (g_strcmp0 (listener->name, current) == 0)
        select = names->len;
      g_ptr_array_add (names, listener->name);
    }
  g_ptr_array_add (names, NULL);
  gtk_string_list_splice (self->listeners, 0, g_list_model_get_n_items (G_LIST_MODEL (self->listeners)),
                          (const char * const *) names->pdata);
  adw_combo_row_set_selected (self->listener_row, names->len > 1 ? select : GTK_INVALID_LIST_POSITION);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->listener_row),
                               names->len > 1 ? NULL : _("The hub has no listener to replay to"));
  update_buttons (self);
}

static void
on_listeners (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(HwReplayDialog) self = user_data;
  g_autoptr(GPtrArray) listeners = NULL;

  listeners = hw_hub_client_list_listeners_finish (HW_HUB_CLIENT (source), result, NULL);
  if (listeners != NULL && self->connection != NULL)
    set_listeners (self, listeners);
  g_clear_pointer (&self->wanted_listener, g_free);
}

static gboolean
reachable (HwReplayDialog *self)
{
  HwHubSyncState state = hw_connection_get_state (self->connection);

  return hw_connection_get_client (self->connection) != NULL
         && (state == HW_HUB_SYNC_STATE_ONLINE || state == HW_HUB_SYNC_STATE_SYNCING);
}

static void
load_listeners (HwReplayDialog *self)
{
  HwHubSync *sync = hw_connection_get_sync (self->connection);

  /* What the sync knows (from its cache while offline) first. */
  set_listeners (self, sync != NULL ? hw_hub_sync_get_listeners (sync) : NULL);
  if (reachable (self))
    hw_hub_client_list_listeners_async (hw_connection_get_client (self->connection), self->cancellable,
                                        on_listeners, g_object_ref (self));
}

/* Dry run ------------------------------------------------------------------------ */

static void
show_dry_run (HwReplayDialog *self,
              gint64          count,
              JsonObject     *by_type,
              gboolean        estimate)
{
  g_autoptr(GList) types = by_type != NULL ? json_object_get_members (by_type) : NULL;
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, count);
  GtkListBoxRow *row;

  self->running_dry_run = FALSE;
  self->dry_run_valid = TRUE;
  self->dry_run_count = count;
  g_clear_pointer (&self->by_type, json_object_unref);
  self->by_type = by_type != NULL ? json_object_ref (by_type) : NULL;
  gtk_label_set_label (self->count_label, text);
  adw_action_row_set_subtitle (self->count_row, estimate
                               ? _("Estimated from the offline cache: the hub counts again when the replay is sent")
                               : _("As the hub counted them"));
  while ((row = gtk_list_box_get_row_at_index (self->type_list, 0)) != NULL)
    gtk_list_box_remove (self->type_list, GTK_WIDGET (row));
  for (GList *l = types; l != NULL; l = l->next)
    {
      AdwActionRow *type_row = ADW_ACTION_ROW (adw_action_row_new ());
      g_autofree char *n = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (by_type, l->data));

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (type_row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (type_row), l->data);
      adw_action_row_add_suffix (type_row, gtk_label_new (n));
      gtk_list_box_append (self->type_list, GTK_WIDGET (type_row));
    }
  gtk_widget_set_visible (GTK_WIDGET (self->type_list), types != NULL);
  update_buttons (self);
}

static void
dry_run_failed (HwReplayDialog *self,
                const char     *message)
{
  self->running_dry_run = FALSE;
  gtk_label_set_label (self->count_label, "—");
  adw_action_row_set_subtitle (self->count_row, message);
  update_buttons (self);
}

static void
on_estimated (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(HwReplayDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = hw_dry_run_estimate_finish (result, &error);

  if (answer == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        dry_run_failed (self, error->message);
      return;
    }
  show_dry_run (self, json_object_get_int_member (answer, "count"), hw_json_member_object (answer, "by_type"),
                TRUE);
}

static void
estimate_from_cache (HwReplayDialog *self,
                     JsonObject     *body)
{
  HwEventStore *store = hw_connection_get_store (self->connection);

  if (store == NULL)
    {
      dry_run_failed (self, _("The hub is unreachable and nothing is cached yet: no dry run is possible"));
      return;
    }
  hw_dry_run_estimate_async (store, HW_COMMAND_KIND_REPLAY, body, self->cancellable, on_estimated,
                             g_object_ref (self));
}

static void
on_dry_run (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(HwReplayDialog) self = user_data;
  g_autoptr(HwHubSubmitResult) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) body = NULL;

  answer = hw_hub_client_submit_finish (HW_HUB_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (g_error_matches (error, HW_ERROR, HW_ERROR_FORBIDDEN))
    {
      g_autofree char *reason = hw_command_forbidden_reason (error->message);

      hw_command_queue_set_forbidden (self->queue, reason);
      dry_run_failed (self, reason);
      return;
    }
  if (g_error_matches (error, HW_ERROR, HW_ERROR_UNAVAILABLE)
      && (body = build_body (self, NULL)) != NULL)
    {
      estimate_from_cache (self, body);
      return;
    }
  if (answer == NULL)
    {
      dry_run_failed (self, error->message);
      return;
    }
  show_dry_run (self, answer->count,
                hw_json_member_object (answer->raw, "by_type"), FALSE);
}

void
hw_replay_dialog_dry_run (HwReplayDialog *self)
{
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (HW_IS_REPLAY_DIALOG (self));

  if ((body = build_body (self, &error)) == NULL)
    {
      dry_run_failed (self, error->message);
      return;
    }
  self->running_dry_run = TRUE;
  adw_action_row_set_subtitle (self->count_row, _("Counting…"));
  update_buttons (self);
  if (!reachable (self))
    {
      estimate_from_cache (self, body);
      return;
    }
  hw_hub_client_submit_async (hw_connection_get_client (self->connection), HW_HUB_SUBMIT_REPLAY, body,
                              TRUE, NULL, self->cancellable, on_dry_run, g_object_ref (self));
}

/* Progress ----------------------------------------------------------------------- */

static void
on_tracker_updated (HwReplayDialog *self)
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
      g_autofree char *job_text = NULL;

      /* TRANSLATORS: progress of a replay job */
      counts = g_strdup_printf (_("%" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " sent · %" G_GINT64_FORMAT
                                  " acknowledged · %" G_GINT64_FORMAT " failed"),
                                job->sent, job->total, job->acked, job->failed);
      gtk_label_set_label (self->counts_label, counts);
      job_text = g_strdup_printf (_("Job %s, asked by %s"), job->id,
                                  job->requested_by != NULL ? job->requested_by : "?");
      gtk_label_set_label (self->job_label, job_text);
    }
  update_buttons (self);
}

static void
on_enqueued (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(HwReplayDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = hw_command_queue_enqueue_finish (HW_COMMAND_QUEUE (source), result, &error);

  self->starting = FALSE;
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

void
hw_replay_dialog_start (HwReplayDialog *self)
{
  g_autoptr(JsonObject) body = NULL;

  g_return_if_fail (HW_IS_REPLAY_DIALOG (self));

  update_buttons (self);
  if (self->blocked_reason != NULL || self->starting || (body = build_body (self, NULL)) == NULL)
    return;
  self->starting = TRUE;
  gtk_stack_set_visible_child_name (self->stack, "progress");
  gtk_label_set_label (self->status_label, _("Queueing…"));
  update_buttons (self);
  hw_command_queue_enqueue_async (self->queue, HW_COMMAND_KIND_REPLAY, body, NULL, on_enqueued,
                                  g_object_ref (self));
}

static void
on_cancelled (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(HwReplayDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!hw_job_tracker_cancel_finish (HW_JOB_TRACKER (source), result, &error))
    gtk_label_set_label (self->status_label, error->message);
}

void
hw_replay_dialog_cancel (HwReplayDialog *self)
{
  g_return_if_fail (HW_IS_REPLAY_DIALOG (self));

  if (self->tracker != NULL && !hw_job_tracker_is_finished (self->tracker))
    hw_job_tracker_cancel_async (self->tracker, NULL, on_cancelled, g_object_ref (self));
}

static void
start_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  hw_replay_dialog_start (HW_REPLAY_DIALOG (widget));
}

static void
dry_run_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  hw_replay_dialog_dry_run (HW_REPLAY_DIALOG (widget));
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  HwReplayDialog *self = HW_REPLAY_DIALOG (widget);

  if (self->tracker != NULL && !hw_job_tracker_is_finished (self->tracker))
    {
      hw_replay_dialog_cancel (self);
      return;
    }
  gtk_window_close (GTK_WINDOW (self));
}

/* Public API ---------------------------------------------------------------------- */

HwReplayDialog *
hw_replay_dialog_new (GtkWindow    *parent,
                      HwConnection *connection,
                      const char   *listener,
                      const char   *query,
                      gint64        from_ms,
                      gint64        to_ms)
{
  HwReplayDialog *self;
  gint64 now = g_get_real_time () / 1000;
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;

  g_return_val_if_fail (HW_IS_CONNECTION (connection), NULL);

  self = g_object_new (HW_TYPE_REPLAY_DIALOG, "transient-for", parent, NULL);
  self->connection = g_object_ref (connection);
  self->queue = g_object_ref (hw_command_queue_get (connection));
  self->wanted_listener = g_strdup (listener);
  g_signal_connect_object (self->queue, "notify::can-operate", G_CALLBACK (update_buttons), self,
                           G_CONNECT_SWAPPED);
  from = hw_time_format_iso8601 (from_ms > 0 ? from_ms : now - HOUR_MS);
  to = hw_time_format_iso8601 (to_ms > 0 ? to_ms : now);
  hw_replay_dialog_set_range (self, from, to);
  hw_replay_dialog_set_query (self, query);
  load_listeners (self);
  return self;
}

void
hw_replay_dialog_set_listener (HwReplayDialog *self,
                               const char     *listener)
{
  g_return_if_fail (HW_IS_REPLAY_DIALOG (self));

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->listeners)); i++)
    if (g_strcmp0 (gtk_string_list_get_string (self->listeners, i), listener) == 0)
      adw_combo_row_set_selected (self->listener_row, i);
  g_free (self->wanted_listener);
  self->wanted_listener = g_strdup (listener);
}

void
hw_replay_dialog_set_range (HwReplayDialog *self,
                            const char     *from,
                            const char     *to)
{
  g_return_if_fail (HW_IS_REPLAY_DIALOG (self));

  gtk_editable_set_text (GTK_EDITABLE (self->from_row), from != NULL ? from : "");
  gtk_editable_set_text (GTK_EDITABLE (self->to_row), to != NULL ? to : "");
}

void
hw_replay_dialog_set_query (HwReplayDialog *self,
                            const char     *query)
{
  g_return_if_fail (HW_IS_REPLAY_DIALOG (self));

  gtk_editable_set_text (GTK_EDITABLE (self->query_row), query != NULL ? query : "");
}

void
hw_replay_dialog_set_rate (HwReplayDialog *self,
                           double          rate,
                           guint           parallel)
{
  g_return_if_fail (HW_IS_REPLAY_DIALOG (self));

  gtk_spin_button_set_value (self->rate_spin, rate);
  gtk_spin_button_set_value (self->parallel_spin, parallel);
}

char *
hw_replay_dialog_dup_listener (HwReplayDialog *self)
{
  g_return_val_if_fail (HW_IS_REPLAY_DIALOG (self), NULL);

  return g_strdup (selected_listener (self));
}

guint
hw_replay_dialog_get_n_listeners (HwReplayDialog *self)
{
  g_return_val_if_fail (HW_IS_REPLAY_DIALOG (self), 0);

  return g_list_model_get_n_items (G_LIST_MODEL (self->listeners));
}

const char *
hw_replay_dialog_get_from_text (HwReplayDialog *self)
{
  g_return_val_if_fail (HW_IS_REPLAY_DIALOG (self), NULL);

  return gtk_editable_get_text (GTK_EDITABLE (self->from_row));
}

const char *
hw_replay_dialog_get_query_text (HwReplayDialog *self)
{
  g_return_val_if_fail (HW_IS_REPLAY_DIALOG (self), NULL);

  return gtk_editable_get_text (GTK_EDITABLE (self->query_row));
}

gint64
hw_replay_dialog_get_dry_run_count (HwReplayDialog *self)
{
  g_return_val_if_fail (HW_IS_REPLAY_DIALOG (self), -1);

  return self->dry_run_valid ? self->dry_run_count : -1;
}

gint64
hw_replay_dialog_get_dry_run_type_count (HwReplayDialog *self,
                                         const char     *type)
{
  g_return_val_if_fail (HW_IS_REPLAY_DIALOG (self), 0);

  if (self->by_type == NULL)
    return 0;
  return json_object_get_int_member_with_default (self->by_type, type, 0);
}

const char *
hw_replay_dialog_get_blocked_reason (HwReplayDialog *self)
{
  g_return_val_if_fail (HW_IS_REPLAY_DIALOG (self), NULL);

  update_buttons (self);
  return self->blocked_reason;
}

const char *
hw_replay_dialog_get_command_key (HwReplayDialog *self)
{
  g_return_val_if_fail (HW_IS_REPLAY_DIALOG (self), NULL);

  return self->tracker != NULL ? hw_job_tracker_get_key (self->tracker) : NULL;
}

gboolean
hw_replay_dialog_is_finished (HwReplayDialog *self)
{
  g_return_val_if_fail (HW_IS_REPLAY_DIALOG (self), FALSE);

  return self->tracker != NULL && hw_job_tracker_is_finished (self->tracker);
}

const char *
hw_replay_dialog_get_status (HwReplayDialog *self)
{
  g_return_val_if_fail (HW_IS_REPLAY_DIALOG (self), NULL);

  return self->status;
}

/* win.replay ---------------------------------------------------------------------- */

static void
on_replay_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  GtkWindow *window = GTK_WINDOW (user_data);
  HwConnection *connection = HW_IS_WINDOW (window) ? hw_window_get_connection (HW_WINDOW (window)) : NULL;
  const char *query = NULL;
  gint64 from_ms = 0, to_ms = 0;
  HwReplayDialog *dialog;

  if (connection == NULL)
    return;
  if (parameter != NULL)
    g_variant_get (parameter, "(&sxx)", &query, &from_ms, &to_ms);
  dialog = hw_replay_dialog_new (window, connection, NULL, query, from_ms, to_ms);
  gtk_window_present (GTK_WINDOW (dialog));
}

void
hw_replay_dialog_install_action (GtkApplicationWindow *window)
{
  g_autoptr(GSimpleAction) action = NULL;

  g_return_if_fail (GTK_IS_APPLICATION_WINDOW (window));

  action = g_simple_action_new ("replay", G_VARIANT_TYPE ("(sxx)"));
  g_signal_connect_object (action, "activate", G_CALLBACK (on_replay_activated), window, 0);
  g_action_map_add_action (G_ACTION_MAP (window), G_ACTION (action));
}

/* Life cycle ---------------------------------------------------------------------- */

static void
hw_replay_dialog_dispose (GObject *object)
{
  HwReplayDialog *self = HW_REPLAY_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->tracker);
  g_clear_object (&self->queue);
  g_clear_object (&self->connection);
  gtk_widget_dispose_template (GTK_WIDGET (self), HW_TYPE_REPLAY_DIALOG);
  g_clear_object (&self->listeners);

  G_OBJECT_CLASS (hw_replay_dialog_parent_class)->dispose (object);
}

static void
hw_replay_dialog_finalize (GObject *object)
{
  HwReplayDialog *self = HW_REPLAY_DIALOG (object);

  g_free (self->wanted_listener);
  g_free (self->blocked_reason);
  g_free (self->status);
  g_clear_pointer (&self->by_type, json_object_unref);

  G_OBJECT_CLASS (hw_replay_dialog_parent_class)->finalize (object);
}

static void
hw_replay_dialog_class_init (HwReplayDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hw_replay_dialog_dispose;
  object_class->finalize = hw_replay_dialog_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/hw-replay-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, HwReplayDialog, back_button);
  gtk_widget_class_bind_template_child (widget_class, HwReplayDialog, start_button);
  gtk_widget_class_bind_template_child (widget_class, HwReplayDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, HwReplayDialog, listener_row);
  gtk_widget_class_bind_template_child (widget_class, HwReplayDialog, from_row);
  gtk_widget_class_bind_template_child (widget_class, HwReplayDialog, to_row);
  gtk_widget_class_bind_template_child (widget_class, HwReplayDialog, query_row);
  gtk_widget_class_bind_template_child (widget_class, HwReplayDialog, count_row);
  gtk_widget_class_bind_template_child (widget_class, HwReplayDialog, count_label);
  gtk_widget_class_bind_template_child (widget_class, HwReplayDialog, type_list);
  gtk_widget_class_bind_template_child (widget_class, HwReplayDialog, rate_spin);
  gtk_widget_class_bind_template_child (widget_class, HwReplayDialog, parallel_spin);
  gtk_widget_class_bind_template_child (widget_class, HwReplayDialog, status_label);
  gtk_widget_class_bind_template_child (widget_class, HwReplayDialog, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, HwReplayDialog, counts_label);
  gtk_widget_class_bind_template_child (widget_class, HwReplayDialog, job_label);
  gtk_widget_class_bind_template_callback (widget_class, on_form_changed);

  gtk_widget_class_install_action (widget_class, "replay.start", NULL, start_action);
  gtk_widget_class_install_action (widget_class, "replay.dry-run", NULL, dry_run_action);
  gtk_widget_class_install_action (widget_class, "replay.back", NULL, back_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_d, GDK_CONTROL_MASK, "replay.dry-run", NULL);
}

static void
hw_replay_dialog_init (HwReplayDialog *self)
{
  self->cancellable = g_cancellable_new ();
  self->listeners = gtk_string_list_new (NULL);
  self->dry_run_count = -1;
  gtk_widget_init_template (GTK_WIDGET (self));
  adw_combo_row_set_model (self->listener_row, G_LIST_MODEL (self->listeners));
  gtk_widget_set_visible (GTK_WIDGET (self->type_list), FALSE);
}
