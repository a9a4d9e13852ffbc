/* hw-simulator.h: a food-delivery subsystem driving a hub through its public API
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _HwSimulator HwSimulator;

/* A simulator publishing to the hub at @base_url ("http://127.0.0.1:PORT"),
 * authenticating with the bearer secret @token (NULL in open development
 * mode; it needs the operator and publisher roles, i.e. admin). It seeds
 * @backfill_days of history (0 = none) and then runs live. */
HwSimulator *hw_simulator_new   (const char   *base_url,
                                 const char   *token,
                                 guint         backfill_days);
/* Starts its listener functions on a loopback port and begins producing on
 * the thread-default main context. Everything it does is asynchronous, so
 * it can share the main context with the hub it drives. */
gboolean     hw_simulator_start (HwSimulator  *self,
                                 GError      **error);
void         hw_simulator_free  (HwSimulator  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwSimulator, hw_simulator_free)

G_END_DECLS
