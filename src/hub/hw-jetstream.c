/* hw-jetstream.c: the event lake as a replicated NATS JetStream stream
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <gio/gio.h>
#include <nats/nats.h>

#include "hw-jetstream-private.h"

/* JetStream drops a message whose id it stored within this window, so a
 * producer retrying a publish that timed out cannot store it twice. Beyond
 * it, ids are told apart by each replica's index (docs/jetstream.md). */
#define DUPLICATE_WINDOW_NS (G_GINT64_CONSTANT (120) * 1000 * 1000 * 1000)
/* Between attempts to create the stream while the cluster elects its
 * leaders. */
#define PLACEMENT_RETRY_US (100 * G_TIME_SPAN_MILLISECOND)
#define PLACEMENT_ATTEMPT_MS 2000
/* The client's own wait for acknowledgements outlives JetStream's by this
 * much, so that the library's timeout reports first. */
#define ACK_GRACE_US (2 * G_TIME_SPAN_SECOND)
/* Between sending again what failed. */
#define RETRY_BACKOFF_US (100 * G_TIME_SPAN_MILLISECOND)

struct _HwJetStream
{
  natsConnection *conn;
  jsCtx          *js;
  char           *name;
  char           *stream;
  char           *subject;
  gint64          timeout_ms;

  /* Acknowledgements arrive on the library's thread: each in-flight
   * message (by address) maps to its result slot. */
  GMutex          lock;
  GCond           acked;
  GHashTable     *inflight;   /* natsMsg* → Pending* */
};

typedef struct
{
  HwJetStreamResult *result;
  guint             *remaining;   /* of the publish call it belongs to */
} Pending;

void
hw_jetstream_result_clear (HwJetStreamResult *result)
{
  g_clear_pointer (&result->error, g_free);
}

void
hw_jetstream_set_error (GError     **error,
                        natsStatus   status,
                        jsErrCode    js_code,
                        const char  *what)
{
  const char *detail = nats_GetLastError (NULL);

  if (js_code != 0)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: JetStream error %d (%s)", what, (int) js_code,
                 detail != NULL && *detail != '\0' ? detail : natsStatus_GetText (status));
  else
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", what,
                 detail != NULL && *detail != '\0' ? detail : natsStatus_GetText (status));
}

/* Stream names allow letters, digits, - and _; subjects also dots, which
 * separate tokens, so the subsystem gets the same characters in both. */
