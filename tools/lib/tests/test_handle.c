// SPDX-License-Identifier: GPL-2.0
/*
 * Handles, and what each ioctl wrapper hands the kernel (via the fake).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "iscsiportal.h"
#include "fake.h"
#include "harness.h"

static void check_open_mode(struct __test_metadata *_metadata,
			    unsigned int flags, int accmode, bool nonblock)
{
	struct ipl_handle *h = NULL;
	bool ok = true;
	int fl;

	EXPECT_EQ(0, ipl_open(&h, "/dev/null", flags)) ok = false;
	if (!ok)
		return;
	fl = fcntl(ipl_fd(h), F_GETFL);
	EXPECT_EQ(accmode, fl & O_ACCMODE);
	EXPECT_EQ(nonblock, !!(fl & O_NONBLOCK));
	EXPECT_EQ(FD_CLOEXEC, fcntl(ipl_fd(h), F_GETFD) & FD_CLOEXEC);
	ipl_close(h);
}

/* handle: open modes, O_CLOEXEC, errors */
TEST(handle_open)
{
	struct ipl_handle *h = NULL;

	check_open_mode(_metadata, IPL_OPEN_RDONLY, O_RDONLY, false);
	check_open_mode(_metadata, IPL_OPEN_RDWR, O_RDWR, false);
	check_open_mode(_metadata, IPL_OPEN_RDONLY | IPL_OPEN_NONBLOCK,
			O_RDONLY, true);
	EXPECT_EQ(-ENOENT, ipl_open(&h, "/nonexistent/iscsi_portal", 0));
	EXPECT_EQ(-EINVAL, ipl_open(&h, "/dev/null", 0x4));
	EXPECT_EQ(-EINVAL, ipl_open(NULL, "/dev/null", 0));
	EXPECT_EQ(-EINVAL, ipl_open_fd(&h, -1));
	EXPECT_EQ(-EINVAL, ipl_fd(NULL));
	ipl_close(NULL);
}

static int no_reply(unsigned long req, void *arg)
{
	(void)req;
	(void)arg;
	return 0;
}

/* The api_version VERSION reports; 0: ISCSI_PORTAL_API_VERSION. */
static uint32_t module_api;

/* Replies for the commands that return something. */
static int replies(unsigned long req, void *arg)
{
	struct iscsi_portal_version *ver = arg;
	struct iscsi_portal_add *add = arg;
	struct iscsi_portal_info *info = arg;
	struct iscsi_portal_status_arg *st = arg;

	switch (req) {
	case ISCSI_PORTAL_IOC_VERSION:
		ver->api_version = module_api ? module_api :
					       ISCSI_PORTAL_API_VERSION;
		ver->portal_count = 3;
		ver->table_generation = 17;
		break;
	case ISCSI_PORTAL_IOC_ADD:
		add->id = 42;
		break;
	case ISCSI_PORTAL_IOC_GET_INFO:
		info->status = ISCSI_PORTAL_STATUS_OFFLINE;
		info->flags = ISCSI_PORTAL_INFO_BUSY;
		info->generation = 9;
		break;
	case ISCSI_PORTAL_IOC_GET_STATUS:
		st->status = 7;
		st->flags = ISCSI_PORTAL_INFO_BUSY;
		break;
	}
	return 0;
}

/* ioctl: VERSION and the compatibility check */
TEST(ioctl_version)
{
	struct ipl_handle *h = fake_open(replies);
	struct iscsi_portal_version ver;

	ASSERT_NE(NULL, h);
	memset(&ver, 0xff, sizeof(ver));
	EXPECT_EQ(0, ipl_version(h, &ver));
	EXPECT_EQ(ISCSI_PORTAL_IOC_VERSION, fake.last_req);
	/* The library zeroed the struct (reserved included) before the call. */
	EXPECT_TRUE(fake.last_arg[0] == 0 && fake.last_arg[39] == 0);
	EXPECT_EQ(3U, ver.portal_count);
	EXPECT_EQ(17U, ver.table_generation);
	EXPECT_EQ(0, ipl_check_version(h, NULL));
	EXPECT_EQ(-EINVAL, ipl_version(h, NULL));
	fake_close(h);

	h = fake_open(no_reply);	/* api_version stays 0 */
	ASSERT_NE(NULL, h);
	EXPECT_EQ(-EPROTONOSUPPORT, ipl_check_version(h, &ver));
	EXPECT_EQ(0U, ver.api_version);
	fake.fail_errno = ENOTTY;
	EXPECT_EQ(-ENOTTY, ipl_check_version(h, &ver));
	fake_close(h);
}

