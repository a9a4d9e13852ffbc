/* test-time.c: time expressions (epoch ms, ISO-8601, now-relative) and their errors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-error.h"
#include "hw-test-util.h"
#include "hw-time.h"

/* A Sunday afternoon, with milliseconds, so rounding has work to do. */
#define NOW_MS G_GINT64_CONSTANT (1795355255123)  /* 2026-11-22T13:47:35.123Z */

static void
test_time_format (void)
{
  static const struct { gint64 ms; const char *iso; } table[] = {
    { NOW_MS, "2026-11-22T13:47:35.123Z" },
    { 0, "1970-01-01T00:00:00.000Z" },
    { -1, "1969-12-31T23:59:59.999Z" },
    { 1000, "1970-01-01T00:00:01.000Z" },
    { G_GINT64_CONSTANT (253402300799999), "9999-12-31T23:59:59.999Z" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      g_autofree char *iso = hw_time_format_iso8601 (table[i].ms);

      g_assert_cmpstr (iso, ==, table[i].iso);
    }
}

static void
test_time_parse_valid (void)
{
  static const struct { const char *text; HwTimeRound round; const char *expected; } table[] = {
    { "now", HW_TIME_ROUND_DOWN, "2026-11-22T13:47:35.123Z" },
    { "  now  ", HW_TIME_ROUND_UP, "2026-11-22T13:47:35.123Z" },
    { "now-15m", HW_TIME_ROUND_DOWN, "2026-11-22T13:32:35.123Z" },
    { "now-1h", HW_TIME_ROUND_DOWN, "2026-11-22T12:47:35.123Z" },
    { "now+30s", HW_TIME_ROUND_DOWN, "2026-11-22T13:48:05.123Z" },
    { "now-7d", HW_TIME_ROUND_DOWN, "2026-11-15T13:47:35.123Z" },
    { "now/d", HW_TIME_ROUND_DOWN, "2026-11-22T00:00:00.000Z" },
    /* Upper bounds are exclusive, so rounding up lands on the next unit. */
    { "now/d", HW_TIME_ROUND_UP, "2026-11-23T00:00:00.000Z" },
    { "now-7d/d", HW_TIME_ROUND_DOWN, "2026-11-15T00:00:00.000Z" },
    { "now-7d/d", HW_TIME_ROUND_UP, "2026-11-16T00:00:00.000Z" },
    { "now/h", HW_TIME_ROUND_DOWN, "2026-11-22T13:00:00.000Z" },
    { "now/m", HW_TIME_ROUND_UP, "2026-11-22T13:48:00.000Z" },
    { "now/s", HW_TIME_ROUND_DOWN, "2026-11-22T13:47:35.000Z" },
    /* Weeks start on Monday; the fixed now is a Sunday. */
    { "now/w", HW_TIME_ROUND_DOWN, "2026-11-16T00:00:00.000Z" },
    { "now-1w/w", HW_TIME_ROUND_DOWN, "2026-11-09T00:00:00.000Z" },
    { "now-1w/w", HW_TIME_ROUND_UP, "2026-11-16T00:00:00.000Z" },
    { "now/M", HW_TIME_ROUND_DOWN, "2026-11-01T00:00:00.000Z" },
    { "now/M", HW_TIME_ROUND_UP, "2026-12-01T00:00:00.000Z" },
    { "now-1M", HW_TIME_ROUND_DOWN, "2026-10-22T13:47:35.123Z" },
    { "now/y", HW_TIME_ROUND_UP, "2027-01-01T00:00:00.000Z" },
    { "now-2y/y", HW_TIME_ROUND_DOWN, "2024-01-01T00:00:00.000Z" },
    { "now/d+8h", HW_TIME_ROUND_DOWN, "2026-11-22T08:00:00.000Z" },
    { "2026-11-01", HW_TIME_ROUND_DOWN, "2026-11-01T00:00:00.000Z" },
    { "2026-11-01T00:00:00Z", HW_TIME_ROUND_DOWN, "2026-11-01T00:00:00.000Z" },
    { "2026-11-01T10:20", HW_TIME_ROUND_DOWN, "2026-11-01T10:20:00.000Z" },
    { "2026-11-01 10:20:30", HW_TIME_ROUND_DOWN, "2026-11-01T10:20:30.000Z" },
    { "2026-11-01T10:20:30.5Z", HW_TIME_ROUND_DOWN, "2026-11-01T10:20:30.500Z" },
    { "2026-11-01T10:20:30.123456Z", HW_TIME_ROUND_DOWN, "2026-11-01T10:20:30.123Z" },
    { "2026-11-01T10:20:30+02:00", HW_TIME_ROUND_DOWN, "2026-11-01T08:20:30.000Z" },
    { "2026-11-01T10:20:30-0130", HW_TIME_ROUND_DOWN, "2026-11-01T11:50:30.000Z" },
    { "2026-11-01T01:00:00+02", HW_TIME_ROUND_DOWN, "2026-10-31T23:00:00.000Z" },
    { "2024-02-29", HW_TIME_ROUND_DOWN, "2024-02-29T00:00:00.000Z" },
    { "1795355255123", HW_TIME_ROUND_DOWN, "2026-11-22T13:47:35.123Z" },
    { "0", HW_TIME_ROUND_DOWN, "1970-01-01T00:00:00.000Z" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *iso = NULL;
      gint64 ms = -42;

      g_test_message ("%s", table[i].text);
      g_assert_true (hw_time_parse (table[i].text, NOW_MS, table[i].round, &ms, &error));
      g_assert_no_error (error);
      iso = hw_time_format_iso8601 (ms);
      g_assert_cmpstr (iso, ==, table[i].expected);
    }
}

static void
test_time_parse_errors (void)
{
  /* offset is 0-based, into the text as given; the message says offset + 1. */
  static const struct { const char *text; guint offset; const char *fragment; } table[] = {
    { "", 0, "empty" },
    { "yesterday", 0, "expected epoch milliseconds" },
    { "now-", 4, "expected a number" },
    { "now-15", 6, "expected a unit" },
    { "now-15x", 6, "expected a unit" },
    { "now/q", 4, "expected a unit" },
    { "nowhere", 3, "expected '+', '-' or '/'" },
    { "now-99999999999d", 4, "too large" },
    { "now-9000y", 3, "outside the years" },
    { "  now-1z", 7, "expected a unit" },
    { "2026-13-01", 5, "month must be 01–12" },
    { "2026-02-30", 8, "no day 30" },
    { "2025-02-29", 8, "no day 29" },
    { "2026-11-01T25:00", 11, "hour must be" },
    { "2026-11-01T10-00", 13, "expected ':'" },
    { "2026-11-01T10:00:00.Z", 20, "digits after the decimal point" },
    { "2026-11-01T10:00:00Q", 19, "expected 'Z'" },
    { "2026-11-01T10:00:00+2", 20, "expected 2 digits" },
    { "2026-11-01x", 10, "unexpected 'x'" },
    { "2026-1-01", 5, "expected 2 digits for the month" },
    { "99999999999999999999", 0, "out of range" },
    { "now-1h\xff", 6, "invalid UTF-8" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *position = g_strdup_printf ("position %u", table[i].offset + 1);
      gint64 ms = 0;
      g_autofree char *escaped = g_strescape (table[i].text, NULL);
      guint offset = 999;

      g_test_message ("%s", escaped);
      g_assert_false (hw_time_parse_with_offset (table[i].text, NOW_MS, HW_TIME_ROUND_DOWN,
                                                 &ms, &offset, &error));
      g_assert_error (error, HW_ERROR, HW_ERROR_INVALID_TIME);
      g_assert_cmpuint (offset, ==, table[i].offset);
      g_assert_nonnull (strstr (error->message, table[i].fragment));
      /* Leading blanks are stripped before the message is built. */
      if (!g_ascii_isspace (table[i].text[0]))
        g_assert_nonnull (strstr (error->message, position));
    }
}

static void
test_time_now_is_sane (void)
{
  gint64 now = hw_time_now_ms ();

  /* After this code was written and before GDateTime's horizon. */
  g_assert_cmpint (now, >, NOW_MS - G_GINT64_CONSTANT (365) * 86400 * 1000);
  g_assert_cmpint (now, <, G_GINT64_CONSTANT (253402300799999));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/time/format", test_time_format);
  g_test_add_func ("/time/parse-valid", test_time_parse_valid);
  g_test_add_func ("/time/parse-errors", test_time_parse_errors);
  g_test_add_func ("/time/now-is-sane", test_time_now_is_sane);
  return g_test_run ();
}
