/* hw-event-scan.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-compressed.h"
#include "hw-event-scan.h"
#include "hw-mask.h"

/* Building a json-glib tree (a hash table, a list and a boxed node per
 * member) costs several times reading the text, and an import needs only
 * the envelope's fields and the string values. This reader does that in
 * one pass and declines, rather than reports, anything unusual: the tree
 * parser stays the one place that decides what is an error and says why.
 * Declining is always safe; accepting must mean hw_event_parse() accepts
 * the line with the same fields. */

/* Same bounds as the parser's timestamp check (hw-event.c). */
#define MIN_TIMESTAMP_MS G_GINT64_CONSTANT (946684800000)
#define MAX_TIMESTAMP_MS G_GINT64_CONSTANT (4102444800000)

/* Fewer digits in one string cannot make a card number. */
#define CARD_MIN_DIGITS 13

typedef enum
{
  KIND_NONE,      /* the member is absent */
  KIND_STRING,
  KIND_INT,
  KIND_DOUBLE,
  KIND_BOOL,
  KIND_NULL,
  KIND_OBJECT,
  KIND_ARRAY,
} Kind;

typedef struct
{
  Kind        kind;
  const char *start;       /* the value's text; a string's without quotes */
  const char *end;
  gboolean    escaped;     /* a string with escapes to decode */
  gint64      integer;
  gsize       text_start;  /* its words in the text buffer */
  gsize       text_end;
  guint       noncanon;    /* non-canonical tokens inside */
} Value;

typedef struct
{
  const char *p;
  const char *end;
  guint       depth;
  guint       max_depth;
  GString    *text;
  guint       noncanon;    /* tokens json-glib would write differently */
  gboolean    has_eem;
  gboolean    has_at;
  gboolean    has_card_number;
} Scan;

static gboolean scan_value (Scan *s, gboolean emit, Value *value);

enum { CLASS_PLAIN, CLASS_DIGIT, CLASS_AT, CLASS_STOP };

/* What ends a run of plain string bytes: the quote, a backslash, control
 * characters, DEL (which json-glib writes as \u007f) and the start of a
 * multi-byte sequence. */
#define STOP4 CLASS_STOP, CLASS_STOP, CLASS_STOP, CLASS_STOP
#define STOP16 STOP4, STOP4, STOP4, STOP4
static const guint8 char_class[256] = {
  STOP16, STOP16,                                      /* 0x00-0x1f */
  0, 0, CLASS_STOP, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
  CLASS_AT, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, CLASS_STOP, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, CLASS_STOP,
  STOP16, STOP16, STOP16, STOP16, STOP16, STOP16, STOP16, STOP16,  /* 0x80-0xff */
};

/* The escapes json-glib writes back the same way; \u and \/ are declined. */
static gboolean
decode_escape (char  c,
               char *out)
{
  switch (c)
    {
    case '"': *out = '"'; return TRUE;
    case '\\': *out = '\\'; return TRUE;
    case 'n': *out = '\n'; return TRUE;
    case 't': *out = '\t'; return TRUE;
    case 'r': *out = '\r'; return TRUE;
    case 'b': *out = '\b'; return TRUE;
    case 'f': *out = '\f'; return TRUE;
    default: return FALSE;
    }
}

/* At an opening quote. With @emit the decoded string goes to the text as
 * " word" unless empty. @is_value: keys are not masked, values are. */
