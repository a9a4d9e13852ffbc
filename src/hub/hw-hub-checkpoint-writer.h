/* hw-hub-checkpoint-writer.h: listeners' checkpoints, written to hub.db off the main loop
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hw-hub.h"

G_BEGIN_DECLS

typedef struct _HwCheckpointWriter HwCheckpointWriter;

/* Writes to @hub's hub.db, under its mutex, on a thread of its own. */
HwCheckpointWriter *hw_checkpoint_writer_new    (HwHub              *hub);
/* Flushes, then ends the thread. */
void                hw_checkpoint_writer_free   (HwCheckpointWriter *self);

/* Keeps @checkpoint and @delivered as @name's latest (never lower than
 * one kept before for the same incarnation) and has them written soon,
 * in one transaction with every other listener's. @incarnation is the
 * listeners row's created_at: the row is updated only while it matches. */
void                hw_checkpoint_writer_queue  (HwCheckpointWriter *self,
                                                 const char         *name,
                                                 gint64              incarnation,
                                                 gint64              checkpoint,
                                                 guint64             delivered);
/* Drops what is kept for @name. The caller holds the hub.db mutex, in the
 * same hold as the DELETE or the INSERT of @name's row. */
void                hw_checkpoint_writer_forget (HwCheckpointWriter *self,
                                                 const char         *name);
/* @name's row holds @checkpoint: just read or made. */
void                hw_checkpoint_writer_note_written (HwCheckpointWriter *self,
                                                       const char         *name,
                                                       gint64              incarnation,
                                                       gint64              checkpoint);
/* The checkpoint hub.db holds for @name's @incarnation, as last written or
 * noted; FALSE when unknown. Any thread. */
gboolean            hw_checkpoint_writer_get_written  (HwCheckpointWriter *self,
                                                       const char         *name,
                                                       gint64              incarnation,
                                                       gint64             *out_checkpoint);
/* Returns once everything queued before is written (or failed). */
void                hw_checkpoint_writer_flush  (HwCheckpointWriter *self);

G_END_DECLS
