/* hw-hub-sync-cache.c: what HwHubSync writes to and reads from the cache (worker threads)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "hw-error.h"
#include "hw-hub-client-private.h"
#include "hw-hub-sync-private.h"
#include "hw-mask.h"

void
hw_hub_sync_saved_free (HwHubSyncSaved *saved)
{
  if (saved == NULL)
    return;
  g_clear_pointer (&saved->info, hw_hub_info_free);
  g_clear_pointer (&saved->listeners, g_ptr_array_unref);
  g_clear_pointer (&saved->jobs, g_ptr_array_unref);
  g_free (saved);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwHubSyncSaved, hw_hub_sync_saved_free)

HwEventStore *
hw_hub_sync_cache_open (const char  *path,
                        GError     **error)
{
  g_autoptr(HwMaskRules) rules = hw_mask_rules_new (HW_MASK_DEFAULT);
  HwEventStore *store;

  /* A cache: a corrupt file is moved aside and rebuilt from the hub. Its
   * readers serve the app's searches, in a process that also draws. */
  store = hw_event_store_open (path, HW_EVENT_STORE_LEAN_READERS, error);
  if (store == NULL)
    return NULL;
  hw_event_store_set_mask_rules (store, rules);
  return store;
}

static gint64
get_int (HwEventStore *store,
         const char   *name)
{
  g_autofree char *value = hw_event_store_get_cursor (store, name, NULL, NULL);

  return value != NULL ? g_ascii_strtoll (value, NULL, 10) : 0;
}

static JsonNode *
get_json (HwEventStore *store,
          const char   *name)
{
  g_autofree char *value = hw_event_store_get_cursor (store, name, NULL, NULL);

  if (value == NULL)
    return NULL;
  return json_from_string (value, NULL);
}

HwHubSyncSaved *
hw_hub_sync_cache_load (HwEventStore  *store,
                        GError       **error)
{
  g_autoptr(HwHubSyncSaved) saved = g_new0 (HwHubSyncSaved, 1);
  g_autofree char *cursor = NULL;
  g_autoptr(JsonNode) info = NULL;
  g_autoptr(JsonNode) listeners = NULL;
  g_autoptr(JsonNode) jobs = NULL;
  GError *local_error = NULL;

  cursor = hw_event_store_get_cursor (store, HW_SYNC_CURSOR_LAKE, NULL, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  saved->cursor = cursor != NULL ? g_ascii_strtoull (cursor, NULL, 10) : 0;
  saved->last_sync_ms = get_int (store, HW_SYNC_CURSOR_LAST_SYNC);
  saved->as_of_ms = get_int (store, HW_SYNC_CURSOR_AS_OF);
  saved->system_events_after = (guint64) MAX (get_int (store, HW_SYNC_CURSOR_SYSTEM_EVENTS), 0);

  /* Snapshots are a convenience: a damaged one is simply forgotten. */
  info = get_json (store, HW_SYNC_SNAPSHOT_INFO);
  if (info != NULL && JSON_NODE_HOLDS_OBJECT (info))
    saved->info = hw_hub_info_from_json (json_node_get_object (info));
  listeners = get_json (store, HW_SYNC_SNAPSHOT_LISTENERS);
  if (listeners != NULL)
    saved->listeners = hw_hub_listeners_from_json (listeners, NULL);
  if (saved->listeners == NULL)
    saved->listeners = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_hub_listener_free);
  jobs = get_json (store, HW_SYNC_SNAPSHOT_JOBS);
  if (jobs != NULL)
    saved->jobs = hw_hub_jobs_from_json (jobs, NULL);
  if (saved->jobs == NULL)
    saved->jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_hub_job_free);

  return g_steal_pointer (&saved);
}

gboolean
hw_hub_sync_cache_insert_page (HwEventStore   *store,
                               HwHubSyncPage  *page,
                               guint          *n_new,
                               guint          *n_faults,
                               GError        **error)
{
  g_autofree HwInsertStatus *statuses = NULL;
  g_autofree char *cursor = NULL;
  guint n = page->events->len;

  *n_new = 0;
  *n_faults = 0;
  if (n > 0)
    {
      statuses = g_new0 (HwInsertStatus, n);
      if (!hw_event_store_insert (store, (HwEvent **) page->events->pdata, n, statuses, NULL, error))
        return FALSE;
      for (guint i = 0; i < n; i++)
        if (statuses[i] == HW_INSERT_ACCEPTED)
          {
            HwEvent *event = g_ptr_array_index (page->events, i);

            (*n_new)++;
            if (g_str_equal (event->type, "fault"))
              (*n_faults)++;
          }
    }

  cursor = g_strdup_printf ("%" G_GUINT64_FORMAT, page->last_seq);
  return hw_event_store_set_cursor (store, HW_SYNC_CURSOR_LAKE, cursor, error);
}

