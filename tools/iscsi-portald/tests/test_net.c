// SPDX-License-Identifier: GPL-2.0
/*
 * net.c on the host's own loopback: the bind probes, and SOCK_DESTROY of
 * one portal's connections only (skipped without CAP_NET_ADMIN or without
 * the kernel's inet_diag/tcp_diag).
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "iscsiportal.h"
#include "portald.h"

/* A listener on 127.0.0.1 with LIO's SO_REUSEADDR; its port in *@port. */
static int listener(uint16_t *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
				 sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, 8) ||
	    getsockname(fd, (struct sockaddr *)&sin, &len))
		return -1;
	*port = ntohs(sin.sin_port);
	return fd;
}

static int connect_to(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)))
		return -1;
	return fd;
}

static struct iscsi_portal_addr addr(const char *s, uint16_t port)
{
	struct iscsi_portal_addr a;

	ipl_addr_parse(s, &a);
	if (port)
		a.port = port;
	return a;
}

TEST(local_addresses)
{
	struct iscsi_portal_addr a = addr("127.0.0.1:3260", 0);
	int fd;

	/* Before the list is read, a bind decides. */
	EXPECT_TRUE(net_addr_local(&a));
	a = addr("192.0.2.1:3260", 0);
	EXPECT_FALSE(net_addr_local(&a));
	fd = net_rtnl_open();
	ASSERT_LE(0, fd);
	a = addr("127.0.0.1:3260", 0);
	EXPECT_TRUE(net_addr_local(&a));
	a = addr("[::1]:3260", 0);
	EXPECT_TRUE(net_addr_local(&a)) TH_LOG("no ::1 on lo?");
	a = addr("127.0.0.2:3260", 0);		/* 127/8 through lo's route */
	EXPECT_TRUE(net_addr_local(&a));
	a = addr("192.0.2.1:3260", 0);		/* TEST-NET-1: on no interface */
	EXPECT_FALSE(net_addr_local(&a));
	close(fd);
}

TEST(probe_finds_a_port_in_use)
{
	struct iscsi_portal_addr a;
	uint16_t port;
	int l = listener(&port);

	ASSERT_LE(0, l);
	a = addr("127.0.0.1", port);
	EXPECT_EQ(-EADDRINUSE, net_bind_probe(&a));
	/* With IP_FREEBIND an address no interface has binds, as in LIO. */
	a = addr("192.0.2.1", port);
	EXPECT_EQ(0, net_bind_probe(&a));
	close(l);
	a = addr("127.0.0.1", port);
	EXPECT_EQ(0, net_bind_probe(&a));
}

TEST(drop_sessions_of_one_portal_only)
{
	struct iscsi_portal_addr a;
	uint16_t p1, p2;
	int l1 = listener(&p1), l2 = listener(&p2);
	int c1, c2, s1, s2, n;
	char byte = 'x';

	ASSERT_LE(0, l1);
	ASSERT_LE(0, l2);
	c1 = connect_to(p1);
	c2 = connect_to(p2);
	ASSERT_LE(0, c1);
	ASSERT_LE(0, c2);
	s1 = accept(l1, NULL, NULL);
	s2 = accept(l2, NULL, NULL);
	ASSERT_LE(0, s1);
	ASSERT_LE(0, s2);
	close(l1);			/* the np's rmdir */
	a = addr("127.0.0.1", p1);
	n = net_drop_sessions(&a);
	if (n == -EPERM || n == -EOPNOTSUPP || n == -ENOENT ||
	    n == -EPROTONOSUPPORT) {
		close(c1), close(c2), close(s1), close(s2), close(l2);
		SKIP(return, "SOCK_DESTROY: %s", strerror(-n));
	}
	EXPECT_EQ(1, n);
	/* The server side of portal 1 is gone: its client sees a reset. */
	EXPECT_EQ(-1, write(s1, &byte, 1));
	/* Portal 2's connection still carries data. */
	EXPECT_EQ(1, write(c2, &byte, 1));
	EXPECT_EQ(1, read(s2, &byte, 1));
	close(c1);
	close(c2);
	close(s1);
	close(s2);
	close(l2);
}

TEST(rtnl_opens_quiet)
{
	int fd = net_rtnl_open();

	ASSERT_LE(0, fd);
	EXPECT_FALSE(net_rtnl_drain(fd));
	close(fd);
}

TEST_HARNESS_MAIN
