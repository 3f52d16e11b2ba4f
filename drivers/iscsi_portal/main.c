// SPDX-License-Identifier: GPL-2.0
/*
 * iscsi_portal: per-portal iSCSI status with the semantics of the Windows
 * Virtual Disk Service call IVdsIscsiPortal::SetStatus.
 *
 * This file is the character device /dev/iscsi_portal: ioctl decoding,
 * permissions, module parameters and the debugfs test knobs.  The table and
 * its locking rules live in table.c, the event queues in events.c.
 *
 * Permissions: a "writer" ioctl needs an fd opened for writing (else EBADF)
 * by an opener that had CAP_NET_ADMIN in the initial user namespace (else
 * EPERM).  Both are properties of the open file: they are decided once, at
 * open(), from the opener's credentials (file->f_cred), never from the
 * caller's, and cost nothing per call.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>

#include "ispt.h"
#include "events.h"

#define ISPT_MAX_PORTALS_LIMIT		16777216U
#define ISPT_EVENT_QUEUE_LEN_LIMIT	1048576U
#define ISPT_MAX_WATCHERS_LIMIT		65536U

unsigned int ispt_max_portals = 65536;
module_param_named(max_portals, ispt_max_portals, uint, 0444);
MODULE_PARM_DESC(max_portals, "Most portals the table holds (1-16777216, default 65536)");

unsigned int ispt_event_queue_len = 4096;
module_param_named(event_queue_len, ispt_event_queue_len, uint, 0444);
MODULE_PARM_DESC(event_queue_len, "Events queued per watcher before OVERFLOW (1-1048576, default 4096)");

unsigned int ispt_max_watchers = 256;
module_param_named(max_watchers, ispt_max_watchers, uint, 0444);
MODULE_PARM_DESC(max_watchers, "Most fds that WATCH at once (1-65536, default 256)");

u32 ispt_set_delay_ms;
u32 ispt_table_delay_ms;
static struct dentry *ispt_debugfs;

/*
 * struct ispt_file - one open file of the device (file->private_data).
 * @watcher: set once by WATCH (ispt_watch()), freed at release.
 * @writer_err: 0 when the fd may change the table, else -EBADF or -EPERM;
 *	fixed at open.
 */
struct ispt_file {
	struct ispt_watcher *watcher;
	int writer_err;
};

/*
 * The contract ranks EFAULT before every other error.  A call whose
 * argument is also its output learns that the output is not writable only
 * when it writes it; so before it returns another error it faults the
 * output in for writing, without changing it, and reports EFAULT if that
 * fails.
 */
static bool ispt_writable(void __user *uptr, size_t len)
{
	return !fault_in_safe_writeable((const char __user *)uptr, len);
}

static int ispt_fail(void __user *argp, size_t len, int err)
{
	return ispt_writable(argp, len) ? err : -EFAULT;
}

static int ispt_ioc_version(void __user *argp)
{
	struct iscsi_portal_version ver;

	ispt_version(&ver);
	return copy_to_user(argp, &ver, sizeof(ver)) ? -EFAULT : 0;
}

