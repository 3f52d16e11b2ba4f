// SPDX-License-Identifier: GPL-2.0
/*
 * busy_test - per-portal atomicity and busy detection (CONTRACT section 4).
 *
 * debugfs set_delay_ms holds every validated SET_STATUS open for that long
 * and table_delay_ms holds REENUMERATE/REFRESH, so a call in another thread
 * is deterministically inside its window while this thread checks that
 * competing mutating calls fail with EBUSY at once and readers see the
 * last committed state with ISCSI_PORTAL_INFO_BUSY.  "At once" is not
 * timed: after each such call returned, the holder is seen still inside
 * its window (EXPECT_AT_ONCE()), so the call cannot have waited for it.
 * Also: readers never see a torn (status, generation) pair.
 *
 * The fixture teardown joins the held call and resets both knobs, even
 * when an ASSERT failed.
 */
#include "harness.h"

#define MAX_EXTRA 16

FIXTURE(busy) {
	int fd;
	__u64 p, q;			/* two ONLINE portals */
	__u64 extra[MAX_EXTRA];		/* more portals to remove at the end */
	int nextra;
	struct ip_async a, b;		/* held calls */
	__u64 held;			/* the portal EXPECT_AT_ONCE() watches */
	struct iscsi_portal_status_arg arg_a, arg_b;
};

/*
 * Default globals, a writer fd *@fd and two ONLINE portals: *@p (IPv4) and
 * *@q (of @q_family).
 */
static void open_two_online(struct __test_metadata *_metadata, int *fd,
			    __u64 *p, __u64 *q, int q_family)
{
	ASSERT_EQ(0, ip_restore_globals());
	*fd = ip_open(O_RDWR);
	ASSERT_LE(0, *fd);
	ASSERT_EQ(0, ip_add_unique(*fd, AF_INET, ISCSI_PORTAL_STATUS_ONLINE,
				   p, NULL));
	ASSERT_EQ(0, ip_add_unique(*fd, q_family, ISCSI_PORTAL_STATUS_ONLINE,
				   q, NULL));
}

FIXTURE_SETUP(busy)
{
	memset(&self->a, 0, sizeof(self->a));
	memset(&self->b, 0, sizeof(self->b));
	self->nextra = 0;
	self->p = self->q = 0;
	open_two_online(_metadata, &self->fd, &self->p, &self->q, AF_INET6);
	self->held = self->p;
}

FIXTURE_TEARDOWN(busy)
{
	int i;

	ip_knob_write_u32(IP_KNOB_SET_DELAY, 0);
	ip_knob_write_u32(IP_KNOB_TABLE_DELAY, 0);
	ip_async_join(&self->a);
	ip_async_join(&self->b);
	EXPECT_EQ(0, ip_restore_globals());
	for (i = 0; i < self->nextra; i++)
		ip_remove(self->fd, self->extra[i]);
	if (self->p)
		ip_remove(self->fd, self->p);
	if (self->q)
		ip_remove(self->fd, self->q);
	close(self->fd);
}

/* Does GET_STATUS report portal @id BUSY (a mutating call in its window)? */
static bool portal_busy(int fd, __u64 id)
{
	__u32 flags = 0;

	return !ip_get_status(fd, id, NULL, &flags) &&
	       (flags & ISCSI_PORTAL_INFO_BUSY);
}

/*
 * Run @call and expect @err, returned at once: without waiting for the
 * holder's window to close.  No clock decides it: @open, checked after the
 * call returned, must show the holder still inside its window.
 */
#define EXPECT_AT_ONCE_IF(err, call, what, open) do { \
	int __r = (call); \
	EXPECT_EQ(err, __r) TH_LOG("%s", what); \
	EXPECT_TRUE(open) \
		TH_LOG("%s returned after the holder's window closed: it waited " \
		       "for it instead of returning at once (or the host took " \
		       "more than %d ms for the checks)", what, IP_WINDOW_MS); \
} while (0)

/* busy: the SET held on self->held still shows its portal BUSY. */
#define EXPECT_AT_ONCE(err, call, what) \
	EXPECT_AT_ONCE_IF(err, call, what, portal_busy(self->fd, self->held))

/* table_busy: the table-wide call self->a still sleeps in its window. */
#define EXPECT_AT_ONCE_TABLE(err, call, what) \
	EXPECT_AT_ONCE_IF(err, call, what, ip_async_held(&self->a))

