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

#define ISPT_MAX_PORTALS_LIMIT		16777216U
#define ISPT_EVENT_QUEUE_LEN_LIMIT	1048576U
#define ISPT_MAX_WATCHERS_LIMIT		65536U
#define ISPT_PROVIDER_TIMEOUT_LIMIT	600000U

unsigned int ispt_max_portals = 65536;
module_param_named(max_portals, ispt_max_portals, uint, 0444);
MODULE_PARM_DESC(max_portals, "Most portals the table holds (1-16777216, default 65536)");

unsigned int ispt_event_queue_len = 4096;
module_param_named(event_queue_len, ispt_event_queue_len, uint, 0444);
MODULE_PARM_DESC(event_queue_len, "Events queued per watcher before OVERFLOW (1-1048576, default 4096)");

unsigned int ispt_max_watchers = 256;
module_param_named(max_watchers, ispt_max_watchers, uint, 0444);
MODULE_PARM_DESC(max_watchers, "Most fds that WATCH at once (1-65536, default 256)");

unsigned int ispt_provider_timeout_ms = 30000;
module_param_named(provider_timeout_ms, ispt_provider_timeout_ms, uint, 0444);
MODULE_PARM_DESC(provider_timeout_ms, "How long a userspace provider may take to answer (1-600000 ms, default 30000)");

u32 ispt_set_delay_ms;
u32 ispt_table_delay_ms;
static struct dentry *ispt_debugfs;

/*
 * struct ispt_file - one open file of the device (file->private_data).
 * @watcher: set once by WATCH (ispt_watch()), freed at release.
 * @uprov: set once by PROVIDER_ATTACH (ispt_uprov_attach()), freed at
 *	release.  An fd is a watcher or a provider, never both: its read()
 *	gives events or requests.
 * @role_lock: serialises WATCH and PROVIDER_ATTACH.
 * @writer_err: 0 when the fd may change the table, else -EBADF or -EPERM;
 *	fixed at open.
 */
struct ispt_file {
	struct ispt_watcher *watcher;
	struct ispt_uprov *uprov;
	struct mutex role_lock;		/* WATCH, PROVIDER_ATTACH */
	int writer_err;
};

/* The fd's userspace provider, or NULL. */
static struct ispt_uprov *ispt_file_uprov(struct ispt_file *f)
{
	/* Pairs with the release in ispt_uprov_attach(). */
	return smp_load_acquire(&f->uprov);
}

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

/* The argument of the commands that ispt_ioctl() copies in and out. */
union ispt_ioc_arg {
	struct iscsi_portal_version ver;
	struct iscsi_portal_add add;
	struct iscsi_portal_ref ref;
	struct iscsi_portal_info info;
	struct iscsi_portal_list list;
	struct iscsi_portal_provider_attach attach;
	struct iscsi_portal_reply reply;
	struct iscsi_portal_provider_info prov;
};

static int ispt_ioc_list(struct iscsi_portal_list *list,
			 const struct iscsi_portal_provider *prov)
{
	struct iscsi_portal_info __user *entries = u64_to_user_ptr(list->entries);
	int err;

	if (!list->capacity)
		return -EINVAL;
	err = ispt_list(list, entries, prov);
	/* EFAULT also ranks before EUCLEAN for the entries array. */
	if (err == -EUCLEAN && !ispt_writable(entries, sizeof(*entries)))
		return -EFAULT;
	return err;
}

static int ispt_ioc_role(struct ispt_file *f, unsigned int cmd,
			 const struct iscsi_portal_provider_attach *attach)
{
	guard(mutex)(&f->role_lock);
	if (cmd == ISCSI_PORTAL_IOC_WATCH)
		return f->uprov ? -EINVAL : ispt_watch(&f->watcher);
	return f->watcher ? -EINVAL : ispt_uprov_attach(&f->uprov, attach);
}

/* One command on its argument @a, copied in; the writer check is done. */
static int ispt_ioc(struct ispt_file *f, unsigned int cmd,
		    union ispt_ioc_arg *a)
{
	struct iscsi_portal_provider *prov;

