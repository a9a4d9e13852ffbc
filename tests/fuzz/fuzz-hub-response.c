/* fuzz-hub-response.c: libFuzzer target for the console's parsing of hub answers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <libsoup/soup.h>

#include "hw-error.h"
#include "hw-fuzz.h"
#include "hw-hub-client.h"

/* Most of HwHubClient's answer parsers are static (parse_event_page,
 * parse_sync_page, parse_histogram, error_from_body, …), so the target
 * reaches them the way a hub would: an in-process SoupServer on 127.0.0.1
 * answers one client call with the fuzzed status and body. That also
 * covers the size cap and the NDJSON truncation on the way.
 *
 * Input: byte 0 picks the call, byte 1 the HTTP status, the rest is the
 * body sent back. Every call must end, with a result or an HW_ERROR. */

/* Small, so that the over-cap paths are within libFuzzer's input sizes. */
#define MAX_RESPONSE_BYTES 2048
#define CALL_TIMEOUT_S     10

static SoupServer *server;
static HwHubClient *client;
static guint answer_status;
static GBytes *answer_body;
static const char *answer_type;

typedef void     (*StartFunc)  (GAsyncReadyCallback callback, gpointer user_data);
/* Returns whether a result came back; frees it. */
typedef gboolean (*FinishFunc) (GAsyncResult *result, GError **error);

/* ---- the calls -------------------------------------------------------- */

static void
start_info (GAsyncReadyCallback callback, gpointer user_data)
{
  hw_hub_client_get_info_async (client, NULL, callback, user_data);
}

static gboolean
finish_info (GAsyncResult *result, GError **error)
{
  g_autoptr(HwHubInfo) info = hw_hub_client_get_info_finish (client, result, error);

  if (info != NULL)
    HW_FUZZ_CHECK (info->capabilities != NULL);
  return info != NULL;
}

static gboolean
check_event_page (HwHubEventPage *page)
{
  if (page == NULL)
    return FALSE;
  HW_FUZZ_CHECK (page->events != NULL);
  for (guint i = 0; i < page->events->len; i++)
    {
      HwEvent *event = g_ptr_array_index (page->events, i);

      HW_FUZZ_CHECK (event->id != NULL && event->type != NULL);
    }
  return TRUE;
}

static void
start_search (GAsyncReadyCallback callback, gpointer user_data)
{
  hw_hub_client_search_events_async (client, "type:order-*", "now-1h", NULL, 50, NULL, NULL,
                                     callback, user_data);
}

static gboolean
finish_search (GAsyncResult *result, GError **error)
{
  g_autoptr(HwHubEventPage) page = hw_hub_client_search_events_finish (client, result, error);

  return check_event_page (page);
}

static void
start_count (GAsyncReadyCallback callback, gpointer user_data)
{
  hw_hub_client_count_events_async (client, "pay*", NULL, NULL, NULL, callback, user_data);
}

static gboolean
finish_count (GAsyncResult *result, GError **error)
{
  return hw_hub_client_count_events_finish (client, result, error) >= 0;
}

static void
start_histogram (GAsyncReadyCallback callback, gpointer user_data)
{
  hw_hub_client_histogram_async (client, NULL, "now-1d", "now", 24, NULL, callback, user_data);
}

static gboolean
finish_histogram (GAsyncResult *result, GError **error)
{
  g_autoptr(GArray) buckets = hw_hub_client_histogram_finish (client, result, error);

  return buckets != NULL;
}

static void
start_tree (GAsyncReadyCallback callback, gpointer user_data)
{
  hw_hub_client_tree_async (client, "day", "2026-11", NULL, NULL, callback, user_data);
}

static gboolean
finish_tree (GAsyncResult *result, GError **error)
{
  g_autoptr(JsonNode) node = hw_hub_client_tree_finish (client, result, error);

  return node != NULL;
}

static void
start_event (GAsyncReadyCallback callback, gpointer user_data)
{
  hw_hub_client_get_event_async (client, "id/with ?odd#chars", NULL, callback, user_data);
}

static gboolean
finish_event (GAsyncResult *result, GError **error)
{
  g_autoptr(HwEvent) event = hw_hub_client_get_event_finish (client, result, error);

  return event != NULL;
}

static void
start_sync (GAsyncReadyCallback callback, gpointer user_data)
{
  hw_hub_client_sync_page_async (client, 5, 100, NULL, callback, user_data);
}

static gboolean
finish_sync (GAsyncResult *result, GError **error)
{
  g_autoptr(HwHubSyncPage) page = hw_hub_client_sync_page_finish (client, result, error);

  if (page == NULL)
    return FALSE;
  HW_FUZZ_CHECK (page->events->len == page->seqs->len);
  HW_FUZZ_CHECK (page->events->len == page->received_ms->len);
  HW_FUZZ_CHECK (page->last_seq >= 5);
  for (guint i = 0; i < page->seqs->len; i++)
    HW_FUZZ_CHECK (g_array_index (page->seqs, guint64, i) > (i > 0 ? g_array_index (page->seqs, guint64, i - 1) : 5));
  return TRUE;
}

