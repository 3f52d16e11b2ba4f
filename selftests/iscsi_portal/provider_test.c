// SPDX-License-Identifier: GPL-2.0
/*
 * provider_test - the in-kernel provider API (CONTRACT section 8.1,
 * include/linux/iscsi_portal.h) through the test provider module,
 * test_provider/test_iscsi_portal_provider.ko, which this program loads
 * itself (ISCSI_PORTAL_TEST_KO, else /lib/iscsi_portal/) and drives
 * through its debugfs: its ops answer as told and count their calls, its
 * notifier logs every event.
 *
 * Ownership (EPERM, after the argument and id errors, before EBUSY), the
 * SET that calls set_status with its arguments (and the one that does
 * not), the busy window of a sleeping provider, DROP_SESSIONS,
 * REENUMERATE/REFRESH and their exemption, orphans and adoption, notifier
 * order = event order, GET_PROVIDER, and the module reference that keeps
 * iscsi_portal loaded (the last test: it unloads and reloads it).
 *
 * Every test begins from a freshly loaded provider (registered, answering
 * 0 at once); the fixture teardown removes the portals the test added and
 * unloads it, even after a failed ASSERT.
 */
#include "harness.h"

#include <sys/wait.h>

#define MAXP	16
#define MAXEV	256

FIXTURE(tp) {
	int fd;				/* a writer without a role */
	__u64 mine[MAXP];		/* the provider's portals */
	int nmine;
	__u64 plain[MAXP];		/* portals of no provider */
	int nplain;
	struct ip_async a;
	struct iscsi_portal_status_arg arg;
};

