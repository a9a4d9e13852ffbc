/* hw-test-listener.c: a real HTTP listener function for hub delivery tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-http-listen.h"
#include "hw-test-listener.h"

static void
batch_free (HwTestBatch *batch)
{
  g_free (batch->body);
  g_clear_pointer (&batch->records, json_node_unref);
  g_ptr_array_unref (batch->event_ids);
  g_ptr_array_unref (batch->partition_keys);
  g_ptr_array_unref (batch->events);
  g_free (batch);
}

static HwTestBatch *
batch_parse (GBytes *body)
{
  HwTestBatch *batch = g_new0 (HwTestBatch, 1);
  g_autoptr(JsonNode) root = NULL;
  JsonArray *records;

  batch->body = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  batch->event_ids = g_ptr_array_new_with_free_func (g_free);
  batch->partition_keys = g_ptr_array_new_with_free_func (g_free);
  batch->events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);

  root = json_from_string (batch->body, NULL);
  g_assert_nonnull (root);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  batch->records = json_node_copy (json_object_get_member (json_node_get_object (root), "Records"));
  g_assert_nonnull (batch->records);
  records = json_node_get_array (batch->records);
  for (guint i = 0; i < json_array_get_length (records); i++)
    {
      JsonObject *kinesis = json_object_get_object_member (json_array_get_object_element (records, i), "kinesis");
      gsize length = 0;
      g_autofree guchar *data = g_base64_decode (json_object_get_string_member (kinesis, "data"), &length);
      g_autofree char *text = g_strndup ((const char *) data, length);
      JsonNode *event = json_from_string (text, NULL);

      g_assert_nonnull (event);
      g_ptr_array_add (batch->events, event);
      g_ptr_array_add (batch->event_ids,
                       g_strdup (json_object_get_string_member (json_node_get_object (event), "id")));
      g_ptr_array_add (batch->partition_keys, g_strdup (json_object_get_string_member (kinesis, "partitionKey")));
    }
  return batch;
}

static gboolean
should_fail (HwTestListener *listener,
             HwTestBatch    *batch)
{
  if (listener->fail_next > 0)
    {
      listener->fail_next--;
      return TRUE;
    }
  if (listener->fail_every > 0 && listener->batches->len % listener->fail_every == 0)
    return TRUE;
  if (listener->poison_id != NULL)
    for (guint i = 0; i < batch->event_ids->len; i++)
      if (g_str_equal (g_ptr_array_index (batch->event_ids, i), listener->poison_id))
        return TRUE;
  return FALSE;
}

#define GONE_KEY "hw-test-listener-gone"

/* The hub may give up on a batch (a timeout, a cancelled job) while the
 * answer is held back: unpausing a message whose connection is gone is a
 * critical in libsoup, so remember that it went. */
static void
on_message_gone (SoupServerMessage *msg)
{
  g_object_set_data (G_OBJECT (msg), GONE_KEY, GINT_TO_POINTER (TRUE));
}

static void
pause_watching (SoupServerMessage *msg)
{
  soup_server_message_pause (msg);
  g_signal_connect (msg, "disconnected", G_CALLBACK (on_message_gone), NULL);
  g_signal_connect (msg, "finished", G_CALLBACK (on_message_gone), NULL);
}

static void
unpause_if_connected (SoupServerMessage *msg)
{
  if (g_object_get_data (G_OBJECT (msg), GONE_KEY) == NULL)
    soup_server_message_unpause (msg);
}

static gboolean
on_delay_done (gpointer user_data)
{
  unpause_if_connected (user_data);
  return G_SOURCE_REMOVE;
}

