// SPDX-License-Identifier: GPL-2.0
/*
 * The stand-ins of fakefs.h.
 */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iscsiportal.h"
#include "fakefs.h"

struct fake fk;

static struct iscsi_portal_addr parse(const char *s)
{
	struct iscsi_portal_addr a;

	if (ipl_addr_parse(s, &a))
		abort();
	return a;
}

struct fake_portal *fake_find(const char *addr)
{
	struct iscsi_portal_addr a = parse(addr);

	for (size_t i = 0; i < fk.n; i++)
		if (!fk.table[i].removed && ipl_addr_equal(&fk.table[i].addr, &a))
			return &fk.table[i];
	return NULL;
}

static struct fake_portal *by_id(uint64_t id)
{
	for (size_t i = 0; i < fk.n; i++)
		if (fk.table[i].id == id && !fk.table[i].removed)
			return &fk.table[i];
	return NULL;
}

static int f_add(void *ctx, const struct iscsi_portal_addr *addr,
		 uint32_t status, uint64_t *id)
{
	(void)ctx;
	if (fk.busy)
		return -EBUSY;
	for (size_t i = 0; i < fk.n; i++) {
		struct fake_portal *p = &fk.table[i];

		if (p->removed || !ipl_addr_equal(&p->addr, addr))
			continue;
		if (!p->orphan)
			return -EEXIST;
		p->orphan = false;	/* adopted: the same id */
		p->status = status;
		*id = p->id;
		return 0;
	}
	if (fk.n == FAKE_MAX)
		return -ENOSPC;
	fk.table[fk.n] = (struct fake_portal){
		.id = ++fk.next_id, .addr = *addr, .status = status,
	};
	*id = fk.table[fk.n++].id;
	return 0;
}

static int f_remove(void *ctx, uint64_t id)
{
	struct fake_portal *p = by_id(id);

	(void)ctx;
	if (fk.busy)
		return -EBUSY;
	if (!p)
		return -EIDRM;
	p->removed = true;
	return 0;
}

static int f_report(void *ctx, uint64_t id, uint32_t status)
{
	struct fake_portal *p = by_id(id);

	(void)ctx;
	if (fk.busy)
		return -EBUSY;
	if (!p)
		return -EIDRM;
	if (p->orphan)
		return -ENXIO;
	fk.reports++;
	p->status = status;
	return 0;
}

static int f_get_info(void *ctx, uint64_t id, struct iscsi_portal_info *info)
{
	struct fake_portal *p = by_id(id);

	(void)ctx;
	if (!p)
		return -ENOENT;
	memset(info, 0, sizeof(*info));
	info->id = id;
	info->addr = p->addr;
	info->status = p->status;
	info->flags = ISCSI_PORTAL_INFO_PROVIDER |
		      (p->orphan ? ISCSI_PORTAL_INFO_ORPHAN : 0);
	return 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
}

/* configfs's np mkdir: the directory and its attribute files. */
static int f_mkdir(void *ctx, const char *path)
{
	char file[PATH_MAX];

	(void)ctx;
	if (fk.mkdir_fail_at && ++fk.mkdirs == (unsigned int)fk.mkdir_fail_at)
		return fk.mkdir_err;
	if (mkdir(path, 0755))
		return -errno;
	snprintf(file, sizeof(file), "%s/iser", path);
	write_file(file, "0\n");
	snprintf(file, sizeof(file), "%s/cxgbit", path);
	write_file(file, "0\n");
	if (fk.writes_ifd > 0 &&
	    inotify_add_watch(fk.writes_ifd, path, IN_ACCESS | IN_MODIFY) < 0)
		abort();
	return 0;
}

/* configfs's rmdir: the attribute files go with the directory. */
static int f_rmdir(void *ctx, const char *path)
{
	struct dirent *de;
	DIR *d;

	(void)ctx;
	if (fk.rmdir_fail_at && ++fk.rmdirs == (unsigned int)fk.rmdir_fail_at)
		return fk.rmdir_err;
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char file[PATH_MAX];

		if (de->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, de->d_name);
		unlink(file);
	}
	closedir(d);
	return rmdir(path) ? -errno : 0;
}

static bool f_addr_local(void *ctx, const struct iscsi_portal_addr *addr)
{
	(void)ctx;
	for (size_t i = 0; i < fk.nnonlocal; i++)
		if (ipl_addr_equal(&fk.nonlocal[i], addr))
			return false;
	return true;
}

static int f_bind_probe(void *ctx, const struct iscsi_portal_addr *addr)
{
	(void)ctx;
	(void)addr;
	return fk.probe_err;
}

