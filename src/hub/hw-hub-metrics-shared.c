/* hw-hub-metrics-shared.c: work metrics shared by the replicas of the JetStream engine
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "hw-hub-http.h"
#include "hw-hub-metrics-shared.h"
#include "hw-jetstream-mirror.h"

/* Points per publish: one message each, acknowledged together. */
#define OUTBOX_BATCH       500
/* An idle outbox is looked at this often: the metrics writer fills it at
 * most once a second (finished buckets, every 10 s, and late counts). */
#define POLL_MS            1000
/* After a publish failed (no quorum, no connection), waits from this,
 * doubled up to the maximum: the points wait in the outbox meanwhile. */
#define FIRST_BACKOFF_MS   1000
#define MAX_BACKOFF_MS     30000
/* The copies are "partial" when they were last seen at the stream's end
 * longer ago than this; looked at every CHECK_EVERY_MS. */
#define CURRENT_WITHIN_US  (15 * G_TIME_SPAN_SECOND)
#define CHECK_EVERY_US     (2 * G_TIME_SPAN_SECOND)
/* The copier's position in the stream, kept in the store. */
#define COPY_CURSOR        "metrics-copy-seq"
#define MESSAGE_MAX_DEPTH  4

struct _HwHubMetricsShared
{
  HwJetStream       *js;
  HwEventStore      *store;
  HwHubMetrics      *metrics;    /* not owned */
  char              *replica;
  HwJetStreamMirror *copier;
  GThread           *publisher;

  GMutex             lock;
  GCond              wake;
  gboolean           stopping;   /* under lock */

  gint64             current_at; /* the publisher's: copies last at the stream's end (monotonic) */
  gint64             checked_at; /* the publisher's */
};

/* Messages -------------------------------------------------------------------- */

/* The whole point, not an increment: a later version of a bucket (a late
 * count added to it) replaces the copies of the one before. */
static GBytes *
message_new (const char                *replica,
             const HwMetricOutboxEntry *entry)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  const HwMetricPoint *point = &entry->point;
  char *text;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "replica");
  json_builder_add_string_value (builder, replica);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, entry->id);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, point->name);
  json_builder_set_member_name (builder, "labels");
  json_builder_add_string_value (builder, point->labels != NULL ? point->labels : "{}");
  json_builder_set_member_name (builder, "resolution_s");
  json_builder_add_int_value (builder, point->resolution_s);
  json_builder_set_member_name (builder, "ts");
  json_builder_add_int_value (builder, point->ts_ms);
  json_builder_set_member_name (builder, "sum");
  json_builder_add_double_value (builder, point->sum);
  json_builder_set_member_name (builder, "min");
  json_builder_add_double_value (builder, point->min);
  json_builder_set_member_name (builder, "max");
  json_builder_add_double_value (builder, point->max);
  json_builder_set_member_name (builder, "count");
  json_builder_add_int_value (builder, point->count);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  text = json_to_string (root, FALSE);
  return g_bytes_new_take (text, strlen (text));
}

/* The outbox id names one version of one point of one replica: a retry
 * is stored once, and a new version is never taken for a retry. */
static char *
message_id (const char                *replica,
            const HwMetricOutboxEntry *entry)
{
  return g_strdup_printf ("%s.%" G_GINT64_FORMAT, replica, entry->id);
}

/* FALSE when @payload is not a point (another writer to the subject). */
static gboolean
message_parse (GBytes       *payload,
               HwMetricCopy *copy)
{
  gsize length = 0;
  const char *data = g_bytes_get_data (payload, &length);
  g_autoptr(JsonNode) root = hw_hub_parse_json (data, length, MESSAGE_MAX_DEPTH, NULL);
  JsonObject *object = root != NULL && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  const char *replica, *name;

  if (object == NULL)
    return FALSE;
  replica = json_object_get_string_member_with_default (object, "replica", NULL);
  name = json_object_get_string_member_with_default (object, "name", NULL);
  if (replica == NULL || name == NULL)
    return FALSE;
  copy->replica = g_strdup (replica);
  copy->version = json_object_get_int_member_with_default (object, "version", 0);
  copy->point.name = g_strdup (name);
  copy->point.labels = g_strdup (json_object_get_string_member_with_default (object, "labels", "{}"));
  copy->point.resolution_s = (guint) json_object_get_int_member_with_default (object, "resolution_s", 0);
  copy->point.ts_ms = json_object_get_int_member_with_default (object, "ts", 0);
  copy->point.sum = json_object_get_double_member_with_default (object, "sum", 0);
  copy->point.min = json_object_get_double_member_with_default (object, "min", 0);
  copy->point.max = json_object_get_double_member_with_default (object, "max", 0);
  copy->point.count = json_object_get_int_member_with_default (object, "count", 0);
  return copy->point.resolution_s > 0 && copy->point.count > 0;
}

