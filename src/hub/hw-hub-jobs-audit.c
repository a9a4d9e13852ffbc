/* hw-hub-jobs-audit.c: a job's start and end audits, stored before what they precede
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Audit before effect: a job delivers nothing before its start audit,
 * which names who asked for it, is stored, and is recorded finished only
 * once its end audit is. Each is written until it is stored, however long
 * the store or the cluster refuses it, for as long as its runner wants it;
 * a runner that stops (the hub stops or dies, another replica takes the
 * job over) leaves it to the next runner, which writes it again.
 *
 * Writing it again is harmless because an audit's id is the job's
 * ("audit-<job>-start", "audit-<job>-end"): the event store keeps the first
 * system event with an id, and so does each JetStream replica's copy of
 * the system stream; a start audit's content is the same whoever writes it
 * (its time is the job's creation), so the stream itself also drops a
 * repeat within its duplicate window. That is why the job record has no
 * "audited" flag: it would only spare a write that is idempotent anyway.
 *
 * With the embedded engine a write is an insert into the event store on
 * the main context, as the hub's other audits are. With the JetStream
 * engine it is a publish, acknowledged by JetStream and applied to this
 * replica's copy, on a thread pool of the jobs' own (not GLib's shared
 * one, which the publish would hold for seconds while the cluster has no
 * quorum); the pool is waited for when the jobs stop.
 */
#include "config.h"

#include "hw-hub-http.h"
#include "hw-hub-jobs-private.h"
#include "hw-hub-private.h"

#define FIRST_BACKOFF_MS  250
#define MAX_BACKOFF_MS    8000
#define POOL_THREADS      2

struct _HwJobAudits
{
  HwHub        *hub;
  GThreadPool  *pool;       /* JetStream engine: the publishes; else NULL */
  GMainContext *context;    /* where a publish reports back */
};

struct _HwJobAuditWrite
{
  gatomicrefcount   ref_count;
  HwJobAudits      *audits;
  JsonObject       *event;
  gint64            ts_ms;
  HwJobAudited      done;        /* NULL once released or called */
  gpointer          data;
  GCancellable     *released;    /* for a publish not started yet */
  guint             attempts;
  guint             timer_id;    /* the next attempt */

  /* The publish under way, and how it went. */
  HwHubSystemSend  *send;
  GError           *error;
};

static HwJobAuditWrite *
write_ref (HwJobAuditWrite *write)
{
  g_atomic_ref_count_inc (&write->ref_count);
  return write;
}

static void
write_unref (HwJobAuditWrite *write)
{
  if (!g_atomic_ref_count_dec (&write->ref_count))
    return;
  g_clear_pointer (&write->send, hw_hub_system_send_free);
  g_clear_error (&write->error);
  g_object_unref (write->released);
  json_object_unref (write->event);
  g_free (write);
}

static const char *
write_id (HwJobAuditWrite *write)
{
  return json_object_get_string_member (write->event, "id");
}

static gboolean attempt (gpointer user_data);

static void
try_again_later (HwJobAuditWrite *write,
                 const GError    *error)
{
  guint backoff_ms = MIN (FIRST_BACKOFF_MS << MIN (write->attempts, 6), MAX_BACKOFF_MS);

  write->attempts++;
  g_message ("audit %s not stored yet (attempt %u): %s; the job waits for it, trying again in %u ms",
             write_id (write), write->attempts, error->message, backoff_ms);
  write->timer_id = g_timeout_add (backoff_ms, attempt, write);
}

static void
stored (HwJobAuditWrite *write)
{
  HwJobAudited done = g_steal_pointer (&write->done);

  if (write->attempts > 0)
    g_message ("audit %s stored after %u failed attempts", write_id (write), write->attempts);
  done (write->data);
}

/* Embedded engine: the store, on the main context. */
static void
store_now (HwJobAuditWrite *write)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = hw_hub_store_system_event (write->audits->hub, write->event, write->ts_ms, NULL, &error);

  if (id == NULL)
    try_again_later (write, error);
  else
    stored (write);
}

/* JetStream engine: back from the pool. */
static gboolean
on_sent (gpointer user_data)
{
  HwJobAuditWrite *write = user_data;
  g_autoptr(GError) error = g_steal_pointer (&write->error);

  g_clear_pointer (&write->send, hw_hub_system_send_free);
  if (write->done == NULL)
    return G_SOURCE_REMOVE;
  if (error != NULL)
    try_again_later (write, error);
  else
    stored (write);
  return G_SOURCE_REMOVE;
}

