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

#include "ipt.h"
#include "events.h"

#define IPT_MAX_PORTALS_LIMIT		16777216U
#define IPT_EVENT_QUEUE_LEN_LIMIT	1048576U
#define IPT_MAX_WATCHERS_LIMIT		65536U

unsigned int ipt_max_portals = 65536;
module_param_named(max_portals, ipt_max_portals, uint, 0444);
MODULE_PARM_DESC(max_portals, "Most portals the table holds (1-16777216, default 65536)");

unsigned int ipt_event_queue_len = 4096;
module_param_named(event_queue_len, ipt_event_queue_len, uint, 0444);
MODULE_PARM_DESC(event_queue_len, "Events queued per watcher before OVERFLOW (1-1048576, default 4096)");

unsigned int ipt_max_watchers = 256;
module_param_named(max_watchers, ipt_max_watchers, uint, 0444);
MODULE_PARM_DESC(max_watchers, "Most fds that WATCH at once (1-65536, default 256)");

u32 ipt_set_delay_ms;
u32 ipt_table_delay_ms;
static struct dentry *ipt_debugfs;

/*
 * struct ipt_file - one open file of the device (file->private_data).
 * @watcher: set once by WATCH (ipt_watch()), freed at release.
 * @writer_err: 0 when the fd may change the table, else -EBADF or -EPERM;
 *	fixed at open.
 */
struct ipt_file {
	struct ipt_watcher *watcher;
	int writer_err;
};

/*
 * The contract ranks EFAULT before every other error.  A call whose
 * argument is also its output learns that the output is not writable only
 * when it writes it; so before it returns another error it faults the
 * output in for writing, without changing it, and reports EFAULT if that
 * fails.
 */
static bool ipt_writable(void __user *uptr, size_t len)
{
	return !fault_in_safe_writeable((const char __user *)uptr, len);
}

static int ipt_fail(void __user *argp, size_t len, int err)
{
	return ipt_writable(argp, len) ? err : -EFAULT;
}

static int ipt_ioc_version(void __user *argp)
{
	struct iscsi_portal_version ver;

	ipt_version(&ver);
	return copy_to_user(argp, &ver, sizeof(ver)) ? -EFAULT : 0;
}

static int ipt_ioc_add(void __user *argp)
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
	    !ipt_writable(uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags)
		return -EINVAL;
	err = ipt_add(&arg.addr, arg.status, &arg.id);
	if (err)
		return err;
	return put_user(arg.id, &uarg->id);
}

static int ipt_ioc_remove(void __user *argp)
{
	struct iscsi_portal_ref arg;

	if (copy_from_user(&arg, argp, sizeof(arg)))
		return -EFAULT;
	return ipt_remove(arg.id);
}

static int ipt_ioc_get_info(void __user *argp)
{
	struct iscsi_portal_info info;
	u64 id;
	int err;

	if (get_user(id, (u64 __user *)argp))
		return -EFAULT;
	err = ipt_get_info(id, &info);
	if (err)
		return ipt_fail(argp, sizeof(info), err);
	return copy_to_user(argp, &info, sizeof(info)) ? -EFAULT : 0;
}

/*
 * The hottest reader: the id is read and the two outputs written with
 * inline user accesses (no out-of-line get_user() call, no 16-byte
 * copy_to_user(): the id is the caller's own).
 */
static int ipt_ioc_get_status(void __user *argp)
{
	struct iscsi_portal_status_arg __user *uarg = argp;
	struct iscsi_portal_status_arg arg;
	int err;

	if (!user_read_access_begin(uarg, sizeof(*uarg)))
		return -EFAULT;
	unsafe_get_user(arg.id, &uarg->id, efault_read);
	user_read_access_end();
	err = ipt_get_status(arg.id, &arg);
	if (err)
		return ipt_fail(argp, sizeof(arg), err);
	if (!user_write_access_begin(uarg, sizeof(*uarg)))
		return -EFAULT;
	unsafe_put_user(arg.status, &uarg->status, efault);
	unsafe_put_user(arg.flags, &uarg->flags, efault);
	user_write_access_end();
	return 0;
efault:
	user_write_access_end();
	return -EFAULT;
efault_read:
	user_read_access_end();
	return -EFAULT;
}

