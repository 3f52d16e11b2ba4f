// SPDX-License-Identifier: GPL-2.0
/*
 * iscsi_portal: the portal table.
 *
 * Locking rules
 * =============
 *
 * Readers (GET_STATUS, GET_INFO, LIST, VERSION) take no lock and write no
 * shared memory: they find a portal's state (four bits, ipt.h) in the id
 * table (below) under rcu_read_lock_sched() and read its status and marks
 * with one load.  They never wait for a mutating call and never fail with
 * EBUSY.
 *
 * A portal's state (ipt_states.word[])
 *	Changed only by the owner of IPT_STATE_BUSY, and by ADD (under
 *	commit_mutex) while the slot is free.  Eight portals share a
 *	32-bit word, four bits each.  The busy bit is claimed with a cmpxchg
 *	of the word that leaves the other portals' bits as they are (the way
 *	lib/cmpxchg-emu.c gives byte cmpxchg to any arch); the owner, which
 *	knows its bits, changes them with an atomic XOR that leaves the others
 *	alone.  A neighbour's cmpxchg that raced with either fails and
 *	retries: a neighbour costs a retry, never a lost change.  A
 *	mutating call on one portal (SET_STATUS, REPORT_STATUS, REMOVE)
 *	claims the busy bit with a fully ordered cmpxchg; if the bit is
 *	already set it fails with EBUSY at once, if the portal is dead with
 *	EIDRM.  The owner may sleep while it holds the bit (it is a mark,
 *	not a lock anyone waits on) and gives it back with the release XOR
 *	that commits the new state.  Holding the bit also pins the portal:
 *	its memory goes only with its chunk, after every portal of the chunk
 *	was removed, and REMOVE needs the bit, so the owner may leave the RCU
 *	read section during its window.
 *
 * A portal's generation sequence (ipt_seqs.seq[])
 *	Twice the portal's generation, odd while a commit stores a new
 *	status: written only by the owner of the busy bit under
 *	commit_mutex, with preemption disabled from the odd store to the even
 *	one (ipt_commit_status()).  GET_INFO and LIST read the state between
 *	two loads of it and retry until both are the same even value
 *	(ipt_snapshot()), so status and generation are of one moment; the
 *	most a reader can spin for is one atomic XOR, never a busy window or
 *	a sleeping writer.  GET_STATUS does not read it.
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
 *	Serialises commits: the change of a portal's state, the growth and
 *	the pruning of the id table, insertion into and removal from the
 *	address hash, the portal count, last_id, the table generation and the
 *	queueing of the change's event to every watcher, so that events leave
 *	in commit order with consecutive sequence numbers.  It is held only for
 *	that step: never across a busy window, a user copy or a sleeping
 *	allocation (ADD allocates table pieces after dropping it and tries
 *	again).  It is a mutex so that event queueing runs outside any
 *	spinlock.  Readers never take it.
 *
 * ipt_table.top, struct ipt_mid, ipt_states, ipt_seqs, ipt_entries
 * (the id table)
 *	Ids are dense and never reused, so a portal lives at the place its id
 *	names.  A chunk of 256 ids is three blocks: the states, which are
 *	all a GET_STATUS reads (128 bytes, so the states of a million portals
 *	take 512 KiB on 128 pages), the generation sequences (2 KiB),
 *	which GET_INFO, LIST and status commits touch, and the entries
 *	(address and hash node, 8 KiB), which ADD, REMOVE, GET_INFO and LIST
 *	touch.  A mid holds the block pointers of 128 chunks (32,768 ids),
 *	the top array the mids.  A status lookup is three dependent loads with
 *	no call and no lock.  Pieces are published with rcu_assign_pointer()
 *	and changed only under commit_mutex; a chunk's entries and sequences
 *	are published before its states and the three go together.  A chunk
 *	is pruned once all of its ids were issued and every portal in it was
 *	removed, a mid once its chunks are all gone; the top array is
 *	replaced by a longer copy when ids outgrow it.  Each retired piece is
 *	freed with kvfree_rcu_mightsleep() after the mutex is dropped.  A
 *	reader that saw a portal live may find its entries or sequences
 *	already pruned (the portal was removed since): it reports the portal
 *	removed.  Readers use rcu_read_lock_sched(): since v4.20 a grace
 *	period also waits for preemption-disabled sections, and
 *	preempt_disable() is inline where rcu_read_lock() is a function call
 *	(PREEMPT_RCU).  A slot is free (IPT_STATE_FREE), holds a portal (a
 *	live state, set by the release XOR that publishes the portal) or a
 *	removed one (IPT_STATE_DEAD).  A slot holds one portal in its life,
 *	since its id is issued once; a failed ADD leaves it free (and its
 *	sequence 0) for the next ADD.
 *
 * ipt_table.by_addr (rhashtable)
 *	address -> portal, used only to refuse a second ADD of one address.
 *	Looked up, inserted into and removed from under commit_mutex only,
 *	together with the id table, so an address is taken exactly while its
 *	portal is in the table.  A removed portal's entry goes with its chunk.
 *
 * ipt_table.last_id, .count, .generation
 *	Written under commit_mutex; read locklessly.  last_id is published
 *	with a release store after the portal's live state, so a reader that
 *	loads it (acquire) before a second lookup tells EIDRM (issued, now
 *	gone) from ENOENT (never issued) without tombstones.  The generation
 *	is bumped (release) after the change it counts is visible, so a reader
 *	that samples it (acquire) before a walk sees every change up to it;
 *	the one commit in progress, if any, may be seen too.
 *
 * ipt_table.corrupt_lock (spinlock)
 *	Protects corrupt_seq and reenum_seq; IPT_TABLE_CORRUPT in .flags is
 *	set and cleared under it and tested locklessly on the fast paths.
 *
 * Lock order: commit_mutex is taken first; under it the rhashtable bucket
 * locks and each watcher's queue lock (events.c) are
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
#include <linux/nospec.h>
#include <linux/overflow.h>
#include <linux/rhashtable.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <net/ipv6.h>

#include "addr_check.h"
#include "ipt.h"
#include "events.h"

/* ipt_table.flags */
#define IPT_TABLE_CORRUPT_BIT	0
#define IPT_TABLE_EXCL_BIT	1

