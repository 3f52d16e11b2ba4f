/* SPDX-License-Identifier: GPL-2.0 */
/*
 * model.h - the one model of the portal table that the selftests and the
 * fuzzer check the module against (model.c).
 *
 * A model holds what the table must hold: every portal it has known (by
 * id, ids are never reused), live or removed, with its address, status and
 * per-portal generation, and the table generation.  It changes in two ways,
 * both through the same commit step, so they cannot disagree:
 *
 *  - by the calls a test made and saw succeed: ipm_add(), ipm_set_status()
 *    and ipm_remove() apply the change and give the event record the
 *    module must have queued for it (none for a same-status no-op);
 *  - by the records the module queued: ipm_apply() takes one record and
 *    fails, saying why, unless it fits the model (ARRIVE of a new id,
 *    MODIFY from the status the portal has to another, DEPART of a live
 *    portal with its status).
 *
 * ipm_load() starts a model from a LIST walk.  A model made with
 * history also remembers each portal's states by table generation, so a
 * (status, generation) pair a reader saw during a window of generations
 * can be checked (ipm_check_pair(), ipm_had_status()).
 *
 * Portals are kept in the order the model learnt of them, in an array of
 * fixed capacity: pointers into it stay valid, and ipm_index() gives each
 * portal a stable index below the capacity for the caller's own arrays.
 */
#ifndef ISCSI_PORTAL_SELFTEST_MODEL_H
#define ISCSI_PORTAL_SELFTEST_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/iscsi_portal.h>

/* From table generation @seq on, the portal had @status. */
struct ipm_state {
	__u64 seq;
	__u32 status;
};

struct ipm_portal {
	__u64 id;
	struct iscsi_portal_addr addr;	/* valid if has_addr */
	bool has_addr;
	bool from_list;			/* loaded by ipm_load() */
	bool live;
	__u32 status;
	__u64 gen;			/* per-portal generation */
	__u64 base_gen;			/* its generation when the model learnt of it */
	unsigned int nmodify;		/* changes since then */
	__u64 arrive_seq;		/* its ARRIVE's seq; 0: from a LIST */
	__u64 depart_seq;		/* its DEPART's seq; 0: not removed */
	struct ipm_state *hist;		/* history tables only */
	unsigned int nhist, caphist;
};

struct ipm_table {
	struct ipm_portal *p;		/* p[0..n): in the order learnt */
	size_t n, cap;
	size_t *slot;			/* id hash: index + 1, 0 = empty */
	size_t nslot;			/* a power of two, >= 2 * cap */
	size_t nlive;
	__u64 gen;			/* the table generation */
	bool history;
};

int ipm_init(struct ipm_table *t, size_t cap, bool history, __u64 gen);
void ipm_free(struct ipm_table *t);
int ipm_load(struct ipm_table *t, const struct iscsi_portal_info *e,
	     size_t n, __u64 gen);

struct ipm_portal *ipm_find(const struct ipm_table *t, __u64 id);
size_t ipm_index(const struct ipm_table *t, const struct ipm_portal *p);
int ipm_id_errno(const struct ipm_table *t, __u64 id);

/* What a successful call did: 1 and *@ev (may be NULL) if it queued a
 * record, 0 for a no-op, -errno if the call could not have succeeded. */
int ipm_add(struct ipm_table *t, __u64 id, const struct iscsi_portal_addr *a,
	    __u32 status, struct iscsi_portal_event *ev);
int ipm_set_status(struct ipm_table *t, __u64 id, __u32 status,
		   struct iscsi_portal_event *ev);
int ipm_remove(struct ipm_table *t, __u64 id, struct iscsi_portal_event *ev);

const char *ipm_apply(struct ipm_table *t, const struct iscsi_portal_event *ev);

const char *ipm_check_info(const struct ipm_table *t,
			   const struct iscsi_portal_info *info);
const char *ipm_check_list(const struct ipm_table *t,
			   const struct iscsi_portal_info *e, size_t n,
			   size_t *where);

bool ipm_had_status(const struct ipm_portal *p, __u32 status, __u64 lo,
		    __u64 hi);
const char *ipm_check_pair(const struct ipm_portal *p, __u32 status,
			   __u64 gen, __u64 lo, __u64 hi);

#endif /* ISCSI_PORTAL_SELFTEST_MODEL_H */
