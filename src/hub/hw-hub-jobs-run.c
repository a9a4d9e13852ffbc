/* hw-hub-jobs-run.c: running one replay or resubmission job
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A job is a sequence of batches produced lazily (replays page through the
 * lake in timestamp order with the store's cursor; resubmissions walk their
 * list of fault ids), sent with up to `parallel` batches in flight under an
 * events-per-second token bucket. Batches may finish out of order, so the
 * checkpoint is the position after the longest finished prefix; it is
 * persisted (coalesced) in hub.db and is where a restarted hub resumes, so
 * a job is never restarted from zero and a finished job never runs again.
 * Like delivery, this runs on the main context with asynchronous POSTs;
 * replays read and render their batches ahead on one of the hub's worker
 * threads (hw-hub-workers.c; reading decompresses every body and rendering
 * base64-encodes it, the bulk of the work), one read at a time as each page
 * starts where the previous one ended, so the next batches are ready when a
 * slot frees.
 *
 * Audit before effect (hw-hub-jobs-audit.c): each run, a resumed one too,
 * sends nothing before the job's start audit is stored, and a finished
 * job is persisted as such only once its end audit is.
 */
#include "config.h"

#include "hw-error.h"
#include "hw-event-store.h"
#include "hw-hub-batch.h"
#include "hw-hub-http.h"
#include "hw-hub-jobs-private.h"
#include "hw-hub-workers.h"

#define MAX_ATTEMPTS      5
#define RETRY_BASE_MS     200
#define RETRY_CAP_MS      5000
#define PERSIST_DELAY_MS  200
/* Replay batches rendered ahead: up to one per parallel slot, within this
 * many events so that huge batches do not pile up in memory. */
#define READ_AHEAD_EVENTS 20000

typedef struct _Run Run;

typedef enum
{
  BATCH_HELD,          /* built, waiting for rate tokens */
  BATCH_IN_FLIGHT,
  BATCH_RETRY_WAIT,
  BATCH_ACKED,
  BATCH_FAILED,
} BatchState;

typedef struct
{
  Run        *run;
  GBytes     *body;
  char       *url;
  guint       timeout_ms;
  guint       n;               /* events (replay) or faults (resubmission) */
  guint       units;           /* records sent, for the rate limit */
  char       *position_after;
  char       *fault_id;        /* resubmissions: marked resubmitted on ack */
  BatchState  state;
  guint       attempts;
  guint       retry_id;
} Batch;

struct _Run
{
  gatomicrefcount  ref_count;
  HwJob           *job;        /* valid while !stopped */
  SoupSession     *session;
  GCancellable    *cancellable;
  GMainContext    *context;    /* where reads report back */
  HwQuery         *query;
  gint64           from_ms;
  gint64           to_ms;
  guint            batch_size;
  guint            parallel;
  double           rate;       /* events per second; 0 = unlimited */
  char            *read_position;
  gint64           read_position_ms;  /* see ReplayRead */
  guint            next_item;
  gboolean         exhausted;
  GQueue           batches;    /* Batch*, in production order */
  GQueue           ready;      /* Batch*, replays: produced, not yet sent */
  gboolean         reading;    /* replays: a read-ahead is under way */
  Batch           *held;
  guint            active;
  double           tokens;
  gint64           refill_us;
  guint            wait_id;
  guint            persist_id;
  gboolean         stopped;
  HwJobAuditWrite *audit;      /* the audit being written, if any */
  gboolean         audited;    /* the start audit is stored: sending may begin */
};

static void pump (Run *run);

static void
batch_free (Batch *batch)
{
  g_clear_handle_id (&batch->retry_id, g_source_remove);
  g_clear_pointer (&batch->body, g_bytes_unref);
  g_free (batch->url);
  g_free (batch->position_after);
  g_free (batch->fault_id);
  g_free (batch);
}

static Run *
run_ref (Run *run)
{
  g_atomic_ref_count_inc (&run->ref_count);
  return run;
}

