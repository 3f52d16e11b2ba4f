// SPDX-License-Identifier: GPL-2.0
/*
 * test_iscsi_portal_provider - an in-kernel provider for the selftests, in
 * the manner of lib/test_*.c: it registers at load and is driven through
 * its own debugfs directory, /sys/kernel/debug/test_iscsi_portal_provider/:
 *
 *	cmd		write one command; read the result of the last one:
 *			"add ADDR PORT STATUS [SCOPE]" -> "0 ID" or "-ERRNO"
 *			"remove ID" / "report ID STATUS" -> "0" or "-ERRNO"
 *			"register" / "unregister"
 *	set_result	errno (0 or negative) set_status returns
 *	set_sleep_ms	how long set_status sleeps first
 *	reenum_result, refresh_result	what those ops return
 *	reenum_cmd	a command reenumerate runs (empty: none); its result
 *			is then read from cmd
 *	calls		"set N reenumerate N refresh N"
 *	last_set	"ID OLD NEW FLAGS" of the last set_status call
 *	events		the notifier's log, one "SEQ ID TYPE OLD NEW" line per
 *			event since load or the last write (which clears it)
 *
 * Loading it takes a module reference of iscsi_portal (its symbols), so
 * iscsi_portal cannot be unloaded while it is loaded.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/inet.h>
#include <linux/iscsi_portal.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#define TP_EVENTS_MAX	4096
#define TP_CMD_LEN	128

static struct dentry *tp_dir;
static DEFINE_MUTEX(tp_reg_lock);	/* tp_registered */
static bool tp_registered;
static DEFINE_MUTEX(tp_lock);		/* everything below */
static char tp_last[64];		/* the result of the last command */
static char tp_reenum_cmd[TP_CMD_LEN];
static s32 tp_set_result, tp_reenum_result, tp_refresh_result;
static u32 tp_set_sleep_ms;
static u64 tp_calls_set, tp_calls_reenum, tp_calls_refresh;
static u64 tp_last_set[4];

static struct iscsi_portal_event *tp_events;
static unsigned int tp_nevents;
static DEFINE_MUTEX(tp_events_lock);	/* tp_events, tp_nevents */

static int tp_set_status(struct iscsi_portal_provider *prov, u64 id,
			 u32 old_status, u32 new_status, u32 flags)
{
	u32 sleep = READ_ONCE(tp_set_sleep_ms);

	if (sleep)
		msleep(sleep);
	mutex_lock(&tp_lock);
	tp_calls_set++;
	tp_last_set[0] = id;
	tp_last_set[1] = old_status;
	tp_last_set[2] = new_status;
	tp_last_set[3] = flags;
	mutex_unlock(&tp_lock);
	return READ_ONCE(tp_set_result);
}

static int tp_run(const char *cmd);

static int tp_reenumerate(struct iscsi_portal_provider *prov)
{
	char cmd[TP_CMD_LEN];

	mutex_lock(&tp_lock);
	tp_calls_reenum++;
	strscpy(cmd, tp_reenum_cmd, sizeof(cmd));
	mutex_unlock(&tp_lock);
	if (cmd[0])
		tp_run(cmd);
	return READ_ONCE(tp_reenum_result);
}

static int tp_refresh(struct iscsi_portal_provider *prov)
{
	mutex_lock(&tp_lock);
	tp_calls_refresh++;
	mutex_unlock(&tp_lock);
	return READ_ONCE(tp_refresh_result);
}

static const struct iscsi_portal_provider_ops tp_ops = {
	.set_status	= tp_set_status,
	.reenumerate	= tp_reenumerate,
	.refresh	= tp_refresh,
};

static struct iscsi_portal_provider tp_prov = {
	.ops	= &tp_ops,
	.name	= "test_provider",
};

static int tp_notify(struct notifier_block *nb, unsigned long action,
		     void *data)
{
	const struct iscsi_portal_event *ev = data;

	mutex_lock(&tp_events_lock);
	if (tp_nevents < TP_EVENTS_MAX && ev->type == action)
		tp_events[tp_nevents++] = *ev;
	mutex_unlock(&tp_events_lock);
	return NOTIFY_OK;
}

static struct notifier_block tp_nb = {
	.notifier_call = tp_notify,
};

