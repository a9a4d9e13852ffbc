/* hw-event-store.h: the SQLite event store (hub lake index, console cache)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "hw-event.h"

G_BEGIN_DECLS

/* Declared in hw-query.h and hw-mask.h; repeated here so that users of the
 * store need not pull in the query compiler or the masking rules. */
typedef struct _HwQuery HwQuery;
typedef struct _HwMaskRules HwMaskRules;

#define HW_TYPE_EVENT_STORE (hw_event_store_get_type ())

G_DECLARE_FINAL_TYPE (HwEventStore, hw_event_store, HW, EVENT_STORE, GObject)

/* Either time bound of a selection may be unbounded. Lower bounds are
 * inclusive, upper bounds exclusive (as everywhere in Hubwatch). */
#define HW_EVENT_STORE_UNBOUNDED G_MININT64

typedef enum
{
  HW_EVENT_STORE_FLAGS_NONE  = 0,
  /* synchronous=FULL: a committed insert survives power loss (the hub: a
   * 2xx must mean durable). The default, NORMAL, is enough for caches. */
  HW_EVENT_STORE_DURABLE     = 1 << 0,
  /* Fail with HW_ERROR_CORRUPT instead of moving a corrupt file aside and
   * starting afresh: for a record of truth rather than a cache. */
  HW_EVENT_STORE_NO_RECOVER  = 1 << 1,
  /* Readers get a small page cache, no memory map and temp files on disk:
   * for a process that also draws (the app's cache), where a search's few
   * readers with 64 MB maps each made up most of the resident memory. */
  HW_EVENT_STORE_LEAN_READERS = 1 << 2,
  /* Readers map up to 2 GB of the file rather than 64 MB: for the hub,
   * whose listeners and replays read the lake over and over. Beyond the
   * map every page is copied by pread() into a page cache that a scan
   * fills only to evict; in delivery that was a third of the hub's CPU. */
  HW_EVENT_STORE_WIDE_MAP     = 1 << 3,
} HwEventStoreFlags;

typedef enum
{
  HW_INSERT_ACCEPTED,
  HW_INSERT_DUPLICATE,
} HwInsertStatus;

typedef enum
{
  HW_EVENT_ORDER_NEWEST_FIRST,   /* ts DESC, seq DESC */
  HW_EVENT_ORDER_OLDEST_FIRST,   /* ts ASC, seq ASC (replays) */
} HwEventOrder;

/* One stored event. @json is the decompressed body (the event as received,
 * or masked and expanded when the store has mask rules); it is NULL in rows
 * returned by hw_event_store_get_summaries(). */
typedef struct
{
  gint64    seq;
  gint64    ts_ms;
  gint64    received_ms;
  char     *id;
  char     *type;
  char     *partition_key;   /* nullable, and so are the tags below */
  char     *source;
  char     *functionname;
  char     *pipeline;
  gboolean  is_fault;
  gsize     size;
  char     *json;
} HwEventRow;

HwEventRow *hw_event_row_dup  (const HwEventRow *row);
void        hw_event_row_free (HwEventRow       *row);

typedef struct
{
  GPtrArray *rows;          /* HwEventRow*, in the requested order */
  char      *next_cursor;   /* opaque; NULL on the last page */
} HwSearchPage;

void hw_search_page_free (HwSearchPage *page);

typedef struct
{
  gint64 start_ms;
  gint64 count;
} HwHistogramBucket;

typedef struct
{
  gint64  bucket_ms;   /* one of the round sizes, see hw_event_store_pick_bucket_ms() */
  gint64  from_ms;     /* start of the first bucket (aligned to bucket_ms, UTC) */
  gint64  to_ms;       /* end of the last bucket */
  gint64  total;       /* sum of all bucket counts */
  GArray *buckets;     /* HwHistogramBucket, contiguous, zero counts included */
} HwHistogram;

void hw_histogram_free (HwHistogram *histogram);

typedef struct
{
  char   *value;
  gint64  count;
} HwTopValue;

