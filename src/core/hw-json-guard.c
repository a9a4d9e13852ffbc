/* hw-json-guard.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "hw-compressed.h"
#include "hw-error.h"
#include "hw-json-guard.h"

/* The code unit of a \uXXXX escape at @p, or -1 if it is not one. */
static gint
escape_unit (const char *p,
             const char *end)
{
  gint unit = 0;

  if (end - p < 6 || p[0] != '\\' || p[1] != 'u')
    return -1;
  for (guint i = 2; i < 6; i++)
    {
      gint digit = g_ascii_xdigit_value (p[i]);

      if (digit < 0)
        return -1;
      unit = unit * 16 + digit;
    }
  return unit;
}

/* The one-character escapes RFC 8259 defines. */
static gboolean
is_short_escape (char c)
{
  return c != '\0' && strchr ("\"\\/bfnrt", c) != NULL;
}

/* json-glib 1.6 accepts any character after a backslash: it decodes "\255"
 * as the octal byte 0xad (invalid UTF-8 on its own), "\0" as a NUL that
 * cuts the string short, and drops the backslash of "\x41", "\'" or "\a".
 * None of these is JSON, and each would store something other than what
 * the producer meant, so they are refused before json-glib decodes them.
 * Returns 2 for a valid short escape, or 0 after setting @error. */
static gsize
check_short_escape (const char *data,
                    const char *p,
                    const char *end,
                    const char *what,
                    GError    **error)
{
  guchar c;

  /* A backslash ending the text is an unterminated string: the parser's. */
  if (end - p < 2 || is_short_escape (p[1]))
    return 2;

  /* Only printable ASCII is quoted, so the message stays valid UTF-8. */
  c = (guchar) p[1];
  if (c > 0x20 && c < 0x7f)
    g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON,
                 "%s: invalid escape '\\%c' in a string at byte offset %" G_GSIZE_FORMAT,
                 what, c, (gsize) (p - data));
  else
    g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON,
                 "%s: invalid escape (backslash before byte 0x%02x) in a string at byte offset %"
                 G_GSIZE_FORMAT, what, c, (gsize) (p - data));
  return 0;
}

/* json-glib turns an unpaired surrogate escape into invalid UTF-8 and cuts
 * a string short at \u0000, so both are refused here like raw bytes are.
 * Returns how many bytes the escape at @p spans, or 0 after setting @error. */
static gsize
check_escape (const char *data,
              const char *p,
              const char *end,
              const char *what,
              GError    **error)
{
  gint unit = escape_unit (p, end);
  gint low;

  /* json-glib decodes a \u with fewer than four hex digits into a lone
   * surrogate and puts those invalid UTF-8 bytes in its error message. */
  if (unit < 0 && end - p >= 2 && p[1] == 'u')
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON,
                   "%s: \\u escape without four hex digits at byte offset %" G_GSIZE_FORMAT,
                   what, (gsize) (p - data));
      return 0;
    }
  if (unit < 0)
    return check_short_escape (data, p, end, what, error);

  if (unit == 0)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_UTF8,
                   "%s: escaped NUL character at byte offset %" G_GSIZE_FORMAT,
                   what, (gsize) (p - data));
      return 0;
    }
  if (unit < 0xd800 || unit > 0xdfff)
    return 6;

  low = escape_unit (p + 6, end);
  if (unit <= 0xdbff && low >= 0xdc00 && low <= 0xdfff)
    return 12;

  g_set_error (error, HW_ERROR, HW_ERROR_INVALID_UTF8,
               "%s: unpaired UTF-16 surrogate escape at byte offset %" G_GSIZE_FORMAT,
               what, (gsize) (p - data));
  return 0;
}