static void
start_faults (GAsyncReadyCallback callback, gpointer user_data)
{
  hw_hub_client_list_faults_async (client, NULL, NULL, NULL, 0, "c1", NULL, callback, user_data);
}

static gboolean
finish_faults (GAsyncResult *result, GError **error)
{
  g_autoptr(HwHubEventPage) page = hw_hub_client_list_faults_finish (client, result, error);

  return check_event_page (page);
}

static void
start_fault_groups (GAsyncReadyCallback callback, gpointer user_data)
{
  hw_hub_client_fault_groups_async (client, "now-7d", NULL, NULL, callback, user_data);
}

static gboolean
finish_fault_groups (GAsyncResult *result, GError **error)
{
  g_autoptr(GPtrArray) groups = hw_hub_client_fault_groups_finish (client, result, error);

  return groups != NULL;
}

static void
start_listeners (GAsyncReadyCallback callback, gpointer user_data)
{
  hw_hub_client_list_listeners_async (client, NULL, callback, user_data);
}

static gboolean
finish_listeners (GAsyncResult *result, GError **error)
{
  g_autoptr(GPtrArray) listeners = hw_hub_client_list_listeners_finish (client, result, error);

  if (listeners == NULL)
    return FALSE;
  for (guint i = 0; i < listeners->len; i++)
    HW_FUZZ_CHECK (((HwHubListener *) g_ptr_array_index (listeners, i))->name != NULL);
  return TRUE;
}

static void
start_jobs (GAsyncReadyCallback callback, gpointer user_data)
{
  hw_hub_client_list_jobs_async (client, NULL, callback, user_data);
}

static gboolean
finish_jobs (GAsyncResult *result, GError **error)
{
  g_autoptr(GPtrArray) jobs = hw_hub_client_list_jobs_finish (client, result, error);

  if (jobs == NULL)
    return FALSE;
  for (guint i = 0; i < jobs->len; i++)
    HW_FUZZ_CHECK (((HwHubJob *) g_ptr_array_index (jobs, i))->id != NULL);
  return TRUE;
}

static void
start_job (GAsyncReadyCallback callback, gpointer user_data)
{
  hw_hub_client_get_job_async (client, "job-1", NULL, callback, user_data);
}

static gboolean
finish_job (GAsyncResult *result, GError **error)
{
  g_autoptr(HwHubJob) job = hw_hub_client_get_job_finish (client, result, error);

  if (job != NULL)
    hw_hub_job_free (hw_hub_job_copy (job));
  return job != NULL;
}

static void
start_cancel (GAsyncReadyCallback callback, gpointer user_data)
{
  hw_hub_client_cancel_job_async (client, "job-1", NULL, callback, user_data);
}

static gboolean
finish_cancel (GAsyncResult *result, GError **error)
{
  g_autoptr(HwHubJob) job = hw_hub_client_cancel_job_finish (client, result, error);

  return job != NULL;
}

static void
start_submit (GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(JsonObject) body = json_object_new ();

  json_object_set_string_member (body, "listener", "billing");
  json_object_set_string_member (body, "from", "now-1h");
  json_object_set_string_member (body, "to", "now");
  hw_hub_client_submit_async (client, HW_HUB_SUBMIT_REPLAY, body, FALSE, "key-1", NULL,
                              callback, user_data);
}

static gboolean
finish_submit (GAsyncResult *result, GError **error)
{
  g_autoptr(HwHubSubmitResult) submitted = hw_hub_client_submit_finish (client, result, error);

  if (submitted == NULL)
    return FALSE;
  HW_FUZZ_CHECK (submitted->dry_run || submitted->job != NULL);
  return TRUE;
}

static void
start_metrics (GAsyncReadyCallback callback, gpointer user_data)
{
  hw_hub_client_query_metrics_async (client, "domain.event.count", "now-1h", "now", 60, "sum", "type",
                                     NULL, callback, user_data);
}

static gboolean
finish_metrics (GAsyncResult *result, GError **error)
{
  g_autoptr(GPtrArray) series = hw_hub_client_query_metrics_finish (client, result, error);

  if (series == NULL)
    return FALSE;
  for (guint i = 0; i < series->len; i++)
    {
      HwHubSeries *one = g_ptr_array_index (series, i);

      HW_FUZZ_CHECK (one->labels != NULL && one->label != NULL && one->points != NULL);
    }
  return TRUE;
}

static void
start_system_events (GAsyncReadyCallback callback, gpointer user_data)
{
  hw_hub_client_list_system_events_async (client, NULL, "now-30d", NULL, 0, NULL, callback, user_data);
}

