// SPDX-License-Identifier: GPL-2.0
/*
 * corrupt_test - the corrupt table and its VDS-style recovery (CONTRACT
 * section 4): debugfs "corrupt" marks the table; then every table call but
 * VERSION, REENUMERATE and REFRESH fails with EUCLEAN (after the argument
 * checks); only a REFRESH that follows a REENUMERATE started after the
 * mark clears it, and the statuses survive.
 *
 * Every test runs in a fixture whose teardown clears the mark (REENUMERATE
 * + REFRESH) and resets the delay knobs, even when an ASSERT failed.
 */
#include "harness.h"

FIXTURE(corrupt) {
	int fd;
	__u64 p, q, r;		/* ONLINE, OFFLINE, FAILED */
	__u64 gone;		/* a removed id */
	struct iscsi_portal_addr addr_p;
	struct ip_async a;
	struct iscsi_portal_status_arg arg;
};

FIXTURE_SETUP(corrupt)
{
	memset(&self->a, 0, sizeof(self->a));
	self->p = self->q = self->r = 0;
	ASSERT_EQ(0, ip_restore_globals());
	self->fd = ip_open(O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ip_is_corrupt(self->fd));
	ASSERT_EQ(0, ip_add_unique(self->fd, AF_INET, ISCSI_PORTAL_STATUS_ONLINE,
				   &self->p, &self->addr_p));
	ASSERT_EQ(0, ip_add_unique(self->fd, AF_INET6, ISCSI_PORTAL_STATUS_OFFLINE,
				   &self->q, NULL));
	ASSERT_EQ(0, ip_add_unique(self->fd, AF_INET, ISCSI_PORTAL_STATUS_ONLINE,
				   &self->r, NULL));
	ASSERT_EQ(0, ip_report_status(self->fd, self->r, ISCSI_PORTAL_STATUS_FAILED));
	ASSERT_EQ(0, ip_add_unique(self->fd, AF_INET6, ISCSI_PORTAL_STATUS_ONLINE,
				   &self->gone, NULL));
	ASSERT_EQ(0, ip_remove(self->fd, self->gone));
}

FIXTURE_TEARDOWN(corrupt)
{
	ip_knob_write_u32(IP_KNOB_SET_DELAY, 0);
	ip_knob_write_u32(IP_KNOB_TABLE_DELAY, 0);
	ip_async_join(&self->a);
	EXPECT_EQ(0, ip_restore_globals()) TH_LOG("could not clear the corrupt mark");
	if (self->p)
		ip_remove(self->fd, self->p);
	if (self->q)
		ip_remove(self->fd, self->q);
	if (self->r)
		ip_remove(self->fd, self->r);
	close(self->fd);
}

static void expect_knob(struct __test_metadata *_metadata, const char *want)
{
	char buf[16];

	ASSERT_LT(0, ip_knob_read(IP_KNOB_CORRUPT, buf, sizeof(buf)));
	EXPECT_STREQ(want, buf);
}

/* The three fixture portals still have their statuses. */
static void expect_statuses(struct __test_metadata *_metadata,
			    FIXTURE_DATA(corrupt) *self)
{
	__u32 st;

	ASSERT_EQ(0, ip_get_status(self->fd, self->p, &st, NULL));
	EXPECT_EQ((__u32)ISCSI_PORTAL_STATUS_ONLINE, st);
	ASSERT_EQ(0, ip_get_status(self->fd, self->q, &st, NULL));
	EXPECT_EQ((__u32)ISCSI_PORTAL_STATUS_OFFLINE, st);
	ASSERT_EQ(0, ip_get_status(self->fd, self->r, &st, NULL));
	EXPECT_EQ((__u32)ISCSI_PORTAL_STATUS_FAILED, st);
}

