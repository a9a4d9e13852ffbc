/* hw-event.h: the event envelope, parsed and validated
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define HW_TYPE_EVENT (hw_event_get_type ())

/* Limits applied while parsing. hw_parse_limits_default() gives 1 MiB per
 * event and a nesting depth of 64. */
typedef struct
{
  gsize max_event_bytes;
  guint max_depth;
} HwParseLimits;

/* A parsed, validated event. Immutable once returned by the parser and
 * reference counted, so it can cross threads. Fields are public for speed
 * and read-only for everyone but the parser. */
typedef struct
{
  /*< private >*/
  gatomicrefcount ref_count;

  /*< public >*/
  char     *id;             /* non-empty */
  char     *type;           /* non-empty; "fault" for fault events */
  gint64    timestamp_ms;   /* epoch milliseconds */
  char     *partition_key;  /* nullable */

  /* Common tags, copied out of tags{} for indexing; each nullable. */
  char     *source;
  char     *functionname;
  char     *pipeline;
  char     *account;
  char     *region;
  char     *stage;

  /* Fault events only (type "fault"), each nullable. */
  char     *err_name;
  char     *err_message;
  char     *err_stack;

  /* The bare event (bus wrapper removed) exactly as received, compact JSON:
   * what listeners are sent and what replays and resubmissions deliver. */
  char     *json;
  /* The bare event with every COMPRESSED value expanded: what is shown. */
  JsonNode *expanded;
  /* Size in bytes of the line as received. */
  gsize     size;
} HwEvent;

GType          hw_event_get_type        (void) G_GNUC_CONST;
HwEvent       *hw_event_ref             (HwEvent             *event);
void           hw_event_unref           (HwEvent             *event);

HwParseLimits  hw_parse_limits_default  (void);

/* Parses one line or document: a bare event, a bus wrapper
 * {"detail-type",…,"detail":{event}}, or a fault event. On failure returns
 * NULL and sets HW_ERROR with a message naming the field and the reason;
 * callers add file and line. Never aborts on bad input. */
HwEvent       *hw_event_parse           (const char          *data,
                                         gssize               length,
                                         const HwParseLimits *limits,
                                         GError             **error);

/* Same, for a node that is already parsed (array items of a POST body). */
HwEvent       *hw_event_parse_node      (JsonNode            *node,
                                         gsize                size,
                                         const HwParseLimits *limits,
                                         GError             **error);

/* A copy of @event for storing after masking: its expanded tree and JSON
 * are @masked (referenced), and so are the columns read out of it
 * (partitionKey, the common tags, a fault's err fields); a column whose
 * value masking replaced whole is NULL. id, type and timestamp are kept:
 * masking never touches them. */
HwEvent       *hw_event_new_masked      (const HwEvent       *event,
                                         JsonNode            *masked);
/* Text for the full-text index: type, tag values and every string value of
 * the expanded payload, space separated. */
char          *hw_event_dup_search_text (const HwEvent       *event);

/* Compact JSON of event->expanded: what the console shows and caches. */
char          *hw_event_dup_expanded_json (const HwEvent     *event);

/* The tags object as compact JSON, or NULL when the event has none. */
char          *hw_event_dup_tags_json   (const HwEvent       *event);

gboolean       hw_event_is_fault        (const HwEvent       *event);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwEvent, hw_event_unref)

G_END_DECLS