char *
hw_jetstream_sanitize_name (const char *subsystem)
{
  char *name = g_strdup (subsystem != NULL && *subsystem != '\0' ? subsystem : "hub");

  for (char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      *p = '_';
  return name;
}

static void
on_ack (jsCtx       *js,
        natsMsg     *msg,
        jsPubAck    *ack,
        jsPubAckErr *failure,
        void        *closure)
{
  HwJetStream *self = closure;
  Pending *pending;

  g_mutex_lock (&self->lock);
  pending = g_hash_table_lookup (self->inflight, msg);
  if (pending != NULL)
    {
      HwJetStreamResult *result = pending->result;

      if (ack != NULL)
        {
          result->status = ack->Duplicate ? HW_JETSTREAM_DUPLICATE : HW_JETSTREAM_STORED;
          result->seq = ack->Sequence;
        }
      else
        {
          result->status = HW_JETSTREAM_FAILED;
          result->error = g_strdup (failure != NULL && failure->ErrText != NULL
                                      ? failure->ErrText
                                      : natsStatus_GetText (failure != NULL ? failure->Err : NATS_ERR));
        }
      (*pending->remaining)--;
      g_hash_table_remove (self->inflight, msg);
      g_cond_broadcast (&self->acked);
    }
  g_mutex_unlock (&self->lock);
  natsMsg_Destroy (msg);
}

static natsStatus
open_connection (HwJetStream               *self,
                 const HwJetStreamOptions  *options)
{
  natsOptions *opts = NULL;
  jsOptions js_opts;
  natsStatus s;
  int n_urls = (int) g_strv_length ((char **) options->urls);

  s = natsOptions_Create (&opts);
  if (s == NATS_OK)
    s = natsOptions_SetServers (opts, (const char **) options->urls, n_urls);
  /* A server going away is routine in a cluster: keep trying the others,
   * and buffer what is published meanwhile. */
  if (s == NATS_OK)
    s = natsOptions_SetMaxReconnect (opts, -1);
  if (s == NATS_OK)
    s = natsOptions_SetReconnectWait (opts, 100);
  if (s == NATS_OK)
    s = natsOptions_SetTimeout (opts, MIN (self->timeout_ms, 2000));
  if (s == NATS_OK)
    s = natsConnection_Connect (&self->conn, opts);
  natsOptions_Destroy (opts);

  if (s == NATS_OK)
    s = jsOptions_Init (&js_opts);
  if (s == NATS_OK)
    {
      js_opts.Wait = self->timeout_ms;
      js_opts.PublishAsync.AckHandler = on_ack;
      js_opts.PublishAsync.AckHandlerClosure = self;
      js_opts.PublishAsync.MaxPending = 4096;
      s = natsConnection_JetStream (&self->js, self->conn, &js_opts);
    }
  return s;
}

/* Creates the stream, or finds it there. A cluster that has just
 * started answers "unavailable" until it has a leader, and cannot place
 * three replicas until three servers have joined: tried until @deadline. */
static gboolean
ensure_stream (HwJetStream  *self,
               int           replicas,
               gint64        max_age_ms,
               gint64        deadline,
               GError      **error)
{
  const char *subjects[] = { self->subject };
  jsStreamConfig config;

  jsStreamConfig_Init (&config);
  config.Name = self->stream;
  config.Subjects = subjects;
  config.SubjectsLen = 1;
  config.Storage = js_FileStorage;
  config.Retention = js_LimitsPolicy;   /* kept forever unless max_age_ms is set */
  config.MaxAge = max_age_ms * 1000000;
  config.Replicas = replicas;
  config.Duplicates = DUPLICATE_WINDOW_NS;

  for (;;)
    {
      jsStreamInfo *info = NULL;
      jsErrCode js_code = 0;
      jsOptions attempt;
      natsStatus s;

      /* Until there is a leader, requests go unanswered: each attempt
       * gives up soon, to ask again. */
      jsOptions_Init (&attempt);
      attempt.Wait = CLAMP ((deadline - g_get_monotonic_time ()) / 1000, 1, PLACEMENT_ATTEMPT_MS);
      s = js_AddStream (&info, self->js, &config, &attempt, &js_code);

      jsStreamInfo_Destroy (info);
      if (s == NATS_OK || js_code == JSStreamNameExistErr)
        return TRUE;
      if (g_get_monotonic_time () >= deadline)
        {
          g_autofree char *what = g_strconcat ("creating the stream ", self->stream, NULL);

          hw_jetstream_set_error (error, s, js_code, what);
          return FALSE;
        }
      g_usleep (PLACEMENT_RETRY_US);
    }
}

HwJetStream *
hw_jetstream_connect (const HwJetStreamOptions  *options,
                      GError                   **error)
{
  g_autoptr(HwJetStream) self = g_new0 (HwJetStream, 1);
  const char *kind = options->kind != NULL ? options->kind : "lake";
  g_autofree char *kind_upper = g_ascii_strup (kind, -1);
  gint64 deadline;
  natsStatus s;

  g_return_val_if_fail (options != NULL && options->urls != NULL && options->urls[0] != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self->name = hw_jetstream_sanitize_name (options->subsystem);
  self->stream = g_strdup_printf ("HW_%s_%s", kind_upper, self->name);
  self->subject = g_strconcat ("hw.", self->name, ".", kind, NULL);
  self->timeout_ms = options->timeout_ms > 0 ? options->timeout_ms : 5000;
  g_mutex_init (&self->lock);
  g_cond_init (&self->acked);
  self->inflight = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);

  deadline = g_get_monotonic_time ()
             + (options->connect_timeout_ms > 0 ? options->connect_timeout_ms : self->timeout_ms)
               * G_TIME_SPAN_MILLISECOND;
  s = open_connection (self, options);
  if (s != NATS_OK)
    {
      hw_jetstream_set_error (error, s, 0, "connecting to NATS");
      return NULL;
    }
  if (!ensure_stream (self, options->replicas > 0 ? options->replicas : 3, MAX (options->max_age_ms, 0),
                      deadline, error))
    return NULL;
  return g_steal_pointer (&self);
}

void
hw_jetstream_free (HwJetStream *self)
{
  if (self == NULL)
    return;
  /* Closing first: no acknowledgement callback runs after this. */
  if (self->conn != NULL)
    natsConnection_Close (self->conn);
  jsCtx_Destroy (self->js);
  natsConnection_Destroy (self->conn);
  g_clear_pointer (&self->inflight, g_hash_table_unref);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->acked);
  g_free (self->name);
  g_free (self->stream);
  g_free (self->subject);
  g_free (self);
}