/* LIST: portals copied per RCU section, and per call at most. */
#define IPT_LIST_BATCH		16
#define IPT_LIST_MAX		1024

/* The id table (see "Locking rules"): 256 ids a chunk, 128 chunks a mid. */
#define IPT_CHUNK_BITS		8
#define IPT_CHUNK_SIZE		BIT(IPT_CHUNK_BITS)
#define IPT_MID_BITS		7
#define IPT_MID_SIZE		BIT(IPT_MID_BITS)
#define IPT_MID_SHIFT		(IPT_CHUNK_BITS + IPT_MID_BITS)	/* ids a mid */
#define IPT_TOP_MIN		1	/* mids of the first top array */

/*
 * A chunk's states (ipt.h), eight to a word: all a GET_STATUS reads.  Id
 * i's state is bits 4 * (i % 8) to 4 * (i % 8) + 3 of word i / 8
 * (ipt_state_of()): arithmetic on the word, the same on either byte order.
 */
#define IPT_WORD_IDS		(32 / IPT_STATE_BITS)

struct ipt_states {
	atomic_t word[IPT_CHUNK_SIZE / IPT_WORD_IDS];
};

/* A chunk's generation sequences (see "Locking rules"). */
struct ipt_seqs {
	u64 seq[IPT_CHUNK_SIZE];
};

/*
 * A portal's address and its node in ipt_table.by_addr, both written
 * before the release XOR that makes the portal live.
 */
struct ipt_entry {
	struct rhash_head node;
	struct iscsi_portal_addr addr;
};

struct ipt_entries {
	struct ipt_entry entry[IPT_CHUNK_SIZE];
};

/* A chunk's three blocks are all present or all missing. */
struct ipt_mid {
	struct ipt_states __rcu *states[IPT_MID_SIZE];
	struct ipt_seqs __rcu *seqs[IPT_MID_SIZE];
	struct ipt_entries __rcu *entries[IPT_MID_SIZE];
};

struct ipt_top {
	unsigned long len;
	struct ipt_mid __rcu *mid[] __counted_by(len);
};

/*
 * Power-of-two sizes: kmalloc() serves each chunk block from a slab cache
 * without waste (kmalloc-8k, order 1, is the largest), and the states of
 * thirty-two chunks share a page.  A mid (kmalloc-4k) leaves 1 KiB unused
 * per 32,768 ids.
 */
static_assert(sizeof(struct ipt_states) == 128);
static_assert(sizeof(struct ipt_seqs) == 2048);
static_assert(sizeof(struct ipt_entry) == 32);
static_assert(sizeof(struct ipt_entries) == 8192);
static_assert(sizeof(struct ipt_mid) == 3072);

/*
 * Table pieces an ADD allocates outside commit_mutex for the slot it needs,
 * and the pieces it or a REMOVE retired, to free once the mutex is dropped.
 */
enum ipt_need { IPT_NEED_TOP = 1, IPT_NEED_MID, IPT_NEED_CHUNK };

struct ipt_pieces {
	struct ipt_top *top;
	struct ipt_mid *mid;
	struct ipt_states *states;	/* with @seqs and @entries: a chunk */
	struct ipt_seqs *seqs;
	struct ipt_entries *entries;
	enum ipt_need need;		/* the piece ipt_make_slot() lacked */
	unsigned long top_len;		/* with IPT_NEED_TOP: the length */
	void *retired[4];
};

static struct {
	/*
	 * Read by every call; written by ADD, REMOVE, corruption marks and
	 * table-wide calls only.
	 */
	struct ipt_top __rcu *top;
	unsigned long flags;
	u64 last_id;

