/* hw-error.h: the error domain shared by every part of libhubwatch-core
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HW_ERROR (hw_error_quark ())

/* Codes are coarse on purpose: callers branch on the kind of failure,
 * and the message carries the specifics (file, line, field, position). */
typedef enum
{
  HW_ERROR_FAILED,
  HW_ERROR_INVALID_JSON,
  HW_ERROR_INVALID_EVENT,
  HW_ERROR_TOO_LARGE,
  HW_ERROR_TOO_DEEP,
  HW_ERROR_INVALID_UTF8,
  HW_ERROR_INVALID_QUERY,
  HW_ERROR_INVALID_TIME,
  HW_ERROR_NOT_FOUND,
  HW_ERROR_CORRUPT,
  HW_ERROR_IO,
  HW_ERROR_UNAUTHORIZED,
  HW_ERROR_FORBIDDEN,
  HW_ERROR_CONFLICT,
  HW_ERROR_RATE_LIMITED,
  HW_ERROR_UNAVAILABLE,
  HW_ERROR_PROTOCOL,
} HwErrorCode;

GQuark      hw_error_quark     (void);
const char *hw_error_code_name (HwErrorCode code);

G_END_DECLS
