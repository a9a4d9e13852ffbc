/* hw-jetstream-kv.c: a key-value bucket on the JetStream cluster
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two things about nats-server 2.9.10 (Debian 12's) shape this file:
 *
 * - A clustered stream checks a write's expected revision, when it is not
 *   "absent", only before replicating it, against what is stored then: two
 *   writers updating from the same revision at once can both succeed
 *   (nats-server#4320, fixed in 2.9.21; both won 92 races of 200 here). A
 *   create ("absent") is checked again as each replica applies it, in the
 *   log's order: of two racing creates one succeeded in each of 200 races.
 *   Updates are therefore fenced by a create: see fence().
 * - kvStore_Create() writes over a delete marker with an update from the
 *   marker's revision, not exclusive for the reason above, and
 *   kvStore_Delete() takes no expected revision: both are done here,
 *   fenced.
 */
#include "config.h"

#include <string.h>

#include "hw-jetstream-kv.h"
#include "hw-jetstream-private.h"

/* Between attempts to open the bucket while the cluster elects leaders. */
#define OPEN_RETRY_US (100 * G_TIME_SPAN_MILLISECOND)
#define NS_PER_MS G_GINT64_CONSTANT (1000000)
/* A fence needs to outlive only the update it guards, which waits at most
 * HW_JETSTREAM_API_WAIT_MS for its answer. While it lasts, nobody else
 * can update the key from the revision it names. */
#define FENCE_TTL_MS 30000
/* How a KV bucket marks a key deleted: the header kvStore_Delete() sets
 * and kvStore_Get() reads. */
#define KV_OPERATION_HEADER "KV-Operation"
#define KV_OPERATION_DELETE "DEL"
#define KV_OPERATION_PURGE "PURGE"

struct _HwJetStreamKv
{
  /* kvStore_* calls take no wait of their own: they use their jsCtx's.
   * The HwJetStream's waits as long as a publish may (its timeout, up to
   * tens of seconds), so the bucket has a jsCtx of its own, on the same
   * connection, whose requests give up after HW_JETSTREAM_API_WAIT_MS. */
  jsCtx   *js;
  gint64   wait_ms;
  kvStore *store;
  kvStore *fences;   /* the subsystem's fences, shared by its buckets */
  char    *bucket;
  gint64   ttl_ms;
};

/* NATS' rule for KV keys. Checked here because a key is also put in
 * subjects here, where a wildcard or a space would address other keys. */
static gboolean
check_key (const char  *key,
           GError     **error)
{
  gsize length = key != NULL ? strlen (key) : 0;
  gboolean valid = length > 0 && key[0] != '.' && key[length - 1] != '.' && strstr (key, "..") == NULL;

  for (gsize i = 0; valid && i < length; i++)
    valid = g_ascii_isalnum (key[i]) || strchr ("-_/=.", key[i]) != NULL;
  if (!valid)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "“%s” is not a valid key", key != NULL ? key : "");
  return valid;
}

static void
set_kv_error (GError      **error,
              natsStatus    status,
              jsErrCode     js_code,
              const char   *action,
              const char   *key,
              kvStore      *store)
{
  g_autofree char *what = g_strdup_printf ("%s %s in %s", action, key, kvStore_Bucket (store));

  hw_jetstream_set_error (error, status, js_code, what);
}

/* Made here rather than by js_CreateKeyValue(), which always allows
 * direct gets: any replica answers those, also one that has not applied
 * the last write yet, and a compare-and-set needs the revision the leader
 * has. Otherwise the settings of a KV bucket, so libnats binds to it. */
