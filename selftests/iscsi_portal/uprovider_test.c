// SPDX-License-Identifier: GPL-2.0
/*
 * uprovider_test - a userspace provider through its fd (CONTRACT section
 * 8.2): PROVIDER_ATTACH, the request records read(), poll(), PROVIDER_REPLY,
 * the timeout and the late reply, the provider fd closing with a SET
 * pending, a SET caller killed inside its window, REENUMERATE/REFRESH
 * reaching every provider (two userspace ones and the test provider
 * module), the busy window, orphans adopted with their ids, the flags.
 *
 * No verdict comes from a clock.  A SET "waits for its provider" when its
 * thread (or child) is seen asleep inside the SET ioctl (/proc/.../syscall
 * and stat): with set_delay_ms 0, the only sleep of that call that lasts
 * is the wait for the reply.  A provider "is gone" when its process has
 * been reaped by waitpid().  The one test that needs a timeout (ETIMEDOUT)
 * uses a short one and, if this host was too slow to read the request in
 * time, tries again with a longer one: that decides what is tested, never
 * whether it passed.
 */
#include "harness.h"

#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define MAXP	16
#define UP_NAME	"up_test"

/* A provider thread that answers every request with res[type]. */
struct responder {
	int fd;
	int stop[2];
	pthread_t thread;
	bool running;
	int res[4];			/* by ISCSI_PORTAL_REQ_* */
	uint64_t nreq[4];		/* atomic */
	struct iscsi_portal_request last[4];
	pthread_mutex_t lock;		/* last */
};

static void *responder_fn(void *p)
{
	struct responder *r = p;
	struct iscsi_portal_request req[8];
	struct pollfd pf[2];
	int n, i, t;

	for (;;) {
		pf[0].fd = r->fd;
		pf[0].events = POLLIN;
		pf[1].fd = r->stop[0];
		pf[1].events = POLLIN;
		if (poll(pf, 2, -1) < 0)
			continue;
		if (pf[1].revents)
			return NULL;
		if (!(pf[0].revents & POLLIN))
			continue;
		n = ip_read_reqs(r->fd, req, 8);
		for (i = 0; i < n; i++) {
			t = req[i].type < 4 ? (int)req[i].type : 0;
			pthread_mutex_lock(&r->lock);
			r->last[t] = req[i];
			pthread_mutex_unlock(&r->lock);
			__atomic_add_fetch(&r->nreq[t], 1, __ATOMIC_SEQ_CST);
			ip_reply(r->fd, req[i].cookie,
				 __atomic_load_n(&r->res[t], __ATOMIC_SEQ_CST));
		}
	}
}

/* Attach a fresh fd as provider @name and answer from a thread. */
static int responder_start(struct responder *r, const char *name)
{
	int ret;

	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->lock, NULL);
	r->fd = ip_open(O_RDWR | O_NONBLOCK);
	if (r->fd < 0)
		return r->fd;
	ret = ip_attach(r->fd, name, 0);
	if (!ret && pipe(r->stop))
		ret = -errno;
	if (!ret)
		ret = -pthread_create(&r->thread, NULL, responder_fn, r);
	if (ret) {
		close(r->fd);
		r->fd = -1;
		return ret;
	}
	r->running = true;
	return 0;
}

/* Stop the thread; the fd stays open (its portals stay its own). */
static void responder_stop(struct responder *r)
{
	if (!r->running)
		return;
	if (write(r->stop[1], "x", 1) != 1)
		return;
	pthread_join(r->thread, NULL);
	close(r->stop[0]);
	close(r->stop[1]);
	r->running = false;
}

