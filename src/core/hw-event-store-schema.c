/* hw-event-store-schema.c: the event store's schema and its forward migrations
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-error.h"
#include "hw-event-store-private.h"

/* Step N takes a file from user_version N to N+1. Append new steps at the
 * end; never edit a step that has shipped, since files in the wild were
 * made by it.
 *
 * Full text: contentless FTS5 (the text is never stored twice, the body
 * holds it compressed). Up to step 5 with detail=full, positions for
 * phrase queries; since step 6 without (see hw-event-store-text.c), about
 * a quarter of the size. columnsize=0 because nothing ranks by bm25
 * (results are ordered by time), which saves one B-tree write per event.
 * remove_diacritics 2 so that "cafe" finds "café". */
static const char * const migrations[] = {
  /* 0 → 1 */
  "CREATE TABLE events ("
  "  seq           INTEGER PRIMARY KEY,"
  "  id            TEXT NOT NULL UNIQUE,"
  "  type          TEXT NOT NULL,"
  "  ts            INTEGER NOT NULL,"
  "  received_ms   INTEGER NOT NULL,"
  "  partition_key TEXT,"
  "  source        TEXT,"
  "  functionname  TEXT,"
  "  pipeline      TEXT,"
  "  account       TEXT,"
  "  region        TEXT,"
  "  stage         TEXT,"
  "  tags          TEXT,"
  "  is_fault      INTEGER NOT NULL,"
  "  size          INTEGER NOT NULL,"
  "  body          BLOB NOT NULL"
  ");"
  "CREATE INDEX events_ts ON events (ts);"
  "CREATE INDEX events_type_ts ON events (type, ts);"
  "CREATE INDEX events_functionname_ts ON events (functionname, ts);"
  "CREATE INDEX events_partition_key ON events (partition_key);"
  "CREATE INDEX events_source_ts ON events (source, ts);"
  "CREATE VIRTUAL TABLE events_fts USING fts5 ("
  "  text, content='', columnsize=0, tokenize='unicode61 remove_diacritics 2'"
  ");"
  "CREATE TABLE faults ("
  "  seq            INTEGER PRIMARY KEY REFERENCES events (seq),"
  "  ts             INTEGER NOT NULL,"
  "  functionname   TEXT,"
  "  pipeline       TEXT,"
  "  err_name       TEXT,"
  "  err_message    TEXT,"
  "  err_stack      TEXT,"
  "  resubmitted_at INTEGER"
  ");"
  "CREATE INDEX faults_ts ON faults (ts);"
  "CREATE TABLE system_events ("
  "  seq     INTEGER PRIMARY KEY,"
  "  id      TEXT NOT NULL UNIQUE,"
  "  kind    TEXT NOT NULL,"
  "  ts      INTEGER NOT NULL,"
  "  service TEXT,"
  "  json    TEXT NOT NULL"
  ");"
  "CREATE INDEX system_events_ts ON system_events (ts);"
  "CREATE INDEX system_events_kind_ts ON system_events (kind, ts);"
  "CREATE TABLE metric_points ("
  "  name         TEXT NOT NULL,"
  "  labels       TEXT NOT NULL,"
  "  resolution_s INTEGER NOT NULL,"
  "  ts           INTEGER NOT NULL,"
  "  sum          REAL NOT NULL,"
  "  min          REAL NOT NULL,"
  "  max          REAL NOT NULL,"
  "  count        INTEGER NOT NULL,"
  "  PRIMARY KEY (name, resolution_s, labels, ts)"
  ") WITHOUT ROWID;"
  "CREATE INDEX metric_points_range ON metric_points (name, resolution_s, ts);"
  "CREATE TABLE sync_cursors ("
  "  name       TEXT PRIMARY KEY,"
  "  value      TEXT NOT NULL,"
  "  updated_at INTEGER NOT NULL"
  ");",

  /* 1 → 2: faults get an explicit state, so that a fault can be resubmitted
   * more than once and the console can filter on "not yet handled". */
  "ALTER TABLE faults ADD COLUMN state TEXT NOT NULL DEFAULT 'new';"
  "UPDATE faults SET state = 'resubmitted' WHERE resubmitted_at IS NOT NULL;"
  "CREATE INDEX faults_functionname_ts ON faults (functionname, ts);",

  /* 2 → 3: bodies written from now on are zstd frames (hw-event-prepare.c;
   * zlib bodies stay readable), so a build that reads only zlib must see a
   * newer schema and rebuild rather than fail on single bodies. And FTS5
   * merges segments once 16 of a level exist instead of 4 (the setting
   * lives in events_fts_config, so the step applies it to old caches as
   * well): the hub commits every request or group, a small segment each,
   * and with 4 the merging of those was over half the writer's
   * instructions (500-event commits: 356k instructions per event with 4,
   * 246k with 16); a term then reads a few more segments, under a
   * millisecond on the benchmark's searches. */
  "INSERT INTO events_fts (events_fts, rank) VALUES ('automerge', 16);",

  /* 3 → 4: FTS5 merges a level whole, inside the commit at hand, once it
   * holds 'crisismerge' segments (16 by default), and automerge only starts
   * its incremental merging at 16 since step 2 → 3: each level filled up to
   * the crisis. Ingesting a million events into the hub, a commit then took
   * 0.5-1.8 s every 18 s or so, with every publisher waiting on it; at 64
   * the incremental merges keep up, and the longest FTS flush in the same
   * run was 40 ms. The ingest rate did not change: the work is the same,
   * spread out. */
  "INSERT INTO events_fts (events_fts, rank) VALUES ('crisismerge', 64);",

  /* 4 → 5: no index on partition_key. Keys are random, so each commit
   * wrote most of that index's leaves again: ingesting a million events
   * into the hub, the writer spent 9 us per event on it and the
   * checkpointer 4 more, and the rate went from 13.6k to 17.6k events/s
   * without it. A key's words are in the full-text index, which
   * hw-query-sql.c searches first for partitionKey:…; see there. */
  "DROP INDEX IF EXISTS events_partition_key;",

  /* 5 → 6: the full-text index without positions (detail=none); phrases
   * are tested against the bodies (hw-event-store-text.c, which says what
   * it saved). Contentless, so the index was filled again from the bodies
   * (since step 7, the index thread does that), and the merge settings
   * of steps 2 and 4 go to the new table. */
  "DROP TABLE events_fts;"
  "CREATE VIRTUAL TABLE events_fts USING fts5 ("
  "  text, content='', columnsize=0, detail=none, tokenize='unicode61 remove_diacritics 2'"
  ");"
  "INSERT INTO events_fts (events_fts, rank) VALUES ('automerge', 16);"
  "INSERT INTO events_fts (events_fts, rank) VALUES ('crisismerge', 64);",

  /* 6 → 7: the full-text index moves to a file of its own, written by a
   * thread of its own behind the events (hw-event-store-index.c, which
   * says what it saved). That thread fills the new file from the stored
   * bodies; the pages of the old table go to the free list. */
  "DROP TABLE events_fts;",

  /* 7 → 8: work metrics shared by the replicas of the JetStream engine
   * (docs/jetstream.md). metric_outbox names this replica's points written
   * since they were last published: triggers fill it in the transaction
   * that writes the point, so a point is never written and then forgotten
   * by a crash, and a point written again (a late count) is named again
   * under a new id while its older publish is in flight. Only a store that
   * shares its metrics (its cursor 'metrics-replica' is set) fills it: the
   * embedded engine's never does. metric_copies holds the other replicas'
   * points, the newest version (the publisher's outbox id) of each
   * replica, series and bucket. */
  "CREATE TABLE metric_outbox ("
  "  id           INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  name         TEXT NOT NULL,"
  "  labels       TEXT NOT NULL,"
  "  resolution_s INTEGER NOT NULL,"
  "  ts           INTEGER NOT NULL,"
  "  UNIQUE (name, resolution_s, labels, ts)"
  ");"
  "CREATE TRIGGER metric_points_outbox_insert AFTER INSERT ON metric_points"
  "  WHEN EXISTS (SELECT 1 FROM sync_cursors WHERE name = 'metrics-replica') BEGIN"
  "  INSERT OR REPLACE INTO metric_outbox (name, labels, resolution_s, ts)"
  "    VALUES (NEW.name, NEW.labels, NEW.resolution_s, NEW.ts);"
  "  END;"
  "CREATE TRIGGER metric_points_outbox_update AFTER UPDATE ON metric_points"
  "  WHEN EXISTS (SELECT 1 FROM sync_cursors WHERE name = 'metrics-replica') BEGIN"
  "  INSERT OR REPLACE INTO metric_outbox (name, labels, resolution_s, ts)"
  "    VALUES (NEW.name, NEW.labels, NEW.resolution_s, NEW.ts);"
  "  END;"
  "CREATE TRIGGER metric_points_outbox_delete AFTER DELETE ON metric_points BEGIN"
  "  DELETE FROM metric_outbox WHERE name = OLD.name AND resolution_s = OLD.resolution_s"
  "    AND labels = OLD.labels AND ts = OLD.ts;"
  "  END;"
  "CREATE TABLE metric_copies ("
  "  name         TEXT NOT NULL,"
  "  labels       TEXT NOT NULL,"
  "  resolution_s INTEGER NOT NULL,"
  "  ts           INTEGER NOT NULL,"
  "  replica      TEXT NOT NULL,"
  "  version      INTEGER NOT NULL,"
  "  sum          REAL NOT NULL,"
  "  min          REAL NOT NULL,"
  "  max          REAL NOT NULL,"
  "  count        INTEGER NOT NULL,"
  "  PRIMARY KEY (name, resolution_s, ts, labels, replica)"
  ") WITHOUT ROWID;"
  "CREATE INDEX metric_copies_age ON metric_copies (resolution_s, ts);",
};

