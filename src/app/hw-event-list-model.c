/* hw-event-list-model.c: a virtual GListModel over search results in the cache or from the hub
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-event-list-model.h"

#define PAGE_SIZE  HW_EVENT_LIST_MODEL_PAGE_SIZE
/* 64 pages of 200 compact rows: enough for several screens above and below
 * the visible one, and a few MB at most whatever the number of matches. */
#define MAX_PAGES  64
/* GTK 4.8's list views keep some 200 row widgets around the first row
 * shown, and creating or destroying that many column view rows (six cells
 * each), then measuring and drawing them, stalls the UI for 20-100 ms. A
 * change in length that reaches into them is told this many rows at a
 * time, about a frame apart: 16 rows (96 cells) took 7-10 ms of CPU to
 * create, which with that frame's layout and drawing went over 16 ms. */
#define STEP_ROWS   8
#define STEP_MS     16
#define WIDGET_ROWS 256

typedef struct
{
  GPtrArray   *rows;      /* HwEventRow* aligned with the page's seqs (NULL: gone); NULL while reading */
  guint64      last_used;
} Page;

/* An item handed out by get_item() and still alive somewhere (a row
 * widget, the selection). Items are only ever changed in place: a page
 * arriving fills placeholders, and new results re-point the items at the
 * same positions. GTK 4.8's column view rebuilds every row widget of an
 * "items-changed" range (some 200 rows of six cells), which stalled the UI
 * for 50-100 ms whenever a page arrived or a search replaced the results. */
typedef struct
{
  HwEventListModel *model;
  HwEventItem      *item;   /* not owned: a weak reference */
  guint             position;
} Slot;

struct _HwEventListModel
{
  GObject       parent_instance;

  HwEventStore *store;
  GArray       *seqs;     /* gint64: cache mode */
  GPtrArray    *rows;     /* HwEventRow*: hub mode */
  GHashTable   *pages;    /* page index → Page* */
  GHashTable   *slots;    /* position → Slot*: the items alive */
  GCancellable *cancellable;
  guint64       tick;
  guint         generation;
  guint         n_reads;
  guint         shown;    /* the length told to views so far */
  gboolean      prefix;   /* more seqs follow: the length told does not shrink */
  guint         settle_id;
};

enum {
  REPLACED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void hw_event_list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (HwEventListModel, hw_event_list_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, hw_event_list_model_iface_init))

static void
page_free (Page *page)
{
  g_clear_pointer (&page->rows, g_ptr_array_unref);
  g_free (page);
}

/* Slots --------------------------------------------------------------------- */

static void
slot_gone (gpointer  data,
           GObject  *where_the_item_was)
{
  Slot *slot = data;

  /* The item is past its weak references: slot_free() must not drop one. */
  slot->item = NULL;
  g_hash_table_remove (slot->model->slots, GUINT_TO_POINTER (slot->position));
}

/* The table owns its slots; dropping one lets go of its item. */
static void
slot_free (Slot *slot)
{
  if (slot->item != NULL)
    g_object_weak_unref (G_OBJECT (slot->item), slot_gone, slot);
  g_free (slot);
}

static HwEventItem *
slot_item (HwEventListModel *self,
           guint             position)
{
  Slot *slot = g_hash_table_lookup (self->slots, GUINT_TO_POINTER (position));

  return slot != NULL ? slot->item : NULL;
}

static HwEventItem *
track_item (HwEventListModel *self,
            guint             position,
            HwEventItem      *item)
{
  Slot *slot = g_new0 (Slot, 1);

  slot->model = self;
  slot->item = item;
  slot->position = position;
  g_object_weak_ref (G_OBJECT (item), slot_gone, slot);
  g_hash_table_replace (self->slots, GUINT_TO_POINTER (position), slot);
  return item;
}

/* The length of the content, which the length told (self->shown) follows
 * a step at a time. */
static guint
n_items (HwEventListModel *self)
{
  if (self->seqs != NULL)
    return self->seqs->len;
  if (self->rows != NULL)
    return self->rows->len;
  return 0;
}

/* Summaries skip unknown seqs (an event pruned meanwhile), so line the rows
 * up with the seqs they answer, leaving holes. */
