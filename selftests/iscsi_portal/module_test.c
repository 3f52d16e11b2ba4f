// SPDX-License-Identifier: GPL-2.0
/*
 * module_test - module lifetime and parameters (CONTRACT section 4):
 * unload refused while an fd is open, max_portals / event_queue_len /
 * max_watchers / provider_timeout_ms ranges, ENOSPC at max_portals and at
 * max_watchers, provider_timeout_ms as a userspace provider's default
 * timeout, a fresh table after reload.  The test provider module, which
 * would keep iscsi_portal loaded, is unloaded first.
 *
 * The module file is $ISCSI_PORTAL_KO (default /lib/iscsi_portal/
 * iscsi_portal.ko), loaded with finit_module() and removed with
 * delete_module().  Every test closes its fds before reloading, and the
 * fixture teardown always leaves the module loaded with default
 * parameters, even when an ASSERT failed, so later tests and binaries work.
 */
#include "harness.h"

#define NW	8	/* fds of the max_watchers tests */

FIXTURE(module) {
	int fd;
	int w[NW];
};

FIXTURE_SETUP(module)
{
	int i;

	self->fd = -1;
	for (i = 0; i < NW; i++)
		self->w[i] = -1;
	if (ip_tp_loaded())
		ASSERT_EQ(0, ip_tp_unload());
	ASSERT_EQ(0, ip_module_ensure_default())
		TH_LOG("cannot (re)load %s", ip_ko_path());
	ASSERT_TRUE(ip_module_loaded());
}

FIXTURE_TEARDOWN(module)
{
	int i;

	for (i = 0; i < NW; i++)
		if (self->w[i] >= 0)
			close(self->w[i]);
	if (self->fd >= 0)
		close(self->fd);
	self->fd = -1;
	EXPECT_EQ(0, ip_module_ensure_default())
		TH_LOG("could not reload the module with default parameters");
	EXPECT_TRUE(ip_module_loaded());
}

/* Reload with @params; then a fresh, empty, clean table. */
static void reload(struct __test_metadata *_metadata,
		   FIXTURE_DATA(module) *self, const char *params)
{
	struct iscsi_portal_version v;

	if (self->fd >= 0)
		close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, ip_module_reload(params)) TH_LOG("load with \"%s\"", params);
	self->fd = ip_open(O_RDWR);
	ASSERT_LE(0, self->fd);
	fill_cc(&v, sizeof(v));
	ASSERT_EQ(0, ip_version(self->fd, &v));
	EXPECT_EQ((__u64)0, v.portal_count) TH_LOG("a reloaded module starts empty");
	EXPECT_EQ(0U, v.flags);
}

static void expect_param(struct __test_metadata *_metadata, const char *name,
			 uint64_t want)
{
	uint64_t val = ~0ull;

	ASSERT_EQ(0, ip_param_read(name, &val)) TH_LOG("parameter %s", name);
	EXPECT_EQ(want, val) TH_LOG("parameter %s", name);
}

TEST_F(module, unload_refused_while_fd_open)
{
	struct iscsi_portal_version v;
	int rd;

	self->fd = ip_open(O_RDWR);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(-EAGAIN, ip_delete_module(O_NONBLOCK));
	EXPECT_TRUE(ip_module_loaded());
	EXPECT_EQ(0, ip_version(self->fd, &v));
	close(self->fd);
	self->fd = -1;

	/* a reader fd holds it as well */
	rd = ip_open(O_RDONLY);
	ASSERT_LE(0, rd);
	EXPECT_EQ(-EWOULDBLOCK, ip_delete_module(O_NONBLOCK));
	EXPECT_TRUE(ip_module_loaded());
	EXPECT_EQ(0, ip_version(rd, &v));
	close(rd);

	/* with every fd closed, unload works */
	EXPECT_EQ(0, ip_module_unload());
	EXPECT_FALSE(ip_module_loaded());
	EXPECT_EQ(0, ip_module_load(""));
}

TEST_F(module, default_parameters)
{
	expect_param(_metadata, "max_portals", IP_DEFAULT_MAX_PORTALS);
	expect_param(_metadata, "event_queue_len", IP_DEFAULT_EVENT_QUEUE_LEN);
	expect_param(_metadata, "max_watchers", IP_DEFAULT_MAX_WATCHERS);
	expect_param(_metadata, "provider_timeout_ms", IP_DEFAULT_PROVIDER_TIMEOUT_MS);
}

