// SPDX-License-Identifier: GPL-2.0
/*
 * Tests with deliberately wrong expectations about real library results,
 * one for each kind of check the tests use: `make test` runs this program
 * through tests/run.sh and requires every one of them to be reported as
 * failed ("0 passed, N failed", N = FAIL_DEMO_COUNT in the Makefile), so
 * that no kind of check can pass vacuously and the summary line counts a
 * failure as a failure.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "iscsiportal.h"
#include "harness.h"

TEST(demo_expect_true)
{
	EXPECT_TRUE(ipl_status_is_known(3));
}

TEST(demo_expect_false)
{
	EXPECT_FALSE(ipl_status_is_known(ISCSI_PORTAL_STATUS_ONLINE));
}

/* Signed, and with a handler (which runs, and the test still fails). */
TEST(demo_expect_eq_signed)
{
	struct iscsi_portal_addr a;
	bool ok = true;

	EXPECT_EQ(0, ipl_addr_parse("224.0.0.1", &a))
		ok = false;
	EXPECT_FALSE(ok);
}

TEST(demo_expect_eq_unsigned)
{
	EXPECT_EQ(IPL_S_OK, ipl_errno_to_hresult(EBUSY));
}

TEST(demo_expect_ne)
{
	EXPECT_NE(-EINVAL, ipl_addr_validate(NULL));
}

TEST(demo_expect_lt)
{
	char buf[4];

	EXPECT_LT(0, ipl_addr_format(NULL, buf, sizeof(buf)));
}

TEST(demo_expect_null)
{
	EXPECT_NULL(ipl_strerror(EBUSY));
}

TEST(demo_expect_streq)
{
	char buf[IPL_NAME_STRLEN];

	EXPECT_STREQ("online", ipl_status_str(7, buf, sizeof(buf)));
}

TEST(demo_expect_strne)
{
	char buf[IPL_NAME_STRLEN];

	EXPECT_STRNE("unknown(7)", ipl_status_str(7, buf, sizeof(buf)));
}

TEST(demo_assert_eq)
{
	struct iscsi_portal_addr a;

	ASSERT_EQ(0, ipl_addr_parse("255.255.255.255", &a));
}

TEST(demo_assert_ne)
{
	ASSERT_NE(NULL, strstr(ipl_strerror(EBUSY), "idle"));
}

TEST(demo_assert_le)
{
	ASSERT_LE(0, ipl_fd(NULL));
}

/* A check in a helper, through the test's _metadata. */
static void check_in_helper(struct __test_metadata *_metadata)
{
	uint32_t s = 0;

	EXPECT_EQ(0, ipl_status_parse("on-line", &s));
}

TEST(demo_helper)
{
	check_in_helper(_metadata);
}

/* A test that dies (EXPECT_STREQ() on a NULL string would). */
TEST(demo_signal)
{
	raise(SIGSEGV);
}

TEST_HARNESS_MAIN