static void responder_close(struct responder *r)
{
	responder_stop(r);
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

static uint64_t nreq(struct responder *r, int type)
{
	return __atomic_load_n(&r->nreq[type], __ATOMIC_SEQ_CST);
}

FIXTURE(up) {
	int fd;				/* a writer without a role */
	int pfd;			/* the provider UP_NAME */
	__u64 ids[MAXP];		/* portals to remove at the end */
	int nids;
	struct ip_async a, b, c;
	struct iscsi_portal_status_arg arg_a, arg_b, arg_c;
};

FIXTURE_SETUP(up)
{
	memset(&self->a, 0, sizeof(self->a));
	memset(&self->b, 0, sizeof(self->b));
	memset(&self->c, 0, sizeof(self->c));
	self->nids = 0;
	ASSERT_EQ(0, ip_restore_globals());
	self->fd = ip_open(O_RDWR);
	ASSERT_LE(0, self->fd);
	self->pfd = ip_open(O_RDWR);
	ASSERT_LE(0, self->pfd);
	ASSERT_EQ(0, ip_attach(self->pfd, UP_NAME, 0));
}

/* Answer every request still waiting on @pfd with 0, so no call hangs. */
static void answer_all(int pfd)
{
	struct iscsi_portal_request req[8];
	int fl, n, i;

	fl = fcntl(pfd, F_GETFL);
	fcntl(pfd, F_SETFL, fl | O_NONBLOCK);
	while ((n = ip_read_reqs(pfd, req, 8)) > 0)
		for (i = 0; i < n; i++)
			ip_reply(pfd, req[i].cookie, 0);
	fcntl(pfd, F_SETFL, fl);
}

FIXTURE_TEARDOWN(up)
{
	int i;

	/* Closing the provider fd ends every pending request (ENXIO). */
	if (self->pfd >= 0)
		close(self->pfd);
	ip_async_join(&self->a);
	ip_async_join(&self->b);
	ip_async_join(&self->c);
	/*
	 * A test that stopped with the table corrupt: recover it now, with
	 * the fixture's provider gone (nobody else is left to ask), so no
	 * later test starts from a corrupt table.
	 */
	EXPECT_EQ(0, ip_restore_globals());
	for (i = 0; i < self->nids; i++)
		ip_remove(self->fd, self->ids[i]);	/* orphans now */
	close(self->fd);
	/* A test that loaded the test provider module unloads it. */
	if (ip_tp_loaded())
		EXPECT_EQ(0, ip_tp_unload());
}

static __u64 up_portal(struct __test_metadata *_metadata,
		       FIXTURE_DATA(up) *self, int pfd, __u32 status,
		       struct iscsi_portal_addr *addr)
{
	__u64 id = 0;

	EXPECT_EQ(0, ip_add_unique(pfd, AF_INET, status, &id, addr));
	if (id && self->nids < MAXP)
		self->ids[self->nids++] = id;
	return id;
}

static void info_of(struct __test_metadata *_metadata, int fd, __u64 id,
		    struct iscsi_portal_info *info)
{
	fill_cc(info, sizeof(*info));
	ASSERT_EQ(0, ip_get_info(fd, id, info));
}

/* Start SET(@id, @status, @flags) in @a and wait until it waits for its provider. */
static void start_set(struct __test_metadata *_metadata, int fd,
		      struct ip_async *a, struct iscsi_portal_status_arg *arg,
		      __u64 id, __u32 status, __u32 flags)
{
	memset(arg, 0, sizeof(*arg));
	arg->id = id;
	arg->status = status;
	arg->flags = flags;
	ASSERT_EQ(0, ip_async_start(a, fd, ISCSI_PORTAL_IOC_SET_STATUS, arg));
	ASSERT_EQ(0, ip_wait_thread_in_ioctl(a->tid, ISCSI_PORTAL_IOC_SET_STATUS,
					     &a->done))
		TH_LOG("the SET of %llu never waited for its provider (returned %d)",
		       (unsigned long long)id, a->ret);
}

/*
 * One request, read once poll() says it is there (IP_HANG_MS: a guard
 * against a hang, not a verdict): its record.
 */
static void read_one(struct __test_metadata *_metadata, int pfd,
		     struct iscsi_portal_request *req)
{
	struct pollfd pf = { .fd = pfd, .events = POLLIN };

	ASSERT_EQ(1, poll(&pf, 1, IP_HANG_MS)) TH_LOG("no request came");
	ASSERT_EQ(1, ip_read_reqs(pfd, req, 1));
}

static bool polls_in(int fd)
{
	struct pollfd pf = { .fd = fd, .events = POLLIN };

	return poll(&pf, 1, 0) == 1 && (pf.revents & POLLIN);
}

/*
 * PROVIDER_ATTACH: a writer only (EBADF, EPERM), a reader too (EBADF
 * for O_WRONLY), one invalid field per
 * call (EINVAL), EEXIST the second time, EINVAL on a watcher and WATCH
 * EINVAL on a provider.  Faults caught: a check missing (the call
 * succeeds), the timeout bound off by one, the name's NUL not required.
 */
TEST(attach_errors)
{
	struct iscsi_portal_provider_attach at;
	int fd, ro, w, st;
	pid_t pid;

	ro = ip_open(O_RDONLY);
	ASSERT_LE(0, ro);
	EXPECT_EQ(-EBADF, ip_attach(ro, "ro", 0));
	close(ro);
	/* a provider reads its requests: a write-only fd cannot be one */
	ro = ip_open(O_WRONLY);
	ASSERT_LE(0, ro);
	EXPECT_EQ(-EBADF, ip_attach(ro, "wo", 0));
	close(ro);

	/* without CAP_NET_ADMIN at open: EPERM */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int f;

		if (ip_cap_drop(CAP_NET_ADMIN, true))
			_exit(10);
		f = ip_open(O_RDWR);
		if (f < 0)
			_exit(11);
		_exit(ip_attach(f, "nocap", 0) == -EPERM &&
		      ip_reply(f, 1, 0) == -EPERM ? 0 : 12);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
		TH_LOG("ATTACH without CAP_NET_ADMIN (child status %d)", st);

	fd = ip_open(O_RDWR);
	ASSERT_LE(0, fd);
	memset(&at, 0, sizeof(at));
	strcpy(at.name, "x");
	at.flags = 1;
	EXPECT_EQ(-EINVAL, ip_ioctl(fd, ISCSI_PORTAL_IOC_PROVIDER_ATTACH, &at));
	at.flags = 0x80000000u;
	EXPECT_EQ(-EINVAL, ip_ioctl(fd, ISCSI_PORTAL_IOC_PROVIDER_ATTACH, &at));
	at.flags = 0;
	at.timeout_ms = 600001;
	EXPECT_EQ(-EINVAL, ip_ioctl(fd, ISCSI_PORTAL_IOC_PROVIDER_ATTACH, &at));
	at.timeout_ms = 0xffffffffu;
	EXPECT_EQ(-EINVAL, ip_ioctl(fd, ISCSI_PORTAL_IOC_PROVIDER_ATTACH, &at));
	at.timeout_ms = 0;
	memset(at.name, 0, sizeof(at.name));
	EXPECT_EQ(-EINVAL, ip_ioctl(fd, ISCSI_PORTAL_IOC_PROVIDER_ATTACH, &at))
		TH_LOG("an empty name");
	memset(at.name, 'a', sizeof(at.name));
	EXPECT_EQ(-EINVAL, ip_ioctl(fd, ISCSI_PORTAL_IOC_PROVIDER_ATTACH, &at))
		TH_LOG("32 characters, no NUL");
	memset(at.name, 0, sizeof(at.name));
	strcpy(at.name, "tab\there");
	EXPECT_EQ(-EINVAL, ip_ioctl(fd, ISCSI_PORTAL_IOC_PROVIDER_ATTACH, &at));
	strcpy(at.name, "del\x7f");
	EXPECT_EQ(-EINVAL, ip_ioctl(fd, ISCSI_PORTAL_IOC_PROVIDER_ATTACH, &at));
	strcpy(at.name, "caf\xc3\xa9");
	EXPECT_EQ(-EINVAL, ip_ioctl(fd, ISCSI_PORTAL_IOC_PROVIDER_ATTACH, &at));
	/* after all that the fd has no role: a valid ATTACH works */
	memset(at.name, 'b', sizeof(at.name) - 1);
	at.name[sizeof(at.name) - 1] = '\0';
	at.timeout_ms = 600000;
	EXPECT_EQ(0, ip_ioctl(fd, ISCSI_PORTAL_IOC_PROVIDER_ATTACH, &at))
		TH_LOG("31 characters, the longest timeout");
	EXPECT_EQ(-EEXIST, ip_attach(fd, "again", 0));
	EXPECT_EQ(-EINVAL, ip_ioctl(fd, ISCSI_PORTAL_IOC_WATCH, NULL))
		TH_LOG("WATCH on a provider fd");
	close(fd);

	fd = ip_open(O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, ip_attach(fd, "a b-c_d.e:1", 1)) TH_LOG("spaces are printable");
	close(fd);

	w = ip_open(O_RDWR);
	ASSERT_LE(0, w);
	ASSERT_EQ(0, ip_ioctl(w, ISCSI_PORTAL_IOC_WATCH, NULL));
	EXPECT_EQ(-EINVAL, ip_attach(w, "watcher", 0)) TH_LOG("ATTACH on a watcher fd");
	close(w);
}

/*
 * The request record of a SET: every field, a cookie; those of REENUMERATE
 * and REFRESH.  The record is 0xcc-filled before the read.  Faults caught:
 * a field missing or swapped, cookies repeated, a reply not reaching the
 * SET.
 */
TEST_F(up, request_records)
{
	struct iscsi_portal_request req, req2;
	struct iscsi_portal_info info;
	__u64 p;

	p = up_portal(_metadata, self, self->pfd, S_ONLINE, NULL);
	ASSERT_NE((__u64)0, p);
	start_set(_metadata, self->fd, &self->a, &self->arg_a, p, S_OFFLINE,
		  ISCSI_PORTAL_SET_DROP_SESSIONS);
	read_one(_metadata, self->pfd, &req);
	EXPECT_NE((__u64)0, req.cookie);
	EXPECT_EQ((__u32)ISCSI_PORTAL_REQ_SET_STATUS, req.type);
	EXPECT_EQ((__u32)ISCSI_PORTAL_SET_DROP_SESSIONS, req.flags);
	EXPECT_EQ(p, req.id);
	EXPECT_EQ((__u32)S_ONLINE, req.old_status);
	EXPECT_EQ((__u32)S_OFFLINE, req.new_status);
	EXPECT_EQ(0, ip_reply(self->pfd, req.cookie, 0));
	EXPECT_EQ(0, ip_async_join(&self->a));
	info_of(_metadata, self->fd, p, &info);
	EXPECT_EQ((__u32)S_OFFLINE, info.status);
	EXPECT_EQ((__u64)1, info.generation);

	start_set(_metadata, self->fd, &self->a, &self->arg_a, p, S_ONLINE, 0);
	read_one(_metadata, self->pfd, &req2);
	EXPECT_NE(req.cookie, req2.cookie);
	EXPECT_EQ(0U, req2.flags);
	EXPECT_EQ((__u32)S_OFFLINE, req2.old_status);
	EXPECT_EQ((__u32)S_ONLINE, req2.new_status);
	EXPECT_EQ(0, ip_reply(self->pfd, req2.cookie, 0));
	EXPECT_EQ(0, ip_async_join(&self->a));

	ASSERT_EQ(0, ip_async_start(&self->a, self->fd,
				    ISCSI_PORTAL_IOC_REENUMERATE, NULL));
	read_one(_metadata, self->pfd, &req);
	EXPECT_EQ((__u32)ISCSI_PORTAL_REQ_REENUMERATE, req.type);
	EXPECT_EQ(0U, req.flags);
	EXPECT_EQ((__u64)0, req.id);
	EXPECT_EQ(0U, req.old_status);
	EXPECT_EQ(0U, req.new_status);
	EXPECT_NE(req2.cookie, req.cookie);
	EXPECT_EQ(0, ip_reply(self->pfd, req.cookie, 0));
	EXPECT_EQ(0, ip_async_join(&self->a));

	ASSERT_EQ(0, ip_async_start(&self->a, self->fd,
				    ISCSI_PORTAL_IOC_REFRESH, NULL));
	read_one(_metadata, self->pfd, &req);
	EXPECT_EQ((__u32)ISCSI_PORTAL_REQ_REFRESH, req.type);
	EXPECT_EQ((__u64)0, req.id);
	EXPECT_EQ(0, ip_reply(self->pfd, req.cookie, 0));
	EXPECT_EQ(0, ip_async_join(&self->a));
}

/*
 * read(): EINVAL for a buffer smaller than a record (the request stays
 * queued), EAGAIN with O_NONBLOCK and nothing queued, EFAULT for a bad
 * buffer (the request stays too).  Faults caught: a partial record, a
 * request lost by a failed read.
 */
TEST_F(up, read_errors)
{
	struct iscsi_portal_request req[2];
	char small[sizeof(req[0])];
	void *bad;
	int nb;
	__u64 p;

	nb = ip_open(O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, nb);
	ASSERT_EQ(0, ip_attach(nb, "nonblock", 0));
	EXPECT_EQ(-EAGAIN, ip_read_reqs(nb, req, 2));
	EXPECT_EQ(-1, read(nb, small, sizeof(small) - 1));
	EXPECT_EQ(EINVAL, errno);
	close(nb);

	p = up_portal(_metadata, self, self->pfd, S_ONLINE, NULL);
	ASSERT_NE((__u64)0, p);
	start_set(_metadata, self->fd, &self->a, &self->arg_a, p, S_OFFLINE, 0);
	EXPECT_EQ(-1, read(self->pfd, small, sizeof(small) - 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, read(self->pfd, small, 0));
	EXPECT_EQ(EINVAL, errno);
	bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, bad);
	EXPECT_EQ(-1, read(self->pfd, bad, sizeof(req)));
	EXPECT_EQ(EFAULT, errno);
	munmap(bad, 4096);
	EXPECT_TRUE(polls_in(self->pfd)) TH_LOG("the failed reads lost the request");
	EXPECT_EQ(1, ip_read_reqs(self->pfd, req, 2));
	EXPECT_EQ(p, req[0].id);
	EXPECT_EQ(0, ip_reply(self->pfd, req[0].cookie, 0));
	EXPECT_EQ(0, ip_async_join(&self->a));
}

/*
 * Several requests waiting are read by one read() as whole records, as
 * many as fit.  Faults caught: one record per read, a record split.
 */
TEST_F(up, several_records_per_read)
{
	struct iscsi_portal_request req[8];
	__u64 p, q, r, seen = 0;
	int n, i;

	p = up_portal(_metadata, self, self->pfd, S_ONLINE, NULL);
	q = up_portal(_metadata, self, self->pfd, S_ONLINE, NULL);
	r = up_portal(_metadata, self, self->pfd, S_ONLINE, NULL);
	ASSERT_NE((__u64)0, r);
	start_set(_metadata, self->fd, &self->a, &self->arg_a, p, S_OFFLINE, 0);
	start_set(_metadata, self->fd, &self->b, &self->arg_b, q, S_OFFLINE, 0);
	start_set(_metadata, self->fd, &self->c, &self->arg_c, r, S_OFFLINE, 0);

	n = ip_read_reqs(self->pfd, req, 2);
	ASSERT_EQ(2, n) TH_LOG("room for 2 of 3 queued records");
	n = ip_read_reqs(self->pfd, &req[2], 8 - 2);
	ASSERT_EQ(1, n);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ((__u32)ISCSI_PORTAL_REQ_SET_STATUS, req[i].type);
		seen |= req[i].id == p ? 1 : req[i].id == q ? 2 : req[i].id == r ? 4 : 8;
		if (i)
			EXPECT_NE(req[i - 1].cookie, req[i].cookie);
	}
	EXPECT_EQ((__u64)7, seen);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, ip_reply(self->pfd, req[i].cookie, 0));
	EXPECT_EQ(0, ip_async_join(&self->a));
	EXPECT_EQ(0, ip_async_join(&self->b));
	EXPECT_EQ(0, ip_async_join(&self->c));
}

