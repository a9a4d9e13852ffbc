/* hw-hub-subscription.c: the /v1/stream WebSocket, one signal per pushed message
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-error.h"
#include "hw-hub-client-private.h"
#include "hw-hub-subscription.h"

/* Events may be 256 KiB (and more on a hub configured so); libsoup's default
 * of 128 KiB would drop the connection on the first big one. */
#define MAX_MESSAGE_BYTES  (8 * 1024 * 1024)
#define KEEPALIVE_S        15

struct _HwHubSubscription
{
  GObject                  parent_instance;

  SoupWebsocketConnection *connection;
  guint64                  last_seq;
  GError                  *error;
  gboolean                 closed_by_us;
  gboolean                 closed;
};

G_DEFINE_FINAL_TYPE (HwHubSubscription, hw_hub_subscription, G_TYPE_OBJECT)

enum {
  SIGNAL_MESSAGE,
  SIGNAL_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
hw_hub_subscription_dispose (GObject *object)
{
  HwHubSubscription *self = HW_HUB_SUBSCRIPTION (object);

  if (self->connection != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->connection, self);
      if (soup_websocket_connection_get_state (self->connection) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (self->connection, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
      g_clear_object (&self->connection);
    }
  g_clear_error (&self->error);

  G_OBJECT_CLASS (hw_hub_subscription_parent_class)->dispose (object);
}

static void
hw_hub_subscription_class_init (HwHubSubscriptionClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = hw_hub_subscription_dispose;

  signals[SIGNAL_MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_UINT64, JSON_TYPE_NODE);
  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
hw_hub_subscription_init (HwHubSubscription *self)
{
}

static void
fail (HwHubSubscription *self,
      GError      *error)
{
  if (self->error == NULL)
    self->error = error;
  else
    g_error_free (error);
  if (soup_websocket_connection_get_state (self->connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->connection, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, NULL);
}

static void
on_message (SoupWebsocketConnection *connection,
            gint                     type,
            GBytes                  *message,
            gpointer                 user_data)
{
  HwHubSubscription *self = user_data;
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  gsize len;
  const char *text = g_bytes_get_data (message, &len);
  JsonNode *root = NULL;
  JsonObject *object;
  JsonNode *data;
  const char *kind;
  gint64 seq;

  if (type != SOUP_WEBSOCKET_DATA_TEXT
      || (root = hw_hub_json_parse (parser, text, len, "A stream message", NULL)) == NULL
      || !JSON_NODE_HOLDS_OBJECT (root))
    {
      fail (self, g_error_new (HW_ERROR, HW_ERROR_PROTOCOL,
                               "The hub's stream sent a message that is not a JSON object"));
      return;
    }
  object = json_node_get_object (root);
  kind = hw_json_get_string (object, "kind");
  if (kind == NULL)
    {
      fail (self, g_error_new (HW_ERROR, HW_ERROR_PROTOCOL, "The hub's stream sent a message without \"kind\""));
      return;
    }
  seq = MAX (hw_json_get_int (object, "seq"), 0);
  data = json_object_get_member (object, "data");
  if ((g_str_equal (kind, "event") || g_str_equal (kind, "fault")) && (guint64) seq > self->last_seq)
    self->last_seq = seq;

  g_object_ref (self);
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, kind, (guint64) seq, data);
  g_object_unref (self);
}

static void
on_error (SoupWebsocketConnection *connection,
          GError                  *error,
          gpointer                 user_data)
{
  HwHubSubscription *self = user_data;

  if (self->error == NULL)
    self->error = g_error_new (HW_ERROR, HW_ERROR_UNAVAILABLE, "The hub's stream failed: %s", error->message);
}

static void
on_closed (SoupWebsocketConnection *connection,
           gpointer                 user_data)
{
  HwHubSubscription *self = user_data;
  g_autoptr(GError) error = NULL;

  if (self->closed)
    return;
  self->closed = TRUE;
  if (!self->closed_by_us)
    error = self->error != NULL ? g_error_copy (self->error)
                                : g_error_new (HW_ERROR, HW_ERROR_UNAVAILABLE,
                                               "The hub closed the stream (code %u)",
                                               soup_websocket_connection_get_close_code (connection));
  g_object_ref (self);
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0, error);
  g_object_unref (self);
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HwHubClient *client = g_task_get_source_object (task);
  SoupMessage *msg = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *connection;
  HwHubSubscription *self;
  guint status;

  connection = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (connection == NULL)
    {
      status = soup_message_get_status (msg);
      if (status == 401 || status == 403)
        g_task_return_new_error (task, HW_ERROR,
                                 status == 401 ? HW_ERROR_UNAUTHORIZED : HW_ERROR_FORBIDDEN,
                                 "The hub refused the stream (HTTP %u)", status);
      else if (status == 404)
        g_task_return_new_error (task, HW_ERROR, HW_ERROR_NOT_FOUND, "The hub has no stream endpoint");
      else
        g_task_return_error (task, hw_hub_client_map_transport_error (client, error));
      return;
    }

  self = g_object_new (HW_TYPE_HUB_SUBSCRIPTION, NULL);
  self->connection = connection;
  self->last_seq = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (task), "after"));
  soup_websocket_connection_set_max_incoming_payload_size (connection, MAX_MESSAGE_BYTES);
  soup_websocket_connection_set_keepalive_interval (connection, KEEPALIVE_S);
  g_signal_connect (connection, "message", G_CALLBACK (on_message), self);
  g_signal_connect (connection, "error", G_CALLBACK (on_error), self);
  g_signal_connect (connection, "closed", G_CALLBACK (on_closed), self);
  g_task_return_pointer (task, self, g_object_unref);
}

void
hw_hub_client_subscribe_async (HwHubClient         *client,
                                 guint64              after,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *path = NULL;
  GError *error = NULL;
  SoupMessage *msg;

  g_return_if_fail (HW_IS_HUB_CLIENT (client));

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, hw_hub_client_subscribe_async);
  /* seqs fit a pointer on every platform we build for (64-bit). */
  g_object_set_data (G_OBJECT (task), "after", GSIZE_TO_POINTER ((gsize) after));

  path = g_strdup_printf ("/v1/stream?after=%" G_GUINT64_FORMAT, after);
  msg = hw_hub_client_new_message (client, "GET", path, &error);
  if (msg == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_set_task_data (task, msg, g_object_unref);
  soup_session_websocket_connect_async (hw_hub_client_get_session (client), msg, NULL, NULL,
                                        G_PRIORITY_DEFAULT, cancellable, on_connected,
                                        g_steal_pointer (&task));
}

HwHubSubscription *
hw_hub_client_subscribe_finish (HwHubClient   *client,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hw_hub_client_subscribe_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

guint64
hw_hub_subscription_get_last_seq (HwHubSubscription *self)
{
  g_return_val_if_fail (HW_IS_HUB_SUBSCRIPTION (self), 0);

  return self->last_seq;
}

gboolean
hw_hub_subscription_is_open (HwHubSubscription *self)
{
  g_return_val_if_fail (HW_IS_HUB_SUBSCRIPTION (self), FALSE);

  return !self->closed && self->connection != NULL
         && soup_websocket_connection_get_state (self->connection) == SOUP_WEBSOCKET_STATE_OPEN;
}

void
hw_hub_subscription_close (HwHubSubscription *self)
{
  g_return_if_fail (HW_IS_HUB_SUBSCRIPTION (self));

  self->closed_by_us = TRUE;
  if (self->connection != NULL
      && soup_websocket_connection_get_state (self->connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
}
