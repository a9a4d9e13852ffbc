/* hw-test-listener.h: a real HTTP listener function for hub delivery tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* One POST the listener received. */
typedef struct
{
  char      *body;            /* raw request body */
  JsonNode  *records;         /* the "Records" array */
  GPtrArray *event_ids;       /* char*, decoded from kinesis.data, in record order */
  GPtrArray *partition_keys;  /* char* */
  GPtrArray *events;          /* JsonNode*, the decoded events */
  gboolean   acked;           /* answered 2xx */
} HwTestBatch;

/* A SoupServer on 127.0.0.1 (any port) on the default main context: it
 * only answers while the test iterates the context (hw_test_wait_until). */
typedef struct
{
  SoupServer *server;
  char       *url;            /* http://127.0.0.1:PORT/fn */
  GPtrArray  *batches;        /* HwTestBatch*, every request in arrival order */

  /* Behaviour, changeable at any time. */
  guint       fail_next;      /* answer 500 to this many next requests */
  char       *poison_id;      /* answer 500 to any batch holding this event id */
  guint       fail_every;     /* answer 500 to every Nth request (0 = never) */
  guint       delay_ms;       /* answer each request after this long */
  /* Once this many events were acknowledged, hold every new request
   * unanswered (and unacknowledged) until hw_test_listener_release(); 0
   * holds nothing. Lets a test catch a job mid-way however slowly it runs. */
  guint       hold_after;
  GPtrArray  *held;           /* SoupServerMessage*, held back */
  /* Called with each request as it arrives, before it is answered: a test
   * checks there what the hub had done by the time it sent it. */
  void      (*on_request)     (HwTestBatch *batch,
                               gpointer     data);
  gpointer    on_request_data;
} HwTestListener;

HwTestListener *hw_test_listener_new          (void);
void            hw_test_listener_free         (HwTestListener *listener);

/* Stops holding: held requests still connected get a 503, which the hub
 * retries like any failed batch. */
void            hw_test_listener_release      (HwTestListener *listener);

/* Events in acknowledged batches, in acknowledgement order (with repeats). */
GPtrArray      *hw_test_listener_acked_ids    (HwTestListener *listener);
guint           hw_test_listener_n_acked      (HwTestListener *listener);
/* TRUE when an acknowledged batch held @event_id. */
gboolean        hw_test_listener_has_acked    (HwTestListener *listener,
                                               const char     *event_id);
/* How many acknowledged batches held each event id: a table from the id
 * (char*) to the count (GUINT_TO_POINTER). */
GHashTable     *hw_test_listener_acked_times  (HwTestListener *listener);

/* For events published with hw_test_events_json(): asserts that each of
 * the ids TYPE-@first … TYPE-(@first+@n-1) is in @times (from
 * hw_test_listener_acked_times()) at least once, and returns how many are
 * there more than once (each named with g_test_message()). */
guint           hw_test_count_repeats         (GHashTable     *times,
                                               const char     *type,
                                               guint           first,
                                               guint           n);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HwTestListener, hw_test_listener_free)

G_END_DECLS