static void
run_unref (Run *run)
{
  if (!g_atomic_ref_count_dec (&run->ref_count))
    return;
  g_queue_clear (&run->ready);
  g_queue_clear_full (&run->batches, (GDestroyNotify) batch_free);
  g_clear_object (&run->session);
  g_clear_object (&run->cancellable);
  g_main_context_unref (run->context);
  g_clear_pointer (&run->query, hw_query_unref);
  g_free (run->read_position);
  g_free (run);
}

static HwEventStore *
run_store (Run *run)
{
  return hw_hub_get_store (run->job->jobs->hub);
}

/* Producing batches ------------------------------------------------------- */

/* What one replay read-ahead needs, owned, so that the worker thread shares
 * nothing mutable with the main context. */
typedef struct
{
  Run          *run;           /* a reference, released on the main context */
  HwEventStore *store;
  HwQuery      *query;
  gint64        from_ms;
  gint64        to_ms;
  guint         batch_size;
  guint         max_batches;
  char         *position;      /* in: where to read from; out: after the last page */
  gint64        position_ms;   /* in/out: timestamp of the event at @position, or from_ms */

  GPtrArray    *batches;       /* out: Batch* (body, n, position_after) */
  gboolean      exhausted;     /* out */
  GError       *error;         /* out */
} ReplayRead;

static void
replay_read_free (ReplayRead *read)
{
  g_clear_object (&read->store);
  g_clear_pointer (&read->query, hw_query_unref);
  g_free (read->position);
  g_clear_pointer (&read->batches, g_ptr_array_unref);
  g_clear_error (&read->error);
  if (read->run != NULL)
    run_unref (read->run);
  g_free (read);
}

static Batch *
replay_batch_new (GPtrArray  *rows,
                  const char *position_after)
{
  g_autofree HwBatchItem *items = g_new0 (HwBatchItem, rows->len);
  Batch *batch;

  for (guint i = 0; i < rows->len; i++)
    {
      HwEventRow *row = g_ptr_array_index (rows, i);

      items[i].seq = row->seq;
      items[i].partition_key = row->partition_key;
      items[i].event_id = row->id;
      items[i].json = row->json;
      items[i].received_ms = row->received_ms;
    }

  batch = g_new0 (Batch, 1);
  batch->body = hw_batch_body_new (items, rows->len, 0);
  batch->n = batch->units = rows->len;
  batch->position_after = g_strdup (position_after);
  return batch;
}

/* One page of the lake per batch, each from the cursor the previous one
 * returned, exactly as the checkpoint will resume. */
static gboolean on_replay_read (gpointer user_data);

static void
replay_read_in_thread (gpointer data)
{
  ReplayRead *read = data;
  g_autoptr(GSource) done = NULL;

  read->batches = g_ptr_array_new_with_free_func ((GDestroyNotify) batch_free);
  while (read->batches->len < read->max_batches && !read->exhausted)
    {
      g_autoptr(HwSearchPage) page = NULL;

      /* The cursor alone makes each page skip every match before it one
       * by one (quadratic over a replay); its timestamp as the lower bound
       * lets the timestamp index seek there. */
      page = hw_event_store_search (read->store, read->query, MAX (read->from_ms, read->position_ms),
                                    read->to_ms, HW_EVENT_ORDER_OLDEST_FIRST, read->batch_size,
                                    read->position, NULL, &read->error);
      if (page == NULL)
        break;
      g_free (read->position);
      read->position = g_strdup (page->next_cursor);
      if (page->rows->len > 0)
        read->position_ms = ((HwEventRow *) g_ptr_array_index (page->rows, page->rows->len - 1))->ts_ms;
      if (page->next_cursor == NULL || page->rows->len == 0)
        read->exhausted = TRUE;
      if (page->rows->len > 0)
        g_ptr_array_add (read->batches, replay_batch_new (page->rows, page->next_cursor));
    }

  done = g_idle_source_new ();
  g_source_set_priority (done, G_PRIORITY_DEFAULT);
  g_source_set_callback (done, on_replay_read, read, (GDestroyNotify) replay_read_free);
  g_source_attach (done, read->run->context);
}

