/* hw-team-input.c: deployments and incidents read from system events
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "hw-error.h"
#include "hw-event.h"
#include "hw-json-guard.h"
#include "hw-team-metrics.h"
#include "hw-time.h"

struct _HwTeamInput
{
  GArray       *deployments;  /* HwDeployment */
  GArray       *incidents;    /* HwIncident */
  GStringChunk *strings;      /* owns every string the two arrays point to */
};

HwTeamInput *
hw_team_input_new (void)
{
  HwTeamInput *self = g_new0 (HwTeamInput, 1);

  self->deployments = g_array_new (FALSE, TRUE, sizeof (HwDeployment));
  self->incidents = g_array_new (FALSE, TRUE, sizeof (HwIncident));
  self->strings = g_string_chunk_new (4096);
  return self;
}

void
hw_team_input_free (HwTeamInput *self)
{
  if (self == NULL)
    return;
  g_array_unref (self->deployments);
  g_array_unref (self->incidents);
  g_string_chunk_free (self->strings);
  g_free (self);
}

const HwDeployment *
hw_team_input_get_deployments (HwTeamInput *self,
                               gsize       *n)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (n != NULL, NULL);

  *n = self->deployments->len;
  return (const HwDeployment *) (gpointer) self->deployments->data;
}

const HwIncident *
hw_team_input_get_incidents (HwTeamInput *self,
                             gsize       *n)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (n != NULL, NULL);

  *n = self->incidents->len;
  return (const HwIncident *) (gpointer) self->incidents->data;
}

/* Field readers. Each sets HW_ERROR_INVALID_EVENT naming the kind and the
 * field, so a bad line in a file of thousands can be found and fixed. */

static gboolean
read_string (JsonObject   *object,
             const char   *kind,
             const char   *field,
             gboolean      required,
             const char  **out,
             GError      **error)
{
  JsonNode *node = json_object_get_member (object, field);

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (!required)
        return TRUE;
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_EVENT, "%s: %s is missing", kind, field);
      return FALSE;
    }
  if (json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_EVENT, "%s: %s must be a string", kind, field);
      return FALSE;
    }
  *out = json_node_get_string (node);
  if (required && **out == '\0')
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_EVENT, "%s: %s is empty", kind, field);
      return FALSE;
    }
  return TRUE;
}

/* ISO-8601 string or epoch milliseconds (a JSON number, or a string of
 * digits). Relative expressions such as "now-1h" mean nothing in stored
 * data and are refused. @out is left at 0 for an optional, absent time. */
static gboolean
read_time (JsonObject  *object,
           const char  *kind,
           const char  *field,
           gboolean     required,
           gint64      *out,
           GError     **error)
{
  JsonNode *node = json_object_get_member (object, field);
  g_autoptr(GError) time_error = NULL;
  const char *text;

  *out = 0;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (!required)
        return TRUE;
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_EVENT, "%s: %s is missing", kind, field);
      return FALSE;
    }

  if (json_node_get_value_type (node) == G_TYPE_INT64)
    {
      *out = json_node_get_int (node);
      return TRUE;
    }
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    {
      double value = json_node_get_double (node);

      if (!isfinite (value) || value != floor (value) || fabs (value) > 9.0e15)
        {
          g_set_error (error, HW_ERROR, HW_ERROR_INVALID_EVENT,
                       "%s: %s must be whole epoch milliseconds", kind, field);
          return FALSE;
        }
      *out = (gint64) value;
      return TRUE;
    }
  if (json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_EVENT,
                   "%s: %s must be an ISO-8601 string or epoch milliseconds", kind, field);
      return FALSE;
    }

  text = json_node_get_string (node);
  while (g_ascii_isspace (*text))
    text++;
  if (g_str_has_prefix (text, "now")
      || !hw_time_parse (text, 0, HW_TIME_ROUND_DOWN, out, &time_error))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_EVENT, "%s: %s: %s", kind, field,
                   time_error != NULL ? time_error->message : "a relative time is not a timestamp");
      return FALSE;
    }
  return TRUE;
}

static const char *
keep (HwTeamInput *self,
      const char  *text)
{
  return text != NULL ? g_string_chunk_insert_const (self->strings, text) : NULL;
}

