/* hw-hub-api-read.h: the read side of the events API (search, count, histogram, tree, sync, faults)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hw-hub.h"

G_BEGIN_DECLS

void hw_hub_api_read_register (HwHub *hub);

G_END_DECLS
