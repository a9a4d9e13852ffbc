/* hw-command-edit.h: changing the rate and parallelism of a command still in the outbox
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "hw-command-queue.h"

G_BEGIN_DECLS

/* Asks for the new values in a dialog over @parent's window and saves them
 * in the outbox. A command sent meanwhile cannot change any more: the
 * window (an HwWindow) then says so in a toast. */
void hw_command_edit_present (GtkWidget             *parent,
                              HwCommandQueue        *queue,
                              const HwOutboxCommand *command);

G_END_DECLS