static gboolean
scan_string (Scan     *s,
             gboolean  emit,
             gboolean  is_value,
             Value    *value)
{
  const char *p = s->p + 1;
  const char *end = s->end;
  guint digits = 0;
  gboolean at = FALSE;

  value->kind = KIND_STRING;
  value->start = p;
  value->escaped = FALSE;
  if ((gsize) (end - p) >= sizeof HW_COMPRESSED_PREFIX - 1
      && memcmp (p, HW_COMPRESSED_PREFIX, sizeof HW_COMPRESSED_PREFIX - 1) == 0)
    return FALSE;
  if (emit && p < end && *p != '"')
    g_string_append_c (s->text, ' ');

  for (;;)
    {
      const char *run = p;
      guchar c = 0;
      guint8 k;

      /* One table lookup per byte: strings are most of a line. */
      while (p < end && (k = char_class[c = (guchar) *p]) != CLASS_STOP)
        {
          if (G_UNLIKELY (k != CLASS_PLAIN))
            {
              if (k == CLASS_DIGIT)
                digits++;
              else
                at = TRUE;
            }
          p++;
        }
      if (emit && p > run)
        g_string_append_len (s->text, run, p - run);
      if (p >= end || c < 0x20)
        return FALSE;
      if (c == '"')
        break;

      if (c == '\\')
        {
          char decoded;

          if (p + 1 >= end || !decode_escape (p[1], &decoded))
            return FALSE;
          if (decoded == '\b' || decoded == '\f')
            s->noncanon++;
          if (emit)
            g_string_append_c (s->text, decoded);
          value->escaped = TRUE;
          p += 2;
          continue;
        }

      if (c == 0x7f)
        {
          s->noncanon++;
          if (emit)
            g_string_append_c (s->text, (char) c);
          p++;
          continue;
        }

      /* Validated as the guard does, so that both agree on what is UTF-8. */
      {
        gunichar ch = g_utf8_get_char_validated (p, end - p);
        guint skip = g_utf8_skip[c];

        if (ch == (gunichar) -1 || ch == (gunichar) -2)
          return FALSE;
        if (emit)
          g_string_append_len (s->text, p, skip);
        p += skip;
      }
    }

  value->end = p;
  s->p = p + 1;
  if (is_value)
    {
      s->has_at |= at;
      /* Most strings hold fewer digits than any card number: only those
       * that do are read again. Escapes cannot make digits, spaces or
       * dashes, so the raw text has the same runs as the decoded one. */
      if (digits >= CARD_MIN_DIGITS && !s->has_card_number)
        s->has_card_number = hw_mask_text_has_card_number (value->start, value->end - value->start);
    }
  return TRUE;
}

static gboolean
scan_number (Scan  *s,
             Value *value)
{
  const char *p = s->p;
  const char *end = s->end;
  gboolean negative = FALSE;
  guint64 magnitude = 0;
  guint n_digits = 0;

  if (*p == '-')
    {
      negative = TRUE;
      p++;
    }
  if (p >= end || *p < '0' || *p > '9')
    return FALSE;
  if (*p == '0')
    p++;
  else
    while (p < end && *p >= '0' && *p <= '9')
      {
        /* Beyond 18 digits json-glib's own conversion decides. */
        if (++n_digits > 18)
          return FALSE;
        magnitude = magnitude * 10 + (guint64) (*p - '0');
        p++;
      }

  value->kind = KIND_INT;
  if (p < end && *p == '.')
    {
      p++;
      if (p >= end || *p < '0' || *p > '9')
        return FALSE;
      while (p < end && *p >= '0' && *p <= '9')
        p++;
      value->kind = KIND_DOUBLE;
      s->noncanon++;
    }
  if (p < end && (*p == 'e' || *p == 'E'))
    return FALSE;

  /* "-0" comes back as "0". */
  if (negative && magnitude == 0 && value->kind == KIND_INT)
    s->noncanon++;
  value->integer = negative ? -(gint64) magnitude : (gint64) magnitude;
  value->start = s->p;
  value->end = p;
  s->p = p;
  return TRUE;
}

static gboolean
scan_literal (Scan       *s,
              const char *word,
              gsize       length,
              Kind        kind,
              Value      *value)
{
  if ((gsize) (s->end - s->p) < length || memcmp (s->p, word, length) != 0)
    return FALSE;
  value->kind = kind;
  value->start = s->p;
  value->end = s->p + length;
  s->p += length;
  return TRUE;
}

static gboolean
enter (Scan *s)
{
  if (++s->depth > s->max_depth)
    return FALSE;
  s->p++;
  return s->p < s->end;
}

/* After an element or member: a comma with more input after it, or CLOSE
 * (left for the caller to consume). Anything else is not ours to read. */
static gboolean
scan_separator (Scan     *s,
                char      close,
                gboolean *closed)
{
  *closed = FALSE;
  if (s->p >= s->end)
    return FALSE;
  if (*s->p == close)
    {
      *closed = TRUE;
      return TRUE;
    }
  if (*s->p != ',')
    return FALSE;
  s->p++;
  return s->p < s->end;
}