FIXTURE_SETUP(tp)
{
	int ret;

	memset(&self->a, 0, sizeof(self->a));
	self->nmine = self->nplain = 0;
	ASSERT_EQ(0, ip_restore_globals());
	if (!ip_tp_loaded()) {
		ret = ip_tp_load();
		ASSERT_EQ(0, ret)
			TH_LOG("cannot load the test provider %s: %s (built by "
			       "make selftests; set %s)", ip_tp_ko_path(),
			       strerror(-ret), IP_TP_KO_ENV);
	}
	ASSERT_EQ(0, ip_tp_reset());
	self->fd = ip_open(O_RDWR);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(tp)
{
	int i;

	ip_tp_write_int("set_sleep_ms", 0);
	ip_async_join(&self->a);
	EXPECT_EQ(0, ip_tp_reset());
	for (i = 0; i < self->nmine; i++)
		if (ip_tp_remove(self->mine[i]))
			ip_remove(self->fd, self->mine[i]);	/* an orphan */
	for (i = 0; i < self->nplain; i++)
		ip_remove(self->fd, self->plain[i]);
	close(self->fd);
	/* Each test loads it afresh; iscsi_portal is not held after the run. */
	EXPECT_EQ(0, ip_tp_unload());
}

/* A portal of the test provider with @status: its id. */
static __u64 tp_portal(struct __test_metadata *_metadata,
		       FIXTURE_DATA(tp) *self, __u32 status,
		       struct iscsi_portal_addr *addr)
{
	__u64 id = 0;

	EXPECT_EQ(0, ip_tp_add_unique(AF_INET, status, &id, addr));
	if (id && self->nmine < MAXP)
		self->mine[self->nmine++] = id;
	return id;
}

static __u64 plain_portal(struct __test_metadata *_metadata,
			  FIXTURE_DATA(tp) *self, __u32 status)
{
	__u64 id = 0;

	EXPECT_EQ(0, ip_add_unique(self->fd, AF_INET6, status, &id, NULL));
	if (id && self->nplain < MAXP)
		self->plain[self->nplain++] = id;
	return id;
}

/*
 * SET OFFLINE of the provider's portal @p started in another thread
 * (self->a), the provider told to sleep IP_WINDOW_MS in it: on return the
 * portal is BUSY.
 */
static void set_offline_in_window(struct __test_metadata *_metadata,
				  FIXTURE_DATA(tp) *self, __u64 p)
{
	ASSERT_EQ(0, ip_tp_write_int("set_sleep_ms", IP_WINDOW_MS));
	memset(&self->arg, 0, sizeof(self->arg));
	self->arg.id = p;
	self->arg.status = S_OFFLINE;
	ASSERT_EQ(0, ip_async_start(&self->a, self->fd,
				    ISCSI_PORTAL_IOC_SET_STATUS, &self->arg));
	ASSERT_EQ(0, ip_wait_busy(self->fd, p, &self->a));
}

/*
 * Wait until the SET of @a sleeps in the test provider (set_sleep_ms), or
 * returned; IP_HANG_MS is a guard against a hang, not a verdict.
 */
static int wait_in_provider(struct ip_async *a)
{
	uint64_t end = ip_now_ms() + IP_HANG_MS;

	while (!ip_task_in_delay(a->tid)) {
		if (ip_async_done(a))
			return -ESRCH;
		if (ip_now_ms() > end)
			return -ETIMEDOUT;
		usleep(200);
	}
	return 0;
}

static void info_of(struct __test_metadata *_metadata, int fd, __u64 id,
		    struct iscsi_portal_info *info)
{
	fill_cc(info, sizeof(*info));
	ASSERT_EQ(0, ip_get_info(fd, id, info));
}

/* The last SET the test provider was asked: @id from @old to @new, @flags. */
static void want_last_set(struct __test_metadata *_metadata, __u64 id,
			  __u32 old, __u32 new, __u32 flags)
{
	__u64 v[4];

	ASSERT_EQ(0, ip_tp_last_set(v));
	EXPECT_EQ(id, v[0]);
	EXPECT_EQ((__u64)old, v[1]);
	EXPECT_EQ((__u64)new, v[2]);
	EXPECT_EQ((__u64)flags, v[3]);
}

/*
 * Ownership: a provider's portal is REMOVEd and REPORTed by it alone.
 * Faults caught: ispt_may() without the provider check (REMOVE/REPORT 0),
 * the check ranked before the argument or id errors (EPERM for status 6,
 * flags 1 or a removed id), or after busyness (EBUSY in a SET's window).
 */
TEST_F(tp, ownership_eperm)
{
	struct iscsi_portal_status_arg st;
	struct iscsi_portal_info info;
	__u64 p, gone, tg;
	int up;

	p = tp_portal(_metadata, self, S_ONLINE, NULL);
	ASSERT_NE((__u64)0, p);
	info_of(_metadata, self->fd, p, &info);
	EXPECT_EQ((__u32)ISCSI_PORTAL_INFO_PROVIDER, info.flags);
	tg = ip_table_gen(self->fd);

	/* a plain writer */
	EXPECT_EQ(-EPERM, ip_remove(self->fd, p));
	EXPECT_EQ(-EPERM, ip_report_status(self->fd, p, S_FAILED));
	EXPECT_EQ(-EPERM, ip_report_status(self->fd, p, S_ONLINE))
		TH_LOG("even a REPORT of the status it has");
	/* argument errors first */
	EXPECT_EQ(-EINVAL, ip_report_status(self->fd, p, 6));
	memset(&st, 0, sizeof(st));
	st.id = p;
	st.status = S_ONLINE;
	st.flags = 1;
	EXPECT_EQ(-EINVAL, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REPORT_STATUS, &st));

	/* a userspace provider is not this provider either */
	up = ip_open(O_RDWR);
	ASSERT_LE(0, up);
	ASSERT_EQ(0, ip_attach(up, "other", 0));
	EXPECT_EQ(-EPERM, ip_remove(up, p));
	EXPECT_EQ(-EPERM, ip_report_status(up, p, S_FAILED));
	close(up);

	EXPECT_EQ(tg, ip_table_gen(self->fd)) TH_LOG("a refused call changed the table");
	info_of(_metadata, self->fd, p, &info);
	EXPECT_EQ((__u32)S_ONLINE, info.status);
	EXPECT_EQ((__u64)0, info.generation);

	/* the id errors first: a removed portal of the provider is EIDRM */
	gone = tp_portal(_metadata, self, S_ONLINE, NULL);
	ASSERT_EQ(0, ip_tp_remove(gone));
	self->nmine--;
	EXPECT_EQ(-EIDRM, ip_remove(self->fd, gone));
	EXPECT_EQ(-EIDRM, ip_report_status(self->fd, gone, S_ONLINE));
	EXPECT_EQ(-ENOENT, ip_remove(self->fd, ip_table_gen(self->fd) + (1ull << 40)));

	/* and EPERM before EBUSY: inside a SET's window */
	set_offline_in_window(_metadata, self, p);
	EXPECT_EQ(-EPERM, ip_remove(self->fd, p));
	EXPECT_EQ(-EPERM, ip_report_status(self->fd, p, S_FAILED));
	EXPECT_EQ(-EBUSY, ip_tp_report(p, S_FAILED))
		TH_LOG("the provider's own REPORT inside the SET's window");
	info_of(_metadata, self->fd, p, &info);
	EXPECT_TRUE(!!(info.flags & ISCSI_PORTAL_INFO_BUSY))
		TH_LOG("the SET left its window before the checks ended");
	EXPECT_EQ(0, ip_async_join(&self->a));
}

/*
 * Its own portals: the provider REPORTs any status and REMOVEs them.
 * Faults caught: the provider refused (EPERM) on its own portal.
 */
TEST_F(tp, provider_reports_and_removes_its_own)
{
	struct iscsi_portal_info info;
	__u64 p;

	p = tp_portal(_metadata, self, S_UNKNOWN, NULL);
	ASSERT_NE((__u64)0, p);
	EXPECT_EQ(0, ip_tp_report(p, S_NOT_READY));
	EXPECT_EQ(0, ip_tp_report(p, S_FAILED));
	info_of(_metadata, self->fd, p, &info);
	EXPECT_EQ((__u32)S_FAILED, info.status);
	EXPECT_EQ((__u64)2, info.generation);
	EXPECT_EQ(-EINVAL, ip_tp_report(p, 3));
	EXPECT_EQ(0, ip_tp_remove(p));
	self->nmine--;
	EXPECT_EQ(-EIDRM, ip_get_info(self->fd, p, &info));
	EXPECT_EQ(-EIDRM, ip_tp_remove(p));
}

/*
 * A SET to the status the portal has succeeds without asking the
 * provider: no call, no generation, no event.  Fault caught: set_status
 * called (calls.set grows) for a no-op.
 */
