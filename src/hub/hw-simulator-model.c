/* hw-simulator-model.c: the food-delivery subsystem's events, faults and deployments
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "hw-hub-batch.h"
#include "hw-simulator-private.h"

#define MINUTE_MS  (60 * 1000)
#define HOUR_MS    (60 * MINUTE_MS)

static const char * const services[] = {
  "order-api", "payment-service", "driver-dispatch", "notifications", "delivery-tracker", "loyalty-rewards",
};
static const char * const cities[] = { "Lisbon", "Porto", "Madrid", "Lyon", "Dublin" };
static const char * const dishes[] = {
  "margherita", "pad thai", "ramen", "burrito", "falafel wrap", "poke bowl", "bifana", "paella",
};

void
hw_sim_event_free (HwSimEvent *event)
{
  g_free (event->json);
  g_free (event);
}

/* Orders per hour at this moment: a base load with lunch and dinner peaks
 * (UTC hours) and busier weekends. */
double
hw_sim_orders_per_hour (gint64 ts_ms)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (ts_ms / 1000);
  double hour = g_date_time_get_hour (time) + g_date_time_get_minute (time) / 60.0;
  int weekday = g_date_time_get_day_of_week (time);
  double lunch = exp (-pow ((hour - 12.5) / 1.2, 2));
  double dinner = exp (-pow ((hour - 19.75) / 1.5, 2));
  double night = hour < 6 ? 0.3 : 1.0;

  return (12 * night + 110 * lunch + 170 * dinner) * (weekday >= 6 ? 1.25 : 1.0);
}

static JsonBuilder *
begin_event (const char *id,
             const char *type,
             gint64      ts_ms,
             const char *partition_key,
             const char *functionname)
{
  JsonBuilder *builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, id);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, type);
  json_builder_set_member_name (builder, "timestamp");
  json_builder_add_int_value (builder, ts_ms);
  if (partition_key != NULL)
    {
      json_builder_set_member_name (builder, "partitionKey");
      json_builder_add_string_value (builder, partition_key);
    }
  json_builder_set_member_name (builder, "tags");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "account");
  json_builder_add_string_value (builder, "123456789012");
  json_builder_set_member_name (builder, "region");
  json_builder_add_string_value (builder, "eu-west-1");
  json_builder_set_member_name (builder, "stage");
  json_builder_add_string_value (builder, "prod");
  json_builder_set_member_name (builder, "source");
  json_builder_add_string_value (builder, "food-delivery");
  json_builder_set_member_name (builder, "functionname");
  json_builder_add_string_value (builder, functionname);
  json_builder_end_object (builder);
  return builder;
}

static void
finish_event (GPtrArray   *out,
              JsonBuilder *builder,
              gint64       ts_ms)
{
  g_autoptr(JsonNode) root = NULL;
  HwSimEvent *event = g_new0 (HwSimEvent, 1);

  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  event->ts = ts_ms;
  event->json = json_to_string (root, FALSE);
  g_ptr_array_add (out, event);
  g_object_unref (builder);
}

typedef struct
{
  GRand      *rand;
  double      pace;          /* durations are multiplied by this */
  const char *order_id;
  GPtrArray  *out;
  guint       n;
  char       *restaurant;
  char       *customer;
  char       *driver;
  char       *currency;
  char       *postcode;
  double      total;
} Order;

/* One event of the order's life; @entity names the payload member. */
static JsonBuilder *
order_event (Order      *order,
             const char *type,
             gint64      ts_ms,
             const char *functionname,
             const char *entity)
{
  g_autofree char *id = g_strdup_printf ("%s-%02u-%s", order->order_id, order->n++, type);
  JsonBuilder *builder = begin_event (id, type, ts_ms, order->order_id, functionname);

  json_builder_set_member_name (builder, entity);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "orderId");
  json_builder_add_string_value (builder, order->order_id);
  return builder;
}