void hw_top_value_free (HwTopValue *value);

/* A node of the year → month → day → hour tree (UTC), keyed like the lake:
 * "2024", "2024/05", "2024/05/03", "2024/05/03/14". */
typedef struct
{
  char   *key;
  gint64  start_ms;
  gint64  end_ms;      /* exclusive */
  gint64  count;
} HwTreeNode;

void hw_tree_node_free (HwTreeNode *node);

typedef enum
{
  HW_FAULT_STATE_ANY,          /* filters only */
  HW_FAULT_STATE_NEW,
  HW_FAULT_STATE_RESUBMITTED,
} HwFaultState;

typedef struct
{
  gint64        seq;
  char         *id;
  gint64        ts_ms;
  char         *functionname;   /* nullable, and so are the err_* fields */
  char         *pipeline;
  char         *err_name;
  char         *err_message;
  char         *err_stack;
  HwFaultState  state;
  gint64        resubmitted_at_ms;   /* 0 when never resubmitted */
} HwFaultRow;

void hw_fault_row_free (HwFaultRow *row);

/* Zero-initialise (`HwFaultFilter f = { 0 };`) for "all faults"; NULL
 * strings and 0 times mean "no constraint". Strings match exactly. */
typedef struct
{
  HwQuery      *query;          /* applies to the fault event itself */
  const char   *functionname;
  const char   *pipeline;
  const char   *err_name;
  const char   *err_message;
  HwFaultState  state;
  gint64        from_ms;        /* inclusive; 0 = unbounded */
  gint64        to_ms;          /* exclusive; 0 = unbounded */
} HwFaultFilter;

typedef enum
{
  HW_FAULT_GROUP_FUNCTIONNAME = 1 << 0,
  HW_FAULT_GROUP_PIPELINE     = 1 << 1,
  HW_FAULT_GROUP_ERR_MESSAGE  = 1 << 2,
} HwFaultGroupBy;

/* Fields not grouped by are NULL. */
typedef struct
{
  char   *functionname;
  char   *pipeline;
  char   *err_message;
  gint64  count;
  gint64  first_seen_ms;
  gint64  last_seen_ms;
  char   *sample_id;       /* the newest fault of the group */
} HwFaultGroup;

void hw_fault_group_free (HwFaultGroup *group);

typedef struct
{
  gint64  seq;       /* arrival order in this store */
  char   *id;
  char   *kind;      /* "deployment", "incident", "alert", "audit", … */
  gint64  ts_ms;
  char   *service;   /* nullable */
  char   *json;      /* the full system event */
} HwSystemEvent;

void hw_system_event_free (HwSystemEvent *event);

/* A CloudWatch-style statistic set for one (name, labels, resolution, ts):
 * Sum, Minimum, Maximum and SampleCount; Average = sum / count. Percentiles
 * are stored as their own metric names (e.g. "listener.duration.p95").
 * @labels is a canonical compact JSON object ("{}" or NULL for none);
 * the caller canonicalises (sorted keys) so equal labels compare equal. */
typedef struct
{
  char    *name;
  char    *labels;
  gint64   ts_ms;          /* start of the interval */
  guint    resolution_s;
  double   sum;
  double   min;
  double   max;
  gint64   count;
} HwMetricPoint;

void hw_metric_point_clear (HwMetricPoint *point);

/* Opening ----------------------------------------------------------------- */

/* Opens (creating it and its parent directory if needed) the store at @path:
 * WAL, busy timeout, integrity check, forward migrations. A corrupt,
 * unreadable or future-schema file is moved aside to PATH.corrupt-<stamp>
 * and replaced by a fresh store unless HW_EVENT_STORE_NO_RECOVER is given,
 * in which case this fails with HW_ERROR_CORRUPT. */
HwEventStore *hw_event_store_open                  (const char         *path,
                                                    HwEventStoreFlags   flags,
                                                    GError            **error);
