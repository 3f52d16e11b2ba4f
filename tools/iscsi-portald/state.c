// SPDX-License-Identifier: GPL-2.0
/*
 * iscsi-portald: the state file, <state-dir>/state.json.  Written whole,
 * durably, the way rtslib's save_to_file() does (a temporary file,
 * fdatasync, rename over the old one), then the directory fsync'd so the
 * rename itself survives a crash.  Version 1:
 *
 *	{
 *	  "version": 1,
 *	  "portals": [
 *	    { "address": "127.0.0.1:3261", "id": 2, "offline": true,
 *	      "nps": [ { "target": "iqn.2003-01.org.example:t1", "tpgt": 1,
 *	                 "name": "127.0.0.1:3261",
 *	                 "attributes": { "cxgbit": "0", "iser": "0" } } ] },
 *	    { "address": "127.0.0.1:3260", "id": 1, "offline": false }
 *	  ]
 *	}
 *
 * Every portal of the daemon is listed with its id, so that the next run
 * knows its orphans; a portal held offline also lists the nps it was taken
 * out of, with their attribute files.  Members it does not know are
 * ignored; anything else that is not as above refuses the whole file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iscsiportal.h"
#include "json.h"
#include "portald.h"

static void put_loc(FILE *out, const struct np_loc *loc, bool last)
{
	fputs("        { \"target\": ", out);
	json_put_string(out, loc->target);
	fprintf(out, ", \"tpgt\": %u, \"name\": ", loc->tpgt);
	json_put_string(out, loc->name);
	fputs(",\n          \"attributes\": {", out);
	for (size_t i = 0; i < loc->nattrs; i++) {
		fputs(i ? ", " : " ", out);
		json_put_string(out, loc->attrs[i].name);
		fputs(": ", out);
		json_put_string(out, loc->attrs[i].value);
	}
	fprintf(out, "%s} }%s\n", loc->nattrs ? " " : "", last ? "" : ",");
}

char *pd_state_format(const struct pd *pd)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (!out)
		return NULL;
	fprintf(out, "{\n  \"version\": %d,\n  \"portals\": [", PD_STATE_VERSION);
	for (size_t i = 0; i < pd->nportals; i++) {
		const struct portal *p = pd->portals[i];
		char a[IPL_ADDR_STRLEN];

		if (ipl_addr_format(&p->addr, a, sizeof(a)) < 0)
			continue;
		fprintf(out, "%s\n    { \"address\": ", i ? "," : "");
		json_put_string(out, a);
		fprintf(out, ", \"id\": %llu, \"offline\": %s",
			(unsigned long long)(p->id ?: p->old_id),
			p->held ? "true" : "false");
		if (p->held) {
			fputs(",\n      \"nps\": [\n", out);
			for (size_t j = 0; j < p->nlocs; j++)
				put_loc(out, &p->locs[j], j + 1 == p->nlocs);
			fputs("      ]", out);
		}
		fputs(" }", out);
	}
	fputs(pd->nportals ? "\n  ]\n}\n" : "]\n}\n", out);
	if (fclose(out)) {
		free(text);
		return NULL;
	}
	return text;
}

/* Refuse the file: "line L, column C: ..." of @v into @why; -EUCLEAN. */
__attribute__((format(printf, 4, 5)))
static int bad(const struct json_value *v, char *why, size_t whylen,
	       const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(why, whylen, "line %u, column %u: ", v->line, v->col);
	if (n >= 0 && (size_t)n < whylen) {
		va_start(ap, fmt);
		vsnprintf(why + n, whylen - n, fmt, ap);
		va_end(ap);
	}
	return -EUCLEAN;
}

