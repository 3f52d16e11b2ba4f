/* SPDX-License-Identifier: GPL-2.0 */
/*
 * harness.h - include the kernel's kselftest_harness.h and common.h.
 *
 * The harness (Linux 6.12) defines functions with parameters it does not
 * use (the signal handler's ucontext, TEST()'s variant) and keeps locals
 * across setjmp() (TEST_F()'s child pid; test bodies are inlined into the
 * wrapper that calls setjmp(), but nothing reads their locals after the
 * longjmp() of a failed ASSERT), which -Wextra -Werror rejects.  Those two
 * warnings are silenced for the test files, nothing else is.
 */
#ifndef ISCSI_PORTAL_SELFTEST_HARNESS_H
#define ISCSI_PORTAL_SELFTEST_HARNESS_H

#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wclobbered"

#include "kselftest_harness.h"
#include "common.h"

#endif /* ISCSI_PORTAL_SELFTEST_HARNESS_H */
