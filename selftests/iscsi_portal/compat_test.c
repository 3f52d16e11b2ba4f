// SPDX-License-Identifier: GPL-2.0
/*
 * compat_test - the ABI from a 32-bit process (built -m32 -static as
 * compat_test_32): .compat_ioctl must be wired and every struct must have
 * the same layout for 32 and 64-bit callers, with user pointers (LIST's
 * entries) passed as 32-bit addresses zero-extended into __u64; so must
 * the records read() gives a watcher and a provider (API 2).
 */
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "harness.h"

TEST(is_32bit)
{
	int word = 0;

	ASSERT_EQ(4U, (unsigned int)sizeof(void *)) TH_LOG("this program must be built with -m32");
	/*
	 * 32-bit glibc waits on a pthread lock or join with the time32 futex
	 * call, and aborts the process if that is ENOSYS: say so here rather
	 * than in whichever later test first contends a lock.
	 */
	ASSERT_EQ(0, syscall(SYS_futex, &word, FUTEX_WAKE, 1, NULL, NULL, 0))
		TH_LOG("futex (time32): %s; the kernel needs CONFIG_COMPAT_32BIT_TIME",
		       strerror(errno));
}

TEST(version)
{
	struct iscsi_portal_version v;
	int fd = ip_open(O_RDONLY);

	ASSERT_LE(0, fd) TH_LOG("open: %s", strerror(-fd));
	fill_cc(&v, sizeof(v));
	ASSERT_EQ(0, ip_version(fd, &v));
	EXPECT_EQ((__u32)ISCSI_PORTAL_API_VERSION, v.api_version);
	EXPECT_EQ(0U, v.flags);
	EXPECT_EQ((__u64)0, v.reserved[0]);
	EXPECT_EQ((__u64)0, v.reserved[1]);
	EXPECT_NE((__u64)0xccccccccccccccccull, v.portal_count);
	EXPECT_NE((__u64)0xccccccccccccccccull, v.table_generation);
	close(fd);
}

TEST(unknown_command_enotty)
{
	int fd = ip_open(O_RDONLY);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOTTY, ip_ioctl(fd, _IO(ISCSI_PORTAL_IOC_MAGIC, 0x1F), NULL));
	EXPECT_EQ(-ENOTTY, ip_ioctl(fd, _IOR(ISCSI_PORTAL_IOC_MAGIC, 0x00, __u32), NULL));
	EXPECT_EQ(-ENOTTY, ip_ioctl(fd, _IOR(0xD8, 0x00, struct iscsi_portal_version), NULL));
	close(fd);
}