TEST_F(corrupt, knob_accepts_only_1)
{
	static const char bad[][4] = { "0", "0\n", "2", "x", "", "11", "-1", " 1" };
	unsigned int i;

	expect_knob(_metadata, "0\n");
	for (i = 0; i < IP_ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, ip_knob_write(IP_KNOB_CORRUPT, bad[i], strlen(bad[i])))
			TH_LOG("writing \"%s\" to corrupt", bad[i]);
	}
	expect_knob(_metadata, "0\n");
	EXPECT_EQ(0, ip_is_corrupt(self->fd));

	ASSERT_EQ(0, ip_mark_corrupt());
	expect_knob(_metadata, "1\n");
	EXPECT_EQ(1, ip_is_corrupt(self->fd));
	/* "0" does not clear it: only the recovery does */
	EXPECT_EQ(-EINVAL, ip_knob_write(IP_KNOB_CORRUPT, "0", 1));
	expect_knob(_metadata, "1\n");
	/* marking twice is harmless */
	EXPECT_EQ(0, ip_mark_corrupt());
	ASSERT_EQ(0, ip_recover(self->fd));
	expect_knob(_metadata, "0\n");

	/* what `echo 1 > corrupt` writes */
	EXPECT_EQ(0, ip_knob_write(IP_KNOB_CORRUPT, "1\n", 2));
	expect_knob(_metadata, "1\n");
}

TEST_F(corrupt, calls_fail_euclean)
{
	struct iscsi_portal_version v;
	struct iscsi_portal_info info, page[4];
	struct iscsi_portal_list l;
	struct iscsi_portal_addr a;
	__u64 id, tg, count;
	__u32 st;
	int rd;

	tg = ip_table_gen(self->fd);
	count = ip_portal_count(self->fd);
	ASSERT_EQ(0, ip_mark_corrupt());

	fill_cc(&v, sizeof(v));
	ASSERT_EQ(0, ip_version(self->fd, &v));
	EXPECT_EQ((__u32)ISCSI_PORTAL_TABLE_CORRUPT, v.flags);
	EXPECT_EQ((__u32)ISCSI_PORTAL_API_VERSION, v.api_version);
	EXPECT_EQ((__u64)0, v.reserved[0]);
	EXPECT_EQ((__u64)0, v.reserved[1]);
	EXPECT_EQ(count, v.portal_count);
	EXPECT_EQ(tg, v.table_generation);

	ip_unique_addr(&a, AF_INET);
	EXPECT_EQ(-EUCLEAN, ip_add(self->fd, &a, ISCSI_PORTAL_STATUS_ONLINE, &id));
	EXPECT_EQ(-EUCLEAN, ip_remove(self->fd, self->p));
	EXPECT_EQ(-EUCLEAN, ip_get_info(self->fd, self->p, &info));
	EXPECT_EQ(-EUCLEAN, ip_get_status(self->fd, self->p, &st, NULL));
	EXPECT_EQ(-EUCLEAN, ip_set_status(self->fd, self->p, ISCSI_PORTAL_STATUS_OFFLINE));
	EXPECT_EQ(-EUCLEAN, ip_set_status(self->fd, self->p, ISCSI_PORTAL_STATUS_ONLINE));
	EXPECT_EQ(-EUCLEAN, ip_report_status(self->fd, self->p, ISCSI_PORTAL_STATUS_FAILED));
	EXPECT_EQ(-EUCLEAN, ip_list(self->fd, 0, page, 4, &l));
	EXPECT_EQ(-EUCLEAN, ip_list(self->fd, self->p, page, 1, &l));

	/* an O_RDONLY reader gets EUCLEAN too */
	rd = ip_open(O_RDONLY);
	ASSERT_LE(0, rd);
	EXPECT_EQ(-EUCLEAN, ip_get_info(rd, self->q, &info));
	EXPECT_EQ(-EUCLEAN, ip_list(rd, 0, page, 4, &l));
	EXPECT_EQ(0, ip_version(rd, &v));
	EXPECT_EQ((__u32)ISCSI_PORTAL_TABLE_CORRUPT, v.flags);
	close(rd);
	EXPECT_EQ(tg, ip_table_gen(self->fd)) TH_LOG("a refused call committed something");
	EXPECT_EQ(count, ip_portal_count(self->fd));
	EXPECT_EQ(0, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REENUMERATE, NULL));
	EXPECT_EQ(0, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REFRESH, NULL));
	EXPECT_EQ(0, ip_is_corrupt(self->fd));
	expect_statuses(_metadata, self);
}