/* ioctl: a version-1 module passes the check; so does any later one */
TEST(ioctl_version_min)
{
	static const uint32_t ok[] = { 1, 2, 3, UINT32_MAX };
	struct iscsi_portal_version ver;
	struct ipl_handle *h;
	size_t i;

	EXPECT_EQ(1, IPL_API_VERSION_MIN);
	EXPECT_EQ(2, IPL_API_VERSION_PROVIDERS);
	EXPECT_LE(IPL_API_VERSION_PROVIDERS, ISCSI_PORTAL_API_VERSION);
	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		h = fake_open(replies);
		ASSERT_NE(NULL, h);
		module_api = ok[i];
		EXPECT_EQ(0, ipl_check_version(h, &ver)) TH_LOG("%u", ok[i]);
		EXPECT_EQ(ok[i], ver.api_version);
		fake_close(h);
	}
	module_api = 0;
}

/* ioctl: ADD sends zeroed flags, returns the id */
TEST(ioctl_add)
{
	struct ipl_handle *h = fake_open(replies);
	struct iscsi_portal_add sent;
	struct iscsi_portal_addr a;
	uint64_t id = 0;

	ASSERT_NE(NULL, h);
	EXPECT_EQ(0, ipl_addr_parse("192.0.2.1:3260", &a));
	EXPECT_EQ(0, ipl_add(h, &a, ISCSI_PORTAL_STATUS_FAILED, &id));
	EXPECT_EQ(42U, id);
	EXPECT_EQ(ISCSI_PORTAL_IOC_ADD, fake.last_req);
	memcpy(&sent, fake.last_arg, sizeof(sent));
	EXPECT_TRUE(ipl_addr_equal(&sent.addr, &a));
	EXPECT_EQ((uint32_t)ISCSI_PORTAL_STATUS_FAILED, sent.status);
	EXPECT_EQ(0U, sent.flags);
	EXPECT_EQ(0U, sent.id);
	EXPECT_EQ(0, ipl_add(h, &a, ISCSI_PORTAL_STATUS_ONLINE, NULL));
	EXPECT_EQ(-EINVAL, ipl_add(h, NULL, 0, &id));
	fake.fail_errno = EEXIST;
	id = 5;
	EXPECT_EQ(-EEXIST, ipl_add(h, &a, ISCSI_PORTAL_STATUS_ONLINE, &id));
	EXPECT_EQ(5U, id);
	fake_close(h);
}

/* ioctl: GET_INFO and GET_STATUS */
TEST(ioctl_get)
{
	struct ipl_handle *h = fake_open(replies);
	struct iscsi_portal_status_arg st;
	struct iscsi_portal_info info;
	uint32_t status = 0, flags = 0;

	ASSERT_NE(NULL, h);
	memset(&info, 0xff, sizeof(info));
	EXPECT_EQ(0, ipl_get_info(h, 12, &info));
	EXPECT_EQ(ISCSI_PORTAL_IOC_GET_INFO, fake.last_req);
	EXPECT_EQ(12U, ((struct iscsi_portal_info *)fake.last_arg)->id);
	EXPECT_EQ(0U, ((struct iscsi_portal_info *)fake.last_arg)->flags);
	EXPECT_EQ((uint32_t)ISCSI_PORTAL_STATUS_OFFLINE, info.status);
	EXPECT_EQ(9U, info.generation);

	EXPECT_EQ(0, ipl_get_status(h, 13, &status, &flags));
	EXPECT_EQ(ISCSI_PORTAL_IOC_GET_STATUS, fake.last_req);
	memcpy(&st, fake.last_arg, sizeof(st));
	EXPECT_EQ(13U, st.id);
	EXPECT_EQ(0U, st.flags);
	EXPECT_EQ(7U, status);
	EXPECT_EQ(ISCSI_PORTAL_INFO_BUSY, flags);
	EXPECT_EQ(0, ipl_get_status(h, 13, &status, NULL));
	EXPECT_EQ(-EINVAL, ipl_get_status(h, 13, NULL, NULL));
	EXPECT_EQ(-EINVAL, ipl_get_info(h, 13, NULL));
	fake.fail_errno = EIDRM;
	EXPECT_EQ(-EIDRM, ipl_get_info(h, 13, &info));
	EXPECT_EQ(-EIDRM, ipl_get_status(h, 13, &status, &flags));
	fake_close(h);
}

