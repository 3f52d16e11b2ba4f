// SPDX-License-Identifier: GPL-2.0
/*
 * perm_test - who may do what (CONTRACT section 3): writer ioctls need an
 * fd open for writing (EBADF) whose opener had CAP_NET_ADMIN in the initial
 * user namespace (EPERM), checked against the opener's credentials, not the
 * caller's; readers work on any fd; the node is 0600 root.
 *
 * Capabilities are changed with raw capget/capset, each test in its own
 * process (the harness forks one per test), so nothing leaks to others.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "harness.h"

/* Send @fd over the unix socket @sock (SCM_RIGHTS). 0 or -errno. */
static int send_fd(int sock, int fd)
{
	char data = 'F';
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c;

	memset(&u, 0, sizeof(u));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
}

/* Receive an fd from @sock: the fd or -errno. */
static int recv_fd(int sock)
{
	char data;
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -errno ? -errno : -EPROTO;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* Wait for @pid; its exit code (0 = all its checks passed), or 255. */
static int child_exit(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 255;
	return WEXITSTATUS(status);
}

/*
 * Every writer ioctl on @fd must fail with @err, whatever the argument
 * (valid, NULL, bad flags, unknown id: the permission check comes first).
 * @id is an existing portal.  Nothing may change: not the table (@probe's
 * VERSION, which must work), not the corrupt mark, not @fd's role.
 */
static void check_writers_fail(struct __test_metadata *_metadata, int fd,
			       __u64 id, int err, int probe)
{
	struct iscsi_portal_version v0, v1;
	struct iscsi_portal_add add;
	struct iscsi_portal_addr a;
	__u64 dummy;

	ASSERT_EQ(0, ip_version(probe, &v0));
	ASSERT_EQ(0U, v0.flags & ISCSI_PORTAL_TABLE_CORRUPT)
		TH_LOG("the table is corrupt before the test");
	ip_unique_addr(&a, AF_INET);
	EXPECT_EQ(err, ip_add(fd, &a, ISCSI_PORTAL_STATUS_ONLINE, &dummy));
	EXPECT_EQ(err, ip_remove(fd, id));
	EXPECT_EQ(err, ip_set_status(fd, id, ISCSI_PORTAL_STATUS_OFFLINE));
	EXPECT_EQ(err, ip_set_status(fd, id, ISCSI_PORTAL_STATUS_ONLINE));
	EXPECT_EQ(err, ip_report_status(fd, id, ISCSI_PORTAL_STATUS_FAILED));
	EXPECT_EQ(err, ip_ioctl(fd, ISCSI_PORTAL_IOC_REENUMERATE, NULL));
	EXPECT_EQ(err, ip_ioctl(fd, ISCSI_PORTAL_IOC_REFRESH, NULL));
	/* the provider ioctls (API 2) are writers' too */
	EXPECT_EQ(err, ip_attach(fd, "perm_test", 0));
	EXPECT_EQ(err, ip_reply(fd, 1, 0));
	EXPECT_EQ(err, ip_ioctl(fd, ISCSI_PORTAL_IOC_PROVIDER_CORRUPT, NULL));
	/* before EFAULT */
	EXPECT_EQ(err, ip_ioctl(fd, ISCSI_PORTAL_IOC_ADD, NULL));
	EXPECT_EQ(err, ip_ioctl(fd, ISCSI_PORTAL_IOC_REMOVE, NULL));
	EXPECT_EQ(err, ip_ioctl(fd, ISCSI_PORTAL_IOC_SET_STATUS, NULL));
	EXPECT_EQ(err, ip_ioctl(fd, ISCSI_PORTAL_IOC_REPORT_STATUS, NULL));
	EXPECT_EQ(err, ip_ioctl(fd, ISCSI_PORTAL_IOC_PROVIDER_ATTACH, NULL));
	EXPECT_EQ(err, ip_ioctl(fd, ISCSI_PORTAL_IOC_PROVIDER_REPLY, NULL));
	/* before EINVAL / EOPNOTSUPP */
	memset(&add, 0, sizeof(add));
	add.addr = a;
	add.flags = 1;
	EXPECT_EQ(err, ip_ioctl(fd, ISCSI_PORTAL_IOC_ADD, &add));
	EXPECT_EQ(err, ip_set_status(fd, id, 3));
	EXPECT_EQ(err, ip_set_status(fd, id, ISCSI_PORTAL_STATUS_FAILED));
	/* before ENOENT */
	EXPECT_EQ(err, ip_remove(fd, 0));

	ASSERT_EQ(0, ip_version(probe, &v1));
	EXPECT_EQ(v0.table_generation, v1.table_generation)
		TH_LOG("a refused writer changed the table");
	EXPECT_EQ(v0.portal_count, v1.portal_count);
	EXPECT_EQ(0U, v1.flags & ISCSI_PORTAL_TABLE_CORRUPT)
		TH_LOG("a refused PROVIDER_CORRUPT marked the table");
	/*
	 * A refused ATTACH left no provider: a readable fd may still WATCH
	 * (EINVAL on a provider fd; twice is harmless).
	 */
	if ((fcntl(fd, F_GETFL) & O_ACCMODE) != O_WRONLY) {
		EXPECT_EQ(0, ip_ioctl(fd, ISCSI_PORTAL_IOC_WATCH, NULL))
			TH_LOG("a refused ATTACH made the fd a provider");
	}
	if (v1.flags & ISCSI_PORTAL_TABLE_CORRUPT)
		ip_recover(probe);	/* so later tests do not inherit it */
}

/*
 * The reader ioctls work on @fd and see portal @id, of no provider, with
 * @status: VERSION, GET_INFO, GET_STATUS, GET_PROVIDER, and LIST from @id
 * returns @id first.
 */
static void check_readers_work(struct __test_metadata *_metadata, int fd,
			       __u64 id, __u32 status)
{
	struct iscsi_portal_provider_info pi;
	struct iscsi_portal_version v;
	struct iscsi_portal_info info;
	__u32 st = 0xcccccccc;

	fill_cc(&v, sizeof(v));
	EXPECT_EQ(0, ip_version(fd, &v));
	EXPECT_EQ((__u32)ISCSI_PORTAL_API_VERSION, v.api_version);
	EXPECT_EQ(0, ip_get_info(fd, id, &info));
	EXPECT_EQ(id, info.id);
	EXPECT_EQ(status, info.status);
	EXPECT_EQ(0, ip_get_status(fd, id, &st, NULL));
	EXPECT_EQ(status, st);
	EXPECT_EQ(0, ip_get_provider(fd, id, &pi));
	EXPECT_EQ(id, pi.id);
	EXPECT_EQ(0U, pi.flags);
	EXPECT_STREQ("", pi.name);
	ASSERT_EQ(0, ip_list_first(fd, id, &info))
		TH_LOG("LIST from %llu missed the portal", (unsigned long long)id);
	EXPECT_EQ(id, info.id);
	EXPECT_EQ(status, info.status);
}

/*
 * For passing an fd between processes: a privileged writer fd *@priv with
 * one ONLINE IPv4 portal *@id, and a connected AF_UNIX socket pair @sv.
 */
static void open_priv_portal_and_socketpair(struct __test_metadata *_metadata,
					    int *priv, __u64 *id, int sv[2])
{
	*priv = ip_open(O_RDWR);
	ASSERT_LE(0, *priv);
	ASSERT_EQ(0, ip_add_unique(*priv, AF_INET, ISCSI_PORTAL_STATUS_ONLINE, id, NULL));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
}

/* ------------------------------------------------------------------ */

TEST(node_is_0600_root)
{
	struct stat st;

	ASSERT_EQ(0, stat(IP_DEV, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600U, (unsigned int)(st.st_mode & 07777));
	EXPECT_EQ(0U, (unsigned int)st.st_uid);
	EXPECT_EQ(0U, (unsigned int)st.st_gid);
}

TEST(nonroot_open_eacces)
{
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(10);
		if (open(IP_DEV, O_RDONLY) >= 0 || errno != EACCES)
			_exit(1);
		if (open(IP_DEV, O_WRONLY) >= 0 || errno != EACCES)
			_exit(2);
		if (open(IP_DEV, O_RDWR) >= 0 || errno != EACCES)
			_exit(3);
		_exit(0);
	}
	EXPECT_EQ(0, child_exit(pid))
		TH_LOG("uid 65534: 10 = setuid failed, 1/2/3 = O_RDONLY/O_WRONLY/O_RDWR open not EACCES");
}

TEST(writers_need_fd_open_for_writing)
{
	__u64 id;
	int rw, rd;

	rw = ip_open(O_RDWR);
	ASSERT_LE(0, rw);
	rd = ip_open(O_RDONLY);
	ASSERT_LE(0, rd);
	ASSERT_EQ(0, ip_add_unique(rw, AF_INET, ISCSI_PORTAL_STATUS_ONLINE, &id, NULL));

	check_writers_fail(_metadata, rd, id, -EBADF, rw);
	check_readers_work(_metadata, rd, id, ISCSI_PORTAL_STATUS_ONLINE);

	EXPECT_EQ(0, ip_remove(rw, id));
	close(rd);
	close(rw);
}

TEST(readers_on_any_fd)
{
	static const int modes[] = { O_RDONLY, O_WRONLY, O_RDWR };
	unsigned int i;
	__u64 id;
	int rw, fd;

	rw = ip_open(O_RDWR);
	ASSERT_LE(0, rw);
	ASSERT_EQ(0, ip_add_unique(rw, AF_INET6, ISCSI_PORTAL_STATUS_OFFLINE, &id, NULL));
	for (i = 0; i < IP_ARRAY_SIZE(modes); i++) {
		fd = ip_open(modes[i]);
		ASSERT_LE(0, fd);
		check_readers_work(_metadata, fd, id, ISCSI_PORTAL_STATUS_OFFLINE);
		close(fd);
	}
	/* O_WRONLY is enough for a writer */
	fd = ip_open(O_WRONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, ip_set_status(fd, id, ISCSI_PORTAL_STATUS_ONLINE));
	EXPECT_EQ(0, ip_remove(fd, id));
	close(fd);
	close(rw);
}

TEST(writer_fd_survives_dropping_all_caps)
{
	struct iscsi_portal_addr a;
	__u64 id;
	int fd;

	fd = ip_open(O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_TRUE(ip_cap_effective(CAP_NET_ADMIN)) TH_LOG("suite must run as root");
	ASSERT_EQ(0, ip_caps_drop_all());
	ASSERT_FALSE(ip_cap_effective(CAP_NET_ADMIN));

	ip_unique_addr(&a, AF_INET);
	ASSERT_EQ(0, ip_add(fd, &a, ISCSI_PORTAL_STATUS_ONLINE, &id));
	EXPECT_EQ(0, ip_set_status(fd, id, ISCSI_PORTAL_STATUS_OFFLINE));
	EXPECT_EQ(0, ip_report_status(fd, id, ISCSI_PORTAL_STATUS_FAILED));
	EXPECT_EQ(0, ip_ioctl(fd, ISCSI_PORTAL_IOC_REENUMERATE, NULL));
	EXPECT_EQ(0, ip_ioctl(fd, ISCSI_PORTAL_IOC_REFRESH, NULL));
	check_readers_work(_metadata, fd, id, ISCSI_PORTAL_STATUS_FAILED);
	EXPECT_EQ(0, ip_remove(fd, id));
	close(fd);
}

/*
 * An fd opened while CAP_NET_ADMIN was not effective: EPERM for writers,
 * whatever the process's capabilities are later.
 */
FIXTURE(opened_without_cap) {
	int priv;	/* opened with CAP_NET_ADMIN, for setup and cleanup */
	__u64 id;
};

FIXTURE_VARIANT(opened_without_cap) {
	bool permitted;	/* also dropped from the permitted set */
};

FIXTURE_VARIANT_ADD(opened_without_cap, effective_only) { .permitted = false };
FIXTURE_VARIANT_ADD(opened_without_cap, permitted_too) { .permitted = true };

FIXTURE_SETUP(opened_without_cap)
{
	self->id = 0;
	self->priv = ip_open(O_RDWR);
	ASSERT_LE(0, self->priv);
	ASSERT_EQ(0, ip_add_unique(self->priv, AF_INET, ISCSI_PORTAL_STATUS_ONLINE,
				   &self->id, NULL));
}

FIXTURE_TEARDOWN(opened_without_cap)
{
	if (self->id)
		ip_remove(self->priv, self->id);
	close(self->priv);
}

TEST_F(opened_without_cap, writers_eperm)
{
	static const int modes[] = { O_RDWR, O_WRONLY };
	unsigned int i;
	int fd[2], fresh;
	__u64 id2;

	ASSERT_EQ(0, ip_cap_drop(CAP_NET_ADMIN, variant->permitted));
	ASSERT_FALSE(ip_cap_effective(CAP_NET_ADMIN));
	for (i = 0; i < IP_ARRAY_SIZE(modes); i++) {
		/* uid 0 owns the node: open works without the capability */
		fd[i] = ip_open(modes[i]);
		ASSERT_LE(0, fd[i]) TH_LOG("open without CAP_NET_ADMIN: %s", strerror(-fd[i]));
		check_writers_fail(_metadata, fd[i], self->id, -EPERM, self->priv);
		check_readers_work(_metadata, fd[i], self->id, ISCSI_PORTAL_STATUS_ONLINE);
	}

	/* the privileged fd still writes */
	EXPECT_EQ(0, ip_set_status(self->priv, self->id, ISCSI_PORTAL_STATUS_OFFLINE));

	if (variant->permitted)
		return;
	/* capability back: the old fds stay refused, a new one writes */
	ASSERT_EQ(0, ip_cap_raise(CAP_NET_ADMIN));
	ASSERT_TRUE(ip_cap_effective(CAP_NET_ADMIN));
	for (i = 0; i < IP_ARRAY_SIZE(modes); i++) {
		check_writers_fail(_metadata, fd[i], self->id, -EPERM, self->priv);
		close(fd[i]);
	}
	fresh = ip_open(O_RDWR);
	ASSERT_LE(0, fresh);
	EXPECT_EQ(0, ip_set_status(fresh, self->id, ISCSI_PORTAL_STATUS_ONLINE));
	EXPECT_EQ(0, ip_add_unique(fresh, AF_INET6, ISCSI_PORTAL_STATUS_ONLINE, &id2, NULL));
	EXPECT_EQ(0, ip_remove(fresh, id2));
	close(fresh);
}

TEST(fd_from_unprivileged_opener_stays_refused)
{
	int sv[2], priv, got;
	pid_t pid;
	__u64 id;

	open_priv_portal_and_socketpair(_metadata, &priv, &id, sv);

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd;

		close(sv[0]);
		if (ip_cap_drop(CAP_NET_ADMIN, true))
			_exit(1);
		fd = ip_open(O_RDWR);
		if (fd < 0)
			_exit(2);
		if (send_fd(sv[1], fd))
			_exit(3);
		_exit(0);
	}
	close(sv[1]);
	got = recv_fd(sv[0]);
	EXPECT_EQ(0, child_exit(pid)) TH_LOG("child: 1 capset, 2 open, 3 sendmsg");
	ASSERT_LE(0, got);

	/* this process has CAP_NET_ADMIN, the opener had not */
	ASSERT_TRUE(ip_cap_effective(CAP_NET_ADMIN));
	check_writers_fail(_metadata, got, id, -EPERM, priv);
	check_readers_work(_metadata, got, id, ISCSI_PORTAL_STATUS_ONLINE);

	close(got);
	close(sv[0]);
	EXPECT_EQ(0, ip_remove(priv, id));
	close(priv);
}

TEST(fd_from_privileged_opener_writes_anywhere)
{
	int sv[2], priv;
	pid_t pid;
	__u64 id;

	open_priv_portal_and_socketpair(_metadata, &priv, &id, sv);

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd;

		close(sv[1]);
		close(priv);
		if (ip_caps_drop_all())
			_exit(1);
		fd = recv_fd(sv[0]);
		if (fd < 0)
			_exit(2);
		if (ip_set_status(fd, id, ISCSI_PORTAL_STATUS_OFFLINE))
			_exit(3);
		if (ip_report_status(fd, id, ISCSI_PORTAL_STATUS_NOT_READY))
			_exit(4);
		_exit(0);
	}
	close(sv[0]);
	EXPECT_EQ(0, send_fd(sv[1], priv));
	EXPECT_EQ(0, child_exit(pid))
		TH_LOG("child without caps: 1 capset, 2 recvmsg, 3 SET, 4 REPORT");
	check_readers_work(_metadata, priv, id, ISCSI_PORTAL_STATUS_NOT_READY);
	close(sv[1]);
	EXPECT_EQ(0, ip_remove(priv, id));
	close(priv);
}

