/* hw-hub-metrics-query.c: time series for charts and the Prometheus exposition
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "hw-error.h"
#include "hw-event-store.h"
#include "hw-hub-metrics-private.h"

#define MAX_POINTS     20000
#define TARGET_POINTS  300

static const gint64 nice_steps_s[] = {
  1, 5, 10, 30, 60, 300, 600, 1800, 3600, 10800, 21600, 43200, 86400, 604800,
};

static const char * const stats[] = {
  "sum", "count", "avg", "min", "max", "rate", "p50", "p95", "p99",
};

typedef struct
{
  JsonObject *labels;   /* the by-labels of the group */
  Acc        *buckets;  /* n_buckets */
  guint       n_buckets;
} Group;

typedef struct
{
  const char  *name;
  const char  *stat;
  gboolean     percentile;
  double       quantile;
  gint64       from_ms;
  gint64       to_ms;
  gint64       start_ms;   /* aligned to step */
  gint64       step_ms;
  gint64       now_ms;     /* when the query ran: the bucket holding it is unfinished */
  guint        n_buckets;
  GStrv        by;
  GHashTable  *where;      /* label → value, nullable */
  GHashTable  *groups;     /* group key → Group* */
  GHashTable  *parsed;     /* labels JSON → JsonObject* (store points) */
  GPtrArray   *own;        /* shared: this replica's points (const HwMetricPoint*), for
                            * hw_metrics_combine_replicas(); NULL: counted at once */
} Query;

static void
group_free (Group *group)
{
  for (guint i = 0; i < group->n_buckets; i++)
    g_clear_pointer (&group->buckets[i].samples, g_array_unref);
  g_free (group->buckets);
  json_object_unref (group->labels);
  g_free (group);
}

static gboolean
labels_match (Query      *query,
              JsonObject *labels)
{
  GHashTableIter iter;
  gpointer key, value;

  if (query->where == NULL)
    return TRUE;
  g_hash_table_iter_init (&iter, query->where);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (g_strcmp0 (json_object_get_string_member_with_default (labels, key, NULL), value) != 0)
      return FALSE;
  return TRUE;
}

static Group *
group_for (Query      *query,
           JsonObject *labels)
{
  g_autoptr(GString) key = g_string_new (NULL);
  Group *group;

  for (guint i = 0; query->by[i] != NULL; i++)
    {
      g_string_append (key, json_object_get_string_member_with_default (labels, query->by[i], ""));
      g_string_append_c (key, '\x1f');
    }
  group = g_hash_table_lookup (query->groups, key->str);
  if (group != NULL)
    return group;

  group = g_new0 (Group, 1);
  group->labels = json_object_new ();
  for (guint i = 0; query->by[i] != NULL; i++)
    json_object_set_string_member (group->labels, query->by[i],
                                   json_object_get_string_member_with_default (labels, query->by[i], ""));
  group->n_buckets = query->n_buckets;
  group->buckets = g_new0 (Acc, query->n_buckets);
  g_hash_table_insert (query->groups, g_strdup (key->str), group);
  return group;
}

static Acc *
bucket_for (Query      *query,
            JsonObject *labels,
            gint64      ts_ms)
{
  gint64 index;

  if (ts_ms < query->from_ms || ts_ms >= query->to_ms || !labels_match (query, labels))
    return NULL;
  index = (ts_ms - query->start_ms) / query->step_ms;
  if (index < 0 || index >= query->n_buckets)
    return NULL;
  return &group_for (query, labels)->buckets[index];
}

/* Adds a point carrying only a value (a stored percentile) as one sample. */
static void
add_value (Acc    *acc,
           double  value)
{
  Acc one = { .count = 1, .sum = value, .min = value, .max = value };

  if (isfinite (value))
    hw_metrics_acc_merge (acc, &one, ROLL_SAMPLES);
}

