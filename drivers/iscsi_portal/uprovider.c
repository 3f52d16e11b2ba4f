// SPDX-License-Identifier: GPL-2.0
/*
 * iscsi_portal: a userspace provider, through its fd.
 */

/**
 * DOC: Userspace providers
 *
 * PROVIDER_ATTACH makes a writer fd a provider: a &struct ispt_uprov holds
 * an in-kernel &struct iscsi_portal_provider whose ops turn each call into
 * a request record, queue it to the fd and sleep until the fd replies.
 * The shape is FUSE's (fs/fuse/dev.c), much smaller: the provider read()s
 * whole &struct iscsi_portal_request records, each with a cookie, and
 * answers each with the PROVIDER_REPLY ioctl, whose own return value says
 * whether the reply was taken.  A reply through an ioctl, not write(), has
 * a fixed argument whose size the ioctl number carries, so a short or
 * torn write cannot exist, and read() stays the one stream of records.
 *
 * A request lives on its caller's stack.  It is on ``queued`` until the
 * provider reads it, then on ``sent`` until the reply.  The caller sleeps
 * killably for at most the provider's timeout; when it stops waiting
 * (ETIMEDOUT, or killed) it takes its request off whichever list holds
 * it, so a late reply finds no such cookie and is refused with ENOENT,
 * changing nothing; the provider then reports what it really did.
 * Closing the fd fails every pending request with ENXIO at once, then
 * unregisters the provider, which orphans its portals.
 *
 * Locking: ``ispt_uprov.lock`` (a spinlock) covers both lists, the cookie
 * counter, the closed mark and each request's result; it is held only to
 * move requests, never across copy_to_user() or a sleep.
 */

#include <linux/completion.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "ispt.h"

#define ISPT_TIMEOUT_MAX_MS	600000U
/* Requests copied per read() batch. */
#define ISPT_REQ_BATCH		8

struct ispt_uprov {
	struct iscsi_portal_provider prov;
	char name[ISCSI_PORTAL_PROVIDER_NAME_LEN];
	unsigned long timeout;		/* jiffies */
	spinlock_t lock;		/* see "Userspace providers" */
	struct list_head queued;
	struct list_head sent;
	u64 last_cookie;
	bool closed;
	wait_queue_head_t wait;		/* readers and pollers */
};

struct ispt_req {
	struct list_head node;
	struct iscsi_portal_request rec;
	struct completion done;
	int result;
	bool answered;
};

static struct ispt_uprov *ispt_uprov_of(struct iscsi_portal_provider *prov)
{
	return container_of(prov, struct ispt_uprov, prov);
}

/* Queue @req to @up, wait for its answer: its result is the call's. */
static int ispt_uprov_call(struct ispt_uprov *up, struct ispt_req *req)
{
	long left;
	int err;

	init_completion(&req->done);
	spin_lock(&up->lock);
	if (up->closed) {
		spin_unlock(&up->lock);
		return -ENXIO;
	}
	req->rec.cookie = ++up->last_cookie;
	list_add_tail(&req->node, &up->queued);
	spin_unlock(&up->lock);
	wake_up_interruptible_poll(&up->wait, EPOLLIN | EPOLLRDNORM);

	left = wait_for_completion_killable_timeout(&req->done, up->timeout);
	spin_lock(&up->lock);
	if (req->answered) {
		err = req->result;
	} else {
		list_del(&req->node);
		err = left ? -EINTR : -ETIMEDOUT;
	}
	spin_unlock(&up->lock);
	return err;
}

static int ispt_uprov_set_status(struct iscsi_portal_provider *prov, u64 id,
				 u32 old_status, u32 new_status, u32 flags)
{
	struct ispt_req req = {
		.rec = {
			.type = ISCSI_PORTAL_REQ_SET_STATUS,
			.flags = flags,
			.id = id,
			.old_status = old_status,
			.new_status = new_status,
		},
	};

	return ispt_uprov_call(ispt_uprov_of(prov), &req);
}

