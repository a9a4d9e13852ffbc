/* hw-paths.h: where Hubwatch keeps its caches and its state database
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Every function returns a newly allocated absolute path and creates the
 * directory that holds it (mode 0700: caches and queued commands may hold
 * event payloads). A directory that cannot be created is not an error here:
 * opening the file then fails with a message naming the path. */

/* $XDG_CACHE_HOME/hubwatch: disposable, rebuilt from the hubs. */
char *hw_paths_cache_dir          (void);

/* $XDG_CACHE_HOME/hubwatch/<name>.db, one file per hub. The hub id (often
 * a URL) is reduced to a safe file name: characters other than ASCII
 * letters, digits, '.', '-' and '_' become '_', and a short hash of the
 * exact id is appended so that two ids never share a file. */
char *hw_paths_cache_file_for_hub (const char *hub_id);

/* $XDG_DATA_HOME/hubwatch/state.db: the outbox, inbox and known jobs,
 * which must survive a cleared cache. */
char *hw_paths_state_file         (void);

G_END_DECLS