static int parse_loc(const struct json_value *v, struct np_loc *loc,
		     const struct iscsi_portal_addr *addr, char *why,
		     size_t whylen)
{
	const struct json_value *t = json_get_as(v, "target", JSON_STRING);
	const struct json_value *g = json_get(v, "tpgt");
	const struct json_value *n = json_get_as(v, "name", JSON_STRING);
	const struct json_value *at = json_get_as(v, "attributes", JSON_OBJECT);
	struct iscsi_portal_addr na;
	uint64_t tpgt;

	memset(loc, 0, sizeof(*loc));
	if (!t || !g || !n || !at)
		return bad(v, why, whylen,
			   "an np needs target, tpgt, name and attributes");
	if (!lio_name_ok(t->str) || strlen(t->str) >= PD_TARGET_LEN)
		return bad(t, why, whylen, "bad target name");
	if (!json_uint(g, &tpgt) || tpgt > 65535)
		return bad(g, why, whylen, "tpgt is not an integer 0-65535");
	if (lio_np_parse(n->str, &na) || !ipl_addr_equal(&na, addr))
		return bad(n, why, whylen, "np name %s is not the portal's address",
			   n->str);
	if (at->n > PD_MAX_ATTRS)
		return bad(at, why, whylen, "too many attributes");
	strcpy(loc->target, t->str);
	loc->tpgt = (unsigned int)tpgt;
	strcpy(loc->name, n->str);
	for (size_t i = 0; i < at->n; i++) {
		const struct json_value *val = at->items[i];

		if (val->type != JSON_STRING || !lio_name_ok(at->keys[i]) ||
		    strlen(at->keys[i]) >= PD_ATTR_NAME_LEN ||
		    strlen(val->str) >= PD_ATTR_VALUE_LEN)
			return bad(val, why, whylen, "bad attribute %s",
				   at->keys[i]);
		strcpy(loc->attrs[i].name, at->keys[i]);
		strcpy(loc->attrs[i].value, val->str);
	}
	loc->nattrs = at->n;
	return 0;
}

static int parse_portal(struct pd *pd, const struct json_value *v, char *why,
			size_t whylen)
{
	const struct json_value *a = json_get_as(v, "address", JSON_STRING);
	const struct json_value *id = json_get(v, "id");
	const struct json_value *off = json_get_as(v, "offline", JSON_BOOL);
	const struct json_value *nps = json_get_as(v, "nps", JSON_ARRAY);
	struct iscsi_portal_addr addr;
	struct portal *p, **nv;
	uint64_t old_id;

	if (!a || !id || !off)
		return bad(v, why, whylen, "a portal needs address, id and offline");
	if (ipl_addr_parse(a->str, &addr))
		return bad(a, why, whylen, "bad address %s", a->str);
	if (pd_find_addr(pd, &addr))
		return bad(a, why, whylen, "address %s twice", a->str);
	if (!json_uint(id, &old_id))
		return bad(id, why, whylen, "id is not a non-negative integer");
	if (off->boolean && !nps)
		return bad(v, why, whylen, "portal %s is offline without nps",
			   a->str);
	p = calloc(1, sizeof(*p));
	nv = realloc(pd->portals, (pd->nportals + 1) * sizeof(*nv));
	if (!p || !nv) {
		free(p);
		return -ENOMEM;
	}
	pd->portals = nv;
	pd->portals[pd->nportals++] = p;
	p->addr = addr;
	p->old_id = old_id;
	p->held = off->boolean;
	if (!p->held)
		return 0;
	p->locs = calloc(nps->n ?: 1, sizeof(*p->locs));
	if (!p->locs)
		return -ENOMEM;
	for (size_t i = 0; i < nps->n; i++) {
		int err = parse_loc(nps->items[i], &p->locs[i], &addr, why,
				    whylen);

		if (err)
			return err;
		p->nlocs++;
	}
	return 0;
}

