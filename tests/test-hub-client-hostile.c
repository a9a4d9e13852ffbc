/* test-hub-client-hostile.c: HwHubClient against a lying hub and an untrusted TLS one
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-error.h"
#include "hw-hub-client.h"
#include "hw-test-client.h"
#include "hw-test-util.h"

/* ---- a lying hub ------------------------------------------------------------- */

/* This server is a MOCK OF A BROKEN HUB, not of hubwatchd: it answers the
 * API's paths with junk, bottomless bodies and silence, to prove that the
 * client turns each into an error without crashing or hanging. */

#define ENDLESS_CHUNK 65536

static void
on_wrote_chunk (SoupServerMessage *msg,
                gpointer           user_data)
{
  static char chunk[ENDLESS_CHUNK];
  gboolean ndjson = GPOINTER_TO_INT (user_data);
  guint sent = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (msg), "sent")) + 1;
  SoupMessageBody *body = soup_server_message_get_response_body (msg);

  g_object_set_data (G_OBJECT (msg), "sent", GUINT_TO_POINTER (sent));
  /* Bounded anyway, in case the client under test does not stop reading. */
  if (sent > 1024)
    {
      soup_message_body_complete (body);
      return;
    }
  if (ndjson)
    {
      g_autoptr(GString) lines = g_string_new (NULL);

      while (lines->len < ENDLESS_CHUNK)
        {
          static guint64 next_seq = 1000;
          guint64 seq = next_seq++;
          g_autofree char *event = NULL;

          event = g_strdup_printf ("{\"id\":\"x-%" G_GUINT64_FORMAT "\",\"type\":\"t\",\"timestamp\":1700000000000}", seq);
          g_string_append_printf (lines, "{\"seq\":%" G_GUINT64_FORMAT ",\"event\":%s}\n", seq, event);
        }
      soup_message_body_append (body, SOUP_MEMORY_COPY, lines->str, lines->len);
    }
  else
    {
      memset (chunk, '[', sizeof chunk);
      soup_message_body_append (body, SOUP_MEMORY_STATIC, chunk, sizeof chunk);
    }
  soup_server_message_unpause (msg);
}

static void
start_endless (SoupServerMessage *msg,
               const char        *content_type,
               gboolean           ndjson)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_server_message_set_status (msg, 200, NULL);
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_message_headers_set_content_type (headers, content_type, NULL);
  soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);
  g_signal_connect (msg, "wrote-chunk", G_CALLBACK (on_wrote_chunk), GINT_TO_POINTER (ndjson));
  on_wrote_chunk (msg, GINT_TO_POINTER (ndjson));
}

static void
liar_handler (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  const char *after = query != NULL ? g_hash_table_lookup (query, "after") : NULL;

  if (g_str_equal (path, "/v1/info"))
    hw_test_soup_reply (msg, 200, "application/json", "{\"name\": \"liar\", ");
  else if (g_str_equal (path, "/v1/events/count"))
    {
      g_autofree char *deep = g_strnfill (100000, '[');

      hw_test_soup_reply (msg, 200, "application/json", deep);
    }
  else if (g_str_equal (path, "/v1/jobs"))
    hw_test_soup_reply (msg, 200, "application/json", "{\"jobs\":[{\"kind\":\"replay\"}]}");
  else if (g_str_equal (path, "/v1/listeners"))
    start_endless (msg, "application/json", FALSE);
  else if (g_str_equal (path, "/v1/events") )
    hw_test_soup_reply (msg, 500, "text/html", "<html><body>Bad gateway</body></html>");
  else if (g_str_equal (path, "/v1/faults"))
    hw_test_soup_reply (msg, 401, "text/plain", "go away");
  else if (g_str_equal (path, "/v1/events/sync") && g_strcmp0 (after, "0") == 0)
    hw_test_soup_reply (msg, 200, "application/x-ndjson",
           "{\"seq\":1,\"event\":{\"id\":\"a\",\"type\":\"t\",\"timestamp\":1700000000000}}\n{oops\n");
  else if (g_str_equal (path, "/v1/events/sync") && g_strcmp0 (after, "1") == 0)
    hw_test_soup_reply (msg, 200, "application/x-ndjson",
           "{\"seq\":7,\"event\":{\"id\":\"a\",\"type\":\"t\",\"timestamp\":1700000000000}}\n"
           "{\"seq\":3,\"event\":{\"id\":\"b\",\"type\":\"t\",\"timestamp\":1700000000000}}\n");
  else if (g_str_equal (path, "/v1/events/sync"))
    start_endless (msg, "application/x-ndjson", TRUE);
  else if (g_str_has_prefix (path, "/v1/jobs/slow"))
    soup_server_message_pause (msg);   /* never answers */
  else if (g_str_equal (path, "/v1/system-events"))
    hw_test_soup_reply (msg, 200, "application/json",
                        "{\"system_events\":[{\"id\":\"s\",\"kind\":\"alert\"}],\"x\":1e999}");
  else
    hw_test_soup_reply (msg, 404, "application/json",
                        "{\"error\":{\"code\":\"not_found\",\"message\":\"no such path\"}}");
}

