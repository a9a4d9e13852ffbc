/* hw-mask.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-error.h"
#include "hw-mask.h"

/* Deliberately loose: a false positive costs a masked word, a false
 * negative leaks an address into the cache. */
#define EMAIL_PATTERN "[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}"

/* 13-19 digits, single spaces or dashes between them, and not part of a
 * longer run of digits and separators (a UUID made of digits, say). */
#define CARD_PATTERN "(?<![0-9])(?<![0-9][ -])[0-9](?:[ -]?[0-9]){12,18}(?![0-9])(?![ -][0-9])"

#define MIN_CARD_DIGITS 13
#define MAX_CARD_DIGITS 19

struct _HwMaskRules
{
  gatomicrefcount  ref_count;
  HwMaskFlags      flags;
  GRegex          *email;
  GRegex          *card;
  GPtrArray       *patterns;   /* GRegex* added by the user */
  GPtrArray       *fields;     /* char** path segments, always masked */
};

G_DEFINE_BOXED_TYPE (HwMaskRules, hw_mask_rules, hw_mask_rules_ref, hw_mask_rules_unref)

static GRegex *
compile_builtin (const char *pattern)
{
  g_autoptr(GError) error = NULL;
  GRegex *regex = g_regex_new (pattern, G_REGEX_OPTIMIZE, 0, &error);

  /* Built-in patterns are constants; failing to compile them is a bug. */
  g_assert_no_error (error);
  return regex;
}

HwMaskRules *
hw_mask_rules_new (HwMaskFlags flags)
{
  HwMaskRules *rules = g_new0 (HwMaskRules, 1);

  g_atomic_ref_count_init (&rules->ref_count);
  rules->flags = flags;
  if (flags & HW_MASK_EMAILS)
    rules->email = compile_builtin (EMAIL_PATTERN);
  if (flags & HW_MASK_CARD_NUMBERS)
    rules->card = compile_builtin (CARD_PATTERN);
  rules->patterns = g_ptr_array_new_with_free_func ((GDestroyNotify) g_regex_unref);
  rules->fields = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  return rules;
}

HwMaskRules *
hw_mask_rules_ref (HwMaskRules *rules)
{
  g_return_val_if_fail (rules != NULL, NULL);

  g_atomic_ref_count_inc (&rules->ref_count);
  return rules;
}

void
hw_mask_rules_unref (HwMaskRules *rules)
{
  g_return_if_fail (rules != NULL);

  if (!g_atomic_ref_count_dec (&rules->ref_count))
    return;

  g_clear_pointer (&rules->email, g_regex_unref);
  g_clear_pointer (&rules->card, g_regex_unref);
  g_ptr_array_unref (rules->patterns);
  g_ptr_array_unref (rules->fields);
  g_free (rules);
}

HwMaskFlags
hw_mask_rules_get_flags (const HwMaskRules *rules)
{
  g_return_val_if_fail (rules != NULL, HW_MASK_NONE);

  return rules->flags;
}

gboolean
hw_mask_rules_is_builtin_only (const HwMaskRules *rules)
{
  g_return_val_if_fail (rules != NULL, FALSE);

  return rules->patterns->len == 0 && rules->fields->len == 0;
}

gboolean
hw_mask_rules_add_pattern (HwMaskRules *rules,
                           const char  *pattern,
                           GError     **error)
{
  g_autoptr(GError) regex_error = NULL;
  g_autoptr(GRegex) regex = NULL;

  g_return_val_if_fail (rules != NULL, FALSE);
  g_return_val_if_fail (pattern != NULL, FALSE);

  regex = g_regex_new (pattern, G_REGEX_OPTIMIZE, 0, &regex_error);
  if (regex == NULL)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_QUERY,
                   "mask pattern '%s': %s", pattern, regex_error->message);
      return FALSE;
    }
  if (g_regex_match (regex, "", 0, NULL))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_QUERY,
                   "mask pattern '%s': matches the empty string", pattern);
      return FALSE;
    }

  g_ptr_array_add (rules->patterns, g_steal_pointer (&regex));
  return TRUE;
}

