// SPDX-License-Identifier: GPL-2.0
/*
 * iscsi_portal: providers, the in-kernel API of include/linux/iscsi_portal.h.
 */

/**
 * DOC: Providers
 *
 * A provider is a &struct iscsi_portal_provider that a module (or, through
 * uprovider.c, a userspace process) registers.  The portals it adds are
 * its own: it alone may remove them and report their status (EPERM for
 * anyone else), and a SET_STATUS of one calls its set_status op inside
 * the portal's busy window.  REENUMERATE and REFRESH call every provider's
 * op in turn, in registration order.
 *
 * ``ispt_provider_mutex`` guards the list of providers; it is held only to
 * change the list or to take a reference of each provider on it, never
 * across a call of an op.  A call of a provider's op, and a call of the
 * API by a provider, holds an ``active`` count of it, taken only while it
 * is not ``dead`` (else the call fails with ENXIO); unregistering marks it
 * dead, waits for the count to drop to zero, then orphans its portals and
 * waits for a grace period, after which nothing of iscsi_portal refers to
 * the provider.
 */

#include <linux/cleanup.h>
#include <linux/ctype.h>
#include <linux/export.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/wait_bit.h>

#include "ispt.h"

static DEFINE_MUTEX(ispt_provider_mutex);	/* ispt_providers */
static LIST_HEAD(ispt_providers);

/* The provider a table-wide call is asking, or NULL; see table.c. */
struct iscsi_portal_provider *ispt_excl_owner;

/**
 * ispt_provider_name_valid() - is @name a provider name?
 * @name: a string.
 *
 * Context: any.
 * Return: true for 1 to ISCSI_PORTAL_PROVIDER_NAME_LEN - 1 printable
 * ASCII characters.
 */
bool ispt_provider_name_valid(const char *name)
{
	size_t i;

	for (i = 0; name[i]; i++)
		if (i == ISCSI_PORTAL_PROVIDER_NAME_LEN - 1 ||
		    !isascii(name[i]) || !isprint(name[i]))
			return false;
	return i;
}

static bool ispt_provider_get(struct iscsi_portal_provider *prov)
{
	atomic_inc(&prov->active);
	/* Pairs with the barrier in iscsi_portal_provider_unregister(). */
	smp_mb__after_atomic();
	if (!READ_ONCE(prov->dead))
		return true;
	if (atomic_dec_and_test(&prov->active))
		wake_up_var(&prov->active);
	return false;
}

static void ispt_provider_put(struct iscsi_portal_provider *prov)
{
	if (atomic_dec_and_test(&prov->active))
		wake_up_var(&prov->active);
}

/**
 * ispt_provider_set_status() - ask @prov to make a SET_STATUS happen.
 * @prov: the portal's provider.
 * @id: the portal, whose busy mark the caller owns.
 * @old_status: its status.
 * @new_status: the status asked for, not @old_status.
 * @flags: ISCSI_PORTAL_SET_* of the SET.
 *
 * Context: process context, no lock held; sleeps for as long as the
 * provider takes.
 * Return: 0 to commit, -ENXIO when @prov is unregistering, -EOPNOTSUPP
 * for a flag it cannot serve, or the provider's error.
 */
int ispt_provider_set_status(struct iscsi_portal_provider *prov, u64 id,
			     u32 old_status, u32 new_status, u32 flags)
{
	int err;

	if (!prov->ops || !prov->ops->set_status)
		return flags ? -EOPNOTSUPP : 0;
	if (!ispt_provider_get(prov))
		return -ENXIO;
	err = prov->ops->set_status(prov, id, old_status, new_status, flags);
	ispt_provider_put(prov);
	return err;
}

/**
 * ispt_providers_ask() - the providers' part of REENUMERATE or REFRESH.
 * @refresh: REFRESH, else REENUMERATE.
 *
 * Each provider is asked in turn, as the exempt ``ispt_excl_owner``; one
 * that fails does not keep the others from being asked.
 *
 * Context: process context, the table-wide mark owned; sleeps.
 * Return: 0, or the first provider's error.
 */