TEST_F(corrupt, error_precedence)
{
	struct iscsi_portal_add add;
	struct iscsi_portal_list l;
	struct iscsi_portal_info info;
	__u64 id;
	int rd;

	ASSERT_EQ(0, ip_mark_corrupt());
	rd = ip_open(O_RDONLY);
	ASSERT_LE(0, rd);

	/* ENOTTY, EBADF, EFAULT come first */
	EXPECT_EQ(-ENOTTY, ip_ioctl(self->fd, _IO(ISCSI_PORTAL_IOC_MAGIC, 0x1F), NULL));
	EXPECT_EQ(-EBADF, ip_add(rd, &self->addr_p, ISCSI_PORTAL_STATUS_ONLINE, &id));
	EXPECT_EQ(-EBADF, ip_set_status(rd, self->p, ISCSI_PORTAL_STATUS_OFFLINE));
	EXPECT_EQ(-EBADF, ip_ioctl(rd, ISCSI_PORTAL_IOC_REFRESH, NULL));
	EXPECT_EQ(-EFAULT, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_GET_INFO, NULL));
	EXPECT_EQ(-EFAULT, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_ADD, NULL));
	EXPECT_EQ(-EFAULT, ip_ioctl(rd, ISCSI_PORTAL_IOC_LIST, NULL));

	/* EINVAL / EOPNOTSUPP (the argument) before EUCLEAN */
	memset(&add, 0, sizeof(add));
	ip_unique_addr(&add.addr, AF_INET);
	add.flags = 1;
	EXPECT_EQ(-EINVAL, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_ADD, &add));
	add.flags = 0;
	add.addr.port = 0;
	EXPECT_EQ(-EINVAL, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_ADD, &add));
	EXPECT_EQ(-EINVAL, ip_add(self->fd, &self->addr_p, 3, &id));
	EXPECT_EQ(-EINVAL, ip_set_status(self->fd, self->p, 3));
	EXPECT_EQ(-EOPNOTSUPP, ip_set_status(self->fd, self->p, ISCSI_PORTAL_STATUS_FAILED));
	EXPECT_EQ(-EINVAL, ip_report_status(self->fd, self->p, 6));
	EXPECT_EQ(-EINVAL, ip_list(self->fd, 0, &info, 0, &l));

	/* EUCLEAN before ENOENT, EIDRM, EEXIST */
	EXPECT_EQ(-EUCLEAN, ip_get_info(self->fd, 0, &info));
	EXPECT_EQ(-EUCLEAN, ip_get_info(self->fd, ~(__u64)0, &info));
	EXPECT_EQ(-EUCLEAN, ip_get_info(self->fd, self->gone, &info));
	EXPECT_EQ(-EUCLEAN, ip_remove(self->fd, self->gone));
	EXPECT_EQ(-EUCLEAN, ip_set_status(self->fd, 0, ISCSI_PORTAL_STATUS_ONLINE));
	EXPECT_EQ(-EUCLEAN, ip_report_status(self->fd, self->gone, ISCSI_PORTAL_STATUS_ONLINE));
	EXPECT_EQ(-EUCLEAN, ip_add(self->fd, &self->addr_p, ISCSI_PORTAL_STATUS_ONLINE, &id));
	close(rd);
}

TEST_F(corrupt, refresh_needs_reenumerate)
{
	ASSERT_EQ(0, ip_mark_corrupt());
	EXPECT_EQ(-EUCLEAN, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REFRESH, NULL));
	EXPECT_EQ(1, ip_is_corrupt(self->fd));
	EXPECT_EQ(-EUCLEAN, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REFRESH, NULL));
	EXPECT_EQ(1, ip_is_corrupt(self->fd));

	/* REENUMERATE alone does not clear it either */
	ASSERT_EQ(0, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REENUMERATE, NULL));
	EXPECT_EQ(1, ip_is_corrupt(self->fd));
	EXPECT_EQ(-EUCLEAN, ip_get_status(self->fd, self->p, NULL, NULL));
	ASSERT_EQ(0, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REFRESH, NULL));
	EXPECT_EQ(0, ip_is_corrupt(self->fd));
	expect_knob(_metadata, "0\n");
}