static gboolean
scan_array (Scan     *s,
            gboolean  emit)
{
  if (!enter (s))
    return FALSE;
  if (*s->p == ']')
    {
      s->p++;
      s->depth--;
      return TRUE;
    }

  for (;;)
    {
      Value element;
      gboolean closed;

      if (!scan_value (s, emit, &element) || !scan_separator (s, ']', &closed))
        return FALSE;
      if (closed)
        break;
    }
  s->p++;
  s->depth--;
  return TRUE;
}

static gboolean
key_is (const Value *key,
        const char  *name)
{
  gsize length = strlen (name);

  return !key->escaped && (gsize) (key->end - key->start) == length
         && memcmp (key->start, name, length) == 0;
}

/* An object whose members named in @names (NULL-terminated) are returned
 * in @found; a second member of one of those names is declined, since
 * json-glib keeps only the last. */
static gboolean
scan_object (Scan              *s,
             gboolean           emit,
             const char * const *names,
             Value             *found)
{
  if (!enter (s))
    return FALSE;
  if (*s->p == '}')
    {
      s->p++;
      s->depth--;
      return TRUE;
    }

  for (;;)
    {
      Value key;
      Value other;
      Value *target = &other;
      gboolean closed;

      if (*s->p != '"' || !scan_string (s, FALSE, FALSE, &key))
        return FALSE;
      if (s->p >= s->end || *s->p != ':')
        return FALSE;
      s->p++;
      if (s->p >= s->end)
        return FALSE;

      if (key_is (&key, "eem"))
        s->has_eem = TRUE;
      for (guint i = 0; names != NULL && names[i] != NULL; i++)
        if (key_is (&key, names[i]))
          {
            if (found[i].kind != KIND_NONE)
              return FALSE;
            target = &found[i];
            break;
          }

      if (!scan_value (s, emit, target) || !scan_separator (s, '}', &closed))
        return FALSE;
      if (closed)
        break;
    }
  s->p++;
  s->depth--;
  return TRUE;
}

static gboolean
scan_value (Scan     *s,
            gboolean  emit,
            Value    *value)
{
  const char *start = s->p;
  gboolean ok;

  value->text_start = s->text->len;
  value->noncanon = s->noncanon;
  switch (*s->p)
    {
    case '"':
      ok = scan_string (s, emit, TRUE, value);
      break;
    case '{':
      value->kind = KIND_OBJECT;
      ok = scan_object (s, emit, NULL, NULL);
      break;
    case '[':
      value->kind = KIND_ARRAY;
      ok = scan_array (s, emit);
      break;
    case 't':
      ok = scan_literal (s, "true", 4, KIND_BOOL, value);
      break;
    case 'f':
      ok = scan_literal (s, "false", 5, KIND_BOOL, value);
      break;
    case 'n':
      ok = scan_literal (s, "null", 4, KIND_NULL, value);
      break;
    default:
      ok = scan_number (s, value);
      break;
    }

  if (value->kind == KIND_OBJECT || value->kind == KIND_ARRAY)
    {
      value->start = start;
      value->end = s->p;
    }
  value->text_end = s->text->len;
  value->noncanon = s->noncanon - value->noncanon;
  return ok;
}

/* The members an envelope is made of, as hw-event.c reads them. */
enum
{
  M_ID, M_TYPE, M_TIMESTAMP, M_PARTITION_KEY, M_TAGS, M_ERR, M_UOW, M_DETAIL_TYPE, M_DETAIL,
  N_MEMBERS
};
static const char * const member_names[] = {
  "id", "type", "timestamp", "partitionKey", "tags", "err", "uow", "detail-type", "detail", NULL
};

enum { T_SOURCE, T_FUNCTIONNAME, T_PIPELINE, T_ACCOUNT, T_REGION, T_STAGE, N_TAGS };
static const char * const tag_names[] = {
  "source", "functionname", "pipeline", "account", "region", "stage", NULL
};

enum { E_NAME, E_MESSAGE, E_STACK, N_ERRS };
static const char * const err_names[] = { "name", "message", "stack", NULL };

typedef struct
{
  Value members[N_MEMBERS];
  Value tags[N_TAGS];
  Value errs[N_ERRS];
} Envelope;

/* The root object (or a wrapper's detail), tags and err read member by
 * member. */
