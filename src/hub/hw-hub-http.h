/* hw-hub-http.h: JSON replies, JSON errors and strict body parsing for route handlers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Answers with @status and @node serialised compactly as application/json.
 * Does not take ownership of @node. */
void      hw_hub_reply_json          (SoupServerMessage *msg,
                                      guint              status,
                                      JsonNode          *node);
/* Same, for an object; does not take ownership. */
void      hw_hub_reply_object        (SoupServerMessage *msg,
                                      guint              status,
                                      JsonObject        *object);

/* The body {"error":{"code":CODE,"message":…}}, for answers built off the
 * main thread; hw_hub_reply_error() answers with it. CODE should come from
 * hw_error_code_name() where one fits ("invalid_json", "not_found", …). */
char     *hw_hub_error_body_new      (const char        *code,
                                      const char        *message);
void      hw_hub_reply_error         (SoupServerMessage *msg,
                                      guint              status,
                                      const char        *code,
                                      const char        *format,
                                      ...) G_GNUC_PRINTF (4, 5);

/* Maps an error to its HTTP status (HW_ERROR codes: INVALID_* → 400,
 * TOO_LARGE → 413, NOT_FOUND → 404, UNAUTHORIZED → 401, FORBIDDEN → 403,
 * CONFLICT → 409, RATE_LIMITED → 429, UNAVAILABLE → 503, others → 500)
 * and answers with its code name and message. Non-HW_ERROR errors become a
 * 500 "failed" whose message is generic (details go to the log, not the wire). */
void      hw_hub_reply_gerror        (SoupServerMessage *msg,
                                      const GError      *error);
guint     hw_hub_status_for_error    (const GError      *error);

/* Parses a request body strictly: valid UTF-8, valid JSON, nesting no deeper
 * than @max_depth (0 = 64). Errors are HW_ERROR_INVALID_UTF8 /
 * INVALID_JSON (with line:column) / TOO_DEEP. */
JsonNode *hw_hub_parse_json          (const char        *data,
                                      gsize              length,
                                      guint              max_depth,
                                      GError           **error);

/* Depth of the deepest container in @node (a scalar is 0, [] is 1). */
guint     hw_hub_json_depth          (JsonNode          *node);

/* Query-parameter helpers: on bad input they set HW_ERROR_INVALID_* naming
 * the parameter. A missing parameter yields @default_value. */
gboolean  hw_hub_parse_uint_param    (const char        *name,
                                      const char        *value,
                                      guint64            default_value,
                                      guint64            min_value,
                                      guint64            max_value,
                                      guint64           *out_value,
                                      GError           **error);
gboolean  hw_hub_parse_bool_param    (const char        *name,
                                      const char        *value,
                                      gboolean           default_value,
                                      gboolean          *out_value,
                                      GError           **error);

/* Time from epoch milliseconds, ISO-8601 or "now-1h"-style expressions.
 * A NULL or empty @value yields @default_ms. */
gboolean  hw_hub_parse_time_param    (const char        *name,
                                      const char        *value,
                                      gint64             default_ms,
                                      gint64            *out_ms,
                                      GError           **error);

/* For an answer that is made off the main context: pauses @msg and marks
 * it when the client hangs up meanwhile. hw_hub_message_resume() then
 * unpauses it, unless it was marked: a message without I/O must not be
 * unpaused. Pauses nest: the last resume unpauses. Both on the main
 * context. */
void      hw_hub_message_pause       (SoupServerMessage *msg);
gboolean  hw_hub_message_is_gone     (SoupServerMessage *msg);
void      hw_hub_message_resume      (SoupServerMessage *msg);

/* Current wall clock in epoch milliseconds. */
gint64    hw_hub_now_ms              (void);

G_END_DECLS
