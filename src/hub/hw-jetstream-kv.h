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
/* Unconditional; deleting an absent key is no error. Deleting purges the
 * key's messages: watchers see no delete marker. */
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

G_END_DECLS