/* "ADDR PORT [SCOPE]" -> @a; IPv4 or IPv6 text. */
static int tp_parse_addr(const char *host, unsigned int port,
			 unsigned int scope, struct iscsi_portal_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->port = port;
	a->scope_id = scope;
	if (in4_pton(host, -1, a->addr, -1, NULL)) {
		a->family = AF_INET;
		return 0;
	}
	if (in6_pton(host, -1, a->addr, -1, NULL)) {
		a->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

/* Run one command; its result goes to tp_last.  Called without tp_lock. */
static int tp_run(const char *cmd)
{
	unsigned int port, status, scope = 0;
	struct iscsi_portal_addr a;
	char host[64];
	u64 id = 0;
	int err;

	if (sscanf(cmd, "add %63s %u %u %u", host, &port, &status,
		   &scope) >= 3) {
		err = tp_parse_addr(host, port, scope, &a) ?:
		      iscsi_portal_add(&tp_prov, &a, status, &id);
	} else if (sscanf(cmd, "remove %llu", &id) == 1) {
		err = iscsi_portal_remove(&tp_prov, id);
		id = 0;
	} else if (sscanf(cmd, "report %llu %u", &id, &status) == 2) {
		err = iscsi_portal_report_status(&tp_prov, id, status);
		id = 0;
	} else if (sysfs_streq(cmd, "register")) {
		mutex_lock(&tp_reg_lock);
		err = tp_registered ? -EEXIST :
		      iscsi_portal_provider_register(&tp_prov);
		tp_registered |= !err;
		mutex_unlock(&tp_reg_lock);
	} else if (sysfs_streq(cmd, "unregister")) {
		mutex_lock(&tp_reg_lock);
		err = tp_registered ? 0 : -ENOENT;
		if (tp_registered)
			iscsi_portal_provider_unregister(&tp_prov);
		tp_registered = false;
		mutex_unlock(&tp_reg_lock);
	} else {
		err = -EINVAL;
	}
	mutex_lock(&tp_lock);
	if (err || !id)
		snprintf(tp_last, sizeof(tp_last), "%d\n", err);
	else
		snprintf(tp_last, sizeof(tp_last), "0 %llu\n", id);
	mutex_unlock(&tp_lock);
	return err;
}

static ssize_t tp_cmd_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	char *cmd;

	if (count >= TP_CMD_LEN)
		return -EINVAL;
	cmd = memdup_user_nul(ubuf, count);
	if (IS_ERR(cmd))
		return PTR_ERR(cmd);
	tp_run(strim(cmd));
	kfree(cmd);
	return count;
}

static int tp_cmd_show(struct seq_file *m, void *v)
{
	mutex_lock(&tp_lock);
	seq_puts(m, tp_last);
	mutex_unlock(&tp_lock);
	return 0;
}

static int tp_cmd_open(struct inode *inode, struct file *file)
{
	return single_open(file, tp_cmd_show, NULL);
}

static const struct file_operations tp_cmd_fops = {
	.owner		= THIS_MODULE,
	.open		= tp_cmd_open,
	.read		= seq_read,
	.write		= tp_cmd_write,
	.llseek		= seq_lseek,
	.release	= single_release,
};

static ssize_t tp_reenum_cmd_write(struct file *file, const char __user *ubuf,
				   size_t count, loff_t *ppos)
{
	char *cmd;

	if (count >= TP_CMD_LEN)
		return -EINVAL;
	cmd = memdup_user_nul(ubuf, count);
	if (IS_ERR(cmd))
		return PTR_ERR(cmd);
	mutex_lock(&tp_lock);
	strscpy(tp_reenum_cmd, strim(cmd), sizeof(tp_reenum_cmd));
	mutex_unlock(&tp_lock);
	kfree(cmd);
	return count;
}

static int tp_reenum_cmd_show(struct seq_file *m, void *v)
{
	mutex_lock(&tp_lock);
	seq_printf(m, "%s\n", tp_reenum_cmd);
	mutex_unlock(&tp_lock);
	return 0;
}

static int tp_reenum_cmd_open(struct inode *inode, struct file *file)
{
	return single_open(file, tp_reenum_cmd_show, NULL);
}

static const struct file_operations tp_reenum_cmd_fops = {
	.owner		= THIS_MODULE,
	.open		= tp_reenum_cmd_open,
	.read		= seq_read,
	.write		= tp_reenum_cmd_write,
	.llseek		= seq_lseek,
	.release	= single_release,
};

/* The errnos the ops return: signed, so that "-98" can be written. */
#define TP_S32_ATTR(name)						\
static int name##_get(void *data, u64 *val)				\
{									\
	*val = (s64)READ_ONCE(name);					\
	return 0;							\
}									\
static int name##_set(void *data, u64 val)				\
{									\
	if ((s64)val > 0 || (s64)val < -MAX_ERRNO)			\
		return -EINVAL;						\
	WRITE_ONCE(name, (s32)val);					\
	return 0;							\
}									\
DEFINE_DEBUGFS_ATTRIBUTE_SIGNED(name##_fops, name##_get, name##_set,	\
				"%lld\n")

TP_S32_ATTR(tp_set_result);
TP_S32_ATTR(tp_reenum_result);
TP_S32_ATTR(tp_refresh_result);

static int tp_calls_show(struct seq_file *m, void *v)
{
	mutex_lock(&tp_lock);
	seq_printf(m, "set %llu reenumerate %llu refresh %llu\n",
		   tp_calls_set, tp_calls_reenum, tp_calls_refresh);
	mutex_unlock(&tp_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tp_calls);

static int tp_last_set_show(struct seq_file *m, void *v)
{
	mutex_lock(&tp_lock);
	seq_printf(m, "%llu %llu %llu %llu\n", tp_last_set[0], tp_last_set[1],
		   tp_last_set[2], tp_last_set[3]);
	mutex_unlock(&tp_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tp_last_set);

static int tp_events_show(struct seq_file *m, void *v)
{
	unsigned int i;

	mutex_lock(&tp_events_lock);
	for (i = 0; i < tp_nevents; i++)
		seq_printf(m, "%llu %llu %u %u %u\n", tp_events[i].seq,
			   tp_events[i].id, tp_events[i].type,
			   tp_events[i].old_status, tp_events[i].new_status);
	mutex_unlock(&tp_events_lock);
	return 0;
}

static int tp_events_open(struct inode *inode, struct file *file)
{
	return single_open_size(file, tp_events_show, NULL,
				TP_EVENTS_MAX * 64);
}

/* Any write clears the log. */
static ssize_t tp_events_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	mutex_lock(&tp_events_lock);
	tp_nevents = 0;
	mutex_unlock(&tp_events_lock);
	return count;
}

static const struct file_operations tp_events_fops = {
	.owner		= THIS_MODULE,
	.open		= tp_events_open,
	.read		= seq_read,
	.write		= tp_events_write,
	.llseek		= seq_lseek,
	.release	= single_release,
};

static int __init tp_init(void)
{
	int err;

	tp_events = kvcalloc(TP_EVENTS_MAX, sizeof(*tp_events), GFP_KERNEL);
	if (!tp_events)
		return -ENOMEM;
	err = iscsi_portal_register_notifier(&tp_nb);
	if (err)
		goto free;
	err = iscsi_portal_provider_register(&tp_prov);
	if (err)
		goto notifier;
	tp_registered = true;

	tp_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("cmd", 0600, tp_dir, NULL, &tp_cmd_fops);
	debugfs_create_u32("set_sleep_ms", 0600, tp_dir, &tp_set_sleep_ms);
	debugfs_create_file_unsafe("set_result", 0600, tp_dir, NULL,
				   &tp_set_result_fops);
	debugfs_create_file_unsafe("reenum_result", 0600, tp_dir, NULL,
				   &tp_reenum_result_fops);
	debugfs_create_file_unsafe("refresh_result", 0600, tp_dir, NULL,
				   &tp_refresh_result_fops);
	debugfs_create_file("reenum_cmd", 0600, tp_dir, NULL,
			    &tp_reenum_cmd_fops);
	debugfs_create_file("calls", 0400, tp_dir, NULL, &tp_calls_fops);
	debugfs_create_file("last_set", 0400, tp_dir, NULL, &tp_last_set_fops);
	debugfs_create_file("events", 0600, tp_dir, NULL, &tp_events_fops);
	return 0;

notifier:
	iscsi_portal_unregister_notifier(&tp_nb);
free:
	kvfree(tp_events);
	return err;
}

static void __exit tp_exit(void)
{
	debugfs_remove(tp_dir);
	mutex_lock(&tp_reg_lock);
	if (tp_registered)
		iscsi_portal_provider_unregister(&tp_prov);
	mutex_unlock(&tp_reg_lock);
	iscsi_portal_unregister_notifier(&tp_nb);
	kvfree(tp_events);
}

module_init(tp_init);
module_exit(tp_exit);

MODULE_DESCRIPTION("A test provider for the iscsi_portal selftests");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(ISCSI_PORTAL_NS);