const char *
hw_jetstream_get_stream (HwJetStream *self)
{
  return self->stream;
}

natsConnection *
hw_jetstream_get_connection (HwJetStream *self)
{
  return self->conn;
}

const char *
hw_jetstream_get_name (HwJetStream *self)
{
  return self->name;
}

gint64
hw_jetstream_get_timeout_ms (HwJetStream *self)
{
  return self->timeout_ms;
}

char *
hw_jetstream_dup_server (HwJetStream *self)
{
  char url[256];

  if (natsConnection_GetConnectedUrl (self->conn, url, sizeof url) != NATS_OK || url[0] == '\0')
    return NULL;
  return g_strdup (url);
}

/* Sends one event; its result is filled in by on_ack(), or here when the
 * library would not take it. */
static void
send_one (HwJetStream       *self,
          const char        *id,
          GBytes            *payload,
          HwJetStreamResult *result,
          gint64             wait_ms,
          guint             *remaining)
{
  jsPubOptions options;
  natsMsg *msg = NULL;
  gsize length = 0;
  const char *data = g_bytes_get_data (payload, &length);
  Pending *pending;
  natsStatus s;

  s = natsMsg_Create (&msg, self->subject, NULL, data, (int) length);
  if (s == NATS_OK)
    s = jsPubOptions_Init (&options);
  if (s != NATS_OK)
    {
      natsMsg_Destroy (msg);
      result->status = HW_JETSTREAM_FAILED;
      result->error = g_strdup (natsStatus_GetText (s));
      return;
    }
  options.MsgId = id;
  options.MaxWait = wait_ms;

  /* Registered before sending: the acknowledgement can come first. */
  pending = g_new (Pending, 1);
  pending->result = result;
  pending->remaining = remaining;
  g_mutex_lock (&self->lock);
  g_hash_table_insert (self->inflight, msg, pending);
  (*remaining)++;
  g_mutex_unlock (&self->lock);

  s = js_PublishMsgAsync (self->js, &msg, &options);
  if (s == NATS_OK)
    return;

  g_mutex_lock (&self->lock);
  if (g_hash_table_remove (self->inflight, msg))
    (*remaining)--;
  g_mutex_unlock (&self->lock);
  natsMsg_Destroy (msg);
  result->status = HW_JETSTREAM_FAILED;
  result->error = g_strdup (natsStatus_GetText (s));
}

/* Results still missing past the deadline fail, and their late
 * acknowledgements find nothing to fill. */
static void
abandon_pending (HwJetStream       *self,
                 HwJetStreamResult *results,
                 guint              n)
{
  GHashTableIter iter;
  gpointer msg, value;

  g_hash_table_iter_init (&iter, self->inflight);
  while (g_hash_table_iter_next (&iter, &msg, &value))
    {
      Pending *pending = value;

      if (pending->result < results || pending->result >= results + n)
        continue;
      pending->result->status = HW_JETSTREAM_FAILED;
      pending->result->error = g_strdup ("no acknowledgement from JetStream in time");
      (*pending->remaining)--;
      g_hash_table_iter_remove (&iter);
    }
}

