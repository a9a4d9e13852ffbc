/* hw-test-jetstream.h: a JetStream connection to the test's cluster
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Compiled only into the tests of the JetStream engine's parts, which
 * link the hub library (and libnats); the other tests do not.
 */
#pragma once

#include "hw-jetstream.h"

G_BEGIN_DECLS

/* Connects to @urls for the subsystem "test subsystem" (stream
 * HW_LAKE_test_subsystem, 3 replicas), waiting (scaled, 20 s) for the
 * cluster to elect its leaders; fails the test otherwise. */
HwJetStream *hw_test_jetstream_connect (const char * const *urls);

G_END_DECLS
