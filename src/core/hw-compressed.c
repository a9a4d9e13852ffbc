/* hw-compressed.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "hw-compressed.h"
#include "hw-error.h"
#include "hw-json-guard.h"

#define PREFIX_LEN (sizeof HW_COMPRESSED_PREFIX - 1)
#define CHUNK_SIZE (64 * 1024)

gboolean
hw_compressed_is_value (const char *value)
{
  return value != NULL
         && strncmp (value, HW_COMPRESSED_PREFIX, PREFIX_LEN) == 0
         && value[PREFIX_LEN] != '\0';
}

static const char *
path_or_root (const char *path)
{
  return path != NULL && *path != '\0' ? path : "(root)";
}

/* g_base64_decode() skips what it does not understand; a compressed value
 * that is not base64 must be reported, not half-decoded. */
static gboolean
check_base64 (const char *text,
              const char *path,
              GError    **error)
{
  gsize len = strlen (text);
  gsize padding = 0;

  for (gsize i = 0; i < len; i++)
    {
      char c = text[i];

      if (c == '=' && i + 2 >= len)
        {
          padding++;
          continue;
        }
      if (padding > 0 || !(g_ascii_isalnum (c) || c == '+' || c == '/'))
        {
          g_set_error (error, HW_ERROR, HW_ERROR_INVALID_EVENT,
                       "%s: COMPRESSED value is not valid base64 (character %" G_GSIZE_FORMAT ")",
                       path_or_root (path), PREFIX_LEN + i + 1);
          return FALSE;
        }
    }

  if (len % 4 != 0)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_EVENT,
                   "%s: COMPRESSED value is not valid base64 (length %" G_GSIZE_FORMAT
                   " is not a multiple of 4)", path_or_root (path), len);
      return FALSE;
    }
  return TRUE;
}

/* Runs all of @in through @converter, giving up once the output passes
 * @max_out bytes so that a bomb costs at most that much memory. */
static GByteArray *
convert_bounded (GConverter   *converter,
                 const guint8 *in,
                 gsize         in_len,
                 gsize         max_out,
                 const char   *path,
                 GError      **error)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  gsize in_pos = 0;
  gsize room = CHUNK_SIZE;

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      gsize old_len = out->len;
      gsize bytes_read = 0;
      gsize bytes_written = 0;
      GConverterResult result;

      g_byte_array_set_size (out, old_len + room);
      result = g_converter_convert (converter, in + in_pos, in_len - in_pos,
                                    out->data + old_len, room, G_CONVERTER_INPUT_AT_END,
                                    &bytes_read, &bytes_written, &local_error);
      g_byte_array_set_size (out, old_len + bytes_written);
      in_pos += bytes_read;

      if (result == G_CONVERTER_ERROR)
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NO_SPACE) && room < max_out)
            {
              room *= 2;
              continue;
            }
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT))
            g_set_error (error, HW_ERROR, HW_ERROR_INVALID_EVENT,
                         "%s: COMPRESSED value holds truncated gzip data", path_or_root (path));
          else
            g_set_error (error, HW_ERROR, HW_ERROR_INVALID_EVENT,
                         "%s: COMPRESSED value holds invalid gzip data: %s",
                         path_or_root (path), local_error->message);
          return NULL;
        }

      if (out->len > max_out)
        {
          g_set_error (error, HW_ERROR, HW_ERROR_TOO_LARGE,
                       "%s: COMPRESSED value expands beyond %" G_GSIZE_FORMAT " bytes",
                       path_or_root (path), max_out);
          return NULL;
        }

      if (result == G_CONVERTER_FINISHED)
        break;
    }

  if (in_pos < in_len)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_EVENT,
                   "%s: COMPRESSED value has %" G_GSIZE_FORMAT " stray bytes after its gzip data",
                   path_or_root (path), in_len - in_pos);
      return NULL;
    }

  return g_steal_pointer (&out);
}

