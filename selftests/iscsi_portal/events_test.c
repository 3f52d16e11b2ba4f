// SPDX-License-Identifier: GPL-2.0
/*
 * events_test - the event stream of /dev/iscsi_portal (CONTRACT section 4,
 * "Events"): WATCH, read(), poll()/epoll, the per-fd bounded queue and its
 * OVERFLOW record, and what watchers do to writers and to module unload.
 *
 * Every output buffer is pre-filled with 0xcc, so a byte the kernel should
 * not have written (or should have) shows up.  The module is shared with the
 * other test programs: nothing assumes an empty table, and sequence numbers
 * are taken relative to the table generation read just before.  Tests that
 * need event_queue_len=8 reload the module (fixture "qlen8") and always put
 * the default module back in their teardown.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/mman.h>

#include "harness.h"
#include "model.h"

#define EV_SIZE		sizeof(struct iscsi_portal_event)

/*
 * A waiter is woken by a change: how long to wait for it to return before
 * calling it lost.  A guard against a hang, not a verdict on speed: a
 * waiter the change did not wake never returns (its call has no timeout).
 */
#define EV_WAKE_MS	IP_HANG_MS

/* ---------------------------------------------------------------------
 * Helpers
 */

/* Open the device with @flags and WATCH it: the fd, or -errno. */
static int ev_watcher(int flags)
{
	int fd = ip_open(flags);
	int ret;

	if (fd < 0)
		return fd;
	ret = ip_ioctl(fd, ISCSI_PORTAL_IOC_WATCH, NULL);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

/*
 * read() up to @max records into @ev (pre-filled with 0xcc).  Returns the
 * number of records, -errno, or -EPROTO if the size is not whole records.
 */
static int ev_read(int fd, struct iscsi_portal_event *ev, size_t max)
{
	ssize_t n;

	fill_cc(ev, max * EV_SIZE);
	n = read(fd, ev, max * EV_SIZE);
	if (n < 0)
		return -errno;
	if (n % EV_SIZE)
		return -EPROTO;
	return (int)(n / EV_SIZE);
}

/*
 * Read everything queued on the O_NONBLOCK watcher @fd into @ev (room for
 * @max), @chunk records per read(), until EAGAIN.  Returns the number of
 * records, -ENOSPC if more than @max arrived, or the first other -errno.
 */
static int ev_drain(int fd, struct iscsi_portal_event *ev, size_t max,
		    size_t chunk)
{
	size_t have = 0;
	int n;

	for (;;) {
		size_t want = chunk < max - have ? chunk : max - have;

		if (!want) {
			struct iscsi_portal_event extra;

			n = ev_read(fd, &extra, 1);
			return n == -EAGAIN ? (int)have : (n < 0 ? n : -ENOSPC);
		}
		n = ev_read(fd, ev + have, want);
		if (n == -EAGAIN)
			return (int)have;
		if (n < 0)
			return n;
		if (n == 0 || (size_t)n > want)
			return -EPROTO;
		have += (size_t)n;
	}
}

/* True if @len bytes at @p are all 0xcc. */
static bool all_cc(const void *p, size_t len)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (c[i] != 0xcc)
			return false;
	return true;
}

/* Build the record a change should produce. */
static struct iscsi_portal_event ev_make(__u64 seq, __u64 id, __u32 type,
					 __u32 old_status, __u32 new_status)
{
	struct iscsi_portal_event e;

	memset(&e, 0, sizeof(e));
	e.seq = seq;
	e.id = id;
	e.type = type;
	e.old_status = old_status;
	e.new_status = new_status;
	return e;
}

#define ASSERT_EVENT(ev, _seq, _id, _type, _old, _new) do {		\
	const struct iscsi_portal_event *__e = &(ev);			\
	ASSERT_EQ((__u64)(_seq), __e->seq);				\
	ASSERT_EQ((__u64)(_id), __e->id);				\
	ASSERT_EQ((__u32)(_type), __e->type);				\
	ASSERT_EQ((__u32)(_old), __e->old_status);			\
	ASSERT_EQ((__u32)(_new), __e->new_status);			\
	ASSERT_EQ((__u32)0, __e->flags);				\
} while (0)

#define ASSERT_SAME_EVENT(exp, seen) \
	ASSERT_EVENT(seen, (exp).seq, (exp).id, (exp).type, \
		     (exp).old_status, (exp).new_status)

/* The per-portal generation from GET_INFO, or ~0 on failure. */
static __u64 portal_gen(int fd, __u64 id)
{
	struct iscsi_portal_info info;

	if (ip_get_info(fd, id, &info))
		return ~0ull;
	return info.generation;
}

/* ---------------------------------------------------------------------
 * A blocking call (read, poll, epoll_wait) in another thread
 */

enum waiter_kind { W_READ, W_POLL, W_EPOLL };

struct waiter {
	pthread_t thread;
	pid_t tid;			/* atomic: set once it runs */
	enum waiter_kind kind;
	int fd;				/* watcher, or epoll fd */
	int fd2;			/* W_POLL: a second fd, or -1 */
	size_t len;			/* W_READ: bytes to read */
	struct iscsi_portal_event ev[4];	/* W_READ buffer */
	ssize_t ret;
	int err;			/* errno when ret < 0 */
	short revents, revents2;	/* W_POLL */
	struct epoll_event eev;		/* W_EPOLL */
	int done;
	bool joined;
};

