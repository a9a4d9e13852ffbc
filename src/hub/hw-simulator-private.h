/* hw-simulator-private.h: pieces of the simulator shared between its files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "hw-simulator.h"

G_BEGIN_DECLS

/* An event produced ahead of its time (live mode keeps whole order
 * lifecycles and publishes each event when its timestamp comes). */
typedef struct
{
  gint64  ts;
  char   *json;
} HwSimEvent;

void        hw_sim_event_free      (HwSimEvent *event);

typedef struct
{
  const char *name;
  const char *pipeline;
  const char *types;          /* comma-separated patterns, or NULL */
  const char *anything_but;   /* comma-separated, or NULL */
  guint       batch_size;
  guint       parallel;
  guint       timeout_ms;
  gboolean    sometimes_slow;
} HwSimFunctionSpec;

extern const HwSimFunctionSpec hw_sim_functions[];

typedef struct
{
  const HwSimFunctionSpec *spec;
  gint64                   slow_until_ms;
  gint64                   next_slowdown_ms;
  guint64                  records;
  guint64                  faults;
} HwSimFunction;

struct _HwSimulator
{
  char         *base_url;
  char         *token;
  guint         backfill_days;
  GRand        *rand;
  SoupSession  *session;
  GCancellable *cancellable;      /* cancelled by hw_simulator_free() */
  SoupServer   *server;
  char         *functions_url;    /* http://127.0.0.1:PORT/fn/ */
  GHashTable   *functions;        /* name → HwSimFunction* */

  GSequence    *pending;          /* HwSimEvent*, by ts: the future of live orders */
  GPtrArray    *outbox;           /* char* event JSON, published on the next tick */
  gboolean      publishing;
  guint         tick_id;
  guint64       order_counter;
  double        order_credit;
  gint64        next_deploy_ms;
  GPtrArray    *open_incidents;   /* JsonObject*, resolved later */

  gint64        backfill_hour;    /* next hour (epoch hours) to generate */
  gint64        backfill_end_hour;
  GPtrArray    *backfill_lines;   /* char*, the next NDJSON body */
  GPtrArray    *backfill_system;  /* JsonObject*, system events of the backfill */
  gboolean      backfill_done;
  gboolean      registered;
};

/* hw-simulator-model.c: what the subsystem does */
double      hw_sim_orders_per_hour   (gint64       ts_ms);
/* @pace scales the time between the steps of the order (1.0 = real). */
void        hw_sim_order_lifecycle   (GRand       *rand,
                                      const char  *order_id,
                                      gint64       placed_ms,
                                      double       pace,
                                      GPtrArray   *out);
void        hw_sim_catalog_event     (GRand       *rand,
                                      const char  *id,
                                      gint64       ts_ms,
                                      GPtrArray   *out);
/* TRUE when @function fails on @event (a poison event), with the error. */
gboolean    hw_sim_is_poison         (const char  *function,
                                      JsonObject  *event,
                                      const char **err_name,
                                      const char **err_message);
char       *hw_sim_fault_json        (const HwSimFunctionSpec *function,
                                      JsonNode    *record,
                                      JsonNode    *event,
                                      const char  *err_name,
                                      const char  *err_message,
                                      gint64       ts_ms);
JsonObject *hw_sim_deployment        (GRand       *rand,
                                      const char  *id,
                                      gint64       deploy_ms);
JsonObject *hw_sim_incident          (GRand       *rand,
                                      const char  *id,
                                      JsonObject  *deployment,
                                      gint64       opened_ms,
                                      gint64       resolved_ms);

/* hw-simulator-functions.c: the listener functions */
gboolean    hw_sim_functions_start    (HwSimulator *self,
                                       GError     **error);
void        hw_sim_functions_register (HwSimulator *self);

/* hw-simulator.c */
void        hw_sim_post              (HwSimulator *self,
                                      const char  *path,
                                      const char  *content_type,
                                      GBytes      *body,
                                      GAsyncReadyCallback callback,
                                      gpointer     user_data);
void        hw_sim_send              (HwSimulator *self,
                                      const char  *method,
                                      const char  *path,
                                      const char  *content_type,
                                      GBytes      *body,
                                      GAsyncReadyCallback callback,
                                      gpointer     user_data);
void        hw_sim_queue_event       (HwSimulator *self,
                                      char        *json);
gint64      hw_sim_now_ms            (void);

G_END_DECLS
