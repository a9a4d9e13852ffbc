/* hw-mask.h: masking of sensitive values before they are stored or indexed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define HW_TYPE_MASK_RULES (hw_mask_rules_get_type ())

/* What a masked value becomes. Whole values (eem fields, configured
 * fields) are replaced by it; PII found inside a longer string is replaced
 * in place, so "mail bob@example.com now" becomes "mail •••masked••• now"
 * and the rest of the text stays searchable. */
#define HW_MASK_REPLACEMENT "•••masked•••"

typedef enum
{
  HW_MASK_NONE         = 0,
  /* Fields listed in eem.fields (envelope encryption metadata). */
  HW_MASK_EEM_FIELDS   = 1 << 0,
  /* Email addresses inside any string value. */
  HW_MASK_EMAILS       = 1 << 1,
  /* Card numbers inside any string value: 13 to 19 digits, optionally
   * grouped by single spaces or dashes, passing the Luhn check. */
  HW_MASK_CARD_NUMBERS = 1 << 2,
  HW_MASK_DEFAULT      = HW_MASK_EEM_FIELDS | HW_MASK_EMAILS | HW_MASK_CARD_NUMBERS,
} HwMaskFlags;

/* Reference counted. Configure right after hw_mask_rules_new(); once shared
 * (e.g. given to a store) the rules are treated as immutable, which makes
 * hw_mask_rules_apply() safe to call from several threads at once. */
typedef struct _HwMaskRules HwMaskRules;

GType        hw_mask_rules_get_type    (void) G_GNUC_CONST;
HwMaskRules *hw_mask_rules_new         (HwMaskFlags        flags);
HwMaskRules *hw_mask_rules_ref         (HwMaskRules       *rules);
void         hw_mask_rules_unref       (HwMaskRules       *rules);
HwMaskFlags  hw_mask_rules_get_flags   (const HwMaskRules *rules);

/* An extra PII pattern (Perl syntax, GRegex); every match inside a string
 * value is replaced. HW_ERROR_INVALID_QUERY if it does not compile or
 * matches the empty string (which would mask between every character). */
gboolean     hw_mask_rules_add_pattern (HwMaskRules       *rules,
                                        const char        *pattern,
                                        GError           **error);

/* A field always masked, whatever eem says; same path syntax as eem.fields. */
void         hw_mask_rules_add_field   (HwMaskRules       *rules,
                                        const char        *path);

/* Masks @node IN PLACE and returns the number of values masked (a string
 * holding two email addresses counts once).
 *
 * eem.fields entries are dotted paths ("customer.email" or "email"). Each is
 * resolved against the object holding eem and against each object-valued
 * member of it (the entity, e.g. "order"), because producers list fields
 * relative to the entity; arrays met on the way are traversed element-wise.
 * Whatever sits there, scalar or subtree, becomes HW_MASK_REPLACEMENT.
 * Every object with eem{fields} is honoured, so a fault's uow.event is
 * masked by its own eem. Configured fields resolve the same way from the
 * root. The root's id, type and timestamp are never masked (they identify
 * the event and place it in time), nor is anything under eem itself.
 *
 * The nodes of an HwEvent are shared and immutable: mask a copy
 * (hw_mask_rules_apply_copy()). */
guint        hw_mask_rules_apply       (const HwMaskRules *rules,
                                        JsonNode          *node);

/* Returns a masked deep copy of @node, which is left untouched.
 * @n_masked (nullable) receives the count hw_mask_rules_apply() returns. */
JsonNode    *hw_mask_rules_apply_copy  (const HwMaskRules *rules,
                                        JsonNode          *node,
                                        guint             *n_masked);

/* TRUE when the rules are only the built-in ones (flags), with no added
 * pattern or field: then a text without eem members, '@' and card numbers
 * (hw_mask_text_has_card_number()) in its string values has nothing to
 * mask, and importers may skip the tree walk. */
gboolean     hw_mask_rules_is_builtin_only (const HwMaskRules *rules);

/* Whether @digits (only the digits are looked at) pass the Luhn check. */
gboolean     hw_mask_luhn_valid        (const char        *digits);

/* Whether the built-in card rule would mask something in the @length bytes
 * of @text: a run of 13 to 19 digits, single spaces or dashes allowed
 * between them, not part of a longer run, that passes the Luhn check.
 * Exactly what masking replaces, so a scanner may use it to skip masking. */
gboolean     hw_mask_text_has_card_number (const char   *text,
                                           gsize         length);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwMaskRules, hw_mask_rules_unref)

G_END_DECLS