static guint
ready_target (Run *run)
{
  return MAX (1, MIN (run->parallel, READ_AHEAD_EVENTS / MAX (run->batch_size, 1)));
}

static void finish (Run *run, const char *state);

static gboolean
on_replay_read (gpointer user_data)
{
  ReplayRead *read = user_data;
  Run *run = read->run;
  const HwListenerSpec *target;
  const char *listener;
  g_autofree Batch **batches = NULL;
  gsize n_batches = 0;

  run->reading = FALSE;
  if (run->stopped)
    return G_SOURCE_REMOVE;

  listener = json_object_get_string_member (run->job->spec, "listener");
  target = hw_hub_listeners_lookup (run->job->jobs->listeners, listener);
  if (read->error != NULL || target == NULL)
    {
      g_free (run->job->error);
      run->job->error = read->error != NULL ? g_strdup (read->error->message)
                                            : g_strdup_printf ("listener “%s” no longer exists", listener);
      finish (run, "failed");
      return G_SOURCE_REMOVE;
    }

  batches = (Batch **) g_ptr_array_steal (read->batches, &n_batches);
  for (gsize i = 0; i < n_batches; i++)
    {
      batches[i]->run = run;
      batches[i]->url = g_strdup (target->url);
      batches[i]->timeout_ms = target->timeout_ms;
      batches[i]->state = BATCH_HELD;
      g_queue_push_tail (&run->batches, batches[i]);
      g_queue_push_tail (&run->ready, batches[i]);
    }
  g_free (run->read_position);
  run->read_position = g_steal_pointer (&read->position);
  run->read_position_ms = read->position_ms;
  run->exhausted = read->exhausted;

  pump (run);
  return G_SOURCE_REMOVE;
}

/* Starts reading the next batches when fewer than the target are ready. */
static void
replay_read_ahead (Run *run)
{
  HwJob *job = run->job;
  const char *listener = json_object_get_string_member (job->spec, "listener");
  ReplayRead *read;
  guint ready = g_queue_get_length (&run->ready);

  if (run->reading || run->exhausted || run->stopped || ready >= ready_target (run))
    return;
  if (hw_hub_listeners_lookup (job->jobs->listeners, listener) == NULL)
    {
      g_free (job->error);
      job->error = g_strdup_printf ("listener “%s” no longer exists", listener);
      finish (run, "failed");
      return;
    }

  read = g_new0 (ReplayRead, 1);
  read->store = g_object_ref (run_store (run));
  read->query = hw_query_ref (run->query);
  read->from_ms = run->from_ms;
  read->to_ms = run->to_ms;
  read->batch_size = run->batch_size;
  read->max_batches = ready_target (run) - ready;
  read->position = g_strdup (run->read_position);
  read->position_ms = run->read_position_ms;

  read->run = run_ref (run);
  run->reading = TRUE;
  hw_hub_workers_push (replay_read_in_thread, read);
}

/* A batch for the next fault; one that cannot be sent (gone, no records, no
 * such listener) comes back already FAILED with the reason as job error. */