	/* Written by mutating calls: kept off the readers' cache line. */
	u64 generation ____cacheline_aligned_in_smp;
	unsigned int count;
	struct mutex commit_mutex;	/* see "Locking rules" */
	struct rhashtable by_addr;

	spinlock_t corrupt_lock;	/* corrupt_seq, reenum_seq, CORRUPT */
	u64 corrupt_seq;		/* corruption marks so far */
	u64 reenum_seq;			/* corrupt_seq when the last REENUMERATE started */
} ipt_table;

static const struct rhashtable_params ipt_addr_params = {
	.key_len		= sizeof(struct iscsi_portal_addr),
	.key_offset		= offsetof(struct ipt_entry, addr),
	.head_offset		= offsetof(struct ipt_entry, node),
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

static bool ipt_table_excl(void)
{
	return test_bit(IPT_TABLE_EXCL_BIT, &ipt_table.flags);
}

/*
 * A piece of the id table, read in a reader's RCU section or under
 * commit_mutex (see "Locking rules").
 */
#define ipt_deref(ptr)							\
	rcu_dereference_check(ptr, rcu_read_lock_sched_held() ||	\
			      lockdep_is_held(&ipt_table.commit_mutex))
#define ipt_locked(ptr)							\
	rcu_dereference_protected(ptr,					\
				  lockdep_is_held(&ipt_table.commit_mutex))

static unsigned int ipt_mid_index(u64 id)
{
	return (id >> IPT_CHUNK_BITS) & (IPT_MID_SIZE - 1);
}

static unsigned int ipt_chunk_index(u64 id)
{
	return id & (IPT_CHUNK_SIZE - 1);
}

/*
 * The mid of @id, or NULL when it is not in the table.  @id comes from the
 * caller, so the top index is clamped under speculation too.  The lookup
 * helpers are always inlined: a reader's hit path is one function without
 * calls.
 */
static __always_inline struct ipt_mid *ipt_mid_of(u64 id)
{
	const struct ipt_top *top = ipt_deref(ipt_table.top);
	u64 m = id >> IPT_MID_SHIFT;

	if (m >= top->len)
		return NULL;
	return ipt_deref(top->mid[array_index_nospec(m, top->len)]);
}

/* The word of @st, @id's chunk, that holds @id's state. */
static __always_inline atomic_t *ipt_word(struct ipt_states *st, u64 id)
{
	return &st->word[ipt_chunk_index(id) / IPT_WORD_IDS];
}

/*
 * The word that holds the state of @id's slot, or NULL when its chunk is
 * not in the table: three dependent loads, no call.
 */
static __always_inline atomic_t *ipt_slot(u64 id)
{
	struct ipt_mid *mid = ipt_mid_of(id);
	struct ipt_states *st;

	if (!mid)
		return NULL;
	st = ipt_deref(mid->states[ipt_mid_index(id)]);
	if (!st)
		return NULL;
	return ipt_word(st, id);
}

static __always_inline unsigned int ipt_state_shift(u64 id)
{
	return (id % IPT_WORD_IDS) * IPT_STATE_BITS;
}

/* @id's state in @word, a value of the word ipt_slot() gave. */
static __always_inline u8 ipt_state_of(int word, u64 id)
{
	return ((u32)word >> ipt_state_shift(id)) & IPT_STATE_MASK;
}

/* @word with @id's state replaced by @state. */
static __always_inline int ipt_state_put(int word, u64 id, u8 state)
{
	unsigned int shift = ipt_state_shift(id);

	return ((u32)word & ~(IPT_STATE_MASK << shift)) | ((u32)state << shift);
}

/*
 * Change @id's state in @w from @old to @new, with (at least) release
 * ordering: what the caller wrote before is seen before the new state.
 * The caller owns the state (it holds its busy bit, or commit_mutex while
 * the slot is free), so @old is what @w holds for @id, which the warning
 * checks.  One atomic XOR turns those four bits from @old to @new and
 * leaves the others alone; a neighbour's cmpxchg of the word that raced
 * with it fails and retries.  atomic_xor() returns nothing, so it is a
 * single locked instruction where the fetch variants are a cmpxchg loop
 * (x86): the owner never retries against its neighbours, and a reader
 * spinning on the odd sequence waits for one instruction.
 */
static __always_inline void ipt_state_change(atomic_t *w, u64 id, u8 old,
					     u8 new)
{
	WARN_ON_ONCE(ipt_state_of(atomic_read(w), id) != old);
	/* Orders the caller's earlier stores before the XOR (release). */
	smp_mb__before_atomic();
	atomic_xor((u32)(old ^ new) << ipt_state_shift(id), w);
}

/*
 * The entry of @id, and in *@seq its generation sequence, when the caller
 * saw it live (in this RCU section, or it holds commit_mutex or the
 * portal's busy bit).  NULL when the chunk has been pruned since: the
 * portal was removed.
 */
static struct ipt_entry *ipt_cold(u64 id, u64 **seq)
{
	struct ipt_mid *mid = ipt_mid_of(id);
	unsigned int ci = ipt_mid_index(id);
	struct ipt_entries *en;
	struct ipt_seqs *sq;

	if (!mid)
		return NULL;
	en = ipt_deref(mid->entries[ci]);
	sq = ipt_deref(mid->seqs[ci]);
	if (!en || !sq)
		return NULL;
	*seq = &sq->seq[ipt_chunk_index(id)];
	return &en->entry[ipt_chunk_index(id)];
}

/*
 * The word of the first portal (removed ones skipped) with an id >= *@id,
 * and its state in *@state (read with acquire: its entry is seen); *@id
 * becomes its id.  NULL when there is none.  A reader's RCU section or
 * commit_mutex; the walk skips a missing mid or chunk at once, so it looks
 * at most at 255 removed portals per portal it finds.
 */
static atomic_t *ipt_next(u64 *id, u8 *state)
{
	const struct ipt_top *top = ipt_deref(ipt_table.top);
	struct ipt_states *st;
	struct ipt_mid *mid;
	atomic_t *w;
	u64 i = *id;

	while ((i >> IPT_MID_SHIFT) < top->len) {
		/* *@id may be a LIST cursor: clamped like ipt_mid_of()'s */
		mid = ipt_deref(top->mid[array_index_nospec(i >> IPT_MID_SHIFT,
							    top->len)]);
		if (!mid) {
			i = (i | (BIT_ULL(IPT_MID_SHIFT) - 1)) + 1;
			continue;
		}
		st = ipt_deref(mid->states[ipt_mid_index(i)]);
		if (!st) {
			i = (i | (IPT_CHUNK_SIZE - 1)) + 1;
			continue;
		}
		w = ipt_word(st, i);
		*state = ipt_state_of(atomic_read_acquire(w), i);
		if (ipt_state_present(*state)) {
			*id = i;
			return w;
		}
		i++;
	}
	return NULL;
}

/* Is any portal's busy bit set?  Lockless walk; may sleep. */
static bool ipt_any_busy(void)
{
	bool busy = false;
	u64 id = 1;
	u8 state;

	rcu_read_lock_sched();
	while (ipt_next(&id, &state)) {
		if (state & IPT_STATE_BUSY) {
			busy = true;
			break;
		}
		id++;
		if (need_resched()) {
			rcu_read_unlock_sched();
			cond_resched();
			rcu_read_lock_sched();
		}
	}
	rcu_read_unlock_sched();
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
 * The word that holds the state of @id's portal, removed or not, and
 * its state, read with acquire (pairs with the release that made it live:
 * its entry is seen).  NULL when the slot is missing or free.
 */
static __always_inline atomic_t *ipt_find(u64 id, u8 *state)
{
	atomic_t *w = ipt_slot(id);

	if (!w)
		return NULL;
	*state = ipt_state_of(atomic_read_acquire(w), id);
	return *state != IPT_STATE_FREE ? w : NULL;
}

/*
 * A miss of ipt_lookup(): an id at or below the last one issued was
 * removed and its chunk pruned (EIDRM); anything else was never issued
 * (ENOENT).
 */
static noinline atomic_t *ipt_lookup_miss(u64 id, u8 *state, int *err)
{
	atomic_t *w;
	u64 last;

	/* Before the second lookup; pairs with the release in ADD. */
	last = smp_load_acquire(&ipt_table.last_id);
	w = ipt_find(id, state);
	if (!w)
		*err = id && id <= last ? -EIDRM : -ENOENT;
	return w;
}

/*
 * Look up a portal in a reader's RCU section; callers check
 * IPT_STATE_DEAD in *@state.  The hit path reads nothing but the id table.
 */
static __always_inline atomic_t *ipt_lookup(u64 id, u8 *state, int *err)
{
	atomic_t *w = ipt_find(id, state);

	if (likely(w))
		return w;
	return ipt_lookup_miss(id, state, err);
}

/* Give the busy bit of claimed @state back without a change. */
static __always_inline void ipt_unclaim(atomic_t *w, u64 id, u8 state)
{
	ipt_state_change(w, id, state | IPT_STATE_BUSY, state);
}

/*
 * Claim the busy bit of @id's state in @w (see "Locking rules"), unless a
 * table-wide call runs.  On success *@state is the committed state the
 * caller now owns.
 */
static __always_inline int ipt_claim(atomic_t *w, u64 id, u8 *state)
{
	int old = atomic_read(w);
	u8 s;

	do {
		s = ipt_state_of(old, id);
		if (ipt_state_dead(s))
			return -EIDRM;
		if (s & IPT_STATE_BUSY)
			return -EBUSY;
		/* Fully ordered: the claim is seen before the table bit is read. */
	} while (!atomic_try_cmpxchg(w, &old,
				     ipt_state_put(old, id, s | IPT_STATE_BUSY)));

	if (ipt_table_excl()) {
		ipt_unclaim(w, id, s);
		return -EBUSY;
	}
	*state = s;
	return 0;
}

/*
 * The generation sequence of @id, whose busy bit the caller claimed in
 * this RCU section.  Its chunk's blocks were published before the ADD's
 * release XOR that made the portal live, and the caller's acquire load and
 * fully ordered claim read that XOR or a later change of the word: the
 * seqs pointer is seen.  They stay while the bit is held.  Three dependent
 * loads, no call.
 */
static __always_inline u64 *ipt_seq_of(u64 id)
{
	struct ipt_seqs *sq;

	sq = ipt_deref(ipt_mid_of(id)->seqs[ipt_mid_index(id)]);
	return &sq->seq[ipt_chunk_index(id)];
}

/*
 * Find @id and claim the portal: the common head of SET_STATUS,
 * REPORT_STATUS and REMOVE, errors in contract order (EUCLEAN,
 * ENOENT/EIDRM, EBUSY).  On success the caller owns the busy bit and must
 * end with ipt_commit_status(), ipt_unclaim() or REMOVE's commit; *@seqp,
 * unless @seqp is NULL, is the portal's generation sequence, for
 * ipt_commit_status().
 */
static __always_inline atomic_t *ipt_begin(u64 id, u8 *state, u64 **seqp,
					   int *err)
{
	atomic_t *w;

	*err = ipt_check_corrupt();
	if (*err)
		return NULL;

	rcu_read_lock_sched();
	w = ipt_lookup(id, state, err);
	if (w) {
		*err = ipt_claim(w, id, state);
		if (*err)
			w = NULL;
		else if (seqp)
			*seqp = ipt_seq_of(id);
	}
	rcu_read_unlock_sched();
	return w;
}

/*
 * Caller holds commit_mutex, which serialises the writers, and has made
 * its change visible: a plain increment published with release.  Returns
 * the table generation of the change.
 */
static u64 ipt_bump_generation(void)
{
	u64 gen = ipt_table.generation + 1;

	lockdep_assert_held(&ipt_table.commit_mutex);
	/* Pairs with the acquire in ipt_read_generation(). */
	smp_store_release(&ipt_table.generation, gen);
	return gen;
}

/* Every change up to the value returned is seen after it. */
static u64 ipt_read_generation(void)
{
	/* Pairs with the release in ipt_bump_generation(). */
	return smp_load_acquire(&ipt_table.generation);
}

/*
 * Commit a status change of a claimed portal whose generation sequence is
 * @seqp (from ipt_begin()); gives the busy bit back.  Inlined, like
 * ipt_begin(), into SET_STATUS and REPORT_STATUS.  The sequence is odd
 * from before the new state is stored (the release of the XOR orders
 * it) until after (the release of the even store): a reader that saw
 * either end of the change sees the sequence move.  Preemption stays off
 * in between, so no reader ever spins on a writer that is not running.
 */
static __always_inline void ipt_commit_status(atomic_t *w, u64 *seqp,
					      u64 id, u8 state, u32 status)
{
	u32 old = ipt_state_status(state);
	u64 tgen, seq;

	if (status == old) {
		ipt_unclaim(w, id, state);
		return;
	}

	mutex_lock(&ipt_table.commit_mutex);
	seq = *seqp;	/* only we write it */
	preempt_disable();
	WRITE_ONCE(*seqp, seq + 1);
	/* Release: the odd sequence is seen before the new state. */
	ipt_state_change(w, id, state | IPT_STATE_BUSY, ipt_state_make(status));
	/* The new state is seen before the even sequence. */
	smp_store_release(seqp, seq + 2);
	preempt_enable();
	tgen = ipt_bump_generation();
	ipt_events_post(tgen, id, ISCSI_PORTAL_EVENT_MODIFY, old, status);
	mutex_unlock(&ipt_table.commit_mutex);
}

/*
 * The state of a present portal and its generation, of one moment (see
 * "Locking rules").  A reader's RCU section.
 */
static u8 ipt_snapshot(atomic_t *w, u64 id, const u64 *seqp, u64 *gen)
{
	u64 seq;
	u8 state;

	for (;;) {
		/* Pairs with the even store: its state is seen. */
		seq = smp_load_acquire(seqp);
		if (seq & 1) {
			cpu_relax();
			continue;
		}
		state = ipt_state_of(atomic_read(w), id);
		/*
		 * The state before the second look; pairs with the release
		 * that orders the odd store before the state's change.
		 */
		smp_rmb();
		if (READ_ONCE(*seqp) == seq)
			break;
	}
	*gen = seq >> 1;
	return state;
}

/*
 * Fill @info for @id, whose state is in @w and which the caller saw
 * present in this RCU section.  -EIDRM when it has been removed since.
 */
static int ipt_fill_info(u64 id, atomic_t *w, struct iscsi_portal_info *info)
{
	const struct ipt_entry *e;
	u64 *seqp, gen;
	u8 state;

	e = ipt_cold(id, &seqp);
	if (!e)
		return -EIDRM;	/* removed and pruned since */
	state = ipt_snapshot(w, id, seqp, &gen);
	if (ipt_state_dead(state))
		return -EIDRM;
	info->id = id;
	info->addr = e->addr;
	info->status = ipt_state_status(state);
	info->flags = ipt_state_flags(state);
	info->generation = gen;
	return 0;
}

/*
 * Under commit_mutex: the word of @id's state and its entry in *@e,
 * with the table pieces they lack installed from @pc.  NULL when a piece
 * is missing and @pc has none: @pc->need then says which, for the caller
 * to allocate without the mutex.
 */
static atomic_t *ipt_make_slot(u64 id, struct ipt_pieces *pc,
			       struct ipt_entry **e)
{
	struct ipt_top *top = ipt_locked(ipt_table.top);
	unsigned int ci = ipt_mid_index(id);
	u64 m = id >> IPT_MID_SHIFT;
	struct ipt_entries *en;
	struct ipt_states *st;
	struct ipt_mid *mid;
	unsigned long i;

	if (m >= top->len) {
		if (!pc->top || pc->top->len <= m) {
			pc->need = IPT_NEED_TOP;
			pc->top_len = max_t(u64, 2 * top->len, m + 1);
			return NULL;
		}
		for (i = 0; i < top->len; i++)
			RCU_INIT_POINTER(pc->top->mid[i], ipt_locked(top->mid[i]));
		rcu_assign_pointer(ipt_table.top, pc->top);
		pc->retired[0] = top;
		top = pc->top;
		pc->top = NULL;
	}

	mid = ipt_locked(top->mid[m]);
	if (!mid) {
		if (!pc->mid) {
			pc->need = IPT_NEED_MID;
			return NULL;
		}
		mid = pc->mid;
		pc->mid = NULL;
		rcu_assign_pointer(top->mid[m], mid);
	}

	st = ipt_locked(mid->states[ci]);
	if (!st) {
		if (!pc->states) {
			pc->need = IPT_NEED_CHUNK;
			return NULL;
		}
		st = pc->states;
		pc->states = NULL;
		/* The others first: a reader that finds the states finds them. */
		rcu_assign_pointer(mid->entries[ci], pc->entries);
		pc->entries = NULL;
		rcu_assign_pointer(mid->seqs[ci], pc->seqs);
		pc->seqs = NULL;
		rcu_assign_pointer(mid->states[ci], st);
	}
	en = ipt_locked(mid->entries[ci]);
	*e = &en->entry[ipt_chunk_index(id)];
	return ipt_word(st, id);
}

/* Allocate the piece ipt_make_slot() asked for; no lock held. */
static int ipt_pieces_alloc(struct ipt_pieces *pc)
{
	switch (pc->need) {
	case IPT_NEED_TOP:
		kvfree(pc->top);
		pc->top = kvzalloc(struct_size(pc->top, mid, pc->top_len),
				   GFP_KERNEL_ACCOUNT);
		if (!pc->top)
			return -ENOMEM;
		pc->top->len = pc->top_len;
		return 0;
	case IPT_NEED_MID:
		pc->mid = kzalloc(sizeof(*pc->mid), GFP_KERNEL_ACCOUNT);
		return pc->mid ? 0 : -ENOMEM;
	case IPT_NEED_CHUNK:
		if (!pc->entries)
			pc->entries = kzalloc(sizeof(*pc->entries),
					      GFP_KERNEL_ACCOUNT);
		if (!pc->entries)
			return -ENOMEM;
		if (!pc->seqs)
			pc->seqs = kzalloc(sizeof(*pc->seqs), GFP_KERNEL_ACCOUNT);
		if (!pc->seqs)
			return -ENOMEM;
		if (!pc->states)
			pc->states = kzalloc(sizeof(*pc->states),
					     GFP_KERNEL_ACCOUNT);
		return pc->states ? 0 : -ENOMEM;
	}
	return -EINVAL;
}

/*
 * Free what a commit retired, after a grace period.  No lock held: the
 * free may wait for one.
 */
static void ipt_pieces_retire(struct ipt_pieces *pc)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pc->retired); i++) {
		if (pc->retired[i])
			kvfree_rcu_mightsleep(pc->retired[i]);
		pc->retired[i] = NULL;
	}
}

