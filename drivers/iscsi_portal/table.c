// SPDX-License-Identifier: GPL-2.0
/*
 * iscsi_portal: the portal table.
 */

/**
 * DOC: Locking rules
 *
 * A portal is a &struct ispt_portal, found by id in an xarray
 * (``ispt_table.portals``) and by address in an rhashtable
 * (``ispt_table.by_addr``).  Ids start at 1 and are never reused.
 *
 * Readers (GET_STATUS, GET_INFO, LIST, VERSION) take no lock and write no
 * shared memory: they find a portal with xa_load() under rcu_read_lock()
 * and read its whole mutable state (status, busy and removed marks,
 * generation) with one atomic64_read() of its state word.  They never wait
 * for a mutating call, never fail with EBUSY and never see a torn state.
 * A removed portal is freed with kfree_rcu(), so a reader that found it
 * before it was erased may still read it, and sees its removed mark.
 *
 * The busy mark (``ISPT_STATE_BUSY``): a mutating call on one portal
 * (SET_STATUS, REPORT_STATUS, REMOVE) claims it with a fully ordered
 * cmpxchg of the state word.  If the mark is already set the call fails
 * with EBUSY at once; if the removed mark is set, with EIDRM.  The owner of
 * the mark is the only writer of the state word.  It may sleep while it
 * holds the mark, which is a mark nobody waits on, not a lock, and gives it
 * back with the release store that commits the new state.  Holding the
 * mark pins the portal: only REMOVE frees a portal, and REMOVE needs the
 * mark, so the owner may leave its RCU read section during its window.
 *
 * The table-wide mark (``ISPT_TABLE_EXCL_BIT``) is owned by the one
 * table-wide call (REENUMERATE, REFRESH) in progress.  No shared counter is
 * written on the per-portal paths: the exclusion is a handshake between two
 * fully ordered atomics.  A per-portal call claims its busy mark and then
 * tests the table-wide mark; a table-wide call sets the table-wide mark and
 * then looks at every busy mark.  At least one of two racing calls sees the
 * other and fails with EBUSY at once.  The table-wide mark is set under
 * ``ispt_commit_mutex``, which ADD holds from its check to its commit, so
 * no ADD straddles a table-wide call either.
 *
 * ``ispt_commit_mutex`` serialises commits: the store of a new state,
 * changes of the xarray and the address hash, the portal count, last_id,
 * the table generation, and the queueing of the change's event to every
 * watcher (events.c; the list of watchers is under it too), so that events
 * leave in commit order with consecutive sequence numbers.  It is held for
 * that step only: never across a busy window, a user copy or a sleeping
 * allocation (ADD allocates xarray nodes with xas_nomem() after dropping
 * it, and tries again).  Readers never take it.
 *
 * Providers (provider.c) own portals.  A portal's provider is set when
 * the provider ADDs it, or adopts it as an orphan, and cleared when the
 * provider unregisters and its portals become orphans; each change happens
 * under ``ispt_commit_mutex`` by the owner of the portal's busy mark, and
 * the state word's PROVIDER and ORPHAN marks change with it.  A SET on a
 * provider's portal calls the provider inside the busy window, with no
 * lock held.  While a table-wide call asks a provider (``ispt_excl_owner``),
 * that provider's own calls are exempt from the table-wide mark, and from
 * EUCLEAN: in a recovery, the providers rebuild a corrupt table.
 *
 * ``last_id``, ``count`` and ``generation`` are written under
 * ``ispt_commit_mutex`` and read locklessly.  last_id is published with a
 * release store after the xarray insert, so a reader that loads it
 * (acquire) before a second xa_load() tells EIDRM (issued, now gone) from
 * ENOENT (never issued) without tombstones.  The generation is published
 * (release) after the change it counts is visible, so a reader that
 * samples it (acquire) before a walk sees every change up to it; the one
 * commit in progress, if any, may be seen too.
 *
 * ``corrupt_lock`` (a spinlock) protects corrupt_seq and reenum_seq; the
 * corrupt mark in ``flags`` is set and cleared under it and tested
 * locklessly on the fast paths.
 *
 * Lock order: ``ispt_provider_mutex`` (provider.c) before
 * ``ispt_commit_mutex``; under that the notifier chain, the xarray's lock, the
 * rhashtable's bucket locks and each watcher's queue lock are taken one at
 * a time, never nested in each other.  ``corrupt_lock`` nests inside
 * nothing and nothing nests inside it.
 */

#include <linux/atomic.h>
#include <linux/cleanup.h>
#include <linux/delay.h>
#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/rhashtable.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "addr_check.h"
#include "ispt.h"

/*
 * The state word: bits 0-7 the status (section 2 of the contract uses
 * 0-5), bit 8 the busy mark, bit 9 the removed mark (set once, by REMOVE),
 * bit 10 a provider owns the portal, bit 11 the portal is an orphan,
 * bits 16-63 the portal's generation: 2^48 committed changes of one
 * portal.
 */