void
hw_mask_rules_add_field (HwMaskRules *rules,
                         const char  *path)
{
  g_return_if_fail (rules != NULL);
  g_return_if_fail (path != NULL && *path != '\0');

  g_ptr_array_add (rules->fields, g_strsplit (path, ".", -1));
}

gboolean
hw_mask_luhn_valid (const char *digits)
{
  guint sum = 0;
  guint n = 0;

  g_return_val_if_fail (digits != NULL, FALSE);

  for (gssize i = (gssize) strlen (digits) - 1; i >= 0; i--)
    {
      guint d;

      if (!g_ascii_isdigit (digits[i]))
        continue;
      d = digits[i] - '0';
      if (n++ % 2 == 1)
        {
          d *= 2;
          if (d > 9)
            d -= 9;
        }
      sum += d;
    }
  return n > 0 && sum % 10 == 0;
}

/* Field paths ------------------------------------------------------------- */

static guint
mask_path (JsonNode    *node,
           char       **segments)
{
  guint masked = 0;

  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        masked += mask_path (json_array_get_element (array, i), segments);
      return masked;
    }

  if (!JSON_NODE_HOLDS_OBJECT (node) || segments[0] == NULL)
    return 0;

  {
    JsonObject *object = json_node_get_object (node);
    JsonNode *child = json_object_get_member (object, segments[0]);

    if (child == NULL)
      return 0;
    if (segments[1] != NULL)
      return mask_path (child, segments + 1);
    if (JSON_NODE_HOLDS_VALUE (child) && json_node_get_value_type (child) == G_TYPE_STRING
        && g_str_equal (json_node_get_string (child), HW_MASK_REPLACEMENT))
      return 0;
    json_object_set_string_member (object, segments[0], HW_MASK_REPLACEMENT);
    return 1;
  }
}

/* The root members that identify the event and place it in time: masking
 * them would make it another event, or none. */
static gboolean
is_identity (char **segments)
{
  return segments[0] != NULL && segments[1] == NULL &&
         (g_str_equal (segments[0], "id") || g_str_equal (segments[0], "type") ||
          g_str_equal (segments[0], "timestamp"));
}

/* Resolves @segments against @holder and each of its object members other
 * than eem and tags: see hw_mask_rules_apply(). */
static guint
mask_field (JsonNode  *holder,
            gboolean   is_root,
            char     **segments)
{
  JsonObject *object = json_node_get_object (holder);
  g_autoptr(GList) members = NULL;
  guint masked = 0;

  /* Replacing a member frees the name json_object_get_members() handed
   * out, so list the members only after @holder's own replacement; the
   * loop below only replaces members of the members. */
  if (!is_root || !is_identity (segments))
    masked = mask_path (holder, segments);
  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *member = json_object_get_member (object, l->data);

      if (g_str_equal (l->data, "eem") || g_str_equal (l->data, "tags"))
        continue;
      if (JSON_NODE_HOLDS_OBJECT (member))
        masked += mask_path (member, segments);
    }
  return masked;
}

static guint
mask_eem_fields (JsonNode *holder,
                 gboolean  is_root)
{
  JsonObject *object = json_node_get_object (holder);
  JsonNode *eem = json_object_get_member (object, "eem");
  JsonNode *fields;
  JsonArray *array;
  guint masked = 0;

  if (eem == NULL || !JSON_NODE_HOLDS_OBJECT (eem))
    return 0;
  fields = json_object_get_member (json_node_get_object (eem), "fields");
  if (fields == NULL || !JSON_NODE_HOLDS_ARRAY (fields))
    return 0;

  array = json_node_get_array (fields);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *field = json_array_get_element (array, i);
      g_auto(GStrv) segments = NULL;

      if (!JSON_NODE_HOLDS_VALUE (field) || json_node_get_value_type (field) != G_TYPE_STRING
          || *json_node_get_string (field) == '\0')
        continue;
      segments = g_strsplit (json_node_get_string (field), ".", -1);
      masked += mask_field (holder, is_root, segments);
    }
  return masked;
}

