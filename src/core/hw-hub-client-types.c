/* hw-hub-client-types.c: the typed results of the hub client and their JSON parsers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "hw-error.h"
#include "hw-hub-client-private.h"
#include "hw-json-guard.h"

/* ---- lenient JSON getters ------------------------------------------- */

const char *
hw_json_get_string (JsonObject *object,
                    const char *member)
{
  JsonNode *node;

  if (object == NULL || (node = json_object_get_member (object, member)) == NULL)
    return NULL;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  return NULL;
}

gint64
hw_json_get_int (JsonObject *object,
                 const char *member)
{
  JsonNode *node;
  GType type;

  if (object == NULL || (node = json_object_get_member (object, member)) == NULL
      || !JSON_NODE_HOLDS_VALUE (node))
    return 0;
  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    return json_node_get_int (node);
  if (type == G_TYPE_DOUBLE)
    {
      double v = json_node_get_double (node);

      /* A lying hub may send 1e300: clamp rather than invoke undefined behaviour. */
      if (!isfinite (v))
        return 0;
      /* (double) G_MAXINT64 rounds up to 2^63, which no gint64 holds. */
      if (v >= 9223372036854775807.0)
        return G_MAXINT64;
      if (v <= (double) G_MININT64)
        return G_MININT64;
      return (gint64) v;
    }
  if (type == G_TYPE_STRING)
    return g_ascii_strtoll (json_node_get_string (node), NULL, 10);
  return 0;
}

gint64
hw_json_get_time_ms (JsonObject *object,
                     const char *member)
{
  const char *text = hw_json_get_string (object, member);
  g_autoptr(GTimeZone) utc = NULL;
  g_autoptr(GDateTime) dt = NULL;
  char *end = NULL;
  gint64 ms;

  if (text == NULL)
    return hw_json_get_int (object, member);

  ms = g_ascii_strtoll (text, &end, 10);
  if (end != text && *end == '\0')
    return ms;
  utc = g_time_zone_new_utc ();
  dt = g_date_time_new_from_iso8601 (text, utc);
  if (dt == NULL)
    return 0;
  return g_date_time_to_unix (dt) * 1000 + g_date_time_get_microsecond (dt) / 1000;
}

JsonNode *
hw_hub_json_parse (JsonParser  *parser,
                   const char  *text,
                   gsize        length,
                   const char  *what,
                   GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  /* The same guard as for events: bounded depth before the recursive
   * parser runs, valid UTF-8, and no second top-level value hidden behind
   * the first. */
  if (!hw_json_guard_check (text, length, G_MAXSIZE, HW_HUB_MAX_JSON_DEPTH, what, NULL,
                            &local_error)
      || !json_parser_load_from_data (parser, text, length, &local_error))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_PROTOCOL, "%s is not valid JSON: %s", what,
                   local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_PROTOCOL, "%s is empty", what);
      return NULL;
    }
  return root;
}

static char *
dup_string (JsonObject *object,
            const char *member)
{
  return g_strdup (hw_json_get_string (object, member));
}

/* The first of several member names that is present. */
static gint64
time_of_any (JsonObject         *object,
             const char * const *members)
{
  for (guint i = 0; members[i] != NULL; i++)
    if (json_object_has_member (object, members[i]))
      return hw_json_get_time_ms (object, members[i]);
  return 0;
}

/* ---- frees ---------------------------------------------------------- */

void
hw_hub_info_free (HwHubInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->name);
  g_free (info->subsystem);
  g_free (info->version);
  g_strfreev (info->capabilities);
  g_clear_pointer (&info->raw, json_object_unref);
  g_free (info);
}

void
hw_hub_event_page_free (HwHubEventPage *page)
{
  if (page == NULL)
    return;
  g_clear_pointer (&page->events, g_ptr_array_unref);
  g_free (page->next_cursor);
  g_free (page);
}

void
hw_hub_sync_page_free (HwHubSyncPage *page)
{
  if (page == NULL)
    return;
  g_clear_pointer (&page->events, g_ptr_array_unref);
  g_clear_pointer (&page->seqs, g_array_unref);
  g_clear_pointer (&page->received_ms, g_array_unref);
  g_free (page);
}

void
hw_hub_fault_group_free (HwHubFaultGroup *group)
{
  if (group == NULL)
    return;
  g_free (group->functionname);
  g_free (group->pipeline);
  g_free (group->message);
  g_free (group->sample_id);
  g_clear_pointer (&group->raw, json_object_unref);
  g_free (group);
}

void
hw_hub_listener_free (HwHubListener *listener)
{
  if (listener == NULL)
    return;
  g_free (listener->name);
  g_free (listener->url);
  g_free (listener->last_error);
  g_clear_pointer (&listener->raw, json_object_unref);
  g_free (listener);
}

HwHubJob *
hw_hub_job_copy (const HwHubJob *job)
{
  HwHubJob *copy;

  g_return_val_if_fail (job != NULL, NULL);

  copy = g_memdup2 (job, sizeof *job);
  copy->id = g_strdup (job->id);
  copy->kind = g_strdup (job->kind);
  copy->state = g_strdup (job->state);
  copy->requested_by = g_strdup (job->requested_by);
  copy->listener = g_strdup (job->listener);
  copy->idempotency_key = g_strdup (job->idempotency_key);
  copy->raw = job->raw != NULL ? json_object_ref (job->raw) : NULL;
  return copy;
}

