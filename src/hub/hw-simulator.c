/* hw-simulator.c: a food-delivery subsystem driving a hub through its public API
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything goes over HTTP to the hub's public URL, asynchronously: the
 * simulator usually shares the main context with the hub it drives, so a
 * blocking request would deadlock. One tick per second publishes whatever
 * came due as one NDJSON request, which keeps the CPU cost to a few
 * requests per second whatever the rate.
 */
#include "config.h"

#include <string.h>

#include "hw-hub-batch.h"
#include "hw-simulator-private.h"

#define HOUR_MS           (60 * 60 * 1000)
#define MINUTE_MS         (60 * 1000)
/* Live orders come faster than the daily curve, and each order lives its
 * life five times faster, so that a demo is lively within seconds. */
#define LIVE_SPEEDUP      12.0
#define LIVE_PACE         0.2
#define BACKFILL_LINES    1000
/* The Team page looks back up to 90 days in weekly trends. Deployments and
 * incidents are few, so they are seeded that far even when events are
 * seeded for a day or two: otherwise the trends show one bar. */
#define TEAM_HISTORY_DAYS 91
/* The hub takes at most 1000 system events per request. */
#define SYSTEM_EVENTS_PER_POST 500
#define MAX_OUTBOX        20000
/* Orders per hour at the quietest time, so a demo at night is not dead. */
#define LIVE_FLOOR        1800.0

gint64
hw_sim_now_ms (void)
{
  return g_get_real_time () / 1000;
}

static gboolean
on_accept_certificate (SoupMessage          *msg,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  /* Our own hub on loopback, typically with a self-signed certificate. */
  return TRUE;
}

void
hw_sim_post (HwSimulator         *self,
             const char          *path,
             const char          *content_type,
             GBytes              *body,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  hw_sim_send (self, SOUP_METHOD_POST, path, content_type, body, callback, user_data);
}

void
hw_sim_send (HwSimulator         *self,
             const char          *method,
             const char          *path,
             const char          *content_type,
             GBytes              *body,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  g_autofree char *url = g_strconcat (self->base_url, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) owned_body = body;

  if (msg == NULL)
    {
      g_warning ("simulator: invalid hub URL %s", self->base_url);
      return;
    }
  if (self->token != NULL)
    {
      g_autofree char *authorization = g_strdup_printf ("Bearer %s", self->token);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", authorization);
    }
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (on_accept_certificate), NULL);
  soup_message_set_request_body_from_bytes (msg, content_type, owned_body);
  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT, self->cancellable,
                                    callback, user_data);
}

void
hw_sim_queue_event (HwSimulator *self,
                    char        *json)
{
  /* A hub that stopped answering must not make us grow without bound. */
  if (self->outbox->len >= MAX_OUTBOX)
    {
      g_free (json);
      return;
    }
  g_ptr_array_add (self->outbox, json);
}

static GBytes *
ndjson_body (GPtrArray *lines,
             guint      n)
{
  GString *body = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    {
      g_string_append (body, g_ptr_array_index (lines, i));
      g_string_append_c (body, '\n');
    }
  g_ptr_array_remove_range (lines, 0, n);
  return g_string_free_to_bytes (body);
}

/* FALSE when the simulator is being freed: the caller must not touch it. */
static gboolean
check_answer (GObject      *source,
              GAsyncResult *result,
              const char   *what)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) answer = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return FALSE;
  if (answer == NULL)
    g_warning ("simulator: %s failed: %s", what, error->message);
  else if (msg != NULL && !SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (msg)))
    g_warning ("simulator: %s answered HTTP %u", what, soup_message_get_status (msg));
  return TRUE;
}

static void
on_published (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  HwSimulator *self = user_data;

  if (check_answer (source, result, "publishing events"))
    self->publishing = FALSE;
}

static void
on_system_posted (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  check_answer (source, result, "posting system events");
}

static void
post_system_events (HwSimulator *self,
                    GPtrArray   *objects)
{
  for (guint start = 0; start < objects->len; start += SYSTEM_EVENTS_PER_POST)
    {
      g_autoptr(JsonArray) array = json_array_new ();
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);
      char *text;

      for (guint i = start; i < objects->len && i < start + SYSTEM_EVENTS_PER_POST; i++)
        json_array_add_object_element (array, json_object_ref (g_ptr_array_index (objects, i)));
      json_node_set_array (node, array);
      text = json_to_string (node, FALSE);
      hw_sim_post (self, "/v1/system-events", "application/json", g_bytes_new_take (text, strlen (text)),
                   on_system_posted, self);
    }
}

