/* hw-paths.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "hw-paths.h"

/* Long enough to recognise the hub in a directory listing, short enough to
 * stay far below NAME_MAX once the hash and extension are added. */
#define MAX_READABLE_CHARS 64
#define HASH_CHARS 12

static char *
ensure_dir (char *path)
{
  if (g_mkdir_with_parents (path, 0700) != 0)
    g_debug ("Cannot create %s: %s", path, g_strerror (errno));
  return path;
}

char *
hw_paths_cache_dir (void)
{
  return ensure_dir (g_build_filename (g_get_user_cache_dir (), "hubwatch", NULL));
}

static char *
sanitise (const char *hub_id)
{
  GString *name = g_string_new (NULL);

  for (const char *p = hub_id; *p != '\0' && name->len < MAX_READABLE_CHARS; p++)
    {
      if (g_ascii_isalnum (*p) || *p == '-' || *p == '_'
          || (*p == '.' && name->len > 0))  /* no hidden files, no ".." */
        g_string_append_c (name, *p);
      else
        g_string_append_c (name, '_');
    }
  return g_string_free (name, FALSE);
}

char *
hw_paths_cache_file_for_hub (const char *hub_id)
{
  g_autofree char *dir = NULL;
  g_autofree char *readable = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *file_name = NULL;

  g_return_val_if_fail (hub_id != NULL, NULL);

  dir = hw_paths_cache_dir ();
  readable = sanitise (hub_id);
  hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, hub_id, -1);
  hash[HASH_CHARS] = '\0';
  file_name = g_strdup_printf ("%s%s%s.db", readable, *readable != '\0' ? "-" : "", hash);

  return g_build_filename (dir, file_name, NULL);
}

char *
hw_paths_state_file (void)
{
  g_autofree char *dir = ensure_dir (g_build_filename (g_get_user_data_dir (), "hubwatch", NULL));

  return g_build_filename (dir, "state.db", NULL);
}