/* One round: sends the events of @todo, waits for their outcomes until
 * @deadline, and leaves in @todo those that failed. */
static void
publish_round (HwJetStream        *self,
               const char * const *ids,
               GBytes * const     *payloads,
               HwJetStreamResult  *results,
               guint               n,
               GArray             *todo,
               gint64              deadline)
{
  gint64 wait_ms = MAX ((deadline - g_get_monotonic_time ()) / 1000, 1);
  guint remaining = 0;
  guint kept = 0;

  for (guint k = 0; k < todo->len; k++)
    {
      guint i = g_array_index (todo, guint, k);

      hw_jetstream_result_clear (&results[i]);
      send_one (self, ids[i], payloads[i], &results[i], wait_ms, &remaining);
    }

  g_mutex_lock (&self->lock);
  while (remaining > 0 && g_cond_wait_until (&self->acked, &self->lock, deadline + ACK_GRACE_US))
    ;
  if (remaining > 0)
    abandon_pending (self, results, n);
  g_mutex_unlock (&self->lock);

  for (guint k = 0; k < todo->len; k++)
    if (results[g_array_index (todo, guint, k)].status == HW_JETSTREAM_FAILED)
      g_array_index (todo, guint, kept++) = g_array_index (todo, guint, k);
  g_array_set_size (todo, kept);
}

gboolean
hw_jetstream_publish (HwJetStream        *self,
                      const char * const *ids,
                      GBytes * const     *payloads,
                      guint               n,
                      HwJetStreamResult  *results,
                      GError            **error)
{
  g_autoptr(GArray) todo = g_array_sized_new (FALSE, FALSE, sizeof (guint), n);
  gint64 deadline = g_get_monotonic_time () + self->timeout_ms * G_TIME_SPAN_MILLISECOND;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (n == 0 || (ids != NULL && payloads != NULL && results != NULL), FALSE);

  if (natsConnection_IsClosed (self->conn))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, "the NATS connection is closed");
      return FALSE;
    }

  memset (results, 0, n * sizeof *results);
  for (guint i = 0; i < n; i++)
    g_array_append_val (todo, i);
  /* A server going away takes its stream leaders with it, and the
   * cluster answers "no responders" until it has elected others (a few
   * seconds): events are sent again, under the same ids, so JetStream
   * stores each once, until the deadline. */
  for (;;)
    {
      publish_round (self, ids, payloads, results, n, todo, deadline);
      if (todo->len == 0 || g_get_monotonic_time () + RETRY_BACKOFF_US >= deadline)
        return TRUE;
      g_usleep (RETRY_BACKOFF_US);
    }
}

gint64
hw_jetstream_last_seq (HwJetStream  *self,
                       GError      **error)
{
  jsStreamInfo *info = NULL;
  jsErrCode js_code = 0;
  jsOptions options;
  natsStatus s;
  gint64 last;

  jsOptions_Init (&options);
  options.Wait = MIN (self->timeout_ms, HW_JETSTREAM_API_WAIT_MS);
  s = js_GetStreamInfo (&info, self->js, self->stream, &options, &js_code);

  if (s != NATS_OK)
    {
      hw_jetstream_set_error (error, s, js_code, "reading the lake stream's state");
      return -1;
    }
  last = (gint64) info->State.LastSeq;
  jsStreamInfo_Destroy (info);
  return last;
}