static void *waiter_fn(void *p)
{
	struct waiter *w = p;
	struct pollfd pfd[2];

	__atomic_store_n(&w->tid, ip_gettid(), __ATOMIC_RELEASE);
	switch (w->kind) {
	case W_READ:
		w->ret = read(w->fd, w->ev, w->len);
		break;
	case W_POLL:
		pfd[0].fd = w->fd;
		pfd[1].fd = w->fd2;
		pfd[0].events = pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		w->ret = poll(pfd, w->fd2 < 0 ? 1 : 2, -1);
		w->revents = pfd[0].revents;
		w->revents2 = pfd[1].revents;
		break;
	case W_EPOLL:
		w->ret = epoll_wait(w->fd, &w->eev, 1, -1);
		break;
	}
	w->err = w->ret < 0 ? errno : 0;
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * Start a thread that blocks in @kind on @fd (and, for W_POLL, on @fd2 if
 * it is not -1), with no timeout: it returns only when woken.  W_READ
 * reads @len bytes (at most sizeof(w->ev)) into w->ev, pre-filled with
 * 0xcc.  Returns once the thread runs; 0 or -errno.
 */
static int waiter_start2(struct waiter *w, enum waiter_kind kind, int fd,
			 int fd2, size_t len)
{
	int ret;

	memset(w, 0, sizeof(*w));
	fill_cc(w->ev, sizeof(w->ev));
	w->kind = kind;
	w->fd = fd;
	w->fd2 = fd2;
	w->len = len < sizeof(w->ev) ? len : sizeof(w->ev);
	ret = pthread_create(&w->thread, NULL, waiter_fn, w);
	if (ret)
		return -ret;
	while (!__atomic_load_n(&w->tid, __ATOMIC_ACQUIRE))
		usleep(100);
	return 0;
}

static int waiter_start(struct waiter *w, enum waiter_kind kind, int fd)
{
	return waiter_start2(w, kind, fd, -1, sizeof(w->ev));
}

static bool waiter_done(struct waiter *w)
{
	return __atomic_load_n(&w->done, __ATOMIC_ACQUIRE);
}

/*
 * Wait until the waiter is observably blocked: asleep (state S) in its
 * system call, as /proc/self/task/TID/{stat,syscall} show.  0, -ESRCH if
 * it returned instead, -ETIMEDOUT after IP_HANG_MS.
 */
static int waiter_blocked(struct waiter *w)
{
	static const long reads[] = { SYS_read };
	static const long polls[] = {
		SYS_poll, SYS_ppoll,
	};
	static const long epolls[] = {
		SYS_epoll_wait, SYS_epoll_pwait,
#ifdef SYS_epoll_pwait2
		SYS_epoll_pwait2,
#endif
	};

	switch (w->kind) {
	case W_READ:
		return ip_wait_blocked_in(w->tid, reads, IP_ARRAY_SIZE(reads),
					  w->fd, &w->done);
	case W_POLL:
		return ip_wait_blocked_in(w->tid, polls, IP_ARRAY_SIZE(polls),
					  -1, &w->done);
	default:
		return ip_wait_blocked_in(w->tid, epolls, IP_ARRAY_SIZE(epolls),
					  w->fd, &w->done);
	}
}

/* Wait up to EV_WAKE_MS for the waiter to return; true if it did. */
static bool waiter_wait(struct waiter *w)
{
	uint64_t end = ip_now_ms() + EV_WAKE_MS;

	while (!waiter_done(w)) {
		if (ip_now_ms() > end)
			return false;
		usleep(1000);
	}
	if (!w->joined)
		pthread_join(w->thread, NULL);
	w->joined = true;
	return true;
}

/* Start @w as waiter_start() does and wait until it is blocked. */
static void waiter_start_blocked(struct __test_metadata *_metadata,
				 struct waiter *w, enum waiter_kind kind, int fd)
{
	ASSERT_EQ(0, waiter_start(w, kind, fd));
	ASSERT_EQ(0, waiter_blocked(w))
		TH_LOG("the waiter never blocked (it returned %zd, %s)", w->ret,
		       strerror(w->err));
	ASSERT_FALSE(waiter_done(w));
}

/*
 * read(@fd, @len) in a waiter thread, which must return without blocking:
 * it returns before it is ever seen asleep in read() (waiter_blocked()).
 * Its result is in @w.
 */
static void read_returns_at_once(struct __test_metadata *_metadata,
				 struct waiter *w, int fd, size_t len)
{
	ASSERT_EQ(0, waiter_start2(w, W_READ, fd, -1, len));
	ASSERT_EQ(-ESRCH, waiter_blocked(w))
		TH_LOG("read() of %zu bytes on fd %d blocked instead of returning",
		       len, fd);
	ASSERT_TRUE(waiter_wait(w));
}

/*
 * SET_STATUS(@id, @to) through @wr: the W_READ waiter @w blocked on a
 * watcher wakes with exactly one record, the MODIFY @from -> @to whose seq
 * is the next table generation.
 */
static void set_wakes_reader(struct __test_metadata *_metadata,
			     struct waiter *w, int wr, __u64 id,
			     __u32 from, __u32 to)
{
	__u64 g = ip_table_gen(wr);

	ASSERT_EQ(0, ip_set_status(wr, id, to));
	ASSERT_TRUE(waiter_wait(w));
	ASSERT_EQ((ssize_t)EV_SIZE, w->ret);
	ASSERT_EVENT(w->ev[0], g + 1, id, T_MODIFY, from, to);
}

/* ---------------------------------------------------------------------
 * Content and order
 */

/*
 * ADD, SET, REPORT, SET to the same status, REPORT to the same status,
 * REMOVE: one record per committed change, in order, seq = the table
 * generation the change produced, nothing for the two no-ops.
 */
TEST(records_of_add_set_report_remove)
{
	struct iscsi_portal_event ev[16];
	__u64 id, g0, g[5];
	int wr, w, n;

	wr = ip_open(O_RDWR);
	ASSERT_LE(0, wr);
	w = ev_watcher(O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, w);

	g0 = ip_table_gen(wr);
	ASSERT_EQ(0, ip_add_unique(wr, AF_INET, S_OFFLINE, &id, NULL));
	g[0] = ip_table_gen(wr);
	ASSERT_EQ(0, ip_set_status(wr, id, S_ONLINE));
	g[1] = ip_table_gen(wr);
	ASSERT_EQ(0, ip_report_status(wr, id, S_FAILED));
	g[2] = ip_table_gen(wr);
	ASSERT_EQ(0, ip_set_status(wr, id, S_OFFLINE));
	g[3] = ip_table_gen(wr);
	ASSERT_EQ((__u64)3, portal_gen(wr, id));
	/* No-ops: no generation, no record. */
	ASSERT_EQ(0, ip_set_status(wr, id, S_OFFLINE));
	ASSERT_EQ(0, ip_report_status(wr, id, S_OFFLINE));
	ASSERT_EQ(g[3], ip_table_gen(wr));
	ASSERT_EQ((__u64)3, portal_gen(wr, id));
	ASSERT_EQ(0, ip_remove(wr, id));
	g[4] = ip_table_gen(wr);

	/* One writer: each change moved the generation by exactly one. */
	ASSERT_EQ(g0 + 1, g[0]);
	ASSERT_EQ(g0 + 2, g[1]);
	ASSERT_EQ(g0 + 3, g[2]);
	ASSERT_EQ(g0 + 4, g[3]);
	ASSERT_EQ(g0 + 5, g[4]);

	n = ev_read(w, ev, IP_ARRAY_SIZE(ev));
	ASSERT_EQ(5, n);
	ASSERT_EVENT(ev[0], g[0], id, T_ARRIVE, S_UNKNOWN, S_OFFLINE);
	ASSERT_EVENT(ev[1], g[1], id, T_MODIFY, S_OFFLINE, S_ONLINE);
	ASSERT_EVENT(ev[2], g[2], id, T_MODIFY, S_ONLINE, S_FAILED);
	ASSERT_EVENT(ev[3], g[3], id, T_MODIFY, S_FAILED, S_OFFLINE);
	ASSERT_EVENT(ev[4], g[4], id, T_DEPART, S_OFFLINE, S_UNKNOWN);
	/* Nothing written past the five records. */
	ASSERT_TRUE(all_cc(&ev[5], sizeof(ev) - 5 * EV_SIZE));

	ASSERT_EQ(-EAGAIN, ev_read(w, ev, IP_ARRAY_SIZE(ev)));
	close(w);
	close(wr);
}

/*
 * A long mixed sequence (IPv4 and IPv6, every status, ADD and REMOVE) read
 * back in chunks of 7: exactly the expected records, seq consecutive.
 */
TEST(seq_continuity_mixed_sequence)
{
	static const __u32 report_to[] = {
		S_NOT_READY, S_FAILED, S_UNKNOWN, S_ONLINE, S_OFFLINE,
	};
	struct iscsi_portal_event exp[256], got[256];
	__u64 ids[3], g0, g;
	__u32 st[3];
	int wr, w, i, k, n, nexp = 0;

	wr = ip_open(O_RDWR);
	ASSERT_LE(0, wr);
	w = ev_watcher(O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, w);
	g0 = g = ip_table_gen(wr);

	for (k = 0; k < 3; k++) {
		st[k] = k == 1 ? S_FAILED : S_ONLINE;
		ASSERT_EQ(0, ip_add_unique(wr, k == 1 ? AF_INET6 : AF_INET,
					   st[k], &ids[k], NULL));
		ASSERT_EQ(++g, ip_table_gen(wr));
		exp[nexp++] = ev_make(g, ids[k], T_ARRIVE, S_UNKNOWN, st[k]);
	}
	for (i = 0; i < 60; i++) {
		bool report = i % 3 == 2;
		__u32 to;

		k = i % 3;
		if (report)
			to = report_to[(i / 3) % IP_ARRAY_SIZE(report_to)];
		else
			to = (i / 2) % 2 ? S_ONLINE : S_OFFLINE;
		if (report) {
			ASSERT_EQ(0, ip_report_status(wr, ids[k], to));
		} else {
			ASSERT_EQ(0, ip_set_status(wr, ids[k], to));
		}
		if (to != st[k]) {
			ASSERT_LT(nexp, (int)IP_ARRAY_SIZE(exp));
			exp[nexp++] = ev_make(++g, ids[k], T_MODIFY, st[k], to);
			st[k] = to;
		}
		ASSERT_EQ(g, ip_table_gen(wr));
	}
	for (k = 0; k < 3; k++) {
		ASSERT_EQ(0, ip_remove(wr, ids[k]));
		exp[nexp++] = ev_make(++g, ids[k], T_DEPART, st[k], S_UNKNOWN);
		ASSERT_EQ(g, ip_table_gen(wr));
	}
	ASSERT_LT(20, nexp);

	n = ev_drain(w, got, IP_ARRAY_SIZE(got), 7);
	ASSERT_EQ(nexp, n);
	for (i = 0; i < n; i++) {
		ASSERT_EQ(g0 + 1 + (__u64)i, got[i].seq);
		ASSERT_SAME_EVENT(exp[i], got[i]);
	}
	close(w);
	close(wr);
}

/*
 * SET/REPORT to the current status, REENUMERATE and REFRESH queue nothing
 * and move no generation; the next real change is the next record.
 */
TEST(noop_calls_queue_nothing)
{
	struct iscsi_portal_event ev[4];
	__u64 id, g;
	int wr, w, i;

	wr = ip_open(O_RDWR);
	ASSERT_LE(0, wr);
	ASSERT_EQ(0, ip_add_unique(wr, AF_INET, S_ONLINE, &id, NULL));
	w = ev_watcher(O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, w);
	g = ip_table_gen(wr);

	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, ip_set_status(wr, id, S_ONLINE));
		ASSERT_EQ(0, ip_report_status(wr, id, S_ONLINE));
	}
	ASSERT_EQ(0, ip_ioctl_retry_busy(wr, ISCSI_PORTAL_IOC_REENUMERATE, 5000));
	ASSERT_EQ(0, ip_ioctl_retry_busy(wr, ISCSI_PORTAL_IOC_REFRESH, 5000));

	ASSERT_EQ(-EAGAIN, ev_read(w, ev, IP_ARRAY_SIZE(ev)));
	ASSERT_TRUE(all_cc(ev, sizeof(ev)));
	ASSERT_EQ(g, ip_table_gen(wr));
	ASSERT_EQ((__u64)0, portal_gen(wr, id));

	/* The watcher works: a real change is queued, with the next seq. */
	ASSERT_EQ(0, ip_report_status(wr, id, S_NOT_READY));
	ASSERT_EQ(1, ev_read(w, ev, IP_ARRAY_SIZE(ev)));
	ASSERT_EVENT(ev[0], g + 1, id, T_MODIFY, S_ONLINE, S_NOT_READY);
	ASSERT_EQ(-EAGAIN, ev_read(w, ev, IP_ARRAY_SIZE(ev)));

	ASSERT_EQ(0, ip_remove(wr, id));
	close(w);
	close(wr);
}