/* ... and what an ADD allocated but did not use. */
static void ipt_pieces_free(struct ipt_pieces *pc)
{
	ipt_pieces_retire(pc);
	kvfree(pc->top);
	kfree(pc->mid);
	kfree(pc->states);
	kfree(pc->seqs);
	kfree(pc->entries);
}

/*
 * The commit of an ADD, under commit_mutex, errors in contract order:
 * EEXIST, ENOSPC, EBUSY.  -EAGAIN when a piece of the id table is missing
 * (see ipt_make_slot()).  On error nothing is in the table and no id is
 * issued; the slot stays free for the next ADD.
 */
static int ipt_add_locked(const struct iscsi_portal_addr *addr, u32 status,
			  struct ipt_pieces *pc, u64 *idp)
{
	u64 id = ipt_table.last_id + 1, seq;
	struct ipt_entry *e;
	atomic_t *w;

	lockdep_assert_held(&ipt_table.commit_mutex);

	if (rhashtable_lookup_fast(&ipt_table.by_addr, addr, ipt_addr_params))
		return -EEXIST;
	if (ipt_table.count >= ipt_max_portals)
		return -ENOSPC;
	if (ipt_table_excl())	/* set under this mutex */
		return -EBUSY;

	w = ipt_make_slot(id, pc, &e);
	if (!w)
		return -EAGAIN;
	e->addr = *addr;
	/* No duplicate (looked up above, under this mutex): only ENOMEM. */
	if (rhashtable_insert_fast(&ipt_table.by_addr, &e->node,
				   ipt_addr_params))
		return -ENOMEM;

