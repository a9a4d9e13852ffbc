/* hw-hub-ingest.h: the publish pipeline: parse workers, one group-committing writer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hw-event-prepare.h"
#include "hw-event-store.h"
#include "hw-hub-private.h"

G_BEGIN_DECLS

/* One POST /v1/events on its way through the pipeline. The message stays
 * paused from submission until the answer (status + body) is set on the
 * main context. Only one thread touches a job at a time. */
typedef struct
{
  HwHubRequest   *request;
  gboolean        ndjson;
  GArray         *items;        /* owned by hw-hub-api-events.c */

  /* What the writer stores, already compressed and indexed by the worker
   * (in item order). Empty: nothing to store. */
  GArray         *prepared;     /* HwPreparedEvent */
  HwInsertStatus *statuses;     /* prepared->len entries, filled by the writer */
  gint64         *seqs;
  GError         *insert_error; /* the writer's, when nothing was stored */

  /* The answer; set by the parse (request-level errors) or the finish step. */
  guint           status;
  char           *body;         /* JSON text */
} HwIngestJob;

/* hw-hub-api-events.c, on a worker thread: parses, validates and prepares
 * the body, filling items and prepared, or sets status/body for a
 * request-level error. */
void         hw_hub_publish_parse  (HwIngestJob *job);
/* hw-hub-api-events.c, on a worker thread, after the writer: records the
 * metrics of the accepted events and sets status/body. */
void         hw_hub_publish_finish (HwIngestJob *job);
/* Frees items (and their events) and prepared. */
void         hw_hub_publish_clear  (HwIngestJob *job);

/* Starts the workers and the writer. Called on the hub's main context. */
HwHubIngest *hw_hub_ingest_new     (HwHub       *hub);
/* Pauses @request's message and takes it through the pipeline; the answer
 * is sent on the main context once its events are committed. */
void         hw_hub_ingest_submit  (HwHubIngest *self,
                                    HwHubRequest *request,
                                    gboolean      ndjson);
/* Refuses new requests, waits for every submitted one to be committed (or
 * to fail) and answers them, then stops the threads. Main context only. */
void         hw_hub_ingest_free    (HwHubIngest *self);

G_END_DECLS