static int ispt_ioc_add(void __user *argp)
{
	struct iscsi_portal_add __user *uarg = argp;
	struct iscsi_portal_add arg;
	int err;

	/*
	 * An ADD that succeeded cannot be undone: check that the id can be
	 * handed back before committing (EFAULT first, as the contract ranks
	 * it).  A caller that unmaps the argument during the call still gets
	 * EFAULT after the commit; its portal is in the table then.
	 */
	if (copy_from_user(&arg, uarg, sizeof(arg)) ||
	    !ispt_writable(uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags)
		return -EINVAL;
	err = ispt_add(&arg.addr, arg.status, &arg.id);
	if (err)
		return err;
	return put_user(arg.id, &uarg->id);
}

static int ispt_ioc_remove(void __user *argp)
{
	struct iscsi_portal_ref arg;

	if (copy_from_user(&arg, argp, sizeof(arg)))
		return -EFAULT;
	return ispt_remove(arg.id);
}

/* GET_INFO and GET_STATUS: the id in, the whole argument out. */
static int ispt_ioc_get_info(void __user *argp)
{
	struct iscsi_portal_info info;
	int err;

	if (get_user(info.id, (u64 __user *)argp))
		return -EFAULT;
	err = ispt_get_info(info.id, &info);
	if (err)
		return ispt_fail(argp, sizeof(info), err);
	return copy_to_user(argp, &info, sizeof(info)) ? -EFAULT : 0;
}

static int ispt_ioc_get_status(void __user *argp)
{
	struct iscsi_portal_status_arg arg;
	struct iscsi_portal_info info;
	int err;

	if (get_user(arg.id, (u64 __user *)argp))
		return -EFAULT;
	err = ispt_get_info(arg.id, &info);
	if (err)
		return ispt_fail(argp, sizeof(arg), err);
	arg.status = info.status;
	arg.flags = info.flags;
	return copy_to_user(argp, &arg, sizeof(arg)) ? -EFAULT : 0;
}

/* SET_STATUS and REPORT_STATUS share their argument and its checks. */
static int ispt_ioc_status(void __user *argp, bool report)
{
	struct iscsi_portal_status_arg arg;

	if (copy_from_user(&arg, argp, sizeof(arg)))
		return -EFAULT;
	if (arg.flags)
		return -EINVAL;
	return ispt_set_status(arg.id, arg.status, report);
}

static int ispt_ioc_list(void __user *argp)
{
	struct iscsi_portal_info __user *entries;
	struct iscsi_portal_list arg;
	int err;

	if (copy_from_user(&arg, argp, sizeof(arg)))
		return -EFAULT;
	if (!arg.capacity)
		return ispt_fail(argp, sizeof(arg), -EINVAL);
	entries = u64_to_user_ptr(arg.entries);
	err = ispt_list(&arg, entries);
	/* EFAULT also ranks before EUCLEAN for the entries array. */
	if (err == -EUCLEAN &&
	    !ispt_writable(entries, min_t(u32, arg.capacity, 1) *
				   sizeof(*entries)))
		return -EFAULT;
	if (err)
		return ispt_fail(argp, sizeof(arg), err);
	return copy_to_user(argp, &arg, sizeof(arg)) ? -EFAULT : 0;
}

static long ispt_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct ispt_file *f = file->private_data;
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	/* Readers: any fd. */
	case ISCSI_PORTAL_IOC_VERSION:
		return ispt_ioc_version(argp);
	case ISCSI_PORTAL_IOC_GET_INFO:
		return ispt_ioc_get_info(argp);
	case ISCSI_PORTAL_IOC_GET_STATUS:
		return ispt_ioc_get_status(argp);
	case ISCSI_PORTAL_IOC_LIST:
		return ispt_ioc_list(argp);
	case ISCSI_PORTAL_IOC_WATCH:
		if (!(file->f_mode & FMODE_READ))
			return -EBADF;
		return ispt_watch(&f->watcher);
	/* Writers. */
	case ISCSI_PORTAL_IOC_ADD:
		return f->writer_err ?: ispt_ioc_add(argp);
	case ISCSI_PORTAL_IOC_REMOVE:
		return f->writer_err ?: ispt_ioc_remove(argp);
	case ISCSI_PORTAL_IOC_SET_STATUS:
		return f->writer_err ?: ispt_ioc_status(argp, false);
	case ISCSI_PORTAL_IOC_REPORT_STATUS:
		return f->writer_err ?: ispt_ioc_status(argp, true);
	case ISCSI_PORTAL_IOC_REENUMERATE:
		return f->writer_err ?: ispt_reenumerate();
	case ISCSI_PORTAL_IOC_REFRESH:
		return f->writer_err ?: ispt_refresh();
	}
	return -ENOTTY;
}

static int ispt_open(struct inode *inode, struct file *file)
{
	struct ispt_file *f;

	f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
	if (!f)
		return -ENOMEM;
	if (!(file->f_mode & FMODE_WRITE))
		f->writer_err = -EBADF;
	else if (!file_ns_capable(file, &init_user_ns, CAP_NET_ADMIN))
		f->writer_err = -EPERM;
	/* Replaces the miscdevice misc_open() left here. */
	file->private_data = f;
	return stream_open(inode, file);
}

