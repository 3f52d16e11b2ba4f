// SPDX-License-Identifier: GPL-2.0
/*
 * Status names both ways and event type names.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "iscsiportal.h"
#include "harness.h"

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

/* status: names of every value, unknown(N) otherwise */
TEST(status_str)
{
	char buf[IPL_NAME_STRLEN];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(statuses); i++) {
		EXPECT_STREQ(statuses[i].name,
			     ipl_status_str(statuses[i].value, buf, sizeof(buf)));
		EXPECT_TRUE(ipl_status_is_known(statuses[i].value));
	}
	EXPECT_STREQ("unknown(3)", ipl_status_str(3, buf, sizeof(buf)));
	EXPECT_STREQ("unknown(7)", ipl_status_str(7, buf, sizeof(buf)));
	EXPECT_STREQ("unknown(4294967295)",
		     ipl_status_str(UINT32_MAX, buf, sizeof(buf)));
	EXPECT_FALSE(ipl_status_is_known(3));
	EXPECT_FALSE(ipl_status_is_known(6));
	EXPECT_FALSE(ipl_status_is_known(UINT32_MAX));
	/* No room, or no buffer: still a string, never a crash. */
	EXPECT_STREQ("unknown", ipl_status_str(7, buf, 5));
	EXPECT_STREQ("unknown", ipl_status_str(7, NULL, 0));
	EXPECT_STREQ("online",
		     ipl_status_str(ISCSI_PORTAL_STATUS_ONLINE, NULL, 0));
}

/* status: parse names, aliases and numbers */
TEST(status_parse)
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
		EXPECT_EQ(0, ipl_status_parse(statuses[i].name, &s));
		EXPECT_EQ(statuses[i].value, s);
	}
	EXPECT_EQ(0, ipl_status_parse("ONLINE", &s));
	EXPECT_EQ((uint32_t)ISCSI_PORTAL_STATUS_ONLINE, s);
	EXPECT_EQ(0, ipl_status_parse("Offline", &s));
	EXPECT_EQ((uint32_t)ISCSI_PORTAL_STATUS_OFFLINE, s);
	EXPECT_EQ(0, ipl_status_parse("not-ready", &s));
	EXPECT_EQ((uint32_t)ISCSI_PORTAL_STATUS_NOT_READY, s);
	EXPECT_EQ(0, ipl_status_parse("NOT-READY", &s));
	EXPECT_EQ((uint32_t)ISCSI_PORTAL_STATUS_NOT_READY, s);
	EXPECT_EQ(0, ipl_status_parse("Not_Ready", &s));
	EXPECT_EQ((uint32_t)ISCSI_PORTAL_STATUS_NOT_READY, s);
	EXPECT_EQ(0, ipl_status_parse("7", &s));
	EXPECT_EQ(7U, s);
	EXPECT_EQ(0, ipl_status_parse("4294967295", &s));
	EXPECT_EQ(UINT32_MAX, s);
	EXPECT_EQ(0, ipl_status_parse("Unknown(3)", &s));
	EXPECT_EQ(3U, s);

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		s = 99;
		EXPECT_EQ(-EINVAL, ipl_status_parse(bad[i], &s))
			TH_LOG("input \"%s\"", bad[i]);
		EXPECT_EQ(99U, s);
	}
	EXPECT_EQ(-EINVAL, ipl_status_parse(NULL, &s));
	EXPECT_EQ(-EINVAL, ipl_status_parse("online", NULL));
}

/* status: format/parse round trips */
TEST(status_round_trip)
{
	static const uint32_t values[] = {
		0, 1, 2, 3, 4, 5, 6, 7, 100, 65535, UINT32_MAX - 1, UINT32_MAX,
	};
	char buf[IPL_NAME_STRLEN];
	uint32_t s;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(values); i++) {
		const char *name = ipl_status_str(values[i], buf, sizeof(buf));

		EXPECT_EQ(0, ipl_status_parse(name, &s));
		EXPECT_EQ(values[i], s);
	}
}

