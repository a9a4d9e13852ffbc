/* hw-bench-hub.c: hubwatchd ingest, delivery, replay and iterator-age accuracy
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "hw-bench-cpu.h"
#include "hw-bench-listener.h"
#include "hw-bench-util.h"
#include "hw-lake-reader.h"
#if HAVE_JETSTREAM
#include "hw-test-nats.h"
#endif

#define INGEST_BATCH 500
/* Producers with one request in flight each: with 4, the hub parses two
 * requests while it commits two (bench/README.md). */
#define INGEST_CLIENTS 4
#define INGEST_TARGET 20000.0
#define LISTENER_LATENCY_MS 10
#define DELIVERY_PARALLEL 16
#define DELIVERY_BATCH 100
#define AGE_LIMIT_MS 1000.0
#define READY_PREFIX "hubwatchd: listening on "

typedef struct
{
  char            *workdir;
  guint64          n_events;
  HwLakeGenStats   lake;
  GPtrArray       *bodies;       /* GBytes*: NDJSON requests of INGEST_BATCH events */
  GSubprocess     *hub;
  char            *base_url;
  SoupSession     *session;      /* the main thread's, for control requests */
  HwBenchListener *listener;
  double           wait_limit_s; /* for one delivery phase */

  /* The engine of this pass: "embedded", or "jetstream" with the extra
   * arguments that point the hub at the cluster. */
  const char      *engine;
  GStrv            hub_args;
  /* The embedded engine's rates, measured earlier in the same run: the
   * JetStream pass's baselines. */
  double           embedded_ingest;
  double           embedded_delivery;
} Bench;

/* HTTP ------------------------------------------------------------------- */

/* A blocking request: the body of the answer, and its status in @status
 * (0 on a transport error, with NULL returned). */
static GBytes *
send_request (SoupSession *session,
              const char  *base_url,
              const char  *method,
              const char  *path,
              const char  *content_type,
              GBytes      *body,
              guint       *status)
{
  g_autofree char *url = g_strconcat (base_url, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GError) error = NULL;
  GBytes *answer;

  if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, content_type, body);
  answer = soup_session_send_and_read (session, msg, NULL, &error);
  *status = answer != NULL ? soup_message_get_status (msg) : 0;
  if (answer == NULL)
    hw_bench_note ("hub: %s %s: %s", method, path, error->message);
  return answer;
}

static JsonNode *
parse_json (GBytes *bytes)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);

  if (!json_parser_load_from_data (parser, data, length, NULL))
    return NULL;
  return json_node_ref (json_parser_get_root (parser));
}

/* A control request from the main thread, with a JSON body if any; the
 * answer is parsed as JSON when @out_json is given. Returns the status (0
 * on a transport error). */
static guint
request (Bench      *bench,
         const char *method,
         const char *path,
         GBytes     *body,
         JsonNode  **out_json)
{
  guint status;
  g_autoptr(GBytes) answer = send_request (bench->session, bench->base_url, method, path,
                                           "application/json", body, &status);

  if (out_json != NULL)
    *out_json = answer != NULL ? parse_json (answer) : NULL;
  return status;
}

static JsonNode *
request_json_or_fail (Bench      *bench,
                      const char *method,
                      const char *path,
                      const char *json,
                      guint       expected_status)
{
  g_autoptr(GBytes) body = json != NULL ? g_bytes_new (json, strlen (json)) : NULL;
  JsonNode *answer = NULL;
  guint status = request (bench, method, path, body, &answer);

  if (status != expected_status || answer == NULL || !JSON_NODE_HOLDS_OBJECT (answer))
    {
      g_autofree char *text = answer != NULL ? json_to_string (answer, FALSE) : g_strdup ("(not JSON)");
      g_autoptr(GError) error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "%s %s → %u: %s",
                                             method, path, status, text);
      hw_bench_fail ("hub request", error);
    }
  return answer;
}

static gint64
member_int (JsonNode   *node,
            const char *member)
{
  return json_object_get_int_member_with_default (json_node_get_object (node), member, -1);
}

/* The hub -------------------------------------------------------------------- */