	prov = ispt_uprov_provider(ispt_file_uprov(f));

	switch (cmd) {
	case ISCSI_PORTAL_IOC_VERSION:
		ispt_version(&a->ver);
		return 0;
	case ISCSI_PORTAL_IOC_GET_INFO:
		return ispt_get_info(a->info.id, &a->info, prov);
	case ISCSI_PORTAL_IOC_GET_PROVIDER:
		return ispt_get_provider(a->prov.id, &a->prov);
	case ISCSI_PORTAL_IOC_LIST:
		return ispt_ioc_list(&a->list, prov);
	case ISCSI_PORTAL_IOC_ADD:
		if (a->add.flags)
			return -EINVAL;
		return ispt_add(&a->add.addr, a->add.status, prov, &a->add.id);
	case ISCSI_PORTAL_IOC_REMOVE:
		return ispt_remove(a->ref.id, prov);
	case ISCSI_PORTAL_IOC_REENUMERATE:
		return ispt_reenumerate();
	case ISCSI_PORTAL_IOC_REFRESH:
		return ispt_refresh();
	case ISCSI_PORTAL_IOC_PROVIDER_ATTACH:
		return ispt_ioc_role(f, cmd, &a->attach);
	case ISCSI_PORTAL_IOC_PROVIDER_REPLY:
		return ispt_uprov_reply(ispt_file_uprov(f), &a->reply);
	case ISCSI_PORTAL_IOC_PROVIDER_CORRUPT:
		if (!prov)
			return -EINVAL;
		iscsi_portal_mark_corrupt(prov);
		return 0;
	}
	return -ENOTTY;
}

/*
 * The hottest reader has a path of its own: the id in and two words out
 * with inline user accesses, no copy of the rest of the argument.
 */
static int ispt_ioc_get_status(struct iscsi_portal_status_arg __user *uarg)
{
	u32 status, flags;
	u64 id;
	int err;

	if (!user_read_access_begin(uarg, sizeof(*uarg)))
		return -EFAULT;
	unsafe_get_user(id, &uarg->id, efault_read);
	user_read_access_end();
	err = ispt_get_status(id, &status, &flags);
	if (err)
		return ispt_writable(uarg, sizeof(*uarg)) ? err : -EFAULT;
	if (!user_write_access_begin(uarg, sizeof(*uarg)))
		return -EFAULT;
	unsafe_put_user(status, &uarg->status, efault_write);
	unsafe_put_user(flags, &uarg->flags, efault_write);
	user_write_access_end();
	return 0;
efault_write:
	user_write_access_end();
	return -EFAULT;
efault_read:
	user_read_access_end();
	return -EFAULT;
}

/*
 * So have the hottest writers, SET_STATUS and REPORT_STATUS: three words
 * in, nothing out.  The writer check comes first, as on the generic path.
 */
static int ispt_ioc_status_in(struct ispt_file *f, unsigned int cmd,
			      struct iscsi_portal_status_arg __user *uarg)
{
	struct iscsi_portal_status_arg st;

	if (f->writer_err)
		return f->writer_err;
	if (!user_read_access_begin(uarg, sizeof(*uarg)))
		return -EFAULT;
	unsafe_get_user(st.id, &uarg->id, efault);
	unsafe_get_user(st.status, &uarg->status, efault);
	unsafe_get_user(st.flags, &uarg->flags, efault);
	user_read_access_end();
	if (cmd == ISCSI_PORTAL_IOC_SET_STATUS)
		return ispt_set_status(st.id, st.status, st.flags);
	if (st.flags)
		return -EINVAL;
	return ispt_report_status(st.id, st.status,
				  ispt_uprov_provider(ispt_file_uprov(f)));
efault:
	user_read_access_end();
	return -EFAULT;
}

/*
 * The argument is copied in for the commands that have an input (_IOC_WRITE)
 * and out, on success, for those that have an output (_IOC_READ), the way
 * drm_ioctl() does it.
 */