static Batch *
next_resubmission_batch (Run *run)
{
  HwJob *job = run->job;
  JsonArray *items = json_object_get_array_member (job->spec, "items");
  g_autoptr(HwEventRow) row = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonArray) records = NULL;
  g_autoptr(GError) error = NULL;
  const HwListenerSpec *target = NULL;
  const char *id, *functionname = NULL;
  Batch *batch;

  if (run->next_item >= json_array_get_length (items))
    {
      run->exhausted = TRUE;
      return NULL;
    }
  id = json_array_get_string_element (items, run->next_item++);
  if (run->next_item >= json_array_get_length (items))
    run->exhausted = TRUE;

  batch = g_new0 (Batch, 1);
  batch->run = run;
  batch->n = 1;
  batch->position_after = g_strdup_printf ("%u", run->next_item);
  batch->fault_id = g_strdup (id);

  row = hw_event_store_get_event_by_id (run_store (run), id, &error);
  if (row != NULL)
    root = json_from_string (row->json, NULL);
  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
    {
      records = hw_fault_records (row, json_node_get_object (root));
      functionname = hw_fault_functionname (json_node_get_object (root));
    }
  if (functionname != NULL)
    target = hw_hub_listeners_lookup (job->jobs->listeners, functionname);

  if (records == NULL || target == NULL)
    {
      g_free (job->error);
      if (row == NULL)
        job->error = g_strdup_printf ("fault %s is not in the lake", id);
      else if (records == NULL)
        job->error = g_strdup_printf ("fault %s has no uow.record, uow.batch or uow.event", id);
      else
        job->error = g_strdup_printf ("fault %s names no registered listener (functionname “%s”)",
                                      id, functionname != NULL ? functionname : "");
      batch->state = BATCH_FAILED;
      return batch;
    }

  batch->body = hw_batch_body_new_records (records);
  batch->url = g_strdup (target->url);
  batch->timeout_ms = target->timeout_ms;
  batch->units = json_array_get_length (records);
  return batch;
}

/* Finishing --------------------------------------------------------------- */

static gboolean
persist_now (gpointer user_data)
{
  Run *run = user_data;
  g_autoptr(GError) error = NULL;

  run->persist_id = 0;
  if (!hw_job_persist (run->job, &error))
    g_warning ("job %s: cannot persist its progress: %s", run->job->id, error->message);
  hw_job_publish (run->job);
  return G_SOURCE_REMOVE;
}

static void
schedule_persist (Run *run)
{
  if (run->persist_id == 0)
    run->persist_id = g_timeout_add (PERSIST_DELAY_MS, persist_now, run);
}

static void
run_halt (Run *run)
{
  run->stopped = TRUE;
  g_clear_handle_id (&run->wait_id, g_source_remove);
  g_clear_handle_id (&run->persist_id, g_source_remove);
  for (GList *l = run->batches.head; l != NULL; l = l->next)
    g_clear_handle_id (&((Batch *) l->data)->retry_id, g_source_remove);
  g_cancellable_cancel (run->cancellable);
}

static void
on_end_audited (gpointer user_data)
{
  Run *run = user_data;

  g_clear_pointer (&run->audit, hw_job_audit_release);
  run->job->ending = FALSE;
  persist_now (run);
}

/* @state shows at once; the job is recorded finished once its end audit
 * is stored. */
static void
finish (Run        *run,
        const char *state)
{
  HwJob *job = run->job;

  g_free (job->state);
  job->state = g_strdup (state);
  job->ending = TRUE;
  run_halt (run);
  g_clear_pointer (&run->audit, hw_job_audit_release);
  run->audit = hw_job_audit_end (job, state, on_end_audited, run);
}

static void
advance_checkpoint (Run *run)
{
  HwJob *job = run->job;

  while (!g_queue_is_empty (&run->batches))
    {
      Batch *head = g_queue_peek_head (&run->batches);

      if (head->state != BATCH_ACKED && head->state != BATCH_FAILED)
        break;
      g_queue_pop_head (&run->batches);
      if (head->state == BATCH_ACKED)
        job->acked_done += head->n;
      else
        job->failed_done += head->n;
      g_free (job->position);
      job->position = g_steal_pointer (&head->position_after);
      batch_free (head);
    }
  schedule_persist (run);

  if (run->exhausted && !run->reading && g_queue_is_empty (&run->batches) && run->active == 0)
    finish (run, job->failed_done > 0 ? "failed" : "done");
}

/* Sending ----------------------------------------------------------------- */

static void batch_send (Batch *batch);

static gboolean
on_retry (gpointer user_data)
{
  Batch *batch = user_data;

  batch->retry_id = 0;
  batch_send (batch);
  return G_SOURCE_REMOVE;
}