static natsStatus
add_bucket_stream (jsCtx      *js,
                   const char *bucket,
                   int         replicas,
                   gint64      ttl_ms)
{
  g_autofree char *name = g_strconcat ("KV_", bucket, NULL);
  g_autofree char *subject = g_strconcat ("$KV.", bucket, ".>", NULL);
  const char *subjects[] = { subject };
  jsStreamInfo *info = NULL;
  jsErrCode js_code = 0;
  jsStreamConfig config;
  natsStatus s;

  jsStreamConfig_Init (&config);
  config.Name = name;
  config.Subjects = subjects;
  config.SubjectsLen = 1;
  /* A compare-and-set needs only the last revision of a key. */
  config.MaxMsgsPerSubject = 1;
  config.MaxAge = MAX (ttl_ms, 0) * NS_PER_MS;
  config.Storage = js_FileStorage;
  config.Replicas = replicas;
  config.Discard = js_DiscardNew;
  config.AllowRollup = TRUE;
  config.DenyDelete = TRUE;
  config.AllowDirect = FALSE;
  s = js_AddStream (&info, js, &config, NULL, &js_code);
  jsStreamInfo_Destroy (info);
  /* Another replica made it first: bound as it is. */
  return js_code == JSStreamNameExistErr ? NATS_OK : s;
}

/* Binds @bucket, made first if missing. A bucket that exists keeps its
 * settings, so its TTL is read back into @out_ttl_ms: a lease must lapse
 * by the TTL the cluster applies. */
static natsStatus
open_store (jsCtx       *js,
            const char  *bucket,
            int          replicas,
            gint64       ttl_ms,
            kvStore    **store,
            gint64      *out_ttl_ms)
{
  kvStatus *status = NULL;
  natsStatus s = js_KeyValue (store, js, bucket);

  if (s == NATS_NOT_FOUND)
    {
      s = add_bucket_stream (js, bucket, replicas, ttl_ms);
      if (s == NATS_OK)
        s = js_KeyValue (store, js, bucket);
    }
  if (s == NATS_OK && out_ttl_ms != NULL)
    s = kvStore_Status (&status, *store);
  if (s == NATS_OK && out_ttl_ms != NULL)
    *out_ttl_ms = kvStatus_TTL (status) / NS_PER_MS;
  kvStatus_Destroy (status);
  return s;
}

static natsStatus
try_open (HwJetStreamKv *kv,
          const char    *fence_bucket,
          int            replicas,
          gint64         ttl_ms)
{
  natsStatus s = open_store (kv->js, kv->bucket, replicas, ttl_ms, &kv->store, &kv->ttl_ms);

  if (s == NATS_OK)
    s = open_store (kv->js, fence_bucket, replicas, FENCE_TTL_MS, &kv->fences, NULL);
  if (s != NATS_OK)
    {
      g_clear_pointer (&kv->store, kvStore_Destroy);
      g_clear_pointer (&kv->fences, kvStore_Destroy);
    }
  return s;
}

static natsStatus
make_context (HwJetStreamKv *kv,
              HwJetStream   *js)
{
  jsOptions options;

  jsOptions_Init (&options);
  kv->wait_ms = MIN (hw_jetstream_get_timeout_ms (js), HW_JETSTREAM_API_WAIT_MS);
  options.Wait = kv->wait_ms;
  return natsConnection_JetStream (&kv->js, hw_jetstream_get_connection (js), &options);
}

