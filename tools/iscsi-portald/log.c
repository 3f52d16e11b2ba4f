// SPDX-License-Identifier: GPL-2.0
/*
 * iscsi-portald: logging, to stderr in the foreground, else to syslog.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

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
	int saved = errno;	/* a caller may still look at it */
	va_list ap;

	if (prio == LOG_DEBUG && !log_debug)
		return;
	va_start(ap, fmt);
	if (log_stderr) {
		/* One write(2) a line: stderr is unbuffered. */
		char line[1024];
		int n = snprintf(line, sizeof(line), PD_NAME ": %s: ",
				 prio_name(prio));
		int m = vsnprintf(line + n, sizeof(line) - n, fmt, ap);

		if (m < 0)
			m = snprintf(line + n, sizeof(line) - n,
				     "(bad log format %s)", fmt);
		n += m;
		if (n > (int)sizeof(line) - 2)
			n = sizeof(line) - 2;	/* cut, still a line */
		line[n++] = '\n';
		if (write(STDERR_FILENO, line, n) < 0) {
			/* nowhere left to say it */
		}
	} else {
		vsyslog(prio, fmt, ap);
	}
	va_end(ap);
	errno = saved;
}