TEST_F(corrupt, recovery_keeps_statuses)
{
	struct iscsi_portal_info info;
	__u64 id;

	ASSERT_EQ(0, ip_mark_corrupt());
	ASSERT_EQ(0, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REENUMERATE, NULL));
	ASSERT_EQ(0, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REFRESH, NULL));
	EXPECT_EQ(0, ip_is_corrupt(self->fd));
	expect_statuses(_metadata, self);

	/* every call works again */
	ASSERT_EQ(0, ip_get_info(self->fd, self->q, &info));
	EXPECT_EQ(0U, info.flags);
	EXPECT_EQ(0, ip_set_status(self->fd, self->p, ISCSI_PORTAL_STATUS_OFFLINE));
	EXPECT_EQ(0, ip_report_status(self->fd, self->r, ISCSI_PORTAL_STATUS_ONLINE));
	EXPECT_EQ(0, ip_add_unique(self->fd, AF_INET, ISCSI_PORTAL_STATUS_ONLINE, &id, NULL));
	EXPECT_EQ(0, ip_remove(self->fd, id));
	EXPECT_EQ(-EIDRM, ip_get_info(self->fd, self->gone, &info));
}

TEST_F(corrupt, stale_reenumerate_does_not_count)
{
	/* REENUMERATE, then a new mark: the REENUMERATE was before it */
	ASSERT_EQ(0, ip_mark_corrupt());
	ASSERT_EQ(0, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REENUMERATE, NULL));
	ASSERT_EQ(0, ip_mark_corrupt());
	EXPECT_EQ(-EUCLEAN, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REFRESH, NULL));
	EXPECT_EQ(1, ip_is_corrupt(self->fd));

	/* a REENUMERATE on a clean table does not count for a later mark */
	ASSERT_EQ(0, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REENUMERATE, NULL));
	ASSERT_EQ(0, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REFRESH, NULL));
	ASSERT_EQ(0, ip_is_corrupt(self->fd));
	ASSERT_EQ(0, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REENUMERATE, NULL));
	ASSERT_EQ(0, ip_mark_corrupt());
	EXPECT_EQ(-EUCLEAN, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REFRESH, NULL));
	EXPECT_EQ(1, ip_is_corrupt(self->fd));

	/* a REFRESH that clears the mark consumes the REENUMERATE */
	ASSERT_EQ(0, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REENUMERATE, NULL));
	ASSERT_EQ(0, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REFRESH, NULL));
	ASSERT_EQ(0, ip_is_corrupt(self->fd));
	ASSERT_EQ(0, ip_mark_corrupt());
	EXPECT_EQ(-EUCLEAN, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REFRESH, NULL));
	ASSERT_EQ(0, ip_recover(self->fd));
	expect_statuses(_metadata, self);
}

TEST_F(corrupt, clean_table_reenumerate_refresh)
{
	__u64 tg = ip_table_gen(self->fd);

	EXPECT_EQ(0, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REFRESH, NULL));
	EXPECT_EQ(0, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REENUMERATE, NULL));
	EXPECT_EQ(0, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REENUMERATE, NULL));
	EXPECT_EQ(0, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REFRESH, NULL));
	EXPECT_EQ(0, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REFRESH, NULL));
	EXPECT_EQ(0, ip_is_corrupt(self->fd));
	EXPECT_EQ(tg, ip_table_gen(self->fd)) TH_LOG("nothing changed, no generation bump");
	expect_statuses(_metadata, self);
}

/*
 * A SET already inside its window when the mark comes completes normally;
 * calls after the mark get EUCLEAN, ahead of EBUSY.
 */