/*
 * Start SET_STATUS(@id, @status) in thread @a and wait until it is held:
 * the portal shows BUSY.
 */
static void start_held_set(struct __test_metadata *_metadata, int fd,
			   struct ip_async *a, struct iscsi_portal_status_arg *arg,
			   __u64 id, __u32 status)
{
	memset(arg, 0, sizeof(*arg));
	arg->id = id;
	arg->status = status;
	ASSERT_EQ(0, ip_async_start(a, fd, ISCSI_PORTAL_IOC_SET_STATUS, arg));
	ASSERT_EQ(0, ip_wait_busy(fd, id, a))
		TH_LOG("portal %llu never showed ISCSI_PORTAL_INFO_BUSY during a held SET "
		       "(set_delay_ms %d; the SET returned: %s, ret %d)",
		       (unsigned long long)id, IP_WINDOW_MS,
		       ip_async_done(a) ? "yes" : "no", a->ret);
}

TEST_F(busy, set_window_rejects_mutators_at_once)
{
	struct iscsi_portal_info info, page[1];
	struct iscsi_portal_status_arg st;
	struct iscsi_portal_list l;
	struct iscsi_portal_version v;
	__u64 tg, id_new;
	__u32 status, flags;

	tg = ip_table_gen(self->fd);
	ASSERT_EQ(0, ip_knob_write_u32(IP_KNOB_SET_DELAY, IP_WINDOW_MS));
	start_held_set(_metadata, self->fd, &self->a, &self->arg_a, self->p,
		       ISCSI_PORTAL_STATUS_OFFLINE);

	/* competing mutating calls on P: EBUSY at once */
	EXPECT_AT_ONCE(-EBUSY, ip_set_status(self->fd, self->p, ISCSI_PORTAL_STATUS_ONLINE),
		       "second SET ONLINE");
	EXPECT_AT_ONCE(-EBUSY, ip_set_status(self->fd, self->p, ISCSI_PORTAL_STATUS_OFFLINE),
		       "second SET OFFLINE");
	EXPECT_AT_ONCE(-EBUSY, ip_report_status(self->fd, self->p, ISCSI_PORTAL_STATUS_FAILED),
		       "REPORT FAILED");
	EXPECT_AT_ONCE(-EBUSY, ip_report_status(self->fd, self->p, ISCSI_PORTAL_STATUS_ONLINE),
		       "REPORT of the committed status");
	EXPECT_AT_ONCE(-EBUSY, ip_remove(self->fd, self->p), "REMOVE");

	/* the argument is checked before busyness */
	EXPECT_AT_ONCE(-EINVAL, ip_set_status(self->fd, self->p, 3), "SET status 3");
	EXPECT_AT_ONCE(-EOPNOTSUPP, ip_set_status(self->fd, self->p, ISCSI_PORTAL_STATUS_FAILED),
		       "SET FAILED");
	EXPECT_AT_ONCE(-EINVAL, ip_report_status(self->fd, self->p, 6), "REPORT status 6");
	memset(&st, 0, sizeof(st));
	st.id = self->p;
	st.status = ISCSI_PORTAL_STATUS_ONLINE;
	st.flags = 1;
	EXPECT_AT_ONCE(-EINVAL, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REPORT_STATUS, &st),
		       "REPORT flags 1");

	/* readers: at once, old status, BUSY set */
	EXPECT_AT_ONCE(0, ip_get_status(self->fd, self->p, &status, &flags), "GET_STATUS");
	EXPECT_EQ((__u32)ISCSI_PORTAL_STATUS_ONLINE, status);
	EXPECT_EQ((__u32)ISCSI_PORTAL_INFO_BUSY, flags);
	EXPECT_AT_ONCE(0, ip_get_info(self->fd, self->p, &info), "GET_INFO");
	EXPECT_EQ((__u32)ISCSI_PORTAL_STATUS_ONLINE, info.status);
	EXPECT_EQ((__u32)ISCSI_PORTAL_INFO_BUSY, info.flags);
	EXPECT_EQ((__u64)0, info.generation);
	EXPECT_AT_ONCE(0, ip_list(self->fd, self->p, page, 1, &l), "LIST");
	EXPECT_EQ(1U, l.count);
	EXPECT_EQ(self->p, page[0].id);
	EXPECT_EQ((__u32)ISCSI_PORTAL_STATUS_ONLINE, page[0].status);
	EXPECT_EQ((__u32)ISCSI_PORTAL_INFO_BUSY, page[0].flags);
	EXPECT_AT_ONCE(0, ip_version(self->fd, &v), "VERSION");
	EXPECT_EQ(tg, v.table_generation) TH_LOG("the held SET is not committed yet");

	/* other portals and the table are not held up */
	EXPECT_AT_ONCE(0, ip_report_status(self->fd, self->q, ISCSI_PORTAL_STATUS_OFFLINE),
		       "REPORT on another portal");
	EXPECT_AT_ONCE(0, ip_get_info(self->fd, self->q, &info), "GET_INFO other");
	EXPECT_EQ((__u32)ISCSI_PORTAL_STATUS_OFFLINE, info.status);
	EXPECT_EQ(0U, info.flags);
	EXPECT_AT_ONCE(0, ip_add_unique(self->fd, AF_INET, ISCSI_PORTAL_STATUS_ONLINE,
					&id_new, NULL), "ADD of a new portal");
	self->extra[self->nextra++] = id_new;

	EXPECT_FALSE(ip_async_done(&self->a))
		TH_LOG("the held SET returned before the checks ended (window < %d ms?)",
		       IP_WINDOW_MS);

	/* after the window: committed, BUSY clear */
	EXPECT_EQ(0, ip_async_join(&self->a));
	ASSERT_EQ(0, ip_get_info(self->fd, self->p, &info));
	EXPECT_EQ((__u32)ISCSI_PORTAL_STATUS_OFFLINE, info.status);
	EXPECT_EQ((__u64)1, info.generation);
	EXPECT_EQ(0U, info.flags);
	EXPECT_EQ(tg + 3, ip_table_gen(self->fd)) TH_LOG("SET P, REPORT Q, ADD");
	/* and P takes mutating calls again */
	EXPECT_EQ(0, ip_report_status(self->fd, self->p, ISCSI_PORTAL_STATUS_ONLINE));
}

