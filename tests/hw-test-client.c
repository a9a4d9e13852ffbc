/* hw-test-client.c: helpers for the HwHubClient tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-test-client.h"
#include "hw-test-util.h"

#define WAIT_MS 20000

void
hw_test_waiter_done (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  HwTestWaiter *waiter = user_data;

  g_assert_null (waiter->result);
  waiter->result = g_object_ref (result);
}

static gboolean
waiter_done (gpointer user_data)
{
  return ((HwTestWaiter *) user_data)->result != NULL;
}

GAsyncResult *
hw_test_waiter_wait (HwTestWaiter *waiter)
{
  g_assert_true (hw_test_wait_until (waiter_done, waiter, WAIT_MS));
  return waiter->result;
}

void
hw_test_waiter_clear (HwTestWaiter *waiter)
{
  g_clear_object (&waiter->result);
}

SoupServer *
hw_test_soup_server_start (SoupServerCallback   handler,
                           gpointer             user_data,
                           char               **out_url)
{
  g_autoptr(GError) error = NULL;
  SoupServer *server = soup_server_new (NULL, NULL);
  GSList *uris;

  soup_server_add_handler (server, NULL, handler, user_data, NULL);
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  *out_url = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  /* No trailing slash, like a hub URL. */
  if (g_str_has_suffix (*out_url, "/"))
    (*out_url)[strlen (*out_url) - 1] = '\0';
  return server;
}

void
hw_test_soup_reply (SoupServerMessage *msg,
                    guint              status,
                    const char        *content_type,
                    const char        *body)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, content_type, SOUP_MEMORY_COPY, body, strlen (body));
}

GError *
hw_test_client_count_error (HwHubClient *client,
                            const char  *query)
{
  GError *error = NULL;
  HwTestWaiter w = { 0 };

  hw_hub_client_count_events_async (client, query, NULL, NULL, NULL, hw_test_waiter_done, &w);
  g_assert_cmpint (hw_hub_client_count_events_finish (client, hw_test_waiter_wait (&w), &error), ==, -1);
  hw_test_waiter_clear (&w);
  g_assert_nonnull (error);
  return error;
}
