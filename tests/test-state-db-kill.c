/* test-state-db-kill.c: a process killed with SIGKILL loses no command it reported queued
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The test binary re-runs itself as a child that queues, claims and
 * acknowledges commands as fast as it can, printing each key once the call
 * has returned. The parent kills it with SIGKILL after a seeded, varying
 * number of lines, then reopens the file: every key the child reported must
 * be there, in a state consistent with what it reported.
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "hw-state-db.h"
#include "hw-test-util.h"

#define CHILD_FLAG "--state-db-kill-child"
#define HUB "http://127.0.0.1:1"
#define ROUNDS 6
#define SEED 20240229

static const char *self_path;

static void
say (const char *verb,
     const char *key)
{
  g_autofree char *line = g_strdup_printf ("%s %s\n", verb, key);

  hw_test_write_all_or_exit (STDOUT_FILENO, line);
}

static int
child_main (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HwStateDb) db = hw_state_db_open (path, &error);

  if (db == NULL)
    {
      g_printerr ("child: %s\n", error->message);
      return 1;
    }

  /* Bounded, but far beyond any kill point, so the parent always kills. */
  for (guint i = 0; i < 100000; i++)
    {
      g_autofree char *key = hw_state_db_outbox_enqueue (db, HW_COMMAND_KIND_REPLAY, HUB,
                                                         "{\"n\":1}", "child", &error);

      if (key == NULL)
        {
          g_printerr ("child: %s\n", error->message);
          return 1;
        }
      say ("Q", key);

      if (i % 3 == 2)
        {
          g_autoptr(HwOutboxCommand) claimed = hw_state_db_outbox_claim_next (db, HUB, &error);
          g_autofree char *job = NULL;

          if (claimed == NULL)
            return 1;
          say ("S", claimed->key);
          job = g_strdup_printf ("job-%s", claimed->key);
          if (!hw_state_db_outbox_mark_acknowledged (db, claimed->key, job, &error))
            return 1;
          say ("A", claimed->key);
        }
    }
  return 2;
}

typedef struct
{
  GHashTable *queued;        /* keys reported queued */
  GHashTable *claimed;       /* keys reported sending */
  GHashTable *acknowledged;  /* keys reported acknowledged */
} Reported;

static void
record_line (Reported   *reported,
             const char *line)
{
  g_assert_true (line[0] != '\0' && line[1] == ' ');
  if (line[0] == 'Q')
    g_hash_table_add (reported->queued, g_strdup (line + 2));
  else if (line[0] == 'S')
    g_hash_table_add (reported->claimed, g_strdup (line + 2));
  else if (line[0] == 'A')
    g_hash_table_add (reported->acknowledged, g_strdup (line + 2));
  else
    g_assert_not_reached ();
}

static void
run_child_until_killed (const char *path,
                        guint       kill_after_lines,
                        Reported   *reported)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GDataInputStream) lines = NULL;

  child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                            self_path, CHILD_FLAG, path, NULL);
  g_assert_no_error (error);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));

  for (guint n = 0; n < kill_after_lines; n++)
    {
      g_autofree char *line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);

      g_assert_no_error (error);
      g_assert_nonnull (line);  /* the child died on its own */
      record_line (reported, line);
    }

  g_subprocess_force_exit (child);  /* SIGKILL */
  g_subprocess_wait (child, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (child));
  g_assert_cmpint (g_subprocess_get_term_sig (child), ==, SIGKILL);

  /* The child runs ahead of our reading: what it printed before the kill is
   * still in the pipe, and was committed before it was printed. */
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, NULL);

      if (line == NULL)
        break;
      record_line (reported, line);
    }
}

static void
check_reported (HwStateDb *db,
                Reported  *reported)
{
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, reported->queued);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HwOutboxCommand) command = hw_state_db_outbox_get (db, key, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (command->key, ==, key);
      g_assert_cmpstr (command->body, ==, "{\"n\":1}");
      /* Nothing is left claimed by a process that no longer exists. */
      g_assert_cmpint (command->state, !=, HW_COMMAND_STATE_SENDING);

      if (g_hash_table_contains (reported->acknowledged, key))
        {
          g_autofree char *job = g_strdup_printf ("job-%s", (const char *) key);

          g_assert_cmpint (command->state, ==, HW_COMMAND_STATE_ACKNOWLEDGED);
          g_assert_cmpstr (command->job_id, ==, job);
        }
      else if (g_hash_table_contains (reported->claimed, key))
        {
          /* Claimed when killed: back in the queue, unless the
           * acknowledgement committed before the kill but was not printed. */
          g_assert_true (command->state == HW_COMMAND_STATE_QUEUED
                         || command->state == HW_COMMAND_STATE_ACKNOWLEDGED);
          g_assert_cmpuint (command->attempts, >=, 1);
        }
      else
        g_assert_true (command->state == HW_COMMAND_STATE_QUEUED
                       || command->state == HW_COMMAND_STATE_ACKNOWLEDGED);
    }

  /* A claim may also take the one command that an earlier kill left queued
   * but unreported; what was reported acknowledged must still be so. */
  g_hash_table_iter_init (&iter, reported->acknowledged);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HwOutboxCommand) command = hw_state_db_outbox_get (db, key, &error);

      g_assert_no_error (error);
      g_assert_cmpint (command->state, ==, HW_COMMAND_STATE_ACKNOWLEDGED);
      g_assert_true (g_hash_table_contains (reported->claimed, key));
    }
}

static void
test_kill_loses_nothing (void)
{
  g_autofree char *dir = hw_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "state.db", NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (SEED);
  Reported reported = {
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
  };

  /* Rounds share the file, so later children also start from a database
   * that the previous kill left behind. */
  for (guint round = 0; round < ROUNDS; round++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HwStateDb) db = NULL;
      g_autoptr(GPtrArray) all = NULL;
      guint kill_after = (guint) g_rand_int_range (rand, 1, 200);

      g_test_message ("round %u: kill after %u lines", round, kill_after);
      run_child_until_killed (path, kill_after, &reported);

      db = hw_state_db_open (path, &error);
      g_assert_no_error (error);
      check_reported (db, &reported);

      all = hw_state_db_outbox_list (db, NULL, 0, &error);
      g_assert_no_error (error);
      /* At most the one command being queued when the kill landed is extra. */
      g_assert_cmpuint (all->len, >=, g_hash_table_size (reported.queued));
      g_assert_cmpuint (all->len, <=, g_hash_table_size (reported.queued) + round + 1);
    }

  g_hash_table_unref (reported.queued);
  g_hash_table_unref (reported.claimed);
  g_hash_table_unref (reported.acknowledged);
  hw_test_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  if (argc == 3 && g_str_equal (argv[1], CHILD_FLAG))
    return child_main (argv[2]);

  self_path = argv[0];
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/state-db/kill-9-loses-nothing", test_kill_loses_nothing);
  return g_test_run ();
}
