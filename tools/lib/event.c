// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Reading event records from a descriptor that called WATCH (and, as far
 * as the library knows, is no provider).
 */
#include <errno.h>
#include <limits.h>
#include <unistd.h>

#include "iscsiportal.h"
#include "internal.h"

int ipl_read_events(struct ipl_handle *h, struct iscsi_portal_event *ev,
		    size_t max)
{
	const size_t rec = sizeof(*ev);
	ssize_t n;

	if (!ev || !max)
		return -EINVAL;
	/* A provider's read() gives requests, of an event's size. */
	if (ipl__check_role(h, IPL__ROLE_WATCHER))
		return -EINVAL;
	/* The count must fit the int we return. */
	if (max > INT_MAX / rec)
		max = INT_MAX / rec;
	n = read(ipl_fd(h), ev, max * rec);
	if (n < 0)
		return -errno;
	if ((size_t)n % rec)
		return -EPROTO;
	return (int)((size_t)n / rec);
}