HwJetStreamKv *
hw_jetstream_kv_open (HwJetStream  *js,
                      const char   *name,
                      int           replicas,
                      gint64        ttl_ms,
                      GError      **error)
{
  g_autoptr(HwJetStreamKv) kv = g_new0 (HwJetStreamKv, 1);
  g_autofree char *sanitized = hw_jetstream_sanitize_name (name);
  /* "HW-": no name given to this function makes it. */
  g_autofree char *fence_bucket = g_strconcat ("HW-fences_", hw_jetstream_get_name (js), NULL);
  gint64 deadline = g_get_monotonic_time () + hw_jetstream_get_timeout_ms (js) * G_TIME_SPAN_MILLISECOND;
  natsStatus s;

  g_return_val_if_fail (js != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  kv->bucket = g_strconcat ("HW_", sanitized, "_", hw_jetstream_get_name (js), NULL);
  replicas = replicas > 0 ? replicas : 3;
  s = make_context (kv, js);
  if (s == NATS_OK)
    while ((s = try_open (kv, fence_bucket, replicas, ttl_ms)) != NATS_OK && g_get_monotonic_time () < deadline)
      g_usleep (OPEN_RETRY_US);
  if (s != NATS_OK)
    {
      g_autofree char *what = g_strdup_printf ("opening the bucket %s", kv->bucket);

      hw_jetstream_set_error (error, s, 0, what);
      return NULL;
    }
  if (kv->ttl_ms != MAX (ttl_ms, 0))
    g_message ("bucket %s exists with a TTL of %" G_GINT64_FORMAT " ms (not %" G_GINT64_FORMAT "): kept", kv->bucket,
               kv->ttl_ms, ttl_ms);
  return g_steal_pointer (&kv);
}

void
hw_jetstream_kv_free (HwJetStreamKv *kv)
{
  if (kv == NULL)
    return;
  /* The stores hold references on the context: they go first. */
  kvStore_Destroy (kv->store);
  kvStore_Destroy (kv->fences);
  jsCtx_Destroy (kv->js);
  g_free (kv->bucket);
  g_free (kv);
}

const char *
hw_jetstream_kv_get_bucket (HwJetStreamKv *kv)
{
  return kv->bucket;
}

gint64
hw_jetstream_kv_get_ttl_ms (HwJetStreamKv *kv)
{
  return kv->ttl_ms;
}

GBytes *
hw_jetstream_kv_get (HwJetStreamKv  *kv,
                     const char     *key,
                     guint64        *out_revision,
                     GError        **error)
{
  kvEntry *entry = NULL;
  natsStatus s;
  GBytes *value;

  if (!check_key (key, error))
    return NULL;
  s = kvStore_Get (&entry, kv->store, key);
  if (s == NATS_NOT_FOUND)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no key %s in %s", key, kv->bucket);
      return NULL;
    }
  if (s != NATS_OK)
    {
      set_kv_error (error, s, 0, "reading", key, kv->store);
      return NULL;
    }
  value = g_bytes_new (kvEntry_Value (entry), (gsize) kvEntry_ValueLen (entry));
  if (out_revision != NULL)
    *out_revision = kvEntry_Revision (entry);
  kvEntry_Destroy (entry);
  return value;
}

guint64
hw_jetstream_kv_put (HwJetStreamKv  *kv,
                     const char     *key,
                     GBytes         *value,
                     GError        **error)
{
  gsize length = 0;
  const void *data = g_bytes_get_data (value, &length);
  uint64_t revision = 0;
  natsStatus s;

  if (!check_key (key, error))
    return 0;
  s = kvStore_Put (&revision, kv->store, key, data, (int) length);
  if (s != NATS_OK)
    {
      set_kv_error (error, s, 0, "writing", key, kv->store);
      return 0;
    }
  return revision;
}

static char *
key_subject (kvStore    *store,
             const char *key)
{
  return g_strconcat ("$KV.", kvStore_Bucket (store), ".", key, NULL);
}

/* The key's last message as the stream leader has it, delete markers
 * included (kvStore_Get() hides their revision): its revision, 0 when
 * there is none, and whether it is a marker. */
static natsStatus
read_last (HwJetStreamKv *kv,
           kvStore       *store,
           const char    *key,
           guint64       *revision,
           gboolean      *deleted)
{
  g_autofree char *stream = g_strconcat ("KV_", kvStore_Bucket (store), NULL);
  g_autofree char *subject = key_subject (store, key);
  const char *operation = NULL;
  natsMsg *msg = NULL;
  jsErrCode js_code = 0;
  natsStatus s = js_GetLastMsg (&msg, kv->js, stream, subject, NULL, &js_code);

  *revision = 0;
  *deleted = FALSE;
  if (s == NATS_NOT_FOUND || js_code == JSNoMessageFoundErr)
    return NATS_OK;
  if (s != NATS_OK)
    return s;
  *revision = natsMsg_GetSequence (msg);
  if (natsMsgHeader_Get (msg, KV_OPERATION_HEADER, &operation) == NATS_OK)
    *deleted = g_strcmp0 (operation, KV_OPERATION_DELETE) == 0 || g_strcmp0 (operation, KV_OPERATION_PURGE) == 0;
  natsMsg_Destroy (msg);
  return NATS_OK;
}

