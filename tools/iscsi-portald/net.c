// SPDX-License-Identifier: GPL-2.0
/*
 * iscsi-portald: the network side.  Bind probes (is an address local; what
 * would LIO's bind say), SOCK_DESTROY over sock_diag for the connections
 * of one portal (what `ss -K` does), and the rtnetlink address groups.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/if_addr.h>

#include "portald.h"

#ifndef IP_FREEBIND
#define IP_FREEBIND	15
#endif

static socklen_t to_sockaddr(const struct iscsi_portal_addr *a, uint16_t port,
			     struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, a->addr, 4);
		return sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, a->addr, 16);
		sin6->sin6_scope_id = a->scope_id;
		return sizeof(*sin6);
	}
}

/* bind() a TCP socket to @a:@port; 0 or -errno. */
static int try_bind(const struct iscsi_portal_addr *a, uint16_t port,
		    bool lio_options)
{
	struct sockaddr_storage ss;
	socklen_t len = to_sockaddr(a, port, &ss);
	int one = 1, fd, err = 0;

	fd = socket(a->family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0)
		return -errno;
	/* LIO's: sock_set_reuseaddr(), ip_sock_set_freebind(). */
	if (lio_options &&
	    (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	     setsockopt(fd, SOL_IP, IP_FREEBIND, &one, sizeof(one))))
		err = -errno;
	if (!err && bind(fd, (struct sockaddr *)&ss, len))
		err = -errno;
	close(fd);
	return err;
}

int net_bind_probe(const struct iscsi_portal_addr *addr)
{
	return try_bind(addr, addr->port, true);
}

/* ---- SOCK_DESTROY ---------------------------------------------------------- */

#define TCPF(s)		(1U << (s))
/* Every state of a connection; not LISTEN, not TIME_WAIT. */
#define CONN_STATES	(TCPF(TCP_ESTABLISHED) | TCPF(TCP_SYN_RECV) | \
			 TCPF(TCP_FIN_WAIT1) | TCPF(TCP_FIN_WAIT2) | \
			 TCPF(TCP_CLOSE_WAIT) | TCPF(TCP_LAST_ACK) | \
			 TCPF(TCP_CLOSING))

struct diag_req {
	struct nlmsghdr nlh;
	struct inet_diag_req_v2 r;
	struct nlattr bc_attr;
	struct inet_diag_bc_op bc[2];
};

/*
 * A filter the kernel runs on each socket: local port == @port.  The
 * bytecode jumps past its end (accept) when the op holds, short of it
 * (reject) when not; the second op only carries the port.
 */
static void port_filter(struct diag_req *req, uint16_t port)
{
	req->bc_attr.nla_type = INET_DIAG_REQ_BYTECODE;
	req->bc_attr.nla_len = NLA_HDRLEN + sizeof(req->bc);
	req->bc[0].code = INET_DIAG_BC_S_EQ;
	req->bc[0].yes = sizeof(req->bc);
	req->bc[0].no = sizeof(req->bc) + 4;
	req->bc[1].code = 0;
	req->bc[1].yes = 0;
	req->bc[1].no = port;
}

static bool local_matches(const struct iscsi_portal_addr *a, int family,
			  const struct inet_diag_sockid *id)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	const uint8_t *src = (const uint8_t *)id->idiag_src;

	bool any = lio_addr_is_wildcard(a);

	if (ntohs(id->idiag_sport) != a->port)
		return false;
	if (a->family == family)	/* a wildcard: the port on any address */
		return any || !memcmp(src, a->addr, family == AF_INET ? 4 : 16);
	/* An IPv4 client of an IPv6 listener: ::ffff:a.b.c.d. */
	return a->family == AF_INET && family == AF_INET6 &&
	       !memcmp(src, mapped, 12) &&
	       (any || !memcmp(src + 12, a->addr, 4));
}

