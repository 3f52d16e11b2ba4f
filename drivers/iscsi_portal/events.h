/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iscsi_portal: per-fd event queues (WATCH, read, poll).
 */
#ifndef _ISCSI_PORTAL_EVENTS_H
#define _ISCSI_PORTAL_EVENTS_H

#include <linux/types.h>

struct file;
struct poll_table_struct;

/* Called with the commit mutex held, once per committed change. */
void ipt_events_post(u64 seq, u64 id, u32 type, u32 old_status,
		     u32 new_status);

int ipt_watch(struct file *file);
void ipt_watch_release(struct file *file);
ssize_t ipt_events_read(struct file *file, char __user *buf, size_t count);
__poll_t ipt_events_poll(struct file *file, struct poll_table_struct *wait);

#endif /* _ISCSI_PORTAL_EVENTS_H */
