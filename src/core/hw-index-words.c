/* hw-index-words.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-index-words.h"

/* An open-addressing set of the pieces already written, by their offset in
 * the text being rewritten. A hash of 0 marks a free slot. */
typedef struct
{
  guint32 hash;
  guint32 offset;
  guint32 length;
} Slot;

struct _HwIndexWords
{
  Slot   *slots;
  guint   capacity;  /* a power of two */
  guint   used;
  guchar  bytes[256];  /* piece_byte() of each */
};

#define INITIAL_CAPACITY 512

/* The byte as written into a piece, or 0 for a separator. */
static guchar
piece_byte (guchar c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A' + 'a';
  if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80)
    return c;
  return 0;
}

HwIndexWords *
hw_index_words_new (void)
{
  HwIndexWords *self = g_new0 (HwIndexWords, 1);

  self->capacity = INITIAL_CAPACITY;
  self->slots = g_new0 (Slot, self->capacity);
  for (guint c = 0; c < 256; c++)
    self->bytes[c] = piece_byte (c);
  return self;
}

void
hw_index_words_free (HwIndexWords *self)
{
  if (self == NULL)
    return;

  g_free (self->slots);
  g_free (self);
}

static void
insert_slot (Slot       *slots,
             guint       capacity,
             const Slot *slot)
{
  guint i = slot->hash & (capacity - 1);

  while (slots[i].hash != 0)
    i = (i + 1) & (capacity - 1);
  slots[i] = *slot;
}

static void
grow (HwIndexWords *self)
{
  guint capacity = self->capacity * 2;
  Slot *slots = g_new0 (Slot, capacity);

  for (guint i = 0; i < self->capacity; i++)
    if (self->slots[i].hash != 0)
      insert_slot (slots, capacity, &self->slots[i]);
  g_free (self->slots);
  self->slots = slots;
  self->capacity = capacity;
}

/* TRUE when the piece at @offset is new (and now remembered). */
static gboolean
remember (HwIndexWords *self,
          const char   *text,
          guint32       hash,
          guint32       offset,
          guint32       length)
{
  guint i = hash & (self->capacity - 1);
  Slot slot = { hash, offset, length };

  for (; self->slots[i].hash != 0; i = (i + 1) & (self->capacity - 1))
    if (self->slots[i].hash == hash && self->slots[i].length == length
        && memcmp (text + self->slots[i].offset, text + offset, length) == 0)
      return FALSE;

  self->slots[i] = slot;
  /* At most half full, so probes stay short and one is always free. */
  if (++self->used * 2 > self->capacity)
    grow (self);
  return TRUE;
}

static void
forget_all (HwIndexWords *self)
{
  if (self->used > 0)
    memset (self->slots, 0, self->capacity * sizeof (Slot));
  self->used = 0;
}

/* The write position never passes the read position: a piece is copied
 * onto itself or further left, and its space takes the place of the
 * separator that ended it. So remembered pieces, left of the write
 * position, stay intact. */
gsize
hw_index_words_dedup (HwIndexWords *self,
                      char         *text)
{
  const guchar *bytes;
  char *read = text, *write = text;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (text != NULL, 0);

  bytes = self->bytes;
  forget_all (self);
  for (;;)
    {
      char *start = write;
      guint32 hash = 2166136261u;  /* FNV-1a */
      guchar c;

      while (*read != '\0' && bytes[(guchar) *read] == 0)
        read++;
      if (*read == '\0')
        break;
      while ((c = bytes[(guchar) *read]) != 0)
        {
          *write++ = (char) c;
          hash = (hash ^ c) * 16777619u;
          read++;
        }
      /* 0 marks a free slot. */
      if (!remember (self, text, hash | 1, (guint32) (start - text), (guint32) (write - start)))
        write = start;
      else if (*read != '\0')
        *write++ = ' ';
    }
  /* A last piece that was a repeat leaves its predecessor's space. */
  if (write > text && write[-1] == ' ')
    write--;
  *write = '\0';
  return (gsize) (write - text);
}
