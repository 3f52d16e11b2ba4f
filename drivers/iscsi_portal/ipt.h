/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iscsi_portal: internal interfaces between the table (table.c), the
 * character device (main.c) and the event queues (events.c).
 */
#ifndef _ISCSI_PORTAL_IPT_H
#define _ISCSI_PORTAL_IPT_H

#include <linux/types.h>
#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/build_bug.h>
#include <uapi/linux/iscsi_portal.h>

/*
 * Ids index the id table (unsigned long arithmetic) and last_id is published
 * with a single release store: both need a 64-bit kernel.  32-bit callers are
 * served by compat_ioctl.
 */
#ifndef CONFIG_64BIT
#error "iscsi_portal needs a 64-bit kernel"
#endif

/*
 * A portal's state: what every call needs to know of it, four bits of the
 * id table (table.c), so that a million portals' states fit in 512 KiB
 * and a reader gets them with one load.  IPT_STATE_FREE is a slot no
 * portal has taken yet, IPT_STATE_DEAD a removed portal (set once, by
 * REMOVE); any other value is a live portal, its status plus one in bits
 * 0-2 (section 2 of the contract uses 0-5) and the busy mark in bit 3
 * (owned by the one mutating call in progress).  The portal's generation
 * is kept apart and read together with the state through a sequence
 * (table.c, ipt_snapshot()).
 */
#define IPT_STATE_BITS		4
#define IPT_STATE_MASK		GENMASK(IPT_STATE_BITS - 1, 0)
#define IPT_STATE_FREE		0
#define IPT_STATE_STATUS	GENMASK(2, 0)
#define IPT_STATE_BUSY		BIT(3)
#define IPT_STATE_DEAD		IPT_STATE_STATUS	/* no status plus one */

static_assert(ISCSI_PORTAL_STATUS_FAILED + 1 < IPT_STATE_DEAD);

/* The status of a live portal. */
static inline u32 ipt_state_status(u8 state)
{
	return (state & IPT_STATE_STATUS) - 1;
}

/* The ISCSI_PORTAL_INFO_* flags a reader reports. */
static inline u32 ipt_state_flags(u8 state)
{
	return (state & IPT_STATE_BUSY) ? ISCSI_PORTAL_INFO_BUSY : 0;
}

/* The state of a live portal that is not busy. */
static inline u8 ipt_state_make(u32 status)
{
	return status + 1;
}

static inline bool ipt_state_dead(u8 state)
{
	return state == IPT_STATE_DEAD;
}

/* A live portal. */
static inline bool ipt_state_present(u8 state)
{
	return state != IPT_STATE_FREE && state != IPT_STATE_DEAD;
}

/* Module parameters (main.c), fixed once the module is loaded. */
extern unsigned int ipt_max_portals;
extern unsigned int ipt_event_queue_len;
extern unsigned int ipt_max_watchers;
/* Debugfs test knobs (main.c), read with READ_ONCE(). */
extern u32 ipt_set_delay_ms;
extern u32 ipt_table_delay_ms;

/* table.c */
int ipt_table_init(void);
void ipt_table_exit(void);
int ipt_add(const struct iscsi_portal_addr *addr, u32 status, u64 *id);
int ipt_remove(u64 id);
int ipt_get_info(u64 id, struct iscsi_portal_info *info);
int ipt_get_status(u64 id, struct iscsi_portal_status_arg *arg);
int ipt_set_status(u64 id, u32 status);
int ipt_report_status(u64 id, u32 status);
int ipt_list(struct iscsi_portal_list *list,
	     struct iscsi_portal_info __user *entries);
void ipt_version(struct iscsi_portal_version *ver);
int ipt_reenumerate(void);
int ipt_refresh(void);
void ipt_mark_corrupt(void);
bool ipt_is_corrupt(void);

/* The commit mutex (table.c), which also guards the list of watchers. */
void ipt_commit_lock(void);
void ipt_commit_unlock(void);
void ipt_commit_assert_held(void);

#endif /* _ISCSI_PORTAL_IPT_H */