static void
set_lost_error (GError       **error,
                GIOErrorEnum   code,
                const char    *key,
                kvStore       *store)
{
  g_set_error (error, G_IO_ERROR, code, "%s in %s was written by someone else", key, kvStore_Bucket (store));
}

/* A write expecting @key's last revision to be @expected (0: none), made
 * by kvStore_Update(), which reads 0 as "none". Returns the new revision,
 * or 0 with @lost_code when another writer got there first; then
 * @out_marker (if given) is the revision of the delete marker found in
 * the way, if that is what the key ends with. */
static guint64
write_if (HwJetStreamKv  *kv,
          kvStore        *store,
          const char     *key,
          GBytes         *value,
          guint64         expected,
          GIOErrorEnum    lost_code,
          guint64        *out_marker,
          GError        **error)
{
  g_autoptr(GError) failure = NULL;
  gsize length = 0;
  const void *data = value != NULL ? g_bytes_get_data (value, &length) : NULL;
  uint64_t revision = 0;
  guint64 last = 0;
  gboolean deleted = FALSE;
  natsStatus s = kvStore_Update (&revision, store, key, data, (int) length, expected);

  if (s == NATS_OK)
    return revision;
  /* Before reading the key again, which replaces the library's last error. */
  set_kv_error (&failure, s, 0, "writing", key, store);
  /* NATS_ERR: JetStream answered, with an error. libnats does not pass on
   * its code for KV writes, so whether another writer won is read from
   * the key rather than from the error's text. */
  if (s != NATS_ERR || read_last (kv, store, key, &last, &deleted) != NATS_OK || last == expected)
    {
      g_propagate_error (error, g_steal_pointer (&failure));
      return 0;
    }
  if (deleted && out_marker != NULL)
    *out_marker = last;
  set_lost_error (error, lost_code, key, store);
  return 0;
}

/* Makes this writer the only one allowed to write @key from revision
 * @last, by creating <bucket>.<key>.<last> in the fence bucket: a create
 * is exclusive where an update is not (see the top of this file). A
 * writer that cannot has lost: another is writing from @last, so @last
 * will not be the key's revision when its own write lands. */
static gboolean
fence (HwJetStreamKv  *kv,
       const char     *key,
       guint64         last,
       GIOErrorEnum    lost_code,
       GError        **error)
{
  g_autofree char *fence_key = g_strdup_printf ("%s.%s.%" G_GUINT64_FORMAT, kv->bucket, key, last);

  return write_if (kv, kv->fences, fence_key, NULL, 0, lost_code, NULL, error) != 0;
}

static guint64
fenced_write (HwJetStreamKv  *kv,
              const char     *key,
              GBytes         *value,
              guint64         last,
              GIOErrorEnum    lost_code,
              GError        **error)
{
  if (!fence (kv, key, last, lost_code, error))
    return 0;
  return write_if (kv, kv->store, key, value, last, lost_code, NULL, error);
}

guint64
hw_jetstream_kv_create (HwJetStreamKv  *kv,
                        const char     *key,
                        GBytes         *value,
                        GError        **error)
{
  g_autoptr(GError) local = NULL;
  guint64 marker = 0;
  guint64 revision;

  if (!check_key (key, error))
    return 0;
  revision = write_if (kv, kv->store, key, value, 0, G_IO_ERROR_EXISTS, &marker, &local);
  if (revision != 0 || marker == 0)
    {
      if (local != NULL)
        g_propagate_error (error, g_steal_pointer (&local));
      return revision;
    }
  /* Deleted: created again by writing from its delete marker. */
  return fenced_write (kv, key, value, marker, G_IO_ERROR_EXISTS, error);
}

guint64
hw_jetstream_kv_update (HwJetStreamKv  *kv,
                        const char     *key,
                        GBytes         *value,
                        guint64         last,
                        GError        **error)
{
  /* 0 would mean "absent": that is hw_jetstream_kv_create(). */
  g_return_val_if_fail (last > 0, 0);
  if (!check_key (key, error))
    return 0;
  return fenced_write (kv, key, value, last, G_IO_ERROR_WRONG_ETAG, error);
}