/* Changes committed before WATCH are not delivered; later ones are. */
TEST(changes_before_watch_not_delivered)
{
	struct iscsi_portal_event ev[8];
	__u64 id, g;
	int wr, early, late;

	wr = ip_open(O_RDWR);
	ASSERT_LE(0, wr);
	early = ev_watcher(O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, early);
	late = ip_open(O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, late);

	g = ip_table_gen(wr);
	ASSERT_EQ(0, ip_add_unique(wr, AF_INET, S_ONLINE, &id, NULL));
	ASSERT_EQ(0, ip_set_status(wr, id, S_OFFLINE));
	ASSERT_EQ(0, ip_report_status(wr, id, S_FAILED));
	ASSERT_EQ(0, ip_ioctl(late, ISCSI_PORTAL_IOC_WATCH, NULL));

	ASSERT_EQ(-EAGAIN, ev_read(late, ev, IP_ARRAY_SIZE(ev)));
	/* The early watcher did get them: the changes really happened. */
	ASSERT_EQ(3, ev_read(early, ev, IP_ARRAY_SIZE(ev)));
	ASSERT_EQ(g + 3, ev[2].seq);

	ASSERT_EQ(0, ip_remove(wr, id));
	ASSERT_EQ(1, ev_read(late, ev, IP_ARRAY_SIZE(ev)));
	ASSERT_EVENT(ev[0], g + 4, id, T_DEPART, S_FAILED, S_UNKNOWN);
	ASSERT_EQ(1, ev_read(early, ev, IP_ARRAY_SIZE(ev)));
	ASSERT_EVENT(ev[0], g + 4, id, T_DEPART, S_FAILED, S_UNKNOWN);
	close(late);
	close(early);
	close(wr);
}

/* ---------------------------------------------------------------------
 * read(): errors and sizes
 */

/* An empty queue with O_NONBLOCK: EAGAIN, whatever the buffer size. */
TEST(read_empty_nonblock_eagain)
{
	static const size_t sizes[] = { 32, 48, 64, 4096 };
	char buf[4096];
	size_t i;
	int w;

	w = ev_watcher(O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, w);
	for (i = 0; i < IP_ARRAY_SIZE(sizes); i++) {
		fill_cc(buf, sizeof(buf));
		ASSERT_EQ(-1, read(w, buf, sizes[i]));
		ASSERT_EQ(EAGAIN, errno);
		ASSERT_TRUE(all_cc(buf, sizeof(buf)));
	}
	close(w);

	/* Same on an O_RDWR watcher. */
	w = ev_watcher(O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, w);
	ASSERT_EQ(-1, read(w, buf, 32));
	ASSERT_EQ(EAGAIN, errno);
	close(w);
}

/*
 * A buffer smaller than one record is EINVAL, before EAGAIN and without
 * blocking, and consumes nothing.
 */
TEST(read_small_buffer_einval)
{
	static const size_t sizes[] = { 0, 1, 16, 31 };
	struct iscsi_portal_event ev[2];
	struct waiter wt;
	__u64 id, g;
	size_t i;
	int wr, w, wb;

	wr = ip_open(O_RDWR);
	ASSERT_LE(0, wr);
	w = ev_watcher(O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, w);
	wb = ev_watcher(O_RDONLY);	/* blocking */
	ASSERT_LE(0, wb);

	/* Empty queue: EINVAL, not EAGAIN, and a blocking fd does not block. */
	for (i = 0; i < IP_ARRAY_SIZE(sizes); i++) {
		fill_cc(ev, sizeof(ev));
		ASSERT_EQ(-1, read(w, ev, sizes[i]));
		ASSERT_EQ(EINVAL, errno);
		ASSERT_TRUE(all_cc(ev, sizeof(ev)));
		read_returns_at_once(_metadata, &wt, wb, sizes[i]);
		ASSERT_EQ(-1, wt.ret);
		ASSERT_EQ(EINVAL, wt.err);
		ASSERT_TRUE(all_cc(wt.ev, sizeof(wt.ev)));
	}

	/* A queued record survives the failed reads. */
	g = ip_table_gen(wr);
	ASSERT_EQ(0, ip_add_unique(wr, AF_INET, S_OFFLINE, &id, NULL));
	for (i = 0; i < IP_ARRAY_SIZE(sizes); i++) {
		fill_cc(ev, sizeof(ev));
		ASSERT_EQ(-1, read(w, ev, sizes[i]));
		ASSERT_EQ(EINVAL, errno);
		ASSERT_TRUE(all_cc(ev, sizeof(ev)));
	}
	ASSERT_EQ(1, ev_read(w, ev, 1));
	ASSERT_EVENT(ev[0], g + 1, id, T_ARRIVE, S_UNKNOWN, S_OFFLINE);
	ASSERT_EQ(1, ev_read(wb, ev, 1));
	ASSERT_EVENT(ev[0], g + 1, id, T_ARRIVE, S_UNKNOWN, S_OFFLINE);
	ASSERT_EQ(-EAGAIN, ev_read(w, ev, 1));

	ASSERT_EQ(0, ip_remove(wr, id));
	close(wb);
	close(w);
	close(wr);
}

/*
 * An fd that never called WATCH: read() is EINVAL (at once, even blocking,
 * even while changes happen), whatever its access mode.
 */
TEST(read_without_watch_einval)
{
	static const int modes[] = {
		O_RDONLY, O_RDONLY | O_NONBLOCK, O_RDWR, O_RDWR | O_NONBLOCK,
	};
	struct iscsi_portal_event ev[4];
	struct waiter wt;
	__u64 id;
	size_t i;
	int wr, fd;

	wr = ip_open(O_RDWR);
	ASSERT_LE(0, wr);
	for (i = 0; i < IP_ARRAY_SIZE(modes); i++) {
		fd = ip_open(modes[i]);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, ip_add_unique(wr, AF_INET, S_ONLINE, &id, NULL));
		ASSERT_EQ(0, ip_set_status(wr, id, S_OFFLINE));
		read_returns_at_once(_metadata, &wt, fd, sizeof(wt.ev));
		ASSERT_EQ(-1, wt.ret);
		ASSERT_EQ(EINVAL, wt.err);
		ASSERT_TRUE(all_cc(wt.ev, sizeof(wt.ev)));
		ASSERT_EQ(-1, read(fd, ev, EV_SIZE));
		ASSERT_EQ(EINVAL, errno);
		ASSERT_EQ(0, ip_remove(wr, id));
		close(fd);
	}
	/* The writer fd itself never called WATCH either. */
	ASSERT_EQ(-1, read(wr, ev, sizeof(ev)));
	ASSERT_EQ(EINVAL, errno);
	close(wr);
}

/* read() into an unmapped buffer: EFAULT, and the records stay queued. */
TEST(read_bad_buffer_efault_keeps_records)
{
	struct iscsi_portal_event ev[4];
	void *bad;
	__u64 id, g;
	int wr, w;

	bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, bad);
	wr = ip_open(O_RDWR);
	ASSERT_LE(0, wr);
	w = ev_watcher(O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, w);

	g = ip_table_gen(wr);
	ASSERT_EQ(0, ip_add_unique(wr, AF_INET6, S_ONLINE, &id, NULL));
	ASSERT_EQ(0, ip_set_status(wr, id, S_OFFLINE));
	ASSERT_EQ(-1, read(w, bad, 2 * EV_SIZE));
	ASSERT_EQ(EFAULT, errno);

	ASSERT_EQ(2, ev_read(w, ev, IP_ARRAY_SIZE(ev)));
	ASSERT_EVENT(ev[0], g + 1, id, T_ARRIVE, S_UNKNOWN, S_ONLINE);
	ASSERT_EVENT(ev[1], g + 2, id, T_MODIFY, S_ONLINE, S_OFFLINE);

	ASSERT_EQ(0, ip_remove(wr, id));
	munmap(bad, 4096);
	close(w);
	close(wr);
}

