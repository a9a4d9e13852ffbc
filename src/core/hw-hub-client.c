/* hw-hub-client.c: the HTTP transport of the hub client: session, token, TLS pinning, caps
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-background.h"
#include "hw-error.h"
#include "hw-hub-client-private.h"

#define DEFAULT_TIMEOUT_S        30
#define DEFAULT_MAX_RESPONSE     (64 * 1024 * 1024)
#define MAX_ERROR_BODY           (64 * 1024)
#define READ_CHUNK               (64 * 1024)

struct _HwHubClient
{
  GObject      parent_instance;

  char        *base_url;     /* without a trailing slash */
  SoupSession *session;
  gsize        max_response;

  /* Guarded by lock: the accept-certificate handler and the token may be
   * read while another thread changes them. */
  GMutex       lock;
  char        *token;
  GHashTable  *trusted;      /* hex sha256 → NULL */
  GTlsCertificate      *rejected;
  GTlsCertificateFlags  rejected_errors;
};

G_DEFINE_FINAL_TYPE (HwHubClient, hw_hub_client, G_TYPE_OBJECT)

static void
hw_hub_client_finalize (GObject *object)
{
  HwHubClient *self = HW_HUB_CLIENT (object);

  g_free (self->base_url);
  g_clear_object (&self->session);
  if (self->token != NULL)
    memset (self->token, 0, strlen (self->token));
  g_free (self->token);
  g_hash_table_unref (self->trusted);
  g_clear_object (&self->rejected);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (hw_hub_client_parent_class)->finalize (object);
}

static void
hw_hub_client_class_init (HwHubClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hw_hub_client_finalize;
}

static void
hw_hub_client_init (HwHubClient *self)
{
  g_mutex_init (&self->lock);
  self->trusted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->max_response = DEFAULT_MAX_RESPONSE;
  self->session = soup_session_new_with_options ("timeout", DEFAULT_TIMEOUT_S,
                                                 "idle-timeout", 60,
                                                 "user-agent", PACKAGE_NAME "/" PACKAGE_VERSION,
                                                 NULL);
}

HwHubClient *
hw_hub_client_new (const char  *base_url,
                   GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) local_error = NULL;
  HwHubClient *self;
  const char *scheme;
  gsize len;

  g_return_val_if_fail (base_url != NULL, NULL);

  uri = g_uri_parse (base_url, G_URI_FLAGS_NONE, &local_error);
  if (uri == NULL)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_FAILED,
                   "Hub URL “%s” is not valid: %s", base_url, local_error->message);
      return NULL;
    }
  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_FAILED,
                   "Hub URL “%s” must start with http:// or https://", base_url);
      return NULL;
    }
  if (g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, HW_ERROR, HW_ERROR_FAILED, "Hub URL “%s” has no host", base_url);
      return NULL;
    }
  if (g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_FAILED,
                   "Hub URL “%s” must not have a query or a fragment", base_url);
      return NULL;
    }

  self = g_object_new (HW_TYPE_HUB_CLIENT, NULL);
  self->base_url = g_strdup (base_url);
  len = strlen (self->base_url);
  while (len > 0 && self->base_url[len - 1] == '/')
    self->base_url[--len] = '\0';

  return self;
}

const char *
hw_hub_client_get_base_url (HwHubClient *self)
{
  g_return_val_if_fail (HW_IS_HUB_CLIENT (self), NULL);

  return self->base_url;
}

void
hw_hub_client_set_token (HwHubClient *self,
                         const char  *token)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (HW_IS_HUB_CLIENT (self));

  locker = g_mutex_locker_new (&self->lock);
  if (self->token != NULL)
    memset (self->token, 0, strlen (self->token));
  g_free (self->token);
  self->token = (token != NULL && *token != '\0') ? g_strdup (token) : NULL;
}

gboolean
hw_hub_client_has_token (HwHubClient *self)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (HW_IS_HUB_CLIENT (self), FALSE);

  locker = g_mutex_locker_new (&self->lock);
  return self->token != NULL;
}

void
hw_hub_client_set_timeout (HwHubClient *self,
                           guint        seconds)
{
  g_return_if_fail (HW_IS_HUB_CLIENT (self));

  g_object_set (self->session, "timeout", seconds, NULL);
}

guint
hw_hub_client_get_timeout (HwHubClient *self)
{
  g_return_val_if_fail (HW_IS_HUB_CLIENT (self), 0);

  return soup_session_get_timeout (self->session);
}

void
hw_hub_client_set_max_response_bytes (HwHubClient *self,
                                      gsize        max_bytes)
{
  g_return_if_fail (HW_IS_HUB_CLIENT (self));
  g_return_if_fail (max_bytes > 0);

  self->max_response = max_bytes;
}