int ispt_providers_ask(bool refresh)
{
	int (*op)(struct iscsi_portal_provider *prov);
	struct iscsi_portal_provider *prov, **provs;
	unsigned int i, n = 0;
	int err = 0, ret;

	/* The providers now, each held, so that none is asked under the mutex. */
	scoped_guard(mutex, &ispt_provider_mutex) {
		list_for_each_entry(prov, &ispt_providers, node)
			n++;
		provs = kmalloc_array(n, sizeof(*provs), GFP_KERNEL);
		if (!provs)
			return -ENOMEM;
		n = 0;
		list_for_each_entry(prov, &ispt_providers, node)
			if (ispt_provider_get(prov))
				provs[n++] = prov;
	}
	for (i = 0; i < n; i++) {
		prov = provs[i];
		op = prov->ops ? (refresh ? prov->ops->refresh :
					    prov->ops->reenumerate) : NULL;
		/* One that is unregistering is no longer asked. */
		if (op && !READ_ONCE(prov->dead)) {
			WRITE_ONCE(ispt_excl_owner, prov);
			ret = op(prov);
			WRITE_ONCE(ispt_excl_owner, NULL);
			/* Not if it went away meanwhile (ENXIO). */
			if (ret && !err && !READ_ONCE(prov->dead))
				err = ret;
		}
		ispt_provider_put(prov);
	}
	kfree(provs);
	return err;
}

/**
 * iscsi_portal_provider_register() - make @prov a provider.
 * @prov: the provider, with @ops and @name set; its private fields are
 *	initialised here.
 *
 * Context: process context; sleeps.  Not from a provider op.
 * Return: 0, or -EINVAL for a bad name.
 */
