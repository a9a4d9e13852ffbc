/* hw-hub-system-publish.c: system events and audits written through the JetStream engine's system stream
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-error.h"
#include "hw-hub-http.h"
#include "hw-hub-lake.h"
#include "hw-hub-private.h"
#include "hw-hub-system-mirror.h"

/* An audit records an action already done, which nobody waits for: it is
 * sent again rather than lost while the cluster elects leaders or gets
 * its quorum back, each attempt waiting for the stream's acknowledgement
 * (10 s at most), then this long, doubled every time. */
#define AUDIT_ATTEMPTS 6
#define AUDIT_FIRST_BACKOFF_US (500 * G_TIME_SPAN_MILLISECOND)

typedef struct
{
  HwHub               *hub;
  HwHubLake           *lake;        /* held until the thread is done with it */
  HwHubRequest        *request;     /* NULL for an audit */
  GPtrArray           *msg_ids;     /* char* */
  GPtrArray           *messages;    /* GBytes* */
  gint64              *seqs;
  gboolean            *duplicates;
  HwHubSystemPublished done;
  gpointer             data;
  GDestroyNotify       data_free;
} Publish;

static void
publish_free (Publish *publish)
{
  g_clear_pointer (&publish->request, hw_hub_request_unref);
  g_ptr_array_unref (publish->msg_ids);
  g_ptr_array_unref (publish->messages);
  g_free (publish->seqs);
  g_free (publish->duplicates);
  if (publish->data_free != NULL)
    publish->data_free (publish->data);
  g_object_unref (publish->hub);
  g_free (publish);
}

const char *
hw_hub_system_event_ensure_id (JsonObject *object)
{
  if (!json_object_has_member (object, "id"))
    {
      g_autofree char *id = g_uuid_string_random ();

      json_object_set_string_member (object, "id", id);
    }
  return json_object_get_string_member (object, "id");
}

/* NULL when the lake is being freed; messages are added next. */
static Publish *
publish_new (HwHub *hub,
             guint  n)
{
  HwHubLake *lake = hw_hub_get_lake (hub);
  Publish *publish;

  if (lake == NULL || !hw_hub_lake_hold (lake))
    return NULL;
  publish = g_new0 (Publish, 1);
  publish->hub = g_object_ref (hub);
  publish->lake = lake;
  publish->msg_ids = g_ptr_array_new_with_free_func (g_free);
  publish->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  publish->seqs = g_new0 (gint64, n);
  publish->duplicates = g_new0 (gboolean, n);
  return publish;
}

/* Takes @message, about @event. */
static void
publish_add (Publish    *publish,
             JsonObject *event,
             GBytes     *message)
{
  const char *id = hw_hub_system_event_ensure_id (event);

  g_ptr_array_add (publish->msg_ids, hw_hub_system_message_id (id, message));
  g_ptr_array_add (publish->messages, message);
}

static Publish *
publish_new_for_events (HwHub     *hub,
                        GPtrArray *events,
                        GArray    *times)
{
  Publish *publish = publish_new (hub, events->len);

  for (guint i = 0; publish != NULL && i < events->len; i++)
    {
      JsonObject *event = g_ptr_array_index (events, i);

      hw_hub_system_event_ensure_id (event);
      publish_add (publish, event, hw_hub_system_message_new (event, g_array_index (times, gint64, i)));
    }
  return publish;
}

static gboolean
publish_once (Publish  *publish,
              GError  **error)
{
  return hw_hub_lake_publish_system (publish->lake, (const char * const *) publish->msg_ids->pdata,
                                     (GBytes * const *) publish->messages->pdata, publish->messages->len,
                                     publish->seqs, publish->duplicates, error);
}

/* Requests ------------------------------------------------------------------ */

static void
publish_in_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  Publish *publish = task_data;
  GError *error = NULL;
  gboolean published = publish_once (publish, &error);

  hw_hub_lake_release (publish->lake);
  if (published)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
on_published (GObject      *source_object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Publish *publish = g_task_get_task_data (G_TASK (result));
  SoupServerMessage *msg = publish->request->msg;
  g_autoptr(GError) error = NULL;

  if (hw_hub_message_is_gone (msg))
    return;
  if (g_task_propagate_boolean (G_TASK (result), &error))
    publish->done (publish->request, publish->seqs, publish->duplicates, publish->data);
  else
    hw_hub_reply_gerror (msg, error);
  hw_hub_message_resume (msg);
}

/* Answers @request with 503 when @publish could not be made (the lake is
 * being freed); otherwise sends it on a thread and calls @done with the
 * result. */
static void
publish_for_request (Publish              *publish,
                     HwHubRequest         *request,
                     HwHubSystemPublished  done,
                     gpointer              data,
                     GDestroyNotify        data_free)
{
  g_autoptr(GTask) task = NULL;

  if (publish == NULL)
    {
      if (data_free != NULL)
        data_free (data);
      hw_hub_reply_error (request->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "unavailable",
                          "the hub is shutting down; retry");
      return;
    }
  publish->request = hw_hub_request_ref (request);
  publish->done = done;
  publish->data = data;
  publish->data_free = data_free;
  task = g_task_new (NULL, NULL, on_published, NULL);
  g_task_set_task_data (task, publish, (GDestroyNotify) publish_free);
  g_task_set_source_tag (task, publish_for_request);
  hw_hub_message_pause (request->msg);
  g_task_run_in_thread (task, publish_in_thread);
}