guint
hw_event_store_schema_version (void)
{
  return G_N_ELEMENTS (migrations);
}

static gboolean
exec (sqlite3     *db,
      const char  *sql,
      const char  *what,
      GError     **error)
{
  int rc = sqlite3_exec (db, sql, NULL, NULL, NULL);

  if (rc == SQLITE_OK)
    return TRUE;
  hw_store_set_sqlite_error (error, db, rc, what);
  return FALSE;
}

static gboolean
query_int (sqlite3     *db,
           const char  *sql,
           gint64      *out,
           GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      hw_store_set_sqlite_error (error, db, rc, sql);
      sqlite3_finalize (stmt);
      return FALSE;
    }
  *out = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return TRUE;
}

static gboolean
apply_step (sqlite3     *db,
            guint        step,
            GError     **error)
{
  g_autofree char *set_version = g_strdup_printf ("PRAGMA user_version = %u", step + 1);
  g_autofree char *what = g_strdup_printf ("migration to schema version %u", step + 1);

  if (!exec (db, "BEGIN IMMEDIATE", what, error))
    return FALSE;
  if (!exec (db, migrations[step], what, error) ||
      !exec (db, set_version, what, error))
    {
      sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  return exec (db, "COMMIT", what, error);
}

gboolean
hw_store_schema_migrate (sqlite3  *db,
                         GError  **error)
{
  gint64 version = 0;
  gint64 n_objects = 0;

  if (!query_int (db, "PRAGMA user_version", &version, error))
    return FALSE;

  if (version > (gint64) G_N_ELEMENTS (migrations))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_CORRUPT,
                   "schema version %" G_GINT64_FORMAT " is newer than this build "
                   "understands (%u)", version, hw_event_store_schema_version ());
      return FALSE;
    }

  /* A database at version 0 with tables in it was made by someone else:
   * migrating on top of it would fail halfway or mix unrelated data. */
  if (version == 0)
    {
      if (!query_int (db, "SELECT count(*) FROM sqlite_schema", &n_objects, error))
        return FALSE;
      if (n_objects > 0)
        {
          g_set_error (error, HW_ERROR, HW_ERROR_CORRUPT,
                       "the file is an SQLite database but not a Hubwatch event store");
          return FALSE;
        }
    }

  for (guint step = version; step < G_N_ELEMENTS (migrations); step++)
    if (!apply_step (db, step, error))
      return FALSE;

  return TRUE;
}
