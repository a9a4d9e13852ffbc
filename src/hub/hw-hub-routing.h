/* hw-hub-routing.h: channel routing rules (type patterns, anything-but, tags)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "hw-event.h"

G_BEGIN_DECLS

/* Which events a channel (and so its listener) carries. An event matches when
 * its type matches one of @types (every type when the list is empty), none of
 * @anything_but, and every tag in @tags is present with an equal string
 * value. Fault events never match: they belong to the fault monitor. */
typedef struct _HwRoutingRule HwRoutingRule;

HwRoutingRule *hw_routing_rule_new          (const char * const *types,
                                             const char * const *anything_but,
                                             GHashTable         *tags);
/* Reads {"types":[…],"anything_but":[…],"tags":{…}} from @object (each member
 * optional); on a wrong type sets HW_ERROR_INVALID_JSON naming the member. */
HwRoutingRule *hw_routing_rule_new_from_json (JsonObject        *object,
                                              GError           **error);
HwRoutingRule *hw_routing_rule_ref          (HwRoutingRule      *rule);
void           hw_routing_rule_unref        (HwRoutingRule      *rule);

gboolean       hw_routing_rule_matches      (const HwRoutingRule *rule,
                                             const HwEvent       *event);
/* The type part alone, for store rows: delivery parses an event only when
 * the type passes and the rule also has tags to compare. */
gboolean       hw_routing_rule_matches_type (const HwRoutingRule *rule,
                                             const char          *type);
gboolean       hw_routing_rule_has_tags     (const HwRoutingRule *rule);

/* Adds "types", "anything_but" and "tags" members to @builder's open object. */
void           hw_routing_rule_to_json      (const HwRoutingRule *rule,
                                             JsonBuilder         *builder);

/* Glob with `*` as the only metacharacter (type names may contain `?`). */
gboolean       hw_routing_pattern_match     (const char         *pattern,
                                             const char         *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwRoutingRule, hw_routing_rule_unref)

G_END_DECLS