#define ISPT_STATE_STATUS	GENMASK_ULL(7, 0)
#define ISPT_STATE_BUSY		BIT_ULL(8)
#define ISPT_STATE_DEAD		BIT_ULL(9)
#define ISPT_STATE_PROVIDER	BIT_ULL(10)
#define ISPT_STATE_ORPHAN	BIT_ULL(11)
#define ISPT_STATE_GEN_SHIFT	16

/* ispt_table.flags */
#define ISPT_TABLE_CORRUPT_BIT	0
#define ISPT_TABLE_EXCL_BIT	1

/* LIST: portals copied per RCU section, and per call at most. */
#define ISPT_LIST_BATCH		8
#define ISPT_LIST_MAX		1024

/**
 * struct ispt_portal - one portal: 72 bytes, a kmalloc-96 object.
 * @state: the whole mutable state in one word (ISPT_STATE_*); written
 *	only by the owner of its busy mark.
 * @id: immutable; the portal's index in ispt_table.portals.
 * @provider: its provider, or NULL; see "Locking rules".
 * @node: in ispt_table.by_addr.
 * @addr: immutable; the key of @node.
 * @rcu: for kfree_rcu().
 */
struct ispt_portal {
	atomic64_t state;
	u64 id;
	struct iscsi_portal_provider *provider;
	struct rhash_head node;
	struct iscsi_portal_addr addr;
	struct rcu_head rcu;
};

/* Serialises commits; see "Locking rules". */
DEFINE_MUTEX(ispt_commit_mutex);

static struct {
	/* Read by every call; written rarely. */
	struct xarray portals;
	unsigned long flags;
	u64 last_id;

	/* Written by every commit: kept off the readers' cache line. */
	u64 generation ____cacheline_aligned_in_smp;
	unsigned int count;
	struct rhashtable by_addr;

	spinlock_t corrupt_lock;	/* corrupt_seq, reenum_seq, CORRUPT */
	u64 corrupt_seq;	/* corruption marks so far */
	u64 reenum_seq;		/* corrupt_seq when the last REENUMERATE started */
} ispt_table;

static const struct rhashtable_params ispt_addr_params = {
	.key_len		= sizeof(struct iscsi_portal_addr),
	.key_offset		= offsetof(struct ispt_portal, addr),
	.head_offset		= offsetof(struct ispt_portal, node),
	.automatic_shrinking	= true,
};

static u32 ispt_state_status(u64 state)
{
	return state & ISPT_STATE_STATUS;
}

static u64 ispt_state_gen(u64 state)
{
	return state >> ISPT_STATE_GEN_SHIFT;
}

static u64 ispt_state_make(u32 status, u64 gen)
{
	return (gen << ISPT_STATE_GEN_SHIFT) | status;
}

/* @state, not busy, with @status: one more generation if it changed. */
static u64 ispt_state_next(u64 state, u32 status)
{
	u64 gen = ispt_state_gen(state);

	if (status != ispt_state_status(state))
		gen++;
	return ispt_state_make(status, gen) |
	       (state & (ISPT_STATE_PROVIDER | ISPT_STATE_ORPHAN));
}

static bool ispt_status_valid(u32 status)
{
	switch (status) {
	case ISCSI_PORTAL_STATUS_UNKNOWN:
	case ISCSI_PORTAL_STATUS_ONLINE:
	case ISCSI_PORTAL_STATUS_NOT_READY:
	case ISCSI_PORTAL_STATUS_OFFLINE:
	case ISCSI_PORTAL_STATUS_FAILED:
		return true;
	}
	return false;
}

/**
 * ispt_is_corrupt() - is the table marked corrupt?
 *
 * Context: any.
 * Return: true from a corruption mark until the REFRESH that clears it.
 */
bool ispt_is_corrupt(void)
{
	return test_bit(ISPT_TABLE_CORRUPT_BIT, &ispt_table.flags);
}

static bool ispt_table_excl(void)
{
	return test_bit(ISPT_TABLE_EXCL_BIT, &ispt_table.flags);
}

/*
 * Is @caller the provider a table-wide call is asking?  Its calls are
 * exempt from that call's EBUSY, and from EUCLEAN: a REENUMERATE that
 * recovers a corrupt table is rebuilt by the providers' calls.
 */
static bool ispt_exempt(const struct iscsi_portal_provider *caller)
{
	return caller && ispt_table_excl() &&
	       READ_ONCE(ispt_excl_owner) == caller;
}

static int ispt_check_corrupt(const struct iscsi_portal_provider *caller)
{
	return ispt_is_corrupt() && !ispt_exempt(caller) ? -EUCLEAN : 0;
}

/*
 * Look @id up under rcu_read_lock().  On a miss, an id at or below the last
 * one issued was removed (EIDRM); any other was never issued (ENOENT).
 */
