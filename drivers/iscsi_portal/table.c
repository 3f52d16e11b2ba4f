// SPDX-License-Identifier: GPL-2.0
/*
 * iscsi_portal: the portal table.
 *
 * Locking rules
 * =============
 *
 * Readers (GET_STATUS, GET_INFO, LIST, VERSION) take no lock and write no
 * shared memory: they look a portal up with xa_load() under rcu_read_lock()
 * and read its whole state with one atomic64_read() of ipt_portal.state.
 * They never wait for a mutating call and never fail with EBUSY.
 *
 * ipt_portal.state
 *	Written only by the owner of IPT_STATE_BUSY.  A mutating call on one
 *	portal (SET_STATUS, REPORT_STATUS, REMOVE) claims the busy bit with a
 *	fully ordered cmpxchg; if the bit is already set it fails with EBUSY
 *	at once, if the dead bit is set with EIDRM.  The owner may sleep while it
 *	holds the bit (it is a mark, not a lock anyone waits on) and gives it
 *	back with the release store that commits the new state.  Holding the
 *	bit also pins the portal: only REMOVE frees a portal, and REMOVE needs
 *	the bit, so the owner may drop rcu_read_lock() during its window.
 *
 * IPT_TABLE_EXCL_BIT in ipt_table.flags
 *	Owned by the one table-wide call (REENUMERATE, REFRESH) in progress.
 *	No shared counter is written on the per-portal paths; the exclusion
 *	is a Dekker-style handshake between two fully ordered atomics:
 *	a per-portal call claims the busy bit (fully ordered cmpxchg) and then
 *	tests the table bit; a table-wide call sets the table bit (fully
 *	ordered test_and_set_bit) and then looks at every busy bit.  At least
 *	one of two racing calls sees the other and fails with EBUSY at once.
 *	The table bit is set under commit_mutex, which ADD holds from its
 *	check to its commit, so no ADD straddles a table-wide call either.
 *
 * ipt_table.commit_mutex
 *	Serialises commits: the store of a new portal state, insertion into
 *	and removal from the id array and the address hash, the portal count,
 *	last_id, the table generation and the queueing of the change's event
 *	to every watcher, so that events leave in commit order with
 *	consecutive sequence numbers.  It is held only for that step: never
 *	across a busy window, a user copy or a sleeping allocation (ADD
 *	allocates xarray nodes with xas_nomem() after dropping it).  It is a
 *	mutex so that event queueing runs outside any spinlock.  Readers never
 *	take it.
 *
 * ipt_table.portals (xarray)
 *	id -> portal.  Modified under commit_mutex (and the xarray's own
 *	lock), read under RCU.
 *
 * ipt_table.by_addr (rhashtable)
 *	address -> portal, used only to refuse a second ADD of one address.
 *	Inserted into and removed from under commit_mutex only, together with
 *	the id array, so an address is taken exactly while its portal is in
 *	the table.  Portals are freed with kfree_rcu() after removal.
 *
 * ipt_table.last_id, .count, .generation
 *	Written under commit_mutex; read locklessly.  last_id is published
 *	with a release store after the xarray insert, so a reader that loads
 *	it (acquire) before xa_load() tells EIDRM (issued, now gone) from
 *	ENOENT (never issued) without tombstones.  The generation is bumped
 *	(release) after the change it counts is visible, so a reader that
 *	samples it (acquire) before a walk sees every change up to it; the
 *	one commit in progress, if any, may be seen too.
 *
 * ipt_table.corrupt_lock (spinlock)
 *	Protects corrupt_seq and reenum_seq; IPT_TABLE_CORRUPT in .flags is
 *	set and cleared under it and tested locklessly on the fast paths.
 *
 * Lock order: commit_mutex is taken first; under it the xarray's xa_lock,
 * the rhashtable bucket locks and each watcher's queue lock (events.c) are
 * taken one at a time, never nested in each other.  corrupt_lock nests
 * inside nothing and nothing nests inside it.
 */

#include <linux/kernel.h>
#include <linux/delay.h>
#include <linux/errno.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/rhashtable.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>
#include <net/ipv6.h>

#include "ipt.h"
#include "events.h"

/* ipt_table.flags */
#define IPT_TABLE_CORRUPT_BIT	0
#define IPT_TABLE_EXCL_BIT	1