gboolean
hw_jetstream_kv_delete (HwJetStreamKv  *kv,
                        const char     *key,
                        GError        **error)
{
  natsStatus s;

  if (!check_key (key, error))
    return FALSE;
  s = kvStore_Delete (kv->store, key);
  if (s != NATS_OK)
    set_kv_error (error, s, 0, "deleting", key, kv->store);
  return s == NATS_OK;
}

/* The delete marker kvStore_Delete() would write, with an expected
 * revision, which it has no way to take. */
static natsStatus
publish_delete_marker (HwJetStreamKv *kv,
                       const char    *key,
                       guint64        last,
                       jsErrCode     *js_code)
{
  g_autofree char *subject = key_subject (kv->store, key);
  natsMsg *msg = NULL;
  jsPubOptions options;
  natsStatus s;

  s = natsMsg_Create (&msg, subject, NULL, NULL, 0);
  if (s == NATS_OK)
    s = natsMsgHeader_Set (msg, KV_OPERATION_HEADER, KV_OPERATION_DELETE);
  if (s == NATS_OK)
    s = jsPubOptions_Init (&options);
  if (s == NATS_OK)
    {
      options.ExpectLastSubjectSeq = last;
      s = js_PublishMsg (NULL, kv->js, msg, &options, js_code);
    }
  natsMsg_Destroy (msg);
  return s;
}

gboolean
hw_jetstream_kv_delete_if (HwJetStreamKv  *kv,
                           const char     *key,
                           guint64         last,
                           GError        **error)
{
  jsErrCode js_code = 0;
  natsStatus s;

  g_return_val_if_fail (last > 0, FALSE);
  if (!check_key (key, error) || !fence (kv, key, last, G_IO_ERROR_WRONG_ETAG, error))
    return FALSE;
  s = publish_delete_marker (kv, key, last, &js_code);
  if (js_code == JSStreamWrongLastSequenceErr)
    set_lost_error (error, G_IO_ERROR_WRONG_ETAG, key, kv->store);
  else if (s != NATS_OK)
    set_kv_error (error, s, js_code, "deleting", key, kv->store);
  return s == NATS_OK;
}

static int
compare_keys (gconstpointer a,
              gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

GStrv
hw_jetstream_kv_keys (HwJetStreamKv  *kv,
                      GError        **error)
{
  kvKeysList list = { NULL, 0 };
  kvWatchOptions options;
  GPtrArray *keys;
  natsStatus s;

  kvWatchOptions_Init (&options);
  /* Without it, gathering the keys waits for ever on a cluster that does
   * not answer. */
  options.Timeout = kv->wait_ms;
  s = kvStore_Keys (&list, kv->store, &options);
  if (s != NATS_OK)
    {
      set_kv_error (error, s, 0, "listing", "the keys", kv->store);
      return NULL;
    }
  keys = g_ptr_array_new_full ((guint) list.Count + 1, NULL);
  for (int i = 0; i < list.Count; i++)
    g_ptr_array_add (keys, g_strdup (list.Keys[i]));
  kvKeysList_Destroy (&list);
  g_ptr_array_sort (keys, compare_keys);
  g_ptr_array_add (keys, NULL);
  return (GStrv) g_ptr_array_free (keys, FALSE);
}

/* Watches ----------------------------------------------------------------- */

struct _HwJetStreamKvWatch
{
  /* An ordered consumer of the bucket's stream, made by libnats: one
   * message a key to begin with (its last), then every new one. It binds
   * to the bucket's own stream, so the fences (another bucket) never show. */
  kvWatcher     *watcher;
  HwJetStreamKv *kv;
  char          *pattern;
  gboolean       current;
};

/* A key, or a pattern of keys: tokens between dots, "*" for any one token
 * and ">" (last) for one or more. */
static gboolean
check_pattern (const char  *pattern,
               GError     **error)
{
  g_auto(GStrv) tokens = g_strsplit (pattern, ".", -1);
  gboolean valid = tokens[0] != NULL;

  for (guint i = 0; valid && tokens[i] != NULL; i++)
    valid = g_str_equal (tokens[i], "*") || (g_str_equal (tokens[i], ">") && tokens[i + 1] == NULL) ||
            check_key (tokens[i], NULL);
  if (!valid)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "“%s” is not a valid key pattern", pattern);
  return valid;
}