SoupSession *
hw_hub_client_get_session (HwHubClient *self)
{
  return self->session;
}

/* ---- TLS -------------------------------------------------------------- */

char *
hw_tls_certificate_dup_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return NULL;
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
}

char *
hw_tls_certificate_flags_describe (GTlsCertificateFlags flags)
{
  static const struct { GTlsCertificateFlags flag; const char *name; } names[] = {
    { G_TLS_CERTIFICATE_UNKNOWN_CA, "unknown-ca" },
    { G_TLS_CERTIFICATE_BAD_IDENTITY, "bad-identity" },
    { G_TLS_CERTIFICATE_NOT_ACTIVATED, "not-activated" },
    { G_TLS_CERTIFICATE_EXPIRED, "expired" },
    { G_TLS_CERTIFICATE_REVOKED, "revoked" },
    { G_TLS_CERTIFICATE_INSECURE, "insecure" },
    { G_TLS_CERTIFICATE_GENERIC_ERROR, "generic-error" },
  };
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (flags & names[i].flag)
      g_string_append_printf (out, "%s%s", out->len > 0 ? ", " : "", names[i].name);
  if (out->len == 0)
    g_string_append (out, "none");
  return g_string_free (out, FALSE);
}

void
hw_hub_client_trust_certificate (HwHubClient *self,
                                 const char  *sha256_fingerprint)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (HW_IS_HUB_CLIENT (self));
  g_return_if_fail (sha256_fingerprint != NULL);

  locker = g_mutex_locker_new (&self->lock);
  g_hash_table_add (self->trusted, g_ascii_strdown (sha256_fingerprint, -1));
}

GTlsCertificate *
hw_hub_client_dup_rejected_certificate (HwHubClient          *self,
                                        GTlsCertificateFlags *errors)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (HW_IS_HUB_CLIENT (self), NULL);

  locker = g_mutex_locker_new (&self->lock);
  if (errors != NULL)
    *errors = self->rejected_errors;
  return self->rejected != NULL ? g_object_ref (self->rejected) : NULL;
}

/* Only called when the system trust store refused the certificate: accept
 * it if, and only if, the user pinned exactly these DER bytes. */
static gboolean
on_accept_certificate (SoupMessage          *msg,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  HwHubClient *self = user_data;
  g_autofree char *fingerprint = hw_tls_certificate_dup_fingerprint (certificate);
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  if (fingerprint != NULL && g_hash_table_contains (self->trusted, fingerprint))
    return TRUE;

  g_set_object (&self->rejected, certificate);
  self->rejected_errors = errors;
  return FALSE;
}

/* ---- messages ------------------------------------------------------- */

SoupMessage *
hw_hub_client_new_message (HwHubClient  *self,
                           const char   *method,
                           const char   *path_and_query,
                           GError      **error)
{
  g_autofree char *url = g_strconcat (self->base_url, path_and_query, NULL);
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) local_error = NULL;
  SoupMessage *msg;

  uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, &local_error);
  if (uri == NULL)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_FAILED,
                   "Cannot build a request for “%s”: %s", path_and_query, local_error->message);
      return NULL;
    }

  msg = soup_message_new_from_uri (method, uri);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept",
                                "application/json, application/x-ndjson");
  {
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

    if (self->token != NULL)
      {
        g_autofree char *value = g_strconcat ("Bearer ", self->token, NULL);

        soup_message_headers_replace (soup_message_get_request_headers (msg),
                                      "Authorization", value);
        memset (value, 0, strlen (value));
      }
  }
  g_signal_connect_object (msg, "accept-certificate",
                           G_CALLBACK (on_accept_certificate), self, 0);
  return msg;
}

