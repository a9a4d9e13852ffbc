/* hw-importer.h: imports lake objects into an event store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "hw-event-store.h"
#include "hw-event.h"
#include "hw-lake-reader.h"

G_BEGIN_DECLS

#define HW_IMPORT_DEFAULT_BATCH_SIZE 2000
#define HW_IMPORT_DEFAULT_MAX_ERRORS 20

typedef struct
{
  guint64    imported;     /* events new to the store */
  guint64    duplicates;   /* events whose id the store already had (or saw earlier in this run) */
  guint64    rejected;     /* bad lines, plus sources that could not be read */
  GPtrArray *errors;       /* char*: the first max_errors, "file:line: field: reason" */
} HwImportReport;

HwImportReport *hw_import_report_new      (void);
void            hw_import_report_free     (HwImportReport       *report);
/* {"imported":N,"duplicates":N,"rejected":N,"errors":[...]}, compact. */
char           *hw_import_report_to_json  (const HwImportReport *report);

typedef struct
{
  HwParseLimits limits;
  gsize         max_line_bytes;   /* 0: limits.max_event_bytes */
  guint         batch_size;       /* events per transaction; 0: default */
  guint         max_errors;       /* error lines kept in the report; 0: default */
} HwImportOptions;

void            hw_import_options_init    (HwImportOptions      *options);

/* Called after each committed batch, from the importing thread. */
typedef void (*HwImportProgressFunc) (const HwImportReport *report,
                                      gpointer              user_data);

/* Imports files, directory trees (the Firehose layout
 * <region>/YYYY/MM/DD/HH/<object>, or any tree) and "-" for stdin, in order,
 * adding to @report. Bad lines are counted, the first few reported, and
 * skipped; everything else is kept. Idempotent: events are keyed by id.
 *
 * Returns FALSE with @error only for what stops the whole import: a path
 * that does not exist (checked before anything is read), a store failure
 * or cancellation. Batches committed before that stay committed. */
gboolean        hw_importer_import_paths  (HwEventStore          *store,
                                           const char * const    *paths,
                                           const HwImportOptions *options,
                                           HwImportReport        *report,
                                           HwImportProgressFunc   progress,
                                           gpointer               user_data,
                                           GCancellable          *cancellable,
                                           GError               **error);

/* Same, from a reader the caller filled (streams, custom labels). */
gboolean        hw_importer_import_reader (HwEventStore          *store,
                                           HwLakeReader          *reader,
                                           const HwImportOptions *options,
                                           HwImportReport        *report,
                                           HwImportProgressFunc   progress,
                                           gpointer               user_data,
                                           GCancellable          *cancellable,
                                           GError               **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwImportReport, hw_import_report_free)

G_END_DECLS