TEST(add_get_set_report_list_remove)
{
	struct iscsi_portal_addr a4, a6;
	struct iscsi_portal_add add;
	struct iscsi_portal_info info, *page;
	struct iscsi_portal_list l;
	__u64 id4, id6, tg, cursor, old;
	__u32 st, flags;
	int fd, found = 0, pages = 0;
	unsigned int i;

	fd = ip_open(O_RDWR);
	ASSERT_LE(0, fd);
	ip_addr6(&a6, "fe80::32:b17", 3260, 32);
	if (!ip_find_addr(fd, &a6, &old))
		ip_remove(fd, old);	/* leftover of an aborted run */
	tg = ip_table_gen(fd);

	/* ADD: the id comes back through the 32-bit call */
	fill_cc(&add, sizeof(add));
	ip_unique_addr(&add.addr, AF_INET);
	add.status = ISCSI_PORTAL_STATUS_OFFLINE;
	add.flags = 0;
	ASSERT_EQ(0, ip_ioctl(fd, ISCSI_PORTAL_IOC_ADD, &add));
	EXPECT_NE((__u64)0xccccccccccccccccull, add.id);
	id4 = add.id;
	a4 = add.addr;
	ASSERT_EQ(0, ip_add(fd, &a6, ISCSI_PORTAL_STATUS_ONLINE, &id6));
	EXPECT_LT(id4, id6);
	EXPECT_EQ(tg + 2, ip_table_gen(fd));

	/* GET_INFO: every field */
	ASSERT_EQ(0, ip_get_info(fd, id6, &info));
	EXPECT_EQ(id6, info.id);
	EXPECT_EQ(0, memcmp(&a6, &info.addr, sizeof(a6)));
	EXPECT_EQ((__u32)ISCSI_PORTAL_STATUS_ONLINE, info.status);
	EXPECT_EQ(0U, info.flags);
	EXPECT_EQ((__u64)0, info.generation);

	/* SET, GET_STATUS, REPORT, and their errors */
	EXPECT_EQ(0, ip_set_status(fd, id6, ISCSI_PORTAL_STATUS_OFFLINE));
	ASSERT_EQ(0, ip_get_status(fd, id6, &st, &flags));
	EXPECT_EQ((__u32)ISCSI_PORTAL_STATUS_OFFLINE, st);
	EXPECT_EQ(0U, flags);
	EXPECT_EQ(-EOPNOTSUPP, ip_set_status(fd, id6, ISCSI_PORTAL_STATUS_FAILED));
	EXPECT_EQ(-EINVAL, ip_set_status(fd, id6, 3));
	EXPECT_EQ(0, ip_report_status(fd, id4, ISCSI_PORTAL_STATUS_FAILED));
	ASSERT_EQ(0, ip_get_info(fd, id4, &info));
	EXPECT_EQ((__u32)ISCSI_PORTAL_STATUS_FAILED, info.status);
	EXPECT_EQ((__u64)1, info.generation);
	EXPECT_EQ(0, memcmp(&a4, &info.addr, sizeof(a4)));

	/* LIST from id4 with a 32-bit entries pointer, capacity 1 */
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(page != MAP_FAILED);
	cursor = id4;
	do {
		ASSERT_GT(100000, ++pages);
		fill_cc(page, sizeof(*page));
		ASSERT_EQ(0, ip_list(fd, cursor, page, 1, &l));
		ASSERT_GE(1U, l.count);
		EXPECT_EQ(ip_table_gen(fd), l.table_generation);
		for (i = 0; i < l.count; i++) {
			if (page[i].id == id4) {
				EXPECT_EQ((__u32)ISCSI_PORTAL_STATUS_FAILED, page[i].status);
				found++;
			} else if (page[i].id == id6) {
				EXPECT_EQ(0, memcmp(&a6, &page[i].addr, sizeof(a6)));
				EXPECT_EQ((__u32)ISCSI_PORTAL_STATUS_OFFLINE, page[i].status);
				found++;
			}
		}
		if (l.cursor) {
			ASSERT_LT(cursor, l.cursor);
		}
		cursor = l.cursor;
	} while (cursor);
	EXPECT_EQ(2, found);
	EXPECT_EQ(-EINVAL, ip_list(fd, 0, page, 0, &l));
	EXPECT_EQ(-EFAULT, ip_list(fd, id4, NULL, 1, &l));

	/* REMOVE, then EIDRM */
	EXPECT_EQ(0, ip_remove(fd, id4));
	EXPECT_EQ(0, ip_remove(fd, id6));
	EXPECT_EQ(-EIDRM, ip_get_info(fd, id4, &info));
	EXPECT_EQ(-EIDRM, ip_remove(fd, id6));
	EXPECT_EQ(-ENOENT, ip_get_status(fd, 0, NULL, NULL));
	EXPECT_EQ(tg + 6, ip_table_gen(fd)) TH_LOG("2 ADD, SET, REPORT, 2 REMOVE and nothing else");
	munmap(page, 4096);
	close(fd);
}

TEST(efault_and_permissions)
{
	int rd = ip_open(O_RDONLY), rw = ip_open(O_RDWR);

	ASSERT_LE(0, rd);
	ASSERT_LE(0, rw);
	EXPECT_EQ(-EFAULT, ip_ioctl(rw, ISCSI_PORTAL_IOC_VERSION, NULL));
	EXPECT_EQ(-EFAULT, ip_ioctl(rw, ISCSI_PORTAL_IOC_GET_INFO, NULL));
	EXPECT_EQ(-EBADF, ip_ioctl(rd, ISCSI_PORTAL_IOC_ADD, NULL));
	EXPECT_EQ(-EBADF, ip_ioctl(rd, ISCSI_PORTAL_IOC_REENUMERATE, NULL));
	EXPECT_EQ(0, ip_ioctl(rw, ISCSI_PORTAL_IOC_REENUMERATE, NULL));
	EXPECT_EQ(0, ip_ioctl(rw, ISCSI_PORTAL_IOC_REFRESH, NULL));
	close(rd);
	close(rw);
}