static int nl_send(int fd, const void *buf, size_t len)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	if (sendto(fd, buf, len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return 0;
}

/* Wait for the ack of a request sent on @fd: 0 or its -errno. */
static int nl_ack(int fd)
{
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	ssize_t len = recv(fd, buf, sizeof(buf), 0);
	struct nlmsghdr *h = (struct nlmsghdr *)buf;

	if (len < 0)
		return -errno;
	for (; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len))
		if (h->nlmsg_type == NLMSG_ERROR)
			return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
	return 0;
}

static int destroy(int fd, int family, const struct inet_diag_msg *m)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
	} req = {
		.nlh = {
			.nlmsg_len = sizeof(req),
			.nlmsg_type = SOCK_DESTROY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
		},
		.r = {
			.sdiag_family = (uint8_t)family,
			.sdiag_protocol = IPPROTO_TCP,
			.idiag_states = ~0U,
			.id = m->id,
		},
	};
	int err = nl_send(fd, &req, sizeof(req));

	return err ? err : nl_ack(fd);
}

/* Dump @family's connections on @a's port; destroy those of @a. */
static int drop_family(int dump, int kill, int family,
		       const struct iscsi_portal_addr *a)
{
	struct diag_req req = {
		.nlh = {
			.nlmsg_len = sizeof(req),
			.nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		},
		.r = {
			.sdiag_family = (uint8_t)family,
			.sdiag_protocol = IPPROTO_TCP,
			.idiag_states = CONN_STATES,
		},
	};
	char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
	int err, count = 0;

	port_filter(&req, a->port);
	err = nl_send(dump, &req, sizeof(req));
	if (err)
		return err;
	for (;;) {
		ssize_t len = recv(dump, buf, sizeof(buf), 0);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (len < 0)
			return -errno;
		if (!len)
			return -EPROTO;
		for (; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			const struct inet_diag_msg *m = NLMSG_DATA(h);

			if (h->nlmsg_type == NLMSG_DONE)
				return count;
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
			    !local_matches(a, family, &m->id))
				continue;
			err = destroy(kill, family, m);
			if (err && err != -ENOENT)
				return err;
			count += !err;
		}
	}
}

int net_drop_sessions(const struct iscsi_portal_addr *addr)
{
	int dump, kill, err, total = 0;

	dump = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (dump < 0)
		return -errno;
	kill = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (kill < 0) {
		err = -errno;
		close(dump);
		return err;
	}
	/* An IPv4 portal's clients may also reach it through an IPv6 socket. */
	err = drop_family(dump, kill, AF_INET6, addr);
	if (err >= 0) {
		total += err;
		err = addr->family == AF_INET ?
		      drop_family(dump, kill, AF_INET, addr) : 0;
	}
	if (err >= 0)
		total += err;
	close(kill);
	close(dump);
	return err < 0 ? err : total;
}

/* ---- rtnetlink: the host's addresses ------------------------------------------ */

/*
 * The addresses of every interface, from an RTM_GETADDR dump at start and
 * the RTM_NEWADDR/RTM_DELADDR events after it.  Deciding "local" from this
 * list rather than by a bind: the kernel sends RTM_DELADDR of an IPv4
 * address before it removes the address's local route, so a bind right
 * after the event can still succeed.
 */
struct local_addr {
	int family;
	uint32_t ifindex;
	uint8_t addr[16];
	bool usable;		/* not tentative, not DAD-failed */
};

static struct local_addr *locals;
static size_t nlocals;
static bool have_locals;

static bool is_loopback4(const struct iscsi_portal_addr *a)
{
	return a->family == AF_INET && a->addr[0] == 127;
}

bool net_addr_local(const struct iscsi_portal_addr *addr)
{
	if (is_loopback4(addr))
		return true;		/* 127.0.0.0/8: lo's local route */
	if (!have_locals)
		return !try_bind(addr, 0, false);
	for (size_t i = 0; i < nlocals; i++) {
		const struct local_addr *l = &locals[i];

		if (l->family == addr->family && l->usable &&
		    !memcmp(l->addr, addr->addr, addr->family == AF_INET ? 4 : 16) &&
		    (!addr->scope_id || addr->scope_id == l->ifindex))
			return true;
	}
	return false;
}