TEST_F(module, out_of_range_parameters_einval)
{
	static const char *const bad[] = {
		"max_portals=0", "max_portals=16777217", "max_portals=4294967295",
		"event_queue_len=0", "event_queue_len=1048577",
		"event_queue_len=4294967295",
		"max_portals=4 event_queue_len=0", "max_portals=0 event_queue_len=4",
		"max_watchers=0", "max_watchers=65537", "max_watchers=4294967295",
		"max_portals=4 event_queue_len=4 max_watchers=0",
		"max_watchers=4 event_queue_len=0",
		"provider_timeout_ms=0", "provider_timeout_ms=600001",
		"provider_timeout_ms=4294967295",
		"max_portals=4 provider_timeout_ms=0",
	};
	unsigned int i;

	ASSERT_EQ(0, ip_module_unload());
	ASSERT_FALSE(ip_module_loaded());
	for (i = 0; i < IP_ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, ip_module_load(bad[i])) TH_LOG("load with \"%s\"", bad[i]);
		if (ip_module_loaded()) {
			EXPECT_FALSE(true) TH_LOG("\"%s\" left the module loaded", bad[i]);
			ip_module_unload();
		}
	}
	/* and a good load still works after the refused ones */
	EXPECT_EQ(0, ip_module_load(""));
}

TEST_F(module, parameter_limits_load)
{
	struct iscsi_portal_addr a;
	__u64 id;

	reload(_metadata, self,
	       "max_portals=16777216 event_queue_len=1048576 max_watchers=65536");
	expect_param(_metadata, "max_portals", 16777216);
	expect_param(_metadata, "event_queue_len", 1048576);
	expect_param(_metadata, "max_watchers", 65536);
	ASSERT_EQ(0, ip_add_unique(self->fd, AF_INET, ISCSI_PORTAL_STATUS_ONLINE, &id, NULL));
	EXPECT_EQ((__u64)1, id) TH_LOG("ids start at 1");

	reload(_metadata, self, "max_portals=1 event_queue_len=1 max_watchers=1");
	expect_param(_metadata, "max_portals", 1);
	expect_param(_metadata, "event_queue_len", 1);
	expect_param(_metadata, "max_watchers", 1);
	ASSERT_EQ(0, ip_add_unique(self->fd, AF_INET6, ISCSI_PORTAL_STATUS_ONLINE, &id, NULL));
	EXPECT_EQ((__u64)1, id);
	ip_unique_addr(&a, AF_INET);
	EXPECT_EQ(-ENOSPC, ip_add(self->fd, &a, ISCSI_PORTAL_STATUS_ONLINE, &id));
	/* one watcher, and no second */
	EXPECT_EQ(0, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_WATCH, NULL));
	self->w[0] = ip_open(O_RDONLY);
	ASSERT_LE(0, self->w[0]);
	EXPECT_EQ(-ENOSPC, ip_ioctl(self->w[0], ISCSI_PORTAL_IOC_WATCH, NULL));
	close(self->w[0]);
	self->w[0] = -1;

	reload(_metadata, self, "provider_timeout_ms=600000");
	expect_param(_metadata, "provider_timeout_ms", 600000);
	reload(_metadata, self, "provider_timeout_ms=1");
	expect_param(_metadata, "provider_timeout_ms", 1);
}

/*
 * SET on a portal of a provider that never answers: ETIMEDOUT after the
 * provider's timeout, ATTACH's timeout_ms, or provider_timeout_ms when it
 * is 0.  Each timeout here is short (the other is 600 s), so a SET that
 * took the wrong one would hang the test: the ETIMEDOUT proves which one
 * it took.  Faults caught: the parameter ignored (30 s default or
 * timeout_ms 0 taken as "none"), ATTACH's own timeout ignored.
 */
static void unanswered_set(struct __test_metadata *_metadata,
			   FIXTURE_DATA(module) *self, __u32 attach_ms)
{
	struct iscsi_portal_info info;
	__u64 id;

	self->w[0] = ip_open(O_RDWR);
	ASSERT_LE(0, self->w[0]);
	ASSERT_EQ(0, ip_attach(self->w[0], "mute", attach_ms));
	ASSERT_EQ(0, ip_add_unique(self->w[0], AF_INET, ISCSI_PORTAL_STATUS_ONLINE,
				   &id, NULL));
	EXPECT_EQ(-ETIMEDOUT, ip_set_status(self->fd, id, ISCSI_PORTAL_STATUS_OFFLINE));
	ASSERT_EQ(0, ip_get_info(self->fd, id, &info));
	EXPECT_EQ((__u32)ISCSI_PORTAL_STATUS_ONLINE, info.status);
	close(self->w[0]);
	self->w[0] = -1;
}