static int ispt_release(struct inode *inode, struct file *file)
{
	struct ispt_file *f = file->private_data;

	ispt_watch_release(f->watcher);
	kfree(f);
	return 0;
}

static ssize_t ispt_fop_read(struct file *file, char __user *buf,
			     size_t count, loff_t *ppos)
{
	struct ispt_file *f = file->private_data;

	return ispt_events_read(ispt_watcher_of(&f->watcher),
			       file->f_flags & O_NONBLOCK, buf, count);
}

static __poll_t ispt_fop_poll(struct file *file, struct poll_table_struct *wait)
{
	struct ispt_file *f = file->private_data;

	return ispt_events_poll(ispt_watcher_of(&f->watcher), file, wait);
}

static const struct file_operations ispt_fops = {
	.owner		= THIS_MODULE,
	.open		= ispt_open,
	.release	= ispt_release,
	.read		= ispt_fop_read,
	.poll		= ispt_fop_poll,
	.unlocked_ioctl	= ispt_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice ispt_misc = {
	.minor		= MISC_DYNAMIC_MINOR,
	.name		= "iscsi_portal",
	.fops		= &ispt_fops,
	.mode		= 0600,
};

static int ispt_corrupt_get(void *data, u64 *val)
{
	*val = ispt_is_corrupt();
	return 0;
}

/* Writing 1 marks the table corrupt; anything else is EINVAL. */
static int ispt_corrupt_set(void *data, u64 val)
{
	if (val != 1)
		return -EINVAL;
	ispt_mark_corrupt();
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(ispt_corrupt_fops, ispt_corrupt_get, ispt_corrupt_set,
			 "%llu\n");

/* Test knobs only: debugfs is not ABI, and a failure here is not fatal. */
static void ispt_debugfs_init(void)
{
	ispt_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_u32("set_delay_ms", 0600, ispt_debugfs,
			   &ispt_set_delay_ms);
	debugfs_create_u32("table_delay_ms", 0600, ispt_debugfs,
			   &ispt_table_delay_ms);
	debugfs_create_file_unsafe("corrupt", 0600, ispt_debugfs, NULL,
				   &ispt_corrupt_fops);
}

static int __init ispt_init(void)
{
	int err;

	if (!ispt_max_portals || ispt_max_portals > ISPT_MAX_PORTALS_LIMIT) {
		pr_err("max_portals=%u out of range 1-%u\n", ispt_max_portals,
		       ISPT_MAX_PORTALS_LIMIT);
		return -EINVAL;
	}
	if (!ispt_event_queue_len ||
	    ispt_event_queue_len > ISPT_EVENT_QUEUE_LEN_LIMIT) {
		pr_err("event_queue_len=%u out of range 1-%u\n",
		       ispt_event_queue_len, ISPT_EVENT_QUEUE_LEN_LIMIT);
		return -EINVAL;
	}
	if (!ispt_max_watchers || ispt_max_watchers > ISPT_MAX_WATCHERS_LIMIT) {
		pr_err("max_watchers=%u out of range 1-%u\n", ispt_max_watchers,
		       ISPT_MAX_WATCHERS_LIMIT);
		return -EINVAL;
	}

	err = ispt_table_init();
	if (err)
		return err;
	err = misc_register(&ispt_misc);
	if (err) {
		ispt_table_exit();
		return err;
	}
	ispt_debugfs_init();
	return 0;
}

static void __exit ispt_exit(void)
{
	debugfs_remove(ispt_debugfs);
	misc_deregister(&ispt_misc);
	ispt_table_exit();
}

module_init(ispt_init);
module_exit(ispt_exit);

MODULE_DESCRIPTION("iSCSI portal status with VDS SetStatus semantics");
MODULE_AUTHOR("The iscsi_portal developers");
MODULE_LICENSE("GPL");
