/* hw-lake-gen.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "hw-compressed.h"
#include "hw-lake-gen.h"

#define N_WORDS 4000
#define ZIPF_S 1.07
#define BASE_MS G_GINT64_CONSTANT (1714521600000)   /* 2024-05-01T00:00:00Z */
#define STEP_MS 180
#define HOUR_MS G_GINT64_CONSTANT (3600000)
#define REGION "us-east-1"

static const char * const entities[] = { "order", "payment", "shipment", "customer", "thing", "invoice" };
static const char * const actions[] = { "created", "updated", "placed", "paid", "cancelled" };
static const char * const function_kinds[] = { "listener", "trigger", "command", "query" };
static const char * const syllables[] = {
  "ka", "lo", "mi", "ne", "ru", "ta", "shi", "po", "ve", "zu",
  "an", "el", "or", "ix", "um", "ba", "de", "fi", "go", "ha",
};
static const char * const fault_messages[] = {
  "Cannot read properties of undefined (reading 'id')",
  "Request failed with status code 503",
  "ConditionalCheckFailedException: The conditional request failed",
  "Task timed out after 6.00 seconds",
  "card declined",
};

/* xorshift64*: tiny, fast, and the same everywhere, unlike library PRNGs
 * whose sequences may change between versions. */
typedef struct
{
  guint64 state;
} Rng;

static guint64
rng_next (Rng *rng)
{
  rng->state ^= rng->state >> 12;
  rng->state ^= rng->state << 25;
  rng->state ^= rng->state >> 27;
  return rng->state * G_GUINT64_CONSTANT (2685821657736338717);
}

static double
rng_double (Rng *rng)
{
  return (rng_next (rng) >> 11) * (1.0 / 9007199254740992.0);
}

static guint
rng_below (Rng  *rng,
           guint n)
{
  return (guint) (rng_next (rng) % n);
}

typedef struct
{
  Rng                     rng;
  const HwLakeGenOptions *options;
  HwLakeGenStats         *stats;
  char                   *words[N_WORDS];
  double                  zipf_cdf[N_WORDS];
  const char             *out_dir;

  GOutputStream          *out;          /* the open object */
  gint64                  out_hour;
  guint                   out_events;
} Gen;

static void
gen_init_words (Gen *gen)
{
  double total = 0;

  for (guint i = 0; i < N_WORDS; i++)
    {
      GString *word = g_string_new (NULL);
      guint n = i + 7;

      /* Two to four syllables, spelled from the index: stable and varied. */
      for (guint k = 0; k < 2 + i % 3; k++)
        {
          g_string_append (word, syllables[n % G_N_ELEMENTS (syllables)]);
          n = n / G_N_ELEMENTS (syllables) + k * 13 + i;
        }
      gen->words[i] = g_string_free (word, FALSE);
      total += 1.0 / pow (i + 1, ZIPF_S);
      gen->zipf_cdf[i] = total;
    }
  for (guint i = 0; i < N_WORDS; i++)
    gen->zipf_cdf[i] /= total;
}

static const char *
zipf_word (Gen *gen)
{
  double u = rng_double (&gen->rng);
  guint lo = 0;
  guint hi = N_WORDS - 1;

  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;

      if (gen->zipf_cdf[mid] < u)
        lo = mid + 1;
      else
        hi = mid;
    }
  return gen->words[lo];
}

static void
append_words (Gen     *gen,
              GString *text,
              guint    count)
{
  for (guint i = 0; i < count; i++)
    {
      if (i > 0)
        g_string_append_c (text, ' ');
      g_string_append (text, zipf_word (gen));
    }
}

static void
append_iso_time (GString *text,
                 gint64   ms)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (ms / 1000);
  g_autofree char *iso = g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ");

  g_string_append (text, iso);
}

/* The payload: the entity object, padded with Zipf text to @target bytes. */
static void
append_entity (Gen        *gen,
               GString    *line,
               const char *entity,
               guint       key,
               gsize       target,
               gboolean    with_customer,
               gboolean    with_compressed)
{
  gsize start = line->len;

  g_string_append_printf (line, "\"%s\":{\"id\":\"%s-%u\",\"status\":\"%s\",\"amount\":%u,",
                          entity, entity, key, zipf_word (gen), rng_below (&gen->rng, 100000));
  if (with_customer)
    g_string_append_printf (line, "\"customer\":{\"name\":\"%s %s\",\"email\":\"%s.%u@example.com\"},",
                            zipf_word (gen), zipf_word (gen), zipf_word (gen), key);
  if (with_compressed)
    {
      g_autoptr(GString) inner = g_string_new ("{\"attachment\":\"");
      g_autofree char *value = NULL;

      append_words (gen, inner, 400);
      g_string_append (inner, "\"}");
      value = hw_compressed_encode (inner->str, inner->len);
      g_string_append_printf (line, "\"raw\":\"%s\",", value);
    }
  g_string_append (line, "\"description\":\"");
  append_words (gen, line, 8);
  g_string_append (line, "\",\"notes\":[");
  for (guint i = 0; line->len - start < target; i++)
    {
      if (i > 0)
        g_string_append_c (line, ',');
      g_string_append_c (line, '"');
      append_words (gen, line, 12);
      g_string_append_c (line, '"');
    }
  g_string_append (line, "]}");
}