int pd_state_parse(struct pd *pd, const char *text, size_t len, char *why,
		   size_t whylen)
{
	const struct json_value *ver, *portals;
	struct json_value *root;
	struct json_error jerr;
	uint64_t version;
	int err;

	err = json_parse(text, len, &root, &jerr);
	if (err == -EINVAL) {
		snprintf(why, whylen, "line %u, column %u: %s", jerr.line,
			 jerr.col, jerr.msg);
		return -EUCLEAN;
	}
	if (err) {
		snprintf(why, whylen, "%s", strerror(-err));
		return err;
	}
	ver = json_get(root, "version");
	portals = json_get_as(root, "portals", JSON_ARRAY);
	if (root->type != JSON_OBJECT) {
		err = bad(root, why, whylen, "not an object");
	} else if (!ver) {
		err = bad(root, why, whylen, "no version");
	} else if (!json_uint(ver, &version)) {
		err = bad(ver, why, whylen, "version is not a non-negative integer");
	} else if (version != PD_STATE_VERSION) {
		snprintf(why, whylen, "version %llu, this daemon reads version %d",
			 (unsigned long long)version, PD_STATE_VERSION);
		err = -EPROTO;
	} else if (!portals) {
		err = bad(root, why, whylen, "no portals");
	}
	for (size_t i = 0; !err && i < portals->n; i++)
		err = parse_portal(pd, portals->items[i], why, whylen);
	json_free(root);
	if (err)
		pd_free(pd);
	return err;
}

int pd_state_load(struct pd *pd, char *why, size_t whylen)
{
	char *text = NULL;
	size_t len = 0, cap = 0;
	int fd, err = 0;

	fd = open(pd->state_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(why, whylen, "%s", strerror(errno));
		return -errno;
	}
	for (;;) {
		ssize_t got;

		if (len == cap) {
			char *nt = realloc(text, cap = cap ? cap * 2 : 4096);

			if (!nt) {
				err = -ENOMEM;
				break;
			}
			text = nt;
		}
		got = read(fd, text + len, cap - len);
		if (got < 0) {
			err = -errno;
			break;
		}
		if (!got)
			break;
		len += got;
	}
	close(fd);
	if (err)
		snprintf(why, whylen, "%s", strerror(-err));
	else	/* empty: "found end of file (truncated?)" */
		err = pd_state_parse(pd, text ?: "", len, why, whylen);
	free(text);
	return err;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t put = write(fd, buf, len);

		if (put < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += put;
		len -= put;
	}
	return 0;
}

/* The state file's name in its directory. */
static const char *state_base(const struct pd *pd)
{
	const char *slash = strrchr(pd->state_path, '/');

	return slash ? slash + 1 : pd->state_path;
}

/* The state directory, opened by its path: -errno or an fd. */
static int state_dir(const struct pd *pd)
{
	char dir[PATH_MAX];
	int fd;

	if (snprintf(dir, sizeof(dir), "%s", pd->state_path) >=
	    (int)sizeof(dir))
		return -ENAMETOOLONG;
	fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/*
 * The directory is opened by its path at each save, not kept open: a
 * state directory replaced or re-created while the daemon runs is where
 * the next save goes, not the old one.  The temporary file and the rename
 * go through that one directory fd, whose fsync makes the rename durable.
 */
static int save_in(const struct pd *pd, int dfd)
{
	char tmp[NAME_MAX + 1];
	const char *base = state_base(pd);
	char *text;
	int fd, err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", base) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	text = pd_state_format(pd);
	if (!text)
		return -ENOMEM;
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = -errno;
		free(text);
		return err;
	}
	err = write_all(fd, text, strlen(text));
	free(text);
	if (!err && fdatasync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && renameat(dfd, tmp, dfd, base))
		err = -errno;
	if (err) {
		unlinkat(dfd, tmp, 0);
		return err;
	}
	err = pd->ops->sync_dir(pd->ctx, dfd);
	if (err) {
		pd_log(LOG_ERR, "state file %s: renamed, but the fsync of its directory failed: %s",
		       pd->state_path, strerror(-err));
		return PD_STATE_NOT_DURABLE;
	}
	return 0;
}

int pd_state_save(const struct pd *pd)
{
	int dfd = state_dir(pd), err;

	if (dfd < 0)
		return dfd;
	err = save_in(pd, dfd);
	close(dfd);
	return err;
}