/* read() returns only whole records: 48 bytes get one, 95 get two. */
TEST(read_partial_buffer_whole_records)
{
	unsigned char buf[128];
	struct iscsi_portal_event e;
	__u64 id, g;
	int wr, w;

	wr = ip_open(O_RDWR);
	ASSERT_LE(0, wr);
	w = ev_watcher(O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, w);
	g = ip_table_gen(wr);
	ASSERT_EQ(0, ip_add_unique(wr, AF_INET, S_ONLINE, &id, NULL));
	ASSERT_EQ(0, ip_set_status(wr, id, S_OFFLINE));
	ASSERT_EQ(0, ip_remove(wr, id));

	fill_cc(buf, sizeof(buf));
	ASSERT_EQ((ssize_t)EV_SIZE, read(w, buf, 48));
	memcpy(&e, buf, sizeof(e));
	ASSERT_EVENT(e, g + 1, id, T_ARRIVE, S_UNKNOWN, S_ONLINE);
	ASSERT_TRUE(all_cc(buf + EV_SIZE, sizeof(buf) - EV_SIZE));

	fill_cc(buf, sizeof(buf));
	ASSERT_EQ((ssize_t)(2 * EV_SIZE), read(w, buf, 95));
	memcpy(&e, buf, sizeof(e));
	ASSERT_EVENT(e, g + 2, id, T_MODIFY, S_ONLINE, S_OFFLINE);
	memcpy(&e, buf + EV_SIZE, sizeof(e));
	ASSERT_EVENT(e, g + 3, id, T_DEPART, S_OFFLINE, S_UNKNOWN);
	ASSERT_TRUE(all_cc(buf + 2 * EV_SIZE, sizeof(buf) - 2 * EV_SIZE));

	ASSERT_EQ(-1, read(w, buf, 48));
	ASSERT_EQ(EAGAIN, errno);
	close(w);
	close(wr);
}

/* ---------------------------------------------------------------------
 * WATCH
 */

/* WATCH needs an fd open for reading: O_WRONLY is EBADF (and read too). */
TEST(watch_wronly_ebadf)
{
	char buf[64];
	int fd;

	fd = ip_open(O_WRONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(-EBADF, ip_ioctl(fd, ISCSI_PORTAL_IOC_WATCH, NULL));
	ASSERT_EQ(-1, read(fd, buf, sizeof(buf)));
	ASSERT_EQ(EBADF, errno);
	close(fd);

	fd = ip_open(O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ip_ioctl(fd, ISCSI_PORTAL_IOC_WATCH, NULL));
	close(fd);
	fd = ip_open(O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ip_ioctl(fd, ISCSI_PORTAL_IOC_WATCH, NULL));
	close(fd);
}

/*
 * WATCH needs no capability: a process with every capability dropped can
 * watch an O_RDONLY fd and receive the changes made through a writer fd
 * opened before the drop.
 */
TEST(watch_needs_no_capability)
{
	struct iscsi_portal_event ev[4];
	__u64 id, g;
	int wr, w;

	wr = ip_open(O_RDWR);
	ASSERT_LE(0, wr);
	ASSERT_EQ(0, ip_caps_drop_all());
	ASSERT_FALSE(ip_cap_effective(CAP_NET_ADMIN));

	w = ev_watcher(O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, w);
	g = ip_table_gen(wr);
	ASSERT_EQ(0, ip_add_unique(wr, AF_INET, S_OFFLINE, &id, NULL));
	ASSERT_EQ(0, ip_remove(wr, id));
	ASSERT_EQ(2, ev_read(w, ev, IP_ARRAY_SIZE(ev)));
	ASSERT_EVENT(ev[0], g + 1, id, T_ARRIVE, S_UNKNOWN, S_OFFLINE);
	ASSERT_EVENT(ev[1], g + 2, id, T_DEPART, S_OFFLINE, S_UNKNOWN);
	close(w);
	close(wr);
}

/* WATCH twice on one fd: both succeed, and each record arrives once. */
TEST(watch_twice_one_copy)
{
	struct iscsi_portal_event ev[8];
	__u64 id, g;
	int wr, w;

	wr = ip_open(O_RDWR);
	ASSERT_LE(0, wr);
	w = ev_watcher(O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, w);
	ASSERT_EQ(0, ip_ioctl(w, ISCSI_PORTAL_IOC_WATCH, NULL));

	g = ip_table_gen(wr);
	ASSERT_EQ(0, ip_add_unique(wr, AF_INET, S_ONLINE, &id, NULL));
	ASSERT_EQ(0, ip_ioctl(w, ISCSI_PORTAL_IOC_WATCH, NULL));
	ASSERT_EQ(0, ip_set_status(wr, id, S_OFFLINE));
	ASSERT_EQ(0, ip_remove(wr, id));

	ASSERT_EQ(3, ev_read(w, ev, IP_ARRAY_SIZE(ev)));
	ASSERT_EVENT(ev[0], g + 1, id, T_ARRIVE, S_UNKNOWN, S_ONLINE);
	ASSERT_EVENT(ev[1], g + 2, id, T_MODIFY, S_ONLINE, S_OFFLINE);
	ASSERT_EVENT(ev[2], g + 3, id, T_DEPART, S_OFFLINE, S_UNKNOWN);
	ASSERT_EQ(-EAGAIN, ev_read(w, ev, IP_ARRAY_SIZE(ev)));
	close(w);
	close(wr);
}

/* ---------------------------------------------------------------------
 * poll, epoll, blocking read
 */

/*
 * poll() on a watcher: not ready while empty; a thread blocked in poll()
 * is woken by a change made from another thread; not ready once drained.
 */
TEST(poll_woken_by_change_from_other_thread)
{
	struct iscsi_portal_event ev[4];
	struct pollfd pfd;
	struct waiter wt;
	__u64 id, g;
	int wr, w;

	wr = ip_open(O_RDWR);
	ASSERT_LE(0, wr);
	ASSERT_EQ(0, ip_add_unique(wr, AF_INET, S_ONLINE, &id, NULL));
	w = ev_watcher(O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, w);

	pfd.fd = w;
	pfd.events = POLLIN;
	pfd.revents = 0;
	ASSERT_EQ(0, poll(&pfd, 1, 0));
	ASSERT_EQ(0, pfd.revents);

	waiter_start_blocked(_metadata, &wt, W_POLL, w);
	g = ip_table_gen(wr);
	ASSERT_EQ(0, ip_set_status(wr, id, S_OFFLINE));
	ASSERT_TRUE(waiter_wait(&wt));
	ASSERT_EQ(1, wt.ret);
	ASSERT_TRUE(!!(wt.revents & POLLIN));

	/* Level-triggered: still ready until read. */
	pfd.revents = 0;
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	ASSERT_TRUE(!!(pfd.revents & POLLIN));
	ASSERT_EQ(1, ev_read(w, ev, IP_ARRAY_SIZE(ev)));
	ASSERT_EVENT(ev[0], g + 1, id, T_MODIFY, S_ONLINE, S_OFFLINE);
	pfd.revents = 0;
	ASSERT_EQ(0, poll(&pfd, 1, 0));

	ASSERT_EQ(0, ip_remove(wr, id));
	close(w);
	close(wr);
}

/*
 * poll() on an fd that never called WATCH never reports POLLIN, even while
 * changes happen: a thread blocked in poll() on it (and on a pipe) stays
 * blocked through 30 changes, and returns for the pipe alone; a watcher
 * in the same set is ready.
 */
TEST(poll_without_watch_never_ready)
{
	struct pollfd pfd[2];
	struct waiter wt;
	int wr, fd, w, pipefd[2], i;
	__u64 id;

	wr = ip_open(O_RDWR);
	ASSERT_LE(0, wr);
	fd = ip_open(O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, fd);
	w = ev_watcher(O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, w);
	ASSERT_EQ(0, pipe2(pipefd, O_CLOEXEC));
	ASSERT_EQ(0, ip_add_unique(wr, AF_INET, S_ONLINE, &id, NULL));

	ASSERT_EQ(0, waiter_start2(&wt, W_POLL, fd, pipefd[0], 0));
	ASSERT_EQ(0, waiter_blocked(&wt));
	for (i = 0; i < 30; i++) {
		ASSERT_EQ(0, ip_set_status(wr, id, i % 2 ? S_ONLINE : S_OFFLINE));
	}
	/* Woken or not, it must be asleep in poll() again, not returned. */
	ASSERT_EQ(0, waiter_blocked(&wt))
		TH_LOG("poll() on a non-watcher returned %zd, revents %#x",
		       wt.ret, (unsigned int)wt.revents);
	ASSERT_EQ(1, write(pipefd[1], "x", 1));
	ASSERT_TRUE(waiter_wait(&wt));
	ASSERT_EQ(1, wt.ret);
	ASSERT_EQ(0, wt.revents);
	ASSERT_TRUE(!!(wt.revents2 & POLLIN));

	/* The changes happened: the watcher is ready, the other fd is not. */
	pfd[0].fd = fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = w;
	pfd[1].events = POLLIN;
	pfd[0].revents = pfd[1].revents = 0;
	ASSERT_EQ(1, poll(pfd, 2, 0));
	ASSERT_EQ(0, pfd[0].revents);
	ASSERT_TRUE(!!(pfd[1].revents & POLLIN));
	pfd[0].revents = 0;
	ASSERT_EQ(0, poll(pfd, 1, 100));
	ASSERT_EQ(0, pfd[0].revents);

	ASSERT_EQ(0, ip_remove(wr, id));
	close(pipefd[0]);
	close(pipefd[1]);
	close(w);
	close(fd);
	close(wr);
}

/*
 * epoll: EPOLLIN (level-triggered) while a record waits, none once
 * drained; an epoll_wait() blocked in another thread is woken by a change;
 * a non-watcher in the set never reports.
 */
TEST(epoll_reports_epollin)
{
	struct iscsi_portal_event ev[4];
	struct epoll_event eev, out[2];
	struct waiter wt;
	int wr, w, fd, ep;
	__u64 id, g;

	wr = ip_open(O_RDWR);
	ASSERT_LE(0, wr);
	ASSERT_EQ(0, ip_add_unique(wr, AF_INET, S_ONLINE, &id, NULL));
	w = ev_watcher(O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, w);
	fd = ip_open(O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, fd);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);

	memset(&eev, 0, sizeof(eev));
	eev.events = EPOLLIN;
	eev.data.u64 = 0x1234;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, w, &eev));
	eev.data.u64 = 0x5678;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, fd, &eev));
	ASSERT_EQ(0, epoll_wait(ep, out, 2, 0));

	g = ip_table_gen(wr);
	ASSERT_EQ(0, ip_set_status(wr, id, S_OFFLINE));
	memset(out, 0, sizeof(out));
	ASSERT_EQ(1, epoll_wait(ep, out, 2, EV_WAKE_MS));
	ASSERT_EQ((__u64)0x1234, (__u64)out[0].data.u64);
	ASSERT_TRUE(!!(out[0].events & EPOLLIN));
	/* Level-triggered: reported again until read. */
	ASSERT_EQ(1, epoll_wait(ep, out, 2, 0));
	ASSERT_EQ(1, ev_read(w, ev, IP_ARRAY_SIZE(ev)));
	ASSERT_EVENT(ev[0], g + 1, id, T_MODIFY, S_ONLINE, S_OFFLINE);
	ASSERT_EQ(0, epoll_wait(ep, out, 2, 0));

	/* A blocked epoll_wait() is woken by a change from this thread. */
	waiter_start_blocked(_metadata, &wt, W_EPOLL, ep);
	ASSERT_EQ(0, ip_set_status(wr, id, S_ONLINE));
	ASSERT_TRUE(waiter_wait(&wt));
	ASSERT_EQ(1, wt.ret);
	ASSERT_EQ((__u64)0x1234, (__u64)wt.eev.data.u64);
	ASSERT_TRUE(!!(wt.eev.events & EPOLLIN));
	ASSERT_EQ(1, ev_read(w, ev, IP_ARRAY_SIZE(ev)));
	ASSERT_EVENT(ev[0], g + 2, id, T_MODIFY, S_OFFLINE, S_ONLINE);

	ASSERT_EQ(0, ip_remove(wr, id));
	close(ep);
	close(fd);
	close(w);
	close(wr);
}