	/* Makes the slot live: pairs with the acquire in ipt_find(). */
	ipt_state_change(w, id, IPT_STATE_FREE, ipt_state_make(status));
	/* After the portal is live; pairs with ipt_lookup(). */
	smp_store_release(&ipt_table.last_id, id);
	WRITE_ONCE(ipt_table.count, ipt_table.count + 1);
	seq = ipt_bump_generation();
	ipt_events_post(seq, id, ISCSI_PORTAL_EVENT_ARRIVE,
			ISCSI_PORTAL_STATUS_UNKNOWN, status);
	*idp = id;
	return 0;
}

int ipt_add(const struct iscsi_portal_addr *addr, u32 status, u64 *id)
{
	struct ipt_pieces pc = {};
	int err;

	if (!ipt_status_valid(status) || !iscsi_portal_addr_valid(addr))
		return -EINVAL;
	err = ipt_check_corrupt();
	if (err)
		return err;

	for (;;) {
		mutex_lock(&ipt_table.commit_mutex);
		err = ipt_add_locked(addr, status, &pc, id);
		mutex_unlock(&ipt_table.commit_mutex);
		if (err != -EAGAIN)
			break;
		ipt_pieces_retire(&pc);
		err = ipt_pieces_alloc(&pc);
		if (err)
			break;
	}
	ipt_pieces_free(&pc);
	return err;
}

