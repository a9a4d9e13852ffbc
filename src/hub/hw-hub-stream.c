/* hw-hub-stream.c: GET /v1/stream, WebSocket push with resumption by event seq
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-error.h"
#include "hw-event-store.h"
#include "hw-hub-http.h"
#include "hw-hub-stream.h"

/* Events per catch-up slice: a client resuming far behind is fed in slices
 * from idle callbacks so it cannot monopolise the main loop. */
#define CATCH_UP_SLICE 500

typedef struct
{
  HwHubStream             *stream;
  SoupWebsocketConnection *connection;
  gint64                   cursor;   /* highest event seq sent */
} Client;

struct _HwHubStream
{
  HwHub     *hub;       /* not owned: the hub owns the stream */
  GPtrArray *clients;   /* Client* */
  guint      catch_up_id;
};

static void
client_free (Client *client)
{
  g_signal_handlers_disconnect_by_data (client->connection, client);
  g_clear_object (&client->connection);
  g_free (client);
}

static gboolean
client_is_open (Client *client)
{
  return soup_websocket_connection_get_state (client->connection) == SOUP_WEBSOCKET_STATE_OPEN;
}

/* Sends up to one slice; returns TRUE when the client may have more. */
static gboolean
client_catch_up (HwHubStream *self,
                 Client      *client)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;

  if (!client_is_open (client))
    return FALSE;
  rows = hw_event_store_events_after (hw_hub_get_store (self->hub), client->cursor, CATCH_UP_SLICE,
                                      NULL, &error);
  if (rows == NULL)
    {
      g_warning ("stream: cannot read events after %" G_GINT64_FORMAT ": %s", client->cursor, error->message);
      return FALSE;
    }
  for (guint i = 0; i < rows->len; i++)
    {
      HwEventRow *row = g_ptr_array_index (rows, i);
      g_autofree char *text = NULL;

      /* The stored body is already JSON: splice it in instead of re-parsing. */
      text = g_strdup_printf ("{\"kind\":\"%s\",\"seq\":%" G_GINT64_FORMAT ",\"received_ms\":%"
                              G_GINT64_FORMAT ",\"data\":%s}",
                              row->is_fault ? "fault" : "event", row->seq, row->received_ms,
                              row->json != NULL ? row->json : "null");
      soup_websocket_connection_send_text (client->connection, text);
      client->cursor = row->seq;
    }
  return rows->len == CATCH_UP_SLICE;
}

static gboolean
catch_up_all (gpointer user_data)
{
  HwHubStream *self = user_data;
  gboolean more = FALSE;

  for (guint i = 0; i < self->clients->len; i++)
    more |= client_catch_up (self, g_ptr_array_index (self->clients, i));
  if (more)
    return G_SOURCE_CONTINUE;
  self->catch_up_id = 0;
  return G_SOURCE_REMOVE;
}

static void
schedule_catch_up (HwHubStream *self)
{
  if (self->catch_up_id == 0)
    self->catch_up_id = g_idle_add (catch_up_all, self);
}

static void
on_closed (SoupWebsocketConnection *connection,
           gpointer                 user_data)
{
  Client *client = user_data;

  g_ptr_array_remove (client->stream->clients, client);
}

static void
on_message (SoupWebsocketConnection *connection,
            gint                     type,
            GBytes                  *message,
            gpointer                 user_data)
{
  /* The stream is push-only; client messages are ignored (pings are handled
   * by libsoup). */
}

static gint64
parse_after (SoupServerMessage *msg,
             HwHubStream       *self)
{
  const char *query = g_uri_get_query (soup_server_message_get_uri (msg));
  g_autoptr(GHashTable) params = NULL;
  const char *after;
  guint64 value = 0;
  gint64 newest;

  if (query != NULL)
    params = g_uri_parse_params (query, -1, "&", G_URI_PARAMS_NONE, NULL);
  after = params != NULL ? g_hash_table_lookup (params, "after") : NULL;
  if (after != NULL && g_ascii_string_to_unsigned (after, 10, 0, G_MAXINT64, &value, NULL))
    return (gint64) value;
  /* No resume point: only what arrives from now on. */
  newest = hw_event_store_get_max_seq (hw_hub_get_store (self->hub), NULL);
  return MAX (0, newest);
}

