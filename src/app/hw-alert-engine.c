/* hw-alert-engine.c: alert rules run over one hub's cached metrics and faults
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Rules are evaluated once per complete rollup period, each period exactly
 * once: every run pushes only the periods after the previous run's last,
 * so a rule needs several runs (or several cached periods) before it
 * fires, and a long alert is recorded once, not once per refresh. Alert
 * ids are derived from (rule, subject, time, state), so a restarted console
 * re-evaluating the same cache finds its own records and does not notify
 * twice.
 */
#include "config.h"

#include <math.h>

#include "hw-alert-engine.h"
#include "hw-hub-sync.h"

#define STEP_MS     (G_GINT64_CONSTANT (1000) * HW_ALERT_ENGINE_STEP_S)
#define WINDOW_MS   (G_GINT64_CONSTANT (3600) * 1000)
#define MAX_FAULTS  500

static const HwAlertMetricRequest requests[] = {
  { "alerts.iterator-age", "listener.iterator_age", "max", "listener" },
  { "alerts.listener-errors", "listener.errors", "sum", "listener" },
  { "alerts.listener-invocations", "listener.invocations", "sum", "listener" },
  { "alerts.api-errors", "api.request.errors", "sum", "route" },
  { "alerts.api-requests", "api.request.count", "sum", "route" },
  { "alerts.event-count", "domain.event.count", "sum", "type" },
};

enum { REQ_ITERATOR_AGE, REQ_LISTENER_ERRORS, REQ_LISTENER_CALLS, REQ_API_ERRORS, REQ_API_CALLS,
       REQ_EVENT_COUNT };

typedef struct
{
  HwAlertEvaluator *evaluator;
  gint64            last_t_ms;     /* last period pushed */
} Track;

struct _HwAlertEngine
{
  HwAlertConfig   config;
  gboolean        configured;
  GHashTable     *tracks;          /* "rule\x1fsubject" → Track* */
  HwFaultAlerter *fault_alerter;
  gint64          fault_after_ms;  /* faults at or after this are still to offer */
  GHashTable     *faults_seen;     /* event ids offered at fault_after_ms */
};

const HwAlertMetricRequest *
hw_alert_engine_get_requests (guint *n)
{
  *n = G_N_ELEMENTS (requests);
  return requests;
}

void
hw_alert_record_free (HwAlertRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->id);
  g_free (record->rule);
  g_free (record->subject);
  g_free (record->metric);
  g_free (record->message);
  g_free (record->json);
  g_free (record);
}

void
hw_alert_run_free (HwAlertRun *run)
{
  if (run == NULL)
    return;
  g_clear_pointer (&run->records, g_ptr_array_unref);
  g_clear_pointer (&run->states, g_hash_table_unref);
  g_free (run);
}

static void
track_free (Track *track)
{
  hw_alert_evaluator_free (track->evaluator);
  g_free (track);
}

HwAlertEngine *
hw_alert_engine_new (void)
{
  HwAlertEngine *self = g_new0 (HwAlertEngine, 1);

  self->tracks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) track_free);
  self->fault_alerter = hw_fault_alerter_new (0);
  self->faults_seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return self;
}

void
hw_alert_engine_free (HwAlertEngine *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->tracks);
  hw_fault_alerter_free (self->fault_alerter);
  g_hash_table_unref (self->faults_seen);
  g_strfreev (self->config.key_types);
  g_free (self);
}

static gboolean
config_equal (const HwAlertConfig *a,
              const HwAlertConfig *b)
{
  guint n_a = a->key_types != NULL ? g_strv_length (a->key_types) : 0;
  guint n_b = b->key_types != NULL ? g_strv_length (b->key_types) : 0;

  if (a->iterator_age_ms != b->iterator_age_ms || a->error_rate != b->error_rate
      || a->anomaly_window != b->anomaly_window || a->anomaly_k != b->anomaly_k
      || a->anomaly_m != b->anomaly_m || a->anomaly_n != b->anomaly_n || n_a != n_b)
    return FALSE;
  for (guint i = 0; i < n_a; i++)
    if (!g_str_equal (a->key_types[i], b->key_types[i]))
      return FALSE;
  return TRUE;
}