static void
start_hub (Bench *bench)
{
  const char *binary = g_getenv ("HUBWATCHD");
  g_autofree char *data_dir = g_build_filename (bench->workdir, "hub-data", NULL);
  g_autofree char *log_path = g_build_filename (bench->workdir, "hubwatchd.log", NULL);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autoptr(GStrvBuilder) argv = g_strv_builder_new ();
  g_auto(GStrv) args = NULL;

  if (binary == NULL)
    hw_bench_fail ("HUBWATCHD is not set to the hubwatchd binary", NULL);
  if (!hw_bench_reset_dir (data_dir, &error))
    hw_bench_fail ("hub data dir", error);
  g_subprocess_launcher_set_stderr_file_path (launcher, log_path);
  g_strv_builder_add_many (argv, binary, "--listen", "127.0.0.1:0", "--data-dir", data_dir, NULL);
  if (bench->hub_args != NULL)
    g_strv_builder_addv (argv, (const char **) bench->hub_args);
  args = g_strv_builder_end (argv);
  bench->hub = g_subprocess_launcher_spawnv (launcher, (const char * const *) args, &error);
  if (bench->hub == NULL)
    hw_bench_fail ("starting hubwatchd", error);

  /* The ready line is the contract (docs/hub-api.md); EOF means it died. */
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (bench->hub));
  line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);
  if (line == NULL || !g_str_has_prefix (line, READY_PREFIX))
    {
      g_autoptr(GError) why = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                                           "no ready line; see %s", log_path);
      hw_bench_fail ("starting hubwatchd", why);
    }
  bench->base_url = g_strstrip (g_strdup (line + strlen (READY_PREFIX)));
  hw_bench_note ("hub: hubwatchd (%s engine) at %s, data in %s, log in %s", bench->engine, bench->base_url,
                 data_dir, log_path);
}

static void
stop_hub (Bench *bench)
{
  if (bench->hub == NULL)
    return;
  g_subprocess_send_signal (bench->hub, SIGTERM);
  g_subprocess_wait (bench->hub, NULL, NULL);
  g_clear_object (&bench->hub);
}

/* Ingest ------------------------------------------------------------------- */

static void
load_bodies (Bench      *bench,
             const char *lake_dir)
{
  g_autoptr(HwLakeReader) reader = hw_lake_reader_new (0);
  g_autoptr(GString) body = g_string_sized_new (INGEST_BATCH * 4096);
  guint in_body = 0;
  HwLakeLine line;
  HwLakeReadResult result;

  hw_lake_reader_add_path (reader, lake_dir);
  while ((result = hw_lake_reader_next (reader, &line, NULL, NULL)) != HW_LAKE_READ_END)
    {
      if (result != HW_LAKE_READ_LINE)
        hw_bench_fail ("reading the lake", NULL);
      g_string_append_len (body, line.data, line.length);
      g_string_append_c (body, '\n');
      if (++in_body == INGEST_BATCH)
        {
          g_ptr_array_add (bench->bodies, g_bytes_new (body->str, body->len));
          g_string_truncate (body, 0);
          in_body = 0;
        }
    }
  if (in_body > 0)
    g_ptr_array_add (bench->bodies, g_bytes_new (body->str, body->len));
}

typedef struct
{
  Bench   *bench;
  guint   *next;        /* shared: the next body to send */
  guint64  accepted;
  guint64  other;       /* duplicates and rejections: a setup problem */
  guint    failures;
  GArray  *latencies_ms; /* double, one per request */
} Client;

/* The counts that open the hub's answer to a publish (hw-hub-api-events.c
 * writes them before the items); an answer that does not start with them
 * is parsed whole. Parsing every 500-item answer with json-glib, a node per
 * value, took 58% of this benchmark's CPU during ingest, some 5 µs an event
 * on the cores the hub's threads share. FALSE when there are no counts. */
static gboolean
read_publish_counts (GBytes *answer,
                     gint64 *accepted,
                     gint64 *other)
{
  gsize length;
  const char *data = g_bytes_get_data (answer, &length);
  g_autofree char *head = g_strndup (data, MIN (length, 128));
  g_autoptr(JsonNode) node = NULL;
  gint64 duplicates, rejected;

  if (sscanf (head, "{\"accepted\":%" G_GINT64_FORMAT ",\"duplicates\":%" G_GINT64_FORMAT
              ",\"rejected\":%" G_GINT64_FORMAT ",", accepted, &duplicates, &rejected) == 3)
    {
      *other = duplicates + rejected;
      return TRUE;
    }
  if ((node = parse_json (answer)) == NULL || !JSON_NODE_HOLDS_OBJECT (node) ||
      (*accepted = member_int (node, "accepted")) < 0)
    return FALSE;
  *other = MAX (member_int (node, "duplicates"), 0) + MAX (member_int (node, "rejected"), 0);
  return TRUE;
}

