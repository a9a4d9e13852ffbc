/* hw-hub-jobs-shared-requests.c: creating and cancelling jobs in the replicas' shared bucket
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-error.h"
#include "hw-hub-jobs-shared-private.h"

/* Creating a job: its lease, then its idempotency key (naming it), then
 * its record. Each step is a write a kill -9 may follow; what each leaves
 * is found and healed by the next request with the same key:
 *
 *  - the lease alone lapses after its TTL;
 *  - a key naming a job without a record is its creator's while the job's
 *    lease is live (503: retry), then anyone's (compare-and-set on it);
 *  - a record with its key is a job like any other: a retry answers with
 *    it, and another replica claims it once its lease lapses.
 */

/* How many times a request reads the key again after another writer
 * changed it under it: each round follows someone else's progress. */
#define KEY_ROUNDS 4

typedef struct
{
  HwHubJobsShared *shared;      /* a reference */
  char            *id;
  JsonObject      *record;
  char            *idem_key;    /* "idem.<sha256>", NULL without an Idempotency-Key */
  guint64          idem_revision;   /* of our claim on it, once made */
  JsonObject      *existing;    /* out */
} CreateOp;

static void
create_op_free (CreateOp *op)
{
  hw_hub_replica_bucket_unref (op->shared);
  g_free (op->id);
  json_object_unref (op->record);
  g_free (op->idem_key);
  g_clear_pointer (&op->existing, json_object_unref);
  g_free (op);
}

/* NULL with G_IO_ERROR_NOT_FOUND when the job has no record. */
static JsonObject *
read_job (HwHubJobsShared  *self,
          const char       *id,
          GError          **error)
{
  g_autofree char *key = g_strconcat (JOB_PREFIX, id, NULL);
  g_autoptr(GBytes) value = hw_jetstream_kv_get (self->base.bucket, key, NULL, error);
  JsonObject *record = value != NULL ? hw_hub_replica_record_from_bytes (value) : NULL;

  if (value != NULL && record == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "the idempotency key names job %s, whose record is unreadable",
                 id);
  return record;
}

/* Whether someone holds the lease on job @id: FALSE without an error when
 * nobody does. */
static gboolean
is_leased (HwHubJobsShared  *self,
           const char       *id,
           GError          **error)
{
  g_autofree char *key = g_strconcat (JOB_PREFIX, id, NULL);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) holder = hw_jetstream_kv_get (self->base.leases, key, NULL, &local_error);

  if (holder == NULL && !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    g_propagate_error (error, g_steal_pointer (&local_error));
  return holder != NULL;
}

typedef enum
{
  ROUND_DONE,       /* the key is ours, or op->existing has the job it names */
  ROUND_UNCLAIMED,  /* the key names a job that is not there */
  ROUND_AGAIN,      /* another writer changed the key meanwhile */
  ROUND_FAILED,
} Round;

/* Reads @named's record into op->existing. */
static Round
answer_with_record (HwHubJobsShared  *self,
                    CreateOp         *op,
                    const char       *named,
                    GError          **error)
{
  g_autoptr(GError) local_error = NULL;

  if ((op->existing = read_job (self, named, &local_error)) != NULL)
    return ROUND_DONE;
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    return ROUND_UNCLAIMED;
  g_propagate_error (error, g_steal_pointer (&local_error));
  return ROUND_FAILED;
}

/* ROUND_UNCLAIMED when the key names a job that was never created and
 * never will be: no record, and nobody holds its lease. The record is read
 * again after the lease: a creator writes it only while its lease is held,
 * so one that landed after the first read is there once the lease is gone. */
static Round
answer_with_named (HwHubJobsShared  *self,
                   CreateOp         *op,
                   const char       *named,
                   GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  Round round;

  if (named[0] == '\0')
    return ROUND_UNCLAIMED;
  if ((round = answer_with_record (self, op, named, error)) != ROUND_UNCLAIMED)
    return round;
  if (is_leased (self, named, &local_error))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                   "job %s, started with this Idempotency-Key, is being created by another replica; retry in a moment",
                   named);
      return ROUND_FAILED;
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return ROUND_FAILED;
    }
  return answer_with_record (self, op, named, error);
}

