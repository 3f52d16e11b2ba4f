// SPDX-License-Identifier: GPL-2.0
/*
 * iscsi-portald: LIO's configfs tree, read only.  The two calls that change
 * LIO (mkdir and rmdir of an np) are struct pd_ops's, so that the tests can
 * stand in for configfs, whose directories behave unlike a plain one's.
 *
 * <configfs>/target/iscsi/<target>/tpgt_<N>/np/<addr>/{iser,cxgbit,...}
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iscsiportal.h"
#include "portald.h"

bool lio_name_ok(const char *name)
{
	return name[0] && strcmp(name, ".") && strcmp(name, "..") &&
	       !strchr(name, '/');
}

/* "[v6]:port" or "v4:port": the port is LIO's, required, all digits. */
int lio_np_parse(const char *name, struct iscsi_portal_addr *addr)
{
	const char *colon;
	size_t len = strlen(name);

	if (!len || len >= PD_NP_NAME_LEN || !lio_name_ok(name))
		return -EINVAL;
	if (name[0] == '[') {
		colon = strstr(name, "]:");
		if (!colon)
			return -EINVAL;
		colon++;
	} else {
		colon = strchr(name, ':');
		if (!colon || strchr(colon + 1, ':'))
			return -EINVAL;
	}
	if (!colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return -EINVAL;
	if (ipl_addr_parse(name, addr))
		return -EINVAL;
	return 0;
}

int lio_np_format(const struct iscsi_portal_addr *addr, char *buf, size_t len)
{
	return ipl_addr_format(addr, buf, len);
}

bool lio_addr_is_wildcard(const struct iscsi_portal_addr *addr)
{
	static const uint8_t zero[16];

	return !memcmp(addr->addr, zero, sizeof(zero));
}

static int path_fmt(size_t len, int n)
{
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int lio_tpg_path(const char *cfs, const struct np_loc *loc, char *buf,
		 size_t len)
{
	return path_fmt(len, snprintf(buf, len,
			"%s/target/iscsi/%s/tpgt_%u", cfs, loc->target,
			loc->tpgt));
}

int lio_np_path(const char *cfs, const struct np_loc *loc, char *buf,
		size_t len)
{
	return path_fmt(len, snprintf(buf, len,
			"%s/target/iscsi/%s/tpgt_%u/np/%s", cfs, loc->target,
			loc->tpgt, loc->name));
}

int lio_read_attr(const char *path, const char *name, char *value,
		  size_t len)
{
	char file[PATH_MAX];
	ssize_t got;
	int fd;

	if (snprintf(file, sizeof(file), "%s/%s", path, name) >=
	    (int)sizeof(file))
		return -ENAMETOOLONG;
	fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;		/* a directory, or write-only */
	got = read(fd, value, len - 1);
	if (got < 0)
		got = -errno;
	close(fd);
	if (got < 0)
		return (int)got;
	value[got] = '\0';
	if (got && value[got - 1] == '\n')
		value[got - 1] = '\0';
	return 0;
}

int lio_read_attrs(const char *path, struct np_loc *loc)
{
	struct dirent *de;
	DIR *d = opendir(path);

	loc->nattrs = 0;
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct np_attr *a = &loc->attrs[loc->nattrs];

		if (de->d_name[0] == '.' || loc->nattrs == PD_MAX_ATTRS ||
		    strlen(de->d_name) >= PD_ATTR_NAME_LEN ||
		    lio_read_attr(path, de->d_name, a->value, sizeof(a->value)))
			continue;
		strcpy(a->name, de->d_name);
		loc->nattrs++;
	}
	closedir(d);
	return 0;
}

/* The attributes of a new np (LIO's np_attrib: the transports, off). */
bool lio_attr_is_default(const struct np_attr *a)
{
	return (!strcmp(a->name, "iser") || !strcmp(a->name, "cxgbit")) &&
	       !strcmp(a->value, "0");
}

int lio_write_attr(const char *path, const char *name, const char *value)
{
	char file[PATH_MAX];
	size_t len = strlen(value);
	ssize_t put;
	int fd, err = 0;

	if (snprintf(file, sizeof(file), "%s/%s", path, name) >=
	    (int)sizeof(file))
		return -ENAMETOOLONG;
	fd = open(file, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	put = write(fd, value, len);
	if (put < 0)
		err = -errno;
	else if ((size_t)put != len)
		err = -EIO;
	if (close(fd) && !err)
		err = -errno;
	return err;
}

/* Directory entries of @path that are directories, NULL-terminated. */
static char **subdirs(const char *path)
{
	struct dirent *de;
	char **v = NULL;
	size_t n = 0;
	DIR *d = opendir(path);

	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		char **nv;

		if (de->d_name[0] == '.' ||
		    (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN))
			continue;
		nv = realloc(v, (n + 2) * sizeof(*v));
		if (!nv)
			break;
		v = nv;
		v[n] = strdup(de->d_name);
		if (!v[n])
			break;
		v[++n] = NULL;
	}
	closedir(d);
	return v;
}

static void free_strv(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* "tpgt_N" with N in 0..65535. */
static bool parse_tpgt(const char *name, unsigned int *tpgt)
{
	char *end;
	unsigned long v;

	if (strncmp(name, "tpgt_", 5) || !name[5] ||
	    strspn(name + 5, "0123456789") != strlen(name + 5))
		return false;
	v = strtoul(name + 5, &end, 10);
	if (*end || v > 65535)
		return false;
	*tpgt = (unsigned int)v;
	return true;
}

struct scan {
	struct np_found *v;
	size_t n;
	int err;
};

static void scan_np(struct scan *s, const char *cfs, const char *target,
		    unsigned int tpgt, const char *name)
{
	char path[PATH_MAX];
	struct np_found f = { .loc.tpgt = tpgt };
	struct np_found *nv;

	if (strlen(target) >= sizeof(f.loc.target) || lio_np_parse(name,
								    &f.addr)) {
		pd_log(LOG_WARNING, "np %s of %s/tpgt_%u: not an address, ignored",
		       name, target, tpgt);
		return;
	}
	strcpy(f.loc.target, target);
	strcpy(f.loc.name, name);
	if (lio_np_path(cfs, &f.loc, path, sizeof(path)) ||
	    lio_read_attrs(path, &f.loc))
		return;		/* gone since the readdir */
	nv = realloc(s->v, (s->n + 1) * sizeof(*nv));
	if (!nv) {
		s->err = -ENOMEM;
		return;
	}
	s->v = nv;
	s->v[s->n++] = f;
}

int lio_scan(const char *cfs, struct np_found **out, size_t *n)
{
	struct scan s = { 0 };
	char path[PATH_MAX];
	char **targets;

	*out = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "%s/target/iscsi", cfs);
	targets = subdirs(path);
	if (!targets)
		return errno == ENOENT ? 0 : -errno;
	for (size_t t = 0; targets[t] && !s.err; t++) {
		char **tpgs;

		if (snprintf(path, sizeof(path), "%s/target/iscsi/%s", cfs,
			     targets[t]) >= (int)sizeof(path))
			continue;
		tpgs = subdirs(path);
		for (size_t g = 0; tpgs && tpgs[g] && !s.err; g++) {
			unsigned int tpgt;
			char **nps;

			if (!parse_tpgt(tpgs[g], &tpgt))
				continue;
			if (snprintf(path, sizeof(path),
				     "%s/target/iscsi/%s/%s/np", cfs,
				     targets[t], tpgs[g]) >= (int)sizeof(path))
				continue;
			nps = subdirs(path);
			for (size_t i = 0; nps && nps[i] && !s.err; i++)
				scan_np(&s, cfs, targets[t], tpgt, nps[i]);
			free_strv(nps);
		}
		free_strv(tpgs);
	}
	free_strv(targets);
	if (s.err) {
		free(s.v);
		return s.err;
	}
	*out = s.v;
	*n = s.n;
	return 0;
}

#define WATCH_MASK	(IN_CREATE | IN_DELETE | IN_DELETE_SELF | IN_ONLYDIR)
/* An np directory: writes of its attribute files (vfs_write's event). */
#define WATCH_NP_MASK	(IN_MODIFY | IN_ONLYDIR)

/*
 * One watch: 0, or -errno (a path gone meanwhile is no failure).  A
 * failure is logged at debug level only: with max_user_watches reached,
 * every path fails, and lio_watch() says it once.
 */
static int watch_mask(int ifd, const char *path, uint32_t mask)
{
	if (ifd < 0 || inotify_add_watch(ifd, path, mask) >= 0 ||
	    errno == ENOENT || errno == ENOTDIR)
		return 0;
	pd_log(LOG_DEBUG, "inotify on %s: %s", path, strerror(errno));
	return -errno;
}

/* The walk's first failure and how many there were. */
struct watches {
	int ifd, err;
	unsigned int failed;
};

static void watch(struct watches *w, const char *path, uint32_t mask)
{
	int err = watch_mask(w->ifd, path, mask);

	if (err && !w->failed++)
		w->err = err;
}

int lio_watch_np(int ifd, const char *path)
{
	int err = watch_mask(ifd, path, WATCH_NP_MASK);

	if (err)
		pd_log(LOG_WARNING, "inotify on %s: %s", path, strerror(-err));
	return err;
}

/* Each np of the np directory @path. */
static void watch_nps(struct watches *w, const char *path)
{
	char np[PATH_MAX];
	char **nps = subdirs(path);

	for (size_t i = 0; nps && nps[i]; i++)
		if (snprintf(np, sizeof(np), "%s/%s", path, nps[i]) <
		    (int)sizeof(np))
			watch(w, np, WATCH_NP_MASK);
	free_strv(nps);
}

int lio_watch(int ifd, const char *cfs)
{
	struct watches w = { .ifd = ifd };
	char path[PATH_MAX];
	char **targets;

	watch(&w, cfs, WATCH_MASK);
	snprintf(path, sizeof(path), "%s/target", cfs);
	watch(&w, path, WATCH_MASK);
	snprintf(path, sizeof(path), "%s/target/iscsi", cfs);
	watch(&w, path, WATCH_MASK);
	targets = subdirs(path);
	for (size_t t = 0; targets && targets[t]; t++) {
		char **tpgs;

		if (snprintf(path, sizeof(path), "%s/target/iscsi/%s", cfs,
			     targets[t]) >= (int)sizeof(path))
			continue;
		watch(&w, path, WATCH_MASK);
		tpgs = subdirs(path);
		for (size_t g = 0; tpgs && tpgs[g]; g++) {
			unsigned int tpgt;

			if (!parse_tpgt(tpgs[g], &tpgt))
				continue;
			snprintf(path, sizeof(path), "%s/target/iscsi/%s/%s",
				 cfs, targets[t], tpgs[g]);
			watch(&w, path, WATCH_MASK);
			if (strlen(path) + 4 < sizeof(path)) {
				strcat(path, "/np");
				watch(&w, path, WATCH_MASK);
				watch_nps(&w, path);
			}
		}
		free_strv(tpgs);
	}
	free_strv(targets);
	if (w.failed)
		pd_log(LOG_WARNING, "inotify: %u watch(es) of %s failed (%s): changes there are not seen live; OFFLINE reads an np's attributes afresh",
		       w.failed, cfs, strerror(-w.err));
	return w.err;
}