static gboolean
scan_envelope (Scan     *s,
               Envelope *env)
{
  if (*s->p != '{' || !enter (s) || *s->p == '}')
    return FALSE;

  memset (env, 0, sizeof *env);
  for (;;)
    {
      Value key;
      Value other;
      Value *target = &other;
      guint member = N_MEMBERS;

      if (*s->p != '"' || !scan_string (s, FALSE, FALSE, &key))
        return FALSE;
      if (s->p >= s->end || *s->p != ':')
        return FALSE;
      s->p++;
      if (s->p >= s->end)
        return FALSE;

      if (key_is (&key, "eem"))
        s->has_eem = TRUE;
      for (guint i = 0; i < N_MEMBERS; i++)
        if (key_is (&key, member_names[i]))
          {
            if (env->members[i].kind != KIND_NONE)
              return FALSE;
            member = i;
            target = &env->members[i];
            break;
          }

      if (member == M_TAGS && *s->p == '{')
        {
          target->kind = KIND_OBJECT;
          target->start = s->p;
          target->text_start = s->text->len;
          target->noncanon = s->noncanon;
          if (!scan_object (s, TRUE, tag_names, env->tags))
            return FALSE;
          target->end = s->p;
          target->text_end = s->text->len;
          target->noncanon = s->noncanon - target->noncanon;
        }
      else if (member == M_ERR && *s->p == '{')
        {
          target->kind = KIND_OBJECT;
          if (!scan_object (s, TRUE, err_names, env->errs))
            return FALSE;
        }
      else if (!scan_value (s, TRUE, target))
        return FALSE;

      if (s->p >= s->end)
        return FALSE;
      if (*s->p == '}')
        break;
      if (*s->p != ',')
        return FALSE;
      s->p++;
      if (s->p >= s->end)
        return FALSE;
    }
  s->p++;
  s->depth--;
  return TRUE;
}

static char *
value_dup (const Value *value)
{
  char *copy;
  char *out;

  if (!value->escaped)
    return g_strndup (value->start, value->end - value->start);

  out = copy = g_malloc (value->end - value->start + 1);
  for (const char *p = value->start; p < value->end; p++)
    {
      if (*p == '\\')
        decode_escape (*++p, out++);
      else
        *out++ = *p;
    }
  *out = '\0';
  return copy;
}

static gboolean
is_optional_string (const Value *value)
{
  return value->kind == KIND_NONE || value->kind == KIND_NULL || value->kind == KIND_STRING;
}

static gboolean
is_optional_object (const Value *value)
{
  return value->kind == KIND_NONE || value->kind == KIND_NULL || value->kind == KIND_OBJECT;
}

static char *
optional_dup (const Value *value)
{
  return value->kind == KIND_STRING ? value_dup (value) : NULL;
}

/* What take_required_string() and friends in hw-event.c would accept. */
static gboolean
envelope_valid (const Envelope *env)
{
  const Value *id = &env->members[M_ID];
  const Value *type = &env->members[M_TYPE];
  const Value *ts = &env->members[M_TIMESTAMP];
  gboolean is_fault;

  if (id->kind != KIND_STRING || id->end == id->start
      || type->kind != KIND_STRING || type->end == type->start
      || ts->kind != KIND_INT || ts->integer < MIN_TIMESTAMP_MS || ts->integer >= MAX_TIMESTAMP_MS
      || !is_optional_string (&env->members[M_PARTITION_KEY])
      || !is_optional_object (&env->members[M_TAGS]))
    return FALSE;
  for (guint i = 0; i < N_TAGS; i++)
    if (!is_optional_string (&env->tags[i]))
      return FALSE;

  is_fault = !type->escaped && type->end - type->start == 5 && memcmp (type->start, "fault", 5) == 0;
  if (!is_fault)
    return TRUE;
  if (!is_optional_object (&env->members[M_UOW]) || !is_optional_object (&env->members[M_ERR]))
    return FALSE;
  for (guint i = 0; i < N_ERRS; i++)
    if (!is_optional_string (&env->errs[i]))
      return FALSE;
  return TRUE;
}