static gboolean
finish_system_events (GAsyncResult *result, GError **error)
{
  g_autoptr(GPtrArray) events = hw_hub_client_list_system_events_finish (client, result, error);

  if (events == NULL)
    return FALSE;
  for (guint i = 0; i < events->len; i++)
    HW_FUZZ_CHECK (((HwHubSystemEvent *) g_ptr_array_index (events, i))->title != NULL);
  return TRUE;
}

static void
start_post_system_event (GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(JsonObject) event = json_object_new ();

  json_object_set_string_member (event, "kind", "deployment");
  json_object_set_string_member (event, "service", "checkout");
  hw_hub_client_post_system_event_async (client, event, NULL, callback, user_data);
}

static gboolean
finish_post_system_event (GAsyncResult *result, GError **error)
{
  g_autoptr(JsonNode) node = hw_hub_client_post_system_event_finish (client, result, error);

  return node != NULL;
}

static void
start_request_json (GAsyncReadyCallback callback, gpointer user_data)
{
  hw_hub_client_request_json_async (client, "GET", "/v1/listeners", NULL, NULL, NULL, callback, user_data);
}

static gboolean
finish_request_json (GAsyncResult *result, GError **error)
{
  g_autoptr(JsonNode) node = hw_hub_client_request_json_finish (client, result, error);

  return node != NULL;
}

static const struct
{
  StartFunc   start;
  FinishFunc  finish;
  const char *content_type;
} calls[] = {
  { start_info, finish_info, "application/json" },
  { start_search, finish_search, "application/json" },
  { start_count, finish_count, "application/json" },
  { start_histogram, finish_histogram, "application/json" },
  { start_tree, finish_tree, "application/json" },
  { start_event, finish_event, "application/json" },
  { start_sync, finish_sync, "application/x-ndjson" },
  { start_faults, finish_faults, "application/json" },
  { start_fault_groups, finish_fault_groups, "application/json" },
  { start_listeners, finish_listeners, "application/json" },
  { start_jobs, finish_jobs, "application/json" },
  { start_job, finish_job, "application/json" },
  { start_cancel, finish_cancel, "application/json" },
  { start_submit, finish_submit, "application/json" },
  { start_metrics, finish_metrics, "application/json" },
  { start_system_events, finish_system_events, "application/json" },
  { start_post_system_event, finish_post_system_event, "application/json" },
  { start_request_json, finish_request_json, "application/json" },
};

static const guint statuses[] = {
  200, 200, 200, 200, 200, 200, 200, 200, 201, 202, 204,
  400, 401, 403, 404, 409, 413, 422, 429, 500, 502, 503, 418,
};

/* ---- the fake hub ------------------------------------------------------ */

static void
on_request (SoupServer        *soup_server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  gsize size = 0;
  const char *body = g_bytes_get_data (answer_body, &size);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_message_headers_append (headers, "X-Hubwatch-Max-Seq", "12");
  /* A connection per input: what one input allocates is freed by its end,
   * so LeakSanitizer's per-input check sees only real leaks. */
  soup_message_headers_append (headers, "Connection", "close");
  soup_server_message_set_status (msg, answer_status, NULL);
  if (answer_status != 204)
    soup_server_message_set_response (msg, answer_type, SOUP_MEMORY_COPY, body, size);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;
  g_autofree char *base = NULL;

  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, NULL, on_request, NULL, NULL);
  HW_FUZZ_CHECK (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  uris = soup_server_get_uris (server);
  HW_FUZZ_CHECK (uris != NULL);
  base = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));

  client = hw_hub_client_new (base, &error);
  HW_FUZZ_CHECK (client != NULL);
  hw_hub_client_set_token (client, "fuzz-token");
  hw_hub_client_set_timeout (client, CALL_TIMEOUT_S);
  hw_hub_client_set_max_response_bytes (client, MAX_RESPONSE_BYTES);
  return 0;
}

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static gboolean
on_hung (gpointer user_data)
{
  g_printerr ("the hub client did not finish a call within %d s\n", 2 * CALL_TIMEOUT_S);
  abort ();
  return G_SOURCE_REMOVE;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint call;
  guint watchdog;
  gboolean ok;

  if (size < 2)
    return 0;
  call = data[0] % G_N_ELEMENTS (calls);
  answer_status = statuses[data[1] % G_N_ELEMENTS (statuses)];
  answer_type = calls[call].content_type;
  answer_body = g_bytes_new_static (data + 2, size - 2);

  calls[call].start (on_done, &result);
  watchdog = g_timeout_add_seconds (2 * CALL_TIMEOUT_S, on_hung, NULL);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (watchdog);
  while (g_main_context_iteration (NULL, FALSE))
    ;

  ok = calls[call].finish (result, &error);
  if (ok)
    HW_FUZZ_CHECK (error == NULL && answer_status >= 200 && answer_status < 300);
  else
    {
      HW_FUZZ_CHECK_ERROR (error);
      HW_FUZZ_CHECK (error->domain == HW_ERROR);
    }
  g_clear_pointer (&answer_body, g_bytes_unref);
  return 0;
}