TEST_F(busy, same_status_set_is_held_too)
{
	struct iscsi_portal_info info;
	__u64 tg;

	tg = ip_table_gen(self->fd);
	ASSERT_EQ(0, ip_knob_write_u32(IP_KNOB_SET_DELAY, IP_WINDOW_MS));
	start_held_set(_metadata, self->fd, &self->a, &self->arg_a, self->p,
		       ISCSI_PORTAL_STATUS_ONLINE);
	EXPECT_AT_ONCE(-EBUSY, ip_report_status(self->fd, self->p, ISCSI_PORTAL_STATUS_OFFLINE),
		       "REPORT during a same-status SET");
	EXPECT_AT_ONCE(-EBUSY, ip_remove(self->fd, self->p), "REMOVE during a same-status SET");
	EXPECT_EQ(0, ip_async_join(&self->a));
	ASSERT_EQ(0, ip_get_info(self->fd, self->p, &info));
	EXPECT_EQ((__u32)ISCSI_PORTAL_STATUS_ONLINE, info.status);
	EXPECT_EQ((__u64)0, info.generation) TH_LOG("same-status SET bumped the generation");
	EXPECT_EQ(0U, info.flags);
	EXPECT_EQ(tg, ip_table_gen(self->fd));
}

/*
 * REPORT_STATUS and SETs refused by their checks are never held.  No
 * clock: a SET on Q, started first and held for the same set_delay_ms,
 * must still be in its window after each of them returned; a call held
 * for set_delay_ms would have returned after Q's window closed.
 */
