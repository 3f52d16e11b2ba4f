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
#include "tap.h"

static void check_open_mode(unsigned int flags, int accmode, bool nonblock)
{
	struct ipl_handle *h = NULL;
	int fl;

	if (!CHECK_INT(ipl_open(&h, "/dev/null", flags), 0))
		return;
	fl = fcntl(ipl_fd(h), F_GETFL);
	CHECK_INT(fl & O_ACCMODE, accmode);
	CHECK_INT(!!(fl & O_NONBLOCK), nonblock);
	CHECK_INT(fcntl(ipl_fd(h), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	ipl_close(h);
}

static void test_open(void)
{
	struct ipl_handle *h = NULL;

	check_open_mode(IPL_OPEN_RDONLY, O_RDONLY, false);
	check_open_mode(IPL_OPEN_RDWR, O_RDWR, false);
	check_open_mode(IPL_OPEN_RDONLY | IPL_OPEN_NONBLOCK, O_RDONLY, true);
	CHECK_INT(ipl_open(&h, "/nonexistent/iscsi_portal", 0), -ENOENT);
	CHECK_INT(ipl_open(&h, "/dev/null", 0x4), -EINVAL);
	CHECK_INT(ipl_open(NULL, "/dev/null", 0), -EINVAL);
	CHECK_INT(ipl_open_fd(&h, -1), -EINVAL);
	CHECK_INT(ipl_fd(NULL), -EINVAL);
	ipl_close(NULL);
}

static int no_reply(unsigned long req, void *arg)
{
	(void)req;
	(void)arg;
	return 0;
}

/* Replies for the commands that return something. */
static int replies(unsigned long req, void *arg)
{
	struct iscsi_portal_version *ver = arg;
	struct iscsi_portal_add *add = arg;
	struct iscsi_portal_info *info = arg;
	struct iscsi_portal_status_arg *st = arg;

	switch (req) {
	case ISCSI_PORTAL_IOC_VERSION:
		ver->api_version = ISCSI_PORTAL_API_VERSION;
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

static void test_version(void)
{
	struct ipl_handle *h = fake_open(replies);
	struct iscsi_portal_version ver;

	if (!CHECK(h))
		return;
	memset(&ver, 0xff, sizeof(ver));
	CHECK_INT(ipl_version(h, &ver), 0);
	CHECK_UINT(fake.last_req, ISCSI_PORTAL_IOC_VERSION);
	/* The library zeroed the struct (reserved included) before the call. */
	CHECK(fake.last_arg[0] == 0 && fake.last_arg[39] == 0);
	CHECK_UINT(ver.portal_count, 3);
	CHECK_UINT(ver.table_generation, 17);
	CHECK_INT(ipl_check_version(h, NULL), 0);
	CHECK_INT(ipl_version(h, NULL), -EINVAL);
	fake_close(h);

	h = fake_open(no_reply);	/* api_version stays 0 */
	if (!CHECK(h))
		return;
	CHECK_INT(ipl_check_version(h, &ver), -EPROTONOSUPPORT);
	CHECK_UINT(ver.api_version, 0);
	fake.fail_errno = ENOTTY;
	CHECK_INT(ipl_check_version(h, &ver), -ENOTTY);
	fake_close(h);
}

static void test_add(void)
{
	struct ipl_handle *h = fake_open(replies);
	struct iscsi_portal_add sent;
	struct iscsi_portal_addr a;
	uint64_t id = 0;

	if (!CHECK(h))
		return;
	CHECK_INT(ipl_addr_parse("192.0.2.1:3260", &a), 0);
	CHECK_INT(ipl_add(h, &a, ISCSI_PORTAL_STATUS_FAILED, &id), 0);
	CHECK_UINT(id, 42);
	CHECK_UINT(fake.last_req, ISCSI_PORTAL_IOC_ADD);
	memcpy(&sent, fake.last_arg, sizeof(sent));
	CHECK(ipl_addr_equal(&sent.addr, &a));
	CHECK_UINT(sent.status, ISCSI_PORTAL_STATUS_FAILED);
	CHECK_UINT(sent.flags, 0);
	CHECK_UINT(sent.id, 0);
	CHECK_INT(ipl_add(h, &a, ISCSI_PORTAL_STATUS_ONLINE, NULL), 0);
	CHECK_INT(ipl_add(h, NULL, 0, &id), -EINVAL);
	fake.fail_errno = EEXIST;
	id = 5;
	CHECK_INT(ipl_add(h, &a, ISCSI_PORTAL_STATUS_ONLINE, &id), -EEXIST);
	CHECK_UINT(id, 5);
	fake_close(h);
}

static void test_get(void)
{
	struct ipl_handle *h = fake_open(replies);
	struct iscsi_portal_status_arg st;
	struct iscsi_portal_info info;
	uint32_t status = 0, flags = 0;

	if (!CHECK(h))
		return;
	memset(&info, 0xff, sizeof(info));
	CHECK_INT(ipl_get_info(h, 12, &info), 0);
	CHECK_UINT(fake.last_req, ISCSI_PORTAL_IOC_GET_INFO);
	CHECK_UINT(((struct iscsi_portal_info *)fake.last_arg)->id, 12);
	CHECK_UINT(((struct iscsi_portal_info *)fake.last_arg)->flags, 0);
	CHECK_UINT(info.status, ISCSI_PORTAL_STATUS_OFFLINE);
	CHECK_UINT(info.generation, 9);

	CHECK_INT(ipl_get_status(h, 13, &status, &flags), 0);
	CHECK_UINT(fake.last_req, ISCSI_PORTAL_IOC_GET_STATUS);
	memcpy(&st, fake.last_arg, sizeof(st));
	CHECK_UINT(st.id, 13);
	CHECK_UINT(st.flags, 0);
	CHECK_UINT(status, 7);
	CHECK_UINT(flags, ISCSI_PORTAL_INFO_BUSY);
	CHECK_INT(ipl_get_status(h, 13, &status, NULL), 0);
	CHECK_INT(ipl_get_status(h, 13, NULL, NULL), -EINVAL);
	CHECK_INT(ipl_get_info(h, 13, NULL), -EINVAL);
	fake.fail_errno = EIDRM;
	CHECK_INT(ipl_get_info(h, 13, &info), -EIDRM);
	CHECK_INT(ipl_get_status(h, 13, &status, &flags), -EIDRM);
	fake_close(h);
}

static void check_status_call(int (*fn)(struct ipl_handle *, uint64_t,
					uint32_t), unsigned long req)
{
	struct ipl_handle *h = fake_open(no_reply);
	struct iscsi_portal_status_arg st;

	if (!CHECK(h))
		return;
	CHECK_INT(fn(h, 77, 9), 0);
	CHECK_UINT(fake.last_req, req);
	memcpy(&st, fake.last_arg, sizeof(st));
	CHECK_UINT(st.id, 77);
	CHECK_UINT(st.status, 9);
	CHECK_UINT(st.flags, 0);
	fake.fail_errno = EBUSY;
	CHECK_INT(fn(h, 77, ISCSI_PORTAL_STATUS_OFFLINE), -EBUSY);
	fake_close(h);
}

static void test_set_report(void)
{
	check_status_call(ipl_set_status, ISCSI_PORTAL_IOC_SET_STATUS);
	check_status_call(ipl_report_status, ISCSI_PORTAL_IOC_REPORT_STATUS);
}

static void check_plain_call(int (*fn)(struct ipl_handle *),
			     unsigned long req)
{
	struct ipl_handle *h = fake_open(no_reply);

	if (!CHECK(h))
		return;
	CHECK_INT(fn(h), 0);
	CHECK_UINT(fake.last_req, req);
	CHECK(fake.last_arg_null);
	fake.fail_errno = EPERM;
	CHECK_INT(fn(h), -EPERM);
	CHECK_INT(fn(NULL), -EINVAL);
	fake_close(h);
}

static void test_remove_and_table_calls(void)
{
	struct ipl_handle *h = fake_open(no_reply);

	if (CHECK(h)) {
		CHECK_INT(ipl_remove(h, 5), 0);
		CHECK_UINT(fake.last_req, ISCSI_PORTAL_IOC_REMOVE);
		CHECK_UINT(((struct iscsi_portal_ref *)fake.last_arg)->id, 5);
		fake.fail_errno = ENOENT;
		CHECK_INT(ipl_remove(h, 5), -ENOENT);
		fake_close(h);
	}
	check_plain_call(ipl_reenumerate, ISCSI_PORTAL_IOC_REENUMERATE);
	check_plain_call(ipl_refresh, ISCSI_PORTAL_IOC_REFRESH);
	check_plain_call(ipl_watch, ISCSI_PORTAL_IOC_WATCH);
}

const struct test handle_tests[] = {
	{ "handle: open modes, O_CLOEXEC, errors", test_open },
	{ "ioctl: VERSION and the compatibility check", test_version },
	{ "ioctl: ADD sends zeroed flags, returns the id", test_add },
	{ "ioctl: GET_INFO and GET_STATUS", test_get },
	{ "ioctl: SET_STATUS and REPORT_STATUS", test_set_report },
	{ "ioctl: REMOVE, REENUMERATE, REFRESH, WATCH", test_remove_and_table_calls },
	{ NULL, NULL },
};