/* LIST: portals copied per RCU section, and per call at most. */
#define IPT_LIST_BATCH		16
#define IPT_LIST_MAX		1024

static struct {
	/*
	 * Read by every call; written by ADD, REMOVE, corruption marks and
	 * table-wide calls only.
	 */
	struct xarray portals;
	unsigned long flags;
	u64 last_id;

	/* Written by mutating calls: kept off the readers' cache line. */
	atomic64_t generation ____cacheline_aligned_in_smp;
	unsigned int count;
	struct mutex commit_mutex;	/* see "Locking rules" */
	struct rhashtable by_addr;

	spinlock_t corrupt_lock;	/* corrupt_seq, reenum_seq, CORRUPT */
	u64 corrupt_seq;		/* corruption marks so far */
	u64 reenum_seq;			/* corrupt_seq when the last REENUMERATE started */
} ipt_table;

static const struct rhashtable_params ipt_addr_params = {
	.key_len		= sizeof(struct iscsi_portal_addr),
	.key_offset		= offsetof(struct ipt_portal, addr),
	.head_offset		= offsetof(struct ipt_portal, node),
	.automatic_shrinking	= true,
};

static bool ipt_status_valid(u32 status)
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

bool ipt_is_corrupt(void)
{
	return test_bit(IPT_TABLE_CORRUPT_BIT, &ipt_table.flags);
}

static int ipt_check_corrupt(void)
{
	return ipt_is_corrupt() ? -EUCLEAN : 0;
}

/*
 * A portal address is valid when it could be a listening address:
 * AF_INET or AF_INET6, a port, no multicast and no IPv4 broadcast, the
 * unused bytes of an IPv4 address zero, a scope only (and always) for an
 * IPv6 link-local address.  IPv4-mapped IPv6 addresses are refused: the
 * same portal must have one spelling, and that is AF_INET.
 */
static int ipt_addr_check(const struct iscsi_portal_addr *a)
{
	struct in6_addr in6;
	__be32 in4;
	bool linklocal;

	if (!a->port)
		return -EINVAL;

	switch (a->family) {
	case AF_INET:
		memcpy(&in4, a->addr, sizeof(in4));
		if (a->scope_id || memchr_inv(a->addr + sizeof(in4), 0,
					      sizeof(a->addr) - sizeof(in4)))
			return -EINVAL;
		if (ipv4_is_multicast(in4) || ipv4_is_lbcast(in4))
			return -EINVAL;
		return 0;
	case AF_INET6:
		memcpy(&in6, a->addr, sizeof(in6));
		if (ipv6_addr_is_multicast(&in6) || ipv6_addr_v4mapped(&in6))
			return -EINVAL;
		/* fe80::/10 */
		linklocal = (in6.s6_addr32[0] & htonl(0xffc00000)) ==
			    htonl(0xfe800000);
		if (linklocal != !!a->scope_id)
			return -EINVAL;
		return 0;
	}
	return -EINVAL;
}

static bool ipt_table_excl(void)
{
	return test_bit(IPT_TABLE_EXCL_BIT, &ipt_table.flags);
}

