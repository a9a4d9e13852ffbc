/* hw-time.c: time bounds from epoch milliseconds, ISO-8601 or Grafana-style relative expressions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-error.h"
#include "hw-time.h"

/* GDateTime covers years 1..9999; staying inside it keeps every later
 * formatting call valid. */
#define MIN_MS G_GINT64_CONSTANT (-62135596800000)  /* 0001-01-01T00:00:00Z */
#define MAX_MS G_GINT64_CONSTANT (253402300799999)  /* 9999-12-31T23:59:59.999Z */

typedef struct
{
  const char *text;     /* the whole expression, for error offsets */
  const char *p;        /* the scan position */
  guint       offset;   /* where the error is, once one is set */
  GError    **error;
} Scanner;

static gboolean G_GNUC_PRINTF (3, 4)
scanner_fail (Scanner    *s,
              const char *at,
              const char *format,
              ...)
{
  g_autofree char *reason = NULL;
  va_list args;

  s->offset = (guint) g_utf8_pointer_to_offset (s->text, at);
  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (s->error, HW_ERROR, HW_ERROR_INVALID_TIME,
               "Invalid time '%s' at position %u: %s", s->text, s->offset + 1, reason);
  return FALSE;
}

gint64
hw_time_now_ms (void)
{
  return g_get_real_time () / 1000;
}

/* GLib 2.74 has no millisecond constructor, so split into whole seconds
 * (floored, so negative times work) and the remainder. */
static GDateTime *
date_time_from_ms (gint64 ms)
{
  g_autoptr(GDateTime) seconds = NULL;
  gint64 whole = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);

  seconds = g_date_time_new_from_unix_utc (whole);
  if (seconds == NULL)
    return NULL;
  return g_date_time_add (seconds, (ms - whole * 1000) * G_TIME_SPAN_MILLISECOND);
}

static gint64
date_time_to_ms (GDateTime *dt)
{
  return g_date_time_to_unix (dt) * 1000 + g_date_time_get_microsecond (dt) / 1000;
}

char *
hw_time_format_iso8601 (gint64 ms)
{
  g_autoptr(GDateTime) dt = date_time_from_ms (CLAMP (ms, MIN_MS, MAX_MS));
  g_autofree char *seconds = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");

  return g_strdup_printf ("%s.%03dZ", seconds, g_date_time_get_microsecond (dt) / 1000);
}

/* Reads exactly @n_digits ASCII digits. */
static gboolean
scan_fixed_digits (Scanner    *s,
                   guint       n_digits,
                   const char *what,
                   int        *out)
{
  int value = 0;

  for (guint i = 0; i < n_digits; i++)
    {
      if (!g_ascii_isdigit (s->p[i]))
        return scanner_fail (s, s->p, "expected %u digits for the %s", n_digits, what);
      value = value * 10 + (s->p[i] - '0');
    }
  s->p += n_digits;
  *out = value;
  return TRUE;
}

static gboolean
scan_expected (Scanner    *s,
               char        c,
               const char *what)
{
  if (*s->p != c)
    return scanner_fail (s, s->p, "expected '%c' %s", c, what);
  s->p++;
  return TRUE;
}

static gboolean
scan_range (Scanner    *s,
            const char *at,
            int         value,
            int         min,
            int         max,
            const char *what)
{
  if (value < min || value > max)
    return scanner_fail (s, at, "%s must be %02d–%02d", what, min, max);
  return TRUE;
}

/* `Z`, `+hh:mm`, `+hhmm`, `+hh` (or `-`) → seconds east of UTC. */
static gboolean
scan_zone (Scanner *s,
           int     *out_seconds)
{
  const char *start = s->p;
  int sign, hours = 0, minutes = 0;

  *out_seconds = 0;
  if (*s->p == '\0')
    return TRUE;
  if (*s->p == 'Z' || *s->p == 'z')
    {
      s->p++;
      return TRUE;
    }
  if (*s->p != '+' && *s->p != '-')
    return scanner_fail (s, s->p, "expected 'Z' or a UTC offset like +02:00");
  sign = *s->p == '-' ? -1 : 1;
  s->p++;
  if (!scan_fixed_digits (s, 2, "offset hours", &hours))
    return FALSE;
  if (*s->p == ':')
    s->p++;
  if (*s->p != '\0' && !scan_fixed_digits (s, 2, "offset minutes", &minutes))
    return FALSE;
  if (hours > 23 || minutes > 59)
    return scanner_fail (s, start, "UTC offset out of range");
  *out_seconds = sign * (hours * 3600 + minutes * 60);
  return TRUE;
}

