// SPDX-License-Identifier: GPL-2.0
/*
 * iscsi_portal: events for watchers.
 *
 * An fd that called WATCH owns a struct ipt_watcher (in its struct
 * ipt_file, main.c): a ring of ipt_event_queue_len records.  Every committed change is posted to
 * every watcher by ipt_events_post(), called by the table with its commit
 * mutex held, so records are queued in commit order and their seq (the
 * table generation the change produced) increases by exactly one.  An fd
 * that never called WATCH is not on the list and costs nothing.
 *
 * Overflow: when a record does not fit, it and every later one are dropped
 * and the watcher is marked overflowed, remembering the seq of the last
 * dropped change.  read() hands out the queued records and then one
 * OVERFLOW record carrying that seq; once it has been consumed the queue is
 * drained and records flow again.  The reader resynchronises with LIST.
 * A change dropped while a reader copies an OVERFLOW record out keeps the
 * watcher overflowed, so a second OVERFLOW with the newer seq follows and
 * no change goes unannounced.
 *
 * Locking rules
 *	ipt_watchers: the list, changed and walked under the table's commit
 *		mutex (ipt_commit_lock()).
 *	ipt_watcher.lock (spinlock): head, len, overflowed, overflow_seq and
 *		the ring contents.  Held only to copy records in or out of the
 *		ring; never across copy_to_user() or a wakeup.
 *	ipt_watcher.read_mutex: serialises readers of one fd, so that the
 *		records a reader peeked are still the ones it consumes after
 *		its copy_to_user().
 *	Lock order: commit mutex -> ipt_watcher.lock;
 *		read_mutex -> ipt_watcher.lock.
 */

#include <linux/fs.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "ipt.h"
#include "events.h"

/* Records copied per ring lock section in read(). */
#define IPT_READ_BATCH	16

struct ipt_watcher {
	struct list_head node;
	spinlock_t lock;		/* ring, head, len, overflow* */
	struct mutex read_mutex;	/* one reader at a time */
	wait_queue_head_t wait;
	unsigned int size;		/* ring capacity, records */
	unsigned int head;		/* oldest record */
	unsigned int len;		/* records queued */
	bool overflowed;
	u64 overflow_seq;
	struct iscsi_portal_event *ring;
};

LIST_HEAD(ipt_watchers);
/* Entries on ipt_watchers, at most ipt_max_watchers; under the commit mutex. */
static unsigned int ipt_nr_watchers;

static void ipt_watcher_free(struct ipt_watcher *w)
{
	kvfree(w->ring);
	kfree(w);
}

/* Queue a change to every watcher: ipt_events_post() when there are some. */
void ipt_events_queue(u64 seq, u64 id, u32 type, u32 old_status,
		      u32 new_status)
{
	struct iscsi_portal_event *ev;
	struct ipt_watcher *w;
	bool wake;

	ipt_commit_assert_held();
	list_for_each_entry(w, &ipt_watchers, node) {
		spin_lock(&w->lock);
		wake = !w->len && !w->overflowed;
		if (w->overflowed || w->len == w->size) {
			w->overflowed = true;
			w->overflow_seq = seq;
		} else {
			ev = &w->ring[(w->head + w->len) % w->size];
			*ev = (struct iscsi_portal_event) {
				.seq = seq,
				.id = id,
				.type = type,
				.old_status = old_status,
				.new_status = new_status,
			};
			w->len++;
		}
		spin_unlock(&w->lock);
		if (wake)
			wake_up_interruptible_poll(&w->wait, EPOLLIN | EPOLLRDNORM);
	}
}

/* Subscribe the fd whose watcher pointer is @slot; WATCH twice is harmless. */
int ipt_watch(struct ipt_watcher **slot)
{
	struct ipt_watcher *w;

	if (ipt_watcher_of(slot))
		return 0;

	w = kzalloc(sizeof(*w), GFP_KERNEL_ACCOUNT);
	if (!w)
		return -ENOMEM;
	w->size = ipt_event_queue_len;
	/* Its size is the user's choice; ENOMEM says enough, no warning. */
	w->ring = kvmalloc_array(w->size, sizeof(*w->ring),
				 GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!w->ring) {
		kfree(w);
		return -ENOMEM;
	}
	spin_lock_init(&w->lock);
	mutex_init(&w->read_mutex);
	init_waitqueue_head(&w->wait);

	ipt_commit_lock();
	if (*slot) {
		/* A concurrent WATCH on the same fd won: harmless. */
		ipt_commit_unlock();
		ipt_watcher_free(w);
		return 0;
	}
	if (ipt_nr_watchers >= ipt_max_watchers) {
		ipt_commit_unlock();
		ipt_watcher_free(w);
		return -ENOSPC;
	}
	ipt_nr_watchers++;
	list_add_tail(&w->node, &ipt_watchers);
	/* Publish the initialised watcher; pairs with ipt_watcher_of(). */
	smp_store_release(slot, w);
	ipt_commit_unlock();
	return 0;
}