static GPtrArray *
align_rows (const gint64 *seqs,
            guint         n,
            GPtrArray    *rows)
{
  GPtrArray *aligned = g_ptr_array_new_full (n, (GDestroyNotify) hw_event_row_free);
  guint r = 0;

  for (guint i = 0; i < n; i++)
    {
      HwEventRow *row = r < rows->len ? g_ptr_array_index (rows, r) : NULL;

      if (row != NULL && row->seq == seqs[i])
        {
          /* Taken over: the slot is cleared so that @rows frees nothing twice. */
          rows->pdata[r++] = NULL;
          g_ptr_array_add (aligned, row);
        }
      else
        g_ptr_array_add (aligned, NULL);
    }
  return aligned;
}

static void
evict_pages (HwEventListModel *self,
             guint             keep)
{
  while (g_hash_table_size (self->pages) > MAX_PAGES)
    {
      GHashTableIter iter;
      gpointer key, value;
      gpointer oldest_key = NULL;
      guint64 oldest = G_MAXUINT64;

      g_hash_table_iter_init (&iter, self->pages);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          Page *page = value;

          /* A page still being read stays: its answer is on the way. */
          if (page->rows == NULL || GPOINTER_TO_UINT (key) == keep)
            continue;
          if (page->last_used < oldest)
            {
              oldest = page->last_used;
              oldest_key = key;
            }
        }
      if (oldest == G_MAXUINT64)
        return;
      g_hash_table_remove (self->pages, oldest_key);
    }
}

typedef struct
{
  HwEventListModel *self;
  guint             generation;
  guint             page_index;
} ReadData;

static void
on_page_read (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ReadData *data = user_data;
  g_autoptr(HwEventListModel) self = data->self;
  guint page_index = data->page_index;
  guint generation = data->generation;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  Page *page;
  guint first, n;

  g_free (data);
  rows = hw_event_store_get_summaries_finish (HW_EVENT_STORE (source), result, &error);
  if (generation != self->generation)
    return;
  page = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (page_index));
  if (page == NULL)
    return;
  if (rows == NULL)
    {
      /* Forget the page so that the next look at it tries again. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Reading rows %u…: %s", page_index * PAGE_SIZE, error->message);
      g_hash_table_remove (self->pages, GUINT_TO_POINTER (page_index));
      return;
    }

  first = page_index * PAGE_SIZE;
  n = MIN (PAGE_SIZE, self->seqs->len - first);
  page->rows = align_rows (&g_array_index (self->seqs, gint64, first), n, rows);
  page->last_used = ++self->tick;
  /* No "items-changed": the placeholders become the rows, and the cells
   * bound to them redraw on notify::row. */
  for (guint i = 0; i < n; i++)
    {
      HwEventItem *item = slot_item (self, first + i);

      if (item != NULL)
        hw_event_item_set_row (item, g_ptr_array_index (page->rows, i));
    }
  evict_pages (self, page_index);
}

static Page *
lookup_page (HwEventListModel *self,
             guint             page_index)
{
  Page *page = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (page_index));
  ReadData *data;
  guint first, n;

  if (page != NULL)
    {
      page->last_used = ++self->tick;
      return page;
    }

  page = g_new0 (Page, 1);
  page->last_used = ++self->tick;
  g_hash_table_insert (self->pages, GUINT_TO_POINTER (page_index), page);

  first = page_index * PAGE_SIZE;
  n = MIN (PAGE_SIZE, self->seqs->len - first);
  data = g_new0 (ReadData, 1);
  data->self = g_object_ref (self);
  data->generation = self->generation;
  data->page_index = page_index;
  self->n_reads++;
  hw_event_store_get_summaries_async (self->store, &g_array_index (self->seqs, gint64, first), n,
                                      self->cancellable, on_page_read, data);
  return page;
}

/* GListModel ---------------------------------------------------------------- */

static GType
hw_event_list_model_get_item_type (GListModel *model)
{
  return HW_TYPE_EVENT_ITEM;
}

static guint
hw_event_list_model_get_n_items (GListModel *model)
{
  return HW_EVENT_LIST_MODEL (model)->shown;
}