/*
 * poll(): POLLIN while a request waits to be read, none once it is read
 * (even unanswered).  Faults caught: POLLIN missing, or stuck on after
 * the read.
 */
TEST_F(up, poll)
{
	struct iscsi_portal_request req;
	__u64 p;

	EXPECT_FALSE(polls_in(self->pfd));
	p = up_portal(_metadata, self, self->pfd, S_ONLINE, NULL);
	ASSERT_NE((__u64)0, p);
	start_set(_metadata, self->fd, &self->a, &self->arg_a, p, S_OFFLINE, 0);
	EXPECT_TRUE(polls_in(self->pfd));
	read_one(_metadata, self->pfd, &req);
	EXPECT_FALSE(polls_in(self->pfd));
	EXPECT_FALSE(ip_async_done(&self->a));
	EXPECT_EQ(0, ip_reply(self->pfd, req.cookie, 0));
	EXPECT_EQ(0, ip_async_join(&self->a));
	EXPECT_FALSE(polls_in(self->pfd));
}

/*
 * A blocking poll() wakes when a request is queued.  Fault caught: no
 * wake-up (the poller sleeps on).
 */
TEST_F(up, poll_wakes)
{
	struct iscsi_portal_request req;
	struct pollfd pf = { .fd = self->pfd, .events = POLLIN };
	__u64 p;

	p = up_portal(_metadata, self, self->pfd, S_ONLINE, NULL);
	ASSERT_NE((__u64)0, p);
	memset(&self->arg_a, 0, sizeof(self->arg_a));
	self->arg_a.id = p;
	self->arg_a.status = S_OFFLINE;
	ASSERT_EQ(0, ip_async_start(&self->a, self->fd,
				    ISCSI_PORTAL_IOC_SET_STATUS, &self->arg_a));
	EXPECT_EQ(1, poll(&pf, 1, IP_HANG_MS)) TH_LOG("no wake-up");
	read_one(_metadata, self->pfd, &req);
	EXPECT_EQ(0, ip_reply(self->pfd, req.cookie, 0));
	EXPECT_EQ(0, ip_async_join(&self->a));
}

/*
 * PROVIDER_REPLY: one invalid field per call.  flags EINVAL, a result
 * above 0 or below -511 EINVAL, an unknown cookie ENOENT (never issued,
 * queued but not read, answered already), EINVAL on a writer that is not
 * a provider, EBADF on a read-only fd.  Faults caught: a check missing, a
 * reply to an unread request taken, a second reply taken.
 */
