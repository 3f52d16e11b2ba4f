// SPDX-License-Identifier: GPL-2.0
/*
 * The provider calls: what ATTACH, REPLY and GET_PROVIDER hand the kernel
 * (via the fake), and the request loop against a socket pair whose other
 * end plays the module's read() side while the fake takes the replies.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "iscsiportal.h"
#include "fake.h"
#include "harness.h"

#define MAX_REPLIES	32

/* What the fake module does and saw. */
static struct {
	struct iscsi_portal_reply replies[MAX_REPLIES];
	unsigned int n_replies;		/* read by the signalling thread */
	uint64_t late_cookie;		/* REPLY of it: ENOENT; 0: none */
	int reply_err;			/* every REPLY fails with it */
	uint32_t prov_flags;		/* GET_PROVIDER's answer */
	char prov_name[ISCSI_PORTAL_PROVIDER_NAME_LEN];
	bool unterminated;		/* GET_PROVIDER: no NUL in the name */
} mod;

static int module(unsigned long req, void *arg)
{
	struct iscsi_portal_provider_info *pi = arg;
	struct iscsi_portal_reply *r = arg;

	switch (req) {
	case ISCSI_PORTAL_IOC_PROVIDER_REPLY:
		if (mod.n_replies < MAX_REPLIES)
			mod.replies[mod.n_replies] = *r;
		__atomic_store_n(&mod.n_replies, mod.n_replies + 1,
				 __ATOMIC_RELEASE);
		if (mod.late_cookie && r->cookie == mod.late_cookie)
			return ENOENT;
		return mod.reply_err;
	case ISCSI_PORTAL_IOC_GET_PROVIDER:
		pi->flags = mod.prov_flags;
		memcpy(pi->name, mod.prov_name, sizeof(pi->name));
		if (mod.unterminated)
			memset(pi->name, 'n', sizeof(pi->name));
		return 0;
	}
	return 0;
}

static struct ipl_handle *mod_open(void)
{
	memset(&mod, 0, sizeof(mod));
	return fake_open(module);
}

/* provider: ATTACH sends flags 0, the timeout and the name, NUL-padded */
TEST(provider_attach)
{
	static const char name31[] = "abcdefghijklmnopqrstuvwxyz01234";
	struct iscsi_portal_provider_attach sent;
	struct ipl_handle *h = mod_open();
	unsigned int calls;
	size_t i;

	ASSERT_NE(NULL, h);
	EXPECT_EQ(0, ipl_provider_attach(h, "iscsi-portald", 1234));
	EXPECT_EQ(ISCSI_PORTAL_IOC_PROVIDER_ATTACH, fake.last_req);
	memcpy(&sent, fake.last_arg, sizeof(sent));
	EXPECT_EQ(0U, sent.flags);
	EXPECT_EQ(1234U, sent.timeout_ms);
	EXPECT_STREQ("iscsi-portald", sent.name);
	for (i = strlen("iscsi-portald"); i < sizeof(sent.name); i++) {
		EXPECT_EQ(0, sent.name[i]) TH_LOG("name[%zu]", i);
	}

	/* The longest name that fits, and timeout 0 (the module's default). */
	ASSERT_EQ(31U, strlen(name31));
	EXPECT_EQ(0, ipl_provider_attach(h, name31, 0));
	memcpy(&sent, fake.last_arg, sizeof(sent));
	EXPECT_EQ(0, memcmp(sent.name, name31, sizeof(name31)));
	EXPECT_EQ(0U, sent.timeout_ms);
	/* What fits is the module's to judge: "" and any timeout go on. */
	EXPECT_EQ(0, ipl_provider_attach(h, "", 600001));
	memcpy(&sent, fake.last_arg, sizeof(sent));
	EXPECT_EQ(600001U, sent.timeout_ms);
	EXPECT_EQ(0, sent.name[0]);

	/* What cannot be represented never reaches the module. */
	calls = fake.calls;
	EXPECT_EQ(-EINVAL, ipl_provider_attach(h,
			"abcdefghijklmnopqrstuvwxyz012345", 0));
	EXPECT_EQ(-EINVAL, ipl_provider_attach(h, NULL, 0));
	EXPECT_EQ(calls, fake.calls);
	EXPECT_EQ(-EINVAL, ipl_provider_attach(NULL, "p", 0));

	fake.fail_errno = EEXIST;
	EXPECT_EQ(-EEXIST, ipl_provider_attach(h, "p", 0));
	fake.fail_errno = ENOTTY;	/* a version-1 module */
	EXPECT_EQ(-ENOTTY, ipl_provider_attach(h, "p", 0));
	fake_close(h);
}

