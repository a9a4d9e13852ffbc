/* test-app-notify.c: notifications without a session bus are dropped, not fatal
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A console started where no session bus runs (a bare container, these
 * tests' own console processes) registers as an application with no D-Bus
 * connection. Sending it a notification went to GIO's freedesktop backend,
 * which failed a critical on the missing connection: fatal under
 * G_DEBUG=fatal-criticals, as the tests run. It is a plain GApplication
 * here: what matters is the missing bus, not GTK.
 */
#include "config.h"

#include "hw-application.h"

static void
test_notify_without_bus (void)
{
  g_autoptr(GApplication) app = g_application_new ("io.github.hubwatch.Hubwatch.NotifyTest",
                                                   G_APPLICATION_NON_UNIQUE);
  g_autoptr(GNotification) notification = g_notification_new ("Alert");
  g_autoptr(GError) error = NULL;

  g_application_set_default (app);
  g_assert_true (g_application_register (app, NULL, &error));
  g_assert_no_error (error);
  g_assert_null (g_application_get_dbus_connection (app));

  g_notification_set_body (notification, "fault rate over its limit");
  hw_application_notify ("alert-1", notification);
  hw_application_notify ("alert-1", notification);
  g_application_set_default (NULL);
}

int
main (int   argc,
      char *argv[])
{
  /* Before GIO looks for a bus: there is none to find. */
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/app/notify/without-bus", test_notify_without_bus);
  return g_test_run ();
}
