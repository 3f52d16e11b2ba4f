/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iscsi_portal: internal interfaces between the table (table.c), the
 * character device (main.c) and the event queues (events.c).
 */
#ifndef _ISCSI_PORTAL_ISPT_H
#define _ISCSI_PORTAL_ISPT_H

#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <asm/barrier.h>
#include <uapi/linux/iscsi_portal.h>

/*
 * Ids are 64-bit and the xarray indexes by unsigned long; the table
 * generation and last_id are published with single 64-bit stores.  32-bit
 * callers are served by compat_ioctl.
 */
#ifndef CONFIG_64BIT
#error "iscsi_portal needs a 64-bit kernel"
#endif

/* Module parameters (main.c), fixed once the module is loaded. */
extern unsigned int ispt_max_portals;
extern unsigned int ispt_event_queue_len;
extern unsigned int ispt_max_watchers;
/* Debugfs test knobs (main.c), read with READ_ONCE(). */
extern u32 ispt_set_delay_ms;
extern u32 ispt_table_delay_ms;

/* table.c */
int ispt_table_init(void);
void ispt_table_exit(void);
int ispt_add(const struct iscsi_portal_addr *addr, u32 status, u64 *id);
int ispt_remove(u64 id);
int ispt_get_info(u64 id, struct iscsi_portal_info *info);
int ispt_set_status(u64 id, u32 status, bool report);
int ispt_list(struct iscsi_portal_list *list,
	      struct iscsi_portal_info __user *entries);
void ispt_version(struct iscsi_portal_version *ver);
int ispt_reenumerate(void);
int ispt_refresh(void);
void ispt_mark_corrupt(void);
bool ispt_is_corrupt(void);

/* The commit mutex (table.c), which also guards the list of watchers. */
extern struct mutex ispt_commit_mutex;

/* events.c */
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

#endif /* _ISCSI_PORTAL_ISPT_H */