TEST_F(tp, same_status_set_does_not_call_it)
{
	struct iscsi_portal_event ev[4];
	struct iscsi_portal_info info;
	struct ip_tp_calls c0, c1;
	__u64 p, tg;
	int w;

	p = tp_portal(_metadata, self, S_ONLINE, NULL);
	ASSERT_NE((__u64)0, p);
	ASSERT_EQ(0, ip_tp_write_int("set_result", -EIO));
	w = ip_watcher();
	ASSERT_LE(0, w);
	ASSERT_EQ(0, ip_tp_calls(&c0));
	tg = ip_table_gen(self->fd);
	EXPECT_EQ(0, ip_set_status(self->fd, p, S_ONLINE))
		TH_LOG("the provider was asked (it answers EIO)");
	ASSERT_EQ(0, ip_tp_calls(&c1));
	EXPECT_EQ(c0.set, c1.set);
	EXPECT_EQ(tg, ip_table_gen(self->fd));
	info_of(_metadata, self->fd, p, &info);
	EXPECT_EQ((__u64)0, info.generation);
	EXPECT_EQ(0, ip_drain_events(w, ev, 4));
	close(w);
}

/*
 * set_status gets the portal, the old and new status and the flags; 0
 * commits.  Faults caught: a wrong or swapped argument (last_set), the
 * SET committed without asking (calls.set), or not committed.
 */
TEST_F(tp, set_status_gets_id_old_new_flags)
{
	struct iscsi_portal_info info;
	struct ip_tp_calls c0, c1;
	__u64 p;

	p = tp_portal(_metadata, self, S_ONLINE, NULL);
	ASSERT_NE((__u64)0, p);
	ASSERT_EQ(0, ip_tp_calls(&c0));
	EXPECT_EQ(0, ip_set_status(self->fd, p, S_OFFLINE));
	ASSERT_EQ(0, ip_tp_calls(&c1));
	EXPECT_EQ(c0.set + 1, c1.set);
	want_last_set(_metadata, p, S_ONLINE, S_OFFLINE, 0);
	info_of(_metadata, self->fd, p, &info);
	EXPECT_EQ((__u32)S_OFFLINE, info.status);
	EXPECT_EQ((__u64)1, info.generation);
	EXPECT_EQ((__u32)ISCSI_PORTAL_INFO_PROVIDER, info.flags);

	/* from a status only a provider reports */
	ASSERT_EQ(0, ip_tp_report(p, S_NOT_READY));
	EXPECT_EQ(0, ip_set_status(self->fd, p, S_ONLINE));
	want_last_set(_metadata, p, S_NOT_READY, S_ONLINE, 0);
}

/*
 * The provider's errno is the SET's, and the status stays: no generation,
 * no event.  Faults caught: the error dropped (SET 0), the new status
 * committed anyway, or an event queued for it.
 */
TEST_F(tp, set_status_error_is_the_sets)
{
	static const int errs[] = { -EIO, -EADDRINUSE, -ENETDOWN, -4095 };
	struct iscsi_portal_event ev[4];
	struct iscsi_portal_info info;
	struct ip_tp_calls c0, c1;
	__u64 p, tg;
	size_t i;
	int w;

	p = tp_portal(_metadata, self, S_ONLINE, NULL);
	ASSERT_NE((__u64)0, p);
	w = ip_watcher();
	ASSERT_LE(0, w);
	for (i = 0; i < IP_ARRAY_SIZE(errs); i++) {
		ASSERT_EQ(0, ip_tp_write_int("set_result", errs[i]));
		ASSERT_EQ(0, ip_tp_calls(&c0));
		tg = ip_table_gen(self->fd);
		EXPECT_EQ(errs[i], ip_set_status(self->fd, p, S_OFFLINE));
		ASSERT_EQ(0, ip_tp_calls(&c1));
		EXPECT_EQ(c0.set + 1, c1.set);
		EXPECT_EQ(tg, ip_table_gen(self->fd));
		info_of(_metadata, self->fd, p, &info);
		EXPECT_EQ((__u32)S_ONLINE, info.status);
		EXPECT_EQ((__u64)0, info.generation);
		EXPECT_EQ((__u32)ISCSI_PORTAL_INFO_PROVIDER, info.flags)
			TH_LOG("not busy after the failed SET");
	}
	EXPECT_EQ(0, ip_drain_events(w, ev, 4));
	/* and the next answer 0 commits */
	ASSERT_EQ(0, ip_tp_write_int("set_result", 0));
	EXPECT_EQ(0, ip_set_status(self->fd, p, S_OFFLINE));
	EXPECT_EQ(1, ip_drain_events(w, ev, 4));
	EXPECT_EQ((__u32)T_MODIFY, ev[0].type);
	close(w);
}

/*
 * DROP_SESSIONS reaches the provider with OFFLINE; it is EINVAL with
 * ONLINE (before the provider is asked) and EOPNOTSUPP on a portal of no
 * provider.  Faults caught: the flag lost (last_set flags 0), the ONLINE
 * check missing or after the call, EOPNOTSUPP not checked.
 */
