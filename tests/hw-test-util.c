/* hw-test-util.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <stdarg.h>
#include <unistd.h>
#include <string.h>

#include "hw-test-util.h"

char *
hw_test_mkdtemp (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("hubwatch-test-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_tree (GFile *file)
{
  g_autoptr(GFileEnumerator) children = NULL;

  children = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  if (children != NULL)
    {
      GFileInfo *info;
      GFile *child;

      while (g_file_enumerator_iterate (children, &info, &child, NULL, NULL) && info != NULL)
        remove_tree (child);
    }
  g_file_delete (file, NULL, NULL);
}

void
hw_test_rmdir (const char *path)
{
  g_autoptr(GFile) file = NULL;

  if (path == NULL)
    return;
  file = g_file_new_for_path (path);
  remove_tree (file);
}

char *
hw_test_source_path (const char *first_element,
                     ...)
{
  const char *srcdir = g_getenv ("HW_TEST_SRCDIR");
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  va_list args;

  g_assert_nonnull (srcdir);
  g_ptr_array_add (parts, (gpointer) srcdir);
  va_start (args, first_element);
  for (const char *part = first_element; part != NULL; part = va_arg (args, const char *))
    g_ptr_array_add (parts, (gpointer) part);
  va_end (args);
  g_ptr_array_add (parts, NULL);

  return g_build_filenamev ((char **) parts->pdata);
}

guint
hw_test_time_scale (void)
{
  static gsize scale;

  if (g_once_init_enter (&scale))
    {
      const char *text = g_getenv ("HW_TEST_TIME_SCALE");
      guint64 value = 1;

      /* A typo must not silently run the tests unscaled (or scaled by 0). */
      if (text != NULL && text[0] != '\0' &&
          !g_ascii_string_to_unsigned (text, 10, 1, 1000, &value, NULL))
        g_error ("HW_TEST_TIME_SCALE=%s: expected an integer from 1 to 1000", text);
      g_once_init_leave (&scale, (gsize) value);
    }
  return (guint) scale;
}

guint
hw_test_scale_ms (guint ms)
{
  guint scale = hw_test_time_scale ();

  return ms > G_MAXUINT / scale ? G_MAXUINT : ms * scale;
}

#define RECHECK_MS 10

static gboolean
wake_up (gpointer user_data)
{
  gboolean *fired = user_data;

  *fired = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
recheck (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

gboolean
hw_test_wait_until (HwTestCondition condition,
                    gpointer        user_data,
                    guint           timeout_ms)
{
  gboolean timed_out = FALSE;
  guint timeout_id = g_timeout_add (hw_test_scale_ms (timeout_ms), wake_up, &timed_out);
  /* A condition that another thread or process makes true (a file grown
   * by a checkpoint thread) wakes no main loop: without a tick, the wait
   * slept until its timeout and passed only if the condition had come
   * true by then. */
  guint recheck_id = g_timeout_add (RECHECK_MS, recheck, NULL);
  gboolean met;

  while (!(met = condition (user_data)) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (recheck_id);
  /* The condition may have come true in the very iteration that fired the
   * timeout, which then removed itself already. */
  if (!timed_out)
    g_source_remove (timeout_id);
  return met;
}

gboolean
hw_test_poll_due (gint64 *next_poll,
                  guint   period_ms)
{
  gint64 now = g_get_monotonic_time ();

  if (now < *next_poll)
    return FALSE;
  *next_poll = now + hw_test_scale_ms (period_ms) * G_TIME_SPAN_MILLISECOND;
  return TRUE;
}

guint16
hw_test_free_port (void)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, any_port, TRUE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

void
hw_test_write_all_or_exit (int         fd,
                           const char *text)
{
  gsize length = strlen (text);
  gsize done = 0;

  while (done < length)
    {
      gssize n = write (fd, text + done, length - done);

      if (n < 0)
        _exit (3);
      done += (gsize) n;
    }
}