/* provider: REPLY sends the cookie, the result and flags 0 */
/* provider: mark_corrupt sends PROVIDER_CORRUPT with no argument */
TEST(provider_mark_corrupt)
{
	struct ipl_handle *h = mod_open();

	ASSERT_NE(NULL, h);
	EXPECT_EQ(0, ipl_provider_mark_corrupt(h));
	EXPECT_EQ(ISCSI_PORTAL_IOC_PROVIDER_CORRUPT, fake.last_req);
	EXPECT_EQ(-EINVAL, ipl_provider_mark_corrupt(NULL));
	fake.fail_errno = EINVAL;
	EXPECT_EQ(-EINVAL, ipl_provider_mark_corrupt(h));
	fake_close(h);
}

TEST(provider_reply)
{
	struct ipl_handle *h = mod_open();
	struct iscsi_portal_reply sent;

	ASSERT_NE(NULL, h);
	EXPECT_EQ(0, ipl_provider_reply(h, 0xfedcba9876543210ULL, -EADDRINUSE));
	EXPECT_EQ(ISCSI_PORTAL_IOC_PROVIDER_REPLY, fake.last_req);
	memcpy(&sent, fake.last_arg, sizeof(sent));
	EXPECT_EQ(0xfedcba9876543210ULL, sent.cookie);
	EXPECT_EQ(-EADDRINUSE, sent.result);
	EXPECT_EQ(0U, sent.flags);
	EXPECT_EQ(0, ipl_provider_reply(h, 1, 0));
	memcpy(&sent, fake.last_arg, sizeof(sent));
	EXPECT_EQ(1U, sent.cookie);
	EXPECT_EQ(0, sent.result);
	/* A result out of range is the module's to refuse. */
	EXPECT_EQ(0, ipl_provider_reply(h, 2, 5));
	EXPECT_EQ(5, ((struct iscsi_portal_reply *)fake.last_arg)->result);
	mod.late_cookie = 3;
	EXPECT_EQ(-ENOENT, ipl_provider_reply(h, 3, 0));
	EXPECT_EQ(-EINVAL, ipl_provider_reply(NULL, 3, 0));
	fake.fail_errno = ENOTTY;
	EXPECT_EQ(-ENOTTY, ipl_provider_reply(h, 4, 0));
	fake_close(h);
}

/* provider: GET_PROVIDER sends the id, returns flags and the name */
TEST(provider_get)
{
	struct iscsi_portal_provider_info sent;
	struct ipl_handle *h = mod_open();
	char name[IPL_PROVIDER_NAME_LEN];
	uint32_t flags = 0;
	unsigned int calls;

	ASSERT_NE(NULL, h);
	mod.prov_flags = ISCSI_PORTAL_INFO_PROVIDER;
	strcpy(mod.prov_name, "lio-bridge");
	EXPECT_EQ(0, ipl_get_provider(h, 21, &flags, name, sizeof(name)));
	EXPECT_EQ(ISCSI_PORTAL_IOC_GET_PROVIDER, fake.last_req);
	memcpy(&sent, fake.last_arg, sizeof(sent));
	EXPECT_EQ(21U, sent.id);
	EXPECT_EQ(0U, sent.flags);
	EXPECT_EQ(0U, sent.reserved);
	EXPECT_EQ(0, sent.name[0]);
	EXPECT_EQ(ISCSI_PORTAL_INFO_PROVIDER, flags);
	EXPECT_STREQ("lio-bridge", name);

	/* Exactly enough room; no room for the NUL: nothing written. */
	EXPECT_EQ(0, ipl_get_provider(h, 21, NULL, name, 11));
	EXPECT_STREQ("lio-bridge", name);
	memset(name, 'x', sizeof(name));
	flags = 99;
	EXPECT_EQ(-ENOSPC, ipl_get_provider(h, 21, &flags, name, 10));
	EXPECT_EQ('x', name[0]);
	EXPECT_EQ(99U, flags);
	/* Only the flags. */
	EXPECT_EQ(0, ipl_get_provider(h, 21, &flags, NULL, 0));
	EXPECT_EQ(ISCSI_PORTAL_INFO_PROVIDER, flags);
	calls = fake.calls;
	EXPECT_EQ(-EINVAL, ipl_get_provider(h, 21, &flags, NULL, 5));
	EXPECT_EQ(calls, fake.calls);
	EXPECT_EQ(-EINVAL, ipl_get_provider(NULL, 21, &flags, name, 5));

	/* An orphan: no name. */
	mod.prov_flags = ISCSI_PORTAL_INFO_ORPHAN;
	memset(mod.prov_name, 0, sizeof(mod.prov_name));
	memset(name, 'x', sizeof(name));
	EXPECT_EQ(0, ipl_get_provider(h, 22, &flags, name, sizeof(name)));
	EXPECT_EQ(ISCSI_PORTAL_INFO_ORPHAN, flags);
	EXPECT_STREQ("", name);
	/* A module that forgot the NUL. */
	mod.unterminated = true;
	memset(name, 'x', sizeof(name));
	EXPECT_EQ(-EPROTO, ipl_get_provider(h, 22, &flags, name, sizeof(name)));
	EXPECT_EQ('x', name[0]);
	EXPECT_EQ(-EPROTO, ipl_get_provider(h, 22, &flags, NULL, 0));
	mod.unterminated = false;

	fake.fail_errno = EIDRM;
	EXPECT_EQ(-EIDRM, ipl_get_provider(h, 22, &flags, name, sizeof(name)));
	fake.fail_errno = ENOTTY;
	EXPECT_EQ(-ENOTTY, ipl_get_provider(h, 22, &flags, name, sizeof(name)));
	fake_close(h);
}

