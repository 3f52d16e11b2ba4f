// SPDX-License-Identifier: GPL-2.0
/*
 * model.c - the one model of the portal table (model.h): what the table
 * must hold after the calls a test saw succeed, or after the event records
 * the module queued.  Used by stress_test, events_test and the fuzzers.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr_check.h"
#include "model.h"

static bool ipm_status_valid(__u32 s)
{
	return s == ISCSI_PORTAL_STATUS_UNKNOWN ||
	       s == ISCSI_PORTAL_STATUS_ONLINE ||
	       s == ISCSI_PORTAL_STATUS_NOT_READY ||
	       s == ISCSI_PORTAL_STATUS_OFFLINE ||
	       s == ISCSI_PORTAL_STATUS_FAILED;
}

/* splitmix64's finaliser: spreads consecutive ids over the hash. */
static size_t ipm_hash(__u64 id)
{
	id = (id ^ (id >> 30)) * 0xbf58476d1ce4e5b9ull;
	id = (id ^ (id >> 27)) * 0x94d049bb133111ebull;
	return (size_t)(id ^ (id >> 31));
}

/*
 * ipm_init() - an empty model for at most @cap portals, at table
 * generation @gen; with @history, every portal's states are kept.
 * Return: 0 or -ENOMEM.
 */
int ipm_init(struct ipm_table *t, size_t cap, bool history, __u64 gen)
{
	memset(t, 0, sizeof(*t));
	t->cap = cap ? cap : 1;
	t->nslot = 4;
	while (t->nslot < 2 * t->cap)
		t->nslot *= 2;
	t->p = calloc(t->cap, sizeof(*t->p));
	t->slot = calloc(t->nslot, sizeof(*t->slot));
	if (!t->p || !t->slot) {
		ipm_free(t);
		return -ENOMEM;
	}
	t->history = history;
	t->gen = gen;
	return 0;
}

