/* hw-importer.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-error.h"
#include "hw-importer.h"

HwImportReport *
hw_import_report_new (void)
{
  HwImportReport *report = g_new0 (HwImportReport, 1);

  report->errors = g_ptr_array_new_with_free_func (g_free);
  return report;
}

void
hw_import_report_free (HwImportReport *report)
{
  if (report == NULL)
    return;

  g_ptr_array_unref (report->errors);
  g_free (report);
}

char *
hw_import_report_to_json (const HwImportReport *report)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (report != NULL, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "imported");
  json_builder_add_int_value (builder, report->imported);
  json_builder_set_member_name (builder, "duplicates");
  json_builder_add_int_value (builder, report->duplicates);
  json_builder_set_member_name (builder, "rejected");
  json_builder_add_int_value (builder, report->rejected);
  json_builder_set_member_name (builder, "errors");
  json_builder_begin_array (builder);
  for (guint i = 0; i < report->errors->len; i++)
    json_builder_add_string_value (builder, g_ptr_array_index (report->errors, i));
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

void
hw_import_options_init (HwImportOptions *options)
{
  g_return_if_fail (options != NULL);

  options->limits = hw_parse_limits_default ();
  options->max_line_bytes = 0;
  options->batch_size = HW_IMPORT_DEFAULT_BATCH_SIZE;
  options->max_errors = HW_IMPORT_DEFAULT_MAX_ERRORS;
}

/* Reading and parsing run in a producer thread while the calling thread
 * inserts: parsing JSON and writing SQLite each take a core, so overlapping
 * them nearly halves an import. Batches go through a queue in order, which
 * keeps "the first copy of an id is imported, later ones are duplicates"
 * and the order of reported errors exactly as in a sequential import. At
 * most MAX_BATCHES_IN_FLIGHT exist at once, so memory stays bounded. */
#define MAX_BATCHES_IN_FLIGHT 3

typedef struct
{
  GPtrArray *events;     /* HwEvent* */
  GPtrArray *errors;     /* char*: only while the run keeps errors */
  guint64    rejected;
  gboolean   last;
  GError    *error;      /* why the producer stopped early (cancellation) */
} Batch;

typedef struct
{
  HwLakeReader    *reader;
  HwImportOptions  options;
  GCancellable    *cancellable;
  GAsyncQueue     *batches;   /* Batch*, producer → inserter */
  GAsyncQueue     *tokens;    /* one per batch that may be produced */
  gint             stop;      /* atomic: the inserter gave up */
  guint            n_errors;  /* errors kept so far (producer only) */
} Producer;

static void
batch_free (Batch *batch)
{
  g_ptr_array_unref (batch->events);
  g_ptr_array_unref (batch->errors);
  g_clear_error (&batch->error);
  g_free (batch);
}

static void
reject (Producer         *producer,
        Batch            *batch,
        const HwLakeLine *line,
        const GError     *error)
{
  batch->rejected++;
  if (producer->n_errors >= producer->options.max_errors)
    return;
  producer->n_errors++;

  if (line->number > 0)
    g_ptr_array_add (batch->errors,
                     g_strdup_printf ("%s:%" G_GUINT64_FORMAT ": %s",
                                      line->path, line->number, error->message));
  else
    g_ptr_array_add (batch->errors, g_strdup_printf ("%s: %s", line->path, error->message));
}

/* Fills one batch: batch_size events, or fewer at the end. */
static Batch *
produce_batch (Producer *producer)
{
  Batch *batch = g_new0 (Batch, 1);

  batch->events = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_event_unref);
  batch->errors = g_ptr_array_new_with_free_func (g_free);

  while (batch->events->len < producer->options.batch_size)
    {
      g_autoptr(GError) line_error = NULL;
      HwLakeLine line = { 0 };
      HwEvent *event;

      if (g_atomic_int_get (&producer->stop))
        {
          batch->last = TRUE;
          break;
        }

      switch (hw_lake_reader_next (producer->reader, &line, producer->cancellable, &line_error))
        {
        case HW_LAKE_READ_END:
          batch->last = TRUE;
          return batch;

        case HW_LAKE_READ_CANCELLED:
          batch->error = g_steal_pointer (&line_error);
          batch->last = TRUE;
          return batch;

        case HW_LAKE_READ_BAD_LINE:
        case HW_LAKE_READ_BAD_SOURCE:
          reject (producer, batch, &line, line_error);
          continue;

        case HW_LAKE_READ_LINE:
        default:
          break;
        }

      event = hw_event_parse (line.data, line.length, &producer->options.limits, &line_error);
      if (event == NULL)
        reject (producer, batch, &line, line_error);
      else
        g_ptr_array_add (batch->events, event);
    }
  return batch;
}

static gpointer
producer_thread (gpointer user_data)
{
  Producer *producer = user_data;

  for (;;)
    {
      Batch *batch;
      gboolean last;

      g_async_queue_pop (producer->tokens);
      batch = produce_batch (producer);
      last = batch->last;
      g_async_queue_push (producer->batches, batch);
      if (last)
        return NULL;
    }
}