void
hw_hub_job_free (HwHubJob *job)
{
  if (job == NULL)
    return;
  g_free (job->id);
  g_free (job->kind);
  g_free (job->state);
  g_free (job->requested_by);
  g_free (job->listener);
  g_free (job->idempotency_key);
  g_clear_pointer (&job->raw, json_object_unref);
  g_free (job);
}

void
hw_hub_submit_result_free (HwHubSubmitResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->job, hw_hub_job_free);
  g_clear_pointer (&result->raw, json_object_unref);
  g_free (result);
}

void
hw_hub_series_free (HwHubSeries *series)
{
  if (series == NULL)
    return;
  g_free (series->name);
  g_clear_pointer (&series->labels, json_object_unref);
  g_free (series->label);
  g_clear_pointer (&series->points, g_array_unref);
  g_free (series);
}

void
hw_hub_system_event_free (HwHubSystemEvent *event)
{
  if (event == NULL)
    return;
  g_free (event->id);
  g_free (event->kind);
  g_free (event->service);
  g_free (event->title);
  g_clear_pointer (&event->raw, json_object_unref);
  g_free (event);
}

void
hw_hub_system_event_page_free (HwHubSystemEventPage *page)
{
  if (page == NULL)
    return;
  g_clear_pointer (&page->events, g_ptr_array_unref);
  g_free (page);
}

/* ---- parsers -------------------------------------------------------- */

HwHubJob *
hw_hub_job_from_json (JsonObject  *object,
                      GError     **error)
{
  HwHubJob *job;
  const char *id = hw_json_get_string (object, "id");

  if (id == NULL || *id == '\0')
    {
      g_set_error (error, HW_ERROR, HW_ERROR_PROTOCOL, "A job in the hub's answer has no \"id\"");
      return NULL;
    }

  job = g_new0 (HwHubJob, 1);
  job->id = g_strdup (id);
  job->kind = dup_string (object, "kind");
  job->state = dup_string (object, "state");
  job->total = hw_json_get_int (object, "total");
  job->sent = hw_json_get_int (object, "sent");
  job->acked = hw_json_get_int (object, "acked");
  job->failed = hw_json_get_int (object, "failed");
  job->requested_by = dup_string (object, "requested_by");
  job->created_at_ms = hw_json_get_time_ms (object, "created_at");
  job->updated_at_ms = hw_json_get_time_ms (object, "updated_at");
  job->listener = dup_string (object, "listener");
  job->idempotency_key = dup_string (object, "idempotency_key");
  job->raw = json_object_ref (object);
  return job;
}

HwHubListener *
hw_hub_listener_from_json (JsonObject  *object,
                           GError     **error)
{
  HwHubListener *listener;
  const char *name = hw_json_get_string (object, "name");

  if (name == NULL || *name == '\0')
    {
      g_set_error (error, HW_ERROR, HW_ERROR_PROTOCOL, "A listener in the hub's answer has no \"name\"");
      return NULL;
    }

  listener = g_new0 (HwHubListener, 1);
  listener->name = g_strdup (name);
  listener->url = dup_string (object, "url");
  listener->iterator_age_ms = hw_json_get_int (object, "iterator_age_ms");
  listener->pending = hw_json_get_int (object, "pending");
  listener->errors = hw_json_get_int (object, "errors");
  listener->last_error = dup_string (object, "last_error");
  listener->raw = json_object_ref (object);
  return listener;
}

static const char *
or_empty (JsonObject *object,
          const char *member)
{
  const char *value = hw_json_get_string (object, member);

  return value != NULL ? value : "";
}

static char *
system_event_title (JsonObject *object,
                    const char *kind)
{
  if (g_str_equal (kind, "deployment"))
    return g_strdup_printf ("Deployed %s %s%s", or_empty (object, "service"), or_empty (object, "version"),
                            g_strcmp0 (hw_json_get_string (object, "result"), "failure") == 0
                            ? " (failed)" : "");
  if (g_str_equal (kind, "incident"))
    {
      const char *severity = hw_json_get_string (object, "severity");
      const char *title = hw_json_get_string (object, "title");

      return g_strdup_printf ("Incident %s%s%s%s", title != NULL ? title : or_empty (object, "id"),
                              severity != NULL ? " (" : "", severity != NULL ? severity : "",
                              severity != NULL ? ")" : "");
    }
  if (g_str_equal (kind, "alert"))
    return g_strdup_printf ("Alert %s %s", or_empty (object, "rule"), or_empty (object, "state"));
  if (g_str_equal (kind, "audit"))
    return g_strdup_printf ("%s by %s", or_empty (object, "action"), or_empty (object, "actor"));
  return g_strdup (kind);
}

HwHubSystemEvent *
hw_hub_system_event_from_json (JsonObject  *object,
                               GError     **error)
{
  static const char * const time_members[] = {
    "ts", "time", "timestamp", "deploy_time", "opened_at", "created_at", NULL
  };
  HwHubSystemEvent *event;
  const char *id = hw_json_get_string (object, "id");
  const char *kind = hw_json_get_string (object, "kind");

  if (id == NULL || kind == NULL)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_PROTOCOL,
                   "A system event in the hub's answer lacks \"%s\"", id == NULL ? "id" : "kind");
      return NULL;
    }

  event = g_new0 (HwHubSystemEvent, 1);
  event->id = g_strdup (id);
  event->kind = g_strdup (kind);
  event->ts_ms = time_of_any (object, time_members);
  event->service = dup_string (object, "service");
  event->title = system_event_title (object, kind);
  g_strstrip (event->title);
  event->raw = json_object_ref (object);
  return event;
}