/*
 * Under commit_mutex, after @id was removed: retire its chunk once all of
 * the chunk's ids were issued and none of its portals is left, then the
 * chunk's mid once all of its ids were issued and no chunk is left.  The
 * ADD that issues a chunk's (or mid's) last id adds a portal to it, whose
 * REMOVE comes here again, so no empty piece is left behind.
 */
static void ipt_prune(u64 id, struct ipt_pieces *pc)
{
	struct ipt_top *top = ipt_locked(ipt_table.top);
	unsigned int ci = ipt_mid_index(id), i;
	u64 m = id >> IPT_MID_SHIFT;
	u64 last = ipt_table.last_id;
	struct ipt_states *st;
	struct ipt_mid *mid;
	int word;

	if ((id | (IPT_CHUNK_SIZE - 1)) > last)
		return;
	mid = ipt_locked(top->mid[m]);
	st = ipt_locked(mid->states[ci]);
	for (i = 0; i < IPT_CHUNK_SIZE; i++) {
		word = atomic_read(ipt_word(st, i));
		if (ipt_state_present(ipt_state_of(word, i)))
			return;
	}
	pc->retired[0] = st;
	pc->retired[1] = ipt_locked(mid->seqs[ci]);
	pc->retired[2] = ipt_locked(mid->entries[ci]);
	RCU_INIT_POINTER(mid->states[ci], NULL);
	RCU_INIT_POINTER(mid->seqs[ci], NULL);
	RCU_INIT_POINTER(mid->entries[ci], NULL);

	if ((id | (BIT_ULL(IPT_MID_SHIFT) - 1)) > last)
		return;
	for (i = 0; i < IPT_MID_SIZE; i++)
		if (rcu_access_pointer(mid->states[i]))
			return;
	RCU_INIT_POINTER(top->mid[m], NULL);
	pc->retired[3] = mid;
}