/* Copying the others' points, on the copier's thread ---------------------------- */

/* An HwJetStreamMirrorApply: this replica's own points are in its store
 * already, under no replica id. */
static gboolean
apply_copies (GPtrArray  *payloads,
              GArray     *seqs,
              gpointer    user_data,
              GError    **error)
{
  HwHubMetricsShared *self = user_data;
  g_autoptr(GArray) copies = g_array_new (FALSE, TRUE, sizeof (HwMetricCopy));
  g_autofree char *last = NULL;

  g_array_set_clear_func (copies, (GDestroyNotify) hw_metric_copy_clear);
  for (guint i = 0; i < payloads->len; i++)
    {
      HwMetricCopy copy = { 0 };
      gboolean parsed = message_parse (g_ptr_array_index (payloads, i), &copy);

      if (!parsed)
        g_warning ("metrics copy: stream message %" G_GUINT64_FORMAT " is not a metric point",
                   g_array_index (seqs, guint64, i));
      if (parsed && !g_str_equal (copy.replica, self->replica))
        g_array_append_val (copies, copy);
      else
        hw_metric_copy_clear (&copy);
    }
  if (seqs->len == 0)
    return TRUE;
  /* Applying a batch again after a crash before the cursor moved changes
   * nothing: the versions decide. */
  last = g_strdup_printf ("%" G_GUINT64_FORMAT, g_array_index (seqs, guint64, seqs->len - 1));
  return hw_event_store_put_metric_copies (self->store, (HwMetricCopy *) (gpointer) copies->data, copies->len,
                                           error)
         && hw_event_store_set_cursor (self->store, COPY_CURSOR, last, error);
}

/* Publishing this replica's points, on the publisher's thread ------------------ */

/* Removes what JetStream acknowledged (stored, or had already: a retry). */
static gboolean
forget_acknowledged (HwHubMetricsShared *self,
                     GArray             *entries,
                     HwJetStreamResult  *results)
{
  g_autoptr(GArray) done = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GError) error = NULL;
  guint n_failed = 0;

  for (guint i = 0; i < entries->len; i++)
    {
      if (results[i].status == HW_JETSTREAM_FAILED)
        n_failed++;
      else
        g_array_append_val (done, g_array_index (entries, HwMetricOutboxEntry, i).id);
    }
  if (!hw_event_store_remove_metric_outbox (self->store, (gint64 *) (gpointer) done->data, done->len, &error))
    g_warning ("metrics publish: cannot update the outbox: %s", error->message);
  if (n_failed > 0)
    g_message ("metrics publish: %u of %u points not acknowledged (%s); sent again later", n_failed,
               entries->len, results[0].error != NULL ? results[0].error : "see the others");
  return n_failed == 0;
}

/* One batch of the outbox. FALSE when some point could not be published;
 * @more when the outbox may hold more. */
static gboolean
publish_some (HwHubMetricsShared *self,
              gboolean           *more)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) entries = hw_event_store_list_metric_outbox (self->store, OUTBOX_BATCH, &error);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autofree HwJetStreamResult *results = NULL;
  gboolean ok;

  *more = FALSE;
  if (entries == NULL)
    {
      g_warning ("metrics publish: cannot read the outbox: %s", error->message);
      return FALSE;
    }
  if (entries->len == 0)
    return TRUE;
  for (guint i = 0; i < entries->len; i++)
    {
      const HwMetricOutboxEntry *entry = &g_array_index (entries, HwMetricOutboxEntry, i);

      g_ptr_array_add (ids, message_id (self->replica, entry));
      g_ptr_array_add (messages, message_new (self->replica, entry));
    }
  results = g_new0 (HwJetStreamResult, entries->len);
  if (!hw_jetstream_publish (self->js, (const char * const *) ids->pdata, (GBytes * const *) messages->pdata,
                             entries->len, results, &error))
    {
      g_message ("metrics publish: the stream cannot be reached (%s); sent again later", error->message);
      return FALSE;
    }
  ok = forget_acknowledged (self, entries, results);
  for (guint i = 0; i < entries->len; i++)
    hw_jetstream_result_clear (&results[i]);
  *more = ok && entries->len == OUTBOX_BATCH;
  return ok;
}

