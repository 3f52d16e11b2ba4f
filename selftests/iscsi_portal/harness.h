/* SPDX-License-Identifier: GPL-2.0 */
/*
 * harness.h - include the kernel's kselftest_harness.h and common.h.
 *
 * The harness (Linux 6.12) defines functions with parameters it does not
 * use (the signal handler's ucontext, TEST()'s variant), which -Wextra
 * -Werror rejects; those warnings are silenced for the test files, nothing
 * else is.
 */
#ifndef ISCSI_PORTAL_SELFTEST_HARNESS_H
#define ISCSI_PORTAL_SELFTEST_HARNESS_H

#pragma GCC diagnostic ignored "-Wunused-parameter"

#include "kselftest_harness.h"
#include "common.h"

#endif /* ISCSI_PORTAL_SELFTEST_HARNESS_H */