static void
on_batch_posted (guint         status,
                 const GError *error,
                 double        duration_ms,
                 gpointer      user_data)
{
  Batch *batch = user_data;
  Run *run = batch->run;
  HwJob *job;

  if (run->stopped)
    {
      run_unref (run);
      return;
    }
  job = run->job;

  if (error == NULL)
    {
      batch->state = BATCH_ACKED;
      job->acked += batch->n;
      if (batch->fault_id != NULL)
        {
          const char *ids[] = { batch->fault_id, NULL };
          g_autoptr(GError) mark_error = NULL;

          if (!hw_event_store_mark_resubmitted (run_store (run), ids, hw_hub_now_ms (), NULL, &mark_error))
            g_warning ("job %s: cannot mark fault %s resubmitted: %s", job->id, batch->fault_id,
                       mark_error->message);
        }
    }
  else if (++batch->attempts < MAX_ATTEMPTS)
    {
      guint delay_ms = MIN (RETRY_BASE_MS << (batch->attempts - 1), RETRY_CAP_MS);

      batch->state = BATCH_RETRY_WAIT;
      batch->retry_id = g_timeout_add (delay_ms, on_retry, batch);
      run_unref (run);
      return;
    }
  else
    {
      batch->state = BATCH_FAILED;
      job->failed += batch->n;
      g_free (job->error);
      job->error = g_strdup_printf ("a batch failed %u times: %s", MAX_ATTEMPTS, error->message);
    }

  run->active--;
  advance_checkpoint (run);
  pump (run);
  run_unref (run);
}

static void
batch_send (Batch *batch)
{
  Run *run = batch->run;

  batch->state = BATCH_IN_FLIGHT;
  run_ref (run);
  hw_batch_post (run->session, batch->url, batch->body, batch->timeout_ms,
                 run->cancellable, on_batch_posted, batch);
}

static gboolean
on_tokens (gpointer user_data)
{
  Run *run = user_data;

  run->wait_id = 0;
  pump (run);
  return G_SOURCE_REMOVE;
}

/* Token bucket: TRUE when @units may go now; otherwise arms a timer for
 * when they may. The bucket holds at least one batch so any batch fits. */
static gboolean
take_tokens (Run   *run,
             guint  units)
{
  gint64 now = g_get_monotonic_time ();
  double capacity;

  if (run->rate <= 0)
    return TRUE;
  capacity = MAX (run->rate, (double) units);
  run->tokens = MIN (capacity, run->tokens + (now - run->refill_us) * run->rate / G_USEC_PER_SEC);
  run->refill_us = now;
  if (run->tokens >= units)
    {
      run->tokens -= units;
      return TRUE;
    }
  run->wait_id = g_timeout_add (MAX (1, (guint) ((units - run->tokens) * 1000 / run->rate) + 1),
                                on_tokens, run);
  return FALSE;
}

/* The next batch to send: replays take what the read-ahead produced (NULL
 * until it has), resubmissions are produced here, one fault at a time. */
static Batch *
next_batch (Run *run)
{
  HwJob *job = run->job;
  Batch *batch;

  if (g_str_equal (job->kind, "replay"))
    return g_queue_pop_head (&run->ready);

  while (!run->exhausted)
    {
      batch = next_resubmission_batch (run);
      if (batch == NULL)
        continue;
      g_queue_push_tail (&run->batches, batch);
      if (batch->state != BATCH_FAILED)
        return batch;
      job->failed += batch->n;
    }
  return NULL;
}

static void
pump (Run *run)
{
  HwJob *job = run->job;
  gboolean replay = g_str_equal (job->kind, "replay");

  if (run->stopped || run->wait_id != 0 || !run->audited)
    return;

  while (run->active < run->parallel)
    {
      Batch *batch = g_steal_pointer (&run->held);

      if (batch == NULL && (batch = next_batch (run)) == NULL)
        break;
      if (!take_tokens (run, batch->units))
        {
          batch->state = BATCH_HELD;
          run->held = batch;
          break;
        }
      job->sent += batch->n;
      run->active++;
      batch_send (batch);
    }
  if (replay)
    replay_read_ahead (run);
  if (!run->stopped)
    advance_checkpoint (run);
}