/* ---- requests through a socket pair --------------------------------------- */

/* A fake handle on one end of a socket pair; *@peer is the other. */
static struct ipl_handle *pair_open(int *peer, bool nonblock)
{
	struct ipl_handle *h;
	int sv[2];

	memset(&mod, 0, sizeof(mod));
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return NULL;
	if (nonblock && fcntl(sv[0], F_SETFL, O_NONBLOCK)) {
		close(sv[0]);
		close(sv[1]);
		return NULL;
	}
	h = fake_open_fd(sv[0], module);
	if (!h) {
		close(sv[1]);
		return NULL;
	}
	*peer = sv[1];
	return h;
}

static void pair_close(struct ipl_handle *h, int peer)
{
	close(peer);
	fake_close(h);
}

/* @n requests with cookies 100, 101, ...: a SET, a REENUMERATE, a REFRESH. */
static void make_requests(struct iscsi_portal_request *req, unsigned int n)
{
	unsigned int i;

	memset(req, 0, n * sizeof(*req));
	for (i = 0; i < n; i++) {
		req[i].cookie = 100 + i;
		req[i].type = ISCSI_PORTAL_REQ_SET_STATUS + i % 3;
		if (req[i].type != ISCSI_PORTAL_REQ_SET_STATUS)
			continue;
		req[i].id = 7 + i;
		req[i].flags = ISCSI_PORTAL_SET_DROP_SESSIONS;
		req[i].old_status = ISCSI_PORTAL_STATUS_ONLINE;
		req[i].new_status = ISCSI_PORTAL_STATUS_OFFLINE;
	}
}

static bool send_all(int fd, const void *buf, size_t len)
{
	return write(fd, buf, len) == (ssize_t)len;
}

/* Bytes waiting to be read on @fd, without taking them; -1 on error. */
static ssize_t pending(int fd)
{
	char buf[1024];
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);

	return n < 0 && errno == EAGAIN ? 0 : n;
}

/* provider: next reads one whole request per call */
TEST(provider_next)
{
	struct iscsi_portal_request in[3], out;
	struct ipl_handle *h;
	unsigned int i;
	int peer;

	h = pair_open(&peer, false);
	ASSERT_NE(NULL, h);
	make_requests(in, 3);
	ASSERT_TRUE(send_all(peer, in, sizeof(in)));
	for (i = 0; i < 3; i++) {
		memset(&out, 0xcc, sizeof(out));
		EXPECT_EQ(0, ipl_provider_next(h, &out));
		EXPECT_EQ(0, memcmp(&in[i], &out, sizeof(out))) TH_LOG("%u", i);
		/* The others stay queued, for poll(2) to see. */
		EXPECT_EQ((ssize_t)((2 - i) * sizeof(out)), pending(ipl_fd(h)));
	}
	EXPECT_EQ(-EINVAL, ipl_provider_next(h, NULL));
	EXPECT_EQ(-EINVAL, ipl_provider_next(NULL, &out));
	/* A partial record, then end of file. */
	ASSERT_TRUE(send_all(peer, in, sizeof(in[0]) - 8));
	EXPECT_EQ(-EPROTO, ipl_provider_next(h, &out));
	close(peer);
	EXPECT_EQ(-EPROTO, ipl_provider_next(h, &out));
	fake_close(h);
}