TEST_F(tp, drop_sessions)
{
	struct iscsi_portal_info info;
	struct ip_tp_calls c0, c1;
	__u64 p, q;

	p = tp_portal(_metadata, self, S_ONLINE, NULL);
	q = plain_portal(_metadata, self, S_ONLINE);
	ASSERT_NE((__u64)0, p);
	ASSERT_NE((__u64)0, q);
	EXPECT_EQ(0, ip_set_status_flags(self->fd, p, S_OFFLINE,
					 ISCSI_PORTAL_SET_DROP_SESSIONS));
	want_last_set(_metadata, p, S_ONLINE, S_OFFLINE,
		      ISCSI_PORTAL_SET_DROP_SESSIONS);
	info_of(_metadata, self->fd, p, &info);
	EXPECT_EQ((__u32)S_OFFLINE, info.status);

	ASSERT_EQ(0, ip_tp_calls(&c0));
	EXPECT_EQ(-EINVAL, ip_set_status_flags(self->fd, p, S_ONLINE,
					       ISCSI_PORTAL_SET_DROP_SESSIONS));
	EXPECT_EQ(-EINVAL, ip_set_status_flags(self->fd, p, S_OFFLINE, 2));
	ASSERT_EQ(0, ip_tp_calls(&c1));
	EXPECT_EQ(c0.set, c1.set);
	info_of(_metadata, self->fd, p, &info);
	EXPECT_EQ((__u32)S_OFFLINE, info.status);

	EXPECT_EQ(-EOPNOTSUPP, ip_set_status_flags(self->fd, q, S_OFFLINE,
						   ISCSI_PORTAL_SET_DROP_SESSIONS));
	info_of(_metadata, self->fd, q, &info);
	EXPECT_EQ((__u32)S_ONLINE, info.status);
	EXPECT_EQ(0, ip_set_status(self->fd, q, S_OFFLINE));
}

/*
 * The busy window of a provider that sleeps in set_status: a second SET
 * is EBUSY at once, readers see the old status with BUSY and do not wait.
 * "At once" is not timed: after the calls, the holder is seen still in
 * the provider's sleep (its portal BUSY, the SET not returned, its thread
 * asleep in msleep()).  Faults caught: a lock held across the provider
 * call (readers or the second SET block: the holder is seen out of its
 * window), the busy mark dropped before the call (second SET 0), a
 * refused SET reaching the provider (set calls not exactly one more).
 */
TEST_F(tp, busy_window_of_a_sleeping_provider)
{
	struct iscsi_portal_provider_info pi;
	struct iscsi_portal_info info, page[1];
	struct iscsi_portal_list l;
	struct ip_tp_calls c0, c;
	__u32 status, flags;
	__u64 p, q;

	p = tp_portal(_metadata, self, S_ONLINE, NULL);
	q = tp_portal(_metadata, self, S_ONLINE, NULL);
	ASSERT_NE((__u64)0, p);
	ASSERT_EQ(0, ip_tp_calls(&c0));
	set_offline_in_window(_metadata, self, p);
	ASSERT_EQ(0, wait_in_provider(&self->a)) TH_LOG("the SET never slept in the provider");

	EXPECT_EQ(-EBUSY, ip_set_status(self->fd, p, S_ONLINE));
	EXPECT_EQ(-EBUSY, ip_set_status(self->fd, p, S_OFFLINE));
	EXPECT_EQ(-EBUSY, ip_tp_report(p, S_FAILED));
	EXPECT_EQ(-EBUSY, ip_tp_remove(p));
	EXPECT_EQ(0, ip_get_status(self->fd, p, &status, &flags));
	EXPECT_EQ((__u32)S_ONLINE, status);
	EXPECT_EQ((__u32)(ISCSI_PORTAL_INFO_BUSY | ISCSI_PORTAL_INFO_PROVIDER), flags);
	info_of(_metadata, self->fd, p, &info);
	EXPECT_EQ((__u32)S_ONLINE, info.status);
	EXPECT_EQ((__u64)0, info.generation);
	ASSERT_EQ(0, ip_list(self->fd, p, page, 1, &l));
	ASSERT_EQ(1U, l.count) TH_LOG("LIST from the held portal gave an empty page");
	EXPECT_EQ(p, page[0].id);
	EXPECT_TRUE(!!(page[0].flags & ISCSI_PORTAL_INFO_BUSY));
	EXPECT_EQ(0, ip_get_provider(self->fd, p, &pi));
	EXPECT_STREQ(IP_TP_NAME, pi.name);
	/* another portal of the same provider is not held up */
	EXPECT_EQ(0, ip_tp_report(q, S_NOT_READY));

	/* all that happened inside the window */
	EXPECT_TRUE(ip_task_in_delay(self->a.tid))
		TH_LOG("the holder is no longer asleep in the provider "
		       "(window %d ms): a call above waited for it", IP_WINDOW_MS);
	info_of(_metadata, self->fd, p, &info);
	EXPECT_TRUE(!!(info.flags & ISCSI_PORTAL_INFO_BUSY));
	EXPECT_FALSE(ip_async_done(&self->a));

	EXPECT_EQ(0, ip_async_join(&self->a));
	/* the held SET reached the provider once; the EBUSY ones never */
	ASSERT_EQ(0, ip_tp_calls(&c));
	EXPECT_EQ(c0.set + 1, c.set);
	want_last_set(_metadata, p, S_ONLINE, S_OFFLINE, 0);
	info_of(_metadata, self->fd, p, &info);
	EXPECT_EQ((__u32)S_OFFLINE, info.status);
	EXPECT_EQ((__u32)ISCSI_PORTAL_INFO_PROVIDER, info.flags);
	EXPECT_EQ((__u64)1, info.generation);
}

/*
 * REENUMERATE and REFRESH call the provider's ops; their error fails the
 * call.  Faults caught: an op not called, its error dropped, the wrong op
 * called for the command.
 */