static long ispt_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct ispt_file *f = file->private_data;
	void __user *argp = (void __user *)arg;
	unsigned int size = _IOC_SIZE(cmd);
	union ispt_ioc_arg a;
	int err;

	switch (cmd) {
	case ISCSI_PORTAL_IOC_WATCH:
		if (!(file->f_mode & FMODE_READ))
			return -EBADF;
		return ispt_ioc_role(f, cmd, NULL);
	case ISCSI_PORTAL_IOC_GET_STATUS:
		return ispt_ioc_get_status(argp);
	case ISCSI_PORTAL_IOC_SET_STATUS:
	case ISCSI_PORTAL_IOC_REPORT_STATUS:
		return ispt_ioc_status_in(f, cmd, argp);
	case ISCSI_PORTAL_IOC_VERSION:
	case ISCSI_PORTAL_IOC_GET_INFO:
	case ISCSI_PORTAL_IOC_GET_PROVIDER:
	case ISCSI_PORTAL_IOC_LIST:
		break;
	case ISCSI_PORTAL_IOC_ADD:
	case ISCSI_PORTAL_IOC_REMOVE:
	case ISCSI_PORTAL_IOC_REENUMERATE:
	case ISCSI_PORTAL_IOC_REFRESH:
	case ISCSI_PORTAL_IOC_PROVIDER_REPLY:
	case ISCSI_PORTAL_IOC_PROVIDER_CORRUPT:
		if (f->writer_err)
			return f->writer_err;
		break;
	case ISCSI_PORTAL_IOC_PROVIDER_ATTACH:
		if (f->writer_err)
			return f->writer_err;
		/* A provider reads its requests. */
		if (!(file->f_mode & FMODE_READ))
			return -EBADF;
		break;
	default:
		return -ENOTTY;
	}

	if ((_IOC_DIR(cmd) & _IOC_WRITE) && copy_from_user(&a, argp, size))
		return -EFAULT;
	/*
	 * An ADD that succeeded cannot be undone: check that the id can be
	 * handed back before committing.  A caller that unmaps the argument
	 * during the call still gets EFAULT; its portal is in the table then.
	 */
	if (cmd == ISCSI_PORTAL_IOC_ADD && !ispt_writable(argp, size))
		return -EFAULT;
	err = ispt_ioc(f, cmd, &a);
	if (!(_IOC_DIR(cmd) & _IOC_READ))
		return err;
	if (err)
		return ispt_writable(argp, size) ? err : -EFAULT;
	return copy_to_user(argp, &a, size) ? -EFAULT : 0;
}

static int ispt_open(struct inode *inode, struct file *file)
{
	struct ispt_file *f;

	f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
	if (!f)
		return -ENOMEM;
	mutex_init(&f->role_lock);
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

	ispt_uprov_detach(f->uprov);
	ispt_watch_release(f->watcher);
	mutex_destroy(&f->role_lock);
	kfree(f);
	return 0;
}

static ssize_t ispt_fop_read(struct file *file, char __user *buf,
			     size_t count, loff_t *ppos)
{
	struct ispt_file *f = file->private_data;
	struct ispt_uprov *up = ispt_file_uprov(f);

	if (up)
		return ispt_uprov_read(up, file->f_flags & O_NONBLOCK, buf,
				       count);
	return ispt_events_read(ispt_watcher_of(&f->watcher),
				file->f_flags & O_NONBLOCK, buf, count);
}

static __poll_t ispt_fop_poll(struct file *file, struct poll_table_struct *wait)
{
	struct ispt_file *f = file->private_data;
	struct ispt_uprov *up = ispt_file_uprov(f);

	if (up)
		return ispt_uprov_poll(up, file, wait);
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

	if (!ispt_provider_timeout_ms ||
	    ispt_provider_timeout_ms > ISPT_PROVIDER_TIMEOUT_LIMIT) {
		pr_err("provider_timeout_ms=%u out of range 1-%u\n",
		       ispt_provider_timeout_ms, ISPT_PROVIDER_TIMEOUT_LIMIT);
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
MODULE_VERSION(ISCSI_PORTAL_VERSION);
