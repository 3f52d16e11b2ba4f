// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Handles and the ioctl wrappers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "iscsiportal.h"
#include "internal.h"

int ipl_open_fd(struct ipl_handle **hp, int fd)
{
	struct ipl_handle *h;

	if (!hp || fd < 0)
		return -EINVAL;
	h = malloc(sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->fd = fd;
	/* Whatever the fd already is, the library did not make it so. */
	h->role = IPL__ROLE_UNKNOWN;
	*hp = h;
	return 0;
}

int ipl_open(struct ipl_handle **hp, const char *path, unsigned int flags)
{
	int oflags = O_CLOEXEC;
	int fd, err;

	if (!hp || (flags & ~(IPL_OPEN_RDWR | IPL_OPEN_NONBLOCK)))
		return -EINVAL;
	oflags |= (flags & IPL_OPEN_RDWR) ? O_RDWR : O_RDONLY;
	if (flags & IPL_OPEN_NONBLOCK)
		oflags |= O_NONBLOCK;

	fd = open(path ? path : ISCSI_PORTAL_DEVICE_PATH, oflags);
	if (fd < 0)
		return -errno;
	err = ipl_open_fd(hp, fd);
	if (err)
		close(fd);
	return err;
}

void ipl_close(struct ipl_handle *h)
{
	if (!h)
		return;
	/* The descriptor is gone even when close() reports an error. */
	close(h->fd);
	free(h);
}

int ipl_fd(const struct ipl_handle *h)
{
	return h ? h->fd : -EINVAL;
}

int ipl__ioctl(struct ipl_handle *h, unsigned long req, void *arg)
{
	if (!h)
		return -EINVAL;
	if (ioctl(h->fd, req, arg) < 0)
		return -errno;
	return 0;
}

int ipl_version(struct ipl_handle *h, struct iscsi_portal_version *ver)
{
	if (!ver)
		return -EINVAL;
	memset(ver, 0, sizeof(*ver));
	return ipl__ioctl(h, ISCSI_PORTAL_IOC_VERSION, ver);
}

int ipl_check_version(struct ipl_handle *h, struct iscsi_portal_version *ver)
{
	struct iscsi_portal_version local;
	int err;

	if (!ver)
		ver = &local;
	err = ipl_version(h, ver);
	if (err)
		return err;
	/*
	 * Commands are only ever added, so any newer API still serves us;
	 * an older one down to the minimum serves every call but the newer
	 * ones, and those fail on it by themselves (ENOTTY, EINVAL).
	 */
	if (ver->api_version < IPL_API_VERSION_MIN)
		return -EPROTONOSUPPORT;
	return 0;
}

int ipl_add(struct ipl_handle *h, const struct iscsi_portal_addr *addr,
	    uint32_t status, uint64_t *id)
{
	struct iscsi_portal_add arg;
	int err;

	if (!addr)
		return -EINVAL;
	memset(&arg, 0, sizeof(arg));
	arg.addr = *addr;
	arg.status = status;
	err = ipl__ioctl(h, ISCSI_PORTAL_IOC_ADD, &arg);
	if (!err && id)
		*id = arg.id;
	return err;
}

int ipl_remove(struct ipl_handle *h, uint64_t id)
{
	struct iscsi_portal_ref arg = { .id = id };

	return ipl__ioctl(h, ISCSI_PORTAL_IOC_REMOVE, &arg);
}

int ipl_get_info(struct ipl_handle *h, uint64_t id,
		 struct iscsi_portal_info *info)
{
	if (!info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	info->id = id;
	return ipl__ioctl(h, ISCSI_PORTAL_IOC_GET_INFO, info);
}

int ipl_get_status(struct ipl_handle *h, uint64_t id, uint32_t *status,
		   uint32_t *flags)
{
	struct iscsi_portal_status_arg arg = { .id = id };
	int err;

	if (!status)
		return -EINVAL;
	err = ipl__ioctl(h, ISCSI_PORTAL_IOC_GET_STATUS, &arg);
	if (err)
		return err;
	*status = arg.status;
	if (flags)
		*flags = arg.flags;
	return 0;
}

/* SET_STATUS and REPORT_STATUS share their argument. */
static int put_status(struct ipl_handle *h, unsigned long req, uint64_t id,
		      uint32_t status, uint32_t flags)
{
	struct iscsi_portal_status_arg arg = {
		.id = id, .status = status, .flags = flags,
	};

	return ipl__ioctl(h, req, &arg);
}

int ipl_set_status(struct ipl_handle *h, uint64_t id, uint32_t status)
{
	return put_status(h, ISCSI_PORTAL_IOC_SET_STATUS, id, status, 0);
}

int ipl_set_status_flags(struct ipl_handle *h, uint64_t id, uint32_t status,
			 uint32_t flags)
{
	return put_status(h, ISCSI_PORTAL_IOC_SET_STATUS, id, status, flags);
}

int ipl_report_status(struct ipl_handle *h, uint64_t id, uint32_t status)
{
	return put_status(h, ISCSI_PORTAL_IOC_REPORT_STATUS, id, status, 0);
}

int ipl_list(struct ipl_handle *h, struct iscsi_portal_list *list)
{
	int err;

	if (!list)
		return -EINVAL;
	list->count = 0;
	list->table_generation = 0;
	err = ipl__ioctl(h, ISCSI_PORTAL_IOC_LIST, list);
	if (err)
		return err;
	/* Never let a misbehaving module make callers read past the buffer. */
	if (list->count > list->capacity)
		return -EPROTO;
	return 0;
}

int ipl_reenumerate(struct ipl_handle *h)
{
	return ipl__ioctl(h, ISCSI_PORTAL_IOC_REENUMERATE, NULL);
}

int ipl_refresh(struct ipl_handle *h)
{
	return ipl__ioctl(h, ISCSI_PORTAL_IOC_REFRESH, NULL);
}

int ipl_watch(struct ipl_handle *h)
{
	/* A provider's WATCH is the module's to refuse (EINVAL). */
	int err = ipl__ioctl(h, ISCSI_PORTAL_IOC_WATCH, NULL);

	if (!err)
		ipl__set_role(h, IPL__ROLE_WATCHER);
	return err;
}