/* A 32-bit watcher reads its records with the 64-bit layout. */
TEST(watch_events)
{
	struct iscsi_portal_event ev[64];
	unsigned int seen = 0;
	__u64 id, tg;
	int fd, w, n, i;

	fd = ip_open(O_RDWR);
	ASSERT_LE(0, fd);
	w = ip_watcher();
	ASSERT_LE(0, w) TH_LOG("WATCH: %s", strerror(-w));
	tg = ip_table_gen(fd);
	ASSERT_EQ(0, ip_add_unique(fd, AF_INET, ISCSI_PORTAL_STATUS_ONLINE, &id,
				   NULL));
	ASSERT_EQ(0, ip_set_status(fd, id, ISCSI_PORTAL_STATUS_OFFLINE));
	ASSERT_EQ(0, ip_remove(fd, id));
	n = ip_drain_events(w, ev, 64);
	ASSERT_LE(3, n) TH_LOG("read: %s", n < 0 ? strerror(-n) : "too few");
	/* our portal's three, in order, each with the generation it made */
	for (i = 0; i < n; i++) {
		EXPECT_EQ(0U, ev[i].flags);
		EXPECT_LT(tg, ev[i].seq);
		if (ev[i].id != id)
			continue;
		switch (seen++) {
		case 0:
			EXPECT_EQ((__u32)ISCSI_PORTAL_EVENT_ARRIVE, ev[i].type);
			EXPECT_EQ((__u32)ISCSI_PORTAL_STATUS_UNKNOWN, ev[i].old_status);
			EXPECT_EQ((__u32)ISCSI_PORTAL_STATUS_ONLINE, ev[i].new_status);
			break;
		case 1:
			EXPECT_EQ((__u32)ISCSI_PORTAL_EVENT_MODIFY, ev[i].type);
			EXPECT_EQ((__u32)ISCSI_PORTAL_STATUS_ONLINE, ev[i].old_status);
			EXPECT_EQ((__u32)ISCSI_PORTAL_STATUS_OFFLINE, ev[i].new_status);
			break;
		case 2:
			EXPECT_EQ((__u32)ISCSI_PORTAL_EVENT_DEPART, ev[i].type);
			EXPECT_EQ((__u32)ISCSI_PORTAL_STATUS_OFFLINE, ev[i].old_status);
			EXPECT_EQ((__u32)ISCSI_PORTAL_STATUS_UNKNOWN, ev[i].new_status);
			EXPECT_EQ(ip_table_gen(fd), ev[i].seq);
			break;
		}
		if (i)
			EXPECT_EQ(ev[i - 1].seq + 1, ev[i].seq);
	}
	EXPECT_EQ(3U, seen);
	close(w);
	close(fd);
}

/*
 * A 32-bit userspace provider: PROVIDER_ATTACH, its portal's owner seen by
 * GET_PROVIDER, the request record of a SET read(), PROVIDER_REPLY with an
 * error (the SET's result, nothing committed) and with 0 (committed).
 */
TEST(provider_request_reply)
{
	struct iscsi_portal_provider_info pi;
	struct iscsi_portal_status_arg arg;
	struct iscsi_portal_request req;
	struct iscsi_portal_info info;
	struct ip_async a;
	int fd, pfd, result;
	__u64 id;

	fd = ip_open(O_RDWR);
	ASSERT_LE(0, fd);
	pfd = ip_open(O_RDWR);	/* blocking: read() waits for the request */
	ASSERT_LE(0, pfd);
	ASSERT_EQ(0, ip_attach(pfd, "compat32", 0));
	ASSERT_EQ(0, ip_add_unique(pfd, AF_INET, ISCSI_PORTAL_STATUS_ONLINE,
				   &id, NULL));
	ASSERT_EQ(0, ip_get_provider(fd, id, &pi));
	EXPECT_EQ(id, pi.id);
	EXPECT_EQ((__u32)ISCSI_PORTAL_INFO_PROVIDER, pi.flags);
	EXPECT_EQ(0U, pi.reserved);
	EXPECT_STREQ("compat32", pi.name);

	for (result = -EADDRINUSE; ; result = 0) {
		memset(&arg, 0, sizeof(arg));
		arg.id = id;
		arg.status = ISCSI_PORTAL_STATUS_OFFLINE;
		arg.flags = result ? ISCSI_PORTAL_SET_DROP_SESSIONS : 0;
		ASSERT_EQ(0, ip_async_start(&a, fd, ISCSI_PORTAL_IOC_SET_STATUS,
					    &arg));
		ASSERT_EQ(1, ip_read_reqs(pfd, &req, 1));
		EXPECT_EQ((__u32)ISCSI_PORTAL_REQ_SET_STATUS, req.type);
		EXPECT_EQ(arg.flags, req.flags);
		EXPECT_EQ(id, req.id);
		EXPECT_EQ((__u32)ISCSI_PORTAL_STATUS_ONLINE, req.old_status);
		EXPECT_EQ((__u32)ISCSI_PORTAL_STATUS_OFFLINE, req.new_status);
		EXPECT_NE((__u64)0xccccccccccccccccull, req.cookie);
		ASSERT_EQ(0, ip_reply(pfd, req.cookie, result));
		EXPECT_EQ(result, ip_async_join(&a));
		ASSERT_EQ(0, ip_get_info(fd, id, &info));
		EXPECT_EQ(result ? (__u32)ISCSI_PORTAL_STATUS_ONLINE :
				   (__u32)ISCSI_PORTAL_STATUS_OFFLINE, info.status);
		if (!result)
			break;
	}
	EXPECT_EQ(0, ip_remove(pfd, id));
	close(pfd);
	close(fd);
}

TEST_HARNESS_MAIN