/* A blocking read() sleeps while the queue is empty and wakes on a change. */
TEST(blocking_read_woken_by_change)
{
	struct waiter wt;
	__u64 id, g;
	int wr, w;

	wr = ip_open(O_RDWR);
	ASSERT_LE(0, wr);
	ASSERT_EQ(0, ip_add_unique(wr, AF_INET6, S_OFFLINE, &id, NULL));
	w = ev_watcher(O_RDONLY);
	ASSERT_LE(0, w);

	waiter_start_blocked(_metadata, &wt, W_READ, w);
	g = ip_table_gen(wr);
	ASSERT_EQ(0, ip_report_status(wr, id, S_FAILED));
	ASSERT_TRUE(waiter_wait(&wt));
	ASSERT_EQ((ssize_t)EV_SIZE, wt.ret);
	ASSERT_EVENT(wt.ev[0], g + 1, id, T_MODIFY, S_OFFLINE, S_FAILED);
	ASSERT_TRUE(all_cc(&wt.ev[1], sizeof(wt.ev) - EV_SIZE));

	ASSERT_EQ(0, ip_remove(wr, id));
	close(w);
	close(wr);
}

static volatile sig_atomic_t sig_count;

static void sig_handler(int sig)
{
	(void)sig;
	sig_count++;
}

static int install_handler(int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sig_handler;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGUSR1, &sa, NULL) ? -errno : 0;
}

/*
 * A blocking read() interrupted by a signal whose handler has no
 * SA_RESTART fails with EINTR; nothing queued later is lost.
 */
TEST(blocking_read_interrupted_eintr)
{
	struct iscsi_portal_event ev[2];
	struct waiter wt;
	__u64 id, g;
	int wr, w;

	ASSERT_EQ(0, install_handler(0));
	wr = ip_open(O_RDWR);
	ASSERT_LE(0, wr);
	w = ev_watcher(O_RDONLY);
	ASSERT_LE(0, w);

	sig_count = 0;
	/* Asleep in read(), so the signal interrupts the read itself. */
	waiter_start_blocked(_metadata, &wt, W_READ, w);
	ASSERT_EQ(0, pthread_kill(wt.thread, SIGUSR1));
	ASSERT_TRUE(waiter_wait(&wt));
	ASSERT_EQ(-1, wt.ret);
	ASSERT_EQ(EINTR, wt.err);
	ASSERT_LT(0, sig_count);
	ASSERT_TRUE(all_cc(wt.ev, sizeof(wt.ev)));

	/* The queue is intact: the next change is read normally. */
	g = ip_table_gen(wr);
	ASSERT_EQ(0, ip_add_unique(wr, AF_INET, S_ONLINE, &id, NULL));
	ASSERT_EQ(1, ev_read(w, ev, IP_ARRAY_SIZE(ev)));
	ASSERT_EVENT(ev[0], g + 1, id, T_ARRIVE, S_UNKNOWN, S_ONLINE);
	ASSERT_EQ(0, ip_remove(wr, id));
	close(w);
	close(wr);
}

/*
 * With SA_RESTART the interrupted read() is restarted: it keeps waiting
 * after the handler ran and returns the next record.
 */
TEST(blocking_read_restarted_with_sa_restart)
{
	struct waiter wt;
	uint64_t end;
	__u64 id;
	int wr, w;

	ASSERT_EQ(0, install_handler(SA_RESTART));
	wr = ip_open(O_RDWR);
	ASSERT_LE(0, wr);
	ASSERT_EQ(0, ip_add_unique(wr, AF_INET, S_ONLINE, &id, NULL));
	w = ev_watcher(O_RDONLY);
	ASSERT_LE(0, w);

	sig_count = 0;
	waiter_start_blocked(_metadata, &wt, W_READ, w);
	ASSERT_EQ(0, pthread_kill(wt.thread, SIGUSR1));
	/* The handler runs (it counts)... */
	end = ip_now_ms() + EV_WAKE_MS;
	while (!sig_count && !waiter_done(&wt) && ip_now_ms() <= end)
		usleep(500);
	ASSERT_EQ(1, sig_count);
	/* ...then the read() is restarted: asleep in it again, not returned. */
	ASSERT_EQ(0, waiter_blocked(&wt))
		TH_LOG("read() returned %zd (%s) instead of restarting", wt.ret,
		       strerror(wt.err));
	ASSERT_FALSE(waiter_done(&wt));

	set_wakes_reader(_metadata, &wt, wr, id, S_ONLINE, S_OFFLINE);
	ASSERT_EQ(0, ip_remove(wr, id));
	close(w);
	close(wr);
}

/* ---------------------------------------------------------------------
 * Many watchers, closing watchers
 */

#define NWATCHERS 64