TEST_F(up, reply_errors)
{
	struct iscsi_portal_reply rp;
	struct iscsi_portal_request req;
	int ro;
	__u64 p;

	p = up_portal(_metadata, self, self->pfd, S_ONLINE, NULL);
	ASSERT_NE((__u64)0, p);
	start_set(_metadata, self->fd, &self->a, &self->arg_a, p, S_OFFLINE, 0);
	/* cookies start at 1 per provider: the first request is 1 */
	EXPECT_EQ(-ENOENT, ip_reply(self->pfd, 1, 0))
		TH_LOG("a reply to a request not read yet");
	read_one(_metadata, self->pfd, &req);

	memset(&rp, 0, sizeof(rp));
	rp.cookie = req.cookie;
	rp.flags = 1;
	EXPECT_EQ(-EINVAL, ip_ioctl(self->pfd, ISCSI_PORTAL_IOC_PROVIDER_REPLY, &rp));
	rp.flags = 0x80000000u;
	EXPECT_EQ(-EINVAL, ip_ioctl(self->pfd, ISCSI_PORTAL_IOC_PROVIDER_REPLY, &rp));
	EXPECT_EQ(-EINVAL, ip_reply(self->pfd, req.cookie, 1));
	EXPECT_EQ(-EINVAL, ip_reply(self->pfd, req.cookie, 0x7fffffff));
	EXPECT_EQ(-EINVAL, ip_reply(self->pfd, req.cookie, -4096));
	/* 512 and up are the kernel's own (-ERESTARTSYS...): never a SET's */
	EXPECT_EQ(-EINVAL, ip_reply(self->pfd, req.cookie, -512));
	EXPECT_EQ(-EINVAL, ip_reply(self->pfd, req.cookie, -4095));
	EXPECT_EQ(-EINVAL, ip_reply(self->pfd, req.cookie, (__s32)0x80000000));
	EXPECT_EQ(-ENOENT, ip_reply(self->pfd, req.cookie + 1000, 0));
	EXPECT_EQ(-ENOENT, ip_reply(self->pfd, 0, 0));
	EXPECT_EQ(-EINVAL, ip_reply(self->fd, req.cookie, 0))
		TH_LOG("a writer that is no provider");
	ro = ip_open(O_RDONLY);
	ASSERT_LE(0, ro);
	EXPECT_EQ(-EBADF, ip_reply(ro, req.cookie, 0));
	close(ro);
	EXPECT_FALSE(ip_async_done(&self->a)) TH_LOG("a refused reply ended the SET");

	/* -511 is an errno a call may return: it is the SET's */
	EXPECT_EQ(0, ip_reply(self->pfd, req.cookie, -511));
	EXPECT_EQ(-511, ip_async_join(&self->a));
	EXPECT_EQ(-ENOENT, ip_reply(self->pfd, req.cookie, 0)) TH_LOG("a second reply");
}

/*
 * The provider's errno is the SET's; the status stays, no event, the
 * portal not busy.  Faults caught: the error dropped, the status
 * committed anyway.
 */
TEST_F(up, reply_errno_is_the_sets)
{
	struct iscsi_portal_request req;
	struct iscsi_portal_event ev[4];
	struct iscsi_portal_info info;
	__u64 p, tg;
	int w;

	p = up_portal(_metadata, self, self->pfd, S_ONLINE, NULL);
	ASSERT_NE((__u64)0, p);
	w = ip_watcher();
	ASSERT_LE(0, w);
	tg = ip_table_gen(self->fd);
	start_set(_metadata, self->fd, &self->a, &self->arg_a, p, S_OFFLINE, 0);
	read_one(_metadata, self->pfd, &req);
	EXPECT_EQ(0, ip_reply(self->pfd, req.cookie, -EADDRINUSE));
	EXPECT_EQ(-EADDRINUSE, ip_async_join(&self->a));
	info_of(_metadata, self->fd, p, &info);
	EXPECT_EQ((__u32)S_ONLINE, info.status);
	EXPECT_EQ((__u64)0, info.generation);
	EXPECT_EQ((__u32)ISCSI_PORTAL_INFO_PROVIDER, info.flags);
	EXPECT_EQ(tg, ip_table_gen(self->fd));
	EXPECT_EQ(0, ip_drain_events(w, ev, 4));
	close(w);
}

/*
 * The busy window while the provider holds the request: a second SET is
 * EBUSY, the provider's own REPORT and REMOVE too, readers see the old
 * status with BUSY; the holder is provably inside its window (its request
 * is unanswered).  Faults caught: a lock held across the request (a
 * reader blocks: the test hangs), the busy mark not held.
 */
TEST_F(up, busy_window)
{
	struct iscsi_portal_request req;
	struct iscsi_portal_info info;
	__u32 status, flags;
	__u64 p, q;

	p = up_portal(_metadata, self, self->pfd, S_ONLINE, NULL);
	q = up_portal(_metadata, self, self->pfd, S_ONLINE, NULL);
	ASSERT_NE((__u64)0, q);
	start_set(_metadata, self->fd, &self->a, &self->arg_a, p, S_OFFLINE, 0);
	read_one(_metadata, self->pfd, &req);
	EXPECT_EQ(-EBUSY, ip_set_status(self->fd, p, S_ONLINE));
	EXPECT_EQ(-EBUSY, ip_set_status(self->fd, p, S_OFFLINE));
	EXPECT_EQ(-EBUSY, ip_report_status(self->pfd, p, S_FAILED));
	EXPECT_EQ(-EBUSY, ip_remove(self->pfd, p));
	EXPECT_EQ(-EPERM, ip_remove(self->fd, p));
	EXPECT_EQ(0, ip_get_status(self->fd, p, &status, &flags));
	EXPECT_EQ((__u32)S_ONLINE, status);
	EXPECT_EQ((__u32)(ISCSI_PORTAL_INFO_BUSY | ISCSI_PORTAL_INFO_PROVIDER), flags);
	info_of(_metadata, self->fd, p, &info);
	EXPECT_EQ((__u64)0, info.generation);
	/* another portal of the provider is free, even for a SET */
	start_set(_metadata, self->fd, &self->b, &self->arg_b, q, S_OFFLINE, 0);
	EXPECT_EQ(-EBUSY, ip_report_status(self->pfd, q, S_FAILED));
	answer_all(self->pfd);
	EXPECT_EQ(0, ip_async_join(&self->b));
	EXPECT_FALSE(ip_async_done(&self->a));
	EXPECT_EQ(0, ip_reply(self->pfd, req.cookie, 0));
	EXPECT_EQ(0, ip_async_join(&self->a));
	info_of(_metadata, self->fd, p, &info);
	EXPECT_EQ((__u32)S_OFFLINE, info.status);
	EXPECT_EQ((__u32)ISCSI_PORTAL_INFO_PROVIDER, info.flags);
}

/*
 * The provider's timeout: an unanswered SET fails with ETIMEDOUT, the
 * status unchanged and the portal free; the late reply is ENOENT and
 * changes nothing; a request never read is withdrawn.  Faults caught: the
 * SET hanging, committing, or leaving the portal busy; a late reply
 * taken; a stale request left queued; the provider stuck after a late
 * reply (its next answer not the SET's).  Four tries at most, each up to
 * twice its timeout (300 ms to 19.2 s): 51 s when this host is slow every
 * time, within the test's timeout.
 */
