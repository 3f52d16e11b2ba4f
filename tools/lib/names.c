// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Status and event type names.  Values without a name are shown, never
 * rejected: a newer module may send statuses this library does not know.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "iscsiportal.h"
#include "internal.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const char *const status_names[] = {
	[ISCSI_PORTAL_STATUS_UNKNOWN]	= "unknown",
	[ISCSI_PORTAL_STATUS_ONLINE]	= "online",
	[ISCSI_PORTAL_STATUS_NOT_READY]	= "not_ready",
	[ISCSI_PORTAL_STATUS_OFFLINE]	= "offline",
	[ISCSI_PORTAL_STATUS_FAILED]	= "failed",
};

int ipl__parse_decimal(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!len)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		unsigned int d = (unsigned char)s[i] - '0';

		if (d > 9 || d > max || v > (max - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

const char *ipl__name_or_unknown(const char *const *names, size_t count,
				 uint32_t value, char *buf, size_t len)
{
	int n;

	if (value < count && names[value])
		return names[value];
	if (!buf || !len)
		return "unknown";
	n = snprintf(buf, len, "unknown(%u)", value);
	if (n < 0 || (size_t)n >= len)
		return "unknown";
	return buf;
}

bool ipl_status_is_known(uint32_t status)
{
	return status < ARRAY_SIZE(status_names) && status_names[status];
}

const char *ipl_status_str(uint32_t status, char *buf, size_t len)
{
	return ipl__name_or_unknown(status_names, ARRAY_SIZE(status_names),
				    status, buf, len);
}

/* "unknown(N)", as ipl_status_str() prints unrecognised values. */
static int parse_unknown_n(const char *name, uint64_t *v)
{
	static const char prefix[] = "unknown(";
	size_t plen = sizeof(prefix) - 1, len = strlen(name);

	if (len < plen + 2 || strncasecmp(name, prefix, plen) ||
	    name[len - 1] != ')')
		return -EINVAL;
	return ipl__parse_decimal(name + plen, len - plen - 1, UINT32_MAX, v);
}

int ipl_status_parse(const char *name, uint32_t *status)
{
	uint64_t v;
	size_t i;

	if (!name || !status)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(status_names); i++) {
		if (status_names[i] && !strcasecmp(name, status_names[i])) {
			*status = i;
			return 0;
		}
	}
	if (!strcasecmp(name, "not-ready")) {
		*status = ISCSI_PORTAL_STATUS_NOT_READY;
		return 0;
	}
	if (ipl__parse_decimal(name, strlen(name), UINT32_MAX, &v) &&
	    parse_unknown_n(name, &v))
		return -EINVAL;
	*status = (uint32_t)v;
	return 0;
}

const char *ipl_event_type_str(uint32_t type, char *buf, size_t len)
{
	static const char *const names[] = {
		[ISCSI_PORTAL_EVENT_ARRIVE]	= "arrive",
		[ISCSI_PORTAL_EVENT_DEPART]	= "depart",
		[ISCSI_PORTAL_EVENT_MODIFY]	= "modify",
	};

	/* OVERFLOW (0xFFFF) would make a sparse 64K-entry table. */
	if (type == ISCSI_PORTAL_EVENT_OVERFLOW)
		return "overflow";
	return ipl__name_or_unknown(names, ARRAY_SIZE(names), type, buf, len);
}

const char *ipl_request_type_str(uint32_t type, char *buf, size_t len)
{
	static const char *const names[] = {
		[ISCSI_PORTAL_REQ_SET_STATUS]	= "set_status",
		[ISCSI_PORTAL_REQ_REENUMERATE]	= "reenumerate",
		[ISCSI_PORTAL_REQ_REFRESH]	= "refresh",
	};

	return ipl__name_or_unknown(names, ARRAY_SIZE(names), type, buf, len);
}

int ipl_info_flags_format(uint32_t flags, char *buf, size_t len)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} bits[] = {
		{ ISCSI_PORTAL_INFO_BUSY, "busy" },
		{ ISCSI_PORTAL_INFO_PROVIDER, "provider" },
		{ ISCSI_PORTAL_INFO_ORPHAN, "orphan" },
	};
	uint32_t rest = flags;
	size_t i, pos = 0;
	int n;

	if (!buf)
		return -EINVAL;
	if (!len)
		return -ENOSPC;
	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(bits); i++) {
		if (!(flags & bits[i].bit))
			continue;
		rest &= ~bits[i].bit;
		n = snprintf(buf + pos, len - pos, "%s%s", pos ? "," : "",
			     bits[i].name);
		if (n < 0 || (size_t)n >= len - pos)
			goto nospc;
		pos += (size_t)n;
	}
	if (rest) {
		n = snprintf(buf + pos, len - pos, "%s%#x", pos ? "," : "",
			     rest);
		if (n < 0 || (size_t)n >= len - pos)
			goto nospc;
		pos += (size_t)n;
	}
	return (int)pos;
nospc:
	buf[0] = '\0';
	return -ENOSPC;
}
