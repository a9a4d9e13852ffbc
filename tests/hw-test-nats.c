/* hw-test-nats.c: a real NATS JetStream cluster on loopback, started by the test
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <sys/prctl.h>

#include "hw-test-nats.h"
#include "hw-test-util.h"

#define START_TIMEOUT_MS 10000

const char *
hw_test_nats_server_path (void)
{
  static const char * const places[] = { "/usr/sbin/nats-server", "/usr/bin/nats-server" };
  static char *found;

  if (found != NULL)
    return found;
  found = g_find_program_in_path ("nats-server");
  for (guint i = 0; found == NULL && i < G_N_ELEMENTS (places); i++)
    if (g_file_test (places[i], G_FILE_TEST_IS_EXECUTABLE))
      found = g_strdup (places[i]);
  return found;
}

static char *
config_path (HwTestNats *nats,
             guint       index)
{
  g_autofree char *name = g_strdup_printf ("n%u.conf", index);

  return g_build_filename (nats->dir, name, NULL);
}

/* Every node routes to every other: the cluster forms whichever starts
 * first. Limits are small, to suit a test machine's disk and memory. */
static void
write_config (HwTestNats *nats,
              guint       index)
{
  g_autoptr(GString) routes = g_string_new (NULL);
  g_autofree char *store = g_strdup_printf ("%s/n%u", nats->dir, index);
  g_autofree char *log = g_strdup_printf ("%s/n%u.log", nats->dir, index);
  g_autofree char *path = config_path (nats, index);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < nats->n_servers; i++)
    if (i != index)
      g_string_append_printf (routes, "%snats-route://127.0.0.1:%u", routes->len > 0 ? ", " : "",
                              nats->cluster_ports[i]);
  text = g_strdup_printf ("server_name: n%u\n"
                          "listen: 127.0.0.1:%u\n"
                          "log_file: \"%s\"\n"
                          "jetstream {\n"
                          "  store_dir: \"%s\"\n"
                          "  max_memory_store: 67108864\n"
                          "  max_file_store: 1073741824\n"
                          "}\n"
                          "cluster {\n"
                          "  name: hubwatch-test\n"
                          "  listen: 127.0.0.1:%u\n"
                          "  routes: [ %s ]\n"
                          "}\n",
                          index, nats->client_ports[index], log, store, nats->cluster_ports[index],
                          routes->str);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

/* A test that fails an assertion aborts without stopping its servers. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static void
spawn (HwTestNats *nats,
       guint       index)
{
  g_autofree char *config = config_path (nats, index);
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GError) error = NULL;

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  nats->servers[index] = g_subprocess_launcher_spawn (launcher, &error, hw_test_nats_server_path (), "-c",
                                                      config, NULL);
  g_assert_no_error (error);
}

typedef struct
{
  guint16 port;
} PortProbe;

static gboolean
port_accepts (gpointer user_data)
{
  PortProbe *probe = user_data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", probe->port, NULL, NULL);
  return connection != NULL;
}

static void
wait_accepting (HwTestNats *nats,
                guint       index)
{
  PortProbe probe = { nats->client_ports[index] };

  if (!hw_test_wait_until (port_accepts, &probe, START_TIMEOUT_MS))
    g_error ("nats-server n%u did not listen on %u within %u ms (see %s/n%u.log)", index, probe.port,
             START_TIMEOUT_MS, nats->dir, index);
}

/* Ports are taken from below Linux's range for outgoing connections
 * (32768 up), where hw_test_free_port() finds them: there, any outgoing
 * connection of a test running alongside (the servers' routes among
 * them) could take a port between its choice and the node's bind. */
#define PORT_BASE 20000
#define PORT_SPAN 12000

static gboolean
port_free (guint16 port)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);

  g_assert_nonnull (socket);
  return g_socket_bind (socket, address, TRUE, NULL);
}

/* Free, and not already given to another node of this cluster: nothing
 * is reserved until the nodes bind. */
static guint16
unused_port (HwTestNats *nats)
{
  for (;;)
    {
      guint16 port = (guint16) g_random_int_range (PORT_BASE, PORT_BASE + PORT_SPAN);
      gboolean taken = !port_free (port);

      for (guint i = 0; i < nats->n_servers; i++)
        taken |= nats->client_ports[i] == port || nats->cluster_ports[i] == port;
      if (!taken)
        return port;
    }
}

gboolean
hw_test_nats_skipped (HwTestNats *nats)
{
  if (nats != NULL)
    return FALSE;
  g_test_skip ("nats-server is not installed (tools/deps --test installs it)");
  return TRUE;
}

HwTestNats *
hw_test_nats_start (guint n_servers)
{
  HwTestNats *nats = g_new0 (HwTestNats, 1);
  GPtrArray *urls = g_ptr_array_new ();

  g_assert_nonnull (hw_test_nats_server_path ());
  g_assert_cmpuint (n_servers, >=, 1);
  g_assert_cmpuint (n_servers, <=, HW_TEST_NATS_MAX_SERVERS);
  nats->dir = hw_test_mkdtemp ();
  nats->n_servers = n_servers;
  for (guint i = 0; i < n_servers; i++)
    {
      nats->client_ports[i] = unused_port (nats);
      nats->cluster_ports[i] = unused_port (nats);
      g_ptr_array_add (urls, g_strdup_printf ("nats://127.0.0.1:%u", nats->client_ports[i]));
    }
  g_ptr_array_add (urls, NULL);
  nats->urls = (char **) g_ptr_array_free (urls, FALSE);

  for (guint i = 0; i < n_servers; i++)
    {
      write_config (nats, i);
      spawn (nats, i);
    }
  for (guint i = 0; i < n_servers; i++)
    wait_accepting (nats, i);
  return nats;
}

HwTestNats *
hw_test_nats_try_start (guint n_servers)
{
  return hw_test_nats_server_path () != NULL ? hw_test_nats_start (n_servers) : NULL;
}

void
hw_test_nats_kill (HwTestNats *nats,
                   guint       index)
{
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (nats->servers[index]);
  g_subprocess_force_exit (nats->servers[index]);
  g_subprocess_wait (nats->servers[index], NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&nats->servers[index]);
}

void
hw_test_nats_restart (HwTestNats *nats,
                      guint       index)
{
  g_assert_null (nats->servers[index]);
  spawn (nats, index);
  wait_accepting (nats, index);
}

int
hw_test_nats_index_of (HwTestNats *nats,
                       const char *url)
{
  for (guint i = 0; i < nats->n_servers; i++)
    if (g_strcmp0 (url, nats->urls[i]) == 0)
      return (int) i;
  return -1;
}

void
hw_test_nats_free (HwTestNats *nats)
{
  if (nats == NULL)
    return;
  for (guint i = 0; i < nats->n_servers; i++)
    if (nats->servers[i] != NULL)
      hw_test_nats_kill (nats, i);
  hw_test_rmdir (nats->dir);
  g_strfreev (nats->urls);
  g_free (nats->dir);
  g_free (nats);
}