TEST_F_TIMEOUT(up, timeout_and_late_reply, 75)
{
	struct iscsi_portal_request req, none;
	struct iscsi_portal_info info;
	struct responder r;
	__u32 tmo = 300;
	bool read_in_time, worked_on = false;
	__u64 p, tg;
	int t, tries, rep, ret;

	for (tries = 0; tries < 4 && !worked_on; tries++, tmo *= 4) {
		read_in_time = false;
		t = ip_open(O_RDWR | O_NONBLOCK);
		ASSERT_LE(0, t);
		ASSERT_EQ(0, ip_attach(t, "slow", tmo));
		p = up_portal(_metadata, self, t, S_ONLINE, NULL);
		ASSERT_NE((__u64)0, p);
		tg = ip_table_gen(self->fd);
		memset(&self->arg_a, 0, sizeof(self->arg_a));
		self->arg_a.id = p;
		self->arg_a.status = S_OFFLINE;
		ASSERT_EQ(0, ip_async_start(&self->a, self->fd,
					    ISCSI_PORTAL_IOC_SET_STATUS, &self->arg_a));
		/* read the request before it times out, if this host can */
		while (!ip_async_done(&self->a)) {
			if (ip_read_reqs(t, &req, 1) == 1) {
				read_in_time = true;
				break;
			}
			usleep(200);
		}
		EXPECT_EQ(-ETIMEDOUT, ip_async_join(&self->a));
		info_of(_metadata, self->fd, p, &info);
		EXPECT_EQ((__u32)S_ONLINE, info.status);
		EXPECT_EQ((__u32)ISCSI_PORTAL_INFO_PROVIDER, info.flags);
		EXPECT_EQ((__u64)0, info.generation);
		EXPECT_EQ(tg, ip_table_gen(self->fd));
		EXPECT_EQ(-EAGAIN, ip_read_reqs(t, &none, 1))
			TH_LOG("a timed-out request is still queued");
		EXPECT_FALSE(polls_in(t));
		if (read_in_time) {
			EXPECT_EQ(-ENOENT, ip_reply(t, req.cookie, 0))
				TH_LOG("the late reply was taken");
			info_of(_metadata, self->fd, p, &info);
			EXPECT_EQ((__u32)S_ONLINE, info.status);
			EXPECT_EQ(tg, ip_table_gen(self->fd));
			/*
			 * And the provider works on: its next request, answered
			 * in time, is the SET's result and commits.  Answered
			 * too late (this host again slower than tmo), the SET
			 * must have timed out, and the next try is longer.
			 */
			memset(&self->arg_a, 0, sizeof(self->arg_a));
			self->arg_a.id = p;
			self->arg_a.status = S_OFFLINE;
			ASSERT_EQ(0, ip_async_start(&self->a, self->fd,
						    ISCSI_PORTAL_IOC_SET_STATUS,
						    &self->arg_a));
			rep = -ENOENT;
			while (!ip_async_done(&self->a)) {
				if (ip_read_reqs(t, &req, 1) == 1) {
					EXPECT_EQ(p, req.id);
					rep = ip_reply(t, req.cookie, 0);
					break;
				}
				usleep(200);
			}
			ret = ip_async_join(&self->a);
			info_of(_metadata, self->fd, p, &info);
			if (!rep) {
				EXPECT_EQ(0, ret) TH_LOG("a reply taken is the SET's");
				EXPECT_EQ((__u32)S_OFFLINE, info.status);
				EXPECT_EQ((__u64)1, info.generation);
				EXPECT_EQ(tg + 1, ip_table_gen(self->fd));
				worked_on = true;
			} else {
				EXPECT_EQ(-ENOENT, rep);
				EXPECT_EQ(-ETIMEDOUT, ret)
					TH_LOG("no reply taken, yet the SET ended %d",
					       ret);
				EXPECT_EQ((__u32)S_ONLINE, info.status);
				EXPECT_EQ(tg, ip_table_gen(self->fd));
			}
		}
		/* its portal is an orphan now; the next try adds another */
		close(t);
	}
	ASSERT_TRUE(worked_on)
		TH_LOG("no two requests could be read within %u ms", tmo / 4);
	/* an answering provider is not timed out */
	ASSERT_EQ(0, responder_start(&r, "quick"));
	p = up_portal(_metadata, self, r.fd, S_ONLINE, NULL);
	EXPECT_EQ(0, ip_set_status(self->fd, p, S_OFFLINE));
	responder_close(&r);
}

/*
 * The provider process dies with a SET pending: the SET fails with ENXIO
 * once the provider is gone (reaped), long before its 60 s timeout, and
 * the portal is an orphan.  Both a request it read and one it never read.
 * Faults caught: pending requests left to time out (ETIMEDOUT after 60 s),
 * the portal not orphaned, a leak or use-after-free of the request
 * (KASAN, kmemleak).
 */
TEST_F_TIMEOUT(up, provider_dies_with_a_set_pending, 150)
{
	struct iscsi_portal_event ev[8];
	struct iscsi_portal_info info;
	int pipe_id[2], pipe_go[2], v, w, st, n;
	__u64 p;
	pid_t pid;
	char c;

	for (v = 0; v < 2; v++) {
		ASSERT_EQ(0, pipe(pipe_id));
		ASSERT_EQ(0, pipe(pipe_go));
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			struct iscsi_portal_request req;
			__u64 id = 0;
			int f = ip_open(O_RDWR);

			if (f < 0 || ip_attach(f, "doomed", 60000) ||
			    ip_add_unique(f, AF_INET, S_ONLINE, &id, NULL))
				id = 0;
			if (write(pipe_id[1], &id, sizeof(id)) != sizeof(id))
				_exit(1);
			if (v == 0 && ip_read_reqs(f, &req, 1) == 1 &&
			    write(pipe_go[1], "r", 1) != 1)
				_exit(1);
			for (;;)
				pause();
		}
		close(pipe_id[1]);
		close(pipe_go[1]);
		ASSERT_EQ((ssize_t)sizeof(p), read(pipe_id[0], &p, sizeof(p)));
		close(pipe_id[0]);
		ASSERT_NE((__u64)0, p);
		self->ids[self->nids++] = p;
		w = ip_watcher();
		ASSERT_LE(0, w);
		start_set(_metadata, self->fd, &self->a, &self->arg_a, p, S_OFFLINE, 0);
		if (v == 0)
			ASSERT_EQ(1, read(pipe_go[0], &c, 1)) TH_LOG("the child read no request");
		close(pipe_go[0]);
		EXPECT_FALSE(ip_async_done(&self->a));
		ASSERT_EQ(0, kill(pid, SIGKILL));
		ASSERT_EQ(pid, waitpid(pid, &st, 0));
		/* the provider is gone: the SET ends now, with ENXIO */
		EXPECT_EQ(-ENXIO, ip_async_join(&self->a))
			TH_LOG("v %d (%s)", v,
			       v ? "request never read" : "request read");
		info_of(_metadata, self->fd, p, &info);
		EXPECT_EQ((__u32)S_UNKNOWN, info.status);
		EXPECT_EQ((__u32)ISCSI_PORTAL_INFO_ORPHAN, info.flags);
		EXPECT_EQ((__u64)1, info.generation);
		n = ip_drain_events(w, ev, 8);
		ASSERT_EQ(1, n);
		EXPECT_EQ((__u32)T_MODIFY, ev[0].type);
		EXPECT_EQ(p, ev[0].id);
		EXPECT_EQ((__u32)S_ONLINE, ev[0].old_status);
		EXPECT_EQ((__u32)S_UNKNOWN, ev[0].new_status);
		close(w);
	}
}

