/* test-mask.c: eem.fields and PII masking
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hw-error.h"
#include "hw-mask.h"
#include "hw-test-util.h"

#define M HW_MASK_REPLACEMENT

typedef struct
{
  const char  *name;
  HwMaskFlags  flags;
  const char  *input;
  const char  *expected;
  guint        count;
} MaskCase;

static const MaskCase cases[] = {
  { "eem-top-level", HW_MASK_EEM_FIELDS,
    "{\"id\":\"e\",\"customer\":{\"name\":\"Ann\"},\"eem\":{\"fields\":[\"customer\"]}}",
    "{\"id\":\"e\",\"customer\":\"" M "\",\"eem\":{\"fields\":[\"customer\"]}}", 1 },
  { "eem-relative-to-entity", HW_MASK_EEM_FIELDS,
    "{\"id\":\"e\",\"order\":{\"id\":\"o1\",\"card\":\"c\",\"customer\":{\"email\":\"x\",\"tier\":\"gold\"}},"
    "\"eem\":{\"fields\":[\"card\",\"customer.email\",\"absent\"]}}",
    "{\"id\":\"e\",\"order\":{\"id\":\"o1\",\"card\":\"" M "\",\"customer\":{\"email\":\"" M "\",\"tier\":\"gold\"}},"
    "\"eem\":{\"fields\":[\"card\",\"customer.email\",\"absent\"]}}", 2 },
  { "eem-through-arrays", HW_MASK_EEM_FIELDS,
    "{\"order\":{\"items\":[{\"ssn\":\"1\"},{\"ssn\":2},{\"x\":1}]},\"eem\":{\"fields\":[\"items.ssn\"]}}",
    "{\"order\":{\"items\":[{\"ssn\":\"" M "\"},{\"ssn\":\"" M "\"},{\"x\":1}]},\"eem\":{\"fields\":[\"items.ssn\"]}}", 2 },
  { "eem-fault-uow-event", HW_MASK_EEM_FIELDS,
    "{\"id\":\"f\",\"type\":\"fault\",\"uow\":{\"event\":{\"id\":\"e\",\"thing\":{\"secret\":\"s\",\"ok\":\"k\"},"
    "\"eem\":{\"fields\":[\"secret\"]}}}}",
    "{\"id\":\"f\",\"type\":\"fault\",\"uow\":{\"event\":{\"id\":\"e\",\"thing\":{\"secret\":\"" M "\",\"ok\":\"k\"},"
    "\"eem\":{\"fields\":[\"secret\"]}}}}", 1 },
  { "eem-ignored-when-off", HW_MASK_EMAILS,
    "{\"customer\":\"Ann\",\"eem\":{\"fields\":[\"customer\"]}}",
    "{\"customer\":\"Ann\",\"eem\":{\"fields\":[\"customer\"]}}", 0 },
  { "eem-malformed", HW_MASK_DEFAULT,
    "{\"a\":\"b\",\"eem\":{\"fields\":\"a\"}}", "{\"a\":\"b\",\"eem\":{\"fields\":\"a\"}}", 0 },
  { "email-in-text", HW_MASK_DEFAULT,
    "{\"note\":\"mail bob.smith@example.co.uk or alice+x@ex.com now\",\"who\":[\"carol@example.org\"]}",
    "{\"note\":\"mail " M " or " M " now\",\"who\":[\"" M "\"]}", 2 },
  { "email-off", HW_MASK_CARD_NUMBERS,
    "{\"note\":\"bob@example.com\"}", "{\"note\":\"bob@example.com\"}", 0 },
  { "cards-luhn-valid", HW_MASK_DEFAULT,
    "{\"a\":\"pay 4111 1111 1111 1111 now\",\"b\":\"4111-1111-1111-1111\",\"c\":\"378282246310005\","
    "\"d\":\"5555555555554444\"}",
    "{\"a\":\"pay " M " now\",\"b\":\"" M "\",\"c\":\"" M "\",\"d\":\"" M "\"}", 4 },
  { "cards-luhn-invalid", HW_MASK_DEFAULT,
    "{\"a\":\"4111111111111112\",\"b\":\"411111111111\",\"c\":\"41111111111111111111\"}",
    "{\"a\":\"4111111111111112\",\"b\":\"411111111111\",\"c\":\"41111111111111111111\"}", 0 },
  { "digit-chains-are-not-cards", HW_MASK_DEFAULT,
    "{\"a\":\"41111111-1111-1111-1111-411111111111\",\"b\":\"x4111111111111111y\"}",
    "{\"a\":\"41111111-1111-1111-1111-411111111111\",\"b\":\"x" M "y\"}", 1 },
  { "numbers-untouched", HW_MASK_DEFAULT,
    "{\"amount\":4111111111111111,\"ok\":true,\"n\":null}",
    "{\"amount\":4111111111111111,\"ok\":true,\"n\":null}", 0 },
  { "identity-and-eem-untouched", HW_MASK_DEFAULT,
    "{\"id\":\"alice@example.com\",\"type\":\"4111111111111111\",\"eem\":{\"fields\":[],\"owner\":\"bob@example.com\"},"
    "\"inner\":{\"id\":\"carol@example.com\"}}",
    "{\"id\":\"alice@example.com\",\"type\":\"4111111111111111\",\"eem\":{\"fields\":[],\"owner\":\"bob@example.com\"},"
    "\"inner\":{\"id\":\"" M "\"}}", 1 },
  { "eem-and-pii-together", HW_MASK_DEFAULT,
    "{\"thing\":{\"email\":\"dan@example.com\",\"note\":\"call dan@example.com\"},\"eem\":{\"fields\":[\"email\"]}}",
    "{\"thing\":{\"email\":\"" M "\",\"note\":\"call " M "\"},\"eem\":{\"fields\":[\"email\"]}}", 2 },
};

static JsonNode *
parse (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_parser_steal_root (parser);
}

static void
test_mask_table (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const MaskCase *c = &cases[i];
      g_autoptr(HwMaskRules) rules = hw_mask_rules_new (c->flags);
      g_autoptr(JsonNode) node = parse (c->input);
      g_autofree char *got = NULL;
      guint count;

      g_test_message ("case %s", c->name);
      count = hw_mask_rules_apply (rules, node);
      got = json_to_string (node, FALSE);
      g_assert_cmpstr (got, ==, c->expected);
      g_assert_cmpuint (count, ==, c->count);

      /* Masking is idempotent: a second pass finds nothing new. */
      g_assert_cmpuint (hw_mask_rules_apply (rules, node), ==, 0);
    }
}