/* Job ids are "job-<uuid>"; the key's value is not trusted to be one. */
static gboolean
is_job_id (const char *id)
{
  gsize length = strlen (id);

  return length > 0 && length == strspn (id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_");
}

/* The job the key names ("" for a value that names none: no creator can
 * be behind it), or NULL with G_IO_ERROR_NOT_FOUND once the key is gone. */
static char *
read_claim (HwHubJobsShared  *self,
            const char       *idem_key,
            guint64          *out_revision,
            GError          **error)
{
  g_autoptr(GBytes) value = hw_jetstream_kv_get (self->base.bucket, idem_key, out_revision, error);
  g_autoptr(JsonObject) claim = value != NULL ? hw_hub_replica_record_from_bytes (value) : NULL;
  const char *named = claim != NULL ? json_object_get_string_member_with_default (claim, "job", "") : "";

  if (value == NULL)
    return NULL;
  return g_strdup (is_job_id (named) ? named : "");
}

/* ROUND_AGAIN without an error when @local_error says another writer got
 * there first (@lost_code), else ROUND_FAILED with it. */
static Round
after_lost_write (GError      **local_error,
                  GIOErrorEnum  lost_code,
                  GError      **error)
{
  if (g_error_matches (*local_error, G_IO_ERROR, lost_code))
    return ROUND_AGAIN;
  g_propagate_error (error, g_steal_pointer (local_error));
  return ROUND_FAILED;
}

/* Takes the key over from a job that was never created: compare-and-set
 * on the revision read, so that of the retries finding it one wins. */
static Round
replace_claim (HwHubJobsShared  *self,
               CreateOp         *op,
               GBytes           *claim,
               const char       *named,
               guint64           revision,
               GError          **error)
{
  g_autoptr(GError) local_error = NULL;

  op->idem_revision = hw_jetstream_kv_update (self->base.bucket, op->idem_key, claim, revision, &local_error);
  if (op->idem_revision == 0)
    return after_lost_write (&local_error, G_IO_ERROR_WRONG_ETAG, error);
  g_message ("job %s: takes over an idempotency key that named job %s, which its replica never created", op->id, named);
  return ROUND_DONE;
}

static Round
claim_key_once (HwHubJobsShared  *self,
                CreateOp         *op,
                GBytes           *claim,
                GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *named = NULL;
  guint64 revision = 0;
  Round round;

  op->idem_revision = hw_jetstream_kv_create (self->base.bucket, op->idem_key, claim, &local_error);
  if (op->idem_revision != 0)
    return ROUND_DONE;
  if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_EXISTS))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return ROUND_FAILED;
    }
  g_clear_error (&local_error);
  /* Gone meanwhile: created again at the next round. */
  if ((named = read_claim (self, op->idem_key, &revision, &local_error)) == NULL)
    return after_lost_write (&local_error, G_IO_ERROR_NOT_FOUND, error);
  if ((round = answer_with_named (self, op, named, error)) != ROUND_UNCLAIMED)
    return round;
  return replace_claim (self, op, claim, named, revision, error);
}

/* Claims the idempotency key for the new job, or finds the job that has
 * it (op->existing). G_IO_ERROR_BUSY while another replica is creating
 * that one. */
static gboolean
claim_key (HwHubJobsShared  *self,
           CreateOp         *op,
           GError          **error)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(GBytes) claim = NULL;

  json_object_set_string_member (object, "job", op->id);
  claim = hw_hub_replica_record_to_bytes (object);
  for (guint i = 0; i < KEY_ROUNDS; i++)
    switch (claim_key_once (self, op, claim, error))
      {
      case ROUND_DONE:
        return TRUE;
      case ROUND_FAILED:
        return FALSE;
      case ROUND_UNCLAIMED:
      case ROUND_AGAIN:
        break;
      }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY, "the idempotency key changed %d times while this replica read it; "
               "retry in a moment", KEY_ROUNDS);
  return FALSE;
}