/* Is any portal's busy bit set?  Lockless walk; may sleep. */
static bool ipt_any_busy(void)
{
	XA_STATE(xas, &ipt_table.portals, 0);
	struct ipt_portal *p;
	bool busy = false;

	rcu_read_lock();
	xas_for_each(&xas, p, ULONG_MAX) {
		if (xas_retry(&xas, p))
			continue;
		if (atomic64_read(&p->state) & IPT_STATE_BUSY) {
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
 * ADD is committing, or any portal is busy (see "Locking rules").
 */
static int ipt_excl_begin(void)
{
	bool taken;

	mutex_lock(&ipt_table.commit_mutex);
	taken = test_and_set_bit(IPT_TABLE_EXCL_BIT, &ipt_table.flags);
	mutex_unlock(&ipt_table.commit_mutex);
	if (taken)
		return -EBUSY;
	/* Fully ordered after the set bit; pairs with ipt_claim(). */
	if (ipt_any_busy()) {
		clear_bit_unlock(IPT_TABLE_EXCL_BIT, &ipt_table.flags);
		return -EBUSY;
	}
	return 0;
}

static void ipt_excl_end(void)
{
	clear_bit_unlock(IPT_TABLE_EXCL_BIT, &ipt_table.flags);
}

/*
 * Look up a portal under rcu_read_lock().  On a miss, an id at or below the
 * last one issued was removed (EIDRM); anything else was never issued.
 * The hit path reads nothing but the xarray and the portal.
 */
static struct ipt_portal *ipt_lookup(u64 id, int *err)
{
	struct ipt_portal *p;
	u64 last;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "portal lookup outside RCU");

	if (!id) {
		*err = -ENOENT;
		return NULL;
	}
	p = xa_load(&ipt_table.portals, id);
	if (p)
		return p;

	/* Before the second xa_load(); pairs with the release in ipt_add(). */
	last = smp_load_acquire(&ipt_table.last_id);
	p = xa_load(&ipt_table.portals, id);
	if (!p)
		*err = id <= last ? -EIDRM : -ENOENT;
	return p;
}

/* Give the busy bit back without a change. */
static void ipt_unclaim(struct ipt_portal *p, u64 state)
{
	atomic64_set_release(&p->state, state);
}

/*
 * Claim the busy bit of @p (see "Locking rules"), unless a table-wide call
 * runs.  On success *@state is the committed state the caller now owns.
 */
static int ipt_claim(struct ipt_portal *p, u64 *state)
{
	s64 old = atomic64_read(&p->state);

	do {
		if (old & IPT_STATE_DEAD)
			return -EIDRM;
		if (old & IPT_STATE_BUSY)
			return -EBUSY;
		/* Fully ordered: the claim is seen before the table bit is read. */
	} while (!atomic64_try_cmpxchg(&p->state, &old, old | IPT_STATE_BUSY));

	if (ipt_table_excl()) {
		ipt_unclaim(p, old);
		return -EBUSY;
	}
	*state = old;
	return 0;
}

/*
 * Find @id and claim the portal: the common head of SET_STATUS,
 * REPORT_STATUS and REMOVE, errors in contract order (EUCLEAN,
 * ENOENT/EIDRM, EBUSY).  On success the caller owns the busy bit and must
 * end with ipt_commit_status(), ipt_unclaim() or REMOVE's commit.
 */
static struct ipt_portal *ipt_begin(u64 id, u64 *state, int *err)
{
	struct ipt_portal *p;

	*err = ipt_check_corrupt();
	if (*err)
		return NULL;

	rcu_read_lock();
	p = ipt_lookup(id, err);
	if (p) {
		*err = ipt_claim(p, state);
		if (*err)
			p = NULL;
	}
	rcu_read_unlock();
	return p;
}

/*
 * Caller holds commit_mutex and has made its change visible.  Returns the
 * table generation of the change.
 */
static u64 ipt_bump_generation(void)
{
	lockdep_assert_held(&ipt_table.commit_mutex);
	return atomic64_inc_return_release(&ipt_table.generation);
}

/* Commit a status change of a claimed portal; gives the busy bit back. */
static void ipt_commit_status(struct ipt_portal *p, u64 state, u32 status)
{
	u32 old = ipt_state_status(state);
	u64 id = p->id;		/* read while the busy bit pins @p */
	u64 seq;

	if (status == old) {
		ipt_unclaim(p, state);
		return;
	}

	mutex_lock(&ipt_table.commit_mutex);
	atomic64_set_release(&p->state,
			     ipt_state_make(status, ipt_state_gen(state) + 1));
	seq = ipt_bump_generation();
	ipt_events_post(seq, id, ISCSI_PORTAL_EVENT_MODIFY, old, status);
	mutex_unlock(&ipt_table.commit_mutex);
}

static void ipt_fill_info(const struct ipt_portal *p, u64 state,
			  struct iscsi_portal_info *info)
{
	info->id = p->id;
	info->addr = p->addr;
	info->status = ipt_state_status(state);
	info->flags = ipt_state_flags(state);
	info->generation = ipt_state_gen(state);
}

/*
 * The commit of an ADD, under commit_mutex, errors in contract order:
 * EEXIST, ENOSPC, EBUSY.  An xarray node that cannot be had without
 * sleeping is ENOMEM here; ipt_add() then allocates one outside the mutex
 * and tries again.  On error nothing of @p is left in the table.
 */
static int ipt_add_locked(struct ipt_portal *p, u32 status,
			  struct xa_state *xas)
{
	u64 seq;
	int err;

	lockdep_assert_held(&ipt_table.commit_mutex);

	err = rhashtable_lookup_insert_fast(&ipt_table.by_addr, &p->node,
					    ipt_addr_params);
	if (err)
		return err == -EEXIST ? -EEXIST : -ENOMEM;

	if (ipt_table.count >= ipt_max_portals)
		err = -ENOSPC;
	else if (ipt_table_excl())	/* set under this mutex */
		err = -EBUSY;
	if (err)
		goto unhash;

	p->id = ipt_table.last_id + 1;
	xas_set(xas, p->id);
	xas_lock(xas);
	xas_store(xas, p);
	xas_unlock(xas);
	err = xas_error(xas);
	if (err)
		goto unhash;

	/* After the insert; pairs with ipt_lookup(). */
	smp_store_release(&ipt_table.last_id, p->id);
	WRITE_ONCE(ipt_table.count, ipt_table.count + 1);
	seq = ipt_bump_generation();
	ipt_events_post(seq, p->id, ISCSI_PORTAL_EVENT_ARRIVE,
			ISCSI_PORTAL_STATUS_UNKNOWN, status);
	return 0;

unhash:
	rhashtable_remove_fast(&ipt_table.by_addr, &p->node, ipt_addr_params);
	return err;
}

int ipt_add(const struct iscsi_portal_addr *addr, u32 status, u64 *id)
{
	XA_STATE(xas, &ipt_table.portals, 0);
	struct ipt_portal *p;
	int err;

	if (!ipt_status_valid(status) || ipt_addr_check(addr))
		return -EINVAL;
	err = ipt_check_corrupt();
	if (err)
		return err;

	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return -ENOMEM;
	p->addr = *addr;
	atomic64_set(&p->state, ipt_state_make(status, 0));

	do {
		mutex_lock(&ipt_table.commit_mutex);
		err = ipt_add_locked(p, status, &xas);
		if (!err)
			*id = p->id;	/* REMOVE frees @p only after our unlock */
		mutex_unlock(&ipt_table.commit_mutex);
		/*
		 * Only the xarray's own ENOMEM is retried, with a node
		 * allocated here, outside the mutex; when there is none to
		 * retry, xas_nomem() frees a node it got but we did not use.
		 */
	} while (xas_nomem(&xas, GFP_KERNEL_ACCOUNT));

	if (err)
		kfree_rcu(p, rcu);	/* the hash's walkers may still see it */
	return err;
}

int ipt_remove(u64 id)
{
	struct ipt_portal *p;
	u64 state, seq;
	int err;

	p = ipt_begin(id, &state, &err);
	if (!p)
		return err;

	mutex_lock(&ipt_table.commit_mutex);
	atomic64_set_release(&p->state, state | IPT_STATE_DEAD);
	xa_erase(&ipt_table.portals, p->id);
	rhashtable_remove_fast(&ipt_table.by_addr, &p->node, ipt_addr_params);
	WRITE_ONCE(ipt_table.count, ipt_table.count - 1);
	seq = ipt_bump_generation();
	ipt_events_post(seq, p->id, ISCSI_PORTAL_EVENT_DEPART,
			ipt_state_status(state), ISCSI_PORTAL_STATUS_UNKNOWN);
	mutex_unlock(&ipt_table.commit_mutex);

	kfree_rcu(p, rcu);
	return 0;
}

/*
 * Read one portal's state, and its whole info when @info is not NULL:
 * lockless, never EBUSY.
 */
static int ipt_read(u64 id, u64 *state, struct iscsi_portal_info *info)
{
	struct ipt_portal *p;
	int err;

	err = ipt_check_corrupt();
	if (err)
		return err;

	rcu_read_lock();
	p = ipt_lookup(id, &err);
	if (p) {
		*state = atomic64_read(&p->state);
		if (*state & IPT_STATE_DEAD)
			err = -EIDRM;
		else if (info)
			ipt_fill_info(p, *state, info);
	}
	rcu_read_unlock();
	return err;
}

int ipt_get_info(u64 id, struct iscsi_portal_info *info)
{
	u64 state;

	return ipt_read(id, &state, info);
}

int ipt_get_status(u64 id, struct iscsi_portal_status_arg *arg)
{
	u64 state;
	int err;

	err = ipt_read(id, &state, NULL);
	if (err)
		return err;
	arg->status = ipt_state_status(state);
	arg->flags = ipt_state_flags(state);
	return 0;
}

/*
 * SET_STATUS: the administrator's call.  Only ONLINE and OFFLINE may be
 * set; the other statuses are the provider's (EOPNOTSUPP).  The busy window
 * is held open for set_delay_ms (a debugfs test knob) outside any lock.
 */
int ipt_set_status(u64 id, u32 status)
{
	struct ipt_portal *p;
	unsigned int delay;
	u64 state;
	int err;

	if (status != ISCSI_PORTAL_STATUS_ONLINE &&
	    status != ISCSI_PORTAL_STATUS_OFFLINE)
		return ipt_status_valid(status) ? -EOPNOTSUPP : -EINVAL;

	p = ipt_begin(id, &state, &err);
	if (!p)
		return err;

	/* A test knob: the window is deterministic, a signal does not end it. */
	delay = READ_ONCE(ipt_set_delay_ms);
	if (delay)
		msleep(delay);

	ipt_commit_status(p, state, status);
	return 0;
}

/* REPORT_STATUS: the provider's path; any status, never delayed. */
int ipt_report_status(u64 id, u32 status)
{
	struct ipt_portal *p;
	u64 state;
	int err;

	if (!ipt_status_valid(status))
		return -EINVAL;

	p = ipt_begin(id, &state, &err);
	if (!p)
		return err;

	ipt_commit_status(p, state, status);
	return 0;
}

/*
 * Copy up to @max portals with ids >= *@cursor into @buf under RCU.
 * Returns how many; *@cursor becomes the id after the last one copied.
 */
static unsigned int ipt_list_batch(struct iscsi_portal_info *buf,
				   unsigned int max, u64 *cursor)
{
	XA_STATE(xas, &ipt_table.portals, *cursor);
	struct ipt_portal *p;
	unsigned int n = 0;
	u64 state;

	rcu_read_lock();
	xas_for_each(&xas, p, ULONG_MAX) {
		if (xas_retry(&xas, p))
			continue;
		state = atomic64_read(&p->state);
		/*
		 * Erased in the same commit that marked it: skipping it does
		 * not make the walk unbounded.
		 */
		if (state & IPT_STATE_DEAD)
			continue;
		ipt_fill_info(p, state, &buf[n]);
		*cursor = p->id + 1;
		if (++n == max)
			break;
	}
	rcu_read_unlock();
	return n;
}

static bool ipt_any_from(u64 id)
{
	unsigned long index = id;

	return xa_find(&ipt_table.portals, &index, ULONG_MAX, XA_PRESENT);
}

/*
 * LIST: fill at most min(capacity, IPT_LIST_MAX) infos in ascending id
 * order.  The table generation is sampled (acquire) before the walk: every
 * change up to it is reflected, later ones may be.
 */
int ipt_list(struct iscsi_portal_list *list,
	     struct iscsi_portal_info __user *entries)
{
	struct iscsi_portal_info buf[IPT_LIST_BATCH];
	u32 want = min_t(u32, list->capacity, IPT_LIST_MAX);
	u64 cursor = max_t(u64, list->cursor, 1);
	unsigned int ask, n, filled = 0;
	int err;

	err = ipt_check_corrupt();
	if (err)
		return err;

	list->table_generation = atomic64_read_acquire(&ipt_table.generation);
	while (filled < want) {
		ask = min_t(u32, want - filled, IPT_LIST_BATCH);
		n = ipt_list_batch(buf, ask, &cursor);
		if (copy_to_user(entries + filled, buf, n * sizeof(buf[0])))
			return -EFAULT;
		filled += n;
		if (n < ask) {
			cursor = 0;	/* walked to the end */
			break;
		}
		cond_resched();
	}
	if (cursor && !ipt_any_from(cursor))
		cursor = 0;
	list->count = filled;
	list->cursor = cursor;
	return 0;
}

void ipt_version(struct iscsi_portal_version *ver)
{
	memset(ver, 0, sizeof(*ver));
	ver->api_version = ISCSI_PORTAL_API_VERSION;
	ver->flags = ipt_is_corrupt() ? ISCSI_PORTAL_TABLE_CORRUPT : 0;
	ver->portal_count = READ_ONCE(ipt_table.count);
	ver->table_generation = atomic64_read_acquire(&ipt_table.generation);
}

/*
 * Hold a table-wide call's window open for table_delay_ms (a debugfs test
 * knob), outside any lock.  Providers will do their work here.  The window
 * is not cut short by a signal: a REENUMERATE that returns 0 has done all
 * of its work.
 */
static void ipt_table_window(void)
{
	unsigned int delay = READ_ONCE(ipt_table_delay_ms);

	if (delay)
		msleep(delay);
}

/* Process context (spinlock_t sleeps on PREEMPT_RT). */
void ipt_mark_corrupt(void)
{
	spin_lock(&ipt_table.corrupt_lock);
	ipt_table.corrupt_seq++;
	set_bit(IPT_TABLE_CORRUPT_BIT, &ipt_table.flags);
	spin_unlock(&ipt_table.corrupt_lock);
}

/*
 * REENUMERATE: rebuild the table from its providers.  It records which
 * corruption mark it started after; only a REFRESH that follows a
 * REENUMERATE started after the latest mark clears the mark.
 */
int ipt_reenumerate(void)
{
	u64 seq;
	int err;

	/*
	 * The call starts here: a mark that comes after this point, even
	 * while ipt_excl_begin() is still looking at the busy bits, is not
	 * covered by this REENUMERATE.
	 */
	spin_lock(&ipt_table.corrupt_lock);
	seq = ipt_table.corrupt_seq;
	spin_unlock(&ipt_table.corrupt_lock);

	err = ipt_excl_begin();
	if (err)
		return err;

	ipt_table_window();

	spin_lock(&ipt_table.corrupt_lock);
	ipt_table.reenum_seq = seq;
	spin_unlock(&ipt_table.corrupt_lock);

	ipt_excl_end();
	return 0;
}

static bool ipt_refresh_allowed(void)
{
	lockdep_assert_held(&ipt_table.corrupt_lock);
	return !ipt_is_corrupt() ||
	       ipt_table.reenum_seq == ipt_table.corrupt_seq;
}

/* REFRESH: re-read every status; clears the corrupt mark (see above). */
int ipt_refresh(void)
{
	bool allowed;
	int err;

	spin_lock(&ipt_table.corrupt_lock);
	allowed = ipt_refresh_allowed();
	spin_unlock(&ipt_table.corrupt_lock);
	if (!allowed)
		return -EUCLEAN;

	err = ipt_excl_begin();
	if (err)
		return err;

	ipt_table_window();

	/* A mark that came after our check stays: we complete normally. */
	spin_lock(&ipt_table.corrupt_lock);
	if (ipt_refresh_allowed())
		clear_bit(IPT_TABLE_CORRUPT_BIT, &ipt_table.flags);
	spin_unlock(&ipt_table.corrupt_lock);

	ipt_excl_end();
	return 0;
}

int ipt_table_init(void)
{
	xa_init_flags(&ipt_table.portals, XA_FLAGS_ACCOUNT);
	mutex_init(&ipt_table.commit_mutex);
	spin_lock_init(&ipt_table.corrupt_lock);
	atomic64_set(&ipt_table.generation, 0);
	return rhashtable_init(&ipt_table.by_addr, &ipt_addr_params);
}

static void ipt_portal_free(void *ptr, void *arg)
{
	kfree(ptr);
}

/*
 * No fd is open any more (module refcount), so no call runs.  The hash may
 * still have a deferred resize queued: rhashtable_free_and_destroy()
 * cancels it before it frees the portals, which are all in the hash.
 */
void ipt_table_exit(void)
{
	rhashtable_free_and_destroy(&ipt_table.by_addr, ipt_portal_free, NULL);
	xa_destroy(&ipt_table.portals);
}

void ipt_commit_lock(void)
{
	mutex_lock(&ipt_table.commit_mutex);
}

void ipt_commit_unlock(void)
{
	mutex_unlock(&ipt_table.commit_mutex);
}

void ipt_commit_assert_held(void)
{
	lockdep_assert_held(&ipt_table.commit_mutex);
}