/* Incidents are opened first and resolved later, as a real on-call tool
 * would report them: the resolution is a merge patch on the stored one. */
static void
resolve_incident (HwSimulator *self,
                  const char  *id,
                  gint64       resolved_ms)
{
  g_autoptr(JsonObject) patch = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *escaped = g_uri_escape_string (id, NULL, FALSE);
  g_autofree char *path = g_strconcat ("/v1/system-events/", escaped, NULL);
  char *text;

  json_object_set_int_member (patch, "resolved_at", resolved_ms);
  node = json_node_init_object (json_node_alloc (), patch);
  text = json_to_string (node, FALSE);
  hw_sim_send (self, "PATCH", path, "application/json", g_bytes_new_take (text, strlen (text)),
               on_system_posted, self);
}

/* The incident as it is while open: no resolution, no simulator notes. */
static JsonObject *
open_incident_copy (JsonObject *incident)
{
  JsonObject *copy = json_object_new ();
  g_autoptr(GList) names = json_object_get_members (incident);

  for (GList *l = names; l != NULL; l = l->next)
    if (!g_str_equal (l->data, "resolved_at") && !g_str_has_prefix (l->data, "x-"))
      json_object_set_member (copy, l->data, json_object_dup_member (incident, l->data));
  return copy;
}

static gint
compare_by_ts (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  const HwSimEvent *ea = a, *eb = b;

  return (ea->ts > eb->ts) - (ea->ts < eb->ts);
}

/* Live ------------------------------------------------------------------------ */

static void
produce_live (HwSimulator *self,
              gint64       now)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new ();

  self->order_credit += MAX (hw_sim_orders_per_hour (now) * LIVE_SPEEDUP, LIVE_FLOOR) / 3600.0;
  while (self->order_credit >= 1)
    {
      g_autofree char *id = g_strdup_printf ("o-%" G_GINT64_FORMAT "-%" G_GUINT64_FORMAT,
                                             now / 1000, ++self->order_counter);

      self->order_credit -= 1;
      hw_sim_order_lifecycle (self->rand, id, now, LIVE_PACE, events);
    }
  if (g_rand_int_range (self->rand, 0, 15) == 0)
    {
      g_autofree char *id = g_strdup_printf ("cat-%" G_GINT64_FORMAT "-%u", now, g_rand_int (self->rand));

      hw_sim_catalog_event (self->rand, id, now, events);
    }
  for (guint i = 0; i < events->len; i++)
    g_sequence_insert_sorted (self->pending, g_ptr_array_index (events, i), compare_by_ts, NULL);

  while (!g_sequence_is_empty (self->pending))
    {
      GSequenceIter *first = g_sequence_get_begin_iter (self->pending);
      HwSimEvent *event = g_sequence_get (first);

      if (event->ts > now)
        break;
      hw_sim_queue_event (self, g_steal_pointer (&event->json));
      g_sequence_remove (first);
    }
}

/* A deployment every few minutes; about one in eight opens an incident a
 * little later, announced by a firing alert and posted open (without
 * resolved_at); once resolved, a PATCH sets its resolved_at. */