/*
 * CAP_NET_ADMIN in a child user namespace is not CAP_NET_ADMIN in the
 * initial one: an fd opened there is refused, PROVIDER_ATTACH and
 * PROVIDER_CORRUPT included (check_writers_fail()).
 */
TEST(opener_in_user_namespace_refused)
{
	int priv, fd;
	__u64 id;

	priv = ip_open(O_RDWR);
	ASSERT_LE(0, priv);
	ASSERT_EQ(0, ip_add_unique(priv, AF_INET6, ISCSI_PORTAL_STATUS_ONLINE, &id, NULL));

	ASSERT_EQ(0, unshare(CLONE_NEWUSER)) TH_LOG("unshare(CLONE_NEWUSER): %s", strerror(errno));
	ASSERT_TRUE(ip_cap_effective(CAP_NET_ADMIN))
		TH_LOG("a new user namespace grants its creator every capability in it");
	fd = ip_open(O_RDWR);
	ASSERT_LE(0, fd) TH_LOG("open in the user namespace: %s", strerror(-fd));
	check_writers_fail(_metadata, fd, id, -EPERM, priv);
	check_readers_work(_metadata, fd, id, ISCSI_PORTAL_STATUS_ONLINE);
	close(fd);

	/* the fd opened before still carries its opener's rights */
	EXPECT_EQ(0, ip_set_status(priv, id, ISCSI_PORTAL_STATUS_OFFLINE));
	EXPECT_EQ(0, ip_remove(priv, id));
	close(priv);
}

TEST_HARNESS_MAIN