/* The row at @position if it is in memory, starting the read of its page
 * otherwise. */
static const HwEventRow *
row_at (HwEventListModel *self,
        guint             position)
{
  Page *page;

  if (self->rows != NULL)
    return g_ptr_array_index (self->rows, position);
  page = lookup_page (self, position / PAGE_SIZE);
  return page->rows != NULL ? g_ptr_array_index (page->rows, position % PAGE_SIZE) : NULL;
}

static gint64
seq_at (HwEventListModel *self,
        guint             position)
{
  return self->seqs != NULL ? g_array_index (self->seqs, gint64, position) : 0;
}

static gpointer
hw_event_list_model_get_item (GListModel *model,
                              guint       position)
{
  HwEventListModel *self = HW_EVENT_LIST_MODEL (model);
  HwEventItem *item;
  const HwEventRow *row = NULL;
  gint64 seq = 0;

  if (position >= self->shown)
    return NULL;
  /* Past the content while a shorter one is being told: a blank row. */
  if (position < n_items (self))
    {
      row = row_at (self, position);
      seq = seq_at (self, position);
    }
  if ((item = slot_item (self, position)) != NULL)
    return g_object_ref (item);
  return track_item (self, position, hw_event_item_new (seq, row));
}

static void
hw_event_list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = hw_event_list_model_get_item_type;
  iface->get_n_items = hw_event_list_model_get_n_items;
  iface->get_item = hw_event_list_model_get_item;
}

/* GObject ------------------------------------------------------------------- */

static void
hw_event_list_model_dispose (GObject *object)
{
  HwEventListModel *self = HW_EVENT_LIST_MODEL (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->settle_id, g_source_remove);
  g_clear_object (&self->store);
  g_clear_pointer (&self->seqs, g_array_unref);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_pointer (&self->pages, g_hash_table_unref);
  g_clear_pointer (&self->slots, g_hash_table_unref);

  G_OBJECT_CLASS (hw_event_list_model_parent_class)->dispose (object);
}

static void
hw_event_list_model_class_init (HwEventListModelClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = hw_event_list_model_dispose;

  /* After new content took the place of the old, in place: the items at
   * the positions both have are the same objects, now showing other
   * events, so a view keeps its row widgets but should drop its selection
   * and go back to the first row. "items-changed" covers only the
   * difference in length. */
  signals[REPLACED] = g_signal_new ("replaced", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
hw_event_list_model_init (HwEventListModel *self)
{
  self->pages = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) page_free);
  self->slots = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) slot_free);
  self->cancellable = g_cancellable_new ();
}

HwEventListModel *
hw_event_list_model_new (void)
{
  return g_object_new (HW_TYPE_EVENT_LIST_MODEL, NULL);
}

/* Drops the content without notifying. */
static void
reset (HwEventListModel *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->generation++;
  g_clear_object (&self->store);
  g_clear_pointer (&self->seqs, g_array_unref);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_hash_table_remove_all (self->pages);
  self->prefix = FALSE;
}

static gboolean
slot_beyond (gpointer key,
             gpointer value,
             gpointer user_data)
{
  return GPOINTER_TO_UINT (key) >= GPOINTER_TO_UINT (user_data);
}

/* One step of telling views the length of the content; TRUE while more
 * steps remain. Rows past WIDGET_ROWS have no widgets while the view shows
 * the first rows (see on "replaced"), so they go in one step. */
static gboolean
settle_step (HwEventListModel *self)
{
  guint n = n_items (self);
  guint old = self->shown;

  if (self->prefix && old >= n)
    return FALSE;
  if (old < n)
    self->shown = old >= WIDGET_ROWS ? n : MIN (n, old + STEP_ROWS);
  else if (old > MAX (n, WIDGET_ROWS))
    self->shown = MAX (n, WIDGET_ROWS);
  else if (old > n)
    self->shown = old - MIN (old - n, STEP_ROWS);
  if (self->shown < old)
    g_hash_table_foreach_remove (self->slots, slot_beyond, GUINT_TO_POINTER (self->shown));
  if (self->shown != old)
    g_list_model_items_changed (G_LIST_MODEL (self), MIN (old, self->shown),
                                old > self->shown ? old - self->shown : 0,
                                self->shown > old ? self->shown - old : 0);
  return self->shown != n_items (self);
}

