// SPDX-License-Identifier: GPL-2.0
/*
 * The LIST iterator and ipl_list_all() against canned LIST pages.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iscsiportal.h"
#include "fake.h"
#include "tap.h"

#define MAX_IDS	64

/* What the canned LIST replies look like. */
static struct {
	uint64_t ids[MAX_IDS];
	unsigned int n;
	unsigned int page_limit;	/* 0: capacity only */
	bool empty_first;		/* first reply: no entries, cursor moved */
	bool stuck;			/* the cursor stays at the first id */
	unsigned int fail_call;		/* 1-based call that fails; 0: none */
	int fail_err;
	uint64_t gen_base;
	bool gen_moves;			/* generation grows with every call */
	unsigned int calls;
	void *last_entries;
} lst;

static void table(unsigned int n, uint64_t stride)
{
	unsigned int i;

	memset(&lst, 0, sizeof(lst));
	lst.n = n;
	for (i = 0; i < n; i++)
		lst.ids[i] = 1 + i * stride;
	lst.gen_base = 100;
}

static void fill(struct iscsi_portal_info *e, uint64_t id)
{
	memset(e, 0, sizeof(*e));
	e->id = id;
	e->status = (uint32_t)(id % 6);
	e->generation = id * 10;
}

static int list_reply(unsigned long req, void *arg)
{
	struct iscsi_portal_list *l = arg;
	struct iscsi_portal_info *e = (void *)(uintptr_t)l->entries;
	unsigned int i = 0, limit = l->capacity;

	if (req != ISCSI_PORTAL_IOC_LIST || !l->capacity)
		return EINVAL;
	lst.calls++;
	lst.last_entries = e;
	if (lst.fail_call == lst.calls)
		return lst.fail_err;
	l->table_generation = lst.gen_base + (lst.gen_moves ? lst.calls : 0);
	if (lst.page_limit && lst.page_limit < limit)
		limit = lst.page_limit;
	while (i < lst.n && lst.ids[i] < l->cursor)
		i++;
	if (lst.empty_first && lst.calls == 1) {
		l->count = 0;
		l->cursor = i < lst.n ? lst.ids[i] : 0;
		return 0;
	}
	for (l->count = 0; l->count < limit && i < lst.n; l->count++, i++)
		fill(&e[l->count], lst.ids[i]);
	l->cursor = i < lst.n ? lst.ids[i] : 0;
	if (lst.stuck)
		l->cursor = lst.ids[0];
	return 0;
}

/* Walk with @it; check every id arrives once, in order.  Returns the error. */
static int walk_all(struct ipl_list_iter *it)
{
	const struct iscsi_portal_info *info;
	unsigned int seen = 0;
	int ret;

	while ((ret = ipl_list_iter_next(it, &info)) > 0) {
		if (!CHECK(seen < lst.n))
			return -E2BIG;
		CHECK_UINT(info->id, lst.ids[seen]);
		CHECK_UINT(info->generation, lst.ids[seen] * 10);
		seen++;
	}
	if (!ret)
		CHECK_INT(seen, lst.n);
	return ret;
}

static void run_walk(uint32_t capacity, unsigned int expect_calls)
{
	struct ipl_handle *h = fake_open(list_reply);
	struct ipl_list_iter *it = NULL;

	if (!CHECK(h))
		return;
	if (CHECK_INT(ipl_list_iter_new(h, NULL, capacity, &it), 0)) {
		CHECK_INT(walk_all(it), 0);
		CHECK_INT(lst.calls, expect_calls);
		CHECK(!ipl_list_iter_changed(it));
		CHECK_UINT(ipl_list_iter_generation(it), 100);
		ipl_list_iter_free(it);
	}
	fake_close(h);
}

static void test_pages(void)
{
	table(0, 1);
	run_walk(3, 1);				/* empty table */
	table(10, 3);
	run_walk(3, 4);				/* 3+3+3+1 */
	table(9, 1);
	run_walk(3, 3);				/* exact fit */
	table(10, 1);
	run_walk(0, 1);				/* default capacity */
	table(10, 2);
	lst.page_limit = 2;			/* short pages */
	run_walk(4, 5);
	table(5, 7);
	lst.empty_first = true;			/* an empty page mid-walk */
	run_walk(2, 4);
}

static void test_caller_buffer(void)
{
	struct iscsi_portal_info buf[2];
	struct ipl_handle *h = fake_open(list_reply);
	struct ipl_list_iter *it = NULL;

	if (!CHECK(h))
		return;
	table(5, 1);
	CHECK_INT(ipl_list_iter_new(h, buf, 0, &it), -EINVAL);
	if (CHECK_INT(ipl_list_iter_new(h, buf, 2, &it), 0)) {
		CHECK_INT(walk_all(it), 0);
		CHECK(lst.last_entries == (void *)buf);
		CHECK_INT(lst.calls, 3);
		/* Reset walks again from the start. */
		ipl_list_iter_reset(it);
		CHECK_INT(walk_all(it), 0);
		CHECK_INT(lst.calls, 6);
		ipl_list_iter_free(it);
	}
	CHECK_INT(ipl_list_iter_new(NULL, NULL, 0, &it), -EINVAL);
	ipl_list_iter_free(NULL);
	fake_close(h);
}

