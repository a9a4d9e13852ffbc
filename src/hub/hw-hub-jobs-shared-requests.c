/* hw-hub-jobs-shared-requests.c: creating and cancelling jobs in the replicas' shared bucket
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-error.h"
#include "hw-hub-jobs-shared-private.h"

typedef struct
{
  HwHubJobsShared *shared;      /* a reference */
  char            *id;
  JsonObject      *record;
  char            *idempotency_key;
  JsonObject      *existing;    /* out */
} CreateOp;

static void
create_op_free (CreateOp *op)
{
  hw_hub_jobs_shared_unref (op->shared);
  g_free (op->id);
  json_object_unref (op->record);
  g_free (op->idempotency_key);
  g_clear_pointer (&op->existing, json_object_unref);
  g_free (op);
}

/* The record of the job @key started, once it is there: its creator
 * writes it before the key. */
static JsonObject *
existing_job (HwHubJobsShared  *self,
              const char       *idem_key,
              GError          **error)
{
  g_autoptr(GBytes) idem = hw_jetstream_kv_get (self->bucket, idem_key, NULL, error);
  g_autoptr(JsonObject) claim = idem != NULL ? hw_hub_replica_record_from_bytes (idem) : NULL;
  g_autofree char *job_key = NULL;
  g_autoptr(GBytes) record = NULL;

  if (claim == NULL)
    return NULL;
  job_key = g_strconcat (JOB_PREFIX, json_object_get_string_member_with_default (claim, "job", ""), NULL);
  record = hw_jetstream_kv_get (self->bucket, job_key, NULL, error);
  return record != NULL ? hw_hub_replica_record_from_bytes (record) : NULL;
}

static gboolean
claim_key (HwHubJobsShared  *self,
           CreateOp         *op,
           GError          **error)
{
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, op->idempotency_key, -1);
  g_autofree char *idem_key = g_strconcat (IDEM_PREFIX, hash, NULL);
  g_autoptr(JsonObject) claim = json_object_new ();
  g_autoptr(GBytes) value = NULL;
  g_autoptr(GError) local_error = NULL;

  json_object_set_string_member (claim, "job", op->id);
  value = hw_hub_replica_record_to_bytes (claim);
  if (hw_jetstream_kv_create (self->bucket, idem_key, value, &local_error) != 0)
    return TRUE;
  if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_EXISTS))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  op->existing = existing_job (self, idem_key, &local_error);
  if (op->existing != NULL)
    return TRUE;
  if (local_error == NULL)
    g_set_error (&local_error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "the idempotency key names an unreadable job");
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/* Withdraws the record before the lease: with the lease let go first,
 * another replica could claim the job from its record meanwhile. */
static void
withdraw (HwHubJobsShared *self,
          CreateOp        *op)
{
  g_autofree char *key = g_strconcat (JOB_PREFIX, op->id, NULL);
  g_autoptr(GError) error = NULL;

  if (!hw_jetstream_kv_delete (self->bucket, key, &error))
    g_warning ("job %s: cannot withdraw it from %s: %s; its lease is kept until this replica stops",
               op->id, hw_jetstream_kv_get_bucket (self->bucket), error->message);
  else
    hw_hub_jobs_shared_let_go (self, op->id);
}

static gssize
perform_create (HwHubReplica  *replica,
                gpointer       data,
                GError       **error)
{
  CreateOp *op = data;
  HwHubJobsShared *self = op->shared;
  g_autoptr(GBytes) value = NULL;
  g_autoptr(GError) local_error = NULL;
  HwJetStreamLease *lease;

  json_object_set_string_member (op->record, "holder", hw_hub_replica_get_name (self->replica));
  value = hw_hub_replica_record_to_bytes (op->record);
  if ((lease = hw_hub_jobs_shared_try_claim (self, op->id, &local_error)) == NULL)
    goto unavailable;
  g_hash_table_insert (self->held, g_strdup (op->id), lease);
  if (!hw_hub_jobs_shared_put_record (self, op->id, g_bytes_get_data (value, NULL), &local_error))
    {
      hw_hub_jobs_shared_let_go (self, op->id);
      goto unavailable;
    }
  if (op->idempotency_key == NULL || claim_key (self, op, &local_error))
    {
      if (op->existing != NULL)
        withdraw (self, op);
      return 0;
    }
  withdraw (self, op);

unavailable:
  g_set_error (error, HW_ERROR, HW_ERROR_UNAVAILABLE,
               "the job could not be shared with the other replicas (%s); nothing was started, try again",
               local_error->message);
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
  hw_hub_jobs_shared_unref (op->shared);
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
  if (hw_jetstream_kv_put (op->shared->bucket, key, value, &local_error) != 0)
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
  op->shared = hw_hub_jobs_shared_ref (self);
  op->id = g_strdup (json_object_get_string_member (record, "id"));
  op->record = json_object_ref (record);
  op->idempotency_key = g_strdup (idempotency_key);
  g_task_set_task_data (task, op, (GDestroyNotify) create_op_free);
  /* The task owns the operation; the worker fills it before returning. */
  hw_hub_replica_run_async (self->replica, perform_create, op, NULL, on_create_done, task);
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

  op->shared = hw_hub_jobs_shared_ref (self);
  op->id = g_strdup (id);
  op->actor = g_strdup (actor);
  hw_hub_replica_run_async (self->replica, perform_cancel, op, (GDestroyNotify) cancel_op_free, callback, user_data);
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
  hw_hub_jobs_shared_unref (op->shared);
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

  if (hw_jetstream_kv_create (op->shared->bucket, key, op->record, &local_error) != 0)
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

  op->shared = hw_hub_jobs_shared_ref (self);
  op->id = g_strdup (json_object_get_string_member (record, "id"));
  op->record = hw_hub_replica_record_to_bytes (record);
  hw_hub_replica_run_async (self->replica, perform_offer, op, (GDestroyNotify) offer_op_free, NULL, NULL);
}