static void
add_string (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

static void
add_double (JsonBuilder *builder,
            const char  *name,
            double       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_double_value (builder, round (value * 100) / 100);
}

static void
emit_simple (Order      *order,
             const char *type,
             gint64      ts_ms,
             const char *functionname,
             const char *entity)
{
  JsonBuilder *builder = order_event (order, type, ts_ms, functionname, entity);

  json_builder_end_object (builder);
  finish_event (order->out, builder, ts_ms);
}

static void
emit_placed (Order  *order,
             gint64  ts_ms)
{
  JsonBuilder *builder = order_event (order, "order-placed", ts_ms, "order-api", "order");
  guint n_items = g_rand_int_range (order->rand, 1, 5);

  add_string (builder, "restaurantId", order->restaurant);
  add_string (builder, "customerId", order->customer);
  add_string (builder, "currency", order->currency);
  add_double (builder, "total", order->total);
  json_builder_set_member_name (builder, "items");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n_items; i++)
    json_builder_add_string_value (builder, dishes[g_rand_int_range (order->rand, 0, G_N_ELEMENTS (dishes))]);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "address");
  json_builder_begin_object (builder);
  add_string (builder, "city", cities[g_rand_int_range (order->rand, 0, G_N_ELEMENTS (cities))]);
  add_string (builder, "postcode", order->postcode);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  finish_event (order->out, builder, ts_ms);
}

static void
emit_payment (Order      *order,
              const char *type,
              gint64      ts_ms)
{
  JsonBuilder *builder = order_event (order, type, ts_ms, "payment-service", "payment");

  add_string (builder, "currency", order->currency);
  add_double (builder, "amount", order->total);
  if (g_str_equal (type, "payment-failed"))
    add_string (builder, "reason", "card declined");
  json_builder_end_object (builder);
  finish_event (order->out, builder, ts_ms);
}

static void
emit_driver (Order      *order,
             const char *type,
             gint64      ts_ms)
{
  JsonBuilder *builder = order_event (order, type, ts_ms, "driver-app", "driver");

  add_string (builder, "driverId", order->driver);
  if (g_str_equal (type, "driver-location-updated"))
    {
      add_double (builder, "lat", 38.7 + g_rand_double (order->rand) * 0.1);
      add_double (builder, "lon", -9.2 + g_rand_double (order->rand) * 0.1);
    }
  json_builder_end_object (builder);
  finish_event (order->out, builder, ts_ms);
}

static gint64
minutes (Order  *order,
         double  low,
         double  high)
{
  return (gint64) (g_rand_double_range (order->rand, low, high) * MINUTE_MS * order->pace);
}

/* Appends every event of one order, placed at @placed_ms, to @out. The
 * numbers are chosen for a plausible mix: a few percent of payments fail
 * or orders are cancelled, some end in a refund, a third get a rating.
 * About 1 in 150 orders carries a poison value one listener cannot handle. */
