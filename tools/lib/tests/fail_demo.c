// SPDX-License-Identifier: GPL-2.0
/*
 * Tests with deliberately wrong expectations about real library results:
 * `make test` runs them with --fail-demo and requires every one of them to
 * be reported as failed, so that no kind of check can pass vacuously.
 */
#include <errno.h>
#include <string.h>

#include "iscsiportal.h"
#include "tap.h"

static void demo_check(void)
{
	CHECK(ipl_status_is_known(3));
}

static void demo_int(void)
{
	struct iscsi_portal_addr a;

	CHECK_INT(ipl_addr_parse("224.0.0.1", &a), 0);
}

static void demo_uint(void)
{
	CHECK_UINT(ipl_errno_to_hresult(EBUSY), IPL_S_OK);
}

static void demo_str(void)
{
	char buf[IPL_NAME_STRLEN];

	CHECK_STR(ipl_status_str(7, buf, sizeof(buf)), "online");
}

const struct test fail_demo_tests[] = {
	{ "fail demo: CHECK", demo_check },
	{ "fail demo: CHECK_INT", demo_int },
	{ "fail demo: CHECK_UINT", demo_uint },
	{ "fail demo: CHECK_STR", demo_str },
	{ NULL, NULL },
};
