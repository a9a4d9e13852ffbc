/* hw-jetstream-mirror.h: a replica's own lake.db, filled from the lake stream
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * With the JetStream engine the stream is the lake, and each hub replica
 * keeps a derived copy in its own event store for search, counts and
 * delivery reads, under the stream's sequence numbers. A store that is
 * empty (new, or its data deleted) is filled from the start.
 */
#pragma once

#include <gio/gio.h>

#include "hw-event-store.h"
#include "hw-jetstream.h"

G_BEGIN_DECLS

typedef struct _HwJetStreamMirror HwJetStreamMirror;

/* Called on the mirror's thread after each batch it stored, with the
 * range of the stream sequences it added (a hub wakes its delivery and
 * stream there, as after a publish with the embedded engine). */
typedef void (*HwJetStreamMirrorFunc) (guint64  first_seq,
                                       guint64  last_seq,
                                       gpointer user_data);

/* Starts a thread that reads @js's stream after @store's newest seq.
 * Both, and @user_data, must outlive the mirror. @func may be NULL. */
HwJetStreamMirror *hw_jetstream_mirror_start   (HwJetStream          *js,
                                                HwEventStore         *store,
                                                HwJetStreamMirrorFunc func,
                                                gpointer              user_data);
/* Applies a batch read from the stream, in stream order, on the mirror's
 * thread: @payloads (GBytes*) and their @seqs (guint64). FALSE with @error
 * when it could not: the batch is read again. */
typedef gboolean (*HwJetStreamMirrorApply) (GPtrArray  *payloads,
                                            GArray     *seqs,
                                            gpointer    user_data,
                                            GError    **error);

/* The same for another stream than the lake, or another store: reads
 * @js's stream after @held_seq, and hands every batch to @apply. @label
 * names the thread ("hw-" @label) and the mirror in messages; it must
 * outlive the mirror, as @js and @user_data. */
HwJetStreamMirror *hw_jetstream_mirror_start_applying (HwJetStream           *js,
                                                       guint64                held_seq,
                                                       const char            *label,
                                                       HwJetStreamMirrorApply apply,
                                                       gpointer               user_data);
/* The newest stream sequence the store holds (or has passed over). */
guint64            hw_jetstream_mirror_get_seq (HwJetStreamMirror  *self);
/* Until the store holds the stream up to @seq: TRUE, or FALSE once
 * @timeout_ms passes or @cancellable is cancelled. */
gboolean           hw_jetstream_mirror_wait    (HwJetStreamMirror  *self,
                                                guint64             seq,
                                                gint64              timeout_ms,
                                                GCancellable       *cancellable);
void               hw_jetstream_mirror_free    (HwJetStreamMirror  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwJetStreamMirror, hw_jetstream_mirror_free)

G_END_DECLS
