/* test-error.c: the error domain's names are part of the hub API contract
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-error.h"
#include "hw-test-util.h"

static void
test_error_names_are_stable (void)
{
  static const struct { HwErrorCode code; const char *name; } table[] = {
    { HW_ERROR_INVALID_JSON, "invalid_json" },
    { HW_ERROR_TOO_LARGE, "too_large" },
    { HW_ERROR_INVALID_QUERY, "invalid_query" },
    { HW_ERROR_FORBIDDEN, "forbidden" },
    { HW_ERROR_RATE_LIMITED, "rate_limited" },
    { 9999, "failed" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    g_assert_cmpstr (hw_error_code_name (table[i].code), ==, table[i].name);
}

static void
test_error_quark_is_registered (void)
{
  g_autoptr(GError) error = g_error_new (HW_ERROR, HW_ERROR_NOT_FOUND, "no such event");

  g_assert_error (error, HW_ERROR, HW_ERROR_NOT_FOUND);
  g_assert_cmpstr (g_quark_to_string (HW_ERROR), ==, "hw-error-quark");
}

static gboolean
flag_is_set (gpointer user_data)
{
  return *(gboolean *) user_data;
}

static gboolean
set_flag (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_wait_until_sees_condition (void)
{
  gboolean flag = FALSE;
  gboolean never = FALSE;

  g_timeout_add (5, set_flag, &flag);
  g_assert_true (hw_test_wait_until (flag_is_set, &flag, 10000));
  g_assert_false (hw_test_wait_until (flag_is_set, &never, 20));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/error/names-are-stable", test_error_names_are_stable);
  g_test_add_func ("/error/quark-is-registered", test_error_quark_is_registered);
  g_test_add_func ("/test-util/wait-until", test_wait_until_sees_condition);
  return g_test_run ();
}
