/* journal — every message the daemon writes: structured entries to journald, the same line on
 * stderr when running in the foreground (journald drops entries silently where none runs). */
#pragma once
#include <stdbool.h>
#include <syslog.h>

#include "history.h"

/* Fixed message ids, one per kind of message (see systemd/ransomguard.catalog). */
#define RG_MID_DETECTION     "284258cd132e4245a4a2c683b8fa127a"
#define RG_MID_START         "d755f90161c4497eb3610e5598def855"
#define RG_MID_STOP          "117d8db2109847848a609fdbec3170da"
#define RG_MID_RELOAD        "94bff8de8051437babbe3d4f35928ee8"
#define RG_MID_RELOAD_FAILED "45e523dd61eb4b939b42210f646d2af8"
#define RG_MID_OVERFLOW      "78345866053e44a093b318be6667ab5b"
#define RG_MID_DEGRADED      "f3c6f47c7e2445a1876beecce857042b"
#define RG_MID_BLOCKED       "c0b1e5a0f7d44b7e9a3f6b2d8e41c5a9"
#define RG_MID_UNBLOCKED     "5e2d7c4b9a8f4e1d8b6c3a2f1e0d9c8b"

/* stderr: mirror messages there (foreground). max_level: LOG_DEBUG shows debug lines. */
void journal_setup(bool stderr_on, int max_level);

/* A plain message. mid may be NULL. */
__attribute__((format(printf, 3, 4)))
void journal_log(int priority, const char *mid, const char *fmt, ...);

#define log_debug(...) journal_log(LOG_DEBUG, NULL, __VA_ARGS__)
#define log_info(...) journal_log(LOG_INFO, NULL, __VA_ARGS__)
#define log_notice(...) journal_log(LOG_NOTICE, NULL, __VA_ARGS__)
#define log_warning(...) journal_log(LOG_WARNING, NULL, __VA_ARGS__)
#define log_error(...) journal_log(LOG_ERR, NULL, __VA_ARGS__)

/* One detection (lib/history.h), with its RG_INCIDENT id. */
void journal_detection(const struct detection *d);
