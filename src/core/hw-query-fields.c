/* hw-query-fields.c: the fields and words of the query language, shared by parser, compiler and matcher
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-query-private.h"

/* Indexed by HwQueryField up to HW_QUERY_FIELD_STAGE. */
static const struct
{
  const char   *name;
  HwQueryField  field;
  const char   *column;
} fields[] = {
  { "id", HW_QUERY_FIELD_ID, "e.id" },
  { "type", HW_QUERY_FIELD_TYPE, "e.type" },
  { "partitionKey", HW_QUERY_FIELD_PARTITION_KEY, "e.partition_key" },
  { "source", HW_QUERY_FIELD_SOURCE, "e.source" },
  { "functionname", HW_QUERY_FIELD_FUNCTIONNAME, "e.functionname" },
  { "pipeline", HW_QUERY_FIELD_PIPELINE, "e.pipeline" },
  { "account", HW_QUERY_FIELD_ACCOUNT, "e.account" },
  { "region", HW_QUERY_FIELD_REGION, "e.region" },
  { "stage", HW_QUERY_FIELD_STAGE, "e.stage" },
  { "from", HW_QUERY_FIELD_FROM, NULL },
  { "to", HW_QUERY_FIELD_TO, NULL },
};

/* Tags that the store copies into their own columns. */
#define FIRST_TAG_FIELD HW_QUERY_FIELD_SOURCE
#define LAST_TAG_FIELD  HW_QUERY_FIELD_STAGE

const char *
hw_query_field_column (HwQueryField field)
{
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    if (fields[i].field == field)
      return fields[i].column;
  return NULL;
}

gboolean
hw_query_field_lookup (const char    *name,
                       HwQueryField  *field,
                       char         **tag)
{
  if (g_ascii_strncasecmp (name, "tags.", 5) == 0 && name[5] != '\0')
    {
      const char *tag_name = name + 5;

      /* Tag names are case-sensitive JSON keys; only exact common names
       * are served by their columns. */
      for (HwQueryField f = FIRST_TAG_FIELD; f <= LAST_TAG_FIELD; f++)
        if (g_str_equal (tag_name, fields[f].name))
          {
            *field = f;
            return TRUE;
          }
      *field = HW_QUERY_FIELD_TAG;
      *tag = g_strdup (tag_name);
      return TRUE;
    }

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    if (g_ascii_strcasecmp (name, fields[i].name) == 0)
      {
        *field = fields[i].field;
        return TRUE;
      }
  if (g_ascii_strcasecmp (name, "partition_key") == 0)
    {
      *field = HW_QUERY_FIELD_PARTITION_KEY;
      return TRUE;
    }
  return FALSE;
}

char **
hw_query_split_words (const char *text)
{
  g_autofree char *decomposed = g_utf8_normalize (text, -1, G_NORMALIZE_DEFAULT);
  g_autoptr(GStrvBuilder) words = g_strv_builder_new ();
  g_autoptr(GString) word = g_string_new (NULL);

  for (const char *c = decomposed; c != NULL && *c != '\0'; c = g_utf8_next_char (c))
    {
      gunichar ch = g_utf8_get_char (c);

      /* Diacritics vanish without splitting the word: "café" is "cafe". */
      if (g_unichar_ismark (ch))
        continue;
      if (g_unichar_isalnum (ch))
        {
          g_string_append_unichar (word, g_unichar_tolower (ch));
          continue;
        }
      if (word->len > 0)
        g_strv_builder_add (words, word->str);
      g_string_truncate (word, 0);
    }
  if (word->len > 0)
    g_strv_builder_add (words, word->str);

  return g_strv_builder_end (words);
}

gboolean
hw_query_words_have_phrase (char * const *words,
                            guint         n_words,
                            char * const *terms,
                            gboolean      prefix)
{
  guint n_terms = g_strv_length ((char **) terms);

  for (guint i = 0; i + n_terms <= n_words; i++)
    {
      guint j = 0;

      while (j < n_terms && (prefix && j + 1 == n_terms ? g_str_has_prefix (words[i + j], terms[j])
                                                        : g_str_equal (words[i + j], terms[j])))
        j++;
      if (j == n_terms)
        return TRUE;
    }
  return FALSE;
}
