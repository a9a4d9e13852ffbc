/* hw-jetstream.h: the event lake as a replicated NATS JetStream stream
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The first part of the JetStream engine (docs/jetstream.md): a
 * connection to a cluster that keeps the subsystem's lake stream, publishes
 * events to it with JetStream's acknowledgement, and reads them back by
 * stream sequence. Thread-safe: ingest workers publish concurrently.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _HwJetStream HwJetStream;

typedef struct
{
  /* NULL-terminated nats:// URLs of the cluster's servers; the client
   * moves to another one when its server goes away. */
  const char * const *urls;
  /* The stream is HW_<KIND>_<subsystem>, on the subject
   * hw.<subsystem>.<kind>: see @kind. */
  const char         *subsystem;
  /* Copies of every event: a 2xx waits until this many servers have it. */
  int                 replicas;
  /* The longest a publish waits for its acknowledgements, and connect for
   * the cluster to be ready (a leader for the stream) unless
   * @connect_timeout_ms is set. */
  gint64              timeout_ms;
  gint64              connect_timeout_ms;
  /* "lake" when NULL (the events), "system" (the system events) or
   * "metrics" (the replicas' work metrics), docs/jetstream.md. */
  const char         *kind;
  /* Messages older than this are dropped by the stream; 0 keeps them
   * forever (the lake). */
  gint64              max_age_ms;
} HwJetStreamOptions;

typedef enum
{
  HW_JETSTREAM_STORED,
  /* JetStream had this event id already (within its duplicate window). */
  HW_JETSTREAM_DUPLICATE,
  /* Not acknowledged: the event may or may not be stored; publishing it
   * again with the same id is safe. */
  HW_JETSTREAM_FAILED,
} HwJetStreamStatus;

typedef struct
{
  HwJetStreamStatus  status;
  guint64            seq;     /* the stream sequence, when stored or duplicate */
  char              *error;   /* when failed */
} HwJetStreamResult;

void          hw_jetstream_result_clear (HwJetStreamResult *result);

/* Connects and creates the lake stream if it is missing, retrying until
 * the cluster can place it or @options->timeout_ms passes. */
HwJetStream  *hw_jetstream_connect      (const HwJetStreamOptions  *options,
                                         GError                   **error);
void          hw_jetstream_free         (HwJetStream               *self);
const char   *hw_jetstream_get_stream   (HwJetStream               *self);
/* The server the client talks to now, or NULL while reconnecting. */
char         *hw_jetstream_dup_server   (HwJetStream               *self);

/* Publishes @n events, each with its id as JetStream's message id, and
 * waits for every acknowledgement or failure. FALSE only when nothing
 * could be sent (no connection); per-event outcomes are in @results. */
gboolean      hw_jetstream_publish      (HwJetStream               *self,
                                         const char * const        *ids,
                                         GBytes * const            *payloads,
                                         guint                      n,
                                         HwJetStreamResult         *results,
                                         GError                   **error);

/* The stream's last sequence (0 when empty). -1 on error. */
gint64        hw_jetstream_last_seq     (HwJetStream               *self,
                                         GError                   **error);

/* The stored event at @seq, or NULL with G_IO_ERROR_NOT_FOUND when the
 * stream has none there. */
GBytes       *hw_jetstream_get          (HwJetStream               *self,
                                         guint64                    seq,
                                         GError                   **error);

/* Reads the stream in order from a sequence on: a replica filling its
 * own index, or a replay. Not thread-safe: one reader per thread. */
typedef struct _HwJetStreamReader HwJetStreamReader;

HwJetStreamReader *hw_jetstream_read_from    (HwJetStream        *self,
                                              guint64             first_seq,
                                              GError            **error);
/* Up to @max events that are there or arrive within @wait_ms, appended
 * to @payloads (GBytes*) and @seqs (guint64); none is not an error.
 * After an error the reader is spent: make a new one from where it got. */
gboolean           hw_jetstream_reader_next  (HwJetStreamReader  *reader,
                                              guint               max,
                                              gint64              wait_ms,
                                              GPtrArray          *payloads,
                                              GArray             *seqs,
                                              GError            **error);
void               hw_jetstream_reader_free  (HwJetStreamReader  *reader);
/* For a reader that failed or went quiet: frees it without asking the
 * server to delete its consumer, which expires on its own. */
void               hw_jetstream_reader_abandon (HwJetStreamReader *reader);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwJetStream, hw_jetstream_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwJetStreamReader, hw_jetstream_reader_free)

G_END_DECLS
