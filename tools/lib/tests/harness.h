/* SPDX-License-Identifier: GPL-2.0 */
/*
 * harness.h - the kernel's kselftest_harness.h for the library's host tests.
 *
 * Each test_*.c is one harness program (TEST(), TEST_HARNESS_MAIN): the
 * harness keeps its test list in static variables, so one binary holds the
 * tests of one file.  tests/run.sh runs them and sums their results.
 *
 * As in selftests/iscsi_portal/harness.h, -Wunused-parameter is silenced
 * for the test files: the harness (Linux 6.12) defines functions with
 * parameters they do not use (the signal handler's ucontext, TEST()'s
 * variant).  Nothing else is: these tests have no TEST_F(), so unlike the
 * selftests they need no -Wno-clobbered (checked at -O0 to -O3, -Os, -Og).
 *
 * Each EXPECT_*() and ASSERT_*() is a statement followed by a for loop,
 * the check's handler, whose body (the statement after the check) runs only
 * when the check failed.  So a check that is the body of an if, for or
 * while is always braced, and a handler never breaks, continues or returns
 * (the loop's own step resets the harness's trigger): where what follows
 * depends on a check, the handler sets a flag and the test looks at it:
 *
 *	ok = true;
 *	EXPECT_EQ(0, ipl_addr_parse(s, &a)) ok = false;
 *	if (!ok)
 *		continue;
 *
 * Checks in a helper take the test's struct __test_metadata *_metadata.
 */
#ifndef ISCSIPORTAL_TESTS_HARNESS_H
#define ISCSIPORTAL_TESTS_HARNESS_H

#pragma GCC diagnostic ignored "-Wunused-parameter"

#include "kselftest_harness.h"

#endif /* ISCSIPORTAL_TESTS_HARNESS_H */