/* provider: next on a non-blocking handle is EAGAIN when none waits */
TEST(provider_next_nonblocking)
{
	struct iscsi_portal_request in[1], out;
	struct ipl_handle *h;
	int peer;

	h = pair_open(&peer, true);
	ASSERT_NE(NULL, h);
	EXPECT_EQ(-EAGAIN, ipl_provider_next(h, &out));
	make_requests(in, 1);
	ASSERT_TRUE(send_all(peer, in, sizeof(in)));
	EXPECT_EQ(0, ipl_provider_next(h, &out));
	EXPECT_EQ(100U, out.cookie);
	EXPECT_EQ(-EAGAIN, ipl_provider_next(h, &out));
	pair_close(h, peer);
}

/* What the callbacks saw and what they answer. */
static struct {
	struct iscsi_portal_request seen[MAX_REPLIES];
	unsigned int n;
	int results[MAX_REPLIES];	/* the i-th call returns results[i] */
	struct iscsi_portal_request late[MAX_REPLIES];
	int late_result[MAX_REPLIES];
	unsigned int n_late;
	struct ipl_handle *h;		/* the handle the callbacks must get */
	bool wrong_handle;
} cb;

static int on_request(struct ipl_handle *h,
		      const struct iscsi_portal_request *req, void *arg)
{
	int *tag = arg;

	if (h != cb.h || *tag != 42)
		cb.wrong_handle = true;
	if (cb.n == MAX_REPLIES)
		return -ENOSPC;
	cb.seen[cb.n] = *req;
	return cb.results[cb.n++];
}

static void on_late(struct ipl_handle *h,
		    const struct iscsi_portal_request *req, int result,
		    void *arg)
{
	int *tag = arg;

	if (h != cb.h || *tag != 42)
		cb.wrong_handle = true;
	if (cb.n_late == MAX_REPLIES)
		return;
	cb.late[cb.n_late] = *req;
	cb.late_result[cb.n_late++] = result;
}

/* A pair with @n requests queued, the callbacks reset to answer @results. */
static struct ipl_handle *serve_setup(struct __test_metadata *_metadata,
				      int *peer, bool nonblock,
				      struct iscsi_portal_request *in,
				      unsigned int n, const int *results)
{
	struct ipl_handle *h = pair_open(peer, nonblock);
	bool ok = true;

	EXPECT_NE(NULL, h) ok = false;
	if (!ok)
		return NULL;
	memset(&cb, 0, sizeof(cb));
	cb.h = h;
	memcpy(cb.results, results, n * sizeof(*results));
	make_requests(in, n);
	EXPECT_TRUE(send_all(*peer, in, n * sizeof(*in))) ok = false;
	if (!ok) {
		pair_close(h, *peer);
		return NULL;
	}
	return h;
}

/* provider: serve answers each queued request with the callback's result */
TEST(provider_serve_replies)
{
	static const int results[] = {
		0, -EADDRINUSE, -511, -1, -ETIMEDOUT,
		-EOPNOTSUPP, 0, -ENXIO, -EADDRNOTAVAIL, 0,
		-EIO, 0, -EPERM, 0, -EBUSY, 0, -EINVAL, 0, -EAGAIN, 0,
	};
	const unsigned int n = ARRAY_SIZE(results);	/* > one batch */
	struct iscsi_portal_request in[ARRAY_SIZE(results)];
	struct ipl_handle *h;
	unsigned int i;
	int tag = 42, peer;

	h = serve_setup(_metadata, &peer, true, in, n, results);
	ASSERT_NE(NULL, h);
	EXPECT_EQ((int)n, ipl_provider_serve(h, on_request, on_late, &tag));
	ASSERT_EQ(n, cb.n);
	ASSERT_EQ(n, mod.n_replies);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(0, memcmp(&in[i], &cb.seen[i], sizeof(in[i])))
			TH_LOG("request %u", i);
		EXPECT_EQ(in[i].cookie, mod.replies[i].cookie);
		EXPECT_EQ(results[i], mod.replies[i].result) TH_LOG("%u", i);
		EXPECT_EQ(0U, mod.replies[i].flags);
	}
	EXPECT_EQ(0U, cb.n_late);
	EXPECT_FALSE(cb.wrong_handle);
	/* Nothing queued: back at once, nothing called. */
	EXPECT_EQ(0, ipl_provider_serve(h, on_request, on_late, &tag));
	EXPECT_EQ(n, cb.n);
	EXPECT_EQ(-EINVAL, ipl_provider_serve(h, NULL, on_late, &tag));
	EXPECT_EQ(-EINVAL, ipl_provider_serve(NULL, on_request, on_late, &tag));
	pair_close(h, peer);
}