gboolean
hw_json_guard_check (const char *data,
                     gsize       length,
                     gsize       max_bytes,
                     guint       max_depth,
                     const char *what,
                     HwJsonScan *scan,
                     GError    **error)
{
  guint depth = 0;
  guint deepest = 0;
  gboolean in_string = FALSE;
  gboolean compact = TRUE;
  gboolean may_compress = FALSE;
  gboolean have_value = FALSE;   /* a top-level value has begun */

  g_return_val_if_fail (data != NULL || length == 0, FALSE);

  if (what == NULL)
    what = "event";

  if (length > max_bytes)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_TOO_LARGE,
                   "%s: %" G_GSIZE_FORMAT " bytes exceeds the limit of %" G_GSIZE_FORMAT " bytes",
                   what, length, max_bytes);
      return FALSE;
    }

  /* One pass for UTF-8 and structure: lines are mostly ASCII, and a
   * multi-byte sequence is validated where it is met. */
  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];

      if ((guchar) c >= 0x80)
        {
          gunichar ch = g_utf8_get_char_validated (data + i, length - i);

          /* Rejected rather than repaired: a replaced byte would silently
           * change the id or payload that replays deliver, and the producer
           * should learn that it emits broken text. */
          if (ch == (gunichar) -1 || ch == (gunichar) -2)
            {
              g_set_error (error, HW_ERROR, HW_ERROR_INVALID_UTF8,
                           "%s: invalid UTF-8 at byte offset %" G_GSIZE_FORMAT, what, i);
              return FALSE;
            }
          i += g_utf8_skip[(guchar) c] - 1;
          continue;
        }
      if (c == '\0')
        {
          g_set_error (error, HW_ERROR, HW_ERROR_INVALID_UTF8,
                       "%s: NUL byte at byte offset %" G_GSIZE_FORMAT, what, i);
          return FALSE;
        }

      if (in_string)
        {
          if (c == '\\')
            {
              gsize span = check_escape (data, data + i, data + length, what, error);

              if (span == 0)
                return FALSE;
              /* An escape may spell the prefix: only a tree walk can tell. */
              if (span >= 6)
                may_compress = TRUE;
              i += span - 1;
            }
          else if (c == '"')
            in_string = FALSE;
          continue;
        }

      /* json-glib 1.6 accepts `{…}{…}` and `true []`: it keeps the first
       * value and leaks the rest. A second value must never pass silently
       * (it would be a dropped event), so a container opening at the top
       * level after anything else is refused here. */
      if (depth == 0 && (c == '[' || c == '{') && have_value)
        {
          g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON,
                       "%s: a second JSON value starts at byte offset %" G_GSIZE_FORMAT,
                       what, i);
          return FALSE;
        }
      if (depth == 0 && !g_ascii_isspace (c))
        have_value = TRUE;

      switch (c)
        {
        case '"':
          in_string = TRUE;
          /* Keys match too: a false positive only costs the full walk. */
          if (length - i >= sizeof HW_COMPRESSED_PREFIX
              && memcmp (data + i + 1, HW_COMPRESSED_PREFIX, sizeof HW_COMPRESSED_PREFIX - 1) == 0)
            may_compress = TRUE;
          break;
        case '[':
        case '{':
          if (++depth > max_depth)
            {
              g_set_error (error, HW_ERROR, HW_ERROR_TOO_DEEP,
                           "%s: nesting deeper than %u levels at byte offset %" G_GSIZE_FORMAT,
                           what, max_depth, i);
              return FALSE;
            }
          deepest = MAX (deepest, depth);
          break;
        case ']':
        case '}':
          /* Unbalanced closers are the parser's to report. */
          if (depth > 0)
            depth--;
          break;
        case ' ':
        case '\t':
        case '\n':
        case '\r':
          compact = FALSE;
          break;
        default:
          break;
        }
    }

  if (scan != NULL)
    {
      scan->depth = deepest;
      scan->compact = compact;
      scan->may_compress = may_compress;
    }
  return TRUE;
}

gboolean
hw_json_guard_is_blank (const char *data,
                        gsize       length)
{
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isspace (data[i]))
      return FALSE;
  return TRUE;
}

/* json-glib says "<data>:1:23: Parse error: unexpected …"; a line has one
 * line, so the column is what locates the problem. Its message can quote
 * the input decoded. The guard refuses the escapes json-glib 1.6 decodes
 * into invalid UTF-8 (an octal "\255" as byte 0xad), but another version
 * may decode others, and the message goes to clients, terminals and logs:
 * so it is still made valid UTF-8. */
static char *
describe_parse_error (const GError *parse_error)
{
  g_autofree char *message = g_utf8_make_valid (parse_error->message, -1);
  guint line = 0;
  guint column = 0;
  int consumed = 0;

  if (sscanf (message, "<data>:%u:%u: Parse error: %n", &line, &column, &consumed) != 2
      || consumed == 0)
    return g_strdup_printf ("invalid JSON: %s", message);
  if (line <= 1)
    return g_strdup_printf ("invalid JSON at column %u: %s", column, message + consumed);
  return g_strdup_printf ("invalid JSON at line %u, column %u: %s", line, column, message + consumed);
}

void
hw_json_guard_set_parse_error (GError       **error,
                               const char    *what,
                               const GError  *parse_error)
{
  g_autofree char *described = NULL;

  g_return_if_fail (parse_error != NULL);

  described = describe_parse_error (parse_error);
  if (what != NULL)
    g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON, "%s: %s", what, described);
  else
    g_set_error_literal (error, HW_ERROR, HW_ERROR_INVALID_JSON, described);
}

JsonNode *
hw_json_guard_parse (const char  *data,
                     gsize        length,
                     gsize        max_bytes,
                     guint        max_depth,
                     const char  *what,
                     GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) parse_error = NULL;
  JsonNode *root;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (what != NULL, NULL);

  if (!hw_json_guard_check (data, length, max_bytes, max_depth, what, NULL, error))
    return NULL;

  /* Mutable nodes, like json_from_string()'s: callers may copy parts of
   * the tree into trees of their own. json-glib refuses NULL even with a
   * length of 0, which an empty HTTP body gives. */
  parser = json_parser_new ();
  if (length > 0 && !json_parser_load_from_data (parser, data, (gssize) length, &parse_error))
    {
      hw_json_guard_set_parse_error (error, what, parse_error);
      return NULL;
    }
  root = length > 0 ? json_parser_get_root (parser) : NULL;
  if (root == NULL)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON, "%s: empty JSON text", what);
      return NULL;
    }
  return json_node_ref (root);
}