static void
operate_live (HwSimulator *self,
              gint64       now)
{
  g_autoptr(GPtrArray) posts = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  if (self->next_deploy_ms == 0)
    self->next_deploy_ms = now + 15 * 1000;
  if (now >= self->next_deploy_ms)
    {
      g_autofree char *id = g_strdup_printf ("dep-live-%" G_GINT64_FORMAT, now);
      JsonObject *deployment = hw_sim_deployment (self->rand, id, now);

      g_ptr_array_add (posts, deployment);
      if (g_rand_int_range (self->rand, 0, 8) == 0)
        {
          g_autofree char *incident_id = g_strdup_printf ("inc-live-%" G_GINT64_FORMAT, now);
          gint64 opened = now + g_rand_int_range (self->rand, 1, 4) * MINUTE_MS;
          gint64 resolved = opened + g_rand_int_range (self->rand, 5, 40) * MINUTE_MS;
          JsonObject *incident = hw_sim_incident (self->rand, incident_id, deployment, opened, resolved);

          g_ptr_array_add (self->open_incidents, incident);
        }
      self->next_deploy_ms = now + g_rand_int_range (self->rand, 4, 15) * MINUTE_MS;
    }

  for (guint i = 0; i < self->open_incidents->len; i++)
    {
      JsonObject *incident = g_ptr_array_index (self->open_incidents, i);
      gint64 opened = json_object_get_int_member (incident, "opened_at");
      gint64 resolved = json_object_get_int_member (incident, "resolved_at");
      g_autofree char *alert_id = NULL;

      if (now >= opened && !json_object_get_boolean_member_with_default (incident, "x-alerted", FALSE))
        {
          JsonObject *alert = json_object_new ();

          alert_id = g_strdup_printf ("alert-%s", json_object_get_string_member (incident, "id"));
          json_object_set_string_member (alert, "kind", "alert");
          json_object_set_string_member (alert, "id", alert_id);
          json_object_set_string_member (alert, "rule", "fault rate");
          json_object_set_string_member (alert, "state", "firing");
          json_object_set_double_member (alert, "value", g_rand_double_range (self->rand, 5, 50));
          json_object_set_string_member (alert, "service", json_object_get_string_member (incident, "service"));
          json_object_set_int_member (alert, "time", now);
          g_ptr_array_add (posts, alert);
          g_ptr_array_add (posts, open_incident_copy (incident));
          json_object_set_boolean_member (incident, "x-alerted", TRUE);
        }
      /* A tick later at the earliest, so the open one was posted first. */
      else if (now >= resolved && json_object_get_boolean_member_with_default (incident, "x-alerted", FALSE))
        {
          resolve_incident (self, json_object_get_string_member (incident, "id"), resolved);
          g_ptr_array_remove_index (self->open_incidents, i--);
        }
    }
  post_system_events (self, posts);
}

static void
publish_outbox (HwSimulator *self)
{
  guint n = MIN (self->outbox->len, 2000);

  if (self->publishing || n == 0)
    return;
  self->publishing = TRUE;
  hw_sim_post (self, "/v1/events", "application/x-ndjson", ndjson_body (self->outbox, n), on_published, self);
}

static gboolean
on_tick (gpointer user_data)
{
  HwSimulator *self = user_data;
  gint64 now = hw_sim_now_ms ();

  produce_live (self, now);
  operate_live (self, now);
  publish_outbox (self);
  return G_SOURCE_CONTINUE;
}

/* Backfill -------------------------------------------------------------------- */

/* The record a listener received for @event_json, as its fault keeps it. */
static JsonNode *
record_for (HwSimEvent *event,
            JsonNode   *parsed)
{
  JsonObject *object = json_node_get_object (parsed);
  HwBatchItem item = {
    g_str_hash (event->json), json_object_get_string_member_with_default (object, "partitionKey", NULL),
    json_object_get_string_member (object, "id"), event->json, event->ts
  };
  g_autoptr(GBytes) body = hw_batch_body_new (&item, 1, 0);
  g_autoptr(JsonNode) root = json_from_string (g_bytes_get_data (body, NULL), NULL);

  return json_array_dup_element (json_object_get_array_member (json_node_get_object (root), "Records"), 0);
}

/* The faults the listener functions would have published for @event. */
static void
backfill_faults (HwSimulator *self,
                 HwSimEvent  *event)
{
  g_autoptr(JsonNode) parsed = NULL;

  if (strstr (event->json, "\"order-placed\"") == NULL)
    return;
  parsed = json_from_string (event->json, NULL);
  for (guint i = 0; hw_sim_functions[i].name != NULL; i++)
    {
      const char *err_name, *err_message;
      g_autoptr(JsonNode) record = NULL;

      if (!hw_sim_is_poison (hw_sim_functions[i].name, json_node_get_object (parsed), &err_name, &err_message))
        continue;
      record = record_for (event, parsed);
      g_ptr_array_add (self->backfill_lines,
                       hw_sim_fault_json (&hw_sim_functions[i], record, parsed, err_name, err_message,
                                          event->ts + 1500));
    }
}