/* One client: its own connection, one request in flight, as a producer
 * publishing as fast as the hub acknowledges. */
static gpointer
ingest_client (gpointer user_data)
{
  Client *client = user_data;
  Bench *bench = client->bench;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(SoupSession) session = NULL;
  guint index;

  g_main_context_push_thread_default (context);
  session = soup_session_new_with_options ("timeout", 120, NULL);
  while ((index = g_atomic_int_add (client->next, 1)) < bench->bodies->len)
    {
      double sent = hw_bench_now ();
      guint status;
      g_autoptr(GBytes) answer = send_request (session, bench->base_url, "POST", "/v1/events",
                                               "application/x-ndjson",
                                               g_ptr_array_index (bench->bodies, index), &status);
      double latency_ms = (hw_bench_now () - sent) * 1000;
      gint64 accepted, other;

      g_array_append_val (client->latencies_ms, latency_ms);
      if (status != 200 || answer == NULL || !read_publish_counts (answer, &accepted, &other))
        {
          client->failures++;
          continue;
        }
      client->accepted += accepted;
      client->other += other;
    }
  g_clear_object (&session);
  g_main_context_pop_thread_default (context);
  return NULL;
}

/* --ingest-clients: producers, each with one request in flight. */
static int ingest_clients = INGEST_CLIENTS;
static gboolean with_jetstream = FALSE;

/* After the CPU-time section below. */
static gpointer ingest_cpu_begin (Bench *bench);
static void     ingest_cpu_end   (Bench *bench, gpointer begun, guint64 events);

/* How far the full-text index is behind the acknowledged events: a
 * search with a word waits until the index holds every event committed
 * before it, and this word matches none, so the answer takes that wait. */
static double
time_text_search (Bench *bench)
{
  double started = hw_bench_now ();
  g_autoptr(JsonNode) answer = request_json_or_fail (bench, "GET", "/v1/events/count?q=zzqxnotaword",
                                                     NULL, 200);

  if (member_int (answer, "count") != 0)
    hw_bench_note ("ingest: WARNING: the absent word was found");
  return (hw_bench_now () - started) * 1000.0;
}

static double
bench_ingest (Bench *bench)
{
  g_autofree Client *clients = g_new0 (Client, ingest_clients);
  g_autofree GThread **threads = g_new0 (GThread *, ingest_clients);
  guint next = 0;
  guint64 accepted = 0, other = 0, failures = 0;
  double started, seconds, rate, searchable_ms;
  gpointer cpu = ingest_cpu_begin (bench);
  g_autoptr(GArray) latencies_ms = g_array_new (FALSE, FALSE, sizeof (double));

  started = hw_bench_now ();
  for (int i = 0; i < ingest_clients; i++)
    {
      clients[i].bench = bench;
      clients[i].next = &next;
      clients[i].latencies_ms = g_array_new (FALSE, FALSE, sizeof (double));
      threads[i] = g_thread_new ("ingest", ingest_client, &clients[i]);
    }
  for (int i = 0; i < ingest_clients; i++)
    {
      g_thread_join (threads[i]);
      accepted += clients[i].accepted;
      other += clients[i].other;
      failures += clients[i].failures;
      g_array_append_vals (latencies_ms, clients[i].latencies_ms->data, clients[i].latencies_ms->len);
      g_array_unref (clients[i].latencies_ms);
    }
  seconds = hw_bench_now () - started;
  rate = accepted / seconds;
  searchable_ms = time_text_search (bench);
  ingest_cpu_end (bench, cpu, accepted);

  hw_bench_note ("ingest: %" G_GUINT64_FORMAT " events accepted (%" G_GUINT64_FORMAT " not, %"
                 G_GUINT64_FORMAT " failed requests) in %u NDJSON requests of %d, %d clients, "
                 "%.1f MB, in %.2f s", accepted, other, failures, bench->bodies->len, INGEST_BATCH,
                 ingest_clients, bench->lake.raw_bytes / 1e6, seconds);
  /* What a publisher waits for its acknowledgement: a commit stalled by
   * index maintenance shows here, not in the rate. */
  hw_bench_note ("ingest: request latency p50 %.0f ms, p99 %.0f ms, longest %.0f ms",
                 hw_bench_median (latencies_ms), hw_bench_percentile (latencies_ms, 0.99),
                 hw_bench_percentile (latencies_ms, 1.0));
  hw_bench_note ("ingest: a search with words sent after the last answer took %.0f ms (it waits "
                 "for the full-text index, written behind the commits, to hold every event)",
                 searchable_ms);
  if (failures > 0 || accepted != bench->lake.events)
    hw_bench_note ("ingest: WARNING: expected %" G_GUINT64_FORMAT " accepted", bench->lake.events);
  if (bench->embedded_ingest > 0)
    {
      hw_bench_note ("ingest: baseline: the embedded engine's rate, measured above in this run");
      hw_bench_report ("jetstream_ingest_events_per_s", rate, "events/s", bench->embedded_ingest,
                       rate / bench->embedded_ingest);
    }
  else
    {
      hw_bench_note ("ingest: baseline: the issue's target, %.0f events/s (every request durable "
                     "before its answer)", INGEST_TARGET);
      hw_bench_report ("hub_ingest_events_per_s", rate, "events/s", INGEST_TARGET, rate / INGEST_TARGET);
    }
  return rate;
}