/* New thresholds change what every past period means: start the rules over. */
static void
apply_config (HwAlertEngine       *self,
              const HwAlertConfig *config)
{
  if (self->configured && config_equal (&self->config, config))
    return;
  g_strfreev (self->config.key_types);
  self->config = *config;
  self->config.key_types = g_strdupv (config->key_types);
  self->configured = TRUE;
  g_hash_table_remove_all (self->tracks);
}

/* Reading the cache ------------------------------------------------------------- */

/* The subject of a label set: the value of its one label ("payments" for
 * {"listener":"payments"}), NULL for none. */
static char *
subject_of (const char *labels)
{
  g_autoptr(JsonNode) node = labels != NULL ? json_from_string (labels, NULL) : NULL;
  JsonObject *object;
  g_autoptr(GList) members = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  object = json_node_get_object (node);
  members = json_object_get_members (object);
  if (members == NULL)
    return NULL;
  return g_strdup (json_object_get_string_member_with_default (object, members->data, NULL));
}

/* subject → GArray of HwAlertPoint (ascending), and the newest period start. */
static GHashTable *
read_series (HwEventStore  *store,
             guint          request,
             gboolean       maximum,
             gint64         from_ms,
             gint64         to_ms,
             gint64        *newest_ms,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autofree char *name = hw_hub_sync_metric_cache_name (requests[request].metric,
                                                         requests[request].stat);
  g_autoptr(GArray) points = NULL;
  GHashTable *series;

  points = hw_event_store_query_metric_points (store, name, NULL, HW_ALERT_ENGINE_STEP_S, from_ms,
                                               to_ms, cancellable, error);
  if (points == NULL)
    return NULL;
  g_array_set_clear_func (points, (GDestroyNotify) hw_metric_point_clear);

  series = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_array_unref);
  for (guint i = 0; i < points->len; i++)
    {
      HwMetricPoint *p = &g_array_index (points, HwMetricPoint, i);
      g_autofree char *subject = subject_of (p->labels);
      HwAlertPoint point = { p->ts_ms, maximum ? p->max : p->sum };
      GArray *array;

      if (subject == NULL)
        subject = g_strdup ("");
      array = g_hash_table_lookup (series, subject);
      if (array == NULL)
        {
          array = g_array_new (FALSE, FALSE, sizeof (HwAlertPoint));
          g_hash_table_insert (series, g_strdup (subject), array);
        }
      g_array_append_val (array, point);
      *newest_ms = MAX (*newest_ms, p->ts_ms);
    }
  return series;
}

/* Evaluating --------------------------------------------------------------------- */

typedef struct
{
  HwAlertEngine *self;
  HwEventStore  *store;
  HwAlertRun    *run;
  gint64         from_ms;
  gint64         complete_to_ms;   /* periods before this are complete */
} RunCtx;

static char *
track_key (const char *rule,
           const char *subject)
{
  return g_strdup_printf ("%s\x1f%s", rule, subject != NULL ? subject : "");
}

static char *
record_json (HwAlertRecord *record,
             JsonObject    *extra)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (object, "kind", "alert");
  json_object_set_string_member (object, "id", record->id);
  json_object_set_string_member (object, "rule", record->rule);
  json_object_set_string_member (object, "state", hw_alert_state_to_string (record->state));
  json_object_set_string_member (object, "previous_state", hw_alert_state_to_string (record->from));
  json_object_set_double_member (object, "value", isnan (record->value) ? 0 : record->value);
  json_object_set_int_member (object, "time", record->t_ms);
  json_object_set_string_member (object, "source", "console");
  if (record->subject != NULL)
    json_object_set_string_member (object, "subject", record->subject);
  if (record->metric != NULL)
    json_object_set_string_member (object, "metric", record->metric);
  if (!isnan (record->threshold))
    json_object_set_double_member (object, "threshold", record->threshold);
  if (record->message != NULL)
    json_object_set_string_member (object, "message", record->message);
  if (extra != NULL)
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      json_object_iter_init (&iter, extra);
      while (json_object_iter_next (&iter, &name, &member))
        json_object_set_member (object, name, json_node_copy (member));
    }
  json_node_set_object (node, object);
  return json_to_string (node, FALSE);
}

