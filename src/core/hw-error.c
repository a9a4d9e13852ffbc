/* hw-error.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hw-error.h"

G_DEFINE_QUARK (hw-error-quark, hw_error)

/* Stable snake_case names: the hub puts them in JSON error bodies, so they
 * are part of the API contract and must never be renamed. */
const char *
hw_error_code_name (HwErrorCode code)
{
  switch (code)
    {
    case HW_ERROR_FAILED: return "failed";
    case HW_ERROR_INVALID_JSON: return "invalid_json";
    case HW_ERROR_INVALID_EVENT: return "invalid_event";
    case HW_ERROR_TOO_LARGE: return "too_large";
    case HW_ERROR_TOO_DEEP: return "too_deep";
    case HW_ERROR_INVALID_UTF8: return "invalid_utf8";
    case HW_ERROR_INVALID_QUERY: return "invalid_query";
    case HW_ERROR_INVALID_TIME: return "invalid_time";
    case HW_ERROR_NOT_FOUND: return "not_found";
    case HW_ERROR_CORRUPT: return "corrupt";
    case HW_ERROR_IO: return "io_error";
    case HW_ERROR_UNAUTHORIZED: return "unauthorized";
    case HW_ERROR_FORBIDDEN: return "forbidden";
    case HW_ERROR_CONFLICT: return "conflict";
    case HW_ERROR_RATE_LIMITED: return "rate_limited";
    case HW_ERROR_UNAVAILABLE: return "unavailable";
    case HW_ERROR_PROTOCOL: return "protocol_error";
    default: return "failed";
    }
}