GError *
hw_hub_client_map_transport_error (HwHubClient  *self,
                                   const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (error);
  if (error->domain == G_TLS_ERROR)
    {
      GTlsCertificateFlags flags = 0;
      g_autoptr(GTlsCertificate) cert = hw_hub_client_dup_rejected_certificate (self, &flags);
      g_autofree char *described = hw_tls_certificate_flags_describe (flags);

      if (cert != NULL)
        return g_error_new (G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
                            "The certificate of %s is not trusted (%s)",
                            self->base_url, described);
      return g_error_new (HW_ERROR, HW_ERROR_UNAVAILABLE, "TLS with %s failed: %s",
                          self->base_url, error->message);
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return g_error_new (HW_ERROR, HW_ERROR_UNAVAILABLE,
                        "%s did not answer within %u s", self->base_url,
                        soup_session_get_timeout (self->session));
  return g_error_new (HW_ERROR, HW_ERROR_UNAVAILABLE, "Cannot reach %s: %s",
                      self->base_url, error->message);
}

void
hw_hub_query_add (GString    *path,
                  const char *name,
                  const char *value)
{
  g_autofree char *escaped = NULL;

  if (value == NULL)
    return;
  escaped = g_uri_escape_string (value, NULL, FALSE);
  g_string_append_printf (path, "%c%s=%s", strchr (path->str, '?') ? '&' : '?', name, escaped);
}

/* ---- one call: send, read (capped), parse in a thread ------------------ */

typedef struct
{
  HwHubCall     call;      /* method/path/body/key pointers are not kept */
  SoupMessage  *msg;
  GInputStream *stream;
  GByteArray   *buffer;
  gsize         cap;
  guint         status;
  gboolean      truncated;
} CallData;

static void
call_data_free (CallData *data)
{
  if (data->call.parse_data_free != NULL && data->call.parse_data != NULL)
    data->call.parse_data_free (data->call.parse_data);
  g_clear_object (&data->msg);
  g_clear_object (&data->stream);
  g_clear_pointer (&data->buffer, g_byte_array_unref);
  g_free (data);
}

static HwErrorCode
code_for_status (guint       status,
                 const char *code_name)
{
  switch (status)
    {
    case 401: return HW_ERROR_UNAUTHORIZED;
    case 403: return HW_ERROR_FORBIDDEN;
    case 404: return HW_ERROR_NOT_FOUND;
    case 409: return HW_ERROR_CONFLICT;
    case 413: return HW_ERROR_TOO_LARGE;
    case 429: return HW_ERROR_RATE_LIMITED;
    default: break;
    }
  if (status >= 500)
    return HW_ERROR_UNAVAILABLE;
  if (code_name != NULL)
    for (int code = HW_ERROR_FAILED; code <= HW_ERROR_PROTOCOL; code++)
      if (g_str_equal (code_name, hw_error_code_name (code)))
        return code;
  return HW_ERROR_FAILED;
}

/* The hub answers {"error":{"code","message"}}; anything else (a proxy's
 * HTML page, say) still gives an error with the status line. */
static GError *
error_from_body (CallData *data)
{
  const char *code_name = NULL;
  const char *message = NULL;
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  gsize len = data->buffer->len;

  JsonNode *parsed = len > 0 ? hw_hub_json_parse (parser, (const char *) data->buffer->data, len,
                                                   "The hub's error answer", NULL)
                             : NULL;

  if (parsed != NULL && JSON_NODE_HOLDS_OBJECT (parsed))
    {
      JsonObject *root = json_node_get_object (parsed);
      JsonNode *err = json_object_get_member (root, "error");

      if (err != NULL && JSON_NODE_HOLDS_OBJECT (err))
        {
          code_name = hw_json_get_string (json_node_get_object (err), "code");
          message = hw_json_get_string (json_node_get_object (err), "message");
        }
    }

  if (message != NULL && g_utf8_validate (message, -1, NULL))
    return g_error_new (HW_ERROR, code_for_status (data->status, code_name),
                        "%s (HTTP %u)", message, data->status);
  return g_error_new (HW_ERROR, code_for_status (data->status, code_name),
                      "The hub answered HTTP %u %s", data->status,
                      soup_status_get_phrase (data->status) ? soup_status_get_phrase (data->status) : "");
}

static void
parse_in_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  CallData *data = task_data;
  g_autoptr(GBytes) body = g_byte_array_free_to_bytes (g_steal_pointer (&data->buffer));
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) error = NULL;
  gsize len;
  const char *text = g_bytes_get_data (body, &len);
  gpointer result;

  if (data->call.parse_bytes != NULL)
    {
      result = data->call.parse_bytes (body, data->truncated,
                                       soup_message_get_response_headers (data->msg),
                                       data->call.parse_data, &error);
    }
  else if (len == 0)
    {
      g_autoptr(JsonNode) null_node = json_node_new (JSON_NODE_NULL);

      result = data->call.parse_json (null_node, data->call.parse_data, &error);
    }
  else
    {
      JsonNode *root;

      parser = json_parser_new_immutable ();
      root = hw_hub_json_parse (parser, text, len, "The hub's answer", &error);
      if (root == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      result = data->call.parse_json (root, data->call.parse_data, &error);
    }

  if (result == NULL)
    {
      if (error == NULL)
        error = g_error_new (HW_ERROR, HW_ERROR_PROTOCOL, "The hub's answer has no usable content");
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, result, data->call.result_free);
}