HwJetStreamKvWatch *
hw_jetstream_kv_watch (HwJetStreamKv  *kv,
                       const char     *pattern,
                       GError        **error)
{
  g_autoptr(HwJetStreamKvWatch) watch = NULL;
  natsStatus s;

  g_return_val_if_fail (kv != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  if (pattern != NULL && !check_pattern (pattern, error))
    return NULL;
  watch = g_new0 (HwJetStreamKvWatch, 1);
  watch->kv = kv;
  watch->pattern = g_strdup (pattern != NULL ? pattern : ">");
  /* Creating the consumer waits as long as the bucket's jsCtx lets it. */
  s = kvStore_Watch (&watch->watcher, kv->store, watch->pattern, NULL);
  if (s != NATS_OK)
    {
      set_kv_error (error, s, 0, "watching", watch->pattern, kv->store);
      return NULL;
    }
  return g_steal_pointer (&watch);
}

static void
fill_change (HwJetStreamKvChange *change,
             kvEntry             *entry)
{
  kvOperation operation = kvEntry_Operation (entry);

  change->key = g_strdup (kvEntry_Key (entry));
  /* A delete marker or a purge marker (the KV-Operation header) has no
   * value; JetStream keeps it as the key's last message. */
  if (operation == kvOp_Delete || operation == kvOp_Purge)
    change->value = NULL;
  else
    change->value = g_bytes_new (kvEntry_Value (entry), (gsize) kvEntry_ValueLen (entry));
  change->revision = kvEntry_Revision (entry);
}

gboolean
hw_jetstream_kv_watch_next (HwJetStreamKvWatch   *watch,
                            gint64                timeout_ms,
                            HwJetStreamKvChange  *change,
                            GError              **error)
{
  gint64 deadline = g_get_monotonic_time () + MAX (timeout_ms, 0) * G_TIME_SPAN_MILLISECOND;
  kvEntry *entry = NULL;
  natsStatus s;

  g_return_val_if_fail (watch != NULL && change != NULL, FALSE);
  g_return_val_if_fail (change->key == NULL && change->value == NULL, FALSE);
  do
    {
      gint64 left_ms = (deadline - g_get_monotonic_time ()) / G_TIME_SPAN_MILLISECOND;

      /* kvWatcher_Next() refuses a wait of 0: 1 ms is the least it takes. */
      s = kvWatcher_Next (&entry, watch->watcher, MAX (left_ms, 1));
      /* A NULL entry marks the end of the initial values, once. */
      if (s == NATS_OK && entry == NULL)
        watch->current = TRUE;
    }
  while (s == NATS_OK && entry == NULL);
  if (s == NATS_TIMEOUT)
    return FALSE;
  if (s != NATS_OK)
    {
      set_kv_error (error, s, 0, "watching", watch->pattern, watch->kv->store);
      return FALSE;
    }
  /* Nothing left to send when this one was: current already, not only
   * once the marker is read at the next call. */
  if (kvEntry_Delta (entry) == 0)
    watch->current = TRUE;
  fill_change (change, entry);
  kvEntry_Destroy (entry);
  return TRUE;
}

gboolean
hw_jetstream_kv_watch_is_current (HwJetStreamKvWatch *watch)
{
  return watch->current;
}

void
hw_jetstream_kv_change_clear (HwJetStreamKvChange *change)
{
  g_clear_pointer (&change->key, g_free);
  g_clear_pointer (&change->value, g_bytes_unref);
  change->revision = 0;
}

void
hw_jetstream_kv_watch_free (HwJetStreamKvWatch *watch)
{
  if (watch == NULL)
    return;
  if (watch->watcher != NULL)
    kvWatcher_Destroy (watch->watcher);
  g_free (watch->pattern);
  g_free (watch);
}