static gboolean
insert_batch (HwEventStore   *store,
              Batch          *batch,
              HwInsertStatus *statuses,
              HwImportReport *report,
              GError        **error)
{
  for (guint i = 0; i < batch->errors->len; i++)
    g_ptr_array_add (report->errors, g_strdup (g_ptr_array_index (batch->errors, i)));
  report->rejected += batch->rejected;

  if (batch->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&batch->error));
      return FALSE;
    }
  if (batch->events->len == 0)
    return TRUE;

  if (!hw_event_store_insert (store, (HwEvent **) batch->events->pdata, batch->events->len,
                              statuses, NULL, error))
    return FALSE;

  for (guint i = 0; i < batch->events->len; i++)
    {
      if (statuses[i] == HW_INSERT_ACCEPTED)
        report->imported++;
      else
        report->duplicates++;
    }
  return TRUE;
}

gboolean
hw_importer_import_reader (HwEventStore          *store,
                           HwLakeReader          *reader,
                           const HwImportOptions *options,
                           HwImportReport        *report,
                           HwImportProgressFunc   progress,
                           gpointer               user_data,
                           GCancellable          *cancellable,
                           GError               **error)
{
  g_autofree HwInsertStatus *statuses = NULL;
  g_autoptr(GThread) thread = NULL;
  g_autoptr(GError) local_error = NULL;
  Producer producer = { 0 };
  gboolean ok = TRUE;

  g_return_val_if_fail (HW_IS_EVENT_STORE (store), FALSE);
  g_return_val_if_fail (reader != NULL, FALSE);
  g_return_val_if_fail (report != NULL, FALSE);

  if (options != NULL)
    producer.options = *options;
  else
    hw_import_options_init (&producer.options);
  if (producer.options.batch_size == 0)
    producer.options.batch_size = HW_IMPORT_DEFAULT_BATCH_SIZE;
  if (producer.options.max_errors == 0)
    producer.options.max_errors = HW_IMPORT_DEFAULT_MAX_ERRORS;
  /* Errors already in the report count towards the limit. */
  producer.n_errors = MIN (report->errors->len, producer.options.max_errors);

  producer.reader = reader;
  producer.cancellable = cancellable;
  producer.batches = g_async_queue_new_full ((GDestroyNotify) batch_free);
  producer.tokens = g_async_queue_new ();
  for (guint i = 0; i < MAX_BATCHES_IN_FLIGHT; i++)
    g_async_queue_push (producer.tokens, GUINT_TO_POINTER (1));

  statuses = g_new0 (HwInsertStatus, producer.options.batch_size);
  thread = g_thread_new ("hw-import-parse", producer_thread, &producer);

  for (;;)
    {
      Batch *batch = g_async_queue_pop (producer.batches);
      gboolean last = batch->last;
      gboolean inserted = batch->events->len > 0;

      if (ok)
        {
          ok = insert_batch (store, batch, statuses, report, &local_error);
          if (ok && inserted && progress != NULL)
            progress (report, user_data);
          if (!ok)
            {
              /* Let the producer run to its last batch without blocking. */
              g_atomic_int_set (&producer.stop, TRUE);
              for (guint i = 0; i < MAX_BATCHES_IN_FLIGHT; i++)
                g_async_queue_push (producer.tokens, GUINT_TO_POINTER (1));
            }
        }
      batch_free (batch);
      if (last)
        break;
      g_async_queue_push (producer.tokens, GUINT_TO_POINTER (1));
    }

  g_thread_join (g_steal_pointer (&thread));
  g_async_queue_unref (producer.batches);
  g_async_queue_unref (producer.tokens);

  if (!ok)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

gboolean
hw_importer_import_paths (HwEventStore          *store,
                          const char * const    *paths,
                          const HwImportOptions *options,
                          HwImportReport        *report,
                          HwImportProgressFunc   progress,
                          gpointer               user_data,
                          GCancellable          *cancellable,
                          GError               **error)
{
  g_autoptr(HwLakeReader) reader = NULL;
  HwImportOptions defaults;

  g_return_val_if_fail (HW_IS_EVENT_STORE (store), FALSE);
  g_return_val_if_fail (paths != NULL, FALSE);
  g_return_val_if_fail (report != NULL, FALSE);

  if (options == NULL)
    {
      hw_import_options_init (&defaults);
      options = &defaults;
    }

  /* A mistyped path is a usage error, not a bad line among good ones. */
  for (guint i = 0; paths[i] != NULL; i++)
    if (!g_str_equal (paths[i], "-") && !g_file_test (paths[i], G_FILE_TEST_EXISTS))
      {
        g_set_error (error, HW_ERROR, HW_ERROR_NOT_FOUND, "%s: no such file or directory", paths[i]);
        return FALSE;
      }

  reader = hw_lake_reader_new (options->max_line_bytes > 0
                               ? options->max_line_bytes
                               : options->limits.max_event_bytes);
  for (guint i = 0; paths[i] != NULL; i++)
    hw_lake_reader_add_path (reader, paths[i]);

  return hw_importer_import_reader (store, reader, options, report, progress, user_data,
                                    cancellable, error);
}
