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

typedef struct
{
  GPtrArray   *rows;      /* HwEventRow* aligned with the page's seqs (NULL: gone); NULL while reading */
  /* The items handed out for this page, kept so that a page arriving fills
   * them in place: GTK 4.8's column view rebuilds every row widget of an
   * "items-changed" range, which stalled the UI each time a page arrived. */
  HwEventItem *items[PAGE_SIZE];
  guint64      last_used;
} Page;

struct _HwEventListModel
{
  GObject       parent_instance;

  HwEventStore *store;
  GArray       *seqs;     /* gint64: cache mode */
  GPtrArray    *rows;     /* HwEventRow*: hub mode */
  GHashTable   *pages;    /* page index → Page* */
  GCancellable *cancellable;
  guint64       tick;
  guint         generation;
  guint         n_reads;
};

static void hw_event_list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (HwEventListModel, hw_event_list_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, hw_event_list_model_iface_init))

static void
page_free (Page *page)
{
  g_clear_pointer (&page->rows, g_ptr_array_unref);
  for (guint i = 0; i < PAGE_SIZE; i++)
    g_clear_object (&page->items[i]);
  g_free (page);
}

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
    if (page->items[i] != NULL)
      hw_event_item_set_row (page->items[i], g_ptr_array_index (page->rows, i));
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
  return n_items (HW_EVENT_LIST_MODEL (model));
}

static gpointer
hw_event_list_model_get_item (GListModel *model,
                              guint       position)
{
  HwEventListModel *self = HW_EVENT_LIST_MODEL (model);
  guint slot = position % PAGE_SIZE;
  Page *page;
  gint64 seq;

  if (position >= n_items (self))
    return NULL;
  if (self->rows != NULL)
    return hw_event_item_new (0, g_ptr_array_index (self->rows, position));

  seq = g_array_index (self->seqs, gint64, position);
  page = lookup_page (self, position / PAGE_SIZE);
  if (page->items[slot] == NULL)
    page->items[slot] = hw_event_item_new (seq, page->rows != NULL ? g_ptr_array_index (page->rows, slot)
                                                                    : NULL);
  return g_object_ref (page->items[slot]);
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
  g_clear_object (&self->store);
  g_clear_pointer (&self->seqs, g_array_unref);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_pointer (&self->pages, g_hash_table_unref);

  G_OBJECT_CLASS (hw_event_list_model_parent_class)->dispose (object);
}

static void
hw_event_list_model_class_init (HwEventListModelClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = hw_event_list_model_dispose;
}

static void
hw_event_list_model_init (HwEventListModel *self)
{
  self->pages = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) page_free);
  self->cancellable = g_cancellable_new ();
}

HwEventListModel *
hw_event_list_model_new (void)
{
  return g_object_new (HW_TYPE_EVENT_LIST_MODEL, NULL);
}

/* Drops everything without notifying; returns the old number of items. */
static guint
reset (HwEventListModel *self)
{
  guint old = n_items (self);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->generation++;
  g_clear_object (&self->store);
  g_clear_pointer (&self->seqs, g_array_unref);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_hash_table_remove_all (self->pages);
  return old;
}

void
hw_event_list_model_set_seqs (HwEventListModel *self,
                              HwEventStore     *store,
                              GArray           *seqs,
                              GPtrArray        *first_rows)
{
  guint old;

  g_return_if_fail (HW_IS_EVENT_LIST_MODEL (self));
  g_return_if_fail (HW_IS_EVENT_STORE (store));
  g_return_if_fail (seqs != NULL);

  old = reset (self);
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
  g_list_model_items_changed (G_LIST_MODEL (self), 0, old, seqs->len);
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
  g_array_unref (self->seqs);
  self->seqs = g_array_ref (seqs);
  if (seqs->len > old)
    g_list_model_items_changed (G_LIST_MODEL (self), old, 0, seqs->len - old);
}

void
hw_event_list_model_set_rows (HwEventListModel *self,
                              GPtrArray        *rows)
{
  guint old;

  g_return_if_fail (HW_IS_EVENT_LIST_MODEL (self));
  g_return_if_fail (rows != NULL);

  old = reset (self);
  self->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) hw_event_row_free);
  for (guint i = 0; i < rows->len; i++)
    g_ptr_array_add (self->rows, hw_event_row_dup (g_ptr_array_index (rows, i)));
  g_list_model_items_changed (G_LIST_MODEL (self), 0, old, self->rows->len);
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
  g_list_model_items_changed (G_LIST_MODEL (self), first, 0, rows->len);
}

void
hw_event_list_model_clear (HwEventListModel *self)
{
  guint old;

  g_return_if_fail (HW_IS_EVENT_LIST_MODEL (self));

  old = reset (self);
  if (old > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, old, 0);
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

  if (position >= n_items (self))
    return FALSE;
  if (self->rows != NULL)
    return TRUE;
  page = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (position / PAGE_SIZE));
  return page != NULL && page->rows != NULL;
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