static void
collect_ring (Query  *query,
              Series *series)
{
  for (guint slot = 0; slot < RING_SECONDS; slot++)
    {
      Acc *acc = &series->ring[slot];
      Acc *bucket;

      if (acc->count == 0)
        continue;
      bucket = bucket_for (query, series->label_object, series->ring_sec[slot] * 1000);
      if (bucket == NULL)
        continue;
      if (query->percentile && acc->samples == NULL)
        continue;
      hw_metrics_acc_merge (bucket, acc, ROLL_SAMPLES);
    }
}

/* The open rollup bucket of @resolution, not yet in the store. */
static void
collect_open_rollup (Query  *query,
                     Series *series,
                     guint   r)
{
  Acc *acc = &series->roll[r];
  Acc *bucket;

  if (acc->count == 0)
    return;
  bucket = bucket_for (query, series->label_object, series->roll_start[r] * 1000);
  if (bucket == NULL)
    return;
  if (query->percentile)
    add_value (bucket, hw_metrics_acc_percentile (acc, query->quantile));
  else
    hw_metrics_acc_merge (bucket, acc, ROLL_SAMPLES);
}

static JsonObject *
parse_labels (Query      *query,
              const char *text)
{
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *object = g_hash_table_lookup (query->parsed, text ? text : "");
  JsonNode *root;

  if (object != NULL)
    return object;
  parser = json_parser_new ();
  if (text != NULL && json_parser_load_from_data (parser, text, -1, NULL)
      && (root = json_parser_get_root (parser)) != NULL && JSON_NODE_HOLDS_OBJECT (root))
    object = json_object_ref (json_node_get_object (root));
  else
    object = json_object_new ();
  g_hash_table_insert (query->parsed, g_strdup (text ? text : ""), object);
  return object;
}

static void
collect_point (Query               *query,
               const HwMetricPoint *point)
{
  Acc *bucket = bucket_for (query, parse_labels (query, point->labels), point->ts_ms);
  Acc acc = { .count = point->count, .sum = point->sum, .min = point->min, .max = point->max };

  if (bucket == NULL)
    return;
  if (query->percentile)
    add_value (bucket, point->sum / MAX (point->count, 1));
  else
    hw_metrics_acc_merge (bucket, &acc, ROLL_SAMPLES);
}

/* A point of this replica's rollups: counted now, or once combined with
 * the other replicas' copies of its bucket. */
static void
take_own_point (Query               *query,
                const HwMetricPoint *point)
{
  if (query->own != NULL)
    g_ptr_array_add (query->own, (gpointer) point);
  else
    collect_point (query, point);
}

static gboolean
is_of (const HwMetricPoint *point,
       const char          *name,
       guint                r)
{
  return point->resolution_s == hw_metrics_rollup_seconds[r] && g_str_equal (point->name, name);
}

static char *
bucket_key (const HwMetricPoint *point)
{
  return g_strdup_printf ("%s\n%" G_GINT64_FORMAT, point->labels ? point->labels : "", point->ts_ms);
}

/* Late counts add to stored points: while the writer adds some, the
 * store may hold them or not yet, so the query waits for that one write.
 * Rare (counts over a minute late, as in a backfill) and short; finished
 * buckets never need it (see collect_finished()). The writer cannot
 * begin another while the caller holds the mutex. */
static gboolean
late_being_written (HwHubMetrics *self)
{
  for (GList *l = self->unwritten.head; l != NULL; l = l->next)
    {
      HwMetricsWrite *write = l->data;

      if (write->writing && g_hash_table_size (write->late) > 0)
        return TRUE;
    }
  return FALSE;
}

/* The list is walked afresh after each wait: the writer frees the node of
 * the write it finished while the mutex is released. */
static void
wait_for_late_being_written (HwHubMetrics *self)
{
  while (late_being_written (self))
    g_cond_wait (&self->written, &self->mutex);
}

static void
collect_late (Query      *query,
              GHashTable *late,
              const char *name,
              guint       r)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, late);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (is_of (value, name, r))
      take_own_point (query, value);
}