TEST_F(busy, report_and_rejected_set_not_held)
{
	struct iscsi_portal_status_arg st;
	struct iscsi_portal_info info;
	__u64 gone;

	ASSERT_EQ(0, ip_add_unique(self->fd, AF_INET, ISCSI_PORTAL_STATUS_ONLINE, &gone, NULL));
	ASSERT_EQ(0, ip_remove(self->fd, gone));
	ASSERT_EQ(0, ip_knob_write_u32(IP_KNOB_SET_DELAY, IP_WINDOW_MS));
	self->held = self->q;
	start_held_set(_metadata, self->fd, &self->a, &self->arg_a, self->q,
		       ISCSI_PORTAL_STATUS_OFFLINE);

	EXPECT_AT_ONCE(0, ip_report_status(self->fd, self->p, ISCSI_PORTAL_STATUS_OFFLINE),
		       "REPORT_STATUS is never delayed");
	EXPECT_AT_ONCE(0, ip_report_status(self->fd, self->p, ISCSI_PORTAL_STATUS_OFFLINE),
		       "same-status REPORT_STATUS");
	EXPECT_AT_ONCE(-EINVAL, ip_set_status(self->fd, self->p, 3), "SET status 3");
	EXPECT_AT_ONCE(-EOPNOTSUPP, ip_set_status(self->fd, self->p, ISCSI_PORTAL_STATUS_UNKNOWN),
		       "SET UNKNOWN");
	memset(&st, 0, sizeof(st));
	st.id = self->p;
	st.status = ISCSI_PORTAL_STATUS_ONLINE;
	st.flags = 1U << 31;
	EXPECT_AT_ONCE(-EINVAL, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_SET_STATUS, &st),
		       "SET flags");
	EXPECT_AT_ONCE(-ENOENT, ip_set_status(self->fd, 0, ISCSI_PORTAL_STATUS_ONLINE),
		       "SET id 0");
	EXPECT_AT_ONCE(-EIDRM, ip_set_status(self->fd, gone, ISCSI_PORTAL_STATUS_ONLINE),
		       "SET removed id");
	ASSERT_EQ(0, ip_get_info(self->fd, self->p, &info));
	EXPECT_EQ((__u32)ISCSI_PORTAL_STATUS_OFFLINE, info.status);
	EXPECT_EQ((__u64)1, info.generation);
	EXPECT_EQ(0U, info.flags);
	EXPECT_EQ(0, ip_async_join(&self->a));
}

TEST_F(busy, windows_on_two_portals_overlap)
{
	struct iscsi_portal_info info;

	ASSERT_EQ(0, ip_knob_write_u32(IP_KNOB_SET_DELAY, IP_WINDOW_MS));
	start_held_set(_metadata, self->fd, &self->a, &self->arg_a, self->p,
		       ISCSI_PORTAL_STATUS_OFFLINE);
	/* Q's SET enters its own window while P's is still open */
	memset(&self->arg_b, 0, sizeof(self->arg_b));
	self->arg_b.id = self->q;
	self->arg_b.status = ISCSI_PORTAL_STATUS_OFFLINE;
	ASSERT_EQ(0, ip_async_start(&self->b, self->fd, ISCSI_PORTAL_IOC_SET_STATUS,
				    &self->arg_b));
	/* No clock: Q shows BUSY (its SET did not wait for P's)... */
	EXPECT_EQ(0, ip_wait_busy(self->fd, self->q, &self->b))
		TH_LOG("SET on Q did not start while P was busy (it returned: %s, ret %d)",
		       ip_async_done(&self->b) ? "yes" : "no", self->b.ret);
	/* ...while P is still inside its window. */
	ASSERT_EQ(0, ip_get_info(self->fd, self->p, &info));
	EXPECT_EQ((__u32)ISCSI_PORTAL_INFO_BUSY, info.flags) TH_LOG("P should still be held");
	EXPECT_EQ(0, ip_async_join(&self->a));
	EXPECT_EQ(0, ip_async_join(&self->b));
	ASSERT_EQ(0, ip_get_info(self->fd, self->q, &info));
	EXPECT_EQ((__u32)ISCSI_PORTAL_STATUS_OFFLINE, info.status);
	EXPECT_EQ((__u64)1, info.generation);
	EXPECT_EQ(0U, info.flags);
}

TEST_F(busy, set_window_blocks_table_ops)
{
	ASSERT_EQ(0, ip_knob_write_u32(IP_KNOB_SET_DELAY, IP_WINDOW_MS));
	start_held_set(_metadata, self->fd, &self->a, &self->arg_a, self->p,
		       ISCSI_PORTAL_STATUS_OFFLINE);
	EXPECT_AT_ONCE(-EBUSY, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REENUMERATE, NULL),
		       "REENUMERATE while a portal is busy");
	EXPECT_AT_ONCE(-EBUSY, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REFRESH, NULL),
		       "REFRESH while a portal is busy");
	EXPECT_FALSE(ip_async_done(&self->a));
	EXPECT_EQ(0, ip_async_join(&self->a));
	/* and they work once nothing is busy */
	EXPECT_EQ(0, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REENUMERATE, NULL));
	EXPECT_EQ(0, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REFRESH, NULL));
}

