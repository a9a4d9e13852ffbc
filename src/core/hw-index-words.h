/* hw-index-words.h: the full-text index's text, each word once
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The full-text index keeps no positions (detail=none): for each word, only
 * which events hold it. A word's second and later occurrences in one event
 * change nothing in the index, yet the tokenizer and the index's hash table
 * pay for each; the writer thread, which every ingest waits on, does that
 * work. hw_index_words_dedup() drops them beforehand, on the thread that
 * prepares the event. */
typedef struct _HwIndexWords HwIndexWords;

HwIndexWords *hw_index_words_new   (void);
void          hw_index_words_free  (HwIndexWords *self);

/* Rewrites @text in place (it only shrinks) into the first occurrence of
 * each of its pieces, in ASCII lower case, separated by one space, and
 * returns its new length. A piece is a run of ASCII letters and digits and
 * non-ASCII bytes, between ASCII characters of any other kind: the
 * tokenizer (unicode61, no token characters) ends a token at each of
 * those, and makes the same tokens of two pieces that differ only in ASCII
 * case. So the index gets the same words, each once. */
gsize         hw_index_words_dedup (HwIndexWords *self,
                                    char         *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwIndexWords, hw_index_words_free)

G_END_DECLS
