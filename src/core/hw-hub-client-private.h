/* hw-hub-client-private.h: the transport under HwHubClient, shared by its API and stream files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "hw-hub-client.h"

G_BEGIN_DECLS

/* Both run in a worker thread on the whole (already size-capped) body. */
typedef gpointer (*HwHubJsonParseFunc)  (JsonNode  *root,
                                         gpointer   data,
                                         GError   **error);
typedef gpointer (*HwHubBytesParseFunc) (GBytes             *body,
                                         gboolean            truncated,
                                         SoupMessageHeaders *headers,
                                         gpointer            data,
                                         GError            **error);

typedef struct
{
  const char          *method;
  const char          *path_and_query;
  JsonNode            *body;            /* nullable, serialized at once */
  const char          *idempotency_key; /* nullable */
  /* Exactly one of the two. With parse_bytes the body is NDJSON: over the
   * size cap it is cut after the last complete line and truncated is TRUE. */
  HwHubJsonParseFunc   parse_json;
  HwHubBytesParseFunc  parse_bytes;
  gpointer             parse_data;
  GDestroyNotify       parse_data_free;
  GDestroyNotify       result_free;
  gpointer             source_tag;
} HwHubCall;

void      hw_hub_client_call            (HwHubClient          *self,
                                         const HwHubCall      *call,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
gpointer  hw_hub_client_call_finish     (HwHubClient          *self,
                                         GAsyncResult         *result,
                                         gpointer              source_tag,
                                         GError              **error);

/* A message with the URL, the token and the certificate check set up. */
SoupMessage *hw_hub_client_new_message  (HwHubClient          *self,
                                         const char           *method,
                                         const char           *path_and_query,
                                         GError              **error);
SoupSession *hw_hub_client_get_session  (HwHubClient          *self);
/* Maps a libsoup/GIO failure to the errors documented in hw-hub-client.h. */
GError      *hw_hub_client_map_transport_error (HwHubClient    *self,
                                                const GError   *error);

/* Appends "&name=value" (or "?name=value" first), escaped; skips NULL. */
void         hw_hub_query_add           (GString              *path,
                                         const char           *name,
                                         const char           *value);

/* Lenient field getters: NULL / 0 when missing or of another type. */
const char  *hw_json_get_string         (JsonObject           *object,
                                         const char           *member);
gint64       hw_json_get_int            (JsonObject           *object,
                                         const char           *member);
/* Epoch ms from a number or an ISO-8601 string; 0 when neither. */
gint64       hw_json_get_time_ms        (JsonObject           *object,
                                         const char           *member);
/* Parses what a hub sent, refusing hostile text (too deep, invalid UTF-8,
 * two values, nothing at all) with HW_ERROR_PROTOCOL naming @what. The
 * root belongs to @parser. */
JsonNode    *hw_hub_json_parse          (JsonParser           *parser,
                                         const char           *text,
                                         gsize                 length,
                                         const char           *what,
                                         GError              **error);

#define HW_HUB_MAX_JSON_DEPTH 128

/* What tells one JSON endpoint from another, kept in a static const row
 * beside its parser: the method, how the answer becomes the typed result
 * (and is freed), and the _async function that tags the task. The call
 * then only adds the path and the body. */
typedef struct
{
  const char          *method;
  HwHubJsonParseFunc   parse;
  GDestroyNotify       result_free;
  gpointer             source_tag;
} HwHubEndpoint;

void         hw_hub_client_call_endpoint (HwHubClient         *self,
                                         const HwHubEndpoint  *endpoint,
                                         const char           *path_and_query,
                                         JsonNode             *body,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);

/* Every _finish of the API is the same: check the tag of its _async and
 * hand over the typed result. */
#define HW_HUB_CLIENT_DEFINE_FINISH(prefix, ResultType)                 \
  ResultType                                                            \
  prefix##_finish (HwHubClient   *self,                                 \
                   GAsyncResult  *result,                               \
                   GError       **error)                                \
  {                                                                     \
    return hw_hub_client_call_finish (self, result, prefix##_async, error); \
  }
/* GET @path answering {"@member":[events…],"next_cursor":…} → HwHubEventPage. */
void         hw_hub_client_call_event_page (HwHubClient       *self,
                                         const char           *path,
                                         const char           *member,
                                         gpointer              source_tag,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
gpointer     hw_hub_parse_any           (JsonNode             *root,
                                         gpointer              data,
                                         GError              **error);
JsonObject  *hw_hub_json_root_object    (JsonNode             *root,
                                         GError              **error);
/* {"@member":[…]} or, leniently, a bare array. */
JsonArray   *hw_hub_json_root_array     (JsonNode             *root,
                                         const char           *member,
                                         GError              **error);
typedef gpointer (*HwHubItemFunc) (JsonObject *object,
                                   GError    **error);
GPtrArray   *hw_hub_json_convert_list   (JsonNode             *root,
                                         const char           *member,
                                         HwHubItemFunc         convert,
                                         GDestroyNotify        item_free,
                                         GError              **error);
char        *hw_hub_escape_segment      (const char           *segment);
/* @base plus q, from, to, limit and cursor, each left out when unset. */
char        *hw_hub_build_events_path   (const char           *base,
                                         const char           *query,
                                         const char           *from,
                                         const char           *to,
                                         guint                 limit,
                                         const char           *cursor);

/* The parsers behind the list calls, for snapshots kept in the cache. */
HwHubInfo   *hw_hub_info_from_json      (JsonObject           *object);
GPtrArray   *hw_hub_listeners_from_json (JsonNode             *root,
                                         GError              **error);
GPtrArray   *hw_hub_jobs_from_json      (JsonNode             *root,
                                         GError              **error);

G_END_DECLS