static struct ispt_portal *ispt_lookup(u64 id)
{
	struct ispt_portal *p;
	u64 last;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "portal lookup outside RCU");
	if (!id)
		return ERR_PTR(-ENOENT);
	p = xa_load(&ispt_table.portals, id);
	if (p)
		return p;
	/* Before the second xa_load(); pairs with ispt_add_locked(). */
	last = smp_load_acquire(&ispt_table.last_id);
	p = xa_load(&ispt_table.portals, id);
	if (p)
		return p;
	return ERR_PTR(id <= last ? -EIDRM : -ENOENT);
}

/*
 * Claim the busy mark of @p (see "Locking rules") unless a table-wide call
 * runs that is not asking @caller, a provider or NULL.  *@state is the
 * state the caller last read of @p; on success it is the committed state
 * the caller now owns.
 */
static int ispt_claim(struct ispt_portal *p, u64 *state,
		      const struct iscsi_portal_provider *caller)
{
	s64 old = *state;

	/* No mark a reader would see for a call that cannot go on. */
	if (ispt_table_excl() && !ispt_exempt(caller))
		return -EBUSY;
	do {
		if (old & ISPT_STATE_DEAD)
			return -EIDRM;
		if (old & ISPT_STATE_BUSY)
			return -EBUSY;
		/* Fully ordered: claimed before the table-wide mark is read. */
	} while (!atomic64_try_cmpxchg(&p->state, &old, old | ISPT_STATE_BUSY));

	if (ispt_table_excl() && !ispt_exempt(caller)) {
		atomic64_set_release(&p->state, old);
		return -EBUSY;
	}
	*state = old;
	return 0;
}

/*
 * May @caller (a provider, or NULL for a plain fd) do @op to @p in @state?
 * A provider's portal is REMOVEd and REPORTed by it alone; an orphan is
 * SET and REPORTed by nobody until adopted; DROP_SESSIONS needs a provider.
 */
static int ispt_may(const struct ispt_portal *p, u64 state, enum ispt_op op,
		    const struct iscsi_portal_provider *caller, u32 flags)
{
	struct iscsi_portal_provider *prov = READ_ONCE(p->provider);

	if (state & ISPT_STATE_DEAD)
		return 0;	/* ispt_claim() says EIDRM */
	if (op == ISPT_OP_SET) {
		/*
		 * An orphan, or about to be one: its provider is
		 * unregistering (under RCU, it is not freed yet).
		 */
		if ((state & ISPT_STATE_ORPHAN) || (prov && READ_ONCE(prov->dead)))
			return -ENXIO;
		if ((flags & ISCSI_PORTAL_SET_DROP_SESSIONS) &&
		    !(state & ISPT_STATE_PROVIDER))
			return -EOPNOTSUPP;
		return 0;
	}
	if ((state & ISPT_STATE_PROVIDER) && prov != caller)
		return -EPERM;
	if (op == ISPT_OP_REPORT && (state & ISPT_STATE_ORPHAN))
		return -ENXIO;
	return 0;
}

/*
 * The head of SET_STATUS, REPORT_STATUS and REMOVE: find @id, check that
 * @caller may do @op, and claim it; errors in contract order (EUCLEAN,
 * ENOENT/EIDRM, EPERM/ENXIO/EOPNOTSUPP, EBUSY).  What ispt_may() checks is
 * checked again once the mark is ours, since only its owner changes it.
 * The caller then owns the busy mark and ends with ispt_commit_status() or
 * REMOVE's commit.
 */
static struct ispt_portal *ispt_begin(u64 id, u64 *state, enum ispt_op op,
				      const struct iscsi_portal_provider *caller,
				      u32 flags)
{
	struct ispt_portal *p;
	u64 seen;
	int err;

	err = ispt_check_corrupt(caller);
	if (err)
		return ERR_PTR(err);
	guard(rcu)();
	p = ispt_lookup(id);
	if (IS_ERR(p))
		return p;
	*state = atomic64_read(&p->state);
	seen = *state;
	err = ispt_may(p, seen, op, caller, flags) ?:
	      ispt_claim(p, state, caller);
	/* It changed before our claim: check again, now that it is ours. */
	if (!err && *state != seen) {
		err = ispt_may(p, *state, op, caller, flags);
		if (err)
			atomic64_set_release(&p->state, *state);
	}
	return err ? ERR_PTR(err) : p;
}

/* The change is visible; returns its table generation. */
static u64 ispt_bump_generation(void)
{
	u64 gen = ispt_table.generation + 1;

	lockdep_assert_held(&ispt_commit_mutex);
	/* Pairs with ispt_read_generation(). */
	smp_store_release(&ispt_table.generation, gen);
	return gen;
}

static u64 ispt_read_generation(void)
{
	/* Pairs with ispt_bump_generation(). */
	return smp_load_acquire(&ispt_table.generation);
}

/*
 * Commit @status to the claimed portal @p, whose committed state is @state,
 * and give the busy mark back.  The same status changes nothing.
 */
