// SPDX-License-Identifier: GPL-2.0
/*
 * iscsi-portald: struct pd_ops for real: the table through libiscsiportal
 * (the ctx is the provider's struct ipl_handle), configfs's mkdir and
 * rmdir, and net.c.
 */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iscsiportal.h"
#include "portald.h"

static int t_add(void *ctx, const struct iscsi_portal_addr *addr,
		 uint32_t status, uint64_t *id)
{
	return ipl_add(ctx, addr, status, id);
}

static int t_remove(void *ctx, uint64_t id)
{
	return ipl_remove(ctx, id);
}

static int t_report(void *ctx, uint64_t id, uint32_t status)
{
	return ipl_report_status(ctx, id, status);
}

static int t_get_info(void *ctx, uint64_t id, struct iscsi_portal_info *info)
{
	return ipl_get_info(ctx, id, info);
}

/* An np directory of configfs: LIO opens the listener in mkdir. */
static int t_mkdir(void *ctx, const char *path)
{
	(void)ctx;
	return mkdir(path, 0755) ? -errno : 0;
}

/* ... and closes it (or drops its TPG's reference) in rmdir. */
static int t_rmdir(void *ctx, const char *path)
{
	(void)ctx;
	return rmdir(path) ? -errno : 0;
}

static bool t_addr_local(void *ctx, const struct iscsi_portal_addr *addr)
{
	(void)ctx;
	return net_addr_local(addr);
}

static int t_bind_probe(void *ctx, const struct iscsi_portal_addr *addr)
{
	(void)ctx;
	return net_bind_probe(addr);
}

static int t_drop_sessions(void *ctx, const struct iscsi_portal_addr *addr)
{
	(void)ctx;
	return net_drop_sessions(addr);
}

static int t_sync_dir(void *ctx, int dfd)
{
	(void)ctx;
	return fsync(dfd) ? -errno : 0;
}

const struct pd_ops pd_real_ops = {
	.add = t_add,
	.remove = t_remove,
	.report = t_report,
	.get_info = t_get_info,
	.mkdir = t_mkdir,
	.rmdir = t_rmdir,
	.addr_local = t_addr_local,
	.bind_probe = t_bind_probe,
	.drop_sessions = t_drop_sessions,
	.sync_dir = t_sync_dir,
};