/* A finished bucket not written yet replaces what the store holds for it
 * when it is (nothing: a bucket a stopped hub may have written part of is
 * added as a late count, see hw_metrics_close_rollup()): @replaced gets
 * its key, and the store's point is left out. Whether the writer has
 * already committed it does not matter then. */
static void
collect_finished (Query      *query,
                  GHashTable *replaced,
                  GArray     *points,
                  const char *name,
                  guint       r)
{
  for (guint i = 0; i < points->len; i++)
    {
      const HwMetricPoint *point = &g_array_index (points, HwMetricPoint, i);

      if (!is_of (point, name, r))
        continue;
      take_own_point (query, point);
      g_hash_table_add (replaced, bucket_key (point));
    }
}

/* Finished buckets and late counts not written yet: waiting for the next
 * tick, or handed to the writer. */
static void
collect_unwritten (HwHubMetrics *self,
                   Query        *query,
                   GHashTable   *replaced,
                   const char   *name,
                   guint         r)
{
  collect_finished (query, replaced, self->pending, name, r);
  collect_late (query, self->late, name, r);
  for (GList *l = self->unwritten.head; l != NULL; l = l->next)
    {
      HwMetricsWrite *write = l->data;

      collect_finished (query, replaced, write->points, name, r);
      collect_late (query, write->late, name, r);
    }
}

/* Under the mutex, while the points in query->own are alive. */
static gboolean
collect_with_copies (HwHubMetrics  *self,
                     Query         *query,
                     const char    *name,
                     guint          r,
                     GError       **error)
{
  g_autoptr(GArray) combined = hw_metrics_combine_replicas (self->store, name, hw_metrics_rollup_seconds[r],
                                                            query->from_ms, query->to_ms, query->own, error);

  if (combined == NULL)
    return FALSE;
  for (guint i = 0; i < combined->len; i++)
    collect_point (query, &g_array_index (combined, HwMetricPoint, i));
  return TRUE;
}

static gboolean
collect_store (HwHubMetrics  *self,
               Query         *query,
               guint          r,
               GError       **error)
{
  g_autoptr(GArray) points = NULL;
  g_autoptr(GHashTable) replaced = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *name = NULL;

  if (self->store == NULL)
    return TRUE;
  name = query->percentile ? g_strdup_printf ("%s.%s", query->name, query->stat) : g_strdup (query->name);
  wait_for_late_being_written (self);
  points = hw_event_store_query_metric_points (self->store, name, NULL, hw_metrics_rollup_seconds[r],
                                               query->from_ms, query->to_ms, NULL, error);
  if (points == NULL)
    return FALSE;
  collect_unwritten (self, query, replaced, name, r);
  for (guint i = 0; i < points->len; i++)
    {
      const HwMetricPoint *point = &g_array_index (points, HwMetricPoint, i);
      g_autofree char *key = g_hash_table_size (replaced) > 0 ? bucket_key (point) : NULL;

      if (key == NULL || !g_hash_table_contains (replaced, key))
        take_own_point (query, point);
    }
  return query->own == NULL || collect_with_copies (self, query, name, r, error);
}

/* Seconds a bucket's counts were gathered over: its step, or for the
 * bucket still filling, the time since it began. Dividing that one by the
 * whole step would show every rate dropping at the right edge of a chart. */
static double
bucket_seconds (Query  *query,
                gint64  bucket_start_ms)
{
  gint64 covered_ms = query->now_ms - bucket_start_ms;

  if (covered_ms >= query->step_ms)
    return query->step_ms / 1000.0;
  return MAX (covered_ms, 1000) / 1000.0;
}

