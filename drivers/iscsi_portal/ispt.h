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
#include <linux/notifier.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <asm/barrier.h>
#include <linux/iscsi_portal.h>

/*
 * Ids are 64-bit and the xarray indexes by unsigned long; the table
 * generation and last_id are published with single 64-bit stores.  32-bit
 * callers are served by compat_ioctl.
 */
#ifndef CONFIG_64BIT
#error "iscsi_portal needs a 64-bit kernel"
#endif

struct file;
struct poll_table_struct;

/* Module parameters (main.c), fixed once the module is loaded. */
extern unsigned int ispt_max_portals;
extern unsigned int ispt_event_queue_len;
extern unsigned int ispt_max_watchers;
extern unsigned int ispt_provider_timeout_ms;
/* Debugfs test knobs (main.c), read with READ_ONCE(). */
extern u32 ispt_set_delay_ms;
extern u32 ispt_table_delay_ms;

/* The per-portal calls, for the checks of ispt_may() (table.c). */
enum ispt_op { ISPT_OP_SET, ISPT_OP_REPORT, ISPT_OP_REMOVE };

/* table.c */
int ispt_table_init(void);
void ispt_table_exit(void);
int ispt_add(const struct iscsi_portal_addr *addr, u32 status,
	     struct iscsi_portal_provider *prov, u64 *id);
int ispt_remove(u64 id, struct iscsi_portal_provider *caller);
int ispt_get_info(u64 id, struct iscsi_portal_info *info,
		  const struct iscsi_portal_provider *caller);
int ispt_get_status(u64 id, u32 *status, u32 *flags);
int ispt_get_provider(u64 id, struct iscsi_portal_provider_info *info);
int ispt_set_status(u64 id, u32 status, u32 flags);
int ispt_report_status(u64 id, u32 status,
		       struct iscsi_portal_provider *caller);
void ispt_orphan(struct iscsi_portal_provider *prov);
int ispt_list(struct iscsi_portal_list *list,
	      struct iscsi_portal_info __user *entries,
	      const struct iscsi_portal_provider *caller);
void ispt_version(struct iscsi_portal_version *ver);
int ispt_reenumerate(void);
int ispt_refresh(void);
void ispt_mark_corrupt(void);
bool ispt_is_corrupt(void);

/* The commit mutex (table.c), which also guards the list of watchers. */
extern struct mutex ispt_commit_mutex;

/* provider.c */
extern struct iscsi_portal_provider *ispt_excl_owner;
bool ispt_provider_name_valid(const char *name);
int ispt_provider_set_status(struct iscsi_portal_provider *prov, u64 id,
			     u32 old_status, u32 new_status, u32 flags);
int ispt_providers_ask(bool refresh);

/* uprovider.c: a userspace provider, through its fd */
struct ispt_uprov;
int ispt_uprov_attach(struct ispt_uprov **slot,
		      const struct iscsi_portal_provider_attach *arg);
void ispt_uprov_detach(struct ispt_uprov *up);
struct iscsi_portal_provider *ispt_uprov_provider(struct ispt_uprov *up);
int ispt_uprov_reply(struct ispt_uprov *up,
		     const struct iscsi_portal_reply *reply);
ssize_t ispt_uprov_read(struct ispt_uprov *up, bool nonblock,
			char __user *buf, size_t count);
__poll_t ispt_uprov_poll(struct ispt_uprov *up, struct file *file,
			 struct poll_table_struct *wait);

/* events.c */
struct ispt_watcher;

/* The watchers: changed and walked under ispt_commit_mutex. */
extern struct list_head ispt_watchers;

void ispt_events_queue(u64 seq, u64 id, u32 type, u32 old_status,
		       u32 new_status);

extern struct blocking_notifier_head ispt_notifier;

/*
 * Called once per committed change, under ispt_commit_mutex.  Inline, so
 * that a commit while nobody watches or listens makes no call.
 */
static inline void ispt_events_post(u64 seq, u64 id, u32 type, u32 old_status,
				    u32 new_status)
{
	lockdep_assert_held(&ispt_commit_mutex);
	if (!list_empty(&ispt_watchers) || rcu_access_pointer(ispt_notifier.head))
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