TEST_F(tp, reenumerate_and_refresh_reach_it)
{
	struct ip_tp_calls c0, c1;

	ASSERT_EQ(0, ip_tp_calls(&c0));
	EXPECT_EQ(0, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REENUMERATE, NULL));
	ASSERT_EQ(0, ip_tp_calls(&c1));
	EXPECT_EQ(c0.reenumerate + 1, c1.reenumerate);
	EXPECT_EQ(c0.refresh, c1.refresh);
	EXPECT_EQ(0, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REFRESH, NULL));
	ASSERT_EQ(0, ip_tp_calls(&c0));
	EXPECT_EQ(c1.refresh + 1, c0.refresh);
	EXPECT_EQ(c1.reenumerate, c0.reenumerate);
	EXPECT_EQ(c1.set, c0.set);

	ASSERT_EQ(0, ip_tp_write_int("reenum_result", -EHOSTDOWN));
	EXPECT_EQ(-EHOSTDOWN, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REENUMERATE, NULL));
	ASSERT_EQ(0, ip_tp_write_int("refresh_result", -ENODEV));
	EXPECT_EQ(-ENODEV, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REFRESH, NULL));
	ASSERT_EQ(0, ip_tp_write_int("reenum_result", 0));
	EXPECT_EQ(0, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REENUMERATE, NULL));
	ASSERT_EQ(0, ip_tp_calls(&c1));
	EXPECT_EQ(c0.reenumerate + 2, c1.reenumerate);
	EXPECT_EQ(c0.refresh + 1, c1.refresh);
	/* a failed REENUMERATE leaves no table-wide mark behind */
	EXPECT_EQ(0, ip_report_status(self->fd, plain_portal(_metadata, self, S_ONLINE),
				      S_FAILED));
}

/*
 * Inside its own REENUMERATE the provider's ADD, REPORT and REMOVE are not
 * EBUSY (the table-wide mark exempts the provider being asked).  Fault
 * caught: the exemption missing (each is EBUSY), or given to everyone.
 */
TEST_F(tp, its_calls_inside_its_reenumerate)
{
	struct iscsi_portal_addr a;
	struct iscsi_portal_info info;
	char cmd[128], host[INET6_ADDRSTRLEN], buf[64], want[64];
	__u64 p, id = 0;

	p = tp_portal(_metadata, self, S_ONLINE, NULL);
	ASSERT_NE((__u64)0, p);

	snprintf(cmd, sizeof(cmd), "report %llu %u", (unsigned long long)p, (unsigned int)S_NOT_READY);
	ASSERT_EQ(0, ip_tp_write("reenum_cmd", cmd));
	EXPECT_EQ(0, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REENUMERATE, NULL));
	ASSERT_LE(0, ip_tp_read("cmd", buf, sizeof(buf)));
	EXPECT_STREQ("0\n", buf) TH_LOG("the REPORT inside REENUMERATE");
	info_of(_metadata, self->fd, p, &info);
	EXPECT_EQ((__u32)S_NOT_READY, info.status)
		TH_LOG("the provider's REPORT inside its REENUMERATE did not commit");

	ip_unique_addr(&a, AF_INET);
	ASSERT_NE(NULL, inet_ntop(AF_INET, a.addr, host, sizeof(host)));
	snprintf(cmd, sizeof(cmd), "add %s %u %u", host, a.port, (unsigned int)S_ONLINE);
	ASSERT_EQ(0, ip_tp_write("reenum_cmd", cmd));
	EXPECT_EQ(0, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REENUMERATE, NULL));
	ASSERT_EQ(0, ip_find_addr(self->fd, &a, &id))
		TH_LOG("the provider's ADD inside its REENUMERATE did not happen");
	self->mine[self->nmine++] = id;
	/* the reenumerate's command left its result in cmd */
	ASSERT_LE(0, ip_tp_read("cmd", buf, sizeof(buf)));
	snprintf(want, sizeof(want), "0 %llu\n", (unsigned long long)id);
	EXPECT_STREQ(want, buf);

	snprintf(cmd, sizeof(cmd), "remove %llu", (unsigned long long)id);
	ASSERT_EQ(0, ip_tp_write("reenum_cmd", cmd));
	EXPECT_EQ(0, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REFRESH, NULL));
	/* REFRESH does not run the command: only reenumerate does */
	EXPECT_EQ(0, ip_get_info(self->fd, id, &info));
	EXPECT_EQ(0, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REENUMERATE, NULL));
	EXPECT_EQ(-EIDRM, ip_get_info(self->fd, id, &info))
		TH_LOG("the provider's REMOVE inside its REENUMERATE did not happen");
	self->nmine--;
}

/*
 * Unregistering orphans the provider's portals: status UNKNOWN, a MODIFY
 * each (also from UNKNOWN), ORPHAN instead of PROVIDER, SET and REPORT
 * ENXIO, GET_PROVIDER without a name.  Faults caught: no MODIFY (or none
 * for an UNKNOWN portal), the status kept, the flags not changed, SET
 * still calling the gone provider, REPORT allowed.
 */