static void test_errors(void)
{
	struct iscsi_portal_info buf[2];
	struct ipl_handle *h = fake_open(list_reply);
	struct iscsi_portal_list l;
	struct ipl_list_iter *it = NULL;

	if (!CHECK(h))
		return;
	table(5, 1);
	lst.fail_call = 2;
	lst.fail_err = EUCLEAN;
	if (CHECK_INT(ipl_list_iter_new(h, buf, 2, &it), 0)) {
		CHECK_INT(walk_all(it), -EUCLEAN);
		ipl_list_iter_free(it);
	}
	table(5, 1);
	lst.stuck = true;
	if (CHECK_INT(ipl_list_iter_new(h, buf, 2, &it), 0)) {
		CHECK_INT(walk_all(it), -EPROTO);
		ipl_list_iter_free(it);
	}
	/* A module claiming more entries than the buffer holds. */
	fake.handler = NULL;
	memset(&l, 0, sizeof(l));
	l.capacity = 2;
	l.entries = (uintptr_t)buf;
	CHECK_INT(ipl_list(h, &l), 0);
	CHECK_UINT(l.count, 0);
	fake.fail_errno = EFAULT;
	CHECK_INT(ipl_list(h, &l), -EFAULT);
	CHECK_INT(ipl_list(h, NULL), -EINVAL);
	fake_close(h);
}

static int overfull_reply(unsigned long req, void *arg)
{
	struct iscsi_portal_list *l = arg;

	(void)req;
	l->count = l->capacity + 1;
	return 0;
}

static void test_overfull(void)
{
	struct iscsi_portal_info buf[2];
	struct ipl_handle *h = fake_open(overfull_reply);
	struct iscsi_portal_list l = {
		.entries = (uintptr_t)buf, .capacity = 2,
	};

	if (!CHECK(h))
		return;
	CHECK_INT(ipl_list(h, &l), -EPROTO);
	fake_close(h);
}

static void test_generations(void)
{
	struct ipl_handle *h = fake_open(list_reply);
	struct ipl_list_iter *it = NULL;
	const struct iscsi_portal_info *info;

	if (!CHECK(h))
		return;
	table(4, 1);
	lst.gen_moves = true;
	if (CHECK_INT(ipl_list_iter_new(h, NULL, 2, &it), 0)) {
		CHECK_UINT(ipl_list_iter_first_generation(it), 0);
		CHECK_INT(ipl_list_iter_next(it, &info), 1);
		CHECK_UINT(ipl_list_iter_generation(it), 101);
		CHECK(!ipl_list_iter_changed(it));
		CHECK_INT(ipl_list_iter_next(it, &info), 1);
		CHECK_INT(ipl_list_iter_next(it, &info), 1);
		CHECK_UINT(ipl_list_iter_generation(it), 102);
		CHECK_UINT(ipl_list_iter_first_generation(it), 101);
		CHECK(ipl_list_iter_changed(it));
		ipl_list_iter_reset(it);
		CHECK(!ipl_list_iter_changed(it));
		ipl_list_iter_free(it);
	}
	fake_close(h);
}

static void test_list_all(void)
{
	struct ipl_handle *h = fake_open(list_reply);
	struct iscsi_portal_info *all = NULL;
	uint64_t gen = 0;
	size_t n = 99;

	if (!CHECK(h))
		return;
	table(0, 1);
	CHECK_INT(ipl_list_all(h, &all, &n, &gen), 0);
	CHECK_INT(n, 0);
	CHECK(all == NULL);
	CHECK_UINT(gen, 100);

	table(MAX_IDS, 5);		/* many short pages */
	lst.page_limit = 7;
	CHECK_INT(ipl_list_all(h, &all, &n, &gen), 0);
	if (CHECK_INT(n, MAX_IDS))
		for (size_t i = 0; i < n; i++)
			CHECK_UINT(all[i].id, lst.ids[i]);
	free(all);
	all = NULL;

	/* A table that keeps changing: a few walks, then the last one. */
	lst.calls = 0;
	lst.gen_moves = true;
	CHECK_INT(ipl_list_all(h, &all, &n, &gen), 0);
	CHECK_INT(n, MAX_IDS);
	CHECK_INT(lst.calls, 4 * 10);
	CHECK_UINT(gen, 100 + 3 * 10 + 1);	/* first page of the last walk */
	free(all);
	all = NULL;

	lst.fail_call = lst.calls + 2;
	lst.fail_err = ENOMEM;
	n = 99;
	CHECK_INT(ipl_list_all(h, &all, &n, NULL), -ENOMEM);
	CHECK(all == NULL);
	CHECK_INT(n, 99);
	CHECK_INT(ipl_list_all(h, NULL, &n, NULL), -EINVAL);
	fake_close(h);
}

const struct test list_tests[] = {
	{ "list: iterator over full, short and empty pages", test_pages },
	{ "list: caller buffer and reset", test_caller_buffer },
	{ "list: errors mid-walk and a stuck cursor", test_errors },
	{ "list: count above capacity is EPROTO", test_overfull },
	{ "list: per-page table generations", test_generations },
	{ "list: ipl_list_all collects, retries, fails cleanly", test_list_all },
	{ NULL, NULL },
};
