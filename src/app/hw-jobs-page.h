/* hw-jobs-page.h: replays and resubmissions, the outbox and the inbox of one hub
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "hw-connection.h"

G_BEGIN_DECLS

#define HW_TYPE_JOBS_PAGE (hw_jobs_page_get_type ())

G_DECLARE_FINAL_TYPE (HwJobsPage, hw_jobs_page, HW, JOBS_PAGE, GtkWidget)

/* Property "connection" (HwConnection*, nullable). Jobs are the hub's
 * snapshot (from the sync, cached offline) merged with the jobs this
 * console started (the state database), so the page survives a restart;
 * the outbox and inbox are read from the state database. */
HwConnection *hw_jobs_page_get_connection  (HwJobsPage   *self);
void          hw_jobs_page_set_connection  (HwJobsPage   *self,
                                            HwConnection *connection);

/* For tests. */
guint         hw_jobs_page_get_n_jobs      (HwJobsPage   *self);
/* The shown job's state ("running"…) or NULL when not listed. */
const char   *hw_jobs_page_get_job_state   (HwJobsPage   *self,
                                            const char   *job_id);
/* Commands still waiting (queued, sending, sent or failed). */
guint         hw_jobs_page_get_n_pending   (HwJobsPage   *self);
guint         hw_jobs_page_get_n_inbox     (HwJobsPage   *self);
guint         hw_jobs_page_get_load_count  (HwJobsPage   *self);

G_END_DECLS
