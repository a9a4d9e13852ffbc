/* hw-export.h: streams search results to an NDJSON or CSV file in a worker thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "hw-event-store.h"
#include "hw-query.h"

G_BEGIN_DECLS

typedef enum
{
  HW_EXPORT_NDJSON,   /* one event body per line, as cached (masked) */
  HW_EXPORT_CSV,      /* the result columns, RFC 4180 quoting */
} HwExportFormat;

/* Called on the thread-default main context of the caller of
 * hw_export_async(), at most a few times per second and once at the end. */
typedef void (*HwExportProgressFunc) (gint64   written,
                                      gint64   total,
                                      gpointer user_data);

/* CSV if @basename ends in ".csv" (any case), NDJSON otherwise. */
HwExportFormat hw_export_format_for_name (const char          *basename);
/* The CSV header line and one row, each ending in "\r\n". */
const char    *hw_export_csv_header      (void);
char          *hw_export_csv_row         (const HwEventRow    *row);

/* Writes every match of @query in [@from_ms, @to_ms) in @order to @file,
 * without a row cap, reading the store a page at a time so memory stays
 * flat. The file is replaced atomically: on an error or cancellation the
 * previous content (or absence) of @file is kept. @query may be NULL. */
void           hw_export_async           (HwEventStore        *store,
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
                                          gpointer             user_data);
/* Rows already in memory (results from the hub); they must carry json for
 * NDJSON. @rows is referenced. */
void           hw_export_rows_async      (GPtrArray           *rows,
                                          HwExportFormat       format,
                                          GFile               *file,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
/* The number of rows written, or -1 with @error set. */
gint64         hw_export_finish          (GAsyncResult        *result,
                                          GError             **error);

G_END_DECLS
