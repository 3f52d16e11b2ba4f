// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Portal addresses: validation, parsing and formatting.
 *
 * Accepted text forms, the port defaulting to IPL_DEFAULT_PORT:
 *	192.0.2.1  192.0.2.1:3260
 *	[2001:db8::1]  [2001:db8::1]:3260  2001:db8::1
 *	[fe80::1%2]:3260  [fe80::1%eth0]  fe80::1%eth0
 * The canonical output always carries the port and brackets an IPv6
 * address; a zone is printed as its interface index.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>

#include "iscsiportal.h"
#include "internal.h"
/*
 * The module's own validator (drivers/iscsi_portal), compiled in: what the
 * library refuses is exactly what the kernel refuses.
 */
#include "addr_check.h"

/* The library speaks the C library's AF_*, the validator its own. */
_Static_assert(AF_INET == ISCSI_PORTAL_AF_INET &&
	       AF_INET6 == ISCSI_PORTAL_AF_INET6, "AF_INET/AF_INET6 values");

int ipl_addr_validate(const struct iscsi_portal_addr *addr)
{
	return addr && iscsi_portal_addr_valid(addr) ? 0 : -EINVAL;
}

bool ipl_addr_equal(const struct iscsi_portal_addr *a,
		    const struct iscsi_portal_addr *b)
{
	return a->family == b->family && a->port == b->port &&
	       a->scope_id == b->scope_id &&
	       !memcmp(a->addr, b->addr, sizeof(a->addr));
}

/* Copy the @len bytes at @s into @buf as a string, if they fit. */
static int copy_span(const char *s, size_t len, char *buf, size_t size)
{
	if (len >= size)
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return 0;
}

static int parse_zone(const char *zone, uint32_t *scope_id)
{
	uint64_t v;

	/* No interface name holds these, so they are malformed, not unknown. */
	if (!*zone || strlen(zone) >= IF_NAMESIZE ||
	    zone[strcspn(zone, " \t\n\v\f\r/:%[]")])
		return -EINVAL;
	if (zone[strspn(zone, "0123456789")] == '\0') {
		if (ipl__parse_decimal(zone, strlen(zone), UINT32_MAX, &v))
			return -EINVAL;
		*scope_id = (uint32_t)v;
		return 0;
	}
	*scope_id = if_nametoindex(zone);
	return *scope_id ? 0 : -ENODEV;
}

/* An IPv6 address with an optional "%zone", without brackets or port. */
static int parse_host6(const char *s, size_t len, struct iscsi_portal_addr *a)
{
	char buf[INET6_ADDRSTRLEN + 1 + IF_NAMESIZE];
	struct iscsi_portal_addr probe;
	char *zone;

	if (copy_span(s, len, buf, sizeof(buf)))
		return -EINVAL;
	zone = strchr(buf, '%');
	if (zone)
		*zone++ = '\0';
	if (inet_pton(AF_INET6, buf, a->addr) != 1)
		return -EINVAL;
	a->family = AF_INET6;
	if (!zone)
		return 0;
	/*
	 * Check before resolving, so a bad zone place is always EINVAL: ask
	 * the validator whether this address may have a zone at all.
	 */
	probe = *a;
	probe.port = IPL_DEFAULT_PORT;
	probe.scope_id = 1;
	if (!iscsi_portal_addr_valid(&probe))
		return -EINVAL;
	return parse_zone(zone, &a->scope_id);
}

static int parse_host4(const char *s, size_t len, struct iscsi_portal_addr *a)
{
	char buf[INET_ADDRSTRLEN];

	if (copy_span(s, len, buf, sizeof(buf)) ||
	    inet_pton(AF_INET, buf, a->addr) != 1)
		return -EINVAL;
	a->family = AF_INET;
	return 0;
}

static int parse_port(const char *s, uint16_t *port)
{
	uint64_t v;

	if (ipl__parse_decimal(s, strlen(s), UINT16_MAX, &v) || !v)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/* Split @str into host and port and parse the host; *@port_str may be NULL. */
static int parse_host(const char *str, struct iscsi_portal_addr *a,
		      const char **port_str)
{
	const char *colon, *end;

	*port_str = NULL;
	if (str[0] == '[') {
		end = strchr(str, ']');
		if (!end)
			return -EINVAL;
		if (end[1] == ':')
			*port_str = end + 2;
		else if (end[1])
			return -EINVAL;
		return parse_host6(str + 1, end - str - 1, a);
	}
	colon = strchr(str, ':');
	/* Two colons or more: a bare IPv6 address, which cannot carry a port. */
	if (colon && strchr(colon + 1, ':'))
		return parse_host6(str, strlen(str), a);
	if (colon)
		*port_str = colon + 1;
	return parse_host4(str, colon ? (size_t)(colon - str) : strlen(str), a);
}

int ipl_addr_parse(const char *str, struct iscsi_portal_addr *addr)
{
	struct iscsi_portal_addr a;
	const char *port_str;
	int err;

	if (!str || !addr)
		return -EINVAL;
	memset(&a, 0, sizeof(a));
	err = parse_host(str, &a, &port_str);
	if (err)
		return err;
	a.port = IPL_DEFAULT_PORT;
	if (port_str && parse_port(port_str, &a.port))
		return -EINVAL;
	err = ipl_addr_validate(&a);
	if (err)
		return err;
	*addr = a;
	return 0;
}

int ipl_addr_format(const struct iscsi_portal_addr *addr, char *buf,
		    size_t len)
{
	char host[INET6_ADDRSTRLEN];
	int n;

	if (!buf || ipl_addr_validate(addr))
		return -EINVAL;
	if (!inet_ntop(addr->family, addr->addr, host, sizeof(host)))
		return -EINVAL;
	if (addr->family == AF_INET)
		n = snprintf(buf, len, "%s:%u", host, addr->port);
	else if (addr->scope_id)
		n = snprintf(buf, len, "[%s%%%u]:%u", host, addr->scope_id,
			     addr->port);
	else
		n = snprintf(buf, len, "[%s]:%u", host, addr->port);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= len) {
		if (len)
			buf[0] = '\0';	/* no truncated address to misuse */
		return -ENOSPC;
	}
	return n;
}
