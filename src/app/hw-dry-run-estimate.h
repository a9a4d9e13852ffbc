/* hw-dry-run-estimate.h: dry runs computed from the offline cache while the hub is unreachable
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "hw-event-store.h"
#include "hw-state-db.h"

G_BEGIN_DECLS

/* Answers in the shape of the hub's dry runs, so the dialogs show either
 * the same way: a replay {"count", "by_type"}, a resubmission {"count",
 * "targets", "sample"}. @body is the request body (a replay's "from", "to"
 * in epoch ms and optional "query"; a resubmission's "fault_ids" or
 * "group"). Runs in a worker thread. */
void        hw_dry_run_estimate_async  (HwEventStore        *store,
                                        HwCommandKind        kind,
                                        JsonObject          *body,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
JsonObject *hw_dry_run_estimate_finish (GAsyncResult        *result,
                                        GError             **error);

G_END_DECLS