static void ispt_commit_status(struct ispt_portal *p, u64 state, u32 status)
{
	u32 old = ispt_state_status(state);

	if (status == old) {
		atomic64_set_release(&p->state, state);
		return;
	}
	guard(mutex)(&ispt_commit_mutex);
	atomic64_set_release(&p->state, ispt_state_next(state, status));
	ispt_events_post(ispt_bump_generation(), p->id,
			 ISCSI_PORTAL_EVENT_MODIFY, old, status);
}

static u32 ispt_state_flags(u64 state)
{
	return (state & ISPT_STATE_BUSY ? ISCSI_PORTAL_INFO_BUSY : 0) |
	       (state & ISPT_STATE_PROVIDER ? ISCSI_PORTAL_INFO_PROVIDER : 0) |
	       (state & ISPT_STATE_ORPHAN ? ISCSI_PORTAL_INFO_ORPHAN : 0);
}

static void ispt_fill_info(struct iscsi_portal_info *info,
			   const struct ispt_portal *p, u64 state)
{
	info->id = p->id;
	info->addr = p->addr;
	info->status = ispt_state_status(state);
	info->flags = ispt_state_flags(state);
	info->generation = ispt_state_gen(state);
}

/*
 * A provider's ADD of an address that is an orphan's adopts the orphan:
 * the same id, the provider's status (a MODIFY if it differs), no ARRIVE.
 */
static int ispt_adopt_locked(const struct iscsi_portal_addr *addr, u32 status,
			     struct iscsi_portal_provider *prov, u64 *idp)
{
	struct ispt_portal *o;
	u64 state, next;
	int err;

	lockdep_assert_held(&ispt_commit_mutex);
	o = rhashtable_lookup_fast(&ispt_table.by_addr, addr, ispt_addr_params);
	if (!o)		/* not with the hash changed under this mutex only */
		return -EEXIST;
	state = atomic64_read(&o->state);
	if (!(state & ISPT_STATE_ORPHAN))
		return -EEXIST;
	err = ispt_claim(o, &state, prov);
	if (err)
		return err;
	next = ispt_state_next(state, status);
	WRITE_ONCE(o->provider, prov);
	atomic64_set_release(&o->state, (next & ~ISPT_STATE_ORPHAN) |
					ISPT_STATE_PROVIDER);
	if (status != ispt_state_status(state))
		ispt_events_post(ispt_bump_generation(), o->id,
				 ISCSI_PORTAL_EVENT_MODIFY,
				 ispt_state_status(state), status);
	*idp = o->id;
	return 0;
}

/*
 * The commit of an ADD, errors in contract order: EEXIST, ENOSPC, EBUSY.
 * An xarray node that cannot be had without sleeping is ENOMEM here, and
 * ispt_add() allocates one and tries again.  On error nothing of @p is
 * left in the table and no id is issued.
 */
static int ispt_add_locked(struct ispt_portal *p, u32 status,
			   struct xa_state *xas, u64 *idp)
{
	struct iscsi_portal_provider *prov = p->provider;
	int err;

	lockdep_assert_held(&ispt_commit_mutex);
	err = rhashtable_lookup_insert_fast(&ispt_table.by_addr, &p->node,
					    ispt_addr_params);
	if (err == -EEXIST && prov)
		return ispt_adopt_locked(&p->addr, status, prov, idp);
	if (err)
		return err == -EEXIST ? -EEXIST : -ENOMEM;

	if (ispt_table.count >= ispt_max_portals)
		err = -ENOSPC;
	else if (ispt_table_excl() && !ispt_exempt(prov)) /* set under this mutex */
		err = -EBUSY;
	if (err)
		goto unhash;

	p->id = ispt_table.last_id + 1;
	xas_set(xas, p->id);
	xas_lock(xas);
	xas_store(xas, p);
	xas_unlock(xas);
	err = xas_error(xas);
	if (err)
		goto unhash;

	/* After the insert; pairs with ispt_lookup(). */
	smp_store_release(&ispt_table.last_id, p->id);
	WRITE_ONCE(ispt_table.count, ispt_table.count + 1);
	ispt_events_post(ispt_bump_generation(), p->id,
			 ISCSI_PORTAL_EVENT_ARRIVE, ISCSI_PORTAL_STATUS_UNKNOWN,
			 status);
	*idp = p->id;
	return 0;

unhash:
	rhashtable_remove_fast(&ispt_table.by_addr, &p->node, ispt_addr_params);
	return err;
}

/**
 * ispt_add() - ADD: a new portal, or a provider's adoption of an orphan.
 * @addr: its address.
 * @status: its initial status, any of section 2.
 * @prov: the provider that adds it, or NULL.
 * @id: where its id goes.
 *
 * Context: process context; sleeps.
 * Return: 0, or -EINVAL, -EUCLEAN, -EEXIST, -ENOSPC, -EBUSY or -ENOMEM,
 * with the table unchanged.
 */