/*
 * A SET caller killed while its provider holds the request: the window
 * ends (the portal not busy, its status and generation unchanged), the
 * reply to it is ENOENT, nothing stays queued, and the next SET works.
 * Both a request the provider read and one it had not.  Faults caught:
 * the portal left busy, a request left on a list (a later read returns
 * a dead caller's request, or KASAN sees its stack), a leak (kmemleak).
 */
TEST_F(up, set_caller_killed_in_its_window)
{
	struct iscsi_portal_request req, none;
	struct iscsi_portal_info info;
	int v, st;
	__u64 p, tg;
	pid_t pid;

	p = up_portal(_metadata, self, self->pfd, S_ONLINE, NULL);
	ASSERT_NE((__u64)0, p);
	for (v = 0; v < 2; v++) {
		tg = ip_table_gen(self->fd);
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			int f = ip_open(O_RDWR);

			ip_set_status(f, p, S_OFFLINE);
			_exit(0);
		}
		ASSERT_EQ(0, ip_wait_pid_in_ioctl(pid, ISCSI_PORTAL_IOC_SET_STATUS))
			TH_LOG("the child never waited in its SET");
		if (v == 0)
			read_one(_metadata, self->pfd, &req);
		ASSERT_EQ(0, kill(pid, SIGKILL));
		ASSERT_EQ(pid, waitpid(pid, &st, 0));
		EXPECT_TRUE(WIFSIGNALED(st)) TH_LOG("the SET returned before the kill");

		info_of(_metadata, self->fd, p, &info);
		EXPECT_EQ((__u32)S_ONLINE, info.status);
		EXPECT_EQ((__u32)ISCSI_PORTAL_INFO_PROVIDER, info.flags)
			TH_LOG("v %d: the portal is still busy", v);
		EXPECT_EQ((__u64)0, info.generation);
		EXPECT_EQ(tg, ip_table_gen(self->fd));
		if (v == 0)
			EXPECT_EQ(-ENOENT, ip_reply(self->pfd, req.cookie, 0));
		fcntl(self->pfd, F_SETFL, O_NONBLOCK);
		EXPECT_EQ(-EAGAIN, ip_read_reqs(self->pfd, &none, 1))
			TH_LOG("v %d: the dead caller's request is still queued",
			       v);
		fcntl(self->pfd, F_SETFL, 0);
	}
	/* a later request works */
	start_set(_metadata, self->fd, &self->a, &self->arg_a, p, S_OFFLINE, 0);
	read_one(_metadata, self->pfd, &req);
	EXPECT_EQ(p, req.id);
	EXPECT_EQ(0, ip_reply(self->pfd, req.cookie, 0));
	EXPECT_EQ(0, ip_async_join(&self->a));
	info_of(_metadata, self->fd, p, &info);
	EXPECT_EQ((__u32)S_OFFLINE, info.status);
	EXPECT_EQ((__u64)1, info.generation);
}

/* Load the test provider module if it is not loaded. */
static int tp_ensure(void)
{
	int ret;

	if (ip_tp_loaded())
		return ip_tp_reset();
	ret = ip_tp_load();
	return ret ? ret : ip_tp_reset();
}

/*
 * REENUMERATE and REFRESH ask every provider: two userspace providers and
 * the test provider module; one failing does not keep the others from
 * being asked, and its error is the call's.  Faults caught: the walk
 * stopping at the first provider or at the first error, a userspace
 * provider skipped.
 */
TEST_F(up, table_calls_reach_every_provider)
{
	struct ip_tp_calls c0, c1;
	struct responder r1, r2;
	int ret;

	/* the fixture's provider would not answer */
	close(self->pfd);
	self->pfd = -1;
	ret = tp_ensure();
	ASSERT_EQ(0, ret) TH_LOG("the test provider module: %s", strerror(-ret));
	ASSERT_EQ(0, responder_start(&r1, "one"));
	ASSERT_EQ(0, responder_start(&r2, "two"));
	ASSERT_EQ(0, ip_tp_calls(&c0));

	EXPECT_EQ(0, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REENUMERATE, NULL));
	EXPECT_EQ(1U, nreq(&r1, ISCSI_PORTAL_REQ_REENUMERATE));
	EXPECT_EQ(1U, nreq(&r2, ISCSI_PORTAL_REQ_REENUMERATE));
	EXPECT_EQ(0, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REFRESH, NULL));
	EXPECT_EQ(1U, nreq(&r1, ISCSI_PORTAL_REQ_REFRESH));
	EXPECT_EQ(1U, nreq(&r2, ISCSI_PORTAL_REQ_REFRESH));
	ASSERT_EQ(0, ip_tp_calls(&c1));
	EXPECT_EQ(c0.reenumerate + 1, c1.reenumerate);
	EXPECT_EQ(c0.refresh + 1, c1.refresh);

	/* a failing one: its errno, and the others are still asked */
	__atomic_store_n(&r1.res[ISCSI_PORTAL_REQ_REFRESH], -EIO, __ATOMIC_SEQ_CST);
	__atomic_store_n(&r1.res[ISCSI_PORTAL_REQ_REENUMERATE], -EHOSTDOWN,
			 __ATOMIC_SEQ_CST);
	EXPECT_EQ(-EIO, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REFRESH, NULL));
	EXPECT_EQ(-EHOSTDOWN, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REENUMERATE, NULL));
	EXPECT_EQ(2U, nreq(&r2, ISCSI_PORTAL_REQ_REFRESH));
	EXPECT_EQ(2U, nreq(&r2, ISCSI_PORTAL_REQ_REENUMERATE));
	EXPECT_EQ(2U, nreq(&r1, ISCSI_PORTAL_REQ_REFRESH));
	ASSERT_EQ(0, ip_tp_calls(&c0));
	EXPECT_EQ(c1.reenumerate + 1, c0.reenumerate);
	EXPECT_EQ(c1.refresh + 1, c0.refresh);
	EXPECT_EQ(0U, nreq(&r1, ISCSI_PORTAL_REQ_SET_STATUS));

	/* a provider fd closed: no longer asked */
	responder_close(&r1);
	EXPECT_EQ(0, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REFRESH, NULL));
	EXPECT_EQ(3U, nreq(&r2, ISCSI_PORTAL_REQ_REFRESH));
	responder_close(&r2);
}

/*
 * Inside a table-wide call, the provider being asked may ADD, REPORT and
 * REMOVE; every other caller (a plain writer, another provider, the test
 * provider module) is EBUSY.  Faults caught: the exemption missing, or
 * given to all providers.
 */