static JsonNode *
decode_value (const char *value,
              gsize       max_bytes,
              guint       max_depth,
              const char *path,
              gsize      *decoded_len,
              GError    **error)
{
  g_autofree guint8 *gz = NULL;
  g_autoptr(GZlibDecompressor) decompressor = NULL;
  g_autoptr(GByteArray) json = NULL;
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) parse_error = NULL;
  g_autofree char *what = NULL;
  gsize gz_len = 0;

  if (!check_base64 (value + PREFIX_LEN, path, error))
    return NULL;

  gz = g_base64_decode (value + PREFIX_LEN, &gz_len);
  if (gz_len < 2 || gz[0] != 0x1f || gz[1] != 0x8b)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_EVENT,
                   "%s: COMPRESSED value does not hold gzip data (bad magic bytes)",
                   path_or_root (path));
      return NULL;
    }

  decompressor = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  json = convert_bounded (G_CONVERTER (decompressor), gz, gz_len, max_bytes, path, error);
  if (json == NULL)
    return NULL;

  what = g_strdup_printf ("%s: COMPRESSED value", path_or_root (path));
  if (!hw_json_guard_check ((const char *) json->data, json->len, max_bytes, max_depth,
                            what, NULL, error))
    return NULL;

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, (const char *) json->data, json->len, &parse_error))
    {
      /* json-glib may quote the input, decoded, in its message: see
       * hw_json_guard_set_parse_error(). */
      g_autofree char *message = g_utf8_make_valid (parse_error->message, -1);

      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON, "%s: invalid JSON: %s", what, message);
      return NULL;
    }
  if (json_parser_get_root (parser) == NULL)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_INVALID_JSON, "%s: empty JSON text", what);
      return NULL;
    }

  *decoded_len = json->len;
  return json_parser_steal_root (parser);
}

JsonNode *
hw_compressed_decode (const char *value,
                      gsize       max_bytes,
                      guint       max_depth,
                      const char *path,
                      GError    **error)
{
  gsize decoded_len = 0;

  g_return_val_if_fail (hw_compressed_is_value (value), NULL);

  return decode_value (value, max_bytes, max_depth, path, &decoded_len, error);
}

typedef struct
{
  GString *path;
  gsize    max_bytes;
  gsize    budget;
  guint    max_depth;
  guint    n_expanded;
} Expander;

static gboolean expand_node (Expander  *ex,
                             JsonNode  *node,
                             guint      depth,
                             JsonNode **out,
                             GError   **error);

static gboolean
expand_string (Expander  *ex,
               JsonNode  *node,
               guint      depth,
               JsonNode **out,
               GError   **error)
{
  const char *value = json_node_get_string (node);
  g_autoptr(JsonNode) decoded = NULL;
  JsonNode *expanded = NULL;
  gsize decoded_len = 0;

  if (!hw_compressed_is_value (value))
    return TRUE;

  if (ex->budget == 0)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_TOO_LARGE,
                   "%s: COMPRESSED values of this event expand beyond %" G_GSIZE_FORMAT " bytes",
                   path_or_root (ex->path->str), ex->max_bytes * HW_COMPRESSED_BUDGET_FACTOR);
      return FALSE;
    }

  /* The value replaces its string, so its tree may use the levels left
   * below the containers enclosing it. */
  decoded = decode_value (value, MIN (ex->max_bytes, ex->budget), ex->max_depth - depth,
                          ex->path->str, &decoded_len, error);
  if (decoded == NULL)
    return FALSE;

  ex->budget -= MIN (ex->budget, decoded_len);
  ex->n_expanded++;

  if (!expand_node (ex, decoded, depth, &expanded, error))
    return FALSE;
  *out = expanded != NULL ? expanded : g_steal_pointer (&decoded);
  return TRUE;
}

static gboolean
expand_object (Expander  *ex,
               JsonNode  *node,
               guint      depth,
               JsonNode **out,
               GError   **error)
{
  JsonObject *object = json_node_get_object (node);
  g_autoptr(JsonObject) copy = NULL;
  g_autoptr(GList) members = json_object_get_members (object);
  gsize path_len = ex->path->len;

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *child = json_object_get_member (object, name);
      JsonNode *expanded = NULL;

      if (path_len > 0)
        g_string_append_c (ex->path, '.');
      g_string_append (ex->path, name);
      if (!expand_node (ex, child, depth + 1, &expanded, error))
        return FALSE;
      g_string_truncate (ex->path, path_len);

      if (expanded == NULL)
        continue;

      /* Copy on first change; members keep their order for display. */
      if (copy == NULL)
        {
          copy = json_object_new ();
          for (GList *m = members; m != NULL; m = m->next)
            json_object_set_member (copy, m->data,
                                    json_node_copy (json_object_get_member (object, m->data)));
        }
      json_object_set_member (copy, name, expanded);
    }

  if (copy != NULL)
    {
      *out = json_node_new (JSON_NODE_OBJECT);
      json_node_set_object (*out, copy);
    }
  return TRUE;
}