/* Maybe a deployment in @hour, and maybe an incident it caused. */
static void
backfill_deployment (HwSimulator *self,
                     GRand       *rand,
                     gint64       hour,
                     gint64       now)
{
  gint64 start = hour * HOUR_MS;

  /* Working hours see most deployments. */
  if (g_rand_int_range (rand, 0, 24) < (hour % 24 >= 8 && hour % 24 < 18 ? 18 : 3))
    {
      g_autofree char *id = g_strdup_printf ("dep-%" G_GINT64_FORMAT, hour);
      gint64 deployed = start + g_rand_int_range (rand, 0, HOUR_MS);
      JsonObject *deployment = hw_sim_deployment (rand, id, deployed);

      if (deployed < now)
        {
          g_ptr_array_add (self->backfill_system, json_object_ref (deployment));
          if (g_rand_int_range (rand, 0, 5) == 0)
            {
              g_autofree char *incident_id = g_strdup_printf ("inc-%" G_GINT64_FORMAT, hour);
              gint64 opened = deployed + g_rand_int_range (rand, 2, 30) * MINUTE_MS;
              gint64 resolved = opened + g_rand_int_range (rand, 10, 240) * MINUTE_MS;

              if (opened < now)
                g_ptr_array_add (self->backfill_system,
                                 hw_sim_incident (rand, incident_id, deployment, opened,
                                                  resolved < now ? resolved : 0));
            }
        }
      json_object_unref (deployment);
    }
}

/* Deployments and incidents only, for the hours before the events' history
 * (see TEAM_HISTORY_DAYS). Seeded per hour too, so that a restart adds
 * nothing. */
static void
backfill_team_history (HwSimulator *self,
                       gint64       first_event_hour,
                       gint64       now)
{
  gint64 hour = (now - (gint64) TEAM_HISTORY_DAYS * 24 * HOUR_MS) / HOUR_MS;

  for (; hour < first_event_hour; hour++)
    {
      g_autoptr(GRand) rand = g_rand_new_with_seed ((guint32) (hour * 2246822519u));

      backfill_deployment (self, rand, hour, now);
    }
}

/* One hour of history. Each hour has its own seed, so a second backfill
 * over the same hours produces the same ids and the hub drops them as
 * duplicates instead of doubling the history. */
static void
backfill_hour (HwSimulator *self,
               gint64       hour,
               gint64       now)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed ((guint32) (hour * 2654435761u));
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_sim_event_free);
  gint64 start = hour * HOUR_MS;
  guint n_orders = (guint) (hw_sim_orders_per_hour (start + HOUR_MS / 2) * g_rand_double_range (rand, 0.85, 1.15));

  for (guint i = 0; i < n_orders; i++)
    {
      g_autofree char *id = g_strdup_printf ("o-%" G_GINT64_FORMAT "-%u", hour, i);

      hw_sim_order_lifecycle (rand, id, start + g_rand_int_range (rand, 0, HOUR_MS), 1.0, events);
    }
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *id = g_strdup_printf ("cat-%" G_GINT64_FORMAT "-%u", hour, i);

      hw_sim_catalog_event (rand, id, start + g_rand_int_range (rand, 0, HOUR_MS), events);
    }
  for (guint i = 0; i < events->len; i++)
    {
      HwSimEvent *event = g_ptr_array_index (events, i);

      if (event->ts >= now)
        continue;
      backfill_faults (self, event);
      g_ptr_array_add (self->backfill_lines, g_steal_pointer (&event->json));
    }

  backfill_deployment (self, rand, hour, now);
}

/* A history without any incident would make the team metrics page (and
 * the demo) look broken, so a short backfill always gets one. */
static void
ensure_an_incident (HwSimulator *self,
                    gint64       now)
{
  JsonObject *deployment = NULL;
  g_autofree char *incident_id = NULL;

  for (guint i = 0; i < self->backfill_system->len; i++)
    {
      JsonObject *object = g_ptr_array_index (self->backfill_system, i);

      if (g_str_equal (json_object_get_string_member (object, "kind"), "incident"))
        return;
      /* Old enough for opened_at < resolved_at < now. */
      if (g_str_equal (json_object_get_string_member (object, "kind"), "deployment") &&
          json_object_get_int_member (object, "deploy_time") < now - HOUR_MS)
        deployment = object;
    }
  if (deployment == NULL)
    {
      g_autofree char *id = g_strdup_printf ("dep-%" G_GINT64_FORMAT "-x", now / HOUR_MS);

      deployment = hw_sim_deployment (self->rand, id, now - 3 * HOUR_MS);
      g_ptr_array_add (self->backfill_system, deployment);
    }
  incident_id = g_strdup_printf ("inc-%s", json_object_get_string_member (deployment, "id"));
  g_ptr_array_add (self->backfill_system,
                   hw_sim_incident (self->rand, incident_id, deployment,
                                    json_object_get_int_member (deployment, "deploy_time") + 5 * MINUTE_MS,
                                    MIN (json_object_get_int_member (deployment, "deploy_time") + 50 * MINUTE_MS,
                                         now - 1)));
}

