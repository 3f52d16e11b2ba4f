/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iscsi_portal: the in-kernel API for providers, the code that owns real
 * portals on a target stack.  Build against it and import the namespace:
 *
 *	MODULE_IMPORT_NS(ISCSI_PORTAL_NS);
 */
#ifndef _LINUX_ISCSI_PORTAL_H
#define _LINUX_ISCSI_PORTAL_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/notifier.h>
#include <linux/types.h>
#include <linux/version.h>
#include <uapi/linux/iscsi_portal.h>

/*
 * The symbol namespace of the exports.  Linux 6.13 made EXPORT_SYMBOL_NS*()
 * and MODULE_IMPORT_NS() take a string; before, a bare token.  This is the
 * module's one compat definition.
 */
#if KERNEL_VERSION(6, 13, 0) <= LINUX_VERSION_CODE
#define ISCSI_PORTAL_NS		"ISCSI_PORTAL"
#else
#define ISCSI_PORTAL_NS		ISCSI_PORTAL
#endif

struct iscsi_portal_provider;

/**
 * struct iscsi_portal_provider_ops - what the table asks of a provider.
 * @set_status: make a SET_STATUS of portal @id happen: from @old_status to
 *	@new_status (ONLINE or OFFLINE, never the same), with @flags
 *	(ISCSI_PORTAL_SET_DROP_SESSIONS).  Called inside the portal's busy
 *	window, in process context, with no lock of iscsi_portal held: it may
 *	sleep, and may call iscsi_portal_get_info(), but not
 *	iscsi_portal_remove() or iscsi_portal_report_status() on @id (EBUSY:
 *	the SET owns it).  0 commits @new_status; a negative errno fails the
 *	SET with it and leaves the status as it was.
 * @reenumerate: REENUMERATE: add, remove and report portals until the table
 *	matches the target stack.  In it, and in @refresh, this provider's
 *	add, remove and report calls are the only ones not refused with
 *	EBUSY.  A negative errno fails the REENUMERATE with it.
 * @refresh: REFRESH: report every portal's real status.
 *
 * Every op is optional.  No op may register or unregister a provider.
 */
struct iscsi_portal_provider_ops {
	int (*set_status)(struct iscsi_portal_provider *prov, u64 id,
			  u32 old_status, u32 new_status, u32 flags);
	int (*reenumerate)(struct iscsi_portal_provider *prov);
	int (*refresh)(struct iscsi_portal_provider *prov);
};

/**
 * struct iscsi_portal_provider - a provider; embed it in your own state.
 * @ops: its operations, or NULL for none.
 * @name: 1-31 printable characters (portalctl list shows it); the string
 *	must live until iscsi_portal_provider_unregister() returns.
 *
 * The private fields are iscsi_portal's: the list of providers, the calls
 * of @ops in flight, and the mark that no new call starts.
 */
struct iscsi_portal_provider {
	const struct iscsi_portal_provider_ops *ops;
	const char *name;
	/* private: */
	struct list_head node;
	atomic_t active;
	bool dead;
};

int iscsi_portal_provider_register(struct iscsi_portal_provider *prov);
void iscsi_portal_provider_unregister(struct iscsi_portal_provider *prov);
int iscsi_portal_add(struct iscsi_portal_provider *prov,
		     const struct iscsi_portal_addr *addr, u32 status, u64 *id);
int iscsi_portal_remove(struct iscsi_portal_provider *prov, u64 id);
int iscsi_portal_report_status(struct iscsi_portal_provider *prov, u64 id,
			       u32 status);
void iscsi_portal_mark_corrupt(struct iscsi_portal_provider *prov);
int iscsi_portal_get_info(struct iscsi_portal_provider *prov, u64 id,
			  struct iscsi_portal_info *info);

/*
 * Every committed change, as the struct iscsi_portal_event a watcher reads
 * (@data; @action is its type), in commit order.  The callback runs in
 * process context with the table's commit mutex held: it may sleep and may
 * call iscsi_portal_get_info(), but no call that changes the table (add,
 * remove, report, SET, REENUMERATE, REFRESH), no (un)registration of a
 * provider or a notifier: those would deadlock.  Every commit waits for it.
 */
int iscsi_portal_register_notifier(struct notifier_block *nb);
int iscsi_portal_unregister_notifier(struct notifier_block *nb);

#endif /* _LINUX_ISCSI_PORTAL_H */