static gboolean
store_record (RunCtx         *ctx,
              HwAlertRecord  *record,
              JsonObject     *extra,
              GError        **error)
{
  HwInsertStatus status = HW_INSERT_DUPLICATE;

  record->json = record_json (record, extra);
  if (!hw_event_store_insert_system_event (ctx->store, record->id, "alert", record->t_ms, NULL,
                                           record->json, &status, error))
    return FALSE;
  record->is_new = status == HW_INSERT_ACCEPTED;
  g_ptr_array_add (ctx->run->records, record);
  return TRUE;
}

static gboolean
feed_track (RunCtx             *ctx,
            const char         *rule_name,
            const HwAlertRule  *rule,
            const char         *metric,
            const char         *subject,
            const HwAlertPoint *points,
            gsize               n_points,
            HwAlertStatistic    statistic,
            GError            **error)
{
  g_autofree char *key = track_key (rule_name, subject);
  Track *track = g_hash_table_lookup (ctx->self->tracks, key);
  g_autoptr(GArray) periods = NULL;

  if (track == NULL)
    {
      track = g_new0 (Track, 1);
      track->evaluator = hw_alert_evaluator_new (rule);
      track->last_t_ms = G_MININT64;
      g_hash_table_insert (ctx->self->tracks, g_strdup (key), track);
    }

  periods = hw_alert_aggregate (points, n_points, ctx->from_ms, ctx->complete_to_ms, STEP_MS,
                                statistic);
  for (guint i = 0; i < periods->len; i++)
    {
      HwAlertPoint *p = &g_array_index (periods, HwAlertPoint, i);
      HwAlertState before = hw_alert_evaluator_get_state (track->evaluator);
      HwAlertRecord *record;
      gboolean changed = FALSE;

      if (p->t_ms <= track->last_t_ms)
        continue;
      track->last_t_ms = p->t_ms;
      hw_alert_evaluator_push (track->evaluator, p->t_ms, p->value, &changed);
      if (!changed)
        continue;

      record = g_new0 (HwAlertRecord, 1);
      record->rule = g_strdup (rule_name);
      record->subject = g_strdup (subject);
      record->metric = g_strdup (metric);
      record->from = before;
      record->state = hw_alert_evaluator_get_state (track->evaluator);
      record->t_ms = p->t_ms;
      record->value = p->value;
      record->threshold = rule->kind == HW_ALERT_RULE_THRESHOLD ? rule->threshold : NAN;
      record->id = g_strdup_printf ("alert:%s:%s:%" G_GINT64_FORMAT ":%s", rule_name,
                                    subject != NULL ? subject : "", p->t_ms,
                                    hw_alert_state_to_string (record->state));
      if (!store_record (ctx, record, NULL, error))
        return FALSE;
    }
  g_hash_table_insert (ctx->run->states, g_strdup (key),
                       GINT_TO_POINTER (hw_alert_evaluator_get_state (track->evaluator)));
  return TRUE;
}