const char   *hw_event_store_get_path              (HwEventStore       *self);
/* A user-presentable sentence when the file was moved aside on open, NULL
 * otherwise. */
const char   *hw_event_store_get_recovery_message  (HwEventStore       *self);
/* The schema version this build writes. */
guint         hw_event_store_schema_version        (void);
/* The full-text index is written behind the events, on a thread of its
 * own: searches with words wait for it by themselves. This waits until it
 * holds every event stored so far, for an import that reports "done" only
 * when all of it can be found. FALSE when cancelled, or when the index
 * cannot be written (the events are stored all the same; it is built
 * again from them when the store next opens). */
gboolean      hw_event_store_wait_indexed          (HwEventStore       *self,
                                                    GCancellable       *cancellable,
                                                    GError            **error);
/* Whether the full-text index is catching up: being built from the stored
 * bodies rather than written behind each commit, because its file was
 * missing, behind the store (after a crash), not this store's, or dropped
 * by an upgrade, or because writing it failed. Searches with words wait
 * for it meanwhile (about a minute per million events); reads without
 * words do not. Any thread, the UI's too: it reads what the index thread
 * keeps up to date, under a lock never held across disk I/O.
 *
 * @indexed and @total (either may be NULL) are seqs: the newest event the
 * index holds and the newest one stored. A store's seqs count its events
 * from 1 without gaps, so these are numbers of events, except in a store
 * written at given seqs (hw_event_store_insert_prepared_at()), where gaps
 * make them an estimate. Both only grow. Outside a catch-up @indexed may
 * trail @total by the last few commits, written within a transaction or
 * two. */
gboolean      hw_event_store_get_index_progress    (HwEventStore       *self,
                                                    guint64            *indexed,
                                                    guint64            *total);

/* Masking for caches: when set, bodies are stored as the masked, expanded
 * event and the full-text index is built after masking, so masked values
 * are never stored or indexed. The store keeps a reference. NULL unsets. */
void          hw_event_store_set_mask_rules        (HwEventStore       *self,
                                                    HwMaskRules        *rules);

/* Writing events ---------------------------------------------------------- */

/* Every write fails with G_IO_ERROR_NO_SPACE when the disk is full or the
 * file reached its size limit, and G_IO_ERROR_READ_ONLY when the file or
 * its file system became read-only: conditions that pass, after which the
 * same write succeeds. Reads keep working meanwhile. Other failures are
 * HW_ERROR codes. */

/* Inserts @n events in ONE transaction, deduplicating on id. @statuses and
 * @seqs (each nullable, @n entries) receive ACCEPTED or DUPLICATE and the
 * event's seq (for a duplicate, the seq of the stored copy). Faults also go
 * to the faults table. Either everything is committed or nothing is. */
gboolean      hw_event_store_insert                (HwEventStore       *self,
                                                    HwEvent           **events,
                                                    guint               n,
                                                    HwInsertStatus     *statuses,
                                                    gint64             *seqs,
                                                    GError            **error);

/* Reading events -----------------------------------------------------------
 *
 * Every read takes a query (NULL matches everything) and a time range on the
 * event timestamp. Sync reads may be called from any thread and never wait on
 * a writer; the _async variants run in a worker thread, and cancelling the
 * GCancellable interrupts SQLite mid-statement (G_IO_ERROR_CANCELLED).
 */

/* One page of up to @limit matches (@limit 0 = 100) in @order. @cursor is
 * NULL for the first page, else the previous page's next_cursor (valid only
 * with the same query, range and order). */
HwSearchPage *hw_event_store_search                (HwEventStore       *self,
                                                    HwQuery            *query,
                                                    gint64              from_ms,
                                                    gint64              to_ms,
                                                    HwEventOrder        order,
                                                    guint               limit,
                                                    const char         *cursor,
                                                    GCancellable       *cancellable,
                                                    GError            **error);
/* SQLite's query plan for the page hw_event_store_search() would read with
 * the same arguments, a step per line: for diagnostics and for tests that
 * pin down which index a query seeks. */