/* Delivery and replay -------------------------------------------------------- */

static void
add_listener (Bench      *bench,
              const char *name,
              const char *extra_json)
{
  g_autofree char *url = hw_bench_listener_dup_url (bench->listener, name);
  g_autofree char *json = g_strdup_printf ("{\"name\":\"%s\",\"url\":\"%s\",%s}", name, url, extra_json);
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(GBytes) body = g_bytes_new (json, strlen (json));
  guint status = request (bench, "POST", "/v1/listeners", body, &answer);

  if (status != 200 && status != 201)
    {
      g_autoptr(GError) error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "POST /v1/listeners %s → %u",
                                             json, status);
      hw_bench_fail ("registering a listener", error);
    }
}

static void
remove_listener (Bench      *bench,
                 const char *name)
{
  g_autofree char *path = g_strconcat ("/v1/listeners/", name, NULL);

  request (bench, "DELETE", path, NULL, NULL);
}

/* Little's law for the test listener: in-flight records ÷ latency, unless
 * @baseline (the embedded engine's rate) is given. Returns the rate. */
static double
report_throughput (const char              *name,
                   const char              *what,
                   const HwBenchRouteStats *stats,
                   double                   started,
                   double                   baseline)
{
  double seconds = stats->last_ack - started;
  double rate = stats->records / seconds;
  double limit = DELIVERY_PARALLEL * DELIVERY_BATCH / (LISTENER_LATENCY_MS / 1000.0);
  double mean_latency = stats->latency_sum_s / MAX (stats->batches, 1);
  double measured_limit = DELIVERY_PARALLEL * DELIVERY_BATCH / mean_latency;

  hw_bench_note ("%s: %" G_GUINT64_FORMAT " records in %" G_GUINT64_FORMAT " batches (mean %.1f per "
                 "batch) acknowledged in %.2f s", what, stats->records, stats->batches,
                 (double) stats->records / MAX (stats->batches, 1), seconds);
  hw_bench_note ("%s: baseline: Little's law, parallel %d × batch %d ÷ %d ms = %.0f events/s; with the "
                 "measured mean listener latency of %.2f ms: %.0f events/s", what, DELIVERY_PARALLEL,
                 DELIVERY_BATCH, LISTENER_LATENCY_MS, limit, mean_latency * 1000, measured_limit);
  hw_bench_note ("%s: the hub's turnaround per connection (an answer to its next batch there having "
                 "arrived): mean %.2f ms over %" G_GUINT64_FORMAT, what,
                 stats->turnaround_sum_s * 1000 / MAX (stats->turnarounds, 1), stats->turnarounds);
  if (baseline > 0)
    {
      hw_bench_note ("%s: baseline: the embedded engine's rate, measured above in this run", what);
      limit = baseline;
    }
  hw_bench_report (name, rate, "events/s", limit, rate / limit);
  return rate;
}