/* hh:mm[:ss[.fraction]] after the date/time separator. */
static gboolean
scan_clock (Scanner *s,
            int     *hour,
            int     *minute,
            int     *second,
            int     *millis)
{
  const char *at = s->p;

  if (!scan_fixed_digits (s, 2, "hour", hour) || !scan_range (s, at, *hour, 0, 23, "the hour"))
    return FALSE;
  if (!scan_expected (s, ':', "between hour and minute"))
    return FALSE;
  at = s->p;
  if (!scan_fixed_digits (s, 2, "minute", minute) || !scan_range (s, at, *minute, 0, 59, "the minute"))
    return FALSE;
  if (*s->p != ':')
    return TRUE;
  s->p++;
  at = s->p;
  if (!scan_fixed_digits (s, 2, "second", second) || !scan_range (s, at, *second, 0, 59, "the second"))
    return FALSE;
  if (*s->p != '.' && *s->p != ',')
    return TRUE;
  s->p++;
  if (!g_ascii_isdigit (*s->p))
    return scanner_fail (s, s->p, "expected digits after the decimal point");
  /* Only milliseconds are kept; further digits are truncated. */
  for (int scale = 100; g_ascii_isdigit (*s->p); s->p++, scale /= 10)
    *millis += (*s->p - '0') * scale;
  return TRUE;
}

static gboolean
parse_iso8601 (Scanner *s,
               gint64  *out_ms)
{
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(GDateTime) dt = NULL;
  const char *day_at, *month_at;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0, zone = 0;

  if (!scan_fixed_digits (s, 4, "year", &year) || !scan_expected (s, '-', "after the year"))
    return FALSE;
  month_at = s->p;
  if (!scan_fixed_digits (s, 2, "month", &month) || !scan_range (s, month_at, month, 1, 12, "the month"))
    return FALSE;
  if (!scan_expected (s, '-', "after the month"))
    return FALSE;
  day_at = s->p;
  if (!scan_fixed_digits (s, 2, "day", &day) || !scan_range (s, day_at, day, 1, 31, "the day"))
    return FALSE;

  if (*s->p == 'T' || *s->p == 't' || *s->p == ' ')
    {
      s->p++;
      if (!scan_clock (s, &hour, &minute, &second, &millis) || !scan_zone (s, &zone))
        return FALSE;
    }
  if (*s->p != '\0')
    return scanner_fail (s, s->p, "unexpected '%c' after the date", *s->p);

  tz = g_time_zone_new_offset (zone);
  dt = g_date_time_new (tz, year, month, day, hour, minute, second);
  if (dt == NULL)
    return scanner_fail (s, day_at, "no day %02d in %04d-%02d", day, year, month);
  *out_ms = date_time_to_ms (dt) + millis;
  return TRUE;
}

static gboolean
parse_epoch_ms (Scanner *s,
                gint64  *out_ms)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (s->p, 10, 0, (guint64) MAX_MS, &value, NULL))
    return scanner_fail (s, s->p, "epoch milliseconds out of range");
  *out_ms = (gint64) value;
  return TRUE;
}

static GDateTime *
add_units (GDateTime *dt,
           char       unit,
           int        amount)
{
  switch (unit)
    {
    case 's': return g_date_time_add_seconds (dt, amount);
    case 'm': return g_date_time_add_minutes (dt, amount);
    case 'h': return g_date_time_add_hours (dt, amount);
    case 'd': return g_date_time_add_days (dt, amount);
    case 'w': return g_date_time_add_weeks (dt, amount);
    case 'M': return g_date_time_add_months (dt, amount);
    case 'y': return g_date_time_add_years (dt, amount);
    default: g_assert_not_reached ();
    }
}

static GDateTime *
start_of_unit (GDateTime *dt,
               char       unit)
{
  int y = g_date_time_get_year (dt);
  int mo = g_date_time_get_month (dt);
  int d = g_date_time_get_day_of_month (dt);
  int h = g_date_time_get_hour (dt);
  int mi = g_date_time_get_minute (dt);
  int s = g_date_time_get_second (dt);
  g_autoptr(GDateTime) day = NULL;

  switch (unit)
    {
    case 's': return g_date_time_new_utc (y, mo, d, h, mi, s);
    case 'm': return g_date_time_new_utc (y, mo, d, h, mi, 0);
    case 'h': return g_date_time_new_utc (y, mo, d, h, 0, 0);
    case 'd': return g_date_time_new_utc (y, mo, d, 0, 0, 0);
    case 'M': return g_date_time_new_utc (y, mo, 1, 0, 0, 0);
    case 'y': return g_date_time_new_utc (y, 1, 1, 0, 0, 0);
    case 'w':
      day = g_date_time_new_utc (y, mo, d, 0, 0, 0);
      return day ? g_date_time_add_days (day, 1 - g_date_time_get_day_of_week (day)) : NULL;
    default: g_assert_not_reached ();
    }
}