static void backfill_next (HwSimulator *self);

static void
on_backfill_posted (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  if (check_answer (source, result, "publishing history"))
    backfill_next (user_data);
}

static void
backfill_next (HwSimulator *self)
{
  gint64 now = hw_sim_now_ms ();

  while (self->backfill_lines->len < BACKFILL_LINES && self->backfill_hour < self->backfill_end_hour)
    backfill_hour (self, self->backfill_hour++, now);

  if (self->backfill_lines->len > 0)
    {
      guint n = MIN (self->backfill_lines->len, BACKFILL_LINES);

      hw_sim_post (self, "/v1/events", "application/x-ndjson", ndjson_body (self->backfill_lines, n),
                   on_backfill_posted, self);
      return;
    }

  ensure_an_incident (self, now);
  post_system_events (self, self->backfill_system);
  g_ptr_array_set_size (self->backfill_system, 0);
  self->backfill_done = TRUE;
  g_message ("simulator: backfill done");
  /* Registered after the history so the functions start at the live edge
   * instead of re-processing days of events. */
  hw_sim_functions_register (self);
}

/* Lifecycle ------------------------------------------------------------------- */

HwSimulator *
hw_simulator_new (const char *base_url,
                  const char *token,
                  guint       backfill_days)
{
  HwSimulator *self;

  g_return_val_if_fail (base_url != NULL, NULL);

  self = g_new0 (HwSimulator, 1);
  self->base_url = g_strdup (base_url);
  self->token = g_strdup (token);
  self->backfill_days = backfill_days;
  self->rand = g_rand_new ();
  self->session = soup_session_new_with_options ("max-conns-per-host", 8, "timeout", 60, NULL);
  self->cancellable = g_cancellable_new ();
  self->pending = g_sequence_new ((GDestroyNotify) hw_sim_event_free);
  self->outbox = g_ptr_array_new_with_free_func (g_free);
  self->open_incidents = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  self->backfill_lines = g_ptr_array_new_with_free_func (g_free);
  self->backfill_system = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  return self;
}

gboolean
hw_simulator_start (HwSimulator  *self,
                    GError      **error)
{
  gint64 now = hw_sim_now_ms ();

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (self->tick_id == 0, FALSE);

  if (!hw_sim_functions_start (self, error))
    return FALSE;
  g_message ("simulator: functions listening on %s, backfilling %u days", self->functions_url,
             self->backfill_days);

  self->backfill_end_hour = now / HOUR_MS + 1;
  self->backfill_hour = (now - (gint64) self->backfill_days * 24 * HOUR_MS) / HOUR_MS;
  if (self->backfill_days > 0)
    {
      backfill_team_history (self, self->backfill_hour, now);
      backfill_next (self);
    }
  else
    hw_sim_functions_register (self);

  self->tick_id = g_timeout_add_seconds (1, on_tick, self);
  return TRUE;
}

void
hw_simulator_free (HwSimulator *self)
{
  if (self == NULL)
    return;
  g_clear_handle_id (&self->tick_id, g_source_remove);
  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  /* Pending callbacks still run later, with G_IO_ERROR_CANCELLED, and then
   * leave the simulator alone (check_answer()). */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->session);
  g_clear_pointer (&self->functions, g_hash_table_unref);
  g_clear_pointer (&self->pending, g_sequence_free);
  g_clear_pointer (&self->outbox, g_ptr_array_unref);
  g_clear_pointer (&self->open_incidents, g_ptr_array_unref);
  g_clear_pointer (&self->backfill_lines, g_ptr_array_unref);
  g_clear_pointer (&self->backfill_system, g_ptr_array_unref);
  g_rand_free (self->rand);
  g_free (self->functions_url);
  g_free (self->base_url);
  g_free (self->token);
  g_free (self);
}