/* Waits (bounded) until @route has acknowledged @records records. */
static gboolean
wait_for_records (Bench      *bench,
                  const char *route,
                  guint64     records)
{
  double deadline = hw_bench_now () + bench->wait_limit_s;
  HwBenchRouteStats stats;

  for (;;)
    {
      hw_bench_listener_get_stats (bench->listener, route, &stats);
      if (stats.records >= records)
        return TRUE;
      if (hw_bench_now () > deadline)
        {
          hw_bench_note ("%s: WARNING: gave up after %.0f s with %" G_GUINT64_FORMAT " of %"
                         G_GUINT64_FORMAT " records", route, bench->wait_limit_s, stats.records, records);
          return FALSE;
        }
      g_usleep (20 * 1000);
    }
}

/* The stream path: a new listener reading the channel from its start. */
static double
bench_delivery (Bench *bench)
{
  /* The test listener counts per route (its name), across hubs. */
  g_autofree char *name = g_strconcat ("live-", bench->engine, NULL);
  guint64 expected = bench->lake.events - bench->lake.faults;   /* faults never reach listeners */
  g_autofree char *extra = g_strdup_printf ("\"anything_but\":[\"bench-stall\"],\"batch_size\":%d,"
                                            "\"parallel\":%d,\"start\":\"trim_horizon\"",
                                            DELIVERY_BATCH, DELIVERY_PARALLEL);
  HwBenchRouteStats stats;
  HwBenchCpuSample hub_cpu[2], self_cpu[2];
  double started = hw_bench_now ();

  hw_bench_cpu_sample_take (&hub_cpu[0], g_subprocess_get_identifier (bench->hub));
  hw_bench_cpu_sample_take (&self_cpu[0], "self");
  add_listener (bench, name, extra);
  wait_for_records (bench, name, expected);
  hw_bench_listener_get_stats (bench->listener, name, &stats);
  hw_bench_cpu_sample_take (&hub_cpu[1], g_subprocess_get_identifier (bench->hub));
  hw_bench_cpu_sample_take (&self_cpu[1], "self");
  remove_listener (bench, name);
  hw_bench_cpu_report ("delivery", hub_cpu, self_cpu, stats.records);
  if (bench->embedded_delivery > 0)
    return report_throughput ("jetstream_delivery_events_per_s", "delivery", &stats, started,
                              bench->embedded_delivery);
  return report_throughput ("delivery_events_per_s", "delivery", &stats, started, 0);
}

static char *
start_replay (Bench *bench)
{
  g_autofree char *json = g_strdup_printf ("{\"listener\":\"replay\",\"from\":%" G_GINT64_FORMAT ","
                                           "\"to\":%" G_GINT64_FORMAT ",\"dry_run\":false,\"rate\":0,"
                                           "\"parallel\":%d}", bench->lake.first_ms,
                                           bench->lake.last_ms + 1, DELIVERY_PARALLEL);
  g_autoptr(GBytes) body = g_bytes_new (json, strlen (json));
  g_autoptr(JsonNode) job = NULL;
  guint status;

  status = request (bench, "POST", "/v1/replays", body, &job);
  if ((status != 200 && status != 201 && status != 202) || job == NULL ||
      !JSON_NODE_HOLDS_OBJECT (job) || !json_object_has_member (json_node_get_object (job), "id"))
    {
      g_autoptr(GError) error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "POST /v1/replays → %u", status);
      hw_bench_fail ("starting a replay", error);
    }
  hw_bench_note ("replay: job %s, %" G_GINT64_FORMAT " events",
                 json_object_get_string_member (json_node_get_object (job), "id"), member_int (job, "total"));
  return g_strdup (json_object_get_string_member (json_node_get_object (job), "id"));
}

/* Polls the job until it ends; returns it. */
static JsonNode *
wait_for_job (Bench      *bench,
              const char *id)
{
  g_autofree char *path = g_strconcat ("/v1/jobs/", id, NULL);
  double deadline = hw_bench_now () + bench->wait_limit_s;

  for (;;)
    {
      g_autoptr(JsonNode) job = request_json_or_fail (bench, "GET", path, NULL, 200);
      const char *state = json_object_get_string_member_with_default (json_node_get_object (job), "state", "");

      if (g_str_equal (state, "done") || g_str_equal (state, "failed") || g_str_equal (state, "cancelled") ||
          hw_bench_now () > deadline)
        return g_steal_pointer (&job);
      g_usleep (50 * 1000);
    }
}