/* One RTM_NEWADDR or RTM_DELADDR: the list updated; true if it changed. */
static bool apply_ifaddr(const struct nlmsghdr *h)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	const struct rtattr *rta = IFA_RTA(ifa);
	int len = IFA_PAYLOAD(h);
	const void *local = NULL, *address = NULL;
	uint32_t flags;
	struct local_addr l = { 0 };
	size_t i;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)) ||
	    (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
		return false;
	flags = ifa->ifa_flags;
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == IFA_LOCAL)
			local = RTA_DATA(rta);
		else if (rta->rta_type == IFA_ADDRESS)
			address = RTA_DATA(rta);
		else if (rta->rta_type == IFA_FLAGS &&
			 RTA_PAYLOAD(rta) >= sizeof(uint32_t))
			memcpy(&flags, RTA_DATA(rta), sizeof(flags));
	}
	/* IPv4: IFA_LOCAL is ours (IFA_ADDRESS a peer's on point-to-point). */
	if (ifa->ifa_family == AF_INET && local)
		address = local;
	if (!address)
		return false;
	l.family = ifa->ifa_family;
	l.ifindex = ifa->ifa_index;
	memcpy(l.addr, address, l.family == AF_INET ? 4 : 16);
	l.usable = !(flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED));
	for (i = 0; i < nlocals; i++)
		if (locals[i].family == l.family &&
		    locals[i].ifindex == l.ifindex &&
		    !memcmp(locals[i].addr, l.addr, 16))
			break;
	if (h->nlmsg_type == RTM_DELADDR) {
		if (i == nlocals)
			return false;
		locals[i] = locals[--nlocals];
		return true;
	}
	if (i < nlocals) {
		bool changed = locals[i].usable != l.usable;

		locals[i] = l;
		return changed;
	}
	{
		struct local_addr *nv = realloc(locals,
						(nlocals + 1) * sizeof(*nv));

		if (!nv)
			return false;
		locals = nv;
		locals[nlocals++] = l;
	}
	return true;
}

/* Every message waiting on @fd applied; *@done once a dump's end came. */
static bool rtnl_read(int fd, bool *done, int *err)
{
	char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
	bool changed = false;

	*err = 0;
	for (;;) {
		ssize_t len = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (len < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				*err = -errno;
			return changed;
		}
		for (; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_DONE && done)
				*done = true;
			if (h->nlmsg_type == RTM_NEWADDR ||
			    h->nlmsg_type == RTM_DELADDR)
				changed |= apply_ifaddr(h);
		}
	}
}

/* Ask for every address; the answer comes through rtnl_read(). */
static int rtnl_dump(int fd)
{
	struct {
		struct nlmsghdr nlh;
		struct ifaddrmsg ifa;
	} req = {
		.nlh = {
			.nlmsg_len = sizeof(req),
			.nlmsg_type = RTM_GETADDR,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		},
		.ifa.ifa_family = AF_UNSPEC,
	};
	bool done = false;
	int err;

	nlocals = 0;
	err = nl_send(fd, &req, sizeof(req));
	while (!err && !done) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 5000) <= 0)
			return -ETIMEDOUT;
		rtnl_read(fd, &done, &err);
	}
	if (!err)
		have_locals = true;
	return err;
}

int net_rtnl_open(void)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR,
	};
	int fd, err;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		close(fd);
		return err;
	}
	err = rtnl_dump(fd);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

bool net_rtnl_drain(int fd)
{
	bool changed;
	int err;

	changed = rtnl_read(fd, NULL, &err);
	/* ENOBUFS: events were lost; read the whole list again. */
	if (err == -ENOBUFS) {
		rtnl_dump(fd);
		changed = true;
	}
	return changed;
}
