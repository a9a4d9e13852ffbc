/* hw-alert-monitor.h: one hub's alerts: rules over its cache, history, desktop notifications
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "hw-alert-engine.h"
#include "hw-connection.h"

G_BEGIN_DECLS

#define HW_TYPE_ALERT_MONITOR (hw_alert_monitor_get_type ())

G_DECLARE_FINAL_TYPE (HwAlertMonitor, hw_alert_monitor, HW, ALERT_MONITOR, GObject)

/* Where notifications go; the default sends them through the application
 * (g_application_send_notification). Tests and other front ends swap it. */
typedef void (*HwAlertNotifyFunc) (HwAlertMonitor *monitor,
                                   const char     *id,
                                   GNotification  *notification,
                                   gpointer        user_data);

/* Each connection owns one monitor (kept on the connection, so it lives
 * exactly as long as the hub and watches it whatever page is shown): it
 * asks the sync to keep the rollups the rules need cached and runs the
 * rules in a worker thread on each "changed" of metrics or faults, from
 * the cache, so it works offline. Transitions and fault alerts are stored
 * in the cache as "alert" system events (which overlays them on charts)
 * and kept in memory as the history.
 *
 * Signals: "history-changed" after a run recorded something new;
 * "evaluated" after every run. */
HwAlertMonitor *hw_alert_monitor_ensure          (HwConnection      *connection);
/* NULL when none was created. */
HwAlertMonitor *hw_alert_monitor_get_for_connection (HwConnection   *connection);
/* Monitors every hub of the widget's application (now and added later) and
 * installs the notification actions; no-op without an HwApplication. */
void            hw_alert_monitor_watch_application (GtkWidget       *widget);

/* A monitor of a bare store, not attached to anything (tests, tools). */
HwAlertMonitor *hw_alert_monitor_new_for_store   (HwEventStore      *store);

void            hw_alert_monitor_set_notify_func (HwAlertMonitor    *self,
                                                  HwAlertNotifyFunc  func,
                                                  gpointer           user_data,
                                                  GDestroyNotify     destroy);
/* Runs the rules now (or right after the current run). */
void            hw_alert_monitor_evaluate        (HwAlertMonitor    *self);
/* HwAlertRecord*, oldest first, at most the last 500. */
GPtrArray      *hw_alert_monitor_get_history     (HwAlertMonitor    *self);
HwAlertState    hw_alert_monitor_get_state       (HwAlertMonitor    *self,
                                                  const char        *rule,
                                                  const char        *subject);
guint           hw_alert_monitor_get_n_firing    (HwAlertMonitor    *self);
guint           hw_alert_monitor_get_run_count   (HwAlertMonitor    *self);
const char     *hw_alert_monitor_get_last_error  (HwAlertMonitor    *self);

/* One line for an alert, as notifications and the timeline show it. */
char           *hw_alert_describe                (const char        *rule,
                                                  const char        *subject,
                                                  const char        *state,
                                                  double             value,
                                                  const char        *message);

G_END_DECLS
