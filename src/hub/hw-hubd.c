/* hw-hubd.c: hubwatchd's command line, config file, start-up and shutdown
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <glib-unix.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "hw-error.h"
#include "hw-hub-auth.h"
#include "hw-hub-engine.h"
#include "hw-hub-lake.h"
#include "hw-hub.h"
#include "hw-hubd.h"
#include "hw-simulator.h"

typedef struct
{
  char     *listen;
  char     *data_dir;
  char     *config_file;
  char    **tokens;
  char     *tls_cert;
  char     *tls_key;
  char     *engine;
  char     *nats;
  gboolean  allow_plain_http;
  gboolean  simulate;
  int       backfill_days;
  gboolean  show_version;
} Options;

static void
options_clear (Options *options)
{
  g_free (options->listen);
  g_free (options->data_dir);
  g_free (options->config_file);
  g_strfreev (options->tokens);
  g_free (options->tls_cert);
  g_free (options->tls_key);
  g_free (options->engine);
  g_free (options->nats);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Options, options_clear)

/* "HOST:PORT", "[v6]:PORT" or ":PORT" (loopback). */
static gboolean
parse_listen (const char   *text,
              HwHubConfig  *config,
              GError      **error)
{
  const char *colon;
  g_autofree char *host = NULL;
  guint64 port;

  if (text[0] == '[')
    {
      const char *close = strchr (text, ']');

      if (close == NULL || close[1] != ':')
        goto bad;
      host = g_strndup (text + 1, close - text - 1);
      colon = close + 1;
    }
  else
    {
      colon = strrchr (text, ':');
      if (colon == NULL)
        goto bad;
      host = colon == text ? g_strdup ("127.0.0.1") : g_strndup (text, colon - text);
    }
  if (!g_ascii_string_to_unsigned (colon + 1, 10, 0, 65535, &port, NULL))
    goto bad;

  g_free (config->listen_host);
  config->listen_host = g_steal_pointer (&host);
  config->listen_port = (guint16) port;
  return TRUE;

bad:
  g_set_error (error, HW_ERROR, HW_ERROR_FAILED, "--listen: expected HOST:PORT, got '%s'", text);
  return FALSE;
}

static gboolean
load_tokens_from_keyfile (GKeyFile     *keyfile,
                          HwHubConfig  *config,
                          GError      **error)
{
  g_auto(GStrv) groups = g_key_file_get_groups (keyfile, NULL);

  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_autofree char *role_name = NULL;
      g_autofree char *secret = NULL;
      g_autofree char *sha256 = NULL;
      const char *name;
      HwHubToken *token;
      HwRole role;

      if (!g_str_has_prefix (groups[i], "token "))
        continue;
      name = groups[i] + strlen ("token ");
      role_name = g_key_file_get_string (keyfile, groups[i], "role", NULL);
      if (!hw_role_from_string (role_name, &role))
        {
          g_set_error (error, HW_ERROR, HW_ERROR_FAILED,
                       "[token %s]: role must be viewer, publisher, operator or admin", name);
          return FALSE;
        }
      secret = g_key_file_get_string (keyfile, groups[i], "secret", NULL);
      sha256 = g_key_file_get_string (keyfile, groups[i], "secret-sha256", NULL);
      if (sha256 != NULL)
        token = hw_hub_token_new_from_sha256 (name, role, sha256, error);
      else if (secret != NULL && secret[0] != '\0')
        token = hw_hub_token_new_from_secret (name, role, secret);
      else
        {
          g_set_error (error, HW_ERROR, HW_ERROR_FAILED,
                       "[token %s]: give secret-sha256 (preferred) or secret", name);
          return FALSE;
        }
      if (secret != NULL)
        memset (secret, 0, strlen (secret));
      if (token == NULL)
        return FALSE;
      g_hash_table_replace (config->tokens, token->name, token);
    }
  return TRUE;
}