/* 64 watchers each receive every record of a sequence, once. */
TEST(many_watchers_each_get_every_record)
{
	struct iscsi_portal_event exp[8], ev[16];
	int w[NWATCHERS], wr, i, j;
	__u64 a, b, g;

	wr = ip_open(O_RDWR);
	ASSERT_LE(0, wr);
	for (i = 0; i < NWATCHERS; i++) {
		w[i] = ev_watcher(i % 2 ? O_RDWR | O_NONBLOCK :
				  O_RDONLY | O_NONBLOCK);
		ASSERT_LE(0, w[i]);
	}

	g = ip_table_gen(wr);
	ASSERT_EQ(0, ip_add_unique(wr, AF_INET, S_ONLINE, &a, NULL));
	ASSERT_EQ(0, ip_add_unique(wr, AF_INET6, S_NOT_READY, &b, NULL));
	ASSERT_EQ(0, ip_set_status(wr, a, S_OFFLINE));
	ASSERT_EQ(0, ip_report_status(wr, b, S_ONLINE));
	ASSERT_EQ(0, ip_remove(wr, a));
	ASSERT_EQ(0, ip_remove(wr, b));
	exp[0] = ev_make(g + 1, a, T_ARRIVE, S_UNKNOWN, S_ONLINE);
	exp[1] = ev_make(g + 2, b, T_ARRIVE, S_UNKNOWN, S_NOT_READY);
	exp[2] = ev_make(g + 3, a, T_MODIFY, S_ONLINE, S_OFFLINE);
	exp[3] = ev_make(g + 4, b, T_MODIFY, S_NOT_READY, S_ONLINE);
	exp[4] = ev_make(g + 5, a, T_DEPART, S_OFFLINE, S_UNKNOWN);
	exp[5] = ev_make(g + 6, b, T_DEPART, S_ONLINE, S_UNKNOWN);

	for (i = 0; i < NWATCHERS; i++) {
		/* Odd chunk sizes per watcher: 1..5 records per read. */
		ASSERT_EQ(6, ev_drain(w[i], ev, IP_ARRAY_SIZE(ev), 1 + i % 5));
		for (j = 0; j < 6; j++) {
			ASSERT_SAME_EVENT(exp[j], ev[j]);
		}
	}
	for (i = 0; i < NWATCHERS; i++)
		close(w[i]);
	close(wr);
}

/*
 * Closing watchers (with and without queued records) while another thread
 * is blocked in read() on a different watcher: the reader is unaffected
 * and gets the next record.
 */
TEST(close_watcher_while_other_blocked_in_read)
{
	struct iscsi_portal_event ev[4];
	struct waiter wt;
	int wr, w, other[8], i;
	__u64 id;

	wr = ip_open(O_RDWR);
	ASSERT_LE(0, wr);
	ASSERT_EQ(0, ip_add_unique(wr, AF_INET, S_ONLINE, &id, NULL));
	w = ev_watcher(O_RDONLY);
	ASSERT_LE(0, w);
	for (i = 0; i < 8; i++) {
		other[i] = ev_watcher(O_RDONLY);
		ASSERT_LE(0, other[i]);
	}
	/* Half of the others hold a record, then a blocked reader starts. */
	ASSERT_EQ(0, ip_set_status(wr, id, S_OFFLINE));
	ASSERT_EQ(1, ev_read(w, ev, IP_ARRAY_SIZE(ev)));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(1, ev_read(other[i], ev, IP_ARRAY_SIZE(ev)));
	}

	waiter_start_blocked(_metadata, &wt, W_READ, w);
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, close(other[i]));
	}
	/* close() has released them: the reader still sleeps in read(). */
	ASSERT_EQ(0, waiter_blocked(&wt))
		TH_LOG("closing other watchers ended the read: %zd (%s)", wt.ret,
		       strerror(wt.err));
	ASSERT_FALSE(waiter_done(&wt));

	set_wakes_reader(_metadata, &wt, wr, id, S_OFFLINE, S_ONLINE);

	ASSERT_EQ(0, ip_remove(wr, id));
	close(w);
	close(wr);
}

#define SHARED_CHANGES	300

/* A thread reading one shared watcher fd until told to stop. */
struct shared_reader {
	pthread_t thread;
	int fd;
	__u64 seq[SHARED_CHANGES + 16];
	int n;
	int err;		/* first unexpected -errno, or -ENOSPC */
	int *stop;
	int *total;
};

static void *shared_reader_fn(void *p)
{
	struct shared_reader *r = p;
	struct iscsi_portal_event ev[3];
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
	int i, n;

	for (;;) {
		bool stopping = __atomic_load_n(r->stop, __ATOMIC_ACQUIRE);

		n = ev_read(r->fd, ev, IP_ARRAY_SIZE(ev));
		if (n == -EAGAIN) {
			if (stopping)
				return NULL;
			poll(&pfd, 1, 20);
			continue;
		}
		if (n <= 0) {
			r->err = n ? n : -EPROTO;
			return NULL;
		}
		for (i = 0; i < n; i++) {
			if (r->n == (int)IP_ARRAY_SIZE(r->seq)) {
				r->err = -ENOSPC;
				return NULL;
			}
			r->seq[r->n++] = ev[i].seq;
		}
		__atomic_add_fetch(r->total, n, __ATOMIC_RELEASE);
	}
}

/*
 * Two threads reading one watcher fd while changes are made: every record
 * is delivered exactly once (to one of them), and each reader sees its
 * records in increasing seq order.
 */
TEST(two_readers_share_one_watcher)
{
	static struct shared_reader r[2];
	static bool seen[SHARED_CHANGES];
	int wr, w, i, k, stop = 0, total = 0;
	__u32 st = S_ONLINE;
	uint64_t end;
	__u64 id, g;

	wr = ip_open(O_RDWR);
	ASSERT_LE(0, wr);
	ASSERT_EQ(0, ip_add_unique(wr, AF_INET, S_ONLINE, &id, NULL));
	w = ev_watcher(O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, w);
	g = ip_table_gen(wr);
	for (k = 0; k < 2; k++) {
		memset(&r[k], 0, sizeof(r[k]));
		r[k].fd = w;
		r[k].stop = &stop;
		r[k].total = &total;
		ASSERT_EQ(0, pthread_create(&r[k].thread, NULL,
					    shared_reader_fn, &r[k]));
	}
	/* Paced, so that both readers are woken and race for records. */
	for (i = 0; i < SHARED_CHANGES; i++) {
		st = st == S_ONLINE ? S_OFFLINE : S_ONLINE;
		ASSERT_EQ(0, ip_set_status(wr, id, st));
		if (i % 3 == 2)
			usleep(500);
	}
	ASSERT_EQ(g + SHARED_CHANGES, ip_table_gen(wr));
	end = ip_now_ms() + EV_WAKE_MS;
	while (__atomic_load_n(&total, __ATOMIC_ACQUIRE) < SHARED_CHANGES &&
	       ip_now_ms() < end)
		ip_sleep_ms(10);
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (k = 0; k < 2; k++)
		pthread_join(r[k].thread, NULL);

	ASSERT_EQ(SHARED_CHANGES, total);
	for (k = 0; k < 2; k++) {
		ASSERT_EQ(0, r[k].err);
		for (i = 0; i < r[k].n; i++) {
			__u64 s = r[k].seq[i];

			ASSERT_LT(g, s);
			ASSERT_GE(g + SHARED_CHANGES, s);
			if (i) {
				ASSERT_LT(r[k].seq[i - 1], s);
			}
			ASSERT_FALSE(seen[s - g - 1]);
			seen[s - g - 1] = true;
		}
	}
	TH_LOG("records per reader: %d and %d", r[0].n, r[1].n);
	ASSERT_EQ(0, ip_remove(wr, id));
	close(w);
	close(wr);
}

/* ---------------------------------------------------------------------
 * The bounded queue: the module reloaded with event_queue_len=8
 */

#define QLEN 8

FIXTURE(qlen8) {
	int wr;
	int w;
};

/* Close every fd of the fixture (before a reload). */
static void qlen8_close(FIXTURE_DATA(qlen8) *self)
{
	if (self->w >= 0)
		close(self->w);
	if (self->wr >= 0)
		close(self->wr);
	self->w = self->wr = -1;
}

/* Reload with @params and open a writer and a non-blocking watcher. */
static int qlen8_load(FIXTURE_DATA(qlen8) *self, const char *params,
		      uint64_t qlen)
{
	uint64_t val = 0;
	int ret;

	qlen8_close(self);
	ret = ip_module_reload(params);
	if (ret)
		return ret;
	ret = ip_param_read("event_queue_len", &val);
	if (ret)
		return ret;
	if (val != qlen)
		return -EPROTO;
	self->wr = ip_open(O_RDWR);
	if (self->wr < 0)
		return self->wr;
	self->w = ev_watcher(O_RDONLY | O_NONBLOCK);
	return self->w < 0 ? self->w : 0;
}

FIXTURE_SETUP(qlen8)
{
	self->wr = self->w = -1;
	ASSERT_EQ(0, qlen8_load(self, "event_queue_len=8", QLEN));
}

FIXTURE_TEARDOWN(qlen8)
{
	qlen8_close(self);
	EXPECT_EQ(0, ip_module_ensure_default());
}