/* On the pool: a write released before its turn sends nothing. */
static void
send_in_thread (gpointer data,
                gpointer user_data)
{
  HwJobAuditWrite *write = data;
  GSource *report;

  hw_hub_system_send (write->send, write->released, &write->error);
  report = g_idle_source_new ();
  g_source_set_priority (report, G_PRIORITY_DEFAULT);
  g_source_set_callback (report, on_sent, write, (GDestroyNotify) write_unref);
  g_source_attach (report, write->audits->context);
  g_source_unref (report);
}

static void
send_on_pool (HwJobAuditWrite *write)
{
  g_autoptr(GError) error = NULL;

  write->send = hw_hub_system_send_prepare (write->audits->hub, write->event, write->ts_ms);
  if (write->send == NULL)
    {
      /* The hub is stopping: its jobs release their writes next. */
      g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_CLOSED, "the hub is shutting down");
      try_again_later (write, error);
      return;
    }
  g_thread_pool_push (write->audits->pool, write_ref (write), NULL);
}

static gboolean
attempt (gpointer user_data)
{
  HwJobAuditWrite *write = user_data;

  write->timer_id = 0;
  if (write->audits->pool != NULL)
    send_on_pool (write);
  else
    store_now (write);
  return G_SOURCE_REMOVE;
}

/* Writes begin at the next turn of the main context: @done is never
 * called before the caller holds the write. */
static HwJobAuditWrite *
write_new (HwJobAudits  *audits,
           JsonObject   *event,
           HwJobAudited  done,
           gpointer      data)
{
  HwJobAuditWrite *write = g_new0 (HwJobAuditWrite, 1);

  g_atomic_ref_count_init (&write->ref_count);
  write->audits = audits;
  write->event = event;
  write->ts_ms = json_object_get_int_member (event, "time");
  write->done = done;
  write->data = data;
  write->released = g_cancellable_new ();
  write->timer_id = g_idle_add (attempt, write);
  return write;
}

/* The event ------------------------------------------------------------------ */

static JsonObject *
job_audit_new (HwJob      *job,
               const char *action,
               const char *id_suffix,
               const char *state,
               gint64      time_ms,
               gint64      acked,
               gint64      failed)
{
  g_autoptr(JsonObject) details = json_object_new ();
  g_autofree char *id = g_strdup_printf ("audit-%s-%s", job->id, id_suffix);

  /* "kind" is the system event's own ("audit"). */
  json_object_set_string_member (details, "id", id);
  json_object_set_string_member (details, "job", job->id);
  json_object_set_string_member (details, "job_kind", job->kind);
  json_object_set_string_member (details, "state", state);
  json_object_set_int_member (details, "total", job->total);
  json_object_set_int_member (details, "acked", acked);
  json_object_set_int_member (details, "failed", failed);
  hw_json_copy_member (details, job->spec, "listener");
  return hw_hub_audit_new (action, job->requested_by, time_ms, details);
}

/* API ---------------------------------------------------------------------- */

HwJobAuditWrite *
hw_job_audit_start (HwJob        *job,
                    HwJobAudited  done,
                    gpointer      data)
{
  /* The same whoever writes it, whenever: the job as it was asked for,
   * nothing delivered yet. */
  return write_new (job->jobs->audits, job_audit_new (job, "job.start", "start", "running", job->created_at, 0, 0),
                    done, data);
}

HwJobAuditWrite *
hw_job_audit_end (HwJob        *job,
                  const char   *final_state,
                  HwJobAudited  done,
                  gpointer      data)
{
  return write_new (job->jobs->audits,
                    job_audit_new (job, "job.end", "end", final_state, hw_hub_now_ms (), job->acked, job->failed),
                    done, data);
}

void
hw_job_audit_release (HwJobAuditWrite *write)
{
  write->done = NULL;
  g_cancellable_cancel (write->released);
  g_clear_handle_id (&write->timer_id, g_source_remove);
  write_unref (write);
}

HwJobAudits *
hw_job_audits_new (HwHub *hub)
{
  HwJobAudits *audits = g_new0 (HwJobAudits, 1);

  audits->hub = hub;
  audits->context = g_main_context_ref_thread_default ();
  if (hw_hub_get_config (hub)->engine == HW_HUB_ENGINE_JETSTREAM)
    audits->pool = g_thread_pool_new (send_in_thread, NULL, POOL_THREADS, FALSE, NULL);
  return audits;
}

void
hw_job_audits_free (HwJobAudits *audits)
{
  if (audits == NULL)
    return;
  /* Publishes under way end within the stream's timeouts (or at once once
   * the lake closes); those queued behind them were released with their
   * jobs and send nothing. */
  if (audits->pool != NULL)
    g_thread_pool_free (audits->pool, FALSE, TRUE);
  g_main_context_unref (audits->context);
  g_free (audits);
}