static gboolean
feed_all (RunCtx            *ctx,
          GHashTable        *series,
          const char        *rule_name,
          const HwAlertRule *rule,
          const char        *metric,
          HwAlertStatistic   statistic,
          GError           **error)
{
  GHashTableIter iter;
  const char *subject;
  GArray *points;

  g_hash_table_iter_init (&iter, series);
  while (g_hash_table_iter_next (&iter, (gpointer *) &subject, (gpointer *) &points))
    if (!feed_track (ctx, rule_name, rule, metric, *subject != '\0' ? subject : NULL,
                     (HwAlertPoint *) (gpointer) points->data, points->len, statistic, error))
      return FALSE;
  return TRUE;
}

/* errors ÷ calls per period; NaN where nothing was called. */
static GArray *
ratio_points (GArray *errors,
              GArray *calls,
              gint64  from_ms,
              gint64  to_ms)
{
  g_autoptr(GArray) e = hw_alert_aggregate (errors != NULL ? (HwAlertPoint *) (gpointer) errors->data : NULL,
                                            errors != NULL ? errors->len : 0, from_ms, to_ms, STEP_MS,
                                            HW_ALERT_STATISTIC_SUM);
  GArray *c = hw_alert_aggregate ((HwAlertPoint *) (gpointer) calls->data, calls->len, from_ms, to_ms,
                                  STEP_MS, HW_ALERT_STATISTIC_SUM);

  for (guint i = 0; i < c->len; i++)
    {
      HwAlertPoint *p = &g_array_index (c, HwAlertPoint, i);
      double n = p->value;

      p->value = n > 0 ? g_array_index (e, HwAlertPoint, i).value / n : NAN;
    }
  return c;
}