/* provider: a deferred request gets no reply; a non-errno is sent as EIO */
TEST(provider_serve_defer_and_bad_results)
{
	static const int results[] = {
		IPL_PROVIDER_DEFER, -4096, 0, INT_MIN, 7, INT_MAX, -511, -512,
	};
	static const int sent[] = { -EIO, 0, -EIO, -511, -EIO };
	struct iscsi_portal_request in[ARRAY_SIZE(results)];
	struct ipl_handle *h;
	unsigned int i;
	int tag = 42, peer;

	h = serve_setup(_metadata, &peer, true, in, ARRAY_SIZE(results),
			results);
	ASSERT_NE(NULL, h);
	EXPECT_EQ((int)ARRAY_SIZE(results),
		  ipl_provider_serve(h, on_request, NULL, &tag));
	ASSERT_EQ(ARRAY_SIZE(sent), mod.n_replies);
	EXPECT_EQ(101U, mod.replies[0].cookie);
	EXPECT_EQ(102U, mod.replies[1].cookie);
	EXPECT_EQ(103U, mod.replies[2].cookie);
	EXPECT_EQ(106U, mod.replies[3].cookie);
	EXPECT_EQ(107U, mod.replies[4].cookie);
	for (i = 0; i < ARRAY_SIZE(sent); i++) {
		EXPECT_EQ(sent[i], mod.replies[i].result) TH_LOG("%u", i);
	}
	/* The deferred ones are answered later, by cookie. */
	EXPECT_EQ(0, ipl_provider_reply(h, cb.seen[0].cookie, 0));
	EXPECT_EQ(100U, mod.replies[5].cookie);
	pair_close(h, peer);
}

/* provider: a reply refused as late goes to the late callback; serving goes on */
TEST(provider_serve_late)
{
	static const int results[] = { 0, -EADDRNOTAVAIL, 0 };
	struct iscsi_portal_request in[3];
	struct ipl_handle *h;
	int tag = 42, peer;

	h = serve_setup(_metadata, &peer, true, in, 3, results);
	ASSERT_NE(NULL, h);
	mod.late_cookie = 101;
	EXPECT_EQ(3, ipl_provider_serve(h, on_request, on_late, &tag));
	EXPECT_EQ(3U, mod.n_replies);
	ASSERT_EQ(1U, cb.n_late);
	EXPECT_EQ(0, memcmp(&in[1], &cb.late[0], sizeof(in[1])));
	EXPECT_EQ(-EADDRNOTAVAIL, cb.late_result[0]);
	EXPECT_FALSE(cb.wrong_handle);

	/* Without a late callback, the same goes on silently. */
	make_requests(in, 3);
	ASSERT_TRUE(send_all(peer, in, sizeof(in)));
	cb.n = 0;
	EXPECT_EQ(3, ipl_provider_serve(h, on_request, NULL, &tag));
	EXPECT_EQ(6U, mod.n_replies);
	EXPECT_EQ(1U, cb.n_late);
	pair_close(h, peer);
}

/* provider: another reply error stops serve, after the batch is answered */
TEST(provider_serve_reply_error)
{
	static const int results[] = { 0, 0, 0 };
	struct iscsi_portal_request in[3];
	struct ipl_handle *h;
	int tag = 42, peer;

	h = serve_setup(_metadata, &peer, true, in, 3, results);
	ASSERT_NE(NULL, h);
	mod.reply_err = EBADF;
	EXPECT_EQ(-EBADF, ipl_provider_serve(h, on_request, on_late, &tag));
	EXPECT_EQ(3U, cb.n);
	EXPECT_EQ(3U, mod.n_replies);
	EXPECT_EQ(0U, cb.n_late);
	pair_close(h, peer);
}

