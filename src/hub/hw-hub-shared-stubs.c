/* hw-hub-shared-stubs.c: what a build without libnats has of the replicas' sharing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Never reached: such a hubwatchd refuses --engine jetstream before
 * anything is shared. These keep the callers one and the same for both
 * builds.
 */
#include "config.h"

#include "hw-error.h"
#include "hw-hub-jobs-shared.h"
#include "hw-hub-listeners-shared.h"

HwHubListenersShared *
hw_hub_listeners_shared_new (HwHubReplica  *replica,
                             HwSharedFunc   func,
                             gpointer       user_data,
                             GError       **error)
{
  g_set_error (error, HW_ERROR, HW_ERROR_FAILED, "this hubwatchd was built without JetStream support");
  return NULL;
}

void
hw_hub_listeners_shared_free (HwHubListenersShared *self)
{
}

const char *
hw_hub_listeners_shared_get_replica (HwHubListenersShared *self)
{
  return NULL;
}

void
hw_hub_listeners_shared_want (HwHubListenersShared *self,
                              const char * const   *names)
{
}

void
hw_hub_listeners_shared_report (HwHubListenersShared *self,
                                const char           *name,
                                JsonObject           *status,
                                gboolean              urgent)
{
}

void
hw_hub_listeners_shared_write_async (HwHubListenersShared *self,
                                     const char           *name,
                                     const char           *definition,
                                     gint64                start_seq,
                                     gboolean              reset_progress,
                                     GAsyncReadyCallback   callback,
                                     gpointer              user_data)
{
}

guint64
hw_hub_listeners_shared_write_finish (GAsyncResult  *result,
                                      GError       **error)
{
  return 0;
}

HwHubJobsShared *
hw_hub_jobs_shared_new (HwHubReplica      *replica,
                        HwSharedJobsFunc   func,
                        gpointer           user_data,
                        GError           **error)
{
  g_set_error (error, HW_ERROR, HW_ERROR_FAILED, "this hubwatchd was built without JetStream support");
  return NULL;
}

void
hw_hub_jobs_shared_free (HwHubJobsShared *self)
{
}

void
hw_hub_jobs_shared_report (HwHubJobsShared *self,
                           const char      *id,
                           JsonObject      *record,
                           gboolean         final)
{
}

void
hw_hub_jobs_shared_release (HwHubJobsShared *self,
                            const char      *id)
{
}

void
hw_hub_jobs_shared_create_async (HwHubJobsShared     *self,
                                 JsonObject          *record,
                                 const char          *idempotency_key,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
}

gboolean
hw_hub_jobs_shared_create_finish (GAsyncResult  *result,
                                  JsonObject   **out_existing,
                                  GError       **error)
{
  return FALSE;
}

void
hw_hub_jobs_shared_cancel_async (HwHubJobsShared     *self,
                                 const char          *id,
                                 const char          *actor,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
}

gboolean
hw_hub_jobs_shared_cancel_finish (GAsyncResult  *result,
                                  GError       **error)
{
  return FALSE;
}

void
hw_hub_jobs_shared_offer (HwHubJobsShared *self,
                          JsonObject      *record)
{
}
