/* hw-jetstream-kv.h: a key-value bucket on the JetStream cluster
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What hub replicas share besides the lake (docs/jetstream.md): leases on
 * listeners, job records. Every write answers the key's new revision, and
 * create/update are compare-and-set on it, so two replicas racing for a
 * key learn which of them won. Each request waits at most 2 s: during a
 * leader election the caller gets an error soon and tries again.
 * Thread-safe; the HwJetStream must outlive it.
 */
#pragma once

#include <gio/gio.h>

#include "hw-jetstream.h"

G_BEGIN_DECLS

typedef struct _HwJetStreamKv HwJetStreamKv;

/* Opens the bucket HW_<name>_<subsystem>, creating it with @replicas
 * copies if it is missing. With @ttl_ms > 0 an entry expires @ttl_ms
 * after it was last written (what makes a lease lapse when its holder
 * dies). A bucket that exists keeps its own settings: see
 * hw_jetstream_kv_get_ttl_ms(). Retries while the cluster elects leaders,
 * up to the HwJetStream's timeout. */
HwJetStreamKv *hw_jetstream_kv_open       (HwJetStream    *js,
                                           const char     *name,
                                           int             replicas,
                                           gint64          ttl_ms,
                                           GError        **error);
void           hw_jetstream_kv_free       (HwJetStreamKv  *kv);
const char    *hw_jetstream_kv_get_bucket (HwJetStreamKv  *kv);
/* The bucket's TTL as the cluster keeps it (0: entries never expire). */
gint64         hw_jetstream_kv_get_ttl_ms (HwJetStreamKv  *kv);

/* Keys are letters, digits and - _ / = . (not first or last, not two in
 * a row); others fail with G_IO_ERROR_INVALID_ARGUMENT. */

/* The value and its revision, or NULL with G_IO_ERROR_NOT_FOUND when the
 * key is absent, deleted or expired. */
GBytes        *hw_jetstream_kv_get        (HwJetStreamKv  *kv,
                                           const char     *key,
                                           guint64        *out_revision,
                                           GError        **error);
/* Unconditional: the new revision, 0 on error. */
guint64        hw_jetstream_kv_put        (HwJetStreamKv  *kv,
                                           const char     *key,
                                           GBytes         *value,
                                           GError        **error);
/* Only if the key is absent, deleted or expired: the new revision, or 0
 * with G_IO_ERROR_EXISTS. (A key another client deleted, leaving a delete
 * marker, fails with G_IO_ERROR_FAILED until the marker expires.) */
guint64        hw_jetstream_kv_create     (HwJetStreamKv  *kv,
                                           const char     *key,
                                           GBytes         *value,
                                           GError        **error);
/* Compare-and-set: only if the key's last revision is @last (> 0): the
 * new revision, or 0 with G_IO_ERROR_WRONG_ETAG when someone else wrote,
 * deleted it or it expired since. Of writers racing from the same
 * revision exactly one succeeds, also on nats-server 2.9 (two requests:
 * see hw-jetstream-kv.c). */
guint64        hw_jetstream_kv_update     (HwJetStreamKv  *kv,
                                           const char     *key,
                                           GBytes         *value,
                                           guint64         last,
                                           GError        **error);
/* Unconditional; deleting an absent key is no error. Writes a delete
 * marker (as kvStore_Delete() does), which replaces the key's value:
 * watchers see the key deleted. */
gboolean       hw_jetstream_kv_delete     (HwJetStreamKv  *kv,
                                           const char     *key,
                                           GError        **error);
/* Compare-and-set delete: only if the key's last revision is @last, or
 * FALSE with G_IO_ERROR_WRONG_ETAG. */
gboolean       hw_jetstream_kv_delete_if  (HwJetStreamKv  *kv,
                                           const char     *key,
                                           guint64         last,
                                           GError        **error);
/* The keys present (not deleted or expired), sorted; NULL on error. */
GStrv          hw_jetstream_kv_keys       (HwJetStreamKv  *kv,
                                           GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwJetStreamKv, hw_jetstream_kv_free)

/* Watching keys: what a replica needs to learn of another's writes
 * without polling each key. A watch is used by one thread at a time (the
 * bucket stays thread-safe). It outlasts the loss of its server: the
 * client reconnects and libnats makes the watch's consumer again from the
 * last revision returned, so no change is lost or repeated, but nothing
 * comes meanwhile (up to 30 s in tests, with no error). */
typedef struct _HwJetStreamKvWatch HwJetStreamKvWatch;

typedef struct
{
  char    *key;
  GBytes  *value;      /* NULL when the key was deleted or purged */
  guint64  revision;
} HwJetStreamKvChange;

/* Watches the keys matching @pattern (NULL: every key; else a subject-style
 * pattern such as "job.>"): first each key's current value, then every change,
 * in revision order. The bucket must outlive it. A key that expires (TTL)
 * comes as no change: nats-server 2.9 drops it without a marker, so a
 * watcher of leases still checks their age itself. Deleted keys whose
 * marker is still there come among the current values, with value NULL.
 * Fails with G_IO_ERROR_INVALID_ARGUMENT on a pattern that is not one, and
 * after at most 2 s while the cluster elects leaders (try again). */
HwJetStreamKvWatch *hw_jetstream_kv_watch            (HwJetStreamKv        *kv,
                                                      const char           *pattern,
                                                      GError              **error);
/* TRUE with *@change filled when a change came within @timeout_ms (0: only
 * what is already there); FALSE without error when none did; FALSE with an
 * error when the watch failed (the caller makes a new one). *@change must be
 * empty (zeroed, or cleared with hw_jetstream_kv_change_clear()). Returns
 * one change a call: a caller polling now and then drains them in a loop.
 * Timeout 0 still waits up to 1 ms when nothing is there: libnats takes
 * no shorter wait. */
gboolean            hw_jetstream_kv_watch_next       (HwJetStreamKvWatch   *watch,
                                                      gint64                timeout_ms,
                                                      HwJetStreamKvChange  *change,
                                                      GError              **error);
/* Whether every value the bucket held when the watch began has been returned. */
gboolean            hw_jetstream_kv_watch_is_current (HwJetStreamKvWatch   *watch);
void                hw_jetstream_kv_change_clear     (HwJetStreamKvChange  *change);
void                hw_jetstream_kv_watch_free       (HwJetStreamKvWatch   *watch);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwJetStreamKvWatch, hw_jetstream_kv_watch_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (HwJetStreamKvChange, hw_jetstream_kv_change_clear)

G_END_DECLS