static gboolean
bucket_value (Query  *query,
              gint64  bucket_start_ms,
              Acc    *acc,
              double *out)
{
  gboolean counting = g_str_equal (query->stat, "sum") || g_str_equal (query->stat, "count")
                      || g_str_equal (query->stat, "rate");

  /* Counters read as zero where nothing happened; other stats leave a gap. */
  if (acc->count == 0)
    {
      *out = 0;
      return counting;
    }
  if (g_str_equal (query->stat, "sum"))
    *out = acc->sum;
  else if (g_str_equal (query->stat, "count"))
    *out = acc->count;
  else if (g_str_equal (query->stat, "rate"))
    *out = acc->sum / bucket_seconds (query, bucket_start_ms);
  else if (g_str_equal (query->stat, "min"))
    *out = acc->min;
  else if (g_str_equal (query->stat, "max"))
    *out = acc->max;
  else if (query->percentile && acc->samples != NULL && acc->samples->len > 0)
    *out = hw_metrics_acc_percentile (acc, query->quantile);
  else
    *out = acc->sum / acc->count;   /* avg, and percentiles averaged from rollups */
  return isfinite (*out);
}

static int
compare_group_keys (gconstpointer a,
                    gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static JsonNode *
build_answer (Query *query)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree gpointer *keys = NULL;
  guint n_keys = 0;

  keys = g_hash_table_get_keys_as_array (query->groups, &n_keys);
  qsort (keys, n_keys, sizeof (gpointer), compare_group_keys);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, query->name);
  json_builder_set_member_name (builder, "stat");
  json_builder_add_string_value (builder, query->stat);
  json_builder_set_member_name (builder, "step_ms");
  json_builder_add_int_value (builder, query->step_ms);
  json_builder_set_member_name (builder, "from");
  json_builder_add_int_value (builder, query->from_ms);
  json_builder_set_member_name (builder, "to");
  json_builder_add_int_value (builder, query->to_ms);
  json_builder_set_member_name (builder, "series");
  json_builder_begin_array (builder);
  for (guint k = 0; k < n_keys; k++)
    {
      Group *group = g_hash_table_lookup (query->groups, keys[k]);
      g_autoptr(JsonNode) labels = json_node_new (JSON_NODE_OBJECT);

      json_node_set_object (labels, group->labels);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "labels");
      json_builder_add_value (builder, json_node_copy (labels));
      json_builder_set_member_name (builder, "points");
      json_builder_begin_array (builder);
      for (guint i = 0; i < group->n_buckets; i++)
        {
          gint64 bucket_start_ms = query->start_ms + (gint64) i * query->step_ms;
          double value;

          if (!bucket_value (query, bucket_start_ms, &group->buckets[i], &value))
            continue;
          json_builder_begin_array (builder);
          json_builder_add_int_value (builder, bucket_start_ms);
          json_builder_add_double_value (builder, value);
          json_builder_end_array (builder);
        }
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static gboolean
setup_query (Query       *query,
             gint64       step_ms,
             const char  *by,
             GError     **error)
{
  gint64 span = query->to_ms - query->from_ms;
  gboolean known = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (stats); i++)
    known |= g_str_equal (stats[i], query->stat);
  if (!known)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_PROTOCOL,
                   "parameter 'stat': unknown statistic '%s' (sum, count, avg, min, max, rate, p50, p95, p99)",
                   query->stat);
      return FALSE;
    }
  query->percentile = query->stat[0] == 'p';
  if (query->percentile)
    query->quantile = g_ascii_strtod (query->stat + 1, NULL) / 100.0;

  if (span <= 0)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_TIME,
                   "time range is empty or reversed: from must be before to");
      return FALSE;
    }
  if (step_ms <= 0)
    {
      step_ms = nice_steps_s[G_N_ELEMENTS (nice_steps_s) - 1] * 1000;
      for (guint i = 0; i < G_N_ELEMENTS (nice_steps_s); i++)
        if (span / (nice_steps_s[i] * 1000) <= TARGET_POINTS)
          {
            step_ms = nice_steps_s[i] * 1000;
            break;
          }
    }
  if (span / step_ms > MAX_POINTS)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_PROTOCOL,
                   "parameter 'step': %" G_GINT64_FORMAT " ms gives more than %d points over the range",
                   step_ms, MAX_POINTS);
      return FALSE;
    }
  query->step_ms = step_ms;
  query->start_ms = query->from_ms - (((query->from_ms % step_ms) + step_ms) % step_ms);
  query->n_buckets = (guint) ((query->to_ms - query->start_ms + step_ms - 1) / step_ms);
  query->by = by != NULL && by[0] != '\0' ? g_strsplit (by, ",", -1) : g_new0 (char *, 1);
  for (guint i = 0; query->by[i] != NULL; i++)
    g_strstrip (query->by[i]);
  query->groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) group_free);
  query->parsed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) json_object_unref);
  return TRUE;
}