/* A table-wide call (REENUMERATE or REFRESH) held by table_delay_ms. */
FIXTURE(table_busy) {
	int fd;
	__u64 p, q;
	struct ip_async a;
};

FIXTURE_VARIANT(table_busy) {
	unsigned long cmd;
};

FIXTURE_VARIANT_ADD(table_busy, reenumerate) { .cmd = ISCSI_PORTAL_IOC_REENUMERATE };
FIXTURE_VARIANT_ADD(table_busy, refresh) { .cmd = ISCSI_PORTAL_IOC_REFRESH };

FIXTURE_SETUP(table_busy)
{
	memset(&self->a, 0, sizeof(self->a));
	self->p = self->q = 0;
	open_two_online(_metadata, &self->fd, &self->p, &self->q, AF_INET);
}

FIXTURE_TEARDOWN(table_busy)
{
	ip_knob_write_u32(IP_KNOB_TABLE_DELAY, 0);
	ip_async_join(&self->a);
	EXPECT_EQ(0, ip_restore_globals());
	if (self->p)
		ip_remove(self->fd, self->p);
	if (self->q)
		ip_remove(self->fd, self->q);
	close(self->fd);
}

TEST_F(table_busy, mutators_ebusy_readers_work)
{
	struct iscsi_portal_version v;
	struct iscsi_portal_info info, page[2];
	struct iscsi_portal_list l;
	struct iscsi_portal_addr a;
	__u64 tg, count, id;
	__u32 status;

	tg = ip_table_gen(self->fd);
	count = ip_portal_count(self->fd);
	ASSERT_EQ(0, ip_knob_write_u32(IP_KNOB_TABLE_DELAY, IP_WINDOW_MS));
	/* running once its thread sleeps in the delay */
	ASSERT_EQ(0, ip_start_table_call(&self->a, self->fd, variant->cmd))
		TH_LOG("the table-wide call never held its window (returned: %s, ret %d)",
		       ip_async_done(&self->a) ? "yes" : "no", self->a.ret);

	ip_unique_addr(&a, AF_INET6);
	EXPECT_AT_ONCE_TABLE(-EBUSY, ip_add(self->fd, &a, ISCSI_PORTAL_STATUS_ONLINE, &id),
			     "ADD");
	EXPECT_AT_ONCE_TABLE(-EBUSY, ip_remove(self->fd, self->p), "REMOVE");
	EXPECT_AT_ONCE_TABLE(-EBUSY, ip_set_status(self->fd, self->p, ISCSI_PORTAL_STATUS_OFFLINE),
			     "SET");
	EXPECT_AT_ONCE_TABLE(-EBUSY, ip_report_status(self->fd, self->p, ISCSI_PORTAL_STATUS_FAILED),
			     "REPORT");
	EXPECT_AT_ONCE_TABLE(-EBUSY, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REFRESH, NULL), "REFRESH");
	EXPECT_AT_ONCE_TABLE(-EBUSY, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REENUMERATE, NULL),
			     "REENUMERATE");
	/* argument and id errors come before EBUSY */
	EXPECT_AT_ONCE_TABLE(-EINVAL, ip_set_status(self->fd, self->p, 3), "SET status 3");
	EXPECT_AT_ONCE_TABLE(-ENOENT, ip_remove(self->fd, 0), "REMOVE id 0");

	/* readers work */
	EXPECT_AT_ONCE_TABLE(0, ip_version(self->fd, &v), "VERSION");
	EXPECT_EQ(tg, v.table_generation);
	EXPECT_EQ(count, v.portal_count);
	EXPECT_AT_ONCE_TABLE(0, ip_get_info(self->fd, self->p, &info), "GET_INFO");
	EXPECT_EQ((__u32)ISCSI_PORTAL_STATUS_ONLINE, info.status);
	EXPECT_AT_ONCE_TABLE(0, ip_get_status(self->fd, self->p, &status, NULL), "GET_STATUS");
	EXPECT_EQ((__u32)ISCSI_PORTAL_STATUS_ONLINE, status);
	EXPECT_AT_ONCE_TABLE(0, ip_list(self->fd, self->p, page, 2, &l), "LIST");
	EXPECT_LE(1U, l.count);
	EXPECT_EQ(self->p, page[0].id);

	EXPECT_FALSE(ip_async_done(&self->a))
		TH_LOG("the held call returned before the checks ended");
	EXPECT_EQ(0, ip_async_join(&self->a));

	/* nothing was committed by the refused calls; all works again */
	EXPECT_EQ(tg, ip_table_gen(self->fd));
	EXPECT_EQ(count, ip_portal_count(self->fd));
	EXPECT_EQ(0, ip_set_status(self->fd, self->p, ISCSI_PORTAL_STATUS_OFFLINE));
	EXPECT_EQ(0, ip_add(self->fd, &a, ISCSI_PORTAL_STATUS_ONLINE, &id));
	EXPECT_EQ(0, ip_remove(self->fd, id));
}