int ispt_add(const struct iscsi_portal_addr *addr, u32 status,
	     struct iscsi_portal_provider *prov, u64 *id)
{
	XA_STATE(xas, &ispt_table.portals, 0);
	struct ispt_portal *p;
	int err;

	if (!ispt_status_valid(status) || !iscsi_portal_addr_valid(addr))
		return -EINVAL;
	err = ispt_check_corrupt(prov);
	if (err)
		return err;

	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return -ENOMEM;
	p->addr = *addr;
	p->provider = prov;
	atomic64_set(&p->state, ispt_state_make(status, 0) |
				(prov ? ISPT_STATE_PROVIDER : 0));

	/*
	 * Only the xarray's own ENOMEM is retried, with a node allocated
	 * here, outside the mutex; xas_nomem() frees a node it got that the
	 * last try did not use.
	 */
	do {
		scoped_guard(mutex, &ispt_commit_mutex)
			err = ispt_add_locked(p, status, &xas, id);
	} while (xas_nomem(&xas, GFP_KERNEL_ACCOUNT));

	/* Not in the table (an adoption kept the orphan instead): free it. */
	if (err || *id != p->id)
		kfree_rcu(p, rcu);	/* the hash's walkers may still see it */
	return err;
}

/**
 * ispt_remove() - REMOVE: take portal @id out of the table.
 * @id: the portal.
 * @caller: the provider that asks, or NULL.
 *
 * Context: process context; sleeps.
 * Return: 0, or -EUCLEAN, -ENOENT, -EIDRM, -EPERM or -EBUSY.
 */
int ispt_remove(u64 id, struct iscsi_portal_provider *caller)
{
	struct ispt_portal *p;
	u64 state;

	p = ispt_begin(id, &state, ISPT_OP_REMOVE, caller, 0);
	if (IS_ERR(p))
		return PTR_ERR(p);

	scoped_guard(mutex, &ispt_commit_mutex) {
		atomic64_set_release(&p->state, state | ISPT_STATE_DEAD);
		xa_erase(&ispt_table.portals, id);
		rhashtable_remove_fast(&ispt_table.by_addr, &p->node,
				       ispt_addr_params);
		WRITE_ONCE(ispt_table.count, ispt_table.count - 1);
		ispt_events_post(ispt_bump_generation(), id,
				 ISCSI_PORTAL_EVENT_DEPART,
				 ispt_state_status(state),
				 ISCSI_PORTAL_STATUS_UNKNOWN);
	}
	kfree_rcu(p, rcu);
	return 0;
}

/*
 * Look @id up for a reader, @caller a provider or NULL: under
 * rcu_read_lock(), its state in *@state.
 */
static struct ispt_portal *ispt_read(u64 id, u64 *state,
				     const struct iscsi_portal_provider *caller)
{
	struct ispt_portal *p;
	int err;

	err = ispt_check_corrupt(caller);
	if (err)
		return ERR_PTR(err);
	p = ispt_lookup(id);
	if (IS_ERR(p))
		return p;
	*state = atomic64_read(&p->state);
	return *state & ISPT_STATE_DEAD ? ERR_PTR(-EIDRM) : p;
}

/**
 * ispt_get_info() - GET_INFO: one portal's whole info, of one moment.
 * @id: the portal.
 * @info: filled on success.
 * @caller: the provider that asks, or NULL.
 *
 * Context: any process context; takes no lock, never waits.
 * Return: 0, or -EUCLEAN, -ENOENT or -EIDRM.
 */
int ispt_get_info(u64 id, struct iscsi_portal_info *info,
		  const struct iscsi_portal_provider *caller)
{
	struct ispt_portal *p;
	u64 state;

	guard(rcu)();
	p = ispt_read(id, &state, caller);
	if (IS_ERR(p))
		return PTR_ERR(p);
	ispt_fill_info(info, p, state);
	return 0;
}

/**
 * ispt_get_status() - GET_STATUS: one portal's status and info flags.
 * @id: the portal.
 * @status: its status, on success.
 * @flags: its ISCSI_PORTAL_INFO_* flags, on success.
 *
 * Context: any process context; takes no lock, never waits.
 * Return: 0, or -EUCLEAN, -ENOENT or -EIDRM.
 */
int ispt_get_status(u64 id, u32 *status, u32 *flags)
{
	struct ispt_portal *p;
	u64 state;

	guard(rcu)();
	p = ispt_read(id, &state, NULL);
	if (IS_ERR(p))
		return PTR_ERR(p);
	*status = ispt_state_status(state);
	*flags = ispt_state_flags(state);
	return 0;
}

/**
 * ispt_get_provider() - GET_PROVIDER: who owns a portal.
 * @id: the portal.
 * @info: its flags and its provider's name are filled on success.
 *
 * Context: any process context; takes no lock, never waits.
 * Return: 0, or -EUCLEAN, -ENOENT or -EIDRM.
 */
