/* hw-test-hub.h: runs the real hubwatchd for a test and talks HTTP to it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct
{
  GSubprocess *process;     /* NULL while stopped */
  char        *data_dir;    /* --data-dir */
  char        *log_path;    /* hubwatchd's stderr, appended across restarts */
  char        *base_url;    /* "http://127.0.0.1:PORT", no trailing slash */
  GStrv        args;        /* extra arguments, reused by restart */
  SoupSession *session;     /* for the blocking helpers below */
  char        *token;       /* default bearer token for requests, or NULL */
  gboolean     owns_data_dir;
  char        *work_dir;    /* temp dir holding the log (and data dir if owned) */
} HwTestHub;

/* Spawns $HUBWATCHD --listen 127.0.0.1:0 --data-dir DIR ARGS… and waits
 * (bounded, 30 s) for the ready line. @data_dir NULL creates a fresh temp
 * dir removed by hw_test_hub_free(). Fails the test if the hub does not
 * come up, printing its log. */
HwTestHub *hw_test_hub_new        (const char  *data_dir,
                                   const char  *first_arg,
                                   ...) G_GNUC_NULL_TERMINATED;
HwTestHub *hw_test_hub_newv       (const char  *data_dir,
                                   const char * const *args);
/* A replica of the JetStream engine: --engine jetstream --nats on the
 * cluster @nats_urls (NULL-terminated), with --config @config unless NULL. */
HwTestHub *hw_test_hub_new_replica (char       **nats_urls,
                                    const char  *config);
/* Like hw_test_hub_new() but returns NULL (and the exit status/log in
 * @out_log) when the hub refuses to start, for negative tests. */
HwTestHub *hw_test_hub_try_newv   (const char  *data_dir,
                                   const char * const *args,
                                   char       **out_log);

/* SIGKILL and reap. */
void       hw_test_hub_kill       (HwTestHub   *hub);
/* SIGTERM and reap; asserts a clean exit status 0. */
void       hw_test_hub_stop       (HwTestHub   *hub);
/* Starts again on the same data dir with the same args (the port changes). */
void       hw_test_hub_restart    (HwTestHub   *hub);
/* Kills if running, removes owned dirs. */
void       hw_test_hub_free       (HwTestHub   *hub);
/* Everything hubwatchd wrote to stderr so far. */
char      *hw_test_hub_read_log   (HwTestHub   *hub);

/* Sets the token used when a helper gets token == NULL. */
void       hw_test_hub_set_token  (HwTestHub   *hub,
                                   const char  *token);

/* Blocking request. @path starts with "/". @token NULL uses hub->token,
 * "" sends no Authorization header. @content_type NULL = application/json
 * when a body is given. Returns the status; *out_body (optional) gets the
 * body, NUL-terminated. *out_msg (optional) gets the message for headers. */
guint      hw_test_hub_request    (HwTestHub   *hub,
                                   const char  *method,
                                   const char  *path,
                                   const char  *token,
                                   const char  *content_type,
                                   const char  *body,
                                   gssize       body_length,
                                   GBytes     **out_body,
                                   SoupMessage **out_msg);

/* JSON convenience: sends @body_json (may be NULL) and parses the answer.
 * Asserts the answer is JSON. Returns the status. */
guint      hw_test_hub_json       (HwTestHub   *hub,
                                   const char  *method,
                                   const char  *path,
                                   const char  *token,
                                   const char  *body_json,
                                   JsonNode   **out_json);

/* hw_test_hub_json() with hub->token, plus the request header @header:
 * @value, none when @value is NULL (an Idempotency-Key, say). */
guint      hw_test_hub_json_with_header (HwTestHub   *hub,
                                         const char  *method,
                                         const char  *path,
                                         const char  *header,
                                         const char  *value,
                                         const char  *body_json,
                                         JsonNode   **out_json);

/* GET that asserts @expected_status and returns the parsed body. */
JsonNode  *hw_test_hub_get_json   (HwTestHub   *hub,
                                   const char  *path,
                                   guint        expected_status);

/* GET of a resource that may not exist (yet): the object answered with a
 * 200, or NULL for a 404; any other answer fails the test. */
JsonObject *hw_test_hub_find      (HwTestHub   *hub,
                                   const char  *path);

/* Asserts @node is {"error":{"code":@code,"message":non-empty}}. */
void       hw_test_assert_error   (JsonNode    *node,
                                   const char  *code);

/* GET /v1/events/count for @query (escaped here), asserting a 200. */
gint64     hw_test_hub_count      (HwTestHub   *hub,
                                   const char  *query);
/* Every stored event's id, read through /v1/events/sync; asserts that none
 * comes twice. */
GHashTable *hw_test_hub_stored_ids (HwTestHub  *hub);

/* The audit @action ("job.start", "job.end") of the job @job_id in GET
 * /v1/system-events?kind=audit through @hub, or NULL. */
JsonObject *hw_test_hub_find_job_audit (HwTestHub  *hub,
                                        const char *action,
                                        const char *job_id);

/* A minimal valid event as compact JSON, with an id and a timestamp. */
char      *hw_test_event_json     (const char  *id,
                                   const char  *type,
                                   gint64       timestamp_ms);
/* A JSON array of @n such events of type @type, with ids "TYPE-NNNNNN"
 * numbered from *@next_id on, which it advances. */
char      *hw_test_events_json    (const char  *type,
                                   guint       *next_id,
                                   guint        n);
/* Publishes hw_test_events_json() through @hub, asserting that it accepted
 * every event. */
void       hw_test_hub_publish_events (HwTestHub  *hub,
                                       const char *type,
                                       guint      *next_id,
                                       guint       n);
/* The same with every event's timestamp @at_ms. */
void       hw_test_hub_publish_events_at (HwTestHub  *hub,
                                          const char *type,
                                          guint      *next_id,
                                          guint       n,
                                          gint64      at_ms);

G_END_DECLS