/*
 * Whole-state reads: while SET flips P between ONLINE and OFFLINE, a
 * reader must always see status ONLINE with an even generation or OFFLINE
 * with an odd one, generations never going back.
 */
struct torn_reader {
	int fd;
	__u64 id;
	int stop;
	unsigned long reads, bad, backwards, errors;
	unsigned long changes;		/* reads that saw a new generation */
	__u32 bad_status;
	__u64 bad_gen;
	__u64 last_info, last_list;	/* the generations seen last */
};

static void torn_check(struct torn_reader *r, __u32 status, __u64 gen,
		       __u32 flags, __u64 *last)
{
	bool online_even = status == ISCSI_PORTAL_STATUS_ONLINE && !(gen & 1);
	bool offline_odd = status == ISCSI_PORTAL_STATUS_OFFLINE && (gen & 1);

	r->reads++;
	if ((!online_even && !offline_odd) || (flags & ~ISCSI_PORTAL_INFO_BUSY)) {
		if (!r->bad) {
			r->bad_status = status;
			r->bad_gen = gen;
		}
		r->bad++;
	}
	if (gen < *last)
		r->backwards++;
	if (gen > *last)
		r->changes++;
	*last = gen;
}

/* One GET_INFO and one LIST of r->id, checked. */
static void torn_read_once(struct torn_reader *r)
{
	struct iscsi_portal_info info, page[1];
	struct iscsi_portal_list l;

	if (ip_get_info(r->fd, r->id, &info))
		r->errors++;
	else
		torn_check(r, info.status, info.generation, info.flags, &r->last_info);
	if (ip_list(r->fd, r->id, page, 1, &l) || l.count != 1 || page[0].id != r->id)
		r->errors++;
	else
		torn_check(r, page[0].status, page[0].generation, page[0].flags,
			   &r->last_list);
}

static void *torn_reader_fn(void *p)
{
	struct torn_reader *r = p;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE))
		torn_read_once(r);
	return NULL;
}

TEST_F_TIMEOUT(busy, readers_never_see_torn_state, 60)
{
	struct torn_reader r = { .fd = self->fd, .id = self->p };
	struct iscsi_portal_info info;
	pthread_t reader;
	uint64_t end;
	int flips = 0, i, ret;

	ASSERT_EQ(0, pthread_create(&reader, NULL, torn_reader_fn, &r));
	end = ip_now_ms() + 4000;
	for (i = 1; i <= 20000 && ip_now_ms() < end; i++) {
		ret = ip_set_status(self->fd, self->p, i & 1 ? ISCSI_PORTAL_STATUS_OFFLINE :
							       ISCSI_PORTAL_STATUS_ONLINE);
		if (ret) {
			EXPECT_EQ(0, ret) TH_LOG("SET #%d", i);
			break;
		}
		flips = i;
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	pthread_join(reader, NULL);

	TH_LOG("%d flips, %lu reads, %lu of a new generation", flips, r.reads,
	       r.changes);
	EXPECT_LT(0UL, r.reads);
	/* Not vacuous: the reads ran while the writer flipped. */
	EXPECT_LT(1UL, r.changes) TH_LOG("the reader never saw the flips happen");
	EXPECT_EQ(0UL, r.errors) TH_LOG("reader ioctls failed");
	EXPECT_EQ(0UL, r.bad) TH_LOG("torn read: status %u with generation %llu",
				     r.bad_status, (unsigned long long)r.bad_gen);
	EXPECT_EQ(0UL, r.backwards) TH_LOG("generation went backwards");
	ASSERT_EQ(0, ip_get_info(self->fd, self->p, &info));
	EXPECT_EQ((__u64)flips, info.generation);
}

TEST_HARNESS_MAIN