TEST_F(module, provider_timeout_ms_is_the_default_timeout)
{
	reload(_metadata, self, "provider_timeout_ms=200");
	unanswered_set(_metadata, self, 0);
	reload(_metadata, self, "provider_timeout_ms=600000");
	unanswered_set(_metadata, self, 200);
}

TEST_F(module, max_portals_enospc)
{
	struct iscsi_portal_addr addr[4], a;
	struct iscsi_portal_add add;
	__u64 ids[4], id, tg;
	int i;

	reload(_metadata, self, "max_portals=4");
	expect_param(_metadata, "max_portals", 4);
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, ip_add_unique(self->fd, i & 1 ? AF_INET6 : AF_INET,
					   ISCSI_PORTAL_STATUS_ONLINE, &ids[i], &addr[i]))
			TH_LOG("ADD #%d of 4", i + 1);
		if (i) {
			EXPECT_LT(ids[i - 1], ids[i]);
		}
	}
	EXPECT_EQ((__u64)1, ids[0]) TH_LOG("ids start at 1");
	EXPECT_EQ((__u64)4, ip_portal_count(self->fd));
	tg = ip_table_gen(self->fd);

	ip_unique_addr(&a, AF_INET);
	EXPECT_EQ(-ENOSPC, ip_add(self->fd, &a, ISCSI_PORTAL_STATUS_ONLINE, &id));
	ip_unique_addr(&a, AF_INET6);
	EXPECT_EQ(-ENOSPC, ip_add(self->fd, &a, ISCSI_PORTAL_STATUS_OFFLINE, &id));
	/* precedence: EEXIST before ENOSPC, EINVAL before both */
	EXPECT_EQ(-EEXIST, ip_add(self->fd, &addr[2], ISCSI_PORTAL_STATUS_ONLINE, &id));
	memset(&add, 0, sizeof(add));
	add.addr = a;
	add.flags = 1;
	EXPECT_EQ(-EINVAL, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_ADD, &add));
	EXPECT_EQ(-EINVAL, ip_add(self->fd, &a, 3, &id));
	EXPECT_EQ(tg, ip_table_gen(self->fd));
	EXPECT_EQ((__u64)4, ip_portal_count(self->fd));

	/* room again after a REMOVE */
	ASSERT_EQ(0, ip_remove(self->fd, ids[1]));
	ASSERT_EQ(0, ip_add(self->fd, &a, ISCSI_PORTAL_STATUS_ONLINE, &id));
	EXPECT_LT(ids[3], id);
	EXPECT_EQ(-ENOSPC, ip_add_unique(self->fd, AF_INET, ISCSI_PORTAL_STATUS_ONLINE,
					 &id, NULL));
	/* the removed portal's address is free, but the table is full */
	EXPECT_EQ(-ENOSPC, ip_add(self->fd, &addr[1], ISCSI_PORTAL_STATUS_ONLINE, &id));
	EXPECT_EQ(-EIDRM, ip_get_status(self->fd, ids[1], NULL, NULL));
}

/* WATCH @fd: 0 or -errno. */
static int watch(int fd)
{
	return ip_ioctl(fd, ISCSI_PORTAL_IOC_WATCH, NULL);
}

/* Is @fd a watcher?  Exactly one record of the change just made waits. */
static void expect_watcher(struct __test_metadata *_metadata, int fd,
			   __u64 seq, bool watching)
{
	struct iscsi_portal_event ev[2];
	ssize_t n;

	fill_cc(ev, sizeof(ev));
	n = read(fd, ev, sizeof(ev));
	if (!watching) {
		EXPECT_EQ(-1, n) TH_LOG("fd %d reads records without a WATCH slot", fd);
		EXPECT_EQ(EINVAL, errno);
		return;
	}
	ASSERT_EQ((ssize_t)sizeof(ev[0]), n) TH_LOG("watcher fd %d", fd);
	EXPECT_EQ(seq, ev[0].seq);
	EXPECT_EQ((__u32)ISCSI_PORTAL_EVENT_ARRIVE, ev[0].type);
}

/*
 * max_watchers=4: WATCH on 4 fds succeeds (one of them watching twice,
 * which takes one slot), the next fd gets ENOSPC and stays no watcher;
 * EBADF still comes first; a closed watcher frees its slot, a closed fd
 * whose WATCH failed frees none; the parameter reads back.
 */