static void
append_tags (GString    *line,
             const char *entity,
             const char *functionname,
             guint       pipeline)
{
  g_string_append_printf (line, "\"tags\":{\"account\":\"prod\",\"region\":\"" REGION "\",\"stage\":\"prd\","
                          "\"source\":\"%s-service\",\"functionname\":\"%s\",\"pipeline\":\"p%u\"}",
                          entity, functionname, pipeline);
}

static void
append_event (Gen     *gen,
              GString *line,
              guint64  index,
              gint64   ts)
{
  guint type_index;
  const char *entity;
  const char *action;
  char functionname[64];
  guint key = rng_below (&gen->rng, 50000);
  guint pipeline = 1 + rng_below (&gen->rng, 5);
  gsize target = 400 + (gsize) (3200 * pow (rng_double (&gen->rng), 2));
  gboolean fault = rng_below (&gen->rng, 100) == 0;
  gboolean wrapped = !fault && rng_below (&gen->rng, 10) == 0;
  gboolean eem = rng_below (&gen->rng, 20) == 0;
  gboolean compressed = rng_below (&gen->rng, 200) == 0;
  guint fn = rng_below (&gen->rng, 20);

  /* Types follow a skewed distribution too: a few dominate, as in life. */
  type_index = (guint) (30 * pow (rng_double (&gen->rng), 2.5));
  entity = entities[type_index / G_N_ELEMENTS (actions)];
  action = actions[type_index % G_N_ELEMENTS (actions)];
  g_snprintf (functionname, sizeof functionname, "%s-%s",
              entities[fn % G_N_ELEMENTS (entities)], function_kinds[fn / G_N_ELEMENTS (entities) % 4]);

  if (wrapped)
    {
      g_string_append_printf (line, "{\"version\":\"0\",\"id\":\"%016" G_GINT64_MODIFIER "x\","
                              "\"detail-type\":\"%s-%s\",\"source\":\"custom\",\"account\":\"123456789012\","
                              "\"time\":\"", rng_next (&gen->rng), entity, action);
      append_iso_time (line, ts);
      g_string_append (line, "\",\"region\":\"" REGION "\",\"resources\":[],\"detail\":");
      gen->stats->wrapped++;
    }

  g_string_append_printf (line, "{\"id\":\"%08" G_GINT64_MODIFIER "x-%" G_GUINT64_FORMAT "\",",
                          gen->options->seed, index);
  if (fault)
    {
      g_string_append_printf (line, "\"type\":\"fault\",\"timestamp\":%" G_GINT64_FORMAT ",", ts);
      append_tags (line, entity, functionname, pipeline);
      g_string_append_printf (line, ",\"err\":{\"name\":\"Error\",\"message\":\"%s\","
                              "\"stack\":\"Error: %s\\n    at handler (/var/task/index.js:%u:%u)\"},"
                              "\"uow\":{\"record\":{\"eventID\":\"shardId-000:%" G_GUINT64_FORMAT "\","
                              "\"kinesis\":{\"partitionKey\":\"%s-%u\"}},"
                              "\"event\":{\"id\":\"orig-%" G_GUINT64_FORMAT "\",\"type\":\"%s-%s\","
                              "\"timestamp\":%" G_GINT64_FORMAT "}}}",
                              fault_messages[fn % G_N_ELEMENTS (fault_messages)],
                              fault_messages[fn % G_N_ELEMENTS (fault_messages)],
                              10 + fn, 3 + key % 40, index, entity, key, index, entity, action, ts);
      gen->stats->faults++;
    }
  else
    {
      g_string_append_printf (line, "\"type\":\"%s-%s\",\"timestamp\":%" G_GINT64_FORMAT ","
                              "\"partitionKey\":\"%s-%u\",", entity, action, ts, entity, key);
      append_tags (line, entity, functionname, pipeline);
      g_string_append_c (line, ',');
      append_entity (gen, line, entity, key, target, eem, compressed);
      if (eem)
        {
          g_string_append (line, ",\"eem\":{\"fields\":[\"customer\"],\"masterKeyAlias\":\"alias/hubwatch\"}");
          gen->stats->eem++;
        }
      if (compressed)
        gen->stats->compressed++;
      g_string_append_c (line, '}');
    }

  if (wrapped)
    g_string_append_c (line, '}');
  g_string_append_c (line, '\n');
}

