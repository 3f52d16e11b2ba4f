// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A userspace provider (CONTRACT section 8.2): attach, read requests,
 * reply, and a loop that does the last two around a callback.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "iscsiportal.h"
#include "internal.h"

/* Requests read per read(2) in ipl_provider_serve(). */
#define SERVE_BATCH	16
/*
 * The errno range of a reply, -511..-1: the kernel's own errnos start at
 * 512 (ERESTARTSYS), and the module refuses a reply that carries one.
 */
#define MAX_REPLY_ERRNO	511

int ipl_provider_attach(struct ipl_handle *h, const char *name,
			uint32_t timeout_ms)
{
	struct iscsi_portal_provider_attach arg;
	size_t len;
	int err;

	if (!name)
		return -EINVAL;
	len = strlen(name);
	/* What fits is passed on: the module judges the characters. */
	if (len >= sizeof(arg.name))
		return -EINVAL;
	memset(&arg, 0, sizeof(arg));
	arg.timeout_ms = timeout_ms;
	memcpy(arg.name, name, len);
	/*
	 * A watcher's ATTACH is the module's to refuse (EINVAL, after its
	 * EBADF and EPERM): the library does not judge it first.
	 */
	err = ipl__ioctl(h, ISCSI_PORTAL_IOC_PROVIDER_ATTACH, &arg);
	if (!err)
		ipl__set_role(h, IPL__ROLE_PROVIDER);
	return err;
}

/*
 * REPLY and CORRUPT need no role check here: the module refuses them on
 * an fd that is no provider (EINVAL, or EBADF/EPERM first), and nothing is
 * misread.
 */
int ipl_provider_reply(struct ipl_handle *h, uint64_t cookie, int result)
{
	struct iscsi_portal_reply arg = { .cookie = cookie, .result = result };

	return ipl__ioctl(h, ISCSI_PORTAL_IOC_PROVIDER_REPLY, &arg);
}

int ipl_provider_mark_corrupt(struct ipl_handle *h)
{
	return ipl__ioctl(h, ISCSI_PORTAL_IOC_PROVIDER_CORRUPT, NULL);
}

int ipl_get_provider(struct ipl_handle *h, uint64_t id, uint32_t *flags,
		     char *name, size_t len)
{
	struct iscsi_portal_provider_info info;
	const char *nul;
	int err;

	if (!name && len)
		return -EINVAL;
	memset(&info, 0, sizeof(info));
	info.id = id;
	err = ipl__ioctl(h, ISCSI_PORTAL_IOC_GET_PROVIDER, &info);
	if (err)
		return err;
	nul = memchr(info.name, '\0', sizeof(info.name));
	if (!nul)
		return -EPROTO;
	if (name) {
		if ((size_t)(nul - info.name) >= len)
			return -ENOSPC;
		memcpy(name, info.name, (size_t)(nul - info.name) + 1);
	}
	if (flags)
		*flags = info.flags;
	return 0;
}

/*
 * read(2) up to @max whole requests into @req: their number (at least 1),
 * or -errno (-EPROTO for a partial record or end of file).  The caller
 * checked that @h is no watcher (a watcher's read() gives events, of a
 * request's size).
 */
static int read_requests(struct ipl_handle *h,
			 struct iscsi_portal_request *req, size_t max)
{
	ssize_t n = read(ipl_fd(h), req, max * sizeof(*req));

	if (n < 0)
		return -errno;
	if (!n || (size_t)n % sizeof(*req))
		return -EPROTO;
	return (int)((size_t)n / sizeof(*req));
}

int ipl_provider_next(struct ipl_handle *h, struct iscsi_portal_request *req)
{
	int n;

	if (!req || ipl__check_role(h, IPL__ROLE_PROVIDER))
		return -EINVAL;
	n = read_requests(h, req, 1);
	return n < 0 ? n : 0;
}

/*
 * One request through @fn: the reply it asks for, if any.  Returns 0, or
 * the reply's error other than ENOENT (a late reply goes to @late).
 */
static int serve_one(struct ipl_handle *h,
		     const struct iscsi_portal_request *req, ipl_provider_fn fn,
		     ipl_provider_late_fn late, void *arg)
{
	int result = fn(h, req, arg);
	int err;

	if (result > 0)
		return 0;		/* IPL_PROVIDER_DEFER */
	if (result < -MAX_REPLY_ERRNO)
		result = -EIO;		/* no errno: never leave a caller waiting */
	err = ipl_provider_reply(h, req->cookie, result);
	if (err == -ENOENT) {
		if (late)
			late(h, req, result, arg);
		return 0;
	}
	return err;
}

int ipl_provider_serve(struct ipl_handle *h, ipl_provider_fn fn,
		       ipl_provider_late_fn late, void *arg)
{
	struct iscsi_portal_request req[SERVE_BATCH];
	int served = 0;

	if (!fn || ipl__check_role(h, IPL__ROLE_PROVIDER))
		return -EINVAL;
	for (;;) {
		int n = read_requests(h, req, SERVE_BATCH);
		int i, err = 0;

		if (n == -EAGAIN || n == -EINTR)
			return served;
		if (n < 0)
			return n;
		/* Every request read is answered, even after an error. */
		for (i = 0; i < n; i++) {
			int e = serve_one(h, &req[i], fn, late, arg);

			if (!err)
				err = e;
			if (served < INT_MAX)
				served++;
		}
		if (err)
			return err;
	}
}
