/* hw-hub-system-mirror.h: the system events shared by JetStream replicas, as stream messages
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * With the JetStream engine every write of a system event (a POST, a
 * PATCH's merged result, an audit) is a message on the stream
 * HW_SYSTEM_<subsystem>, and each replica's store is a copy of that
 * stream, applied in order under the stream's sequence numbers by its
 * mirror: the only writer of system events in that engine, so the changes
 * feed (`?after=SEQ`) is the same through every replica
 * (docs/jetstream.md).
 */
#pragma once

#include <json-glib/json-glib.h>

#include "hw-hub.h"
#include "hw-hub-system-outcomes.h"

G_BEGIN_DECLS

/* The message for a POST of @event (which has its "id" and "kind"),
 * ordered by @ts_ms: a stored id wins. */
GBytes   *hw_hub_system_message_new   (JsonObject  *event,
                                       gint64       ts_ms);
/* The message for a PATCH's merged result @event, merged from the version
 * stored under @base_seq: every copy applies it only while that version
 * is still the stored one (HW_SYSTEM_OUTCOME_CONFLICT otherwise). */
GBytes   *hw_hub_system_change_message_new (JsonObject *event,
                                            gint64      ts_ms,
                                            gint64      base_seq);
/* The message (a POST's) for an event a store kept as @json, or NULL
 * when @json is not a system event. */
GBytes   *hw_hub_system_message_from_stored (const char *json,
                                             gint64      ts_ms);
/* JetStream's message id for @message about @id: the id and a hash of the
 * content, so that a retry is stored once and a later change is not
 * taken for one. */
char     *hw_hub_system_message_id    (const char  *id,
                                       GBytes      *message);

/* What the copy's HwJetStreamMirrorApply does for @hub's store: stores
 * each message under its stream sequence, notes its outcome in @outcomes
 * and pushes what changed to the hub's live stream. */
gboolean  hw_hub_system_mirror_apply  (HwHub                *hub,
                                       HwHubSystemOutcomes  *outcomes,
                                       GPtrArray            *payloads,
                                       GArray               *seqs,
                                       GError              **error);

G_END_DECLS