/* Created, not put: a write whose answer was lost and that lands after
 * withdraw() deleted the record finds the delete marker, and fails. Only
 * while the lease is held: the key is ours only as long as it is. */
static gboolean
write_record (HwHubJobsShared  *self,
              CreateOp         *op,
              GError          **error)
{
  g_autofree char *key = g_strconcat (JOB_PREFIX, op->id, NULL);
  g_autoptr(GBytes) value = hw_hub_replica_record_to_bytes (op->record);
  HwJetStreamLease *lease = g_hash_table_lookup (self->held, op->id);

  if (!hw_jetstream_lease_is_held (lease))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "the cluster took too long: job %s's lease lapsed", op->id);
      return FALSE;
    }
  return hw_jetstream_kv_create (self->base.bucket, key, value, error) != 0;
}

/* After the record could not be written: the record goes first (the write
 * may have landed though its answer did not come), then the key, then
 * the lease. With the record left, so is the key, which answers a retry
 * with the job another replica then claims. A key left after the record
 * went is taken over by the next retry once the lease lapses. */
static void
withdraw (HwHubJobsShared *self,
          CreateOp        *op)
{
  g_autofree char *key = g_strconcat (JOB_PREFIX, op->id, NULL);
  g_autoptr(GError) error = NULL;

  if (!hw_jetstream_kv_delete (self->base.bucket, key, &error))
    g_warning ("job %s: cannot withdraw it from %s (%s): if its record was written, another replica runs it",
               op->id, hw_jetstream_kv_get_bucket (self->base.bucket), error->message);
  else if (op->idem_key != NULL && !hw_jetstream_kv_delete_if (self->base.bucket, op->idem_key, op->idem_revision, &error))
    g_debug ("job %s: its idempotency key stays until a retry takes it over: %s", op->id, error->message);
  hw_hub_jobs_shared_let_go (self, op->id);
}

static void
set_unavailable (GError  **error,
                 GError   *cause)
{
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_BUSY))
    g_set_error_literal (error, HW_ERROR, HW_ERROR_UNAVAILABLE, cause->message);
  else
    g_set_error (error, HW_ERROR, HW_ERROR_UNAVAILABLE,
                 "the job could not be shared with the other replicas (%s); nothing was started, try again",
                 cause->message);
}

static gssize
perform_create (HwHubReplica  *replica,
                gpointer       data,
                GError       **error)
{
  CreateOp *op = data;
  HwHubJobsShared *self = op->shared;
  g_autoptr(GError) local_error = NULL;
  HwJetStreamLease *lease;

  json_object_set_string_member (op->record, "holder", hw_hub_replica_get_name (self->base.replica));
  if ((lease = hw_hub_jobs_shared_try_claim (self, op->id, &local_error)) == NULL)
    goto unavailable;
  g_hash_table_insert (self->held, g_strdup (op->id), lease);
  if (op->idem_key != NULL && !claim_key (self, op, &local_error))
    {
      hw_hub_jobs_shared_let_go (self, op->id);
      goto unavailable;
    }
  if (op->existing != NULL)
    {
      hw_hub_jobs_shared_let_go (self, op->id);
      return 0;
    }
  if (write_record (self, op, &local_error))
    return 0;
  withdraw (self, op);

unavailable:
  set_unavailable (error, local_error);
  return -1;
}

typedef struct
{
  HwHubJobsShared *shared;      /* a reference */
  char            *id;
  char            *actor;
} CancelOp;

static void
cancel_op_free (CancelOp *op)
{
  hw_hub_replica_bucket_unref (op->shared);
  g_free (op->id);
  g_free (op->actor);
  g_free (op);
}