static void
test_copy_leaves_original (void)
{
  g_autoptr(HwMaskRules) rules = hw_mask_rules_new (HW_MASK_DEFAULT);
  const char *input = "{\"id\":\"e\",\"order\":{\"email\":\"a@b.io\",\"list\":[\"c@d.io\",1,null]},"
                      "\"eem\":{\"fields\":[\"order\"]}}";
  g_autoptr(JsonNode) node = parse (input);
  g_autoptr(JsonNode) masked = NULL;
  g_autofree char *original = NULL;
  g_autofree char *copy = NULL;
  guint count = 0;

  masked = hw_mask_rules_apply_copy (rules, node, &count);
  original = json_to_string (node, FALSE);
  copy = json_to_string (masked, FALSE);
  g_assert_cmpstr (original, ==, input);
  g_assert_cmpstr (copy, ==, "{\"id\":\"e\",\"order\":\"" M "\",\"eem\":{\"fields\":[\"order\"]}}");
  g_assert_cmpuint (count, ==, 1);
}

static void
test_user_patterns_and_fields (void)
{
  g_autoptr(HwMaskRules) rules = hw_mask_rules_new (HW_MASK_NONE);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = parse ("{\"order\":{\"customer\":{\"name\":\"Ann Lee\",\"ssn\":\"SSN 123-45-6789\"},"
                                    "\"note\":\"ref 123-45-6789\"},\"name\":\"top\"}");
  g_autofree char *got = NULL;

  g_assert_true (hw_mask_rules_add_pattern (rules, "\\b\\d{3}-\\d{2}-\\d{4}\\b", &error));
  g_assert_no_error (error);
  hw_mask_rules_add_field (rules, "customer.name");

  g_assert_cmpuint (hw_mask_rules_apply (rules, node), ==, 3);
  got = json_to_string (node, FALSE);
  g_assert_cmpstr (got, ==, "{\"order\":{\"customer\":{\"name\":\"" M "\",\"ssn\":\"SSN " M "\"},"
                            "\"note\":\"ref " M "\"},\"name\":\"top\"}");

  g_assert_false (hw_mask_rules_add_pattern (rules, "([a-z", &error));
  g_assert_error (error, HW_ERROR, HW_ERROR_INVALID_QUERY);
  g_assert_nonnull (strstr (error->message, "([a-z"));
  g_clear_error (&error);

  g_assert_false (hw_mask_rules_add_pattern (rules, "x*", &error));
  g_assert_error (error, HW_ERROR, HW_ERROR_INVALID_QUERY);
  g_assert_nonnull (strstr (error->message, "matches the empty string"));
}