TEST_F(corrupt, mark_during_held_set)
{
	struct iscsi_portal_info info;

	ASSERT_EQ(0, ip_knob_write_u32(IP_KNOB_SET_DELAY, IP_WINDOW_MS));
	memset(&self->arg, 0, sizeof(self->arg));
	self->arg.id = self->p;
	self->arg.status = ISCSI_PORTAL_STATUS_OFFLINE;
	ASSERT_EQ(0, ip_async_start(&self->a, self->fd, ISCSI_PORTAL_IOC_SET_STATUS,
				    &self->arg));
	ASSERT_EQ(0, ip_wait_busy(self->fd, self->p, &self->a));
	/* BUSY is set before the delay: wait until the SET sleeps in it. */
	ASSERT_EQ(0, ip_wait_held(&self->a));
	ASSERT_EQ(0, ip_mark_corrupt());
	/* No clock: the SET is still asleep in its window after the mark. */
	EXPECT_TRUE(ip_async_held(&self->a))
		TH_LOG("the mark came after the held SET left its window");

	EXPECT_EQ(-EUCLEAN, ip_report_status(self->fd, self->p, ISCSI_PORTAL_STATUS_FAILED))
		TH_LOG("EUCLEAN comes before EBUSY");
	EXPECT_EQ(-EUCLEAN, ip_set_status(self->fd, self->p, ISCSI_PORTAL_STATUS_ONLINE));
	EXPECT_EQ(-EUCLEAN, ip_remove(self->fd, self->p));
	EXPECT_EQ(-EUCLEAN, ip_get_info(self->fd, self->p, &info));
	/* REENUMERATE never fails with EUCLEAN, but a portal is busy */
	EXPECT_EQ(-EBUSY, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REENUMERATE, NULL));
	EXPECT_FALSE(ip_async_done(&self->a));

	EXPECT_EQ(0, ip_async_join(&self->a)) TH_LOG("the SET past its checks completes");
	ASSERT_EQ(0, ip_knob_write_u32(IP_KNOB_SET_DELAY, 0));
	EXPECT_EQ(1, ip_is_corrupt(self->fd));
	ASSERT_EQ(0, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REENUMERATE, NULL));
	ASSERT_EQ(0, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REFRESH, NULL));
	ASSERT_EQ(0, ip_get_info(self->fd, self->p, &info));
	EXPECT_EQ((__u32)ISCSI_PORTAL_STATUS_OFFLINE, info.status);
	EXPECT_EQ((__u64)1, info.generation);
	EXPECT_EQ(0U, info.flags);
}

/*
 * A table-wide call held by table_delay_ms while a new mark comes: a
 * REENUMERATE that started before the mark does not count for it, and a
 * REFRESH that passed its check completes normally but leaves the mark.
 */
TEST_F(corrupt, mark_during_held_reenumerate)
{
	ASSERT_EQ(0, ip_knob_write_u32(IP_KNOB_TABLE_DELAY, IP_WINDOW_MS));
	ASSERT_EQ(0, ip_start_table_call(&self->a, self->fd, ISCSI_PORTAL_IOC_REENUMERATE));
	ASSERT_EQ(0, ip_mark_corrupt());
	EXPECT_TRUE(ip_async_held(&self->a))
		TH_LOG("the mark came after the held REENUMERATE left its window");
	EXPECT_FALSE(ip_async_done(&self->a));
	EXPECT_EQ(0, ip_async_join(&self->a));
	ASSERT_EQ(0, ip_knob_write_u32(IP_KNOB_TABLE_DELAY, 0));
	EXPECT_EQ(1, ip_is_corrupt(self->fd));
	EXPECT_EQ(-EUCLEAN, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REFRESH, NULL))
		TH_LOG("the REENUMERATE started before the mark");
	EXPECT_EQ(1, ip_is_corrupt(self->fd));
	ASSERT_EQ(0, ip_recover(self->fd));
	EXPECT_EQ(0, ip_is_corrupt(self->fd));
	expect_statuses(_metadata, self);
}

TEST_F(corrupt, mark_during_held_refresh)
{
	ASSERT_EQ(0, ip_knob_write_u32(IP_KNOB_TABLE_DELAY, IP_WINDOW_MS));
	ASSERT_EQ(0, ip_start_table_call(&self->a, self->fd, ISCSI_PORTAL_IOC_REFRESH));
	ASSERT_EQ(0, ip_mark_corrupt());
	EXPECT_TRUE(ip_async_held(&self->a))
		TH_LOG("the mark came after the held REFRESH left its window");
	EXPECT_FALSE(ip_async_done(&self->a));
	EXPECT_EQ(0, ip_async_join(&self->a)) TH_LOG("a REFRESH past its checks completes");
	ASSERT_EQ(0, ip_knob_write_u32(IP_KNOB_TABLE_DELAY, 0));
	EXPECT_EQ(1, ip_is_corrupt(self->fd)) TH_LOG("a mark newer than the REFRESH stays");
	EXPECT_EQ(-EUCLEAN, ip_get_status(self->fd, self->p, NULL, NULL));
	ASSERT_EQ(0, ip_recover(self->fd));
	expect_statuses(_metadata, self);
}

TEST_HARNESS_MAIN
