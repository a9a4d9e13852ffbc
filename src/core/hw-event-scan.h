/* hw-event-scan.h: one-pass reading of common event lines, without a JSON tree
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hw-event.h"

G_BEGIN_DECLS

/* What hw_event_scan() learned about a line it accepted. Spans point into
 * the line. */
typedef struct
{
  HwEvent    *event;             /* owned: see hw_event_scan_clear() */
  char       *text;              /* owned */
  const char *body;              /* the bare event: the line, or its detail */
  gsize       body_length;
  gboolean    body_canonical;    /* json-glib would write it back unchanged */
  const char *tags;              /* the tags object, or NULL */
  gsize       tags_length;
  gboolean    tags_canonical;
  gboolean    has_eem;           /* a member named eem, at any depth */
  gboolean    has_at;            /* a string value holding '@' */
  gboolean    has_card_number;   /* a string value masking would find a card number in */
} HwEventScan;

/* Reads a line that is compact JSON (no whitespace outside strings), one
 * object, a bare or bus-wrapped event whose envelope is valid, with no
 * string starting with COMPRESSED, no escape but \" \\ \n \t \r \b \f, no
 * exponent and no integer over 18 digits, nesting at most @max_depth.
 * Anything else, valid or not, returns FALSE: the caller then uses
 * hw_event_parse(), which accepts or rejects it with a precise error (an
 * escape JSON lacks, such as "\255", included). Every line this accepts,
 * hw_event_parse() accepts with the same fields. One known difference:
 * duplicate member names below the envelope's own fields (which it does
 * check) are kept both, where json-glib keeps the last; so such a line's
 * search text has both values, and when it is re-serialised (a wrapper's
 * detail) its body keeps both as received.
 *
 * @text is scratch space for the search text. */
gboolean  hw_event_scan              (const char   *data,
                                      gsize         length,
                                      guint         max_depth,
                                      GString      *text,
                                      HwEventScan  *scan);

/* After success: scan->event holds the fields (json and expanded NULL,
 * size set) and scan->text the search text exactly as
 * hw_event_dup_search_text() builds it from the tree. Steal them, then
 * clear the rest. */
void      hw_event_scan_clear        (HwEventScan  *scan);

G_END_DECLS