static void
test_luhn (void)
{
  static const struct { const char *digits; gboolean valid; } table[] = {
    { "4111111111111111", TRUE },
    { "4111 1111 1111 1111", TRUE },
    { "378282246310005", TRUE },
    { "6011111111111117", TRUE },
    { "4111111111111112", FALSE },
    { "1234567812345678", FALSE },
    { "0", TRUE },
    { "", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    g_assert_cmpint (hw_mask_luhn_valid (table[i].digits), ==, table[i].valid);
}

typedef struct
{
  HwMaskRules *rules;
  const char  *input;
  gint         failures;
} ThreadData;

static gpointer
mask_in_thread (gpointer user_data)
{
  ThreadData *data = user_data;

  for (guint i = 0; i < 200; i++)
    {
      g_autoptr(JsonNode) node = parse (data->input);

      if (hw_mask_rules_apply (data->rules, node) != 2)
        g_atomic_int_inc (&data->failures);
    }
  return NULL;
}

static void
test_shared_between_threads (void)
{
  g_autoptr(HwMaskRules) rules = hw_mask_rules_new (HW_MASK_DEFAULT);
  ThreadData data = { rules, "{\"a\":\"x@y.io\",\"b\":\"4111111111111111\"}", 0 };
  GThread *threads[4];

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("mask", mask_in_thread, &data);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
  g_assert_cmpint (data.failures, ==, 0);
}

/* Whether masking a string value with the card rule alone changes it. */
static gboolean
card_rule_masks (HwMaskRules *cards,
                 const char  *text)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_VALUE);

  json_node_set_string (node, text);
  return hw_mask_rules_apply (cards, node) > 0;
}

static void
test_card_number_scan (void)
{
  static const struct { const char *text; gboolean card; } cases[] = {
    { "4111 1111 1111 1111", TRUE },
    { "4111-1111-1111-1111", TRUE },
    { "paid with 4111111111111111.", TRUE },
    { "x4111111111111111y", TRUE },
    { "4111111111111112", FALSE },            /* fails Luhn */
    { "4111  1111 1111 1111", FALSE },        /* two separators split the run */
    { "41111111111111111111", FALSE },        /* 20 digits: longer than a card */
    { "1-4111111111111111", FALSE },          /* part of a longer run */
    { "2024-05-01T00:00:03Z", FALSE },        /* a time: 14 digits, no run of 13 */
    { "1714521600185 1714521600186", FALSE }, /* 26 digits in one run */
    { "171452160018 and 4111111111111111", TRUE },
    { "", FALSE },
  };
  g_autoptr(HwMaskRules) cards = hw_mask_rules_new (HW_MASK_CARD_NUMBERS);
  static const char alphabet[] = "0123456789 -T:x4";   /* digits, separators, others */
  GRand *rand = g_rand_new_with_seed (20261122);
  guint n_cards = 0;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_assert_cmpint (hw_mask_text_has_card_number (cases[i].text, strlen (cases[i].text)), ==, cases[i].card);
      g_assert_cmpint (card_rule_masks (cards, cases[i].text), ==, cases[i].card);
    }

  /* The scan and the rule agree on strings built from what runs are made of:
   * the scan must be exactly what masking replaces, or the importer's fast
   * path would store a card number unmasked. Luhn-valid runs are made
   * often enough by choosing digits from few values. */
  for (guint i = 0; i < 20000; i++)
    {
      char text[48];
      guint length = g_rand_int_range (rand, 0, sizeof text);

      for (guint j = 0; j < length; j++)
        {
          guint pick = g_rand_int_range (rand, 0, 100);

          /* Mostly digits, some separators, now and then anything else. */
          text[j] = pick < 80 ? alphabet[pick % 10] : pick < 94 ? alphabet[10 + pick % 2]
                    : alphabet[12 + pick % 4];
        }
      text[length] = '\0';
      if (hw_mask_text_has_card_number (text, length) != card_rule_masks (cards, text))
        g_error ("scan and rule disagree on \"%s\"", text);
      n_cards += card_rule_masks (cards, text);
    }
  g_rand_free (rand);
  /* Or the comparison says little. */
  g_test_message ("%u of 20000 random strings hold a card number", n_cards);
  g_assert_cmpuint (n_cards, >, 200);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mask/table", test_mask_table);
  g_test_add_func ("/mask/copy-leaves-original", test_copy_leaves_original);
  g_test_add_func ("/mask/user-patterns-and-fields", test_user_patterns_and_fields);
  g_test_add_func ("/mask/luhn", test_luhn);
  g_test_add_func ("/mask/card-number-scan", test_card_number_scan);
  g_test_add_func ("/mask/shared-between-threads", test_shared_between_threads);
  return g_test_run ();
}
