/* hw-test-app.h: setup shared by the app suite (display check, hermetic dirs)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hw-application.h"
#include "hw-test-util.h"

G_BEGIN_DECLS

/* Returns FALSE when there is no display. The caller then returns the
 * value in *exit_status: meson runs these tests with the TAP protocol, which
 * counts exit status 77 as an error, so under --tap the skip is reported as
 * TAP's "1..0 # SKIP" with status 0; otherwise it is the usual 77. */
static inline gboolean
hw_test_app_init (int     *argc,
                  char  ***argv,
                  char   **tmp_dir,
                  int     *exit_status)
{
  gboolean tap = FALSE;
  g_autofree char *cache = NULL;
  g_autofree char *data = NULL;
  g_autofree char *runtime = NULL;

  for (int i = 1; i < *argc; i++)
    if (g_str_equal ((*argv)[i], "--tap"))
      tap = TRUE;

  /* A keyring daemon on the test bus could prompt and hang; tokens stay in
   * memory, which is what the app does without a keyring anyway. */
  g_setenv ("HUBWATCH_NO_KEYRING", "1", TRUE);
  g_setenv ("GTK_A11Y", "test", FALSE);

  *tmp_dir = hw_test_mkdtemp ();
  cache = g_build_filename (*tmp_dir, "cache", NULL);
  data = g_build_filename (*tmp_dir, "data", NULL);
  runtime = g_build_filename (*tmp_dir, "runtime", NULL);
  g_mkdir_with_parents (runtime, 0700);
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  g_setenv ("XDG_DATA_HOME", data, TRUE);
  g_setenv ("XDG_RUNTIME_DIR", runtime, TRUE);

  if (!gtk_init_check ())
    {
      if (tap)
        {
          printf ("1..0 # SKIP no display\n");
          *exit_status = 0;
        }
      else
        *exit_status = 77;
      hw_test_rmdir (*tmp_dir);
      return FALSE;
    }
  g_test_init (argc, argv, NULL);
  /* The test session bus has no notification server (none can run here),
   * and GIO warns, fatally under g_test, when a GNotification cannot be
   * delivered. Tests that check notifications turn this back on and
   * intercept them with hw_alert_monitor_set_notify_func(). */
  {
    g_autoptr(GSettings) settings = g_settings_new ("io.github.hubwatch.Hubwatch");

    g_settings_set_boolean (settings, "alert-notifications", FALSE);
  }
  return TRUE;
}

/* An application that does not need a session bus to be unique. */
static inline HwApplication *
hw_test_app_new (void)
{
  static guint counter;
  g_autoptr(GError) error = NULL;
  /* Each test's application is exported on the session bus, and a previous
   * one may not be finalized yet: give every one its own id. */
  g_autofree char *id = g_strdup_printf ("io.github.hubwatch.Hubwatch.Test%u.P%d", ++counter,
                                         (int) getpid ());
  HwApplication *app = g_object_new (HW_TYPE_APPLICATION,
                                     "application-id", id,
                                     "flags", G_APPLICATION_NON_UNIQUE | G_APPLICATION_HANDLES_COMMAND_LINE,
                                     "resource-base-path", "/io/github/hubwatch/Hubwatch",
                                     NULL);

  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  return app;
}

static inline gboolean
hw_test_app_is_gone (gpointer user_data)
{
  return *(gpointer *) user_data == NULL;
}

/* Ends *app as the end of g_application_run() would, and clears it. Tests
 * never run the application, and without its ::shutdown GtkApplication keeps
 * a reference to itself (its action muxer holds the "app" action group) and
 * the application's hubs keep running: nothing would ever be freed. Fails
 * the test if anything else still keeps the application alive, so a leaked
 * reference shows up here rather than as a quiet leak. */
static inline void
hw_test_app_quit (HwApplication **app)
{
  gpointer alive = *app;
  GLogLevelFlags fatal;

  if (alive == NULL)
    return;
  g_object_add_weak_pointer (G_OBJECT (alive), &alive);
  g_signal_emit_by_name (alive, "shutdown");
  /* Only g_application_run() can take an application off the bus again,
   * and GIO may warn that it was finalized still registered: that warning
   * alone is not fatal here (criticals still are). */
  fatal = g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_clear_object (app);
  /* Callbacks already queued may hold it for another iteration or two. */
  g_assert_true (hw_test_wait_until (hw_test_app_is_gone, &alive, 10000));
  g_log_set_always_fatal (fatal);
}

typedef struct
{
  guint counted;
  guint wanted;
} HwTestFrames;

static inline gboolean
hw_test_app_count_frame (GtkWidget     *widget,
                         GdkFrameClock *clock,
                         gpointer       user_data)
{
  ((HwTestFrames *) user_data)->counted++;
  return G_SOURCE_CONTINUE;
}

static inline gboolean
hw_test_app_frames_counted (gpointer user_data)
{
  HwTestFrames *frames = user_data;

  return frames->counted >= frames->wanted;
}

/* Waits (bounded by @timeout_ms) until @widget's frame clock has ticked
 * @n times: laid out and drawn since the last change. A tick callback
 * keeps the clock running meanwhile. */
static inline void
hw_test_app_wait_frames (GtkWidget *widget,
                         guint      n,
                         guint      timeout_ms)
{
  HwTestFrames frames = { 0, n };
  guint tick = gtk_widget_add_tick_callback (widget, hw_test_app_count_frame, &frames, NULL);

  g_assert_true (hw_test_wait_until (hw_test_app_frames_counted, &frames, timeout_ms));
  gtk_widget_remove_tick_callback (widget, tick);
}

static inline gboolean
hw_test_app_iterate_pending (gpointer user_data)
{
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  return TRUE;
}

G_END_DECLS