int ipt_remove(u64 id)
{
	struct ipt_pieces pc = {};
	struct ipt_entry *e;
	u64 seq, *seqp;
	atomic_t *w;
	u8 state;
	int err;

	w = ipt_begin(id, &state, NULL, &err);
	if (!w)
		return err;

	mutex_lock(&ipt_table.commit_mutex);
	/* Present until the dead mark below: the entry is there. */
	e = ipt_cold(id, &seqp);
	ipt_state_change(w, id, state | IPT_STATE_BUSY, IPT_STATE_DEAD);
	rhashtable_remove_fast(&ipt_table.by_addr, &e->node, ipt_addr_params);
	WRITE_ONCE(ipt_table.count, ipt_table.count - 1);
	seq = ipt_bump_generation();
	ipt_events_post(seq, id, ISCSI_PORTAL_EVENT_DEPART,
			ipt_state_status(state), ISCSI_PORTAL_STATUS_UNKNOWN);
	ipt_prune(id, &pc);
	mutex_unlock(&ipt_table.commit_mutex);

	ipt_pieces_free(&pc);
	return 0;
}

/*
 * Read one portal's state, and its whole info when @info is not NULL:
 * lockless, never EBUSY.
 */
static __always_inline int ipt_read(u64 id, u8 *state,
				    struct iscsi_portal_info *info)
{
	atomic_t *w;
	int err;

