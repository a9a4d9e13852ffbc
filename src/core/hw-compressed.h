/* hw-compressed.h: "COMPRESSED" + base64(gzip(JSON)) string values
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define HW_COMPRESSED_PREFIX "COMPRESSED"

/* Producers compress values over ~10 KB, so an expanded value is usually
 * much bigger than its line; but a gzip bomb must not exhaust memory. Each
 * value may expand to at most the event size limit, and all values of one
 * event together to this many times that limit. */
#define HW_COMPRESSED_BUDGET_FACTOR 4

/* Whether @value is a compressed value: the prefix followed by at least one
 * character. Only the prefix is checked; decoding finds the rest. */
gboolean  hw_compressed_is_value   (const char  *value);

/* Decodes one compressed value into the JSON it holds (not expanded further).
 * The decompressed text is capped at @max_bytes and its nesting at
 * @max_depth. @path names the value in messages ("order.items[2].blob").
 * Errors: HW_ERROR_INVALID_EVENT (bad base64 or gzip), HW_ERROR_INVALID_JSON,
 * HW_ERROR_TOO_LARGE, HW_ERROR_TOO_DEEP, HW_ERROR_INVALID_UTF8. */
JsonNode *hw_compressed_decode     (const char  *value,
                                    gsize        max_bytes,
                                    guint        max_depth,
                                    const char  *path,
                                    GError     **error);

/* Returns @node with every compressed value under it replaced by the JSON it
 * holds, recursively (an expanded value may hold compressed values itself).
 * @node is never modified: the result shares unchanged subtrees with it and
 * is @node itself, with a new reference, when nothing was compressed.
 * @max_depth bounds the depth of the whole expanded tree; @max_bytes is the
 * event size limit (see HW_COMPRESSED_BUDGET_FACTOR). @n_expanded, if not
 * NULL, receives the number of values expanded. */
JsonNode *hw_compressed_expand     (JsonNode    *node,
                                    gsize        max_bytes,
                                    guint        max_depth,
                                    guint       *n_expanded,
                                    GError     **error);

/* The compressed value holding @json (producers' format), for generators
 * and tests. */
char     *hw_compressed_encode     (const char  *json,
                                    gssize       length);

G_END_DECLS