static gboolean
add_deployment (HwTeamInput  *self,
                JsonObject   *object,
                GError      **error)
{
  HwDeployment d = { 0 };
  const char *id, *service, *version, *sha, *result;
  g_autofree char *what = NULL;

  if (!read_string (object, "deployment", "id", TRUE, &id, error))
    return FALSE;
  what = g_strdup_printf ("deployment %s", id);
  if (!read_string (object, what, "service", TRUE, &service, error)
      || !read_string (object, what, "version", FALSE, &version, error)
      || !read_string (object, what, "commit_sha", FALSE, &sha, error)
      || !read_string (object, what, "result", FALSE, &result, error)
      || !read_time (object, what, "commit_time", TRUE, &d.commit_time_ms, error)
      || !read_time (object, what, "deploy_time", TRUE, &d.deploy_time_ms, error))
    return FALSE;

  if (result == NULL || g_str_equal (result, "success"))
    d.result = HW_DEPLOYMENT_SUCCESS;
  else if (g_str_equal (result, "failure"))
    d.result = HW_DEPLOYMENT_FAILURE;
  else
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_EVENT,
                   "deployment %s: result must be \"success\" or \"failure\", not \"%s\"", id, result);
      return FALSE;
    }
  if (d.commit_time_ms > d.deploy_time_ms)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_EVENT,
                   "deployment %s: commit_time is after deploy_time", id);
      return FALSE;
    }

  d.id = keep (self, id);
  d.service = keep (self, service);
  d.version = keep (self, version);
  d.commit_sha = keep (self, sha);
  g_array_append_val (self->deployments, d);
  return TRUE;
}

static gboolean
add_incident (HwTeamInput  *self,
              JsonObject   *object,
              GError      **error)
{
  HwIncident incident = { 0 };
  const char *id, *service, *severity, *cause;
  g_autofree char *what = NULL;

  if (!read_string (object, "incident", "id", TRUE, &id, error))
    return FALSE;
  what = g_strdup_printf ("incident %s", id);
  if (!read_string (object, what, "service", TRUE, &service, error)
      || !read_string (object, what, "severity", FALSE, &severity, error)
      || !read_string (object, what, "cause_deployment", FALSE, &cause, error)
      || !read_time (object, what, "opened_at", TRUE, &incident.opened_at_ms, error)
      || !read_time (object, what, "resolved_at", FALSE, &incident.resolved_at_ms, error))
    return FALSE;

  if (incident.resolved_at_ms != 0 && incident.resolved_at_ms < incident.opened_at_ms)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_EVENT,
                   "incident %s: resolved_at is before opened_at", id);
      return FALSE;
    }

  incident.id = keep (self, id);
  incident.service = keep (self, service);
  incident.severity = keep (self, severity);
  /* An empty cause is how some incident tools say "none". */
  incident.cause_deployment = cause != NULL && *cause != '\0' ? keep (self, cause) : NULL;
  g_array_append_val (self->incidents, incident);
  return TRUE;
}

gboolean
hw_team_input_add_json (HwTeamInput  *self,
                        JsonNode     *node,
                        GError      **error)
{
  JsonObject *object;
  const char *kind;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (node != NULL, FALSE);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_EVENT, "A system event must be a JSON object");
      return FALSE;
    }
  object = json_node_get_object (node);
  if (!read_string (object, "system event", "kind", TRUE, &kind, error))
    return FALSE;

  if (g_str_equal (kind, "deployment"))
    return add_deployment (self, object, error);
  if (g_str_equal (kind, "incident"))
    return add_incident (self, object, error);
  return TRUE;
}

/* Lines come from files a user gives and from hubs, so they pass the
 * event parser's guard and limits: a "\255" json-glib would decode into
 * invalid UTF-8, or a line of 100 000 '[' it would recurse into, is refused
 * with its byte offset. The guard sees @length bytes, so a NUL inside the
 * line is refused rather than cutting it short. */
gboolean
hw_team_input_add_line (HwTeamInput  *self,
                        const char   *line,
                        gssize        length,
                        GError      **error)
{
  HwParseLimits limits = hw_parse_limits_default ();
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (line != NULL, FALSE);

  if (length < 0)
    length = (gssize) strlen (line);
  if (hw_json_guard_is_blank (line, length))
    return TRUE;

  root = hw_json_guard_parse (line, length, limits.max_event_bytes, limits.max_depth,
                              "system event", error);
  return root != NULL && hw_team_input_add_json (self, root, error);
}