/*
 * SET_STATUS and REPORT_STATUS share their argument and its checks; its
 * three fields are read in one user-access section.
 */
static int ipt_ioc_status(void __user *argp, bool report)
{
	struct iscsi_portal_status_arg __user *uarg = argp;
	struct iscsi_portal_status_arg arg;

	if (!user_read_access_begin(uarg, sizeof(*uarg)))
		return -EFAULT;
	unsafe_get_user(arg.id, &uarg->id, efault);
	unsafe_get_user(arg.status, &uarg->status, efault);
	unsafe_get_user(arg.flags, &uarg->flags, efault);
	user_read_access_end();
	if (arg.flags)
		return -EINVAL;
	if (report)
		return ipt_report_status(arg.id, arg.status);
	return ipt_set_status(arg.id, arg.status);
efault:
	user_read_access_end();
	return -EFAULT;
}

static int ipt_ioc_list(void __user *argp)
{
	struct iscsi_portal_info __user *entries;
	struct iscsi_portal_list arg;
	int err;

	if (copy_from_user(&arg, argp, sizeof(arg)))
		return -EFAULT;
	if (!arg.capacity)
		return ipt_fail(argp, sizeof(arg), -EINVAL);
	entries = u64_to_user_ptr(arg.entries);
	err = ipt_list(&arg, entries);
	/* EFAULT also ranks before EUCLEAN for the entries array. */
	if (err == -EUCLEAN &&
	    !ipt_writable(entries, min_t(u32, arg.capacity, 1) *
				   sizeof(*entries)))
		return -EFAULT;
	if (err)
		return ipt_fail(argp, sizeof(arg), err);
	return copy_to_user(argp, &arg, sizeof(arg)) ? -EFAULT : 0;
}

static long ipt_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct ipt_file *f = file->private_data;
	void __user *argp = (void __user *)arg;

	/* Readers: any fd. */
	switch (cmd) {
	case ISCSI_PORTAL_IOC_VERSION:
		return ipt_ioc_version(argp);
	case ISCSI_PORTAL_IOC_GET_INFO:
		return ipt_ioc_get_info(argp);
	case ISCSI_PORTAL_IOC_GET_STATUS:
		return ipt_ioc_get_status(argp);
	case ISCSI_PORTAL_IOC_LIST:
		return ipt_ioc_list(argp);
	case ISCSI_PORTAL_IOC_WATCH:
		if (!(file->f_mode & FMODE_READ))
			return -EBADF;
		return ipt_watch(&f->watcher);
	case ISCSI_PORTAL_IOC_ADD:
	case ISCSI_PORTAL_IOC_REMOVE:
	case ISCSI_PORTAL_IOC_SET_STATUS:
	case ISCSI_PORTAL_IOC_REPORT_STATUS:
	case ISCSI_PORTAL_IOC_REENUMERATE:
	case ISCSI_PORTAL_IOC_REFRESH:
		break;
	default:
		return -ENOTTY;
	}

	/* Writers. */
	if (f->writer_err)
		return f->writer_err;

	switch (cmd) {
	case ISCSI_PORTAL_IOC_ADD:
		return ipt_ioc_add(argp);
	case ISCSI_PORTAL_IOC_REMOVE:
		return ipt_ioc_remove(argp);
	case ISCSI_PORTAL_IOC_SET_STATUS:
		return ipt_ioc_status(argp, false);
	case ISCSI_PORTAL_IOC_REPORT_STATUS:
		return ipt_ioc_status(argp, true);
	case ISCSI_PORTAL_IOC_REENUMERATE:
		return ipt_reenumerate();
	case ISCSI_PORTAL_IOC_REFRESH:
		return ipt_refresh();
	}
	return -ENOTTY;
}

