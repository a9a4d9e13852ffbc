/* fuzz-hub-events-body.c: libFuzzer target for POST /v1/events request bodies
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hw-error.h"
#include "hw-event.h"
#include "hw-fuzz.h"
#include "hw-hub-http.h"

/* The hub splits a body into items in static functions of
 * src/hub/hw-hub-api-events.c (parse_ndjson, parse_json_body) that need a
 * running HwHub. This target follows the same steps with the public pieces
 * they are made of: hw_hub_parse_json() for application/json, then
 * hw_event_parse_node() per array item; a newline split and
 * hw_event_parse() per line for application/x-ndjson. Every body is tried
 * both ways, as a client may send either. */

/* The hub's defaults (HwHubConfig): 1 MiB per event, nesting 64. */
#define MAX_EVENT_BYTES (1024 * 1024)
#define MAX_DEPTH       64

static void
check_item (HwEvent      *event,
            const GError *error)
{
  if (event == NULL)
    {
      HW_FUZZ_CHECK_ERROR (error);
      HW_FUZZ_CHECK (error->domain == HW_ERROR);
      return;
    }
  HW_FUZZ_CHECK (error == NULL);
  HW_FUZZ_CHECK (event->id != NULL && event->id[0] != '\0');
  HW_FUZZ_CHECK (event->json != NULL && g_utf8_validate (event->json, -1, NULL));
}

static void
parse_item_node (JsonNode            *node,
                 const HwParseLimits *limits)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = json_to_string (node, FALSE);
  g_autoptr(HwEvent) event = NULL;

  if (strlen (text) > MAX_EVENT_BYTES)
    return;
  event = hw_event_parse_node (node, strlen (text), limits, &error);
  check_item (event, error);
}

static void
parse_as_json (const char          *data,
               gsize                size,
               const HwParseLimits *limits)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = hw_hub_parse_json (data, size, MAX_DEPTH + 1, &error);

  if (root == NULL)
    {
      HW_FUZZ_CHECK_ERROR (error);
      HW_FUZZ_CHECK (hw_hub_status_for_error (error) >= 400);
      return;
    }
  HW_FUZZ_CHECK (hw_hub_json_depth (root) <= MAX_DEPTH + 1);
  if (JSON_NODE_HOLDS_OBJECT (root))
    parse_item_node (root, limits);
  else if (JSON_NODE_HOLDS_ARRAY (root))
    {
      JsonArray *array = json_node_get_array (root);

      for (guint i = 0; i < json_array_get_length (array); i++)
        parse_item_node (json_array_get_element (array, i), limits);
    }
}

static void
parse_as_ndjson (const char          *data,
                 gsize                size,
                 const HwParseLimits *limits)
{
  const char *end = data + size;

  for (const char *line = data; line < end;)
    {
      const char *nl = memchr (line, '\n', end - line);
      const char *stop = nl != NULL ? nl : end;
      gsize len = stop - line;
      g_autoptr(GError) error = NULL;
      g_autoptr(HwEvent) event = NULL;

      if (len > 0 && line[len - 1] == '\r')
        len--;
      if (len > 0 && len <= MAX_EVENT_BYTES)
        {
          event = hw_event_parse (line, len, limits, &error);
          check_item (event, error);
        }
      line = stop + 1;
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  HwParseLimits limits = { .max_event_bytes = MAX_EVENT_BYTES, .max_depth = MAX_DEPTH };

  parse_as_json ((const char *) data, size, &limits);
  parse_as_ndjson ((const char *) data, size, &limits);
  return 0;
}
