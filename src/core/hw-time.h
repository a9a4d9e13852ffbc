/* hw-time.h: time bounds from epoch milliseconds, ISO-8601 or Grafana-style relative expressions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* How a rounding suffix ("/d", "/w", …) resolves. A lower bound rounds down
 * to the start of the unit; an upper bound rounds up to the start of the
 * NEXT unit, because every upper bound in Hubwatch is exclusive: `now/d`
 * as an upper bound covers the whole of today and nothing of tomorrow. */
typedef enum
{
  HW_TIME_ROUND_DOWN,
  HW_TIME_ROUND_UP,
} HwTimeRound;

/* Parses one time expression into epoch milliseconds (UTC):
 *  - epoch milliseconds: only digits, e.g. `1795355255123`;
 *  - ISO-8601: `2026-11-22`, `2026-11-22T13:47`, `2026-11-22T13:47:35.123`,
 *    optionally followed by `Z` or an offset (`+02:00`, `+0200`, `+02`);
 *    no zone means UTC; a date alone means its midnight UTC; `T` may be a space;
 *  - relative: `now` followed by any sequence of `+N<unit>`, `-N<unit>` and
 *    `/<unit>` (rounding), units s m h d w M y, e.g. `now-15m`, `now/d`,
 *    `now-7d/d`, `now-1w/w`. Weeks start on Monday; all calendar math is UTC.
 * Leading and trailing whitespace is ignored. On failure sets
 * HW_ERROR_INVALID_TIME with a message naming the 1-based character position. */
gboolean  hw_time_parse                (const char  *text,
                                        gint64       now_ms,
                                        HwTimeRound  round,
                                        gint64      *out_ms,
                                        GError     **error);

/* Same, also returning the 0-based character offset of the problem in
 * @error_offset (when not NULL) so that callers embedding a time expression
 * in a larger text (the query language) can point at the exact character. */
gboolean  hw_time_parse_with_offset    (const char  *text,
                                        gint64       now_ms,
                                        HwTimeRound  round,
                                        gint64      *out_ms,
                                        guint       *error_offset,
                                        GError     **error);

/* `2026-11-22T13:47:35.123Z`: UTC, always millisecond precision. */
char     *hw_time_format_iso8601       (gint64       ms);

/* The current wall-clock time in epoch milliseconds. */
gint64    hw_time_now_ms               (void);

G_END_DECLS