/* Whether the copies hold every point the stream held a moment ago, asked
 * at most every CHECK_EVERY_US: answers say "partial" while they do not. */
static void
check_copies_current (HwHubMetricsShared *self)
{
  gint64 now = g_get_monotonic_time ();
  gint64 last;

  if (now - self->checked_at < CHECK_EVERY_US)
    return;
  self->checked_at = now;
  last = hw_jetstream_last_seq (self->js, NULL);
  if (last >= 0 && hw_jetstream_mirror_get_seq (self->copier) >= (guint64) last)
    self->current_at = now;
  hw_hub_metrics_set_copies_partial (self->metrics,
                                     self->current_at == 0 || now - self->current_at > CURRENT_WITHIN_US);
}

/* Until @ms passed or the replica stops; TRUE while it runs. */
static gboolean
wait_running (HwHubMetricsShared *self,
              guint               ms)
{
  gint64 until = g_get_monotonic_time () + ms * G_TIME_SPAN_MILLISECOND;
  gboolean running;

  g_mutex_lock (&self->lock);
  while (!self->stopping && g_cond_wait_until (&self->wake, &self->lock, until))
    ;
  running = !self->stopping;
  g_mutex_unlock (&self->lock);
  return running;
}

static gpointer
publish_thread (gpointer data)
{
  HwHubMetricsShared *self = data;
  guint backoff_ms = 0;
  gboolean more = FALSE;

  do
    {
      gboolean ok = publish_some (self, &more);

      check_copies_current (self);
      backoff_ms = ok ? 0 : CLAMP (backoff_ms * 2, FIRST_BACKOFF_MS, MAX_BACKOFF_MS);
    }
  while (wait_running (self, more ? 0 : backoff_ms > 0 ? backoff_ms : POLL_MS));
  /* Stopping: the buckets the hub flushed last, once. */
  publish_some (self, &more);
  return NULL;
}

/* Life ---------------------------------------------------------------------------- */

static guint64
copy_position (HwEventStore  *store,
               GError       **error)
{
  g_autofree char *cursor = hw_event_store_get_cursor (store, COPY_CURSOR, NULL, error);

  return cursor != NULL ? g_ascii_strtoull (cursor, NULL, 10) : 0;
}

HwHubMetricsShared *
hw_hub_metrics_shared_start (HwJetStream   *js,
                             HwEventStore  *store,
                             HwHubMetrics  *metrics,
                             GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *replica = hw_event_store_share_metrics (store, error);
  HwHubMetricsShared *self;
  guint64 seq = 0;

  if (replica != NULL)
    seq = copy_position (store, &local_error);
  if (replica == NULL || local_error != NULL)
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      hw_jetstream_free (js);
      return NULL;
    }
  self = g_new0 (HwHubMetricsShared, 1);
  self->js = js;
  self->store = g_object_ref (store);
  self->metrics = metrics;
  self->replica = g_steal_pointer (&replica);
  g_mutex_init (&self->lock);
  g_cond_init (&self->wake);
  hw_hub_metrics_set_copies_partial (metrics, TRUE);
  hw_hub_metrics_set_shared (metrics, TRUE);
  self->copier = hw_jetstream_mirror_start_applying (js, seq, "metrics-copy", apply_copies, self);
  self->publisher = g_thread_new ("hw-metrics-pub", publish_thread, self);
  g_message ("metrics: shared on %s as replica %s", hw_jetstream_get_stream (js), self->replica);
  return self;
}

void
hw_hub_metrics_shared_free (HwHubMetricsShared *self)
{
  if (self == NULL)
    return;
  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  g_cond_signal (&self->wake);
  g_mutex_unlock (&self->lock);
  g_thread_join (self->publisher);
  g_clear_pointer (&self->copier, hw_jetstream_mirror_free);
  hw_jetstream_free (self->js);
  g_object_unref (self->store);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->wake);
  g_free (self->replica);
  g_free (self);
}