/* Patterns in strings ----------------------------------------------------- */

static gboolean
replace_card (const GMatchInfo *match_info,
              GString          *result,
              gpointer          user_data)
{
  g_autofree char *match = g_match_info_fetch (match_info, 0);

  if (hw_mask_luhn_valid (match))
    {
      g_string_append (result, HW_MASK_REPLACEMENT);
      *(gboolean *) user_data = TRUE;
    }
  else
    g_string_append (result, match);
  return FALSE;
}

static gboolean
is_card_separator (char c)
{
  return c == ' ' || c == '-';
}

/* The run of digits starting at @p, with single separators between them,
 * as CARD_PATTERN's look-arounds delimit it: its end, and its digits
 * (the first MAX_CARD_DIGITS + 1 of them, NUL-terminated) in @digits. */
static const char *
card_run (const char *p,
          const char *end,
          char        digits[MAX_CARD_DIGITS + 2],
          guint      *n_digits)
{
  *n_digits = 0;
  for (;;)
    {
      if (*n_digits <= MAX_CARD_DIGITS)
        digits[*n_digits] = *p;
      (*n_digits)++;
      p++;
      if (p < end && g_ascii_isdigit (*p))
        continue;
      if (p + 1 < end && is_card_separator (*p) && g_ascii_isdigit (p[1]))
        {
          p++;
          continue;
        }
      break;
    }
  digits[MIN (*n_digits, MAX_CARD_DIGITS + 1)] = '\0';
  return p;
}

gboolean
hw_mask_text_has_card_number (const char *text,
                              gsize       length)
{
  const char *end = text + length;
  char digits[MAX_CARD_DIGITS + 2];

  g_return_val_if_fail (text != NULL || length == 0, FALSE);

  for (const char *p = text; p < end;)
    {
      guint n;

      if (!g_ascii_isdigit (*p))
        {
          p++;
          continue;
        }
      p = card_run (p, end, digits, &n);
      if (n >= MIN_CARD_DIGITS && n <= MAX_CARD_DIGITS && hw_mask_luhn_valid (digits))
        return TRUE;
    }
  return FALSE;
}

/* Replaces every match of @regex in *@text; TRUE if something changed. */
static gboolean
replace_all (GRegex  *regex,
             char   **text)
{
  char *replaced;

  if (!g_regex_match (regex, *text, 0, NULL))
    return FALSE;
  replaced = g_regex_replace_literal (regex, *text, -1, 0, HW_MASK_REPLACEMENT, 0, NULL);
  if (replaced == NULL)
    return FALSE;
  g_free (*text);
  *text = replaced;
  return TRUE;
}

/* Returns the masked text, or NULL when nothing matched. */
static char *
mask_text (const HwMaskRules *rules,
           const char        *value)
{
  g_autofree char *text = g_strdup (value);
  gboolean changed = FALSE;

  /* Cheap checks first: most strings hold neither '@' nor 13 digits. */
  if (rules->email != NULL && strchr (text, '@') != NULL)
    changed |= replace_all (rules->email, &text);

  if (rules->card != NULL && hw_mask_text_has_card_number (text, strlen (text)))
    {
      gboolean card_changed = FALSE;
      char *replaced = g_regex_replace_eval (rules->card, text, -1, 0, 0,
                                             replace_card, &card_changed, NULL);

      if (replaced != NULL && card_changed)
        {
          g_free (text);
          text = replaced;
          changed = TRUE;
        }
      else
        g_free (replaced);
    }

  for (guint i = 0; i < rules->patterns->len; i++)
    changed |= replace_all (g_ptr_array_index (rules->patterns, i), &text);

  return changed ? g_steal_pointer (&text) : NULL;
}