static int ipt_open(struct inode *inode, struct file *file)
{
	struct ipt_file *f;

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

static int ipt_release(struct inode *inode, struct file *file)
{
	struct ipt_file *f = file->private_data;

	ipt_watch_release(f->watcher);
	kfree(f);
	return 0;
}

static ssize_t ipt_fop_read(struct file *file, char __user *buf,
			    size_t count, loff_t *ppos)
{
	struct ipt_file *f = file->private_data;

	return ipt_events_read(ipt_watcher_of(&f->watcher),
			       file->f_flags & O_NONBLOCK, buf, count);
}

static __poll_t ipt_fop_poll(struct file *file, struct poll_table_struct *wait)
{
	struct ipt_file *f = file->private_data;

	return ipt_events_poll(ipt_watcher_of(&f->watcher), file, wait);
}

static const struct file_operations ipt_fops = {
	.owner		= THIS_MODULE,
	.open		= ipt_open,
	.release	= ipt_release,
	.read		= ipt_fop_read,
	.poll		= ipt_fop_poll,
	.unlocked_ioctl	= ipt_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice ipt_misc = {
	.minor		= MISC_DYNAMIC_MINOR,
	.name		= "iscsi_portal",
	.fops		= &ipt_fops,
	.mode		= 0600,
};

static ssize_t ipt_corrupt_read(struct file *file, char __user *buf,
				size_t count, loff_t *ppos)
{
	char val[2] = { ipt_is_corrupt() ? '1' : '0', '\n' };

	return simple_read_from_buffer(buf, count, ppos, val, sizeof(val));
}

/* Writing 1 marks the table corrupt; anything else is EINVAL. */
static ssize_t ipt_corrupt_write(struct file *file, const char __user *buf,
				 size_t count, loff_t *ppos)
{
	unsigned int val;
	int err;

	err = kstrtouint_from_user(buf, count, 10, &val);
	if (err || val != 1)
		return -EINVAL;
	ipt_mark_corrupt();
	return count;
}

static const struct file_operations ipt_corrupt_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.read	= ipt_corrupt_read,
	.write	= ipt_corrupt_write,
	.llseek	= default_llseek,
};

/* Test knobs only: debugfs is not ABI, and a failure here is not fatal. */
static void ipt_debugfs_init(void)
{
	ipt_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_u32("set_delay_ms", 0600, ipt_debugfs,
			   &ipt_set_delay_ms);
	debugfs_create_u32("table_delay_ms", 0600, ipt_debugfs,
			   &ipt_table_delay_ms);
	debugfs_create_file("corrupt", 0600, ipt_debugfs, NULL,
			    &ipt_corrupt_fops);
}

static int __init ipt_init(void)
{
	int err;

	if (!ipt_max_portals || ipt_max_portals > IPT_MAX_PORTALS_LIMIT) {
		pr_err("max_portals=%u out of range 1-%u\n", ipt_max_portals,
		       IPT_MAX_PORTALS_LIMIT);
		return -EINVAL;
	}
	if (!ipt_event_queue_len ||
	    ipt_event_queue_len > IPT_EVENT_QUEUE_LEN_LIMIT) {
		pr_err("event_queue_len=%u out of range 1-%u\n",
		       ipt_event_queue_len, IPT_EVENT_QUEUE_LEN_LIMIT);
		return -EINVAL;
	}
	if (!ipt_max_watchers || ipt_max_watchers > IPT_MAX_WATCHERS_LIMIT) {
		pr_err("max_watchers=%u out of range 1-%u\n", ipt_max_watchers,
		       IPT_MAX_WATCHERS_LIMIT);
		return -EINVAL;
	}

	err = ipt_table_init();
	if (err)
		return err;
	err = misc_register(&ipt_misc);
	if (err) {
		ipt_table_exit();
		return err;
	}
	ipt_debugfs_init();
	return 0;
}

static void __exit ipt_exit(void)
{
	debugfs_remove(ipt_debugfs);
	misc_deregister(&ipt_misc);
	ipt_table_exit();
}

module_init(ipt_init);
module_exit(ipt_exit);

MODULE_DESCRIPTION("iSCSI portal status with VDS SetStatus semantics");
MODULE_AUTHOR("The iscsi_portal developers");
MODULE_LICENSE("GPL");
