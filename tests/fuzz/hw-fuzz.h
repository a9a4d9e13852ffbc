/* hw-fuzz.h: what every libFuzzer target in tests/fuzz shares
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <stdlib.h>

#include <glib.h>

G_BEGIN_DECLS

/* libFuzzer's entry points; declared here so -Wmissing-prototypes holds. */
int LLVMFuzzerInitialize   (int            *argc,
                            char         ***argv);
int LLVMFuzzerTestOneInput (const uint8_t  *data,
                            size_t          size);

/* A property every input must keep. A failed check is a bug, and libFuzzer
 * saves the input that broke it, so abort rather than report. */
#define HW_FUZZ_CHECK(cond) \
  G_STMT_START { \
    if (G_UNLIKELY (!(cond))) \
      { \
        g_printerr ("%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #cond); \
        abort (); \
      } \
  } G_STMT_END

/* A GError our code returned must name a domain and carry a message. */
#define HW_FUZZ_CHECK_ERROR(error) \
  G_STMT_START { \
    HW_FUZZ_CHECK ((error) != NULL); \
    HW_FUZZ_CHECK ((error)->message != NULL && (error)->message[0] != '\0'); \
    HW_FUZZ_CHECK (g_utf8_validate ((error)->message, -1, NULL)); \
  } G_STMT_END

/* A critical (a failed g_return_if_fail, in our code or a library's) is
 * a bug like a crash. GLib's own fatal-criticals traps with SIGTRAP, which
 * libFuzzer does not catch, so its input would be lost: abort instead. */
static void
hw_fuzz_log_handler (const char     *log_domain,
                     GLogLevelFlags  log_level,
                     const char     *message,
                     gpointer        user_data)
{
  g_log_default_handler (log_domain, log_level, message, user_data);
  if (log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    abort ();
}

__attribute__((constructor)) static void
hw_fuzz_install_log_handler (void)
{
  g_log_set_default_handler (hw_fuzz_log_handler, NULL);
}

G_END_DECLS