/* The fd is being released: no read, poll or WATCH runs on it any more. */
void ipt_watch_release(struct ipt_watcher *w)
{
	if (!w)
		return;
	ipt_commit_lock();
	list_del(&w->node);
	ipt_nr_watchers--;
	ipt_commit_unlock();
	ipt_watcher_free(w);
}

static bool ipt_watcher_ready(struct ipt_watcher *w)
{
	bool ready;

	spin_lock(&w->lock);
	ready = w->len || w->overflowed;
	spin_unlock(&w->lock);
	return ready;
}

/*
 * Copy up to @max records (the queued ones, then the OVERFLOW record once
 * they are gone) into @buf without consuming them.  Returns how many; the
 * last is the OVERFLOW record when buf[n - 1].type says so.
 */
static unsigned int ipt_peek(struct ipt_watcher *w,
			     struct iscsi_portal_event *buf, unsigned int max)
{
	unsigned int n;

	spin_lock(&w->lock);
	n = min(max, w->len);
	for (unsigned int i = 0; i < n; i++)
		buf[i] = w->ring[(w->head + i) % w->size];
	if (n < max && n == w->len && w->overflowed) {
		buf[n++] = (struct iscsi_portal_event) {
			.seq = w->overflow_seq,
			.type = ISCSI_PORTAL_EVENT_OVERFLOW,
		};
	}
	spin_unlock(&w->lock);
	return n;
}

/* Consume the @n records ipt_peek() returned in @buf. */
static void ipt_consume(struct ipt_watcher *w,
			const struct iscsi_portal_event *buf, unsigned int n)
{
	const struct iscsi_portal_event *last = &buf[n - 1];

	spin_lock(&w->lock);
	if (last->type == ISCSI_PORTAL_EVENT_OVERFLOW) {
		/* Only if no change was dropped since the peek. */
		if (w->overflow_seq == last->seq)
			w->overflowed = false;
		n--;
	}
	w->head = (w->head + n) % w->size;
	w->len -= n;
	spin_unlock(&w->lock);
}

static int ipt_read_lock(struct ipt_watcher *w, bool nonblock)
{
	if (nonblock)
		return mutex_trylock(&w->read_mutex) ? 0 : -EAGAIN;
	return mutex_lock_interruptible(&w->read_mutex) ? -ERESTARTSYS : 0;
}

ssize_t ipt_events_read(struct ipt_watcher *w, bool nonblock,
			char __user *buf, size_t count)
{
	struct iscsi_portal_event batch[IPT_READ_BATCH];
	size_t max = count / sizeof(batch[0]);
	size_t done = 0;
	unsigned int n;
	int err;

	if (!w || !max)
		return -EINVAL;

	err = ipt_read_lock(w, nonblock);
	if (err)
		return err;
	for (;;) {
		n = ipt_peek(w, batch, min_t(size_t, max - done,
					     IPT_READ_BATCH));
		if (n) {
			if (copy_to_user(buf + done * sizeof(batch[0]), batch,
					 n * sizeof(batch[0]))) {
				err = -EFAULT;
				break;
			}
			ipt_consume(w, batch, n);
			done += n;
			if (done == max)
				break;
			cond_resched();
			continue;
		}
		if (done)
			break;
		if (nonblock) {
			err = -EAGAIN;
			break;
		}
		mutex_unlock(&w->read_mutex);
		err = wait_event_interruptible(w->wait, ipt_watcher_ready(w));
		if (err)
			return err;
		err = ipt_read_lock(w, nonblock);
		if (err)
			return err;
	}
	mutex_unlock(&w->read_mutex);
	if (done)
		return done * sizeof(batch[0]);
	return err;
}

__poll_t ipt_events_poll(struct ipt_watcher *w, struct file *file,
			 struct poll_table_struct *wait)
{
	if (!w)
		return 0;
	poll_wait(file, &w->wait, wait);
	return ipt_watcher_ready(w) ? EPOLLIN | EPOLLRDNORM : 0;
}