static gboolean
expand_array (Expander  *ex,
              JsonNode  *node,
              guint      depth,
              JsonNode **out,
              GError   **error)
{
  JsonArray *array = json_node_get_array (node);
  g_autoptr(JsonArray) copy = NULL;
  guint n = json_array_get_length (array);
  gsize path_len = ex->path->len;

  for (guint i = 0; i < n; i++)
    {
      JsonNode *child = json_array_get_element (array, i);
      JsonNode *expanded = NULL;

      g_string_append_printf (ex->path, "[%u]", i);
      if (!expand_node (ex, child, depth + 1, &expanded, error))
        return FALSE;
      g_string_truncate (ex->path, path_len);

      if (expanded == NULL && copy == NULL)
        continue;
      if (copy == NULL)
        {
          copy = json_array_sized_new (n);
          for (guint j = 0; j < i; j++)
            json_array_add_element (copy, json_node_copy (json_array_get_element (array, j)));
        }
      json_array_add_element (copy, expanded != NULL ? expanded : json_node_copy (child));
    }

  if (copy != NULL)
    {
      *out = json_node_new (JSON_NODE_ARRAY);
      json_node_set_array (*out, copy);
    }
  return TRUE;
}

/* @depth counts the containers enclosing @node. Recursion is bounded: the
 * input passed hw_json_guard_check() and every decoded value is checked
 * against the depth left at its position. */
static gboolean
expand_node (Expander  *ex,
             JsonNode  *node,
             guint      depth,
             JsonNode **out,
             GError   **error)
{
  *out = NULL;

  if (depth >= ex->max_depth && (JSON_NODE_HOLDS_OBJECT (node) || JSON_NODE_HOLDS_ARRAY (node)))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_TOO_DEEP,
                   "%s: nesting deeper than %u levels", path_or_root (ex->path->str), ex->max_depth);
      return FALSE;
    }

  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      return expand_object (ex, node, depth, out, error);
    case JSON_NODE_ARRAY:
      return expand_array (ex, node, depth, out, error);
    case JSON_NODE_VALUE:
      if (json_node_get_value_type (node) == G_TYPE_STRING)
        return expand_string (ex, node, depth, out, error);
      return TRUE;
    case JSON_NODE_NULL:
    default:
      return TRUE;
    }
}

JsonNode *
hw_compressed_expand (JsonNode *node,
                      gsize     max_bytes,
                      guint     max_depth,
                      guint    *n_expanded,
                      GError  **error)
{
  g_autoptr(GString) path = g_string_new (NULL);
  Expander ex = {
    .path = path,
    .max_bytes = max_bytes,
    .budget = max_bytes * HW_COMPRESSED_BUDGET_FACTOR,
    .max_depth = max_depth,
  };
  JsonNode *expanded = NULL;

  g_return_val_if_fail (node != NULL, NULL);

  if (n_expanded != NULL)
    *n_expanded = 0;

  if (!expand_node (&ex, node, 0, &expanded, error))
    return NULL;

  if (n_expanded != NULL)
    *n_expanded = ex.n_expanded;
  return expanded != NULL ? expanded : json_node_ref (node);
}

char *
hw_compressed_encode (const char *json,
                      gssize      length)
{
  g_autoptr(GZlibCompressor) compressor = NULL;
  g_autoptr(GByteArray) gz = NULL;
  g_autofree char *b64 = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (json != NULL, NULL);

  if (length < 0)
    length = strlen (json);

  compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, -1);
  gz = convert_bounded (G_CONVERTER (compressor), (const guint8 *) json, length,
                        G_MAXSIZE / 2, NULL, &error);
  /* Compressing memory to memory cannot fail. */
  g_assert_no_error (error);

  b64 = g_base64_encode (gz->data, gz->len);
  return g_strconcat (HW_COMPRESSED_PREFIX, b64, NULL);
}