void ipm_free(struct ipm_table *t)
{
	size_t i;

	for (i = 0; t->p && i < t->n; i++)
		free(t->p[i].hist);
	free(t->p);
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

struct ipm_portal *ipm_find(const struct ipm_table *t, __u64 id)
{
	size_t i = ipm_hash(id) & (t->nslot - 1);

	for (; t->slot[i]; i = (i + 1) & (t->nslot - 1))
		if (t->p[t->slot[i] - 1].id == id)
			return &t->p[t->slot[i] - 1];
	return NULL;
}

/* The portal's place in the model, below its capacity, for good. */
size_t ipm_index(const struct ipm_table *t, const struct ipm_portal *p)
{
	return (size_t)(p - t->p);
}

/*
 * ipm_id_errno() - what a call on @id must get, as far as the model knows:
 * 0 if the portal is live, -EIDRM if it was removed, -ENOENT if the model
 * never knew it.
 */
int ipm_id_errno(const struct ipm_table *t, __u64 id)
{
	const struct ipm_portal *p = ipm_find(t, id);

	if (!p)
		return -ENOENT;
	return p->live ? 0 : -EIDRM;
}

static int ipm_hist_push(struct ipm_table *t, struct ipm_portal *p,
			 __u64 seq, __u32 status)
{
	struct ipm_state *h;

	if (!t->history)
		return 0;
	if (p->nhist == p->caphist) {
		p->caphist = p->caphist ? 2 * p->caphist : 8;
		h = realloc(p->hist, p->caphist * sizeof(*h));
		if (!h)
			return -ENOMEM;
		p->hist = h;
	}
	p->hist[p->nhist].seq = seq;
	p->hist[p->nhist].status = status;
	p->nhist++;
	return 0;
}

/* A new portal @id, live with @status; NULL if the model is full. */
static struct ipm_portal *ipm_new(struct ipm_table *t, __u64 id, __u32 status)
{
	struct ipm_portal *p;
	size_t i;

	if (t->n == t->cap)
		return NULL;
	p = &t->p[t->n++];
	memset(p, 0, sizeof(*p));
	p->id = id;
	p->live = true;
	p->status = status;
	for (i = ipm_hash(id) & (t->nslot - 1); t->slot[i];
	     i = (i + 1) & (t->nslot - 1))
		;
	t->slot[i] = t->n;
	t->nlive++;
	return p;
}

/*
 * ipm_load() - the portals of a LIST walk (@n entries at @e), live, at
 * table generation @gen.  Return: 0, -EEXIST for an id listed twice or
 * already known, -ENOSPC when the model is full, or -ENOMEM.
 */
int ipm_load(struct ipm_table *t, const struct iscsi_portal_info *e,
	     size_t n, __u64 gen)
{
	struct ipm_portal *p;
	size_t i;

	for (i = 0; i < n; i++) {
		if (ipm_find(t, e[i].id))
			return -EEXIST;
		p = ipm_new(t, e[i].id, e[i].status);
		if (!p)
			return -ENOSPC;
		p->addr = e[i].addr;
		p->has_addr = true;
		p->from_list = true;
		p->gen = p->base_gen = e[i].generation;
		if (ipm_hist_push(t, p, 0, e[i].status))
			return -ENOMEM;
	}
	t->gen = gen;
	return 0;
}

/*
 * The one commit step: apply record @ev, already checked against the
 * model, to it.  @p is the portal (NULL for an ARRIVE).
 */
static int ipm_commit(struct ipm_table *t, struct ipm_portal *p,
		      const struct iscsi_portal_event *ev)
{
	switch (ev->type) {
	case ISCSI_PORTAL_EVENT_ARRIVE:
		p = ipm_new(t, ev->id, ev->new_status);
		if (!p)
			return -ENOSPC;
		p->arrive_seq = ev->seq;
		break;
	case ISCSI_PORTAL_EVENT_MODIFY:
		p->status = ev->new_status;
		p->gen++;
		p->nmodify++;
		break;
	default:	/* DEPART */
		p->live = false;
		p->depart_seq = ev->seq;
		t->nlive--;
		break;
	}
	t->gen = ev->seq;
	if (ev->type != ISCSI_PORTAL_EVENT_DEPART)
		return ipm_hist_push(t, p, ev->seq, ev->new_status);
	return 0;
}

static void ipm_record(struct iscsi_portal_event *ev, __u64 seq, __u64 id,
		       __u32 type, __u32 old_status, __u32 new_status)
{
	memset(ev, 0, sizeof(*ev));
	ev->seq = seq;
	ev->id = id;
	ev->type = type;
	ev->old_status = old_status;
	ev->new_status = new_status;
}

/*
 * ipm_add() - an ADD of address @a (NULL: not known) with @status returned
 * id @id.  Its ARRIVE, the next generation's, goes to *@ev.
 * Return: 1; -EEXIST if the id is known or @a is a live portal's address,
 * -EINVAL if @a or @status is not valid (the module should have refused
 * the ADD), -ENOSPC when the model is full, or -ENOMEM.
 */
int ipm_add(struct ipm_table *t, __u64 id, const struct iscsi_portal_addr *a,
	    __u32 status, struct iscsi_portal_event *ev)
{
	struct iscsi_portal_event rec;
	struct ipm_portal *p;
	size_t i;
	int ret;

	if (!id || ipm_find(t, id))
		return -EEXIST;
	if (!ipm_status_valid(status) || (a && !iscsi_portal_addr_valid(a)))
		return -EINVAL;
	for (i = 0; a && i < t->n; i++)
		if (t->p[i].live && t->p[i].has_addr &&
		    !memcmp(&t->p[i].addr, a, sizeof(*a)))
			return -EEXIST;
	ipm_record(&rec, t->gen + 1, id, ISCSI_PORTAL_EVENT_ARRIVE,
		   ISCSI_PORTAL_STATUS_UNKNOWN, status);
	ret = ipm_commit(t, NULL, &rec);
	if (ret)
		return ret;
	if (a) {
		p = ipm_find(t, id);
		p->addr = *a;
		p->has_addr = true;
	}
	if (ev)
		*ev = rec;
	return 1;
}

/*
 * ipm_set_status() - a SET_STATUS or REPORT_STATUS of @status on @id
 * succeeded.  Return: 1 with its MODIFY in *@ev, 0 if the portal had that
 * status already (no record, no generation), -ENOENT or -EIDRM
 * (ipm_id_errno()) or -EINVAL (no status of section 2): it could not have.
 */
int ipm_set_status(struct ipm_table *t, __u64 id, __u32 status,
		   struct iscsi_portal_event *ev)
{
	struct ipm_portal *p = ipm_find(t, id);
	struct iscsi_portal_event rec;
	int ret = ipm_id_errno(t, id);

	if (ret)
		return ret;
	if (!ipm_status_valid(status))
		return -EINVAL;
	if (status == p->status)
		return 0;
	ipm_record(&rec, t->gen + 1, id, ISCSI_PORTAL_EVENT_MODIFY, p->status,
		   status);
	ret = ipm_commit(t, p, &rec);
	if (ret)
		return ret;
	if (ev)
		*ev = rec;
	return 1;
}

/*
 * ipm_remove() - a REMOVE of @id succeeded.  Return: 1 with its DEPART in
 * *@ev, or -ENOENT / -EIDRM (ipm_id_errno()).
 */
int ipm_remove(struct ipm_table *t, __u64 id, struct iscsi_portal_event *ev)
{
	struct ipm_portal *p = ipm_find(t, id);
	struct iscsi_portal_event rec;
	int ret = ipm_id_errno(t, id);

	if (ret)
		return ret;
	ipm_record(&rec, t->gen + 1, id, ISCSI_PORTAL_EVENT_DEPART, p->status,
		   ISCSI_PORTAL_STATUS_UNKNOWN);
	ipm_commit(t, p, &rec);
	if (ev)
		*ev = rec;
	return 1;
}

/*
 * ipm_apply() - apply event record @ev strictly.  Return: NULL, or why it
 * does not fit the model (which is then unchanged).
 */
const char *ipm_apply(struct ipm_table *t, const struct iscsi_portal_event *ev)
{
	struct ipm_portal *p = ipm_find(t, ev->id);

	if (ev->flags)
		return "record with flags set";
	if (ev->seq != t->gen + 1)
		return "seq is not the next table generation";
	switch (ev->type) {
	case ISCSI_PORTAL_EVENT_ARRIVE:
		if (p)
			return "ARRIVE of an id already seen";
		if (!ev->id)
			return "ARRIVE of id 0";
		if (ev->old_status != ISCSI_PORTAL_STATUS_UNKNOWN)
			return "ARRIVE with an old status";
		if (!ipm_status_valid(ev->new_status))
			return "ARRIVE with a status outside section 2";
		break;
	case ISCSI_PORTAL_EVENT_MODIFY:
		if (!p)
			return "record for an unknown portal";
		if (!p->live)
			return "MODIFY of a portal not present";
		if (ev->old_status != p->status)
			return "MODIFY old status is not the current status";
		if (ev->new_status == ev->old_status)
			return "MODIFY that changes nothing";
		if (!ipm_status_valid(ev->new_status))
			return "MODIFY to a status outside section 2";
		break;
	case ISCSI_PORTAL_EVENT_DEPART:
		if (!p)
			return "record for an unknown portal";
		if (!p->live)
			return "DEPART of a portal not present";
		if (ev->old_status != p->status ||
		    ev->new_status != ISCSI_PORTAL_STATUS_UNKNOWN)
			return "DEPART statuses do not match";
		break;
	default:
		return "unknown record type";
	}
	switch (ipm_commit(t, p, ev)) {
	case 0:
		return NULL;
	case -ENOSPC:
		return "the model is full";
	default:
		return "out of memory";
	}
}

/*
 * ipm_check_info() - does @info (GET_INFO or a LIST entry, taken while no
 * call runs) show the portal as the model has it: live, same status,
 * generation and (if known) address, no flags?  Return: NULL or why not.
 */
const char *ipm_check_info(const struct ipm_table *t,
			   const struct iscsi_portal_info *info)
{
	const struct ipm_portal *p = ipm_find(t, info->id);

	if (!p)
		return "a portal the model does not know";
	if (!p->live)
		return "a portal the model has removed";
	if (info->status != p->status)
		return "its status is not the model's";
	if (info->generation != p->gen)
		return "its generation is not the model's";
	if (p->has_addr && memcmp(&info->addr, &p->addr, sizeof(p->addr)))
		return "its address is not the model's";
	if (info->flags)
		return "flags set while no call runs";
	return NULL;
}

/*
 * ipm_check_list() - is the LIST walk @e (@n entries) exactly the model's
 * live portals, each as ipm_check_info() wants it, in ascending id order?
 * Return: NULL, or why not with the entry in *@where (@n: the count).
 */
const char *ipm_check_list(const struct ipm_table *t,
			   const struct iscsi_portal_info *e, size_t n,
			   size_t *where)
{
	const char *why;
	size_t i;

	for (i = 0; i < n; i++) {
		*where = i;
		if (i && e[i].id <= e[i - 1].id)
			return "LIST ids not in ascending order";
		why = ipm_check_info(t, &e[i]);
		if (why)
			return why;
	}
	*where = n;
	if (n != t->nlive)
		return "LIST does not hold as many portals as the model";
	return NULL;
}

/* The generation after which @p's k-th state was replaced (or ~0). */
static __u64 ipm_state_end(const struct ipm_portal *p, unsigned int k)
{
	if (k + 1 < p->nhist)
		return p->hist[k + 1].seq;
	return p->depart_seq ? p->depart_seq : ~0ull;
}

/*
 * ipm_had_status() - did @p (of a history model) have @status at some
 * table generation g, @lo <= g <= @hi?  State k holds for the generations
 * [hist[k].seq, the next state's seq - 1].
 */
bool ipm_had_status(const struct ipm_portal *p, __u32 status, __u64 lo,
		    __u64 hi)
{
	unsigned int k;

	for (k = 0; k < p->nhist; k++)
		if (p->hist[k].status == status && p->hist[k].seq <= hi &&
		    ipm_state_end(p, k) > lo)
			return true;
	return false;
}

/*
 * ipm_check_pair() - is (@status, per-portal generation @gen) a state @p
 * (of a history model) had during the table generations [@lo, @hi]?
 * Return: NULL or why not.
 */
const char *ipm_check_pair(const struct ipm_portal *p, __u32 status,
			   __u64 gen, __u64 lo, __u64 hi)
{
	unsigned int k;

	if (gen < p->base_gen || gen - p->base_gen >= p->nhist)
		return "generation the portal never had";
	k = (unsigned int)(gen - p->base_gen);
	if (p->hist[k].status != status)
		return "status does not belong with that generation (torn)";
	if (p->hist[k].seq > hi || ipm_state_end(p, k) <= lo)
		return "state seen outside the reader's window";
	return NULL;
}