TEST_F(module, max_watchers_enospc)
{
	__u64 id, g;
	int i;

	reload(_metadata, self, "max_watchers=4");
	expect_param(_metadata, "max_watchers", 4);
	for (i = 0; i < NW; i++) {
		self->w[i] = ip_open(i == NW - 1 ? O_WRONLY : O_RDONLY | O_NONBLOCK);
		ASSERT_LE(0, self->w[i]);
	}
	/* w0 twice, then w1..w3: four fds, four slots */
	EXPECT_EQ(0, watch(self->w[0]));
	EXPECT_EQ(0, watch(self->w[0])) TH_LOG("WATCH twice on one fd is harmless");
	for (i = 1; i < 4; i++) {
		EXPECT_EQ(0, watch(self->w[i]))
			TH_LOG("WATCH #%d of max_watchers=4 (w0 watched twice)", i + 1);
	}
	/* full */
	EXPECT_EQ(-ENOSPC, watch(self->w[4]));
	EXPECT_EQ(-ENOSPC, watch(self->w[4])) TH_LOG("a refused fd stays refused");
	EXPECT_EQ(-EBADF, watch(self->w[NW - 1])) TH_LOG("EBADF before ENOSPC");
	EXPECT_EQ(0, watch(self->w[2])) TH_LOG("a watcher may WATCH again when full");

	/* the four receive a change, the refused fd is no watcher */
	g = ip_table_gen(self->fd);
	ASSERT_EQ(0, ip_add_unique(self->fd, AF_INET, ISCSI_PORTAL_STATUS_ONLINE,
				   &id, NULL));
	for (i = 0; i < 4; i++)
		expect_watcher(_metadata, self->w[i], g + 1, true);
	expect_watcher(_metadata, self->w[4], g + 1, false);

	/* closing an fd whose WATCH failed frees no slot... */
	ASSERT_EQ(0, close(self->w[4]));
	self->w[4] = -1;
	EXPECT_EQ(-ENOSPC, watch(self->w[5]));
	/* ...closing a watcher frees one, at once */
	ASSERT_EQ(0, close(self->w[1]));
	self->w[1] = -1;
	EXPECT_EQ(0, watch(self->w[5]));
	EXPECT_EQ(-ENOSPC, watch(self->w[6]));

	/* all closed: four slots again */
	for (i = 0; i < NW; i++) {
		if (self->w[i] >= 0)
			close(self->w[i]);
		self->w[i] = -1;
	}
	for (i = 0; i < 4; i++) {
		self->w[i] = ip_open(O_RDONLY);
		ASSERT_LE(0, self->w[i]);
		EXPECT_EQ(0, watch(self->w[i])) TH_LOG("WATCH #%d after all closed", i + 1);
	}
	self->w[4] = ip_open(O_RDWR);
	ASSERT_LE(0, self->w[4]);
	EXPECT_EQ(-ENOSPC, watch(self->w[4]));
	EXPECT_EQ(0, ip_remove(self->fd, id));
}

TEST_F(module, reload_resets_state)
{
	char buf[16];
	uint64_t val = ~0ull;
	__u64 id;

	/* dirty every piece of global state, then reload */
	self->fd = ip_open(O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ip_add_unique(self->fd, AF_INET, ISCSI_PORTAL_STATUS_ONLINE, &id, NULL));
	ASSERT_EQ(0, ip_knob_write_u32(IP_KNOB_SET_DELAY, 7));
	ASSERT_EQ(0, ip_knob_write_u32(IP_KNOB_TABLE_DELAY, 9));
	ASSERT_EQ(0, ip_mark_corrupt());
	reload(_metadata, self, "");

	ASSERT_EQ(0, ip_knob_read_u64(IP_KNOB_SET_DELAY, &val));
	EXPECT_EQ(0ull, (unsigned long long)val);
	ASSERT_EQ(0, ip_knob_read_u64(IP_KNOB_TABLE_DELAY, &val));
	EXPECT_EQ(0ull, (unsigned long long)val);
	ASSERT_LT(0, ip_knob_read(IP_KNOB_CORRUPT, buf, sizeof(buf)));
	EXPECT_STREQ("0\n", buf);
	EXPECT_EQ(0, ip_is_corrupt(self->fd));
	ASSERT_EQ(0, ip_add_unique(self->fd, AF_INET6, ISCSI_PORTAL_STATUS_ONLINE, &id, NULL));
	EXPECT_EQ((__u64)1, id) TH_LOG("ids start at 1 in a fresh module");
	EXPECT_EQ(0, ip_remove(self->fd, id));
}

TEST_HARNESS_MAIN