static gboolean
cancel_later (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
test_lying_hub (void)
{
  g_autofree char *url = NULL;
  g_autoptr(SoupServer) server = hw_test_soup_server_start (liar_handler, NULL, &url);
  g_autoptr(GError) error = NULL;
  g_autoptr(HwHubClient) client = hw_hub_client_new (url, &error);
  g_autoptr(HwHubSyncPage) page = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  gint64 started;
  HwTestWaiter w = { 0 };

  g_assert_no_error (error);
  /* The client's own deadline is what the test is about; it grows with the
   * run's time scale (sanitizers) like the bound asserted on it below. */
  hw_hub_client_set_timeout (client, hw_test_time_scale ());
  hw_hub_client_set_max_response_bytes (client, 1024 * 1024);

  hw_hub_client_get_info_async (client, NULL, hw_test_waiter_done, &w);
  g_assert_null (hw_hub_client_get_info_finish (client, hw_test_waiter_wait (&w), &error));
  g_assert_error (error, HW_ERROR, HW_ERROR_PROTOCOL);
  g_clear_error (&error);
  hw_test_waiter_clear (&w);

  /* 100,000 nested arrays never reach the recursive parser. */
  error = hw_test_client_count_error (client, NULL);
  g_assert_error (error, HW_ERROR, HW_ERROR_PROTOCOL);
  g_clear_error (&error);

  hw_hub_client_list_jobs_async (client, NULL, hw_test_waiter_done, &w);
  g_assert_null (hw_hub_client_list_jobs_finish (client, hw_test_waiter_wait (&w), &error));
  g_assert_error (error, HW_ERROR, HW_ERROR_PROTOCOL);
  g_clear_error (&error);
  hw_test_waiter_clear (&w);

  /* A bottomless body stops at the cap. */
  hw_hub_client_list_listeners_async (client, NULL, hw_test_waiter_done, &w);
  g_assert_null (hw_hub_client_list_listeners_finish (client, hw_test_waiter_wait (&w), &error));
  g_assert_error (error, HW_ERROR, HW_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "exceeds"));
  g_clear_error (&error);
  hw_test_waiter_clear (&w);

  hw_hub_client_search_events_async (client, NULL, NULL, NULL, 0, NULL, NULL, hw_test_waiter_done, &w);
  g_assert_null (hw_hub_client_search_events_finish (client, hw_test_waiter_wait (&w), &error));
  g_assert_error (error, HW_ERROR, HW_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, "500"));
  g_clear_error (&error);
  hw_test_waiter_clear (&w);

  hw_hub_client_list_faults_async (client, NULL, NULL, NULL, 0, NULL, NULL, hw_test_waiter_done, &w);
  g_assert_null (hw_hub_client_list_faults_finish (client, hw_test_waiter_wait (&w), &error));
  g_assert_error (error, HW_ERROR, HW_ERROR_UNAUTHORIZED);
  g_clear_error (&error);
  hw_test_waiter_clear (&w);

  hw_hub_client_sync_page_async (client, 0, 10, NULL, hw_test_waiter_done, &w);
  g_assert_null (hw_hub_client_sync_page_finish (client, hw_test_waiter_wait (&w), &error));
  g_assert_error (error, HW_ERROR, HW_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "line 2"));
  g_clear_error (&error);
  hw_test_waiter_clear (&w);

  /* Seqs going backwards would corrupt the cursor. */
  hw_hub_client_sync_page_async (client, 1, 10, NULL, hw_test_waiter_done, &w);
  g_assert_null (hw_hub_client_sync_page_finish (client, hw_test_waiter_wait (&w), &error));
  g_assert_error (error, HW_ERROR, HW_ERROR_PROTOCOL);
  g_clear_error (&error);
  hw_test_waiter_clear (&w);

  /* A bottomless NDJSON page is cut after its last complete line: the
   * caller gets what fits and asks again from there. Parsing that 1 MB of
   * events is what this step is about, not the deadline: under the
   * sanitizers (and a loaded machine) it takes longer than the 1 s that
   * bounds silence below, so it gets the scaled default of the tests. */
  hw_hub_client_set_timeout (client, 60 * hw_test_time_scale ());
  hw_hub_client_sync_page_async (client, 100, 10, NULL, hw_test_waiter_done, &w);
  page = hw_hub_client_sync_page_finish (client, hw_test_waiter_wait (&w), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->events->len, >, 100);
  g_assert_cmpuint (page->last_seq, ==, g_array_index (page->seqs, guint64, page->seqs->len - 1));
  hw_test_waiter_clear (&w);
  hw_hub_client_set_timeout (client, hw_test_time_scale ());

  /* Silence is bounded by the timeout... */
  started = g_get_monotonic_time ();
  hw_hub_client_get_job_async (client, "slow", NULL, hw_test_waiter_done, &w);
  g_assert_null (hw_hub_client_get_job_finish (client, hw_test_waiter_wait (&w), &error));
  g_assert_error (error, HW_ERROR, HW_ERROR_UNAVAILABLE);
  g_assert_cmpint (g_get_monotonic_time () - started, <, (gint64) hw_test_scale_ms (10000) * 1000);
  g_clear_error (&error);
  hw_test_waiter_clear (&w);

  /* ...and by the caller's cancellable. */
  hw_hub_client_set_timeout (client, 60);
  g_timeout_add (100, cancel_later, cancellable);
  hw_hub_client_get_job_async (client, "slow-2", cancellable, hw_test_waiter_done, &w);
  g_assert_null (hw_hub_client_get_job_finish (client, hw_test_waiter_wait (&w), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  hw_test_waiter_clear (&w);

  soup_server_disconnect (server);
}

/* ---- TLS: refuse, show, pin ----------------------------------------------------- */

static void
info_handler (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  hw_test_soup_reply (msg, 200, "application/json",
                      "{\"name\":\"tls-hub\",\"server_time\":\"2024-05-03T10:00:00Z\"}");
}

static void
test_tls_pinning (void)
{
  g_autofree char *pem = hw_test_source_path ("data", "tls-self-signed.pem", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) cert = g_tls_certificate_new_from_file (pem, &error);
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(HwHubClient) client = NULL;
  g_autoptr(HwHubClient) other = NULL;
  g_autoptr(GTlsCertificate) rejected = NULL;
  g_autoptr(HwHubInfo) info = NULL;
  g_autofree char *fingerprint = NULL;
  g_autofree char *described = NULL;
  g_autofree char *url = NULL;
  GTlsCertificateFlags flags = 0;
  GSList *uris;
  HwTestWaiter w = { 0 };

  g_assert_no_error (error);
  server = soup_server_new ("tls-certificate", cert, NULL);
  soup_server_add_handler (server, NULL, info_handler, NULL, NULL);
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY | SOUP_SERVER_LISTEN_HTTPS, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  url = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  g_assert_true (g_str_has_prefix (url, "https://"));

  client = hw_hub_client_new (url, &error);
  g_assert_no_error (error);
  hw_hub_client_get_info_async (client, NULL, hw_test_waiter_done, &w);
  g_assert_null (hw_hub_client_get_info_finish (client, hw_test_waiter_wait (&w), &error));
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_assert_nonnull (strstr (error->message, "unknown-ca"));
  g_clear_error (&error);
  hw_test_waiter_clear (&w);

  /* The refused certificate is the server's, with its errors. */
  rejected = hw_hub_client_dup_rejected_certificate (client, &flags);
  g_assert_nonnull (rejected);
  g_assert_true (g_tls_certificate_is_same (rejected, cert));
  g_assert_true (flags & G_TLS_CERTIFICATE_UNKNOWN_CA);
  described = hw_tls_certificate_flags_describe (flags);
  g_assert_nonnull (strstr (described, "unknown-ca"));
  fingerprint = hw_tls_certificate_dup_fingerprint (rejected);
  g_assert_cmpuint (strlen (fingerprint), ==, 64);

  /* Trusting exactly that certificate lets requests through... */
  hw_hub_client_trust_certificate (client, fingerprint);
  hw_hub_client_get_info_async (client, NULL, hw_test_waiter_done, &w);
  info = hw_hub_client_get_info_finish (client, hw_test_waiter_wait (&w), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (info->name, ==, "tls-hub");
  g_assert_cmpint (info->server_time_ms, ==, 1714730400000);
  hw_test_waiter_clear (&w);

  /* ...for that client only, and a different pin does not match. */
  other = hw_hub_client_new (url, &error);
  hw_hub_client_trust_certificate (other, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
  hw_hub_client_get_info_async (other, NULL, hw_test_waiter_done, &w);
  g_assert_null (hw_hub_client_get_info_finish (other, hw_test_waiter_wait (&w), &error));
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_clear_error (&error);
  hw_test_waiter_clear (&w);

  soup_server_disconnect (server);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hub-client/lying-hub", test_lying_hub);
  g_test_add_func ("/hub-client/tls-pinning", test_tls_pinning);

  return g_test_run ();
}