TEST_F(tp, unregister_orphans)
{
	struct iscsi_portal_provider_info pi;
	struct iscsi_portal_event ev[8];
	struct iscsi_portal_info info;
	__u64 p, q, tg;
	int w, n, i;

	p = tp_portal(_metadata, self, S_ONLINE, NULL);
	q = tp_portal(_metadata, self, S_UNKNOWN, NULL);
	ASSERT_NE((__u64)0, q);
	ASSERT_EQ(0, ip_tp_report(p, S_FAILED));
	w = ip_watcher();
	ASSERT_LE(0, w);
	tg = ip_table_gen(self->fd);
	ASSERT_EQ(0, ip_tp_cmd("unregister", NULL));

	n = ip_drain_events(w, ev, 8);
	ASSERT_EQ(2, n);
	for (i = 0; i < n; i++) {
		EXPECT_EQ((__u32)T_MODIFY, ev[i].type);
		EXPECT_EQ(tg + 1 + i, ev[i].seq);
		EXPECT_EQ((__u32)S_UNKNOWN, ev[i].new_status);
	}
	EXPECT_EQ(p, ev[0].id);
	EXPECT_EQ((__u32)S_FAILED, ev[0].old_status);
	EXPECT_EQ(q, ev[1].id);
	EXPECT_EQ((__u32)S_UNKNOWN, ev[1].old_status);
	EXPECT_EQ(tg + 2, ip_table_gen(self->fd));

	info_of(_metadata, self->fd, p, &info);
	EXPECT_EQ((__u32)S_UNKNOWN, info.status);
	EXPECT_EQ((__u32)ISCSI_PORTAL_INFO_ORPHAN, info.flags);
	EXPECT_EQ((__u64)2, info.generation);
	info_of(_metadata, self->fd, q, &info);
	EXPECT_EQ((__u32)ISCSI_PORTAL_INFO_ORPHAN, info.flags);
	EXPECT_EQ((__u64)1, info.generation);

	EXPECT_EQ(-ENXIO, ip_set_status(self->fd, p, S_ONLINE));
	EXPECT_EQ(-ENXIO, ip_set_status(self->fd, p, S_OFFLINE));
	EXPECT_EQ(-ENXIO, ip_set_status(self->fd, q, S_ONLINE))
		TH_LOG("an orphan's SET to another status");
	EXPECT_EQ(-ENXIO, ip_report_status(self->fd, p, S_ONLINE));
	EXPECT_EQ(-EINVAL, ip_set_status(self->fd, p, 3)) TH_LOG("argument first");
	EXPECT_EQ(0, ip_get_provider(self->fd, p, &pi));
	EXPECT_EQ((__u32)ISCSI_PORTAL_INFO_ORPHAN, pi.flags);
	EXPECT_EQ(0U, pi.reserved);
	for (i = 0; i < ISCSI_PORTAL_PROVIDER_NAME_LEN; i++)
		EXPECT_EQ(0, pi.name[i]);
	EXPECT_EQ(tg + 2, ip_table_gen(self->fd));
	EXPECT_EQ(0, ip_drain_events(w, ev, 8));
	close(w);
}

/*
 * Any writer may REMOVE an orphan: a plain fd, a userspace provider.
 * Fault caught: the ownership check kept for orphans (EPERM).
 */
TEST_F(tp, any_writer_removes_an_orphan)
{
	struct iscsi_portal_info info;
	__u64 p, q;
	int up;

	p = tp_portal(_metadata, self, S_ONLINE, NULL);
	q = tp_portal(_metadata, self, S_ONLINE, NULL);
	ASSERT_NE((__u64)0, q);
	ASSERT_EQ(0, ip_tp_cmd("unregister", NULL));
	EXPECT_EQ(0, ip_remove(self->fd, p));
	up = ip_open(O_RDWR);
	ASSERT_LE(0, up);
	ASSERT_EQ(0, ip_attach(up, "remover", 0));
	EXPECT_EQ(0, ip_remove(up, q));
	close(up);
	EXPECT_EQ(-EIDRM, ip_get_info(self->fd, p, &info));
	EXPECT_EQ(-EIDRM, ip_get_info(self->fd, q, &info));
	self->nmine = 0;
}

/*
 * A provider that adds an orphan's address adopts it: the same id, no
 * ARRIVE, a MODIFY only if the status differs, PROVIDER again, SET works.
 * A plain ADD of that address is EEXIST.  Faults caught: a new id (or a
 * second portal of that address), an ARRIVE, a MODIFY for the same
 * status, the ORPHAN flag kept.
 */