static HwEvent *
envelope_to_event (const Envelope *env)
{
  HwEvent *event = g_new0 (HwEvent, 1);

  g_atomic_ref_count_init (&event->ref_count);
  event->id = value_dup (&env->members[M_ID]);
  event->type = value_dup (&env->members[M_TYPE]);
  event->timestamp_ms = env->members[M_TIMESTAMP].integer;
  event->partition_key = optional_dup (&env->members[M_PARTITION_KEY]);
  event->source = optional_dup (&env->tags[T_SOURCE]);
  event->functionname = optional_dup (&env->tags[T_FUNCTIONNAME]);
  event->pipeline = optional_dup (&env->tags[T_PIPELINE]);
  event->account = optional_dup (&env->tags[T_ACCOUNT]);
  event->region = optional_dup (&env->tags[T_REGION]);
  event->stage = optional_dup (&env->tags[T_STAGE]);
  if (hw_event_is_fault (event))
    {
      event->err_name = optional_dup (&env->errs[E_NAME]);
      event->err_message = optional_dup (&env->errs[E_MESSAGE]);
      event->err_stack = optional_dup (&env->errs[E_STACK]);
    }
  return event;
}

/* hw_event_dup_search_text()'s order: the type, the tags' words, then
 * every other member's words in document order. @text holds every word
 * of the envelope's members (the type's included) as " word". */
static char *
assemble_text (const char    *type,
               const GString *text,
               const Value   *type_value,
               const Value   *tags)
{
  gsize tags_start = tags->kind != KIND_NONE ? tags->text_start : 0;
  gsize tags_end = tags->kind != KIND_NONE ? tags->text_end : 0;
  gsize type_length = strlen (type);
  gsize length = type_length + text->len - (type_value->text_end - type_value->text_start);
  char *out = g_malloc (length + 1);
  char *p = out;

  memcpy (p, type, type_length);
  p += type_length;
  memcpy (p, text->str + tags_start, tags_end - tags_start);
  p += tags_end - tags_start;
  for (gsize i = 0; i < text->len;)
    {
      gsize next = text->len;

      /* Copy up to whichever cut range comes next, then skip it. */
      if (i == type_value->text_start && type_value->text_end > i)
        {
          i = type_value->text_end;
          continue;
        }
      if (i == tags_start && tags_end > i)
        {
          i = tags_end;
          continue;
        }
      if (type_value->text_start > i)
        next = MIN (next, type_value->text_start);
      if (tags_end > tags_start && tags_start > i)
        next = MIN (next, tags_start);
      memcpy (p, text->str + i, next - i);
      p += next - i;
      i = next;
    }
  *p = '\0';
  g_assert ((gsize) (p - out) == length);
  return out;
}

gboolean
hw_event_scan (const char  *data,
               gsize        length,
               guint        max_depth,
               GString     *text,
               HwEventScan *scan)
{
  Scan s = { data, data + length, 0, max_depth, text, 0, FALSE, FALSE, FALSE };
  Envelope env;
  Value detail;
  const Value *tags;

  g_return_val_if_fail (data != NULL || length == 0, FALSE);
  g_return_val_if_fail (text != NULL && scan != NULL, FALSE);

  memset (scan, 0, sizeof *scan);
  if (length == 0 || !scan_envelope (&s, &env) || s.p != s.end)
    return FALSE;

  scan->body = data;
  scan->body_length = length;
  detail = env.members[M_DETAIL];
  if (env.members[M_DETAIL_TYPE].kind != KIND_NONE)
    {
      /* A bus wrapper: the event is detail, read again on its own (its
       * words only, its tokens only). Depth continues from the wrapper. */
      if (detail.kind != KIND_OBJECT)
        return FALSE;
      s.p = detail.start;
      s.end = detail.end;
      s.depth = 1;
      s.noncanon = 0;
      g_string_truncate (text, 0);
      if (!scan_envelope (&s, &env) || s.p != s.end)
        return FALSE;
      scan->body = detail.start;
      scan->body_length = detail.end - detail.start;
    }

  if (!envelope_valid (&env))
    return FALSE;

  tags = &env.members[M_TAGS];
  scan->body_canonical = s.noncanon == 0;
  if (tags->kind == KIND_OBJECT)
    {
      scan->tags = tags->start;
      scan->tags_length = tags->end - tags->start;
      scan->tags_canonical = tags->noncanon == 0;
    }
  scan->has_eem = s.has_eem;
  scan->has_at = s.has_at;
  scan->has_card_number = s.has_card_number;
  scan->event = envelope_to_event (&env);
  scan->event->size = length;
  scan->text = assemble_text (scan->event->type, text, &env.members[M_TYPE], tags);
  return TRUE;
}

void
hw_event_scan_clear (HwEventScan *scan)
{
  g_return_if_fail (scan != NULL);

  g_clear_pointer (&scan->event, hw_event_unref);
  g_clear_pointer (&scan->text, g_free);
}
