/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iscsi_portal: per-fd event queues (WATCH, read, poll).
 */
#ifndef _ISCSI_PORTAL_EVENTS_H
#define _ISCSI_PORTAL_EVENTS_H

#include <linux/list.h>
#include <linux/types.h>
#include <asm/barrier.h>

#include "ipt.h"

struct file;
struct poll_table_struct;

/*
 * The watchers: changed (only by events.c) and walked under the commit
 * mutex.
 */
extern struct list_head ipt_watchers;

void ipt_events_queue(u64 seq, u64 id, u32 type, u32 old_status,
		      u32 new_status);

/*
 * Called with the commit mutex held, once per committed change.  Inline,
 * so that a commit while nobody watches makes no call.
 */
static inline void ipt_events_post(u64 seq, u64 id, u32 type, u32 old_status,
				   u32 new_status)
{
	if (IS_ENABLED(CONFIG_LOCKDEP))
		ipt_commit_assert_held();
	if (!list_empty(&ipt_watchers))
		ipt_events_queue(seq, id, type, old_status, new_status);
}

struct ipt_watcher;

int ipt_watch(struct ipt_watcher **slot);
void ipt_watch_release(struct ipt_watcher *w);
ssize_t ipt_events_read(struct ipt_watcher *w, bool nonblock,
			char __user *buf, size_t count);
__poll_t ipt_events_poll(struct ipt_watcher *w, struct file *file,
			 struct poll_table_struct *wait);

/* An fd's watcher, or NULL before WATCH. */
static inline struct ipt_watcher *ipt_watcher_of(struct ipt_watcher **slot)
{
	/* Pairs with the release store in ipt_watch(). */
	return smp_load_acquire(slot);
}

#endif /* _ISCSI_PORTAL_EVENTS_H */
