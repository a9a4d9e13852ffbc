/* hw-demo-hub.c: runs a local hubwatchd --simulate as a child process
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#ifdef __linux__
# include <sys/prctl.h>
#endif

#include "hw-error.h"
#include "hw-demo-hub.h"

#define READY_PREFIX "hubwatchd: listening on "

struct _HwDemoHub
{
  GObject           parent_instance;

  GSubprocess      *process;
  GDataInputStream *stdout_lines;
  char             *url;
  gboolean          running;
};

G_DEFINE_FINAL_TYPE (HwDemoHub, hw_demo_hub, G_TYPE_OBJECT)

typedef struct
{
  GCancellable *timeout_cancellable;
  GSource      *timeout;
  gboolean      timed_out;
  guint         timeout_s;
} StartData;

static void
start_data_free (StartData *data)
{
  if (data->timeout != NULL)
    {
      g_source_destroy (data->timeout);
      g_source_unref (data->timeout);
    }
  g_clear_object (&data->timeout_cancellable);
  g_free (data);
}

HwDemoHub *
hw_demo_hub_new (void)
{
  return g_object_new (HW_TYPE_DEMO_HUB, NULL);
}

static gboolean
is_executable (const char *path)
{
  return path != NULL && g_file_test (path, G_FILE_TEST_IS_REGULAR)
         && g_file_test (path, G_FILE_TEST_IS_EXECUTABLE);
}

char *
hw_demo_hub_find_hubwatchd (void)
{
  const char *env = g_getenv ("HUBWATCHD");
  g_autofree char *self_exe = NULL;
  g_autofree char *installed = NULL;

  if (env != NULL && *env != '\0')
    return is_executable (env) ? g_strdup (env) : NULL;

  self_exe = g_file_read_link ("/proc/self/exe", NULL);
  if (self_exe != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (self_exe);
      g_autofree char *sibling = g_build_filename (dir, "hubwatchd", NULL);
      g_autofree char *build_tree = g_build_filename (dir, "..", "hub", "hubwatchd", NULL);

      if (is_executable (sibling))
        return g_steal_pointer (&sibling);
      if (is_executable (build_tree))
        return g_canonicalize_filename (build_tree, NULL);
    }

  installed = g_build_filename (BINDIR, "hubwatchd", NULL);
  return is_executable (installed) ? g_steal_pointer (&installed) : NULL;
}

const char *
hw_demo_hub_get_url (HwDemoHub *self)
{
  g_return_val_if_fail (HW_IS_DEMO_HUB (self), NULL);

  return self->url;
}

gboolean
hw_demo_hub_is_running (HwDemoHub *self)
{
  g_return_val_if_fail (HW_IS_DEMO_HUB (self), FALSE);

  return self->running;
}

void
hw_demo_hub_stop (HwDemoHub *self)
{
  g_return_if_fail (HW_IS_DEMO_HUB (self));

  if (self->process != NULL && self->running)
    g_subprocess_send_signal (self->process, SIGTERM);
}

#ifdef __linux__
static void
die_with_parent (gpointer user_data)
{
  /* A console killed with -9 must not leave its demo hub running. */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}
#endif

static void
on_process_exited (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(HwDemoHub) self = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  self->running = FALSE;
}

static void read_next_line (GTask *task);

/* After the ready line the pipe is drained so that the hub can never block
 * on a full stdout. */
static void
on_drain_line (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(HwDemoHub) self = user_data;
  g_autofree char *line = NULL;

  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                    NULL, NULL);
  if (line == NULL)
    return;
  g_data_input_stream_read_line_async (G_DATA_INPUT_STREAM (source), G_PRIORITY_LOW, NULL,
                                       on_drain_line, g_steal_pointer (&self));
}

static void
on_ready_line (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HwDemoHub *self = g_task_get_source_object (task);
  StartData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                    NULL, &error);
  if (error != NULL)
    {
      hw_demo_hub_stop (self);
      if (data->timed_out)
        g_task_return_new_error (task, HW_ERROR, HW_ERROR_UNAVAILABLE,
                                 _("The demo hub did not start within %u seconds"),
                                 data->timeout_s);
      else
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (line == NULL)
    {
      g_task_return_new_error (task, HW_ERROR, HW_ERROR_UNAVAILABLE,
                               _("The demo hub exited before it was ready"));
      return;
    }
  if (!g_str_has_prefix (line, READY_PREFIX))
    {
      read_next_line (g_steal_pointer (&task));
      return;
    }

  g_free (self->url);
  self->url = g_strdup (g_strstrip (line + strlen (READY_PREFIX)));
  g_data_input_stream_read_line_async (self->stdout_lines, G_PRIORITY_LOW, NULL,
                                       on_drain_line, g_object_ref (self));
  g_task_return_pointer (task, g_strdup (self->url), g_free);
}