static gboolean
load_limits_from_keyfile (GKeyFile     *keyfile,
                          HwHubConfig  *config,
                          GError      **error)
{
  static const char *group = "limits";

  if (!g_key_file_has_group (keyfile, group))
    return TRUE;
  if (g_key_file_has_key (keyfile, group, "max-request-bytes", NULL))
    config->max_request_bytes = g_key_file_get_uint64 (keyfile, group, "max-request-bytes", NULL);
  if (g_key_file_has_key (keyfile, group, "max-event-bytes", NULL))
    config->max_event_bytes = g_key_file_get_uint64 (keyfile, group, "max-event-bytes", NULL);
  if (g_key_file_has_key (keyfile, group, "max-depth", NULL))
    config->max_depth = (guint) g_key_file_get_uint64 (keyfile, group, "max-depth", NULL);
  if (g_key_file_has_key (keyfile, group, "rate", NULL))
    config->rate_per_second = g_key_file_get_double (keyfile, group, "rate", NULL);
  if (g_key_file_has_key (keyfile, group, "burst", NULL))
    config->rate_burst = g_key_file_get_double (keyfile, group, "burst", NULL);
  if (config->max_event_bytes > config->max_request_bytes && config->max_request_bytes > 0)
    {
      g_set_error (error, HW_ERROR, HW_ERROR_FAILED,
                   "[limits]: max-event-bytes is larger than max-request-bytes");
      return FALSE;
    }
  return TRUE;
}

/* The engine and its cluster: from [hub] engine=, nats= and nats-replicas=,
 * or --engine and --nats, which win. */
static gboolean
set_engine (const char   *engine,
            const char   *nats,
            HwHubConfig  *config,
            GError      **error)
{
  if (engine != NULL && !hw_hub_engine_kind_from_string (engine, &config->engine))
    {
      g_set_error (error, HW_ERROR, HW_ERROR_FAILED, "engine: expected embedded or jetstream, got '%s'", engine);
      return FALSE;
    }
  if (nats != NULL)
    {
      g_strfreev (config->nats_urls);
      config->nats_urls = g_strsplit (nats, ",", -1);
      for (guint i = 0; config->nats_urls[i] != NULL; i++)
        g_strstrip (config->nats_urls[i]);
    }
  return TRUE;
}

static gboolean
check_engine (HwHubConfig  *config,
              GError      **error)
{
  gboolean has_urls = config->nats_urls != NULL && config->nats_urls[0] != NULL
                      && config->nats_urls[0][0] != '\0';

  if (config->engine == HW_HUB_ENGINE_JETSTREAM && !has_urls)
    {
      g_set_error_literal (error, HW_ERROR, HW_ERROR_FAILED,
                           "the jetstream engine needs the cluster's addresses: --nats nats://HOST:PORT[,…]");
      return FALSE;
    }
  if (config->engine == HW_HUB_ENGINE_EMBEDDED && has_urls)
    {
      g_set_error_literal (error, HW_ERROR, HW_ERROR_FAILED,
                           "--nats is only for --engine jetstream");
      return FALSE;
    }
  if (config->nats_replicas < 0 || config->nats_replicas > 5)
    {
      g_set_error_literal (error, HW_ERROR, HW_ERROR_FAILED, "nats-replicas: expected 1 to 5");
      return FALSE;
    }
  return TRUE;
}

static gboolean
load_engine_from_keyfile (GKeyFile     *keyfile,
                          HwHubConfig  *config,
                          GError      **error)
{
  g_autofree char *engine = g_key_file_get_string (keyfile, "hub", "engine", NULL);
  g_autofree char *nats = g_key_file_get_string (keyfile, "hub", "nats", NULL);

  if (g_key_file_has_key (keyfile, "hub", "nats-replicas", NULL))
    config->nats_replicas = g_key_file_get_integer (keyfile, "hub", "nats-replicas", NULL);
  return set_engine (engine, nats, config, error);
}