TEST_F(up, only_the_asked_provider_is_exempt)
{
	struct iscsi_portal_request req;
	struct iscsi_portal_info info;
	struct iscsi_portal_addr a;
	__u64 p, q, t = 0, id = 0, other_p;
	int other, ret;

	ret = tp_ensure();
	ASSERT_EQ(0, ret) TH_LOG("the test provider module: %s", strerror(-ret));
	ASSERT_EQ(0, ip_tp_add_unique(AF_INET, S_ONLINE, &t, NULL));
	other = ip_open(O_RDWR);
	ASSERT_LE(0, other);
	ASSERT_EQ(0, ip_attach(other, "other", 0));
	other_p = up_portal(_metadata, self, other, S_ONLINE, NULL);
	p = up_portal(_metadata, self, self->pfd, S_ONLINE, NULL);
	ASSERT_EQ(0, ip_add_unique(self->fd, AF_INET6, S_ONLINE, &q, NULL));
	self->ids[self->nids++] = q;

	ASSERT_EQ(0, ip_async_start(&self->a, self->fd,
				    ISCSI_PORTAL_IOC_REENUMERATE, NULL));
	/* the providers are asked in turn; answer "other" until ours asks */
	for (;;) {
		struct pollfd pf[2] = { { .fd = self->pfd, .events = POLLIN },
					{ .fd = other, .events = POLLIN } };

		ASSERT_LT(0, poll(pf, 2, IP_HANG_MS));
		if (pf[1].revents & POLLIN) {
			ASSERT_EQ(1, ip_read_reqs(other, &req, 1));
			EXPECT_EQ(0, ip_reply(other, req.cookie, 0));
		}
		if (pf[0].revents & POLLIN)
			break;
	}
	read_one(_metadata, self->pfd, &req);
	ASSERT_EQ((__u32)ISCSI_PORTAL_REQ_REENUMERATE, req.type);

	EXPECT_EQ(0, ip_report_status(self->pfd, p, S_NOT_READY));
	EXPECT_EQ(0, ip_add_unique(self->pfd, AF_INET, S_ONLINE, &id, &a));
	if (id)
		self->ids[self->nids++] = id;
	EXPECT_EQ(0, ip_report_status(self->pfd, q, S_FAILED))
		TH_LOG("a portal of no provider, by the asked provider");
	EXPECT_EQ(-EBUSY, ip_report_status(self->fd, q, S_ONLINE));
	EXPECT_EQ(-EBUSY, ip_add_unique(self->fd, AF_INET, S_ONLINE, &id, NULL));
	EXPECT_EQ(-EBUSY, ip_report_status(other, other_p, S_FAILED));
	EXPECT_EQ(-EBUSY, ip_tp_report(t, S_FAILED));
	EXPECT_EQ(-EBUSY, ip_set_status(self->fd, p, S_OFFLINE));
	EXPECT_EQ(-EBUSY, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REFRESH, NULL));
	EXPECT_FALSE(ip_async_done(&self->a));
	EXPECT_EQ(0, ip_reply(self->pfd, req.cookie, 0));
	/* "other" may come after us */
	for (;;) {
		struct pollfd pf = { .fd = other, .events = POLLIN };

		if (ip_async_done(&self->a))
			break;
		if (poll(&pf, 1, 1) == 1) {
			ASSERT_EQ(1, ip_read_reqs(other, &req, 1));
			EXPECT_EQ(0, ip_reply(other, req.cookie, 0));
		}
	}
	EXPECT_EQ(0, ip_async_join(&self->a));
	info_of(_metadata, self->fd, p, &info);
	EXPECT_EQ((__u32)S_NOT_READY, info.status);
	/* after the call, the others are free again */
	EXPECT_EQ(0, ip_report_status(other, other_p, S_FAILED));
	EXPECT_EQ(0, ip_tp_report(t, S_FAILED));
	EXPECT_EQ(0, ip_tp_remove(t));
	close(other);
}

/*
 * A provider that restarts (its fd closed, a new one attached) and adds
 * its addresses again gets the same ids back: no ARRIVE, its name on
 * them.  Faults caught: new ids, the ORPHAN flag kept, the old name.
 */
TEST_F(up, ids_survive_a_provider_restart)
{
	struct iscsi_portal_provider_info pi;
	struct iscsi_portal_event ev[8];
	struct iscsi_portal_addr a, b;
	struct iscsi_portal_info info;
	__u64 p, q, id;
	int n2, w, n, i;

	p = up_portal(_metadata, self, self->pfd, S_ONLINE, &a);
	q = up_portal(_metadata, self, self->pfd, S_OFFLINE, &b);
	ASSERT_NE((__u64)0, q);
	ASSERT_EQ(0, ip_get_provider(self->fd, p, &pi));
	EXPECT_STREQ(UP_NAME, pi.name);
	close(self->pfd);
	self->pfd = -1;
	info_of(_metadata, self->fd, p, &info);
	EXPECT_EQ((__u32)ISCSI_PORTAL_INFO_ORPHAN, info.flags);
	EXPECT_EQ((__u32)S_UNKNOWN, info.status);

	n2 = ip_open(O_RDWR);
	ASSERT_LE(0, n2);
	ASSERT_EQ(0, ip_attach(n2, "up_test_restarted", 0));
	w = ip_watcher();
	ASSERT_LE(0, w);
	id = 0;
	EXPECT_EQ(0, ip_add(n2, &b, S_OFFLINE, &id));
	EXPECT_EQ(q, id);
	id = 0;
	EXPECT_EQ(0, ip_add(n2, &a, S_ONLINE, &id));
	EXPECT_EQ(p, id);
	n = ip_drain_events(w, ev, 8);
	ASSERT_EQ(2, n);
	for (i = 0; i < n; i++)
		EXPECT_EQ((__u32)T_MODIFY, ev[i].type);
	EXPECT_EQ(q, ev[0].id);
	EXPECT_EQ(p, ev[1].id);
	ASSERT_EQ(0, ip_get_provider(self->fd, p, &pi));
	EXPECT_STREQ("up_test_restarted", pi.name);
	EXPECT_EQ((__u32)ISCSI_PORTAL_INFO_PROVIDER, pi.flags);
	info_of(_metadata, self->fd, q, &info);
	EXPECT_EQ((__u32)S_OFFLINE, info.status);
	EXPECT_EQ((__u32)ISCSI_PORTAL_INFO_PROVIDER, info.flags);
	/* the new provider owns them: a plain REMOVE is EPERM, its own works */
	EXPECT_EQ(-EPERM, ip_remove(self->fd, p));
	EXPECT_EQ(0, ip_remove(n2, q));
	close(w);
	close(n2);
}

/*
 * LIST and GET_INFO show a provider's portals with INFO_PROVIDER, an
 * orphan with INFO_ORPHAN, others with neither.  Fault caught: the flags
 * missing from LIST (filled by another path than GET_INFO).
 */
TEST_F(up, list_shows_provider_flags)
{
	struct iscsi_portal_info page[4];
	struct iscsi_portal_list l;
	__u64 p, q, o;
	int other;
	__u32 i;

	other = ip_open(O_RDWR);
	ASSERT_LE(0, other);
	ASSERT_EQ(0, ip_attach(other, "short_lived", 0));
	o = up_portal(_metadata, self, other, S_ONLINE, NULL);
	close(other);
	p = up_portal(_metadata, self, self->pfd, S_ONLINE, NULL);
	ASSERT_EQ(0, ip_add_unique(self->fd, AF_INET6, S_ONLINE, &q, NULL));
	self->ids[self->nids++] = q;
	ASSERT_LT(o, p);
	ASSERT_LT(p, q);
	fill_cc(page, sizeof(page));
	ASSERT_EQ(0, ip_list(self->fd, o, page, 4, &l));
	ASSERT_LE(3U, l.count);
	for (i = 0; i < 3; i++) {
		__u32 want = page[i].id == o ? ISCSI_PORTAL_INFO_ORPHAN :
			     page[i].id == p ? ISCSI_PORTAL_INFO_PROVIDER : 0;

		EXPECT_TRUE(page[i].id == o || page[i].id == p || page[i].id == q)
			TH_LOG("an id of another test: %llu",
			       (unsigned long long)page[i].id);
		EXPECT_EQ(want, page[i].flags) TH_LOG("portal %llu",
						      (unsigned long long)page[i].id);
	}
}