char         *hw_event_store_explain_search        (HwEventStore       *self,
                                                    HwQuery            *query,
                                                    gint64              from_ms,
                                                    gint64              to_ms,
                                                    HwEventOrder        order,
                                                    guint               limit,
                                                    const char         *cursor,
                                                    GError            **error);
void          hw_event_store_search_async          (HwEventStore       *self,
                                                    HwQuery            *query,
                                                    gint64              from_ms,
                                                    gint64              to_ms,
                                                    HwEventOrder        order,
                                                    guint               limit,
                                                    const char         *cursor,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
HwSearchPage *hw_event_store_search_finish         (HwEventStore       *self,
                                                    GAsyncResult       *result,
                                                    GError            **error);

/* The seqs (gint64) of all matches in @order: what a virtual list holds. */
GArray       *hw_event_store_search_seqs           (HwEventStore       *self,
                                                    HwQuery            *query,
                                                    gint64              from_ms,
                                                    gint64              to_ms,
                                                    HwEventOrder        order,
                                                    GCancellable       *cancellable,
                                                    GError            **error);
void          hw_event_store_search_seqs_async     (HwEventStore       *self,
                                                    HwQuery            *query,
                                                    gint64              from_ms,
                                                    gint64              to_ms,
                                                    HwEventOrder        order,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
GArray       *hw_event_store_search_seqs_finish    (HwEventStore       *self,
                                                    GAsyncResult       *result,
                                                    GError            **error);

/* Compact rows (json NULL) for @seqs, in the same order; unknown seqs are
 * skipped. */
GPtrArray    *hw_event_store_get_summaries         (HwEventStore       *self,
                                                    const gint64       *seqs,
                                                    guint               n,
                                                    GCancellable       *cancellable,
                                                    GError            **error);
void          hw_event_store_get_summaries_async   (HwEventStore       *self,
                                                    const gint64       *seqs,
                                                    guint               n,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
GPtrArray    *hw_event_store_get_summaries_finish  (HwEventStore       *self,
                                                    GAsyncResult       *result,
                                                    GError            **error);

/* One event with its body; HW_ERROR_NOT_FOUND if absent. */
HwEventRow   *hw_event_store_get_event             (HwEventStore       *self,
                                                    gint64              seq,
                                                    GError            **error);
HwEventRow   *hw_event_store_get_event_by_id       (HwEventStore       *self,
                                                    const char         *id,
                                                    GError            **error);
char         *hw_event_store_get_event_json        (HwEventStore       *self,
                                                    gint64              seq,
                                                    GError            **error);
char         *hw_event_store_get_event_json_by_id  (HwEventStore       *self,
                                                    const char         *id,
                                                    GError            **error);

/* Number of matches; -1 on error. */
gint64        hw_event_store_count                 (HwEventStore       *self,
                                                    HwQuery            *query,
                                                    gint64              from_ms,
                                                    gint64              to_ms,
                                                    GCancellable       *cancellable,
                                                    GError            **error);
void          hw_event_store_count_async           (HwEventStore       *self,
                                                    HwQuery            *query,
                                                    gint64              from_ms,
                                                    gint64              to_ms,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
gint64        hw_event_store_count_finish          (HwEventStore       *self,
                                                    GAsyncResult       *result,
                                                    GError            **error);

/* The smallest round bucket size (1s 5s 10s 30s 1m 5m 10m 30m 1h 3h 6h 12h
 * 1d 7d, then multiples of 7d) giving at most @target_buckets over @span_ms. */
gint64        hw_event_store_pick_bucket_ms        (gint64              span_ms,
                                                    guint               target_buckets);

/* Histogram of matches over time with about @target_buckets buckets (0 = 60).
 * An unbounded side of the range is taken from the matches themselves. */
HwHistogram  *hw_event_store_histogram             (HwEventStore       *self,
                                                    HwQuery            *query,
                                                    gint64              from_ms,
                                                    gint64              to_ms,
                                                    guint               target_buckets,
                                                    GCancellable       *cancellable,
                                                    GError            **error);
void          hw_event_store_histogram_async       (HwEventStore       *self,
                                                    HwQuery            *query,
                                                    gint64              from_ms,
                                                    gint64              to_ms,
                                                    guint               target_buckets,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
HwHistogram  *hw_event_store_histogram_finish      (HwEventStore       *self,
                                                    GAsyncResult       *result,
                                                    GError            **error);

/* Most frequent values of @field among matches, most frequent first (ties by
 * value); NULL values are left out. @field: "type", "source",
 * "functionname", "pipeline", "partition_key" (or "partitionKey"),
 * "account", "region", "stage"; "tags.<tag>" is accepted for the tags.
 * HW_ERROR_INVALID_QUERY for another field. @limit 0 = 10. */
GPtrArray    *hw_event_store_top_values            (HwEventStore       *self,
                                                    const char         *field,
                                                    HwQuery            *query,
                                                    gint64              from_ms,
                                                    gint64              to_ms,
                                                    guint               limit,
                                                    GCancellable       *cancellable,
                                                    GError            **error);
void          hw_event_store_top_values_async      (HwEventStore       *self,
                                                    const char         *field,
                                                    HwQuery            *query,
                                                    gint64              from_ms,
                                                    gint64              to_ms,
                                                    guint               limit,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
GPtrArray    *hw_event_store_top_values_finish     (HwEventStore       *self,
                                                    GAsyncResult       *result,
                                                    GError            **error);

/* Children of @parent in the UTC calendar tree, with their match counts,
 * oldest first, empty nodes left out. @parent NULL lists years; "2024"
 * months; "2024/05" days; "2024/05/03" hours. HW_ERROR_INVALID_QUERY for a
 * malformed parent. */
GPtrArray    *hw_event_store_tree                  (HwEventStore       *self,
                                                    const char         *parent,
                                                    HwQuery            *query,
                                                    gint64              from_ms,
                                                    gint64              to_ms,
                                                    GCancellable       *cancellable,
                                                    GError            **error);
void          hw_event_store_tree_async            (HwEventStore       *self,
                                                    const char         *parent,
                                                    HwQuery            *query,
                                                    gint64              from_ms,
                                                    gint64              to_ms,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
GPtrArray    *hw_event_store_tree_finish           (HwEventStore       *self,
                                                    GAsyncResult       *result,
                                                    GError            **error);

/* Sync ---------------------------------------------------------------------- */

/* Up to @limit events (with json) with seq > @after_seq, in seq order. */
GPtrArray    *hw_event_store_events_after          (HwEventStore       *self,
                                                    gint64              after_seq,
                                                    guint               limit,
                                                    GCancellable       *cancellable,
                                                    GError            **error);
/* A row of hw_event_store_visit_after(), and every string in it, is
 * borrowed: valid until the visitor returns. FALSE stops the visit. */
typedef gboolean (*HwEventRowVisitor) (const HwEventRow *row,
                                       gpointer          user_data);

/* The rows hw_event_store_events_after() would return, shown to @visitor
 * one by one instead of copied: for a scan that keeps only what it makes
 * of each row (the hub renders each into a stream record). The number of
 * rows visited (the one that stopped it included), or -1 on error. */
gint64        hw_event_store_visit_after           (HwEventStore       *self,
                                                    gint64              after_seq,
                                                    guint               limit,
                                                    HwEventRowVisitor   visitor,
                                                    gpointer            user_data,
                                                    GCancellable       *cancellable,
                                                    GError            **error);
/* 0 when empty, -1 on error. */
gint64        hw_event_store_get_max_seq           (HwEventStore       *self,
                                                    GError            **error);

/* Faults -------------------------------------------------------------------- */

/* Newest first. @filter may be NULL. @limit 0 = 100. */
GPtrArray    *hw_event_store_list_faults           (HwEventStore       *self,
                                                    const HwFaultFilter *filter,
                                                    guint               limit,
                                                    GCancellable       *cancellable,
                                                    GError            **error);
/* Largest groups first. */
GPtrArray    *hw_event_store_fault_groups          (HwEventStore       *self,
                                                    HwFaultGroupBy      by,
                                                    const HwFaultFilter *filter,
                                                    GCancellable       *cancellable,
                                                    GError            **error);
/* Marks the faults with these event ids resubmitted at @at_ms; unknown ids
 * are ignored. @n_marked (nullable) receives how many were found. */
gboolean      hw_event_store_mark_resubmitted      (HwEventStore       *self,
                                                    const char * const *ids,
                                                    gint64              at_ms,
                                                    guint              *n_marked,
                                                    GError            **error);

/* System events ------------------------------------------------------------- */

/* Dedupes on @id. @json is the whole system event. */
gboolean      hw_event_store_insert_system_event   (HwEventStore       *self,
                                                    const char         *id,
                                                    const char         *kind,
                                                    gint64              ts_ms,
                                                    const char         *service,
                                                    const char         *json,
                                                    HwInsertStatus     *status,
                                                    GError            **error);
/* Inserts, or replaces a stored event with the same @id whose JSON differs
 * (an incident resolved after it was opened); a replaced event takes a new,
 * highest seq. @status: ACCEPTED when stored or replaced, DUPLICATE when the
 * same JSON was already there. */
gboolean      hw_event_store_upsert_system_event   (HwEventStore       *self,
                                                    const char         *id,
                                                    const char         *kind,
                                                    gint64              ts_ms,
                                                    const char         *service,
                                                    const char         *json,
                                                    HwInsertStatus     *status,
                                                    GError            **error);
/* For a copy of a shared history (the JetStream engine's system stream):
 * inserts (@replace FALSE, a stored id wins) or upserts (@replace TRUE)
 * like the two above, but under @seq, the history's own sequence, so that
 * every copy has the same changes feed. A stored event that changes takes
 * @seq; one that does not keeps its seq (@status DUPLICATE). */
gboolean      hw_event_store_store_system_event_at (HwEventStore       *self,
                                                    gint64              seq,
                                                    gboolean            replace,
                                                    const char         *id,
                                                    const char         *kind,
                                                    gint64              ts_ms,
                                                    const char         *service,
                                                    const char         *json,
                                                    HwInsertStatus     *status,
                                                    GError            **error);
/* Every system event: for a copy that is filled again from its history. */
gboolean      hw_event_store_delete_system_events  (HwEventStore       *self,
                                                    GError            **error);
/* The highest seq of the system events (0 when there are none). */
gint64        hw_event_store_get_max_system_seq    (HwEventStore       *self,
                                                    GError            **error);
/* HW_ERROR_NOT_FOUND when no event has @id. */
HwSystemEvent *hw_event_store_get_system_event     (HwEventStore       *self,
                                                    const char         *id,
                                                    GCancellable       *cancellable,
                                                    GError            **error);
/* The changes feed: events stored or replaced after @after_seq, in seq
 * order. @limit 0 = unlimited. */
GPtrArray    *hw_event_store_list_system_events_after (HwEventStore    *self,
                                                    gint64              after_seq,
                                                    guint               limit,
                                                    GCancellable       *cancellable,
                                                    GError            **error);
/* @kind NULL = all kinds. @limit 0 = unlimited. */
GPtrArray    *hw_event_store_list_system_events    (HwEventStore       *self,
                                                    const char         *kind,
                                                    gint64              from_ms,
                                                    gint64              to_ms,
                                                    HwEventOrder        order,
                                                    guint               limit,
                                                    GCancellable       *cancellable,
                                                    GError            **error);

/* Metric points ------------------------------------------------------------- */

/* Inserts or replaces (same name, labels, resolution and ts) in one
 * transaction. */
gboolean      hw_event_store_insert_metric_points  (HwEventStore       *self,
                                                    const HwMetricPoint *points,
                                                    guint               n,
                                                    GError            **error);
/* Adds each point to the stored point of its name, labels, resolution and
 * time (sums and counts add up, min and max widen), or stores it when
 * there is none: counts that arrive after their bucket was written. */
gboolean      hw_event_store_add_metric_points     (HwEventStore       *self,
                                                    const HwMetricPoint *points,
                                                    guint               n,
                                                    GError            **error);
/* GArray of HwMetricPoint ordered by labels then ts. @labels NULL = every
 * label set of @name. */
GArray       *hw_event_store_query_metric_points   (HwEventStore       *self,
                                                    const char         *name,
                                                    const char         *labels,
                                                    guint               resolution_s,
                                                    gint64              from_ms,
                                                    gint64              to_ms,
                                                    GCancellable       *cancellable,
                                                    GError            **error);
/* Retention: removes points of @resolution_s older than @before_ms, and
 * the other replicas' copies of them. */
gboolean      hw_event_store_prune_metric_points   (HwEventStore       *self,
                                                    guint               resolution_s,
                                                    gint64              before_ms,
                                                    GError            **error);

/* Metric points shared by replicas (hw-event-store-metrics-shared.c) --------
 *
 * With the JetStream engine each replica publishes the points it writes
 * and keeps a copy of the others' (docs/jetstream.md). */

/* A point of another replica's, the newest @version it published for its
 * series and bucket. */
typedef struct
{
  char          *replica;
  gint64         version;
  HwMetricPoint  point;
} HwMetricCopy;

void hw_metric_copy_clear (HwMetricCopy *copy);

/* One of this store's points to publish: @id names this version of it. */
typedef struct
{
  gint64         id;
  HwMetricPoint  point;
} HwMetricOutboxEntry;

void hw_metric_outbox_entry_clear (HwMetricOutboxEntry *entry);

/* This store's replica id for shared metrics, made on the first call:
 * from then on every point written is named in the outbox, and so are
 * the points written before (published once, like those after). */
char         *hw_event_store_share_metrics         (HwEventStore       *self,
                                                    GError            **error);
/* GArray of HwMetricOutboxEntry, oldest first, with the points as stored
 * now: at most @limit. */
GArray       *hw_event_store_list_metric_outbox    (HwEventStore       *self,
                                                    guint               limit,
                                                    GError            **error);
/* Removes the outbox entries @ids (published): a point written again
 * since has a newer entry, which stays. */
gboolean      hw_event_store_remove_metric_outbox  (HwEventStore       *self,
                                                    const gint64       *ids,
                                                    guint               n,
                                                    GError            **error);
/* Stores each copy in place of the one of its replica, series and bucket
 * unless that one has a newer version (a message the stream stored late),
 * in one transaction. */
gboolean      hw_event_store_put_metric_copies     (HwEventStore       *self,
                                                    const HwMetricCopy *copies,
                                                    guint               n,
                                                    GError            **error);
/* GArray of HwMetricCopy of @name at @resolution_s in [@from_ms, @to_ms). */
GArray       *hw_event_store_query_metric_copies   (HwEventStore       *self,
                                                    const char         *name,
                                                    guint               resolution_s,
                                                    gint64              from_ms,
                                                    gint64              to_ms,
                                                    GError            **error);

/* Sync cursors -------------------------------------------------------------- */

/* NULL without error when unset. @updated_at_ms is nullable. */
char         *hw_event_store_get_cursor            (HwEventStore       *self,
                                                    const char         *name,
                                                    gint64             *updated_at_ms,
                                                    GError            **error);
gboolean      hw_event_store_set_cursor            (HwEventStore       *self,
                                                    const char         *name,
                                                    const char         *value,
                                                    GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwEventRow, hw_event_row_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwSearchPage, hw_search_page_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwHistogram, hw_histogram_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwTopValue, hw_top_value_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwTreeNode, hw_tree_node_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwFaultRow, hw_fault_row_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwFaultGroup, hw_fault_group_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwSystemEvent, hw_system_event_free)

G_END_DECLS
