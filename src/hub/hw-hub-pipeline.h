/* hw-hub-pipeline.h: the route table and request pipeline, wired into the hub object
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hw-hub.h"

G_BEGIN_DECLS

/* The hub's routes and its per-caller rate limiter. Owned by the hub, which
 * it reaches through hw_hub_get_pipeline() while serving a request. */
typedef struct _HwHubPipeline HwHubPipeline;

HwHubPipeline *hw_hub_pipeline_new          (double         rate_per_second,
                                             double         rate_burst);
void           hw_hub_pipeline_free         (HwHubPipeline *pipeline);

/* Times and meters every request of @server, and refuses an announced
 * oversize body before it is read. */
void           hw_hub_pipeline_watch_server (HwHub         *hub,
                                             SoupServer    *server);
/* Sends the requests for @path (NULL: every path) through route matching,
 * authentication, role, rate limit and body checks to their route. */
void           hw_hub_pipeline_add_handler  (HwHub         *hub,
                                             SoupServer    *server,
                                             const char    *path);

/* hw-hub.c */
HwHubPipeline *hw_hub_get_pipeline          (HwHub         *hub);

G_END_DECLS