int ispt_get_provider(u64 id, struct iscsi_portal_provider_info *info)
{
	struct iscsi_portal_provider *prov;
	struct ispt_portal *p;
	u64 state, again;

	guard(rcu)();
	p = ispt_read(id, &state, NULL);
	if (IS_ERR(p))
		return PTR_ERR(p);
	/*
	 * The provider and the marks change together, under the busy mark:
	 * read them again until the state word says they are of one moment.
	 * Unregistering frees a provider only after a grace period.
	 */
	for (;;) {
		memset(info, 0, sizeof(*info));
		info->id = id;
		info->flags = ispt_state_flags(state) & ~ISCSI_PORTAL_INFO_BUSY;
		prov = READ_ONCE(p->provider);
		if (prov && (state & ISPT_STATE_PROVIDER))
			strscpy(info->name, prov->name, sizeof(info->name));
		again = atomic64_read(&p->state);
		if (again == state)
			return 0;
		state = again;
	}
}

/**
 * ispt_set_status() - SET_STATUS: the administrator's call.
 * @id: the portal.
 * @status: ONLINE or OFFLINE; the other statuses are the provider's.
 * @flags: ISCSI_PORTAL_SET_DROP_SESSIONS, with OFFLINE only.
 *
 * The busy window is held open for set_delay_ms (a debugfs test knob),
 * outside any lock; a signal does not end it.  Then, when the status
 * changes and a provider owns the portal, the provider makes it happen.
 *
 * Context: process context; sleeps.
 * Return: 0, or -EINVAL, -EOPNOTSUPP, -EUCLEAN, -ENOENT, -EIDRM, -ENXIO,
 * -EBUSY or the provider's error.
 */
int ispt_set_status(u64 id, u32 status, u32 flags)
{
	struct ispt_portal *p;
	unsigned int delay;
	u64 state;
	int err;

	if (flags & ~ISCSI_PORTAL_SET_DROP_SESSIONS)
		return -EINVAL;
	if (status != ISCSI_PORTAL_STATUS_ONLINE &&
	    status != ISCSI_PORTAL_STATUS_OFFLINE)
		return ispt_status_valid(status) ? -EOPNOTSUPP : -EINVAL;
	if (flags && status != ISCSI_PORTAL_STATUS_OFFLINE)
		return -EINVAL;

	p = ispt_begin(id, &state, ISPT_OP_SET, NULL, flags);
	if (IS_ERR(p))
		return PTR_ERR(p);

	delay = READ_ONCE(ispt_set_delay_ms);
	if (delay)
		msleep(delay);

	err = 0;
	if (status != ispt_state_status(state) && p->provider)
		err = ispt_provider_set_status(p->provider, id,
					       ispt_state_status(state),
					       status, flags);
	ispt_commit_status(p, state, err ? ispt_state_status(state) : status);
	return err;
}

/**
 * ispt_report_status() - REPORT_STATUS: the provider's path, any status.
 * @id: the portal.
 * @status: any status of section 2.
 * @caller: the provider that reports, or NULL.
 *
 * Context: process context; sleeps.
 * Return: 0, or -EINVAL, -EUCLEAN, -ENOENT, -EIDRM, -EPERM, -ENXIO or
 * -EBUSY.
 */
int ispt_report_status(u64 id, u32 status, struct iscsi_portal_provider *caller)
{
	struct ispt_portal *p;
	u64 state;

	if (!ispt_status_valid(status))
		return -EINVAL;

	p = ispt_begin(id, &state, ISPT_OP_REPORT, caller, 0);
	if (IS_ERR(p))
		return PTR_ERR(p);

	ispt_commit_status(p, state, status);
	return 0;
}

/*
 * Orphan @p, claimed, whose provider is unregistering: status UNKNOWN, a
 * MODIFY event even when it was UNKNOWN already (the ORPHAN flag changed).
 */
static void ispt_commit_orphan(struct ispt_portal *p, u64 state)
{
	u64 gen = ispt_state_gen(state) + 1;

	guard(mutex)(&ispt_commit_mutex);
	WRITE_ONCE(p->provider, NULL);
	atomic64_set_release(&p->state,
			     ispt_state_make(ISCSI_PORTAL_STATUS_UNKNOWN, gen) |
			     ISPT_STATE_ORPHAN);
	ispt_events_post(ispt_bump_generation(), p->id,
			 ISCSI_PORTAL_EVENT_MODIFY, ispt_state_status(state),
			 ISCSI_PORTAL_STATUS_UNKNOWN);
}

/*
 * Claim @p for orphaning: like ispt_claim(), but not refused by a
 * table-wide call, since the provider is off the list it walks.
 */
static bool ispt_claim_orphan(struct ispt_portal *p, u64 *state)
{
	s64 old = atomic64_read(&p->state);

	do {
		if (old & (ISPT_STATE_DEAD | ISPT_STATE_BUSY))
			return false;
	} while (!atomic64_try_cmpxchg(&p->state, &old, old | ISPT_STATE_BUSY));
	*state = old;
	return true;
}