TEST_F(tp, adoption_keeps_the_id)
{
	struct iscsi_portal_addr a, b;
	struct iscsi_portal_event ev[8];
	struct iscsi_portal_info info;
	__u64 p, q, id, cnt, tg;
	int w;

	p = tp_portal(_metadata, self, S_ONLINE, &a);
	q = tp_portal(_metadata, self, S_OFFLINE, &b);
	ASSERT_NE((__u64)0, q);
	ASSERT_EQ(0, ip_tp_cmd("unregister", NULL));
	EXPECT_EQ(-EEXIST, ip_add(self->fd, &a, S_ONLINE, &id))
		TH_LOG("a plain ADD of an orphan's address");
	ASSERT_EQ(0, ip_tp_cmd("register", NULL));

	w = ip_watcher();
	ASSERT_LE(0, w);
	cnt = ip_portal_count(self->fd);
	tg = ip_table_gen(self->fd);
	id = 0;
	EXPECT_EQ(0, ip_tp_add(&a, S_ONLINE, &id));
	EXPECT_EQ(p, id);
	ASSERT_EQ(1, ip_drain_events(w, ev, 8));
	EXPECT_EQ((__u32)T_MODIFY, ev[0].type);
	EXPECT_EQ(p, ev[0].id);
	EXPECT_EQ((__u32)S_UNKNOWN, ev[0].old_status);
	EXPECT_EQ((__u32)S_ONLINE, ev[0].new_status);
	EXPECT_EQ(tg + 1, ev[0].seq);

	/* the same status: nothing at all */
	id = 0;
	EXPECT_EQ(0, ip_tp_add(&b, S_UNKNOWN, &id));
	EXPECT_EQ(q, id);
	EXPECT_EQ(0, ip_drain_events(w, ev, 8));
	EXPECT_EQ(tg + 1, ip_table_gen(self->fd));
	EXPECT_EQ(cnt, ip_portal_count(self->fd));

	info_of(_metadata, self->fd, p, &info);
	EXPECT_EQ((__u32)S_ONLINE, info.status);
	EXPECT_EQ((__u32)ISCSI_PORTAL_INFO_PROVIDER, info.flags);
	EXPECT_EQ(0, memcmp(&a, &info.addr, sizeof(a)));
	info_of(_metadata, self->fd, q, &info);
	EXPECT_EQ((__u32)S_UNKNOWN, info.status);
	EXPECT_EQ((__u32)ISCSI_PORTAL_INFO_PROVIDER, info.flags);

	/* it is the provider's again: SET asks it, a plain REMOVE is EPERM */
	EXPECT_EQ(0, ip_set_status(self->fd, p, S_OFFLINE));
	EXPECT_EQ(-EPERM, ip_remove(self->fd, p));
	/* an adoption of a live portal's address is EEXIST */
	EXPECT_EQ(-EEXIST, ip_tp_add(&a, S_ONLINE, &id));
	close(w);
}

/*
 * The notifier sees every change in commit order, as a watcher reads it:
 * same records, same order, consecutive seqs.  Faults caught: a path that
 * posts no notifier event (orphaning, adoption, a provider's REPORT) or
 * calls it outside the commit (out of order).
 */
TEST_F(tp, notifier_order_is_event_order)
{
	struct iscsi_portal_event *ev, *nv;
	struct iscsi_portal_addr a;
	size_t nn = 0;
	__u64 p, q, r, id;
	int w, n, i;

	ev = calloc(MAXEV, sizeof(*ev));
	nv = calloc(MAXEV, sizeof(*nv));
	ASSERT_NE(NULL, ev);
	ASSERT_NE(NULL, nv);
	w = ip_watcher();
	ASSERT_LE(0, w);
	ASSERT_EQ(0, ip_tp_write("events", "\n"));

	p = tp_portal(_metadata, self, S_ONLINE, &a);
	q = plain_portal(_metadata, self, S_OFFLINE);
	ASSERT_NE((__u64)0, p);
	ASSERT_NE((__u64)0, q);
	EXPECT_EQ(0, ip_set_status(self->fd, p, S_OFFLINE));
	EXPECT_EQ(0, ip_set_status(self->fd, q, S_ONLINE));
	EXPECT_EQ(0, ip_tp_report(p, S_FAILED));
	EXPECT_EQ(0, ip_report_status(self->fd, q, S_NOT_READY));
	r = tp_portal(_metadata, self, S_UNKNOWN, NULL);
	ASSERT_NE((__u64)0, r);
	ASSERT_EQ(0, ip_tp_write_int("set_result", -EIO));
	EXPECT_EQ(-EIO, ip_set_status(self->fd, r, S_ONLINE));
	ASSERT_EQ(0, ip_tp_write_int("set_result", 0));
	EXPECT_EQ(0, ip_tp_cmd("unregister", NULL));
	EXPECT_EQ(0, ip_tp_cmd("register", NULL));
	EXPECT_EQ(0, ip_tp_add(&a, S_ONLINE, &id));
	EXPECT_EQ(p, id);
	EXPECT_EQ(0, ip_remove(self->fd, q));
	self->nplain = 0;
	EXPECT_EQ(0, ip_remove(self->fd, r)) TH_LOG("r is still an orphan");

	n = ip_drain_events(w, ev, MAXEV);
	ASSERT_EQ(0, ip_tp_events(nv, MAXEV, &nn));
	/* ARRIVE p, q; 4 MODIFY; ARRIVE r; 2 orphans; adoption; 2 DEPART */
	EXPECT_EQ(12, n);
	ASSERT_EQ((size_t)n, nn) TH_LOG("the notifier saw %zu changes, the watcher %d",
					nn, n);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(ev[i].seq, nv[i].seq) TH_LOG("record %d", i);
		EXPECT_EQ(ev[i].id, nv[i].id) TH_LOG("record %d", i);
		EXPECT_EQ(ev[i].type, nv[i].type) TH_LOG("record %d", i);
		EXPECT_EQ(ev[i].old_status, nv[i].old_status) TH_LOG("record %d", i);
		EXPECT_EQ(ev[i].new_status, nv[i].new_status) TH_LOG("record %d", i);
		if (i)
			EXPECT_EQ(ev[i - 1].seq + 1, ev[i].seq) TH_LOG("record %d", i);
	}
	close(w);
	free(ev);
	free(nv);
}