static void
bench_replay (Bench *bench)
{
  g_autofree char *extra = g_strdup_printf ("\"anything_but\":[\"bench-stall\"],\"batch_size\":%d,"
                                            "\"parallel\":%d", DELIVERY_BATCH, DELIVERY_PARALLEL);
  g_autofree char *id = NULL;
  g_autoptr(JsonNode) job = NULL;
  HwBenchRouteStats stats;
  HwBenchCpuSample hub_cpu[2], self_cpu[2];
  double started;

  add_listener (bench, "replay", extra);
  hw_bench_cpu_sample_take (&hub_cpu[0], g_subprocess_get_identifier (bench->hub));
  hw_bench_cpu_sample_take (&self_cpu[0], "self");
  started = hw_bench_now ();
  id = start_replay (bench);
  job = wait_for_job (bench, id);
  hw_bench_listener_get_stats (bench->listener, "replay", &stats);
  hw_bench_cpu_sample_take (&hub_cpu[1], g_subprocess_get_identifier (bench->hub));
  hw_bench_cpu_sample_take (&self_cpu[1], "self");
  remove_listener (bench, "replay");
  hw_bench_cpu_report ("replay", hub_cpu, self_cpu, stats.records);

  hw_bench_note ("replay: job ended %s: total %" G_GINT64_FORMAT ", sent %" G_GINT64_FORMAT ", acked %"
                 G_GINT64_FORMAT ", failed %" G_GINT64_FORMAT ", rate unlimited, parallel %d",
                 json_object_get_string_member_with_default (json_node_get_object (job), "state", "?"),
                 member_int (job, "total"), member_int (job, "sent"), member_int (job, "acked"),
                 member_int (job, "failed"), DELIVERY_PARALLEL);
  report_throughput ("replay_events_per_s", "replay", &stats, started, 0);
}

/* Iterator age --------------------------------------------------------------- */

typedef struct
{
  double before;   /* real time, seconds */
  double after;
} Interval;

static double
real_now (void)
{
  return g_get_real_time () / (double) G_USEC_PER_SEC;
}

static gint64
get_iterator_age (Bench    *bench,
                  Interval *when)
{
  g_autoptr(JsonNode) answer = NULL;

  when->before = real_now ();
  answer = request_json_or_fail (bench, "GET", "/v1/listeners/stall", NULL, 200);
  when->after = real_now ();
  return member_int (answer, "iterator_age_ms");
}

/* One comparison: the truth is the time since the event was published,
 * taken at the middle of both round trips; the half-widths bound what the
 * benchmark itself cannot know. */
static double
age_error (Bench          *bench,
           const Interval *published,
           double         *worst)
{
  Interval asked;
  gint64 reported = get_iterator_age (bench, &asked);
  double truth = ((asked.before + asked.after) / 2 - (published->before + published->after) / 2) * 1000;
  double slack = ((asked.after - asked.before) + (published->after - published->before)) / 2 * 1000;
  double error = fabs (reported - truth);

  hw_bench_note ("iterator age: reported %" G_GINT64_FORMAT " ms, truth %.0f ms (±%.0f), error %.0f ms",
                 reported, truth, slack, error);
  *worst = MAX (*worst, error);
  return error;
}

static void
publish_stall_event (Bench    *bench,
                     Interval *when)
{
  gint64 now_ms = g_get_real_time () / 1000;
  g_autofree char *json = g_strdup_printf ("{\"id\":\"bench-stall-%" G_GINT64_FORMAT "\",\"type\":\"bench-stall\","
                                           "\"timestamp\":%" G_GINT64_FORMAT ",\"tags\":{\"source\":\"bench\"}}",
                                           now_ms, now_ms);
  g_autoptr(JsonNode) answer = NULL;

  when->before = real_now ();
  answer = request_json_or_fail (bench, "POST", "/v1/events", json, 200);
  when->after = real_now ();
}

/* Waits (bounded) until the hub counts @name's first acknowledgement. */
static void
wait_for_hub_ack (Bench      *bench,
                  const char *name)
{
  g_autofree char *path = g_strconcat ("/v1/listeners/", name, NULL);
  double deadline = hw_bench_now () + 10;

  while (hw_bench_now () < deadline)
    {
      g_autoptr(JsonNode) answer = request_json_or_fail (bench, "GET", path, NULL, 200);

      if (member_int (answer, "delivered") >= 1)
        return;
      g_usleep (5 * 1000);
    }
  hw_bench_note ("iterator age: WARNING: the hub never counted the acknowledgement");
}

