/* hw-json-guard.h: cheap checks on raw JSON bytes before a real parser sees them,
 * and a parse of untrusted text that runs them first
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* What the scan learned about text that passed it. */
typedef struct
{
  guint    depth;    /* deepest nesting of [ and { */
  gboolean compact;  /* no whitespace outside strings: already compact JSON */
  gboolean may_compress;  /* a string starts with "COMPRESSED" or has a \u escape */
} HwJsonScan;

/* Checks, in one pass and without recursion, that @data is at most
 * @max_bytes long, is valid UTF-8 without NUL bytes, and nests [ and {
 * no deeper than @max_depth. json-glib's parser recurses once per level, so
 * text must pass this before it is parsed: a line of 100000 '[' then fails
 * here in microseconds instead of exhausting the stack.
 *
 * It also refuses a second top-level value that starts with [ or {, which
 * json-glib 1.6 would silently drop (and leak), and every escape JSON does
 * not define ("\255", "\x41", "\'", "\u12"…), which json-glib 1.6 would
 * decode into other text, some of it invalid UTF-8.
 *
 * It does not validate JSON otherwise: unbalanced brackets, bad literals
 * and the like are left to the parser, which reports them precisely.
 * @what names the text in messages ("event", "COMPRESSED value at
 * order.blob"). */
gboolean hw_json_guard_check (const char *data,
                              gsize       length,
                              gsize       max_bytes,
                              guint       max_depth,
                              const char *what,
                              HwJsonScan *scan,
                              GError    **error);

/* TRUE when the @length bytes of @data are all ASCII whitespace: a line of
 * NDJSON that holds no value and is skipped, not refused. A NUL is not
 * whitespace, so a line holding one goes on to the guard. */
gboolean  hw_json_guard_is_blank        (const char    *data,
                                         gsize          length);

/* Sets @error (HW_ERROR_INVALID_JSON) from json-glib's @parse_error, as
 * "invalid JSON at column N: reason" (or "at line L, column N" for text of
 * several lines), prefixed with "@what: " unless @what is NULL. The message
 * is always valid UTF-8, whatever json-glib quoted from the input. */
void      hw_json_guard_set_parse_error (GError       **error,
                                         const char    *what,
                                         const GError  *parse_error);

/* For untrusted text (a file a user gives, a body from a hub or a client)
 * that needs no more than its tree: hw_json_guard_check(), then json-glib.
 * Returns the root, or NULL with @error set by the guard, by the parser
 * (see hw_json_guard_set_parse_error()) or for text that holds no value.
 * @what names the text in every message ("system event"). */
JsonNode *hw_json_guard_parse           (const char    *data,
                                         gsize          length,
                                         gsize          max_bytes,
                                         guint          max_depth,
                                         const char    *what,
                                         GError       **error);

G_END_DECLS