static void
clear_query (Query *query)
{
  g_clear_pointer (&query->by, g_strfreev);
  g_clear_pointer (&query->groups, g_hash_table_unref);
  g_clear_pointer (&query->parsed, g_hash_table_unref);
  g_clear_pointer (&query->own, g_ptr_array_unref);
}

JsonNode *
hw_hub_metrics_query (HwHubMetrics *self,
                      const char   *name,
                      gint64        from_ms,
                      gint64        to_ms,
                      gint64        step_ms,
                      const char   *stat,
                      const char   *by,
                      GHashTable   *where,
                      GError      **error)
{
  Query query = { .name = name, .stat = stat ? stat : "sum", .from_ms = from_ms, .to_ms = to_ms,
                  .where = where };
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = NULL;
  gint64 ring_start_ms;
  GHashTableIter iter;
  gpointer value;
  JsonNode *answer = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  if (!setup_query (&query, step_ms, by, error))
    {
      clear_query (&query);
      return NULL;
    }

  locker = g_mutex_locker_new (&self->mutex);
  query.now_ms = g_get_real_time () / 1000;
  ring_start_ms = (query.now_ms / 1000 - RING_SECONDS + 1) * 1000;
  if (from_ms >= ring_start_ms && query.step_ms < hw_metrics_rollup_seconds[0] * 1000 * 6)
    {
      /* Recent and fine-grained: the 1 s ring answers exactly. */
      g_hash_table_iter_init (&iter, self->series);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        if (g_str_equal (((Series *) value)->name, name))
          collect_ring (&query, value);
    }
  else
    {
      /* The coarsest rollup that still resolves one step. */
      guint r = 0;

      while (r + 1 < N_ROLLUPS && hw_metrics_rollup_seconds[r + 1] * 1000 <= query.step_ms)
        r++;
      if (self->shared)
        query.own = g_ptr_array_new ();
      if (!collect_store (self, &query, r, error))
        {
          clear_query (&query);
          return NULL;
        }
      g_hash_table_iter_init (&iter, self->series);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        if (g_str_equal (((Series *) value)->name, name))
          collect_open_rollup (&query, value, r);
    }
  answer = build_answer (&query);
  /* Only rollups are combined: the 1 s ring is this replica's alone. */
  if (query.own != NULL && g_atomic_int_get (&self->copies_partial))
    json_object_set_boolean_member (json_node_get_object (answer), "partial", TRUE);
  clear_query (&query);
  return answer;
}

/* Prometheus ------------------------------------------------------------------ */

static char *
prometheus_name (const char *name)
{
  GString *out = g_string_new ("hubwatch_");

  for (const char *p = name; *p != '\0'; p++)
    g_string_append_c (out, g_ascii_isalnum (*p) ? *p : '_');
  return g_string_free (out, FALSE);
}

static void
append_labels (GString    *out,
               JsonObject *labels,
               const char *extra_key,
               const char *extra_value)
{
  JsonObjectIter iter;
  const char *key;
  JsonNode *member;
  gboolean first = TRUE;

  json_object_iter_init (&iter, labels);
  if (json_object_get_size (labels) == 0 && extra_key == NULL)
    return;
  g_string_append_c (out, '{');
  while (json_object_iter_next (&iter, &key, &member))
    {
      const char *value = json_node_get_string (member);

      if (!first)
        g_string_append_c (out, ',');
      first = FALSE;
      for (const char *p = key; *p != '\0'; p++)
        g_string_append_c (out, g_ascii_isalnum (*p) ? *p : '_');
      g_string_append (out, "=\"");
      for (const char *p = value ? value : ""; *p != '\0'; p++)
        {
          if (*p == '\\' || *p == '"')
            g_string_append_c (out, '\\');
          if (*p == '\n')
            g_string_append (out, "\\n");
          else
            g_string_append_c (out, *p);
        }
      g_string_append_c (out, '"');
    }
  if (extra_key != NULL)
    g_string_append_printf (out, "%s%s=\"%s\"", first ? "" : ",", extra_key, extra_value);
  g_string_append_c (out, '}');
}

