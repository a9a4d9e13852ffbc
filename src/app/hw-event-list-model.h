/* hw-event-list-model.h: a virtual GListModel over search results in the cache or from the hub
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "hw-event-item.h"
#include "hw-event-store.h"

G_BEGIN_DECLS

/* Rows are read this many at a time. */
#define HW_EVENT_LIST_MODEL_PAGE_SIZE 200

#define HW_TYPE_EVENT_LIST_MODEL (hw_event_list_model_get_type ())

G_DECLARE_FINAL_TYPE (HwEventListModel, hw_event_list_model, HW, EVENT_LIST_MODEL, GObject)

/* A GListModel of HwEventItem. For results from the cache it holds only the
 * seqs of the matches (8 bytes each) and reads compact rows a page at a time
 * in a worker thread when a position is first asked for; until then
 * get_item() returns a placeholder item, which the model fills in place
 * (HwEventItem notify::row, no "items-changed") once the page arrives. The
 * items of a page are kept with it. Only a bounded number of
 * pages stay in memory, so a million results cost about 8 MB.
 *
 * New content takes the place of the old in place: the items alive at
 * positions both have are re-pointed (notify::row again) and "replaced" is
 * emitted, so that views keep their row widgets. A change in length is
 * told as "items-changed" a few rows at a time over main-loop turns while
 * it reaches into the first rows, which views keep widgets for; until
 * then g_list_model_get_n_items() lags behind (see
 * hw_event_list_model_is_settled()).
 *
 * Results from the hub are held as rows (with their JSON body) and grow by
 * appending pages as they are fetched. */
HwEventListModel *hw_event_list_model_new               (void);

/* Replaces the content by the cache matches @seqs (a GArray of gint64, a
 * reference is taken). @first_rows (nullable, HwEventRow* for the first
 * seqs in order, as hw_event_store_get_summaries() returns them) saves a
 * round trip for the page shown first. */
void              hw_event_list_model_set_seqs          (HwEventListModel *self,
                                                         HwEventStore     *store,
                                                         GArray           *seqs,
                                                         GPtrArray        *first_rows);
/* As hw_event_list_model_set_seqs() for the first of more matches, which
 * hw_event_list_model_extend_seqs() gives later: until then the length told
 * does not shrink to the prefix (rows past it show blank), so row widgets
 * past it are not destroyed only to be made again. */
void              hw_event_list_model_set_prefix_seqs   (HwEventListModel *self,
                                                         HwEventStore     *store,
                                                         GArray           *seqs,
                                                         GPtrArray        *first_rows);
/* Grows cache content set by hw_event_list_model_set_seqs() to all of
 * @seqs (a reference is taken) when the current seqs are its prefix, which
 * keeps the rows already shown; otherwise replaces the content. */
void              hw_event_list_model_extend_seqs       (HwEventListModel *self,
                                                         GArray           *seqs);
/* Replaces the content by rows from the hub (HwEventRow* with json); the
 * rows are copied. */
void              hw_event_list_model_set_rows          (HwEventListModel *self,
                                                         GPtrArray        *rows);
void              hw_event_list_model_append_rows       (HwEventListModel *self,
                                                         GPtrArray        *rows);
void              hw_event_list_model_clear             (HwEventListModel *self);
/* The rows of hub results (a new reference), NULL for cache results. */
GPtrArray        *hw_event_list_model_ref_rows          (HwEventListModel *self);

/* The cache seq at @position (0 for hub rows or out of range). */
gint64            hw_event_list_model_get_seq           (HwEventListModel *self,
                                                         guint             position);
/* Whether the row at @position is in memory (get_item() returns it loaded). */
gboolean          hw_event_list_model_is_loaded         (HwEventListModel *self,
                                                         guint             position);
/* Whether views have been told the content's full length. */
gboolean          hw_event_list_model_is_settled        (HwEventListModel *self);
/* Pages held in memory now, and page reads started so far (tests, benches). */
guint             hw_event_list_model_get_n_pages       (HwEventListModel *self);
guint             hw_event_list_model_get_n_reads       (HwEventListModel *self);
/* Upper bound of pages kept in memory. */
guint             hw_event_list_model_get_max_pages     (HwEventListModel *self);

G_END_DECLS
