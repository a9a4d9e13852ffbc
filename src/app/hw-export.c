/* hw-export.c: streams search results to an NDJSON or CSV file in a worker thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-background.h"
#include "hw-error.h"
#include "hw-export.h"
#include "hw-time.h"

#define EXPORT_PAGE        1000
#define PROGRESS_PERIOD_US (G_USEC_PER_SEC / 8)

typedef struct
{
  HwEventStore        *store;
  HwQuery             *query;
  GPtrArray           *rows;      /* instead of store + query */
  gint64               from_ms;
  gint64               to_ms;
  HwEventOrder         order;
  HwExportFormat       format;
  GFile               *file;
  GMainContext        *context;
  HwExportProgressFunc progress;
  gpointer             progress_data;
  GDestroyNotify       progress_data_free;
  gint64               last_report_us;
} ExportJob;

static void
export_job_free (ExportJob *job)
{
  g_clear_object (&job->store);
  g_clear_pointer (&job->query, hw_query_unref);
  g_clear_pointer (&job->rows, g_ptr_array_unref);
  g_clear_object (&job->file);
  g_clear_pointer (&job->context, g_main_context_unref);
  if (job->progress_data_free != NULL)
    job->progress_data_free (job->progress_data);
  g_free (job);
}

HwExportFormat
hw_export_format_for_name (const char *basename)
{
  g_autofree char *lower = NULL;

  if (basename == NULL)
    return HW_EXPORT_NDJSON;
  lower = g_ascii_strdown (basename, -1);
  return g_str_has_suffix (lower, ".csv") ? HW_EXPORT_CSV : HW_EXPORT_NDJSON;
}

const char *
hw_export_csv_header (void)
{
  return "time,id,type,partitionKey,source,functionname,pipeline\r\n";
}

static void
append_csv_field (GString    *line,
                  const char *value)
{
  if (value == NULL)
    return;
  if (strpbrk (value, ",\"\r\n") == NULL)
    {
      g_string_append (line, value);
      return;
    }
  g_string_append_c (line, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (line, '"');
      g_string_append_c (line, *p);
    }
  g_string_append_c (line, '"');
}

char *
hw_export_csv_row (const HwEventRow *row)
{
  g_autofree char *time = NULL;
  const char *fields[6];
  GString *line;

  g_return_val_if_fail (row != NULL, NULL);

  time = hw_time_format_iso8601 (row->ts_ms);
  fields[0] = row->id;
  fields[1] = row->type;
  fields[2] = row->partition_key;
  fields[3] = row->source;
  fields[4] = row->functionname;
  fields[5] = row->pipeline;
  line = g_string_new (time);
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      g_string_append_c (line, ',');
      append_csv_field (line, fields[i]);
    }
  g_string_append (line, "\r\n");
  return g_string_free (line, FALSE);
}

/* Progress goes back to the caller's context. */

typedef struct
{
  HwExportProgressFunc func;
  gpointer             data;
  gint64               written;
  gint64               total;
} ProgressCall;

static gboolean
call_progress (gpointer user_data)
{
  ProgressCall *call = user_data;

  call->func (call->written, call->total, call->data);
  return G_SOURCE_REMOVE;
}

static void
report_progress (ExportJob *job,
                 gint64     written,
                 gint64     total,
                 gboolean   force)
{
  gint64 now = g_get_monotonic_time ();
  ProgressCall *call;

  if (job->progress == NULL || (!force && now - job->last_report_us < PROGRESS_PERIOD_US))
    return;
  job->last_report_us = now;
  call = g_new0 (ProgressCall, 1);
  call->func = job->progress;
  call->data = job->progress_data;
  call->written = written;
  call->total = total;
  /* The job (and with it the progress data) outlives this call: the task's
   * result is delivered on the same context after it. */
  g_main_context_invoke_full (job->context, G_PRIORITY_DEFAULT, call_progress, call, g_free);
}

static gboolean
write_row (GOutputStream    *out,
           HwExportFormat    format,
           const HwEventRow *row,
           GCancellable     *cancellable,
           GError          **error)
{
  g_autofree char *line = NULL;

  if (format == HW_EXPORT_CSV)
    line = hw_export_csv_row (row);
  else if (row->json != NULL)
    line = g_strconcat (row->json, "\n", NULL);
  else
    {
      g_set_error (error, HW_ERROR, HW_ERROR_FAILED,
                   "Event %s has no body to export", row->id != NULL ? row->id : "?");
      return FALSE;
    }
  return g_output_stream_write_all (out, line, strlen (line), NULL, cancellable, error);
}