static gboolean
load_config_file (const char   *path,
                  HwHubConfig  *config,
                  GError      **error)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autofree char *listen = NULL;

  if (!g_key_file_load_from_file (keyfile, path, G_KEY_FILE_NONE, error))
    {
      g_prefix_error (error, "--config %s: ", path);
      return FALSE;
    }
  config->name = g_key_file_get_string (keyfile, "hub", "name", NULL);
  config->subsystem = g_key_file_get_string (keyfile, "hub", "subsystem", NULL);
  config->data_dir = g_key_file_get_string (keyfile, "hub", "data-dir", NULL);
  config->tls_cert_file = g_key_file_get_string (keyfile, "hub", "tls-cert", NULL);
  config->tls_key_file = g_key_file_get_string (keyfile, "hub", "tls-key", NULL);
  config->allow_plain_http = g_key_file_get_boolean (keyfile, "hub", "allow-plain-http", NULL);
  listen = g_key_file_get_string (keyfile, "hub", "listen", NULL);
  if (listen != NULL && !parse_listen (listen, config, error))
    return FALSE;
  if (!load_tokens_from_keyfile (keyfile, config, error)
      || !load_limits_from_keyfile (keyfile, config, error)
      || !load_engine_from_keyfile (keyfile, config, error))
    {
      g_prefix_error (error, "--config %s: ", path);
      return FALSE;
    }
  config->keyfile = g_steal_pointer (&keyfile);
  return TRUE;
}

static HwHubConfig *
build_config (Options  *options,
              GError  **error)
{
  g_autoptr(HwHubConfig) config = hw_hub_config_new ();

  if (options->config_file != NULL && !load_config_file (options->config_file, config, error))
    return NULL;
  if (options->listen != NULL && !parse_listen (options->listen, config, error))
    return NULL;
  if (options->data_dir != NULL)
    {
      g_free (config->data_dir);
      config->data_dir = g_strdup (options->data_dir);
    }
  for (guint i = 0; options->tokens != NULL && options->tokens[i] != NULL; i++)
    {
      HwHubToken *token = hw_hub_token_new_from_spec (options->tokens[i], error);

      if (token == NULL)
        return NULL;
      g_hash_table_replace (config->tokens, token->name, token);
    }
  if ((options->tls_cert != NULL) != (options->tls_key != NULL))
    {
      g_set_error_literal (error, HW_ERROR, HW_ERROR_FAILED, "--tls-cert and --tls-key go together");
      return NULL;
    }
  if (options->tls_cert != NULL)
    {
      g_free (config->tls_cert_file);
      g_free (config->tls_key_file);
      config->tls_cert_file = g_strdup (options->tls_cert);
      config->tls_key_file = g_strdup (options->tls_key);
    }
  config->allow_plain_http |= options->allow_plain_http;
  if (!set_engine (options->engine, options->nats, config, error) || !check_engine (config, error))
    return NULL;

  if (config->listen_host == NULL || config->data_dir == NULL)
    {
      g_set_error_literal (error, HW_ERROR, HW_ERROR_FAILED,
                           "--listen and --data-dir are required (on the command line or in [hub])");
      return NULL;
    }
  return g_steal_pointer (&config);
}

