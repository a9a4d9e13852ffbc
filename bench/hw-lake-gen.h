/* hw-lake-gen.h: a deterministic synthetic event lake, for benchmarks and tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  guint64 events;             /* valid events, each with a unique id */
  guint64 seed;
  guint   bad_lines;          /* invalid lines spread evenly among them */
  guint   events_per_object;  /* 0: 5000, like a Firehose buffer */
} HwLakeGenOptions;

typedef struct
{
  guint64 events;
  guint64 bad_lines;
  guint64 objects;
  guint64 faults;
  guint64 wrapped;            /* lines wrapped by the bus */
  guint64 compressed;         /* events holding a COMPRESSED value */
  guint64 eem;                /* events with eem.fields */
  guint64 raw_bytes;          /* the NDJSON as it would be uncompressed */
  guint64 gzip_bytes;         /* what was written */
  gint64  first_ms;
  gint64  last_ms;
} HwLakeGenStats;

/* Writes gzip objects without extension under
 * @out_dir/us-east-1/YYYY/MM/DD/HH/, grouped by UTC arrival hour: events of
 * 0.5–4 KB, 30 types, 20 function names, Zipf-distributed words, ~1 % faults,
 * ~10 % bus-wrapped lines, ~0.5 % COMPRESSED values, ~5 % eem.fields.
 * The same options always give the same bytes. */
gboolean hw_lake_gen_write (const char             *out_dir,
                            const HwLakeGenOptions *options,
                            HwLakeGenStats         *stats,
                            GError                **error);

G_END_DECLS
