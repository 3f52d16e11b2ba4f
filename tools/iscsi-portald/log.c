// SPDX-License-Identifier: GPL-2.0
/*
 * iscsi-portald: logging, to stderr in the foreground, else to syslog.
 */
#include <stdarg.h>
#include <stdio.h>

#include "portald.h"

static bool log_stderr = true;
static bool log_debug;

void pd_log_init(bool to_stderr, bool debug)
{
	log_stderr = to_stderr;
	log_debug = debug;
	if (!to_stderr)
		openlog(PD_NAME, LOG_PID, LOG_DAEMON);
}

static const char *prio_name(int prio)
{
	switch (prio) {
	case LOG_ERR:
		return "error";
	case LOG_WARNING:
		return "warning";
	case LOG_DEBUG:
		return "debug";
	default:
		return "info";
	}
}

void pd_log(int prio, const char *fmt, ...)
{
	va_list ap;

	if (prio == LOG_DEBUG && !log_debug)
		return;
	va_start(ap, fmt);
	if (log_stderr) {
		fprintf(stderr, PD_NAME ": %s: ", prio_name(prio));
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	} else {
		vsyslog(prio, fmt, ap);
	}
	va_end(ap);
}
