/* hw-hub-jobs-private.h: the job record shared by the jobs API and the job runner
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "hw-hub-jobs.h"
#include "hw-hub-jobs-shared.h"
#include "hw-event-store.h"
#include "hw-hub-listeners.h"
#include "hw-query.h"

G_BEGIN_DECLS

typedef struct _HwJob HwJob;
typedef struct _HwJobAudits HwJobAudits;
typedef struct _HwJobAuditWrite HwJobAuditWrite;

struct _HwHubJobs
{
  HwHub           *hub;
  HwHubListeners  *listeners;
  GHashTable      *by_id;       /* id → HwJob*, every job of this run or from hub.db */
  gboolean         stopped;
  HwJobAudits     *audits;

  /* The JetStream engine's (hw-hub-jobs-replicas.c): by_id holds the jobs
   * this replica runs or ran, @foreign the records of the others'. */
  HwHubJobsShared *shared;
  GHashTable      *foreign;     /* id → JsonObject*, a record */
  guint            lease_tick_id;
};

struct _HwJob
{
  HwHubJobs  *jobs;

  /* Persisted (the jobs table). */
  char       *id;
  char       *kind;            /* "replay" | "resubmission" */
  char       *state;           /* "queued" | "running" | "done" | "failed" | "cancelled" */
  JsonObject *spec;            /* the validated request, plus "items" for resubmissions */
  gint64      total;
  gint64      acked_done;      /* acked events up to the checkpoint */
  gint64      failed_done;     /* failed events up to the checkpoint */
  char       *position;        /* checkpoint: replay cursor or next item index; NULL = start */
  char       *requested_by;
  char       *idempotency_key;
  char       *error;
  gint64      created_at;
  gint64      updated_at;

  /* Progress beyond the checkpoint, in memory only: after a restart the
   * batches past the checkpoint are sent again. */
  gint64      sent;
  gint64      acked;
  gint64      failed;

  /* Runner state (hw-hub-jobs-run.c). */
  gpointer    run;
  /* @state is final in memory, but its end audit is not stored yet: hub.db
   * and the shared record still say "running", or "cancelling" for a
   * cancelled job (hw_job_recorded_state()), so that a runner after a
   * crash or a takeover ends it (sending nothing more when it was
   * cancelled), and audits it. */
  gboolean    ending;

  /* JetStream engine: until when (monotonic µs) this replica may run it. */
  gint64      held_until;
};

/* hw-hub-jobs.c */
void      hw_job_free           (HwJob        *job);
gboolean  hw_job_persist        (HwJob        *job,
                                 GError      **error);
void      hw_job_publish        (HwJob        *job);
JsonNode *hw_job_to_json        (HwJob        *job);
gboolean  hw_job_is_finished    (HwJob        *job);
/* The state hub.db and the shared record hold: see @ending. */
const char *hw_job_recorded_state (HwJob      *job);
/* Copies @member of @from (if present) into @to. */
void      hw_json_copy_member   (JsonObject   *to,
                                 JsonObject   *from,
                                 const char   *member);

/* The record shared with the other replicas: the description and what
 * another replica needs to go on with it. */
JsonObject *hw_job_to_record     (HwJob        *job);
HwJob      *hw_job_new_from_record (HwHubJobs  *jobs,
                                    JsonObject *record);
/* The description of a record, as GET /v1/jobs/{id} answers it. */
JsonNode   *hw_job_record_describe (JsonObject *record);
gboolean    hw_job_store          (HwHubJobs    *jobs,
                                   HwJob        *job,
                                   GError      **error);

/* hw-hub-jobs-replicas.c: the JetStream engine's sharing. */
gboolean  hw_hub_jobs_share          (HwHubJobs     *self,
                                      HwHubReplica  *replica,
                                      GError       **error);
void      hw_hub_jobs_unshare        (HwHubJobs     *self);
/* After each persist: publishes the record while this replica runs it. */
void      hw_hub_jobs_report         (HwHubJobs     *self,
                                      HwJob         *job);
/* Creates @job (taken) for @request through the shared bucket, and
 * answers the request. */
void      hw_hub_jobs_create_shared  (HwHubJobs     *self,
                                      HwJob         *job,
                                      HwHubRequest  *request);
/* Adds the other replicas' jobs matching @state and @kind (nullable). */
void      hw_hub_jobs_add_foreign    (HwHubJobs     *self,
                                      GPtrArray     *descriptions,
                                      const char    *state,
                                      const char    *kind);
/* Answers GET or cancel for a job of another replica: FALSE if there is
 * none with that id. */
gboolean  hw_hub_jobs_answer_foreign (HwHubJobs     *self,
                                      HwHubRequest  *request,
                                      const char    *id,
                                      gboolean       cancel);

/* hw-hub-jobs-requests.c: each returns a new "queued" job (not yet stored),
 * or NULL with either *@dry_answer set (a dry run: answer it as is) or
 * @error set. */
HwJob    *hw_job_new            (HwHubJobs    *jobs,
                                 const char   *kind,
                                 JsonObject   *spec,
                                 HwHubRequest *request);
HwJob    *hw_job_parse_replay       (HwHubJobs     *jobs,
                                     HwHubRequest  *request,
                                     JsonObject    *body,
                                     JsonNode     **dry_answer,
                                     GError       **error);
HwJob    *hw_job_parse_resubmission (HwHubJobs     *jobs,
                                     HwHubRequest  *request,
                                     JsonObject    *body,
                                     JsonNode     **dry_answer,
                                     GError       **error);

/* hw-hub-jobs-faults.c: a fault's uow.record, or every uow.batch[].record,
 * or the record its uow.event would have been (@row is the fault's); NULL
 * when it has none. */
JsonArray  *hw_fault_records      (HwEventRow   *row,
                                   JsonObject   *fault);
/* Its tags.functionname: the listener it failed in, or NULL. */
const char *hw_fault_functionname (JsonObject   *fault);

/* hw-hub-jobs-audit.c: a job's audits, each stored before what it
 * precedes (its first delivery, its record as finished), tried again until
 * stored or released. @done is called on the main context once the audit
 * is stored, never before the write is returned; the caller then still
 * releases the write. */
typedef void (*HwJobAudited) (gpointer user_data);

HwJobAudits     *hw_job_audits_new    (HwHub         *hub);
/* After every write was released: waits for the publishes under way. */
void             hw_job_audits_free   (HwJobAudits   *audits);
/* "job.start", naming who asked for @job. */
HwJobAuditWrite *hw_job_audit_start   (HwJob         *job,
                                       HwJobAudited   done,
                                       gpointer       data);
/* "job.end", with @final_state and the job's counts as they are now. */
HwJobAuditWrite *hw_job_audit_end     (HwJob         *job,
                                       const char    *final_state,
                                       HwJobAudited   done,
                                       gpointer       data);
/* Stops trying (@done will not be called) and drops the write. */
void             hw_job_audit_release (HwJobAuditWrite *write);

/* hw-hub-jobs-run.c */
void      hw_job_run_start      (HwJob        *job);
void      hw_job_run_pause      (HwJob        *job);
void      hw_job_run_cancel     (HwJob        *job);
void      hw_job_run_free       (HwJob        *job);

G_END_DECLS