static void read_next (GTask *task);

static void
finish_reading (GTask *task)
{
  CallData *data = g_task_get_task_data (task);

  g_input_stream_close_async (data->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);

  if (!SOUP_STATUS_IS_SUCCESSFUL (data->status))
    {
      g_task_return_error (task, error_from_body (data));
      g_object_unref (task);
      return;
    }
  hw_background_run_task (task, parse_in_thread);
  g_object_unref (task);
}

/* Over the cap: NDJSON keeps its complete lines (the caller asks again from
 * the last one); anything else is refused. */
static gboolean
handle_over_cap (GTask *task)
{
  CallData *data = g_task_get_task_data (task);

  if (!SOUP_STATUS_IS_SUCCESSFUL (data->status))
    {
      g_byte_array_set_size (data->buffer, MAX_ERROR_BODY);
      return TRUE;
    }
  if (data->call.parse_bytes != NULL)
    {
      gsize end = data->cap;

      while (end > 0 && data->buffer->data[end - 1] != '\n')
        end--;
      if (end > 0)
        {
          g_byte_array_set_size (data->buffer, end);
          data->truncated = TRUE;
          return TRUE;
        }
    }
  g_task_return_new_error (task, HW_ERROR, HW_ERROR_PROTOCOL,
                           "The hub's answer exceeds %" G_GSIZE_FORMAT " bytes", data->cap);
  g_object_unref (task);
  return FALSE;
}

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  CallData *data = g_task_get_task_data (task);
  HwHubClient *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) chunk = NULL;

  chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  if (chunk == NULL)
    {
      g_task_return_error (task, hw_hub_client_map_transport_error (self, error));
      g_object_unref (task);
      return;
    }
  if (g_bytes_get_size (chunk) == 0)
    {
      finish_reading (task);
      return;
    }

  g_byte_array_append (data->buffer, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
  if (data->buffer->len > data->cap)
    {
      if (handle_over_cap (task))
        finish_reading (task);
      return;
    }
  read_next (task);
}

static void
read_next (GTask *task)
{
  CallData *data = g_task_get_task_data (task);

  g_input_stream_read_bytes_async (data->stream, READ_CHUNK, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), on_read, task);
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  CallData *data = g_task_get_task_data (task);
  HwHubClient *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  goffset length;

  data->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (data->stream == NULL)
    {
      g_task_return_error (task, hw_hub_client_map_transport_error (self, error));
      g_object_unref (task);
      return;
    }

  data->status = soup_message_get_status (data->msg);
  data->cap = SOUP_STATUS_IS_SUCCESSFUL (data->status) ? self->max_response : MAX_ERROR_BODY;
  length = soup_message_headers_get_content_length (soup_message_get_response_headers (data->msg));
  if (SOUP_STATUS_IS_SUCCESSFUL (data->status) && data->call.parse_bytes == NULL
      && length > 0 && (guint64) length > data->cap)
    {
      g_task_return_new_error (task, HW_ERROR, HW_ERROR_PROTOCOL,
                               "The hub announces a %" G_GINT64_FORMAT "-byte answer, over the "
                               "%" G_GSIZE_FORMAT "-byte limit", (gint64) length, data->cap);
      g_object_unref (task);
      return;
    }
  data->buffer = g_byte_array_new ();
  read_next (task);
}

void
hw_hub_client_call (HwHubClient         *self,
                    const HwHubCall     *call,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  GTask *task;
  CallData *data;
  GError *error = NULL;

  g_return_if_fail (HW_IS_HUB_CLIENT (self));
  g_return_if_fail ((call->parse_json != NULL) != (call->parse_bytes != NULL));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, call->source_tag);
  data = g_new0 (CallData, 1);
  data->call = *call;
  g_task_set_task_data (task, data, (GDestroyNotify) call_data_free);

  data->msg = hw_hub_client_new_message (self, call->method, call->path_and_query, &error);
  if (data->msg == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (call->idempotency_key != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (data->msg),
                                  "Idempotency-Key", call->idempotency_key);
  if (call->body != NULL)
    {
      gsize len = 0;
      char *text = json_to_string (call->body, FALSE);
      g_autoptr(GBytes) bytes = NULL;

      len = strlen (text);
      bytes = g_bytes_new_take (text, len);
      soup_message_set_request_body_from_bytes (data->msg, "application/json", bytes);
    }

  soup_session_send_async (self->session, data->msg, G_PRIORITY_DEFAULT, cancellable,
                           on_sent, task);
}

gpointer
hw_hub_client_call_finish (HwHubClient   *self,
                           GAsyncResult  *result,
                           gpointer       source_tag,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
