/* hw-test-client.h: helpers for the HwHubClient tests: one async result at a
 * time, and throwaway HTTP servers standing in for a hub
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "hw-hub-client.h"

G_BEGIN_DECLS

/* Catches the one result of an async call: pass hw_test_waiter_done and
 * &waiter as its callback, then hw_test_waiter_wait(). */
typedef struct
{
  GAsyncResult *result;
} HwTestWaiter;

void          hw_test_waiter_done        (GObject            *source,
                                          GAsyncResult       *result,
                                          gpointer            user_data);
/* Iterates the main context until the result is in (bounded; asserts). */
GAsyncResult *hw_test_waiter_wait        (HwTestWaiter       *waiter);
/* Drops the result, so the waiter can be used for the next call. */
void          hw_test_waiter_clear       (HwTestWaiter       *waiter);

/* A plain HTTP server on a free loopback port answering every path with
 * @handler; *@out_url is its base URL without a trailing slash. */
SoupServer   *hw_test_soup_server_start  (SoupServerCallback  handler,
                                          gpointer            user_data,
                                          char              **out_url);
/* Answers @msg with @status and a copy of @body. */
void          hw_test_soup_reply         (SoupServerMessage  *msg,
                                          guint               status,
                                          const char         *content_type,
                                          const char         *body);

/* Counts events matching @query and expects the call to fail: returns its error. */
GError       *hw_test_client_count_error (HwHubClient        *client,
                                          const char         *query);

G_END_DECLS