void
hw_hub_publish_system_events (HwHubRequest         *request,
                              GPtrArray            *events,
                              GArray               *times,
                              HwHubSystemPublished  done,
                              gpointer              data,
                              GDestroyNotify        data_free)
{
  publish_for_request (publish_new_for_events (request->hub, events, times), request, done, data, data_free);
}

void
hw_hub_publish_system_change (HwHubRequest         *request,
                              JsonObject           *event,
                              gint64                ts_ms,
                              gint64                base_seq,
                              HwHubSystemPublished  done,
                              gpointer              data,
                              GDestroyNotify        data_free)
{
  Publish *publish = publish_new (request->hub, 1);

  if (publish != NULL)
    publish_add (publish, event, hw_hub_system_change_message_new (event, ts_ms, base_seq));
  publish_for_request (publish, request, done, data, data_free);
}

/* Sends of the caller's ------------------------------------------------------ */

struct _HwHubSystemSend
{
  Publish  *publish;
  gboolean  holds_lake;   /* until send() is done with it */
};

HwHubSystemSend *
hw_hub_system_send_prepare (HwHub      *hub,
                            JsonObject *event,
                            gint64      ts_ms)
{
  Publish *publish = publish_new (hub, 1);
  HwHubSystemSend *send;

  if (publish == NULL)
    return NULL;
  publish_add (publish, event, hw_hub_system_message_new (event, ts_ms));
  send = g_new0 (HwHubSystemSend, 1);
  send->publish = publish;
  send->holds_lake = TRUE;
  return send;
}

gboolean
hw_hub_system_send (HwHubSystemSend  *send,
                    GCancellable     *cancellable,
                    GError          **error)
{
  gboolean sent;

  g_return_val_if_fail (send->holds_lake, FALSE);

  sent = !g_cancellable_set_error_if_cancelled (cancellable, error) && publish_once (send->publish, error);
  send->holds_lake = FALSE;
  hw_hub_lake_release (send->publish->lake);
  return sent;
}

void
hw_hub_system_send_free (HwHubSystemSend *send)
{
  if (send == NULL)
    return;
  if (send->holds_lake)
    hw_hub_lake_release (send->publish->lake);
  publish_free (send->publish);
  g_free (send);
}

/* Audits -------------------------------------------------------------------- */

/* Waits @us unless the lake is being freed: FALSE then. */
static gboolean
back_off (Publish *publish,
          gint64   us)
{
  for (gint64 until = g_get_monotonic_time () + us; g_get_monotonic_time () < until;)
    {
      if (hw_hub_lake_is_closing (publish->lake))
        return FALSE;
      g_usleep (MIN (until - g_get_monotonic_time (), 100 * G_TIME_SPAN_MILLISECOND));
    }
  return !hw_hub_lake_is_closing (publish->lake);
}

static void
publish_audit_in_thread (GTask        *task,
                         gpointer      source_object,
                         gpointer      task_data,
                         GCancellable *cancellable)
{
  Publish *publish = task_data;
  const char *id = g_ptr_array_index (publish->msg_ids, 0);
  gint64 backoff = AUDIT_FIRST_BACKOFF_US;

  /* The message id stays the same: an attempt whose answer was lost is
   * stored once. */
  for (guint attempt = 1;; attempt++, backoff *= 2)
    {
      g_autoptr(GError) error = NULL;

      if (publish_once (publish, &error))
        break;
      if (attempt == AUDIT_ATTEMPTS || !back_off (publish, backoff))
        {
          g_warning ("audit %s not recorded after %u attempts: %s", id, attempt, error->message);
          break;
        }
      g_message ("audit %s not recorded yet (attempt %u of %u): %s; trying again", id, attempt,
                 AUDIT_ATTEMPTS, error->message);
    }
  hw_hub_lake_release (publish->lake);
  g_task_return_boolean (task, TRUE);
}

void
hw_hub_publish_audit (HwHub      *hub,
                      JsonObject *event,
                      gint64      ts_ms)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new ();
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GTask) task = NULL;
  Publish *publish;

  g_ptr_array_add (events, event);
  g_array_append_val (times, ts_ms);
  publish = publish_new_for_events (hub, events, times);
  if (publish == NULL)
    {
      g_warning ("audit %s not recorded: the hub is shutting down",
                 json_object_get_string_member_with_default (event, "action", "?"));
      return;
    }
  task = g_task_new (NULL, NULL, NULL, NULL);
  g_task_set_task_data (task, publish, (GDestroyNotify) publish_free);
  g_task_set_source_tag (task, hw_hub_publish_audit);
  g_task_run_in_thread (task, publish_audit_in_thread);
}
