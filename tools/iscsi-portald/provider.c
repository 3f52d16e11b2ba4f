// SPDX-License-Identifier: GPL-2.0
/*
 * iscsi-portald: the provider side of the device (CONTRACT 8.2), on the
 * raw ioctls until libiscsiportal's provider API is there: attach, read
 * requests, reply.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "portald.h"

int prov_attach(int fd, const char *name, uint32_t timeout_ms)
{
	struct iscsi_portal_provider_attach at = { .timeout_ms = timeout_ms };

	if (strlen(name) >= sizeof(at.name))
		return -EINVAL;
	strcpy(at.name, name);
	return ioctl(fd, ISCSI_PORTAL_IOC_PROVIDER_ATTACH, &at) ? -errno : 0;
}

int prov_read(int fd, struct iscsi_portal_request *req, size_t max)
{
	ssize_t got;

	do
		got = read(fd, req, max * sizeof(*req));
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return errno == EAGAIN ? 0 : -errno;
	if (!got)
		return -ENXIO;
	if (got % sizeof(*req))
		return -EPROTO;
	return (int)(got / sizeof(*req));
}

int prov_reply(int fd, uint64_t cookie, int result)
{
	struct iscsi_portal_reply r = { .cookie = cookie, .result = result };

	return ioctl(fd, ISCSI_PORTAL_IOC_PROVIDER_REPLY, &r) ? -errno : 0;
}