static int ispt_uprov_reenumerate(struct iscsi_portal_provider *prov)
{
	struct ispt_req req = {
		.rec.type = ISCSI_PORTAL_REQ_REENUMERATE,
	};

	return ispt_uprov_call(ispt_uprov_of(prov), &req);
}

static int ispt_uprov_refresh(struct iscsi_portal_provider *prov)
{
	struct ispt_req req = {
		.rec.type = ISCSI_PORTAL_REQ_REFRESH,
	};

	return ispt_uprov_call(ispt_uprov_of(prov), &req);
}

static const struct iscsi_portal_provider_ops ispt_uprov_ops = {
	.set_status	= ispt_uprov_set_status,
	.reenumerate	= ispt_uprov_reenumerate,
	.refresh	= ispt_uprov_refresh,
};

/**
 * ispt_uprov_attach() - PROVIDER_ATTACH: make an fd a provider.
 * @slot: the fd's provider pointer; set once.
 * @arg: the caller's argument.
 *
 * Context: process context, the fd's WATCH/ATTACH lock held; sleeps.
 * Return: 0, -EINVAL (flags, timeout or name), -EEXIST (already a
 * provider) or -ENOMEM.
 */
int ispt_uprov_attach(struct ispt_uprov **slot,
		      const struct iscsi_portal_provider_attach *arg)
{
	struct ispt_uprov *up;
	int err;

	if (arg->flags || arg->timeout_ms > ISPT_TIMEOUT_MAX_MS ||
	    !memchr(arg->name, '\0', sizeof(arg->name)) ||
	    !ispt_provider_name_valid(arg->name))
		return -EINVAL;
	if (*slot)
		return -EEXIST;

	up = kzalloc(sizeof(*up), GFP_KERNEL_ACCOUNT);
	if (!up)
		return -ENOMEM;
	strscpy(up->name, arg->name, sizeof(up->name));
	up->prov.name = up->name;
	up->prov.ops = &ispt_uprov_ops;
	up->timeout = msecs_to_jiffies(arg->timeout_ms ?:
				       READ_ONCE(ispt_provider_timeout_ms));
	spin_lock_init(&up->lock);
	INIT_LIST_HEAD(&up->queued);
	INIT_LIST_HEAD(&up->sent);
	init_waitqueue_head(&up->wait);
	err = iscsi_portal_provider_register(&up->prov);
	if (err) {
		kfree(up);
		return err;
	}
	/* Publish it initialised; pairs with the acquire in main.c. */
	smp_store_release(slot, up);
	return 0;
}

/**
 * ispt_uprov_detach() - the provider fd is being released.
 * @up: its provider, or NULL.
 *
 * Fails every pending request with ENXIO at once, then unregisters the
 * provider (its portals become orphans) and frees it.
 *
 * Context: process context, at the fd's release; sleeps.
 */
void ispt_uprov_detach(struct ispt_uprov *up)
{
	struct ispt_req *req, *tmp;

	if (!up)
		return;
	spin_lock(&up->lock);
	up->closed = true;
	list_splice_init(&up->sent, &up->queued);
	list_for_each_entry_safe(req, tmp, &up->queued, node) {
		list_del(&req->node);
		req->result = -ENXIO;
		req->answered = true;
		complete(&req->done);
	}
	spin_unlock(&up->lock);
	iscsi_portal_provider_unregister(&up->prov);
	kfree(up);
}

/**
 * ispt_uprov_provider() - the in-kernel provider of a provider fd.
 * @up: the fd's provider, or NULL.
 *
 * Context: any.
 * Return: the provider, or NULL for an fd that is not one.
 */
struct iscsi_portal_provider *ispt_uprov_provider(struct ispt_uprov *up)
{
	return up ? &up->prov : NULL;
}

/**
 * ispt_uprov_reply() - PROVIDER_REPLY: the answer to one request.
 * @up: the fd's provider, or NULL.
 * @reply: the caller's argument.
 *
 * Context: process context.
 * Return: 0, -EINVAL (not a provider fd, flags, or a result that is not 0
 * or an errno below 512), or -ENOENT (no request with that cookie waits: never
 * read, already answered, or its caller stopped waiting).
 */
