// SPDX-License-Identifier: GPL-2.0
/*
 * Status names both ways and event type names.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "iscsiportal.h"
#include "tap.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const struct {
	uint32_t value;
	const char *name;
} statuses[] = {
	{ ISCSI_PORTAL_STATUS_UNKNOWN, "unknown" },
	{ ISCSI_PORTAL_STATUS_ONLINE, "online" },
	{ ISCSI_PORTAL_STATUS_NOT_READY, "not_ready" },
	{ ISCSI_PORTAL_STATUS_OFFLINE, "offline" },
	{ ISCSI_PORTAL_STATUS_FAILED, "failed" },
};

static void test_status_str(void)
{
	char buf[IPL_NAME_STRLEN];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(statuses); i++) {
		CHECK_STR(ipl_status_str(statuses[i].value, buf, sizeof(buf)),
			  statuses[i].name);
		CHECK(ipl_status_is_known(statuses[i].value));
	}
	CHECK_STR(ipl_status_str(3, buf, sizeof(buf)), "unknown(3)");
	CHECK_STR(ipl_status_str(7, buf, sizeof(buf)), "unknown(7)");
	CHECK_STR(ipl_status_str(UINT32_MAX, buf, sizeof(buf)),
		  "unknown(4294967295)");
	CHECK(!ipl_status_is_known(3));
	CHECK(!ipl_status_is_known(6));
	CHECK(!ipl_status_is_known(UINT32_MAX));
	/* No room, or no buffer: still a string, never a crash. */
	CHECK_STR(ipl_status_str(7, buf, 5), "unknown");
	CHECK_STR(ipl_status_str(7, NULL, 0), "unknown");
	CHECK_STR(ipl_status_str(ISCSI_PORTAL_STATUS_ONLINE, NULL, 0),
		  "online");
}

static void test_status_parse(void)
{
	static const char *const bad[] = {
		"", "onlin", "online ", " online", "on-line", "not ready",
		"notready", "-1", "+1", "4294967296", "0x1", "unknown(",
		"unknown()", "unknown(x)", "unknown(1", "unknown(-1)",
		"unknown(4294967296)", "unknown (1)",
	};
	uint32_t s;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(statuses); i++) {
		s = 99;
		CHECK_INT(ipl_status_parse(statuses[i].name, &s), 0);
		CHECK_UINT(s, statuses[i].value);
	}
	CHECK_INT(ipl_status_parse("ONLINE", &s), 0);
	CHECK_UINT(s, ISCSI_PORTAL_STATUS_ONLINE);
	CHECK_INT(ipl_status_parse("Offline", &s), 0);
	CHECK_UINT(s, ISCSI_PORTAL_STATUS_OFFLINE);
	CHECK_INT(ipl_status_parse("not-ready", &s), 0);
	CHECK_UINT(s, ISCSI_PORTAL_STATUS_NOT_READY);
	CHECK_INT(ipl_status_parse("NOT-READY", &s), 0);
	CHECK_UINT(s, ISCSI_PORTAL_STATUS_NOT_READY);
	CHECK_INT(ipl_status_parse("Not_Ready", &s), 0);
	CHECK_UINT(s, ISCSI_PORTAL_STATUS_NOT_READY);
	CHECK_INT(ipl_status_parse("7", &s), 0);
	CHECK_UINT(s, 7);
	CHECK_INT(ipl_status_parse("4294967295", &s), 0);
	CHECK_UINT(s, UINT32_MAX);
	CHECK_INT(ipl_status_parse("Unknown(3)", &s), 0);
	CHECK_UINT(s, 3);

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		s = 99;
		if (!CHECK_INT(ipl_status_parse(bad[i], &s), -EINVAL))
			tap_note("input \"%s\"", bad[i]);
		CHECK_UINT(s, 99);
	}
	CHECK_INT(ipl_status_parse(NULL, &s), -EINVAL);
	CHECK_INT(ipl_status_parse("online", NULL), -EINVAL);
}

static void test_status_round_trip(void)
{
	static const uint32_t values[] = {
		0, 1, 2, 3, 4, 5, 6, 7, 100, 65535, UINT32_MAX - 1, UINT32_MAX,
	};
	char buf[IPL_NAME_STRLEN];
	uint32_t s;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(values); i++) {
		const char *name = ipl_status_str(values[i], buf, sizeof(buf));

		CHECK_INT(ipl_status_parse(name, &s), 0);
		CHECK_UINT(s, values[i]);
	}
}

static void test_event_type_str(void)
{
	char buf[IPL_NAME_STRLEN];

	CHECK_STR(ipl_event_type_str(ISCSI_PORTAL_EVENT_ARRIVE, buf,
				     sizeof(buf)), "arrive");
	CHECK_STR(ipl_event_type_str(ISCSI_PORTAL_EVENT_DEPART, buf,
				     sizeof(buf)), "depart");
	CHECK_STR(ipl_event_type_str(ISCSI_PORTAL_EVENT_MODIFY, buf,
				     sizeof(buf)), "modify");
	CHECK_STR(ipl_event_type_str(ISCSI_PORTAL_EVENT_OVERFLOW, buf,
				     sizeof(buf)), "overflow");
	CHECK_STR(ipl_event_type_str(0, buf, sizeof(buf)), "unknown(0)");
	CHECK_STR(ipl_event_type_str(122, buf, sizeof(buf)), "unknown(122)");
	CHECK_STR(ipl_event_type_str(126, buf, sizeof(buf)), "unknown(126)");
	CHECK_STR(ipl_event_type_str(0xFFFE, buf, sizeof(buf)),
		  "unknown(65534)");
	CHECK_STR(ipl_event_type_str(UINT32_MAX, buf, sizeof(buf)),
		  "unknown(4294967295)");
	CHECK_STR(ipl_event_type_str(126, NULL, 0), "unknown");
}

const struct test names_tests[] = {
	{ "status: names of every value, unknown(N) otherwise", test_status_str },
	{ "status: parse names, aliases and numbers", test_status_parse },
	{ "status: format/parse round trips", test_status_round_trip },
	{ "event: type names", test_event_type_str },
	{ NULL, NULL },
};