/**
 * ispt_orphan() - orphan every portal of an unregistering provider.
 * @prov: the provider; none of its calls runs or starts any more.
 *
 * A portal that is busy is waited for: only a SET that claimed it before
 * the provider began to unregister (new ones fail with ENXIO first, see
 * ispt_may()) or a REMOVE about to commit can hold it, and no call of
 * @prov is left to make their window long.
 *
 * Context: process context; sleeps.
 */
void ispt_orphan(struct iscsi_portal_provider *prov)
{
	XA_STATE(xas, &ispt_table.portals, 0);
	struct ispt_portal *p;
	bool again;
	u64 state;

	do {
		again = false;
		xas_set(&xas, 0);
		rcu_read_lock();
		xas_for_each(&xas, p, ULONG_MAX) {
			if (xas_retry(&xas, p) || READ_ONCE(p->provider) != prov)
				continue;
			xas_pause(&xas);
			if (ispt_claim_orphan(p, &state)) {
				rcu_read_unlock();
				ispt_commit_orphan(p, state);
			} else {
				again = true;	/* busy, or being removed */
				rcu_read_unlock();
			}
			cond_resched();
			rcu_read_lock();
		}
		rcu_read_unlock();
		if (again)
			usleep_range(1000, 2000);
	} while (again);
}

/*
 * Copy up to @max portals with ids >= *@cursor into @buf in one RCU
 * section.  Returns how many; *@cursor becomes the id after the last one.
 */
static unsigned int ispt_list_batch(struct iscsi_portal_info *buf,
				    unsigned int max, u64 *cursor)
{
	XA_STATE(xas, &ispt_table.portals, *cursor);
	struct ispt_portal *p;
	unsigned int n = 0;
	u64 state;

	guard(rcu)();
	xas_for_each(&xas, p, ULONG_MAX) {
		if (xas_retry(&xas, p))
			continue;
		state = atomic64_read(&p->state);
		/* Erased by the commit that marked it: skipping is bounded. */
		if (state & ISPT_STATE_DEAD)
			continue;
		ispt_fill_info(&buf[n], p, state);
		*cursor = xas.xa_index + 1;
		if (++n == max)
			break;
	}
	return n;
}

/**
 * ispt_list() - LIST: a page of portals in ascending id order.
 * @list: the caller's argument; cursor, count and table_generation are
 *	updated.
 * @entries: where min(capacity, 1024) infos may go.
 * @caller: the provider that asks, or NULL.
 *
 * The table generation is sampled (acquire) before the walk: every change
 * up to it is reflected, later ones may be.
 *
 * Context: process context; may fault and sleep, never waits for a
 * mutating call.
 * Return: 0, or -EUCLEAN or -EFAULT.
 */
int ispt_list(struct iscsi_portal_list *list,
	      struct iscsi_portal_info __user *entries,
	      const struct iscsi_portal_provider *caller)
{
	struct iscsi_portal_info buf[ISPT_LIST_BATCH];
	u32 want = min_t(u32, list->capacity, ISPT_LIST_MAX);
	u64 cursor = max_t(u64, list->cursor, 1);
	unsigned int ask, n, filled = 0;
	unsigned long next;
	int err;

	err = ispt_check_corrupt(caller);
	if (err)
		return err;

	list->table_generation = ispt_read_generation();
	while (filled < want) {
		ask = min_t(u32, want - filled, ISPT_LIST_BATCH);
		n = ispt_list_batch(buf, ask, &cursor);
		if (copy_to_user(entries + filled, buf, n * sizeof(buf[0])))
			return -EFAULT;
		filled += n;
		if (n < ask) {
			cursor = 0;	/* walked to the end */
			break;
		}
		cond_resched();
	}
	next = cursor;
	if (cursor && !xa_find(&ispt_table.portals, &next, ULONG_MAX,
			       XA_PRESENT))
		cursor = 0;
	list->count = filled;
	list->cursor = cursor;
	return 0;
}

/**
 * ispt_version() - VERSION: the API version and the table's counters.
 * @ver: filled, reserved fields zero.
 *
 * Context: any.
 * Return: nothing; VERSION cannot fail.
 */
void ispt_version(struct iscsi_portal_version *ver)
{
	memset(ver, 0, sizeof(*ver));
	ver->api_version = ISCSI_PORTAL_API_VERSION;
	ver->flags = ispt_is_corrupt() ? ISCSI_PORTAL_TABLE_CORRUPT : 0;
	ver->portal_count = READ_ONCE(ispt_table.count);
	ver->table_generation = ispt_read_generation();
}

/* Is any portal's busy mark set?  A lockless walk that may sleep. */
static bool ispt_any_busy(void)
{
	XA_STATE(xas, &ispt_table.portals, 0);
	struct ispt_portal *p;
	bool busy = false;

	rcu_read_lock();
	xas_for_each(&xas, p, ULONG_MAX) {
		if (xas_retry(&xas, p))
			continue;
		if (atomic64_read(&p->state) & ISPT_STATE_BUSY) {
			busy = true;
			break;
		}
		if (need_resched()) {
			xas_pause(&xas);
			rcu_read_unlock();
			cond_resched();
			rcu_read_lock();
		}
	}
	rcu_read_unlock();
	return busy;
}