int ispt_uprov_reply(struct ispt_uprov *up,
		     const struct iscsi_portal_reply *reply)
{
	struct ispt_req *req;
	int err = -ENOENT;

	/* Errnos from 512 up are the kernel's own, never a syscall's. */
	if (!up || reply->flags || reply->result > 0 ||
	    reply->result <= -ERESTARTSYS)
		return -EINVAL;
	spin_lock(&up->lock);
	list_for_each_entry(req, &up->sent, node) {
		if (req->rec.cookie == reply->cookie) {
			list_del(&req->node);
			req->result = reply->result;
			req->answered = true;
			complete(&req->done);
			err = 0;
			break;
		}
	}
	spin_unlock(&up->lock);
	return err;
}

/* Move up to @max queued requests to sent, their records into @buf. */
static unsigned int ispt_uprov_take(struct ispt_uprov *up,
				    struct iscsi_portal_request *buf,
				    unsigned int max)
{
	struct ispt_req *req, *tmp;
	unsigned int n = 0;

	spin_lock(&up->lock);
	list_for_each_entry_safe(req, tmp, &up->queued, node) {
		if (n == max)
			break;
		buf[n++] = req->rec;
		list_move_tail(&req->node, &up->sent);
	}
	spin_unlock(&up->lock);
	return n;
}

/* A copy to the reader failed: give the requests of @buf back, in order. */
static void ispt_uprov_untake(struct ispt_uprov *up,
			      const struct iscsi_portal_request *buf,
			      unsigned int n)
{
	struct ispt_req *req, *tmp;

	spin_lock(&up->lock);
	while (n--) {
		list_for_each_entry_safe(req, tmp, &up->sent, node) {
			if (req->rec.cookie == buf[n].cookie) {
				list_move(&req->node, &up->queued);
				break;
			}
		}
	}
	spin_unlock(&up->lock);
	wake_up_interruptible_poll(&up->wait, EPOLLIN | EPOLLRDNORM);
}

static bool ispt_uprov_ready(struct ispt_uprov *up)
{
	bool ready;

	spin_lock(&up->lock);
	ready = !list_empty(&up->queued);
	spin_unlock(&up->lock);
	return ready;
}

/**
 * ispt_uprov_read() - read() of a provider fd: whole request records.
 * @up: the fd's provider.
 * @nonblock: O_NONBLOCK: -EAGAIN rather than wait when none is queued.
 * @buf: the user's buffer.
 * @count: its size.
 *
 * Context: process context; may sleep (interruptibly) for the first one.
 * Return: bytes read, or -EINVAL (@count below one record), -EAGAIN,
 * -ERESTARTSYS or -EFAULT.
 */
ssize_t ispt_uprov_read(struct ispt_uprov *up, bool nonblock,
			char __user *buf, size_t count)
{
	struct iscsi_portal_request batch[ISPT_REQ_BATCH];
	size_t max = count / sizeof(batch[0]);
	unsigned int n;
	int err;

	if (!max)
		return -EINVAL;
	for (;;) {
		n = ispt_uprov_take(up, batch, min_t(size_t, max,
						     ISPT_REQ_BATCH));
		if (n)
			break;
		if (nonblock)
			return -EAGAIN;
		err = wait_event_interruptible(up->wait, ispt_uprov_ready(up));
		if (err)
			return err;
	}
	if (copy_to_user(buf, batch, n * sizeof(batch[0]))) {
		ispt_uprov_untake(up, batch, n);
		return -EFAULT;
	}
	return n * sizeof(batch[0]);
}

/**
 * ispt_uprov_poll() - poll() of a provider fd.
 * @up: the fd's provider.
 * @file: the fd.
 * @wait: the poll table.
 *
 * Context: process context.
 * Return: EPOLLIN | EPOLLRDNORM while a request waits to be read, else 0.
 */
__poll_t ispt_uprov_poll(struct ispt_uprov *up, struct file *file,
			 struct poll_table_struct *wait)
{
	poll_wait(file, &up->wait, wait);
	return ispt_uprov_ready(up) ? EPOLLIN | EPOLLRDNORM : 0;
}