static gboolean
on_settle (gpointer user_data)
{
  HwEventListModel *self = user_data;

  if (settle_step (self))
    return G_SOURCE_CONTINUE;
  self->settle_id = 0;
  return G_SOURCE_REMOVE;
}

/* A first step now (the first rows show at once), the rest from the main
 * loop, which draws a frame in between; below the priority of drawing. */
static void
settle (HwEventListModel *self)
{
  if (settle_step (self) && self->settle_id == 0)
    self->settle_id = g_timeout_add_full (G_PRIORITY_DEFAULT_IDLE, STEP_MS, on_settle, self, NULL);
}

/* Re-points the items alive from @from on at the content (see Slot); past
 * its end they go blank until the length told catches up. */
static void
retarget_from (HwEventListModel *self,
               guint             from)
{
  guint n = n_items (self);
  g_autoptr(GList) positions = g_hash_table_get_keys (self->slots);

  for (GList *l = positions; l != NULL; l = l->next)
    {
      guint position = GPOINTER_TO_UINT (l->data);
      /* A handler of an earlier notification may have let go of it. */
      HwEventItem *item = slot_item (self, position);

      if (item == NULL || position < from)
        continue;
      if (position < n)
        hw_event_item_retarget (item, seq_at (self, position), row_at (self, position));
      else
        hw_event_item_retarget (item, 0, NULL);
    }
}

/* "replaced" goes first: the view goes back to the first rows before a
 * shorter length drops the rows past WIDGET_ROWS, which then have no
 * widgets. */
static void
replaced (HwEventListModel *self)
{
  retarget_from (self, 0);
  g_signal_emit (self, signals[REPLACED], 0);
  settle (self);
}

static void
set_seqs (HwEventListModel *self,
          HwEventStore     *store,
          GArray           *seqs,
          GPtrArray        *first_rows,
          gboolean          prefix)
{
  reset (self);
  self->prefix = prefix;
  self->store = g_object_ref (store);
  self->seqs = g_array_ref (seqs);
  if (first_rows != NULL && seqs->len > 0)
    {
      g_autoptr(GPtrArray) copy = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_event_row_free);
      Page *page = g_new0 (Page, 1);

      for (guint i = 0; i < first_rows->len; i++)
        g_ptr_array_add (copy, hw_event_row_dup (g_ptr_array_index (first_rows, i)));
      page->rows = align_rows ((const gint64 *) seqs->data, MIN (PAGE_SIZE, seqs->len), copy);
      page->last_used = ++self->tick;
      g_hash_table_insert (self->pages, GUINT_TO_POINTER (0), page);
    }
  replaced (self);
}

void
hw_event_list_model_set_seqs (HwEventListModel *self,
                              HwEventStore     *store,
                              GArray           *seqs,
                              GPtrArray        *first_rows)
{
  g_return_if_fail (HW_IS_EVENT_LIST_MODEL (self));
  g_return_if_fail (HW_IS_EVENT_STORE (store));
  g_return_if_fail (seqs != NULL);

  set_seqs (self, store, seqs, first_rows, FALSE);
}

void
hw_event_list_model_set_prefix_seqs (HwEventListModel *self,
                                     HwEventStore     *store,
                                     GArray           *seqs,
                                     GPtrArray        *first_rows)
{
  g_return_if_fail (HW_IS_EVENT_LIST_MODEL (self));
  g_return_if_fail (HW_IS_EVENT_STORE (store));
  g_return_if_fail (seqs != NULL);

  set_seqs (self, store, seqs, first_rows, TRUE);
}