static void
read_next_line (GTask *task)
{
  HwDemoHub *self = g_task_get_source_object (task);
  StartData *data = g_task_get_task_data (task);

  g_data_input_stream_read_line_async (self->stdout_lines, G_PRIORITY_DEFAULT,
                                       data->timeout_cancellable, on_ready_line, task);
}

static gboolean
on_start_timeout (gpointer user_data)
{
  StartData *data = user_data;

  data->timed_out = TRUE;
  g_cancellable_cancel (data->timeout_cancellable);
  return G_SOURCE_REMOVE;
}

static char *
demo_data_dir (void)
{
  /* g_get_user_runtime_dir() already falls back to the cache dir. */
  char *dir = g_build_filename (g_get_user_runtime_dir (), "hubwatch", "demo-hub", NULL);

  g_mkdir_with_parents (dir, 0700);
  return dir;
}

void
hw_demo_hub_start_async (HwDemoHub           *self,
                         guint                timeout_s,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *hubwatchd = NULL;
  g_autofree char *data_dir = NULL;
  StartData *data;

  g_return_if_fail (HW_IS_DEMO_HUB (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hw_demo_hub_start_async);

  if (self->running)
    {
      g_task_return_new_error (task, HW_ERROR, HW_ERROR_CONFLICT,
                               _("The demo hub is already running"));
      return;
    }

  hubwatchd = hw_demo_hub_find_hubwatchd ();
  if (hubwatchd == NULL)
    {
      g_task_return_new_error (task, HW_ERROR, HW_ERROR_NOT_FOUND,
                               _("The hub program hubwatchd was not found"));
      return;
    }

  data_dir = demo_data_dir ();
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
#ifdef __linux__
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
#endif
  g_clear_object (&self->process);
  self->process = g_subprocess_launcher_spawn (launcher, &error, hubwatchd,
                                               "--listen", "127.0.0.1:0",
                                               "--data-dir", data_dir,
                                               "--simulate", "--backfill", "2",
                                               NULL);
  if (self->process == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  self->running = TRUE;
  g_subprocess_wait_async (self->process, NULL, on_process_exited, g_object_ref (self));

  g_clear_object (&self->stdout_lines);
  self->stdout_lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (self->process));

  data = g_new0 (StartData, 1);
  data->timeout_s = timeout_s;
  data->timeout_cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    g_cancellable_connect (cancellable, G_CALLBACK (g_cancellable_cancel),
                           g_object_ref (data->timeout_cancellable), g_object_unref);
  data->timeout = g_timeout_source_new_seconds (timeout_s);
  g_source_set_callback (data->timeout, on_start_timeout, data, NULL);
  g_source_attach (data->timeout, g_main_context_get_thread_default ());
  g_task_set_task_data (task, data, (GDestroyNotify) start_data_free);

  read_next_line (g_steal_pointer (&task));
}

char *
hw_demo_hub_start_finish (HwDemoHub     *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
hw_demo_hub_dispose (GObject *object)
{
  HwDemoHub *self = HW_DEMO_HUB (object);

  hw_demo_hub_stop (self);
  g_clear_object (&self->stdout_lines);
  g_clear_object (&self->process);

  G_OBJECT_CLASS (hw_demo_hub_parent_class)->dispose (object);
}

static void
hw_demo_hub_finalize (GObject *object)
{
  HwDemoHub *self = HW_DEMO_HUB (object);

  g_free (self->url);

  G_OBJECT_CLASS (hw_demo_hub_parent_class)->finalize (object);
}

static void
hw_demo_hub_class_init (HwDemoHubClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hw_demo_hub_dispose;
  object_class->finalize = hw_demo_hub_finalize;
}

static void
hw_demo_hub_init (HwDemoHub *self)
{
}