static void
on_request (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  HwTestListener *listener = user_data;
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  HwTestBatch *batch = batch_parse (body);

  g_ptr_array_add (listener->batches, batch);
  if (listener->on_request != NULL)
    listener->on_request (batch, listener->on_request_data);
  if (listener->hold_after > 0 && hw_test_listener_n_acked (listener) >= listener->hold_after)
    {
      soup_server_message_set_status (msg, 503, NULL);
      pause_watching (msg);
      g_ptr_array_add (listener->held, g_object_ref (msg));
      return;
    }
  if (should_fail (listener, batch))
    soup_server_message_set_status (msg, 500, NULL);
  else
    {
      batch->acked = TRUE;
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, "{}", 2);
    }
  if (listener->delay_ms > 0)
    {
      pause_watching (msg);
      g_timeout_add_full (G_PRIORITY_DEFAULT, listener->delay_ms, on_delay_done,
                          g_object_ref (msg), g_object_unref);
    }
}

HwTestListener *
hw_test_listener_new (void)
{
  HwTestListener *listener = g_new0 (HwTestListener, 1);
  g_autoptr(GError) error = NULL;
  GSList *uris;
  GUri *uri;

  listener->batches = g_ptr_array_new_with_free_func ((GDestroyNotify) batch_free);
  listener->held = g_ptr_array_new_with_free_func (g_object_unref);
  listener->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (listener->server, "/fn", on_request, listener, NULL);
  hw_http_listen_loopback (listener->server, 0, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (listener->server);
  uri = uris->data;
  listener->url = g_strdup_printf ("http://127.0.0.1:%d/fn", g_uri_get_port (uri));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return listener;
}

void
hw_test_listener_free (HwTestListener *listener)
{
  if (listener == NULL)
    return;
  soup_server_disconnect (listener->server);
  g_object_unref (listener->server);
  g_ptr_array_unref (listener->held);
  g_ptr_array_unref (listener->batches);
  g_free (listener->poison_id);
  g_free (listener->url);
  g_free (listener);
}

void
hw_test_listener_release (HwTestListener *listener)
{
  listener->hold_after = 0;
  for (guint i = 0; i < listener->held->len; i++)
    unpause_if_connected (g_ptr_array_index (listener->held, i));
  g_ptr_array_set_size (listener->held, 0);
}

GPtrArray *
hw_test_listener_acked_ids (HwTestListener *listener)
{
  GPtrArray *ids = g_ptr_array_new ();

  for (guint i = 0; i < listener->batches->len; i++)
    {
      HwTestBatch *batch = g_ptr_array_index (listener->batches, i);

      if (batch->acked)
        for (guint j = 0; j < batch->event_ids->len; j++)
          g_ptr_array_add (ids, g_ptr_array_index (batch->event_ids, j));
    }
  return ids;
}

guint
hw_test_listener_n_acked (HwTestListener *listener)
{
  g_autoptr(GPtrArray) ids = hw_test_listener_acked_ids (listener);

  return ids->len;
}

gboolean
hw_test_listener_has_acked (HwTestListener *listener,
                            const char     *event_id)
{
  g_autoptr(GPtrArray) ids = hw_test_listener_acked_ids (listener);

  for (guint i = 0; i < ids->len; i++)
    if (g_str_equal (g_ptr_array_index (ids, i), event_id))
      return TRUE;
  return FALSE;
}

GHashTable *
hw_test_listener_acked_times (HwTestListener *listener)
{
  g_autoptr(GPtrArray) ids = hw_test_listener_acked_ids (listener);
  GHashTable *times = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < ids->len; i++)
    {
      const char *id = g_ptr_array_index (ids, i);
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (times, id));

      g_hash_table_insert (times, g_strdup (id), GUINT_TO_POINTER (n + 1));
    }
  return times;
}

guint
hw_test_count_repeats (GHashTable *times,
                       const char *type,
                       guint       first,
                       guint       n)
{
  guint repeats = 0;

  for (guint i = first; i < first + n; i++)
    {
      g_autofree char *id = g_strdup_printf ("%s-%06u", type, i);
      guint count = GPOINTER_TO_UINT (g_hash_table_lookup (times, id));

      if (count != 1)
        g_test_message ("%s acknowledged %u times", id, count);
      g_assert_cmpuint (count, >=, 1);
      repeats += count > 1;
    }
  return repeats;
}
