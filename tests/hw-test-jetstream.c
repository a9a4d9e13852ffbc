/* hw-test-jetstream.c: a JetStream connection to the test's cluster
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-test-jetstream.h"
#include "hw-test-util.h"

HwJetStream *
hw_test_jetstream_connect (const char * const *urls)
{
  g_autoptr(GError) error = NULL;
  /* The cluster elects its leaders meanwhile: connect waits for them. */
  HwJetStreamOptions options = { urls, "test subsystem", 3, hw_test_scale_ms (20000) };
  HwJetStream *js = hw_jetstream_connect (&options, &error);

  g_assert_no_error (error);
  return js;
}
