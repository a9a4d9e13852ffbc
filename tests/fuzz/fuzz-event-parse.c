/* fuzz-event-parse.c: libFuzzer target for the event parser and COMPRESSED values
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hw-compressed.h"
#include "hw-error.h"
#include "hw-event.h"
#include "hw-fuzz.h"

/* The input is one lake line. Besides parsing it as is, it is parsed under
 * tight limits (the limit paths are where off-by-ones live), and it is
 * wrapped in a COMPRESSED value twice: gzipped (so the decoder sees
 * arbitrary JSON, recursion and budgets included) and raw (so the gzip and
 * base64 decoding see arbitrary bytes). */

static void
check_event (HwEvent *event)
{
  g_autofree char *search = NULL;
  g_autofree char *expanded = NULL;
  g_autofree char *tags = NULL;
  g_autoptr(HwEvent) again = NULL;
  g_autoptr(GError) error = NULL;
  HwParseLimits limits = hw_parse_limits_default ();

  HW_FUZZ_CHECK (event->id != NULL && event->id[0] != '\0');
  HW_FUZZ_CHECK (event->type != NULL && event->type[0] != '\0');
  HW_FUZZ_CHECK (event->json != NULL);
  HW_FUZZ_CHECK (event->expanded != NULL);
  HW_FUZZ_CHECK (hw_event_is_fault (event) == (strcmp (event->type, "fault") == 0));

  search = hw_event_dup_search_text (event);
  expanded = hw_event_dup_expanded_json (event);
  tags = hw_event_dup_tags_json (event);
  HW_FUZZ_CHECK (search != NULL && g_utf8_validate (search, -1, NULL));
  HW_FUZZ_CHECK (expanded != NULL && g_utf8_validate (expanded, -1, NULL));

  /* event->json is what replays deliver: it must parse to the same event. */
  again = hw_event_parse (event->json, -1, &limits, &error);
  if (again == NULL)
    {
      g_printerr ("re-parse of %s failed: %s\n", event->json, error->message);
      abort ();
    }
  HW_FUZZ_CHECK (strcmp (again->id, event->id) == 0);
  HW_FUZZ_CHECK (strcmp (again->type, event->type) == 0);
  HW_FUZZ_CHECK (again->timestamp_ms == event->timestamp_ms);
}

static void
parse_one (const char          *text,
           gssize               length,
           const HwParseLimits *limits)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HwEvent) event = hw_event_parse (text, length, limits, &error);

  if (event == NULL)
    {
      HW_FUZZ_CHECK_ERROR (error);
      HW_FUZZ_CHECK (error->domain == HW_ERROR);
      return;
    }
  HW_FUZZ_CHECK (error == NULL);
  check_event (event);
}

static void
parse_wrapped (const char *value)
{
  HwParseLimits limits = hw_parse_limits_default ();
  g_autofree char *line = g_strdup_printf ("{\"id\":\"f1\",\"type\":\"order-placed\","
                                           "\"timestamp\":1795355255123,\"order\":\"%s\"}",
                                           value);

  parse_one (line, -1, &limits);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const char *text = (const char *) data;
  HwParseLimits limits = hw_parse_limits_default ();
  HwParseLimits tight = { .max_event_bytes = 256, .max_depth = 4 };
  g_autofree char *gzipped = NULL;
  g_autofree char *b64 = NULL;
  g_autofree char *raw = NULL;

  parse_one (text, size, &limits);
  parse_one (text, size, &tight);

  gzipped = hw_compressed_encode (text, size);
  parse_wrapped (gzipped);

  b64 = g_base64_encode (data, size);
  raw = g_strconcat (HW_COMPRESSED_PREFIX, b64, NULL);
  parse_wrapped (raw);
  return 0;
}