/*
 * GET_PROVIDER: flags without BUSY, the name NUL-padded, reserved zero,
 * ENOENT/EIDRM; a reader (O_RDONLY) may ask.  0xcc-filled output: a field
 * the module does not write shows.  Faults caught: name or reserved not
 * cleared, BUSY leaking into flags, the wrong errno.
 */
TEST_F(tp, get_provider)
{
	struct iscsi_portal_provider_info pi;
	__u64 p, q, gone;
	size_t i;
	int ro;

	p = tp_portal(_metadata, self, S_ONLINE, NULL);
	q = plain_portal(_metadata, self, S_ONLINE);
	ASSERT_NE((__u64)0, q);
	ro = ip_open(O_RDONLY);
	ASSERT_LE(0, ro);

	ASSERT_EQ(0, ip_get_provider(ro, p, &pi));
	EXPECT_EQ(p, pi.id);
	EXPECT_EQ((__u32)ISCSI_PORTAL_INFO_PROVIDER, pi.flags);
	EXPECT_EQ(0U, pi.reserved);
	EXPECT_STREQ(IP_TP_NAME, pi.name);
	for (i = strlen(IP_TP_NAME); i < sizeof(pi.name); i++)
		EXPECT_EQ(0, pi.name[i]) TH_LOG("name byte %zu", i);

	ASSERT_EQ(0, ip_get_provider(ro, q, &pi));
	EXPECT_EQ(q, pi.id);
	EXPECT_EQ(0U, pi.flags);
	EXPECT_EQ(0U, pi.reserved);
	for (i = 0; i < sizeof(pi.name); i++)
		EXPECT_EQ(0, pi.name[i]) TH_LOG("name byte %zu", i);

	/* BUSY is not a provider flag */
	set_offline_in_window(_metadata, self, p);
	ASSERT_EQ(0, wait_in_provider(&self->a));
	ASSERT_EQ(0, ip_get_provider(ro, p, &pi));
	EXPECT_EQ((__u32)ISCSI_PORTAL_INFO_PROVIDER, pi.flags);
	EXPECT_TRUE(ip_task_in_delay(self->a.tid)) TH_LOG("the window ended before the check");
	EXPECT_EQ(0, ip_async_join(&self->a));

	gone = tp_portal(_metadata, self, S_ONLINE, NULL);
	ASSERT_EQ(0, ip_tp_remove(gone));
	self->nmine--;
	EXPECT_EQ(-EIDRM, ip_get_provider(ro, gone, &pi));
	EXPECT_EQ(-ENOENT, ip_get_provider(ro, 0, &pi));
	EXPECT_EQ(-ENOENT, ip_get_provider(ro, gone + (1ull << 40), &pi));
	close(ro);
}

/*
 * The test provider depends on iscsi_portal by its symbols: while it is
 * loaded, iscsi_portal's refcnt is one higher and delete_module() refuses
 * (EWOULDBLOCK, "in use"), the table intact; once it is gone, iscsi_portal
 * unloads cleanly (and is loaded again).  Faults caught: symbols not
 * exported through the namespace (the load fails), an unload that
 * succeeds under a provider (a use-after-free when it unregisters).
 * Runs last: it reloads iscsi_portal.
 */
TEST_F(tp, zz_module_refcount)
{
	struct iscsi_portal_info info;
	long before, during, after;
	__u64 p;
	int ret;

	p = tp_portal(_metadata, self, S_ONLINE, NULL);
	ASSERT_NE((__u64)0, p);
	close(self->fd);
	self->fd = -1;
	self->nmine = 0;

	ASSERT_EQ(0, ip_module_refcnt(IP_MODULE_NAME, &during));
	ASSERT_EQ(0, ip_tp_unload());
	ASSERT_FALSE(ip_tp_loaded());
	ASSERT_EQ(0, ip_module_refcnt(IP_MODULE_NAME, &before));
	EXPECT_EQ(before + 1, during) TH_LOG("the provider module holds no reference");

	ASSERT_EQ(0, ip_tp_load());
	ASSERT_EQ(0, ip_module_refcnt(IP_MODULE_NAME, &during));
	EXPECT_EQ(before + 1, during);
	ret = ip_delete_module(O_NONBLOCK);
	EXPECT_TRUE(ret == -EWOULDBLOCK || ret == -EBUSY)
		TH_LOG("delete_module(iscsi_portal) with a provider loaded: %s",
		       strerror(-ret));
	ASSERT_TRUE(ip_module_loaded());
	self->fd = ip_open(O_RDWR);
	ASSERT_LE(0, self->fd);
	/* the orphan of the first load is still there */
	EXPECT_EQ(0, ip_get_info(self->fd, p, &info));
	EXPECT_EQ((__u32)ISCSI_PORTAL_INFO_ORPHAN, info.flags);
	close(self->fd);
	self->fd = -1;

	ASSERT_EQ(0, ip_tp_unload());
	ASSERT_EQ(0, ip_module_refcnt(IP_MODULE_NAME, &after));
	EXPECT_EQ(before, after);
	EXPECT_EQ(0, ip_module_reload(""));
	ASSERT_TRUE(ip_module_loaded());
	ASSERT_EQ(0, ip_tp_load());	/* for the teardown */
	self->fd = ip_open(O_RDWR);
	ASSERT_LE(0, self->fd);
}

TEST_HARNESS_MAIN