static int
compare_series (gconstpointer a,
                gconstpointer b)
{
  const Series *x = *(const Series * const *) a;
  const Series *y = *(const Series * const *) b;
  int by_name = strcmp (x->name, y->name);

  return by_name != 0 ? by_name : strcmp (x->labels, y->labels);
}

/* Quantiles over the last minute of the 1 s ring. */
static void
append_summary (GString    *out,
                Series     *series,
                gint64      now_sec,
                const char *metric)
{
  static const double quantiles[] = { 0.5, 0.95, 0.99 };
  Acc window = { 0 };

  for (gint64 sec = now_sec - 59; sec <= now_sec; sec++)
    {
      guint slot = (guint) (sec % RING_SECONDS);

      if (series->ring_sec[slot] == sec)
        hw_metrics_acc_merge (&window, &series->ring[slot], ROLL_SAMPLES);
    }
  for (guint q = 0; q < G_N_ELEMENTS (quantiles); q++)
    {
      char quantile[16];
      double value = hw_metrics_acc_percentile (&window, quantiles[q]);

      g_ascii_formatd (quantile, sizeof quantile, "%g", quantiles[q]);
      g_string_append (out, metric);
      append_labels (out, series->label_object, "quantile", quantile);
      if (isfinite (value))
        g_string_append_printf (out, " %.17g\n", value);
      else
        g_string_append (out, " NaN\n");
    }
  g_clear_pointer (&window.samples, g_array_unref);
  g_string_append_printf (out, "%s_sum", metric);
  append_labels (out, series->label_object, NULL, NULL);
  g_string_append_printf (out, " %.17g\n", series->total);
  g_string_append_printf (out, "%s_count", metric);
  append_labels (out, series->label_object, NULL, NULL);
  g_string_append_printf (out, " %" G_GINT64_FORMAT "\n", series->total_count);
}

char *
hw_hub_metrics_to_prometheus (HwHubMetrics *self)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(GPtrArray) all = NULL;
  GString *out = g_string_new (NULL);
  const char *previous = NULL;
  gint64 now_sec = g_get_real_time () / G_USEC_PER_SEC;

  g_return_val_if_fail (self != NULL, NULL);

  locker = g_mutex_locker_new (&self->mutex);
  all = g_ptr_array_new ();
  {
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init (&iter, self->series);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      g_ptr_array_add (all, value);
  }
  g_ptr_array_sort (all, compare_series);
  for (guint i = 0; i < all->len; i++)
    {
      Series *series = g_ptr_array_index (all, i);
      g_autofree char *base = prometheus_name (series->name);
      g_autofree char *metric = series->kind == HW_METRIC_COUNTER
                                ? g_strconcat (base, "_total", NULL) : g_strdup (base);
      static const char * const types[] = { "counter", "gauge", "summary" };

      if (g_strcmp0 (previous, series->name) != 0)
        g_string_append_printf (out, "# TYPE %s %s\n", metric, types[series->kind]);
      previous = series->name;

      if (series->kind == HW_METRIC_HISTOGRAM)
        {
          append_summary (out, series, now_sec, metric);
          continue;
        }
      g_string_append (out, metric);
      append_labels (out, series->label_object, NULL, NULL);
      g_string_append_printf (out, " %.17g\n", series->kind == HW_METRIC_COUNTER ? series->total : series->last);
    }
  return g_string_free (out, FALSE);
}