/* event: type names */
TEST(event_type_str)
{
	char buf[IPL_NAME_STRLEN];

	EXPECT_STREQ("arrive", ipl_event_type_str(ISCSI_PORTAL_EVENT_ARRIVE,
						  buf, sizeof(buf)));
	EXPECT_STREQ("depart", ipl_event_type_str(ISCSI_PORTAL_EVENT_DEPART,
						  buf, sizeof(buf)));
	EXPECT_STREQ("modify", ipl_event_type_str(ISCSI_PORTAL_EVENT_MODIFY,
						  buf, sizeof(buf)));
	EXPECT_STREQ("overflow",
		     ipl_event_type_str(ISCSI_PORTAL_EVENT_OVERFLOW, buf,
					sizeof(buf)));
	EXPECT_STREQ("unknown(0)", ipl_event_type_str(0, buf, sizeof(buf)));
	EXPECT_STREQ("unknown(122)",
		     ipl_event_type_str(122, buf, sizeof(buf)));
	EXPECT_STREQ("unknown(126)",
		     ipl_event_type_str(126, buf, sizeof(buf)));
	EXPECT_STREQ("unknown(65534)",
		     ipl_event_type_str(0xFFFE, buf, sizeof(buf)));
	EXPECT_STREQ("unknown(4294967295)",
		     ipl_event_type_str(UINT32_MAX, buf, sizeof(buf)));
	EXPECT_STREQ("unknown", ipl_event_type_str(126, NULL, 0));
}

/* provider: request type names */
TEST(request_type_str)
{
	char buf[IPL_NAME_STRLEN];

	EXPECT_STREQ("set_status",
		     ipl_request_type_str(ISCSI_PORTAL_REQ_SET_STATUS, buf,
					  sizeof(buf)));
	EXPECT_STREQ("reenumerate",
		     ipl_request_type_str(ISCSI_PORTAL_REQ_REENUMERATE, buf,
					  sizeof(buf)));
	EXPECT_STREQ("refresh",
		     ipl_request_type_str(ISCSI_PORTAL_REQ_REFRESH, buf,
					  sizeof(buf)));
	EXPECT_STREQ("unknown(0)", ipl_request_type_str(0, buf, sizeof(buf)));
	EXPECT_STREQ("unknown(4)", ipl_request_type_str(4, buf, sizeof(buf)));
	EXPECT_STREQ("unknown(4294967295)",
		     ipl_request_type_str(UINT32_MAX, buf, sizeof(buf)));
	EXPECT_STREQ("unknown", ipl_request_type_str(4, NULL, 0));
	EXPECT_STREQ("refresh",
		     ipl_request_type_str(ISCSI_PORTAL_REQ_REFRESH, NULL, 0));
}

/* info flags: names in bit order, the rest as one hex number */
TEST(info_flags_format)
{
	static const struct {
		uint32_t flags;
		const char *text;
	} rows[] = {
		{ 0, "" },
		{ ISCSI_PORTAL_INFO_BUSY, "busy" },
		{ ISCSI_PORTAL_INFO_PROVIDER, "provider" },
		{ ISCSI_PORTAL_INFO_ORPHAN, "orphan" },
		{ ISCSI_PORTAL_INFO_BUSY | ISCSI_PORTAL_INFO_PROVIDER,
		  "busy,provider" },
		{ ISCSI_PORTAL_INFO_ORPHAN | ISCSI_PORTAL_INFO_BUSY,
		  "busy,orphan" },
		{ 0x10, "0x10" },
		{ ISCSI_PORTAL_INFO_PROVIDER | 0x80000008U,
		  "provider,0x80000008" },
		{ UINT32_MAX, "busy,provider,orphan,0xfffffff8" },
	};
	char buf[IPL_FLAGS_STRLEN];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		memset(buf, 'x', sizeof(buf));
		EXPECT_EQ((int)strlen(rows[i].text),
			  ipl_info_flags_format(rows[i].flags, buf, sizeof(buf)));
		EXPECT_STREQ(rows[i].text, buf);
	}
	/* The longest output fits IPL_FLAGS_STRLEN exactly. */
	EXPECT_EQ(IPL_FLAGS_STRLEN - 1,
		  ipl_info_flags_format(UINT32_MAX, buf, sizeof(buf)));
	EXPECT_EQ(-ENOSPC, ipl_info_flags_format(UINT32_MAX, buf,
						 IPL_FLAGS_STRLEN - 1));
	EXPECT_STREQ("", buf);
	EXPECT_EQ(4, ipl_info_flags_format(ISCSI_PORTAL_INFO_BUSY, buf, 5));
	EXPECT_EQ(-ENOSPC, ipl_info_flags_format(ISCSI_PORTAL_INFO_BUSY, buf,
						 4));
	EXPECT_EQ(-ENOSPC, ipl_info_flags_format(0, buf, 0));
	EXPECT_EQ(0, ipl_info_flags_format(0, buf, 1));
	EXPECT_EQ(-EINVAL, ipl_info_flags_format(1, NULL, 8));
}

TEST_HARNESS_MAIN