static const char *
bad_line (guint n)
{
  static const char * const lines[] = {
    "{\"id\":\"bad-json\",\"type\":\n",
    "{\"type\":\"order-created\",\"timestamp\":1714521600000}\n",
    "{\"id\":\"bad-ts\",\"type\":\"order-created\",\"timestamp\":\"yesterday\"}\n",
    "{\"id\":\"bad-utf8\",\"type\":\"order-created\",\"timestamp\":1714521600000,\"x\":\"\xff\"}\n",
    "[\"not\",\"an\",\"object\"]\n",
  };

  return lines[n % G_N_ELEMENTS (lines)];
}

static gboolean
close_object (Gen     *gen,
              GError **error)
{
  g_autoptr(GOutputStream) out = g_steal_pointer (&gen->out);

  if (out == NULL)
    return TRUE;
  return g_output_stream_close (out, NULL, error);
}

static gboolean
open_object (Gen     *gen,
             gint64   ts,
             GError **error)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (ts / 1000);
  g_autofree char *hour_dir = g_date_time_format (time, "%Y/%m/%d/%H");
  g_autofree char *stamp = g_date_time_format (time, "%Y-%m-%d-%H-%M-%S");
  g_autofree char *name = g_strdup_printf ("hubwatch-lake-1-%s-%08x", stamp,
                                           (guint) (rng_next (&gen->rng) >> 32));
  g_autofree char *dir = g_build_filename (gen->out_dir, REGION, hour_dir, NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileOutputStream) raw = NULL;
  g_autoptr(GZlibCompressor) compressor = NULL;

  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "%s: %s", dir, g_strerror (errno));
      return FALSE;
    }
  file = g_file_new_for_path (path);
  raw = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, error);
  if (raw == NULL)
    return FALSE;

  /* Level 1: the generator should not dominate a benchmark run. */
  compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 1);
  gen->out = g_converter_output_stream_new (G_OUTPUT_STREAM (raw), G_CONVERTER (compressor));
  gen->out_hour = ts / HOUR_MS;
  gen->out_events = 0;
  gen->stats->objects++;
  return TRUE;
}

static gboolean
write_line (Gen        *gen,
            const char *line,
            gsize       length,
            gint64      ts,
            GError    **error)
{
  guint per_object = gen->options->events_per_object > 0 ? gen->options->events_per_object : 5000;

  if (gen->out != NULL && (ts / HOUR_MS != gen->out_hour || gen->out_events >= per_object))
    if (!close_object (gen, error))
      return FALSE;
  if (gen->out == NULL && !open_object (gen, ts, error))
    return FALSE;

  gen->out_events++;
  gen->stats->raw_bytes += length;
  return g_output_stream_write_all (gen->out, line, length, NULL, NULL, error);
}

static guint64
directory_size (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;
  guint64 total = 0;

  if (dir == NULL)
    {
      GStatBuf st;

      return g_stat (path, &st) == 0 ? (guint64) st.st_size : 0;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      total += directory_size (child);
    }
  return total;
}

gboolean
hw_lake_gen_write (const char             *out_dir,
                   const HwLakeGenOptions *options,
                   HwLakeGenStats         *stats,
                   GError                **error)
{
  g_autoptr(GString) line = g_string_sized_new (8192);
  g_autofree char *region_dir = NULL;
  Gen gen = { 0 };
  guint64 bad_every;
  gint64 ts = BASE_MS;
  gboolean ok = TRUE;

  g_return_val_if_fail (out_dir != NULL, FALSE);
  g_return_val_if_fail (options != NULL, FALSE);
  g_return_val_if_fail (stats != NULL, FALSE);

  memset (stats, 0, sizeof *stats);
  gen.rng.state = options->seed * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15) + 1;
  gen.options = options;
  gen.stats = stats;
  gen.out_dir = out_dir;
  gen_init_words (&gen);

  bad_every = options->bad_lines > 0 ? MAX (options->events / (options->bad_lines + 1), 1) : 0;
  stats->first_ms = ts;

  for (guint64 i = 0; ok && i < options->events; i++)
    {
      ts += STEP_MS + rng_below (&gen.rng, 40);
      g_string_truncate (line, 0);
      append_event (&gen, line, i, ts);
      ok = write_line (&gen, line->str, line->len, ts, error);
      stats->events++;

      if (ok && bad_every > 0 && stats->bad_lines < options->bad_lines && (i + 1) % bad_every == 0)
        {
          const char *bad = bad_line (stats->bad_lines);

          ok = write_line (&gen, bad, strlen (bad), ts, error);
          stats->bad_lines++;
        }
    }
  stats->last_ms = ts;

  if (!close_object (&gen, ok ? error : NULL))
    ok = FALSE;
  for (guint i = 0; i < N_WORDS; i++)
    g_free (gen.words[i]);

  region_dir = g_build_filename (out_dir, REGION, NULL);
  stats->gzip_bytes = directory_size (region_dir);
  return ok;
}
