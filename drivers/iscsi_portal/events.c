// SPDX-License-Identifier: GPL-2.0
/*
 * iscsi_portal: events for watchers.
 */

/**
 * DOC: Events
 *
 * An fd that called WATCH owns a &struct ispt_watcher: a ring of
 * event_queue_len records.  The table posts every committed change to
 * every watcher with ispt_commit_mutex held, so records are queued in
 * commit order and their seq (the table generation the change produced)
 * increases by one.  An fd that never called WATCH is on no list and costs
 * nothing; at most max_watchers fds watch at once (ENOSPC past that).
 *
 * When a record does not fit, it and every later one are dropped and the
 * watcher is marked overflowed, remembering the seq of the last dropped
 * change.  read() hands out the queued records and then one OVERFLOW
 * record carrying that seq; once it is consumed, records flow again.  A
 * change dropped while a reader copies an OVERFLOW record out keeps the
 * watcher overflowed, so a second OVERFLOW with the newer seq follows.
 *
 * Locking: the list of watchers and their count are changed and walked
 * under ispt_commit_mutex.  ``ispt_watcher.lock`` (a spinlock) covers the
 * ring and the overflow mark; it is held only to copy records in or out of
 * the ring, never across copy_to_user() or a wakeup.
 * ``ispt_watcher.read_mutex`` serialises the readers of one fd, so that
 * the records a reader peeked are the ones it consumes after its
 * copy_to_user().  Lock order: ispt_commit_mutex, then the watcher's lock;
 * read_mutex, then the watcher's lock.
 */

#include <linux/cleanup.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "ispt.h"

/* Records copied per ring lock section in read(). */
#define ISPT_READ_BATCH	8

