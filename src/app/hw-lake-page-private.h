/* hw-lake-page-private.h: the Event Lake page's state, shared by its parts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hw-lake-page.h"
#include "hw-mask.h"
#include "hw-query.h"
#include "hw-state-view.h"

G_BEGIN_DECLS

#define MINUTE_MS        (G_GINT64_CONSTANT (60) * 1000)
#define PRESET_ALL_TIME  6

struct _HwLakePage
{
  GtkWidget       parent_instance;

  HwConnection   *connection;
  HwEventStore   *store;
  HwMaskRules    *mask_rules;
  HwTimeWindow   *window;
  gboolean        updating_window;
  GCancellable   *cancellable;        /* the current search and its aggregates */
  GCancellable   *detail_cancellable;
  GCancellable   *export_cancellable;
  HwQuery        *query;              /* the last query that parsed */
  gint64          from_ms;
  gint64          to_ms;
  gint64          total;
  HwLakeOrigin    origin;
  guint           search_count;
  guint           pending;            /* search parts still running */
  char           *error_message;
  guint           error_position;
  char           *hub_cursor;
  gboolean        hub_loading;
  guint           refresh_source;
  guint           export_count;
  gint64          last_export;
  GQueue          stages;             /* parts of the search not shown yet */
  gint64          stage_frame;        /* the frame that draws the last one shown */
  guint           stage_tick;
  guint           stage_timeout;      /* flushes the steps if frames stop */

  /* Template widgets */
  HwStateView    *state_view;
  GtkSearchEntry *search_entry;
  GtkDropDown    *range_dropdown;
  GtkMenuButton  *columns_button;
  GtkButton      *replay_button;
  GtkRevealer    *error_revealer;
  GtkLabel       *error_label;
  GtkRevealer    *export_revealer;
  GtkLabel       *export_label;
  GtkProgressBar *export_progress;
  HwLakeIndexNotice *index_notice;
  HwLakeCalendar *calendar;
  HwLakeFacets   *facets;
  GtkInscription *total_label;
  GtkLabel       *origin_label;
  GtkSpinner     *spinner;
  GtkLabel       *range_label;
  GtkWidget      *reset_range_button;
  HwChart        *histogram;
  GtkStack       *results_stack;
  HwLakeResults  *results;
  GtkWidget      *empty_status;
  AdwStatusPage  *error_status;
  HwEventDetail  *detail;
};

/* hw-lake-search.c: running a search over the cache or the hub. */
void hw_lake_page_run_search       (HwLakePage *self);
void hw_lake_page_window_changed   (HwLakePage *self);
void hw_lake_page_reset_range      (HwLakePage *self);
void hw_lake_page_update_replay    (HwLakePage *self);
/* More rows of hub results, when the view nears the end of them. */
void hw_lake_page_fetch_more       (HwLakePage *self);
/* What a search shows as its parts come in; part_done() when one ends,
 * which stops the spinner after the last. */
void hw_lake_page_part_done        (HwLakePage   *self);
void hw_lake_page_set_total_text   (HwLakePage   *self,
                                    const char   *text);
void hw_lake_page_show_total       (HwLakePage   *self,
                                    gint64        total,
                                    HwLakeOrigin  origin);
void hw_lake_page_show_stack_page  (HwLakePage   *self,
                                    const char   *name);
void hw_lake_page_show_search_error (HwLakePage  *self,
                                     GError      *error);
/* The histogram and the facets, once the rows are on their way. */
void hw_lake_page_start_aggregates (HwLakePage   *self,
                                    gboolean      from_hub);

/* hw-lake-search-cache.c: a search the cache answers. */
void hw_lake_page_search_cache     (HwLakePage *self);

/* hw-lake-stage.c: a search's parts are shown one frame at a time. */
typedef void (*HwLakeStep) (HwLakePage *self,
                            gpointer    data);
void     hw_lake_page_stage        (HwLakePage     *self,
                                    HwLakeStep      apply,
                                    gpointer        data,
                                    GDestroyNotify  destroy);
void     hw_lake_page_drop_stages  (HwLakePage     *self);
void     hw_lake_page_flush_stages (HwLakePage     *self);
gboolean hw_lake_page_has_stages   (HwLakePage     *self);

/* hw-lake-export-flow.c: the Export action. */
void hw_lake_page_toast            (HwLakePage *self,
                                    const char *message);
void hw_lake_page_export_activated (GtkWidget  *widget,
                                    const char *action_name,
                                    GVariant   *parameter);
void hw_lake_page_cancel_export_activated (GtkWidget  *widget,
                                           const char *action_name,
                                           GVariant   *parameter);

G_END_DECLS
