// SPDX-License-Identifier: GPL-2.0
/*
 * The LIST iterator and ipl_list_all() against canned LIST pages.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iscsiportal.h"
#include "fake.h"
#include "harness.h"

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
static int walk_all(struct __test_metadata *_metadata,
		    struct ipl_list_iter *it)
{
	const struct iscsi_portal_info *info;
	unsigned int seen = 0;
	bool ok;
	int ret;

	while ((ret = ipl_list_iter_next(it, &info)) > 0) {
		ok = true;
		EXPECT_LT(seen, lst.n) ok = false;
		if (!ok)
			return -E2BIG;
		EXPECT_EQ(lst.ids[seen], info->id);
		EXPECT_EQ(lst.ids[seen] * 10, info->generation);
		seen++;
	}
	if (!ret) {
		EXPECT_EQ(lst.n, seen);
	}
	return ret;
}

static void run_walk(struct __test_metadata *_metadata, uint32_t capacity,
		     unsigned int expect_calls)
{
	struct ipl_handle *h = fake_open(list_reply);
	struct ipl_list_iter *it = NULL;
	bool ok = true;

	EXPECT_NE(NULL, h) ok = false;
	if (!ok)
		return;
	EXPECT_EQ(0, ipl_list_iter_new(h, NULL, capacity, &it)) ok = false;
	if (ok) {
		EXPECT_EQ(0, walk_all(_metadata, it));
		EXPECT_EQ(expect_calls, lst.calls);
		EXPECT_FALSE(ipl_list_iter_changed(it));
		EXPECT_EQ(100U, ipl_list_iter_generation(it));
		ipl_list_iter_free(it);
	}
	fake_close(h);
}

/* list: iterator over full, short and empty pages */
TEST(list_pages)
{
	table(0, 1);
	run_walk(_metadata, 3, 1);		/* empty table */
	table(10, 3);
	run_walk(_metadata, 3, 4);		/* 3+3+3+1 */
	table(9, 1);
	run_walk(_metadata, 3, 3);		/* exact fit */
	table(10, 1);
	run_walk(_metadata, 0, 1);		/* default capacity */
	table(10, 2);
	lst.page_limit = 2;			/* short pages */
	run_walk(_metadata, 4, 5);
	table(5, 7);
	lst.empty_first = true;			/* an empty page mid-walk */
	run_walk(_metadata, 2, 4);
}

/* list: caller buffer and reset */
TEST(list_caller_buffer)
{
	struct iscsi_portal_info buf[2];
	struct ipl_handle *h = fake_open(list_reply);
	struct ipl_list_iter *it = NULL;
	bool ok = true;

	ASSERT_NE(NULL, h);
	table(5, 1);
	EXPECT_EQ(-EINVAL, ipl_list_iter_new(h, buf, 0, &it));
	EXPECT_EQ(0, ipl_list_iter_new(h, buf, 2, &it)) ok = false;
	if (ok) {
		EXPECT_EQ(0, walk_all(_metadata, it));
		EXPECT_EQ((void *)buf, lst.last_entries);
		EXPECT_EQ(3U, lst.calls);
		/* Reset walks again from the start. */
		ipl_list_iter_reset(it);
		EXPECT_EQ(0, walk_all(_metadata, it));
		EXPECT_EQ(6U, lst.calls);
		ipl_list_iter_free(it);
	}
	EXPECT_EQ(-EINVAL, ipl_list_iter_new(NULL, NULL, 0, &it));
	ipl_list_iter_free(NULL);
	fake_close(h);
}

/* list: errors mid-walk and a stuck cursor */
TEST(list_errors)
{
	struct iscsi_portal_info buf[2];
	struct ipl_handle *h = fake_open(list_reply);
	struct iscsi_portal_list l;
	struct ipl_list_iter *it = NULL;
	bool ok;

	ASSERT_NE(NULL, h);
	table(5, 1);
	lst.fail_call = 2;
	lst.fail_err = EUCLEAN;
	ok = true;
	EXPECT_EQ(0, ipl_list_iter_new(h, buf, 2, &it)) ok = false;
	if (ok) {
		EXPECT_EQ(-EUCLEAN, walk_all(_metadata, it));
		ipl_list_iter_free(it);
	}
	table(5, 1);
	lst.stuck = true;
	ok = true;
	EXPECT_EQ(0, ipl_list_iter_new(h, buf, 2, &it)) ok = false;
	if (ok) {
		EXPECT_EQ(-EPROTO, walk_all(_metadata, it));
		ipl_list_iter_free(it);
	}
	/* A module claiming more entries than the buffer holds. */
	fake.handler = NULL;
	memset(&l, 0, sizeof(l));
	l.capacity = 2;
	l.entries = (uintptr_t)buf;
	EXPECT_EQ(0, ipl_list(h, &l));
	EXPECT_EQ(0U, l.count);
	fake.fail_errno = EFAULT;
	EXPECT_EQ(-EFAULT, ipl_list(h, &l));
	EXPECT_EQ(-EINVAL, ipl_list(h, NULL));
	fake_close(h);
}