struct ispt_watcher {
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

LIST_HEAD(ispt_watchers);
BLOCKING_NOTIFIER_HEAD(ispt_notifier);
static unsigned int ispt_nr_watchers;	/* at most ispt_max_watchers */

static void ispt_watcher_free(struct ispt_watcher *w)
{
	kvfree(w->ring);
	kfree(w);
}

/**
 * ispt_events_queue() - queue a committed change to every watcher, and
 *	tell every notifier (provider.c).
 * @seq: the table generation the change produced.
 * @id: the portal.
 * @type: ISCSI_PORTAL_EVENT_ARRIVE, _DEPART or _MODIFY.
 * @old_status: the status before.
 * @new_status: the status after.
 *
 * Context: ispt_commit_mutex held (through ispt_events_post()); takes each
 * watcher's spinlock in turn and wakes its readers outside it, then calls
 * the notifiers, which may sleep, with no spinlock held.
 */
void ispt_events_queue(u64 seq, u64 id, u32 type, u32 old_status,
		       u32 new_status)
{
	struct iscsi_portal_event ev = {
		.seq = seq,
		.id = id,
		.type = type,
		.old_status = old_status,
		.new_status = new_status,
	};
	struct ispt_watcher *w;
	bool wake;

	lockdep_assert_held(&ispt_commit_mutex);
	list_for_each_entry(w, &ispt_watchers, node) {
		spin_lock(&w->lock);
		wake = !w->len && !w->overflowed;
		if (w->overflowed || w->len == w->size) {
			w->overflowed = true;
			w->overflow_seq = seq;
		} else {
			w->ring[(w->head + w->len) % w->size] = ev;
			w->len++;
		}
		spin_unlock(&w->lock);
		if (wake)
			wake_up_interruptible_poll(&w->wait, EPOLLIN | EPOLLRDNORM);
	}
	blocking_notifier_call_chain(&ispt_notifier, type, &ev);
}

/**
 * ispt_watch() - WATCH: subscribe an fd to events.
 * @slot: the fd's watcher pointer; set once.  WATCH twice is harmless.
 *
 * Context: process context; sleeps.
 * Return: 0, -ENOMEM, or -ENOSPC when max_watchers fds already watch.
 */
int ispt_watch(struct ispt_watcher **slot)
{
	struct ispt_watcher *w;
	int err;

	if (ispt_watcher_of(slot))
		return 0;

	w = kzalloc(sizeof(*w), GFP_KERNEL_ACCOUNT);
	if (!w)
		return -ENOMEM;
	w->size = ispt_event_queue_len;
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

	scoped_guard(mutex, &ispt_commit_mutex) {
		if (*slot) {
			err = 0;	/* a concurrent WATCH on this fd won */
		} else if (ispt_nr_watchers >= ispt_max_watchers) {
			err = -ENOSPC;
		} else {
			ispt_nr_watchers++;
			list_add_tail(&w->node, &ispt_watchers);
			/* Publish it initialised; pairs with ispt_watcher_of(). */
			smp_store_release(slot, w);
			return 0;
		}
	}
	ispt_watcher_free(w);
	return err;
}

/**
 * ispt_watch_release() - free an fd's watcher and its slot.
 * @w: the watcher, or NULL if the fd never watched.
 *
 * Context: process context, at the fd's release: no read, poll or WATCH
 * runs on it any more.
 */
void ispt_watch_release(struct ispt_watcher *w)
{
	if (!w)
		return;
	scoped_guard(mutex, &ispt_commit_mutex) {
		list_del(&w->node);
		ispt_nr_watchers--;
	}
	ispt_watcher_free(w);
}

static bool ispt_watcher_ready(struct ispt_watcher *w)
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
static unsigned int ispt_peek(struct ispt_watcher *w,
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

/* Consume the @n records ispt_peek() returned in @buf. */
static void ispt_consume(struct ispt_watcher *w,
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

static int ispt_read_lock(struct ispt_watcher *w, bool nonblock)
{
	if (nonblock)
		return mutex_trylock(&w->read_mutex) ? 0 : -EAGAIN;
	return mutex_lock_interruptible(&w->read_mutex) ? -ERESTARTSYS : 0;
}

/**
 * ispt_events_read() - read(): as many whole records as fit and are queued.
 * @w: the fd's watcher, or NULL.
 * @nonblock: O_NONBLOCK: -EAGAIN rather than wait when nothing is queued.
 * @buf: the user's buffer.
 * @count: its size.
 *
 * Context: process context; may sleep (interruptibly) for the first record.
 * Return: bytes read, or -EINVAL (no WATCH, or @count below one record),
 * -EAGAIN, -ERESTARTSYS or -EFAULT.
 */
ssize_t ispt_events_read(struct ispt_watcher *w, bool nonblock,
			 char __user *buf, size_t count)
{
	struct iscsi_portal_event batch[ISPT_READ_BATCH];
	size_t max = count / sizeof(batch[0]);
	size_t done = 0;
	unsigned int n;
	int err;

	if (!w || !max)
		return -EINVAL;

	err = ispt_read_lock(w, nonblock);
	if (err)
		return err;
	for (;;) {
		n = ispt_peek(w, batch, min_t(size_t, max - done,
					      ISPT_READ_BATCH));
		if (n) {
			if (copy_to_user(buf + done * sizeof(batch[0]), batch,
					 n * sizeof(batch[0]))) {
				err = -EFAULT;
				break;
			}
			ispt_consume(w, batch, n);
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
		err = wait_event_interruptible(w->wait, ispt_watcher_ready(w));
		if (err)
			return err;
		err = ispt_read_lock(w, nonblock);
		if (err)
			return err;
	}
	mutex_unlock(&w->read_mutex);
	if (done)
		return done * sizeof(batch[0]);
	return err;
}

/**
 * ispt_events_poll() - poll(): readable while a record is queued.
 * @w: the fd's watcher, or NULL (never readable).
 * @file: the fd.
 * @wait: the poll table.
 *
 * Context: process context.
 * Return: EPOLLIN | EPOLLRDNORM when a record is queued, else 0.
 */
__poll_t ispt_events_poll(struct ispt_watcher *w, struct file *file,
			  struct poll_table_struct *wait)
{
	if (!w)
		return 0;
	poll_wait(file, &w->wait, wait);
	return ispt_watcher_ready(w) ? EPOLLIN | EPOLLRDNORM : 0;
}
