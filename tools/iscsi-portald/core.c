// SPDX-License-Identifier: GPL-2.0
/*
 * iscsi-portald: the rules of CONTRACT 8.3, on the daemon's list of
 * portals.  One portal per distinct np address; a portal not held offline
 * lists the TPGs that have its np now, one held offline the TPGs it was
 * taken out of (with the np's attributes), and the state file has those
 * before LIO loses them.  Everything outside goes through pd->ops.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>

#include "iscsiportal.h"
#include "portald.h"

static const char *addr_str(const struct iscsi_portal_addr *a, char *buf,
			    size_t len)
{
	if (ipl_addr_format(a, buf, len) < 0)
		snprintf(buf, len, "(bad address)");
	return buf;
}

static void portal_free(struct portal *p)
{
	if (p) {
		free(p->locs);
		free(p);
	}
}

void pd_free(struct pd *pd)
{
	for (size_t i = 0; i < pd->nportals; i++)
		portal_free(pd->portals[i]);
	free(pd->portals);
	pd->portals = NULL;
	pd->nportals = 0;
}

struct portal *pd_find_id(struct pd *pd, uint64_t id)
{
	for (size_t i = 0; i < pd->nportals; i++)
		if (id && pd->portals[i]->id == id)
			return pd->portals[i];
	return NULL;
}

struct portal *pd_find_addr(struct pd *pd, const struct iscsi_portal_addr *a)
{
	for (size_t i = 0; i < pd->nportals; i++)
		if (ipl_addr_equal(&pd->portals[i]->addr, a))
			return pd->portals[i];
	return NULL;
}

static struct portal *portal_new(struct pd *pd,
				 const struct iscsi_portal_addr *a)
{
	struct portal **nv, *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	nv = realloc(pd->portals, (pd->nportals + 1) * sizeof(*nv));
	if (!nv) {
		free(p);
		return NULL;
	}
	p->addr = *a;
	pd->portals = nv;
	pd->portals[pd->nportals++] = p;
	return p;
}

static void portal_delete(struct pd *pd, size_t i)
{
	portal_free(pd->portals[i]);
	memmove(&pd->portals[i], &pd->portals[i + 1],
		(pd->nportals - i - 1) * sizeof(pd->portals[0]));
	pd->nportals--;
}

static bool same_tpg(const struct np_loc *a, const struct np_loc *b)
{
	return a->tpgt == b->tpgt && !strcmp(a->target, b->target);
}

/* Add @loc to @p's list, or update the entry of its TPG. */
static int loc_put(struct portal *p, const struct np_loc *loc)
{
	struct np_loc *nv;

	for (size_t i = 0; i < p->nlocs; i++) {
		if (same_tpg(&p->locs[i], loc)) {
			p->locs[i] = *loc;
			return 0;
		}
	}
	nv = realloc(p->locs, (p->nlocs + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	p->locs = nv;
	p->locs[p->nlocs++] = *loc;
	return 0;
}

static bool portal_local(struct pd *pd, const struct portal *p)
{
	return lio_addr_is_wildcard(&p->addr) ||
	       pd->ops->addr_local(pd->ctx, &p->addr);
}

/* The status the table should show for @p. */
static uint32_t portal_want(struct pd *pd, const struct portal *p)
{
	if (p->held)
		return ISCSI_PORTAL_STATUS_OFFLINE;
	return !p->missing && portal_local(pd, p) ?
	       ISCSI_PORTAL_STATUS_ONLINE : ISCSI_PORTAL_STATUS_FAILED;
}

static void report(struct pd *pd, struct portal *p)
{
	uint32_t want = portal_want(pd, p);
	char a[IPL_ADDR_STRLEN], s[IPL_NAME_STRLEN];
	int err;

	if (!p->id || want == p->reported)
		return;
	err = pd->ops->report(pd->ctx, p->id, want);
	if (err == -EBUSY) {
		pd->retry = true;
		return;
	}
	if (err) {
		pd_log(LOG_WARNING, "report %s of portal %llu (%s): %s",
		       ipl_status_str(want, s, sizeof(s)),
		       (unsigned long long)p->id,
		       addr_str(&p->addr, a, sizeof(a)), ipl_strerror(err));
		return;
	}
	pd_log(LOG_INFO, "portal %llu (%s) %s", (unsigned long long)p->id,
	       addr_str(&p->addr, a, sizeof(a)),
	       ipl_status_str(want, s, sizeof(s)));
	p->reported = want;
}

void pd_health(struct pd *pd)
{
	for (size_t i = 0; i < pd->nportals; i++)
		report(pd, pd->portals[i]);
}

static void expect(struct pd *pd, const char *name, bool create)
{
	struct pd_expect *e;

	if (pd->nexpect == sizeof(pd->expect) / sizeof(pd->expect[0]))
		return;		/* then the echo is imported: harmless */
	e = &pd->expect[pd->nexpect++];
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->create = create;
}

bool pd_expected(struct pd *pd, const char *name, bool create)
{
	for (size_t i = 0; i < pd->nexpect; i++) {
		if (pd->expect[i].create == create &&
		    !strcmp(pd->expect[i].name, name)) {
			pd->expect[i] = pd->expect[--pd->nexpect];
			return true;
		}
	}
	return false;
}

void pd_expect_clear(struct pd *pd)
{
	pd->nexpect = 0;
}

_Static_assert(PD_INOTIFY_EVENT_MAX ==
	       sizeof(struct inotify_event) + NAME_MAX + 1,
	       "PD_INOTIFY_EVENT_MAX is an inotify event's largest size");

const char *pd_inotify_batch(struct pd *pd, const void *buf, size_t len)
{
	const char *why = NULL;

	for (const char *p = buf; p < (const char *)buf + len;) {
		const struct inotify_event *ev = (const void *)p;
		bool create = ev->mask & IN_CREATE;

		p += sizeof(*ev) + ev->len;
		if (ev->mask & IN_IGNORED)
			continue;	/* a watched directory went */
		if (ev->mask & IN_Q_OVERFLOW) {
			/* Lost: the import's walk sees what they said. */
			why = "events lost, the inotify queue overflowed";
			continue;
		}
		if ((ev->mask & IN_ISDIR) && ev->len &&
		    (ev->mask & (IN_CREATE | IN_DELETE)) &&
		    pd_expected(pd, ev->name, create))
			continue;	/* the echo of our own */
		if (!why)
			why = ev->mask & IN_MODIFY ? "an attribute written" :
			      "a directory made or removed";
	}
	return why;
}

/*
 * mkdir of an np, its attributes as they were.  configfs answers every
 * failure of LIO's with EINVAL: a bind with LIO's options tells the cause.
 * A new np has LIO's defaults, so only a saved value that is not one is
 * written, after a read of the file (the old value may be the new np's
 * default too); an attribute this LIO does not have is skipped, with a
 * warning.
 * -EEXIST and -ENOENT (no such TPG) are the caller's to judge, unlogged.
 */
static int np_create(struct pd *pd, const struct portal *p,
		     const struct np_loc *loc)
{
	char path[PATH_MAX], now[PD_ATTR_VALUE_LEN];
	int err;

	err = lio_np_path(pd->cfs, loc, path, sizeof(path));
	if (err)
		return err;
	err = pd->ops->mkdir(pd->ctx, path);
	if (err == -EINVAL) {
		int probe = pd->ops->bind_probe(pd->ctx, &p->addr);

		if (probe < 0)
			err = probe;
	}
	if (err == -EEXIST || err == -ENOENT)
		return err;
	if (err) {
		pd_log(LOG_ERR, "mkdir %s: %s", path, strerror(-err));
		return err;
	}
	expect(pd, loc->name, true);
	for (size_t i = 0; !err && i < loc->nattrs; i++) {
		const struct np_attr *a = &loc->attrs[i];

		if (lio_attr_is_default(a))
			continue;
		err = lio_read_attr(path, a->name, now, sizeof(now));
		if (err == -ENOENT) {
			pd_log(LOG_WARNING, "%s has no attribute %s: %s not restored",
			       path, a->name, a->value);
			err = 0;
			continue;
		}
		if (!err && !strcmp(now, a->value))
			continue;
		err = lio_write_attr(path, a->name, a->value);
		if (err)
			pd_log(LOG_ERR, "%s/%s = %s: %s", path, a->name,
			       a->value, strerror(-err));
	}
	/* Watched after its attributes are written: no echo of those. */
	if (!err && lio_watch_np(pd->ifd, path))
		pd->attrs_stale = true;
	if (err && !pd->ops->rmdir(pd->ctx, path))
		expect(pd, loc->name, false);
	return err;
}

static int np_remove(struct pd *pd, const struct np_loc *loc)
{
	char path[PATH_MAX];
	int err;

	err = lio_np_path(pd->cfs, loc, path, sizeof(path));
	if (!err)
		err = pd->ops->rmdir(pd->ctx, path);
	if (!err)
		expect(pd, loc->name, false);
	if (err == -ENOENT)
		err = 0;	/* gone already: what was wanted */
	if (err)
		pd_log(LOG_ERR, "rmdir %s: %s", path, strerror(-err));
	return err;
}

/* The walk of LIO (lio_scan()), its failure logged. */
static int walk(struct pd *pd, struct np_found **f, size_t *nf)
{
	int err = lio_scan(pd->cfs, f, nf);

	if (err)
		pd_log(LOG_ERR, "walk of %s/target/iscsi: %s", pd->cfs,
		       strerror(-err));
	return err;
}

/* Each TPG of the walk's @f[0..nf-1] that has @p's address, into its list. */
static int put_found(struct portal *p, const struct np_found *f, size_t nf)
{
	int err = 0;

	for (size_t i = 0; i < nf && !err; i++)
		if (ipl_addr_equal(&f[i].addr, &p->addr))
			err = loc_put(p, &f[i].loc);
	return err;
}

/* A held portal whose np came back (a boot's restore, targetcli): out. */
static void retake(struct pd *pd, struct portal *p, const struct np_found *f,
		   size_t nf)
{
	char a[IPL_ADDR_STRLEN];
	int err = put_found(p, f, nf);

	if (!err)
		err = pd_state_save(pd);
	if (err < 0) {	/* not durable: in place, enough to go on */
		pd_log(LOG_ERR, "portal %s is held offline, its np is back, and the state cannot be saved: %s; np left",
		       addr_str(&p->addr, a, sizeof(a)), strerror(-err));
		return;
	}
	pd_log(LOG_INFO, "portal %s is held offline: its np is taken out again",
	       addr_str(&p->addr, a, sizeof(a)));
	for (size_t i = 0; i < nf; i++)
		if (ipl_addr_equal(&f[i].addr, &p->addr))
			np_remove(pd, &f[i].loc);
}

/* An id of the state file that the table shows as the orphan it was. */
static bool our_orphan(struct pd *pd, const struct portal *p)
{
	struct iscsi_portal_info info;

	return p->old_id && !pd->ops->get_info(pd->ctx, p->old_id, &info) &&
	       (info.flags & ISCSI_PORTAL_INFO_ORPHAN) &&
	       ipl_addr_equal(&info.addr, &p->addr);
}

/* Bring the table in line with the list: REMOVE the gone, ADD the new. */
static bool sync_table(struct pd *pd, bool initial)
{
	char a[IPL_ADDR_STRLEN];
	bool changed = false;
	size_t i = 0;
	int err;

	while (i < pd->nportals) {
		struct portal *p = pd->portals[i];

		if (p->held || p->seen) {
			i++;
			continue;
		}
		if (p->id) {
			err = pd->ops->remove(pd->ctx, p->id);
			if (err == -EBUSY) {
				pd->retry = true;
				i++;
				continue;
			}
		} else if (initial && our_orphan(pd, p)) {
			err = pd->ops->remove(pd->ctx, p->old_id);
		} else {
			err = 0;
		}
		if (err)
			pd_log(LOG_WARNING, "remove portal %s: %s",
			       addr_str(&p->addr, a, sizeof(a)),
			       ipl_strerror(err));
		else if (p->id || p->old_id)
			pd_log(LOG_INFO, "portal %llu (%s) removed: its np is in no TPG",
			       (unsigned long long)(p->id ?: p->old_id),
			       addr_str(&p->addr, a, sizeof(a)));
		portal_delete(pd, i);
		changed = true;
	}
	for (i = 0; i < pd->nportals; i++) {
		struct portal *p = pd->portals[i];
		uint32_t want;

		if (p->id)
			continue;
		want = portal_want(pd, p);
		err = pd->ops->add(pd->ctx, &p->addr, want, &p->id);
		if (err == -EBUSY) {
			pd->retry = true;
			continue;
		}
		if (err) {
			pd_log(LOG_WARNING, "add portal %s: %s",
			       addr_str(&p->addr, a, sizeof(a)),
			       ipl_strerror(err));
			p->id = 0;
			continue;
		}
		pd_log(LOG_INFO, "portal %llu (%s)%s%s",
		       (unsigned long long)p->id,
		       addr_str(&p->addr, a, sizeof(a)),
		       p->id == p->old_id ? " adopted" : " added",
		       p->held ? ", held offline" : "");
		p->reported = want;
		if (p->id != p->old_id)
			changed = true;
		p->old_id = p->id;
	}
	return changed;
}

int pd_sync(struct pd *pd, bool initial)
{
	struct np_found *f;
	bool changed;
	size_t nf;
	int err;

	err = walk(pd, &f, &nf);
	if (err)
		return err;
	pd->retry = false;
	for (size_t i = 0; i < pd->nportals; i++)
		pd->portals[i]->seen = false;
	for (size_t i = 0; i < nf && !err; i++) {
		struct portal *p = pd_find_addr(pd, &f[i].addr);

		if (!p) {
			p = portal_new(pd, &f[i].addr);
			if (!p) {
				err = -ENOMEM;
				break;
			}
		}
		if (!p->seen && !p->held) {
			p->nlocs = 0;
			p->missing = false;
		}
		if (p->held && !p->seen)
			retake(pd, p, f, nf);
		p->seen = true;
		if (!p->held)
			err = loc_put(p, &f[i].loc);
	}
	free(f);
	if (err)
		return err;
	changed = sync_table(pd, initial);
	if (changed || initial) {
		err = pd_state_save(pd);
		if (err < 0)
			pd_log(LOG_WARNING, "state file %s: %s", pd->state_path,
			       strerror(-err));
	}
	pd_health(pd);
	return 0;
}

int pd_import(struct pd *pd, bool initial)
{
	int werr = lio_watch(pd->ifd, pd->cfs);
	int err = pd_sync(pd, initial);

	pd->attrs_stale = werr || err;
	if (err)
		pd->retry = true;
	return err;
}

/*
 * When a watch or an import failed (attrs_stale), the portal's list may
 * miss a TPG that has its np now, or an attribute written since: the
 * walk's view of @p's address is added to the list (an entry of its TPG
 * replaced, with the attributes as they are now).  Its failure fails the
 * OFFLINE: taking the np out of the TPGs seen only would leave it
 * listening in the others.
 */
static int refresh_locs(struct pd *pd, struct portal *p)
{
	struct np_found *f;
	size_t nf;
	int err;

	err = walk(pd, &f, &nf);
	if (err)
		return err;
	err = put_found(p, f, nf);
	free(f);
	return err;
}

/*
 * A save failed: the rename may have happened all the same, so the file
 * may say what memory does not.  Try once more with memory as it is now;
 * the caller fails either way.
 */
static void save_again(struct pd *pd)
{
	int err = pd_state_save(pd);

	if (err < 0)
		pd_log(LOG_ERR, "state file %s: %s; it may not say what LIO has",
		       pd->state_path, strerror(-err));
}

/*
 * Put back what an OFFLINE took out: the first @n of @p's TPGs.  Returns
 * how many could not be.
 */
static size_t restore(struct pd *pd, const struct portal *p, size_t n)
{
	size_t failed = 0;

	for (size_t i = 0; i < n; i++) {
		int err = np_create(pd, p, &p->locs[i]);

		if (err && err != -EEXIST && err != -ENOENT)
			failed++;
	}
	return failed;
}

/*
 * An OFFLINE failed after its first np went: back as it was if every np
 * could be put back, LIO and the state file both; else the portal stays
 * held (the state file says so already, with every TPG), reported
 * OFFLINE by the health pass, and an ONLINE puts back what is missing.
 */
static void offline_undo(struct pd *pd, struct portal *p, size_t n)
{
	char a[IPL_ADDR_STRLEN];

	if (restore(pd, p, n)) {
		pd_log(LOG_ERR, "portal %s: an np could not be put back: it stays offline; set it online to try again",
		       addr_str(&p->addr, a, sizeof(a)));
		return;
	}
	p->held = false;
	save_again(pd);
}

static int go_offline(struct pd *pd, struct portal *p, bool drop)
{
	int err;

	/*
	 * The TPGs that have the np now, with its attributes, are the
	 * portal's list: the import keeps it current, and main.c imports
	 * pending configfs changes (attribute writes included) before a SET.
	 * An np removed by hand in the moment since is held all the same:
	 * ONLINE puts it back.  First the state file, so that a crash midway
	 * loses nothing.
	 */
	if (pd->attrs_stale) {
		err = refresh_locs(pd, p);
		if (err)
			return err;
	}
	p->held = true;
	err = pd_state_save(pd);
	if (err) {
		if (err < 0)	/* not durable: said by the save */
			pd_log(LOG_ERR, "state file %s: %s", pd->state_path,
			       strerror(-err));
		p->held = false;
		save_again(pd);
		return err < 0 ? err : -EIO;
	}
	for (size_t i = 0; i < p->nlocs; i++) {
		err = np_remove(pd, &p->locs[i]);
		if (err) {
			offline_undo(pd, p, i);
			return err;
		}
	}
	if (drop) {
		err = pd->ops->drop_sessions(pd->ctx, &p->addr);
		if (err < 0) {
			pd_log(LOG_ERR, "dropping sessions: %s", strerror(-err));
			offline_undo(pd, p, p->nlocs);
			return err;
		}
		pd_log(LOG_INFO, "%d connection(s) ended", err);
	}
	return 0;
}

static int go_online(struct pd *pd, struct portal *p)
{
	char a[IPL_ADDR_STRLEN];
	bool *made;
	size_t there = 0;
	int err = 0;

	made = calloc(p->nlocs ?: 1, sizeof(*made));
	if (!made)
		return -ENOMEM;
	for (size_t i = 0; i < p->nlocs && !err; i++) {
		err = np_create(pd, p, &p->locs[i]);
		made[i] = !err;
		if (err == -ENOENT)
			pd_log(LOG_WARNING, "%s/tpgt_%u is gone: np %s not re-created there",
			       p->locs[i].target, p->locs[i].tpgt,
			       p->locs[i].name);
		else if (!err || err == -EEXIST)
			there++;
		if (err == -ENOENT || err == -EEXIST)
			err = 0;	/* gone with its TPG, or back already */
	}
	if (!err && !there) {
		pd_log(LOG_ERR, "portal %s: none of its TPGs is left",
		       addr_str(&p->addr, a, sizeof(a)));
		err = -ENODEV;
	}
	if (!err) {
		/*
		 * Not durable is enough: the file says online, and should a
		 * crash bring back the old one (held), the next start takes
		 * the np out again: the safe direction.
		 */
		p->held = false;
		err = pd_state_save(pd);
		if (err < 0) {
			pd_log(LOG_ERR, "state file %s: %s", pd->state_path,
			       strerror(-err));
			p->held = true;
			save_again(pd);
		} else {
			err = 0;
		}
	}
	if (err) {
		for (size_t i = 0; i < p->nlocs; i++)
			if (made[i])
				np_remove(pd, &p->locs[i]);
	}
	free(made);
	return err;
}

int pd_set_status(struct pd *pd, uint64_t id, uint32_t old_status,
		  uint32_t new_status, uint32_t flags)
{
	struct portal *p = pd_find_id(pd, id);
	char a[IPL_ADDR_STRLEN], s[IPL_NAME_STRLEN];
	int err;

	(void)old_status;
	if (!p)
		return -ENXIO;
	if (flags & ~ISCSI_PORTAL_SET_DROP_SESSIONS)
		return -EOPNOTSUPP;
	switch (new_status) {
	case ISCSI_PORTAL_STATUS_OFFLINE:
		err = p->held ? 0 : go_offline(pd, p,
				flags & ISCSI_PORTAL_SET_DROP_SESSIONS);
		break;
	case ISCSI_PORTAL_STATUS_ONLINE:
		if (flags)
			return -EOPNOTSUPP;
		if (p->held)
			err = go_online(pd, p);
		else
			err = portal_local(pd, p) ? 0 : -EADDRNOTAVAIL;
		break;
	default:
		return -EOPNOTSUPP;
	}
	pd_log(err ? LOG_WARNING : LOG_INFO, "set portal %llu (%s) %s%s: %s",
	       (unsigned long long)id, addr_str(&p->addr, a, sizeof(a)),
	       ipl_status_str(new_status, s, sizeof(s)),
	       flags ? " --drop-sessions" : "",
	       err ? strerror(-err) : "done");
	if (!err)
		p->reported = new_status;
	return err;
}

int pd_refresh(struct pd *pd)
{
	struct np_found *f;
	size_t nf;
	int err;

	err = lio_scan(pd->cfs, &f, &nf);
	if (err)
		return err;
	for (size_t i = 0; i < pd->nportals; i++) {
		struct portal *p = pd->portals[i];

		p->missing = false;
		for (size_t j = 0; j < p->nlocs && !p->held; j++) {
			bool found = false;

			for (size_t k = 0; k < nf && !found; k++)
				found = ipl_addr_equal(&f[k].addr, &p->addr) &&
					same_tpg(&f[k].loc, &p->locs[j]);
			if (!found)
				p->missing = true;
		}
		if (!p->held && !p->nlocs)
			p->missing = true;
	}
	free(f);
	pd_health(pd);
	return 0;
}
