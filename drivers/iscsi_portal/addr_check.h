/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * iscsi_portal: the one portal address validator.
 *
 * The module, libiscsiportal and the fuzzer's model all build this header,
 * so what the kernel refuses and what the library refuses cannot drift
 * apart.  It uses nothing but the UAPI struct: no kernel helper, no libc.
 */
#ifndef _ISCSI_PORTAL_ADDR_CHECK_H
#define _ISCSI_PORTAL_ADDR_CHECK_H

#include <linux/types.h>
#ifdef __KERNEL__
#include <uapi/linux/iscsi_portal.h>
#else
#include <linux/iscsi_portal.h>
#endif

/* The values of AF_INET and AF_INET6 on every Linux architecture. */
#define ISCSI_PORTAL_AF_INET	2
#define ISCSI_PORTAL_AF_INET6	10

static inline int iscsi_portal_addr_bytes_are(const __u8 *p, unsigned int n,
					      __u8 v)
{
	while (n--)
		if (*p++ != v)
			return 0;
	return 1;
}

/**
 * iscsi_portal_addr_valid() - can @a be a portal, a listening address?
 * @a: the address, as struct iscsi_portal_addr of the UAPI.
 *
 * AF_INET or AF_INET6 and a port; no multicast and no IPv4 broadcast; the
 * unused bytes of an IPv4 address zero; a scope only (and always) for an
 * IPv6 link-local address (fe80::/10).  IPv4-mapped IPv6 addresses
 * (::ffff:0:0/96) are refused: a portal has one spelling, and an IPv4
 * portal's is AF_INET.  The wildcards (0.0.0.0, ::) are valid.
 *
 * Context: any.
 * Return: 1 when valid, else 0.
 */
static inline int iscsi_portal_addr_valid(const struct iscsi_portal_addr *a)
{
	static const __u8 v4mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	const __u8 *b = a->addr;
	unsigned int i;
	int linklocal;

	if (!a->port)
		return 0;
	switch (a->family) {
	case ISCSI_PORTAL_AF_INET:
		return !a->scope_id &&
		       iscsi_portal_addr_bytes_are(b + 4, 12, 0) &&
		       (b[0] & 0xf0) != 0xe0 &&	/* 224.0.0.0/4 */
		       !iscsi_portal_addr_bytes_are(b, 4, 0xff);
	case ISCSI_PORTAL_AF_INET6:
		if (b[0] == 0xff)			/* ff00::/8 */
			return 0;
		for (i = 0; i < sizeof(v4mapped) && b[i] == v4mapped[i]; i++)
			;
		if (i == sizeof(v4mapped))
			return 0;
		linklocal = b[0] == 0xfe && (b[1] & 0xc0) == 0x80;
		return linklocal == !!a->scope_id;
	}
	return 0;
}

#endif /* _ISCSI_PORTAL_ADDR_CHECK_H */