/* The debugfs knob "corrupt": 0 or 1, or -1 if it cannot be read. */
static int knob_corrupt(void)
{
	uint64_t v;

	return ip_knob_read_u64(IP_KNOB_CORRUPT, &v) ? -1 : (int)v;
}

/*
 * PROVIDER_CORRUPT: only a provider fd marks the table corrupt.  A writer
 * that is no provider and a watcher get EINVAL, a read-only fd EBADF, and
 * none of them marks anything.  From the provider: VERSION (on any fd)
 * shows TABLE_CORRUPT and the debugfs knob reads 1; the calls of a plain
 * fd, and of the provider itself, are EUCLEAN; a REFRESH before any
 * REENUMERATE is EUCLEAN and asks nobody.  The VDS recovery clears it:
 * REENUMERATE asks the provider (which, asked, reads its portal while a
 * plain fd still gets EUCLEAN) and leaves the mark; REFRESH then asks it
 * and clears the mark; the statuses survive.  Faults caught: the command
 * a no-op, open to any writer or to a read-only fd, the mark not shown
 * or not enforced, the recovery not reaching the provider, clearing
 * without a REENUMERATE, or not clearing at all.
 */
TEST_F(up, provider_corrupt)
{
	struct iscsi_portal_provider_info pi;
	struct iscsi_portal_info info, page[2];
	struct iscsi_portal_request req;
	struct iscsi_portal_list l;
	const char *call;
	int ro, w, got;
	__u64 p, q, id;

	p = up_portal(_metadata, self, self->pfd, S_OFFLINE, NULL);
	ASSERT_NE((__u64)0, p);
	ASSERT_EQ(0, ip_add_unique(self->fd, AF_INET6, S_ONLINE, &q, NULL));
	self->ids[self->nids++] = q;
	ro = ip_open(O_RDONLY);
	ASSERT_LE(0, ro);
	w = ip_open(O_RDWR);
	ASSERT_LE(0, w);
	ASSERT_EQ(0, ip_ioctl(w, ISCSI_PORTAL_IOC_WATCH, NULL));
	ASSERT_EQ(0, ip_is_corrupt(self->fd));

	/* not a provider: refused, nothing marked */
	EXPECT_EQ(-EINVAL, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_PROVIDER_CORRUPT, NULL))
		TH_LOG("a writer that is no provider");
	EXPECT_EQ(-EINVAL, ip_ioctl(w, ISCSI_PORTAL_IOC_PROVIDER_CORRUPT, NULL))
		TH_LOG("a watcher");
	EXPECT_EQ(-EBADF, ip_ioctl(ro, ISCSI_PORTAL_IOC_PROVIDER_CORRUPT, NULL))
		TH_LOG("a read-only fd");
	EXPECT_EQ(0, ip_is_corrupt(self->fd)) TH_LOG("a refused PROVIDER_CORRUPT marked it");
	EXPECT_EQ(0, knob_corrupt());
	EXPECT_EQ(0, ip_get_info(self->fd, q, &info));

	/* the provider: marked */
	ASSERT_EQ(0, ip_ioctl(self->pfd, ISCSI_PORTAL_IOC_PROVIDER_CORRUPT, NULL));
	EXPECT_EQ(1, ip_is_corrupt(self->fd));
	EXPECT_EQ(1, ip_is_corrupt(ro)) TH_LOG("VERSION of a read-only fd");
	EXPECT_EQ(1, knob_corrupt());
	call = ip_id_calls_fail(self->fd, q, -EUCLEAN, &got);
	EXPECT_EQ(NULL, call) TH_LOG("plain fd: %s of a plain portal returned %d",
				     call, got);
	call = ip_id_calls_fail(self->fd, p, -EUCLEAN, &got);
	EXPECT_EQ(NULL, call) TH_LOG("plain fd: %s of the provider's portal returned %d",
				     call, got);
	call = ip_id_calls_fail(self->pfd, p, -EUCLEAN, &got);
	EXPECT_EQ(NULL, call) TH_LOG("the provider: %s of its portal returned %d",
				     call, got);
	EXPECT_EQ(-EUCLEAN, ip_get_provider(self->fd, p, &pi));
	EXPECT_EQ(-EUCLEAN, ip_list(self->fd, 0, page, 2, &l));
	EXPECT_EQ(-EUCLEAN, ip_list(ro, 0, page, 2, &l));
	EXPECT_EQ(-EUCLEAN, ip_add_unique(self->fd, AF_INET, S_ONLINE, &id, NULL));
	EXPECT_EQ(-EUCLEAN, ip_add_unique(self->pfd, AF_INET, S_ONLINE, &id, NULL));
	/* REFRESH first: EUCLEAN, and no provider is asked */
	EXPECT_EQ(-EUCLEAN, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REFRESH, NULL));
	EXPECT_FALSE(polls_in(self->pfd)) TH_LOG("the refused REFRESH asked the provider");
	EXPECT_EQ(1, ip_is_corrupt(self->fd));

	/* REENUMERATE: the provider is asked, and may read its portal */
	ASSERT_EQ(0, ip_async_start(&self->a, self->fd,
				    ISCSI_PORTAL_IOC_REENUMERATE, NULL));
	read_one(_metadata, self->pfd, &req);
	EXPECT_EQ((__u32)ISCSI_PORTAL_REQ_REENUMERATE, req.type);
	EXPECT_EQ(0, ip_get_info(self->pfd, p, &info)) TH_LOG("the asked provider");
	EXPECT_EQ((__u32)S_OFFLINE, info.status);
	EXPECT_EQ(-EUCLEAN, ip_get_info(self->fd, q, &info)) TH_LOG("a plain reader");
	EXPECT_EQ(0, ip_reply(self->pfd, req.cookie, 0));
	EXPECT_EQ(0, ip_async_join(&self->a));
	EXPECT_EQ(1, ip_is_corrupt(self->fd)) TH_LOG("REENUMERATE alone cleared the mark");
	EXPECT_EQ(-EUCLEAN, ip_get_info(self->fd, q, &info));

	/* then REFRESH: asked too, and the mark is gone */
	ASSERT_EQ(0, ip_async_start(&self->a, self->fd,
				    ISCSI_PORTAL_IOC_REFRESH, NULL));
	read_one(_metadata, self->pfd, &req);
	EXPECT_EQ((__u32)ISCSI_PORTAL_REQ_REFRESH, req.type);
	EXPECT_EQ(0, ip_reply(self->pfd, req.cookie, 0));
	EXPECT_EQ(0, ip_async_join(&self->a));
	EXPECT_EQ(0, ip_is_corrupt(self->fd)) TH_LOG("the recovery did not clear it");
	EXPECT_EQ(0, knob_corrupt());

	info_of(_metadata, self->fd, p, &info);
	EXPECT_EQ((__u32)S_OFFLINE, info.status);
	EXPECT_EQ((__u32)ISCSI_PORTAL_INFO_PROVIDER, info.flags);
	info_of(_metadata, self->fd, q, &info);
	EXPECT_EQ((__u32)S_ONLINE, info.status);
	EXPECT_EQ(0, ip_report_status(self->pfd, p, S_FAILED)) TH_LOG("the provider works on");
	close(w);
	close(ro);
}

TEST_HARNESS_MAIN