void
hw_sim_order_lifecycle (GRand      *rand,
                        const char *order_id,
                        gint64      placed_ms,
                        double      pace,
                        GPtrArray  *out)
{
  Order order = { rand, pace, order_id, out, 0 };
  gint64 t = placed_ms;
  double roll;

  order.restaurant = g_strdup_printf ("rest-%03d", g_rand_int_range (rand, 1, 120));
  order.customer = g_strdup_printf ("cust-%05d", g_rand_int_range (rand, 1, 40000));
  order.driver = g_strdup_printf ("drv-%04d", g_rand_int_range (rand, 1, 900));
  order.total = g_rand_double_range (rand, 8, 65);
  order.currency = g_strdup (g_rand_int_range (rand, 0, 300) == 0 ? "XTS" : "EUR");
  order.postcode = g_rand_int_range (rand, 0, 300) == 0 ? g_strdup ("")
                   : g_strdup_printf ("%04d-%03d", g_rand_int_range (rand, 1000, 9999),
                                      g_rand_int_range (rand, 0, 999));

  emit_placed (&order, t);
  if (g_rand_int_range (rand, 0, 10) == 0)
    emit_simple (&order, "promo-applied", t + 800, "order-api", "promo");

  t += (gint64) ((2000 + g_rand_int_range (rand, 0, 3000)) * pace);
  if (g_rand_int_range (rand, 0, 40) == 0)
    {
      emit_payment (&order, "payment-failed", t);
      emit_simple (&order, "order-cancelled", t + 1500, "order-api", "order");
      goto out;
    }
  emit_payment (&order, "payment-authorized", t);

  t += minutes (&order, 0.5, 2.5);
  if (g_rand_int_range (rand, 0, 30) == 0)
    {
      emit_simple (&order, "order-cancelled", t, "restaurant-portal", "order");
      emit_simple (&order, "refund-issued", t + minutes (&order, 1, 5), "payment-service", "refund");
      goto out;
    }
  emit_simple (&order, "order-accepted", t, "restaurant-portal", "order");

  t += minutes (&order, 1, 5);
  emit_driver (&order, "driver-assigned", t);
  for (gint64 n = g_rand_int_range (rand, 3, 9); n > 0; n--)
    {
      t += minutes (&order, 0.8, 1.5);
      emit_driver (&order, "driver-location-updated", t);
    }
  t += minutes (&order, 1, 4);
  emit_simple (&order, "pickup-confirmed", t, "driver-app", "delivery");
  t += minutes (&order, 8, 25);
  emit_simple (&order, "delivery-completed", t, "driver-app", "delivery");
  emit_payment (&order, "payment-captured", t + 3000);

  roll = g_rand_double (rand);
  if (roll < 0.35)
    {
      gint64 ts = t + minutes (&order, 5, 60);
      JsonBuilder *builder = order_event (&order, "rating-submitted", ts, "order-api", "rating");

      json_builder_set_member_name (builder, "stars");
      json_builder_add_int_value (builder, g_rand_int_range (rand, 1, 6));
      json_builder_end_object (builder);
      finish_event (out, builder, ts);
    }
  else if (roll > 0.98)
    emit_simple (&order, "refund-issued", t + minutes (&order, 10, 120), "payment-service", "refund");

out:
  g_free (order.restaurant);
  g_free (order.customer);
  g_free (order.driver);
  g_free (order.currency);
  g_free (order.postcode);
}

void
hw_sim_catalog_event (GRand      *rand,
                      const char *id,
                      gint64      ts_ms,
                      GPtrArray  *out)
{
  gboolean registered = g_rand_int_range (rand, 0, 5) == 0;
  g_autofree char *restaurant = g_strdup_printf ("rest-%03d", g_rand_int_range (rand, 1, 140));
  JsonBuilder *builder = begin_event (id, registered ? "restaurant-registered" : "menu-updated",
                                      ts_ms, restaurant, "restaurant-portal");

  json_builder_set_member_name (builder, registered ? "restaurant" : "menu");
  json_builder_begin_object (builder);
  add_string (builder, "restaurantId", restaurant);
  if (registered)
    add_string (builder, "city", cities[g_rand_int_range (rand, 0, G_N_ELEMENTS (cities))]);
  else
    {
      add_string (builder, "dish", dishes[g_rand_int_range (rand, 0, G_N_ELEMENTS (dishes))]);
      add_double (builder, "price", g_rand_double_range (rand, 4, 30));
    }
  json_builder_end_object (builder);
  finish_event (out, builder, ts_ms);
}

/* The string at @path (members separated by dots), or NULL. */
static const char *
string_at (JsonObject *object,
           const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, ".", -1);
  JsonNode *node = NULL;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      node = json_object_get_member (object, parts[i]);
      if (node == NULL)
        return NULL;
      if (parts[i + 1] != NULL)
        {
          if (!JSON_NODE_HOLDS_OBJECT (node))
            return NULL;
          object = json_node_get_object (node);
        }
    }
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* The two bugs of this subsystem, both on order-placed: the payment service
 * does not know the test currency XTS, and dispatch cannot plan an order
 * without a postcode. */
gboolean
hw_sim_is_poison (const char  *function,
                  JsonObject  *event,
                  const char **err_name,
                  const char **err_message)
{
  const char *value;

  if (g_strcmp0 (string_at (event, "type"), "order-placed") != 0)
    return FALSE;
  if (g_str_equal (function, "payment-service") &&
      (value = string_at (event, "order.currency")) != NULL && g_str_equal (value, "XTS"))
    {
      *err_name = "UnsupportedCurrencyError";
      *err_message = "currency XTS is not supported";
      return TRUE;
    }
  if (g_str_equal (function, "driver-dispatch") &&
      (value = string_at (event, "order.address.postcode")) != NULL && *value == '\0')
    {
      *err_name = "ValidationError";
      *err_message = "address.postcode is required";
      return TRUE;
    }
  return FALSE;
}