static void
bench_iterator_age (Bench *bench)
{
  static const double checkpoints_s[] = { 1.0, 2.5, 4.0 };
  Interval published;
  double worst = 0;
  HwBenchRouteStats stats;

  add_listener (bench, "stall", "\"types\":[\"bench-stall\"],\"batch_size\":1,\"parallel\":1");
  hw_bench_listener_set_stall (bench->listener, "stall", TRUE);
  publish_stall_event (bench, &published);

  for (guint i = 0; i < G_N_ELEMENTS (checkpoints_s); i++)
    {
      double wait = published.after + checkpoints_s[i] - real_now ();

      if (wait > 0)
        g_usleep ((gulong) (wait * G_USEC_PER_SEC));
      age_error (bench, &published, &worst);
    }

  /* Caught up, the truth is 0 once the hub has the acknowledgement: the
   * listener counts a record as it answers, a moment before the hub reads
   * that answer, so asking at once would time the race, not the hub. */
  hw_bench_listener_set_stall (bench->listener, "stall", FALSE);
  wait_for_records (bench, "stall", 1);
  wait_for_hub_ack (bench, "stall");
  {
    Interval asked;
    gint64 reported = get_iterator_age (bench, &asked);

    hw_bench_note ("iterator age: after the acknowledgement: reported %" G_GINT64_FORMAT " ms, truth 0", reported);
    worst = MAX (worst, fabs ((double) reported));
  }
  hw_bench_listener_get_stats (bench->listener, "stall", &stats);
  hw_bench_note ("iterator age: the stalled listener refused %" G_GUINT64_FORMAT " deliveries; baseline: "
                 "the issue's limit, %.0f ms", stats.refused, AGE_LIMIT_MS);
  remove_listener (bench, "stall");
  hw_bench_report ("iterator_age_error_ms", worst, "ms", AGE_LIMIT_MS, AGE_LIMIT_MS / MAX (worst, 1));
}

/* Ingest CPU time: the writer thread (hw-ingest-write) is the pipeline's
 * serial part, so its share says how far the rate can go. */
static gpointer
ingest_cpu_begin (Bench *bench)
{
  HwBenchCpuSample *samples = g_new0 (HwBenchCpuSample, 4);   /* hub[2], self[2] */

  hw_bench_cpu_sample_take (&samples[0], g_subprocess_get_identifier (bench->hub));
  hw_bench_cpu_sample_take (&samples[2], "self");
  return samples;
}

static void
ingest_cpu_end (Bench    *bench,
                gpointer  begun,
                guint64   events)
{
  HwBenchCpuSample *samples = begun;

  hw_bench_cpu_sample_take (&samples[1], g_subprocess_get_identifier (bench->hub));
  hw_bench_cpu_sample_take (&samples[3], "self");
  hw_bench_cpu_report ("ingest", samples, samples + 2, events);
  g_free (samples);
}

/* ----------------------------------------------------------------------------- */

#if HAVE_JETSTREAM
/* The CPU seconds every server of the cluster used so far. */
static double
cluster_cpu_s (HwTestNats *nats)
{
  double total = 0;

  for (guint i = 0; i < nats->n_servers; i++)
    {
      HwBenchCpuSample sample = { 0 };

      hw_bench_cpu_sample_take (&sample, g_subprocess_get_identifier (nats->servers[i]));
      total += sample.process_s;
      g_clear_pointer (&sample.threads, g_hash_table_unref);
    }
  return total;
}
#endif

/* The same ingest and delivery on a 3-node JetStream cluster started here,
 * on this machine: the nats-server processes share its cores with the hub
 * and the producers, which a real cluster would not. */