static gboolean
scan_unit (Scanner *s,
           char    *unit)
{
  if (*s->p == '\0' || strchr ("smhdwMy", *s->p) == NULL)
    return scanner_fail (s, s->p, "expected a unit (s m h d w M y)");
  *unit = *s->p++;
  return TRUE;
}

static gboolean
scan_amount (Scanner *s,
             int     *amount)
{
  const char *start = s->p;
  guint64 value = 0;

  if (!g_ascii_isdigit (*s->p))
    return scanner_fail (s, s->p, "expected a number");
  while (g_ascii_isdigit (*s->p))
    {
      value = value * 10 + (guint64) (*s->p++ - '0');
      if (value > 1000000000)
        return scanner_fail (s, start, "number too large");
    }
  *amount = (int) value;
  return TRUE;
}

/* now, then any sequence of ±N<unit> and /<unit>, applied left to right. */
static gboolean
parse_relative (Scanner     *s,
                gint64       now_ms,
                HwTimeRound  round,
                gint64      *out_ms)
{
  g_autoptr(GDateTime) dt = date_time_from_ms (CLAMP (now_ms, MIN_MS, MAX_MS));

  s->p += strlen ("now");
  while (*s->p != '\0')
    {
      const char *op_at = s->p;
      GDateTime *next;
      char op = *s->p++;
      char unit = 0;
      int amount = 0;

      if (op != '+' && op != '-' && op != '/')
        return scanner_fail (s, op_at, "expected '+', '-' or '/' after now");
      if (op != '/' && !scan_amount (s, &amount))
        return FALSE;
      if (!scan_unit (s, &unit))
        return FALSE;

      if (op == '/')
        {
          next = start_of_unit (dt, unit);
          if (next != NULL && round == HW_TIME_ROUND_UP)
            {
              GDateTime *start = next;

              next = add_units (start, unit, 1);
              g_date_time_unref (start);
            }
        }
      else
        next = add_units (dt, unit, op == '-' ? -amount : amount);

      if (next == NULL)
        return scanner_fail (s, op_at, "the result is outside the years 1–9999");
      g_date_time_unref (dt);
      dt = next;
    }
  *out_ms = date_time_to_ms (dt);
  return TRUE;
}

static gboolean
all_digits (const char *text)
{
  if (*text == '\0')
    return FALSE;
  for (; *text != '\0'; text++)
    if (!g_ascii_isdigit (*text))
      return FALSE;
  return TRUE;
}

gboolean
hw_time_parse_with_offset (const char  *text,
                           gint64       now_ms,
                           HwTimeRound  round,
                           gint64      *out_ms,
                           guint       *error_offset,
                           GError     **error)
{
  g_autofree char *stripped = NULL;
  Scanner s = { 0 };
  const char *invalid = NULL;
  guint lead = 0;
  gint64 ms = 0;
  gboolean ok;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (out_ms != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (error_offset != NULL)
    *error_offset = 0;
  if (!g_utf8_validate (text, -1, &invalid))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_TIME,
                   "Invalid time at position %ld: invalid UTF-8",
                   g_utf8_pointer_to_offset (text, invalid) + 1);
      if (error_offset != NULL)
        *error_offset = (guint) g_utf8_pointer_to_offset (text, invalid);
      return FALSE;
    }

  while (g_ascii_isspace (text[lead]))
    lead++;
  stripped = g_strstrip (g_strdup (text));
  s.text = s.p = stripped;
  s.error = error;

  if (*stripped == '\0')
    ok = scanner_fail (&s, s.p, "empty");
  else if (g_str_has_prefix (stripped, "now"))
    ok = parse_relative (&s, now_ms, round, &ms);
  else if (all_digits (stripped))
    ok = parse_epoch_ms (&s, &ms);
  else if (g_ascii_isdigit (*stripped))
    ok = parse_iso8601 (&s, &ms);
  else
    ok = scanner_fail (&s, s.p, "expected epoch milliseconds, an ISO-8601 date or now[-N<unit>][/<unit>]");

  if (ok && (ms < MIN_MS || ms > MAX_MS))
    ok = scanner_fail (&s, stripped, "outside the years 1–9999");
  if (!ok)
    {
      if (error_offset != NULL)
        *error_offset = s.offset + lead;
      return FALSE;
    }
  *out_ms = ms;
  return TRUE;
}

gboolean
hw_time_parse (const char  *text,
               gint64       now_ms,
               HwTimeRound  round,
               gint64      *out_ms,
               GError     **error)
{
  return hw_time_parse_with_offset (text, now_ms, round, out_ms, NULL, error);
}