static gboolean
run_error_rate (RunCtx        *ctx,
                guint          errors_request,
                guint          calls_request,
                const char    *rule_name,
                GCancellable  *cancellable,
                GError       **error)
{
  g_autoptr(GHashTable) errors = NULL;
  g_autoptr(GHashTable) calls = NULL;
  HwAlertRule rule = hw_alert_rule_error_rate (ctx->self->config.error_rate);
  gint64 newest = G_MININT64;
  GHashTableIter iter;
  const char *subject;
  GArray *points;

  errors = read_series (ctx->store, errors_request, FALSE, ctx->from_ms, G_MAXINT64, &newest,
                        cancellable, error);
  if (errors == NULL)
    return FALSE;
  calls = read_series (ctx->store, calls_request, FALSE, ctx->from_ms, G_MAXINT64, &newest,
                       cancellable, error);
  if (calls == NULL)
    return FALSE;

  g_hash_table_iter_init (&iter, calls);
  while (g_hash_table_iter_next (&iter, (gpointer *) &subject, (gpointer *) &points))
    {
      /* Already per period, so the SUM aggregation in feed_track is the identity. */
      g_autoptr(GArray) ratio = ratio_points (g_hash_table_lookup (errors, subject), points,
                                              ctx->from_ms, ctx->complete_to_ms);

      if (!feed_track (ctx, rule_name, &rule, requests[errors_request].metric,
                       *subject != '\0' ? subject : NULL, (HwAlertPoint *) (gpointer) ratio->data,
                       ratio->len, HW_ALERT_STATISTIC_MAXIMUM, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
run_event_rules (RunCtx        *ctx,
                 GCancellable  *cancellable,
                 GError       **error)
{
  const HwAlertConfig *config = &ctx->self->config;
  g_autoptr(GHashTable) counts = NULL;
  HwAlertRule anomaly = hw_alert_rule_anomaly (config->anomaly_window, config->anomaly_k,
                                               config->anomaly_m, config->anomaly_n);
  HwAlertRule zero = hw_alert_rule_rate_zero ();
  const char *metric = requests[REQ_EVENT_COUNT].metric;
  gint64 newest = G_MININT64;

  counts = read_series (ctx->store, REQ_EVENT_COUNT, FALSE, ctx->from_ms, G_MAXINT64, &newest,
                        cancellable, error);
  if (counts == NULL)
    return FALSE;
  if (config->anomaly_window > 0
      && !feed_all (ctx, counts, HW_ALERT_RULE_NAME_ANOMALY, &anomaly, metric,
                    HW_ALERT_STATISTIC_SUM, error))
    return FALSE;

  /* Only key types: a type that is rare by nature going quiet is no outage. */
  for (guint i = 0; config->key_types != NULL && config->key_types[i] != NULL; i++)
    {
      GArray *points = g_hash_table_lookup (counts, config->key_types[i]);

      if (!feed_track (ctx, HW_ALERT_RULE_NAME_RATE_ZERO, &zero, metric, config->key_types[i],
                       points != NULL ? (HwAlertPoint *) (gpointer) points->data : NULL,
                       points != NULL ? points->len : 0, HW_ALERT_STATISTIC_SUM, error))
        return FALSE;
    }
  return TRUE;
}

/* Faults ---------------------------------------------------------------------------- */

static gboolean
offer_fault (RunCtx      *ctx,
             HwFaultRow  *row,
             GError     **error)
{
  g_autofree char *json = hw_event_store_get_event_json_by_id (ctx->store, row->id, NULL);
  g_autoptr(HwEvent) event = json != NULL ? hw_event_parse (json, -1, NULL, NULL) : NULL;
  g_autoptr(HwFaultAlert) alert = NULL;
  g_autoptr(JsonObject) extra = json_object_new ();
  g_autoptr(JsonObject) err = json_object_new ();
  HwFaultInfo info = {
    row->ts_ms, row->id, row->functionname, row->pipeline, row->err_name, row->err_message,
    row->err_stack, NULL,
  };
  HwAlertRecord *record;

  alert = event != NULL ? hw_fault_alerter_offer_event (ctx->self->fault_alerter, event)
                        : hw_fault_alerter_offer (ctx->self->fault_alerter, &info);
  if (alert == NULL)
    return TRUE;

  if (alert->err_name != NULL)
    json_object_set_string_member (err, "name", alert->err_name);
  if (alert->err_message != NULL)
    json_object_set_string_member (err, "message", alert->err_message);
  if (alert->err_stack != NULL)
    json_object_set_string_member (err, "stack", alert->err_stack);
  json_object_set_object_member (extra, "err", g_steal_pointer (&err));
  if (alert->tags != NULL)
    json_object_set_object_member (extra, "tags", json_object_ref (alert->tags));
  if (alert->functionname != NULL)
    json_object_set_string_member (extra, "functionname", alert->functionname);
  if (alert->pipeline != NULL)
    json_object_set_string_member (extra, "pipeline", alert->pipeline);
  json_object_set_string_member (extra, "event_id", alert->event_id);
  json_object_set_int_member (extra, "suppressed", alert->suppressed);

  record = g_new0 (HwAlertRecord, 1);
  record->id = g_strdup_printf ("alert:fault:%s", alert->event_id);
  record->rule = g_strdup (HW_ALERT_RULE_NAME_FAULT);
  record->subject = g_strdup (alert->functionname);
  record->from = HW_ALERT_STATE_NORMAL;
  record->state = HW_ALERT_STATE_FIRING;
  record->t_ms = alert->t_ms;
  record->value = 1 + alert->suppressed;
  record->threshold = NAN;
  record->message = g_strdup (alert->err_message);
  return store_record (ctx, record, extra, error);
}

static gboolean
run_faults (RunCtx        *ctx,
            gint64         now_ms,
            GCancellable  *cancellable,
            GError       **error)
{
  HwAlertEngine *self = ctx->self;
  HwFaultFilter filter = { 0 };
  g_autoptr(GPtrArray) faults = NULL;

  if (self->fault_after_ms == 0)
    self->fault_after_ms = now_ms - HW_FAULT_ALERT_INTERVAL_MS;
  filter.from_ms = self->fault_after_ms;
  faults = hw_event_store_list_faults (ctx->store, &filter, MAX_FAULTS, cancellable, error);
  if (faults == NULL)
    return FALSE;

  /* Newest first from the store; the rate limit wants them in time order. */
  for (guint i = faults->len; i > 0; i--)
    {
      HwFaultRow *row = g_ptr_array_index (faults, i - 1);

      if (row->ts_ms == self->fault_after_ms && g_hash_table_contains (self->faults_seen, row->id))
        continue;
      if (row->ts_ms > self->fault_after_ms)
        {
          self->fault_after_ms = row->ts_ms;
          g_hash_table_remove_all (self->faults_seen);
        }
      g_hash_table_add (self->faults_seen, g_strdup (row->id));
      if (!offer_fault (ctx, row, error))
        return FALSE;
    }
  return TRUE;
}

/* Running ------------------------------------------------------------------------- */

static int
compare_records (gconstpointer a,
                 gconstpointer b)
{
  const HwAlertRecord *ra = *(HwAlertRecord **) a, *rb = *(HwAlertRecord **) b;

  return (ra->t_ms > rb->t_ms) - (ra->t_ms < rb->t_ms);
}

/* The complete periods: those before the newest cached one, which may
 * still be filling. Cached data, not the clock, bounds them, so an offline
 * console does not read missing minutes as silence. */
static gint64
newest_period (HwEventStore  *store,
               gint64         from_ms,
               GCancellable  *cancellable,
               GError       **error)
{
  gint64 newest = G_MININT64;

  for (guint i = 0; i < G_N_ELEMENTS (requests); i++)
    {
      g_autoptr(GHashTable) series = read_series (store, i, FALSE, from_ms, G_MAXINT64, &newest,
                                                  cancellable, error);

      if (series == NULL)
        return G_MAXINT64;
    }
  return newest;
}

HwAlertRun *
hw_alert_engine_run (HwAlertEngine       *self,
                     HwEventStore        *store,
                     const HwAlertConfig *config,
                     gint64               now_ms,
                     GCancellable        *cancellable,
                     GError             **error)
{
  g_autoptr(HwAlertRun) run = g_new0 (HwAlertRun, 1);
  HwAlertRule age_rule;
  g_autoptr(GHashTable) ages = NULL;
  gint64 newest;
  RunCtx ctx;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (HW_IS_EVENT_STORE (store), NULL);
  g_return_val_if_fail (config != NULL, NULL);

  apply_config (self, config);
  run->records = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_alert_record_free);
  run->states = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  ctx.self = self;
  ctx.store = store;
  ctx.run = run;
  ctx.from_ms = (now_ms - WINDOW_MS) / STEP_MS * STEP_MS;
  newest = newest_period (store, ctx.from_ms, cancellable, error);
  if (newest == G_MAXINT64)
    return NULL;
  ctx.complete_to_ms = newest == G_MININT64 ? ctx.from_ms : newest;

  age_rule = hw_alert_rule_iterator_age (config->iterator_age_ms);
  ages = read_series (store, REQ_ITERATOR_AGE, TRUE, ctx.from_ms, G_MAXINT64, &newest,
                      cancellable, error);
  if (ages == NULL
      || !feed_all (&ctx, ages, HW_ALERT_RULE_NAME_ITERATOR_AGE, &age_rule,
                    requests[REQ_ITERATOR_AGE].metric, HW_ALERT_STATISTIC_MAXIMUM, error)
      || !run_error_rate (&ctx, REQ_LISTENER_ERRORS, REQ_LISTENER_CALLS,
                          HW_ALERT_RULE_NAME_LISTENER_ERRORS, cancellable, error)
      || !run_error_rate (&ctx, REQ_API_ERRORS, REQ_API_CALLS, HW_ALERT_RULE_NAME_API_ERRORS,
                          cancellable, error)
      || !run_event_rules (&ctx, cancellable, error)
      || !run_faults (&ctx, now_ms, cancellable, error))
    return NULL;

  g_ptr_array_sort (run->records, compare_records);
  return g_steal_pointer (&run);
}
