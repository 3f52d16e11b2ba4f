// SPDX-License-Identifier: GPL-2.0
/*
 * compat_test - the ABI from a 32-bit process (built -m32 -static as
 * compat_test_32): .compat_ioctl must be wired and every struct must have
 * the same layout for 32 and 64-bit callers, with user pointers (LIST's
 * entries) passed as 32-bit addresses zero-extended into __u64.
 */
#include <sys/mman.h>

#include "harness.h"

TEST(is_32bit)
{
	ASSERT_EQ(4U, (unsigned int)sizeof(void *)) TH_LOG("this program must be built with -m32");
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

TEST_HARNESS_MAIN
