/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iscsi_portal: per-fd event queues (WATCH, read, poll).
 */
#ifndef _ISCSI_PORTAL_EVENTS_H
#define _ISCSI_PORTAL_EVENTS_H

#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/types.h>
#include <asm/barrier.h>

#include "ispt.h"

struct file;
struct poll_table_struct;
struct ispt_watcher;

/* The watchers: changed and walked under ispt_commit_mutex. */
extern struct list_head ispt_watchers;

void ispt_events_queue(u64 seq, u64 id, u32 type, u32 old_status,
		       u32 new_status);

/*
 * Called once per committed change, under ispt_commit_mutex.  Inline, so
 * that a commit while nobody watches makes no call.
 */
static inline void ispt_events_post(u64 seq, u64 id, u32 type, u32 old_status,
				    u32 new_status)
{
	lockdep_assert_held(&ispt_commit_mutex);
	if (!list_empty(&ispt_watchers))
		ispt_events_queue(seq, id, type, old_status, new_status);
}

int ispt_watch(struct ispt_watcher **slot);
void ispt_watch_release(struct ispt_watcher *w);
ssize_t ispt_events_read(struct ispt_watcher *w, bool nonblock,
			 char __user *buf, size_t count);
__poll_t ispt_events_poll(struct ispt_watcher *w, struct file *file,
			  struct poll_table_struct *wait);

/* An fd's watcher, or NULL before WATCH. */
static inline struct ispt_watcher *ispt_watcher_of(struct ispt_watcher **slot)
{
	/* Pairs with the release store in ispt_watch(). */
	return smp_load_acquire(slot);
}

#endif /* _ISCSI_PORTAL_EVENTS_H */