static gboolean
on_quit_signal (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

static int
run (Options *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HwHubConfig) config = NULL;
  g_autoptr(HwHub) hub = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(HwSimulator) simulator = NULL;
  g_autofree char *simulator_secret = NULL;
  guint term_id, int_id;

  config = build_config (options, &error);
  if (config == NULL)
    {
      g_printerr ("hubwatchd: %s\n", error->message);
      return 2;
    }
  if (options->simulate && g_hash_table_size (config->tokens) > 0)
    {
      /* The simulator uses the public API like any producer; with tokens
       * configured it gets its own admin token that exists only in memory. */
      HwHubToken *token;

      simulator_secret = g_uuid_string_random ();
      token = hw_hub_token_new_from_secret ("simulator", HW_ROLE_ADMIN, simulator_secret);
      token->unlimited = TRUE;
      g_hash_table_replace (config->tokens, token->name, token);
    }
  hub = hw_hub_new (g_steal_pointer (&config), &error);
  if (hub == NULL || !hw_hub_engine_attach (hub, &error) || !hw_hub_start (hub, &error))
    {
      g_printerr ("hubwatchd: %s\n", error->message);
      return 1;
    }
  if (options->simulate)
    {
      simulator = hw_simulator_new (hw_hub_get_base_url (hub), simulator_secret, (guint) options->backfill_days);
      if (!hw_simulator_start (simulator, &error))
        {
          g_printerr ("hubwatchd: --simulate: %s\n", error->message);
          return 1;
        }
    }

  /* Before the ready line: a SIGTERM sent as soon as it is read must stop
   * the hub cleanly, not kill it. */
  term_id = g_unix_signal_add (SIGTERM, on_quit_signal, loop);
  int_id = g_unix_signal_add (SIGINT, on_quit_signal, loop);

  /* The one line scripts and tests wait for; everything else goes to stderr. */
  g_print ("hubwatchd: listening on %s\n", hw_hub_get_base_url (hub));
  fflush (stdout);
  g_main_loop_run (loop);
  g_source_remove (term_id);
  g_source_remove (int_id);

  g_message ("shutting down");
  g_clear_pointer (&simulator, hw_simulator_free);
  hw_hub_engine_detach (hub);
  hw_hub_stop (hub);
  return 0;
}

int
hw_hubd_main (int    argc,
              char **argv)
{
  g_auto(Options) options = { 0 };
  GOptionEntry entries[] = {
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &options.listen, "Address to listen on", "HOST:PORT" },
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &options.data_dir, "Directory for lake.db and hub.db", "DIR" },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &options.config_file, "Configuration file (key file)", "FILE" },
    { "token", 't', 0, G_OPTION_ARG_STRING_ARRAY, &options.tokens, "A bearer token (repeatable)", "NAME:ROLE:SECRET" },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &options.tls_cert, "TLS certificate (PEM)", "FILE" },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &options.tls_key, "TLS private key (PEM)", "FILE" },
    { "engine", 0, 0, G_OPTION_ARG_STRING, &options.engine,
      "Where the lake lives: embedded (DIR/lake.db, the default) or jetstream", "ENGINE" },
    { "nats", 0, 0, G_OPTION_ARG_STRING, &options.nats,
      "The JetStream cluster's servers, comma-separated", "URL[,URL…]" },
    { "allow-plain-http", 0, 0, G_OPTION_ARG_NONE, &options.allow_plain_http,
      "Allow plain HTTP on a non-loopback address", NULL },
    { "simulate", 0, 0, G_OPTION_ARG_NONE, &options.simulate, "Run the food-delivery simulator", NULL },
    { "backfill", 0, 0, G_OPTION_ARG_INT, &options.backfill_days,
      "Days of event history the simulator seeds (deployments and incidents: 13 weeks)", "DAYS" },
    { "version", 0, 0, G_OPTION_ARG_NONE, &options.show_version, "Print the version and exit", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- Hubwatch reference subsystem hub");
  g_autoptr(GError) error = NULL;

  setlocale (LC_ALL, "");
  /* A client hanging up mid-answer must not kill the hub. */
  signal (SIGPIPE, SIG_IGN);

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("hubwatchd: %s\n", error->message);
      return 2;
    }
  if (options.show_version)
    {
      g_print ("hubwatchd %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (options.backfill_days < 0 || (options.backfill_days > 0 && !options.simulate))
    {
      g_printerr ("hubwatchd: --backfill DAYS needs --simulate and a positive number\n");
      return 2;
    }
  return run (&options);
}