/* The state directory's fsync: the next fk.sync_fail of them fail EIO. */
static int f_sync_dir(void *ctx, int dfd)
{
	(void)ctx;
	if (fk.sync_fail) {
		fk.sync_fail--;
		return -EIO;
	}
	return fsync(dfd) ? -errno : 0;
}

static int f_drop_sessions(void *ctx, const struct iscsi_portal_addr *addr)
{
	(void)ctx;
	(void)addr;
	fk.drops++;
	return fk.drop_err;
}

const struct pd_ops fake_ops = {
	.add = f_add,
	.remove = f_remove,
	.report = f_report,
	.get_info = f_get_info,
	.mkdir = f_mkdir,
	.rmdir = f_rmdir,
	.addr_local = f_addr_local,
	.bind_probe = f_bind_probe,
	.drop_sessions = f_drop_sessions,
	.sync_dir = f_sync_dir,
};

void fake_set_local(const char *addr, bool local)
{
	struct iscsi_portal_addr a = parse(addr);

	for (size_t i = 0; i < fk.nnonlocal; i++) {
		if (ipl_addr_equal(&fk.nonlocal[i], &a)) {
			if (local)
				fk.nonlocal[i] = fk.nonlocal[--fk.nnonlocal];
			return;
		}
	}
	if (!local && fk.nnonlocal < 8)
		fk.nonlocal[fk.nnonlocal++] = a;
}

void fake_orphan_all(void)
{
	for (size_t i = 0; i < fk.n; i++) {
		fk.table[i].orphan = true;
		fk.table[i].status = ISCSI_PORTAL_STATUS_UNKNOWN;
	}
}

static void np_path(char *buf, size_t len, const char *target,
		    unsigned int tpgt, const char *np)
{
	snprintf(buf, len, "%s/target/iscsi/%s/tpgt_%u/np/%s", fk.root, target,
		 tpgt, np);
}

static void mkdir_p(const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	}
	mkdir(buf, 0755);
}

void fake_np(const char *target, unsigned int tpgt, const char *np)
{
	char path[PATH_MAX];

	np_path(path, sizeof(path), target, tpgt, "");
	mkdir_p(path);
	np_path(path, sizeof(path), target, tpgt, np);
	if (f_mkdir(NULL, path))
		abort();
}

void fake_np_rm(const char *target, unsigned int tpgt, const char *np)
{
	char path[PATH_MAX];

	np_path(path, sizeof(path), target, tpgt, np);
	if (f_rmdir(NULL, path))
		abort();
}

bool fake_np_exists(const char *target, unsigned int tpgt, const char *np)
{
	char path[PATH_MAX];
	struct stat st;

	np_path(path, sizeof(path), target, tpgt, np);
	return !stat(path, &st);
}

const char *fake_attr(const char *target, unsigned int tpgt, const char *np,
		      const char *attr)
{
	static char value[128];
	char path[PATH_MAX];
	FILE *f;
	size_t n;

	np_path(path, sizeof(path), target, tpgt, np);
	strncat(path, "/", sizeof(path) - strlen(path) - 1);
	strncat(path, attr, sizeof(path) - strlen(path) - 1);
	value[0] = '\0';
	f = fopen(path, "r");
	if (!f)
		return value;
	n = fread(value, 1, sizeof(value) - 1, f);
	value[n] = '\0';
	fclose(f);
	return value;
}

void fake_set_attr(const char *target, unsigned int tpgt, const char *np,
		   const char *attr, const char *value)
{
	char path[PATH_MAX];

	np_path(path, sizeof(path), target, tpgt, np);
	strncat(path, "/", sizeof(path) - strlen(path) - 1);
	strncat(path, attr, sizeof(path) - strlen(path) - 1);
	write_file(path, value);
}

void fake_init(struct pd *pd)
{
	memset(&fk, 0, sizeof(fk));
	snprintf(fk.root, sizeof(fk.root), "/tmp/portald-cfs.XXXXXX");
	snprintf(fk.state_dir, sizeof(fk.state_dir), "/tmp/portald-state.XXXXXX");
	if (!mkdtemp(fk.root) || !mkdtemp(fk.state_dir))
		abort();
	snprintf(fk.state_path, sizeof(fk.state_path), "%s/state.json",
		 fk.state_dir);
	fake_daemon(pd);
}

void fake_daemon(struct pd *pd)
{
	memset(pd, 0, sizeof(*pd));
	pd->cfs = fk.root;
	pd->state_path = fk.state_path;
	pd->ops = &fake_ops;
	pd->ifd = -1;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void fake_fini(struct pd *pd)
{
	pd_free(pd);
	nftw(fk.root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	nftw(fk.state_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