static guint mask_node (const HwMaskRules *rules,
                        JsonNode          *node,
                        gboolean           is_root);

static guint
mask_object (const HwMaskRules *rules,
             JsonNode          *node,
             gboolean           is_root)
{
  JsonObject *object = json_node_get_object (node);
  g_autoptr(GList) members = NULL;
  guint masked = 0;

  if (rules->flags & HW_MASK_EEM_FIELDS)
    masked += mask_eem_fields (node, is_root);
  if (is_root)
    for (guint i = 0; i < rules->fields->len; i++)
      masked += mask_field (node, TRUE, g_ptr_array_index (rules->fields, i));

  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;

      if (g_str_equal (name, "eem"))
        continue;
      if (is_root && (g_str_equal (name, "id") || g_str_equal (name, "type")))
        continue;
      masked += mask_node (rules, json_object_get_member (object, name), FALSE);
    }
  return masked;
}

/* Recursion depth is that of the tree, which the parser bounded. */
static guint
mask_node (const HwMaskRules *rules,
           JsonNode          *node,
           gboolean           is_root)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      return mask_object (rules, node, is_root);
    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        guint masked = 0;

        for (guint i = 0; i < json_array_get_length (array); i++)
          masked += mask_node (rules, json_array_get_element (array, i), FALSE);
        return masked;
      }
    case JSON_NODE_VALUE:
      if (json_node_get_value_type (node) == G_TYPE_STRING)
        {
          g_autofree char *masked = mask_text (rules, json_node_get_string (node));

          if (masked == NULL)
            return 0;
          json_node_set_string (node, masked);
          return 1;
        }
      return 0;
    case JSON_NODE_NULL:
    default:
      return 0;
    }
}

guint
hw_mask_rules_apply (const HwMaskRules *rules,
                     JsonNode          *node)
{
  g_return_val_if_fail (rules != NULL, 0);
  g_return_val_if_fail (node != NULL, 0);

  return mask_node (rules, node, TRUE);
}

/* json_node_copy() shares objects and arrays; masking needs its own. */
static JsonNode *
deep_copy (JsonNode *node)
{
  JsonNode *copy;

  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *object = json_node_get_object (node);
        g_autoptr(JsonObject) new_object = json_object_new ();
        g_autoptr(GList) members = json_object_get_members (object);

        for (GList *l = members; l != NULL; l = l->next)
          json_object_set_member (new_object, l->data,
                                  deep_copy (json_object_get_member (object, l->data)));
        copy = json_node_new (JSON_NODE_OBJECT);
        json_node_set_object (copy, new_object);
        return copy;
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        guint n = json_array_get_length (array);
        g_autoptr(JsonArray) new_array = json_array_sized_new (n);

        for (guint i = 0; i < n; i++)
          json_array_add_element (new_array, deep_copy (json_array_get_element (array, i)));
        copy = json_node_new (JSON_NODE_ARRAY);
        json_node_set_array (copy, new_array);
        return copy;
      }
    case JSON_NODE_VALUE:
      {
        GValue value = G_VALUE_INIT;

        /* Not json_node_copy(): a copy of a sealed node stays sealed, and
         * masking must write. */
        json_node_get_value (node, &value);
        copy = json_node_new (JSON_NODE_VALUE);
        json_node_set_value (copy, &value);
        g_value_unset (&value);
        return copy;
      }
    case JSON_NODE_NULL:
    default:
      return json_node_new (JSON_NODE_NULL);
    }
}

JsonNode *
hw_mask_rules_apply_copy (const HwMaskRules *rules,
                          JsonNode          *node,
                          guint             *n_masked)
{
  JsonNode *copy;
  guint masked;

  g_return_val_if_fail (rules != NULL, NULL);
  g_return_val_if_fail (node != NULL, NULL);

  copy = deep_copy (node);
  masked = hw_mask_rules_apply (rules, copy);
  if (n_masked != NULL)
    *n_masked = masked;
  return copy;
}