static int overfull_reply(unsigned long req, void *arg)
{
	struct iscsi_portal_list *l = arg;

	(void)req;
	l->count = l->capacity + 1;
	return 0;
}

/* list: count above capacity is EPROTO */
TEST(list_overfull)
{
	struct iscsi_portal_info buf[2];
	struct ipl_handle *h = fake_open(overfull_reply);
	struct iscsi_portal_list l = {
		.entries = (uintptr_t)buf, .capacity = 2,
	};

	ASSERT_NE(NULL, h);
	EXPECT_EQ(-EPROTO, ipl_list(h, &l));
	fake_close(h);
}

/* list: per-page table generations */
TEST(list_generations)
{
	struct ipl_handle *h = fake_open(list_reply);
	struct ipl_list_iter *it = NULL;
	const struct iscsi_portal_info *info;
	bool ok = true;

	ASSERT_NE(NULL, h);
	table(4, 1);
	lst.gen_moves = true;
	EXPECT_EQ(0, ipl_list_iter_new(h, NULL, 2, &it)) ok = false;
	if (ok) {
		EXPECT_EQ(0U, ipl_list_iter_first_generation(it));
		EXPECT_EQ(1, ipl_list_iter_next(it, &info));
		EXPECT_EQ(101U, ipl_list_iter_generation(it));
		EXPECT_FALSE(ipl_list_iter_changed(it));
		EXPECT_EQ(1, ipl_list_iter_next(it, &info));
		EXPECT_EQ(1, ipl_list_iter_next(it, &info));
		EXPECT_EQ(102U, ipl_list_iter_generation(it));
		EXPECT_EQ(101U, ipl_list_iter_first_generation(it));
		EXPECT_TRUE(ipl_list_iter_changed(it));
		ipl_list_iter_reset(it);
		EXPECT_FALSE(ipl_list_iter_changed(it));
		ipl_list_iter_free(it);
	}
	fake_close(h);
}

/* list: ipl_list_all collects, retries, fails cleanly */
TEST(list_all)
{
	struct ipl_handle *h = fake_open(list_reply);
	struct iscsi_portal_info *all = NULL;
	uint64_t gen = 0;
	size_t n = 99;
	bool ok = true;

	ASSERT_NE(NULL, h);
	table(0, 1);
	EXPECT_EQ(0, ipl_list_all(h, &all, &n, &gen));
	EXPECT_EQ(0U, n);
	EXPECT_NULL(all);
	EXPECT_EQ(100U, gen);

	table(MAX_IDS, 5);		/* many short pages */
	lst.page_limit = 7;
	EXPECT_EQ(0, ipl_list_all(h, &all, &n, &gen));
	EXPECT_EQ((size_t)MAX_IDS, n) ok = false;
	if (ok) {
		for (size_t i = 0; i < n; i++) {
			EXPECT_EQ(lst.ids[i], all[i].id);
		}
	}
	free(all);
	all = NULL;

	/* A table that keeps changing: a few walks, then the last one. */
	lst.calls = 0;
	lst.gen_moves = true;
	EXPECT_EQ(0, ipl_list_all(h, &all, &n, &gen));
	EXPECT_EQ((size_t)MAX_IDS, n);
	EXPECT_EQ(4U * 10, lst.calls);
	EXPECT_EQ(100U + 3 * 10 + 1, gen);	/* first page of the last walk */
	free(all);
	all = NULL;

	lst.fail_call = lst.calls + 2;
	lst.fail_err = ENOMEM;
	n = 99;
	EXPECT_EQ(-ENOMEM, ipl_list_all(h, &all, &n, NULL));
	EXPECT_NULL(all);
	EXPECT_EQ(99U, n);
	EXPECT_EQ(-EINVAL, ipl_list_all(h, NULL, &n, NULL));
	fake_close(h);
}

TEST_HARNESS_MAIN
