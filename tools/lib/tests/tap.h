/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny test framework: TAP-ish lines per test and a final
 * "N passed, N failed" line.  A test fails when any CHECK in it fails.
 */
#ifndef TAP_H
#define TAP_H

#include <stdbool.h>
#include <stdint.h>

struct test {
	const char *name;
	void (*fn)(void);
};

/* Record a failed check of the running test; always returns @ok. */
bool tap_check(bool ok, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Print a diagnostic line ("# ...") to the output and the log. */
void tap_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define CHECK(cond) \
	tap_check((cond), __FILE__, __LINE__, "%s", #cond)

#define CHECK_INT(got, want) ({ \
	long long g_ = (got), w_ = (want); \
	tap_check(g_ == w_, __FILE__, __LINE__, "%s == %lld, want %lld", \
		  #got, g_, w_); })

#define CHECK_UINT(got, want) ({ \
	unsigned long long g_ = (got), w_ = (want); \
	tap_check(g_ == w_, __FILE__, __LINE__, "%s == %#llx, want %#llx", \
		  #got, g_, w_); })

#define CHECK_STR(got, want) ({ \
	const char *g_ = (got), *w_ = (want); \
	tap_check(g_ && w_ && !strcmp(g_, w_), __FILE__, __LINE__, \
		  "%s == \"%s\", want \"%s\"", #got, g_ ? g_ : "(null)", \
		  w_ ? w_ : "(null)"); })

/* The test tables, one per source file; each ends with { NULL, NULL }. */
extern const struct test addr_tests[];
extern const struct test names_tests[];
extern const struct test errors_tests[];
extern const struct test handle_tests[];
extern const struct test list_tests[];
extern const struct test event_tests[];
extern const struct test fail_demo_tests[];

#endif /* TAP_H */