static void check_status_call(struct __test_metadata *_metadata,
			      int (*fn)(struct ipl_handle *, uint64_t,
					uint32_t), unsigned long req)
{
	struct ipl_handle *h = fake_open(no_reply);
	struct iscsi_portal_status_arg st;
	bool ok = true;

	EXPECT_NE(NULL, h) ok = false;
	if (!ok)
		return;
	EXPECT_EQ(0, fn(h, 77, 9));
	EXPECT_EQ(req, fake.last_req);
	memcpy(&st, fake.last_arg, sizeof(st));
	EXPECT_EQ(77U, st.id);
	EXPECT_EQ(9U, st.status);
	EXPECT_EQ(0U, st.flags);
	fake.fail_errno = EBUSY;
	EXPECT_EQ(-EBUSY, fn(h, 77, ISCSI_PORTAL_STATUS_OFFLINE));
	fake_close(h);
}

/* ioctl: SET_STATUS and REPORT_STATUS */
TEST(ioctl_set_report)
{
	check_status_call(_metadata, ipl_set_status,
			  ISCSI_PORTAL_IOC_SET_STATUS);
	check_status_call(_metadata, ipl_report_status,
			  ISCSI_PORTAL_IOC_REPORT_STATUS);
}

/* ioctl: SET_STATUS with flags passes them on for the module to judge */
TEST(ioctl_set_flags)
{
	static const uint32_t flags[] = {
		ISCSI_PORTAL_SET_DROP_SESSIONS, 0, 0x80000000U, UINT32_MAX,
	};
	struct ipl_handle *h = fake_open(no_reply);
	struct iscsi_portal_status_arg st;
	size_t i;

	ASSERT_NE(NULL, h);
	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		EXPECT_EQ(0, ipl_set_status_flags(h, 78, ISCSI_PORTAL_STATUS_OFFLINE,
						  flags[i]));
		EXPECT_EQ(ISCSI_PORTAL_IOC_SET_STATUS, fake.last_req);
		memcpy(&st, fake.last_arg, sizeof(st));
		EXPECT_EQ(78U, st.id);
		EXPECT_EQ((uint32_t)ISCSI_PORTAL_STATUS_OFFLINE, st.status);
		EXPECT_EQ(flags[i], st.flags);
	}
	fake.fail_errno = EOPNOTSUPP;
	EXPECT_EQ(-EOPNOTSUPP, ipl_set_status_flags(h, 78,
			ISCSI_PORTAL_STATUS_OFFLINE, ISCSI_PORTAL_SET_DROP_SESSIONS));
	EXPECT_EQ(-EINVAL, ipl_set_status_flags(NULL, 78, 1, 0));
	fake_close(h);
}

static void check_plain_call(struct __test_metadata *_metadata,
			     int (*fn)(struct ipl_handle *),
			     unsigned long req)
{
	struct ipl_handle *h = fake_open(no_reply);
	bool ok = true;

	EXPECT_NE(NULL, h) ok = false;
	if (!ok)
		return;
	EXPECT_EQ(0, fn(h));
	EXPECT_EQ(req, fake.last_req);
	EXPECT_TRUE(fake.last_arg_null);
	fake.fail_errno = EPERM;
	EXPECT_EQ(-EPERM, fn(h));
	EXPECT_EQ(-EINVAL, fn(NULL));
	fake_close(h);
}

/* ioctl: REMOVE, REENUMERATE, REFRESH, WATCH */
TEST(ioctl_remove_and_table_calls)
{
	struct ipl_handle *h = fake_open(no_reply);
	bool ok = true;

	EXPECT_NE(NULL, h) ok = false;
	if (ok) {
		EXPECT_EQ(0, ipl_remove(h, 5));
		EXPECT_EQ(ISCSI_PORTAL_IOC_REMOVE, fake.last_req);
		EXPECT_EQ(5U, ((struct iscsi_portal_ref *)fake.last_arg)->id);
		fake.fail_errno = ENOENT;
		EXPECT_EQ(-ENOENT, ipl_remove(h, 5));
		fake_close(h);
	}
	check_plain_call(_metadata, ipl_reenumerate,
			 ISCSI_PORTAL_IOC_REENUMERATE);
	check_plain_call(_metadata, ipl_refresh, ISCSI_PORTAL_IOC_REFRESH);
	check_plain_call(_metadata, ipl_watch, ISCSI_PORTAL_IOC_WATCH);
}

TEST_HARNESS_MAIN
