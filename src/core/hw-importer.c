/* hw-importer.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-error.h"
#include "hw-event-prepare.h"
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

/* Reading, parsing, masking, extracting the index text and compressing run
 * in a producer thread while the calling thread only writes SQLite: each
 * takes about a core, so overlapping them nearly halves an import. Batches go through a queue in order, which
 * keeps "the first copy of an id is imported, later ones are duplicates"
 * and the order of reported errors exactly as in a sequential import. At
 * most MAX_BATCHES_IN_FLIGHT exist at once, so memory stays bounded. */
#define MAX_BATCHES_IN_FLIGHT 3

typedef struct
{
  GArray    *events;     /* HwPreparedEvent, ready to insert */
  GPtrArray *errors;     /* char*: only while the run keeps errors */
  guint64    rejected;
  gboolean   last;
  GError    *error;      /* why the producer stopped early (cancellation) */
} Batch;

typedef struct
{
  HwLakeReader    *reader;
  HwEventPreparer *preparer;
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
  g_array_unref (batch->events);
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

  batch->events = g_array_sized_new (FALSE, FALSE, sizeof (HwPreparedEvent),
                                     producer->options.batch_size);
  g_array_set_clear_func (batch->events, (GDestroyNotify) hw_prepared_event_clear);
  batch->errors = g_ptr_array_new_with_free_func (g_free);

  while (batch->events->len < producer->options.batch_size)
    {
      g_autoptr(GError) line_error = NULL;
      HwLakeLine line = { 0 };
      HwPreparedEvent prepared;

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

      if (hw_event_preparer_parse (producer->preparer, line.data, line.length,
                                   &producer->options.limits, &prepared, &line_error))
        g_array_append_val (batch->events, prepared);
      else if (g_error_matches (line_error, HW_ERROR, HW_ERROR_FAILED))
        {
          /* Not the line's fault (compressing failed): stop the import. */
          batch->error = g_steal_pointer (&line_error);
          batch->last = TRUE;
          return batch;
        }
      else
        reject (producer, batch, &line, line_error);
    }
  return batch;
}

typedef struct
{
  HwEventPreparer *preparer;
  HwPreparedEvent *events;
  guint            start;
  guint            end;
  GError          *error;
} CompressJob;

static gpointer
compress_range (gpointer data)
{
  CompressJob *job = data;

  for (guint i = job->start; i < job->end && job->error == NULL; i++)
    hw_event_preparer_compress (job->preparer, &job->events[i], &job->error);
  return NULL;
}

/* Compressing bodies costs about as much as everything else the producer
 * does, and about as much as the inserter's SQLite work: a helper takes
 * half of each batch, so that the three keep both cores busy. */
static void
compress_batch (Producer *producer,
                Batch    *batch)
{
  HwPreparedEvent *events = (HwPreparedEvent *) (gpointer) batch->events->data;
  guint n = batch->events->len;
  CompressJob jobs[2] = {
    { producer->preparer, events, 0, n / 2, NULL },
    { NULL, events, n / 2, n, NULL },
  };
  GThread *helper = NULL;

  jobs[1].preparer = hw_event_preparer_new (NULL);
  if (n >= 2)
    helper = g_thread_try_new ("hw-import-zip", compress_range, &jobs[1], NULL);
  compress_range (&jobs[0]);
  if (helper != NULL)
    g_thread_join (helper);
  else
    compress_range (&jobs[1]);
  hw_event_preparer_free (jobs[1].preparer);

  if (jobs[0].error == NULL && jobs[1].error == NULL)
    return;
  if (batch->error == NULL)
    {
      batch->error = jobs[0].error != NULL ? g_steal_pointer (&jobs[0].error)
                                           : g_steal_pointer (&jobs[1].error);
      /* Nothing of this batch is inserted; the import stops here. */
      g_array_set_size (batch->events, 0);
    }
  g_clear_error (&jobs[0].error);
  g_clear_error (&jobs[1].error);
  batch->last = TRUE;
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
      compress_batch (producer, batch);
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

  if (!hw_event_store_insert_prepared (store, (HwPreparedEvent *) (gpointer) batch->events->data,
                                       batch->events->len, statuses, NULL, error))
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
  g_autoptr(HwMaskRules) rules = NULL;
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
  rules = hw_event_store_dup_mask_rules (store);
  producer.preparer = hw_event_preparer_new (rules);
  hw_event_preparer_set_deferred (producer.preparer, TRUE);
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
  hw_event_preparer_free (producer.preparer);
  g_async_queue_unref (producer.batches);
  g_async_queue_unref (producer.tokens);

  if (!ok)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  /* Imported means searchable: the full-text index is written behind the
   * events. When it cannot be (the index thread has said why), the events
   * are stored all the same and indexed when the store next opens. */
  hw_event_store_wait_indexed (store, cancellable, NULL);
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