/* Writes pages of the store until the last one; returns the row count or -1. */
static gint64
write_store_rows (ExportJob     *job,
                  GOutputStream *out,
                  gint64         total,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autofree char *cursor = NULL;
  gint64 written = 0;

  do
    {
      g_autoptr(HwSearchPage) page = NULL;

      page = hw_event_store_search (job->store, job->query, job->from_ms, job->to_ms, job->order,
                                    EXPORT_PAGE, cursor, cancellable, error);
      if (page == NULL)
        return -1;
      for (guint i = 0; i < page->rows->len; i++)
        {
          if (!write_row (out, job->format, g_ptr_array_index (page->rows, i), cancellable, error))
            return -1;
          written++;
        }
      g_free (cursor);
      cursor = g_steal_pointer (&page->next_cursor);
      report_progress (job, written, MAX (total, written), FALSE);
    }
  while (cursor != NULL);
  return written;
}

static gint64
write_memory_rows (ExportJob     *job,
                   GOutputStream *out,
                   GCancellable  *cancellable,
                   GError       **error)
{
  for (guint i = 0; i < job->rows->len; i++)
    if (!write_row (out, job->format, g_ptr_array_index (job->rows, i), cancellable, error))
      return -1;
  return job->rows->len;
}

static void
export_in_thread (GTask        *task,
                  gpointer      source,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  ExportJob *job = task_data;
  g_autoptr(GFileOutputStream) file_out = NULL;
  g_autoptr(GOutputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  gint64 total = 0, written;

  if (job->store != NULL)
    {
      total = hw_event_store_count (job->store, job->query, job->from_ms, job->to_ms, cancellable,
                                    &error);
      if (total < 0)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }
  else
    total = job->rows->len;
  report_progress (job, 0, total, TRUE);

  file_out = g_file_replace (job->file, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                             cancellable, &error);
  if (file_out == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  out = g_buffered_output_stream_new_sized (G_OUTPUT_STREAM (file_out), 256 * 1024);

  if (job->format == HW_EXPORT_CSV
      && !g_output_stream_write_all (out, hw_export_csv_header (), strlen (hw_export_csv_header ()),
                                     NULL, cancellable, &error))
    written = -1;
  else if (job->store != NULL)
    written = write_store_rows (job, out, total, cancellable, &error);
  else
    written = write_memory_rows (job, out, cancellable, &error);

  if (written < 0)
    {
      /* Closing with a cancelled cancellable drops the temporary file and
       * keeps what @file held before. */
      g_autoptr(GCancellable) abort = g_cancellable_new ();

      g_cancellable_cancel (abort);
      g_output_stream_close (out, abort, NULL);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!g_output_stream_close (out, cancellable, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  report_progress (job, written, MAX (total, written), TRUE);
  g_task_return_int (task, written);
}

static void
start (ExportJob           *job,
       GCancellable        *cancellable,
       GAsyncReadyCallback  callback,
       gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  job->context = g_main_context_ref_thread_default ();
  g_task_set_source_tag (task, hw_export_async);
  g_task_set_task_data (task, job, (GDestroyNotify) export_job_free);
  hw_background_run_task (task, export_in_thread);
}

void
hw_export_async (HwEventStore        *store,
                 HwQuery             *query,
                 gint64               from_ms,
                 gint64               to_ms,
                 HwEventOrder         order,
                 HwExportFormat       format,
                 GFile               *file,
                 GCancellable        *cancellable,
                 HwExportProgressFunc progress,
                 gpointer             progress_data,
                 GDestroyNotify       progress_data_free,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  ExportJob *job;

  g_return_if_fail (HW_IS_EVENT_STORE (store));
  g_return_if_fail (G_IS_FILE (file));

  job = g_new0 (ExportJob, 1);
  job->store = g_object_ref (store);
  job->query = query != NULL ? hw_query_ref (query) : NULL;
  job->from_ms = from_ms;
  job->to_ms = to_ms;
  job->order = order;
  job->format = format;
  job->file = g_object_ref (file);
  job->progress = progress;
  job->progress_data = progress_data;
  job->progress_data_free = progress_data_free;
  start (job, cancellable, callback, user_data);
}

void
hw_export_rows_async (GPtrArray           *rows,
                      HwExportFormat       format,
                      GFile               *file,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  ExportJob *job;

  g_return_if_fail (rows != NULL);
  g_return_if_fail (G_IS_FILE (file));

  job = g_new0 (ExportJob, 1);
  job->rows = g_ptr_array_ref (rows);
  job->format = format;
  job->file = g_object_ref (file);
  start (job, cancellable, callback, user_data);
}

gint64
hw_export_finish (GAsyncResult  *result,
                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), -1);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hw_export_async, -1);

  return g_task_propagate_int (G_TASK (result), error);
}