static gssize
perform_cancel (HwHubReplica  *replica,
                gpointer       data,
                GError       **error)
{
  CancelOp *op = data;
  g_autofree char *key = g_strconcat (CANCEL_PREFIX, op->id, NULL);
  g_autoptr(JsonObject) request = json_object_new ();
  g_autoptr(GBytes) value = NULL;
  g_autoptr(GError) local_error = NULL;

  json_object_set_string_member (request, "by", op->actor);
  json_object_set_string_member (request, "through", hw_hub_replica_get_name (replica));
  value = hw_hub_replica_record_to_bytes (request);
  if (hw_jetstream_kv_put (op->shared->base.bucket, key, value, &local_error) != 0)
    return 0;
  g_set_error (error, HW_ERROR, HW_ERROR_UNAVAILABLE, "the cancel could not be passed on to the replica running job %s (%s); try again",
               op->id, local_error->message);
  return -1;
}

static void
on_create_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (hw_hub_replica_run_finish (result, &error) < 0)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

void
hw_hub_jobs_shared_create_async (HwHubJobsShared     *self,
                                 JsonObject          *record,
                                 const char          *idempotency_key,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  CreateOp *op = g_new0 (CreateOp, 1);

  g_task_set_source_tag (task, hw_hub_jobs_shared_create_async);
  op->shared = hw_hub_replica_bucket_ref (self);
  op->id = g_strdup (json_object_get_string_member (record, "id"));
  op->record = json_object_ref (record);
  if (idempotency_key != NULL)
    {
      g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, idempotency_key, -1);

      op->idem_key = g_strconcat (IDEM_PREFIX, hash, NULL);
    }
  g_task_set_task_data (task, op, (GDestroyNotify) create_op_free);
  /* The task owns the operation; the worker fills it before returning. */
  hw_hub_replica_run_async (self->base.replica, perform_create, op, NULL, on_create_done, task);
}

gboolean
hw_hub_jobs_shared_create_finish (GAsyncResult  *result,
                                  JsonObject   **out_existing,
                                  GError       **error)
{
  CreateOp *op = g_task_get_task_data (G_TASK (result));

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  *out_existing = g_steal_pointer (&op->existing);
  return TRUE;
}

void
hw_hub_jobs_shared_cancel_async (HwHubJobsShared     *self,
                                 const char          *id,
                                 const char          *actor,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  CancelOp *op = g_new0 (CancelOp, 1);

  op->shared = hw_hub_replica_bucket_ref (self);
  op->id = g_strdup (id);
  op->actor = g_strdup (actor);
  hw_hub_replica_run_async (self->base.replica, perform_cancel, op, (GDestroyNotify) cancel_op_free, callback, user_data);
}

gboolean
hw_hub_jobs_shared_cancel_finish (GAsyncResult  *result,
                                  GError       **error)
{
  return hw_hub_replica_run_finish (result, error) >= 0;
}

typedef struct
{
  HwHubJobsShared *shared;      /* a reference */
  char            *id;
  GBytes          *record;
} OfferOp;

static void
offer_op_free (OfferOp *op)
{
  hw_hub_replica_bucket_unref (op->shared);
  g_free (op->id);
  g_bytes_unref (op->record);
  g_free (op);
}

static gssize
perform_offer (HwHubReplica  *replica,
               gpointer       data,
               GError       **error)
{
  OfferOp *op = data;
  g_autofree char *key = g_strconcat (JOB_PREFIX, op->id, NULL);
  g_autoptr(GError) local_error = NULL;

  if (hw_jetstream_kv_create (op->shared->base.bucket, key, op->record, &local_error) != 0)
    g_message ("job %s: offered to the replicas, from this replica's hub.db", op->id);
  else if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_EXISTS))
    g_warning ("job %s: cannot offer it to the replicas: %s", op->id, local_error->message);
  return 0;
}

void
hw_hub_jobs_shared_offer (HwHubJobsShared *self,
                          JsonObject      *record)
{
  OfferOp *op = g_new0 (OfferOp, 1);

  op->shared = hw_hub_replica_bucket_ref (self);
  op->id = g_strdup (json_object_get_string_member (record, "id"));
  op->record = hw_hub_replica_record_to_bytes (record);
  hw_hub_replica_run_async (self->base.replica, perform_offer, op, (GDestroyNotify) offer_op_free, NULL, NULL);
}