	err = ipt_check_corrupt();
	if (err)
		return err;

	rcu_read_lock_sched();
	w = ipt_lookup(id, state, &err);
	if (w) {
		if (ipt_state_dead(*state))
			err = -EIDRM;
		else if (info)
			err = ipt_fill_info(id, w, info);
	}
	rcu_read_unlock_sched();
	return err;
}

int ipt_get_info(u64 id, struct iscsi_portal_info *info)
{
	u8 state;

	return ipt_read(id, &state, info);
}

int ipt_get_status(u64 id, struct iscsi_portal_status_arg *arg)
{
	u8 state;
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
	unsigned int delay;
	u64 *seqp;
	atomic_t *w;
	u8 state;
	int err;

	if (status != ISCSI_PORTAL_STATUS_ONLINE &&
	    status != ISCSI_PORTAL_STATUS_OFFLINE)
		return ipt_status_valid(status) ? -EOPNOTSUPP : -EINVAL;

	w = ipt_begin(id, &state, &seqp, &err);
	if (!w)
		return err;

	/* A test knob: the window is deterministic, a signal does not end it. */
	delay = READ_ONCE(ipt_set_delay_ms);
	if (delay)
		msleep(delay);

	ipt_commit_status(w, seqp, id, state, status);
	return 0;
}

/* REPORT_STATUS: the provider's path; any status, never delayed. */
int ipt_report_status(u64 id, u32 status)
{
	u64 *seqp;
	atomic_t *w;
	u8 state;
	int err;

	if (!ipt_status_valid(status))
		return -EINVAL;

	w = ipt_begin(id, &state, &seqp, &err);
	if (!w)
		return err;

	ipt_commit_status(w, seqp, id, state, status);
	return 0;
}

/*
 * Copy up to @max portals with ids >= *@cursor into @buf in one RCU
 * section.  Returns how many; *@cursor becomes the id after the last one
 * copied.
 */
static unsigned int ipt_list_batch(struct iscsi_portal_info *buf,
				   unsigned int max, u64 *cursor)
{
	unsigned int n = 0;
	u64 id = *cursor;
	atomic_t *w;
	u8 state;

	rcu_read_lock_sched();
	while (n < max) {
		w = ipt_next(&id, &state);
		if (!w)
			break;
		/* Skipped when removed since ipt_next() saw it. */
		if (!ipt_fill_info(id, w, &buf[n]))
			n++;
		*cursor = ++id;
	}
	rcu_read_unlock_sched();
	return n;
}

static bool ipt_any_from(u64 id)
{
	bool any;
	u8 state;

	rcu_read_lock_sched();
	any = ipt_next(&id, &state);
	rcu_read_unlock_sched();
	return any;
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

	list->table_generation = ipt_read_generation();
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
	ver->table_generation = ipt_read_generation();
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
	struct ipt_top *top;
	int err;

	top = kvzalloc(struct_size(top, mid, IPT_TOP_MIN), GFP_KERNEL);
	if (!top)
		return -ENOMEM;
	top->len = IPT_TOP_MIN;
	RCU_INIT_POINTER(ipt_table.top, top);
	mutex_init(&ipt_table.commit_mutex);
	spin_lock_init(&ipt_table.corrupt_lock);
	ipt_table.generation = 0;
	err = rhashtable_init(&ipt_table.by_addr, &ipt_addr_params);
	if (err)
		kvfree(top);
	return err;
}

/*
 * No fd is open any more (module refcount), so no call runs.  The hash may
 * still have a deferred resize queued: rhashtable_destroy() cancels it.
 * The portals go with their chunks; pieces retired earlier are already
 * queued for freeing after a grace period.
 */
void ipt_table_exit(void)
{
	struct ipt_top *top = rcu_dereference_protected(ipt_table.top, true);
	struct ipt_mid *mid;
	unsigned long m;
	unsigned int i;

	rhashtable_destroy(&ipt_table.by_addr);
	for (m = 0; m < top->len; m++) {
		mid = rcu_dereference_protected(top->mid[m], true);
		if (!mid)
			continue;
		for (i = 0; i < IPT_MID_SIZE; i++) {
			kfree(rcu_dereference_protected(mid->states[i], true));
			kfree(rcu_dereference_protected(mid->seqs[i], true));
			kfree(rcu_dereference_protected(mid->entries[i], true));
		}
		kfree(mid);
	}
	kvfree(top);
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
