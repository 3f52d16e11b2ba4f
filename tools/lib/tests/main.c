// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of libiscsiportal.
 *
 *	unit_tests [--log FILE]	run every test, also writing the output to FILE
 *	unit_tests --fail-demo	run only tests that must fail (framework check)
 *
 * Exit status 0 when every test passed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

static FILE *log_file;
static unsigned int current_failures;

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void out(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (log_file) {
		va_start(ap, fmt);
		vfprintf(log_file, fmt, ap);
		va_end(ap);
	}
}

static void vnote(const char *prefix, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	out("# %s%s\n", prefix, msg);
}

void tap_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote("", fmt, ap);
	va_end(ap);
}

bool tap_check(bool ok, const char *file, int line, const char *fmt, ...)
{
	char where[256];
	va_list ap;

	if (ok)
		return true;
	current_failures++;
	snprintf(where, sizeof(where), "%s:%d: failed: ", file, line);
	va_start(ap, fmt);
	vnote(where, fmt, ap);
	va_end(ap);
	return false;
}

static void run_table(const struct test *t, unsigned int *n,
		      unsigned int *passed, unsigned int *failed)
{
	for (; t->name; t++) {
		current_failures = 0;
		t->fn();
		++*n;
		if (current_failures) {
			++*failed;
			out("not ok %u - %s\n", *n, t->name);
		} else {
			++*passed;
			out("ok %u - %s\n", *n, t->name);
		}
	}
}

int main(int argc, char **argv)
{
	static const struct test *const all[] = {
		addr_tests, names_tests, errors_tests, handle_tests,
		list_tests, event_tests, NULL,
	};
	static const struct test *const demo[] = { fail_demo_tests, NULL };
	const struct test *const *tables = all;
	unsigned int n = 0, passed = 0, failed = 0;
	size_t i;

	if (argc == 3 && !strcmp(argv[1], "--log")) {
		log_file = fopen(argv[2], "w");
		if (!log_file) {
			perror(argv[2]);
			return 2;
		}
	} else if (argc == 2 && !strcmp(argv[1], "--fail-demo")) {
		tables = demo;
	} else if (argc != 1) {
		fprintf(stderr, "usage: %s [--log FILE | --fail-demo]\n",
			argv[0]);
		return 2;
	}

	out("TAP version 13\n");
	for (i = 0; tables[i]; i++)
		run_table(tables[i], &n, &passed, &failed);
	out("1..%u\n", n);
	out("%u passed, %u failed\n", passed, failed);
	if (log_file && fclose(log_file)) {
		perror("unit log");
		return 2;
	}
	return failed ? 1 : 0;
}