static void
bench_jetstream (Bench *bench)
{
#if HAVE_JETSTREAM
  HwTestNats *nats;
  g_autofree char *urls = NULL;
  const char *args[] = { "--engine", "jetstream", "--nats", NULL, NULL };
  double cluster_s;

  if ((nats = hw_test_nats_try_start (3)) == NULL)
    {
      hw_bench_note ("jetstream: skipped: nats-server is not installed (tools/deps --test installs it)");
      return;
    }
  urls = g_strjoinv (",", nats->urls);
  args[3] = urls;
  hw_bench_note ("jetstream: a 3-node cluster at %s; its servers' CPU is not in the hub's figures", urls);
  bench->engine = "jetstream";
  bench->hub_args = g_strdupv ((char **) args);
  start_hub (bench);
  cluster_s = cluster_cpu_s (nats);
  bench_ingest (bench);
  cluster_s = cluster_cpu_s (nats) - cluster_s;
  hw_bench_note ("jetstream: the cluster's 3 servers used %.2f s of CPU during ingest = %.1f us/event",
                 cluster_s, cluster_s * 1e6 / MAX (bench->lake.events, 1));
  bench_delivery (bench);
  stop_hub (bench);
  g_clear_pointer (&bench->hub_args, g_strfreev);
  hw_test_nats_free (nats);
#else
  hw_bench_note ("jetstream: skipped: this build has no JetStream engine (libnats was missing)");
#endif
}

static void
run (Bench      *bench,
     const char *lake_dir)
{
  g_autoptr(GError) error = NULL;
  double ingest, delivery;

  load_bodies (bench, lake_dir);
  bench->session = soup_session_new_with_options ("timeout", 60, NULL);
  if ((bench->listener = hw_bench_listener_new (LISTENER_LATENCY_MS, &error)) == NULL)
    hw_bench_fail ("starting the test listener", error);
  bench->engine = "embedded";
  start_hub (bench);

  ingest = bench_ingest (bench);
  delivery = bench_delivery (bench);
  bench_replay (bench);
  bench_iterator_age (bench);
  stop_hub (bench);

  if (with_jetstream)
    {
      bench->embedded_ingest = ingest;
      bench->embedded_delivery = delivery;
      bench_jetstream (bench);
    }

  g_clear_pointer (&bench->listener, hw_bench_listener_free);
  g_clear_object (&bench->session);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *workdir = NULL;
  g_autofree char *lakes = NULL;
  gint64 events = 50000;
  const GOptionEntry entries[] = {
    { "workdir", 0, 0, G_OPTION_ARG_FILENAME, &workdir, "Directory for the lake and the hub's data", "DIR" },
    { "events", 'n', 0, G_OPTION_ARG_INT64, &events, "Events to publish and replay (default 50000)", "N" },
    { "lakes", 0, 0, G_OPTION_ARG_FILENAME, &lakes, "Where generated lakes are kept for reuse (default: DIR)", "DIR" },
    { "jetstream", 0, 0, G_OPTION_ARG_NONE, &with_jetstream,
      "Then ingest and deliver again through a 3-node JetStream cluster started here", NULL },
    { "ingest-clients", 0, 0, G_OPTION_ARG_INT, &ingest_clients, "Ingest producers, one request in flight each (default " G_STRINGIFY (INGEST_CLIENTS) ")", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— benchmark hubwatchd");
  g_autoptr(GPtrArray) bodies = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GError) error = NULL;
  g_autofree char *lake_dir = NULL;
  Bench bench = { 0 };

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    "Starts $HUBWATCHD on 127.0.0.1:0 and prints BENCH lines for\n"
    "hub_ingest_events_per_s, delivery_events_per_s, replay_events_per_s and\n"
    "iterator_age_error_ms against a test listener answering in 10 ms;\n"
    "with --jetstream also jetstream_ingest_events_per_s and\n"
    "jetstream_delivery_events_per_s beside the embedded engine's rates.");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s: %s\n", g_get_prgname (), error->message);
      return 2;
    }
  if (workdir == NULL || events <= 0 || ingest_clients <= 0)
    {
      g_printerr ("%s: --workdir DIR and --events N (N > 0) are required; see --help\n", g_get_prgname ());
      return 2;
    }
  if (g_mkdir_with_parents (workdir, 0755) != 0)
    {
      g_printerr ("%s: cannot create %s\n", g_get_prgname (), workdir);
      return 1;
    }
  if ((lake_dir = hw_bench_ensure_lake (lakes != NULL ? lakes : workdir, events, &bench.lake, &error)) == NULL)
    hw_bench_fail ("generating the lake", error);

  bench.workdir = workdir;
  bench.n_events = events;
  bench.bodies = bodies;
  bench.wait_limit_s = 60 + events / 1000.0;
  run (&bench, lake_dir);
  g_free (bench.base_url);
  return 0;
}
