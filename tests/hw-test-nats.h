/* hw-test-nats.h: a real NATS JetStream cluster on loopback, started by the test
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define HW_TEST_NATS_MAX_SERVERS 5

typedef struct
{
  char        *dir;
  guint        n_servers;
  GSubprocess *servers[HW_TEST_NATS_MAX_SERVERS];
  guint16      client_ports[HW_TEST_NATS_MAX_SERVERS];
  guint16      cluster_ports[HW_TEST_NATS_MAX_SERVERS];
  char       **urls;   /* nats://127.0.0.1:PORT of every server, NULL-terminated */
} HwTestNats;

/* The nats-server binary (Debian's package installs it in /usr/sbin), or
 * NULL when it is not installed. */
const char *hw_test_nats_server_path (void);

/* For a test whose fixture started no cluster (@nats NULL: nats-server is
 * not installed): marks it skipped and returns TRUE. */
gboolean    hw_test_nats_skipped (HwTestNats  *nats);

/* @n_servers nodes of one cluster with JetStream, each storing in its own
 * directory, every client port accepting connections on return. */
HwTestNats *hw_test_nats_start   (guint        n_servers);
/* hw_test_nats_start(), or NULL when nats-server is not installed (the
 * test then skips: hw_test_nats_skipped()). */
HwTestNats *hw_test_nats_try_start (guint      n_servers);
/* SIGKILL: no chance to flush or leave the cluster cleanly. */
void        hw_test_nats_kill    (HwTestNats  *nats,
                                  guint        index);
/* Starts a killed node again on its ports and its store. */
void        hw_test_nats_restart (HwTestNats  *nats,
                                  guint        index);
/* The index of the node listening on @url, or -1. */
int         hw_test_nats_index_of (HwTestNats *nats,
                                   const char *url);
void        hw_test_nats_free    (HwTestNats  *nats);

G_END_DECLS
