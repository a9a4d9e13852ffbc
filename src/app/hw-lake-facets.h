/* hw-lake-facets.h: top values of type, source and functionname, as filters
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define HW_TYPE_LAKE_FACETS (hw_lake_facets_get_type ())

G_DECLARE_FINAL_TYPE (HwLakeFacets, hw_lake_facets, HW, LAKE_FACETS, GtkWidget)

/* The fields faceted, in the query language's spelling. */
extern const char * const hw_lake_facet_fields[];
#define HW_LAKE_N_FACETS 3

/* Signal "activated" (const char *field, const char *value): a value was
 * clicked; the owner adds `field:value` to the query. */
GtkWidget *hw_lake_facets_new        (void);
/* @values: HwTopValue*, most frequent first; NULL shows "—" (unknown). */
void       hw_lake_facets_set_values (HwLakeFacets *self,
                                      const char   *field,
                                      GPtrArray    *values);
void       hw_lake_facets_clear      (HwLakeFacets *self);
/* The rows' values of @field, in order (tests). */
GStrv      hw_lake_facets_dup_values (HwLakeFacets *self,
                                      const char   *field);
/* Simulates a click on the value at @index of @field (tests, keyboard). */
void       hw_lake_facets_activate   (HwLakeFacets *self,
                                      const char   *field,
                                      guint         index);

/* `field:value`, quoting the value when it holds anything but a plain word. */
char      *hw_lake_facet_term        (const char   *field,
                                      const char   *value);

G_END_DECLS