GBytes *
hw_jetstream_get (HwJetStream  *self,
                  guint64       seq,
                  GError      **error)
{
  natsMsg *msg = NULL;
  jsErrCode js_code = 0;
  natsStatus s = js_GetMsg (&msg, self->js, self->stream, seq, NULL, &js_code);
  GBytes *bytes;

  if (s != NATS_OK)
    {
      if (js_code == JSNoMessageFoundErr)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no event at %" G_GUINT64_FORMAT " in %s",
                     seq, self->stream);
      else
        hw_jetstream_set_error (error, s, js_code, "reading an event from the lake stream");
      return NULL;
    }
  bytes = g_bytes_new (natsMsg_GetData (msg), (gsize) natsMsg_GetDataLength (msg));
  natsMsg_Destroy (msg);
  return bytes;
}

/* Reading ----------------------------------------------------------------- */

/* An ephemeral consumer the server drops this long after its reader went
 * away without saying so (a crash): nothing to clean up by hand. */
#define READER_IDLE_NS (G_GINT64_CONSTANT (60) * 1000 * 1000 * 1000)

struct _HwJetStreamReader
{
  natsSubscription *sub;
};

HwJetStreamReader *
hw_jetstream_read_from (HwJetStream  *self,
                        guint64       first_seq,
                        GError      **error)
{
  g_autofree HwJetStreamReader *reader = g_new0 (HwJetStreamReader, 1);
  jsOptions api;
  jsSubOptions options;
  jsErrCode js_code = 0;
  natsStatus s;

  jsOptions_Init (&api);
  api.Wait = MIN (self->timeout_ms, HW_JETSTREAM_API_WAIT_MS);
  jsSubOptions_Init (&options);
  options.Stream = self->stream;
  options.Config.DeliverPolicy = js_DeliverByStartSequence;
  options.Config.OptStartSeq = MAX (first_seq, 1);
  /* The reader keeps its own place (the replica's newest seq): no acks. */
  options.Config.AckPolicy = js_AckNone;
  options.Config.InactiveThreshold = READER_IDLE_NS;
  s = js_PullSubscribe (&reader->sub, self->js, self->subject, NULL, &api, &options, &js_code);
  if (s != NATS_OK)
    {
      hw_jetstream_set_error (error, s, js_code, "reading the lake stream");
      return NULL;
    }
  return g_steal_pointer (&reader);
}

gboolean
hw_jetstream_reader_next (HwJetStreamReader  *reader,
                          guint               max,
                          gint64              wait_ms,
                          GPtrArray          *payloads,
                          GArray             *seqs,
                          GError            **error)
{
  natsMsgList list = { NULL, 0 };
  jsErrCode js_code = 0;
  natsStatus s = natsSubscription_Fetch (&list, reader->sub, (int) MIN (max, G_MAXINT), MAX (wait_ms, 1),
                                         &js_code);

  if (s == NATS_TIMEOUT)
    return TRUE;
  if (s != NATS_OK)
    {
      hw_jetstream_set_error (error, s, js_code, "reading the lake stream");
      return FALSE;
    }
  for (int i = 0; i < list.Count; i++)
    {
      natsMsg *msg = list.Msgs[i];
      jsMsgMetaData *meta = NULL;
      guint64 seq;

      if (natsMsg_GetMetaData (&meta, msg) != NATS_OK)
        continue;
      seq = meta->Sequence.Stream;
      jsMsgMetaData_Destroy (meta);
      g_ptr_array_add (payloads, g_bytes_new (natsMsg_GetData (msg), (gsize) natsMsg_GetDataLength (msg)));
      g_array_append_val (seqs, seq);
    }
  natsMsgList_Destroy (&list);
  return TRUE;
}

void
hw_jetstream_reader_abandon (HwJetStreamReader *reader)
{
  if (reader == NULL)
    return;
  /* Deleting the consumer would be a request to the server that may have
   * died with it, waited out in full: the server drops it when idle. */
  natsSubscription_Destroy (reader->sub);
  g_free (reader);
}

void
hw_jetstream_reader_free (HwJetStreamReader *reader)
{
  if (reader == NULL)
    return;
  /* Unsubscribe deletes the ephemeral consumer now rather than when idle. */
  natsSubscription_Unsubscribe (reader->sub);
  natsSubscription_Destroy (reader->sub);
  g_free (reader);
}