/* provider: serve passes read errors on: a partial record, end of file */
TEST(provider_serve_read_errors)
{
	static const int results[] = { 0 };
	struct iscsi_portal_request in[1];
	struct ipl_handle *h;
	int tag = 42, peer;

	h = serve_setup(_metadata, &peer, true, in, 0, results);
	ASSERT_NE(NULL, h);
	make_requests(in, 1);
	ASSERT_TRUE(send_all(peer, in, sizeof(in) - 1));
	EXPECT_EQ(-EPROTO, ipl_provider_serve(h, on_request, on_late, &tag));
	EXPECT_EQ(0U, cb.n);
	close(peer);
	EXPECT_EQ(-EPROTO, ipl_provider_serve(h, on_request, on_late, &tag));
	fake_close(h);
}

/* The blocking case: a thread queues requests one by one, then signals. */
static struct {
	int peer;
	pthread_t server;
	struct iscsi_portal_request in[2];
	bool done;			/* serve returned */
	bool timed_out;
} blk;

static void on_usr1(int sig)
{
	(void)sig;
}

/* Wait until @n replies were sent; false after about 10 s. */
static bool wait_replies(unsigned int n)
{
	const struct timespec tick = { 0, 1000000 };
	int i;

	for (i = 0; i < 10000; i++) {
		if (__atomic_load_n(&mod.n_replies, __ATOMIC_ACQUIRE) >= n)
			return true;
		nanosleep(&tick, NULL);
	}
	return false;
}

static void *feeder(void *unused)
{
	const struct timespec tick = { 0, 1000000 };
	int i;

	(void)unused;
	/* The second only once the first was answered: serve must wait. */
	if (!send_all(blk.peer, &blk.in[0], sizeof(blk.in[0])) ||
	    !wait_replies(1) ||
	    !send_all(blk.peer, &blk.in[1], sizeof(blk.in[1])) ||
	    !wait_replies(2))
		blk.timed_out = true;
	/* Until serve returns: a signal may land outside its read(). */
	for (i = 0; i < 10000; i++) {
		if (__atomic_load_n(&blk.done, __ATOMIC_ACQUIRE))
			return NULL;
		pthread_kill(blk.server, SIGUSR1);
		nanosleep(&tick, NULL);
	}
	blk.timed_out = true;
	return NULL;
}

