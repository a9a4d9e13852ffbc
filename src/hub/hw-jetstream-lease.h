/* hw-jetstream-lease.h: one holder at a time for a key in a KV bucket
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * How hub replicas share listeners and jobs (docs/jetstream.md): the
 * replica holding a listener's lease delivers it. A lease is the key
 * written with its holder's name; it lasts the bucket's TTL after its
 * last write unless renewed, so it lapses when its holder dies or loses
 * the cluster. Not thread-safe: one owner.
 */
#pragma once

#include <gio/gio.h>

#include "hw-jetstream-kv.h"

G_BEGIN_DECLS

typedef struct _HwJetStreamLease HwJetStreamLease;

/* A lease on @key in @kv (which must have a TTL, and outlive the lease)
 * for @holder (a replica id: the key's value, for people reading the
 * bucket). Two lease objects are two holders, whatever their names.
 * Takes nothing yet. */
HwJetStreamLease *hw_jetstream_lease_new     (HwJetStreamKv     *kv,
                                              const char        *key,
                                              const char        *holder);

/* Takes the lease if it is free or expired, or renews it if held
 * (compare-and-set on the revision of our last write): TRUE while held.
 * FALSE with G_IO_ERROR_BUSY when another holder has it, and FALSE with
 * another error when it could not be taken or renewed in time: either
 * way the caller stops acting as holder until a refresh returns TRUE
 * again. Call it well within the TTL, e.g. every quarter of it: a lease
 * not renewed while is_held() is let go, and taken again only once its
 * key has expired. */
gboolean          hw_jetstream_lease_refresh (HwJetStreamLease  *lease,
                                              GError           **error);

/* Whether the last successful take or renewal still covers now: it began
 * less than TTL − a safety margin (a quarter of the TTL) ago, on the
 * monotonic clock. Turns FALSE on time even if the cluster cannot be
 * reached, before anyone else can take the lease. */
gboolean          hw_jetstream_lease_is_held (HwJetStreamLease  *lease);
/* When is_held() turns FALSE, in g_get_monotonic_time() µs; 0 when not
 * held. For a caller on another thread to stop acting as holder on time
 * even if the owner's next refresh is slow. */
gint64            hw_jetstream_lease_get_held_until (HwJetStreamLease *lease);

/* Deletes the key if our last write is still its last revision (so never
 * someone else's lease), letting another holder take it at once. Only
 * while is_held(), well before the key could expire and be taken; best
 * effort, since an unreleased lease lapses after the TTL anyway. */
void              hw_jetstream_lease_release (HwJetStreamLease  *lease);

/* Frees without releasing: a lease left held lapses after the TTL. */
void              hw_jetstream_lease_free    (HwJetStreamLease  *lease);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwJetStreamLease, hw_jetstream_lease_free)

G_END_DECLS