/*
 * Become the one table-wide call: EBUSY at once if another one runs, an
 * ADD is committing or any portal is busy (see "Locking rules").  The
 * window is then held open for table_delay_ms (a debugfs test knob),
 * outside any lock; a signal does not end it.
 */
static int ispt_excl_begin(void)
{
	unsigned int delay;

	scoped_guard(mutex, &ispt_commit_mutex) {
		if (test_and_set_bit(ISPT_TABLE_EXCL_BIT, &ispt_table.flags))
			return -EBUSY;
	}
	/* Fully ordered after the set bit; pairs with ispt_claim(). */
	if (ispt_any_busy()) {
		clear_bit_unlock(ISPT_TABLE_EXCL_BIT, &ispt_table.flags);
		return -EBUSY;
	}
	delay = READ_ONCE(ispt_table_delay_ms);
	if (delay)
		msleep(delay);
	return 0;
}

static void ispt_excl_end(void)
{
	clear_bit_unlock(ISPT_TABLE_EXCL_BIT, &ispt_table.flags);
}

/**
 * ispt_mark_corrupt() - mark the table corrupt.
 *
 * Context: process context (spinlock_t sleeps on PREEMPT_RT).
 */
void ispt_mark_corrupt(void)
{
	scoped_guard(spinlock, &ispt_table.corrupt_lock) {
		ispt_table.corrupt_seq++;
		set_bit(ISPT_TABLE_CORRUPT_BIT, &ispt_table.flags);
	}
}

/**
 * ispt_reenumerate() - REENUMERATE: rebuild the table from its providers.
 *
 * Asks every provider in turn.  Records which corruption mark it started
 * after: only a REFRESH that follows a REENUMERATE started after the
 * latest mark clears the mark.
 *
 * Context: process context; sleeps.
 * Return: 0, -EBUSY, or the first error of a provider.
 */
int ispt_reenumerate(void)
{
	u64 seq;
	int err;

	/*
	 * The call starts here: a mark that comes later, even while
	 * ispt_excl_begin() still looks at the busy marks, is not covered.
	 */
	scoped_guard(spinlock, &ispt_table.corrupt_lock)
		seq = ispt_table.corrupt_seq;

	err = ispt_excl_begin();
	if (err)
		return err;
	err = ispt_providers_ask(false);
	if (!err) {
		scoped_guard(spinlock, &ispt_table.corrupt_lock)
			ispt_table.reenum_seq = seq;
	}
	ispt_excl_end();
	return err;
}

static bool ispt_refresh_allowed(void)
{
	lockdep_assert_held(&ispt_table.corrupt_lock);
	return !ispt_is_corrupt() ||
	       ispt_table.reenum_seq == ispt_table.corrupt_seq;
}

/**
 * ispt_refresh() - REFRESH: re-read every status; may clear the corrupt
 * mark (see ispt_reenumerate()).
 *
 * Context: process context; sleeps.
 * Return: 0, -EUCLEAN (corrupt, and no REENUMERATE since), -EBUSY, or the
 * first error of a provider.
 */
int ispt_refresh(void)
{
	int err;

	scoped_guard(spinlock, &ispt_table.corrupt_lock) {
		if (!ispt_refresh_allowed())
			return -EUCLEAN;
	}

	err = ispt_excl_begin();
	if (err)
		return err;
	err = ispt_providers_ask(true);
	/* A mark that came after our check stays: we complete normally. */
	if (!err) {
		scoped_guard(spinlock, &ispt_table.corrupt_lock) {
			if (ispt_refresh_allowed())
				clear_bit(ISPT_TABLE_CORRUPT_BIT,
					  &ispt_table.flags);
		}
	}
	ispt_excl_end();
	return err;
}

/**
 * ispt_table_init() - set up the empty table at module load.
 *
 * Context: process context.
 * Return: 0 or -ENOMEM.
 */
int ispt_table_init(void)
{
	xa_init_flags(&ispt_table.portals, XA_FLAGS_ACCOUNT);
	spin_lock_init(&ispt_table.corrupt_lock);
	return rhashtable_init(&ispt_table.by_addr, &ispt_addr_params);
}

static void ispt_portal_free(void *ptr, void *arg)
{
	kfree(ptr);
}

/**
 * ispt_table_exit() - free the table at module unload.
 *
 * No fd is open any more (module refcount), so no call runs.  A deferred
 * resize of the hash may still be queued: rhashtable_free_and_destroy()
 * cancels it before it frees the portals, which are all in the hash.
 *
 * Context: process context.
 */
void ispt_table_exit(void)
{
	rhashtable_free_and_destroy(&ispt_table.by_addr, ispt_portal_free, NULL);
	xa_destroy(&ispt_table.portals);
}