gboolean
hw_hub_sync_cache_insert_system_events (HwEventStore  *store,
                                        GPtrArray     *events,
                                        guint         *n_new,
                                        GError       **error)
{
  *n_new = 0;
  for (guint i = 0; i < events->len; i++)
    {
      HwHubSystemEvent *event = g_ptr_array_index (events, i);
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), event->raw);
      g_autofree char *json = json_to_string (node, FALSE);
      HwInsertStatus status;

      if (!hw_event_store_upsert_system_event (store, event->id, event->kind, event->ts_ms,
                                               event->service, json, &status, error))
        return FALSE;
      if (status == HW_INSERT_ACCEPTED)
        (*n_new)++;
    }
  return TRUE;
}

static char *
canonical_labels (JsonObject *labels)
{
  g_autoptr(GList) names = g_list_sort (json_object_get_members (labels), (GCompareFunc) strcmp);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  for (GList *l = names; l != NULL; l = l->next)
    {
      json_builder_set_member_name (builder, l->data);
      json_builder_add_value (builder, json_node_copy (json_object_get_member (labels, l->data)));
    }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

static guint
series_resolution (HwHubSeries *series,
                   guint        step_s)
{
  HwHubPoint *points = (HwHubPoint *) (void *) series->points->data;
  gint64 spacing;

  if (step_s > 0)
    return step_s;
  if (series->points->len < 2)
    return 1;
  spacing = points[1].ts_ms - points[0].ts_ms;
  return spacing >= 1000 ? (guint) MIN (spacing / 1000, G_MAXUINT) : 1;
}

gboolean
hw_hub_sync_cache_insert_series (HwEventStore  *store,
                                 GPtrArray     *series_list,
                                 const char    *stat,
                                 const char    *by,
                                 guint          step_s,
                                 GError       **error)
{
  g_autoptr(GArray) points = g_array_new (FALSE, TRUE, sizeof (HwMetricPoint));
  g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < series_list->len; i++)
    {
      HwHubSeries *series = g_ptr_array_index (series_list, i);
      char *name = hw_hub_sync_metric_cache_key (series->name, stat, by);
      char *labels = canonical_labels (series->labels);
      guint resolution = series_resolution (series, step_s);

      g_ptr_array_add (strings, name);
      g_ptr_array_add (strings, labels);
      for (guint j = 0; j < series->points->len; j++)
        {
          HwHubPoint *p = &g_array_index (series->points, HwHubPoint, j);
          HwMetricPoint point = {
            .name = name, .labels = labels, .ts_ms = p->ts_ms, .resolution_s = resolution,
            .sum = p->value, .min = p->value, .max = p->value, .count = 1,
          };

          /* A gap stays a gap: nothing is stored, nothing is drawn. */
          if (isfinite (p->value))
            g_array_append_val (points, point);
        }
    }
  if (points->len == 0)
    return TRUE;
  return hw_event_store_insert_metric_points (store, (HwMetricPoint *) (void *) points->data,
                                              points->len, error);
}

gboolean
hw_hub_sync_cache_put (HwEventStore  *store,
                       const char    *name,
                       const char    *value,
                       GError       **error)
{
  return hw_event_store_set_cursor (store, name, value, error);
}

gboolean
hw_hub_sync_cache_put_int (HwEventStore  *store,
                           const char    *name,
                           gint64         value,
                           GError       **error)
{
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, value);

  return hw_event_store_set_cursor (store, name, text, error);
}

static char *
raw_list_to_json (const char *member,
                  GPtrArray  *items,
                  gsize       raw_offset)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, member);
  json_builder_begin_array (builder);
  for (guint i = 0; i < items->len; i++)
    {
      JsonObject *raw = G_STRUCT_MEMBER (JsonObject *, g_ptr_array_index (items, i), raw_offset);
      JsonNode *node = json_node_init_object (json_node_alloc (), raw);

      json_builder_add_value (builder, node);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

char *
hw_hub_sync_listeners_to_json (GPtrArray *listeners)
{
  return raw_list_to_json ("listeners", listeners, G_STRUCT_OFFSET (HwHubListener, raw));
}

char *
hw_hub_sync_jobs_to_json (GPtrArray *jobs)
{
  return raw_list_to_json ("jobs", jobs, G_STRUCT_OFFSET (HwHubJob, raw));
}

char *
hw_hub_sync_metric_cache_name (const char *name,
                               const char *stat)
{
  return hw_hub_sync_metric_cache_key (name, stat, NULL);
}

/* The same metric grouped by another label is another set of series: the
 * loader would mix "by type" and "by service" under one name. */
char *
hw_hub_sync_metric_cache_key (const char *name,
                              const char *stat,
                              const char *by)
{
  GString *key;

  g_return_val_if_fail (name != NULL, NULL);

  key = g_string_new (name);
  if (stat != NULL && *stat != '\0')
    g_string_append_printf (key, ":%s", stat);
  if (by != NULL && *by != '\0')
    g_string_append_printf (key, "/by=%s", by);
  return g_string_free (key, FALSE);
}