void
hw_event_list_model_extend_seqs (HwEventListModel *self,
                                 GArray           *seqs)
{
  guint old;

  g_return_if_fail (HW_IS_EVENT_LIST_MODEL (self));
  g_return_if_fail (seqs != NULL);

  /* The cache may have changed between the first page and the full list:
   * then the rows shown are no longer a prefix, and everything is replaced. */
  old = self->seqs != NULL ? self->seqs->len : 0;
  if (self->store == NULL || self->seqs == NULL || seqs->len < old
      || memcmp (self->seqs->data, seqs->data, old * sizeof (gint64)) != 0)
    {
      g_autoptr(HwEventStore) store = self->store != NULL ? g_object_ref (self->store) : NULL;

      g_return_if_fail (store != NULL);
      hw_event_list_model_set_seqs (self, store, seqs, NULL);
      return;
    }
  /* Same prefix: pages read so far, and the items shown, stay valid. The
   * last page may have been short; it is read again when next looked at. */
  if (old % PAGE_SIZE != 0)
    g_hash_table_remove (self->pages, GUINT_TO_POINTER (old / PAGE_SIZE));
  self->prefix = FALSE;
  g_array_unref (self->seqs);
  self->seqs = g_array_ref (seqs);
  /* Blank rows left from a longer content before may now have events. */
  retarget_from (self, old);
  settle (self);
}

void
hw_event_list_model_set_rows (HwEventListModel *self,
                              GPtrArray        *rows)
{
  g_return_if_fail (HW_IS_EVENT_LIST_MODEL (self));
  g_return_if_fail (rows != NULL);

  reset (self);
  self->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_event_row_free);
  for (guint i = 0; i < rows->len; i++)
    g_ptr_array_add (self->rows, hw_event_row_dup (g_ptr_array_index (rows, i)));
  replaced (self);
}

void
hw_event_list_model_append_rows (HwEventListModel *self,
                                 GPtrArray        *rows)
{
  guint first;

  g_return_if_fail (HW_IS_EVENT_LIST_MODEL (self));
  g_return_if_fail (rows != NULL);

  if (self->rows == NULL)
    {
      hw_event_list_model_set_rows (self, rows);
      return;
    }
  first = self->rows->len;
  for (guint i = 0; i < rows->len; i++)
    g_ptr_array_add (self->rows, hw_event_row_dup (g_ptr_array_index (rows, i)));
  retarget_from (self, first);
  settle (self);
}

void
hw_event_list_model_clear (HwEventListModel *self)
{
  g_return_if_fail (HW_IS_EVENT_LIST_MODEL (self));

  reset (self);
  replaced (self);
}

GPtrArray *
hw_event_list_model_ref_rows (HwEventListModel *self)
{
  g_return_val_if_fail (HW_IS_EVENT_LIST_MODEL (self), NULL);

  return self->rows != NULL ? g_ptr_array_ref (self->rows) : NULL;
}

gint64
hw_event_list_model_get_seq (HwEventListModel *self,
                             guint             position)
{
  g_return_val_if_fail (HW_IS_EVENT_LIST_MODEL (self), 0);

  if (self->seqs == NULL || position >= self->seqs->len)
    return 0;
  return g_array_index (self->seqs, gint64, position);
}

gboolean
hw_event_list_model_is_loaded (HwEventListModel *self,
                               guint             position)
{
  Page *page;

  g_return_val_if_fail (HW_IS_EVENT_LIST_MODEL (self), FALSE);

  if (position >= n_items (self) || position >= self->shown)
    return FALSE;
  if (self->rows != NULL)
    return TRUE;
  page = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (position / PAGE_SIZE));
  return page != NULL && page->rows != NULL;
}

gboolean
hw_event_list_model_is_settled (HwEventListModel *self)
{
  g_return_val_if_fail (HW_IS_EVENT_LIST_MODEL (self), TRUE);

  /* Held at a longer length for more seqs to come: nothing to tell now. */
  return self->shown == n_items (self) || (self->prefix && self->shown > n_items (self));
}

guint
hw_event_list_model_get_n_pages (HwEventListModel *self)
{
  g_return_val_if_fail (HW_IS_EVENT_LIST_MODEL (self), 0);

  return g_hash_table_size (self->pages);
}

guint
hw_event_list_model_get_n_reads (HwEventListModel *self)
{
  g_return_val_if_fail (HW_IS_EVENT_LIST_MODEL (self), 0);

  return self->n_reads;
}

guint
hw_event_list_model_get_max_pages (HwEventListModel *self)
{
  return MAX_PAGES;
}