char *
hw_sim_fault_json (const HwSimFunctionSpec *function,
                   JsonNode                *record,
                   JsonNode                *event,
                   const char              *err_name,
                   const char              *err_message,
                   gint64                   ts_ms)
{
  JsonObject *object = json_node_get_object (event);
  const char *event_id = json_object_get_string_member (object, "id");
  const char *partition_key = json_object_has_member (object, "partitionKey") ?
                              json_object_get_string_member (object, "partitionKey") : NULL;
  g_autofree char *id = g_strdup_printf ("fault-%s-%s", function->name, event_id);
  g_autofree char *stack = g_strdup_printf ("%s: %s\n    at handle (%s/index.js:42:11)\n"
                                            "    at processRecord (node_modules/aws-lambda-stream/faults.js:18:5)",
                                            err_name, err_message, function->name);
  JsonBuilder *builder = begin_event (id, "fault", ts_ms, partition_key, function->name);
  g_autoptr(JsonNode) root = NULL;

  json_builder_set_member_name (builder, "err");
  json_builder_begin_object (builder);
  add_string (builder, "name", err_name);
  add_string (builder, "message", err_message);
  add_string (builder, "stack", stack);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "uow");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "record");
  json_builder_add_value (builder, json_node_copy (record));
  json_builder_set_member_name (builder, "event");
  json_builder_add_value (builder, json_node_copy (event));
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  g_object_unref (builder);

  /* begin_event() already closed tags; a fault also names its pipeline. */
  json_object_set_string_member (json_object_get_object_member (json_node_get_object (root), "tags"),
                                 "pipeline", function->pipeline);
  return json_to_string (root, FALSE);
}

JsonObject *
hw_sim_deployment (GRand      *rand,
                   const char *id,
                   gint64      deploy_ms)
{
  JsonObject *object = json_object_new ();
  const char *service = services[g_rand_int_range (rand, 0, G_N_ELEMENTS (services))];
  g_autofree char *version = g_strdup_printf ("1.%d.%d", g_rand_int_range (rand, 0, 40),
                                              g_rand_int_range (rand, 0, 10));
  g_autofree char *sha = g_strdup_printf ("%08x%08x%08x%08x%08x", g_rand_int (rand), g_rand_int (rand),
                                          g_rand_int (rand), g_rand_int (rand), g_rand_int (rand));
  /* Lead times from tens of minutes to a few days: a "high performer" mix. */
  gint64 commit_ms = deploy_ms - (gint64) (exp (g_rand_double_range (rand, log (20), log (4000))) * MINUTE_MS);

  json_object_set_string_member (object, "kind", "deployment");
  json_object_set_string_member (object, "id", id);
  json_object_set_string_member (object, "service", service);
  json_object_set_string_member (object, "version", version);
  json_object_set_string_member (object, "commit_sha", sha);
  json_object_set_int_member (object, "commit_time", commit_ms);
  json_object_set_int_member (object, "deploy_time", deploy_ms);
  json_object_set_string_member (object, "result", g_rand_int_range (rand, 0, 25) == 0 ? "failure" : "success");
  return object;
}

JsonObject *
hw_sim_incident (GRand      *rand,
                 const char *id,
                 JsonObject *deployment,
                 gint64      opened_ms,
                 gint64      resolved_ms)
{
  JsonObject *object = json_object_new ();
  static const char * const severities[] = { "sev1", "sev2", "sev3" };

  json_object_set_string_member (object, "kind", "incident");
  json_object_set_string_member (object, "id", id);
  json_object_set_string_member (object, "service", json_object_get_string_member (deployment, "service"));
  json_object_set_string_member (object, "severity", severities[g_rand_int_range (rand, 0, 3)]);
  json_object_set_int_member (object, "opened_at", opened_ms);
  if (resolved_ms > 0)
    json_object_set_int_member (object, "resolved_at", resolved_ms);
  json_object_set_string_member (object, "cause_deployment", json_object_get_string_member (deployment, "id"));
  return object;
}