static void
on_websocket (SoupServer              *server,
              SoupServerMessage       *msg,
              const char              *path,
              SoupWebsocketConnection *connection,
              gpointer                 user_data)
{
  HwHubStream *self = user_data;
  Client *client = g_new0 (Client, 1);

  client->stream = self;
  client->connection = g_object_ref (connection);
  client->cursor = parse_after (msg, self);
  soup_websocket_connection_set_keepalive_interval (connection, 30);
  g_signal_connect (connection, "closed", G_CALLBACK (on_closed), client);
  g_signal_connect (connection, "message", G_CALLBACK (on_message), client);
  g_ptr_array_add (self->clients, client);
  schedule_catch_up (self);
}

/* Runs before libsoup's handshake check: it authenticates (through the hub
 * pipeline) and validates ?after; leaving the status unset lets the
 * WebSocket handshake proceed. */
static void
stream_route (HwHubRequest *request,
              gpointer      user_data)
{
  const char *after = hw_hub_request_get_query (request, "after");
  const char *upgrade = hw_hub_request_get_header (request, "Upgrade");
  guint64 value;

  if (after != NULL && !g_ascii_string_to_unsigned (after, 10, 0, G_MAXINT64, &value, NULL))
    {
      hw_hub_reply_error (request->msg, SOUP_STATUS_BAD_REQUEST, "protocol_error",
                          "parameter 'after': expected a sequence number, got '%s'", after);
      return;
    }
  if (upgrade == NULL || g_ascii_strcasecmp (upgrade, "websocket") != 0)
    hw_hub_reply_error (request->msg, SOUP_STATUS_BAD_REQUEST, "protocol_error",
                        "GET /v1/stream is a WebSocket: send an Upgrade: websocket handshake");
}

HwHubStream *
hw_hub_stream_new (HwHub *hub)
{
  HwHubStream *self = g_new0 (HwHubStream, 1);

  self->hub = hub;
  self->clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);
  soup_server_add_websocket_handler (hw_hub_get_server (hub), "/v1/stream", NULL, NULL,
                                     on_websocket, self, NULL);
  hw_hub_add_route (hub, "GET", "/v1/stream", HW_ROLE_VIEWER, stream_route, self);
  return self;
}

void
hw_hub_stream_close_all (HwHubStream *self)
{
  g_autoptr(GPtrArray) clients = NULL;

  g_return_if_fail (self != NULL);

  g_clear_handle_id (&self->catch_up_id, g_source_remove);
  clients = g_ptr_array_copy (self->clients, NULL, NULL);
  for (guint i = 0; i < clients->len; i++)
    {
      Client *client = g_ptr_array_index (clients, i);

      if (client_is_open (client))
        soup_websocket_connection_close (client->connection, SOUP_WEBSOCKET_CLOSE_GOING_AWAY,
                                         "hub shutting down");
    }
}

void
hw_hub_stream_free (HwHubStream *self)
{
  if (self == NULL)
    return;
  g_clear_handle_id (&self->catch_up_id, g_source_remove);
  g_ptr_array_unref (self->clients);
  g_free (self);
}

void
hw_hub_stream_broadcast (HwHubStream *self,
                         const char  *kind,
                         gint64       seq,
                         JsonNode    *payload)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  g_return_if_fail (self != NULL);

  if (self->clients->len == 0)
    return;
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "kind");
  json_builder_add_string_value (builder, kind);
  if (seq >= 0)
    {
      json_builder_set_member_name (builder, "seq");
      json_builder_add_int_value (builder, seq);
    }
  json_builder_set_member_name (builder, "data");
  json_builder_add_value (builder, json_node_copy (payload));
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  text = json_to_string (root, FALSE);

  for (guint i = 0; i < self->clients->len; i++)
    {
      Client *client = g_ptr_array_index (self->clients, i);

      if (client_is_open (client))
        soup_websocket_connection_send_text (client->connection, text);
    }
}

void
hw_hub_stream_events_appended (HwHubStream *self)
{
  g_return_if_fail (self != NULL);

  if (self->clients->len > 0)
    schedule_catch_up (self);
}

guint
hw_hub_stream_get_n_clients (HwHubStream *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->clients->len;
}