int iscsi_portal_provider_register(struct iscsi_portal_provider *prov)
{
	if (!prov->name || !ispt_provider_name_valid(prov->name))
		return -EINVAL;
	atomic_set(&prov->active, 0);
	prov->dead = false;
	guard(mutex)(&ispt_provider_mutex);
	list_add_tail(&prov->node, &ispt_providers);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(iscsi_portal_provider_register, ISCSI_PORTAL_NS);

/**
 * iscsi_portal_provider_unregister() - withdraw @prov.
 * @prov: a registered provider.
 *
 * Waits for the calls of @prov's ops in flight, then orphans its portals:
 * they keep their ids and addresses, their status becomes UNKNOWN (a
 * MODIFY event each), and SET_STATUS on them fails with ENXIO until a
 * provider adds their address again.  When it returns, iscsi_portal no
 * longer refers to @prov, which may be freed.
 *
 * Context: process context; sleeps.  Not from a provider op or notifier.
 */
void iscsi_portal_provider_unregister(struct iscsi_portal_provider *prov)
{
	scoped_guard(mutex, &ispt_provider_mutex)
		list_del(&prov->node);
	WRITE_ONCE(prov->dead, true);
	/* Pairs with the barrier in ispt_provider_get(). */
	smp_mb();
	wait_var_event(&prov->active, !atomic_read(&prov->active));
	ispt_orphan(prov);
	/* GET_PROVIDER may still be reading @prov->name. */
	synchronize_rcu();
}
EXPORT_SYMBOL_NS_GPL(iscsi_portal_provider_unregister, ISCSI_PORTAL_NS);

/**
 * iscsi_portal_add() - add a portal that @prov owns, or adopt an orphan.
 * @prov: a registered provider.
 * @addr: the portal's address.
 * @status: its status, any of section 2 of the contract.
 * @id: where its id goes.  An orphan of that address is adopted and keeps
 *	its id; its status becomes @status (a MODIFY event if it differs).
 *
 * Context: process context; sleeps.
 * Return: 0, or the errors of ADD: -EINVAL, -EUCLEAN, -EEXIST, -ENOSPC,
 * -EBUSY, -ENOMEM; -ENXIO once @prov is unregistering.
 */
int iscsi_portal_add(struct iscsi_portal_provider *prov,
		     const struct iscsi_portal_addr *addr, u32 status, u64 *id)
{
	int err;

	if (!ispt_provider_get(prov))
		return -ENXIO;
	err = ispt_add(addr, status, prov, id);
	ispt_provider_put(prov);
	return err;
}
EXPORT_SYMBOL_NS_GPL(iscsi_portal_add, ISCSI_PORTAL_NS);

/**
 * iscsi_portal_remove() - remove a portal of @prov.
 * @prov: a registered provider.
 * @id: the portal.
 *
 * Context: process context; sleeps.
 * Return: 0, or the errors of REMOVE: -EUCLEAN, -ENOENT, -EIDRM, -EPERM
 * (another provider's portal), -EBUSY; -ENXIO once @prov is
 * unregistering.
 */
int iscsi_portal_remove(struct iscsi_portal_provider *prov, u64 id)
{
	int err;

	if (!ispt_provider_get(prov))
		return -ENXIO;
	err = ispt_remove(id, prov);
	ispt_provider_put(prov);
	return err;
}
EXPORT_SYMBOL_NS_GPL(iscsi_portal_remove, ISCSI_PORTAL_NS);

/**
 * iscsi_portal_report_status() - report what the target stack did.
 * @prov: a registered provider.
 * @id: one of its portals.
 * @status: any status of section 2 of the contract.
 *
 * Context: process context; sleeps.
 * Return: 0, or the errors of REPORT_STATUS: -EINVAL, -EUCLEAN, -ENOENT,
 * -EIDRM, -EPERM (another provider's portal), -ENXIO (an orphan, or @prov
 * is unregistering), -EBUSY.
 */
int iscsi_portal_report_status(struct iscsi_portal_provider *prov, u64 id,
			       u32 status)
{
	int err;

	if (!ispt_provider_get(prov))
		return -ENXIO;
	err = ispt_report_status(id, status, prov);
	ispt_provider_put(prov);
	return err;
}
EXPORT_SYMBOL_NS_GPL(iscsi_portal_report_status, ISCSI_PORTAL_NS);

/**
 * iscsi_portal_mark_corrupt() - a provider finds the table corrupt.
 * @prov: a registered provider.
 *
 * From now on the calls of section 4 fail with EUCLEAN until the VDS
 * recovery: a REENUMERATE, in which the providers rebuild the table (their
 * own calls are not EUCLEAN while they are asked), then a REFRESH.
 *
 * Context: process context.
 */
void iscsi_portal_mark_corrupt(struct iscsi_portal_provider *prov)
{
	ispt_mark_corrupt();
}
EXPORT_SYMBOL_NS_GPL(iscsi_portal_mark_corrupt, ISCSI_PORTAL_NS);

/**
 * iscsi_portal_get_info() - the read side: one portal's info.
 * @prov: the provider that asks, or NULL; while a table-wide call asks
 *	@prov, its reads are not EUCLEAN.
 * @id: the portal.
 * @info: filled on success.
 *
 * Context: any process context, a provider op or a notifier included;
 * takes no lock, never waits.
 * Return: 0, or -EUCLEAN, -ENOENT or -EIDRM.
 */
int iscsi_portal_get_info(struct iscsi_portal_provider *prov, u64 id,
			  struct iscsi_portal_info *info)
{
	return ispt_get_info(id, info, prov);
}
EXPORT_SYMBOL_NS_GPL(iscsi_portal_get_info, ISCSI_PORTAL_NS);

/**
 * iscsi_portal_register_notifier() - be told of every committed change.
 * @nb: its notifier_call gets the event type as @action and a
 *	&struct iscsi_portal_event as @data, in commit order.
 *
 * The callback runs in process context with the table's commit mutex
 * held: it may sleep and may call iscsi_portal_get_info(), but no call
 * that changes the table (add, remove, report, SET, REENUMERATE, REFRESH),
 * no provider (un)registration and no notifier (un)registration, which
 * would deadlock.  It should be quick: every commit waits for it.
 *
 * Context: process context; sleeps.
 * Return: 0.
 */
int iscsi_portal_register_notifier(struct notifier_block *nb)
{
	return blocking_notifier_chain_register(&ispt_notifier, nb);
}
EXPORT_SYMBOL_NS_GPL(iscsi_portal_register_notifier, ISCSI_PORTAL_NS);

/**
 * iscsi_portal_unregister_notifier() - no longer be told.
 * @nb: a registered notifier block.
 *
 * Context: process context; sleeps.  Not from a notifier callback.
 * Return: 0, or -ENOENT if @nb was not registered.
 */
int iscsi_portal_unregister_notifier(struct notifier_block *nb)
{
	return blocking_notifier_chain_unregister(&ispt_notifier, nb);
}
EXPORT_SYMBOL_NS_GPL(iscsi_portal_unregister_notifier, ISCSI_PORTAL_NS);