/* @n SET_STATUS calls alternating OFFLINE/ONLINE on @id (ONLINE now). */
static int toggle(int fd, __u64 id, int n, __u32 *status)
{
	int i, ret;

	for (i = 0; i < n; i++) {
		*status = *status == S_ONLINE ? S_OFFLINE : S_ONLINE;
		ret = ip_set_status(fd, id, *status);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * 20 changes into a queue of 8: the 8 first records (g+1..g+8), then one
 * OVERFLOW whose seq is the generation of the last dropped change (g+20),
 * then nothing; a later change arrives normally with seq g+21.
 */
TEST_F(qlen8, overflow_exact_seqs)
{
	struct iscsi_portal_event ev[32];
	__u32 st = S_ONLINE, prev;
	__u64 id, g;
	int n, i;

	ASSERT_EQ(0, ip_add_unique(self->wr, AF_INET, S_ONLINE, &id, NULL));
	ASSERT_EQ(1, ev_read(self->w, ev, IP_ARRAY_SIZE(ev)));
	g = ip_table_gen(self->wr);
	ASSERT_EQ(0, toggle(self->wr, id, 20, &st));
	ASSERT_EQ(g + 20, ip_table_gen(self->wr));
	ASSERT_EQ((__u64)20, portal_gen(self->wr, id));

	n = ev_drain(self->w, ev, IP_ARRAY_SIZE(ev), IP_ARRAY_SIZE(ev));
	ASSERT_EQ(QLEN + 1, n);
	prev = S_ONLINE;
	for (i = 0; i < QLEN; i++) {
		__u32 next = prev == S_ONLINE ? S_OFFLINE : S_ONLINE;

		ASSERT_EVENT(ev[i], g + 1 + i, id, T_MODIFY, prev, next);
		prev = next;
	}
	ASSERT_EVENT(ev[QLEN], g + 20, 0, T_OVERFLOW, 0, 0);
	ASSERT_EQ(-EAGAIN, ev_read(self->w, ev, IP_ARRAY_SIZE(ev)));

	/* Events flow again, up to a full queue without a new OVERFLOW. */
	ASSERT_EQ(0, ip_report_status(self->wr, id, S_FAILED));
	ASSERT_EQ(1, ev_read(self->w, ev, IP_ARRAY_SIZE(ev)));
	ASSERT_EVENT(ev[0], g + 21, id, T_MODIFY, st, S_FAILED);
	st = S_FAILED;
	ASSERT_EQ(0, toggle(self->wr, id, QLEN, &st));
	n = ev_drain(self->w, ev, IP_ARRAY_SIZE(ev), 3);
	ASSERT_EQ(QLEN, n);
	for (i = 0; i < QLEN; i++) {
		ASSERT_EQ(g + 22 + i, ev[i].seq);
		ASSERT_EQ((__u32)T_MODIFY, ev[i].type);
	}
}

/* OVERFLOW is delivered after the queued records, also read one by one. */
TEST_F(qlen8, overflow_read_one_by_one)
{
	struct iscsi_portal_event ev[2];
	__u32 st = S_ONLINE;
	__u64 id, g;
	int i;

	ASSERT_EQ(0, ip_add_unique(self->wr, AF_INET6, S_ONLINE, &id, NULL));
	ASSERT_EQ(1, ev_read(self->w, ev, 1));
	g = ip_table_gen(self->wr);
	ASSERT_EQ(0, toggle(self->wr, id, QLEN + 1, &st));

	for (i = 0; i < QLEN; i++) {
		ASSERT_EQ(1, ev_read(self->w, ev, 1));
		ASSERT_EQ(g + 1 + i, ev[0].seq);
		ASSERT_EQ((__u32)T_MODIFY, ev[0].type);
	}
	ASSERT_EQ(1, ev_read(self->w, ev, 1));
	ASSERT_EVENT(ev[0], g + QLEN + 1, 0, T_OVERFLOW, 0, 0);
	ASSERT_EQ(-EAGAIN, ev_read(self->w, ev, 1));
}

/* Exactly a full queue is not an overflow: 8 records, no OVERFLOW. */
TEST_F(qlen8, full_queue_without_overflow)
{
	struct iscsi_portal_event ev[16];
	__u32 st = S_ONLINE;
	__u64 id, g;
	int i;

	ASSERT_EQ(0, ip_add_unique(self->wr, AF_INET, S_ONLINE, &id, NULL));
	ASSERT_EQ(1, ev_read(self->w, ev, IP_ARRAY_SIZE(ev)));
	g = ip_table_gen(self->wr);
	ASSERT_EQ(0, toggle(self->wr, id, QLEN, &st));
	ASSERT_EQ(QLEN, ev_drain(self->w, ev, IP_ARRAY_SIZE(ev), 16));
	for (i = 0; i < QLEN; i++) {
		ASSERT_EQ(g + 1 + i, ev[i].seq);
		ASSERT_EQ((__u32)T_MODIFY, ev[i].type);
	}
	/* The drained queue takes 8 more. */
	ASSERT_EQ(0, toggle(self->wr, id, QLEN, &st));
	ASSERT_EQ(QLEN, ev_drain(self->w, ev, IP_ARRAY_SIZE(ev), 16));
	ASSERT_EQ(g + 2 * QLEN, ev[QLEN - 1].seq);
	ASSERT_EQ((__u32)T_MODIFY, ev[QLEN - 1].type);
}

/*
 * Dropping goes on while the reader has read only part of the queue: it
 * stops only once OVERFLOW has been consumed.
 */
TEST_F(qlen8, overflow_drops_until_drained)
{
	struct iscsi_portal_event ev[16];
	__u32 st = S_ONLINE;
	__u64 id, g;
	int n, i;

	ASSERT_EQ(0, ip_add_unique(self->wr, AF_INET, S_ONLINE, &id, NULL));
	ASSERT_EQ(1, ev_read(self->w, ev, IP_ARRAY_SIZE(ev)));
	g = ip_table_gen(self->wr);
	ASSERT_EQ(0, toggle(self->wr, id, 10, &st));	/* g+1..g+10 */

	ASSERT_EQ(3, ev_read(self->w, ev, 3));		/* g+1..g+3 */
	ASSERT_EQ(g + 3, ev[2].seq);
	ASSERT_EQ(0, toggle(self->wr, id, 3, &st));	/* g+11..g+13: dropped */

	n = ev_drain(self->w, ev, IP_ARRAY_SIZE(ev), IP_ARRAY_SIZE(ev));
	ASSERT_EQ(QLEN - 3 + 1, n);
	for (i = 0; i < QLEN - 3; i++) {
		ASSERT_EQ(g + 4 + i, ev[i].seq);
	}
	ASSERT_EVENT(ev[QLEN - 3], g + 13, 0, T_OVERFLOW, 0, 0);
	ASSERT_EQ(-EAGAIN, ev_read(self->w, ev, 1));

	ASSERT_EQ(0, ip_remove(self->wr, id));
	ASSERT_EQ(1, ev_read(self->w, ev, IP_ARRAY_SIZE(ev)));
	ASSERT_EVENT(ev[0], g + 14, id, T_DEPART, st, S_UNKNOWN);
}

/* A one-record queue: the record, then OVERFLOW, then flowing again. */
TEST_F(qlen8, overflow_queue_len_1)
{
	struct iscsi_portal_event ev[4];
	__u64 id, g;

	ASSERT_EQ(0, qlen8_load(self, "event_queue_len=1", 1));
	g = ip_table_gen(self->wr);
	ASSERT_EQ(0, ip_add_unique(self->wr, AF_INET, S_OFFLINE, &id, NULL));
	ASSERT_EQ(0, ip_set_status(self->wr, id, S_ONLINE));
	ASSERT_EQ(0, ip_report_status(self->wr, id, S_FAILED));
	ASSERT_EQ(2, ev_drain(self->w, ev, IP_ARRAY_SIZE(ev), 4));
	ASSERT_EVENT(ev[0], g + 1, id, T_ARRIVE, S_UNKNOWN, S_OFFLINE);
	ASSERT_EVENT(ev[1], g + 3, 0, T_OVERFLOW, 0, 0);
	ASSERT_EQ(0, ip_remove(self->wr, id));
	ASSERT_EQ(1, ev_drain(self->w, ev, IP_ARRAY_SIZE(ev), 4));
	ASSERT_EVENT(ev[0], g + 4, id, T_DEPART, S_FAILED, S_UNKNOWN);
}

/*
 * The recovery test's random changes, made through @fd and applied to the
 * model (model.h) as they succeed.
 */
#define MMAX 64

struct driver {
	struct ipm_table m;
	uint32_t rnd;
};

static uint32_t driver_rand(struct driver *d)
{
	d->rnd = d->rnd * 1103515245u + 12345u;
	return d->rnd >> 16;
}

/* ADD a portal with a random family and status through @fd. */
static int driver_add(int fd, struct driver *d, uint32_t r)
{
	__u32 to = ip_valid_statuses[r % IP_ARRAY_SIZE(ip_valid_statuses)];
	struct iscsi_portal_addr a;
	__u64 id;
	int ret;

	if (d->m.n == MMAX)
		return -ENOSPC;
	ret = ip_add_unique(fd, r % 3 ? AF_INET : AF_INET6, to, &id, &a);
	if (ret)
		return ret;
	return ipm_add(&d->m, id, &a, to, NULL);
}

/*
 * One random change through @fd.  Returns 1 if the table changed, 0 if it
 * was a no-op, -errno if the call failed (or the model says it could not
 * have succeeded).
 */
static int driver_step(int fd, struct driver *d)
{
	struct ipm_portal *p = NULL;
	uint32_t r = driver_rand(d);
	int i, n = (int)d->m.n, ret;
	__u32 to;

	if (!d->m.nlive || (r % 8 == 0 && n < MMAX))
		return driver_add(fd, d, r);
	r /= 8;
	for (i = (int)(r % (uint32_t)n); !p; i = (i + 1) % n)
		if (d->m.p[i].live)
			p = &d->m.p[i];
	r /= 64;
	switch (r % 6) {
	case 0:
		ret = ip_remove(fd, p->id);
		return ret ? ret : ipm_remove(&d->m, p->id, NULL);
	case 1:
	case 2:
		to = (r / 6) % 2 ? S_ONLINE : S_OFFLINE;
		ret = ip_set_status(fd, p->id, to);
		break;
	default:
		to = ip_valid_statuses[(r / 6) % IP_ARRAY_SIZE(ip_valid_statuses)];
		ret = ip_report_status(fd, p->id, to);
		break;
	}
	return ret ? ret : ipm_set_status(&d->m, p->id, to, NULL);
}

/*
 * Recovery after OVERFLOW, the way CONTRACT section 4 describes it: LIST,
 * then apply only the records whose seq is above the LIST's generation.
 * The rebuilt table equals the final LIST and the test's own model.
 */
TEST_F(qlen8, overflow_recovery_with_list)
{
	struct iscsi_portal_event ev[64];
	struct iscsi_portal_info *list = NULL, *fin = NULL;
	struct ipm_table t;
	struct driver d;
	__u64 list_gen, ovf_gen;
	size_t nlist, nfin, i, where = 0;
	int changes, before_list, n, k, ret;
	const char *why;

	memset(&t, 0, sizeof(t));
	ASSERT_EQ(0, ipm_init(&d.m, MMAX, false, ip_table_gen(self->wr)));
	d.rnd = 0x1cebe11;
	/* Six portals to start with; their records are read. */
	for (k = 0; k < 6; k++) {
		ASSERT_EQ(1, driver_add(self->wr, &d, driver_rand(&d)));
	}
	ASSERT_EQ(6, ev_drain(self->w, ev, IP_ARRAY_SIZE(ev), 64));

	/* 30 random steps: far more changes than the queue holds. */
	for (changes = 0, k = 0; k < 30; k++) {
		ret = driver_step(self->wr, &d);
		ASSERT_LE(0, ret);
		changes += ret;
	}
	ASSERT_LT(QLEN + 2, changes);
	ovf_gen = ip_table_gen(self->wr);
	ASSERT_EQ(ovf_gen, d.m.gen);

	n = ev_drain(self->w, ev, IP_ARRAY_SIZE(ev), 5);
	ASSERT_EQ(QLEN + 1, n);
	ASSERT_EVENT(ev[QLEN], ovf_gen, 0, T_OVERFLOW, 0, 0);

	/*
	 * Changes before the LIST (records to ignore), LIST, changes after:
	 * at most 4 + 4 changes, so the queue of 8 does not overflow again.
	 */
	for (before_list = 0, k = 0; k < 4; k++) {
		ret = driver_step(self->wr, &d);
		ASSERT_LE(0, ret);
		before_list += ret;
	}
	ASSERT_LT(0, before_list);
	ASSERT_EQ(0, ip_list_all(self->wr, &list, &nlist, &list_gen));
	ASSERT_EQ(ovf_gen + before_list, list_gen);
	ASSERT_EQ(0, ipm_init(&t, nlist + 64, false, list_gen));
	ASSERT_EQ(0, ipm_load(&t, list, nlist, list_gen));
	for (changes = 0, k = 0; k < 4; k++) {
		ret = driver_step(self->wr, &d);
		ASSERT_LE(0, ret);
		changes += ret;
	}
	ASSERT_LT(0, changes);

	n = ev_drain(self->w, ev, IP_ARRAY_SIZE(ev), 4);
	ASSERT_EQ(before_list + changes, n);
	for (k = 0; k < n; k++) {
		ASSERT_EQ(ovf_gen + 1 + k, ev[k].seq);
		if (ev[k].seq <= list_gen)
			continue;	/* already in the LIST */
		why = ipm_apply(&t, &ev[k]);
		if (why) {
			struct ipm_portal *p = ipm_find(&t, ev[k].id);

			TH_LOG("record seq %llu id %llu type %u %u->%u does not fit the LIST (%s, status %u): %s",
			       (unsigned long long)ev[k].seq,
			       (unsigned long long)ev[k].id, ev[k].type,
			       ev[k].old_status, ev[k].new_status,
			       p && p->live ? "present" : "absent",
			       p ? p->status : 0, why);
		}
		ASSERT_EQ(NULL, why);
	}

	/* The rebuilt table is the final LIST... */
	ASSERT_EQ(0, ip_list_all(self->wr, &fin, &nfin, NULL));
	ASSERT_EQ(nfin, t.nlive);
	why = ipm_check_list(&t, fin, nfin, &where);
	EXPECT_EQ(NULL, why) TH_LOG("final LIST entry %zu: %s", where, why);
	for (i = 0; i < nfin; i++) {
		struct ipm_portal *p = ipm_find(&t, fin[i].id);

		ASSERT_NE(NULL, p);
		ASSERT_TRUE(p->live);
		ASSERT_EQ(fin[i].status, p->status);
		ASSERT_EQ(fin[i].generation, p->gen);
	}
	/* ...and the model (the module was just loaded: only our portals). */
	ASSERT_EQ(d.m.nlive, t.nlive);
	ASSERT_EQ(ip_table_gen(self->wr), d.m.gen);
	for (i = 0; i < d.m.n; i++) {
		const struct ipm_portal *mp = &d.m.p[i];
		struct ipm_portal *p = ipm_find(&t, mp->id);

		if (!mp->live) {
			ASSERT_TRUE(!p || !p->live);
			continue;
		}
		ASSERT_NE(NULL, p);
		ASSERT_TRUE(p->live);
		ASSERT_EQ(mp->status, p->status);
		ASSERT_EQ(mp->gen, p->gen);
	}
	ipm_free(&t);
	ipm_free(&d.m);
	free(list);
	free(fin);
}

/*
 * An open watcher pins the module: delete_module(O_NONBLOCK) is EAGAIN
 * and the watcher keeps working; once closed, the module unloads.
 */
TEST_F(qlen8, unload_refused_while_watching)
{
	struct iscsi_portal_event ev[4];
	__u64 id, g;
	int w;

	qlen8_close(self);
	w = ev_watcher(O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, w);
	ASSERT_EQ(-EAGAIN, ip_delete_module(O_NONBLOCK));
	ASSERT_TRUE(ip_module_loaded());

	self->wr = ip_open(O_RDWR);
	ASSERT_LE(0, self->wr);
	g = ip_table_gen(self->wr);
	ASSERT_EQ(0, ip_add_unique(self->wr, AF_INET, S_ONLINE, &id, NULL));
	ASSERT_EQ(0, close(self->wr));
	self->wr = -1;
	ASSERT_EQ(-EAGAIN, ip_delete_module(O_NONBLOCK));
	ASSERT_EQ(1, ev_read(w, ev, IP_ARRAY_SIZE(ev)));
	ASSERT_EVENT(ev[0], g + 1, id, T_ARRIVE, S_UNKNOWN, S_ONLINE);

	/* Records still queued at close are freed with the watcher. */
	self->wr = ip_open(O_RDWR);
	ASSERT_LE(0, self->wr);
	ASSERT_EQ(0, ip_set_status(self->wr, id, S_OFFLINE));
	ASSERT_EQ(0, close(self->wr));
	self->wr = -1;
	ASSERT_EQ(0, close(w));
	ASSERT_EQ(0, ip_module_unload());
	ASSERT_FALSE(ip_module_loaded());
}

TEST_HARNESS_MAIN