/* provider: a blocking serve waits for requests until a signal interrupts it */
TEST(provider_serve_blocking)
{
	static const int results[] = { -EADDRINUSE, 0 };
	struct sigaction sa, old;
	struct ipl_handle *h;
	pthread_t thread;
	int tag = 42;

	/* None queued yet: the feeder sends them. */
	h = serve_setup(_metadata, &blk.peer, false, blk.in, 0, results);
	ASSERT_NE(NULL, h);
	memcpy(cb.results, results, sizeof(results));
	make_requests(blk.in, 2);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;	/* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, &old));
	blk.server = pthread_self();
	blk.done = false;
	blk.timed_out = false;
	ASSERT_EQ(0, pthread_create(&thread, NULL, feeder, NULL));
	EXPECT_EQ(2, ipl_provider_serve(h, on_request, on_late, &tag));
	__atomic_store_n(&blk.done, true, __ATOMIC_RELEASE);
	pthread_join(thread, NULL);
	sigaction(SIGUSR1, &old, NULL);
	EXPECT_FALSE(blk.timed_out);
	ASSERT_EQ(2U, mod.n_replies);
	EXPECT_EQ(100U, mod.replies[0].cookie);
	EXPECT_EQ(-EADDRINUSE, mod.replies[0].result);
	EXPECT_EQ(101U, mod.replies[1].cookie);
	EXPECT_EQ(0, mod.replies[1].result);
	pair_close(h, blk.peer);
}

/* ---- roles: a watcher's handle reads no requests, a provider's no events -- */

/* One made-up event record: it has the size of a request record. */
static void make_event(struct iscsi_portal_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->seq = 5;
	ev->id = 9;
	ev->type = ISCSI_PORTAL_EVENT_ARRIVE;
	ev->new_status = ISCSI_PORTAL_STATUS_ONLINE;
}

/* roles: on a watcher's handle next and serve are EINVAL and read nothing */
TEST(role_watcher_no_requests)
{
	struct iscsi_portal_event ev, out[2];
	struct iscsi_portal_request req;
	struct ipl_handle *h;
	int tag = 42, peer;

	ASSERT_EQ(sizeof(ev), sizeof(req));	/* why the library must check */
	h = pair_open(&peer, true);
	ASSERT_NE(NULL, h);
	memset(&cb, 0, sizeof(cb));
	cb.h = h;
	EXPECT_EQ(0, ipl_watch(h));
	EXPECT_EQ(ISCSI_PORTAL_IOC_WATCH, fake.last_req);
	make_event(&ev);
	ASSERT_TRUE(send_all(peer, &ev, sizeof(ev)));

	EXPECT_EQ(-EINVAL, ipl_provider_next(h, &req));
	EXPECT_EQ(-EINVAL, ipl_provider_serve(h, on_request, on_late, &tag));
	EXPECT_EQ(0U, cb.n);
	EXPECT_EQ(0U, mod.n_replies);
	/* Nothing was read: the event is still there, for the watcher. */
	EXPECT_EQ((ssize_t)sizeof(ev), pending(ipl_fd(h)));
	EXPECT_EQ(1, ipl_read_events(h, out, 2));
	EXPECT_EQ(0, memcmp(&ev, &out[0], sizeof(ev)));

	/* REPLY is the module's to refuse: it still gets the call. */
	EXPECT_EQ(0, ipl_provider_reply(h, 1, 0));
	EXPECT_EQ(ISCSI_PORTAL_IOC_PROVIDER_REPLY, fake.last_req);
	/* The module refuses ATTACH on a watcher: the handle stays one. */
	fake.fail_errno = EINVAL;
	EXPECT_EQ(-EINVAL, ipl_provider_attach(h, "p", 0));
	fake.fail_errno = 0;
	EXPECT_EQ(-EINVAL, ipl_provider_next(h, &req));
	pair_close(h, peer);
}

/* roles: on a provider's handle read_events is EINVAL and reads nothing */
TEST(role_provider_no_events)
{
	struct iscsi_portal_request in[2], out;
	struct iscsi_portal_event ev[2];
	struct ipl_handle *h;
	int peer;

	h = pair_open(&peer, true);
	ASSERT_NE(NULL, h);
	EXPECT_EQ(0, ipl_provider_attach(h, "p", 0));
	EXPECT_EQ(ISCSI_PORTAL_IOC_PROVIDER_ATTACH, fake.last_req);
	make_requests(in, 2);
	ASSERT_TRUE(send_all(peer, in, sizeof(in)));

	EXPECT_EQ(-EINVAL, ipl_read_events(h, ev, 2));
	EXPECT_EQ((ssize_t)sizeof(in), pending(ipl_fd(h)));
	/* The requests are still there, for the provider. */
	EXPECT_EQ(0, ipl_provider_next(h, &out));
	EXPECT_EQ(0, memcmp(&in[0], &out, sizeof(out)));
	EXPECT_EQ(0, ipl_provider_reply(h, out.cookie, 0));

	/* The module refuses WATCH on a provider: the handle stays one. */
	fake.fail_errno = EINVAL;
	EXPECT_EQ(-EINVAL, ipl_watch(h));
	fake.fail_errno = 0;
	EXPECT_EQ(-EINVAL, ipl_read_events(h, ev, 2));
	EXPECT_EQ(0, ipl_provider_next(h, &out));
	EXPECT_EQ(101U, out.cookie);
	pair_close(h, peer);
}

/* roles: a provider's serve still answers its requests */
TEST(role_provider_serves)
{
	static const int results[] = { 0, -EADDRINUSE, 0 };
	struct iscsi_portal_request in[3];
	struct ipl_handle *h;
	int tag = 42, peer;

	h = serve_setup(_metadata, &peer, true, in, 3, results);
	ASSERT_NE(NULL, h);
	EXPECT_EQ(0, ipl_provider_attach(h, "p", 0));
	EXPECT_EQ(3, ipl_provider_serve(h, on_request, on_late, &tag));
	ASSERT_EQ(3U, mod.n_replies);
	EXPECT_EQ(101U, mod.replies[1].cookie);
	EXPECT_EQ(-EADDRINUSE, mod.replies[1].result);
	EXPECT_FALSE(cb.wrong_handle);
	pair_close(h, peer);
}

/* roles: no role taken through the library (failed call, ipl_open_fd) */
TEST(role_unknown_no_check)
{
	struct iscsi_portal_request in[1], out;
	struct iscsi_portal_event ev[1];
	struct ipl_handle *h;
	int peer;

	h = pair_open(&peer, true);
	ASSERT_NE(NULL, h);
	make_requests(in, 1);
	/* A wrapped fd: whatever it is, both readers read. */
	ASSERT_TRUE(send_all(peer, in, sizeof(in)));
	EXPECT_EQ(1, ipl_read_events(h, ev, 1));
	ASSERT_TRUE(send_all(peer, in, sizeof(in)));
	EXPECT_EQ(0, ipl_provider_next(h, &out));

	/* A WATCH or ATTACH that failed takes no role. */
	fake.fail_errno = ENOSPC;
	EXPECT_EQ(-ENOSPC, ipl_watch(h));
	fake.fail_errno = 0;
	ASSERT_TRUE(send_all(peer, in, sizeof(in)));
	EXPECT_EQ(0, ipl_provider_next(h, &out));
	fake.fail_errno = EPERM;
	EXPECT_EQ(-EPERM, ipl_provider_attach(h, "p", 0));
	fake.fail_errno = 0;
	EXPECT_EQ(-EINVAL, ipl_provider_attach(h,
			"abcdefghijklmnopqrstuvwxyz012345", 0));
	ASSERT_TRUE(send_all(peer, in, sizeof(in)));
	EXPECT_EQ(1, ipl_read_events(h, ev, 1));
	EXPECT_EQ(0, pending(ipl_fd(h)));
	pair_close(h, peer);
}

/* Deferred replies from another thread while serve waits on the handle. */
static struct {
	int peer;
	pthread_t server;
	struct ipl_handle *h;
	struct iscsi_portal_request in[2];
	uint64_t deferred;		/* the callback's cookie; 0: none yet */
	int reply_err[2];
	bool done;
	bool timed_out;
} dfr;

static int on_request_defer(struct ipl_handle *h,
			    const struct iscsi_portal_request *req, void *arg)
{
	(void)h;
	(void)arg;
	__atomic_store_n(&dfr.deferred, req->cookie, __ATOMIC_RELEASE);
	return IPL_PROVIDER_DEFER;
}

/* Wait until the callback deferred @cookie; false after about 10 s. */
static bool wait_deferred(uint64_t cookie)
{
	const struct timespec tick = { 0, 1000000 };
	int i;

	for (i = 0; i < 10000; i++) {
		if (__atomic_load_n(&dfr.deferred, __ATOMIC_ACQUIRE) == cookie)
			return true;
		nanosleep(&tick, NULL);
	}
	return false;
}

static void *replier(void *unused)
{
	const struct timespec tick = { 0, 1000000 };
	int i;

	(void)unused;
	for (i = 0; i < 2; i++) {
		if (!send_all(dfr.peer, &dfr.in[i], sizeof(dfr.in[i])) ||
		    !wait_deferred(dfr.in[i].cookie)) {
			dfr.timed_out = true;
			break;
		}
		/* serve is back in read(), or about to be: reply meanwhile. */
		dfr.reply_err[i] = ipl_provider_reply(dfr.h, dfr.in[i].cookie,
						      -EADDRINUSE * i);
	}
	for (i = 0; i < 10000; i++) {
		if (__atomic_load_n(&dfr.done, __ATOMIC_ACQUIRE))
			return NULL;
		pthread_kill(dfr.server, SIGUSR1);
		nanosleep(&tick, NULL);
	}
	dfr.timed_out = true;
	return NULL;
}

/* threads: a deferred reply from another thread while serve blocks */
TEST(provider_reply_from_another_thread)
{
	struct sigaction sa, old;
	pthread_t thread;

	memset(&dfr, 0, sizeof(dfr));
	dfr.h = pair_open(&dfr.peer, false);
	ASSERT_NE(NULL, dfr.h);
	ASSERT_EQ(0, ipl_provider_attach(dfr.h, "p", 0));
	make_requests(dfr.in, 2);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;	/* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, &old));
	dfr.server = pthread_self();
	ASSERT_EQ(0, pthread_create(&thread, NULL, replier, NULL));
	EXPECT_EQ(2, ipl_provider_serve(dfr.h, on_request_defer, NULL, NULL));
	__atomic_store_n(&dfr.done, true, __ATOMIC_RELEASE);
	pthread_join(thread, NULL);
	sigaction(SIGUSR1, &old, NULL);
	EXPECT_FALSE(dfr.timed_out);
	EXPECT_EQ(0, dfr.reply_err[0]);
	EXPECT_EQ(0, dfr.reply_err[1]);
	/* Only the other thread replied: serve sent none itself. */
	ASSERT_EQ(2U, mod.n_replies);
	EXPECT_EQ(100U, mod.replies[0].cookie);
	EXPECT_EQ(0, mod.replies[0].result);
	EXPECT_EQ(101U, mod.replies[1].cookie);
	EXPECT_EQ(-EADDRINUSE, mod.replies[1].result);
	pair_close(dfr.h, dfr.peer);
}

TEST_HARNESS_MAIN