/* Entry points ------------------------------------------------------------ */

static gint64
spec_int (JsonObject *spec,
          const char *member,
          gint64      default_value)
{
  JsonNode *node = json_object_get_member (spec, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return default_value;
  return json_node_get_int (node);
}

static void
on_start_audited (gpointer user_data)
{
  Run *run = user_data;

  g_clear_pointer (&run->audit, hw_job_audit_release);
  run->audited = TRUE;
  pump (run);
}

void
hw_job_run_start (HwJob *job)
{
  Run *run;

  g_return_if_fail (job->run == NULL);

  run = g_new0 (Run, 1);
  g_atomic_ref_count_init (&run->ref_count);
  run->job = job;
  run->cancellable = g_cancellable_new ();
  run->context = g_main_context_ref_thread_default ();
  run->parallel = (guint) spec_int (job->spec, "parallel", 4);
  run->batch_size = (guint) spec_int (job->spec, "batch_size", 100);
  run->rate = json_object_has_member (job->spec, "rate") ?
              json_object_get_double_member (job->spec, "rate") : 0;
  run->from_ms = spec_int (job->spec, "from", HW_EVENT_STORE_UNBOUNDED);
  run->to_ms = spec_int (job->spec, "to", HW_EVENT_STORE_UNBOUNDED);
  run->session = hw_batch_session_new (run->parallel);
  run->refill_us = g_get_monotonic_time ();
  run->tokens = MAX (run->rate, 1);
  g_queue_init (&run->batches);
  g_queue_init (&run->ready);
  job->run = run;

  /* Resume from the checkpoint: what was in flight is sent again. */
  job->sent = job->acked = job->acked_done;
  job->failed = job->failed_done;
  /* Cancelled and answered, but not yet audited when its last runner
   * stopped: it only ends. */
  if (g_str_equal (job->state, "cancelling"))
    {
      finish (run, "cancelled");
      return;
    }
  if (g_str_equal (job->kind, "replay"))
    {
      const char *text = json_object_has_member (job->spec, "query") ?
                         json_object_get_string_member (job->spec, "query") : NULL;
      g_autoptr(GError) error = NULL;

      run->read_position = g_strdup (job->position);
      /* A resumed job's first page seeks from from_ms; later ones from
       * where the previous page ended. */
      run->read_position_ms = run->from_ms;
      /* Relative times resolve against the creation time so that a resumed
       * job selects the same events. */
      run->query = hw_query_parse (text != NULL ? text : "", job->created_at, NULL, &error);
      if (run->query == NULL)
        {
          g_free (job->error);
          job->error = g_strdup (error->message);
          finish (run, "failed");
          return;
        }
    }
  else if (job->position != NULL)
    run->next_item = (guint) g_ascii_strtoull (job->position, NULL, 10);

  g_free (job->state);
  job->state = g_strdup ("running");
  persist_now (run);
  run->audit = hw_job_audit_start (job, on_start_audited, run);
}

/* An audit being written is left to the next runner, which writes it
 * again: a job ending is persisted as still running, at its last
 * checkpoint. */
void
hw_job_run_pause (HwJob *job)
{
  Run *run = job->run;

  if (run == NULL)
    return;
  g_clear_pointer (&run->audit, hw_job_audit_release);
  if (run->stopped && !job->ending)
    return;
  run_halt (run);
  persist_now (run);
}

void
hw_job_run_cancel (HwJob *job)
{
  Run *run = job->run;

  if (run == NULL || run->stopped)
    {
      g_free (job->state);
      job->state = g_strdup ("cancelled");
      return;
    }
  finish (run, "cancelled");
}

void
hw_job_run_free (HwJob *job)
{
  Run *run = job->run;

  if (run == NULL)
    return;
  if (!run->stopped)
    run_halt (run);
  g_clear_pointer (&run->audit, hw_job_audit_release);
  run->job = NULL;
  job->run = NULL;
  run_unref (run);
}
